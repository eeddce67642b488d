//! Every endpoint over real HTTP, against both stores, on the demo data.

use std::io::Read;

use geo::{Centroid, Coord};
use serde_json::{Value, json};
use siteatlas_tests::{
    STORES, ServerOptions, StoreKind, TestServer, TestStore, decode_tile, tile_at, tile_path,
};
use siteatlas_tiles::Shape;

/// A demo plot as served: (id, code, centroid).
async fn first_plot(server: &TestServer) -> (u64, String, Coord<f64>) {
    let items = server
        .get_json("/collections/plots/items?limit=1", 200)
        .await;
    let f = &items["features"][0];
    let geometry: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    let shape = Shape::try_from(&geometry).unwrap();
    let c = shape.as_area().unwrap().centroid().unwrap();
    (
        f["id"].as_u64().unwrap(),
        f["properties"]["code"].as_str().unwrap().to_owned(),
        c.0,
    )
}

/// A gzipped answer's bytes, unzipped.
fn gunzip(zipped: &[u8]) -> Vec<u8> {
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped)
        .read_to_end(&mut unzipped)
        .expect("a gzip stream");
    unzipped
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_discovery() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let health = server.get_json("/health", 200).await;
        assert_eq!(
            health["features"],
            json!({"parks": 7, "plots": 50, "factories": 20, "offices": 14, "pois": 23}),
            "{kind:?}"
        );
        assert_eq!(
            health["store"],
            if kind == StoreKind::Sqlite {
                "sqlite"
            } else {
                "postgis"
            }
        );

        let tj = server.get_json("/tiles/plots,pois.json", 200).await;
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(
            tj["tiles"][0],
            format!("{}/tiles/plots,pois/{{z}}/{{x}}/{{y}}.mvt", server.base)
        );
        let ids: Vec<&str> = tj["vector_layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["plots", "plot_labels", "pois"]);
        let b = tj["bounds"].as_array().unwrap();
        // The demo areas lie between Chengdu and Chongqing.
        assert!(
            b[0].as_f64().unwrap() > 103.0 && b[2].as_f64().unwrap() < 107.5,
            "{tj}"
        );
        assert_error(
            &server.get_json("/tiles/roads.json", 404).await,
            "unknown_layer",
        );

        let style = server.get_json("/style.json", 200).await;
        assert_eq!(style["version"], 8);
        let drawn: std::collections::BTreeSet<&str> = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["source-layer"].as_str())
            .collect();
        assert_eq!(
            drawn.into_iter().collect::<Vec<_>>(),
            ["factories", "offices", "parks", "plots", "pois"]
        );

        let api = server.get_json("/openapi.json", 200).await;
        assert!(api["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/search",
            "/tiles/{layers}/{z}/{x}/{y}.mvt",
            "/collections/{layer}/items",
            "/health",
        ] {
            assert!(api["paths"].get(path).is_some(), "OpenAPI lacks {path}");
        }

        assert_error(&server.get_json("/no/such/thing", 404).await, "not_found");
        assert_eq!(
            server.get_json("/api/config", 200).await,
            json!({ "basemap": null })
        );

        // Metrics count what was asked above.
        let text = server.get("/metrics").await.text().await.unwrap();
        assert!(
            text.contains(
                "siteatlas_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("siteatlas_index_features{layer=\"plots\"} 50"));
        assert!(text.contains("siteatlas_tile_cache_hits_total"));
        assert!(text.contains("siteatlas_http_request_duration_seconds_bucket"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_over_http() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (id, code, c) = first_plot(&server).await;
        let tile = tile_at(c.x, c.y, 15);
        let r = server.get(&tile_path("parks,plots", tile)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.mapbox-vector-tile"
        );
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let raw = r.bytes().await.unwrap();
        // The feature layers, without the label points that polygons bring.
        let layers: Vec<_> = decode_tile(&raw)
            .into_iter()
            .filter(|(name, _)| !name.ends_with("_labels"))
            .collect();
        let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["parks", "plots"], "{kind:?}");
        let plot = layers[1]
            .1
            .iter()
            .find(|f| f.id == Some(id))
            .expect("the plot is in its tile");
        let props = plot.properties.as_ref().unwrap();
        assert_eq!(
            props["code"],
            mvt_reader::feature::Value::String(code.clone())
        );

        // Revalidation and compression.
        let r = server
            .http
            .get(format!("{}{}", server.base, tile_path("parks,plots", tile)))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304);
        let r = server
            .http
            .get(format!("{}{}", server.base, tile_path("parks,plots", tile)))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(gunzip(&r.bytes().await.unwrap()), raw);

        // Nothing in the Pacific; bad addresses and layers are 4xx with a JSON body.
        assert_eq!(
            server.get("/tiles/plots/14/1000/8000.mvt").await.status(),
            204
        );
        for (path, status, code) in [
            ("/tiles/plots/23/0/0.mvt", 400, "invalid_tile"),
            ("/tiles/plots/3/8/0.mvt", 400, "invalid_tile"),
            ("/tiles/plots/a/0/0.mvt", 400, "invalid_parameter"),
            ("/tiles/plots/1/-1/0.mvt", 400, "invalid_parameter"),
            ("/tiles/roads/1/0/0.mvt", 404, "unknown_layer"),
            ("/tiles/,/1/0/0.mvt", 404, "unknown_layer"),
        ] {
            assert_error(&server.get_json(path, status).await, code);
        }

        // Low zoom: plots come as clusters that count all 50 demo plots.
        let mut clustered = 0;
        for t in [tile_at(104.0, 30.7, 7), tile_at(106.6, 29.7, 7)] {
            let r = server.get(&tile_path("plots", t)).await;
            if r.status() == 200 {
                for (_, features) in decode_tile(&r.bytes().await.unwrap()) {
                    for f in features {
                        if let Some(mvt_reader::feature::Value::UInt(n)) =
                            f.properties.as_ref().unwrap().get("count")
                        {
                            clustered += n;
                        }
                    }
                }
            }
        }
        // Wenjiang and Mianyang share a z7 tile; Liangjiang has its own.
        assert_eq!(clustered, 50, "{kind:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_over_http() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (id, code, c) = first_plot(&server).await;

        let hits = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=5000&limit=1000",
                    c.x, c.y
                ),
                200,
            )
            .await;
        let features = hits["features"].as_array().unwrap();
        assert_eq!(
            features[0]["id"], id,
            "the plot around the centre comes first"
        );
        assert_eq!(features[0]["properties"]["distance_m"], 0.0);
        assert_eq!(features[0]["properties"]["code"], code);
        assert_eq!(
            hits["numberReturned"].as_u64().unwrap() as usize,
            features.len()
        );
        let distances: Vec<f64> = features
            .iter()
            .map(|f| f["properties"]["distance_m"].as_f64().unwrap())
            .collect();
        assert!(
            distances.windows(2).all(|w| w[0] <= w[1]),
            "sorted by distance"
        );
        assert!(distances.iter().all(|d| *d <= 5000.0));
        let matched = hits["numberMatched"].as_u64().unwrap();
        assert!(matched >= 2, "{kind:?}: {matched}");

        // Paging slices the same order.
        let page = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=5000&limit=1&offset=1",
                    c.x, c.y
                ),
                200,
            )
            .await;
        assert_eq!(page["numberMatched"], matched);
        assert_eq!(page["features"][0]["id"], features[1]["id"]);

        // Gzipped for a client that accepts it, to the same answer.
        let r = server
            .http
            .get(format!(
                "{}/api/search?lon={}&lat={}&radius_m=5000&limit=1000",
                server.base, c.x, c.y
            ))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let zipped = r.bytes().await.unwrap();
        let unzipped = gunzip(&zipped);
        assert_eq!(serde_json::from_slice::<Value>(&unzipped).unwrap(), hits);
        assert!(zipped.len() * 3 < unzipped.len(), "{} bytes", zipped.len());

        // A selection of properties without geometry: the same features in
        // the same order, each with exactly what was asked for.
        let compact = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=5000&limit=1000&properties=distance_m,code,status&skipGeometry=true",
                    c.x, c.y
                ),
                200,
            )
            .await;
        let compact_features = compact["features"].as_array().unwrap();
        assert_eq!(compact_features.len(), features.len());
        for (small, full) in compact_features.iter().zip(features) {
            assert_eq!(small["id"], full["id"]);
            assert!(small["geometry"].is_null());
            let mut keys: Vec<&str> = small["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, ["code", "distance_m", "status"]);
            for key in keys {
                assert_eq!(small["properties"][key], full["properties"][key], "{key}");
            }
        }
        // Only what the search itself knows: written without reading the features.
        let ids_only = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=5000&limit=1000&properties=distance_m,id&skipGeometry=true",
                    c.x, c.y
                ),
                200,
            )
            .await;
        let ids_features = ids_only["features"].as_array().unwrap();
        assert_eq!(ids_features.len(), features.len());
        assert_eq!(ids_only["numberMatched"], hits["numberMatched"]);
        for (small, full) in ids_features.iter().zip(features) {
            assert_eq!(small["id"], full["id"]);
            assert!(small["geometry"].is_null());
            assert_eq!(
                small["properties"],
                json!({"distance_m": full["properties"]["distance_m"], "id": full["id"]})
            );
        }
        let bare = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=5000&limit=1&properties=",
                    c.x, c.y
                ),
                200,
            )
            .await;
        assert_eq!(bare["features"][0]["properties"], json!({}));
        assert_eq!(bare["features"][0]["geometry"], features[0]["geometry"]);

        // Constraints only narrow.
        let narrowed = server
            .get_json(&format!("/api/search?lon={}&lat={}&radius_m=5000&status=available&land_use=industrial&min_area_mu=20&max_area_mu=150&max_price=40", c.x, c.y), 200)
            .await;
        for f in narrowed["features"].as_array().unwrap() {
            let p = &f["properties"];
            assert_eq!(p["status"], "available");
            assert_eq!(p["land_use"], "industrial");
            let mu = p["area_mu"].as_f64().unwrap();
            assert!((20.0..=150.0).contains(&mu));
            assert!(p["price_wan_per_mu"].as_f64().unwrap() <= 40.0);
        }
        assert!(narrowed["numberMatched"].as_u64().unwrap() <= matched);

        // Factories and their filters.
        let factories = server
            .get_json(&format!("/api/search?layer=factories&lon={}&lat={}&radius_m=20000&min_clear_height_m=8&max_rent=30", c.x, c.y), 200)
            .await;
        for f in factories["features"].as_array().unwrap() {
            assert!(f["properties"]["clear_height_m"].as_f64().unwrap() >= 8.0);
            assert!(f["properties"]["rent_yuan_m2_month"].as_f64().unwrap() <= 30.0);
        }

        // Proximity to a highway exit: every hit is within 3 km of one.
        let near = server
            .get_json(
                &format!(
                    "/api/search?lon={}&lat={}&radius_m=20000&near=highway_exit:3000",
                    c.x, c.y
                ),
                200,
            )
            .await;
        let exits = server
            .get_json("/api/search?layer=pois&kind=highway_exit&limit=1000", 200)
            .await;
        let exit_points: Vec<geo::Point<f64>> = exits["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                geo::Point::new(
                    f["geometry"]["coordinates"][0].as_f64().unwrap(),
                    f["geometry"]["coordinates"][1].as_f64().unwrap(),
                )
            })
            .collect();
        assert!(!exit_points.is_empty());
        for f in near["features"].as_array().unwrap() {
            let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            let shape = Shape::try_from(&g).unwrap();
            let closest = exit_points
                .iter()
                .map(|p| siteatlas_tiles::geodesy::distance_to_shape(*p, &shape))
                .fold(f64::INFINITY, f64::min);
            assert!(
                closest <= 3000.0 + 1.0,
                "{} is {closest} m from the nearest exit",
                f["properties"]["code"]
            );
        }

        // Polygon search: a park's outline finds that park's plots.
        let park = server
            .get_json("/collections/parks/items?limit=1", 200)
            .await;
        let park_code = park["features"][0]["properties"]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let in_park = server
            .get_json(
                &format!("/collections/plots/items?park={park_code}&limit=1000"),
                200,
            )
            .await;
        let body = json!({ "polygon": park["features"][0]["geometry"], "limit": 1000, "status": ["available", "reserved", "negotiating", "transferred", "withdrawn"] });
        let r = server
            .http
            .post(format!("{}/api/search", server.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let found: Value = r.json().await.unwrap();
        let found_ids: std::collections::BTreeSet<u64> = found["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_u64().unwrap())
            .collect();
        for f in in_park["features"].as_array().unwrap() {
            assert!(
                found_ids.contains(&f["id"].as_u64().unwrap()),
                "plot {} inside its park",
                f["properties"]["code"]
            );
        }

        // Bad input: 4xx with the error body, never a 500.
        for query in [
            "lon=104&lat=30&radius_m=0",
            "lon=104&lat=30&radius_m=100001",
            "lon=104&lat=91&radius_m=100",
            "lon=NaN&lat=30&radius_m=100",
            "lon=inf&lat=30&radius_m=100",
            "lon=104&lat=30&radius_m=100&limit=1001",
            "lon=104&lat=30",
            "layer=roads",
            "status=sold",
            "min_area_mu=50&max_area_mu=10",
            "near=volcano:100",
            "near=highway_exit:abc",
            "radius=5",
            "limit=-1",
            "skipGeometry=yes",
        ] {
            let body = server.get_json(&format!("/api/search?{query}"), 400).await;
            assert_error(&body, "invalid_parameter");
        }
        let post = |body: String| {
            server
                .http
                .post(format!("{}/api/search", server.base))
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let r = post("{\"lon\": 104,".into()).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_error(&r.json().await.unwrap(), "invalid_json");
        let r = post(format!("{{\"park\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)))
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(
            r.headers()["connection"],
            "close",
            "the unread rest ends the connection"
        );
        assert_error(&r.json().await.unwrap(), "body_too_large");
        let r = post(json!({"polygon": {"type": "Polygon", "coordinates": [[[104, 30], [105, 30], [104, 30]]]}}).to_string()).await.unwrap();
        assert_eq!(r.status(), 400);
        let r = post("[1, 2]".into()).await.unwrap();
        assert_eq!(r.status(), 400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn features_and_ogc_api() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;

        let landing = server.get_json("/", 200).await;
        let rels: Vec<&str> = landing["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        for rel in ["self", "service-desc", "conformance", "data"] {
            assert!(rels.contains(&rel), "landing page lacks {rel}");
        }
        let conf = server.get_json("/conformance", 200).await;
        assert!(
            conf["conformsTo"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().ends_with("/conf/core"))
        );
        let cols = server.get_json("/collections", 200).await;
        assert_eq!(cols["collections"].as_array().unwrap().len(), 5);
        assert_eq!(
            server.get_json("/collections/plots", 200).await["id"],
            "plots"
        );
        assert_error(
            &server.get_json("/collections/roads", 404).await,
            "not_found",
        );

        // Paging with links.
        let page = server
            .get_json("/collections/plots/items?limit=20", 200)
            .await;
        assert_eq!(page["numberMatched"], 50);
        assert_eq!(page["numberReturned"], 20);
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .expect("next link");
        let next_path = next["href"]
            .as_str()
            .unwrap()
            .strip_prefix(&server.base)
            .unwrap()
            .to_owned();
        let page2 = server.get_json(&next_path, 200).await;
        assert_eq!(page2["numberReturned"], 20);
        assert_ne!(page2["features"][0]["id"], page["features"][0]["id"]);

        // bbox and property filters.
        let wenjiang = server
            .get_json(
                "/collections/plots/items?bbox=103.7,30.6,104.0,30.8&limit=1000",
                200,
            )
            .await;
        let n_wenjiang = wenjiang["numberMatched"].as_u64().unwrap();
        assert!(n_wenjiang > 0 && n_wenjiang < 50, "{n_wenjiang}");
        for f in wenjiang["features"].as_array().unwrap() {
            let lon = f["geometry"]["coordinates"][0][0][0].as_f64().unwrap();
            assert!((103.6..104.1).contains(&lon));
        }
        let available = server
            .get_json("/collections/plots/items?status=available&limit=1000", 200)
            .await;
        assert!(
            available["features"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["properties"]["status"] == "available")
        );
        assert!(available["numberMatched"].as_u64().unwrap() < 50);
        assert_error(
            &server
                .get_json("/collections/plots/items?bbox=1,2,3", 400)
                .await,
            "invalid_parameter",
        );
        assert_error(
            &server
                .get_json("/collections/plots/items?limit=0", 400)
                .await,
            "invalid_parameter",
        );

        // One feature, with an ETag from its version, under both paths.
        let id = page["features"][0]["id"].as_u64().unwrap();
        for path in [
            format!("/api/plots/{id}"),
            format!("/collections/plots/items/{id}"),
        ] {
            let r = server.get(&path).await;
            assert_eq!(r.status(), 200, "{path}");
            let etag = r.headers()["etag"].to_str().unwrap().to_owned();
            assert!(etag.contains("-v1"), "{etag}");
            let f: Value = r.json().await.unwrap();
            assert_eq!(f["type"], "Feature");
            assert_eq!(f["id"], id);
            let again = server
                .http
                .get(format!("{}{path}", server.base))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304);
        }
        assert_error(
            &server.get_json("/api/plots/999999", 404).await,
            "not_found",
        );
        assert_error(
            &server.get_json("/api/plots/abc", 400).await,
            "invalid_parameter",
        );
        assert_error(&server.get_json("/api/roads/1", 404).await, "not_found");
    }
}

/// GDAL's OGC API driver reads every layer, as QGIS would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_every_layer() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let url = format!("OAPIF:{}/", server.base);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("ogrinfo")
            .args(["-ro", "-al", "-so", &url])
            .output()
    })
    .await
    .unwrap()
    .expect("ogrinfo (gdal-bin) is installed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (layer, count) in [("parks", 7), ("plots", 50), ("factories", 20), ("pois", 23)] {
        let at = text
            .find(&format!("Layer name: {layer}"))
            .unwrap_or_else(|| panic!("no layer {layer} in:\n{text}"));
        let section = &text[at..];
        assert!(
            section.contains(&format!("Feature Count: {count}")),
            "{layer}: {section}"
        );
    }
}
