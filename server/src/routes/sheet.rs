//! The site sheet: `GET /api/{layer}/{id}/sheet.pdf`, a one-page PDF to print
//! or send (see [`crate::sheet`]).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::clock::unix_now;
use crate::error::ApiError;
use crate::routes::advice::rules_of;
use crate::routes::base_url;
use crate::routes::features::{parse_id, parse_layer};
use crate::routes::panoramas::{is_ready, media_root};
use crate::sheet::{self, Pictures, SheetError};
use crate::state::SharedState;

/// Most incentive rules printed; a park with more gets a line pointing online.
const MAX_POLICY_LINES: usize = 6;

impl From<SheetError> for ApiError {
    fn from(e: SheetError) -> Self {
        match e {
            // Said plainly: whoever runs the server can install the font.
            SheetError::MissingFont(_) => {
                tracing::error!(%e, "no site sheet");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "missing_font",
                    e.to_string(),
                )
            }
            other => ApiError::internal(other),
        }
    }
}

/// The file name a sheet is saved under: its code where the code is plain.
fn file_name(code: &str) -> String {
    let plain: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("site-sheet-{plain}.pdf")
}

/// `GET /api/{layer}/{id}/sheet.pdf`
#[utoipa::path(get, path = "/api/{layer}/{id}/sheet.pdf", tag = "features",
    params(("layer" = String, Path, description = "a layer with sheets: plots, factories or offices"), ("id" = u64, Path)),
    responses((status = 200, description = "the site sheet (地块推介书): one A4 page with the site's map, figures, utilities, the park's incentive rules, contact, panorama and a QR code to its card", content_type = "application/pdf"),
              (status = 400, description = "a layer without sheets (parks, pois)", body = crate::error::ErrorBody),
              (status = 404, description = "no such layer or site", body = crate::error::ErrorBody),
              (status = 500, description = "the server lacks the sheet's font (missing_font), named", body = crate::error::ErrorBody)))]
pub async fn sheet_pdf(
    State(state): State<SharedState>,
    Path((layer, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    if sheet::sheet_layer(layer).is_none() {
        let layers: Vec<&str> = sheet::site_layers().map(|l| l.as_str()).collect();
        return Err(ApiError::bad_parameter(
            "layer",
            format!(
                "{layer} have no site sheets; sheets are made for {}",
                layers.join(", ")
            ),
        ));
    }
    let site = sheet::read_site(&state.atlas.read(), layer, id)
        .ok_or_else(|| ApiError::not_found(format!("no {layer} feature with id {id}")))?;
    let mut data = site.data;
    if let Some(park) = &site.park_code
        && let Some(rules) = rules_of(&state, park).await?
    {
        let mut lines = sheet::policy::policy_lines(&rules, layer);
        if lines.len() > MAX_POLICY_LINES {
            let more = lines.len() - (MAX_POLICY_LINES - 1);
            lines.truncate(MAX_POLICY_LINES - 1);
            lines.push(sheet::PolicyLine {
                name: String::new(),
                text: format!("另有 {more} 项政策，请扫码查看。"),
                source: None,
            });
        }
        data.policies = lines;
    }
    let panorama_jpeg = panorama_thumbnail(&state, layer.as_str(), id).await?;
    data.panorama = panorama_jpeg.is_some();
    // The web app opens a site's card from `#sel=<layer>/<id>`.
    data.url = format!("{}/#sel={layer}/{id}", base_url(&headers));
    data.date = crate::clock::date_of(unix_now() as i64);
    let pictures = Pictures {
        map_svg: site.map_svg,
        qr_svg: sheet::qr_svg(&data.url)?,
        panorama_jpeg,
    };
    let code = data.code.clone();
    let pdf = tokio::task::spawn_blocking(move || sheet::render(&data, pictures))
        .await
        .map_err(ApiError::internal)??;
    state
        .usage
        .count("sheet", Some(layer.as_str()), Some(id as i64), None);
    let mut response = ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", file_name(&code))) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The thumbnail of the site's first ready panorama, if it has one. A
/// thumbnail that cannot be read leaves the sheet without it.
async fn panorama_thumbnail(
    state: &SharedState,
    layer: &str,
    id: u64,
) -> Result<Option<Vec<u8>>, ApiError> {
    let scenes = state.store.panoramas_of(layer, id as i64).await?;
    let Some(scene) = scenes.iter().find(|p| is_ready(p)) else {
        return Ok(None);
    };
    let path = media_root(&state.config.data_dir)
        .join(&scene.content_id)
        .join(siteatlas_panorama::THUMBNAIL_FILE);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) => {
            tracing::warn!(%e, path = %path.display(), "panorama thumbnail unreadable; sheet without it");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_plain_codes_only() {
        assert_eq!(file_name("WJ-2024-07"), "site-sheet-WJ-2024-07.pdf");
        assert_eq!(file_name("温江\"07/x"), "site-sheet-___07_x.pdf");
    }
}
