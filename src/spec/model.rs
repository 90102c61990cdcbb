//! The desired state: what the spec asks for, validated and normalised.
//!
//! Produced by `spec::load`, consumed by `diff`. Every item keeps its
//! [`Origin`] so a failing statement can name the spec line it came from.

use crate::privilege::Privilege;
use crate::secret::Secret;
use crate::spec::path::{LineCol, YamlPath};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Where in the spec something was declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Origin {
    /// The YAML path, e.g. `roles.api_user`.
    pub path: YamlPath,
    /// Its line and column.
    pub at: Option<LineCol>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(f, "{} (line {}, column {})", self.path, at.line, at.column),
            None => write!(f, "{}", self.path),
        }
    }
}

/// The whole desired state.
#[derive(Debug, Default)]
pub struct Spec {
    /// Revoke undeclared extras on apply (`prune: true`).
    pub prune: bool,
    /// Roles that exist outside the spec and may be referenced.
    pub external_roles: BTreeSet<String>,
    /// Declared roles by name.
    pub roles: BTreeMap<String, Role>,
    /// The connected database, when declared.
    pub database: Option<Database>,
    /// Declared schemas by name.
    pub schemas: BTreeMap<String, Schema>,
    /// Declared extensions by name.
    pub extensions: BTreeMap<String, Extension>,
}

/// Role attributes; unspecified keys take PostgreSQL's `CREATE ROLE` defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAttributes {
    /// `LOGIN`.
    pub login: bool,
    /// `SUPERUSER`.
    pub superuser: bool,
    /// `CREATEDB`.
    pub createdb: bool,
    /// `CREATEROLE`.
    pub createrole: bool,
    /// `INHERIT`.
    pub inherit: bool,
    /// `REPLICATION`.
    pub replication: bool,
    /// `BYPASSRLS`.
    pub bypassrls: bool,
    /// `CONNECTION LIMIT` (-1: none).
    pub connection_limit: i32,
    /// `VALID UNTIL`, as seconds since the epoch (`None`: no expiry).
    pub valid_until: Option<ValidUntil>,
}

impl Default for RoleAttributes {
    fn default() -> Self {
        RoleAttributes {
            login: false,
            superuser: false,
            createdb: false,
            createrole: false,
            inherit: true,
            replication: false,
            bypassrls: false,
            connection_limit: -1,
            valid_until: None,
        }
    }
}

/// A `VALID UNTIL` timestamp: the text to render and its instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUntil {
    /// As written in the spec (rendered as a literal).
    pub text: String,
    /// Seconds since 1970-01-01 UTC; `i64::MAX` for `infinity`.
    pub epoch: i64,
}

/// A declared role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// Attributes (authoritative).
    pub attributes: RoleAttributes,
    /// Password, when declared.
    pub password: Option<Secret>,
    /// Roles this role is a member of, by granted role name.
    pub member_of: BTreeMap<String, Membership>,
    /// `ALTER ROLE … SET` values.
    pub settings: BTreeMap<String, Setting>,
    /// `COMMENT ON ROLE`.
    pub comment: Option<String>,
    /// Where it was declared.
    pub origin: Origin,
}

/// Membership of a role in another role, with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The granted role.
    pub role: String,
    /// `WITH ADMIN OPTION`.
    pub admin: bool,
    /// `WITH INHERIT` (PostgreSQL 16+); `None`: the member's `inherit` attribute.
    pub inherit: Option<bool>,
    /// `WITH SET` (PostgreSQL 16+); `None`: true.
    pub set: Option<bool>,
    /// Where it was declared.
    pub origin: Origin,
}

/// A configuration value for `ALTER ROLE/DATABASE … SET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// One value, rendered as a literal.
    Scalar(String),
    /// A list, rendered as comma-separated literals.
    List(Vec<String>),
}

/// Privileges granted on top of the built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Grantees (`PUBLIC` allowed).
    pub to: Vec<String>,
    /// Privileges; `None` means `ALL`.
    pub privileges: Option<BTreeSet<Privilege>>,
    /// `WITH GRANT OPTION`.
    pub with_grant_option: bool,
    /// Where it was declared.
    pub origin: Origin,
}

/// Privileges removed from the built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    /// Roles losing the privileges (`PUBLIC` allowed).
    pub from: Vec<String>,
    /// Privileges; `None` means `ALL`.
    pub privileges: Option<BTreeSet<Privilege>>,
    /// Where it was declared.
    pub origin: Origin,
}

/// The connected database.
#[derive(Debug, Clone)]
pub struct Database {
    /// Owner, when managed.
    pub owner: Option<String>,
    /// Grants beyond the defaults.
    pub grants: Vec<Grant>,
    /// Defaults taken away.
    pub revokes: Vec<Revoke>,
    /// `ALTER DATABASE … SET` values.
    pub settings: BTreeMap<String, Setting>,
    /// `COMMENT ON DATABASE`.
    pub comment: Option<String>,
    /// Where it was declared.
    pub origin: Origin,
}

/// A declared schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Schema name.
    pub name: String,
    /// Owner; `None` leaves an existing owner alone.
    pub owner: Option<String>,
    /// Grants beyond the defaults.
    pub grants: Vec<Grant>,
    /// Defaults taken away.
    pub revokes: Vec<Revoke>,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
    /// Where it was declared.
    pub origin: Origin,
}

/// A declared extension.
#[derive(Debug, Clone)]
pub struct Extension {
    /// Extension name.
    pub name: String,
    /// Schema to install into.
    pub schema: Option<String>,
    /// Version to install or update to.
    pub version: Option<String>,
    /// Where it was declared.
    pub origin: Origin,
}
