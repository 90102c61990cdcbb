//! Bad specs: exit 65, a message with the YAML path and line:column, and
//! nothing executed on the server.

use crate::cmd::provision;
use crate::fingerprint::fingerprint;
use crate::support::cluster::Cluster;

const CASES: &[(&str, &str, &str)] = &[
    (
        "malformed YAML",
        "version: 1\nroles:\n  app: { login: true\n",
        ":3:",
    ),
    (
        "unknown key",
        "version: 1\nroles:\n  app:\n    logon: true\n",
        ":4:5: roles.app.logon: unknown field `logon`",
    ),
    (
        "undeclared role",
        "version: 1\nroles:\n  web:\n    member_of: [ghost]\n",
        ":4:17: roles.web.member_of[0]: role `ghost` is not declared",
    ),
    (
        "missing env secret",
        "version: 1\nroles:\n  web: { login: true, password: { env: PGP_TEST_UNSET_VAR } }\n",
        ":3:35: roles.web.password.env: environment variable `PGP_TEST_UNSET_VAR` is not set",
    ),
    (
        "missing secret file",
        "version: 1\nroles:\n  web: { login: true, password: { file: /nonexistent/secret } }\n",
        ":3:35: roles.web.password.file: cannot read secret file `/nonexistent/secret`",
    ),
    (
        "invalid identifier",
        "version: 1\nroles:\n  pg_reserved: {}\n",
        ":3:3: roles.pg_reserved: role name `pg_reserved` is reserved",
    ),
    (
        "identifier too long",
        "version: 1\nschemas:\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {}\n",
        ":3:3: schemas.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: schema name",
    ),
    (
        "YAML 1.1 boolean",
        "version: 1\nroles:\n  app: { login: yes }\n",
        ":3:17: roles.app.login: invalid boolean",
    ),
    (
        "wrong version",
        "version: 2\n",
        ":1:1: version: unsupported version `2`",
    ),
];

#[test]
fn invalid_specs_exit_65_with_location_and_change_nothing() {
    let cluster = Cluster::start();
    let url = cluster.superuser_url("postgres");
    let before = fingerprint(&cluster, "postgres");
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in CASES {
        let file = dir.path().join("provision.yaml");
        std::fs::write(&file, text).unwrap();
        for command in ["apply", "plan", "check", "validate"] {
            let run = provision(&file, &url, &[command]);
            assert_eq!(run.code, 65, "{name} / {command}: {run:?}");
            let expected = format!("{}{expected}", file.display());
            assert!(
                run.stderr.contains(&expected),
                "{name} / {command}: expected `{expected}` in:\n{run:?}"
            );
        }
    }
    assert_eq!(
        fingerprint(&cluster, "postgres"),
        before,
        "a bad spec must change nothing"
    );
}

#[test]
fn bad_command_line_exits_64() {
    let run = crate::cmd::run(crate::cmd::pg_provision().arg("aply"));
    assert_eq!(run.code, 64, "{run:?}");
    let run = crate::cmd::run(crate::cmd::pg_provision().args(["--wait-timeout", "soon", "wait"]));
    assert_eq!(run.code, 64, "{run:?}");
    let run = crate::cmd::run(crate::cmd::pg_provision().args([
        "--database-url",
        "postgres://x@h/db?sslmode=bogus",
        "wait",
    ]));
    assert_eq!(run.code, 64, "{run:?}");
}

#[test]
fn missing_spec_file_exits_65() {
    let run = crate::cmd::run(crate::cmd::pg_provision().args([
        "-f",
        "/nonexistent/provision.yaml",
        "validate",
    ]));
    assert_eq!(run.code, 65, "{run:?}");
    assert!(run.stderr.contains("cannot read the spec"), "{run:?}");
}
