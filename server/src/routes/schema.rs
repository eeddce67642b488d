//! `GET /api/schema`: every layer's description of itself, for clients that
//! build their forms, filters, cards and comparisons from it (the web app
//! does), and `GET /collections/{layer}/queryables` for OGC clients.

use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};
use siteatlas_tiles::schema::{FieldType, layers};
use siteatlas_tiles::{LayerKind, LayerSpec};

use crate::error::ApiError;

/// `GET /api/schema`: `{"layers": {"plots": {label_zh, label_en, geometry,
/// carrier, sections, fields: [{name, type, unit, label_zh, label_en, section,
/// public, tile, searchable, filter, editable, derived, import_names}]}}}`.
#[utoipa::path(get, path = "/api/schema", tag = "meta",
    responses((status = 200, description = "every layer's fields with type, unit, Chinese and English labels, card section, and whether each is public, carried in tiles, searchable, filterable (with its query parameters) and editable; the card sections in order")))]
pub async fn schema() -> Json<Value> {
    let layers: serde_json::Map<String, Value> = layers()
        .iter()
        .map(|spec| (spec.layer.as_str().to_owned(), json!(spec)))
        .collect();
    Json(json!({ "layers": layers }))
}

/// The JSON Schema type of a field.
fn json_type(kind: FieldType) -> Value {
    match kind {
        FieldType::Number => json!("number"),
        FieldType::Integer => json!("integer"),
        FieldType::Boolean => json!("boolean"),
        FieldType::List => json!("array"),
        FieldType::Object => json!("object"),
        FieldType::Text | FieldType::Choice | FieldType::Date => json!("string"),
    }
}

/// A layer's properties as a JSON Schema (OGC API - Features Part 3
/// queryables, and the OpenAPI document's feature schemas).
pub fn properties_schema(spec: &LayerSpec) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "code".into(),
        json!({"type": "string", "title": "编号 Code"}),
    );
    for field in spec.fields.iter().filter(|f| f.public) {
        let mut p = json!({
            "type": json_type(field.kind),
            "title": format!("{} {}", field.label_zh, field.label_en),
        });
        if !field.choices.is_empty() {
            p["enum"] = json!(field.choices);
        }
        if field.kind == FieldType::List {
            p["items"] = json!({"type": "string"});
        }
        if let Some(unit) = field.unit_en {
            p["description"] = json!(format!("in {unit}"));
        }
        properties.insert(field.name.into(), p);
    }
    json!({"type": "object", "properties": properties})
}

/// `GET /collections/{layer}/queryables`: the properties a client may filter
/// on, as JSON Schema.
#[utoipa::path(get, path = "/collections/{layer}/queryables", tag = "ogc",
    params(("layer" = String, Path, description = "parks, plots, factories, offices or pois")),
    responses((status = 200, description = "the layer's properties as JSON Schema"), (status = 404, description = "no such collection")))]
pub async fn queryables(Path(layer): Path<String>) -> Result<Json<Value>, ApiError> {
    let layer: LayerKind = layer
        .parse()
        .map_err(|_| ApiError::not_found(format!("no collection `{layer}`")))?;
    let spec = layer.spec();
    let mut doc = properties_schema(spec);
    doc["$schema"] = json!("https://json-schema.org/draft/2019-09/schema");
    doc["$id"] = json!(format!("/collections/{}/queryables", layer.as_str()));
    doc["title"] = json!(format!("{} {}", spec.label_en, spec.label_zh));
    Ok(Json(doc))
}
