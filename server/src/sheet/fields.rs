//! What a sheet shows of a site, by property name: label, unit and how the
//! value is written. One list per site layer; a property the site does not
//! have is left out, so a sheet shows only what the site has.

use serde_json::{Map, Value};
use siteatlas_tiles::LayerKind;

/// How a property's value is written on the sheet.
#[derive(Debug, Clone, Copy)]
pub enum Show {
    /// A number with this many decimals at most, and the unit.
    Number(usize),
    /// A 0-1 ratio as a percentage.
    Percent,
    /// A range from this property to the one named (容积率 1.2 – 2.5).
    RangeTo(&'static str),
    /// Yes or no (供水 有/无).
    YesNo,
    /// A word from a vocabulary, in Chinese ([`value_label`]).
    Word,
}

/// Where on the sheet a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The site's figures and planning indicators.
    Indicators,
    /// Power, water, gas, steam.
    Utilities,
}

/// One row of a sheet.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Property name.
    pub key: &'static str,
    /// Label, in Chinese.
    pub zh: &'static str,
    /// Label, in English.
    pub en: &'static str,
    /// Unit as a Chinese reader writes it, or empty.
    pub unit: &'static str,
    /// How the value is written.
    pub show: Show,
    /// Where the row goes.
    pub section: Section,
}

const fn field(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: &'static str,
    show: Show,
) -> Field {
    Field {
        key,
        zh,
        en,
        unit,
        show,
        section: Section::Indicators,
    }
}

const fn utility(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: &'static str,
    show: Show,
) -> Field {
    Field {
        section: Section::Utilities,
        ..field(key, zh, en, unit, show)
    }
}

const PLOT_FIELDS: &[Field] = &[
    field("land_use", "用地性质", "Land use", "", Show::Word),
    field("area_mu", "用地面积", "Area", "亩", Show::Number(2)),
    field("area_m2", "用地面积", "Area", "m²", Show::Number(0)),
    field(
        "price_wan_per_mu",
        "出让价格",
        "Price",
        "万元/亩",
        Show::Number(2),
    ),
    field(
        "plot_ratio_min",
        "容积率",
        "Plot ratio",
        "",
        Show::RangeTo("plot_ratio_max"),
    ),
    field(
        "building_density_max",
        "建筑密度（上限）",
        "Building density (max.)",
        "",
        Show::Percent,
    ),
    field(
        "green_ratio_max",
        "绿地率（上限）",
        "Green ratio (max.)",
        "",
        Show::Percent,
    ),
    field(
        "height_limit_m",
        "限高",
        "Height limit",
        "m",
        Show::Number(1),
    ),
    field(
        "investment_intensity_wan_per_mu",
        "投资强度（不低于）",
        "Investment intensity (min.)",
        "万元/亩",
        Show::Number(0),
    ),
    field(
        "tax_per_mu_wan",
        "亩均税收（不低于）",
        "Tax per mu (min.)",
        "万元/亩·年",
        Show::Number(1),
    ),
    utility("power_kva", "供电容量", "Power", "kVA", Show::Number(0)),
    utility("water", "供水", "Water", "", Show::YesNo),
    utility("gas", "供气", "Gas", "", Show::YesNo),
    utility("steam", "供汽", "Steam", "", Show::YesNo),
];

const FACTORY_FIELDS: &[Field] = &[
    field("floors", "层数", "Floors", "层", Show::Number(0)),
    field(
        "total_area_m2",
        "总建筑面积",
        "Gross floor area",
        "m²",
        Show::Number(0),
    ),
    field(
        "available_area_m2",
        "可租售面积",
        "Available area",
        "m²",
        Show::Number(0),
    ),
    field(
        "clear_height_m",
        "净高",
        "Clear height",
        "m",
        Show::Number(1),
    ),
    field(
        "floor_load_kn_m2",
        "楼面承重",
        "Floor load",
        "kN/m²",
        Show::Number(1),
    ),
    field("crane_t", "行车（吊车）", "Crane", "吨", Show::Number(1)),
    field(
        "rent_yuan_m2_month",
        "租金",
        "Rent",
        "元/m²/月",
        Show::Number(1),
    ),
];

/// The layers that have sheets, with what their sheets show.
pub const SHEET_LAYERS: &[(LayerKind, &str, &[Field])] = &[
    (LayerKind::Plots, "地块", PLOT_FIELDS),
    (LayerKind::Factories, "标准厂房", FACTORY_FIELDS),
];

/// The rows and Chinese name of a layer that has sheets.
pub fn sheet_layer(layer: LayerKind) -> Option<(&'static str, &'static [Field])> {
    SHEET_LAYERS
        .iter()
        .find(|(l, ..)| *l == layer)
        .map(|(_, name, fields)| (*name, *fields))
}

/// Chinese words for the vocabularies' values (statuses, land uses, POI kinds).
const WORDS: &[(&str, &str)] = &[
    ("available", "可供"),
    ("reserved", "已预留"),
    ("negotiating", "洽谈中"),
    ("transferred", "已出让"),
    ("withdrawn", "已撤回"),
    ("vacant", "空置"),
    ("partial", "部分出租"),
    ("occupied", "已满租"),
    ("industrial", "工业用地"),
    ("logistics", "物流仓储"),
    ("rnd", "研发用地（M0）"),
    ("commercial", "商业用地"),
    ("mixed", "混合用地"),
    ("highway_exit", "高速出口"),
    ("rail_freight", "铁路货运站"),
    ("port", "港口"),
    ("airport", "机场"),
    ("substation", "变电站"),
    ("wastewater", "污水处理厂"),
];

/// A vocabulary value in Chinese; the value itself when it has no word.
pub fn value_label(value: &str) -> &str {
    WORDS
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, zh)| zh)
}

/// A number as a reader writes it: thousands grouped, at most `digits`
/// decimals, no trailing zeros (1,234.5).
pub fn number(value: f64, digits: usize) -> String {
    let text = format!("{value:.digits$}");
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f.trim_end_matches('0')),
        None => (text.as_str(), ""),
    };
    let (sign, digits_only) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits_only.chars().enumerate() {
        if i > 0 && (digits_only.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// One row as written: `(label, English label, value)`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// Chinese label.
    pub label: String,
    /// English label.
    pub label_en: String,
    /// Value with its unit.
    pub value: String,
}

/// The rows of a section for a site's properties; missing values are left out.
/// A plot's area in m² joins its area in mu on one row.
pub fn rows(fields: &[Field], props: &Map<String, Value>, section: Section) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for f in fields.iter().filter(|f| f.section == section) {
        let Some(value) = write(f, props) else {
            continue;
        };
        match rows.last_mut() {
            // The same label twice in a row: one figure in two units.
            Some(last) if last.label == f.zh => last.value = format!("{}（{value}）", last.value),
            _ => rows.push(Row {
                label: f.zh.to_owned(),
                label_en: f.en.to_owned(),
                value,
            }),
        }
    }
    rows
}

fn write(f: &Field, props: &Map<String, Value>) -> Option<String> {
    let value = props.get(f.key).filter(|v| !v.is_null());
    let with_unit = |n: String| {
        if f.unit.is_empty() {
            n
        } else {
            format!("{n} {}", f.unit)
        }
    };
    match f.show {
        Show::Number(digits) => value?.as_f64().map(|n| with_unit(number(n, digits))),
        Show::Percent => value?
            .as_f64()
            .map(|n| format!("{}%", number(n * 100.0, 1))),
        Show::RangeTo(max_key) => {
            let lo = value.and_then(Value::as_f64);
            let hi = props.get(max_key).and_then(Value::as_f64);
            match (lo, hi) {
                (Some(a), Some(b)) => Some(format!("{} – {}", number(a, 2), number(b, 2))),
                (Some(a), None) => Some(format!("≥ {}", number(a, 2))),
                (None, Some(b)) => Some(format!("≤ {}", number(b, 2))),
                (None, None) => None,
            }
        }
        Show::YesNo => value?
            .as_bool()
            .map(|b| if b { "有" } else { "无" }.to_owned()),
        Show::Word => value?.as_str().map(|s| value_label(s).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_grouped_and_trimmed() {
        assert_eq!(number(1234567.0, 0), "1,234,567");
        assert_eq!(number(45.2, 2), "45.2");
        assert_eq!(number(-1200.5, 1), "-1,200.5");
        assert_eq!(number(0.0, 2), "0");
        assert_eq!(number(999.999, 2), "1,000");
    }

    #[test]
    fn a_plot_shows_what_it_has_and_its_area_in_both_units() {
        let props = json!({"area_mu": 45.25, "area_m2": 30167.0, "plot_ratio_min": 1.2,
            "building_density_max": 0.6, "water": true, "gas": false, "land_use": "industrial"});
        let rows = rows(PLOT_FIELDS, props.as_object().unwrap(), Section::Indicators);
        let text: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.label.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            text,
            [
                ("用地性质", "工业用地"),
                ("用地面积", "45.25 亩（30,167 m²）"),
                ("容积率", "≥ 1.2"),
                ("建筑密度（上限）", "60%"),
            ]
        );
        let utilities = super::rows(PLOT_FIELDS, props.as_object().unwrap(), Section::Utilities);
        assert_eq!(utilities.len(), 2);
        assert_eq!(utilities[1].value, "无");
    }
}
