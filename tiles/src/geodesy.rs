//! Distances on the WGS84 ellipsoid.
//!
//! The distance from a point to an area is the geodesic distance to the
//! area's nearest point (0 inside), as PostGIS computes it for `geography`.
//! The nearest point is found in a local plane around the query point, scaled
//! by the ellipsoid's radii of curvature there; the distance to it is then
//! measured exactly with Karney's geodesic algorithm. The local plane only
//! chooses the point, so its distortion (a few parts per million at 5 km)
//! barely moves the result, while a spherical haversine would be off by up to
//! 0.3 %.

use geo::{Coord, Distance, Geodesic, Intersects, MultiPolygon, Point, Rect};

use crate::geometry::Shape;

/// WGS84 semi-major axis, m.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);

/// Radius of curvature in the meridian at a latitude (degrees), m.
pub fn meridional_radius(lat: f64) -> f64 {
    let s = lat.to_radians().sin();
    WGS84_A * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s * s).powf(1.5)
}

/// Radius of curvature in the prime vertical at a latitude (degrees), m.
pub fn prime_vertical_radius(lat: f64) -> f64 {
    let s = lat.to_radians().sin();
    WGS84_A / (1.0 - WGS84_E2 * s * s).sqrt()
}

/// Geodesic distance between two lon/lat points, m (Karney's algorithm).
pub fn point_distance(a: Point<f64>, b: Point<f64>) -> f64 {
    Geodesic.distance(a, b)
}

/// Geodesic distance from a point to a shape: to its nearest point, 0 inside.
pub fn distance_to_shape(from: Point<f64>, shape: &Shape) -> f64 {
    match shape {
        Shape::Point(p) => point_distance(from, *p),
        Shape::Area(mp) => distance_to_area(from, mp),
    }
}

/// Geodesic distance from a point to polygons (0 inside or on the boundary).
pub fn distance_to_area(from: Point<f64>, area: &MultiPolygon<f64>) -> f64 {
    if area.intersects(&from) {
        return 0.0;
    }
    let lat0 = from.y();
    let kx = prime_vertical_radius(lat0) * lat0.to_radians().cos() * std::f64::consts::PI / 180.0;
    let ky = meridional_radius(lat0) * std::f64::consts::PI / 180.0;
    let local = |c: Coord<f64>| {
        let mut dlon = c.x - from.x();
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (dlon * kx, (c.y - from.y()) * ky)
    };
    let mut best = (f64::INFINITY, from.0);
    let rings = area
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    for ring in rings {
        for seg in ring.0.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let (ax, ay) = local(a);
            let (bx, by) = local(b);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (px, py) = (ax + t * dx, ay + t * dy);
            let d2 = px * px + py * py;
            if d2 < best.0 {
                best = (d2, a + (b - a) * t);
            }
        }
    }
    point_distance(from, best.1.into())
}

/// A lon/lat box that holds every point within `radius_m` of `center`, or two
/// boxes when it crosses the antimeridian.
pub fn radius_bbox(center: Point<f64>, radius_m: f64) -> Vec<Rect<f64>> {
    // A 1 % margin covers the difference between these local radii and the
    // geodesic over the 100 km the API allows.
    let margin = 1.01;
    let dlat = (radius_m / meridional_radius(center.y())).to_degrees() * margin + 1e-9;
    let south = (center.y() - dlat).max(-90.0);
    let north = (center.y() + dlat).min(90.0);
    let widest = south.abs().max(north.abs());
    let rect = |w: f64, e: f64| Rect::new(Coord { x: w, y: south }, Coord { x: e, y: north });
    if widest >= 89.9 {
        return vec![rect(-180.0, 180.0)];
    }
    let dlon = (radius_m / (prime_vertical_radius(widest) * widest.to_radians().cos()))
        .to_degrees()
        * margin
        + 1e-9;
    let (west, east) = (center.x() - dlon, center.x() + dlon);
    if dlon >= 180.0 {
        vec![rect(-180.0, 180.0)]
    } else if west < -180.0 {
        vec![rect(west + 360.0, 180.0), rect(-180.0, east)]
    } else if east > 180.0 {
        vec![rect(west, 180.0), rect(-180.0, east - 360.0)]
    } else {
        vec![rect(west, east)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::polygon;

    #[test]
    fn one_degree_of_latitude_at_the_equator() {
        // 110 574.4 m per degree of latitude at the equator on WGS84.
        let d = point_distance(Point::new(0.0, 0.0), Point::new(0.0, 1.0));
        assert_relative_eq!(d, 110_574.389, epsilon = 0.01);
    }

    #[test]
    fn inside_is_zero_and_outside_is_to_the_nearest_edge() {
        let square = Shape::polygon(polygon![
            (x: 104.0, y: 30.0), (x: 104.01, y: 30.0), (x: 104.01, y: 30.01), (x: 104.0, y: 30.01)
        ])
        .unwrap();
        assert_eq!(distance_to_shape(Point::new(104.005, 30.005), &square), 0.0);
        assert_eq!(distance_to_shape(Point::new(104.01, 30.005), &square), 0.0);
        // Due east of the square's east edge: the distance along the parallel to it.
        let from = Point::new(104.02, 30.005);
        let expected = point_distance(from, Point::new(104.01, 30.005));
        assert_relative_eq!(distance_to_shape(from, &square), expected, max_relative = 1e-6);
        // Beyond a corner: the distance to the corner.
        let from = Point::new(104.02, 30.02);
        let expected = point_distance(from, Point::new(104.01, 30.01));
        assert_relative_eq!(distance_to_shape(from, &square), expected, max_relative = 1e-6);
    }

    #[test]
    fn radius_box_holds_the_circle() {
        for lat in [-60.0, 0.0, 30.0, 75.0] {
            let center = Point::new(10.0, lat);
            let b = &radius_bbox(center, 50_000.0)[0];
            for bearing in (0..360).step_by(5) {
                use geo::Destination;
                let p = Geodesic.destination(center, bearing as f64, 50_000.0);
                assert!(b.min().x <= p.x() && p.x() <= b.max().x, "lat {lat} bearing {bearing}");
                assert!(b.min().y <= p.y() && p.y() <= b.max().y, "lat {lat} bearing {bearing}");
            }
        }
        assert_eq!(radius_bbox(Point::new(179.99, 0.0), 10_000.0).len(), 2);
    }
}
