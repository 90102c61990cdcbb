//! Live mode: the [`Landscape`] of the connected database, read from
//! `pg_catalog` in one round trip — a fixed number of statements (see
//! [`QUERY_COUNT`]) in one read-only, repeatable-read transaction, each
//! returning one JSON document, whatever the number of roles and objects.
//!
//! Independent of [`crate::catalog::read`] on purpose: `explain` needs the
//! owners' own ACL entries, grantors, every column and the version-specific
//! membership options, which the diff does not. Memberships are read with
//! `to_jsonb(pg_auth_members)`, so one query serves every major (the INHERIT
//! and SET options exist from 16). Objects that belong to extensions are left
//! out, as everywhere in pg-provision.

use super::landscape::{
    Acl, AclEntry, Column, DefaultAcl, Grantee, Kind, Landscape, MembershipRow, NextvalDefault,
    Object, Origin, Policy, RoleFacts, RowSecurity,
};
use crate::catalog::CatalogError;
use crate::privilege::{ObjectKind, Privilege};
use crate::session::Session;
use crate::spec::security::PolicyCommand;
use serde::Deserialize;

/// Statements returning rows in the one round trip [`read`] makes.
pub const QUERY_COUNT: usize = 9;

/// Schemas whose contents are PostgreSQL's own.
const USER_SCHEMA: &str =
    "n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgprovision')";

/// `aclexplode` of an ACL expression as `[[grantee, grantor, privilege,
/// grantable], …]`, owner's entries included; `[]` for NULL.
fn entries(acl: &str) -> String {
    format!(
        "(SELECT coalesce(json_agg(json_build_array(
            CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
            pg_catalog.pg_get_userbyid(x.grantor), x.privilege_type, x.is_grantable)
            ORDER BY x.grantee, x.grantor, x.privilege_type), '[]')
          FROM pg_catalog.aclexplode({acl}) x)"
    )
}

/// An object's ACL with `acldefault` standing in for NULL, and whether it did.
fn acl(column: &str, default: &str) -> String {
    format!(
        "json_build_object('builtin', {column} IS NULL, 'entries', {})",
        entries(&format!("coalesce({column}, {default})"))
    )
}

/// Extension members are not the database's own objects.
fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = '{catalog}'::pg_catalog.regclass AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// The one batch [`read`] sends.
pub fn batch() -> String {
    let server =
        "SELECT json_build_object('version_num', current_setting('server_version_num')::int)::text";
    let roles = "SELECT coalesce(json_agg(json_build_object(
  'name', r.rolname, 'superuser', r.rolsuper, 'login', r.rolcanlogin,
  'inherit', r.rolinherit, 'bypassrls', r.rolbypassrls) ORDER BY r.rolname), '[]')::text
FROM pg_catalog.pg_roles r";
    let memberships = "SELECT coalesce(json_agg(json_build_object(
  'role', g.rolname, 'member', u.rolname, 'grantor', gr.rolname, 'options', to_jsonb(m))
  ORDER BY g.rolname, u.rolname, gr.rolname), '[]')::text
FROM pg_catalog.pg_auth_members m
JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
JOIN pg_catalog.pg_roles u ON u.oid = m.member
LEFT JOIN pg_catalog.pg_roles gr ON gr.oid = m.grantor";
    let database = format!(
        "SELECT json_build_object('name', d.datname, 'owner', pg_catalog.pg_get_userbyid(d.datdba),
  'acl', {})::text
FROM pg_catalog.pg_database d WHERE d.datname = current_database()",
        acl("d.datacl", "pg_catalog.acldefault('d', d.datdba)")
    );
    let schemas = format!(
        "SELECT coalesce(json_agg(json_build_object('name', n.nspname,
  'owner', pg_catalog.pg_get_userbyid(n.nspowner), 'acl', {}) ORDER BY n.nspname), '[]')::text
FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA}",
        acl("n.nspacl", "pg_catalog.acldefault('n', n.nspowner)")
    );
    let relations = format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind::text,
  'owner', pg_catalog.pg_get_userbyid(c.relowner),
  'acl', {acl},
  'rls', json_build_array(c.relrowsecurity, c.relforcerowsecurity),
  'columns', (SELECT coalesce(json_agg(json_build_array(a.attname, {column_acl}) ORDER BY a.attnum), '[]')
      FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'policies', (SELECT coalesce(json_agg(json_build_object(
        'name', p.polname, 'command', p.polcmd::text, 'permissive', p.polpermissive,
        'roles', (SELECT json_agg(y.name ORDER BY y.name)
                  FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r) END AS name
                        FROM unnest(p.polroles) r) y),
        'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
        'with_check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) ORDER BY p.polname), '[]')
      FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid),
  'nextval', (SELECT coalesce(json_agg(json_build_array(a.attname, sn.nspname, s.relname)
        ORDER BY a.attnum, sn.nspname, s.relname), '[]')
      FROM pg_catalog.pg_attrdef ad
      JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
           AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
      JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
      WHERE ad.adrelid = c.oid AND NOT a.attisdropped
        AND pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) ~ '^nextval\\(')
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {USER_SCHEMA}
  AND {member}",
        acl = acl(
            "c.relacl",
            "pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner)"
        ),
        column_acl = entries("a.attacl"),
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    );
    let functions = format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', p.proname, 'prokind', p.prokind::text,
  'args', pg_catalog.pg_get_function_identity_arguments(p.oid),
  'arg_types', pg_catalog.oidvectortypes(p.proargtypes),
  'owner', pg_catalog.pg_get_userbyid(p.proowner), 'security_definer', p.prosecdef,
  'acl', {acl}
) ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '[]')::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {USER_SCHEMA} AND {member}",
        acl = acl("p.proacl", "pg_catalog.acldefault('f', p.proowner)"),
        member = not_extension_member("pg_catalog.pg_proc", "p.oid"),
    );
    let types = format!(
        "SELECT coalesce(json_agg(json_build_object(
  'schema', n.nspname, 'name', t.typname, 'owner', pg_catalog.pg_get_userbyid(t.typowner),
  'acl', {acl}) ORDER BY n.nspname, t.typname), '[]')::text
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'c', 'r', 'd') AND {USER_SCHEMA}
  AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
  AND {member}",
        acl = acl("t.typacl", "pg_catalog.acldefault('T', t.typowner)"),
        member = not_extension_member("pg_catalog.pg_type", "t.oid"),
    );
    let default_acls = format!(
        "SELECT coalesce(json_agg(json_build_object(
  'role', pg_catalog.pg_get_userbyid(d.defaclrole), 'schema', n.nspname,
  'kind', d.defaclobjtype::text, 'entries', {entries})
  ORDER BY pg_catalog.pg_get_userbyid(d.defaclrole), n.nspname NULLS FIRST, d.defaclobjtype), '[]')::text
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace",
        entries = entries("d.defaclacl")
    );
    [
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".to_string(),
        crate::catalog::JIT_OFF.to_string(),
        server.to_string(),
        roles.to_string(),
        memberships.to_string(),
        database,
        schemas,
        relations,
        functions,
        types,
        default_acls,
        "COMMIT".to_string(),
    ]
    .join(";\n")
}

#[derive(Deserialize)]
struct ServerRow {
    version_num: u32,
}

#[derive(Deserialize)]
struct RoleRow {
    name: String,
    superuser: bool,
    login: bool,
    inherit: bool,
    bypassrls: bool,
}

#[derive(Deserialize)]
struct MemberOptions {
    admin_option: bool,
    #[serde(default)]
    inherit_option: Option<bool>,
    #[serde(default)]
    set_option: Option<bool>,
}

#[derive(Deserialize)]
struct MembershipJson {
    role: String,
    member: String,
    grantor: Option<String>,
    options: MemberOptions,
}

type EntryRow = (String, String, String, bool);

#[derive(Deserialize)]
struct AclJson {
    builtin: bool,
    entries: Vec<EntryRow>,
}

#[derive(Deserialize)]
struct DatabaseRow {
    name: String,
    owner: String,
    acl: AclJson,
}

#[derive(Deserialize)]
struct SchemaRow {
    name: String,
    owner: String,
    acl: AclJson,
}

#[derive(Deserialize)]
struct PolicyRow {
    name: String,
    command: String,
    permissive: bool,
    roles: Option<Vec<String>>,
    using: Option<String>,
    with_check: Option<String>,
}

#[derive(Deserialize)]
struct RelationRow {
    schema: String,
    name: String,
    relkind: String,
    owner: String,
    acl: AclJson,
    rls: (bool, bool),
    columns: Vec<(String, Vec<EntryRow>)>,
    policies: Vec<PolicyRow>,
    nextval: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct FunctionRow {
    schema: String,
    name: String,
    prokind: String,
    args: String,
    arg_types: String,
    owner: String,
    security_definer: bool,
    acl: AclJson,
}

#[derive(Deserialize)]
struct TypeRow {
    schema: String,
    name: String,
    owner: String,
    acl: AclJson,
}

#[derive(Deserialize)]
struct DefaultAclRow {
    role: String,
    schema: Option<String>,
    kind: String,
    entries: Vec<EntryRow>,
}

fn entry_list(rows: Vec<EntryRow>) -> Vec<AclEntry> {
    rows.into_iter()
        .filter_map(|(grantee, grantor, privilege, grantable)| {
            Some(AclEntry {
                grantee: Grantee::parse(&grantee),
                grantor: Some(grantor),
                // Privileges explain does not cover (SET, ALTER SYSTEM on
                // parameters) cannot appear on these objects; skip any others.
                privilege: Privilege::parse(&privilege)?,
                grantable,
            })
        })
        .collect()
}

fn to_acl(a: AclJson) -> Acl {
    Acl {
        entries: entry_list(a.entries),
        builtin: a.builtin,
    }
}

/// Reads the landscape of the connected database.
pub fn read(session: &mut Session) -> Result<Landscape, CatalogError> {
    let mut rows = session.texts(&batch())?.into_iter();
    let mut next = |what: &'static str| -> Result<String, CatalogError> {
        rows.next().flatten().ok_or(CatalogError::Decode {
            what,
            detail: "no row returned".into(),
        })
    };
    let server: ServerRow = decode("server", &next("server")?)?;
    let roles: Vec<RoleRow> = decode("roles", &next("roles")?)?;
    let memberships: Vec<MembershipJson> = decode("memberships", &next("memberships")?)?;
    let database: DatabaseRow = decode("database", &next("database")?)?;
    let schemas: Vec<SchemaRow> = decode("schemas", &next("schemas")?)?;
    let relations: Vec<RelationRow> = decode("relations", &next("relations")?)?;
    let functions: Vec<FunctionRow> = decode("functions", &next("functions")?)?;
    let types: Vec<TypeRow> = decode("types", &next("types")?)?;
    let default_acls: Vec<DefaultAclRow> =
        decode("default privileges", &next("default privileges")?)?;

    let mut db = Object::new(Kind::Database, None, &database.name);
    db.owner = Some(database.owner);
    db.acl = to_acl(database.acl);

    let mut objects: Vec<Object> = Vec::new();
    for r in relations {
        let Some(kind) = Kind::from_relkind(&r.relkind) else {
            continue;
        };
        let mut o = Object::new(kind, Some(&r.schema), &r.name);
        o.owner = Some(r.owner);
        o.acl = to_acl(r.acl);
        if kind.has_columns() {
            o.columns = Some(
                r.columns
                    .into_iter()
                    .map(|(name, acl)| Column {
                        name,
                        acl: entry_list(acl),
                    })
                    .collect(),
            );
        }
        if kind.has_row_security() {
            o.row_security = Some(RowSecurity {
                enabled: r.rls.0,
                forced: r.rls.1,
                policies: r
                    .policies
                    .into_iter()
                    .map(|p| Policy {
                        name: p.name,
                        command: PolicyCommand::from_polcmd(&p.command)
                            .unwrap_or(PolicyCommand::All),
                        permissive: p.permissive,
                        roles: p
                            .roles
                            .unwrap_or_default()
                            .iter()
                            .map(|r| Grantee::parse(r))
                            .collect(),
                        using: p.using,
                        with_check: p.with_check,
                    })
                    .collect(),
            });
        }
        o.nextval_defaults = r
            .nextval
            .into_iter()
            .map(|(column, schema, sequence)| NextvalDefault {
                column,
                schema,
                sequence,
            })
            .collect();
        objects.push(o);
    }
    for f in functions {
        let mut o = Object::new(Kind::from_prokind(&f.prokind), Some(&f.schema), &f.name);
        o.args = Some(f.args);
        o.arg_types = Some(f.arg_types);
        o.owner = Some(f.owner);
        o.acl = to_acl(f.acl);
        o.security_definer = f.security_definer;
        objects.push(o);
    }
    for t in types {
        let mut o = Object::new(Kind::Type, Some(&t.schema), &t.name);
        o.owner = Some(t.owner);
        o.acl = to_acl(t.acl);
        objects.push(o);
    }
    objects.sort_by(|a, b| {
        (&a.schema, &a.name, a.kind, &a.args).cmp(&(&b.schema, &b.name, b.kind, &b.args))
    });

    Ok(Landscape {
        origin: Origin::Live,
        major: server.version_num / 10_000,
        roles: roles
            .into_iter()
            .map(|r| {
                (
                    r.name.clone(),
                    RoleFacts {
                        name: r.name,
                        known: true,
                        superuser: r.superuser,
                        login: r.login,
                        inherit: r.inherit,
                        bypassrls: r.bypassrls,
                    },
                )
            })
            .collect(),
        memberships: memberships
            .into_iter()
            .map(|m| MembershipRow {
                role: m.role,
                member: m.member,
                grantor: m.grantor,
                admin: m.options.admin_option,
                inherit_option: m.options.inherit_option,
                set_option: m.options.set_option,
            })
            .collect(),
        database: db,
        schemas: schemas
            .into_iter()
            .map(|s| {
                let mut o = Object::new(Kind::Schema, None, &s.name);
                o.owner = Some(s.owner);
                o.acl = to_acl(s.acl);
                o
            })
            .collect(),
        objects,
        default_acls: default_acls
            .into_iter()
            .filter_map(|d| {
                Some(DefaultAcl {
                    creator: d.role,
                    schema: d.schema,
                    kind: ObjectKind::from_defacl_code(&d.kind)?,
                    entries: entry_list(d.entries),
                })
            })
            .collect(),
        notes: Vec::new(),
    })
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, CatalogError> {
    serde_json::from_str(text).map_err(|e| CatalogError::Decode {
        what,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_is_one_transaction_of_fixed_size() {
        let sql = batch();
        assert!(sql.starts_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"));
        assert!(sql.ends_with(";\nCOMMIT"));
        assert_eq!(sql.matches(";\nSELECT").count(), QUERY_COUNT);
    }
}
