//! A declared table's triggers vs the catalog, when it has a `triggers:` key
//! (without one, its triggers are not managed).
//!
//! A missing trigger is created; a changed one is replaced in place
//! (`CREATE OR REPLACE TRIGGER`, PostgreSQL 14+). "Changed" is decided on
//! `pg_get_triggerdef`: the desired trigger is created on a scratch copy of
//! the table (probe `trigger:`) and both definitions are read with the
//! table's name blanked out. When the trigger function does not exist yet
//! (this run creates it), the live trigger cannot be calling it: it is
//! replaced, and the next pass compares. Undeclared triggers are extras,
//! dropped only with `--prune`.

use super::security::{Table, probe_key};
use super::{Diff, Refusal, label};
use crate::catalog::Catalog;
use crate::change::{Change, ObjectName, Phase, SecurityStatement, Statement};
use crate::privilege::ObjectKind;
use crate::sorted_map::SortedMap;
use crate::spec::Spec;
use crate::spec::security::Trigger;

/// Whether the trigger function exists now (a function of that name taking no arguments).
fn function_exists(t: &Trigger, catalog: &Catalog) -> bool {
    catalog.functions.iter().any(|f| {
        f.schema == t.function_schema && f.name == t.function_name && f.arg_types.is_empty()
    })
}

/// Whether the spec declares the trigger function (so it exists by the Triggers phase).
fn function_declared(t: &Trigger, spec: &Spec) -> bool {
    spec.schemas.get(&t.function_schema).is_some_and(|s| {
        s.objects.values().any(|o| {
            o.kind == ObjectKind::Function
                && o.name == t.function_name
                && o.args.as_deref().is_none_or(|a| a.trim().is_empty())
        })
    })
}

pub(super) fn diff(spec: &Spec, table: &Table<'_>, catalog: &Catalog, out: &mut Diff) {
    let Some(declared) = &table.decl.security.triggers else {
        return;
    };
    let empty = SortedMap::new();
    let live = if table.exists {
        catalog
            .security
            .triggers
            .get(&table.key())
            .unwrap_or(&empty)
    } else {
        &empty
    };
    for (name, want) in declared {
        let what = format!("{} on {}", label("trigger", name), table.label());
        let exists = function_exists(want, catalog);
        if !exists && !function_declared(want, spec) {
            out.refusals.push(Refusal {
                object: what,
                reason: format!(
                    "its function `{}.{}()` does not exist",
                    want.function_schema, want.function_name
                ),
                hint: Some(format!(
                    "declare it under `schemas.{}.functions`, or create it before running",
                    want.function_schema
                )),
                origin: Some(want.origin.clone()),
            });
            continue;
        }
        let replace = match live.get(name) {
            None => false,
            Some(_)
                if catalog
                    .uncompared
                    .contains_key(&probe_key("trigger", table, name)) =>
            {
                continue;
            }
            Some(have) => {
                let canonical = catalog.canonical.get(&probe_key("trigger", table, name));
                if exists && canonical.is_some_and(|c| **c == have.definition) {
                    continue;
                }
                true
            }
        };
        out.changes.push(Change::converge(
            Phase::Triggers,
            what,
            &want.origin,
            Statement::Security(SecurityStatement::CreateTrigger {
                table: table.object(),
                trigger: want.clone(),
                replace,
            }),
        ));
    }
    for name in live.keys().filter(|n| !declared.contains_key(*n)) {
        out.changes.push(Change::prune(
            format!("{} on {}", label("trigger", name), table.label()),
            Statement::Security(SecurityStatement::DropTrigger {
                table: table.object(),
                name: name.clone(),
            }),
        ));
    }
}

/// `(key, name, CREATE TRIGGER … ON <scratch copy>)` for each declared
/// trigger that exists live and whose function exists.
pub(super) fn probes(table: &Table<'_>, catalog: &Catalog) -> Vec<(String, String, String)> {
    let Some(declared) = &table.decl.security.triggers else {
        return Vec::new();
    };
    let live = catalog.security.triggers.get(&table.key());
    declared
        .values()
        .filter(|t| live.is_some_and(|l| l.contains_key(&t.name)) && function_exists(t, catalog))
        .map(|t| {
            let sql = SecurityStatement::CreateTrigger {
                table: ObjectName::Qualified {
                    schema: "pg_temp".into(),
                    name: table.name.to_string(),
                },
                trigger: t.clone(),
                replace: false,
            }
            .render();
            (probe_key("trigger", table, &t.name), t.name.clone(), sql)
        })
        .collect()
}
