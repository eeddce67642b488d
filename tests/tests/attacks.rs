//! Hostile input: SQL injection strings in every kind of parameter, path
//! traversal on the file routes, the CORS policy and security headers, and
//! secrets kept out of the logs.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore, siteatlas_bin};

const INJECTIONS: [&str; 6] = [
    "' OR '1'='1",
    "1; DROP TABLE plots; --",
    "x'); DELETE FROM api_tokens; --",
    "\" OR \"\"=\"",
    "1 UNION SELECT token_hash FROM api_tokens",
    "$1); DROP TABLE leads; --",
];

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_strings_are_only_data() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let admin = server.token("admin", &[]).await;
        let plots_before = server
            .get_json("/collections/plots/items?limit=1", 200)
            .await["numberMatched"]
            .clone();
        let plot = server
            .state
            .atlas
            .read()
            .plots
            .iter()
            .next()
            .unwrap()
            .feature
            .id;

        for payload in INJECTIONS {
            let p = enc(payload);
            let gets = [
                format!("/api/search?layer=plots&status={p}"),
                format!("/api/search?layer=plots&lon={p}&lat=30&radius_m=100"),
                format!("/api/search?layer={p}"),
                format!("/api/plots/{p}"),
                format!("/api/{p}/1"),
                format!("/api/plots/{p}/history"),
                format!("/collections/{p}/items"),
                format!("/collections/plots/items?limit={p}"),
                format!("/collections/plots/items?bbox={p}"),
                format!("/tiles/{p}/1/1/1.mvt"),
                format!("/api/shared/{p}"),
                format!("/api/parks/{p}/policy"),
                format!("/api/stats?from={p}"),
            ];
            for path in &gets {
                let r = server.get(path).await;
                assert!(
                    r.status().is_client_error(),
                    "{kind:?} GET {path} answered {}",
                    r.status()
                );
            }
            // A park code is free text: no such park, so nothing matches.
            let found = server
                .get_json(&format!("/api/search?layer=plots&park={p}"), 200)
                .await;
            assert_eq!(found["numberMatched"], 0, "{kind:?} {payload}");
            let posts = [
                ("/api/search", json!({"layer": "plots", "status": payload})),
                (
                    "/api/match",
                    json!({"criteria": [{"field": payload, "max": 1}]}),
                ),
                ("/api/session", json!({"token": payload})),
                (
                    "/api/policy/estimate",
                    json!({"site": {"layer": payload, "id": 1}, "plan": {"investment_wan": 1}}),
                ),
            ];
            for (path, body) in &posts {
                let r = server
                    .http
                    .post(format!("{}{path}", server.base))
                    .json(body)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    r.status().is_client_error(),
                    "{kind:?} POST {path} {body} answered {}",
                    r.status()
                );
            }
        }

        // Where text is data (a note, a lead's company), it is kept exactly as given.
        for payload in INJECTIONS {
            let etag = server.get(&format!("/api/plots/{plot}")).await.headers()["etag"]
                .to_str()
                .unwrap()
                .to_owned();
            let status =
                server.get_json(&format!("/api/plots/{plot}"), 200).await["properties"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned();
            let next = if status == "available" {
                "reserved"
            } else {
                "available"
            };
            let r = server
                .http
                .patch(format!("{}/api/plots/{plot}", server.base))
                .bearer_auth(&admin)
                .header("if-match", etag)
                .json(&json!({"status": next, "note": payload}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{kind:?}: {}", r.text().await.unwrap());
        }
        let history = server
            .get_json(&format!("/api/plots/{plot}/history"), 200)
            .await;
        let notes: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["note"].as_str().unwrap())
            .collect();
        for payload in INJECTIONS {
            assert!(
                notes.contains(&payload),
                "{kind:?}: note {payload:?} not kept as given"
            );
        }
        let r = server
            .http
            .post(format!("{}/api/leads", server.base))
            .json(&json!({"company": INJECTIONS[1], "contact": INJECTIONS[2], "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let leads: Value = server
            .http
            .get(format!("{}/api/leads", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(leads[0]["company"], INJECTIONS[1]);

        // Everything is still there: tables, tokens, features.
        assert_eq!(
            server
                .get_json("/collections/plots/items?limit=1", 200)
                .await["numberMatched"],
            plots_before
        );
        let r = server
            .http
            .get(format!("{}/api/session", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind:?}: the admin token must survive");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_routes_stay_in_their_folders() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    // Something to reach for, next to the media folder.
    std::fs::write(
        server.state.config.data_dir.join("secret.txt"),
        "root:x:0:0",
    )
    .unwrap();
    std::fs::create_dir_all(server.state.config.data_dir.join("panoramas")).unwrap();
    let attempts = [
        "/media/panoramas/../secret.txt",
        "/media/panoramas/%2e%2e/secret.txt",
        "/media/panoramas/..%2fsecret.txt",
        "/media/panoramas/%2e%2e%2fsecret.txt",
        "/media/panoramas/....//secret.txt",
        "/media/panoramas/%252e%252e/secret.txt",
        "/media/panoramas//etc/passwd",
        "/media/panoramas/%00/secret.txt",
        "/t/..%2f..%2fsecret.txt",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ];
    for path in attempts {
        let r = server.get(path).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status.is_client_error(), "{path} answered {status}");
        assert!(!body.contains("root:x"), "{path} leaked a file");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_and_security_headers() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    // Another site's page may read the public map…
    let r = server
        .http
        .get(format!(
            "{}/tiles/parks,plots,factories,pois.json",
            server.base
        ))
        .header("origin", "https://gis.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    // …but may not write, with or without the visitor's cookies.
    let r = server
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/plots/1", server.base),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .unwrap();
    let allowed = r
        .headers()
        .get("access-control-allow-methods")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        !allowed.contains("PATCH"),
        "PATCH allowed cross-origin: {allowed}"
    );
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    // Every answer says not to sniff. Data (JSON, tiles) carries the policy
    // that lets nothing load or run; pages and scripts carry the page policy.
    for path in [
        "/health",
        "/api/plots/1",
        "/nope",
        "/tiles/plots/14/12919/6722.mvt",
    ] {
        let r = server.get(path).await;
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert_eq!(csp, "default-src 'none'; frame-ancestors 'self'", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let bin = siteatlas_bin();
    let token_out = std::process::Command::new(&bin)
        .args([
            "token", "create", "--role", "promoter", "--name", "log-test",
        ])
        .args(store.cli_flags())
        .output()
        .unwrap();
    let token = String::from_utf8(token_out.stdout)
        .unwrap()
        .trim()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let log_path = store.data_dir.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(&bin)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web-dir",
            "/nonexistent",
        ])
        .args(store.cli_flags())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let contact = "赵女士 13912345678 zhao@example.com";
    let wrong = "sa_0000000000000000000000000000000000000000000000000000000000000bad";
    http.post(format!("{base}/api/session"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/session"))
        .json(&json!({"token": wrong}))
        .send()
        .await
        .unwrap();
    http.get(format!("{base}/api/leads"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/leads"))
        .json(&json!({"company": "某公司", "contact": contact, "consent": true}))
        .send()
        .await
        .unwrap();
    http.get(format!(
        "{base}/api/shared/1.99999999999.{}",
        "ab".repeat(32)
    ))
    .send()
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.len() > 100,
        "the server logged nothing at trace level: {logged}"
    );
    for secret in [
        token.as_str(),
        wrong,
        "13912345678",
        "zhao@example.com",
        &"ab".repeat(32),
    ] {
        assert!(!logged.contains(secret), "{secret:?} is in the log");
    }
}
