//! Investment projects (`/api/projects`): a lead taken up, followed through
//! 洽谈 → 签约 → 注册 → 摘地/租赁 → 开工 → 投产 with a date and a responsible
//! person per stage, audited like a plot edit (`If-Match`, a note, history).
//! The sites a project holds are tied to it by the site's own status edit
//! (`PATCH /api/{layer}/{id}` with `project`); a project that is lost frees
//! the sites it reserved once the promoter confirms.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use siteatlas_tiles::LayerKind;

use crate::auth::{Actor, Role};
use crate::clock::{china_date_of, unix_now};
use crate::error::ApiError;
use crate::pipeline::{STAGES, is_date, released_status, stage_rank};
use crate::routes::ApiJson;
use crate::routes::edits::release_site;
use crate::routes::features::{parse_id, parse_layer};
use crate::state::SharedState;
use crate::store::{
    NewProject, ProjectEvent, ProjectRecord, ProjectSite, ProjectUpdate, StageRecord,
};

/// Longest text field (company, industry, names), characters.
const MAX_TEXT: usize = 200;
/// Longest note, characters.
const MAX_NOTE: usize = 2000;

/// Promoters and admins run projects.
fn may_run_projects(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin => Ok(()),
        Role::Officer | Role::Partner => Err(ApiError::forbidden(
            "projects are run by promoters and admins",
        )),
    }
}

/// Staff see projects (officers name them when they reserve a plot); a
/// partner sees its own referrals.
fn may_see_projects(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin | Role::Officer | Role::Partner => Ok(()),
    }
}

fn etag(project: &ProjectRecord) -> String {
    format!("\"project-{}-v{}\"", project.id, project.version)
}

fn text(name: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ApiError::bad_parameter(
            name,
            format!("{min} to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn amount(name: &str, value: Option<f64>) -> Result<Option<f64>, ApiError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => {
            Err(ApiError::bad_parameter(name, "a number of zero or more"))
        }
        other => Ok(other),
    }
}

fn check_stage(stage: &str) -> Result<(), ApiError> {
    match STAGES.contains(&stage) {
        true => Ok(()),
        false => Err(ApiError::bad_parameter(
            "stage",
            format!("one of {}", STAGES.join(", ")),
        )),
    }
}

/// A project as JSON: its record, the partner's name and the site names.
fn project_json(state: &SharedState, p: &ProjectRecord, partner: Option<&str>) -> Value {
    json!({
        "id": p.id, "lead": p.lead_id, "company": p.company, "industry": p.industry,
        "investment_wan": p.investment_wan, "output_wan": p.output_wan, "tax_wan": p.tax_wan,
        "jobs": p.jobs, "park": p.park, "park_name": park_name(state, p.park.as_deref()),
        "stage": p.stage, "source": p.source, "partner": p.partner_id, "partner_name": partner,
        "assignee": p.assignee, "version": p.version,
        "created_at": p.created_at, "updated_at": p.updated_at,
    })
}

fn park_name(state: &SharedState, code: Option<&str>) -> Option<String> {
    let code = code?;
    let atlas = state.atlas.read();
    atlas
        .parks
        .iter()
        .find(|e| e.feature.code == code)
        .map(|e| e.feature.attrs.name.clone())
}

/// A site as the project shows it: layer, id, code, name, status.
fn site_json(state: &SharedState, site: &ProjectSite) -> Value {
    let atlas = state.atlas.read();
    let named = parse_layer(&site.layer).ok().and_then(|layer| {
        siteatlas_tiles::with_layer_index!(atlas, layer, |index| index
            .get(site.feature_id as u64)
            .map(|f| {
                let props = siteatlas_tiles::geojson_io::properties(f);
                (
                    f.code.clone(),
                    props.get("name").cloned(),
                    props.get("status").cloned(),
                )
            }))
    });
    let (code, name, status) = named.unwrap_or((String::new(), None, None));
    json!({"layer": site.layer, "id": site.feature_id, "code": code, "name": name,
        "status": status.unwrap_or_else(|| Value::from(site.status.clone())), "since": site.at})
}

async fn partner_names(state: &SharedState) -> Result<Vec<(i64, String)>, ApiError> {
    Ok(state
        .store
        .partners()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// `GET /api/projects`
#[utoipa::path(get, path = "/api/projects", tag = "projects",
    responses((status = 200, description = "every project, newest first (a partner: its own referrals only): [{id, lead, company, industry, investment_wan, output_wan, tax_wan, jobs, park, park_name, stage, source, partner, partner_name, assignee, version, created_at, updated_at, stages: [{stage, reached_on, responsible}], sites: [{layer, id, code, name, status}], overdue}]"),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<SharedState>, actor: Actor) -> Result<Response, ApiError> {
    may_see_projects(&actor)?;
    let partner = (actor.role == Role::Partner).then_some(actor.partner_id.unwrap_or(0));
    let projects = state.store.projects(partner).await?;
    let partners = partner_names(&state).await?;
    let stages = state.store.all_project_stages().await?;
    let mut body = Vec::with_capacity(projects.len());
    for p in &projects {
        let name = partners
            .iter()
            .find(|(id, _)| Some(*id) == p.partner_id)
            .map(|(_, n)| n.as_str());
        let mut item = project_json(&state, p, name);
        let reached: Vec<Value> = stages
            .iter()
            .filter(|(id, _)| *id == p.id)
            .map(|(_, s)| json!({"stage": s.stage, "reached_on": s.reached_on, "responsible": s.responsible}))
            .collect();
        item["stages"] = Value::Array(reached);
        if actor.role != Role::Partner {
            let sites = state.store.project_sites(p.id).await?;
            item["sites"] = sites.iter().map(|s| site_json(&state, s)).collect();
        }
        body.push(item);
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// Body of `POST /api/projects`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProjectBody {
    /// The lead taken up: its company, source and partner carry over.
    pub lead: Option<i64>,
    /// Company (1-200 characters; from the lead when absent).
    pub company: Option<String>,
    /// Industry.
    #[serde(default)]
    pub industry: String,
    /// Planned investment, 万元.
    pub investment_wan: Option<f64>,
    /// Expected yearly output, 万元.
    pub output_wan: Option<f64>,
    /// Expected yearly tax, 万元.
    pub tax_wan: Option<f64>,
    /// Expected jobs.
    pub jobs: Option<i64>,
    /// Park code.
    pub park: Option<String>,
    /// Source, when there is no lead (`pipeline::SOURCES`; default `walk_in`).
    pub source: Option<String>,
    /// Promoter following it (default: the creator).
    pub assignee: Option<String>,
    /// Who answers for the talks (default: the assignee).
    pub responsible: Option<String>,
    /// Note.
    pub note: Option<String>,
}

fn check_park(state: &SharedState, park: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(code) = park.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    match park_name(state, Some(code)) {
        Some(_) => Ok(Some(code.to_owned())),
        None => Err(ApiError::bad_parameter(
            "park",
            format!("no park with code {code}"),
        )),
    }
}

/// `POST /api/projects`
#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = NewProjectBody,
    responses((status = 201, description = "the project, at `talks` (洽谈) from today"),
              (status = 400, description = "an invalid field, named", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such lead", body = crate::error::ErrorBody),
              (status = 409, description = "the lead is already a project", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewProjectBody>,
) -> Result<Response, ApiError> {
    may_run_projects(&actor)?;
    let lead = match body.lead {
        Some(id) => Some(
            state
                .store
                .lead(id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no lead with id {id}")))?,
        ),
        None => None,
    };
    if let Some(lead) = &lead
        && let Some(existing) = state
            .store
            .projects(None)
            .await?
            .iter()
            .find(|p| p.lead_id == Some(lead.id))
    {
        return Err(ApiError::conflict(
            "lead_taken_up",
            format!("lead {} is already project {}", lead.id, existing.id),
        ));
    }
    let company = match (&body.company, &lead) {
        (Some(c), _) => text("company", c, 1, MAX_TEXT)?,
        (None, Some(lead)) => lead.company.clone(),
        (None, None) => return Err(ApiError::bad_parameter("company", "1 to 200 characters")),
    };
    let (source, partner_id) = match &lead {
        Some(lead) => (lead.source.clone(), lead.partner_id),
        None => {
            let source = body.source.clone().unwrap_or_else(|| "walk_in".into());
            if !crate::pipeline::SOURCES[..5].contains(&source.as_str()) {
                return Err(ApiError::bad_parameter(
                    "source",
                    format!(
                        "one of {} (referrals come through a partner's lead)",
                        crate::pipeline::SOURCES[..5].join(", ")
                    ),
                ));
            }
            (source, None)
        }
    };
    let assignee = match body.assignee.as_deref().map(str::trim) {
        Some("") | None => actor.name.clone(),
        Some(a) => text("assignee", a, 1, 100)?,
    };
    let responsible = match body.responsible.as_deref().map(str::trim) {
        Some("") | None => assignee.clone(),
        Some(r) => text("responsible", r, 1, 100)?,
    };
    let note = note_of(body.note.as_deref())?;
    let new = NewProject {
        lead_id: lead.as_ref().map(|l| l.id),
        company,
        industry: text("industry", &body.industry, 0, MAX_TEXT)?,
        investment_wan: amount("investment_wan", body.investment_wan)?,
        output_wan: amount("output_wan", body.output_wan)?,
        tax_wan: amount("tax_wan", body.tax_wan)?,
        jobs: match body.jobs {
            Some(j) if j < 0 => return Err(ApiError::bad_parameter("jobs", "zero or more")),
            other => other,
        },
        park: check_park(&state, body.park.as_deref())?,
        source,
        partner_id,
        assignee: Some(assignee),
    };
    let now = unix_now() as i64;
    let first = StageRecord {
        stage: "talks".into(),
        reached_on: china_date_of(now),
        reached_at: now,
        responsible: Some(responsible),
    };
    let event = ProjectEvent {
        at: now,
        actor: actor.name.clone(),
        changes: json!({"created": {"company": new.company, "lead": new.lead_id}}).to_string(),
        note,
    };
    let id = state.store.insert_project(&new, &first, &event).await?;
    let mut response = one_response(&state, id).await?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

fn note_of(note: Option<&str>) -> Result<Option<String>, ApiError> {
    note.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| text("note", n, 1, MAX_NOTE))
        .transpose()
}

/// The project with its stages, sites and history, and its ETag.
async fn one_response(state: &SharedState, id: i64) -> Result<Response, ApiError> {
    let project = state
        .store
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no project with id {id}")))?;
    let partner = match project.partner_id {
        Some(p) => state.store.partner(p).await?.map(|p| p.name),
        None => None,
    };
    let mut body = project_json(state, &project, partner.as_deref());
    body["stages"] =
        serde_json::to_value(state.store.project_stages(id).await?).map_err(ApiError::internal)?;
    let sites = state.store.project_sites(id).await?;
    body["sites"] = sites.iter().map(|s| site_json(state, s)).collect();
    body["history"] = state
        .store
        .project_events(id)
        .await?
        .into_iter()
        .map(|e| {
            json!({"at": e.at, "actor": e.actor, "changes": serde_json::from_str::<Value>(&e.changes).unwrap_or(Value::Null), "note": e.note})
        })
        .collect();
    let mut response = ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response();
    if let Ok(tag) = HeaderValue::from_str(&etag(&project)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    Ok(response)
}

/// `GET /api/projects/{id}`
#[utoipa::path(get, path = "/api/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, description = "the project with its stages [{stage, reached_on, reached_at, responsible}], sites and history (newest first); ETag for If-Match"),
              (status = 403, description = "not staff", body = crate::error::ErrorBody),
              (status = 404, description = "no such project", body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    if actor.role == Role::Partner {
        return Err(ApiError::forbidden(
            "partners follow their referrals in GET /api/projects",
        ));
    }
    may_see_projects(&actor)?;
    one_response(&state, parse_id(&id)? as i64).await
}

/// Body of `PATCH /api/projects/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChange {
    /// New stage (`pipeline::STAGES`).
    pub stage: Option<String>,
    /// The day the new stage was reached, `YYYY-MM-DD` (default today).
    pub stage_date: Option<String>,
    /// Who answers for the new stage (default the assignee).
    pub responsible: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Planned investment, 万元.
    pub investment_wan: Option<f64>,
    /// Expected yearly output, 万元.
    pub output_wan: Option<f64>,
    /// Expected yearly tax, 万元.
    pub tax_wan: Option<f64>,
    /// Expected jobs.
    pub jobs: Option<i64>,
    /// Park code.
    pub park: Option<String>,
    /// Promoter following it.
    pub assignee: Option<String>,
    /// Required with every change.
    pub note: Option<String>,
    /// Confirms that a project being lost frees the sites it reserved
    /// (without it, a 409 lists them).
    #[serde(default)]
    pub release_sites: bool,
}

/// `PATCH /api/projects/{id}`
#[utoipa::path(patch, path = "/api/projects/{id}", tag = "projects", params(("id" = i64, Path),
        ("If-Match" = String, Header, description = "the ETag from GET /api/projects/{id}")),
    request_body = ProjectChange,
    responses((status = 200, description = "the project as it now is"),
              (status = 400, description = "an invalid field, named; a note is required", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such project", body = crate::error::ErrorBody),
              (status = 409, description = "`confirm_release`: the project is being lost while it holds sites; the message lists them, send release_sites: true to free them", body = crate::error::ErrorBody),
              (status = 412, description = "changed by someone else first", body = crate::error::ErrorBody),
              (status = 428, description = "If-Match missing", body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProjectChange>,
) -> Result<Response, ApiError> {
    may_run_projects(&actor)?;
    let id = parse_id(&id)? as i64;
    let current = state
        .store
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no project with id {id}")))?;
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "send If-Match with the ETag from GET /api/projects/{id}",
            )
        })?;
    if if_match.trim() != etag(&current) {
        return Err(stale());
    }
    let note = note_of(body.note.as_deref())?
        .ok_or_else(|| ApiError::bad_parameter("note", "a note is required with every change"))?;
    let mut next = current.clone();
    let mut changes = Map::new();
    let mut record = |name: &str, before: Value, after: Value| {
        if before != after {
            changes.insert(name.into(), json!([before, after]));
        }
    };
    if let Some(c) = &body.company {
        next.company = text("company", c, 1, MAX_TEXT)?;
        record("company", json!(current.company), json!(next.company));
    }
    if let Some(i) = &body.industry {
        next.industry = text("industry", i, 0, MAX_TEXT)?;
        record("industry", json!(current.industry), json!(next.industry));
    }
    for (name, value, slot, before) in [
        (
            "investment_wan",
            body.investment_wan,
            &mut next.investment_wan,
            current.investment_wan,
        ),
        (
            "output_wan",
            body.output_wan,
            &mut next.output_wan,
            current.output_wan,
        ),
        ("tax_wan", body.tax_wan, &mut next.tax_wan, current.tax_wan),
    ] {
        if value.is_some() {
            *slot = amount(name, value)?;
            record(name, json!(before), json!(*slot));
        }
    }
    if let Some(jobs) = body.jobs {
        if jobs < 0 {
            return Err(ApiError::bad_parameter("jobs", "zero or more"));
        }
        next.jobs = Some(jobs);
        record("jobs", json!(current.jobs), json!(next.jobs));
    }
    if let Some(park) = &body.park {
        next.park = check_park(&state, Some(park))?;
        record("park", json!(current.park), json!(next.park));
    }
    if let Some(a) = body.assignee.as_deref().map(str::trim) {
        next.assignee = (!a.is_empty())
            .then(|| text("assignee", a, 1, 100))
            .transpose()?;
        record("assignee", json!(current.assignee), json!(next.assignee));
    }
    let now = unix_now() as i64;
    let mut reached = None;
    if let Some(stage) = body.stage.as_deref().map(str::trim)
        && stage != current.stage
    {
        check_stage(stage)?;
        let reached_on = match body.stage_date.as_deref().map(str::trim) {
            None | Some("") => china_date_of(now),
            Some(d) if is_date(d) => d.to_owned(),
            Some(d) => {
                return Err(ApiError::bad_parameter(
                    "stage_date",
                    format!("`{d}` is not a date such as 2027-06-30"),
                ));
            }
        };
        let responsible = match body.responsible.as_deref().map(str::trim) {
            None | Some("") => next.assignee.clone(),
            Some(r) => Some(text("responsible", r, 1, 100)?),
        };
        next.stage = stage.to_owned();
        record("stage", json!(current.stage), json!(next.stage));
        reached = Some(StageRecord {
            stage: stage.to_owned(),
            reached_on,
            reached_at: now,
            responsible,
        });
    } else if body.stage_date.is_some() || body.responsible.is_some() {
        return Err(ApiError::bad_parameter(
            "stage",
            "stage_date and responsible go with a new stage",
        ));
    }
    if changes.is_empty() {
        return Err(ApiError::bad_parameter(
            "body",
            "nothing to change: give a stage or a field, with a note",
        ));
    }
    // A project lost while it holds sites: they are freed, once confirmed.
    let releasing = match next.stage == "lost" && current.stage != "lost" {
        true => releasable_sites(&state, id).await?,
        false => Vec::new(),
    };
    if !releasing.is_empty() && !body.release_sites {
        let names: Vec<String> = releasing
            .iter()
            .map(|(layer, site, _)| format!("{layer} {site}"))
            .collect();
        return Err(ApiError::conflict(
            "confirm_release",
            format!(
                "this project holds {}; send release_sites: true to free them as it is lost",
                names.join(", ")
            ),
        ));
    }
    let update = ProjectUpdate {
        project: next,
        reached,
        event: ProjectEvent {
            at: now,
            actor: actor.name.clone(),
            changes: Value::Object(changes).to_string(),
            note: Some(note.clone()),
        },
    };
    if !state.store.update_project(&update).await? {
        return Err(stale());
    }
    for (layer, site, status) in releasing {
        release_site(&state, &actor, layer, site, status, id, &note).await?;
    }
    one_response(&state, id).await
}

/// The sites a project holds that go back on offer when it is lost, with
/// the status each returns to.
async fn releasable_sites(
    state: &SharedState,
    project: i64,
) -> Result<Vec<(LayerKind, u64, &'static str)>, ApiError> {
    let mut out = Vec::new();
    for site in state.store.project_sites(project).await? {
        let Ok(layer) = parse_layer(&site.layer) else {
            continue;
        };
        let status = {
            let atlas = state.atlas.read();
            siteatlas_tiles::with_layer_index!(atlas, layer, |index| index
                .get(site.feature_id as u64)
                .and_then(|f| siteatlas_tiles::geojson_io::properties(f)
                    .get("status")
                    .and_then(Value::as_str)
                    .map(str::to_owned)))
        };
        if let Some(to) = status.as_deref().and_then(|s| released_status(layer, s)) {
            out.push((layer, site.feature_id as u64, to));
        }
    }
    Ok(out)
}

fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "changed_by_someone_else",
        "the project was changed by someone else first; read it again",
    )
}

/// `GET /api/{layer}/{id}/project`
#[utoipa::path(get, path = "/api/{layer}/{id}/project", tag = "projects",
    params(("layer" = String, Path, description = "plots, factories or offices"), ("id" = u64, Path)),
    responses((status = 200, description = "{project: {id, company, stage, ...} or null}: the project holding the site, for staff"),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "a partner", body = crate::error::ErrorBody),
              (status = 404, description = "no such site", body = crate::error::ErrorBody)))]
pub async fn of_site(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath((layer, id)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    if actor.role == Role::Partner {
        return Err(ApiError::forbidden("sites' projects are for staff"));
    }
    let layer = parse_layer(&layer)?;
    let id = parse_id(&id)?;
    if state.atlas.read().park_of(layer, id).is_none() {
        return Err(ApiError::not_found(format!(
            "no {layer} feature with id {id}"
        )));
    }
    let project = match state.store.site_project(layer.as_str(), id as i64).await? {
        Some(site) => match state.store.project(site.project_id).await? {
            Some(p) => {
                let mut body = project_json(&state, &p, None);
                body["site_status"] = json!(site.status);
                body["stage_rank"] = json!(stage_rank(&p.stage));
                body
            }
            None => Value::Null,
        },
        None => Value::Null,
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"project": project})),
    )
        .into_response())
}
