//! OGC API - Features, Part 1 (Core, GeoJSON), over the in-memory index, so
//! that QGIS and GDAL read every layer.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use geo::{Coord, Rect};
use serde_json::{Value, json};
use siteatlas_tiles::geojson_io::{feature_to_geojson, properties};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::{Atlas, Attributes, LayerKind};

use crate::error::ApiError;
use crate::routes::base_url;
use crate::routes::features::{feature_response, parse_id, parse_layer};
use crate::state::SharedState;

const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

fn title(layer: LayerKind) -> String {
    let spec = layer.spec();
    format!("{} {}", spec.label_en, spec.label_zh)
}

/// The landing page document.
pub fn landing_document(headers: &HeaderMap) -> Value {
    let base = base_url(headers);
    json!({
        "title": "Site Atlas",
        "description": "Investment-promotion map: parks, land plots, standard factories and infrastructure",
        "links": [
            { "href": format!("{base}/"), "rel": "self", "type": "application/json", "title": "this document" },
            { "href": format!("{base}/openapi.json"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition" },
            { "href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes" },
            { "href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "collections" },
            { "href": format!("{base}/style.json"), "rel": "stylesheet", "type": "application/json", "title": "MapLibre style" }
        ]
    })
}

/// `GET /conformance`
#[utoipa::path(get, path = "/conformance", tag = "ogc", responses((status = 200, description = "conformance classes")))]
pub async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMANCE }))
}

fn collection(atlas: &Atlas, layer: LayerKind, base: &str) -> Value {
    let bbox = atlas
        .extent(layer)
        .map(|r| vec![r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or_else(|| vec![-180.0, -90.0, 180.0, 90.0]);
    json!({
        "id": layer.as_str(),
        "title": title(layer),
        "description": layer.spec().description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": { "spatial": { "bbox": [bbox], "crs": CRS84 } },
        "links": [
            { "href": format!("{base}/collections/{layer}"), "rel": "self", "type": "application/json", "title": title(layer) },
            { "href": format!("{base}/collections/{layer}/items"), "rel": "items", "type": "application/geo+json", "title": title(layer) },
            { "href": format!("{base}/collections/{layer}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json", "title": "queryables" }
        ]
    })
}

/// `GET /collections`
#[utoipa::path(get, path = "/collections", tag = "ogc", responses((status = 200, description = "the layers")))]
pub async fn collections(State(state): State<SharedState>, headers: HeaderMap) -> Json<Value> {
    let base = base_url(&headers);
    let atlas = state.atlas.read();
    Json(json!({
        "links": [{ "href": format!("{base}/collections"), "rel": "self", "type": "application/json", "title": "collections" }],
        "collections": LayerKind::ALL.iter().map(|l| collection(&atlas, *l, &base)).collect::<Vec<_>>(),
    }))
}

/// `GET /collections/{layer}`
#[utoipa::path(get, path = "/collections/{layer}", tag = "ogc", params(("layer" = String, Path)),
    responses((status = 200, description = "one collection"), (status = 404, description = "no such layer", body = crate::error::ErrorBody)))]
pub async fn one_collection(
    State(state): State<SharedState>,
    Path(layer): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    Ok(Json(collection(
        &state.atlas.read(),
        layer,
        &base_url(&headers),
    )))
}

fn parse_bbox(text: &str) -> Result<Rect<f64>, ApiError> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::bad_parameter("bbox", "expected four numbers: minlon,minlat,maxlon,maxlat")
        })?;
    let [w, s, e, n] = match numbers.as_slice() {
        [w, s, e, n] => [*w, *s, *e, *n],
        [w, s, _, e, n, _] => [*w, *s, *e, *n],
        _ => return Err(ApiError::bad_parameter("bbox", "expected 4 (or 6) numbers")),
    };
    if numbers.iter().any(|v| !v.is_finite())
        || !(-90.0..=90.0).contains(&s)
        || !(-90.0..=90.0).contains(&n)
        || s > n
    {
        return Err(ApiError::bad_parameter(
            "bbox",
            "latitudes must lie in [-90, 90] with min <= max",
        ));
    }
    if w > e {
        return Err(ApiError::bad_parameter(
            "bbox",
            "boxes across the antimeridian are not supported",
        ));
    }
    Ok(Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n }))
}

/// Matching features' GeoJSON, sorted by id, and the count of all matches.
fn select<A: Attributes>(
    index: &LayerIndex<A>,
    bbox: Option<Rect<f64>>,
    filters: &BTreeMap<String, String>,
    offset: usize,
    limit: usize,
) -> (Vec<geojson::Feature>, usize) {
    use geo::Intersects;
    let matches = |f: &siteatlas_tiles::Feature<A>| -> bool {
        if let Some(b) = bbox {
            let hit = match &f.shape {
                siteatlas_tiles::Shape::Point(p) => b.intersects(p),
                siteatlas_tiles::Shape::Area(a) => b.to_polygon().intersects(a),
            };
            if !hit {
                return false;
            }
        }
        if filters.is_empty() {
            return true;
        }
        let props = properties(f);
        filters.iter().all(|(k, want)| match props.get(k) {
            Some(Value::String(s)) => s == want,
            Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(want.as_str())),
            Some(v @ Value::Number(_)) => v
                .as_f64()
                .zip(want.parse::<f64>().ok())
                .is_some_and(|(a, b)| a == b),
            Some(Value::Bool(b)) => want.parse::<bool>().is_ok_and(|w| w == *b),
            _ => false,
        })
    };
    let mut ids: Vec<u64> = match bbox {
        Some(b) => index
            .in_bbox(b)
            .filter(|e| matches(&e.feature))
            .map(|e| e.feature.id)
            .collect(),
        None => index
            .iter()
            .filter(|e| matches(&e.feature))
            .map(|e| e.feature.id)
            .collect(),
    };
    ids.sort_unstable();
    let total = ids.len();
    let page = ids
        .into_iter()
        .skip(offset)
        .take(limit)
        .filter_map(|id| index.get(id).map(|f| feature_to_geojson(f)))
        .collect();
    (page, total)
}

/// `GET /collections/{layer}/items`
#[utoipa::path(get, path = "/collections/{layer}/items", tag = "ogc",
    params(("layer" = String, Path), ("bbox" = Option<String>, Query, description = "minlon,minlat,maxlon,maxlat (CRS84)"),
           ("limit" = Option<usize>, Query, description = "default 100, at most 10000"), ("offset" = Option<usize>, Query)),
    responses((status = 200, description = "GeoJSON FeatureCollection with paging links", content_type = "application/geo+json"),
              (status = 400, description = "invalid parameter", body = crate::error::ErrorBody),
              (status = 404, description = "no such layer", body = crate::error::ErrorBody)))]
pub async fn items(
    State(state): State<SharedState>,
    Path(layer): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let Query(pairs) = query.map_err(|e| ApiError::bad_parameter("query", e.body_text()))?;
    let mut filters: BTreeMap<String, String> = pairs.into_iter().collect();
    let bbox = filters.remove("bbox").map(|b| parse_bbox(&b)).transpose()?;
    let number = |v: Option<String>, name: &str, default: usize| -> Result<usize, ApiError> {
        v.map(|v| {
            v.parse::<usize>().map_err(|_| {
                ApiError::bad_parameter(name, format!("`{v}` is not a non-negative integer"))
            })
        })
        .transpose()
        .map(|n| n.unwrap_or(default))
    };
    let limit = number(filters.remove("limit"), "limit", DEFAULT_LIMIT)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let offset = number(filters.remove("offset"), "offset", 0)?;
    filters.remove("f");
    let (features, total) = {
        let atlas = state.atlas.read();
        siteatlas_tiles::with_layer_index!(atlas, layer, |index| select(
            index, bbox, &filters, offset, limit
        ))
    };
    let base = base_url(&headers);
    let page_link = |offset: usize, rel: &str| {
        let mut params: Vec<String> = filters
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect();
        if let Some(b) = bbox {
            params.push(format!(
                "bbox={},{},{},{}",
                b.min().x,
                b.min().y,
                b.max().x,
                b.max().y
            ));
        }
        params.push(format!("limit={limit}"));
        params.push(format!("offset={offset}"));
        json!({ "href": format!("{base}/collections/{layer}/items?{}", params.join("&")), "rel": rel, "type": "application/geo+json" })
    };
    let mut links = vec![page_link(offset, "self")];
    if offset + features.len() < total {
        links.push(page_link(offset + limit, "next"));
    }
    if offset > 0 {
        links.push(page_link(offset.saturating_sub(limit), "prev"));
    }
    let returned = features.len();
    let body = json!({
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": total,
        "numberReturned": returned,
        "links": links,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response())
}

/// `GET /collections/{layer}/items/{id}`
#[utoipa::path(get, path = "/collections/{layer}/items/{id}", tag = "ogc", params(("layer" = String, Path), ("id" = u64, Path)),
    responses((status = 200, description = "GeoJSON Feature with ETag", content_type = "application/geo+json"),
              (status = 304, description = "unchanged"),
              (status = 404, description = "no such feature", body = crate::error::ErrorBody)))]
pub async fn item(
    State(state): State<SharedState>,
    Path((layer, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)
        .map_err(|_| ApiError::not_found(format!("no {layer} feature with id {id}")))?;
    feature_response(&state, layer, id, &headers, "application/geo+json")
}

/// Percent-encodes a query component.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
