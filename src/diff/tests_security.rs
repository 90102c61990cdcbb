//! diff unit tests for row-level security, policies and triggers, on
//! hand-built catalogs.

use super::test_support::{empty_catalog, role, sql};
use super::*;
use crate::catalog::security::{PolicyState, SecurityState, TriggerState};
use crate::catalog::{Catalog, DatabaseState, FunctionState, RelationState, SchemaState};
use crate::change::Class;
use crate::privilege::Acl;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn spec(tables: &str) -> Spec {
    let text = format!(
        "version: 1
roles:
  app_owner: {{}}
  api_anon: {{}}
  api_authenticated: {{}}
schemas:
  app:
    owner: app_owner
    tables:
{tables}
    functions:
      stamp: {{ args: \"\" }}
"
    );
    let var = |_: &str| None;
    crate::spec::parse(
        &text,
        &PathBuf::from("provision.yaml"),
        &crate::spec::Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
    .unwrap()
}

/// Table `app.users` owned by `app_owner`, function `app.stamp()`, no RLS.
fn catalog() -> Catalog {
    Catalog {
        roles: ["postgres", "app_owner", "api_anon", "api_authenticated"]
            .into_iter()
            .map(|r| (r.to_string(), role(r)))
            .collect(),
        database: DatabaseState {
            name: "app".into(),
            owner: "postgres".into(),
            acl: Acl::new(),
            settings: None,
            comment: None,
            connection_limit: -1,
            allow_connections: true,
        },
        schemas: [(
            "app".to_string(),
            SchemaState {
                name: "app".into(),
                owner: "app_owner".into(),
                acl: Acl::new(),
                comment: None,
            },
        )]
        .into(),
        relations: [(
            ("app".to_string(), "users".to_string()),
            RelationState {
                schema: "app".into(),
                name: "users".into(),
                relkind: "r".into(),
                owner: "app_owner".into(),
                acl: Acl::new(),
                column_acls: Default::default(),
                owned_by: None,
                comment: None,
                oid: 0,
                selectable: true,
            },
        )]
        .into(),
        functions: vec![FunctionState {
            schema: "app".into(),
            name: "stamp".into(),
            kind: "f".into(),
            identity_args: String::new(),
            arg_types: String::new(),
            owner: "app_owner".into(),
            security_definer: false,
            acl: Acl::from([(
                "PUBLIC".to_string(),
                BTreeMap::from([(crate::privilege::Privilege::Execute, false)]),
            )]),
            comment: None,
        }],
        security: SecurityState::default(),
        sequences: BTreeMap::new(),
        tables: BTreeMap::from([(
            users(),
            crate::catalog::tables::TableShape {
                columns: vec![crate::catalog::tables::ColumnState {
                    name: "id".into(),
                    type_: "integer".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )]),
        ..empty_catalog(16)
    }
}

fn users() -> (String, String) {
    ("app".to_string(), "users".to_string())
}

fn policy(name: &str, command: &str, permissive: bool, roles: &[&str], using: &str) -> PolicyState {
    PolicyState {
        schema: "app".into(),
        table: "users".into(),
        name: name.into(),
        command: command.into(),
        permissive,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        using: Some(using.into()),
        with_check: None,
        fp: String::new(),
    }
}

fn with_policies(policies: Vec<PolicyState>) -> Catalog {
    let mut c = catalog();
    c.security.policies.insert(
        users(),
        policies.into_iter().map(|p| (p.name.clone(), p)).collect(),
    );
    c
}

const READ: &str = "      users:
        rls: enabled
        policies:
          read: { for: select, to: [api_anon], using: \"id > 0\" }
";

#[test]
fn missing_policy_and_rls_are_created() {
    let d = diff(&spec(READ), &catalog());
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            r#"CREATE POLICY "read" ON "app"."users" AS PERMISSIVE FOR SELECT TO "api_anon" USING (id > 0)"#,
            r#"ALTER TABLE "app"."users" ENABLE ROW LEVEL SECURITY"#,
        ]
    );
    assert!(
        d.changes
            .iter()
            .all(|c| c.phase == crate::change::Phase::Policies)
    );
}

#[test]
fn policy_in_canonical_form_is_in_sync() {
    let mut c = with_policies(vec![policy("read", "r", true, &["api_anon"], "(id > 0)")]);
    c.security.rls.insert(users(), (true, false));
    c.canonical.insert(
        r#"policy:["app","users","read"]"#.into(),
        r#"["(id > 0)", null]"#.into(),
    );
    let d = diff(&spec(READ), &c);
    assert!(d.changes.is_empty(), "{:?}", sql(&d, Class::Converge));
}

#[test]
fn changed_expression_or_roles_alter_the_policy() {
    let mut c = with_policies(vec![policy("read", "r", true, &["api_anon"], "false")]);
    c.security.rls.insert(users(), (true, false));
    c.canonical.insert(
        r#"policy:["app","users","read"]"#.into(),
        r#"["(id > 0)", null]"#.into(),
    );
    let d = diff(&spec(READ), &c);
    assert_eq!(
        sql(&d, Class::Converge),
        vec![r#"ALTER POLICY "read" ON "app"."users" TO "api_anon" USING (id > 0)"#]
    );
    let mut c = with_policies(vec![policy("read", "r", true, &["PUBLIC"], "(id > 0)")]);
    c.security.rls.insert(users(), (true, false));
    c.canonical.insert(
        r#"policy:["app","users","read"]"#.into(),
        r#"["(id > 0)", null]"#.into(),
    );
    assert_eq!(sql(&diff(&spec(READ), &c), Class::Converge).len(), 1);
}

#[test]
fn changed_command_or_kind_recreates_the_policy_adjacently() {
    let mut c = with_policies(vec![policy("read", "r", false, &["api_anon"], "(id > 0)")]);
    c.security.rls.insert(users(), (true, true));
    c.canonical.insert(
        r#"policy:["app","users","read"]"#.into(),
        r#"["(id > 0)", null]"#.into(),
    );
    let plan = crate::plan::build(diff(&spec(READ), &c), false);
    let sql: Vec<String> = plan
        .changes
        .iter()
        .map(|c| c.statement.render().as_str().to_string())
        .collect();
    assert_eq!(
        sql,
        vec![
            r#"DROP POLICY "read" ON "app"."users""#,
            r#"CREATE POLICY "read" ON "app"."users" AS PERMISSIVE FOR SELECT TO "api_anon" USING (id > 0)"#,
            r#"ALTER TABLE "app"."users" NO FORCE ROW LEVEL SECURITY"#,
        ]
    );
}

#[test]
fn undeclared_policies_are_extras() {
    let c = with_policies(vec![policy("sneaky", "*", true, &["PUBLIC"], "true")]);
    let d = diff(&spec("      users: {}\n"), &c);
    assert!(sql(&d, Class::Converge).is_empty());
    assert_eq!(
        sql(&d, Class::Prune),
        vec![r#"DROP POLICY "sneaky" ON "app"."users""#]
    );
    assert_eq!(d.changes[0].object, "policy `sneaky` on table `app.users`");
}

#[test]
fn policy_probes_only_for_policies_that_exist() {
    let spec = spec(
        "      users:
        policies:
          read: { for: select, to: [api_anon], using: \"id > 0\" }
          new: { using: \"true\" }
",
    );
    assert!(probes(&spec, &catalog()).is_empty());
    let c = with_policies(vec![policy("read", "r", true, &["api_anon"], "(id > 0)")]);
    let p = probes(&spec, &c);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].key, r#"policy:["app","users","read"]"#);
    assert_eq!(
        p[0].scratch.as_ref().unwrap().create,
        r#"CREATE TEMP TABLE pg_temp."users" ("id" integer)"#
    );
    assert!(p[0].setup.contains(
        &r#"CREATE POLICY "read" ON "pg_temp"."users" AS PERMISSIVE FOR SELECT TO PUBLIC USING (id > 0)"#
            .to_string()
    ));
}

/// (That such a policy is not even probed is `observe`'s business, tested
/// against a server.)
#[test]
fn policy_written_as_the_server_prints_it_is_in_sync_without_an_answer() {
    let spec = spec(
        "      users:
        rls: enabled
        policies:
          read: { for: select, to: [api_anon], using: \"(id > 0)\" }
",
    );
    let mut c = with_policies(vec![policy("read", "r", true, &["api_anon"], "(id > 0)")]);
    c.security.rls.insert(users(), (true, false));
    let d = diff(&spec, &c);
    assert!(d.changes.is_empty(), "{:?}", sql(&d, Class::Converge));
}

const STAMP: &str = "      users:
        triggers:
          stamp: { timing: before, events: [insert, update], for_each: row, function: app.stamp }
";

const STAMP_DEF: &str =
    "CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON - FOR EACH ROW EXECUTE FUNCTION app.stamp()";

fn with_trigger(definition: &str) -> Catalog {
    let mut c = catalog();
    c.security.triggers.insert(
        users(),
        crate::sorted_map::SortedMap::from([(
            "stamp".to_string(),
            TriggerState {
                schema: "app".into(),
                table: "users".into(),
                name: "stamp".into(),
                definition: definition.into(),
                fp: String::new(),
            },
        )]),
    );
    c
}

#[test]
fn triggers_are_created_replaced_or_left() {
    let d = diff(&spec(STAMP), &catalog());
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            r#"CREATE TRIGGER "stamp" BEFORE INSERT OR UPDATE ON "app"."users" FOR EACH ROW EXECUTE FUNCTION "app"."stamp"()"#
        ]
    );
    assert_eq!(d.changes[0].phase, crate::change::Phase::Triggers);

    let mut same = with_trigger(STAMP_DEF);
    same.canonical.insert(
        r#"trigger:["app","users","stamp"]"#.into(),
        STAMP_DEF.into(),
    );
    assert!(diff(&spec(STAMP), &same).changes.is_empty());

    let mut changed = with_trigger(&STAMP_DEF.replace(" OR UPDATE", ""));
    changed.canonical.insert(
        r#"trigger:["app","users","stamp"]"#.into(),
        STAMP_DEF.into(),
    );
    assert_eq!(
        sql(&diff(&spec(STAMP), &changed), Class::Converge),
        vec![
            r#"CREATE OR REPLACE TRIGGER "stamp" BEFORE INSERT OR UPDATE ON "app"."users" FOR EACH ROW EXECUTE FUNCTION "app"."stamp"()"#
        ]
    );
}

#[test]
fn trigger_whose_function_is_created_this_run_is_replaced_without_a_probe() {
    let mut c = with_trigger(STAMP_DEF);
    c.functions.clear();
    assert!(probes(&spec(STAMP), &c).is_empty());
    let d = diff(&spec(STAMP), &c);
    assert!(
        sql(&d, Class::Converge)
            .iter()
            .any(|s| s.starts_with("CREATE OR REPLACE TRIGGER")),
        "{d:?}"
    );
}

#[test]
fn trigger_on_an_unknown_function_is_refused() {
    let s = spec(
        "      users:
        triggers:
          t: { timing: after, events: [delete], function: app.ghost }
",
    );
    let d = diff(&s, &catalog());
    assert_eq!(d.refusals.len(), 1, "{d:?}");
    assert_eq!(
        d.refusals[0].reason,
        "its function `app.ghost()` does not exist"
    );
}

#[test]
fn undeclared_triggers_are_extras_only_where_triggers_are_managed() {
    let c = with_trigger(STAMP_DEF);
    assert!(diff(&spec("      users: {}\n"), &c).changes.is_empty());
    let d = diff(&spec("      users: { triggers: {} }\n"), &c);
    assert_eq!(
        sql(&d, Class::Prune),
        vec![r#"DROP TRIGGER "stamp" ON "app"."users""#]
    );
}
