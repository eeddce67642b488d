//! Browser sign-in: `POST /api/session` turns an API token into a session
//! cookie, `GET` tells who is signed in and what they may do, `DELETE` signs
//! out.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use siteatlas_tiles::PlotStatus;

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::proxy::client_address;
use crate::routes::ApiJson;
use crate::session;
use crate::session::token_hash;
use crate::state::SharedState;
use crate::workflow::allowed_targets;

/// The address a request came from, when the server knows it: the peer's,
/// or the client's behind a trusted proxy (see [`crate::proxy`]).
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<SharedState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(
            |c| client_address(c.0.ip(), &parts.headers, &state.access.trusted_proxies),
        )))
    }
}

/// Body of `POST /api/session`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    /// An API token from `siteatlas token create`.
    pub token: String,
}

/// Who the actor is and what they may do, for the web app.
fn whoami(actor: &Actor) -> Value {
    let transitions: serde_json::Map<String, Value> = PlotStatus::ALL
        .iter()
        .map(|from| {
            let to: Vec<&str> = allowed_targets(actor.role, *from)
                .iter()
                .map(|s| s.as_str())
                .collect();
            (from.as_str().to_owned(), json!(to))
        })
        .collect();
    let role = match actor.role {
        Role::Officer => "officer",
        Role::Promoter => "promoter",
        Role::Admin => "admin",
        Role::Partner => "partner",
    };
    json!({
        "signed_in": true,
        "name": actor.name,
        "role": role,
        "parks": actor.parks,
        "all_parks": actor.role == Role::Admin,
        "plot_transitions": transitions,
        "token_id": actor.token_id,
        "partner": actor.partner_id,
    })
}

/// `POST /api/session`
#[utoipa::path(post, path = "/api/session", tag = "accounts", request_body = SignIn,
    responses((status = 200, description = "signed in: {signed_in: true, name, role, parks, all_parks, plot_transitions, token_id}; sets an HttpOnly session cookie"),
              (status = 401, description = "unknown or revoked token", body = crate::error::ErrorBody),
              (status = 429, description = "too many failed sign-ins from this address; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<SharedState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let address = address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if let Err(wait) = state.access.sign_ins.check(address) {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {wait} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    let hash = token_hash(body.token.trim());
    let Some(actor) = state
        .store
        .token_by_hash(&hash)
        .await?
        .and_then(Actor::from_record)
    else {
        state.access.sign_ins.failed(address);
        tracing::warn!(%address, "failed sign-in");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown or revoked token",
        ));
    };
    let cookie = session::set_cookie(&session::session_value(
        &state.access.signing_key,
        &hash,
        crate::clock::unix_now(),
    ));
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        Json(whoami(&actor)),
    )
        .into_response())
}

/// `GET /api/session`
#[utoipa::path(get, path = "/api/session", tag = "accounts",
    responses((status = 200, description = "the signed-in actor: {signed_in: true, name, role, parks, all_parks, plot_transitions, token_id}; {signed_in: false} for a visitor who is not signed in (no credentials, or a session cookie that has expired, been revoked or is not valid, which is then cleared)"),
              (status = 401, description = "an unknown or revoked bearer token", body = crate::error::ErrorBody)))]
pub async fn current(headers: HeaderMap, actor: Result<Actor, ApiError>) -> Response {
    let no_store = (header::CACHE_CONTROL, "no-store");
    match actor {
        Ok(actor) => ([no_store], Json(whoami(&actor))).into_response(),
        // Asking whether one is signed in is not an error for a visitor: the
        // web app asks on every page load. A bearer token is a claim, though,
        // and a wrong one stays a 401.
        Err(e)
            if e.status() == StatusCode::UNAUTHORIZED
                && !headers.contains_key(header::AUTHORIZATION) =>
        {
            let anonymous = ([no_store], Json(json!({"signed_in": false})));
            if headers.contains_key(header::COOKIE) {
                // A session cookie that no longer holds is of no use to keep.
                ([(header::SET_COOKIE, session::clear_cookie())], anonymous).into_response()
            } else {
                anonymous.into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

/// `DELETE /api/session`
#[utoipa::path(delete, path = "/api/session", tag = "accounts",
    responses((status = 204, description = "signed out; the cookie is cleared")))]
pub async fn sign_out() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear_cookie())],
    )
        .into_response()
}
