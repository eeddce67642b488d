//! API tokens and who may do what.
//!
//! A token is 256 random bits shown once at creation; the store keeps only
//! its SHA-256 (a slow password hash buys nothing for a random 256-bit
//! secret). Requests carry it as `Authorization: Bearer <token>`, or a
//! browser carries a session cookie made from it (see [`crate::session`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};

use crate::error::ApiError;
use crate::session::{self, hex, token_hash};
use crate::state::SharedState;
use crate::store::TokenRecord;

/// Roles, from least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Edits plots and factories of the parks assigned to them.
    Officer,
    /// Panoramas, tours and leads.
    Promoter,
    /// Everything, accounts too.
    Admin,
    /// A referral partner (招商大使, 商协会, a resident firm): submits leads
    /// and follows its own referrals, nothing else.
    Partner,
}

impl Role {
    /// Parses `officer`, `promoter`, `admin` or `partner`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "officer" => Some(Role::Officer),
            "promoter" => Some(Role::Promoter),
            "admin" => Some(Role::Admin),
            "partner" => Some(Role::Partner),
            _ => None,
        }
    }
}

/// A new random token: `sa_` and 64 hex digits.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("sa_{}", hex(&bytes)))
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Token name, recorded in the audit log.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Parks an officer may edit.
    pub parks: Vec<String>,
    /// The id of the token the request presents (directly or through a session).
    pub token_id: i64,
    /// The referral partner a partner acts for.
    pub partner_id: Option<i64>,
}

impl Actor {
    /// Whether the actor may edit features of this park.
    pub fn may_edit_park(&self, park: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => park.is_some_and(|p| self.parks.iter().any(|mine| mine == p)),
            Role::Promoter | Role::Partner => false,
        }
    }

    /// Nothing, for an admin; else 403 saying that only admins do `what`.
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("only admins {what}"),
            ))
        }
    }

    /// The actor of a stored token, if its role is known.
    pub fn from_record(t: TokenRecord) -> Option<Self> {
        Some(Self {
            role: Role::parse(&t.role)?,
            name: t.name,
            parks: t.parks,
            token_id: t.id,
            partner_id: t.partner_id,
        })
    }
}

impl FromRequestParts<SharedState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let hash = request_token_hash(parts, state)?;
        let record = state
            .store
            .token_by_hash(&hash)
            .await?
            .ok_or_else(|| unauthorized("unknown or revoked token"))?;
        Actor::from_record(record).ok_or_else(|| unauthorized("the token's role is unknown"))
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The hash of the token a request presents: a bearer token, or else a
/// session cookie.
fn request_token_hash(parts: &Parts, state: &SharedState) -> Result<String, ApiError> {
    if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("expected Authorization: Bearer <token>"))?;
        return Ok(token_hash(token));
    }
    let cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::cookie(h, session::COOKIE_NAME))
        .ok_or_else(|| {
            unauthorized(
                "this needs an API token (Authorization: Bearer <token>) or a signed-in session",
            )
        })?;
    let hash =
        session::session_token_hash(&state.access.signing_key, cookie, crate::clock::unix_now())
            .ok_or_else(|| {
                unauthorized("the session has expired or is not valid; sign in again")
            })?;
    // A cookie rides along with any request the browser makes, so a change
    // made with one must come from a page of this server (SameSite=Strict
    // already keeps other sites' requests from carrying it; this checks
    // again where the browser says where the request comes from).
    if !parts.method.is_safe() && !same_origin(&parts.headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "a change with a session cookie must come from this server's own pages",
        ));
    }
    Ok(hash)
}

/// Whether the request's `Origin`, when it has one, is the host it was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
