//! Standard-land compliance, on plots and plans worked by hand: each
//! indicator passing, failing by a known amount, at its exact bound and
//! without the plan's figure; in the policy estimate and in site matching.

use geo::polygon;
use serde_json::{Value, json};
use siteatlas_advisor::compliance::{Bound, Required, check_plan};
use siteatlas_advisor::{
    AdviceError, Compliance, Indicator, Indicators, MatchRequest, Plan, PolicyRules, SiteFacts,
    Verdict, estimate, match_sites,
};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::model::M2_PER_MU;
use siteatlas_tiles::{
    Atlas, Factory, FactoryAttrs, FactoryStatus, Feature, LandUse, Plot, PlotAttrs, PlotStatus,
    Shape,
};

fn square(lon: f64) -> Shape {
    Shape::polygon(polygon![
        (x: lon, y: 30.0), (x: lon + 0.002, y: 30.0),
        (x: lon + 0.002, y: 30.001), (x: lon, y: 30.001)
    ])
    .unwrap()
}

/// A plot of `area_m2` with the given indicators.
fn plot(id: u64, area_m2: f64, indicators: Indicators) -> Plot {
    let attrs = PlotAttrs {
        park: Some("P".into()),
        name: format!("plot {id}"),
        status: PlotStatus::Available,
        land_use: LandUse::Industrial,
        area_m2,
        price_wan_per_mu: Some(30.0),
        plot_ratio_min: indicators.plot_ratio_min,
        plot_ratio_max: indicators.plot_ratio_max,
        building_density_max: None,
        green_ratio_max: None,
        height_limit_m: None,
        investment_intensity_wan_per_mu: indicators.investment_intensity_wan_per_mu,
        tax_per_mu_wan: indicators.tax_per_mu_wan,
        energy_per_mu_tce_max: indicators.energy_per_mu_tce_max,
        power_kva: None,
        water: None,
        gas: None,
        steam: None,
        ..Default::default()
    };
    Feature::new(
        id,
        format!("P-{id}"),
        square(104.0 + id as f64 * 0.01),
        attrs,
    )
    .unwrap()
}

fn factory(id: u64) -> Factory {
    let attrs = FactoryAttrs {
        park: Some("P".into()),
        name: format!("factory {id}"),
        floors: Some(3),
        total_area_m2: Some(6000.0),
        available_area_m2: Some(6000.0),
        clear_height_m: None,
        floor_load_kn_m2: None,
        crane_t: None,
        rent_yuan_m2_month: Some(20.0),
        status: FactoryStatus::Vacant,
        ..Default::default()
    };
    Feature::new(id, format!("F-{id}"), square(105.0), attrs).unwrap()
}

/// 投资强度 ≥ 350 万元/亩, 亩均税收 ≥ 30 万元/亩/年, 容积率 1.2-2.5, 亩均能耗 ≤ 1.2 tce.
const ALL_FOUR: Indicators = Indicators {
    investment_intensity_wan_per_mu: Some(350.0),
    tax_per_mu_wan: Some(30.0),
    plot_ratio_min: Some(1.2),
    plot_ratio_max: Some(2.5),
    energy_per_mu_tce_max: Some(1.2),
};

/// Exactly 20 亩: 20 × 666.67 = 13 333.4 m².
const TWENTY_MU_M2: f64 = 13_333.4;

fn plan(investment: f64, tax: f64, floor: Option<f64>, energy: Option<f64>) -> Plan {
    Plan {
        investment_wan: investment,
        expected_tax_wan: tax,
        floor_area_m2: floor,
        energy_tce: energy,
        ..Plan::default()
    }
}

/// The checks of a plan on the 20-mu plot with all four indicators, through
/// the estimate as the server calls it.
fn on_twenty_mu(plan: &Plan) -> Compliance {
    let site = SiteFacts::from_plot(&plot(1, TWENTY_MU_M2, ALL_FOUR));
    assert!((site.area_mu.unwrap() - 20.0).abs() < 1e-9);
    let rules = PolicyRules {
        park: "P".into(),
        rules: Vec::new(),
    };
    estimate(&rules, site, plan).compliance
}

fn find(c: &Compliance, indicator: Indicator) -> &siteatlas_advisor::IndicatorCheck {
    (c.checks.iter())
        .find(|k| k.indicator == indicator)
        .unwrap_or_else(|| panic!("{indicator:?} is checked"))
}

#[test]
fn a_plan_that_meets_every_indicator() {
    // 8 000 万元 / 20 亩 = 400 ≥ 350; 700 / 20 = 35 ≥ 30;
    // 26 666.8 m² / 13 333.4 m² = 2.0 in [1.2, 2.5]; 20 tce / 20 = 1.0 ≤ 1.2.
    let c = on_twenty_mu(&plan(8000.0, 700.0, Some(26_666.8), Some(20.0)));
    assert_eq!(c.compliant, Some(true));
    let order: Vec<Indicator> = c.checks.iter().map(|k| k.indicator).collect();
    assert_eq!(
        order,
        [
            Indicator::InvestmentIntensity,
            Indicator::TaxPerMu,
            Indicator::PlotRatio,
            Indicator::EnergyPerMu
        ]
    );
    for (indicator, planned, required) in [
        (
            Indicator::InvestmentIntensity,
            400.0,
            Required::Bound(350.0),
        ),
        (Indicator::TaxPerMu, 35.0, Required::Bound(30.0)),
        (
            Indicator::PlotRatio,
            2.0,
            Required::Range {
                min: Some(1.2),
                max: Some(2.5),
            },
        ),
        (Indicator::EnergyPerMu, 1.0, Required::Bound(1.2)),
    ] {
        let k = find(&c, indicator);
        assert_eq!(k.planned, Some(planned), "{indicator:?}");
        assert_eq!(k.required, required, "{indicator:?}");
        assert_eq!(k.pass, Some(true), "{indicator:?}");
        assert_eq!((k.shortfall, k.bound, &k.reason), (None, None, &None));
    }
}

#[test]
fn failures_say_by_how_much() {
    // 5 600 / 20 = 280: 70 short of 350. 500 / 20 = 25: 5 short of 30.
    // 13 333.4 m² on 13 333.4 m² = 1.0: 0.2 below the minimum 1.2.
    // 30 tce / 20 = 1.5: 0.3 above the limit 1.2.
    let c = on_twenty_mu(&plan(5600.0, 500.0, Some(13_333.4), Some(30.0)));
    assert_eq!(c.compliant, Some(false));
    for (indicator, planned, shortfall, bound) in [
        (Indicator::InvestmentIntensity, 280.0, 70.0, None),
        (Indicator::TaxPerMu, 25.0, 5.0, None),
        (Indicator::PlotRatio, 1.0, 0.2, Some(Bound::Min)),
        (Indicator::EnergyPerMu, 1.5, 0.3, None),
    ] {
        let k = find(&c, indicator);
        assert_eq!(k.pass, Some(false), "{indicator:?}");
        assert_eq!(k.planned, Some(planned), "{indicator:?}");
        assert_eq!(k.shortfall, Some(shortfall), "{indicator:?}");
        assert_eq!(k.bound, bound, "{indicator:?}");
    }
    // 40 000.2 m² = 3.0 times the plot: 0.5 above the maximum 2.5.
    let c = on_twenty_mu(&plan(8000.0, 700.0, Some(40_000.2), Some(20.0)));
    let k = find(&c, Indicator::PlotRatio);
    assert_eq!(
        (k.pass, k.planned, k.shortfall, k.bound),
        (Some(false), Some(3.0), Some(0.5), Some(Bound::Max))
    );
    assert_eq!(c.compliant, Some(false));
    // Only the failing one fails.
    assert!(
        (c.checks.iter())
            .filter(|k| k.indicator != Indicator::PlotRatio)
            .all(|k| k.pass == Some(true))
    );
}

#[test]
fn the_exact_bound_passes() {
    // 7 000 / 20 = 350; 600 / 20 = 30; 16 000.08 m² = 1.2 and 33 333.5 m² =
    // 2.5 times 13 333.4 m²; 24 tce / 20 = 1.2.
    for floor in [16_000.08, 33_333.5] {
        let c = on_twenty_mu(&plan(7000.0, 600.0, Some(floor), Some(24.0)));
        assert_eq!(c.compliant, Some(true), "{floor} m²: {c:?}");
        assert!(c.checks.iter().all(|k| k.shortfall.is_none()));
    }
    // A hundredth below is a failure of at least 0.01, never a shortfall of 0.
    let c = on_twenty_mu(&plan(6999.9, 600.0, Some(16_000.08), Some(24.0)));
    let k = find(&c, Indicator::InvestmentIntensity);
    assert_eq!((k.pass, k.shortfall), (Some(false), Some(0.01)));
}

#[test]
fn figures_the_plan_lacks_are_not_guessed() {
    // No tax (0 is how an empty field arrives), no floor area, no energy.
    let c = on_twenty_mu(&plan(8000.0, 0.0, None, None));
    assert_eq!(c.compliant, None, "nothing fails, three cannot be judged");
    assert_eq!(find(&c, Indicator::InvestmentIntensity).pass, Some(true));
    for (indicator, words) in [
        (Indicator::TaxPerMu, "纳税"),
        (Indicator::PlotRatio, "建筑面积"),
        (Indicator::EnergyPerMu, "能耗"),
    ] {
        let k = find(&c, indicator);
        assert_eq!((k.pass, k.planned, k.shortfall), (None, None, None));
        let reason = k.reason.as_deref().expect("a reason");
        assert!(reason.contains(words), "{indicator:?}: {reason}");
    }
    // One failure makes the whole plan non-compliant, unknowns or not.
    let c = on_twenty_mu(&plan(5600.0, 0.0, None, None));
    assert_eq!(c.compliant, Some(false));
}

#[test]
fn only_the_indicators_a_plot_sets_are_listed() {
    let only_energy = Indicators {
        energy_per_mu_tce_max: Some(0.5),
        ..Indicators::default()
    };
    let c = check_plan(&only_energy, Some(10.0), &plan(1.0, 0.0, None, Some(5.0)));
    assert_eq!(c.checks.len(), 1);
    assert_eq!(c.checks[0].indicator, Indicator::EnergyPerMu);
    assert_eq!(
        c.checks[0].pass,
        Some(true),
        "5 tce / 10 亩 = 0.5, the limit"
    );
    // A plot ratio with a maximum only.
    let max_only = Indicators {
        plot_ratio_max: Some(2.0),
        ..Indicators::default()
    };
    let c = check_plan(
        &max_only,
        Some(10.0),
        &plan(1.0, 0.0, Some(10.0 * M2_PER_MU), None),
    );
    assert_eq!(
        c.checks[0].required,
        Required::Range {
            min: None,
            max: Some(2.0)
        }
    );
    assert_eq!(c.checks[0].planned, Some(1.0));
    // Not standard land: nothing required, nothing listed, compliant.
    let c = check_plan(
        &Indicators::default(),
        Some(10.0),
        &plan(1.0, 0.0, None, None),
    );
    assert!(c.checks.is_empty());
    assert_eq!(c.compliant, Some(true));
}

#[test]
fn areas_are_converted_to_mu_at_666_67_square_metres() {
    assert_eq!(M2_PER_MU, 666.67);
    // 10 000 m² is 14.99993 亩, not 15: 5 250 万元 gives 350.0016 万元/亩.
    let hectare = Indicators {
        investment_intensity_wan_per_mu: Some(350.0),
        plot_ratio_min: Some(2.0),
        ..Indicators::default()
    };
    let site = SiteFacts::from_plot(&plot(1, 10_000.0, hectare));
    let c = check_plan(
        &site.indicators,
        site.area_mu,
        &plan(5250.0, 0.0, Some(20_000.0), None),
    );
    let k = find(&c, Indicator::InvestmentIntensity);
    assert_eq!((k.pass, k.planned), (Some(true), Some(350.0)));
    // 5 249.9 万元 is 349.995: short by 0.0052, shown as 0.01.
    let c = check_plan(
        &site.indicators,
        site.area_mu,
        &plan(5249.9, 0.0, Some(20_000.0), None),
    );
    let k = find(&c, Indicator::InvestmentIntensity);
    assert_eq!((k.pass, k.shortfall), (Some(false), Some(0.01)));
    // The plot ratio is floor over land in m²: 20 000 / 10 000 = 2.0, the minimum.
    assert_eq!(find(&c, Indicator::PlotRatio).pass, Some(true));
    assert_eq!(find(&c, Indicator::PlotRatio).planned, Some(2.0));
}

#[test]
fn the_plots_own_area_counts_not_the_plans() {
    // The plan takes 10 亩 for its incentives; the 20-mu plot's indicators
    // are met on all 20: 8 000 / 20 = 400, not 800.
    let p = Plan {
        area_mu: Some(10.0),
        ..plan(8000.0, 700.0, Some(26_666.8), Some(20.0))
    };
    let site = SiteFacts::from_plot(&plot(1, TWENTY_MU_M2, ALL_FOUR));
    let rules = PolicyRules {
        park: "P".into(),
        rules: Vec::new(),
    };
    let e = estimate(&rules, site, &p);
    assert_eq!(e.investment_intensity_wan_per_mu, Some(800.0));
    assert_eq!(
        find(&e.compliance, Indicator::InvestmentIntensity).planned,
        Some(400.0)
    );
}

#[test]
fn factories_have_no_indicators() {
    let rules = PolicyRules {
        park: "P".into(),
        rules: Vec::new(),
    };
    let e = estimate(
        &rules,
        SiteFacts::from_factory(&factory(1)),
        &plan(100.0, 0.0, None, Some(99.0)),
    );
    assert!(e.compliance.checks.is_empty());
    assert_eq!(e.compliance.compliant, Some(true));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["compliance"], json!([]));
    assert_eq!(json["compliant"], json!(true));
}

#[test]
fn the_estimate_answers_in_the_documented_shape() {
    let rules = PolicyRules {
        park: "P".into(),
        rules: Vec::new(),
    };
    let site = SiteFacts::from_plot(&plot(1, TWENTY_MU_M2, ALL_FOUR));
    let e = estimate(&rules, site, &plan(5600.0, 0.0, Some(26_666.8), None));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["compliant"], json!(false));
    assert_eq!(
        json["compliance"][0],
        json!({"indicator": "investment_intensity", "required": 350.0, "planned": 280.0,
               "pass": false, "shortfall": 70.0, "unit": "万元/亩",
               "label_zh": "投资强度", "label_en": "Investment intensity"})
    );
    assert_eq!(json["compliance"][1]["pass"], Value::Null);
    assert_eq!(json["compliance"][1]["planned"], Value::Null);
    assert!(json["compliance"][1]["reason"].is_string());
    assert_eq!(
        json["compliance"][2]["required"],
        json!({"min": 1.2, "max": 2.5})
    );
    assert_eq!(json["compliance"][2]["pass"], json!(true));
    assert_eq!(json["compliance"][3]["unit"], "吨标准煤/亩/年");
}

#[test]
fn a_negative_or_unknown_energy_figure_is_refused() {
    let err = Plan::from_json(r#"{"investment_wan": 1, "energy_tce": -1}"#).unwrap_err();
    assert!(
        matches!(
            err,
            AdviceError::InvalidPlan {
                field: "energy_tce",
                ..
            }
        ),
        "{err}"
    );
    let err = Plan::from_json(r#"{"investment_wan": 1, "energy_tce": "a lot"}"#).unwrap_err();
    assert!(err.to_string().contains("energy_tce"), "{err}");
}

// ---------------------------------------------------------------------------
// Site matching
// ---------------------------------------------------------------------------

/// Plot 1: 20 亩, 投资强度 ≥ 350; plot 2: 25 亩, the same; plot 3: 20 亩, not
/// standard land; factory 1.
fn atlas() -> Atlas {
    let intensity = Indicators {
        investment_intensity_wan_per_mu: Some(350.0),
        ..Indicators::default()
    };
    Atlas {
        plots: LayerIndex::bulk_load([
            plot(1, TWENTY_MU_M2, intensity),
            plot(2, 25.0 * M2_PER_MU, intensity),
            plot(3, TWENTY_MU_M2, Indicators::default()),
        ]),
        factories: LayerIndex::bulk_load([factory(1)]),
        ..Atlas::default()
    }
}

fn run(body: Value) -> siteatlas_advisor::MatchResponse {
    let request: MatchRequest = serde_json::from_value(body).expect("a valid request");
    match_sites(&atlas(), &request).expect("accepted")
}

#[test]
fn a_failed_indicator_lowers_the_score_and_says_why() {
    // 7 000 万元: 350 on 20 亩 (passes at the bound), 280 on 25 亩: 20 % short,
    // credit 1 - 0.2 / 0.25 = 0.2. With available_now (credit 1, weight 1)
    // and compliance (weight 1): plot 2 scores 100 × (1 + 0.2) / 2 = 60.
    let response = run(json!({"criteria": [{"field": "available_now"}],
                              "plan": {"investment_wan": 7000}}));
    assert_eq!(response.total, 4, "a failing site is still listed");
    let scores: Vec<(String, u32)> = (response.results.iter())
        .map(|r| (r.code.clone(), r.score))
        .collect();
    assert_eq!(
        scores,
        [
            ("P-1".to_owned(), 100),
            ("P-3".to_owned(), 100),
            ("F-1".to_owned(), 100),
            ("P-2".to_owned(), 60)
        ]
    );
    let failing = &response.results[3];
    let reason = failing.criteria.last().unwrap();
    assert_eq!(reason.field, "compliance");
    assert_eq!(reason.verdict, Verdict::Partly);
    assert_eq!(
        reason.wanted,
        json!({"investment_intensity": {"min": 350.0}})
    );
    assert_eq!(reason.actual, json!({"investment_intensity": 280.0}));
    assert_eq!((reason.hard, reason.weight), (false, Some(1.0)));
    let compliance = failing.compliance.as_ref().expect("checked");
    assert_eq!(compliance.compliant, Some(false));
    assert_eq!(compliance.checks[0].shortfall, Some(70.0));
    // The passing plot: met; the factory and the plain plot: nothing to check.
    let by_code = |code: &str| response.results.iter().find(|r| r.code == code).unwrap();
    assert_eq!(
        by_code("P-1").criteria.last().unwrap().verdict,
        Verdict::Met
    );
    for code in ["P-3", "F-1"] {
        let r = by_code(code);
        let c = r.compliance.as_ref().unwrap();
        assert!(c.checks.is_empty(), "{code}");
        assert_eq!(c.compliant, Some(true), "{code}");
        assert_eq!(r.criteria.last().unwrap().wanted, json!({}), "{code}");
    }
    let json = serde_json::to_value(failing).unwrap();
    assert_eq!(json["compliant"], json!(false));
    assert_eq!(json["compliance"][0]["indicator"], "investment_intensity");
}

#[test]
fn a_plot_missed_by_a_quarter_or_more_gets_nothing_for_compliance() {
    // 6 000 / 25 = 240: 31 % short, credit 0; compliance alone scores 0.
    let response = run(json!({"plan": {"investment_wan": 6000}, "layers": ["plots"]}));
    let p2 = response.results.iter().find(|r| r.code == "P-2").unwrap();
    assert_eq!(p2.score, 0);
    assert_eq!(p2.criteria.last().unwrap().verdict, Verdict::NotMet);
    // 6 000 / 20 = 300: 14.3 % short of 350, credit 1 - 0.142857 / 0.25 = 0.4286: 43.
    let p1 = response.results.iter().find(|r| r.code == "P-1").unwrap();
    assert_eq!(p1.score, 43);
}

#[test]
fn without_a_plan_nothing_is_checked() {
    let response = run(json!({"criteria": [{"field": "available_now"}]}));
    assert!(
        response
            .results
            .iter()
            .all(|r| r.score == 100 && r.compliance.is_none() && r.criteria.len() == 1)
    );
    let json = serde_json::to_value(&response.results[0]).unwrap();
    assert!(json.get("compliance").is_none() && json.get("compliant").is_none());
}

#[test]
fn a_match_refuses_an_invalid_plan_naming_the_field() {
    for plan in [
        json!({"investment_wan": 1, "energy_tce": -2}),
        json!({"investment_wan": 1, "energy_tce": "2"}),
    ] {
        let err = MatchRequest::from_json(&json!({ "plan": plan }).to_string()).unwrap_err();
        assert!(err.to_string().contains("plan field `energy_tce`"), "{err}");
    }
    let err = MatchRequest::from_json(r#"{"plan": {"investment": 1}}"#).unwrap_err();
    assert!(err.to_string().contains("investment"), "{err}");
}
