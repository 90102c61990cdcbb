//! Passwords never appear in output or logs, at any level.

use crate::support::cluster::Cluster;

const FILE_PASSWORD: &str = "file-Secret-Zq81x";
const ENV_PASSWORD: &str = "env-Secret-Pw93k";

#[test]
fn no_password_or_verifier_in_any_output_at_trace_level() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), format!("{FILE_PASSWORD}\n")).unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(
        &spec,
        "version: 1\nroles:\n  from_file: { login: true, password: { file: pw } }\n  from_env: { login: true, password: { env: SECRET_TEST_PW } }\n",
    )
    .unwrap();
    let url = cluster.superuser_url("postgres");
    let mut outputs = Vec::new();
    for args in [
        vec!["plan"],
        vec!["plan", "--output", "json"],
        vec!["apply"],
        vec!["check", "--output", "json"],
        vec!["apply", "--output", "json"],
        vec!["validate"],
    ] {
        let mut cmd = crate::cmd::pg_provision();
        cmd.env("RUST_LOG", "trace")
            .env("SECRET_TEST_PW", ENV_PASSWORD)
            .arg("-f")
            .arg(&spec)
            .arg("--database-url")
            .arg(&url)
            .args(&args);
        let run = crate::cmd::run(&mut cmd);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        outputs.push(run.all_output());
    }
    let all = outputs.join("\n");
    assert!(
        all.contains("<redacted>"),
        "the plan shows where a password goes"
    );
    for secret in [
        FILE_PASSWORD,
        ENV_PASSWORD,
        cluster.superuser_password(),
        "SCRAM-SHA-256$",
    ] {
        assert!(
            !all.contains(secret),
            "`{secret}` leaked into output:\n{all}"
        );
    }
    // And the roles really got those passwords.
    for (user, pw) in [("from_file", FILE_PASSWORD), ("from_env", ENV_PASSWORD)] {
        postgres::Client::connect(&cluster.url(user, pw, "postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("{user} cannot log in: {e}"));
    }
}
