//! Referral partners (以商招商): ambassadors, alliance members and resident
//! firms who bring in investors. Admins create them (`POST /api/partners`,
//! or `siteatlas partner create`) and give them tokens of role `partner`;
//! each has a personal link `/r/{code}` and its QR code. An enquiry that
//! arrives through the link, or that the partner sends itself, is credited
//! to it.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Actor, Role, new_token};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::pipeline::PARTNER_KINDS;
use crate::routes::features::parse_id;
use crate::routes::{ApiJson, base_url};
use crate::session::token_hash;
use crate::state::SharedState;
use crate::store::{PartnerRecord, Store};

/// Body of `POST /api/partners`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// Name (1-100 characters): a person, an association, a firm.
    pub name: String,
    /// `ambassador` (招商大使), `alliance` (商协会, 驻外招商中心) or `resident_firm`.
    pub kind: String,
}

/// A new random referral code: 10 lower-case letters and digits, short
/// enough for a QR code a phone reads at a glance.
fn new_code() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// Checks a partner's name and kind and stores it with a new code: what
/// the API and the command line share.
pub async fn create_partner(
    store: &Store,
    name: &str,
    kind: &str,
) -> Result<PartnerRecord, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_parameter("name", "1 to 100 characters"));
    }
    if !PARTNER_KINDS.contains(&kind) {
        return Err(ApiError::bad_parameter(
            "kind",
            format!("one of {}", PARTNER_KINDS.join(", ")),
        ));
    }
    let code = new_code().map_err(ApiError::internal)?;
    let at = unix_now() as i64;
    let id = store.insert_partner(name, kind, &code, at).await?;
    Ok(PartnerRecord {
        id,
        name: name.to_owned(),
        kind: kind.to_owned(),
        code,
        created_at: at,
    })
}

fn partner_json(p: &PartnerRecord, base: &str) -> Value {
    json!({"id": p.id, "name": p.name, "kind": p.kind, "code": p.code,
        "link": format!("{base}/r/{}", p.code),
        "qr": format!("/api/partners/{}/qr.svg", p.id), "created_at": p.created_at})
}

fn may_see_partners(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin => Ok(()),
        Role::Officer | Role::Partner => {
            Err(ApiError::forbidden("partners are for promoters and admins"))
        }
    }
}

/// `POST /api/partners`
#[utoipa::path(post, path = "/api/partners", tag = "partners", request_body = NewPartner,
    responses((status = 201, description = "{id, name, kind, code, link, qr}: the partner with its referral link and the address of its QR code"),
              (status = 400, description = "an invalid name or kind", body = crate::error::ErrorBody),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPartner>,
) -> Result<Response, ApiError> {
    actor.require_admin("create partners")?;
    let partner = create_partner(&state.store, &body.name, &body.kind).await?;
    Ok((
        StatusCode::CREATED,
        Json(partner_json(&partner, &base_url(&headers))),
    )
        .into_response())
}

/// `GET /api/partners`
#[utoipa::path(get, path = "/api/partners", tag = "partners",
    responses((status = 200, description = "[{id, name, kind, code, link, qr, leads, projects}]: every partner with the leads and projects credited to it"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    may_see_partners(&actor)?;
    let base = base_url(&headers);
    let leads = state.store.leads(None, None).await?;
    let projects = state.store.projects(None).await?;
    let body: Vec<Value> = state
        .store
        .partners()
        .await?
        .iter()
        .map(|p| {
            let mut item = partner_json(p, &base);
            item["leads"] = json!(leads.iter().filter(|l| l.partner_id == Some(p.id)).count());
            item["projects"] = json!(
                projects
                    .iter()
                    .filter(|x| x.partner_id == Some(p.id))
                    .count()
            );
            item
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// `POST /api/partners/{id}/tokens`
#[utoipa::path(post, path = "/api/partners/{id}/tokens", tag = "partners", params(("id" = i64, Path)),
    responses((status = 201, description = "{id, token}: a token of role partner for this partner, shown once"),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such partner", body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    actor.require_admin("give partners tokens")?;
    let partner = find(&state.store, &id).await?;
    let (token_id, token) = partner_token(&state.store, &partner).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": token_id, "token": token, "partner": partner.id})),
    )
        .into_response())
}

/// A new token of role `partner` for `partner`, stored by its hash:
/// `(id, token)`. The token is shown once.
pub async fn partner_token(
    store: &Store,
    partner: &PartnerRecord,
) -> Result<(i64, String), ApiError> {
    let token = new_token().map_err(ApiError::internal)?;
    let id = store
        .create_partner_token(&partner.name, partner.id, &token_hash(&token))
        .await?;
    Ok((id, token))
}

async fn find(store: &Store, id: &str) -> Result<PartnerRecord, ApiError> {
    let id = parse_id(id)? as i64;
    store
        .partner(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no partner with id {id}")))
}

/// `GET /api/partners/{id}/qr.svg`
#[utoipa::path(get, path = "/api/partners/{id}/qr.svg", tag = "partners", params(("id" = i64, Path)),
    responses((status = 200, description = "the QR code of the partner's referral link", content_type = "image/svg+xml"),
              (status = 403, description = "neither staff nor this partner", body = crate::error::ErrorBody),
              (status = 404, description = "no such partner", body = crate::error::ErrorBody)))]
pub async fn qr(
    State(state): State<SharedState>,
    actor: Actor,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let partner = find(&state.store, &id).await?;
    let own = actor.role == Role::Partner && actor.partner_id == Some(partner.id);
    if !own {
        may_see_partners(&actor)?;
    }
    let link = format!("{}/r/{}", base_url(&headers), partner.code);
    let svg = crate::sheet::qr_svg(&link).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

/// `GET /api/partners/me`
#[utoipa::path(get, path = "/api/partners/me", tag = "partners",
    responses((status = 200, description = "{id, name, kind, code, link, qr}: the partner a partner token acts for"),
              (status = 403, description = "not a partner", body = crate::error::ErrorBody)))]
pub async fn me(
    State(state): State<SharedState>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let partner = match (actor.role, actor.partner_id) {
        (Role::Partner, Some(id)) => state.store.partner(id).await?,
        _ => None,
    }
    .ok_or_else(|| ApiError::forbidden("only partners have a referral link of their own"))?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(partner_json(&partner, &base_url(&headers))),
    )
        .into_response())
}

/// `GET /r/{code}`: a partner's referral link. It opens the map with the
/// code, which the enquiry form sends back; an unknown code opens the map
/// alone, since a stale QR code should still reach the map.
pub async fn referral(
    State(state): State<SharedState>,
    UrlPath(code): UrlPath<String>,
) -> Result<Response, ApiError> {
    let known = code.len() <= 32
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
        && state.store.partner_by_code(&code).await?.is_some();
    if known {
        state.usage.count("referral_open", None, None, None);
    }
    Ok(match known {
        true => Redirect::to(&format!("/?ref={code}")).into_response(),
        false => Redirect::to("/").into_response(),
    })
}
