//! Membership options across PostgreSQL generations: INHERIT and SET per grant
//! from 16, refused (with a hint) before; no flapping on either.

use crate::cmd::provision;
use crate::support::cluster::Cluster;

const SPEC: &str = "version: 1
roles:
  base: {}
  noinherit_member: { inherit: false, member_of: [base] }
  picky: { member_of: [{ role: base, inherit: false, set: false, admin: true }] }
";

#[test]
fn per_grant_options_converge_on_16_and_are_refused_before() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("provision.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let url = cluster.superuser_url("postgres");
    let apply = provision(&spec, &url, &["apply"]);
    if cluster.major() < 16 {
        assert_eq!(apply.code, 1, "{apply:?}");
        assert!(
            apply.stderr.contains("need PostgreSQL 16 or later"),
            "{apply:?}"
        );
        assert!(
            apply.stderr.contains("roles.picky.member_of[0]"),
            "{apply:?}"
        );
        let check = provision(&spec, &url, &["check"]);
        assert_eq!(check.code, 2, "refusals are drift: {check:?}");
        return;
    }
    assert_eq!(apply.code, 0, "{apply:?}");
    let mut client = cluster.client("postgres");
    let options = |client: &mut postgres::Client, member: &str| -> (bool, bool, bool) {
        let row = client
            .query_one(
                "SELECT bool_or(admin_option), bool_or(inherit_option), bool_or(set_option)
                 FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
                 WHERE u.rolname = $1",
                &[&member],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(
        options(&mut client, "noinherit_member"),
        (false, false, true)
    );
    assert_eq!(options(&mut client, "picky"), (true, false, false));
    assert_eq!(provision(&spec, &url, &["check"]).code, 0);

    // Options changed by hand are converged back.
    client
        .batch_execute("REVOKE ADMIN OPTION FOR base FROM picky; GRANT base TO noinherit_member WITH INHERIT TRUE")
        .unwrap();
    let check = provision(&spec, &url, &["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert_eq!(provision(&spec, &url, &["apply"]).code, 0);
    assert_eq!(
        options(&mut client, "noinherit_member"),
        (false, false, true)
    );
    assert_eq!(options(&mut client, "picky"), (true, false, false));
    assert_eq!(provision(&spec, &url, &["check"]).code, 0);
}
