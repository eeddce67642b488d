//! The built-in land-use and supply-status vocabularies: the tables against the structure of
//! the classifications they come from, and values as departments write them, read through
//! the whole reader.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use siteatlas_formats::vocabulary::{
    self, Class, Meaning, NotOffered, Reading, Standard, class_of_code, classes, land_use,
};
use siteatlas_formats::{FieldMapping, ReadOptions, read};

fn offered(value: &str) -> String {
    match land_use(value) {
        Reading::Use(model) => model,
        other => panic!("{value:?} should be offered land: {other:?}"),
    }
}

fn not_offered(value: &str) -> (String, &'static Class) {
    match land_use(value) {
        Reading::NotOffered { part, class } => (part, class),
        other => panic!("{value:?} should be land not offered: {other:?}"),
    }
}

/// The class one level up, in the same classification (the survey's changes amend
/// GB/T 21010, so their parents may be there).
fn parent(class: &Class) -> Option<&'static Class> {
    let code = class.code;
    let up = if code.starts_with(|c: char| c.is_ascii_digit()) {
        if code.ends_with(|c: char| c.is_ascii_uppercase()) {
            &code[..code.len() - 1] // 0810A → 0810, 08H2A → 08H2
        } else if code.len() > 2 {
            &code[..code.len() - 2] // 100101 → 1001, 05H1 → 05
        } else {
            return None;
        }
    } else if code.len() > 1 {
        &code[..code.len() - 1] // B11 → B1, A35 → A3
    } else {
        return None;
    };
    let within = |standard: Standard| {
        classes()
            .iter()
            .find(|c| c.standard == standard && c.code == up)
    };
    within(class.standard).or_else(|| match class.standard {
        Standard::ThirdSurvey => within(Standard::Gbt21010),
        _ => None,
    })
}

#[test]
fn every_level_takes_its_parents_meaning_but_the_known_exceptions() {
    let mut differ = HashSet::new();
    let mut checked = 0;
    for class in classes().iter().filter(|c| !c.code.is_empty()) {
        let Some(parent) = parent(class) else {
            continue;
        };
        checked += 1;
        let same = match (class.meaning, parent.meaning) {
            (Meaning::Offered(a), Meaning::Offered(b)) => a == b,
            (Meaning::NotOffered(_), Meaning::NotOffered(_)) => true,
            _ => false,
        };
        if !same {
            differ.insert((class.standard, class.code));
        }
    }
    assert!(checked > 250, "only {checked} classes have a parent");
    let expected: HashSet<_> = [
        // Research land under public service land.
        (Standard::LandSea2023, "0802"),
        (Standard::Gb50137, "A35"),
        (Standard::Gbt21010, "0804"),
        // Mining and salt pans under 工矿.
        (Standard::LandSea2023, "1002"),
        (Standard::LandSea2023, "1003"),
        (Standard::Gbt21010, "0602"),
        (Standard::Gbt21010, "0603"),
        // Warehouses under 工矿仓储 and under the survey's commercial 05.
        (Standard::Gbt21010, "0604"),
        (Standard::ThirdSurvey, "0508"),
    ]
    .into_iter()
    .collect();
    assert_eq!(differ, expected);
}

#[test]
fn every_listed_code_and_name_reads_as_its_class() {
    for class in classes() {
        let expected = match class.meaning {
            Meaning::Offered(model) => Some(model.to_owned()),
            Meaning::NotOffered(_) => None,
        };
        let by_name = match land_use(class.name) {
            Reading::Use(model) => Some(model),
            Reading::NotOffered { .. } => None,
            Reading::Unknown { .. } => panic!("{} unknown", class.name),
        };
        // A name several classifications share means the same everywhere.
        assert_eq!(by_name, expected, "{} ({:?})", class.name, class.standard);
        if class.code.is_empty() {
            continue;
        }
        let held = class_of_code(class.code).unwrap();
        if held == class {
            let by_code = match land_use(class.code) {
                Reading::Use(model) => Some(model),
                Reading::NotOffered { class: read, .. } => {
                    assert_eq!(read, class);
                    None
                }
                Reading::Unknown { .. } => panic!("{} unknown", class.code),
            };
            assert_eq!(by_code, expected, "{} ({:?})", class.code, class.standard);
        }
    }
}

#[test]
fn shared_codes_mean_the_offered_reading_else_the_2023_guides() {
    let mut by_code: HashMap<&str, Vec<&Class>> = HashMap::new();
    for class in classes().iter().filter(|c| !c.code.is_empty()) {
        by_code.entry(class.code).or_default().push(class);
    }
    let mut shared = 0;
    for (code, readings) in by_code.into_iter().filter(|(_, r)| r.len() > 1) {
        shared += 1;
        let uses: HashSet<&str> = readings
            .iter()
            .filter_map(|c| match c.meaning {
                Meaning::Offered(model) => Some(model),
                Meaning::NotOffered(_) => None,
            })
            .collect();
        assert!(uses.len() <= 1, "{code} is offered as {uses:?}");
        let held = class_of_code(code).unwrap();
        if uses.is_empty() {
            assert_eq!(held, readings[0], "{code}");
            assert_eq!(held.standard, Standard::LandSea2023, "{code}");
        } else {
            assert!(matches!(held.meaning, Meaning::Offered(_)), "{code}");
        }
    }
    assert!(shared >= 60, "{shared}");
    // The overlaps a land-supply export meets, as the module documentation decides them.
    assert_eq!(offered("0601"), "industrial"); // GB/T 21010; the guide's 农村道路
    assert_eq!(offered("1001"), "industrial"); // the guide; GB/T 21010's 铁路用地
    assert_eq!(offered("1101"), "logistics"); // the guide; GB/T 21010's 河流水面
    assert_eq!(offered("0604"), "logistics"); // GB/T 21010 仓储用地
    assert_eq!(offered("0802"), "rnd"); // the guide's 科研用地
    assert_eq!(offered("0804"), "rnd"); // GB/T 21010's 科研用地
    assert_eq!(offered("0503"), "commercial"); // GB/T 21010; the guide's 沼泽草地
    assert_eq!(offered("0901"), "commercial"); // the guide; GB/T 21010's 军事设施用地
    assert_eq!(offered("06"), "industrial");
    let (_, class) = not_offered("1002");
    assert_eq!(
        (class.name, class.standard),
        ("采矿用地", Standard::LandSea2023)
    );
    let (_, class) = not_offered("0602");
    assert_eq!(class.name, "设施农用地");
}

#[test]
fn names_win_over_codes() {
    let (part, class) = not_offered("0601农村道路");
    assert_eq!((part.as_str(), class.name), ("农村道路", "农村道路"));
    let (_, class) = not_offered("1001 铁路用地");
    assert_eq!(class.meaning, Meaning::NotOffered(NotOffered::Transport));
    assert_eq!(offered("0601工业用地"), "industrial");
    assert_eq!(offered("R2 工业用地"), "industrial");
    assert_eq!(offered("二类工业用地（M2）"), "industrial");
    // An unknown name leaves the code to speak.
    assert_eq!(offered("M1工业用兆"), "industrial");
}

#[test]
fn gb_50137_codes_and_names() {
    for value in [
        "M",
        "M1",
        "M2",
        "M3",
        "工业用地",
        "一类工业用地",
        "二类工业用地",
        "三类工业用地",
    ] {
        assert_eq!(offered(value), "industrial", "{value}");
    }
    for value in [
        "W",
        "W1",
        "W2",
        "W3",
        "物流仓储用地",
        "一类物流仓储用地",
        "三类物流仓储用地",
    ] {
        assert_eq!(offered(value), "logistics", "{value}");
    }
    for value in [
        "B",
        "B1",
        "B2",
        "B3",
        "B4",
        "B9",
        "B11",
        "B12",
        "B13",
        "B14",
        "B21",
        "B22",
        "B29",
        "B31",
        "B32",
        "B41",
        "B49",
        "商业用地",
        "商务用地",
        "其他商务用地",
    ] {
        assert_eq!(offered(value), "commercial", "{value}");
    }
    for value in ["A35", "科研用地", "M0", "新型产业用地", "研发"] {
        assert_eq!(offered(value), "rnd", "{value}");
    }
    let (part, class) = not_offered("R2");
    assert_eq!((part.as_str(), class.name), ("R2", "二类居住用地"));
    assert_eq!(class.meaning, Meaning::NotOffered(NotOffered::Residential));
    let (_, class) = not_offered("A3");
    assert_eq!(class.meaning, Meaning::NotOffered(NotOffered::Public));
    let (_, class) = not_offered("H5");
    assert_eq!(class.meaning, Meaning::NotOffered(NotOffered::Mining));
}

#[test]
fn land_sea_2023_codes_and_names() {
    for value in [
        "10",
        "1001",
        "100101",
        "100102",
        "100103",
        "工矿用地",
        "一类工业用地",
    ] {
        assert_eq!(offered(value), "industrial", "{value}");
    }
    for value in [
        "11",
        "1101",
        "110101",
        "110102",
        "110103",
        "1102",
        "储备库用地",
    ] {
        assert_eq!(offered(value), "logistics", "{value}");
    }
    for value in [
        "09",
        "0901",
        "090101",
        "090102",
        "090103",
        "090104",
        "090105",
        "0902",
        "0903",
        "0904",
        "商业服务业用地",
        "商务金融用地",
        "娱乐用地",
    ] {
        assert_eq!(offered(value), "commercial", "{value}");
    }
    for (value, kind) in [
        ("07", NotOffered::Residential),
        ("070102", NotOffered::Residential),
        ("1003", NotOffered::SaltPan),
        ("0101", NotOffered::Agricultural),
        ("1401", NotOffered::Green),
        ("16", NotOffered::Reserve),
        ("1901", NotOffered::Sea),
        ("080403", NotOffered::Public),
    ] {
        assert_eq!(
            not_offered(value).1.meaning,
            Meaning::NotOffered(kind),
            "{value}"
        );
    }
}

#[test]
fn land_survey_codes_and_names() {
    assert_eq!(offered("0508"), "logistics");
    assert_eq!(offered("物流仓储用地"), "logistics");
    for value in [
        "05",
        "0501",
        "0505",
        "0507",
        "05H1",
        "商服用地",
        "其他商服用地",
        "商业服务业设施用地",
    ] {
        assert_eq!(offered(value), "commercial", "{value}");
    }
    for (value, kind) in [
        ("0603", NotOffered::SaltPan),
        ("0810", NotOffered::Green),
        ("公园与绿地", NotOffered::Green),
        ("0701", NotOffered::Residential),
        ("08H2", NotOffered::Public),
        ("1006", NotOffered::Transport),
    ] {
        assert_eq!(
            not_offered(value).1.meaning,
            Meaning::NotOffered(kind),
            "{value}"
        );
    }
    // Older land-market names.
    assert_eq!(offered("批发零售用地"), "commercial");
    assert_eq!(offered("C65"), "rnd");
}

#[test]
fn finer_codes_take_the_nearest_parents_meaning() {
    assert_eq!(offered("100104"), "industrial");
    assert_eq!(offered("110199"), "logistics");
    assert_eq!(offered("M11"), "industrial");
    assert_eq!(offered("B4a"), "commercial");
    assert_eq!(offered("W0"), "logistics");
    let (part, class) = not_offered("070199");
    assert_eq!((part.as_str(), class.code), ("070199", "0701"));
    let (part, class) = not_offered("0301K");
    assert_eq!((part.as_str(), class.code), ("0301K", "0301"));
    // Five digits are no level of any numeric classification.
    assert!(matches!(land_use("10010"), Reading::Unknown { .. }));
}

#[test]
fn width_case_and_spaces_do_not_matter() {
    for value in [
        "Ｍ１",
        "m1",
        "ｍ１",
        " M 1 ",
        "M\u{3000}1",
        "１００１０１",
        "工业 用地",
    ] {
        assert_eq!(offered(value), "industrial", "{value:?}");
    }
    assert_eq!(offered("ａ３５"), "rnd");
}

#[test]
fn combinations() {
    for value in [
        "M1/B1",
        "M1+B1",
        "M1、B1",
        "100101/0901",
        "工业用地兼容商业",
        "工业用地，可兼容商业",
        "M1(兼容B1)",
        "M1W1",
        "industrial/commercial",
    ] {
        assert_eq!(offered(value), "mixed", "{value}");
    }
    assert_eq!(offered("M1/M2"), "industrial");
    assert_eq!(offered("B1B2"), "commercial");
    assert_eq!(offered("混合用地"), "mixed");
    let (part, class) = not_offered("R2/B1");
    assert_eq!((part.as_str(), class.name), ("R2", "二类居住用地"));
    let (part, _) = not_offered("BR");
    assert_eq!(part, "R");
    assert_eq!(
        land_use("M1/X9"),
        Reading::Unknown {
            part: "X9".to_owned()
        }
    );
    assert_eq!(
        land_use("工业用兆"),
        Reading::Unknown {
            part: "工业用兆".to_owned()
        }
    );
}

#[test]
fn supply_statuses() {
    let cases = [
        ("已供", "transferred"),
        ("已供应", "transferred"),
        ("已出让", "transferred"),
        ("已划拨", "transferred"),
        ("已成交", "transferred"),
        ("未供", "available"),
        ("未供应", "available"),
        ("待供应", "available"),
        ("拟供应", "available"),
        ("可供", "available"),
        ("净地", "available"),
        ("待出让", "available"),
        ("挂牌中", "available"),
        ("已预留", "reserved"),
        ("意向", "reserved"),
        ("预留", "reserved"),
        ("洽谈中", "negotiating"),
        ("谈判中", "negotiating"),
        ("收回", "withdrawn"),
        ("撤回", "withdrawn"),
        ("暂缓", "withdrawn"),
        ("暂停供应", "withdrawn"),
        (" 已供 ", "transferred"),
        ("空置", "vacant"),
    ];
    for (value, model) in cases {
        assert_eq!(vocabulary::status(value), Some(model), "{value}");
    }
    assert_eq!(vocabulary::status("已供完"), None);
}

/// Reads one GeoJSON feature with these source properties.
fn read_one(
    properties: Value,
    mapping: FieldMapping,
) -> Result<serde_json::Map<String, Value>, String> {
    let feature = json!({"type": "Feature", "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [[[103.83, 30.68], [103.832, 30.68], [103.832, 30.6815], [103.83, 30.68]]]}});
    let options = ReadOptions {
        mapping,
        ..Default::default()
    };
    let dataset = read(feature.to_string().as_bytes(), &options).unwrap();
    let record = dataset.records.into_iter().next().unwrap();
    match record.result {
        Ok(feature) => Ok(feature.properties.unwrap()),
        Err(e) => {
            assert_eq!(e.code.as_deref(), Some("WJ-9"), "the report names the plot");
            Err(e.reason)
        }
    }
}

fn plot(land_use: Value, status: &str) -> Value {
    json!({"地块编号": "WJ-9", "用地性质": land_use, "供应状态": status})
}

#[test]
fn department_values_are_read_as_the_models() {
    for (value, model) in [
        (json!("二类工业用地"), "industrial"),
        (json!("Ｍ１"), "industrial"),
        (json!("100101/0901"), "mixed"),
        (json!("A35"), "rnd"),
        (json!("industrial"), "industrial"),
        (json!("Logistics"), "logistics"),
        // A numeric field lost the code's leading zero.
        (json!(601), "industrial"),
        (json!(90101), "commercial"),
    ] {
        let properties = read_one(plot(value.clone(), "挂牌中"), FieldMapping::default())
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(properties["land_use"], model, "{value}");
        assert_eq!(properties["status"], "available");
    }
}

#[test]
fn unknown_values_are_reported_with_the_closest_known_ones() {
    let reason = read_one(plot(json!("工业用兆"), "可供"), FieldMapping::default()).unwrap_err();
    assert_eq!(
        reason,
        "land_use: \"工业用兆\" is not a known land use; closest: 工业用地 (industrial), 工矿用地 (industrial), 商业用地 (commercial)"
    );
    let reason = read_one(plot(json!("K1"), "可供"), FieldMapping::default()).unwrap_err();
    assert_eq!(
        reason,
        "land_use: \"K1\" is not a known land use; closest: B1 (commercial), M1 (industrial), W1 (logistics)"
    );
    // Both fields are reported, each with its model name.
    let reason = read_one(plot(json!("M1/X9"), "已供完"), FieldMapping::default()).unwrap_err();
    let parts: Vec<&str> = reason.split("; closest").collect();
    assert!(
        reason.starts_with(
            "status: \"已供完\" is not a known status; closest: 已供应 (transferred), 已供地 (transferred), 已供 (transferred); "
        ),
        "{reason}"
    );
    assert!(
        reason.contains(
            "land_use: \"M1/X9\" includes \"X9\", which is not a known land use; closest: "
        ),
        "{reason}"
    );
    assert_eq!(parts.len(), 3, "{reason}");
    let reason = read_one(plot(json!("  "), "可供"), FieldMapping::default()).unwrap_err();
    assert_eq!(reason, "land_use is empty");
}

#[test]
fn land_not_offered_is_reported_as_such() {
    let cases = [
        (
            "R2",
            "land_use: \"R2\" (二类居住用地) is residential land, not offered on an investment map",
        ),
        (
            "1002",
            "land_use: \"1002\" (采矿用地) is mining land, not offered on an investment map",
        ),
        (
            "旱地",
            "land_use: \"旱地\" is agricultural land, not offered on an investment map",
        ),
        (
            "M1/R2",
            "land_use: \"M1/R2\" includes \"R2\" (二类居住用地), residential land, not offered on an investment map",
        ),
    ];
    for (value, expected) in cases {
        let reason = read_one(plot(json!(value), "可供"), FieldMapping::default()).unwrap_err();
        assert_eq!(reason, expected);
    }
}

#[test]
fn a_mapping_file_overrides_the_vocabularies() {
    let mapping = FieldMapping::from_toml(
        "[values.land_use]\n\"M1\" = \"rnd\"\n\"R2\" = \"mixed\"\n\"自定义\" = \"logistics\"\n[values.status]\n\"可供\" = \"reserved\"\n",
    )
    .unwrap();
    let read = |value: &str| {
        read_one(plot(json!(value), "可供"), mapping.clone()).map(|p| p["land_use"].clone())
    };
    assert_eq!(read("M1").unwrap(), "rnd");
    assert_eq!(read("ｍ１").unwrap(), "rnd");
    assert_eq!(read("R2").unwrap(), "mixed");
    assert_eq!(read("自定义").unwrap(), "logistics");
    // Parts of a combination are looked up in the file too.
    assert_eq!(read("自定义/W1").unwrap(), "logistics");
    // The built-in tables still apply to everything else.
    assert_eq!(read("M2").unwrap(), "industrial");
    assert_eq!(
        read_one(plot(json!("M2"), "可供"), mapping.clone()).unwrap()["status"],
        "reserved"
    );
    // The file's values are suggested too.
    let reason = read("自定叉").unwrap_err();
    assert!(reason.contains("closest: 自定义 (logistics)"), "{reason}");
    // Without the built-in tables only the file's and the model's values are known.
    let own = FieldMapping::from_toml(
        "builtin = false\n[fields]\n\"用地性质\" = \"land_use\"\n\"地块编号\" = \"code\"\n[values.land_use]\n\"工业\" = \"industrial\"\n",
    )
    .unwrap();
    let properties =
        read_one(json!({"地块编号": "WJ-9", "用地性质": "工业"}), own.clone()).unwrap();
    assert_eq!(properties["land_use"], "industrial");
    let reason = read_one(json!({"地块编号": "WJ-9", "用地性质": "M1"}), own).unwrap_err();
    assert!(
        reason.starts_with("land_use: \"M1\" is not a known land use; closest: "),
        "{reason}"
    );
    assert!(!reason.contains("M2"), "{reason}");
}

#[test]
fn a_name_field_wins_over_a_code_field() {
    let properties = read_one(
        json!({"地块编号": "WJ-9", "用地代码": "R2", "用地性质": "工业用地", "状态": "可供"}),
        FieldMapping::default(),
    )
    .unwrap();
    assert_eq!(properties["land_use"], "industrial");
    assert_eq!(properties["用地代码"], "R2");
    // An empty name leaves the code to speak.
    let properties = read_one(
        json!({"地块编号": "WJ-9", "用地代码": "100101", "用地性质": "", "状态": "可供"}),
        FieldMapping::default(),
    )
    .unwrap();
    assert_eq!(properties["land_use"], "industrial");
}

#[test]
fn only_plots_are_judged() {
    // A factory's status is its own vocabulary; its 用途 column is no plot's land use.
    let properties = read_one(
        json!({"地块编号": "WJ-9", "状态": "空置", "用途": "厂房"}),
        FieldMapping::default(),
    )
    .unwrap();
    assert_eq!(properties["status"], "vacant");
    assert_eq!(properties["land_use"], "厂房");
    // A park's status column is kept as it is.
    let properties = read_one(
        json!({"地块编号": "WJ-9", "状态": "运营中"}),
        FieldMapping::default(),
    )
    .unwrap();
    assert_eq!(properties["status"], "运营中");
}

#[test]
fn energy_limits_are_read_under_their_department_names() {
    for name in [
        "亩均能耗",
        "亩均能耗上限",
        "能耗标准",
        "亩均能耗标准",
        "单位用地能耗",
    ] {
        let properties = read_one(
            json!({"地块编号": "WJ-9", "用地性质": "工业用地", "状态": "可供", name: 1.2, "亩均税收": 30}),
            FieldMapping::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(properties["energy_per_mu_tce_max"], 1.2, "{name}");
        assert_eq!(properties["tax_per_mu_wan"], 30, "{name}");
        assert!(!properties.contains_key(name), "{name}");
    }
}
