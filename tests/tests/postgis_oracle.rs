//! PostGIS as the oracle: tiles against `ST_AsMVTGeom`, searches against
//! `ST_DWithin`/`ST_Distance` on geography, on a generated dataset.

use std::collections::BTreeMap;

use geo::{Area, Centroid, Geometry};
use siteatlas_fixtures::{GeneratorConfig, generate};
use siteatlas_server::features::to_row;
use siteatlas_tests::{ServerOptions, StoreKind, TestServer, TestStore, decode_tile, tile_at};
use siteatlas_tiles::{LayerKind, TileId};
use sqlx::Row;

/// A PostGIS store holding a generated dataset, and a server over it.
async fn loaded(
    plots: usize,
) -> (
    TestStore,
    TestServer,
    sqlx::PgPool,
    siteatlas_fixtures::Dataset,
) {
    let store = TestStore::new(StoreKind::Postgis).await;
    let data = generate(GeneratorConfig { seed: 99, plots });
    let server = TestServer::start(
        &store,
        ServerOptions {
            demo: false,
            tile_cache_mb: 0,
        },
    )
    .await;
    server
        .state
        .write(&[
            (LayerKind::Parks, data.parks.iter().map(to_row).collect()),
            (LayerKind::Plots, data.plots.iter().map(to_row).collect()),
            (
                LayerKind::Factories,
                data.factories.iter().map(to_row).collect(),
            ),
            (LayerKind::Pois, data.pois.iter().map(to_row).collect()),
        ])
        .await
        .expect("load the dataset");
    let pool = sqlx::PgPool::connect(store.database_url.as_deref().unwrap())
        .await
        .unwrap();
    (store, server, pool, data)
}

/// Unsigned area of decoded polygons, in tile units².
fn tile_area(g: &Geometry<f64>) -> f64 {
    g.unsigned_area()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_agree_with_st_asmvtgeom() {
    let (_store, server, pool, data) = loaded(4_000).await;
    let mut compared = 0;
    for park in data.parks.iter().take(6) {
        let c = park.shape.as_area().unwrap().centroid().unwrap();
        for z in 13..=16u8 {
            // The tile at the park's centre and its neighbour, whose edge cuts plots.
            let t = tile_at(c.x(), c.y(), z);
            for tile in [t, TileId::new(z as u32, t.x() + 1, t.y()).unwrap()] {
                let expected: BTreeMap<i64, (f64, f64, String)> = sqlx::query(
                    "SELECT id, ST_Area(g) AS area, ST_Perimeter(g) AS perimeter, ST_AsText(g) AS wkt FROM ( \
                       SELECT id, ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS g \
                       FROM plots WHERE ST_Transform(geom, 3857) && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) \
                     ) t WHERE g IS NOT NULL",
                )
                .bind(z as i32)
                .bind(tile.x() as i32)
                .bind(tile.y() as i32)
                .try_map(|r: sqlx::postgres::PgRow| Ok((r.try_get::<i64, _>("id")?, (r.try_get::<f64, _>("area")?, r.try_get::<f64, _>("perimeter")?, r.try_get::<String, _>("wkt")?))))
                .fetch_all(&pool)
                .await
                .unwrap()
                .into_iter()
                .collect();
                let expected_wkt: BTreeMap<i64, String> = expected
                    .iter()
                    .map(|(id, (_, _, w))| (*id, w.clone()))
                    .collect();
                let perimeter: BTreeMap<i64, f64> =
                    expected.iter().map(|(id, (_, p, _))| (*id, *p)).collect();
                let expected: BTreeMap<i64, f64> = expected
                    .into_iter()
                    .map(|(id, (a, _, _))| (id, a))
                    .collect();

                let r = server
                    .get(&format!("/tiles/plots/{z}/{}/{}.mvt", tile.x(), tile.y()))
                    .await;
                let decoded: BTreeMap<i64, Geometry<f64>> = if r.status() == 204 {
                    BTreeMap::new()
                } else {
                    decode_tile(&r.bytes().await.unwrap())
                        .into_iter()
                        .filter(|(name, _)| name == "plots")
                        .flat_map(|(_, fs)| fs)
                        .map(|f| (f.id.unwrap() as i64, f.geometry))
                        .collect()
                };
                let ours: BTreeMap<i64, f64> =
                    decoded.iter().map(|(id, g)| (*id, tile_area(g))).collect();
                // Slivers of a unit or two along the buffer edge may round away on either side.
                let sliver = 4.0;
                for (id, area) in &expected {
                    match ours.get(id) {
                        Some(a) => {
                            // 5 %, or for slivers along the buffer edge what moving
                            // every edge by half a grid unit can change.
                            let tolerance = (0.05 * area).max(0.5 * perimeter[id]).max(sliver);
                            assert!(
                                (a - area).abs() <= tolerance,
                                "tile {tile}: plot {id} has area {a}, PostGIS {area}\n ours: {:?}\n PostGIS: {}",
                                decoded[id],
                                expected_wkt[id]
                            );
                        }
                        None => assert!(
                            *area <= sliver,
                            "tile {tile}: plot {id} (area {area}) missing"
                        ),
                    }
                }
                for (id, area) in &ours {
                    assert!(
                        expected.contains_key(id) || *area <= sliver,
                        "tile {tile}: plot {id} (area {area}) not in PostGIS's tile"
                    );
                }
                compared += expected.len();
            }
        }
    }
    assert!(compared > 1_000, "only {compared} plot clips compared");
}

/// Deterministic pseudo-random numbers for the test.
struct Lcg(u64);
impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_agree_with_st_dwithin() {
    let (_store, server, pool, data) = loaded(4_000).await;
    let mut rng = Lcg(7);
    let statuses = [
        "available",
        "reserved",
        "negotiating",
        "transferred",
        "withdrawn",
    ];
    let uses = ["industrial", "logistics", "rnd", "commercial", "mixed"];
    let mut compared = 0;
    for round in 0..60 {
        let park = &data.parks[round % data.parks.len()];
        let c = park.shape.as_area().unwrap().centroid().unwrap();
        let lon = c.x() + (rng.unit() - 0.5) * 0.08;
        let lat = c.y() + (rng.unit() - 0.5) * 0.08;
        let radius = 100.0 + rng.unit() * 7_900.0;
        let mut query = format!("/api/search?lon={lon}&lat={lat}&radius_m={radius}&limit=1000");
        let status: Option<Vec<&str>> = (round % 2 == 0).then(|| {
            statuses
                .iter()
                .copied()
                .filter(|_| rng.unit() < 0.5)
                .collect()
        });
        let land_use: Option<Vec<&str>> = (round % 3 == 0).then(|| vec![uses[round % uses.len()]]);
        let min_mu = (round % 4 == 1).then(|| 10.0 + rng.unit() * 60.0);
        let max_mu = (round % 4 == 1).then(|| 80.0 + rng.unit() * 100.0);
        let status = status.filter(|s| !s.is_empty());
        if let Some(s) = &status {
            query += &format!("&status={}", s.join(","));
        }
        if let Some(u) = &land_use {
            query += &format!("&land_use={}", u.join(","));
        }
        if let (Some(lo), Some(hi)) = (min_mu, max_mu) {
            query += &format!("&min_area_mu={lo}&max_area_mu={hi}");
        }
        let ours = server.get_json(&query, 200).await;
        assert!(
            ours["numberMatched"].as_u64().unwrap() <= 1000,
            "page too small for the comparison"
        );
        let ours: BTreeMap<i64, f64> = ours["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_i64().unwrap(),
                    f["properties"]["distance_m"].as_f64().unwrap(),
                )
            })
            .collect();
        // The same question in SQL, on the ellipsoid (geography), with a margin
        // so that features just beyond the radius are seen too.
        let oracle: BTreeMap<i64, f64> = sqlx::query(
            "SELECT id, ST_Distance(geom::geography, pt) AS d FROM plots, \
               (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS pt) p \
             WHERE ST_DWithin(geom::geography, pt, $3 * 1.01 + 1) \
               AND ($4::text[] IS NULL OR status = ANY($4)) \
               AND ($5::text[] IS NULL OR land_use = ANY($5)) \
               AND ($6::float8 IS NULL OR area_m2 / 666.67 >= $6) \
               AND ($7::float8 IS NULL OR area_m2 / 666.67 <= $7)",
        )
        .bind(lon)
        .bind(lat)
        .bind(radius)
        .bind(
            status
                .as_ref()
                .map(|s| s.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
        )
        .bind(
            land_use
                .as_ref()
                .map(|s| s.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
        )
        .bind(min_mu)
        .bind(max_mu)
        .try_map(|r: sqlx::postgres::PgRow| {
            Ok((r.try_get::<i64, _>("id")?, r.try_get::<f64, _>("d")?))
        })
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let tolerance = |d: f64| (0.001 * d).max(0.5);
        for (id, d) in &oracle {
            let inside = *d <= radius;
            match ours.get(id) {
                Some(ours_d) => assert!(
                    (ours_d - d).abs() <= tolerance(*d),
                    "plot {id}: {ours_d} m here, {d} m in PostGIS"
                ),
                None => assert!(
                    !inside || (radius - d) <= tolerance(*d),
                    "plot {id} at {d} m missing from a {radius} m search"
                ),
            }
        }
        for (id, d) in &ours {
            let pg = oracle.get(id).copied();
            assert!(
                pg.is_some_and(|pg| pg <= radius || pg - radius <= tolerance(pg)),
                "plot {id} at {d} m found, PostGIS says {pg:?} for radius {radius}"
            );
        }
        compared += oracle.len();
    }
    assert!(compared > 500, "only {compared} distances compared");
}
