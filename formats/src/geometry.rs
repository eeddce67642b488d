//! Per-feature geometry work: ring checks and repairs in source coordinates, conversion to
//! WGS84 with range checks, then validity (self-intersection) checks and repairs.

use geo::{BooleanOps, MultiPolygon, Polygon, Validation};
use geojson::{GeometryValue, Position};

use crate::crs::ToWgs84;

/// A geometry in WGS84 and the repairs made to it.
pub(crate) type Checked = (GeometryValue, Vec<String>);

/// Checks (and with `repair`, fixes) one geometry and converts it to WGS84.
pub(crate) fn process(
    mut value: GeometryValue,
    to_wgs84: &ToWgs84,
    repair: bool,
) -> Result<Checked, String> {
    let mut problems = Vec::new();
    fix_rings(&mut value, &mut problems, "")?;
    if !problems.is_empty() && !repair {
        return Err(format!("{} (read with repair to fix)", problems.join("; ")));
    }
    let mut repairs = problems;
    convert(&mut value, to_wgs84)?;
    let value = fix_validity(value, repair, &mut repairs)?;
    Ok((value, repairs))
}

/// Removes consecutive duplicate points, closes rings and drops rings too short to be areas,
/// noting each fault in `problems` (duplicate points are not faults).
fn fix_rings(
    value: &mut GeometryValue,
    problems: &mut Vec<String>,
    path: &str,
) -> Result<(), String> {
    match value {
        GeometryValue::Polygon { coordinates } => fix_polygon(coordinates, problems, path)?,
        GeometryValue::MultiPolygon { coordinates } => {
            for (i, polygon) in coordinates.iter_mut().enumerate() {
                fix_polygon(polygon, problems, &format!("{path}polygon {} ", i + 1))?;
            }
        }
        GeometryValue::LineString { coordinates } => fix_line(coordinates, path)?,
        GeometryValue::MultiLineString { coordinates } => {
            for (i, line) in coordinates.iter_mut().enumerate() {
                fix_line(line, &format!("{path}line {} ", i + 1))?;
            }
        }
        GeometryValue::GeometryCollection { geometries } => {
            for (i, geometry) in geometries.iter_mut().enumerate() {
                fix_rings(
                    &mut geometry.value,
                    problems,
                    &format!("{path}member {} ", i + 1),
                )?;
            }
        }
        GeometryValue::Point { .. } | GeometryValue::MultiPoint { .. } => {}
    }
    Ok(())
}

fn same_xy(a: &Position, b: &Position) -> bool {
    a.len() >= 2 && b.len() >= 2 && a[0] == b[0] && a[1] == b[1]
}

/// Drops consecutive repeats of a point.
fn dedup(points: &mut Vec<Position>) {
    points.dedup_by(|b, a| same_xy(a, b));
}

fn fix_line(line: &mut Vec<Position>, path: &str) -> Result<(), String> {
    // Repeated points are valid (OGC Simple Features) and common in surveyed
    // data: they are dropped quietly, not reported as faults.
    dedup(line);
    if line.len() < 2 {
        return Err(format!("{path}line has fewer than 2 distinct points"));
    }
    Ok(())
}

fn fix_polygon(
    rings: &mut Vec<Vec<Position>>,
    problems: &mut Vec<String>,
    path: &str,
) -> Result<(), String> {
    if rings.is_empty() {
        return Err(format!("{path}polygon has no rings"));
    }
    let mut kept = Vec::with_capacity(rings.len());
    for (i, mut ring) in std::mem::take(rings).into_iter().enumerate() {
        let name = if i == 0 {
            format!("{path}exterior ring")
        } else {
            format!("{path}ring {}", i + 1)
        };
        // Valid, common and harmless: dropped quietly (see `fix_line`).
        dedup(&mut ring);
        let closed = match (ring.first(), ring.last()) {
            (Some(first), Some(last)) => same_xy(first, last),
            _ => true,
        };
        if !closed && ring.len() >= 2 {
            problems.push(format!("{name} is not closed (closed it)"));
            let first = ring[0].clone();
            ring.push(first);
        }
        if ring.len() < 4 {
            if i == 0 {
                return Err(format!(
                    "{name} has {} position(s), fewer than the 4 of a closed triangle",
                    ring.len()
                ));
            }
            problems.push(format!("{name} has fewer than 4 positions (dropped it)"));
            continue;
        }
        kept.push(ring);
    }
    *rings = kept;
    Ok(())
}

/// Converts every position to WGS84, refusing non-finite or out-of-range results.
fn convert(value: &mut GeometryValue, to_wgs84: &ToWgs84) -> Result<(), String> {
    let mut result = Ok(());
    let mut one = |p: &mut Position| {
        if result.is_err() {
            return;
        }
        if p.len() < 2 {
            result = Err("a position has fewer than 2 coordinates".to_owned());
            return;
        }
        let (x, y) = (p[0], p[1]);
        if !x.is_finite() || !y.is_finite() {
            result = Err(format!("coordinate ({x}, {y}) is not finite"));
            return;
        }
        match to_wgs84.convert(x, y) {
            Ok((lon, lat))
                if lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat) =>
            {
                p[0] = lon;
                p[1] = lat;
            }
            Ok((lon, lat)) => {
                result = Err(format!(
                    "coordinate ({x}, {y}) converts to ({lon}, {lat}), outside longitude/latitude range"
                ))
            }
            Err(e) => result = Err(e),
        }
    };
    for_each_position(value, &mut one);
    result
}

fn for_each_position(value: &mut GeometryValue, f: &mut impl FnMut(&mut Position)) {
    match value {
        GeometryValue::Point { coordinates } => f(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            coordinates.iter_mut().for_each(f)
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter_mut().flatten().for_each(f)
        }
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter_mut().flatten().flatten().for_each(f)
        }
        GeometryValue::GeometryCollection { geometries } => {
            for g in geometries {
                for_each_position(&mut g.value, f);
            }
        }
    }
}

/// Checks polygons with geo's OGC validation; with `repair`, re-nodes an invalid one by
/// a union with itself, which splits a bow-tie at its crossing into valid parts.
fn fix_validity(
    value: GeometryValue,
    repair: bool,
    repairs: &mut Vec<String>,
) -> Result<GeometryValue, String> {
    let polygons: MultiPolygon<f64> = match &value {
        GeometryValue::Polygon { .. } => {
            MultiPolygon(vec![Polygon::try_from(&value).map_err(|e| e.to_string())?])
        }
        GeometryValue::MultiPolygon { .. } => {
            MultiPolygon::try_from(&value).map_err(|e| e.to_string())?
        }
        _ => return Ok(value),
    };
    let errors = polygons.validation_errors();
    if errors.is_empty() {
        return Ok(value);
    }
    let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let reasons = reasons.join("; ");
    if !repair {
        return Err(format!(
            "invalid polygon: {reasons} (read with repair to fix)"
        ));
    }
    let repaired = polygons.union(&MultiPolygon::<f64>(vec![]));
    if repaired.0.is_empty() || !repaired.is_valid() {
        return Err(format!(
            "invalid polygon that union could not repair: {reasons}"
        ));
    }
    repairs.push(format!(
        "invalid polygon ({reasons}) re-noded by union into {} valid polygon(s)",
        repaired.0.len()
    ));
    Ok(match repaired.0.as_slice() {
        [single] => GeometryValue::from(single),
        _ => GeometryValue::from(&repaired),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Crs;

    #[test]
    fn nan_is_reported_even_with_repair() {
        // JSON cannot carry NaN, but WKB and Shapefiles can.
        let ring = vec![
            Position::from(vec![0.0, 0.0]),
            Position::from(vec![f64::NAN, 0.0]),
            Position::from(vec![1.0, 1.0]),
            Position::from(vec![0.0, 0.0]),
        ];
        let value = GeometryValue::Polygon {
            coordinates: vec![ring],
        };
        let to_wgs84 = ToWgs84::new(Crs::WGS84).unwrap();
        let err = process(value, &to_wgs84, true).unwrap_err();
        assert!(err.contains("is not finite"), "{err}");
    }
}
