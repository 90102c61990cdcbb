//! The catalog queries of `lint --live`: one for the server's facts, then a
//! fixed batch, each statement returning one row with one JSON document,
//! whatever the size of the database. `pg_catalog` only.
//!
//! Every query that asks "may an API role …" starts with the same `api`
//! common table expression: the NOLOGIN roles a login that does not inherit
//! them switches to (its membership's INHERIT option on 16+, its `inherit`
//! attribute before, read version-independently through `to_jsonb` of the
//! membership row), the roles they are members of, PUBLIC, and the names
//! given by the spec or the command line. `arg` is how `has_*_privilege`
//! spells the role (`public` for PUBLIC).

use crate::quote;

/// Session facts: whether passwords can be read, the server's version.
pub const SERVER: &str = "SELECT json_build_object(
  'version_num', current_setting('server_version_num')::int,
  'database', current_database(),
  'authid_readable', has_table_privilege('pg_catalog.pg_authid', 'SELECT')
)::text";

/// Schemas whose contents are PostgreSQL's own.
const USER_SCHEMA: &str =
    "n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')";

/// `NOT` an extension member, for catalog `class` and row `oid`.
fn not_extension(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.{class}'::pg_catalog.regclass AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// The `api(name, why, arg)` CTE, with `extra` roles (name, why) added.
fn api(extra: &[(String, String)]) -> String {
    let names = extra
        .iter()
        .map(|(n, _)| quote::literal(n))
        .collect::<Vec<_>>()
        .join(", ");
    let whys = extra
        .iter()
        .map(|(_, w)| quote::literal(w))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH RECURSIVE reach(oid, login) AS (
  SELECT m.roleid, l.rolname FROM pg_catalog.pg_auth_members m
  JOIN pg_catalog.pg_roles l ON l.oid = m.member
  WHERE l.rolcanlogin
    AND NOT coalesce((pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, l.rolinherit)
  UNION
  SELECT m.roleid, r.login FROM pg_catalog.pg_auth_members m JOIN reach r ON m.member = r.oid
), candidates(name, why, ord) AS (
  -- `unnest` of two arrays is FROM-clause syntax, not a pg_catalog function.
  SELECT 'PUBLIC', 'every role, API roles included, holds what PUBLIC holds', 0
  UNION ALL
  SELECT g.rolname, min(pg_catalog.format('login `%s` does not inherit it and switches to it', r.login)), 1
  FROM reach r JOIN pg_catalog.pg_roles g ON g.oid = r.oid
  WHERE NOT g.rolcanlogin GROUP BY g.rolname
  UNION ALL
  SELECT x.name, x.why, 2 FROM unnest(ARRAY[{names}]::text[], ARRAY[{whys}]::text[]) x(name, why)
  WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = x.name)
), api(name, why, arg) AS (
  SELECT DISTINCT ON (c.name) c.name, c.why, CASE WHEN c.name = 'PUBLIC' THEN 'public' ELSE c.name END
  FROM candidates c ORDER BY c.name, c.ord
)
"
    )
}

/// The API roles and why each counts.
pub fn api_roles(extra: &[(String, String)]) -> String {
    format!(
        "{}SELECT coalesce(json_agg(json_build_object('name', a.name, 'why', a.why) ORDER BY a.name), '[]')::text FROM api a",
        api(extra)
    )
}

/// Every role: attributes the lints need; whether it has a password when
/// `pg_authid` is readable.
pub fn roles(authid_readable: bool) -> String {
    let password = if authid_readable {
        "(SELECT a.rolpassword IS NOT NULL FROM pg_catalog.pg_authid a WHERE a.oid = r.oid)"
    } else {
        "NULL::boolean"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper,
  'bypassrls', r.rolbypassrls, 'has_password', {password}
) ORDER BY r.rolname), '[]')::text
FROM pg_catalog.pg_roles r"
    )
}

/// Tables (ordinary and partitioned): owner, RLS flags, policy names, and
/// the API roles that may read or write them (with USAGE on the schema).
pub fn tables(extra: &[(String, String)]) -> String {
    format!(
        "{api}SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', c.relname, 'owner', pg_catalog.pg_get_userbyid(c.relowner),
  'rls', c.relrowsecurity, 'forced', c.relforcerowsecurity,
  'policies', (SELECT coalesce(json_agg(p.polname ORDER BY p.polname), '[]')
      FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid),
  'reach', (SELECT coalesce(json_agg(json_build_array(a.name, x.privileges) ORDER BY a.name), '[]')
      FROM api a, LATERAL (SELECT pg_catalog.array_remove(ARRAY[
          CASE WHEN pg_catalog.has_any_column_privilege(a.arg, c.oid, 'SELECT') THEN 'SELECT' END,
          CASE WHEN pg_catalog.has_any_column_privilege(a.arg, c.oid, 'INSERT') THEN 'INSERT' END,
          CASE WHEN pg_catalog.has_any_column_privilege(a.arg, c.oid, 'UPDATE') THEN 'UPDATE' END,
          CASE WHEN pg_catalog.has_table_privilege(a.arg, c.oid, 'DELETE') THEN 'DELETE' END], NULL) AS privileges) x
      WHERE pg_catalog.cardinality(x.privileges) > 0
        AND a.name <> pg_catalog.pg_get_userbyid(c.relowner)
        AND pg_catalog.has_schema_privilege(a.arg, n.oid, 'USAGE'))
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {ext}",
        api = api(extra),
        ext = not_extension("pg_class", "c.oid")
    )
}

/// Views: owner, `security_invoker`, the API roles that may read them, and
/// the tables and views their query reads directly.
pub fn views(extra: &[(String, String)]) -> String {
    format!(
        "{api}SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', c.relname, 'owner', pg_catalog.pg_get_userbyid(c.relowner),
  'invoker', EXISTS (SELECT 1 FROM pg_catalog.unnest(c.reloptions) o
      WHERE pg_catalog.lower(o) IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes')),
  'readers', (SELECT coalesce(json_agg(a.name ORDER BY a.name), '[]') FROM api a
      WHERE pg_catalog.has_any_column_privilege(a.arg, c.oid, 'SELECT')
        AND a.name <> pg_catalog.pg_get_userbyid(c.relowner)
        AND pg_catalog.has_schema_privilege(a.arg, n.oid, 'USAGE')),
  'reads', (SELECT coalesce(json_agg(DISTINCT pg_catalog.jsonb_build_array(rn.nspname, rc.relname)), '[]')
      FROM pg_catalog.pg_rewrite rw
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.objid = rw.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.refobjid <> c.oid
      JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid AND rc.relkind IN ('r', 'p', 'v')
      JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE rw.ev_class = c.oid)
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND {USER_SCHEMA} AND {ext}",
        api = api(extra),
        ext = not_extension("pg_class", "c.oid")
    )
}

/// Functions and procedures: SECURITY DEFINER, `search_path` setting,
/// whether PUBLIC may execute them, and which other API roles may (with
/// USAGE on the schema).
pub fn functions(extra: &[(String, String)]) -> String {
    format!(
        "{api}SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', p.proname, 'procedure', p.prokind = 'p',
  'args', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'owner', pg_catalog.pg_get_userbyid(p.proowner), 'language', l.lanname,
  'definer', p.prosecdef,
  'search_path', (SELECT pg_catalog.substr(s, 13) FROM pg_catalog.unnest(p.proconfig) s
      WHERE s LIKE 'search_path=%' LIMIT 1),
  'public_execute', pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE'),
  'callers', (SELECT coalesce(json_agg(a.name ORDER BY a.name), '[]') FROM api a
      WHERE a.name <> 'PUBLIC' AND a.name <> pg_catalog.pg_get_userbyid(p.proowner)
        AND pg_catalog.has_function_privilege(a.arg, p.oid, 'EXECUTE')
        AND pg_catalog.has_schema_privilege(a.arg, n.oid, 'USAGE'))
) ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '[]')::text
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {ext}",
        api = api(extra),
        ext = not_extension("pg_proc", "p.oid")
    )
}

/// Extensions installed in `public` (but `plpgsql`, which every database has).
pub const EXTENSIONS_IN_PUBLIC: &str =
    "SELECT coalesce(json_agg(e.extname ORDER BY e.extname), '[]')::text
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = 'public' AND e.extname <> 'plpgsql'";

/// Policies on tables: command, kind, roles, expressions as the server
/// prints them, whether the table has RLS on, and which API roles they
/// apply to (named, through membership, or PUBLIC).
pub fn policies(extra: &[(String, String)]) -> String {
    format!(
        "{api}SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', p.polname,
  'permissive', p.polpermissive, 'command', p.polcmd::text,
  'roles', (SELECT coalesce(json_agg(x.role ORDER BY x.role), '[]')
      FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r)::text END AS role
            FROM pg_catalog.unnest(p.polroles) r) x),
  'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
  'with_check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
  'rls', c.relrowsecurity,
  'api_roles', (SELECT coalesce(json_agg(a.name ORDER BY a.name), '[]') FROM api a
      WHERE 0 = ANY (p.polroles)
         OR (a.name <> 'PUBLIC' AND EXISTS (SELECT 1 FROM pg_catalog.unnest(p.polroles) r
             WHERE r <> 0 AND pg_catalog.pg_has_role(a.name, r, 'USAGE'))))
) ORDER BY n.nspname, c.relname, p.polname), '[]')::text
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {USER_SCHEMA} AND {ext}",
        api = api(extra),
        ext = not_extension("pg_class", "c.oid")
    )
}

/// Roles granted INSERT on a table (or some of its columns) that may not
/// use the sequence a column default takes values from (`nextval`): neither
/// USAGE nor UPDATE on it. Identity columns need no sequence privilege and
/// have no default, so they never appear.
pub fn inserts_without_sequence() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', x.schema, 'table', x.tab, 'column', x.col, 'sequence_schema', x.seq_schema,
  'sequence', x.seq, 'grantee', x.grantee
) ORDER BY x.schema, x.tab, x.col, x.grantee), '[]')::text
FROM (SELECT DISTINCT n.nspname AS schema, c.relname AS tab, a.attname AS col,
             sn.nspname AS seq_schema, s.relname AS seq,
             CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(g.grantee) END AS grantee,
             g.grantee AS grantee_oid, s.oid AS seq_oid
      FROM pg_catalog.pg_attrdef ad
      JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
        AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
      JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
      CROSS JOIN LATERAL (
          SELECT e.grantee FROM pg_catalog.aclexplode(c.relacl) e WHERE e.privilege_type = 'INSERT'
          UNION
          SELECT e.grantee FROM pg_catalog.pg_attribute col, pg_catalog.aclexplode(col.attacl) e
          WHERE col.attrelid = c.oid AND e.privilege_type = 'INSERT') g
      WHERE g.grantee <> c.relowner AND {USER_SCHEMA} AND {ext}) x
WHERE NOT pg_catalog.has_sequence_privilege(
    CASE WHEN x.grantee_oid = 0 THEN 'public' ELSE x.grantee END, x.seq_oid, 'USAGE, UPDATE')",
        ext = not_extension("pg_class", "c.oid")
    )
}

/// Per-schema default privileges whose role may not create objects there.
pub const DEFAULT_ACLS_NEVER_FIRE: &str = "SELECT coalesce(json_agg(json_build_object(
  'role', pg_catalog.pg_get_userbyid(d.defaclrole), 'schema', n.nspname, 'kind', d.defaclobjtype::text
) ORDER BY n.nspname, pg_catalog.pg_get_userbyid(d.defaclrole), d.defaclobjtype), '[]')::text
FROM pg_catalog.pg_default_acl d
JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
WHERE NOT pg_catalog.has_schema_privilege(d.defaclrole, n.oid, 'CREATE')";

/// Grants (to roles, not PUBLIC or the owner) on relations, columns,
/// functions and types of schemas the grantee has no USAGE on.
pub fn grants_without_usage() -> String {
    let relation_kind = "CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
      WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END";
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'kind', x.kind, 'schema', x.schema, 'name', x.name, 'args', x.args,
  'grantee', pg_catalog.pg_get_userbyid(x.grantee), 'privileges', x.privileges
) ORDER BY x.schema, x.name, x.args, x.kind, pg_catalog.pg_get_userbyid(x.grantee)), '[]')::text
FROM (
  SELECT {relation_kind} AS kind, n.nspname AS schema, c.relname AS name, NULL::text AS args,
         e.grantee, pg_catalog.string_agg(DISTINCT e.privilege_type, ', ') AS privileges, n.oid AS nsp
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
       LATERAL (SELECT g.grantee, g.privilege_type FROM pg_catalog.aclexplode(c.relacl) g
                UNION ALL
                SELECT g.grantee, g.privilege_type FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) g
                WHERE a.attrelid = c.oid) e
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND e.grantee NOT IN (0, c.relowner)
    AND {USER_SCHEMA} AND {rel_ext}
  GROUP BY 1, 2, 3, 4, 5, 7
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,
         pg_catalog.pg_get_function_identity_arguments(p.oid), e.grantee,
         pg_catalog.string_agg(DISTINCT e.privilege_type, ', '), n.oid
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace,
       pg_catalog.aclexplode(p.proacl) e
  WHERE e.grantee NOT IN (0, p.proowner) AND {USER_SCHEMA} AND {proc_ext}
  GROUP BY 1, 2, 3, 4, 5, 7
  UNION ALL
  SELECT 'type', n.nspname, t.typname, NULL, e.grantee,
         pg_catalog.string_agg(DISTINCT e.privilege_type, ', '), n.oid
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace,
       pg_catalog.aclexplode(t.typacl) e
  WHERE t.typtype IN ('e', 'c', 'r', 'd') AND e.grantee NOT IN (0, t.typowner)
    AND {USER_SCHEMA} AND {type_ext}
  GROUP BY 1, 2, 3, 4, 5, 7
) x
WHERE NOT pg_catalog.has_schema_privilege(x.grantee, x.nsp, 'USAGE')",
        rel_ext = not_extension("pg_class", "c.oid"),
        proc_ext = not_extension("pg_proc", "p.oid"),
        type_ext = not_extension("pg_type", "t.oid"),
    )
}
