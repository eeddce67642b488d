//! Arbitrary coordinates (NaN, infinities, huge, degenerate, nested rings)
//! as a plot's geometry: refused as a typed error, or indexed, encoded into
//! tiles at several zooms and found by a search, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use siteatlas_fuzz::{GeometryInput, geometry_input_to_tiles};

fuzz_target!(|input: GeometryInput| geometry_input_to_tiles(&input));
