//! `POST /api/import`: a land department's file into one layer, all or
//! nothing. Officers import plots and factories of their own parks; admins
//! import anything.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use siteatlas_formats::{FieldMapping, ReadOptions};
use siteatlas_tiles::LayerKind;

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::import::{ImportReport, validate};
use crate::routes::ApiQuery;
use crate::state::SharedState;
use crate::store::NewRow;

/// Query parameters of `POST /api/import`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// Target layer: parks, plots, factories or pois.
    pub layer: String,
    /// Coordinate system when the file does not say: EPSG:4326, 4490, 3857, CGCS2000
    /// Gauss-Kruger 4491-4554, Xian 1980 4610 and 2327-2390, Beijing 1954 4214, 2401-2442 and
    /// 21413-21463.
    pub crs: Option<String>,
    /// Datum shift of Xian 1980 or Beijing 1954 data to WGS84, which such data needs:
    /// `dx,dy,dz` (m) or `dx,dy,dz,rx,ry,rz,ds` (arc-seconds, ppm), position vector as PROJ's
    /// +towgs84.
    pub towgs84: Option<String>,
    /// Layer to read from a GeoPackage or a zip with several Shapefiles.
    pub source_layer: Option<String>,
    /// Values for fields the file leaves out or blank: `FIELD=VALUE` pairs separated by
    /// `;`, e.g. `status=available;park=WJ`.
    pub defaults: Option<String>,
    /// Repair invalid geometries instead of refusing them.
    #[serde(default)]
    pub repair: bool,
    /// Check and report only.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/import`
#[utoipa::path(post, path = "/api/import", tag = "edits", params(ImportParams),
    request_body(content = Vec<u8>, description = "the file: GeoJSON, GeoJSON Sequence, zipped Shapefile, GeoPackage or boundary-point coordinate file (界址点坐标); the format is read from the content", content_type = "application/octet-stream"),
    responses((status = 200, description = "the import report: {layer, format, crs, read, valid, repaired, issues: [{record, code, field, reason}], dry_run, inserted, updated}"),
              (status = 400, description = "not a file we read, or an unknown CRS", body = crate::error::ErrorBody),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "the role or a feature's park is not allowed", body = crate::error::ErrorBody),
              (status = 413, description = "larger than the upload limit", body = crate::error::ErrorBody),
              (status = 422, description = "invalid features; nothing was written. The body's report lists each")))]
pub async fn import(
    State(state): State<SharedState>,
    actor: Actor,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let layer: LayerKind = params
        .layer
        .parse()
        .map_err(|_| ApiError::bad_parameter("layer", "must be parks, plots, factories or pois"))?;
    let may_import = match actor.role {
        Role::Admin => true,
        Role::Officer => matches!(layer, LayerKind::Plots | LayerKind::Factories),
        Role::Promoter | Role::Partner => false,
    };
    if !may_import {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{} may not import {layer}", actor.name),
        ));
    }
    if body.is_empty() {
        return Err(ApiError::bad_parameter(
            "body",
            "empty; send the file as the request body",
        ));
    }
    let crs = params
        .crs
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: siteatlas_formats::FormatError| ApiError::bad_parameter("crs", e))?;
    let towgs84 = params
        .towgs84
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: siteatlas_formats::InvalidTowgs84| ApiError::bad_parameter("towgs84", e))?;
    let defaults = params
        .defaults
        .as_deref()
        .map(|list| {
            list.split(';')
                .filter(|pair| !pair.trim().is_empty())
                .map(crate::cli::parse_default)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|e| ApiError::bad_parameter("defaults", e))?
        .unwrap_or_default();
    let options = ReadOptions {
        format: None,
        crs,
        mapping: crate::import::layer_mapping(FieldMapping::default(), layer),
        repair: params.repair,
        layer: params.source_layer.clone(),
        towgs84,
        defaults,
    };
    let dry_run = params.dry_run;
    let (report, rows) = tokio::task::spawn_blocking(move || {
        siteatlas_formats::read(&body, &options).map(|dataset| validate(layer, dataset, dry_run))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "unreadable_file", e.to_string()))?;
    if !report.issues.is_empty() {
        return Ok(invalid(report));
    }
    if actor.role != Role::Admin {
        check_parks(&state, &actor, layer, &rows)?;
    }
    if dry_run {
        return Ok(Json(report).into_response());
    }
    let mut summaries = state.write(&[(layer, rows)]).await?;
    let summary = summaries.pop().unwrap_or_default();
    let report = ImportReport {
        inserted: summary.inserted,
        updated: summary.updated,
        ..report
    };
    tracing::info!(actor = %actor.name, %layer, inserted = report.inserted, updated = report.updated, "import");
    Ok(Json(report).into_response())
}

/// A 422 with the whole report, so the sender can fix every record at once.
fn invalid(report: ImportReport) -> Response {
    let message = format!(
        "{} invalid feature(s); nothing was written",
        report.issues.len()
    );
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"error": "invalid_features", "message": message, "report": report})),
    )
        .into_response()
}

/// An officer's import may only touch their own parks: every feature must
/// name one of them, and a code already on the map must be in one of them
/// (an import must not move another park's plot into theirs).
fn check_parks(
    state: &SharedState,
    actor: &Actor,
    layer: LayerKind,
    rows: &[NewRow],
) -> Result<(), ApiError> {
    let existing: HashMap<String, Option<String>> = {
        let atlas = state.atlas.read();
        let codes: std::collections::HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        match layer {
            LayerKind::Plots => atlas
                .plots
                .iter()
                .filter(|e| codes.contains(e.feature.code.as_str()))
                .map(|e| (e.feature.code.clone(), e.feature.attrs.park.clone()))
                .collect(),
            _ => atlas
                .factories
                .iter()
                .filter(|e| codes.contains(e.feature.code.as_str()))
                .map(|e| (e.feature.code.clone(), e.feature.attrs.park.clone()))
                .collect(),
        }
    };
    for row in rows {
        let props: Value = serde_json::from_str(&row.props).map_err(ApiError::internal)?;
        let park = props.get("park").and_then(Value::as_str);
        let refused = if !actor.may_edit_park(park) {
            Some(format!("it is in park {}", park.unwrap_or("(none)")))
        } else {
            match existing.get(&row.code) {
                Some(old) if !actor.may_edit_park(old.as_deref()) => Some(format!(
                    "the map has it in park {}",
                    old.as_deref().unwrap_or("(none)")
                )),
                _ => None,
            }
        };
        if let Some(why) = refused {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "{} may not import {layer} {}: {why}; nothing was written",
                    actor.name, row.code
                ),
            ));
        }
    }
    Ok(())
}
