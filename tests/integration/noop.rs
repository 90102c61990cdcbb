//! A run that finds nothing to change is free (DESIGN item 10): it sends no
//! DDL, no savepoint and no write, takes no lock on user tables, and `check`
//! works as a monitoring role with only CONNECT. pg-provision's memory is a
//! cache: losing it costs time, never correctness.

use crate::cmd::{Run, provision};
use crate::example::example_spec;
use crate::support::cluster::Cluster;
use std::path::Path;
use std::time::{Duration, Instant};

/// The next transaction id the server would hand out: unchanged across a
/// run means the run wrote nothing at all (creating even a temporary table,
/// or a savepoint that did, takes one).
pub(crate) fn next_xid(cluster: &Cluster) -> i64 {
    cluster
        .client("app")
        .query_one(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
            &[],
        )
        .unwrap()
        .get(0)
}

/// Statements the server logged after byte `from` of its log that are not
/// plain reads: DDL, savepoints, writes, COMMIT.
pub(crate) fn writes_logged(cluster: &Cluster, from: usize) -> Vec<String> {
    let log = cluster.log();
    let re_start = ["statement: ", "; ", ";\n"];
    let kinds = [
        "CREATE",
        "ALTER",
        "DROP",
        "GRANT",
        "REVOKE",
        "COMMENT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "SAVEPOINT",
        "RELEASE",
        "COMMIT",
        "LOCK",
    ];
    let mut found = Vec::new();
    for line in log[from..].lines() {
        for start in re_start {
            for (i, _) in line.match_indices(start) {
                let rest = line[i + start.len()..].trim_start();
                if let Some(k) = kinds
                    .iter()
                    .find(|k| rest.to_ascii_uppercase().starts_with(*k))
                {
                    found.push(format!("{k}: {}", &rest[..rest.len().min(120)]));
                }
            }
        }
    }
    found
}

fn tracker(cluster: &Cluster, dir: &Path) -> std::path::PathBuf {
    cluster.create_database("app");
    let spec = example_spec(dir);
    let first = provision(&spec, &cluster.superuser_url("app"), &["apply"]);
    assert_eq!(first.code, 0, "{first:?}");
    spec
}

/// A cluster that logs every statement, without autovacuum (an automatic
/// ANALYZE would take a transaction id).
pub(crate) fn logging_cluster() -> Cluster {
    let cluster = Cluster::start();
    let mut admin = cluster.client("postgres");
    for sql in [
        "ALTER SYSTEM SET log_statement = 'all'",
        "ALTER SYSTEM SET autovacuum = off",
        "SELECT pg_reload_conf()",
    ] {
        admin.batch_execute(sql).unwrap();
    }
    cluster
}

#[test]
fn a_no_op_apply_and_check_send_no_ddl_no_savepoint_and_write_nothing() {
    let cluster = logging_cluster();
    let dir = tempfile::tempdir().unwrap();
    let spec = tracker(&cluster, dir.path());
    let url = cluster.superuser_url("app");
    // The first apply remembered every expression it created.
    let xid = next_xid(&cluster);
    let from = cluster.log().len();
    for args in [
        &["apply", "--output", "json"][..],
        &["check"],
        &["plan"],
        &["apply", "--output", "json"],
        &["check"],
    ] {
        let run: Run = provision(&spec, &url, args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        if args[0] == "apply" {
            assert_eq!(run.json()["executed"], 0, "{run:?}");
            assert_eq!(run.json()["remembered"], serde_json::Value::Null, "{run:?}");
        }
    }
    let writes = writes_logged(&cluster, from);
    assert!(writes.is_empty(), "no-op runs sent: {writes:#?}");
    // The log really holds the runs' statements (the check above could not pass vacuously).
    assert!(cluster.log()[from..].contains("pg_advisory_xact_lock"));
    assert!(cluster.log()[from..].contains("READ ONLY"));
    assert_eq!(
        next_xid(&cluster),
        xid,
        "a no-op run took a transaction id: it wrote"
    );
}

/// The tracker with a monitoring role `monitor` that has CONNECT on `app`
/// (declared, so it is not an extra) and nothing else.
fn with_monitor(spec: &Path) {
    let text = std::fs::read_to_string(spec)
        .unwrap()
        .replace(
            "external_roles: [postgres]",
            "external_roles: [postgres, monitor]",
        )
        .replace(
            "    - { to: [authenticator], privileges: [CONNECT] }",
            "    - { to: [authenticator, monitor], privileges: [CONNECT] }",
        );
    std::fs::write(spec, text).unwrap();
}

#[test]
fn check_works_as_a_monitoring_role_with_only_connect() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    cluster
        .client("postgres")
        .batch_execute("CREATE ROLE monitor LOGIN PASSWORD 'monitor-pw'")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = example_spec(dir.path());
    with_monitor(&spec);
    let admin = cluster.superuser_url("app");
    let apply = provision(&spec, &admin, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    // The spec revokes CONNECT and TEMPORARY from PUBLIC: monitor has CONNECT only.
    let monitor = cluster.url("monitor", "monitor-pw", "app");
    let check = provision(&spec, &monitor, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    // What it cannot see, it says, naming the right it would need.
    assert!(
        check.stderr.contains("not compared: rows of table `app_data.tasks`: reading its rows needs SELECT on `app_data.tasks`, which role `monitor` lacks"),
        "{check:?}"
    );
    assert!(check.stderr.contains("item(s) not compared"), "{check:?}");

    // A hand-made change is drift for the monitor too: an expression it
    // compares through pg-provision's memory, and a grant.
    cluster
        .client("app")
        .batch_execute(
            "ALTER POLICY tasks_read ON app_data.tasks USING (task_id > 0); \
             GRANT ALL ON app_data.tasks TO api_anon",
        )
        .unwrap();
    let drift = provision(&spec, &monitor, &["check"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(
        drift
            .stdout
            .contains("policy `tasks_read` on table `app_data.tasks`"),
        "{drift:?}"
    );
    assert!(
        drift.stdout.contains("GRANT") || drift.stdout.contains("REVOKE"),
        "{drift:?}"
    );

    // Without pg-provision's memory the monitor cannot compare expressions
    // (no TEMPORARY for scratch copies) and says so, and why.
    cluster
        .client("app")
        .batch_execute("DROP SCHEMA pgprovision CASCADE")
        .unwrap();
    let blind = provision(&spec, &monitor, &["check"]);
    assert!(
        blind.stderr.contains("lacks TEMPORARY on database `app`"),
        "{blind:?}"
    );
}

#[test]
fn neither_check_nor_a_no_op_apply_waits_for_a_table_a_migration_holds() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = tracker(&cluster, dir.path());
    let url = cluster.superuser_url("app");
    // A migration holds task_assignments (no seed rows) and tasks (seed rows).
    let mut migration = cluster.client("app");
    migration
        .batch_execute(
            "BEGIN; LOCK TABLE app_data.task_assignments, app_data.tasks IN ACCESS EXCLUSIVE MODE",
        )
        .unwrap();
    let started = Instant::now();
    let check = provision(&spec, &url, &["check", "--lock-timeout", "20s"]);
    assert_eq!(check.code, 0, "{check:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{check:?}");
    // Seed rows are data: those of the held table are not read, and it says so.
    assert!(
        check.stderr.contains(
            "not compared: rows of table `app_data.tasks`: another session holds the table locked"
        ),
        "{check:?}"
    );
    // Everything else came from pg-provision's memory and lock-free reads.
    assert!(!check.stderr.contains("task_assignments"), "{check:?}");
    migration.batch_execute("ROLLBACK").unwrap();

    // A no-op apply does not touch a held table without seed rows either.
    migration
        .batch_execute("BEGIN; LOCK TABLE app_data.task_assignments IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let started = Instant::now();
    let apply = provision(
        &spec,
        &url,
        &["apply", "--output", "json", "--lock-timeout", "20s"],
    );
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(apply.json()["executed"], 0, "{apply:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{apply:?}");
    migration.batch_execute("ROLLBACK").unwrap();
}

#[test]
fn losing_or_outdating_the_memory_costs_time_not_correctness() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = tracker(&cluster, dir.path());
    let url = cluster.superuser_url("app");
    let mut db = cluster.client("app");
    let rows = |db: &mut postgres::Client| -> i64 {
        db.query_one("SELECT count(*) FROM pgprovision.memory", &[])
            .unwrap()
            .get(0)
    };
    let full = rows(&mut db);
    assert!(full > 0);

    // One row lost and one that answers nothing this spec asks: a no-op
    // apply (everything else settled from memory) puts the first back and
    // removes the second.
    let snapshot = |db: &mut postgres::Client| -> Vec<String> {
        db.query(
            "SELECT key || answer || live || fp FROM pgprovision.memory ORDER BY key",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let remembered = snapshot(&mut db);
    db.batch_execute(
        "DELETE FROM pgprovision.memory WHERE key = (SELECT min(key) FROM pgprovision.memory);
         INSERT INTO pgprovision.memory VALUES ('stranger', 'a', 'b', 'c')",
    )
    .unwrap();
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    assert_eq!(snapshot(&mut db), remembered);

    // Lost: compared afresh (in sync), then remembered again by apply.
    db.batch_execute("DROP SCHEMA pgprovision CASCADE").unwrap();
    crate::cmd::assert_converged(&spec, &url);
    assert!(rows(&mut db) > 0);

    // Hand-changed object: its fingerprint moved, so it is printed and
    // compared with the remembered answer: drift, converged back.
    db.batch_execute("ALTER POLICY tasks_read ON app_data.tasks USING (task_id > 0)")
        .unwrap();
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    crate::cmd::assert_converged(&spec, &url);

    // Changed spec: a new question, probed; the old answer is forgotten.
    let changed = std::fs::read_to_string(&spec)
        .unwrap()
        .replace(r#"using: "true""#, r#"using: "task_id >= 0""#);
    std::fs::write(&spec, changed).unwrap();
    let plan = provision(&spec, &url, &["plan"]);
    assert!(plan.stdout.contains("ALTER POLICY"), "{plan:?}");
    let before = rows(&mut db);
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    assert_eq!(
        rows(&mut db),
        before,
        "the old answer was replaced, not kept"
    );
    crate::cmd::assert_converged(&spec, &url);
    let policy: String = db
        .query_one(
            "SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'tasks_read'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(policy, "(task_id >= 0)");
}

/// Builds the 40-table landscape with plain SQL into `db` (policies' text
/// replaced by `policy` in both the spec and the SQL); returns the spec.
fn landscape_by_psql(cluster: &Cluster, dir: &Path, db: &str, policy: &str) -> std::path::PathBuf {
    use crate::support::landscape::{Landscape, POLICY};
    let (spec, handwritten) = Landscape::new(40)
        .with_schemas(2)
        .write(&dir.join(db))
        .unwrap();
    for file in [&spec, &handwritten] {
        let text = std::fs::read_to_string(file)
            .unwrap()
            .replace(POLICY, policy);
        std::fs::write(file, text).unwrap();
    }
    cluster.create_database(db);
    crate::handwritten::psql_file(cluster, db, &handwritten);
    spec
}

/// `CREATE TEMP TABLE` statements the server logged after byte `from`.
fn scratch_tables_logged(cluster: &Cluster, from: usize) -> usize {
    cluster.log()[from..].matches("CREATE TEMP TABLE").count()
}

/// Nothing remembered (a database built by plain SQL): tables of the same
/// shape ask the same questions, so one of each is probed and the others
/// share its answers — unless the answer names its table, as a policy's
/// subquery prints its outer columns (`t0001.owner_name`): those are probed
/// each. Either way drift on one table is found.
#[test]
fn a_cold_check_probes_each_table_shape_once_and_still_finds_drift_on_one() {
    let dir = tempfile::tempdir().unwrap();
    let subquery = "EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = owner_name AND r.rolname = current_user)";
    for (db, policy, scratch) in [
        // One scratch copy for the 40 tables' columns, one for their policies.
        ("plain", "owner_name = current_user", 2),
        // Every policy answer names its table: 40 policy probes.
        ("named", subquery, 1 + 40),
    ] {
        // Roles are the cluster's: one cluster each.
        let cluster = logging_cluster();
        let spec = landscape_by_psql(&cluster, dir.path(), db, policy);
        let url = cluster.superuser_url(db);
        let from = cluster.log().len();
        let check = provision(&spec, &url, &["check"]);
        assert_eq!(check.code, 0, "{db}: {check:?}");
        assert_eq!(scratch_tables_logged(&cluster, from), scratch, "{db}");

        let drifted = policy.replace("= current_user", "<> current_user");
        cluster
            .client(db)
            .batch_execute(&format!(
                "ALTER POLICY owner_rows ON s01.t0007 USING ({drifted});
                 ALTER TABLE s02.t0013 ALTER COLUMN owner_name SET DEFAULT session_user"
            ))
            .unwrap();
        let check = provision(&spec, &url, &["check", "--output", "json"]);
        assert_eq!(check.code, 2, "{db}: {check:?}");
        let changes = check.json()["changes"].to_string();
        for drift in ["s01.t0007", "s02.t0013"] {
            assert!(
                changes.contains(drift),
                "{db}: {drift} not reported: {check:?}"
            );
        }
        for other in [
            "s01.t0006",
            "s01.t0008",
            "s01.t0013",
            "s02.t0007",
            "s02.t0012",
        ] {
            assert!(
                !changes.contains(other),
                "{db}: {other} reported: {check:?}"
            );
        }
    }
}
