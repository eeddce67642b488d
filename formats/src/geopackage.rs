//! GeoPackage feature tables, read with SQLite (rusqlite, bundled).
//!
//! A geometry blob is the GeoPackage binary header (`GP`, version, flags, srs_id, envelope)
//! followed by WKB, which the `wkb` crate decodes, as it does for the server's store. ISO WKB
//! may be 2D, Z, M or ZM: Z is kept, M dropped. EWKB (PostGIS's extended WKB, with Z/M/SRID
//! flags in the type code) is accepted too, since some tools put it in GeoPackages; its SRID
//! must be 0 or agree with the column's system, as must the header's srs_id, else the feature
//! is refused: its coordinates would be read in the wrong system.

use std::io::Write;
use std::path::Path;

use geo_traits::{
    CoordTrait, Dimensions, GeometryCollectionTrait, GeometryTrait, GeometryType, LineStringTrait,
    MultiLineStringTrait, MultiPointTrait, MultiPolygonTrait, PointTrait, PolygonTrait,
};
use geojson::{GeometryValue, Position};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Number, Value};
use wkb::reader::Wkb;

use crate::{Crs, Dataset, Finisher, Format, FormatError, RawFeature, ReadOptions};

/// SQLite needs a file: the bytes go to a temporary one, removed when done.
pub(crate) fn read(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let mut file = tempfile::Builder::new().suffix(".gpkg").tempfile()?;
    file.write_all(bytes)?;
    file.flush()?;
    read_file(file.path(), options)
}

fn gpkg_error(table: Option<&str>, reason: impl ToString) -> FormatError {
    FormatError::GeoPackage {
        table: table.map(str::to_owned),
        reason: reason.to_string(),
    }
}

/// Reads the chosen feature table of a GeoPackage on disk, without writing to it.
pub(crate) fn read_file(path: &Path, options: &ReadOptions) -> Result<Dataset, FormatError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| gpkg_error(None, e))?;
    let tables = feature_tables(&conn)?;
    let table = match (&options.layer, tables.as_slice()) {
        (_, []) => return Err(FormatError::NoLayer),
        (Some(wanted), _) => tables
            .iter()
            .find(|t| *t == wanted)
            .cloned()
            .ok_or_else(|| FormatError::UnknownLayer {
                wanted: wanted.clone(),
                layers: tables.clone(),
            })?,
        (None, [only]) => only.clone(),
        (None, _) => return Err(FormatError::SeveralLayers { layers: tables }),
    };
    let err = |e: rusqlite::Error| gpkg_error(Some(&table), e);
    let (geometry_column, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(err)?;
    let crs = match options.crs {
        Some(crs) => crs,
        None => table_crs(&conn, &table, srs_id)?,
    };
    let finisher = Finisher::new(crs, options, Some(table.clone()))?;
    // An explicit CRS says what the coordinates are, whatever the blobs claim.
    let column_srs = options.crs.is_none().then_some(ColumnSrs {
        srs_id,
        epsg: crs.epsg(),
    });

    // Identifiers cannot be bound as parameters; the table name comes from gpkg_contents,
    // and quoting with doubled quotes keeps any name a single identifier.
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut statement = conn.prepare(&sql).map_err(err)?;
    let (columns, key) = table_columns(&conn, &table)?;
    if columns.len() != statement.column_count() {
        return Err(gpkg_error(
            Some(&table),
            "the table's columns do not match its schema",
        ));
    }
    let mut rows = statement.query([]).map_err(err)?;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        let number = records.len() + 1;
        let mut id = None;
        let mut geometry = Err("feature has no geometry".to_owned());
        let mut properties = Map::new();
        for (i, name) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(err)?;
            if name.eq_ignore_ascii_case(&geometry_column) {
                geometry = match value {
                    ValueRef::Blob(blob) => parse_blob(blob, column_srs),
                    ValueRef::Null => Err("feature has no geometry".to_owned()),
                    _ => Err("geometry column does not hold a blob".to_owned()),
                };
            } else if key.as_deref() == Some(name.as_str()) {
                if let ValueRef::Integer(fid) = value {
                    id = Some(geojson::feature::Id::Number(fid.into()));
                }
            } else {
                properties.insert(name.clone(), json_value(value));
            }
        }
        records.push(match geometry {
            Err(reason) => finisher.error(number, reason),
            Ok(geometry) => finisher.finish(
                number,
                RawFeature {
                    id,
                    geometry: Some(geometry),
                    properties,
                },
            ),
        });
    }
    Ok(Dataset {
        format: Format::GeoPackage,
        layer: Some(table),
        crs,
        records,
    })
}

fn feature_tables(conn: &Connection) -> Result<Vec<String>, FormatError> {
    let err = |e: rusqlite::Error| {
        gpkg_error(
            None,
            format!("not a readable GeoPackage (gpkg_contents): {e}"),
        )
    };
    let mut statement = conn
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .map_err(err)?;
    let tables = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(err)?;
    tables.collect::<Result<Vec<_>, _>>().map_err(err)
}

/// The table's column names in order, and its integer primary key (the feature id, `fid`
/// when GDAL writes it), if any. Names are read here rather than from the statement, whose
/// accessor panics on a name that is not UTF-8.
fn table_columns(
    conn: &Connection,
    table: &str,
) -> Result<(Vec<String>, Option<String>), FormatError> {
    let err = |e: rusqlite::Error| gpkg_error(Some(table), e);
    let mut statement = conn
        .prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")
        .map_err(err)?;
    let mut rows = statement.query([table]).map_err(err)?;
    let mut columns = Vec::new();
    let mut key = None;
    while let Some(row) = rows.next().map_err(err)? {
        let text = |i: usize| -> Result<String, FormatError> {
            Ok(match row.get_ref(i).map_err(err)? {
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
                _ => String::new(),
            })
        };
        let (name, kind) = (text(0)?, text(1)?);
        let pk: i64 = row.get(2).map_err(err)?;
        if pk == 1 && kind.eq_ignore_ascii_case("INTEGER") {
            key = Some(name.clone());
        }
        columns.push(name);
    }
    Ok((columns, key))
}

/// The CRS of a table's srs: its EPSG code when the organisation is EPSG, else its WKT.
fn table_crs(conn: &Connection, table: &str, srs_id: i64) -> Result<Crs, FormatError> {
    let (organization, code, definition): (String, i64, String) = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition \
             FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .map_err(|e| gpkg_error(Some(table), format!("srs {srs_id}: {e}")))?;
    if organization.eq_ignore_ascii_case("EPSG")
        && let Ok(code) = u32::try_from(code)
    {
        return Crs::from_epsg(code);
    }
    if srs_id <= 0 || definition.trim().eq_ignore_ascii_case("undefined") {
        return Err(FormatError::MissingCrs(format!(
            "GeoPackage table `{table}`"
        )));
    }
    Crs::from_wkt(&definition)
}

fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        // Binary attributes have no place in the model; keep the key so nothing vanishes.
        ValueRef::Blob(b) => Value::String(format!("<{} bytes of binary data>", b.len())),
    }
}

/// The geometry column's system, which every blob must agree with.
#[derive(Debug, Clone, Copy)]
struct ColumnSrs {
    /// The GeoPackage srs_id of the column.
    srs_id: i64,
    /// The EPSG code it stands for.
    epsg: u32,
}

/// Flag bits of the GeoPackage binary header.
const FLAG_LITTLE_ENDIAN: u8 = 0b0000_0001;
const FLAG_EMPTY: u8 = 0b0001_0000;
const FLAG_EXTENDED: u8 = 0b0010_0000;

/// EWKB flags in the type code (PostGIS).
const EWKB_Z: u32 = 0x8000_0000;
const EWKB_M: u32 = 0x4000_0000;
const EWKB_SRID: u32 = 0x2000_0000;

/// Decodes one GeoPackage geometry blob. `srs`, when given, is the column's system, which the
/// header's srs_id and any EWKB SRID must agree with.
fn parse_blob(blob: &[u8], srs: Option<ColumnSrs>) -> Result<GeometryValue, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("geometry blob does not start with the GeoPackage `GP` header".into());
    }
    let flags = blob[3];
    if flags & FLAG_EXTENDED != 0 {
        return Err("extended GeoPackage geometry types are not supported".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope code {other} in geometry header")),
    };
    // The header's own byte order, which may differ from the WKB's.
    let srs_bytes = [blob[4], blob[5], blob[6], blob[7]];
    let header_srs = if flags & FLAG_LITTLE_ENDIAN != 0 {
        i32::from_le_bytes(srs_bytes)
    } else {
        i32::from_be_bytes(srs_bytes)
    };
    if let Some(srs) = srs
        && header_srs > 0
        && i64::from(header_srs) != srs.srs_id
    {
        return Err(format!(
            "geometry header names srs_id {header_srs}, but the column's is {}",
            srs.srs_id
        ));
    }
    if flags & FLAG_EMPTY != 0 {
        return Err("geometry is empty (flagged so in its GeoPackage header)".into());
    }
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("geometry blob is shorter than its header")?;
    let header = WkbHeader::read(wkb)?;
    if let (Some(srs), Some(srid)) = (srs, header.srid)
        && srid != 0
        && i64::from(srid) != srs.srs_id
        && srid != srs.epsg
    {
        return Err(format!(
            "EWKB names SRID {srid}, but the column is in EPSG:{} (srs_id {})",
            srs.epsg, srs.srs_id
        ));
    }
    check_first_member(wkb, &header)?;
    let geometry = wkb::reader::read_wkb(wkb).map_err(|e| format!("invalid WKB: {e}"))?;
    check_members(&geometry, &header)?;
    geometry_value(&geometry)?.ok_or_else(|| "geometry is empty".to_owned())
}

/// The first bytes of a WKB geometry: byte order and type code (ISO or EWKB).
#[derive(Debug, Clone, Copy, PartialEq)]
struct WkbHeader {
    little_endian: bool,
    /// 1 Point … 7 GeometryCollection.
    kind: u32,
    z: bool,
    m: bool,
    /// The SRID of an EWKB geometry that carries one.
    srid: Option<u32>,
}

impl WkbHeader {
    /// Reads and checks the header, so that only the seven simple-feature types reach the
    /// decoder (it would take a curve's code for another type's).
    fn read(bytes: &[u8]) -> Result<WkbHeader, String> {
        let little_endian = match bytes.first() {
            Some(0) => false,
            Some(1) => true,
            Some(other) => return Err(format!("invalid WKB byte order {other}")),
            None => return Err("WKB is empty".into()),
        };
        let u32_at = |at: usize| -> Result<u32, String> {
            let b: [u8; 4] = bytes
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .ok_or("WKB is truncated")?;
            Ok(if little_endian {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            })
        };
        let code = u32_at(1)?;
        let iso = code & 0x0FFF_FFFF;
        let (kind, iso_z, iso_m) = match iso / 1000 {
            0 => (iso, false, false),
            1 => (iso % 1000, true, false),
            2 => (iso % 1000, false, true),
            3 => (iso % 1000, true, true),
            _ => return Err(format!("invalid WKB geometry type code {code}")),
        };
        let (ewkb_z, ewkb_m) = (code & EWKB_Z != 0, code & EWKB_M != 0);
        if (ewkb_z || ewkb_m) && (iso_z || iso_m) {
            return Err(format!(
                "WKB geometry type code {code:#x} mixes ISO and EWKB dimensions"
            ));
        }
        match kind {
            1..=7 => {}
            8..=17 => {
                return Err(format!(
                    "WKB geometry type {kind} (a curve, surface, TIN or triangle) is not supported"
                ));
            }
            _ => return Err(format!("unsupported WKB geometry type {kind}")),
        }
        let srid = if code & EWKB_SRID != 0 {
            Some(u32_at(5)?)
        } else {
            None
        };
        Ok(WkbHeader {
            little_endian,
            kind,
            z: iso_z || ewkb_z,
            m: iso_m || ewkb_m,
            srid,
        })
    }
}

/// Checks that a member of a multi-geometry has the type, dimensions and byte order its
/// parent implies: the decoder reads members with their parent's byte order and dimensions
/// and without looking at their type, so a member that says otherwise is refused rather than
/// misread.
fn check_member(bytes: &[u8], parent: &WkbHeader, n: usize) -> Result<(), String> {
    let got = WkbHeader::read(bytes)?;
    let same = got.little_endian == parent.little_endian
        && got.kind + 3 == parent.kind
        && got.z == parent.z
        && got.m == parent.m;
    if same {
        Ok(())
    } else {
        Err(format!(
            "member {n} of a WKB multi-geometry has a different type, dimension or byte order"
        ))
    }
}

/// The first member of a multi-geometry, checked before decoding so that a member in another
/// byte order is named as such, not as a length the decoder misread.
fn check_first_member(wkb: &[u8], header: &WkbHeader) -> Result<(), String> {
    if !matches!(header.kind, 4..=6) {
        return Ok(());
    }
    let at = 5 + if header.srid.is_some() { 4 } else { 0 };
    let count = wkb.get(at..at + 4).unwrap_or_default();
    match wkb.get(at + 4..) {
        Some(first) if count.iter().any(|&b| b != 0) && !first.is_empty() => {
            check_member(first, header, 1)
        }
        _ => Ok(()),
    }
}

/// Checks every member of a multi-geometry, and of collections recursively.
fn check_members(geometry: &Wkb<'_>, header: &WkbHeader) -> Result<(), String> {
    match geometry.as_type() {
        GeometryType::MultiPoint(g) => {
            for (i, p) in g.points().enumerate() {
                check_member(p.buf(), header, i + 1)?;
            }
        }
        GeometryType::MultiLineString(g) => {
            for (i, l) in g.line_strings().enumerate() {
                check_member(l.buf(), header, i + 1)?;
            }
        }
        GeometryType::MultiPolygon(g) => {
            for (i, p) in g.polygons().enumerate() {
                check_member(p.buf(), header, i + 1)?;
            }
        }
        GeometryType::GeometryCollection(g) => {
            for inner in g.geometries() {
                check_members(inner, &WkbHeader::read(inner.buf())?)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A position: x, y and z when there is one (M is no use on a map).
fn position(c: impl CoordTrait<T = f64>) -> Position {
    match c.dim() {
        Dimensions::Xyz | Dimensions::Xyzm => {
            Position::from(vec![c.x(), c.y(), c.nth(2).unwrap_or(f64::NAN)])
        }
        _ => Position::from(vec![c.x(), c.y()]),
    }
}

fn positions(line: impl LineStringTrait<T = f64>) -> Vec<Position> {
    line.coords().map(position).collect()
}

/// Polygon rings, `None` for an empty polygon (no exterior).
fn rings(polygon: impl PolygonTrait<T = f64>) -> Option<Vec<Vec<Position>>> {
    let exterior = polygon.exterior()?;
    let mut rings = vec![positions(exterior)];
    rings.extend(polygon.interiors().map(positions));
    Some(rings)
}

/// The decoded geometry as GeoJSON; `None` when it is empty. Empty members of a collection
/// are left out.
fn geometry_value(geometry: &Wkb<'_>) -> Result<Option<GeometryValue>, String> {
    let value = match geometry.as_type() {
        GeometryType::Point(p) => p.coord().map(|c| GeometryValue::Point {
            coordinates: position(c),
        }),
        GeometryType::LineString(l) => Some(GeometryValue::LineString {
            coordinates: positions(l),
        })
        .filter(|_| l.num_coords() > 0),
        GeometryType::Polygon(p) => {
            rings(p).map(|coordinates| GeometryValue::Polygon { coordinates })
        }
        GeometryType::MultiPoint(m) => {
            let points: Vec<Position> =
                m.points().filter_map(|p| p.coord().map(position)).collect();
            (!points.is_empty()).then_some(GeometryValue::MultiPoint {
                coordinates: points,
            })
        }
        GeometryType::MultiLineString(m) => {
            let lines: Vec<Vec<Position>> = m
                .line_strings()
                .filter(|l| l.num_coords() > 0)
                .map(positions)
                .collect();
            (!lines.is_empty()).then_some(GeometryValue::MultiLineString { coordinates: lines })
        }
        GeometryType::MultiPolygon(m) => {
            let polygons: Vec<Vec<Vec<Position>>> = m.polygons().filter_map(rings).collect();
            (!polygons.is_empty()).then_some(GeometryValue::MultiPolygon {
                coordinates: polygons,
            })
        }
        GeometryType::GeometryCollection(c) => {
            let mut members = Vec::new();
            for member in c.geometries() {
                if let Some(value) = geometry_value(member)? {
                    members.push(geojson::Geometry::new(value));
                }
            }
            (!members.is_empty()).then_some(GeometryValue::GeometryCollection {
                geometries: members,
            })
        }
        _ => return Err("unsupported WKB geometry type".into()),
    };
    Ok(value)
}
