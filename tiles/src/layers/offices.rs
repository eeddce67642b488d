//! Office buildings (楼宇): office towers, headquarters buildings and
//! incubators, the carriers that service, R&D and headquarters projects need.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::layers::factories::FactoryStatus;
use crate::model::{Attributes, LayerKind, check_non_negative, vocabulary};
use crate::schema::{Field, FieldValue, Filter, GeometryKind, LayerSpec, Section};

vocabulary!(
    /// What kind of building it is.
    OfficeKind {
        /// 写字楼.
        Office => "office",
        /// 总部楼宇: let or sold whole or by floors to headquarters.
        Headquarters => "headquarters",
        /// 孵化器 and 众创空间.
        Incubator => "incubator",
    }
);

vocabulary!(
    /// Grade of an office building.
    OfficeGrade {
        /// 甲级.
        GradeA => "grade_a",
        /// 乙级.
        GradeB => "grade_b",
        /// 丙级.
        GradeC => "grade_c",
    }
);

vocabulary!(
    /// Fit-out of the space on offer (装修).
    FitOut {
        /// 毛坯.
        Shell => "shell",
        /// 简装.
        Basic => "basic",
        /// 精装.
        Fitted => "fitted",
    }
);

/// Attributes of an office building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeAttrs {
    /// Code of the park the building stands in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub park: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Office tower, headquarters building or incubator.
    pub kind: OfficeKind,
    /// Grade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<OfficeGrade>,
    /// Number of floors above ground.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floors: Option<u32>,
    /// Gross floor area, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_area_m2: Option<f64>,
    /// Floor area to let or sell, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_area_m2: Option<f64>,
    /// Rent, 元/m²/month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rent_yuan_m2_month: Option<f64>,
    /// Property management fee, 元/m²/month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_fee_yuan_m2_month: Option<f64>,
    /// Floor-to-floor height (层高), m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_height_m: Option<f64>,
    /// Fit-out of the space on offer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit_out: Option<FitOut>,
    /// Parking spaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parking_spaces: Option<u32>,
    /// Walking distance to the nearest metro station, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metro_distance_m: Option<f64>,
    /// Who runs it (运营主体).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Occupancy.
    pub status: FactoryStatus,
}

/// How office buildings describe themselves.
pub static SPEC: LayerSpec = LayerSpec {
    layer: LayerKind::Offices,
    label_zh: "楼宇",
    label_en: "Office buildings",
    description: "Office buildings (楼宇: 写字楼, 总部楼宇, 孵化器): footprints or points, from zoom 10",
    geometry: GeometryKind::PolygonOrPoint,
    carrier: true,
    minzoom: 10,
    label_layer: Some("office_labels"),
    label_minzoom: 12,
    label_fields: &["name", "status"],
    sections: &[
        Section {
            id: "overview",
            label_zh: "概况",
            label_en: "Overview",
        },
        Section {
            id: "building",
            label_zh: "建筑参数",
            label_en: "Building",
        },
        Section {
            id: "terms",
            label_zh: "租售条件",
            label_en: "Terms",
        },
        Section {
            id: "location",
            label_zh: "交通与停车",
            label_en: "Access",
        },
    ],
    fields: &[
        Field::text("name", "名称", "Name")
            .tile()
            .searchable()
            .import(&["楼宇名称", "名称"]),
        Field::text("park", "所属园区", "Park")
            .tile()
            .import(&["所属园区", "园区编号"]),
        Field::choice(
            "kind",
            "楼宇类型",
            "Kind",
            &["office", "headquarters", "incubator"],
            &["写字楼", "总部楼宇", "孵化器"],
        )
        .labels_en(&["Office tower", "Headquarters building", "Incubator"])
        .tile()
        .filter(Filter::Choice { param: "kind" })
        .import(&["楼宇类型", "类型"]),
        Field::choice(
            "grade",
            "等级",
            "Grade",
            &["grade_a", "grade_b", "grade_c"],
            &["甲级", "乙级", "丙级"],
        )
        .labels_en(&["Grade A", "Grade B", "Grade C"])
        .tile()
        .filter(Filter::Choice { param: "grade" })
        .import(&["楼宇等级", "等级"]),
        Field::choice(
            "status",
            "出租状态",
            "Occupancy",
            &["vacant", "partial", "occupied"],
            &["空置", "部分出租", "已满租"],
        )
        .labels_en(&["Vacant", "Partly let", "Fully let"])
        .tile()
        .filter(Filter::Choice { param: "status" })
        .import(&["状态", "出租状态"]),
        Field::integer("floors", "层数", "Floors")
            .section("building")
            .import(&["层数", "地上层数"]),
        Field::number("total_area_m2", "建筑面积", "Gross floor area")
            .unit("m²", "m²")
            .section("building")
            .import(&["建筑面积", "总建筑面积"]),
        Field::number("floor_height_m", "层高", "Floor height")
            .unit("m", "m")
            .section("building")
            .import(&["层高"]),
        Field::choice(
            "fit_out",
            "装修",
            "Fit-out",
            &["shell", "basic", "fitted"],
            &["毛坯", "简装", "精装"],
        )
        .labels_en(&["Shell", "Basic fit-out", "Fitted"])
        .section("building")
        .tile()
        .filter(Filter::Choice { param: "fit_out" })
        .import(&["装修", "装修情况"]),
        Field::number("available_area_m2", "可租售面积", "Available area")
            .unit("m²", "m²")
            .section("terms")
            .tile()
            .filter(Filter::Range {
                min: "min_available_area_m2",
                max: "max_available_area_m2",
            })
            .import(&["可租售面积", "空置面积"]),
        Field::number("rent_yuan_m2_month", "租金", "Rent")
            .unit("元/m²/月", "yuan/m²/month")
            .section("terms")
            .tile()
            .filter(Filter::AtMost { param: "max_rent" })
            .import(&["租金", "租金单价"]),
        Field::number("property_fee_yuan_m2_month", "物业费", "Property fee")
            .unit("元/m²/月", "yuan/m²/month")
            .section("terms")
            .import(&["物业费"]),
        Field::text("operator", "运营主体", "Operator")
            .section("terms")
            .import(&["运营主体", "运营单位", "物业公司"]),
        Field::number("metro_distance_m", "距地铁站", "To metro")
            .unit("m", "m")
            .section("location")
            .tile()
            .filter(Filter::AtMost {
                param: "max_metro_distance_m",
            })
            .import(&["距地铁站", "距地铁距离"]),
        Field::integer("parking_spaces", "停车位", "Parking spaces")
            .section("location")
            .import(&["停车位", "车位数"]),
    ],
};

impl Attributes for OfficeAttrs {
    const LAYER: LayerKind = LayerKind::Offices;
    const SPEC: &'static LayerSpec = &SPEC;
    /// A footprint where one is surveyed, or a point.
    fn finish(&mut self, _shape: &Shape) -> Result<(), ModelError> {
        for (field, value) in [
            ("total_area_m2", self.total_area_m2),
            ("available_area_m2", self.available_area_m2),
            ("rent_yuan_m2_month", self.rent_yuan_m2_month),
            (
                "property_fee_yuan_m2_month",
                self.property_fee_yuan_m2_month,
            ),
            ("floor_height_m", self.floor_height_m),
            ("metro_distance_m", self.metro_distance_m),
        ] {
            check_non_negative(field, value)?;
        }
        if let (Some(avail), Some(total)) = (self.available_area_m2, self.total_area_m2)
            && avail > total
        {
            return Err(ModelError::InvalidProperty {
                field: "available_area_m2".into(),
                reason: format!("{avail} is above total_area_m2 {total}"),
            });
        }
        Ok(())
    }
    fn value(&self, field: &str) -> Option<FieldValue<'_>> {
        use FieldValue::{Integer, Number, Text};
        match field {
            "name" => Some(Text(&self.name)),
            "park" => self.park.as_deref().map(Text),
            "kind" => Some(Text(self.kind.as_str())),
            "grade" => self.grade.map(|v| Text(v.as_str())),
            "status" => Some(Text(self.status.as_str())),
            "floors" => self.floors.map(|v| Integer(v.into())),
            "total_area_m2" => self.total_area_m2.map(Number),
            "floor_height_m" => self.floor_height_m.map(Number),
            "fit_out" => self.fit_out.map(|v| Text(v.as_str())),
            "available_area_m2" => self.available_area_m2.map(Number),
            "rent_yuan_m2_month" => self.rent_yuan_m2_month.map(Number),
            "property_fee_yuan_m2_month" => self.property_fee_yuan_m2_month.map(Number),
            "operator" => self.operator.as_deref().map(Text),
            "metro_distance_m" => self.metro_distance_m.map(Number),
            "parking_spaces" => self.parking_spaces.map(|v| Integer(v.into())),
            _ => None,
        }
    }
}
