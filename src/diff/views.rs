//! Views declared with a query: created when missing; when the query
//! differs, replaced in place (`CREATE OR REPLACE VIEW`) if the existing
//! columns stay first with the same names and types, otherwise dropped and
//! re-created together with the views that read them — a view holds no data.
//! Options (`security_invoker`, `security_barrier`, `check_option`) alone are
//! changed with `ALTER VIEW … SET|RESET`.
//!
//! Queries are compared as the server prints them: the declared query is
//! given to the server as a temporary view (a probe) and both texts come from
//! `pg_get_viewdef`. Every statement runs in the `Views` phase, in the order
//! emitted here: drops first (dependants before what they read), then
//! creates and replaces (what is read before its readers). Re-created views
//! report `created()`, so pass 2 settles their owner and exact privileges.

use super::{Diff, Refusal};
use crate::catalog::Catalog;
use crate::catalog::routines::ViewDefinitionState;
use crate::catalog::shadow::{Probe, Subject};
use crate::change::{Change, Phase, RoutineStatement, Statement};
use crate::privilege::ObjectKind;
use crate::quote::{self, literal};
use crate::spec::Spec;
use crate::spec::model::Object;
use crate::spec::routine::ViewDefinition;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

type Name = (String, String);

/// Declared views with a definition, by (schema, name).
fn declared(spec: &Spec) -> BTreeMap<Name, (&Object, &ViewDefinition)> {
    let mut out = BTreeMap::new();
    for schema in spec.schemas.values() {
        for ((kind, name), decl) in &schema.objects {
            if *kind == ObjectKind::View
                && let Some(def) = &decl.view
            {
                out.insert((schema.name.clone(), name.clone()), (decl, def));
            }
        }
    }
    out
}

fn key(name: &Name) -> String {
    format!("view:{}", quote::qualified(&name.0, &name.1))
}

/// The server's rendering of a declared query, read from a temporary view.
#[derive(Debug, Deserialize)]
struct Canonical {
    definition: String,
    columns: Vec<(String, String)>,
}

/// One probe per declared view that exists: a temporary view with the
/// declared query, whose `pg_get_viewdef` and columns are read back. A query
/// mentioning a declared view that does not exist yet is not probed (it
/// would fail): it is compared in the next pass, once that view exists.
pub fn probes(spec: &Spec, catalog: &Catalog, out: &mut Vec<Probe>) {
    let declared = declared(spec);
    let missing: Vec<&Name> = declared
        .keys()
        .filter(|n| !catalog.view_definitions.contains_key(*n))
        .collect();
    for (i, (name, (_, def))) in declared.iter().enumerate() {
        if !catalog.view_definitions.contains_key(name) {
            continue;
        }
        let refs = crate::sql_names::references(&def.query);
        let reads_missing = missing.iter().any(|m| {
            refs.iter()
                .any(|(q, r)| *r == m.1 && q.as_ref().is_none_or(|q| *q == m.0))
        });
        if reads_missing {
            continue;
        }
        let scratch = format!("pgp_probe_view_{i}");
        let columns = if def.columns.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                quote::ident_list(def.columns.iter().map(String::as_str))
            )
        };
        out.push(Probe {
            key: key(name),
            scratch: None,
            question: Some(format!("view{columns} AS\n{}", def.query)),
            subject: Subject::View {
                schema: name.0.clone(),
                name: name.1.clone(),
            },
            setup: vec![format!(
                "CREATE TEMP VIEW {}{columns} AS\n{}",
                quote::ident(&scratch),
                def.query
            )],
            read: format!(
                "SELECT json_build_object('definition', pg_catalog.pg_get_viewdef(c.oid),
  'columns', (SELECT coalesce(json_agg(json_build_array(a.attname,
        pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum), '[]')
      FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))::text
FROM pg_catalog.pg_class c
WHERE c.relname = {} AND c.relnamespace = pg_catalog.pg_my_temp_schema()",
                literal(&scratch)
            )
            .into(),
        });
    }
}

/// What happens to one declared view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Replace,
    Recreate,
}

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    let declared = declared(spec);
    let major = catalog.server.major();
    let mut actions: BTreeMap<Name, Action> = BTreeMap::new();
    for (name, (decl, def)) in &declared {
        let label = label(name);
        if def.security_invoker && major < 15 {
            out.refusals.push(Refusal {
                object: label,
                reason: format!("`security_invoker` needs PostgreSQL 15 or later; this server is {major}"),
                hint: Some("remove `security_invoker`, or upgrade the server; on 14, give the view's owner only the privileges its readers may use".into()),
                origin: Some(decl.origin.clone()),
            });
            continue;
        }
        let Some(live) = catalog.view_definitions.get(name) else {
            // Something else of that name (a table…) is `diff::objects`' refusal.
            if !catalog.relations.contains_key(name) {
                actions.insert(name.clone(), Action::Create);
            }
            continue;
        };
        let canonical: Option<Canonical> = catalog
            .canonical
            .get(&key(name))
            .and_then(|text| serde_json::from_str(text).ok());
        let Some(canonical) = canonical else {
            continue;
        };
        if canonical.definition != live.definition || canonical.columns != live.columns {
            let keeps_columns = live.columns.len() <= canonical.columns.len()
                && live
                    .columns
                    .iter()
                    .zip(&canonical.columns)
                    .all(|(a, b)| a == b);
            let action = if keeps_columns {
                Action::Replace
            } else {
                Action::Recreate
            };
            actions.insert(name.clone(), action);
        } else {
            options(name, decl, def, live, out);
        }
    }

    // Re-creating a view means re-creating every view that reads it, which
    // the spec must declare with its query; anything else depending on it
    // would need CASCADE, which pg-provision never uses.
    let roots: Vec<Name> = actions
        .iter()
        .filter(|(_, a)| **a == Action::Recreate)
        .map(|(n, _)| n.clone())
        .collect();
    for root in roots {
        let mut group = BTreeSet::from([root.clone()]);
        let mut todo = vec![root.clone()];
        let mut problems: Vec<String> = Vec::new();
        while let Some(v) = todo.pop() {
            let Some(live) = catalog.view_definitions.get(&v) else {
                continue;
            };
            for blocker in &live.blockers {
                problems.push(format!("{blocker} depends on view `{}.{}`", v.0, v.1));
            }
            for (s, n, relkind) in &live.dependents {
                let dep = (s.clone(), n.clone());
                if relkind != "v" {
                    problems.push(format!(
                        "`{s}.{n}` (not a view) reads view `{}.{}`",
                        v.0, v.1
                    ));
                } else if !declared.contains_key(&dep) {
                    problems.push(format!(
                        "view `{s}.{n}` reads view `{}.{}` and is not declared with its `query`, so it cannot be re-created",
                        v.0, v.1
                    ));
                } else if group.insert(dep.clone()) {
                    todo.push(dep);
                }
            }
        }
        if problems.is_empty() {
            for v in group {
                actions.insert(v, Action::Recreate);
            }
        } else {
            let (decl, _) = declared[&root];
            out.refusals.push(Refusal {
                object: label(&root),
                reason: format!(
                    "its new query drops or changes existing columns, so it must be dropped and re-created, but {}",
                    problems.join("; ")
                ),
                hint: Some("declare the dependent views with their `query` so they are re-created with it, or keep the existing columns first with their types (then the view is replaced in place)".into()),
                origin: Some(decl.origin.clone()),
            });
            actions.remove(&root);
        }
    }

    // Drops: readers before what they read.
    let recreate: BTreeSet<&Name> = actions
        .iter()
        .filter(|(_, a)| **a == Action::Recreate)
        .map(|(n, _)| n)
        .collect();
    let mut dropped: BTreeSet<&Name> = BTreeSet::new();
    for v in &recreate {
        drop_after_readers(v, &recreate, catalog, &mut dropped, &declared, out);
    }

    // Creates and replaces: what is read before its readers.
    for name in creation_order(&actions, &declared, catalog) {
        let (decl, def) = declared[&name];
        out.changes.push(Change::converge(
            Phase::Views,
            label(&name),
            &decl.origin,
            Statement::Routine(RoutineStatement::CreateView {
                replace: actions[&name] == Action::Replace,
                schema: name.0.clone(),
                name: name.1.clone(),
                definition: def.clone(),
            }),
        ));
    }
}

fn label(name: &Name) -> String {
    format!("view `{}.{}`", name.0, name.1)
}

fn drop_after_readers<'a>(
    v: &'a Name,
    recreate: &BTreeSet<&'a Name>,
    catalog: &'a Catalog,
    dropped: &mut BTreeSet<&'a Name>,
    declared: &BTreeMap<Name, (&Object, &ViewDefinition)>,
    out: &mut Diff,
) {
    if !dropped.insert(v) {
        return;
    }
    if let Some(live) = catalog.view_definitions.get(v) {
        for (s, n, _) in &live.dependents {
            if let Some(dep) = recreate.iter().find(|d| d.0 == *s && d.1 == *n) {
                drop_after_readers(dep, recreate, catalog, dropped, declared, out);
            }
        }
    }
    let (decl, _) = declared[v];
    out.changes.push(Change::converge(
        Phase::Views,
        label(v),
        &decl.origin,
        Statement::Routine(RoutineStatement::DropView {
            schema: v.0.clone(),
            name: v.1.clone(),
        }),
    ));
}

/// The views to create or replace, each after the views it reads: read
/// from `pg_depend` for views that exist, and from the names a declared
/// query mentions (`schema.view`, or `view` alone) for the rest. Ties and
/// cycles (which the server will then report) fall back to name order.
fn creation_order(
    actions: &BTreeMap<Name, Action>,
    declared: &BTreeMap<Name, (&Object, &ViewDefinition)>,
    catalog: &Catalog,
) -> Vec<Name> {
    let nodes: BTreeSet<&Name> = actions.keys().collect();
    let mut reads: BTreeMap<&Name, BTreeSet<&Name>> = BTreeMap::new();
    for &n in &nodes {
        let refs = crate::sql_names::references(&declared[n].1.query);
        let set: BTreeSet<&Name> = nodes
            .iter()
            .copied()
            .filter(|&m| m != n)
            .filter(|&m| {
                refs.iter()
                    .any(|(q, r)| *r == m.1 && q.as_ref().is_none_or(|q| *q == m.0))
                    || catalog.view_definitions.get(m).is_some_and(|l| {
                        l.dependents.iter().any(|(s, v, _)| *s == n.0 && *v == n.1)
                    })
            })
            .collect();
        reads.insert(n, set);
    }
    let mut order = Vec::new();
    let mut done: BTreeSet<&Name> = BTreeSet::new();
    while done.len() < nodes.len() {
        let ready = nodes
            .iter()
            .copied()
            .find(|n| !done.contains(n) && reads[n].iter().all(|m| done.contains(m)))
            .or_else(|| nodes.iter().copied().find(|n| !done.contains(n)))
            .expect("a node is left");
        done.insert(ready);
        order.push(ready.clone());
    }
    order
}

/// `ALTER VIEW … SET|RESET` for options that differ on a view whose query
/// is already right.
fn options(
    name: &Name,
    decl: &Object,
    def: &ViewDefinition,
    live: &ViewDefinitionState,
    out: &mut Diff,
) {
    let want = def.options();
    let have = live_options(&live.options);
    let set: Vec<(String, String)> = want
        .iter()
        .filter(|(k, v)| have.get(**k).map(String::as_str) != Some(**v))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let reset: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(k.as_str()))
        .cloned()
        .collect();
    for statement in [
        (!set.is_empty()).then(|| RoutineStatement::SetViewOptions {
            schema: name.0.clone(),
            name: name.1.clone(),
            options: set,
        }),
        (!reset.is_empty()).then(|| RoutineStatement::ResetViewOptions {
            schema: name.0.clone(),
            name: name.1.clone(),
            options: reset,
        }),
    ]
    .into_iter()
    .flatten()
    {
        out.changes.push(Change::converge(
            Phase::Views,
            label(name),
            &decl.origin,
            Statement::Routine(statement),
        ));
    }
}

/// The view options in `reloptions` that pg-provision manages, normalised
/// like [`ViewDefinition::options`]: booleans that are on as `true`, off
/// ones left out.
fn live_options(reloptions: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in reloptions {
        let Some((k, v)) = entry.split_once('=') else {
            continue;
        };
        let v = v.to_ascii_lowercase();
        match k {
            "check_option" => {
                out.insert(k.to_string(), v);
            }
            "security_barrier" | "security_invoker" => {
                if matches!(v.as_str(), "true" | "on" | "yes" | "1" | "t" | "y") {
                    out.insert(k.to_string(), "true".into());
                }
            }
            _ => {}
        }
    }
    out
}
