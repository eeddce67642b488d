//! Accounts for admins: `GET`/`POST /api/admin/tokens` and
//! `DELETE /api/admin/tokens/{id}`, what `siteatlas token list/create/revoke`
//! does on the command line, for the web app's back office.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Actor, Role, new_token};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::session::token_hash;
use crate::state::SharedState;
use crate::store::TokenRecord;

/// Longest token name, characters (it is written into every audit line).
const MAX_NAME: usize = 100;

/// Body of `POST /api/admin/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// `officer`, `promoter` or `admin`.
    pub role: String,
    /// Who holds it; recorded in the audit log with every change they make.
    pub name: String,
    /// Park codes an officer may edit (at least one for an officer).
    #[serde(default)]
    pub parks: Vec<String>,
}

fn record_json(t: &TokenRecord) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "role": t.role,
        "parks": t.parks,
        "created_at": t.created_at,
        "revoked": t.revoked,
    })
}

/// `GET /api/admin/tokens`
#[utoipa::path(get, path = "/api/admin/tokens", tag = "accounts",
    responses((status = 200, description = "every token, revoked ones too, oldest first: [{id, name, role, parks, created_at, revoked}]; never the tokens themselves"),
              (status = 401, description = "no valid token or session", body = crate::error::ErrorBody),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<SharedState>, actor: Actor) -> Result<Json<Value>, ApiError> {
    actor.require_admin("list tokens")?;
    let tokens = state.store.list_tokens().await?;
    Ok(Json(Value::Array(tokens.iter().map(record_json).collect())))
}

/// `POST /api/admin/tokens`
#[utoipa::path(post, path = "/api/admin/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, description = "{id, name, role, parks, created_at, revoked, token}: the token is in this answer only and cannot be shown again"),
              (status = 400, description = "an unknown role, an empty or long name, an unknown park, an officer without parks; the message starts with the field", body = crate::error::ErrorBody),
              (status = 401, description = "no valid token or session", body = crate::error::ErrorBody),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    actor.require_admin("create tokens")?;
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::bad_parameter("role", "must be officer, promoter or admin"))?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_parameter("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::bad_parameter(
            "name",
            format!("at most {MAX_NAME} characters, without control characters"),
        ));
    }
    let mut parks: Vec<String> = Vec::new();
    for park in &body.parks {
        let park = park.trim();
        if !parks.iter().any(|p| p == park) {
            parks.push(park.to_owned());
        }
    }
    {
        let atlas = state.atlas.read();
        if let Some(unknown) = parks
            .iter()
            .find(|code| !atlas.parks.iter().any(|e| &e.feature.code == *code))
        {
            return Err(ApiError::bad_parameter(
                "parks",
                format!("no park with code {unknown}"),
            ));
        }
    }
    if role == Role::Officer && parks.is_empty() {
        return Err(ApiError::bad_parameter(
            "parks",
            "an officer token needs at least one park",
        ));
    }
    let token = new_token().map_err(ApiError::internal)?;
    let id = state
        .store
        .create_token(name, &body.role, &parks, &token_hash(&token))
        .await?;
    let created_at = state
        .store
        .list_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.created_at)
        .unwrap_or_default();
    tracing::info!(actor = %actor.name, id, role = %body.role, name, "token created");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "name": name,
            "role": body.role,
            "parks": parks,
            "created_at": created_at,
            "revoked": false,
            "token": token,
        })),
    )
        .into_response())
}

/// `DELETE /api/admin/tokens/{id}`
#[utoipa::path(delete, path = "/api/admin/tokens/{id}", tag = "accounts", params(("id" = i64, Path, description = "token id, from GET /api/admin/tokens")),
    responses((status = 204, description = "revoked: the token and every session signed in with it stop working at once"),
              (status = 400, description = "the id is not a number", body = crate::error::ErrorBody),
              (status = 401, description = "no valid token or session", body = crate::error::ErrorBody),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody),
              (status = 404, description = "no live token with this id", body = crate::error::ErrorBody),
              (status = 409, description = "the caller's own token: revoked by another admin or on the command line", body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<SharedState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    actor.require_admin("revoke tokens")?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_parameter("id", "must be a token id (an integer)"))?;
    // An admin revoking the token in hand would lock themselves out mid-task.
    if id == actor.token_id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "own_token",
            "this is the token you are signed in with; revoke it with another admin's token or siteatlas token revoke",
        ));
    }
    if !state.store.revoke_token(id).await? {
        return Err(ApiError::not_found(format!("no live token with id {id}")));
    }
    tracing::info!(actor = %actor.name, id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
