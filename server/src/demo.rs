//! What the demo shows besides its features: every park's incentive rules,
//! panoramas of a dozen sites with hotspots, and three tours. Added once,
//! right after the demo features fill an empty store.
//!
//! The panoramas are drawn from code ([`siteatlas_fixtures::panoramas`]) and
//! cut into tiles by the same [`siteatlas_panorama`] pipeline as uploads.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use siteatlas_advisor::PolicyRules;
use siteatlas_fixtures::panoramas::{self, DemoScene};
use siteatlas_tiles::{Atlas, LayerKind};

use crate::routes::advice::policy_key;
use crate::routes::panoramas::media_root;
use crate::store::{NewPanorama, PanoramaStatus, Store};

/// Names the cache's folders being filled.
const STAGING_PREFIX: &str = ".demo-panoramas-";

/// Who the demo's panoramas and tours are credited to.
const AUTHOR: &str = "演示数据";

/// Stores the demo parks' incentive rules, panoramas and tours.
pub async fn seed_extras(store: &Store, atlas: &Atlas, data_dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    for rules in demo_policies()? {
        let text = serde_json::to_string(&rules)?;
        store.set_setting(&policy_key(&rules.park), &text).await?;
    }
    let placed: Vec<(DemoScene, u64, f64, f64)> = panoramas::SCENES
        .iter()
        .map(|scene| {
            let (id, lon, lat) = site(atlas, scene)
                .with_context(|| format!("demo panorama of {}: no such site", scene.site))?;
            Ok((*scene, id, lon, lat))
        })
        .collect::<anyhow::Result<_>>()?;
    let processed = tokio::task::spawn_blocking({
        let root = media_root(data_dir);
        move || drawn_scenes(&root)
    })
    .await??;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let mut ids = Vec::with_capacity(placed.len());
    for ((scene, feature, lon, lat), done) in placed.iter().zip(&processed) {
        let id = store
            .insert_panorama(&NewPanorama {
                content_id: done.content_id.clone(),
                layer: scene.layer.to_owned(),
                feature_id: *feature as i64,
                title: scene.title.to_owned(),
                lon: Some(*lon),
                lat: Some(*lat),
                heading_deg: scene.heading_deg,
                width: i64::from(done.width),
                height: i64::from(done.height),
                levels: done.levels.to_string(),
                created_by: AUTHOR.to_owned(),
                created_at: now,
                status: PanoramaStatus::Ready,
            })
            .await?;
        ids.push(id);
    }
    for (scene, id) in panoramas::SCENES.iter().zip(&ids) {
        let (yaw, pitch, note) = scene.note;
        store
            .insert_hotspot(*id, yaw, pitch, None, Some(note))
            .await?;
    }
    for (from, to, yaw) in panoramas::LINKS {
        store
            .insert_hotspot(ids[from], yaw, -5.0, Some(ids[to]), None)
            .await?;
        store
            .insert_hotspot(ids[to], yaw - 180.0, -5.0, Some(ids[from]), None)
            .await?;
    }
    for tour in panoramas::TOURS {
        let stops: Vec<_> = tour
            .stops
            .iter()
            .map(|(scene, note)| json!({"panorama": ids[*scene], "note": note}))
            .collect();
        store
            .insert_tour(tour.title, &serde_json::to_string(&stops)?, AUTHOR, now)
            .await?;
    }
    tracing::info!(
        panoramas = ids.len(),
        tours = panoramas::TOURS.len(),
        seconds = started.elapsed().as_secs_f64(),
        "demo panoramas, tours and incentive rules added"
    );
    Ok(())
}

/// A drawn scene, processed: what its panorama row needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DrawnScene {
    content_id: String,
    width: u32,
    height: u32,
    /// `[{"face_size", "nb_tiles"}]`, as stored.
    levels: Value,
}

/// The demo scenes drawn and cut into tiles under `root`, in [`panoramas::SCENES`] order.
///
/// Drawing and tiling seventeen scenes takes seconds of CPU, and every
/// empty store (each test's too) needs them: they are made once per version
/// of the drawing and of the tiling in the user's cache folder, and copied
/// from there. Without a usable cache folder they are made in place.
fn drawn_scenes(root: &Path) -> anyhow::Result<Vec<DrawnScene>> {
    if let Some(cache) = cache_dir() {
        match copied_from_cache(&cache, root) {
            Ok(scenes) => return Ok(scenes),
            Err(e) => tracing::warn!(cache = %cache.display(), "demo panoramas not cached: {e:#}"),
        }
    }
    draw_scenes(root)
}

/// The scenes from the cache at `cache` (filled first if empty), copied under `root`.
fn copied_from_cache(cache: &Path, root: &Path) -> anyhow::Result<Vec<DrawnScene>> {
    let manifest_path = cache.join("scenes.json");
    if !manifest_path.is_file() {
        let parent = cache.parent().context("a cache folder has a parent")?;
        std::fs::create_dir_all(parent)?;
        // One process draws while the others (tests starting together) wait
        // for its copy rather than drawing their own.
        let lock = std::fs::File::create(parent.join("demo-panoramas.lock"))?;
        lock.lock()?;
        if !manifest_path.is_file() {
            // Whatever another process left half made, it left for good: it
            // was drawing under this lock.
            for entry in std::fs::read_dir(parent)?.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(STAGING_PREFIX)
                {
                    std::fs::remove_dir_all(entry.path()).ok();
                }
            }
            // Made beside, then renamed: a copy appears whole or not at all.
            let staging = tempfile::Builder::new()
                .prefix(STAGING_PREFIX)
                .tempdir_in(parent)?;
            let scenes = draw_scenes(staging.path())?;
            std::fs::write(
                staging.path().join("scenes.json"),
                serde_json::to_vec(&scenes)?,
            )?;
            std::fs::rename(staging.keep(), cache)?;
        }
    }
    let scenes: Vec<DrawnScene> = serde_json::from_slice(&std::fs::read(&manifest_path)?)?;
    std::fs::create_dir_all(root)?;
    for scene in &scenes {
        let target = root.join(&scene.content_id);
        if !target.exists() {
            copy_tree(&cache.join(&scene.content_id), &target)?;
        }
    }
    Ok(scenes)
}

/// Draws and processes every demo scene into `root`.
fn draw_scenes(root: &Path) -> anyhow::Result<Vec<DrawnScene>> {
    panoramas::SCENES
        .par_iter()
        .map(|scene| {
            let pixels = panoramas::render(scene, panoramas::WIDTH);
            let image = RgbImage::from_raw(panoramas::WIDTH, panoramas::WIDTH / 2, pixels)
                .context("a drawn scene is width × height × 3 bytes")?;
            let done = siteatlas_panorama::process_image(image, root)?;
            Ok(DrawnScene {
                levels: done
                    .levels
                    .iter()
                    .map(|l| json!({"face_size": l.face_size, "nb_tiles": l.nb_tiles}))
                    .collect(),
                content_id: done.id,
                width: done.width,
                height: done.height,
            })
        })
        .collect()
}

/// `$XDG_CACHE_HOME/siteatlas/demo-panoramas-<digest>` (or under `~/.cache`),
/// the digest naming the drawing's source and the tiling's version.
fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let mut digest = Sha256::new();
    digest.update(panoramas::SOURCE.as_bytes());
    digest.update(siteatlas_panorama::OUTPUT_VERSION);
    let hex: String = digest.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(base.join("siteatlas").join(format!("demo-panoramas-{hex}")))
}

/// Copies a folder's files (hard links where the file system allows).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The demo parks' incentive rules, checked as an admin's would be.
pub fn demo_policies() -> anyhow::Result<Vec<PolicyRules>> {
    let all: Vec<serde_json::Value> = serde_json::from_str(siteatlas_fixtures::demo::POLICIES)?;
    all.iter()
        .map(|v| Ok(PolicyRules::from_json(&v.to_string())?))
        .collect()
}

/// The id of a scene's site and the camera's position: the middle of the
/// site's bounds, moved by the scene's offset.
fn site(atlas: &Atlas, scene: &DemoScene) -> Option<(u64, f64, f64)> {
    let layer: LayerKind = scene.layer.parse().ok()?;
    let (id, bbox) = match layer {
        LayerKind::Plots => atlas
            .plots
            .iter()
            .find(|e| e.feature.code == scene.site)
            .map(|e| (e.feature.id, e.bbox))?,
        LayerKind::Factories => atlas
            .factories
            .iter()
            .find(|e| e.feature.code == scene.site)
            .map(|e| (e.feature.id, e.bbox))?,
        _ => return None,
    };
    let centre = bbox.center();
    let (east, north) = scene.offset_m;
    let lat = centre.y + north / 110_574.0;
    let lon = centre.x + east / (111_320.0 * centre.y.to_radians().cos());
    Some((id, lon, lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_park_has_rules_with_a_source() {
        let rules = demo_policies().unwrap();
        let parks: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(
            siteatlas_fixtures::demo::PARKS,
        )
        .unwrap()["features"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(rules.len(), parks.len());
        for park in &parks {
            let code = park["properties"]["code"].as_str().unwrap();
            let r = rules.iter().find(|r| r.park == code).expect(code);
            assert!(r.rules.len() >= 3, "{code}");
            assert!(r.rules.iter().all(|rule| rule.source.is_some()), "{code}");
        }
    }
}
