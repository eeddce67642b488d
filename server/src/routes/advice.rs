//! Advice for investors: site matching (`POST /api/match`) and the policy
//! calculator (`GET`/`PUT /api/parks/{code}/policy`,
//! `POST /api/policy/estimate`), over [`siteatlas_advisor`].

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use siteatlas_advisor::{AdviceError, MatchRequest, Plan, PolicyRules, SiteFacts};
use siteatlas_tiles::LayerKind;

use crate::auth::{Actor, Role};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::routes::features::parse_layer;
use crate::state::SharedState;

impl From<AdviceError> for ApiError {
    fn from(e: AdviceError) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.to_string())
    }
}

/// `POST /api/match`
#[utoipa::path(post, path = "/api/match", tag = "advice",
    request_body(content = Object, description = "{layers?, criteria: [{field, min?, max?, any_of?, hard?, weight?} | {near, max_m, hard?, weight?}], limit?, include_held?, plan?}; see the advisor crate for the fields and the score. Sold (transferred) and withdrawn plots and fully occupied factories are never listed; reserved and negotiating plots only with include_held: true (default false), then marked held: true. plan is the policy calculator's (see the Plan schema): with it every result is checked against its plot's standard-land indicators, and the checks count in the score as one more preferred criterion, compliance (weight 1)"),
    responses((status = 200, description = "{results: [{layer, id, code, name, park, status, held, score, criteria: [{field, verdict, wanted, actual, hard, weight}], compliance?, compliant?}], total}; status is the site's (available, reserved, negotiating; vacant, partial). With a plan: criteria ends with {field: compliance, wanted: {indicator: {min?, max?}}, actual: {indicator: planned}}, and compliance is a list of ComplianceCheck (empty for factories and plots that are not standard land, which are compliant: true); compliant is false when a check fails, null when one cannot be judged"),
              (status = 400, description = "an unknown field or an invalid criterion, named", body = crate::error::ErrorBody)))]
pub async fn match_sites(
    State(state): State<SharedState>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    // serde's type error does not name the key; this one is a flag clients set by hand.
    if body.get("include_held").is_some_and(|v| !v.is_boolean()) {
        return Err(ApiError::bad_parameter(
            "include_held",
            "include_held must be true or false",
        ));
    }
    let request = MatchRequest::from_json(&body.to_string())?;
    state.usage.count("match", None, None, None);
    let answer = tokio::task::block_in_place(|| {
        siteatlas_advisor::match_sites(&state.atlas.read(), &request)
    })?;
    Ok(Json(
        serde_json::to_value(answer).map_err(ApiError::internal)?,
    ))
}

/// The setting that holds a park's incentive rules.
pub(crate) fn policy_key(park: &str) -> String {
    format!("policy:{park}")
}

/// A park's rules, if any are set.
pub(crate) async fn rules_of(
    state: &SharedState,
    park: &str,
) -> Result<Option<PolicyRules>, ApiError> {
    match state.store.setting(&policy_key(park)).await? {
        Some(text) => Ok(Some(
            PolicyRules::from_json(&text).map_err(ApiError::internal)?,
        )),
        None => Ok(None),
    }
}

fn park_exists(state: &SharedState, code: &str) -> bool {
    state
        .atlas
        .read()
        .parks
        .iter()
        .any(|e| e.feature.code == code)
}

/// `GET /api/parks/{code}/policy`
#[utoipa::path(get, path = "/api/parks/{code}/policy", tag = "advice", params(("code" = String, Path)),
    responses((status = 200, description = "the park's incentive rules ({park, rules: []} when none are set)"),
              (status = 404, description = "no such park", body = crate::error::ErrorBody)))]
pub async fn get_policy(
    State(state): State<SharedState>,
    UrlPath(code): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    if !park_exists(&state, &code) {
        return Err(ApiError::not_found(format!("no park with code {code}")));
    }
    let rules = rules_of(&state, &code)
        .await?
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .unwrap_or_else(|| json!({"park": code, "rules": []}));
    Ok(Json(rules))
}

/// `PUT /api/parks/{code}/policy`
#[utoipa::path(put, path = "/api/parks/{code}/policy", tag = "advice", params(("code" = String, Path)),
    request_body(content = Object, description = "{park, rules: [...]}: the rule kinds land_price_discount, rent_free_months, per_job_subsidy, investment_share, tax_reward, equipment_subsidy; each rule may carry a source (the policy document and article)"),
    responses((status = 200, description = "the rules as stored"),
              (status = 400, description = "invalid rules, named", body = crate::error::ErrorBody),
              (status = 403, description = "not an admin", body = crate::error::ErrorBody),
              (status = 404, description = "no such park", body = crate::error::ErrorBody)))]
pub async fn put_policy(
    State(state): State<SharedState>,
    actor: Actor,
    UrlPath(code): UrlPath<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only admins set incentive rules",
        ));
    }
    if !park_exists(&state, &code) {
        return Err(ApiError::not_found(format!("no park with code {code}")));
    }
    let rules = PolicyRules::from_json(&body.to_string())?;
    if rules.park != code {
        return Err(ApiError::bad_parameter(
            "park",
            format!(
                "the rules name park {} but were sent for {code}",
                rules.park
            ),
        ));
    }
    let text = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    state.store.set_setting(&policy_key(&code), &text).await?;
    tracing::info!(actor = %actor.name, park = %code, rules = rules.rules.len(), "incentive rules set");
    Ok(Json(
        serde_json::to_value(rules).map_err(ApiError::internal)?,
    ))
}

/// Body of `POST /api/policy/estimate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateRequest {
    /// The site: `{"layer": "plots" | "factories", "id": 12}`.
    pub site: SiteRef,
    /// The investor's plan.
    #[schema(value_type = PlanSchema)]
    pub plan: Value,
    /// Rules to estimate with instead of the park's stored ones, as in
    /// `PUT /api/parks/{code}/policy`'s `rules`: a preview of rules not yet
    /// saved. Checked as a save checks them; nothing is stored.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<Value>,
}

/// An investor's plan, as the policy calculator and site matching take it
/// (`siteatlas_advisor::Plan`; documentation only). Amounts are 万元.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Plan)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PlanSchema {
    /// Total fixed-asset investment, 万元, >= 0.
    #[schema(minimum = 0)]
    pub investment_wan: f64,
    /// Land, 亩, > 0: the incentives' basis (a plot's own area when not given; standard-land checks always use the plot's area).
    #[schema(exclusive_minimum = 0)]
    pub area_mu: Option<f64>,
    /// Floor area, m², > 0: rented (factories) or to be built (plots: the plot ratio).
    #[schema(exclusive_minimum = 0)]
    pub floor_area_m2: Option<f64>,
    /// Expected output per year, 万元, >= 0.
    #[schema(minimum = 0)]
    pub expected_output_wan: Option<f64>,
    /// Expected tax per year, 万元, >= 0 (0 counts as not given).
    #[schema(minimum = 0)]
    pub expected_tax_wan: Option<f64>,
    /// Equipment to be bought, 万元, >= 0.
    #[schema(minimum = 0)]
    pub equipment_wan: Option<f64>,
    /// New jobs.
    pub jobs: Option<u32>,
    /// Lease, months (factories).
    pub lease_months: Option<u32>,
    /// Expected energy use per year, tonnes of standard coal equivalent (tce), >= 0.
    #[schema(minimum = 0)]
    pub energy_tce: Option<f64>,
}

/// What an indicator requires (documentation only): a bound, or the plot
/// ratio's range.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RequiredValue {
    /// The minimum, or for `energy_per_mu` the maximum.
    Bound(f64),
    /// The plot ratio's range; an open end is left out.
    Range {
        /// Lowest plot ratio.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Highest plot ratio.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
}

/// One standard-land indicator checked against a plan (documentation only;
/// see `siteatlas_advisor::compliance`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ComplianceCheck {
    /// `investment_intensity` (>= minimum), `tax_per_mu` (>= minimum),
    /// `plot_ratio` (within the range) or `energy_per_mu` (<= limit).
    pub indicator: String,
    /// A number, or `{min?, max?}` for `plot_ratio`, in `unit`.
    pub required: RequiredValue,
    /// The plan's figure per mu of the plot (floor over land for the plot ratio), rounded to 0.01; null when the plan lacks it.
    pub planned: Option<f64>,
    /// Whether the plan meets the indicator; null when the plan lacks the figure.
    pub pass: Option<bool>,
    /// On a failure: how far from the bound, in `unit`, rounded up to 0.01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<f64>,
    /// On a failed plot ratio: `min` or `max`, the bound missed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// Why the check cannot be judged (pass null), in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 万元/亩, 万元/亩/年, 吨标准煤/亩/年, or empty for the plot ratio.
    pub unit: String,
    /// The indicator in Chinese (投资强度 …).
    pub label_zh: String,
    /// The indicator in English.
    pub label_en: String,
}

/// The answer of `POST /api/policy/estimate` (documentation only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EstimateAnswer {
    /// The rules' park.
    pub park: String,
    /// Land the per-mu incentive figures are based on, 亩.
    pub land_mu: Option<f64>,
    /// Investment intensity on `land_mu`, 万元/亩.
    pub investment_intensity_wan_per_mu: Option<f64>,
    /// Tax per mu on `land_mu`, 万元/亩/year.
    pub tax_per_mu_wan: Option<f64>,
    /// One outcome per rule: {id, name, applies, amount_wan, explanation, source?}.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Value>,
    /// Sum of the amounts, 万元.
    pub total_wan: f64,
    /// One check per standard-land indicator the plot sets; empty for factories and plots that are not standard land.
    pub compliance: Vec<ComplianceCheck>,
    /// false when a check fails, null when one cannot be judged, else true (also when nothing is checked).
    pub compliant: Option<bool>,
}

/// A site by layer and id.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRef {
    /// `plots` or `factories`.
    pub layer: String,
    /// Feature id.
    pub id: u64,
}

/// `POST /api/policy/estimate`
#[utoipa::path(post, path = "/api/policy/estimate", tag = "advice", request_body = EstimateRequest,
    responses((status = 200, description = "what the project would get, and whether it meets the plot's standard-land indicators; with `rules` in the body, under those rules rather than the park's stored ones", body = EstimateAnswer),
              (status = 400, description = "an invalid plan or invalid unsaved rules, named", body = crate::error::ErrorBody),
              (status = 404, description = "no such site", body = crate::error::ErrorBody)))]
pub async fn estimate(
    State(state): State<SharedState>,
    ApiJson(body): ApiJson<EstimateRequest>,
) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&body.site.layer)?;
    let plan = Plan::from_json(&body.plan.to_string())?;
    let id = body.site.id;
    let facts = {
        let atlas = state.atlas.read();
        match layer {
            LayerKind::Plots => atlas.plots.get(id).map(|f| SiteFacts::from_plot(f)),
            LayerKind::Factories => atlas.factories.get(id).map(|f| SiteFacts::from_factory(f)),
            _ => {
                return Err(ApiError::bad_parameter(
                    "site.layer",
                    "incentives are estimated for plots or factories",
                ));
            }
        }
    }
    .ok_or_else(|| ApiError::not_found(format!("no {layer} feature with id {id}")))?;
    let park = facts.park.clone().unwrap_or_default();
    let rules = match body.rules {
        Some(rules) => PolicyRules::from_json(&json!({"park": park, "rules": rules}).to_string())?,
        None => rules_of(&state, &park).await?.unwrap_or(PolicyRules {
            park,
            rules: Vec::new(),
        }),
    };
    let estimate = siteatlas_advisor::estimate(&rules, facts, &plan);
    Ok(Json(
        serde_json::to_value(estimate).map_err(ApiError::internal)?,
    ))
}
