//! The tile cache: encoded tiles, raw and gzipped, within a byte budget.
//!
//! Invalidation is exact: a write evicts the cached tiles, at every zoom and
//! for every layer combination that includes the written layer, whose
//! buffered extent touches the feature's old or new bounding box. A tile
//! encoded from the index before a write must not enter the cache after the
//! write's eviction, so every fill names the write epoch it was encoded at and
//! is refused if a write came in between.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Arc;

use geo::Rect;
use siteatlas_tiles::tile_math::{BUFFER, MAX_ZOOM, TileRange};
use siteatlas_tiles::{LayerKind, TileId};

/// A set of layers, as a bit mask (bit i: `LayerKind::ALL[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerSet(u8);

impl LayerSet {
    /// The set of the given layers.
    pub fn of(layers: &[LayerKind]) -> Self {
        Self(layers.iter().fold(0, |m, l| m | (1 << *l as u8)))
    }
    /// Whether the set holds a layer.
    pub fn contains(self, layer: LayerKind) -> bool {
        self.0 & (1 << layer as u8) != 0
    }
}

/// Cache key: layer set and tile. Layer order in a URL does change the
/// bytes (MVT layer order), so the key also keeps the requested order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Requested layers in order.
    pub layers: Vec<LayerKind>,
    /// Tile address.
    pub tile: TileId,
    /// The filter in canonical form (`TileFilter::canonical`), empty for none.
    pub filter: String,
}

/// Most distinct filters with tiles in the cache at once: filters are chosen
/// by clients, so without a bound a crawler trying every area range would
/// push the map's everyday tiles out. Tiles of further filters are served
/// uncached until a filter's tiles are all gone.
pub const MAX_FILTERS: usize = 256;

/// An encoded tile as served. The bytes are shared, not copied, with every
/// answer that carries them.
#[derive(Debug)]
pub struct EncodedTile {
    /// MVT bytes (empty for a tile with no feature).
    pub raw: Bytes,
    /// The same, gzipped.
    pub gzip: Bytes,
    /// Strong entity tag, quoted.
    pub etag: String,
}

impl EncodedTile {
    fn cost(&self) -> usize {
        self.raw.len() + self.gzip.len() + self.etag.len() + 96
    }
}

struct Slot {
    tile: Arc<EncodedTile>,
    last_used: u64,
}

/// Hit, miss and size counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheStats {
    /// Tiles served from the cache.
    pub hits: u64,
    /// Tiles encoded because they were not cached.
    pub misses: u64,
    /// Bytes held now.
    pub bytes: usize,
    /// Tiles held now.
    pub entries: usize,
    /// Tiles evicted by writes.
    pub invalidated: u64,
}

/// The cache. All methods take `&mut self`; callers share it behind a mutex.
pub struct TileCache {
    budget: usize,
    slots: HashMap<TileKey, Slot>,
    /// Cached tiles per non-empty filter.
    filters: HashMap<String, usize>,
    clock: u64,
    epoch: u64,
    stats: CacheStats,
}

impl TileCache {
    /// A cache holding at most `budget_bytes` (0 turns caching off).
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget: budget_bytes,
            slots: HashMap::new(),
            filters: HashMap::new(),
            clock: 0,
            epoch: 0,
            stats: CacheStats::default(),
        }
    }

    /// The current write epoch; pass it back to [`TileCache::insert`].
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.slots.len(),
            ..self.stats
        }
    }

    /// A cached tile, counting a hit or a miss.
    pub fn get(&mut self, key: &TileKey) -> Option<Arc<EncodedTile>> {
        self.clock += 1;
        match self.slots.get_mut(key) {
            Some(slot) => {
                slot.last_used = self.clock;
                self.stats.hits += 1;
                Some(slot.tile.clone())
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// Caches a tile encoded at `epoch`, unless a write has happened since.
    pub fn insert(&mut self, key: TileKey, tile: Arc<EncodedTile>, epoch: u64) {
        if self.budget == 0 || epoch != self.epoch || tile.cost() > self.budget / 4 {
            return;
        }
        if !key.filter.is_empty() && !self.slots.contains_key(&key) {
            if !self.filters.contains_key(&key.filter) && self.filters.len() >= MAX_FILTERS {
                return;
            }
            *self.filters.entry(key.filter.clone()).or_default() += 1;
        }
        self.clock += 1;
        self.stats.bytes += tile.cost();
        if let Some(old) = self.slots.insert(
            key,
            Slot {
                tile,
                last_used: self.clock,
            },
        ) {
            self.stats.bytes -= old.tile.cost();
        }
        if self.stats.bytes > self.budget {
            self.shrink();
        }
    }

    /// Drops the least recently used quarter of the tiles (amortised LRU).
    fn shrink(&mut self) {
        let mut ages: Vec<u64> = self.slots.values().map(|s| s.last_used).collect();
        let cut = ages.len() / 4;
        let (_, threshold, _) = ages.select_nth_unstable(cut);
        let threshold = *threshold;
        let mut freed = 0;
        let filters = &mut self.filters;
        self.slots.retain(|key, s| {
            let keep = s.last_used > threshold;
            if !keep {
                freed += s.tile.cost();
                forget_filter(filters, key);
            }
            keep
        });
        self.stats.bytes -= freed;
    }

    /// Evicts every tile of every zoom that shows `layer` and whose buffered
    /// extent touches one of the lon/lat boxes; starts a new write epoch.
    pub fn evict_touching(&mut self, layer: LayerKind, boxes: &[Rect<f64>]) {
        self.epoch += 1;
        if self.slots.is_empty() || boxes.is_empty() {
            return;
        }
        // One pass over the cache: cheaper than listing the touched tiles,
        // which number in the thousands at high zooms for a large park.
        let ranges: Vec<Vec<TileRange>> = (0..=MAX_ZOOM)
            .map(|z| {
                boxes
                    .iter()
                    .map(|b| TileRange::covering(*b, z, BUFFER))
                    .collect()
            })
            .collect();
        let mut freed = 0;
        let mut count = 0;
        let filters = &mut self.filters;
        self.slots.retain(|key, slot| {
            let touched = LayerSet::of(&key.layers).contains(layer)
                && ranges[key.tile.z() as usize]
                    .iter()
                    .any(|r| r.contains(&key.tile));
            if touched {
                freed += slot.tile.cost();
                count += 1;
                forget_filter(filters, key);
            }
            !touched
        });
        self.stats.bytes -= freed;
        self.stats.invalidated += count;
    }

    /// Evicts every tile showing `layer` (after a reload of the layer).
    pub fn evict_layer(&mut self, layer: LayerKind) {
        self.epoch += 1;
        let mut freed = 0;
        let mut count = 0;
        let filters = &mut self.filters;
        self.slots.retain(|k, s| {
            let keep = !LayerSet::of(&k.layers).contains(layer);
            if !keep {
                freed += s.tile.cost();
                count += 1;
                forget_filter(filters, k);
            }
            keep
        });
        self.stats.bytes -= freed;
        self.stats.invalidated += count;
    }
}

/// Counts a filtered tile out of the cache's filters.
fn forget_filter(filters: &mut HashMap<String, usize>, key: &TileKey) {
    if key.filter.is_empty() {
        return;
    }
    if let Some(n) = filters.get_mut(&key.filter) {
        *n -= 1;
        if *n == 0 {
            filters.remove(&key.filter);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    fn key(layers: &[LayerKind], z: u32, x: u32, y: u32) -> TileKey {
        TileKey {
            layers: layers.to_vec(),
            tile: TileId::new(z, x, y).unwrap(),
            filter: String::new(),
        }
    }

    fn tile(bytes: usize) -> Arc<EncodedTile> {
        Arc::new(EncodedTile {
            raw: vec![1; bytes].into(),
            gzip: vec![2; bytes / 2].into(),
            etag: "\"x\"".into(),
        })
    }

    fn bbox(lon: f64, lat: f64) -> Rect<f64> {
        Rect::new(
            Coord { x: lon, y: lat },
            Coord {
                x: lon + 0.001,
                y: lat + 0.001,
            },
        )
    }

    #[test]
    fn evicts_only_touched_tiles_of_layer_lists_with_the_layer() {
        let mut cache = TileCache::new(1 << 20);
        // Wenjiang (103.85, 30.70) is in z10 tile 807/420; Chongqing is far from it.
        let touched = key(&[LayerKind::Plots], 10, 807, 420);
        let with_parks = key(&[LayerKind::Parks, LayerKind::Plots], 10, 807, 420);
        let other_layer = key(&[LayerKind::Pois], 10, 807, 420);
        let far = key(&[LayerKind::Plots], 10, 815, 427);
        let world = key(&[LayerKind::Plots], 0, 0, 0);
        for k in [&touched, &with_parks, &other_layer, &far, &world] {
            cache.insert(k.clone(), tile(100), cache.epoch());
        }
        cache.evict_touching(LayerKind::Plots, &[bbox(103.85, 30.70)]);
        assert!(cache.get(&touched).is_none());
        assert!(cache.get(&with_parks).is_none());
        assert!(cache.get(&world).is_none());
        assert!(cache.get(&other_layer).is_some());
        assert!(cache.get(&far).is_some());
        assert_eq!(cache.stats().invalidated, 3);
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn the_buffer_counts_as_touching() {
        let mut cache = TileCache::new(1 << 20);
        // A box just west of tile 807's west edge touches it through the 64-unit buffer.
        let west_edge = siteatlas_tiles::tile_math::world_to_lonlat(807.0 / 1024.0, 420.5 / 1024.0);
        let just_outside = Rect::new(
            Coord {
                x: west_edge.0 - 0.005,
                y: west_edge.1,
            },
            Coord {
                x: west_edge.0 - 0.001,
                y: west_edge.1,
            },
        );
        let k = key(&[LayerKind::Plots], 10, 807, 420);
        cache.insert(k.clone(), tile(10), cache.epoch());
        cache.evict_touching(LayerKind::Plots, &[just_outside]);
        assert!(cache.get(&k).is_none());
    }

    #[test]
    fn a_tile_encoded_before_a_write_is_not_cached_after_it() {
        let mut cache = TileCache::new(1 << 20);
        let k = key(&[LayerKind::Plots], 5, 25, 13);
        let epoch = cache.epoch();
        cache.evict_touching(LayerKind::Plots, &[bbox(0.0, 0.0)]);
        cache.insert(k.clone(), tile(10), epoch);
        assert!(cache.get(&k).is_none());
        cache.insert(k.clone(), tile(10), cache.epoch());
        assert!(cache.get(&k).is_some());
    }

    #[test]
    fn stays_within_its_budget_dropping_the_least_recently_used() {
        let mut cache = TileCache::new(10_000);
        let keep = key(&[LayerKind::Plots], 14, 0, 0);
        cache.insert(keep.clone(), tile(300), cache.epoch());
        for x in 1..200 {
            assert!(cache.get(&keep).is_some(), "the tile in use stays");
            cache.insert(key(&[LayerKind::Plots], 14, x, 0), tile(300), cache.epoch());
            assert!(cache.stats().bytes <= 10_000);
        }
        let mut off = TileCache::new(0);
        off.insert(keep.clone(), tile(10), off.epoch());
        assert!(off.get(&keep).is_none(), "a zero budget caches nothing");
    }

    #[test]
    fn filtered_tiles_are_evicted_with_the_others_and_their_filters_bounded() {
        let mut cache = TileCache::new(1 << 24);
        let filtered = |f: &str| TileKey {
            filter: f.to_owned(),
            ..key(&[LayerKind::Parks, LayerKind::Plots], 5, 25, 13)
        };
        let a = filtered("status=available");
        cache.insert(a.clone(), tile(10), cache.epoch());
        assert!(cache.get(&a).is_some());
        assert!(
            cache
                .get(&key(&[LayerKind::Parks, LayerKind::Plots], 5, 25, 13))
                .is_none()
        );
        cache.evict_touching(LayerKind::Plots, &[bbox(103.9, 30.7)]);
        assert!(cache.get(&a).is_none(), "a write evicts the filtered tile");
        for i in 0..MAX_FILTERS + 10 {
            cache.insert(
                filtered(&format!("min_area_mu={i}")),
                tile(10),
                cache.epoch(),
            );
        }
        assert_eq!(cache.stats().entries, MAX_FILTERS, "filters are bounded");
        cache.evict_layer(LayerKind::Plots);
        assert_eq!(cache.stats().entries, 0);
        cache.insert(a.clone(), tile(10), cache.epoch());
        assert!(cache.get(&a).is_some(), "evicted filters free their places");
    }
}
