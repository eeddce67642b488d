//! Errors of the tile engine. Each variant names what was wrong so that the
//! server can pass the message on to a client unchanged.

use thiserror::Error;

/// A feature or geometry that cannot enter the index.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A coordinate is NaN, infinite or outside lon [-180, 180], lat [-90, 90].
    #[error("invalid coordinate ({lon}, {lat}): {reason}")]
    InvalidCoordinate {
        /// Longitude as given.
        lon: f64,
        /// Latitude as given.
        lat: f64,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The geometry has no parts, or a ring encloses no area.
    #[error("degenerate geometry: {0}")]
    DegenerateGeometry(&'static str),
    /// The geometry type does not suit the layer (a point for a plot, say).
    #[error("{layer} need a {expected} geometry, got {got}")]
    WrongGeometryType {
        /// The layer.
        layer: &'static str,
        /// What the layer takes.
        expected: &'static str,
        /// What was given.
        got: String,
    },
    /// A property is missing or has the wrong type or value.
    #[error("property `{field}`: {reason}")]
    InvalidProperty {
        /// Property name.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// Ids are positive integers.
    #[error("feature id must be a positive integer")]
    InvalidId,
}

/// A tile address or layer list that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TileError {
    /// Zoom beyond the supported range.
    #[error("zoom {z} is outside 0..={max}")]
    ZoomOutOfRange {
        /// Requested zoom.
        z: u32,
        /// Largest supported zoom.
        max: u8,
    },
    /// Column or row beyond the 2^z tiles of the zoom.
    #[error("tile {x}/{y} does not exist at zoom {z} (0..{n})")]
    TileOutOfRange {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
        /// Tiles per axis at this zoom.
        n: u64,
    },
    /// A layer name that is not one of parks, plots, factories, pois.
    #[error("unknown layer `{0}` (expected parks, plots, factories or pois)")]
    UnknownLayer(String),
    /// No layer was requested.
    #[error("no layer requested")]
    NoLayers,
    /// The MVT encoder refused the data (should not happen with valid input).
    #[error("vector tile encoding failed: {0}")]
    Encode(String),
}

/// A search that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{field}: {reason}")]
pub struct SearchError {
    /// The query field at fault.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SearchError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
