//! Functions and procedures declared with a body: created when missing,
//! `CREATE OR REPLACE`d when their body or attributes differ (which keeps
//! their owner, grants and dependants), refused when only a drop could
//! change them (return type, parameter names, function ↔ procedure).
//!
//! Compared: the body (`prosrc`, trimmed), language, volatility,
//! strictness, security, leakproof, parallel safety, cost, rows, the `SET`
//! options (as `diff::settings` compares stored settings), the argument list
//! with defaults and the result type — the last two as the server prints
//! them for a scratch copy of the declaration (a probe, see [`probes`]).
//! Owner, privileges and comment are `diff::objects`' business, for created
//! routines too (they exist by pass 2).

use super::{Diff, Refusal, settings, signature};
use crate::catalog::Catalog;
use crate::catalog::routines::RoutineDefinitionState;
use crate::catalog::shadow::{Probe, Subject};
use crate::change::{Change, Phase, RoutineStatement, Statement};
use crate::privilege::ObjectKind;
use crate::quote::{self, literal};
use crate::spec::Spec;
use crate::spec::model::Object;
use crate::spec::routine::RoutineDefinition;
use serde::Deserialize;

/// A declared routine with a definition, in its schema.
struct Declared<'a> {
    schema: &'a str,
    decl: &'a Object,
    def: &'a RoutineDefinition,
    args: &'a str,
}

fn declared(spec: &Spec) -> impl Iterator<Item = Declared<'_>> {
    spec.schemas.values().flat_map(|schema| {
        schema
            .objects
            .iter()
            .filter(|((kind, _), _)| *kind == ObjectKind::Function)
            .filter_map(|(_, decl)| {
                Some(Declared {
                    schema: &schema.name,
                    decl,
                    def: decl.routine.as_ref()?,
                    args: decl.args.as_deref().unwrap_or(""),
                })
            })
    })
}

/// The live routine a declaration denotes (same name, same argument types).
fn live<'c>(catalog: &'c Catalog, d: &Declared<'_>) -> Option<&'c RoutineDefinitionState> {
    let f = catalog.functions.iter().find(|f| {
        f.schema == d.schema && f.name == d.decl.name && signature::matches(d.args, &f.arg_types)
    })?;
    catalog
        .routine_definitions
        .iter()
        .find(|r| r.schema == f.schema && r.name == f.name && r.identity_args == f.identity_args)
}

/// Probe key of a declared routine: name and declared arguments (overloads
/// share the name).
fn key(d: &Declared<'_>) -> String {
    format!(
        "function:{}({})",
        quote::qualified(d.schema, &d.decl.name),
        d.args
    )
}

/// The server's rendering of a declaration, read from a scratch copy.
#[derive(Debug, Deserialize)]
struct Canonical {
    /// `pg_get_function_identity_arguments`.
    identity: String,
    /// `pg_get_function_arguments`.
    arguments: String,
    /// `pg_get_function_result` (`None` for a procedure, or a routine that
    /// does not exist yet: its return type is not probed).
    result: Option<String>,
}

/// One probe per declared routine: a scratch copy in `pg_temp` with the same
/// arguments (and, when the routine exists, the same return type), with an
/// empty PL/pgSQL body. For a routine still to create only the arguments are
/// probed — they name it in `created()` — so a return type made later in the
/// run cannot fail the probe.
pub fn probes(spec: &Spec, catalog: &Catalog, out: &mut Vec<Probe>) {
    for (i, d) in declared(spec).enumerate() {
        let scratch = format!("pgp_probe_fn_{i}");
        let exists = live(catalog, &d).is_some();
        let setup = if d.def.procedure {
            format!(
                "CREATE PROCEDURE pg_temp.{}({}) LANGUAGE plpgsql AS $$BEGIN END$$",
                quote::ident(&scratch),
                d.args
            )
        } else {
            let returns = match (&d.def.returns, exists) {
                (Some(r), true) => format!(" RETURNS {r}"),
                _ if signature::has_output_params(d.args) => String::new(),
                _ => " RETURNS void".to_string(),
            };
            format!(
                "CREATE FUNCTION pg_temp.{}({}){returns} LANGUAGE plpgsql AS $$BEGIN END$$",
                quote::ident(&scratch),
                d.args
            )
        };
        let result = if exists {
            "pg_catalog.pg_get_function_result(p.oid)"
        } else {
            "NULL"
        };
        let question = format!(
            "{} {}({}) {}",
            if d.def.procedure {
                "procedure"
            } else {
                "function"
            },
            d.decl.name,
            d.args,
            if exists {
                d.def.returns.as_deref().unwrap_or("")
            } else {
                "-"
            }
        );
        out.push(Probe {
            key: key(&d),
            scratch: None,
            question: Some(question),
            subject: Subject::Routine {
                schema: d.schema.to_string(),
                name: d.decl.name.clone(),
                args: d.args.to_string(),
            },
            setup: vec![setup],
            read: format!(
                "SELECT json_build_object('identity', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'arguments', pg_catalog.pg_get_function_arguments(p.oid), 'result', {result})::text
FROM pg_catalog.pg_proc p
WHERE p.proname = {} AND p.pronamespace = pg_catalog.pg_my_temp_schema()",
                literal(&scratch)
            ).into(),
        });
    }
}

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for d in declared(spec) {
        let canonical: Option<Canonical> = catalog
            .canonical
            .get(&key(&d))
            .and_then(|text| serde_json::from_str(text).ok());
        let what = if d.def.procedure {
            "procedure"
        } else {
            "function"
        };
        let label = format!("{what} `{}.{}({})`", d.schema, d.decl.name, d.args.trim());
        let statement = |replace: bool, identity_args: String| {
            Statement::Routine(RoutineStatement::CreateRoutine {
                replace,
                schema: d.schema.to_string(),
                name: d.decl.name.clone(),
                args: d.args.to_string(),
                identity_args,
                definition: d.def.clone(),
            })
        };
        let Some(live) = live(catalog, &d) else {
            let identity = canonical
                .map(|c| c.identity)
                .unwrap_or_else(|| d.args.trim().to_string());
            out.changes.push(Change::converge(
                Phase::Functions,
                label,
                &d.decl.origin,
                statement(false, identity),
            ));
            continue;
        };
        let refuse = |out: &mut Diff, reason: String, hint: String| {
            out.refusals.push(Refusal {
                object: label.clone(),
                reason,
                hint: Some(hint),
                origin: Some(d.decl.origin.clone()),
            });
        };
        let live_is = if live.kind == "p" {
            "procedure"
        } else {
            "function"
        };
        if live_is != what {
            refuse(
                out,
                format!("it is a {live_is}; the spec declares a {what}"),
                format!(
                    "pg-provision does not drop routines: drop it yourself (`DROP {} {}.{}({})`) and run again, or fix `kind`",
                    live_is.to_ascii_uppercase(),
                    d.schema,
                    d.decl.name,
                    live.identity_args
                ),
            );
            continue;
        }
        if let Some(c) = &canonical {
            if c.identity != live.identity_args {
                refuse(
                    out,
                    format!(
                        "its parameters are `({})`; the spec declares `({})`",
                        live.identity_args, c.identity
                    ),
                    "CREATE OR REPLACE cannot rename parameters, and pg-provision does not drop routines (their grants and dependants would go too): keep the existing names, or drop it yourself and run again".into(),
                );
                continue;
            }
            if !d.def.procedure && c.result.is_some() && c.result != live.result {
                refuse(
                    out,
                    format!(
                        "it returns `{}`; the spec says `{}`",
                        live.result.as_deref().unwrap_or(""),
                        c.result.as_deref().unwrap_or("")
                    ),
                    format!(
                        "CREATE OR REPLACE cannot change a return type (OUT parameters included), and pg-provision does not drop functions (their grants and dependants would go too): drop it yourself (`DROP FUNCTION {}.{}({})`) and run again, or give the new version another name",
                        d.schema, d.decl.name, live.identity_args
                    ),
                );
                continue;
            }
        }
        let arguments_differ = canonical
            .as_ref()
            .is_some_and(|c| c.arguments != live.arguments);
        if arguments_differ || !same_definition(d.def, live) {
            out.changes.push(Change::converge(
                Phase::Functions,
                label,
                &d.decl.origin,
                statement(true, live.identity_args.clone()),
            ));
        }
    }
}

/// Whether the live routine has the declared body and attributes.
fn same_definition(def: &RoutineDefinition, live: &RoutineDefinitionState) -> bool {
    let config = settings::compare(&def.settings, live.config.as_deref());
    let common = live.source.as_deref().map(str::trim) == Some(def.body.as_str())
        && live.language == def.language
        && live.security_definer == def.security_definer
        && config.set.is_empty()
        && config.extra.is_empty();
    if def.procedure {
        return common;
    }
    common
        && live.volatility == def.volatility.code()
        && live.strict == def.strict
        && live.leakproof == def.leakproof
        && live.parallel == def.parallel.code()
        && live.cost == def.effective_cost()
        && live.rows == def.effective_rows(live.returns_set)
}
