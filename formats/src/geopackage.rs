//! GeoPackage feature tables, read with SQLite (rusqlite, bundled).

use std::io::Write;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Number, Value};

use crate::{Crs, Dataset, Finisher, Format, FormatError, RawFeature, ReadOptions, wkb};

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

    // Identifiers cannot be bound as parameters; the table name comes from gpkg_contents,
    // and quoting with doubled quotes keeps any name a single identifier.
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut statement = conn.prepare(&sql).map_err(err)?;
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let key = primary_key(&conn, &table)?;
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
                    ValueRef::Blob(blob) => wkb::parse_gpkg(blob),
                    ValueRef::Null => Ok(None),
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
                    geometry,
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

/// The integer primary key (the feature id, `fid` when GDAL writes it), if any.
fn primary_key(conn: &Connection, table: &str) -> Result<Option<String>, FormatError> {
    let err = |e: rusqlite::Error| gpkg_error(Some(table), e);
    let mut statement = conn
        .prepare("SELECT name, type, pk FROM pragma_table_info(?1)")
        .map_err(err)?;
    let mut rows = statement.query([table]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let (name, kind, pk): (String, String, i64) = (
            row.get(0).map_err(err)?,
            row.get(1).map_err(err)?,
            row.get(2).map_err(err)?,
        );
        if pk == 1 && kind.eq_ignore_ascii_case("INTEGER") {
            return Ok(Some(name));
        }
    }
    Ok(None)
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
