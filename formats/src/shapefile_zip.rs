//! Zipped ESRI Shapefiles. Geometry comes from the `shapefile` crate; the `.dbf` is read here
//! because the text encoding must be chosen from the `.cpg` (or guessed) and `dbase` offers
//! no way to plug in `encoding_rs`.

use std::io::{Cursor, Read};

use encoding_rs::Encoding;
use geojson::{GeometryValue, Position};
use serde_json::{Map, Number, Value};
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
    let table = Dbf::parse(&dbf).map_err(|(record, reason)| corrupt(record, reason))?;
    let encoding = choose_encoding(cpg.as_deref(), &table, &dbf, &layer)?;

    let mut reader = match shx {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(&shp[..]), Cursor::new(shx)),
        None => shapefile::ShapeReader::new(Cursor::new(&shp[..])),
    }
    .map_err(|e| corrupt(None, format!(".shp: {e}")))?;
    let mut shapes = Vec::new();
    for (i, shape) in reader.iter_shapes().enumerate() {
        shapes.push(shape.map_err(|e| corrupt(Some(i + 1), format!(".shp: {e}")))?);
    }
    if shapes.len() != table.count {
        return Err(corrupt(
            None,
            format!(
                "the .shp has {} shapes but the .dbf has {} records",
                shapes.len(),
                table.count
            ),
        ));
    }

    let finisher = Finisher::new(crs, options, Some(layer.clone()))?;
    let records = shapes
        .into_iter()
        .enumerate()
        .map(|(i, shape)| {
            let number = i + 1;
            match shape_to_geojson(shape) {
                Err(reason) => finisher.error(number, reason),
                Ok(geometry) => {
                    let properties = table.properties(&dbf, i, encoding);
                    finisher.finish(
                        number,
                        RawFeature {
                            id: None,
                            geometry,
                            properties,
                        },
                    )
                }
            }
        })
        .collect();
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
/// text is valid UTF-8, and GBK otherwise, as Chinese departments often ship GBK without
/// saying so.
fn choose_encoding(
    cpg: Option<&[u8]>,
    table: &Dbf,
    dbf: &[u8],
    layer: &str,
) -> Result<&'static Encoding, FormatError> {
    if let Some(cpg) = cpg {
        let label = String::from_utf8_lossy(cpg).trim().to_owned();
        let upper = label.to_ascii_uppercase();
        let known = match upper.as_str() {
            "" => None,
            "UTF-8" | "UTF8" | "65001" => Some(encoding_rs::UTF_8),
            "GBK" | "GB2312" | "CP936" | "936" | "ANSI 936" | "GB18030" | "54936" => {
                Some(encoding_rs::GB18030)
            }
            _ => Some(Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                FormatError::UnknownEncoding {
                    layer: layer.to_owned(),
                    label: label.clone(),
                }
            })?),
        };
        if let Some(encoding) = known {
            return Ok(encoding);
        }
    }
    // Language driver IDs 0x4D and 0x7A both mean code page 936 (GBK).
    if matches!(dbf.get(29), Some(0x4D | 0x7A)) {
        return Ok(encoding_rs::GB18030);
    }
    Ok(if table.all_text_is_utf8(dbf) {
        encoding_rs::UTF_8
    } else {
        encoding_rs::GB18030
    })
}

/// One `.dbf` column.
struct Field {
    name: Vec<u8>,
    kind: u8,
    offset: usize,
    len: usize,
}

/// The layout of a `.dbf` table, checked against the file's length.
struct Dbf {
    fields: Vec<Field>,
    header_len: usize,
    record_len: usize,
    count: usize,
}

impl Dbf {
    /// Reads the header; errors carry the 1-based record where the file ends early.
    fn parse(bytes: &[u8]) -> Result<Dbf, (Option<usize>, String)> {
        let bad = |reason: &str| (None, format!(".dbf: {reason}"));
        if bytes.len() < 32 {
            return Err(bad("shorter than its 32-byte header"));
        }
        let count = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
        if header_len > bytes.len() || header_len < 33 {
            return Err(bad("header length is out of bounds"));
        }
        let mut fields = Vec::new();
        let mut offset = 1; // the deletion flag
        let mut at = 32;
        while at + 32 <= header_len && bytes[at] != 0x0D {
            let d = &bytes[at..at + 32];
            let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
            let len = usize::from(d[16]);
            fields.push(Field {
                name: d[..name_end].to_vec(),
                kind: d[11],
                offset,
                len,
            });
            offset += len;
            at += 32;
        }
        if offset != record_len {
            return Err(bad(&format!(
                "fields add up to {offset} bytes but records are {record_len} bytes long"
            )));
        }
        let available = (bytes.len() - header_len) / record_len.max(1);
        if available < count {
            return Err((
                Some(available + 1),
                format!(".dbf is truncated: {count} records declared"),
            ));
        }
        Ok(Dbf {
            fields,
            header_len,
            record_len,
            count,
        })
    }

    fn record<'a>(&self, bytes: &'a [u8], index: usize) -> &'a [u8] {
        let start = self.header_len + index * self.record_len;
        &bytes[start..start + self.record_len]
    }

    fn all_text_is_utf8(&self, bytes: &[u8]) -> bool {
        let names_ok = self
            .fields
            .iter()
            .all(|f| std::str::from_utf8(&f.name).is_ok());
        names_ok
            && (0..self.count).all(|i| {
                let record = self.record(bytes, i);
                self.fields
                    .iter()
                    .filter(|f| f.kind == b'C')
                    .all(|f| std::str::from_utf8(&record[f.offset..f.offset + f.len]).is_ok())
            })
    }

    fn properties(
        &self,
        bytes: &[u8],
        index: usize,
        encoding: &'static Encoding,
    ) -> Map<String, Value> {
        let record = self.record(bytes, index);
        let decode = |raw: &[u8]| {
            let (text, _, _) = encoding.decode(raw);
            text.trim_matches(|c: char| c == ' ' || c == '\0')
                .to_owned()
        };
        self.fields
            .iter()
            .map(|f| {
                let text = decode(&record[f.offset..f.offset + f.len]);
                (decode(&f.name), field_value(f.kind, text))
            })
            .collect()
    }
}

/// A `.dbf` value as JSON: numbers for N/F, booleans for L, ISO dates for D, else text.
fn field_value(kind: u8, text: String) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match kind {
        b'N' | b'F' => {
            if text.bytes().all(|b| b == b'*') {
                return Value::Null;
            }
            match text.parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Value::from(v as i64),
                Ok(v) => Number::from_f64(v).map_or(Value::Null, Value::Number),
                Err(_) => Value::String(text),
            }
        }
        b'L' => match text.as_bytes()[0] {
            b'T' | b't' | b'Y' | b'y' => Value::Bool(true),
            b'F' | b'f' | b'N' | b'n' => Value::Bool(false),
            _ => Value::Null,
        },
        b'D' if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) => {
            Value::String(format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]))
        }
        _ => Value::String(text),
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
