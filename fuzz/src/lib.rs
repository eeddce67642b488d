//! The bodies of the fuzz targets, one function each, taking the raw input.
//!
//! `fuzz_targets/*.rs` hand libFuzzer's input to these; the test command
//! replays the committed corpora through the same functions, with mutations,
//! on stable Rust (`tests/tests/fuzz_replay.rs`). Errors are fine everywhere;
//! panics, hangs and runaway allocations are not.

use arbitrary::{Arbitrary, Unstructured};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use siteatlas_formats::{ReadOptions, read};
use siteatlas_tiles::geojson_io::{feature_from_geojson, feature_from_parts};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::search_params::{params_from_json, query_from_params};
use siteatlas_tiles::{
    Atlas, FactoryAttrs, LayerKind, ParkAttrs, PlotAttrs, PoiAttrs, Shape, TileId,
};

/// Any bytes as a land department's file: GeoJSON, GeoJSON Sequence, zipped
/// Shapefile, GeoPackage or boundary-point text file, with and without repair.
pub fn formats_read(data: &[u8]) {
    for repair in [false, true] {
        let options = ReadOptions {
            repair,
            ..Default::default()
        };
        let _ = read(data, &options);
    }
}

/// Any bytes as an uploaded panorama: the header check, then the decoder with
/// its limits. Lying headers and bombs must be refused.
pub fn panorama_decode(data: &[u8]) {
    if siteatlas_panorama::inspect(data).is_ok() {
        let out = tempfile::tempdir().expect("temporary directory");
        let _ = siteatlas_panorama::process_bytes(data, out.path());
    }
}

/// Any text as GeoJSON features of every layer: parsed, validated by the
/// model, indexed and encoded.
pub fn geojson_to_tiles(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(geojson::GeoJson::Feature(feature)) = text.parse::<geojson::GeoJson>() else {
        return;
    };
    let mut atlas = Atlas::default();
    if let Ok(f) = feature_from_geojson::<ParkAttrs>(1, &feature) {
        atlas.parks.upsert(f);
    }
    if let Ok(f) = feature_from_geojson::<PlotAttrs>(1, &feature) {
        atlas.plots.upsert(f);
    }
    if let Ok(f) = feature_from_geojson::<FactoryAttrs>(1, &feature) {
        atlas.factories.upsert(f);
    }
    if let Ok(f) = feature_from_geojson::<PoiAttrs>(1, &feature) {
        atlas.pois.upsert(f);
    }
    for (z, x, y) in [(0, 0, 0), (10, 807, 420), (14, 12918, 6722)] {
        let tile = TileId::new(z, x, y).expect("a valid tile");
        let _ = atlas.encode_tile(&LayerKind::ALL, tile);
    }
}

/// The structured input of [`geometry_to_tiles`].
#[derive(Debug, Arbitrary)]
pub struct GeometryInput {
    /// Polygons as rings of (x, y): any floats, any nesting.
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
    /// Zooms to encode at (taken modulo 23).
    pub zooms: Vec<u8>,
}

/// Arbitrary coordinates (NaN, infinities, huge, degenerate, nested rings)
/// as a plot's geometry: refused as a typed error, or indexed, encoded into
/// tiles at several zooms and found by a search. The bytes are read as
/// libFuzzer's structured targets read them.
pub fn geometry_to_tiles(data: &[u8]) {
    if let Ok(input) = GeometryInput::arbitrary_take_rest(Unstructured::new(data)) {
        geometry_input_to_tiles(&input);
    }
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString(points.iter().map(|&(x, y)| Coord { x, y }).collect())
}

/// [`geometry_to_tiles`] on an input already built.
pub fn geometry_input_to_tiles(input: &GeometryInput) {
    let polygons: Vec<Polygon<f64>> = input
        .polygons
        .iter()
        .take(8)
        .filter(|rings| !rings.is_empty())
        .map(|rings| {
            let interiors = rings[1..].iter().take(8).map(|r| ring(r)).collect();
            Polygon::new(ring(&rings[0]), interiors)
        })
        .collect();
    let Ok(shape) = Shape::try_from(geo::Geometry::MultiPolygon(MultiPolygon(polygons))) else {
        return;
    };
    let serde_json::Value::Object(props) =
        serde_json::json!({"status": "available", "land_use": "industrial"})
    else {
        return;
    };
    let Ok(plot) = feature_from_parts::<PlotAttrs>(1, "F-1".into(), shape.clone(), props) else {
        return;
    };
    let mut atlas = Atlas::default();
    atlas.plots.upsert(plot);
    let bbox = shape.bbox();
    let (lon, lat) = (
        (bbox.min().x + bbox.max().x) / 2.0,
        (bbox.min().y + bbox.max().y) / 2.0,
    );
    for &z in input.zooms.iter().take(4) {
        let z = u32::from(z % 23);
        let n = 1u64 << z;
        let x = (((lon + 180.0) / 360.0) * n as f64).clamp(0.0, (n - 1) as f64) as u32;
        let lat_r = lat.clamp(-85.0, 85.0).to_radians();
        let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0
            * n as f64)
            .clamp(0.0, (n - 1) as f64) as u32;
        if let Ok(tile) = TileId::new(z, x, y) {
            let _ = atlas.encode_tile(&[LayerKind::Plots], tile);
        }
    }
    let mut q = siteatlas_tiles::SearchQuery::new(LayerKind::Plots);
    q.circle = Some(siteatlas_tiles::search::Circle {
        lon,
        lat,
        radius_m: 5_000.0,
    });
    let _ = atlas.search(&q);
}

/// Request parameters as clients send them: a layer list and tile address as
/// in `/tiles/{layers}/{z}/{x}/{y}.mvt`, and a site-matching request body.
pub fn request_params(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '/');
    if let (Some(layers), Some(z), Some(x), Some(y)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && let Ok(layers) = LayerKind::parse_list(layers)
        && let (Ok(z), Ok(x), Ok(y)) = (z.parse(), x.parse(), y.trim_end_matches(".mvt").parse())
        && let Ok(tile) = TileId::new(z, x, y)
    {
        let _ = Atlas::default().encode_tile(&layers, tile);
    }
    if let Ok(request) = siteatlas_advisor::MatchRequest::from_json(text) {
        let _ = siteatlas_advisor::match_sites(&Atlas::default(), &request);
    }
}

/// A small atlas of generated data, for targets that run searches.
fn small_atlas() -> &'static Atlas {
    static ATLAS: std::sync::OnceLock<Atlas> = std::sync::OnceLock::new();
    ATLAS.get_or_init(|| {
        let data = siteatlas_fixtures::generate(siteatlas_fixtures::GeneratorConfig {
            seed: 11,
            plots: 400,
        });
        Atlas {
            parks: LayerIndex::bulk_load(data.parks),
            plots: LayerIndex::bulk_load(data.plots),
            factories: LayerIndex::bulk_load(data.factories),
            pois: LayerIndex::bulk_load(data.pois),
            ..Atlas::default()
        }
    })
}

/// Search parameters as clients send them: the bytes as the query string of
/// `GET /api/search` (read as the server reads it) and as the JSON body of
/// `POST /api/search`. Every query accepted is run.
pub fn search_params(data: &[u8]) {
    let atlas = small_atlas();
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) {
        let params = pairs.into_iter().collect();
        if let Ok(query) = query_from_params(&params, None, &[]) {
            let _ = atlas.search(&query);
        }
    }
    if let Ok(body) = serde_json::from_slice(data)
        && let Ok((params, polygon)) = params_from_json(body)
        && let Ok(query) = query_from_params(&params, polygon, &[])
    {
        let _ = atlas.search(&query);
    }
}

/// A target's body: it takes any bytes.
pub type Target = fn(&[u8]);

/// Every target by name, as in `fuzz/corpus/<name>`.
pub const TARGETS: [(&str, Target); 6] = [
    ("formats_read", formats_read),
    ("panorama_decode", panorama_decode),
    ("geometry_to_tiles", geometry_to_tiles),
    ("geojson_to_tiles", geojson_to_tiles),
    ("request_params", request_params),
    ("search_params", search_params),
];
