//! `GET` and `POST /api/search`: radius and constraint search.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use siteatlas_tiles::geojson_io::feature_to_geojson;
use siteatlas_tiles::search::{Circle, NearPoi, Range};
use siteatlas_tiles::{Atlas, LayerKind, SearchQuery, Shape};

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

/// Runs a search and writes the GeoJSON answer.
fn answer(atlas: &Atlas, q: &SearchQuery) -> Result<Response, ApiError> {
    let page = atlas.search(q)?;
    // Written straight to text: a page can hold a thousand features, and an
    // intermediate JSON tree would double the work.
    let mut body = Vec::with_capacity(page.hits.len() * 700 + 128);
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    let mut returned = 0;
    for hit in &page.hits {
        let f = match q.layer {
            LayerKind::Parks => atlas.parks.get(hit.id).map(|f| feature_to_geojson(f)),
            LayerKind::Plots => atlas.plots.get(hit.id).map(|f| feature_to_geojson(f)),
            LayerKind::Factories => atlas.factories.get(hit.id).map(|f| feature_to_geojson(f)),
            LayerKind::Pois => atlas.pois.get(hit.id).map(|f| feature_to_geojson(f)),
        };
        let Some(mut f) = f else { continue };
        if let (Some(d), Some(props)) = (hit.distance_m, f.properties.as_mut()) {
            props.insert("distance_m".into(), ((d * 100.0).round() / 100.0).into());
        }
        if returned > 0 {
            body.push(b',');
        }
        serde_json::to_writer(&mut body, &f).map_err(ApiError::internal)?;
        returned += 1;
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
           ("limit" = Option<usize>, Query, description = "at most 1000, default 100"), ("offset" = Option<usize>, Query)),
    responses((status = 200, description = "GeoJSON FeatureCollection sorted by distance, with numberMatched and numberReturned", content_type = "application/geo+json"),
              (status = 400, description = "invalid parameter", body = crate::error::ErrorBody)))]
pub async fn search_get(
    State(state): State<SharedState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::bad_parameter("query", e.body_text()))?;
    let params: BTreeMap<String, String> = pairs.into_iter().collect();
    let q = build_query(&params, None)?;
    state.usage.count("search", None, None, None);
    answer(&state.atlas.read(), &q)
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
    state.usage.count("search", None, None, None);
    answer(&state.atlas.read(), &q)
}
