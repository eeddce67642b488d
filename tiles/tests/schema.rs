//! The layers' descriptions agree with the model: every declared field is a
//! property the model reads and writes, every tile field is encoded (and
//! nothing else), and every declared filter filters, both ways.

use std::collections::{BTreeMap, BTreeSet};

use mvt_reader::Reader;
use mvt_reader::feature::Value as TileValue;
use serde_json::{Map, Value, json};
use siteatlas_tiles::geojson_io::{feature_from_parts, properties};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::schema::{FieldType, Filter};
use siteatlas_tiles::search_params::query_from_params;
use siteatlas_tiles::{
    Atlas, Attributes, FactoryAttrs, Feature, FieldValue, LayerKind, OfficeAttrs, ParkAttrs,
    PlotAttrs, PoiAttrs, Shape, TileId,
};

const LON: f64 = 103.86;
const LAT: f64 = 30.71;

/// A value for every field of a layer that the model accepts: numbers chosen
/// to pass the model's own checks across fields (a ratio below 1, an
/// available area below the total, a term within the law's).
fn sample_value(layer: LayerKind, name: &str, kind: FieldType, choices: &[&str]) -> Value {
    match (layer, name) {
        (_, "park") => json!("PK-1"),
        (_, "building_density_max") => json!(0.55),
        (_, "green_ratio_max") => json!(0.15),
        (_, "plot_ratio_min") => json!(1.2),
        (_, "plot_ratio_max") => json!(2.5),
        (_, "total_area_m2") => json!(12_000.0),
        (_, "available_area_m2") => json!(5_000.0),
        (_, "supply_term_years") => json!(50.0),
        (_, "area_m2") => json!(40_000.0),
        (_, "contact") => json!({"name": "王专员", "phone": "028-8888 1234"}),
        (_, "enterprises") => {
            json!([{"name": "示例生物科技有限公司", "industry": "创新药", "leading": true}])
        }
        (_, "amenities") => json!([{"kind": "school", "name": "实验学校", "distance_km": 1.5}]),
        _ => match kind {
            FieldType::Number => json!(7.5),
            FieldType::Integer => json!(6),
            FieldType::Boolean => json!(true),
            FieldType::Choice => json!(choices[0]),
            FieldType::List => json!(["biomedicine", "electronics"]),
            FieldType::Date => json!("2027-06"),
            FieldType::Text => json!(format!("{name} 值")),
            FieldType::Object => json!({}),
        },
    }
}

fn shape_of(layer: LayerKind) -> Shape {
    let d = 0.002;
    match layer {
        LayerKind::Pois => Shape::point(LON, LAT).unwrap(),
        _ => Shape::polygon(geo::Polygon::new(
            geo::LineString::from(vec![
                (LON - d, LAT - d),
                (LON + d, LAT - d),
                (LON + d, LAT + d),
                (LON - d, LAT + d),
                (LON - d, LAT - d),
            ]),
            vec![],
        ))
        .unwrap(),
    }
}

/// A feature with every field of its layer set.
fn full<A: Attributes>() -> (Feature<A>, Map<String, Value>) {
    let spec = A::SPEC;
    let mut props = Map::new();
    for f in spec.fields.iter().filter(|f| !f.derived) {
        props.insert(
            f.name.into(),
            sample_value(spec.layer, f.name, f.kind, f.choices),
        );
    }
    let feature = feature_from_parts::<A>(1, "S-1".into(), shape_of(spec.layer), props.clone())
        .unwrap_or_else(|e| panic!("{}: {e}", spec.layer));
    (feature, props)
}

fn check_fields_round_trip<A: Attributes>() {
    let (feature, given) = full::<A>();
    let spec = A::SPEC;
    let written = properties(&feature);
    for field in spec.fields {
        // The model reads every field by name (structured ones are shown whole) ...
        let value = feature.attrs.value(field.name);
        assert_eq!(
            value.is_some(),
            field.kind != FieldType::Object,
            "{}.{}: read by name",
            spec.layer,
            field.name
        );
        // ... and writes it back as given.
        let out = written
            .get(field.name)
            .unwrap_or_else(|| panic!("{}.{} not written", spec.layer, field.name));
        if let Some(v) = given.get(field.name) {
            assert_eq!(out, v, "{}.{}", spec.layer, field.name);
        }
        let Some(value) = value else { continue };
        match (field.kind, value) {
            (FieldType::Number, FieldValue::Number(_))
            | (FieldType::Integer, FieldValue::Integer(_))
            | (FieldType::Boolean, FieldValue::Boolean(_))
            | (FieldType::List, FieldValue::List(_))
            | (FieldType::Text | FieldType::Choice | FieldType::Date, FieldValue::Text(_)) => {}
            (kind, v) => panic!("{}.{}: {kind:?} read as {v:?}", spec.layer, field.name),
        }
        // A choice's labels match its words.
        if field.kind == FieldType::Choice {
            assert_eq!(field.choices.len(), field.choice_labels_zh.len());
        }
    }
    // Nothing the model writes is left undeclared.
    for key in written.keys() {
        assert!(
            ["id", "code", "version", "updated_at"].contains(&key.as_str())
                || spec.field(key).is_some(),
            "{}: `{key}` written but not declared",
            spec.layer
        );
    }
}

#[test]
fn every_declared_field_is_read_and_written_by_the_model() {
    check_fields_round_trip::<ParkAttrs>();
    check_fields_round_trip::<PlotAttrs>();
    check_fields_round_trip::<FactoryAttrs>();
    check_fields_round_trip::<OfficeAttrs>();
    check_fields_round_trip::<PoiAttrs>();
}

fn atlas_with_full_features() -> Atlas {
    Atlas {
        parks: LayerIndex::bulk_load([full::<ParkAttrs>().0]),
        plots: LayerIndex::bulk_load([full::<PlotAttrs>().0]),
        factories: LayerIndex::bulk_load([full::<FactoryAttrs>().0]),
        offices: LayerIndex::bulk_load([full::<OfficeAttrs>().0]),
        pois: LayerIndex::bulk_load([full::<PoiAttrs>().0]),
    }
}

#[test]
fn tiles_carry_exactly_the_declared_tile_fields() {
    let atlas = atlas_with_full_features();
    let tile = {
        let n = (1u32 << 15) as f64;
        let x = ((LON + 180.0) / 360.0 * n) as u32;
        let lat = LAT.to_radians();
        let y =
            ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
        TileId::new(15, x, y).unwrap()
    };
    for layer in LayerKind::ALL {
        let spec = layer.spec();
        let bytes = atlas.encode_tile(&[layer], tile).unwrap();
        let reader = Reader::new(bytes).unwrap();
        let layers = reader.get_layer_metadata().unwrap();
        let main = layers
            .iter()
            .find(|m| m.name == layer.as_str())
            .unwrap_or_else(|| panic!("{layer}: no layer in the tile"));
        let features = reader.get_features_as::<f64>(main.layer_index).unwrap();
        assert_eq!(features.len(), 1, "{layer}");
        let props = features[0].properties.clone().unwrap();
        let got: BTreeSet<&str> = props.keys().map(String::as_str).collect();
        let want: BTreeSet<&str> = std::iter::once("code")
            .chain(spec.tile_fields().map(|f| f.name))
            .collect();
        assert_eq!(got, want, "{layer}: tile properties");
        // Values as the model holds them (lists joined, numbers as declared rounded).
        let (feature, given) = match layer {
            LayerKind::Parks => (None, full::<ParkAttrs>().1),
            LayerKind::Plots => (
                Some(full::<PlotAttrs>().0.attrs.area_mu()),
                full::<PlotAttrs>().1,
            ),
            LayerKind::Factories => (None, full::<FactoryAttrs>().1),
            LayerKind::Offices => (None, full::<OfficeAttrs>().1),
            LayerKind::Pois => (None, full::<PoiAttrs>().1),
        };
        for field in spec.tile_fields() {
            let tile_value = &props[field.name];
            match (field.kind, tile_value) {
                (FieldType::Number, TileValue::Double(v)) => {
                    let model = given
                        .get(field.name)
                        .and_then(Value::as_f64)
                        .or(feature)
                        .unwrap();
                    let tolerance = field
                        .tile_decimals
                        .map_or(1e-9, |d| 0.5 / 10f64.powi(i32::from(d)) + 1e-9);
                    assert!(
                        (v - model).abs() <= tolerance,
                        "{layer}.{}: {v} vs {model}",
                        field.name
                    );
                }
                (FieldType::Integer, TileValue::UInt(v)) => {
                    assert_eq!(
                        Some(*v),
                        given[field.name].as_u64(),
                        "{layer}.{}",
                        field.name
                    )
                }
                (FieldType::List, TileValue::String(v)) => {
                    let words: Vec<&str> = given[field.name]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|w| w.as_str().unwrap())
                        .collect();
                    assert_eq!(v, &words.join(","), "{layer}.{}", field.name);
                }
                (_, TileValue::String(v)) => {
                    assert_eq!(
                        Some(v.as_str()),
                        given[field.name].as_str(),
                        "{layer}.{}",
                        field.name
                    )
                }
                (_, TileValue::Bool(v)) => {
                    assert_eq!(
                        Some(*v),
                        given[field.name].as_bool(),
                        "{layer}.{}",
                        field.name
                    )
                }
                (kind, v) => panic!("{layer}.{}: {kind:?} encoded as {v:?}", field.name),
            }
        }
        // Label points carry their declared fields.
        if let Some(name) = spec.label_layer {
            let labels = layers.iter().find(|m| m.name == name).unwrap();
            let f = reader.get_features_as::<f64>(labels.layer_index).unwrap();
            let keys: BTreeSet<&str> = f[0]
                .properties
                .as_ref()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let want: BTreeSet<&str> = std::iter::once("code")
                .chain(spec.label_fields.iter().copied())
                .collect();
            assert_eq!(keys, want, "{name}");
        }
    }
}

/// Query parameters as name-value pairs.
type Params = Vec<(String, String)>;

/// Parameters that keep and that drop the full feature, for one declared filter.
fn keep_and_drop(name: &str, filter: Filter, value: &Value, choices: &[&str]) -> (Params, Params) {
    let p = |k: &str, v: String| vec![(k.to_owned(), v)];
    let number = || value.as_f64().unwrap_or(0.0);
    match filter {
        Filter::Choice { param } => {
            let word = value.as_str().unwrap().to_owned();
            let other = choices
                .iter()
                .find(|c| **c != word)
                .map_or("ELSEWHERE".to_owned(), |c| (*c).to_owned());
            (p(param, word), p(param, other))
        }
        Filter::Range { min, max } => (
            [
                p(min, format!("{}", number() - 1.0)),
                p(max, format!("{}", number() + 1.0)),
            ]
            .concat(),
            p(min, format!("{}", number() + 1.0)),
        ),
        Filter::AtLeast { param } => (
            p(param, format!("{}", number() - 0.5)),
            p(param, format!("{}", number() + 0.5)),
        ),
        Filter::AtMost { param } => (
            p(param, format!("{}", number() + 0.5)),
            p(param, format!("{}", number() - 0.5)),
        ),
        Filter::Flag { param } => {
            assert_eq!(value, &json!(true), "{name}: a flag's sample is yes");
            (p(param, "true".into()), p(param, "false".into()))
        }
    }
}

fn count(atlas: &Atlas, layer: LayerKind, params: &[(String, String)]) -> usize {
    let mut map: BTreeMap<String, String> = params.iter().cloned().collect();
    map.insert("layer".into(), layer.as_str().into());
    let q = query_from_params(&map, None, &[]).unwrap_or_else(|e| panic!("{layer} {map:?}: {e}"));
    atlas.search(&q).unwrap().total
}

#[test]
fn every_declared_filter_filters_both_ways() {
    let atlas = atlas_with_full_features();
    let mut checked = 0;
    for layer in LayerKind::ALL {
        let spec = layer.spec();
        let given = match layer {
            LayerKind::Parks => full::<ParkAttrs>().1,
            LayerKind::Plots => {
                let (f, mut props) = full::<PlotAttrs>();
                props.insert("area_mu".into(), json!(f.attrs.area_mu()));
                props
            }
            LayerKind::Factories => full::<FactoryAttrs>().1,
            LayerKind::Offices => full::<OfficeAttrs>().1,
            LayerKind::Pois => full::<PoiAttrs>().1,
        };
        assert_eq!(count(&atlas, layer, &[]), 1, "{layer}");
        for field in spec.fields {
            let Some(filter) = field.filter else { continue };
            let (keep, drop) = keep_and_drop(field.name, filter, &given[field.name], field.choices);
            assert_eq!(
                count(&atlas, layer, &keep),
                1,
                "{layer}.{}: {keep:?} keeps it",
                field.name
            );
            assert_eq!(
                count(&atlas, layer, &drop),
                0,
                "{layer}.{}: {drop:?} drops it",
                field.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} filters checked");
}

#[test]
fn a_choice_outside_the_vocabulary_is_refused_by_name() {
    let mut params = BTreeMap::new();
    params.insert("layer".to_owned(), "plots".to_owned());
    params.insert("supply_method".to_owned(), "auction".to_owned());
    let err = query_from_params(&params, None, &[]).unwrap_err();
    assert!(err.to_string().contains("supply_method"), "{err}");
    assert!(err.to_string().contains("lease_then_transfer"), "{err}");
}
