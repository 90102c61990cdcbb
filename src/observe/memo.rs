//! The key under which a probe's answer is remembered.
//!
//! An answer is what the server printed for the probe's question. Besides the
//! question itself it depends on the server version (printing changes
//! between majors), the search path (which decides what is printed
//! schema-qualified) and the objects the question names: the columns of a
//! table a view selects `*` from, the overloads of a function a policy
//! calls. Those are found by name (`crate::sql_names`) among what the
//! catalog read in scope, and their shapes go into the key too, so adding a
//! column or an overload makes the remembered answer a stranger, not a lie:
//! it is probed again.

use crate::catalog::Catalog;
use crate::catalog::shadow::Probe;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Bumped whenever what a key covers or how answers are derived changes:
/// every remembered answer then becomes a stranger.
const FORMAT: &str = "pg-provision memory 1";

/// What the catalog knows about names, for keys.
pub struct Context {
    /// Name → descriptions of the tables, views and functions so named.
    by_name: BTreeMap<String, Vec<String>>,
}

impl Context {
    /// Indexes `catalog`'s tables, views and functions by name.
    pub fn new(catalog: &Catalog) -> Self {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ((schema, name), shape) in &catalog.tables {
            let columns: Vec<String> = shape
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "{}:{}:{}",
                        c.name,
                        c.type_,
                        c.collation.as_deref().unwrap_or("")
                    )
                })
                .collect();
            by_name
                .entry(name.clone())
                .or_default()
                .push(format!("table {schema}.{name}({})", columns.join(",")));
        }
        for ((schema, name), view) in &catalog.view_definitions {
            let columns: Vec<String> = view
                .columns
                .iter()
                .map(|(c, t)| format!("{c}:{t}"))
                .collect();
            by_name
                .entry(name.clone())
                .or_default()
                .push(format!("view {schema}.{name}({})", columns.join(",")));
        }
        for f in &catalog.functions {
            by_name.entry(f.name.clone()).or_default().push(format!(
                "{} {}.{}({})",
                f.kind, f.schema, f.name, f.identity_args
            ));
        }
        for v in by_name.values_mut() {
            v.sort();
        }
        Context { by_name }
    }

    /// Descriptions of what `text` names, sorted.
    fn named_in(&self, text: &str) -> Vec<&str> {
        // Sorted and unique, as a set would give them.
        let mut names = crate::sql_names::mentioned(text);
        names.sort_unstable();
        names.dedup();
        names
            .iter()
            .filter_map(|n| self.by_name.get(n))
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

/// The memory key of `probe` (which must have a question): a SHA-256 over
/// everything its answer depends on.
pub fn key(catalog: &Catalog, probe: &Probe, context: &Context) -> Option<String> {
    Some(digest(
        catalog,
        context,
        &probe.key,
        &probe.full_question()?,
        &probe.setup.join("\n"),
    ))
}

/// SHA-256 (hex) of what an answer depends on: the format, the server
/// version and search path, `subject` (a probe key, or a family of them),
/// the `question`, and the shapes of what `setup` names.
fn digest(
    catalog: &Catalog,
    context: &Context,
    subject: &str,
    question: &str,
    setup: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        FORMAT,
        &catalog.server.version_num.to_string(),
        &catalog.server.search_path,
        subject,
        question,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for n in context.named_in(setup) {
        h.update(n.as_bytes());
        h.update([b'\n']);
    }
    crate::stamp::hex(&h.finalize())
}

/// A probe that others asked the same question as, and the name its answer
/// must not mention to be theirs too.
pub struct Leader {
    /// Its probe key (where its answer lands).
    pub key: String,
    /// The table its question named (replaced by a placeholder in the
    /// shared key).
    table: String,
}

impl Leader {
    /// Whether `answer` mentions the leader's table (case-insensitively):
    /// then it is the leader's alone — an expression printed with the
    /// table's name (`t.id` inside a subquery, a trigger's `ON t`) would
    /// print another table's name for another table.
    pub fn named_in(&self, answer: &str) -> bool {
        answer.to_lowercase().contains(&self.table.to_lowercase())
    }
}

/// Splits DDL probes into those to run and those whose question only
/// differs from one of them by the name of their table (tables with the
/// same columns, policies and defaults: the common case of a large spec).
/// Each follower comes with its leader; the caller shares the leader's
/// answer unless [`Leader::named_in`] says it names the leader's table.
///
/// Sound because the two questions are the same text up to the table's
/// name: the server's work on one is the other's with the name swapped,
/// so the answers can only differ where that name is printed.
pub fn share<'p>(
    catalog: &Catalog,
    probes: &'p [Probe],
    context: &Context,
) -> (Vec<Probe>, Vec<(&'p Probe, Leader)>) {
    let mut leaders: Vec<Probe> = Vec::new();
    let mut followers = Vec::new();
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for p in probes {
        let Some((shared, table)) = shared_key(catalog, p, context) else {
            leaders.push(p.clone());
            continue;
        };
        match seen.get(&shared) {
            Some((key, table)) => followers.push((
                p,
                Leader {
                    key: key.clone(),
                    table: table.clone(),
                },
            )),
            None => {
                seen.insert(shared, (p.key.clone(), table));
                leaders.push(p.clone());
            }
        }
    }
    (leaders, followers)
}

/// The key of what `probe` asks with its table's name taken out, and that
/// name; `None` for probes not about a table.
fn shared_key(catalog: &Catalog, probe: &Probe, context: &Context) -> Option<(String, String)> {
    use crate::catalog::shadow::Subject;
    let table = match &probe.subject {
        Subject::Policy { table, .. }
        | Subject::Trigger { table, .. }
        | Subject::Table { table, .. } => table,
        _ => return None,
    };
    // A placeholder no SQL text contains.
    let anonymous = |s: &str| s.replace(table.as_str(), "\u{0}table\u{0}");
    let family = probe.key.split(':').next().unwrap_or_default();
    let key = digest(
        catalog,
        context,
        family,
        &anonymous(&probe.full_question()?),
        &anonymous(&probe.setup.join("\n")),
    );
    Some((key, table.clone()))
}
