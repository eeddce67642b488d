//! Shapefile polygons whose rings break the format's rule (clockwise exteriors, anticlockwise
//! holes, each part's holes after it), written here ring by ring, and a Shapefile written by
//! GDAL: rings are nested by containment, so every orientation reads the same.

use std::io::{Cursor, Write};
use std::process::Command;

use geojson::GeometryValue;
use serde_json::json;
use shapefile::dbase::{FieldValue, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing, Polyline, ShapeReader, ShapeWriter};
use siteatlas_formats::{Crs, ReadOptions, read};

/// A ring in grid units of 0.001 degree from (104 E, 30 N).
type Ring = Vec<(i64, i64)>;

/// A polygon as read: its exterior, then its holes.
type Parts = Vec<Vec<Ring>>;

const UNIT: f64 = 0.001;

fn lon(x: i64) -> f64 {
    104.0 + x as f64 * UNIT
}

fn lat(y: i64) -> f64 {
    30.0 + y as f64 * UNIT
}

/// The closed, anticlockwise square from (x0, y0) to (x1, y1).
fn square(x0: i64, y0: i64, x1: i64, y1: i64) -> Ring {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
}

fn clockwise(ring: &[(i64, i64)]) -> bool {
    let twice_area: i64 = ring
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    twice_area < 0
}

fn oriented(ring: &Ring, want_clockwise: bool) -> Ring {
    let mut ring = ring.clone();
    if clockwise(&ring) != want_clockwise {
        ring.reverse();
    }
    ring
}

/// The ring without its closing point, from its least point on, in the direction whose next
/// point is the lesser: the same for one ring whatever its start and direction.
fn canonical(ring: &[(i64, i64)]) -> Ring {
    assert_eq!(ring.first(), ring.last(), "ring is closed");
    let mut open = ring[..ring.len() - 1].to_vec();
    let start = (0..open.len()).min_by_key(|&i| open[i]).unwrap();
    open.rotate_left(start);
    let mut reversed = open.clone();
    reversed[1..].reverse();
    open.min(reversed)
}

fn canonical_parts(parts: &Parts) -> Parts {
    parts
        .iter()
        .map(|rings| rings.iter().map(|r| canonical(r)).collect())
        .collect()
}

/// A Polygon or MultiPolygon as grid rings, checking every point lies on the grid.
fn parts(geometry: &GeometryValue) -> Parts {
    let polygons = match geometry {
        GeometryValue::Polygon { coordinates } => vec![coordinates.clone()],
        GeometryValue::MultiPolygon { coordinates } => coordinates.clone(),
        other => panic!("not a polygon: {other:?}"),
    };
    let grid = |v: f64, origin: f64| {
        let units = (v - origin) / UNIT;
        assert!((units - units.round()).abs() < 1e-6, "{v} is off the grid");
        units.round() as i64
    };
    polygons
        .iter()
        .map(|rings| {
            rings
                .iter()
                .map(|ring| {
                    ring.iter()
                        .map(|p| (grid(p[0], 104.0), grid(p[1], 30.0)))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// What `read` makes of a zipped Shapefile: each feature's parts, in record order.
fn read_parts(zip: &[u8]) -> Vec<Parts> {
    let dataset = read(zip, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.crs, Crs::WGS84);
    dataset
        .records
        .iter()
        .map(|r| {
            let feature = r.result.as_ref().expect("feature reads");
            parts(&feature.geometry.as_ref().unwrap().value)
        })
        .collect()
}

const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_84",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

fn zip(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The .shp and .shx of one Polygon record per feature, its rings in the order and direction
/// given.
fn shp_and_shx(features: &[Vec<Ring>]) -> (Vec<u8>, Vec<u8>) {
    let mut shp = Cursor::new(Vec::new());
    let mut shx = Cursor::new(Vec::new());
    let mut writer = ShapeWriter::with_shx(&mut shp, &mut shx);
    for rings in features {
        let parts = rings
            .iter()
            .map(|r| r.iter().map(|&(x, y)| Point::new(lon(x), lat(y))).collect())
            .collect();
        // `Polygon::with_rings` would turn each ring to the format's rule; a polygon made
        // from a polyline keeps its points as they are.
        writer
            .write_shape(&Polygon::from(Polyline::with_parts(parts)))
            .unwrap();
    }
    writer.finalize().unwrap();
    drop(writer);
    (shp.into_inner(), shx.into_inner())
}

/// A zipped Shapefile of the features with an `id` column.
fn shapefile(features: &[Vec<Ring>]) -> Vec<u8> {
    let (shp, shx) = shp_and_shx(features);
    let mut dbf = Cursor::new(Vec::new());
    let mut table = TableWriterBuilder::new()
        .add_numeric_field("id".try_into().unwrap(), 4, 0)
        .build_with_dest(&mut dbf);
    for id in 1..=features.len() {
        let mut record = shapefile::dbase::Record::default();
        record.insert("id".to_owned(), FieldValue::Numeric(Some(id as f64)));
        table.write_record(&record).unwrap();
    }
    table.finalize().unwrap();
    drop(table);
    zip(&[
        ("plots.shp", shp),
        ("plots.shx", shx),
        ("plots.dbf", dbf.into_inner()),
        ("plots.prj", WGS84_PRJ.as_bytes().to_vec()),
    ])
}

/// A test plot.
struct Plot {
    /// The rings in file order, `true` for an exterior.
    rings: Vec<(bool, Ring)>,
    /// The parts expected, each as indexes into `rings`, exterior first.
    parts: Vec<Vec<usize>>,
}

fn plot(rings: Vec<(bool, Ring)>, parts: Vec<Vec<usize>>) -> Plot {
    Plot { rings, parts }
}

fn plots() -> Vec<Plot> {
    let a = square(0, 0, 10, 10);
    let a_hole = square(2, 2, 4, 4);
    let b = square(20, 0, 30, 10);
    let b_hole = square(22, 2, 24, 4);
    let a_second_hole = square(6, 6, 8, 8);
    let lake = square(1, 1, 9, 9);
    let island = square(3, 3, 7, 7);
    let pond = square(4, 4, 6, 6);
    vec![
        // One hole after its exterior.
        plot(
            vec![(true, a.clone()), (false, a_hole.clone())],
            vec![vec![0, 1]],
        ),
        // Two parts, both parts' holes after both exteriors, in the other order.
        plot(
            vec![
                (true, a.clone()),
                (true, b),
                (false, b_hole),
                (false, a_second_hole),
            ],
            vec![vec![0, 3], vec![1, 2]],
        ),
        // The hole before its exterior.
        plot(vec![(false, a_hole), (true, a.clone())], vec![vec![1, 0]]),
        // An island in a lake, with a pond on it, out of order.
        plot(
            vec![(true, island), (true, a), (false, pond), (false, lake)],
            vec![vec![0, 2], vec![1, 3]],
        ),
    ]
}

/// Every pairing of exterior and hole directions reads as the same polygons.
#[test]
fn rings_nest_by_containment_whatever_their_direction() {
    let mut first: Option<Vec<Parts>> = None;
    for (exterior_cw, hole_cw) in [(true, false), (false, true), (true, true), (false, false)] {
        let plots = plots();
        let features: Vec<Vec<Ring>> = plots
            .iter()
            .map(|plot| {
                plot.rings
                    .iter()
                    .map(|(outer, ring)| oriented(ring, if *outer { exterior_cw } else { hole_cw }))
                    .collect()
            })
            .collect();
        let zipped = shapefile(&features);

        // The file holds the rings as written, not turned to the format's rule.
        let (shp, shx) = shp_and_shx(&features);
        let reader = ShapeReader::with_shx(Cursor::new(shp), Cursor::new(shx)).unwrap();
        let shapes = reader.read_as::<Polygon>().unwrap();
        for (shape, rings) in shapes.iter().zip(&features) {
            for (stored, ring) in shape.rings().iter().zip(rings) {
                let stored: Vec<(f64, f64)> = stored.points().iter().map(|p| (p.x, p.y)).collect();
                let written: Vec<(f64, f64)> =
                    ring.iter().map(|&(x, y)| (lon(x), lat(y))).collect();
                assert_eq!(stored, written);
            }
        }
        if !exterior_cw {
            // The crate's own reading takes an anticlockwise ring for a hole.
            assert!(matches!(shapes[0].rings()[0], PolygonRing::Inner(_)));
        }

        let read = read_parts(&zipped);
        assert_eq!(read.len(), plots.len());
        for ((got, plot), written) in read.iter().zip(&plots).zip(&features) {
            let context = format!("exterior cw {exterior_cw}, hole cw {hole_cw}, {written:?}");
            assert_eq!(got.len(), plot.parts.len(), "{context}");
            for (part, want) in got.iter().zip(&plot.parts) {
                assert_eq!(part.len(), want.len(), "{context}");
                for (ring, &w) in part.iter().zip(want) {
                    // Coordinates, and direction, as in the file.
                    assert_eq!(ring, &written[w], "{context}");
                }
            }
        }
        let canonical: Vec<Parts> = read.iter().map(canonical_parts).collect();
        match &first {
            None => first = Some(canonical),
            Some(first) => assert_eq!(
                &canonical, first,
                "exterior cw {exterior_cw}, hole cw {hole_cw}"
            ),
        }
    }
}

/// A hundred lakes with an island each, the islands first and the exterior last: the sweep
/// pairs them without comparing every ring with every other.
#[test]
fn many_rings_nest_into_many_parts() {
    let mut islands = Vec::new();
    let mut lakes = Vec::new();
    for i in 0..10 {
        for j in 0..10 {
            let (x, y) = (i * 100, j * 100);
            lakes.push(square(x + 10, y + 10, x + 90, y + 90));
            islands.push(square(x + 30, y + 30, x + 70, y + 70));
        }
    }
    let outer = square(0, 0, 1000, 1000);
    let mut rings = islands.clone();
    rings.extend(lakes.iter().cloned());
    rings.push(outer.clone());
    let read = read_parts(&shapefile(&[rings]));
    assert_eq!(read.len(), 1);
    let got = &read[0];
    assert_eq!(got.len(), 101);
    for (part, island) in got.iter().zip(&islands) {
        assert_eq!(part, &vec![island.clone()]);
    }
    let mut want = vec![outer];
    want.extend(lakes);
    assert_eq!(got[100], want);
}

/// A Shapefile written by GDAL from GeoJSON (anticlockwise exteriors there, clockwise in the
/// Shapefile): a polygon with a hole, and a multipolygon with an island in a part's hole.
#[test]
fn gdal_shapefile_reads_as_its_source() {
    let polygon = vec![square(0, 0, 10, 10), oriented(&square(2, 2, 4, 4), true)];
    let multipolygon = vec![
        vec![
            square(20, 0, 40, 20),
            oriented(&square(22, 2, 38, 18), true),
        ],
        vec![square(25, 5, 35, 15)],
        vec![square(50, 0, 60, 10)],
    ];
    let json_rings = |rings: &Vec<Ring>| -> serde_json::Value {
        rings
            .iter()
            .map(|r| {
                r.iter()
                    .map(|&(x, y)| json!([lon(x), lat(y)]))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let source = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "A"},
             "geometry": {"type": "Polygon", "coordinates": json_rings(&polygon)}},
            {"type": "Feature", "properties": {"code": "B"},
             "geometry": {"type": "MultiPolygon",
                          "coordinates": multipolygon.iter().map(json_rings).collect::<Vec<_>>()}},
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.geojson");
    std::fs::write(&src, source.to_string()).unwrap();
    let status = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile"])
        .arg(dir.path().join("plots.shp"))
        .arg(&src)
        .status()
        .expect("ogr2ogr (GDAL) must be installed to run this test");
    assert!(status.success());
    let files: Vec<(String, Vec<u8>)> = ["shp", "shx", "dbf", "prj"]
        .iter()
        .map(|ext| {
            let name = format!("plots.{ext}");
            let bytes = std::fs::read(dir.path().join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let read = read_parts(&zip(&files));

    assert_eq!(read.len(), 2);
    assert_eq!(read[0].len(), 1);
    assert_eq!(read[0][0].len(), 2);
    assert_eq!(read[1].len(), 3);
    let holes: Vec<usize> = read[1].iter().map(|p| p.len() - 1).collect();
    assert_eq!(holes, [1, 0, 0]);
    assert_eq!(canonical_parts(&read[0]), canonical_parts(&vec![polygon]));
    assert_eq!(canonical_parts(&read[1]), canonical_parts(&multipolygon));
}
