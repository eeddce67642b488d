//! Real land-department files, end to end, against PostGIS.
//!
//! Real-world outlines (OpenStreetMap polygons, see
//! `fixtures/real/make_outlines.py`: clockwise and counterclockwise rings,
//! courtyards as holes, multipolygons) are written by GDAL's `ogr2ogr` and
//! by PostGIS into the files departments send: a zipped GBK Shapefile in a
//! CGCS2000 3-degree zone, a GeoPackage in a 6-degree zone, GeoJSON with
//! every ring clockwise and with every ring as RFC 7946 asks, and the
//! Ministry's boundary-point text file (勘测定界), whose coordinates PostGIS
//! projects. Each is imported with `siteatlas import`, a server starts over
//! the store, and every plot's area, position and attributes are compared
//! with PostGIS: `ST_Area(geography, true)` of the source outline, the
//! Hausdorff distance to it in metres, and the land use and status the
//! national codes mean. A radius search is compared with `ST_Distance`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use siteatlas_tests::{ServerOptions, StoreKind, TestServer, TestStore, siteatlas_bin};
use siteatlas_tiles::tile_math::world_to_lonlat;

/// The source outlines and their attributes as departments write them.
fn source() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/real/helsinki_outlines.geojson");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What the national codes and Chinese statuses of the fixture mean.
fn expected_land_use(code: &str) -> &'static str {
    match code {
        "M1" | "M2" | "100101" | "二类工业用地" | "0601" => "industrial",
        "W1" | "物流仓储用地" | "1101" => "logistics",
        "B1" | "商业用地" | "0901" => "commercial",
        "A35" => "rnd",
        other => panic!("the fixture has a land use the test does not know: {other}"),
    }
}

fn expected_status(status: &str) -> &'static str {
    match status {
        "未供应" | "可供" | "待出让" => "available",
        "已出让" => "transferred",
        "已预留" => "reserved",
        "洽谈中" => "negotiating",
        other => panic!("the fixture has a status the test does not know: {other}"),
    }
}

/// The PostGIS oracle: the source outlines in table `source_outlines`.
async fn oracle(store: &TestStore) -> sqlx::PgPool {
    let pool = sqlx::PgPool::connect(store.database_url.as_deref().unwrap())
        .await
        .unwrap();
    let source = source();
    let features = source["features"].as_array().unwrap();
    let codes: Vec<String> = features
        .iter()
        .map(|f| f["properties"]["地块编号"].as_str().unwrap().to_owned())
        .collect();
    let geometries: Vec<String> = features.iter().map(|f| f["geometry"].to_string()).collect();
    let props: Vec<String> = features
        .iter()
        .map(|f| f["properties"].to_string())
        .collect();
    sqlx::raw_sql(
        "CREATE TABLE source_outlines (code text PRIMARY KEY, geom geometry(Geometry, 4326), props jsonb)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO source_outlines \
         SELECT c, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), p::jsonb \
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(c, g, p)",
    )
    .bind(&codes)
    .bind(&geometries)
    .bind(&props)
    .execute(&pool)
    .await
    .unwrap();
    pool
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GeoJSON FeatureCollection of the source written by PostGIS, every
/// ring turned by `orient` (`ST_ForcePolygonCW` or `ST_ForcePolygonCCW`).
async fn geojson_from_postgis(pool: &sqlx::PgPool, orient: &str, path: &Path) {
    let text: String = sqlx::query_scalar(&format!(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object( \
           'type', 'Feature', 'properties', props, \
           'geometry', ST_AsGeoJSON({orient}(geom), 9)::json) ORDER BY code))::text \
         FROM source_outlines"
    ))
    .fetch_one(pool)
    .await
    .unwrap();
    std::fs::write(path, text).unwrap();
}

/// The boundary-point text file (勘测定界) of the source in CGCS2000
/// 3-degree zone 35, in GBK, with the coordinates PostGIS projects: X the
/// northing, Y the easting with the zone number before it, as surveyors
/// write them. Each polygon's rings are numbered on from the last part's.
/// One point of a plot as PostGIS dumps it: code, name, hectares, part,
/// ring, point, northing, easting.
type DumpedPoint = (String, String, f64, i32, i32, i32, f64, f64);

/// A plot of the boundary-point file: name, hectares, (part, ring, X, Y).
type BoundaryPlot = (String, f64, Vec<(i32, i32, f64, f64)>);

async fn boundary_point_file(pool: &sqlx::PgPool, path: &Path) {
    let rows: Vec<DumpedPoint> = sqlx::query_as(
        "SELECT code, props->>'地块名称', ST_Area(geom::geography, true) / 10000.0, \
                (d).path[1], (d).path[2], (d).path[3], ST_Y((d).geom), ST_X((d).geom) \
         FROM (SELECT code, props, geom, ST_DumpPoints(ST_Multi(ST_Transform(geom, 4523))) AS d \
               FROM source_outlines) t \
         ORDER BY code, (d).path[1], (d).path[2], (d).path[3]",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut plots: BTreeMap<String, BoundaryPlot> = BTreeMap::new();
    for (code, name, hectares, part, ring, _point, x, y) in rows {
        plots
            .entry(code)
            .or_insert_with(|| (name, hectares, Vec::new()))
            .2
            .push((part, ring, x, y));
    }
    let mut text = String::from(
        "[属性描述]\r\n格式版本号=1.01版本\r\n数据产生单位=国土资源部\r\n数据产生日期=2026-11-20\r\n\
         坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=35\r\n\
         精度=0.001\r\n转换参数=,,,,,,\r\n[地块坐标]\r\n",
    );
    for (code, (name, hectares, points)) in &plots {
        text += &format!(
            "{},{hectares:.6},{code},{name},面,,工业用地,,@\r\n",
            points.len()
        );
        // Ring numbers run on across parts: part 2's exterior is ring
        // (rings of part 1) + 1.
        let mut ring_base = 0;
        let mut last_part = 1;
        let mut last_ring = 0;
        for (n, (part, ring, x, y)) in points.iter().enumerate() {
            if *part != last_part {
                ring_base += last_ring;
                last_part = *part;
            }
            last_ring = *ring;
            text += &format!("J{},{},{x:.3},{y:.3}\r\n", n + 1, ring_base + ring);
        }
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(path, bytes).unwrap();
}

/// Imports a file into a fresh PostGIS store and checks every plot against
/// the source outlines.
/// The attributes each imported plot should have.
#[derive(Clone, Copy)]
enum Attributes {
    /// Those of the source, mapped from the national codes and Chinese words.
    OfTheSource,
    /// One land use and status for all.
    Fixed(&'static str, &'static str),
}

async fn import_and_compare(file: &Path, extra: &[&str], what: &str, attributes: Attributes) {
    let store = TestStore::new(StoreKind::Postgis).await;
    let mut args: Vec<String> = vec!["import".into(), "--layer".into(), "plots".into()];
    args.push(file.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(store.cli_flags());
    let out = Command::new(siteatlas_bin()).args(&args).output().unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what}: import failed: {report}");

    let server = TestServer::start(
        &store,
        ServerOptions {
            demo: false,
            tile_cache_mb: 0,
        },
    )
    .await;
    let pool = oracle(&store).await;
    let items = server
        .get_json("/collections/plots/items?limit=10000", 200)
        .await;
    let features = items["features"].as_array().unwrap();
    let source_count: i64 = sqlx::query_scalar("SELECT count(*) FROM source_outlines")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(features.len() as i64, source_count, "{what}: {report}");

    // Every exterior ring counterclockwise, every hole clockwise, as stored.
    for f in features {
        let g = &f["geometry"];
        let polygons: Vec<&Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            _ => g["coordinates"].as_array().unwrap().iter().collect(),
        };
        for polygon in polygons {
            for (i, ring) in polygon.as_array().unwrap().iter().enumerate() {
                let pts: Vec<(f64, f64)> = ring
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                    .collect();
                let twice_area: f64 = pts
                    .windows(2)
                    .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                    .sum();
                assert_eq!(
                    twice_area > 0.0,
                    i == 0,
                    "{what}: {} ring {i} wound the wrong way",
                    f["properties"]["code"]
                );
            }
        }
    }

    let codes: Vec<String> = features
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
        .collect();
    let geometries: Vec<String> = features.iter().map(|f| f["geometry"].to_string()).collect();
    let compared: Vec<(String, f64, f64, Value)> = sqlx::query_as(
        "SELECT s.code, ST_Area(s.geom::geography, true), \
                ST_HausdorffDistance(ST_Transform(s.geom, 4523), \
                                     ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(t.g), 4326), 4523)), \
                s.props \
         FROM unnest($1::text[], $2::text[]) AS t(c, g) JOIN source_outlines s ON s.code = t.c",
    )
    .bind(&codes)
    .bind(&geometries)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(compared.len(), features.len(), "{what}: codes differ");
    let by_code: BTreeMap<&str, &Value> = features
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap(), &f["properties"]))
        .collect();
    let mut worst_area: f64 = 0.0;
    let mut worst_offset: f64 = 0.0;
    for (code, area, offset, props) in &compared {
        let got = &by_code[code.as_str()];
        let got_area = got["area_m2"].as_f64().unwrap();
        let error = (got_area - area).abs() / area;
        worst_area = worst_area.max(error);
        worst_offset = worst_offset.max(*offset);
        assert!(
            error < 1e-3,
            "{what}: {code} area {got_area} m², PostGIS {area} m²"
        );
        assert!(
            *offset < 0.01,
            "{what}: {code} lies {offset} m from its source outline"
        );
        let (land_use, status) = match attributes {
            Attributes::OfTheSource => (
                expected_land_use(props["用地性质"].as_str().unwrap()),
                expected_status(props["供应状态"].as_str().unwrap()),
            ),
            Attributes::Fixed(land_use, status) => (land_use, status),
        };
        assert_eq!(got["land_use"], land_use, "{what}: {code}");
        assert_eq!(got["status"], status, "{what}: {code}");
        assert_eq!(got["name"], props["地块名称"], "{what}: {code}");
    }
    eprintln!(
        "{what}: {} plots, worst area error {worst_area:e}, worst offset {worst_offset:.6} m",
        compared.len()
    );

    // A radius search against ST_Distance on the spheroid.
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c FROM source_outlines) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let radius = 400.0;
    let want: BTreeMap<String, f64> = sqlx::query_as::<_, (String, f64)>(
        "SELECT code, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, true) \
         FROM source_outlines \
         WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3, true)",
    )
    .bind(lon)
    .bind(lat)
    .bind(radius)
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(want.len() > 50, "{what}: the search should find many plots");
    let answer = server
        .get_json(
            &format!(
                "/api/search?layer=plots&lon={lon}&lat={lat}&radius_m={radius}&limit=1000&properties=code,distance_m&skipGeometry=true"
            ),
            200,
        )
        .await;
    let got: BTreeMap<String, f64> = answer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["code"].as_str().unwrap().to_owned(),
                f["properties"]["distance_m"].as_f64().unwrap(),
            )
        })
        .collect();
    for (code, d) in &want {
        if *d < radius - 0.5 {
            let g = got
                .get(code)
                .unwrap_or_else(|| panic!("{what}: {code} at {d} m not found"));
            assert!(
                (g - d).abs() < 0.05,
                "{what}: {code} at {g} m, PostGIS {d} m"
            );
        }
    }
    for (code, g) in &got {
        assert!(
            want.contains_key(code) || *g > radius - 0.5,
            "{what}: {code} found at {g} m, beyond PostGIS's {radius} m"
        );
    }

    label_points_against_the_inscribed_circle(&server, &pool, what).await;
}

/// Each plot's label point (where the tiles name it) against PostGIS's
/// largest inscribed circle of its largest part, in Web Mercator where the
/// index finds it: inside the outline, and nearer its edges than the
/// circle's centre by at most the index's precision, 1/16 of the part's
/// larger side.
async fn label_points_against_the_inscribed_circle(
    server: &TestServer,
    pool: &sqlx::PgPool,
    what: &str,
) {
    let (codes, lons, lats): (Vec<String>, Vec<f64>, Vec<f64>) = {
        let atlas = server.state.atlas.read();
        let mut columns = (Vec::new(), Vec::new(), Vec::new());
        for e in atlas.plots.iter() {
            let (lon, lat) = world_to_lonlat(e.world_label.x, e.world_label.y);
            columns.0.push(e.feature.code.clone());
            columns.1.push(lon);
            columns.2.push(lat);
        }
        columns
    };
    let rows: Vec<(String, bool, f64, f64, f64)> = sqlx::query_as(
        "WITH ours AS (SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(code, lon, lat)), \
              largest AS (SELECT DISTINCT ON (s.code) s.code, ST_Transform(d.geom, 3857) AS g \
                          FROM source_outlines s, ST_Dump(s.geom) d \
                          ORDER BY s.code, ST_Area(d.geom) DESC), \
              placed AS (SELECT l.code, l.g, ST_Transform(ST_SetSRID(ST_MakePoint(o.lon, o.lat), 4326), 3857) AS p \
                         FROM largest l JOIN ours o ON o.code = l.code) \
         SELECT code, ST_Intersects(g, p), ST_Distance(ST_Boundary(g), p), \
                (ST_MaximumInscribedCircle(g)).radius, \
                GREATEST(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) \
         FROM placed",
    )
    .bind(&codes)
    .bind(&lons)
    .bind(&lats)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        rows.len(),
        codes.len(),
        "{what}: every plot has a label point"
    );
    let mut worst: f64 = 0.0;
    for (code, inside, clearance, best, side) in &rows {
        assert!(inside, "{what}: {code}'s label point is outside it");
        let shortfall = best - clearance;
        worst = worst.max(shortfall / side);
        assert!(
            shortfall <= side / 16.0 + 0.01,
            "{what}: {code}'s label point is {clearance:.2} m from its edges; \
             PostGIS's inscribed circle has a radius of {best:.2} m (side {side:.1} m)"
        );
    }
    eprintln!(
        "{what}: {} label points, worst shortfall against ST_MaximumInscribedCircle {:.4} of the side",
        rows.len(),
        worst
    );
}

/// The files, made once per test into a temporary directory.
struct Files {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Files {
    async fn new() -> (Self, TestStore, sqlx::PgPool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let store = TestStore::new(StoreKind::Postgis).await;
        let _server = TestServer::start(
            &store,
            ServerOptions {
                demo: false,
                tile_cache_mb: 0,
            },
        )
        .await;
        let pool = oracle(&store).await;
        (Self { _dir: dir, path }, store, pool)
    }

    fn at(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

fn fixture_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/real/helsinki_outlines.geojson")
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_shapefile_in_a_3_degree_zone() {
    let (files, _store, _pool) = Files::new().await;
    let zip = files.at("plots.shp.zip");
    // GDAL writes Shapefile rings clockwise, whatever the source.
    run(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:4523",
            "-lco",
            "ENCODING=GBK",
            zip.to_str().unwrap(),
            &fixture_path(),
        ],
    );
    import_and_compare(
        &zip,
        &[],
        "GBK Shapefile, EPSG:4523",
        Attributes::OfTheSource,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_geopackage_in_a_6_degree_zone() {
    let (files, _store, _pool) = Files::new().await;
    let gpkg = files.at("plots.gpkg");
    run(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            "-t_srs",
            "EPSG:4496",
            gpkg.to_str().unwrap(),
            &fixture_path(),
        ],
    );
    import_and_compare(&gpkg, &[], "GeoPackage, EPSG:4496", Attributes::OfTheSource).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geojson_in_every_ring_orientation() {
    let (files, _store, pool) = Files::new().await;
    import_and_compare(
        Path::new(&fixture_path()),
        &[],
        "GeoJSON as GDAL wrote it from OpenStreetMap",
        Attributes::OfTheSource,
    )
    .await;
    let clockwise = files.at("clockwise.geojson");
    geojson_from_postgis(&pool, "ST_ForcePolygonCW", &clockwise).await;
    import_and_compare(
        &clockwise,
        &[],
        "GeoJSON, every exterior clockwise",
        Attributes::OfTheSource,
    )
    .await;
    let rfc7946 = files.at("rfc7946.geojson");
    run(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-lco",
            "RFC7946=YES",
            rfc7946.to_str().unwrap(),
            &fixture_path(),
        ],
    );
    import_and_compare(
        &rfc7946,
        &[],
        "GeoJSON, RFC 7946 orientation",
        Attributes::OfTheSource,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boundary_point_file_in_gbk() {
    let (files, _store, pool) = Files::new().await;
    let txt = files.at("界址点坐标.txt");
    boundary_point_file(&pool, &txt).await;
    // The file gives land use in words (工业用地) and no supply status,
    // which the import is told.
    import_and_compare(
        &txt,
        &["--default", "status=available"],
        "boundary-point text file, zone 35",
        Attributes::Fixed("industrial", "available"),
    )
    .await;
}
