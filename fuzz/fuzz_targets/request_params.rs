//! Request parameters as clients send them: a layer list and tile address as
//! in `/tiles/{layers}/{z}/{x}/{y}.mvt`, and a site-matching request body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siteatlas_fuzz::request_params(data));
