//! Browser sessions: signing in with a token gives an HttpOnly cookie that
//! works for edits from this server's pages only, ends with the token, and
//! cannot be forged; failed sign-ins are limited.

use serde_json::{Value, json};
use siteatlas_server::auth::new_token;
use siteatlas_server::session::token_hash;
use siteatlas_tests::{STORES, ServerOptions, TestServer, TestStore};
use siteatlas_tiles::PlotStatus;

async fn token(server: &TestServer, role: &str, parks: &[String]) -> (String, i64) {
    let t = new_token().unwrap();
    let id = server
        .state
        .store
        .create_token("officer Li", role, parks, &token_hash(&t))
        .await
        .unwrap();
    (t, id)
}

async fn sign_in(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .http
        .post(format!("{}/api/session", server.base))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

/// The `name=value` part of the response's session cookie.
fn cookie_of(response: &reqwest::Response) -> String {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn with_cookie(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
) -> reqwest::RequestBuilder {
    server
        .http
        .request(method, format!("{}{path}", server.base))
        .header("cookie", cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_stands_for_its_token() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plot, park) = {
            let atlas = server.state.atlas.read();
            let e = atlas
                .plots
                .iter()
                .find(|e| e.feature.attrs.status == PlotStatus::Available)
                .unwrap();
            (e.feature.id, e.feature.attrs.park.clone().unwrap())
        };
        let (officer, officer_id) = token(&server, "officer", std::slice::from_ref(&park)).await;

        let response = sign_in(&server, &officer).await;
        assert_eq!(response.status(), 200, "{kind:?}");
        let set_cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(set_cookie.contains(attribute), "{set_cookie}");
        }
        assert!(
            !set_cookie.contains(&officer),
            "the cookie must not hold the token"
        );
        let cookie = cookie_of(&response);
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["signed_in"], true);
        assert_eq!(me["role"], "officer");
        assert_eq!(me["parks"], json!([park]));
        assert_eq!(
            me["plot_transitions"]["available"],
            json!(["reserved"]),
            "{me}"
        );

        let me = with_cookie(&server, reqwest::Method::GET, "/api/session", &cookie)
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);

        // An edit with the cookie, from this server's page.
        let etag = server.get(&format!("/api/plots/{plot}")).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let edit = |origin: &'static str, etag: String| {
            let server = &server;
            let cookie = cookie.clone();
            async move {
                with_cookie(
                    server,
                    reqwest::Method::PATCH,
                    &format!("/api/plots/{plot}"),
                    &cookie,
                )
                .await
                .header("if-match", etag)
                .header("origin", origin)
                .json(&json!({"status": "reserved", "note": "意向书已签"}))
                .send()
                .await
                .unwrap()
            }
        };
        // From another site: refused before anything is looked at.
        let foreign = edit("https://evil.example", etag.clone()).await;
        assert_eq!(foreign.status(), 403, "{kind:?}");
        let own_origin: &'static str = Box::leak(server.base.clone().into_boxed_str());
        let done = edit(own_origin, etag).await;
        assert_eq!(
            done.status(),
            200,
            "{kind:?}: {}",
            done.text().await.unwrap()
        );
        let history: Value = server
            .get_json(&format!("/api/plots/{plot}/history"), 200)
            .await;
        assert_eq!(history[0]["actor"], "officer Li");

        // A forged cookie (another expiry, same signature) and a garbage one.
        let (name, value) = cookie.split_once('=').unwrap();
        let mut parts: Vec<&str> = value.split('.').collect();
        let later = (u64::MAX / 2).to_string();
        parts[1] = &later;
        let forged = format!("{name}={}", parts.join("."));
        // Asked of the session, they mean "not signed in", and are cleared.
        for bad in [forged.as_str(), "siteatlas_session=abc.1.00"] {
            let r = with_cookie(&server, reqwest::Method::GET, "/api/session", bad)
                .await
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{bad}");
            assert!(
                r.headers()["set-cookie"]
                    .to_str()
                    .unwrap()
                    .contains("Max-Age=0")
            );
            let body: Value = r.json().await.unwrap();
            assert_eq!(body, json!({"signed_in": false}), "{bad}");
            // Anything else they are used for is refused.
            let r = with_cookie(&server, reqwest::Method::GET, "/api/leads", bad)
                .await
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{bad}");
        }
        // A visitor who never signed in: 200, not an error.
        let r = server
            .http
            .get(format!("{}/api/session", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("set-cookie").is_none());
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({"signed_in": false}));
        // A wrong bearer token is a claim that fails: 401.
        let r = server
            .http
            .get(format!("{}/api/session", server.base))
            .bearer_auth("sat_not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // Revoking the token ends the session at once.
        assert!(server.state.store.revoke_token(officer_id).await.unwrap());
        let r = with_cookie(&server, reqwest::Method::GET, "/api/session", &cookie)
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["signed_in"], false);
        let r = with_cookie(&server, reqwest::Method::GET, "/api/leads", &cookie)
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // Signing out clears the cookie.
        let out = with_cookie(&server, reqwest::Method::DELETE, "/api/session", &cookie)
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 204);
        assert!(
            out.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_limited() {
    let store = TestStore::new(siteatlas_tests::StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let (good, _) = token(&server, "admin", &[]).await;
    for _ in 0..10 {
        assert_eq!(sign_in(&server, "sa_wrong").await.status(), 401);
    }
    let limited = sign_in(&server, "sa_wrong").await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // Even the right token waits: the limit is on the address, not the token.
    assert_eq!(sign_in(&server, &good).await.status(), 429);
}
