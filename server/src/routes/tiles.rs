//! Vector tiles, TileJSON and the MapLibre style.

use axum::body::Bytes;
use std::io::Write;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use siteatlas_tiles::encode::{PLOT_CLUSTER_FIELDS, label_layer_name, label_minzoom};
use siteatlas_tiles::tile_filter::TileFilter;
use siteatlas_tiles::tile_math::MAX_ZOOM;
use siteatlas_tiles::{Field, FieldType, LayerKind, TileId};

use crate::error::ApiError;
use crate::routes::base_url;
use crate::state::{AppState, SharedState};
use crate::tile_cache::{EncodedTile, TileKey};

/// Media type of Mapbox Vector Tiles.
pub const MVT_MEDIA_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// Browsers and proxies may keep a tile a minute; the ETag revalidates it after.
const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=30";

/// The gzip level of tiles. Level 3 rather than the default 6: on the largest
/// tile of the benchmark (468 KB raw) it takes 6.9 ms against 13.1 ms for an
/// answer 1.4 % larger (178.9 against 176.4 KB), and a tile that is not cached
/// pays for its compression on every request. Level 1 (zlib-rs's fast
/// strategy) would take 3.1 ms but make that tile 31 % larger.
const TILE_GZIP_LEVEL: u32 = 3;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        Compression::new(TILE_GZIP_LEVEL),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// A 64-bit FNV-1a hash: stable across builds, so ETags survive restarts.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            let mut parts = enc.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

/// Parses `{z}/{x}/{y}.mvt`.
pub fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileId, ApiError> {
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .unwrap_or(y);
    let num = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| {
            ApiError::bad_parameter(name, format!("`{v}` is not a non-negative integer"))
        })
    };
    Ok(TileId::new(num("z", z)?, num("x", x)?, num("y", y)?)?)
}

/// `GET /tiles/{layers}/{z}/{x}/{y}.mvt`
#[utoipa::path(get, path = "/tiles/{layers}/{z}/{x}/{y}.mvt", tag = "tiles",
    params(("layers" = String, Path, description = "comma list of parks, plots, factories, pois"),
           ("z" = u32, Path), ("x" = u32, Path), ("y" = u32, Path),
           ("status" = Option<String>, Query, description = "comma list of plot and factory statuses"),
           ("land_use" = Option<String>, Query, description = "comma list"),
           ("min_area_mu" = Option<f64>, Query), ("max_area_mu" = Option<f64>, Query),
           ("min_price" = Option<f64>, Query), ("max_price" = Option<f64>, Query, description = "万元/亩"),
           ("park" = Option<String>, Query),
           ("min_clear_height_m" = Option<f64>, Query), ("min_floor_load_kn_m2" = Option<f64>, Query),
           ("min_available_area_m2" = Option<f64>, Query), ("max_available_area_m2" = Option<f64>, Query),
           ("max_rent" = Option<f64>, Query, description = "元/m²/月")),
    responses((status = 200, description = "Mapbox Vector Tile of the features passing the filters (plot filters to plots, factory filters to factories)", content_type = "application/vnd.mapbox-vector-tile"),
              (status = 204, description = "no feature in this tile"),
              (status = 304, description = "unchanged since the given ETag"),
              (status = 400, description = "no such tile, or a filter parameter unknown or invalid (named)", body = crate::error::ErrorBody),
              (status = 404, description = "unknown layer", body = crate::error::ErrorBody)))]
#[tracing::instrument(skip(state, headers), fields(z = %z, x = %x, y = %y))]
pub async fn tile(
    State(state): State<SharedState>,
    Path((layers, z, x, y)): Path<(String, String, String, String)>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layers = LayerKind::parse_list(&layers)?;
    let tile = parse_tile(&z, &x, &y)?;
    let filter = filter_of(query)?;
    let key = TileKey {
        layers,
        tile,
        filter: filter.canonical(),
    };
    let cached = state.tiles.cache.lock().get(&key);
    let encoded = match cached {
        Some(hit) => hit,
        None => {
            let epoch = state.tiles.cache.lock().epoch();
            state
                .tiles
                .flights
                .run(&key, epoch, || encode(&state, &key, &filter))
                .await?
        }
    };
    let mut response = if etag_matches(&headers, &encoded.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if encoded.raw.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else if accepts_gzip(&headers) {
        let mut r = encoded.gzip.clone().into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        encoded.raw.clone().into_response()
    };
    let h = response.headers_mut();
    if !encoded.raw.is_empty() {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(MVT_MEDIA_TYPE),
        );
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&encoded.etag) {
        h.insert(header::ETAG, v);
    }
    Ok(response)
}

/// Encodes a tile, gzips it, tags it and offers it to the cache.
fn encode(
    state: &AppState,
    key: &TileKey,
    filter: &TileFilter,
) -> Result<Arc<EncodedTile>, siteatlas_tiles::TileError> {
    let (raw, epoch) = {
        let atlas = state.atlas.read();
        let epoch = state.tiles.cache.lock().epoch();
        (
            atlas.encode_filtered_tile(&key.layers, key.tile, filter)?,
            epoch,
        )
    };
    // Two filters can select the same bytes; the filter is part of
    // the tag so that a client never revalidates one with the other.
    let mut hash = fnv1a(&raw);
    if !key.filter.is_empty() {
        hash ^= fnv1a(key.filter.as_bytes()).rotate_left(1);
    }
    let etag = format!("\"{hash:016x}\"");
    let encoded = Arc::new(EncodedTile {
        gzip: if raw.is_empty() {
            Bytes::new()
        } else {
            gzip(&raw).into()
        },
        raw: raw.into(),
        etag,
    });
    state
        .tiles
        .cache
        .lock()
        .insert(key.clone(), encoded.clone(), epoch);
    Ok(encoded)
}

/// The TileJSON type of a field as tiles carry it.
fn tile_type(field: &Field) -> &'static str {
    match field.kind {
        FieldType::Number | FieldType::Integer => "Number",
        FieldType::Boolean => "Boolean",
        _ => "String",
    }
}

/// Fields a layer's tiles carry, for TileJSON `vector_layers`: the code and
/// what the layer's spec marks for tiles, described by their labels and units.
fn layer_fields(layer: LayerKind) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("code".into(), json!("String"));
    for field in layer.spec().tile_fields() {
        let unit = field.unit_en.map(|u| format!(", {u}")).unwrap_or_default();
        fields.insert(
            field.name.into(),
            json!(format!("{} ({}{unit})", tile_type(field), field.label_en)),
        );
    }
    if layer == LayerKind::Plots {
        for (name, description) in PLOT_CLUSTER_FIELDS {
            fields.insert((*name).into(), json!(description));
        }
    }
    Value::Object(fields)
}

/// The TileJSON `vector_layers` a requested layer brings: the layer itself
/// and, for polygons, its label points.
fn vector_layers(layer: LayerKind) -> Vec<Value> {
    let spec = layer.spec();
    let mut out = vec![json!({
        "id": layer.as_str(),
        "description": spec.description,
        "minzoom": spec.minzoom,
        "maxzoom": MAX_ZOOM,
        "fields": layer_fields(layer),
    })];
    if let Some(name) = label_layer_name(layer) {
        let mut fields = json!({"code": "String"});
        for field in spec.label_fields.iter().filter_map(|f| spec.field(f)) {
            fields[field.name] = json!(tile_type(field));
        }
        let minzoom = label_minzoom(layer);
        out.push(json!({
            "id": name,
            "description": format!("One point per feature of `{}` to draw its name at: inside it, as far from its edges as can be (pole of inaccessibility), in the one tile that holds the point", layer.as_str()),
            "minzoom": minzoom,
            "maxzoom": MAX_ZOOM,
            "fields": fields,
        }));
    }
    out
}

/// The query parameter that only defeats browser caches.
const CACHE_BUSTER: &str = "v";

/// A request's filter, read as the tiles read it.
fn filter_of(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<TileFilter, ApiError> {
    let Query(mut pairs) = query.map_err(|e| ApiError::bad_parameter("query", e.body_text()))?;
    // The web map adds `v=<data version>` to reload tiles past the browser's
    // cache after a change; it says nothing about what to draw.
    pairs.retain(|(name, _)| name != CACHE_BUSTER);
    // The everyday unfiltered tile skips the filter's parsing altogether.
    if pairs.is_empty() {
        return Ok(TileFilter::default());
    }
    Ok(TileFilter::from_params(&pairs.into_iter().collect(), &[])?)
}

/// `?` and the canonical filter, or nothing for no filter.
fn query_suffix(filter: &TileFilter) -> String {
    let q = filter.canonical();
    if q.is_empty() { q } else { format!("?{q}") }
}

/// The TileJSON document for a layer list; its tile URLs carry `filter`.
pub fn tilejson_for(
    state: &SharedState,
    layers: &[LayerKind],
    headers: &HeaderMap,
    filter: &TileFilter,
) -> Value {
    let list: Vec<&str> = layers.iter().map(|l| l.as_str()).collect();
    let list = list.join(",");
    let base = base_url(headers);
    // China by default, the data's extent once there is data.
    let bounds = state
        .atlas
        .read()
        .extent_of(layers)
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or([73.5, 18.0, 135.1, 53.6]);
    let center = [
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        11.0,
    ];
    json!({
        "tilejson": "3.0.0",
        "name": format!("Site Atlas: {list}"),
        "description": "Investment-promotion map: parks, plots, standard factories and infrastructure. \
            Tiles take the filters of /api/search that concern plots and factories as a query string \
            (status, land_use, min_area_mu, max_area_mu, min_price, max_price, park, min_clear_height_m, \
            min_floor_load_kn_m2, min_available_area_m2, max_available_area_m2, max_rent); \
            this document requested with them gives tile URLs carrying them.",
        "attribution": "Site Atlas",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{list}/{{z}}/{{x}}/{{y}}.mvt{}", query_suffix(filter))],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": center,
        "vector_layers": layers.iter().flat_map(|l| vector_layers(*l)).collect::<Vec<_>>(),
    })
}

/// `GET /tiles/{layers}.json`
#[utoipa::path(get, path = "/tiles/{layers}.json", tag = "tiles",
    params(("layers" = String, Path, description = "comma list of parks, plots, factories, offices, pois")),
    responses((status = 200, description = "TileJSON 3.0.0"), (status = 404, description = "unknown layer", body = crate::error::ErrorBody)))]
pub async fn tilejson(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let list = name.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(format!(
            "no resource /tiles/{name}; TileJSON is at /tiles/{{layers}}.json"
        ))
    })?;
    let layers = LayerKind::parse_list(list)?;
    let filter = filter_of(query)?;
    Ok(Json(tilejson_for(&state, &layers, &headers, &filter)))
}

/// `GET /style.json`: a MapLibre style drawing every layer.
#[utoipa::path(get, path = "/style.json", tag = "tiles", responses((status = 200, description = "MapLibre style")))]
pub async fn style(
    State(state): State<SharedState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let filter = filter_of(query)?;
    let tj = tilejson_for(&state, &LayerKind::ALL, &headers, &filter);
    let status_colour = json!([
        "match",
        ["get", "status"],
        "available",
        "#2e9d5b",
        "reserved",
        "#e0a526",
        "negotiating",
        "#3b7dd8",
        "transferred",
        "#9a9a9a",
        "withdrawn",
        "#c9c9c9",
        "#888888"
    ]);
    Ok(Json(json!({
        "version": 8,
        "name": "Site Atlas",
        "center": [tj["center"][0], tj["center"][1]],
        "zoom": 11,
        "sources": {
            "siteatlas": { "type": "vector", "url": format!("{base}/tiles/parks,plots,factories,offices,pois.json{}", query_suffix(&filter)) }
        },
        "layers": [
            { "id": "background", "type": "background", "paint": { "background-color": "#f4f1ea" } },
            { "id": "parks-fill", "type": "fill", "source": "siteatlas", "source-layer": "parks",
              "paint": { "fill-color": ["match", ["get", "level"], "national", "#d9534f", "provincial", "#f0ad4e", "municipal", "#5bc0de", "#5cb85c"], "fill-opacity": 0.15 } },
            { "id": "parks-outline", "type": "line", "source": "siteatlas", "source-layer": "parks",
              "paint": { "line-color": "#8a3b12", "line-width": 1.5 } },
            { "id": "plot-clusters", "type": "circle", "source": "siteatlas", "source-layer": "plots",
              "filter": ["==", ["get", "cluster"], true],
              "paint": { "circle-color": "#2e9d5b", "circle-opacity": 0.85,
                         "circle-radius": ["get", "radius"], "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } },
            { "id": "plots-fill", "type": "fill", "source": "siteatlas", "source-layer": "plots",
              "filter": ["!", ["has", "cluster"]],
              "paint": { "fill-color": status_colour, "fill-opacity": 0.6 } },
            { "id": "plots-outline", "type": "line", "source": "siteatlas", "source-layer": "plots",
              "filter": ["!", ["has", "cluster"]],
              "paint": { "line-color": ["match", ["get", "land_use"], "industrial", "#7a4b00", "logistics", "#6a1b9a", "rnd", "#00838f", "commercial", "#c62828", "#455a64"], "line-width": 1 } },
            { "id": "factories-3d", "type": "fill-extrusion", "source": "siteatlas", "source-layer": "factories",
              "minzoom": 15,
              "paint": { "fill-extrusion-color": ["match", ["get", "status"], "vacant", "#2e9d5b", "partial", "#e0a526", "#9a9a9a"],
                         "fill-extrusion-height": ["*", ["coalesce", ["get", "floors"], 1], 6], "fill-extrusion-opacity": 0.8 } },
            { "id": "factories-fill", "type": "fill", "source": "siteatlas", "source-layer": "factories",
              "maxzoom": 15, "paint": { "fill-color": "#5d6d7e", "fill-opacity": 0.7 } },
            { "id": "offices-fill", "type": "fill", "source": "siteatlas", "source-layer": "offices",
              "filter": ["==", ["geometry-type"], "Polygon"],
              "paint": { "fill-color": "#7e57c2", "fill-opacity": 0.7 } },
            { "id": "offices-point", "type": "circle", "source": "siteatlas", "source-layer": "offices",
              "filter": ["==", ["geometry-type"], "Point"],
              "paint": { "circle-radius": 6, "circle-color": "#7e57c2", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } },
            { "id": "pois", "type": "circle", "source": "siteatlas", "source-layer": "pois",
              "paint": { "circle-radius": 5, "circle-color": ["match", ["get", "kind"], "highway_exit", "#1565c0", "rail_freight", "#6d4c41", "port", "#00838f", "airport", "#283593", "substation", "#f9a825", "#2e7d32"],
                         "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } },
            { "id": "parks-label", "type": "symbol", "source": "siteatlas", "source-layer": "parks",
              "layout": { "text-field": ["get", "name"], "text-size": 13 },
              "paint": { "text-color": "#5a2a0c", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } },
            { "id": "pois-label", "type": "symbol", "source": "siteatlas", "source-layer": "pois", "minzoom": 11,
              "layout": { "text-field": ["get", "name"], "text-size": 11, "text-offset": [0, 1.2], "text-anchor": "top" },
              "paint": { "text-color": "#263238", "text-halo-color": "#ffffff", "text-halo-width": 1 } }
        ]
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }

    #[test]
    fn etags_match_weak_and_lists() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(etag_matches(&h, "\"b\""));
        assert!(!etag_matches(&h, "\"c\""));
    }
}
