//! Types (issue 3): adopted enums and domains get their owner, privileges
//! and comment; enums declared with `values` are created (usable by a table
//! created in the same run), extended in place on later runs, and never lose
//! a value.

use crate::cmd::{Run, assert_converged, provision};
use crate::support::app::{query, sql};
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

fn write(dir: &Path, text: &str) -> PathBuf {
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, text).unwrap();
    spec
}

fn applied(spec: &Path, url: &str, args: &[&str]) -> Run {
    let run = provision(spec, url, args);
    assert_eq!(run.code, 0, "{run:?}");
    run
}

/// Owner, ACL (NULL: built-in default) and comment of a type.
fn type_state(cluster: &Cluster, name: &str) -> String {
    query(
        cluster,
        &format!(
            "SELECT pg_get_userbyid(typowner) || ' ' || coalesce(typacl::text, 'default') || ' ' || coalesce(obj_description(oid, 'pg_type'), '-')
             FROM pg_type WHERE oid = '{name}'::regtype"
        ),
    )
    .remove(0)
}

const ADOPTED: &str = r#"version: 1
external_roles: [postgres]
roles: { app_owner: {}, api_user: {}, reader: {} }
schemas:
  app:
    owner: app_owner
    types:
      mood:
        grants: [{ to: [api_user], privileges: [USAGE] }]
        revoke: [{ from: [PUBLIC], privileges: [USAGE] }]
        comment: how it feels
      positive:
        owner: reader
        grants: [{ to: [api_user], privileges: [ALL] }]
        revoke: [{ from: [PUBLIC], privileges: [ALL] }]
        comment: greater than zero
      pair: {}
      span: { comment: a range }
"#;

#[test]
fn adopted_enum_domain_composite_and_range_converge_and_extras_are_pruned() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    sql(
        &cluster,
        "CREATE SCHEMA app;
         CREATE TYPE app.mood AS ENUM ('sad', 'happy');
         CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
         CREATE TYPE app.pair AS (a int, b int);
         CREATE TYPE app.span AS RANGE (subtype = int4);",
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), ADOPTED);
    let first = applied(&spec, &url, &["apply"]);
    assert!(first.all_output().contains("ALTER DOMAIN"), "{first:?}");
    assert_eq!(
        type_state(&cluster, "app.mood"),
        "app_owner {app_owner=U/app_owner,api_user=U/app_owner} how it feels"
    );
    assert_eq!(
        type_state(&cluster, "app.positive"),
        "reader {reader=U/reader,api_user=U/reader} greater than zero"
    );
    assert_eq!(type_state(&cluster, "app.pair"), "app_owner default -");
    assert_eq!(
        type_state(&cluster, "app.span"),
        "app_owner default a range"
    );
    assert_converged(&spec, &url);

    // A grant made by hand is an extra: reported, kept, pruned.
    sql(
        &cluster,
        "CREATE ROLE intruder; GRANT USAGE ON TYPE app.mood TO intruder; GRANT USAGE ON DOMAIN app.positive TO intruder",
    );
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(check.all_output().contains("intruder"), "{check:?}");
    applied(&spec, &url, &["apply"]);
    assert!(type_state(&cluster, "app.mood").contains("intruder"));
    applied(&spec, &url, &["apply", "--prune"]);
    assert!(!type_state(&cluster, "app.mood").contains("intruder"));
    assert!(!type_state(&cluster, "app.positive").contains("intruder"));
    assert_converged(&spec, &url);

    // An array type or a table's row type is not a type of its own.
    sql(&cluster, "CREATE TABLE app.t (id int)");
    let spec = write(
        dir.path(),
        &format!("{ADOPTED}      t: {{}}\n      _mood: {{}}\n"),
    );
    let refused = provision(&spec, &url, &["plan"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    let out = refused.all_output();
    assert!(out.contains("type `app.t`"), "{refused:?}");
    assert!(out.contains("schemas.app.tables"), "{refused:?}");
    assert!(out.contains("type `app._mood`"), "{refused:?}");
}

const STATUS: &str = r#"version: 1
external_roles: [postgres]
roles: { app_owner: {}, api_user: {} }
schemas:
  app:
    owner: app_owner
    types:
      status:
        values: [new, done]
        grants: [{ to: [api_user], privileges: [USAGE] }]
        comment: where a job is
    tables:
      jobs:
        columns:
          - { name: id, type: int, primary_key: true }
          - { name: state, type: app.status, not_null: true, default: "'new'" }
        seed: { key: [id], rows: [{ id: 1, state: done }, { id: 2 }] }
"#;

#[test]
fn enum_is_created_used_by_a_new_table_and_extended_in_place() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), STATUS);
    let plan = provision(&spec, &url, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let out = plan.all_output();
    let create_type = out
        .find(r#"CREATE TYPE "app"."status" AS ENUM ('new', 'done')"#)
        .expect(&out);
    let create_table = out.find(r#"CREATE TABLE "app"."jobs""#).expect(&out);
    assert!(create_type < create_table, "{out}");

    applied(&spec, &url, &["apply"]);
    assert_eq!(
        query(
            &cluster,
            "SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM app.jobs"
        ),
        ["1:done,2:new"]
    );
    // Settled in pass 2 like every object the run creates.
    assert_eq!(
        type_state(&cluster, "app.status"),
        "app_owner {=U/app_owner,app_owner=U/app_owner,api_user=U/app_owner} where a job is"
    );
    assert_converged(&spec, &url);

    // A value in the middle, on a later run.
    let spec = write(
        dir.path(),
        &STATUS.replace("values: [new, done]", "values: [new, doing, done]"),
    );
    let plan = provision(&spec, &url, &["plan"]);
    assert!(
        plan.all_output()
            .contains(r#"ALTER TYPE "app"."status" ADD VALUE 'doing' AFTER 'new'"#),
        "{plan:?}"
    );
    applied(&spec, &url, &["apply"]);
    assert_eq!(
        query(&cluster, "SELECT enum_range(NULL::app.status)::text"),
        ["{new,doing,done}"]
    );
    assert_converged(&spec, &url);

    // A value added by hand is reported, kept by apply, not dropped by --prune.
    sql(&cluster, "ALTER TYPE app.status ADD VALUE 'legacy'");
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(check.all_output().contains("legacy"), "{check:?}");
    applied(&spec, &url, &["apply", "--prune"]);
    assert_eq!(
        query(&cluster, "SELECT enum_range(NULL::app.status)::text"),
        ["{new,doing,done,legacy}"]
    );

    // A seed row using a value this run would add is refused up front.
    let spec = write(
        dir.path(),
        &STATUS
            .replace(
                "values: [new, done]",
                "values: [new, doing, done, archived]",
            )
            .replace("{ id: 2 }", "{ id: 2 }, { id: 3, state: archived }"),
    );
    let refused = provision(&spec, &url, &["apply"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .all_output()
            .contains("cannot use a new enum value before the transaction that added it commits"),
        "{refused:?}"
    );
    assert_eq!(
        query(&cluster, "SELECT enum_range(NULL::app.status)::text"),
        ["{new,doing,done,legacy}"]
    );

    // An order additions cannot reach is refused.
    let spec = write(
        dir.path(),
        &STATUS.replace("values: [new, done]", "values: [done, new]"),
    );
    let refused = provision(&spec, &url, &["apply"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .all_output()
            .contains("cannot be reached by adding values"),
        "{refused:?}"
    );
}
