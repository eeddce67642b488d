//! Industrial parks (园区): the areas an investor chooses between first.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{Attributes, LayerKind, polygons, vocabulary};
use crate::schema::{Field, FieldValue, GeometryKind, LayerSpec, Section};

vocabulary!(
    /// Administrative level of a park.
    ParkLevel {
        /// 国家级.
        National => "national",
        /// 省级.
        Provincial => "provincial",
        /// 市级.
        Municipal => "municipal",
        /// 县级.
        County => "county",
    }
);

/// Attributes of an industrial park.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ParkAttrs {
    /// Display name.
    pub name: String,
    /// Administrative level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<ParkLevel>,
    /// Industry focus tags such as `biomedicine` or `new_energy_vehicles`.
    #[serde(default, deserialize_with = "crate::model::word_list")]
    pub industries: Vec<String>,
    /// District (区县) the park lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
}

/// How parks describe themselves.
pub static SPEC: LayerSpec = LayerSpec {
    layer: LayerKind::Parks,
    label_zh: "园区",
    label_en: "Parks",
    description: "Industrial parks (园区)",
    geometry: GeometryKind::Polygon,
    carrier: false,
    minzoom: 0,
    label_layer: Some("park_labels"),
    label_minzoom: crate::encode::PARK_LABEL_MINZOOM,
    label_fields: &["name", "level"],
    sections: &[Section {
        id: "overview",
        label_zh: "概况",
        label_en: "Overview",
    }],
    fields: &[
        Field::text("name", "名称", "Name")
            .tile()
            .searchable()
            .import(&["园区名称"]),
        Field::choice(
            "level",
            "级别",
            "Level",
            &["national", "provincial", "municipal", "county"],
            &["国家级", "省级", "市级", "县级"],
        )
        .tile()
        .import(&["园区级别", "级别"]),
        Field::list("industries", "主导产业", "Leading industries")
            .tile()
            .import(&["主导产业"]),
        Field::text("district", "所在区县", "District")
            .tile()
            .import(&["所在区县", "区县"]),
    ],
};

impl Attributes for ParkAttrs {
    const LAYER: LayerKind = LayerKind::Parks;
    const SPEC: &'static LayerSpec = &SPEC;
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        polygons(shape, Self::LAYER).map(|_| ())
    }
    fn value(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "name" => Some(FieldValue::Text(&self.name)),
            "level" => self.level.map(|l| FieldValue::Text(l.as_str())),
            "industries" => Some(FieldValue::List(&self.industries)),
            "district" => self.district.as_deref().map(FieldValue::Text),
            _ => None,
        }
    }
}
