//! The JSON Schema against the parser: every shipped spec validates against
//! it, wrong specs fail both, and the closed sets of words it lists are
//! exactly what the parser accepts.

use super::*;
use serde_json::Value;
use std::path::PathBuf;

fn schema() -> Value {
    serde_json::from_str(&schema::json()).unwrap()
}

/// The YAML as JSON, read the way the parser reads it (strict booleans,
/// merge keys expanded).
fn as_json(text: &str) -> Value {
    let mut options = serde_saphyr::options::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options(text, options).unwrap()
}

/// The schema's complaints about `text`, one line each, including those
/// inside `anyOf` branches (an `Option` is "this or null").
fn schema_errors(text: &str) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance = as_json(text);
    let errors: Vec<String> = validator
        .evaluate(&instance)
        .iter_errors()
        .map(|e| format!("{}: {}", e.instance_location, e.error))
        .collect();
    assert_eq!(
        errors.is_empty(),
        validator.is_valid(&instance),
        "{errors:#?}"
    );
    errors
}

fn parses(text: &str) -> Result<Spec, String> {
    let var = |_: &str| Some("secret".to_string());
    parse(
        text,
        &PathBuf::from("provision.yaml"),
        &Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
    .map_err(|e| e.to_string())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every spec the repository ships: examples and test fixtures.
fn shipped_specs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![repo().join("provision"), repo().join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_schema_is_valid_draft_7() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::meta::validate(&schema).unwrap();
}

#[test]
fn every_shipped_spec_validates_and_points_at_the_schema() {
    let specs = shipped_specs();
    assert!(specs.len() >= 6, "{specs:?}");
    for spec in specs {
        let text = std::fs::read_to_string(&spec).unwrap();
        let errors = schema_errors(&text);
        assert!(errors.is_empty(), "{}: {errors:#?}", spec.display());
        // The editor comment on the first line names the shipped schema.
        let first = text.lines().next().unwrap();
        let relative = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line is `{first}`", spec.display()));
        let target = spec
            .parent()
            .unwrap()
            .join(relative)
            .canonicalize()
            .unwrap();
        assert_eq!(
            target,
            repo()
                .join("schema/pg-provision.schema.json")
                .canonicalize()
                .unwrap(),
            "{}",
            spec.display()
        );
    }
}

/// Specs both the schema and the parser refuse, and what the schema says.
const WRONG: &[(&str, &str, &str)] = &[
    (
        "unknown key",
        "version: 1\nroles:\n  app: { logon: true }\n",
        "/roles/app: Additional properties are not allowed ('logon' was unexpected)",
    ),
    (
        "wrong type",
        "version: 1\nroles:\n  app: { connection_limit: lots }\n",
        "/roles/app/connection_limit: \"lots\" is not of types (null, integer)",
    ),
    (
        "YAML 1.1 boolean",
        "version: 1\nroles:\n  app: { login: yes }\n",
        "/roles/app/login: \"yes\" is not of types (null, boolean)",
    ),
    (
        "bad privilege",
        "version: 1\nroles: { app: {} }\ndatabase:\n  grants: [{ to: [app], privileges: [CONECT] }]\n",
        "/database/grants/0/privileges/0: \"CONECT\" is not one of \"SELECT\", \"INSERT\" or 14 other candidates",
    ),
    (
        "bad enum value",
        "version: 1\nschemas:\n  s:\n    tables:\n      t: { rls: on }\n",
        "/schemas/s/tables/t/rls: \"enabled\" was expected",
    ),
    (
        "bad keyword",
        "version: 1\nschemas:\n  s:\n    grants: [{ on: views, to: [PUBLIC], privileges: [SELECT] }]\n",
        "/schemas/s/grants/0/on: \"views\" is not one of \"tables\", \"sequences\" or \"functions\"",
    ),
    ("wrong version", "version: 2\n", "/version: 1 was expected"),
    (
        "missing required key",
        "roles: {}\n",
        ": \"version\" is a required property",
    ),
];

#[test]
fn wrong_specs_fail_the_schema_and_the_parser() {
    for (name, text, expected) in WRONG {
        let errors = schema_errors(text);
        assert!(
            errors.iter().any(|e| e == expected),
            "{name}: expected `{expected}` in {errors:#?}"
        );
        assert!(parses(text).is_err(), "{name}: the parser accepted it");
    }
}

/// `(where the word goes, words the parser accepts, a word it refuses)`;
/// `WORD` in the template is replaced by the word.
const KEYWORDS: &[(&str, &[&str], &str)] = &[
    (
        "version: 1\nroles: { r: {} }\ndatabase:\n  grants: [{ to: [r], privileges: [\"WORD\"] }]\n",
        &[
            "CONNECT",
            "connect",
            "Temp",
            "TEMPORARY",
            " create ",
            "ALL",
            "all privileges",
        ],
        "CONECT",
    ),
    (
        "version: 1\nroles: { r: {} }\nschemas:\n  s:\n    grants: [{ on: WORD, to: [r], privileges: [ALL] }]\n",
        &["tables", "sequences", "functions"],
        "Tables",
    ),
    (
        "version: 1\nroles: { r: {} }\ndefault_privileges:\n  - { for_role: r, on: WORD, grant: { to: [PUBLIC], privileges: [ALL] } }\n",
        &["tables", "sequences", "functions", "types", "schemas"],
        "views",
    ),
    (
        "version: 1\nschemas:\n  s:\n    functions:\n      f: { language: sql, body: SELECT, kind: WORD }\n",
        &["procedure", "PROCEDURE", "Procedure"],
        "trigger",
    ),
    (
        "version: 1\nschemas:\n  s:\n    functions:\n      f: { returns: int, language: sql, body: SELECT 1, kind: WORD }\n",
        &["function", "FUNCTION"],
        "aggregate",
    ),
    (
        "version: 1\nschemas:\n  s:\n    functions:\n      f: { returns: int, language: sql, body: SELECT 1, volatility: WORD }\n",
        &["volatile", "stable", "IMMUTABLE"],
        "pure",
    ),
    (
        "version: 1\nschemas:\n  s:\n    functions:\n      f: { returns: int, language: sql, body: SELECT 1, security: WORD, search_path: [pg_catalog, pg_temp] }\n",
        &["invoker", "definer", "Definer"],
        "owner",
    ),
    (
        "version: 1\nschemas:\n  s:\n    functions:\n      f: { returns: int, language: sql, body: SELECT 1, parallel: WORD }\n",
        &["unsafe", "restricted", "SAFE"],
        "yes please",
    ),
    (
        "version: 1\nschemas:\n  s:\n    views:\n      v: { query: SELECT 1 AS a, check_option: WORD }\n",
        &["local", "cascaded", "LOCAL"],
        "global",
    ),
    (
        "version: 1\nschemas:\n  s:\n    tables:\n      t: { columns: [{ name: id, type: int, identity: WORD }] }\n",
        &["always", "by_default"],
        "ALWAYS",
    ),
    (
        "version: 1\nschemas:\n  s:\n    tables:\n      p: { columns: [{ name: id, type: int, primary_key: true }] }\n      t: { columns: [{ name: p, type: int, references: { table: p, column: id, on_delete: WORD } }] }\n",
        &[
            "cascade",
            "set_null",
            "SET NULL",
            "no_action",
            "Restrict",
            "set_default",
        ],
        "delete",
    ),
    (
        "version: 1\nschemas:\n  s:\n    sequences:\n      q: { as: WORD }\n",
        &["bigint", "int4", "INTEGER", "smallint"],
        "numeric",
    ),
    (
        "version: 1\nschemas:\n  s:\n    tables:\n      t: { rls: WORD }\n",
        &["disabled", "enabled", "forced"],
        "Enabled",
    ),
    (
        "version: 1\nschemas:\n  s:\n    tables:\n      t: { policies: { p: { for: WORD, using: \"true\" } } }\n",
        &["all", "select", "update", "delete"],
        "SELECT",
    ),
];

#[test]
fn the_schema_lists_exactly_the_words_the_parser_accepts() {
    for (template, accepted, refused) in KEYWORDS {
        for word in accepted.iter() {
            let text = template.replace("WORD", word);
            let errors = schema_errors(&text);
            assert!(errors.is_empty(), "`{word}` in\n{text}\n{errors:#?}");
            if let Err(e) = parses(&text) {
                panic!("`{word}` refused by the parser in\n{text}\n{e}");
            }
        }
        let text = template.replace("WORD", refused);
        assert!(
            !schema_errors(&text).is_empty(),
            "the schema accepts `{refused}` in\n{text}"
        );
        assert!(
            parses(&text).is_err(),
            "the parser accepts `{refused}` in\n{text}"
        );
    }
}

#[test]
fn every_key_has_a_description() {
    // A key without one shows nothing on hover: write a `///` comment on the
    // field of the raw type (src/spec/raw*.rs, security.rs).
    fn walk(value: &Value, path: &str, missing: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            return;
        };
        if let Some(Value::Object(properties)) = object.get("properties") {
            for (key, property) in properties {
                if property.get("description").is_none() {
                    missing.push(format!("{path}.{key}"));
                }
            }
        }
        for (key, child) in object {
            match child {
                Value::Object(_) => walk(child, &format!("{path}/{key}"), missing),
                Value::Array(items) => {
                    for item in items {
                        walk(item, &format!("{path}/{key}[]"), missing);
                    }
                }
                _ => {}
            }
        }
    }
    let mut missing = Vec::new();
    walk(&schema(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "keys without a description: {missing:#?}"
    );
}
