//! The promotion pipeline's rules: a project's stages from talks to
//! production, where leads and projects come from, and how a site's status
//! and the project holding it stay consistent.

use siteatlas_tiles::LayerKind;

/// A project's stages in order (洽谈 → 签约 → 注册 → 摘地/租赁 → 开工 → 投产),
/// then `lost`, which any stage may come to.
pub const STAGES: [&str; 7] = [
    "talks",
    "signed",
    "registered",
    "site_secured",
    "started",
    "producing",
    "lost",
];

/// Chinese names of [`STAGES`], for screens and messages.
pub const STAGE_LABELS_ZH: [&str; 7] =
    ["洽谈", "签约", "注册", "摘地/租赁", "开工", "投产", "流失"];

/// Where a lead or project came from. The last three are referrals,
/// credited to a partner of that kind.
pub const SOURCES: [&str; 8] = [
    "map",
    "tour",
    "sheet",
    "event",
    "walk_in",
    "ambassador",
    "alliance",
    "resident_firm",
];

/// Kinds of referral partner: 招商大使, alliance members (商协会, 驻外招商中心)
/// and resident firms (以商招商). Each is also the source of its referrals.
pub const PARTNER_KINDS: [&str; 3] = ["ambassador", "alliance", "resident_firm"];

/// The place of a stage in the pipeline; `None` for `lost` or an unknown word.
pub fn stage_rank(stage: &str) -> Option<usize> {
    STAGES[..6].iter().position(|s| *s == stage)
}

/// Whether `stage` is at or past `reference` in the pipeline (`lost` is past nothing).
pub fn reached(stage: &str, reference: &str) -> bool {
    matches!((stage_rank(stage), stage_rank(reference)), (Some(a), Some(b)) if a >= b)
}

/// The site statuses that a project holds: a plot reserved, negotiated or
/// transferred to it, a factory or office let or sold to it in part or whole.
pub fn holds_site(layer: LayerKind, status: &str) -> bool {
    match layer {
        LayerKind::Plots => matches!(status, "reserved" | "negotiating" | "transferred"),
        LayerKind::Factories | LayerKind::Offices => matches!(status, "partial" | "occupied"),
        LayerKind::Parks | LayerKind::Pois => false,
    }
}

/// The statuses in which a site is final for its project: a transferred
/// plot, a fully let factory or office. Only a signed project may take a
/// site this far.
pub fn is_final(layer: LayerKind, status: &str) -> bool {
    match layer {
        LayerKind::Plots => status == "transferred",
        LayerKind::Factories | LayerKind::Offices => status == "occupied",
        LayerKind::Parks | LayerKind::Pois => false,
    }
}

/// The status a site returns to when its project is lost; `None` when the
/// site is final (a transferred plot is not taken back by a lost project).
pub fn released_status(layer: LayerKind, status: &str) -> Option<&'static str> {
    match layer {
        LayerKind::Plots if matches!(status, "reserved" | "negotiating") => Some("available"),
        LayerKind::Factories | LayerKind::Offices if status == "partial" => Some("vacant"),
        _ => None,
    }
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |r: std::ops::Range<usize>| text[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && text[..4].bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_ordered_and_lost_reaches_nothing() {
        assert!(reached("signed", "talks"));
        assert!(reached("producing", "started"));
        assert!(!reached("talks", "signed"));
        assert!(!reached("lost", "talks"));
        assert_eq!(STAGES.len(), STAGE_LABELS_ZH.len());
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(
            crate::clock::china_date_of(1_796_256_000 - 3600),
            "2026-12-03"
        );
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("２０２６-01-01"));
    }

    #[test]
    fn lost_projects_release_what_is_not_final() {
        assert_eq!(
            released_status(LayerKind::Plots, "reserved"),
            Some("available")
        );
        assert_eq!(released_status(LayerKind::Plots, "transferred"), None);
        assert_eq!(
            released_status(LayerKind::Factories, "partial"),
            Some("vacant")
        );
        assert!(holds_site(LayerKind::Offices, "occupied"));
        assert!(!holds_site(LayerKind::Plots, "available"));
    }
}
