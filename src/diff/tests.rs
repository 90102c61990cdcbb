//! diff unit tests: specs parsed from YAML against hand-built catalogs.

use super::test_support::{empty_catalog, role, sql};
use super::*;
use crate::catalog::{
    Catalog, DatabaseState, DefaultAclState, FunctionState, RelationState, SchemaState, Server,
};
use crate::change::Class;
use crate::privilege::{Acl, Privilege};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) fn spec(text: &str) -> Spec {
    let var = |_: &str| Some("pw".to_string());
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

fn acl(entries: &[(&str, &[Privilege])]) -> Acl {
    entries
        .iter()
        .map(|(who, ps)| (who.to_string(), ps.iter().map(|p| (*p, false)).collect()))
        .collect()
}

fn relation(name: &str, relkind: &str, owner: &str, owned_by: Option<&str>) -> RelationState {
    RelationState {
        schema: "public".into(),
        name: name.into(),
        relkind: relkind.into(),
        owner: owner.into(),
        acl: Acl::new(),
        column_acls: Default::default(),
        owned_by: owned_by.map(|t| ("public".to_string(), t.to_string())),
        comment: None,
        oid: 0,
        selectable: true,
    }
}

fn function(name: &str, args: &str, types: &str, definer: bool) -> FunctionState {
    FunctionState {
        schema: "public".into(),
        name: name.into(),
        kind: "f".into(),
        identity_args: args.into(),
        arg_types: types.into(),
        owner: "postgres".into(),
        security_definer: definer,
        acl: acl(&[("PUBLIC", &[Privilege::Execute])]),
        comment: None,
    }
}

/// A PostgreSQL 15 database built by the superuser: `public` owned by
/// `pg_database_owner`, a table with a serial column.
pub(super) fn catalog() -> Catalog {
    let roles = ["postgres", "chatbot_user", "reader", "pg_database_owner"]
        .into_iter()
        .map(|r| (r.to_string(), role(r)))
        .collect();
    let relations = [
        relation("users", "r", "postgres", None),
        relation("users_id_seq", "S", "postgres", Some("users")),
        relation("audit", "r", "postgres", None),
    ]
    .into_iter()
    .map(|r| (("public".to_string(), r.name.clone()), r))
    .collect();
    Catalog {
        server: Server {
            version_num: 150_004,
            current_user: "postgres".into(),
            superuser: true,
            database: "chatbot_db".into(),
            authid_readable: true,
            max_locks_per_transaction: 64,
            max_connections: 100,
            max_prepared_transactions: 0,
            search_path: "{pg_catalog,public}".into(),
            temporary_allowed: true,
            create_allowed: true,
            memory: None,
            stamp: None,
        },
        roles,
        database: DatabaseState {
            name: "chatbot_db".into(),
            owner: "chatbot_user".into(),
            acl: acl(&[("PUBLIC", &[Privilege::Connect, Privilege::Temporary])]),
            settings: None,
            comment: None,
            connection_limit: -1,
            allow_connections: true,
        },
        schemas: [(
            "public".to_string(),
            SchemaState {
                name: "public".into(),
                owner: "pg_database_owner".into(),
                acl: acl(&[("PUBLIC", &[Privilege::Usage])]),
                comment: None,
            },
        )]
        .into(),
        relations,
        functions: vec![function(
            "login",
            "p_username text, p_password text",
            "text, text",
            true,
        )],
        sequences: BTreeMap::new(),
        ..empty_catalog(15)
    }
}

const HAND_OVER: &str = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {}, reader: {} }
schemas:
  public:
    grants:
      - { on: tables, to: [reader], privileges: [SELECT] }
      - { on: sequences, to: [reader], privileges: [USAGE] }
    tables:
      users: {}
    sequences:
      users_id_seq: {}
"#;

#[test]
fn hand_over_to_the_database_owner_with_schema_wide_grants() {
    let d = diff(&spec(HAND_OVER), &catalog());
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            // pg_database_owner owns `public`: the database owner creates there.
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "chatbot_user" IN SCHEMA "public" GRANT SELECT ON TABLES TO "reader""#,
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "chatbot_user" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO "reader""#,
            // The serial sequence follows its table: no ALTER SEQUENCE … OWNER.
            r#"ALTER TABLE "public"."users" OWNER TO "chatbot_user""#,
            r#"GRANT SELECT ON TABLE "public"."users" TO "reader""#,
            r#"GRANT USAGE ON SEQUENCE "public"."users_id_seq" TO "reader""#,
            // Undeclared, but covered by `on: tables`.
            r#"GRANT SELECT ON TABLE "public"."audit" TO "reader""#,
        ]
    );
}

#[test]
fn a_converged_hand_over_plans_nothing_and_reports_hand_made_grants() {
    let mut c = catalog();
    for (name, owner) in [
        ("users", "chatbot_user"),
        ("users_id_seq", "chatbot_user"),
        ("audit", "postgres"),
    ] {
        let r = c
            .relations
            .get_mut(&("public".to_string(), name.to_string()))
            .unwrap();
        r.owner = owner.into();
        let p = if name.ends_with("_seq") {
            Privilege::Usage
        } else {
            Privilege::Select
        };
        r.acl = acl(&[("reader", &[p])]);
    }
    c.relations
        .get_mut(&("public".into(), "users".into()))
        .unwrap()
        .acl = acl(&[
        ("reader", &[Privilege::Select]),
        ("someone", &[Privilege::Select, Privilege::Delete]),
    ]);
    for kind in ["r", "S"] {
        let p = if kind == "S" {
            Privilege::Usage
        } else {
            Privilege::Select
        };
        c.default_acls.push(DefaultAclState {
            role: "chatbot_user".into(),
            schema: Some("public".into()),
            kind: kind.into(),
            acl: acl(&[("reader", &[p])]),
        });
    }
    let d = diff(&spec(HAND_OVER), &c);
    assert!(
        sql(&d, Class::Converge).is_empty(),
        "{:?}",
        sql(&d, Class::Converge)
    );
    assert_eq!(
        sql(&d, Class::Prune),
        vec![r#"REVOKE SELECT, DELETE ON TABLE "public"."users" FROM "someone""#]
    );
    assert_eq!(
        d.changes[0].object,
        "SELECT, DELETE on table `public.users` held by `someone`"
    );
}

#[test]
fn an_adopted_object_that_does_not_exist_is_refused() {
    let s = spec(
        "version: 1\nschemas:\n  public:\n    tables:\n      orders: {}\n    views:\n      users: {}\n",
    );
    let d = diff(&s, &catalog());
    let reasons: Vec<String> = d
        .refusals
        .iter()
        .map(|r| format!("{}: {}", r.object, r.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "table `public.orders`: it does not exist".to_string(),
            "view `public.users`: `public.users` is a table".to_string(),
        ]
    );
    assert!(
        d.refusals[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("created by your migrations")
    );
}

#[test]
fn a_serial_sequence_cannot_be_given_its_own_owner() {
    let s = spec(
        "version: 1\nroles: { reader: {} }\nschemas:\n  public:\n    sequences:\n      users_id_seq: { owner: reader }\n",
    );
    let d = diff(&s, &catalog());
    assert_eq!(d.refusals.len(), 1);
    assert!(
        d.refusals[0]
            .reason
            .contains("belongs to table `public.users`")
    );
}

#[test]
fn security_definer_functions_lose_public_execute_unless_granted() {
    let s = spec(
        "version: 1\nexternal_roles: [postgres]\nschemas:\n  public:\n    functions:\n      login: { args: \"text, text\", owner: postgres }\n",
    );
    let d = diff(&s, &catalog());
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            r#"REVOKE EXECUTE ON FUNCTION "public"."login"(p_username text, p_password text) FROM PUBLIC"#
        ]
    );
    let s = spec(
        "version: 1\nexternal_roles: [postgres]\nschemas:\n  public:\n    functions:\n      login: { args: \"u text, p text\", owner: postgres, grants: [{ to: [PUBLIC], privileges: [EXECUTE] }] }\n",
    );
    assert!(diff(&s, &catalog()).changes.is_empty());
}

#[test]
fn an_adopted_function_without_args_is_the_only_one_of_its_name() {
    let s = spec(
        "version: 1\nexternal_roles: [postgres]\nschemas:\n  public:\n    functions:\n      login: { owner: postgres }\n      logout: {}\n",
    );
    let d = diff(&s, &catalog());
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            r#"REVOKE EXECUTE ON FUNCTION "public"."login"(p_username text, p_password text) FROM PUBLIC"#
        ]
    );
    let refusals: Vec<String> = d
        .refusals
        .iter()
        .map(|r| format!("{}: {}", r.object, r.reason))
        .collect();
    assert_eq!(
        refusals,
        vec!["function `public.logout`: it does not exist"]
    );

    let mut c = catalog();
    c.functions
        .push(function("login", "token uuid", "uuid", false));
    let d = diff(&s, &c);
    assert_eq!(d.refusals.len(), 2, "{:?}", d.refusals);
    assert_eq!(d.refusals[0].object, "function `public.login`");
    assert_eq!(d.refusals[0].reason, "2 functions have that name");
    assert_eq!(
        d.refusals[0].hint.as_deref(),
        Some(
            "`public.login` exists with `(p_username text, p_password text)`, `(token uuid)`; write one of these as `args`"
        )
    );
}

#[test]
fn global_default_privileges_replace_the_built_in_ones() {
    let text = "version: 1\nroles: { chatbot_user: {} }\ndefault_privileges:\n  - { for_role: chatbot_user, on: functions, revoke: { from: [PUBLIC], privileges: [EXECUTE] } }\n";
    let mut c = catalog();
    c.functions[0].owner = "chatbot_user".into();
    c.functions[0].security_definer = false;
    let d = diff(&spec(text), &c);
    // `public` is not declared: the function is not managed, only the defaults.
    assert_eq!(
        sql(&d, Class::Converge),
        vec![
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "chatbot_user" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"#
        ]
    );
    // The global row exists with PUBLIC's EXECUTE gone: nothing to do.
    c.default_acls.push(DefaultAclState {
        role: "chatbot_user".into(),
        schema: None,
        kind: "f".into(),
        acl: Acl::new(),
    });
    assert!(diff(&spec(text), &c).changes.is_empty());
    // Declaring the function's schema with `on: functions` manages it: its
    // owner's defaults say PUBLIC has no EXECUTE.
    let managed = format!(
        "{text}schemas:\n  public:\n    grants: [{{ on: functions, to: [chatbot_user], privileges: [EXECUTE] }}]\n"
    );
    let d = diff(&spec(&managed), &c);
    assert_eq!(
        sql(&d, Class::Prune),
        vec![
            r#"REVOKE EXECUTE ON FUNCTION "public"."login"(p_username text, p_password text) FROM PUBLIC"#
        ]
    );
}

#[test]
fn undeclared_default_privileges_of_declared_roles_are_extras() {
    let mut c = catalog();
    c.default_acls.push(DefaultAclState {
        role: "chatbot_user".into(),
        schema: None,
        kind: "f".into(),
        acl: Acl::new(),
    });
    c.default_acls.push(DefaultAclState {
        role: "postgres".into(),
        schema: None,
        kind: "r".into(),
        acl: acl(&[("reader", &[Privilege::Select])]),
    });
    let d = diff(&spec("version: 1\nroles: { chatbot_user: {} }\n"), &c);
    // Restoring the built-in default is pruning too; `postgres` is not ours.
    assert!(sql(&d, Class::Converge).is_empty());
    assert_eq!(
        sql(&d, Class::Prune),
        vec![
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "chatbot_user" GRANT EXECUTE ON FUNCTIONS TO PUBLIC"#
        ]
    );
}

#[test]
fn schema_wide_grants_cover_creators_and_for_roles() {
    let text = "version: 1\nroles: { app_owner: {}, migrator: {}, reader: {} }\nschemas:\n  app:\n    owner: app_owner\n    grants:\n      - { to: [migrator], privileges: [USAGE, CREATE] }\n      - { on: tables, to: [reader], privileges: [SELECT] }\n      - { on: sequences, to: [reader], privileges: [USAGE], for_roles: [migrator] }\n";
    let d = diff(&spec(text), &catalog());
    let adp: Vec<String> = sql(&d, Class::Converge)
        .into_iter()
        .filter(|s| s.starts_with("ALTER DEFAULT"))
        .collect();
    assert_eq!(
        adp,
        vec![
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "reader""#,
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "migrator" IN SCHEMA "app" GRANT SELECT ON TABLES TO "reader""#,
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "migrator" IN SCHEMA "app" GRANT USAGE ON SEQUENCES TO "reader""#,
        ]
    );
}

#[test]
fn column_grants_converge_per_column() {
    let text = "version: 1\nroles: { reader: {} }\nexternal_roles: [postgres]\nschemas:\n  public:\n    tables:\n      audit: { owner: postgres, grants: [{ to: [reader], privileges: [SELECT, UPDATE], columns: [note, id] }] }\n";
    let mut c = catalog();
    c.relations
        .get_mut(&("public".into(), "audit".into()))
        .unwrap()
        .column_acls = [
        (
            "id".to_string(),
            acl(&[("reader", &[Privilege::Select, Privilege::Update])]),
        ),
        (
            "secret".to_string(),
            acl(&[("reader", &[Privilege::Select])]),
        ),
    ]
    .into();
    let d = diff(&spec(text), &c);
    assert_eq!(
        sql(&d, Class::Converge),
        vec![r#"GRANT SELECT ("note"), UPDATE ("note") ON TABLE "public"."audit" TO "reader""#]
    );
    assert_eq!(
        sql(&d, Class::Prune),
        vec![r#"REVOKE SELECT ("secret") ON TABLE "public"."audit" FROM "reader""#]
    );
}
