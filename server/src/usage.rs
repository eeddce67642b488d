//! Usage counts for the analytics: what was used, never who used it.
//!
//! Counting must not slow the hot paths (a search answers in well under a
//! millisecond), so uses are tallied in memory per kind, thing and day, and
//! written to the store in one transaction every few seconds, before stats
//! are read, and at shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::clock::unix_now;
use crate::store::{Store, StoreError, UsageRow};

/// How often tallies are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// What one tally counts: kind, layer, feature, other thing, day.
type TallyKey = (&'static str, Option<String>, Option<i64>, Option<i64>, i64);

/// Uses not yet written to the store.
#[derive(Debug, Default)]
pub struct UsageCounter {
    pending: Mutex<HashMap<TallyKey, i64>>,
}

impl UsageCounter {
    /// Counts one use of a kind, of a feature (`layer`, `feature`) and/or
    /// another thing (`reference`: a panorama, a tour).
    pub fn count(
        &self,
        kind: &'static str,
        layer: Option<&str>,
        feature: Option<i64>,
        reference: Option<i64>,
    ) {
        let day = unix_now() as i64 / 86_400;
        *self
            .pending
            .lock()
            .entry((kind, layer.map(str::to_owned), feature, reference, day))
            .or_default() += 1;
    }

    /// Writes the tallies; on failure they are kept for the next attempt.
    pub async fn flush(&self, store: &Store) -> Result<(), StoreError> {
        let taken = std::mem::take(&mut *self.pending.lock());
        if taken.is_empty() {
            return Ok(());
        }
        let rows: Vec<UsageRow> = taken
            .iter()
            .map(|((kind, layer, feature_id, ref_id, day), n)| UsageRow {
                kind: (*kind).to_owned(),
                layer: layer.clone(),
                feature_id: *feature_id,
                ref_id: *ref_id,
                day: *day,
                n: *n,
            })
            .collect();
        if let Err(e) = store.add_uses(&rows).await {
            let mut pending = self.pending.lock();
            for (key, n) in taken {
                *pending.entry(key).or_default() += n;
            }
            return Err(e);
        }
        Ok(())
    }
}

/// Writes the tallies every [`FLUSH_EVERY`], for as long as the server runs.
pub async fn run_flusher(counter: Arc<UsageCounter>, store: Store) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = counter.flush(&store).await {
            tracing::warn!(%e, "usage counts not written yet; will retry");
        }
    }
}
