//! diff unit tests for defined functions, procedures and views, on
//! hand-built catalogs (probe answers filled in by hand).

use super::test_support::{empty_catalog, role};
use super::*;
use crate::catalog::routines::{RoutineDefinitionState, ViewDefinitionState};
use crate::catalog::{Catalog, DatabaseState, FunctionState, RelationState, SchemaState};
use crate::change::Statement;
use crate::privilege::Acl;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn spec(text: &str) -> Spec {
    let var = |_: &str| None;
    crate::spec::parse(
        text,
        &PathBuf::from("provision.yaml"),
        &crate::spec::Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
    .unwrap()
}

fn catalog(major: u32) -> Catalog {
    let schema = |name: &str| SchemaState {
        name: name.into(),
        owner: "app_owner".into(),
        acl: Acl::new(),
        comment: None,
    };
    Catalog {
        roles: ["postgres", "app_owner", "api_anon"]
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
        schemas: [("api", schema("api")), ("fn", schema("fn"))]
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect(),
        sequences: BTreeMap::new(),
        ..empty_catalog(major)
    }
}

/// Routine and view statements of the diff, rendered.
fn sql(d: &Diff) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| matches!(c.statement, Statement::Routine(_)))
        .map(|c| c.statement.render().to_string())
        .collect()
}

const FUNCTIONS: &str = r#"version: 1
roles: { app_owner: {}, api_anon: {} }
schemas:
  fn:
    owner: app_owner
    functions:
      login:
        args: "p_username text, p_password text"
        returns: json
        language: plpgsql
        security: definer
        search_path: [pg_catalog, public, pg_temp]
        body: "BEGIN RETURN NULL; END;"
        grants: [{ to: [api_anon], privileges: [EXECUTE] }]
"#;

/// `fn.login` as the spec above declares it, as the catalog reads it.
fn with_login(mut c: Catalog) -> Catalog {
    c.functions.push(FunctionState {
        schema: "fn".into(),
        name: "login".into(),
        kind: "f".into(),
        identity_args: "p_username text, p_password text".into(),
        arg_types: "text, text".into(),
        owner: "app_owner".into(),
        security_definer: true,
        acl: [(
            "api_anon".to_string(),
            BTreeMap::from([(crate::privilege::Privilege::Execute, false)]),
        )]
        .into(),
        comment: None,
    });
    c.routine_definitions.push(RoutineDefinitionState {
        schema: "fn".into(),
        name: "login".into(),
        kind: "f".into(),
        identity_args: "p_username text, p_password text".into(),
        arguments: "p_username text, p_password text".into(),
        result: Some("json".into()),
        returns_set: false,
        language: "plpgsql".into(),
        source: Some("\nBEGIN RETURN NULL; END;\n".into()),
        volatility: "v".into(),
        strict: false,
        security_definer: true,
        leakproof: false,
        parallel: "u".into(),
        cost: 100.0,
        rows: 0.0,
        config: Some(vec!["search_path=pg_catalog, public, pg_temp".into()]),
    });
    c.canonical.insert(
        r#"function:"fn"."login"(p_username text, p_password text)"#.into(),
        r#"{"identity":"p_username text, p_password text","arguments":"p_username text, p_password text","result":"json"}"#.into(),
    );
    c
}

#[test]
fn a_missing_function_is_created_and_named_as_the_server_will() {
    let mut c = catalog(16);
    c.canonical.insert(
        r#"function:"fn"."login"(p_username text, p_password text)"#.into(),
        r#"{"identity":"p_username text, p_password text","arguments":"p_username text, p_password text","result":null}"#.into(),
    );
    let d = diff(&spec(FUNCTIONS), &c);
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d),
        vec![
            "CREATE FUNCTION \"fn\".\"login\"(p_username text, p_password text) RETURNS json LANGUAGE \"plpgsql\" SECURITY DEFINER SET \"search_path\" = 'pg_catalog', 'public', 'pg_temp' AS $pgp$\nBEGIN RETURN NULL; END;\n$pgp$"
        ]
    );
    let created: Vec<String> = d
        .changes
        .iter()
        .filter_map(|c| c.statement.created())
        .map(|n| n.to_string())
        .collect();
    assert_eq!(created, vec!["fn.login(p_username text, p_password text)"]);
}

#[test]
fn a_matching_function_plans_nothing() {
    let d = diff(&spec(FUNCTIONS), &with_login(catalog(16)));
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert!(d.changes.is_empty(), "{:?}", d.changes);
}

#[test]
fn a_different_body_or_setting_is_create_or_replace() {
    for change in [
        (|r: &mut RoutineDefinitionState| r.source = Some("BEGIN RETURN '{}'; END;".into()))
            as fn(&mut RoutineDefinitionState),
        |r| r.config = Some(vec!["search_path=public, pg_temp".into()]),
        |r| r.config = None,
        |r| r.volatility = "s".into(),
        |r| r.security_definer = false,
        |r| r.cost = 10.0,
    ] {
        let mut c = with_login(catalog(16));
        change(&mut c.routine_definitions[0]);
        let d = diff(&spec(FUNCTIONS), &c);
        assert!(d.refusals.is_empty(), "{:?}", d.refusals);
        let sql = sql(&d);
        assert_eq!(sql.len(), 1, "{sql:?}");
        assert!(
            sql[0].starts_with(
                "CREATE OR REPLACE FUNCTION \"fn\".\"login\"(p_username text, p_password text) RETURNS json"
            ),
            "{sql:?}"
        );
        assert!(d.changes.iter().all(|c| c.statement.created().is_none()));
    }
}

#[test]
fn return_type_parameter_names_and_kind_changes_are_refused() {
    let mut c = with_login(catalog(16));
    c.routine_definitions[0].result = Some("jsonb".into());
    let d = diff(&spec(FUNCTIONS), &c);
    assert!(sql(&d).is_empty());
    assert_eq!(d.refusals.len(), 1);
    assert_eq!(
        d.refusals[0].reason,
        "it returns `jsonb`; the spec says `json`"
    );
    assert!(
        d.refusals[0]
            .hint
            .as_ref()
            .unwrap()
            .contains("DROP FUNCTION fn.login(p_username text, p_password text)")
    );

    let mut c = with_login(catalog(16));
    c.routine_definitions[0].identity_args = "username text, password text".into();
    c.functions[0].identity_args = "username text, password text".into();
    let d = diff(&spec(FUNCTIONS), &c);
    assert!(sql(&d).is_empty());
    assert!(
        d.refusals[0]
            .reason
            .starts_with("its parameters are `(username text, password text)`"),
        "{:?}",
        d.refusals
    );

    let mut c = with_login(catalog(16));
    c.routine_definitions[0].kind = "p".into();
    let d = diff(&spec(FUNCTIONS), &c);
    assert!(sql(&d).is_empty());
    assert_eq!(
        d.refusals[0].reason,
        "it is a procedure; the spec declares a function"
    );
}

const VIEWS: &str = r#"version: 1
roles: { app_owner: {}, api_anon: {} }
schemas:
  api:
    owner: app_owner
    views:
      a_names:
        query: select name from api.users
      users:
        query: select id, name from app.users;
        security_barrier: true
      other:
        query: select 1 as one
        check_option: local
"#;

fn view(name: &str, definition: &str, columns: &[(&str, &str)]) -> ViewDefinitionState {
    ViewDefinitionState {
        schema: "api".into(),
        name: name.into(),
        definition: definition.into(),
        options: Vec::new(),
        columns: columns
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        dependents: Vec::new(),
        blockers: Vec::new(),
        oid: 0,
        fp: String::new(),
    }
}

fn relation(name: &str) -> RelationState {
    RelationState {
        schema: "api".into(),
        name: name.into(),
        relkind: "v".into(),
        owner: "app_owner".into(),
        acl: Acl::new(),
        column_acls: Default::default(),
        owned_by: None,
        comment: None,
        oid: 0,
        selectable: true,
    }
}

/// The three views of [`VIEWS`] as they exist and as probes print the spec's.
fn with_views(mut c: Catalog) -> Catalog {
    let mut users = view(
        "users",
        " SELECT id, name FROM app.users;",
        &[("id", "integer"), ("name", "text")],
    );
    users.options = vec!["security_barrier=true".into()];
    users.dependents = vec![("api".into(), "a_names".into(), "v".into())];
    let mut other = view("other", " SELECT 1 AS one;", &[("one", "integer")]);
    other.options = vec!["check_option=local".into()];
    let names = view(
        "a_names",
        " SELECT name FROM api.users;",
        &[("name", "text")],
    );
    for v in [users, other, names] {
        c.canonical.insert(
            format!("view:\"api\".\"{}\"", v.name),
            serde_json::json!({ "definition": v.definition, "columns": v.columns })
                .to_string()
                .into(),
        );
        c.relations
            .insert(("api".into(), v.name.clone()), relation(&v.name));
        c.view_definitions.insert(("api".into(), v.name.clone()), v);
    }
    c
}

#[test]
fn missing_views_are_created_after_the_views_they_read() {
    let d = diff(&spec(VIEWS), &catalog(16));
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d),
        vec![
            "CREATE VIEW \"api\".\"other\" WITH (\"check_option\" = 'local') AS\nselect 1 as one",
            "CREATE VIEW \"api\".\"users\" WITH (\"security_barrier\" = 'true') AS\nselect id, name from app.users",
            "CREATE VIEW \"api\".\"a_names\" AS\nselect name from api.users",
        ]
    );
    assert_eq!(
        d.changes
            .iter()
            .filter_map(|c| c.statement.created())
            .count(),
        3
    );
}

#[test]
fn matching_views_plan_nothing_and_options_alone_are_altered() {
    let d = diff(&spec(VIEWS), &with_views(catalog(16)));
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert!(sql(&d).is_empty(), "{:?}", sql(&d));

    let mut c = with_views(catalog(16));
    c.view_definitions
        .get_mut(&("api".into(), "users".into()))
        .unwrap()
        .options = vec!["security_invoker=on".into()];
    assert_eq!(
        sql(&diff(&spec(VIEWS), &c)),
        vec![
            "ALTER VIEW \"api\".\"users\" SET (\"security_barrier\" = 'true')",
            "ALTER VIEW \"api\".\"users\" RESET (\"security_invoker\")",
        ]
    );
}

#[test]
fn a_new_query_keeping_the_columns_replaces_the_view_in_place() {
    let mut c = with_views(catalog(16));
    c.canonical.insert(
        "view:\"api\".\"users\"".into(),
        serde_json::json!({
            "definition": " SELECT id, name, email FROM app.users;",
            "columns": [["id", "integer"], ["name", "text"], ["email", "text"]]
        })
        .to_string()
        .into(),
    );
    let d = diff(&spec(VIEWS), &c);
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d),
        vec![
            "CREATE OR REPLACE VIEW \"api\".\"users\" WITH (\"security_barrier\" = 'true') AS\nselect id, name from app.users"
        ]
    );
    assert!(d.changes.iter().all(|c| c.statement.created().is_none()));
}

#[test]
fn a_query_dropping_columns_recreates_the_view_and_its_readers() {
    let mut c = with_views(catalog(16));
    c.canonical.insert(
        "view:\"api\".\"users\"".into(),
        serde_json::json!({
            "definition": " SELECT name FROM app.users;",
            "columns": [["name", "text"]]
        })
        .to_string()
        .into(),
    );
    let d = diff(&spec(VIEWS), &c);
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d),
        vec![
            "DROP VIEW \"api\".\"a_names\"",
            "DROP VIEW \"api\".\"users\"",
            "CREATE VIEW \"api\".\"users\" WITH (\"security_barrier\" = 'true') AS\nselect id, name from app.users",
            "CREATE VIEW \"api\".\"a_names\" AS\nselect name from api.users",
        ]
    );
    assert_eq!(
        d.changes
            .iter()
            .filter_map(|c| c.statement.created())
            .map(|n| n.to_string())
            .collect::<Vec<_>>(),
        vec!["api.users", "api.a_names"]
    );
}

#[test]
fn recreating_a_view_read_by_undeclared_objects_is_refused() {
    let mut c = with_views(catalog(16));
    c.canonical.insert(
        "view:\"api\".\"users\"".into(),
        serde_json::json!({ "definition": " SELECT name FROM app.users;", "columns": [["name", "text"]] })
            .to_string().into(),
    );
    let users = c
        .view_definitions
        .get_mut(&("api".into(), "users".into()))
        .unwrap();
    users
        .dependents
        .push(("reports".into(), "by_name".into(), "v".into()));
    users.blockers.push("function fn.all_users()".into());
    let d = diff(&spec(VIEWS), &c);
    assert!(sql(&d).is_empty(), "{:?}", sql(&d));
    assert_eq!(d.refusals.len(), 1, "{:?}", d.refusals);
    let reason = &d.refusals[0].reason;
    assert!(
        reason.contains("function fn.all_users() depends on view `api.users`"),
        "{reason}"
    );
    assert!(
        reason.contains(
            "view `reports.by_name` reads view `api.users` and is not declared with its `query`"
        ),
        "{reason}"
    );
}

#[test]
fn security_invoker_is_refused_before_15() {
    let text = "version: 1\nschemas:\n  api:\n    views:\n      v: { query: select 1, security_invoker: true }\n";
    let d = diff(&spec(text), &catalog(14));
    assert!(sql(&d).is_empty());
    assert!(
        d.refusals[0].reason.contains("needs PostgreSQL 15"),
        "{:?}",
        d.refusals
    );
    assert!(diff(&spec(text), &catalog(15)).refusals.is_empty());
}
