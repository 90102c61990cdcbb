//! Stage 4, `plan`: order the diff's changes by dependency and decide what
//! runs. Pure.
//!
//! In: a [`Diff`] and whether to prune. Out: a [`Plan`] whose `changes` run in
//! order (roles → memberships → database → schemas → extensions →
//! default privileges → object owners → privileges → comments → prunes), and whose `extras` are the undeclared
//! things that are reported but kept.

pub mod locks;

use crate::catalog::Server;
use crate::change::{Change, Class};
use crate::diff::{Diff, Refusal};

/// What a run will do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Statements to execute, in order.
    pub changes: Vec<Change>,
    /// Undeclared extras found and kept (without `--prune`), and notices
    /// (drift no run changes, e.g. an undeclared column).
    pub extras: Vec<Change>,
    /// Requests that will not be carried out.
    pub refusals: Vec<Refusal>,
}

impl Plan {
    /// Whether the database differs from the spec in a way `check` reports:
    /// a verifiable change, an extra, or a refusal.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.verifiable)
            || !self.extras.is_empty()
            || !self.refusals.is_empty()
    }

    /// Changes that are counted as drift (excludes unverifiable passwords).
    pub fn drift_changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.verifiable)
    }

    /// The objects this plan creates, each once, in plan order. `apply`
    /// settles their owners and exact privileges in a second pass of the same
    /// transaction, once they exist; `plan` can only announce that pass.
    pub fn created(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.changes
            .iter()
            .filter_map(|c| c.statement.created())
            .map(|n| n.to_string())
            .filter(|n| seen.insert(n.clone()))
            .collect()
    }
}

/// Orders `diff` into a plan for `server`; prune changes run only when
/// `prune` is set. A plan that would overflow the server's lock table is
/// refused (see [`locks`]).
pub fn build_for(diff: Diff, prune: bool, server: &Server) -> Plan {
    let mut plan = build(diff, prune);
    if let Some(refusal) = locks::check(&plan.changes, server) {
        plan.refusals.push(refusal);
    }
    plan
}

/// Orders `diff` into a plan; prune changes run only when `prune` is set.
pub fn build(diff: Diff, prune: bool) -> Plan {
    let (mut changes, extras): (Vec<Change>, Vec<Change>) = diff
        .changes
        .into_iter()
        .partition(|c| c.class == Class::Converge || (prune && c.class == Class::Prune));
    // Stable: within a phase the diff's deterministic order is kept.
    changes.sort_by_key(|c| c.phase);
    Plan {
        changes,
        extras,
        refusals: diff.refusals,
    }
}
