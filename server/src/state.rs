//! Shared server state: the index, the tile cache, the store, the metrics.

use std::path::PathBuf;
use std::sync::Arc;

use geo::Rect;
use parking_lot::{Mutex, RwLock};
use siteatlas_tiles::{Atlas, LayerKind};
use tokio::sync::broadcast;

use crate::features::{self, ParsedRows};
use crate::live::LiveHub;
use crate::metrics::Metrics;
use crate::session::{LeadLimits, SignInLimiter, SigningKey};
use crate::store::{LOAD_CHUNK, NewRow, Store, StoreError, StoredRow, WriteSummary};
use crate::tile_cache::TileCache;
use crate::tile_flights::TileFlights;
use crate::unreadable::{UnreadableRow, UnreadableRows};
use crate::usage::UsageCounter;

/// Everything a request handler needs, by concern: the map (index, store,
/// tiles, changes), who may do what (access), what happens on it
/// (activity), and how this instance is set up (config).
pub struct AppState {
    /// The in-memory index; writers hold it only to change one feature.
    pub atlas: RwLock<Atlas>,
    /// The store of record.
    pub store: Store,
    /// Encoded tiles and the encodings under way.
    pub tiles: TileService,
    /// Every applied change, for open maps (`/api/events`).
    pub changes: broadcast::Sender<ChangeEvent>,
    /// Stored rows left out of the index because they cannot be read.
    pub unreadable: UnreadableRows,
    /// Signatures, sign-in and form limits, trusted proxies.
    pub access: Access,
    /// Live guided tours in progress on this instance.
    pub live: Arc<LiveHub>,
    /// Usage counts not yet written.
    pub usage: Arc<UsageCounter>,
    /// Request statistics.
    pub metrics: Metrics,
    /// This instance's set-up.
    pub config: Config,
}

/// Encoded tiles.
pub struct TileService {
    /// Encoded tiles, by layers, address and filter.
    pub cache: Mutex<TileCache>,
    /// Tiles being encoded, so that concurrent misses encode once.
    pub flights: TileFlights,
}

/// Who may do what, and how often.
pub struct Access {
    /// Signs session cookies and share links.
    pub signing_key: SigningKey,
    /// Failed sign-ins per client address.
    pub sign_ins: SignInLimiter,
    /// Public forms (leads) per client address, per session and per contact.
    pub form_limiter: LeadLimits,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::proxy::Cidr>,
}

/// How this instance serves, besides its map.
pub struct Config {
    /// Built web app served at `/` for browsers, when present.
    pub web_dir: Option<PathBuf>,
    /// What the web app needs to know (basemap).
    pub client_config: serde_json::Value,
    /// Largest upload (imports, panoramas), bytes.
    pub upload_limit_bytes: usize,
    /// Where files (panoramas) are kept.
    pub data_dir: PathBuf,
}

/// How a server is set up, beyond its store and index.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Tile cache size, bytes (0: no cache).
    pub tile_cache_bytes: usize,
    /// Built web app served at `/`, when present.
    pub web_dir: Option<PathBuf>,
    /// What the web app needs to know (basemap).
    pub client_config: serde_json::Value,
    /// Signs session cookies and share links.
    pub signing_key: SigningKey,
    /// Largest upload, bytes.
    pub upload_limit_bytes: usize,
    /// Where files (panoramas) are kept.
    pub data_dir: PathBuf,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::proxy::Cidr>,
    /// STUN/TURN servers the live tours' browsers connect their voice through.
    pub ice_servers: Vec<crate::live::IceServer>,
}

/// A change as open maps hear of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangeEvent {
    /// Layer changed.
    pub layer: LayerKind,
    /// Feature id, absent when the whole layer was reloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// New version, absent for removals and reloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// The state as handlers share it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// State over a loaded atlas and the rows that could not be loaded.
    pub fn new(store: Store, loaded: LoadedAtlas, settings: Settings) -> SharedState {
        let unreadable = UnreadableRows::default();
        for row in loaded.unreadable {
            unreadable.record(row);
        }
        let atlas = loaded.atlas;
        Arc::new(Self {
            atlas: RwLock::new(atlas),
            store,
            tiles: TileService {
                cache: Mutex::new(TileCache::new(settings.tile_cache_bytes)),
                flights: TileFlights::default(),
            },
            changes: broadcast::channel(1024).0,
            unreadable,
            access: Access {
                signing_key: settings.signing_key,
                sign_ins: SignInLimiter::default(),
                form_limiter: LeadLimits::default(),
                trusted_proxies: settings.trusted_proxies,
            },
            live: Arc::new(LiveHub::new(settings.ice_servers)),
            usage: Arc::default(),
            metrics: Metrics::default(),
            config: Config {
                web_dir: settings.web_dir.filter(|d| d.join("index.html").is_file()),
                client_config: settings.client_config,
                upload_limit_bytes: settings.upload_limit_bytes,
                data_dir: settings.data_dir,
            },
        })
    }

    /// Applies stored rows of one layer (new or changed features) and forgets
    /// `removed` ids, evicting the tiles they touch. Returns when every later
    /// request sees the change. A row that cannot be read (written behind the
    /// server's back) is taken off the map and reported, like at start-up.
    pub fn apply_rows(
        &self,
        layer: LayerKind,
        rows: Vec<StoredRow>,
        removed: &[u64],
    ) -> Result<(), StoreError> {
        let ParsedRows {
            features,
            unreadable,
        } = features::parse_rows(layer, rows);
        let mut gone: Vec<u64> = removed.to_vec();
        for bad in unreadable {
            bad.log();
            gone.extend(u64::try_from(bad.id).ok());
            self.unreadable.record(bad);
        }
        let mut events: Vec<ChangeEvent> = Vec::new();
        {
            let mut atlas = self.atlas.write();
            let mut boxes: Vec<Rect<f64>> = Vec::new();
            for f in features {
                let (id, version) = f.id_and_version();
                self.unreadable.forget(layer, id as i64);
                let touched = f.apply(&mut atlas);
                if !touched.is_empty() {
                    events.push(ChangeEvent {
                        layer,
                        id: Some(id),
                        version: Some(version),
                    });
                }
                boxes.extend(touched);
            }
            for id in &gone {
                if removed.contains(id) {
                    self.unreadable.forget(layer, *id as i64);
                }
                if let Some(b) = features::remove(&mut atlas, layer, *id) {
                    boxes.push(b);
                    events.push(ChangeEvent {
                        layer,
                        id: Some(*id),
                        version: None,
                    });
                }
            }
            // Evict while still holding the index: see `TileCache` on write epochs.
            self.tiles.cache.lock().evict_touching(layer, &boxes);
        }
        for e in events {
            // No open map listening is fine.
            let _ = self.changes.send(e);
        }
        Ok(())
    }

    /// Writes rows to the store of record (one transaction), then applies
    /// them here; other instances learn of it through the store's notice.
    /// When this returns, no request to this instance sees the old data.
    pub async fn write(
        &self,
        batches: &[(LayerKind, Vec<NewRow>)],
    ) -> Result<Vec<WriteSummary>, StoreError> {
        let summaries = self.store.upsert(batches).await?;
        for ((layer, _), summary) in batches.iter().zip(&summaries) {
            let rows = self.store.load_rows(*layer, &summary.ids).await?;
            self.apply_rows(*layer, rows, &[])?;
        }
        Ok(summaries)
    }

    /// Replaces one layer with all its rows (after a bulk change).
    pub fn replace_layer(&self, layer: LayerKind, parsed: ParsedRows) {
        for bad in &parsed.unreadable {
            bad.log();
        }
        self.unreadable.replace_layer(layer, parsed.unreadable);
        let mut fresh = Atlas::default();
        features::rebuild_layer(&mut fresh, layer, parsed.features);
        let mut atlas = self.atlas.write();
        // The swap leaves the old layer in `fresh`, to be freed after the
        // lock is released: freeing a large layer takes a while.
        match layer {
            LayerKind::Parks => std::mem::swap(&mut atlas.parks, &mut fresh.parks),
            LayerKind::Plots => std::mem::swap(&mut atlas.plots, &mut fresh.plots),
            LayerKind::Factories => std::mem::swap(&mut atlas.factories, &mut fresh.factories),
            LayerKind::Pois => std::mem::swap(&mut atlas.pois, &mut fresh.pois),
            LayerKind::Offices => std::mem::swap(&mut atlas.offices, &mut fresh.offices),
        }
        self.tiles.cache.lock().evict_layer(layer);
        drop(atlas);
        drop(fresh);
        let _ = self.changes.send(ChangeEvent {
            layer,
            id: None,
            version: None,
        });
    }
}

/// Loads one layer's rows from the store. Rows are parsed in chunks on
/// blocking threads while later rows are still arriving.
pub async fn load_layer(store: &Store, layer: LayerKind) -> Result<ParsedRows, StoreError> {
    let mut parsing = Vec::new();
    store
        .for_each_chunk(layer, LOAD_CHUNK, |chunk| {
            parsing.push(tokio::task::spawn_blocking(move || {
                features::parse_rows(layer, chunk)
            }));
        })
        .await?;
    let mut all = ParsedRows::default();
    for task in parsing {
        let chunk = task.await.expect("parsing task panicked");
        all.features.extend(chunk.features);
        all.unreadable.extend(chunk.unreadable);
    }
    Ok(all)
}

/// Every layer of the store, indexed, and the rows left out of it.
#[derive(Debug, Default)]
pub struct LoadedAtlas {
    /// The index.
    pub atlas: Atlas,
    /// Rows that cannot be read, already logged.
    pub unreadable: Vec<UnreadableRow>,
}

/// Loads every layer of the store into a new atlas. A row that cannot be
/// read is logged and left out; it never stops the load.
pub async fn load_atlas(store: &Store) -> Result<LoadedAtlas, StoreError> {
    let mut loaded = LoadedAtlas::default();
    for layer in LayerKind::ALL {
        let parsed = load_layer(store, layer).await?;
        for bad in &parsed.unreadable {
            bad.log();
        }
        loaded.unreadable.extend(parsed.unreadable);
        let mut atlas = std::mem::take(&mut loaded.atlas);
        loaded.atlas = tokio::task::spawn_blocking(move || {
            features::rebuild_layer(&mut atlas, layer, parsed.features);
            atlas
        })
        .await
        .expect("index building task panicked");
    }
    Ok(loaded)
}
