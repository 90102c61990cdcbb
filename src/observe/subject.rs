//! Per kind of probe subject: its live fingerprint, restoring its printed
//! texts from memory, and deriving its answer from the live catalog.
//!
//! A probe's answer is what the server prints for the spec's definition. Once
//! the live object is known to be equal to that definition (compared, or
//! created from it in this run), the answer can be *derived* from the live
//! object's own texts — that is what pg-provision remembers. And while the
//! live object's fingerprint stays what it was, its texts are the remembered
//! ones: no need to print them (which would lock the table).

use crate::catalog::Catalog;
use crate::catalog::shadow::Subject;
use crate::catalog::tables::{ColumnState, ConstraintState, IndexShape, IndexState, TableShape};
use crate::diff::signature;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a subject's printed texts come from when they must be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// The table with this oid (defaults, constraints, indexes, policies, triggers).
    Table(u32),
    /// The view with this oid.
    View(u32),
}

fn key(schema: &str, name: &str) -> (String, String) {
    (schema.to_string(), name.to_string())
}

/// The live routine a subject denotes.
fn routine<'c>(
    catalog: &'c Catalog,
    schema: &str,
    name: &str,
    args: &str,
) -> Option<&'c crate::catalog::routines::RoutineDefinitionState> {
    let f = catalog
        .functions
        .iter()
        .find(|f| f.schema == schema && f.name == name && signature::matches(args, &f.arg_types))?;
    catalog
        .routine_definitions
        .iter()
        .find(|r| r.schema == f.schema && r.name == f.name && r.identity_args == f.identity_args)
}

/// Whether the subject's object exists in `catalog`.
pub fn exists(subject: &Subject, catalog: &Catalog) -> bool {
    match subject {
        Subject::Policy {
            schema,
            table,
            name,
        } => catalog
            .security
            .policies
            .get(&key(schema, table))
            .is_some_and(|p| p.contains_key(name)),
        Subject::Trigger {
            schema,
            table,
            name,
        } => catalog
            .security
            .triggers
            .get(&key(schema, table))
            .is_some_and(|t| t.contains_key(name)),
        Subject::View { schema, name } => catalog.view_definitions.contains_key(&key(schema, name)),
        Subject::Routine { schema, name, args } => routine(catalog, schema, name, args).is_some(),
        Subject::Table { schema, table, .. } | Subject::Data { schema, table } => {
            catalog.tables.contains_key(&key(schema, table))
        }
    }
}

/// Where the subject's texts are printed from (`None`: they need no printing).
pub fn target(subject: &Subject, catalog: &Catalog) -> Option<Target> {
    match subject {
        Subject::Policy { schema, table, .. }
        | Subject::Trigger { schema, table, .. }
        | Subject::Table { schema, table, .. } => catalog
            .table_oids
            .get(&key(schema, table))
            .map(|oid| Target::Table(*oid)),
        Subject::View { schema, name } => catalog
            .view_definitions
            .get(&key(schema, name))
            .map(|v| Target::View(v.oid)),
        Subject::Routine { .. } | Subject::Data { .. } => None,
    }
}

/// The live object's fingerprint, readable without printing anything;
/// `None` when it does not exist.
pub fn fingerprint(subject: &Subject, catalog: &Catalog) -> Option<String> {
    match subject {
        Subject::Policy {
            schema,
            table,
            name,
        } => Some(
            catalog
                .security
                .policies
                .get(&key(schema, table))?
                .get(name)?
                .fp
                .clone(),
        ),
        Subject::Trigger {
            schema,
            table,
            name,
        } => Some(
            catalog
                .security
                .triggers
                .get(&key(schema, table))?
                .get(name)?
                .fp
                .clone(),
        ),
        Subject::View { schema, name } => {
            Some(catalog.view_definitions.get(&key(schema, name))?.fp.clone())
        }
        // Routines print without a lock: nothing to restore.
        Subject::Routine { schema, name, args } => {
            routine(catalog, schema, name, args).map(|_| String::new())
        }
        Subject::Table {
            schema,
            table,
            columns,
            checks,
            indexes,
            ..
        } => {
            let live = catalog.tables.get(&key(schema, table))?;
            let mut text = String::new();
            for (c, _) in columns {
                let l = live.column(c)?;
                text.push_str(&format!(
                    "c {c}|{}|{}|{}\n",
                    l.type_,
                    l.default_fp.as_deref().unwrap_or("-"),
                    l.generated
                ));
            }
            for k in checks {
                let l = live.constraint(k)?;
                text.push_str(&format!("k {k}|{}\n", l.fp.as_deref().unwrap_or("-")));
            }
            for (_, i) in indexes {
                let l = live.index(i)?;
                text.push_str(&format!("i {i}|{}\n", l.fp.as_deref().unwrap_or("-")));
            }
            Some(crate::stamp::sha256_hex(&text))
        }
        Subject::Data { .. } => None,
    }
}

/// A table's texts as remembered: what [`hydrate`] restores.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TableTexts {
    defaults: BTreeMap<String, Option<String>>,
    checks: BTreeMap<String, String>,
    indexes: BTreeMap<String, IndexShape>,
}

/// A view's answer: its definition and columns as printed.
#[derive(Debug, Serialize, Deserialize)]
struct ViewAnswer {
    definition: String,
    columns: Vec<(String, String)>,
}

/// A routine's answer.
#[derive(Debug, Serialize)]
struct RoutineAnswer<'a> {
    identity: &'a str,
    arguments: &'a str,
    result: Option<&'a str>,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

/// Restores the subject's printed texts from `live` (as [`derive`] made
/// it); false when it does not fit the catalog (then the texts are read).
pub fn hydrate(subject: &Subject, live: &str, catalog: &mut Catalog) -> bool {
    match subject {
        Subject::Policy {
            schema,
            table,
            name,
        } => {
            let Ok((using, with_check)) =
                serde_json::from_str::<(Option<String>, Option<String>)>(live)
            else {
                return false;
            };
            let Some(p) = catalog
                .security
                .policies
                .get_mut(&key(schema, table))
                .and_then(|p| p.get_mut(name))
            else {
                return false;
            };
            p.using = using;
            p.with_check = with_check;
            true
        }
        Subject::Trigger {
            schema,
            table,
            name,
        } => {
            let Ok(definition) = serde_json::from_str::<String>(live) else {
                return false;
            };
            let Some(t) = catalog
                .security
                .triggers
                .get_mut(&key(schema, table))
                .and_then(|t| t.get_mut(name))
            else {
                return false;
            };
            t.definition = definition;
            true
        }
        Subject::View { schema, name } => {
            let Ok(definition) = serde_json::from_str::<String>(live) else {
                return false;
            };
            let Some(v) = catalog.view_definitions.get_mut(&key(schema, name)) else {
                return false;
            };
            v.definition = definition;
            true
        }
        Subject::Routine { .. } => true,
        Subject::Table { schema, table, .. } => {
            let Ok(texts) = serde_json::from_str::<TableTexts>(live) else {
                return false;
            };
            let Some(shape) = catalog.tables.get_mut(&key(schema, table)) else {
                return false;
            };
            for (c, default) in texts.defaults {
                match shape.columns.iter_mut().find(|l| l.name == c) {
                    Some(l) => l.default = default,
                    None => return false,
                }
            }
            for (k, definition) in texts.checks {
                match shape.constraints.iter_mut().find(|l| l.name == k) {
                    Some(l) => l.definition = definition,
                    None => return false,
                }
            }
            for (i, s) in texts.indexes {
                match shape.indexes.iter_mut().find(|l| l.name == i) {
                    Some(l) => l.shape = s,
                    None => return false,
                }
            }
            true
        }
        Subject::Data { .. } => false,
    }
}

/// The subject's answer and printed texts derived from the live catalog,
/// whose texts must have been read (or restored): `(answer, live)`. Valid
/// only when the live object is what the spec defines.
pub fn derive(subject: &Subject, catalog: &Catalog) -> Option<(String, String)> {
    match subject {
        Subject::Policy {
            schema,
            table,
            name,
        } => {
            let p = catalog
                .security
                .policies
                .get(&key(schema, table))?
                .get(name)?;
            let texts = json(&(&p.using, &p.with_check));
            Some((texts.clone(), texts))
        }
        Subject::Trigger {
            schema,
            table,
            name,
        } => {
            let t = catalog
                .security
                .triggers
                .get(&key(schema, table))?
                .get(name)?;
            Some((t.definition.clone(), json(&t.definition)))
        }
        Subject::View { schema, name } => {
            let v = catalog.view_definitions.get(&key(schema, name))?;
            let answer = json(&ViewAnswer {
                definition: v.definition.clone(),
                columns: v.columns.clone(),
            });
            Some((answer, json(&v.definition)))
        }
        Subject::Routine { schema, name, args } => {
            let r = routine(catalog, schema, name, args)?;
            let answer = json(&RoutineAnswer {
                identity: &r.identity_args,
                arguments: &r.arguments,
                result: r.result.as_deref(),
            });
            Some((answer, "null".to_string()))
        }
        Subject::Table {
            schema,
            table,
            columns,
            checks,
            indexes,
            scratch,
        } => {
            let live = catalog.tables.get(&key(schema, table))?;
            let mut answer = TableShape::default();
            let mut texts = TableTexts::default();
            for (c, serial) in columns {
                let l = live.column(c)?;
                answer.columns.push(ColumnState {
                    name: l.name.clone(),
                    type_: l.type_.clone(),
                    default: if *serial { None } else { l.default.clone() },
                    generated: l.generated.clone(),
                    ..ColumnState::default()
                });
                texts.defaults.insert(c.clone(), l.default.clone());
            }
            for k in checks {
                let l = live.constraint(k)?;
                answer.constraints.push(ConstraintState {
                    name: l.name.clone(),
                    type_: l.type_.clone(),
                    definition: l.definition.clone(),
                    ..ConstraintState::default()
                });
                texts.checks.insert(k.clone(), l.definition.clone());
            }
            for (n, i) in indexes {
                let l = live.index(i)?;
                answer.indexes.push(IndexState {
                    name: format!("{scratch}_i{n}"),
                    shape: l.shape.clone(),
                    ..IndexState::default()
                });
                texts.indexes.insert(i.clone(), l.shape.clone());
            }
            Some((json(&answer), json(&texts)))
        }
        Subject::Data { .. } => None,
    }
}
