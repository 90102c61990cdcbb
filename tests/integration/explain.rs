//! `pg-provision explain` as users see it, on every major: the human table
//! for a small hand-built database (pinned; column padding normalised so
//! one text serves every major), the gaps it reports proven by logging in,
//! JSON and filters, `--spec` (pinned), and usage errors (exit 64).

use crate::cmd::{Run, pg_provision, run};
use crate::explain_property::explain_run;
use crate::support::cluster::Cluster;
use postgres::error::SqlState;

/// `web` (LOGIN) → `app_rw` → `app_ro`; `batch` (LOGIN NOINHERIT) → `app_rw`.
/// `public` dropped, so nothing differs between majors but MAINTAIN.
const SCENARIO: &str = r#"
DROP SCHEMA public;
REVOKE ALL ON DATABASE shop FROM PUBLIC;
CREATE ROLE app_owner;
CREATE ROLE app_ro;
CREATE ROLE app_rw IN ROLE app_ro;
CREATE ROLE web LOGIN PASSWORD 'web-Secret-1' IN ROLE app_rw;
CREATE ROLE batch LOGIN NOINHERIT PASSWORD 'batch-Secret-1' IN ROLE app_rw;
GRANT CONNECT ON DATABASE shop TO web, batch;
CREATE SCHEMA app AUTHORIZATION app_owner;
CREATE SCHEMA hidden AUTHORIZATION app_owner;
SET ROLE app_owner;
CREATE TABLE app.orders (id serial PRIMARY KEY, customer text, note text);
CREATE TABLE hidden.audit (id bigint GENERATED ALWAYS AS IDENTITY, line text);
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_read ON app.orders FOR SELECT TO app_ro USING (true);
GRANT USAGE ON SCHEMA app TO app_ro;
GRANT SELECT ON app.orders TO app_ro;
GRANT INSERT ON app.orders TO app_rw;
GRANT UPDATE (note) ON app.orders TO app_rw;
GRANT SELECT ON hidden.audit TO app_rw;
CREATE FUNCTION app.total() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.orders';
REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO app_ro;
RESET ROLE;
"#;

fn scenario() -> Cluster {
    let cluster = Cluster::start();
    cluster.create_database("shop");
    let out = cluster.psql("shop", SCENARIO);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cluster
}

/// The human table with its padding normalised: cells separated by ` | `
/// (continuation rows start with one), MAINTAIN (17+) left out, and the
/// major written `N`.
fn normalise(text: &str, major: u32) -> String {
    text.replace(" MAINTAIN", "")
        .replace(&format!("PostgreSQL {major},"), "PostgreSQL N,")
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            // A continuation row: its first columns are blank.
            let lead = if line.starts_with("   ") { "| " } else { "" };
            format!("{lead}{}", cells.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a NOINHERIT member does not inherit, as each major words it.
fn batch_reason(major: u32) -> &'static str {
    if major >= 16 {
        "batch → app_rw is granted without INHERIT"
    } else {
        "batch is NOINHERIT"
    }
}

fn explain(cluster: &Cluster, args: &[&str]) -> Run {
    explain_run(cluster, "shop", None, &[], args)
}

#[test]
fn explain_prints_what_web_can_do_and_why() {
    let cluster = scenario();
    let out = explain(&cluster, &["web"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "", "the table goes to stderr");
    let expected = "\
explain `web` in database `shop` (PostgreSQL N, live catalog)
role `web`: LOGIN INHERIT
has the privileges of: app_ro (web → app_rw → app_ro), app_rw (web → app_rw)

OBJECT | OWNER | PRIVILEGES | WHY
database shop | postgres | CONNECT | granted by postgres
| no CREATE TEMPORARY | not granted
schema app | app_owner | USAGE | granted to app_ro by app_owner (web → app_rw → app_ro)
| no CREATE | not granted
schema hidden | app_owner | none | not granted
table app.orders | app_owner | SELECT | granted to app_ro by app_owner (web → app_rw → app_ro)
| INSERT | granted to app_rw by app_owner (web → app_rw)
| no UPDATE DELETE TRUNCATE REFERENCES TRIGGER | not granted
column note | UPDATE | granted to app_rw by app_owner (web → app_rw)
row security | applies | policies decide which rows
| SELECT | policy orders_read
| INSERT UPDATE DELETE | no permissive policy: no rows
sequence app.orders_id_seq | app_owner | none | not granted
function app.total() | app_owner | none | not granted
table hidden.audit | app_owner | SELECT | granted to app_rw by app_owner (web → app_rw)
| no INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER | not granted
sequence hidden.audit_id_seq | app_owner | none | not granted

objects created later (default privileges)
CREATED BY | IN SCHEMA | ON | PRIVILEGES | WHY
app_owner | app | tables | SELECT | granted to app_ro by app_owner (web → app_rw → app_ro)

gaps
schema hidden: `web` holds privileges on 1 object(s) in schema `hidden` but has no USAGE on the schema, so it cannot reach them: table hidden.audit
table app.orders: INSERT into `orders` without a value for `id` fails: its default calls nextval(`app.orders_id_seq`), and `web` has neither USAGE nor UPDATE on that sequence
table app.orders: row-level security on `orders` applies to `web` and no permissive policy for it allows INSERT: every row it inserts is refused";
    assert_eq!(
        normalise(&out.stderr, cluster.major()),
        expected,
        "\n{}",
        out.stderr
    );
}

#[test]
fn the_gaps_explain_reports_are_real() {
    let cluster = scenario();
    let mut web =
        postgres::Client::connect(&cluster.url("web", "web-Secret-1", "shop"), postgres::NoTls)
            .unwrap();
    let denied = |client: &mut postgres::Client, sql: &str| -> String {
        let e = client.batch_execute(sql).expect_err(sql);
        let db = e.as_db_error().unwrap_or_else(|| panic!("{sql}: {e:?}"));
        format!("{} {}", db.code().code(), db.message())
    };
    // No USAGE on hidden: its SELECT grant is useless.
    assert_eq!(
        denied(&mut web, "SELECT * FROM hidden.audit"),
        format!(
            "{} permission denied for schema hidden",
            SqlState::INSUFFICIENT_PRIVILEGE.code()
        )
    );
    // INSERT without an id: nextval needs the sequence.
    assert_eq!(
        denied(&mut web, "INSERT INTO app.orders (customer) VALUES ('ada')"),
        format!(
            "{} permission denied for sequence orders_id_seq",
            SqlState::INSUFFICIENT_PRIVILEGE.code()
        )
    );
    // With the id given, row-level security refuses the row: no INSERT policy.
    assert!(
        denied(
            &mut web,
            "INSERT INTO app.orders (id, customer) VALUES (1, 'ada')"
        )
        .contains("new row violates row-level security policy"),
    );
    // What explain says web can do, it can.
    web.batch_execute("SELECT count(*) FROM app.orders")
        .unwrap();

    // batch: nothing inherited, but SET ROLE app_ro gives it SELECT.
    let out = explain(&cluster, &["batch", "app.orders"]);
    assert_eq!(out.code, 0, "{out:?}");
    let reason = batch_reason(cluster.major());
    let expected = format!(
        "\
explain `batch` in database `shop` (PostgreSQL N, live catalog)
role `batch`: LOGIN NOINHERIT
member without inheriting: app_ro (batch → app_rw → app_ro: {reason}; SET ROLE allowed), app_rw (batch → app_rw: {reason}; SET ROLE allowed)

OBJECT | OWNER | PRIVILEGES | WHY
table app.orders | app_owner | no SELECT | granted to app_ro by app_owner, not inherited (batch → app_rw → app_ro): {reason}; SET ROLE app_ro gives it
| no INSERT | granted to app_rw by app_owner, not inherited (batch → app_rw): {reason}; SET ROLE app_rw gives it
| no UPDATE DELETE TRUNCATE REFERENCES TRIGGER | not granted
row security | applies | policies decide which rows
| SELECT INSERT UPDATE DELETE | no permissive policy: no rows"
    );
    assert_eq!(
        normalise(&out.stderr, cluster.major()),
        expected,
        "\n{}",
        out.stderr
    );
    let mut batch = postgres::Client::connect(
        &cluster.url("batch", "batch-Secret-1", "shop"),
        postgres::NoTls,
    )
    .unwrap();
    assert!(denied(&mut batch, "SELECT count(*) FROM app.orders").contains("permission denied"));
    batch
        .batch_execute("SET ROLE app_ro; SELECT count(*) FROM app.orders")
        .unwrap();
}

#[test]
fn explain_json_objects_and_filters() {
    let cluster = scenario();
    let out = explain(&cluster, &["web", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
    let json = out.json();
    assert_eq!(json["role"], "web");
    assert_eq!(json["database"], "shop");
    assert_eq!(json["server_major"], cluster.major());
    assert_eq!(json["from"], "live");
    assert_eq!(json["objects"].as_array().unwrap().len(), 8);
    assert_eq!(json["gaps"].as_array().unwrap().len(), 3);
    assert_eq!(json["gaps"][1]["kind"], "sequence");

    let column = explain(&cluster, &["web", "app.orders.note", "--output", "json"]).json();
    let objects = column["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["columns"].as_array().unwrap().len(), 1);
    let update = &objects[0]["columns"][0]["privileges"][2];
    assert_eq!(
        (update["privilege"].as_str(), update["held"].as_bool()),
        (Some("UPDATE"), Some(true))
    );

    let function = explain(&cluster, &["web", "app.total()", "--output", "json"]).json();
    assert_eq!(function["objects"][0]["name"], "total");
    assert_eq!(function["objects"][0]["privileges"][0]["held"], false);

    let schema = explain(&cluster, &["web", "--schema", "hidden", "--output", "json"]).json();
    let kinds: Vec<&str> = schema["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["database", "schema", "table", "sequence"]);

    // A closed stdout ends quietly.
    let mut cmd = pg_provision();
    cmd.arg("--database-url")
        .arg(cluster.superuser_url("shop"))
        .args(["explain", "web", "--output", "json"])
        .stdout(std::process::Stdio::null());
    assert_eq!(run(&mut cmd).code, 0);
}

#[test]
fn explain_usage_errors_exit_64_with_a_hint() {
    let cluster = scenario();
    let out = explain(&cluster, &["nobody"]);
    assert_eq!(out.code, 64, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: role `nobody` does not exist\n  hint: roles are case-sensitive; `\\du` in psql lists them\n"
    );
    let out = explain(&cluster, &["web", "app.nothing"]);
    assert_eq!(out.code, 64, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: nothing named `app.nothing` in scope\n  hint: "),
        "{out:?}"
    );
    let out = explain(&cluster, &["web", "--spec", "--server-major", "13"]);
    assert_eq!(out.code, 64, "{out:?}");
    assert!(
        out.stderr.contains("explain knows PostgreSQL 14 to 18"),
        "{out:?}"
    );
}

const SPEC: &str = "\
version: 1
roles:
  app_owner: {}
  reader: {}
  web: { login: true, inherit: false, member_of: [reader] }
database:
  owner: app_owner
  grants: [{ to: [web], privileges: [CONNECT] }]
  revoke: [{ from: [PUBLIC], privileges: [CONNECT, TEMPORARY] }]
schemas:
  app:
    owner: app_owner
    grants:
      - { to: [reader], privileges: [USAGE] }
      - { on: tables, to: [reader], privileges: [SELECT] }
    tables:
      orders:
        columns:
          - { name: id, type: serial, primary_key: true }
          - { name: note, type: text }
        grants: [{ to: [web], privileges: [INSERT] }]
      legacy: {}
";

/// `--spec` needs no server: the answer `apply` would make, pinned exactly,
/// with the INHERIT rule of the major asked for.
#[test]
fn explain_spec_answers_from_the_spec_alone() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let offline = |major: &str| {
        run(pg_provision().arg("-f").arg(&spec).args([
            "explain",
            "web",
            "--spec",
            "--server-major",
            major,
        ]))
    };
    let out = offline("15");
    assert_eq!(out.code, 0, "{out:?}");
    let expected = "\
explain `web` in database `(connected database)` (PostgreSQL 15, from the spec: what `apply` would make)
role `web`: LOGIN NOINHERIT
member without inheriting: reader (web → reader: web is NOINHERIT; SET ROLE allowed)

OBJECT                         OWNER      PRIVILEGES                                           WHY
database (connected database)  app_owner  CONNECT                                              granted by app_owner
                                          no CREATE TEMPORARY                                  not granted
schema app                     app_owner  no USAGE                                             granted to reader by app_owner, not inherited (web → reader): web is NOINHERIT; SET ROLE reader gives it
                                          no CREATE                                            not granted
table app.legacy               app_owner  no SELECT                                            granted to reader by app_owner, not inherited (web → reader): web is NOINHERIT; SET ROLE reader gives it
                                          no INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER  not granted
table app.orders               app_owner  INSERT                                               granted by app_owner
                                          no SELECT                                            granted to reader by app_owner, not inherited (web → reader): web is NOINHERIT; SET ROLE reader gives it
                                          no UPDATE DELETE TRUNCATE REFERENCES TRIGGER         not granted
sequence app.orders_id_seq     app_owner  none                                                 not granted

gaps
  schema app: `web` holds privileges on 1 object(s) in schema `app` but has no USAGE on the schema, so it cannot reach them: table app.orders
  table app.orders: INSERT into `orders` without a value for `id` fails: its default calls nextval(`app.orders_id_seq`), and `web` has neither USAGE nor UPDATE on that sequence

notes
  from the spec alone: only what it declares is shown (not tables your migrations create, nor the serial sequences and columns of adopted tables); roles outside the spec are taken to be plain roles
  table app.legacy: adopted without `rls:`: its row-level security is not known
";
    assert_eq!(out.stderr, expected, "\n{}", out.stderr);
    // From 16 the membership grant carries INHERIT, defaulting to the
    // member's attribute: the same answer, said the 16 way.
    let sixteen = offline("16");
    assert!(
        sixteen
            .stderr
            .contains("web → reader is granted without INHERIT"),
        "{sixteen:?}"
    );
}

/// The `$ pg-provision explain …` blocks of the chatbot example's README
/// (written from PostgreSQL 16): (arguments, output).
fn readme_blocks() -> Vec<(Vec<String>, String)> {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("provision/examples/chatbot-handover/README.md"),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if let Some(args) = line.strip_prefix("$ pg-provision explain ") {
            let text: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            let mut args: Vec<String> = args.split_whitespace().map(str::to_string).collect();
            args.insert(0, "explain".into());
            out.push((args, format!("{}\n", text.join("\n"))));
        }
    }
    out
}

/// The chatbot README answers the story's questions with real output: what
/// `explain` prints after the hand-over, on every major; and what it says
/// about the story's own half-fixed database is so.
#[test]
fn the_chatbot_readme_shows_what_explain_prints() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures/examples/chatbot-handover");
    let spec = root.join("provision/examples/chatbot-handover/provision.yaml");
    let env = [
        ("CHATBOT_USER_PASSWORD", "chatbot-Secret-1"),
        ("METABASE_PASSWORD", "metabase-Secret-2"),
    ];
    let cluster = Cluster::start();
    for db in ["chatbot_db", "story"] {
        cluster.create_database(db);
        crate::handwritten::psql_file(&cluster, db, &fixtures.join("before.sql"));
    }
    crate::handwritten::psql_file(&cluster, "story", &fixtures.join("story-attempts.sql"));
    let mut cmd = pg_provision();
    cmd.envs(env)
        .arg("-f")
        .arg(&spec)
        .arg("--database-url")
        .arg(cluster.superuser_url("chatbot_db"))
        .arg("apply");
    let apply = run(&mut cmd);
    assert_eq!(apply.code, 0, "{apply:?}");

    let blocks = readme_blocks();
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    for (args, expected) in blocks {
        let mut cmd = pg_provision();
        cmd.arg("--database-url")
            .arg(cluster.superuser_url("chatbot_db"))
            .args(&args);
        let out = run(&mut cmd);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            normalise(&out.stderr, cluster.major()),
            normalise(&expected, 16),
            "README block `pg-provision {}` differs from what explain prints:\n{}",
            args.join(" "),
            out.stderr
        );
    }

    let story = explain_run(
        &cluster,
        "story",
        None,
        &[],
        &[
            "chatbot_user",
            "chatbot_schema.messages",
            "--output",
            "json",
        ],
    )
    .json();
    let messages = &story["objects"][0];
    assert_eq!(messages["owner"], "postgres");
    assert!(
        messages["privileges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["held"] == false && a["blocked"].as_array().unwrap().is_empty()),
        "{messages}"
    );
}
