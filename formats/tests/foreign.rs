//! Formats departments use that are not read directly (CAD drawings, KML and
//! KMZ, File Geodatabases, MapInfo tables) are refused with the way to convert
//! them, not as unrecognised bytes. The files are written by GDAL's ogr2ogr.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use siteatlas_formats::{ReadOptions, read};

const SOURCE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
  "properties":{"code":"A"},
  "geometry":{"type":"Polygon","coordinates":[[[104,30],[104.001,30],[104.001,30.001],[104,30]]]}}]}"#;

fn ogr2ogr(dir: &Path, driver: &str, out: &str) -> std::path::PathBuf {
    let source = dir.join("source.geojson");
    std::fs::write(&source, SOURCE).unwrap();
    let target = dir.join(out);
    let status = Command::new("ogr2ogr")
        .args(["-f", driver])
        .arg(&target)
        .arg(&source)
        .status()
        .expect("ogr2ogr (GDAL) runs; scripts/test installs gdal-bin");
    assert!(status.success(), "ogr2ogr -f {driver}");
    target
}

/// Zips every file under `path` (a file or a folder) with its relative name.
fn zipped(path: &Path) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let base = path.parent().unwrap();
    let mut files = vec![path.to_owned()];
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let name = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&std::fs::read(&p).unwrap()).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

fn refusal(bytes: &[u8]) -> String {
    read(bytes, &ReadOptions::default())
        .expect_err("refused")
        .to_string()
}

#[test]
fn each_is_named_with_the_way_to_convert_it() {
    let dir = tempfile::tempdir().unwrap();
    let dxf = ogr2ogr(dir.path(), "DXF", "plots.dxf");
    let kml = ogr2ogr(dir.path(), "KML", "plots.kml");
    let gdb = ogr2ogr(dir.path(), "OpenFileGDB", "plots.gdb");
    let tab_dir = dir.path().join("tab");
    std::fs::create_dir(&tab_dir).unwrap();
    ogr2ogr(&tab_dir, "MapInfo File", "plots.tab");
    for (what, bytes, name) in [
        ("DXF", std::fs::read(&dxf).unwrap(), "DXF"),
        ("KML", std::fs::read(&kml).unwrap(), "KML"),
        ("KMZ", zipped(&kml), "KMZ"),
        ("File Geodatabase", zipped(&gdb), "File Geodatabase"),
        ("MapInfo", zipped(&tab_dir), "MapInfo"),
    ] {
        let message = refusal(&bytes);
        assert!(
            message.contains(name) && message.contains("ogr2ogr -f GPKG"),
            "{what}: {message}"
        );
    }
    // Anything else is still simply unrecognised.
    assert!(refusal(b"hello").starts_with("unrecognised file"));
}
