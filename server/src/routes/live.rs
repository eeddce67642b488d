//! Live guided tours over WebSocket: `GET /api/live/{token}`.
//!
//! Everyone holding a tour's share link may join its live session; a
//! promoter or admin who is signed in (cookie or bearer token) joins as a
//! guide. The one in control (a guide, unless a guide hands control to an
//! attendee) moves the view; everyone else follows it. Each newcomer, and
//! anyone who reconnects, gets the session as it is: the scene, the view,
//! who is present and who has control. Sessions live in this instance's
//! memory and end when the last person leaves.
//!
//! Client to server, JSON text frames:
//! - `{"type": "view", "scene": 3, "yaw": 12.5, "pitch": -3, "zoom": 50}`
//!   (only from whoever has control);
//! - `{"type": "hand_control", "to": 7}` and `{"type": "take_control"}` (guides).
//!
//! Server to client: `welcome` (`you`, `role`, `view`, `controller`,
//! `people`), `view` (with `from`), `presence` (`people`, `controller`) and
//! `error` (`message`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::routes::ApiQuery;
use crate::routes::tours::open_link;
use crate::state::SharedState;

/// Largest message a client may send, bytes.
const MAX_MESSAGE: usize = 16 * 1024;

/// Every live session of this instance, by share link.
#[derive(Debug, Default)]
pub struct LiveHub {
    sessions: Mutex<HashMap<i64, Arc<LiveSession>>>,
    next_person: AtomicU64,
}

#[derive(Debug)]
struct LiveSession {
    state: Mutex<SessionState>,
    messages: broadcast::Sender<Outgoing>,
}

#[derive(Debug, Default)]
struct SessionState {
    view: Option<Value>,
    controller: Option<u64>,
    people: BTreeMap<u64, Person>,
}

#[derive(Debug, Clone, Serialize)]
struct Person {
    id: u64,
    name: String,
    role: &'static str,
}

/// A message for every member, and who caused it (not echoed to them).
#[derive(Debug, Clone)]
struct Outgoing {
    from: Option<u64>,
    text: Utf8Bytes,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    View {
        scene: i64,
        yaw: f64,
        pitch: f64,
        #[serde(default = "default_zoom")]
        zoom: f64,
    },
    HandControl {
        to: u64,
    },
    TakeControl,
}

fn default_zoom() -> f64 {
    50.0
}

impl SessionState {
    fn presence(&self) -> Value {
        json!({"type": "presence", "people": self.people.values().collect::<Vec<_>>(), "controller": self.controller})
    }

    /// A guide present, other than `except`.
    fn a_guide(&self, except: u64) -> Option<u64> {
        self.people
            .values()
            .find(|p| p.role == "guide" && p.id != except)
            .map(|p| p.id)
    }
}

impl LiveSession {
    fn send(&self, from: Option<u64>, value: &Value) {
        // Nobody listening is fine.
        let _ = self.messages.send(Outgoing {
            from,
            text: value.to_string().into(),
        });
    }
}

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
    let link = open_link(&state, &token).await?;
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
    Ok(upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| run(hub, link.id, name, guide, socket)))
}

async fn run(hub: Arc<LiveHub>, link: i64, name: String, guide: bool, mut socket: WebSocket) {
    let me = hub.next_person.fetch_add(1, Ordering::Relaxed) + 1;
    let session = hub
        .sessions
        .lock()
        .entry(link)
        .or_insert_with(|| {
            Arc::new(LiveSession {
                state: Mutex::new(SessionState::default()),
                messages: broadcast::channel(256).0,
            })
        })
        .clone();
    let mut inbox = session.messages.subscribe();
    let role = if guide { "guide" } else { "attendee" };
    let (welcome, presence) = {
        let mut s = session.state.lock();
        s.people.insert(me, Person { id: me, name, role });
        // A guide who arrives to an unguided session takes it over.
        if guide && s.controller.is_none_or(|c| !s.people.contains_key(&c)) {
            s.controller = Some(me);
        }
        let welcome = json!({"type": "welcome", "you": me, "role": role, "view": s.view,
            "controller": s.controller, "people": s.people.values().collect::<Vec<_>>()});
        (welcome, s.presence())
    };
    if socket
        .send(Message::Text(welcome.to_string().into()))
        .await
        .is_ok()
    {
        session.send(Some(me), &presence);
        loop {
            tokio::select! {
                received = socket.recv() => match received {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(reply) = handle(&session, me, guide, &text)
                            && socket.send(Message::Text(reply.to_string().into())).await.is_err()
                        {
                            break;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                outgoing = inbox.recv() => match outgoing {
                    Ok(m) if m.from == Some(me) => {}
                    Ok(m) => {
                        if socket.send(Message::Text(m.text)).await.is_err() {
                            break;
                        }
                    }
                    // Too slow to keep up: catch up with the present.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let now = {
                            let s = session.state.lock();
                            json!({"type": "view", "from": s.controller, "view": s.view})
                        };
                        if socket.send(Message::Text(now.to_string().into())).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    }
    leave(&hub, link, &session, me);
}

/// Applies one client message; returns a reply for that client alone.
fn handle(session: &LiveSession, me: u64, guide: bool, text: &str) -> Option<Value> {
    let message: Incoming = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => return Some(json!({"type": "error", "message": format!("not understood: {e}")})),
    };
    let mut s = session.state.lock();
    match message {
        Incoming::View {
            scene,
            yaw,
            pitch,
            zoom,
        } => {
            if s.controller != Some(me) {
                return Some(
                    json!({"type": "error", "message": "only the person in control moves the view"}),
                );
            }
            if ![yaw, pitch, zoom].iter().all(|v| v.is_finite())
                || !(-90.0..=90.0).contains(&pitch)
                || !(0.0..=100.0).contains(&zoom)
            {
                return Some(
                    json!({"type": "error", "message": "yaw must be finite, pitch -90..90, zoom 0..100"}),
                );
            }
            let view = json!({"scene": scene, "yaw": yaw, "pitch": pitch, "zoom": zoom});
            s.view = Some(view.clone());
            drop(s);
            session.send(Some(me), &json!({"type": "view", "from": me, "view": view}));
            None
        }
        Incoming::HandControl { to } => {
            if !guide {
                return Some(
                    json!({"type": "error", "message": "only a guide hands control over"}),
                );
            }
            if !s.people.contains_key(&to) {
                return Some(json!({"type": "error", "message": format!("{to} is not here")}));
            }
            s.controller = Some(to);
            let presence = s.presence();
            drop(s);
            session.send(None, &presence);
            None
        }
        Incoming::TakeControl => {
            if !guide {
                return Some(json!({"type": "error", "message": "only a guide takes control"}));
            }
            s.controller = Some(me);
            let presence = s.presence();
            drop(s);
            session.send(None, &presence);
            None
        }
    }
}

fn leave(hub: &LiveHub, link: i64, session: &Arc<LiveSession>, me: u64) {
    let presence = {
        let mut s = session.state.lock();
        s.people.remove(&me);
        if s.controller == Some(me) {
            s.controller = s.a_guide(me);
        }
        if s.people.is_empty() {
            // Keep the hub's lock order (hub, then session) by letting go first.
            None
        } else {
            Some(s.presence())
        }
    };
    match presence {
        Some(p) => session.send(None, &p),
        None => {
            let mut sessions = hub.sessions.lock();
            if session.state.lock().people.is_empty() {
                sessions.remove(&link);
            }
        }
    }
}
