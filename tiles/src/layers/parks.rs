//! Industrial parks (园区): the areas an investor chooses between first.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{Attributes, LayerKind, check_non_negative, polygons, vocabulary};
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
    /// Planned area, km².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_km2: Option<f64>,
    /// Leading industry chains (主导产业链), such as 创新药、医疗器械.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::model::word_list"
    )]
    pub industry_chains: Vec<String>,
    /// Resident enterprises (入驻企业), the chain leaders (龙头) among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enterprises: Vec<ResidentEnterprise>,
    /// Number of enterprises in the park (all of them, not only those listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_count: Option<u32>,
    /// Total output value, 亿元 a year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_value_yi: Option<f64>,
    /// Services offered to investors (一站式服务, 全程代办 ...).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::model::word_list"
    )]
    pub services: Vec<String>,
    /// The investment officer (招商专员) to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ParkContact>,
    /// Schools, hospitals, housing and transport near the park.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amenities: Vec<Amenity>,
}

/// An enterprise resident in a park.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentEnterprise {
    /// Company name.
    pub name: String,
    /// What it makes (产业), free text.
    #[serde(default)]
    pub industry: String,
    /// Output value, 亿元 a year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_yi: Option<f64>,
    /// A chain leader (龙头企业).
    #[serde(default)]
    pub leading: bool,
}

/// A park's investment officer (招商专员).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParkContact {
    /// Name.
    pub name: String,
    /// Telephone, as dialled: digits, spaces, `+`, `-` and brackets.
    pub phone: String,
}

/// A facility near a park that makes it liveable.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amenity {
    /// One of [`AMENITY_KINDS`].
    pub kind: String,
    /// Name.
    pub name: String,
    /// Distance from the park, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

/// The kinds of [`Amenity`]: 学校, 医院, 人才住房, 交通.
pub const AMENITY_KINDS: &[&str] = &["school", "hospital", "housing", "transport"];

/// Longest text of a park's profile entries (a name, a service), in characters.
const MAX_PROFILE_TEXT: usize = 200;
/// Most entries of a park's profile list (enterprises, services ...).
const MAX_PROFILE_ITEMS: usize = 500;

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ModelError {
    ModelError::InvalidProperty {
        field: field.into(),
        reason: reason.into(),
    }
}

fn check_text(field: &str, text: &str, required: bool) -> Result<(), ModelError> {
    if required && text.trim().is_empty() {
        return Err(invalid(field, "is required and must not be empty"));
    }
    if text.chars().count() > MAX_PROFILE_TEXT {
        return Err(invalid(
            field,
            format!("must be at most {MAX_PROFILE_TEXT} characters"),
        ));
    }
    Ok(())
}

fn check_list_len(field: &str, len: usize) -> Result<(), ModelError> {
    if len > MAX_PROFILE_ITEMS {
        return Err(invalid(
            field,
            format!("has {len} entries, at most {MAX_PROFILE_ITEMS} are kept"),
        ));
    }
    Ok(())
}

/// A telephone number as dialled: 5 to 20 digits with `+`, `-`, spaces and brackets.
fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-() ".contains(c))
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
    sections: &[
        Section {
            id: "overview",
            label_zh: "概况",
            label_en: "Overview",
        },
        Section {
            id: "industry",
            label_zh: "产业与企业",
            label_en: "Industries and firms",
        },
        Section {
            id: "services",
            label_zh: "服务与配套",
            label_en: "Services and amenities",
        },
    ],
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
        Field::number("area_km2", "规划面积", "Planned area")
            .unit("平方公里", "km²")
            .import(&["规划面积", "规划面积（平方公里）"]),
        Field::list("industry_chains", "主导产业链", "Industry chains")
            .section("industry")
            .import(&["主导产业链", "产业链"]),
        Field::integer("enterprise_count", "入驻企业数", "Enterprises")
            .section("industry")
            .import(&["入驻企业数", "企业数量"]),
        Field::number("output_value_yi", "总产值", "Output value")
            .unit("亿元/年", "100M yuan/year")
            .section("industry")
            .import(&["总产值", "总产值（亿元）", "年产值"]),
        Field::object("enterprises", "入驻企业", "Resident enterprises").section("industry"),
        Field::list("services", "服务事项", "Services")
            .section("services")
            .import(&["服务事项", "服务"]),
        Field::object("contact", "招商专员", "Investment officer").section("services"),
        Field::object("amenities", "周边配套", "Amenities").section("services"),
    ],
};

impl Attributes for ParkAttrs {
    const LAYER: LayerKind = LayerKind::Parks;
    const SPEC: &'static LayerSpec = &SPEC;
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        polygons(shape, Self::LAYER)?;
        check_non_negative("area_km2", self.area_km2)?;
        check_non_negative("output_value_yi", self.output_value_yi)?;
        for (field, list) in [
            ("industry_chains", &mut self.industry_chains),
            ("services", &mut self.services),
        ] {
            check_list_len(field, list.len())?;
            for (i, item) in list.iter_mut().enumerate() {
                *item = item.trim().to_owned();
                check_text(&format!("{field}[{i}]"), item, true)?;
            }
        }
        check_list_len("enterprises", self.enterprises.len())?;
        for (i, e) in self.enterprises.iter().enumerate() {
            check_text(&format!("enterprises[{i}].name"), &e.name, true)?;
            check_text(&format!("enterprises[{i}].industry"), &e.industry, false)?;
            check_non_negative(&format!("enterprises[{i}].output_yi"), e.output_yi)?;
        }
        if let Some(count) = self.enterprise_count
            && (count as usize) < self.enterprises.len()
        {
            return Err(invalid(
                "enterprise_count",
                format!(
                    "{count} is below the {} enterprises listed",
                    self.enterprises.len()
                ),
            ));
        }
        if let Some(contact) = &self.contact {
            check_text("contact.name", &contact.name, true)?;
            if !is_phone(&contact.phone) {
                return Err(invalid(
                    "contact.phone",
                    format!(
                        "`{}` is not a telephone number (5-20 digits, with + - ( ) and spaces)",
                        contact.phone
                    ),
                ));
            }
        }
        check_list_len("amenities", self.amenities.len())?;
        for (i, a) in self.amenities.iter().enumerate() {
            if !AMENITY_KINDS.contains(&a.kind.as_str()) {
                return Err(invalid(
                    format!("amenities[{i}].kind"),
                    format!("`{}` is not one of {}", a.kind, AMENITY_KINDS.join(", ")),
                ));
            }
            check_text(&format!("amenities[{i}].name"), &a.name, true)?;
            check_non_negative(&format!("amenities[{i}].distance_km"), a.distance_km)?;
        }
        Ok(())
    }
    fn value(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "name" => Some(FieldValue::Text(&self.name)),
            "level" => self.level.map(|l| FieldValue::Text(l.as_str())),
            "industries" => Some(FieldValue::List(&self.industries)),
            "district" => self.district.as_deref().map(FieldValue::Text),
            "area_km2" => self.area_km2.map(FieldValue::Number),
            "industry_chains" => Some(FieldValue::List(&self.industry_chains)),
            "enterprise_count" => self.enterprise_count.map(|n| FieldValue::Integer(n.into())),
            "output_value_yi" => self.output_value_yi.map(FieldValue::Number),
            "services" => Some(FieldValue::List(&self.services)),
            // Structured values are shown whole by the card, never filtered or tiled.
            _ => None,
        }
    }
}
