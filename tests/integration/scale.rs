//! The catalog is read in a fixed number of round trips, whatever the spec size.

use crate::cmd::provision;
use crate::support::cluster::Cluster;
use std::time::Instant;

fn spec_with_roles(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut text = String::from("version: 1\nroles:\n  scale_owner: {}\n");
    for i in 0..n {
        text.push_str(&format!("  r{i:04}: {{ member_of: [scale_owner] }}\n"));
    }
    text.push_str("schemas:\n  scale: { owner: scale_owner, grants: [{ to: [");
    text.push_str(
        &(0..n)
            .map(|i| format!("r{i:04}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    text.push_str("], privileges: [USAGE] }] }\n");
    let path = dir.join(format!("roles-{n}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn round_trips_do_not_grow_with_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for n in [10, 1000] {
        let cluster = Cluster::start();
        let spec = spec_with_roles(dir.path(), n);
        let url = cluster.superuser_url("postgres");
        let started = Instant::now();
        let apply = provision(&spec, &url, &["apply", "--output", "json"]);
        let apply_time = started.elapsed();
        assert_eq!(apply.code, 0, "{apply:?}");
        let applied = apply.json();
        assert_eq!(
            applied["executed"].as_u64().unwrap() as usize,
            3 * n + 2,
            "{apply:?}"
        );
        let check = provision(&spec, &url, &["check", "--output", "json"]);
        assert_eq!(check.code, 0, "{check:?}");
        counts.push((
            n,
            applied["round_trips"].as_u64().unwrap(),
            check.json()["round_trips"].as_u64().unwrap(),
        ));
        eprintln!(
            "{n} roles: apply {apply_time:?}, {} round trips; check {} round trips",
            counts.last().unwrap().1,
            counts.last().unwrap().2
        );
    }
    assert_eq!(counts[0].1, counts[1].1, "apply round trips: {counts:?}");
    assert_eq!(counts[0].2, counts[1].2, "check round trips: {counts:?}");
    // begin+lock, the stamp's first look (server), 2 catalog reads,
    // statements, 2 verify reads, the stamp (may create its table, digest,
    // look up, write), commit.
    assert_eq!(counts[0].1, 13, "{counts:?}");
    // begin+lock, server, stamp, digest, rollback (see src/stamp.rs).
    assert_eq!(counts[0].2, 5, "{counts:?}");
}
