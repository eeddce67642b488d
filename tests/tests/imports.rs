//! Imports from land departments, end to end: every format and coordinate
//! system through `siteatlas import` and `POST /api/import`, positions
//! checked against the surveyed lon/lat they were made from, Chinese
//! attributes decoded and mapped, dry runs, repairs, and who may import what.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use siteatlas_server::auth::new_token;
use siteatlas_server::session::token_hash;
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore, siteatlas_bin};

/// The committed files of the formats crate: Chengdu plots made with GDAL's
/// ogr2ogr from `src_chengdu.geojson` (see formats/tests/data/README.md).
fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../formats/tests/data")
        .join(name)
}

/// The surveyed source: code -> exterior ring in lon/lat.
fn source_rings() -> Vec<(String, Vec<[f64; 2]>)> {
    let text = std::fs::read_to_string(data("src_chengdu.geojson")).unwrap();
    let source: Value = serde_json::from_str(&text).unwrap();
    source["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ring = f["geometry"]["coordinates"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
                .collect();
            (
                f["properties"]["地块编号"].as_str().unwrap().to_owned(),
                ring,
            )
        })
        .collect()
}

fn run(store: &TestStore, args: &[&str]) -> std::process::Output {
    std::process::Command::new(siteatlas_bin())
        .args(args)
        .args(store.cli_flags())
        .output()
        .expect("run siteatlas")
}

/// Every source plot is on the map where it was surveyed (within 1e-6°,
/// about 10 cm), with its Chinese name and mapped vocabulary.
async fn assert_chengdu_plots(server: &TestServer, what: &str) {
    let items = server
        .get_json("/collections/plots/items?limit=100", 200)
        .await;
    for (code, ring) in source_rings() {
        let feature = items["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == code.as_str())
            .unwrap_or_else(|| panic!("{what}: {code} missing"));
        let got = feature["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(got.len(), ring.len(), "{what}: {code}");
        // Shapefiles wind exterior rings clockwise and may start elsewhere:
        // compare corners, not their order.
        for want in &ring {
            let nearest = got
                .iter()
                .map(|g| {
                    let (x, y) = (g[0].as_f64().unwrap(), g[1].as_f64().unwrap());
                    (x - want[0]).abs().max((y - want[1]).abs())
                })
                .fold(f64::INFINITY, f64::min);
            assert!(
                nearest < 1e-6,
                "{what}: {code} corner {want:?} is {nearest}° off"
            );
        }
    }
    let first = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == "WJ-2024-01")
        .unwrap();
    let p = &first["properties"];
    assert_eq!(p["name"], "温江医学城A区", "{what}: GBK decoded");
    assert_eq!(p["land_use"], "industrial", "{what}: 工业用地 mapped");
    assert_eq!(p["status"], "available", "{what}: 可供 mapped");
    assert_eq!(
        p["area_m2"].as_f64(),
        Some(33333.5),
        "{what}: 出让面积 mapped"
    );
    assert_eq!(p["备注"], "三通一平", "{what}: unmapped fields kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_and_coordinate_system_lands_where_surveyed() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        // Command line: a Gauss-Kruger zone 35 Shapefile (zone prefix in x, GBK, .cpg).
        let shp = data("plots_4523_gbk.zip");
        let dry = run(
            &store,
            &[
                "import",
                "--layer",
                "plots",
                "--dry-run",
                shp.to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&dry.stderr);
        assert!(dry.status.success(), "{kind:?}: {stderr}");
        assert!(stderr.contains("Shapefile (zip), EPSG:4523"), "{stderr}");
        assert!(
            stderr.contains("dry run: 3 valid, 0 invalid; nothing written"),
            "{stderr}"
        );
        let out = run(
            &store,
            &["import", "--layer", "plots", shp.to_str().unwrap()],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{kind:?}: {stderr}");
        assert!(stderr.contains("3 inserted, 0 updated"), "{stderr}");
        let server = TestServer::start(
            &store,
            ServerOptions {
                demo: false,
                ..Default::default()
            },
        )
        .await;
        assert_chengdu_plots(&server, "EPSG:4523 Shapefile").await;

        // The API: the same plots in GeoPackage (CGCS2000), Web Mercator GeoJSON and a
        // GeoJSON Sequence; each upserts the same codes.
        let admin = new_token().unwrap();
        server
            .state
            .store
            .create_token("admin", "admin", &[], &token_hash(&admin))
            .await
            .unwrap();
        for file in ["plots_4490.gpkg", "plots_3857.geojson", "plots.geojsons"] {
            let r = server
                .http
                .post(format!("{}/api/import?layer=plots", server.base))
                .bearer_auth(&admin)
                .body(std::fs::read(data(file)).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{kind:?} {file}");
            let report: Value = r.json().await.unwrap();
            assert_eq!(
                (report["inserted"].as_u64(), report["updated"].as_u64()),
                (Some(0), Some(3)),
                "{file}: {report}"
            );
            assert_chengdu_plots(&server, file).await;
        }

        // A zone without the prefix (EPSG:4543, CM 102E), GBK without a .cpg.
        let yaan = data("yaan_4543_nocpg.zip");
        let out = run(
            &store,
            &["import", "--layer", "plots", yaan.to_str().unwrap()],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.contains("EPSG:4543"),
            "{kind:?}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crs_override_dry_run_and_repair() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let dir = &store.data_dir;
    // A highway exit in zone 35 coordinates, in a file that does not say so: on the
    // central meridian (x = 35 500 000 m) the longitude is exactly 105°.
    let gk = r#"{"type":"Feature","properties":{"code":"EXIT-GK","kind":"highway_exit","名称":"简阳出口"},"geometry":{"type":"Point","coordinates":[35500000.0,3400000.0]}}"#;
    std::fs::write(dir.join("gk.geojson"), gk).unwrap();
    let out = run(
        &store,
        &[
            "import",
            "--layer",
            "pois",
            dir.join("gk.geojson").to_str().unwrap(),
        ],
    );
    assert!(
        !out.status.success(),
        "GK metres read as degrees must be refused"
    );
    let out = run(
        &store,
        &[
            "import",
            "--layer",
            "pois",
            "--crs",
            "EPSG:4523",
            dir.join("gk.geojson").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &store,
        &[
            "import",
            "--layer",
            "pois",
            "--crs",
            "EPSG:2383",
            dir.join("gk.geojson").to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("2383"), "{stderr}");

    // An unclosed ring is reported, and repaired only when asked.
    let unclosed = r#"{"type":"Feature","properties":{"地块编号":"OPEN-1","用地性质":"工业","状态":"可供"},"geometry":{"type":"Polygon","coordinates":[[[103.83,30.68],[103.832,30.68],[103.832,30.6815],[103.83,30.6815]]]}}"#;
    std::fs::write(dir.join("open.geojson"), unclosed).unwrap();
    let path = dir.join("open.geojson");
    let out = run(
        &store,
        &["import", "--layer", "plots", path.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("record 1 (code OPEN-1)") && stderr.contains("not closed"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");
    let out = run(
        &store,
        &[
            "import",
            "--layer",
            "plots",
            "--repair",
            "--dry-run",
            path.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("repaired record 1 (code OPEN-1)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");

    let server = TestServer::start(
        &store,
        ServerOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await;
    let pois = server.get_json("/collections/pois/items", 200).await;
    let exit = &pois["features"][0];
    assert_eq!(exit["properties"]["name"], "简阳出口");
    let lon = exit["geometry"]["coordinates"][0].as_f64().unwrap();
    let lat = exit["geometry"]["coordinates"][1].as_f64().unwrap();
    assert!((lon - 105.0).abs() < 1e-9, "{lon}");
    assert!((30.6..30.8).contains(&lat), "{lat}");
    // Neither dry run nor refused import wrote plots.
    assert_eq!(
        server.get_json("/collections/plots/items", 200).await["numberMatched"],
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_import_what() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let (park, other_park, other_code) = {
        let atlas = server.state.atlas.read();
        let mut plots = atlas.plots.iter();
        let first = plots.next().unwrap();
        let park = first.feature.attrs.park.clone().unwrap();
        let other = atlas
            .plots
            .iter()
            .find(|e| e.feature.attrs.park.as_deref() != Some(&park))
            .unwrap();
        (
            park,
            other.feature.attrs.park.clone().unwrap(),
            other.feature.code.clone(),
        )
    };
    let mut tokens = std::collections::HashMap::new();
    for (role, parks) in [
        ("officer", vec![park.clone()]),
        ("promoter", vec![]),
        ("admin", vec![]),
    ] {
        let t = new_token().unwrap();
        server
            .state
            .store
            .create_token(role, role, &parks, &token_hash(&t))
            .await
            .unwrap();
        tokens.insert(role, t);
    }
    let plot = |code: &str, park: &str| {
        json!({"type":"Feature","properties":{"地块编号":code,"所属园区":park,"用地性质":"工业用地","状态":"可供"},
               "geometry":{"type":"Polygon","coordinates":[[[103.83,30.68],[103.832,30.68],[103.832,30.6815],[103.83,30.6815],[103.83,30.68]]]}})
        .to_string()
    };
    let post = |token: Option<&'static str>, query: &str, body: String| {
        let req = server
            .http
            .post(format!("{}/api/import?{query}", server.base))
            .body(body);
        let req = match token {
            Some(role) => req.bearer_auth(&tokens[role]),
            None => req,
        };
        req.send()
    };
    let count = |server: &TestServer| server.state.atlas.read().plots.len();
    let before = count(&server);

    let cases: Vec<(Option<&'static str>, &str, String, u16)> = vec![
        (None, "layer=plots", plot("NEW-1", &park), 401),
        (Some("promoter"), "layer=plots", plot("NEW-1", &park), 403),
        (Some("officer"), "layer=plots", plot("NEW-1", &other_park), 403),
        // A code of another park's plot, claimed for the officer's own park.
        (Some("officer"), "layer=plots", plot(&other_code, &park), 403),
        (Some("officer"), "layer=pois", r#"{"type":"Feature","properties":{"code":"X","kind":"port","name":"x"},"geometry":{"type":"Point","coordinates":[104,30]}}"#.into(), 403),
        (Some("officer"), "layer=plots", "<html>".into(), 400),
        (Some("officer"), "layer=plots&crs=EPSG:9999", plot("NEW-1", &park), 400),
        (Some("officer"), "layer=roads", plot("NEW-1", &park), 400),
        (Some("officer"), "layer=plots&dry_run=true", plot("NEW-1", &park), 200),
    ];
    for (token, query, body, want) in cases {
        let r = post(token, query, body).await.unwrap();
        assert_eq!(
            r.status().as_u16(),
            want,
            "{token:?} {query}: {}",
            r.text().await.unwrap()
        );
        assert_eq!(count(&server), before, "{token:?} {query} changed the map");
    }

    // Invalid features: 422 with the whole report; nothing written.
    let bad = format!(
        "{}\n{}\n",
        plot("NEW-2", &park),
        plot("NEW-3", &park).replace("可供", "拍卖中")
    );
    let r = post(Some("officer"), "layer=plots", bad).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["report"]["issues"][0]["record"], 2, "{body}");
    assert_eq!(body["report"]["issues"][0]["code"], "NEW-3", "{body}");
    assert_eq!(count(&server), before);

    // The officer's own park: written and on the map at once.
    let good = format!("{}\n{}\n", plot("NEW-2", &park), plot("NEW-3", &park));
    let r = post(Some("officer"), "layer=plots", good).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(count(&server), before + 2);
    let found = server
        .get_json("/api/search?layer=plots&limit=500", 200)
        .await;
    assert!(
        found["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["properties"]["code"] == "NEW-3")
    );
    // An admin may import any layer.
    let r = post(Some("admin"), "layer=pois", r#"{"type":"Feature","properties":{"code":"PORT-X","kind":"port","name":"港"},"geometry":{"type":"Point","coordinates":[104,30]}}"#.into()).await.unwrap();
    assert_eq!(r.status(), 200);
}
