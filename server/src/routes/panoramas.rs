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
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::routes::features::{parse_id, parse_layer};
use crate::routes::{ApiJson, ApiQuery};
use crate::state::SharedState;
use crate::store::{HotspotRecord, NewPanorama, PanoramaChange, PanoramaRecord, PanoramaStatus};

/// Where processed panoramas are kept, under the data directory.
pub fn media_root(data_dir: &Path) -> PathBuf {
    data_dir.join("panoramas")
}

/// The URL prefix the processed images are served under.
pub const MEDIA_PREFIX: &str = "/media/panoramas";

/// Promoters and admins manage panoramas anywhere; officers for their own parks.
fn may_manage(actor: &Actor, park: Option<&str>) -> bool {
    match actor.role {
        Role::Admin | Role::Promoter => true,
        Role::Officer => actor.may_edit_park(park),
        Role::Partner => false,
    }
}

fn forbidden(actor: &Actor, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("{} may not {what}", actor.name),
    )
}

/// Longest title of a scene, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// Whether a scene's images are there to be shown.
pub fn is_ready(p: &PanoramaRecord) -> bool {
    p.status == PanoramaStatus::Ready.as_str()
}

/// A scene as the API shows it, with its URLs (null until it is ready).
pub fn scene_json(p: &PanoramaRecord, hotspots: &[HotspotRecord]) -> Value {
    let base = format!("{MEDIA_PREFIX}/{}", p.content_id);
    let ready = is_ready(p);
    let url = |path: String| {
        if ready {
            Value::from(path)
        } else {
            Value::Null
        }
    };
    let initial_view = match (p.initial_yaw_deg, p.initial_pitch_deg, p.initial_zoom) {
        (Some(yaw), Some(pitch), Some(zoom)) => {
            json!({"yaw_deg": yaw, "pitch_deg": pitch, "zoom": zoom})
        }
        _ => Value::Null,
    };
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
        "status": p.status,
        "error": p.error,
        "initial_view": initial_view,
        "created_by": p.created_by,
        "created_at": p.created_at,
        "thumbnail_url": url(format!("{base}/{}", siteatlas_panorama::THUMBNAIL_FILE)),
        "preview_url": url(format!("{base}/{}", siteatlas_panorama::PREVIEW_FILE)),
        "tile_url_template": url(format!("{base}/tiles/{{level}}/{{face}}/{{row}}_{{col}}.jpg")),
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
            let dir = state.config.data_dir.join("uploads");
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(ApiError::internal)?;
            let mut random = [0u8; 16];
            getrandom::fill(&mut random).map_err(ApiError::internal)?;
            let temp = TempUpload(dir.join(format!("{}.part", crate::session::hex(&random))));
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

/// How much of an upload is read to check its header before answering: far
/// more than the metadata 360° cameras write ahead of a JPEG's frame header.
const HEADER_BYTES: u64 = 1 << 20;

/// `POST /api/panoramas`
#[utoipa::path(post, path = "/api/panoramas", tag = "panoramas",
    request_body(content_type = "multipart/form-data", description = "image (equirectangular JPEG or PNG, 2:1, 2048-16384 px wide), layer (parks, plots or factories), feature (id), and optional title, lon, lat, heading_deg"),
    responses((status = 202, description = "the scene, `status: processing`: its images are being made in the background; GET /api/panoramas/{id} shows when it is `ready` or `failed` (with `error`)"),
              (status = 400, description = "a missing or invalid field", body = crate::error::ErrorBody),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "the role or the feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 404, description = "no such feature", body = crate::error::ErrorBody),
              (status = 413, description = "larger than the upload limit", body = crate::error::ErrorBody),
              (status = 415, description = "not a JPEG or PNG", body = crate::error::ErrorBody),
              (status = 422, description = "an image whose header shows it is not a usable panorama (aspect, width)", body = crate::error::ErrorBody)))]
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
    let park = state
        .atlas
        .read()
        .park_of(layer, feature)
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
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(bad(
            "title",
            format!("at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    let image = form.image.ok_or_else(|| bad("image", "required"))?;
    let header = check_header(&image.0).await?;

    let record = NewPanorama {
        // Named by its content once processed; nothing to serve until then.
        content_id: String::new(),
        layer: layer.as_str().to_owned(),
        feature_id: feature as i64,
        title,
        lon,
        lat,
        heading_deg: heading,
        width: header.map_or(0, |h| i64::from(h.width)),
        height: header.map_or(0, |h| i64::from(h.height)),
        levels: "[]".to_owned(),
        created_by: actor.name.clone(),
        created_at: unix_now() as i64,
        status: PanoramaStatus::Processing,
    };
    let id = state.store.insert_panorama(&record).await?;
    tracing::info!(actor = %actor.name, %layer, feature, panorama = id, "panorama received");
    tokio::spawn(process_in_background(state.clone(), id, image));
    Ok((StatusCode::ACCEPTED, Json(load_scene(&state, id).await?)).into_response())
}

/// Checks the format and size an upload's header declares, so that what is
/// plainly no panorama is refused at once. `None` when the start of the file
/// does not settle it: processing will.
async fn check_header(path: &Path) -> Result<Option<siteatlas_panorama::Header>, ApiError> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(ApiError::internal)?;
    let size = file.metadata().await.map_err(ApiError::internal)?.len();
    let mut start = Vec::new();
    file.take(HEADER_BYTES)
        .read_to_end(&mut start)
        .await
        .map_err(ApiError::internal)?;
    match siteatlas_panorama::inspect_header(&start) {
        Ok(header) => Ok(Some(header)),
        // A header cut off by the prefix: processing reads the whole file.
        Err(siteatlas_panorama::PanoramaError::Corrupt { .. }) if size > HEADER_BYTES => Ok(None),
        Err(e) => Err(panorama_error(e)),
    }
}

/// Processes an upload on the panorama thread and records the outcome on
/// its scene. The upload file is removed when this ends, whatever happens.
async fn process_in_background(state: SharedState, id: i64, image: TempUpload) {
    let root = media_root(&state.config.data_dir);
    let input = image.0.clone();
    let outcome = on_panorama_worker(move || siteatlas_panorama::process(&input, &root)).await;
    drop(image);
    let result = match outcome {
        Ok(Ok(processed)) => record_ready(&state, id, &processed).await,
        Ok(Err(e)) if e.is_client_error() => state.store.fail_panorama(id, &e.to_string()).await,
        Ok(Err(e)) => {
            tracing::error!(panorama = id, error = %e, "processing a panorama failed");
            state
                .store
                .fail_panorama(id, "the server could not process this image; try again")
                .await
        }
        // Already logged as an internal error.
        Err(_) => {
            state
                .store
                .fail_panorama(id, "the server could not process this image; try again")
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(panorama = id, error = %e, "recording a processed panorama failed");
    }
}

async fn record_ready(
    state: &SharedState,
    id: i64,
    processed: &siteatlas_panorama::Processed,
) -> Result<(), crate::store::StoreError> {
    let levels = json!(
        processed
            .levels
            .iter()
            .map(|l| json!({"face_size": l.face_size, "nb_tiles": l.nb_tiles}))
            .collect::<Vec<_>>()
    )
    .to_string();
    let finished = state
        .store
        .finish_panorama(
            id,
            &processed.id,
            i64::from(processed.width),
            i64::from(processed.height),
            &levels,
        )
        .await?;
    if finished {
        tracing::info!(panorama = id, "panorama ready");
    } else if !state.store.content_in_use(&processed.id).await? {
        // Deleted while it was being processed: its images are nobody's.
        remove_content(state, &processed.id).await;
    }
    Ok(())
}

/// How long a scene may stay `processing` before its processing is taken
/// for lost: far longer than the largest picture takes, queue included.
const LOST_AFTER_SECS: i64 = 3600;

/// How often scenes whose processing was lost are looked for.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

const LOST_REASON: &str =
    "processing was interrupted by a restart of the server; upload the picture again";

/// Marks as failed the scenes whose processing was lost when a server
/// stopped (the queue and the uploads in it go with it), so that none stays
/// `processing` for ever. An embedded store has one server, so at its start
/// every scene still processing was lost; servers sharing PostGIS may be
/// processing theirs, so there a scene is taken for lost after an hour.
/// Call before the server takes requests.
pub async fn fail_lost_processing_at_start(
    store: &crate::store::Store,
) -> Result<(), crate::store::StoreError> {
    let now = unix_now() as i64;
    let before = match store {
        crate::store::Store::Sqlite(_) => now + 1,
        crate::store::Store::Postgres(_) => now - LOST_AFTER_SECS,
    };
    let n = store
        .fail_panoramas_processing_since(before, LOST_REASON)
        .await?;
    if n > 0 {
        tracing::warn!(scenes = n, "panorama processing was lost; marked failed");
    }
    Ok(())
}

/// Every ten minutes, marks as failed the scenes processing for over an
/// hour: another server sharing the store stopped while processing them.
pub async fn fail_lost_processing(state: SharedState) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    // The first tick is now, and the start has looked already.
    tick.tick().await;
    loop {
        tick.tick().await;
        let before = unix_now() as i64 - LOST_AFTER_SECS;
        match state
            .store
            .fail_panoramas_processing_since(before, LOST_REASON)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(scenes = n, "panorama processing was lost; marked failed"),
            Err(e) => tracing::warn!(%e, "looking for lost panorama processing failed"),
        }
    }
}

/// Removes the folder of a picture no scene shows any more.
async fn remove_content(state: &SharedState, content_id: &str) {
    // Content ids are hashes the server made, but a folder outside the media
    // root must never be named by a stored value.
    if content_id.is_empty() || !content_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return;
    }
    let dir = media_root(&state.config.data_dir).join(content_id);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(folder = %dir.display(), error = %e, "removing panorama images failed");
    }
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
    // Counted for the analytics: which scene, never who; a scene still
    // processing is looked at by its uploader, not viewed.
    if scene["status"] == PanoramaStatus::Ready.as_str() {
        let layer = scene["layer"].as_str().map(str::to_owned);
        let feature = scene["feature"].as_i64();
        state
            .usage
            .count("panorama_view", layer.as_deref(), feature, Some(id));
    }
    Ok(Json(scene))
}

/// `GET /api/{layer}/{id}/panoramas`
#[utoipa::path(get, path = "/api/{layer}/{id}/panoramas", tag = "panoramas",
    params(("layer" = String, Path, description = "parks, plots or factories"), ("id" = u64, Path)),
    responses((status = 200, description = "the feature's scenes that are ready to be shown, oldest first"),
              (status = 404, description = "no such feature", body = crate::error::ErrorBody)))]
pub async fn of_feature(
    State(state): State<SharedState>,
    UrlPath((layer, id)): UrlPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    if state.atlas.read().park_of(layer, id).is_none() {
        return Err(ApiError::not_found(format!(
            "no {layer} feature with id {id}"
        )));
    }
    let mut scenes = Vec::new();
    for p in state.store.panoramas_of(layer.as_str(), id as i64).await? {
        if !is_ready(&p) {
            continue;
        }
        let hotspots = state.store.hotspots(p.id).await?;
        scenes.push(scene_json(&p, &hotspots));
    }
    Ok(Json(Value::Array(scenes)))
}

/// Query of `GET /api/panoramas`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SceneFilter {
    /// Only scenes of this layer: parks, plots or factories.
    pub layer: Option<String>,
    /// Only scenes of this feature (with `layer`).
    pub feature: Option<u64>,
}

/// `GET /api/panoramas`: every scene staff may manage, in any state.
#[utoipa::path(get, path = "/api/panoramas", tag = "panoramas", params(SceneFilter),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "scenes with their state (processing, ready, failed), oldest first; an officer sees those of their parks"),
              (status = 400, description = "an unknown layer, or a feature without its layer", body = crate::error::ErrorBody),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "a partner", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<SceneFilter>,
) -> Result<Json<Value>, ApiError> {
    if actor.role == Role::Partner {
        return Err(ApiError::forbidden("scenes in every state are for staff"));
    }
    let layer = match filter.layer.as_deref().map(str::parse::<LayerKind>) {
        None => None,
        Some(Ok(layer)) if layer != LayerKind::Pois => Some(layer),
        Some(_) => return Err(bad("layer", "one of parks, plots, factories")),
    };
    if filter.feature.is_some() && layer.is_none() {
        return Err(bad("feature", "needs a layer"));
    }
    let feature = filter
        .feature
        .map(|f| i64::try_from(f).map_err(|_| bad("feature", "too large")))
        .transpose()?;
    let records = state
        .store
        .panoramas(layer.map(LayerKind::as_str), feature)
        .await?;
    let mut scenes = Vec::with_capacity(records.len());
    for p in records {
        if actor.role == Role::Officer {
            let park = parse_layer(&p.layer)
                .ok()
                .and_then(|l| state.atlas.read().park_of(l, p.feature_id as u64))
                .flatten();
            if !may_manage(&actor, park.as_deref()) {
                continue;
            }
        }
        let hotspots = state.store.hotspots(p.id).await?;
        scenes.push(scene_json(&p, &hotspots));
    }
    Ok(Json(Value::Array(scenes)))
}

/// A scene the actor may change, or the refusal.
async fn managed_scene(
    state: &SharedState,
    actor: &Actor,
    id: &str,
    what: &str,
) -> Result<PanoramaRecord, ApiError> {
    let id = parse_id(id)? as i64;
    let scene = state
        .store
        .panorama(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no panorama with id {id}")))?;
    let park = parse_layer(&scene.layer)
        .ok()
        .and_then(|layer| state.atlas.read().park_of(layer, scene.feature_id as u64))
        .flatten();
    if !may_manage(actor, park.as_deref()) {
        return Err(forbidden(actor, what));
    }
    Ok(scene)
}

/// The view a scene opens at.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitialView {
    /// Direction, degrees (0 = the image's centre, positive to the right), -180..180.
    pub yaw_deg: f64,
    /// Elevation, degrees, -90..90.
    pub pitch_deg: f64,
    /// The viewer's zoom level, 0..100.
    pub zoom: f64,
}

/// Body of `PATCH /api/panoramas/{id}`: the fields to change, at least one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenePatch {
    /// Title (at most 200 characters; empty for none).
    pub title: Option<String>,
    /// Camera longitude, -180..180 (with `lat`).
    pub lon: Option<f64>,
    /// Camera latitude, -90..90 (with `lon`).
    pub lat: Option<f64>,
    /// Compass heading of the image's centre, degrees, 0..360.
    pub heading_deg: Option<f64>,
    /// The view the scene opens at.
    pub initial_view: Option<InitialView>,
}

fn in_range(name: &str, v: f64, range: std::ops::RangeInclusive<f64>) -> Result<f64, ApiError> {
    if v.is_finite() && range.contains(&v) {
        Ok(v)
    } else {
        Err(bad(
            name,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

impl ScenePatch {
    fn change(self) -> Result<PanoramaChange, ApiError> {
        let title = self.title.map(|t| t.trim().to_owned());
        if title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            return Err(bad(
                "title",
                format!("at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        let position = match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => Some((
                in_range("lon", lon, -180.0..=180.0)?,
                in_range("lat", lat, -90.0..=90.0)?,
            )),
            (None, None) => None,
            _ => return Err(bad("lon", "lon and lat are set together")),
        };
        let heading_deg = self
            .heading_deg
            .map(|h| in_range("heading_deg", h, 0.0..=360.0))
            .transpose()?;
        let initial_view = self
            .initial_view
            .map(|v| {
                Ok::<_, ApiError>((
                    in_range("initial_view.yaw_deg", v.yaw_deg, -180.0..=180.0)?,
                    in_range("initial_view.pitch_deg", v.pitch_deg, -90.0..=90.0)?,
                    in_range("initial_view.zoom", v.zoom, 0.0..=100.0)?,
                ))
            })
            .transpose()?;
        let change = PanoramaChange {
            title,
            position,
            heading_deg,
            initial_view,
        };
        if change.title.is_none()
            && change.position.is_none()
            && change.heading_deg.is_none()
            && change.initial_view.is_none()
        {
            return Err(bad("body", "nothing to change"));
        }
        Ok(change)
    }
}

/// `PATCH /api/panoramas/{id}`
#[utoipa::path(patch, path = "/api/panoramas/{id}", tag = "panoramas", params(("id" = i64, Path)),
    request_body = ScenePatch,
    responses((status = 200, description = "the changed scene"),
              (status = 400, description = "nothing to change, or a value out of range", body = crate::error::ErrorBody),
              (status = 403, description = "the role or the feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 404, description = "no such panorama", body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    ApiJson(body): ApiJson<ScenePatch>,
) -> Result<Json<Value>, ApiError> {
    let scene = managed_scene(&state, &actor, &id, "change this panorama").await?;
    let change = body.change()?;
    if !state.store.change_panorama(scene.id, &change).await? {
        return Err(ApiError::not_found(format!(
            "no panorama with id {}",
            scene.id
        )));
    }
    tracing::info!(actor = %actor.name, panorama = scene.id, "panorama changed");
    Ok(Json(load_scene(&state, scene.id).await?))
}

/// `DELETE /api/panoramas/{id}`
#[utoipa::path(delete, path = "/api/panoramas/{id}", tag = "panoramas", params(("id" = i64, Path)),
    responses((status = 204, description = "deleted, with its hotspots, the hotspots leading to it, its stops in tours and, when no other scene shows the same picture, its images"),
              (status = 403, description = "the role or the feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 404, description = "no such panorama", body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, ApiError> {
    let scene = managed_scene(&state, &actor, &id, "delete this panorama").await?;
    let deleted = state
        .store
        .delete_panorama(scene.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no panorama with id {}", scene.id)))?;
    // The rows are gone first: a file removed before a failed transaction
    // would leave a scene without images.
    if let Some(content) = deleted.unused_content {
        remove_content(&state, &content).await;
    }
    tracing::info!(actor = %actor.name, panorama = scene.id, "panorama deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/panoramas/{id}/hotspots/{hotspot}`
#[utoipa::path(delete, path = "/api/panoramas/{id}/hotspots/{hotspot}", tag = "panoramas",
    params(("id" = i64, Path), ("hotspot" = i64, Path)),
    responses((status = 204, description = "deleted"),
              (status = 403, description = "the role or the feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 404, description = "no such panorama, or no such hotspot in it", body = crate::error::ErrorBody)))]
pub async fn delete_hotspot(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath((id, hotspot)): UrlPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let scene = managed_scene(&state, &actor, &id, "remove hotspots of this panorama").await?;
    let hotspot = parse_id(&hotspot)? as i64;
    if state.store.delete_hotspot(scene.id, hotspot).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "panorama {} has no hotspot {hotspot}",
            scene.id
        )))
    }
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
    let park = state
        .atlas
        .read()
        .park_of(layer, scene.feature_id as u64)
        .flatten();
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
