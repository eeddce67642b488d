//! Features to and from GeoJSON, with the model's property names.

use geojson::JsonObject;
use serde::de::value::StrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{Attributes, Feature};

/// Properties every layer has besides its attributes.
pub const COMMON_FIELDS: &[&str] = &["id", "code", "version", "updated_at"];

/// Builds a feature of layer `A` from a GeoJSON feature, with the given id.
///
/// `code` is required; properties the model does not know are kept in `extra`.
pub fn feature_from_geojson<A: Attributes>(
    id: u64,
    feature: &geojson::Feature,
) -> Result<Feature<A>, ModelError> {
    let empty = JsonObject::new();
    let props = feature.properties.as_ref().unwrap_or(&empty);
    let code = match props.get("code") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ModelError::InvalidProperty {
                field: "code".into(),
                reason: "is required (a string)".into(),
            });
        }
    };
    let geometry = feature
        .geometry
        .as_ref()
        .ok_or(ModelError::DegenerateGeometry(
            "the feature has no geometry",
        ))?;
    feature_from_parts(id, code, Shape::try_from(geometry)?, props.clone())
}

/// Builds a feature of layer `A` from its parts: id, code, validated shape
/// and properties (`code` among them or not; unknown ones go to `extra`).
pub fn feature_from_parts<A: Attributes>(
    id: u64,
    code: String,
    shape: Shape,
    props: JsonObject,
) -> Result<Feature<A>, ModelError> {
    let mut known = JsonObject::new();
    let mut extra = JsonObject::new();
    for (k, v) in props {
        if A::SPEC.field(&k).is_some() {
            if !v.is_null() {
                known.insert(k, v);
            }
        } else if !COMMON_FIELDS.contains(&k.as_str()) {
            extra.insert(k, v);
        }
    }
    let mut failed = None;
    let attrs = A::deserialize(Fields {
        object: known,
        failed: &mut failed,
    })
    .map_err(|e| ModelError::InvalidProperty {
        // A missing field has no value to blame; serde's message names it.
        field: failed.take().unwrap_or_else(|| "properties".into()),
        reason: e.to_string(),
    })?;
    let mut built = Feature::new(id, code, shape, attrs)?;
    built.extra = extra;
    Ok(built)
}

/// A feature's known properties as a deserializer that notes the property whose value
/// fails: serde's own messages ("unknown variant `二类工业用地`") do not say which it was.
struct Fields<'a> {
    object: JsonObject,
    failed: &'a mut Option<String>,
}

impl<'de> Deserializer<'de> for Fields<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(Entries {
            entries: self.object.into_iter(),
            key: String::new(),
            value: None,
            failed: self.failed,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct Entries<'a> {
    entries: serde_json::map::IntoIter,
    /// The entry being read; its key is kept only to be named if its value fails.
    key: String,
    value: Option<Value>,
    failed: &'a mut Option<String>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let read = seed.deserialize(StrDeserializer::<serde_json::Error>::new(&key))?;
        (self.key, self.value) = (key, Some(value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self.value.take().unwrap_or(Value::Null);
        seed.deserialize(value).inspect_err(|_| {
            *self.failed = Some(std::mem::take(&mut self.key));
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// All properties of a feature as JSON: common fields, attributes, derived
/// values (such as a plot's `area_mu`) and extra attributes.
pub fn properties<A: Attributes>(feature: &Feature<A>) -> JsonObject {
    let mut props = JsonObject::new();
    props.insert("id".into(), feature.id.into());
    props.insert("code".into(), feature.code.clone().into());
    props.insert("version".into(), feature.version.into());
    if !feature.updated_at.is_empty() {
        props.insert("updated_at".into(), feature.updated_at.clone().into());
    }
    if let Ok(Value::Object(attrs)) = serde_json::to_value(&feature.attrs) {
        props.extend(attrs.into_iter().filter(|(_, v)| !v.is_null()));
    }
    feature.attrs.derived_properties(&mut props);
    for (k, v) in &feature.extra {
        props.entry(k.clone()).or_insert_with(|| v.clone());
    }
    props
}

/// A feature as a GeoJSON feature with its id.
pub fn feature_to_geojson<A: Attributes>(feature: &Feature<A>) -> geojson::Feature {
    geojson::Feature {
        bbox: None,
        geometry: Some((&feature.shape).into()),
        id: Some(geojson::feature::Id::Number(feature.id.into())),
        properties: Some(properties(feature)),
        foreign_members: None,
    }
}

/// Writes a feature as GeoJSON text straight from the model, with the
/// properties of [`feature_to_geojson`] followed by `additional` ones (which
/// win over extra attributes of the same name), and its geometry or `null`.
///
/// Search answers write hundreds of features; building each one's property
/// map first took two thirds of the time.
pub fn write_geojson<A: Attributes>(
    out: &mut Vec<u8>,
    feature: &Feature<A>,
    with_geometry: bool,
    additional: &[(&str, Value)],
) -> serde_json::Result<()> {
    use std::io::Write;
    let io = serde_json::Error::io;
    write!(
        out,
        "{{\"type\":\"Feature\",\"id\":{},\"geometry\":",
        feature.id
    )
    .map_err(io)?;
    if with_geometry {
        serde_json::to_writer(&mut *out, &geojson::Geometry::from(&feature.shape))?;
    } else {
        out.extend_from_slice(b"null");
    }
    write!(out, ",\"properties\":{{\"id\":{},\"code\":", feature.id).map_err(io)?;
    serde_json::to_writer(&mut *out, &feature.code)?;
    write!(out, ",\"version\":{}", feature.version).map_err(io)?;
    if !feature.updated_at.is_empty() {
        out.extend_from_slice(b",\"updated_at\":");
        serde_json::to_writer(&mut *out, &feature.updated_at)?;
    }
    // The attributes are a struct whose absent values are skipped: its JSON
    // object, braces dropped, continues this one.
    let start = out.len();
    serde_json::to_writer(&mut *out, &feature.attrs)?;
    debug_assert!(out[start] == b'{' && out.last() == Some(&b'}'));
    if out.len() - start == 2 {
        out.truncate(start);
    } else {
        out[start] = b',';
        out.pop();
    }
    let mut derived = JsonObject::new();
    feature.attrs.derived_properties(&mut derived);
    let taken = |key: &str| derived.contains_key(key) || additional.iter().any(|(k, _)| *k == key);
    let extra = feature.extra.iter().filter(|(k, _)| !taken(k));
    let additional = additional.iter().map(|(k, v)| (*k, v));
    for (key, value) in derived
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .chain(extra.map(|(k, v)| (k.as_str(), v)))
        .chain(additional)
    {
        out.push(b',');
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, value)?;
    }
    out.extend_from_slice(b"}}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plot, PlotAttrs, PlotStatus};

    fn plot_json(props: &str) -> geojson::Feature {
        serde_json::from_str(&format!(
            r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Polygon","coordinates":[[[103.85,30.70],[103.853,30.70],[103.853,30.702],[103.85,30.702],[103.85,30.70]]]}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn reads_a_plot_and_keeps_unknown_fields() {
        let f = plot_json(
            r#"{"code":"WJ-01","status":"available","land_use":"industrial","price_wan_per_mu":30,"owner_note":"东侧临路"}"#,
        );
        let plot: Plot = feature_from_geojson(7, &f).unwrap();
        assert_eq!(plot.id, 7);
        assert_eq!(plot.attrs.status, PlotStatus::Available);
        // 0.003 deg x 0.002 deg at 30.7 N is about 287 m x 222 m.
        assert!(
            (plot.attrs.area_m2 - 63_700.0).abs() < 700.0,
            "{}",
            plot.attrs.area_m2
        );
        assert_eq!(plot.extra["owner_note"], "东侧临路");
        let props = properties(&plot);
        assert_eq!(props["code"], "WJ-01");
        assert!(props["area_mu"].as_f64().unwrap() > 90.0);
        assert_eq!(props["owner_note"], "东侧临路");
    }

    #[test]
    fn names_the_faulty_property() {
        let missing_code = plot_json(r#"{"status":"available","land_use":"industrial"}"#);
        let err = feature_from_geojson::<PlotAttrs>(1, &missing_code).unwrap_err();
        assert!(err.to_string().contains("code"), "{err}");
        let bad_status = plot_json(r#"{"code":"A","status":"sold","land_use":"industrial"}"#);
        let err = feature_from_geojson::<PlotAttrs>(1, &bad_status).unwrap_err();
        assert!(err.to_string().contains("sold"), "{err}");
        assert!(
            matches!(&err, ModelError::InvalidProperty { field, .. } if field == "status"),
            "{err:?}"
        );
        // The field whose value fails is named, whatever comes before or after it.
        let bad_land_use = plot_json(
            r#"{"code":"A","status":"available","land_use":"二类工业用地","price_wan_per_mu":3}"#,
        );
        let err = feature_from_geojson::<PlotAttrs>(1, &bad_land_use).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("property `land_use`: unknown variant `二类工业用地`"),
            "{err}"
        );
        let bad_type = plot_json(
            r#"{"code":"A","status":"available","land_use":"industrial","height_limit_m":"高"}"#,
        );
        let err = feature_from_geojson::<PlotAttrs>(1, &bad_type).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("property `height_limit_m`: invalid type")
                && err.to_string().contains("高"),
            "{err}"
        );
        let missing_status = plot_json(r#"{"code":"A","land_use":"industrial"}"#);
        let err = feature_from_geojson::<PlotAttrs>(1, &missing_status).unwrap_err();
        assert!(err.to_string().contains("missing field `status`"), "{err}");
        let negative = plot_json(
            r#"{"code":"A","status":"available","land_use":"industrial","price_wan_per_mu":-3}"#,
        );
        let err = feature_from_geojson::<PlotAttrs>(1, &negative).unwrap_err();
        assert!(err.to_string().contains("price_wan_per_mu"), "{err}");
    }

    #[test]
    fn written_features_read_back_as_built_ones() {
        let mut plot: Plot = feature_from_geojson(
            7,
            &plot_json(
                r#"{"code":"WJ-01","name":"\"东区\"","status":"available","land_use":"industrial","price_wan_per_mu":30,"owner_note":"东侧临路","area_mu":1}"#,
            ),
        )
        .unwrap();
        plot.updated_at = "2026-11-27T08:00:00Z".into();
        let built: Value =
            serde_json::from_str(&serde_json::to_string(&feature_to_geojson(&plot)).unwrap())
                .unwrap();
        let mut text = Vec::new();
        write_geojson(&mut text, &plot, true, &[]).unwrap();
        let written: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(written, built);
        // Additional properties come last and win; no geometry when asked.
        text.clear();
        let distance = [
            ("distance_m", Value::from(12.5)),
            ("owner_note", Value::from("x")),
        ];
        write_geojson(&mut text, &plot, false, &distance).unwrap();
        let written: Value = serde_json::from_slice(&text).unwrap();
        assert!(written["geometry"].is_null());
        assert_eq!(written["properties"]["distance_m"], 12.5);
        assert_eq!(written["properties"]["owner_note"], "x");
        assert_eq!(
            written["properties"]["area_mu"],
            built["properties"]["area_mu"]
        );
    }
}
