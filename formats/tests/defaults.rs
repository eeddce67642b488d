//! `ReadOptions::defaults`: values for fields a file leaves out or blank.

use siteatlas_formats::{ReadOptions, read};

fn read_one(text: &str, defaults: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
    let options = ReadOptions {
        defaults: defaults
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect(),
        ..Default::default()
    };
    let mut dataset = read(text.as_bytes(), &options).unwrap();
    let feature = dataset.records.remove(0).result.unwrap();
    feature.properties.unwrap()
}

const POINT: &str = r#""geometry":{"type":"Point","coordinates":[103.84,30.68]}"#;

#[test]
fn a_default_fills_a_missing_or_blank_field_and_is_mapped() {
    let missing = format!(r#"{{"type":"Feature","properties":{{"地块编号":"A"}},{POINT}}}"#);
    let props = read_one(&missing, &[("status", "可供"), ("park", "WJ")]);
    assert_eq!(props["status"], "available");
    assert_eq!(props["park"], "WJ");

    let blank =
        format!(r#"{{"type":"Feature","properties":{{"地块编号":"A","供应状态":" "}},{POINT}}}"#);
    let props = read_one(&blank, &[("status", "available")]);
    assert_eq!(props["status"], "available");
    assert!(!props.contains_key("供应状态"));
}

#[test]
fn the_files_own_value_wins_over_a_default() {
    let given = format!(
        r#"{{"type":"Feature","properties":{{"地块编号":"A","供应状态":"已出让"}},{POINT}}}"#
    );
    let props = read_one(&given, &[("status", "available")]);
    assert_eq!(props["status"], "transferred");
    let model_name =
        format!(r#"{{"type":"Feature","properties":{{"code":"A","status":"reserved"}},{POINT}}}"#);
    let props = read_one(&model_name, &[("status", "available")]);
    assert_eq!(props["status"], "reserved");
}
