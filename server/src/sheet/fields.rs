//! What a sheet shows of a site, by property name: label, unit and how the
//! value is written. One list per site layer; a property the site does not
//! have is left out, so a sheet shows only what the site has.

use serde_json::{Map, Value};
use siteatlas_tiles::LayerKind;
use siteatlas_tiles::schema::{Field as SpecField, FieldType, LayerSpec};

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
    /// One of the field's choices, in Chinese.
    Choice(&'static SpecField),
    /// Text as it is (a date, an operator).
    Text,
}

/// Where on the sheet a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The site's figures, planning indicators, supply and handover.
    Indicators,
    /// Power, water, gas, steam, sewage.
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

/// Card sections a one-page sheet leaves to the online card: long texts and lists.
const OFF_SHEET_SECTIONS: &[&str] = &["limits", "location"];

/// The rows a sheet shows for a layer, from the layer's description: its
/// public figures in card order, the utilities apart, a plot's area in mu
/// with its square metres, the plot ratio as one range.
fn sheet_fields(spec: &'static LayerSpec) -> Vec<Field> {
    let mut out = Vec::new();
    for f in spec.fields {
        let section = if f.section == "utilities" {
            Section::Utilities
        } else {
            Section::Indicators
        };
        let row = |show: Show| Field {
            key: f.name,
            zh: f.label_zh,
            en: f.label_en,
            unit: f.unit.unwrap_or(""),
            show,
            section,
        };
        let show = match (f.name, f.kind) {
            // The title says these.
            ("name" | "park" | "status" | "area_m2" | "plot_ratio_max", _) => continue,
            _ if !f.public || OFF_SHEET_SECTIONS.contains(&f.section) => continue,
            ("area_mu", _) => {
                out.push(Field {
                    zh: "用地面积",
                    en: "Area",
                    ..row(Show::Number(2))
                });
                out.push(Field {
                    key: "area_m2",
                    zh: "用地面积",
                    en: "Area",
                    unit: "m²",
                    ..row(Show::Number(0))
                });
                continue;
            }
            ("plot_ratio_min", _) => {
                out.push(Field {
                    zh: "容积率",
                    en: "Plot ratio",
                    ..row(Show::RangeTo("plot_ratio_max"))
                });
                continue;
            }
            ("building_density_max" | "green_ratio_max", _) => Show::Percent,
            (_, FieldType::Number) => Show::Number(2),
            (_, FieldType::Integer) => Show::Number(0),
            (_, FieldType::Boolean) => Show::YesNo,
            (_, FieldType::Choice) => Show::Choice(f),
            (_, FieldType::Text | FieldType::Date) => Show::Text,
            (_, FieldType::List | FieldType::Object) => continue,
        };
        out.push(row(show));
    }
    out
}

/// The Chinese name and rows of a layer that has sheets: the carriers
/// (plots, factories, office buildings).
pub fn sheet_layer(layer: LayerKind) -> Option<(&'static str, Vec<Field>)> {
    let spec = layer.spec();
    spec.carrier.then(|| (spec.label_zh, sheet_fields(spec)))
}

/// The layers whose sites a sheet's map draws around the site.
pub fn site_layers() -> impl Iterator<Item = LayerKind> {
    LayerKind::ALL.into_iter().filter(|l| l.spec().carrier)
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
        Show::Choice(field) => value?.as_str().map(|s| {
            let i = field.choices.iter().position(|c| *c == s);
            i.and_then(|i| field.choice_labels_zh.get(i))
                .map_or_else(|| value_label(s).to_owned(), |zh| (*zh).to_owned())
        }),
        Show::Text => value?.as_str().map(str::to_owned),
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
        let (_, fields) = sheet_layer(LayerKind::Plots).unwrap();
        let rows = rows(&fields, props.as_object().unwrap(), Section::Indicators);
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
                ("建筑密度", "60%"),
            ]
        );
        let utilities = super::rows(&fields, props.as_object().unwrap(), Section::Utilities);
        assert_eq!(utilities.len(), 2);
        assert_eq!(
            (utilities[1].label.as_str(), utilities[1].value.as_str()),
            ("供气", "无")
        );
    }
}
