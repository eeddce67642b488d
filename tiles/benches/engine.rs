//! Benchmarks of the tile engine on the generated 1,000,000-plot dataset:
//! bulk load, tile encoding in the densest area, and radius search with
//! constraints. Targets and figures are in `tiles/BENCHMARKS.md`.
//!
//! Run with `cargo bench -p siteatlas-tiles --bench engine`. Besides
//! Criterion's estimates, the run prints each query's own latency
//! percentiles and the largest tile per zoom, which Criterion does not show.

use std::hint::black_box;
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode};
use siteatlas_fixtures::{Dataset, GeneratorConfig, generate};
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::search::{Circle, Range, SearchQuery};
use siteatlas_tiles::search_answer::{Selection, write_answer};
use siteatlas_tiles::{Atlas, LandUse, LayerKind, PlotStatus, TileId};

/// Plots in the benchmark dataset.
const PLOTS: usize = 1_000_000;
const SEED: u64 = 20261126;
/// Centre of the first generated area (Wenjiang), the densest part of the map.
const WJ: (f64, f64) = (103.846, 30.712);

/// The dataset, generated once.
fn data() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| {
        let started = Instant::now();
        let data = generate(GeneratorConfig {
            seed: SEED,
            plots: PLOTS,
        });
        assert_eq!(data.plots.len(), PLOTS);
        eprintln!(
            "dataset: {} plots, {} parks, {} factories, {} points in {:.1?}",
            data.plots.len(),
            data.parks.len(),
            data.factories.len(),
            data.pois.len(),
            started.elapsed()
        );
        data
    })
}

fn atlas() -> &'static Atlas {
    static ATLAS: OnceLock<Atlas> = OnceLock::new();
    ATLAS.get_or_init(|| {
        let data = data();
        Atlas {
            parks: LayerIndex::bulk_load(data.parks.clone()),
            plots: LayerIndex::bulk_load(data.plots.clone()),
            factories: LayerIndex::bulk_load(data.factories.clone()),
            pois: LayerIndex::bulk_load(data.pois.clone()),
            ..Atlas::default()
        }
    })
}

fn tile_at(z: u8, lon: f64, lat: f64) -> TileId {
    let n = (1u64 << z) as f64;
    let x = (lon + 180.0) / 360.0 * n;
    let lat = lat.to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    TileId::new(z.into(), x as u32, y as u32).expect("a tile")
}

fn bulk_load(c: &mut Criterion) {
    let plots = &data().plots;
    let mut group = c.benchmark_group("bulk_load");
    // Each iteration takes seconds: ten of them, one per sample.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    group.bench_function("plots_1m", |b| {
        b.iter_batched(
            || plots.clone(),
            LayerIndex::bulk_load,
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let atlas = atlas();
    let sizes = Once::new();
    let mut group = c.benchmark_group("encode");
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    for z in [10u8, 12, 14, 16] {
        let tile = tile_at(z, WJ.0, WJ.1);
        for (name, layers) in [
            ("plots", &[LayerKind::Plots][..]),
            ("all", &LayerKind::ALL[..]),
        ] {
            let size = Once::new();
            group.bench_function(format!("z{z}_{name}"), |b| {
                // Printed once, and only when the benchmark is selected
                // (Criterion calls this closure once per sample).
                sizes.call_once(|| print_tile_sizes(atlas));
                size.call_once(|| {
                    let bytes = atlas.encode_tile(layers, tile).unwrap();
                    eprintln!("encode/z{z}_{name}: tile {tile}, {} bytes", bytes.len());
                });
                b.iter(|| {
                    atlas
                        .encode_tile(black_box(layers), black_box(tile))
                        .unwrap()
                })
            });
        }
    }
    group.finish();
}

/// The largest tile, all layers, among the one holding the area's centre and
/// its eight neighbours, per zoom.
fn print_tile_sizes(atlas: &Atlas) {
    let mut sizes = Vec::new();
    for z in 0..=16u8 {
        let centre = tile_at(z, WJ.0, WJ.1);
        let n = 1i64 << z;
        let mut largest = (0, centre);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let (x, y) = (centre.x() as i64 + dx, centre.y() as i64 + dy);
                if !(0..n).contains(&x) || !(0..n).contains(&y) {
                    continue;
                }
                let tile = TileId::new(z.into(), x as u32, y as u32).unwrap();
                let len = atlas.encode_tile(&LayerKind::ALL, tile).unwrap().len();
                if len > largest.0 {
                    largest = (len, tile);
                }
            }
        }
        sizes.push(format!("z{z} {} B ({})", largest.0, largest.1));
    }
    eprintln!("largest tile per zoom, all layers: {}", sizes.join(", "));
}

/// The benchmark query: 5 km around a point near the area's centre,
/// available or reserved industrial plots of 30-80 mu.
fn queries() -> Vec<SearchQuery> {
    // SplitMix64, so that the centres never change.
    let mut state = 0x5EED_u64;
    let mut unit = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..512)
        .map(|_| {
            let (r, bearing) = (5_000.0 * unit().sqrt(), std::f64::consts::TAU * unit());
            let mut q = SearchQuery::new(LayerKind::Plots);
            q.circle = Some(Circle {
                lon: WJ.0 + r * bearing.cos() / (111_320.0 * WJ.1.to_radians().cos()),
                lat: WJ.1 + r * bearing.sin() / 110_574.0,
                radius_m: 5_000.0,
            });
            q.plots.status = vec![PlotStatus::Available, PlotStatus::Reserved];
            q.plots.land_use = vec![LandUse::Industrial];
            q.plots.area_mu = Range {
                min: Some(30.0),
                max: Some(80.0),
            };
            q
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let atlas = atlas();
    let queries = queries();
    let mut group = c.benchmark_group("search");
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    // One iteration is one query; the centre moves on at every iteration.
    let latency = Once::new();
    group.bench_function("radius_5km_constraints", |b| {
        latency.call_once(|| print_search_latency(atlas, &queries));
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % queries.len();
            atlas.search(black_box(&queries[i])).unwrap()
        })
    });
    // Every match on one page, each with its distance: what a client listing
    // all results asks (`limit=1000`, as the HTTP benchmark does).
    let whole: Vec<SearchQuery> = queries
        .iter()
        .map(|q| SearchQuery {
            limit: 1000,
            ..q.clone()
        })
        .collect();
    group.bench_function("radius_5km_constraints_all_matches", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % whole.len();
            atlas.search(black_box(&whole[i])).unwrap()
        })
    });
    group.finish();
}

/// Each query timed on its own, several rounds over all centres.
fn print_search_latency(atlas: &Atlas, queries: &[SearchQuery]) {
    let mut times = Vec::new();
    let mut totals = Vec::new();
    for round in 0..5 {
        for q in queries {
            let started = Instant::now();
            let page = black_box(atlas.search(q).unwrap());
            let elapsed = started.elapsed();
            if round > 0 {
                times.push(elapsed);
                totals.push(page.total);
            }
        }
    }
    times.sort();
    totals.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    eprintln!(
        "search latency over {} queries: min {:.1?}, p50 {:.1?}, p90 {:.1?}, p99 {:.1?}, max {:.1?}; matches per query: p50 {}, max {}",
        times.len(),
        times[0],
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1],
        totals[totals.len() / 2],
        totals[totals.len() - 1]
    );
}

/// Search answers written as GeoJSON text, every match of a 5 km search
/// (as the HTTP benchmark asks): ids and distances only, and whole features.
fn answers(c: &mut Criterion) {
    let atlas = atlas();
    let whole: Vec<SearchQuery> = queries()
        .into_iter()
        .map(|q| SearchQuery { limit: 1000, ..q })
        .collect();
    let compact = Selection {
        properties: Some(vec!["distance_m".into()]),
        skip_geometry: true,
    };
    let mut group = c.benchmark_group("answer");
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    for (name, selection) in [
        ("ids_and_distances", &compact),
        ("features", &Selection::default()),
    ] {
        group.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % whole.len();
                write_answer(atlas, black_box(&whole[i]), selection).unwrap()
            })
        });
    }
    group.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, without their undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    bulk_load(&mut c);
    encode(&mut c);
    search(&mut c);
    answers(&mut c);
    c.final_summary();
}
