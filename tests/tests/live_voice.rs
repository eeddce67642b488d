//! Remote tours that close the loop, over real HTTP and WebSocket on both
//! stores: the guide's voice signalling relayed between guide and attendees
//! (addressed, stamped by the server, offers from guides only), the live
//! chat (broadcast, limits, kept with the tour, history for newcomers, the
//! promoters' reading of it), and an enquiry from a shared tour page
//! credited to the tour and its guide.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use siteatlas_server::clock::unix_now;
use siteatlas_server::session::{share_token, token_hash};
use siteatlas_tests::{ServerOptions, StoreKind, TestServer, TestStore};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The stores to run on: SQLite, and PostGIS when the tests are given one.
fn stores() -> Vec<StoreKind> {
    let mut kinds = vec![StoreKind::Sqlite];
    if std::env::var_os("SITEATLAS_TEST_DATABASE_URL").is_some() {
        kinds.push(StoreKind::Postgis);
    }
    kinds
}

struct Setup {
    server: TestServer,
    /// A promoter's token, named 王经理.
    promoter: String,
    officer: String,
    /// A demo tour.
    tour: i64,
    /// A live share link of it, made by the promoter.
    link: i64,
    token: String,
    _store: TestStore,
}

async fn setup(kind: StoreKind) -> Setup {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let promoter = siteatlas_server::auth::new_token().unwrap();
    server
        .state
        .store
        .create_token("王经理", "promoter", &[], &token_hash(&promoter))
        .await
        .unwrap();
    let officer = server.token("officer", &[]).await;
    let tours = server
        .http
        .get(format!("{}/api/tours", server.base))
        .bearer_auth(&promoter)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let tour = tours[0]["id"].as_i64().expect("the demo has tours");
    let link: Value = server
        .http
        .post(format!("{}/api/tours/{tour}/links", server.base))
        .bearer_auth(&promoter)
        .json(&json!({"days": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Setup {
        promoter,
        officer,
        tour,
        link: link["id"].as_i64().unwrap(),
        token: link["token"].as_str().unwrap().to_owned(),
        server,
        _store: store,
    }
}

async fn connect(s: &Setup, name: &str, bearer: Option<&str>) -> (Socket, Value) {
    let url = format!(
        "{}/api/live/{}?name={name}",
        s.server.base.replace("http://", "ws://"),
        s.token
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(b) = bearer {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {b}").parse().unwrap());
    }
    let mut socket = tokio_tungstenite::connect_async(request).await.unwrap().0;
    let welcome = next_of(&mut socket, "welcome").await;
    (socket, welcome)
}

/// The next message of a type (others, such as presence updates, are skipped).
async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            let Some(Ok(Message::Text(text))) = socket.next().await else {
                panic!("socket closed while waiting for {kind}");
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["type"] == kind {
                return v;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} message within 3 s"))
}

/// Every message that arrives within `wait`.
async fn drain(socket: &mut Socket, wait: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout(wait, socket.next()).await {
        out.push(serde_json::from_str(&text).unwrap());
    }
    out
}

async fn send(socket: &mut Socket, v: Value) {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_voice_is_signalled_to_each_attendee() {
    let s = setup(StoreKind::Sqlite).await;
    let (mut guide, gw) = connect(&s, "王经理", Some(&s.promoter)).await;
    assert_eq!(gw["role"], "guide");
    // No STUN or TURN configured: the browsers use host candidates only.
    assert_eq!(gw["ice_servers"], json!([]));
    let me = gw["you"].as_i64().unwrap();
    let (mut li, lw) = connect(&s, "李总", None).await;
    let (mut zhang, zw) = connect(&s, "张工", None).await;
    let (li_id, zhang_id) = (lw["you"].as_i64().unwrap(), zw["you"].as_i64().unwrap());

    // The guide turns the microphone on: everyone sees it.
    send(&mut guide, json!({"type": "mic", "on": true})).await;
    // (Presence of 张工's arrival may come first.)
    let mic_of_guide = |presence: &Value| {
        presence["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == me)
            .map(|p| p["mic"] == true)
    };
    let mut presence = next_of(&mut li, "presence").await;
    if mic_of_guide(&presence) == Some(false) {
        presence = next_of(&mut li, "presence").await;
    }
    assert_eq!(mic_of_guide(&presence), Some(true), "{presence}");

    // An offer to 李总 reaches 李总 alone, stamped by the server: the `from`
    // the client wrote (张工's id) is not what arrives.
    send(
        &mut guide,
        json!({"type": "offer", "to": li_id, "from": zhang_id, "sdp": "v=0 offer for li"}),
    )
    .await;
    let offer = next_of(&mut li, "offer").await;
    assert_eq!(offer["from"], me);
    assert_eq!(offer["to"], li_id);
    assert_eq!(offer["sdp"], "v=0 offer for li");
    // 张工 hears nothing of it (only the presence of the microphone).
    let others = drain(&mut zhang, Duration::from_millis(300)).await;
    assert!(
        others.iter().all(|m| m["type"] != "offer"),
        "张工 got 李总's offer: {others:?}"
    );

    // 李总 answers and sends a candidate, claiming to be 张工: the guide
    // learns the truth.
    send(
        &mut li,
        json!({"type": "answer", "to": me, "from": zhang_id, "sdp": "v=0 answer"}),
    )
    .await;
    let answer = next_of(&mut guide, "answer").await;
    assert_eq!(answer["from"], li_id);
    assert_eq!(answer["sdp"], "v=0 answer");
    let candidate = json!({"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host", "sdpMid": "0", "sdpMLineIndex": 0});
    send(
        &mut li,
        json!({"type": "ice", "to": me, "from": 999, "candidate": candidate}),
    )
    .await;
    let ice = next_of(&mut guide, "ice").await;
    assert_eq!(ice["from"], li_id);
    assert_eq!(ice["candidate"], candidate);
    // And the guide's candidates reach the attendee; the end of candidates is null.
    send(
        &mut guide,
        json!({"type": "ice", "to": li_id, "candidate": null}),
    )
    .await;
    let ice = next_of(&mut li, "ice").await;
    assert_eq!(
        (ice["from"].as_i64(), ice["candidate"].is_null()),
        (Some(me), true)
    );

    // An attendee may not offer, nor talk to another attendee, nor speak.
    send(
        &mut zhang,
        json!({"type": "offer", "to": li_id, "sdp": "v=0"}),
    )
    .await;
    let refused = next_of(&mut zhang, "error").await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("only a guide"),
        "{refused}"
    );
    send(
        &mut zhang,
        json!({"type": "answer", "to": li_id, "sdp": "v=0"}),
    )
    .await;
    next_of(&mut zhang, "error").await;
    send(
        &mut zhang,
        json!({"type": "ice", "to": li_id, "candidate": null}),
    )
    .await;
    next_of(&mut zhang, "error").await;
    send(&mut zhang, json!({"type": "mic", "on": true})).await;
    next_of(&mut zhang, "error").await;
    let leaked = drain(&mut li, Duration::from_millis(300)).await;
    assert!(
        leaked
            .iter()
            .all(|m| !["offer", "answer", "ice"].contains(&m["type"].as_str().unwrap())),
        "an attendee's signal got through: {leaked:?}"
    );
    // Nobody by that number, or oneself: refused.
    send(
        &mut guide,
        json!({"type": "offer", "to": 4242, "sdp": "v=0"}),
    )
    .await;
    assert!(
        next_of(&mut guide, "error").await["message"]
            .as_str()
            .unwrap()
            .contains("not here")
    );
    send(&mut guide, json!({"type": "offer", "to": me, "sdp": "v=0"})).await;
    next_of(&mut guide, "error").await;

    // The message size limit stays: a 20 KB offer is not relayed (its sender is let go).
    let big = "a".repeat(20 * 1024);
    let _ = guide
        .send(Message::Text(
            json!({"type": "offer", "to": li_id, "sdp": big})
                .to_string()
                .into(),
        ))
        .await;
    let after = drain(&mut li, Duration::from_millis(300)).await;
    assert!(after.iter().all(|m| m["type"] != "offer"), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_is_broadcast_kept_with_the_tour_and_shown_to_newcomers() {
    for kind in stores() {
        let s = setup(kind).await;
        let (mut guide, gw) = connect(&s, "王经理", Some(&s.promoter)).await;
        assert_eq!(gw["chat"], json!([]), "{kind:?}");
        let (mut li, lw) = connect(&s, "李总", None).await;
        let li_id = lw["you"].as_i64().unwrap();

        // A question, trimmed, reaches the guide and its writer, with who wrote it.
        send(
            &mut li,
            json!({"type": "chat", "text": "  厂房层高多少？  ", "from": 1}),
        )
        .await;
        let heard = next_of(&mut guide, "chat").await;
        assert_eq!(heard["text"], "厂房层高多少？");
        assert_eq!(heard["name"], "李总");
        assert_eq!(heard["role"], "attendee");
        assert_eq!(heard["from"], li_id);
        assert_eq!(next_of(&mut li, "chat").await["id"], heard["id"]);
        send(
            &mut guide,
            json!({"type": "chat", "text": "净高 9 米，承重 3 吨"}),
        )
        .await;
        let answer = next_of(&mut li, "chat").await;
        assert_eq!(
            (answer["name"].as_str(), answer["role"].as_str()),
            (Some("王经理"), Some("guide"))
        );

        // Empty, blank and over-long messages are refused, and not kept.
        for text in [String::new(), "   ".into(), "长".repeat(501)] {
            send(&mut li, json!({"type": "chat", "text": text})).await;
            let e = next_of(&mut li, "error").await;
            assert!(e["message"].as_str().unwrap().contains("1 to 500"), "{e}");
        }
        send(&mut li, json!({"type": "chat", "text": "长".repeat(500)})).await;
        assert_eq!(
            next_of(&mut li, "chat").await["text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            500
        );
        // Five messages in ten seconds each: 李总 has sent two; the sixth is refused.
        for i in 0..3 {
            send(
                &mut li,
                json!({"type": "chat", "text": format!("问题 {i}")}),
            )
            .await;
            next_of(&mut li, "chat").await;
        }
        send(&mut li, json!({"type": "chat", "text": "还有一个"})).await;
        let limited = next_of(&mut li, "error").await;
        assert!(
            limited["message"].as_str().unwrap().contains("at most 5"),
            "{limited}"
        );
        // The guide is limited on their own.
        send(&mut guide, json!({"type": "chat", "text": "请稍等"})).await;
        next_of(&mut li, "chat").await;

        // A newcomer gets the history, oldest first.
        let (_zhang, zw) = connect(&s, "张工", None).await;
        let history = zw["chat"].as_array().unwrap();
        let texts: Vec<&str> = history
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), 7, "{kind:?}: {texts:?}");
        assert_eq!(texts[0], "厂房层高多少？");
        assert_eq!(texts[6], "请稍等");
        assert_eq!(history[1]["name"], "王经理");

        // Kept with the tour: the promoters read it afterwards.
        drop(li);
        drop(guide);
        let path = format!("/api/tours/{}/chat", s.tour);
        let r = s
            .server
            .http
            .get(format!("{}{path}", s.server.base))
            .bearer_auth(&s.promoter)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let kept: Value = r.json().await.unwrap();
        let kept = kept.as_array().unwrap();
        assert_eq!(kept.len(), 7, "{kind:?}");
        assert_eq!(kept[0]["text"], "厂房层高多少？");
        assert_eq!(kept[0]["name"], "李总");
        assert_eq!(kept[0]["role"], "attendee");
        assert_eq!(kept[0]["link"], s.link);
        assert!(kept[0]["at"].as_i64().unwrap() > 1_700_000_000);
        // Officers and visitors may not.
        let r = s
            .server
            .http
            .get(format!("{}{path}", s.server.base))
            .bearer_auth(&s.officer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(s.server.get(&path).await.status(), 401);
        assert_eq!(
            (s.server
                .http
                .get(format!("{}/api/tours/99999/chat", s.server.base)))
            .bearer_auth(&s.promoter)
            .send()
            .await
            .unwrap()
            .status(),
            404
        );

        // Another link of the same tour is another audience: its session
        // starts without this one's questions.
        let other: Value = s
            .server
            .http
            .post(format!("{}/api/tours/{}/links", s.server.base, s.tour))
            .bearer_auth(&s.promoter)
            .json(&json!({"days": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = format!(
            "{}/api/live/{}",
            s.server.base.replace("http://", "ws://"),
            other["token"].as_str().unwrap()
        );
        let mut elsewhere = tokio_tungstenite::connect_async(url).await.unwrap().0;
        assert_eq!(next_of(&mut elsewhere, "welcome").await["chat"], json!([]));
    }
}

async fn enquire(s: &Setup, body: Value) -> reqwest::Response {
    s.server
        .http
        .post(format!("{}/api/leads", s.server.base))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn inbox(s: &Setup) -> Vec<Value> {
    let r = s
        .server
        .http
        .get(format!("{}/api/leads", s.server.base))
        .bearer_auth(&s.promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enquiry_from_a_tour_page_is_credited_to_the_tour_and_its_guide() {
    for kind in stores() {
        let s = setup(kind).await;
        let form = |token: &str| {
            json!({"company": "成都某生物医药有限公司", "contact": "李总 13800000000",
                "needs": "GMP 厂房 5000 平方米", "consent": true, "share_token": token})
        };
        let r = enquire(&s, form(&s.token)).await;
        assert_eq!(r.status(), 201, "{kind:?}: {}", r.text().await.unwrap());
        let leads = inbox(&s).await;
        let lead = &leads[0];
        assert_eq!(lead["tour"], s.tour, "{kind:?}: {lead}");
        assert_eq!(lead["source"], "tour");
        assert_eq!(lead["share_link"], s.link);
        assert_eq!(lead["credited_to"], "王经理");
        assert_eq!(lead["company"], "成都某生物医药有限公司");
        assert_eq!(lead["site"], Value::Null);

        // The map's form is unchanged: no credit.
        let r = enquire(
            &s,
            json!({"company": "另一家公司", "contact": "王 13900000000", "consent": true}),
        )
        .await;
        assert_eq!(r.status(), 201);
        let plain = &inbox(&s).await[0];
        assert_eq!(plain["source"], "map");
        assert_eq!(plain["credited_to"], Value::Null);
        assert_eq!(plain["share_link"], Value::Null);

        // A forged token names the field's problem; an expired or revoked
        // link says so; another tour's id beside the link is refused.
        let r = enquire(&s, form("1.2.forged")).await;
        assert_eq!(r.status(), 404);
        let e: Value = r.json().await.unwrap();
        assert!(e["message"].as_str().unwrap().contains("share link"), "{e}");
        let past = unix_now() as i64 - 60;
        let store = &s.server.state.store;
        let old = store
            .insert_share_link(s.tour, past, "王经理", past - 86_400)
            .await
            .unwrap();
        let expired = share_token(&s.server.state.access.signing_key, old, past);
        let r = enquire(&s, json!({"company": "过期公司", "contact": "赵 13700000000", "consent": true, "share_token": expired})).await;
        assert_eq!(r.status(), 410);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "link_expired");
        let r = s
            .server
            .http
            .delete(format!(
                "{}/api/tours/{}/links/{}",
                s.server.base, s.tour, s.link
            ))
            .bearer_auth(&s.promoter)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = enquire(&s, json!({"company": "撤销公司", "contact": "钱 13600000000", "consent": true, "share_token": s.token})).await;
        assert_eq!(r.status(), 410);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "link_revoked");
        let fresh: Value = s
            .server
            .http
            .post(format!("{}/api/tours/{}/links", s.server.base, s.tour))
            .bearer_auth(&s.promoter)
            .json(&json!({"days": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut wrong = form(fresh["token"].as_str().unwrap());
        wrong["contact"] = json!("孙 13500000000");
        wrong["tour"] = json!(s.tour + 1000);
        let r = enquire(&s, wrong).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("tour"));
        // Consent and the honeypot come first, as on the map.
        let mut no_consent = form(fresh["token"].as_str().unwrap());
        no_consent["consent"] = json!(false);
        assert_eq!(enquire(&s, no_consent).await.status(), 400);
        let mut bot = form("1.2.forged");
        bot["website"] = json!("http://spam.example");
        assert_eq!(enquire(&s, bot).await.status(), 201);
        assert_eq!(
            inbox(&s).await.len(),
            2,
            "{kind:?}: only the two real enquiries are kept"
        );
    }
}
