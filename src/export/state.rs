//! What the export's queries return, decoded: the live cluster and database
//! in the catalog's own terms (before any decision about what to emit).

use super::queries;
use crate::catalog::{CatalogError, decode, first};
use crate::privilege::{Acl, Privilege};
use crate::session::Session;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Facts about the server and the session.
#[derive(Debug, Clone, Deserialize)]
pub struct Server {
    /// `server_version_num`.
    pub version_num: u32,
    /// The connected role.
    pub current_user: String,
    /// Whether it is a superuser.
    pub superuser: bool,
    /// The connected database.
    pub database: String,
    /// Whether `pg_authid` is readable (which roles have passwords).
    pub authid_readable: bool,
    /// The bootstrap superuser (oid 10).
    pub bootstrap: String,
}

impl Server {
    /// The major version.
    pub fn major(&self) -> u32 {
        self.version_num / 10_000
    }
}

/// A role.
#[derive(Debug, Clone, Deserialize)]
pub struct Role {
    pub name: String,
    pub login: bool,
    pub superuser: bool,
    pub createdb: bool,
    pub createrole: bool,
    pub inherit: bool,
    pub replication: bool,
    pub bypassrls: bool,
    pub connection_limit: i32,
    /// RFC 3339 in UTC, or `infinity`.
    pub valid_until: Option<String>,
    pub settings: Option<Vec<String>>,
    pub comment: Option<String>,
}

/// One `pg_auth_members` row.
#[derive(Debug, Clone, Deserialize)]
pub struct Membership {
    pub role: String,
    pub member: String,
    pub grantor_is_bootstrap: bool,
    pub admin: bool,
    pub inherit: Option<bool>,
    pub set: Option<bool>,
}

/// The connected database.
#[derive(Debug, Clone, Deserialize)]
pub struct Database {
    pub name: String,
    pub owner: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
    pub settings: Option<Vec<String>>,
    /// Roles with `ALTER ROLE … IN DATABASE … SET` here.
    pub role_settings: Vec<String>,
    pub connection_limit: i32,
    pub comment: Option<String>,
}

/// A schema.
#[derive(Debug, Clone, Deserialize)]
pub struct Schema {
    pub name: String,
    pub owner: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
    pub comment: Option<String>,
}

/// An installed extension.
#[derive(Debug, Clone, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    pub default_version: Option<String>,
}

/// A sequence's options and owning column.
#[derive(Debug, Clone, Deserialize)]
pub struct Sequence {
    #[serde(rename = "type")]
    pub type_: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
    pub owned_by: Option<OwnedBy>,
}

/// The column a sequence belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct OwnedBy {
    pub schema: String,
    pub table: String,
    pub column: String,
    /// An identity column's (else `OWNED BY`, e.g. serial).
    pub identity: bool,
}

/// A table, view, materialized view, sequence or foreign table.
#[derive(Debug, Clone, Deserialize)]
pub struct Relation {
    pub schema: String,
    pub name: String,
    pub relkind: String,
    pub owner: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
    #[serde(deserialize_with = "column_acls")]
    pub column_acls: Vec<(String, Acl)>,
    pub persistence: String,
    pub options: Option<Vec<String>>,
    pub partition: bool,
    pub inherits: bool,
    pub typed: bool,
    pub tablespace: bool,
    pub rls: bool,
    pub force_rls: bool,
    pub view: Option<String>,
    pub sequence: Option<Sequence>,
    pub comment: Option<String>,
}

/// A column of a table or view.
#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub schema: String,
    pub table: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub not_null: bool,
    pub default: Option<String>,
    pub generated: Option<String>,
    pub identity: String,
    /// The default is `nextval` of a sequence this column owns, in the table's schema.
    pub serial_default: bool,
    /// A collation other than its type's.
    pub collation: bool,
    pub comment: Option<String>,
}

/// A table constraint.
#[derive(Debug, Clone, Deserialize)]
pub struct Constraint {
    pub schema: String,
    pub table: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub columns: Vec<String>,
    pub expression: Option<String>,
    pub definition: String,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    pub ref_columns: Vec<String>,
    pub on_delete: String,
    pub on_update: String,
    #[serde(rename = "match")]
    pub match_: String,
    pub deferrable: bool,
    pub validated: bool,
    pub no_inherit: bool,
    pub local: bool,
    pub nulls_not_distinct: Option<bool>,
    pub delete_set_columns: bool,
    pub index_plain: Option<bool>,
    pub comment: Option<String>,
}

/// An index no constraint owns.
#[derive(Debug, Clone, Deserialize)]
pub struct Index {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    pub using: String,
    /// `(text, is a plain column)` per key.
    pub keys: Vec<(String, bool)>,
    pub include: Vec<String>,
    #[serde(rename = "where")]
    pub predicate: Option<String>,
    /// No options the spec cannot write (DESC, operator classes, collations, storage).
    pub plain: bool,
    pub definition: String,
    pub comment: Option<String>,
}

/// A function, procedure, aggregate or window function.
#[derive(Debug, Clone, Deserialize)]
pub struct Routine {
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub identity_args: String,
    pub arg_types: String,
    pub arguments: String,
    pub result: Option<String>,
    pub returns_set: bool,
    pub language: String,
    pub source: Option<String>,
    pub sql_body: bool,
    pub binary: bool,
    pub volatility: String,
    pub strict: bool,
    pub security_definer: bool,
    pub leakproof: bool,
    pub parallel: String,
    pub cost: f64,
    pub rows: f64,
    pub config: Option<Vec<String>>,
    pub owner: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
    pub comment: Option<String>,
}

/// An enum, composite, range or domain type.
#[derive(Debug, Clone, Deserialize)]
pub struct Type {
    pub schema: String,
    pub name: String,
    pub typtype: String,
    pub owner: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
    pub values: Option<Vec<String>>,
    pub comment: Option<String>,
}

/// A `pg_default_acl` row.
#[derive(Debug, Clone, Deserialize)]
pub struct DefaultAcl {
    pub role: String,
    pub schema: Option<String>,
    pub kind: String,
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    pub owner_reduced: bool,
}

/// A policy.
#[derive(Debug, Clone, Deserialize)]
pub struct Policy {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub command: String,
    pub permissive: bool,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

/// A user trigger.
#[derive(Debug, Clone, Deserialize)]
pub struct Trigger {
    pub schema: String,
    pub table: String,
    pub relkind: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_: i32,
    pub function_schema: String,
    pub function: String,
    /// `tgargs` in hex: NUL-terminated strings.
    pub arguments: String,
    pub nargs: i32,
    pub columns: Vec<String>,
    pub definition: String,
    pub has_when: bool,
    pub enabled: String,
    pub constraint: bool,
    pub transition: bool,
    pub cloned: bool,
    pub comment: Option<String>,
}

/// Everything an export reads.
#[derive(Debug, Clone)]
pub struct State {
    pub server: Server,
    /// Roles with a stored password; `None` when `pg_authid` is not readable.
    pub passwords: Option<BTreeSet<String>>,
    pub roles: Vec<Role>,
    pub memberships: Vec<Membership>,
    pub database: Database,
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub relations: Vec<Relation>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub routines: Vec<Routine>,
    pub types: Vec<Type>,
    pub default_acls: Vec<DefaultAcl>,
    pub policies: Vec<Policy>,
    pub triggers: Vec<Trigger>,
    /// `(kind, name)` of objects of kinds the spec has no words for.
    pub unsupported: Vec<(String, String)>,
}

/// Reads the state in two round trips, inside one read-only repeatable-read
/// transaction (one snapshot for every document).
pub fn read(session: &mut Session) -> Result<State, CatalogError> {
    let server: Server = decode("server", first(session.texts(queries::SERVER)?))?;
    let mut sql = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSET LOCAL search_path = pg_catalog;\n{};\n",
        crate::catalog::JIT_OFF
    );
    for q in queries::batch(server.major(), server.authid_readable) {
        sql.push_str(&q);
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT");
    let mut rows = session.texts(&sql)?.into_iter();
    let mut next = || rows.next().flatten();
    let passwords: Option<BTreeSet<String>> = decode("passwords", next())?;
    Ok(State {
        passwords,
        roles: decode("roles", next())?,
        memberships: decode("memberships", next())?,
        database: decode("database", next())?,
        schemas: decode("schemas", next())?,
        extensions: decode("extensions", next())?,
        relations: decode("relations", next())?,
        columns: decode("columns", next())?,
        constraints: decode("constraints", next())?,
        indexes: decode("indexes", next())?,
        routines: decode("routines", next())?,
        types: decode("types", next())?,
        default_acls: decode("default privileges", next())?,
        policies: decode("policies", next())?,
        triggers: decode("triggers", next())?,
        unsupported: decode("unsupported objects", next())?,
        server,
    })
}

/// `[[grantee, privilege, grantable], …]` → [`Acl`].
fn acl<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Acl, D::Error> {
    let rows: Vec<(String, String, bool)> = Vec::deserialize(d)?;
    let mut acl = Acl::new();
    for (grantee, privilege, grantable) in rows {
        if let Some(p) = Privilege::parse(&privilege) {
            *acl.entry(grantee).or_default().entry(p).or_insert(false) |= grantable;
        }
    }
    Ok(acl)
}

/// `[[column, grantee, privilege, grantable], …]` → per column, in column order.
fn column_acls<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, Acl)>, D::Error> {
    let rows: Vec<(String, String, String, bool)> = Vec::deserialize(d)?;
    let mut out: Vec<(String, Acl)> = Vec::new();
    for (column, grantee, privilege, grantable) in rows {
        let Some(p) = Privilege::parse(&privilege) else {
            continue;
        };
        if out.last().is_none_or(|(c, _)| c != &column) {
            out.push((column.clone(), Acl::new()));
        }
        if let Some((_, acl)) = out.last_mut() {
            *acl.entry(grantee).or_default().entry(p).or_insert(false) |= grantable;
        }
    }
    Ok(out)
}
