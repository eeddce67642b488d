//! Benchmark of site matching on the generated 1,000,000-plot dataset: the
//! typical investor's request (hard availability and area, preferred price,
//! industry, district and highway proximity). Figures in `advisor/BENCHMARKS.md`.
//!
//! Run with `cargo bench -p siteatlas-advisor --bench match`.

// Criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use siteatlas_advisor::{MatchRequest, match_sites};
use siteatlas_fixtures::{GeneratorConfig, generate};
use siteatlas_tiles::Atlas;
use siteatlas_tiles::index::LayerIndex;

fn atlas() -> Atlas {
    let started = Instant::now();
    let data = generate(GeneratorConfig {
        seed: 20261126,
        plots: 1_000_000,
    });
    let atlas = Atlas {
        parks: LayerIndex::bulk_load(data.parks),
        plots: LayerIndex::bulk_load(data.plots),
        factories: LayerIndex::bulk_load(data.factories),
        pois: LayerIndex::bulk_load(data.pois),
        ..Atlas::default()
    };
    eprintln!("atlas built in {:.1?}", started.elapsed());
    atlas
}

fn requests() -> Vec<(&'static str, MatchRequest)> {
    let parse = |v: serde_json::Value| serde_json::from_value(v).expect("valid request");
    vec![
        (
            "typical",
            parse(json!({"layers": ["plots", "factories"], "criteria": [
                {"field": "area_mu", "min": 30, "max": 80, "hard": true},
                {"field": "available_now", "hard": true},
                {"field": "price_wan_per_mu", "max": 40, "weight": 2},
                {"field": "industries", "any_of": ["biomedicine"]},
                {"field": "district", "any_of": ["温江"]},
                {"near": "highway_exit", "max_m": 5000}
            ], "limit": 20})),
        ),
        (
            "hard_near",
            parse(json!({"layers": ["plots"], "criteria": [
                {"near": "highway_exit", "max_m": 3000, "hard": true},
                {"field": "available_now", "hard": true},
                {"field": "price_wan_per_mu", "max": 40},
                {"near": "rail_freight", "max_m": 10000}
            ], "limit": 20})),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let atlas = atlas();
    let mut group = c.benchmark_group("match_1m");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, request) in requests() {
        let response = match_sites(&atlas, &request).expect("accepted");
        eprintln!(
            "{name}: total {} sites pass the hard criteria",
            response.total
        );
        group.bench_function(name, |b| {
            b.iter(|| match_sites(black_box(&atlas), black_box(&request)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
