//! The park's incentive rules as the sheet prints them: one line per rule
//! that applies to the site's layer, with the document it comes from.

use serde::Serialize;
use siteatlas_advisor::{PolicyRules, RuleKind};
use siteatlas_tiles::LayerKind;

use super::fields::number;

/// One rule on the sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyLine {
    /// The rule's name (土地出让价款返还).
    pub name: String,
    /// What it grants, in one sentence.
    pub text: String,
    /// The policy document and article, if the rule names them.
    pub source: Option<String>,
}

/// The lines of the rules that apply to sites of `layer`.
pub fn policy_lines(rules: &PolicyRules, layer: LayerKind) -> Vec<PolicyLine> {
    rules
        .rules
        .iter()
        .filter(|rule| {
            let layers = if rule.applies_to.is_empty() {
                rule.kind.layers()
            } else {
                &rule.applies_to
            };
            layers.contains(&layer)
        })
        .map(|rule| PolicyLine {
            name: rule.name.clone(),
            text: describe(&rule.kind),
            source: rule.source.clone(),
        })
        .collect()
}

fn cap(cap_wan: Option<f64>) -> String {
    cap_wan.map_or_else(String::new, |c| format!("，最高 {} 万元", number(c, 2)))
}

fn from(min: f64, what: &str) -> String {
    if min > 0.0 {
        format!("{what}不低于 {} 万元的，", number(min, 2))
    } else {
        String::new()
    }
}

/// What a rule grants, in one Chinese sentence.
pub fn describe(kind: &RuleKind) -> String {
    match kind {
        RuleKind::LandPriceDiscount { steps, cap_wan } => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| {
                    format!(
                        "投资强度 ≥ {} 万元/亩返还 {}%",
                        number(s.min_investment_intensity_wan_per_mu, 2),
                        number(s.discount_pct, 2)
                    )
                })
                .collect();
            format!(
                "按投资强度返还土地出让价款：{}{}",
                steps.join("；"),
                cap(*cap_wan)
            )
        }
        RuleKind::RentFreeMonths { steps, cap_wan } => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| {
                    format!(
                        "亩均税收 ≥ {} 万元免租 {} 个月",
                        number(s.min_tax_per_mu_wan, 2),
                        s.months
                    )
                })
                .collect();
            format!("按亩均税收减免租金：{}{}", steps.join("；"), cap(*cap_wan))
        }
        RuleKind::PerJobSubsidy {
            yuan_per_job,
            cap_wan,
        } => format!(
            "每新增就业 1 人补助 {} 元{}",
            number(*yuan_per_job, 2),
            cap(*cap_wan)
        ),
        RuleKind::InvestmentShare {
            share_pct,
            min_investment_wan,
            cap_wan,
        } => format!(
            "{}按投资额的 {}% 给予补助{}",
            from(*min_investment_wan, "投资额"),
            number(*share_pct, 2),
            cap(*cap_wan)
        ),
        RuleKind::TaxReward {
            share_pct,
            years,
            min_tax_per_mu_wan,
            cap_wan,
        } => format!(
            "{}按年纳税额的 {}% 奖励，连续 {} 年{}",
            if *min_tax_per_mu_wan > 0.0 {
                format!("亩均税收不低于 {} 万元的，", number(*min_tax_per_mu_wan, 2))
            } else {
                String::new()
            },
            number(*share_pct, 2),
            years,
            cap(*cap_wan)
        ),
        RuleKind::EquipmentSubsidy {
            share_pct,
            min_equipment_wan,
            cap_wan,
        } => format!(
            "{}按设备投资的 {}% 给予补助{}",
            from(*min_equipment_wan, "设备投资"),
            number(*share_pct, 2),
            cap(*cap_wan)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_of_the_layer_is_one_line_with_its_source() {
        let rules = PolicyRules::from_json(
            r#"{"park": "P", "rules": [
                {"id": "land", "name": "土地出让价款返还", "kind": "land_price_discount",
                 "steps": [{"min_investment_intensity_wan_per_mu": 350, "discount_pct": 10}], "cap_wan": 2000,
                 "source": "《若干政策》第三条"},
                {"id": "rent", "name": "租金减免", "kind": "rent_free_months",
                 "steps": [{"min_tax_per_mu_wan": 20, "months": 12}]},
                {"id": "tax", "name": "税收贡献奖励", "kind": "tax_reward", "share_pct": 30, "years": 3}
            ]}"#,
        )
        .unwrap();
        let plots = policy_lines(&rules, LayerKind::Plots);
        assert_eq!(plots.len(), 2, "{plots:?}");
        assert_eq!(
            plots[0].text,
            "按投资强度返还土地出让价款：投资强度 ≥ 350 万元/亩返还 10%，最高 2,000 万元"
        );
        assert_eq!(plots[0].source.as_deref(), Some("《若干政策》第三条"));
        assert_eq!(plots[1].text, "按年纳税额的 30% 奖励，连续 3 年");
        let factories = policy_lines(&rules, LayerKind::Factories);
        assert_eq!(
            factories
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>(),
            ["租金减免", "税收贡献奖励"]
        );
    }
}
