//! Parks' profile columns as departments name them.

use serde_json::{Map, Value, json};
use siteatlas_formats::FieldMapping;

fn apply(record: Value) -> Map<String, Value> {
    let (out, refused) = FieldMapping::default().apply(record.as_object().unwrap().clone());
    assert!(refused.is_empty(), "{refused:?}");
    out
}

#[test]
fn chinese_park_columns_map_to_the_profile() {
    let out = apply(json!({
        "园区编码": "WJ-MED",
        "园区名称": "成都医学城",
        "规划面积（平方公里）": 12.5,
        "主导产业链": "创新药、医疗器械",
        "入驻企业数": 180,
        "总产值(亿元)": 420.5,
        "服务事项": "一站式服务、全程代办",
        "招商专员": "王专员",
        "专员电话": "028-88880000",
        "备注": "kept as it is"
    }));
    assert_eq!(out["code"], "WJ-MED");
    assert_eq!(out["name"], "成都医学城");
    assert_eq!(out["area_km2"], 12.5);
    assert_eq!(out["industry_chains"], "创新药、医疗器械");
    assert_eq!(out["enterprise_count"], 180);
    assert_eq!(out["output_value_yi"], 420.5);
    assert_eq!(out["services"], "一站式服务、全程代办");
    assert_eq!(
        out["contact"],
        json!({"name": "王专员", "phone": "028-88880000"})
    );
    assert_eq!(out["备注"], "kept as it is");
}

#[test]
fn blank_officer_cells_make_no_contact() {
    let out = apply(json!({"园区名称": "甲园区", "招商专员": "", "专员电话": null}));
    assert!(!out.contains_key("contact"), "{out:?}");
}

#[test]
fn a_contact_column_beside_a_contact_object_keeps_its_name() {
    let out = apply(json!({"contact": "not an object", "招商专员": "王专员"}));
    assert_eq!(out["contact"], "not an object");
    assert_eq!(out["招商专员"], "王专员");
}
