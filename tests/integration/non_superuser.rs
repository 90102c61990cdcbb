//! Managed PostgreSQL: the admin is a CREATEROLE role, not a superuser.
//! pg_authid is unreadable (passwords are compared by logging in), and from
//! 16 the admin gets ADMIN on every role it creates; neither may show up as
//! drift. (The whole examples as the admin: `managed.rs`.)

use crate::support::cluster::Cluster;

const SPEC: &str = "version: 1
external_roles: [admin]
roles:
  web_anon: {}
  web_user: { member_of: [web_anon] }
  web_login:
    login: true
    password: { env: WEB_LOGIN_PASSWORD }
    member_of: [web_user]
";

#[test]
fn createrole_admin_converges_and_checks_clean() {
    let cluster = Cluster::start();
    cluster
        .client("postgres")
        .batch_execute("CREATE ROLE admin LOGIN CREATEROLE PASSWORD 'admin-pw'")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let url = cluster.url("admin", "admin-pw", "postgres");
    let run = |args: &[&str]| {
        let mut cmd = crate::cmd::pg_provision();
        cmd.env("WEB_LOGIN_PASSWORD", "web-Secret-1")
            .arg("-f")
            .arg(&spec)
            .arg("--database-url")
            .arg(&url)
            .args(args);
        crate::cmd::run(&mut cmd)
    };
    let apply = run(&["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    postgres::Client::connect(
        &cluster.url("web_login", "web-Secret-1", "postgres"),
        postgres::NoTls,
    )
    .expect("web_login logs in");
    let check = run(&["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    // pg_authid is unreadable, so the password is compared by logging in
    // as web_login: no note, nothing pending.
    assert!(!check.stderr.contains("cannot be compared"), "{check:?}");
}
