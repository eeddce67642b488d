//! The command line. Every flag can also be set by an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use siteatlas_tiles::LayerKind;

/// Site Atlas: the investment-promotion map server.
#[derive(Debug, Parser)]
#[command(name = "siteatlas", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the embedded store (used when no database URL is given).
    #[arg(long, env = "SITEATLAS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// PostgreSQL + PostGIS connection URL, such as postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the map: tiles, search, OGC API - Features and the web app.
    Serve(ServeArgs),
    /// Import a GeoJSON FeatureCollection or GeoJSON Sequence into one layer (upsert by code, all or nothing).
    Import(ImportArgs),
    /// Create or update the store's schema.
    Migrate(StoreArgs),
}

/// `siteatlas serve`
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SITEATLAS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Do not fill an empty store with the demo data.
    #[arg(long, env = "SITEATLAS_NO_DEMO")]
    pub no_demo: bool,
    /// Tile cache size in MiB; 0 turns the cache off.
    #[arg(long, env = "SITEATLAS_TILE_CACHE_MB", default_value_t = 256)]
    pub tile_cache_mb: usize,
    /// Directory of the built web app, served at /.
    #[arg(long, env = "SITEATLAS_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
}

/// `siteatlas import`
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Layer to import into.
    #[arg(long, value_parser = parse_layer)]
    pub layer: LayerKind,
    /// GeoJSON file.
    pub file: PathBuf,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

fn parse_layer(s: &str) -> Result<LayerKind, String> {
    s.parse()
        .map_err(|e: siteatlas_tiles::TileError| e.to_string())
}
