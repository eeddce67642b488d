//! The layers, one module each: its attributes, vocabularies, description
//! ([`crate::schema::LayerSpec`]) and checks. Adding a layer means a module
//! here, a [`LayerKind`](crate::model::LayerKind) variant with its
//! [`Atlas`](crate::Atlas) index (see [`crate::for_each_layer`]), its store
//! migrations and its fixtures.

pub mod factories;
pub mod offices;
pub mod parks;
pub mod plots;
pub mod pois;
