//! What the live catalog rows mean: the same lints as on a spec, decided on
//! what the server answered (its `has_*_privilege` functions already follow
//! memberships, PUBLIC and ownership). Pure: unit-tested on hand-made rows.

use crate::lint::functions::definer_search_path_problem;
use crate::lint::policies::{PermissivePolicy, always_true_clause, overlapping};
use crate::lint::registry::*;
use crate::lint::{ApiRole, Finding, role, roles};
use crate::privilege::ObjectKind;
use crate::spec::lint::Scope;
use crate::spec::security::PolicyCommand;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// A role's attributes.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleRow {
    /// Name.
    pub name: String,
    /// `rolcanlogin`.
    pub login: bool,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolbypassrls`.
    pub bypassrls: bool,
    /// Whether `pg_authid` holds a password; `None` when unreadable.
    pub has_password: Option<bool>,
}

/// A table.
#[derive(Debug, Clone, Deserialize)]
pub struct TableRow {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// `relrowsecurity`.
    pub rls: bool,
    /// `relforcerowsecurity`.
    pub forced: bool,
    /// Its policies' names.
    pub policies: Vec<String>,
    /// API roles that may read or write it, with the privileges.
    pub reach: Vec<(String, Vec<String>)>,
}

/// A view.
#[derive(Debug, Clone, Deserialize)]
pub struct ViewRow {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// `security_invoker` is set.
    pub invoker: bool,
    /// API roles that may read it.
    pub readers: Vec<String>,
    /// Tables and views its query reads directly.
    pub reads: Vec<(String, String)>,
}

/// A function or procedure.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionRow {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// A procedure, not a function.
    pub procedure: bool,
    /// Identity arguments as the server prints them.
    pub args: String,
    /// Owner.
    pub owner: String,
    /// Language.
    pub language: String,
    /// SECURITY DEFINER.
    pub definer: bool,
    /// Its `search_path` setting, as stored.
    pub search_path: Option<String>,
    /// PUBLIC may execute it.
    pub public_execute: bool,
    /// API roles other than PUBLIC that may execute it.
    pub callers: Vec<String>,
}

/// A policy.
#[derive(Debug, Clone, Deserialize)]
pub struct PolicyRow {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Name.
    pub name: String,
    /// Permissive (not restrictive).
    pub permissive: bool,
    /// `polcmd`.
    pub command: String,
    /// Roles, `PUBLIC` for everyone.
    pub roles: Vec<String>,
    /// `USING`, as printed by the server.
    pub using: Option<String>,
    /// `WITH CHECK`, as printed by the server.
    pub with_check: Option<String>,
    /// The table has row-level security on.
    pub rls: bool,
    /// API roles it applies to.
    pub api_roles: Vec<String>,
}

/// A grantee of INSERT that may not use a column default's sequence.
#[derive(Debug, Clone, Deserialize)]
pub struct InsertRow {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// The column whose default calls `nextval`.
    pub column: String,
    /// Schema of the sequence.
    pub sequence_schema: String,
    /// The sequence.
    pub sequence: String,
    /// The role granted INSERT (`PUBLIC` for everyone).
    pub grantee: String,
}

/// Per-schema default privileges of a role that cannot create there.
#[derive(Debug, Clone, Deserialize)]
pub struct DefaultAclRow {
    /// The creating role.
    pub role: String,
    /// The schema.
    pub schema: String,
    /// `defaclobjtype`.
    pub kind: String,
}

/// A grant to a role without USAGE on the object's schema.
#[derive(Debug, Clone, Deserialize)]
pub struct GrantRow {
    /// `table`, `view`, `sequence`, `function`, `type`, …
    pub kind: String,
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// A routine's identity arguments.
    pub args: Option<String>,
    /// The grantee.
    pub grantee: String,
    /// The privileges granted.
    pub privileges: String,
}

/// Everything the live queries returned.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The API roles and why.
    pub api_roles: Vec<ApiRole>,
    /// Every role.
    pub roles: Vec<RoleRow>,
    /// Tables.
    pub tables: Vec<TableRow>,
    /// Views.
    pub views: Vec<ViewRow>,
    /// Functions and procedures.
    pub functions: Vec<FunctionRow>,
    /// Extensions in `public`.
    pub extensions_in_public: Vec<String>,
    /// Policies.
    pub policies: Vec<PolicyRow>,
    /// INSERT without the sequence.
    pub inserts: Vec<InsertRow>,
    /// Default privileges that never fire.
    pub default_acls: Vec<DefaultAclRow>,
    /// Grants without schema USAGE.
    pub grants_without_usage: Vec<GrantRow>,
}

fn object(schema: &str, kind: ObjectKind, name: &str) -> Scope {
    Scope::Object {
        schema: schema.to_string(),
        kind,
        name: name.to_string(),
    }
}

fn finding(
    lint: &'static Lint,
    object: String,
    message: String,
    remediation: &str,
    scope: Scope,
) -> Finding {
    Finding {
        lint,
        object,
        message,
        remediation: remediation.to_string(),
        scope,
        origin: None,
    }
}

/// Every finding the rows show.
pub fn all(c: &Catalog) -> Vec<Finding> {
    let mut out = Vec::new();
    tables(c, &mut out);
    views(c, &mut out);
    functions(c, &mut out);
    policies(c, &mut out);
    for ext in &c.extensions_in_public {
        out.push(finding(
            &EXTENSION_IN_PUBLIC,
            format!("extension `{ext}`"),
            format!("extension `{ext}` is installed in schema `public`"),
            "move it to a schema of its own (`ALTER EXTENSION … SET SCHEMA extensions`, or `schema: extensions` in the spec) and grant USAGE on it to the roles that call it",
            Scope::Extension(ext.clone()),
        ));
    }
    for i in &c.inserts {
        let label = format!("table `{}.{}`", i.schema, i.table);
        out.push(finding(
            &INSERT_WITHOUT_SEQUENCE_USAGE,
            label.clone(),
            format!(
                "{} may INSERT into {label} but has no USAGE on sequence `{}.{}` behind column `{}`: an insert that takes the column's default fails with `permission denied for sequence {}`",
                role(&i.grantee), i.sequence_schema, i.sequence, i.column, i.sequence
            ),
            INSERT_WITHOUT_SEQUENCE_USAGE.fix,
            object(&i.schema, ObjectKind::Table, &i.table),
        ));
    }
    for d in &c.default_acls {
        let kinds = ObjectKind::from_defacl_code(&d.kind)
            .and_then(|k| k.default_keyword())
            .unwrap_or("objects")
            .to_ascii_lowercase();
        out.push(finding(
            &DEFAULT_PRIVILEGES_NEVER_FIRE,
            format!("default privileges of `{}` in schema `{}`", d.role, d.schema),
            format!(
                "default privileges for {kinds} `{}` creates in schema `{}` never apply: `{}` cannot create objects there (no CREATE on `{}`)",
                d.role, d.schema, d.role, d.schema
            ),
            DEFAULT_PRIVILEGES_NEVER_FIRE.fix,
            Scope::Schema(d.schema.clone()),
        ));
    }
    for g in &c.grants_without_usage {
        let (kind, name) = match &g.args {
            Some(args) => (ObjectKind::Function, format!("{}({args})", g.name)),
            None => (
                match g.kind.as_str() {
                    "view" | "materialized view" => ObjectKind::View,
                    "sequence" => ObjectKind::Sequence,
                    "type" => ObjectKind::Type,
                    _ => ObjectKind::Table,
                },
                g.name.clone(),
            ),
        };
        let label = format!("{} `{}.{name}`", g.kind, g.schema);
        out.push(finding(
            &GRANT_WITHOUT_SCHEMA_USAGE,
            label.clone(),
            format!(
                "`{}` is granted {} on {label} but has no USAGE on schema `{}`: the grant has no effect",
                g.grantee, g.privileges, g.schema
            ),
            GRANT_WITHOUT_SCHEMA_USAGE.fix,
            object(&g.schema, kind, &g.name),
        ));
    }
    for r in &c.roles {
        if r.login && r.has_password == Some(false) && !r.name.starts_with("pg_") {
            out.push(finding(
                &LOGIN_WITHOUT_PASSWORD,
                format!("role `{}`", r.name),
                format!("login role `{}` has no password: it can log in only where `pg_hba.conf` trusts it or by another method", r.name),
                LOGIN_WITHOUT_PASSWORD.fix,
                Scope::Role(r.name.clone()),
            ));
        }
    }
    out
}

fn tables(c: &Catalog, out: &mut Vec<Finding>) {
    for t in &c.tables {
        let label = format!("table `{}.{}`", t.schema, t.name);
        let scope = object(&t.schema, ObjectKind::Table, &t.name);
        if !t.rls && !t.policies.is_empty() {
            let names = t
                .policies
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(finding(
                &RLS_DISABLED_WITH_POLICY,
                label.clone(),
                format!("{label} has policies ({names}) but row-level security is disabled, so PostgreSQL ignores them"),
                "`ALTER TABLE … ENABLE ROW LEVEL SECURITY` (in the spec: `rls: enabled`)",
                scope.clone(),
            ));
        }
        if t.rls && t.policies.is_empty() {
            out.push(finding(
                &RLS_ENABLED_WITHOUT_POLICY,
                label.clone(),
                format!("row-level security is enabled on {label} but it has no policy: no role but its owner (and BYPASSRLS roles) sees a row"),
                RLS_ENABLED_WITHOUT_POLICY.fix,
                scope.clone(),
            ));
        }
        if !t.rls && !t.reach.is_empty() {
            let who = t
                .reach
                .iter()
                .map(|(r, ps)| format!("{} ({})", role(r), ps.join(", ")))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(finding(
                &TABLE_REACHABLE_WITHOUT_RLS,
                label.clone(),
                format!("API role(s) {who} can reach {label}, which has no row-level security: every row their privileges allow is theirs"),
                TABLE_REACHABLE_WITHOUT_RLS.fix,
                scope,
            ));
        }
    }
}

fn views(c: &Catalog, out: &mut Vec<Finding>) {
    let tables: BTreeMap<(&str, &str), &TableRow> = c
        .tables
        .iter()
        .map(|t| ((t.schema.as_str(), t.name.as_str()), t))
        .collect();
    let views: BTreeMap<(&str, &str), &ViewRow> = c
        .views
        .iter()
        .map(|v| ((v.schema.as_str(), v.name.as_str()), v))
        .collect();
    let bypasses: BTreeSet<&str> = c
        .roles
        .iter()
        .filter(|r| r.superuser || r.bypassrls)
        .map(|r| r.name.as_str())
        .collect();
    for v in c
        .views
        .iter()
        .filter(|v| !v.invoker && !v.readers.is_empty())
    {
        let mut exempt = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![(v, v.owner.as_str())];
        while let Some((view, reader)) = stack.pop() {
            if !seen.insert((view.schema.as_str(), view.name.as_str(), reader)) {
                continue;
            }
            for (s, n) in &view.reads {
                if let Some(inner) = views.get(&(s.as_str(), n.as_str())) {
                    let next = if inner.invoker {
                        reader
                    } else {
                        inner.owner.as_str()
                    };
                    stack.push((inner, next));
                } else if let Some(t) = tables.get(&(s.as_str(), n.as_str()))
                    && t.rls
                {
                    let why = if bypasses.contains(reader) {
                        Some("superuser or BYPASSRLS")
                    } else if reader == t.owner && !t.forced {
                        Some("its owner; RLS is not forced")
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        exempt.push(format!("table `{s}.{n}` as `{reader}` ({why})"));
                    }
                }
            }
        }
        if exempt.is_empty() {
            continue;
        }
        exempt.sort();
        exempt.dedup();
        let label = format!("view `{}.{}`", v.schema, v.name);
        out.push(finding(
            &VIEW_BYPASSES_RLS,
            label.clone(),
            format!(
                "{label} is readable by {} and reads {}: the table's policies do not filter the rows the view shows",
                roles(&v.readers),
                exempt.join(", ")
            ),
            VIEW_BYPASSES_RLS.fix,
            object(&v.schema, ObjectKind::View, &v.name),
        ));
    }
}

fn functions(c: &Catalog, out: &mut Vec<Finding>) {
    for f in &c.functions {
        let kind = if f.procedure { "procedure" } else { "function" };
        let label = format!("{kind} `{}.{}({})`", f.schema, f.name, f.args);
        let scope = object(&f.schema, ObjectKind::Function, &f.name);
        let path: Option<Vec<String>> = f
            .search_path
            .as_ref()
            .map(|p| p.split(',').map(|s| s.trim().to_string()).collect());
        if !f.definer {
            // C and internal functions do not look names up by search_path.
            if path.is_none() && !matches!(f.language.as_str(), "c" | "internal") {
                out.push(finding(
                    &FUNCTION_SEARCH_PATH_MUTABLE,
                    label.clone(),
                    format!("{label} does not pin `search_path`: names in its body resolve through the caller's search_path"),
                    FUNCTION_SEARCH_PATH_MUTABLE.fix,
                    scope,
                ));
            }
            continue;
        }
        if let Some(problem) = definer_search_path_problem(path.as_deref()) {
            out.push(finding(
                &DEFINER_SEARCH_PATH_NOT_PINNED,
                label.clone(),
                format!("SECURITY DEFINER {label} {problem}"),
                DEFINER_SEARCH_PATH_NOT_PINNED.fix,
                scope.clone(),
            ));
        }
        if f.public_execute {
            out.push(finding(
                &DEFINER_EXECUTABLE_BY_PUBLIC,
                label.clone(),
                format!(
                    "PUBLIC may execute SECURITY DEFINER {label}: every role that can use schema `{}` runs it with the rights of `{}`",
                    f.schema, f.owner
                ),
                "`REVOKE EXECUTE … FROM PUBLIC` and grant it to the roles that call it (pg-provision does this for declared definer functions)",
                scope,
            ));
        } else if !f.callers.is_empty() {
            out.push(finding(
                &DEFINER_EXECUTABLE_BY_API_ROLE,
                label.clone(),
                format!(
                    "API role(s) {} may execute SECURITY DEFINER {label}, which runs with the rights of `{}`",
                    roles(&f.callers),
                    f.owner
                ),
                DEFINER_EXECUTABLE_BY_API_ROLE.fix,
                scope,
            ));
        }
    }
}

fn policies(c: &Catalog, out: &mut Vec<Finding>) {
    let mut per_table: BTreeMap<(&str, &str), Vec<PermissivePolicy>> = BTreeMap::new();
    for p in &c.policies {
        let Some(command) = PolicyCommand::from_polcmd(&p.command) else {
            continue;
        };
        let table = format!("table `{}.{}`", p.schema, p.table);
        if p.permissive {
            per_table
                .entry((p.schema.as_str(), p.table.as_str()))
                .or_default()
                .push((p.name.clone(), command, p.roles.clone()));
        }
        if !p.rls || !p.permissive || command == PolicyCommand::Select || p.api_roles.is_empty() {
            continue;
        }
        if let Some(clause) =
            always_true_clause(command, p.using.as_deref(), p.with_check.as_deref())
        {
            out.push(finding(
                &POLICY_ALWAYS_TRUE_WRITE,
                table.clone(),
                format!(
                    "permissive policy `{}` on {table} lets {} write every row: `FOR {}` with {clause}",
                    p.name,
                    roles(&p.api_roles),
                    command.keyword()
                ),
                POLICY_ALWAYS_TRUE_WRITE.fix,
                Scope::Policy {
                    schema: p.schema.clone(),
                    table: p.table.clone(),
                    name: p.name.clone(),
                },
            ));
        }
    }
    for ((schema, table), list) in per_table {
        if let Some((text, _)) = overlapping(&list) {
            let label = format!("table `{schema}.{table}`");
            out.push(finding(
                &MULTIPLE_PERMISSIVE_POLICIES,
                label.clone(),
                format!("{label} has several permissive policies for {text}: they are OR-ed, so the broadest one decides"),
                MULTIPLE_PERMISSIVE_POLICIES.fix,
                object(schema, ObjectKind::Table, table),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: &Catalog) -> Vec<String> {
        all(c)
            .iter()
            .map(|f| format!("{} {}", f.lint.id, f.object))
            .collect()
    }

    fn table(name: &str, rls: bool, policies: &[&str], reach: &[(&str, &[&str])]) -> TableRow {
        TableRow {
            schema: "app".into(),
            name: name.into(),
            owner: "owner".into(),
            rls,
            forced: false,
            policies: policies.iter().map(|p| p.to_string()).collect(),
            reach: reach
                .iter()
                .map(|(r, ps)| (r.to_string(), ps.iter().map(|p| p.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn table_rows_give_rls_findings() {
        let c = Catalog {
            tables: vec![
                table("a", false, &["p"], &[]),
                table("b", true, &[], &[]),
                table("c", false, &[], &[("api_anon", &["SELECT"])]),
                table("d", true, &["p"], &[("api_anon", &["SELECT"])]),
            ],
            ..Catalog::default()
        };
        assert_eq!(
            ids(&c),
            [
                "rls-disabled-with-policy table `app.a`",
                "rls-enabled-without-policy table `app.b`",
                "table-reachable-without-rls table `app.c`",
            ]
        );
    }

    #[test]
    fn views_bypass_through_owners_and_nested_views() {
        let view =
            |name: &str, owner: &str, invoker: bool, readers: &[&str], reads: (&str, &str)| {
                ViewRow {
                    schema: "api".into(),
                    name: name.into(),
                    owner: owner.into(),
                    invoker,
                    readers: readers.iter().map(|r| r.to_string()).collect(),
                    reads: vec![(reads.0.into(), reads.1.into())],
                }
            };
        let c = Catalog {
            tables: vec![table("t", true, &["p"], &[])],
            views: vec![
                view("direct", "owner", false, &["api_anon"], ("app", "t")),
                view("invoker", "owner", true, &["api_anon"], ("app", "t")),
                view("other_owner", "someone", false, &["api_anon"], ("app", "t")),
                view("nested", "someone", false, &["api_anon"], ("api", "inner")),
                view("inner", "owner", false, &[], ("app", "t")),
            ],
            ..Catalog::default()
        };
        assert_eq!(
            ids(&c),
            [
                "view-bypasses-rls view `api.direct`",
                "view-bypasses-rls view `api.nested`"
            ]
        );
    }

    #[test]
    fn function_rows_give_search_path_and_execute_findings() {
        let f = |name: &str, definer: bool, path: Option<&str>, public: bool, callers: &[&str]| {
            FunctionRow {
                schema: "app".into(),
                name: name.into(),
                procedure: false,
                args: "".into(),
                owner: "owner".into(),
                language: "plpgsql".into(),
                definer,
                search_path: path.map(str::to_string),
                public_execute: public,
                callers: callers.iter().map(|c| c.to_string()).collect(),
            }
        };
        let c = Catalog {
            functions: vec![
                f("invoker_free", false, None, true, &[]),
                f("invoker_pinned", false, Some("app"), true, &[]),
                f("definer_bad", true, None, true, &[]),
                f(
                    "definer_api",
                    true,
                    Some("pg_catalog, pg_temp"),
                    false,
                    &["api_anon"],
                ),
                f("definer_ok", true, Some("pg_catalog, pg_temp"), false, &[]),
            ],
            ..Catalog::default()
        };
        assert_eq!(
            ids(&c),
            [
                "function-search-path-mutable function `app.invoker_free()`",
                "definer-search-path-not-pinned function `app.definer_bad()`",
                "definer-executable-by-public function `app.definer_bad()`",
                "definer-executable-by-api-role function `app.definer_api()`",
            ]
        );
    }

    #[test]
    fn policy_rows_give_always_true_and_overlap_findings() {
        let p = |name: &str, command: &str, using: &str, api: &[&str]| PolicyRow {
            schema: "app".into(),
            table: "t".into(),
            name: name.into(),
            permissive: true,
            command: command.into(),
            roles: vec!["api_anon".into()],
            using: Some(using.into()),
            with_check: None,
            rls: true,
            api_roles: api.iter().map(|a| a.to_string()).collect(),
        };
        let c = Catalog {
            policies: vec![
                p("all_true", "*", "true", &["api_anon"]),
                p("read", "r", "true", &["api_anon"]),
                p("staff", "w", "true", &[]),
            ],
            ..Catalog::default()
        };
        let found = all(&c);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].lint.id, "policy-always-true-write");
        assert!(found[0].message.contains("`FOR ALL` with `USING (true)`"));
        assert_eq!(found[1].lint.id, "multiple-permissive-policies");
        assert!(
            found[1].message.contains(
                "`api_anon` on SELECT (`all_true`, `read`), UPDATE (`all_true`, `staff`)"
            ),
            "{}",
            found[1].message
        );
    }
}
