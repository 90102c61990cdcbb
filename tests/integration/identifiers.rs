//! Hostile and unusual names round-trip exactly.

use crate::cmd::provision;
use crate::support::cluster::Cluster;

const NAMES: &[&str] = &[
    r#"x"; DROP ROLE postgres; --"#,
    "Upper Case",
    "with space",
    "Ünïcödé rôle",
    "select",
    "it's",
    r"back\slash",
];

#[test]
fn hostile_identifiers_round_trip() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    let mut text = String::from("version: 1\nroles:\n");
    for n in NAMES {
        text.push_str(&format!("  {}: {{ comment: {} }}\n", quote(n), quote(n)));
    }
    text.push_str("schemas:\n");
    for n in NAMES {
        text.push_str(&format!(
            "  {}: {{ owner: {}, grants: [{{ to: [{}], privileges: [USAGE] }}] }}\n",
            quote(n),
            quote(n),
            quote(NAMES[0])
        ));
    }
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, &text).unwrap();
    let url = cluster.superuser_url("postgres");
    let run = provision(&spec, &url, &["apply"]);
    assert_eq!(run.code, 0, "{run:?}");

    let mut client = cluster.client("postgres");
    for n in NAMES {
        let row = client
            .query_one(
                "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1",
                &[n],
            )
            .unwrap_or_else(|e| panic!("role {n:?} missing: {e}"));
        assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some(*n));
        let owner: String = client
            .query_one(
                "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $1",
                &[n],
            )
            .unwrap_or_else(|e| panic!("schema {n:?} missing: {e}"))
            .get(0);
        assert_eq!(owner, *n);
    }
    let postgres_exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(postgres_exists);
    let again = provision(&spec, &url, &["check"]);
    assert_eq!(again.code, 0, "{again:?}");
}
