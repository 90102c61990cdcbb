//! The definitions of functions, procedures and views: what `diff::routines`
//! and `diff::views` compare declared definitions with. Two queries, one
//! JSON document each, whatever the number of objects.

use super::scope::Scope;
use super::tables::{Detail, fingerprint};
use serde::Deserialize;

/// Every function and procedure in `scope`, except extension members: body,
/// language and every attribute `CREATE OR REPLACE` sets. (Nothing here
/// takes a lock: `pg_get_function_*` read `pg_proc` alone.)
pub fn routine_definitions(scope: &Scope) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', p.proname, 'kind', p.prokind::text,
  'identity_args', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'arguments', pg_catalog.pg_get_function_arguments(p.oid),
  'result', pg_catalog.pg_get_function_result(p.oid),
  'returns_set', p.proretset,
  'language', l.lanname, 'source', p.prosrc,
  'volatility', p.provolatile::text, 'strict', p.proisstrict,
  'security_definer', p.prosecdef, 'leakproof', p.proleakproof,
  'parallel', p.proparallel::text,
  'cost', p.procost::float8, 'rows', p.prorows::float8,
  'config', p.proconfig
) ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '[]')::text
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE {user} AND p.prokind IN ('f', 'p')
  AND p.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.deptype = 'e')",
        user = scope.condition("n.nspname")
    )
}

/// Every view `views` accepts (a SQL condition on `c` and `n`), except
/// extension members: its definition as `pg_get_viewdef` prints it (with
/// [`Detail::Texts`] only: printing locks the view and what it reads), the
/// fingerprint of its stored query, options, columns, the views whose query
/// reads it (through `pg_rewrite`) and any other object that would stop a
/// plain `DROP VIEW` (as `pg_describe_object` names it).
pub fn view_definitions(views: &str, detail: Detail) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname,
  'definition', {definition},
  'fp', (SELECT {fp} FROM pg_catalog.pg_rewrite r
         WHERE r.ev_class = c.oid AND r.rulename = '_RETURN'),
  'options', coalesce(c.reloptions, '{{}}'),
  'columns', (SELECT coalesce(json_agg(json_build_array(a.attname,
        pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum), '[]')
      FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'dependents', (SELECT coalesce(json_agg(json_build_array(x.nspname, x.relname, x.relkind)
        ORDER BY x.nspname, x.relname), '[]')
      FROM (SELECT DISTINCT dn.nspname, dc.relname, dc.relkind::text
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        JOIN pg_catalog.pg_class dc ON dc.oid = r.ev_class
        JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
        WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND d.refobjid = c.oid AND dc.oid <> c.oid) x),
  'blockers', (SELECT coalesce(json_agg(DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)), '[]')
      FROM pg_catalog.pg_depend d
      WHERE d.deptype = 'n'
        AND ((d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid)
          OR (d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.refobjid = c.reltype))
        AND d.classid <> 'pg_catalog.pg_rewrite'::pg_catalog.regclass)
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND {views}
  AND c.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.deptype = 'e')",
        definition = match detail {
            Detail::Texts => "pg_catalog.pg_get_viewdef(c.oid)",
            Detail::Fingerprints => "''",
        },
        fp = fingerprint("r.ev_action"),
    )
}

/// A function's or procedure's definition as it exists.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RoutineDefinitionState {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `prokind`: `f` or `p`.
    pub kind: String,
    /// `pg_get_function_identity_arguments`.
    pub identity_args: String,
    /// `pg_get_function_arguments` (with defaults and OUT parameters).
    pub arguments: String,
    /// `pg_get_function_result`; `None` for a procedure.
    pub result: Option<String>,
    /// `proretset`.
    pub returns_set: bool,
    /// `lanname`.
    pub language: String,
    /// `prosrc`: the body.
    pub source: Option<String>,
    /// `provolatile`: `v`, `s` or `i`.
    pub volatility: String,
    /// `proisstrict`.
    pub strict: bool,
    /// `prosecdef`.
    pub security_definer: bool,
    /// `proleakproof`.
    pub leakproof: bool,
    /// `proparallel`: `u`, `r` or `s`.
    pub parallel: String,
    /// `procost`.
    pub cost: f64,
    /// `prorows`.
    pub rows: f64,
    /// `proconfig`: `name=value` entries of the `SET` clauses.
    pub config: Option<Vec<String>>,
}

/// A view's definition as it exists.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ViewDefinitionState {
    /// `pg_class.oid`.
    #[serde(default)]
    pub oid: u32,
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `pg_get_viewdef`; empty until read with [`Detail::Texts`].
    pub definition: String,
    /// Fingerprint of the stored query.
    #[serde(default)]
    pub fp: String,
    /// `reloptions` entries (`name=value`).
    pub options: Vec<String>,
    /// `[name, type]` per column, in order.
    pub columns: Vec<(String, String)>,
    /// Views (and materialized views) whose query reads this one:
    /// `[schema, name, relkind]`.
    pub dependents: Vec<(String, String, String)>,
    /// Other objects depending on it (functions returning its row type,
    /// policies, …), as `pg_describe_object` names them.
    pub blockers: Vec<String>,
}
