//! One spec, the same privileges on every major: a schema-wide grant on
//! `public` that names no `for_roles` installs default privileges for the
//! database owner — on 15+ `public` belongs to `pg_database_owner`, on 14 to
//! the bootstrap superuser, and neither is who runs the migrations.

use crate::support::cluster::Cluster;

const SPEC: &str = "version: 1
external_roles: [postgres]
roles:
  app_owner:
    login: true
    password: { env: APP_OWNER_PASSWORD }
  analyst: {}
database:
  owner: app_owner
schemas:
  public:
    grants:
      - { on: tables, to: [analyst], privileges: [SELECT] }
";

#[test]
fn tables_the_database_owner_creates_later_in_public_are_readable_on_every_major() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let url = cluster.superuser_url("app");
    let run = |args: &[&str]| {
        let mut cmd = crate::cmd::pg_provision();
        cmd.env("APP_OWNER_PASSWORD", "owner-Secret-1")
            .arg("-f")
            .arg(&spec)
            .arg("--database-url")
            .arg(&url)
            .args(args);
        crate::cmd::run(&mut cmd)
    };
    let apply = run(&["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    crate::cmd::assert_converged_with(run);

    // The application's migration, as the database owner.
    let mut app = postgres::Client::connect(
        &cluster.url("app_owner", "owner-Secret-1", "app"),
        postgres::NoTls,
    )
    .unwrap();
    app.batch_execute("CREATE TABLE public.later (x int)")
        .unwrap();
    let mut admin = cluster.client("app");
    let readable: bool = admin
        .query_one(
            "SELECT has_table_privilege('analyst', 'public.later', 'SELECT')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        readable,
        "analyst cannot read a table app_owner created later"
    );
    let creators: Vec<String> = admin
        .query(
            "SELECT pg_get_userbyid(defaclrole) FROM pg_default_acl d \
             JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(creators, ["app_owner"]);
    // And nothing left to do afterwards.
    let check = run(&["check"]);
    assert_eq!(check.code, 0, "{check:?}");
}
