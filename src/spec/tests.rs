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

const OBJECTS: &str = r#"version: 1
roles: { chatbot_user: { login: true }, reader: {}, app_owner: {} }
schemas:
  public:
    owner: chatbot_user
    grants:
      - { to: [reader], privileges: [USAGE] }
      - { on: tables, to: [reader], privileges: [SELECT] }
      - { on: sequences, to: [reader], privileges: [USAGE, SELECT], for_roles: [chatbot_user, app_owner] }
    tables:
      users:
        grants:
          - { to: [reader], privileges: [SELECT], columns: [id, name] }
        revoke: [{ from: [reader], privileges: [SELECT] }]
      messages: {}
    views:
      active_users: { owner: app_owner, comment: recent logins }
    sequences:
      users_id_seq: { grants: [{ to: [reader], privileges: [USAGE] }] }
    functions:
      register_user:
        args: "p_username text, p_password text"
        grants: [{ to: [reader], privileges: [EXECUTE] }]
default_privileges:
  - { for_role: app_owner, on: functions, revoke: { from: [PUBLIC], privileges: [EXECUTE] } }
  - { for_role: app_owner, in_schema: public, on: types, grant: { to: [reader], privileges: [USAGE] } }
"#;

#[test]
fn adopted_objects_schema_wide_grants_and_default_privileges_load() {
    use crate::privilege::ObjectKind;
    use crate::spec::model::DefaultAction;
    let spec = parse_with(OBJECTS, &[]).unwrap();
    let public = &spec.schemas["public"];
    assert_eq!(public.grants.len(), 1);
    assert_eq!(public.schema_wide.len(), 2);
    assert_eq!(public.schema_wide[0].on, ObjectKind::Table);
    assert_eq!(
        public.schema_wide[1].for_roles.as_deref(),
        Some(&["chatbot_user".to_string(), "app_owner".to_string()][..])
    );
    assert_eq!(
        public.schema_wide[1].grant.origin.path.as_str(),
        "schemas.public.grants[2]"
    );
    let users = &public.objects[&(ObjectKind::Table, "users".to_string())];
    assert_eq!(users.column_grants[0].columns, vec!["id", "name"]);
    assert_eq!(users.revokes.len(), 1);
    assert!(
        public
            .objects
            .contains_key(&(ObjectKind::View, "active_users".to_string()))
    );
    let f = &public.objects[&(ObjectKind::Function, "register_user".to_string())];
    assert_eq!(f.args.as_deref(), Some("p_username text, p_password text"));
    assert_eq!(spec.default_privileges.len(), 2);
    assert!(matches!(
        spec.default_privileges[0].action,
        DefaultAction::Revoke(_)
    ));
    assert_eq!(spec.default_privileges[1].schema.as_deref(), Some("public"));
    assert_eq!(
        spec.default_privileges[1].origin.at.unwrap().to_string(),
        "26:5"
    );
}

#[test]
fn definitions_are_not_understood_yet() {
    let e = error("version: 1\nschemas:\n  s:\n    tables:\n      t: { columns: [] }\n");
    assert!(
        e.contains("schemas.s.tables.t.columns") && e.contains("no columns listed"),
        "{e}"
    );
}

#[test]
fn args_may_be_left_out() {
    let spec = parse_with(
        "version: 1\nschemas:\n  s:\n    functions:\n      adopted: {}\n      stamp:\n        returns: trigger\n        language: plpgsql\n        body: BEGIN RETURN NEW; END\n      area: { args: \"r integer\" }\n",
        &[],
    )
    .unwrap();
    let f = |name: &str| {
        &spec.schemas["s"].objects[&(crate::privilege::ObjectKind::Function, name.to_string())]
    };
    // Adopted: whichever function has that name (decided against the catalog).
    assert_eq!(f("adopted").args, None);
    // With a body: no arguments.
    assert_eq!(f("stamp").args.as_deref(), Some(""));
    assert_eq!(f("area").args.as_deref(), Some("r integer"));
    let e = error("version: 1\nschemas:\n  s:\n    functions:\n      f: { args: '(text)' }\n");
    assert_eq!(
        e,
        "provision.yaml:5:12: schemas.s.functions.f.args: `args` is the argument list without its parentheses\n  \
         hint: write `args: \"p_username text, p_password text\"`, or leave `args` out for none"
    );
}

#[test]
fn column_grants_take_column_privileges_only() {
    let e = error(
        "version: 1\nroles: { r: {} }\nschemas:\n  s:\n    tables:\n      t:\n        grants: [{ to: [r], privileges: [DELETE], columns: [a] }]\n",
    );
    assert!(
        e.contains(
            "schemas.s.tables.t.grants[0].privileges: `DELETE` cannot be granted on columns"
        ),
        "{e}"
    );
}

#[test]
fn schema_wide_grants_are_checked() {
    let e = error(
        "version: 1\nroles: { r: {} }\nschemas:\n  s:\n    grants:\n      - { on: views, to: [r], privileges: [SELECT] }\n      - { to: [r], privileges: [USAGE], for_roles: [r] }\n      - { on: sequences, to: [r], privileges: [EXECUTE] }\n      - { on: tables, to: [r], privileges: [SELECT], for_roles: [ghost] }\n",
    );
    assert!(
        e.contains("`on: views` is not a kind of object in a schema"),
        "{e}"
    );
    assert!(e.contains("`for_roles` needs `on:`"), "{e}");
    assert!(
        e.contains("`EXECUTE` is not a privilege on a sequence"),
        "{e}"
    );
    assert!(
        e.contains("grants[3].for_roles[0]: role `ghost` is not declared"),
        "{e}"
    );
}

#[test]
fn default_privileges_are_checked() {
    let e = error(
        "version: 1\nroles: { o: {} }\ndefault_privileges:\n  - { for_role: o, on: functions }\n  - { for_role: o, in_schema: app, on: functions, revoke: { from: [PUBLIC], privileges: [EXECUTE] } }\n  - { for_role: o, in_schema: app, on: schemas, grant: { to: [o], privileges: [USAGE] } }\n  - { for_role: nobody, on: tables, grant: { to: [o], privileges: [SELECT] } }\n",
    );
    assert!(e.contains("exactly one of `grant` or `revoke`"), "{e}");
    assert!(e.contains("cannot be revoked in one schema"), "{e}");
    assert!(e.contains("cannot be limited to a schema"), "{e}");
    assert!(e.contains("schema `app` is not declared"), "{e}");
    assert!(
        e.contains("default_privileges[3].for_role: role `nobody` is not declared"),
        "{e}"
    );
}

#[test]
fn column_names_follow_the_identifier_rules() {
    let long = "c".repeat(64);
    let e = error(&format!(
        "version: 1\nschemas:\n  s:\n    tables:\n      t:\n        columns:\n          - {{ name: {long}, type: int }}\n"
    ));
    assert!(e.contains("columns[0].name: column name"), "{e}");
    assert!(
        e.contains("is 64 bytes long; PostgreSQL keeps at most 63"),
        "{e}"
    );
}

#[test]
fn types_load_and_their_values_are_checked() {
    let spec = parse_with(
        "version: 1\nroles: { r: {} }\nschemas:\n  app:\n    types:\n      mood: { grants: [{ to: [r], privileges: [USAGE] }] }\n      status: { values: [new, done], owner: r }\n",
        &[],
    )
    .unwrap();
    let objects = &spec.schemas["app"].objects;
    let mood = &objects[&(crate::privilege::ObjectKind::Type, "mood".to_string())];
    assert!(!mood.has_definition());
    let status = &objects[&(crate::privilege::ObjectKind::Type, "status".to_string())];
    assert_eq!(
        status.enum_values.as_deref(),
        Some(&["new".to_string(), "done".to_string()][..])
    );
    assert!(status.has_definition());

    let e = error("version: 1\nschemas:\n  app:\n    types:\n      s: { values: [a, b, a] }\n");
    assert!(e.contains("`a` is listed twice"), "{e}");
    assert!(e.contains("schemas.app.types.s.values[2]"), "{e}");
    let e = error("version: 1\nschemas:\n  app:\n    types:\n      s: { values: [] }\n");
    assert!(e.contains("at least one value"), "{e}");
    let e = error(
        "version: 1\nschemas:\n  app:\n    types:\n      s: { grants: [{ to: [PUBLIC], privileges: [SELECT] }] }\n",
    );
    assert!(e.contains("SELECT"), "{e}");
    let e = error("version: 1\nschemas:\n  app:\n    types:\n      s: { value: [a] }\n");
    assert!(e.contains("value"), "{e}");
}

#[test]
fn several_databases_each_with_their_content() {
    let spec = parse_with(
        "version: 1
roles:
  app_owner: {}
  kc: {}
databases:
  app:
    owner: app_owner
    encoding: UTF8
    locale_provider: ICU
    schemas:
      app: { owner: app_owner }
  keycloak:
    owner: kc
    connection_limit: 5
",
        &[],
    )
    .unwrap();
    assert_eq!(spec.databases.len(), 2);
    let app = &spec.databases["app"];
    assert_eq!(app.create.encoding.as_deref(), Some("UTF8"));
    assert_eq!(app.create.locale_provider.as_deref(), Some("icu"));
    assert!(app.schemas.contains_key("app"));
    // Origins point into `databases.<name>`, with their lines.
    assert_eq!(app.database.origin.path.to_string(), "databases.app");
    assert_eq!(app.database.origin.at.unwrap().to_string(), "6:3");
    assert_eq!(
        app.schemas["app"].origin.path.to_string(),
        "databases.app.schemas.app"
    );
    let view = spec.for_database("keycloak").unwrap();
    assert_eq!(view.database.unwrap().connection_limit, Some(5));
    assert!(view.schemas.is_empty());
    assert_eq!(view.roles.len(), 2);
}

#[test]
fn several_databases_exclude_the_top_level_form_and_name_their_mistakes() {
    let e = error(
        "version: 1
database: { owner: x }
databases:
  app:
    owner: nobody
    allow_connections: false
    locale_provider: glibc
    schemas:
      s: {}
",
    );
    assert!(
        e.contains("databases: `databases` and a top-level `database`"),
        "{e}"
    );
    assert!(e.contains("databases.app.allow_connections"), "{e}");
    assert!(e.contains("`glibc` is not a locale provider"), "{e}");
    // References are checked per database too.
    assert!(
        e.contains("databases.app.owner") || e.contains("role `nobody` is not declared"),
        "{e}"
    );
}

#[test]
fn the_state_schema_name_is_reserved() {
    let e = error("version: 1\nschemas:\n  pgprovision: {}\n");
    assert!(e.contains("schema name `pgprovision` is reserved"), "{e}");
}

#[test]
fn the_quick_outline_is_the_first_pass_outline_of_every_shipped_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "provision/provision.yaml",
        "provision/examples/audited-shop/provision.yaml",
        "provision/examples/chatbot-handover/provision.yaml",
        "tests/fixtures/core/spec.yaml",
        "tests/fixtures/minimal/spec.yaml",
        "tests/fixtures/tables/tracker.yaml",
        "tests/fixtures/lint/seed-001.yaml",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let quick = outline::quick(&text).unwrap_or_else(|| panic!("{file}: no quick outline"));
        assert_eq!(
            quick,
            first_pass_outline(&Locations::index(&text)),
            "{file}"
        );
    }
}
