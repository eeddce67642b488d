//! Policy calculator (政策计算器): a park's incentive rules as data, and the
//! estimate of what a project would get under them on one site.
//!
//! Derived figures:
//! - land area (亩): a plot's own area, or the plan's `area_mu`; for a
//!   factory the plan's `area_mu`, else its floor area (the plan's, else the
//!   factory's available area) converted to land at [`FACTORY_PLOT_RATIO`]:
//!   `floor_area_m2 / 2.0 / 666.67`;
//! - investment intensity (投资强度) = `investment_wan / area_mu`;
//! - tax per mu (亩均税收) = `expected_tax_wan / area_mu`.
//!
//! The estimate also checks the plan against a plot's standard-land
//! indicators (`compliance`, `compliant`): see [`crate::compliance`].
//!
//! Rule kinds (steps apply from their threshold upwards, inclusive; the
//! highest step reached counts):
//! - `land_price_discount` (plots): `area_mu × price_wan_per_mu × discount_pct / 100`;
//! - `rent_free_months` (factories): `months × rent_yuan_m2_month × floor_area_m2 / 10000`,
//!   months no more than the plan's `lease_months`;
//! - `per_job_subsidy`: `jobs × yuan_per_job / 10000`;
//! - `investment_share`: `investment_wan × share_pct / 100` once `investment_wan ≥ min_investment_wan`;
//! - `tax_reward` (税收贡献奖励): `expected_tax_wan × share_pct / 100 × years`, once the
//!   tax per mu reaches `min_tax_per_mu_wan` (0 when not given);
//! - `equipment_subsidy` (设备补助): `equipment_wan × share_pct / 100` once
//!   `equipment_wan ≥ min_equipment_wan`.
//!
//! A rule may name its `source`: the policy document and article it comes
//! from, shown beside its estimate so that an investor can look it up.
//!
//! Every kind takes an optional `cap_wan`. Amounts are 万元, rounded to 0.01
//! only in the answer: each rule's own amount, and the total from the
//! unrounded amounts.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use siteatlas_tiles::model::M2_PER_MU;
use siteatlas_tiles::{Factory, FactoryStatus, LayerKind, Plot};

use crate::compliance::{self, Compliance, Indicators};
use crate::error::AdviceError;

/// Plot ratio at which a factory's floor area is converted to land (亩) for
/// per-mu figures: a typical multi-storey standard factory. A plan that
/// knows better gives `area_mu`.
pub const FACTORY_PLOT_RATIO: f64 = 2.0;

/// A park's incentive rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRules {
    /// Code of the park the rules belong to.
    pub park: String,
    /// The rules, each estimated on its own.
    pub rules: Vec<Rule>,
}

/// One incentive rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Map<String, Value>")]
pub struct Rule {
    /// Stable id, unique in the park.
    pub id: String,
    /// Display name, e.g. 土地出让价格优惠.
    pub name: String,
    /// Layers the rule applies to; empty means those its kind suits (see [`RuleKind::layers`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<LayerKind>,
    /// The policy document and article the rule comes from, e.g.
    /// 《温江区支持生物医药产业高质量发展的若干政策》第三条.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the rule grants.
    #[serde(flatten)]
    pub kind: RuleKind,
}

impl TryFrom<serde_json::Map<String, Value>> for Rule {
    type Error = String;
    /// Takes the common keys out and reads the rest as the kind, so that an
    /// unknown key (a misspelt `cap_wan`) is refused rather than ignored,
    /// which `#[serde(flatten)]` alone would do.
    fn try_from(mut map: serde_json::Map<String, Value>) -> Result<Self, Self::Error> {
        let mut take = |key: &str| map.remove(key);
        let text = |v: Option<Value>, key: &str| match v {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(format!("`{key}` must be a string, got {other}")),
            None => Err(format!("missing field `{key}`")),
        };
        let id = text(take("id"), "id")?;
        let name = text(take("name"), "name")?;
        let applies_to = match take("applies_to") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => {
                serde_json::from_value(v).map_err(|e| format!("rule `{id}`: applies_to: {e}"))?
            }
        };
        let source = match take("source") {
            None | Some(Value::Null) => None,
            v => Some(text(v, "source")?),
        };
        let kind =
            serde_json::from_value(Value::Object(map)).map_err(|e| format!("rule `{id}`: {e}"))?;
        Ok(Rule {
            id,
            name,
            applies_to,
            source,
            kind,
        })
    }
}

/// What a rule grants, by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    /// A discount on the land price by investment intensity (plots).
    LandPriceDiscount {
        /// Steps by ascending intensity.
        steps: Vec<IntensityStep>,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
    /// Months of free rent by tax per mu (factories).
    RentFreeMonths {
        /// Steps by ascending tax per mu.
        steps: Vec<TaxStep>,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
    /// A subsidy per new job.
    PerJobSubsidy {
        /// 元 per job.
        yuan_per_job: f64,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
    /// A share of the investment, above a threshold.
    InvestmentShare {
        /// Percentage of the investment, 0-100.
        share_pct: f64,
        /// Smallest investment that qualifies, 万元.
        #[serde(default)]
        min_investment_wan: f64,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
    /// A reward of a share of the tax paid, for some years (税收贡献奖励).
    TaxReward {
        /// Percentage of the yearly tax rewarded, 0-100.
        share_pct: f64,
        /// Years the reward is paid, 1-10.
        years: u32,
        /// Smallest tax per mu that qualifies, 万元/亩/year.
        #[serde(default)]
        min_tax_per_mu_wan: f64,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
    /// A subsidy of a share of the equipment bought (设备购置补助).
    EquipmentSubsidy {
        /// Percentage of the equipment investment, 0-100.
        share_pct: f64,
        /// Smallest equipment investment that qualifies, 万元.
        #[serde(default)]
        min_equipment_wan: f64,
        /// Largest amount, 万元.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_wan: Option<f64>,
    },
}

/// A land-price discount step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntensityStep {
    /// Smallest investment intensity of the step, 万元/亩.
    pub min_investment_intensity_wan_per_mu: f64,
    /// Discount, percent of the land price.
    pub discount_pct: f64,
}

/// A rent-free step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxStep {
    /// Smallest tax per mu of the step, 万元/亩/year.
    pub min_tax_per_mu_wan: f64,
    /// Months of free rent.
    pub months: u32,
}

impl RuleKind {
    /// The layers the kind can apply to: land discounts to plots, free rent
    /// to factories, the rest to both.
    pub fn layers(&self) -> &'static [LayerKind] {
        match self {
            RuleKind::LandPriceDiscount { .. } => &[LayerKind::Plots],
            RuleKind::RentFreeMonths { .. } => &[LayerKind::Factories],
            _ => &[LayerKind::Plots, LayerKind::Factories],
        }
    }

    fn cap(&self) -> Option<f64> {
        match self {
            RuleKind::LandPriceDiscount { cap_wan, .. }
            | RuleKind::RentFreeMonths { cap_wan, .. }
            | RuleKind::PerJobSubsidy { cap_wan, .. }
            | RuleKind::InvestmentShare { cap_wan, .. }
            | RuleKind::TaxReward { cap_wan, .. }
            | RuleKind::EquipmentSubsidy { cap_wan, .. } => *cap_wan,
        }
    }
}

fn check_pct(v: f64, what: &str) -> Result<(), String> {
    if v.is_finite() && (0.0..=100.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{what} must be between 0 and 100, got {v}"))
    }
}

fn check_amount(v: f64, what: &str) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{what} must be a finite number >= 0, got {v}"))
    }
}

/// Thresholds must rise strictly, or which step applies would be ambiguous.
fn check_steps(thresholds: impl Iterator<Item = f64>, what: &str) -> Result<(), String> {
    let mut previous: Option<f64> = None;
    let mut any = false;
    for t in thresholds {
        any = true;
        check_amount(t, what)?;
        if let Some(p) = previous
            && t <= p
        {
            return Err(format!(
                "steps must be sorted by ascending {what}: {t} follows {p}"
            ));
        }
        previous = Some(t);
    }
    if any {
        Ok(())
    } else {
        Err("needs at least one step".into())
    }
}

impl Rule {
    fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("id must not be empty".into());
        }
        for layer in &self.applies_to {
            if !self.kind.layers().contains(layer) {
                return Err(format!(
                    "applies_to: this kind of rule cannot apply to {layer}"
                ));
            }
        }
        if let Some(cap) = self.kind.cap() {
            check_amount(cap, "cap_wan")?;
        }
        match &self.kind {
            RuleKind::LandPriceDiscount { steps, .. } => {
                check_steps(
                    steps.iter().map(|s| s.min_investment_intensity_wan_per_mu),
                    "min_investment_intensity_wan_per_mu",
                )?;
                for s in steps {
                    check_pct(s.discount_pct, "discount_pct")?;
                }
            }
            RuleKind::RentFreeMonths { steps, .. } => {
                check_steps(
                    steps.iter().map(|s| s.min_tax_per_mu_wan),
                    "min_tax_per_mu_wan",
                )?;
            }
            RuleKind::PerJobSubsidy { yuan_per_job, .. } => {
                check_amount(*yuan_per_job, "yuan_per_job")?;
            }
            RuleKind::InvestmentShare {
                share_pct,
                min_investment_wan,
                ..
            } => {
                check_pct(*share_pct, "share_pct")?;
                check_amount(*min_investment_wan, "min_investment_wan")?;
            }
            RuleKind::TaxReward {
                share_pct,
                years,
                min_tax_per_mu_wan,
                ..
            } => {
                check_pct(*share_pct, "share_pct")?;
                if !(1..=10).contains(years) {
                    return Err(format!("years must be between 1 and 10, got {years}"));
                }
                check_amount(*min_tax_per_mu_wan, "min_tax_per_mu_wan")?;
            }
            RuleKind::EquipmentSubsidy {
                share_pct,
                min_equipment_wan,
                ..
            } => {
                check_pct(*share_pct, "share_pct")?;
                check_amount(*min_equipment_wan, "min_equipment_wan")?;
            }
        }
        if self
            .source
            .as_ref()
            .is_some_and(|s| s.chars().count() > 300)
        {
            return Err("source must be at most 300 characters".into());
        }
        Ok(())
    }
}

impl PolicyRules {
    /// Reads and checks a park's rules.
    pub fn from_json(json: &str) -> Result<Self, AdviceError> {
        let rules: PolicyRules = serde_json::from_str(json).map_err(|e| AdviceError::Json {
            what: "policy rules",
            reason: e.to_string(),
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Checks every rule: ids unique and not empty, steps present and in
    /// strictly ascending order, percentages 0-100, amounts and caps ≥ 0.
    pub fn validate(&self) -> Result<(), AdviceError> {
        for (i, rule) in self.rules.iter().enumerate() {
            let label = if rule.id.trim().is_empty() {
                format!("#{i}")
            } else {
                rule.id.clone()
            };
            rule.check().map_err(|reason| AdviceError::InvalidRule {
                rule: label.clone(),
                reason,
            })?;
            if self.rules[..i].iter().any(|r| r.id == rule.id) {
                return Err(AdviceError::InvalidRule {
                    rule: label,
                    reason: "id is used by an earlier rule".into(),
                });
            }
        }
        Ok(())
    }
}

/// What the calculator needs to know of a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteFacts {
    /// `plots` or `factories`.
    pub layer: LayerKind,
    /// Park code.
    pub park: Option<String>,
    /// Land area, 亩 (plots).
    pub area_mu: Option<f64>,
    /// Land price, 万元/亩 (plots).
    pub price_wan_per_mu: Option<f64>,
    /// Rent, 元/m²/month (factories).
    pub rent_yuan_m2_month: Option<f64>,
    /// Floor area to let, m² (factories).
    pub available_area_m2: Option<f64>,
    /// Standard-land indicators (plots; none for factories).
    #[serde(default)]
    pub indicators: Indicators,
}

impl SiteFacts {
    /// The facts of a plot.
    pub fn from_plot(plot: &Plot) -> Self {
        Self {
            layer: LayerKind::Plots,
            park: plot.attrs.park.clone(),
            area_mu: Some(plot.attrs.area_mu()),
            price_wan_per_mu: plot.attrs.price_wan_per_mu,
            rent_yuan_m2_month: None,
            available_area_m2: None,
            indicators: Indicators::of_plot(&plot.attrs),
        }
    }

    /// The facts of a factory; a vacant one with no stated free area offers all of it.
    pub fn from_factory(factory: &Factory) -> Self {
        let a = &factory.attrs;
        let available = a.available_area_m2.or(match a.status {
            FactoryStatus::Vacant => a.total_area_m2,
            _ => None,
        });
        Self {
            layer: LayerKind::Factories,
            park: a.park.clone(),
            area_mu: None,
            price_wan_per_mu: None,
            rent_yuan_m2_month: a.rent_yuan_m2_month,
            available_area_m2: available,
            indicators: Indicators::default(),
        }
    }
}

/// An investor's project.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Total fixed-asset investment, 万元.
    pub investment_wan: f64,
    /// Land, 亩: for plots, defaults to the plot's area; for factories, see the module docs.
    #[serde(default)]
    pub area_mu: Option<f64>,
    /// Floor area, m²: rented (factories; defaults to the available area),
    /// or to be built (plots: the plot ratio of standard land).
    #[serde(default)]
    pub floor_area_m2: Option<f64>,
    /// Expected output per year, 万元 (kept for output-based rules; none uses it yet).
    #[serde(default)]
    pub expected_output_wan: f64,
    /// Expected tax per year, 万元.
    #[serde(default)]
    pub expected_tax_wan: f64,
    /// Equipment to be bought, 万元 (part of the investment).
    #[serde(default)]
    pub equipment_wan: f64,
    /// New jobs.
    #[serde(default)]
    pub jobs: u32,
    /// Length of the lease, months (factories): free months cannot exceed it.
    #[serde(default)]
    pub lease_months: Option<u32>,
    /// Expected energy use per year, tonnes of standard coal equivalent
    /// (综合能耗, tce): the energy use per mu of standard land.
    #[serde(default)]
    pub energy_tce: Option<f64>,
}

impl Plan {
    /// Every field, all of them numbers.
    pub const FIELDS: &'static [&'static str] = &[
        "investment_wan",
        "area_mu",
        "floor_area_m2",
        "expected_output_wan",
        "expected_tax_wan",
        "equipment_wan",
        "jobs",
        "lease_months",
        "energy_tce",
    ];

    /// Reads and checks a plan.
    pub fn from_json(json: &str) -> Result<Self, AdviceError> {
        let value: Value = serde_json::from_str(json).map_err(|e| AdviceError::Json {
            what: "plan",
            reason: e.to_string(),
        })?;
        Self::from_value(value)
    }

    /// Reads and checks a plan already parsed. A value of the wrong type is
    /// refused naming its field, which serde's own message does not.
    pub fn from_value(value: Value) -> Result<Self, AdviceError> {
        if let Some(map) = value.as_object() {
            for field in Self::FIELDS {
                match map.get(*field) {
                    Some(v) if !v.is_number() && !v.is_null() => {
                        return Err(AdviceError::InvalidPlan {
                            field,
                            reason: format!("must be a number, got {v}"),
                        });
                    }
                    _ => {}
                }
            }
        }
        let plan: Plan = serde_json::from_value(value).map_err(|e| AdviceError::Json {
            what: "plan",
            reason: e.to_string(),
        })?;
        plan.validate()?;
        Ok(plan)
    }

    /// Checks that every amount is a finite number ≥ 0, and areas above 0.
    pub fn validate(&self) -> Result<(), AdviceError> {
        for (field, v) in [
            ("investment_wan", self.investment_wan),
            ("expected_output_wan", self.expected_output_wan),
            ("expected_tax_wan", self.expected_tax_wan),
            ("equipment_wan", self.equipment_wan),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(AdviceError::InvalidPlan {
                    field,
                    reason: format!("must be a finite number >= 0, got {v}"),
                });
            }
        }
        if let Some(v) = self.energy_tce
            && (!v.is_finite() || v < 0.0)
        {
            return Err(AdviceError::InvalidPlan {
                field: "energy_tce",
                reason: format!("must be a finite number >= 0, got {v}"),
            });
        }
        for (field, v) in [
            ("area_mu", self.area_mu),
            ("floor_area_m2", self.floor_area_m2),
        ] {
            if let Some(v) = v
                && (!v.is_finite() || v <= 0.0)
            {
                return Err(AdviceError::InvalidPlan {
                    field,
                    reason: format!("must be a finite number > 0, got {v}"),
                });
            }
        }
        Ok(())
    }
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEstimate {
    /// The rule's id.
    pub id: String,
    /// The rule's name.
    pub name: String,
    /// Whether the project qualifies.
    pub applies: bool,
    /// Amount, 万元, rounded to 0.01 (0 when it does not apply).
    pub amount_wan: f64,
    /// How the amount was reached, or why the rule does not apply, in Chinese with the numbers.
    pub explanation: String,
    /// The policy document the rule comes from, when the rules name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What a project would get on a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The rules' park.
    pub park: String,
    /// Land the per-mu figures are based on, 亩 (`None` when unknown).
    pub land_mu: Option<f64>,
    /// Investment intensity, 万元/亩, rounded to 0.01.
    pub investment_intensity_wan_per_mu: Option<f64>,
    /// Tax per mu, 万元/亩/year, rounded to 0.01.
    pub tax_per_mu_wan: Option<f64>,
    /// One outcome per rule, in the rules' order.
    pub rules: Vec<RuleEstimate>,
    /// Sum of the unrounded amounts, rounded to 0.01 万元.
    pub total_wan: f64,
    /// The plan against the plot's standard-land indicators: `compliance`
    /// (one check per indicator the site sets) and `compliant`.
    #[serde(flatten)]
    pub compliance: Compliance,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A number for an explanation: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", round2(v));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn layer_zh(layer: LayerKind) -> &'static str {
    match layer {
        LayerKind::Factories => "厂房",
        other => other.spec().label_zh,
    }
}

impl Rule {
    /// What the rule grants, in one Chinese line for a park's profile:
    /// `投资强度 ≥ 350 万元/亩 优惠 10%，≥ 500 万元/亩 优惠 20%；封顶 2000 万元`.
    pub fn summary(&self) -> String {
        let steps = |parts: Vec<String>| {
            if parts.is_empty() {
                "未设档位".to_owned()
            } else {
                parts.join("，")
            }
        };
        let mut line = match &self.kind {
            RuleKind::LandPriceDiscount { steps: s, .. } => steps(
                s.iter()
                    .map(|st| {
                        format!(
                            "投资强度 ≥ {} 万元/亩 地价优惠 {}%",
                            num(st.min_investment_intensity_wan_per_mu),
                            num(st.discount_pct)
                        )
                    })
                    .collect(),
            ),
            RuleKind::RentFreeMonths { steps: s, .. } => steps(
                s.iter()
                    .map(|st| {
                        format!(
                            "亩均税收 ≥ {} 万元/亩 免租 {} 个月",
                            num(st.min_tax_per_mu_wan),
                            st.months
                        )
                    })
                    .collect(),
            ),
            RuleKind::PerJobSubsidy { yuan_per_job, .. } => {
                format!("新增就业每人补助 {} 元", num(*yuan_per_job))
            }
            RuleKind::InvestmentShare {
                share_pct,
                min_investment_wan,
                ..
            } => format!(
                "投资 ≥ {} 万元，补助投资额的 {}%",
                num(*min_investment_wan),
                num(*share_pct)
            ),
            RuleKind::TaxReward {
                share_pct,
                years,
                min_tax_per_mu_wan,
                ..
            } => format!(
                "亩均税收 ≥ {} 万元/亩，奖励年纳税额的 {}%，连续 {} 年",
                num(*min_tax_per_mu_wan),
                num(*share_pct),
                years
            ),
            RuleKind::EquipmentSubsidy {
                share_pct,
                min_equipment_wan,
                ..
            } => format!(
                "设备投资 ≥ {} 万元，补助设备投资额的 {}%",
                num(*min_equipment_wan),
                num(*share_pct)
            ),
        };
        if let Some(cap) = self.kind.cap() {
            line.push_str(&format!("；封顶 {} 万元", num(cap)));
        }
        line
    }
}

/// The land area per-mu figures are based on, and how it was found.
fn land_mu(site: &SiteFacts, plan: &Plan) -> Option<(f64, String)> {
    if let Some(mu) = plan.area_mu {
        return Some((mu, format!("用地 {} 亩", num(mu))));
    }
    match site.layer {
        LayerKind::Factories => {
            let floor = plan.floor_area_m2.or(site.available_area_m2)?;
            let mu = floor / FACTORY_PLOT_RATIO / M2_PER_MU;
            Some((
                mu,
                format!(
                    "建筑面积 {} m² 按容积率 {} 折合用地 {} 亩",
                    num(floor),
                    num(FACTORY_PLOT_RATIO),
                    num(mu)
                ),
            ))
        }
        _ => site
            .area_mu
            .filter(|mu| *mu > 0.0)
            .map(|mu| (mu, format!("用地 {} 亩", num(mu)))),
    }
}

/// The highest step whose threshold is reached (inclusive). A figure found
/// by division (13 333.4 m² at plot ratio 2 is 10 亩 give or take an ulp)
/// counts as reaching a threshold within a billionth of it.
fn step_reached<S: Copy>(steps: &[S], threshold: impl Fn(&S) -> f64, value: f64) -> Option<S> {
    let reaches = |t: f64| value >= t - 1e-9 * t.abs().max(1.0);
    steps.iter().rev().find(|s| reaches(threshold(s))).copied()
}

/// An amount and its explanation, or why nothing is due.
type Outcome = Result<(f64, String), String>;

/// Estimates what a project (`plan`) would get on a site under a park's rules.
///
/// Rules of another park than the site's do not apply (a site whose park is
/// unknown is taken to be in the rules' park). The rules and plan are
/// expected to be validated ([`PolicyRules::validate`], [`Plan::validate`]);
/// a figure that cannot be worked out (no land area, no price) makes the
/// rule not apply, with the reason in its explanation.
pub fn estimate(rules: &PolicyRules, site: SiteFacts, plan: &Plan) -> Estimate {
    let land = land_mu(&site, plan);
    let intensity = land.as_ref().map(|(mu, _)| plan.investment_wan / mu);
    let tax_per_mu = land.as_ref().map(|(mu, _)| plan.expected_tax_wan / mu);
    let other_park = site.park.as_ref().filter(|p| **p != rules.park);

    let mut raw_total = 0.0;
    let outcomes = rules
        .rules
        .iter()
        .map(|rule| {
            let layers: &[LayerKind] = if rule.applies_to.is_empty() {
                rule.kind.layers()
            } else {
                &rule.applies_to
            };
            let outcome: Outcome = if let Some(p) = other_park {
                Err(format!("本政策适用于园区 {}，该载体属园区 {p}", rules.park))
            } else if !layers.contains(&site.layer) {
                let wanted: Vec<&str> = layers.iter().map(|l| layer_zh(*l)).collect();
                Err(format!(
                    "本政策适用于{}，不适用于{}",
                    wanted.join("、"),
                    layer_zh(site.layer)
                ))
            } else {
                rule_amount(rule, &site, plan, land.as_ref(), intensity, tax_per_mu)
            };
            match outcome {
                Ok((amount, explanation)) => {
                    raw_total += amount;
                    RuleEstimate {
                        id: rule.id.clone(),
                        name: rule.name.clone(),
                        applies: true,
                        amount_wan: round2(amount),
                        explanation,
                        source: rule.source.clone(),
                    }
                }
                Err(explanation) => RuleEstimate {
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    applies: false,
                    amount_wan: 0.0,
                    explanation,
                    source: rule.source.clone(),
                },
            }
        })
        .collect();
    Estimate {
        park: rules.park.clone(),
        land_mu: land.as_ref().map(|(mu, _)| round2(*mu)),
        investment_intensity_wan_per_mu: intensity.map(round2),
        tax_per_mu_wan: tax_per_mu.map(round2),
        rules: outcomes,
        total_wan: round2(raw_total),
        compliance: compliance::check_plan(&site.indicators, site.area_mu, plan),
    }
}

/// Applies the rule's cap to an amount, saying so.
fn capped(amount: f64, cap: Option<f64>, explanation: String) -> (f64, String) {
    match cap {
        Some(cap) if amount > cap => (cap, format!("{explanation}，封顶 {} 万元", num(cap))),
        _ => (amount, explanation),
    }
}

fn rule_amount(
    rule: &Rule,
    site: &SiteFacts,
    plan: &Plan,
    land: Option<&(f64, String)>,
    intensity: Option<f64>,
    tax_per_mu: Option<f64>,
) -> Outcome {
    let cap = rule.kind.cap();
    match &rule.kind {
        RuleKind::LandPriceDiscount { steps, .. } => {
            let (Some((mu, _)), Some(intensity)) = (land, intensity) else {
                return Err("缺少用地面积，无法计算投资强度".into());
            };
            let Some(step) =
                step_reached(steps, |s| s.min_investment_intensity_wan_per_mu, intensity)
            else {
                return Err(format!(
                    "投资强度 {} 万元/亩 < {}，未达最低档，不享受土地出让价格优惠",
                    num(intensity),
                    num(steps[0].min_investment_intensity_wan_per_mu)
                ));
            };
            let Some(price) = site.price_wan_per_mu else {
                return Err("地块未标明出让价格，无法计算优惠金额".into());
            };
            let amount = mu * price * step.discount_pct / 100.0;
            Ok(capped(
                amount,
                cap,
                format!(
                    "投资强度 {} 万元/亩 ≥ {}，土地价款优惠 {}%：{} 亩 × {} 万元/亩 × {}% = {} 万元",
                    num(intensity),
                    num(step.min_investment_intensity_wan_per_mu),
                    num(step.discount_pct),
                    num(*mu),
                    num(price),
                    num(step.discount_pct),
                    num(amount)
                ),
            ))
        }
        RuleKind::RentFreeMonths { steps, .. } => {
            let (Some((_, basis)), Some(tax_per_mu)) = (land, tax_per_mu) else {
                return Err("缺少租用面积，无法计算亩均税收".into());
            };
            let Some(step) = step_reached(steps, |s| s.min_tax_per_mu_wan, tax_per_mu) else {
                return Err(format!(
                    "亩均税收 {} 万元/亩 < {}（{basis}），未达最低档，不享受租金减免",
                    num(tax_per_mu),
                    num(steps[0].min_tax_per_mu_wan)
                ));
            };
            let (Some(rent), Some(floor)) = (
                site.rent_yuan_m2_month,
                plan.floor_area_m2.or(site.available_area_m2),
            ) else {
                return Err("厂房未标明租金或面积，无法计算减免金额".into());
            };
            let (months, lease_note) = match plan.lease_months {
                Some(lease) if lease < step.months => {
                    (lease, format!("（租期 {lease} 个月，按 {lease} 个月计）"))
                }
                _ => (step.months, String::new()),
            };
            let amount = f64::from(months) * rent * floor / 10_000.0;
            Ok(capped(
                amount,
                cap,
                format!(
                    "亩均税收 {} 万元/亩 ≥ {}（{basis}），免租 {} 个月{lease_note}：{months} 个月 × {} 元/m²/月 × {} m² = {} 万元",
                    num(tax_per_mu),
                    num(step.min_tax_per_mu_wan),
                    step.months,
                    num(rent),
                    num(floor),
                    num(amount)
                ),
            ))
        }
        RuleKind::PerJobSubsidy { yuan_per_job, .. } => {
            if plan.jobs == 0 {
                return Err("无新增就业，不享受就业补贴".into());
            }
            let amount = f64::from(plan.jobs) * yuan_per_job / 10_000.0;
            Ok(capped(
                amount,
                cap,
                format!(
                    "新增就业 {} 人 × {} 元/人 = {} 万元",
                    plan.jobs,
                    num(*yuan_per_job),
                    num(amount)
                ),
            ))
        }
        RuleKind::InvestmentShare {
            share_pct,
            min_investment_wan,
            ..
        } => {
            if plan.investment_wan < *min_investment_wan {
                return Err(format!(
                    "投资 {} 万元 < 门槛 {} 万元，不享受投资补助",
                    num(plan.investment_wan),
                    num(*min_investment_wan)
                ));
            }
            let amount = plan.investment_wan * share_pct / 100.0;
            Ok(capped(
                amount,
                cap,
                format!(
                    "投资 {} 万元 ≥ {} 万元，补助 {}%：{} 万元 × {}% = {} 万元",
                    num(plan.investment_wan),
                    num(*min_investment_wan),
                    num(*share_pct),
                    num(plan.investment_wan),
                    num(*share_pct),
                    num(amount)
                ),
            ))
        }
        RuleKind::TaxReward {
            share_pct,
            years,
            min_tax_per_mu_wan,
            ..
        } => {
            if plan.expected_tax_wan <= 0.0 {
                return Err("未填写预计年纳税额，无法计算税收贡献奖励".into());
            }
            if *min_tax_per_mu_wan > 0.0 {
                let Some(tax_per_mu) = tax_per_mu else {
                    return Err("缺少用地面积，无法计算亩均税收".into());
                };
                if step_reached(&[*min_tax_per_mu_wan], |t| *t, tax_per_mu).is_none() {
                    return Err(format!(
                        "亩均税收 {} 万元/亩 < {}，不享受税收贡献奖励",
                        num(tax_per_mu),
                        num(*min_tax_per_mu_wan)
                    ));
                }
            }
            let amount = plan.expected_tax_wan * share_pct / 100.0 * f64::from(*years);
            Ok(capped(
                amount,
                cap,
                format!(
                    "年纳税 {} 万元 × 奖励 {}% × {years} 年 = {} 万元",
                    num(plan.expected_tax_wan),
                    num(*share_pct),
                    num(amount)
                ),
            ))
        }
        RuleKind::EquipmentSubsidy {
            share_pct,
            min_equipment_wan,
            ..
        } => {
            if plan.equipment_wan <= 0.0 {
                return Err("未填写设备投资额，无法计算设备补助".into());
            }
            if plan.equipment_wan < *min_equipment_wan {
                return Err(format!(
                    "设备投资 {} 万元 < 门槛 {} 万元，不享受设备补助",
                    num(plan.equipment_wan),
                    num(*min_equipment_wan)
                ));
            }
            let amount = plan.equipment_wan * share_pct / 100.0;
            Ok(capped(
                amount,
                cap,
                format!(
                    "设备投资 {} 万元 × 补助 {}% = {} 万元",
                    num(plan.equipment_wan),
                    num(*share_pct),
                    num(amount)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_reads_as_one_line() {
        let rules = PolicyRules::from_json(
            r#"{"park": "P", "rules": [
                {"id": "land", "name": "地价", "kind": "land_price_discount", "cap_wan": 2000,
                 "steps": [{"min_investment_intensity_wan_per_mu": 350, "discount_pct": 10},
                           {"min_investment_intensity_wan_per_mu": 500, "discount_pct": 20.5}]},
                {"id": "tax", "name": "税收", "kind": "tax_reward", "share_pct": 30, "years": 3, "min_tax_per_mu_wan": 30},
                {"id": "jobs", "name": "就业", "kind": "per_job_subsidy", "yuan_per_job": 2000}
            ]}"#,
        )
        .unwrap();
        let lines: Vec<String> = rules.rules.iter().map(Rule::summary).collect();
        assert_eq!(
            lines,
            [
                "投资强度 ≥ 350 万元/亩 地价优惠 10%，投资强度 ≥ 500 万元/亩 地价优惠 20.5%；封顶 2000 万元",
                "亩均税收 ≥ 30 万元/亩，奖励年纳税额的 30%，连续 3 年",
                "新增就业每人补助 2000 元",
            ]
        );
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(num(171.0), "171");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(0.125), "0.13");
        assert_eq!(num(-0.001), "0");
    }
}
