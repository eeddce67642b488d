//! The HTTP API: one module per resource, merged here.

pub mod accounts;
pub mod advice;
pub mod edits;
pub mod events;
pub mod features;
pub mod import;
pub mod leads;
pub mod live;
pub mod meta;
pub mod ogc;
pub mod openapi;
pub mod panoramas;
pub mod park_profile;
pub mod partners;
pub mod places;
pub mod projects;
pub mod schema;
pub mod search;
pub mod session;
pub mod sheet;
pub mod stats;
pub mod tiles;
pub mod tours;
mod unread_body;

use std::time::Instant;

pub use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request, State};
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

/// A query-string extractor whose rejections answer in the API's error
/// format (400 `invalid_parameter`, naming what could not be read).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

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
    // Cheap clones (a shared string, a method): nothing is allocated per request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        method.as_str(),
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such resource; see /openapi.json")
}

/// The processed panorama images: immutable (their folder is named by
/// their content), served as the JPEGs they are and never sniffed.
fn media_service(
    state: &SharedState,
) -> tower_http::set_header::SetResponseHeader<
    tower_http::set_header::SetResponseHeader<ServeDir, axum::http::HeaderValue>,
    axum::http::HeaderValue,
> {
    use axum::http::HeaderValue;
    use tower_http::set_header::SetResponseHeaderLayer;
    tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(panoramas::media_root(&state.config.data_dir)))
}

/// The application: every route over a shared state. The state's web
/// directory, when set, is served for browsers at `/`.
pub fn app(state: SharedState) -> Router {
    let api = Router::new()
        .route("/", get(meta::landing))
        .route("/health", get(meta::health))
        .route("/metrics", get(meta::metrics))
        .route("/openapi.json", get(openapi::openapi))
        .route("/style.json", get(tiles::style))
        .route("/tiles/{name}", get(tiles::tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(tiles::tile))
        .route(
            "/api/search",
            get(search::search_get).post(search::search_post),
        )
        .route("/api/places", get(places::places))
        .route("/api/events", get(events::events))
        .route(
            "/api/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/api/config", get(meta::client_config))
        .route("/api/schema", get(schema::schema))
        .route("/context.geojson", get(meta::context))
        .route("/api/audit.csv", get(edits::audit_csv))
        .route("/api/admin/unreadable", get(meta::unreadable_rows))
        .route(
            "/api/admin/tokens",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/api/admin/tokens/{id}",
            axum::routing::delete(accounts::revoke),
        )
        .route(
            "/api/import",
            axum::routing::post(import::import).layer(axum::extract::DefaultBodyLimit::max(
                state.config.upload_limit_bytes,
            )),
        )
        .route(
            "/api/{layer}/{id}",
            get(features::get_feature).patch(edits::patch_feature),
        )
        .route("/api/{layer}/{id}/history", get(edits::history))
        .route("/api/{layer}/{id}/sheet.pdf", get(sheet::sheet_pdf))
        .route("/api/{layer}/{id}/panoramas", get(panoramas::of_feature))
        .route(
            "/api/panoramas",
            get(panoramas::list).merge(axum::routing::post(panoramas::upload).layer(
                axum::extract::DefaultBodyLimit::max(state.config.upload_limit_bytes),
            )),
        )
        .route(
            "/api/panoramas/{id}",
            get(panoramas::get_scene)
                .patch(panoramas::change)
                .delete(panoramas::delete),
        )
        .route(
            "/api/panoramas/{id}/hotspots",
            axum::routing::post(panoramas::add_hotspot),
        )
        .route(
            "/api/panoramas/{id}/hotspots/{hotspot}",
            axum::routing::delete(panoramas::delete_hotspot),
        )
        .route("/api/tours", get(tours::list).post(tours::create))
        .route("/api/tours/{id}", get(tours::get).put(tours::update))
        .route(
            "/api/tours/{id}/links",
            get(tours::links).post(tours::create_link),
        )
        .route(
            "/api/tours/{id}/links/{link}",
            axum::routing::delete(tours::revoke_link),
        )
        .route("/api/tours/{id}/chat", get(tours::chat))
        .route("/api/shared/{token}", get(tours::shared))
        .route("/api/match", axum::routing::post(advice::match_sites))
        // `{code}` as in the policy's path beside it; the profile takes an id or a code.
        .route("/api/parks/{code}/profile", get(park_profile::profile))
        .route(
            "/api/parks/{code}/policy",
            get(advice::get_policy).put(advice::put_policy),
        )
        .route(
            "/api/policy/estimate",
            axum::routing::post(advice::estimate),
        )
        .route("/api/leads", get(leads::inbox).post(leads::submit))
        .route("/api/leads/{id}", get(leads::one).patch(leads::change))
        .route("/privacy", get(leads::privacy_notice))
        .route("/api/projects", get(projects::list).post(projects::create))
        .route(
            "/api/projects/{id}",
            get(projects::one).patch(projects::change),
        )
        .route("/api/{layer}/{id}/project", get(projects::of_site))
        .route("/api/partners", get(partners::list).post(partners::create))
        .route("/api/partners/me", get(partners::me))
        .route(
            "/api/partners/{id}/tokens",
            axum::routing::post(partners::create_token),
        )
        .route("/api/partners/{id}/qr.svg", get(partners::qr))
        .route("/r/{code}", get(partners::referral))
        .route("/api/stats", get(stats::stats))
        .route("/api/live/{token}", get(live::join))
        .route("/t/{token}", get(tours::tour_page))
        .nest_service(panoramas::MEDIA_PREFIX, media_service(&state))
        .route("/conformance", get(ogc::conformance))
        .route("/collections", get(ogc::collections))
        .route("/collections/{layer}", get(ogc::one_collection))
        .route("/collections/{layer}/items", get(ogc::items))
        .route("/collections/{layer}/queryables", get(schema::queryables))
        .route("/collections/{layer}/items/{id}", get(ogc::item));
    let router = match state.config.web_dir.clone() {
        Some(dir) => api.fallback_service(ServeDir::new(dir).fallback(get(not_found))),
        None => api.fallback(not_found),
    };
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(middleware::from_fn(unread_body::close_if_body_unread))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(compression())
        .layer(security_headers())
        .layer(cors())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// A request's tracing span names its route pattern, never its path: paths
/// can carry secrets (share-link tokens) and a query can carry search terms.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    tracing::debug_span!("request", method = %request.method(), route)
}

/// The page's Content-Security-Policy: scripts only from this server (no
/// inline script, so injected markup cannot run), workers from blobs (MapLibre
/// and the panorama viewer start theirs so), images and connections also to
/// the configured basemap's hosts, no plugins, no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; \
     connect-src 'self' ws: wss: https:; worker-src 'self' blob:; child-src 'self' blob:; \
     font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'self'";

/// The policy of answers that are not pages or scripts (tiles, JSON, images):
/// nothing in them may load or run anything, nor be framed by other sites.
pub const RESOURCE_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'self'";

type SetHeader = tower_http::set_header::SetResponseHeaderLayer<axum::http::HeaderValue>;
type SetPolicy = tower_http::set_header::SetResponseHeaderLayer<
    fn(&Response) -> Option<axum::http::HeaderValue>,
>;
type Stack<A, B> = tower::layer::util::Stack<A, B>;

/// The page's policy for pages and scripts (a script may start a worker, which
/// takes its policy from its own answer), the short resource policy for the
/// rest: a vector tile carries a few dozen bytes of policy, not five hundred.
fn security_policy_for(response: &Response) -> Option<axum::http::HeaderValue> {
    use axum::http::HeaderValue;
    // A 304 has no content type, and a browser copies its headers onto the
    // cached answer: the strict policy would land on a cached script (the map's
    // worker), which could then fetch no tile. A 304 keeps what was cached.
    if response.status() == axum::http::StatusCode::NOT_MODIFIED {
        return None;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let document = content_type.starts_with("text/html")
        || content_type.contains("javascript")
        || content_type.starts_with("image/svg");
    Some(HeaderValue::from_static(if document {
        CONTENT_SECURITY_POLICY
    } else {
        RESOURCE_SECURITY_POLICY
    }))
}

/// Headers every answer carries unless a route set its own.
fn security_headers() -> Stack<SetPolicy, Stack<SetHeader, Stack<SetHeader, SetHeader>>> {
    use axum::http::HeaderValue;
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    let header =
        |name, value: &'static str| Set::if_not_present(name, HeaderValue::from_static(value));
    Stack::new(
        Set::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            security_policy_for as fn(&Response) -> Option<HeaderValue>,
        ),
        Stack::new(
            header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            Stack::new(
                header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
                header(header::X_FRAME_OPTIONS, "SAMEORIGIN"),
            ),
        ),
    )
}

/// Text answers over a kilobyte (JSON, GeoJSON, the web app's scripts and
/// styles) are gzipped for clients that accept it, at the fastest level: a
/// search answer shrinks about sevenfold for a fraction of a millisecond.
/// Tiles carry their own cached gzip; images, vector tiles and event streams
/// are left alone.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    let worth_it = SizeAbove::new(1024)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new(tiles::MVT_MEDIA_TYPE));
    CompressionLayer::new()
        .gzip(true)
        .quality(CompressionLevel::Fastest)
        .compress_when(worth_it)
}

/// Other sites' pages may read the public map (tiles, styles, search,
/// features) but never with the visitor's cookies, and may not write:
/// `GET` and `HEAD` only, any origin, no credentials.
fn cors() -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD])
        .allow_headers([header::IF_NONE_MATCH, header::ACCEPT_ENCODING])
        .expose_headers([header::ETAG])
}

/// Serves the application on a bound listener until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(
        without_nagle(listener),
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// The listener with Nagle's algorithm off on every connection. An answer
/// streamed in several writes (a gzipped body's chunks, then its end) would
/// otherwise wait with its last small write for the client's acknowledgement
/// of the one before.
pub fn without_nagle(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn no_delay(stream: &mut tokio::net::TcpStream) {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%e, "TCP_NODELAY not set");
        }
    }
    listener.tap_io(no_delay as fn(&mut tokio::net::TcpStream))
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    fn policy(content_type: &str) -> String {
        let response = axum::response::Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::empty())
            .unwrap();
        security_policy_for(&response)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_not_modified_answer_leaves_the_cached_policy_alone() {
        let response = axum::response::Response::builder()
            .status(axum::http::StatusCode::NOT_MODIFIED)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(security_policy_for(&response), None);
    }

    #[test]
    fn pages_and_scripts_get_the_page_policy_and_data_the_strict_one() {
        for page in [
            "text/html; charset=utf-8",
            "text/javascript",
            "application/javascript",
            "image/svg+xml",
        ] {
            assert_eq!(policy(page), CONTENT_SECURITY_POLICY, "{page}");
        }
        for data in [
            "application/json",
            "application/geo+json",
            "application/vnd.mapbox-vector-tile",
            "image/jpeg",
            "",
        ] {
            assert_eq!(policy(data), RESOURCE_SECURITY_POLICY, "{data}");
        }
    }
}
