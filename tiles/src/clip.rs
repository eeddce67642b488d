//! Clipping, simplification and snapping of rings in tile units.
//!
//! The pipeline for one ring: simplify (Douglas-Peucker with a tolerance below
//! what the zoom can show), clip to the buffered tile square
//! (Sutherland-Hodgman, exact for a convex clip window), snap to the integer
//! grid of the tile, drop repeated points, and drop what no longer encloses an
//! area.

use geo::{Coord, LineString, Simplify};

/// An axis-aligned clip window in tile units.
#[derive(Debug, Clone, Copy)]
pub struct ClipWindow {
    /// Smallest x and y (negative: the buffer).
    pub min: f64,
    /// Largest x and y (extent + buffer).
    pub max: f64,
}

impl ClipWindow {
    /// Whether a point lies inside the window, edges included.
    pub fn contains(&self, c: Coord<f64>) -> bool {
        (self.min..=self.max).contains(&c.x) && (self.min..=self.max).contains(&c.y)
    }
}

/// Clips an open ring (no repeated closing point) to the window.
pub fn clip_ring(ring: &[Coord<f64>], window: ClipWindow) -> Vec<Coord<f64>> {
    #[derive(Clone, Copy)]
    enum Edge {
        Left,
        Right,
        Top,
        Bottom,
    }
    let inside = |c: Coord<f64>, edge: Edge| match edge {
        Edge::Left => c.x >= window.min,
        Edge::Right => c.x <= window.max,
        Edge::Top => c.y >= window.min,
        Edge::Bottom => c.y <= window.max,
    };
    let cross = |a: Coord<f64>, b: Coord<f64>, edge: Edge| {
        let (t, fixed_x) = match edge {
            Edge::Left => ((window.min - a.x) / (b.x - a.x), Some(window.min)),
            Edge::Right => ((window.max - a.x) / (b.x - a.x), Some(window.max)),
            Edge::Top => ((window.min - a.y) / (b.y - a.y), None),
            Edge::Bottom => ((window.max - a.y) / (b.y - a.y), None),
        };
        match (edge, fixed_x) {
            (_, Some(x)) => Coord {
                x,
                y: a.y + t * (b.y - a.y),
            },
            (Edge::Top, None) => Coord {
                x: a.x + t * (b.x - a.x),
                y: window.min,
            },
            _ => Coord {
                x: a.x + t * (b.x - a.x),
                y: window.max,
            },
        }
    };

    // Fast paths: whole ring inside, or whole ring on the far side of one edge.
    if ring.iter().all(|c| window.contains(*c)) {
        return ring.to_vec();
    }
    let mut output = ring.to_vec();
    for edge in [Edge::Left, Edge::Right, Edge::Top, Edge::Bottom] {
        if output.is_empty() {
            break;
        }
        let input = std::mem::take(&mut output);
        let mut prev = *input.last().expect("non-empty");
        for &cur in &input {
            match (inside(prev, edge), inside(cur, edge)) {
                (true, true) => output.push(cur),
                (true, false) => output.push(cross(prev, cur, edge)),
                (false, true) => {
                    output.push(cross(prev, cur, edge));
                    output.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
    }
    output
}

/// Simplifies a closed ring given as an open list of points (Douglas-Peucker).
pub fn simplify_ring(ring: Vec<Coord<f64>>, tolerance: f64) -> Vec<Coord<f64>> {
    if ring.len() <= 4 || tolerance <= 0.0 {
        return ring;
    }
    let mut closed = ring;
    closed.push(closed[0]);
    let mut simplified = LineString(closed).simplify(tolerance).0;
    simplified.pop();
    simplified
}

/// Twice the signed area of an open integer ring; positive when clockwise
/// with y down, which the MVT spec makes the exterior orientation.
pub fn ring_area2_i64(ring: &[(i32, i32)]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (x0, y0) = ring[i];
            let (x1, y1) = ring[(i + 1) % n];
            x0 as i64 * y1 as i64 - x1 as i64 * y0 as i64
        })
        .sum()
}

/// Snaps an open ring to integer tile units and drops repeated points.
/// Returns `None` when fewer than three points or no area remain.
pub fn snap_ring(ring: &[Coord<f64>]) -> Option<Vec<(i32, i32)>> {
    let mut snapped: Vec<(i32, i32)> = Vec::with_capacity(ring.len());
    for c in ring {
        let p = (c.x.round() as i32, c.y.round() as i32);
        if snapped.last() != Some(&p) {
            snapped.push(p);
        }
    }
    while snapped.len() > 1 && snapped.first() == snapped.last() {
        snapped.pop();
    }
    (snapped.len() >= 3 && ring_area2_i64(&snapped) != 0).then_some(snapped)
}

/// Orients an integer ring: exterior rings clockwise in tile units (positive
/// area), interior rings counter-clockwise.
pub fn orient_ring(ring: &mut [(i32, i32)], exterior: bool) {
    let positive = ring_area2_i64(ring) > 0;
    if positive != exterior {
        ring.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WINDOW: ClipWindow = ClipWindow {
        min: -64.0,
        max: 4160.0,
    };

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn area(ring: &[Coord<f64>]) -> f64 {
        let n = ring.len();
        (0..n)
            .map(|i| ring[i].x * ring[(i + 1) % n].y - ring[(i + 1) % n].x * ring[i].y)
            .sum::<f64>()
            / 2.0
    }

    #[test]
    fn square_overlapping_a_corner_is_cut_to_the_window() {
        // A 5000 x 6000 square from (-1000, -1000) is cut to [-64, 4160]^2.
        let ring = [
            c(-1000.0, -1000.0),
            c(4000.0, -1000.0),
            c(4000.0, 5000.0),
            c(-1000.0, 5000.0),
        ];
        let clipped = clip_ring(&ring, WINDOW);
        approx::assert_abs_diff_eq!(area(&clipped).abs(), 4064.0 * 4224.0, epsilon = 1e-6);
    }

    #[test]
    fn ring_outside_vanishes() {
        let ring = [c(5000.0, 0.0), c(6000.0, 0.0), c(6000.0, 100.0)];
        assert!(clip_ring(&ring, WINDOW).is_empty());
    }

    #[test]
    fn snapping_drops_slivers() {
        assert!(snap_ring(&[c(0.1, 0.1), c(0.2, 0.3), c(0.4, 0.2)]).is_none());
        let ring = snap_ring(&[c(0.0, 0.0), c(10.0, 0.0), c(10.0, 10.0), c(0.0, 10.0)]).unwrap();
        assert_eq!(ring_area2_i64(&ring), 200);
    }

    #[test]
    fn orientation_follows_the_spec() {
        let mut ring = vec![(0, 0), (0, 10), (10, 10), (10, 0)];
        orient_ring(&mut ring, true);
        assert!(ring_area2_i64(&ring) > 0);
        orient_ring(&mut ring, false);
        assert!(ring_area2_i64(&ring) < 0);
    }

    proptest! {
        /// Clipping never grows an area, keeps every point in the window, and
        /// keeps a ring that lies inside the window unchanged.
        #[test]
        fn clipped_ring_stays_in_window(
            pts in prop::collection::vec((-3000.0f64..7000.0, -3000.0f64..7000.0), 3..12)
        ) {
            // A star-shaped (hence simple) ring: sort points by angle around their mean.
            let (mx, my) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
            let (mx, my) = (mx / pts.len() as f64, my / pts.len() as f64);
            let mut ring: Vec<_> = pts.iter().map(|p| c(p.0, p.1)).collect();
            ring.sort_by(|a, b| (a.y - my).atan2(a.x - mx).total_cmp(&(b.y - my).atan2(b.x - mx)));
            let clipped = clip_ring(&ring, WINDOW);
            for p in &clipped {
                prop_assert!(p.x >= -64.0 - 1e-9 && p.x <= 4160.0 + 1e-9 && p.y >= -64.0 - 1e-9 && p.y <= 4160.0 + 1e-9);
            }
            prop_assert!(area(&clipped).abs() <= area(&ring).abs() + 1e-6);
            if ring.iter().all(|p| WINDOW.contains(*p)) {
                prop_assert_eq!(clipped, ring);
            }
        }
    }
}
