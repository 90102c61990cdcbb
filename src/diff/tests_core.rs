//! The diff is pure: core (roles, memberships, database, schemas) tests on
//! hand-built catalogs.

use super::diff;
use super::test_support::{empty_catalog, role};
use crate::catalog::{Catalog, DatabaseState, MembershipState, RoleState, SchemaState};
use crate::change::Class;
use crate::plan;
use crate::privilege::{Acl, Privilege};
use crate::spec::{self, Environment, Spec};
use std::collections::BTreeMap;
use std::path::Path;

fn spec(text: &str) -> Spec {
    let var = |_: &str| Some("pw".to_string());
    spec::parse(
        text,
        Path::new("t.yaml"),
        &Environment {
            var: &var,
            base_dir: Path::new("."),
        },
    )
    .unwrap()
}

fn catalog(major: u32) -> Catalog {
    Catalog {
        roles: BTreeMap::from([(
            "postgres".to_string(),
            RoleState {
                superuser: true,
                login: true,
                ..role("postgres")
            },
        )]),
        database: DatabaseState {
            name: "app".into(),
            owner: "postgres".into(),
            acl: Acl::from([(
                "PUBLIC".to_string(),
                BTreeMap::from([(Privilege::Connect, false), (Privilege::Temporary, false)]),
            )]),
            settings: None,
            comment: None,
            connection_limit: -1,
            allow_connections: true,
        },
        sequences: BTreeMap::new(),
        ..empty_catalog(major)
    }
}

fn sql(spec: &Spec, catalog: &Catalog, prune: bool) -> Vec<String> {
    plan::build(diff(spec, catalog), prune)
        .changes
        .iter()
        .map(|c| c.statement.render_redacted().to_string())
        .collect()
}

#[test]
fn existing_role_with_matching_attributes_plans_nothing() {
    let s = spec("version: 1\nroles:\n  r: { valid_until: infinity }\n");
    let mut c = catalog(15);
    c.roles.insert("r".into(), role("r"));
    assert!(sql(&s, &c, false).is_empty());
    c.roles.get_mut("r").unwrap().login = true;
    assert_eq!(sql(&s, &c, false), [r#"ALTER ROLE "r" WITH NOLOGIN"#]);
}

#[test]
fn plan_orders_roles_before_memberships_before_schemas_before_grants() {
    let s = spec(
        "version: 1\nroles:\n  o: {}\n  m: { member_of: [o] }\nschemas:\n  s: { owner: o, grants: [{ to: [m], privileges: [USAGE] }] }\n",
    );
    assert_eq!(
        sql(&s, &catalog(15), false),
        [
            r#"CREATE ROLE "m" WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1"#,
            r#"CREATE ROLE "o" WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1"#,
            r#"GRANT "o" TO "m""#,
            r#"CREATE SCHEMA "s" AUTHORIZATION "o""#,
            r#"GRANT USAGE ON SCHEMA "s" TO "m""#,
        ]
    );
}

#[test]
fn declared_revokes_converge_and_undeclared_grants_are_extras() {
    let s = spec(
        "version: 1\nroles:\n  web: {}\ndatabase:\n  revoke: [{ from: [PUBLIC], privileges: [TEMPORARY] }]\n  grants: [{ to: [web], privileges: [CONNECT] }]\n",
    );
    let mut c = catalog(15);
    c.roles.insert("web".into(), role("web"));
    c.roles.insert("mallory".into(), role("mallory"));
    c.database.acl.insert(
        "mallory".into(),
        BTreeMap::from([(Privilege::Create, true)]),
    );
    // The owner's own entries are never touched.
    c.database.acl.insert(
        "postgres".into(),
        BTreeMap::from([(Privilege::Create, false)]),
    );
    let d = plan::build(diff(&s, &c), false);
    let converge: Vec<String> = d
        .changes
        .iter()
        .map(|c| c.statement.render().to_string())
        .collect();
    assert_eq!(
        converge,
        [
            r#"GRANT CONNECT ON DATABASE "app" TO "web""#,
            r#"REVOKE TEMPORARY ON DATABASE "app" FROM PUBLIC"#,
        ]
    );
    assert_eq!(d.extras.len(), 1);
    assert_eq!(d.extras[0].class, Class::Prune);
    assert_eq!(
        d.extras[0].statement.render().as_str(),
        r#"REVOKE CREATE ON DATABASE "app" FROM "mallory""#
    );
    assert_eq!(
        sql(&s, &c, true).len(),
        3,
        "prune runs the extra's revoke too"
    );
}

#[test]
fn membership_options_are_refused_before_16() {
    let s =
        spec("version: 1\nroles:\n  a: {}\n  b: { member_of: [{ role: a, inherit: false }] }\n");
    let d = diff(&s, &catalog(15));
    assert_eq!(d.refusals.len(), 1);
    assert!(d.refusals[0].reason.contains("PostgreSQL 16"));
    assert!(diff(&s, &catalog(16)).refusals.is_empty());
}

#[test]
fn implicit_creator_admin_grant_is_not_an_extra_on_16() {
    let s = spec("version: 1\nexternal_roles: [admin]\nroles:\n  admin2: {}\n");
    let mut c = catalog(16);
    c.server.current_user = "admin2".into();
    c.roles.insert("admin2".into(), role("admin2"));
    c.roles.insert("created".into(), role("created"));
    let row = MembershipState {
        role: "admin".into(),
        member: "admin2".into(),
        grantor: Some("postgres".into()),
        grantor_is_bootstrap: true,
        admin: true,
        inherit: Some(false),
        set: Some(false),
    };
    c.memberships.push(row.clone());
    assert!(plan::build(diff(&s, &c), false).extras.is_empty());
    c.memberships[0] = MembershipState {
        set: Some(true),
        ..row
    };
    assert_eq!(plan::build(diff(&s, &c), false).extras.len(), 1);
}

#[test]
fn plans_are_deterministic() {
    let text = "version: 1\nroles:\n  z: {}\n  a: { member_of: [z] }\n  m: { member_of: [z, a] }\nschemas:\n  s2: {}\n  s1: {}\n";
    let first = sql(&spec(text), &catalog(17), false);
    for _ in 0..5 {
        assert_eq!(sql(&spec(text), &catalog(17), false), first);
    }
}

#[test]
fn public_schema_baseline_is_not_drift() {
    let s = spec("version: 1\nschemas:\n  public: {}\n");
    for (major, acl) in [
        (15, vec![Privilege::Usage]),
        (14, vec![Privilege::Usage, Privilege::Create]),
    ] {
        let mut c = catalog(major);
        c.schemas.insert(
            "public".into(),
            SchemaState {
                name: "public".into(),
                owner: "pg_database_owner".into(),
                acl: Acl::from([(
                    "PUBLIC".to_string(),
                    acl.into_iter().map(|p| (p, false)).collect(),
                )]),
                comment: None,
            },
        );
        let d = plan::build(diff(&s, &c), false);
        assert!(
            d.changes.is_empty() && d.extras.is_empty(),
            "PostgreSQL {major}: {:?}",
            d.changes
        );
    }
}
