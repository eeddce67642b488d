//! Stored rows the loader cannot read.
//!
//! A row written by another tool, an older version or by hand in SQL may not
//! be a valid feature. Such a row is left out of the index and reported
//! (logged with its code and reason, counted by `/health` and `/metrics`,
//! listed by `GET /api/admin/unreadable` and `siteatlas check`) rather than
//! stopping the server: one plot missing from the map is a fault to fix, a
//! map that does not start is an outage.

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::Serialize;
use siteatlas_tiles::LayerKind;

/// One stored row left out of the index, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableRow {
    /// Its layer.
    pub layer: LayerKind,
    /// Its row id.
    pub id: i64,
    /// Its business key, as stored.
    pub code: String,
    /// Why it cannot be read.
    pub reason: String,
}

impl UnreadableRow {
    /// Logs the row as left out of the index.
    pub fn log(&self) {
        tracing::warn!(
            layer = %self.layer,
            id = self.id,
            code = %self.code,
            reason = %self.reason,
            "stored feature left out of the map: it cannot be read"
        );
    }
}

/// The unreadable rows this instance knows of, by layer and id.
#[derive(Debug, Default)]
pub struct UnreadableRows {
    rows: Mutex<BTreeMap<(LayerKind, i64), UnreadableRow>>,
}

impl UnreadableRows {
    /// Replaces what is known of one layer (after the layer was loaded whole).
    pub fn replace_layer(&self, layer: LayerKind, rows: Vec<UnreadableRow>) {
        let mut known = self.rows.lock();
        known.retain(|(l, _), _| *l != layer);
        known.extend(rows.into_iter().map(|r| ((r.layer, r.id), r)));
    }

    /// Records one row as unreadable.
    pub fn record(&self, row: UnreadableRow) {
        self.rows.lock().insert((row.layer, row.id), row);
    }

    /// Forgets a row: it was read after all, or deleted.
    pub fn forget(&self, layer: LayerKind, id: i64) {
        let mut known = self.rows.lock();
        if !known.is_empty() {
            known.remove(&(layer, id));
        }
    }

    /// Every unreadable row, by layer and id.
    pub fn list(&self) -> Vec<UnreadableRow> {
        self.rows.lock().values().cloned().collect()
    }

    /// How many rows of each layer are unreadable (every layer named, 0 too).
    pub fn counts(&self) -> BTreeMap<LayerKind, usize> {
        let known = self.rows.lock();
        LayerKind::ALL
            .iter()
            .map(|l| (*l, known.keys().filter(|(k, _)| k == l).count()))
            .collect()
    }

    /// How many rows are unreadable in all.
    pub fn len(&self) -> usize {
        self.rows.lock().len()
    }

    /// Whether every stored row was read.
    pub fn is_empty(&self) -> bool {
        self.rows.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(layer: LayerKind, id: i64) -> UnreadableRow {
        UnreadableRow {
            layer,
            id,
            code: format!("C{id}"),
            reason: "bad".into(),
        }
    }

    #[test]
    fn a_layer_reload_replaces_only_that_layer() {
        let rows = UnreadableRows::default();
        rows.record(row(LayerKind::Plots, 1));
        rows.record(row(LayerKind::Parks, 2));
        rows.replace_layer(LayerKind::Plots, vec![row(LayerKind::Plots, 3)]);
        let ids: Vec<i64> = rows.list().iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 3]);
        assert_eq!(rows.counts()[&LayerKind::Plots], 1);
        assert_eq!(rows.counts()[&LayerKind::Pois], 0);
        rows.forget(LayerKind::Plots, 3);
        assert_eq!(rows.len(), 1);
    }
}
