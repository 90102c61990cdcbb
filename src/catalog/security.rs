//! The live row-level security, policies and triggers of every table, and
//! the probes that print the spec's policies and triggers the same way.
//!
//! Two queries ([`row_security`], [`triggers`]), each one JSON document,
//! whatever the number of tables. Triggers are compared through a
//! *definition*: `pg_get_triggerdef` with the table's name blanked out, so
//! a probe trigger on a scratch copy of the table reads exactly like the real
//! one when they are the same.

use super::shadow::Probe;
use crate::quote::{ident, literal, qualified};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Schemas whose contents are PostgreSQL's own.
const USER_SCHEMA: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// Row-level security flags and policies of every table, as
/// `{"rls": [[schema, table, enabled, forced], …], "policies": […]}`; only
/// tables with RLS enabled or forced are listed under `rls`.
pub fn row_security() -> String {
    format!(
        "SELECT json_build_object(
  'rls', (SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname,
            c.relrowsecurity, c.relforcerowsecurity) ORDER BY n.nspname, c.relname), '[]')
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND {USER_SCHEMA}),
  'policies', (SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname, 'table', c.relname, 'name', p.polname,
            'command', p.polcmd::text, 'permissive', p.polpermissive,
            'roles', (SELECT json_agg(x.name ORDER BY x.name)
                      FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC'
                                   ELSE pg_catalog.pg_get_userbyid(r) END AS name
                            FROM unnest(p.polroles) r) x),
            'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
            'with_check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
          ORDER BY n.nspname, c.relname, p.polname), '[]')
          FROM pg_catalog.pg_policy p
          JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE {USER_SCHEMA})
)::text"
    )
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

/// Every user trigger (not the internal ones behind foreign keys) on tables
/// outside PostgreSQL's schemas, with its comparable definition.
pub fn triggers() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', t.tgname,
  'definition', {def}
) ORDER BY n.nspname, c.relname, t.tgname), '[]')::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {USER_SCHEMA}",
        def = definition("t.oid", "t.tgrelid")
    )
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
    /// `pg_get_triggerdef` with the table blanked out (see [`triggers`]).
    pub definition: String,
}

/// What the two queries found.
#[derive(Debug, Clone, Default)]
pub struct SecurityState {
    /// `(relrowsecurity, relforcerowsecurity)` by (schema, table); tables
    /// not listed have both off.
    pub rls: BTreeMap<(String, String), (bool, bool)>,
    /// Policies by (schema, table) then name.
    pub policies: BTreeMap<(String, String), BTreeMap<String, PolicyState>>,
    /// Triggers by (schema, table) then name.
    pub triggers: BTreeMap<(String, String), BTreeMap<String, TriggerState>>,
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

/// Where probe answers are kept until the probes' final read: each table's
/// scratch copy is dropped right after its policies and triggers are read,
/// so copies of same-named tables from different schemas never meet.
const ANSWERS: &str = "pgp_security_answers";

/// Builds the probes of one table: a scratch copy named like the table
/// (`CREATE TEMP TABLE "t" (LIKE "s"."t")`, so an expression naming the
/// table prints the same), the desired policies and triggers on it, their
/// canonical text saved under `keys`, then the copy dropped. `policies` and
/// `triggers` are `(key, CREATE statement taking the table name)`.
pub struct TableProbes<'a> {
    /// Schema of the real table.
    pub schema: &'a str,
    /// The real table.
    pub table: &'a str,
    /// `(key, policy name, CREATE POLICY … ON <scratch>)`.
    pub policies: Vec<(String, String, String)>,
    /// `(key, trigger name, CREATE TRIGGER … ON <scratch>)`.
    pub triggers: Vec<(String, String, String)>,
}

impl TableProbes<'_> {
    /// The scratch table's qualified name (`pg_temp."t"`), for the CREATE statements.
    pub fn scratch(table: &str) -> String {
        format!("pg_temp.{}", ident(table))
    }

    /// The probes, the first carrying every setup statement.
    pub fn build(self) -> Vec<Probe> {
        if self.policies.is_empty() && self.triggers.is_empty() {
            return Vec::new();
        }
        let scratch = Self::scratch(self.table);
        let relid = format!("{}::pg_catalog.regclass", literal(&scratch));
        let mut setup = vec![
            format!("CREATE TEMP TABLE IF NOT EXISTS {ANSWERS} (k text PRIMARY KEY, v text)"),
            format!(
                "CREATE TEMP TABLE {} (LIKE {})",
                ident(self.table),
                qualified(self.schema, self.table)
            ),
        ];
        let mut keys = Vec::new();
        for (key, name, create) in &self.policies {
            setup.push(create.clone());
            setup.push(format!(
                "INSERT INTO pg_temp.{ANSWERS} SELECT {}, json_build_array(
                   pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                   pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))::text
                 FROM pg_catalog.pg_policy p WHERE p.polrelid = {relid} AND p.polname = {}",
                literal(key),
                literal(name)
            ));
            keys.push(key.clone());
        }
        for (key, name, create) in &self.triggers {
            setup.push(create.clone());
            setup.push(format!(
                "INSERT INTO pg_temp.{ANSWERS} SELECT {}, {}
                 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = {relid} AND t.tgname = {}",
                literal(key),
                definition("t.oid", "t.tgrelid"),
                literal(name)
            ));
            keys.push(key.clone());
        }
        setup.push(format!("DROP TABLE {scratch}"));
        let mut setup = Some(setup);
        keys.into_iter()
            .map(|key| Probe {
                read: format!(
                    "SELECT v FROM pg_temp.{ANSWERS} WHERE k = {}",
                    literal(&key)
                ),
                key,
                setup: setup.take().unwrap_or_default(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn table_probes_share_one_scratch_copy() {
        let probes = TableProbes {
            schema: "app",
            table: "users",
            policies: vec![
                ("policy:a".into(), "a".into(), "CREATE POLICY a".into()),
                ("policy:b".into(), "b".into(), "CREATE POLICY b".into()),
            ],
            triggers: vec![],
        }
        .build();
        assert_eq!(probes.len(), 2);
        assert_eq!(
            probes[0].setup[1],
            r#"CREATE TEMP TABLE "users" (LIKE "app"."users")"#
        );
        assert_eq!(
            probes[0].setup.last().unwrap(),
            r#"DROP TABLE pg_temp."users""#
        );
        assert!(probes[1].setup.is_empty());
        assert_eq!(
            probes[1].read,
            "SELECT v FROM pg_temp.pgp_security_answers WHERE k = 'policy:b'"
        );
    }
}
