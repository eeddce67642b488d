//! Filters of a tile request: the constraints of `/api/search` that concern
//! the plots and factories layers, read by the same parser so that a tile
//! and a search cannot disagree on what a parameter means, and written back
//! in one canonical form so that equal filters share a cache entry and ETag.

use std::collections::BTreeMap;

use crate::error::SearchError;
use crate::model::{FactoryAttrs, PlotAttrs};
use crate::model::{FactoryStatus, LayerKind, PlotStatus};
use crate::search::{FactoryFilter, FeatureTest, FieldCondition, PlotFilter, SearchQuery};
use crate::search_params::{query_from_params, typed_parameters};

/// Parameters that constrain plots.
const PLOT_PARAMETERS: &[&str] = &[
    "status",
    "land_use",
    "min_area_mu",
    "max_area_mu",
    "min_price",
    "max_price",
    "park",
];

/// Parameters that constrain factories.
const FACTORY_PARAMETERS: &[&str] = &[
    "status",
    "min_clear_height_m",
    "min_floor_load_kn_m2",
    "min_available_area_m2",
    "max_available_area_m2",
    "max_rent",
    "park",
];

/// The filters plots and factories declare beyond the typed ones above (a
/// plot's supply method, a factory's fire class), read as
/// [`crate::search::FieldCondition`]s.
fn declared_parameters(layer: LayerKind) -> impl Iterator<Item = &'static str> {
    let typed = typed_parameters(layer);
    layer
        .spec()
        .filter_params()
        .map(|(_, p)| p)
        .filter(move |p| !typed.contains(p))
}

/// Whether `name` filters the layer in a tile request.
fn is_layer_parameter(layer: LayerKind, name: &str) -> bool {
    let typed = match layer {
        LayerKind::Plots => PLOT_PARAMETERS,
        _ => FACTORY_PARAMETERS,
    };
    typed.contains(&name) || declared_parameters(layer).any(|p| p == name)
}

/// Every filter parameter a tile request takes: the plots' and then the
/// factories' that plots do not share, in that order.
pub fn tile_parameters() -> impl Iterator<Item = &'static str> {
    let plots = PLOT_PARAMETERS
        .iter()
        .copied()
        .chain(declared_parameters(LayerKind::Plots));
    let factories = FACTORY_PARAMETERS
        .iter()
        .copied()
        .chain(declared_parameters(LayerKind::Factories))
        .filter(|p| !is_layer_parameter(LayerKind::Plots, p));
    plots.chain(factories)
}

/// What a tile request keeps of the plots and factories layers; the other
/// layers are never filtered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TileFilter {
    /// Constraints on plots.
    pub plots: PlotFilter,
    /// Constraints on factories.
    pub factories: FactoryFilter,
    /// Park code, for plots and factories alike.
    pub park: Option<String>,
    /// The declared filters' conditions on plots.
    pub plot_conditions: Vec<FieldCondition>,
    /// The declared filters' conditions on factories.
    pub factory_conditions: Vec<FieldCondition>,
    /// The declared filters as given, in canonical spelling, for the cache key.
    declared: BTreeMap<String, String>,
}

fn subset(params: &BTreeMap<String, String>, names: &[&str]) -> BTreeMap<String, String> {
    params
        .iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Splits a `status` list between the layers: plots and factories have
/// different vocabularies (a factory can be `leased`, a plot `reserved`), so
/// each value goes to the layers that know it, and one neither knows is refused.
fn split_status(value: &str) -> Result<(Vec<&str>, Vec<&str>), SearchError> {
    let mut plots = Vec::new();
    let mut factories = Vec::new();
    for s in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let p = s.parse::<PlotStatus>().is_ok();
        let f = s.parse::<FactoryStatus>().is_ok();
        if !p && !f {
            let known: Vec<&str> = PlotStatus::ALL
                .iter()
                .map(|v| v.as_str())
                .chain(FactoryStatus::ALL.iter().map(|v| v.as_str()))
                .collect();
            return Err(SearchError::new(
                "status",
                format!("`{s}` is not one of {}", known.join(", ")),
            ));
        }
        if p {
            plots.push(s);
        }
        if f {
            factories.push(s);
        }
    }
    Ok((plots, factories))
}

impl TileFilter {
    /// Reads a tile request's query parameters; `also_accepted` are the
    /// caller's own. Any other parameter, including a search's that has no
    /// meaning for a tile (`lon`, `limit` …), is refused by name.
    pub fn from_params(
        params: &BTreeMap<String, String>,
        also_accepted: &[&str],
    ) -> Result<Self, SearchError> {
        if let Some(unknown) = params.keys().find(|k| {
            !is_layer_parameter(LayerKind::Plots, k)
                && !is_layer_parameter(LayerKind::Factories, k)
                && !also_accepted.contains(&k.as_str())
        }) {
            return Err(SearchError::new(
                unknown,
                format!(
                    "unknown tile parameter; expected one of {}",
                    tile_parameters().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let (plot_status, factory_status) = match params.get("status") {
            Some(v) => split_status(v)?,
            None => (Vec::new(), Vec::new()),
        };
        let plot_names: Vec<&str> = PLOT_PARAMETERS
            .iter()
            .copied()
            .chain(declared_parameters(LayerKind::Plots))
            .collect();
        let factory_names: Vec<&str> = FACTORY_PARAMETERS
            .iter()
            .copied()
            .chain(declared_parameters(LayerKind::Factories))
            .collect();
        let mut plot_params = subset(params, &plot_names);
        let mut factory_params = subset(params, &factory_names);
        plot_params.insert("status".into(), plot_status.join(","));
        factory_params.insert("status".into(), factory_status.join(","));
        plot_params.insert("layer".into(), LayerKind::Plots.as_str().into());
        factory_params.insert("layer".into(), LayerKind::Factories.as_str().into());
        let plots = query_from_params(&plot_params, None, &[])?;
        plots.validate()?;
        let factories = query_from_params(&factory_params, None, &[])?;
        factories.validate()?;
        let declared = params
            .iter()
            .filter(|(k, v)| {
                !v.trim().is_empty()
                    && [LayerKind::Plots, LayerKind::Factories]
                        .iter()
                        .any(|l| declared_parameters(*l).any(|p| p == k.as_str()))
            })
            .map(|(k, v)| (k.clone(), canonical_value(v)))
            .collect();
        let mut filter = TileFilter {
            plots: plots.plots,
            factories: factories.factories,
            park: plots.park,
            plot_conditions: plots.conditions,
            factory_conditions: factories.conditions,
            declared,
        };
        filter.normalise();
        Ok(filter)
    }

    /// Sorts and deduplicates the lists, so that equal filters compare equal.
    fn normalise(&mut self) {
        self.plots.status.sort();
        self.plots.status.dedup();
        self.plots.land_use.sort();
        self.plots.land_use.dedup();
        self.factories.status.sort();
        self.factories.status.dedup();
    }

    /// The test of the plots layer, or `None` when the filter keeps every plot.
    pub(crate) fn plot_test(&self) -> Option<FeatureTest> {
        self.applies_to(LayerKind::Plots).then(|| {
            let mut q = SearchQuery::new(LayerKind::Plots);
            q.plots = self.plots.clone();
            q.park = self.park.clone();
            q.conditions = self.plot_conditions.clone();
            FeatureTest::new::<PlotAttrs>(q)
        })
    }

    /// The test of the factories layer, or `None` when the filter keeps every factory.
    pub(crate) fn factory_test(&self) -> Option<FeatureTest> {
        self.applies_to(LayerKind::Factories).then(|| {
            let mut q = SearchQuery::new(LayerKind::Factories);
            q.factories = self.factories.clone();
            q.park = self.park.clone();
            q.conditions = self.factory_conditions.clone();
            FeatureTest::new::<FactoryAttrs>(q)
        })
    }

    /// Whether the filter keeps every feature.
    pub fn is_empty(&self) -> bool {
        *self == TileFilter::default()
    }

    /// Whether the filter concerns a layer at all.
    pub fn applies_to(&self, layer: LayerKind) -> bool {
        match layer {
            LayerKind::Plots => {
                self.park.is_some()
                    || self.plots != PlotFilter::default()
                    || !self.plot_conditions.is_empty()
            }
            LayerKind::Factories => {
                self.park.is_some()
                    || self.factories != FactoryFilter::default()
                    || !self.factory_conditions.is_empty()
            }
            LayerKind::Parks | LayerKind::Pois | LayerKind::Offices => false,
        }
    }

    /// The filter as a query string in canonical form: parameters in name
    /// order, defaults left out, lists sorted, numbers in their shortest
    /// spelling (`30.0` and `3e1` are both `30`). Empty for no filter.
    pub fn canonical(&self) -> String {
        let mut out: BTreeMap<&str, String> = BTreeMap::new();
        let join = |v: Vec<&str>| v.join(",");
        let mut status: Vec<&str> = self
            .plots
            .status
            .iter()
            .map(|s| s.as_str())
            .chain(self.factories.status.iter().map(|s| s.as_str()))
            .collect();
        status.sort_unstable();
        status.dedup();
        if !status.is_empty() {
            out.insert("status", join(status));
        }
        if !self.plots.land_use.is_empty() {
            out.insert(
                "land_use",
                join(self.plots.land_use.iter().map(|s| s.as_str()).collect()),
            );
        }
        let numbers = [
            ("min_area_mu", self.plots.area_mu.min),
            ("max_area_mu", self.plots.area_mu.max),
            ("min_price", self.plots.price_wan_per_mu.min),
            ("max_price", self.plots.price_wan_per_mu.max),
            ("min_clear_height_m", self.factories.min_clear_height_m),
            ("min_floor_load_kn_m2", self.factories.min_floor_load_kn_m2),
            (
                "min_available_area_m2",
                self.factories.available_area_m2.min,
            ),
            (
                "max_available_area_m2",
                self.factories.available_area_m2.max,
            ),
            ("max_rent", self.factories.max_rent_yuan_m2_month),
        ];
        for (name, v) in numbers {
            if let Some(v) = v {
                // `-0` and `0` select the same features.
                out.insert(name, format!("{}", v + 0.0));
            }
        }
        if let Some(p) = &self.park {
            out.insert("park", p.clone());
        }
        for (name, value) in &self.declared {
            out.insert(name, value.clone());
        }
        out.iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A declared filter's value in one spelling: a number in its shortest
/// form, a list sorted without repeats, anything else trimmed.
fn canonical_value(value: &str) -> String {
    let value = value.trim();
    if let Ok(n) = value.parse::<f64>() {
        return format!("{}", n + 0.0);
    }
    let mut words: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    words.join(",")
}

/// Percent-encodes a value for a query string (everything but unreserved
/// characters and the list separator).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equal_filters_have_one_canonical_form() {
        let a = TileFilter::from_params(
            &params(&[
                ("land_use", "industrial"),
                ("status", "available,available"),
                ("min_area_mu", "30.0"),
                ("max_area_mu", "8e1"),
                ("max_price", ""),
            ]),
            &[],
        )
        .unwrap();
        let b = TileFilter::from_params(
            &params(&[
                ("min_area_mu", "30"),
                ("max_area_mu", "80"),
                ("status", "available"),
                ("land_use", "industrial"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.canonical(),
            "land_use=industrial&max_area_mu=80&min_area_mu=30&status=available"
        );
        assert!(
            TileFilter::from_params(&params(&[]), &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(TileFilter::default().canonical(), "");
    }

    #[test]
    fn refusals_name_the_parameter() {
        for (pairs, name) in [
            (vec![("colour", "red")], "colour"),
            (vec![("lon", "103")], "lon"),
            (vec![("status", "available,nonsense")], "status"),
            (vec![("min_area_mu", "abc")], "min_area_mu"),
            (
                vec![("min_area_mu", "80"), ("max_area_mu", "30")],
                "area_mu",
            ),
            (vec![("land_use", "moon")], "land_use"),
            (vec![("max_rent", "inf")], "max_rent"),
        ] {
            let err = TileFilter::from_params(&params(&pairs), &[]).unwrap_err();
            assert!(
                err.to_string().contains(name),
                "{pairs:?}: {err} does not name {name}"
            );
        }
    }

    #[test]
    fn status_goes_to_the_layers_that_know_it() {
        let f = TileFilter::from_params(&params(&[("status", "vacant,reserved")]), &[]).unwrap();
        assert!(f.plots.status.iter().all(|s| s.as_str() == "reserved"));
        assert!(f.factories.status.iter().all(|s| s.as_str() == "vacant"));
        assert!(f.applies_to(LayerKind::Plots));
        assert!(!f.applies_to(LayerKind::Pois));
    }
}
