//! Investors' leads: a public form (`POST /api/leads`, rate-limited, with a
//! honeypot) and the promoters' inbox with its pipeline (`GET /api/leads`,
//! `GET`/`PATCH /api/leads/{id}`). Contact details are shown only to
//! promoters and admins and never written to the logs.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::routes::features::{parse_id, parse_layer};
use crate::routes::panoramas::park_of;
use crate::routes::session::ClientAddress;
use crate::routes::{ApiJson, ApiQuery};
use crate::session::unix_now;
use crate::state::SharedState;
use crate::store::{LeadEvent, LeadRecord, NewLead};

/// The pipeline's stages, in order.
pub const STAGES: [&str; 6] = [
    "new",
    "contacted",
    "visited",
    "negotiating",
    "signed",
    "lost",
];

/// Body of `POST /api/leads`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadForm {
    /// `plots` or `factories`, with `feature`: the site asked about.
    pub layer: Option<String>,
    /// The site's id.
    pub feature: Option<u64>,
    /// Or a tour asked about.
    pub tour: Option<i64>,
    /// Company (1-200 characters).
    pub company: String,
    /// Name and phone or e-mail (1-200 characters).
    pub contact: String,
    /// What the company needs (up to 2000 characters).
    #[serde(default)]
    pub needs: String,
    /// Left empty by people; bots fill it in.
    #[serde(default)]
    pub website: String,
}

fn text_field(name: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ApiError::bad_parameter(
            name,
            format!("{min} to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// `POST /api/leads`
#[utoipa::path(post, path = "/api/leads", tag = "leads", request_body = LeadForm,
    responses((status = 201, description = "received"),
              (status = 400, description = "a missing or invalid field", body = crate::error::ErrorBody),
              (status = 404, description = "no such site or tour", body = crate::error::ErrorBody),
              (status = 429, description = "too many from this address; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn submit(
    State(state): State<SharedState>,
    ClientAddress(address): ClientAddress,
    ApiJson(form): ApiJson<LeadForm>,
) -> Result<Response, ApiError> {
    let address = address.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    if let Err(wait) = state.form_limiter.take(address) {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many enquiries from here; try again in {wait} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    let received = || (StatusCode::CREATED, Json(json!({"received": true}))).into_response();
    // A bot: answer as if received, keep nothing.
    if !form.website.trim().is_empty() {
        return Ok(received());
    }
    let company = text_field("company", &form.company, 1, 200)?;
    let contact = text_field("contact", &form.contact, 1, 200)?;
    let needs = text_field("needs", &form.needs, 0, 2000)?;
    let (layer, feature) = match (form.layer.as_deref(), form.feature) {
        (Some(layer), Some(id)) => {
            let layer = parse_layer(layer)?;
            if park_of(&state, layer, id).is_none() {
                return Err(ApiError::not_found(format!(
                    "no {layer} feature with id {id}"
                )));
            }
            (Some(layer.as_str().to_owned()), Some(id as i64))
        }
        (None, None) => (None, None),
        _ => {
            return Err(ApiError::bad_parameter(
                "layer",
                "layer and feature go together",
            ));
        }
    };
    if let Some(tour) = form.tour
        && state.store.tour(tour).await?.is_none()
    {
        return Err(ApiError::not_found(format!("no tour with id {tour}")));
    }
    state
        .store
        .insert_lead(&NewLead {
            layer: layer.clone(),
            feature_id: feature,
            tour_id: form.tour,
            company,
            contact,
            needs,
            at: unix_now() as i64,
        })
        .await?;
    state
        .usage
        .count("lead", layer.as_deref(), feature, form.tour);
    Ok(received())
}

fn may_see_leads(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin => Ok(()),
        Role::Officer => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "leads are for promoters and admins",
        )),
    }
}

fn lead_json(state: &SharedState, lead: &LeadRecord) -> Value {
    let site = match (lead.layer.as_deref(), lead.feature_id) {
        (Some(layer), Some(id)) => {
            let atlas = state.atlas.read();
            let (code, name) = match layer {
                "plots" => atlas
                    .plots
                    .get(id as u64)
                    .map(|f| (f.code.clone(), f.attrs.name.clone())),
                "factories" => atlas
                    .factories
                    .get(id as u64)
                    .map(|f| (f.code.clone(), f.attrs.name.clone())),
                _ => None,
            }
            .unzip();
            json!({"layer": layer, "id": id, "code": code, "name": name})
        }
        _ => Value::Null,
    };
    json!({
        "id": lead.id, "site": site, "tour": lead.tour_id, "company": lead.company,
        "contact": lead.contact, "needs": lead.needs, "status": lead.status,
        "assignee": lead.assignee, "created_at": lead.created_at, "updated_at": lead.updated_at,
    })
}

/// Query of `GET /api/leads`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LeadFilter {
    /// Only leads at this stage.
    pub status: Option<String>,
}

/// `GET /api/leads`
#[utoipa::path(get, path = "/api/leads", tag = "leads", params(LeadFilter),
    responses((status = 200, description = "the inbox, newest first"),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody)))]
pub async fn inbox(
    State(state): State<SharedState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<LeadFilter>,
) -> Result<Response, ApiError> {
    may_see_leads(&actor)?;
    if let Some(s) = filter.status.as_deref()
        && !STAGES.contains(&s)
    {
        return Err(ApiError::bad_parameter(
            "status",
            format!("one of {}", STAGES.join(", ")),
        ));
    }
    let leads = state.store.leads(filter.status.as_deref()).await?;
    let body: Vec<Value> = leads.iter().map(|l| lead_json(&state, l)).collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// `GET /api/leads/{id}`
#[utoipa::path(get, path = "/api/leads/{id}", tag = "leads", params(("id" = i64, Path)),
    responses((status = 200, description = "the lead with its history, newest first"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such lead", body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    may_see_leads(&actor)?;
    let id = parse_id(&id)? as i64;
    let lead = state
        .store
        .lead(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no lead with id {id}")))?;
    let mut body = lead_json(&state, &lead);
    let history: Vec<Value> = state
        .store
        .lead_events(id)
        .await?
        .into_iter()
        .map(|e| {
            json!({"at": e.at, "actor": e.actor, "changes": serde_json::from_str::<Value>(&e.changes).unwrap_or(Value::Null), "note": e.note})
        })
        .collect();
    body["history"] = Value::Array(history);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// Body of `PATCH /api/leads/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadChange {
    /// New stage.
    pub status: Option<String>,
    /// Promoter to follow it (empty string: nobody).
    pub assignee: Option<String>,
    /// Note (up to 2000 characters).
    pub note: Option<String>,
}

/// `PATCH /api/leads/{id}`
#[utoipa::path(patch, path = "/api/leads/{id}", tag = "leads", params(("id" = i64, Path)), request_body = LeadChange,
    responses((status = 200, description = "the lead with its history"),
              (status = 400, description = "an invalid stage or nothing to change", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such lead", body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    ApiJson(body): ApiJson<LeadChange>,
) -> Result<Response, ApiError> {
    may_see_leads(&actor)?;
    let lead_id = parse_id(&id)? as i64;
    let lead = state
        .store
        .lead(lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no lead with id {lead_id}")))?;
    let mut changes = Map::new();
    let status = match body.status.as_deref() {
        Some(s) if !STAGES.contains(&s) => {
            return Err(ApiError::bad_parameter(
                "status",
                format!("one of {}", STAGES.join(", ")),
            ));
        }
        Some(s) if s != lead.status => {
            changes.insert("status".into(), json!([lead.status, s]));
            s.to_owned()
        }
        _ => lead.status.clone(),
    };
    let assignee = match body.assignee.as_deref().map(str::trim) {
        Some(a) if a.chars().count() > 100 => {
            return Err(ApiError::bad_parameter(
                "assignee",
                "at most 100 characters",
            ));
        }
        Some(a) => {
            let new = (!a.is_empty()).then(|| a.to_owned());
            if new != lead.assignee {
                changes.insert("assignee".into(), json!([lead.assignee, new]));
            }
            new
        }
        None => lead.assignee.clone(),
    };
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| text_field("note", n, 1, 2000))
        .transpose()?;
    if changes.is_empty() && note.is_none() {
        return Err(ApiError::bad_parameter(
            "body",
            "nothing to change: give status, assignee or note",
        ));
    }
    let event = LeadEvent {
        at: unix_now() as i64,
        actor: actor.name.clone(),
        changes: Value::Object(changes).to_string(),
        note,
    };
    state
        .store
        .update_lead(lead_id, &status, assignee.as_deref(), &event)
        .await?;
    one(State(state), actor, UrlPath(id)).await
}
