//! Renaming the departments' field names and vocabulary to the model's.
//!
//! A mapping file is TOML:
//!
//! ```toml
//! # builtin = false   # start from nothing instead of the built-in Chinese names
//! [fields]
//! "宗地号" = "code"
//! [values.land_use]
//! "M1" = "industrial"
//! ```
//!
//! Land use and status are read with the national vocabularies of [`crate::vocabulary`];
//! a mapping file's values come first and the model's own values pass unchanged. A plot whose
//! land use or status matches nothing, or names land the map does not offer, is refused with
//! the model field, the value and, for unknown values, the closest known ones.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::FormatError;
use crate::vocabulary::{self, FACTORY_STATUSES, LAND_USES, PLOT_STATUSES, Reading, normalise};

/// Field names land departments commonly use, and the model field each one means.
const BUILTIN_FIELDS: &[(&str, &str)] = &[
    ("地块编号", "code"),
    ("宗地编号", "code"),
    ("地块代码", "code"),
    ("厂房编号", "code"),
    ("楼宇编号", "code"),
    ("地块名称", "name"),
    ("宗地名称", "name"),
    ("名称", "name"),
    ("用地性质", "land_use"),
    ("土地用途", "land_use"),
    ("用途", "land_use"),
    ("规划用途", "land_use"),
    ("规划用地性质", "land_use"),
    ("用地分类", "land_use"),
    ("用地用海分类", "land_use"),
    ("用地代码", "land_use"),
    ("用地性质代码", "land_use"),
    ("用地分类代码", "land_use"),
    ("用地用海分类代码", "land_use"),
    ("出让面积", "area_m2"),
    ("用地面积", "area_m2"),
    ("面积", "area_m2"),
    ("所属园区", "park"),
    ("园区编号", "park"),
    ("状态", "status"),
    ("供应状态", "status"),
    ("供地状态", "status"),
    ("容积率下限", "plot_ratio_min"),
    ("容积率上限", "plot_ratio_max"),
    ("容积率", "plot_ratio_max"),
    ("建筑密度", "building_density_max"),
    ("绿地率", "green_ratio_max"),
    ("限高", "height_limit_m"),
    ("建筑限高", "height_limit_m"),
    ("投资强度", "investment_intensity_wan_per_mu"),
    ("亩均税收", "tax_per_mu_wan"),
    ("亩均能耗", "energy_per_mu_tce_max"),
    ("亩均能耗上限", "energy_per_mu_tce_max"),
    ("能耗标准", "energy_per_mu_tce_max"),
    ("亩均能耗标准", "energy_per_mu_tce_max"),
    ("单位用地能耗", "energy_per_mu_tce_max"),
    ("出让价格", "price_wan_per_mu"),
    ("挂牌价", "price_wan_per_mu"),
    // Parks' profiles (园区名片). Lists come as one text, items separated by 、 or commas.
    ("园区编码", "code"),
    ("园区代码", "code"),
    ("园区名称", "name"),
    ("所在区县", "district"),
    ("主导产业", "industries"),
    ("主导产业链", "industry_chains"),
    ("产业链", "industry_chains"),
    ("规划面积", "area_km2"),
    ("规划面积(平方公里)", "area_km2"),
    ("规划面积（平方公里）", "area_km2"),
    ("园区面积(平方公里)", "area_km2"),
    ("园区面积（平方公里）", "area_km2"),
    ("面积(平方公里)", "area_km2"),
    ("面积（平方公里）", "area_km2"),
    ("企业数量", "enterprise_count"),
    ("企业数", "enterprise_count"),
    ("入驻企业数", "enterprise_count"),
    ("入驻企业数量", "enterprise_count"),
    ("总产值", "output_value_yi"),
    ("年产值", "output_value_yi"),
    ("总产值(亿元)", "output_value_yi"),
    ("总产值（亿元）", "output_value_yi"),
    ("年产值(亿元)", "output_value_yi"),
    ("年产值（亿元）", "output_value_yi"),
    ("工业总产值(亿元)", "output_value_yi"),
    ("工业总产值（亿元）", "output_value_yi"),
    ("服务", "services"),
    ("服务事项", "services"),
    ("企业服务", "services"),
    ("招商专员", "contact.name"),
    ("专员", "contact.name"),
    ("专员姓名", "contact.name"),
    ("专员电话", "contact.phone"),
    ("招商专员电话", "contact.phone"),
    ("专员联系电话", "contact.phone"),
    ("招商电话", "contact.phone"),
];

/// Built-in fields that hold a land-use code rather than a name: when a record has both,
/// the name is the land use (names win over codes) and the code keeps its own field name.
const CODE_FIELDS: &[&str] = &[
    "用地代码",
    "用地性质代码",
    "用地分类代码",
    "用地用海分类代码",
];

/// Source field name → model field, and per model field, source value → model value.
///
/// [`FieldMapping::default`] is the built-in mapping of common Chinese land-department names
/// and the national land-use and supply-status vocabularies. Properties without a mapping
/// pass through unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMapping {
    fields: HashMap<String, String>,
    /// A mapping file's values, by model field, keyed by normalised source value.
    values: HashMap<String, HashMap<String, String>>,
    /// Whether the built-in vocabularies apply.
    builtin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    builtin: Option<bool>,
    #[serde(default)]
    fields: HashMap<String, String>,
    #[serde(default)]
    values: HashMap<String, HashMap<String, String>>,
}

impl Default for FieldMapping {
    fn default() -> Self {
        let fields = BUILTIN_FIELDS
            .iter()
            .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
            .collect();
        FieldMapping {
            fields,
            values: HashMap::new(),
            builtin: true,
        }
    }
}

/// Why a vocabulary value was not mapped.
enum Problem {
    Empty,
    NotOffered {
        part: String,
        class: &'static vocabulary::Class,
    },
    Unknown {
        part: String,
    },
}

impl FieldMapping {
    /// A mapping that renames nothing.
    pub fn empty() -> Self {
        FieldMapping {
            fields: HashMap::new(),
            values: HashMap::new(),
            builtin: false,
        }
    }

    /// Reads a TOML mapping file; its entries are added to (and override) the built-in ones
    /// unless it says `builtin = false`. Source values are matched as the vocabularies match
    /// them: regardless of width, ASCII case and white space.
    pub fn from_toml(text: &str) -> Result<Self, FormatError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| FormatError::Mapping(e.to_string()))?;
        let mut mapping = if file.builtin.unwrap_or(true) {
            FieldMapping::default()
        } else {
            Self::empty()
        };
        for (from, to) in file.fields {
            mapping.fields.insert(from.trim().to_owned(), to);
        }
        for (field, pairs) in file.values {
            let map = mapping.values.entry(field).or_default();
            for (from, to) in pairs {
                map.insert(normalise(&from), to);
            }
        }
        Ok(mapping)
    }

    /// Adds column names that mean a model field (a layer's own vocabulary, such as
    /// 供地方式 for `supply_method`), where neither the built-in names nor a mapping file
    /// already say what the column means; nothing when the built-in names are off.
    pub fn with_names<'a>(mut self, names: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        if self.builtin {
            for (from, to) in names {
                self.fields
                    .entry(from.trim().to_owned())
                    .or_insert_with(|| to.to_owned());
            }
        }
        self
    }

    /// Adds the words departments write for a model field's values (甲级 for `grade_a`),
    /// where a mapping file does not already say what they mean; nothing when the
    /// built-in names are off. The land-use and status vocabularies are the national ones.
    pub fn with_values<'a>(
        mut self,
        values: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Self {
        if self.builtin {
            for (field, from, to) in values {
                if VOCABULARY_FIELDS.contains(&field) {
                    continue;
                }
                self.values
                    .entry(field.to_owned())
                    .or_default()
                    .entry(normalise(from))
                    .or_insert_with(|| to.to_owned());
            }
        }
        self
    }

    /// The model field a source field name maps to, if any.
    pub fn field(&self, source: &str) -> Option<&str> {
        self.fields.get(source.trim()).map(String::as_str)
    }

    /// Renames the properties and maps vocabulary values. When two source fields map to the
    /// same model field, the first with a value (a land-use name before a land-use code)
    /// keeps the model name and the other keeps its own name, so that no value is lost and
    /// the importer sees the conflict.
    ///
    /// Also returns what could not be mapped, one sentence per field: a plot's land use or
    /// status that matches nothing or names land the map does not offer. Only records with a
    /// land use (plots) are judged, and not those whose status is a factory's: parks and
    /// points keep such columns as extra attributes.
    pub fn apply(&self, properties: Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
        let mut out = Map::new();
        let mut renamed = Vec::new();
        for (key, value) in properties {
            match self.field(&key) {
                Some(model) => renamed.push((key, model.to_owned(), value)),
                None => {
                    out.insert(key, value);
                }
            }
        }
        renamed.sort_by_key(|(source, _, value)| {
            (is_blank(value), CODE_FIELDS.contains(&source.trim()))
        });
        for (source, model, value) in renamed {
            if let Some((parent, child)) = model.split_once('.') {
                // A part of an object (`contact.name`): flat files have no objects.
                // A blank cell says nothing, so it makes no object.
                if is_blank(&value) {
                    continue;
                }
                match out
                    .entry(parent.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    Value::Object(object) if !object.contains_key(child) => {
                        object.insert(child.to_owned(), value);
                    }
                    _ => {
                        out.insert(source, value);
                    }
                }
            } else if out.contains_key(&model) {
                out.insert(source, value);
            } else {
                out.insert(model, value);
            }
        }
        for (field, map) in &self.values {
            if VOCABULARY_FIELDS.contains(&field.as_str()) {
                continue;
            }
            if let Some(Value::String(text)) = out.get_mut(field)
                && let Some(mapped) = map.get(&normalise(text))
            {
                *text = mapped.clone();
            }
        }
        let mut problems = Vec::new();
        for field in VOCABULARY_FIELDS {
            let text = match out.get(*field) {
                Some(Value::String(text)) => text.clone(),
                // A numeric field holds a code that lost its leading zero (601 is 0601).
                Some(Value::Number(n)) if *field == "land_use" => match code_of_number(n) {
                    Some(code) => code,
                    None => continue,
                },
                _ => continue,
            };
            match self.resolve(field, &text) {
                Ok(model) => {
                    out.insert((*field).to_owned(), Value::String(model));
                }
                Err(problem) => problems.push((*field, text, problem)),
            }
        }
        let is_plot = out.get("land_use").is_some_and(|v| !v.is_null())
            && !matches!(out.get("status"), Some(Value::String(s)) if FACTORY_STATUSES.contains(&s.as_str()));
        let refused = if is_plot {
            problems
                .into_iter()
                .map(|(field, text, problem)| self.describe(field, &text, problem))
                .collect()
        } else {
            Vec::new()
        };
        (out, refused)
    }

    /// The model value of a land-use or status value.
    fn resolve(&self, field: &str, text: &str) -> Result<String, Problem> {
        let key = normalise(text);
        if key.is_empty() {
            return Err(Problem::Empty);
        }
        let extra = |part: &str| self.known(field, part);
        if field == "land_use" && self.builtin {
            return match vocabulary::classify(text, &extra) {
                Reading::Use(model) => Ok(model),
                Reading::NotOffered { part, class } => Err(Problem::NotOffered { part, class }),
                Reading::Unknown { part } => Err(Problem::Unknown { part }),
            };
        }
        extra(&key)
            .or_else(|| {
                (self.builtin && field == "status")
                    .then(|| vocabulary::status(&key))
                    .flatten()
                    .map(str::to_owned)
            })
            .ok_or(Problem::Unknown { part: key })
    }

    /// A normalised value the mapping file names, or a model value itself.
    fn known(&self, field: &str, key: &str) -> Option<String> {
        if let Some(mapped) = self.values.get(field).and_then(|map| map.get(key)) {
            return Some(mapped.clone());
        }
        model_values(field)
            .find(|model| model.eq_ignore_ascii_case(key))
            .map(str::to_owned)
    }

    fn describe(&self, field: &str, text: &str, problem: Problem) -> String {
        let whole = normalise(text);
        match problem {
            Problem::Empty => format!("{field} is empty"),
            Problem::NotOffered { part, class } => {
                let named = if class.name == part {
                    format!("\"{part}\"")
                } else {
                    format!("\"{part}\" ({})", class.name)
                };
                let what = match class.meaning {
                    vocabulary::Meaning::NotOffered(kind) => kind.describe(),
                    vocabulary::Meaning::Offered(_) => "land",
                };
                if part == whole {
                    format!("{field}: {named} is {what}, not offered on an investment map")
                } else {
                    format!(
                        "{field}: \"{text}\" includes {named}, {what}, not offered on an investment map"
                    )
                }
            }
            Problem::Unknown { part } => {
                let label = if field == "land_use" {
                    "land use"
                } else {
                    field
                };
                let candidates = self.candidates(field);
                let closest = vocabulary::closest(
                    &part,
                    candidates.iter().map(|(k, m)| (k.as_str(), m.as_str())),
                    3,
                )
                .into_iter()
                .map(|(key, model)| {
                    if key == model {
                        key.to_owned()
                    } else {
                        format!("{key} ({model})")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
                let subject = if part == whole {
                    format!("\"{part}\" is")
                } else {
                    format!("\"{text}\" includes \"{part}\", which is")
                };
                format!("{field}: {subject} not a known {label}; closest: {closest}")
            }
        }
    }

    /// Every value a field can be matched against, with its model value.
    fn candidates(&self, field: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if let Some(map) = self.values.get(field) {
            let mut pairs: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            pairs.sort();
            out.extend(pairs);
        }
        if self.builtin {
            if field == "land_use" {
                out.extend(vocabulary::offered_keys().map(|(k, m)| (k.to_owned(), m.to_owned())));
            } else {
                out.extend(
                    vocabulary::statuses()
                        .iter()
                        .map(|(k, m)| ((*k).to_owned(), (*m).to_owned())),
                );
            }
        }
        out.extend(model_values(field).map(|m| (m.to_owned(), m.to_owned())));
        out
    }
}

/// The model fields with closed vocabularies the built-in tables cover, status first so that
/// a factory's status is known before its land use is judged.
const VOCABULARY_FIELDS: &[&str] = &["status", "land_use"];

fn model_values(field: &str) -> impl Iterator<Item = &'static str> {
    let lists: &[&[&'static str]] = match field {
        "land_use" => &[LAND_USES],
        "status" => &[PLOT_STATUSES, FACTORY_STATUSES],
        _ => &[],
    };
    lists.iter().flat_map(|list| list.iter().copied())
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A numeric land-use code as text, with the leading zero a number cannot keep: the national
/// codes have two digits a level.
fn code_of_number(n: &serde_json::Number) -> Option<String> {
    let whole = match n.as_u64() {
        Some(v) => v,
        None => {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || !(0.0..1e12).contains(&f) {
                return None;
            }
            f as u64
        }
    };
    let digits = whole.to_string();
    Some(if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    })
}
