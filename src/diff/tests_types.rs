//! diff unit tests for types: adopted types (owner, privileges, comment) and
//! enum definitions (create, add values in place, notices, refusals).

use super::test_support::sql;
use super::tests::{catalog, spec};
use super::*;
use crate::catalog::TypeState;
use crate::change::Class;
use crate::privilege::{Acl, Privilege};

fn public_usage() -> Acl {
    [(
        "PUBLIC".to_string(),
        [(Privilege::Usage, false)].into_iter().collect(),
    )]
    .into_iter()
    .collect()
}

fn type_state(name: &str, typtype: &str, values: Option<&[&str]>) -> TypeState {
    TypeState {
        schema: "public".into(),
        name: name.into(),
        typtype: typtype.into(),
        owner: "postgres".into(),
        acl: public_usage(),
        values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
        comment: None,
    }
}

fn with_types(types: Vec<TypeState>) -> crate::catalog::Catalog {
    crate::catalog::Catalog {
        types: types
            .into_iter()
            .map(|t| ((t.schema.clone(), t.name.clone()), t))
            .collect(),
        ..catalog()
    }
}

const ADOPTED: &str = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {}, reader: {} }
schemas:
  public:
    types:
      mood:
        grants: [{ to: [reader], privileges: [USAGE] }]
        revoke: [{ from: [PUBLIC], privileges: [USAGE] }]
        comment: how it feels
      positive: { owner: reader, grants: [{ to: [chatbot_user], privileges: [ALL] }] }
"#;

#[test]
fn adopted_enum_and_domain_get_owner_grants_revoke_and_comment() {
    let d = diff(
        &spec(ADOPTED),
        &with_types(vec![
            type_state("mood", "e", Some(&["sad", "happy"])),
            type_state("positive", "d", None),
        ]),
    );
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    // `public` is owned by pg_database_owner: objects default to the database owner.
    assert_eq!(
        sql(&d, Class::Converge),
        [
            r#"ALTER TYPE "public"."mood" OWNER TO "chatbot_user""#,
            r#"GRANT USAGE ON TYPE "public"."mood" TO "reader""#,
            r#"REVOKE USAGE ON TYPE "public"."mood" FROM PUBLIC"#,
            r#"COMMENT ON TYPE "public"."mood" IS 'how it feels'"#,
            r#"ALTER DOMAIN "public"."positive" OWNER TO "reader""#,
            r#"GRANT USAGE ON TYPE "public"."positive" TO "chatbot_user""#,
        ]
    );
    assert!(sql(&d, Class::Prune).is_empty());
}

#[test]
fn adopted_type_in_sync_plans_nothing_and_extra_grants_are_prunable() {
    let mut mood = type_state("mood", "e", Some(&["sad"]));
    mood.owner = "chatbot_user".into();
    mood.acl = [
        ("reader".to_string(), [(Privilege::Usage, false)].into()),
        ("postgres".to_string(), [(Privilege::Usage, false)].into()),
    ]
    .into();
    mood.comment = Some("how it feels".into());
    let mut positive = type_state("positive", "d", None);
    positive.owner = "reader".into();
    positive.acl.insert(
        "chatbot_user".into(),
        [(Privilege::Usage, false)].into_iter().collect(),
    );
    let d = diff(&spec(ADOPTED), &with_types(vec![mood, positive]));
    assert!(sql(&d, Class::Converge).is_empty(), "{:?}", d.changes);
    assert_eq!(
        sql(&d, Class::Prune),
        [r#"REVOKE USAGE ON TYPE "public"."mood" FROM "postgres""#]
    );
}

#[test]
fn a_missing_adopted_type_is_refused_and_a_table_name_is_pointed_at() {
    let text = r#"version: 1
external_roles: [postgres]
schemas:
  public:
    types: { ghost: {}, users: {} }
"#;
    let d = diff(&spec(text), &catalog());
    let reasons: Vec<(&str, &str)> = d
        .refusals
        .iter()
        .map(|r| (r.object.as_str(), r.hint.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].0.contains("public.ghost"));
    assert!(reasons[0].1.contains("adopted, not created"));
    assert!(reasons[1].0.contains("public.users"));
    assert!(
        reasons[1].1.contains("schemas.public.tables"),
        "{reasons:?}"
    );
}

const STATUS: &str = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {} }
schemas:
  public:
    types:
      status: { values: [new, doing, done, archived] }
"#;

#[test]
fn a_missing_enum_is_created_before_tables_and_settled_after_creation() {
    let d = diff(&spec(STATUS), &catalog());
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    let create = d
        .changes
        .iter()
        .find(|c| c.phase == crate::change::Phase::Types)
        .unwrap();
    assert_eq!(
        create.statement.render().to_string(),
        r#"CREATE TYPE "public"."status" AS ENUM ('new', 'doing', 'done', 'archived')"#
    );
    assert_eq!(
        create.statement.created().unwrap().to_string(),
        "public.status"
    );
    assert!(crate::change::Phase::Types < crate::change::Phase::Tables);
    // Nothing about its owner before it exists.
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);

    // Pass 2: created by this run (owner postgres, PUBLIC USAGE): handed to
    // the schema's owner.
    let created = std::collections::BTreeSet::from(["public.status".to_string()]);
    let live = type_state("status", "e", Some(&["new", "doing", "done", "archived"]));
    let d = diff_after_create(&spec(STATUS), &with_types(vec![live]), &created);
    assert_eq!(
        sql(&d, Class::Converge),
        [r#"ALTER TYPE "public"."status" OWNER TO "chatbot_user""#]
    );
}

#[test]
fn missing_values_are_added_in_place_and_undeclared_ones_are_notices() {
    let d = diff(
        &spec(STATUS),
        &with_types(vec![{
            let mut t = type_state("status", "e", Some(&["doing", "legacy", "archived"]));
            t.owner = "chatbot_user".into();
            t
        }]),
    );
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert_eq!(
        sql(&d, Class::Converge),
        [
            r#"ALTER TYPE "public"."status" ADD VALUE 'new' BEFORE 'doing'"#,
            r#"ALTER TYPE "public"."status" ADD VALUE 'done' AFTER 'doing'"#,
        ]
    );
    assert_eq!(
        sql(&d, Class::Notice),
        [
            r#"-- value 'legacy' of enum "public"."status" is not declared; pg-provision never drops an enum value"#
        ]
    );
}

#[test]
fn an_order_additions_cannot_reach_is_refused() {
    let d = diff(
        &spec(STATUS),
        &with_types(vec![type_state("status", "e", Some(&["done", "new"]))]),
    );
    assert_eq!(d.refusals.len(), 1, "{:?}", d.refusals);
    let r = &d.refusals[0];
    assert!(r.reason.contains("'done', 'new'"), "{r:?}");
    assert!(r.reason.contains("'new', 'done'"), "{r:?}");
    assert!(
        !d.changes
            .iter()
            .any(|c| matches!(c.statement, crate::change::Statement::Type(_))),
        "{:?}",
        d.changes
    );
}

#[test]
fn values_on_a_type_that_is_not_an_enum_are_refused() {
    let d = diff(
        &spec(STATUS),
        &with_types(vec![type_state("status", "d", None)]),
    );
    assert_eq!(d.refusals.len(), 1, "{:?}", d.refusals);
    assert!(d.refusals[0].reason.contains("a domain"));
}

#[test]
fn a_seed_row_using_a_value_added_in_the_same_run_is_refused() {
    let text = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {} }
schemas:
  public:
    types:
      status: { values: [new, done] }
    tables:
      jobs:
        columns:
          - { name: id, type: int, primary_key: true }
          - { name: state, type: public.status }
        seed: { key: [id], rows: [{ id: 1, state: new }, { id: 2, state: done }] }
"#;
    let d = diff(
        &spec(text),
        &with_types(vec![type_state("status", "e", Some(&["new"]))]),
    );
    assert_eq!(d.refusals.len(), 1, "{:?}", d.refusals);
    assert!(d.refusals[0].reason.contains("'done'"), "{:?}", d.refusals);
    assert!(d.refusals[0].object.contains("public.jobs"));
    // A new enum's values can be used at once.
    let d = diff(&spec(text), &catalog());
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
}
