//! Any text as GeoJSON features of every layer: parsed, validated by the
//! model, indexed and encoded; errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siteatlas_fuzz::geojson_to_tiles(data));
