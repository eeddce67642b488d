//! Features written as GeoJSON text read back as the features built as
//! GeoJSON values, for every layer of a generated dataset.

use serde_json::Value;
use siteatlas_fixtures::{GeneratorConfig, generate};
use siteatlas_tiles::geojson_io::{feature_to_geojson, write_geojson};
use siteatlas_tiles::{Attributes, Feature};

fn round_trips<A: Attributes>(features: &[Feature<A>]) {
    assert!(!features.is_empty());
    let mut text = Vec::new();
    for f in features {
        text.clear();
        write_geojson(&mut text, f, true, &[]).unwrap();
        let written: Value = serde_json::from_slice(&text).unwrap();
        // Both read from text, so that numbers parse alike.
        let built: Value =
            serde_json::from_str(&serde_json::to_string(&feature_to_geojson(f)).unwrap()).unwrap();
        assert_eq!(written, built, "feature {}", f.id);
    }
}

#[test]
fn every_generated_feature_writes_as_it_builds() {
    let data = generate(GeneratorConfig {
        seed: 3,
        plots: 500,
    });
    round_trips(&data.parks);
    round_trips(&data.plots);
    round_trips(&data.factories);
    round_trips(&data.pois);
}
