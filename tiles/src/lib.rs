//! # Site Atlas tile engine
//!
//! The map of an investment-promotion bureau (parks, plots, standard
//! factories, infrastructure) held in memory and answered from there. No HTTP,
//! no database, no async runtime: the server crate loads an [`Atlas`] from its
//! store and keeps it in step with every write.
//!
//! ## Pipeline
//! - **Model** ([`model`], [`geometry`]): typed features in WGS84 lon/lat,
//!   validated on entry (finite, in-range coordinates; rings that enclose an
//!   area). A plot's area is computed geodesically when not given.
//! - **Index** ([`index`]): R-trees per layer over lon/lat bounding boxes and
//!   search keys (plots: one tree per status and land use), bulk-loaded at
//!   start-up; one feature is inserted, moved or removed in O(log n).
//!   Geometry is projected to Web Mercator once, on entry.
//! - **Query**: a tile's buffered extent, or a search's circle or polygon,
//!   becomes a box the R-tree answers.
//! - **Clip and simplify** ([`clip`]): per tile, each ring is simplified below
//!   what the zoom can show, clipped to the tile plus a 64-unit buffer, snapped
//!   to the 4096 grid and oriented as the MVT spec asks.
//! - **Encode** ([`encode`]): one MVT layer per requested layer with the
//!   feature id and the properties maps style and pop up; plots aggregate below
//!   zoom 12 so that low-zoom tiles stay small.
//! - **Search** ([`search`], [`geodesy`]): radius (geodesic, to the nearest
//!   point of a feature), polygon, proximity to infrastructure and attribute
//!   constraints, sorted by distance then id, paginated.
//!
//! ```
//! use siteatlas_tiles::{Atlas, LayerKind, Poi, PoiAttrs, PoiKind, Shape, TileId};
//! use siteatlas_tiles::index::LayerIndex;
//!
//! let exit = Poi::new(1, "EXIT-1", Shape::point(103.85, 30.70).unwrap(),
//!     PoiAttrs { kind: PoiKind::HighwayExit, name: "温江收费站".into() }).unwrap();
//! let atlas = Atlas { pois: LayerIndex::bulk_load([exit]), ..Atlas::default() };
//! let tile = TileId::new(10, 807, 420).unwrap();
//! let bytes = atlas.encode_tile(&[LayerKind::Pois], tile).unwrap();
//! assert!(!bytes.is_empty());
//! ```

pub mod atlas;
pub mod clip;
pub mod encode;
pub mod error;
pub mod geodesy;
pub mod geojson_io;
pub mod geometry;
pub mod index;
pub mod layers;
pub mod model;
pub mod outline;
pub mod schema;
pub mod search;
pub mod search_answer;
pub mod search_params;
pub mod tile_filter;
pub mod tile_math;

pub use atlas::Atlas;
pub use error::{ModelError, SearchError, TileError};
pub use geometry::Shape;
pub use model::{
    AMENITY_KINDS, Amenity, Attributes, Factory, FactoryAttrs, FactoryStatus, Feature, LandUse,
    LayerKind, Office, OfficeAttrs, OfficeKind, Park, ParkAttrs, ParkContact, ParkLevel, Plot,
    PlotAttrs, PlotStatus, Poi, PoiAttrs, PoiKind, ResidentEnterprise,
};
pub use schema::{Field, FieldType, FieldValue, LayerSpec};
pub use search::{SearchHit, SearchPage, SearchQuery};
pub use tile_math::TileId;
