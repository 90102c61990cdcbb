//! Security lints as users run them: `lint` on a spec (lines pinned), the
//! warnings of `validate` and `plan`, `--deny`/`--allow`, and `lint --live`
//! on real databases — one built by seed 001's init scripts (and more
//! mistakes), one converged from the shipped tracker spec.

use crate::cmd::{Run, fixtures, pg_provision, provision, run};
use crate::support::cluster::Cluster;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `pg-provision -f spec <args…>` without a database, with `env` set.
fn offline(spec: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = pg_provision();
    cmd.arg("-f").arg(spec).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SEED_ENV: &[(&str, &str)] = &[("API_USER_PASSWORD", "api-Secret-1")];

#[test]
fn seed_001_mistakes_are_reported_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("lint/seed-001.yaml")).unwrap();
    let spec = write(dir.path(), "provision.yaml", &text);

    // Mistake 1 is refused by validation (DESIGN item 7), before any lint.
    let refused = offline(&spec, SEED_ENV, &["lint"]);
    assert_eq!(refused.code, 65, "{refused:?}");
    let expected = format!(
        "{}:50:9: schemas.app_functions.functions.register_user.security: a SECURITY DEFINER function needs a pinned `search_path`",
        spec.display()
    );
    assert!(refused.stderr.contains(&expected), "{refused:?}");

    // Pinned, the two others are findings at their lines.
    let pinned = text.replace(
        "        security: definer\n",
        "        security: definer\n        search_path: [pg_catalog, pg_temp]\n",
    );
    let spec = write(dir.path(), "provision.yaml", &pinned);
    let found = offline(&spec, SEED_ENV, &["lint"]);
    assert_eq!(
        found.code, 2,
        "an error-level finding fails `lint`: {found:?}"
    );
    let file = spec.display();
    let heads: Vec<&str> = found
        .stdout
        .lines()
        .filter(|l| !l.starts_with("  hint:"))
        .collect();
    assert_eq!(
        heads,
        [
            format!(
                "{file}:37:13: warning[insert-without-sequence-usage]: schemas.app_data.tables.users.grants[0]: `api_anon` may INSERT into table `app_data.users` but has no USAGE on sequence `app_data.users_user_id_seq` behind column `user_id`: an insert that takes the column's default fails with `permission denied for sequence users_user_id_seq`"
            ),
            format!(
                "{file}:40:11: error[policy-always-true-write]: schemas.app_data.tables.users.policies.allow_all_users: permissive policy `allow_all_users` on table `app_data.users` lets `api_anon` and `api_authenticated` write every row: `FOR ALL` with `USING (true)`"
            ),
            format!(
                "{file}:58:18: warning[definer-executable-by-api-role]: schemas.app_functions.functions.register_user.grants[0]: API role(s) `api_anon` and `api_authenticated` may execute SECURITY DEFINER function `app_functions.register_user(p_username text, p_password text)`, which runs with the rights of `app_owner`"
            ),
            format!(
                "{file}:60:3: warning[extension-in-public]: extensions.pgcrypto: extension `pgcrypto` is installed in schema `public`"
            ),
        ]
    );
    assert!(
        found.stderr.ends_with(&format!(
            "lint: 1 error, 3 warnings, 0 info (0 allowed) in `{file}`; API roles: PUBLIC, `api_anon`, `api_authenticated`\n"
        )),
        "{found:?}"
    );

    // JSON carries the same, with positions.
    let json = offline(&spec, SEED_ENV, &["lint", "--output", "json"]).json();
    assert_eq!(json["command"], "lint");
    assert_eq!(json["denied"], true);
    assert_eq!(json["findings"][1]["id"], "policy-always-true-write");
    assert_eq!(json["findings"][1]["origin"]["line"], 40);
    assert_eq!(json["counts"]["error"], 1);

    // Fixed in the spec, each one is gone.
    let fixed = pinned
        .replace(
            "      - { on: sequences, to: [api_user], privileges: [ALL] }\n",
            "      - { on: sequences, to: [api_user], privileges: [ALL] }\n      - { on: sequences, to: [api_anon], privileges: [USAGE] }\n",
        )
        .replace(
            "allow_all_users: { to: [api_anon, api_authenticated], using: \"true\" }",
            "read_users: { for: select, to: [api_anon, api_authenticated], using: \"true\" }",
        );
    let spec = write(dir.path(), "provision.yaml", &fixed);
    let clean = offline(&spec, SEED_ENV, &["lint", "--output", "json"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    let json = clean.json();
    let ids: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["definer-executable-by-api-role", "extension-in-public"]
    );
}

/// The three shipped specs, with what they need to load (secrets).
fn shipped_examples(dir: &Path) -> Vec<(PathBuf, Vec<(&'static str, &'static str)>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("provision");
    vec![
        (crate::example::example_spec(dir), vec![]),
        (
            root.join("examples/audited-shop/provision.yaml"),
            vec![("SHOP_RICHARD_PASSWORD", "x"), ("SHOP_ALICE_PASSWORD", "y")],
        ),
        (
            root.join("examples/chatbot-handover/provision.yaml"),
            vec![("CHATBOT_USER_PASSWORD", "x"), ("METABASE_PASSWORD", "y")],
        ),
    ]
}

#[test]
fn shipped_examples_are_lint_clean_or_allow_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let examples = shipped_examples(dir.path());
    for (spec, env) in &examples {
        let out = offline(spec, env, &["lint", "--deny", "info", "--output", "json"]);
        assert_eq!(out.code, 0, "{}: {out:?}", spec.display());
        let json = out.json();
        assert_eq!(
            json["findings"],
            serde_json::json!([]),
            "{}",
            spec.display()
        );
        for allowed in json["allowed"].as_array().unwrap() {
            assert!(
                !allowed["reason"].as_str().unwrap().trim().is_empty()
                    && allowed["allowed_by"]["line"].is_number(),
                "{allowed}"
            );
        }
    }
}

const WARNED: &str = "version: 1
roles:
  app: { login: true }
schemas:
  public:
    revoke: [{ from: [PUBLIC], privileges: [CREATE] }]
";

#[test]
fn validate_and_plan_print_lints_as_warnings_and_deny_fails_them() {
    let cluster = Cluster::start();
    let url = cluster.superuser_url("postgres");
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "provision.yaml", WARNED);
    let warning = format!(
        "{}:3:3: warning[login-without-password]: roles.app: login role `app` has no `password`",
        spec.display()
    );

    let validate = provision(&spec, &url, &["validate"]);
    assert_eq!(
        validate.code, 0,
        "warnings do not fail validate: {validate:?}"
    );
    assert!(validate.stderr.contains(&warning), "{validate:?}");
    assert!(
        validate
            .stderr
            .contains("lint: 0 errors, 1 warning, 0 info (0 allowed)"),
        "{validate:?}"
    );
    let denied = provision(&spec, &url, &["validate", "--deny", "warnings"]);
    assert_eq!(denied.code, 2, "{denied:?}");
    let allowed = provision(
        &spec,
        &url,
        &[
            "validate",
            "--deny",
            "warnings",
            "--allow",
            "login-without-password",
        ],
    );
    assert_eq!(allowed.code, 0, "{allowed:?}");
    let json = provision(&spec, &url, &["validate", "--output", "json"]).json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["lints"]["counts"]["warning"], 1);

    let plan = provision(&spec, &url, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(plan.stderr.contains(&warning), "{plan:?}");
    assert!(plan.stdout.contains("CREATE ROLE \"app\""), "{plan:?}");
    let denied = provision(&spec, &url, &["plan", "--deny", "warning"]);
    assert_eq!(denied.code, 2, "{denied:?}");
    assert!(
        denied.stdout.contains("CREATE ROLE \"app\""),
        "the plan is still printed: {denied:?}"
    );
    let json = provision(&spec, &url, &["plan", "--output", "json"]).json();
    assert_eq!(json["lints"]["findings"][0]["id"], "login-without-password");
    assert_eq!(json["lints"]["findings"][0]["origin"]["line"], 3);
    // `apply` does not lint.
    let apply = provision(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        !apply.stderr.contains("login-without-password"),
        "{apply:?}"
    );

    // A spec allowance needs a reason; an unknown id is a usage error.
    let no_reason = write(
        dir.path(),
        "provision.yaml",
        &WARNED.replace(
            "{ login: true }",
            "{ login: true, lint: { allow: [login-without-password] } }",
        ),
    );
    let out = provision(&no_reason, &url, &["lint"]);
    assert_eq!(out.code, 65, "{out:?}");
    assert!(
        out.stderr
            .contains(":3:23: roles.app.lint: an allowance needs a `reason`"),
        "{out:?}"
    );
    let out = provision(&spec, &url, &["lint", "--allow", "no-such-lint"]);
    assert_eq!(out.code, 64, "{out:?}");
    assert!(
        out.stderr.contains("unknown lint `no-such-lint`"),
        "{out:?}"
    );
}

/// `id object` of each finding in a `lint --output json` document.
fn findings(json: &serde_json::Value, key: &str) -> BTreeSet<String> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn live_lint_reports_a_database_built_by_seed_001_scripts() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    crate::handwritten::psql_file(&cluster, "app", &fixtures().join("lint/seed-001.sql"));
    crate::handwritten::psql_file(&cluster, "app", &fixtures().join("lint/more-mistakes.sql"));
    let url = cluster.superuser_url("app");
    let dir = tempfile::tempdir().unwrap();
    let no_spec = dir.path().join("none.yaml");
    let args = [
        "lint",
        "--live",
        "--api-role",
        "api_anon",
        "--api-role",
        "api_authenticated",
        "--output",
        "json",
    ];
    let out = provision(&no_spec, &url, &args);
    assert_eq!(out.code, 2, "{out:?}");
    let json = out.json();
    let expected: BTreeSet<String> = [
        // Seed 001's three mistakes.
        "definer-search-path-not-pinned function `app_functions.register_user(p_username text, p_password text)`",
        "definer-executable-by-public function `app_functions.register_user(p_username text, p_password text)`",
        "insert-without-sequence-usage table `app_data.users`",
        "policy-always-true-write table `app_data.users`",
        "policy-always-true-write table `app_data.tasks`",
        // And what else those scripts leave open.
        "view-bypasses-rls view `api.users`",
        "table-reachable-without-rls table `app_frontend.frontend_assets`",
        "extension-in-public extension `pgcrypto`",
        // more-mistakes.sql: one per remaining lint.
        "table-reachable-without-rls table `extra.open`",
        "rls-disabled-with-policy table `extra.ignored`",
        "rls-enabled-without-policy table `extra.closed`",
        "multiple-permissive-policies table `extra.doubled`",
        "grant-without-schema-usage table `extra.doubled`",
        "function-search-path-mutable function `extra.loose()`",
        "definer-executable-by-api-role function `extra.entry()`",
        "default-privileges-never-fire default privileges of `migrator` in schema `extra`",
        "login-without-password role `no_password`",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(findings(&json, "findings"), expected, "{json:#}");
    let api: Vec<&str> = json["api_roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(api, ["PUBLIC", "api_anon", "api_authenticated", "web_anon"]);
    let seed = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "insert-without-sequence-usage")
        .unwrap()
        .clone();
    assert_eq!(
        seed["message"],
        "`api_anon` may INSERT into table `app_data.users` but has no USAGE on sequence `app_data.users_user_id_seq` behind column `user_id`: an insert that takes the column's default fails with `permission denied for sequence users_user_id_seq`"
    );
    assert_eq!(seed["origin"], serde_json::Value::Null);

    // The human form names objects; allowing on the command line works live.
    let human = provision(
        &no_spec,
        &url,
        &[
            "lint",
            "--live",
            "--allow",
            "definer-search-path-not-pinned",
        ],
    );
    assert!(
        human.stdout.contains("error[definer-executable-by-public]: PUBLIC may execute SECURITY DEFINER function `app_functions.register_user(p_username text, p_password text)`"),
        "{human:?}"
    );
    assert!(
        !human.stdout.contains("[definer-search-path-not-pinned]"),
        "{human:?}"
    );
    // The seed's roles are not API roles without naming them: the policies
    // for them are not reported then.
    assert!(
        !human.stdout.contains("[policy-always-true-write]"),
        "{human:?}"
    );
}

#[test]
fn live_lint_of_the_converged_tracker_finds_only_what_its_spec_allows() {
    let cluster = Cluster::start();
    cluster.create_database("app");
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::example::example_spec(dir.path());
    let url = cluster.superuser_url("app");
    let apply = provision(&spec, &url, &["apply"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    let offline = findings(
        &provision(&spec, &url, &["lint", "--output", "json"]).json(),
        "allowed",
    );
    let live = provision(
        &spec,
        &url,
        &["lint", "--live", "--deny", "info", "--output", "json"],
    );
    assert_eq!(live.code, 0, "{live:?}");
    let json = live.json();
    assert_eq!(json["findings"], serde_json::json!([]), "{json:#}");
    // The database shows what the spec said it would, and the spec's
    // allowances cover the same objects live.
    let live_allowed = findings(&json, "allowed");
    assert_eq!(live_allowed, offline, "{json:#}");
}
