//! Stage 6, `verify`: read the catalog again and require an empty diff.
//!
//! Runs inside the apply transaction, before `COMMIT`, so a plan that did not
//! converge is rolled back rather than left half-true.

use crate::error::Error;
use crate::plan;
use crate::session::Session;
use crate::spec::Spec;
use std::collections::BTreeSet;

/// Fails with what is still pending if the catalog does not match `spec`;
/// returns the catalog read. `previous` is the catalog of the last pass
/// that executed statements (see `observe::observe`).
pub fn verify(
    session: &mut Session,
    spec: &Spec,
    prune: bool,
    created: &BTreeSet<String>,
    options: crate::observe::Options,
    previous: Option<&crate::catalog::Catalog>,
) -> Result<crate::catalog::Catalog, Error> {
    let catalog = crate::observe::observe(session, spec, options, previous)?;
    let plan = plan::build(
        crate::diff::diff_after_create(spec, &catalog, created),
        prune,
    );
    let mut left: Vec<String> = plan
        .drift_changes()
        .map(|c| c.statement.render_redacted().to_string())
        .collect();
    if prune {
        left.extend(
            plan.extras
                .iter()
                .filter(|c| c.class == crate::change::Class::Prune)
                .map(|c| c.object.clone()),
        );
    }
    if left.is_empty() {
        Ok(catalog)
    } else {
        Err(Error::Verify(left))
    }
}
