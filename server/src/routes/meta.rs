//! Landing page, health, metrics and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use siteatlas_tiles::LayerKind;

use crate::auth::Actor;
use crate::error::ApiError;
use crate::routes::ogc::landing_document;
use crate::state::SharedState;

/// `GET /`: the OGC API landing page (JSON), or the web map for browsers.
#[utoipa::path(get, path = "/", tag = "ogc", responses((status = 200, description = "landing page")))]
pub async fn landing(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html
        && let Some(dir) = &state.config.web_dir
        && let Ok(page) = tokio::fs::read_to_string(dir.join("index.html")).await
    {
        return Html(page).into_response();
    }
    Json(landing_document(&headers)).into_response()
}

/// `GET /health`: 200 when the store answers, 503 when it does not. The
/// status is `degraded` (still 200: the map is served) when stored rows were
/// left out of the index because they cannot be read; `unreadable` counts
/// them per layer.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "the store answers: status `ok`, or `degraded` when stored rows cannot be read (counted in `unreadable`)"), (status = 503, description = "the store does not answer")))]
pub async fn health(State(state): State<SharedState>) -> Response {
    let counts: Value = {
        let atlas = state.atlas.read();
        LayerKind::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), json!(atlas.len(*l))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let unreadable: Value = state
        .unreadable
        .counts()
        .into_iter()
        .map(|(l, n)| (l.as_str().to_owned(), json!(n)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let status = if state.unreadable.is_empty() {
        "ok"
    } else {
        "degraded"
    };
    match state.store.ping().await {
        Ok(()) => Json(json!({
            "status": status,
            "store": state.store.kind(),
            "features": counts,
            "unreadable": unreadable,
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(cause = %e, "health check: store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    header::RETRY_AFTER,
                    crate::error::RETRY_AFTER_SECONDS.to_string(),
                )],
                Json(json!({ "status": "unavailable", "store": state.store.kind() })),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text.
#[utoipa::path(get, path = "/metrics", tag = "meta", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(state): State<SharedState>) -> Response {
    use std::fmt::Write;
    let mut out = String::new();
    state.metrics.render(&mut out);
    out.push_str("# HELP siteatlas_unreadable_rows Stored rows left out of the index because they cannot be read.\n# TYPE siteatlas_unreadable_rows gauge\n");
    for (layer, n) in state.unreadable.counts() {
        let _ = writeln!(out, "siteatlas_unreadable_rows{{layer=\"{layer}\"}} {n}");
    }
    let cache = state.tiles.cache.lock().stats();
    let _ = writeln!(
        out,
        "# HELP siteatlas_tile_cache_hits_total Tiles served from the cache.\n# TYPE siteatlas_tile_cache_hits_total counter\nsiteatlas_tile_cache_hits_total {}",
        cache.hits
    );
    let _ = writeln!(
        out,
        "# HELP siteatlas_tile_cache_misses_total Tile requests the cache could not answer.\n# TYPE siteatlas_tile_cache_misses_total counter\nsiteatlas_tile_cache_misses_total {}",
        cache.misses
    );
    let (encoded, joined) = state.tiles.flights.counts();
    let _ = writeln!(
        out,
        "# HELP siteatlas_tiles_encoded_total Tiles encoded.\n# TYPE siteatlas_tiles_encoded_total counter\nsiteatlas_tiles_encoded_total {encoded}\n# HELP siteatlas_tile_requests_joined_total Cache misses answered by an encoding another request had begun.\n# TYPE siteatlas_tile_requests_joined_total counter\nsiteatlas_tile_requests_joined_total {joined}"
    );
    let _ = writeln!(
        out,
        "# HELP siteatlas_tile_cache_invalidations_total Tiles evicted by writes.\n# TYPE siteatlas_tile_cache_invalidations_total counter\nsiteatlas_tile_cache_invalidations_total {}",
        cache.invalidated
    );
    let _ = writeln!(
        out,
        "# HELP siteatlas_tile_cache_bytes Bytes held by the tile cache.\n# TYPE siteatlas_tile_cache_bytes gauge\nsiteatlas_tile_cache_bytes {}",
        cache.bytes
    );
    let _ = writeln!(
        out,
        "# HELP siteatlas_tile_cache_entries Tiles held by the tile cache.\n# TYPE siteatlas_tile_cache_entries gauge\nsiteatlas_tile_cache_entries {}",
        cache.entries
    );
    out.push_str("# HELP siteatlas_index_features Features in the in-memory index.\n# TYPE siteatlas_index_features gauge\n");
    let atlas = state.atlas.read();
    for layer in LayerKind::ALL {
        let _ = writeln!(
            out,
            "siteatlas_index_features{{layer=\"{layer}\"}} {}",
            atlas.len(layer)
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// `GET /api/config`: what the web app needs to know, such as the basemap.
#[utoipa::path(get, path = "/api/config", tag = "meta", responses((status = 200, description = "{\"basemap\": null | {type, tiles|url, datum, attribution}}")))]
pub async fn client_config(State(state): State<SharedState>) -> Json<Value> {
    // The web app reads its configuration once per visit.
    state.usage.count("map_visit", None, None, None);
    Json(state.config.client_config.clone())
}

/// `GET /context.geojson`: the offline basemap context (districts, rivers, main roads).
#[utoipa::path(get, path = "/context.geojson", tag = "meta", responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json")))]
pub async fn context() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        siteatlas_fixtures::context::CONTEXT,
    )
        .into_response()
}

/// `GET /api/admin/unreadable`: the stored rows left out of the index, with
/// their code and the reason, for admins.
#[utoipa::path(get, path = "/api/admin/unreadable", tag = "meta",
    responses((status = 200, description = "`{\"rows\": [{layer, id, code, reason}]}`"),
              (status = 401, description = "no credentials"), (status = 403, description = "not an admin")))]
pub async fn unreadable_rows(
    State(state): State<SharedState>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_admin("list unreadable rows")?;
    Ok(Json(json!({ "rows": state.unreadable.list() })).into_response())
}
