//! The HTTP API: one module per resource, merged here.

pub mod edits;
pub mod events;
pub mod features;
pub mod import;
pub mod meta;
pub mod ogc;
pub mod search;
pub mod session;
pub mod tiles;

use std::time::Instant;

pub use axum::Router;
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::SharedState;

/// Largest request body accepted, bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body extractor whose rejections answer in the API's error format.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// The server's own base URL as the client reached it (Host header), for links.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

async fn record_metrics(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such resource; see /openapi.json")
}

/// The application: every route over a shared state. The state's web
/// directory, when set, is served for browsers at `/`.
pub fn app(state: SharedState) -> Router {
    let api = Router::new()
        .route("/", get(meta::landing))
        .route("/health", get(meta::health))
        .route("/metrics", get(meta::metrics))
        .route("/openapi.json", get(meta::openapi))
        .route("/style.json", get(tiles::style))
        .route("/tiles/{name}", get(tiles::tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(tiles::tile))
        .route(
            "/api/search",
            get(search::search_get).post(search::search_post),
        )
        .route("/api/events", get(events::events))
        .route(
            "/api/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/api/config", get(meta::client_config))
        .route("/context.geojson", get(meta::context))
        .route("/api/audit.csv", get(edits::audit_csv))
        .route(
            "/api/import",
            axum::routing::post(import::import).layer(axum::extract::DefaultBodyLimit::max(
                state.upload_limit_bytes,
            )),
        )
        .route(
            "/api/{layer}/{id}",
            get(features::get_feature).patch(edits::patch_feature),
        )
        .route("/api/{layer}/{id}/history", get(edits::history))
        .route("/conformance", get(ogc::conformance))
        .route("/collections", get(ogc::collections))
        .route("/collections/{layer}", get(ogc::one_collection))
        .route("/collections/{layer}/items", get(ogc::items))
        .route("/collections/{layer}/items/{id}", get(ogc::item));
    let router = match state.web_dir.clone() {
        Some(dir) => api.fallback_service(ServeDir::new(dir).fallback(get(not_found))),
        None => api.fallback(not_found),
    };
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application on a bound listener until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
