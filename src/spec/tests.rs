//! Spec loading: what users see for good and bad files.

use super::*;
use std::path::PathBuf;

fn parse_with(text: &str, vars: &[(&str, &str)]) -> Result<Spec, SpecError> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    parse(
        text,
        &PathBuf::from("provision.yaml"),
        &Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
}

fn error(text: &str) -> String {
    parse_with(text, &[])
        .expect_err("spec should be rejected")
        .to_string()
}

#[test]
fn minimal_spec_is_valid() {
    let spec = parse_with(
        "version: 1\nroles:\n  app: {}\n  web: { login: true, member_of: [app] }\n",
        &[],
    )
    .unwrap();
    assert_eq!(spec.roles.len(), 2);
    assert!(spec.roles["web"].attributes.login);
    assert!(spec.roles["web"].member_of.contains_key("app"));
    assert_eq!(spec.roles["web"].origin.at.unwrap().to_string(), "4:3");
}

#[test]
fn unknown_key_names_path_and_position() {
    let e = error("version: 1\nroles:\n  app:\n    logn: true\n");
    assert!(e.starts_with("provision.yaml:4:"), "{e}");
    assert!(e.contains("roles.app"), "{e}");
    assert!(e.contains("logn"), "{e}");
}

#[test]
fn yaml_1_1_booleans_are_refused() {
    let e = error("version: 1\nroles:\n  app: { login: yes }\n");
    assert!(e.starts_with("provision.yaml:3:"), "{e}");
}

#[test]
fn malformed_yaml_is_located() {
    let e = error("version: 1\nroles:\n  app: { login: true\n");
    assert!(e.starts_with("provision.yaml:"), "{e}");
}

#[test]
fn undeclared_role_is_named_with_hint() {
    let e = error("version: 1\nroles:\n  web:\n    member_of: [ghost]\n");
    assert_eq!(
        e,
        "provision.yaml:4:17: roles.web.member_of[0]: role `ghost` is not declared\n  \
         hint: add `ghost` under `roles:`, or list it under `external_roles:` if it is managed elsewhere"
    );
}

#[test]
fn missing_env_secret_is_reported_at_its_key() {
    let text = "version: 1\nroles:\n  web:\n    login: true\n    password: { env: WEB_PASSWORD }\n";
    let e = error(text);
    assert!(e.starts_with("provision.yaml:5:17: roles.web.password.env: environment variable `WEB_PASSWORD` is not set"), "{e}");
    let ok = parse_with(text, &[("WEB_PASSWORD", "s3cret")]).unwrap();
    assert_eq!(
        ok.roles["web"].password.as_ref().unwrap().expose(),
        "s3cret"
    );
}

#[test]
fn missing_secret_file_is_reported() {
    let e = error("version: 1\nroles:\n  web: { password: { file: secrets/web } }\n");
    assert!(
        e.contains("roles.web.password.file: cannot read secret file `/nonexistent/secrets/web`"),
        "{e}"
    );
}

#[test]
fn invalid_identifiers_are_refused() {
    let long = "x".repeat(64);
    let e = error(&format!(
        "version: 1\nroles:\n  {long}: {{}}\n  pg_mine: {{}}\n"
    ));
    assert!(e.contains("is 64 bytes long"), "{e}");
    assert!(e.contains("role name `pg_mine` is reserved"), "{e}");
}

#[test]
fn privileges_are_checked_per_kind() {
    let e = error(
        "version: 1\nroles: { a: {} }\nschemas:\n  s:\n    grants: [{ to: [a], privileges: [SELECT] }]\n",
    );
    assert!(
        e.contains("schemas.s.grants[0].privileges[0]: `SELECT` is not a privilege on a schema"),
        "{e}"
    );
}

#[test]
fn membership_cycles_are_refused() {
    let e = error("version: 1\nroles:\n  a: { member_of: [b] }\n  b: { member_of: [a] }\n");
    assert!(e.contains("cycle: a → b → a"), "{e}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = error("version: 1\nroles:\n  a: { member_of: [x] }\n  b: { member_of: [y] }\n");
    assert!(e.starts_with("2 problems"), "{e}");
}

#[test]
fn hostile_names_are_kept_verbatim() {
    let spec = parse_with("version: 1\nroles:\n  'x\"; DROP ROLE postgres; --': {}\n  \"Ünïcode Role\": {}\n  select: {}\n", &[]).unwrap();
    assert!(spec.roles.contains_key("x\"; DROP ROLE postgres; --"));
    assert!(spec.roles.contains_key("Ünïcode Role"));
    assert!(spec.roles.contains_key("select"));
}

#[test]
fn typo_inside_membership_mapping_names_the_key() {
    let e = error("version: 1\nroles:\n  app:\n    member_of: [{ rle: x }]\n");
    assert!(
        e.starts_with("provision.yaml:4:19: roles.app.member_of[0].rle: unknown field `rle`"),
        "{e}"
    );
}
