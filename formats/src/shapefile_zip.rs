//! Zipped ESRI Shapefiles. Geometry comes from the `shapefile` crate, attributes from its
//! `dbase`, with the text encoding (of values and field names alike) chosen here from the
//! `.cpg`, the `.dbf`'s language driver or the bytes themselves, and decoded by `encoding_rs`
//! through `dbase`'s own `Encoding` adapter.

use std::io::{Cursor, Read};

use encoding_rs::Encoding;
use geojson::{GeometryValue, Position};
use serde_json::{Map, Number, Value};
use shapefile::dbase::encoding::{EncodingRs, Unicode};
use shapefile::dbase::{self, ErrorKind, FieldIndex, FieldType, FieldValue};
use shapefile::{PolygonRing, Shape};

use crate::{Crs, Dataset, Finisher, Format, FormatError, RawFeature, ReadOptions};

/// No part of a land department's Shapefile is anywhere near this; it bounds what a hostile
/// zip can make us allocate.
const MAX_PART_BYTES: u64 = 1 << 30;

pub(crate) fn read(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| FormatError::Zip(e.to_string()))?;
    let names: Vec<String> = archive
        .file_names()
        .filter(|n| !n.contains("__MACOSX/") && !n.ends_with('/'))
        .map(str::to_owned)
        .collect();
    let stems: Vec<&str> = names
        .iter()
        .filter_map(|n| split_ext(n))
        .filter(|(_, ext)| ext.eq_ignore_ascii_case("shp"))
        .map(|(stem, _)| stem)
        .collect();
    let layer_name = |stem: &str| stem.rsplit('/').next().unwrap_or(stem).to_owned();
    let layers: Vec<String> = stems.iter().map(|s| layer_name(s)).collect();
    let stem = match (&options.layer, stems.as_slice()) {
        (_, []) => return Err(FormatError::NoShapefile),
        (Some(wanted), _) => *stems
            .iter()
            .find(|s| layer_name(s) == *wanted || **s == wanted.as_str())
            .ok_or_else(|| FormatError::UnknownLayer {
                wanted: wanted.clone(),
                layers: layers.clone(),
            })?,
        (None, [only]) => *only,
        (None, _) => return Err(FormatError::SeveralLayers { layers }),
    };
    let layer = layer_name(stem);
    let part_name = |ext: &str| {
        names
            .iter()
            .find(|n| split_ext(n).is_some_and(|(s, e)| s == stem && e.eq_ignore_ascii_case(ext)))
            .cloned()
    };
    let mut part = |ext: &str| -> Result<Option<Vec<u8>>, FormatError> {
        let Some(name) = part_name(ext) else {
            return Ok(None);
        };
        let file = archive
            .by_name(&name)
            .map_err(|e| FormatError::Zip(format!("{name}: {e}")))?;
        let mut out = Vec::new();
        file.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| FormatError::Zip(format!("{name}: {e}")))?;
        if out.len() as u64 > MAX_PART_BYTES {
            return Err(FormatError::Zip(format!(
                "{name} is larger than {MAX_PART_BYTES} bytes"
            )));
        }
        Ok(Some(out))
    };
    let missing = |part: &'static str| FormatError::MissingPart {
        layer: layer.clone(),
        part,
    };
    let shp = part("shp")?.ok_or_else(|| missing(".shp"))?;
    let dbf = part("dbf")?.ok_or_else(|| missing(".dbf"))?;
    let shx = part("shx")?;
    let prj = part("prj")?;
    let cpg = part("cpg")?;

    let crs = match (options.crs, &prj) {
        (Some(crs), _) => crs,
        (None, Some(prj)) => Crs::from_wkt(&String::from_utf8_lossy(prj))?,
        (None, None) => {
            return Err(FormatError::MissingCrs(format!(
                "Shapefile `{layer}` (no .prj)"
            )));
        }
    };
    let corrupt = |record: Option<usize>, reason: String| FormatError::Shapefile {
        layer: layer.clone(),
        record,
        reason,
    };
    let encoding = choose_encoding(cpg.as_deref(), &dbf, &layer)?;
    let mut table = Table::open(&dbf, encoding).map_err(|reason| corrupt(None, reason))?;
    if let Some(missing) = table.first_missing_record(dbf.len()) {
        return Err(corrupt(
            Some(missing),
            format!(".dbf is truncated: {} records declared", table.count()),
        ));
    }

    let mut reader = match shx {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(&shp[..]), Cursor::new(shx)),
        None => shapefile::ShapeReader::new(Cursor::new(&shp[..])),
    }
    .map_err(|e| corrupt(None, format!(".shp: {e}")))?;
    let mut shapes = Vec::new();
    for (i, shape) in reader.iter_shapes().enumerate() {
        shapes.push(shape.map_err(|e| corrupt(Some(i + 1), format!(".shp: {e}")))?);
    }
    if shapes.len() != table.count() {
        return Err(corrupt(
            None,
            format!(
                "the .shp has {} shapes but the .dbf has {} records",
                shapes.len(),
                table.count()
            ),
        ));
    }

    let finisher = Finisher::new(crs, options, Some(layer.clone()))?;
    let mut records = Vec::with_capacity(shapes.len());
    for (i, shape) in shapes.into_iter().enumerate() {
        let number = i + 1;
        // Deleted rows are left out, as GDAL does; numbers stay positions in the file.
        let properties = match table.properties(i) {
            Ok(None) => continue,
            Ok(Some(properties)) => properties,
            Err(reason) => {
                records.push(finisher.error(number, reason));
                continue;
            }
        };
        records.push(match shape_to_geojson(shape) {
            Err(reason) => finisher.error(number, reason),
            Ok(geometry) => finisher.finish(
                number,
                RawFeature {
                    id: None,
                    geometry,
                    properties,
                },
            ),
        });
    }
    Ok(Dataset {
        format: Format::ShapefileZip,
        layer: Some(layer),
        crs,
        records,
    })
}

/// `dir/plots.shp` → (`dir/plots`, `shp`).
fn split_ext(name: &str) -> Option<(&str, &str)> {
    let dot = name.rfind('.')?;
    (!name[dot..].contains('/')).then(|| (&name[..dot], &name[dot + 1..]))
}

/// The `.cpg` if there is one; else the code page byte of the `.dbf`; else UTF-8 when every
/// text is valid UTF-8, and GB18030 otherwise, as Chinese departments often ship GBK without
/// saying so. GB18030 decodes GBK and GB2312 alike (it is their superset).
fn choose_encoding(
    cpg: Option<&[u8]>,
    dbf: &[u8],
    layer: &str,
) -> Result<&'static Encoding, FormatError> {
    if let Some(cpg) = cpg {
        let label = String::from_utf8_lossy(cpg);
        let label = label.trim_start_matches('\u{feff}').trim();
        let upper = label.to_ascii_uppercase();
        let known = match upper.as_str() {
            "" => None,
            "UTF-8" | "UTF8" | "65001" | "CP65001" => Some(encoding_rs::UTF_8),
            "GBK" | "GB2312" | "CP936" | "936" | "ANSI 936" | "GB18030" | "54936" => {
                Some(encoding_rs::GB18030)
            }
            _ => Some(Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                FormatError::UnknownEncoding {
                    layer: layer.to_owned(),
                    label: label.to_owned(),
                }
            })?),
        };
        if let Some(encoding) = known {
            return Ok(encoding);
        }
    }
    // Language driver IDs 0x4D (ESRI) and 0x7A (FoxPro) both mean code page 936 (GBK).
    if matches!(dbf.get(29), Some(0x4D | 0x7A)) {
        return Ok(encoding_rs::GB18030);
    }
    Ok(if all_text_is_utf8(dbf) {
        encoding_rs::UTF_8
    } else {
        encoding_rs::GB18030
    })
}

/// Whether the field names and every text value decode as strict UTF-8. Other faults are
/// left for the real reading to report.
fn all_text_is_utf8(dbf: &[u8]) -> bool {
    let not_utf8 = |e: &dbase::Error| matches!(e.kind(), ErrorKind::StringDecodeError(_));
    let mut file = match dbase::File::open_with_encoding(Cursor::new(dbf), Unicode) {
        Ok(file) => file,
        Err(e) => return !not_utf8(&e),
    };
    let text: Vec<FieldIndex> = (0..file.fields().len())
        .filter(|&i| file.fields()[i].field_type() == FieldType::Character)
        .map(FieldIndex)
        .collect();
    (0..file.num_records()).all(|i| {
        let Some(mut record) = file.record(i) else {
            return true;
        };
        text.iter()
            .all(|&f| !record.read_field(f).is_err_and(|e| not_utf8(&e)))
    })
}

/// A `.dbf` table opened with its text encoding.
struct Table<'a> {
    file: dbase::File<Cursor<&'a [u8]>>,
    bytes: &'a [u8],
    /// Where the first record starts, and each record's length with its deletion flag.
    first_record: usize,
    record_len: usize,
    /// Each field's offset within a record.
    offsets: Vec<usize>,
}

impl<'a> Table<'a> {
    fn open(bytes: &'a [u8], encoding: &'static Encoding) -> Result<Table<'a>, String> {
        let file = dbase::File::open_with_encoding(Cursor::new(bytes), EncodingRs::from(encoding))
            .map_err(|e| format!(".dbf: {e}"))?;
        // The layout as `dbase` reads it: records follow the header length stored at byte 8,
        // each a deletion flag and the fields in order.
        let first_record = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        let mut offsets = Vec::with_capacity(file.fields().len());
        let mut offset = 1;
        for field in file.fields() {
            offsets.push(offset);
            offset += usize::from(field.length());
        }
        Ok(Table {
            file,
            bytes,
            first_record,
            record_len: offset,
            offsets,
        })
    }

    fn count(&self) -> usize {
        self.file.num_records()
    }

    /// The 1-based number of the first declared record the file is too short to hold.
    fn first_missing_record(&self, len: usize) -> Option<usize> {
        let available = len.saturating_sub(self.first_record) / self.record_len.max(1);
        (available < self.count()).then_some(available + 1)
    }

    /// The record's attributes as JSON, `None` for a deleted record; an error names the
    /// field that cannot be read.
    fn properties(&mut self, index: usize) -> Result<Option<Map<String, Value>>, String> {
        let names: Vec<(String, FieldType)> = self
            .file
            .fields()
            .iter()
            .map(|f| (f.name().to_owned(), f.field_type()))
            .collect();
        let start = self.first_record + index * self.record_len;
        let raw = self
            .bytes
            .get(start..start + self.record_len)
            .unwrap_or_default();
        let mut record = self
            .file
            .record(index)
            .ok_or_else(|| format!(".dbf has no record {}", index + 1))?;
        if record.is_deleted().map_err(|e| format!(".dbf: {e}"))? {
            return Ok(None);
        }
        let mut properties = Map::new();
        for (i, (name, kind)) in names.into_iter().enumerate() {
            let value = match kind {
                // No memo file (.dbt) travels with a Shapefile.
                FieldType::Memo => Value::Null,
                // `dbase` reads F fields as f32, which would cut a value to 7 digits: the
                // text is parsed here instead.
                FieldType::Float => {
                    let end = self.offsets.get(i + 1).copied().unwrap_or(self.record_len);
                    let text = raw.get(self.offsets[i]..end).unwrap_or_default();
                    number_text(&String::from_utf8_lossy(text))
                        .map_err(|e| format!("field `{name}`: {e}"))?
                }
                _ => field_value(
                    record
                        .read_field(FieldIndex(i))
                        .map_err(|e| format!("field `{name}`: {}", e.kind()))?,
                ),
            };
            properties.insert(name, value);
        }
        Ok(Some(properties))
    }
}

/// A number as JSON: an integer when it is one, `null` when blank or overflowed (`***`).
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn number_text(text: &str) -> Result<Value, String> {
    let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
    if text.is_empty() || text.bytes().all(|b| b == b'*') {
        return Ok(Value::Null);
    }
    text.parse::<f64>()
        .map(number)
        .map_err(|_| format!("`{text}` is not a number"))
}

/// A `.dbf` value as JSON: numbers, booleans, ISO dates (and date-times), else text.
fn field_value(value: FieldValue) -> Value {
    match value {
        FieldValue::Character(text) => text.map_or(Value::Null, Value::String),
        FieldValue::Memo(text) => Value::String(text),
        FieldValue::Numeric(v) => v.map_or(Value::Null, number),
        FieldValue::Float(v) => v.map_or(Value::Null, |v| number(f64::from(v))),
        FieldValue::Double(v) | FieldValue::Currency(v) => number(v),
        FieldValue::Integer(v) => Value::from(v),
        FieldValue::Logical(v) => v.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        FieldValue::DateTime(t) => {
            let (d, t) = (t.date(), t.time());
            Value::String(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year(),
                d.month(),
                d.day(),
                t.hours(),
                t.minutes(),
                t.seconds()
            ))
        }
    }
}

fn xy(x: f64, y: f64) -> Position {
    Position::from(vec![x, y])
}

fn xyz(x: f64, y: f64, z: f64) -> Position {
    Position::from(vec![x, y, z])
}

/// Lines: one part is a LineString, several a MultiLineString.
fn lines(parts: Vec<Vec<Position>>) -> GeometryValue {
    match <[_; 1]>::try_from(parts) {
        Ok([only]) => GeometryValue::LineString { coordinates: only },
        Err(parts) => GeometryValue::MultiLineString { coordinates: parts },
    }
}

/// Polygons: each outer ring (clockwise in a Shapefile) starts a polygon, and the inner rings
/// after it are its holes.
fn polygons(rings: Vec<(bool, Vec<Position>)>) -> GeometryValue {
    let mut polygons: Vec<Vec<Vec<Position>>> = Vec::new();
    for (outer, ring) in rings {
        match polygons.last_mut() {
            Some(polygon) if !outer => polygon.push(ring),
            _ => polygons.push(vec![ring]),
        }
    }
    match <[_; 1]>::try_from(polygons) {
        Ok([only]) => GeometryValue::Polygon { coordinates: only },
        Err(many) => GeometryValue::MultiPolygon { coordinates: many },
    }
}

fn ring<P>(r: &PolygonRing<P>, f: impl Fn(&P) -> Position) -> (bool, Vec<Position>) {
    match r {
        PolygonRing::Outer(points) => (true, points.iter().map(f).collect()),
        PolygonRing::Inner(points) => (false, points.iter().map(f).collect()),
    }
}

fn shape_to_geojson(shape: Shape) -> Result<Option<GeometryValue>, String> {
    Ok(Some(match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(p) => GeometryValue::Point {
            coordinates: xy(p.x, p.y),
        },
        Shape::PointM(p) => GeometryValue::Point {
            coordinates: xy(p.x, p.y),
        },
        Shape::PointZ(p) => GeometryValue::Point {
            coordinates: xyz(p.x, p.y, p.z),
        },
        Shape::Multipoint(m) => GeometryValue::MultiPoint {
            coordinates: m.points().iter().map(|p| xy(p.x, p.y)).collect(),
        },
        Shape::MultipointM(m) => GeometryValue::MultiPoint {
            coordinates: m.points().iter().map(|p| xy(p.x, p.y)).collect(),
        },
        Shape::MultipointZ(m) => GeometryValue::MultiPoint {
            coordinates: m.points().iter().map(|p| xyz(p.x, p.y, p.z)).collect(),
        },
        Shape::Polyline(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(|p| xy(p.x, p.y)).collect())
                .collect(),
        ),
        Shape::PolylineM(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(|p| xy(p.x, p.y)).collect())
                .collect(),
        ),
        Shape::PolylineZ(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(|p| xyz(p.x, p.y, p.z)).collect())
                .collect(),
        ),
        Shape::Polygon(p) => polygons(
            p.rings()
                .iter()
                .map(|r| ring(r, |p| xy(p.x, p.y)))
                .collect(),
        ),
        Shape::PolygonM(p) => polygons(
            p.rings()
                .iter()
                .map(|r| ring(r, |p| xy(p.x, p.y)))
                .collect(),
        ),
        Shape::PolygonZ(p) => polygons(
            p.rings()
                .iter()
                .map(|r| ring(r, |p| xyz(p.x, p.y, p.z)))
                .collect(),
        ),
        Shape::Multipatch(_) => return Err("Multipatch shapes are not supported".into()),
    }))
}
