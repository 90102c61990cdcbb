//! Stage 3, `diff`: desired model vs live catalog → changes. Pure.
//!
//! In: a [`Spec`] and a [`Catalog`]. Out: a [`Diff`] — converging changes
//! (declared things brought to what the spec says), prune changes (undeclared
//! extras on managed objects, revoked only with `--prune`), and refusals
//! (things the spec asks for that cannot or must not be done here).

pub(crate) mod acl;
mod database;
pub(crate) mod default_privileges;
mod extensions;
mod memberships;
pub(crate) mod objects;
mod policies; // security slice
mod roles;
// routines slice
mod routines;
pub(crate) mod schemas;
mod security; // security slice
mod settings;
pub(crate) mod signature;
mod triggers; // security slice
mod types;
mod views;
// tables slice
mod seed;
mod tables;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_core;
#[cfg(test)]
mod tests_routines;
#[cfg(test)]
mod tests_security; // security slice
#[cfg(test)]
mod tests_tables; // tables slice
#[cfg(test)]
mod tests_types;

use crate::catalog::Catalog;
use crate::catalog::shadow::Probe;
use crate::change::Change;
use crate::spec::Spec;
use crate::spec::model::Origin;
use std::collections::BTreeSet;

/// Something the spec asks for that will not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The object, e.g. ``extension `postgis` ``.
    pub object: String,
    /// Why (lowercase, no trailing period).
    pub reason: String,
    /// How to resolve it.
    pub hint: Option<String>,
    /// Where the spec asked for it.
    pub origin: Option<Origin>,
}

/// The outcome of comparing a spec with a catalog.
#[derive(Debug, Default)]
pub struct Diff {
    /// Changes, converging first, in dependency-independent order (the plan sorts).
    pub changes: Vec<Change>,
    /// What will not be done.
    pub refusals: Vec<Refusal>,
}

/// Compares `spec` with `catalog`.
pub fn diff(spec: &Spec, catalog: &Catalog) -> Diff {
    diff_after_create(spec, catalog, &BTreeSet::new())
}

/// Compares `spec` with `catalog` where the objects named in `created`
/// (rendered [`crate::change::ObjectName`]s) were created earlier in this
/// run: their undeclared privileges (left by default privileges) are revoked
/// as part of converging, not kept as extras, so a new object ends the run
/// with exactly its desired privileges.
pub fn diff_after_create(spec: &Spec, catalog: &Catalog, created: &BTreeSet<String>) -> Diff {
    let mut out = Diff::default();
    roles::diff(spec, catalog, &mut out);
    memberships::diff(spec, catalog, &mut out);
    database::diff(spec, catalog, &mut out);
    schemas::diff(spec, catalog, &mut out);
    extensions::diff(spec, catalog, &mut out);
    let defaults = default_privileges::desired(spec, catalog);
    default_privileges::diff(spec, catalog, &defaults, &mut out);
    // Privileges on one core, structure on the other; appended in this order.
    let (privileges, structure) = crate::parallel::join(
        is_large(spec),
        || {
            let mut out = Diff::default();
            objects::diff(spec, catalog, &defaults, created, &mut out);
            out
        },
        || {
            let mut out = Diff::default();
            security::diff(spec, catalog, &mut out);
            // routines slice
            routines::diff(spec, catalog, &mut out);
            views::diff(spec, catalog, &mut out);
            tables::diff(spec, catalog, &mut out); // tables slice
            seed::diff(spec, catalog, &mut out); // tables slice
            types::diff(spec, catalog, &mut out);
            out
        },
    );
    for part in [privileges, structure] {
        out.changes.extend(part.changes);
        out.refusals.extend(part.refusals);
    }
    out
}

/// Whether `spec` declares enough objects for its loops to be worth a
/// second thread (see [`crate::parallel`]).
pub(crate) fn is_large(spec: &Spec) -> bool {
    spec.schemas
        .values()
        .map(|s| s.objects.len())
        .sum::<usize>()
        >= 1000
}

/// The expressions of `spec` the server must canonicalise before
/// [`diff`] can compare them with `catalog` (see [`crate::catalog::shadow`]).
/// Each object family adds its probes here.
pub fn probes(spec: &Spec, catalog: &Catalog) -> Vec<Probe> {
    let (mut out, tables) = crate::parallel::join(
        is_large(spec),
        || {
            let mut out = Vec::new();
            security::probes(spec, catalog, &mut out);
            // routines slice
            routines::probes(spec, catalog, &mut out);
            views::probes(spec, catalog, &mut out);
            out
        },
        || {
            let mut out = Vec::new();
            tables::probes(spec, catalog, &mut out); // tables slice (structure and seed rows)
            out
        },
    );
    out.extend(tables);
    out
}

/// ``role `name` ``-style labels for messages.
pub(crate) fn label(kind: &str, name: &str) -> String {
    format!("{kind} `{name}`")
}
