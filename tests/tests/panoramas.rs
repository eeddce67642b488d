//! Panoramas, tours, share links and live guided tours over real HTTP and
//! WebSocket: upload and background processing, refusals, served files,
//! permissions, the staff's listing, changes and deletions, hotspots, tour
//! updates, link forgery, expiry, revocation and view counts, and a
//! two-person live tour.

use std::io::Cursor;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use siteatlas_server::session::share_token;
use siteatlas_tests::{ServerOptions, StoreKind, TestServer, TestStore};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

/// A 2:1 JPEG with some structure (a gradient and a grid), `width` wide.
fn equirect_jpeg(width: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, width / 2, |x, y| {
        let grid = if x % 64 < 2 || y % 64 < 2 { 0 } else { 255 };
        image::Rgb([(x * 255 / width) as u8, (y * 510 / width) as u8, grid])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

async fn upload(
    server: &TestServer,
    token: Option<&str>,
    layer: &str,
    feature: u64,
    image: Vec<u8>,
    file_name: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("layer", layer.to_owned())
        .text("feature", feature.to_string())
        .text("title", "南门 <入口>")
        .text("heading_deg", "90")
        .part(
            "image",
            reqwest::multipart::Part::bytes(image)
                .file_name(file_name.to_owned())
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let mut req = server
        .http
        .post(format!("{}/api/panoramas", server.base))
        .multipart(form);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

struct Setup {
    server: TestServer,
    promoter: String,
    officer: String,
    plot: u64,
    other_plot: u64,
    _store: TestStore,
}

/// The stores to run on: SQLite, and PostGIS when the tests are given one.
fn stores() -> Vec<StoreKind> {
    let mut kinds = vec![StoreKind::Sqlite];
    if std::env::var_os("SITEATLAS_TEST_DATABASE_URL").is_some() {
        kinds.push(StoreKind::Postgis);
    }
    kinds
}

/// Waits for a scene to leave `processing`; returns it as it then is.
async fn settled(server: &TestServer, id: &Value) -> Value {
    let started = Instant::now();
    loop {
        let scene = server.get_json(&format!("/api/panoramas/{id}"), 200).await;
        if scene["status"] != "processing" {
            return scene;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "panorama {id} still processing after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Uploads a picture, expects it accepted, and waits until it is ready.
async fn upload_ready(s: &Setup, image: Vec<u8>, file_name: &str) -> Value {
    let r = upload(
        &s.server,
        Some(&s.promoter),
        "plots",
        s.plot,
        image,
        file_name,
    )
    .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let accepted: Value = r.json().await.unwrap();
    let scene = settled(&s.server, &accepted["id"]).await;
    assert_eq!(scene["status"], "ready", "{scene}");
    scene
}

async fn setup() -> Setup {
    setup_on(StoreKind::Sqlite).await
}

async fn setup_on(kind: StoreKind) -> Setup {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    // The demo's own scenes and tours are left out: these tests count what
    // they make themselves.
    for table in ["share_links", "tours", "hotspots", "panoramas"] {
        store.execute(&format!("DELETE FROM {table}")).await;
    }
    std::fs::remove_dir_all(server.state.config.data_dir.join("panoramas")).ok();
    let (plot, park, other_plot) = {
        let atlas = server.state.atlas.read();
        let first = atlas.plots.iter().next().unwrap();
        let park = first.feature.attrs.park.clone().unwrap();
        let other = atlas
            .plots
            .iter()
            .find(|e| e.feature.attrs.park.as_deref() != Some(&park))
            .unwrap();
        (first.feature.id, park, other.feature.id)
    };
    let promoter = server.token("promoter", &[]).await;
    let officer = server.token("officer", &[park]).await;
    Setup {
        server,
        promoter,
        officer,
        plot,
        other_plot,
        _store: store,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_process_and_serve() {
    let s = setup().await;
    let server = &s.server;
    let jpeg = equirect_jpeg(4096);
    let r = upload(
        server,
        Some(&s.promoter),
        "plots",
        s.plot,
        jpeg.clone(),
        "site.jpg",
    )
    .await;
    // Accepted at once; the images are made in the background.
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let accepted: Value = r.json().await.unwrap();
    assert_eq!(accepted["status"], "processing");
    assert_eq!(accepted["thumbnail_url"], Value::Null);
    assert_eq!(accepted["initial_view"], Value::Null);
    // Not shown to investors until it is ready.
    let listed = server
        .get_json(&format!("/api/plots/{}/panoramas", s.plot), 200)
        .await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != accepted["id"]),
        "{listed}"
    );
    let scene = settled(server, &accepted["id"]).await;
    assert_eq!(scene["status"], "ready", "{scene}");
    assert_eq!(scene["error"], Value::Null);
    assert_eq!(scene["title"], "南门 <入口>");
    assert_eq!(scene["heading_deg"], 90.0);
    assert_eq!(
        scene["levels"],
        json!([{"face_size": 512, "nb_tiles": 1}, {"face_size": 1024, "nb_tiles": 2}])
    );

    // The thumbnail and tiles: re-encoded JPEGs, immutable, never sniffed.
    let thumb = server.get(scene["thumbnail_url"].as_str().unwrap()).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert_eq!(thumb.headers()["x-content-type-options"], "nosniff");
    assert!(
        thumb.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 200));
    let tile_url = scene["tile_url_template"]
        .as_str()
        .unwrap()
        .replace("{level}", "1")
        .replace("{face}", "front")
        .replace("{row}", "1")
        .replace("{col}", "0");
    let tile = server.get(&tile_url).await;
    assert_eq!(tile.status(), 200, "{tile_url}");
    let tile = image::load_from_memory(&tile.bytes().await.unwrap()).unwrap();
    assert_eq!((tile.width(), tile.height()), (512, 512));
    // Outside the media folder, and files that are not there.
    for path in [
        "/media/panoramas/../siteatlas.db",
        "/media/panoramas/%2e%2e/siteatlas.db",
        "/media/panoramas/nope/thumb.jpg",
    ] {
        assert_eq!(server.get(path).await.status(), 404, "{path}");
    }

    // Listed with the feature, and readable one by one.
    let listed = server
        .get_json(&format!("/api/plots/{}/panoramas", s.plot), 200)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], scene["id"]);
    let again = server
        .get_json(&format!("/api/panoramas/{}", scene["id"]), 200)
        .await;
    assert_eq!(again["thumbnail_url"], scene["thumbnail_url"]);
    assert_eq!(server.get("/api/panoramas/999999").await.status(), 404);
    // Nothing left behind in the upload folder.
    let uploads = server.state.config.data_dir.join("uploads");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        0,
        "temporary uploads remain"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_quickly() {
    let s = setup().await;
    let server = &s.server;
    let good = equirect_jpeg(2048);
    // A PNG header claiming 100000 x 50000 pixels, and nothing else.
    let mut claimed = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    claimed.extend(100_000u32.to_be_bytes());
    claimed.extend(50_000u32.to_be_bytes());
    claimed.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let square = {
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(2048, 2048)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    };
    // Refused at once from the header; a file whose header is fine but
    // whose data is not (truncated) is accepted and then fails processing.
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "text named .jpg",
            b"just some text, not a picture".to_vec(),
            415,
        ),
        ("claims 100000x50000", claimed, 422),
        ("square", square, 422),
    ];
    for (what, bytes, want) in cases {
        let started = Instant::now();
        let r = upload(
            server,
            Some(&s.promoter),
            "plots",
            s.plot,
            bytes,
            "photo.jpg",
        )
        .await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, want, "{what}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what} took {:?}",
            started.elapsed()
        );
    }
    let r = upload(
        server,
        Some(&s.promoter),
        "plots",
        s.plot,
        good[..good.len() / 3].to_vec(),
        "truncated.jpg",
    )
    .await;
    assert_eq!(r.status(), 202);
    let accepted: Value = r.json().await.unwrap();
    let failed = settled(server, &accepted["id"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("truncated"),
        "{failed}"
    );
    assert_eq!(failed["thumbnail_url"], Value::Null);

    // Who may upload where. A refusal before the upload is read ends the
    // connection, so that the client does not send its next request on it.
    let anonymous = upload(server, None, "plots", s.plot, good.clone(), "a.jpg").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["connection"], "close");
    assert_eq!(
        upload(
            server,
            Some(&s.officer),
            "plots",
            s.other_plot,
            good.clone(),
            "a.jpg"
        )
        .await
        .status(),
        403
    );
    let mine = upload(
        server,
        Some(&s.officer),
        "plots",
        s.plot,
        good.clone(),
        "a.jpg",
    )
    .await;
    assert_eq!(mine.status(), 202);
    let mine: Value = mine.json().await.unwrap();
    assert_eq!(
        upload(server, Some(&s.promoter), "pois", 1, good.clone(), "a.jpg")
            .await
            .status(),
        400
    );
    assert_eq!(
        upload(server, Some(&s.promoter), "plots", 987_654, good, "a.jpg")
            .await
            .status(),
        404
    );
    // Once everything is processed, nothing is left in the upload folder.
    assert_eq!(settled(server, &mine["id"]).await["status"], "ready");
    let uploads = server.state.config.data_dir.join("uploads");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        0,
        "temporary uploads remain"
    );
}

/// Two scenes of the plot, the first with a hotspot to the second.
async fn two_scenes(s: &Setup) -> (i64, i64) {
    let server = &s.server;
    let a = upload_ready(s, equirect_jpeg(2048), "a.jpg").await;
    // Another picture, so another folder.
    let mut other = equirect_jpeg(2048);
    other = {
        let mut img = image::load_from_memory(&other).unwrap().to_rgb8();
        img.put_pixel(10, 10, image::Rgb([255, 0, 0]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        std::mem::take(&mut other);
        out.into_inner()
    };
    let b = upload_ready(s, other, "b.png").await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let r = server
        .http
        .post(format!("{}/api/panoramas/{a}/hotspots", server.base))
        .bearer_auth(&s.promoter)
        .json(&json!({"yaw_deg": 30.0, "pitch_deg": -5.0, "target": b}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let scene: Value = r.json().await.unwrap();
    assert_eq!(scene["hotspots"][0]["target"], b);
    for bad in [
        json!({"yaw_deg": 500.0, "pitch_deg": 0.0, "note": "x"}),
        json!({"yaw_deg": 0.0, "pitch_deg": 0.0}),
        json!({"yaw_deg": 0.0, "pitch_deg": 0.0, "target": a}),
    ] {
        let r = server
            .http
            .post(format!("{}/api/panoramas/{a}/hotspots", server.base))
            .bearer_auth(&s.promoter)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_are_signed_expiring_and_revocable() {
    let s = setup().await;
    let server = &s.server;
    let (a, b) = two_scenes(&s).await;
    let create = |token: &str| {
        server
            .http
            .post(format!("{}/api/tours", server.base))
            .bearer_auth(token)
            .json(&json!({"title": "温江医学城云看地", "stops": [{"panorama": a, "note": "南门"}, {"panorama": b, "note": "地块东侧"}]}))
            .send()
    };
    assert_eq!(create(&s.officer).await.unwrap().status(), 403);
    let r = create(&s.promoter).await.unwrap();
    assert_eq!(r.status(), 201);
    let tour: Value = r.json().await.unwrap();
    let tour_id = tour["id"].as_i64().unwrap();
    assert_eq!(tour["stops"][1]["scene"]["id"], b);

    let r = server
        .http
        .post(format!("{}/api/tours/{tour_id}/links", server.base))
        .bearer_auth(&s.promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.unwrap();
    let token = link["token"].as_str().unwrap().to_owned();
    let days = (link["expires_at"].as_i64().unwrap() - siteatlas_server::clock::unix_now() as i64)
        as f64
        / 86_400.0;
    assert!(
        (days - 7.0).abs() < 0.01,
        "default lifetime 7 days, got {days}"
    );

    // No account needed.
    let shared = server.get_json(&format!("/api/shared/{token}"), 200).await;
    assert_eq!(shared["tour"]["title"], "温江医学城云看地");
    assert_eq!(
        shared["tour"]["stops"][0]["scene"]["hotspots"][0]["target"],
        b
    );

    // Forgeries: another link id or expiry under the same signature, a signature changed.
    let parts: Vec<&str> = token.split('.').collect();
    let forged = [
        format!(
            "{}.{}.{}",
            parts[0].parse::<i64>().unwrap() + 1,
            parts[1],
            parts[2]
        ),
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1].parse::<i64>().unwrap() + 86_400,
            parts[2]
        ),
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            parts[2].replace(|c: char| c.is_ascii_digit(), "a")
        ),
        "garbage".to_owned(),
    ];
    for f in &forged {
        assert_eq!(
            server.get(&format!("/api/shared/{f}")).await.status(),
            404,
            "{f}"
        );
    }

    // Expired: a genuine signature over a past expiry.
    let past = siteatlas_server::clock::unix_now() as i64 - 60;
    let old = server
        .state
        .store
        .insert_share_link(tour_id, past, "promoter", past - 86_400)
        .await
        .unwrap();
    let expired = share_token(&server.state.access.signing_key, old, past);
    let r = server.get(&format!("/api/shared/{expired}")).await;
    assert_eq!(r.status(), 410);

    // Revoked: gone at once.
    let link_id = link["id"].as_i64().unwrap();
    let revoke = server
        .http
        .delete(format!(
            "{}/api/tours/{tour_id}/links/{link_id}",
            server.base
        ))
        .bearer_auth(&s.promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let r = server.get(&format!("/api/shared/{token}")).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("withdrawn"));
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, token: &str, name: &str, bearer: Option<&str>) -> Socket {
    let url = format!(
        "{}/api/live/{token}?name={name}",
        server.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(b) = bearer {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {b}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
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

async fn send(socket: &mut Socket, v: Value) {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_tour_with_two_people() {
    let s = setup().await;
    let server = &s.server;
    let (a, b) = two_scenes(&s).await;
    let tour: Value = server
        .http
        .post(format!("{}/api/tours", server.base))
        .bearer_auth(&s.promoter)
        .json(&json!({"title": "live", "stops": [{"panorama": a}, {"panorama": b}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link: Value = server
        .http
        .post(format!("{}/api/tours/{}/links", server.base, tour["id"]))
        .bearer_auth(&s.promoter)
        .json(&json!({"days": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = link["token"].as_str().unwrap();

    let mut guide = connect(server, token, "guide", Some(&s.promoter)).await;
    let welcome = next_of(&mut guide, "welcome").await;
    assert_eq!(welcome["role"], "guide");
    let guide_id = welcome["you"].clone();
    assert_eq!(
        welcome["controller"], guide_id,
        "a guide takes control of an empty session"
    );

    let mut visitor = connect(server, token, "investor", None).await;
    let welcome = next_of(&mut visitor, "welcome").await;
    assert_eq!(welcome["role"], "attendee");
    let visitor_id = welcome["you"].clone();
    let presence = next_of(&mut guide, "presence").await;
    assert_eq!(
        presence["people"].as_array().unwrap().len(),
        2,
        "{presence}"
    );

    // The guide goes to the second stop; the visitor follows.
    let started = Instant::now();
    send(
        &mut guide,
        json!({"type": "go", "stop": 1, "scene": b, "yaw": 42.0, "pitch": -10.0, "zoom": 60}),
    )
    .await;
    let moved = next_of(&mut visitor, "state").await;
    let latency = started.elapsed();
    eprintln!("guide to visitor on loopback: {latency:?}");
    assert_eq!(moved["seq"], 1);
    assert_eq!(moved["stop"], 1);
    assert_eq!(
        moved["view"],
        json!({"scene": b, "yaw": 42.0, "pitch": -10.0, "zoom": 60.0})
    );
    assert!(latency < Duration::from_millis(1000), "{latency:?}");

    // A pan of the scene the tour has left (sent just before the change) is
    // dropped; the next pan of the current scene goes through, numbered on.
    send(
        &mut guide,
        json!({"type": "view", "scene": a, "yaw": 7.0, "pitch": 0.0, "zoom": 60}),
    )
    .await;
    send(
        &mut guide,
        json!({"type": "view", "scene": b, "yaw": 50.0, "pitch": -5.0, "zoom": 60}),
    )
    .await;
    let panned = next_of(&mut visitor, "state").await;
    assert_eq!(panned["seq"], 2, "{panned}");
    assert_eq!(panned["stop"], 1, "a pan keeps the stop");
    assert_eq!(panned["view"]["scene"], b);
    assert_eq!(panned["view"]["yaw"], 50.0);

    // The visitor cannot steer until handed control; then can; then the guide takes it back.
    send(
        &mut visitor,
        json!({"type": "view", "scene": a, "yaw": 0, "pitch": 0}),
    )
    .await;
    assert!(
        next_of(&mut visitor, "error").await["message"]
            .as_str()
            .unwrap()
            .contains("control")
    );
    send(
        &mut guide,
        json!({"type": "hand_control", "to": visitor_id}),
    )
    .await;
    assert_eq!(
        next_of(&mut visitor, "presence").await["controller"],
        visitor_id
    );
    send(
        &mut visitor,
        json!({"type": "go", "stop": 0, "scene": a, "yaw": 5, "pitch": 1}),
    )
    .await;
    let led = next_of(&mut guide, "state").await;
    assert_eq!(
        (led["seq"].clone(), led["stop"].clone()),
        (json!(3), json!(0))
    );
    assert_eq!(led["view"]["scene"], a);
    send(
        &mut visitor,
        json!({"type": "hand_control", "to": guide_id}),
    )
    .await;
    assert!(
        next_of(&mut visitor, "error").await["message"]
            .as_str()
            .unwrap()
            .contains("guide")
    );
    send(&mut guide, json!({"type": "take_control"})).await;
    assert_eq!(
        next_of(&mut visitor, "presence").await["controller"],
        guide_id
    );

    // A visitor who drops out and comes back rejoins where the tour is.
    visitor.close(None).await.unwrap();
    // (The guide may first hear the presence its own take-back caused.)
    loop {
        let presence = next_of(&mut guide, "presence").await;
        if presence["people"].as_array().unwrap().len() == 1 {
            break;
        }
    }
    send(
        &mut guide,
        json!({"type": "go", "stop": 1, "scene": b, "yaw": -90.0, "pitch": 0.0, "zoom": 40}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut back = connect(server, token, "investor", None).await;
    let welcome = next_of(&mut back, "welcome").await;
    assert_eq!(
        welcome["state"],
        json!({"seq": 4, "stop": 1, "view": {"scene": b, "yaw": -90.0, "pitch": 0.0, "zoom": 40.0}})
    );
    assert_eq!(welcome["controller"], guide_id);

    // Revoking the link ends the session: everyone is told why and let go,
    // and no one gets in again.
    let r = server
        .http
        .delete(format!(
            "{}/api/tours/{}/links/{}",
            server.base, tour["id"], link["id"]
        ))
        .bearer_auth(&s.promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for socket in [&mut back, &mut guide] {
        assert_eq!(next_of(socket, "ended").await["reason"], "revoked");
        let closed = tokio::time::timeout(Duration::from_secs(3), async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    None | Some(Err(_)) => return None,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await
        .expect("the socket closes after `ended`");
        assert_eq!(closed, Some(4410));
    }
    let url = format!(
        "{}/api/live/{token}",
        server.base.replace("http://", "ws://")
    );
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

/// A request with a promoter's, officer's or no token.
fn with_token(req: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

async fn patch(
    server: &TestServer,
    token: Option<&str>,
    id: &Value,
    body: Value,
) -> reqwest::Response {
    with_token(
        server
            .http
            .patch(format!("{}/api/panoramas/{id}", server.base))
            .json(&body),
        token,
    )
    .send()
    .await
    .unwrap()
}

async fn delete(server: &TestServer, token: Option<&str>, path: &str) -> u16 {
    with_token(server.http.delete(format!("{}{path}", server.base)), token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn list(server: &TestServer, token: Option<&str>, query: &str) -> reqwest::Response {
    with_token(
        server
            .http
            .get(format!("{}/api/panoramas{query}", server.base)),
        token,
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_list_and_change_scenes() {
    for kind in stores() {
        let s = setup_on(kind).await;
        let server = &s.server;
        let (a, b) = two_scenes(&s).await;
        // Another park's scene, which the officer may neither see nor change.
        let r = upload(
            server,
            Some(&s.promoter),
            "plots",
            s.other_plot,
            equirect_jpeg(2048),
            "c.jpg",
        )
        .await;
        assert_eq!(r.status(), 202);
        let c = settled(server, &r.json::<Value>().await.unwrap()["id"]).await["id"].clone();

        // The listing: staff only, every state, filtered by layer and feature.
        assert_eq!(list(server, None, "").await.status(), 401, "{kind:?}");
        let all: Value = list(server, Some(&s.promoter), "")
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&Value> = all.as_array().unwrap().iter().map(|p| &p["id"]).collect();
        assert_eq!(ids, [&json!(a), &json!(b), &c], "{kind:?}");
        assert!(
            all[0]["thumbnail_url"]
                .as_str()
                .unwrap()
                .ends_with("thumb.jpg")
        );
        let of_plot: Value = list(
            server,
            Some(&s.promoter),
            &format!("?layer=plots&feature={}", s.plot),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(of_plot.as_array().unwrap().len(), 2);
        let mine: Value = list(server, Some(&s.officer), "")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            mine.as_array().unwrap().len(),
            2,
            "officers see their parks' scenes"
        );
        for bad in [
            "?layer=pois",
            "?layer=nope",
            "?feature=3",
            "?feature=x",
            "?colour=red",
        ] {
            assert_eq!(
                list(server, Some(&s.promoter), bad).await.status(),
                400,
                "{bad}"
            );
        }

        // Title, position and heading, and the initial view.
        let r = patch(
            server,
            Some(&s.promoter),
            &json!(a),
            json!({"title": " 北门 ", "lon": 103.85, "lat": 30.68, "heading_deg": 270.0,
                   "initial_view": {"yaw_deg": -30.0, "pitch_deg": 5.0, "zoom": 40.0}}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let changed: Value = r.json().await.unwrap();
        assert_eq!(changed["title"], "北门");
        assert_eq!(
            (changed["lon"].clone(), changed["lat"].clone()),
            (json!(103.85), json!(30.68))
        );
        assert_eq!(changed["heading_deg"], 270.0);
        assert_eq!(
            changed["initial_view"],
            json!({"yaw_deg": -30.0, "pitch_deg": 5.0, "zoom": 40.0})
        );
        // A change of one field leaves the others.
        let r = patch(
            server,
            Some(&s.officer),
            &json!(a),
            json!({"heading_deg": 10.5}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let again = server.get_json(&format!("/api/panoramas/{a}"), 200).await;
        assert_eq!(again["heading_deg"], 10.5);
        assert_eq!(again["title"], "北门");
        assert_eq!(again["lon"], 103.85);
        assert_eq!(again["initial_view"]["zoom"], 40.0);

        // Refusals, and nothing changed by them.
        for bad in [
            json!({}),
            json!({"lon": 103.0}),
            json!({"lon": 200.0, "lat": 30.0}),
            json!({"heading_deg": -1.0}),
            json!({"initial_view": {"yaw_deg": 0.0, "pitch_deg": 95.0, "zoom": 50.0}}),
            json!({"initial_view": {"yaw_deg": 0.0, "pitch_deg": 0.0, "zoom": 101.0}}),
            json!({"title": "长".repeat(201)}),
        ] {
            assert_eq!(
                patch(server, Some(&s.promoter), &json!(a), bad.clone())
                    .await
                    .status(),
                400,
                "{bad}"
            );
        }
        for (bad, want) in [
            (json!({"colour": "red"}), 422),
            (json!({"heading_deg": "east"}), 422),
        ] {
            assert_eq!(
                patch(server, Some(&s.promoter), &json!(a), bad.clone())
                    .await
                    .status(),
                want,
                "{bad}"
            );
        }
        assert_eq!(
            patch(server, None, &json!(a), json!({"title": "x"}))
                .await
                .status(),
            401
        );
        assert_eq!(
            patch(server, Some(&s.officer), &c, json!({"title": "x"}))
                .await
                .status(),
            403
        );
        assert_eq!(
            patch(
                server,
                Some(&s.promoter),
                &json!(987_654),
                json!({"title": "x"})
            )
            .await
            .status(),
            404
        );
        assert_eq!(
            server.get_json(&format!("/api/panoramas/{a}"), 200).await["heading_deg"],
            10.5
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_hotspots_and_scenes() {
    for kind in stores() {
        let s = setup_on(kind).await;
        let server = &s.server;
        let (a, b) = two_scenes(&s).await;
        let add_note = |scene: i64| {
            server
                .http
                .post(format!("{}/api/panoramas/{scene}/hotspots", server.base))
                .bearer_auth(&s.promoter)
                .json(&json!({"yaw_deg": -60.0, "pitch_deg": 0.0, "note": "配电房"}))
                .send()
        };
        let note: Value = add_note(a).await.unwrap().json().await.unwrap();
        let note_id = note["hotspots"][1]["id"].clone();
        // b leads back to a, so deleting a must take that hotspot too.
        let back = server
            .http
            .post(format!("{}/api/panoramas/{b}/hotspots", server.base))
            .bearer_auth(&s.promoter)
            .json(&json!({"yaw_deg": 150.0, "pitch_deg": 0.0, "target": a}))
            .send()
            .await
            .unwrap();
        assert_eq!(back.status(), 201);

        // A hotspot: only staff of the park, only of its own scene.
        let path = format!("/api/panoramas/{a}/hotspots/{note_id}");
        assert_eq!(delete(server, None, &path).await, 401);
        let stranger = server.token("officer", &["nowhere".to_owned()]).await;
        assert_eq!(delete(server, Some(&stranger), &path).await, 403);
        assert_eq!(
            delete(
                server,
                Some(&s.promoter),
                &format!("/api/panoramas/{b}/hotspots/{note_id}")
            )
            .await,
            404
        );
        assert_eq!(delete(server, Some(&s.officer), &path).await, 204);
        assert_eq!(delete(server, Some(&s.officer), &path).await, 404);
        let scene = server.get_json(&format!("/api/panoramas/{a}"), 200).await;
        assert_eq!(scene["hotspots"].as_array().unwrap().len(), 1, "{scene}");
        assert_eq!(scene["hotspots"][0]["target"], b);

        // A tour through both scenes, and the same picture as a in a third scene.
        let tour: Value = server
            .http
            .post(format!("{}/api/tours", server.base))
            .bearer_auth(&s.promoter)
            .json(&json!({"title": "t", "stops": [{"panorama": a, "note": "1"}, {"panorama": b, "note": "2"}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let twin = upload_ready(&s, equirect_jpeg(2048), "again.jpg").await;
        let a_scene = server.get_json(&format!("/api/panoramas/{a}"), 200).await;
        let b_scene = server.get_json(&format!("/api/panoramas/{b}"), 200).await;
        assert_eq!(
            twin["thumbnail_url"], a_scene["thumbnail_url"],
            "one folder per picture"
        );
        let folder = |scene: &Value| {
            let url = scene["thumbnail_url"].as_str().unwrap();
            let content = url.split('/').nth_back(1).unwrap().to_owned();
            server.state.config.data_dir.join("panoramas").join(content)
        };
        assert!(folder(&a_scene).is_dir());

        assert_eq!(
            delete(server, None, &format!("/api/panoramas/{a}")).await,
            401
        );
        assert_eq!(
            delete(server, Some(&stranger), &format!("/api/panoramas/{a}")).await,
            403
        );
        assert_eq!(
            delete(server, Some(&s.promoter), &format!("/api/panoramas/{a}")).await,
            204
        );
        assert_eq!(
            delete(server, Some(&s.promoter), &format!("/api/panoramas/{a}")).await,
            404
        );
        assert_eq!(
            server.get(&format!("/api/panoramas/{a}")).await.status(),
            404
        );
        // Its picture is still the twin's; the hotspot leading to it is gone,
        // and so is its stop.
        assert!(
            folder(&a_scene).is_dir(),
            "another scene still shows the picture"
        );
        assert_eq!(
            server
                .get(a_scene["thumbnail_url"].as_str().unwrap())
                .await
                .status(),
            200
        );
        let b_now = server.get_json(&format!("/api/panoramas/{b}"), 200).await;
        assert_eq!(b_now["hotspots"], json!([]), "{b_now}");
        let tour_now: Value = server
            .http
            .get(format!("{}/api/tours/{}", server.base, tour["id"]))
            .bearer_auth(&s.promoter)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stops = tour_now["stops"].as_array().unwrap();
        assert_eq!(stops.len(), 1, "{tour_now}");
        assert_eq!(stops[0]["scene"]["id"], b);
        let listed: Value = list(server, Some(&s.promoter), "")
            .await
            .json()
            .await
            .unwrap();
        assert!(listed.as_array().unwrap().iter().all(|p| p["id"] != a));

        // The last scenes of their pictures: their folders go with them.
        for scene in [&twin, &b_scene] {
            assert_eq!(
                delete(
                    server,
                    Some(&s.promoter),
                    &format!("/api/panoramas/{}", scene["id"])
                )
                .await,
                204
            );
            assert!(!folder(scene).exists(), "{} left its images", scene["id"]);
        }
        assert_eq!(
            server
                .get(a_scene["thumbnail_url"].as_str().unwrap())
                .await
                .status(),
            404
        );
        // A failed scene has no folder and deletes all the same.
        let r = upload(
            server,
            Some(&s.promoter),
            "plots",
            s.plot,
            equirect_jpeg(2048)[..3000].to_vec(),
            "x.jpg",
        )
        .await;
        let failed = settled(server, &r.json::<Value>().await.unwrap()["id"]).await;
        assert_eq!(failed["status"], "failed");
        assert_eq!(
            delete(
                server,
                Some(&s.promoter),
                &format!("/api/panoramas/{}", failed["id"])
            )
            .await,
            204
        );
        let left: Vec<_> = std::fs::read_dir(server.state.config.data_dir.join("panoramas"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tours_are_updated_and_links_counted() {
    for kind in stores() {
        let s = setup_on(kind).await;
        let server = &s.server;
        let (a, b) = two_scenes(&s).await;
        let tours = |token: Option<&str>| {
            with_token(server.http.get(format!("{}/api/tours", server.base)), token).send()
        };
        assert_eq!(tours(None).await.unwrap().status(), 401);
        assert_eq!(tours(Some(&s.officer)).await.unwrap().status(), 403);
        assert_eq!(
            tours(Some(&s.promoter))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap(),
            json!([])
        );
        let tour: Value = server
            .http
            .post(format!("{}/api/tours", server.base))
            .bearer_auth(&s.promoter)
            .json(&json!({"title": "第一版", "stops": [{"panorama": a}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = tour["id"].as_i64().unwrap();

        // PUT replaces the title and stops, in the order given.
        let put = |token: Option<&str>, tour: i64, body: Value| {
            with_token(
                server
                    .http
                    .put(format!("{}/api/tours/{tour}", server.base))
                    .json(&body),
                token,
            )
            .send()
        };
        let body = json!({"title": " 第二版 ", "stops": [{"panorama": b, "note": "先看东侧"}, {"panorama": a, "note": "南门"}]});
        let r = put(Some(&s.promoter), id, body.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        let updated: Value = r.json().await.unwrap();
        assert_eq!(updated["title"], "第二版");
        assert_eq!(updated["stops"][0]["scene"]["id"], b);
        assert_eq!(updated["stops"][0]["note"], "先看东侧");
        assert_eq!(updated["stops"][1]["scene"]["id"], a);
        let listed: Value = tours(Some(&s.promoter))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["title"], "第二版");
        assert_eq!(
            listed[0]["stops"],
            json!([{"panorama": b, "note": "先看东侧"}, {"panorama": a, "note": "南门"}])
        );
        assert_eq!(put(None, id, body.clone()).await.unwrap().status(), 401);
        assert_eq!(
            put(Some(&s.officer), id, body.clone())
                .await
                .unwrap()
                .status(),
            403
        );
        assert_eq!(
            put(Some(&s.promoter), 987_654, body.clone())
                .await
                .unwrap()
                .status(),
            404
        );
        for (bad, want) in [
            (json!({"title": "", "stops": [{"panorama": a}]}), 400),
            (json!({"title": "x", "stops": []}), 400),
            (json!({"title": "x", "stops": [{"panorama": 987_654}]}), 404),
            (json!({"title": "x"}), 422),
        ] {
            assert_eq!(
                put(Some(&s.promoter), id, bad.clone())
                    .await
                    .unwrap()
                    .status(),
                want,
                "{bad}"
            );
        }
        let unchanged: Value = tours(Some(&s.promoter))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            unchanged[0]["title"], "第二版",
            "a refused update changes nothing"
        );

        // Links: listed with their state and how often each was opened.
        let links_of = |token: Option<&str>, tour: i64| {
            with_token(
                server
                    .http
                    .get(format!("{}/api/tours/{tour}/links", server.base)),
                token,
            )
            .send()
        };
        let make = || {
            server
                .http
                .post(format!("{}/api/tours/{id}/links", server.base))
                .bearer_auth(&s.promoter)
                .json(&json!({"days": 3}))
                .send()
        };
        let first: Value = make().await.unwrap().json().await.unwrap();
        let second: Value = make().await.unwrap().json().await.unwrap();
        for _ in 0..3 {
            server
                .get_json(
                    &format!("/api/shared/{}", first["token"].as_str().unwrap()),
                    200,
                )
                .await;
        }
        server
            .get_json(
                &format!("/api/shared/{}", second["token"].as_str().unwrap()),
                200,
            )
            .await;
        // A forged token counts nothing.
        server
            .get(&format!(
                "/api/shared/{}x",
                first["token"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            delete(
                server,
                Some(&s.promoter),
                &format!("/api/tours/{id}/links/{}", second["id"])
            )
            .await,
            204
        );
        // Opening a revoked link is refused and not counted.
        assert_eq!(
            server
                .get(&format!(
                    "/api/shared/{}",
                    second["token"].as_str().unwrap()
                ))
                .await
                .status(),
            410
        );
        let links: Value = links_of(Some(&s.promoter), id)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
        assert_eq!(links[0]["id"], second["id"], "newest first");
        assert_eq!(links[0]["state"], "revoked");
        assert_eq!(links[0]["views"], 1);
        assert_eq!(links[1]["state"], "live");
        assert_eq!(links[1]["views"], 3);
        assert_eq!(links[1]["token"], first["token"]);
        assert_eq!(links[1]["url"], first["url"]);
        assert_eq!(links[1]["expires_at"], first["expires_at"]);
        assert_eq!(links_of(None, id).await.unwrap().status(), 401);
        assert_eq!(links_of(Some(&s.officer), id).await.unwrap().status(), 403);
        assert_eq!(
            links_of(Some(&s.promoter), 987_654).await.unwrap().status(),
            404
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_fails_the_processing_it_lost() {
    for kind in stores() {
        let s = setup_on(kind).await;
        let now = siteatlas_server::clock::unix_now() as i64;
        let stored = |created_at: i64| siteatlas_server::store::NewPanorama {
            content_id: String::new(),
            layer: "plots".into(),
            feature_id: s.plot as i64,
            title: "lost".into(),
            lon: None,
            lat: None,
            heading_deg: 0.0,
            width: 2048,
            height: 1024,
            levels: "[]".into(),
            created_by: "promoter".into(),
            created_at,
            status: siteatlas_server::store::PanoramaStatus::Processing,
        };
        // What a server was processing when it stopped: long ago, and just now.
        let store = &s.server.state.store;
        let old = store.insert_panorama(&stored(now - 7200)).await.unwrap();
        let recent = store.insert_panorama(&stored(now)).await.unwrap();

        let again = TestServer::start(&s._store, ServerOptions::default()).await;
        let old = again.get_json(&format!("/api/panoramas/{old}"), 200).await;
        assert_eq!(old["status"], "failed", "{kind:?}: {old}");
        assert!(old["error"].as_str().unwrap().contains("restart"));
        let recent = again
            .get_json(&format!("/api/panoramas/{recent}"), 200)
            .await;
        // SQLite has one server: all it was processing is lost. Servers
        // sharing PostGIS may still be processing a recent upload.
        let want = match kind {
            StoreKind::Sqlite => "failed",
            StoreKind::Postgis => "processing",
        };
        assert_eq!(recent["status"], want, "{kind:?}: {recent}");
    }
}
