//! Investors' leads: a public form (`POST /api/leads`, rate-limited, with a
//! honeypot) and the promoters' inbox with its pipeline (`GET /api/leads`,
//! `GET`/`PATCH /api/leads/{id}`). Contact details are shown only to
//! promoters and admins and never written to the logs.

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::{Actor, Role};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::routes::features::{parse_id, parse_layer};
use crate::routes::session::ClientAddress;
use crate::routes::{ApiJson, ApiQuery};
use crate::session;
use crate::state::SharedState;
use crate::store::{LeadCredit, LeadEvent, LeadRecord, NewLead};

/// The pipeline's stages, in order.
pub const STAGES: [&str; 6] = [
    "new",
    "contacted",
    "visited",
    "negotiating",
    "signed",
    "lost",
];

/// Body of `POST /api/leads`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadForm {
    /// `plots` or `factories`, with `feature`: the site asked about.
    pub layer: Option<String>,
    /// The site's id.
    pub feature: Option<u64>,
    /// Or a tour asked about.
    pub tour: Option<i64>,
    /// Company (1-200 characters).
    pub company: String,
    /// Name and phone or e-mail (1-200 characters).
    pub contact: String,
    /// What the company needs (up to 2000 characters).
    #[serde(default)]
    pub needs: String,
    /// Left empty by people; bots fill it in.
    #[serde(default)]
    pub website: String,
    /// The investor agrees to the privacy notice (`/privacy`): must be `true`.
    #[serde(default)]
    pub consent: Option<bool>,
    /// The referral code of the partner's link the investor came through
    /// (`/r/{code}`): the lead is credited to that partner.
    #[serde(default)]
    pub referral: Option<String>,
    /// Where the lead came from: `map` (the default) or `sheet` (a site
    /// sheet's QR code) from the public; promoters recording a lead met at
    /// an `event` or a `walk_in` give those.
    #[serde(default)]
    pub source: Option<String>,
    /// The share link of the tour page the enquiry was sent from: the lead
    /// is then about that link's tour and credited to the promoter who made
    /// the link.
    #[serde(default)]
    pub share_token: Option<String>,
}

fn text_field(name: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
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

/// The lead form's own session cookie: a random id and nothing else, so
/// that a browser is limited as one sender whatever contact it gives.
const ENQUIRER_COOKIE: &str = "siteatlas_enquirer";

/// `POST /api/leads`
#[utoipa::path(post, path = "/api/leads", tag = "leads", request_body = LeadForm,
    responses((status = 201, description = "received"),
              (status = 400, description = "a missing or invalid field, named; `consent` when it is not true (the privacy notice is at /privacy)", body = crate::error::ErrorBody),
              (status = 404, description = "no such site, tour or share link", body = crate::error::ErrorBody),
              (status = 410, description = "the share link has expired (`link_expired`) or been withdrawn (`link_revoked`)", body = crate::error::ErrorBody),
              (status = 429, description = "too many enquiries from this client address (30 per 10 minutes; behind --trusted-proxy from X-Forwarded-For), session (5: a signed-in session, else the form's own cookie siteatlas_enquirer, a random id) or contact (3, phone or e-mail normalised); Retry-After gives the seconds to wait, the message the minutes", body = crate::error::ErrorBody)))]
pub async fn submit(
    State(state): State<SharedState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    actor: Result<Actor, ApiError>,
    ApiJson(form): ApiJson<LeadForm>,
) -> Result<Response, ApiError> {
    // Neither a bot's form nor one without consent is kept, so neither
    // needs counting against the limits.
    let received = || (StatusCode::CREATED, Json(json!({"received": true}))).into_response();
    // A bot: answer as if received, keep nothing.
    if !form.website.trim().is_empty() {
        return Ok(received());
    }
    // Personal information is kept only with the investor's agreement.
    if form.consent != Some(true) {
        return Err(ApiError::bad_parameter(
            "consent",
            "agree to the privacy notice (/privacy) to send an enquiry: \"consent\": true",
        ));
    }
    let address = address.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let cookie = |name: &str| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| session::cookie(h, name))
            .map(str::to_owned)
    };
    // The session: a signed-in one, else the form's own cookie, else a new one.
    let enquirer = cookie(ENQUIRER_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let fresh = match enquirer {
        Some(_) => None,
        None => {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
            Some(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        }
    };
    let session = match cookie(session::COOKIE_NAME) {
        Some(signed_in) => format!("session:{signed_in}"),
        None => format!(
            "enquirer:{}",
            enquirer.as_deref().or(fresh.as_deref()).unwrap_or_default()
        ),
    };
    let with_cookie = |mut response: Response| {
        if let Some(id) = &fresh
            && let Ok(value) = HeaderValue::from_str(&format!(
                "{ENQUIRER_COOKIE}={id}; Path=/api/leads; Max-Age=86400; HttpOnly; Secure; SameSite=Strict"
            ))
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        response
    };
    if let Err(wait) = state.access.form_limiter.take(
        address,
        Some(&session),
        &session::contact_keys(&form.contact),
    ) {
        let minutes = wait.div_ceil(60);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!(
                "too many enquiries; please try again in {minutes} minute{}",
                if minutes == 1 { "" } else { "s" }
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(with_cookie(response));
    }
    let company = text_field("company", &form.company, 1, 200)?;
    let contact = text_field("contact", &form.contact, 1, 200)?;
    let needs = text_field("needs", &form.needs, 0, 2000)?;
    let (layer, feature) = match (form.layer.as_deref(), form.feature) {
        (Some(layer), Some(id)) => {
            let layer = parse_layer(layer)?;
            if state.atlas.read().park_of(layer, id).is_none() {
                return Err(ApiError::not_found(format!(
                    "no {layer} feature with id {id}"
                )));
            }
            (Some(layer.as_str().to_owned()), Some(id as i64))
        }
        (None, None) => (None, None),
        _ => {
            return Err(ApiError::bad_parameter(
                "layer",
                "layer and feature go together",
            ));
        }
    };
    // A tour page's enquiry: the link names the tour and who earns the lead.
    let (tour, credit) = match form.share_token.as_deref().map(str::trim) {
        Some(token) if !token.is_empty() => {
            let link =
                session::open_share_link(&state.store, &state.access.signing_key, token).await?;
            if form.tour.is_some_and(|t| t != link.tour_id) {
                return Err(ApiError::bad_parameter(
                    "tour",
                    "the share link is of another tour",
                ));
            }
            let credit = LeadCredit::Tour {
                share_link_id: link.id,
                credited_to: link.created_by,
            };
            (Some(link.tour_id), credit)
        }
        _ => (form.tour, LeadCredit::Map),
    };
    if let Some(tour) = tour
        && state.store.tour(tour).await?.is_none()
    {
        return Err(ApiError::not_found(format!("no tour with id {tour}")));
    }
    let (mut source, partner_id) = origin(&state, actor.ok().as_ref(), &form).await?;
    // A tour page's enquiry comes from the tour, unless a partner brought it.
    if matches!(credit, LeadCredit::Tour { .. }) && partner_id.is_none() {
        source = "tour".into();
    }
    state
        .store
        .insert_lead(&NewLead {
            layer: layer.clone(),
            feature_id: feature,
            tour_id: tour,
            company,
            contact,
            needs,
            consent: true,
            at: unix_now() as i64,
            source,
            partner_id,
            credit,
        })
        .await?;
    state.usage.count("lead", layer.as_deref(), feature, tour);
    Ok(with_cookie(received()))
}

/// Where a lead came from and the partner it is credited to: a partner
/// sending it, else the referral link it came through, else the source the
/// form names (the public may name `map` or `sheet`; staff any source but a
/// referral, which only a partner's link or token credits).
async fn origin(
    state: &SharedState,
    actor: Option<&Actor>,
    form: &LeadForm,
) -> Result<(String, Option<i64>), ApiError> {
    if let Some(actor) = actor
        && actor.role == Role::Partner
    {
        let partner = match actor.partner_id {
            Some(id) => state.store.partner(id).await?,
            None => None,
        }
        .ok_or_else(|| ApiError::forbidden("this partner token belongs to no partner"))?;
        return Ok((partner.kind, Some(partner.id)));
    }
    if let Some(code) = form
        .referral
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        // A stale or mistyped code still delivers the enquiry, uncredited.
        if let Some(partner) = state.store.partner_by_code(code).await? {
            return Ok((partner.kind, Some(partner.id)));
        }
    }
    let staff = actor.is_some_and(|a| matches!(a.role, Role::Promoter | Role::Admin));
    let source = form.source.as_deref().unwrap_or("map");
    let allowed: &[&str] = match staff {
        true => &["map", "tour", "sheet", "event", "walk_in"],
        false => &["map", "sheet"],
    };
    if !allowed.contains(&source) {
        return Err(ApiError::bad_parameter(
            "source",
            format!("one of {}", allowed.join(", ")),
        ));
    }
    let source = match (source, form.tour) {
        ("map", Some(_)) => "tour",
        (other, _) => other,
    };
    Ok((source.to_owned(), None))
}

/// Promoters and admins see every lead; a partner its own referrals.
fn may_see_leads(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin | Role::Partner => Ok(()),
        Role::Officer => Err(ApiError::forbidden("leads are for promoters and admins")),
    }
}

/// Only promoters and admins change leads and see their history.
fn may_follow_leads(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Promoter | Role::Admin => Ok(()),
        Role::Officer | Role::Partner => {
            Err(ApiError::forbidden("leads are for promoters and admins"))
        }
    }
}

/// The partner whose referrals alone a partner sees; `None` for staff.
fn partner_scope(actor: &Actor) -> Option<i64> {
    // A partner token without its partner sees nothing (id 0 is never given).
    (actor.role == Role::Partner).then_some(actor.partner_id.unwrap_or(0))
}

fn lead_json(state: &SharedState, lead: &LeadRecord) -> Value {
    let site = match (lead.layer.as_deref(), lead.feature_id) {
        (Some(layer), Some(id)) => {
            let atlas = state.atlas.read();
            let (code, name) = match layer {
                "plots" => atlas
                    .plots
                    .get(id as u64)
                    .map(|f| (f.code.clone(), f.attrs.name.clone())),
                "factories" => atlas
                    .factories
                    .get(id as u64)
                    .map(|f| (f.code.clone(), f.attrs.name.clone())),
                _ => None,
            }
            .unzip();
            json!({"layer": layer, "id": id, "code": code, "name": name})
        }
        _ => Value::Null,
    };
    json!({
        "id": lead.id, "site": site, "tour": lead.tour_id, "company": lead.company,
        "contact": lead.contact, "needs": lead.needs, "consent": lead.consent, "status": lead.status,
        "assignee": lead.assignee, "source": lead.source, "partner": lead.partner_id,
        "share_link": lead.share_link_id, "credited_to": lead.credited_to,
        "created_at": lead.created_at, "updated_at": lead.updated_at,
    })
}

/// Query of `GET /api/leads`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LeadFilter {
    /// Only leads at this stage.
    pub status: Option<String>,
}

/// `GET /api/leads`
#[utoipa::path(get, path = "/api/leads", tag = "leads", params(LeadFilter),
    responses((status = 200, description = "the inbox, newest first: [{id, site, tour, company, contact, needs, consent, status, assignee, source (map or tour), share_link, credited_to (the promoter who made the tour's share link), created_at, updated_at}]"),
              (status = 401, description = "no token or session", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody)))]
pub async fn inbox(
    State(state): State<SharedState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<LeadFilter>,
) -> Result<Response, ApiError> {
    may_see_leads(&actor)?;
    if let Some(s) = filter.status.as_deref()
        && !STAGES.contains(&s)
    {
        return Err(ApiError::bad_parameter(
            "status",
            format!("one of {}", STAGES.join(", ")),
        ));
    }
    let leads = state
        .store
        .leads(filter.status.as_deref(), partner_scope(&actor))
        .await?;
    let body: Vec<Value> = leads.iter().map(|l| lead_json(&state, l)).collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// `GET /api/leads/{id}`
#[utoipa::path(get, path = "/api/leads/{id}", tag = "leads", params(("id" = i64, Path)),
    responses((status = 200, description = "the lead with its history, newest first"),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such lead", body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    may_follow_leads(&actor)?;
    let id = parse_id(&id)? as i64;
    let lead = state
        .store
        .lead(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no lead with id {id}")))?;
    let mut body = lead_json(&state, &lead);
    let history: Vec<Value> = state
        .store
        .lead_events(id)
        .await?
        .into_iter()
        .map(|e| {
            json!({"at": e.at, "actor": e.actor, "changes": serde_json::from_str::<Value>(&e.changes).unwrap_or(Value::Null), "note": e.note})
        })
        .collect();
    body["history"] = Value::Array(history);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// Body of `PATCH /api/leads/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadChange {
    /// New stage.
    pub status: Option<String>,
    /// Promoter to follow it (empty string: nobody).
    pub assignee: Option<String>,
    /// Note (up to 2000 characters).
    pub note: Option<String>,
}

/// `PATCH /api/leads/{id}`
#[utoipa::path(patch, path = "/api/leads/{id}", tag = "leads", params(("id" = i64, Path)), request_body = LeadChange,
    responses((status = 200, description = "the lead with its history"),
              (status = 400, description = "an invalid stage or nothing to change", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such lead", body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(id): UrlPath<String>,
    ApiJson(body): ApiJson<LeadChange>,
) -> Result<Response, ApiError> {
    may_follow_leads(&actor)?;
    let lead_id = parse_id(&id)? as i64;
    let lead = state
        .store
        .lead(lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no lead with id {lead_id}")))?;
    let mut changes = Map::new();
    let status = match body.status.as_deref() {
        Some(s) if !STAGES.contains(&s) => {
            return Err(ApiError::bad_parameter(
                "status",
                format!("one of {}", STAGES.join(", ")),
            ));
        }
        Some(s) if s != lead.status => {
            changes.insert("status".into(), json!([lead.status, s]));
            s.to_owned()
        }
        _ => lead.status.clone(),
    };
    let assignee = match body.assignee.as_deref().map(str::trim) {
        Some(a) if a.chars().count() > 100 => {
            return Err(ApiError::bad_parameter(
                "assignee",
                "at most 100 characters",
            ));
        }
        Some(a) => {
            let new = (!a.is_empty()).then(|| a.to_owned());
            if new != lead.assignee {
                changes.insert("assignee".into(), json!([lead.assignee, new]));
            }
            new
        }
        None => lead.assignee.clone(),
    };
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| text_field("note", n, 1, 2000))
        .transpose()?;
    if changes.is_empty() && note.is_none() {
        return Err(ApiError::bad_parameter(
            "body",
            "nothing to change: give status, assignee or note",
        ));
    }
    let event = LeadEvent {
        at: unix_now() as i64,
        actor: actor.name.clone(),
        changes: Value::Object(changes).to_string(),
        note,
    };
    state
        .store
        .update_lead(lead_id, &status, assignee.as_deref(), &event)
        .await?;
    one(State(state), actor, UrlPath(id)).await
}

/// The privacy notice the lead form links to: what is collected, why, who
/// sees it, how long it is kept and how to have it removed. Chinese first,
/// as 《个人信息保护法》 asks of a notice to people in China; English after.
const PRIVACY_NOTICE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>个人信息保护说明 · Privacy notice</title>
<style>
body { font: 15px/1.7 system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #1d2733; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
</style>
</head>
<body>
<main>
<section lang="zh-CN" id="zh">
<h1>个人信息保护说明</h1>
<p>您通过本招商地图提交意向（“我要咨询”表单）时，我们依据《中华人民共和国个人信息保护法》处理您提供的个人信息，并在此告知：</p>
<ul>
<li><strong>收集哪些信息：</strong>企业名称、联系人及电话或电子邮箱、您填写的需求，以及所咨询的地块、厂房或看地行程。</li>
<li><strong>用途：</strong>仅用于招商人员与您联系、安排看地和跟进项目，不用于其他目的，不向第三方出售或提供。</li>
<li><strong>谁能看到：</strong>仅本局（园区）授权的招商人员和管理员；联系方式不写入日志，使用统计不含个人信息。</li>
<li><strong>保存期限：</strong>在跟进所需期间保存，项目结束或您要求删除后删除。</li>
<li><strong>您的权利：</strong>您可以查阅、更正或要求删除您的信息，也可以撤回同意；请联系接待您的招商人员。撤回同意不影响撤回前已进行的处理。</li>
</ul>
<p>勾选表单中的同意项并提交，即表示您已阅读本说明并同意上述处理。不同意则无法通过本表单提交意向，您仍可浏览地图的全部内容。</p>
</section>
<section lang="en" id="en">
<h2>Privacy notice</h2>
<p>When you send an enquiry through this investment map, we handle the personal information you give under the Personal Information Protection Law of the People's Republic of China:</p>
<ul>
<li><strong>What is collected:</strong> your company's name, a contact name with a phone number or e-mail address, what you need, and the site or tour you ask about.</li>
<li><strong>What for:</strong> only so that promotion staff can contact you, arrange visits and follow your project; it is not sold or given to third parties.</li>
<li><strong>Who sees it:</strong> only the bureau's authorised promotion staff and administrators; contact details are never written to logs, and usage figures hold no personal information.</li>
<li><strong>How long:</strong> as long as following your enquiry needs, and deleted when the project ends or you ask.</li>
<li><strong>Your rights:</strong> you may see, correct or have your information deleted, and withdraw your consent, through the staff who answer you.</li>
</ul>
<p>Ticking the consent box and sending the form means you have read this notice and agree. Without consent the form cannot be sent; the whole map stays open to you.</p>
</section>
</main>
</body>
</html>
"#;

/// `GET /privacy`: the privacy notice of the lead form, an HTML page.
pub async fn privacy_notice() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRIVACY_NOTICE,
    )
        .into_response()
}
