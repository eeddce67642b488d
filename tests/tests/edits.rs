//! Land officers' edits: authorisation, the status workflow, If-Match, the
//! audit log, and visibility of a write everywhere.

use serde_json::{Value, json};
use siteatlas_server::auth::new_token;
use siteatlas_server::session::token_hash;
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore, siteatlas_bin};
use siteatlas_tiles::PlotStatus;

async fn token(server: &TestServer, name: &str, role: &str, parks: &[&str]) -> String {
    let t = new_token().unwrap();
    let parks: Vec<String> = parks.iter().map(|p| p.to_string()).collect();
    server
        .state
        .store
        .create_token(name, role, &parks, &token_hash(&t))
        .await
        .unwrap();
    t
}

/// A plot of the demo data with the given status: (id, park).
fn plot_with(server: &TestServer, status: PlotStatus) -> (u64, String) {
    let atlas = server.state.atlas.read();
    let e = atlas
        .plots
        .iter()
        .find(|e| e.feature.attrs.status == status)
        .unwrap();
    (e.feature.id, e.feature.attrs.park.clone().unwrap())
}

async fn etag(server: &TestServer, layer: &str, id: u64) -> String {
    server.get(&format!("/api/{layer}/{id}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn patch(
    server: &TestServer,
    layer: &str,
    id: u64,
    token: Option<&str>,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = server
        .http
        .patch(format!("{}/api/{layer}/{id}", server.base))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorisation_matrix() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plot, park) = plot_with(&server, PlotStatus::Available);
        let (factory, factory_park) = {
            let atlas = server.state.atlas.read();
            let f = atlas.factories.iter().next().unwrap();
            (f.feature.id, f.feature.attrs.park.clone().unwrap())
        };
        let own = token(&server, "own officer", "officer", &[&park, &factory_park]).await;
        let other = token(&server, "other officer", "officer", &["NO-SUCH-PARK"]).await;
        let promoter = token(&server, "promoter", "promoter", &[]).await;
        let admin = token(&server, "admin", "admin", &[]).await;
        // (token, may write)
        let callers: [(Option<&str>, u16); 6] = [
            (None, 401),
            (Some("sa_not_a_token"), 401),
            (Some(&other), 403),
            (Some(&promoter), 403),
            (Some(&own), 200),
            (Some(&admin), 200),
        ];
        for (i, (tok, expected)) in callers.iter().enumerate() {
            // Plots: toggle available <-> reserved so that every allowed call is a valid transition.
            let status =
                server.get_json(&format!("/api/plots/{plot}"), 200).await["properties"]["status"]
                    .clone();
            let to = if status == "available" {
                "reserved"
            } else {
                "available"
            };
            let tag = etag(&server, "plots", plot).await;
            let r = patch(
                &server,
                "plots",
                plot,
                *tok,
                Some(&tag),
                json!({"status": to, "note": format!("matrix {i}")}),
            )
            .await;
            assert_eq!(r.status().as_u16(), *expected, "{kind:?} plots caller {i}");
            let tag = etag(&server, "factories", factory).await;
            let r = patch(
                &server,
                "factories",
                factory,
                *tok,
                Some(&tag),
                json!({"rent_yuan_m2_month": 20 + i, "note": "新租金"}),
            )
            .await;
            assert_eq!(
                r.status().as_u16(),
                *expected,
                "{kind:?} factories caller {i}"
            );
        }
        // Parks and POIs are not edited one by one.
        let park_id = server
            .state
            .atlas
            .read()
            .parks
            .iter()
            .next()
            .unwrap()
            .feature
            .id;
        let r = patch(
            &server,
            "parks",
            park_id,
            Some(&admin),
            Some("\"x\""),
            json!({"name": "x", "note": "n"}),
        )
        .await;
        assert_eq!(r.status(), 405);
        // The audit export is for admins only.
        let csv = |t: &str| {
            server
                .http
                .get(format!("{}/api/audit.csv", server.base))
                .bearer_auth(t.to_owned())
                .send()
        };
        assert_eq!(csv(&own).await.unwrap().status(), 403);
        let r = csv(&admin).await.unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        // Header, then one line per accepted edit: 2 callers x 2 layers.
        assert_eq!(text.lines().count(), 1 + 4, "{text}");
        assert!(text.contains("own officer") && text.contains("新租金"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_preconditions_and_history() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plot, park) = plot_with(&server, PlotStatus::Available);
        let officer = token(&server, "李四", "officer", &[&park]).await;
        let admin = token(&server, "admin", "admin", &[]).await;

        let tag = etag(&server, "plots", plot).await;
        // No If-Match: 428. Stale: 412. No note: 400. A field edits cannot change: 400.
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                None,
                json!({"status": "reserved", "note": "n"})
            )
            .await
            .status(),
            428
        );
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                Some("\"plots-1-v0\""),
                json!({"status": "reserved", "note": "n"})
            )
            .await
            .status(),
            412
        );
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                Some(&tag),
                json!({"status": "reserved"})
            )
            .await
            .status(),
            400
        );
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                Some(&tag),
                json!({"status": "reserved", "code": "NEW-CODE", "note": "n"})
            )
            .await
            .status(),
            400
        );
        // Skipping a step: 409 naming what is allowed.
        let r = patch(
            &server,
            "plots",
            plot,
            Some(&officer),
            Some(&tag),
            json!({"status": "transferred", "note": "n"}),
        )
        .await;
        assert_eq!(r.status(), 409);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("allowed: reserved"),
            "{body}"
        );

        // The workflow, step by step, each visible at once in the feature, search and OGC items.
        for (step, to) in ["reserved", "negotiating", "transferred"]
            .iter()
            .enumerate()
        {
            let tag = etag(&server, "plots", plot).await;
            let r = patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                Some(&tag),
                json!({"status": to, "note": format!("第{}步", step + 1)}),
            )
            .await;
            assert_eq!(r.status(), 200, "{kind:?} to {to}");
            assert_ne!(r.headers()["etag"].to_str().unwrap(), tag);
            assert_eq!(
                server
                    .get_json(&format!("/collections/plots/items/{plot}"), 200)
                    .await["properties"]["status"],
                *to
            );
        }
        // Transferred is final for officers, not for admins.
        let tag = etag(&server, "plots", plot).await;
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&officer),
                Some(&tag),
                json!({"status": "available", "note": "n"})
            )
            .await
            .status(),
            409
        );
        assert_eq!(
            patch(
                &server,
                "plots",
                plot,
                Some(&admin),
                Some(&tag),
                json!({"status": "withdrawn", "note": "规划调整"})
            )
            .await
            .status(),
            200
        );

        // History: every accepted change, newest first, with who, old and new values and the note.
        let history = server
            .get_json(&format!("/api/plots/{plot}/history"), 200)
            .await;
        let lines = history.as_array().unwrap();
        assert_eq!(lines.len(), 4, "{kind:?}: {history}");
        let trail: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l["old_status"].as_str().unwrap(),
                    l["new_status"].as_str().unwrap(),
                    l["actor"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            trail,
            [
                ("transferred", "withdrawn", "admin"),
                ("negotiating", "transferred", "李四"),
                ("reserved", "negotiating", "李四"),
                ("available", "reserved", "李四")
            ]
        );
        assert_eq!(lines[3]["note"], "第1步");
        assert_eq!(
            server.get_json("/api/plots/999999/history", 404).await["error"],
            "not_found"
        );

        // Factories: values are checked.
        let (factory, _) = {
            let atlas = server.state.atlas.read();
            let f = atlas.factories.iter().next().unwrap();
            (f.feature.id, ())
        };
        let tag = etag(&server, "factories", factory).await;
        let r = patch(
            &server,
            "factories",
            factory,
            Some(&admin),
            Some(&tag),
            json!({"available_area_m2": 1e12, "note": "n"}),
        )
        .await;
        assert_eq!(r.status(), 400);
        let r = patch(
            &server,
            "factories",
            factory,
            Some(&admin),
            Some(&tag),
            json!({"rent_yuan_m2_month": -5, "note": "n"}),
        )
        .await;
        assert_eq!(r.status(), 400);
    }
}

/// Of two writers holding the same ETag, exactly one succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_with_one_etag() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plot, _) = plot_with(&server, PlotStatus::Reserved);
        let admin = token(&server, "admin", "admin", &[]).await;
        for round in 0..5 {
            let tag = etag(&server, "plots", plot).await;
            let status =
                server.get_json(&format!("/api/plots/{plot}"), 200).await["properties"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned();
            let to = if status == "reserved" {
                "available"
            } else {
                "reserved"
            };
            let writers = (0..8).map(|i| {
                patch(
                    &server,
                    "plots",
                    plot,
                    Some(&admin),
                    Some(&tag),
                    json!({"status": to, "note": format!("writer {i}")}),
                )
            });
            let statuses: Vec<u16> = futures_util::future::join_all(writers)
                .await
                .iter()
                .map(|r| r.status().as_u16())
                .collect();
            assert_eq!(
                statuses.iter().filter(|s| **s == 200).count(),
                1,
                "{kind:?} round {round}: {statuses:?}"
            );
            assert!(
                statuses.iter().all(|s| *s == 200 || *s == 412),
                "{statuses:?}"
            );
        }
        let history = server
            .get_json(&format!("/api/plots/{plot}/history"), 200)
            .await;
        assert_eq!(
            history.as_array().unwrap().len(),
            5,
            "{kind:?}: one audit line per accepted write"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_the_command_line() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let flags = store.cli_flags();
    let out = std::process::Command::new(siteatlas_bin())
        .args([
            "token", "create", "--role", "officer", "--park", "WJ-MED", "--name", "王五",
        ])
        .args(&flags)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("sa_") && token.len() == 67);
    let list = std::process::Command::new(siteatlas_bin())
        .args(["token", "list"])
        .args(&flags)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("王五") && listed.contains("live") && !listed.contains(&token),
        "{listed}"
    );

    let server = TestServer::start(&store, ServerOptions::default()).await;
    let plot = server
        .state
        .atlas
        .read()
        .plots
        .iter()
        .find(|e| {
            e.feature.attrs.park.as_deref() == Some("WJ-MED")
                && e.feature.attrs.status == PlotStatus::Available
        })
        .unwrap()
        .feature
        .id;
    let tag = etag(&server, "plots", plot).await;
    assert_eq!(
        patch(
            &server,
            "plots",
            plot,
            Some(&token),
            Some(&tag),
            json!({"status": "reserved", "note": "客商意向"})
        )
        .await
        .status(),
        200
    );

    let revoke = std::process::Command::new(siteatlas_bin())
        .args(["token", "revoke", "1"])
        .args(&flags)
        .output()
        .unwrap();
    assert!(revoke.status.success());
    let tag = etag(&server, "plots", plot).await;
    assert_eq!(
        patch(
            &server,
            "plots",
            plot,
            Some(&token),
            Some(&tag),
            json!({"status": "available", "note": "n"})
        )
        .await
        .status(),
        401
    );
}
