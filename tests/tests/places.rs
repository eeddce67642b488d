//! The gazetteer, `GET /api/places`, over real HTTP on the demo data.

use serde_json::Value;
use siteatlas_tests::{STORES, ServerOptions, TestServer, TestStore};

fn places(answer: &Value) -> &Vec<Value> {
    answer["places"].as_array().expect("a places array")
}

fn inside(point: &Value, bbox: &Value) -> bool {
    let (x, y) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
    let b: Vec<f64> = (0..4).map(|i| bbox[i].as_f64().unwrap()).collect();
    b[0] <= x && x <= b[2] && b[1] <= y && y <= b[3]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_by_name_initials_code_and_district() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;

        // A highway exit by part of its name.
        let answer = server
            .get_json("/api/places?q=%E6%B8%A9%E6%B1%9F%E5%87%BA%E5%8F%A3", 200)
            .await; // 温江出口
        let first = &places(&answer)[0];
        assert_eq!(first["name"], "成温邛高速温江出口", "{kind:?} {answer}");
        assert_eq!(first["kind"], "highway_exit");
        assert_eq!(first["layer"], "pois");
        assert_eq!(first["code"], "POI-WJ-EXIT1");
        assert!(inside(&first["point"], &first["bbox"]), "{first}");
        let id = first["id"].as_u64().expect("a feature id");
        let feature = server.get_json(&format!("/api/pois/{id}"), 200).await;
        assert_eq!(feature["properties"]["code"], "POI-WJ-EXIT1");

        // Highway exits by the initials of 高速出口: every demo exit, and only exits.
        let answer = server.get_json("/api/places?q=gsck&limit=50", 200).await;
        let found = places(&answer);
        assert_eq!(found.len(), 9, "{answer}");
        assert!(
            found.iter().all(|p| p["kind"] == "highway_exit"),
            "{answer}"
        );

        // Initials of a name: 温江 leads to the district and the parks.
        let answer = server.get_json("/api/places?q=WJ&limit=50", 200).await;
        let names: Vec<&str> = places(&answer)
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"成都市温江区"), "{names:?}");

        // A plot by its exact code comes first.
        let answer = server.get_json("/api/places?q=wj2026-03", 200).await;
        let first = &places(&answer)[0];
        assert_eq!(first["code"], "WJ2026-03", "{answer}");
        assert_eq!(first["kind"], "plot");
        assert_eq!(first["layer"], "plots");
        assert!(inside(&first["point"], &first["bbox"]), "{first}");

        // So does a factory by its code.
        let answer = server.get_json("/api/places?q=wj-f02", 200).await;
        let first = &places(&answer)[0];
        assert_eq!(first["code"], "WJ-F02", "{answer}");
        assert_eq!(first["kind"], "factory");
        assert_eq!(first["layer"], "factories");
        assert!(inside(&first["point"], &first["bbox"]), "{first}");

        // A district, whose box holds the park named after it.
        let answer = server
            .get_json("/api/places?q=%E6%B8%A9%E6%B1%9F%E5%8C%BA", 200)
            .await; // 温江区
        let first = &places(&answer)[0];
        assert_eq!(first["name"], "成都市温江区", "{answer}");
        assert_eq!(first["kind"], "district");
        assert!(first.get("layer").is_none());
        let park = server.get_json("/api/places?q=WJ-MED", 200).await;
        let park = &places(&park)[0];
        assert_eq!(park["kind"], "park");
        assert!(inside(&park["point"], &first["bbox"]), "{park} {first}");

        // 医学城: the substation and the plots start with it, the park and
        // the treatment plant only contain it. Prefix before substring, and
        // a POI before plots at equal score.
        let answer = server
            .get_json("/api/places?q=%E5%8C%BB%E5%AD%A6%E5%9F%8E&limit=50", 200)
            .await; // 医学城
        let kinds: Vec<&str> = places(&answer)
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds[0], "substation", "{kinds:?}");
        let last_plot = kinds
            .iter()
            .rposition(|k| ["plot", "factory", "office"].contains(k))
            .expect("plots");
        assert!(
            kinds[1..=last_plot]
                .iter()
                .all(|k| ["plot", "factory", "office"].contains(k)),
            "{kinds:?}"
        );
        assert!(kinds.contains(&"factory"), "{kinds:?}");
        let mut rest = kinds[last_plot + 1..].to_vec();
        rest.sort_unstable();
        assert_eq!(rest, ["park", "wastewater"], "{kinds:?}");

        // Nothing found is an empty list, not an error.
        let answer = server.get_json("/api/places?q=zzzzzz", 200).await;
        assert!(places(&answer).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_written_place_is_found_at_once() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let admin = server.token("admin", &[]).await;
        let q = "/api/places?q=%E5%85%89%E5%8D%8E%E5%A4%A7%E9%81%93"; // 光华大道
        assert!(places(&server.get_json(q, 200).await).is_empty());
        let poi = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[103.85,30.70]},
            "properties":{"code":"POI-WJ-EXIT9","kind":"highway_exit","name":"光华大道高速出口"}}"#;
        let r = server
            .http
            .post(format!("{}/api/import?layer=pois", server.base))
            .bearer_auth(&admin)
            .body(poi)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind:?}: {}", r.text().await.unwrap());
        let answer = server.get_json(q, 200).await;
        let first = &places(&answer)[0];
        assert_eq!(first["code"], "POI-WJ-EXIT9", "{kind:?} {answer}");
        assert_eq!(first["point"], serde_json::json!([103.85, 30.70]));
        let exits = server.get_json("/api/places?q=gsck&limit=50", 200).await;
        assert_eq!(places(&exits).len(), 10, "{exits}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_place_queries_are_400_naming_the_parameter() {
    let store = TestStore::new(STORES[0]).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let long = "a".repeat(65);
    for (path, parameter) in [
        ("/api/places".to_owned(), "q"),
        ("/api/places?q=".to_owned(), "q"),
        ("/api/places?q=%20%20".to_owned(), "q"),
        (format!("/api/places?q={long}"), "q"),
        ("/api/places?q=wj&limit=0".to_owned(), "limit"),
        ("/api/places?q=wj&limit=51".to_owned(), "limit"),
        ("/api/places?q=wj&limit=ten".to_owned(), "limit"),
    ] {
        let body = server.get_json(&path, 400).await;
        assert_eq!(body["error"], "invalid_parameter", "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(parameter),
            "{path}: {body}"
        );
    }
    // The API document says so.
    let api = server.get_json("/openapi.json", 200).await;
    let parameters = api["paths"]["/api/places"]["get"]["parameters"]
        .as_array()
        .expect("/api/places documented");
    let q = parameters.iter().find(|p| p["name"] == "q").expect("q");
    assert_eq!(q["required"], true, "{q}");
    let body = server.get_json("/api/places?q=wj&colour=red", 400).await;
    assert!(
        body["message"].as_str().unwrap().contains("colour"),
        "{body}"
    );
}
