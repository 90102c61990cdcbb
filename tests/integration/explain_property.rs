//! `explain` as a property, on every major: for every role × object ×
//! privilege, explain's answer (held, and held WITH GRANT OPTION) equals the
//! server's `has_*_privilege`; row-level security applies exactly when the
//! server's `row_security_active` says so as that role; what it predicts
//! for objects created later comes true when they are created; and
//! `explain --spec` answers what live `explain` answers after `apply`.
//! Checked here on the three shipped examples; `explain_matrix.rs` runs the
//! same checks on generated specs.

use crate::cmd::{Run, pg_provision, run};
use crate::support::cluster::Cluster;
use postgres::Client;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (class, object, column, privilege): class is `database`, `schema`,
/// `table` (views too), `column`, `sequence`, `function` or `type`.
pub type Key = (String, String, String, String);
/// Held, and held with grant option.
pub type Answers = BTreeMap<Key, (bool, bool)>;

/// User schemas, as `explain` sees them (pg-provision's own state schema left out).
const USER_SCHEMA: &str =
    "n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')";

fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '{catalog}'::regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// `"name"`, for the few statements tests build with role names.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `pg-provision [-f spec] --database-url <superuser> explain <args>`, with `env`.
pub fn explain_run(
    cluster: &Cluster,
    db: &str,
    spec: Option<&Path>,
    env: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let mut cmd = pg_provision();
    cmd.envs(env.iter().copied());
    if let Some(spec) = spec {
        cmd.arg("-f").arg(spec);
    }
    cmd.arg("--database-url")
        .arg(cluster.superuser_url(db))
        .arg("explain")
        .args(args);
    run(&mut cmd)
}

/// `explain ROLE --output json` (live), parsed.
pub fn explain_json(cluster: &Cluster, db: &str, role: &str) -> Value {
    let out = explain_run(cluster, db, None, &[], &[role, "--output", "json"]);
    assert_eq!(out.code, 0, "explain {role}: {out:?}");
    out.json()
}

/// Every role but the predefined ones.
pub fn roles(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The server's own answers for `role` on every object explain covers.
pub fn server_answers(client: &mut Client, role: &str, major: u32) -> Answers {
    let table = if major >= 17 {
        "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER,MAINTAIN"
    } else {
        "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER"
    };
    let class = not_extension_member("pg_catalog.pg_class", "c.oid");
    let proc = not_extension_member("pg_catalog.pg_proc", "p.oid");
    let typ = not_extension_member("pg_catalog.pg_type", "t.oid");
    let both = |f: &str, args: &str| {
        format!("{f}($1::text, {args}, q), {f}($1::text, {args}, q || ' WITH GRANT OPTION')")
    };
    let sql = format!(
        "SELECT coalesce(json_agg(json_build_array(k, id, col, q, held, grantable)), '[]')::text FROM (
  SELECT 'database' k, d.datname::text id, '' col, q, {db} FROM pg_catalog.pg_database d,
    unnest('{{CONNECT,CREATE,TEMPORARY}}'::text[]) q WHERE d.datname = current_database()
  UNION ALL
  SELECT 'schema', n.nspname::text, '', q, {schema} FROM pg_catalog.pg_namespace n,
    unnest('{{USAGE,CREATE}}'::text[]) q WHERE {USER_SCHEMA}
  UNION ALL
  SELECT 'table', n.nspname || '.' || c.relname, '', q, {table_fn}
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
    unnest('{{{table}}}'::text[]) q
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_SCHEMA} AND {class}
  UNION ALL
  SELECT 'column', n.nspname || '.' || c.relname, a.attname::text, q, {column}
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped,
    unnest('{{SELECT,INSERT,UPDATE,REFERENCES}}'::text[]) q
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_SCHEMA} AND {class}
  UNION ALL
  SELECT 'sequence', n.nspname || '.' || c.relname, '', q, {sequence}
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
    unnest('{{USAGE,SELECT,UPDATE}}'::text[]) q
    WHERE c.relkind = 'S' AND {USER_SCHEMA} AND {class}
  UNION ALL
  SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
    '', q, {function}
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace,
    unnest('{{EXECUTE}}'::text[]) q WHERE {USER_SCHEMA} AND {proc}
  UNION ALL
  SELECT 'type', n.nspname || '.' || t.typname, '', q, {type_fn}
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace,
    unnest('{{USAGE}}'::text[]) q
    WHERE t.typtype IN ('e', 'c', 'r', 'd') AND {USER_SCHEMA} AND {typ}
      AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
) x(k, id, col, q, held, grantable)",
        db = both("has_database_privilege", "d.oid"),
        schema = both("has_schema_privilege", "n.oid"),
        table_fn = both("has_table_privilege", "c.oid"),
        column = both("has_column_privilege", "c.oid, a.attnum"),
        sequence = both("has_sequence_privilege", "c.oid"),
        function = both("has_function_privilege", "p.oid"),
        type_fn = both("has_type_privilege", "t.oid"),
    );
    let text: String = client
        .query_one(&sql, &[&role])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0);
    let rows: Vec<(String, String, String, String, bool, bool)> =
        serde_json::from_str(&text).unwrap();
    rows.into_iter()
        .map(|(k, id, col, q, held, grantable)| ((k, id, col, q), (held, grantable)))
        .collect()
}

/// The class and name an explain JSON object is compared under.
pub fn object_key(o: &Value) -> (String, String) {
    let kind = o["kind"].as_str().unwrap();
    let class = match kind {
        "database" | "schema" | "sequence" | "type" => kind,
        "function" | "procedure" | "aggregate" => "function",
        _ => "table",
    };
    let name = o["name"].as_str().unwrap();
    let id = match o["schema"].as_str() {
        None => name.to_string(),
        Some(s) => match o["args"].as_str() {
            Some(args) => format!("{s}.{name}({args})"),
            None => format!("{s}.{name}"),
        },
    };
    (class.to_string(), id)
}

fn privilege_answers(list: &Value) -> Vec<(String, (bool, bool))> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["privilege"].as_str().unwrap().to_string(),
                (
                    a["held"].as_bool().unwrap(),
                    a["grantable"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

/// Explain's answers in the same shape as [`server_answers`].
pub fn explain_answers(report: &Value) -> Answers {
    let mut out = Answers::new();
    for o in report["objects"].as_array().unwrap() {
        let (class, id) = object_key(o);
        for (p, a) in privilege_answers(&o["privileges"]) {
            out.insert((class.clone(), id.clone(), String::new(), p), a);
        }
        for c in o["columns"].as_array().into_iter().flatten() {
            let col = c["name"].as_str().unwrap().to_string();
            for (p, a) in privilege_answers(&c["privileges"]) {
                out.insert(("column".into(), id.clone(), col.clone(), p), a);
            }
        }
    }
    out
}

/// Differences between two sets of answers, for a failure message.
pub fn differences(left: &Answers, right: &Answers, names: (&str, &str)) -> Vec<String> {
    let keys: BTreeSet<&Key> = left.keys().chain(right.keys()).collect();
    keys.into_iter()
        .filter(|k| left.get(*k) != right.get(*k))
        .map(|k| {
            format!(
                "{} {} {} {}: {} {:?}, {} {:?}",
                k.0,
                k.1,
                k.2,
                k.3,
                names.0,
                left.get(k),
                names.1,
                right.get(k)
            )
        })
        .collect()
}

/// Tables where row-level security applies to `role`, per the server
/// (`row_security_active` after `SET ROLE`), and per explain.
fn rls_active(client: &mut Client, role: &str) -> BTreeMap<String, bool> {
    client
        .batch_execute(&format!("SET ROLE {}", quote(role)))
        .unwrap();
    let text: String = client
        .query_one(
            &format!(
                "SELECT coalesce(json_object_agg(n.nspname || '.' || c.relname,
                   pg_catalog.row_security_active(c.oid)), '{{}}')::text
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p', 'f') AND {USER_SCHEMA} AND {}",
                not_extension_member("pg_catalog.pg_class", "c.oid")
            ),
            &[],
        )
        .unwrap()
        .get(0);
    client.batch_execute("RESET ROLE").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn explain_rls(report: &Value) -> BTreeMap<String, bool> {
    report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| !o["row_security"].is_null())
        .map(|o| {
            (
                object_key(o).1,
                o["row_security"]["applies"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Asserts live explain equals the server for every role, and returns the
/// reports by role.
pub fn assert_live_matches_server(cluster: &Cluster, db: &str) -> BTreeMap<String, Value> {
    let mut client = cluster.client(db);
    let mut reports = BTreeMap::new();
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for role in roles(&mut client) {
        let report = explain_json(cluster, db, &role);
        let server = server_answers(&mut client, &role, cluster.major());
        let explained = explain_answers(&report);
        checked += server.len();
        failures.extend(
            differences(&server, &explained, ("server", "explain"))
                .into_iter()
                .map(|d| format!("{role}: {d}")),
        );
        let rls_server = rls_active(&mut client, &role);
        let rls_explain = explain_rls(&report);
        if rls_server != rls_explain {
            failures.push(format!(
                "{role}: row security applies per server {rls_server:?}, per explain {rls_explain:?}"
            ));
        }
        reports.insert(role, report);
    }
    assert!(
        failures.is_empty(),
        "explain differs from has_*_privilege on PostgreSQL {} ({} of {checked} answers):\n{}",
        cluster.major(),
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked > 0);
    reports
}

/// Per privilege: (held, grantable).
type PrivilegeAnswers = Vec<(String, (bool, bool))>;

/// What each role will hold on later objects: (creator, schema, kind) →
/// privilege → (held, grantable).
fn future(report: &Value) -> BTreeMap<(String, String, String), PrivilegeAnswers> {
    report["default_privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                (
                    f["creator"].as_str().unwrap().to_string(),
                    f["schema"].as_str().unwrap_or("").to_string(),
                    f["kind"].as_str().unwrap().to_string(),
                ),
                privilege_answers(&f["privileges"]),
            )
        })
        .collect()
}

/// Creates one object per default-privileges row the reports list, as its
/// creator (global rows: in a fresh schema no entry names), and asserts
/// every role holds on it what explain predicted.
pub fn assert_default_privileges_come_true(
    cluster: &Cluster,
    db: &str,
    reports: &BTreeMap<String, Value>,
) {
    let mut client = cluster.client(db);
    let rows: BTreeSet<(String, String, String)> = reports
        .values()
        .flat_map(|r| future(r).into_keys())
        .collect();
    client.batch_execute("CREATE SCHEMA explain_later").unwrap();
    let mut failures = Vec::new();
    for (i, (creator, schema, kind)) in rows.iter().enumerate() {
        let schema = if schema.is_empty() {
            "explain_later"
        } else {
            schema
        };
        let name = format!("later_{i}");
        let q = quote(creator);
        let (create, check, privileges): (String, String, &[&str]) = match kind.as_str() {
            "tables" => (
                format!("CREATE TABLE {schema}.{name} (x integer)"),
                format!("has_table_privilege($1::text, '{schema}.{name}'::regclass, $2)"),
                if cluster.major() >= 17 {
                    &[
                        "SELECT",
                        "INSERT",
                        "UPDATE",
                        "DELETE",
                        "TRUNCATE",
                        "REFERENCES",
                        "TRIGGER",
                        "MAINTAIN",
                    ]
                } else {
                    &[
                        "SELECT",
                        "INSERT",
                        "UPDATE",
                        "DELETE",
                        "TRUNCATE",
                        "REFERENCES",
                        "TRIGGER",
                    ]
                },
            ),
            "sequences" => (
                format!("CREATE SEQUENCE {schema}.{name}"),
                format!("has_sequence_privilege($1::text, '{schema}.{name}'::regclass, $2)"),
                &["USAGE", "SELECT", "UPDATE"],
            ),
            "functions" => (
                format!(
                    "CREATE FUNCTION {schema}.{name}() RETURNS integer LANGUAGE sql AS 'SELECT 1'"
                ),
                format!("has_function_privilege($1::text, '{schema}.{name}()'::regprocedure, $2)"),
                &["EXECUTE"],
            ),
            "types" => (
                format!("CREATE TYPE {schema}.{name} AS ENUM ('a')"),
                format!("has_type_privilege($1::text, '{schema}.{name}'::regtype, $2)"),
                &["USAGE"],
            ),
            "schemas" => (
                format!("CREATE SCHEMA {name}"),
                format!("has_schema_privilege($1::text, '{name}', $2)"),
                &["USAGE", "CREATE"],
            ),
            other => panic!("unexpected kind {other}"),
        };
        // The creator needs CREATE where it creates; granted here, after
        // every report was taken.
        let grant = if kind == "schemas" {
            format!("GRANT CREATE ON DATABASE {} TO {q}", quote(db))
        } else {
            format!("GRANT CREATE ON SCHEMA {schema} TO {q}")
        };
        client
            .batch_execute(&format!("{grant}; SET ROLE {q}; {create}; RESET ROLE"))
            .unwrap_or_else(|e| panic!("{create} as {creator}: {e:?}"));
        for (role, report) in reports {
            let predicted = future(report);
            let Some(row) = predicted.get(&(creator.clone(), schema_key(schema), kind.clone()))
            else {
                continue;
            };
            for p in privileges {
                let held: bool = client
                    .query_one(&format!("SELECT {check}"), &[role, &p.to_string()])
                    .unwrap()
                    .get(0);
                let with_option: bool = client
                    .query_one(
                        &format!("SELECT {check}"),
                        &[role, &format!("{p} WITH GRANT OPTION")],
                    )
                    .unwrap()
                    .get(0);
                let want = row.iter().find(|(q, _)| q == p).map(|(_, a)| *a);
                if want != Some((held, with_option)) {
                    failures.push(format!(
                        "{role} on {kind} {creator} creates in {schema}: {p}: server {:?}, explain {want:?}",
                        (held, with_option)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "default privileges did not come true as explained on PostgreSQL {}:\n{}",
        cluster.major(),
        failures.join("\n")
    );
}

fn schema_key(schema: &str) -> String {
    if schema == "explain_later" {
        String::new()
    } else {
        schema.to_string()
    }
}

/// Asserts `explain --spec` (this spec, the server's version) answers what
/// live explain answered for every role the spec declares, on every object
/// the spec knows of; and that it knows of nothing that does not exist.
pub fn assert_spec_matches_live(
    cluster: &Cluster,
    db: &str,
    spec: &Path,
    env: &[(&str, &str)],
    declared: &[&str],
    live: &BTreeMap<String, Value>,
) {
    let mut failures = Vec::new();
    for role in declared {
        let out = explain_run(
            cluster,
            db,
            Some(spec),
            env,
            &[role, "--spec", "--output", "json"],
        );
        assert_eq!(out.code, 0, "explain {role} --spec: {out:?}");
        let offline = out.json();
        assert_eq!(offline["from"], "spec");
        assert_eq!(offline["server_major"], cluster.major());
        let online = &live[*role];
        let live_objects: BTreeMap<(String, String), &Value> = online["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (object_key(o), o))
            .collect();
        for o in offline["objects"].as_array().unwrap() {
            let key = object_key(o);
            let Some(l) = live_objects.get(&key) else {
                failures.push(format!(
                    "{role}: --spec shows {key:?}, which does not exist"
                ));
                continue;
            };
            if !o["owner"].is_null() && o["owner"] != l["owner"] {
                failures.push(format!(
                    "{role}: {key:?} owner: spec {}, live {}",
                    o["owner"], l["owner"]
                ));
            }
            let want: Vec<_> = privilege_answers(&o["privileges"]);
            let have: Vec<_> = privilege_answers(&l["privileges"]);
            if want != have {
                failures.push(format!("{role}: {key:?}: spec {want:?}, live {have:?}"));
            }
            for c in o["columns"].as_array().into_iter().flatten() {
                let name = &c["name"];
                let lc = l["columns"]
                    .as_array()
                    .and_then(|cs| cs.iter().find(|x| &x["name"] == name));
                match lc {
                    None => failures.push(format!("{role}: {key:?} column {name}: not live")),
                    Some(lc) => {
                        let want = privilege_answers(&c["privileges"]);
                        let have = privilege_answers(&lc["privileges"]);
                        if want != have {
                            failures.push(format!(
                                "{role}: {key:?} column {name}: spec {want:?}, live {have:?}"
                            ));
                        }
                    }
                }
            }
            if !o["row_security"].is_null() {
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    if let Some(m) = v.as_object_mut() {
                        m.remove("reason");
                    }
                    v
                };
                if strip(&o["row_security"]) != strip(&l["row_security"]) {
                    failures.push(format!(
                        "{role}: {key:?} row security: spec {}, live {}",
                        o["row_security"], l["row_security"]
                    ));
                }
            }
        }
        let spec_future = future(&offline);
        let live_future = future(online);
        if spec_future != live_future {
            failures.push(format!(
                "{role}: default privileges: spec {spec_future:?}, live {live_future:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "explain --spec differs from live explain after apply on PostgreSQL {}:\n{}",
        cluster.major(),
        failures.join("\n")
    );
}

/// The roles a spec file declares under `roles:` (top-level keys only).
pub fn declared_roles(spec: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(spec).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("roles:") {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
                break;
            }
            let trimmed = line.trim_start();
            if line.len() - trimmed.len() == 2
                && !trimmed.starts_with('#')
                && let Some((name, _)) = trimmed.split_once(':')
            {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// All three checks on a database `apply` just provisioned from `spec`.
pub fn assert_explain_properties(cluster: &Cluster, db: &str, spec: &Path, env: &[(&str, &str)]) {
    let declared = declared_roles(spec);
    assert!(!declared.is_empty(), "no roles found in {}", spec.display());
    let live = assert_live_matches_server(cluster, db);
    let declared: Vec<&str> = declared.iter().map(String::as_str).collect();
    assert_spec_matches_live(cluster, db, spec, env, &declared, &live);
    assert_default_privileges_come_true(cluster, db, &live);
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn explain_is_the_server_s_answer_on_the_task_tracker() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::example::example_spec(dir.path());
    let apply = crate::cmd::provision(&spec, &cluster.superuser_url("app"), &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_explain_properties(&cluster, "app", &spec, &[]);
}

#[test]
fn explain_is_the_server_s_answer_on_the_audited_shop() {
    let cluster = Cluster::start();
    cluster.create_database("shop");
    let spec = root().join("provision/examples/audited-shop/provision.yaml");
    let env = [
        ("SHOP_RICHARD_PASSWORD", "richard-Secret-1"),
        ("SHOP_ALICE_PASSWORD", "alice-Secret-1"),
    ];
    let mut cmd = pg_provision();
    cmd.envs(env)
        .arg("-f")
        .arg(&spec)
        .arg("--database-url")
        .arg(cluster.superuser_url("shop"))
        .arg("apply");
    let apply = run(&mut cmd);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_explain_properties(&cluster, "shop", &spec, &env);
}

#[test]
fn explain_is_the_server_s_answer_on_the_chatbot_handover() {
    let cluster = Cluster::start();
    cluster.create_database("chatbot_db");
    crate::handwritten::psql_file(
        &cluster,
        "chatbot_db",
        &root().join("tests/fixtures/examples/chatbot-handover/before.sql"),
    );
    // Before the hand-over, too: postgres's objects, the built-in defaults.
    assert_live_matches_server(&cluster, "chatbot_db");
    let spec = root().join("provision/examples/chatbot-handover/provision.yaml");
    let env = [
        ("CHATBOT_USER_PASSWORD", "chatbot-Secret-1"),
        ("METABASE_PASSWORD", "metabase-Secret-2"),
    ];
    let mut cmd = pg_provision();
    cmd.envs(env)
        .arg("-f")
        .arg(&spec)
        .arg("--database-url")
        .arg(cluster.superuser_url("chatbot_db"))
        .arg("apply");
    let apply = run(&mut cmd);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_explain_properties(&cluster, "chatbot_db", &spec, &env);
}
