//! The typed model: what every layer shares.
//!
//! Every feature is a [`Feature<A>`]: the fields common to all layers (id,
//! business code, version, geometry, extra attributes) around the layer's own
//! attributes `A`, which [`crate::layers`] defines one module per layer.
//! Coordinates are WGS84 longitude/latitude.

use std::fmt;
use std::str::FromStr;

use geo::{MultiPolygon, Point};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, TileError};
use crate::geometry::Shape;
use crate::schema::{FieldValue, LayerSpec};

pub use crate::layers::factories::{FactoryAttrs, FactoryStatus, FireClass, Offer};
pub use crate::layers::offices::{FitOut, OfficeAttrs, OfficeGrade, OfficeKind};
pub use crate::layers::parks::{
    AMENITY_KINDS, Amenity, ParkAttrs, ParkContact, ParkLevel, ResidentEnterprise,
};
pub use crate::layers::plots::{HandoverCondition, LandUse, PlotAttrs, PlotStatus, SupplyMethod};
pub use crate::layers::pois::{PoiAttrs, PoiKind};

/// Square metres in one mu (亩).
pub const M2_PER_MU: f64 = 666.67;

/// The layers Site Atlas serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Industrial parks (园区).
    Parks,
    /// Land plots (地块).
    Plots,
    /// Standard factories (标准厂房).
    Factories,
    /// Infrastructure points of interest.
    Pois,
    /// Office buildings (楼宇).
    Offices,
}

impl LayerKind {
    /// All layers, in drawing order (bottom to top).
    pub const ALL: [LayerKind; 5] = [
        Self::Parks,
        Self::Plots,
        Self::Factories,
        Self::Offices,
        Self::Pois,
    ];

    /// The layer's name in URLs, tiles and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parks => "parks",
            Self::Plots => "plots",
            Self::Factories => "factories",
            Self::Pois => "pois",
            Self::Offices => "offices",
        }
    }

    /// The layer's description of itself.
    pub fn spec(self) -> &'static LayerSpec {
        match self {
            Self::Parks => ParkAttrs::SPEC,
            Self::Plots => PlotAttrs::SPEC,
            Self::Factories => FactoryAttrs::SPEC,
            Self::Pois => PoiAttrs::SPEC,
            Self::Offices => OfficeAttrs::SPEC,
        }
    }

    /// Parses a comma-separated layer list such as `plots,pois`, without duplicates.
    pub fn parse_list(list: &str) -> Result<Vec<LayerKind>, TileError> {
        let mut layers = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let layer: LayerKind = name.parse()?;
            if !layers.contains(&layer) {
                layers.push(layer);
            }
        }
        if layers.is_empty() {
            return Err(TileError::NoLayers);
        }
        Ok(layers)
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LayerKind {
    type Err = TileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| TileError::UnknownLayer(s.to_owned()))
    }
}

/// Declares a closed vocabulary: a fieldless enum with its snake_case
/// spellings, `as_str`, `ALL`, `Display` and `FromStr`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's spelling in the API, tiles and store.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Bit for this value in a set of values (as in [`Attributes::search_key`]).
            pub fn bit(self) -> u32 {
                1 << (self as u32)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::error::ModelError::InvalidProperty {
                        field: stringify!($name).to_owned(),
                        reason: format!("`{s}` is not one of {}", allowed.join(", ")),
                    }
                })
            }
        }
    };
}

pub(crate) use vocabulary;

/// A feature of one layer: common fields around the layer's attributes `A`.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature<A> {
    /// Stable positive id, assigned by the store.
    pub id: u64,
    /// Business key (plot number 地块编号 for plots), unique in the layer.
    pub code: String,
    /// Incremented on every write; the basis of ETags.
    pub version: i64,
    /// Time of the last write, RFC 3339 (set by the store).
    pub updated_at: String,
    /// Geometry, validated for the layer.
    pub shape: Shape,
    /// The layer's own attributes.
    pub attrs: A,
    /// Properties the model does not know, kept as given.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// An industrial park (园区).
pub type Park = Feature<ParkAttrs>;
/// A land plot (地块).
pub type Plot = Feature<PlotAttrs>;
/// A standard factory (标准厂房).
pub type Factory = Feature<FactoryAttrs>;
/// An infrastructure point of interest.
pub type Poi = Feature<PoiAttrs>;
/// An office building (楼宇).
pub type Office = Feature<OfficeAttrs>;

/// What a layer's attributes tell the engine about themselves.
pub trait Attributes:
    Clone + Send + Sync + Serialize + serde::de::DeserializeOwned + 'static
{
    /// The layer these attributes belong to.
    const LAYER: LayerKind;
    /// The layer's description of itself: every property the model owns
    /// (everything else is kept in `extra`), with its type, unit and labels.
    const SPEC: &'static LayerSpec;
    /// A field's value by name, `None` when it is not set (or not a field of
    /// the layer). Tiles and generic filters read attributes through it.
    fn value(&self, field: &str) -> Option<FieldValue<'_>>;
    /// Checks values and fills derived ones (a plot's area from its shape).
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError>;
    /// Adds values derived from the attributes to a property map (a plot's `area_mu`).
    fn derived_properties(&self, _props: &mut serde_json::Map<String, serde_json::Value>) {}
    /// What searches filter on, packed into 64 bits and kept in the R-tree
    /// beside the feature's box (see [`crate::search`]): flag bits in the low
    /// half, an `f32` in the high half. Layers without such filters keep 0.
    fn search_key(&self) -> u64 {
        0
    }
    /// The layer's features are kept in this many R-trees, by
    /// [`Self::partition`], so that a search passes over the trees of
    /// features it cannot want.
    const PARTITIONS: usize = 1;
    /// The R-tree, below [`Self::PARTITIONS`], of a feature with this search key.
    fn partition(_key: u64) -> usize {
        0
    }
    /// The flag bits that every search key of a partition holds (all bits:
    /// the partition says nothing about the flags).
    fn partition_flags(_partition: usize) -> u32 {
        u32::MAX
    }
}

/// The flag bits of a search key (see [`Attributes::search_key`]).
pub fn key_flags(key: u64) -> u32 {
    key as u32
}

/// The `f32` of a search key (see [`Attributes::search_key`]): a plot's area
/// in mu, within a few millionths of a mu at the sizes of plots.
pub fn key_value(key: u64) -> f32 {
    f32::from_bits((key >> 32) as u32)
}

/// A yes-or-no value as files carry it: a boolean, 1 or 0 (Shapefiles have no
/// boolean type, and GDAL writes integers), or a word (true/false, yes/no,
/// y/n, t/f, 是/否, 有/无); null or blank is unknown.
pub(crate) fn yes_or_no<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    let word = |w: &str| match w.trim().to_lowercase().as_str() {
        "" => Some(None),
        "true" | "yes" | "y" | "t" | "1" | "是" | "有" => Some(Some(true)),
        "false" | "no" | "n" | "f" | "0" | "否" | "无" => Some(Some(false)),
        _ => None,
    };
    let read = match &value {
        None | Some(serde_json::Value::Null) => Some(None),
        Some(serde_json::Value::Bool(b)) => Some(Some(*b)),
        Some(serde_json::Value::Number(n)) => n.as_f64().and_then(|x| {
            if x == 1.0 {
                Some(Some(true))
            } else if x == 0.0 {
                Some(Some(false))
            } else {
                None
            }
        }),
        Some(serde_json::Value::String(s)) => word(s),
        Some(_) => None,
    };
    read.ok_or_else(|| {
        D::Error::custom(format!(
            "`{}` is not yes or no (true/false, 1/0, 是/否)",
            value.unwrap_or_default()
        ))
    })
}

/// A list of words as files carry it: a JSON array of strings, or one text
/// with the words separated by commas (full or half width), 、 or semicolons
/// (Shapefiles and GeoPackages have no list type); null or blank is empty.
pub(crate) fn word_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    use serde::de::Error;
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    let words = |text: &str| -> Vec<String> {
        text.split([',', '，', '、', ';', '；', '\n'])
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match value {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::String(text)) => Ok(words(&text)),
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                // Blank entries are kept for the layer's check to name.
                serde_json::Value::String(s) => Ok(s.trim().to_owned()),
                other => Err(D::Error::custom(format!("`{other}` is not a word"))),
            })
            .collect(),
        Some(other) => Err(D::Error::custom(format!(
            "`{other}` is not a list of words"
        ))),
    }
}

pub(crate) fn check_non_negative(field: &str, value: Option<f64>) -> Result<(), ModelError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(ModelError::InvalidProperty {
            field: field.to_owned(),
            reason: format!("must be a finite number >= 0, got {v}"),
        }),
        _ => Ok(()),
    }
}

/// Checks a date as departments write it: `YYYY-MM-DD` or `YYYY-MM`.
pub(crate) fn check_date(field: &str, value: Option<&str>) -> Result<(), ModelError> {
    let Some(text) = value else { return Ok(()) };
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, digits: usize| {
        (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let valid = match parts.as_slice() {
        [y, m] => number(y, 4).is_some() && number(m, 2).is_some_and(|m| (1..=12).contains(&m)),
        [y, m, d] => {
            number(y, 4).is_some()
                && number(m, 2).is_some_and(|m| (1..=12).contains(&m))
                && number(d, 2).is_some_and(|d| (1..=31).contains(&d))
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ModelError::InvalidProperty {
            field: field.to_owned(),
            reason: format!("`{text}` is not a date such as 2027-06 or 2027-06-30"),
        })
    }
}

pub(crate) fn polygons(shape: &Shape, layer: LayerKind) -> Result<&MultiPolygon<f64>, ModelError> {
    match shape {
        Shape::Area(mp) => Ok(mp),
        Shape::Point(_) => Err(ModelError::WrongGeometryType {
            layer: layer.as_str(),
            expected: "Polygon or MultiPolygon",
            got: "Point".into(),
        }),
    }
}

impl<A: Attributes> Feature<A> {
    /// Builds a feature, validating the shape for the layer and filling derived attributes.
    pub fn new(
        id: u64,
        code: impl Into<String>,
        shape: Shape,
        mut attrs: A,
    ) -> Result<Self, ModelError> {
        if id == 0 {
            return Err(ModelError::InvalidId);
        }
        let code = code.into();
        if code.trim().is_empty() {
            return Err(ModelError::InvalidProperty {
                field: "code".into(),
                reason: "is required and must not be empty".into(),
            });
        }
        attrs.finish(&shape)?;
        Ok(Self {
            id,
            code,
            version: 1,
            updated_at: String::new(),
            shape,
            attrs,
            extra: serde_json::Map::new(),
        })
    }

    /// A representative point: the point itself, or the centroid of the area.
    pub fn anchor(&self) -> Point<f64> {
        self.shape.anchor()
    }
}
