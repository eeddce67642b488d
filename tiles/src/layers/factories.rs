//! Standard factories (标准厂房): buildings ready to let or buy.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{Attributes, LayerKind, check_date, check_non_negative, polygons, vocabulary};
use crate::schema::{Field, FieldValue, Filter, GeometryKind, LayerSpec, Section};

vocabulary!(
    /// Occupancy of a standard factory.
    FactoryStatus {
        /// Entirely free.
        Vacant => "vacant",
        /// Partly let.
        Partial => "partial",
        /// Fully let.
        Occupied => "occupied",
    }
);

vocabulary!(
    /// Whether space is let, sold or either (租售方式).
    Offer {
        /// 出租.
        Rent => "rent",
        /// 出售.
        Sale => "sale",
        /// 可租可售.
        RentOrSale => "rent_or_sale",
    }
);

vocabulary!(
    /// Fire-hazard class of production the building is built for
    /// (GB 50016 火灾危险性分类).
    FireClass {
        /// 甲类 and 乙类: flammable processes; rare in standard factories.
        ClassAB => "class_a_b",
        /// 丙类.
        ClassC => "class_c",
        /// 丁类 and 戊类.
        ClassDE => "class_d_e",
    }
);

/// Attributes of a standard factory (carrier, 载体).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactoryAttrs {
    /// Code of the park the factory stands in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub park: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Number of floors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floors: Option<u32>,
    /// Gross floor area, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_area_m2: Option<f64>,
    /// Floor area still to let or sell, m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_area_m2: Option<f64>,
    /// Clear height (净高), m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_height_m: Option<f64>,
    /// Floor load (承重), kN/m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_load_kn_m2: Option<f64>,
    /// Crane capacity, t.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crane_t: Option<f64>,
    /// Smaller column spacing (柱距), m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_spacing_m: Option<f64>,
    /// Freight lift capacity (货梯), t.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freight_lift_t: Option<f64>,
    /// Rent, 元/m²/month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rent_yuan_m2_month: Option<f64>,
    /// Let, sold or either.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
    /// Sale price, 元/m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_price_yuan_m2: Option<f64>,
    /// Smallest unit let or sold (最小分割面积), m².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_unit_m2: Option<f64>,
    /// Power capacity (配电容量), kVA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_kva: Option<f64>,
    /// Fire-hazard class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fire_class: Option<FireClass>,
    /// Whether an environmental permit (环评) for production can be had here.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::yes_or_no"
    )]
    pub eia_suitable: Option<bool>,
    /// When it is handed over (交付时间), `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<String>,
    /// Who runs it (运营主体).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Occupancy.
    pub status: FactoryStatus,
}

impl Default for FactoryAttrs {
    /// A vacant factory with nothing else known.
    fn default() -> Self {
        FactoryAttrs {
            park: None,
            name: String::new(),
            floors: None,
            total_area_m2: None,
            available_area_m2: None,
            clear_height_m: None,
            floor_load_kn_m2: None,
            crane_t: None,
            column_spacing_m: None,
            freight_lift_t: None,
            rent_yuan_m2_month: None,
            offer: None,
            sale_price_yuan_m2: None,
            min_unit_m2: None,
            power_kva: None,
            fire_class: None,
            eia_suitable: None,
            delivery_date: None,
            operator: None,
            status: FactoryStatus::Vacant,
        }
    }
}

/// How standard factories describe themselves.
pub static SPEC: LayerSpec = LayerSpec {
    layer: LayerKind::Factories,
    label_zh: "标准厂房",
    label_en: "Standard factories",
    description: "Standard factories (标准厂房), from zoom 12",
    geometry: GeometryKind::Polygon,
    carrier: true,
    minzoom: crate::encode::FACTORY_MINZOOM,
    label_layer: Some("factory_labels"),
    label_minzoom: crate::encode::FACTORY_MINZOOM,
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
            id: "utilities",
            label_zh: "配套与准入",
            label_en: "Utilities and permits",
        },
    ],
    fields: &[
        Field::text("name", "名称", "Name")
            .tile()
            .searchable()
            .import(&["厂房名称", "名称"]),
        Field::text("park", "所属园区", "Park")
            .tile()
            .import(&["所属园区", "园区编号"]),
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
            .tile()
            .import(&["层数"]),
        Field::number("total_area_m2", "建筑面积", "Gross floor area")
            .unit("m²", "m²")
            .section("building")
            .import(&["建筑面积", "总建筑面积"]),
        Field::number("available_area_m2", "可租售面积", "Available area")
            .unit("m²", "m²")
            .section("building")
            .tile()
            .filter(Filter::Range {
                min: "min_available_area_m2",
                max: "max_available_area_m2",
            })
            .import(&["可租售面积", "空置面积"]),
        Field::number("clear_height_m", "净高", "Clear height")
            .unit("m", "m")
            .section("building")
            .tile()
            .filter(Filter::AtLeast {
                param: "min_clear_height_m",
            })
            .import(&["净高", "层高"]),
        Field::number("floor_load_kn_m2", "承重", "Floor load")
            .unit("kN/m²", "kN/m²")
            .section("building")
            .tile()
            .filter(Filter::AtLeast {
                param: "min_floor_load_kn_m2",
            })
            .import(&["承重", "楼面荷载"]),
        Field::number("crane_t", "行车", "Crane")
            .unit("吨", "t")
            .section("building")
            .import(&["行车", "行车吨位"]),
        Field::number("column_spacing_m", "柱距", "Column spacing")
            .unit("m", "m")
            .section("building")
            .filter(Filter::AtLeast {
                param: "min_column_spacing_m",
            })
            .import(&["柱距"]),
        Field::number("freight_lift_t", "货梯", "Freight lift")
            .unit("吨", "t")
            .section("building")
            .filter(Filter::AtLeast {
                param: "min_freight_lift_t",
            })
            .import(&["货梯", "货梯载重"]),
        Field::choice(
            "offer",
            "租售方式",
            "Let or sale",
            &["rent", "sale", "rent_or_sale"],
            &["出租", "出售", "可租可售"],
        )
        .labels_en(&["Rent", "Sale", "Rent or sale"])
        .section("terms")
        .filter(Filter::Choice { param: "offer" })
        .import(&["租售方式"]),
        Field::number("rent_yuan_m2_month", "租金", "Rent")
            .unit("元/m²/月", "yuan/m²/month")
            .section("terms")
            .tile()
            .filter(Filter::AtMost { param: "max_rent" })
            .import(&["租金", "租金单价"]),
        Field::number("sale_price_yuan_m2", "售价", "Sale price")
            .unit("元/m²", "yuan/m²")
            .section("terms")
            .filter(Filter::AtMost {
                param: "max_sale_price_yuan_m2",
            })
            .import(&["售价", "销售单价"]),
        Field::number("min_unit_m2", "最小分割面积", "Smallest unit")
            .unit("m²", "m²")
            .section("terms")
            .import(&["最小分割面积", "最小单元面积"]),
        Field::date("delivery_date", "交付时间", "Delivery")
            .section("terms")
            .import(&["交付时间", "交付日期"]),
        Field::text("operator", "运营主体", "Operator")
            .section("terms")
            .import(&["运营主体", "运营单位"]),
        Field::number("power_kva", "配电容量", "Power capacity")
            .unit("kVA", "kVA")
            .section("utilities")
            .filter(Filter::AtLeast {
                param: "min_power_kva",
            })
            .import(&["配电容量", "供电容量"]),
        Field::choice(
            "fire_class",
            "火灾危险性",
            "Fire-hazard class",
            &["class_a_b", "class_c", "class_d_e"],
            &["甲乙类", "丙类", "丁戊类"],
        )
        .labels_en(&["Class A/B", "Class C", "Class D/E"])
        .section("utilities")
        .filter(Filter::Choice {
            param: "fire_class",
        })
        .import(&["火灾危险性", "火灾危险性类别", "消防等级"]),
        Field::boolean("eia_suitable", "可办环评", "Environmental permit possible")
            .section("utilities")
            .filter(Filter::Flag {
                param: "eia_suitable",
            })
            .import(&["可办环评", "环评"]),
    ],
};

impl Attributes for FactoryAttrs {
    const LAYER: LayerKind = LayerKind::Factories;
    const SPEC: &'static LayerSpec = &SPEC;
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        polygons(shape, Self::LAYER)?;
        for (field, value) in [
            ("total_area_m2", self.total_area_m2),
            ("available_area_m2", self.available_area_m2),
            ("clear_height_m", self.clear_height_m),
            ("floor_load_kn_m2", self.floor_load_kn_m2),
            ("crane_t", self.crane_t),
            ("column_spacing_m", self.column_spacing_m),
            ("freight_lift_t", self.freight_lift_t),
            ("rent_yuan_m2_month", self.rent_yuan_m2_month),
            ("sale_price_yuan_m2", self.sale_price_yuan_m2),
            ("min_unit_m2", self.min_unit_m2),
            ("power_kva", self.power_kva),
        ] {
            check_non_negative(field, value)?;
        }
        check_date("delivery_date", self.delivery_date.as_deref())?;
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
        use FieldValue::{Boolean, Integer, Number, Text};
        match field {
            "name" => Some(Text(&self.name)),
            "park" => self.park.as_deref().map(Text),
            "status" => Some(Text(self.status.as_str())),
            "floors" => self.floors.map(|v| Integer(v.into())),
            "total_area_m2" => self.total_area_m2.map(Number),
            "available_area_m2" => self.available_area_m2.map(Number),
            "clear_height_m" => self.clear_height_m.map(Number),
            "floor_load_kn_m2" => self.floor_load_kn_m2.map(Number),
            "crane_t" => self.crane_t.map(Number),
            "column_spacing_m" => self.column_spacing_m.map(Number),
            "freight_lift_t" => self.freight_lift_t.map(Number),
            "offer" => self.offer.map(|v| Text(v.as_str())),
            "rent_yuan_m2_month" => self.rent_yuan_m2_month.map(Number),
            "sale_price_yuan_m2" => self.sale_price_yuan_m2.map(Number),
            "min_unit_m2" => self.min_unit_m2.map(Number),
            "delivery_date" => self.delivery_date.as_deref().map(Text),
            "operator" => self.operator.as_deref().map(Text),
            "power_kva" => self.power_kva.map(Number),
            "fire_class" => self.fire_class.map(|v| Text(v.as_str())),
            "eia_suitable" => self.eia_suitable.map(Boolean),
            _ => None,
        }
    }
}
