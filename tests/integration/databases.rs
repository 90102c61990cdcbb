//! Several databases in one spec (`databases:`), as the "multiple databases"
//! init scripts of compose stacks do: missing databases are created, each
//! converges in its own transaction, a second `apply` changes nothing, `check`
//! and `plan` cover them all, and `export --all-databases` round-trips.

use crate::cmd::{Run, pg_provision, run};
use crate::fingerprint::{assert_same, fingerprint};
use crate::support::cluster::Cluster;
use std::path::Path;

const SPEC: &str = "version: 1
external_roles: [postgres]
roles:
  app_owner: { login: true, password: { env: APP_OWNER_PASSWORD } }
  keycloak: { login: true, password: { env: KEYCLOAK_PASSWORD } }
  reporting: {}
databases:
  app:
    owner: app_owner
    revoke: [{ from: [PUBLIC], privileges: [CONNECT, TEMPORARY] }]
    grants: [{ to: [reporting], privileges: [CONNECT] }]
    encoding: UTF8
    locale: C
    template: template0
    extensions:
      pgcrypto: { schema: public }
    schemas:
      app:
        owner: app_owner
        grants:
          - { to: [reporting], privileges: [USAGE] }
          - { on: tables, to: [reporting], privileges: [SELECT] }
        tables:
          notes:
            columns:
              - { name: id, type: bigserial, primary_key: true }
              - { name: body, type: text }
  keycloak:
    owner: keycloak
    connection_limit: 20
    revoke: [{ from: [PUBLIC], privileges: [CONNECT, TEMPORARY] }]
";

fn env() -> [(&'static str, &'static str); 2] {
    [
        ("APP_OWNER_PASSWORD", "app-Secret-1"),
        ("KEYCLOAK_PASSWORD", "kc-Secret-1"),
    ]
}

fn provision(spec: &Path, cluster: &Cluster, args: &[&str]) -> Run {
    run(pg_provision()
        .envs(env())
        .arg("-f")
        .arg(spec)
        .arg("--database-url")
        .arg(cluster.superuser_url("postgres"))
        .args(args))
}

fn executed(run: &Run) -> Vec<i64> {
    run.json()["databases"]
        .as_array()
        .unwrap_or_else(|| panic!("{run:?}"))
        .iter()
        .map(|d| d["executed"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_compose_stack_of_two_databases_is_created_from_nothing_by_one_apply() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SPEC).unwrap();

    // Before: both missing — check says so, plan shows what apply creates.
    let check = provision(&spec, &cluster, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check.stderr.contains("database `app` does not exist"),
        "{check:?}"
    );
    let plan = provision(&spec, &cluster, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains(
            r#"CREATE DATABASE "app" WITH ENCODING 'UTF8' LOCALE 'C' TEMPLATE "template0";"#
        ),
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .contains(r#"CREATE DATABASE "keycloak" WITH CONNECTION LIMIT 20;"#),
        "{plan:?}"
    );

    let apply = provision(&spec, &cluster, &["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        apply.json()["created_databases"],
        serde_json::json!(["app", "keycloak"])
    );
    assert!(executed(&apply).iter().all(|n| *n > 0), "{apply:?}");

    // Each database has its owner and content; logins reach what they may.
    let mut app = cluster.client("app");
    let owner: String = app
        .query_one(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner, "app_owner");
    app.batch_execute("INSERT INTO app.notes (body) VALUES ('x')")
        .unwrap();
    let limit: i32 = app
        .query_one(
            "SELECT datconnlimit FROM pg_database WHERE datname = 'keycloak'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(limit, 20);
    postgres::Client::connect(
        &cluster.url("keycloak", "kc-Secret-1", "keycloak"),
        postgres::NoTls,
    )
    .expect("keycloak logs into its own database");
    assert!(
        postgres::Client::connect(
            &cluster.url("keycloak", "kc-Secret-1", "app"),
            postgres::NoTls
        )
        .is_err(),
        "keycloak has no CONNECT on app"
    );

    // A second apply changes nothing anywhere; check is clean.
    let again = provision(&spec, &cluster, &["apply", "--output", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["created_databases"], serde_json::json!([]));
    assert_eq!(executed(&again), vec![0, 0], "{again:?}");
    let check = provision(&spec, &cluster, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");

    // Drift in the second database is seen by the one check.
    cluster
        .client("keycloak")
        .batch_execute("GRANT CONNECT ON DATABASE keycloak TO PUBLIC")
        .unwrap();
    let drift = provision(&spec, &cluster, &["check"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(drift.stderr.contains("== database `keycloak`"), "{drift:?}");

    // export --all-databases round-trips to an empty cluster.
    let exported = run(pg_provision()
        .arg("--database-url")
        .arg(cluster.superuser_url("postgres"))
        .args(["export", "--all-databases"]));
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(exported.stdout.contains("databases:"), "{exported:?}");
    let copy = dir.path().join("export.yaml");
    std::fs::write(&copy, &exported.stdout).unwrap();
    let b = Cluster::start();
    let env = [
        ("APP_OWNER_PASSWORD", "app-Secret-1"),
        ("KEYCLOAK_PASSWORD", "kc-Secret-1"),
    ];
    let applied = run(pg_provision()
        .envs(env)
        .arg("-f")
        .arg(&copy)
        .arg("--database-url")
        .arg(b.superuser_url("postgres"))
        .arg("apply"));
    assert_eq!(applied.code, 0, "{applied:?}");
    for db in ["app", "keycloak"] {
        assert_same(
            &format!("{db} (source)"),
            &fingerprint(&cluster, db),
            &format!("{db} (from the export)"),
            &fingerprint(&b, db),
        );
    }
    let again = run(pg_provision()
        .arg("--database-url")
        .arg(b.superuser_url("postgres"))
        .args(["export", "--all-databases"]));
    assert_eq!(again.stdout, exported.stdout, "export of the copy differs");
}

#[test]
fn a_failure_in_one_database_keeps_the_ones_before_and_a_rerun_finishes() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    // `b` adopts a table that does not exist yet: refused, nothing there.
    let text = "version: 1
roles:
  owner_a: {}
  owner_b: {}
databases:
  a:
    owner: owner_a
  b:
    owner: owner_b
    schemas:
      public:
        tables:
          later: { owner: owner_b }
";
    std::fs::write(&spec, text).unwrap();
    let failed = provision(&spec, &cluster, &["apply"]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stderr.contains("table `public.later`"), "{failed:?}");
    let owner_a: String = cluster
        .client("a")
        .query_one(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'a'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner_a, "owner_a", "database a converged and committed");
    let owner_b: String = cluster
        .client("b")
        .query_one(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'b'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        owner_b, "postgres",
        "database b was rolled back (created, empty)"
    );
    // The migration creates the table; the rerun converges what is left.
    cluster
        .client("b")
        .batch_execute("CREATE TABLE public.later (id int)")
        .unwrap();
    let rerun = provision(&spec, &cluster, &["apply"]);
    assert_eq!(rerun.code, 0, "{rerun:?}");
    let check = provision(&spec, &cluster, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
}
