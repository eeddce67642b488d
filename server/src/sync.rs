//! Keeping several instances in step: every write to PostGIS is announced
//! with NOTIFY on [`CHANGES_CHANNEL`]; every instance LISTENs, loads the
//! written rows and applies them to its index and tile cache.

use std::time::Duration;

use serde::Deserialize;
use siteatlas_tiles::LayerKind;
use sqlx::postgres::PgListener;

use crate::state::{SharedState, load_layer};
use crate::store::{CHANGES_CHANNEL, PostgresStore, StoreError};

/// A change notice as published by the store.
#[derive(Debug, Deserialize)]
pub struct ChangeNotice {
    /// Layer written.
    pub layer: LayerKind,
    /// Ids written (absent for a reload).
    #[serde(default)]
    pub ids: Vec<i64>,
    /// The whole layer changed: reload it.
    #[serde(default)]
    pub reload: bool,
}

/// Applies one notice to the state.
pub async fn apply_notice(state: &SharedState, notice: ChangeNotice) -> Result<(), StoreError> {
    if notice.reload {
        let parsed = load_layer(&state.store, notice.layer).await?;
        let state = state.clone();
        tokio::task::spawn_blocking(move || state.replace_layer(notice.layer, parsed))
            .await
            .expect("reload task panicked");
        return Ok(());
    }
    let rows = state.store.load_rows(notice.layer, &notice.ids).await?;
    // An id announced but not found was deleted since.
    let removed: Vec<u64> = notice
        .ids
        .iter()
        .filter(|id| !rows.iter().any(|r| r.id == **id))
        .map(|id| *id as u64)
        .collect();
    state.apply_rows(notice.layer, rows, &removed)
}

async fn reload_everything(state: &SharedState) {
    for layer in LayerKind::ALL {
        let notice = ChangeNotice {
            layer,
            ids: Vec::new(),
            reload: true,
        };
        if let Err(e) = apply_notice(state, notice).await {
            tracing::error!(%layer, cause = %e, "reloading after a lost connection failed");
        }
    }
}

/// Connects and LISTENs. Call it before loading the index, so that no write
/// committed after the load goes unseen.
pub async fn subscribe(store: &PostgresStore) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(store.pool()).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    Ok(listener)
}

/// Applies notices until the process ends. After a lost connection the
/// listener is set up again and then every layer is reloaded, since notices
/// sent meanwhile are gone.
pub async fn run(state: SharedState, store: PostgresStore, mut listener: PgListener) {
    tracing::info!(channel = CHANGES_CHANNEL, "listening for changes");
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                match serde_json::from_str::<ChangeNotice>(notification.payload()) {
                    Ok(notice) => {
                        if let Err(e) = apply_notice(&state, notice).await {
                            tracing::error!(cause = %e, "applying a change notice failed");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(payload = notification.payload(), cause = %e, "ignoring a malformed change notice")
                    }
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!("change listener lost its connection; reconnecting");
                listener = loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    match subscribe(&store).await {
                        Ok(l) => break l,
                        Err(e) => tracing::warn!(cause = %e, "cannot LISTEN for changes; retrying"),
                    }
                };
                reload_everything(&state).await;
            }
        }
    }
}
