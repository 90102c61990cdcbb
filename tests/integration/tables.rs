//! Table and sequence definitions and seed rows (issue 3, tables slice): the
//! task tracker tables created and seeded from the spec, existing tables
//! converged by adding what they lack, type changes refused.

use crate::cmd::{Run, assert_converged, fixtures, provision};
use crate::support::app::{query, sql};
use crate::support::cluster::Cluster;

fn tracker() -> std::path::PathBuf {
    fixtures().join("tables/tracker.yaml")
}

#[test]
fn tracker_tables_are_created_seeded_and_stable() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    let first = provision(&tracker(), &url, &["apply"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert_converged(&tracker(), &url);

    // Rows, hashes, foreign keys.
    assert_eq!(
        query(
            &cluster,
            "SELECT username || ':' || user_id FROM app_data.users ORDER BY 1"
        ),
        ["user1:1", "user2:2", "user3:3"]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT (password_hash = crypt('password123', password_hash))::text FROM app_data.users"
        ),
        ["true", "true", "true"]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT count(*)::text FROM app_data.task_assignments a JOIN app_data.tasks t USING (task_id) JOIN app_data.users u USING (user_id)"
        ),
        ["6"]
    );
    // The sequence behind explicit task ids moved past them.
    assert_eq!(
        query(
            &cluster,
            "INSERT INTO app_data.tasks (task_name) VALUES ('New') RETURNING task_id::text"
        ),
        ["7"]
    );
    // Constraints carry PostgreSQL's own names; owners are the schema owner's.
    assert_eq!(
        query(
            &cluster,
            "SELECT conname::text FROM pg_constraint WHERE conrelid = 'app_data.task_assignments'::regclass AND contype <> 'n' ORDER BY 1"
        ),
        [
            "task_assignments_pkey",
            "task_assignments_task_id_fkey",
            "task_assignments_task_id_user_id_completed_at_key",
            "task_assignments_user_id_fkey"
        ]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT relname || ':' || pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'app_data'::regnamespace AND relkind IN ('r', 'S') ORDER BY 1"
        ),
        [
            "task_assignments:app_owner",
            "task_assignments_assignment_id_seq:app_owner",
            "tasks:app_owner",
            "tasks_task_id_seq:app_owner",
            "ticket_no:app_owner",
            "users:app_owner",
            "users_user_id_seq:app_owner"
        ]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT has_sequence_privilege('api_user', 'app_data.users_user_id_seq', 'UPDATE')::text"
        ),
        ["true"]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT format('%s %s %s', data_type, start_value, increment_by) FROM pg_sequences WHERE sequencename = 'ticket_no'"
        ),
        ["bigint 1000 10"]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT col_description('app_data.users'::regclass, 4)"
        ),
        ["when the user registered"]
    );

    // Rows are never deleted; a changed literal is updated only with `update: true`.
    sql(
        &cluster,
        "UPDATE app_data.tasks SET description = 'by hand' WHERE task_id = 1; DELETE FROM app_data.task_assignments WHERE task_id = 6; UPDATE app_data.users SET created_at = '2000-01-01' WHERE username = 'user1'",
    );
    let check = provision(&tracker(), &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    let fix = provision(&tracker(), &url, &["apply"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert_eq!(
        query(
            &cluster,
            "SELECT description FROM app_data.tasks WHERE task_id = 1"
        ),
        ["Clean the kitchen surfaces and floor."]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT count(*)::text FROM app_data.task_assignments"
        ),
        ["6"]
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT created_at::date::text FROM app_data.users WHERE username = 'user1'"
        ),
        ["2000-01-01"]
    );
    assert_converged(&tracker(), &url);
}

const PREEXISTING: &str = r#"version: 1
schemas:
  app:
    tables:
      items:
        columns:
          - { name: id, type: integer, primary_key: true }
          - { name: name, type: text, not_null: true }
          - { name: price, type: "numeric(10,2)", default: 0, check: price >= 0 }
          - { name: added_at, type: timestamp with time zone, default: now() }
          - { name: note, type: varchar(20), comment: free text }
        indexes:
          items_name: { columns: [name], where: price > 0 }
"#;

#[test]
fn existing_table_gains_what_it_lacks_and_keeps_its_rows() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    sql(
        &cluster,
        "CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, name text, price numeric(10,2), legacy text);
         INSERT INTO app.items VALUES (1, 'a', 1.50, 'x'), (2, 'b', NULL, 'y');",
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, PREEXISTING).unwrap();
    let before = query(
        &cluster,
        "SELECT string_agg(format('%s', i), ';' ORDER BY id) FROM app.items i",
    );

    let plan = provision(&spec, &url, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    for expected in [
        r#"ALTER TABLE "app"."items" ADD COLUMN "added_at" timestamp with time zone DEFAULT now()"#,
        r#"ALTER TABLE "app"."items" ALTER COLUMN "price" SET DEFAULT 0"#,
        r#"ALTER TABLE "app"."items" ALTER COLUMN "name" SET NOT NULL"#,
        r#"ALTER TABLE "app"."items" ADD CONSTRAINT "items_price_check" CHECK (price >= 0)"#,
        r#"CREATE INDEX "items_name" ON "app"."items" ("name") WHERE price > 0"#,
        r#"COMMENT ON COLUMN "app"."items"."note" IS 'free text'"#,
    ] {
        assert!(
            plan.stdout.contains(expected),
            "missing {expected}\n{plan:?}"
        );
    }
    let apply = provision(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    // The legacy column is reported, never dropped; rows keep their values.
    let again = provision(&spec, &url, &["apply", "--output", "json"]);
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let extras = again.json()["extras"].clone();
    assert_eq!(extras[0]["class"], "notice", "{again:?}");
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(check.stdout.contains("column `legacy`"), "{check:?}");
    let pruned = provision(&spec, &url, &["apply", "--prune"]);
    assert_eq!(pruned.code, 0, "{pruned:?}");
    let after = query(
        &cluster,
        "SELECT string_agg(format('%s', row(id, name, price, legacy)), ';' ORDER BY id) FROM app.items i",
    );
    assert_eq!(before.len(), 1);
    assert_eq!(after, ["(1,a,1.50,x);(2,b,,y)"]);

    // A NULL blocks NOT NULL, with the count.
    std::fs::write(
        &spec,
        PREEXISTING.replace(
            "{ name: note, type: varchar(20),",
            "{ name: note, type: varchar(20), not_null: true,",
        ),
    )
    .unwrap();
    let refused = provision(&spec, &url, &["apply"]);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("2 row(s) have NULL in column `note`"),
        "{refused:?}"
    );
}

#[test]
fn a_type_change_is_refused_and_nothing_runs() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, PREEXISTING).unwrap();
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    let changed = PREEXISTING
        .replace("type: varchar(20)", "type: varchar(40)")
        .replace(
            "- { name: id, type: integer",
            "- { name: extra, type: int }\n          - { name: id, type: integer",
        );
    std::fs::write(&spec, changed).unwrap();
    let run: Run = provision(&spec, &url, &["apply"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("column `note` is `character varying(20)`; making it `character varying(40)` would rewrite data"),
        "{run:?}"
    );
    assert_eq!(
        query(
            &cluster,
            "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 'app.items'::regclass AND attname = 'extra'"
        ),
        ["0"]
    );
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
}

/// The connecting role's own default privileges must not leak onto what a
/// run creates: the implicit sequence of an identity column (never declared)
/// ends with exactly its owner's defaults, like the table.
#[test]
fn identity_sequences_do_not_keep_the_creators_default_privileges() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let url = cluster.superuser_url("app");
    sql(
        &cluster,
        "CREATE ROLE snoop;
         ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT ON TABLES TO snoop;
         ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT, USAGE ON SEQUENCES TO snoop;",
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "version: 1
external_roles: [postgres, snoop]
roles:
  app_owner: {}
schemas:
  app:
    owner: app_owner
    tables:
      events:
        columns:
          - { name: id, type: bigint, identity: always, primary_key: true }
          - { name: body, type: text }
",
    )
    .unwrap();
    let apply = provision(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        query(
            &cluster,
            "SELECT c.relname || ' ' || c.relkind::text || ' ' || pg_get_userbyid(c.relowner) || ' '
                || has_table_privilege('snoop', c.oid, 'SELECT')
             FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'S')
             ORDER BY 1"
        ),
        ["events r app_owner false", "events_id_seq S app_owner false"]
    );
    assert_converged(&spec, &url);
    assert_eq!(provision(&spec, &url, &["check"]).code, 0);
}
