//! `GET` and `POST /api/search`: radius and constraint search.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use siteatlas_tiles::search_answer::{Selection, write_answer};
use siteatlas_tiles::search_params::{params_from_json, query_from_params};
use siteatlas_tiles::{Atlas, SearchQuery, Shape};

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

/// Runs a search and answers its GeoJSON.
fn answer(atlas: &Atlas, q: &SearchQuery, selection: &Selection) -> Result<Response, ApiError> {
    let body = write_answer(atlas, q, selection)?;
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
