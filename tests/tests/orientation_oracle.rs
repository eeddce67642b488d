//! Derived areas against PostGIS: `ST_Area(geography, true)` (the
//! ellipsoidal area, which does not depend on ring orientation) within
//! 0.1 %, for random polygons with holes and multipart shapes in all four
//! combinations of ring orientation, and for real-world outlines
//! (OpenStreetMap polygons of central Helsinki, see
//! `fixtures/real/make_outlines.py`) in the orientation GDAL wrote them.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};
use siteatlas_fixtures::Rng;
use siteatlas_tests::{ServerOptions, StoreKind, TestServer, TestStore};
use siteatlas_tiles::Plot;
use siteatlas_tiles::geojson_io::feature_from_geojson;

/// The engine's area of a plot drawn as `geometry`, with no surveyed area.
fn engine_area(geometry: &Value) -> f64 {
    let feature: geojson::Feature = serde_json::from_value(json!({
        "type": "Feature",
        "properties": {"code": "P", "status": "available", "land_use": "industrial"},
        "geometry": geometry,
    }))
    .unwrap();
    let plot: Plot = feature_from_geojson(1, &feature).expect("a valid plot");
    plot.attrs.area_m2
}

async fn postgis_areas(pool: &sqlx::PgPool, geometries: &[Value]) -> Vec<f64> {
    let texts: Vec<String> = geometries.iter().map(Value::to_string).collect();
    sqlx::query_scalar(
        "SELECT ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)::geography, true) \
         FROM unnest($1::text[]) WITH ORDINALITY AS t(g, n) ORDER BY n",
    )
    .bind(&texts)
    .fetch_all(pool)
    .await
    .expect("PostGIS areas")
}

/// A random star-shaped ring (simple by construction), counterclockwise.
fn star(rng: &mut Rng, centre: Coord<f64>, min_m: f64, max_m: f64) -> LineString<f64> {
    let n = 4 + rng.below(12);
    let cos_lat = centre.y.to_radians().cos();
    let mut coords: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i as f64 + 0.8 * rng.unit()) / n as f64;
            let r = min_m + (max_m - min_m) * rng.unit();
            Coord {
                x: centre.x + r * a.cos() / (111_320.0 * cos_lat),
                y: centre.y + r * a.sin() / 110_574.0,
            }
        })
        .collect();
    coords.push(coords[0]);
    LineString(coords)
}

fn reversed(mut ring: LineString<f64>, reverse: bool) -> LineString<f64> {
    if reverse {
        ring.0.reverse();
    }
    ring
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn areas_match_postgis_in_every_orientation() {
    let store = TestStore::new(StoreKind::Postgis).await;
    // Starting a server creates the schema and the PostGIS extension.
    let _server = TestServer::start(
        &store,
        ServerOptions {
            demo: false,
            tile_cache_mb: 0,
        },
    )
    .await;
    let pool = sqlx::PgPool::connect(store.database_url.as_deref().unwrap())
        .await
        .unwrap();

    let mut rng = Rng::new(18);
    let mut geometries = Vec::new();
    for _ in 0..200 {
        let centre = Coord {
            x: 73.0 + 62.0 * rng.unit(),
            y: 18.0 + 35.0 * rng.unit(),
        };
        let size = 20.0 + 3_000.0 * rng.unit();
        let parts = 1 + rng.below(3);
        let shapes: Vec<(LineString<f64>, Option<LineString<f64>>)> = (0..parts)
            .map(|i| {
                let c = Coord {
                    x: centre.x + 0.1 * i as f64,
                    y: centre.y,
                };
                let hole = rng
                    .chance(0.6)
                    .then(|| star(&mut rng, c, 0.05 * size, 0.45 * size));
                (star(&mut rng, c, 0.5 * size, size), hole)
            })
            .collect();
        for (exterior_cw, hole_ccw) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let mp = MultiPolygon(
                shapes
                    .iter()
                    .map(|(e, h)| {
                        Polygon::new(
                            reversed(e.clone(), exterior_cw),
                            h.iter().map(|h| reversed(h.clone(), !hole_ccw)).collect(),
                        )
                    })
                    .collect(),
            );
            geometries.push(
                serde_json::to_value(geojson::Geometry::new(geojson::GeometryValue::from(&mp)))
                    .unwrap(),
            );
        }
    }
    let expected = postgis_areas(&pool, &geometries).await;
    let mut worst: f64 = 0.0;
    for (i, (g, want)) in geometries.iter().zip(&expected).enumerate() {
        let got = engine_area(g);
        let error = (got - want).abs() / want;
        worst = worst.max(error);
        assert!(
            error < 1e-3,
            "shape {} orientation {}: {got} m², PostGIS {want} m²",
            i / 4,
            i % 4
        );
        // All four orientations of a shape derive the very same area.
        let first = engine_area(&geometries[i - i % 4]);
        assert_eq!(got, first, "shape {} orientation {}", i / 4, i % 4);
    }
    eprintln!("worst relative area error against PostGIS: {worst:e}");

    // Real outlines, as GDAL wrote them from OpenStreetMap.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/real/helsinki_outlines.geojson"),
    )
    .unwrap();
    let outlines: Value = serde_json::from_str(&text).unwrap();
    let geometries: Vec<Value> = outlines["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["geometry"].clone())
        .collect();
    assert!(geometries.len() > 900);
    let expected = postgis_areas(&pool, &geometries).await;
    for (g, want) in geometries.iter().zip(&expected) {
        let got = engine_area(g);
        assert!(
            (got - want).abs() < 1e-3 * want,
            "{got} m², PostGIS {want} m²: {g}"
        );
    }
}
