//! Test harness: throwaway PostGIS databases, servers on real sockets, and
//! the `siteatlas` binary for command-line tests.
//!
//! PostGIS comes from `SITEATLAS_TEST_DATABASE_URL` (an administrator URL;
//! `scripts/test` starts a cluster and sets it). Each test gets a database of
//! its own, dropped at the end.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use siteatlas_server::cli::{ServeArgs, StoreArgs};
use siteatlas_server::state::SharedState;
use sqlx::Connection;

/// The two stores every store-facing test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL + PostGIS.
    Postgis,
}

/// Both stores.
pub const STORES: [StoreKind; 2] = [StoreKind::Sqlite, StoreKind::Postgis];

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn admin_url() -> String {
    std::env::var("SITEATLAS_TEST_DATABASE_URL").expect(
        "SITEATLAS_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostGIS",
    )
}

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A place to keep data: an empty PostGIS database or an empty data directory.
pub struct TestStore {
    /// Which store.
    pub kind: StoreKind,
    /// Data directory (the SQLite file lives here).
    pub data_dir: PathBuf,
    /// Database URL for PostGIS.
    pub database_url: Option<String>,
    db_name: Option<String>,
}

impl TestStore {
    /// Creates an empty store of the given kind.
    pub async fn new(kind: StoreKind) -> Self {
        let data_dir = std::env::temp_dir().join(unique_name("siteatlas_data"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let (database_url, db_name) = match kind {
            StoreKind::Sqlite => (None, None),
            StoreKind::Postgis => {
                let admin = admin_url();
                let name = unique_name("siteatlas_t");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to the test PostGIS");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                (Some(format!("{base}/{name}")), Some(name))
            }
        };
        Self {
            kind,
            data_dir,
            database_url,
            db_name,
        }
    }

    /// Store arguments for the server or the CLI.
    pub fn args(&self) -> StoreArgs {
        StoreArgs {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }

    /// Runs SQL on the store behind the server's back, as another tool or a
    /// person at a SQL prompt would.
    pub async fn execute(&self, sql: &str) {
        match &self.database_url {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
            }
            None => {
                let path = self.data_dir.join("siteatlas.db");
                let url = format!("sqlite://{}", path.display());
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the SQLite store");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
            }
        }
    }

    /// `--data-dir` (and `--database-url`) flags for the binary: the data
    /// directory holds panoramas with either store, so it is always the
    /// test's own, never `./data`.
    pub fn cli_flags(&self) -> Vec<String> {
        let mut flags = vec!["--data-dir".into(), self.data_dir.display().to_string()];
        if let Some(url) = &self.database_url {
            flags.extend(["--database-url".into(), url.clone()]);
        }
        flags
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.db_name.take() {
            // Best effort, on a thread of its own: Drop may run inside a runtime.
            let admin = admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// A server on a real socket, in this process.
pub struct TestServer {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Its state, for white-box checks.
    pub state: SharedState,
    /// An HTTP client.
    pub http: reqwest::Client,
}

/// Options of a test server.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Fill an empty store with the demo data.
    pub demo: bool,
    /// Tile cache size, MiB.
    pub tile_cache_mb: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            demo: true,
            tile_cache_mb: 64,
        }
    }
}

impl TestServer {
    /// Starts a server over a store.
    pub async fn start(store: &TestStore, options: ServerOptions) -> Self {
        Self::start_behind(store, options, &[]).await
    }

    /// Starts a server that believes `X-Forwarded-For` from these proxies
    /// (`--trusted-proxy`).
    pub async fn start_behind(
        store: &TestStore,
        options: ServerOptions,
        trusted_proxies: &[&str],
    ) -> Self {
        let args = ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: store.args(),
            no_demo: !options.demo,
            tile_cache_mb: options.tile_cache_mb,
            upload_limit_mb: 200,
            web_dir: PathBuf::from("/nonexistent"),
            basemap: Default::default(),
            trusted_proxy: (trusted_proxies.iter())
                .map(|p| p.parse().expect("a proxy network"))
                .collect(),
            ice_server: Vec::new(),
        };
        let state = siteatlas_server::prepare(&args)
            .await
            .expect("server prepares");
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let app = siteatlas_server::routes::app(state.clone());
        tokio::spawn(async move { axum_serve(listener, app).await });
        let http = reqwest::Client::builder()
            .no_gzip()
            .build()
            .expect("client");
        Self {
            base: format!("http://{addr}"),
            state,
            http,
        }
    }

    /// A new API token of a role (named after it) for some parks, in the server's store.
    pub async fn token(&self, role: &str, parks: &[String]) -> String {
        let token = siteatlas_server::auth::new_token().expect("random token");
        self.state
            .store
            .create_token(
                role,
                role,
                parks,
                &siteatlas_server::session::token_hash(&token),
            )
            .await
            .expect("token stored");
        token
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// GET a path and parse JSON, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status().as_u16(), status, "GET {path}");
        r.json().await.expect("JSON body")
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: siteatlas_server::routes::Router) {
    let _ = siteatlas_server::routes::serve(listener, app).await;
}

/// The `siteatlas` binary (built by `scripts/test`; `SITEATLAS_BIN` names it).
pub fn siteatlas_bin() -> PathBuf {
    std::env::var_os("SITEATLAS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/siteatlas")
        })
}

/// Decodes an MVT with the independent decoder: (layer name, features).
pub fn decode_tile(bytes: &[u8]) -> Vec<(String, Vec<mvt_reader::feature::Feature<f64>>)> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("a valid vector tile");
    let names = reader.get_layer_names().expect("layer names");
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, reader.get_features_as::<f64>(i).expect("features")))
        .collect()
}

/// The tile of zoom `z` holding a point.
pub fn tile_at(lon: f64, lat: f64, z: u8) -> siteatlas_tiles::TileId {
    let (x, y) = siteatlas_tiles::tile_math::lonlat_to_world(lon, lat);
    let n = (1u64 << z) as f64;
    siteatlas_tiles::TileId::new(z as u32, (x * n) as u32, (y * n) as u32)
        .expect("a tile on the globe")
}

/// The URL path of a tile of a layer list.
pub fn tile_path(layers: &str, t: siteatlas_tiles::TileId) -> String {
    format!("/tiles/{layers}/{}/{}/{}.mvt", t.z(), t.x(), t.y())
}
