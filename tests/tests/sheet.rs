//! The site sheet (地块推介书) over real HTTP: a one-page PDF, read back with
//! poppler's pdftoppm (pages, ink) and pdftotext (what it says).

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use siteatlas_tests::{STORES, ServerOptions, TestServer, TestStore};

/// Runs a poppler tool; the tests need poppler-utils (scripts/test installs it).
fn poppler(tool: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} could not run ({e}): install poppler-utils"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The pages of a PDF drawn in grey at 20 dpi: one PGM per page.
fn pages(pdf: &Path, dir: &Path) -> Vec<Vec<u8>> {
    let prefix = dir.join("page");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "20",
            "-gray",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// The share of a binary PGM's pixels that are not near white.
fn ink(pgm: &[u8]) -> f64 {
    // Header: P5, width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    let pixels = &pgm[at + 1..];
    pixels.iter().filter(|p| **p < 200).count() as f64 / pixels.len() as f64
}

async fn sheet(
    server: &TestServer,
    layer: &str,
    id: u64,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let r = server.get(&format!("/api/{layer}/{id}/sheet.pdf")).await;
    assert_eq!(r.status(), 200, "{layer} {id}");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, &bytes).unwrap();
    (dir, path)
}

fn text_of(pdf: &Path) -> String {
    let out = poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plot_sheet_is_one_page_with_its_figures_park_and_policies() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        // A plot with a price in a park with incentive rules for plots.
        let plots = server
            .get_json("/api/search?layer=plots&limit=100&skipGeometry=true", 200)
            .await;
        let mut chosen = None;
        for f in plots["features"].as_array().unwrap() {
            let p = &f["properties"];
            let (Some(park), Some(_)) = (p["park"].as_str(), p["price_wan_per_mu"].as_f64()) else {
                continue;
            };
            let policy = server
                .get_json(&format!("/api/parks/{park}/policy"), 200)
                .await;
            let rule = policy["rules"].as_array().unwrap().iter().find(|r| {
                r["kind"] != "rent_free_months"
                    && r["applies_to"]
                        .as_array()
                        .is_none_or(|l| l.iter().any(|x| x == "plots"))
            });
            if let Some(rule) = rule {
                chosen = Some((f["id"].as_u64().unwrap(), p.clone(), rule.clone()));
                break;
            }
        }
        let (id, p, rule) = chosen.expect("the demo has a priced plot in a park with rules");
        let park_code = p["park"].as_str().unwrap();
        let parks = server
            .get_json("/api/search?layer=parks&limit=100&skipGeometry=true", 200)
            .await;
        let park_name = parks["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == park_code)
            .map(|f| f["properties"]["name"].as_str().unwrap().to_owned())
            .expect("the plot's park");

        let (dir, pdf) = sheet(&server, "plots", id).await;
        let pages = pages(&pdf, dir.path());
        assert_eq!(pages.len(), 1, "{kind:?}: one page");
        let ink = ink(&pages[0]);
        assert!(ink > 0.03, "{kind:?}: the page is nearly blank ({ink})");

        let text = text_of(&pdf);
        let flat: String = text.split_whitespace().collect();
        for (what, wanted) in [
            ("code", p["code"].as_str().unwrap().to_owned()),
            ("name", p["name"].as_str().unwrap().to_owned()),
            ("park", park_name.clone()),
            ("area", format!("{}亩", p["area_mu"].as_f64().unwrap())),
            (
                "price",
                format!("{}万元/亩", p["price_wan_per_mu"].as_f64().unwrap()),
            ),
            ("policy", rule["name"].as_str().unwrap().to_owned()),
            (
                "policy source",
                rule["source"]
                    .as_str()
                    .unwrap_or_default()
                    .chars()
                    .take(12)
                    .collect(),
            ),
            ("link", format!("#sel=plots/{id}")),
        ] {
            let wanted: String = wanted.split_whitespace().collect();
            assert!(
                flat.contains(&wanted),
                "{kind:?}: no {what} `{wanted}` in:\n{text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_sheet_is_one_page_and_other_layers_and_ids_are_refused() {
    let store = TestStore::new(siteatlas_tests::StoreKind::Sqlite).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    let factories = server
        .get_json("/api/search?layer=factories&limit=1&skipGeometry=true", 200)
        .await;
    let f = &factories["features"][0];
    let id = f["id"].as_u64().unwrap();
    let (dir, pdf) = sheet(&server, "factories", id).await;
    assert_eq!(pages(&pdf, dir.path()).len(), 1);
    let text = text_of(&pdf);
    assert!(
        text.contains(f["properties"]["code"].as_str().unwrap()),
        "{text}"
    );
    assert!(text.contains("标准厂房推介书"), "{text}");

    for (path, status, names) in [
        ("/api/parks/1/sheet.pdf", 400, "layer"),
        ("/api/pois/1/sheet.pdf", 400, "layer"),
        ("/api/plots/999999/sheet.pdf", 404, "999999"),
        ("/api/towers/1/sheet.pdf", 404, "towers"),
        ("/api/plots/abc/sheet.pdf", 400, "id"),
    ] {
        let r = server.get(path).await;
        assert_eq!(r.status(), status, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(names),
            "{path}: {body}"
        );
    }
}
