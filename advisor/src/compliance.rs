//! Standard-land compliance (标准地 "4+X"): whether an investor's plan meets
//! the indicators a plot is sold with.
//!
//! Each indicator the plot sets is checked on the plot's own area, since
//! standard land is transferred whole with its indicators (a plan's
//! `area_mu` moves the incentive basis, not the plot's obligations):
//!
//! - `investment_intensity` (投资强度): `investment_wan / area_mu ≥ investment_intensity_wan_per_mu`, 万元/亩;
//! - `tax_per_mu` (亩均税收): `expected_tax_wan / area_mu ≥ tax_per_mu_wan`, 万元/亩/年;
//! - `plot_ratio` (容积率): `floor_area_m2 / (area_mu × 666.67)` within
//!   `[plot_ratio_min, plot_ratio_max]` (either bound may be absent);
//! - `energy_per_mu` (亩均能耗): `energy_tce / area_mu ≤ energy_per_mu_tce_max`, tce/亩/年.
//!
//! Bounds are inclusive, to within a billionth of the bound (a figure found
//! by division may miss it by an ulp). A figure the plan does not give (no
//! `floor_area_m2`, no `energy_tce`, an `expected_tax_wan` of 0, which is how
//! an empty form field arrives) is not guessed: the check says `pass: null`
//! with the `reason`. A failed check gives the `shortfall`, how far the
//! planned figure is from the bound it misses in the indicator's unit,
//! rounded up to 0.01 so that a failure never shows 0, and for the plot
//! ratio the `bound` it misses (`min` or `max`).
//!
//! `compliant` is `false` when any check fails, else `null` when any cannot
//! be judged, else `true`. A site without indicators (every factory, a plot
//! that is not standard land) has an empty list and is `compliant`: nothing
//! is required of it.

use serde::{Deserialize, Serialize};
use siteatlas_tiles::PlotAttrs;
use siteatlas_tiles::model::M2_PER_MU;

use crate::policy::Plan;

/// The indicators of standard land a plan can be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Investment per mu (投资强度), at least the plot's minimum.
    InvestmentIntensity,
    /// Yearly tax per mu (亩均税收), at least the plot's minimum.
    TaxPerMu,
    /// Floor area over land area (容积率), within the plot's range.
    PlotRatio,
    /// Yearly energy use per mu (亩均能耗), at most the plot's limit.
    EnergyPerMu,
}

impl Indicator {
    /// The indicator's name in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::InvestmentIntensity => "investment_intensity",
            Indicator::TaxPerMu => "tax_per_mu",
            Indicator::PlotRatio => "plot_ratio",
            Indicator::EnergyPerMu => "energy_per_mu",
        }
    }

    /// Unit of the required and planned figures (empty for the plot ratio).
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::InvestmentIntensity => "万元/亩",
            Indicator::TaxPerMu => "万元/亩/年",
            Indicator::PlotRatio => "",
            Indicator::EnergyPerMu => "吨标准煤/亩/年",
        }
    }

    /// Name in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            Indicator::InvestmentIntensity => "投资强度",
            Indicator::TaxPerMu => "亩均税收",
            Indicator::PlotRatio => "容积率",
            Indicator::EnergyPerMu => "亩均能耗",
        }
    }

    /// Name in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Indicator::InvestmentIntensity => "Investment intensity",
            Indicator::TaxPerMu => "Tax per mu",
            Indicator::PlotRatio => "Plot ratio",
            Indicator::EnergyPerMu => "Energy use per mu",
        }
    }
}

/// A plot's standard-land indicators, as [`PlotAttrs`] names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    /// Minimum investment intensity, 万元/亩.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_intensity_wan_per_mu: Option<f64>,
    /// Minimum tax per mu, 万元/亩/year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_per_mu_wan: Option<f64>,
    /// Minimum plot ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot_ratio_min: Option<f64>,
    /// Maximum plot ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot_ratio_max: Option<f64>,
    /// Maximum energy use per mu, tce/亩/year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_per_mu_tce_max: Option<f64>,
}

impl Indicators {
    /// The indicators of a plot.
    pub fn of_plot(a: &PlotAttrs) -> Self {
        Self {
            investment_intensity_wan_per_mu: a.investment_intensity_wan_per_mu,
            tax_per_mu_wan: a.tax_per_mu_wan,
            plot_ratio_min: a.plot_ratio_min,
            plot_ratio_max: a.plot_ratio_max,
            energy_per_mu_tce_max: a.energy_per_mu_tce_max,
        }
    }
}

/// What an indicator requires: a bound, or a range for the plot ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Required {
    /// `{"min": 1.2, "max": 2.5}`, either bound optional (the plot ratio).
    Range {
        /// Lower bound, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// A minimum (investment intensity, tax per mu) or a limit (energy per mu).
    Bound(f64),
}

/// Which bound of a range a plan misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// Below the minimum.
    Min,
    /// Above the maximum.
    Max,
}

/// One indicator checked against the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorCheck {
    /// Which indicator.
    pub indicator: Indicator,
    /// What the plot requires, in `unit`.
    pub required: Required,
    /// The plan's figure, in `unit`, rounded to 0.01; `null` when the plan lacks it.
    pub planned: Option<f64>,
    /// Whether the plan meets it; `null` when the plan lacks the figure.
    pub pass: Option<bool>,
    /// On a failure: how far the planned figure is from the bound, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<f64>,
    /// On a failed range: the bound missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<Bound>,
    /// Why the check cannot be judged, in Chinese (when `pass` is `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unit of `required`, `planned` and `shortfall` (empty for the plot ratio).
    pub unit: String,
    /// The indicator's name in Chinese.
    pub label_zh: String,
    /// The indicator's name in English.
    pub label_en: String,
}

/// Every check of a site, and the verdict over them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    /// One check per indicator the site sets, in the order of [`Indicator`].
    #[serde(rename = "compliance")]
    pub checks: Vec<IndicatorCheck>,
    /// `false` when a check fails, `null` when one cannot be judged, else `true`.
    pub compliant: Option<bool>,
}

/// Whether `value` reaches `threshold` from below, within a billionth of it.
fn at_least(value: f64, threshold: f64) -> bool {
    value >= threshold - 1e-9 * threshold.abs().max(1.0)
}

/// Whether `value` stays at or under `limit`, within a billionth of it.
fn at_most(value: f64, limit: f64) -> bool {
    value <= limit + 1e-9 * limit.abs().max(1.0)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A shortfall rounded up to 0.01, ignoring float noise below a millionth of that.
fn round_up2(v: f64) -> f64 {
    ((v * 100.0 - 1e-6).ceil() / 100.0).max(0.01)
}

/// Calls `f` with each indicator the site sets, in order: its bounds and the
/// plan's figure, or why the plan does not give it. Nothing is allocated: a
/// match scores every candidate site this way.
fn each_check(
    indicators: &Indicators,
    area_mu: Option<f64>,
    plan: &Plan,
    mut f: impl FnMut(Indicator, Option<f64>, Option<f64>, Result<f64, &'static str>),
) {
    let area = area_mu.filter(|mu| mu.is_finite() && *mu > 0.0);
    let per_mu = |figure: Option<f64>, missing: &'static str| match area {
        None => Err("地块面积未知，无法按亩核算"),
        Some(mu) => figure.map(|v| v / mu).ok_or(missing),
    };
    let i = indicators;
    if let Some(min) = i.investment_intensity_wan_per_mu {
        let planned = per_mu(Some(plan.investment_wan), "");
        f(Indicator::InvestmentIntensity, Some(min), None, planned);
    }
    if let Some(min) = i.tax_per_mu_wan {
        let tax = (plan.expected_tax_wan > 0.0).then_some(plan.expected_tax_wan);
        let planned = per_mu(tax, "未填写预计年纳税额，无法核算亩均税收");
        f(Indicator::TaxPerMu, Some(min), None, planned);
    }
    if i.plot_ratio_min.is_some() || i.plot_ratio_max.is_some() {
        let planned = per_mu(plan.floor_area_m2, "未填写计划建筑面积，无法核算容积率")
            .map(|floor_per_mu| floor_per_mu / M2_PER_MU);
        f(
            Indicator::PlotRatio,
            i.plot_ratio_min,
            i.plot_ratio_max,
            planned,
        );
    }
    if let Some(limit) = i.energy_per_mu_tce_max {
        let planned = per_mu(plan.energy_tce, "未填写预计年综合能耗，无法核算亩均能耗");
        f(Indicator::EnergyPerMu, None, Some(limit), planned);
    }
}

/// Checks a plan against a site's indicators, `area_mu` being the plot's area.
pub fn check_plan(indicators: &Indicators, area_mu: Option<f64>, plan: &Plan) -> Compliance {
    let mut checks = Vec::new();
    each_check(indicators, area_mu, plan, |indicator, min, max, planned| {
        let required = match indicator {
            Indicator::PlotRatio => Required::Range { min, max },
            _ => Required::Bound(min.or(max).unwrap_or_default()),
        };
        let (planned, pass, shortfall, bound, reason) = match planned {
            Err(reason) => (None, None, None, None, Some(reason.to_owned())),
            Ok(v) => {
                let miss = match (min, max) {
                    (Some(lo), _) if !at_least(v, lo) => Some((lo - v, Bound::Min)),
                    (_, Some(hi)) if !at_most(v, hi) => Some((v - hi, Bound::Max)),
                    _ => None,
                };
                let bound = miss
                    .filter(|_| indicator == Indicator::PlotRatio)
                    .map(|(_, b)| b);
                let shortfall = miss.map(|(gap, _)| round_up2(gap));
                (
                    Some(round2(v)),
                    Some(miss.is_none()),
                    shortfall,
                    bound,
                    None,
                )
            }
        };
        checks.push(IndicatorCheck {
            indicator,
            required,
            planned,
            pass,
            shortfall,
            bound,
            reason,
            unit: indicator.unit().into(),
            label_zh: indicator.label_zh().into(),
            label_en: indicator.label_en().into(),
        });
    });
    let compliant = if checks.iter().any(|c| c.pass == Some(false)) {
        Some(false)
    } else if checks.iter().any(|c| c.pass.is_none()) {
        None
    } else {
        Some(true)
    };
    Compliance { checks, compliant }
}

/// Credit of a site's compliance in a match score, in [0, 1]: the mean over
/// the checks the plan's figures can judge of 1 for a pass, else the credit
/// of a preferred range criterion missed by as much (0 at 25 % beyond the
/// bound); 1 when nothing can be judged.
pub(crate) fn credit(indicators: &Indicators, area_mu: Option<f64>, plan: &Plan) -> f64 {
    let (mut sum, mut judged) = (0.0, 0u32);
    each_check(indicators, area_mu, plan, |_, min, max, planned| {
        if let Ok(v) = planned {
            judged += 1;
            let passes =
                min.is_none_or(|lo| at_least(v, lo)) && max.is_none_or(|hi| at_most(v, hi));
            sum += if passes {
                1.0
            } else {
                crate::matching::range_credit(v, min, max)
            };
        }
    });
    if judged == 0 {
        1.0
    } else {
        sum / f64::from(judged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortfalls_round_up_but_not_on_noise() {
        assert_eq!(round_up2(70.000_000_000_01), 70.0);
        assert_eq!(round_up2(69.999_999_999_99), 70.0);
        assert_eq!(round_up2(0.001), 0.01);
        assert_eq!(round_up2(0.011), 0.02);
    }
}
