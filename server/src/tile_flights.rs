//! Single flight for tile encoding: when many clients ask at once for a tile
//! that is not cached (a map opened by a whole meeting room, a crawler, a
//! cache just evicted by a write), the tile is encoded once and every request
//! waits for that one result.
//!
//! Flights are keyed by the cache's write epoch as well as the tile: a
//! request that arrives after a write never joins an encoding that began
//! before it, so a write stays visible at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use siteatlas_tiles::TileError;
use tokio::sync::OnceCell;

use crate::tile_cache::{EncodedTile, TileKey};

type Outcome = Result<Arc<EncodedTile>, TileError>;
/// One encoding under way, which every request for its tile and epoch awaits.
type Flight = Arc<OnceCell<Outcome>>;

/// Encodings under way.
#[derive(Default)]
pub struct TileFlights {
    flights: Mutex<HashMap<(TileKey, u64), Flight>>,
    encoded: AtomicU64,
    joined: AtomicU64,
}

impl TileFlights {
    /// The tile for `key` at write epoch `epoch`: from an encoding already
    /// under way for the same, or from `encode`, run here.
    pub async fn run(
        &self,
        key: &TileKey,
        epoch: u64,
        encode: impl FnOnce() -> Outcome,
    ) -> Outcome {
        let flight_key = (key.clone(), epoch);
        let cell = self
            .flights
            .lock()
            .entry(flight_key.clone())
            .or_default()
            .clone();
        let mut ran = false;
        let outcome = cell
            .get_or_init(|| async {
                ran = true;
                encode()
            })
            .await
            .clone();
        if ran {
            self.encoded.fetch_add(1, Ordering::Relaxed);
            // The result is in the cache now (or was refused by it); later
            // requests start a new flight rather than read a stale one.
            let mut flights = self.flights.lock();
            if flights
                .get(&flight_key)
                .is_some_and(|c| Arc::ptr_eq(c, &cell))
            {
                flights.remove(&flight_key);
            }
        } else {
            self.joined.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// Tiles encoded, and requests that waited for another's encoding.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.encoded.load(Ordering::Relaxed),
            self.joined.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use siteatlas_tiles::{LayerKind, TileId};
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn key(x: u32) -> TileKey {
        TileKey {
            layers: vec![LayerKind::Plots],
            tile: TileId::new(14, x, 6000).unwrap(),
            filter: String::new(),
        }
    }

    fn tile(tag: &str) -> Arc<EncodedTile> {
        Arc::new(EncodedTile {
            raw: Vec::from(tag).into(),
            gzip: Default::default(),
            etag: tag.into(),
        })
    }

    /// Sixteen requests at once, their encodings slow enough to overlap.
    async fn concurrent(
        flights: &Arc<TileFlights>,
        runs: &Arc<AtomicUsize>,
        epoch: u64,
    ) -> Vec<String> {
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (flights, runs) = (flights.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                flights
                    .run(&key(1), epoch, || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(150));
                        Ok(tile(&format!("epoch {epoch}")))
                    })
                    .await
                    .unwrap()
                    .etag
                    .clone()
            }));
        }
        let mut tags = Vec::new();
        for t in tasks {
            tags.push(t.await.unwrap());
        }
        tags
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_misses_of_one_tile_encode_it_once() {
        let flights = Arc::new(TileFlights::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let tags = concurrent(&flights, &runs, 7).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "one encoding for sixteen requests"
        );
        assert!(tags.iter().all(|t| t == "epoch 7"));
        assert_eq!(flights.counts(), (1, 15));
        assert!(
            flights.flights.lock().is_empty(),
            "the finished flight is gone"
        );
        // A later request encodes again: the cache, not the flight, keeps tiles.
        concurrent(&flights, &runs, 7).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_request_after_a_write_never_joins_an_older_encoding() {
        let flights = Arc::new(TileFlights::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let (before, after) = tokio::join!(concurrent(&flights, &runs, 1), async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            concurrent(&flights, &runs, 2).await
        });
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(before.iter().all(|t| t == "epoch 1"));
        assert!(after.iter().all(|t| t == "epoch 2"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn other_tiles_are_not_held_up() {
        let flights = TileFlights::default();
        let (one, two) = (key(1), key(2));
        let (a, b) = tokio::join!(
            flights.run(&one, 0, || Ok(tile("a"))),
            flights.run(&two, 0, || Ok(tile("b")))
        );
        assert_eq!(
            (a.unwrap().etag.as_str(), b.unwrap().etag.as_str()),
            ("a", "b")
        );
        assert_eq!(flights.counts(), (2, 0));
    }
}
