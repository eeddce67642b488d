//! # Site Atlas advisor
//!
//! Two answers an investor asks of an investment-promotion map, computed
//! from an [`Atlas`](siteatlas_tiles::Atlas) in memory; pure (no HTTP, no
//! database, no async), like the tiles crate.
//!
//! - **Site matching (匹配度)**, [`match_sites`]: which plots and factories
//!   fit a [`MatchRequest`], with a score and a verdict per criterion.
//! - **Policy calculator (政策计算器)**, [`estimate`]: what a project
//!   would get under a park's [`PolicyRules`] (see [`policy`] for the
//!   formulas).
//! - **Standard-land compliance (标准地)**, [`compliance`]: whether a
//!   project's plan meets a plot's indicators; part of both answers above.
//!
//! ## What is listed
//! Only what can be had: a match never lists a sold (`transferred`) or
//! `withdrawn` plot, nor a fully `occupied` factory. Plots held for an
//! investor (`reserved`) or under negotiation (`negotiating`) are listed only
//! when the request sets `include_held`, and are then marked `held`. Every
//! result carries its site's `status`.
//!
//! ## Scoring
//! Each criterion is hard (a filter) or preferred (scored, with a weight
//! `w > 0`, default 1). For each site, a criterion gives a credit in [0, 1]:
//!
//! - **range** (`min` and/or `max`, inclusive): 1 inside the range; outside
//!   it, with `gap` the distance to the bound violated `b`,
//!   `g = gap / max(|b|, 1)` and credit `max(0, 1 − g / 0.25)` (25 % outside
//!   gives 0).
//! - **`industries`**: `|wanted ∩ park's industries| / |wanted|`.
//! - **`district`, `park`, `land_use`**: 1 when the site's one value is any
//!   of `any_of` (district by substring: `温江区` matches `成都市温江区`),
//!   else 0. A site has one district, so naming two means either will do.
//! - **`available_now`**: 1 for a plot `available` or a factory `vacant` or
//!   `partial`, else 0.
//! - **`near`** (POI kind, `max_m`): with `d` the geodesic distance from the
//!   nearest POI of the kind to the site's shape (0 inside), 1 when
//!   `d ≤ max_m`, `2 − d / max_m` up to `2 × max_m`, 0 beyond.
//! - A value the site does not state, or a field its layer lacks (a
//!   factory's `area_mu`, a plot's `rent_yuan_m2_month`), gives 0: the
//!   investor asked for it and the site cannot show it.
//!
//! Verdicts: credit 1 is `met`, 0 is `not_met`, anything between `partly`.
//! A site is left out unless every hard criterion has credit 1 (so a hard
//! criterion on a value the site lacks excludes it); hard criteria then
//! appear in the explanation as `met`, with `weight: null`.
//!
//! A request that carries a `plan` (the policy calculator's) adds one
//! preferred criterion, `compliance`, of weight 1, listed last: its credit is
//! the mean over the site's standard-land checks that the plan's figures can
//! judge (see [`compliance`]) of 1 for a pass and, for a failure, the range
//! credit above for the figure against the bound it misses; 1 when nothing
//! can be judged (factories, plots without indicators, figures not given).
//! A failing site is therefore ranked lower and says why, never left out.
//! Each result then also carries `compliance` and `compliant`.
//!
//! `score = round(100 × Σ wᵢ·creditᵢ / Σ wᵢ)` over the preferred criteria,
//! halves rounded up, 100 when there are none. The sum is taken in
//! ascending order of its terms, so the order of the criteria in a request
//! cannot change a score. Results are sorted by score descending, then layer
//! (plots before factories), then id ascending; `total` counts every site
//! that passes the hard criteria.
//!
//! ## Cost
//! See [`match_sites`]: hard criteria on status, land use and area are tested
//! on the R-tree's search keys before a plot is read, a hard `near` restricts
//! the R-tree query to boxes around the POIs, and preferred distances are
//! measured only for sites that can still reach the top `limit`.

pub mod compliance;
pub mod criteria;
pub mod error;
pub mod matching;
pub mod policy;

pub use compliance::{Compliance, Indicator, IndicatorCheck, Indicators};
pub use criteria::{Criterion, Field, MatchRequest};
pub use error::AdviceError;
pub use matching::{CriterionOutcome, MatchResponse, SiteMatch, Verdict, match_sites};
pub use policy::{Estimate, Plan, PolicyRules, Rule, RuleEstimate, RuleKind, SiteFacts, estimate};
