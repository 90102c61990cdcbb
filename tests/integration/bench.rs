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
