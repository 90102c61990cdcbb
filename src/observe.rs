//! Reading the live state for a spec: the catalog, then the spec's
//! expressions as the server prints them. Used by `apply` and `verify`.

use crate::catalog::{self, Catalog, CatalogError};
use crate::session::Session;
use crate::spec::Spec;

/// The catalog plus canonical forms of the spec's expressions.
pub fn observe(session: &mut Session, spec: &Spec) -> Result<Catalog, CatalogError> {
    let mut catalog = catalog::read(session)?;
    let probes = crate::diff::probes(spec, &catalog);
    catalog.canonical = catalog::shadow::probe(session, &probes)?;
    Ok(catalog)
}
