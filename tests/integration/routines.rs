//! Functions, procedures and views defined by the spec (issue 3, routines
//! slice): the task tracker's `api` views and SECURITY DEFINER
//! `register_user`/`login`, and the audited shop's `create_app_user`.

use crate::cmd::Run;
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

const API_USER_PASSWORD: &str = "api-Secret-1";
const OUTSIDER_PASSWORD: &str = "outsider-Secret-2";

/// The task tracker's tables, made by hand (adopted by the spec).
const TABLES: &str = "
CREATE EXTENSION pgcrypto;
CREATE SCHEMA app_data;
CREATE TABLE app_data.users (
    user_id SERIAL PRIMARY KEY,
    username VARCHAR(255) UNIQUE NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW());
CREATE TABLE app_data.tasks (
    task_id SERIAL PRIMARY KEY,
    task_name VARCHAR(255) UNIQUE NOT NULL,
    description TEXT);
CREATE TABLE app_data.task_assignments (
    assignment_id SERIAL PRIMARY KEY,
    task_id INT NOT NULL REFERENCES app_data.tasks(task_id),
    user_id INT NOT NULL REFERENCES app_data.users(user_id),
    assigned_at TIMESTAMPTZ DEFAULT NOW(),
    completed_at TIMESTAMPTZ,
    is_approved BOOLEAN DEFAULT NULL,
    UNIQUE(task_id, user_id, completed_at));
INSERT INTO app_data.tasks (task_name, description) VALUES ('Trash Duty', 'Take out the trash.');
";

const REGISTER_USER: &str = "
DECLARE
  v_user_id INT;
BEGIN
  IF p_username IS NULL OR LENGTH(TRIM(p_username)) = 0 THEN
    RETURN json_build_object('error', 'Username cannot be empty');
  END IF;
  IF EXISTS (SELECT 1 FROM app_data.users WHERE username = p_username) THEN
    RETURN json_build_object('error', 'Username already exists');
  END IF;
  INSERT INTO app_data.users (username, password_hash)
  VALUES (p_username, crypt(p_password, gen_salt('bf')))
  RETURNING user_id INTO v_user_id;
  RETURN json_build_object('user_id', v_user_id, 'message', 'User registered successfully');
END;
";

const LOGIN: &str = "
DECLARE
  v_user_record RECORD;
BEGIN
  SELECT user_id, username INTO v_user_record
  FROM app_data.users
  WHERE username = p_username AND password_hash = crypt(p_password, password_hash);
  IF v_user_record.user_id IS NULL THEN
    RETURN json_build_object('error', 'Invalid credentials');
  END IF;
  RETURN json_build_object('user_id', v_user_record.user_id, 'message', 'Login successful');
END;
";

/// The spec; `users_query` is the `api.users` view's query.
fn tracker_spec(users_query: &str) -> String {
    format!(
        r#"version: 1
roles:
  app_owner: {{}}
  api_anon: {{}}
  api_authenticated: {{}}
  api_user:
    login: true
    password: {{ env: API_USER_PASSWORD }}
    member_of: [api_anon, api_authenticated]
  outsider:
    login: true
    password: {{ env: OUTSIDER_PASSWORD }}
extensions: {{ pgcrypto: {{ schema: public }} }}
schemas:
  app_data:
    owner: app_owner
    tables: {{ users: {{}}, tasks: {{}}, task_assignments: {{}} }}
  api:
    owner: app_owner
    grants:
      - {{ to: [api_anon, api_authenticated, outsider], privileges: [USAGE] }}
    views:
      users:
        query: "{users_query}"
        grants: [{{ to: [api_anon, api_authenticated], privileges: [SELECT] }}]
      user_names:
        query: select user_id, upper(username) as name from api.users
        security_barrier: true
        grants: [{{ to: [api_anon], privileges: [SELECT] }}]
        comment: names in capitals
      tasks:
        query: |
          SELECT task_id, task_name, description
          FROM app_data.tasks;
        security_invoker: true
        grants: [{{ to: [api_anon, api_authenticated], privileges: [SELECT] }}]
      stats:
        query: select app_functions.task_count() as tasks
        grants: [{{ to: [api_anon], privileges: [SELECT] }}]
      task_assignments:
        query_file: sql/task_assignments.sql
        grants: [{{ to: [api_authenticated], privileges: [SELECT] }}]
  app_functions:
    owner: app_owner
    grants:
      - {{ to: [api_anon, api_authenticated, outsider], privileges: [USAGE] }}
    functions:
      register_user:
        args: "p_username text, p_password text"
        returns: json
        language: plpgsql
        security: definer
        search_path: [pg_catalog, public, pg_temp]
        body_file: sql/register_user.sql
        grants: [{{ to: [api_anon], privileges: [EXECUTE] }}]
      login:
        args: "p_username TEXT, p_password TEXT"
        returns: json
        language: plpgsql
        security: definer
        search_path: [pg_catalog, public, pg_temp]
        body_file: sql/login.sql
        grants: [{{ to: [api_authenticated], privileges: [EXECUTE] }}]
      task_count:
        args: ""
        returns: bigint
        language: sql
        volatility: stable
        parallel: safe
        body: select count(*) from app_data.tasks
"#
    )
}

const TASK_ASSIGNMENTS: &str = "SELECT
    ta.assignment_id, ta.task_id, t.task_name, ta.user_id, u.username AS assigned_to,
    ta.assigned_at, ta.completed_at, ta.is_approved
FROM app_data.task_assignments ta
JOIN app_data.users u ON ta.user_id = u.user_id
JOIN app_data.tasks t ON ta.task_id = t.task_id
";

struct Tracker {
    cluster: Cluster,
    dir: tempfile::TempDir,
}

impl Tracker {
    fn new() -> Self {
        let cluster = Cluster::start();
        cluster.create_database("tracker");
        sql_ok(&cluster, TABLES);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sql")).unwrap();
        let t = Tracker { cluster, dir };
        t.write("sql/register_user.sql", REGISTER_USER);
        t.write("sql/login.sql", LOGIN);
        t.write("sql/task_assignments.sql", TASK_ASSIGNMENTS);
        t.write(
            "provision.yaml",
            &tracker_spec("select user_id, username, created_at from app_data.users"),
        );
        t
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("provision.yaml")
    }

    fn run(&self, args: &[&str]) -> Run {
        provision_with_env(&self.spec(), &self.cluster.superuser_url("tracker"), args)
    }

    /// `SELECT …` as `api_user` after `SET ROLE role`: Ok(text) or Err(error).
    fn as_role(&self, role: &str, sql: &str) -> Result<String, String> {
        query_as(&self.cluster, "api_user", API_USER_PASSWORD, role, sql)
    }
}

fn provision_with_env(spec: &Path, url: &str, args: &[&str]) -> Run {
    let mut cmd = crate::cmd::pg_provision();
    cmd.env("API_USER_PASSWORD", API_USER_PASSWORD)
        .env("OUTSIDER_PASSWORD", OUTSIDER_PASSWORD)
        .arg("-f")
        .arg(spec)
        .arg("--database-url")
        .arg(url)
        .args(args);
    crate::cmd::run(&mut cmd)
}

fn sql_ok(cluster: &Cluster, sql: &str) {
    cluster
        .client("tracker")
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn query(cluster: &Cluster, sql: &str) -> String {
    let row = cluster.client("tracker").query_one(sql, &[]).unwrap();
    row.get::<_, Option<String>>(0).unwrap_or_default()
}

fn query_as(
    cluster: &Cluster,
    user: &str,
    password: &str,
    role: &str,
    sql: &str,
) -> Result<String, String> {
    let mut client =
        postgres::Client::connect(&cluster.url(user, password, "tracker"), postgres::NoTls)
            .map_err(|e| e.to_string())?;
    if !role.is_empty() {
        client
            .batch_execute(&format!("SET ROLE {role}"))
            .map_err(|e| e.to_string())?;
    }
    client
        .query_one(sql, &[])
        .map(|row| row.get::<_, Option<String>>(0).unwrap_or_default())
        .map_err(|e| match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        })
}

fn assert_converged(t: &Tracker) {
    crate::cmd::assert_converged_with(|args| t.run(args));
}

fn executed_sql(run: &Run) -> Vec<String> {
    run.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sql"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn task_tracker_views_and_definer_functions() {
    let t = Tracker::new();
    let first = t.run(&["apply", "--output", "json"]);
    if t.cluster.major() < 15 {
        // The fixture's views use `security_invoker`, which 14 lacks: the plan
        // is refused up front, naming the key, and nothing runs.
        assert_eq!(first.code, 1, "{first:?}");
        assert!(
            first
                .stderr
                .contains("`security_invoker` needs PostgreSQL 15 or later"),
            "{first:?}"
        );
        return;
    }
    assert_eq!(first.code, 0, "{first:?}");
    assert_converged(&t);

    // Owned by app_owner, definer functions pinned, PUBLIC cannot execute.
    assert_eq!(
        query(
            &t.cluster,
            "SELECT string_agg(p.proname || ':' || pg_get_userbyid(p.proowner) || ':' || p.prosecdef || ':' || array_to_string(p.proconfig, ';'), ' ' ORDER BY p.proname)
             FROM pg_proc p WHERE p.pronamespace = 'app_functions'::regnamespace AND p.prosecdef"
        ),
        "login:app_owner:true:search_path=pg_catalog, public, pg_temp register_user:app_owner:true:search_path=pg_catalog, public, pg_temp"
    );
    assert_eq!(
        query(
            &t.cluster,
            "SELECT string_agg(relname || ':' || pg_get_userbyid(relowner) || ':' || coalesce(array_to_string(reloptions, ','), ''), ' ' ORDER BY relname)
             FROM pg_class WHERE relnamespace = 'api'::regnamespace"
        ),
        "stats:app_owner: task_assignments:app_owner: tasks:app_owner:security_invoker=true user_names:app_owner:security_barrier=true users:app_owner:"
    );
    assert_eq!(
        query(
            &t.cluster,
            "SELECT obj_description('api.user_names'::regclass, 'pg_class')"
        ),
        "names in capitals"
    );

    // As the application would: api_anon registers; only api_authenticated logs in.
    let registered = t
        .as_role(
            "api_anon",
            "SELECT app_functions.register_user('alice', 'pw-1')::text",
        )
        .unwrap();
    assert!(
        registered.contains("registered successfully"),
        "{registered}"
    );
    let denied = t
        .as_role(
            "api_anon",
            "SELECT app_functions.login('alice', 'pw-1')::text",
        )
        .unwrap_err();
    assert!(denied.contains("permission denied"), "{denied}");
    let login = t
        .as_role(
            "api_authenticated",
            "SELECT app_functions.login('alice', 'pw-1')::text",
        )
        .unwrap();
    assert!(login.contains("Login successful"), "{login}");
    // A role with no grant cannot execute the definer function.
    let outsider = query_as(
        &t.cluster,
        "outsider",
        OUTSIDER_PASSWORD,
        "",
        "SELECT app_functions.register_user('mallory', 'x')::text",
    )
    .unwrap_err();
    assert!(outsider.contains("permission denied"), "{outsider}");
    // Views read through their owner; the raw table stays closed.
    assert_eq!(
        t.as_role("api_anon", "SELECT name FROM api.user_names")
            .unwrap(),
        "ALICE"
    );
    // security_invoker: api.tasks reads app_data.tasks with the reader's rights.
    let invoker = t
        .as_role("api_anon", "SELECT task_name FROM api.tasks")
        .unwrap_err();
    assert!(
        invoker.contains("permission denied for table tasks"),
        "{invoker}"
    );
    // A view reading a function created in the same run.
    assert_eq!(query(&t.cluster, "SELECT tasks::text FROM api.stats"), "1");
    let raw = t
        .as_role("api_anon", "SELECT username FROM app_data.users")
        .unwrap_err();
    assert!(raw.contains("permission denied"), "{raw}");

    // A new body is CREATE OR REPLACE: grants survive.
    t.write(
        "sql/register_user.sql",
        &REGISTER_USER.replace("registered successfully", "welcome aboard"),
    );
    let changed = t.run(&["apply", "--output", "json"]);
    assert_eq!(changed.code, 0, "{changed:?}");
    let sql = executed_sql(&changed);
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(
        sql[0].starts_with(r#"CREATE OR REPLACE FUNCTION "app_functions"."register_user"(p_username text, p_password text) RETURNS json LANGUAGE "plpgsql" SECURITY DEFINER SET "search_path" = 'pg_catalog', 'public', 'pg_temp' AS $pgp$"#),
        "{sql:?}"
    );
    let welcome = t
        .as_role(
            "api_anon",
            "SELECT app_functions.register_user('bob', 'pw-2')::text",
        )
        .unwrap();
    assert!(welcome.contains("welcome aboard"), "{welcome}");
    assert_converged(&t);

    // Dropping a column of api.users: drop and re-create it with the view
    // that reads it; owners and grants are restored in the same run.
    t.write(
        "provision.yaml",
        &tracker_spec("select user_id, username from app_data.users"),
    );
    let recreated = t.run(&["apply", "--output", "json"]);
    assert_eq!(recreated.code, 0, "{recreated:?}");
    let sql = executed_sql(&recreated);
    let pos = |prefix: &str| {
        sql.iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in {sql:#?}"))
    };
    assert!(pos(r#"DROP VIEW "api"."user_names""#) < pos(r#"DROP VIEW "api"."users""#));
    assert!(pos(r#"DROP VIEW "api"."users""#) < pos(r#"CREATE VIEW "api"."users""#));
    assert!(pos(r#"CREATE VIEW "api"."users""#) < pos(r#"CREATE VIEW "api"."user_names""#));
    assert!(pos(r#"ALTER VIEW "api"."users" OWNER TO "app_owner""#) > 0);
    assert_eq!(
        t.as_role(
            "api_anon",
            "SELECT name FROM api.user_names ORDER BY 1 LIMIT 1"
        )
        .unwrap(),
        "ALICE"
    );
    assert_eq!(
        t.as_role(
            "api_authenticated",
            "SELECT username FROM api.users ORDER BY 1 LIMIT 1"
        )
        .unwrap(),
        "alice"
    );
    assert_eq!(
        query(
            &t.cluster,
            "SELECT string_agg(relname || ':' || pg_get_userbyid(relowner) || ':' || coalesce(array_to_string(reloptions, ','), '') || ':' || coalesce(obj_description(oid, 'pg_class'), ''), ' ' ORDER BY relname)
             FROM pg_class WHERE relnamespace = 'api'::regnamespace AND relname LIKE 'user%'"
        ),
        "user_names:app_owner:security_barrier=true:names in capitals users:app_owner::"
    );
    assert_converged(&t);

    // Adding a column at the end is CREATE OR REPLACE VIEW, not a drop.
    t.write(
        "provision.yaml",
        &tracker_spec("select user_id, username, created_at as joined from app_data.users"),
    );
    let replaced = t.run(&["apply", "--output", "json"]);
    assert_eq!(replaced.code, 0, "{replaced:?}");
    let sql = executed_sql(&replaced);
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(
        sql[0].starts_with(r#"CREATE OR REPLACE VIEW "api"."users" AS"#),
        "{sql:?}"
    );
    assert_converged(&t);

    // A view changed to read a view created in the same run: the new view
    // first, then (once it exists) the replaced one.
    let spec = tracker_spec("select user_id, username, created_at as joined from app_data.users")
        .replace(
            "        query: select app_functions.task_count() as tasks\n",
            "        query: select app_functions.task_count() as tasks, (select id from api.first_user) as first_user\n",
        )
        .replace(
            "      task_assignments:\n",
            "      first_user:\n        query: select min(user_id) as id from api.users\n      task_assignments:\n",
        );
    t.write("provision.yaml", &spec);
    let chained = t.run(&["apply", "--output", "json"]);
    assert_eq!(chained.code, 0, "{chained:?}");
    let sql = executed_sql(&chained);
    let pos = |prefix: &str| {
        sql.iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in {sql:#?}"))
    };
    assert!(
        pos(r#"CREATE VIEW "api"."first_user""#) < pos(r#"CREATE OR REPLACE VIEW "api"."stats""#)
    );
    assert_eq!(
        query(&t.cluster, "SELECT first_user::text FROM api.stats"),
        "1"
    );
    assert_converged(&t);
}

/// The audited shop's helper (seed 003): owned by a NOLOGIN CREATEROLE role,
/// SECURITY DEFINER, creating or updating a login idempotently.
const SHOP_SPEC: &str = r#"version: 1
roles:
  civitai_owner:
    createrole: true
    member_of: [{ role: civitai_user, admin: true }]
  civitai_user: {}
schemas:
  civitai:
    owner: civitai_owner
    functions:
      create_app_user:
        args: "p_username text, p_password text"
        returns: void
        language: plpgsql
        security: definer
        search_path: [pg_catalog, pg_temp]
        comment: creates or updates a login that belongs to civitai_user
        body: |
          BEGIN
            IF p_username !~ '^[a-z_][a-z0-9_]*$' THEN
              RAISE EXCEPTION 'invalid user name %', p_username;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
              EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', p_username, p_password);
            ELSE
              EXECUTE format('CREATE ROLE %I WITH LOGIN PASSWORD %L', p_username, p_password);
            END IF;
            IF NOT pg_has_role(p_username, 'civitai_user', 'MEMBER') THEN
              EXECUTE format('GRANT civitai_user TO %I', p_username);
            END IF;
          END;
"#;

#[test]
fn createrole_owner_helper_creates_logins_idempotently() {
    let cluster = Cluster::start();
    cluster.create_database("tracker");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SHOP_SPEC).unwrap();
    let url = cluster.superuser_url("tracker");
    let first = provision_with_env(&spec, &url, &["apply"]);
    assert_eq!(first.code, 0, "{first:?}");
    let again = provision_with_env(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    assert_eq!(provision_with_env(&spec, &url, &["check"]).code, 0);
    assert_eq!(
        query(
            &cluster,
            "SELECT pg_get_userbyid(proowner) || ':' || prosecdef || ':' || has_function_privilege('public', oid, 'EXECUTE')
             FROM pg_proc WHERE proname = 'create_app_user'"
        ),
        "civitai_owner:true:false"
    );
    for password in ["first-Pw-1", "second-Pw-2"] {
        sql_ok(
            &cluster,
            &format!("SELECT civitai.create_app_user('richard', '{password}')"),
        );
    }
    let who = query_as(
        &cluster,
        "richard",
        "second-Pw-2",
        "",
        "SELECT current_user || ':' || pg_has_role('civitai_user', 'MEMBER')",
    )
    .unwrap();
    assert_eq!(who, "richard:true");
    assert_eq!(provision_with_env(&spec, &url, &["check"]).code, 0);
}

#[test]
fn invalid_definitions_exit_65_naming_the_yaml_path() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(
        &spec,
        "version: 1\nschemas:\n  app:\n    functions:\n      f:\n        args: \"\"\n        returns: int\n        language: sql\n        security: definer\n        body_file: sql/f.sql\n",
    )
    .unwrap();
    let run = crate::cmd::run(
        crate::cmd::pg_provision()
            .arg("-f")
            .arg(&spec)
            .arg("validate"),
    );
    assert_eq!(run.code, 65, "{run:?}");
    assert!(
        run.stderr
            .contains("schemas.app.functions.f.body_file: cannot read"),
        "{run:?}"
    );
    std::fs::create_dir(dir.path().join("sql")).unwrap();
    std::fs::write(dir.path().join("sql/f.sql"), "select 1").unwrap();
    let run = crate::cmd::run(
        crate::cmd::pg_provision()
            .arg("-f")
            .arg(&spec)
            .arg("validate"),
    );
    assert_eq!(run.code, 65, "{run:?}");
    assert!(
        run.stderr.contains(
            "schemas.app.functions.f.security: a SECURITY DEFINER function needs a pinned `search_path`"
        ),
        "{run:?}"
    );
    assert!(run.stderr.contains(":9:"), "{run:?}");
}

/// SQL-language bodies are checked once the whole run's objects exist: a
/// function may read a view, or call a function, created later in the same
/// run; a body that is wrong still fails the run, naming its routine, and
/// nothing is left behind.
const LATER_OBJECTS: &str = r#"version: 1
schemas:
  shop:
    tables:
      orders:
        columns:
          - { name: id, type: integer, primary_key: true }
          - { name: open, type: boolean, not_null: true, default: "true" }
    views:
      open_orders:
        query: SELECT id FROM shop.orders WHERE open
    functions:
      a_open_count:
        returns: bigint
        language: sql
        body: SELECT shop.b_open_count()
      b_open_count:
        returns: bigint
        language: sql
        body: SELECT count(*) FROM shop.open_orders
"#;

#[test]
fn sql_bodies_may_read_views_and_routines_made_later_in_the_run() {
    let cluster = Cluster::start();
    cluster.create_database("tracker");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    let url = cluster.superuser_url("tracker");

    std::fs::write(
        &spec,
        LATER_OBJECTS.replace("FROM shop.open_orders", "FROM shop.no_such_view"),
    )
    .unwrap();
    let broken = provision_with_env(&spec, &url, &["apply"]);
    assert_eq!(broken.code, 1, "{broken:?}");
    for expected in [
        "relation \"shop.no_such_view\" does not exist",
        "schemas.shop.functions.b_open_count",
        "rolled back",
    ] {
        assert!(broken.stderr.contains(expected), "{expected}: {broken:?}");
    }
    assert_eq!(
        query(
            &cluster,
            "SELECT count(*)::text FROM pg_namespace WHERE nspname = 'shop'"
        ),
        "0"
    );

    std::fs::write(&spec, LATER_OBJECTS).unwrap();
    let apply = provision_with_env(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    sql_ok(
        &cluster,
        "INSERT INTO shop.orders VALUES (1, true), (2, false), (3, true)",
    );
    assert_eq!(query(&cluster, "SELECT shop.a_open_count()::text"), "2");
    let again = provision_with_env(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    assert_eq!(provision_with_env(&spec, &url, &["check"]).code, 0);
}

/// Overloads: two entries, one `name`, different `args`; each converges on
/// its own (privileges, body) and a third entry spelling the same argument
/// types as another is refused before anything runs.
const OVERLOADS: &str = r#"version: 1
roles:
  geo_reader: {}
schemas:
  geo:
    grants:
      - { to: [geo_reader], privileges: [USAGE] }
    functions:
      area_of_circle:
        name: area
        args: "r integer"
        returns: numeric
        language: sql
        volatility: immutable
        body: SELECT round(pi()::numeric * r * r, 2)
        grants: [{ to: [geo_reader], privileges: [EXECUTE] }]
      area_of_rectangle:
        name: area
        args: "w numeric, h numeric"
        returns: numeric
        language: sql
        volatility: immutable
        body: SELECT w * h
"#;

#[test]
fn overloads_are_declared_once_each_under_their_own_key() {
    let cluster = Cluster::start();
    cluster.create_database("tracker");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    let url = cluster.superuser_url("tracker");
    std::fs::write(&spec, OVERLOADS).unwrap();
    let apply = provision_with_env(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        query(
            &cluster,
            "SELECT string_agg(pg_get_function_identity_arguments(p.oid) || ' -> '
                || has_function_privilege('geo_reader', p.oid, 'EXECUTE'), '; '
                ORDER BY pg_get_function_identity_arguments(p.oid))
             FROM pg_proc p WHERE p.proname = 'area' AND p.pronamespace = 'geo'::regnamespace"
        ),
        "r integer -> true; w numeric, h numeric -> true"
    );
    // PUBLIC keeps EXECUTE on both (not definer): geo_reader has it on the
    // rectangle through PUBLIC; only the circle carries its own grant.
    assert_eq!(
        query(
            &cluster,
            "SELECT string_agg(coalesce(p.proacl::text, 'default'), '; ' ORDER BY pg_get_function_identity_arguments(p.oid))
             FROM pg_proc p WHERE p.proname = 'area' AND p.pronamespace = 'geo'::regnamespace"
        ),
        "{=X/postgres,postgres=X/postgres,geo_reader=X/postgres}; default"
    );
    assert_eq!(query(&cluster, "SELECT geo.area(2)::text"), "12.57");
    assert_eq!(query(&cluster, "SELECT geo.area(2.5, 4)::text"), "10.0");
    let again = provision_with_env(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    assert_eq!(provision_with_env(&spec, &url, &["check"]).code, 0);

    // A new body for one overload replaces that one only.
    std::fs::write(&spec, OVERLOADS.replace("SELECT w * h", "SELECT h * w")).unwrap();
    let changed = provision_with_env(&spec, &url, &["apply", "--output", "json"]);
    let sql = executed_sql(&changed);
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(
        sql[0].starts_with(r#"CREATE OR REPLACE FUNCTION "geo"."area"(w numeric, h numeric)"#),
        "{sql:?}"
    );

    // The same argument types declared twice: refused, nothing runs.
    std::fs::write(
        &spec,
        format!(
            "{OVERLOADS}      area_again:\n        name: area\n        args: \"integer\"\n        comment: again\n"
        ),
    )
    .unwrap();
    let twice = provision_with_env(&spec, &url, &["apply"]);
    assert_ne!(twice.code, 0, "{twice:?}");
    assert!(
        twice.stderr.contains("declared twice")
            && twice.stderr.contains("schemas.geo.functions.area_again")
            && twice
                .stderr
                .contains("schemas.geo.functions.area_of_circle"),
        "{twice:?}"
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT coalesce(obj_description('geo.area(integer)'::regprocedure), 'none')"
        ),
        "none"
    );
}
