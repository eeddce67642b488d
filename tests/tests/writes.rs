//! Writes: exact tile cache eviction, several instances on one PostGIS, and
//! `siteatlas import` all or nothing.

use std::time::{Duration, Instant};

use geo::Centroid;
use serde_json::Value;
use siteatlas_server::features::to_row;
use siteatlas_tests::{
    STORES, ServerOptions, StoreKind, TestServer, TestStore, decode_tile, siteatlas_bin, tile_at,
    tile_path,
};
use siteatlas_tiles::{LayerKind, PlotStatus, TileId};

/// Status of a plot as a tile shows it.
async fn status_in_tile(
    server: &TestServer,
    layers: &str,
    tile: TileId,
    id: u64,
) -> (String, Option<String>) {
    let r = server.get(&tile_path(layers, tile)).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap();
    let status = decode_tile(&bytes)
        .into_iter()
        .flat_map(|(_, fs)| fs)
        .find(|f| f.id == Some(id))
        .and_then(|f| match f.properties.unwrap().get("status") {
            Some(mvt_reader::feature::Value::String(s)) => Some(s.clone()),
            _ => None,
        });
    (etag, status)
}

/// Sets a plot's status through the state's write path (store, then index and cache).
async fn set_status(server: &TestServer, id: u64, status: PlotStatus) {
    let mut plot = (**server.state.atlas.read().plots.get(id).unwrap()).clone();
    plot.attrs.status = status;
    server
        .state
        .write(&[(LayerKind::Plots, vec![to_row(&plot)])])
        .await
        .expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_evicts_exactly_the_tiles_it_touches() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (id, anchor, status) = {
            let atlas = server.state.atlas.read();
            let plot = atlas
                .plots
                .iter()
                .find(|e| e.feature.attrs.status == PlotStatus::Available)
                .unwrap();
            (
                plot.feature.id,
                plot.feature.shape.as_area().unwrap().centroid().unwrap(),
                plot.feature.attrs.status,
            )
        };
        assert_eq!(status, PlotStatus::Available);
        let touched: Vec<TileId> = (12..=16)
            .map(|z| tile_at(anchor.x(), anchor.y(), z))
            .collect();
        // A tile of the same zoom far away (Chongqing) and a layer the write does not show.
        let far = tile_at(106.6, 29.7, 14);
        let mut before = Vec::new();
        for t in &touched {
            let (etag, s) = status_in_tile(&server, "plots", *t, id).await;
            assert_eq!(s.as_deref(), Some("available"), "{kind:?} z{}", t.z());
            before.push(etag);
        }
        let far_etag = server
            .get(&tile_path("plots", far))
            .await
            .headers()
            .get("etag")
            .map(|e| e.to_str().unwrap().to_owned());
        let pois_tile = tile_path("pois", touched[0]);
        let pois_before = server.get(&pois_tile).await.status();
        let stats_before = server.state.tiles.cache.lock().stats();

        set_status(&server, id, PlotStatus::Reserved).await;

        // Not one stale tile after the write has returned, at any zoom.
        for (t, old_etag) in touched.iter().zip(&before) {
            let (etag, s) = status_in_tile(&server, "plots", *t, id).await;
            assert_eq!(s.as_deref(), Some("reserved"), "{kind:?} z{}", t.z());
            assert_ne!(&etag, old_etag);
        }
        let stats_after = server.state.tiles.cache.lock().stats();
        assert_eq!(
            stats_after.invalidated - stats_before.invalidated,
            touched.len() as u64,
            "{kind:?}: only the touched plot tiles go"
        );
        // Untouched tiles stay cached with their ETags.
        let hits = server.state.tiles.cache.lock().stats().hits;
        let far_again = server
            .get(&tile_path("plots", far))
            .await
            .headers()
            .get("etag")
            .map(|e| e.to_str().unwrap().to_owned());
        assert_eq!(far_again, far_etag);
        assert_eq!(server.get(&pois_tile).await.status(), pois_before);
        assert_eq!(
            server.state.tiles.cache.lock().stats().hits,
            hits + 2,
            "served from the cache"
        );
        // The feature's own ETag follows its version.
        let r = server.get(&format!("/api/plots/{id}")).await;
        assert!(r.headers()["etag"].to_str().unwrap().ends_with("-v2\""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgis() {
    let store = TestStore::new(StoreKind::Postgis).await;
    let a = TestServer::start(&store, ServerOptions::default()).await;
    let b = TestServer::start(&store, ServerOptions::default()).await;
    let (id, anchor) = {
        let atlas = a.state.atlas.read();
        let plot = atlas
            .plots
            .iter()
            .find(|e| e.feature.attrs.status == PlotStatus::Available)
            .unwrap();
        (
            plot.feature.id,
            plot.feature.shape.as_area().unwrap().centroid().unwrap(),
        )
    };
    let tile = tile_at(anchor.x(), anchor.y(), 15);
    // B has the tile cached before A writes.
    assert_eq!(
        status_in_tile(&b, "plots", tile, id).await.1.as_deref(),
        Some("available")
    );

    let written = Instant::now();
    set_status(&a, id, PlotStatus::Negotiating).await;
    assert_eq!(
        status_in_tile(&a, "plots", tile, id).await.1.as_deref(),
        Some("negotiating")
    );
    loop {
        if status_in_tile(&b, "plots", tile, id).await.1.as_deref() == Some("negotiating") {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "instance B did not see the write within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A write from the command line reaches both.
    let file = store.data_dir.join("moved.geojson");
    let plot = a.state.atlas.read().plots.get(id).unwrap().clone();
    let mut gj = siteatlas_tiles::geojson_io::feature_to_geojson(&plot);
    gj.properties
        .as_mut()
        .unwrap()
        .insert("status".into(), "transferred".into());
    std::fs::write(&file, serde_json::to_string(&gj).unwrap()).unwrap();
    let out = std::process::Command::new(siteatlas_bin())
        .args(["import", "--layer", "plots", file.to_str().unwrap()])
        .args(store.cli_flags())
        .output()
        .expect("run siteatlas");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported = Instant::now();
    for server in [&a, &b] {
        loop {
            if status_in_tile(server, "plots", tile, id).await.1.as_deref() == Some("transferred") {
                break;
            }
            assert!(
                imported.elapsed() < Duration::from_secs(1),
                "an instance did not see the import within 1 s"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn run_import(store: &TestStore, layer: &str, file: &std::path::Path) -> std::process::Output {
    std::process::Command::new(siteatlas_bin())
        .args(["import", "--layer", layer, file.to_str().unwrap()])
        .args(store.cli_flags())
        .output()
        .expect("run siteatlas")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_all_or_nothing() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let dir = &store.data_dir;
        let good = r#"{"type":"Feature","properties":{"code":"EXIT-A","kind":"highway_exit","name":"甲出口","toll":true},"geometry":{"type":"Point","coordinates":[103.85,30.70]}}
{"type":"Feature","properties":{"code":"EXIT-B","kind":"highway_exit","name":"乙出口"},"geometry":{"type":"Point","coordinates":[103.90,30.72]}}
"#;
        std::fs::write(dir.join("good.geojsonl"), good).unwrap();
        let out = run_import(&store, "pois", &dir.join("good.geojsonl"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{kind:?}: {stderr}");
        assert!(
            stderr.contains("2 features read") && stderr.contains("2 inserted, 0 updated"),
            "{stderr}"
        );

        // One bad feature among good ones: a report naming it, and nothing written.
        let bad = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"EXIT-A","kind":"port","name":"改为港口"},"geometry":{"type":"Point","coordinates":[103.85,30.70]}},
{"type":"Feature","properties":{"code":"EXIT-C","kind":"highway_exit","name":"丙"},"geometry":{"type":"Point","coordinates":[103.85,95.0]}},
{"type":"Feature","properties":{"kind":"highway_exit","name":"无编号"},"geometry":{"type":"Point","coordinates":[103.85,30.7]}}
]}"#;
        std::fs::write(dir.join("bad.geojson"), bad).unwrap();
        let out = run_import(&store, "pois", &dir.join("bad.geojson"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            stderr.contains("record 2 (code EXIT-C)") && stderr.contains("latitude"),
            "{stderr}"
        );
        assert!(
            stderr.contains("record 3") && stderr.contains("code"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing written"), "{stderr}");

        // Still the first import only: EXIT-A is a highway exit, EXIT-C absent.
        let server = TestServer::start(
            &store,
            ServerOptions {
                demo: false,
                ..Default::default()
            },
        )
        .await;
        let pois = server.get_json("/collections/pois/items", 200).await;
        assert_eq!(pois["numberMatched"], 2, "{kind:?}");
        let a = pois["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == "EXIT-A")
            .unwrap();
        assert_eq!(a["properties"]["kind"], "highway_exit");
        assert_eq!(
            a["properties"]["toll"],
            Value::Bool(true),
            "unknown fields are kept"
        );

        // Wrong geometry type for the layer, and a file that is not GeoJSON.
        std::fs::write(dir.join("lines.geojson"), r#"{"type":"Feature","properties":{"code":"R1","status":"available","land_use":"industrial"},"geometry":{"type":"LineString","coordinates":[[103,30],[104,31]]}}"#).unwrap();
        let out = run_import(&store, "plots", &dir.join("lines.geojson"));
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("LineString"));
        std::fs::write(dir.join("junk.geojson"), "<html>").unwrap();
        let out = run_import(&store, "plots", &dir.join("junk.geojson"));
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unrecognised file"), "{stderr}");
        let out = run_import(&store, "roads", &dir.join("junk.geojson"));
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown layer"));

        // Upsert by code: importing EXIT-A again updates it.
        let out = run_import(&store, "pois", &dir.join("good.geojsonl"));
        assert!(String::from_utf8_lossy(&out.stderr).contains("0 inserted, 2 updated"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_maps_hear_of_every_write() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let mut events = server.get("/api/events").await;
        assert_eq!(events.status(), 200);
        assert!(
            events.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let id = server
            .state
            .atlas
            .read()
            .plots
            .iter()
            .next()
            .unwrap()
            .feature
            .id;
        set_status(&server, id, PlotStatus::Withdrawn).await;
        let mut seen = String::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        while !seen.contains("event: change") || !seen.contains("\n\n") {
            let chunk = tokio::time::timeout_at(deadline.into(), events.chunk())
                .await
                .expect("an event within 2 s")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        let data = seen.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
        let change: Value = serde_json::from_str(data).unwrap();
        assert_eq!(change["layer"], "plots", "{kind:?}");
        assert_eq!(change["id"], id);
        assert_eq!(change["version"], 2);
    }
}

#[test]
fn a_gcj02_basemap_is_refused() {
    let out = std::process::Command::new(siteatlas_bin())
        .args([
            "serve",
            "--no-demo",
            "--data-dir",
            "/tmp/siteatlas-gcj02-refused",
        ])
        .args([
            "--basemap-tiles",
            "https://example.invalid/{z}/{x}/{y}.png",
            "--basemap-datum",
            "gcj02",
        ])
        .output()
        .expect("run siteatlas");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GCJ-02"), "{stderr}");
}
