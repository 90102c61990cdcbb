//! Benchmark (run by hand, not timed in CI):
//! `cargo test --release --test integration bench -- --ignored --nocapture`.
//! Provisions N roles with memberships and schema grants two ways on twin
//! clusters — pg-provision, and psql running the equivalent hand-written SQL in
//! one transaction (the baseline) — and prints times as ratios to the baseline.

use crate::cmd::provision;
use crate::support::cluster::Cluster;
use std::time::{Duration, Instant};

fn files(dir: &std::path::Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut yaml = String::from("version: 1\nroles:\n  bench_owner: {}\n");
    let mut sql =
        String::from("CREATE ROLE bench_owner;\nCREATE SCHEMA bench AUTHORIZATION bench_owner;\n");
    for i in 0..n {
        yaml.push_str(&format!("  r{i:05}: {{ member_of: [bench_owner] }}\n"));
        sql.push_str(&format!(
            "CREATE ROLE r{i:05};\nGRANT bench_owner TO r{i:05};\nGRANT USAGE ON SCHEMA bench TO r{i:05};\n"
        ));
    }
    yaml.push_str("schemas:\n  bench: { owner: bench_owner, grants: [{ to: [");
    yaml.push_str(
        &(0..n)
            .map(|i| format!("r{i:05}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    yaml.push_str("], privileges: [USAGE] }] }\n");
    let (y, s) = (dir.join("bench.yaml"), dir.join("bench.sql"));
    std::fs::write(&y, yaml).unwrap();
    std::fs::write(&s, sql).unwrap();
    (y, s)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "benchmark, run by hand"]
fn bench_roles_against_handwritten_sql() {
    let dir = tempfile::tempdir().unwrap();
    for n in [100, 1000, 5000] {
        let (yaml, sql) = files(dir.path(), n);
        let baseline_cluster = Cluster::start();
        let started = Instant::now();
        let out = baseline_cluster
            .psql_command("postgres")
            .args(["-1", "-f"])
            .arg(&sql)
            .output()
            .unwrap();
        let baseline = started.elapsed();
        assert!(out.status.success());

        let cluster = Cluster::start();
        let url = cluster.superuser_url("postgres");
        let apply = provision(&yaml, &url, &["apply"]);
        assert_eq!(apply.code, 0, "{apply:?}");
        let again = provision(&yaml, &url, &["apply"]);
        assert_eq!(again.code, 0, "{again:?}");
        let check = provision(&yaml, &url, &["check"]);
        assert_eq!(check.code, 0, "{check:?}");
        let over_baseline = provision(
            &yaml,
            &baseline_cluster.superuser_url("postgres"),
            &["check"],
        );
        assert_eq!(over_baseline.code, 0, "{over_baseline:?}");
        eprintln!(
            "{n:>5} roles ({} statements): psql -1 -f baseline {:.0} ms; pg-provision apply {:.0} ms ({:.2}× baseline), \
             second apply {:.0} ms ({:.2}×), check {:.0} ms ({:.2}×)",
            3 * n + 2,
            ms(baseline),
            ms(apply.elapsed),
            ms(apply.elapsed) / ms(baseline),
            ms(again.elapsed),
            ms(again.elapsed) / ms(baseline),
            ms(check.elapsed),
            ms(check.elapsed) / ms(baseline),
        );
    }
}

/// N defined tables (serial key, NOT NULL, a default, RLS, a policy) under a
/// schema-wide SELECT grant that also becomes a default privilege.
fn table_files(dir: &std::path::Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut yaml = String::from(
        "version: 1\nroles:\n  t_owner: {}\n  t_reader: {}\nschemas:\n  t:\n    owner: t_owner\n    grants:\n      \
         - { to: [t_reader], privileges: [USAGE] }\n      \
         - { on: tables, to: [t_reader], privileges: [SELECT] }\n    tables:\n",
    );
    let mut sql = String::from(
        "CREATE ROLE t_owner;\nCREATE ROLE t_reader;\nCREATE SCHEMA t AUTHORIZATION t_owner;\n\
         GRANT USAGE ON SCHEMA t TO t_reader;\n\
         ALTER DEFAULT PRIVILEGES FOR ROLE t_owner IN SCHEMA t GRANT SELECT ON TABLES TO t_reader;\n\
         SET ROLE t_owner;\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "      t{i:05}:\n        columns:\n          \
             - {{ name: id, type: serial, primary_key: true }}\n          \
             - {{ name: name, type: text, not_null: true }}\n          \
             - {{ name: created_at, type: timestamptz, not_null: true, default: now() }}\n        \
             rls: enabled\n        policies:\n          \
             readers: {{ for: select, to: [t_reader], using: \"true\" }}\n"
        ));
        sql.push_str(&format!(
            "CREATE TABLE t.t{i:05} (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\n\
             ALTER TABLE t.t{i:05} ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY readers ON t.t{i:05} FOR SELECT TO t_reader USING (true);\n"
        ));
    }
    let (y, s) = (dir.join("tables.yaml"), dir.join("tables.sql"));
    std::fs::write(&y, yaml).unwrap();
    std::fs::write(&s, sql).unwrap();
    (y, s)
}

/// Runs `sql` with `psql -1 -f` (the baseline) in `cluster`, timed.
fn psql_baseline(cluster: &Cluster, db: &str, sql: &std::path::Path) -> Duration {
    let started = Instant::now();
    let out = crate::handwritten::psql_file_command(cluster, db, sql)
        .arg("-1")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// Schema objects: the shipped examples and N generated tables, each against
/// the hand-written SQL that builds the same catalog (asserted with the
/// fingerprint), on twin clusters.
#[test]
#[ignore = "benchmark, run by hand"]
fn bench_schema_objects_against_handwritten_sql() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = crate::cmd::fixtures().join("examples");
    let env = [
        ("SHOP_RICHARD_PASSWORD", "richard-Secret-1"),
        ("SHOP_ALICE_PASSWORD", "alice-Secret-2"),
        ("CHATBOT_USER_PASSWORD", "chatbot-Secret-1"),
        ("METABASE_PASSWORD", "metabase-Secret-2"),
    ];
    let mut cases: Vec<(
        String,
        std::path::PathBuf,
        std::path::PathBuf,
        Option<std::path::PathBuf>,
    )> = vec![
        (
            "audited shop".into(),
            root.join("provision/examples/audited-shop/provision.yaml"),
            fixtures.join("audited-shop/handwritten.sql"),
            None,
        ),
        (
            "chatbot hand-over".into(),
            root.join("provision/examples/chatbot-handover/provision.yaml"),
            fixtures.join("chatbot-handover/handwritten.sql"),
            Some(fixtures.join("chatbot-handover/before.sql")),
        ),
    ];
    for n in [50, 200] {
        let sub = dir.path().join(format!("t{n}"));
        std::fs::create_dir_all(&sub).unwrap();
        let (yaml, sql) = table_files(&sub, n);
        cases.push((format!("{n} tables"), yaml, sql, None));
    }
    for (name, spec, handwritten, before) in cases {
        let example = crate::handwritten::Example {
            spec,
            env: &env,
            database: "app",
            before: before.clone(),
            handwritten: handwritten.clone(),
        };
        let baseline_cluster = Cluster::start();
        let cluster = Cluster::start();
        for c in [&baseline_cluster, &cluster] {
            c.create_database("app");
            if let Some(before) = &before {
                crate::handwritten::psql_file(c, "app", before);
            }
        }
        let baseline = psql_baseline(&baseline_cluster, "app", &handwritten);
        let apply = example.run(&cluster, &["apply", "--output", "json"]);
        assert_eq!(apply.code, 0, "{apply:?}");
        crate::fingerprint::assert_same_catalogs(
            "app",
            ("pg-provision", &cluster),
            ("hand-written SQL", &baseline_cluster),
        );
        let json = apply.json();
        let again = example.run(&cluster, &["apply", "--output", "json"]);
        assert_eq!(again.json()["executed"], 0, "{again:?}");
        let check = example.run(&cluster, &["check"]);
        assert_eq!(check.code, 0, "{check:?}");
        eprintln!(
            "{name:>18}: psql -1 -f baseline {:.0} ms; apply {:.0} ms ({:.2}×, {} statements, {} round trips), \
             second apply {:.0} ms ({:.2}×, {} round trips), check {:.0} ms ({:.2}×)",
            ms(baseline),
            ms(apply.elapsed),
            ms(apply.elapsed) / ms(baseline),
            json["executed"],
            json["round_trips"],
            ms(again.elapsed),
            ms(again.elapsed) / ms(baseline),
            again.json()["round_trips"],
            ms(check.elapsed),
            ms(check.elapsed) / ms(baseline),
        );
    }
}
