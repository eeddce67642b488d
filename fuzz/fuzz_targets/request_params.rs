//! Request parameters as clients send them: a layer list and tile address as
//! in `/tiles/{layers}/{z}/{x}/{y}.mvt`, and a site-matching request body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use siteatlas_tiles::{Atlas, LayerKind, TileId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '/');
    if let (Some(layers), Some(z), Some(x), Some(y)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && let Ok(layers) = LayerKind::parse_list(layers)
        && let (Ok(z), Ok(x), Ok(y)) = (z.parse(), x.parse(), y.trim_end_matches(".mvt").parse())
        && let Ok(tile) = TileId::new(z, x, y)
    {
        let _ = Atlas::default().encode_tile(&layers, tile);
    }
    if let Ok(request) = siteatlas_advisor::MatchRequest::from_json(text) {
        let _ = siteatlas_advisor::match_sites(&Atlas::default(), &request);
    }
});
