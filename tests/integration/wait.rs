//! Waiting for the server: transient failures are retried, fatal ones are not.

use crate::cmd::{fixtures, provision};
use crate::support::cluster::Cluster;
use std::time::Duration;

fn spec() -> std::path::PathBuf {
    fixtures().join("minimal/spec.yaml")
}

#[test]
fn apply_waits_for_a_server_that_starts_later() {
    let mut cluster = Cluster::start();
    let url = cluster.superuser_url("postgres");
    cluster.stop();
    let run = std::thread::scope(|scope| {
        let starter = scope.spawn(|| {
            std::thread::sleep(Duration::from_secs(5));
            cluster.start_again();
        });
        let run = provision(&spec(), &url, &["--wait-timeout", "60s", "apply"]);
        starter.join().unwrap();
        run
    });
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.elapsed >= Duration::from_secs(4), "{run:?}");
    assert!(
        run.stderr.contains("not reachable yet"),
        "attempts are logged: {run:?}"
    );
}

#[test]
fn wrong_password_fails_fast_and_says_so() {
    let cluster = Cluster::start();
    let url = cluster.url("postgres", "definitely-wrong", "postgres");
    let run = provision(&spec(), &url, &["apply"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.elapsed < Duration::from_secs(2), "{run:?}");
    assert!(run.stderr.contains("password was rejected"), "{run:?}");
    assert!(!run.stderr.contains("definitely-wrong"), "{run:?}");
}

#[test]
fn missing_database_fails_fast_and_says_so() {
    let cluster = Cluster::start();
    let run = provision(&spec(), &cluster.superuser_url("no_such_db"), &["apply"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.elapsed < Duration::from_secs(2), "{run:?}");
    assert!(
        run.stderr.contains("`no_such_db` does not exist"),
        "{run:?}"
    );
}

#[test]
fn nothing_listening_exits_3_after_the_timeout() {
    let mut cluster = Cluster::start();
    let url = cluster.superuser_url("postgres");
    cluster.stop();
    let run = provision(&spec(), &url, &["--wait-timeout", "3s", "apply"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.elapsed >= Duration::from_secs(3), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(10), "{run:?}");
    let wait = crate::cmd::run(crate::cmd::pg_provision().args([
        "--database-url",
        &url,
        "wait",
        "--timeout",
        "1s",
    ]));
    assert_eq!(wait.code, 3, "{wait:?}");
}

#[test]
fn wait_command_exits_0_when_ready() {
    let cluster = Cluster::start();
    let run = crate::cmd::run(crate::cmd::pg_provision().args([
        "--database-url",
        &cluster.superuser_url("postgres"),
        "wait",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("accepts connections"), "{run:?}");
}

#[test]
fn an_invalid_spec_reports_only_its_own_errors_while_the_server_is_down() {
    // The catalog read starts while the spec parses; its wait for the
    // server must not speak for a spec that turns out invalid. The spec is
    // long enough (4,000 roles) that the first attempt has failed before
    // validation ends.
    let mut cluster = Cluster::start();
    let url = cluster.superuser_url("postgres");
    cluster.stop();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spec.yaml");
    let mut text = String::from("version: 1\nroles:\n");
    for i in 0..4000 {
        text.push_str(&format!("  r{i}: {{ member_of: [r{}] }}\n", i + 1));
    }
    text.push_str("  r4000: { member_of: [ghost] }\n");
    std::fs::write(&file, &text).unwrap();
    let run = provision(&file, &url, &["--wait-timeout", "30s", "check"]);
    assert_eq!(run.code, 65, "{run:?}");
    assert!(
        run.stderr.contains("role `ghost` is not declared"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("not reachable"), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(10), "{run:?}");
}
