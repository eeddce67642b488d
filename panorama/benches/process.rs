//! Criterion benchmark of the whole pipeline on photo-like JPEGs.
//!
//! `cargo bench -p siteatlas-panorama`

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn photo_like_jpeg(width: u32) -> Vec<u8> {
    let height = width / 2;
    let mut state = 0x9E37_79B9_u32;
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 32) as i32 - 16;
        let wave = (((x / 37) ^ (y / 23)) % 40) as i32;
        let px = |base: u32| (base as i32 + noise + wave).clamp(0, 255) as u8;
        image::Rgb([
            px(x * 180 / width + 20),
            px(y * 180 / height + 30),
            px((x + y) * 90 / (width + height) + 70),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image)
        .expect("encode");
    out
}

fn process(c: &mut Criterion) {
    let mut group = c.benchmark_group("process");
    group.sample_size(10);
    for width in [4096u32, 8192] {
        let jpeg = photo_like_jpeg(width);
        group.bench_function(format!("{width}x{}", width / 2), |b| {
            b.iter(|| {
                // A fresh output root each time: an existing folder would skip the writing.
                let out = tempfile::tempdir().expect("scratch");
                black_box(siteatlas_panorama::process_bytes(&jpeg, out.path()).expect("ok"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
