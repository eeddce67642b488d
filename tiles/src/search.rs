//! Radius and constraint search.
//!
//! A query names a layer, an optional circle (centre and radius in metres),
//! an optional polygon, an optional proximity to points of interest of one
//! kind, and attribute constraints; all of them must hold (AND). Candidates
//! come from the R-tree (the circle's or polygon's box), cheap attribute
//! tests run first, then the geodesic distance (see [`crate::geodesy`]), then
//! the polygon and proximity tests. Hits are sorted by distance, then id.
//!
//! Most of the work is kept off the features themselves. The R-trees hold
//! each feature's search key (a plot's status, land use and area), so most
//! candidates are refused, and whole partitions passed over, without reading
//! a feature. In a circle of up to 10 km where the key decides the
//! attributes, a candidate whose box lies well inside the circle is a match
//! from its box alone; only those that can reach the requested page have
//! their distance measured. Totals, pages and distances are the same as if
//! every candidate had been read.

use geo::{Coord, Intersects, MultiPolygon, Point, Rect};

use crate::atlas::Atlas;
use crate::error::SearchError;
use crate::geodesy::{DistanceFrom, SHORT_DISTANCE_M, grow_bbox, radius_bbox};
use crate::geometry::{Shape, check_coord};
use crate::index::{Candidate, Entry, LayerIndex, Slot};
use crate::model::{
    Attributes, FactoryAttrs, FactoryStatus, LandUse, LayerKind, OfficeAttrs, ParkAttrs, PlotAttrs,
    PlotStatus, PoiAttrs, PoiKind, key_flags, key_value,
};
use crate::schema::FieldValue;

/// Largest radius, and largest proximity distance, in metres.
pub const MAX_RADIUS_M: f64 = 100_000.0;
/// Largest page.
pub const MAX_LIMIT: usize = 1000;

/// A circle on the ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Radius, m (geodesic).
    pub radius_m: f64,
}

/// "Within `within_m` metres of any POI of `kind`".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearPoi {
    /// Kind of point, such as a highway exit.
    pub kind: PoiKind,
    /// Largest distance, m.
    pub within_m: f64,
}

/// An inclusive range; an open end is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Range {
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
}

impl Range {
    /// Whether the range constrains anything.
    pub fn is_open(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    /// Whether a value lies in the range; a missing value matches only an open range.
    pub fn holds(&self, value: Option<f64>) -> bool {
        match value {
            None => self.is_open(),
            Some(v) => self.min.is_none_or(|lo| v >= lo) && self.max.is_none_or(|hi| v <= hi),
        }
    }

    pub(crate) fn check(&self, field: &'static str) -> Result<(), SearchError> {
        for v in [self.min, self.max].into_iter().flatten() {
            if !v.is_finite() {
                return Err(SearchError::new(field, "must be a finite number"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max)
            && lo > hi
        {
            return Err(SearchError::new(
                field,
                format!("minimum {lo} is above maximum {hi}"),
            ));
        }
        Ok(())
    }
}

/// Constraints on plots.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotFilter {
    /// Allowed statuses (empty: any).
    pub status: Vec<PlotStatus>,
    /// Allowed land uses (empty: any).
    pub land_use: Vec<LandUse>,
    /// Area in mu.
    pub area_mu: Range,
    /// Price in 万元/亩.
    pub price_wan_per_mu: Range,
}

/// Constraints on standard factories.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactoryFilter {
    /// Allowed statuses (empty: any).
    pub status: Vec<FactoryStatus>,
    /// Minimum clear height, m.
    pub min_clear_height_m: Option<f64>,
    /// Minimum floor load, kN/m².
    pub min_floor_load_kn_m2: Option<f64>,
    /// Available floor area, m².
    pub available_area_m2: Range,
    /// Maximum rent, 元/m²/month.
    pub max_rent_yuan_m2_month: Option<f64>,
}

/// A test of one field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldTest {
    /// A number within the range (an unset value fails).
    Range(Range),
    /// One of these words.
    OneOf(Vec<String>),
    /// Yes or no, as given.
    Is(bool),
}

/// A constraint on one field that its layer's spec declares filterable,
/// read through [`Attributes::value`]: how every field without a filter of
/// its own above (a plot's steam capacity, an office's grade) is searched.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCondition {
    /// The field's name.
    pub field: &'static str,
    /// What its value must satisfy.
    pub test: FieldTest,
}

impl FieldCondition {
    /// Whether the attributes satisfy the condition.
    pub fn holds<A: Attributes>(&self, attrs: &A) -> bool {
        let value = attrs.value(self.field);
        match &self.test {
            FieldTest::Range(range) => {
                let number = value.and_then(|v| v.as_f64());
                number.is_some() && range.holds(number)
            }
            FieldTest::OneOf(words) => match value {
                Some(FieldValue::Text(text)) => words.iter().any(|w| w == text),
                _ => false,
            },
            FieldTest::Is(wanted) => value == Some(FieldValue::Boolean(*wanted)),
        }
    }
}

/// A search. Build it with [`SearchQuery::new`] and set what applies.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Layer searched.
    pub layer: LayerKind,
    /// Features within a radius of a point.
    pub circle: Option<Circle>,
    /// Features intersecting a polygon.
    pub polygon: Option<MultiPolygon<f64>>,
    /// Features near infrastructure.
    pub near: Option<NearPoi>,
    /// Park code (plots and factories).
    pub park: Option<String>,
    /// Plot constraints (plots layer).
    pub plots: PlotFilter,
    /// Factory constraints (factories layer).
    pub factories: FactoryFilter,
    /// POI kinds (pois layer; empty: any).
    pub poi_kinds: Vec<PoiKind>,
    /// Constraints on the layer's other declared filters.
    pub conditions: Vec<FieldCondition>,
    /// Page size, at most [`MAX_LIMIT`].
    pub limit: usize,
    /// Hits skipped before the page.
    pub offset: usize,
}

impl SearchQuery {
    /// A query of one layer with no constraint and a page of 100.
    pub fn new(layer: LayerKind) -> Self {
        Self {
            layer,
            circle: None,
            polygon: None,
            near: None,
            park: None,
            plots: PlotFilter::default(),
            factories: FactoryFilter::default(),
            poi_kinds: Vec::new(),
            conditions: Vec::new(),
            limit: 100,
            offset: 0,
        }
    }

    /// Checks every field; the error names the first one at fault.
    pub fn validate(&self) -> Result<(), SearchError> {
        if let Some(c) = &self.circle {
            check_coord(Coord { x: c.lon, y: c.lat })
                .map_err(|e| SearchError::new("lon/lat", e.to_string()))?;
            if !c.radius_m.is_finite() || c.radius_m <= 0.0 || c.radius_m > MAX_RADIUS_M {
                return Err(SearchError::new(
                    "radius_m",
                    format!(
                        "must be above 0 and at most {MAX_RADIUS_M} m, got {}",
                        c.radius_m
                    ),
                ));
            }
        }
        if let Some(p) = &self.polygon {
            Shape::area(p.clone()).map_err(|e| SearchError::new("polygon", e.to_string()))?;
        }
        if let Some(n) = &self.near
            && (!n.within_m.is_finite() || n.within_m <= 0.0 || n.within_m > MAX_RADIUS_M)
        {
            return Err(SearchError::new(
                "near",
                format!("distance must be above 0 and at most {MAX_RADIUS_M} m"),
            ));
        }
        if self.limit > MAX_LIMIT {
            return Err(SearchError::new(
                "limit",
                format!("must be at most {MAX_LIMIT}, got {}", self.limit),
            ));
        }
        self.plots.area_mu.check("area_mu")?;
        self.plots.price_wan_per_mu.check("price")?;
        self.factories
            .available_area_m2
            .check("available_area_m2")?;
        for (field, v) in [
            ("min_clear_height_m", self.factories.min_clear_height_m),
            ("min_floor_load_kn_m2", self.factories.min_floor_load_kn_m2),
            ("max_rent", self.factories.max_rent_yuan_m2_month),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(SearchError::new(field, "must be a finite number"));
            }
        }
        Ok(())
    }
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    /// Feature id.
    pub id: u64,
    /// Geodesic distance from the circle's centre, m (when searching by radius).
    pub distance_m: Option<f64>,
    /// Where the feature is in its layer's index (see [`LayerIndex::entry_of`]).
    pub slot: Slot,
}

/// A page of results and the number of all matches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchPage {
    /// Hits of the requested page, by distance then id.
    pub hits: Vec<SearchHit>,
    /// Number of features that matched, over all pages.
    pub total: usize,
}

/// Attribute tests of one layer.
pub(crate) trait AttributeFilter {
    fn matches(&self, q: &SearchQuery) -> bool;
    /// A necessary condition for [`Self::matches`] on the feature's
    /// [`Attributes::search_key`], tested in the R-tree before the feature is read.
    fn key_filter(_q: &SearchQuery) -> KeyFilter {
        KeyFilter::ANY
    }
}

/// A test of a search key: each non-zero mask must share a bit with the
/// key's flags, and the key's value must lie in `[min, max]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyFilter {
    masks: [u32; 2],
    min: f32,
    max: f32,
    /// Whether the key holds every attribute the query tests, so that a key
    /// clear of the range's ends decides the match alone.
    decisive: bool,
}

impl KeyFilter {
    const ANY: KeyFilter = KeyFilter {
        masks: [0, 0],
        min: f32::NEG_INFINITY,
        max: f32::INFINITY,
        decisive: false,
    };

    /// Whether a key that passes [`Self::keep`] proves the match: rounding
    /// to f32 keeps order, so a value strictly inside the f32 range is
    /// strictly inside the f64 one.
    fn certain(&self, key: u64) -> bool {
        let value = key_value(key);
        self.decisive && value != self.min && value != self.max
    }

    /// Whether keys with these flags can pass (see [`Attributes::partition_flags`]).
    fn wants(&self, flags: u32) -> bool {
        self.masks.iter().all(|&m| m == 0 || flags & m != 0)
    }

    fn keep(&self, key: u64) -> bool {
        let (flags, value) = (key_flags(key), key_value(key));
        let [a, b] = self.masks;
        // Without short-circuits: one branch where the tests are unpredictable.
        (a == 0 || flags & a != 0)
            & (b == 0 || flags & b != 0)
            & (value >= self.min)
            & (value <= self.max)
    }
}

/// A tile filter's test of one layer, made exactly as a search makes it: the
/// search key refuses most candidates in the R-tree, and the feature is read
/// only when the key cannot decide.
pub(crate) struct FeatureTest {
    query: SearchQuery,
    key: KeyFilter,
}

impl FeatureTest {
    /// The test of layer `A` for a query's attribute constraints.
    pub(crate) fn new<A: AttributeFilter>(query: SearchQuery) -> Self {
        Self {
            key: A::key_filter(&query),
            query,
        }
    }

    /// Whether a feature with this search key can match.
    pub(crate) fn keeps_key(&self, key: u64) -> bool {
        self.key.keep(key)
    }

    /// Whether a feature whose key was kept matches; `attrs` is read only
    /// when the key alone does not decide.
    pub(crate) fn matches<'a, A: AttributeFilter + 'a>(
        &self,
        key: u64,
        attrs: impl FnOnce() -> Option<&'a A>,
    ) -> bool {
        self.key.certain(key) || attrs().is_some_and(|a| a.matches(&self.query))
    }
}

impl AttributeFilter for PlotAttrs {
    fn matches(&self, q: &SearchQuery) -> bool {
        let f = &q.plots;
        (f.status.is_empty() || f.status.contains(&self.status))
            && (f.land_use.is_empty() || f.land_use.contains(&self.land_use))
            && f.area_mu.holds(Some(self.area_mu()))
            && f.price_wan_per_mu.holds(self.price_wan_per_mu)
            && q.park
                .as_ref()
                .is_none_or(|p| self.park.as_ref() == Some(p))
            && q.conditions.iter().all(|c| c.holds(self))
    }
    fn key_filter(q: &SearchQuery) -> KeyFilter {
        let f = &q.plots;
        // Rounding to f32 keeps order, so the f32 range holds every f64 match.
        KeyFilter {
            masks: [
                f.status.iter().fold(0, |m, s| m | s.bit()),
                f.land_use.iter().fold(0, |m, l| m | l.bit() << 8),
            ],
            min: f.area_mu.min.map_or(f32::NEG_INFINITY, |v| v as f32),
            max: f.area_mu.max.map_or(f32::INFINITY, |v| v as f32),
            decisive: f.price_wan_per_mu.is_open() && q.park.is_none() && q.conditions.is_empty(),
        }
    }
}

impl AttributeFilter for FactoryAttrs {
    fn matches(&self, q: &SearchQuery) -> bool {
        let f = &q.factories;
        let at_least =
            |min: Option<f64>, v: Option<f64>| min.is_none_or(|m| v.is_some_and(|v| v >= m));
        (f.status.is_empty() || f.status.contains(&self.status))
            && at_least(f.min_clear_height_m, self.clear_height_m)
            && at_least(f.min_floor_load_kn_m2, self.floor_load_kn_m2)
            && f.available_area_m2.holds(self.available_area_m2)
            && f.max_rent_yuan_m2_month
                .is_none_or(|m| self.rent_yuan_m2_month.is_some_and(|r| r <= m))
            && q.park
                .as_ref()
                .is_none_or(|p| self.park.as_ref() == Some(p))
            && q.conditions.iter().all(|c| c.holds(self))
    }
}

impl AttributeFilter for OfficeAttrs {
    fn matches(&self, q: &SearchQuery) -> bool {
        q.park
            .as_ref()
            .is_none_or(|p| self.park.as_ref() == Some(p))
            && q.conditions.iter().all(|c| c.holds(self))
    }
}

impl AttributeFilter for ParkAttrs {
    fn matches(&self, q: &SearchQuery) -> bool {
        q.conditions.iter().all(|c| c.holds(self))
    }
}

impl AttributeFilter for PoiAttrs {
    fn matches(&self, q: &SearchQuery) -> bool {
        (q.poi_kinds.is_empty() || q.poi_kinds.contains(&self.kind))
            && q.conditions.iter().all(|c| c.holds(self))
    }
}

fn intersects_shape(polygon: &MultiPolygon<f64>, shape: &Shape) -> bool {
    match shape {
        Shape::Point(p) => polygon.intersects(p),
        Shape::Area(a) => polygon.intersects(a),
    }
}

fn bbox_of(polygon: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    use geo::BoundingRect;
    polygon.bounding_rect()
}

impl Atlas {
    /// Runs a search; the query is validated first.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        query.validate()?;
        Ok(crate::with_layer_index!(self, query.layer, |index| self.search_layer(index, query)))
    }

    fn search_layer<A: Attributes + AttributeFilter>(
        &self,
        index: &LayerIndex<A>,
        query: &SearchQuery,
    ) -> SearchPage {
        let center = query.circle.map(|c| (Point::new(c.lon, c.lat), c.radius_m));
        // The boxes the candidates must intersect: the circle's, else the polygon's, else all.
        let boxes: Option<Vec<Rect<f64>>> = match (&center, &query.polygon) {
            (Some((p, r)), _) => Some(radius_bbox(*p, *r)),
            (None, Some(poly)) => Some(bbox_of(poly).into_iter().collect()),
            (None, None) => None,
        };
        // Each point with its distances prepared once, not once a candidate.
        let nearby_pois: Option<Vec<(Point<f64>, DistanceFrom)>> = query.near.map(|near| {
            (self.pois_of_kind(near.kind, boxes.as_deref(), near.within_m))
                .into_iter()
                .map(|p| (p, DistanceFrom::new(p)))
                .collect()
        });
        // What distances from the centre need, worked out once.
        let circle = center.map(|(p, r)| (DistanceFrom::new(p), r));
        let key_filter = A::key_filter(query);
        // Where the search key decides the attributes and nothing but the
        // circle needs the geometry, a candidate whose box lies well inside
        // the circle is a match without being read; its distance is measured
        // only if it can reach the page (see `measure_page`).
        // A circle of up to 10 km, with its thresholds in its centre's plane.
        let short_circle = circle
            .filter(|(_, r)| *r <= SHORT_DISTANCE_M)
            .map(|(from, r)| CircleBounds::new(from, r));
        // Where the search key decides the attributes and nothing but the
        // circle needs the geometry, a candidate whose box lies well inside
        // the circle is a match without being read; its distance is measured
        // only if it can reach the page (see `measure_page`).
        let shortcut = short_circle.filter(|_| query.polygon.is_none() && query.near.is_none());
        // Whether a branch of the R-tree can hold anything within the circle.
        let reaches = move |b: Rect<f64>| match &short_circle {
            Some(c) => (c.from.box_bounds_squared(b)).is_none_or(|(lower2, _)| lower2 <= c.beyond2),
            None => true,
        };

        let mut hits = Vec::new();
        let mut sure: Vec<SureHit> = Vec::with_capacity(256);
        let mut consider = |candidate: Candidate, entry: Option<&Entry<A>>| {
            let slot = candidate.slot;
            if let Some(shortcut) = &shortcut
                && key_filter.certain(candidate.key)
                && let Some((lower2, upper2)) = shortcut.from.box_bounds_squared(candidate.bbox)
            {
                let (from, r) = (&shortcut.from, shortcut.radius_m);
                if lower2 > shortcut.beyond2 {
                    return;
                }
                if upper2 <= shortcut.within2 {
                    sure.push(SureHit {
                        lower2,
                        upper2,
                        slot,
                    });
                    return;
                }
                // Near the circle: the key has decided the attributes, and
                // the outline alone decides the distance.
                let d = from.to_outline(index.outline_of(slot));
                if d <= r {
                    hits.push(SearchHit {
                        id: index.id_of(slot),
                        distance_m: Some(d),
                        slot,
                    });
                }
                return;
            }
            let Some(entry) = entry.or_else(|| index.entry_of(slot)) else {
                return;
            };
            let feature = &entry.feature;
            if !feature.attrs.matches(query) {
                return;
            }
            let distance_m = match &circle {
                Some((from, r)) => {
                    let d = from.to_outline(index.outline_of(slot));
                    if d > *r {
                        return;
                    }
                    Some(d)
                }
                None => None,
            };
            if let Some(poly) = &query.polygon
                && !intersects_shape(poly, &feature.shape)
            {
                return;
            }
            if let (Some(near), Some(pois)) = (&query.near, &nearby_pois) {
                let close = pois.iter().any(|(poi, from_poi)| {
                    bbox_within(entry.bbox, *poi, near.within_m)
                        && from_poi.to_shape(&feature.shape) <= near.within_m
                });
                if !close {
                    return;
                }
            }
            hits.push(SearchHit {
                id: feature.id,
                distance_m,
                slot,
            });
        };
        match &boxes {
            Some(boxes) => {
                for b in boxes {
                    index.for_each_candidate(
                        *b,
                        |partition| key_filter.wants(A::partition_flags(partition)),
                        reaches,
                        |key| key_filter.keep(key),
                        |c| consider(c, None),
                    );
                }
            }
            None => index.iter_slots().for_each(|(slot, entry)| {
                let candidate = Candidate {
                    key: entry.feature.attrs.search_key(),
                    bbox: entry.bbox,
                    slot,
                };
                consider(candidate, Some(entry))
            }),
        }
        let total = hits.len() + sure.len();
        if let Some((from, _)) = &circle {
            let first = query.offset.saturating_add(query.limit);
            let margin = shortcut.as_ref().map_or(0.0, |s| s.margin_m);
            measure_page(&mut hits, sure, index, from, margin, first);
        }
        page(
            hits,
            total,
            query.offset,
            query.limit,
            circle.map(|(_, r)| r),
        )
    }

    /// Points of the kind that can be within `within_m` of anything in `boxes`.
    fn pois_of_kind(
        &self,
        kind: PoiKind,
        boxes: Option<&[Rect<f64>]>,
        within_m: f64,
    ) -> Vec<Point<f64>> {
        let matches = |e: &&Entry<PoiAttrs>| e.feature.attrs.kind == kind;
        let point = |e: &Entry<PoiAttrs>| e.feature.anchor();
        match boxes {
            None => self.pois.iter().filter(matches).map(point).collect(),
            Some(boxes) => boxes
                .iter()
                .flat_map(|b| {
                    self.pois
                        .in_bbox(grow_bbox(*b, within_m))
                        .filter(matches)
                        .map(point)
                })
                .collect(),
        }
    }
}

/// Cheap test: can a point be within `d` metres of a box?
fn bbox_within(bbox: Rect<f64>, p: Point<f64>, d: f64) -> bool {
    radius_bbox(p, d).iter().any(|r| r.intersects(&bbox))
}

/// A circle of up to [`SHORT_DISTANCE_M`] with what tells, from a box alone,
/// that nothing in it is within the circle, or that all of it is.
#[derive(Debug, Clone, Copy)]
struct CircleBounds {
    from: DistanceFrom,
    radius_m: f64,
    /// How far the bounds from a box can be from the geodesic, m.
    margin_m: f64,
    /// A box whose squared lower bound (see [`DistanceFrom::box_bounds_squared`])
    /// is above this is out of the circle.
    beyond2: f64,
    /// A box whose squared upper bound is at most this is in the circle.
    within2: f64,
}

impl CircleBounds {
    fn new(from: DistanceFrom, radius_m: f64) -> Self {
        let margin_m = from.plane_error(radius_m);
        Self {
            from,
            radius_m,
            margin_m,
            beyond2: (radius_m + margin_m).powi(2),
            // No box is sure to be within a circle smaller than the margin.
            within2: match radius_m > margin_m {
                true => (radius_m - margin_m).powi(2),
                false => -1.0,
            },
        }
    }
}

/// A match known from its box and search key, its distance not yet measured.
struct SureHit {
    /// The squares of the box's bounds on the distance in the plane, m²
    /// (see [`DistanceFrom::box_bounds_squared`]).
    lower2: f64,
    upper2: f64,
    slot: Slot,
}

/// Measures the sure matches that can be among the first `first` hits and
/// adds them to `hits`. Those left out are beyond at least `first` hits: the
/// `first`-th smallest of the known distances and upper bounds is below
/// their lower bounds; `margin_m` is how far the bounds can be from the
/// geodesic.
fn measure_page<A: Attributes>(
    hits: &mut Vec<SearchHit>,
    sure: Vec<SureHit>,
    index: &LayerIndex<A>,
    from: &DistanceFrom,
    margin_m: f64,
    first: usize,
) {
    if sure.is_empty() || first == 0 {
        return;
    }
    let measure = |s: &SureHit| SearchHit {
        id: index.id_of(s.slot),
        distance_m: Some(from.to_outline(index.outline_of(s.slot))),
        slot: s.slot,
    };
    // A page that holds every match measures them all.
    if first >= hits.len() + sure.len() {
        index.preload(sure.iter().map(|s| s.slot));
        hits.extend(sure.iter().map(measure));
        return;
    }
    // As `page` sorts them: a hit without a distance first.
    let mut bounds: Vec<f64> = (hits.iter())
        .map(|h| h.distance_m.unwrap_or(0.0))
        .chain(sure.iter().map(|s| s.upper2.sqrt() + margin_m))
        .collect();
    let threshold = *bounds.select_nth_unstable_by(first - 1, f64::total_cmp).1;
    hits.extend(
        (sure.iter())
            .filter(|s| s.lower2.sqrt() - margin_m <= threshold)
            .map(measure),
    );
}

/// Sorts hits by distance then id and cuts the page; `total` counts the
/// matches, `hits` holds at least the first `offset + limit` of them, all
/// within `radius_m` of the centre when the search has a circle.
fn page(
    mut hits: Vec<SearchHit>,
    total: usize,
    offset: usize,
    limit: usize,
    radius_m: Option<f64>,
) -> SearchPage {
    let known = hits.len();
    let end = offset.saturating_add(limit).min(known);
    if offset >= known {
        return SearchPage {
            hits: Vec::new(),
            total,
        };
    }
    // Only the first `end` hits need ordering.
    if end < known {
        hits.select_nth_unstable_by(end, by_distance_then_id);
        hits.truncate(end);
    }
    match radius_m {
        Some(r) if hits.len() >= BUCKET_SORT_FROM => sort_in_circle(&mut hits, r),
        _ => hits.sort_unstable_by(by_distance_then_id),
    }
    hits.drain(..offset);
    SearchPage { hits, total }
}

/// The order of hits: by distance (none counts as 0), then id. Integer keys
/// compare faster than floats: a non-negative float's bits order as the
/// float does (adding 0.0 turns -0.0 into 0.0).
fn by_distance_then_id(a: &SearchHit, b: &SearchHit) -> std::cmp::Ordering {
    let key = |h: &SearchHit| ((h.distance_m.unwrap_or(0.0) + 0.0).to_bits(), h.id);
    key(a).cmp(&key(b))
}

/// Below this many hits a comparison sort is as fast as [`sort_in_circle`].
const BUCKET_SORT_FROM: usize = 64;

/// Sorts hits within `radius_m` of the centre as [`by_distance_then_id`]
/// orders them, in linear time on the usual data: a bucket sort on the
/// squared distance, then a comparison sort of each bucket. Matches spread
/// evenly over the disc spread evenly over the squared distance, so that
/// with as many buckets as hits a bucket holds one or two; the comparison
/// sort of a crowded bucket (plots stacked on one spot) keeps the worst case
/// at n log n.
fn sort_in_circle(hits: &mut Vec<SearchHit>, radius_m: f64) {
    let Some(&filler) = hits.first() else {
        return;
    };
    let buckets = hits.len();
    let scale = buckets as f64 / (radius_m * radius_m);
    // The cast saturates: NaN and negatives to 0, beyond the radius to the last.
    let bucket_of = |h: &SearchHit| {
        let d = h.distance_m.unwrap_or(0.0);
        ((d * d * scale) as usize).min(buckets - 1)
    };
    let mut starts = vec![0; buckets + 1];
    for hit in hits.iter() {
        starts[bucket_of(hit) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut sorted = vec![filler; hits.len()];
    for hit in hits.iter() {
        let b = bucket_of(hit);
        sorted[next[b]] = *hit;
        next[b] += 1;
    }
    for bounds in starts.windows(2) {
        let bucket = &mut sorted[bounds[0]..bounds[1]];
        if bucket.len() > 1 {
            bucket.sort_unstable_by(by_distance_then_id);
        }
    }
    *hits = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hits as a search in a circle of `radius` finds them: spread over the
    /// disc, some on one spot, some at the centre, some on the rim.
    fn hits_in_circle(n: usize, radius: f64, seed: u64) -> Vec<SearchHit> {
        let mut state = seed;
        let mut unit = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| {
                let distance = match i % 10 {
                    0 => 0.0,
                    1 => radius,
                    2 => 1234.5678_f64.min(radius),
                    _ => radius * unit().sqrt(),
                };
                SearchHit {
                    // Unique, as ids are, in no order.
                    id: (unit() * 1e6) as u64 * 10_000 + i as u64,
                    distance_m: Some(distance),
                    slot: Slot(i as u32),
                }
            })
            .collect()
    }

    #[test]
    fn the_bucket_sort_orders_as_the_comparison_sort() {
        for (n, radius) in [
            (1, 10.0),
            (2, 5_000.0),
            (64, 5_000.0),
            (600, 5_000.0),
            (5_000, 300.0),
        ] {
            for seed in 1..20 {
                let hits = hits_in_circle(n, radius, seed);
                let mut expected = hits.clone();
                expected.sort_by(by_distance_then_id);
                let mut ours = hits.clone();
                sort_in_circle(&mut ours, radius);
                assert_eq!(ours, expected, "{n} hits in {radius} m, seed {seed}");
            }
        }
    }

    #[test]
    fn a_page_is_cut_from_the_ordered_hits() {
        let hits = hits_in_circle(700, 5_000.0, 7);
        let mut ordered = hits.clone();
        ordered.sort_by(by_distance_then_id);
        for (offset, limit) in [
            (0, 1000),
            (0, 100),
            (100, 100),
            (650, 100),
            (700, 10),
            (0, 0),
        ] {
            for radius in [Some(5_000.0), None] {
                let page = page(hits.clone(), 900, offset, limit, radius);
                let end = (offset + limit).min(ordered.len());
                assert_eq!(page.total, 900);
                assert_eq!(page.hits, ordered[offset.min(end)..end], "{offset} {limit}");
            }
        }
    }
}
