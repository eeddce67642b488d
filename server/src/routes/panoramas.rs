//! Panoramas (VR看厂, 云看地): upload and processing, scenes with hotspots,
//! and the processed images under `/media/panoramas/`.
//!
//! An upload streams to a temporary file under the data directory, is checked
//! and cut into cube-face tiles by [`siteatlas_panorama`] on a blocking
//! thread, and lands content-addressed under `<data>/panoramas/<id>/`; the
//! uploaded bytes themselves are never served, and the temporary file is
//! removed whatever happens.

use std::path::{Path, PathBuf};
use std::sync::{OnceLock, mpsc};

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use siteatlas_tiles::LayerKind;
use tokio::io::AsyncWriteExt;

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::routes::features::{parse_id, parse_layer};
use crate::session::unix_now;
use crate::state::SharedState;
use crate::store::{HotspotRecord, NewPanorama, PanoramaRecord};

/// Where processed panoramas are kept, under the data directory.
pub fn media_root(data_dir: &Path) -> PathBuf {
    data_dir.join("panoramas")
}

/// The URL prefix the processed images are served under.
pub const MEDIA_PREFIX: &str = "/media/panoramas";

/// The park a feature belongs to (a park is its own), if the feature exists.
pub fn park_of(state: &SharedState, layer: LayerKind, id: u64) -> Option<Option<String>> {
    let atlas = state.atlas.read();
    match layer {
        LayerKind::Parks => atlas.parks.get(id).map(|f| Some(f.code.clone())),
        LayerKind::Plots => atlas.plots.get(id).map(|f| f.attrs.park.clone()),
        LayerKind::Factories => atlas.factories.get(id).map(|f| f.attrs.park.clone()),
        LayerKind::Pois => None,
    }
}

/// Promoters and admins manage panoramas anywhere; officers for their own parks.
fn may_manage(actor: &Actor, park: Option<&str>) -> bool {
    match actor.role {
        Role::Admin | Role::Promoter => true,
        Role::Officer => actor.may_edit_park(park),
    }
}

fn forbidden(actor: &Actor, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("{} may not {what}", actor.name),
    )
}

/// A scene as the API shows it, with its URLs.
pub fn scene_json(p: &PanoramaRecord, hotspots: &[HotspotRecord]) -> Value {
    let base = format!("{MEDIA_PREFIX}/{}", p.content_id);
    json!({
        "id": p.id,
        "layer": p.layer,
        "feature": p.feature_id,
        "title": p.title,
        "lon": p.lon,
        "lat": p.lat,
        "heading_deg": p.heading_deg,
        "width": p.width,
        "height": p.height,
        "levels": serde_json::from_str::<Value>(&p.levels).unwrap_or(Value::Null),
        "thumbnail_url": format!("{base}/{}", siteatlas_panorama::THUMBNAIL_FILE),
        "preview_url": format!("{base}/{}", siteatlas_panorama::PREVIEW_FILE),
        "tile_url_template": format!("{base}/tiles/{{level}}/{{face}}/{{row}}_{{col}}.jpg"),
        "hotspots": hotspots.iter().map(|h| json!({
            "id": h.id, "yaw_deg": h.yaw_deg, "pitch_deg": h.pitch_deg,
            "target": h.target_id, "note": h.note,
        })).collect::<Vec<_>>(),
    })
}

/// A temporary upload file, removed when dropped.
struct TempUpload(PathBuf);

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Work for the panorama thread.
type PanoramaJob = Box<dyn FnOnce() + Send>;

/// Runs `job` on the one long-lived thread that processes panoramas, one
/// upload at a time. Processing is CPU-heavy (with rayon inside), so uploads
/// queue rather than compete with tiles and search for the cores; and one
/// upload's working memory is reused by the next instead of being left
/// behind in the heaps of short-lived threads.
async fn on_panorama_worker<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    static WORKER: OnceLock<mpsc::Sender<PanoramaJob>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (sender, jobs) = mpsc::channel::<PanoramaJob>();
        std::thread::Builder::new()
            .name("panoramas".into())
            .spawn(move || {
                for job in jobs {
                    // A panicking job drops its reply sender (a 500 for that
                    // upload) and the thread goes on with the next.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .expect("starting the panorama thread");
        sender
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    worker
        .send(Box::new(move || {
            let _ = reply.send(job());
        }))
        .map_err(ApiError::internal)?;
    answer.await.map_err(ApiError::internal)
}

fn bad(name: &str, reason: impl std::fmt::Display) -> ApiError {
    ApiError::bad_parameter(name, reason)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "upload_too_large"
    } else {
        "invalid_upload"
    };
    ApiError::new(status, code, e.body_text())
}

/// The form of `POST /api/panoramas`, as read.
#[derive(Default)]
struct UploadForm {
    image: Option<TempUpload>,
    layer: Option<String>,
    feature: Option<String>,
    title: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    heading_deg: Option<String>,
}

async fn read_form(state: &SharedState, mut multipart: Multipart) -> Result<UploadForm, ApiError> {
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "image" {
            let dir = state.data_dir.join("uploads");
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(ApiError::internal)?;
            let mut random = [0u8; 16];
            getrandom::fill(&mut random).map_err(ApiError::internal)?;
            let temp = TempUpload(dir.join(format!("{}.part", crate::auth::hex(&random))));
            let mut file = tokio::fs::File::create(&temp.0)
                .await
                .map_err(ApiError::internal)?;
            // Streamed to disk chunk by chunk: a large upload never sits in memory.
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                file.write_all(&chunk).await.map_err(ApiError::internal)?;
            }
            file.flush().await.map_err(ApiError::internal)?;
            form.image = Some(temp);
            continue;
        }
        let text = field.text().await.map_err(multipart_error)?;
        if text.len() > 500 {
            return Err(bad(&name, "longer than 500 bytes"));
        }
        let slot = match name.as_str() {
            "layer" => &mut form.layer,
            "feature" => &mut form.feature,
            "title" => &mut form.title,
            "lon" => &mut form.lon,
            "lat" => &mut form.lat,
            "heading_deg" => &mut form.heading_deg,
            other => {
                return Err(bad(
                    other,
                    "unknown field; expected image, layer, feature, title, lon, lat, heading_deg",
                ));
            }
        };
        *slot = Some(text);
    }
    Ok(form)
}

fn number(
    name: &str,
    value: Option<&str>,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<f64>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let v: f64 = text
        .parse()
        .map_err(|_| bad(name, format!("not a number: {text:?}")))?;
    if !v.is_finite() || !range.contains(&v) {
        return Err(bad(
            name,
            format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(Some(v))
}

/// `POST /api/panoramas`
#[utoipa::path(post, path = "/api/panoramas", tag = "panoramas",
    request_body(content_type = "multipart/form-data", description = "image (equirectangular JPEG or PNG, 2:1, 2048-16384 px wide), layer (parks, plots or factories), feature (id), and optional title, lon, lat, heading_deg"),
    responses((status = 201, description = "{id, thumbnail_url, preview_url, tile_url_template, levels, ...}"),
              (status = 400, description = "a missing or invalid field", body = crate::error::ErrorBody),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "the role or the feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 413, description = "larger than the upload limit", body = crate::error::ErrorBody),
              (status = 415, description = "not a JPEG or PNG", body = crate::error::ErrorBody),
              (status = 422, description = "an image, but not a usable panorama (aspect, width, corrupt, too large to decode)", body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<SharedState>,
    actor: Actor,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let multipart = multipart.map_err(|rejection| {
        ApiError::new(rejection.status(), "invalid_upload", rejection.body_text())
    })?;
    let form = read_form(&state, multipart).await?;
    let layer = parse_layer(
        form.layer
            .as_deref()
            .ok_or_else(|| bad("layer", "required"))?,
    )?;
    if layer == LayerKind::Pois {
        return Err(bad(
            "layer",
            "panoramas belong to parks, plots or factories",
        ));
    }
    let feature = parse_id(
        form.feature
            .as_deref()
            .ok_or_else(|| bad("feature", "required"))?,
    )?;
    let park = park_of(&state, layer, feature)
        .ok_or_else(|| ApiError::not_found(format!("no {layer} feature with id {feature}")))?;
    if !may_manage(&actor, park.as_deref()) {
        return Err(forbidden(
            &actor,
            &format!("add panoramas to {layer} {feature}"),
        ));
    }
    let lon = number("lon", form.lon.as_deref(), -180.0..=180.0)?;
    let lat = number("lat", form.lat.as_deref(), -90.0..=90.0)?;
    let heading =
        number("heading_deg", form.heading_deg.as_deref(), -360.0..=360.0)?.unwrap_or(0.0);
    let title = form.title.unwrap_or_default().trim().to_owned();
    let image = form.image.ok_or_else(|| bad("image", "required"))?;

    let root = media_root(&state.data_dir);
    let input = image.0.clone();
    let processed = on_panorama_worker(move || siteatlas_panorama::process(&input, &root))
        .await?
        .map_err(panorama_error)?;
    drop(image);
    let levels = serde_json::to_string(
        &processed
            .levels
            .iter()
            .map(|l| json!({"face_size": l.face_size, "nb_tiles": l.nb_tiles}))
            .collect::<Vec<_>>(),
    )
    .map_err(ApiError::internal)?;
    let record = NewPanorama {
        content_id: processed.id.clone(),
        layer: layer.as_str().to_owned(),
        feature_id: feature as i64,
        title,
        lon,
        lat,
        heading_deg: heading,
        width: i64::from(processed.width),
        height: i64::from(processed.height),
        levels,
        created_by: actor.name.clone(),
        created_at: unix_now() as i64,
    };
    let id = state.store.insert_panorama(&record).await?;
    let stored = state
        .store
        .panorama(id)
        .await?
        .ok_or_else(|| ApiError::internal("a stored panorama vanished"))?;
    tracing::info!(actor = %actor.name, %layer, feature, panorama = id, "panorama uploaded");
    Ok((StatusCode::CREATED, Json(scene_json(&stored, &[]))).into_response())
}

fn panorama_error(e: siteatlas_panorama::PanoramaError) -> ApiError {
    use siteatlas_panorama::PanoramaError as E;
    if !e.is_client_error() {
        return ApiError::internal(e);
    }
    let (status, code) = match e {
        E::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large"),
        E::NotAnImage | E::UnsupportedFormat { .. } => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_a_panorama_image")
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "unusable_panorama"),
    };
    ApiError::new(status, code, e.to_string())
}

/// Reads a scene with its hotspots, or 404.
pub async fn load_scene(state: &SharedState, id: i64) -> Result<Value, ApiError> {
    let p = state
        .store
        .panorama(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no panorama with id {id}")))?;
    let hotspots = state.store.hotspots(id).await?;
    Ok(scene_json(&p, &hotspots))
}

/// `GET /api/panoramas/{id}`
#[utoipa::path(get, path = "/api/panoramas/{id}", tag = "panoramas", params(("id" = i64, Path)),
    responses((status = 200, description = "the scene with its URLs and hotspots"),
              (status = 404, description = "no such panorama", body = crate::error::ErrorBody)))]
pub async fn get_scene(
    State(state): State<SharedState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)? as i64;
    let scene = load_scene(&state, id).await?;
    // Counted for the analytics: which scene, never who.
    let layer = scene["layer"].as_str().map(str::to_owned);
    let feature = scene["feature"].as_i64();
    state
        .usage
        .count("panorama_view", layer.as_deref(), feature, Some(id));
    Ok(Json(scene))
}

/// `GET /api/{layer}/{id}/panoramas`
#[utoipa::path(get, path = "/api/{layer}/{id}/panoramas", tag = "panoramas",
    params(("layer" = String, Path, description = "parks, plots or factories"), ("id" = u64, Path)),
    responses((status = 200, description = "the feature's scenes, oldest first"),
              (status = 404, description = "no such feature", body = crate::error::ErrorBody)))]
pub async fn of_feature(
    State(state): State<SharedState>,
    UrlPath((layer, id)): UrlPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    if park_of(&state, layer, id).is_none() {
        return Err(ApiError::not_found(format!(
            "no {layer} feature with id {id}"
        )));
    }
    let mut scenes = Vec::new();
    for p in state.store.panoramas_of(layer.as_str(), id as i64).await? {
        let hotspots = state.store.hotspots(p.id).await?;
        scenes.push(scene_json(&p, &hotspots));
    }
    Ok(Json(Value::Array(scenes)))
}

/// Body of `POST /api/panoramas/{id}/hotspots`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHotspot {
    /// Direction, degrees (0 = the image's centre, positive to the right), -180..180.
    pub yaw_deg: f64,
    /// Elevation, degrees, -90..90.
    pub pitch_deg: f64,
    /// Scene it leads to.
    pub target: Option<i64>,
    /// Note shown at it (at most 500 characters).
    pub note: Option<String>,
}

/// `POST /api/panoramas/{id}/hotspots`
#[utoipa::path(post, path = "/api/panoramas/{id}/hotspots", tag = "panoramas", params(("id" = i64, Path)),
    request_body = NewHotspot,
    responses((status = 201, description = "the scene with its hotspots"),
              (status = 400, description = "invalid hotspot", body = crate::error::ErrorBody),
              (status = 403, description = "not allowed", body = crate::error::ErrorBody),
              (status = 404, description = "no such panorama or target", body = crate::error::ErrorBody)))]
pub async fn add_hotspot(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    ApiJson(body): ApiJson<NewHotspot>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)? as i64;
    let scene = state
        .store
        .panorama(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no panorama with id {id}")))?;
    let layer = parse_layer(&scene.layer)?;
    let park = park_of(&state, layer, scene.feature_id as u64).flatten();
    if !may_manage(&actor, park.as_deref()) {
        return Err(forbidden(&actor, "add hotspots to this panorama"));
    }
    if !(body.yaw_deg.is_finite() && (-180.0..=180.0).contains(&body.yaw_deg)) {
        return Err(bad("yaw_deg", "must be between -180 and 180"));
    }
    if !(body.pitch_deg.is_finite() && (-90.0..=90.0).contains(&body.pitch_deg)) {
        return Err(bad("pitch_deg", "must be between -90 and 90"));
    }
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(bad("note", "at most 500 characters"));
    }
    if body.target.is_none() && note.is_none() {
        return Err(bad("body", "a hotspot needs a target scene or a note"));
    }
    if let Some(target) = body.target {
        if target == id {
            return Err(bad("target", "a hotspot cannot lead to its own scene"));
        }
        if state.store.panorama(target).await?.is_none() {
            return Err(ApiError::not_found(format!("no panorama with id {target}")));
        }
    }
    state
        .store
        .insert_hotspot(id, body.yaw_deg, body.pitch_deg, body.target, note)
        .await?;
    Ok((StatusCode::CREATED, Json(load_scene(&state, id).await?)).into_response())
}
