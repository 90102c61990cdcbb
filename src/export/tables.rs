//! A table's structure in the spec's words: columns (serial and identity
//! recognised), primary key, unique constraints, foreign keys, checks and
//! indexes — on the column when that is what PostgreSQL would have named
//! it, at table level otherwise. Whatever the spec cannot say (a
//! deferrable constraint, an exclusion constraint, a DESC index, …) is noted.

use super::names::is_identifier;
use super::state::{Constraint, Relation, State};
use super::yaml::{Map, Node, strings};
use super::{Ctx, Out};
use crate::spec::table::object_name;
use std::collections::BTreeMap;

/// The columns that are `serial` in the spec's sense: (schema, table,
/// column) → the sequence PostgreSQL made for it. A serial column has the
/// `nextval` default of a sequence it owns, named `<table>_<column>_seq` in
/// the table's schema, of the column's type, with default options.
pub fn serials(state: &State) -> BTreeMap<(String, String, String), String> {
    let mut out = BTreeMap::new();
    for c in state.columns.iter().filter(|c| c.serial_default) {
        let Some(kind) = serial_kind(&c.type_) else {
            continue;
        };
        let name = object_name(&c.table, Some(&c.name), "seq");
        let seq = state
            .relations
            .iter()
            .find(|r| r.schema == c.schema && r.name == name)
            .and_then(|r| r.sequence.as_ref());
        let Some(seq) = seq else { continue };
        let max = match c.type_.as_str() {
            "smallint" => i64::from(i16::MAX),
            "integer" => i64::from(i32::MAX),
            _ => i64::MAX,
        };
        let owned = seq.owned_by.as_ref().is_some_and(|b| {
            !b.identity && b.schema == c.schema && b.table == c.table && b.column == c.name
        });
        let defaults = seq.start == 1
            && seq.increment == 1
            && seq.min_value == 1
            && seq.max_value == max
            && seq.cache == 1
            && !seq.cycle
            && seq.type_ == c.type_;
        if owned && defaults && c.not_null && c.identity.is_empty() {
            let _ = kind;
            out.insert((c.schema.clone(), c.table.clone(), c.name.clone()), name);
        }
    }
    out
}

/// `serial`, `bigserial` or `smallserial` for a column type.
fn serial_kind(type_: &str) -> Option<&'static str> {
    match type_ {
        "integer" => Some("serial"),
        "bigint" => Some("bigserial"),
        "smallint" => Some("smallserial"),
        _ => None,
    }
}

/// Adds `columns`, `primary_key`, `unique`, `foreign_keys`, `checks` and
/// `indexes` of table `r` to `m`.
pub fn structure(
    ctx: &Ctx<'_>,
    r: &Relation,
    serials: &BTreeMap<(String, String, String), String>,
    m: &mut Map,
    out: &mut Out,
) {
    let state = ctx.state;
    let label = format!("{}.{}", r.schema, r.name);
    let table = r.name.as_str();
    if r.persistence == "u" {
        out.not_exported(format!("table `{label}`: UNLOGGED"));
    }
    if r.options.is_some() {
        out.not_exported(format!(
            "table `{label}`: storage options ({})",
            r.options.as_deref().unwrap_or_default().join(", ")
        ));
    }
    if r.tablespace {
        out.not_exported(format!("table `{label}`: its tablespace"));
    }
    let constraints: Vec<&Constraint> = state
        .constraints
        .iter()
        .filter(|k| k.schema == r.schema && k.table == r.name && k.local)
        .collect();
    let mut column_maps: Vec<(String, Map)> = Vec::new();
    for c in state
        .columns
        .iter()
        .filter(|c| c.schema == r.schema && c.table == r.name)
    {
        let mut cm = Map::new();
        cm.insert("name", c.name.as_str());
        let serial = serials.contains_key(&(r.schema.clone(), r.name.clone(), c.name.clone()));
        if serial {
            cm.insert("type", serial_kind(&c.type_).unwrap_or("serial"));
        } else {
            cm.insert("type", c.type_.as_str());
        }
        let pk_column = constraints
            .iter()
            .any(|k| k.type_ == "p" && k.columns.contains(&c.name));
        if c.not_null && !serial && !pk_column && c.identity.is_empty() {
            cm.insert("not_null", true);
        }
        if !serial && let Some(d) = &c.default {
            cm.insert("default", d.as_str());
        }
        match c.identity.as_str() {
            "a" => {
                cm.insert("identity", "always");
            }
            "d" => {
                cm.insert("identity", "by_default");
            }
            _ => {}
        }
        if let Some(g) = &c.generated {
            cm.insert("generated", g.as_str());
        }
        if c.collation {
            out.not_exported(format!(
                "column `{label}.{}`: its collation (COLLATE)",
                c.name
            ));
        }
        if !c.identity.is_empty() {
            identity_options(state, r, &c.name, out);
        }
        column_maps.push((c.name.clone(), cm));
    }

    let mut primary_key = None;
    let mut unique = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut checks = Map::new();
    let mut column_extra: BTreeMap<String, Vec<(&str, Node)>> = BTreeMap::new();
    for k in &constraints {
        let what = format!("constraint `{}` of `{label}`", k.name);
        if k.comment.is_some() {
            out.not_exported(format!("{what}: its comment"));
        }
        if k.deferrable {
            out.not_exported(format!("{what}: DEFERRABLE"));
        }
        if !k.validated {
            out.not_exported(format!("{what}: NOT VALID"));
        }
        let joined = k.columns.join("_");
        match k.type_.as_str() {
            "p" => {
                let default = object_name(table, None, "pkey");
                if k.name != default {
                    out.changed(format!(
                        "{what}: the primary key is exported as `{default}` (the spec cannot name it)"
                    ));
                }
                if k.index_plain == Some(false) {
                    out.not_exported(format!("{what}: index options ({})", k.definition));
                }
                if k.columns.len() == 1 {
                    column_extra
                        .entry(k.columns[0].clone())
                        .or_default()
                        .push(("primary_key", Node::Bool(true)));
                } else {
                    primary_key = Some(strings(k.columns.iter()));
                }
            }
            "u" => {
                if k.nulls_not_distinct == Some(true) {
                    out.not_exported(format!("{what}: NULLS NOT DISTINCT"));
                }
                if k.index_plain == Some(false) {
                    out.not_exported(format!("{what}: index options ({})", k.definition));
                }
                let default = object_name(table, Some(&joined), "key");
                if k.columns.len() == 1 && k.name == default {
                    column_extra
                        .entry(k.columns[0].clone())
                        .or_default()
                        .push(("unique", Node::Bool(true)));
                } else if k.name == default {
                    unique.push(strings(k.columns.iter()));
                } else {
                    let mut u = Map::new();
                    u.insert("name", k.name.as_str());
                    u.insert("columns", strings(k.columns.iter()));
                    unique.push(Node::Map(u));
                }
            }
            "f" => {
                if k.match_ != "s" {
                    out.not_exported(format!("{what}: MATCH FULL"));
                }
                if k.delete_set_columns {
                    out.not_exported(format!("{what}: ON DELETE SET NULL/DEFAULT (columns)"));
                }
                let (Some(rs), Some(rt)) = (&k.ref_schema, &k.ref_table) else {
                    continue;
                };
                if rs.contains('.') || rt.contains('(') || rs.contains('(') {
                    out.not_exported(format!(
                        "{what}: the referenced table's name cannot be written in a spec"
                    ));
                    continue;
                }
                let target = if rs == &r.schema && !rt.contains('.') {
                    rt.clone()
                } else {
                    format!("{rs}.{rt}")
                };
                let default = object_name(table, Some(&joined), "fkey");
                let simple_column =
                    k.ref_columns.len() == 1 && !k.ref_columns[0].contains(['(', ')']);
                if k.columns.len() == 1 && k.name == default && simple_column {
                    let node = if k.on_delete != "a" || k.on_update != "a" {
                        let mut d = Map::new();
                        d.insert("table", target.as_str());
                        d.insert("column", k.ref_columns[0].as_str());
                        actions_into(k, &mut d);
                        Node::Map(d)
                    } else {
                        Node::Str(format!("{target}({})", k.ref_columns[0]))
                    };
                    column_extra
                        .entry(k.columns[0].clone())
                        .or_default()
                        .push(("references", node));
                } else {
                    let mut fk = Map::new();
                    if k.name != default {
                        fk.insert("name", k.name.as_str());
                    }
                    fk.insert("columns", strings(k.columns.iter()));
                    let mut to = Map::new();
                    to.insert("table", target.as_str());
                    to.insert("columns", strings(k.ref_columns.iter()));
                    fk.insert("references", to);
                    actions_into(k, &mut fk);
                    foreign_keys.push(Node::Map(fk));
                }
            }
            "c" => {
                if k.no_inherit {
                    out.not_exported(format!("{what}: NO INHERIT"));
                }
                let expr = k.expression.clone().unwrap_or_default();
                let default = k
                    .columns
                    .first()
                    .map(|c| object_name(table, Some(c), "check"));
                if k.columns.len() == 1 && Some(&k.name) == default.as_ref() {
                    column_extra
                        .entry(k.columns[0].clone())
                        .or_default()
                        .push(("check", Node::Str(expr)));
                } else {
                    checks.insert(k.name.as_str(), expr);
                }
            }
            "x" => out.not_exported(format!(
                "{what}: an exclusion constraint ({})",
                k.definition
            )),
            _ => {}
        }
    }

    let mut columns = Vec::new();
    for (name, mut cm) in column_maps {
        // Key order as a person writes a column: name, type, then the rest.
        for (key, value) in column_extra.remove(&name).unwrap_or_default() {
            cm.insert(key, value);
        }
        if let Some(c) = state
            .columns
            .iter()
            .find(|c| c.schema == r.schema && c.table == r.name && c.name == name)
            && let Some(comment) = &c.comment
        {
            cm.insert("comment", comment.as_str());
        }
        columns.push(Node::Map(cm));
    }
    m.insert("columns", Node::Seq(columns));
    if let Some(pk) = primary_key {
        m.insert("primary_key", pk);
    }
    if !unique.is_empty() {
        m.insert("unique", Node::Seq(unique));
    }
    if !foreign_keys.is_empty() {
        m.insert("foreign_keys", Node::Seq(foreign_keys));
    }
    if !checks.is_empty() {
        m.insert("checks", checks);
    }

    let mut indexes = Map::block();
    for ix in state
        .indexes
        .iter()
        .filter(|i| i.schema == r.schema && i.table == r.name)
    {
        if !ix.plain {
            out.not_exported(format!(
                "index `{}.{}`: options the spec cannot write ({})",
                ix.schema, ix.name, ix.definition
            ));
        }
        if ix.comment.is_some() {
            out.not_exported(format!("index `{}.{}`: its comment", ix.schema, ix.name));
        }
        let mut im = Map::new();
        let keys: Vec<Node> = ix
            .keys
            .iter()
            .map(|(text, column)| match column.then(|| unquote(text)) {
                // A column the engine quotes itself; any other name stays
                // quoted, which the engine takes as an expression and
                // PostgreSQL as the column again.
                Some(name) if is_identifier(&name) => Node::Str(name),
                _ => Node::Str(text.clone()),
            })
            .collect();
        im.insert("columns", Node::Seq(keys));
        if ix.unique {
            im.insert("unique", true);
        }
        if let Some(w) = &ix.predicate {
            im.insert("where", w.as_str());
        }
        if ix.using != "btree" {
            im.insert("using", ix.using.as_str());
        }
        if !ix.include.is_empty() {
            im.insert("include", strings(ix.include.iter().map(|c| unquote(c))));
        }
        indexes.insert(ix.name.as_str(), im);
    }
    if !indexes.is_empty() {
        m.insert("indexes", indexes);
    }
}

/// A name as `quote_ident` printed it, unquoted.
fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_string(),
    }
}

fn actions_into(k: &Constraint, m: &mut Map) {
    for (key, code) in [("on_delete", &k.on_delete), ("on_update", &k.on_update)] {
        let word = match code.as_str() {
            "r" => "restrict",
            "c" => "cascade",
            "n" => "set_null",
            "d" => "set_default",
            _ => continue,
        };
        m.insert(key, word);
    }
}

/// Notes an identity column whose sequence has options `GENERATED … AS
/// IDENTITY` would not give it.
fn identity_options(state: &State, r: &Relation, column: &str, out: &mut Out) {
    let seq = state.relations.iter().find_map(|s| {
        s.sequence.as_ref().filter(|q| {
            q.owned_by.as_ref().is_some_and(|b| {
                b.identity && b.schema == r.schema && b.table == r.name && b.column == column
            })
        })
    });
    let Some(q) = seq else { return };
    let max = match q.type_.as_str() {
        "smallint" => i64::from(i16::MAX),
        "integer" => i64::from(i32::MAX),
        _ => i64::MAX,
    };
    let defaults = q.start == 1
        && q.increment == 1
        && q.min_value == 1
        && q.max_value == max
        && q.cache == 1
        && !q.cycle;
    if !defaults {
        out.not_exported(format!(
            "column `{}.{}.{column}`: the options of its identity sequence",
            r.schema, r.name
        ));
    }
}
