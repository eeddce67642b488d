//! Site matching: verdicts and scores on a handcrafted map, and hard filters,
//! determinism and ranking on the demo data against brute force.

use geo::{Point, polygon};
use serde_json::json;
use siteatlas_advisor::{
    AdviceError, Criterion, MatchRequest, MatchResponse, Verdict, match_sites,
};
use siteatlas_fixtures::demo;
use siteatlas_tiles::geodesy::{distance_to_shape, geodesic_distance};
use siteatlas_tiles::geojson_io::feature_from_geojson;
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::model::M2_PER_MU;
use siteatlas_tiles::{
    Atlas, Attributes, Factory, FactoryAttrs, FactoryStatus, Feature, LandUse, LayerKind, Park,
    ParkAttrs, Plot, PlotAttrs, PlotStatus, Poi, PoiAttrs, PoiKind, Shape,
};

// ---------------------------------------------------------------------------
// A handcrafted map
// ---------------------------------------------------------------------------

fn square(lon: f64, lat: f64, side_deg: f64) -> Shape {
    Shape::polygon(polygon![
        (x: lon, y: lat), (x: lon + side_deg, y: lat),
        (x: lon + side_deg, y: lat + side_deg / 2.0), (x: lon, y: lat + side_deg / 2.0)
    ])
    .unwrap()
}

fn park(id: u64, code: &str, industries: &[&str], district: &str, lon: f64) -> Park {
    let attrs = ParkAttrs {
        name: format!("{code} park"),
        level: None,
        industries: industries.iter().map(|s| s.to_string()).collect(),
        district: Some(district.into()),
        ..ParkAttrs::default()
    };
    Feature::new(id, code, square(lon, 30.0, 0.05), attrs).unwrap()
}

fn plot(id: u64, park: &str, lon: f64, area_mu: f64, price: f64, status: PlotStatus) -> Plot {
    let attrs = PlotAttrs {
        park: Some(park.into()),
        name: format!("plot {id}"),
        status,
        land_use: LandUse::Industrial,
        area_m2: area_mu * M2_PER_MU,
        price_wan_per_mu: Some(price),
        plot_ratio_min: None,
        plot_ratio_max: Some(2.5),
        building_density_max: None,
        green_ratio_max: None,
        height_limit_m: Some(36.0),
        investment_intensity_wan_per_mu: None,
        tax_per_mu_wan: None,
        energy_per_mu_tce_max: None,
        power_kva: Some(4000.0),
        water: None,
        gas: None,
        steam: None,
        ..Default::default()
    };
    Feature::new(id, format!("P-{id}"), square(lon, 30.0, 0.01), attrs).unwrap()
}

fn factory(id: u64, park: &str, lon: f64, status: FactoryStatus) -> Factory {
    let attrs = FactoryAttrs {
        park: Some(park.into()),
        name: format!("factory {id}"),
        floors: Some(4),
        total_area_m2: Some(8000.0),
        available_area_m2: Some(5000.0),
        clear_height_m: Some(8.0),
        floor_load_kn_m2: Some(10.0),
        crane_t: None,
        rent_yuan_m2_month: Some(20.0),
        status,
        ..Default::default()
    };
    Feature::new(id, format!("F-{id}"), square(lon, 30.0, 0.002), attrs).unwrap()
}

fn exit(id: u64, lon: f64, lat: f64, name: &str) -> Poi {
    let attrs = PoiAttrs {
        kind: PoiKind::HighwayExit,
        name: name.into(),
    };
    Feature::new(
        id,
        format!("E-{id}"),
        Shape::point(lon, lat).unwrap(),
        attrs,
    )
    .unwrap()
}

/// Plot 1 (45 mu, 38 万元/亩) and 2 (88 mu, 45) in CD-WJ-01 (biomedicine,
/// electronics; 温江), plot 3 (50 mu, 30, reserved) in MY-01 (equipment;
/// 涪城), factory 1 in CD-WJ-01; one highway exit east of plot 1. Never
/// listed: plot 4 (sold), plot 5 (withdrawn), factory 2 (fully let).
fn handmade() -> Atlas {
    Atlas {
        parks: LayerIndex::bulk_load([
            park(
                1,
                "CD-WJ-01",
                &["biomedicine", "electronics"],
                "成都市温江区",
                104.0,
            ),
            park(2, "MY-01", &["equipment"], "绵阳市涪城区", 104.2),
        ]),
        plots: LayerIndex::bulk_load([
            plot(1, "CD-WJ-01", 104.0, 45.0, 38.0, PlotStatus::Available),
            plot(2, "CD-WJ-01", 104.02, 88.0, 45.0, PlotStatus::Available),
            plot(3, "MY-01", 104.2, 50.0, 30.0, PlotStatus::Reserved),
            plot(4, "CD-WJ-01", 104.06, 45.0, 38.0, PlotStatus::Transferred),
            plot(5, "CD-WJ-01", 104.08, 45.0, 38.0, PlotStatus::Withdrawn),
        ]),
        factories: LayerIndex::bulk_load([
            factory(1, "CD-WJ-01", 104.04, FactoryStatus::Vacant),
            factory(2, "CD-WJ-01", 104.05, FactoryStatus::Occupied),
        ]),
        pois: LayerIndex::bulk_load([exit(1, 104.03, 30.0025, "温江出口")]),
        ..Atlas::default()
    }
}

fn request(value: serde_json::Value) -> MatchRequest {
    serde_json::from_value(value).expect("a valid request")
}

fn run(atlas: &Atlas, value: serde_json::Value) -> MatchResponse {
    match_sites(atlas, &request(value)).expect("the request is accepted")
}

#[test]
fn verdicts_and_scores_of_a_handcrafted_map() {
    let atlas = handmade();
    let response = run(
        &atlas,
        json!({"include_held": true, "criteria": [
            {"field": "area_mu", "min": 30, "max": 80},
            {"field": "price_wan_per_mu", "max": 40, "weight": 2},
            {"field": "industries", "any_of": ["biomedicine", "food", "logistics"]}
        ]}),
    );
    // Plot 1: area 1, price 1, industries 1/3: (1 + 2 + 1/3) / 4 = 83.3 → 83.
    // Plot 3: area 1, price 1, industries 0:   (1 + 2 + 0) / 4 = 75.
    // Plot 2: area 88 is 10 % above 80: 1 - 0.1/0.25 = 0.6; price 45 is
    //         12.5 % above 40: 0.5; (0.6 + 1 + 1/3) / 4 = 48.3 → 48.
    // Factory 1: no area, no price: 0; industries 1/3: (1/3) / 4 = 8.3 → 8.
    let ranked: Vec<(LayerKind, u64, u32)> = response
        .results
        .iter()
        .map(|r| (r.layer, r.id, r.score))
        .collect();
    assert_eq!(
        ranked,
        [
            (LayerKind::Plots, 1, 83),
            (LayerKind::Plots, 3, 75),
            (LayerKind::Plots, 2, 48),
            (LayerKind::Factories, 1, 8)
        ]
    );
    assert_eq!(response.total, 4);

    let plot2 = &response.results[2];
    let verdicts: Vec<Verdict> = plot2.criteria.iter().map(|c| c.verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Partly, Verdict::Partly, Verdict::Partly]
    );
    assert_eq!(plot2.criteria[0].field, "area_mu");
    assert_eq!(plot2.criteria[0].wanted, json!({"min": 30.0, "max": 80.0}));
    assert_eq!(plot2.criteria[0].actual, json!(88.0));
    assert_eq!(plot2.criteria[1].weight, Some(2.0));
    assert_eq!(
        plot2.criteria[2].actual,
        json!(["biomedicine", "electronics"])
    );
    assert_eq!(plot2.park.as_deref(), Some("CD-WJ-01"));

    let factory = &response.results[3];
    assert_eq!(factory.criteria[0].verdict, Verdict::NotMet);
    assert_eq!(factory.criteria[0].actual, serde_json::Value::Null);

    let plot3 = &response.results[1];
    assert_eq!(plot3.criteria[2].verdict, Verdict::NotMet);
    assert_eq!(plot3.criteria[0].verdict, Verdict::Met);
    assert_eq!((plot3.status.as_str(), plot3.held), ("reserved", true));
    assert_eq!((plot2.status.as_str(), plot2.held), ("available", false));
    assert_eq!((factory.status.as_str(), factory.held), ("vacant", false));
}

#[test]
fn sold_withdrawn_and_let_sites_are_never_listed_and_held_ones_only_when_asked() {
    let atlas = handmade();
    let listed = |include_held: bool, criteria: serde_json::Value| -> Vec<(LayerKind, u64)> {
        let r = run(
            &atlas,
            json!({"include_held": include_held, "criteria": criteria}),
        );
        assert_eq!(r.total, r.results.len());
        r.results.iter().map(|m| (m.layer, m.id)).collect()
    };
    // Plots 4 and 5 would score best on price, factory 2 like factory 1.
    let cheap = json!([{"field": "price_wan_per_mu", "max": 40}]);
    let mut default = listed(false, cheap.clone());
    default.sort();
    assert_eq!(
        default,
        [
            (LayerKind::Plots, 1),
            (LayerKind::Plots, 2),
            (LayerKind::Factories, 1)
        ]
    );
    let mut held = listed(true, cheap);
    held.sort();
    assert_eq!(
        held,
        [
            (LayerKind::Plots, 1),
            (LayerKind::Plots, 2),
            (LayerKind::Plots, 3),
            (LayerKind::Factories, 1)
        ]
    );
    // Hard criteria the sold plots meet do not bring them back.
    let hard = json!([{"field": "district", "any_of": ["温江区"], "hard": true},
                      {"field": "area_mu", "min": 40, "max": 50, "hard": true}]);
    assert_eq!(listed(true, hard), [(LayerKind::Plots, 1)]);
}

#[test]
fn the_demo_match_never_lists_a_sold_or_withdrawn_plot() {
    let atlas = demo_atlas();
    for include_held in [false, true] {
        let r = run(
            &atlas,
            json!({"include_held": include_held, "limit": 200, "criteria": [
                {"field": "price_wan_per_mu", "max": 40}]}),
        );
        let mut held = 0;
        for m in &r.results {
            let status = match m.layer {
                LayerKind::Plots => atlas.plots.get(m.id).unwrap().attrs.status.as_str(),
                _ => atlas.factories.get(m.id).unwrap().attrs.status.as_str(),
            };
            assert_eq!(m.status, status, "{}", m.code);
            assert!(
                ["available", "vacant", "partial", "reserved", "negotiating"].contains(&status),
                "{} is {status}",
                m.code
            );
            assert_eq!(m.held, matches!(status, "reserved" | "negotiating"));
            held += usize::from(m.held);
            assert_ne!(m.code, "LJ2026-14", "sold");
        }
        if include_held {
            assert!(held > 0, "held plots listed when asked");
            assert!(r.results.iter().any(|m| m.code == "LJ2026-11"));
        } else {
            assert_eq!(held, 0);
            assert!(r.results.iter().all(|m| m.code != "LJ2026-11"));
        }
    }
}

#[test]
fn hard_criteria_exclude_and_show_as_met() {
    let atlas = handmade();
    let response = run(
        &atlas,
        json!({"layers": ["plots", "factories"], "criteria": [
            {"field": "available_now", "hard": true},
            {"field": "district", "any_of": ["温江区"], "hard": true},
            {"field": "area_mu", "min": 30, "max": 80, "hard": true},
        ]}),
    );
    // Plot 3 is transferred and in 涪城, plot 2 too large, the factory has no area_mu.
    assert_eq!(response.total, 1);
    let only = &response.results[0];
    assert_eq!(
        (only.layer, only.id, only.score),
        (LayerKind::Plots, 1, 100)
    );
    assert!(
        only.criteria
            .iter()
            .all(|c| c.verdict == Verdict::Met && c.hard && c.weight.is_none())
    );
    assert_eq!(only.criteria[0].actual, json!("available"));
    assert_eq!(only.criteria[1].actual, json!("成都市温江区"));
}

#[test]
fn near_measures_the_geodesic_distance_to_the_nearest_exit() {
    let atlas = handmade();
    // Plot 1 spans lon 104.00-104.01, lat 30.000-30.005: the exit at
    // (104.03, 30.0025) is due east of its east edge.
    let expected = geodesic_distance(Point::new(104.03, 30.0025), Point::new(104.01, 30.0025));
    assert!((1900.0..1950.0).contains(&expected), "{expected}");
    let response = run(
        &atlas,
        json!({"layers": ["plots"], "include_held": true, "criteria": [{"near": "highway_exit", "max_m": 1500}]}),
    );
    let plot1 = response.results.iter().find(|r| r.id == 1).unwrap();
    let near = &plot1.criteria[0];
    assert_eq!(near.field, "near");
    assert_eq!(
        near.wanted,
        json!({"kind": "highway_exit", "max_m": 1500.0})
    );
    assert_eq!(near.actual["distance_m"], json!(expected.round()));
    assert_eq!(near.actual["name"], json!("温江出口"));
    // Credit 2 - d / 1500, between 0 and 1.
    assert_eq!(near.verdict, Verdict::Partly);
    assert_eq!(
        plot1.score,
        (100.0 * (2.0 - expected / 1500.0)).round() as u32
    );
    // Plot 2 (lon 104.02-104.03) touches the exit's meridian: distance 0.
    let plot2 = response.results.iter().find(|r| r.id == 2).unwrap();
    assert_eq!(plot2.criteria[0].actual["distance_m"], json!(0.0));
    assert_eq!(plot2.score, 100);
    // Plot 3 is 17 km away: nothing within 3 km.
    let plot3 = response.results.iter().find(|r| r.id == 3).unwrap();
    assert_eq!(plot3.criteria[0].verdict, Verdict::NotMet);
    assert_eq!(plot3.criteria[0].actual["none_within_m"], json!(3000.0));

    // As a filter at 1500 m, plot 1 (1.9 km) is out and plot 2 in.
    let hard = run(
        &atlas,
        json!({"layers": ["plots"], "criteria": [{"near": "highway_exit", "max_m": 1500, "hard": true}]}),
    );
    let ids: Vec<u64> = hard.results.iter().map(|r| r.id).collect();
    assert_eq!(ids, [2]);
}

// ---------------------------------------------------------------------------
// The demo data
// ---------------------------------------------------------------------------

fn demo_layer<A: Attributes>(geojson: &str) -> Vec<Feature<A>> {
    let collection: geojson::FeatureCollection = geojson.parse().expect("demo GeoJSON parses");
    (collection.features.iter().enumerate())
        .map(|(i, f)| feature_from_geojson::<A>(i as u64 + 1, f).expect("demo feature is valid"))
        .collect()
}

fn demo_atlas() -> Atlas {
    Atlas {
        parks: LayerIndex::bulk_load(demo_layer(demo::PARKS)),
        plots: LayerIndex::bulk_load(demo_layer(demo::PLOTS)),
        factories: LayerIndex::bulk_load(demo_layer(demo::FACTORIES)),
        pois: LayerIndex::bulk_load(demo_layer(demo::POIS)),
        ..Atlas::default()
    }
}

/// The typical investor's request of the brief.
fn typical() -> serde_json::Value {
    json!({"layers": ["plots", "factories"], "criteria": [
        {"field": "area_mu", "min": 30, "max": 80},
        {"field": "price_wan_per_mu", "max": 40, "weight": 2},
        {"field": "industries", "any_of": ["biomedicine"]},
        {"near": "highway_exit", "max_m": 5000},
        {"field": "available_now", "hard": true},
        {"field": "district", "any_of": ["温江区"]},
        {"field": "park", "any_of": ["WJ-MED"]},
        {"field": "rent_yuan_m2_month", "max": 30, "weight": 0.5}
    ], "limit": 200})
}

fn scores(r: &MatchResponse) -> Vec<(LayerKind, u64, u32)> {
    r.results.iter().map(|r| (r.layer, r.id, r.score)).collect()
}

#[test]
fn ranking_is_deterministic_and_ignores_criteria_order() {
    let atlas = demo_atlas();
    let first = run(&atlas, typical());
    assert!(
        first.total > 10,
        "demo data should offer sites: {}",
        first.total
    );
    assert_eq!(first, run(&atlas, typical()));

    let mut shuffled = request(typical());
    shuffled.criteria.reverse();
    shuffled.criteria.swap(0, 3);
    let other = match_sites(&atlas, &shuffled).unwrap();
    assert_eq!(scores(&first), scores(&other));
    assert_eq!(first.total, other.total);

    // Sorted by score descending, then layer, then id.
    for pair in first.results.windows(2) {
        let key = |r: &siteatlas_advisor::SiteMatch| (std::cmp::Reverse(r.score), r.layer, r.id);
        assert!(key(&pair[0]) < key(&pair[1]));
    }
    // Scores vary: the request tells sites apart.
    assert!(first.results.first().unwrap().score > first.results.last().unwrap().score);
}

#[test]
fn a_short_page_is_the_head_of_the_long_one() {
    // The short page skips distances that cannot reach it: it must agree.
    let atlas = demo_atlas();
    let long = run(&atlas, typical());
    for limit in [1, 3, 7, 20] {
        let mut short = request(typical());
        short.limit = Some(limit);
        let short = match_sites(&atlas, &short).unwrap();
        assert_eq!(short.total, long.total);
        assert_eq!(
            short.results[..],
            long.results[..limit.min(long.results.len())]
        );
    }
}

/// Park code, shape, numeric fields, availability and land use of a site.
type SiteView<'a> = (
    Option<String>,
    Shape,
    Vec<(&'a str, Option<f64>)>,
    bool,
    Option<&'a str>,
);

/// Whether a site passes a hard criterion, computed directly.
fn brute_force_passes(atlas: &Atlas, layer: LayerKind, id: u64, c: &Criterion) -> bool {
    let (park_code, shape, numbers, available, land_use): SiteView<'_> = match layer {
        LayerKind::Plots => {
            let p = atlas.plots.get(id).unwrap();
            let a = &p.attrs;
            (
                a.park.clone(),
                p.shape.clone(),
                vec![
                    ("area_mu", Some(a.area_m2 / M2_PER_MU)),
                    ("price_wan_per_mu", a.price_wan_per_mu),
                    ("power_kva", a.power_kva),
                ],
                a.status == PlotStatus::Available,
                Some(a.land_use.as_str()),
            )
        }
        _ => {
            let f = atlas.factories.get(id).unwrap();
            let a = &f.attrs;
            (
                a.park.clone(),
                f.shape.clone(),
                vec![
                    ("clear_height_m", a.clear_height_m),
                    ("rent_yuan_m2_month", a.rent_yuan_m2_month),
                ],
                a.status != FactoryStatus::Occupied,
                None,
            )
        }
    };
    let park = atlas
        .parks
        .iter()
        .find(|e| Some(&e.feature.code) == park_code.as_ref());
    if let Some(kind) = &c.near {
        let kind: PoiKind = kind.parse().unwrap();
        return atlas
            .pois
            .iter()
            .filter(|e| e.feature.attrs.kind == kind)
            .any(|e| distance_to_shape(e.feature.anchor(), &shape) <= c.max_m.unwrap());
    }
    let any_of = c.any_of.clone().unwrap_or_default();
    match c.field.as_deref().unwrap() {
        "available_now" => available,
        "land_use" => land_use.is_some_and(|l| any_of.iter().any(|w| w == l)),
        "park" => park_code.is_some_and(|p| any_of.contains(&p)),
        "district" => park
            .and_then(|p| p.feature.attrs.district.clone())
            .is_some_and(|d| any_of.iter().any(|w| d.contains(w.as_str()))),
        "industries" => park.is_some_and(|p| {
            any_of
                .iter()
                .all(|w| p.feature.attrs.industries.contains(w))
        }),
        field => {
            let value = numbers
                .iter()
                .find(|(n, _)| *n == field)
                .and_then(|(_, v)| *v);
            value.is_some_and(|v| c.min.is_none_or(|lo| v >= lo) && c.max.is_none_or(|hi| v <= hi))
        }
    }
}

#[test]
fn hard_filters_agree_with_brute_force() {
    let atlas = demo_atlas();
    let cases = [
        json!([{"field": "available_now", "hard": true}]),
        json!([{"field": "area_mu", "min": 30, "max": 80, "hard": true}]),
        json!([{"field": "area_mu", "min": 30, "hard": true}, {"field": "available_now", "hard": true},
               {"field": "land_use", "any_of": ["industrial", "rnd"], "hard": true}]),
        json!([{"near": "highway_exit", "max_m": 3000, "hard": true}]),
        json!([{"near": "substation", "max_m": 2000, "hard": true}, {"field": "available_now", "hard": true}]),
        json!([{"field": "industries", "any_of": ["biomedicine"], "hard": true}]),
        json!([{"field": "industries", "any_of": ["electronics", "equipment"], "hard": true}]),
        json!([{"field": "district", "any_of": ["两江新区"], "hard": true},
               {"field": "price_wan_per_mu", "max": 40, "hard": true}]),
        json!([{"field": "park", "any_of": ["WJ-MED", "MY-FCI"], "hard": true},
               {"field": "clear_height_m", "min": 8, "hard": true}]),
        json!([{"field": "rent_yuan_m2_month", "max": 25, "hard": true},
               {"near": "highway_exit", "max_m": 6000, "hard": true}]),
    ];
    let mut nonempty = 0;
    for criteria in cases {
        let req = request(json!({"criteria": criteria, "limit": 200}));
        let response = match_sites(&atlas, &req).unwrap();
        let mut expected: Vec<(LayerKind, u64)> = Vec::new();
        for layer in [LayerKind::Plots, LayerKind::Factories] {
            let ids: Vec<u64> = match layer {
                LayerKind::Plots => atlas.plots.iter().map(|e| e.feature.id).collect(),
                _ => atlas.factories.iter().map(|e| e.feature.id).collect(),
            };
            for id in ids {
                // Only what can be had now is listed.
                let on_offer = match layer {
                    LayerKind::Plots => {
                        atlas.plots.get(id).unwrap().attrs.status == PlotStatus::Available
                    }
                    _ => atlas.factories.get(id).unwrap().attrs.status != FactoryStatus::Occupied,
                };
                if on_offer
                    && req
                        .criteria
                        .iter()
                        .all(|c| brute_force_passes(&atlas, layer, id, c))
                {
                    expected.push((layer, id));
                }
            }
        }
        expected.sort();
        let mut got: Vec<(LayerKind, u64)> =
            response.results.iter().map(|r| (r.layer, r.id)).collect();
        got.sort();
        assert_eq!(got, expected, "{criteria}");
        assert_eq!(response.total, expected.len(), "{criteria}");
        nonempty += usize::from(!expected.is_empty());
    }
    assert!(nonempty >= 8, "most cases should keep some sites");
}

#[test]
fn industry_fit_counts_the_overlap() {
    let atlas = demo_atlas();
    // WJ-HXP has food, electronics and biomedicine; MY-FCI auto_electronics,
    // electronics and equipment.
    let response = run(
        &atlas,
        json!({"criteria": [{"field": "industries", "any_of": ["biomedicine", "electronics", "food"]}],
               "limit": 200}),
    );
    // Every site on offer now: available plots, factories not fully let.
    let on_offer = (atlas.plots.iter())
        .filter(|e| e.feature.attrs.status == PlotStatus::Available)
        .count()
        + (atlas.factories.iter())
            .filter(|e| e.feature.attrs.status != FactoryStatus::Occupied)
            .count();
    assert_eq!(response.total, on_offer);
    for r in &response.results {
        let park = atlas
            .parks
            .iter()
            .find(|e| Some(&e.feature.code) == r.park.as_ref())
            .map(|e| e.feature.attrs.industries.clone())
            .unwrap_or_default();
        let overlap = ["biomedicine", "electronics", "food"]
            .iter()
            .filter(|w| park.iter().any(|i| i == *w))
            .count();
        let expected = (100.0 * overlap as f64 / 3.0).round() as u32;
        assert_eq!(r.score, expected, "{} in {:?}", r.code, r.park);
        let verdict = match overlap {
            3 => Verdict::Met,
            0 => Verdict::NotMet,
            _ => Verdict::Partly,
        };
        assert_eq!(r.criteria[0].verdict, verdict);
    }
    assert!(
        response
            .results
            .iter()
            .any(|r| r.park.as_deref() == Some("WJ-HXP") && r.score == 100)
    );
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn refused(value: serde_json::Value) -> AdviceError {
    let req: MatchRequest = serde_json::from_value(value).unwrap();
    match_sites(&handmade(), &req).expect_err("the request is refused")
}

#[test]
fn unknown_fields_are_refused_with_the_known_ones() {
    let err = refused(
        json!({"criteria": [{"field": "area_mu", "min": 1}, {"field": "acreage", "min": 1}]}),
    );
    assert!(
        matches!(&err, AdviceError::UnknownField { index: 1, field, .. } if field == "acreage"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("acreage") && message.contains("area_mu") && message.contains("near"));

    // Unknown keys are refused by the parser.
    let err = MatchRequest::from_json(r#"{"criteria": [{"field": "area_mu", "minimum": 3}]}"#)
        .unwrap_err();
    assert!(err.to_string().contains("minimum"), "{err}");
    let err = MatchRequest::from_json(r#"{"criteria": [], "page": 2}"#).unwrap_err();
    assert!(err.to_string().contains("page"), "{err}");
}

#[test]
fn bad_values_are_refused_naming_the_criterion() {
    let cases = [
        (
            json!({"criteria": [{"field": "area_mu", "min": 80, "max": 30}]}),
            "area_mu",
        ),
        (json!({"criteria": [{"field": "area_mu"}]}), "area_mu"),
        (
            json!({"criteria": [{"field": "area_mu", "any_of": ["x"]}]}),
            "area_mu",
        ),
        (
            json!({"criteria": [{"field": "industries", "any_of": []}]}),
            "industries",
        ),
        (
            json!({"criteria": [{"field": "land_use", "any_of": ["farm"]}]}),
            "farm",
        ),
        (
            json!({"criteria": [{"field": "price_wan_per_mu", "max": 3, "weight": 0}]}),
            "weight",
        ),
        (
            json!({"criteria": [{"field": "price_wan_per_mu", "max": 3, "weight": -1}]}),
            "weight",
        ),
        (
            json!({"criteria": [{"field": "price_wan_per_mu", "max": 3, "hard": true, "weight": 2}]}),
            "hard",
        ),
        (
            json!({"criteria": [{"near": "spaceport", "max_m": 10}]}),
            "spaceport",
        ),
        (json!({"criteria": [{"near": "port", "max_m": 0}]}), "max_m"),
        (
            json!({"criteria": [{"near": "port", "max_m": 200000}]}),
            "max_m",
        ),
        (json!({"criteria": [{"near": "port"}]}), "max_m"),
        (
            json!({"criteria": [{"near": "port", "max_m": 10, "field": "park"}]}),
            "either",
        ),
        (
            json!({"criteria": [{"field": "available_now", "min": 1}]}),
            "available_now",
        ),
        (json!({"limit": 0}), "limit"),
        (json!({"limit": 201}), "limit"),
        (json!({"layers": []}), "layers"),
        (json!({"layers": ["pois"]}), "pois"),
    ];
    for (value, needle) in cases {
        let message = refused(value.clone()).to_string();
        assert!(message.contains(needle), "{value}: {message}");
    }
    let err = MatchRequest::from_json(r#"{"include_held": "yes"}"#).unwrap_err();
    assert!(err.to_string().contains("boolean"), "{err}");
    // Numbers JSON cannot carry, from Rust callers.
    let req = MatchRequest {
        layers: vec![LayerKind::Plots],
        criteria: vec![Criterion {
            field: Some("area_mu".into()),
            min: Some(f64::NAN),
            ..Criterion::default()
        }],
        limit: None,
        include_held: false,
        plan: None,
    };
    let err = match_sites(&handmade(), &req).unwrap_err();
    assert!(err.to_string().contains("finite"), "{err}");
}
