//! The in-sync stamp (`src/stamp.rs`): a converged `apply` stamps the
//! catalog it left; a later `check` or `apply` of the same spec text finding
//! the catalog unchanged is answered by the stamp and writes nothing; any
//! change to the catalog, to the spec's text or to a file it reads sends the
//! run through the full comparison again, which reports the drift.

use crate::cmd::{Run, provision};
use crate::noop::{logging_cluster, next_xid, writes_logged};
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A spec without passwords or seed rows (stampable), with a function
/// whose body is read from a file.
fn spec(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("touch.sql"),
        "UPDATE st.items SET title = title WHERE id = p_id",
    )
    .unwrap();
    let path = dir.join("stamp.yaml");
    std::fs::write(
        &path,
        "version: 1
roles:
  st_owner: {}
  st_reader: {}
schemas:
  st:
    owner: st_owner
    grants: [{ to: [st_reader], privileges: [USAGE] }]
    tables:
      items:
        columns:
          - { name: id, type: bigserial, primary_key: true }
          - { name: title, type: text, not_null: true, default: \"'untitled'::text\" }
        rls: enabled
        policies:
          readers: { to: [st_reader], using: \"title <> ''\" }
        grants: [{ to: [st_reader], privileges: [SELECT] }]
    functions:
      touch:
        args: \"p_id bigint\"
        returns: void
        language: sql
        body_file: touch.sql
",
    )
    .unwrap();
    path
}

fn stamp_of(run: &Run) -> serde_json::Value {
    run.json()["stamp"].clone()
}

fn check(spec: &Path, url: &str) -> Run {
    provision(spec, url, &["check", "--output", "json"])
}

#[test]
fn an_unchanged_catalog_is_answered_by_the_stamp_and_any_change_is_not() {
    let cluster = logging_cluster();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(dir.path());
    let url = cluster.superuser_url("app");

    let first = provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(stamp_of(&first), "written", "{first:?}");

    // Answered by the stamp, writing nothing: no DDL, no savepoint, no
    // write, no transaction id.
    let xid = next_xid(&cluster);
    let from = cluster.log().len();
    for args in [
        &["check", "--output", "json"][..],
        &["apply", "--output", "json"],
    ] {
        let run = provision(&spec, &url, args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert_eq!(stamp_of(&run), "matched", "{args:?}: {run:?}");
        assert_eq!(run.json()["in_sync"], true, "{run:?}");
        assert_eq!(run.json()["executed"], 0, "{run:?}");
    }
    let writes = writes_logged(&cluster, from);
    assert!(writes.is_empty(), "stamped runs sent: {writes:#?}");
    assert!(cluster.log()[from..].contains("pg_catalog.sha256"));
    assert_eq!(next_xid(&cluster), xid, "a stamped run wrote");

    // `--reprobe` trusts no cache: the full comparison, same answer.
    let full = provision(&spec, &url, &["check", "--reprobe", "--output", "json"]);
    assert_eq!(full.code, 0, "{full:?}");
    assert_eq!(stamp_of(&full), serde_json::Value::Null, "{full:?}");

    // Each of these changes the catalog the stamp describes: `check`
    // compares in full and reports the drift; `apply` repairs it and stamps
    // again; then the stamp answers again.
    let drifts = [
        "ALTER TABLE st.items ALTER COLUMN title DROP NOT NULL",
        "GRANT INSERT ON st.items TO st_reader",
        "ALTER POLICY readers ON st.items USING (true)",
        "ALTER ROLE st_reader CREATEDB",
        "ALTER TABLE st.items ALTER COLUMN title SET DEFAULT 'x'",
        "CREATE OR REPLACE FUNCTION st.touch(p_id bigint) RETURNS void LANGUAGE sql AS 'SELECT 1'",
        "REVOKE USAGE ON SCHEMA st FROM st_reader",
    ];
    for sql in drifts {
        let out = cluster.psql("app", sql);
        assert!(out.status.success(), "{sql}: {out:?}");
        let drift = check(&spec, &url);
        assert_eq!(drift.code, 2, "{sql}: a changed catalog passed: {drift:?}");
        assert_eq!(
            stamp_of(&drift),
            serde_json::Value::Null,
            "{sql}: {drift:?}"
        );
        let repair = provision(&spec, &url, &["apply", "--prune", "--output", "json"]);
        assert_eq!(repair.code, 0, "{sql}: {repair:?}");
        let again = check(&spec, &url);
        assert_eq!(again.code, 0, "{sql}: {again:?}");
        assert_eq!(stamp_of(&again), "matched", "{sql}: {again:?}");
    }
}

#[test]
fn a_changed_spec_or_file_is_compared_in_full() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(dir.path());
    let url = cluster.superuser_url("app");
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    assert_eq!(stamp_of(&check(&spec, &url)), "matched");

    // A migration holding the table: the digest takes no lock on it (the
    // catalog read's statements); the held lock is in the documents, so
    // the run compares in full — without waiting either.
    let mut migration = cluster.client("app");
    migration
        .batch_execute("BEGIN; LOCK TABLE st.items IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let started = Instant::now();
    let run = provision(
        &spec,
        &url,
        &["check", "--output", "json", "--lock-timeout", "20s"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(stamp_of(&run), serde_json::Value::Null, "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{run:?}");
    migration.batch_execute("ROLLBACK").unwrap();
    assert_eq!(stamp_of(&check(&spec, &url)), "matched");

    // The file the function's body comes from: a different body is drift.
    std::fs::write(dir.path().join("touch.sql"), "SELECT 1").unwrap();
    let run = check(&spec, &url);
    assert_eq!(run.code, 2, "a changed body_file passed: {run:?}");
    assert_eq!(stamp_of(&run), serde_json::Value::Null);
    std::fs::write(
        dir.path().join("touch.sql"),
        "UPDATE st.items SET title = title WHERE id = p_id",
    )
    .unwrap();
    assert_eq!(stamp_of(&check(&spec, &url)), "matched");

    // Another text (even a comment) is another key: compared in full.
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}# a comment\n")).unwrap();
    let run = check(&spec, &url);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(stamp_of(&run), serde_json::Value::Null);
    // A spec that now asks for more is drift, not a stamp.
    std::fs::write(
        &spec,
        text.replace("st_reader: {}", "st_reader: { createrole: true }"),
    )
    .unwrap();
    let run = check(&spec, &url);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn specs_with_passwords_are_never_stamped_and_other_roles_do_not_match() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(dir.path());
    let url = cluster.superuser_url("app");
    let text = std::fs::read_to_string(&spec).unwrap();

    // A password: comparing it needs the secret, which is not in the catalog.
    let with_password = dir.path().join("password.yaml");
    std::fs::write(
        &with_password,
        text.replace(
            "st_reader: {}",
            "st_reader: { login: true, password: { env: ST_READER_PASSWORD } }",
        ),
    )
    .unwrap();
    let apply = crate::cmd::run(
        crate::cmd::pg_provision()
            .env("ST_READER_PASSWORD", "first secret")
            .args(["--file"])
            .arg(&with_password)
            .args(["--database-url", &url, "apply", "--output", "json"]),
    );
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(stamp_of(&apply), serde_json::Value::Null, "{apply:?}");
    let changed = crate::cmd::run(
        crate::cmd::pg_provision()
            .env("ST_READER_PASSWORD", "another secret")
            .args(["--file"])
            .arg(&with_password)
            .args(["--database-url", &url, "check", "--output", "json"]),
    );
    assert_eq!(changed.code, 2, "a changed password passed: {changed:?}");

    // The stamp is the applying role's: a role with only CONNECT cannot
    // read it and compares in full.
    let out = cluster.psql(
        "app",
        "CREATE ROLE st_monitor LOGIN PASSWORD 'monitor'; GRANT CONNECT ON DATABASE app TO st_monitor",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    let monitor = cluster.url("st_monitor", "monitor", "app");
    let run = check(&spec, &monitor);
    assert_ne!(stamp_of(&run), "matched", "{run:?}");
    assert_eq!(stamp_of(&check(&spec, &url)), "matched");
}

#[test]
fn a_stamp_that_creates_pg_provisions_schema_leaves_it_readable_to_monitors() {
    // No expression to remember: the stamp, not the memory, creates the schema.
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bare.yaml");
    std::fs::write(
        &spec,
        "version: 1\nroles:\n  bare_owner: {}\nschemas:\n  bare: { owner: bare_owner }\n",
    )
    .unwrap();
    let url = cluster.superuser_url("app");
    let out = cluster.psql(
        "app",
        "CREATE ROLE bare_monitor LOGIN PASSWORD 'monitor'; GRANT CONNECT ON DATABASE app TO bare_monitor",
    );
    assert!(out.status.success(), "{out:?}");
    let apply = provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(stamp_of(&apply), "written", "{apply:?}");
    assert_eq!(stamp_of(&check(&spec, &url)), "matched");
    let monitor = check(&spec, &cluster.url("bare_monitor", "monitor", "app"));
    assert_eq!(monitor.code, 0, "{monitor:?}");
    assert_eq!(stamp_of(&monitor), serde_json::Value::Null, "{monitor:?}");
}
