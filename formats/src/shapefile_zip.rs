//! Zipped ESRI Shapefiles. Geometry comes from the `shapefile` crate, attributes from its
//! `dbase`, with the text encoding (of values and field names alike) chosen here from the
//! `.cpg`, the `.dbf`'s language driver or the bytes themselves, and decoded by `encoding_rs`
//! through `dbase`'s own `Encoding` adapter. Polygon rings are nested by containment, not by
//! their orientation (see [`polygons`]).

use std::io::{Cursor, Read};

use encoding_rs::Encoding;
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::indexed::IntervalTreeMultiPolygon;
use geo::{Area, BoundingRect, Contains, Coord, LineString, MultiPolygon, Polygon, Rect};
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
        (_, []) => {
            let has = |ext: &str| {
                names
                    .iter()
                    .any(|n| split_ext(n).is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext)))
            };
            return Err(if has("gdbtable") {
                FormatError::ConvertFirst("A File Geodatabase (.gdb)")
            } else if has("kml") {
                FormatError::ConvertFirst("KMZ")
            } else if has("tab") || has("mif") {
                FormatError::ConvertFirst("A MapInfo table")
            } else if has("dxf") || has("dwg") {
                FormatError::ConvertFirst("A CAD drawing in a zip")
            } else {
                FormatError::NoShapefile
            });
        }
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

/// One ring of a Polygon shape, with what nesting needs to know of it.
struct Ring {
    points: Vec<Position>,
    shape: Polygon<f64>,
    /// `None` for a ring without points or with a non-finite coordinate: it neither contains
    /// nor lies inside another.
    bbox: Option<Rect<f64>>,
    area: f64,
}

impl Ring {
    fn new(points: Vec<Position>) -> Ring {
        let line: LineString<f64> = points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
        let finite = line.coords().all(|c| c.x.is_finite() && c.y.is_finite());
        let shape = Polygon::new(line, vec![]);
        let bbox = shape.bounding_rect().filter(|_| finite);
        let area = if finite { shape.unsigned_area() } else { 0.0 };
        Ring {
            points,
            shape,
            bbox,
            area,
        }
    }

    /// Whether this ring's bounding box holds the other's.
    fn bbox_holds(&self, other: &Ring) -> bool {
        let (Some(a), Some(b)) = (self.bbox, other.bbox) else {
            return false;
        };
        a.min().x <= b.min().x
            && a.min().y <= b.min().y
            && a.max().x >= b.max().x
            && a.max().y >= b.max().y
    }

    /// Whether `inner` lies inside this ring: none of its vertices outside, and one strictly
    /// inside. A ring drawn on this one's boundary only (a duplicate) is not inside; failing
    /// a vertex, an edge's midpoint inside tells a ring whose corners all touch the boundary.
    fn holds(&self, inner: &Ring, index: &IntervalTreeMultiPolygon<f64>) -> bool {
        // The index answers the common case quickly; the plain test tells the boundary from
        // the outside, which the index does not.
        let position = |c: Coord<f64>| {
            if index.contains(&c) {
                CoordPos::Inside
            } else {
                self.shape.coordinate_position(&c)
            }
        };
        let exterior = inner.shape.exterior();
        let mut strictly = false;
        for &c in exterior.coords() {
            match position(c) {
                CoordPos::Outside => return false,
                CoordPos::Inside => strictly = true,
                CoordPos::OnBoundary => {}
            }
        }
        if !strictly {
            for line in exterior.lines() {
                match position((line.start + line.end) / 2.0) {
                    CoordPos::Outside => return false,
                    CoordPos::Inside => strictly = true,
                    CoordPos::OnBoundary => {}
                }
            }
        }
        strictly
    }
}

/// For each ring, the larger rings whose bounding box holds its own, smallest first: the only
/// rings that can contain it. A sweep along x keeps this near-linear for the many disjoint
/// parts of a large multipolygon, rather than comparing every pair.
fn containers(rings: &[Ring], rank: &[usize]) -> Vec<Vec<usize>> {
    let min_x = |i: usize| rings[i].bbox.map_or(f64::INFINITY, |b| b.min().x);
    let max_x = |i: usize| rings[i].bbox.map_or(f64::NEG_INFINITY, |b| b.max().x);
    let mut by_x: Vec<usize> = (0..rings.len())
        .filter(|&i| rings[i].bbox.is_some())
        .collect();
    by_x.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    let mut found = vec![Vec::new(); rings.len()];
    let mut active: Vec<usize> = Vec::new();
    let mut next = 0;
    for &i in &by_x {
        // Every ring starting at or before this one's left edge, and still open there.
        while next < by_x.len() && min_x(by_x[next]) <= min_x(i) {
            active.push(by_x[next]);
            next += 1;
        }
        active.retain(|&j| max_x(j) >= min_x(i));
        let mut candidates: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&j| rank[j] < rank[i] && rings[j].bbox_holds(&rings[i]))
            .collect();
        candidates.sort_by_key(|&j| std::cmp::Reverse(rank[j]));
        found[i] = candidates;
    }
    found
}

/// Polygons nested by containment whatever the rings' orientation, as GDAL's
/// `organizePolygons` does: exporters do not all follow the Shapefile rule (clockwise outer
/// rings, anticlockwise holes, each part's holes after it). A ring inside no other is an
/// exterior; a ring whose smallest container is an exterior is its hole, and one whose
/// smallest container is a hole is a new exterior (an island in a lake). Exteriors come in
/// file order, each followed by its holes in file order.
fn polygons(points: Vec<Vec<Position>>) -> GeometryValue {
    if points.len() == 1 {
        return GeometryValue::Polygon {
            coordinates: points,
        };
    }
    let rings: Vec<Ring> = points.into_iter().map(Ring::new).collect();
    // Largest first, so that every ring's containers are placed before it.
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| rings[b].area.total_cmp(&rings[a].area).then(a.cmp(&b)));
    let mut rank = vec![0; rings.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let containers = containers(&rings, &rank);
    let mut indexes: Vec<Option<IntervalTreeMultiPolygon<f64>>> =
        (0..rings.len()).map(|_| None).collect();
    // How deep each ring is nested, and the ring it lies directly inside.
    let mut depth = vec![0usize; rings.len()];
    let mut parent = vec![None; rings.len()];
    for &i in &order {
        for &j in &containers[i] {
            let index = indexes[j].get_or_insert_with(|| {
                IntervalTreeMultiPolygon::new(&MultiPolygon(vec![rings[j].shape.clone()]))
            });
            if rings[j].holds(&rings[i], index) {
                depth[i] = depth[j] + 1;
                parent[i] = Some(j);
                break;
            }
        }
    }
    let mut points: Vec<Vec<Position>> = rings.into_iter().map(|r| r.points).collect();
    let exterior = |i: usize| depth[i].is_multiple_of(2);
    let mut polygons: Vec<Vec<Vec<Position>>> = Vec::new();
    for i in (0..points.len()).filter(|&i| exterior(i)) {
        let mut polygon = vec![std::mem::take(&mut points[i])];
        for h in (0..points.len()).filter(|&h| !exterior(h) && parent[h] == Some(i)) {
            polygon.push(std::mem::take(&mut points[h]));
        }
        polygons.push(polygon);
    }
    match <[_; 1]>::try_from(polygons) {
        Ok([only]) => GeometryValue::Polygon { coordinates: only },
        Err(many) => GeometryValue::MultiPolygon { coordinates: many },
    }
}

/// A ring's points as stored; its orientation says nothing that [`polygons`] relies on.
fn ring<P>(r: &PolygonRing<P>, f: impl Fn(&P) -> Position) -> Vec<Position> {
    r.points().iter().map(f).collect()
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
