//! GeoPackage geometry blobs: the binary header and the WKB after it, in every dimension,
//! byte order and flavour a writer may use, each row of a GeoPackage written here by hand
//! with SQLite. Each blob gives the right lon/lat or a clear error for its own feature.

use geojson::GeometryValue;
use rusqlite::Connection;
use siteatlas_formats::{Format, ReadOptions, Record, read_path};

/// Little- or big-endian WKB, written field by field.
struct Wkb {
    out: Vec<u8>,
    little: bool,
}

impl Wkb {
    fn new(little: bool, code: u32) -> Wkb {
        let mut w = Wkb {
            out: vec![u8::from(little)],
            little,
        };
        w.u32(code);
        w
    }

    fn u32(&mut self, v: u32) -> &mut Wkb {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
        self
    }

    fn f64s(&mut self, values: &[f64]) -> &mut Wkb {
        for v in values {
            let b = if self.little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        self
    }

    /// Rings (or a line, as one ring) of points of any dimension.
    fn rings(&mut self, rings: &[&[&[f64]]]) -> &mut Wkb {
        self.u32(rings.len() as u32);
        for ring in rings {
            self.points(ring);
        }
        self
    }

    fn points(&mut self, points: &[&[f64]]) -> &mut Wkb {
        self.u32(points.len() as u32);
        for p in points {
            self.f64s(p);
        }
        self
    }

    fn members(&mut self, members: &[Vec<u8>]) -> &mut Wkb {
        self.u32(members.len() as u32);
        for m in members {
            self.out.extend_from_slice(m);
        }
        self
    }

    fn done(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// A GeoPackage blob: `GP`, version 0, flags, srs_id and an envelope of `envelope` doubles
/// (0, 4, 6 or 8) in the header's byte order, then the WKB.
fn gp(wkb: &[u8], srs_id: i32, header_little: bool, envelope: usize, empty: bool) -> Vec<u8> {
    let code = match envelope {
        0 => 0,
        4 => 1,
        6 => 2,
        8 => 4,
        _ => unreachable!(),
    };
    let flags = u8::from(header_little) | (code << 1) | if empty { 0x10 } else { 0 };
    let mut out = vec![b'G', b'P', 0, flags];
    out.extend_from_slice(&if header_little {
        srs_id.to_le_bytes()
    } else {
        srs_id.to_be_bytes()
    });
    for _ in 0..envelope {
        out.extend_from_slice(&if header_little {
            1.0f64.to_le_bytes()
        } else {
            1.0f64.to_be_bytes()
        });
    }
    out.extend_from_slice(wkb);
    out
}

fn plain(wkb: &[u8]) -> Vec<u8> {
    gp(wkb, 4490, true, 4, false)
}

/// A square in lon/lat near Chengdu, with a square hole, in 2D.
const EXT: [&[f64]; 5] = [
    &[103.80, 30.60],
    &[103.82, 30.60],
    &[103.82, 30.62],
    &[103.80, 30.62],
    &[103.80, 30.60],
];
const HOLE: [&[f64]; 5] = [
    &[103.805, 30.605],
    &[103.805, 30.615],
    &[103.815, 30.615],
    &[103.815, 30.605],
    &[103.805, 30.605],
];

/// The square with every point given 3 or 4 ordinates: z = 500 + i, m = 7.
fn square_with(extra: &[f64]) -> Vec<Vec<f64>> {
    EXT.iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = p.to_vec();
            for e in extra {
                v.push(if *e == 0.0 { 500.0 + i as f64 } else { *e });
            }
            v
        })
        .collect()
}

fn polygon_of(little: bool, code: u32, points: &[Vec<f64>]) -> Vec<u8> {
    let ring: Vec<&[f64]> = points.iter().map(Vec::as_slice).collect();
    Wkb::new(little, code).rings(&[&ring]).done()
}

/// Writes a GeoPackage whose table `plots` (srs_id 4490, EPSG:4490) holds one row per blob.
fn geopackage(blobs: &[Option<Vec<u8>>]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blobs.gpkg");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
             organization TEXT, organization_coordsys_id INTEGER, definition TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('China Geodetic Coordinate System 2000', 4490,
             'EPSG', 4490, 'undefined');
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT);
         INSERT INTO gpkg_contents VALUES ('plots', 'features');
         CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
             geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
         INSERT INTO gpkg_geometry_columns VALUES ('plots', 'geom', 'GEOMETRY', 4490, 2, 2);
         CREATE TABLE plots (fid INTEGER PRIMARY KEY, code TEXT, geom BLOB);",
    )
    .unwrap();
    for (i, blob) in blobs.iter().enumerate() {
        conn.execute(
            "INSERT INTO plots (code, geom) VALUES (?1, ?2)",
            rusqlite::params![format!("P-{}", i + 1), blob],
        )
        .unwrap();
    }
    (dir, path)
}

fn read_blobs(blobs: &[Option<Vec<u8>>]) -> Vec<Record> {
    let (_dir, path) = geopackage(blobs);
    let dataset = read_path(&path, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::GeoPackage);
    assert_eq!(dataset.records.len(), blobs.len());
    dataset.records
}

fn value(record: &Record) -> &GeometryValue {
    let feature = record.result.as_ref().unwrap_or_else(|e| panic!("{e}"));
    &feature.geometry.as_ref().unwrap().value
}

fn reason(record: &Record) -> &str {
    &record.result.as_ref().unwrap_err().reason
}

fn exterior(value: &GeometryValue) -> &Vec<geojson::Position> {
    match value {
        GeometryValue::Polygon { coordinates } => &coordinates[0],
        other => panic!("not a polygon: {other:?}"),
    }
}

#[test]
fn dimensions_keep_z_and_drop_m() {
    let records = read_blobs(&[
        Some(plain(&polygon_of(true, 3, &square_with(&[])))),
        Some(plain(&polygon_of(true, 1003, &square_with(&[0.0])))),
        Some(plain(&polygon_of(true, 2003, &square_with(&[7.0])))),
        Some(plain(&polygon_of(true, 3003, &square_with(&[0.0, 7.0])))),
    ]);
    for (i, record) in records.iter().enumerate() {
        let ring = exterior(value(record));
        assert_eq!(ring.len(), 5);
        for (j, (got, want)) in ring.iter().zip(EXT).enumerate() {
            assert_eq!(&got[..2], want, "row {}", i + 1);
            match i {
                // Z (with or without M) stays as the third ordinate.
                1 | 3 => assert_eq!(got[2..], [500.0 + j as f64]),
                _ => assert_eq!(got.len(), 2, "M is dropped"),
            }
        }
    }
}

#[test]
fn byte_orders_of_wkb_and_header() {
    let square = square_with(&[]);
    let records = read_blobs(&[
        // Big-endian WKB after a little-endian header, and the reverse, with each envelope
        // size, all on the column's srs_id.
        Some(gp(&polygon_of(false, 3, &square), 4490, true, 4, false)),
        Some(gp(&polygon_of(true, 3, &square), 4490, false, 6, false)),
        Some(gp(
            &polygon_of(false, 1003, &square_with(&[0.0])),
            4490,
            false,
            8,
            false,
        )),
        Some(gp(&polygon_of(true, 3, &square), 4490, true, 0, false)),
        // A big-endian header read as little-endian would name srs_id -1442512896.
        Some(gp(&polygon_of(true, 3, &square), 4326, false, 4, false)),
    ]);
    for record in &records[..4] {
        let ring = exterior(value(record));
        assert_eq!(&ring[1][..2], [103.82, 30.60]);
    }
    assert_eq!(
        reason(&records[4]),
        "geometry header names srs_id 4326, but the column's is 4490"
    );
}

#[test]
fn ewkb_is_read_when_its_srid_agrees() {
    const SRID: u32 = 0x2000_0000;
    const Z: u32 = 0x8000_0000;
    const M: u32 = 0x4000_0000;
    let ewkb = |little: bool, code: u32, srid: u32, points: &[Vec<f64>]| {
        let ring: Vec<&[f64]> = points.iter().map(Vec::as_slice).collect();
        Wkb::new(little, code).u32(srid).rings(&[&ring]).done()
    };
    let records = read_blobs(&[
        Some(plain(&ewkb(true, 3 | SRID, 4490, &square_with(&[])))),
        Some(plain(&ewkb(
            false,
            3 | SRID | Z,
            4490,
            &square_with(&[0.0]),
        ))),
        Some(plain(&ewkb(
            true,
            3 | SRID | Z | M,
            0,
            &square_with(&[0.0, 7.0]),
        ))),
        // EWKB dimensions without an SRID.
        Some(plain(&polygon_of(true, 3 | M, &square_with(&[7.0])))),
        // A geometry PostGIS says is WGS84 in a CGCS2000 column.
        Some(plain(&ewkb(true, 3 | SRID, 4326, &square_with(&[])))),
        // ISO and EWKB dimensions at once.
        Some(plain(&polygon_of(true, 1003 | Z, &square_with(&[0.0])))),
    ]);
    for (i, record) in records[..4].iter().enumerate() {
        let ring = exterior(value(record));
        assert_eq!(&ring[2][..2], [103.82, 30.62]);
        let want_z = matches!(i, 1 | 2);
        assert_eq!(ring[2].len(), if want_z { 3 } else { 2 }, "row {}", i + 1);
    }
    assert_eq!(
        reason(&records[4]),
        "EWKB names SRID 4326, but the column is in EPSG:4490 (srs_id 4490)"
    );
    assert!(
        reason(&records[5]).contains("mixes ISO and EWKB dimensions"),
        "{}",
        reason(&records[5])
    );
}

#[test]
fn an_explicit_crs_is_trusted_over_the_blobs() {
    let blob = gp(
        &polygon_of(true, 3, &square_with(&[])),
        4326,
        true,
        4,
        false,
    );
    let (_dir, path) = geopackage(&[Some(blob)]);
    let options = ReadOptions {
        crs: Some(siteatlas_formats::Crs::CGCS2000),
        ..Default::default()
    };
    let dataset = read_path(&path, &options).unwrap();
    assert!(dataset.records[0].result.is_ok());
}

#[test]
fn multipolygons_with_holes() {
    let polygon_with_hole = Wkb::new(false, 3).rings(&[&EXT, &HOLE]).done();
    let east: Vec<Vec<f64>> = EXT.iter().map(|p| vec![p[0] + 0.1, p[1]]).collect();
    let second = polygon_of(false, 3, &east);
    let multi = Wkb::new(false, 6)
        .members(&[polygon_with_hole.clone(), second.clone()])
        .done();
    // The same members in a little-endian MultiPolygon: their byte order differs from it.
    let mixed = Wkb::new(true, 6)
        .members(&[polygon_with_hole, second.clone()])
        .done();
    // A LineString where a Polygon belongs.
    let line = Wkb::new(false, 2).points(&EXT).done();
    let wrong_member = Wkb::new(false, 6).members(&[second.clone(), line]).done();
    // A polygon's bytes under a LineString's type code: the decoder would read it as a
    // polygon all the same.
    let mut disguised = second.clone();
    disguised[4] = 2;
    let disguised = Wkb::new(false, 6).members(&[second, disguised]).done();
    let records = read_blobs(&[
        Some(plain(&multi)),
        Some(plain(&mixed)),
        Some(plain(&wrong_member)),
        Some(plain(&disguised)),
    ]);
    match value(&records[0]) {
        GeometryValue::MultiPolygon { coordinates } => {
            assert_eq!(coordinates.len(), 2);
            assert_eq!(coordinates[0].len(), 2, "exterior and hole");
            assert_eq!(&coordinates[0][1][1][..], HOLE[1]);
            assert_eq!(coordinates[1].len(), 1);
            assert_eq!(&coordinates[1][0][1][..], [103.82 + 0.1, 30.60]);
        }
        other => panic!("not a multipolygon: {other:?}"),
    }
    assert_eq!(
        reason(&records[1]),
        "member 1 of a WKB multi-geometry has a different type, dimension or byte order"
    );
    // Read as a polygon, the line's bytes do not add up.
    assert!(records[2].result.is_err());
    assert_eq!(
        reason(&records[3]),
        "member 2 of a WKB multi-geometry has a different type, dimension or byte order"
    );
}

#[test]
fn empty_missing_and_unsupported_geometries_are_that_features_errors() {
    let nan = f64::NAN;
    let records = read_blobs(&[
        // The empty flag, with an empty point after it as GDAL writes.
        Some(gp(
            &Wkb::new(true, 1).f64s(&[nan, nan]).done(),
            4490,
            true,
            0,
            true,
        )),
        // Empty without the flag: a polygon of no rings, a point of NaNs, an empty collection.
        Some(plain(&Wkb::new(true, 3).u32(0).done())),
        Some(plain(&Wkb::new(true, 1).f64s(&[nan, nan]).done())),
        Some(plain(&Wkb::new(true, 7).u32(0).done())),
        None,
        // A CurvePolygon.
        Some(plain(&Wkb::new(true, 10).u32(0).done())),
        // Truncated: a ring of 5 points with 2 given.
        Some(plain(
            &Wkb::new(true, 3).u32(1).u32(5).f64s(&[1.0; 4]).done(),
        )),
        Some(b"GP\0\x03".to_vec()),
        Some(b"not a geometry".to_vec()),
        // A good one after all of them.
        Some(plain(&polygon_of(true, 3, &square_with(&[])))),
    ]);
    let reasons: Vec<&str> = records[..9].iter().map(reason).collect();
    assert_eq!(
        reasons[..6],
        [
            "geometry is empty (flagged so in its GeoPackage header)",
            "geometry is empty",
            "geometry is empty",
            "geometry is empty",
            "feature has no geometry",
            "WKB geometry type 10 (a curve, surface, TIN or triangle) is not supported",
        ]
    );
    assert!(reasons[6].starts_with("invalid WKB: "), "{}", reasons[6]);
    assert_eq!(
        reasons[7],
        "geometry blob does not start with the GeoPackage `GP` header"
    );
    assert_eq!(reasons[8], reasons[7]);
    for (i, record) in records[..9].iter().enumerate() {
        let err = record.result.as_ref().unwrap_err();
        assert_eq!(err.number, i + 1);
        assert_eq!(err.layer.as_deref(), Some("plots"));
    }
    assert!(records[9].result.is_ok());
}

#[test]
fn collections_and_points() {
    let point = Wkb::new(true, 1001).f64s(&[103.8, 30.6, 510.0]).done();
    let points = Wkb::new(true, 1004)
        .members(&[point.clone(), point.clone()])
        .done();
    let line = Wkb::new(false, 2).points(&EXT[..3]).done();
    let collection = Wkb::new(true, 7)
        .members(&[point.clone(), line, polygon_of(true, 3, &square_with(&[]))])
        .done();
    let nested = Wkb::new(false, 7)
        .members(std::slice::from_ref(&collection))
        .done();
    let records = read_blobs(&[
        Some(plain(&point)),
        Some(plain(&points)),
        Some(plain(&collection)),
        Some(plain(&nested)),
    ]);
    match value(&records[0]) {
        GeometryValue::Point { coordinates } => assert_eq!(coordinates[..], [103.8, 30.6, 510.0]),
        other => panic!("not a point: {other:?}"),
    }
    match value(&records[1]) {
        GeometryValue::MultiPoint { coordinates } => assert_eq!(coordinates.len(), 2),
        other => panic!("not a multipoint: {other:?}"),
    }
    for record in &records[2..] {
        assert!(matches!(
            value(record),
            GeometryValue::GeometryCollection { .. }
        ));
    }
}

#[test]
fn garbage_after_a_valid_header_never_panics() {
    // Every cut of valid blobs, and the bytes of each flipped, in one GeoPackage.
    let multi = Wkb::new(false, 6)
        .members(&[Wkb::new(false, 3).rings(&[&EXT, &HOLE]).done()])
        .done();
    let base = plain(&multi);
    let mut blobs = Vec::new();
    for len in 0..base.len() {
        blobs.push(Some(base[..len].to_vec()));
    }
    for i in 8..base.len() {
        let mut blob = base.clone();
        blob[i] ^= 0xFF;
        blobs.push(Some(blob));
    }
    let records = read_blobs(&blobs);
    assert!(records.iter().any(|r| r.result.is_err()));
}
