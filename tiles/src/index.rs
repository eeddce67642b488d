//! The in-memory spatial index: R-trees per layer.
//!
//! Features live in a slab (`Vec<Option<Entry>>`) addressed by a slot number;
//! the R-trees hold only each feature's lon/lat bounding box, slot and
//! [search key](Attributes::search_key), so they stay small, a tree query
//! resolves to features by array index, and a search refuses most candidates
//! without reading them. A layer may also keep its features in one tree per
//! [partition](Attributes::partition) (plots: per status and land use), so
//! that a search skips the trees it cannot match; tiles use the whole tree. Upsert and remove touch
//! one tree entry each, in O(log n): a write never rebuilds a tree.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{Area, BoundingRect, Contains, Coord, InteriorPoint, MapCoords, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, Envelope, ParentNode, RStarInsertionStrategy, RTree, RTreeNode, RTreeParams};

use crate::geometry::Shape;
use crate::model::{Attributes, Feature};
use crate::outline::{Outline, Outlines};
use crate::tile_math::lonlat_to_world;

/// A feature's box, with its slot and search key.
type TreeItem = GeomWithData<Rectangle<[f64; 2]>, (u32, u64)>;

/// Nodes of up to 24 children rather than rstar's default 6: a search visits
/// thousands of leaves, and larger nodes walk them about a quarter faster and
/// bulk-load faster too (measured on the 1,000,000-plot dataset).
#[derive(Debug, Clone, Copy)]
struct TreeParams;

impl RTreeParams for TreeParams {
    const MIN_SIZE: usize = 10;
    const MAX_SIZE: usize = 24;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// A feature's geometry projected to normalised Web Mercator (see [`crate::tile_math`]).
#[derive(Debug, Clone, PartialEq)]
pub enum WorldShape {
    /// A projected point.
    Point(Coord<f64>),
    /// Projected polygons.
    Area(MultiPolygon<f64>),
}

/// A feature as held by the index, with what tiles and searches need precomputed.
#[derive(Debug, Clone)]
pub struct Entry<A> {
    /// The feature itself, shared with readers.
    pub feature: Arc<Feature<A>>,
    /// Geometry in world coordinates, for tiles.
    pub world: WorldShape,
    /// Anchor (point or centroid) in world coordinates, for aggregation.
    pub world_anchor: Coord<f64>,
    /// Where the feature's name is drawn, in world coordinates: the point
    /// itself, or the pole of inaccessibility of the largest polygon (the
    /// inside point farthest from its edges; a centroid can fall outside an
    /// L- or U-shaped plot, or in a hole).
    pub world_label: Coord<f64>,
    /// Bounding box in lon/lat.
    pub bbox: Rect<f64>,
}

impl<A: Attributes> Entry<A> {
    fn new(feature: Feature<A>) -> Self {
        let project = |c: Coord<f64>| {
            let (x, y) = lonlat_to_world(c.x, c.y);
            Coord { x, y }
        };
        let world = match &feature.shape {
            Shape::Point(p) => WorldShape::Point(project(p.0)),
            Shape::Area(mp) => WorldShape::Area(mp.map_coords(project)),
        };
        let world_anchor = project(feature.anchor().0);
        let world_label = match &world {
            WorldShape::Point(p) => *p,
            WorldShape::Area(mp) => label_point(mp).unwrap_or(world_anchor),
        };
        Self {
            world_anchor,
            world_label,
            bbox: feature.shape.bbox(),
            world,
            feature: Arc::new(feature),
        }
    }

    fn tree_item(&self, slot: u32) -> TreeItem {
        GeomWithData::new(
            Rectangle::from_corners(
                [self.bbox.min().x, self.bbox.min().y],
                [self.bbox.max().x, self.bbox.max().y],
            ),
            (slot, self.feature.attrs.search_key()),
        )
    }
}

/// The pole of inaccessibility of the largest polygon, found to 1/16 of its
/// larger side: a few pixels wherever the label is drawn whole. Finer costs
/// more than it shows: at 1/64 it tripled the time of loading 1,000,000
/// plots; at 1/16 it adds 2.4 s (0.4 of the load).
fn label_point(mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
    let largest =
        mp.0.iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    let bounds = largest.bounding_rect()?;
    let tolerance = bounds.width().max(bounds.height()) / 16.0;
    if tolerance.is_nan() || tolerance <= 0.0 {
        return None;
    }
    let point = polylabel::polylabel(largest, &tolerance).ok()?;
    // The search is only as fine as its tolerance: in a sliver thinner than
    // that, its best cell's centre can lie outside the polygon. Then any
    // interior point is better than the best cell.
    if largest.contains(&point) {
        Some(point.0)
    } else {
        largest.interior_point().map(|p| p.0)
    }
}

/// A feature as the R-tree holds it (see [`LayerIndex::for_each_candidate`]).
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// The feature's [`Attributes::search_key`].
    pub key: u64,
    /// Its bounding box in lon/lat.
    pub bbox: Rect<f64>,
    /// Where its entry is.
    pub slot: Slot,
}

/// Where a feature's entry is kept (see [`LayerIndex::entry_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(pub(crate) u32);

/// Hashes feature ids with one multiplication (Fibonacci hashing) instead
/// of SipHash. Ids come from the store's sequence, never from clients, so
/// they need no protection from chosen collisions; the product's high bits,
/// which the hash map reads first, differ even between consecutive ids.
#[derive(Debug, Clone, Copy, Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for ids; anything else still hashes.
        for b in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(*b));
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The id-to-slot map of a layer.
type SlotOfId = HashMap<u64, u32, std::hash::BuildHasherDefault<IdHasher>>;

/// One layer's features, by id and by place.
#[derive(Debug, Clone)]
pub struct LayerIndex<A> {
    slots: Vec<Option<Entry<A>>>,
    free_slots: Vec<u32>,
    slot_of_id: SlotOfId,
    /// The id in each slot (0 when empty), and each slot's outline: what a
    /// search reads of a candidate, kept apart from the entries so that it
    /// reads a few cache lines instead of a feature's scattered parts.
    id_of_slot: Vec<u64>,
    outlines: Outlines,
    /// Every feature, for tiles and plain box queries.
    tree: RTree<TreeItem, TreeParams>,
    /// The same features once more, one R-tree per partition (see
    /// [`Attributes::partition`]), for searches; empty when the layer has a
    /// single partition. A tile wants every partition, and one walk of one
    /// tree costs it less than a walk of each.
    partitions: Vec<RTree<TreeItem, TreeParams>>,
}

/// The partition trees of a layer with `A`'s partitions.
fn partition_trees<A: Attributes>(items: Option<&[TreeItem]>) -> Vec<RTree<TreeItem, TreeParams>> {
    if A::PARTITIONS < 2 {
        return Vec::new();
    }
    let mut parts: Vec<Vec<TreeItem>> = (0..A::PARTITIONS).map(|_| Vec::new()).collect();
    for item in items.unwrap_or_default() {
        parts[A::partition(item.data.1)].push(*item);
    }
    parts
        .into_iter()
        .map(RTree::bulk_load_with_params)
        .collect()
}

impl<A: Attributes> Default for LayerIndex<A> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free_slots: Vec::new(),
            slot_of_id: SlotOfId::default(),
            id_of_slot: Vec::new(),
            outlines: Outlines::default(),
            tree: RTree::new_with_params(),
            partitions: partition_trees::<A>(None),
        }
    }
}

impl<A: Attributes> LayerIndex<A> {
    /// Builds the index in one pass (an R-tree bulk load). A later feature with
    /// the id of an earlier one replaces it. Slots follow a Hilbert curve
    /// over the features' centres, so that features near on the map are near
    /// in memory, and a search or a tile reads fewer cache lines.
    pub fn bulk_load(features: impl IntoIterator<Item = Feature<A>>) -> Self {
        let mut features: Vec<Option<Feature<A>>> = features.into_iter().map(Some).collect();
        // The last feature of each id, by its place in the input.
        let mut last_of_id = SlotOfId::with_capacity_and_hasher(features.len(), Default::default());
        for (i, feature) in features.iter().enumerate() {
            if let Some(f) = feature {
                last_of_id.insert(f.id, i as u32);
            }
        }
        let mut order: Vec<(u64, u64, u32)> = last_of_id
            .into_values()
            .filter_map(|i| {
                let f = features[i as usize].as_ref()?;
                Some((hilbert_key(f.shape.bbox().center()), f.id, i))
            })
            .collect();
        order.sort_unstable();
        let mut index = Self {
            slots: Vec::with_capacity(order.len()),
            slot_of_id: SlotOfId::with_capacity_and_hasher(order.len(), Default::default()),
            id_of_slot: Vec::with_capacity(order.len()),
            ..Self::default()
        };
        // Entries are made in slot order, so that what they allocate (the
        // projected shapes) lies in memory in the same order as on the map.
        for (_, id, i) in order {
            let Some(feature) = features[i as usize].take() else {
                continue;
            };
            let slot = index.slots.len();
            let entry = Entry::new(feature);
            index.slot_of_id.insert(id, slot as u32);
            index.id_of_slot.push(id);
            index.outlines.set(slot, &entry.feature.shape);
            index.slots.push(Some(entry));
        }
        drop(features);
        let items: Vec<TreeItem> = (index.slots.iter().enumerate())
            .filter_map(|(slot, e)| e.as_ref().map(|e| e.tree_item(slot as u32)))
            .collect();
        index.partitions = partition_trees::<A>(Some(&items));
        index.tree = RTree::bulk_load_with_params(items);
        index
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.slot_of_id.len()
    }

    /// Whether the layer is empty.
    pub fn is_empty(&self) -> bool {
        self.slot_of_id.is_empty()
    }

    /// The feature with this id.
    pub fn get(&self, id: u64) -> Option<&Arc<Feature<A>>> {
        self.entry(id).map(|e| &e.feature)
    }

    /// The index entry of the feature with this id.
    pub fn entry(&self, id: u64) -> Option<&Entry<A>> {
        let slot = *self.slot_of_id.get(&id)?;
        self.slots[slot as usize].as_ref()
    }

    /// Inserts a feature or replaces the one with the same id; returns the replaced one.
    pub fn upsert(&mut self, feature: Feature<A>) -> Option<Arc<Feature<A>>> {
        let id = feature.id;
        let old = self.remove(id);
        let entry = Entry::new(feature);
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let item = entry.tree_item(slot);
        if let Some(tree) = self.partitions.get_mut(A::partition(item.data.1)) {
            tree.insert(item);
        }
        self.tree.insert(item);
        self.outlines.set(slot as usize, &entry.feature.shape);
        if self.id_of_slot.len() <= slot as usize {
            self.id_of_slot.resize(slot as usize + 1, 0);
        }
        self.id_of_slot[slot as usize] = id;
        self.slots[slot as usize] = Some(entry);
        self.slot_of_id.insert(id, slot);
        old
    }

    /// Removes the feature with this id; returns it.
    pub fn remove(&mut self, id: u64) -> Option<Arc<Feature<A>>> {
        let slot = self.slot_of_id.remove(&id)?;
        let entry = self.slots[slot as usize].take()?;
        let item = entry.tree_item(slot);
        if let Some(tree) = self.partitions.get_mut(A::partition(item.data.1)) {
            tree.remove(&item);
        }
        self.tree.remove(&item);
        self.outlines.clear(slot as usize);
        self.id_of_slot[slot as usize] = 0;
        self.free_slots.push(slot);
        Some(entry.feature)
    }

    /// Entries whose bounding box intersects a lon/lat box.
    pub fn in_bbox(&self, bbox: Rect<f64>) -> impl Iterator<Item = &Entry<A>> {
        self.tree
            .locate_in_envelope_intersecting(&envelope_of(bbox))
            .filter_map(|item| self.slots[item.data.0 as usize].as_ref())
    }

    /// Calls `visit` with each feature whose bounding box intersects a lon/lat
    /// box, in the partitions `wanted` passes, in tree nodes whose box
    /// `reaches` passes, and whose [`Attributes::search_key`] passes `keep`,
    /// as the R-trees know them: nothing of the entries is read until
    /// [`Self::entry_of`] asks. `reaches` lets a search pass over whole
    /// branches outside its circle.
    pub fn for_each_candidate(
        &self,
        bbox: Rect<f64>,
        wanted: impl Fn(usize) -> bool,
        reaches: impl Fn(Rect<f64>) -> bool,
        keep: impl Fn(u64) -> bool,
        mut visit: impl FnMut(Candidate),
    ) {
        let walk = CandidateWalk {
            envelope: envelope_of(bbox),
            reaches,
            keep,
        };
        if self.partitions.is_empty() {
            walk.node(self.tree.root(), &mut visit);
            return;
        }
        for (partition, tree) in self.partitions.iter().enumerate() {
            if wanted(partition) {
                walk.node(tree.root(), &mut visit);
            }
        }
    }

    /// Calls `visit` with each feature whose bounding box intersects a lon/lat
    /// box, as [`Self::for_each_candidate`] does but over the whole layer in
    /// one walk: for aggregates, which read the search key and the entry but
    /// not the feature.
    pub fn for_each_in_bbox(&self, bbox: Rect<f64>, mut visit: impl FnMut(Candidate)) {
        let walk = CandidateWalk {
            envelope: envelope_of(bbox),
            reaches: |_| true,
            keep: |_| true,
        };
        walk.node(self.tree.root(), &mut visit);
    }

    /// The entry in a slot named by [`Self::for_each_candidate`].
    pub fn entry_of(&self, slot: Slot) -> Option<&Entry<A>> {
        self.slots[slot.0 as usize].as_ref()
    }

    /// The id of the feature in a slot named by [`Self::for_each_candidate`].
    pub fn id_of(&self, slot: Slot) -> u64 {
        self.id_of_slot[slot.0 as usize]
    }

    /// The outline of the feature in a slot named by [`Self::for_each_candidate`].
    pub fn outline_of(&self, slot: Slot) -> Outline<'_> {
        self.outlines.get(slot.0 as usize)
    }

    /// Reads the first bytes of the outlines and ids of these slots, in a
    /// loop so short that the processor has many of the reads in flight at
    /// once: a search then measures them from the cache, where the
    /// measuring loop would wait for each read in turn.
    pub fn preload(&self, slots: impl Iterator<Item = Slot>) {
        let mut sum = 0.0;
        for slot in slots {
            sum += self.outlines.get(slot.0 as usize).first_y() + self.id_of(slot) as f64;
        }
        std::hint::black_box(sum);
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<A>> {
        self.slots.iter().flatten()
    }

    /// Every entry with its slot, in no particular order.
    pub fn iter_slots(&self) -> impl Iterator<Item = (Slot, &Entry<A>)> {
        (self.slots.iter().enumerate())
            .filter_map(|(slot, e)| Some((Slot(slot as u32), e.as_ref()?)))
    }

    /// Bounding box of the whole layer in lon/lat, if it has features.
    pub fn extent(&self) -> Option<Rect<f64>> {
        if self.tree.size() == 0 {
            return None;
        }
        let e = self.tree.root().envelope();
        Some(Rect::new(
            Coord {
                x: e.lower()[0],
                y: e.lower()[1],
            },
            Coord {
                x: e.upper()[0],
                y: e.upper()[1],
            },
        ))
    }
}

/// A lon/lat box as an R-tree envelope.
fn envelope_of(bbox: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y])
}

/// A lon/lat box from its corners.
fn rect_of(lower: [f64; 2], upper: [f64; 2]) -> Rect<f64> {
    Rect::new(
        Coord {
            x: lower[0],
            y: lower[1],
        },
        Coord {
            x: upper[0],
            y: upper[1],
        },
    )
}

/// The tree walk of [`LayerIndex::for_each_candidate`]: branches that meet
/// the box and pass `reaches`, leaves whose key passes `keep` and whose box
/// meets the box. The walk recurses over each node's children in place:
/// rstar's selection iterator pushes every child on a stack and pops it
/// again, which cost a search about a third of its walk.
struct CandidateWalk<R, K> {
    envelope: AABB<[f64; 2]>,
    reaches: R,
    keep: K,
}

impl<R: Fn(Rect<f64>) -> bool, K: Fn(u64) -> bool> CandidateWalk<R, K> {
    fn node(&self, node: &ParentNode<TreeItem>, visit: &mut impl FnMut(Candidate)) {
        let (lo, hi) = (self.envelope.lower(), self.envelope.upper());
        // The leaves that pass are picked out first, without a branch a
        // leaf: whether a plot's key passes is a coin toss for the branch
        // predictor, and its misses cost the walk more than the tests.
        for children in node.children().chunks(32) {
            let mut passed = [0u8; 32];
            let mut count = 0;
            for (i, child) in children.iter().enumerate() {
                if let RTreeNode::Leaf(leaf) = child {
                    let (lower, upper) = (leaf.geom().lower(), leaf.geom().upper());
                    let pass = (self.keep)(leaf.data.1)
                        & (lower[0] <= hi[0])
                        & (lower[1] <= hi[1])
                        & (upper[0] >= lo[0])
                        & (upper[1] >= lo[1]);
                    passed[count] = i as u8;
                    count += usize::from(pass);
                }
            }
            for &i in &passed[..count] {
                if let RTreeNode::Leaf(leaf) = &children[usize::from(i)] {
                    visit(Candidate {
                        key: leaf.data.1,
                        bbox: rect_of(leaf.geom().lower(), leaf.geom().upper()),
                        slot: Slot(leaf.data.0),
                    });
                }
            }
        }
        for child in node.children() {
            if let RTreeNode::Parent(parent) = child {
                let envelope = parent.envelope();
                if envelope.intersects(&self.envelope)
                    && (self.reaches)(rect_of(envelope.lower(), envelope.upper()))
                {
                    self.node(parent, visit);
                }
            }
        }
    }
}

/// Position of a lon/lat point along a Hilbert curve over the Web Mercator
/// plane, on a 2^16 x 2^16 grid: points near on the curve are near on the map.
fn hilbert_key(c: Coord<f64>) -> u64 {
    const SIDE: u32 = 1 << 16;
    let (x, y) = lonlat_to_world(c.x, c.y);
    let cell = |v: f64| ((v.clamp(0.0, 1.0) * f64::from(SIDE)) as u32).min(SIDE - 1);
    hilbert_cell_key(cell(x), cell(y), SIDE)
}

/// Position of cell `(x, y)` along the Hilbert curve over a grid of `side`
/// (a power of two) cells a side.
fn hilbert_cell_key(mut x: u32, mut y: u32, side: u32) -> u64 {
    let mut key = 0u64;
    let mut s = side / 2;
    while s > 0 {
        let rx = u32::from(x & s != 0);
        let ry = u32::from(y & s != 0);
        key += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        // Rotate the quadrant so that the curve runs on unbroken.
        if ry == 0 {
            if rx == 1 {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PoiAttrs, PoiKind};

    fn poi(id: u64, lon: f64, lat: f64) -> Feature<PoiAttrs> {
        let attrs = PoiAttrs {
            kind: PoiKind::HighwayExit,
            name: format!("exit {id}"),
        };
        Feature::new(id, format!("P{id}"), Shape::point(lon, lat).unwrap(), attrs).unwrap()
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    }

    #[test]
    fn upsert_moves_and_remove_forgets() {
        let mut index =
            LayerIndex::bulk_load((1..=100).map(|i| poi(i, 104.0 + i as f64 * 0.01, 30.0)));
        assert_eq!(index.len(), 100);
        assert_eq!(index.in_bbox(rect(104.0, 29.9, 104.105, 30.1)).count(), 10);

        let old = index.upsert(poi(5, 110.0, 35.0)).expect("id 5 existed");
        assert_eq!(old.shape, Shape::point(104.05, 30.0).unwrap());
        assert_eq!(index.len(), 100);
        assert_eq!(index.in_bbox(rect(104.0, 29.9, 104.105, 30.1)).count(), 9);
        assert_eq!(index.in_bbox(rect(109.9, 34.9, 110.1, 35.1)).count(), 1);

        assert!(index.remove(5).is_some());
        assert!(index.remove(5).is_none());
        assert_eq!(index.len(), 99);
        assert_eq!(index.in_bbox(rect(109.9, 34.9, 110.1, 35.1)).count(), 0);

        // A freed slot is reused and findable.
        index.upsert(poi(1000, 120.0, 40.0));
        assert_eq!(index.len(), 100);
        assert_eq!(index.get(1000).unwrap().code, "P1000");
        assert_eq!(index.in_bbox(rect(119.0, 39.0, 121.0, 41.0)).count(), 1);
    }

    #[test]
    fn the_hilbert_curve_steps_from_cell_to_neighbouring_cell() {
        let side = 16;
        let mut cells: Vec<(u64, u32, u32)> = (0..side * side)
            .map(|i| (i % side, i / side))
            .map(|(x, y)| (hilbert_cell_key(x, y, side), x, y))
            .collect();
        cells.sort();
        for (i, pair) in cells.windows(2).enumerate() {
            let ((ka, xa, ya), (kb, xb, yb)) = (pair[0], pair[1]);
            assert_eq!((ka, kb), (i as u64, i as u64 + 1));
            assert_eq!(xa.abs_diff(xb) + ya.abs_diff(yb), 1, "{pair:?}");
        }
    }

    #[test]
    fn bulk_load_keeps_the_last_duplicate() {
        let index = LayerIndex::bulk_load([poi(1, 104.0, 30.0), poi(1, 105.0, 31.0)]);
        assert_eq!(index.len(), 1);
        assert_eq!(index.iter().count(), 1);
        assert_eq!(
            index.get(1).unwrap().shape,
            Shape::point(105.0, 31.0).unwrap()
        );
    }

    #[test]
    fn search_keys_follow_upserts() {
        use crate::model::{LandUse, PlotAttrs, PlotStatus, key_flags};
        use geo::polygon;
        let plot = |id: u64, status: PlotStatus| {
            let square = polygon![
                (x: 104.0, y: 30.0), (x: 104.001, y: 30.0), (x: 104.001, y: 30.001), (x: 104.0, y: 30.001)
            ];
            let attrs = PlotAttrs {
                park: None,
                name: String::new(),
                status,
                land_use: LandUse::Industrial,
                area_m2: 0.0,
                price_wan_per_mu: None,
                plot_ratio_min: None,
                plot_ratio_max: None,
                building_density_max: None,
                green_ratio_max: None,
                height_limit_m: None,
                investment_intensity_wan_per_mu: None,
                tax_per_mu_wan: None,
                energy_per_mu_tce_max: None,
                power_kva: None,
                water: None,
                gas: None,
                steam: None,
                ..Default::default()
            };
            Feature::new(id, format!("P{id}"), Shape::polygon(square).unwrap(), attrs).unwrap()
        };
        let mut index = LayerIndex::bulk_load([
            plot(1, PlotStatus::Available),
            plot(2, PlotStatus::Transferred),
        ]);
        let area = rect(103.9, 29.9, 104.1, 30.1);
        let available = |index: &LayerIndex<PlotAttrs>| {
            let mut ids: Vec<u64> = Vec::new();
            index.for_each_candidate(
                area,
                |_| true,
                |_| true,
                |key| key_flags(key) & PlotStatus::Available.bit() != 0,
                |c| ids.push(index.entry_of(c.slot).unwrap().feature.id),
            );
            ids.sort();
            ids
        };
        assert_eq!(available(&index), [1]);
        index.upsert(plot(2, PlotStatus::Available));
        index.upsert(plot(1, PlotStatus::Reserved));
        assert_eq!(available(&index), [2]);
        assert!(index.remove(2).is_some());
        assert!(available(&index).is_empty());
        assert_eq!(index.in_bbox(area).count(), 1);
        assert_eq!(index.extent(), Some(index.get(1).unwrap().shape.bbox()));
        assert!(index.remove(1).is_some());
        assert_eq!(index.extent(), None);
    }
}
