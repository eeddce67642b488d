//! `GET /api/events`: server-sent events, one per applied change, so that
//! every open map shows a write within a moment.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::state::SharedState;

/// `GET /api/events`
#[utoipa::path(get, path = "/api/events", tag = "features",
    responses((status = 200, description = "text/event-stream; each `change` event's data is {\"layer\", \"id\", \"version\"}; a `reload` event asks for everything again", content_type = "text/event-stream")))]
pub async fn events(
    State(state): State<SharedState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.changes.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(change) => {
                let name = if change.id.is_some() {
                    "change"
                } else {
                    "reload"
                };
                Event::default()
                    .event(name)
                    .data(serde_json::to_string(&change).unwrap_or_default())
            }
            // A client too slow to keep up missed changes: tell it to reload.
            Err(RecvError::Lagged(_)) => Event::default().event("reload").data("{}"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
