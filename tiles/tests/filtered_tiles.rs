//! Filtered tiles against brute force over the same features: every plot
//! that passes the filter is drawn, or counted in one aggregate, exactly
//! once; nothing that fails it appears.

use std::collections::{BTreeMap, BTreeSet};

use mvt_reader::Reader;
use mvt_reader::feature::Value;
use siteatlas_fixtures::{GeneratorConfig, generate};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::tile_filter::TileFilter;
use siteatlas_tiles::{Atlas, LayerKind, TileId};

fn atlas(seed: u64, plots: usize) -> Atlas {
    let data = generate(GeneratorConfig { seed, plots });
    Atlas {
        parks: LayerIndex::bulk_load(data.parks),
        plots: LayerIndex::bulk_load(data.plots),
        factories: LayerIndex::bulk_load(data.factories),
        pois: LayerIndex::bulk_load(data.pois),
        ..Atlas::default()
    }
}

fn filter(pairs: &[(&str, &str)]) -> TileFilter {
    let params: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    TileFilter::from_params(&params, &[]).expect("a valid filter")
}

/// The features of a tile's layer: (id, properties).
fn layer(bytes: &[u8], name: &str) -> Vec<(Option<u64>, BTreeMap<String, Value>)> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let reader = Reader::new(bytes.to_vec()).expect("the tile decodes");
    let Some(meta) = reader
        .get_layer_metadata()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
    else {
        return Vec::new();
    };
    reader
        .get_features_as::<f64>(meta.layer_index)
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.properties.unwrap_or_default().into_iter().collect()))
        .collect()
}

fn uint(props: &BTreeMap<String, Value>, key: &str) -> u64 {
    match props.get(key) {
        Some(Value::UInt(v)) => *v,
        other => panic!("{key}: {other:?}"),
    }
}

const INVESTOR: &[(&str, &str)] = &[
    ("status", "available"),
    ("land_use", "industrial"),
    ("min_area_mu", "30"),
    ("max_area_mu", "80"),
];

#[test]
fn aggregates_count_the_filtered_plots_once() {
    let atlas = atlas(11, 8_000);
    let f = filter(INVESTOR);
    let keep = |a: &siteatlas_tiles::model::PlotAttrs| {
        a.status.as_str() == "available"
            && a.land_use.as_str() == "industrial"
            && (30.0..=80.0).contains(&a.area_mu())
    };
    let matching: Vec<_> = atlas
        .plots
        .iter()
        .filter(|e| keep(&e.feature.attrs))
        .map(|e| e.world_anchor)
        .collect();
    assert!(
        matching.len() > 20 && matching.len() < atlas.plots.len() / 2,
        "the filter selects some plots: {}",
        matching.len()
    );
    for z in [4u8, 8, 10, 11] {
        let n = f64::from(1u32 << z);
        let mut want: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        for w in &matching {
            *want
                .entry(((w.x * n).floor() as u32, (w.y * n).floor() as u32))
                .or_default() += 1;
        }
        let mut total = 0;
        for (&(x, y), &count) in &want {
            let tile = TileId::new(z.into(), x, y).unwrap();
            let bytes = atlas
                .encode_filtered_tile(&[LayerKind::Plots], tile, &f)
                .unwrap();
            let got: u64 = layer(&bytes, "plots")
                .iter()
                .map(|(_, p)| uint(p, "count"))
                .sum();
            assert_eq!(got, count, "z{z} tile {x}/{y}");
            total += got;
        }
        assert_eq!(total, matching.len() as u64, "z{z}: each match once");
    }
}

#[test]
fn detailed_tiles_hold_only_and_all_the_matches() {
    let atlas = atlas(12, 8_000);
    let f = filter(INVESTOR);
    let z = 14u32;
    let n = f64::from(1u32 << z);
    let mut by_tile: BTreeMap<(u32, u32), BTreeSet<u64>> = BTreeMap::new();
    for e in atlas.plots.iter() {
        let w = e.world_anchor;
        by_tile
            .entry(((w.x * n).floor() as u32, (w.y * n).floor() as u32))
            .or_default();
        let a = &e.feature.attrs;
        if a.status.as_str() == "available"
            && a.land_use.as_str() == "industrial"
            && (30.0..=80.0).contains(&a.area_mu())
        {
            by_tile
                .get_mut(&((w.x * n).floor() as u32, (w.y * n).floor() as u32))
                .unwrap()
                .insert(e.feature.id);
        }
    }
    let mut seen = 0;
    for (&(x, y), want) in by_tile.iter().take(400) {
        let tile = TileId::new(z, x, y).unwrap();
        let bytes = atlas
            .encode_filtered_tile(&[LayerKind::Plots, LayerKind::Parks], tile, &f)
            .unwrap();
        let ids: BTreeSet<u64> = layer(&bytes, "plots")
            .into_iter()
            .map(|(id, _)| id.expect("a plot has an id"))
            .collect();
        for id in &ids {
            let a = &atlas.plots.get(*id).unwrap().attrs;
            assert!(
                a.status.as_str() == "available"
                    && a.land_use.as_str() == "industrial"
                    && (30.0..=80.0).contains(&a.area_mu()),
                "plot {id} fails the filter but is in tile {x}/{y}"
            );
        }
        assert!(
            want.is_subset(&ids),
            "tile {x}/{y}: {want:?} not all in {ids:?}"
        );
        seen += want.len();
        // The parks layer is not filtered.
        let unfiltered = atlas.encode_tile(&[LayerKind::Parks], tile).unwrap();
        assert_eq!(
            layer(&bytes, "parks").len(),
            layer(&unfiltered, "parks").len()
        );
    }
    assert!(seen > 0, "some matching plot was checked");
}
