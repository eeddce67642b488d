//! Reads the committed fixtures (made with ogr2ogr, see data/README.md) and checks the
//! results against values that do not come from this crate.

use approx::assert_abs_diff_eq;
use geojson::{Feature, GeometryValue};
use serde_json::json;
use siteatlas_formats::{Crs, FieldMapping, Format, FormatError, ReadOptions, read, sniff};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn ok(dataset: &siteatlas_formats::Dataset) -> Vec<&Feature> {
    dataset
        .records
        .iter()
        .map(|r| r.result.as_ref().expect("feature reads"))
        .collect()
}

/// The exterior ring of a Polygon feature.
fn exterior(feature: &Feature) -> Vec<(f64, f64)> {
    match &feature.geometry.as_ref().unwrap().value {
        GeometryValue::Polygon { coordinates } => {
            coordinates[0].iter().map(|p| (p[0], p[1])).collect()
        }
        other => panic!("not a polygon: {other:?}"),
    }
}

/// The source GeoJSON written by hand in lon/lat, before ogr2ogr projected it.
fn source(name: &str) -> Vec<Vec<(f64, f64)>> {
    let value: serde_json::Value = serde_json::from_slice(&data(name)).unwrap();
    value["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["geometry"]["coordinates"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

/// Compares rings as point sets: a Shapefile stores exteriors clockwise, GeoJSON anticlockwise.
fn assert_rings_match(got: &[(f64, f64)], want: &[(f64, f64)], eps: f64) {
    assert_eq!(got.len(), want.len());
    let sorted = |ring: &[(f64, f64)]| {
        let mut ring = ring[1..].to_vec();
        // Fixture points lie on a 1e-4 degree grid: round to sort, compare unrounded.
        let key = |p: &(f64, f64)| ((p.0 * 1e5).round() as i64, (p.1 * 1e5).round() as i64);
        ring.sort_by_key(key);
        ring
    };
    for (g, w) in sorted(got).iter().zip(&sorted(want)) {
        assert_abs_diff_eq!(g.0, w.0, epsilon = eps);
        assert_abs_diff_eq!(g.1, w.1, epsilon = eps);
    }
}

#[test]
fn gk_zone_35_shapefile_with_gbk_attributes() {
    let dataset = read(&data("plots_4523_gbk.zip"), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::ShapefileZip);
    assert_eq!(dataset.crs, Crs::from_epsg(4523).unwrap());
    assert_eq!(dataset.layer.as_deref(), Some("plots"));
    let features = ok(&dataset);
    assert_eq!(features.len(), 3);
    for (feature, want) in features.iter().zip(source("src_chengdu.geojson")) {
        assert_rings_match(&exterior(feature), &want, 1e-6);
    }
    let first = features[0];
    assert_eq!(first.property("code"), Some(&json!("WJ-2024-01")));
    assert_eq!(first.property("name"), Some(&json!("温江医学城A区")));
    assert_eq!(first.property("land_use"), Some(&json!("industrial")));
    assert_eq!(first.property("status"), Some(&json!("available")));
    assert_eq!(first.property("area_m2"), Some(&json!(33333.5)));
    // Unmapped: passes through, Chinese name and value intact.
    assert_eq!(first.property("备注"), Some(&json!("三通一平")));
    assert_eq!(features[1].property("land_use"), Some(&json!("rnd")));
    assert_eq!(features[1].property("status"), Some(&json!("transferred")));
    assert_eq!(features[2].property("status"), Some(&json!("negotiating")));
}

#[test]
fn analytic_point_on_the_central_meridian() {
    // On the central meridian at the equator, x is the false easting and y is 0.
    let text = br#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[35500000,0]}}"#;
    let options = ReadOptions {
        crs: Some("EPSG:4523".parse().unwrap()),
        ..Default::default()
    };
    let feature = read(text, &options)
        .unwrap()
        .records
        .remove(0)
        .result
        .unwrap();
    let GeometryValue::Point { coordinates } = feature.geometry.unwrap().value else {
        panic!()
    };
    assert_abs_diff_eq!(coordinates[0], 105.0, epsilon = 1e-12);
    assert_abs_diff_eq!(coordinates[1], 0.0, epsilon = 1e-12);

    let text = br#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[500000,0]}}"#;
    let options = ReadOptions {
        crs: Some(Crs::from_epsg(4543).unwrap()),
        ..Default::default()
    };
    let feature = read(text, &options)
        .unwrap()
        .records
        .remove(0)
        .result
        .unwrap();
    let GeometryValue::Point { coordinates } = feature.geometry.unwrap().value else {
        panic!()
    };
    assert_abs_diff_eq!(coordinates[0], 102.0, epsilon = 1e-12);
    assert_abs_diff_eq!(coordinates[1], 0.0, epsilon = 1e-12);
}

#[test]
fn gk_points_agree_with_cs2cs() {
    // echo "3396000 35404000" | cs2cs -f %.9f EPSG:4523 EPSG:4490  →  30.680674189 103.998156827
    // echo "3320000 396000"   | cs2cs -f %.9f EPSG:4543 EPSG:4490  →  29.994565420 100.922217302
    // (PROJ 9.1.1; EPSG axis order is northing, easting and latitude, longitude.)
    for (epsg, x, y, lon, lat) in [
        (
            4523,
            35_404_000.0,
            3_396_000.0,
            103.998_156_827,
            30.680_674_189,
        ),
        (
            4543,
            396_000.0,
            3_320_000.0,
            100.922_217_302,
            29.994_565_420,
        ),
    ] {
        let text = json!({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[x, y]}});
        let options = ReadOptions {
            crs: Some(Crs::from_epsg(epsg).unwrap()),
            ..Default::default()
        };
        let feature = read(text.to_string().as_bytes(), &options)
            .unwrap()
            .records
            .remove(0)
            .result
            .unwrap();
        let GeometryValue::Point { coordinates } = feature.geometry.unwrap().value else {
            panic!()
        };
        assert_abs_diff_eq!(coordinates[0], lon, epsilon = 1e-8);
        assert_abs_diff_eq!(coordinates[1], lat, epsilon = 1e-8);
    }
}

#[test]
fn gk_cm_102_shapefile_in_subfolder_without_cpg_is_gbk() {
    let dataset = read(&data("yaan_4543_nocpg.zip"), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.crs.epsg(), 4543);
    let features = ok(&dataset);
    for (feature, want) in features.iter().zip(source("src_yaan.geojson")) {
        assert_rings_match(&exterior(feature), &want, 1e-6);
    }
    assert_eq!(
        features[0].property("name"),
        Some(&json!("雅安经开区一号地"))
    );
    assert_eq!(features[0].property("code"), Some(&json!("YA-01")));
    assert_eq!(features[0].property("land_use"), Some(&json!("industrial")));
    assert_eq!(features[0].property("status"), Some(&json!("available")));
    assert_eq!(features[1].property("land_use"), Some(&json!("commercial")));
    assert_eq!(features[1].property("status"), Some(&json!("reserved")));
}

#[test]
fn geopackage_in_cgcs2000() {
    let dataset = read(&data("plots_4490.gpkg"), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::GeoPackage);
    assert_eq!(dataset.crs, Crs::CGCS2000);
    assert_eq!(dataset.layer.as_deref(), Some("plots"));
    let features = ok(&dataset);
    for (feature, want) in features.iter().zip(source("src_chengdu.geojson")) {
        assert_rings_match(&exterior(feature), &want, 1e-9);
    }
    assert_eq!(features[0].property("code"), Some(&json!("WJ-2024-01")));
    assert_eq!(features[0].id, Some(geojson::feature::Id::Number(1.into())));
    // The hole of the second plot survives.
    let GeometryValue::Polygon { coordinates } = &features[1].geometry.as_ref().unwrap().value
    else {
        panic!()
    };
    assert_eq!(coordinates.len(), 2);
}

#[test]
fn several_layers_are_refused_or_chosen() {
    for file in ["two_tables.gpkg", "two_layers.zip"] {
        let err = read(&data(file), &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(&err, FormatError::SeveralLayers { layers } if layers.len() == 2),
            "{err}"
        );
        assert!(err.to_string().contains("yaan"), "{err}");
        let options = ReadOptions {
            layer: Some("yaan".into()),
            ..Default::default()
        };
        let dataset = read(&data(file), &options).unwrap();
        assert_eq!(ok(&dataset)[0].property("code"), Some(&json!("YA-01")));
        let options = ReadOptions {
            layer: Some("nope".into()),
            ..Default::default()
        };
        assert!(matches!(
            read(&data(file), &options),
            Err(FormatError::UnknownLayer { .. })
        ));
    }
}

#[test]
fn web_mercator_geojson_with_crs_member() {
    let dataset = read(&data("plots_3857.geojson"), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.crs, Crs::WEB_MERCATOR);
    for (feature, want) in ok(&dataset).iter().zip(source("src_chengdu.geojson")) {
        assert_rings_match(&exterior(feature), &want, 1e-6);
    }
}

#[test]
fn geojson_sequence_with_record_separators() {
    let dataset = read(&data("plots.geojsons"), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::GeoJsonSeq);
    let features = ok(&dataset);
    assert_eq!(features.len(), 3);
    assert_eq!(features[2].property("code"), Some(&json!("WJ-2024-03")));
    // Plain newline-delimited, one bad line: that record fails, the others read.
    let text = b"{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}\n{oops\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[3,4]}}\n";
    let dataset = read(text, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::GeoJsonSeq);
    assert!(dataset.records[0].result.is_ok() && dataset.records[2].result.is_ok());
    let err = dataset.records[1].result.as_ref().unwrap_err();
    assert_eq!(err.number, 2);
    assert!(
        err.to_string().starts_with("record 2: invalid JSON"),
        "{err}"
    );
}

#[test]
fn sniffing_looks_at_content_not_names() {
    assert_eq!(
        sniff(&data("plots_4523_gbk.zip")),
        Some(Format::ShapefileZip)
    );
    assert_eq!(sniff(&data("plots_4490.gpkg")), Some(Format::GeoPackage));
    assert_eq!(sniff(&data("plots_3857.geojson")), Some(Format::GeoJson));
    assert_eq!(sniff(&data("plots.geojsons")), Some(Format::GeoJsonSeq));
    assert_eq!(
        sniff(b"\xEF\xBB\xBF  {\"type\":\"FeatureCollection\",\"features\":[]}"),
        Some(Format::GeoJson)
    );
    assert_eq!(sniff(b"GIF89a"), None);
    // A GeoPackage renamed .zip is still read as a GeoPackage: the bytes decide.
    let tmp = std::env::temp_dir().join(format!("siteatlas-sniff-{}.zip", std::process::id()));
    std::fs::write(&tmp, data("plots_4490.gpkg")).unwrap();
    let dataset = siteatlas_formats::read_path(&tmp, &ReadOptions::default()).unwrap();
    std::fs::remove_file(&tmp).unwrap();
    assert_eq!(dataset.format, Format::GeoPackage);
}

#[test]
fn bad_files_give_clear_errors() {
    let zip = data("plots_4523_gbk.zip");
    let err = read(&zip[..zip.len() / 2], &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::Zip(_)), "{err}");
    let err = read(&data("missing_dbf.zip"), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shapefile `plots` has no .dbf file in the archive"
    );
    assert!(matches!(
        read(b"\x00\x01garbage", &ReadOptions::default()),
        Err(FormatError::UnknownFormat)
    ));
    let gpkg = data("plots_4490.gpkg");
    assert!(matches!(
        read(&gpkg[..3000], &ReadOptions::default()),
        Err(FormatError::GeoPackage { .. })
    ));
    // New Beijing, a re-adjustment of Beijing 1954, is another datum.
    let text = br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4555"}},"features":[]}"#;
    let err = read(text, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported coordinate reference system: EPSG:4555"
    );
    assert!("EPSG:4555".parse::<Crs>().is_err());
    // A Xian 1980 zone has the same shape as a CGCS2000 one and must not pass for it.
    let xian = r#"PROJCS["Xian_1980_3_Degree_GK_Zone_35",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",35500000.0],PARAMETER["Central_Meridian",105.0]]"#;
    assert_eq!(Crs::from_wkt(xian).unwrap().epsg(), 2359);
    // Any prefix of any fixture: an error or a dataset, never a panic.
    for file in ["plots_4523_gbk.zip", "plots_3857.geojson", "plots.geojsons"] {
        let bytes = data(file);
        for len in (0..bytes.len()).step_by(37) {
            let _ = read(&bytes[..len], &ReadOptions::default());
        }
    }
}

#[test]
fn mapping_file_and_passthrough() {
    let mapping = FieldMapping::from_toml(
        "[fields]\n\"备注\" = \"note\"\n[values.status]\n\"洽谈中\" = \"reserved\"\n",
    )
    .unwrap();
    let options = ReadOptions {
        mapping,
        ..Default::default()
    };
    let features_dataset = read(&data("plots.geojsons"), &options).unwrap();
    let features = ok(&features_dataset);
    assert_eq!(features[0].property("note"), Some(&json!("三通一平")));
    assert_eq!(features[0].property("code"), Some(&json!("WJ-2024-01")));
    assert_eq!(features[2].property("status"), Some(&json!("reserved")));
    let empty = FieldMapping::from_toml("builtin = false").unwrap();
    let options = ReadOptions {
        mapping: empty,
        ..Default::default()
    };
    let dataset = read(&data("plots.geojsons"), &options).unwrap();
    assert_eq!(
        ok(&dataset)[0].property("地块编号"),
        Some(&json!("WJ-2024-01"))
    );
    assert!(FieldMapping::from_toml("fields = 3").is_err());
}

fn polygon(ring: serde_json::Value, repair: bool) -> siteatlas_formats::Record {
    let text =
        json!({"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates": ring}});
    let options = ReadOptions {
        repair,
        ..Default::default()
    };
    read(text.to_string().as_bytes(), &options)
        .unwrap()
        .records
        .remove(0)
}

#[test]
fn unclosed_ring_is_reported_or_closed() {
    let ring = json!([[[0, 0], [1, 0], [1, 1], [0, 1]]]);
    let err = polygon(ring.clone(), false).result.unwrap_err();
    assert!(err.reason.contains("exterior ring is not closed"), "{err}");
    let record = polygon(ring, true);
    assert_eq!(exterior(record.result.as_ref().unwrap()).len(), 5);
    assert_eq!(record.repairs, ["exterior ring is not closed (closed it)"]);
}

#[test]
fn bow_tie_is_reported_or_renoded() {
    let ring = json!([[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]);
    let err = polygon(ring.clone(), false).result.unwrap_err();
    assert!(err.reason.starts_with("invalid polygon"), "{err}");
    let record = polygon(ring, true);
    let feature = record.result.unwrap();
    let GeometryValue::MultiPolygon { coordinates } = feature.geometry.unwrap().value else {
        panic!("a bow-tie re-nodes into two triangles")
    };
    assert_eq!(coordinates.len(), 2);
    assert!(
        record.repairs[0].contains("re-noded by union into 2"),
        "{:?}",
        record.repairs
    );
}

#[test]
fn short_rings_and_duplicates() {
    // A hole of 3 positions is dropped; an exterior of 3 positions is an error even with repair.
    let ring = json!([
        [[0, 0], [4, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
        [[1, 1], [2, 1], [1, 1]]
    ]);
    let record = polygon(ring.clone(), true);
    assert!(record.result.is_ok());
    // The repeated corner is valid and dropped quietly; the short hole is a fault.
    assert_eq!(record.repairs.len(), 1, "{:?}", record.repairs);
    assert!(record.repairs[0].contains("ring 2 has fewer than 4 positions (dropped it)"));
    let exterior = &record
        .result
        .as_ref()
        .unwrap()
        .geometry
        .as_ref()
        .unwrap()
        .value;
    let GeometryValue::Polygon { coordinates: rings } = exterior else {
        panic!("not a polygon: {exterior:?}")
    };
    assert_eq!(rings.len(), 1);
    assert_eq!(rings[0].len(), 5, "the repeated corner is gone");
    // Without repair the short hole refuses the feature; a repeated point alone does not.
    assert!(polygon(ring, false).result.is_err());
    let repeated = json!([[[0, 0], [4, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]);
    assert!(polygon(repeated, false).result.is_ok());
    let err = polygon(json!([[[0, 0], [1, 0], [0, 0]]]), true)
        .result
        .unwrap_err();
    assert!(err.reason.contains("fewer than the 4"), "{err}");
}

#[test]
fn out_of_range_is_never_repaired() {
    // JSON has no NaN: out-of-range lon/lat stands in for bad numbers here, NaN from WKB below.
    let err = polygon(json!([[[0, 0], [200, 0], [1, 1], [0, 0]]]), true)
        .result
        .unwrap_err();
    assert!(
        err.reason.contains("outside longitude/latitude range"),
        "{err}"
    );
    // A GK easting far outside its zone does not come out as a plausible position either.
    let text = br#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1e30,1e30]}}"#;
    let options = ReadOptions {
        crs: Some(Crs::from_epsg(4523).unwrap()),
        repair: true,
        ..Default::default()
    };
    assert!(read(text, &options).unwrap().records[0].result.is_err());
}
