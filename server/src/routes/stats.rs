//! Usage analytics for promoters and admins: `GET /api/stats`.
//!
//! Counts only: map visits, card views per site, searches and matches,
//! panorama views, tour opens, live joins and leads, over a period, with views
//! per park per week, the most viewed sites and the funnel from a card view to
//! a lead to a signing. Nothing here identifies a person.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use siteatlas_tiles::LayerKind;

use crate::auth::{Actor, Role};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::routes::ApiQuery;
use crate::state::SharedState;

/// Query of `GET /api/stats`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Period {
    /// First day, `YYYY-MM-DD` (default: 8 weeks before `to`).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today, UTC).
    pub to: Option<String>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days_from_date(name: &str, text: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::bad_parameter(name, format!("expected YYYY-MM-DD, got {text:?}"));
    let mut parts = text.split('-');
    let (y, m, d) = (
        parts
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)?,
        parts
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)?,
        parts
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)?,
    );
    if parts.next().is_some()
        || !(1970..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return Err(bad());
    }
    // Days from civil (H. Hinnant's algorithm, proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    if date_from_days(days) != text {
        return Err(bad());
    }
    Ok(days)
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01.
fn date_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Monday starting the week of a day (1970-01-01 was a Thursday).
fn week_start(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// `GET /api/stats`
#[utoipa::path(get, path = "/api/stats", tag = "leads", params(Period),
    responses((status = 200, description = "{from, to, totals, weekly_views_by_park: [{week, park, views}], top_sites: [{layer, id, code, name, park, views, leads, signed}], funnel: {card_views, leads, signed}}"),
              (status = 400, description = "an invalid date", body = crate::error::ErrorBody),
              (status = 403, description = "not a promoter or admin", body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<SharedState>,
    actor: Actor,
    ApiQuery(period): ApiQuery<Period>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(actor.role, Role::Promoter | Role::Admin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "analytics are for promoters and admins",
        ));
    }
    let today = unix_now() as i64 / 86_400;
    let to = match period.to.as_deref() {
        Some(t) => days_from_date("to", t)?,
        None => today,
    };
    let from = match period.from.as_deref() {
        Some(f) => days_from_date("from", f)?,
        None => week_start(to) - 7 * 7,
    };
    if from > to {
        return Err(ApiError::bad_parameter("from", "after to"));
    }
    // The last seconds' counts first, so the answer includes them.
    state.usage.flush(&state.store).await?;
    let rows = state.store.usage(from * 86_400, (to + 1) * 86_400).await?;

    let mut totals: BTreeMap<&str, i64> = [
        "map_visit",
        "card_view",
        "search",
        "match",
        "panorama_view",
        "tour_open",
        "live_join",
        "lead",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    let mut weekly: BTreeMap<(i64, String), i64> = BTreeMap::new();
    let mut views: HashMap<(String, i64), i64> = HashMap::new();
    for row in &rows {
        if let Some(total) = totals.get_mut(row.kind.as_str()) {
            *total += row.n;
        }
        let (Some(layer), Some(id)) = (row.layer.as_deref(), row.feature_id) else {
            continue;
        };
        if row.kind != "card_view" && row.kind != "panorama_view" {
            continue;
        }
        let park = layer
            .parse::<LayerKind>()
            .ok()
            .and_then(|l| state.atlas.read().park_of(l, id as u64))
            .flatten()
            .unwrap_or_else(|| "(none)".into());
        *weekly.entry((week_start(row.day), park)).or_default() += row.n;
        if row.kind == "card_view" {
            *views.entry((layer.to_owned(), id)).or_default() += row.n;
        }
    }

    // Leads created in the period, per site, and how many of them were signed.
    let leads = state.store.leads(None, None).await?;
    let in_period = |at: i64| (from * 86_400..(to + 1) * 86_400).contains(&at);
    let mut leads_per_site: HashMap<(String, i64), (i64, i64)> = HashMap::new();
    let (mut lead_count, mut signed) = (0, 0);
    for lead in leads.iter().filter(|l| in_period(l.created_at)) {
        lead_count += 1;
        let won = i64::from(lead.status == "signed");
        signed += won;
        if let (Some(layer), Some(id)) = (lead.layer.clone(), lead.feature_id) {
            let e = leads_per_site.entry((layer, id)).or_default();
            e.0 += 1;
            e.1 += won;
        }
    }

    let mut sites: Vec<((String, i64), i64)> = views.into_iter().collect();
    for key in leads_per_site.keys() {
        if !sites.iter().any(|(k, _)| k == key) {
            sites.push((key.clone(), 0));
        }
    }
    sites.sort_by(|a, b| {
        let leads = |k: &(String, i64)| leads_per_site.get(k).map_or(0, |l| l.0);
        b.1.cmp(&a.1)
            .then(leads(&b.0).cmp(&leads(&a.0)))
            .then(a.0.cmp(&b.0))
    });
    let top_sites: Vec<Value> = sites
        .iter()
        .take(10)
        .map(|((layer, id), n)| {
            let atlas = state.atlas.read();
            let (code, name, park) = match layer.as_str() {
                "plots" => atlas.plots.get(*id as u64).map(|f| (f.code.clone(), f.attrs.name.clone(), f.attrs.park.clone())),
                "factories" => atlas.factories.get(*id as u64).map(|f| (f.code.clone(), f.attrs.name.clone(), f.attrs.park.clone())),
                "parks" => atlas.parks.get(*id as u64).map(|f| (f.code.clone(), f.attrs.name.clone(), Some(f.code.clone()))),
                _ => None,
            }
            .map_or((None, None, None), |(c, n, p)| (Some(c), Some(n), p));
            let (l, s) = leads_per_site.get(&(layer.clone(), *id)).copied().unwrap_or_default();
            json!({"layer": layer, "id": id, "code": code, "name": name, "park": park, "views": n, "leads": l, "signed": s})
        })
        .collect();

    Ok(Json(json!({
        "from": date_from_days(from),
        "to": date_from_days(to),
        "totals": totals,
        "weekly_views_by_park": weekly.into_iter().map(|((week, park), views)| json!({"week": date_from_days(week), "park": park, "views": views})).collect::<Vec<_>>(),
        "top_sites": top_sites,
        "funnel": {"card_views": totals["card_view"], "leads": lead_count, "signed": signed},
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_weeks_start_on_monday() {
        assert_eq!(date_from_days(0), "1970-01-01");
        // As Python says: (date(2026, 11, 26) - date(1970, 1, 1)).days
        assert_eq!(days_from_date("d", "2026-11-26").unwrap(), 20_783);
        assert_eq!(date_from_days(20_783), "2026-11-26");
        // 2026-11-26 is a Thursday; its week starts on Monday the 23rd.
        assert_eq!(date_from_days(week_start(20_783)), "2026-11-23");
        assert_eq!(
            week_start(days_from_date("d", "2026-11-23").unwrap()),
            days_from_date("d", "2026-11-23").unwrap()
        );
        assert_eq!(
            days_from_date("d", "2024-02-29").unwrap() + 1,
            days_from_date("d", "2024-03-01").unwrap()
        );
        for bad in ["2026-02-30", "2026-13-01", "26-1-1x", "2026-11", "abc"] {
            assert!(days_from_date("d", bad).is_err(), "{bad}");
        }
    }
}
