//! A park's profile (园区名片) attributes: read as files carry them, and checked.

use serde_json::{Value, json};
use siteatlas_tiles::Park;
use siteatlas_tiles::geojson_io::feature_from_geojson;

fn park_with(props: Value) -> Result<Park, (String, String)> {
    let mut properties = json!({"code": "P1", "name": "测试园区"});
    properties
        .as_object_mut()
        .unwrap()
        .extend(props.as_object().unwrap().clone());
    let feature: geojson::Feature = serde_json::from_value(json!({
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.01, 30.0], [104.01, 30.01], [104.0, 30.0]]]},
    }))
    .unwrap();
    feature_from_geojson(1, &feature).map_err(|e| match e {
        siteatlas_tiles::ModelError::InvalidProperty { field, reason } => (field, reason),
        other => ("?".into(), other.to_string()),
    })
}

fn refused_field(props: Value) -> String {
    match park_with(props.clone()) {
        Ok(_) => panic!("{props} was accepted"),
        Err((field, _)) => field,
    }
}

#[test]
fn a_full_profile_is_read_and_written_back() {
    let props = json!({
        "area_km2": 12.5,
        "industry_chains": ["创新药", "医疗器械"],
        "enterprises": [
            {"name": "蓉城示例药业有限公司", "industry": "创新药", "output_yi": 35.2, "leading": true},
            {"name": "锦江示例器械有限公司", "industry": "医疗器械"}
        ],
        "enterprise_count": 180,
        "output_value_yi": 420.0,
        "services": ["一站式服务", "全程代办"],
        "contact": {"name": "王专员", "phone": "028-8888 0000"},
        "amenities": [{"kind": "school", "name": "实验小学", "distance_km": 1.2}, {"kind": "transport", "name": "地铁站"}]
    });
    let park = park_with(props.clone()).unwrap();
    let a = &park.attrs;
    assert_eq!(a.area_km2, Some(12.5));
    assert_eq!(a.enterprises.len(), 2);
    assert!(a.enterprises[0].leading && !a.enterprises[1].leading);
    assert_eq!(a.enterprises[1].output_yi, None);
    assert_eq!(a.contact.as_ref().unwrap().phone, "028-8888 0000");
    assert_eq!(a.amenities[1].distance_km, None);
    // What is written is what was read: nothing lost, nothing left in `extra`.
    assert!(park.extra.is_empty(), "{:?}", park.extra);
    let written = serde_json::to_value(a).unwrap();
    for (key, value) in props.as_object().unwrap() {
        let mut want = value.clone();
        if key == "enterprises" {
            want[1]["leading"] = json!(false);
        }
        assert_eq!(written[key], want, "{key}");
    }
}

#[test]
fn a_park_without_a_profile_writes_no_empty_fields() {
    let park = park_with(json!({})).unwrap();
    let written = serde_json::to_value(&park.attrs).unwrap();
    let mut keys: Vec<&String> = written.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["industries", "name"]);
}

#[test]
fn lists_come_as_one_text_from_flat_files() {
    let park = park_with(json!({
        "industry_chains": "创新药、医疗器械，生物制剂",
        "services": "一站式服务; 全程代办\n拎包入驻",
        "industries": "biomedicine,electronics"
    }))
    .unwrap();
    assert_eq!(
        park.attrs.industry_chains,
        ["创新药", "医疗器械", "生物制剂"]
    );
    assert_eq!(park.attrs.services, ["一站式服务", "全程代办", "拎包入驻"]);
    assert_eq!(park.attrs.industries, ["biomedicine", "electronics"]);
}

#[test]
fn negative_numbers_are_refused_naming_the_field() {
    assert_eq!(refused_field(json!({"area_km2": -1.0})), "area_km2");
    assert_eq!(
        refused_field(json!({"output_value_yi": -0.5})),
        "output_value_yi"
    );
    assert_eq!(
        refused_field(json!({"enterprises": [{"name": "甲"}, {"name": "乙", "output_yi": -3}]})),
        "enterprises[1].output_yi"
    );
    assert_eq!(
        refused_field(
            json!({"amenities": [{"kind": "hospital", "name": "人民医院", "distance_km": -2}]})
        ),
        "amenities[0].distance_km"
    );
    // A count is a whole number: serde refuses -1 and names the property.
    assert_eq!(
        refused_field(json!({"enterprise_count": -1})),
        "enterprise_count"
    );
}

#[test]
fn bad_kinds_and_entries_are_refused_naming_the_field() {
    let (field, reason) = park_with(json!({"amenities": [
        {"kind": "school", "name": "一中"},
        {"kind": "casino", "name": "赌场"}
    ]}))
    .unwrap_err();
    assert_eq!(field, "amenities[1].kind");
    assert!(
        reason.contains("casino") && reason.contains("hospital"),
        "{reason}"
    );
    assert_eq!(
        refused_field(json!({"enterprises": [{"name": "  "}]})),
        "enterprises[0].name"
    );
    assert_eq!(
        refused_field(json!({"enterprises": [{"name": "甲", "size": "big"}]})),
        "enterprises"
    );
    assert_eq!(
        refused_field(json!({"contact": {"name": "王专员", "phone": "call me"}})),
        "contact.phone"
    );
    assert_eq!(
        refused_field(json!({"contact": {"name": "", "phone": "13800000000"}})),
        "contact.name"
    );
    assert_eq!(
        refused_field(json!({"services": ["一站式", " "]})),
        "services[1]"
    );
    assert_eq!(refused_field(json!({"services": 12})), "services");
    let (field, reason) = park_with(json!({
        "enterprise_count": 1,
        "enterprises": [{"name": "甲"}, {"name": "乙"}]
    }))
    .unwrap_err();
    assert_eq!(field, "enterprise_count");
    assert!(reason.contains("2 enterprises"), "{reason}");
}
