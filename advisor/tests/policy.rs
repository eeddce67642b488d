//! The policy calculator, on worked examples computed by hand.

use siteatlas_advisor::policy::FACTORY_PLOT_RATIO;
use siteatlas_advisor::{
    AdviceError, Estimate, Indicators, Plan, PolicyRules, SiteFacts, estimate,
};
use siteatlas_tiles::LayerKind;
use siteatlas_tiles::model::M2_PER_MU;

const RULES: &str = r#"{"park": "CD-WJ-01", "rules": [
 {"id": "land-discount", "name": "土地出让价格优惠", "kind": "land_price_discount", "applies_to": ["plots"],
  "steps": [{"min_investment_intensity_wan_per_mu": 300, "discount_pct": 10},
            {"min_investment_intensity_wan_per_mu": 500, "discount_pct": 20}]},
 {"id": "rent-free", "name": "厂房租金减免", "kind": "rent_free_months", "applies_to": ["factories"],
  "steps": [{"min_tax_per_mu_wan": 20, "months": 6}, {"min_tax_per_mu_wan": 40, "months": 12}]},
 {"id": "jobs", "name": "新增就业补贴", "kind": "per_job_subsidy", "yuan_per_job": 5000, "cap_wan": 200},
 {"id": "equipment", "name": "设备投资补助", "kind": "investment_share", "share_pct": 5,
  "min_investment_wan": 10000, "cap_wan": 1000}
]}"#;

fn rules() -> PolicyRules {
    PolicyRules::from_json(RULES).expect("the example rules are valid")
}

/// A 45-mu plot at 38 万元/亩 in the rules' park.
fn plot() -> SiteFacts {
    SiteFacts {
        layer: LayerKind::Plots,
        park: Some("CD-WJ-01".into()),
        area_mu: Some(45.0),
        price_wan_per_mu: Some(38.0),
        rent_yuan_m2_month: None,
        available_area_m2: None,
        indicators: Indicators::default(),
    }
}

/// A factory at 25 元/m²/month with 2 000 m² free.
fn factory() -> SiteFacts {
    SiteFacts {
        layer: LayerKind::Factories,
        park: Some("CD-WJ-01".into()),
        area_mu: None,
        price_wan_per_mu: None,
        rent_yuan_m2_month: Some(25.0),
        available_area_m2: Some(2000.0),
        indicators: Indicators::default(),
    }
}

fn rule<'a>(e: &'a Estimate, id: &str) -> &'a siteatlas_advisor::RuleEstimate {
    e.rules.iter().find(|r| r.id == id).expect("rule present")
}

#[test]
fn land_discount_by_intensity_step() {
    // 18 900 万元 on 45 亩 = 420 万元/亩 ≥ 300: 10 % of 45 × 38 = 171 万元.
    let plan = Plan {
        investment_wan: 18_900.0,
        ..Plan::default()
    };
    let e = estimate(&rules(), plot(), &plan);
    let land = rule(&e, "land-discount");
    assert!(land.applies);
    assert_eq!(land.amount_wan, 171.0);
    assert_eq!(
        land.explanation,
        "投资强度 420 万元/亩 ≥ 300，土地价款优惠 10%：45 亩 × 38 万元/亩 × 10% = 171 万元"
    );
    assert_eq!(e.investment_intensity_wan_per_mu, Some(420.0));
    // Rent-free is for factories only.
    let rent = rule(&e, "rent-free");
    assert!(!rent.applies);
    assert_eq!(rent.amount_wan, 0.0);
    assert!(
        rent.explanation.contains("不适用于地块"),
        "{}",
        rent.explanation
    );
}

#[test]
fn land_discount_thresholds_are_inclusive() {
    let amount = |investment: f64| {
        let plan = Plan {
            investment_wan: investment,
            ..Plan::default()
        };
        let e = estimate(&rules(), plot(), &plan);
        let r = rule(&e, "land-discount").clone();
        (r.applies, r.amount_wan)
    };
    // Exactly 300 万元/亩 (13 500 / 45): 10 % → 171.
    assert_eq!(amount(13_500.0), (true, 171.0));
    // Just below (13 499 / 45 = 299.98): nothing.
    assert_eq!(amount(13_499.0), (false, 0.0));
    // Exactly 500 万元/亩 (22 500 / 45): 20 % → 45 × 38 × 0.2 = 342.
    assert_eq!(amount(22_500.0), (true, 342.0));
    // Just below 500: still 10 %.
    assert_eq!(amount(22_499.0), (true, 171.0));
    // A plan's own area replaces the plot's: 30 亩 × 38 × 20 % = 228 (intensity 750).
    let plan = Plan {
        investment_wan: 22_500.0,
        area_mu: Some(30.0),
        ..Plan::default()
    };
    assert_eq!(
        rule(&estimate(&rules(), plot(), &plan), "land-discount").amount_wan,
        228.0
    );
}

#[test]
fn rent_free_months_by_tax_per_mu() {
    // 2 亩 of land, 40 万元 of tax: 20 万元/亩 ≥ 20 → 6 months.
    // 6 × 25 元/m²/月 × 2 000 m² = 300 000 元 = 30 万元.
    let plan = Plan {
        area_mu: Some(2.0),
        expected_tax_wan: 40.0,
        ..Plan::default()
    };
    let e = estimate(&rules(), factory(), &plan);
    let rent = rule(&e, "rent-free");
    assert!(rent.applies, "{}", rent.explanation);
    assert_eq!(rent.amount_wan, 30.0);
    assert!(
        rent.explanation
            .contains("免租 6 个月：6 个月 × 25 元/m²/月 × 2000 m² = 30 万元"),
        "{}",
        rent.explanation
    );
    // 80 万元: 40 万元/亩, exactly the second step → 12 months = 60 万元.
    let plan = Plan {
        expected_tax_wan: 80.0,
        ..plan
    };
    assert_eq!(
        rule(&estimate(&rules(), factory(), &plan), "rent-free").amount_wan,
        60.0
    );
    // A 4-month lease gets 4 months: 4 × 25 × 2 000 = 20 万元.
    let plan = Plan {
        lease_months: Some(4),
        ..plan
    };
    let e = estimate(&rules(), factory(), &plan);
    assert_eq!(rule(&e, "rent-free").amount_wan, 20.0);
    assert!(rule(&e, "rent-free").explanation.contains("租期 4 个月"));
    // Land discounts are for plots only.
    assert!(!rule(&e, "land-discount").applies);
}

#[test]
fn a_factory_floor_area_converts_to_land_at_the_plot_ratio() {
    // 13 333.4 m² / 2.0 / 666.67 = 10 亩; 200 万元 of tax = 20 万元/亩:
    // exactly the first step.
    assert_eq!(FACTORY_PLOT_RATIO, 2.0);
    assert_eq!(M2_PER_MU, 666.67);
    let plan = Plan {
        floor_area_m2: Some(13_333.4),
        expected_tax_wan: 200.0,
        ..Plan::default()
    };
    let e = estimate(&rules(), factory(), &plan);
    assert_eq!(e.land_mu, Some(10.0));
    assert_eq!(e.tax_per_mu_wan, Some(20.0));
    // 6 × 25 × 13 333.4 / 10 000 = 200.001 万元 → 200.
    let rent = rule(&e, "rent-free");
    assert_eq!(rent.amount_wan, 200.0);
    assert!(
        rent.explanation.contains("折合用地 10 亩"),
        "{}",
        rent.explanation
    );
    // Below the first step: 199 万元 → 19.9 万元/亩.
    let plan = Plan {
        expected_tax_wan: 199.0,
        ..plan
    };
    let rent = rule(&estimate(&rules(), factory(), &plan), "rent-free").clone();
    assert!(!rent.applies);
    assert!(rent.explanation.contains("19.9"), "{}", rent.explanation);
}

#[test]
fn per_job_subsidy_and_its_cap() {
    // 120 × 5 000 元 = 60 万元.
    let plan = Plan {
        jobs: 120,
        ..Plan::default()
    };
    let e = estimate(&rules(), plot(), &plan);
    let jobs = rule(&e, "jobs");
    assert_eq!(jobs.amount_wan, 60.0);
    assert_eq!(jobs.explanation, "新增就业 120 人 × 5000 元/人 = 60 万元");
    // 500 × 5 000 元 = 250 万元, capped at 200.
    let plan = Plan {
        jobs: 500,
        ..Plan::default()
    };
    let jobs = rule(&estimate(&rules(), factory(), &plan), "jobs").clone();
    assert_eq!(jobs.amount_wan, 200.0);
    assert!(
        jobs.explanation.ends_with("= 250 万元，封顶 200 万元"),
        "{}",
        jobs.explanation
    );
    // No jobs, nothing.
    assert!(!rule(&estimate(&rules(), plot(), &Plan::default()), "jobs").applies);
}

#[test]
fn investment_share_threshold_and_cap() {
    let amount = |investment: f64| {
        let plan = Plan {
            investment_wan: investment,
            ..Plan::default()
        };
        let r = rule(&estimate(&rules(), factory(), &plan), "equipment").clone();
        (r.applies, r.amount_wan)
    };
    // 12 000 × 5 % = 600.
    assert_eq!(amount(12_000.0), (true, 600.0));
    // Exactly the threshold: 10 000 × 5 % = 500.
    assert_eq!(amount(10_000.0), (true, 500.0));
    assert_eq!(amount(9_999.0), (false, 0.0));
    // 20 000 × 5 % = 1 000: exactly the cap. 30 000 × 5 % = 1 500 → 1 000.
    assert_eq!(amount(20_000.0), (true, 1000.0));
    assert_eq!(amount(30_000.0), (true, 1000.0));
}

#[test]
fn a_whole_plot_estimate_adds_up() {
    // 18 900 万元 (420 万元/亩): land 171; 150 jobs: 75; 18 900 × 5 % = 945.
    // Total 171 + 75 + 945 = 1 191.
    let plan = Plan::from_json(
        r#"{"investment_wan": 18900, "expected_tax_wan": 900, "jobs": 150, "expected_output_wan": 30000}"#,
    )
    .unwrap();
    let e = estimate(&rules(), plot(), &plan);
    let amounts: Vec<f64> = e.rules.iter().map(|r| r.amount_wan).collect();
    assert_eq!(amounts, [171.0, 0.0, 75.0, 945.0]);
    assert_eq!(e.total_wan, 1191.0);
    assert_eq!(e.land_mu, Some(45.0));
    assert_eq!(e.tax_per_mu_wan, Some(20.0));
}

#[test]
fn amounts_are_rounded_only_at_the_end() {
    // Two rules of 1 × 333.3 元 = 0.03333 万元 each: each shows 0.03, the
    // total is round(0.06666) = 0.07, not 0.03 + 0.03.
    let rules = PolicyRules::from_json(
        r#"{"park": "X", "rules": [
          {"id": "a", "name": "A", "kind": "per_job_subsidy", "yuan_per_job": 333.3},
          {"id": "b", "name": "B", "kind": "per_job_subsidy", "yuan_per_job": 333.3}]}"#,
    )
    .unwrap();
    let plan = Plan {
        jobs: 1,
        ..Plan::default()
    };
    let site = SiteFacts {
        park: None,
        ..plot()
    };
    let e = estimate(&rules, site, &plan);
    assert_eq!(e.rules[0].amount_wan, 0.03);
    assert_eq!(e.total_wan, 0.07);
}

#[test]
fn rules_of_another_park_do_not_apply() {
    let site = SiteFacts {
        park: Some("MY-01".into()),
        ..plot()
    };
    let plan = Plan {
        investment_wan: 50_000.0,
        jobs: 10,
        ..Plan::default()
    };
    let e = estimate(&rules(), site, &plan);
    assert!(e.rules.iter().all(|r| !r.applies && r.amount_wan == 0.0));
    assert_eq!(e.total_wan, 0.0);
    assert!(e.rules[0].explanation.contains("MY-01"));
}

#[test]
fn invalid_rules_are_refused_naming_the_rule() {
    let with = |rule: &str| format!(r#"{{"park": "X", "rules": [{rule}]}}"#);
    let cases = [
        (
            r#"{"id": "d", "name": "n", "kind": "land_price_discount", "steps": [
                {"min_investment_intensity_wan_per_mu": 500, "discount_pct": 20},
                {"min_investment_intensity_wan_per_mu": 300, "discount_pct": 10}]}"#,
            "ascending",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "land_price_discount", "steps": [
                {"min_investment_intensity_wan_per_mu": 300, "discount_pct": 120}]}"#,
            "discount_pct",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "land_price_discount", "steps": []}"#,
            "at least one step",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "per_job_subsidy", "yuan_per_job": 10, "cap_wan": -1}"#,
            "cap_wan",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "investment_share", "share_pct": -5}"#,
            "share_pct",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "rent_free_months", "applies_to": ["plots"],
                "steps": [{"min_tax_per_mu_wan": 1, "months": 1}]}"#,
            "applies_to",
        ),
    ];
    for (rule, needle) in cases {
        let err = PolicyRules::from_json(&with(rule)).unwrap_err();
        assert!(
            matches!(&err, AdviceError::InvalidRule { rule, .. } if rule == "d"),
            "{err:?}"
        );
        assert!(err.to_string().contains(needle), "{err}");
    }
    // Unknown keys and kinds are refused by the parser, naming the rule.
    for (rule, needle) in [
        (
            r#"{"id": "d", "name": "n", "kind": "per_job_subsidy", "yuan_per_job": 10, "cap_wn": 5}"#,
            "cap_wn",
        ),
        (
            r#"{"id": "d", "name": "n", "kind": "free_lunch"}"#,
            "free_lunch",
        ),
    ] {
        let err = PolicyRules::from_json(&with(rule)).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.to_string().contains("rule `d`"), "{err}");
    }
    let duplicate = r#"{"park": "X", "rules": [
        {"id": "d", "name": "n", "kind": "per_job_subsidy", "yuan_per_job": 10},
        {"id": "d", "name": "m", "kind": "per_job_subsidy", "yuan_per_job": 20}]}"#;
    assert!(
        PolicyRules::from_json(duplicate)
            .unwrap_err()
            .to_string()
            .contains("earlier")
    );
}

#[test]
fn invalid_plans_are_refused_naming_the_field() {
    let err = Plan::from_json(r#"{"investment_wan": -1}"#).unwrap_err();
    assert!(matches!(
        err,
        AdviceError::InvalidPlan {
            field: "investment_wan",
            ..
        }
    ));
    let err = Plan::from_json(r#"{"investment_wan": 1, "area_mu": 0}"#).unwrap_err();
    assert!(matches!(
        err,
        AdviceError::InvalidPlan {
            field: "area_mu",
            ..
        }
    ));
    let err = Plan::from_json(r#"{"investment_wan": 1, "jobz": 3}"#).unwrap_err();
    assert!(err.to_string().contains("jobz"), "{err}");
}

#[test]
fn rules_round_trip_through_json() {
    let rules = rules();
    let text = serde_json::to_string(&rules).unwrap();
    assert_eq!(PolicyRules::from_json(&text).unwrap(), rules);
    assert!(text.contains(r#""kind":"land_price_discount""#), "{text}");
}

const REWARDS: &str = r#"{"park": "CD-WJ-01", "rules": [
 {"id": "tax", "name": "税收贡献奖励", "kind": "tax_reward", "share_pct": 30, "years": 3,
  "min_tax_per_mu_wan": 20, "cap_wan": 500, "source": "《温江区若干政策》第五条"},
 {"id": "equipment", "name": "设备购置补助", "kind": "equipment_subsidy", "share_pct": 8,
  "min_equipment_wan": 1000, "cap_wan": 400}
]}"#;

#[test]
fn tax_reward_by_year_with_threshold_and_cap() {
    let rules = PolicyRules::from_json(REWARDS).unwrap();
    // 1 350 万元 tax on 45 亩 = 30 万元/亩 ≥ 20: 30 % × 3 years = 1 215, capped at 500.
    let plan = Plan {
        investment_wan: 20_000.0,
        expected_tax_wan: 1350.0,
        ..Plan::default()
    };
    let tax = rule(&estimate(&rules, plot(), &plan), "tax").clone();
    assert!(tax.applies, "{}", tax.explanation);
    assert_eq!(tax.amount_wan, 500.0);
    assert!(
        tax.explanation.contains("× 3 年 = 1215 万元"),
        "{}",
        tax.explanation
    );
    assert!(
        tax.explanation.contains("封顶 500 万元"),
        "{}",
        tax.explanation
    );
    assert_eq!(tax.source.as_deref(), Some("《温江区若干政策》第五条"));
    // 450 万元 on 45 亩 = 10 万元/亩 < 20: nothing.
    let low = Plan {
        expected_tax_wan: 450.0,
        ..plan.clone()
    };
    let tax = rule(&estimate(&rules, plot(), &low), "tax").clone();
    assert!(!tax.applies);
    assert_eq!(tax.amount_wan, 0.0);
    // Without a tax figure it says what is missing.
    let none = Plan {
        expected_tax_wan: 0.0,
        ..plan
    };
    assert!(
        rule(&estimate(&rules, plot(), &none), "tax")
            .explanation
            .contains("年纳税额")
    );
}

#[test]
fn equipment_subsidy_threshold_and_cap() {
    let rules = PolicyRules::from_json(REWARDS).unwrap();
    let with = |equipment_wan: f64| {
        let plan = Plan {
            investment_wan: 20_000.0,
            equipment_wan,
            ..Plan::default()
        };
        rule(&estimate(&rules, factory(), &plan), "equipment").clone()
    };
    // 3 000 × 8 % = 240; 999 is under the threshold; 10 000 × 8 % = 800, capped at 400.
    assert_eq!(with(3000.0).amount_wan, 240.0);
    assert!(!with(999.0).applies);
    assert_eq!(with(10_000.0).amount_wan, 400.0);
    assert!(!with(0.0).applies, "no equipment, no subsidy");
}

#[test]
fn new_kinds_are_checked_like_the_others() {
    for (rule, reason) in [
        (
            r#"{"id": "t", "name": "t", "kind": "tax_reward", "share_pct": 30, "years": 0}"#,
            "years",
        ),
        (
            r#"{"id": "t", "name": "t", "kind": "tax_reward", "share_pct": 130, "years": 2}"#,
            "share_pct",
        ),
        (
            r#"{"id": "e", "name": "e", "kind": "equipment_subsidy", "share_pct": -1}"#,
            "share_pct",
        ),
        (
            r#"{"id": "e", "name": "e", "kind": "equipment_subsidy", "share_pct": 5, "source": 7}"#,
            "source",
        ),
    ] {
        let json = format!(r#"{{"park": "P", "rules": [{rule}]}}"#);
        let err = PolicyRules::from_json(&json).expect_err(rule).to_string();
        assert!(err.contains(reason), "{rule}: {err}");
    }
    let plan = r#"{"investment_wan": 100, "equipment_wan": -5}"#;
    assert!(
        Plan::from_json(plan)
            .unwrap_err()
            .to_string()
            .contains("equipment_wan")
    );
}
