//! Replicas of the init job starting together serialise on the advisory lock:
//! every one exits 0, and exactly one of them executes the changes.

use crate::cmd::{fixtures, provision};
use crate::support::cluster::Cluster;

#[test]
fn concurrent_applies_serialise_and_later_ones_do_nothing() {
    let cluster = Cluster::start();
    let spec = fixtures().join("minimal/spec.yaml");
    let url = cluster.superuser_url("postgres");
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| provision(&spec, &url, &["apply", "--output", "json"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut executed = Vec::new();
    for run in &runs {
        assert_eq!(run.code, 0, "{run:?}");
        executed.push(run.json()["executed"].as_u64().unwrap());
    }
    executed.sort();
    assert_eq!(executed, vec![0, 0, 0, 2], "{runs:?}");
}
