//! Filtered tiles over HTTP: what they hold, their refusals, their ETags per
//! filter, and their eviction after a write.

use geo::Centroid;
use serde_json::json;
use siteatlas_tests::{STORES, ServerOptions, TestServer, TestStore, decode_tile, tile_at};
use siteatlas_tiles::{PlotStatus, TileId};

/// Ids and statuses of the plots a tile draws.
fn plots_of(bytes: &[u8]) -> Vec<(u64, String)> {
    decode_tile(bytes)
        .into_iter()
        .filter(|(name, _)| name == "plots")
        .flat_map(|(_, fs)| fs)
        .filter_map(|f| {
            let status = match f.properties.as_ref()?.get("status") {
                Some(mvt_reader::feature::Value::String(s)) => s.clone(),
                _ => return None,
            };
            Some((f.id?, status))
        })
        .collect()
}

fn path(t: TileId, query: &str) -> String {
    format!(
        "/tiles/parks,plots/{}/{}/{}.mvt{query}",
        t.z(),
        t.x(),
        t.y()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_tiles_answer_refuse_revalidate_and_follow_writes() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (id, anchor) = {
            let atlas = server.state.atlas.read();
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

        // Only available plots, the one we follow among them.
        let available = server.get(&path(tile, "?status=available")).await;
        assert_eq!(available.status(), 200, "{kind:?}");
        let available_etag = available.headers()["etag"].to_str().unwrap().to_owned();
        let drawn = plots_of(&available.bytes().await.unwrap());
        assert!(drawn.iter().any(|(i, _)| *i == id), "{kind:?}");
        assert!(
            drawn.iter().all(|(_, s)| s == "available"),
            "{kind:?}: {drawn:?}"
        );

        // The same filter spelt otherwise is the same cache entry and ETag;
        // another filter has another ETag.
        let respelt = server
            .get(&path(
                tile,
                "?status=available,available&min_area_mu=&max_price=",
            ))
            .await;
        assert_eq!(respelt.headers()["etag"].to_str().unwrap(), available_etag);
        let unfiltered = server.get(&path(tile, "")).await;
        assert_ne!(
            unfiltered.headers()["etag"].to_str().unwrap(),
            available_etag
        );
        // The web map's cache buster is not a filter: the tile is the same.
        let unfiltered_etag = unfiltered.headers()["etag"].to_str().unwrap().to_owned();
        let busted = server.get(&path(tile, "?v=3")).await;
        assert_eq!(busted.status(), 200, "{kind:?}");
        assert_eq!(busted.headers()["etag"].to_str().unwrap(), unfiltered_etag);
        let busted = server.get(&path(tile, "?status=available&v=4")).await;
        assert_eq!(busted.headers()["etag"].to_str().unwrap(), available_etag);
        let r = server
            .http
            .get(format!(
                "{}{}",
                server.base,
                path(tile, "?status=available")
            ))
            .header("if-none-match", &available_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{kind:?}");

        // TileJSON and the style pass the filter on, in canonical form.
        let tj = server
            .get_json(
                "/tiles/parks,plots.json?status=available&min_area_mu=30.0",
                200,
            )
            .await;
        let url = tj["tiles"][0].as_str().unwrap();
        assert!(
            url.ends_with("/tiles/parks,plots/{z}/{x}/{y}.mvt?min_area_mu=30&status=available"),
            "{kind:?}: {url}"
        );
        let style = server.get_json("/style.json?status=available", 200).await;
        let source = style["sources"]["siteatlas"]["url"].as_str().unwrap();
        assert!(
            source.ends_with(".json?status=available"),
            "{kind:?}: {source}"
        );
        assert_eq!(
            server.get("/tiles/plots.json?colour=red").await.status(),
            400
        );
        let plain = server.get_json("/tiles/parks,plots.json", 200).await;
        assert!(plain["tiles"][0].as_str().unwrap().ends_with(".mvt"));

        // Refusals name the parameter.
        for (query, name) in [
            ("?colour=red", "colour"),
            ("?status=bought", "status"),
            ("?min_area_mu=many", "min_area_mu"),
            ("?min_area_mu=80&max_area_mu=30", "area_mu"),
            ("?limit=5", "limit"),
        ] {
            let r = server.get(&path(tile, query)).await;
            assert_eq!(r.status(), 400, "{kind:?} {query}");
            let body = r.text().await.unwrap();
            assert!(body.contains(name), "{kind:?} {query}: {body}");
        }

        // A PATCH takes the plot out of the filtered tile at once.
        let admin = server.token("admin", &[]).await;
        let etag = server.get(&format!("/api/plots/{id}")).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let r = server
            .http
            .patch(format!("{}/api/plots/{id}", server.base))
            .bearer_auth(&admin)
            .header("if-match", etag)
            .json(&json!({"status": "reserved", "note": "意向企业预留"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind:?}: {}", r.text().await.unwrap());
        let after = server.get(&path(tile, "?status=available")).await;
        assert_ne!(after.headers()["etag"].to_str().unwrap(), available_etag);
        let drawn = plots_of(&after.bytes().await.unwrap());
        assert!(
            !drawn.iter().any(|(i, _)| *i == id),
            "{kind:?}: still drawn"
        );
        let reserved = server.get(&path(tile, "?status=reserved")).await;
        assert!(
            plots_of(&reserved.bytes().await.unwrap())
                .iter()
                .any(|(i, s)| *i == id && s == "reserved"),
            "{kind:?}"
        );
        // Below zoom 12 the aggregates count the filtered plots only.
        let low = tile_at(anchor.x(), anchor.y(), 8);
        let count = |bytes: &[u8]| -> u64 {
            decode_tile(bytes)
                .into_iter()
                .filter(|(name, _)| name == "plots")
                .flat_map(|(_, fs)| fs)
                .map(|f| match f.properties.unwrap().get("count") {
                    Some(mvt_reader::feature::Value::UInt(n)) => *n,
                    other => panic!("count: {other:?}"),
                })
                .sum()
        };
        let all = count(&server.get(&path(low, "")).await.bytes().await.unwrap());
        let few = count(
            &server
                .get(&path(low, "?status=available"))
                .await
                .bytes()
                .await
                .unwrap(),
        );
        let atlas_available = {
            let atlas = server.state.atlas.read();
            let bounds = low.lonlat_bounds(0);
            atlas
                .plots
                .iter()
                .filter(|e| e.feature.attrs.status == PlotStatus::Available)
                .filter(|e| {
                    let c = e.feature.shape.as_area().unwrap().centroid().unwrap();
                    bounds.min().x <= c.x()
                        && c.x() < bounds.max().x
                        && bounds.min().y < c.y()
                        && c.y() <= bounds.max().y
                })
                .count() as u64
        };
        assert!(few < all, "{kind:?}: {few} of {all}");
        assert_eq!(few, atlas_available, "{kind:?}");
    }
}
