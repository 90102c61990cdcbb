//! Issue 2 acceptance: the core spec converges to what hand-written SQL
//! builds, a second run does nothing, drift is seen and converged back.

use crate::cmd::{fixtures, provision};
use crate::fingerprint::{assert_same, assert_same_catalogs, fingerprint};
use crate::support::cluster::Cluster;

const MIGRATOR_PASSWORD: &str = "migrator-Secret-7";
const AUTHENTICATOR_PASSWORD: &str = "auth-Secret-42";

fn core_spec() -> std::path::PathBuf {
    fixtures().join("core/spec.yaml")
}

/// `pg-provision` against `app` in `cluster` with the core fixture's secrets.
fn core(cluster: &Cluster, args: &[&str]) -> crate::cmd::Run {
    let url = cluster.superuser_url("app");
    let mut cmd = crate::cmd::pg_provision();
    cmd.env("CORE_MIGRATOR_PASSWORD", MIGRATOR_PASSWORD)
        .arg("-f")
        .arg(core_spec())
        .arg("--database-url")
        .arg(url)
        .args(args);
    crate::cmd::run(&mut cmd)
}

fn handwritten(cluster: &Cluster) {
    let out = cluster
        .psql_command("app")
        .args(["-v", "DBNAME=app", "-f"])
        .arg(fixtures().join("core/handwritten.sql"))
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "hand-written SQL failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn core_spec_equals_handwritten_sql_and_second_apply_does_nothing() {
    let tool = Cluster::start();
    tool.create_database("app");
    let dba = Cluster::start();
    dba.create_database("app");
    handwritten(&dba);

    let first = core(&tool, &["apply"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stderr.contains("verified"), "{first:?}");
    assert_same_catalogs("app", ("pg-provision", &tool), ("hand-written SQL", &dba));

    let second = core(&tool, &["apply", "--output", "json"]);
    assert_eq!(second.code, 0, "{second:?}");
    let json = second.json();
    assert_eq!(json["executed"], 0, "{second:?}");
    assert_eq!(json["changes"].as_array().unwrap().len(), 0, "{second:?}");

    let check = core(&tool, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    assert!(check.stderr.contains("in sync"), "{check:?}");

    // The spec applied over the hand-built database plans nothing either.
    let over_dba = core(&dba, &["check"]);
    assert_eq!(over_dba.code, 0, "{over_dba:?}");
}

#[test]
fn drift_by_hand_is_reported_then_converged() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    assert_eq!(core(&cluster, &["apply"]).code, 0);
    let before = fingerprint(&cluster, "app");

    let out = cluster.psql(
        "app",
        "ALTER ROLE api_anon LOGIN; GRANT CREATE ON SCHEMA api TO api_anon; \
         GRANT app_owner TO analyst; ALTER ROLE analyst SET work_mem = '64MB';",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let check = core(&cluster, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check.stdout.contains("differs: role `api_anon`"),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains(r#"ALTER ROLE "api_anon" WITH NOLOGIN"#),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains("undeclared: CREATE on schema `api` held by `api_anon`"),
        "{check:?}"
    );
    assert!(
        check.stdout.contains("membership `analyst in app_owner`"),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains("setting `work_mem` of role `analyst`"),
        "{check:?}"
    );

    // A plain apply converges attributes and keeps (and names) the extras.
    let apply = core(&cluster, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        apply.stderr.contains("kept 3 undeclared extra(s)"),
        "{apply:?}"
    );
    let still = core(&cluster, &["check"]);
    assert_eq!(still.code, 2, "extras are still drift: {still:?}");
    assert!(!still.stdout.contains("differs:"), "{still:?}");

    // --prune revokes them; the catalog is back to what the spec built.
    let prune = core(&cluster, &["apply", "--prune"]);
    assert_eq!(prune.code, 0, "{prune:?}");
    assert_eq!(core(&cluster, &["check"]).code, 0);
    assert_same(
        "before drift",
        &before,
        "after prune",
        &fingerprint(&cluster, "app"),
    );
}

#[test]
fn provisioned_login_authenticates_with_scram_over_tcp() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    assert_eq!(core(&cluster, &["apply"]).code, 0);
    let mut client = postgres::Config::new()
        .host(cluster.host())
        .port(cluster.port())
        .user("authenticator")
        .password(AUTHENTICATOR_PASSWORD)
        .dbname("app")
        .connect(postgres::NoTls)
        .expect("authenticator logs in with the password from the secret file");
    let row = client
        .query_one(
            "SELECT current_user::text, current_setting('statement_timeout')",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "authenticator");
    assert_eq!(row.get::<_, String>(1), "5s");
    let stored: String = cluster
        .client("app")
        .query_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = 'authenticator'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");

    // The env-sourced password works too, and a wrong one does not.
    let url = cluster.url("migrator", MIGRATOR_PASSWORD, "app");
    postgres::Client::connect(&url, postgres::NoTls).expect("migrator logs in");
    let wrong = cluster.url("migrator", "not-it", "app");
    assert!(postgres::Client::connect(&wrong, postgres::NoTls).is_err());
}

#[test]
fn changed_password_is_rotated_and_unchanged_one_is_left_alone() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    assert_eq!(core(&cluster, &["apply"]).code, 0);
    let verifier = |c: &Cluster| -> String {
        c.client("app")
            .query_one(
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'migrator'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let first = verifier(&cluster);
    assert_eq!(core(&cluster, &["apply"]).code, 0);
    assert_eq!(
        verifier(&cluster),
        first,
        "an unchanged password keeps its verifier"
    );

    let mut cmd = crate::cmd::pg_provision();
    cmd.env("CORE_MIGRATOR_PASSWORD", "rotated-Secret-8")
        .arg("-f")
        .arg(core_spec())
        .arg("--database-url")
        .arg(cluster.superuser_url("app"))
        .arg("check");
    let check = crate::cmd::run(&mut cmd);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check
            .stdout
            .contains(r#"ALTER ROLE "migrator" PASSWORD '<redacted>'"#),
        "{check:?}"
    );
    let apply = crate::cmd::run(
        crate::cmd::pg_provision()
            .env("CORE_MIGRATOR_PASSWORD", "rotated-Secret-8")
            .arg("-f")
            .arg(core_spec())
            .arg("--database-url")
            .arg(cluster.superuser_url("app"))
            .arg("apply"),
    );
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_ne!(verifier(&cluster), first);
    let url = cluster.url("migrator", "rotated-Secret-8", "app");
    postgres::Client::connect(&url, postgres::NoTls).expect("rotated password works");
}

#[test]
fn plan_prints_sql_and_changes_nothing() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let before = fingerprint(&cluster, "app");
    let plan = core(&cluster, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout
            .contains(r#"CREATE ROLE "app_owner" WITH NOLOGIN"#),
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .contains(r#"CREATE SCHEMA "api" AUTHORIZATION "app_owner";"#),
        "{plan:?}"
    );
    assert_eq!(
        fingerprint(&cluster, "app"),
        before,
        "plan must not change anything"
    );
    let unused = provision(&core_spec(), &cluster.superuser_url("app"), &["check"]);
    assert_eq!(
        unused.code, 65,
        "missing env secret is a spec error: {unused:?}"
    );
}
