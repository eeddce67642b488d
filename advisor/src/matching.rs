//! Site matching (匹配度): which plots and factories fit an investor's needs,
//! with a score and the reasons for it. See the crate documentation for the
//! scoring formula.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use geo::Rect;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use siteatlas_tiles::geodesy::{distance_to_shape, grow_bbox, radius_bbox};
use siteatlas_tiles::index::{Entry, LayerIndex};
use siteatlas_tiles::model::{key_flags, key_value};
use siteatlas_tiles::{
    Atlas, Attributes, FactoryAttrs, FactoryStatus, LayerKind, OfficeAttrs, ParkAttrs, PlotAttrs,
    PlotStatus, Poi, PoiAttrs, PoiKind, Shape,
};

use crate::compliance::{self, Compliance, Indicator, Indicators, Required};
use crate::criteria::{Compiled, Field, MatchRequest, Test};
use crate::error::AdviceError;

/// Relative gap outside a range at which a preferred numeric criterion's
/// credit reaches 0 (25 %).
pub const ZERO_CREDIT_GAP: f64 = 0.25;

/// Weight in the score of the `compliance` criterion a plan adds.
pub const COMPLIANCE_WEIGHT: f64 = 1.0;

/// Name of the criterion a plan adds to the explanation.
pub const COMPLIANCE_FIELD: &str = "compliance";

/// How well a site meets one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Credit 1: fully met.
    Met,
    /// Credit strictly between 0 and 1.
    Partly,
    /// Credit 0, or the site does not state the value.
    NotMet,
}

/// One criterion as judged for one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionOutcome {
    /// The criterion's field, or `near`.
    pub field: String,
    /// How well it is met.
    pub verdict: Verdict,
    /// What was asked, e.g. `{"min": 30, "max": 80}`, `{"kind": "highway_exit", "max_m": 5000}`.
    pub wanted: Value,
    /// What the site has, e.g. `45.2`, `{"distance_m": 3120, "name": "…出口"}`;
    /// `null` when the site does not state it (or its layer has no such field).
    pub actual: Value,
    /// Whether the criterion is a filter.
    pub hard: bool,
    /// Weight in the score; `null` for hard criteria, which do not score.
    pub weight: Option<f64>,
}

/// A site that passes every hard criterion, with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteMatch {
    /// `plots` or `factories`.
    pub layer: LayerKind,
    /// Feature id.
    pub id: u64,
    /// Business code (plot number).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the site's park.
    pub park: Option<String>,
    /// The site's status: a plot's `available`, `reserved` or
    /// `negotiating`, a factory's `vacant` or `partial`.
    pub status: String,
    /// Whether the site is held for someone else (a `reserved` or
    /// `negotiating` plot), listed only when the request asks for such sites.
    pub held: bool,
    /// Match score, 0-100.
    pub score: u32,
    /// Every criterion of the request, in request order, then
    /// `compliance` when the request carries a plan.
    pub criteria: Vec<CriterionOutcome>,
    /// With a plan: the site's standard-land checks (`compliance`, empty
    /// for factories and plots without indicators) and `compliant`.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<Compliance>,
}

/// The best sites, and how many passed the hard criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResponse {
    /// At most `limit` sites, by score descending, then layer, then id.
    pub results: Vec<SiteMatch>,
    /// Number of sites that pass every hard criterion.
    pub total: usize,
}

/// A plot or a factory, as the index holds it.
#[derive(Debug, Clone, Copy)]
enum Site<'a> {
    Plot(&'a Entry<PlotAttrs>),
    Factory(&'a Entry<FactoryAttrs>),
    Office(&'a Entry<OfficeAttrs>),
}

impl<'a> Site<'a> {
    fn layer(self) -> LayerKind {
        match self {
            Site::Plot(_) => LayerKind::Plots,
            Site::Factory(_) => LayerKind::Factories,
            Site::Office(_) => LayerKind::Offices,
        }
    }
    fn id(self) -> u64 {
        match self {
            Site::Plot(e) => e.feature.id,
            Site::Factory(e) => e.feature.id,
            Site::Office(e) => e.feature.id,
        }
    }
    fn code(self) -> &'a str {
        match self {
            Site::Plot(e) => &e.feature.code,
            Site::Factory(e) => &e.feature.code,
            Site::Office(e) => &e.feature.code,
        }
    }
    fn name(self) -> &'a str {
        match self {
            Site::Plot(e) => &e.feature.attrs.name,
            Site::Factory(e) => &e.feature.attrs.name,
            Site::Office(e) => &e.feature.attrs.name,
        }
    }
    fn park(self) -> Option<&'a str> {
        match self {
            Site::Plot(e) => e.feature.attrs.park.as_deref(),
            Site::Factory(e) => e.feature.attrs.park.as_deref(),
            Site::Office(e) => e.feature.attrs.park.as_deref(),
        }
    }
    fn shape(self) -> &'a Shape {
        match self {
            Site::Plot(e) => &e.feature.shape,
            Site::Factory(e) => &e.feature.shape,
            Site::Office(e) => &e.feature.shape,
        }
    }
    fn bbox(self) -> Rect<f64> {
        match self {
            Site::Plot(e) => e.bbox,
            Site::Factory(e) => e.bbox,
            Site::Office(e) => e.bbox,
        }
    }
    /// The value of a numeric field; `None` when unknown or not of this layer.
    fn number(self, field: Field) -> Option<f64> {
        if let Field::Declared(name) = field {
            return match self {
                Site::Plot(e) => e.feature.attrs.value(name),
                Site::Factory(e) => e.feature.attrs.value(name),
                Site::Office(e) => e.feature.attrs.value(name),
            }
            .and_then(|v| v.as_f64());
        }
        match self {
            Site::Plot(e) => {
                let a = &e.feature.attrs;
                match field {
                    Field::AreaMu => Some(a.area_mu()),
                    Field::PriceWanPerMu => a.price_wan_per_mu,
                    Field::PowerKva => a.power_kva,
                    Field::PlotRatioMax => a.plot_ratio_max,
                    Field::HeightLimitM => a.height_limit_m,
                    _ => None,
                }
            }
            Site::Factory(e) => {
                let a = &e.feature.attrs;
                match field {
                    Field::AvailableAreaM2 => a.available_area_m2,
                    Field::TotalAreaM2 => a.total_area_m2,
                    Field::RentYuanM2Month => a.rent_yuan_m2_month,
                    Field::ClearHeightM => a.clear_height_m,
                    Field::FloorLoadKnM2 => a.floor_load_kn_m2,
                    Field::CraneT => a.crane_t,
                    Field::Floors => a.floors.map(f64::from),
                    _ => None,
                }
            }
            Site::Office(e) => {
                let a = &e.feature.attrs;
                match field {
                    Field::AvailableAreaM2 => a.available_area_m2,
                    Field::TotalAreaM2 => a.total_area_m2,
                    Field::RentYuanM2Month => a.rent_yuan_m2_month,
                    Field::Floors => a.floors.map(f64::from),
                    _ => None,
                }
            }
        }
    }
    /// Whether the site is on offer now, and its status.
    fn availability(self) -> (bool, &'static str) {
        match self {
            Site::Plot(e) => {
                let s = e.feature.attrs.status;
                (s == PlotStatus::Available, s.as_str())
            }
            Site::Factory(e) => {
                let s = e.feature.attrs.status;
                (
                    matches!(s, FactoryStatus::Vacant | FactoryStatus::Partial),
                    s.as_str(),
                )
            }
            Site::Office(e) => {
                let s = e.feature.attrs.status;
                (
                    matches!(s, FactoryStatus::Vacant | FactoryStatus::Partial),
                    s.as_str(),
                )
            }
        }
    }
    /// Whether a match may list the site at all: never a sold or withdrawn
    /// plot or a fully let factory, held plots only when asked.
    fn listable(self, include_held: bool) -> bool {
        match self {
            Site::Plot(e) => plot_status_mask(include_held) & e.feature.attrs.status.bit() != 0,
            Site::Factory(e) => e.feature.attrs.status != FactoryStatus::Occupied,
            Site::Office(e) => e.feature.attrs.status != FactoryStatus::Occupied,
        }
    }
    /// Whether the site is held for someone else (see [`SiteMatch::held`]).
    fn held(self) -> bool {
        match self {
            Site::Plot(e) => matches!(
                e.feature.attrs.status,
                PlotStatus::Reserved | PlotStatus::Negotiating
            ),
            Site::Factory(_) | Site::Office(_) => false,
        }
    }
    /// The site's standard-land indicators and the area they are per mu of
    /// (none for factories).
    fn indicators(self) -> (Indicators, Option<f64>) {
        match self {
            Site::Plot(e) => (
                Indicators::of_plot(&e.feature.attrs),
                Some(e.feature.attrs.area_mu()),
            ),
            Site::Factory(_) | Site::Office(_) => (Indicators::default(), None),
        }
    }
    /// Order of results with equal scores: layer, then id.
    fn tie_key(self) -> (LayerKind, u64) {
        (self.layer(), self.id())
    }
}

/// What a site has for a criterion, kept borrowed until a response needs it.
#[derive(Debug, Clone, Copy)]
enum Actual<'a> {
    Missing,
    Number(f64),
    Text(&'a str),
    Texts(&'a [String]),
    Distance { m: f64, name: &'a str },
    NoneWithin(f64),
}

impl Actual<'_> {
    fn to_json(self) -> Value {
        match self {
            Actual::Missing => Value::Null,
            Actual::Number(v) => json!((v * 100.0).round() / 100.0),
            Actual::Text(s) => json!(s),
            Actual::Texts(v) => json!(v),
            Actual::Distance { m, name } => json!({"distance_m": m.round(), "name": name}),
            Actual::NoneWithin(r) => json!({"distance_m": null, "none_within_m": r}),
        }
    }
}

/// Credit in [0, 1] and what it was judged on.
#[derive(Debug, Clone, Copy)]
struct Assessment<'a> {
    credit: f64,
    actual: Actual<'a>,
}

/// What evaluation needs besides the site: the parks by code and the POIs.
struct Context<'a> {
    parks: HashMap<&'a str, &'a ParkAttrs>,
    pois: &'a LayerIndex<PoiAttrs>,
}

/// Credit of a value against an inclusive range (see the crate docs).
pub(crate) fn range_credit(v: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    // Relative to the bound violated, and to at least 1 so that a bound of 0
    // (or 0.5 for a ratio) does not turn a tiny gap into a total miss.
    let miss = |bound: f64, gap: f64| (1.0 - gap / bound.abs().max(1.0) / ZERO_CREDIT_GAP).max(0.0);
    if let Some(lo) = min
        && v < lo
    {
        return miss(lo, lo - v);
    }
    if let Some(hi) = max
        && v > hi
    {
        return miss(hi, v - hi);
    }
    1.0
}

/// Credit of a distance to the nearest POI: 1 up to `max_m`, then linear to 0 at twice that.
fn near_credit(d: f64, max_m: f64) -> f64 {
    if d <= max_m {
        1.0
    } else {
        (2.0 - d / max_m).max(0.0)
    }
}

/// The nearest POI of a kind within `reach_m` of a site, by geodesic
/// distance to the site's shape (0 inside), ties by id. The POI R-tree gives
/// the few candidates in the site's box grown by the reach.
fn nearest_poi<'a>(
    pois: &'a LayerIndex<PoiAttrs>,
    kind: PoiKind,
    site: Site<'_>,
    reach_m: f64,
) -> Option<(f64, &'a Poi)> {
    pois.in_bbox(grow_bbox(site.bbox(), reach_m))
        .filter(|e| e.feature.attrs.kind == kind)
        .map(|e| {
            (
                distance_to_shape(e.feature.anchor(), site.shape()),
                &*e.feature,
            )
        })
        .filter(|(d, _)| *d <= reach_m)
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)))
}

impl<'a> Context<'a> {
    fn new(atlas: &'a Atlas) -> Self {
        let parks = atlas
            .parks
            .iter()
            .map(|e| (e.feature.code.as_str(), &e.feature.attrs))
            .collect();
        Self {
            parks,
            pois: &atlas.pois,
        }
    }

    fn park_of(&self, site: Site<'_>) -> Option<&'a ParkAttrs> {
        site.park().and_then(|code| self.parks.get(code).copied())
    }

    /// Judges one criterion for one site.
    fn assess(&self, site: Site<'a>, test: &Test) -> Assessment<'a> {
        let judged = |credit: f64, actual: Actual<'a>| Assessment { credit, actual };
        let missing = judged(0.0, Actual::Missing);
        match test {
            Test::Range { field, min, max } => match site.number(*field) {
                Some(v) => judged(range_credit(v, *min, *max), Actual::Number(v)),
                None => missing,
            },
            Test::AvailableNow => {
                let (now, status) = site.availability();
                judged(if now { 1.0 } else { 0.0 }, Actual::Text(status))
            }
            Test::Set { field, wanted } => {
                let hit = |ok: bool| if ok { 1.0 } else { 0.0 };
                match field {
                    Field::Industries => match self.park_of(site) {
                        Some(park) => {
                            let overlap = (wanted.iter())
                                .filter(|w| park.industries.contains(w))
                                .count();
                            judged(
                                overlap as f64 / wanted.len() as f64,
                                Actual::Texts(&park.industries),
                            )
                        }
                        None => missing,
                    },
                    Field::District => match self.park_of(site).and_then(|p| p.district.as_deref())
                    {
                        // By substring: investors write 温江区, parks store 成都市温江区.
                        Some(d) => judged(
                            hit(wanted.iter().any(|w| d.contains(w.as_str()))),
                            Actual::Text(d),
                        ),
                        None => missing,
                    },
                    Field::Park => match site.park() {
                        Some(p) => judged(hit(wanted.iter().any(|w| w == p)), Actual::Text(p)),
                        None => missing,
                    },
                    Field::LandUse => match site {
                        Site::Plot(e) => {
                            let land_use = e.feature.attrs.land_use.as_str();
                            judged(
                                hit(wanted.iter().any(|w| w == land_use)),
                                Actual::Text(land_use),
                            )
                        }
                        Site::Factory(_) | Site::Office(_) => missing,
                    },
                    _ => missing,
                }
            }
            Test::Near { kind, max_m } => {
                // Beyond twice the distance the credit is 0 whatever it is.
                let reach = 2.0 * max_m;
                match nearest_poi(self.pois, *kind, site, reach) {
                    Some((d, poi)) => judged(
                        near_credit(d, *max_m),
                        Actual::Distance {
                            m: d,
                            name: &poi.attrs.name,
                        },
                    ),
                    None => judged(0.0, Actual::NoneWithin(reach)),
                }
            }
        }
    }

    /// Whether a site passes a hard criterion: only full credit passes.
    fn passes(&self, site: Site<'a>, test: &Test) -> bool {
        if let Test::Near { kind, max_m } = test {
            // Only the reach of the filter needs searching.
            return nearest_poi(self.pois, *kind, site, *max_m).is_some();
        }
        self.assess(site, test).credit >= 1.0
    }
}

/// Sum of weighted credits in a fixed order, so that the order of the
/// criteria in a request cannot move a score across a rounding boundary.
fn canonical_sum(terms: &mut [f64]) -> f64 {
    terms.sort_unstable_by(f64::total_cmp);
    terms.iter().sum()
}

/// Score 0-100 from a weighted sum and the total weight.
fn score_of(sum: f64, total_weight: f64) -> u32 {
    if total_weight <= 0.0 {
        return 100;
    }
    ((100.0 * sum / total_weight).round() as u32).min(100)
}

/// A site that passes the hard criteria: its score, or a bound on it while
/// its distances are not yet measured.
struct Passing<'a> {
    site: Site<'a>,
    /// Whether [`Self::score`] is exact rather than an upper bound.
    exact: bool,
    score: u32,
}

/// The criteria of a request, sorted by cost and role.
struct Split<'c> {
    hard_cheap: Vec<&'c Compiled>,
    hard_near: Vec<&'c Compiled>,
    preferred_cheap: Vec<&'c Compiled>,
    preferred_near: Vec<&'c Compiled>,
    total_weight: f64,
}

impl<'c> Split<'c> {
    fn new(criteria: &'c [Compiled]) -> Self {
        let pick = |hard: bool, near: bool| -> Vec<&'c Compiled> {
            (criteria.iter())
                .filter(|c| c.hard == hard && c.test.is_near() == near)
                .collect()
        };
        let mut weights: Vec<f64> = criteria
            .iter()
            .filter(|c| !c.hard)
            .map(|c| c.weight)
            .collect();
        Self {
            hard_cheap: pick(true, false),
            hard_near: pick(true, true),
            preferred_cheap: pick(false, false),
            preferred_near: pick(false, true),
            total_weight: canonical_sum(&mut weights),
        }
    }
}

/// The plot statuses a match may list: what can be had now, and what is
/// held for someone else when the request asks for it.
fn plot_status_mask(include_held: bool) -> u32 {
    let held = PlotStatus::Reserved.bit() | PlotStatus::Negotiating.bit();
    PlotStatus::Available.bit() | if include_held { held } else { 0 }
}

/// Filters on a plot's search key that the hard criteria imply, tested in
/// the R-tree before a plot is read: status, land use, area.
#[derive(Debug, Clone, Copy)]
struct PlotKeyFilter {
    status_mask: u32,
    land_use_mask: u32,
    min_area: f32,
    max_area: f32,
}

impl PlotKeyFilter {
    fn new(hard: &[&Compiled], include_held: bool) -> Self {
        let mut f = PlotKeyFilter {
            status_mask: plot_status_mask(include_held),
            land_use_mask: u32::MAX,
            min_area: f32::NEG_INFINITY,
            max_area: f32::INFINITY,
        };
        for c in hard {
            match &c.test {
                Test::AvailableNow => f.status_mask &= PlotStatus::Available.bit(),
                Test::Set {
                    field: Field::LandUse,
                    wanted,
                } => {
                    let bits = (wanted.iter())
                        .filter_map(|w| w.parse::<siteatlas_tiles::LandUse>().ok())
                        .fold(0, |m, l| m | l.bit());
                    f.land_use_mask &= bits << 8;
                }
                // Rounding to f32 keeps order, so the f32 range holds every f64 match.
                Test::Range {
                    field: Field::AreaMu,
                    min,
                    max,
                } => {
                    if let Some(lo) = min {
                        f.min_area = f.min_area.max(*lo as f32);
                    }
                    if let Some(hi) = max {
                        f.max_area = f.max_area.min(*hi as f32);
                    }
                }
                _ => {}
            }
        }
        f
    }

    fn flags_ok(&self, flags: u32) -> bool {
        flags & self.status_mask != 0 && flags & self.land_use_mask != 0
    }

    fn keep(&self, key: u64) -> bool {
        let area = key_value(key);
        self.flags_ok(key_flags(key)) && area >= self.min_area && area <= self.max_area
    }
}

/// The boxes a site must meet: around each POI of the first hard `near`
/// criterion, else the layer's whole extent.
fn search_boxes(atlas: &Atlas, split: &Split<'_>, extent: Option<Rect<f64>>) -> Vec<Rect<f64>> {
    let Some(extent) = extent else {
        return Vec::new();
    };
    match split.hard_near.first().map(|c| &c.test) {
        Some(Test::Near { kind, max_m }) => atlas
            .pois
            .iter()
            .filter(|e| e.feature.attrs.kind == *kind)
            .flat_map(|e| radius_bbox(e.feature.anchor(), *max_m))
            .collect(),
        _ => vec![extent],
    }
}

/// Calls `visit` once for every site of a layer that can pass the hard
/// criteria, as far as the R-tree and search keys can tell.
fn for_each_candidate<'a, A: Attributes>(
    index: &'a LayerIndex<A>,
    boxes: &[Rect<f64>],
    wanted: impl Fn(usize) -> bool + Copy + 'a,
    keep: impl Fn(u64) -> bool + Copy + 'a,
    mut visit: impl FnMut(&'a Entry<A>),
) {
    // Boxes around several POIs overlap: a site is visited once.
    let mut seen: HashSet<u64> = HashSet::new();
    let several = boxes.len() > 1;
    for b in boxes {
        index.for_each_candidate(
            *b,
            wanted,
            |_| true,
            keep,
            |c| {
                let Some(entry) = index.entry_of(c.slot) else {
                    return;
                };
                if several && !seen.insert(entry.feature.id) {
                    return;
                }
                visit(entry);
            },
        );
    }
}

/// Finds the sites of `request.layers` that pass every hard criterion,
/// scores them, and returns the best `limit` with explanations.
///
/// Cost: the R-tree and search keys narrow the plots to candidates C (by the
/// status, land use and area a hard criterion demands, and to the boxes
/// around the POIs of a hard `near`); each candidate costs O(h) cheap tests
/// and, for each hard `near`, one POI R-tree query O(log Q + q) and q
/// distance computations. Passing sites R are bucketed by score in O(R).
/// Preferred `near` criteria are measured only for sites whose score bound
/// can still reach the top `limit`, highest bound first; the top is picked
/// in O(R) and sorted in O(limit log limit). Worst case O(C · (h + n (log Q + q)) + R).
pub fn match_sites<'a>(
    atlas: &'a Atlas,
    request: &MatchRequest,
) -> Result<MatchResponse, AdviceError> {
    let plan = request.compile()?;
    let ctx = Context::new(atlas);
    let split = Split::new(&plan.criteria);
    let near_weight: f64 = split.preferred_near.iter().map(|c| c.weight).sum();
    let project = plan.project.as_ref();
    // A plan adds one preferred criterion, judged on the site alone (cheap).
    let total_weight = split.total_weight + project.map_or(0.0, |_| COMPLIANCE_WEIGHT);
    let compliance_term = |site: Site<'_>| {
        project.map(|p| {
            let (indicators, area_mu) = site.indicators();
            COMPLIANCE_WEIGHT * compliance::credit(&indicators, area_mu, p)
        })
    };

    let mut buckets: Vec<Vec<Passing<'a>>> = (0..=100).map(|_| Vec::new()).collect();
    let mut total = 0usize;
    let mut terms: Vec<f64> = Vec::with_capacity(plan.criteria.len());
    let include_held = plan.include_held;
    let mut consider = |site: Site<'a>| {
        let ok = site.listable(include_held)
            && split.hard_cheap.iter().all(|c| ctx.passes(site, &c.test))
            && split.hard_near.iter().all(|c| ctx.passes(site, &c.test));
        if !ok {
            return;
        }
        total += 1;
        terms.clear();
        terms.extend(
            (split.preferred_cheap.iter()).map(|c| c.weight * ctx.assess(site, &c.test).credit),
        );
        terms.extend(compliance_term(site));
        let cheap = canonical_sum(&mut terms);
        let passing = if split.preferred_near.is_empty() {
            Passing {
                site,
                exact: true,
                score: score_of(cheap, total_weight),
            }
        } else {
            // An upper bound: every distance at full credit. The epsilon
            // keeps it a bound whatever order the exact sum adds in.
            let bound = 100.0 * (cheap + near_weight) / total_weight + 1e-6;
            Passing {
                site,
                exact: false,
                score: (bound.round() as u32).min(100),
            }
        };
        buckets[passing.score as usize].push(passing);
    };

    for &layer in &plan.layers {
        match layer {
            LayerKind::Plots => {
                let keys = PlotKeyFilter::new(&split.hard_cheap, include_held);
                let boxes = search_boxes(atlas, &split, atlas.plots.extent());
                for_each_candidate(
                    &atlas.plots,
                    &boxes,
                    move |p| keys.flags_ok(PlotAttrs::partition_flags(p)),
                    move |k| keys.keep(k),
                    |e| consider(Site::Plot(e)),
                );
            }
            LayerKind::Factories => {
                let boxes = search_boxes(atlas, &split, atlas.factories.extent());
                for_each_candidate(
                    &atlas.factories,
                    &boxes,
                    |_| true,
                    |_| true,
                    |e| consider(Site::Factory(e)),
                );
            }
            LayerKind::Offices => {
                let boxes = search_boxes(atlas, &split, atlas.offices.extent());
                for_each_candidate(
                    &atlas.offices,
                    &boxes,
                    |_| true,
                    |_| true,
                    |e| consider(Site::Office(e)),
                );
            }
            LayerKind::Parks | LayerKind::Pois => {}
        }
    }

    let order = |a: &(u32, Site<'_>), b: &(u32, Site<'_>)| -> Ordering {
        b.0.cmp(&a.0).then(a.1.tie_key().cmp(&b.1.tie_key()))
    };
    let limit = plan.limit;
    let mut best: Vec<(u32, Site<'_>)> = Vec::new();
    for bound in (0..=100u32).rev() {
        // Sites below hold at most `bound`: done once the last kept beats it.
        if best.len() >= limit && best[limit - 1].0 > bound {
            break;
        }
        for p in &buckets[bound as usize] {
            let score = if p.exact {
                p.score
            } else {
                terms.clear();
                terms.extend(
                    (split.preferred_cheap.iter().chain(&split.preferred_near))
                        .map(|c| c.weight * ctx.assess(p.site, &c.test).credit),
                );
                terms.extend(compliance_term(p.site));
                score_of(canonical_sum(&mut terms), total_weight)
            };
            best.push((score, p.site));
        }
        if best.len() > limit {
            best.select_nth_unstable_by(limit - 1, order);
            best.truncate(limit);
        }
        best.sort_unstable_by(order);
    }

    let results = best
        .into_iter()
        .map(|(score, site)| {
            let compliance = project.map(|p| {
                let (indicators, area_mu) = site.indicators();
                compliance::check_plan(&indicators, area_mu, p)
            });
            let mut criteria: Vec<CriterionOutcome> = (plan.criteria.iter())
                .map(|c| explain(&ctx, site, c))
                .collect();
            if let (Some(report), Some(credit)) = (&compliance, compliance_term(site)) {
                criteria.push(explain_compliance(report, credit / COMPLIANCE_WEIGHT));
            }
            SiteMatch {
                layer: site.layer(),
                id: site.id(),
                code: site.code().to_owned(),
                name: site.name().to_owned(),
                park: site.park().map(str::to_owned),
                status: site.availability().1.to_owned(),
                held: site.held(),
                score,
                criteria,
                compliance,
            }
        })
        .collect();
    Ok(MatchResponse { results, total })
}

fn verdict_of(credit: f64) -> Verdict {
    if credit >= 1.0 {
        Verdict::Met
    } else if credit > 0.0 {
        Verdict::Partly
    } else {
        Verdict::NotMet
    }
}

/// The `compliance` criterion a plan adds: what each indicator requires
/// (`{"investment_intensity": {"min": 350}, "plot_ratio": {"min": 1.2, "max": 2.5}}`)
/// and what the plan gives (`{"investment_intensity": 280, "plot_ratio": null}`).
fn explain_compliance(report: &Compliance, credit: f64) -> CriterionOutcome {
    let mut wanted = serde_json::Map::new();
    let mut actual = serde_json::Map::new();
    for check in &report.checks {
        let name = check.indicator.as_str().to_owned();
        let required = match check.required {
            Required::Range { min, max } => {
                let mut r = serde_json::Map::new();
                if let Some(lo) = min {
                    r.insert("min".into(), json!(lo));
                }
                if let Some(hi) = max {
                    r.insert("max".into(), json!(hi));
                }
                Value::Object(r)
            }
            Required::Bound(b) if check.indicator == Indicator::EnergyPerMu => json!({"max": b}),
            Required::Bound(b) => json!({"min": b}),
        };
        wanted.insert(name.clone(), required);
        actual.insert(name, json!(check.planned));
    }
    CriterionOutcome {
        field: COMPLIANCE_FIELD.into(),
        verdict: verdict_of(credit),
        wanted: Value::Object(wanted),
        actual: Value::Object(actual),
        hard: false,
        weight: Some(COMPLIANCE_WEIGHT),
    }
}

/// The outcome of one criterion for a result.
fn explain<'a>(ctx: &Context<'a>, site: Site<'a>, c: &Compiled) -> CriterionOutcome {
    let a = ctx.assess(site, &c.test);
    let verdict = verdict_of(a.credit);
    let wanted = match &c.test {
        Test::Range { min, max, .. } => {
            let mut w = serde_json::Map::new();
            if let Some(lo) = min {
                w.insert("min".into(), json!(lo));
            }
            if let Some(hi) = max {
                w.insert("max".into(), json!(hi));
            }
            Value::Object(w)
        }
        Test::Set { wanted, .. } => json!({ "any_of": wanted }),
        Test::AvailableNow => json!(true),
        Test::Near { kind, max_m } => json!({"kind": kind.as_str(), "max_m": max_m}),
    };
    CriterionOutcome {
        field: c.test.name().to_owned(),
        verdict,
        wanted,
        actual: a.actual.to_json(),
        hard: c.hard,
        weight: (!c.hard).then_some(c.weight),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_credit_falls_to_zero_at_a_quarter_outside() {
        assert_eq!(range_credit(50.0, Some(30.0), Some(80.0)), 1.0);
        assert_eq!(range_credit(30.0, Some(30.0), Some(80.0)), 1.0);
        // 88 is 10 % above 80: 1 - 0.1 / 0.25 = 0.6.
        assert!((range_credit(88.0, Some(30.0), Some(80.0)) - 0.6).abs() < 1e-12);
        // 22.5 is 25 % below 30: nothing.
        assert_eq!(range_credit(22.5, Some(30.0), None), 0.0);
        // A bound of 0 counts gaps against 1: 0.1 above gives 1 - 0.1 / 0.25.
        assert!((range_credit(0.1, None, Some(0.0)) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn near_credit_is_linear_to_twice_the_distance() {
        assert_eq!(near_credit(5000.0, 5000.0), 1.0);
        assert_eq!(near_credit(7500.0, 5000.0), 0.5);
        assert_eq!(near_credit(10_000.0, 5000.0), 0.0);
        assert_eq!(near_credit(20_000.0, 5000.0), 0.0);
    }

    #[test]
    fn score_rounds_half_away_from_zero() {
        assert_eq!(score_of(2.0, 3.0), 67);
        assert_eq!(score_of(0.0, 0.0), 100);
        assert_eq!(score_of(1.0, 8.0), 13); // 12.5 rounds up
    }
}
