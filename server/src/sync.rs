//! Keeping several instances in step: every write to PostGIS is announced
//! with NOTIFY on [`CHANGES_CHANNEL`]; every instance LISTENs, loads the
//! written rows and applies them to its index and tile cache.

use std::time::Duration;

use serde::Deserialize;
use siteatlas_tiles::LayerKind;
use sqlx::postgres::PgListener;

use crate::state::SharedState;
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
        let rows = state.store.load_layer(notice.layer).await?;
        let state = state.clone();
        return tokio::task::spawn_blocking(move || state.replace_layer(notice.layer, rows))
            .await
            .expect("reload task panicked");
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
        let notice = ChangeNotice { layer, ids: Vec::new(), reload: true };
        if let Err(e) = apply_notice(state, notice).await {
            tracing::error!(%layer, cause = %e, "reloading after a lost connection failed");
        }
    }
}

/// Listens for changes until the process ends. After a lost connection the
/// listener is set up again and then every layer is reloaded, since notices
/// sent meanwhile are gone.
pub async fn listen(state: SharedState, store: PostgresStore) {
    let mut reconnecting = false;
    loop {
        if reconnecting {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut listener = match PgListener::connect_with(store.pool()).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(cause = %e, "cannot LISTEN for changes; retrying");
                reconnecting = true;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
            tracing::warn!(cause = %e, "cannot LISTEN for changes; retrying");
            reconnecting = true;
            continue;
        }
        tracing::info!(channel = CHANGES_CHANNEL, "listening for changes");
        if reconnecting {
            reload_everything(&state).await;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => match serde_json::from_str::<ChangeNotice>(notification.payload()) {
                    Ok(notice) => {
                        if let Err(e) = apply_notice(&state, notice).await {
                            tracing::error!(cause = %e, "applying a change notice failed");
                        }
                    }
                    Err(e) => tracing::warn!(payload = notification.payload(), cause = %e, "ignoring a malformed change notice"),
                },
                Ok(None) | Err(_) => {
                    tracing::warn!("change listener lost its connection; reconnecting");
                    break;
                }
            }
        }
        reconnecting = true;
    }
}
