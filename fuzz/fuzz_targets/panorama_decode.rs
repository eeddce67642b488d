//! Any bytes as an uploaded panorama: the header check, then the decoder with
//! its limits. Lying headers and bombs must be refused, never crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siteatlas_fuzz::panorama_decode(data));
