//! One feature by id: `GET /api/{layer}/{id}`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use siteatlas_tiles::LayerKind;

use crate::error::ApiError;
use crate::features::geojson_feature;
use crate::state::SharedState;

/// Parses a layer name from a path, as a 404 when unknown.
pub fn parse_layer(name: &str) -> Result<LayerKind, ApiError> {
    name.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no layer `{name}`; layers are parks, plots, factories, pois"
        ))
    })
}

/// Parses a feature id from a path.
pub fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::bad_parameter("id", format!("`{id}` is not a positive integer")))
}

/// The feature as GeoJSON with an ETag made from its version; 304 when the
/// client's copy is current.
pub fn feature_response(
    state: &SharedState,
    layer: LayerKind,
    id: u64,
    headers: &HeaderMap,
    media_type: &'static str,
) -> Result<Response, ApiError> {
    let (feature, version) = geojson_feature(&state.atlas.read(), layer, id)
        .ok_or_else(|| ApiError::not_found(format!("no {layer} feature with id {id}")))?;
    let etag = format!("\"{layer}-{id}-v{version}\"");
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, media_type)],
            serde_json::to_string(&feature).map_err(ApiError::internal)?,
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

/// `GET /api/{layer}/{id}`
#[utoipa::path(get, path = "/api/{layer}/{id}", tag = "features",
    params(("layer" = String, Path), ("id" = u64, Path)),
    responses((status = 200, description = "GeoJSON Feature; ETag is its version", content_type = "application/geo+json"),
              (status = 304, description = "unchanged"),
              (status = 404, description = "no such layer or feature", body = crate::error::ErrorBody)))]
pub async fn get_feature(
    State(state): State<SharedState>,
    Path((layer, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    let response = feature_response(&state, layer, id, &headers, "application/geo+json")?;
    // A site's card was opened (the web app reads the feature for it).
    state
        .usage
        .count("card_view", Some(layer.as_str()), Some(id as i64), None);
    Ok(response)
}
