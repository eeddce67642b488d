//! Checks and repairs of what is stored: rows the server cannot load, and
//! derived values an older version stored wrong.
//!
//! Before rings were normalised on entry, a plot drawn with a clockwise
//! exterior ring (every Shapefile, most GDAL output) was measured as the
//! rest of the Earth (about 5.1 × 10¹⁴ m²), and one with a hole of the other
//! orientation as a negative area. Such a plot's `area_m2` is either
//! negative, which the loader refuses, or far larger than its outline. The
//! repair recomputes it from the outline, through the audited edit path so
//! that every instance hears of it and the history says why.

use geo::GeodesicArea;
use serde_json::json;
use siteatlas_tiles::LayerKind;

use crate::features::shape_of;
use crate::state::load_layer;
use crate::store::{AuditEntry, EditOutcome, Store, StoreError};
use crate::unreadable::UnreadableRow;

/// The setting that records that a store's plot areas were checked.
const AREAS_CHECKED: &str = "repair:plot_areas";

/// Who the audit log names for repairs.
const REPAIR_ACTOR: &str = "siteatlas migrate";

/// A stored surveyed area is trusted up to this multiple of its outline's
/// area: surveys and drawings differ by a few percent, never by twice.
const MAX_AREA_TO_OUTLINE: f64 = 2.0;

/// A plot whose stored area cannot be right, and the area of its outline.
#[derive(Debug, Clone, PartialEq)]
pub struct WrongArea {
    /// Row id.
    pub id: i64,
    /// Business key.
    pub code: String,
    /// Version when checked.
    pub version: i64,
    /// The stored `area_m2`.
    pub stored_m2: f64,
    /// The geodesic area of the outline, m².
    pub outline_m2: f64,
}

impl std::fmt::Display for WrongArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "plots\t{}\t{}\tarea_m2 {} cannot be right for an outline of {:.2} m²",
            self.id, self.code, self.stored_m2, self.outline_m2
        )
    }
}

/// What `siteatlas check` finds.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Rows the server leaves out of the map.
    pub unreadable: Vec<UnreadableRow>,
    /// Plots whose area `siteatlas migrate` recomputes.
    pub wrong_areas: Vec<WrongArea>,
}

/// Whether a stored area cannot belong to an outline of `outline_m2`.
pub fn area_is_wrong(stored_m2: f64, outline_m2: f64) -> bool {
    !stored_m2.is_finite() || stored_m2 <= 0.0 || stored_m2 > MAX_AREA_TO_OUTLINE * outline_m2
}

/// The plots whose stored `area_m2` cannot be right. Plots without one (the
/// area is derived on load) and rows without a readable outline are not
/// listed here; the latter are unreadable rows.
pub async fn wrong_plot_areas(store: &Store) -> Result<Vec<WrongArea>, StoreError> {
    let mut wrong = Vec::new();
    for row in store.load_layer(LayerKind::Plots).await? {
        let Ok(serde_json::Value::Object(props)) = serde_json::from_str(&row.props) else {
            continue;
        };
        let Some(stored_m2) = props.get("area_m2").and_then(|v| v.as_f64()) else {
            continue;
        };
        let Some(outline_m2) = shape_of(&row)
            .ok()
            .and_then(|s| s.as_area().map(|a| a.geodesic_area_unsigned()))
        else {
            continue;
        };
        if area_is_wrong(stored_m2, outline_m2) {
            wrong.push(WrongArea {
                id: row.id,
                code: row.code,
                version: row.version,
                stored_m2,
                outline_m2,
            });
        }
    }
    Ok(wrong)
}

/// Lists every stored row the server cannot load and every wrong area.
pub async fn check(store: &Store) -> Result<CheckReport, StoreError> {
    let mut report = CheckReport::default();
    for layer in LayerKind::ALL {
        report
            .unreadable
            .extend(load_layer(store, layer).await?.unreadable);
    }
    report.wrong_areas = wrong_plot_areas(store).await?;
    Ok(report)
}

/// Recomputes the plot areas that cannot be right, once per store unless
/// `again`; returns what was changed. Each change is an audited edit, made
/// only if the row was not written meanwhile.
pub async fn repair_plot_areas(store: &Store, again: bool) -> Result<Vec<WrongArea>, StoreError> {
    if !again && store.setting(AREAS_CHECKED).await?.is_some() {
        return Ok(Vec::new());
    }
    let mut repaired = Vec::new();
    for wrong in wrong_plot_areas(store).await? {
        let audit = AuditEntry {
            actor: REPAIR_ACTOR.into(),
            old_values: json!({ "area_m2": wrong.stored_m2 }),
            new_values: json!({ "area_m2": wrong.outline_m2 }),
            note: "area recomputed from the outline: the stored value was measured with the \
                   rings in the wrong orientation"
                .into(),
            site: None,
        };
        let patch = json!({ "area_m2": wrong.outline_m2 });
        match store
            .edit(LayerKind::Plots, wrong.id, wrong.version, &patch, &audit)
            .await?
        {
            EditOutcome::Written(_) => repaired.push(wrong),
            EditOutcome::Stale => tracing::warn!(
                id = wrong.id,
                code = %wrong.code,
                "plot written while its area was being repaired; run `siteatlas migrate --recompute-areas` again"
            ),
        }
    }
    store.set_setting(AREAS_CHECKED, "done").await?;
    Ok(repaired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_from_wrongly_oriented_rings_are_wrong() {
        let outline = 10_000.0;
        // A clockwise exterior measured as the rest of the Earth.
        assert!(area_is_wrong(510_065_621_713_467.0, outline));
        // A hole of the other orientation.
        assert!(area_is_wrong(-1525.06, outline));
        assert!(area_is_wrong(0.0, outline));
        // A survey a few percent off the drawing is kept.
        assert!(!area_is_wrong(10_400.0, outline));
        assert!(!area_is_wrong(9_100.0, outline));
    }
}
