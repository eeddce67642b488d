//! A park's profile (园区名片): `GET /api/parks/{id}/profile`.
//!
//! The park's own attributes, and what is worked out live from the index and
//! the store: its carriers at a glance, its occupancy (满园率), its panoramas
//! and tours, and one line per incentive rule.
//!
//! **Occupancy (满园率)** is the share of the park's carrier space that is
//! taken: `(land taken + floor let) / (land + floor)`, where
//! - *land* is the area of the park's plots other than withdrawn ones (a
//!   withdrawn plot is neither on offer nor in use), and *land taken* that of
//!   those not available (reserved, negotiating or transferred: off the market);
//! - *floor* is the gross floor area of the park's factories whose let area is
//!   known, and *floor let* their gross area less the area still available (a
//!   vacant factory without an available area is all available, an occupied one
//!   all let; a partly let one without it is left out of both).
//!
//! Land and floor areas are added in m² as they are. Each part's own share is
//! given too (`land_rate`, `floor_rate`); a part with no area has none.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use serde::Serialize;
use serde_json::Value;
use siteatlas_advisor::PolicyRules;
use siteatlas_tiles::{Atlas, FactoryStatus, Park, PlotStatus};

use crate::error::ApiError;
use crate::routes::advice::policy_key;
use crate::routes::features::parse_layer;
use crate::routes::panoramas::{is_ready, scene_json};
use crate::state::SharedState;

/// The smallest and largest of some values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Range {
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Range {
    fn of(values: impl IntoIterator<Item = f64>) -> Option<Range> {
        values.into_iter().fold(None, |range, v| {
            Some(match range {
                None => Range { min: v, max: v },
                Some(r) => Range {
                    min: r.min.min(v),
                    max: r.max.max(v),
                },
            })
        })
    }
}

/// The park's plots on offer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlotCarriers {
    /// Plots with status `available`.
    pub available: usize,
    /// Their area together, 亩.
    pub total_area_mu: f64,
    /// Their areas, 亩; null without any.
    pub area_mu: Option<Range>,
    /// Their asking prices, 万元/亩; null when none has one.
    pub price_wan_per_mu: Option<Range>,
}

/// The park's factories with space to let.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FactoryCarriers {
    /// Factories that are vacant or partly let (and not known to have no space left).
    pub with_space: usize,
    /// Their available floor areas, m²; null when none is known.
    pub available_area_m2: Option<Range>,
    /// Their rents, 元/m²/月; null when none has one.
    pub rent_yuan_m2_month: Option<Range>,
}

/// Carriers (载体) at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Carriers {
    /// Plots on offer.
    pub plots: PlotCarriers,
    /// Factories with space.
    pub factories: FactoryCarriers,
}

/// 满园率, as the module documents it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Occupancy {
    /// `(land_taken_m2 + floor_let_m2) / (land_m2 + floor_m2)`, 0-1; null when both are 0.
    pub rate: Option<f64>,
    /// `land_taken_m2 / land_m2`; null without land.
    pub land_rate: Option<f64>,
    /// `floor_let_m2 / floor_m2`; null without floor area.
    pub floor_rate: Option<f64>,
    /// Area of the park's plots, withdrawn ones aside, m².
    pub land_m2: f64,
    /// Of which not available (reserved, negotiating, transferred), m².
    pub land_taken_m2: f64,
    /// Gross floor area of the park's factories whose let area is known, m².
    pub floor_m2: f64,
    /// Of which let, m².
    pub floor_let_m2: f64,
    /// How the rate is computed, in one sentence.
    pub method: &'static str,
}

/// A tour with a stop in the park.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfileTour {
    /// Tour id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Its stops that can be shown, in order.
    pub stops: usize,
    /// Of which in this park.
    pub stops_in_park: usize,
    /// The stops' scenes, in order, as `GET /api/panoramas/{id}` gives them.
    #[schema(value_type = Vec<Object>)]
    pub scenes: Vec<Value>,
}

/// One incentive rule in a line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyLine {
    /// The rule's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind (land_price_discount, tax_reward …).
    pub kind: String,
    /// What it grants, in Chinese.
    pub summary: String,
    /// The policy document and article it comes from.
    pub source: Option<String>,
    /// The rule's terms as stored (`kind` and its numbers), for other languages.
    #[schema(value_type = Object)]
    pub terms: Value,
}

/// `GET /api/parks/{id}/profile`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParkProfile {
    /// Park id.
    pub id: u64,
    /// Park code.
    pub code: String,
    /// The park's attributes as stored (name, level, district, area_km2,
    /// industries, industry_chains, enterprises [{name, industry, output_yi?,
    /// leading}], enterprise_count, output_value_yi, services, contact {name,
    /// phone}, amenities [{kind, name, distance_km?}]).
    #[schema(value_type = Object)]
    pub park: Value,
    /// Carriers at a glance.
    pub carriers: Carriers,
    /// 满园率.
    pub occupancy: Occupancy,
    /// Ready scenes of the park and of its plots and factories, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub panoramas: Vec<Value>,
    /// Tours with at least one stop in the park, newest first.
    pub tours: Vec<ProfileTour>,
    /// The park's incentive rules, one line each.
    pub policy: Vec<PolicyLine>,
}

const OCCUPANCY_METHOD: &str = "(area of plots not available + floor area of factories let) / (area of plots, withdrawn ones aside + floor area of factories whose let area is known)";

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// The park's carriers and occupancy, from the index.
pub fn carriers_and_occupancy(atlas: &Atlas, code: &str) -> (Carriers, Occupancy) {
    let in_park = |park: &Option<String>| park.as_deref() == Some(code);
    let mut available = Vec::new();
    let (mut land, mut land_taken) = (0.0, 0.0);
    for plot in atlas.plots.iter().map(|e| &e.feature) {
        let a = &plot.attrs;
        if !in_park(&a.park) || a.status == PlotStatus::Withdrawn {
            continue;
        }
        land += a.area_m2;
        if a.status == PlotStatus::Available {
            available.push(a);
        } else {
            land_taken += a.area_m2;
        }
    }
    let mut with_space = Vec::new();
    let (mut floor, mut floor_let) = (0.0, 0.0);
    for factory in atlas.factories.iter().map(|e| &e.feature) {
        let a = &factory.attrs;
        if !in_park(&a.park) {
            continue;
        }
        let free = a.available_area_m2.or(match a.status {
            FactoryStatus::Vacant => a.total_area_m2,
            FactoryStatus::Occupied => Some(0.0),
            FactoryStatus::Partial => None,
        });
        if let (Some(total), Some(free)) = (a.total_area_m2, free) {
            floor += total;
            floor_let += (total - free).max(0.0);
        }
        if a.status != FactoryStatus::Occupied && free.is_none_or(|f| f > 0.0) {
            with_space.push((a, free));
        }
    }
    let carriers = Carriers {
        plots: PlotCarriers {
            available: available.len(),
            total_area_mu: available.iter().map(|a| a.area_mu()).sum(),
            area_mu: Range::of(available.iter().map(|a| a.area_mu())),
            price_wan_per_mu: Range::of(available.iter().filter_map(|a| a.price_wan_per_mu)),
        },
        factories: FactoryCarriers {
            with_space: with_space.len(),
            available_area_m2: Range::of(with_space.iter().filter_map(|(_, free)| *free)),
            rent_yuan_m2_month: Range::of(
                with_space.iter().filter_map(|(a, _)| a.rent_yuan_m2_month),
            ),
        },
    };
    let occupancy = Occupancy {
        rate: ratio(land_taken + floor_let, land + floor),
        land_rate: ratio(land_taken, land),
        floor_rate: ratio(floor_let, floor),
        land_m2: land,
        land_taken_m2: land_taken,
        floor_m2: floor,
        floor_let_m2: floor_let,
        method: OCCUPANCY_METHOD,
    };
    (carriers, occupancy)
}

/// A park by id, or by code when the path is not an id of one.
fn find_park(atlas: &Atlas, key: &str) -> Option<Park> {
    key.parse::<u64>()
        .ok()
        .and_then(|id| atlas.parks.get(id))
        .or_else(|| {
            atlas
                .parks
                .iter()
                .map(|e| &e.feature)
                .find(|f| f.code == key)
        })
        .map(|f| Park::clone(f))
}

/// `GET /api/parks/{id}/profile`
#[utoipa::path(get, path = "/api/parks/{id}/profile", tag = "features",
    params(("id" = String, Path, description = "the park's id, or its code", example = "WJ-MED")),
    responses((status = 200, description = "the park's profile (园区名片): its attributes, carriers, occupancy, panoramas, tours and incentive rules", body = ParkProfile),
              (status = 404, description = "no such park", body = crate::error::ErrorBody)))]
pub async fn profile(
    State(state): State<SharedState>,
    UrlPath(key): UrlPath<String>,
) -> Result<Json<ParkProfile>, ApiError> {
    let (park, carriers, occupancy) = {
        let atlas = state.atlas.read();
        let park = find_park(&atlas, &key)
            .ok_or_else(|| ApiError::not_found(format!("no park with id or code `{key}`")))?;
        let (carriers, occupancy) = carriers_and_occupancy(&atlas, &park.code);
        (park, carriers, occupancy)
    };
    let code = park.code.clone();

    // Scenes of the park's own sites, ready to be shown.
    let mut records = HashMap::new();
    let mut in_park = HashSet::new();
    let mut panoramas = Vec::new();
    for p in state.store.panoramas(None, None).await? {
        if !is_ready(&p) {
            continue;
        }
        let park_of_scene = parse_layer(&p.layer)
            .ok()
            .and_then(|layer| state.atlas.read().park_of(layer, p.feature_id as u64))
            .flatten();
        if park_of_scene.as_deref() == Some(code.as_str()) {
            in_park.insert(p.id);
            panoramas.push(scene_json(&p, &state.store.hotspots(p.id).await?));
        }
        records.insert(p.id, p);
    }

    let mut tours = Vec::new();
    for tour in state.store.tours().await? {
        let stops: Vec<Value> = serde_json::from_str(&tour.stops).unwrap_or_default();
        let ids: Vec<i64> = stops
            .iter()
            .filter_map(|s| s["panorama"].as_i64())
            .filter(|id| records.contains_key(id))
            .collect();
        let stops_in_park = ids.iter().filter(|id| in_park.contains(id)).count();
        if stops_in_park == 0 {
            continue;
        }
        let mut scenes = Vec::with_capacity(ids.len());
        for id in &ids {
            scenes.push(scene_json(&records[id], &state.store.hotspots(*id).await?));
        }
        tours.push(ProfileTour {
            id: tour.id,
            title: tour.title,
            stops: ids.len(),
            stops_in_park,
            scenes,
        });
    }

    let policy = match state.store.setting(&policy_key(&code)).await? {
        Some(text) => PolicyRules::from_json(&text)
            .map_err(ApiError::internal)?
            .rules
            .iter()
            .map(|rule| {
                let terms = serde_json::to_value(&rule.kind).unwrap_or(Value::Null);
                PolicyLine {
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    kind: terms["kind"].as_str().unwrap_or_default().to_owned(),
                    summary: rule.summary(),
                    source: rule.source.clone(),
                    terms,
                }
            })
            .collect(),
        None => Vec::new(),
    };

    state
        .usage
        .count("card_view", Some("parks"), Some(park.id as i64), None);
    Ok(Json(ParkProfile {
        id: park.id,
        code,
        park: serde_json::to_value(&park.attrs).map_err(ApiError::internal)?,
        carriers,
        occupancy,
        panoramas,
        tours,
        policy,
    }))
}
