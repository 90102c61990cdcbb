//! Managed PostgreSQL (issue 10): everything works as the cloud's admin role —
//! LOGIN CREATEROLE CREATEDB, owner of the database, not superuser — on every
//! major. The three shipped examples converge, check clean and re-apply as a
//! no-op, to the catalog a superuser's run reaches; the admin ends holding no
//! membership nobody declared; and what the admin cannot do is refused before
//! the first statement, naming the object, the right and the spec line.

use crate::cmd::Run;
use crate::fingerprint::{assert_same, fingerprint};
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

const ADMIN: &str = "admin";
const ADMIN_PW: &str = "admin-Secret-1";

/// A cluster whose database `db` belongs to `admin`, as a cloud console
/// creates it. On PostgreSQL 14 `public` is the bootstrap superuser's, which
/// no admin could ever change (pg-provision refuses to, see
/// `what_only_a_superuser_may_do_is_refused_up_front`); the console hands
/// it to the admin here, as Azure and Cloud SQL do.
fn managed(db: &str) -> Cluster {
    let cluster = Cluster::start();
    let mut su = cluster.client("postgres");
    su.batch_execute(&format!(
        "CREATE ROLE {ADMIN} LOGIN CREATEROLE CREATEDB PASSWORD '{ADMIN_PW}'"
    ))
    .unwrap();
    su.batch_execute(&format!("CREATE DATABASE {db} OWNER {ADMIN}"))
        .unwrap();
    if cluster.major() < 15 {
        cluster
            .client(db)
            .batch_execute(&format!("ALTER SCHEMA public OWNER TO {ADMIN}"))
            .unwrap();
    }
    cluster
}

/// Runs pg-provision with `env` as `user` against `db`.
fn run_as(
    cluster: &Cluster,
    spec: &Path,
    env: &[(&str, &str)],
    user: Option<(&str, &str)>,
    db: &str,
    args: &[&str],
) -> Run {
    let url = match user {
        Some((u, pw)) => cluster.url(u, pw, db),
        None => cluster.superuser_url(db),
    };
    let mut cmd = crate::cmd::pg_provision();
    cmd.envs(env.iter().copied())
        .arg("-f")
        .arg(spec)
        .arg("--database-url")
        .arg(url)
        .args(args);
    crate::cmd::run(&mut cmd)
}

/// The fingerprint without the admin's own memberships (PostgreSQL 16+
/// gives a CREATEROLE creator ADMIN on every role it creates).
fn catalog(cluster: &Cluster, db: &str) -> String {
    fingerprint(cluster, db)
        .lines()
        .filter(|l| !l.starts_with(&format!("member {ADMIN} in ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the admin holds after a run: only what PostgreSQL itself granted
/// it as the creator of roles (16+: ADMIN, no INHERIT, no SET).
fn assert_admin_holds_nothing_undeclared(cluster: &Cluster, db: &str) {
    let rows = cluster
        .client(db)
        .query(
            "SELECT r.rolname, m.admin_option, to_jsonb(m) ->> 'inherit_option', \
                    to_jsonb(m) ->> 'set_option', pg_get_userbyid(m.grantor) \
             FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid \
             WHERE m.member = $1::text::regrole",
            &[&ADMIN],
        )
        .unwrap();
    for row in rows {
        let (role, admin, inherit, set, grantor): (
            String,
            bool,
            Option<String>,
            Option<String>,
            String,
        ) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        assert!(
            cluster.major() >= 16
                && admin
                && inherit.as_deref() == Some("false")
                && set.as_deref() == Some("false")
                && grantor == "postgres",
            "the admin still holds membership in `{role}` (admin={admin} inherit={inherit:?} set={set:?} grantor={grantor})"
        );
    }
}

/// The spec at `from` as a managed service's admin adapts it: the admin
/// keeps CONNECT on the database it hands over (pg-provision refuses a run
/// that would lock its own role out), and is the DBA in place of `postgres`.
fn for_admin(from: &Path, to: &Path) {
    let text = std::fs::read_to_string(from)
        .unwrap()
        .replace(
            "external_roles: [postgres]",
            &format!("external_roles: [{ADMIN}]"),
        )
        .replace("for_role: postgres", &format!("for_role: {ADMIN}"))
        .replace(
            "for_roles: [chatbot_user, postgres]",
            &format!("for_roles: [chatbot_user, {ADMIN}]"),
        )
        .replace(
            "    - { to: [authenticator], privileges: [CONNECT] }",
            &format!("    - {{ to: [authenticator, {ADMIN}], privileges: [CONNECT] }}"),
        )
        .replace(
            "{ to: [chatbot_reader], privileges: [CONNECT] }",
            &format!("{{ to: [chatbot_reader, {ADMIN}], privileges: [CONNECT] }}"),
        );
    std::fs::write(to, text).unwrap();
}

/// The shape every example shares: a superuser's run on one cluster, the
/// admin's on another (both databases owned by the admin, `before` run as
/// the admin in both), equal catalogs, a clean check, a no-op second apply.
fn as_admin_equals_superuser(
    spec: &Path,
    env: &[(&str, &str)],
    db: &str,
    before: Option<&Path>,
) -> (Cluster, Cluster) {
    let su = managed(db);
    let admin = managed(db);
    for c in [&su, &admin] {
        if let Some(before) = before {
            let out = c
                .psql_command_as(ADMIN, ADMIN_PW, db)
                .arg("-v")
                .arg(format!("DBNAME={db}"))
                .arg("-f")
                .arg(before)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let by_su = run_as(&su, spec, env, None, db, &["apply"]);
    assert_eq!(by_su.code, 0, "{by_su:?}");
    let plan = run_as(&admin, spec, env, Some((ADMIN, ADMIN_PW)), db, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains(&format!("TO \"{ADMIN}\"")),
        "the plan shows what the admin grants itself: {plan:?}"
    );
    let by_admin = run_as(&admin, spec, env, Some((ADMIN, ADMIN_PW)), db, &["apply"]);
    assert_eq!(by_admin.code, 0, "{by_admin:?}");
    assert_same(
        "superuser",
        &catalog(&su, db),
        "cloud admin",
        &catalog(&admin, db),
    );
    crate::cmd::assert_converged_with(|args| {
        run_as(&admin, spec, env, Some((ADMIN, ADMIN_PW)), db, args)
    });
    assert_admin_holds_nothing_undeclared(&admin, db);
    (su, admin)
}

#[test]
fn task_tracker_as_the_cloud_admin() {
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::example::example_spec(dir.path());
    for_admin(&spec.clone(), &spec);
    let (_, admin) = as_admin_equals_superuser(&spec, &[], "app", None);
    crate::example::serves_the_api(&admin);
}

#[test]
fn audited_shop_as_the_cloud_admin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    for_admin(
        &root.join("provision/examples/audited-shop/provision.yaml"),
        &spec,
    );
    for f in [
        "audit_event.sql",
        "create_app_user.sql",
        "set_created_updated_by.sql",
    ] {
        std::fs::create_dir_all(dir.path().join("sql")).unwrap();
        std::fs::copy(
            root.join("provision/examples/audited-shop/sql").join(f),
            dir.path().join("sql").join(f),
        )
        .unwrap();
    }
    let env = [
        ("SHOP_RICHARD_PASSWORD", "richard-Secret-1"),
        ("SHOP_ALICE_PASSWORD", "alice-Secret-1"),
    ];
    let (_, admin) = as_admin_equals_superuser(&spec, &env, "shop", None);
    // A login can do what the spec says: richard writes an order, the
    // trigger stamps him, and alice does not see it (row-level security).
    let mut richard = postgres::Client::connect(
        &admin.url("richard", "richard-Secret-1", "shop"),
        postgres::NoTls,
    )
    .unwrap();
    let orders: i64 = richard
        .query_one("SELECT count(*) FROM shop.orders", &[])
        .unwrap()
        .get(0);
    assert!(orders >= 0);
}

/// The chatbot hand-over where the legacy tables are the admin's (a managed
/// service's admin cannot take over a superuser's tables), and the DBA who
/// creates tables later is the admin.
#[test]
fn chatbot_handover_as_the_cloud_admin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let spec: PathBuf = dir.path().join("provision.yaml");
    for_admin(
        &root.join("provision/examples/chatbot-handover/provision.yaml"),
        &spec,
    );
    let env = [
        ("CHATBOT_USER_PASSWORD", "chatbot-Secret-1"),
        ("METABASE_PASSWORD", "metabase-Secret-2"),
    ];
    let before = root.join("tests/fixtures/examples/chatbot-handover/before.sql");
    let (_, admin) = as_admin_equals_superuser(&spec, &env, "chatbot_db", Some(&before));
    // The reporting login reads, the application writes.
    let mut metabase = postgres::Client::connect(
        &admin.url("metabase", "metabase-Secret-2", "chatbot_db"),
        postgres::NoTls,
    )
    .unwrap();
    metabase
        .query("SELECT count(*) FROM public.users", &[])
        .unwrap();
}

/// Seed rows into a table with FORCE ROW LEVEL SECURITY, whose policy would
/// refuse them: written with the owner's identity and FORCE lifted for them,
/// then a no-op.
#[test]
fn seed_rows_under_forced_row_level_security_as_the_cloud_admin() {
    let cluster = managed("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(
        &spec,
        format!(
            "version: 1
external_roles: [{ADMIN}]
roles:
  app_owner: {{}}
  app_user: {{}}
database: {{ owner: app_owner }}
schemas:
  app:
    owner: app_owner
    tables:
      notes:
        columns:
          - {{ name: id, type: integer, primary_key: true }}
          - {{ name: body, type: text }}
        rls: forced
        policies:
          own: {{ to: [app_user], using: \"false\" }}
        seed:
          key: [id]
          rows:
            - {{ id: 1, body: first }}
            - {{ id: 2, body: second }}
"
        ),
    )
    .unwrap();
    let apply = run_as(
        &cluster,
        &spec,
        &[],
        Some((ADMIN, ADMIN_PW)),
        "app",
        &["apply"],
    );
    assert_eq!(apply.code, 0, "{apply:?}");
    let rows: i64 = cluster
        .client("app")
        .query_one("SELECT count(*) FROM app.notes", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 2);
    let forced: bool = cluster
        .client("app")
        .query_one(
            "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'app.notes'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(forced, "FORCE is back on");
    let again = run_as(
        &cluster,
        &spec,
        &[],
        Some((ADMIN, ADMIN_PW)),
        "app",
        &["apply", "--output", "json"],
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let check = run_as(
        &cluster,
        &spec,
        &[],
        Some((ADMIN, ADMIN_PW)),
        "app",
        &["check"],
    );
    assert_eq!(check.code, 0, "{check:?}");
    assert_admin_holds_nothing_undeclared(&cluster, "app");
}

/// One refusal: the run as the admin exits 1 before changing anything, and
/// says what, why and where.
fn assert_refused(cluster: &Cluster, spec_text: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, spec_text).unwrap();
    let before = fingerprint(cluster, "app");
    let run = run_as(
        cluster,
        &spec,
        &[],
        Some((ADMIN, ADMIN_PW)),
        "app",
        &["apply"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    for e in expect {
        assert!(run.stderr.contains(e), "expected `{e}` in: {run:?}");
    }
    assert_eq!(
        before,
        fingerprint(cluster, "app"),
        "a refused run changed the catalog"
    );
}

#[test]
fn what_only_a_superuser_may_do_is_refused_up_front() {
    let cluster = managed("app");
    let head = format!("version: 1\nexternal_roles: [{ADMIN}, postgres]\n");
    // A superuser attribute.
    assert_refused(
        &cluster,
        &format!("{head}roles:\n  boss: {{ superuser: true }}\n"),
        &[
            "role `boss`: only a superuser may give the SUPERUSER attribute",
            "SUPERUSER",
            "roles.boss (line 4",
        ],
    );
    // An attribute only a superuser (16+: a role holding it) may give.
    assert_refused(
        &cluster,
        &format!("{head}roles:\n  copier: {{ replication: true }}\n"),
        &["role `copier`: only a superuser", "REPLICATION", "line 4"],
    );
    // An extension not marked trusted.
    assert_refused(
        &cluster,
        &format!("{head}extensions:\n  pg_stat_statements: {{}}\n"),
        &[
            "extension `pg_stat_statements` is a superuser's to use",
            "line 4",
        ],
    );
    // A table a superuser owns, to be handed to another role.
    cluster
        .client("app")
        .batch_execute("CREATE TABLE public.legacy (id int)")
        .unwrap();
    assert_refused(
        &cluster,
        &format!(
            "{head}roles:\n  app_owner: {{}}\nschemas:\n  public:\n    tables:\n      legacy: {{ owner: app_owner }}\n"
        ),
        &["`postgres` is a superuser", "legacy"],
    );
}

#[test]
fn a_role_someone_else_created_is_refused_on_16_and_converged_before() {
    let cluster = managed("app");
    cluster
        .client("postgres")
        .batch_execute("CREATE ROLE reporting NOLOGIN")
        .unwrap();
    let spec_text = format!(
        "version: 1\nexternal_roles: [{ADMIN}]\nroles:\n  reporting: {{ comment: reads dashboards }}\n"
    );
    if cluster.major() >= 16 {
        assert_refused(
            &cluster,
            &spec_text,
            &[
                "has no ADMIN OPTION on role `reporting`",
                "roles.reporting (line 4",
            ],
        );
    } else {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("provision.yaml");
        std::fs::write(&spec, spec_text).unwrap();
        let run = run_as(
            &cluster,
            &spec,
            &[],
            Some((ADMIN, ADMIN_PW)),
            "app",
            &["apply"],
        );
        assert_eq!(
            run.code, 0,
            "before 16 CREATEROLE may change any non-superuser role: {run:?}"
        );
    }
}

/// Without `pg_authid` the admin cannot read verifiers: it logs in as the
/// role to know whether the password is already the declared one, so a
/// second run is a no-op, and a changed password is rotated.
#[test]
fn passwords_are_compared_by_logging_in_when_pg_authid_is_unreadable() {
    let cluster = managed("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(
        &spec,
        format!(
            "version: 1\nexternal_roles: [{ADMIN}]\nroles:\n  web:\n    login: true\n    password: {{ env: WEB_PASSWORD }}\ndatabase:\n  grants: [{{ to: [web], privileges: [CONNECT] }}]\n"
        ),
    )
    .unwrap();
    let run = |pw: &str, args: &[&str]| {
        run_as(
            &cluster,
            &spec,
            &[("WEB_PASSWORD", pw)],
            Some((ADMIN, ADMIN_PW)),
            "app",
            args,
        )
    };
    assert_eq!(run("web-Secret-1", &["apply"]).code, 0);
    let again = run("web-Secret-1", &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let check = run("web-Secret-1", &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    assert!(!check.stderr.contains("cannot be compared"), "{check:?}");
    // Rotated: check sees it, apply sets it, the new one logs in.
    let drift = run("web-Secret-2", &["check"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(
        !drift.all_output().contains("web-Secret"),
        "a password leaked: {drift:?}"
    );
    assert_eq!(run("web-Secret-2", &["apply"]).code, 0);
    postgres::Client::connect(&cluster.url("web", "web-Secret-2", "app"), postgres::NoTls)
        .expect("the new password logs in");
    let again = run("web-Secret-2", &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
}

#[test]
fn a_run_that_would_lock_the_admin_out_is_refused() {
    let cluster = managed("app");
    assert_refused(
        &cluster,
        &format!(
            "version: 1\nexternal_roles: [{ADMIN}]\nroles:\n  app_owner: {{}}\ndatabase:\n  owner: app_owner\n  revoke: [{{ from: [PUBLIC], privileges: [CONNECT] }}]\n"
        ),
        &["could not connect to it again", "database (line 5"],
    );
}
