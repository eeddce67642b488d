//! Any bytes as a land department's file: GeoJSON, GeoJSON Sequence, zipped
//! Shapefile or GeoPackage, with and without repair. Errors are fine; panics,
//! hangs and runaway allocations are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siteatlas_fuzz::formats_read(data));
