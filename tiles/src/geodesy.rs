//! Distances on the WGS84 ellipsoid.
//!
//! The distance from a point to an area is the geodesic distance to the
//! area's nearest point (0 inside, and within a micrometre of the boundary),
//! as PostGIS computes it for `geography`.
//! The nearest point is found in a local plane around the query point, scaled
//! by the ellipsoid's radii of curvature there; the distance to it is then
//! measured on the ellipsoid (see [`geodesic_distance`]). The local plane only
//! chooses the point, so its distortion (a few parts per million at 5 km)
//! barely moves the result, while a spherical haversine would be off by up to
//! 0.3 %.
//!
//! Karney's algorithm costs most of a search's time, so distances up to
//! [`SHORT_DISTANCE_M`] take the flat-earth formula at the mean latitude
//! instead, whose error grows with the cube of the distance: under 4 mm at
//! 10 km up to 60° of latitude, about 1 cm at 70°. Longer distances, and
//! those nearer the poles, are Karney's.

use geo::{Coord, Distance, Geodesic, MultiPolygon, Point, Rect};

use crate::geometry::Shape;
use crate::outline::{Outline, Ring};

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

/// Distances up to this take [`mid_latitude_distance`], m.
pub const SHORT_DISTANCE_M: f64 = 10_000.0;
/// Latitude beyond which every distance takes Karney's algorithm, degrees.
const SHORT_DISTANCE_MAX_LAT: f64 = 70.0;

/// Distance between two nearby points: the flat-earth formula at their mean
/// latitude, with the ellipsoid's radii of curvature there, m.
pub fn mid_latitude_distance(a: Point<f64>, b: Point<f64>) -> f64 {
    let mid = (a.y() + b.y()) / 2.0;
    let s = mid.to_radians().sin();
    let w = 1.0 - WGS84_E2 * s * s;
    let n = WGS84_A / w.sqrt();
    let m = n * (1.0 - WGS84_E2) / w;
    let mut dlon = b.x() - a.x();
    if dlon > 180.0 {
        dlon -= 360.0;
    } else if dlon < -180.0 {
        dlon += 360.0;
    }
    let north = m * (b.y() - a.y()).to_radians();
    let east = n * mid.to_radians().cos() * dlon.to_radians();
    // Metres on the globe cannot overflow: no need for the slower `hypot`.
    (north * north + east * east).sqrt()
}

/// Geodesic distance between two lon/lat points, m: [`mid_latitude_distance`]
/// up to [`SHORT_DISTANCE_M`] below 70° of latitude, else Karney's algorithm.
pub fn geodesic_distance(a: Point<f64>, b: Point<f64>) -> f64 {
    if a.y().abs() <= SHORT_DISTANCE_MAX_LAT && b.y().abs() <= SHORT_DISTANCE_MAX_LAT {
        let d = mid_latitude_distance(a, b);
        if d <= SHORT_DISTANCE_M {
            return d;
        }
    }
    point_distance(a, b)
}

/// Geodesic distance from a point to a shape: to its nearest point, 0 inside.
pub fn distance_to_shape(from: Point<f64>, shape: &Shape) -> f64 {
    DistanceFrom::new(from).to_shape(shape)
}

/// Geodesic distance from a point to polygons (0 inside or on the boundary).
pub fn distance_to_area(from: Point<f64>, area: &MultiPolygon<f64>) -> f64 {
    DistanceFrom::new(from).to_area(area)
}

/// Metres per degree along the parallel and along the meridian at a latitude
/// (degrees), on the ellipsoid.
fn scales_at(lat: f64) -> (f64, f64) {
    let s = lat.to_radians().sin();
    let w = 1.0 - WGS84_E2 * s * s;
    let n = WGS84_A / w.sqrt();
    let per_degree = std::f64::consts::PI / 180.0;
    (
        n * lat.to_radians().cos() * per_degree,
        n * (1.0 - WGS84_E2) / w * per_degree,
    )
}

/// Distances from one point, with the scales of its local plane worked out
/// once: a search measures from its centre to every candidate.
#[derive(Debug, Clone, Copy)]
pub struct DistanceFrom {
    from: Point<f64>,
    /// Metres per degree of longitude and of latitude at the point.
    kx: f64,
    ky: f64,
    /// How those scales change with the latitude nearby: the first- and
    /// second-order coefficients of a quadratic in the latitude offset
    /// (degrees), so that a short distance needs no trigonometry.
    kx_slope: [f64; 2],
    ky_slope: [f64; 2],
}

impl DistanceFrom {
    /// Prepares distances from `from`.
    pub fn new(from: Point<f64>) -> Self {
        let lat0 = from.y();
        let (kx, ky) = scales_at(lat0);
        // The quadratic through the scales at the point and 0.05° either
        // side. A short distance's mid-latitude is within 0.05° of the
        // point's, where the next term is below 1e-10 of the scale.
        const H: f64 = 0.05;
        let ((x_south, y_south), (x_north, y_north)) = (scales_at(lat0 - H), scales_at(lat0 + H));
        let slope = |south: f64, here: f64, north: f64| {
            [
                (north - south) / (2.0 * H),
                (north - 2.0 * here + south) / (2.0 * H * H),
            ]
        };
        Self {
            from,
            kx,
            ky,
            kx_slope: slope(x_south, kx, x_north),
            ky_slope: slope(y_south, ky, y_north),
        }
    }

    /// Geodesic distance to a point: [`geodesic_distance`], with the
    /// mid-latitude scales taken from the quadratics. They agree with the
    /// trigonometric ones to a few parts in 10^10, under a micrometre.
    pub fn to_point(&self, p: Point<f64>) -> f64 {
        let from = self.from;
        if from.y().abs() <= SHORT_DISTANCE_MAX_LAT && p.y().abs() <= SHORT_DISTANCE_MAX_LAT {
            let dlat = p.y() - from.y();
            let half = dlat / 2.0;
            let kx = self.kx + half * (self.kx_slope[0] + half * self.kx_slope[1]);
            let ky = self.ky + half * (self.ky_slope[0] + half * self.ky_slope[1]);
            let mut dlon = p.x() - from.x();
            if dlon > 180.0 {
                dlon -= 360.0;
            } else if dlon < -180.0 {
                dlon += 360.0;
            }
            let (east, north) = (kx * dlon, ky * dlat);
            let d = (east * east + north * north).sqrt();
            if d <= SHORT_DISTANCE_M {
                return d;
            }
        }
        point_distance(from, p)
    }

    /// Bounds on the distance to a shape from its lon/lat bounding box, in
    /// the point's local plane, m: `(lower, upper)`. The shape lies in the
    /// box, so it is no nearer than the box; it touches every side of the
    /// box, so it is no farther than the far end of the nearest side. The
    /// bounds are within [`Self::plane_error`] of the geodesic. `None` where
    /// the plane is no good: across the antimeridian, beyond 70° of latitude.
    pub fn box_bounds(&self, b: Rect<f64>) -> Option<(f64, f64)> {
        let (lower, upper) = self.box_bounds_squared(b)?;
        Some((lower.sqrt(), upper.sqrt()))
    }

    /// The squares of [`Self::box_bounds`]: a search compares them with
    /// squared distances, without two square roots a candidate.
    pub fn box_bounds_squared(&self, b: Rect<f64>) -> Option<(f64, f64)> {
        let (x0, x1) = (b.min().x - self.from.x(), b.max().x - self.from.x());
        if x0 < -180.0 || x1 > 180.0 || self.from.y().abs() > SHORT_DISTANCE_MAX_LAT {
            return None;
        }
        let (x0, x1) = (x0 * self.kx, x1 * self.kx);
        let (y0, y1) = (
            (b.min().y - self.from.y()) * self.ky,
            (b.max().y - self.from.y()) * self.ky,
        );
        let nearest = |lo: f64, hi: f64| {
            if lo > 0.0 {
                lo
            } else if hi < 0.0 {
                hi
            } else {
                0.0
            }
        };
        let (nx, ny) = (nearest(x0, x1), nearest(y0, y1));
        let lower = nx * nx + ny * ny;
        // Squared distances to the corners, then the far end of each side.
        let (sw, se) = (x0 * x0 + y0 * y0, x1 * x1 + y0 * y0);
        let (ne, nw) = (x1 * x1 + y1 * y1, x0 * x0 + y1 * y1);
        let upper = sw.max(se).min(se.max(ne)).min(ne.max(nw)).min(nw.max(sw));
        Some((lower, upper))
    }

    /// How far a distance of up to `reach_m` in the local plane can be from
    /// the geodesic (and from [`Self::to_shape`]), m. The plane keeps the
    /// point's scale along the parallel, which drifts by tan(latitude) per
    /// radian of latitude away from it; twice that, plus a metre, is ample.
    pub fn plane_error(&self, reach_m: f64) -> f64 {
        let drift = self.from.y().to_radians().tan().abs() * reach_m / 6_300_000.0;
        1.0 + reach_m * (2.0 * drift + 1e-5)
    }

    /// Geodesic distance to a shape: to its nearest point, 0 inside.
    pub fn to_shape(&self, shape: &Shape) -> f64 {
        match shape {
            Shape::Point(p) => self.to_point(*p),
            Shape::Area(mp) => self.to_area(mp),
        }
    }

    /// Geodesic distance to polygons (0 inside or on the boundary).
    pub fn to_area(&self, area: &MultiPolygon<f64>) -> f64 {
        let rings = area.0.iter().flat_map(|polygon| {
            let exterior = Ring {
                exterior: true,
                vertices: &polygon.exterior().0,
            };
            let holes = polygon.interiors().iter().map(|ring| Ring {
                exterior: false,
                vertices: &ring.0,
            });
            std::iter::once(exterior).chain(holes)
        });
        self.distance_to_rings(rings)
    }

    /// Geodesic distance to a feature's [`Outline`]: the same as
    /// [`Self::to_shape`] on its shape.
    pub fn to_outline(&self, outline: Outline<'_>) -> f64 {
        self.distance_to_rings(outline.rings())
    }

    /// Geodesic distance to rings, each polygon's exterior followed by its
    /// holes; a ring of one vertex is a point.
    fn distance_to_rings<'a>(&self, rings: impl Iterator<Item = Ring<'a>>) -> f64 {
        let from = self.from;
        let (kx, ky) = (self.kx, self.ky);
        let local = |c: Coord<f64>| {
            let mut dlon = c.x - from.x();
            if dlon > 180.0 {
                dlon -= 360.0;
            } else if dlon < -180.0 {
                dlon += 360.0;
            }
            (dlon * kx, (c.y - from.y()) * ky)
        };
        // The nearest point so far: its squared distance in the plane and
        // where it lies on its segment; its lon/lat is worked out once, at the end.
        let mut best = (f64::INFINITY, from.0, from.0, 0.0);
        // Whether the point is inside the current polygon, by the parity of
        // the edges crossing the ray from it towards +x, found in the same
        // pass as the nearest point.
        let mut inside = false;
        for ring in rings {
            if ring.exterior {
                if inside {
                    return 0.0;
                }
                inside = false;
            }
            let Some((&first, rest)) = ring.vertices.split_first() else {
                continue;
            };
            let (mut a, (mut ax, mut ay)) = (first, local(first));
            if rest.is_empty() {
                let d2 = ax * ax + ay * ay;
                if d2 < best.0 {
                    best = (d2, a, a, 0.0);
                }
            }
            for &b in rest {
                let (bx, by) = local(b);
                let (dx, dy) = (bx - ax, by - ay);
                if (ay > 0.0) != (by > 0.0) && ax - ay * dx / dy > 0.0 {
                    inside = !inside;
                }
                // The projection's parameter, clamped to the segment; the
                // division only when the projection falls inside it.
                let len2 = dx * dx + dy * dy;
                let along = -(ax * dx + ay * dy);
                let t = if along <= 0.0 {
                    0.0
                } else if along >= len2 {
                    1.0
                } else {
                    along / len2
                };
                let (px, py) = (ax + t * dx, ay + t * dy);
                let d2 = px * px + py * py;
                if d2 < best.0 {
                    best = (d2, a, b, t);
                }
                (a, ax, ay) = (b, bx, by);
            }
        }
        // Within a micrometre of the boundary the parity may err either way:
        // that close counts as on it.
        if inside || best.0 < 1e-12 {
            return 0.0;
        }
        let (_, a, b, t) = best;
        self.to_point((a + (b - a) * t).into())
    }
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

/// Grows a lon/lat box by a distance on every side (not across the antimeridian).
pub fn grow_bbox(b: Rect<f64>, by_m: f64) -> Rect<f64> {
    // The box around a point at the box's widest latitude is the widest margin needed.
    let widest = if b.min().y.abs() > b.max().y.abs() {
        b.min().y
    } else {
        b.max().y
    };
    let margin = radius_bbox(Point::new(0.0, widest), by_m)[0];
    let (dlon, dlat) = (margin.max().x.min(180.0), margin.height() / 2.0);
    Rect::new(
        Coord {
            x: (b.min().x - dlon).max(-180.0),
            y: (b.min().y - dlat).max(-90.0),
        },
        Coord {
            x: (b.max().x + dlon).min(180.0),
            y: (b.max().y + dlat).min(90.0),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{LineString, Polygon, polygon};

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
        assert_relative_eq!(
            distance_to_shape(from, &square),
            expected,
            max_relative = 1e-6
        );
        // Beyond a corner: the distance to the corner.
        let from = Point::new(104.02, 30.02);
        let expected = point_distance(from, Point::new(104.01, 30.01));
        assert_relative_eq!(
            distance_to_shape(from, &square),
            expected,
            max_relative = 1e-6
        );
    }

    #[test]
    fn a_hole_is_outside_and_parts_are_inside() {
        let ring = |x0: f64, y0: f64, x1: f64, y1: f64| {
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
        };
        let with_hole = Polygon::new(
            ring(104.0, 30.0, 104.02, 30.02),
            vec![ring(104.005, 30.005, 104.015, 30.015)],
        );
        let other = Polygon::new(ring(104.03, 30.0, 104.04, 30.01), vec![]);
        let area = MultiPolygon(vec![with_hole, other]);
        assert_eq!(distance_to_area(Point::new(104.002, 30.01), &area), 0.0);
        assert_eq!(distance_to_area(Point::new(104.035, 30.005), &area), 0.0);
        // On the hole's edge, and in the hole: the distance to its west edge.
        assert_eq!(distance_to_area(Point::new(104.005, 30.01), &area), 0.0);
        let in_hole = Point::new(104.006, 30.01);
        let expected = point_distance(in_hole, Point::new(104.005, 30.01));
        assert_relative_eq!(
            distance_to_area(in_hole, &area),
            expected,
            max_relative = 1e-6
        );
        // Between the parts: to the nearer one.
        let between = Point::new(104.026, 30.005);
        let expected = point_distance(between, Point::new(104.03, 30.005));
        assert_relative_eq!(
            distance_to_area(between, &area),
            expected,
            max_relative = 1e-6
        );
    }

    #[test]
    fn box_bounds_hold_the_distance_to_the_shape() {
        use geo::BoundingRect;
        // A thin triangle: far from filling its box.
        let triangle =
            polygon![(x: 104.0, y: 30.0), (x: 104.01, y: 30.002), (x: 104.003, y: 30.008)];
        let area = MultiPolygon(vec![triangle]);
        let bbox = area.bounding_rect().unwrap();
        for i in 0..400 {
            let (a, r) = (i as f64 * 0.7, 30.0 + (i as f64 * 37.0) % 9_000.0);
            let from = Point::new(
                104.005 + r * a.cos() / 96_000.0,
                30.004 + r * a.sin() / 110_900.0,
            );
            let d = DistanceFrom::new(from);
            let (lower, upper) = d.box_bounds(bbox).unwrap();
            let exact = d.to_area(&area);
            let slack = d.plane_error(exact.max(upper));
            assert!(
                lower - slack <= exact && exact <= upper + slack,
                "{from:?}: {lower} {exact} {upper}"
            );
        }
        assert!(
            DistanceFrom::new(Point::new(179.9, 0.0))
                .box_bounds(Rect::new(
                    Coord { x: -179.99, y: 0.0 },
                    Coord {
                        x: -179.98,
                        y: 0.01
                    }
                ))
                .is_none()
        );
    }

    #[test]
    fn short_distances_agree_with_karney() {
        use geo::Destination;
        for lat in [-70.0, -45.0, 0.0, 30.7, 60.0, 70.0] {
            for bearing in (0..360).step_by(15) {
                for d in [1.0, 100.0, 2_500.0, 9_999.0] {
                    let a = Point::new(103.85, lat);
                    let b = Geodesic.destination(a, bearing as f64, d);
                    let error = (geodesic_distance(a, b) - point_distance(a, b)).abs();
                    assert!(
                        error < 0.015,
                        "lat {lat} bearing {bearing} {d} m: off by {error} m"
                    );
                }
            }
        }
        // Across the antimeridian, and beyond the short range.
        let (a, b) = (Point::new(179.99, 10.0), Point::new(-179.99, 10.0));
        assert_relative_eq!(
            geodesic_distance(a, b),
            point_distance(a, b),
            max_relative = 1e-6
        );
        let (a, b) = (Point::new(104.0, 30.0), Point::new(104.5, 30.3));
        assert_eq!(geodesic_distance(a, b), point_distance(a, b));
    }

    #[test]
    fn distances_from_a_point_agree_with_the_mid_latitude_formula() {
        use geo::Destination;
        for lat in [-70.0, -45.0, -0.01, 0.0, 30.7, 60.0, 69.99] {
            let a = Point::new(179.995, lat);
            let from = DistanceFrom::new(a);
            for bearing in (0..360).step_by(7) {
                for d in [0.5, 120.0, 4_999.0, 9_990.0] {
                    let b = Geodesic.destination(a, bearing as f64, d);
                    let b = Point::new(if b.x() > 180.0 { b.x() - 360.0 } else { b.x() }, b.y());
                    let error = (from.to_point(b) - geodesic_distance(a, b)).abs();
                    assert!(
                        error < 1e-6,
                        "lat {lat} bearing {bearing} {d} m: off by {error} m"
                    );
                }
            }
            // Beyond the short range, and beyond 70°, Karney's.
            let far = Geodesic.destination(a, 45.0, 20_000.0);
            assert_eq!(from.to_point(far), point_distance(a, far));
        }
        let polar = Point::new(10.0, 75.0);
        let near = Point::new(10.01, 75.01);
        assert_eq!(
            DistanceFrom::new(polar).to_point(near),
            point_distance(polar, near)
        );
    }

    #[test]
    fn radius_box_holds_the_circle() {
        for lat in [-60.0, 0.0, 30.0, 75.0] {
            let center = Point::new(10.0, lat);
            let b = &radius_bbox(center, 50_000.0)[0];
            for bearing in (0..360).step_by(5) {
                use geo::Destination;
                let p = Geodesic.destination(center, bearing as f64, 50_000.0);
                assert!(
                    b.min().x <= p.x() && p.x() <= b.max().x,
                    "lat {lat} bearing {bearing}"
                );
                assert!(
                    b.min().y <= p.y() && p.y() <= b.max().y,
                    "lat {lat} bearing {bearing}"
                );
            }
        }
        assert_eq!(radius_bbox(Point::new(179.99, 0.0), 10_000.0).len(), 2);
    }
}
