//! `pg_provision::connect` against a real server with TLS: every sslmode, the
//! certificate failures, the fail-fast rejections, and `wait`'s retry and timeout.
//!
//! Uses the shared harness in `support/` (throwaway cluster with `ssl=on` and a CA).
//! The host-name mismatch goes through `hostaddr`, so it does not depend on which
//! names the harness puts in the server certificate.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pg_provision::connect::{self, ConnectError, ConnectionSettings, RejectReason};

use crate::support::{Cluster, ClusterOptions};

const PASSWORD: &str = "app-pw-9f3c";

fn settings(url: &str) -> ConnectionSettings {
    ConnectionSettings::resolve(Some(url), &|_| None).expect(url)
}

fn uses_tls(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

/// A TLS cluster with role `app` (password [`PASSWORD`]) owning database `appdb`.
fn tls_cluster() -> Cluster {
    let cluster = Cluster::start_with(ClusterOptions { tls: true });
    let mut admin = connect::connect(&settings(&cluster.superuser_url("postgres"))).unwrap();
    admin
        .batch_execute(&format!("CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'"))
        .unwrap();
    admin
        .batch_execute("CREATE DATABASE appdb OWNER app")
        .unwrap();
    cluster
}

#[test]
fn sslmodes_and_certificate_checks() {
    let cluster = tls_cluster();
    let port = cluster.port();
    let ca = cluster
        .ca_cert()
        .expect("tls cluster has a CA")
        .display()
        .to_string();
    let conninfo = |host: &str, extra: &str| {
        format!("host={host} port={port} user=app password={PASSWORD} dbname=appdb {extra}")
    };
    let named = |extra: &str| conninfo("localhost", extra);
    // dial 127.0.0.1 but check the certificate against a name it does not carry
    let wrong_name = |extra: &str| conninfo("not-in-cert.invalid hostaddr=127.0.0.1", extra);

    // (case, conninfo, Some(tls in use) or None = rejected for TLS)
    let cases = [
        (
            "verify-full, right name",
            named(&format!("sslmode=verify-full sslrootcert={ca}")),
            Some(true),
        ),
        (
            "verify-full, wrong name",
            wrong_name(&format!("sslmode=verify-full sslrootcert={ca}")),
            None,
        ),
        (
            "verify-ca, wrong name",
            wrong_name(&format!("sslmode=verify-ca sslrootcert={ca}")),
            Some(true),
        ),
        (
            "verify-ca, untrusted ca",
            named("sslmode=verify-ca sslrootcert=system"),
            None,
        ),
        (
            "verify-full, untrusted ca",
            named("sslmode=verify-full sslrootcert=system"),
            None,
        ),
        (
            "require, no root cert",
            wrong_name("sslmode=require"),
            Some(true),
        ),
        (
            "require, untrusted ca",
            named("sslmode=require sslrootcert=system"),
            None,
        ),
        ("prefer", wrong_name("sslmode=prefer"), Some(true)),
        ("disable", named("sslmode=disable"), Some(false)),
    ];
    for (case, url, expected) in cases {
        match (connect::connect(&settings(&url)), expected) {
            (Ok(mut client), Some(tls)) => assert_eq!(uses_tls(&mut client), tls, "{case}"),
            (
                Err(ConnectError::Rejected {
                    reason: RejectReason::Tls,
                    ..
                }),
                None,
            ) => {}
            (Ok(_), None) => panic!("{case}: connected, expected a tls rejection"),
            (Err(err), _) => panic!("{case}: {err:?}"),
        }
    }
}

#[test]
fn rejections_fail_fast_and_say_which() {
    let cluster = tls_cluster();
    let port = cluster.port();
    let url = |user: &str, pw: &str, db: &str| {
        format!("postgres://{user}:{pw}@localhost:{port}/{db}?sslmode=require")
    };
    let cases = [
        (
            url("app", "wrong", "appdb"),
            RejectReason::BadPassword,
            "the password was rejected",
        ),
        (
            url("app", PASSWORD, "nodb"),
            RejectReason::MissingDatabase,
            "database `nodb` does not exist",
        ),
    ];
    for (url, reason, says) in cases {
        let started = Instant::now();
        let err = connect::wait(&settings(&url), Duration::from_secs(10))
            .err()
            .expect("must fail");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{err}: not fast"
        );
        match &err {
            ConnectError::Rejected {
                reason: got,
                message,
            } => {
                assert_eq!(*got, reason, "{message}");
                assert!(message.contains(says), "{message}");
                assert!(
                    !message.contains(PASSWORD) && !message.contains("wrong"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn wait_times_out_when_nothing_listens() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let err = connect::wait(
        &settings(&format!("postgres://app:pw@127.0.0.1:{port}/appdb")),
        Duration::from_secs(3),
    )
    .err()
    .expect("nothing listens");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    match err {
        ConnectError::Unreachable { attempts, last, .. } => {
            assert!(attempts >= 3, "{attempts}");
            assert!(last.contains("connection refused"), "{last}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_reaches_a_server_that_starts_later() {
    let mut cluster = tls_cluster();
    let url = format!(
        "postgres://app:{PASSWORD}@localhost:{}/appdb?sslmode=verify-full&sslrootcert={}",
        cluster.port(),
        cluster.ca_cert().expect("tls cluster has a CA").display()
    );
    cluster.stop();
    let started = Instant::now();
    let client = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_secs(2));
            cluster.start_again();
        });
        connect::wait(&settings(&url), Duration::from_secs(30))
    });
    let mut client = client.unwrap_or_else(|e| panic!("{e}"));
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(uses_tls(&mut client));
}
