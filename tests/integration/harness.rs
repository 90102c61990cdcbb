//! The test harness itself: clusters start, are the expected major, use SCRAM
//! over TCP, TLS works, restarts keep data and port.

use std::sync::Arc;

use crate::support::{Cluster, ClusterOptions, test_major};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn cluster_is_the_expected_major_over_tcp_with_scram() {
    let cluster = Cluster::start();
    assert_eq!(cluster.major(), test_major());
    assert_eq!(cluster.host(), "127.0.0.1");
    assert_eq!(cluster.superuser(), "postgres");
    assert!(cluster.bin_dir().join("postgres").is_file());

    let mut client = cluster.client("postgres");
    let version: String = client.query_one("SELECT version()", &[]).unwrap().get(0);
    assert!(
        version.starts_with(&format!("PostgreSQL {}.", test_major())),
        "{version}"
    );
    let row = client
        .query_one(
            "SELECT current_user::text, host(inet_server_addr()), inet_server_port(),
                    current_setting('password_encryption'),
                    (SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = current_user)",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "postgres");
    assert_eq!(row.get::<_, String>(1), "127.0.0.1");
    assert_eq!(row.get::<_, i32>(2), i32::from(cluster.port()));
    assert_eq!(row.get::<_, String>(3), "scram-sha-256");
    assert!(
        row.get::<_, bool>(4),
        "superuser password is a SCRAM verifier"
    );
    let auth: Vec<String> = client
        .query(
            "SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(auth, ["scram-sha-256"]);

    // The password is really checked.
    let wrong = cluster.url("postgres", "not-the-password", "postgres");
    let err = postgres::Client::connect(&wrong, postgres::NoTls)
        .err()
        .expect("a wrong password must be refused");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::INVALID_PASSWORD),
        "{err}"
    );
}

#[test]
fn url_encodes_awkward_names_and_passwords() {
    let cluster = Cluster::start();
    cluster.create_database("my \"db\"");
    let user = "app user@x";
    let password = "p@ss:w/rd %?#&'\"";
    cluster
        .client("postgres")
        .batch_execute(&format!(
            "CREATE ROLE \"app user@x\" LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ))
        .unwrap();
    let mut client =
        postgres::Client::connect(&cluster.url(user, password, "my \"db\""), postgres::NoTls)
            .unwrap();
    let row = client
        .query_one("SELECT current_user::text, current_database()::text", &[])
        .unwrap();
    assert_eq!(row.get::<_, String>(0), user);
    assert_eq!(row.get::<_, String>(1), "my \"db\"");

    let out = cluster.psql_as(user, password, "my \"db\"", "SELECT current_user;");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{user}\n"));
}

#[test]
fn psql_runs_as_superuser_and_stops_on_error() {
    let cluster = Cluster::start();
    let out = cluster.psql(
        "postgres",
        "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT sum(x) FROM t;",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "3\n");

    let out = cluster.psql("postgres", "SELECT 1/0; SELECT 'not reached';");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("division by zero"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("not reached"));
}

#[test]
fn plain_cluster_refuses_tls() {
    let cluster = Cluster::start();
    assert!(cluster.ca_cert().is_none());
    let out = cluster
        .psql_command("postgres")
        .env("PGSSLMODE", "require")
        .args(["-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "sslmode=require must fail without ssl=on"
    );
    assert!(
        stderr(&out).contains("does not support SSL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tls_cluster_accepts_verified_tls_and_plain_tcp() {
    let cluster = Cluster::start_with(ClusterOptions { tls: true });
    let ca = cluster
        .ca_cert()
        .expect("a TLS cluster has a CA")
        .to_owned();

    // libpq with full verification: the certificate matches 127.0.0.1 and chains to the CA.
    let out = cluster
        .psql_command("postgres")
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", &ca)
        .args([
            "-c",
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "t\n");

    // rustls (what pg-provision uses) trusts the same CA for 127.0.0.1.
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    for cert in CertificateDer::pem_file_iter(&ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
    let url = format!("{}?sslmode=require", cluster.superuser_url("postgres"));
    let mut client = postgres::Client::connect(&url, tls).unwrap();
    let ssl: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ssl);

    // The harness's own client is plain TCP, still allowed.
    let ssl: bool = cluster
        .client("postgres")
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!ssl);
}

#[test]
fn stop_and_start_again_keep_data_and_port() {
    let mut cluster = Cluster::start();
    cluster
        .client("postgres")
        .batch_execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42);")
        .unwrap();
    let port = cluster.port();

    cluster.stop();
    cluster.stop(); // idempotent
    assert!(
        postgres::Client::connect(&cluster.superuser_url("postgres"), postgres::NoTls).is_err(),
        "server must be down after stop"
    );

    cluster.start_again();
    assert_eq!(cluster.port(), port);
    let x: i32 = cluster
        .client("postgres")
        .query_one("SELECT x FROM kept", &[])
        .unwrap()
        .get(0);
    assert_eq!(x, 42);
}

#[test]
fn clusters_are_independent() {
    let a = Cluster::start();
    let b = Cluster::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.superuser_password(), b.superuser_password());
    a.create_database("only_in_a");
    let in_b: bool = b
        .client("postgres")
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'only_in_a')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!in_b);
}

/// `cargo test --test integration -- --ignored --nocapture cluster_start_time`
#[test]
#[ignore = "benchmark, run by hand"]
fn cluster_start_time() {
    drop(Cluster::start()); // pays for the per-process template (initdb)
    let n = 10;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let cluster = Cluster::start();
        cluster.client("postgres");
    }
    eprintln!(
        "PostgreSQL {}: {:?} per cluster (start + connect + stop + remove)",
        test_major(),
        t.elapsed() / n
    );
}
