//! Search parameters as clients send them: flat name-value pairs (a query
//! string, or a JSON body flattened by [`params_from_json`]) read into a
//! [`SearchQuery`]. Every refusal names the parameter at fault.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::Value;

use crate::error::{ModelError, SearchError};
use crate::geometry::Shape;
use crate::model::{LayerKind, PoiKind};
use crate::schema::{Field, Filter};
use crate::search::{Circle, FieldCondition, FieldTest, NearPoi, Range, SearchQuery};

/// Whether a parameter is one a search takes: a fixed one or a declared
/// filter of some layer.
pub fn is_parameter(name: &str) -> bool {
    PARAMETERS.contains(&name)
        || LayerKind::ALL
            .iter()
            .any(|l| l.spec().filter_params().any(|(_, p)| p == name))
}

/// Every parameter a search takes, sorted, for error messages.
pub fn all_parameters() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = PARAMETERS.to_vec();
    for layer in LayerKind::ALL {
        all.extend(layer.spec().filter_params().map(|(_, p)| p));
    }
    all.sort_unstable();
    all.dedup();
    all
}

/// The parameters of `layer` that the typed filters of [`SearchQuery`] read.
pub(crate) fn typed_parameters(layer: LayerKind) -> &'static [&'static str] {
    match layer {
        LayerKind::Plots => &[
            "status",
            "land_use",
            "min_area_mu",
            "max_area_mu",
            "min_price",
            "max_price",
            "park",
        ],
        LayerKind::Factories => &[
            "status",
            "min_clear_height_m",
            "min_floor_load_kn_m2",
            "min_available_area_m2",
            "max_available_area_m2",
            "max_rent",
            "park",
        ],
        LayerKind::Pois => &["kind"],
        LayerKind::Parks | LayerKind::Offices => &["park"],
    }
}

/// Reads the declared filters of `layer` that the typed ones do not.
fn field_conditions(
    params: &BTreeMap<String, String>,
    layer: LayerKind,
) -> Result<Vec<FieldCondition>, SearchError> {
    let typed = typed_parameters(layer);
    let mut conditions: Vec<FieldCondition> = Vec::new();
    let mut push = |field: &Field, test: FieldTest| {
        // A range given as two parameters is one condition.
        if let (FieldTest::Range(new), Some(existing)) =
            (&test, conditions.iter_mut().find(|c| c.field == field.name))
            && let FieldTest::Range(range) = &mut existing.test
        {
            range.min = range.min.or(new.min);
            range.max = range.max.or(new.max);
            return;
        }
        conditions.push(FieldCondition {
            field: field.name,
            test,
        });
    };
    for field in layer.spec().fields {
        let Some(filter) = field.filter else { continue };
        if filter.params().iter().any(|p| typed.contains(p)) {
            continue;
        }
        match filter {
            Filter::Choice { param } => {
                let words: Vec<String> = list::<String>(params, param)?;
                if let Some(bad) = words
                    .iter()
                    .find(|w| !field.choices.is_empty() && !field.choices.contains(&w.as_str()))
                {
                    return Err(SearchError::new(
                        param,
                        format!("`{bad}` is not one of {}", field.choices.join(", ")),
                    ));
                }
                if !words.is_empty() {
                    push(field, FieldTest::OneOf(words));
                }
            }
            Filter::Range { min, max } => {
                let range = Range {
                    min: number(params, min)?,
                    max: number(params, max)?,
                };
                if !range.is_open() {
                    range.check(field.name)?;
                    push(field, FieldTest::Range(range));
                }
            }
            Filter::AtLeast { param } => {
                if let Some(min) = number(params, param)? {
                    push(
                        field,
                        FieldTest::Range(Range {
                            min: Some(min),
                            max: None,
                        }),
                    );
                }
            }
            Filter::AtMost { param } => {
                if let Some(max) = number(params, param)? {
                    push(
                        field,
                        FieldTest::Range(Range {
                            min: None,
                            max: Some(max),
                        }),
                    );
                }
            }
            Filter::Flag { param } => {
                if let Some(v) = params
                    .get(param)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                {
                    let wanted = match v {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => {
                            return Err(SearchError::new(
                                param,
                                format!("`{v}` is not true or false"),
                            ));
                        }
                    };
                    push(field, FieldTest::Is(wanted));
                }
            }
        }
    }
    Ok(conditions)
}

/// The parameters every search takes, and those of the filters the search
/// engine holds in its own types (with the search keys of the R-tree);
/// every layer's other declared filters (see [`crate::schema::Filter`]) are
/// read generically as [`FieldCondition`]s.
pub const PARAMETERS: &[&str] = &[
    "layer",
    "lon",
    "lat",
    "radius_m",
    "status",
    "land_use",
    "min_area_mu",
    "max_area_mu",
    "min_price",
    "max_price",
    "park",
    "near",
    "limit",
    "offset",
    "min_clear_height_m",
    "min_floor_load_kn_m2",
    "min_available_area_m2",
    "max_available_area_m2",
    "max_rent",
    "kind",
];

fn number(params: &BTreeMap<String, String>, name: &str) -> Result<Option<f64>, SearchError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            let n: f64 = v
                .parse()
                .map_err(|_| SearchError::new(name, format!("`{v}` is not a number")))?;
            if !n.is_finite() {
                return Err(SearchError::new(name, "must be a finite number"));
            }
            Ok(Some(n))
        }
    }
}

fn list<T: FromStr>(params: &BTreeMap<String, String>, name: &str) -> Result<Vec<T>, SearchError>
where
    T::Err: std::fmt::Display,
{
    params
        .get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<T>()
                        .map_err(|e| SearchError::new(name, e.to_string()))
                })
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

fn count(
    params: &BTreeMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, SearchError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| SearchError::new(name, format!("`{v}` is not a non-negative integer"))),
    }
}

/// Builds a search from flat parameters (a query string's, or a JSON body's
/// through [`params_from_json`]) and a polygon. Parameters named in
/// `also_accepted` are the caller's (such as how to write the answer) and
/// are passed over; any other unknown one is refused, so that a misspelt
/// filter is not silently ignored.
pub fn query_from_params(
    params: &BTreeMap<String, String>,
    polygon: Option<Shape>,
    also_accepted: &[&str],
) -> Result<SearchQuery, SearchError> {
    if let Some(unknown) = params
        .keys()
        .find(|k| !is_parameter(k) && !also_accepted.contains(&k.as_str()))
    {
        return Err(SearchError::new(
            unknown,
            format!(
                "unknown parameter; expected one of {}",
                all_parameters().join(", ")
            ),
        ));
    }
    let layer = match params.get("layer") {
        Some(l) => l
            .parse::<LayerKind>()
            .map_err(|e| SearchError::new("layer", e.to_string()))?,
        None => LayerKind::Plots,
    };
    let mut q = SearchQuery::new(layer);
    match (
        number(params, "lon")?,
        number(params, "lat")?,
        number(params, "radius_m")?,
    ) {
        (Some(lon), Some(lat), Some(radius_m)) => q.circle = Some(Circle { lon, lat, radius_m }),
        (None, None, None) => {}
        _ => {
            return Err(SearchError::new(
                "lon/lat/radius_m",
                "a radius search needs all three",
            ));
        }
    }
    q.polygon = match polygon {
        Some(Shape::Area(mp)) => Some(mp),
        Some(Shape::Point(_)) => {
            return Err(SearchError::new(
                "polygon",
                "must be a Polygon or MultiPolygon",
            ));
        }
        None => None,
    };
    if let Some(near) = params.get("near") {
        let (kind, metres) = near.split_once(':').ok_or_else(|| {
            SearchError::new("near", "expected kind:metres, such as highway_exit:3000")
        })?;
        let kind: PoiKind = kind
            .parse()
            .map_err(|e: ModelError| SearchError::new("near", e.to_string()))?;
        let within_m: f64 = metres
            .parse()
            .map_err(|_| SearchError::new("near", format!("`{metres}` is not a number")))?;
        q.near = Some(NearPoi { kind, within_m });
    }
    q.park = params.get("park").filter(|p| !p.is_empty()).cloned();
    q.limit = count(params, "limit", 100)?;
    q.offset = count(params, "offset", 0)?;
    match layer {
        LayerKind::Plots => {
            q.plots.status = list(params, "status")?;
            q.plots.land_use = list(params, "land_use")?;
            q.plots.area_mu = Range {
                min: number(params, "min_area_mu")?,
                max: number(params, "max_area_mu")?,
            };
            q.plots.price_wan_per_mu = Range {
                min: number(params, "min_price")?,
                max: number(params, "max_price")?,
            };
        }
        LayerKind::Factories => {
            q.factories.status = list(params, "status")?;
            q.factories.min_clear_height_m = number(params, "min_clear_height_m")?;
            q.factories.min_floor_load_kn_m2 = number(params, "min_floor_load_kn_m2")?;
            q.factories.available_area_m2 = Range {
                min: number(params, "min_available_area_m2")?,
                max: number(params, "max_available_area_m2")?,
            };
            q.factories.max_rent_yuan_m2_month = number(params, "max_rent")?;
        }
        LayerKind::Pois => q.poi_kinds = list(params, "kind")?,
        LayerKind::Parks | LayerKind::Offices => {}
    }
    q.conditions = field_conditions(params, layer)?;
    Ok(q)
}

/// Flattens a JSON search body into the parameters of a query string (lists
/// as arrays or comma strings, numbers and booleans as text) and its
/// `polygon`, a GeoJSON Polygon or MultiPolygon.
pub fn params_from_json(
    body: Value,
) -> Result<(BTreeMap<String, String>, Option<Shape>), SearchError> {
    let Value::Object(fields) = body else {
        return Err(SearchError::new("body", "must be a JSON object"));
    };
    let mut params = BTreeMap::new();
    let mut polygon = None;
    for (key, value) in fields {
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(_) if key == "polygon" => {
                let geometry: geojson::Geometry = serde_json::from_value(value).map_err(|e| {
                    SearchError::new("polygon", format!("not a GeoJSON geometry: {e}"))
                })?;
                polygon = Some(
                    Shape::try_from(&geometry)
                        .map_err(|e| SearchError::new("polygon", e.to_string()))?,
                );
                continue;
            }
            other => {
                return Err(SearchError::new(key, format!("unexpected value {other}")));
            }
        };
        params.insert(key, text);
    }
    Ok((params, polygon))
}
