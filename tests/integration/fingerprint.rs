//! A canonical text of everything pg-provision manages at the cluster and
//! database level, so two databases can be compared line by line: roles and
//! their attributes, memberships and their options, database owner, ACL and
//! settings, schemas with owners, ACLs and comments, extensions. Grantors and
//! password salts are left out (they legitimately differ); whether a role has
//! a password, and that it is SCRAM, is kept.

use crate::support::cluster::Cluster;

const QUERY: &str = r#"
SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
  SELECT format('role %s login=%s super=%s createdb=%s createrole=%s inherit=%s replication=%s bypassrls=%s connlimit=%s valid=%s password=%s comment=%s config=%s',
      r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolinherit,
      r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil,
      CASE WHEN a.rolpassword IS NULL THEN 'none' ELSE split_part(a.rolpassword, '$', 1) END,
      pg_catalog.shobj_description(r.oid, 'pg_authid'),
      (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid AND s.setdatabase = 0)) AS line
    FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid
    WHERE r.rolname !~ '^pg_' AND r.rolname <> 'postgres'
  UNION ALL
  SELECT DISTINCT format('member %s in %s options=%s', u.rolname, g.rolname,
      to_jsonb(m) - 'oid' - 'roleid' - 'member' - 'grantor')
    FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
    WHERE u.rolname <> 'postgres'
  UNION ALL
  SELECT format('database owner=%s settings=%s comment=%s', pg_get_userbyid(d.datdba),
      (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setdatabase = d.oid AND s.setrole = 0),
      pg_catalog.shobj_description(d.oid, 'pg_database'))
    FROM pg_database d WHERE d.datname = current_database()
  UNION ALL
  SELECT DISTINCT format('database acl %s %s grantable=%s',
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) x
    WHERE d.datname = current_database()
  UNION ALL
  SELECT format('schema %s owner=%s comment=%s', n.nspname, pg_get_userbyid(n.nspowner),
      obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT DISTINCT format('schema %s acl %s %s grantable=%s', n.nspname,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT format('extension %s schema=%s version=%s', e.extname, n.nspname, e.extversion)
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
) lines
"#;

/// The fingerprint of database `db` in `cluster`.
pub fn fingerprint(cluster: &Cluster, db: &str) -> String {
    let mut client = cluster.client(db);
    let row = client.query_one(QUERY, &[]).expect("fingerprint query");
    row.get(0)
}

/// Asserts two fingerprints are equal, showing the differing lines.
pub fn assert_same(left_name: &str, left: &str, right_name: &str, right: &str) {
    if left == right {
        return;
    }
    let l: std::collections::BTreeSet<&str> = left.lines().collect();
    let r: std::collections::BTreeSet<&str> = right.lines().collect();
    let only_left: Vec<&&str> = l.difference(&r).collect();
    let only_right: Vec<&&str> = r.difference(&l).collect();
    panic!(
        "catalog fingerprints differ\nonly in {left_name}:\n  {}\nonly in {right_name}:\n  {}",
        only_left
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n  "),
        only_right
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}
