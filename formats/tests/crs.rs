//! Coordinate reference systems against PROJ: zones of every Gauss-Krüger family of
//! CGCS2000, Xian 1980 and Beijing 1954 are converted here and by `cs2cs` (Debian's
//! `proj-bin`, which the test command installs; without it these tests fail rather than pass
//! unchecked), and the EPSG codes' WKT as `projinfo` writes it is read back.

use std::io::Write;
use std::process::{Command, Stdio};

use geojson::GeometryValue;
use serde_json::json;
use siteatlas_formats::{Crs, FormatError, ReadOptions, Towgs84, read};

/// Illustrative 7-parameter shifts of the size departments use (not any department's own).
const XIAN_SHIFT: &str = "24.8,-131.2,-82.5,-0.62,-0.94,2.13,-3.2";
const BEIJING_SHIFT: &str = "31.4,-144.3,-74.8,0.41,-0.23,0.81,-0.38";

/// Metres per degree of latitude, near enough to turn a difference in degrees into metres.
const M_PER_DEGREE: f64 = 111_320.0;

/// The EPSG families: first code, datum shift (if the datum needs one), zone width, whether
/// the zone number is before the easting.
const FAMILIES: [(u32, Option<&str>, u32, bool); 12] = [
    (4491, None, 6, true),
    (4502, None, 6, false),
    (4513, None, 3, true),
    (4534, None, 3, false),
    (2327, Some(XIAN_SHIFT), 6, true),
    (2338, Some(XIAN_SHIFT), 6, false),
    (2349, Some(XIAN_SHIFT), 3, true),
    (2370, Some(XIAN_SHIFT), 3, false),
    (21413, Some(BEIJING_SHIFT), 6, true),
    (21453, Some(BEIJING_SHIFT), 6, false),
    (2401, Some(BEIJING_SHIFT), 3, true),
    (2422, Some(BEIJING_SHIFT), 3, false),
];

/// The codes of a family with their zone and central meridian.
fn zones(first: u32, width: u32) -> impl Iterator<Item = (u32, u32, u32)> {
    let (first_zone, count) = if width == 3 { (25, 21) } else { (13, 11) };
    (0..count).map(move |i| {
        let zone = first_zone + i;
        let cm = if width == 3 { zone * 3 } else { zone * 6 - 3 };
        (first + i, zone, cm)
    })
}

/// The zones checked against PROJ (each takes a run of `cs2cs` and `projinfo`): the first, the
/// last and 105E, which both widths have; every code's central meridian is checked apart.
fn picks(first: u32, width: u32) -> [(u32, u32, u32); 3] {
    let codes: Vec<(u32, u32, u32)> = zones(first, width).collect();
    [
        codes[0],
        *codes.iter().find(|c| c.2 == 105).unwrap(),
        codes[codes.len() - 1],
    ]
}

/// Runs a program with lines on stdin, returning stdout; panics (fails the test) when the
/// program is missing.
fn run(program: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} (Debian package proj-bin) is needed: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// PROJ's longitude/latitude (OGC:CRS84, WGS84 in that order) of the points (x, y), which
/// the source takes as y, x when `northing_first`.
fn cs2cs(source: &str, points: &[(f64, f64)], northing_first: bool) -> Vec<(f64, f64)> {
    let input: String = points
        .iter()
        .map(|&(x, y)| {
            if northing_first {
                format!("{y} {x}\n")
            } else {
                format!("{x} {y}\n")
            }
        })
        .collect();
    // A PROJ string takes cs2cs's `+to` form, the target then being a PROJ string too.
    let mut args = vec!["-f", "%.10f"];
    if source.starts_with('+') {
        args.extend(source.split_whitespace().filter(|a| *a != "+type=crs"));
        args.extend(["+to", "+proj=longlat", "+datum=WGS84", "+no_defs"]);
    } else {
        args.extend([source, "OGC:CRS84"]);
    }
    let out = run("cs2cs", &args, &input);
    let result: Vec<(f64, f64)> = out
        .lines()
        .map(|line| {
            let mut v = line.split_whitespace().map(|v| v.parse::<f64>().unwrap());
            (v.next().unwrap(), v.next().unwrap())
        })
        .collect();
    assert_eq!(result.len(), points.len(), "cs2cs {source}: {out}");
    result
}

/// PROJ's definition of an EPSG code, as a PROJ string or WKT on one line.
fn projinfo(code: u32, format: &str) -> String {
    run(
        "projinfo",
        &[&format!("EPSG:{code}"), "-o", format, "-q", "--single-line"],
        "",
    )
    .trim()
    .to_string()
}

/// Our WGS84 longitude/latitude of the points, read as a GeoJSON MultiPoint.
fn ours(crs: Crs, towgs84: Option<Towgs84>, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let coordinates: Vec<[f64; 2]> = points.iter().map(|&(x, y)| [x, y]).collect();
    let text = json!({"type": "Feature", "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": coordinates}});
    let options = ReadOptions {
        crs: Some(crs),
        towgs84,
        ..Default::default()
    };
    let feature = read(text.to_string().as_bytes(), &options)
        .unwrap()
        .records
        .remove(0)
        .result
        .unwrap();
    let GeometryValue::MultiPoint { coordinates } = feature.geometry.unwrap().value else {
        panic!("not a MultiPoint")
    };
    coordinates.iter().map(|c| (c[0], c[1])).collect()
}

/// The largest distance in metres between two lists of longitude/latitude.
fn max_deviation_m(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| {
            let dx = (p.0 - q.0) * M_PER_DEGREE * p.1.to_radians().cos();
            let dy = (p.1 - q.1) * M_PER_DEGREE;
            dx.hypot(dy)
        })
        .fold(0.0, f64::max)
}

/// Points across a zone: on the central meridian and half and all the way to its edges, in
/// the south, middle and north of China. Projected with a rough formula: they only need to
/// fall in the zone.
fn zone_points(width: u32, false_easting: f64) -> Vec<(f64, f64)> {
    let half = f64::from(width) / 2.0;
    let mut points = Vec::new();
    for lat in [20.0_f64, 31.5, 46.0] {
        for dlon in [-half, -half / 2.0, 0.0, half / 2.0, half] {
            let x = false_easting + dlon * M_PER_DEGREE * lat.to_radians().cos();
            let y = lat * 110_900.0;
            points.push((x, y));
        }
    }
    points
}

/// Converts points of a family's zones here and with `cs2cs`; the largest deviation in metres.
fn family_deviation(first: u32, shift: Option<&str>, width: u32, prefix: bool) -> f64 {
    let towgs84: Option<Towgs84> = shift.map(|s| s.parse().unwrap());
    let mut worst = 0.0_f64;
    for (code, zone, cm) in picks(first, width) {
        let crs = Crs::from_epsg(code).unwrap();
        assert_eq!(crs.central_meridian(), Some(cm), "EPSG:{code}");
        let false_easting = if prefix {
            f64::from(zone) * 1e6 + 500_000.0
        } else {
            500_000.0
        };
        let points = zone_points(width, false_easting);
        let want = match shift {
            // The EPSG code itself, so that PROJ's database checks our reading of it (the
            // Chinese Gauss-Krüger systems are northing first).
            None => cs2cs(&format!("EPSG:{code}"), &points, true),
            // PROJ's own definition of the code with the same shift (PROJ strings are
            // easting first).
            Some(shift) => {
                let source = format!("{} +towgs84={shift}", projinfo(code, "PROJ"));
                cs2cs(&source, &points, false)
            }
        };
        let got = ours(crs, towgs84, &points);
        worst = worst.max(max_deviation_m(&got, &want));
    }
    worst
}

/// The first code of the 3-degree family without prefix of the same datum.
fn three_degree_without_prefix(first: u32) -> u32 {
    match first {
        4491..=4554 => 4534,
        2327..=2390 => 2370,
        _ => 2422,
    }
}

fn check_families(families: &[(u32, Option<&str>, u32, bool)]) {
    for &(first, shift, width, prefix) in families {
        let worst = family_deviation(first, shift, width, prefix);
        let shift = shift.unwrap_or("none");
        eprintln!(
            "EPSG:{first}… ({width}-degree, prefix {prefix}, shift {shift}): \
             max deviation from cs2cs {worst:.6} m"
        );
        assert!(worst < 0.01, "EPSG:{first}…: {worst} m from cs2cs");
    }
}

#[test]
fn cgcs2000_zones_match_cs2cs() {
    check_families(&FAMILIES[0..4]);
}

#[test]
fn xian_1980_zones_with_7_parameters_match_cs2cs() {
    check_families(&FAMILIES[4..8]);
}

#[test]
fn beijing_1954_zones_with_7_parameters_match_cs2cs() {
    check_families(&FAMILIES[8..12]);
}

#[test]
fn geographic_and_3_parameter_shifts_match_cs2cs() {
    let points = [(103.86, 30.72), (75.2, 39.5), (134.8, 47.9), (108.9, 18.3)];

    // CGCS2000 is taken as WGS84, as PROJ's ballpark transformation does (EPSG order:
    // latitude first).
    let want = cs2cs("EPSG:4490", &points, true);
    let got = ours(Crs::CGCS2000, None, &points);
    let worst = max_deviation_m(&got, &want);
    eprintln!("EPSG:4490: max deviation from cs2cs {worst:.6} m");
    assert!(worst < 0.01);

    for (crs, shift) in [
        (Crs::XIAN1980, XIAN_SHIFT),
        (Crs::BEIJING1954, BEIJING_SHIFT),
        (Crs::XIAN1980, "24.8,-131.2,-82.5"),
        (Crs::BEIJING1954, "15.8,-154.4,-82.3"),
    ] {
        let source = format!("{} +towgs84={shift}", projinfo(crs.epsg(), "PROJ"));
        let want = cs2cs(&source, &points, false);
        let got = ours(crs, Some(shift.parse().unwrap()), &points);
        let worst = max_deviation_m(&got, &want);
        eprintln!("{crs} +towgs84={shift}: max deviation from cs2cs {worst:.6} m");
        assert!(worst < 0.01, "{crs} {shift}: {worst} m");
    }

    // A 3-parameter projected zone too.
    let crs = Crs::from_epsg(2383).unwrap();
    let shift = "24.8,-131.2,-82.5";
    let points = zone_points(3, 500_000.0);
    let source = format!("{} +towgs84={shift}", projinfo(2383, "PROJ"));
    let want = cs2cs(&source, &points, false);
    let got = ours(crs, Some(shift.parse().unwrap()), &points);
    let worst = max_deviation_m(&got, &want);
    eprintln!("EPSG:2383 +towgs84={shift}: max deviation from cs2cs {worst:.6} m");
    assert!(worst < 0.01);
}

#[test]
fn the_shift_moves_points_tens_of_metres() {
    // Guards the comparison above against a shift that is silently dropped on both sides.
    let points = [(35_404_000.0, 3_396_000.0)];
    let crs = Crs::from_epsg(2359).unwrap();
    let zero = ours(crs, Some("0,0,0".parse().unwrap()), &points);
    let shifted = ours(crs, Some(XIAN_SHIFT.parse().unwrap()), &points);
    let moved = max_deviation_m(&zero, &shifted);
    assert!((20.0..500.0).contains(&moved), "{moved} m");
}

#[test]
fn every_code_is_read_back_from_projinfo_wkt() {
    for &(first, _, width, prefix) in &FAMILIES {
        for (code, _, cm) in picks(first, width) {
            let want = Crs::from_epsg(code).unwrap();
            // With the authority, and EPSG's name.
            let gdal = projinfo(code, "WKT1_GDAL");
            let gdal_crs = Crs::from_wkt(&gdal).unwrap();
            assert_eq!(gdal_crs.epsg(), code, "{gdal}");
            // Beijing 1954's EPSG entry carries a 3-parameter shift, which GDAL writes.
            if let Some(towgs84) = gdal_crs.towgs84() {
                assert!(gdal.contains("TOWGS84"));
                assert_eq!(towgs84.values()[..3], [15.8, -154.4, -82.3]);
            }
            // Without the authority: EPSG's name.
            let no_authority = match gdal.rfind(",AUTHORITY[") {
                Some(at) => format!("{}]", &gdal[..at]),
                None => gdal.clone(),
            };
            assert_eq!(
                Crs::from_wkt(&no_authority).unwrap().epsg(),
                code,
                "{no_authority}"
            );
            // ESRI's name and parameters.
            let esri = projinfo(code, "WKT1_ESRI");
            assert_eq!(Crs::from_wkt(&esri).unwrap(), want, "{esri}");
            // WKT2, as in a GeoPackage's definition_12_063.
            let wkt2 = projinfo(code, "WKT2_2019");
            assert_eq!(Crs::from_wkt(&wkt2).unwrap().epsg(), code, "{wkt2}");
            // The parameters alone: with a prefix they name the zone; without, a central
            // meridian of both widths is read as the 3-degree zone, the same projection.
            let name = esri.split('"').nth(1).unwrap();
            let anonymous = esri.replacen(name, "Custom_Transverse_Mercator", 1);
            let got = Crs::from_wkt(&anonymous).unwrap();
            let expected = if prefix {
                code
            } else {
                three_degree_without_prefix(first) + (cm - 75) / 3
            };
            assert_eq!(got.epsg(), expected, "{anonymous}");
        }
    }
}

#[test]
fn epsg_ranges_and_their_edges() {
    for &(first, _, width, _) in &FAMILIES {
        let count = if width == 3 { 21 } else { 11 };
        for code in first..first + count {
            assert_eq!(Crs::from_epsg(code).unwrap().epsg(), code);
        }
        for (code, _, cm) in zones(first, width) {
            let crs = Crs::from_epsg(code).unwrap();
            assert_eq!(crs.central_meridian(), Some(cm), "EPSG:{code}");
        }
    }
    for code in [4610, 4214, 4490, 4326, 3857] {
        assert_eq!(Crs::from_epsg(code).unwrap().epsg(), code);
    }
    // Next to the ranges: other systems, and New Beijing (4555, 4568-4589), another datum.
    for code in [
        2326,
        2391,
        2400,
        2443,
        4490 + 65,
        4568,
        4589,
        21412,
        21424,
        21452,
        21464,
        21484,
    ] {
        assert!(Crs::from_epsg(code).is_err(), "EPSG:{code}");
    }
    // The deprecated "Beijing 1954 / Gauss-Kruger 13N" codes are the current ones.
    assert_eq!(Crs::from_epsg(21473).unwrap().epsg(), 21453);
    assert_eq!(Crs::from_epsg(21483).unwrap().epsg(), 21463);
    // 105E in both CGCS2000 families, with and without prefix.
    assert_eq!(Crs::cgcs2000_gk3(105, true).unwrap().epsg(), 4523);
    assert_eq!(Crs::cgcs2000_gk3(105, false).unwrap().epsg(), 4544);
    assert_eq!(Crs::cgcs2000_gk6(105, true).unwrap().epsg(), 4496);
    assert_eq!(Crs::cgcs2000_gk6(105, false).unwrap().epsg(), 4507);
    assert!(Crs::cgcs2000_gk6(108, false).is_err());
    assert!(Crs::cgcs2000_gk6(141, false).is_err());
}

/// An ESRI-style `.prj` of a Gauss-Krüger zone.
fn prj(name: &str, datum: &str, spheroid: (&str, f64, f64), fe: f64, cm: f64) -> String {
    let (sname, a, rf) = spheroid;
    format!(
        r#"PROJCS["{name}",GEOGCS["GCS_{datum}",DATUM["D_{datum}",SPHEROID["{sname}",{a:.1},{rf}]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe:.1}],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",{cm:.1}],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
    )
}

const CGCS: (&str, f64, f64) = ("CGCS2000", 6_378_137.0, 298.257_222_101);
const IAG75: (&str, f64, f64) = ("Xian_1980", 6_378_140.0, 298.257);
const KRASS: (&str, f64, f64) = ("Krasovsky_1940", 6_378_245.0, 298.3);

#[test]
fn wkt_names_and_parameters_tell_3_from_6_degree_zones() {
    let c = "China_2000";
    for (wkt, code) in [
        // Central meridian 105E: 3-degree zone 35 and 6-degree zone 18.
        (
            prj("CGCS2000_3_Degree_GK_Zone_35", c, CGCS, 35_500_000.0, 105.0),
            4523,
        ),
        (
            prj("CGCS2000_3_Degree_GK_CM_105E", c, CGCS, 500_000.0, 105.0),
            4544,
        ),
        (
            prj("CGCS2000_GK_Zone_18", c, CGCS, 18_500_000.0, 105.0),
            4496,
        ),
        (prj("CGCS2000_GK_CM_105E", c, CGCS, 500_000.0, 105.0), 4507),
        (
            prj("CGCS2000 / Gauss-Kruger CM 105E", c, CGCS, 500_000.0, 105.0),
            4507,
        ),
        (
            prj(
                "CGCS2000 / Gauss-Krüger zone 18",
                c,
                CGCS,
                18_500_000.0,
                105.0,
            ),
            4496,
        ),
        // Only parameters: the prefix decides; without one, the 3-degree code (the same
        // projection as the 6-degree one).
        (prj("Gauss_Kruger", c, CGCS, 35_500_000.0, 105.0), 4523),
        (prj("Gauss_Kruger", c, CGCS, 18_500_000.0, 105.0), 4496),
        (prj("Gauss_Kruger", c, CGCS, 500_000.0, 105.0), 4544),
        // A name that contradicts the parameters: the coordinates follow the parameters.
        (
            prj("CGCS2000_GK_Zone_18", c, CGCS, 35_500_000.0, 105.0),
            4523,
        ),
        // Xian 1980 and Beijing 1954 are not CGCS2000, however alike their parameters.
        (
            prj(
                "Xian_1980_3_Degree_GK_Zone_35",
                "Xian_1980",
                IAG75,
                35_500_000.0,
                105.0,
            ),
            2359,
        ),
        (
            prj(
                "Xian_1980_3_Degree_GK_CM_105E",
                "Xian_1980",
                IAG75,
                500_000.0,
                105.0,
            ),
            2380,
        ),
        (
            prj(
                "Xian_1980_GK_Zone_18",
                "Xian_1980",
                IAG75,
                18_500_000.0,
                105.0,
            ),
            2332,
        ),
        (
            prj("Xian_1980_GK_CM_105E", "Xian_1980", IAG75, 500_000.0, 105.0),
            2343,
        ),
        (
            prj(
                "Beijing_1954_3_Degree_GK_Zone_35",
                "Beijing_1954",
                KRASS,
                35_500_000.0,
                105.0,
            ),
            2411,
        ),
        (
            prj(
                "Beijing_1954_3_Degree_GK_CM_105E",
                "Beijing_1954",
                KRASS,
                500_000.0,
                105.0,
            ),
            2432,
        ),
        (
            prj(
                "Beijing_1954_GK_Zone_18",
                "Beijing_1954",
                KRASS,
                18_500_000.0,
                105.0,
            ),
            21418,
        ),
        (
            prj(
                "Beijing_1954_GK_Zone_18N",
                "Beijing_1954",
                KRASS,
                500_000.0,
                105.0,
            ),
            21458,
        ),
        (
            prj(
                "Beijing_1954_Gauss_Kruger_CM_105E",
                "Beijing_1954",
                KRASS,
                500_000.0,
                105.0,
            ),
            21458,
        ),
    ] {
        assert_eq!(Crs::from_wkt(&wkt).unwrap().epsg(), code, "{wkt}");
    }
    for wkt in [
        // A Xian 1980 name on the CGCS2000 ellipsoid: one of the two is wrong.
        prj(
            "Xian_1980_3_Degree_GK_Zone_35",
            "Xian_1980",
            CGCS,
            35_500_000.0,
            105.0,
        ),
        // New Beijing is another datum.
        prj(
            "New_Beijing_3_Degree_GK_Zone_35",
            "New_Beijing",
            KRASS,
            35_500_000.0,
            105.0,
        ),
        // No zone has this false easting.
        prj("Gauss_Kruger", c, CGCS, 35_000_000.0, 105.0),
        // Nor this central meridian.
        prj("Gauss_Kruger", c, CGCS, 500_000.0, 106.0),
        // A 6-degree prefix with a 3-degree meridian.
        prj("Gauss_Kruger", c, CGCS, 18_500_000.0, 108.0),
    ] {
        assert!(
            matches!(Crs::from_wkt(&wkt), Err(FormatError::UnsupportedCrs(_))),
            "{wkt}"
        );
    }
    let geographic = r#"GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert_eq!(Crs::from_wkt(geographic).unwrap(), Crs::XIAN1980);
    let geographic = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert_eq!(Crs::from_wkt(geographic).unwrap(), Crs::BEIJING1954);
}

#[test]
fn towgs84_in_the_wkt_is_the_shift() {
    let with = |node: &str| {
        prj(
            "Xian_1980_3_Degree_GK_Zone_35",
            "Xian_1980",
            IAG75,
            35_500_000.0,
            105.0,
        )
        .replace(r#"298.257]]"#, &format!("298.257],{node}]"))
    };
    let wkt = with("TOWGS84[24.8,-131.2,-82.5,-0.62,-0.94,2.13,-3.2]");
    let crs = Crs::from_wkt(&wkt).unwrap();
    assert_eq!(crs.epsg(), 2359);
    assert_eq!(crs.towgs84(), Some(XIAN_SHIFT.parse().unwrap()));
    assert_eq!(crs.to_string(), format!("EPSG:2359 +towgs84={XIAN_SHIFT}"));
    let points = [(35_404_000.0, 3_396_000.0), (35_550_000.0, 3_300_000.0)];
    assert_eq!(
        ours(crs, None, &points),
        ours(
            Crs::from_epsg(2359).unwrap(),
            Some(XIAN_SHIFT.parse().unwrap()),
            &points
        )
    );
    // The one given to the import wins over the file's.
    let given: Towgs84 = "30,-120,-80".parse().unwrap();
    assert_eq!(
        ours(crs, Some(given), &points),
        ours(Crs::from_epsg(2359).unwrap(), Some(given), &points)
    );
    // A 3-parameter node.
    let crs = Crs::from_wkt(&with("TOWGS84[15.8,-154.4,-82.3]")).unwrap();
    assert_eq!(
        crs.towgs84().unwrap().values(),
        [15.8, -154.4, -82.3, 0.0, 0.0, 0.0, 0.0]
    );
    // An all-zero node says nothing and is no shift; a CGCS2000 file's is ignored.
    let crs = Crs::from_wkt(&with("TOWGS84[0,0,0,0,0,0,0]")).unwrap();
    assert_eq!(crs.towgs84(), None);
    let cgcs = prj(
        "CGCS2000_3_Degree_GK_Zone_35",
        "China_2000",
        CGCS,
        35_500_000.0,
        105.0,
    )
    .replace("298.257222101]]", "298.257222101],TOWGS84[0,0,0,0,0,0,0]]");
    assert_eq!(Crs::from_wkt(&cgcs).unwrap(), Crs::from_epsg(4523).unwrap());
}

#[test]
fn xian_and_beijing_without_a_shift_are_refused_with_the_reason() {
    let text = br#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[35404000,3396000]}}"#;
    for code in [2359, 21418, 4610, 4214] {
        let options = ReadOptions {
            crs: Some(Crs::from_epsg(code).unwrap()),
            ..Default::default()
        };
        let err = read(text, &options).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, FormatError::UnsupportedCrs(_)), "{message}");
        for part in [
            &format!("EPSG:{code}"),
            "--towgs84",
            "towgs84=",
            "no national",
        ] {
            assert!(message.contains(part), "{message}");
        }
    }
    // A shift given for CGCS2000 data changes nothing.
    let crs = Crs::from_epsg(4523).unwrap();
    let points = [(35_404_000.0, 3_396_000.0)];
    assert_eq!(
        ours(crs, Some(XIAN_SHIFT.parse().unwrap()), &points),
        ours(crs, None, &points)
    );
}

#[test]
fn towgs84_parsing() {
    let t: Towgs84 = " 24.8, -131.2 ,-82.5,-0.62,-0.94,2.13,-3.2"
        .parse()
        .unwrap();
    assert_eq!(t.values(), [24.8, -131.2, -82.5, -0.62, -0.94, 2.13, -3.2]);
    assert_eq!(t.to_string(), XIAN_SHIFT);
    let t: Towgs84 = "15.8,-154.4,-82.3".parse().unwrap();
    assert_eq!(t.to_string(), "15.8,-154.4,-82.3");
    assert_eq!(t, "15.8,-154.4,-82.3,0,0,0,-0".parse().unwrap());
    for bad in [
        "",
        "1,2",
        "1,2,3,4",
        "1,2,3,4,5,6",
        "1,2,3,4,5,6,7,8",
        "a,b,c",
        "1,2,NaN",
        "1,inf,3",
    ] {
        let err = bad.parse::<Towgs84>().unwrap_err();
        assert!(err.to_string().contains("3 or 7"), "{bad}: {err}");
    }
}
