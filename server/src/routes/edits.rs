//! Land officers' edits: `PATCH /api/{layer}/{id}` with `If-Match`, the
//! status workflow, the audit log and its export.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use siteatlas_tiles::geojson_io::feature_from_parts;
use siteatlas_tiles::{LayerKind, ModelError, PlotStatus};

use crate::auth::Actor;
use crate::error::ApiError;
use crate::pipeline::{holds_site, is_final, reached};
use crate::routes::ApiJson;
use crate::routes::features::{feature_response, parse_id, parse_layer};
use crate::state::SharedState;
use crate::store::{AuditEntry, EditOutcome, SiteLink};
use crate::workflow::{allowed_targets, may_move};

/// Largest note, characters.
const MAX_NOTE: usize = 2000;

fn etag(layer: LayerKind, id: u64, version: i64) -> String {
    format!("\"{layer}-{id}-v{version}\"")
}

/// What the current feature says about an edit: its park, version and the
/// values the patch would change.
struct Current {
    park: Option<String>,
    shape: siteatlas_tiles::Shape,
    version: i64,
    props: Map<String, Value>,
}

fn current(state: &SharedState, layer: LayerKind, id: u64) -> Option<Current> {
    if !layer.spec().carrier {
        return None;
    }
    let atlas = state.atlas.read();
    let park = atlas.park_of(layer, id)?;
    siteatlas_tiles::with_layer_index!(atlas, layer, |index| index.get(id).map(|f| Current {
        park,
        shape: f.shape.clone(),
        version: f.version,
        props: siteatlas_tiles::geojson_io::properties(f),
    }))
}

/// What an edit may change on a site: every field its layer's schema marks
/// editable (all but the code, the id, the geometry and what is derived from
/// them, such as `area_mu`), and the free-text extras.
pub fn editable_fields(layer: LayerKind) -> Vec<&'static str> {
    layer
        .spec()
        .fields
        .iter()
        .filter(|f| f.editable && !f.derived)
        .map(|f| f.name)
        .chain(TEXT_EXTRAS.iter().map(|(name, _)| *name))
        .collect()
}

/// The properties a site of `layer` would have with `props`, as the model
/// writes them; the index is there to name the layer's type.
fn rewrite<A: siteatlas_tiles::Attributes>(
    _index: &siteatlas_tiles::index::LayerIndex<A>,
    id: u64,
    code: String,
    shape: siteatlas_tiles::Shape,
    props: Map<String, Value>,
) -> Result<Map<String, Value>, ModelError> {
    feature_from_parts::<A>(id, code, shape, props)
        .map(|f| siteatlas_tiles::geojson_io::properties(&f))
}

/// Fields that cannot be cleared: the model needs them (a plot's area is
/// measured from its outline only when it was never surveyed).
const REQUIRED: &[&str] = &["status", "name", "land_use", "area_m2", "kind"];

/// Free text kept beside the model's attributes (who to call about the site), with its longest length.
const TEXT_EXTRAS: &[(&str, usize)] = &[("contact", 200)];

/// Checks the patch's fields and values for the layer the way an import checks
/// a feature (the feature as it would be after the edit goes through the
/// model), and the plot status workflow; returns the patch without the note,
/// with values as the model writes them (`"是"` becomes `true`), `null` where a
/// field is cleared.
fn check_patch(
    state: &SharedState,
    layer: LayerKind,
    id: u64,
    body: &Map<String, Value>,
    actor: &Actor,
    current: &Current,
) -> Result<Map<String, Value>, ApiError> {
    let editable = editable_fields(layer);
    let mut patch = Map::new();
    for (key, value) in body {
        if key == "note" || key == "project" {
            continue;
        }
        if !editable.contains(&key.as_str()) {
            return Err(ApiError::bad_parameter(
                key,
                format!(
                    "cannot be changed here; editable: {}, note",
                    editable.join(", ")
                ),
            ));
        }
        if value.is_null() && REQUIRED.contains(&key.as_str()) {
            return Err(ApiError::bad_parameter(
                key,
                "is required and cannot be cleared",
            ));
        }
        patch.insert(key.clone(), value.clone());
    }
    if patch.is_empty() && !body.contains_key("project") {
        return Err(ApiError::bad_parameter(
            "body",
            format!("nothing to change; editable: {}", editable.join(", ")),
        ));
    }
    for (field, longest) in TEXT_EXTRAS {
        match patch.get_mut(*field) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                let trimmed = text.trim();
                if trimmed.chars().count() > *longest {
                    return Err(ApiError::bad_parameter(
                        field,
                        format!("at most {longest} characters"),
                    ));
                }
                *text = trimmed.to_owned();
            }
            Some(_) => return Err(ApiError::bad_parameter(field, "must be a string or null")),
        }
    }
    if let Some(park) = patch.get("park") {
        check_new_park(state, actor, layer, park)?;
    }
    // The feature as it would be: the model's own check, as for an imported feature.
    let mut after = current.props.clone();
    for (key, value) in &patch {
        if value.is_null() {
            after.remove(key);
        } else {
            after.insert(key.clone(), value.clone());
        }
    }
    let code = current
        .props
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let written = {
        let atlas = state.atlas.read();
        siteatlas_tiles::with_layer_index!(atlas, layer, |index| rewrite(
            index,
            id,
            code,
            current.shape.clone(),
            after
        ))
    }
    .map_err(|e| match e {
        ModelError::InvalidProperty { field, reason } => ApiError::bad_parameter(&field, reason),
        other => ApiError::bad_parameter("body", other),
    })?;
    for (key, value) in patch.iter_mut() {
        if !value.is_null() {
            *value = written.get(key).cloned().unwrap_or(Value::Null);
        }
    }
    if layer == LayerKind::Plots
        && let Some(to) = patch.get("status")
    {
        let to: PlotStatus = to
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|e| ApiError::bad_parameter("status", e))?;
        let from: PlotStatus = current.props["status"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(ApiError::internal)?;
        if !may_move(actor.role, from, to) {
            let allowed: Vec<&str> = allowed_targets(actor.role, from)
                .iter()
                .map(|s| s.as_str())
                .collect();
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "transition_not_allowed",
                format!(
                    "a plot cannot go from {from} to {to} for this role; allowed: {}",
                    if allowed.is_empty() {
                        "none".into()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(patch)
}

/// A site moved to another park: the park must exist (400), and the editor
/// must be allowed to edit it (403), or an officer could hand a site to a park
/// they do not answer for.
fn check_new_park(
    state: &SharedState,
    actor: &Actor,
    layer: LayerKind,
    park: &Value,
) -> Result<(), ApiError> {
    let park = match park {
        Value::Null => None,
        Value::String(code) => {
            let known = state
                .atlas
                .read()
                .parks
                .iter()
                .any(|e| &e.feature.code == code);
            if !known {
                return Err(ApiError::bad_parameter(
                    "park",
                    format!("no park with code {code}"),
                ));
            }
            Some(code.as_str())
        }
        _ => {
            return Err(ApiError::bad_parameter(
                "park",
                "must be a park code or null",
            ));
        }
    };
    if actor.may_edit_park(park) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "{} may not move {layer} to park {}",
                actor.name,
                park.unwrap_or("(none)")
            ),
        ))
    }
}

/// `PATCH /api/{layer}/{id}`
#[utoipa::path(patch, path = "/api/{layer}/{id}", tag = "edits",
    params(("layer" = String, Path, description = "plots, factories or offices"), ("id" = u64, Path),
           ("If-Match" = String, Header, description = "the ETag from GET /api/{layer}/{id}")),
    request_body(content = Object, description = "{note, project, ...fields to change}: a note is required; every field GET /api/schema marks editable for the layer may be changed, and `contact`. Values are checked as an import checks them; null clears an optional field. `project` (an id from GET /api/projects) names the project a reserved, negotiated or transferred plot, or a let factory or office, is held by; a site keeps its project until its status frees it"),
    responses((status = 200, description = "the feature as it now is, with its new ETag", content_type = "application/geo+json"),
              (status = 400, description = "a field that cannot be changed or an invalid value; the message starts with the field's name", body = crate::error::ErrorBody),
              (status = 401, description = "no or unknown token", body = crate::error::ErrorBody),
              (status = 403, description = "role or park not allowed (the site's park, or the park it would move to)", body = crate::error::ErrorBody),
              (status = 404, description = "no such layer or feature", body = crate::error::ErrorBody),
              (status = 405, description = "a layer whose features are changed by import, not edited one by one (parks, points of interest)", body = crate::error::ErrorBody),
              (status = 409, description = "transition not allowed (the message lists the allowed ones), or the project named is lost (`project_lost`) or has not signed for a final status (`project_not_signed`)", body = crate::error::ErrorBody),
              (status = 412, description = "changed by someone else first; the body holds the current feature"),
              (status = 428, description = "If-Match missing", body = crate::error::ErrorBody)))]
pub async fn patch_feature(
    State(state): State<SharedState>,
    Path((layer, id)): Path<(String, String)>,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    if !layer.spec().carrier {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "not_editable",
            format!("{layer} are changed by import, not edited one by one"),
        ));
    }
    let id = parse_id(&id)?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad_parameter("body", "must be a JSON object"));
    };
    let current = current(&state, layer, id)
        .ok_or_else(|| ApiError::not_found(format!("no {layer} feature with id {id}")))?;
    if !actor.may_edit_park(current.park.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "{} may not edit {layer} of park {}",
                actor.name,
                current.park.as_deref().unwrap_or("(none)")
            ),
        ));
    }
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "send If-Match with the ETag from GET /api/{layer}/{id}",
            )
        })?;
    if if_match.trim() != etag(layer, id, current.version) {
        return stale(&state, layer, id, &headers);
    }
    let note = body
        .get("note")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_parameter("note", "a note is required with every change"))?;
    if note.chars().count() > MAX_NOTE {
        return Err(ApiError::bad_parameter(
            "note",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    let patch = check_patch(&state, layer, id, &body, &actor, &current)?;
    let site = site_link(&state, layer, id, body.get("project"), &patch, &current).await?;
    let old_values: Map<String, Value> = patch
        .keys()
        .map(|k| {
            (
                k.clone(),
                current.props.get(k).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    let entry = AuditEntry {
        actor: actor.name.clone(),
        old_values: Value::Object(old_values),
        new_values: Value::Object(patch.clone()),
        note: note.to_owned(),
        site,
    };
    match state
        .store
        .edit(
            layer,
            id as i64,
            current.version,
            &Value::Object(patch),
            &entry,
        )
        .await?
    {
        EditOutcome::Written(row) => {
            state.apply_rows(layer, vec![row], &[])?;
            feature_response(&state, layer, id, &HeaderMap::new(), "application/geo+json")
        }
        EditOutcome::Stale => {
            // Someone else's write is in the store; make sure this instance has it too.
            let rows = state.store.load_rows(layer, &[id as i64]).await?;
            state.apply_rows(layer, rows, &[])?;
            stale(&state, layer, id, &headers)
        }
    }
}

/// What a site edit does to the project holding the site. A status that a
/// project holds (a plot reserved, negotiated or transferred; a factory or
/// office let) keeps the site's project, or takes the one the edit names;
/// a final status (transferred, fully let) needs a project that has signed.
/// Any other status frees the site.
async fn site_link(
    state: &SharedState,
    layer: LayerKind,
    id: u64,
    named: Option<&Value>,
    patch: &Map<String, Value>,
    current: &Current,
) -> Result<Option<SiteLink>, ApiError> {
    let status = patch
        .get("status")
        .or_else(|| current.props.get("status"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let named = match named {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|p| *p > 0).ok_or_else(|| {
            ApiError::bad_parameter("project", "the id of a project (GET /api/projects)")
        })?),
    };
    let held = state.store.site_project(layer.as_str(), id as i64).await?;
    if !holds_site(layer, &status) {
        if named.is_some() {
            return Err(ApiError::bad_parameter(
                "project",
                format!("a {layer} site that is {status} is held by no project"),
            ));
        }
        return Ok(held.map(|h| SiteLink::Release {
            project_id: h.project_id,
        }));
    }
    let Some(project_id) = named.or(held.as_ref().map(|h| h.project_id)) else {
        return Ok(None);
    };
    let project = state.store.project(project_id).await?.ok_or_else(|| {
        ApiError::bad_parameter("project", format!("no project with id {project_id}"))
    })?;
    if project.stage == "lost" {
        return Err(ApiError::conflict(
            "project_lost",
            format!("project {project_id} ({}) is lost", project.company),
        ));
    }
    if is_final(layer, &status) && !reached(&project.stage, "signed") {
        return Err(ApiError::conflict(
            "project_not_signed",
            format!(
                "project {project_id} ({}) has not signed: a {layer} site goes to {status} only for a signed project",
                project.company
            ),
        ));
    }
    let unchanged = held
        .as_ref()
        .is_some_and(|h| h.project_id == project_id && h.status == status);
    Ok((!unchanged).then_some(SiteLink::Hold { project_id, status }))
}

/// Puts a site a lost project held back on offer (`status`), audited under
/// the promoter who confirmed the loss. Freeing follows from that decision,
/// so it is not held to the editor's park or the status workflow; a site
/// changed meanwhile is left as it is.
pub async fn release_site(
    state: &SharedState,
    actor: &Actor,
    layer: LayerKind,
    id: u64,
    status: &str,
    project_id: i64,
    note: &str,
) -> Result<(), ApiError> {
    let Some(current) = current(state, layer, id) else {
        return Ok(());
    };
    let before = current.props.get("status").cloned().unwrap_or(Value::Null);
    let entry = AuditEntry {
        actor: actor.name.clone(),
        old_values: json!({ "status": before }),
        new_values: json!({ "status": status }),
        note: format!("项目流失，释放 / project lost, released: {note}"),
        site: Some(SiteLink::Release { project_id }),
    };
    let patch = json!({ "status": status });
    if let EditOutcome::Written(row) = state
        .store
        .edit(layer, id as i64, current.version, &patch, &entry)
        .await?
    {
        state.apply_rows(layer, vec![row], &[])?;
    }
    Ok(())
}

/// A 412 whose body is the feature as it now is, with its ETag.
fn stale(
    state: &SharedState,
    layer: LayerKind,
    id: u64,
    _headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let mut response =
        feature_response(state, layer, id, &HeaderMap::new(), "application/geo+json")?;
    *response.status_mut() = StatusCode::PRECONDITION_FAILED;
    response.headers_mut().insert(
        "x-error",
        HeaderValue::from_static("changed_by_someone_else"),
    );
    Ok(response)
}

/// `GET /api/{layer}/{id}/history`
#[utoipa::path(get, path = "/api/{layer}/{id}/history", tag = "edits", params(("layer" = String, Path), ("id" = u64, Path)),
    responses((status = 200, description = "the feature's changes, newest first: [{at, actor, old_values, new_values, note}]"),
              (status = 404, description = "no such feature", body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<SharedState>,
    Path((layer, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    if crate::features::geojson_feature(&state.atlas.read(), layer, id).is_none() {
        return Err(ApiError::not_found(format!(
            "no {layer} feature with id {id}"
        )));
    }
    let records = state.store.history(layer, id as i64).await?;
    Ok(Json(json!(records
        .into_iter()
        .map(|r| json!({
            "at": r.at, "actor": r.actor, "old_values": r.old_values, "new_values": r.new_values, "note": r.note,
            "old_status": r.old_values.get("status"), "new_status": r.new_values.get("status"),
        }))
        .collect::<Vec<_>>())))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `GET /api/audit.csv`: the whole audit log, for admins.
#[utoipa::path(get, path = "/api/audit.csv", tag = "edits",
    responses((status = 200, description = "CSV: id, at, actor, layer, feature_id, code, old_values, new_values, note", content_type = "text/csv"),
              (status = 401, description = "no token"), (status = 403, description = "not an admin")))]
pub async fn audit_csv(
    State(state): State<SharedState>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_admin("export the audit log")?;
    let mut out = String::from("id,at,actor,layer,feature_id,code,old_values,new_values,note\n");
    for r in state.store.audit_log().await? {
        let fields = [
            r.id.to_string(),
            r.at,
            r.actor,
            r.layer,
            r.feature_id.to_string(),
            r.code,
            r.old_values.to_string(),
            r.new_values.to_string(),
            r.note,
        ];
        out += &fields
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
