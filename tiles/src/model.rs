//! The typed model: parks, plots, factories and points of interest.
//!
//! Every feature is a [`Feature<A>`]: the fields common to all layers (id,
//! business code, version, geometry, extra attributes) around the layer's own
//! attributes `A`. Coordinates are WGS84 longitude/latitude.

use std::fmt;
use std::str::FromStr;

use geo::{GeodesicArea, MultiPolygon, Point};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, TileError};
use crate::geometry::Shape;

/// Square metres in one mu (亩).
pub const M2_PER_MU: f64 = 666.67;

/// The four layers Site Atlas serves.
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
}

impl LayerKind {
    /// All layers, in drawing order (bottom to top).
    pub const ALL: [LayerKind; 4] = [Self::Parks, Self::Plots, Self::Factories, Self::Pois];

    /// The layer's name in URLs, tiles and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parks => "parks",
            Self::Plots => "plots",
            Self::Factories => "factories",
            Self::Pois => "pois",
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
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ModelError::InvalidProperty {
                        field: stringify!($name).to_owned(),
                        reason: format!("`{s}` is not one of {}", allowed.join(", ")),
                    }
                })
            }
        }
    };
}

vocabulary!(
    /// Administrative level of a park.
    ParkLevel {
        /// 国家级.
        National => "national",
        /// 省级.
        Provincial => "provincial",
        /// 市级.
        Municipal => "municipal",
        /// 县级.
        County => "county",
    }
);

vocabulary!(
    /// Where a plot stands in its transfer.
    PlotStatus {
        /// On offer.
        Available => "available",
        /// Held for an investor.
        Reserved => "reserved",
        /// Under negotiation.
        Negotiating => "negotiating",
        /// Sold (出让): off the market.
        Transferred => "transferred",
        /// Taken off the offer.
        Withdrawn => "withdrawn",
    }
);

vocabulary!(
    /// Planned land use (用地性质).
    LandUse {
        /// M1-M3.
        Industrial => "industrial",
        /// W.
        Logistics => "logistics",
        /// M0, research and new industrial land.
        Rnd => "rnd",
        /// B.
        Commercial => "commercial",
        /// Mixed use.
        Mixed => "mixed",
    }
);

vocabulary!(
    /// Occupancy of a standard factory.
    FactoryStatus {
        /// Entirely free.
        Vacant => "vacant",
        /// Partly let.
        Partial => "partial",
        /// Fully let.
        Occupied => "occupied",
    }
);

vocabulary!(
    /// Kind of infrastructure point.
    PoiKind {
        /// 高速出口.
        HighwayExit => "highway_exit",
        /// Rail freight station.
        RailFreight => "rail_freight",
        /// River or sea port.
        Port => "port",
        /// Airport.
        Airport => "airport",
        /// Electrical substation.
        Substation => "substation",
        /// Wastewater treatment plant.
        Wastewater => "wastewater",
    }
);

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

/// What a layer's attributes tell the engine about themselves.
pub trait Attributes:
    Clone + Send + Sync + Serialize + serde::de::DeserializeOwned + 'static
{
    /// The layer these attributes belong to.
    const LAYER: LayerKind;
    /// Property names the model owns (everything else is kept in `extra`).
    const FIELDS: &'static [&'static str];
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

/// Attributes of an industrial park.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ParkAttrs {
    /// Display name.
    pub name: String,
    /// Administrative level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<ParkLevel>,
    /// Industry focus tags such as `biomedicine` or `new_energy_vehicles`.
    #[serde(default)]
    pub industries: Vec<String>,
    /// District (区县) the park lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
}

/// Attributes of a land plot, with the standard-land (标准地) indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotAttrs {
    /// Code of the park the plot belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub park: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Transfer status.
    pub status: PlotStatus,
    /// Planned land use.
    pub land_use: LandUse,
    /// Area in m²; computed geodesically from the shape when not given.
    #[serde(default)]
    pub area_m2: f64,
    /// Asking price, 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_wan_per_mu: Option<f64>,
    /// Minimum plot ratio (容积率).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_ratio_min: Option<f64>,
    /// Maximum plot ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_ratio_max: Option<f64>,
    /// Maximum building density (0-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_density_max: Option<f64>,
    /// Maximum green ratio (0-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub green_ratio_max: Option<f64>,
    /// Height limit, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_limit_m: Option<f64>,
    /// Minimum investment intensity (投资强度), 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investment_intensity_wan_per_mu: Option<f64>,
    /// Minimum tax per mu (亩均税收), 万元/亩/year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_per_mu_wan: Option<f64>,
    /// Maximum energy use per mu (亩均能耗), tonnes of standard coal equivalent
    /// (tce) per mu per year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_per_mu_tce_max: Option<f64>,
    /// Power capacity available, kVA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_kva: Option<f64>,
    /// Water supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub water: Option<bool>,
    /// Gas supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub gas: Option<bool>,
    /// Steam supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub steam: Option<bool>,
}

impl PlotAttrs {
    /// Area in mu (亩).
    pub fn area_mu(&self) -> f64 {
        self.area_m2 / M2_PER_MU
    }
}

/// Attributes of a standard factory (carrier, 载体).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactoryAttrs {
    /// Code of the park the factory stands in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub park: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Number of floors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floors: Option<u32>,
    /// Gross floor area, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_area_m2: Option<f64>,
    /// Floor area still to let or sell, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_area_m2: Option<f64>,
    /// Clear height (净高), m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_height_m: Option<f64>,
    /// Floor load (承重), kN/m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_load_kn_m2: Option<f64>,
    /// Crane capacity, t.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crane_t: Option<f64>,
    /// Rent, 元/m²/month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rent_yuan_m2_month: Option<f64>,
    /// Occupancy.
    pub status: FactoryStatus,
}

/// Attributes of a point of interest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoiAttrs {
    /// What the point is.
    pub kind: PoiKind,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// A yes-or-no value as files carry it: a boolean, 1 or 0 (Shapefiles have no
/// boolean type, and GDAL writes integers), or a word (true/false, yes/no,
/// y/n, t/f, 是/否, 有/无); null or blank is unknown.
fn yes_or_no<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
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

fn check_non_negative(field: &str, value: Option<f64>) -> Result<(), ModelError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(ModelError::InvalidProperty {
            field: field.to_owned(),
            reason: format!("must be a finite number >= 0, got {v}"),
        }),
        _ => Ok(()),
    }
}

fn polygons(shape: &Shape, layer: LayerKind) -> Result<&MultiPolygon<f64>, ModelError> {
    match shape {
        Shape::Area(mp) => Ok(mp),
        Shape::Point(_) => Err(ModelError::WrongGeometryType {
            layer: layer.as_str(),
            expected: "Polygon or MultiPolygon",
            got: "Point".into(),
        }),
    }
}

impl Attributes for ParkAttrs {
    const LAYER: LayerKind = LayerKind::Parks;
    const FIELDS: &'static [&'static str] = &["name", "level", "industries", "district"];
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        polygons(shape, Self::LAYER).map(|_| ())
    }
}

impl Attributes for PlotAttrs {
    const LAYER: LayerKind = LayerKind::Plots;
    const FIELDS: &'static [&'static str] = &[
        "park",
        "name",
        "status",
        "land_use",
        "area_m2",
        "area_mu",
        "price_wan_per_mu",
        "plot_ratio_min",
        "plot_ratio_max",
        "building_density_max",
        "green_ratio_max",
        "height_limit_m",
        "investment_intensity_wan_per_mu",
        "tax_per_mu_wan",
        "energy_per_mu_tce_max",
        "power_kva",
        "water",
        "gas",
        "steam",
    ];
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        let area = polygons(shape, Self::LAYER)?;
        if !self.area_m2.is_finite() || self.area_m2 < 0.0 {
            return Err(ModelError::InvalidProperty {
                field: "area_m2".into(),
                reason: format!("must be a finite number > 0, got {}", self.area_m2),
            });
        }
        if self.area_m2 == 0.0 {
            // Not surveyed: take the ellipsoidal area of the shape.
            self.area_m2 = area.geodesic_area_unsigned();
        }
        for (field, value) in [
            ("price_wan_per_mu", self.price_wan_per_mu),
            ("plot_ratio_min", self.plot_ratio_min),
            ("plot_ratio_max", self.plot_ratio_max),
            ("building_density_max", self.building_density_max),
            ("green_ratio_max", self.green_ratio_max),
            ("height_limit_m", self.height_limit_m),
            (
                "investment_intensity_wan_per_mu",
                self.investment_intensity_wan_per_mu,
            ),
            ("tax_per_mu_wan", self.tax_per_mu_wan),
            ("energy_per_mu_tce_max", self.energy_per_mu_tce_max),
            ("power_kva", self.power_kva),
        ] {
            check_non_negative(field, value)?;
        }
        if let (Some(lo), Some(hi)) = (self.plot_ratio_min, self.plot_ratio_max)
            && lo > hi
        {
            return Err(ModelError::InvalidProperty {
                field: "plot_ratio_min".into(),
                reason: format!("{lo} is above plot_ratio_max {hi}"),
            });
        }
        for (field, value) in [
            ("building_density_max", self.building_density_max),
            ("green_ratio_max", self.green_ratio_max),
        ] {
            if value.is_some_and(|v| v > 1.0) {
                return Err(ModelError::InvalidProperty {
                    field: field.into(),
                    reason: "is a ratio between 0 and 1".into(),
                });
            }
        }
        Ok(())
    }
    /// Status and land-use bits, and the area in mu.
    fn search_key(&self) -> u64 {
        let flags = self.status.bit() | self.land_use.bit() << 8;
        u64::from((self.area_mu() as f32).to_bits()) << 32 | u64::from(flags)
    }
    /// One R-tree per status and land use.
    const PARTITIONS: usize = PlotStatus::ALL.len() * LandUse::ALL.len();
    fn partition(key: u64) -> usize {
        let (status, land_use) = (
            (key & 0xff).trailing_zeros(),
            (key >> 8 & 0xff).trailing_zeros(),
        );
        status as usize * LandUse::ALL.len() + land_use as usize
    }
    fn partition_flags(partition: usize) -> u32 {
        let (status, land_use) = (
            partition / LandUse::ALL.len(),
            partition % LandUse::ALL.len(),
        );
        PlotStatus::ALL[status].bit() | LandUse::ALL[land_use].bit() << 8
    }
    fn derived_properties(&self, props: &mut serde_json::Map<String, serde_json::Value>) {
        props.insert(
            "area_mu".into(),
            ((self.area_mu() * 100.0).round() / 100.0).into(),
        );
    }
}

impl Attributes for FactoryAttrs {
    const LAYER: LayerKind = LayerKind::Factories;
    const FIELDS: &'static [&'static str] = &[
        "park",
        "name",
        "floors",
        "total_area_m2",
        "available_area_m2",
        "clear_height_m",
        "floor_load_kn_m2",
        "crane_t",
        "rent_yuan_m2_month",
        "status",
    ];
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        polygons(shape, Self::LAYER)?;
        for (field, value) in [
            ("total_area_m2", self.total_area_m2),
            ("available_area_m2", self.available_area_m2),
            ("clear_height_m", self.clear_height_m),
            ("floor_load_kn_m2", self.floor_load_kn_m2),
            ("crane_t", self.crane_t),
            ("rent_yuan_m2_month", self.rent_yuan_m2_month),
        ] {
            check_non_negative(field, value)?;
        }
        if let (Some(avail), Some(total)) = (self.available_area_m2, self.total_area_m2)
            && avail > total
        {
            return Err(ModelError::InvalidProperty {
                field: "available_area_m2".into(),
                reason: format!("{avail} is above total_area_m2 {total}"),
            });
        }
        Ok(())
    }
}

impl Attributes for PoiAttrs {
    const LAYER: LayerKind = LayerKind::Pois;
    const FIELDS: &'static [&'static str] = &["kind", "name"];
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        match shape {
            Shape::Point(_) => Ok(()),
            Shape::Area(_) => Err(ModelError::WrongGeometryType {
                layer: Self::LAYER.as_str(),
                expected: "Point",
                got: "Polygon".into(),
            }),
        }
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
