//! `GET /api/live/{token}`: joins the live session of a tour's share link
//! (see [`crate::live`] for the protocol).

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::{Actor, Role};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::live::{self, MAX_MESSAGE, Seat};
use crate::routes::ApiQuery;
use crate::session::open_share_link;
use crate::state::SharedState;

/// Query of `GET /api/live/{token}`.
#[derive(Debug, Deserialize)]
pub struct JoinParams {
    /// The name others see (not stored anywhere).
    pub name: Option<String>,
}

/// `GET /api/live/{token}` (WebSocket upgrade).
pub async fn join(
    State(state): State<SharedState>,
    UrlPath(token): UrlPath<String>,
    ApiQuery(params): ApiQuery<JoinParams>,
    actor: Result<Actor, ApiError>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let link = open_share_link(&state.store, &state.access.signing_key, &token).await?;
    let guide = matches!(&actor, Ok(a) if matches!(a.role, Role::Promoter | Role::Admin));
    let name: String = match (&actor, params.name.as_deref().map(str::trim)) {
        (_, Some(n)) if !n.is_empty() => n.chars().take(40).collect(),
        (Ok(a), _) if guide => a.name.clone(),
        _ => "访客".into(),
    };
    state
        .usage
        .count("live_join", None, None, Some(link.tour_id));
    let hub = state.live.clone();
    let store = state.store.clone();
    let seat = Seat {
        link: link.id,
        tour: link.tour_id,
        name,
        guide,
        expires_in: std::time::Duration::from_secs(
            u64::try_from(link.expires_at - unix_now() as i64).unwrap_or(0),
        ),
    };
    Ok(upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| live::serve(hub, store, seat, socket)))
}
