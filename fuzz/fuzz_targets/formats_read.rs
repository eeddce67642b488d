//! Any bytes as a land department's file: GeoJSON, GeoJSON Sequence, zipped
//! Shapefile or GeoPackage, with and without repair. Errors are fine; panics,
//! hangs and runaway allocations are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use siteatlas_formats::{ReadOptions, read};

fuzz_target!(|data: &[u8]| {
    for repair in [false, true] {
        let options = ReadOptions {
            repair,
            ..Default::default()
        };
        let _ = read(data, &options);
    }
});
