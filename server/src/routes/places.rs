//! The gazetteer: `GET /api/places?q=&limit=`, places by name over the
//! atlas's own data (parks, plots, factories, office buildings, POIs) and the offline context's districts.
//!
//! It is built from the index under its read lock on every request, so it is
//! always in step with writes, and needs nothing beyond the server itself.
//! Matching is on the name, the code and the kind's Chinese name (高速出口),
//! in partial Chinese or in pinyin initials (`wj` for 温江).

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use geo::Rect;
use serde::{Deserialize, Serialize};
use siteatlas_tiles::model::PoiKind;

use crate::error::ApiError;
use crate::routes::ApiQuery;
use crate::state::SharedState;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 64;
/// Answers given when `limit` is not.
const DEFAULT_LIMIT: usize = 10;
/// Most answers one request may ask for.
const MAX_LIMIT: usize = 50;

/// The query string of `GET /api/places`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlacesQuery {
    /// Part of a name or code, in Chinese, Latin letters or pinyin initials
    /// (1-64 characters). Read as optional so that a missing one is
    /// refused in the API's own words, naming it.
    #[param(required = true)]
    pub q: Option<String>,
    /// Most answers (1-50, default 10).
    pub limit: Option<String>,
}

/// One place found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Place {
    /// Its name (a plot's code when it has no name).
    pub name: String,
    /// `park`, `plot`, `district` or the POI's kind (`highway_exit` …).
    pub kind: String,
    /// A representative point, `[lon, lat]`.
    pub point: [f64; 2],
    /// `[west, south, east, north]`.
    pub bbox: [f64; 4],
    /// The map layer, when the place is a feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<&'static str>,
    /// The feature's id, when the place is a feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The feature's code, when the place is a feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The answer of `GET /api/places`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlacesAnswer {
    /// Best first.
    pub places: Vec<Place>,
}

/// The Chinese name of a POI kind, searched beside the POI's own name.
fn kind_name(kind: PoiKind) -> &'static str {
    match kind {
        PoiKind::HighwayExit => "高速出口",
        PoiKind::RailFreight => "铁路货运站",
        PoiKind::Port => "港口",
        PoiKind::Airport => "机场",
        PoiKind::Substation => "变电站",
        PoiKind::Wastewater => "污水处理厂",
    }
}

/// Characters and the initial of their pinyin, as read in place names
/// (重 as chong in 重庆). No maintained pinyin crate is available to the
/// build, so the table holds the characters of the demo data, the kinds'
/// names and common place-name characters. A character outside it keeps
/// itself in the initials, so it can only match itself, never a letter.
const INITIALS: &[(&str, &str)] = &[
    (
        "三业东两中产京仙件低光兰兴准出包北区医华单南厂县发变口号命品嘉嘴团园国土地场块型城处复大套子学宁安层岸峡工市广庆开心成房技收新昆昌显期术机村果标栋核楼武段水永江",
        "sydlzcjxjdglxzcbbqyhdncxfbkhmpjztygtdckxccfdtzxnacaxgsgqkxcfjsxkcxqsjcgbdhlwdsyj",
    ),
    (
        "污汽沪河流济海涪渝温港游片物环理生电碚示科空站箱线经结绕绵能茂药装货费路车运速遂道邛邻郊部郫都配重金铁长阳际陵集零食马高鱼龙",
        "wqhhljhfywgypwhlsdbskkzxxjjrmnmyzhflcyssdqljbpdpcjtcyjljlsmgyl",
    ),
    ("省州镇乡街湾桥台湖山火航保税综合仓储", "szzxjwqthshhbszhcc"),
];

/// The pinyin initials of a text: letters and digits lower-cased, Chinese
/// characters by the table, other characters (brackets, dashes) dropped.
fn initials(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                return Some(c.to_ascii_lowercase());
            }
            if c.is_ascii() || c.is_whitespace() || !c.is_alphanumeric() {
                return None;
            }
            Some(initial_of(c).unwrap_or(c))
        })
        .collect()
}

fn initial_of(c: char) -> Option<char> {
    INITIALS.iter().find_map(|(chars, letters)| {
        chars
            .chars()
            .position(|x| x == c)
            .and_then(|i| letters.chars().nth(i))
    })
}

/// How well a text answers a query: 4 exact, 3 prefix, 2 substring, 1 pinyin
/// initials (as a substring of the text's initials), 0 none.
fn score_text(text: &str, query: &str, query_initials: &str) -> u8 {
    if text.is_empty() {
        return 0;
    }
    let text_lc = text.to_lowercase();
    if text_lc == query {
        4
    } else if text_lc.starts_with(query) {
        3
    } else if text_lc.contains(query) {
        2
    } else if !query_initials.is_empty()
        && query_initials.chars().all(|c| c.is_ascii_alphanumeric())
        && initials(text).contains(query_initials)
    {
        1
    } else {
        0
    }
}

/// A district of the offline context, read once.
struct District {
    name: String,
    point: [f64; 2],
    bbox: [f64; 4],
}

fn districts() -> &'static [District] {
    static DISTRICTS: OnceLock<Vec<District>> = OnceLock::new();
    DISTRICTS.get_or_init(|| {
        let context: serde_json::Value =
            serde_json::from_str(siteatlas_fixtures::context::CONTEXT).unwrap_or_default();
        let Some(features) = context["features"].as_array() else {
            return Vec::new();
        };
        features
            .iter()
            .filter(|f| f["properties"]["kind"] == "district")
            .filter_map(|f| {
                let name = f["properties"]["name"].as_str()?.to_owned();
                let geometry: geojson::Geometry =
                    serde_json::from_value(f["geometry"].clone()).ok()?;
                let shape: geo::Geometry<f64> = geometry.try_into().ok()?;
                let rect = geo::BoundingRect::bounding_rect(&shape)?;
                let point = geo::InteriorPoint::interior_point(&shape)?;
                Some(District {
                    name,
                    point: [point.x(), point.y()],
                    bbox: bbox_of(rect),
                })
            })
            .collect()
    })
}

fn bbox_of(rect: Rect<f64>) -> [f64; 4] {
    [rect.min().x, rect.min().y, rect.max().x, rect.max().y]
}

/// Parses `q` and `limit`: 400 naming the parameter when missing, empty,
/// too long or not a number in range.
fn parse(query: &PlacesQuery) -> Result<(String, usize), ApiError> {
    let q = query.q.as_deref().map(str::trim).unwrap_or("");
    if q.is_empty() {
        return Err(ApiError::bad_parameter(
            "q",
            "is required and must not be empty",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_parameter(
            "q",
            format!("is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "limit",
                    format!("`{text}` is not an integer from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    Ok((q.to_lowercase(), limit))
}

/// Places whose name, code or kind answer the query, best first: by score,
/// then parks, districts and POIs before plots and factories, then by name.
pub fn find(atlas: &siteatlas_tiles::Atlas, q: &str, limit: usize) -> Vec<Place> {
    let q_initials = initials(q);
    // (score, rank of the kind: lower first, place)
    let mut found: Vec<(u8, u8, Place)> = Vec::new();
    let best = |texts: &[&str]| {
        texts
            .iter()
            .map(|t| score_text(t, q, &q_initials))
            .max()
            .unwrap_or(0)
    };
    for entry in atlas.parks.iter() {
        let f = &entry.feature;
        let score = best(&[&f.attrs.name, &f.code]);
        if score > 0 {
            found.push((
                score,
                0,
                feature_place(&f.attrs.name, "park", "parks", entry),
            ));
        }
    }
    for district in districts() {
        let score = best(&[&district.name]);
        if score > 0 {
            found.push((
                score,
                1,
                Place {
                    name: district.name.clone(),
                    kind: "district".into(),
                    point: district.point,
                    bbox: district.bbox,
                    layer: None,
                    id: None,
                    code: None,
                },
            ));
        }
    }
    for entry in atlas.pois.iter() {
        let f = &entry.feature;
        let score = best(&[&f.attrs.name, &f.code, kind_name(f.attrs.kind)]);
        if score > 0 {
            found.push((
                score,
                0,
                feature_place(&f.attrs.name, f.attrs.kind.as_str(), "pois", entry),
            ));
        }
    }
    // The sites investors take, found by code or name.
    fn sites<A: siteatlas_tiles::model::Attributes>(
        index: &siteatlas_tiles::index::LayerIndex<A>,
        kind: &str,
        best: &dyn Fn(&[&str]) -> u8,
        found: &mut Vec<(u8, u8, Place)>,
    ) {
        for entry in index.iter() {
            let f = &entry.feature;
            let name = match f.attrs.value("name") {
                Some(siteatlas_tiles::FieldValue::Text(name)) => name,
                _ => "",
            };
            let score = best(&[&f.code, name]);
            if score > 0 {
                found.push((
                    score,
                    2,
                    feature_place(name, kind, A::LAYER.as_str(), entry),
                ));
            }
        }
    }
    sites(&atlas.plots, "plot", &best, &mut found);
    sites(&atlas.factories, "factory", &best, &mut found);
    sites(&atlas.offices, "office", &best, &mut found);
    found.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then_with(|| a.2.name.chars().count().cmp(&b.2.name.chars().count()))
            .then_with(|| a.2.name.cmp(&b.2.name))
    });
    found.truncate(limit);
    found.into_iter().map(|(_, _, place)| place).collect()
}

fn feature_place<A: siteatlas_tiles::model::Attributes>(
    name: &str,
    kind: &str,
    layer: &'static str,
    entry: &siteatlas_tiles::index::Entry<A>,
) -> Place {
    let anchor = entry.feature.anchor();
    Place {
        name: if name.trim().is_empty() {
            entry.feature.code.clone()
        } else {
            name.to_owned()
        },
        kind: kind.to_owned(),
        point: [anchor.x(), anchor.y()],
        bbox: bbox_of(entry.bbox),
        layer: Some(layer),
        id: Some(entry.feature.id),
        code: Some(entry.feature.code.clone()),
    }
}

/// `GET /api/places?q=&limit=`
#[utoipa::path(get, path = "/api/places", tag = "search", params(PlacesQuery),
    responses((status = 200, description = "places by name, best first: exact, prefix, substring, pinyin initials; parks and POIs before plots and factories at equal score", body = PlacesAnswer),
              (status = 400, description = "`q` empty or longer than 64 characters, or `limit` out of range", body = crate::error::ErrorBody)))]
pub async fn places(
    State(state): State<SharedState>,
    ApiQuery(query): ApiQuery<PlacesQuery>,
) -> Result<Response, ApiError> {
    let (q, limit) = parse(&query)?;
    let places = find(&state.atlas.read(), &q, limit);
    Ok(Json(PlacesAnswer { places }).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_table_rows_agree() {
        for (chars, letters) in INITIALS {
            assert_eq!(chars.chars().count(), letters.chars().count(), "{chars}");
        }
    }

    #[test]
    fn initials_of_place_names() {
        assert_eq!(initials("温江"), "wj");
        assert_eq!(initials("高速出口"), "gsck");
        assert_eq!(initials("重庆果园港"), "cqgyg");
        assert_eq!(initials("G5京昆高速（成绵段）"), "g5jkgscmd");
    }

    #[test]
    fn scores_order_exact_prefix_substring_initials() {
        assert_eq!(score_text("温江", "温江", "wj"), 4);
        assert_eq!(score_text("温江区", "温江", "wj"), 3);
        assert_eq!(score_text("成都市温江区", "温江", "wj"), 2);
        assert_eq!(score_text("成都市温江区", "wj", "wj"), 1);
        assert_eq!(score_text("绵阳", "wj", "wj"), 0);
    }
}
