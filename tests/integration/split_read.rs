//! A large catalog (2,000+ rows in `pg_class`) is read over two connections
//! that share one snapshot (`catalog::split`): the same catalog a single
//! connection reads, and a second connection that cannot be had only costs
//! time.

use crate::cmd::provision;
use crate::support::cluster::Cluster;
use crate::support::landscape::Landscape;
use pg_provision::catalog::{self, Scope};
use pg_provision::session::Session;

/// 700 tables, each with its sequence, key index and TOAST table and
/// index: about 3,500 rows in `pg_class`, over `catalog::split::SPLIT_AT`.
fn large_landscape(cluster: &Cluster, dir: &std::path::Path) -> std::path::PathBuf {
    let (spec, handwritten) = Landscape::new(700).with_schemas(2).write(dir).unwrap();
    cluster.create_database("app");
    crate::handwritten::psql_file(cluster, "app", &handwritten);
    spec
}

#[test]
fn a_large_catalog_reads_the_same_over_one_or_two_connections() {
    let cluster = crate::noop::logging_cluster();
    let dir = tempfile::tempdir().unwrap();
    let spec = large_landscape(&cluster, dir.path());
    let scope = Scope::schemas(["public", "s01", "s02"].map(String::from));
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    let session = || {
        let mut s = Session::new(cluster.client("app"));
        s.batch(begin).unwrap();
        s
    };

    let one = catalog::read(&mut session(), &scope).unwrap();
    let from = cluster.log().len();
    let mut split = session();
    let helper = || Some(Session::new(cluster.client("app")));
    let two = catalog::read_split(&mut split, &scope, Some(&helper)).unwrap();
    let log = cluster.log()[from..].to_string();
    assert_eq!(log.matches("pg_export_snapshot()").count(), 1, "{log}");
    assert_eq!(log.matches("SET TRANSACTION SNAPSHOT").count(), 1, "{log}");
    // The second connection's round trips are counted: BEGIN, the first
    // read (with the export), the batch, and the helper's setup and half.
    assert_eq!(split.round_trips(), 5);
    let mut refused = session();
    let no_helper = || None;
    let fallback = catalog::read_split(&mut refused, &scope, Some(&no_helper)).unwrap();
    // Read on one connection after all: one more round trip for its half.
    assert_eq!(refused.round_trips(), 4);

    assert_eq!(one.tables.len(), 700);
    assert!(one.relations.len() >= 1400, "{}", one.relations.len());
    let one = format!("{one:?}");
    assert_eq!(one, format!("{two:?}"), "split read differs");
    assert_eq!(one, format!("{fallback:?}"), "fallback read differs");

    // Through the command: a no-op check and apply split too, write nothing, and
    // drift in what the second connection reads (a grant, a policy) is
    // found.
    let url = cluster.superuser_url("app");
    let apply = provision(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    let from = cluster.log().len();
    let xid = crate::noop::next_xid(&cluster);
    for command in ["check", "apply"] {
        let run = provision(&spec, &url, &[command]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    let log = cluster.log()[from..].to_string();
    assert_eq!(log.matches("SET TRANSACTION SNAPSHOT").count(), 2, "{log}");
    // The second connection waits for a lock no longer than the run.
    assert_eq!(
        log.matches("set_config('lock_timeout', '30s', false)")
            .count(),
        2,
        "{log}"
    );
    assert_eq!(
        crate::noop::writes_logged(&cluster, from),
        Vec::<String>::new()
    );
    // Exporting a snapshot takes no transaction id: nothing was written.
    assert_eq!(crate::noop::next_xid(&cluster), xid);
    cluster
        .client("app")
        .batch_execute(
            "GRANT DELETE ON s01.t0007 TO app_reader; \
             ALTER POLICY owner_rows ON s02.t0011 USING (owner_name <> current_user)",
        )
        .unwrap();
    let drift = provision(&spec, &url, &["check", "--output", "json"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    let json = drift.json();
    assert!(
        json["changes"].to_string().contains("s02.t0011"),
        "the policy: {drift:?}"
    );
    assert!(
        json["extras"]
            .to_string()
            .contains("DELETE on table `s01.t0007`"),
        "the grant: {drift:?}"
    );
}
