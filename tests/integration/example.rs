//! The shipped example, `provision/provision.yaml` (the task tracker), on
//! every major: converges, a second run does nothing, and the API behaves as
//! PostgREST would use it.

use crate::support::cluster::Cluster;
use std::path::Path;

const AUTH_PW: &str = "tracker-auth-Secret-1";

/// The example with its `/run/secrets/` paths pointed at a temporary directory.
pub(crate) fn example_spec(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("provision");
    let text = std::fs::read_to_string(root.join("provision.yaml"))
        .unwrap()
        .replace("/run/secrets/", &format!("{}/", dir.display()));
    std::fs::write(dir.join("authenticator_password"), format!("{AUTH_PW}\n")).unwrap();
    let sql = dir.join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    for f in ["register_user.sql", "login.sql"] {
        std::fs::copy(root.join("sql").join(f), sql.join(f)).unwrap();
    }
    let spec = dir.join("provision.yaml");
    std::fs::write(&spec, text).unwrap();
    spec
}

#[test]
fn task_tracker_example_converges_and_serves_the_api() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = example_spec(dir.path());
    let url = cluster.superuser_url("app");

    // `plan` announces the second pass that settles created objects' owners
    // and privileges (it cannot print those statements before they exist).
    let plan = crate::cmd::provision(&spec, &url, &["plan", "--output", "json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let settled = plan.json()["created"].clone();
    for name in [
        "app_data.users",
        "api.tasks",
        "app_functions.login(p_username text, p_password text)",
    ] {
        assert!(
            settled.as_array().unwrap().iter().any(|n| n == name),
            "{name} not in {settled}"
        );
    }
    let human = crate::cmd::provision(&spec, &url, &["plan"]);
    assert!(
        human.stdout.contains("-- then, in the same transaction"),
        "{human:?}"
    );

    let apply = crate::cmd::provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(apply.json()["created"], settled, "{apply:?}");
    let again = crate::cmd::provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    assert_eq!(again.json()["created"], serde_json::json!([]), "{again:?}");
    let check = crate::cmd::provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");

    serves_the_api(&cluster);

    let mut admin = cluster.client("app");
    // The rows the API added are still there after another apply (seeds only insert).
    assert_eq!(crate::cmd::provision(&spec, &url, &["apply"]).code, 0);
    let users: i64 = admin
        .query_one("SELECT count(*) FROM app_data.users", &[])
        .unwrap()
        .get(0);
    assert_eq!(users, 4);
}

#[test]
fn task_tracker_example_equals_handwritten_sql() {
    let dir = tempfile::tempdir().unwrap();
    let built = crate::handwritten::Example {
        spec: example_spec(dir.path()),
        env: &[],
        database: "app",
        before: None,
        handwritten: crate::cmd::fixtures().join("examples/tracker/handwritten.sql"),
    }
    .assert_matches_handwritten();
    // The hand-built twin is not only equal in the catalog: it serves the same API.
    serves_the_api(&built.tool);
    serves_the_api(&built.dba);
}

/// A database first built by hand-written init scripts with the usual mistakes
/// (see the fixture's header): one `apply --prune` converges it to exactly what
/// the clean hand-written SQL builds, and no row changes.
#[test]
fn task_tracker_fixes_a_database_built_by_faulty_init_scripts() {
    let fixtures = crate::cmd::fixtures().join("examples/tracker");
    let faulty = Cluster::start();
    faulty.create_database("app");
    crate::handwritten::psql_file(&faulty, "app", &fixtures.join("faulty-init.sql"));
    let clean = Cluster::start();
    clean.create_database("app");
    crate::handwritten::psql_file(&clean, "app", &fixtures.join("handwritten.sql"));

    let dir = tempfile::tempdir().unwrap();
    let spec = example_spec(dir.path());
    let url = faulty.superuser_url("app");
    let tables = [
        "app_data.users",
        "app_data.tasks",
        "app_data.task_assignments",
    ];
    let rows_before = crate::handwritten::rows(&faulty, "app", &tables);
    assert!(rows_before.contains("\"alice\""), "{rows_before}");

    let check = crate::cmd::provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "the mistakes are drift: {check:?}");
    let apply = crate::cmd::provision(&spec, &url, &["apply", "--prune"]);
    assert_eq!(apply.code, 0, "{apply:?}");

    crate::fingerprint::assert_same_catalogs(
        "app",
        ("faulty init + apply", &faulty),
        ("hand-written SQL", &clean),
    );
    assert_eq!(
        crate::handwritten::rows(&faulty, "app", &tables),
        rows_before,
        "apply changed rows"
    );
    let again = crate::cmd::provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let check = crate::cmd::provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

/// The API behaves as PostgREST uses it: the authenticator logs in over TCP and
/// switches to api_anon, reads the views, is refused the raw tables and writes,
/// registers and logs in through the SECURITY DEFINER functions; a role without
/// grants cannot execute them. Registers `alice`.
pub(crate) fn serves_the_api(cluster: &Cluster) {
    // As PostgREST: log in as the authenticator over TCP, SET ROLE api_anon.
    let mut api = postgres::Client::connect(
        &cluster.url("authenticator", AUTH_PW, "app"),
        postgres::NoTls,
    )
    .expect("authenticator logs in");
    api.batch_execute("SET ROLE api_anon").unwrap();
    let tasks: i64 = api
        .query_one("SELECT count(*) FROM api.tasks", &[])
        .unwrap()
        .get(0);
    assert_eq!(tasks, 6);
    for denied in [
        "SELECT * FROM app_data.tasks",
        "SELECT * FROM api.users",
        "INSERT INTO api.tasks (task_name) VALUES ('x')",
    ] {
        let e = api.batch_execute(denied).expect_err(denied);
        assert!(
            e.to_string().contains("permission denied") || format!("{e:?}").contains("42501"),
            "{denied}: {e:?}"
        );
    }
    let registered: String = api
        .query_one(
            "SELECT app_functions.register_user('alice', 'alice-password')::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(registered.contains("\"alice\""), "{registered}");
    let login: String = api
        .query_one(
            "SELECT app_functions.login('alice', 'alice-password')->>'username'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(login, "alice");

    // A role without grants cannot execute the SECURITY DEFINER functions.
    cluster
        .client("app")
        .batch_execute("CREATE ROLE nobody LOGIN PASSWORD 'nobody-pw'; GRANT CONNECT ON DATABASE app TO nobody; GRANT USAGE ON SCHEMA app_functions TO nobody")
        .unwrap();
    let mut nobody =
        postgres::Client::connect(&cluster.url("nobody", "nobody-pw", "app"), postgres::NoTls)
            .unwrap();
    let e = nobody
        .batch_execute("SELECT app_functions.login('alice', 'alice-password')")
        .expect_err("no EXECUTE for PUBLIC");
    assert!(format!("{e:?}").contains("42501"), "{e:?}");
}
