//! Utilities (water, gas, steam) read as departments' files carry them.

use siteatlas_tiles::Plot;
use siteatlas_tiles::geojson_io::feature_from_geojson;

fn plot_with(gas: serde_json::Value) -> Result<Plot, String> {
    let feature: geojson::Feature = serde_json::from_value(serde_json::json!({
        "type": "Feature",
        "properties": {"code": "P", "status": "available", "land_use": "industrial", "gas": gas},
        "geometry": {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.001, 30.001], [104.0, 30.0]]]},
    }))
    .unwrap();
    feature_from_geojson(1, &feature).map_err(|e| e.to_string())
}

#[test]
fn booleans_numbers_and_words_are_yes_or_no() {
    use serde_json::json;
    for (value, want) in [
        (json!(true), Some(true)),
        (json!(0), Some(false)),
        (json!(1), Some(true)),
        (json!("是"), Some(true)),
        (json!("否"), Some(false)),
        (json!(" Y "), Some(true)),
        (json!("false"), Some(false)),
        (json!(null), None),
        (json!(""), None),
    ] {
        let plot = plot_with(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(plot.attrs.gas, want, "{value}");
    }
}

#[test]
fn anything_else_is_refused_naming_the_field() {
    for value in [
        serde_json::json!(2),
        serde_json::json!("maybe"),
        serde_json::json!([1]),
    ] {
        let err = plot_with(value.clone()).unwrap_err();
        assert!(
            err.contains("gas") && err.contains("yes or no"),
            "{value}: {err}"
        );
    }
}
