//! `GET` and `POST /api/search`: radius and constraint search.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use siteatlas_tiles::geojson_io::{properties, write_geojson};
use siteatlas_tiles::search_params::{params_from_json, query_from_params};
use siteatlas_tiles::{Atlas, Attributes, Feature, LayerKind, SearchQuery, Shape};

use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::state::SharedState;

/// Parameters of the answer's form, besides the search's own.
const SELECTION_PARAMETERS: &[&str] = &["properties", "skipGeometry"];

/// Builds a search from flat parameters (query string or JSON body).
pub fn build_query(
    params: &BTreeMap<String, String>,
    polygon: Option<Shape>,
) -> Result<SearchQuery, ApiError> {
    Ok(query_from_params(params, polygon, SELECTION_PARAMETERS)?)
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
    let (params, polygon) = params_from_json(body)?;
    let q = build_query(&params, polygon)?;
    let selection = Selection::from_params(&params)?;
    state.usage.count("search", None, None, None);
    answer(&state.atlas.read(), &q, &selection)
}
