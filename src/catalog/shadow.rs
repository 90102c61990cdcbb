//! Expressions as the server itself prints them.
//!
//! A policy's `USING`, a check constraint, a column default or a view's query
//! come back from the catalog normalised (`pg_get_expr`, `pg_get_viewdef`):
//! `price > 0` is stored as `(price > (0)::numeric)`. Comparing that with what
//! the spec says would flap forever. So the desired expressions are given to
//! the server too: each [`Probe`] creates a scratch object in `pg_temp` (a
//! temporary table `LIKE` the real one, a temporary view, …) and reads its
//! canonical text back, all inside a savepoint that is rolled back. One round
//! trip for all probes, whatever their number.

use super::CatalogError;
use crate::quote::literal;
use crate::session::Session;
use std::collections::BTreeMap;

/// One expression to canonicalise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Key under which the answer is stored in `Catalog::canonical`.
    pub key: String,
    /// Statements creating the scratch objects (in `pg_temp`), already quoted.
    pub setup: Vec<String>,
    /// A scalar query returning the canonical text.
    pub read: String,
}

const SAVEPOINT: &str = "pg_provision_probe";

/// Runs every probe in one round trip and returns key → canonical text. The
/// scratch objects never survive: the savepoint is rolled back.
pub fn probe(
    session: &mut Session,
    probes: &[Probe],
) -> Result<BTreeMap<String, String>, CatalogError> {
    if probes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut sql = format!("SAVEPOINT {SAVEPOINT};\n");
    for p in probes {
        for s in &p.setup {
            sql.push_str(s);
            sql.push_str(";\n");
        }
    }
    let pairs: Vec<String> = probes
        .iter()
        .map(|p| format!("{}, ({})", literal(&p.key), p.read))
        .collect();
    // json_build_object takes at most 100 arguments: merge objects of 50 pairs.
    let objects: Vec<String> = pairs
        .chunks(50)
        .map(|c| format!("jsonb_build_object({})", c.join(", ")))
        .collect();
    sql.push_str(&format!("SELECT ({})::text;\n", objects.join(" || ")));
    sql.push_str(&format!(
        "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
    ));
    let rows = session.texts(&sql).map_err(|e| {
        // The transaction is aborted after a failed probe; leave it usable
        // for the caller's rollback.
        CatalogError::Probe(e)
    })?;
    let text = rows
        .into_iter()
        .flatten()
        .next()
        .ok_or(CatalogError::Decode {
            what: "expression probes",
            detail: "no row returned".into(),
        })?;
    let map: BTreeMap<String, Option<String>> =
        serde_json::from_str(&text).map_err(|e| CatalogError::Decode {
            what: "expression probes",
            detail: e.to_string(),
        })?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}
