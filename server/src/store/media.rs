//! Panoramas, hotspots, tours, share links and usage counts in the store.
//!
//! These tables hold only plain columns (integers, reals, text; times as Unix
//! seconds), so one query text serves both stores: `on_pool!` runs it on
//! whichever pool the store has.

use serde::Serialize;

use super::{QueryContext, Store, StoreError};

/// A stored panorama scene.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct PanoramaRecord {
    /// Scene id.
    pub id: i64,
    /// Folder of its processed images under the data directory.
    pub content_id: String,
    /// Layer of the feature it shows.
    pub layer: String,
    /// That feature's id.
    pub feature_id: i64,
    /// Title.
    pub title: String,
    /// Camera position, when known.
    pub lon: Option<f64>,
    /// Camera position, when known.
    pub lat: Option<f64>,
    /// Compass heading of the image's centre, degrees.
    pub heading_deg: f64,
    /// Source width, pixels.
    pub width: i64,
    /// Source height, pixels.
    pub height: i64,
    /// Tile levels as JSON: `[{"face_size", "nb_tiles"}]`, smallest first.
    pub levels: String,
    /// Who uploaded it.
    pub created_by: String,
    /// When, Unix seconds.
    pub created_at: i64,
}

/// A new panorama scene (everything but its id).
#[derive(Debug, Clone)]
pub struct NewPanorama {
    /// Folder of its processed images.
    pub content_id: String,
    /// Layer.
    pub layer: String,
    /// Feature id.
    pub feature_id: i64,
    /// Title.
    pub title: String,
    /// Camera longitude.
    pub lon: Option<f64>,
    /// Camera latitude.
    pub lat: Option<f64>,
    /// Heading, degrees.
    pub heading_deg: f64,
    /// Width, pixels.
    pub width: i64,
    /// Height, pixels.
    pub height: i64,
    /// Levels JSON.
    pub levels: String,
    /// Uploader.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A hotspot in a scene: a link to another scene, or a note.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct HotspotRecord {
    /// Hotspot id.
    pub id: i64,
    /// Scene it is in.
    pub panorama_id: i64,
    /// Direction, degrees (0 = the image's centre, positive to the right).
    pub yaw_deg: f64,
    /// Elevation, degrees (positive up).
    pub pitch_deg: f64,
    /// Scene it leads to.
    pub target_id: Option<i64>,
    /// Note shown at it.
    pub note: Option<String>,
}

/// A stored tour.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct TourRecord {
    /// Tour id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Stops as JSON: `[{"panorama", "note"}]`.
    pub stops: String,
    /// Who made it.
    pub created_by: String,
    /// When, Unix seconds.
    pub created_at: i64,
}

/// A stored share link.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct ShareLinkRecord {
    /// Link id (signed into the link).
    pub id: i64,
    /// Tour shared.
    pub tour_id: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
}

/// Uses of one thing on one day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, sqlx::FromRow)]
pub struct UsageRow {
    /// What kind of use: `map_visit`, `card_view`, `search`, `match`,
    /// `panorama_view`, `tour_open`, `live_join`, `lead`.
    pub kind: String,
    /// Layer of the feature used, if any.
    pub layer: Option<String>,
    /// Feature used, if any.
    pub feature_id: Option<i64>,
    /// Other thing used (a panorama, a tour), if any.
    pub ref_id: Option<i64>,
    /// Day, counted from 1970-01-01 (UTC).
    pub day: i64,
    /// How many uses.
    pub n: i64,
}

const PANORAMA_COLUMNS: &str = "id, content_id, layer, feature_id, title, lon, lat, heading_deg, width, height, levels, created_by, created_at";

impl Store {
    /// Stores a scene; returns its id.
    pub async fn insert_panorama(&self, p: &NewPanorama) -> Result<i64, StoreError> {
        let sql = "INSERT INTO panoramas (content_id, layer, feature_id, title, lon, lat, heading_deg, width, height, levels, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(&p.content_id)
            .bind(&p.layer)
            .bind(p.feature_id)
            .bind(&p.title)
            .bind(p.lon)
            .bind(p.lat)
            .bind(p.heading_deg)
            .bind(p.width)
            .bind(p.height)
            .bind(&p.levels)
            .bind(&p.created_by)
            .bind(p.created_at)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a panorama".into())
    }

    /// One scene.
    pub async fn panorama(&self, id: i64) -> Result<Option<PanoramaRecord>, StoreError> {
        let sql = format!("SELECT {PANORAMA_COLUMNS} FROM panoramas WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as::<_, PanoramaRecord>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading panorama {id}"))
    }

    /// The scenes of a feature, oldest first.
    pub async fn panoramas_of(
        &self,
        layer: &str,
        feature_id: i64,
    ) -> Result<Vec<PanoramaRecord>, StoreError> {
        let sql = format!(
            "SELECT {PANORAMA_COLUMNS} FROM panoramas WHERE layer = $1 AND feature_id = $2 ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, PanoramaRecord>(&sql)
            .bind(layer)
            .bind(feature_id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the panoramas of {layer} {feature_id}"))
    }

    /// Adds a hotspot; returns its id.
    pub async fn insert_hotspot(
        &self,
        panorama_id: i64,
        yaw_deg: f64,
        pitch_deg: f64,
        target_id: Option<i64>,
        note: Option<&str>,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO hotspots (panorama_id, yaw_deg, pitch_deg, target_id, note) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(panorama_id)
            .bind(yaw_deg)
            .bind(pitch_deg)
            .bind(target_id)
            .bind(note)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a hotspot".into())
    }

    /// The hotspots of a scene.
    pub async fn hotspots(&self, panorama_id: i64) -> Result<Vec<HotspotRecord>, StoreError> {
        let sql = "SELECT id, panorama_id, yaw_deg, pitch_deg, target_id, note FROM hotspots WHERE panorama_id = $1 ORDER BY id";
        on_pool!(self, |pool| sqlx::query_as::<_, HotspotRecord>(sql)
            .bind(panorama_id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the hotspots of panorama {panorama_id}"))
    }

    /// Stores a tour; returns its id.
    pub async fn insert_tour(
        &self,
        title: &str,
        stops: &str,
        created_by: &str,
        created_at: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO tours (title, stops, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(title)
            .bind(stops)
            .bind(created_by)
            .bind(created_at)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a tour".into())
    }

    /// One tour.
    pub async fn tour(&self, id: i64) -> Result<Option<TourRecord>, StoreError> {
        let sql = "SELECT id, title, stops, created_by, created_at FROM tours WHERE id = $1";
        on_pool!(self, |pool| sqlx::query_as::<_, TourRecord>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading tour {id}"))
    }

    /// Records a share link of a tour; returns its id.
    pub async fn insert_share_link(
        &self,
        tour_id: i64,
        expires_at: i64,
        created_by: &str,
        created_at: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO share_links (tour_id, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(tour_id)
            .bind(expires_at)
            .bind(created_by)
            .bind(created_at)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a share link".into())
    }

    /// One share link.
    pub async fn share_link(&self, id: i64) -> Result<Option<ShareLinkRecord>, StoreError> {
        let sql = "SELECT id, tour_id, expires_at, revoked_at FROM share_links WHERE id = $1";
        on_pool!(self, |pool| sqlx::query_as::<_, ShareLinkRecord>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading share link {id}"))
    }

    /// Revokes a share link of a tour; returns whether a live one was revoked.
    pub async fn revoke_share_link(
        &self,
        tour_id: i64,
        id: i64,
        at: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE share_links SET revoked_at = $1 WHERE id = $2 AND tour_id = $3 AND revoked_at IS NULL";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(at)
            .bind(id)
            .bind(tour_id)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| format!("revoking share link {id}"))?;
        Ok(done == 1)
    }

    /// Adds counted uses (see [`crate::usage`]) in one transaction.
    pub async fn add_uses(&self, uses: &[UsageRow]) -> Result<(), StoreError> {
        let sql = "INSERT INTO usage_events (n, kind, layer, feature_id, ref_id, at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            for u in uses {
                sqlx::query(sql)
                    .bind(u.n)
                    .bind(&u.kind)
                    .bind(&u.layer)
                    .bind(u.feature_id)
                    .bind(u.ref_id)
                    .bind(u.day * 86_400)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await)
        .doing(|| "recording usage counts".into())
    }

    /// Uses counted in `[from, to)` Unix seconds, per kind, thing and day.
    pub async fn usage(&self, from: i64, to: i64) -> Result<Vec<UsageRow>, StoreError> {
        let sql = "SELECT kind, layer, feature_id, ref_id, at / 86400 AS day, CAST(SUM(n) AS BIGINT) AS n FROM usage_events \
                   WHERE at >= $1 AND at < $2 GROUP BY kind, layer, feature_id, ref_id, at / 86400";
        on_pool!(self, |pool| sqlx::query_as::<_, UsageRow>(sql)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)
        .doing(|| "reading usage counts".into())
    }

    /// A setting, stored as `value` by whichever instance asks first: every
    /// instance on the store then reads the same value.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ()))
        .doing(|| format!("storing the setting {key}"))?;
        self.setting(key).await?.ok_or_else(|| StoreError::Query {
            doing: format!("reading the setting {key}"),
            source: sqlx::Error::RowNotFound,
        })
    }

    /// A setting's value, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(key)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading the setting {key}"))
    }

    /// Sets a setting, replacing any value.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ()))
        .doing(|| format!("storing the setting {key}"))
    }
}
