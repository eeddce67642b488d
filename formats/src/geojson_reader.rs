//! GeoJSON (FeatureCollection, Feature, bare geometry) and GeoJSON Sequences.

use serde_json::Value;

use crate::{Crs, Dataset, Finisher, Format, FormatError, RawFeature, ReadOptions, Record};

/// Reads a FeatureCollection, a Feature or a bare geometry. The legacy `crs` member
/// (`urn:ogc:def:crs:EPSG::4490`) is honoured; without one the data is WGS84 (RFC 7946).
pub(crate) fn read_geojson(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value =
        serde_json::from_slice(bytes).map_err(|e| FormatError::GeoJson(e.to_string()))?;
    let Value::Object(mut root) = root else {
        return Err(FormatError::GeoJson(
            "the top level is not a JSON object".into(),
        ));
    };
    let declared = match root.get("crs") {
        Some(member) => Some(crs_member(member)?),
        None => None,
    };
    let crs = options.crs.or(declared).unwrap_or(Crs::WGS84);
    let finisher = Finisher::new(crs, options, None)?;
    let kind = root
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let records = match kind.as_str() {
        "FeatureCollection" => match root.remove("features") {
            Some(Value::Array(features)) => features
                .into_iter()
                .enumerate()
                .map(|(i, f)| feature(&finisher, i + 1, f))
                .collect(),
            _ => {
                return Err(FormatError::GeoJson(
                    "FeatureCollection has no `features` array".into(),
                ));
            }
        },
        "Feature" => vec![feature(&finisher, 1, Value::Object(root))],
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon"
        | "GeometryCollection" => {
            let geometry =
                serde_json::json!({"type": "Feature", "properties": {}, "geometry": root});
            vec![feature(&finisher, 1, geometry)]
        }
        other => {
            return Err(FormatError::GeoJson(format!(
                "expected a FeatureCollection or Feature, found type `{other}`"
            )));
        }
    };
    Ok(Dataset {
        format: Format::GeoJson,
        layer: None,
        crs,
        records,
    })
}

/// Reads one feature per line; RFC 8142's record separator (0x1E) is accepted before each.
/// Blank lines are skipped and do not count as records.
pub(crate) fn read_sequence(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let crs = options.crs.unwrap_or(Crs::WGS84);
    let finisher = Finisher::new(crs, options, None)?;
    let mut records = Vec::new();
    let items = bytes
        .split(|&b| b == b'\n' || b == 0x1e)
        .filter(|item| item.iter().any(|b| !b.is_ascii_whitespace()));
    for (i, item) in items.enumerate() {
        let number = i + 1;
        records.push(match serde_json::from_slice::<Value>(item) {
            Ok(value) => feature(&finisher, number, value),
            Err(e) => finisher.error(number, format!("invalid JSON: {e}")),
        });
    }
    Ok(Dataset {
        format: Format::GeoJsonSeq,
        layer: None,
        crs,
        records,
    })
}

fn feature(finisher: &Finisher<'_>, number: usize, value: Value) -> Record {
    match serde_json::from_value::<geojson::Feature>(value) {
        Err(e) => finisher.error(number, format!("invalid GeoJSON feature: {e}")),
        Ok(f) => finisher.finish(
            number,
            RawFeature {
                id: f.id,
                geometry: f.geometry.map(|g| g.value),
                properties: f.properties.unwrap_or_default(),
            },
        ),
    }
}

/// The 2008 GeoJSON `crs` member: `{"type": "name", "properties": {"name": "EPSG:3857"}}`.
fn crs_member(member: &Value) -> Result<Crs, FormatError> {
    if member.is_null() {
        return Ok(Crs::WGS84);
    }
    let name = member
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .filter(|_| member.get("type").and_then(Value::as_str) == Some("name"));
    match name {
        Some(name) => name.parse(),
        None => Err(FormatError::UnsupportedCrs(format!(
            "GeoJSON crs member {member}"
        ))),
    }
}
