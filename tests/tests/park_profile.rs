//! A park's profile (园区名片), `GET /api/parks/{id}/profile`, over real HTTP
//! on the demo data, on both stores: carriers and occupancy worked out by hand
//! from the fixture files and summed again in SQL over the store's rows (with
//! PostGIS measuring the plots itself), and park fields imported under their
//! Chinese column names.

use serde_json::{Value, json};
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore};
use sqlx::Connection;

const M2_PER_MU: f64 = 666.67;

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Land figures of a park summed over the store's plot rows:
/// (area other than withdrawn, area not available, available count, available area), m².
async fn land_in_store(store: &TestStore, park: &str) -> (f64, f64, i64, f64) {
    match &store.database_url {
        Some(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_as(
                "SELECT COALESCE(SUM(area_m2) FILTER (WHERE status <> 'withdrawn'), 0),
                        COALESCE(SUM(area_m2) FILTER (WHERE status NOT IN ('withdrawn', 'available')), 0),
                        COUNT(*) FILTER (WHERE status = 'available'),
                        COALESCE(SUM(area_m2) FILTER (WHERE status = 'available'), 0)
                 FROM plots WHERE park = $1",
            )
            .bind(park)
            .fetch_one(&mut conn)
            .await
            .unwrap()
        }
        None => {
            let url = format!("sqlite://{}", store.data_dir.join("siteatlas.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN s <> 'withdrawn' THEN a END), 0.0),
                        COALESCE(SUM(CASE WHEN s NOT IN ('withdrawn', 'available') THEN a END), 0.0),
                        COUNT(CASE WHEN s = 'available' THEN 1 END),
                        COALESCE(SUM(CASE WHEN s = 'available' THEN a END), 0.0)
                 FROM (SELECT json_extract(props, '$.status') AS s,
                              CAST(json_extract(props, '$.area_m2') AS REAL) AS a
                       FROM plots WHERE json_extract(props, '$.park') = ?)",
            )
            .bind(park)
            .fetch_one(&mut conn)
            .await
            .unwrap()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_figures_match_the_fixture_and_the_store() {
    for kind in STORES {
        profile_figures_on(kind).await;
    }
}

async fn profile_figures_on(kind: StoreKind) {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let by_code = server.get_json("/api/parks/WJ-MED/profile", 200).await;
    let id = by_code["id"].as_u64().unwrap();
    let mut by_id = server
        .get_json(&format!("/api/parks/{id}/profile"), 200)
        .await;
    assert_eq!(by_id["code"], "WJ-MED", "{kind:?}");
    // Figures are live, so compare all but the scenes' view counts.
    by_id["panoramas"] = by_code["panoramas"].clone();
    assert_eq!(by_id, by_code, "{kind:?}: by id and by code alike");
    let p = &by_code;

    // The park's own attributes, as the demo gives them.
    let park = &p["park"];
    assert_eq!(park["level"], "provincial");
    assert_eq!(park["area_km2"], 18.3);
    let enterprises = park["enterprises"].as_array().unwrap();
    assert!((4..=8).contains(&enterprises.len()), "{kind:?}");
    assert_eq!(
        enterprises.iter().filter(|e| e["leading"] == true).count(),
        2,
        "{kind:?}: two chain leaders"
    );
    assert_eq!(park["contact"]["phone"], "028-6000 1101");
    assert!(park["services"].as_array().unwrap().len() >= 3);

    // Carriers, worked by hand from fixtures/demo: WJ-MED's plots WJ2026-01,
    // -02, -04, -06, -08, -09 are available at 30, 30, 52, 28, 55 and 42 万元/亩;
    // its factories WJ-F01 (partial, 6912 of 13824 m² free, 26 元), WJ-F02
    // (vacant, 13824 m², 26 元), WJ-F03 (occupied, 10800 m², 24 元) and
    // WJ-F04 (vacant, 5280 m², 22 元).
    let plots = &p["carriers"]["plots"];
    assert_eq!(plots["available"], 6, "{kind:?}");
    assert_eq!(plots["price_wan_per_mu"], json!({"min": 28.0, "max": 55.0}));
    let factories = &p["carriers"]["factories"];
    assert_eq!(factories["with_space"], 3, "{kind:?}");
    assert_eq!(
        factories["available_area_m2"],
        json!({"min": 5280.0, "max": 13824.0})
    );
    assert_eq!(
        factories["rent_yuan_m2_month"],
        json!({"min": 22.0, "max": 26.0})
    );
    // Floor: 13824 + 13824 + 10800 + 5280 = 43728 m², of which let
    // 6912 + 0 + 10800 + 0 = 17712 m².
    let occupancy = &p["occupancy"];
    assert_eq!(occupancy["floor_m2"], 43728.0);
    assert_eq!(occupancy["floor_let_m2"], 17712.0);
    assert!(close(
        num(&occupancy["floor_rate"]),
        17712.0 / 43728.0,
        1e-12
    ));

    // Land: summed again over the stored rows.
    let (land, taken, available, available_m2) = land_in_store(&store, "WJ-MED").await;
    assert_eq!(available, 6, "{kind:?}");
    assert!(close(num(&occupancy["land_m2"]), land, 1e-9), "{kind:?}");
    assert!(close(num(&occupancy["land_taken_m2"]), taken, 1e-9));
    assert!(close(
        num(&plots["total_area_mu"]),
        available_m2 / M2_PER_MU,
        1e-9
    ));
    let rate = (taken + 17712.0) / (land + 43728.0);
    assert!(close(num(&occupancy["rate"]), rate, 1e-9), "{kind:?}");
    assert!(close(num(&occupancy["land_rate"]), taken / land, 1e-9));
    assert!((0.0..=1.0).contains(&rate));

    if let Some(url) = &store.database_url {
        // PostGIS measures the available plots on the spheroid itself.
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let (measured, smallest, largest): (f64, f64, f64) = sqlx::query_as(
            "SELECT SUM(a), MIN(a), MAX(a) FROM (SELECT ST_Area(geom::geography) / 666.67 AS a
             FROM plots WHERE park = 'WJ-MED' AND status = 'available') t",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert!(close(num(&plots["total_area_mu"]), measured, 1e-4));
        assert!(close(num(&plots["area_mu"]["min"]), smallest, 1e-4));
        assert!(close(num(&plots["area_mu"]["max"]), largest, 1e-4));
    }

    // Panoramas: the ready scenes of the park's sites, and nothing else.
    let scenes = p["panoramas"].as_array().unwrap();
    assert!(!scenes.is_empty(), "{kind:?}: the demo has WJ-MED scenes");
    {
        let atlas = server.state.atlas.read();
        for s in scenes {
            assert_eq!(s["status"], "ready");
            let feature = s["feature"].as_u64().unwrap();
            let park = match s["layer"].as_str().unwrap() {
                "plots" => atlas.plots.get(feature).unwrap().attrs.park.clone(),
                "factories" => atlas.factories.get(feature).unwrap().attrs.park.clone(),
                _ => Some(atlas.parks.get(feature).unwrap().code.clone()),
            };
            assert_eq!(park.as_deref(), Some("WJ-MED"), "{s}");
        }
    }
    let all = server
        .get_json(&format!("/api/parks/{id}/panoramas"), 200)
        .await;
    assert!(all.as_array().unwrap().len() <= scenes.len());
    // Tours: those with a stop among these scenes.
    let ids: Vec<&Value> = scenes.iter().map(|s| &s["id"]).collect();
    let tours = p["tours"].as_array().unwrap();
    assert!(!tours.is_empty(), "{kind:?}: the demo tours WJ-MED");
    for tour in tours {
        let stops = tour["scenes"].as_array().unwrap();
        assert_eq!(tour["stops"], stops.len());
        let inside = stops.iter().filter(|s| ids.contains(&&s["id"])).count();
        assert_eq!(tour["stops_in_park"], inside);
        assert!(inside > 0);
    }

    // Policy: one line per published rule, with its source.
    let rules = server.get_json("/api/parks/WJ-MED/policy", 200).await;
    let lines = p["policy"].as_array().unwrap();
    assert_eq!(lines.len(), rules["rules"].as_array().unwrap().len());
    for (line, rule) in lines.iter().zip(rules["rules"].as_array().unwrap()) {
        assert_eq!(line["id"], rule["id"]);
        assert_eq!(line["source"], rule["source"]);
        assert_eq!(line["kind"], rule["kind"]);
        assert!(!line["summary"].as_str().unwrap().is_empty());
    }
    assert!(
        lines[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("投资强度 ≥ 350 万元/亩 地价优惠 10%"),
        "{}",
        lines[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_follow_a_status_change_and_unknown_parks_are_404() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    for path in [
        "/api/parks/999999/profile",
        "/api/parks/NO-SUCH/profile",
        "/api/parks/0/profile",
        "/api/parks/%20/profile",
    ] {
        let body = server.get_json(path, 404).await;
        assert_eq!(body["error"], "not_found", "{path}: {body}");
    }
    // CQ-GYL: LJ2026-17, -19 and -21 are available; LJ-F07 (vacant, 5000 m²)
    // and LJ-F08 (5000 of 10000 m² free) have space.
    let before = server.get_json("/api/parks/CQ-GYL/profile", 200).await;
    assert_eq!(before["carriers"]["plots"]["available"], 3);
    assert_eq!(before["carriers"]["factories"]["with_space"], 2);
    assert!(close(
        num(&before["occupancy"]["floor_rate"]),
        5000.0 / 15000.0,
        1e-12
    ));
    let (plot_id, area) = {
        let atlas = server.state.atlas.read();
        let plot = atlas
            .plots
            .iter()
            .find(|e| e.feature.code == "LJ2026-17")
            .unwrap();
        (plot.feature.id, plot.feature.attrs.area_m2)
    };
    let admin = server.token("admin", &[]).await;
    let current = server.get(&format!("/api/plots/{plot_id}")).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let r = server
        .http
        .patch(format!("{}/api/plots/{plot_id}", server.base))
        .bearer_auth(&admin)
        .header("if-match", etag)
        .json(&json!({"status": "reserved", "note": "意向企业已签约"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let after = server.get_json("/api/parks/CQ-GYL/profile", 200).await;
    assert_eq!(after["carriers"]["plots"]["available"], 2);
    assert!(close(
        num(&after["occupancy"]["land_taken_m2"]),
        num(&before["occupancy"]["land_taken_m2"]) + area,
        1e-9
    ));
    assert_eq!(
        after["occupancy"]["land_m2"],
        before["occupancy"]["land_m2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn park_fields_import_under_chinese_column_names() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let admin = server.token("admin", &[]).await;
        let file = json!({"type": "FeatureCollection", "features": [{
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[104.30, 30.30], [104.32, 30.30], [104.32, 30.32], [104.30, 30.32], [104.30, 30.30]]]},
            "properties": {
                "园区编码": "TEST-PARK",
                "园区名称": "示范产业园",
                "主导产业": "equipment、electronics",
                "主导产业链": "智能装备、工业机器人",
                "规划面积（平方公里）": 6.5,
                "入驻企业数": 42,
                "总产值(亿元)": 58.5,
                "服务事项": "一站式服务、全程代办",
                "招商专员": "张专员",
                "专员电话": "028-6000 9999"
            }
        }]});
        let import = |body: String| {
            server
                .http
                .post(format!("{}/api/import?layer=parks", server.base))
                .bearer_auth(&admin)
                .body(body)
                .send()
        };
        let r = import(file.to_string()).await.unwrap();
        assert_eq!(r.status(), 200, "{kind:?}: {}", r.text().await.unwrap());
        let p = server.get_json("/api/parks/TEST-PARK/profile", 200).await;
        let park = &p["park"];
        assert_eq!(park["name"], "示范产业园", "{kind:?}");
        assert_eq!(park["industries"], json!(["equipment", "electronics"]));
        assert_eq!(park["industry_chains"], json!(["智能装备", "工业机器人"]));
        assert_eq!(park["area_km2"], 6.5);
        assert_eq!(park["enterprise_count"], 42);
        assert_eq!(park["output_value_yi"], 58.5);
        assert_eq!(park["services"], json!(["一站式服务", "全程代办"]));
        assert_eq!(
            park["contact"],
            json!({"name": "张专员", "phone": "028-6000 9999"})
        );
        // A park without plots or factories has no occupancy to speak of.
        assert_eq!(p["occupancy"]["rate"], Value::Null);
        assert_eq!(p["carriers"]["plots"]["available"], 0);

        // A bad value is refused with its field, and nothing is written.
        let mut bad = file.clone();
        bad["features"][0]["properties"]["园区编码"] = json!("TEST-PARK-2");
        bad["features"][0]["properties"]["专员电话"] = json!("请致电");
        let r = import(bad.to_string()).await.unwrap();
        assert_eq!(r.status(), 422, "{kind:?}");
        let report: Value = r.json().await.unwrap();
        let issue = &report["report"]["issues"][0];
        assert_eq!(issue["field"], "contact.phone", "{kind:?}: {report}");
        server.get_json("/api/parks/TEST-PARK-2/profile", 404).await;
    }
}
