//! The Ministry's boundary-point coordinate file (界址点坐标): the committed fixtures (see
//! data/README.md) and malformed variants, checked against coordinates converted with PROJ.

use approx::assert_abs_diff_eq;
use geojson::{Feature, GeometryValue};
use serde_json::json;
use siteatlas_formats::{Crs, Format, FormatError, ReadOptions, Record, read, sniff};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The expected lon/lat of every vertex of the fixtures, ring by ring in file order (without
/// the closing repeat), from PROJ 9 (Debian's proj-bin):
///
/// ```sh
/// cs2cs -f "%.9f" EPSG:4523 EPSG:4490 <<'EOF'
/// 3397200.125 35388800.250
/// …                          # X and Y of every point line of boundary_points_gbk.txt
/// EOF
/// ```
///
/// cs2cs takes northing, easting and gives latitude, longitude (EPSG axis order).
const PLOT_1: [(f64, f64); 4] = [
    (103.839430355, 30.690177204),
    (103.841364185, 30.690332959),
    (103.841490152, 30.689118120),
    (103.839556133, 30.688971429),
];
const PLOT_2_EXTERIOR: [(f64, f64); 6] = [
    (103.842064434, 30.687947504),
    (103.844279233, 30.688079519),
    (103.844999557, 30.687339951),
    (103.844702495, 30.686529913),
    (103.842815387, 30.686435008),
    (103.841985152, 30.687140574),
];
const PLOT_2_HOLE: [(f64, f64); 4] = [
    (103.843112277, 30.687503177),
    (103.843737823, 30.687553843),
    (103.843795908, 30.687058306),
    (103.843170365, 30.687007641),
];
const PLOT_3_PART_1: [(f64, f64); 4] = [
    (103.840526357, 30.685680345),
    (103.841678457, 30.685784694),
    (103.841773638, 30.685058508),
    (103.840622986, 30.684955976),
];
const PLOT_3_PART_2: [(f64, f64); 4] = [
    (103.842411366, 30.685696076),
    (103.843237807, 30.685753765),
    (103.843299713, 30.685165455),
    (103.842472953, 30.685108665),
];

/// 1e-8 degrees is about a millimetre.
const EPS: f64 = 1e-8;

fn ok(records: &[Record]) -> Vec<&Feature> {
    records
        .iter()
        .map(|r| r.result.as_ref().expect("plot reads"))
        .collect()
}

fn assert_ring(got: &[geojson::Position], want: &[(f64, f64)]) {
    assert_eq!(
        got.len(),
        want.len() + 1,
        "closed ring of {} points",
        want.len()
    );
    for (g, w) in got.iter().zip(want.iter().chain([&want[0]])) {
        assert_abs_diff_eq!(g[0], w.0, epsilon = EPS);
        assert_abs_diff_eq!(g[1], w.1, epsilon = EPS);
    }
}

fn polygon(feature: &Feature) -> &Vec<Vec<geojson::Position>> {
    match &feature.geometry.as_ref().unwrap().value {
        GeometryValue::Polygon { coordinates } => coordinates,
        other => panic!("not a polygon: {other:?}"),
    }
}

fn multipolygon(feature: &Feature) -> &Vec<Vec<Vec<geojson::Position>>> {
    match &feature.geometry.as_ref().unwrap().value {
        GeometryValue::MultiPolygon { coordinates } => coordinates,
        other => panic!("not a multipolygon: {other:?}"),
    }
}

/// The three plots of the fixtures, whichever variant.
fn check_plots(records: &[Record]) {
    let plots = ok(records);
    assert_eq!(plots.len(), 3);

    let one = plots[0];
    let rings = polygon(one);
    assert_eq!(rings.len(), 1);
    assert_ring(&rings[0], &PLOT_1);
    assert_eq!(one.property("code"), Some(&json!("WJ-2024-11")));
    // 堃 and 玥 are in GBK but not in GB2312.
    assert_eq!(
        one.property("name"),
        Some(&json!("温江堃玥生物医药产业园一号地块"))
    );
    // The vocabulary is mapped as for every format: 工业用地 is industrial.
    assert_eq!(one.property("land_use"), Some(&json!("industrial")));
    assert_eq!(one.property("地类编码"), Some(&json!("1001")));
    // 2.5072 hectares.
    assert_eq!(one.property("area_m2"), Some(&json!(25072.0)));

    let two = plots[1];
    let rings = polygon(two);
    assert_eq!(rings.len(), 2, "圈号 2 lies inside 圈号 1: a hole");
    assert_ring(&rings[0], &PLOT_2_EXTERIOR);
    assert_ring(&rings[1], &PLOT_2_HOLE);
    assert_eq!(two.property("code"), Some(&json!("WJ-2024-12")));
    assert_eq!(two.property("name"), Some(&json!("温江玥湖二号地块")));
    assert_eq!(two.property("area_m2"), Some(&json!(38872.0)));

    let three = plots[2];
    let parts = multipolygon(three);
    assert_eq!(parts.len(), 2, "圈号 2 lies outside 圈号 1: a second part");
    assert_ring(&parts[0][0], &PLOT_3_PART_1);
    assert_ring(&parts[1][0], &PLOT_3_PART_2);
    assert_eq!(three.property("name"), Some(&json!("犇腾物流园三号地块")));
    assert_eq!(three.property("land_use"), Some(&json!("logistics")));
    // A bare 14179.59 is the plots' planar area in square metres, not 141.8 km².
    assert_eq!(three.property("area_m2"), Some(&json!(14179.59)));
}

#[test]
fn gbk_file_with_zone_prefix() {
    let bytes = data("boundary_points_gbk.txt");
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture is GBK");
    assert_eq!(sniff(&bytes), Some(Format::BoundaryPoints));
    let dataset = read(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::BoundaryPoints);
    assert_eq!(dataset.crs, Crs::from_epsg(4523).unwrap());
    assert_eq!(dataset.layer, None);
    check_plots(&dataset.records);
    let one = ok(&dataset.records)[0];
    assert_eq!(one.property("图幅号"), Some(&json!("H48G045089")));
}

#[test]
fn utf8_file_without_prefix_and_with_provincial_fields() {
    // UTF-8 with BOM, LF, eastings without the zone number, 带号 written as the central
    // meridian, an area with its unit, and a plot header with two provincial fields
    // (行政区代码, 行政区名称) before 地块编号.
    let bytes = data("boundary_points_utf8.txt");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(sniff(&bytes), Some(Format::BoundaryPoints));
    let dataset = read(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.crs, Crs::from_epsg(4544).unwrap());
    check_plots(&dataset.records);
}

#[test]
fn utf16_with_bom() {
    let text = String::from_utf8(data("boundary_points_utf8.txt")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.trim_start_matches('\u{feff}').encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    assert_eq!(sniff(&bytes), Some(Format::BoundaryPoints));
    check_plots(&read(&bytes, &ReadOptions::default()).unwrap().records);
}

#[test]
fn explicit_crs_overrides_the_header() {
    let text = String::from_utf8(data("boundary_points_utf8.txt")).unwrap();
    // A header that names nothing usable: the reader is told instead.
    let text = text
        .replace("坐标系=2000国家大地坐标系", "坐标系=")
        .replace("带号=105", "带号=");
    let err = read(text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, FormatError::MissingCrs(_)), "{err}");
    let options = ReadOptions {
        crs: Some(Crs::from_epsg(4544).unwrap()),
        ..Default::default()
    };
    let dataset = read(text.as_bytes(), &options).unwrap();
    assert_eq!(dataset.crs, Crs::from_epsg(4544).unwrap());
    check_plots(&dataset.records);
}

/// Every point line `点号,圈号,X,Y` of the text rewritten by `f`.
fn map_points(text: &str, f: impl Fn(&str, &str, &str, &str) -> String) -> String {
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() == 4 && fields[0].starts_with('J') {
                f(fields[0], fields[1], fields[2], fields[3])
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn eastings_written_first_are_swapped_back() {
    let text = String::from_utf8(data("boundary_points_utf8.txt")).unwrap();
    let swapped = map_points(&text, |n, r, x, y| format!("{n},{r},{y},{x}"));
    let dataset = read(swapped.as_bytes(), &ReadOptions::default()).unwrap();
    check_plots(&dataset.records);
}

#[test]
fn six_degree_zone_and_unclosed_rings() {
    // The same points in CGCS2000 6-degree zone 18, whose central meridian is 105E too; the
    // closing repeats left out (界址点数 counts what is there).
    let bytes = data("boundary_points_gbk.txt");
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let mut text = text
        .replace("几度分带=3", "几度分带=6")
        .replace("带号=35", "带号=18")
        .replace("\r\n", "\n");
    text = map_points(&text, |n, r, x, y| {
        format!("{n},{r},{x},{}", y.replacen("35", "18", 1))
    });
    // Drop each ring's closing line: the line repeating the ring's first point number.
    let mut seen = std::collections::HashSet::new();
    let text: String = text
        .lines()
        .filter(|line| {
            if line.ends_with('@') {
                seen.clear();
                return true;
            }
            let key = line.split(',').next().unwrap_or_default().to_owned();
            !line.starts_with('J') || seen.insert(key)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let text = text
        .replace("5,2.5072,", "4,2.5072,")
        .replace("10,14179.59,", "8,14179.59,");
    let dataset = read(text.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.crs, Crs::from_epsg(4496).unwrap());
    check_plots(&dataset.records);
}

#[test]
fn gb18030_four_byte_characters() {
    // U+20000 has no GBK code: GB18030 writes it in four bytes.
    let text = String::from_utf8(data("boundary_points_utf8.txt")).unwrap();
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("犇腾", "\u{20000}腾");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(bytes.windows(4).any(|w| w == [0x95, 0x32, 0x82, 0x36]));
    assert_eq!(sniff(&bytes), Some(Format::BoundaryPoints));
    let dataset = read(&bytes, &ReadOptions::default()).unwrap();
    let three = ok(&dataset.records)[2];
    assert_eq!(
        three.property("name"),
        Some(&json!("\u{20000}腾物流园三号地块"))
    );
}

const HEADER: &str = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n\
                      计量单位=米\n带号=35\n[地块坐标]\n";

/// Plot 1 of the fixtures, as lines to follow a header.
const GOOD_PLOT: &str = "5,2.5072,WJ-2024-11,一号地块,面,,工业用地,1001,@\n\
                         J1,1,3397200.125,35388800.250\n\
                         J2,1,3397215.480,35388985.730\n\
                         J3,1,3397080.660,35388996.410\n\
                         J4,1,3397066.310,35388810.920\n\
                         J1,1,3397200.125,35388800.250\n";

fn read_text(text: &str) -> Result<siteatlas_formats::Dataset, FormatError> {
    read(
        text.as_bytes(),
        &ReadOptions {
            format: Some(Format::BoundaryPoints),
            ..Default::default()
        },
    )
}

/// The error of the plot with this code, the good plot beside it read all the same.
fn plot_error(bad_plot: &str) -> String {
    let dataset = read_text(&format!("{HEADER}{GOOD_PLOT}{bad_plot}")).unwrap();
    assert_eq!(dataset.records.len(), 2);
    assert!(
        dataset.records[0].result.is_ok(),
        "the good plot still reads"
    );
    let err = dataset.records[1].result.as_ref().unwrap_err();
    assert_eq!(err.number, 2);
    assert_eq!(err.code.as_deref(), Some("BAD-1"));
    err.reason.clone()
}

#[test]
fn plot_problems_are_that_plots_errors() {
    // Lines: the header is 1-7, the good plot 8-13, the bad plot's header 14.
    let err = plot_error(
        "6,0.1,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ3,1,3396900,35388100\n\
         J1,1,3397000,35388000\n",
    );
    assert_eq!(
        err,
        "line 14: 界址点数 is 6, but the plot has 4 point lines"
    );

    let err = plot_error(
        "4,0.1,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ3,1,33969OO,35388100\n\
         J1,1,3397000,35388000\n",
    );
    assert_eq!(err, "line 17: point J3: X `33969OO` is not a number");

    let err = plot_error(
        "3,0.1,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ1,1,3397000,35388000\n",
    );
    assert_eq!(
        err,
        "line 15: ring 1 has 2 distinct point(s), fewer than the 3 of an area"
    );

    let err = plot_error(
        "4,0.1,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,36388100\nJ3,1,3396900,35388100\n\
         J1,1,3397000,35388000\n",
    );
    assert_eq!(
        err,
        "line 16: point J2: Y 36388100 is not in the file's zone 35"
    );

    let err = plot_error("4,0.1,BAD-1,坏地块,面,,,,@\nJ1,1,3397000\n");
    assert_eq!(
        err,
        "line 15: a point line has 3 field(s), not 点号,圈号,X,Y"
    );

    let err = plot_error(
        "4,一公顷,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ3,1,3396900,35388100\n",
    );
    assert_eq!(err, "line 14: 地块面积 `一公顷` is not an area");

    // A bow-tie is found by the shared checks; the line is still named.
    let err = plot_error(
        "5,0.1,BAD-1,坏地块,面,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ3,1,3396900,35388000\n\
         J4,1,3396900,35388100\nJ1,1,3397000,35388000\n",
    );
    assert!(err.starts_with("line 14: invalid polygon:"), "{err}");
}

#[test]
fn lines_and_points() {
    let text = format!(
        "{HEADER}3,,L-1,道路中线,线,,,,@\n\
         J1,1,3397000,35388000\nJ2,1,3397000,35388100\nJ3,1,3396900,35388100\n\
         2,,P-1,控制点,点,,,,@\nJ1,1,3397000,35388000\nJ2,1,3396900,35388100\n"
    );
    let dataset = read_text(&text).unwrap();
    let features = ok(&dataset.records);
    assert!(matches!(
        &features[0].geometry.as_ref().unwrap().value,
        GeometryValue::LineString { coordinates } if coordinates.len() == 3
    ));
    assert!(matches!(
        &features[1].geometry.as_ref().unwrap().value,
        GeometryValue::MultiPoint { coordinates } if coordinates.len() == 2
    ));
    assert_eq!(features[0].property("area_m2"), None);
}

fn file_error(text: &str) -> FormatError {
    read_text(text).unwrap_err()
}

#[test]
fn file_problems_name_the_line() {
    let err = file_error("[属性描述]\n坐标系=2000国家大地坐标系\n");
    assert_eq!(
        err.to_string(),
        "boundary-point file: no [地块坐标] section"
    );

    let err = file_error(&format!("{HEADER}J1,1,3397000,35388000\n{GOOD_PLOT}"));
    assert_eq!(
        err.to_string(),
        "boundary-point file, line 8: a point before the first plot's header line \
         (the line ending in @)"
    );

    let err = file_error(&format!(
        "{}{GOOD_PLOT}",
        HEADER.replace("带号=35", "带号 35")
    ));
    assert_eq!(
        err.to_string(),
        "boundary-point file, line 6: `带号 35` in [属性描述] is not key=value"
    );

    let err = file_error(&format!(
        "{}{GOOD_PLOT}",
        HEADER.replace("带号=35", "带号=36")
    ));
    assert_eq!(
        err.to_string(),
        "boundary-point file, line 6: 带号=36 is zone 36, but the eastings start with zone 35"
    );

    let err = file_error(&format!(
        "{}{GOOD_PLOT}",
        HEADER.replace("计量单位=米", "计量单位=度")
    ));
    assert_eq!(
        err.to_string(),
        "boundary-point file, line 5: 计量单位=度: coordinates must be in metres (米)"
    );

    let err = file_error(&format!(
        "{}{GOOD_PLOT}",
        HEADER.replace("2000国家大地坐标系", "地方坐标系")
    ));
    assert!(matches!(err, FormatError::UnsupportedCrs(_)), "{err}");
    assert!(
        err.to_string().contains("坐标系=地方坐标系 (line 2)"),
        "{err}"
    );

    // Bytes that are neither UTF-8 nor GB18030 (0xFF leads no character), on line 3.
    let mut bytes = format!("{HEADER}{GOOD_PLOT}").into_bytes();
    let line_3 = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes.splice(line_3..line_3, [0xFF, 0x30]);
    let err = read(
        &bytes,
        &ReadOptions {
            format: Some(Format::BoundaryPoints),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "boundary-point file, line 3: neither UTF-8 nor GBK/GB18030 text"
    );
}

#[test]
fn older_datums_read_with_the_departments_datum_shift() {
    // Xian 1980, 6-degree zone 19 (111E), with the zone prefix: EPSG:2333.
    let text = String::from(
        "[属性描述]\n坐标系=1980西安坐标系\n几度分带=6\n带号=19\n转换参数=,,,,,,\n[地块坐标]\n\
         4,,X-1,,面,,,,@\nJ1,1,3397000,19500000\nJ2,1,3397000,19500100\n\
         J3,1,3396900,19500100\nJ1,1,3397000,19500000\n",
    );
    // Without the shift it is refused, naming the system.
    let err = read_text(&text).unwrap_err();
    assert!(matches!(err, FormatError::UnsupportedCrs(_)), "{err}");
    assert!(err.to_string().contains("EPSG:2333"), "{err}");
    // The file's own parameters are not taken for it, and the refusal says so.
    let with_params = text.replace("转换参数=,,,,,,", "转换参数=15.8,-154.4,-82.3,0,0,0,0");
    let err = read_text(&with_params).unwrap_err();
    assert!(
        err.to_string()
            .contains("转换参数=15.8,-154.4,-82.3,0,0,0,0 (line 5)"),
        "{err}"
    );
    let options = |shift: &str| ReadOptions {
        format: Some(Format::BoundaryPoints),
        towgs84: Some(shift.parse().unwrap()),
        ..Default::default()
    };
    let dataset = read(text.as_bytes(), &options("15.8,-154.4,-82.3")).unwrap();
    assert_eq!(dataset.crs, Crs::from_epsg(2333).unwrap());
    assert!(dataset.records[0].result.is_ok());

    // Beijing 1954, 3-degree, no prefix, 带号 as the central meridian 117E: EPSG:2436.
    let text = text
        .replace("1980西安坐标系", "1954北京坐标系")
        .replace("几度分带=6", "几度分带=3")
        .replace("带号=19", "带号=117")
        .replace(",195", ",5");
    let dataset = read(text.as_bytes(), &options("15.8,-154.4,-82.3")).unwrap();
    assert_eq!(dataset.crs, Crs::from_epsg(2436).unwrap());
    assert!(dataset.records[0].result.is_ok());
}

#[test]
fn any_prefix_of_the_fixtures_reads_or_fails_without_panic() {
    for name in ["boundary_points_gbk.txt", "boundary_points_utf8.txt"] {
        let bytes = data(name);
        for len in 0..bytes.len() {
            let _ = read(&bytes[..len], &ReadOptions::default());
        }
    }
}

#[test]
fn hostile_numbers_never_panic() {
    let text = String::from_utf8(data("boundary_points_utf8.txt")).unwrap();
    let hostile = [
        "4294967295",
        "99999999999999999999",
        "-1",
        "0",
        "1e309",
        "-1e309",
        "NaN",
        "inf",
        "",
        "@",
    ];
    for value in hostile {
        let variants = [
            text.replace("带号=105", &format!("带号={value}")),
            text.replace("几度分带=3", &format!("几度分带={value}")),
            text.replace("5,2.5072公顷,", &format!("{value},{value},")),
            text.replace("3397200.125", value),
            text.replace("388800.250", value),
            text.replace(",1,3396950.300", &format!(",{value},3396950.300")),
            format!(
                "{}{}",
                HEADER.replace("带号=35", ""),
                GOOD_PLOT.replace("35388800.250", &format!("{value}388800.250"))
            ),
        ];
        for variant in variants {
            let _ = read_text(&variant);
        }
    }
}
