//! The chatbot hand-over example, `provision/examples/chatbot-handover/`, on
//! every major: a database the superuser built is handed to its application
//! role. It matches the hand-written SQL, changes no data, and afterwards the
//! application runs its own migrations while the reporting login reads what
//! they create — without another `apply`.

use crate::fingerprint::assert_same_catalogs;
use crate::handwritten::{Example, psql_file, rows};
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

const DB: &str = "chatbot_db";
const APP_PW: &str = "chatbot-Secret-1";
const METABASE_PW: &str = "metabase-Secret-2";
const ENV: &[(&str, &str)] = &[
    ("CHATBOT_USER_PASSWORD", APP_PW),
    ("METABASE_PASSWORD", METABASE_PW),
];
/// Every table before.sql creates.
const TABLES: &[&str] = &[
    "public.users",
    "public.conversations",
    "public.alembic_version",
    "chatbot_schema.messages",
];
/// Every sequence before.sql creates (serial, identity, bigserial, free).
const SEQUENCES: &[&str] = &[
    "public.users_id_seq",
    "public.conversations_id_seq",
    "chatbot_schema.messages_id_seq",
    "chatbot_schema.ticket_number_seq",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root()
        .join("tests/fixtures/examples/chatbot-handover")
        .join(name)
}

fn example() -> Example<'static> {
    Example {
        spec: root().join("provision/examples/chatbot-handover/provision.yaml"),
        env: ENV,
        database: DB,
        before: Some(fixture("before.sql")),
        handwritten: fixture("handwritten.sql"),
    }
}

/// A cluster with before.sql run into `chatbot_db`, not yet provisioned.
fn before() -> Cluster {
    let cluster = Cluster::start();
    cluster.create_database(DB);
    psql_file(&cluster, DB, &fixture("before.sql"));
    cluster
}

/// The state of every sequence (a sequence has no row type for `rows`).
fn sequences(cluster: &Cluster) -> String {
    let mut client = cluster.client(DB);
    SEQUENCES
        .iter()
        .map(|seq| {
            let row = client
                .query_one(&format!("SELECT last_value, is_called FROM {seq}"), &[])
                .unwrap();
            format!("{seq} {} {}\n", row.get::<_, i64>(0), row.get::<_, bool>(1))
        })
        .collect()
}

fn login(cluster: &Cluster, user: &str, password: &str) -> postgres::Client {
    postgres::Client::connect(&cluster.url(user, password, DB), postgres::NoTls)
        .unwrap_or_else(|e| panic!("{user} logs in: {e:?}"))
}

fn assert_denied(client: &mut postgres::Client, sql: &str) {
    let e = client.batch_execute(sql).expect_err(sql);
    assert_eq!(
        e.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{sql}: {e:?}"
    );
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

#[test]
fn chatbot_handover_matches_the_handwritten_sql() {
    example().assert_matches_handwritten();
}

#[test]
fn chatbot_handover_changes_no_rows() {
    let cluster = before();
    let before_rows = rows(&cluster, DB, TABLES);
    let before_sequences = sequences(&cluster);
    assert!(
        before_rows.contains("Why was I charged twice?"),
        "{before_rows}"
    );
    assert!(
        before_sequences.contains("chatbot_schema.messages_id_seq 3 true"),
        "{before_sequences}"
    );
    let apply = example().run(&cluster, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(rows(&cluster, DB, TABLES), before_rows);
    assert_eq!(sequences(&cluster), before_sequences);
}

/// The story's half-fixed database (a login made by hand, some grants, the
/// database and one schema handed over) converges to exactly the same end
/// state as the untouched one, and rotates the old password.
#[test]
fn chatbot_handover_over_the_storys_attempts_reaches_the_same_state() {
    let clean = before();
    let tried = before();
    psql_file(&tried, DB, &fixture("story-attempts.sql"));
    let ex = example();
    for cluster in [&clean, &tried] {
        let apply = ex.run(cluster, &["apply"]);
        assert_eq!(apply.code, 0, "{apply:?}");
    }
    assert_same_catalogs(
        DB,
        ("from before.sql", &clean),
        ("from the story's attempts", &tried),
    );
    let check = ex.run(&tried, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    login(&tried, "chatbot_user", APP_PW);
}

/// The story after the hand-over, on the database pg-provision built and on
/// the hand-built twin alike.
#[test]
fn chatbot_app_migrates_and_reporting_reads_without_another_apply() {
    let built = example().assert_matches_handwritten();
    app_migrates_and_reporting_reads(&built.tool);
    app_migrates_and_reporting_reads(&built.dba);
}

fn app_migrates_and_reporting_reads(cluster: &Cluster) {
    let ex = example();

    // The application, over TCP with its password: writes the handed-over
    // tables (serial, identity and bigserial sequences are its own now).
    let mut app = login(cluster, "chatbot_user", APP_PW);
    app.batch_execute(
        "INSERT INTO public.users (email) VALUES ('alan@example.com');
         INSERT INTO public.conversations (user_id, title)
             SELECT id, 'New chat' FROM public.users WHERE email = 'alan@example.com';
         INSERT INTO chatbot_schema.messages (conversation_id, role, body)
             SELECT id, 'user', 'Hello' FROM public.conversations WHERE title = 'New chat';
         SELECT nextval('chatbot_schema.ticket_number_seq');",
    )
    .expect("the application writes its tables");
    assert_eq!(
        count(&mut app, "SELECT max(id)::bigint FROM public.users"),
        3
    );

    // An Alembic-style migration, in one transaction like Alembic's.
    app.batch_execute(
        "BEGIN;
         CREATE TABLE public.feedback (
             id serial PRIMARY KEY,
             message_id bigint NOT NULL REFERENCES chatbot_schema.messages (id),
             score integer NOT NULL);
         CREATE TABLE chatbot_schema.attachments (
             id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             message_id bigint NOT NULL REFERENCES chatbot_schema.messages (id),
             url text NOT NULL);
         ALTER TABLE public.users ADD COLUMN display_name text;
         CREATE INDEX ON chatbot_schema.messages (sent_at);
         UPDATE public.alembic_version SET version_num = '4b1c0de2e9f3';
         COMMIT;
         INSERT INTO public.feedback (message_id, score) VALUES (1, 5);
         INSERT INTO chatbot_schema.attachments (message_id, url) VALUES (1, 'https://example.com/a.png');",
    )
    .expect("the migration runs as chatbot_user");

    // Reporting reads the new tables at once (default privileges), and the
    // handed-over ones, but cannot write, advance sequences, or create.
    let mut metabase = login(cluster, "metabase", METABASE_PW);
    assert_eq!(
        count(&mut metabase, "SELECT count(*) FROM public.feedback"),
        1
    );
    assert_eq!(
        count(
            &mut metabase,
            "SELECT count(*) FROM chatbot_schema.attachments"
        ),
        1
    );
    assert_eq!(
        count(
            &mut metabase,
            "SELECT last_value FROM public.feedback_id_seq"
        ),
        1
    );
    assert_eq!(
        count(
            &mut metabase,
            "SELECT count(display_name) FROM public.users"
        ),
        0
    );
    assert_eq!(
        count(
            &mut metabase,
            "SELECT sum(messages)::bigint FROM chatbot_schema.conversation_stats"
        ),
        4
    );
    assert_eq!(
        count(&mut metabase, "SELECT chatbot_schema.message_count(1)"),
        2
    );
    for denied in [
        "INSERT INTO public.feedback (message_id, score) VALUES (1, 1)",
        "UPDATE public.users SET email = 'x'",
        "DELETE FROM chatbot_schema.attachments",
        "SELECT nextval('public.feedback_id_seq')",
        "CREATE TABLE public.mine (a integer)",
        "CREATE TABLE chatbot_schema.mine (a integer)",
        "CREATE TEMP TABLE mine (a integer)",
    ] {
        assert_denied(&mut metabase, denied);
    }

    // A function the migration creates is not executable by everyone.
    app.batch_execute(
        "CREATE FUNCTION chatbot_schema.score_label(p integer) RETURNS text
             LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN p > 3 THEN 'good' ELSE 'bad' END $$",
    )
    .unwrap();
    assert_denied(&mut metabase, "SELECT chatbot_schema.score_label(5)");

    // A table a DBA creates later as postgres in public is the application's
    // to use (but not to alter: only an owner can; declaring it in the spec
    // would hand it over).
    let mut dba = cluster.client(DB);
    dba.batch_execute("CREATE TABLE public.dba_notes (id serial PRIMARY KEY, note text NOT NULL)")
        .unwrap();
    app.batch_execute(
        "INSERT INTO public.dba_notes (note) VALUES ('written by the app');
         UPDATE public.dba_notes SET note = note || '!';
         SELECT setval('public.dba_notes_id_seq', 10);
         DELETE FROM public.dba_notes WHERE false;",
    )
    .expect("chatbot_user uses a table postgres created later");
    assert_denied(
        &mut app,
        "ALTER TABLE public.dba_notes ADD COLUMN x integer",
    );
    assert_eq!(
        count(&mut metabase, "SELECT count(*) FROM public.dba_notes"),
        1
    );
    assert_denied(&mut metabase, "DELETE FROM public.dba_notes");

    // pg-provision has nothing to do: the new tables are undeclared, but the
    // schema-wide grants make it manage their privileges, and the default
    // privileges gave them exactly what those grants ask for.
    let again = ex.run(cluster, &["apply", "--output", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let check = ex.run(cluster, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");

    // ... and it does watch them: a hand-made write grant to reporting on a
    // migration-created table is drift, kept by apply, revoked by --prune.
    app.batch_execute("GRANT INSERT ON public.feedback TO chatbot_reader")
        .unwrap();
    let drift = ex.run(cluster, &["check"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(drift.all_output().contains("feedback"), "{drift:?}");
    let prune = ex.run(cluster, &["apply", "--prune"]);
    assert_eq!(prune.code, 0, "{prune:?}");
    assert_denied(
        &mut metabase,
        "INSERT INTO public.feedback (message_id, score) VALUES (1, 1)",
    );
    let check = ex.run(cluster, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");
}
