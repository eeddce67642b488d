//! `Atlas::search` against a brute-force oracle over every feature.
//!
//! The oracle does not use the engine's distance code: it measures geodesic
//! distances with geographiclib (`geo::Geodesic`, Karney's algorithm) to
//! points along each polygon edge (straight in lon/lat, as the engine takes
//! them), 0 inside. Rather than sampling every edge every metre it bisects
//! each edge down to 0.1 m pieces wherever the minimum can lie, leaving out
//! only pieces that the triangle inequality proves farther than a point
//! already found: the same answer as dense sampling, at a finer step.

use std::collections::{BTreeMap, HashSet};

use geo::{
    BoundingRect, Coord, Distance, Geodesic, Intersects, LineString, MultiPolygon, Point, Polygon,
    Relate,
};
use siteatlas_fixtures::generate::AREAS;
use siteatlas_fixtures::{Dataset, GeneratorConfig, Rng, generate};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::search::{Circle, NearPoi, Range, SearchQuery};
use siteatlas_tiles::{
    Atlas, Factory, FactoryStatus, LandUse, LayerKind, Plot, PlotStatus, Poi, PoiKind, SearchHit,
    Shape,
};

const M2_PER_MU: f64 = 666.67;

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/// A random subset: empty (no constraint) half of the time.
fn subset<T: Copy>(rng: &mut Rng, all: &[T]) -> Vec<T> {
    if rng.chance(0.5) {
        return Vec::new();
    }
    let mut picked: Vec<T> = all.iter().copied().filter(|_| rng.chance(0.5)).collect();
    if picked.is_empty() {
        picked.push(all[rng.below(all.len())]);
    }
    picked
}

/// A generated dataset of `plots` plots.
fn dataset(seed: u64, plots: usize) -> Dataset {
    let data = generate(GeneratorConfig { seed, plots });
    assert_eq!(data.plots.len(), plots);
    data
}

fn atlas_of(data: &Dataset) -> Atlas {
    Atlas {
        parks: LayerIndex::bulk_load(data.parks.clone()),
        plots: LayerIndex::bulk_load(data.plots.clone()),
        factories: LayerIndex::bulk_load(data.factories.clone()),
        pois: LayerIndex::bulk_load(data.pois.clone()),
        ..Atlas::default()
    }
}

// ---------------------------------------------------------------------------
// The oracle's distance
// ---------------------------------------------------------------------------

fn geodesic(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Geodesic.distance(Point(a), Point(b))
}

/// Smallest distance from `p` to the edge a-b (straight in lon/lat), into `best`.
fn edge_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>, best: &mut f64) {
    let (da, db) = (geodesic(p, a), geodesic(p, b));
    *best = best.min(da).min(db);
    let length = geodesic(a, b);
    bisect(p, (a, da), (b, db), length, best);
}

fn bisect(
    p: Coord<f64>,
    (a, da): (Coord<f64>, f64),
    (b, db): (Coord<f64>, f64),
    length: f64,
    best: &mut f64,
) {
    // Walking from a to b changes the distance by at most the way walked, so
    // no point between them is nearer than (da + db - length) / 2. The
    // path straight in lon/lat is longer than the geodesic by far less than
    // the 0.1 % allowed for here.
    let bound = (da + db - length * 1.001) / 2.0;
    if length <= 0.1 || bound >= *best {
        return;
    }
    let m = Coord {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    };
    let dm = geodesic(p, m);
    *best = best.min(dm);
    bisect(p, (a, da), (m, dm), length / 2.0, best);
    bisect(p, (m, dm), (b, db), length / 2.0, best);
}

/// Geodesic distance from a point to a shape: 0 inside, else to the nearest
/// point of its boundary.
fn oracle_distance(p: Coord<f64>, shape: &Shape) -> f64 {
    match shape {
        Shape::Point(q) => geodesic(p, q.0),
        Shape::Area(mp) => {
            if mp.intersects(&Point(p)) {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for polygon in &mp.0 {
                for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                    for edge in ring.0.windows(2) {
                        edge_distance(p, edge[0], edge[1], &mut best);
                    }
                }
            }
            best
        }
    }
}

/// A shape with what lets the oracle skip it cheaply: one corner, and how
/// far the rest of the shape is from that corner at most (any point of a
/// polygon lies in the hull of its corners).
struct Candidate<'a> {
    id: u64,
    shape: &'a Shape,
    corner: Coord<f64>,
    reach: f64,
}

impl<'a> Candidate<'a> {
    fn new(id: u64, shape: &'a Shape) -> Self {
        let corners: Vec<Coord<f64>> = match shape {
            Shape::Point(p) => vec![p.0],
            Shape::Area(mp) => {
                mp.0.iter()
                    .flat_map(|p| p.exterior().0.iter().copied())
                    .collect()
            }
        };
        let corner = corners[0];
        let reach = corners
            .iter()
            .map(|c| geodesic(corner, *c))
            .fold(0.0, f64::max);
        Candidate {
            id,
            shape,
            corner,
            reach,
        }
    }

    /// The distance from `p`, or `None` when it is surely beyond `limit`.
    fn distance_within(&self, p: Coord<f64>, limit: f64) -> Option<f64> {
        // A cheap flat-earth screen first, with a wide margin for its error.
        let (dx, dy) = (
            (self.corner.x - p.x) * p.y.to_radians().cos() * 111_320.0,
            (self.corner.y - p.y) * 110_574.0,
        );
        if 0.97 * (dx * dx + dy * dy).sqrt() - self.reach - 10.0 > limit {
            return None;
        }
        if geodesic(p, self.corner) - self.reach * 1.001 - 1.0 > limit {
            return None;
        }
        Some(oracle_distance(p, self.shape))
    }
}

/// How far a result may be from the oracle: 0.5 m or 0.1 %.
fn tolerance(d: f64) -> f64 {
    (0.001 * d).max(0.5)
}

/// Membership by the oracle: surely in, surely out, or too close to the limit to say.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    In,
    Out,
    Edge,
}

fn verdict(distance: Option<f64>, limit: f64) -> Verdict {
    match distance {
        None => Verdict::Out,
        Some(d) if d <= limit - tolerance(limit) => Verdict::In,
        Some(d) if d > limit + tolerance(limit) => Verdict::Out,
        Some(_) => Verdict::Edge,
    }
}

fn both(a: Verdict, b: Verdict) -> Verdict {
    match (a, b) {
        (Verdict::Out, _) | (_, Verdict::Out) => Verdict::Out,
        (Verdict::In, Verdict::In) => Verdict::In,
        _ => Verdict::Edge,
    }
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

/// The plot constraints of a query, tested by the oracle on its own.
#[derive(Debug, Clone, Default)]
struct PlotConstraints {
    status: Vec<PlotStatus>,
    land_use: Vec<LandUse>,
    area_mu: (Option<f64>, Option<f64>),
    price: (Option<f64>, Option<f64>),
    park: Option<String>,
}

impl PlotConstraints {
    fn random(rng: &mut Rng, data: &Dataset) -> Self {
        let mut c = PlotConstraints {
            status: subset(rng, PlotStatus::ALL),
            land_use: subset(rng, LandUse::ALL),
            ..Default::default()
        };
        if rng.chance(0.3) {
            let lo = rng.range(10.0, 100.0);
            c.area_mu = (
                rng.chance(0.8).then_some(lo),
                rng.chance(0.8).then(|| lo + rng.range(10.0, 120.0)),
            );
        }
        if rng.chance(0.2) {
            let lo = rng.range(15.0, 60.0);
            c.price = (Some(lo), rng.chance(0.7).then(|| lo + rng.range(5.0, 30.0)));
        }
        if rng.chance(0.1) {
            c.park = data.plots[rng.below(data.plots.len())].attrs.park.clone();
        }
        c
    }

    fn apply(&self, q: &mut SearchQuery) {
        q.plots.status = self.status.clone();
        q.plots.land_use = self.land_use.clone();
        q.plots.area_mu = Range {
            min: self.area_mu.0,
            max: self.area_mu.1,
        };
        q.plots.price_wan_per_mu = Range {
            min: self.price.0,
            max: self.price.1,
        };
        q.park = self.park.clone();
    }

    fn matches(&self, p: &Plot) -> bool {
        let a = &p.attrs;
        let within = |(lo, hi): (Option<f64>, Option<f64>), v: f64| {
            lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)
        };
        let price_ok = match a.price_wan_per_mu {
            Some(v) => within(self.price, v),
            None => self.price == (None, None),
        };
        (self.status.is_empty() || self.status.contains(&a.status))
            && (self.land_use.is_empty() || self.land_use.contains(&a.land_use))
            && within(self.area_mu, a.area_m2 / M2_PER_MU)
            && price_ok
            && self
                .park
                .as_ref()
                .is_none_or(|park| a.park.as_ref() == Some(park))
    }
}

/// A centre near one of the generated areas (or, at times, far from all).
fn random_centre(rng: &mut Rng, max_offset_m: f64) -> Coord<f64> {
    if rng.chance(0.1) {
        return Coord { x: 95.0, y: 35.0 };
    }
    let (_, _, lon, lat) = AREAS[rng.below(12)];
    let (r, bearing) = (
        rng.range(0.0, max_offset_m),
        rng.range(0.0, std::f64::consts::TAU),
    );
    Coord {
        x: lon + r * bearing.cos() / (111_320.0 * lat.to_radians().cos()),
        y: lat + r * bearing.sin() / 110_574.0,
    }
}

/// Radius from 100 m to 20 km, spread evenly on a log scale.
fn random_radius(rng: &mut Rng) -> f64 {
    100.0 * 200f64.powf(rng.unit())
}

/// Every hit of a query, page by page.
fn all_hits(atlas: &Atlas, query: &SearchQuery) -> (Vec<SearchHit>, usize) {
    let mut q = query.clone();
    q.limit = 1000;
    q.offset = 0;
    let mut hits = Vec::new();
    loop {
        let page = atlas.search(&q).expect("a valid query");
        let n = page.hits.len();
        hits.extend(page.hits);
        if n < q.limit {
            assert_eq!(hits.len(), page.total, "pages add up to the total");
            return (hits, page.total);
        }
        q.offset += q.limit;
    }
}

/// Hits come sorted by distance, then id, each id once.
fn check_order(hits: &[SearchHit], what: &str) {
    let mut ids = HashSet::new();
    for h in hits {
        assert!(ids.insert(h.id), "{what}: id {} twice", h.id);
    }
    for w in hits.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let key = |h: &SearchHit| (h.distance_m.unwrap_or(0.0), h.id);
        let (ka, kb) = (key(a), key(b));
        assert!(
            ka.0 < kb.0 || (ka.0 == kb.0 && ka.1 < kb.1),
            "{what}: {a:?} before {b:?}"
        );
    }
}

/// Compares the engine's hits with the oracle's verdicts (and distances).
fn check_against_oracle(
    hits: &[SearchHit],
    oracle: &BTreeMap<u64, (Verdict, Option<f64>)>,
    what: &str,
) -> (usize, usize) {
    let got: HashSet<u64> = hits.iter().map(|h| h.id).collect();
    let (mut sure, mut edge) = (0, 0);
    for (id, (v, _)) in oracle {
        match v {
            Verdict::In => {
                sure += 1;
                assert!(
                    got.contains(id),
                    "{what}: {id} missing (oracle {:?})",
                    oracle[id]
                );
            }
            Verdict::Out => assert!(
                !got.contains(id),
                "{what}: {id} found (oracle {:?})",
                oracle[id]
            ),
            Verdict::Edge => edge += 1,
        }
    }
    for h in hits {
        let (v, d) = oracle
            .get(&h.id)
            .unwrap_or_else(|| panic!("{what}: hit {} is not a candidate at all", h.id));
        assert_ne!(*v, Verdict::Out, "{what}: {h:?}");
        match (h.distance_m, d) {
            (Some(got), Some(want)) => assert!(
                (got - want).abs() <= tolerance(*want),
                "{what}: {}: engine {got} m, oracle {want} m",
                h.id
            ),
            (None, None) => {}
            (got, want) => panic!("{what}: {}: engine distance {got:?}, oracle {want:?}", h.id),
        }
    }
    (sure, edge)
}

fn circle(c: Coord<f64>, radius_m: f64) -> Option<Circle> {
    Some(Circle {
        lon: c.x,
        lat: c.y,
        radius_m,
    })
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn radius_search_matches_brute_force() {
    let data = dataset(20261126, 5_000);
    let atlas = atlas_of(&data);
    let candidates: Vec<Candidate> = data
        .plots
        .iter()
        .map(|p| Candidate::new(p.id, &p.shape))
        .collect();
    let mut rng = Rng::new(42);
    let (mut sure_total, mut edge_total, mut distances) = (0, 0, 0);
    for case in 0..40 {
        let centre = random_centre(&mut rng, 8_000.0);
        let radius = random_radius(&mut rng);
        let constraints = if case % 4 == 0 {
            PlotConstraints::default()
        } else {
            PlotConstraints::random(&mut rng, &data)
        };
        let mut query = SearchQuery::new(LayerKind::Plots);
        query.circle = circle(centre, radius);
        constraints.apply(&mut query);
        let what = format!("case {case}: {radius:.0} m around {centre:?}, {constraints:?}");

        let mut oracle = BTreeMap::new();
        for (plot, c) in data.plots.iter().zip(&candidates) {
            if !constraints.matches(plot) {
                continue;
            }
            if let Some(d) = c.distance_within(centre, radius + tolerance(radius)) {
                oracle.insert(c.id, (verdict(Some(d), radius), Some(d)));
            }
        }
        let (hits, total) = all_hits(&atlas, &query);
        check_order(&hits, &what);
        let (sure, edge) = check_against_oracle(&hits, &oracle, &what);
        assert!(
            total >= sure && total <= sure + edge,
            "{what}: total {total}"
        );
        sure_total += sure;
        edge_total += edge;
        distances += hits.len();

        // Any page is the same slice of the same order.
        for _ in 0..3 {
            let offset = rng.below(total + 3);
            let limit = rng.below(60);
            let mut q = query.clone();
            q.offset = offset;
            q.limit = limit;
            let page = atlas.search(&q).unwrap();
            assert_eq!(page.total, total, "{what}: total with offset {offset}");
            let end = (offset + limit).min(total);
            let want = if offset < total {
                &hits[offset..end]
            } else {
                &[][..]
            };
            assert_eq!(page.hits, want, "{what}: page {offset}+{limit}");
        }
    }
    eprintln!(
        "{sure_total} hits checked, {edge_total} on the edge of their circle, {distances} distances compared"
    );
    assert!(sure_total > 1_000, "the queries found plots");
}

#[test]
fn distances_are_to_the_nearest_point_and_zero_inside() {
    let data = dataset(3, 1_000);
    let atlas = atlas_of(&data);
    for plot in data.plots.iter().step_by(97) {
        let mp = plot.shape.as_area().unwrap();
        let ring = &mp.0[0].exterior().0;
        // Inside: the mean of the corners of a convex plot.
        let inside = Coord {
            x: ring[..4].iter().map(|c| c.x).sum::<f64>() / 4.0,
            y: ring[..4].iter().map(|c| c.y).sum::<f64>() / 4.0,
        };
        // Outside: 50 m beyond the middle of the first edge, away from the inside point.
        let mid = Coord {
            x: (ring[0].x + ring[1].x) / 2.0,
            y: (ring[0].y + ring[1].y) / 2.0,
        };
        let away = Coord {
            x: mid.x + (mid.x - inside.x) * 0.5,
            y: mid.y + (mid.y - inside.y) * 0.5,
        };
        for (p, inside_plot) in [(inside, true), (away, false)] {
            let mut q = SearchQuery::new(LayerKind::Plots);
            q.circle = circle(p, 2_000.0);
            q.limit = 1000;
            let page = atlas.search(&q).unwrap();
            let hit = page
                .hits
                .iter()
                .find(|h| h.id == plot.id)
                .expect("the plot is near");
            let d = hit.distance_m.unwrap();
            if inside_plot {
                assert_eq!(d, 0.0, "{}", plot.code);
                assert_eq!(page.hits[0].distance_m, Some(0.0));
            } else {
                let want = oracle_distance(p, &plot.shape);
                assert!(want > 10.0, "{}: {want}", plot.code);
                assert!(
                    (d - want).abs() <= tolerance(want),
                    "{}: {d} vs {want}",
                    plot.code
                );
            }
        }
    }
}

/// A random quad, or a concave "L", around a centre, in lon/lat.
fn random_polygon(rng: &mut Rng) -> MultiPolygon<f64> {
    let c = random_centre(rng, 6_000.0);
    let size = 200.0 * 40f64.powf(rng.unit());
    let (kx, ky) = (1.0 / (111_320.0 * c.y.to_radians().cos()), 1.0 / 110_574.0);
    let at = |e: f64, n: f64| Coord {
        x: c.x + e * kx,
        y: c.y + n * ky,
    };
    let ring: Vec<Coord<f64>> = if rng.chance(0.5) {
        let angle = rng.range(0.0, std::f64::consts::TAU);
        (0..4)
            .map(|k| {
                let a = angle + k as f64 * std::f64::consts::FRAC_PI_2;
                let r = size * rng.range(0.3, 1.0);
                at(r * a.cos(), r * a.sin())
            })
            .collect()
    } else {
        let s = size;
        [
            (0.0, 0.0),
            (s, 0.0),
            (s, 0.3 * s),
            (0.3 * s, 0.3 * s),
            (0.3 * s, s),
            (0.0, s),
        ]
        .iter()
        .map(|&(e, n)| at(e - s / 2.0, n - s / 2.0))
        .collect()
    };
    let mut closed = ring;
    closed.push(closed[0]);
    MultiPolygon(vec![Polygon::new(LineString(closed), vec![])])
}

#[test]
fn polygon_search_matches_brute_force() {
    let data = dataset(20261126, 5_000);
    let atlas = atlas_of(&data);
    let candidates: Vec<Candidate> = data
        .plots
        .iter()
        .map(|p| Candidate::new(p.id, &p.shape))
        .collect();
    let mut rng = Rng::new(7);
    let mut found = 0;
    for case in 0..40 {
        let polygon = random_polygon(&mut rng);
        let constraints = if case % 2 == 0 {
            PlotConstraints::default()
        } else {
            PlotConstraints::random(&mut rng, &data)
        };
        let with_circle = case % 3 == 0;
        let mut query = SearchQuery::new(LayerKind::Plots);
        query.polygon = Some(polygon.clone());
        constraints.apply(&mut query);
        let (centre, radius) = (
            polygon.bounding_rect().unwrap().center(),
            random_radius(&mut rng),
        );
        if with_circle {
            query.circle = circle(centre, radius);
        }
        let what = format!("case {case}: {polygon:?} circle {with_circle}, {constraints:?}");
        let mut oracle = BTreeMap::new();
        for (plot, c) in data.plots.iter().zip(&candidates) {
            if !constraints.matches(plot) {
                continue;
            }
            let area = plot.shape.as_area().unwrap();
            let inside = if polygon.relate(area).is_intersects() {
                Verdict::In
            } else {
                Verdict::Out
            };
            let (v, d) = if with_circle {
                let d = c.distance_within(centre, radius + tolerance(radius));
                (both(inside, verdict(d, radius)), d)
            } else {
                (inside, None)
            };
            if v != Verdict::Out {
                oracle.insert(plot.id, (v, d));
            }
        }
        let (hits, total) = all_hits(&atlas, &query);
        check_order(&hits, &what);
        let (sure, edge) = check_against_oracle(&hits, &oracle, &what);
        assert!(total >= sure && total <= sure + edge, "{what}");
        if !with_circle {
            assert_eq!(edge, 0);
            assert!(hits.iter().all(|h| h.distance_m.is_none()));
        }
        found += total;
    }
    eprintln!("{found} plots found in polygons");
    assert!(found > 500, "the polygons found plots: {found}");
}

#[test]
fn near_highway_exit_matches_brute_force() {
    let data = dataset(20261126, 5_000);
    let atlas = atlas_of(&data);
    let exits: Vec<Coord<f64>> = data
        .pois
        .iter()
        .filter(|p| p.attrs.kind == PoiKind::HighwayExit)
        .map(|p| p.anchor().0)
        .collect();
    assert!(exits.len() >= 8);
    let candidates: Vec<Candidate> = data
        .plots
        .iter()
        .map(|p| Candidate::new(p.id, &p.shape))
        .collect();
    let mut rng = Rng::new(99);
    let mut found = 0;
    for case in 0..12 {
        let within = rng.range(300.0, 3_000.0);
        let constraints = if case % 2 == 0 {
            PlotConstraints::default()
        } else {
            PlotConstraints::random(&mut rng, &data)
        };
        let (centre, radius) = (
            random_centre(&mut rng, 15_000.0),
            random_radius(&mut rng) * 2.0,
        );
        let with_circle = case % 3 == 1;
        let mut query = SearchQuery::new(LayerKind::Plots);
        query.near = Some(NearPoi {
            kind: PoiKind::HighwayExit,
            within_m: within,
        });
        if with_circle {
            query.circle = circle(centre, radius.min(40_000.0));
        }
        constraints.apply(&mut query);
        let what = format!("case {case}: within {within:.0} m of an exit, circle {with_circle}");
        let mut oracle = BTreeMap::new();
        for (plot, c) in data.plots.iter().zip(&candidates) {
            if !constraints.matches(plot) {
                continue;
            }
            let nearest = exits
                .iter()
                .filter_map(|e| c.distance_within(*e, within + tolerance(within)))
                .reduce(f64::min);
            let mut v = verdict(nearest, within);
            let mut d = None;
            if with_circle {
                let r = radius.min(40_000.0);
                d = c.distance_within(centre, r + tolerance(r));
                v = both(v, verdict(d, r));
            }
            if v != Verdict::Out {
                oracle.insert(plot.id, (v, d));
            }
        }
        let (hits, total) = all_hits(&atlas, &query);
        check_order(&hits, &what);
        let (sure, edge) = check_against_oracle(&hits, &oracle, &what);
        assert!(total >= sure && total <= sure + edge, "{what}");
        found += total;
    }
    eprintln!("{found} plots found near exits");
    assert!(found > 200, "plots near exits were found: {found}");
}

#[test]
fn factories_and_points_of_interest_match_brute_force() {
    let data = dataset(11, 3_000);
    let atlas = atlas_of(&data);
    let mut rng = Rng::new(5);
    for case in 0..15 {
        let centre = random_centre(&mut rng, 15_000.0);
        let radius = random_radius(&mut rng) * 2.0;

        // Factories with a status, a clear height and a rent.
        let status = subset(&mut rng, FactoryStatus::ALL);
        let min_height = rng.chance(0.5).then(|| rng.range(4.0, 11.0));
        let max_rent = rng.chance(0.5).then(|| rng.range(12.0, 35.0));
        let mut query = SearchQuery::new(LayerKind::Factories);
        query.circle = circle(centre, radius);
        query.factories.status = status.clone();
        query.factories.min_clear_height_m = min_height;
        query.factories.max_rent_yuan_m2_month = max_rent;
        let matches = |f: &Factory| {
            (status.is_empty() || status.contains(&f.attrs.status))
                && min_height.is_none_or(|m| f.attrs.clear_height_m.is_some_and(|h| h >= m))
                && max_rent.is_none_or(|m| f.attrs.rent_yuan_m2_month.is_some_and(|r| r <= m))
        };
        let mut oracle = BTreeMap::new();
        for f in data.factories.iter().filter(|f| matches(f)) {
            let d =
                Candidate::new(f.id, &f.shape).distance_within(centre, radius + tolerance(radius));
            if d.is_some() {
                oracle.insert(f.id, (verdict(d, radius), d));
            }
        }
        let what = format!("case {case}: factories within {radius:.0} m of {centre:?}");
        let (hits, _) = all_hits(&atlas, &query);
        check_order(&hits, &what);
        check_against_oracle(&hits, &oracle, &what);

        // Points of some kinds.
        let kinds = subset(&mut rng, PoiKind::ALL);
        let mut query = SearchQuery::new(LayerKind::Pois);
        query.circle = circle(centre, radius * 3.0);
        query.poi_kinds = kinds.clone();
        let mut oracle = BTreeMap::new();
        for p in data
            .pois
            .iter()
            .filter(|p: &&Poi| kinds.is_empty() || kinds.contains(&p.attrs.kind))
        {
            let d = oracle_distance(centre, &p.shape);
            oracle.insert(p.id, (verdict(Some(d), radius * 3.0), Some(d)));
        }
        let what = format!(
            "case {case}: points within {:.0} m of {centre:?}",
            radius * 3.0
        );
        let (hits, _) = all_hits(&atlas, &query);
        check_order(&hits, &what);
        check_against_oracle(&hits, &oracle, &what);
    }
}

/// The same search with and without a price range that every plot meets:
/// the second reads every candidate, the first may decide matches from their
/// boxes and search keys. Both must give the same pages.
#[test]
fn deciding_matches_by_box_changes_no_page() {
    let data = dataset(20261126, 20_000);
    let atlas = atlas_of(&data);
    assert!(
        data.plots
            .iter()
            .all(|p| p.attrs.price_wan_per_mu.is_some_and(|v| v >= 0.0))
    );
    let mut rng = Rng::new(17);
    for case in 0..30 {
        let centre = random_centre(&mut rng, 6_000.0);
        let radius = rng.range(200.0, 10_000.0);
        let mut fast = SearchQuery::new(LayerKind::Plots);
        fast.circle = circle(centre, radius);
        if case % 2 == 1 {
            fast.plots.status = vec![PlotStatus::Available, PlotStatus::Reserved];
            fast.plots.land_use = vec![LandUse::Industrial];
            fast.plots.area_mu = Range {
                min: Some(30.0),
                max: Some(80.0),
            };
        }
        let mut slow = fast.clone();
        slow.plots.price_wan_per_mu = Range {
            min: Some(0.0),
            max: None,
        };
        let (all, total) = all_hits(&atlas, &slow);
        for (offset, limit) in [
            (0, 100),
            (0, 1),
            (0, 0),
            (1, 10),
            (total / 2, 7),
            (total.saturating_sub(3), 100),
            (total, 5),
            (rng.below(total + 1), rng.below(200)),
        ] {
            for q in [&mut fast, &mut slow] {
                q.offset = offset;
                q.limit = limit;
            }
            let (a, b) = (atlas.search(&fast).unwrap(), atlas.search(&slow).unwrap());
            let what = format!("case {case}: {radius:.0} m, page {offset}+{limit}");
            assert_eq!(a, b, "{what}");
            assert_eq!(a.total, total, "{what}");
            let end = (offset + limit).min(total);
            let want = if offset < total {
                &all[offset..end]
            } else {
                &[][..]
            };
            assert_eq!(a.hits, want, "{what}");
        }
    }
}

#[test]
fn area_bounds_hold_to_the_last_digit() {
    let data = dataset(4, 2_000);
    let atlas = atlas_of(&data);
    for plot in data.plots.iter().step_by(37) {
        let mu = plot.attrs.area_m2 / M2_PER_MU;
        let centre = plot.shape.as_area().unwrap().0[0].exterior().0[0];
        let found = |min: f64, max: f64, status: Vec<PlotStatus>, land_use: Vec<LandUse>| {
            let mut q = SearchQuery::new(LayerKind::Plots);
            // Wide enough for the plot to lie well inside: its box decides the circle.
            q.circle = circle(centre, 1_500.0);
            q.plots.area_mu = Range {
                min: Some(min),
                max: Some(max),
            };
            q.plots.status = status;
            q.plots.land_use = land_use;
            q.limit = 1000;
            let page = atlas.search(&q).unwrap();
            page.hits.iter().any(|h| h.id == plot.id)
        };
        let (status, land_use) = (plot.attrs.status, plot.attrs.land_use);
        assert!(found(mu, mu, vec![], vec![]), "{}: {mu} mu", plot.code);
        assert!(found(mu, mu, vec![status], vec![land_use]), "{}", plot.code);
        assert!(
            !found(mu.next_up(), mu + 1.0, vec![], vec![]),
            "{}",
            plot.code
        );
        assert!(
            !found(mu - 1.0, mu.next_down(), vec![], vec![]),
            "{}",
            plot.code
        );
        let others: Vec<PlotStatus> = PlotStatus::ALL
            .iter()
            .copied()
            .filter(|s| *s != status)
            .collect();
        assert!(!found(mu, mu, others, vec![]), "{}", plot.code);
        let others: Vec<LandUse> = LandUse::ALL
            .iter()
            .copied()
            .filter(|l| *l != land_use)
            .collect();
        assert!(!found(mu, mu, vec![], others), "{}", plot.code);
    }
}

#[test]
fn a_layer_without_constraints_lists_everything_by_id() {
    let data = dataset(2, 1_500);
    let atlas = atlas_of(&data);
    let (hits, total) = all_hits(&atlas, &SearchQuery::new(LayerKind::Plots));
    assert_eq!(total, 1_500);
    let ids: Vec<u64> = hits.iter().map(|h| h.id).collect();
    assert_eq!(ids, (1..=1_500).collect::<Vec<u64>>());
    assert!(hits.iter().all(|h| h.distance_m.is_none()));
}

#[test]
fn invalid_queries_name_the_field_at_fault() {
    let data = dataset(1, 200);
    let atlas = atlas_of(&data);
    let (lon, lat) = (103.846, 30.712);
    let with_circle = |lon: f64, lat: f64, radius_m: f64| {
        let mut q = SearchQuery::new(LayerKind::Plots);
        q.circle = Some(Circle { lon, lat, radius_m });
        q
    };
    let field = |q: SearchQuery| atlas.search(&q).expect_err("refused").field;

    for radius in [0.0, -1.0, 100_000.5, 1e9, f64::NAN, f64::INFINITY] {
        assert_eq!(
            field(with_circle(lon, lat, radius)),
            "radius_m",
            "radius {radius}"
        );
    }
    assert!(atlas.search(&with_circle(lon, lat, 100_000.0)).is_ok());
    assert!(atlas.search(&with_circle(lon, lat, 0.01)).is_ok());
    for (lo, la) in [
        (lon, 91.0),
        (lon, -90.5),
        (181.0, lat),
        (f64::NAN, lat),
        (lon, f64::INFINITY),
    ] {
        assert_eq!(field(with_circle(lo, la, 1_000.0)), "lon/lat", "{lo}, {la}");
    }

    let mut q = SearchQuery::new(LayerKind::Plots);
    q.limit = 1001;
    assert_eq!(field(q.clone()), "limit");
    q.limit = 1000;
    assert!(atlas.search(&q).is_ok());

    for within_m in [0.0, -5.0, 100_001.0, f64::NAN] {
        let mut q = SearchQuery::new(LayerKind::Plots);
        q.near = Some(NearPoi {
            kind: PoiKind::HighwayExit,
            within_m,
        });
        assert_eq!(field(q), "near", "within {within_m}");
    }

    let mut q = SearchQuery::new(LayerKind::Plots);
    q.plots.area_mu = Range {
        min: Some(80.0),
        max: Some(30.0),
    };
    assert_eq!(field(q), "area_mu");
    let mut q = SearchQuery::new(LayerKind::Plots);
    q.plots.price_wan_per_mu = Range {
        min: Some(f64::NAN),
        max: None,
    };
    assert_eq!(field(q), "price");

    let mut q = SearchQuery::new(LayerKind::Plots);
    let flat = LineString(vec![
        Coord { x: lon, y: lat },
        Coord {
            x: lon + 0.01,
            y: lat,
        },
        Coord {
            x: lon + 0.02,
            y: lat,
        },
        Coord { x: lon, y: lat },
    ]);
    q.polygon = Some(MultiPolygon(vec![Polygon::new(flat, vec![])]));
    assert_eq!(field(q), "polygon");
}
