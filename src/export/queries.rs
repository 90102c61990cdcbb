//! The catalog queries of `export`: each returns one row holding one JSON
//! document, so an export reads the whole database in two round trips (the
//! server facts, then [`batch`]) whatever its size.
//!
//! They are export's own, not `catalog::read`'s: export needs more of each
//! object (definitions, the features the spec cannot express) and must not
//! follow the engine's filtering by declared schemas. They run with
//! `search_path = pg_catalog`, so every name the server prints
//! (`pg_get_expr`, `pg_get_viewdef`, `format_type`, …) is schema-qualified
//! and the exported SQL means the same whatever `search_path` applies it.

/// Session facts; decides which variants of the other queries apply.
pub const SERVER: &str = "SELECT json_build_object(
  'version_num', current_setting('server_version_num')::int,
  'current_user', current_user,
  'superuser', (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
  'database', current_database(),
  'authid_readable', has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
  'bootstrap', pg_catalog.pg_get_userbyid(10)
)::text";

/// Schemas whose contents are PostgreSQL's own.
const USER_SCHEMA: &str =
    "n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')";

/// Not a member of an extension (`classid` names the catalog of `objid`).
fn not_extension(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext
      WHERE ext.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND ext.objid = {oid} AND ext.deptype = 'e')"
    )
}

/// `[[grantee, privilege, grantable], …]` of an ACL column (its built-in
/// default when NULL), without the owner's own entries.
fn acl(column: &str, kind: &str, owner: &str) -> String {
    format!(
        "(SELECT coalesce(json_agg(json_build_array(
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
            a.privilege_type, a.is_grantable) ORDER BY a.grantee, a.privilege_type), '[]')
          FROM pg_catalog.aclexplode(coalesce({column}, pg_catalog.acldefault({kind}, {owner}))) a
          WHERE a.grantee <> {owner})"
    )
}

/// Whether the owner's own privileges were taken away (which the spec
/// cannot express: the owner's entries are never managed).
fn owner_reduced(column: &str, kind: &str, owner: &str) -> String {
    format!(
        "({column} IS NOT NULL AND (SELECT count(*) FROM pg_catalog.aclexplode({column}) a WHERE a.grantee = {owner})
           < (SELECT count(*) FROM pg_catalog.aclexplode(pg_catalog.acldefault({kind}, {owner})) a WHERE a.grantee = {owner}))"
    )
}

/// Every statement of the second round trip, in the order [`super::state`] reads them.
pub fn batch(major: u32, authid_readable: bool) -> Vec<String> {
    vec![
        if authid_readable {
            PASSWORDS.to_string()
        } else {
            "SELECT 'null'".to_string()
        },
        roles(),
        memberships(major),
        database(),
        schemas(),
        extensions(),
        relations(),
        columns(),
        constraints(major),
        indexes(major),
        routines(),
        types(),
        default_acls(),
        policies(),
        triggers(),
        unsupported(),
    ]
}

fn roles() -> String {
    "SELECT coalesce(json_agg(json_build_object(
  'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper,
  'createdb', r.rolcreatedb, 'createrole', r.rolcreaterole, 'inherit', r.rolinherit,
  'replication', r.rolreplication, 'bypassrls', r.rolbypassrls,
  'connection_limit', r.rolconnlimit,
  'valid_until', CASE WHEN r.rolvaliduntil IS NULL THEN NULL
                      WHEN r.rolvaliduntil = 'infinity' THEN 'infinity'
                      ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END,
  'settings', (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
               WHERE s.setrole = r.oid AND s.setdatabase = 0),
  'comment', pg_catalog.shobj_description(r.oid, 'pg_authid')
) ORDER BY r.rolname), '[]')::text
FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_'"
        .to_string()
}

/// Which roles have a stored password (sent only when `pg_authid` is
/// readable: the query fails without the privilege).
const PASSWORDS: &str = "SELECT coalesce(json_agg(rolname ORDER BY rolname), '[]')::text
FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL";

fn memberships(major: u32) -> String {
    let options = if major >= 16 {
        "'inherit', m.inherit_option, 'set', m.set_option"
    } else {
        "'inherit', NULL, 'set', NULL"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'role', g.rolname, 'member', u.rolname, 'grantor_is_bootstrap', m.grantor = 10,
  'admin', m.admin_option, {options}
) ORDER BY g.rolname, u.rolname, m.grantor), '[]')::text
FROM pg_catalog.pg_auth_members m
JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
JOIN pg_catalog.pg_roles u ON u.oid = m.member"
    )
}

fn database() -> String {
    format!(
        "SELECT json_build_object(
  'name', d.datname, 'owner', pg_catalog.pg_get_userbyid(d.datdba),
  'acl', {acl}, 'owner_reduced', {reduced},
  'settings', (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
               WHERE s.setdatabase = d.oid AND s.setrole = 0),
  'role_settings', (SELECT coalesce(json_agg(pg_catalog.pg_get_userbyid(s.setrole) ORDER BY 1), '[]')
               FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole <> 0),
  'connection_limit', d.datconnlimit,
  'comment', pg_catalog.shobj_description(d.oid, 'pg_database')
)::text
FROM pg_catalog.pg_database d WHERE d.datname = current_database()",
        acl = acl("d.datacl", "'d'", "d.datdba"),
        reduced = owner_reduced("d.datacl", "'d'", "d.datdba"),
    )
}

fn schemas() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'name', n.nspname, 'owner', pg_catalog.pg_get_userbyid(n.nspowner),
  'acl', {acl}, 'owner_reduced', {reduced},
  'comment', pg_catalog.obj_description(n.oid, 'pg_namespace')
) ORDER BY n.nspname), '[]')::text
FROM pg_catalog.pg_namespace n
WHERE {USER_SCHEMA} AND {ext}",
        acl = acl("n.nspacl", "'n'", "n.nspowner"),
        reduced = owner_reduced("n.nspacl", "'n'", "n.nspowner"),
        ext = not_extension("pg_namespace", "n.oid"),
    )
}

fn extensions() -> String {
    "SELECT coalesce(json_agg(json_build_object(
  'name', e.extname, 'schema', n.nspname, 'version', e.extversion,
  'default_version', (SELECT a.default_version FROM pg_catalog.pg_available_extensions a WHERE a.name = e.extname)
) ORDER BY e.extname), '[]')::text
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
        .to_string()
}

/// Tables, views, materialized views, sequences and foreign tables.
fn relations() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind::text,
  'owner', pg_catalog.pg_get_userbyid(c.relowner),
  'acl', {acl}, 'owner_reduced', {reduced},
  'column_acls', (SELECT coalesce(json_agg(json_build_array(a.attname,
        CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
        x.privilege_type, x.is_grantable) ORDER BY a.attnum, x.grantee, x.privilege_type), '[]')
      FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) x
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attacl IS NOT NULL AND x.grantee <> c.relowner),
  'persistence', c.relpersistence::text,
  'options', c.reloptions,
  'partition', c.relispartition,
  'inherits', EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid),
  'typed', c.reloftype <> 0,
  'tablespace', c.reltablespace <> 0,
  'rls', c.relrowsecurity, 'force_rls', c.relforcerowsecurity,
  'view', CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END,
  'sequence', (SELECT json_build_object(
      'type', pg_catalog.format_type(s.seqtypid, NULL), 'start', s.seqstart,
      'increment', s.seqincrement, 'min_value', s.seqmin, 'max_value', s.seqmax,
      'cache', s.seqcache, 'cycle', s.seqcycle,
      'owned_by', (SELECT json_build_object('schema', tn.nspname, 'table', t.relname,
            'column', ta.attname, 'identity', d.deptype = 'i')
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
          JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_catalog.pg_attribute ta ON ta.attrelid = t.oid AND ta.attnum = d.refobjsubid
          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
          LIMIT 1))
    FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid),
  'comment', pg_catalog.obj_description(c.oid, 'pg_class')
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {USER_SCHEMA} AND {ext}",
        acl = acl(
            "c.relacl",
            "(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\"",
            "c.relowner"
        ),
        reduced = owner_reduced(
            "c.relacl",
            "(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\"",
            "c.relowner"
        ),
        ext = not_extension("pg_class", "c.oid"),
    )
}

/// Columns of tables and views, in order.
fn columns() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', a.attname,
  'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
  'not_null', a.attnotnull,
  'default', CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
  'generated', CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
  'identity', a.attidentity::text,
  'serial_default', d.adbin IS NOT NULL AND a.attgenerated = '' AND EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend sd JOIN pg_catalog.pg_class s ON s.oid = sd.objid AND s.relkind = 'S'
      WHERE sd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND sd.refobjid = c.oid
        AND sd.refobjsubid = a.attnum AND sd.deptype = 'a'
        AND s.relnamespace = c.relnamespace
        AND pg_catalog.pg_get_expr(d.adbin, d.adrelid)
            = 'nextval(' || pg_catalog.quote_literal(s.oid::pg_catalog.regclass::text) || '::regclass)'),
  'collation', a.attcollation <> 0 AND a.attcollation <> (SELECT t.typcollation FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid),
  'comment', pg_catalog.col_description(c.oid, a.attnum)
) ORDER BY n.nspname, c.relname, a.attnum), '[]')::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA} AND {ext}",
        ext = not_extension("pg_class", "c.oid"),
    )
}

/// Constraints of tables (primary key, unique, foreign key, check, exclusion).
fn constraints(major: u32) -> String {
    let nulls = if major >= 15 {
        "(SELECT i.indnullsnotdistinct FROM pg_catalog.pg_index i WHERE i.indexrelid = k.conindid)"
    } else {
        "false"
    };
    let set_cols = if major >= 15 {
        "k.confdelsetcols IS NOT NULL"
    } else {
        "false"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', k.conname, 'type', k.contype::text,
  'columns', (SELECT coalesce(json_agg(ka.attname ORDER BY u.ord), '[]')
      FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
      JOIN pg_catalog.pg_attribute ka ON ka.attrelid = k.conrelid AND ka.attnum = u.num),
  'expression', CASE WHEN k.contype = 'c' THEN pg_catalog.pg_get_expr(k.conbin, k.conrelid) END,
  'definition', pg_catalog.pg_get_constraintdef(k.oid),
  'ref_schema', rn.nspname, 'ref_table', r.relname,
  'ref_columns', (SELECT coalesce(json_agg(ra.attname ORDER BY u.ord), '[]')
      FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
      JOIN pg_catalog.pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.num),
  'on_delete', k.confdeltype::text, 'on_update', k.confupdtype::text, 'match', k.confmatchtype::text,
  'deferrable', k.condeferrable, 'validated', k.convalidated, 'no_inherit', k.connoinherit,
  'local', k.conislocal,
  'nulls_not_distinct', {nulls}, 'delete_set_columns', {set_cols},
  'index_plain', CASE WHEN k.contype IN ('p', 'u') THEN (SELECT i.indnkeyatts = i.indnatts
        AND ic.reloptions IS NULL AND ic.reltablespace = 0
        AND NOT EXISTS (SELECT 1 FROM unnest(i.indoption) o WHERE o <> 0)
      FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indexrelid = k.conindid) END,
  'comment', pg_catalog.obj_description(k.oid, 'pg_constraint')
) ORDER BY n.nspname, c.relname, k.conname), '[]')::text
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.relkind = 'r' AND k.contype IN ('p', 'u', 'f', 'c', 'x') AND {USER_SCHEMA} AND {ext}",
        ext = not_extension("pg_class", "c.oid"),
    )
}

/// Indexes that no constraint owns.
fn indexes(major: u32) -> String {
    let nulls = if major >= 15 {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', ic.relname,
  'unique', i.indisunique, 'using', am.amname,
  'keys', (SELECT coalesce(json_agg(json_build_array(pg_catalog.pg_get_indexdef(i.indexrelid, k, true),
        i.indkey[k - 1] <> 0) ORDER BY k), '[]')
      FROM generate_series(1, i.indnkeyatts) k),
  'include', (SELECT coalesce(json_agg(pg_catalog.pg_get_indexdef(i.indexrelid, k, true) ORDER BY k), '[]')
      FROM generate_series(i.indnkeyatts + 1, i.indnatts) k),
  'where', pg_catalog.pg_get_expr(i.indpred, i.indrelid),
  'plain', ic.reloptions IS NULL AND ic.reltablespace = 0 AND NOT {nulls}
      AND NOT EXISTS (SELECT 1 FROM unnest(i.indoption) o WHERE o <> 0)
      AND NOT EXISTS (SELECT 1 FROM unnest(i.indclass) cl JOIN pg_catalog.pg_opclass o ON o.oid = cl WHERE NOT o.opcdefault)
      AND NOT EXISTS (SELECT 1 FROM generate_series(1, i.indnkeyatts) k
          JOIN pg_catalog.pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = i.indkey[k - 1]
          WHERE i.indcollation[k - 1] <> ka.attcollation),
  'definition', pg_catalog.pg_get_indexdef(i.indexrelid),
  'comment', pg_catalog.obj_description(ic.oid, 'pg_class')
) ORDER BY n.nspname, c.relname, ic.relname), '[]')::text
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE c.relkind = 'r' AND {USER_SCHEMA} AND {ext}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
        ext = not_extension("pg_class", "c.oid"),
    )
}

/// Functions, procedures, aggregates and window functions.
fn routines() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', p.proname, 'kind', p.prokind::text,
  'identity_args', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'arg_types', pg_catalog.oidvectortypes(p.proargtypes),
  'arguments', pg_catalog.pg_get_function_arguments(p.oid),
  'result', CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END,
  'returns_set', p.proretset,
  'language', l.lanname, 'trusted', l.lanpltrusted, 'source', p.prosrc,
  'sql_body', p.prosqlbody IS NOT NULL, 'binary', p.probin IS NOT NULL,
  'volatility', p.provolatile::text, 'strict', p.proisstrict,
  'security_definer', p.prosecdef, 'leakproof', p.proleakproof,
  'parallel', p.proparallel::text, 'cost', p.procost::float8, 'rows', p.prorows::float8,
  'config', p.proconfig,
  'owner', pg_catalog.pg_get_userbyid(p.proowner),
  'acl', {acl}, 'owner_reduced', {reduced},
  'comment', pg_catalog.obj_description(p.oid, 'pg_proc')
) ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '[]')::text
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE {USER_SCHEMA} AND {ext}",
        acl = acl("p.proacl", "'f'", "p.proowner"),
        reduced = owner_reduced("p.proacl", "'f'", "p.proowner"),
        ext = not_extension("pg_proc", "p.oid"),
    )
}

/// Enum, composite, range and domain types (not arrays, multiranges or row
/// types of relations).
fn types() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', t.typname, 'typtype', t.typtype::text,
  'owner', pg_catalog.pg_get_userbyid(t.typowner),
  'acl', {acl}, 'owner_reduced', {reduced},
  'values', CASE WHEN t.typtype = 'e' THEN (SELECT coalesce(json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]')
      FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END,
  'comment', pg_catalog.obj_description(t.oid, 'pg_type')
) ORDER BY n.nspname, t.typname), '[]')::text
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'c', 'r', 'd') AND {USER_SCHEMA}
  AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
  AND {ext}",
        acl = acl("t.typacl", "'T'", "t.typowner"),
        reduced = owner_reduced("t.typacl", "'T'", "t.typowner"),
        ext = not_extension("pg_type", "t.oid"),
    )
}

/// `pg_default_acl`: a global row's ACL is complete (its built-in default
/// stands in for nothing), a per-schema row's only adds.
fn default_acls() -> String {
    "SELECT coalesce(json_agg(json_build_object(
  'role', pg_catalog.pg_get_userbyid(d.defaclrole),
  'schema', n.nspname,
  'kind', d.defaclobjtype::text,
  'acl', (SELECT coalesce(json_agg(json_build_array(
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
            a.privilege_type, a.is_grantable) ORDER BY a.grantee, a.privilege_type), '[]')
          FROM pg_catalog.aclexplode(d.defaclacl) a WHERE a.grantee <> d.defaclrole),
  'owner_reduced', d.defaclnamespace = 0 AND d.defaclobjtype IN ('r', 'S', 'f', 'T', 'n')
      AND (SELECT count(*) FROM pg_catalog.aclexplode(d.defaclacl) a WHERE a.grantee = d.defaclrole)
        < (SELECT count(*) FROM pg_catalog.aclexplode(pg_catalog.acldefault(
              CASE d.defaclobjtype WHEN 'S' THEN 's'::\"char\" ELSE d.defaclobjtype END, d.defaclrole)) a
           WHERE a.grantee = d.defaclrole)
) ORDER BY pg_catalog.pg_get_userbyid(d.defaclrole), n.nspname NULLS FIRST, d.defaclobjtype), '[]')::text
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace"
        .to_string()
}

fn policies() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'name', p.polname,
  'command', p.polcmd::text, 'permissive', p.polpermissive,
  'roles', (SELECT json_agg(x.name ORDER BY x.name)
            FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r) END AS name
                  FROM unnest(p.polroles) r) x),
  'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
  'with_check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
  'comment', pg_catalog.obj_description(p.oid, 'pg_policy')
) ORDER BY n.nspname, c.relname, p.polname), '[]')::text
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {USER_SCHEMA} AND {ext}",
        ext = not_extension("pg_class", "c.oid"),
    )
}

fn triggers() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'table', c.relname, 'relkind', c.relkind::text, 'name', t.tgname,
  'type', t.tgtype::int,
  'function_schema', fn.nspname, 'function', f.proname,
  'arguments', encode(t.tgargs, 'hex'), 'nargs', t.tgnargs,
  'columns', (SELECT coalesce(json_agg(a.attname ORDER BY u.ord), '[]')
      FROM unnest(t.tgattr) WITH ORDINALITY u(num, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = u.num),
  'definition', pg_catalog.pg_get_triggerdef(t.oid),
  'has_when', t.tgqual IS NOT NULL,
  'enabled', t.tgenabled::text,
  'constraint', t.tgconstraint <> 0,
  'transition', t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL,
  'cloned', t.tgparentid <> 0,
  'comment', pg_catalog.obj_description(t.oid, 'pg_trigger')
) ORDER BY n.nspname, c.relname, t.tgname), '[]')::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT t.tgisinternal AND {USER_SCHEMA} AND {ext}",
        ext = not_extension("pg_class", "c.oid"),
    )
}

/// What the spec has no words for, as `[[kind, name], …]`: objects of
/// kinds it does not know at all. (Features of objects it does know — a
/// partitioned table, a deferrable constraint — are found from the other
/// documents.)
fn unsupported() -> String {
    let user = |alias: &str| format!("{alias}.oid >= 16384");
    format!(
        "SELECT coalesce(json_agg(x ORDER BY x::text), '[]')::text FROM (
  SELECT json_build_array('event trigger', evtname) AS x FROM pg_catalog.pg_event_trigger et
    WHERE {evt_ext}
  UNION ALL SELECT json_build_array('publication', pubname) FROM pg_catalog.pg_publication
  UNION ALL SELECT json_build_array('subscription', subname) FROM pg_catalog.pg_subscription
    WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  UNION ALL SELECT json_build_array('foreign-data wrapper', fdwname) FROM pg_catalog.pg_foreign_data_wrapper w
    WHERE {fdw_ext}
  UNION ALL SELECT json_build_array('foreign server', srvname) FROM pg_catalog.pg_foreign_server
  UNION ALL SELECT json_build_array('user mapping', usename || ' on ' || srvname) FROM pg_catalog.pg_user_mappings
  UNION ALL SELECT json_build_array('rule', n.nspname || '.' || c.relname || ' ' || r.rulename)
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND {USER_SCHEMA}
  UNION ALL SELECT json_build_array('operator', n.nspname || '.' || o.oprname)
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
    WHERE {USER_SCHEMA} AND {opr_ext}
  UNION ALL SELECT json_build_array('operator class', n.nspname || '.' || o.opcname)
    FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_namespace n ON n.oid = o.opcnamespace
    WHERE {USER_SCHEMA} AND {opc_ext}
  UNION ALL SELECT json_build_array('cast', pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL))
    FROM pg_catalog.pg_cast c WHERE {cast_user} AND {cast_ext}
  UNION ALL SELECT json_build_array('collation', n.nspname || '.' || c.collname)
    FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
    WHERE {USER_SCHEMA} AND {coll_ext}
  UNION ALL SELECT json_build_array('text search configuration', n.nspname || '.' || c.cfgname)
    FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
    WHERE {USER_SCHEMA} AND {cfg_ext}
  UNION ALL SELECT json_build_array('text search dictionary', n.nspname || '.' || d.dictname)
    FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
    WHERE {USER_SCHEMA} AND {dict_ext}
  UNION ALL SELECT json_build_array('statistics object', n.nspname || '.' || s.stxname)
    FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    WHERE {USER_SCHEMA}
  UNION ALL SELECT json_build_array('conversion', n.nspname || '.' || c.conname)
    FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
    WHERE {USER_SCHEMA} AND {conv_ext}
  UNION ALL SELECT json_build_array('procedural language', l.lanname) FROM pg_catalog.pg_language l
    WHERE {lang_user} AND {lang_ext}
  UNION ALL SELECT json_build_array('access method', a.amname) FROM pg_catalog.pg_am a
    WHERE {am_user} AND {am_ext}
  UNION ALL SELECT json_build_array('large objects', count(*) || ' of them')
    FROM pg_catalog.pg_largeobject_metadata HAVING count(*) > 0
  UNION ALL SELECT json_build_array('tablespace', spcname) FROM pg_catalog.pg_tablespace
    WHERE spcname NOT IN ('pg_default', 'pg_global')
) u",
        evt_ext = not_extension("pg_event_trigger", "et.oid"),
        fdw_ext = not_extension("pg_foreign_data_wrapper", "w.oid"),
        opr_ext = not_extension("pg_operator", "o.oid"),
        opc_ext = not_extension("pg_opclass", "o.oid"),
        cast_user = user("c"),
        cast_ext = not_extension("pg_cast", "c.oid"),
        coll_ext = not_extension("pg_collation", "c.oid"),
        cfg_ext = not_extension("pg_ts_config", "c.oid"),
        dict_ext = not_extension("pg_ts_dict", "d.oid"),
        conv_ext = not_extension("pg_conversion", "c.oid"),
        lang_user = user("l"),
        lang_ext = not_extension("pg_language", "l.oid"),
        am_user = user("a"),
        am_ext = not_extension("pg_am", "a.oid"),
    )
}
