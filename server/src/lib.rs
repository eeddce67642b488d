//! # Site Atlas server
//!
//! One binary, `siteatlas`, over the [`siteatlas_tiles`] engine:
//! - [`store`]: the store of record, PostGIS or embedded SQLite;
//! - [`state`]: the in-memory index and the [`tile_cache`], kept in step with
//!   every write ([`sync`] carries writes between instances);
//! - [`routes`]: the HTTP API (tiles, TileJSON, style, search, OGC API -
//!   Features, OpenAPI, health, metrics);
//! - [`auth`] and [`session`]: API tokens, roles and browser sessions;
//! - [`import`]: GeoJSON into the store, all or nothing;
//! - [`cli`] and [`serve`]: the command line and start-up.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod error;
pub mod features;
pub mod import;
pub mod live;
pub mod metrics;
pub mod pipeline;
pub mod proxy;
pub mod repair;
pub mod routes;
pub mod session;
pub mod sheet;
pub mod state;
pub mod store;
pub mod sync;
pub mod tile_cache;
pub mod tile_flights;
pub mod unreadable;
pub mod usage;
pub mod workflow;

use std::time::Instant;

use crate::cli::ServeArgs;
use crate::state::{AppState, Settings, SharedState, load_atlas};
use crate::store::Store;

/// Opens and migrates the store, seeds the demo data if asked, loads the
/// index and, with PostGIS, starts listening for other instances' writes.
pub async fn prepare(args: &ServeArgs) -> anyhow::Result<SharedState> {
    let client_config = args.basemap.client_config().map_err(anyhow::Error::msg)?;
    let store = Store::open(args.store.database_url.as_deref(), &args.store.data_dir).await?;
    store.migrate().await?;
    for wrong in repair::repair_plot_areas(&store, false).await? {
        tracing::warn!(%wrong, "recomputed a plot area stored wrong by an older version");
    }
    routes::panoramas::fail_lost_processing_at_start(&store).await?;
    let demo_seeded = !args.no_demo && import::seed_demo(&store).await?;
    if demo_seeded {
        tracing::info!("empty store: loaded the demo data");
    }
    let listener = match &store {
        Store::Postgres(pg) => Some(sync::subscribe(pg).await?),
        Store::Sqlite(_) => None,
    };
    let started = Instant::now();
    let loaded = load_atlas(&store).await?;
    let atlas = &loaded.atlas;
    if demo_seeded {
        demo::seed_extras(&store, atlas, &args.store.data_dir).await?;
    }
    tracing::info!(
        store = store.kind(),
        parks = atlas.parks.len(),
        plots = atlas.plots.len(),
        factories = atlas.factories.len(),
        pois = atlas.pois.len(),
        unreadable = loaded.unreadable.len(),
        seconds = started.elapsed().as_secs_f64(),
        "index loaded"
    );
    let settings = Settings {
        tile_cache_bytes: args.tile_cache_mb * 1024 * 1024,
        web_dir: Some(args.web_dir.clone()),
        client_config,
        signing_key: signing_key(&store).await?,
        upload_limit_bytes: args.upload_limit_mb * 1024 * 1024,
        data_dir: args.store.data_dir.clone(),
        trusted_proxies: args.trusted_proxy.clone(),
        ice_servers: args.ice_server.clone(),
    };
    let state = AppState::new(store.clone(), loaded, settings);
    tokio::spawn(usage::run_flusher(state.usage.clone(), store.clone()));
    tokio::spawn(routes::panoramas::fail_lost_processing(state.clone()));
    if let (Store::Postgres(pg), Some(listener)) = (&store, listener) {
        tokio::spawn(sync::run(state.clone(), pg.clone(), listener));
    }
    Ok(state)
}

/// The store's signing key, made by the first instance that asks.
pub async fn signing_key(store: &Store) -> anyhow::Result<session::SigningKey> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    let stored = store
        .setting_or_insert("signing_key", &session::hex(&fresh))
        .await?;
    let bytes = session::unhex(&stored)
        .filter(|b| b.len() >= 32)
        .ok_or_else(|| anyhow::anyhow!("the stored signing key is damaged; delete the setting signing_key to make a new one"))?;
    Ok(session::SigningKey::new(bytes))
}

/// Prepares the state and serves until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let state = prepare(&args).await?;
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "serving");
    let app =
        routes::app(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(routes::without_nagle(listener), app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // The last seconds' usage counts.
    if let Err(e) = state.usage.flush(&state.store).await {
        tracing::warn!(%e, "usage counts of the last seconds were not written");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
