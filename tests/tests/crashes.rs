//! Crash consistency with `kill -9`: an import killed at any moment leaves
//! the store as it was (or, once committed, wholly imported); a server killed
//! while writing loses no write it acknowledged. On both stores.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use siteatlas_tests::{STORES, StoreKind, TestStore, siteatlas_bin};
use sqlx::Connection;

/// Rows in a layer's table, read straight from the store.
async fn count(store: &TestStore, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match &store.database_url {
        Some(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&mut c).await.unwrap()
        }
        None => {
            let url = format!("sqlite://{}", store.data_dir.join("siteatlas.db").display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&mut c).await.unwrap()
        }
    }
}

/// A GeoJSON Sequence of `n` small square plots.
fn many_plots(path: &std::path::Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let (x, y) = (
            103.0 + (i % 1000) as f64 * 0.002,
            30.0 + (i / 1000) as f64 * 0.002,
        );
        let ring = json!([
            [x, y],
            [x + 0.001, y],
            [x + 0.001, y + 0.001],
            [x, y + 0.001],
            [x, y]
        ]);
        let f = json!({"type": "Feature", "properties": {"code": format!("K-{i}"), "status": "available", "land_use": "industrial"},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}});
        writeln!(out, "{f}").unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_at_any_moment_leaves_all_or_nothing() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let bin = siteatlas_bin();
        let migrate = Command::new(&bin)
            .arg("migrate")
            .args(store.cli_flags())
            .output()
            .unwrap();
        assert!(migrate.status.success());
        let file = store.data_dir.join("many.geojsonl");
        let n = 20_000;
        many_plots(&file, n);
        // Kill later and later until an import finishes on its own; every kill must
        // leave either nothing or everything.
        let mut delay = Duration::from_millis(150);
        let mut kills = 0;
        loop {
            let mut child = Command::new(&bin)
                .args(["import", "--layer", "plots", file.to_str().unwrap()])
                .args(store.cli_flags())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let finished = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                if started.elapsed() >= delay {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let rows = count(&store, "plots").await;
            match finished {
                Some(status) => {
                    assert!(status.success(), "{kind:?}: the import failed");
                    assert_eq!(rows, n as i64, "{kind:?}");
                    break;
                }
                None => {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    kills += 1;
                    let rows = count(&store, "plots").await;
                    assert!(
                        rows == 0 || rows == n as i64,
                        "{kind:?}: {rows} of {n} plots after a kill at {delay:?}"
                    );
                    if rows == n as i64 {
                        break; // committed just before the kill
                    }
                }
            }
            delay = delay.mul_f64(2.0);
        }
        assert!(
            kills >= 3,
            "{kind:?}: only {kills} kills; the import was too quick to test"
        );
    }
}

struct Server {
    child: std::process::Child,
    base: String,
}

async fn serve(store: &TestStore) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(siteatlas_bin())
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web-dir",
            "/nonexistent",
        ])
        .args(store.cli_flags())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, base }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_writing_keeps_every_acknowledged_write() {
    for kind in [StoreKind::Sqlite, StoreKind::Postgis] {
        let store = TestStore::new(kind).await;
        let token = {
            let out = Command::new(siteatlas_bin())
                .args(["token", "create", "--role", "admin", "--name", "crash-test"])
                .args(store.cli_flags())
                .output()
                .unwrap();
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .lines()
                .last()
                .unwrap()
                .to_owned()
        };
        let mut server = serve(&store).await;
        let http = reqwest::Client::new();
        let plots: Value = http
            .get(format!("{}/collections/plots/items?limit=20", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<u64> = plots["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_u64().unwrap())
            .collect();

        // Four writers toggle plots between available and reserved (an admin may do both);
        // the server is killed while they write.
        let acknowledged =
            std::sync::Arc::new(parking_lot::Mutex::new(Vec::<(u64, i64, String)>::new()));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (http, base, token, ids, acknowledged) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                ids.clone(),
                acknowledged.clone(),
            );
            writers.push(tokio::spawn(async move {
                for round in 0.. {
                    let id = ids[(w + 4 * round) % ids.len()];
                    let Ok(r) = http.get(format!("{base}/api/plots/{id}")).send().await else {
                        return;
                    };
                    let Some(etag) = r
                        .headers()
                        .get("etag")
                        .map(|e| e.to_str().unwrap().to_owned())
                    else {
                        return;
                    };
                    let Ok(f) = r.json::<Value>().await else {
                        return;
                    };
                    let next = if f["properties"]["status"] == "available" {
                        "reserved"
                    } else {
                        "available"
                    };
                    let note = format!("writer {w} round {round}");
                    let Ok(r) = http
                        .patch(format!("{base}/api/plots/{id}"))
                        .bearer_auth(&token)
                        .header("if-match", etag)
                        .json(&json!({"status": next, "note": note}))
                        .send()
                        .await
                    else {
                        return;
                    };
                    if r.status() == 200 {
                        let Ok(f) = r.json::<Value>().await else {
                            return;
                        };
                        acknowledged.lock().push((
                            id,
                            f["properties"]["version"].as_i64().unwrap(),
                            note,
                        ));
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.child.kill().unwrap(); // SIGKILL, mid-write
        server.child.wait().unwrap();
        for w in writers {
            let _ = w.await;
        }
        let acknowledged = acknowledged.lock().clone();
        assert!(
            acknowledged.len() > 10,
            "{kind:?}: only {} writes before the kill",
            acknowledged.len()
        );

        let restarted = serve(&store).await;
        for (id, version, note) in &acknowledged {
            let f: Value = http
                .get(format!("{}/api/plots/{id}", restarted.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(
                f["properties"]["version"].as_i64().unwrap() >= *version,
                "{kind:?}: plot {id} lost version {version}"
            );
            let history: Value = http
                .get(format!("{}/api/plots/{id}/history", restarted.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(
                history
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|h| h["note"] == note.as_str()),
                "{kind:?}: {note} missing from the audit log"
            );
        }
        let mut restarted = restarted;
        restarted.child.kill().unwrap();
        restarted.child.wait().unwrap();
    }
}
