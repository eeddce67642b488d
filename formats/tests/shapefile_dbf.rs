//! Shapefile attributes: `.dbf` tables written byte by byte here, in GBK, GB18030 and UTF-8,
//! paired with the geometry of the committed Chengdu fixture, and the encoding chosen from the
//! `.cpg`, the language driver byte or the bytes themselves.

use std::io::{Cursor, Read, Write};

use geojson::Feature;
use serde_json::json;
use siteatlas_formats::{Format, ReadOptions, Record, read};

/// The .shp, .shx and .prj of the committed fixture: three polygons in CGCS2000 zone 35.
fn geometry_parts() -> Vec<(&'static str, Vec<u8>)> {
    let zip = std::fs::read(format!(
        "{}/tests/data/plots_4523_gbk.zip",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    ["shp", "shx", "prj"]
        .into_iter()
        .map(|ext| {
            let mut bytes = Vec::new();
            archive
                .by_name(&format!("plots.{ext}"))
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            (ext, bytes)
        })
        .collect()
}

/// A zip of the fixture's geometry with this `.dbf` and, if given, this `.cpg`.
fn shapefile(dbf: Vec<u8>, cpg: Option<&[u8]>) -> Vec<u8> {
    let mut parts = geometry_parts();
    parts.push(("dbf", dbf));
    if let Some(cpg) = cpg {
        parts.push(("cpg", cpg.to_vec()));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (ext, bytes) in parts {
        zip.start_file(format!("plots.{ext}"), options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A dBASE III table: `fields` are (name bytes, type, length), `records` are (deleted, values
/// already encoded); values are padded with spaces, numbers to the right.
fn dbf(
    language_driver: u8,
    fields: &[(&[u8], u8, u8)],
    records: &[(bool, Vec<Vec<u8>>)],
) -> Vec<u8> {
    let record_len: usize = 1 + fields.iter().map(|f| usize::from(f.2)).sum::<usize>();
    let header_len = 32 + 32 * fields.len() + 1;
    let mut out = vec![0x03, 124, 3, 18];
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(&(record_len as u16).to_le_bytes());
    out.extend_from_slice(&[0; 17]);
    out.push(language_driver);
    out.extend_from_slice(&[0; 2]);
    for (name, kind, len) in fields {
        let mut descriptor = [0u8; 32];
        descriptor[..name.len()].copy_from_slice(name);
        descriptor[11] = *kind;
        descriptor[16] = *len;
        descriptor[17] = if *kind == b'N' || *kind == b'F' { 3 } else { 0 };
        out.extend_from_slice(&descriptor);
    }
    out.push(0x0D);
    for (deleted, values) in records {
        out.push(if *deleted { b'*' } else { b' ' });
        for ((_, kind, len), value) in fields.iter().zip(values) {
            let pad = vec![b' '; usize::from(*len) - value.len()];
            if matches!(kind, b'N' | b'F') {
                out.extend_from_slice(&pad);
                out.extend_from_slice(value);
            } else {
                out.extend_from_slice(value);
                out.extend_from_slice(&pad);
            }
        }
    }
    out.push(0x1A);
    out
}

fn gb(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// 堃, 玥 and 犇 are GBK characters outside GB2312; U+20000 takes four bytes in GB18030.
const NAMES: [&str; 3] = ["温江堃玥园", "犇\u{20000}地块", "已删除"];

/// A table of the three plots in GBK (GB18030 for the 4-byte character), with Chinese field
/// names, a float of ten significant digits, a date and a logical field; the third record is
/// deleted.
fn chinese_table(language_driver: u8) -> Vec<u8> {
    let fields: [(&[u8], u8, u8); 5] = [
        (&gb("地块编号"), b'C', 20),
        (&gb("名称"), b'C', 40),
        (&gb("面积"), b'F', 19),
        (&gb("日期"), b'D', 8),
        (&gb("有效"), b'L', 1),
    ];
    let row = |code: &str, name: &str, area: &str, date: &str, valid: &str| {
        vec![
            code.as_bytes().to_vec(),
            gb(name),
            area.as_bytes().to_vec(),
            date.as_bytes().to_vec(),
            valid.as_bytes().to_vec(),
        ]
    };
    dbf(
        language_driver,
        &fields,
        &[
            (
                false,
                row("WJ-01", NAMES[0], "1234567.891", "20240318", "T"),
            ),
            (false, row("WJ-02", NAMES[1], "12.5", "", "F")),
            (true, row("WJ-03", NAMES[2], "1", "20240101", "?")),
        ],
    )
}

fn features(records: &[Record]) -> Vec<&Feature> {
    records
        .iter()
        .map(|r| r.result.as_ref().unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn check_chinese(bytes: &[u8]) {
    let dataset = read(bytes, &ReadOptions::default()).unwrap();
    assert_eq!(dataset.format, Format::ShapefileZip);
    // The deleted record is left out; numbers stay positions in the file.
    assert_eq!(dataset.records.len(), 2);
    assert_eq!(dataset.records[1].number, 2);
    let plots = features(&dataset.records);
    assert_eq!(plots[0].property("code"), Some(&json!("WJ-01")));
    assert_eq!(plots[0].property("name"), Some(&json!(NAMES[0])));
    assert_eq!(plots[1].property("name"), Some(&json!(NAMES[1])));
    // 面积 maps to area_m2; all ten digits survive.
    assert_eq!(plots[0].property("area_m2"), Some(&json!(1234567.891)));
    assert_eq!(plots[1].property("area_m2"), Some(&json!(12.5)));
    assert_eq!(plots[0].property("日期"), Some(&json!("2024-03-18")));
    assert_eq!(plots[1].property("日期"), Some(&json!(null)));
    assert_eq!(plots[0].property("有效"), Some(&json!(true)));
    assert_eq!(plots[1].property("有效"), Some(&json!(false)));
}

#[test]
fn gbk_from_the_cpg() {
    for label in [
        &b"GBK"[..],
        b"gbk\r\n",
        b"CP936",
        b"936",
        b"GB2312",
        b"GB18030",
        b"\xEF\xBB\xBFGBK",
    ] {
        check_chinese(&shapefile(chinese_table(0), Some(label)));
    }
}

#[test]
fn gbk_from_the_language_driver() {
    // 0x4D is what ArcGIS writes for code page 936, 0x7A what FoxPro does.
    for driver in [0x4D, 0x7A] {
        check_chinese(&shapefile(chinese_table(driver), None));
    }
}

#[test]
fn gbk_guessed_when_nothing_says() {
    check_chinese(&shapefile(chinese_table(0), None));
    // An empty .cpg says nothing either.
    check_chinese(&shapefile(chinese_table(0), Some(b"  ")));
}

fn utf8_table() -> Vec<u8> {
    let fields: [(&[u8], u8, u8); 2] =
        [("编号".as_bytes(), b'C', 20), ("名称".as_bytes(), b'C', 40)];
    let row = |code: &str, name: &str| vec![code.as_bytes().to_vec(), name.as_bytes().to_vec()];
    dbf(
        0,
        &fields,
        &[
            (false, row("WJ-01", NAMES[0])),
            (false, row("WJ-02", NAMES[1])),
            (false, row("WJ-03", NAMES[2])),
        ],
    )
}

#[test]
fn utf8_from_the_cpg_or_the_bytes() {
    for cpg in [Some(&b"UTF-8"[..]), Some(b"65001"), None] {
        let dataset = read(&shapefile(utf8_table(), cpg), &ReadOptions::default()).unwrap();
        let plots = features(&dataset.records);
        assert_eq!(plots.len(), 3);
        assert_eq!(plots[0].property("编号"), Some(&json!("WJ-01")));
        assert_eq!(plots[1].property("name"), Some(&json!(NAMES[1])));
    }
}

#[test]
fn unknown_cpg_is_refused() {
    let err = read(
        &shapefile(chinese_table(0), Some(b"KLINGON")),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shapefile `plots`: unknown attribute encoding `KLINGON` in the .cpg file"
    );
}

#[test]
fn a_field_that_cannot_be_read_is_that_records_error() {
    let fields: [(&[u8], u8, u8); 2] = [(b"CODE", b'C', 10), (b"AREA", b'N', 12)];
    let row = |code: &str, area: &str| vec![code.as_bytes().to_vec(), area.as_bytes().to_vec()];
    let table = dbf(
        0,
        &fields,
        &[
            (false, row("A", "12.5")),
            (false, row("B", "12,5")),
            (false, row("C", "*******")),
        ],
    );
    let dataset = read(&shapefile(table, None), &ReadOptions::default()).unwrap();
    assert_eq!(dataset.records.len(), 3);
    assert!(dataset.records[0].result.is_ok());
    let err = dataset.records[1].result.as_ref().unwrap_err();
    assert_eq!(err.number, 2);
    assert!(err.reason.starts_with("field `AREA`: "), "{}", err.reason);
    // An overflowed number (asterisks) is no number, not an error.
    let third = dataset.records[2].result.as_ref().unwrap();
    assert_eq!(third.property("AREA"), Some(&json!(null)));
}

#[test]
fn truncated_and_mismatched_tables_are_refused() {
    let table = chinese_table(0x4D);
    let err = read(
        &shapefile(table[..table.len() - 60].to_vec(), None),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains(".dbf is truncated"), "{err}");
    // Any prefix of the table: an error or a dataset, never a panic.
    for len in 0..table.len() {
        let _ = read(
            &shapefile(table[..len].to_vec(), None),
            &ReadOptions::default(),
        );
    }
}
