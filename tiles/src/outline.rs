//! Feature outlines in one flat array, for distances at search speed.
//!
//! A search measures the distance from its centre to hundreds of features. A
//! [`Shape`] reached through its feature costs three or four cache misses
//! before the first vertex (entry, feature, polygon list, ring); an outline
//! here is one slice of one array, laid out in slot order, so features that
//! are near on the map are mostly near in memory too.
//!
//! An outline is a run of rings. Each ring is a header, a coordinate whose x
//! is NaN and whose y is the ring's vertex count (positive for an exterior
//! ring, which starts a polygon; negative for a hole of the polygon before
//! it), then its vertices. A point is an exterior ring of one vertex.

use geo::Coord;

use crate::geometry::Shape;

/// One feature's rings (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct Outline<'a>(&'a [Coord<f64>]);

/// One ring of an [`Outline`].
#[derive(Debug, Clone, Copy)]
pub struct Ring<'a> {
    /// Whether the ring is an exterior one, which starts a polygon.
    pub exterior: bool,
    /// Its vertices; an area's ring is closed (first = last).
    pub vertices: &'a [Coord<f64>],
}

impl<'a> Outline<'a> {
    /// The y of its first coordinate (0 when empty): a read of its start.
    pub fn first_y(self) -> f64 {
        self.0.first().map_or(0.0, |c| c.y)
    }

    /// The rings, in order: each polygon's exterior, then its holes.
    pub fn rings(self) -> impl Iterator<Item = Ring<'a>> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (header, tail) = rest.split_first()?;
            let count = header.y as isize;
            let (vertices, after) = tail.split_at(count.unsigned_abs().min(tail.len()));
            rest = after;
            Some(Ring {
                exterior: count > 0,
                vertices,
            })
        })
    }
}

/// Appends a shape's outline to `out`.
fn encode(shape: &Shape, out: &mut Vec<Coord<f64>>) {
    let header = |count: usize, exterior: bool| Coord {
        x: f64::NAN,
        y: if exterior {
            count as f64
        } else {
            -(count as f64)
        },
    };
    match shape {
        Shape::Point(p) => {
            out.push(header(1, true));
            out.push(p.0);
        }
        Shape::Area(area) => {
            for polygon in &area.0 {
                let exterior = std::iter::once((polygon.exterior(), true));
                let holes = polygon.interiors().iter().map(|ring| (ring, false));
                for (ring, is_exterior) in exterior.chain(holes) {
                    out.push(header(ring.0.len(), is_exterior));
                    out.extend_from_slice(&ring.0);
                }
            }
        }
    }
}

/// Number of coordinates [`encode`] writes for a shape.
fn encoded_len(shape: &Shape) -> usize {
    match shape {
        Shape::Point(_) => 2,
        Shape::Area(area) => area
            .0
            .iter()
            .map(|p| {
                1 + p.exterior().0.len()
                    + p.interiors().iter().map(|r| 1 + r.0.len()).sum::<usize>()
            })
            .sum(),
    }
}

/// The outlines of one layer's features, by slot.
#[derive(Debug, Clone, Default)]
pub struct Outlines {
    coords: Vec<Coord<f64>>,
    /// Where each slot's outline starts and how long it is; `(0, 0)` for an empty slot.
    spans: Vec<(usize, usize)>,
    /// Coordinates no slot refers to any more.
    stale: usize,
}

impl Outlines {
    /// The outline in a slot (empty for an empty slot).
    pub fn get(&self, slot: usize) -> Outline<'_> {
        let (start, len) = self.spans.get(slot).copied().unwrap_or((0, 0));
        Outline(&self.coords[start..start + len])
    }

    /// Sets the outline of a slot, in place when the length allows.
    pub fn set(&mut self, slot: usize, shape: &Shape) {
        if self.spans.len() <= slot {
            self.spans.resize(slot + 1, (0, 0));
        }
        let (start, len) = self.spans[slot];
        let wanted = encoded_len(shape);
        if len == wanted {
            // A status change keeps the geometry: rewrite it where it is.
            let mut encoded = Vec::with_capacity(wanted);
            encode(shape, &mut encoded);
            self.coords[start..start + len].copy_from_slice(&encoded);
            return;
        }
        self.stale += len;
        let start = self.coords.len();
        encode(shape, &mut self.coords);
        self.spans[slot] = (start, wanted);
        self.compact_if_mostly_stale();
    }

    /// Forgets the outline of a slot.
    pub fn clear(&mut self, slot: usize) {
        if let Some(span) = self.spans.get_mut(slot) {
            self.stale += span.1;
            *span = (0, 0);
        }
        self.compact_if_mostly_stale();
    }

    /// Copies the live outlines into a new array once more than half the
    /// old one is stale, so that edits cost amortised constant space.
    fn compact_if_mostly_stale(&mut self) {
        if self.stale <= self.coords.len() / 2 || self.stale < 4096 {
            return;
        }
        let mut coords = Vec::with_capacity(self.coords.len() - self.stale);
        for span in &mut self.spans {
            let (start, len) = *span;
            *span = (coords.len(), len);
            coords.extend_from_slice(&self.coords[start..start + len]);
        }
        self.coords = coords;
        self.stale = 0;
    }

    /// Coordinates held, stale ones included.
    pub fn capacity_used(&self) -> usize {
        self.coords.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, MultiPolygon, Polygon};

    fn square(x: f64, with_hole: bool) -> Polygon<f64> {
        let ring = |x0: f64, x1: f64| {
            LineString::from(vec![(x0, 0.0), (x1, 0.0), (x1, 1.0), (x0, 1.0), (x0, 0.0)])
        };
        let holes = if with_hole {
            vec![ring(x + 0.25, x + 0.75)]
        } else {
            vec![]
        };
        Polygon::new(ring(x, x + 1.0), holes)
    }

    #[test]
    fn rings_come_back_as_written() {
        let area = Shape::Area(MultiPolygon(vec![square(0.0, true), square(2.0, false)]));
        let mut outlines = Outlines::default();
        outlines.set(3, &area);
        outlines.set(1, &Shape::point(104.0, 30.0).unwrap());
        let rings: Vec<Ring> = outlines.get(3).rings().collect();
        assert_eq!(
            rings.iter().map(|r| r.exterior).collect::<Vec<_>>(),
            [true, false, true]
        );
        assert_eq!(rings[1].vertices[0], Coord { x: 0.25, y: 0.0 });
        assert_eq!(rings[2].vertices.len(), 5);
        let point: Vec<Ring> = outlines.get(1).rings().collect();
        assert_eq!(point.len(), 1);
        assert_eq!(point[0].vertices, [Coord { x: 104.0, y: 30.0 }]);
        assert_eq!(outlines.get(0).rings().count(), 0);
        assert_eq!(outlines.get(99).rings().count(), 0);
    }

    #[test]
    fn same_length_edits_stay_in_place_and_others_compact() {
        let mut outlines = Outlines::default();
        let one = Shape::Area(MultiPolygon(vec![square(0.0, false)]));
        let moved = Shape::Area(MultiPolygon(vec![square(5.0, false)]));
        let holed = Shape::Area(MultiPolygon(vec![square(5.0, true)]));
        for slot in 0..2000 {
            outlines.set(slot, &one);
        }
        let used = outlines.capacity_used();
        outlines.set(7, &moved);
        assert_eq!(outlines.capacity_used(), used);
        assert_eq!(outlines.get(7).rings().next().unwrap().vertices[0].x, 5.0);
        // Growing every outline leaves the old ones stale, and compaction
        // keeps the array within twice the live size.
        for slot in 0..2000 {
            outlines.set(slot, &holed);
            assert!(outlines.capacity_used() <= 2 * 12 * 2000 + 12);
        }
        for slot in 0..2000 {
            assert_eq!(outlines.get(slot).rings().count(), 2, "slot {slot}");
        }
        for slot in 0..2000 {
            outlines.clear(slot);
        }
        assert!(outlines.capacity_used() < 2 * 4096 + 12);
        assert_eq!(outlines.get(5).rings().count(), 0);
    }
}
