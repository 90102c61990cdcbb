//! The live row-level security, policies and triggers of every table, and
//! the probes that print the spec's policies and triggers the same way.
//!
//! Two queries ([`row_security`], [`triggers`]), each one JSON document,
//! whatever the number of tables. Triggers are compared through a
//! *definition*: `pg_get_triggerdef` with the table's name blanked out, so
//! a probe trigger on a scratch copy of the table reads exactly like the real
//! one when they are the same.

use super::queries::{Form, record};
use super::scope::Scope;
use super::shadow::{Probe, Scratch, Subject};
use super::tables::{ColumnState, Detail, fingerprint};
use crate::quote::{ident, literal};
use crate::sorted_map::SortedMap;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Row-level security flags and policies of the tables `tables` accepts (a
/// SQL condition on `c` and `n`), as `{"rls": [[schema, table, enabled,
/// forced], …], "policies": […]}`; only tables with RLS enabled or forced
/// are listed under `rls`.
pub fn row_security(tables: &str, detail: Detail) -> String {
    // The bulk read (fingerprints) writes policies as arrays, see `Form`.
    let form = match detail {
        Detail::Texts => Form::Object,
        Detail::Fingerprints => Form::Array,
    };
    format!(
        "SELECT json_build_object(
  'rls', (SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname,
            c.relrowsecurity, c.relforcerowsecurity) ORDER BY n.nspname, c.relname), '[]')
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND {tables}),
  'policies', (SELECT coalesce(json_agg({policy}
          ORDER BY n.nspname, c.relname, p.polname), '[]')
          FROM pg_catalog.pg_policy p
          JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE {tables})
)::text",
        policy = record(form, &policy_fields(detail)),
    )
}

/// The fields of a [`PolicyState`]: `p` is its `pg_policy` row, `c` its
/// table, `n` the table's schema. Expressions are printed with
/// [`Detail::Texts`] only; fingerprints always.
fn policy_fields(detail: Detail) -> Vec<(&'static str, String)> {
    let text = |e: &str| match detail {
        Detail::Texts => format!("pg_catalog.pg_get_expr({e}, p.polrelid)"),
        Detail::Fingerprints => "NULL".to_string(),
    };
    vec![
        ("schema", "n.nspname".into()),
        ("table", "c.relname".into()),
        ("name", "p.polname".into()),
        ("command", "p.polcmd::text".into()),
        ("permissive", "p.polpermissive".into()),
        (
            "roles",
            "(SELECT json_agg(x.name ORDER BY x.name)
                      FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC'
                                   ELSE pg_catalog.pg_get_userbyid(r) END AS name
                            FROM unnest(p.polroles) r) x)"
                .into(),
        ),
        ("using", text("p.polqual")),
        ("with_check", text("p.polwithcheck")),
        (
            "fp",
            fingerprint(
                "coalesce(p.polqual::text, '') || '|' || coalesce(p.polwithcheck::text, '')",
            ),
        ),
    ]
}

/// `pg_get_triggerdef` of trigger `oid` on relation `relid`, with the
/// ` ON <table> ` part replaced by ` ON - `: comparable across tables. The
/// server prints the table schema-qualified — a temporary one as
/// `pg_temp.t` (15+) or `pg_temp_N.t` (14) — or as `regclass` does; each
/// form is tried, and a definition where none is found is left whole.
fn definition(oid: &str, relid: &str) -> String {
    format!(
        "(SELECT coalesce(
            (SELECT overlay(d.def PLACING ' ON - ' FROM position(r.rel IN d.def) FOR length(r.rel))
             FROM (VALUES (1, ' ON ' || rn.tempname || '.' || pg_catalog.quote_ident(rc.relname) || ' '),
                          (2, ' ON ' || pg_catalog.quote_ident(rn.nspname) || '.'
                                     || pg_catalog.quote_ident(rc.relname) || ' '),
                          (3, ' ON ' || rc.oid::pg_catalog.regclass::text || ' ')) r(n, rel)
             WHERE position(r.rel IN d.def) > 0 ORDER BY r.n LIMIT 1),
            d.def)
          FROM (SELECT pg_catalog.pg_get_triggerdef({oid}) AS def) d,
               pg_catalog.pg_class rc,
               LATERAL (SELECT n.nspname, CASE WHEN n.oid = pg_catalog.pg_my_temp_schema()
                               THEN 'pg_temp' ELSE pg_catalog.quote_ident(n.nspname) END AS tempname
                        FROM pg_catalog.pg_namespace n WHERE n.oid = rc.relnamespace) rn
          WHERE rc.oid = {relid})"
    )
}

/// Every user trigger (not the internal ones behind foreign keys) on the
/// tables `tables` accepts, with its fingerprint and (with
/// [`Detail::Texts`]) its comparable definition.
pub fn triggers(tables: &str, detail: Detail) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', t.tgname,
  'definition', {def},
  'fp', {fp}
) ORDER BY n.nspname, c.relname, t.tgname), '[]')::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {tables}",
        def = match detail {
            Detail::Texts => definition("t.oid", "t.tgrelid"),
            Detail::Fingerprints => "''".to_string(),
        },
        fp = fingerprint(
            "concat_ws('|', t.tgtype, t.tgfoid, t.tgargs, t.tgattr, t.tgqual, t.tgdeferrable, \
             t.tginitdeferred, t.tgconstraint, t.tgoldtable, t.tgnewtable)"
        ),
    )
}

/// The condition [`row_security`] and [`triggers`] take for the tables in `scope`.
pub fn in_scope(scope: &Scope) -> String {
    scope.condition("n.nspname")
}

/// A policy as it exists.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PolicyState {
    /// Schema of its table.
    pub schema: String,
    /// Its table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `polcmd`: `*`, `r`, `a`, `w` or `d`.
    pub command: String,
    /// `polpermissive`.
    pub permissive: bool,
    /// Roles, sorted; `PUBLIC` for everyone.
    pub roles: Vec<String>,
    /// `USING`, as the server prints it.
    pub using: Option<String>,
    /// `WITH CHECK`, as the server prints it.
    pub with_check: Option<String>,
    /// Fingerprint of both expressions as stored (read without printing
    /// them, so without a lock on the table).
    #[serde(default)]
    pub fp: String,
}

/// A trigger as it exists.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TriggerState {
    /// Schema of its table.
    pub schema: String,
    /// Its table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `pg_get_triggerdef` with the table blanked out (see [`triggers`]);
    /// empty until read with [`Detail::Texts`].
    pub definition: String,
    /// Fingerprint of the stored trigger.
    #[serde(default)]
    pub fp: String,
}

/// What the two queries found.
#[derive(Debug, Clone, Default)]
pub struct SecurityState {
    /// `(relrowsecurity, relforcerowsecurity)` by (schema, table); tables
    /// not listed have both off.
    pub rls: BTreeMap<(String, String), (bool, bool)>,
    /// Policies by (schema, table) then name.
    pub policies: BTreeMap<(String, String), SortedMap<String, PolicyState>>,
    /// Triggers by (schema, table) then name.
    pub triggers: BTreeMap<(String, String), SortedMap<String, TriggerState>>,
}

impl SecurityState {
    /// Row-level security of a table: `(enabled, forced)`.
    pub fn rls(&self, schema: &str, table: &str) -> (bool, bool) {
        self.rls
            .get(&(schema.to_string(), table.to_string()))
            .copied()
            .unwrap_or((false, false))
    }

    /// Builds the state from the two documents.
    pub fn decode(row_security: &str, triggers: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct RowSecurity {
            rls: Vec<(String, String, bool, bool)>,
            policies: Vec<PolicyState>,
        }
        let rs: RowSecurity = serde_json::from_str(row_security)?;
        let ts: Vec<TriggerState> = serde_json::from_str(triggers)?;
        let mut out = SecurityState::default();
        for (schema, table, enabled, forced) in rs.rls {
            out.rls.insert((schema, table), (enabled, forced));
        }
        for p in rs.policies {
            out.policies
                .entry((p.schema.clone(), p.table.clone()))
                .or_default()
                .insert(p.name.clone(), p);
        }
        for t in ts {
            out.triggers
                .entry((t.schema.clone(), t.table.clone()))
                .or_default()
                .insert(t.name.clone(), t);
        }
        Ok(out)
    }
}

/// The scratch copy of a table the policy and trigger probes build on:
/// named like the table (so an expression naming the table prints the
/// same), with the live table's columns, types and collations spelled out —
/// not `LIKE`, which would lock the real table, and so that the probe's
/// question says everything its answer depends on.
pub fn scratch_table(schema: &str, table: &str, columns: &[ColumnState]) -> Scratch {
    let scratch = format!("pg_temp.{}", ident(table));
    let cols: Vec<String> = columns
        .iter()
        .map(|c| {
            let mut s = format!("{} {}", ident(&c.name), c.type_);
            if let Some(coll) = &c.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            s
        })
        .collect();
    Scratch {
        of: crate::quote::qualified(schema, table),
        create: format!("CREATE TEMP TABLE {scratch} ({})", cols.join(", ")),
        drop: format!("DROP TABLE {scratch}"),
    }
}

/// The probe of a declared policy: `create` (a `CREATE POLICY … ON
/// pg_temp."t"`) on the scratch table, then its expressions as printed.
pub fn policy_probe(
    key: String,
    scratch: Scratch,
    name: &str,
    create: String,
    subject: Subject,
) -> Probe {
    let relid = format!("{}::pg_catalog.regclass", literal(&scratch_name(&scratch)));
    let read = format!(
        "SELECT json_build_array(pg_catalog.pg_get_expr(p.polqual, p.polrelid),
   pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))::text
 FROM pg_catalog.pg_policy p WHERE p.polrelid = {relid} AND p.polname = {}",
        literal(name)
    );
    table_probe(key, scratch, create, read, subject)
}

/// The probe of a declared trigger: `create` on the scratch table, then its
/// comparable definition.
pub fn trigger_probe(
    key: String,
    scratch: Scratch,
    name: &str,
    create: String,
    subject: Subject,
) -> Probe {
    let relid = format!("{}::pg_catalog.regclass", literal(&scratch_name(&scratch)));
    let read = format!(
        "SELECT {} FROM pg_catalog.pg_trigger t WHERE t.tgrelid = {relid} AND t.tgname = {}",
        definition("t.oid", "t.tgrelid"),
        literal(name)
    );
    table_probe(key, scratch, create, read, subject)
}

fn table_probe(
    key: String,
    scratch: Scratch,
    create: String,
    read: String,
    subject: Subject,
) -> Probe {
    Probe {
        key,
        question: Some(format!("{create}\n{read}")),
        scratch: Some(scratch),
        setup: vec![create],
        read: read.into(),
        subject,
    }
}

/// `pg_temp."t"` of a scratch table's create statement.
fn scratch_name(scratch: &Scratch) -> String {
    scratch
        .drop
        .strip_prefix("DROP TABLE ")
        .unwrap_or(&scratch.drop)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rows_list_the_fields_in_struct_order() {
        for detail in [Detail::Fingerprints, Detail::Texts] {
            super::super::queries::assert_fields::<PolicyState>(&policy_fields(detail));
        }
    }

    #[test]
    fn documents_decode_into_per_table_maps() {
        let s = SecurityState::decode(
            r#"{"rls":[["app","users",true,false]],
                "policies":[{"schema":"app","table":"users","name":"p","command":"r",
                  "permissive":true,"roles":["PUBLIC"],"using":"true","with_check":null}]}"#,
            r#"[{"schema":"app","table":"users","name":"t",
                 "definition":"CREATE TRIGGER t BEFORE INSERT ON - FOR EACH ROW EXECUTE FUNCTION app.f()"}]"#,
        )
        .unwrap();
        assert_eq!(s.rls("app", "users"), (true, false));
        assert_eq!(s.rls("app", "tasks"), (false, false));
        let key = ("app".to_string(), "users".to_string());
        assert_eq!(s.policies[&key]["p"].using.as_deref(), Some("true"));
        assert!(s.triggers[&key]["t"].definition.contains("ON - FOR"));
    }

    #[test]
    fn scratch_table_spells_out_columns_and_collations() {
        let col = |name: &str, ty: &str, coll: Option<&str>| ColumnState {
            name: name.into(),
            type_: ty.into(),
            collation: coll.map(str::to_string),
            ..ColumnState::default()
        };
        let s = scratch_table(
            "app",
            "users",
            &[
                col("id", "bigint", None),
                col("Name", "text", Some(r#""pg_catalog"."C""#)),
            ],
        );
        assert_eq!(
            s.create,
            r#"CREATE TEMP TABLE pg_temp."users" ("id" bigint, "Name" text COLLATE "pg_catalog"."C")"#
        );
        assert_eq!(s.drop, r#"DROP TABLE pg_temp."users""#);
        let p = policy_probe(
            "policy:x".into(),
            s,
            "p",
            "CREATE POLICY p ON pg_temp.users".into(),
            Subject::Data {
                schema: String::new(),
                table: String::new(),
            },
        );
        assert!(
            p.read
                .sql()
                .contains(r#"'pg_temp."users"'::pg_catalog.regclass"#),
            "{}",
            p.read.sql()
        );
        assert!(p.full_question().unwrap().starts_with("CREATE TEMP TABLE"));
    }
}
