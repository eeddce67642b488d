//! Live guided tours: the sessions in this instance's memory and their
//! protocol over WebSocket. The route that opens one is
//! `routes::live` (`GET /api/live/{token}`).
//!
//! Everyone holding a tour's share link may join its live session; a
//! promoter or admin who is signed in (cookie or bearer token) joins as a
//! guide. The one in control (a guide, unless a guide hands control to an
//! attendee) leads; everyone else follows. Each newcomer, and anyone who
//! reconnects, gets the session as it is: the tour state, who is present and
//! who has control. Sessions live in this instance's memory and end when the
//! last person leaves, when the link is revoked or when it expires.
//!
//! **One state, numbered.** The stop, the scene and the view are one tour
//! state; every change the server accepts gets the next sequence number
//! (`seq`), and followers show a state only when its number is above the last
//! they showed, so a late message never takes anyone back. A change of scene
//! (`go`) is always accepted from the leader; a pan (`view`) only while its
//! scene is still the current one, so a pan sent just before a stop change
//! never brings the old scene back.
//!
//! Client to server, JSON text frames:
//! - `{"type": "go", "stop": 1, "scene": 3, "yaw": 12.5, "pitch": -3, "zoom": 50}`
//!   (a new scene; `stop` is the tour stop it belongs to, or null);
//! - `{"type": "view", "scene": 3, "yaw": 12.5, "pitch": -3, "zoom": 50}` (a pan);
//! - `{"type": "hand_control", "to": 7}` and `{"type": "take_control"}` (guides).
//!
//! Server to client: `welcome` (`you`, `role`, `state`, `controller`,
//! `people`), `state` (`seq`, `stop`, `view`, `from`), `presence` (`people`,
//! `controller`), `ended` (`reason`: `revoked` or `expired`; the socket then
//! closes) and `error` (`message`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Largest message a client may send, bytes.
pub const MAX_MESSAGE: usize = 16 * 1024;
/// Close code of a session that ended (link revoked or expired): clients do
/// not reconnect after it.
const ENDED_CLOSE_CODE: u16 = 4410;

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
    tour: TourState,
    controller: Option<u64>,
    people: BTreeMap<u64, Person>,
}

/// Where the tour is: the stop and view, numbered by every accepted change.
#[derive(Debug, Default, Clone, Serialize)]
struct TourState {
    seq: u64,
    stop: Option<u32>,
    view: Option<View>,
}

/// What the leader sees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
struct View {
    scene: i64,
    yaw: f64,
    pitch: f64,
    zoom: f64,
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
    /// The session is over: close each socket after this message.
    last: bool,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Go {
        #[serde(default)]
        stop: Option<u32>,
        scene: i64,
        yaw: f64,
        pitch: f64,
        #[serde(default = "default_zoom")]
        zoom: f64,
    },
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
    /// The state as a `state` message.
    fn state_message(&self, from: Option<u64>) -> Value {
        json!({"type": "state", "seq": self.tour.seq, "stop": self.tour.stop,
            "view": self.tour.view, "from": from})
    }

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
            last: false,
        });
    }
}

impl LiveHub {
    /// Ends the live session of a share link, if one is running: everyone is
    /// told why (`revoked`, `expired`) and disconnected.
    pub fn end(&self, link: i64, reason: &str) {
        let session = self.sessions.lock().remove(&link);
        if let Some(session) = session {
            let _ = session.messages.send(Outgoing {
                from: None,
                text: json!({"type": "ended", "reason": reason})
                    .to_string()
                    .into(),
                last: true,
            });
        }
    }
}

/// Runs one person's connection to the live session of share link `link`
/// until they leave, the link is revoked or it expires (`expires_in`).
/// Guides may lead and hand control on.
pub async fn serve(
    hub: Arc<LiveHub>,
    link: i64,
    name: String,
    guide: bool,
    expires_in: std::time::Duration,
    mut socket: WebSocket,
) {
    let expiry = tokio::time::sleep(expires_in);
    tokio::pin!(expiry);
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
        let welcome = json!({"type": "welcome", "you": me, "role": role, "state": s.tour,
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
                () = &mut expiry => {
                    hub.end(link, "expired");
                }
                outgoing = inbox.recv() => match outgoing {
                    Ok(m) if m.last => {
                        let _ = socket.send(Message::Text(m.text)).await;
                        let _ = socket.send(Message::Close(Some(CloseFrame {
                            code: ENDED_CLOSE_CODE,
                            reason: "ended".into(),
                        }))).await;
                        break;
                    }
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
                            s.state_message(s.controller)
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
        Incoming::Go {
            stop,
            scene,
            yaw,
            pitch,
            zoom,
        } => lead(session, s, me, stop.map(Some), scene, [yaw, pitch, zoom]),
        Incoming::View {
            scene,
            yaw,
            pitch,
            zoom,
        } => {
            // A pan of a scene the tour has already left is stale: the leader
            // sent it just before changing scenes.
            if s.controller == Some(me) && s.tour.view.is_some_and(|v| v.scene != scene) {
                return None;
            }
            lead(session, s, me, None, scene, [yaw, pitch, zoom])
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

/// Makes the leader's change the tour's new state and tells everyone else;
/// `stop` is `Some` for a change of stop (`Some(None)`: off the tour's stops).
fn lead(
    session: &LiveSession,
    mut s: parking_lot::MutexGuard<'_, SessionState>,
    me: u64,
    stop: Option<Option<u32>>,
    scene: i64,
    [yaw, pitch, zoom]: [f64; 3],
) -> Option<Value> {
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
    s.tour.seq += 1;
    if let Some(stop) = stop {
        s.tour.stop = stop;
    }
    s.tour.view = Some(View {
        scene,
        yaw,
        pitch,
        zoom,
    });
    let message = s.state_message(Some(me));
    drop(s);
    session.send(Some(me), &message);
    None
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
            // The link's session may have ended and another begun meanwhile.
            if sessions.get(&link).is_some_and(|s| Arc::ptr_eq(s, session))
                && session.state.lock().people.is_empty()
            {
                sessions.remove(&link);
            }
        }
    }
}
