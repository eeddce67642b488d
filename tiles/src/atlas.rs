//! The whole map in memory: one [`LayerIndex`] per layer.

use geo::Rect;

use crate::index::LayerIndex;
use crate::model::{
    Attributes, FactoryAttrs, LayerKind, OfficeAttrs, ParkAttrs, PlotAttrs, PoiAttrs,
};
use crate::schema::FieldValue;

/// Every feature of the map, indexed. Readers share it behind a lock; a write
/// changes one feature in O(log n).
#[derive(Debug, Clone, Default)]
pub struct Atlas {
    /// Industrial parks.
    pub parks: LayerIndex<ParkAttrs>,
    /// Land plots.
    pub plots: LayerIndex<PlotAttrs>,
    /// Standard factories.
    pub factories: LayerIndex<FactoryAttrs>,
    /// Infrastructure points.
    pub pois: LayerIndex<PoiAttrs>,
    /// Office buildings.
    pub offices: LayerIndex<OfficeAttrs>,
}

/// Evaluates `$body` with `$index` bound to the index of `$layer` in
/// `$atlas`: the one place that lists which index holds which layer, so that
/// code generic over `LayerIndex<A>` serves every layer.
///
/// ```
/// # use siteatlas_tiles::{Atlas, LayerKind, with_layer_index};
/// let atlas = Atlas::default();
/// let n = with_layer_index!(&atlas, LayerKind::Offices, |index| index.len());
/// assert_eq!(n, 0);
/// ```
#[macro_export]
macro_rules! with_layer_index {
    ($atlas:expr, $layer:expr, |$index:ident| $body:expr) => {
        match $layer {
            $crate::LayerKind::Parks => {
                let $index = &$atlas.parks;
                $body
            }
            $crate::LayerKind::Plots => {
                let $index = &$atlas.plots;
                $body
            }
            $crate::LayerKind::Factories => {
                let $index = &$atlas.factories;
                $body
            }
            $crate::LayerKind::Pois => {
                let $index = &$atlas.pois;
                $body
            }
            $crate::LayerKind::Offices => {
                let $index = &$atlas.offices;
                $body
            }
        }
    };
}

/// As [`with_layer_index!`], with `$index` borrowed mutably.
#[macro_export]
macro_rules! with_layer_index_mut {
    ($atlas:expr, $layer:expr, |$index:ident| $body:expr) => {
        match $layer {
            $crate::LayerKind::Parks => {
                let $index = &mut $atlas.parks;
                $body
            }
            $crate::LayerKind::Plots => {
                let $index = &mut $atlas.plots;
                $body
            }
            $crate::LayerKind::Factories => {
                let $index = &mut $atlas.factories;
                $body
            }
            $crate::LayerKind::Pois => {
                let $index = &mut $atlas.pois;
                $body
            }
            $crate::LayerKind::Offices => {
                let $index = &mut $atlas.offices;
                $body
            }
        }
    };
}

impl Atlas {
    /// Number of features in a layer.
    pub fn len(&self, layer: LayerKind) -> usize {
        with_layer_index!(self, layer, |index| index.len())
    }

    /// Lon/lat bounding box of one layer, if it has features.
    pub fn extent(&self, layer: LayerKind) -> Option<Rect<f64>> {
        with_layer_index!(self, layer, |index| index.extent())
    }

    /// The park a feature belongs to (a park is its own): `None` when the
    /// feature does not exist or its layer has no parks (points of interest).
    pub fn park_of(&self, layer: LayerKind, id: u64) -> Option<Option<String>> {
        match layer {
            LayerKind::Parks => self.parks.get(id).map(|f| Some(f.code.clone())),
            LayerKind::Pois => None,
            _ => with_layer_index!(self, layer, |index| index.get(id).map(|f| {
                match f.attrs.value("park") {
                    Some(FieldValue::Text(park)) => Some(park.to_owned()),
                    _ => None,
                }
            })),
        }
    }

    /// Lon/lat bounding box of the given layers together.
    pub fn extent_of(&self, layers: &[LayerKind]) -> Option<Rect<f64>> {
        layers
            .iter()
            .filter_map(|l| self.extent(*l))
            .reduce(|a, b| {
                Rect::new(
                    geo::Coord {
                        x: a.min().x.min(b.min().x),
                        y: a.min().y.min(b.min().y),
                    },
                    geo::Coord {
                        x: a.max().x.max(b.max().x),
                        y: a.max().y.max(b.max().y),
                    },
                )
            })
    }
}
