//! A plan too big for the server's lock table is refused before anything
//! runs, naming the setting to raise.

use crate::cmd::provision;
use crate::fingerprint::fingerprint;
use crate::support::cluster::Cluster;

fn roles_spec(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    // Every grantee of a privilege is locked until commit: one lock per role.
    let mut text = String::from("version: 1\nroles:\n");
    for i in 0..n {
        text.push_str(&format!("  lock_role_{i}: {{}}\n"));
    }
    text.push_str("schemas:\n  locked:\n    grants:\n");
    for i in 0..n {
        text.push_str(&format!(
            "      - {{ to: [lock_role_{i}], privileges: [USAGE] }}\n"
        ));
    }
    let path = dir.join(format!("roles-{n}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn oversized_plan_is_refused_up_front_with_the_setting_to_raise() {
    let mut cluster = Cluster::start();
    cluster
        .client("postgres")
        .batch_execute("ALTER SYSTEM SET max_locks_per_transaction = 10")
        .unwrap();
    cluster.stop();
    cluster.start_again();
    let url = cluster.superuser_url("postgres");
    let dir = tempfile::tempdir().unwrap();
    let before = fingerprint(&cluster, "postgres");

    let slots: i64 = cluster
        .client("postgres")
        .query_one(
            "SELECT current_setting('max_locks_per_transaction')::int8 * \
             (current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8)",
            &[],
        )
        .unwrap()
        .get(0);
    // Planning allows twice the nominal size (see plan::locks).
    let too_many = 2 * slots as usize + 50;
    let big = roles_spec(dir.path(), too_many);
    let apply = provision(&big, &url, &["apply"]);
    assert_eq!(apply.code, 1, "{apply:?}");
    assert!(apply.stderr.contains("out of shared memory"), "{apply:?}");
    assert!(
        apply
            .stderr
            .contains("raise max_locks_per_transaction to at least"),
        "{apply:?}"
    );
    assert_eq!(fingerprint(&cluster, "postgres"), before, "nothing ran");
    let check = provision(&big, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");

    let small = roles_spec(dir.path(), slots as usize);
    let apply = provision(&small, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
}
