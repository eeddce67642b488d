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
//! **Voice.** A guide who turns the microphone on speaks to everyone else
//! over WebRTC, one peer connection per listener (a mesh: right for tours of
//! a few people, each costing the guide one upload of the voice). The server
//! carries only the signalling, each message addressed `to` one person and
//! stamped by the server with who sent it (`from`), which a client cannot
//! forge; only a guide offers, answers go to a guide, and ICE candidates go
//! between a guide and someone else. The audio itself goes between the
//! browsers, through the STUN/TURN servers of `--ice-server` when set.
//!
//! **Chat.** Anyone present may write (1-500 characters, at most
//! [`CHAT_BURST`] messages per [`CHAT_WINDOW`] each); each message is stored
//! with the tour and the link, then sent to everyone present, the writer
//! included. A newcomer's welcome carries the link's last [`CHAT_HISTORY`]
//! messages. Message text is never logged.
//!
//! Client to server, JSON text frames:
//! - `{"type": "go", "stop": 1, "scene": 3, "yaw": 12.5, "pitch": -3, "zoom": 50}`
//!   (a new scene; `stop` is the tour stop it belongs to, or null);
//! - `{"type": "view", "scene": 3, "yaw": 12.5, "pitch": -3, "zoom": 50}` (a pan);
//! - `{"type": "hand_control", "to": 7}` and `{"type": "take_control"}` (guides);
//! - `{"type": "mic", "on": true}` (guides: the microphone, shown to everyone);
//! - `{"type": "offer", "to": 7, "sdp": "..."}` (guides),
//!   `{"type": "answer", "to": 3, "sdp": "..."}` (to a guide) and
//!   `{"type": "ice", "to": 7, "candidate": {...} | null}`: WebRTC signalling;
//! - `{"type": "chat", "text": "..."}`.
//!
//! Server to client: `welcome` (`you`, `role`, `state`, `controller`,
//! `people` with each one's `mic`, `chat`: the recent messages,
//! `ice_servers`: for `RTCPeerConnection`), `state` (`seq`, `stop`, `view`,
//! `from`), `presence` (`people`, `controller`), `offer`, `answer` and
//! `ice` as sent but with the server's `from`, `chat` (`id`, `at`, `from`,
//! `name`, `role`, `text`), `ended` (`reason`: `revoked` or `expired`; the
//! socket then closes) and `error` (`message`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::clock::unix_now;
use crate::store::{ChatRecord, NewChatMessage, Store};

/// Largest message a client may send, bytes.
pub const MAX_MESSAGE: usize = 16 * 1024;
/// Close code of a session that ended (link revoked or expired): clients do
/// not reconnect after it.
const ENDED_CLOSE_CODE: u16 = 4410;
/// Longest chat message, characters (after trimming).
pub const CHAT_MAX_CHARS: usize = 500;
/// Chat messages one person may send within [`CHAT_WINDOW`].
pub const CHAT_BURST: usize = 5;
/// The window of the chat limit.
pub const CHAT_WINDOW: Duration = Duration::from_secs(10);
/// Chat messages a newcomer's welcome carries.
pub const CHAT_HISTORY: i64 = 50;

/// Every live session of this instance, by share link.
#[derive(Debug, Default)]
pub struct LiveHub {
    sessions: Mutex<HashMap<i64, Arc<LiveSession>>>,
    next_person: AtomicU64,
    ice_servers: Vec<IceServer>,
}

/// A STUN or TURN server the browsers use to connect their voice, as
/// `RTCPeerConnection` takes it (`iceServers`). Written on the command line
/// as `URL` or `URL username=NAME credential=SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    /// `stun:`, `stuns:`, `turn:` or `turns:` URL.
    pub urls: String,
    /// TURN user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl FromStr for IceServer {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split_whitespace();
        let urls = parts.next().ok_or("an ICE server needs a URL")?.to_owned();
        let scheme = urls.split_once(':').map(|(scheme, _)| scheme);
        let turn = match scheme {
            Some("stun" | "stuns") => false,
            Some("turn" | "turns") => true,
            _ => return Err(format!("{urls}: not a stun:, stuns:, turn: or turns: URL")),
        };
        let (mut username, mut credential) = (None, None);
        for part in parts {
            match part.split_once('=') {
                Some(("username", v)) if !v.is_empty() => username = Some(v.to_owned()),
                Some(("credential", v)) if !v.is_empty() => credential = Some(v.to_owned()),
                _ => {
                    return Err(format!(
                        "{part}: expected username=NAME or credential=SECRET"
                    ));
                }
            }
        }
        // Browsers refuse a TURN server without both, and ignore them on STUN.
        if turn != (username.is_some() && credential.is_some()) {
            return Err(format!(
                "{urls}: a TURN server needs username= and credential=, a STUN server neither"
            ));
        }
        Ok(Self {
            urls,
            username,
            credential,
        })
    }
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
    /// A guide's microphone is on.
    mic: bool,
}

/// A message for every member, or for one (`to`), and who caused it (not
/// echoed to them).
#[derive(Debug, Clone)]
struct Outgoing {
    from: Option<u64>,
    to: Option<u64>,
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
    Mic {
        on: bool,
    },
    Offer {
        to: u64,
        sdp: String,
    },
    Answer {
        to: u64,
        sdp: String,
    },
    Ice {
        to: u64,
        candidate: Value,
    },
    Chat {
        text: String,
    },
}

/// What the connection's loop does after a client message.
#[derive(Debug)]
enum Action {
    /// Answer the client alone.
    Reply(Value),
    /// Store a chat message (trimmed) and send it to everyone.
    Chat(String),
}

/// One person's chat messages within the last [`CHAT_WINDOW`].
#[derive(Debug, Default)]
struct ChatLimit {
    sent: VecDeque<Instant>,
}

impl ChatLimit {
    /// Counts a message sent at `now`, unless the person is over the limit.
    fn take(&mut self, now: Instant) -> bool {
        while self
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= CHAT_WINDOW)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= CHAT_BURST {
            return false;
        }
        self.sent.push_back(now);
        true
    }
}

/// Where a person sits: the link and tour of the session, their name and
/// whether they guide.
#[derive(Debug, Clone)]
pub struct Seat {
    /// The share link, which names the session.
    pub link: i64,
    /// The link's tour, which chat messages are kept with.
    pub tour: i64,
    /// The name others see: what the person typed.
    pub name: String,
    /// A promoter or admin, who may lead, hand control on and speak.
    pub guide: bool,
    /// Until the link expires.
    pub expires_in: Duration,
}

fn error(message: impl Into<String>) -> Option<Action> {
    Some(Action::Reply(
        json!({"type": "error", "message": message.into()}),
    ))
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
        self.send_to(from, None, value);
    }

    fn send_to(&self, from: Option<u64>, to: Option<u64>, value: &Value) {
        // Nobody listening is fine.
        let _ = self.messages.send(Outgoing {
            from,
            to,
            text: value.to_string().into(),
            last: false,
        });
    }
}

impl LiveHub {
    /// A hub whose sessions tell browsers to connect their voice through
    /// these STUN/TURN servers (none: host candidates only, enough on one
    /// network).
    pub fn new(ice_servers: Vec<IceServer>) -> Self {
        Self {
            ice_servers,
            ..Self::default()
        }
    }

    /// Ends the live session of a share link, if one is running: everyone is
    /// told why (`revoked`, `expired`) and disconnected.
    pub fn end(&self, link: i64, reason: &str) {
        let session = self.sessions.lock().remove(&link);
        if let Some(session) = session {
            let _ = session.messages.send(Outgoing {
                from: None,
                to: None,
                text: json!({"type": "ended", "reason": reason})
                    .to_string()
                    .into(),
                last: true,
            });
        }
    }
}

/// Runs one person's connection to the live session of a share link
/// until they leave, the link is revoked or it expires. Guides may lead,
/// hand control on and speak; chat messages are stored in `store`.
pub async fn serve(hub: Arc<LiveHub>, store: Store, seat: Seat, mut socket: WebSocket) {
    let Seat {
        link,
        tour,
        name,
        guide,
        expires_in,
    } = seat;
    let expiry = tokio::time::sleep(expires_in);
    tokio::pin!(expiry);
    // Recent chat is a courtesy: a store that does not answer now must not
    // keep anyone out of the tour.
    let history = match store.recent_chat(link, CHAT_HISTORY).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(link, error = %e, "chat history unavailable for a newcomer");
            Vec::new()
        }
    };
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
        s.people.insert(
            me,
            Person {
                id: me,
                name: name.clone(),
                role,
                mic: false,
            },
        );
        // A guide who arrives to an unguided session takes it over.
        if guide && s.controller.is_none_or(|c| !s.people.contains_key(&c)) {
            s.controller = Some(me);
        }
        let chat: Vec<Value> = history.iter().map(chat_json).collect();
        let welcome = json!({"type": "welcome", "you": me, "role": role, "state": s.tour,
            "controller": s.controller, "people": s.people.values().collect::<Vec<_>>(),
            "chat": chat, "ice_servers": hub.ice_servers});
        (welcome, s.presence())
    };
    let mut chat_limit = ChatLimit::default();
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
                        let reply = match handle(&session, me, guide, &mut chat_limit, &text) {
                            Some(Action::Reply(reply)) => Some(reply),
                            Some(Action::Chat(body)) => {
                                let message = NewChatMessage {
                                    tour_id: tour,
                                    share_link_id: link,
                                    at: unix_now() as i64,
                                    author: name.clone(),
                                    role,
                                    body,
                                };
                                match store.insert_chat(&message).await {
                                    Ok(id) => {
                                        let mut out = chat_json(&ChatRecord {
                                            id,
                                            tour_id: tour,
                                            share_link_id: link,
                                            at: message.at,
                                            author: message.author,
                                            role: role.to_owned(),
                                            body: message.body,
                                        });
                                        out["from"] = json!(me);
                                        // The writer hears it too: their copy is the stored one.
                                        session.send(None, &out);
                                        None
                                    }
                                    Err(e) => {
                                        // The text stays out of the log.
                                        tracing::error!(tour, link, error = %e, "a chat message could not be stored");
                                        Some(json!({"type": "error", "message": "the message was not sent; please try again"}))
                                    }
                                }
                            }
                            None => None,
                        };
                        if let Some(reply) = reply
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
                    Ok(m) if m.from == Some(me) || m.to.is_some_and(|to| to != me) => {}
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

/// A stored chat message as clients see it.
fn chat_json(m: &ChatRecord) -> Value {
    json!({"type": "chat", "id": m.id, "at": m.at, "name": m.author, "role": m.role, "text": m.body})
}

/// Applies one client message; returns what else the connection must do.
fn handle(
    session: &LiveSession,
    me: u64,
    guide: bool,
    chat_limit: &mut ChatLimit,
    text: &str,
) -> Option<Action> {
    let message: Incoming = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => return error(format!("not understood: {e}")),
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
                return error("only a guide hands control over");
            }
            if !s.people.contains_key(&to) {
                return error(format!("{to} is not here"));
            }
            s.controller = Some(to);
            let presence = s.presence();
            drop(s);
            session.send(None, &presence);
            None
        }
        Incoming::TakeControl => {
            if !guide {
                return error("only a guide takes control");
            }
            s.controller = Some(me);
            let presence = s.presence();
            drop(s);
            session.send(None, &presence);
            None
        }
        Incoming::Mic { on } => {
            if !guide {
                return error("only a guide speaks to the tour");
            }
            if let Some(p) = s.people.get_mut(&me) {
                p.mic = on;
            }
            let presence = s.presence();
            drop(s);
            session.send(None, &presence);
            None
        }
        Incoming::Offer { to, sdp } => {
            if !guide {
                return error("only a guide offers audio");
            }
            relay(session, s, me, to, json!({"type": "offer", "sdp": sdp}))
        }
        Incoming::Answer { to, sdp } => {
            if s.people.get(&to).is_some_and(|p| p.role != "guide") {
                return error("answers go to a guide");
            }
            relay(session, s, me, to, json!({"type": "answer", "sdp": sdp}))
        }
        Incoming::Ice { to, candidate } => {
            if !guide && s.people.get(&to).is_some_and(|p| p.role != "guide") {
                return error("ICE candidates go to or from a guide");
            }
            if !(candidate.is_object() || candidate.is_null()) {
                return error("candidate must be an object or null");
            }
            relay(
                session,
                s,
                me,
                to,
                json!({"type": "ice", "candidate": candidate}),
            )
        }
        Incoming::Chat { text } => {
            drop(s);
            let text = text.trim();
            let n = text.chars().count();
            if n == 0 || n > CHAT_MAX_CHARS {
                return error(format!("a message has 1 to {CHAT_MAX_CHARS} characters"));
            }
            if !chat_limit.take(Instant::now()) {
                return error(format!(
                    "at most {CHAT_BURST} messages every {} seconds; please wait a moment",
                    CHAT_WINDOW.as_secs()
                ));
            }
            Some(Action::Chat(text.to_owned()))
        }
    }
}

/// Sends a signalling message to one person present, stamped with who sent
/// it: whatever `from` the client wrote is not read.
fn relay(
    session: &LiveSession,
    s: parking_lot::MutexGuard<'_, SessionState>,
    me: u64,
    to: u64,
    mut message: Value,
) -> Option<Action> {
    if to == me || !s.people.contains_key(&to) {
        return error(format!("{to} is not here"));
    }
    drop(s);
    message["from"] = json!(me);
    message["to"] = json!(to);
    session.send_to(Some(me), Some(to), &message);
    None
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
) -> Option<Action> {
    if s.controller != Some(me) {
        return error("only the person in control moves the view");
    }
    if ![yaw, pitch, zoom].iter().all(|v| v.is_finite())
        || !(-90.0..=90.0).contains(&pitch)
        || !(0.0..=100.0).contains(&zoom)
    {
        return error("yaw must be finite, pitch -90..90, zoom 0..100");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_servers_are_read_from_the_command_line() {
        let stun: IceServer = "stun:stun.example.cn:3478".parse().unwrap();
        assert_eq!(stun.urls, "stun:stun.example.cn:3478");
        assert_eq!(stun.username, None);
        let turn: IceServer =
            "turn:turn.example.cn:3478?transport=udp username=tour credential=s3cret"
                .parse()
                .unwrap();
        assert_eq!(turn.username.as_deref(), Some("tour"));
        assert_eq!(turn.credential.as_deref(), Some("s3cret"));
        assert_eq!(
            serde_json::to_value(&stun).unwrap(),
            json!({"urls": "stun:stun.example.cn:3478"})
        );
        for bad in [
            "",
            "https://stun.example.cn",
            "turn:turn.example.cn:3478",
            "turn:turn.example.cn username=a",
            "stun:stun.example.cn username=a credential=b",
            "turn:t.example.cn username=a credential=b extra",
        ] {
            assert!(bad.parse::<IceServer>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn chat_is_limited_per_person_within_the_window() {
        let mut limit = ChatLimit::default();
        let start = Instant::now();
        for i in 0..CHAT_BURST {
            assert!(limit.take(start + Duration::from_millis(i as u64)));
        }
        assert!(!limit.take(start + Duration::from_secs(1)));
        assert!(limit.take(start + CHAT_WINDOW));
    }
}
