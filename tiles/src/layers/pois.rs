//! Infrastructure points of interest: highway exits, rail freight, ports,
//! airports, substations, wastewater plants.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{Attributes, LayerKind, vocabulary};
use crate::schema::{Field, FieldValue, Filter, GeometryKind, LayerSpec, Section};

vocabulary!(
    /// Kind of infrastructure point.
    PoiKind {
        /// 高速出口.
        HighwayExit => "highway_exit",
        /// Rail freight station.
        RailFreight => "rail_freight",
        /// River or sea port.
        Port => "port",
        /// Airport.
        Airport => "airport",
        /// Electrical substation.
        Substation => "substation",
        /// Wastewater treatment plant.
        Wastewater => "wastewater",
    }
);

/// Attributes of a point of interest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoiAttrs {
    /// What the point is.
    pub kind: PoiKind,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// How points of interest describe themselves.
pub static SPEC: LayerSpec = LayerSpec {
    layer: LayerKind::Pois,
    label_zh: "基础设施",
    label_en: "Infrastructure",
    description: "Infrastructure: highway exits, rail freight, ports, airports, substations, wastewater plants",
    geometry: GeometryKind::Point,
    carrier: false,
    minzoom: 0,
    label_layer: None,
    label_minzoom: 0,
    label_fields: &[],
    sections: &[Section {
        id: "overview",
        label_zh: "概况",
        label_en: "Overview",
    }],
    fields: &[
        Field::choice(
            "kind",
            "类型",
            "Kind",
            &[
                "highway_exit",
                "rail_freight",
                "port",
                "airport",
                "substation",
                "wastewater",
            ],
            &[
                "高速出口",
                "铁路货运站",
                "港口",
                "机场",
                "变电站",
                "污水处理厂",
            ],
        )
        .tile()
        .filter(Filter::Choice { param: "kind" })
        .import(&["设施类型", "类型"]),
        Field::text("name", "名称", "Name").tile().searchable(),
    ],
};

impl Attributes for PoiAttrs {
    const LAYER: LayerKind = LayerKind::Pois;
    const SPEC: &'static LayerSpec = &SPEC;
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        match shape {
            Shape::Point(_) => Ok(()),
            Shape::Area(_) => Err(ModelError::WrongGeometryType {
                layer: Self::LAYER.as_str(),
                expected: "Point",
                got: "Polygon".into(),
            }),
        }
    }
    fn value(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "kind" => Some(FieldValue::Text(self.kind.as_str())),
            "name" => Some(FieldValue::Text(&self.name)),
            _ => None,
        }
    }
}
