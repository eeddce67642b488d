//! `GET` and `POST /api/search`: radius and constraint search.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use siteatlas_tiles::geojson_io::{properties, write_geojson};
use siteatlas_tiles::search::{Circle, NearPoi, Range};
use siteatlas_tiles::{Atlas, Attributes, Feature, LayerKind, SearchQuery, Shape};

use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::state::SharedState;

/// Every parameter the search takes, for error messages.
const PARAMETERS: &[&str] = &[
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
    "properties",
    "skipGeometry",
];

fn number(params: &BTreeMap<String, String>, name: &str) -> Result<Option<f64>, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            let n: f64 = v
                .parse()
                .map_err(|_| ApiError::bad_parameter(name, format!("`{v}` is not a number")))?;
            if !n.is_finite() {
                return Err(ApiError::bad_parameter(name, "must be a finite number"));
            }
            Ok(Some(n))
        }
    }
}

fn list<T: FromStr>(params: &BTreeMap<String, String>, name: &str) -> Result<Vec<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    params
        .get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<T>().map_err(|e| ApiError::bad_parameter(name, e)))
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

fn count(params: &BTreeMap<String, String>, name: &str, default: usize) -> Result<usize, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            ApiError::bad_parameter(name, format!("`{v}` is not a non-negative integer"))
        }),
    }
}

/// Builds a search from flat parameters (query string or JSON body).
pub fn build_query(
    params: &BTreeMap<String, String>,
    polygon: Option<Shape>,
) -> Result<SearchQuery, ApiError> {
    if let Some(unknown) = params.keys().find(|k| !PARAMETERS.contains(&k.as_str())) {
        return Err(ApiError::bad_parameter(
            unknown,
            format!(
                "unknown parameter; expected one of {}",
                PARAMETERS.join(", ")
            ),
        ));
    }
    let layer = match params.get("layer") {
        Some(l) => l
            .parse::<LayerKind>()
            .map_err(|e| ApiError::bad_parameter("layer", e))?,
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
            return Err(ApiError::bad_parameter(
                "lon/lat/radius_m",
                "a radius search needs all three",
            ));
        }
    }
    q.polygon = match polygon {
        Some(Shape::Area(mp)) => Some(mp),
        Some(Shape::Point(_)) => {
            return Err(ApiError::bad_parameter(
                "polygon",
                "must be a Polygon or MultiPolygon",
            ));
        }
        None => None,
    };
    if let Some(near) = params.get("near") {
        let (kind, metres) = near.split_once(':').ok_or_else(|| {
            ApiError::bad_parameter("near", "expected kind:metres, such as highway_exit:3000")
        })?;
        let kind = kind
            .parse()
            .map_err(|e| ApiError::bad_parameter("near", e))?;
        let within_m: f64 = metres
            .parse()
            .map_err(|_| ApiError::bad_parameter("near", format!("`{metres}` is not a number")))?;
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
        LayerKind::Parks => {}
    }
    Ok(q)
}

/// What of each feature an answer carries: OGC API - Features' `properties`
/// (a comma list; empty for none) and `skipGeometry`. A client that lists
/// results or draws them from its tiles asks for a few properties and no
/// geometry, and gets an answer a tenth the size, written without building
/// the feature's full property map.
#[derive(Debug, Default)]
pub struct Selection {
    /// Property names in the order wanted; `None` for all of them.
    pub properties: Option<Vec<String>>,
    /// Answer `"geometry": null`.
    pub skip_geometry: bool,
}

impl Selection {
    /// Reads `properties` and `skipGeometry` from flat parameters.
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<Self, ApiError> {
        let properties = params.get("properties").map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        });
        let skip_geometry = match params.get("skipGeometry").map(|v| v.trim()) {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ApiError::bad_parameter(
                    "skipGeometry",
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        Ok(Self {
            properties,
            skip_geometry,
        })
    }
}

/// Distances are given to the centimetre.
fn rounded_distance(metres: f64) -> f64 {
    (metres * 100.0).round() / 100.0
}

/// Appends one feature of an answer as GeoJSON text.
fn write_hit<A: Attributes>(
    body: &mut Vec<u8>,
    feature: &Feature<A>,
    distance_m: Option<f64>,
    selection: &Selection,
) -> Result<(), ApiError> {
    use std::io::Write;
    let distance = distance_m.map(rounded_distance);
    let Some(names) = &selection.properties else {
        let additional: &[(&str, Value)] = match distance {
            Some(d) => &[("distance_m", Value::from(d))],
            None => &[],
        };
        return write_geojson(body, feature, !selection.skip_geometry, additional)
            .map_err(ApiError::internal);
    };
    write!(
        body,
        "{{\"type\":\"Feature\",\"id\":{},\"geometry\":",
        feature.id
    )
    .map_err(ApiError::internal)?;
    if selection.skip_geometry {
        body.extend_from_slice(b"null");
    } else {
        serde_json::to_writer(&mut *body, &geojson::Geometry::from(&feature.shape))
            .map_err(ApiError::internal)?;
    }
    // The common fields and the distance are written directly; the full
    // property map is built only when an attribute is asked for.
    body.extend_from_slice(b",\"properties\":{");
    let mut all = None;
    let mut first = true;
    for name in names {
        let value: Value = match name.as_str() {
            "distance_m" => match distance {
                Some(d) => d.into(),
                None => continue,
            },
            "id" => feature.id.into(),
            "code" => feature.code.as_str().into(),
            "version" => feature.version.into(),
            other => match all.get_or_insert_with(|| properties(feature)).get(other) {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        if !first {
            body.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *body, name).map_err(ApiError::internal)?;
        body.push(b':');
        serde_json::to_writer(&mut *body, &value).map_err(ApiError::internal)?;
    }
    body.extend_from_slice(b"}}");
    Ok(())
}

/// Runs a search and writes the GeoJSON answer.
fn answer(atlas: &Atlas, q: &SearchQuery, selection: &Selection) -> Result<Response, ApiError> {
    let page = atlas.search(q)?;
    // Written straight to text: a page can hold a thousand features, and an
    // intermediate JSON tree would double the work.
    let per_feature = if selection.properties.is_some() && selection.skip_geometry {
        80
    } else {
        700
    };
    let mut body = Vec::with_capacity(page.hits.len() * per_feature + 128);
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    let mut returned = 0;
    for hit in &page.hits {
        let before = body.len();
        if returned > 0 {
            body.push(b',');
        }
        let written = match q.layer {
            LayerKind::Parks => atlas
                .parks
                .get(hit.id)
                .map(|f| write_hit(&mut body, f, hit.distance_m, selection)),
            LayerKind::Plots => atlas
                .plots
                .get(hit.id)
                .map(|f| write_hit(&mut body, f, hit.distance_m, selection)),
            LayerKind::Factories => atlas
                .factories
                .get(hit.id)
                .map(|f| write_hit(&mut body, f, hit.distance_m, selection)),
            LayerKind::Pois => atlas
                .pois
                .get(hit.id)
                .map(|f| write_hit(&mut body, f, hit.distance_m, selection)),
        };
        match written {
            Some(result) => {
                result?;
                returned += 1;
            }
            None => body.truncate(before),
        }
    }
    body.extend_from_slice(
        format!(
            "],\"numberMatched\":{},\"numberReturned\":{returned}}}",
            page.total
        )
        .as_bytes(),
    );
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// `GET /api/search`
#[utoipa::path(get, path = "/api/search", tag = "search",
    params(("layer" = Option<String>, Query, description = "plots (default), factories, parks or pois"),
           ("lon" = Option<f64>, Query), ("lat" = Option<f64>, Query),
           ("radius_m" = Option<f64>, Query, description = "geodesic radius, (0, 100000]"),
           ("status" = Option<String>, Query, description = "comma list"), ("land_use" = Option<String>, Query, description = "comma list"),
           ("min_area_mu" = Option<f64>, Query), ("max_area_mu" = Option<f64>, Query),
           ("min_price" = Option<f64>, Query), ("max_price" = Option<f64>, Query, description = "万元/亩"),
           ("park" = Option<String>, Query), ("near" = Option<String>, Query, description = "kind:metres, e.g. highway_exit:3000"),
           ("min_clear_height_m" = Option<f64>, Query), ("min_floor_load_kn_m2" = Option<f64>, Query),
           ("min_available_area_m2" = Option<f64>, Query), ("max_available_area_m2" = Option<f64>, Query),
           ("max_rent" = Option<f64>, Query, description = "元/m²/月"), ("kind" = Option<String>, Query, description = "POI kinds"),
           ("limit" = Option<usize>, Query, description = "at most 1000, default 100"), ("offset" = Option<usize>, Query),
           ("properties" = Option<String>, Query, description = "comma list of the properties to return (distance_m among them); empty for none; all when absent"),
           ("skipGeometry" = Option<bool>, Query, description = "true: features without geometry")),
    responses((status = 200, description = "GeoJSON FeatureCollection sorted by distance, with numberMatched and numberReturned", content_type = "application/geo+json"),
              (status = 400, description = "invalid parameter", body = crate::error::ErrorBody)))]
pub async fn search_get(
    State(state): State<SharedState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::bad_parameter("query", e.body_text()))?;
    let params: BTreeMap<String, String> = pairs.into_iter().collect();
    let q = build_query(&params, None)?;
    let selection = Selection::from_params(&params)?;
    state.usage.count("search", None, None, None);
    answer(&state.atlas.read(), &q, &selection)
}

/// `POST /api/search`: the same fields as JSON, plus `polygon` (GeoJSON).
#[utoipa::path(post, path = "/api/search", tag = "search",
    request_body(content = Object, description = "the GET parameters as JSON fields (lists as arrays or comma strings) plus `polygon`, a GeoJSON Polygon or MultiPolygon"),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"),
              (status = 400, description = "invalid field", body = crate::error::ErrorBody),
              (status = 413, description = "body over the limit", body = crate::error::ErrorBody)))]
pub async fn search_post(
    State(state): State<SharedState>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let Value::Object(fields) = body else {
        return Err(ApiError::bad_parameter("body", "must be a JSON object"));
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
                    ApiError::bad_parameter("polygon", format!("not a GeoJSON geometry: {e}"))
                })?;
                polygon = Some(
                    Shape::try_from(&geometry)
                        .map_err(|e| ApiError::bad_parameter("polygon", e))?,
                );
                continue;
            }
            other => {
                return Err(ApiError::bad_parameter(
                    &key,
                    format!("unexpected value {other}"),
                ));
            }
        };
        params.insert(key, text);
    }
    let q = build_query(&params, polygon)?;
    let selection = Selection::from_params(&params)?;
    state.usage.count("search", None, None, None);
    answer(&state.atlas.read(), &q, &selection)
}
