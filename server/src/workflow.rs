//! The plot status workflow: which transitions a role may make.
//!
//! available -> reserved -> negotiating -> transferred, and reserved or
//! negotiating back to available. Withdrawing, restoring a withdrawn plot and
//! changing a transferred one are for admins only.

use siteatlas_tiles::PlotStatus::{self, *};

use crate::auth::Role;

/// Transitions anyone who may edit the plot can make.
const OFFICER_TRANSITIONS: &[(PlotStatus, PlotStatus)] = &[
    (Available, Reserved),
    (Reserved, Negotiating),
    (Negotiating, Transferred),
    (Reserved, Available),
    (Negotiating, Available),
];

/// The statuses a role may move a plot to from `from`.
pub fn allowed_targets(role: Role, from: PlotStatus) -> Vec<PlotStatus> {
    PlotStatus::ALL
        .iter()
        .copied()
        .filter(|to| *to != from && may_move(role, from, *to))
        .collect()
}

/// Whether a role may move a plot from one status to another.
pub fn may_move(role: Role, from: PlotStatus, to: PlotStatus) -> bool {
    if from == to {
        return false;
    }
    if OFFICER_TRANSITIONS.contains(&(from, to)) {
        return true;
    }
    role == Role::Admin
        && (to == Withdrawn || from == Withdrawn && to == Available || from == Transferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_follow_the_workflow_and_admins_may_more() {
        assert!(may_move(Role::Officer, Available, Reserved));
        assert!(!may_move(Role::Officer, Available, Transferred));
        assert!(!may_move(Role::Officer, Transferred, Available));
        assert!(!may_move(Role::Officer, Available, Withdrawn));
        assert!(may_move(Role::Admin, Available, Withdrawn));
        assert!(may_move(Role::Admin, Withdrawn, Available));
        assert!(!may_move(Role::Admin, Withdrawn, Reserved));
        assert!(may_move(Role::Admin, Transferred, Available));
        assert!(!may_move(Role::Admin, Reserved, Reserved));
        assert_eq!(
            allowed_targets(Role::Officer, Reserved),
            vec![Available, Negotiating]
        );
    }
}
