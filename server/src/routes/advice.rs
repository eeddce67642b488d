//! Advice for investors: site matching (`POST /api/match`) and the policy
//! calculator (`GET`/`PUT /api/parks/{code}/policy`,
//! `POST /api/policy/estimate`), over [`siteatlas_advisor`].

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use serde::Deserialize;
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
    request_body(content = Object, description = "{layers?, criteria: [{field, min?, max?, any_of?, hard?, weight?} | {near, max_m, hard?, weight?}], limit?, include_held?}; see the advisor crate for the fields and the score. Sold (transferred) and withdrawn plots and fully occupied factories are never listed; reserved and negotiating plots only with include_held: true (default false), then marked held: true"),
    responses((status = 200, description = "{results: [{layer, id, code, name, park, status, held, score, criteria: [{field, verdict, wanted, actual, hard, weight}]}], total}; status is the site's (available, reserved, negotiating; vacant, partial)"),
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
    /// The investor's plan: {investment_wan, area_mu?, floor_area_m2?, expected_output_wan?, expected_tax_wan?, equipment_wan?, jobs?, lease_months?}.
    #[schema(value_type = Object)]
    pub plan: Value,
    /// Rules to estimate with instead of the park's stored ones, as in
    /// `PUT /api/parks/{code}/policy`'s `rules`: a preview of rules not yet
    /// saved. Checked as a save checks them; nothing is stored.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<Value>,
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
    responses((status = 200, description = "{park, land_mu, investment_intensity_wan_per_mu, tax_per_mu_wan, rules: [{id, name, applies, amount_wan, explanation}], total_wan}; with `rules` in the body, under those rules rather than the park's stored ones"),
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
