//! Arbitrary coordinates (NaN, infinities, huge, degenerate, nested rings)
//! as a plot's geometry: refused as a typed error, or indexed, encoded into
//! tiles at several zooms and found by a search, without a panic.
#![no_main]

use arbitrary::Arbitrary;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use libfuzzer_sys::fuzz_target;
use siteatlas_tiles::geojson_io::feature_from_parts;
use siteatlas_tiles::{Atlas, LayerKind, PlotAttrs, Shape, TileId};

#[derive(Debug, Arbitrary)]
struct Input {
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
    zooms: Vec<u8>,
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString(points.iter().map(|&(x, y)| Coord { x, y }).collect())
}

fuzz_target!(|input: Input| {
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
    let props = serde_json::json!({"status": "available", "land_use": "industrial"});
    let serde_json::Value::Object(props) = props else {
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
});
