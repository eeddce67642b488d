//! Validated feature geometry in WGS84 longitude/latitude.

use geo::orient::{Direction, Orient};
use geo::{BoundingRect, Centroid, Coord, LineString, MultiPolygon, Point, Polygon, Rect};

use crate::error::ModelError;

/// A feature's geometry: a point (POIs) or a polygonal area (parks, plots, factories).
///
/// Only [`Shape::point`] and [`Shape::area`] build one, so every `Shape` holds
/// finite, in-range coordinates and rings that enclose an area, oriented as
/// RFC 7946 asks: exterior rings counterclockwise, holes clockwise. Land
/// departments' files come in either orientation (every Shapefile is
/// clockwise); normalising once, here, keeps every derived value (geodesic
/// area above all, which depends on the orientation) independent of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A single location.
    Point(Point<f64>),
    /// One or more polygons.
    Area(MultiPolygon<f64>),
}

/// Checks that a coordinate is a real place on the globe.
pub fn check_coord(c: Coord<f64>) -> Result<(), ModelError> {
    let reason = if !c.x.is_finite() || !c.y.is_finite() {
        "not a finite number"
    } else if !(-180.0..=180.0).contains(&c.x) {
        "longitude outside [-180, 180]"
    } else if !(-90.0..=90.0).contains(&c.y) {
        "latitude outside [-90, 90]"
    } else {
        return Ok(());
    };
    Err(ModelError::InvalidCoordinate {
        lon: c.x,
        lat: c.y,
        reason,
    })
}

/// Twice the signed area of a closed ring in its own units (shoelace formula).
pub(crate) fn ring_area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

fn check_ring(ring: &LineString<f64>, what: &'static str) -> Result<(), ModelError> {
    for c in ring.coords() {
        check_coord(*c)?;
    }
    let mut distinct = ring.0.clone();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(ModelError::DegenerateGeometry(what));
    }
    if ring_area2(&ring.0) == 0.0 {
        return Err(ModelError::DegenerateGeometry(what));
    }
    Ok(())
}

impl Shape {
    /// A point shape, checked.
    pub fn point(lon: f64, lat: f64) -> Result<Self, ModelError> {
        let c = Coord { x: lon, y: lat };
        check_coord(c)?;
        Ok(Shape::Point(c.into()))
    }

    /// An area shape, checked: at least one polygon, every ring closed with at
    /// least three distinct corners and a non-zero area; rings are reoriented
    /// (exterior counterclockwise, holes clockwise) whatever they were.
    pub fn area(polygons: MultiPolygon<f64>) -> Result<Self, ModelError> {
        if polygons.0.is_empty() {
            return Err(ModelError::DegenerateGeometry("no polygon"));
        }
        for polygon in &polygons.0 {
            check_ring(polygon.exterior(), "exterior ring encloses no area")?;
            for hole in polygon.interiors() {
                check_ring(hole, "interior ring encloses no area")?;
            }
        }
        Ok(Shape::Area(polygons.orient(Direction::Default)))
    }

    /// A single-polygon area, checked.
    pub fn polygon(polygon: Polygon<f64>) -> Result<Self, ModelError> {
        Self::area(MultiPolygon(vec![polygon]))
    }

    /// Bounding box in lon/lat.
    pub fn bbox(&self) -> Rect<f64> {
        match self {
            Shape::Point(p) => Rect::new(p.0, p.0),
            // A validated area has at least one ring, so it has a bounding box.
            Shape::Area(mp) => mp.bounding_rect().unwrap_or(Rect::new(
                Coord { x: 0.0, y: 0.0 },
                Coord { x: 0.0, y: 0.0 },
            )),
        }
    }

    /// The point, or the area's centroid.
    pub fn anchor(&self) -> Point<f64> {
        match self {
            Shape::Point(p) => *p,
            Shape::Area(mp) => mp.centroid().unwrap_or_else(|| self.bbox().center().into()),
        }
    }

    /// The areas, when this is an area shape.
    pub fn as_area(&self) -> Option<&MultiPolygon<f64>> {
        match self {
            Shape::Area(mp) => Some(mp),
            Shape::Point(_) => None,
        }
    }
}

impl TryFrom<geo::Geometry<f64>> for Shape {
    type Error = ModelError;

    fn try_from(geometry: geo::Geometry<f64>) -> Result<Self, Self::Error> {
        match geometry {
            geo::Geometry::Point(p) => Shape::point(p.x(), p.y()),
            geo::Geometry::Polygon(p) => Shape::polygon(p),
            geo::Geometry::MultiPolygon(mp) => Shape::area(mp),
            other => Err(ModelError::WrongGeometryType {
                layer: "features",
                expected: "Point, Polygon or MultiPolygon",
                got: format!("{other:?}")
                    .split('(')
                    .next()
                    .unwrap_or("other")
                    .to_owned(),
            }),
        }
    }
}

impl TryFrom<&geojson::Geometry> for Shape {
    type Error = ModelError;

    fn try_from(geometry: &geojson::Geometry) -> Result<Self, Self::Error> {
        use geojson::{GeometryValue as Value, Position};
        let position = |p: &Position| -> Result<Coord<f64>, ModelError> {
            match p.as_slice() {
                [x, y] | [x, y, _] => Ok(Coord { x: *x, y: *y }),
                _ => Err(ModelError::DegenerateGeometry(
                    "a position needs 2 or 3 numbers",
                )),
            }
        };
        let ring = |r: &Vec<Position>| -> Result<LineString<f64>, ModelError> {
            let coords = r.iter().map(position).collect::<Result<Vec<_>, _>>()?;
            if coords.len() < 4 || coords.first() != coords.last() {
                return Err(ModelError::DegenerateGeometry(
                    "a ring needs at least 4 positions, the last equal to the first",
                ));
            }
            Ok(LineString(coords))
        };
        let polygon = |rings: &Vec<Vec<Position>>| -> Result<Polygon<f64>, ModelError> {
            let mut rings = rings.iter().map(ring);
            let exterior = rings
                .next()
                .ok_or(ModelError::DegenerateGeometry("polygon without rings"))??;
            Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
        };
        match &geometry.value {
            Value::Point { coordinates: p } => {
                let c = position(p)?;
                Shape::point(c.x, c.y)
            }
            Value::Polygon { coordinates: rings } => Shape::polygon(polygon(rings)?),
            Value::MultiPolygon { coordinates: polys } => Shape::area(MultiPolygon(
                polys.iter().map(polygon).collect::<Result<_, _>>()?,
            )),
            other => Err(ModelError::WrongGeometryType {
                layer: "features",
                expected: "Point, Polygon or MultiPolygon",
                got: other.type_name().to_owned(),
            }),
        }
    }
}

impl From<&Shape> for geojson::Geometry {
    fn from(shape: &Shape) -> Self {
        match shape {
            Shape::Point(p) => geojson::Geometry::new(geojson::GeometryValue::from(p)),
            Shape::Area(mp) if mp.0.len() == 1 => {
                geojson::Geometry::new(geojson::GeometryValue::from(&mp.0[0]))
            }
            Shape::Area(mp) => geojson::Geometry::new(geojson::GeometryValue::from(mp)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn rejects_non_finite_and_out_of_range() {
        assert!(Shape::point(f64::NAN, 30.0).is_err());
        assert!(Shape::point(104.0, 91.0).is_err());
        assert!(Shape::point(181.0, 0.0).is_err());
        assert!(Shape::point(104.0, 30.0).is_ok());
    }

    #[test]
    fn rejects_degenerate_rings() {
        let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 2.0, y: 2.0)];
        assert!(matches!(
            Shape::polygon(flat),
            Err(ModelError::DegenerateGeometry(_))
        ));
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        assert!(Shape::polygon(square).is_ok());
        assert!(Shape::area(MultiPolygon(vec![])).is_err());
    }

    #[test]
    fn geojson_round_trip() {
        let gj: geojson::Geometry = serde_json::from_str(
            r#"{"type":"Polygon","coordinates":[[[104,30],[104.01,30],[104.01,30.01],[104,30]]]}"#,
        )
        .unwrap();
        let shape = Shape::try_from(&gj).unwrap();
        assert_eq!(geojson::Geometry::from(&shape), gj);
        let line: geojson::Geometry =
            serde_json::from_str(r#"{"type":"LineString","coordinates":[[104,30],[105,30]]}"#)
                .unwrap();
        assert!(matches!(
            Shape::try_from(&line),
            Err(ModelError::WrongGeometryType { .. })
        ));
        let open: geojson::Geometry = serde_json::from_str(
            r#"{"type":"Polygon","coordinates":[[[104,30],[104.01,30],[104.01,30.01],[104,30.5]]]}"#,
        )
        .unwrap();
        assert!(Shape::try_from(&open).is_err());
    }
}
