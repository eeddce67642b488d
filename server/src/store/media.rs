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
    /// `processing`, `ready` or `failed` (see [`PanoramaStatus`]).
    pub status: String,
    /// Why processing failed, for a failed scene.
    pub error: Option<String>,
    /// Direction the scene opens at, degrees, when set.
    pub initial_yaw_deg: Option<f64>,
    /// Elevation the scene opens at, degrees, when set.
    pub initial_pitch_deg: Option<f64>,
    /// The viewer's zoom level (0..100) the scene opens at, when set.
    pub initial_zoom: Option<f64>,
}

/// Where a scene is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanoramaStatus {
    /// Received; being cut into tiles in the background.
    Processing,
    /// Its images are there to be served.
    Ready,
    /// Processing refused the image or broke down; the reason is kept.
    Failed,
}

impl PanoramaStatus {
    /// The name stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }
}

/// What a staffer may change of a scene; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PanoramaChange {
    /// New title.
    pub title: Option<String>,
    /// New camera position (lon, lat).
    pub position: Option<(f64, f64)>,
    /// New heading, degrees.
    pub heading_deg: Option<f64>,
    /// New initial view: yaw and pitch in degrees, zoom level.
    pub initial_view: Option<(f64, f64, f64)>,
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
    /// Its processing state when stored.
    pub status: PanoramaStatus,
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
    /// Who made it.
    pub created_by: String,
    /// When, Unix seconds.
    pub created_at: i64,
    /// How many times the shared tour was opened through it.
    pub views: i64,
}

/// What deleting a scene left behind for the caller to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedPanorama {
    /// The folder of its images, when no other scene shows the same picture.
    pub unused_content: Option<String>,
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

const PANORAMA_COLUMNS: &str = "id, content_id, layer, feature_id, title, lon, lat, heading_deg, width, height, levels, created_by, created_at, \
     status, error, initial_yaw_deg, initial_pitch_deg, initial_zoom";
const SHARE_LINK_COLUMNS: &str =
    "id, tour_id, expires_at, revoked_at, created_by, created_at, views";

impl Store {
    /// Stores a scene; returns its id.
    pub async fn insert_panorama(&self, p: &NewPanorama) -> Result<i64, StoreError> {
        let sql = "INSERT INTO panoramas (content_id, layer, feature_id, title, lon, lat, heading_deg, width, height, levels, created_by, created_at, status) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id";
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
            .bind(p.status.as_str())
            .fetch_one(pool)
            .await)
        .doing(|| "storing a panorama".into())
    }

    /// Marks a scene still processing as ready, with what processing made of
    /// it. False when the scene was deleted meanwhile.
    pub async fn finish_panorama(
        &self,
        id: i64,
        content_id: &str,
        width: i64,
        height: i64,
        levels: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE panoramas SET status = 'ready', error = NULL, content_id = $1, width = $2, height = $3, levels = $4 \
                   WHERE id = $5 AND status = 'processing'";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(content_id)
            .bind(width)
            .bind(height)
            .bind(levels)
            .bind(id)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| format!("marking panorama {id} ready"))?;
        Ok(done == 1)
    }

    /// Marks a scene still processing as failed, with the reason.
    pub async fn fail_panorama(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let sql = "UPDATE panoramas SET status = 'failed', error = $1 WHERE id = $2 AND status = 'processing'";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
        .doing(|| format!("marking panorama {id} failed"))
    }

    /// Marks as failed, with the reason, the scenes still processing that
    /// were uploaded before `before` (Unix seconds); returns how many.
    pub async fn fail_panoramas_processing_since(
        &self,
        before: i64,
        error: &str,
    ) -> Result<u64, StoreError> {
        let sql = "UPDATE panoramas SET status = 'failed', error = $1 WHERE status = 'processing' AND created_at < $2";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(error)
            .bind(before)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| "failing panoramas whose processing was lost".into())
    }

    /// Scenes in any state, oldest first, of one layer or one feature when asked.
    pub async fn panoramas(
        &self,
        layer: Option<&str>,
        feature_id: Option<i64>,
    ) -> Result<Vec<PanoramaRecord>, StoreError> {
        let sql = format!(
            "SELECT {PANORAMA_COLUMNS} FROM panoramas \
             WHERE ($1 IS NULL OR layer = $1) AND ($2 IS NULL OR feature_id = $2) ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, PanoramaRecord>(&sql)
            .bind(layer)
            .bind(feature_id)
            .fetch_all(pool)
            .await)
        .doing(|| "listing panoramas".into())
    }

    /// Applies a change to a scene; false when there is no such scene.
    pub async fn change_panorama(
        &self,
        id: i64,
        change: &PanoramaChange,
    ) -> Result<bool, StoreError> {
        // Each column is set to the new value when one is given, else kept:
        // one statement, so two staffers changing different fields both win.
        let sql = "UPDATE panoramas SET \
                   title = COALESCE($1, title), \
                   lon = CASE WHEN $2 THEN $3 ELSE lon END, \
                   lat = CASE WHEN $2 THEN $4 ELSE lat END, \
                   heading_deg = COALESCE($5, heading_deg), \
                   initial_yaw_deg = CASE WHEN $6 THEN $7 ELSE initial_yaw_deg END, \
                   initial_pitch_deg = CASE WHEN $6 THEN $8 ELSE initial_pitch_deg END, \
                   initial_zoom = CASE WHEN $6 THEN $9 ELSE initial_zoom END \
                   WHERE id = $10";
        let (lon, lat) = change.position.unzip();
        let view = change.initial_view;
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(change.title.as_deref())
            .bind(change.position.is_some())
            .bind(lon)
            .bind(lat)
            .bind(change.heading_deg)
            .bind(view.is_some())
            .bind(view.map(|v| v.0))
            .bind(view.map(|v| v.1))
            .bind(view.map(|v| v.2))
            .bind(id)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| format!("changing panorama {id}"))?;
        Ok(done == 1)
    }

    /// Deletes a scene with its hotspots, the hotspots leading to it and its
    /// stops in tours, in one transaction. `None` when there is no such scene.
    pub async fn delete_panorama(&self, id: i64) -> Result<Option<DeletedPanorama>, StoreError> {
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let content: Option<String> =
                sqlx::query_scalar("SELECT content_id FROM panoramas WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(content) = content else {
                return Ok(None);
            };
            sqlx::query("DELETE FROM hotspots WHERE panorama_id = $1 OR target_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let tours: Vec<(i64, String)> = sqlx::query_as("SELECT id, stops FROM tours")
                .fetch_all(&mut *tx)
                .await?;
            for (tour, stops) in tours {
                if let Some(kept) = stops_without(&stops, id) {
                    sqlx::query("UPDATE tours SET stops = $1 WHERE id = $2")
                        .bind(kept)
                        .bind(tour)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query("DELETE FROM panoramas WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // A scene still processing has no folder yet; the same picture
            // uploaded twice shares one.
            let others: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM panoramas WHERE content_id = $1")
                    .bind(&content)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(DeletedPanorama {
                unused_content: (!content.is_empty() && others == 0).then_some(content),
            }))
        }
        .await)
        .doing(|| format!("deleting panorama {id}"))
    }

    /// Whether any scene shows the picture in this folder.
    pub async fn content_in_use(&self, content_id: &str) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM panoramas WHERE content_id = $1";
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(content_id)
            .fetch_one(pool)
            .await)
        .doing(|| "looking for scenes of a picture".into())?;
        Ok(n > 0)
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

    /// Deletes a hotspot of a scene; false when the scene has no such hotspot.
    pub async fn delete_hotspot(&self, panorama_id: i64, id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM hotspots WHERE id = $1 AND panorama_id = $2";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(panorama_id)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| format!("deleting hotspot {id}"))?;
        Ok(done == 1)
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

    /// Every tour, newest first.
    pub async fn tours(&self) -> Result<Vec<TourRecord>, StoreError> {
        let sql = "SELECT id, title, stops, created_by, created_at FROM tours ORDER BY id DESC";
        on_pool!(self, |pool| sqlx::query_as::<_, TourRecord>(sql)
            .fetch_all(pool)
            .await)
        .doing(|| "listing tours".into())
    }

    /// Replaces a tour's title and stops; false when there is no such tour.
    pub async fn update_tour(&self, id: i64, title: &str, stops: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE tours SET title = $1, stops = $2 WHERE id = $3";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(title)
            .bind(stops)
            .bind(id)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))
        .doing(|| format!("changing tour {id}"))?;
        Ok(done == 1)
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
        let sql = format!("SELECT {SHARE_LINK_COLUMNS} FROM share_links WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as::<_, ShareLinkRecord>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading share link {id}"))
    }

    /// The share links of a tour, newest first, revoked ones included.
    pub async fn share_links_of(&self, tour_id: i64) -> Result<Vec<ShareLinkRecord>, StoreError> {
        let sql = format!(
            "SELECT {SHARE_LINK_COLUMNS} FROM share_links WHERE tour_id = $1 ORDER BY id DESC"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, ShareLinkRecord>(&sql)
            .bind(tour_id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the share links of tour {tour_id}"))
    }

    /// Counts one opening of the tour through a share link.
    pub async fn count_share_link_view(&self, id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE share_links SET views = views + 1 WHERE id = $1";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
        .doing(|| format!("counting a view of share link {id}"))
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

/// A tour's stops (JSON) without those showing `panorama`, or `None` when it
/// has none of them (or cannot be read, and is then left as it is).
fn stops_without(stops: &str, panorama: i64) -> Option<String> {
    let list: Vec<serde_json::Value> = serde_json::from_str(stops).ok()?;
    let kept: Vec<&serde_json::Value> = list
        .iter()
        .filter(|s| s["panorama"].as_i64() != Some(panorama))
        .collect();
    (kept.len() != list.len())
        .then(|| serde_json::Value::from_iter(kept.into_iter().cloned()).to_string())
}

#[cfg(test)]
mod tests {
    use super::stops_without;

    #[test]
    fn a_deleted_scene_leaves_the_tours_it_was_in() {
        let stops =
            r#"[{"panorama":1,"note":"a"},{"panorama":2,"note":"b"},{"panorama":1,"note":"c"}]"#;
        let kept: serde_json::Value =
            serde_json::from_str(&stops_without(stops, 1).unwrap()).unwrap();
        assert_eq!(kept, serde_json::json!([{"panorama": 2, "note": "b"}]));
        assert_eq!(stops_without(stops, 3), None);
        assert_eq!(stops_without("not json", 1), None);
    }
}
