//! Tours of panorama scenes and their share links.
//!
//! A promoter orders scenes of plots and factories into a tour and shares it
//! as `/t/{token}`: no account needed, signed with the store's key (HMAC),
//! expiring (7 days unless asked otherwise), and revocable, since each link
//! is also a row the signature points to. The token is
//! `{link id}.{expiry}.{signature}`.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Actor, Role};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::routes::features::parse_id;
use crate::routes::panoramas::load_scene;
use crate::session::{open_share_link, share_token};
use crate::state::SharedState;
use crate::store::PanoramaStatus;

/// Default lifetime of a share link.
pub const DEFAULT_LINK_DAYS: u32 = 7;
/// Longest lifetime of a share link.
pub const MAX_LINK_DAYS: u32 = 90;
const MAX_STOPS: usize = 100;

fn may_build_tours(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin => Ok(()),
        Role::Officer | Role::Partner => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{} may not manage tours; promoters do", actor.name),
        )),
    }
}

/// One stop of a tour as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopInput {
    /// Panorama scene id.
    pub panorama: i64,
    /// What the guide says there.
    #[serde(default)]
    pub note: String,
}

/// Body of `POST /api/tours`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTour {
    /// Title.
    pub title: String,
    /// Ordered stops.
    pub stops: Vec<StopInput>,
}

/// `POST /api/tours`
#[utoipa::path(post, path = "/api/tours", tag = "tours", request_body = NewTour,
    responses((status = 201, description = "the tour with its scenes"),
              (status = 400, description = "invalid tour", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "a stop's panorama does not exist", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewTour>,
) -> Result<Response, ApiError> {
    may_build_tours(&actor)?;
    let (title, stops) = checked_tour(&state, &body).await?;
    let id = state
        .store
        .insert_tour(&title, &stops, &actor.name, unix_now() as i64)
        .await?;
    Ok((StatusCode::CREATED, Json(tour_json(&state, id).await?)).into_response())
}

/// A tour's title and stops (as stored JSON) once checked.
async fn checked_tour(state: &SharedState, body: &NewTour) -> Result<(String, String), ApiError> {
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::bad_parameter("title", "1 to 200 characters"));
    }
    if body.stops.is_empty() || body.stops.len() > MAX_STOPS {
        return Err(ApiError::bad_parameter(
            "stops",
            format!("1 to {MAX_STOPS} stops"),
        ));
    }
    for stop in &body.stops {
        if stop.note.chars().count() > 2000 {
            return Err(ApiError::bad_parameter("note", "at most 2000 characters"));
        }
        if state.store.panorama(stop.panorama).await?.is_none() {
            return Err(ApiError::not_found(format!(
                "no panorama with id {}",
                stop.panorama
            )));
        }
    }
    let stops = json!(
        body.stops
            .iter()
            .map(|s| json!({"panorama": s.panorama, "note": s.note.trim()}))
            .collect::<Vec<_>>()
    );
    Ok((title.to_owned(), stops.to_string()))
}

/// `PUT /api/tours/{id}`: a new title and stops for a tour.
#[utoipa::path(put, path = "/api/tours/{id}", tag = "tours", params(("id" = i64, Path)),
    request_body = NewTour,
    responses((status = 200, description = "the tour with its scenes"),
              (status = 400, description = "invalid tour", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such tour, or a stop's panorama does not exist", body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    ApiJson(body): ApiJson<NewTour>,
) -> Result<Json<Value>, ApiError> {
    may_build_tours(&actor)?;
    let id = parse_id(&id)? as i64;
    if state.store.tour(id).await?.is_none() {
        return Err(ApiError::not_found(format!("no tour with id {id}")));
    }
    let (title, stops) = checked_tour(&state, &body).await?;
    if !state.store.update_tour(id, &title, &stops).await? {
        return Err(ApiError::not_found(format!("no tour with id {id}")));
    }
    tracing::info!(actor = %actor.name, tour = id, "tour changed");
    Ok(Json(tour_json(&state, id).await?))
}

/// `GET /api/tours`
#[utoipa::path(get, path = "/api/tours", tag = "tours",
    responses((status = 200, description = "every tour, newest first: [{id, title, created_by, created_at, stops: [{panorama, note}]}]"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<SharedState>, actor: Actor) -> Result<Json<Value>, ApiError> {
    may_build_tours(&actor)?;
    let tours = state.store.tours().await?;
    Ok(Json(Value::Array(
        tours
            .into_iter()
            .map(|t| {
                let stops: Value = serde_json::from_str(&t.stops).unwrap_or_else(|_| json!([]));
                json!({"id": t.id, "title": t.title, "created_by": t.created_by, "created_at": t.created_at, "stops": stops})
            })
            .collect(),
    )))
}

/// A tour with each stop's scene.
async fn tour_json(state: &SharedState, id: i64) -> Result<Value, ApiError> {
    let tour = state
        .store
        .tour(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no tour with id {id}")))?;
    let stops: Vec<Value> = serde_json::from_str(&tour.stops).map_err(ApiError::internal)?;
    let mut out = Vec::with_capacity(stops.len());
    for stop in stops {
        let scene = match stop["panorama"].as_i64() {
            Some(p) => load_scene(state, p).await.ok(),
            None => None,
        }
        .filter(|scene| scene["status"] == PanoramaStatus::Ready.as_str());
        // A scene deleted since, or not ready to show, is left out rather
        // than breaking the tour.
        if let Some(scene) = scene {
            out.push(json!({"note": stop["note"], "scene": scene}));
        }
    }
    Ok(json!({"id": tour.id, "title": tour.title, "created_by": tour.created_by, "stops": out}))
}

/// `GET /api/tours/{id}`
#[utoipa::path(get, path = "/api/tours/{id}", tag = "tours", params(("id" = i64, Path)),
    responses((status = 200, description = "the tour with its scenes"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such tour", body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    may_build_tours(&actor)?;
    let id = parse_id(&id)? as i64;
    Ok(Json(tour_json(&state, id).await?))
}

/// Body of `POST /api/tours/{id}/links`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Days until the link expires (default 7, at most 90).
    pub days: Option<u32>,
}

/// `POST /api/tours/{id}/links`
#[utoipa::path(post, path = "/api/tours/{id}/links", tag = "tours", params(("id" = i64, Path)),
    request_body = NewLink,
    responses((status = 201, description = "{id, token, url, expires_at}"),
              (status = 400, description = "invalid lifetime", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such tour", body = crate::error::ErrorBody)))]
pub async fn create_link(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: none means the default lifetime.
    let body: NewLink = if body.iter().all(u8::is_ascii_whitespace) {
        NewLink::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_parameter("body", e))?
    };
    may_build_tours(&actor)?;
    let tour = parse_id(&id)? as i64;
    if state.store.tour(tour).await?.is_none() {
        return Err(ApiError::not_found(format!("no tour with id {tour}")));
    }
    let days = body.days.unwrap_or(DEFAULT_LINK_DAYS);
    if !(1..=MAX_LINK_DAYS).contains(&days) {
        return Err(ApiError::bad_parameter(
            "days",
            format!("1 to {MAX_LINK_DAYS}"),
        ));
    }
    let now = unix_now() as i64;
    let expires_at = now + i64::from(days) * 86_400;
    let link = state
        .store
        .insert_share_link(tour, expires_at, &actor.name, now)
        .await?;
    let token = share_token(&state.access.signing_key, link, expires_at);
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": link, "token": token, "url": format!("/t/{token}"), "expires_at": expires_at})),
    )
        .into_response())
}

/// `GET /api/tours/{id}/links`
#[utoipa::path(get, path = "/api/tours/{id}/links", tag = "tours", params(("id" = i64, Path)),
    responses((status = 200, description = "the tour's share links, newest first: [{id, token, url, expires_at, revoked_at, state (live, expired, revoked), views, created_by, created_at}]"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such tour", body = crate::error::ErrorBody)))]
pub async fn links(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    may_build_tours(&actor)?;
    let tour = parse_id(&id)? as i64;
    if state.store.tour(tour).await?.is_none() {
        return Err(ApiError::not_found(format!("no tour with id {tour}")));
    }
    let now = unix_now() as i64;
    let links = state.store.share_links_of(tour).await?;
    Ok(Json(Value::Array(
        links
            .iter()
            .map(|l| {
                let token = share_token(&state.access.signing_key, l.id, l.expires_at);
                let link_state = if l.revoked_at.is_some() {
                    "revoked"
                } else if l.expires_at <= now {
                    "expired"
                } else {
                    "live"
                };
                json!({
                    "id": l.id, "url": format!("/t/{token}"), "token": token,
                    "expires_at": l.expires_at, "revoked_at": l.revoked_at, "state": link_state,
                    "views": l.views, "created_by": l.created_by, "created_at": l.created_at,
                })
            })
            .collect(),
    )))
}

/// `GET /api/tours/{id}/chat`: what was asked and answered in the tour's
/// live sessions, under every link. Names are what people typed.
#[utoipa::path(get, path = "/api/tours/{id}/chat", tag = "tours", params(("id" = i64, Path)),
    responses((status = 200, description = "the tour's chat, oldest first: [{id, link, at, name, role (guide or attendee), text}]"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such tour", body = crate::error::ErrorBody)))]
pub async fn chat(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    may_build_tours(&actor)?;
    let tour = parse_id(&id)? as i64;
    if state.store.tour(tour).await?.is_none() {
        return Err(ApiError::not_found(format!("no tour with id {tour}")));
    }
    let messages: Vec<Value> = state
        .store
        .tour_chat(tour)
        .await?
        .iter()
        .map(|m| {
            json!({"id": m.id, "link": m.share_link_id, "at": m.at, "name": m.author,
                "role": m.role, "text": m.body})
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(Value::Array(messages)),
    )
        .into_response())
}

/// `DELETE /api/tours/{id}/links/{link}`
#[utoipa::path(delete, path = "/api/tours/{id}/links/{link}", tag = "tours",
    params(("id" = i64, Path), ("link" = i64, Path)),
    responses((status = 204, description = "revoked"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such live link of this tour", body = crate::error::ErrorBody)))]
pub async fn revoke_link(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath((id, link)): UrlPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    may_build_tours(&actor)?;
    let (tour, link) = (parse_id(&id)? as i64, parse_id(&link)? as i64);
    if state
        .store
        .revoke_share_link(tour, link, unix_now() as i64)
        .await?
    {
        // Whoever is on the link's live tour is told and let go now.
        state.live.end(link, "revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "tour {tour} has no live share link {link}"
        )))
    }
}

/// `GET /api/shared/{token}`: the shared tour, for anyone holding the link.
#[utoipa::path(get, path = "/api/shared/{token}", tag = "tours", params(("token" = String, Path)),
    responses((status = 200, description = "{tour, expires_at}"),
              (status = 404, description = "not a genuine link", body = crate::error::ErrorBody),
              (status = 410, description = "expired or revoked", body = crate::error::ErrorBody)))]
pub async fn shared(
    State(state): State<SharedState>,
    UrlPath(token): UrlPath<String>,
) -> Result<Response, ApiError> {
    let link = open_share_link(&state.store, &state.access.signing_key, &token).await?;
    let tour = tour_json(&state, link.tour_id).await?;
    state.store.count_share_link_view(link.id).await?;
    state
        .usage
        .count("tour_open", None, None, Some(link.tour_id));
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"tour": tour, "expires_at": link.expires_at})),
    )
        .into_response())
}

/// `GET /t/{token}`: the tour page (the web app's `tour.html`), which reads
/// the token from its address.
pub async fn tour_page(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let page = state
        .config
        .web_dir
        .as_ref()
        .map(|d| d.join("tour.html"))
        .filter(|p| p.is_file())
        .ok_or_else(|| ApiError::not_found("the web app is not installed on this server"))?;
    let html = tokio::fs::read_to_string(page)
        .await
        .map_err(ApiError::internal)?;
    // Relative asset paths in the page resolve against /t/, so point them at the root.
    let html = html.replacen("<head>", "<head><base href=\"/\">", 1);
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}
