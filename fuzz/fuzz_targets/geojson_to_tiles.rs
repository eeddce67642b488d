//! Any text as GeoJSON features of every layer: parsed, validated by the
//! model, indexed and encoded; errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use siteatlas_tiles::geojson_io::feature_from_geojson;
use siteatlas_tiles::{Atlas, FactoryAttrs, LayerKind, ParkAttrs, PlotAttrs, PoiAttrs, TileId};

fuzz_target!(|data: &[u8]| {
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
});
