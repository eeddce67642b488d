//! Match requests as clients send them, and their checked, compiled form.

use serde::{Deserialize, Serialize};
use siteatlas_tiles::schema::FieldType;
use siteatlas_tiles::{LandUse, LayerKind, PoiKind};

/// The layers that hold sites to match.
pub const SITE_LAYERS: [LayerKind; 3] =
    [LayerKind::Plots, LayerKind::Factories, LayerKind::Offices];

use crate::error::AdviceError;

/// Largest `limit` of a match request.
pub const MAX_LIMIT: usize = 200;
/// `limit` when the request gives none.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest `max_m` of a proximity criterion, m (as for searches).
pub const MAX_NEAR_M: f64 = 100_000.0;

/// An investor's needs: which layers to search, what to ask of a site, how many results.
///
/// ```json
/// {"layers": ["plots", "factories"], "criteria": [
///   {"field": "area_mu", "min": 30, "max": 80, "hard": true},
///   {"field": "price_wan_per_mu", "max": 40, "weight": 2},
///   {"near": "highway_exit", "max_m": 5000}], "limit": 20}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// Layers searched: `plots`, `factories` or both (the default).
    #[serde(default = "default_layers")]
    pub layers: Vec<LayerKind>,
    /// What is asked of a site, hard filters and preferences alike.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// Number of results, 1..=200 (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Whether plots held for an investor (`reserved`) or under negotiation
    /// (`negotiating`) are also listed, each marked `held`. Sold
    /// (`transferred`) and `withdrawn` plots and fully `occupied` factories
    /// are never listed.
    #[serde(default)]
    pub include_held: bool,
    /// The investor's project, as the policy calculator takes it: when
    /// given, every result is checked against its plot's standard-land
    /// indicators (`compliance`, `compliant`) and the checks count in the
    /// score as one more preferred criterion, `compliance` (see the crate docs).
    #[serde(default, deserialize_with = "checked_plan")]
    pub plan: Option<crate::policy::Plan>,
}

/// A request's plan, read as [`crate::policy::Plan::from_value`] reads it.
fn checked_plan<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<crate::policy::Plan>, D::Error> {
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => crate::policy::Plan::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

fn default_layers() -> Vec<LayerKind> {
    vec![LayerKind::Plots, LayerKind::Factories]
}

impl MatchRequest {
    /// Reads a request from JSON; unknown keys are refused.
    pub fn from_json(json: &str) -> Result<Self, AdviceError> {
        serde_json::from_str(json).map_err(|e| AdviceError::Json {
            what: "match request",
            reason: e.to_string(),
        })
    }
}

/// One need. Either `field` (with `min`/`max`, `any_of`, or nothing for
/// `available_now`) or `near` (a POI kind, with `max_m`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Attribute tested (see [`Field`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// POI kind the site should be near, such as `highway_exit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<String>,
    /// Lower bound of a numeric field (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound of a numeric field (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Accepted values of a text field, or wanted industries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<String>>,
    /// Largest distance for `near`, m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_m: Option<f64>,
    /// A hard criterion filters: a site that does not fully meet it is left out.
    #[serde(default)]
    pub hard: bool,
    /// Weight of a preferred criterion in the score, > 0 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// The attributes a criterion can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Plot area, 亩 (plots).
    AreaMu,
    /// Land price, 万元/亩 (plots).
    PriceWanPerMu,
    /// Power capacity, kVA (plots).
    PowerKva,
    /// Largest plot ratio allowed (plots).
    PlotRatioMax,
    /// Height limit, m (plots).
    HeightLimitM,
    /// Planned land use (plots; `any_of`).
    LandUse,
    /// Floor area still to let, m² (factories).
    AvailableAreaM2,
    /// Gross floor area, m² (factories).
    TotalAreaM2,
    /// Rent, 元/m²/month (factories).
    RentYuanM2Month,
    /// Clear height, m (factories).
    ClearHeightM,
    /// Floor load, kN/m² (factories).
    FloorLoadKnM2,
    /// Crane capacity, t (factories).
    CraneT,
    /// Number of floors (factories).
    Floors,
    /// The park's industries (both layers; `any_of`).
    Industries,
    /// The park's district (both layers; `any_of`, by substring).
    District,
    /// The park's code (both layers; `any_of`).
    Park,
    /// On offer now: plot `available`, factory `vacant` or `partial` (both layers; no values).
    AvailableNow,
    /// Any other number a site layer declares (see `siteatlas_tiles::schema`):
    /// a plot's steam capacity, an office's distance to the metro.
    Declared(&'static str),
}

/// How a field is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `min` and/or `max`.
    Numeric,
    /// `any_of`.
    Set,
    /// No values: the site has the property or not.
    Flag,
}

impl Field {
    /// Every field, in the order error messages list them.
    pub const ALL: &'static [Field] = &[
        Field::AreaMu,
        Field::PriceWanPerMu,
        Field::PowerKva,
        Field::PlotRatioMax,
        Field::HeightLimitM,
        Field::LandUse,
        Field::AvailableAreaM2,
        Field::TotalAreaM2,
        Field::RentYuanM2Month,
        Field::ClearHeightM,
        Field::FloorLoadKnM2,
        Field::CraneT,
        Field::Floors,
        Field::Industries,
        Field::District,
        Field::Park,
        Field::AvailableNow,
    ];

    /// The field's name in requests and responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::AreaMu => "area_mu",
            Field::PriceWanPerMu => "price_wan_per_mu",
            Field::PowerKva => "power_kva",
            Field::PlotRatioMax => "plot_ratio_max",
            Field::HeightLimitM => "height_limit_m",
            Field::LandUse => "land_use",
            Field::AvailableAreaM2 => "available_area_m2",
            Field::TotalAreaM2 => "total_area_m2",
            Field::RentYuanM2Month => "rent_yuan_m2_month",
            Field::ClearHeightM => "clear_height_m",
            Field::FloorLoadKnM2 => "floor_load_kn_m2",
            Field::CraneT => "crane_t",
            Field::Floors => "floors",
            Field::Industries => "industries",
            Field::District => "district",
            Field::Park => "park",
            Field::AvailableNow => "available_now",
            Field::Declared(name) => name,
        }
    }

    /// How the field is tested.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::LandUse | Field::Industries | Field::District | Field::Park => FieldKind::Set,
            Field::AvailableNow => FieldKind::Flag,
            _ => FieldKind::Numeric,
        }
    }

    /// Looks a field up by name: the fields above, then the numbers the
    /// site layers declare.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == name)
            .or_else(|| {
                SITE_LAYERS
                    .iter()
                    .filter_map(|l| l.spec().field(name))
                    .find(|f| matches!(f.kind, FieldType::Number | FieldType::Integer))
                    .map(|f| Field::Declared(f.name))
            })
    }

    /// Known field names, plus `near`, for error messages.
    pub fn known_names() -> String {
        let mut names: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
        names.push("near");
        names.push("any number of a site layer (/api/schema)");
        names.join(", ")
    }
}

/// A checked criterion, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compiled {
    pub test: Test,
    pub hard: bool,
    /// 1 for hard criteria, where it is not used.
    pub weight: f64,
}

/// What a compiled criterion tests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    Range {
        field: Field,
        min: Option<f64>,
        max: Option<f64>,
    },
    Set {
        field: Field,
        wanted: Vec<String>,
    },
    AvailableNow,
    Near {
        kind: PoiKind,
        max_m: f64,
    },
}

impl Test {
    /// The name a response gives the criterion.
    pub fn name(&self) -> &'static str {
        match self {
            Test::Range { field, .. } | Test::Set { field, .. } => field.as_str(),
            Test::AvailableNow => Field::AvailableNow.as_str(),
            Test::Near { .. } => "near",
        }
    }

    /// Whether the test measures distances (the costly part of a match).
    pub fn is_near(&self) -> bool {
        matches!(self, Test::Near { .. })
    }
}

/// A request checked and compiled.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub layers: Vec<LayerKind>,
    pub criteria: Vec<Compiled>,
    pub limit: usize,
    pub include_held: bool,
    pub project: Option<crate::policy::Plan>,
}

fn finite(v: Option<f64>) -> bool {
    v.is_none_or(f64::is_finite)
}

impl Criterion {
    fn compile(&self, index: usize) -> Result<Compiled, AdviceError> {
        let label = self
            .field
            .clone()
            .or_else(|| self.near.as_ref().map(|_| "near".to_owned()))
            .unwrap_or_default();
        let invalid = |reason: String| AdviceError::InvalidCriterion {
            index,
            field: label.clone(),
            reason,
        };
        let weight = match (self.hard, self.weight) {
            // A weight would do nothing on a filter: refusing it tells the
            // client its request does not mean what it thinks.
            (true, Some(_)) => {
                return Err(invalid(
                    "a hard criterion filters and takes no weight".into(),
                ));
            }
            (false, Some(w)) if !w.is_finite() || w <= 0.0 => {
                return Err(invalid(format!(
                    "weight must be a finite number above 0, got {w}"
                )));
            }
            (_, w) => w.unwrap_or(1.0),
        };
        let test = match (&self.field, &self.near) {
            (Some(_), Some(_)) => {
                return Err(invalid("give either `field` or `near`, not both".into()));
            }
            (None, None) => {
                return Err(AdviceError::InvalidCriterion {
                    index,
                    field: String::new(),
                    reason: format!(
                        "needs `field` or `near` (known fields: {})",
                        Field::known_names()
                    ),
                });
            }
            (None, Some(kind)) => self.compile_near(kind, &invalid)?,
            (Some(name), None) => {
                let field = Field::parse(name).ok_or_else(|| AdviceError::UnknownField {
                    index,
                    field: name.clone(),
                    known: Field::known_names(),
                })?;
                self.compile_field(field, &invalid)?
            }
        };
        Ok(Compiled {
            test,
            hard: self.hard,
            weight,
        })
    }

    fn compile_near(
        &self,
        kind: &str,
        invalid: &dyn Fn(String) -> AdviceError,
    ) -> Result<Test, AdviceError> {
        let kind: PoiKind = kind.parse().map_err(|_| {
            let kinds: Vec<&str> = PoiKind::ALL.iter().map(|k| k.as_str()).collect();
            invalid(format!(
                "unknown POI kind `{kind}` (known: {})",
                kinds.join(", ")
            ))
        })?;
        if self.min.is_some() || self.max.is_some() || self.any_of.is_some() {
            return Err(invalid(
                "a proximity criterion takes `max_m`, not min, max or any_of".into(),
            ));
        }
        match self.max_m {
            Some(m) if m.is_finite() && m > 0.0 && m <= MAX_NEAR_M => {
                Ok(Test::Near { kind, max_m: m })
            }
            Some(m) => Err(invalid(format!(
                "max_m must be above 0 and at most {MAX_NEAR_M} m, got {m}"
            ))),
            None => Err(invalid("max_m (metres) is required".into())),
        }
    }

    fn compile_field(
        &self,
        field: Field,
        invalid: &dyn Fn(String) -> AdviceError,
    ) -> Result<Test, AdviceError> {
        if self.max_m.is_some() {
            return Err(invalid("max_m belongs to `near` criteria".into()));
        }
        match field.kind() {
            FieldKind::Numeric => {
                if self.any_of.is_some() {
                    return Err(invalid("a numeric field takes min and/or max".into()));
                }
                let (min, max) = (self.min, self.max);
                if min.is_none() && max.is_none() {
                    return Err(invalid("give min, max or both".into()));
                }
                if !finite(min) || !finite(max) {
                    return Err(invalid("min and max must be finite numbers".into()));
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    return Err(invalid(format!("min {lo} is above max {hi}")));
                }
                Ok(Test::Range { field, min, max })
            }
            FieldKind::Set => {
                if self.min.is_some() || self.max.is_some() {
                    return Err(invalid("this field takes any_of, not min or max".into()));
                }
                let wanted: Vec<String> = match &self.any_of {
                    Some(values) if !values.is_empty() => {
                        values.iter().map(|v| v.trim().to_owned()).collect()
                    }
                    _ => return Err(invalid("any_of needs at least one value".into())),
                };
                if wanted.iter().any(String::is_empty) {
                    return Err(invalid("any_of values must not be empty".into()));
                }
                if field == Field::LandUse
                    && let Some(bad) = wanted.iter().find(|v| v.parse::<LandUse>().is_err())
                {
                    let uses: Vec<&str> = LandUse::ALL.iter().map(|l| l.as_str()).collect();
                    return Err(invalid(format!(
                        "unknown land use `{bad}` (known: {})",
                        uses.join(", ")
                    )));
                }
                // Duplicates would count twice in the industry overlap.
                let mut unique: Vec<String> = Vec::with_capacity(wanted.len());
                for v in wanted {
                    if !unique.contains(&v) {
                        unique.push(v);
                    }
                }
                Ok(Test::Set {
                    field,
                    wanted: unique,
                })
            }
            FieldKind::Flag => {
                if self.min.is_some() || self.max.is_some() || self.any_of.is_some() {
                    return Err(invalid("available_now takes no values".into()));
                }
                Ok(Test::AvailableNow)
            }
        }
    }
}

impl MatchRequest {
    /// Checks every part of the request; the error names the first one at fault.
    pub(crate) fn compile(&self) -> Result<Plan, AdviceError> {
        if self.layers.is_empty() {
            return Err(AdviceError::InvalidLayers(
                "name plots, factories, offices or several".into(),
            ));
        }
        let mut layers = Vec::new();
        for &layer in &self.layers {
            if !SITE_LAYERS.contains(&layer) {
                return Err(AdviceError::InvalidLayers(format!(
                    "`{layer}` holds no sites to match (use plots, factories, offices)"
                )));
            }
            if !layers.contains(&layer) {
                layers.push(layer);
            }
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AdviceError::InvalidLimit {
                got: limit,
                max: MAX_LIMIT,
            });
        }
        let criteria = (self.criteria.iter().enumerate())
            .map(|(i, c)| c.compile(i))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(project) = &self.plan {
            project.validate()?;
        }
        Ok(Plan {
            layers,
            criteria,
            limit,
            include_held: self.include_held,
            project: self.plan.clone(),
        })
    }

    /// Checks the request without running it.
    pub fn validate(&self) -> Result<(), AdviceError> {
        self.compile().map(|_| ())
    }
}
