//! `pg-provision export` on real PostgreSQL: the round trip is the test.
//! For every hand-written SQL fixture: run it on cluster A, export, `apply`
//! the export on an empty cluster B, then the catalog fingerprints of A and
//! B are equal, `check` of the export against A exits 0, the export of B is
//! byte for byte the export of A, exporting twice gives the same bytes, and
//! `validate` passes. Plus the options (`--adopt`, `--split`,
//! `--roles-only`, schema filters) and what the spec cannot express.

use crate::cmd::{Run, pg_provision, run};
use crate::fingerprint::{assert_same, fingerprint};
use crate::handwritten::psql_file;
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

const DB: &str = "app";

/// A database built by SQL scripts, and the passwords its roles were given.
struct Fixture {
    scripts: &'static [&'static str],
    /// (role, password): the export names `<ROLE>_PASSWORD`.
    passwords: &'static [(&'static str, &'static str)],
}

impl Fixture {
    fn env(&self) -> Vec<(String, String)> {
        self.passwords
            .iter()
            .map(|(role, pw)| (format!("{}_PASSWORD", role.to_uppercase()), pw.to_string()))
            .collect()
    }

    fn build(&self) -> Cluster {
        let a = Cluster::start();
        a.create_database(DB);
        for s in self.scripts {
            psql_file(&a, DB, &crate::cmd::fixtures().join(s));
        }
        a
    }
}

/// `pg-provision <args>` against `cluster` with the fixture's passwords.
fn pgp(cluster: &Cluster, env: &[(String, String)], args: &[&str]) -> Run {
    let mut cmd = pg_provision();
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .arg("--database-url")
        .arg(cluster.superuser_url(DB))
        .args(args);
    run(&mut cmd)
}

/// `export -o <file>` (plus `extra`), asserting success; returns the text.
fn export_to(cluster: &Cluster, file: &Path, extra: &[&str]) -> (String, Run) {
    let mut args = vec!["export", "-o", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = pgp(cluster, &[], &args);
    assert_eq!(r.code, 0, "{r:?}");
    (std::fs::read_to_string(file).unwrap(), r)
}

fn with_spec(spec: &Path, args: &[&str]) -> Vec<String> {
    let mut v = vec!["-f".to_string(), spec.display().to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The round trip; `expected_changes` are fingerprint lines (prefixes) the
/// export is known to write differently (it says so in its header).
fn round_trip(
    f: &Fixture,
    expected_changes: &[&str],
) -> (Cluster, Cluster, PathBuf, tempfile::TempDir) {
    let a = f.build();
    let b = Cluster::start();
    b.create_database(DB);
    let env = f.env();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("a.yaml");
    let (text, first) = export_to(&a, &spec, &[]);
    let (again, _) = export_to(&a, &dir.path().join("again.yaml"), &[]);
    assert_eq!(text, again, "exporting twice gives different bytes");
    for (_, pw) in f.passwords {
        assert!(
            !text.contains(pw) && !first.stderr.contains(pw),
            "a password leaked:\n{text}"
        );
    }
    let stdout = pgp(&a, &[], &["export"]);
    assert_eq!(stdout.code, 0, "{stdout:?}");
    assert_eq!(stdout.stdout, text, "stdout and -o differ");

    let valid = pgp(&a, &env, &strs(&with_spec(&spec, &["validate"])));
    assert_eq!(valid.code, 0, "validate:\n{text}\n{valid:?}");
    let applied = pgp(&b, &env, &strs(&with_spec(&spec, &["apply"])));
    assert_eq!(applied.code, 0, "apply on B:\n{text}\n{applied:?}");

    let (fa, fb) = (fingerprint(&a, DB), fingerprint(&b, DB));
    if expected_changes.is_empty() {
        assert_same("A (fixture)", &fa, "B (apply of the export)", &fb);
    } else {
        let keep = |f: &str| {
            f.lines()
                .filter(|l| !expected_changes.iter().any(|p| l.starts_with(p)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_same(
            "A (fixture)",
            &keep(&fa),
            "B (apply of the export)",
            &keep(&fb),
        );
        assert_ne!(fa, fb, "the expected differences did not happen");
    }

    let check = pgp(&a, &env, &strs(&with_spec(&spec, &["check"])));
    if expected_changes.is_empty() {
        assert_eq!(
            check.code, 0,
            "check of the export against A:\n{text}\n{check:?}"
        );
    } else {
        assert_eq!(check.code, 2, "{check:?}");
    }
    let (from_b, _) = export_to(&b, &dir.path().join("b.yaml"), &[]);
    if expected_changes.is_empty() {
        assert_eq!(text, from_b, "the export of B differs from the export of A");
    } else {
        // B has what the export wrote instead: the same spec, without the
        // header's list of differences.
        let body = |t: &str| {
            t.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            body(&text),
            body(&from_b),
            "the export of B differs from the export of A"
        );
    }
    (a, b, spec, dir)
}

const CORE: Fixture = Fixture {
    scripts: &["core/handwritten.sql"],
    passwords: &[
        ("authenticator", "auth-Secret-42"),
        ("migrator", "migrator-Secret-7"),
    ],
};

const TRACKER: Fixture = Fixture {
    scripts: &["examples/tracker/handwritten.sql"],
    passwords: &[("authenticator", "tracker-auth-Secret-1")],
};

#[test]
fn core_round_trips() {
    round_trip(&CORE, &[]);
}

#[test]
fn tracker_round_trips() {
    let (_, _, spec, _dir) = round_trip(&TRACKER, &[]);
    let text = std::fs::read_to_string(spec).unwrap();
    assert!(
        text.contains("password: { env: AUTHENTICATOR_PASSWORD }  # not exported"),
        "{text}"
    );
    assert!(text.contains("type: serial, primary_key: true"), "{text}");
}

#[test]
fn faulty_init_scripts_round_trip_with_pinned_definers() {
    // The spec refuses a SECURITY DEFINER function without a pinned
    // search_path (design item 7): the export pins one and says so; that
    // setting is the only difference.
    let f = Fixture {
        scripts: &["examples/tracker/faulty-init.sql"],
        passwords: &[("authenticator", "tracker-auth-Secret-1")],
    };
    let (a, _, spec, _dir) = round_trip(
        &f,
        &[
            "function app_functions.login(p_username text, p_password text) kind=",
            "function app_functions.register_user(p_username text, p_password text) kind=",
        ],
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(
        text.contains("# Exported differently from the database (review these):"),
        "{text}"
    );
    assert!(
        text.contains("exported with `search_path: [pg_catalog, public, pg_temp]`"),
        "{text}"
    );
    let check = pgp(&a, &f.env(), &strs(&with_spec(&spec, &["check"])));
    let differs: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("differs:"))
        .collect();
    assert_eq!(differs.len(), 2, "{check:?}");
    assert!(differs.iter().all(|l| l.contains("app_functions.login") || l.contains("app_functions.register_user")));
}

#[test]
fn audited_shop_round_trips() {
    round_trip(
        &Fixture {
            scripts: &["examples/audited-shop/handwritten.sql"],
            passwords: &[("richard", "richard-Secret-1"), ("alice", "alice-Secret-1")],
        },
        &[],
    );
}

#[test]
fn chatbot_handover_round_trips() {
    let (_, _, spec, _dir) = round_trip(
        &Fixture {
            scripts: &[
                "examples/chatbot-handover/before.sql",
                "examples/chatbot-handover/handwritten.sql",
            ],
            passwords: &[
                ("chatbot_user", "chatbot-Secret-1"),
                ("metabase", "metabase-Secret-2"),
            ],
        },
        &[],
    );
    // What the catalog means: schema-wide reads for the creators, including postgres.
    let text = std::fs::read_to_string(spec).unwrap();
    assert!(
        text.contains("      - on: tables\n        to: [chatbot_reader]\n        privileges: [SELECT]\n        for_roles: [chatbot_user, postgres]\n"),
        "{text}"
    );
}

#[test]
fn chatbot_story_attempts_round_trip() {
    round_trip(
        &Fixture {
            scripts: &[
                "examples/chatbot-handover/before.sql",
                "examples/chatbot-handover/story-attempts.sql",
            ],
            passwords: &[("chatbot_user", "an-old-password")],
        },
        &[],
    );
}

#[test]
fn postgrest_init_script_round_trips() {
    round_trip(
        &Fixture {
            scripts: &["export/postgrest.sql"],
            passwords: &[("authenticator", "postgrest-Secret-1")],
        },
        &[],
    );
}

const REPORTING: Fixture = Fixture {
    scripts: &["export/reporting.sql"],
    passwords: &[("etl", "etl-Secret-1"), ("dashboard", "dash-Secret-2")],
};

#[test]
fn reporting_setup_round_trips_with_schema_wide_grants() {
    let (_, _, spec, _dir) = round_trip(&REPORTING, &[]);
    let text = std::fs::read_to_string(spec).unwrap();
    for expected in [
        "- { on: tables, to: [analysts], privileges: [SELECT] }",
        "- { on: functions, to: [analysts], privileges: [EXECUTE] }",
        "- { on: tables, to: [warehouse_owner], privileges: [SELECT], for_roles: [etl] }",
        "revoke: [{ from: [analysts], privileges: [SELECT] }]",
        "- { to: [analysts], privileges: [SELECT], columns: [employee, department] }",
        "- { for_role: warehouse_owner, on: functions, revoke: { from: [PUBLIC], privileges: [EXECUTE] } }",
        "name: revenue",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn legacy_database_round_trips() {
    round_trip(
        &Fixture {
            scripts: &["export/legacy.sql"],
            passwords: &[
                ("legacy_app", "legacy-Secret-1"),
                ("admin_user", "admin-Secret-1"),
            ],
        },
        &[],
    );
}

#[test]
fn split_writes_bodies_and_queries_to_files_the_spec_reads() {
    let a = TRACKER.build();
    let b = Cluster::start();
    b.create_database(DB);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision/provision.yaml");
    std::fs::create_dir_all(spec.parent().unwrap()).unwrap();
    let sql = dir.path().join("provision/sql");
    let (text, _) = export_to(&a, &spec, &["--split", sql.to_str().unwrap()]);
    assert!(
        text.contains("body_file: sql/app_functions/login.sql"),
        "{text}"
    );
    assert!(
        text.contains("query_file: sql/api/tasks.view.sql"),
        "{text}"
    );
    let body = std::fs::read_to_string(sql.join("app_functions/login.sql")).unwrap();
    assert!(body.starts_with("DECLARE\n"), "{body}");
    let env = TRACKER.env();
    let applied = pgp(&b, &env, &strs(&with_spec(&spec, &["apply"])));
    assert_eq!(applied.code, 0, "{applied:?}");
    assert_same("A", &fingerprint(&a, DB), "B", &fingerprint(&b, DB));
    let (again, _) = export_to(&a, &spec, &["--split", sql.to_str().unwrap()]);
    assert_eq!(text, again);
    let no_out = pgp(&a, &[], &["export", "--split", "x"]);
    assert_eq!(no_out.code, 64, "{no_out:?}");
    assert!(
        no_out.stderr.contains("`--split` needs `-o FILE`"),
        "{no_out:?}"
    );
}

#[test]
fn adopt_lists_objects_without_their_structure() {
    let a = REPORTING.build();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("adopt.yaml");
    let (text, _) = export_to(&a, &spec, &["--adopt"]);
    for absent in ["columns:\n", "query:", "body:", "values:", "as: integer"] {
        assert!(!text.contains(absent), "{absent} in:\n{text}");
    }
    assert!(
        text.contains("args: from_day date, to_day date")
            || text.contains("args: 'from_day date, to_day date'"),
        "{text}"
    );
    let env = REPORTING.env();
    let valid = pgp(&a, &env, &strs(&with_spec(&spec, &["validate"])));
    assert_eq!(valid.code, 0, "{valid:?}");
    let check = pgp(&a, &env, &strs(&with_spec(&spec, &["check"])));
    assert_eq!(check.code, 0, "{text}\n{check:?}");
    let (again, _) = export_to(&a, &spec, &["--adopt"]);
    assert_eq!(text, again);
}

#[test]
fn roles_only_and_schema_filters() {
    let a = REPORTING.build();
    let dir = tempfile::tempdir().unwrap();
    let (roles, _) = export_to(&a, &dir.path().join("roles.yaml"), &["--roles-only"]);
    assert!(
        roles.contains("dashboard:") && !roles.contains("database:") && !roles.contains("schemas:"),
        "{roles}"
    );
    let spec = dir.path().join("staging.yaml");
    let (staging, _) = export_to(&a, &spec, &["--exclude-schema", "reporting"]);
    assert!(
        staging.contains("  staging:") && !staging.contains("  reporting:"),
        "{staging}"
    );
    assert!(!staging.contains("in_schema: reporting"), "{staging}");
    let env = REPORTING.env();
    let check = pgp(&a, &env, &strs(&with_spec(&spec, &["check"])));
    assert_eq!(check.code, 0, "{staging}\n{check:?}");
    let (only, _) = export_to(
        &a,
        &dir.path().join("only.yaml"),
        &["--schema", "reporting"],
    );
    assert!(
        only.contains("  reporting:") && !only.contains("  staging:"),
        "{only}"
    );
}

#[test]
fn what_the_spec_cannot_express_is_listed_at_the_top_and_on_stderr() {
    let a = Cluster::start();
    a.create_database(DB);
    let out = a.psql(
        DB,
        "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
         CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
         CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
         CREATE TABLE t (id int, EXCLUDE USING btree (id WITH =));
         CREATE INDEX t_desc ON t (id DESC);
         CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);
         CREATE PUBLICATION pub FOR ALL TABLES;
         CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
         CREATE EVENT TRIGGER ddl ON ddl_command_start EXECUTE FUNCTION on_ddl();
         CREATE FUNCTION atomic_one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("x.yaml");
    let (text, r) = export_to(&a, &spec, &[]);
    for expected in [
        "`public.mv`: a materialized view",
        "domain `public.positive`",
        "`public.parted`: a partitioned table (PARTITION BY)",
        "an exclusion constraint",
        "index `public.t_desc`: options the spec cannot write",
        "function `public.total(integer)`: an aggregate",
        "publication `pub`",
        "event trigger `ddl`",
        "function `public.atomic_one()`: a SQL-standard body",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("#   - ") && l.contains(expected)),
            "{expected:?} not in:\n{text}"
        );
        assert!(
            r.stderr.contains(expected),
            "{expected:?} not on stderr:\n{}",
            r.stderr
        );
    }
    let valid = pgp(&a, &[], &strs(&with_spec(&spec, &["validate"])));
    assert_eq!(valid.code, 0, "{text}\n{valid:?}");
}
