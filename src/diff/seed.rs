//! Seed rows: insert the rows whose key is missing, update differing
//! literals of existing ones when `update: true`, and move a serial or
//! identity sequence past ids the rows gave explicitly.
//!
//! Which keys exist is read by one probe per seeded table that exists, all
//! answered in the probes' single round trip: for each spec row, whether a
//! row with its key exists and (with `update: true`) whether its literal
//! columns already hold the spec's values — compared by the server, the
//! spec's literals coerced to the columns' types, so `'2024-01-01'` equals
//! a `date` and `'1'` an `integer`. `{ sql: … }` values are never compared
//! (a `crypt()` hash differs on every call). For sequence-backed columns the
//! rows give values for, the probe also reads `max(column)` and how far the
//! sequence went.
//!
//! Tables are seeded in foreign-key order (referenced tables first).

use super::{Diff, label};
use crate::catalog::Catalog;
use crate::catalog::shadow::{Probe, Subject};
use crate::catalog::tables::TableShape;
use crate::change::{Change, Phase, SeedStatement, Statement};
use crate::privilege::ObjectKind;
use crate::quote::{ident, literal, qualified};
use crate::spec::Spec;
use crate::spec::model::Object;
use crate::spec::table::{Identity, Seed, SeedValue};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

fn seed_key(schema: &str, table: &str) -> String {
    format!("seed:{schema}.{table}")
}

/// What the probe tells about one seeded table.
#[derive(Debug, Default, Deserialize)]
struct Found {
    /// `[row index, key exists, literals equal]` per spec row.
    rows: Vec<(usize, bool, bool)>,
    /// column → `[max(column), sequence's last value (or one before next)]`.
    sequences: BTreeMap<String, (Option<i64>, Option<i64>)>,
}

/// Seeded tables in spec order: (schema, object, seed).
fn seeded(spec: &Spec) -> Vec<(&str, &Object, &Seed)> {
    spec.schemas
        .iter()
        .flat_map(|(s, schema)| {
            schema
                .objects
                .iter()
                .filter(|((k, _), _)| *k == ObjectKind::Table)
                .filter_map(move |(_, o)| o.seed.as_deref().map(|seed| (s.as_str(), o, seed)))
        })
        .collect()
}

/// Columns the rows give values for that a sequence feeds, with the
/// sequence: from the live table, or the spec's serial/identity columns.
fn sequence_columns(
    object: &Object,
    seed: &Seed,
    live: Option<&TableShape>,
) -> BTreeMap<String, Option<(String, String)>> {
    let given: BTreeSet<&String> = seed.rows.iter().flat_map(|r| r.values.keys()).collect();
    let mut out = BTreeMap::new();
    for c in given {
        match live {
            Some(l) => {
                if let Some(seq) = l.column(c).and_then(|lc| lc.sequence.clone()) {
                    out.insert(c.clone(), Some(seq));
                }
            }
            None => {
                if let Some(col) = object.table.as_ref().and_then(|t| t.column(c))
                    && (col.serial.is_some() || col.identity.is_some())
                {
                    out.insert(c.clone(), None);
                }
            }
        }
    }
    out
}

fn condition(column: &str, v: &SeedValue, null_safe: bool) -> String {
    let op = if null_safe {
        "IS NOT DISTINCT FROM"
    } else {
        "="
    };
    format!(
        "t.{} {op} {}",
        ident(column),
        crate::change::seed_value_sql(v)
    )
}

/// One probe per seeded table that exists.
pub(crate) fn probes(spec: &Spec, catalog: &Catalog, out: &mut Vec<Probe>) {
    for (schema, object, seed) in seeded(spec) {
        let Some(live) = catalog
            .tables
            .get(&(schema.to_string(), object.name.clone()))
        else {
            continue;
        };
        let table = qualified(schema, &object.name);
        let keys_exist = seed.key.iter().all(|k| live.column(k).is_some());
        let mut rows = Vec::new();
        if keys_exist {
            for (i, row) in seed.rows.iter().enumerate() {
                let key: Vec<String> = seed
                    .key
                    .iter()
                    .filter_map(|k| row.values.get(k).map(|v| condition(k, v, false)))
                    .collect();
                let key = key.join(" AND ");
                let same = if seed.update {
                    let mut conds = vec![key.clone()];
                    for (c, v) in &row.values {
                        if seed.key.contains(c) || matches!(v, SeedValue::Sql(_)) {
                            continue;
                        }
                        if live.column(c).is_none() {
                            conds.push("false".into());
                        } else {
                            conds.push(condition(c, v, true));
                        }
                    }
                    format!(
                        "EXISTS (SELECT 1 FROM {table} t WHERE {})",
                        conds.join(" AND ")
                    )
                } else {
                    "false".into()
                };
                rows.push(format!(
                    "({i}, EXISTS (SELECT 1 FROM {table} t WHERE {key}), {same})"
                ));
            }
        }
        let rows_sql = if rows.is_empty() {
            "'[]'::json".to_string()
        } else {
            format!(
                "(SELECT json_agg(json_build_array(v.i, v.p, v.s) ORDER BY v.i) FROM (VALUES {}) v(i, p, s))",
                rows.join(", ")
            )
        };
        let mut seqs = Vec::new();
        for (c, seq) in sequence_columns(object, seed, Some(live)) {
            let Some((ss, sn)) = seq else { continue };
            seqs.push(format!(
                "{}, json_build_array((SELECT max({}) FROM {table}), (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {}))",
                literal(&c),
                ident(&c),
                qualified(&ss, &sn)
            ));
        }
        out.push(Probe {
            key: seed_key(schema, &object.name),
            scratch: None,
            question: None,
            subject: Subject::Data {
                schema: schema.to_string(),
                table: object.name.clone(),
            },
            setup: Vec::new(),
            read: format!(
                "SELECT json_build_object('rows', {rows_sql}, 'sequences', json_build_object({}))::text",
                seqs.join(", ")
            ).into(),
        });
    }
}

/// Tables in foreign-key order: a table after the tables it references
/// (from the spec's definitions and the live constraints); ties and cycles
/// in spec order.
fn fk_order<'a>(
    items: Vec<(&'a str, &'a Object, &'a Seed)>,
    catalog: &Catalog,
) -> Vec<(&'a str, &'a Object, &'a Seed)> {
    let id = |s: &str, t: &str| (s.to_string(), t.to_string());
    let names: BTreeSet<(String, String)> = items.iter().map(|(s, o, _)| id(s, &o.name)).collect();
    let deps = |s: &str, o: &Object| -> BTreeSet<(String, String)> {
        let mut d: BTreeSet<(String, String)> = o
            .table
            .iter()
            .flat_map(|t| {
                t.foreign_keys
                    .iter()
                    .map(|f| id(&f.ref_schema, &f.ref_table))
            })
            .collect();
        if let Some(l) = catalog.tables.get(&id(s, &o.name)) {
            d.extend(l.constraints.iter().filter_map(|c| c.ref_table.clone()));
        }
        d.remove(&id(s, &o.name));
        d.retain(|x| names.contains(x));
        d
    };
    let mut pending = items;
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let pos = pending
            .iter()
            .position(|(s, o, _)| deps(s, o).iter().all(|d| done.contains(d)))
            .unwrap_or(0);
        let item = pending.remove(pos);
        done.insert(id(item.0, &item.1.name));
        out.push(item);
    }
    out
}

/// Changes for every seeded table.
pub(crate) fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for (schema, object, seed) in fk_order(seeded(spec), catalog) {
        let key = (schema.to_string(), object.name.clone());
        let live = catalog.tables.get(&key);
        if live.is_none() && object.table.is_none() {
            continue; // adopted and missing: objects.rs refuses
        }
        if catalog
            .uncompared
            .contains_key(&seed_key(schema, &object.name))
        {
            continue; // its rows could not be read: nothing known to insert
        }
        let what = label("table", &format!("{schema}.{}", object.name));
        let found: Found = match live {
            Some(_) => catalog
                .canonical
                .get(&seed_key(schema, &object.name))
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default(),
            None => Found::default(),
        };
        let state: BTreeMap<usize, (bool, bool)> =
            found.rows.iter().map(|(i, p, s)| (*i, (*p, *s))).collect();
        let missing: Vec<usize> = (0..seed.rows.len())
            .filter(|i| !state.get(i).is_some_and(|s| s.0))
            .collect();
        if !missing.is_empty() {
            out.changes
                .push(insert(schema, object, seed, &missing, live, &what));
        }
        if seed.update {
            for (i, row) in seed.rows.iter().enumerate() {
                let Some((true, false)) = state.get(&i).copied() else {
                    continue;
                };
                let set: Vec<(String, SeedValue)> = row
                    .values
                    .iter()
                    .filter(|(c, v)| !seed.key.contains(c) && !matches!(v, SeedValue::Sql(_)))
                    .map(|(c, v)| (c.clone(), v.clone()))
                    .collect();
                if set.is_empty() {
                    continue;
                }
                out.changes.push(Change::converge(
                    Phase::Seed,
                    what.clone(),
                    &row.origin,
                    Statement::Seed(SeedStatement::Update {
                        schema: schema.to_string(),
                        table: object.name.clone(),
                        set,
                        key: seed
                            .key
                            .iter()
                            .filter_map(|k| row.values.get(k).map(|v| (k.clone(), v.clone())))
                            .collect(),
                    }),
                ));
            }
        }
        for (column, _) in sequence_columns(object, seed, live) {
            let inserted = missing
                .iter()
                .any(|i| seed.rows[*i].values.contains_key(&column));
            let (max, current) = found
                .sequences
                .get(&column)
                .copied()
                .unwrap_or((None, None));
            let behind = matches!((max, current), (Some(m), Some(c)) if m > c);
            if inserted || behind {
                out.changes.push(Change::converge(
                    Phase::Seed,
                    what.clone(),
                    &seed.origin,
                    Statement::Seed(SeedStatement::MoveSequence {
                        schema: schema.to_string(),
                        table: object.name.clone(),
                        column,
                        floor: current.unwrap_or(0),
                    }),
                ));
            }
        }
    }
}

fn insert(
    schema: &str,
    object: &Object,
    seed: &Seed,
    missing: &[usize],
    live: Option<&TableShape>,
    what: &str,
) -> Change {
    let given: BTreeSet<&String> = missing
        .iter()
        .flat_map(|i| seed.rows[*i].values.keys())
        .collect();
    // Table column order when known, else by name.
    let mut columns: Vec<String> = match (&object.table, live) {
        (Some(t), _) => t.columns.iter().map(|c| c.name.clone()).collect(),
        (None, Some(l)) => l.columns.iter().map(|c| c.name.clone()).collect(),
        (None, None) => Vec::new(),
    };
    columns.retain(|c| given.contains(c));
    for c in &given {
        if !columns.contains(c) {
            columns.push((*c).clone());
        }
    }
    let always = |c: &String| match live.and_then(|l| l.column(c)) {
        Some(lc) => lc.identity == "a",
        None => object
            .table
            .as_ref()
            .and_then(|t| t.column(c))
            .is_some_and(|col| col.identity == Some(Identity::Always)),
    };
    let rows = missing
        .iter()
        .map(|i| {
            columns
                .iter()
                .map(|c| seed.rows[*i].values.get(c).cloned())
                .collect()
        })
        .collect();
    Change::converge(
        Phase::Seed,
        what.to_string(),
        &seed.origin,
        Statement::Seed(SeedStatement::Insert {
            schema: schema.to_string(),
            table: object.name.clone(),
            overriding: columns.iter().any(always),
            columns,
            rows,
        }),
    )
}
