//! The layers as they describe themselves, end to end: `/api/schema`,
//! TileJSON and the OGC collections generated from the descriptions; the
//! fifth layer (office buildings) and the figures that decide a site through
//! import (a GeoPackage GDAL's ogr2ogr made, with Chinese column names and
//! words), officers' edits, searches, filtered tiles and OGC items, on both
//! stores.

use serde_json::{Value, json};
use siteatlas_tests::{
    STORES, ServerOptions, StoreKind, TestServer, TestStore, decode_tile, tile_at, tile_path,
};

async fn start(kind: StoreKind) -> (TestStore, TestServer) {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    (store, server)
}

fn field<'a>(schema: &'a Value, layer: &str, name: &str) -> &'a Value {
    schema["layers"][layer]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{layer}.{name} not in the schema"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_tilejson_and_ogc_come_from_the_layer_descriptions() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    let schema = server.get_json("/api/schema", 200).await;
    let layers: Vec<&String> = schema["layers"].as_object().unwrap().keys().collect();
    for layer in ["parks", "plots", "factories", "offices", "pois"] {
        assert!(layers.iter().any(|l| *l == layer), "{layer} in {layers:?}");
    }
    let price = field(&schema, "plots", "price_wan_per_mu");
    assert_eq!(price["type"], "number");
    assert_eq!(price["unit"], "万元/亩");
    assert_eq!(price["label_zh"], "出让价格");
    assert_eq!(
        price["filter"],
        json!({"kind": "range", "min": "min_price", "max": "max_price"})
    );
    let method = field(&schema, "plots", "supply_method");
    assert_eq!(method["section"], "supply");
    assert_eq!(
        method["choices"],
        json!([
            "listing",
            "flexible_term",
            "lease_then_transfer",
            "long_lease"
        ])
    );
    assert_eq!(method["choice_labels_zh"][2], "先租后让");
    assert_eq!(field(&schema, "plots", "area_mu")["derived"], true);
    assert_eq!(
        field(&schema, "offices", "grade")["filter"]["param"],
        "grade"
    );
    assert_eq!(schema["layers"]["offices"]["carrier"], true);
    assert_eq!(schema["layers"]["pois"]["carrier"], false);
    let sections: Vec<&str> = schema["layers"]["plots"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        [
            "overview",
            "planning",
            "standard_land",
            "supply",
            "handover",
            "utilities",
            "limits"
        ]
    );

    // TileJSON lists what the tiles carry, from the same description.
    let tilejson = server
        .get_json("/tiles/parks,plots,factories,offices,pois.json", 200)
        .await;
    let vector_layers = tilejson["vector_layers"].as_array().unwrap();
    let offices = vector_layers.iter().find(|l| l["id"] == "offices").unwrap();
    assert_eq!(offices["minzoom"], 10);
    for name in [
        "code",
        "name",
        "kind",
        "grade",
        "status",
        "rent_yuan_m2_month",
        "metro_distance_m",
    ] {
        assert!(
            offices["fields"].get(name).is_some(),
            "offices.{name} in TileJSON"
        );
    }
    assert!(
        offices["fields"].get("operator").is_none(),
        "operator is not in the tiles"
    );
    assert!(vector_layers.iter().any(|l| l["id"] == "office_labels"));

    // OGC: the collection and its queryables.
    let collections = server.get_json("/collections", 200).await;
    assert!(
        collections["collections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "offices")
    );
    let queryables = server
        .get_json("/collections/offices/queryables", 200)
        .await;
    assert_eq!(
        queryables["properties"]["grade"]["enum"],
        json!(["grade_a", "grade_b", "grade_c"])
    );
    assert_eq!(
        queryables["properties"]["rent_yuan_m2_month"]["type"],
        "number"
    );
    server
        .get_json("/collections/nothing/queryables", 404)
        .await;
}

/// A GeoPackage of two office buildings, as a department would send it:
/// Chinese column names and words, one footprint and one point.
fn offices_gpkg(dir: &std::path::Path) -> std::path::PathBuf {
    let source = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature",
             "properties": {"楼宇编号": "OF-T1", "楼宇名称": "测试科创大厦", "楼宇类型": "写字楼", "楼宇等级": "甲级",
                            "建筑面积": 30000.0, "可租售面积": 12000.0, "租金": 48.0, "物业费": 9.5,
                            "装修": "精装", "距地铁站": 650.0, "停车位": 300, "状态": "部分出租", "运营主体": "测试运营公司"},
             "geometry": {"type": "Polygon", "coordinates": [[[103.8700, 30.7000], [103.8706, 30.7000], [103.8706, 30.7004], [103.8700, 30.7004], [103.8700, 30.7000]]]}},
            {"type": "Feature",
             "properties": {"楼宇编号": "OF-T2", "楼宇名称": "测试孵化园", "楼宇类型": "孵化器", "楼宇等级": "乙级",
                            "建筑面积": 8000.0, "可租售面积": 8000.0, "租金": 20.0, "装修": "简装", "状态": "空置"},
             "geometry": {"type": "Point", "coordinates": [103.8712, 30.7008]}}
        ]
    });
    let geojson = dir.join("offices.geojson");
    std::fs::write(&geojson, source.to_string()).unwrap();
    let gpkg = dir.join("offices.gpkg");
    let out = std::process::Command::new("ogr2ogr")
        .args(["-f", "GPKG"])
        .arg(&gpkg)
        .arg(&geojson)
        .output()
        .expect("ogr2ogr runs");
    assert!(
        out.status.success(),
        "ogr2ogr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    gpkg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offices_and_the_figures_that_decide_a_site() {
    for kind in STORES {
        offices_and_figures_on(kind).await;
    }
}

async fn offices_and_figures_on(kind: StoreKind) {
    let (_store, server) = start(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = std::fs::read(offices_gpkg(dir.path())).unwrap();
    // The import maps the Chinese names and words; a dry run first, as the office screen does.
    let admin = server.token("admin", &[]).await;
    for dry_run in [true, false] {
        let r = server
            .http
            .post(format!(
                "{}/api/import?layer=offices&dry_run={dry_run}",
                server.base
            ))
            .bearer_auth(&admin)
            .body(gpkg.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let report: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{kind:?}: {report}");
        assert_eq!(
            report["issues"].as_array().map_or(0, Vec::len),
            0,
            "{kind:?}: {report}"
        );
    }

    // Every column landed in its field, the words as the model's.
    let items = server
        .get_json("/collections/offices/items?limit=100", 200)
        .await;
    let t1 = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == "OF-T1")
        .unwrap_or_else(|| panic!("{kind:?}: OF-T1 imported"));
    let p = &t1["properties"];
    assert_eq!(p["kind"], "office");
    assert_eq!(p["grade"], "grade_a");
    assert_eq!(p["fit_out"], "fitted");
    assert_eq!(p["status"], "partial");
    assert_eq!(p["rent_yuan_m2_month"], 48.0);
    assert_eq!(p["metro_distance_m"], 650.0);
    assert_eq!(p["parking_spaces"], 300);
    assert_eq!(p["operator"], "测试运营公司");
    assert_eq!(t1["geometry"]["type"], "Polygon");

    // Search by the declared filters: grade and rent and metro distance.
    let search = |query: &str| {
        let server = &server;
        let query = query.to_owned();
        async move {
            let answer = server
                .get_json(&format!("/api/search?layer=offices&{query}"), 200)
                .await;
            let mut codes: Vec<String> = answer["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
                .filter(|c| c.starts_with("OF-T"))
                .collect();
            codes.sort();
            codes
        }
    };
    assert_eq!(search("grade=grade_a").await, ["OF-T1"]);
    assert_eq!(search("kind=incubator&max_rent=25").await, ["OF-T2"]);
    assert_eq!(search("max_metro_distance_m=1000").await, ["OF-T1"]);
    assert_eq!(search("fit_out=shell").await, Vec::<String>::new());
    let bad = server.get("/api/search?layer=offices&grade=super").await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("grade"));

    // The tile at zoom 15 carries both, the point as a point.
    let tile = tile_at(103.8706, 30.7004, 15);
    let bytes = server
        .get(&tile_path("offices", tile))
        .await
        .bytes()
        .await
        .unwrap();
    let layers = decode_tile(&bytes);
    let offices = &layers.iter().find(|(n, _)| n == "offices").unwrap().1;
    let mut codes: Vec<String> = offices
        .iter()
        .filter_map(|f| match f.properties.as_ref()?.get("code")? {
            mvt_reader::feature::Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .filter(|c| c.starts_with("OF-T"))
        .collect();
    codes.sort();
    assert_eq!(codes, ["OF-T1", "OF-T2"]);

    // An officer edits a plot's new figures; the model checks them as an import does.
    let (plot, park) = {
        let atlas = server.state.atlas.read();
        let e = atlas
            .plots
            .iter()
            .find(|e| e.feature.attrs.park.is_some())
            .unwrap();
        (e.feature.id, e.feature.attrs.park.clone().unwrap())
    };
    let officer = server.token("officer", &[park]).await;
    let tag = server.get(&format!("/api/plots/{plot}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let patch = |body: Value, tag: String| {
        server
            .http
            .patch(format!("{}/api/plots/{plot}", server.base))
            .bearer_auth(&officer)
            .header("if-match", tag)
            .json(&body)
            .send()
    };
    let refused = patch(
        json!({"note": "交地", "handover_date": "2027-13"}),
        tag.clone(),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("handover_date"));
    let refused = patch(
        json!({"note": "供地", "supply_method": "auction"}),
        tag.clone(),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 400);
    let done = patch(
        json!({"note": "按新规划条件更新", "supply_method": "lease_then_transfer", "steam_capacity_t_per_hour": 42.0,
               "dual_power_feed": "是", "handover_date": "2027-09", "industries_allowed": "生物医药、医疗器械"}),
        tag,
    )
    .await
    .unwrap();
    assert_eq!(
        done.status(),
        200,
        "{kind:?}: {}",
        done.text().await.unwrap()
    );
    let now = server.get_json(&format!("/api/plots/{plot}"), 200).await;
    assert_eq!(now["properties"]["supply_method"], "lease_then_transfer");
    assert_eq!(now["properties"]["dual_power_feed"], true);
    assert_eq!(
        now["properties"]["industries_allowed"],
        json!(["生物医药", "医疗器械"])
    );

    // Searches and filtered tiles find it by the new figures, and only it among the 42 t/h.
    let answer = server
        .get_json("/api/search?layer=plots&min_steam_capacity_t_per_hour=40&supply_method=lease_then_transfer", 200)
        .await;
    let ids: Vec<u64> = answer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [plot], "{kind:?}");
    let (lon, lat) = {
        let atlas = server.state.atlas.read();
        let a = atlas.plots.get(plot).unwrap().anchor();
        (a.x(), a.y())
    };
    let tile = tile_at(lon, lat, 14);
    let filtered = format!(
        "{}?min_steam_capacity_t_per_hour=40",
        tile_path("plots", tile)
    );
    let bytes = server.get(&filtered).await.bytes().await.unwrap();
    let plots = decode_tile(&bytes);
    let ids: Vec<u64> = plots
        .iter()
        .find(|(n, _)| n == "plots")
        .map(|(_, f)| f.iter().filter_map(|f| f.id).collect())
        .unwrap_or_default();
    assert_eq!(ids, [plot], "{kind:?}: the filtered tile");
    let unknown = server
        .get(&format!("{}?min_steam=40", tile_path("plots", tile)))
        .await;
    assert_eq!(unknown.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_buildings_and_declared_figures_are_matched() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    let post = |body: Value| {
        server
            .http
            .post(format!("{}/api/match", server.base))
            .json(&body)
            .send()
    };
    // Office buildings: rent at most 40 (hard) and the metro within 1 km (preferred).
    let answer: Value = post(json!({"layers": ["offices"], "criteria": [
        {"field": "rent_yuan_m2_month", "max": 40, "hard": true},
        {"field": "metro_distance_m", "max": 1000}], "limit": 50}))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let results = answer["results"].as_array().unwrap();
    let expected: Vec<String> = {
        let atlas = server.state.atlas.read();
        let mut codes: Vec<String> = atlas
            .offices
            .iter()
            .filter(|e| {
                let a = &e.feature.attrs;
                a.status != siteatlas_tiles::FactoryStatus::Occupied
                    && a.rent_yuan_m2_month.is_some_and(|r| r <= 40.0)
            })
            .map(|e| e.feature.code.clone())
            .collect();
        codes.sort();
        codes
    };
    let mut got: Vec<String> = results
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    assert!(!expected.is_empty());
    assert_eq!(
        got, expected,
        "every office let at 40 or less, none fully let"
    );
    for r in results {
        assert_eq!(r["layer"], "offices");
        let metro = r["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "metro_distance_m")
            .unwrap();
        // Full credit exactly where the building's metro distance is known and within 1 km.
        let near = metro["actual"].as_f64().is_some_and(|m| m <= 1000.0);
        assert_eq!(metro["verdict"] == "met", near, "{r}");
    }
    // A plot figure the matcher has no field of its own for: steam capacity.
    let answer: Value = post(json!({"layers": ["plots"], "criteria": [
        {"field": "steam_capacity_t_per_hour", "min": 20, "hard": true}], "include_held": true, "limit": 200}))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    for r in answer["results"].as_array().unwrap() {
        let steam = &r["criteria"][0]["actual"];
        assert!(steam.as_f64().unwrap() >= 20.0, "{r}");
    }
    assert!(!answer["results"].as_array().unwrap().is_empty());
    let refused = post(json!({"layers": ["pois"], "criteria": []}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
