//! A canonical text of everything pg-provision manages at the cluster and
//! database level, so two databases can be compared line by line: roles and
//! their attributes, memberships and their options, database owner, ACL and
//! settings, schemas with owners, ACLs and comments, extensions. Grantors and
//! password salts are left out (they legitimately differ); whether a role has
//! a password, and that it is SCRAM, is kept. Inside schemas: relations with
//! owners, RLS flags, ACLs and column ACLs, columns, constraints, indexes,
//! views, sequences, triggers, policies, functions (properties and a hash of
//! the body — without leading and trailing whitespace, which the spec
//! ignores, docs/spec-routines.md), types (enum labels, owner, ACL) and
//! default ACLs. pg-provision's own memory (schema `pgprovision`, a cache)
//! is left out: a database built by hand has none, and it changes nothing a
//! user sees.

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
    FROM pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')
  UNION ALL
  SELECT DISTINCT format('schema %s acl %s %s grantable=%s', n.nspname,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
    WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')
  UNION ALL
  SELECT format('extension %s schema=%s version=%s', e.extname, n.nspname, e.extversion)
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  UNION ALL
  SELECT format('relation %s.%s kind=%s owner=%s rls=%s force=%s comment=%s', n.nspname, c.relname, c.relkind,
      pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class'))
    FROM user_relations c JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT DISTINCT format('relation %s.%s acl %s %s grantable=%s', n.nspname, c.relname,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM user_relations c JOIN pg_namespace n ON n.oid = c.relnamespace,
      aclexplode(coalesce(c.relacl, acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) x
  UNION ALL
  SELECT format('column %s.%s.%s type=%s notnull=%s default=%s identity=%s generated=%s comment=%s',
      n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
      pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, col_description(c.oid, a.attnum))
    FROM user_relations c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relkind IN ('r', 'p', 'v', 'm')
  UNION ALL
  SELECT DISTINCT format('column %s.%s.%s acl %s %s grantable=%s', n.nspname, c.relname, a.attname,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM user_relations c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL,
      aclexplode(a.attacl) x
  UNION ALL
  SELECT format('constraint %s.%s %s: %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid))
    FROM pg_constraint k JOIN user_relations c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN user_relations c ON c.oid = i.indrelid
  UNION ALL
  SELECT format('view %s.%s options=%s: %s', n.nspname, c.relname, c.reloptions, pg_get_viewdef(c.oid))
    FROM user_relations c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('sequence %s.%s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
      n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN user_relations c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN user_relations c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s.%s %s cmd=%s permissive=%s roles=%s using=%s check=%s', n.nspname, c.relname, p.polname,
      p.polcmd, p.polpermissive,
      (SELECT array_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END ORDER BY 1) FROM unnest(p.polroles) r),
      pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM pg_policy p JOIN user_relations c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT format('function %s.%s(%s) kind=%s owner=%s lang=%s volatile=%s strict=%s definer=%s leakproof=%s config=%s returns=%s body=%s comment=%s',
      n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind, pg_get_userbyid(p.proowner),
      l.lanname, p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, p.proconfig,
      pg_get_function_result(p.oid), md5(btrim(p.prosrc, E' \t\r\n')), obj_description(p.oid, 'pg_proc'))
    FROM user_functions p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  UNION ALL
  SELECT DISTINCT format('function %s.%s(%s) acl %s %s grantable=%s', n.nspname, p.proname,
      pg_get_function_identity_arguments(p.oid),
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM user_functions p JOIN pg_namespace n ON n.oid = p.pronamespace,
      aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
  UNION ALL
  SELECT format('type %s.%s kind=%s owner=%s labels=%s comment=%s', n.nspname, t.typname, t.typtype,
      pg_get_userbyid(t.typowner),
      (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
      obj_description(t.oid, 'pg_type'))
    FROM user_types t JOIN pg_namespace n ON n.oid = t.typnamespace
  UNION ALL
  SELECT DISTINCT format('type %s.%s acl %s %s grantable=%s', n.nspname, t.typname,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM user_types t JOIN pg_namespace n ON n.oid = t.typnamespace,
      aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) x
  UNION ALL
  SELECT DISTINCT format('default acl for=%s schema=%s on=%s %s %s grantable=%s', pg_get_userbyid(d.defaclrole),
      coalesce(n.nspname, '*'), d.defaclobjtype,
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) x
) lines
"#;

/// Objects that are the user's: not in system schemas, not part of an extension.
const USER_OBJECTS: &str = r#"
CREATE TEMP VIEW user_relations AS
  SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e');
CREATE TEMP VIEW user_types AS
  SELECT t.* FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision') AND t.typtype IN ('e', 'c', 'r', 'd')
    AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e');
CREATE TEMP VIEW user_functions AS
  SELECT p.* FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e');
"#;

/// The fingerprint of database `db` in `cluster`.
pub fn fingerprint(cluster: &Cluster, db: &str) -> String {
    let mut client = cluster.client(db);
    client
        .batch_execute(USER_OBJECTS)
        .expect("fingerprint views");
    let row = client.query_one(QUERY, &[]).expect("fingerprint query");
    row.get(0)
}

/// Asserts database `db` has the same fingerprint in two clusters, each
/// named for the message.
pub fn assert_same_catalogs(db: &str, left: (&str, &Cluster), right: (&str, &Cluster)) {
    assert_same(
        left.0,
        &fingerprint(left.1, db),
        right.0,
        &fingerprint(right.1, db),
    );
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
