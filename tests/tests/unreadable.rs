//! A stored row the server cannot read never stops it: the row is left out
//! of the map, logged, counted by `/health` and `/metrics`, listed for
//! admins and by `siteatlas check`; plot areas an older version derived
//! wrong are recomputed by `siteatlas migrate`. Rows are planted behind the
//! server's back with SQL, in each store.

use geo::{GeodesicArea, polygon};
use serde_json::Value;
use siteatlas_server::store::{StoredGeometry, StoredRow};
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore, siteatlas_bin};
use siteatlas_tiles::LayerKind;

/// The planted rows: code, geometry as WKT, properties. The square (100 m
/// in Wenjiang) is clockwise, as a Shapefile gives it.
fn planted() -> Vec<(&'static str, String, &'static str)> {
    let square =
        "POLYGON((103.85 30.7,103.85 30.7009,103.851045 30.7009,103.851045 30.7,103.85 30.7))";
    vec![
        (
            "BAD-STATUS",
            square.into(),
            r#"{"status":"sold-out","land_use":"industrial"}"#,
        ),
        (
            "BAD-GEOMETRY",
            "LINESTRING(103.85 30.7,103.86 30.71)".into(),
            r#"{"status":"available","land_use":"industrial"}"#,
        ),
        (
            "BAD-NEGATIVE",
            square.into(),
            r#"{"status":"available","land_use":"industrial","area_m2":-1525.06}"#,
        ),
        (
            "WRONG-HUGE",
            square.into(),
            r#"{"status":"available","land_use":"industrial","area_m2":510065621713467}"#,
        ),
    ]
}

/// WKT of the few shapes above as GeoJSON text, for the SQLite store.
fn wkt_to_geojson(wkt: &str) -> String {
    let (kind, body) = wkt.split_once('(').unwrap();
    let points: Vec<String> = body
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(|p| {
            let (x, y) = p.trim().split_once(' ').unwrap();
            format!("[{x},{y}]")
        })
        .collect();
    match kind {
        "POLYGON" => format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
            points.join(",")
        ),
        _ => format!(
            r#"{{"type":"LineString","coordinates":[{}]}}"#,
            points.join(",")
        ),
    }
}

async fn plant(store: &TestStore) {
    for (code, wkt, props) in planted() {
        let sql = match store.kind {
            StoreKind::Postgis => format!(
                "INSERT INTO plots (code, geom, props) VALUES ('{code}', ST_GeomFromText('{wkt}', 4326), '{props}'::jsonb)"
            ),
            StoreKind::Sqlite => format!(
                "INSERT INTO plots (code, geom, props) VALUES ('{code}', '{}', '{props}')",
                wkt_to_geojson(&wkt)
            ),
        };
        store.execute(&sql).await;
    }
}

fn siteatlas(store: &TestStore, args: &[&str]) -> std::process::Output {
    std::process::Command::new(siteatlas_bin())
        .args(args)
        .args(store.cli_flags())
        .output()
        .expect("run siteatlas")
}

/// The area of the planted square, measured independently of the server.
fn square_area_m2() -> f64 {
    polygon![
        (x: 103.85, y: 30.7),
        (x: 103.851045, y: 30.7),
        (x: 103.851045, y: 30.7009),
        (x: 103.85, y: 30.7009),
    ]
    .geodesic_area_unsigned()
}

async fn plot_codes(server: &TestServer) -> Vec<String> {
    let items = server
        .get_json("/collections/plots/items?limit=1000", 200)
        .await;
    items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_rows_are_left_out_and_reported() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let first = TestServer::start(&store, ServerOptions::default()).await;
        let demo_plots = plot_codes(&first).await.len();
        assert!(demo_plots > 0);
        let health = first.get_json("/health", 200).await;
        assert_eq!(health["status"], "ok", "{kind:?}: {health}");
        plant(&store).await;

        // The server starts anyway, without the three unreadable plots.
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let codes = plot_codes(&server).await;
        assert_eq!(codes.len(), demo_plots + 1, "{kind:?}");
        assert!(codes.iter().any(|c| c == "WRONG-HUGE"), "{kind:?}");
        for bad in ["BAD-STATUS", "BAD-GEOMETRY", "BAD-NEGATIVE"] {
            assert!(
                !codes.iter().any(|c| c == bad),
                "{kind:?}: {bad} on the map"
            );
        }
        let health = server.get_json("/health", 200).await;
        assert_eq!(health["status"], "degraded", "{kind:?}: {health}");
        assert_eq!(health["unreadable"]["plots"], 3, "{kind:?}: {health}");
        assert_eq!(health["unreadable"]["parks"], 0, "{kind:?}: {health}");
        let metrics = server.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics.contains("siteatlas_unreadable_rows{layer=\"plots\"} 3"),
            "{kind:?}: {metrics}"
        );

        // Admins see which rows and why; nobody else does.
        let path = format!("{}/api/admin/unreadable", server.base);
        let anonymous = server.http.get(&path).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{kind:?}");
        let officer = server.token("officer", &["WJ".into()]).await;
        let refused = server
            .http
            .get(&path)
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{kind:?}");
        let admin = server.token("admin", &[]).await;
        let listed: Value = server
            .http
            .get(&path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = listed["rows"].as_array().unwrap();
        let reason_of = |code: &str| {
            rows.iter()
                .find(|r| r["code"] == code)
                .unwrap_or_else(|| panic!("{kind:?}: {code} not listed: {listed}"))["reason"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert!(reason_of("BAD-STATUS").contains("sold-out"), "{listed}");
        assert!(
            reason_of("BAD-GEOMETRY")
                .to_lowercase()
                .contains("linestring"),
            "{listed}"
        );
        assert!(reason_of("BAD-NEGATIVE").contains("area_m2"), "{listed}");
        assert!(rows.iter().all(|r| r["layer"] == "plots"), "{listed}");

        // `siteatlas check` lists the same rows and the wrong area, and fails.
        let check = siteatlas(&store, &["check"]);
        let out = String::from_utf8_lossy(&check.stdout);
        assert_eq!(check.status.code(), Some(1), "{kind:?}: {out}");
        for code in ["BAD-STATUS", "BAD-GEOMETRY", "BAD-NEGATIVE", "WRONG-HUGE"] {
            assert!(out.contains(code), "{kind:?}: {code} not in {out}");
        }

        // `siteatlas migrate --recompute-areas` measures both plots again,
        // through the audited edit path.
        let migrate = siteatlas(&store, &["migrate", "--recompute-areas"]);
        let err = String::from_utf8_lossy(&migrate.stderr);
        assert!(migrate.status.success(), "{kind:?}: {err}");
        assert!(err.contains("2 plot areas recomputed"), "{kind:?}: {err}");
        let check = siteatlas(&store, &["check"]);
        let out = String::from_utf8_lossy(&check.stdout);
        assert!(
            !out.contains("WRONG-HUGE") && !out.contains("BAD-NEGATIVE"),
            "{out}"
        );
        assert!(
            out.contains("BAD-STATUS") && out.contains("BAD-GEOMETRY"),
            "{out}"
        );

        let repaired = TestServer::start(&store, ServerOptions::default()).await;
        let health = repaired.get_json("/health", 200).await;
        assert_eq!(health["unreadable"]["plots"], 2, "{kind:?}: {health}");
        let items = repaired
            .get_json("/collections/plots/items?limit=1000", 200)
            .await;
        let expected = square_area_m2();
        for code in ["WRONG-HUGE", "BAD-NEGATIVE"] {
            let feature = items["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["properties"]["code"] == code)
                .unwrap_or_else(|| panic!("{kind:?}: {code} not on the map after the repair"));
            let area = feature["properties"]["area_m2"].as_f64().unwrap();
            assert!(
                (area - expected).abs() < 1e-3 * expected,
                "{kind:?}: {code} {area} m², expected {expected} m²"
            );
            let id = feature["id"].as_i64().unwrap();
            let history = repaired
                .get_json(&format!("/api/plots/{id}/history"), 200)
                .await;
            assert!(
                history.to_string().contains("siteatlas migrate"),
                "{kind:?}: {history}"
            );
        }
    }
}

/// A row changed behind the server's back while it runs is taken off the
/// map when it is applied, and put back when it is readable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_turns_unreadable_while_serving_is_taken_off() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let items = server
        .get_json("/collections/plots/items?limit=1", 200)
        .await;
    let feature = &items["features"][0];
    let id = feature["id"].as_i64().unwrap();
    let code = feature["properties"]["code"].as_str().unwrap().to_owned();
    let geometry = feature["geometry"].to_string();
    let row = |version: i64, props: &str| StoredRow {
        id,
        code: code.clone(),
        version,
        updated_at: "2026-12-01T00:00:00Z".into(),
        geometry: StoredGeometry::GeoJson(geometry.clone()),
        props: props.into(),
    };
    server
        .state
        .apply_rows(
            LayerKind::Plots,
            vec![row(100, r#"{"status":"gone"}"#)],
            &[],
        )
        .unwrap();
    server.get_json(&format!("/api/plots/{id}"), 404).await;
    let health = server.get_json("/health", 200).await;
    assert_eq!(health["status"], "degraded", "{health}");
    server
        .state
        .apply_rows(
            LayerKind::Plots,
            vec![row(
                101,
                r#"{"status":"available","land_use":"industrial"}"#,
            )],
            &[],
        )
        .unwrap();
    server.get_json(&format!("/api/plots/{id}"), 200).await;
    let health = server.get_json("/health", 200).await;
    assert_eq!(health["status"], "ok", "{health}");
}
