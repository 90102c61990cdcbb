//! The catalog queries. Each returns one row holding one JSON document, so
//! the whole read is a fixed number of statements in two round trips,
//! whatever the size of the spec or the database.

/// How a catalog query writes one row of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `{"key": value, …}`.
    Object,
    /// `[value, …]`: the same values in the same order, without the keys.
    /// serde reads a struct from either form, the array one in the order
    /// of the struct's fields; the bulk reads of tables, relations,
    /// sequences and policies use it because their keys were 40 % of the
    /// text (13 → 5.6 MB for 10,000 tables, 0.85 → 0.65 s of server time).
    /// Each list read this way is held to its struct's field order by a
    /// unit test ([`assert_fields`]).
    Array,
}

/// One row as JSON: `fields` are `(key, SQL expression)` in the order of
/// the struct that reads it.
pub fn record(form: Form, fields: &[(&str, String)]) -> String {
    let values: Vec<String> = fields
        .iter()
        .map(|(key, expr)| match form {
            Form::Object => format!("'{key}', {expr}"),
            Form::Array => expr.clone(),
        })
        .collect();
    let function = match form {
        Form::Object => "json_build_object",
        Form::Array => "json_build_array",
    };
    format!("{function}(\n      {}\n    )", values.join(",\n      "))
}

/// The keys, in order, that serde reads struct `T` from (its fields as
/// named in JSON, skipped ones left out): what a [`Form::Array`] row must
/// list, in that order.
#[cfg(test)]
pub(crate) fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Deserializer, Error, Visitor, value};
    struct Fields(std::cell::Cell<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for &Fields {
        type Error = value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, value::Error> {
            Err(value::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, value::Error> {
            self.0.set(fields);
            Err(value::Error::custom("fields noted"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let fields = Fields(std::cell::Cell::new(&[]));
    let _ = T::deserialize(&fields);
    fields.0.get()
}

/// Asserts that `fields` list the keys serde reads `T` from, in its order:
/// what a [`Form::Array`] row of `T` must hold to.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_fields<T: serde::de::DeserializeOwned>(fields: &[(&str, String)]) {
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, field_names::<T>(), "{}", std::any::type_name::<T>());
}

/// Session facts; decides which variants of the other queries apply.
pub const SERVER: &str = "SELECT json_build_object(
  'version_num', current_setting('server_version_num')::int,
  'current_user', current_user,
  'superuser', (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
  'database', current_database(),
  'authid_readable', has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
  'max_locks_per_transaction', current_setting('max_locks_per_transaction')::bigint,
  'max_connections', current_setting('max_connections')::bigint,
  'max_prepared_transactions', current_setting('max_prepared_transactions')::bigint,
  'search_path', pg_catalog.current_schemas(true)::text,
  'temporary_allowed', pg_catalog.has_database_privilege(current_database(), 'TEMPORARY'),
  'create_allowed', pg_catalog.has_database_privilege(current_database(), 'CREATE'),
  'memory', CASE WHEN pg_catalog.to_regclass('pgprovision.memory') IS NOT NULL
      THEN json_build_object(
        'readable', pg_catalog.has_table_privilege(pg_catalog.to_regclass('pgprovision.memory'), 'SELECT'),
        'writable', pg_catalog.has_table_privilege(pg_catalog.to_regclass('pgprovision.memory'), 'INSERT, UPDATE, DELETE'))
      END,
  'stamp', CASE WHEN pg_catalog.to_regclass('pgprovision.stamp') IS NOT NULL
      THEN json_build_object(
        'readable', pg_catalog.has_schema_privilege('pgprovision', 'USAGE')
          AND pg_catalog.has_table_privilege(pg_catalog.to_regclass('pgprovision.stamp'), 'SELECT'),
        'writable', pg_catalog.has_schema_privilege('pgprovision', 'USAGE')
          AND pg_catalog.has_table_privilege(pg_catalog.to_regclass('pgprovision.stamp'), 'INSERT, UPDATE, DELETE'))
      END
)::text";

/// The relations of this database another session holds, or waits for, in
/// ACCESS EXCLUSIVE mode — the one lock mode that conflicts with reading:
/// printing one of their expressions, or reading their rows, would wait.
/// A subquery (rows of `relation`), for `x IN (…)`.
pub const LOCKED: &str = "SELECT l.relation
  FROM pg_catalog.pg_locks l
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
    AND l.pid <> pg_catalog.pg_backend_pid()
    AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())";

/// [`LOCKED`] as a JSON array of oids.
pub fn locked_relations() -> String {
    format!("SELECT coalesce(json_agg(DISTINCT x.relation::bigint), '[]')::text FROM ({LOCKED}) x")
}

/// `aclexplode` of an ACL column (with `acldefault` when NULL), without the
/// owner's own entries, as `[[grantee, privilege, grantable], …]`.
pub fn acl(column: &str, kind: char, owner: &str) -> String {
    acl_or(
        column,
        &format!("pg_catalog.acldefault('{kind}', {owner})"),
        owner,
    )
}

/// Like [`acl`], with `default` standing in for a NULL column.
fn acl_or(column: &str, default: &str, owner: &str) -> String {
    format!(
        "(SELECT coalesce(json_agg(json_build_array(
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
            a.privilege_type, a.is_grantable) ORDER BY a.grantee, a.privilege_type), '[]')
          FROM pg_catalog.aclexplode(coalesce({column}, {default})) a
          WHERE a.grantee <> {owner})"
    )
}

use super::scope::Scope;

/// Every role; with the stored verifier when `pg_authid` is readable.
pub fn roles(authid_readable: bool) -> String {
    let (password, join) = if authid_readable {
        (
            "a.rolpassword",
            "LEFT JOIN pg_catalog.pg_authid a ON a.oid = r.oid",
        )
    } else {
        ("NULL::text", "")
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper,
  'createdb', r.rolcreatedb, 'createrole', r.rolcreaterole, 'inherit', r.rolinherit,
  'replication', r.rolreplication, 'bypassrls', r.rolbypassrls,
  'connection_limit', r.rolconnlimit,
  'valid_until', CASE WHEN r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity' THEN NULL
                      ELSE floor(extract(epoch FROM r.rolvaliduntil))::bigint END,
  'password', {password},
  'settings', (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
               WHERE s.setrole = r.oid AND s.setdatabase = 0),
  'comment', pg_catalog.shobj_description(r.oid, 'pg_authid')
) ORDER BY r.rolname), '[]')::text
FROM pg_catalog.pg_roles r {join}"
    )
}

/// Every membership; the INHERIT and SET options exist from PostgreSQL 16.
pub fn memberships(major: u32) -> String {
    let options = if major >= 16 {
        "'inherit', m.inherit_option, 'set', m.set_option"
    } else {
        "'inherit', NULL, 'set', NULL"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'role', g.rolname, 'member', u.rolname, 'grantor', gr.rolname,
  'grantor_is_bootstrap', m.grantor = 10, 'admin', m.admin_option, {options}
) ORDER BY g.rolname, u.rolname, gr.rolname), '[]')::text
FROM pg_catalog.pg_auth_members m
JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
JOIN pg_catalog.pg_roles u ON u.oid = m.member
LEFT JOIN pg_catalog.pg_roles gr ON gr.oid = m.grantor"
    )
}

/// The connected database.
pub fn database() -> String {
    format!(
        "SELECT json_build_object(
  'name', d.datname, 'owner', pg_catalog.pg_get_userbyid(d.datdba),
  'acl', {acl},
  'settings', (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
               WHERE s.setdatabase = d.oid AND s.setrole = 0),
  'comment', pg_catalog.shobj_description(d.oid, 'pg_database'),
  'connection_limit', d.datconnlimit,
  'allow_connections', d.datallowconn
)::text
FROM pg_catalog.pg_database d WHERE d.datname = current_database()",
        acl = acl("d.datacl", 'd', "d.datdba")
    )
}

/// Every schema but PostgreSQL's own (and pg-provision's state schema).
pub fn schemas() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'name', n.nspname, 'owner', pg_catalog.pg_get_userbyid(n.nspowner),
  'acl', {acl},
  'comment', pg_catalog.obj_description(n.oid, 'pg_namespace')
) ORDER BY n.nspname), '[]')::text
FROM pg_catalog.pg_namespace n
WHERE {user}",
        acl = acl("n.nspacl", 'n', "n.nspowner"),
        user = Scope::everything().condition("n.nspname")
    )
}

/// What only a superuser may use, as `plan::authority`'s labels: untrusted
/// languages, extensions that are not marked trusted, and settings of
/// `superuser` context (on 15+, unless `GRANT SET ON PARAMETER` allows them).
/// Read only when the connected role is not a superuser.
pub fn restricted(major: u32) -> String {
    let granted = if major >= 15 {
        " AND NOT pg_catalog.has_parameter_privilege(s.name, 'SET')"
    } else {
        ""
    };
    format!(
        "SELECT json_build_array(
  (SELECT coalesce(json_agg('language `' || l.lanname || '`'), '[]') FROM pg_catalog.pg_language l
    WHERE NOT l.lanpltrusted),
  (SELECT coalesce(json_agg(DISTINCT 'extension `' || v.name || '`'), '[]')
    FROM pg_catalog.pg_available_extension_versions v
    JOIN pg_catalog.pg_available_extensions a ON a.name = v.name AND a.default_version = v.version
    WHERE v.superuser AND NOT v.trusted),
  (SELECT coalesce(json_agg('setting `' || s.name || '`'), '[]') FROM pg_catalog.pg_settings s
    WHERE s.context = 'superuser'{granted})
)::text"
    )
}

/// Installed extensions.
pub const EXTENSIONS: &str = "SELECT coalesce(json_agg(json_build_object(
  'name', e.extname, 'schema', n.nspname, 'version', e.extversion) ORDER BY e.extname), '[]')::text
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace";

/// Extensions the server could install: name → default version.
pub const AVAILABLE_EXTENSIONS: &str =
    "SELECT coalesce(json_object_agg(name, coalesce(default_version, '')), '{}')::text
FROM pg_catalog.pg_available_extensions";

/// Every table, view, materialized view, sequence and foreign table in
/// `scope`, except extension members: owner, ACL, column ACLs,
/// and for a sequence the table whose serial/identity column owns it.
///
/// `acldefault('r')` stands in for sequences too: both give PUBLIC nothing,
/// and the owner's entries are left out anyway.
pub fn relations(scope: &Scope) -> String {
    format!(
        "SELECT coalesce(json_agg({row} ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {user}
  AND c.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.deptype = 'e')",
        row = record(Form::Array, &relation_fields()),
        user = scope.condition("n.nspname")
    )
}

/// The fields of a [`super::RelationState`] row: `c` is its `pg_class` row,
/// `n` its schema.
fn relation_fields() -> Vec<(&'static str, String)> {
    vec![
        ("schema", "n.nspname".into()),
        ("name", "c.relname".into()),
        ("relkind", "c.relkind::text".into()),
        ("owner", "pg_catalog.pg_get_userbyid(c.relowner)".into()),
        ("acl", acl("c.relacl", 'r', "c.relowner")),
        (
            "column_acls",
            "(SELECT coalesce(json_agg(json_build_array(a.attname,
        CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
        x.privilege_type, x.is_grantable) ORDER BY a.attnum, x.grantee, x.privilege_type), '[]')
      FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) x
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attacl IS NOT NULL AND x.grantee <> c.relowner)"
                .into(),
        ),
        (
            "owned_by",
            "(SELECT json_build_array(tn.nspname, t.relname)
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      WHERE c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.deptype IN ('a', 'i')
      ORDER BY t.oid LIMIT 1)"
                .into(),
        ),
        (
            "comment",
            "(SELECT ds.description FROM pg_catalog.pg_description ds
      WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0)"
                .into(),
        ),
        ("oid", "c.oid::bigint".into()),
        ("selectable", "pg_catalog.has_table_privilege(c.oid, 'SELECT')".into()),
    ]
}

/// Every function, procedure and aggregate in `scope`,
/// except extension members, with its identity arguments as the server
/// renders them (both with names, and as types only).
pub fn functions(scope: &Scope) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', p.proname, 'kind', p.prokind::text,
  'identity_args', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'arg_types', pg_catalog.oidvectortypes(p.proargtypes),
  'owner', pg_catalog.pg_get_userbyid(p.proowner),
  'security_definer', p.prosecdef,
  'acl', {acl},
  'comment', (SELECT ds.description FROM pg_catalog.pg_description ds
      WHERE ds.objoid = p.oid AND ds.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ds.objsubid = 0)
) ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '[]')::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {user}
  AND p.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.deptype = 'e')",
        acl = acl("p.proacl", 'f', "p.proowner"),
        user = scope.condition("n.nspname")
    )
}

/// Every enum, composite, range and domain type in `scope`, except extension members, array types (`typtype` `b`) and the row
/// types of tables, views and sequences: owner, ACL, comment, and an enum's
/// labels in order.
pub fn types(scope: &Scope) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', t.typname, 'typtype', t.typtype::text,
  'owner', pg_catalog.pg_get_userbyid(t.typowner),
  'acl', {acl},
  'values', CASE WHEN t.typtype = 'e' THEN (SELECT coalesce(json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]')
      FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END,
  'comment', (SELECT ds.description FROM pg_catalog.pg_description ds
      WHERE ds.objoid = t.oid AND ds.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ds.objsubid = 0)
) ORDER BY n.nspname, t.typname), '[]')::text
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'c', 'r', 'd') AND {user}
  AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
  AND t.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND e.deptype = 'e')",
        acl = acl("t.typacl", 'T', "t.typowner"),
        user = scope.condition("n.nspname")
    )
}

/// Every `pg_default_acl` row, without the creating role's own entries. A
/// global row (no schema) holds the complete ACL that replaces the built-in
/// default; a per-schema row holds only what it adds.
pub fn default_acls() -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'role', pg_catalog.pg_get_userbyid(d.defaclrole),
  'schema', n.nspname,
  'kind', d.defaclobjtype::text,
  'acl', {acl}
) ORDER BY pg_catalog.pg_get_userbyid(d.defaclrole), n.nspname NULLS FIRST, d.defaclobjtype), '[]')::text
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace",
        acl = acl_or(
            "d.defaclacl",
            "CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault(
               CASE d.defaclobjtype WHEN 'S' THEN 's'::\"char\" ELSE d.defaclobjtype END,
               d.defaclrole) END",
            "d.defaclrole"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_rows_list_the_fields_in_struct_order() {
        assert_fields::<super::super::RelationState>(&relation_fields());
    }

    #[test]
    fn field_names_follow_the_struct_and_its_renames() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Two {
            first: u8,
            #[serde(rename = "type")]
            second: u8,
        }
        assert_eq!(field_names::<Two>(), ["first", "type"]);
    }

    #[test]
    fn records_are_objects_or_arrays() {
        let fields = [("a", "1".to_string()), ("b", "x.y".to_string())];
        assert_eq!(
            record(Form::Object, &fields),
            "json_build_object(\n      'a', 1,\n      'b', x.y\n    )"
        );
        assert_eq!(
            record(Form::Array, &fields),
            "json_build_array(\n      1,\n      x.y\n    )"
        );
    }
}
