//! Row-level security, policies and triggers on adopted tables, proven as
//! the applications use them: the task tracker's PostgREST roles filtered
//! by policies, and the audited shop's trigger stamping who wrote a row.

use crate::cmd::{Run, pg_provision, run};
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};
use std::process::Output;

const API_PASSWORD: &str = "api-Secret-1";
const RICHARD_PASSWORD: &str = "richard-Secret-2";

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn provision(cluster: &Cluster, spec: &Path, args: &[&str]) -> Run {
    run(pg_provision()
        .env("API_PASSWORD", API_PASSWORD)
        .env("RICHARD_PASSWORD", RICHARD_PASSWORD)
        .arg("-f")
        .arg(spec)
        .arg("--database-url")
        .arg(cluster.superuser_url("app"))
        .args(args))
}

fn executed(run: &Run) -> u64 {
    assert_eq!(run.code, 0, "{run:?}");
    run.json()["executed"].as_u64().unwrap()
}

/// Applies, then proves a second apply executes nothing and `check` is clean.
fn converge(cluster: &Cluster, spec: &Path) -> Run {
    let first = provision(cluster, spec, &["apply", "--output", "json"]);
    assert!(executed(&first) > 0, "{first:?}");
    let second = provision(cluster, spec, &["apply", "--output", "json"]);
    assert_eq!(executed(&second), 0, "{second:?}");
    let check = provision(cluster, spec, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    first
}

/// The task tracker's tables, made by hand as its migrations would.
const TRACKER_TABLES: &str = "
CREATE SCHEMA app_data;
CREATE TABLE app_data.users (user_id serial PRIMARY KEY, username varchar(255) UNIQUE NOT NULL,
  password_hash text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE app_data.tasks (task_id serial PRIMARY KEY, task_name varchar(255) UNIQUE NOT NULL,
  description text);
CREATE TABLE app_data.task_assignments (assignment_id serial PRIMARY KEY,
  task_id int NOT NULL REFERENCES app_data.tasks(task_id),
  user_id int NOT NULL REFERENCES app_data.users(user_id),
  assigned_at timestamptz DEFAULT now(), completed_at timestamptz, is_approved boolean,
  UNIQUE (task_id, user_id, completed_at));
INSERT INTO app_data.users (username, password_hash) VALUES ('user1', 'x'), ('user2', 'x');
INSERT INTO app_data.tasks (task_name, description) VALUES ('Kitchen', 'Clean'), ('Trash', NULL);
INSERT INTO app_data.task_assignments (task_id, user_id, completed_at) VALUES
  (1, 1, NULL), (2, 2, NULL), (1, 2, now());
";

fn tracker_spec(assignments_as: &str) -> String {
    format!(
        r#"version: 1
roles:
  app_owner: {{}}
  api_anon: {{}}
  api_authenticated: {{}}
  api_user:
    login: true
    password: {{ env: API_PASSWORD }}
    member_of: [api_anon, api_authenticated]
schemas:
  app_data:
    owner: app_owner
    grants:
      - {{ to: [api_anon, api_authenticated, api_user], privileges: [USAGE] }}
      - {{ on: tables, to: [api_anon, api_authenticated], privileges: [SELECT] }}
    tables:
      users:
        rls: enabled
        policies:
          users_read: {{ for: select, to: [api_anon, api_authenticated], using: "true" }}
      tasks:
        rls: forced
        policies:
          tasks_read: {{ for: select, to: [api_anon, api_authenticated], using: "task_id > 0" }}
      task_assignments:
        rls: enabled
        policies:
          assignments_open:
            for: select
            as: {assignments_as}
            to: [api_anon]
            using: "completed_at IS NULL AND assigned_at > '2000-01-01'"
          assignments_all:
            to: [api_authenticated]
            using: "true"
            with_check: "user_id > 0"
"#
    )
}

/// `SELECT count(*)` of the assignments as `api_anon`, logged in as `api_user`.
fn anon_count(cluster: &Cluster) -> String {
    ok(cluster.psql_as(
        "api_user",
        API_PASSWORD,
        "app",
        "SET ROLE api_anon; SELECT count(*) FROM app_data.task_assignments;",
    ))
}

#[test]
fn task_tracker_policies_filter_rows_and_drift_is_converged() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    ok(cluster.psql("app", TRACKER_TABLES));
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "provision.yaml", &tracker_spec("permissive"));

    let first = converge(&cluster, &spec);
    let sql: Vec<String> = first.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sql"].as_str().unwrap().to_string())
        .collect();
    assert!(
        sql.contains(&r#"ALTER TABLE "app_data"."tasks" FORCE ROW LEVEL SECURITY"#.to_string()),
        "{sql:#?}"
    );
    let flags = ok(cluster.psql(
        "app",
        "SELECT string_agg(relname || ':' || relrowsecurity || ':' || relforcerowsecurity, ' ' ORDER BY relname)
         FROM pg_class WHERE relnamespace = 'app_data'::regnamespace AND relkind = 'r'",
    ));
    assert_eq!(
        flags,
        "task_assignments:true:false tasks:true:true users:true:false"
    );

    // The policy filters rows for api_anon: completed assignments are hidden.
    assert_eq!(anon_count(&cluster), "2");
    // The superuser bypasses RLS.
    assert_eq!(
        ok(cluster.psql("app", "SELECT count(*) FROM app_data.task_assignments")),
        "3"
    );

    // A policy edited by hand shows in `check`, and `apply` restores it.
    ok(cluster.psql(
        "app",
        "ALTER POLICY assignments_open ON app_data.task_assignments USING (false)",
    ));
    assert_eq!(anon_count(&cluster), "0");
    let check = provision(&cluster, &spec, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check
            .stdout
            .contains("policy `assignments_open` on table `app_data.task_assignments`"),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains(r#"ALTER POLICY "assignments_open" ON "app_data"."task_assignments" TO "api_anon" USING (completed_at IS NULL AND assigned_at > '2000-01-01')"#),
        "{check:?}"
    );
    let fix = provision(&cluster, &spec, &["apply", "--output", "json"]);
    assert_eq!(executed(&fix), 1, "{fix:?}");
    assert_eq!(anon_count(&cluster), "2");

    // An undeclared policy is an extra: reported, kept, dropped with --prune.
    ok(cluster.psql(
        "app",
        "CREATE POLICY sneaky ON app_data.users FOR ALL TO PUBLIC USING (true)",
    ));
    let check = provision(&cluster, &spec, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check
            .stdout
            .contains("undeclared: policy `sneaky` on table `app_data.users`"),
        "{check:?}"
    );
    let kept = provision(&cluster, &spec, &["apply", "--output", "json"]);
    assert_eq!(executed(&kept), 0, "{kept:?}");
    let pruned = provision(&cluster, &spec, &["apply", "--prune", "--output", "json"]);
    assert_eq!(executed(&pruned), 1, "{pruned:?}");
    assert_eq!(
        ok(cluster.psql(
            "app",
            "SELECT count(*) FROM pg_policy WHERE polname = 'sneaky'"
        )),
        "0"
    );
    assert_eq!(provision(&cluster, &spec, &["check"]).code, 0);

    // Permissive → restrictive: ALTER POLICY cannot, so drop and create,
    // adjacent, in the run's one transaction.
    let restrictive = write(dir.path(), "restrictive.yaml", &tracker_spec("restrictive"));
    let change = provision(&cluster, &restrictive, &["apply", "--output", "json"]);
    assert_eq!(executed(&change), 2, "{change:?}");
    let sql: Vec<String> = change.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sql"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sql,
        vec![
            r#"DROP POLICY "assignments_open" ON "app_data"."task_assignments""#.to_string(),
            r#"CREATE POLICY "assignments_open" ON "app_data"."task_assignments" AS RESTRICTIVE FOR SELECT TO "api_anon" USING (completed_at IS NULL AND assigned_at > '2000-01-01')"#.to_string(),
        ]
    );
    assert_eq!(
        ok(cluster.psql(
            "app",
            "SELECT polpermissive FROM pg_policy WHERE polname = 'assignments_open'"
        )),
        "f"
    );
    // Restrictive alone grants nothing: api_anon sees no row now.
    assert_eq!(anon_count(&cluster), "0");
    assert_eq!(provision(&cluster, &restrictive, &["check"]).code, 0);
}

/// The audited shop's table and trigger functions, made by hand.
const SHOP_OBJECTS: &str = "
CREATE SCHEMA civitai;
CREATE TABLE civitai.items (id serial PRIMARY KEY, name text NOT NULL,
  created_by text, updated_by text);
CREATE TABLE civitai.audit_log (id serial PRIMARY KEY, table_name text, who text, at timestamptz DEFAULT now());
CREATE FUNCTION civitai.set_created_updated_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN NEW.created_by := current_user; END IF;
  NEW.updated_by := current_user;
  RETURN NEW;
END $$;
CREATE FUNCTION civitai.audit_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO civitai.audit_log (table_name, who) VALUES (TG_ARGV[0], session_user);
  RETURN NULL;
END $$;
";

fn shop_spec(stamp_events: &str) -> String {
    format!(
        r#"version: 1
roles:
  civitai_owner: {{ createrole: true }}
  civitai_user: {{}}
  richard:
    login: true
    password: {{ env: RICHARD_PASSWORD }}
    member_of: [civitai_user]
schemas:
  civitai:
    owner: civitai_owner
    grants:
      - {{ to: [civitai_user], privileges: [USAGE] }}
      - {{ on: tables, to: [civitai_user], privileges: [SELECT, INSERT, UPDATE] }}
      - {{ on: sequences, to: [civitai_user], privileges: [USAGE] }}
    tables:
      audit_log: {{}}
      items:
        triggers:
          set_created_updated_by:
            timing: before
            events: {stamp_events}
            for_each: row
            function: civitai.set_created_updated_by
          audit_name_change:
            timing: after
            events: [update]
            of: [name]
            for_each: row
            when: "old.name IS DISTINCT FROM new.name"
            function: civitai.audit_event
            arguments: [items]
    functions:
      set_created_updated_by: {{ args: "" }}
      # Adopted without `args`: the one function of that name.
      audit_event: {{ revoke: [{{ from: [PUBLIC], privileges: [EXECUTE] }}] }}
"#
    )
}

#[test]
fn audited_shop_trigger_stamps_the_login_and_is_converged() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    ok(cluster.psql("app", SHOP_OBJECTS));
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "provision.yaml", &shop_spec("[insert, update]"));
    converge(&cluster, &spec);

    // A login inserts a row; the trigger stamps its name.
    let stamped = ok(cluster.psql_as(
        "richard",
        RICHARD_PASSWORD,
        "app",
        "INSERT INTO civitai.items (name) VALUES ('lamp') RETURNING created_by || ',' || updated_by;",
    ));
    assert_eq!(stamped, "richard,richard");
    ok(cluster.psql_as(
        "richard",
        RICHARD_PASSWORD,
        "app",
        "UPDATE civitai.items SET name = 'desk lamp';",
    ));
    assert_eq!(
        ok(cluster.psql(
            "app",
            "SELECT table_name || ':' || who FROM civitai.audit_log"
        )),
        "items:richard"
    );

    // A trigger changed by hand is replaced in place; an extra is reported.
    ok(cluster.psql(
        "app",
        "CREATE OR REPLACE TRIGGER set_created_updated_by BEFORE INSERT ON civitai.items
           FOR EACH ROW EXECUTE FUNCTION civitai.set_created_updated_by();
         CREATE TRIGGER extra AFTER DELETE ON civitai.items
           FOR EACH STATEMENT EXECUTE FUNCTION civitai.audit_event('x');",
    ));
    let check = provision(&cluster, &spec, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check.stdout.contains(r#"CREATE OR REPLACE TRIGGER "set_created_updated_by" BEFORE INSERT OR UPDATE ON "civitai"."items" FOR EACH ROW EXECUTE FUNCTION "civitai"."set_created_updated_by"()"#),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains("undeclared: trigger `extra` on table `civitai.items`"),
        "{check:?}"
    );
    let fix = provision(&cluster, &spec, &["apply", "--prune", "--output", "json"]);
    assert_eq!(executed(&fix), 2, "{fix:?}");
    assert_eq!(provision(&cluster, &spec, &["check"]).code, 0);
    let updated = ok(cluster.psql_as(
        "richard",
        RICHARD_PASSWORD,
        "app",
        "UPDATE civitai.items SET name = 'lamp' RETURNING updated_by;",
    ));
    assert_eq!(updated, "richard");

    // A spec change (events) is one CREATE OR REPLACE TRIGGER.
    let insert_only = write(dir.path(), "insert-only.yaml", &shop_spec("[insert]"));
    let change = provision(&cluster, &insert_only, &["apply", "--output", "json"]);
    assert_eq!(executed(&change), 1, "{change:?}");
    assert_eq!(provision(&cluster, &insert_only, &["check"]).code, 0);
}
