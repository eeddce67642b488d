//! The whole map in memory: one [`LayerIndex`] per layer.

use geo::Rect;

use crate::index::LayerIndex;
use crate::model::{FactoryAttrs, LayerKind, ParkAttrs, PlotAttrs, PoiAttrs};

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
}

impl Atlas {
    /// Number of features in a layer.
    pub fn len(&self, layer: LayerKind) -> usize {
        match layer {
            LayerKind::Parks => self.parks.len(),
            LayerKind::Plots => self.plots.len(),
            LayerKind::Factories => self.factories.len(),
            LayerKind::Pois => self.pois.len(),
        }
    }

    /// Lon/lat bounding box of one layer, if it has features.
    pub fn extent(&self, layer: LayerKind) -> Option<Rect<f64>> {
        match layer {
            LayerKind::Parks => self.parks.extent(),
            LayerKind::Plots => self.plots.extent(),
            LayerKind::Factories => self.factories.extent(),
            LayerKind::Pois => self.pois.extent(),
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
