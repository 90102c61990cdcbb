//! The live state as read from `pg_catalog`, in the same vocabulary as the spec.

use super::objects::{DefaultAclState, FunctionState, RelationState, TypeState};
use super::routines::{RoutineDefinitionState, ViewDefinitionState};
use crate::privilege::Acl;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Facts about the server and the session.
#[derive(Debug, Clone, Deserialize)]
pub struct Server {
    /// `server_version_num`, e.g. 160004.
    pub version_num: u32,
    /// The connected role.
    pub current_user: String,
    /// Whether the connected role is a superuser.
    pub superuser: bool,
    /// The connected database.
    pub database: String,
    /// Whether `pg_authid` (password verifiers) is readable.
    pub authid_readable: bool,
    /// `max_locks_per_transaction`.
    pub max_locks_per_transaction: i64,
    /// `max_connections`.
    pub max_connections: i64,
    /// `max_prepared_transactions`.
    pub max_prepared_transactions: i64,
    /// The effective search path (`current_schemas(true)`), as text: how
    /// unqualified names resolve, which decides how expressions print.
    #[serde(default)]
    pub search_path: String,
    /// Whether the connected role may create temporary objects (probes need it).
    #[serde(default)]
    pub temporary_allowed: bool,
    /// Whether the connected role may create schemas in this database
    /// (pg-provision's memory needs it once).
    #[serde(default)]
    pub create_allowed: bool,
    /// pg-provision's memory table, when it exists.
    #[serde(default)]
    pub memory: Option<MemoryAccess>,
    /// pg-provision's in-sync stamp table, when it exists (see `crate::stamp`).
    #[serde(default)]
    pub stamp: Option<MemoryAccess>,
}

/// What the connected role may do with `pgprovision.memory` (or `pgprovision.stamp`).
#[derive(Debug, Clone, Deserialize)]
pub struct MemoryAccess {
    /// `SELECT`.
    pub readable: bool,
    /// `INSERT`, `UPDATE` and `DELETE`.
    pub writable: bool,
}

impl Server {
    /// The major version, e.g. 16.
    pub fn major(&self) -> u32 {
        self.version_num / 10_000
    }

    /// How many object locks the shared lock table holds in all
    /// (`max_locks_per_transaction × (max_connections + max_prepared_transactions)`).
    pub fn lock_table_size(&self) -> i64 {
        self.max_locks_per_transaction * (self.max_connections + self.max_prepared_transactions)
    }
}

/// A role as it exists.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RoleState {
    /// Name.
    pub name: String,
    /// `rolcanlogin`.
    pub login: bool,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolcreatedb`.
    pub createdb: bool,
    /// `rolcreaterole`.
    pub createrole: bool,
    /// `rolinherit`.
    pub inherit: bool,
    /// `rolreplication`.
    pub replication: bool,
    /// `rolbypassrls`.
    pub bypassrls: bool,
    /// `rolconnlimit`.
    pub connection_limit: i32,
    /// `rolvaliduntil` in epoch seconds; `None` for no expiry or `infinity`.
    pub valid_until: Option<i64>,
    /// The stored verifier, when `pg_authid` is readable and one is set.
    pub password: Option<String>,
    /// `ALTER ROLE … SET` entries (`name=value`) for all databases.
    pub settings: Option<Vec<String>>,
    /// `COMMENT ON ROLE`.
    pub comment: Option<String>,
}

/// One row of `pg_auth_members`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MembershipState {
    /// The granted role.
    pub role: String,
    /// The member.
    pub member: String,
    /// Who granted it (may be unknown before PostgreSQL 16).
    pub grantor: Option<String>,
    /// Whether the grantor is the bootstrap superuser.
    pub grantor_is_bootstrap: bool,
    /// `admin_option`.
    pub admin: bool,
    /// `inherit_option` (PostgreSQL 16+).
    pub inherit: Option<bool>,
    /// `set_option` (PostgreSQL 16+).
    pub set: Option<bool>,
}

/// The connected database.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseState {
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// Access list without the owner's entries.
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    /// `ALTER DATABASE … SET` entries (`name=value`).
    pub settings: Option<Vec<String>>,
    /// `COMMENT ON DATABASE`.
    pub comment: Option<String>,
    /// `datconnlimit`.
    #[serde(default = "no_limit")]
    pub connection_limit: i32,
    /// `datallowconn`.
    #[serde(default = "yes")]
    pub allow_connections: bool,
}

fn no_limit() -> i32 {
    -1
}

fn yes() -> bool {
    true
}

/// A schema as it exists.
#[derive(Debug, Clone, Deserialize)]
pub struct SchemaState {
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// Access list without the owner's entries.
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
}

/// An installed extension.
#[derive(Debug, Clone, Deserialize)]
pub struct ExtensionState {
    /// Name.
    pub name: String,
    /// Schema it lives in.
    pub schema: String,
    /// Installed version.
    pub version: String,
}

/// Everything the diff needs to know about the live database.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Server and session facts.
    pub server: Server,
    /// Every role, by name.
    pub roles: BTreeMap<String, RoleState>,
    /// Every membership row.
    pub memberships: Vec<MembershipState>,
    /// The connected database.
    pub database: DatabaseState,
    /// Every non-system schema, by name.
    pub schemas: BTreeMap<String, SchemaState>,
    /// Installed extensions, by name.
    pub extensions: BTreeMap<String, ExtensionState>,
    /// Extensions the server can install, by name → default version.
    pub available_extensions: BTreeMap<String, String>,
    /// Spec expressions as the server prints them, by probe key (see
    /// [`super::shadow`]); filled by `observe` after the catalog is read.
    /// Shared: thousands of same-shaped tables have the same answer.
    pub canonical: BTreeMap<String, std::sync::Arc<str>>,
    /// Tables, views, sequences outside PostgreSQL's schemas, by (schema, name).
    pub relations: BTreeMap<(String, String), RelationState>,
    /// Functions and procedures outside PostgreSQL's schemas, by schema, name, arguments.
    pub functions: Vec<FunctionState>,
    /// Every `pg_default_acl` row.
    pub default_acls: Vec<DefaultAclState>,
    /// Enum, composite, range and domain types outside PostgreSQL's schemas, by (schema, name).
    pub types: BTreeMap<(String, String), TypeState>,
    /// Row-level security, policies and triggers of every table (security slice).
    pub security: super::security::SecurityState,
    // routines slice
    /// Definitions of functions and procedures outside PostgreSQL's schemas.
    pub routine_definitions: Vec<RoutineDefinitionState>,
    /// Definitions of views outside PostgreSQL's schemas, by (schema, name).
    pub view_definitions: BTreeMap<(String, String), ViewDefinitionState>,
    // --- tables slice ---
    /// Structure of every table, by (schema, name).
    pub tables: BTreeMap<(String, String), super::tables::TableShape>,
    /// Options of every sequence, by (schema, name).
    pub sequences: BTreeMap<(String, String), super::tables::SequenceState>,
    /// `pg_class.oid` of every table in [`Catalog::tables`].
    pub table_oids: BTreeMap<(String, String), u32>,
    // --- end tables slice ---
    /// Relations another session holds (or waits for) in ACCESS EXCLUSIVE mode.
    pub locked: BTreeSet<u32>,
    /// pg-provision's memory, as read (see [`super::memory`]).
    pub memory: super::memory::Memory,
    /// Whether the memory already holds exactly what this run would write
    /// to it: every remembered answer settled its probe and no other row is
    /// there (set by `observe`); `apply` then leaves it alone.
    pub memory_current: bool,
    /// Spec expressions (and seed rows) this run could not compare, by
    /// probe key; the diff leaves them alone.
    pub uncompared: BTreeMap<String, super::shadow::Uncompared>,
    /// Whether declared logins' passwords match, found by logging in as them
    /// when `pg_authid` is unreadable (see `connect::check_login`); roles not
    /// listed could not be tried.
    pub password_checks: BTreeMap<String, bool>,
    /// What only a superuser may use here (`language `x``, `extension `x``,
    /// `setting `x``), when the connected role is not one.
    pub restricted: BTreeSet<String>,
}

/// `[[grantee, privilege, grantable], …]` → [`Acl`]; unknown privilege names are skipped.
pub(crate) fn acl<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Acl, D::Error> {
    let rows: Vec<(String, String, bool)> = Vec::deserialize(d)?;
    let mut acl = Acl::new();
    for (grantee, privilege, grantable) in rows {
        if let Some(p) = crate::privilege::Privilege::parse(&privilege) {
            let entry = acl.entry(grantee).or_default().entry(p).or_insert(false);
            *entry |= grantable;
        }
    }
    Ok(acl)
}
