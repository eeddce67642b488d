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

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::FormatError;

/// Field names land departments commonly use, and the model field each one means.
const BUILTIN_FIELDS: &[(&str, &str)] = &[
    ("地块编号", "code"),
    ("宗地编号", "code"),
    ("地块代码", "code"),
    ("地块名称", "name"),
    ("宗地名称", "name"),
    ("名称", "name"),
    ("用地性质", "land_use"),
    ("土地用途", "land_use"),
    ("用途", "land_use"),
    ("出让面积", "area_m2"),
    ("用地面积", "area_m2"),
    ("面积", "area_m2"),
    ("所属园区", "park"),
    ("园区编号", "park"),
    ("状态", "status"),
    ("供应状态", "status"),
    ("容积率下限", "plot_ratio_min"),
    ("容积率上限", "plot_ratio_max"),
    ("容积率", "plot_ratio_max"),
    ("建筑密度", "building_density_max"),
    ("绿地率", "green_ratio_max"),
    ("限高", "height_limit_m"),
    ("建筑限高", "height_limit_m"),
    ("投资强度", "investment_intensity_wan_per_mu"),
    ("亩均税收", "tax_per_mu_wan"),
    ("出让价格", "price_wan_per_mu"),
    ("挂牌价", "price_wan_per_mu"),
];

/// Chinese values of the closed vocabularies, by model field.
const BUILTIN_VALUES: &[(&str, &[(&str, &str)])] = &[
    (
        "land_use",
        &[
            ("工业", "industrial"),
            ("工业用地", "industrial"),
            ("物流仓储", "logistics"),
            ("仓储用地", "logistics"),
            ("科研", "rnd"),
            ("研发", "rnd"),
            ("商业", "commercial"),
            ("商服", "commercial"),
            ("混合", "mixed"),
        ],
    ),
    (
        "status",
        &[
            ("可供", "available"),
            ("待出让", "available"),
            ("未出让", "available"),
            ("已预留", "reserved"),
            ("预留", "reserved"),
            ("洽谈中", "negotiating"),
            ("已出让", "transferred"),
            ("已供", "transferred"),
            ("撤回", "withdrawn"),
            ("暂停", "withdrawn"),
        ],
    ),
];

/// Source field name → model field, and per model field, source value → model value.
///
/// [`FieldMapping::default`] is the built-in mapping of common Chinese land-department names.
/// Properties without a mapping pass through unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMapping {
    fields: HashMap<String, String>,
    values: HashMap<String, HashMap<String, String>>,
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
        let values = BUILTIN_VALUES
            .iter()
            .map(|(field, pairs)| {
                let map = pairs
                    .iter()
                    .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
                    .collect();
                ((*field).to_owned(), map)
            })
            .collect();
        FieldMapping { fields, values }
    }
}

impl FieldMapping {
    /// A mapping that renames nothing.
    pub fn empty() -> Self {
        FieldMapping {
            fields: HashMap::new(),
            values: HashMap::new(),
        }
    }

    /// Reads a TOML mapping file; its entries are added to (and override) the built-in ones
    /// unless it says `builtin = false`.
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
                map.insert(from.trim().to_owned(), to);
            }
        }
        Ok(mapping)
    }

    /// The model field a source field name maps to, if any.
    pub fn field(&self, source: &str) -> Option<&str> {
        self.fields.get(source.trim()).map(String::as_str)
    }

    /// Renames the properties and maps vocabulary values. When two source fields map to the
    /// same model field, the first keeps the model name and the other keeps its own name, so
    /// that no value is lost and the importer sees the conflict.
    pub fn apply(&self, properties: Map<String, Value>) -> Map<String, Value> {
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
        for (source, model, value) in renamed {
            if out.contains_key(&model) {
                out.insert(source, value);
            } else {
                out.insert(model, value);
            }
        }
        for (field, map) in &self.values {
            if let Some(Value::String(text)) = out.get_mut(field)
                && let Some(mapped) = map.get(text.trim())
            {
                *text = mapped.clone();
            }
        }
        out
    }
}
