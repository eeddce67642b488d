//! Reads the files land departments send — GeoJSON, GeoJSON Sequence, zipped ESRI Shapefiles,
//! GeoPackages and the Ministry's boundary-point coordinate files — and yields WGS84 GeoJSON
//! features whose properties carry the model's field names, for the server's importer, which
//! then validates them per layer.
//!
//! The format is sniffed from the bytes, never from the file name. A whole-file problem is a
//! [`FormatError`]; a problem with one feature is that [`Record`]'s [`FeatureError`], and the
//! others are still read. Nothing here panics on bad input.
//!
//! ```
//! use siteatlas_formats::{read, Format, ReadOptions};
//!
//! let text = r#"{"type":"Feature","properties":{"地块编号":"WJ-01","状态":"可供"},
//!                "geometry":{"type":"Point","coordinates":[103.84,30.68]}}"#;
//! let dataset = read(text.as_bytes(), &ReadOptions::default()).unwrap();
//! assert_eq!(dataset.format, Format::GeoJson);
//! let feature = dataset.records[0].result.as_ref().unwrap();
//! assert_eq!(feature.property("code").unwrap(), "WJ-01");
//! assert_eq!(feature.property("status").unwrap(), "available");
//! ```

mod boundary_points;
mod crs;
mod error;
mod geojson_reader;
mod geometry;
mod geopackage;
mod mapping;
mod shapefile_zip;
pub mod vocabulary;

use std::path::Path;

use serde_json::{Map, Value};

pub use crate::crs::{Crs, InvalidTowgs84, Towgs84};
pub use crate::error::{FeatureError, FormatError};
pub use crate::mapping::FieldMapping;

/// The file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A GeoJSON FeatureCollection or single Feature.
    GeoJson,
    /// GeoJSON Text Sequence (RFC 8142) or newline-delimited GeoJSON: one feature per line.
    GeoJsonSeq,
    /// A zip archive holding an ESRI Shapefile (.shp, .shx, .dbf, .prj, .cpg).
    ShapefileZip,
    /// An OGC GeoPackage (a SQLite database).
    GeoPackage,
    /// The Ministry's boundary-point coordinate text file (界址点坐标, as 勘测定界 and land
    /// supply hand it over): `[属性描述]` then `[地块坐标]`, GBK or UTF-8.
    BoundaryPoints,
}

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The format, when it should not be sniffed.
    pub format: Option<Format>,
    /// The coordinate reference system, overriding whatever the file says.
    pub crs: Option<Crs>,
    /// Renames fields and vocabulary values ([`FieldMapping::default`]: common Chinese names).
    pub mapping: FieldMapping,
    /// Repair unclosed rings, duplicate points, short holes and self-intersections instead of
    /// refusing the feature; each repair is listed in [`Record::repairs`].
    pub repair: bool,
    /// The layer to read: a GeoPackage feature table or a Shapefile's name in the zip.
    /// Needed only when the file holds several.
    pub layer: Option<String>,
    /// The datum shift to WGS84 of Xian 1980 and Beijing 1954 data, overriding the file's;
    /// such data is refused without one. Ignored for other datums.
    pub towgs84: Option<Towgs84>,
    /// Values of model fields for features whose file leaves them out or blank, as
    /// `(field, value)`: a boundary-point file has no supply status, a department's file no
    /// park code of the bureau's. Values go through the vocabularies like the file's own.
    pub defaults: Vec<(String, String)>,
}

/// Whether a property value says nothing.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// What was read from a file.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file's format.
    pub format: Format,
    /// The layer read, for formats that have layers.
    pub layer: Option<String>,
    /// The coordinate reference system the file was in (the output is always WGS84).
    pub crs: Crs,
    /// One entry per feature, in file order.
    pub records: Vec<Record>,
}

/// One feature of the file.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based position in the file (layer).
    pub number: usize,
    /// The feature in WGS84 with mapped properties, or why it could not be read.
    pub result: Result<geojson::Feature, FeatureError>,
    /// The repairs made to the geometry (only with [`ReadOptions::repair`]).
    pub repairs: Vec<String>,
}

/// Guesses the format from the first bytes; `None` when it is none of ours.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"SQLite format 3\0") {
        return Some(Format::GeoPackage);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(Format::ShapefileZip);
    }
    if boundary_points::looks_like(bytes) {
        return Some(Format::BoundaryPoints);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    match text[0] {
        0x1e => Some(Format::GeoJsonSeq),
        b'{' => {
            // A sequence has a complete JSON value on its first line and more after it.
            let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
            let first_line_is_value = serde_json::from_slice::<Value>(&text[..line_end]).is_ok();
            let more = text[line_end..].iter().any(|b| !b.is_ascii_whitespace());
            Some(if first_line_is_value && more {
                Format::GeoJsonSeq
            } else {
                Format::GeoJson
            })
        }
        _ => None,
    }
}

/// Names a format departments use that is not read here, from the first bytes.
fn foreign_format(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    // DXF: group code 0, then SECTION; AutoCAD's binary DXF has its own sentinel.
    let mut lines = text.lines().map(str::trim);
    if (lines.next() == Some("0") && lines.next() == Some("SECTION"))
        || head.starts_with(b"AutoCAD Binary DXF")
    {
        return Some("A DXF (CAD) drawing");
    }
    if head.starts_with(b"AC10") {
        return Some("A DWG (CAD) drawing");
    }
    if text.starts_with("<?xml") && text.contains("<kml") || text.starts_with("<kml") {
        return Some("KML");
    }
    None
}

/// Reads a file's bytes. Whole-file problems are errors; per-feature problems are in the
/// records.
pub fn read(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let format = match options.format {
        Some(format) => format,
        None => sniff(bytes).ok_or_else(|| {
            foreign_format(bytes).map_or(FormatError::UnknownFormat, FormatError::ConvertFirst)
        })?,
    };
    match format {
        Format::GeoJson => geojson_reader::read_geojson(bytes, options),
        Format::GeoJsonSeq => geojson_reader::read_sequence(bytes, options),
        Format::ShapefileZip => shapefile_zip::read(bytes, options),
        Format::GeoPackage => geopackage::read(bytes, options),
        Format::BoundaryPoints => boundary_points::read(bytes, options),
    }
}

/// Reads a file from disk (a GeoPackage is opened in place rather than copied).
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Dataset, FormatError> {
    let mut head = [0u8; 16];
    let sqlite = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        file.read(&mut head)? == 16 && &head == b"SQLite format 3\0"
    };
    if options.format.unwrap_or(Format::GeoPackage) == Format::GeoPackage && sqlite {
        return geopackage::read_file(path, options);
    }
    read(&std::fs::read(path)?, options)
}

/// A feature as read, before conversion: geometry in the source CRS, raw properties.
pub(crate) struct RawFeature {
    pub(crate) id: Option<geojson::feature::Id>,
    pub(crate) geometry: Option<geojson::GeometryValue>,
    pub(crate) properties: Map<String, Value>,
}

/// Shared per-feature steps: geometry checks, conversion to WGS84, field mapping.
pub(crate) struct Finisher<'a> {
    pub(crate) to_wgs84: crs::ToWgs84,
    pub(crate) options: &'a ReadOptions,
    pub(crate) layer: Option<String>,
}

impl Finisher<'_> {
    pub(crate) fn new<'a>(
        crs: Crs,
        options: &'a ReadOptions,
        layer: Option<String>,
    ) -> Result<Finisher<'a>, FormatError> {
        Ok(Finisher {
            to_wgs84: crs::ToWgs84::new(options.towgs84.map_or(crs, |t| crs.with_towgs84(t)))?,
            options,
            layer,
        })
    }

    pub(crate) fn error(&self, number: usize, reason: impl Into<String>) -> Record {
        self.error_with_code(number, None, reason)
    }

    fn error_with_code(
        &self,
        number: usize,
        code: Option<String>,
        reason: impl Into<String>,
    ) -> Record {
        Record {
            number,
            result: Err(FeatureError {
                number,
                layer: self.layer.clone(),
                code,
                reason: reason.into(),
            }),
            repairs: Vec::new(),
        }
    }

    pub(crate) fn finish(&self, number: usize, raw: RawFeature) -> Record {
        let mut raw_properties = raw.properties;
        for (field, value) in &self.options.defaults {
            let mapping = &self.options.mapping;
            let names_field = |key: &str| key == field || mapping.field(key) == Some(field);
            let given = raw_properties
                .iter()
                .any(|(k, v)| names_field(k) && !is_blank(v));
            if !given {
                // Blank source fields of the same meaning would compete for the name.
                raw_properties.retain(|k, _| !names_field(k));
                raw_properties.insert(field.clone(), Value::String(value.clone()));
            }
        }
        let (properties, refused) = self.options.mapping.apply(raw_properties);
        // The business key, so that a report names the feature as the sender knows it.
        let code = properties.get("code").and_then(|c| match c {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        });
        if !refused.is_empty() {
            return self.error_with_code(number, code, refused.join("; "));
        }
        let Some(geometry) = raw.geometry else {
            return self.error_with_code(number, code, "feature has no geometry");
        };
        match geometry::process(geometry, &self.to_wgs84, self.options.repair) {
            Err(reason) => self.error_with_code(number, code, reason),
            Ok((value, repairs)) => Record {
                number,
                result: Ok(geojson::Feature {
                    bbox: None,
                    geometry: Some(geojson::Geometry::new(value)),
                    id: raw.id,
                    properties: Some(properties),
                    foreign_members: None,
                }),
                repairs,
            },
        }
    }
}
