//! Search parameters as clients send them: a query string of
//! `GET /api/search` and a JSON body of `POST /api/search`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siteatlas_fuzz::search_params(data));
