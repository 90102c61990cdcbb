//! The desired state: what the spec asks for, validated and normalised.
//!
//! Produced by `spec::load`, consumed by `diff`. Every item keeps its
//! [`Origin`] so a failing statement can name the spec line it came from.

use crate::privilege::{ObjectKind, Privilege};
use crate::secret::Secret;
use crate::spec::path::{LineCol, YamlPath};
use crate::spec::routine::{RoutineDefinition, ViewDefinition};
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
#[derive(Debug, Default, Clone)]
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
    /// Declared default privileges, in spec order.
    pub default_privileges: Vec<DefaultPrivilege>,
    /// Lint allowances and API roles (`lint:` keys).
    pub lint: crate::spec::lint::LintSettings,
    /// Several databases (`databases:`), by name; empty for the
    /// one-database form (`database`, `schemas`, … at the top level).
    pub databases: BTreeMap<String, DatabaseSpec>,
    /// The files the spec reads its text from (`body_file`, `query_file`),
    /// by path, with the SHA-256 of what was read: a run that skips the
    /// parse (`crate::stamp`) checks they are unchanged.
    pub files_read: BTreeMap<String, String>,
}

impl Spec {
    /// The spec one database's run converges: the roles, and that
    /// database's owner, privileges and content as its top level. `None`
    /// when the spec does not declare `name` under `databases:`.
    pub fn for_database(&self, name: &str) -> Option<Spec> {
        let db = self.databases.get(name)?;
        Some(Spec {
            prune: self.prune,
            external_roles: self.external_roles.clone(),
            roles: self.roles.clone(),
            database: Some(db.database.clone()),
            schemas: db.schemas.clone(),
            extensions: db.extensions.clone(),
            default_privileges: db.default_privileges.clone(),
            lint: self.lint.clone(),
            databases: BTreeMap::new(),
            files_read: self.files_read.clone(),
        })
    }

    /// The one-database views of this spec: itself (borrowed), or one per
    /// database.
    pub fn views(&self) -> Vec<(Option<&str>, std::borrow::Cow<'_, Spec>)> {
        if self.databases.is_empty() {
            vec![(None, std::borrow::Cow::Borrowed(self))]
        } else {
            self.databases
                .keys()
                .filter_map(|n| {
                    self.for_database(n)
                        .map(|s| (Some(n.as_str()), std::borrow::Cow::Owned(s)))
                })
                .collect()
        }
    }
}

/// A database under `databases:`.
#[derive(Debug, Clone)]
pub struct DatabaseSpec {
    /// Its name.
    pub name: String,
    /// What `CREATE DATABASE` takes when it is missing.
    pub create: CreateOptions,
    /// Owner, privileges, settings, comment, connection options.
    pub database: Database,
    /// Its schemas.
    pub schemas: BTreeMap<String, Schema>,
    /// Its extensions.
    pub extensions: BTreeMap<String, Extension>,
    /// Its default privileges.
    pub default_privileges: Vec<DefaultPrivilege>,
}

/// `CREATE DATABASE` options that cannot change later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// `ENCODING`.
    pub encoding: Option<String>,
    /// `LOCALE`.
    pub locale: Option<String>,
    /// `LC_COLLATE`.
    pub lc_collate: Option<String>,
    /// `LC_CTYPE`.
    pub lc_ctype: Option<String>,
    /// `LOCALE_PROVIDER`.
    pub locale_provider: Option<String>,
    /// `ICU_LOCALE`.
    pub icu_locale: Option<String>,
    /// `TEMPLATE`.
    pub template: Option<String>,
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
    /// `CONNECTION LIMIT`, when managed.
    pub connection_limit: Option<i32>,
    /// `ALLOW_CONNECTIONS`, when managed.
    pub allow_connections: Option<bool>,
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
    /// Grants on every table, sequence or function in the schema (`on:`).
    pub schema_wide: Vec<SchemaWideGrant>,
    /// Declared tables, views, sequences, functions and types, by kind and name.
    pub objects: BTreeMap<(ObjectKind, String), Object>,
    /// Where it was declared.
    pub origin: Origin,
}

/// `schemas.<s>.grants: [{ on: tables, … }]`: privileges on every existing
/// object of a kind in the schema, and default privileges for later ones.
#[derive(Debug, Clone)]
pub struct SchemaWideGrant {
    /// `Table`, `Sequence` or `Function`.
    pub on: ObjectKind,
    /// The grant.
    pub grant: Grant,
    /// Roles whose future objects get it; `None`: the schema owner plus the
    /// roles the spec grants CREATE on the schema.
    pub for_roles: Option<Vec<String>>,
}

/// A table, view, sequence or function declared without a definition:
/// adopted, so its owner, privileges and comment are managed, its structure not.
///
/// The definitions (`table`, `sequence`, `seed`, `routine`) are boxed: an
/// object sits inline in its schema's map, and inline they made it 1 KB
/// whether declared or not (a 10,000-table spec: 20 MB of maps, 8 MB boxed).
#[derive(Debug, Clone)]
pub struct Object {
    /// `Table`, `View`, `Sequence` or `Function`.
    pub kind: ObjectKind,
    /// Name (unqualified).
    pub name: String,
    /// Functions: the argument list identifying the overload, as written.
    pub args: Option<String>,
    /// Owner; `None`: the schema's owner (a sequence owned by a table column:
    /// the table's owner).
    pub owner: Option<String>,
    /// Grants on the whole object.
    pub grants: Vec<Grant>,
    /// Grants on some columns (tables and views).
    pub column_grants: Vec<ColumnGrant>,
    /// Privileges taken away from what defaults and schema-wide grants give.
    pub revokes: Vec<Revoke>,
    /// `COMMENT ON …`.
    pub comment: Option<String>,
    // --- tables slice ---
    /// Tables: the structure, when declared with `columns`.
    pub table: Option<Box<crate::spec::table::Table>>,
    /// Sequences: the definition, when declared with one (or created by a
    /// `serial` column of a defined table).
    pub sequence: Option<Box<crate::spec::table::SequenceDef>>,
    /// Tables: seed rows.
    pub seed: Option<Box<crate::spec::table::Seed>>,
    // --- end tables slice ---
    /// Where it was declared.
    pub origin: Origin,
    /// Tables: row-level security, policies, triggers (security slice).
    pub security: crate::spec::security::Security,
    // routines slice: definitions of functions, procedures and views.
    /// A function's or procedure's body and attributes (`body`/`body_file`).
    pub routine: Option<Box<RoutineDefinition>>,
    /// A view's query and options (`query`/`query_file`).
    pub view: Option<ViewDefinition>,
    /// Types: an enum's labels in order, when declared with `values`.
    pub enum_values: Option<Vec<String>>,
}

impl Object {
    /// Whether the declaration carries a definition (columns, a query, a
    /// body), so pg-provision creates the object instead of adopting it.
    pub fn has_definition(&self) -> bool {
        self.routine.is_some()
            || self.view.is_some()
            || self.table.is_some()
            || self.sequence.is_some()
            || self.enum_values.is_some()
    }
}

/// A grant limited to some columns of a table or view.
#[derive(Debug, Clone)]
pub struct ColumnGrant {
    /// The columns.
    pub columns: Vec<String>,
    /// The grant (`None` privileges: every column privilege).
    pub grant: Grant,
}

/// A `default_privileges:` entry.
#[derive(Debug, Clone)]
pub struct DefaultPrivilege {
    /// The role whose future objects it concerns.
    pub for_role: String,
    /// Only objects created in this schema; `None`: everywhere, replacing the
    /// built-in defaults for the kind.
    pub schema: Option<String>,
    /// Kind of future object.
    pub on: ObjectKind,
    /// A grant or a revoke.
    pub action: DefaultAction,
    /// Where it was declared.
    pub origin: Origin,
}

/// What a default-privileges entry does.
#[derive(Debug, Clone)]
pub enum DefaultAction {
    /// `grant: { to, privileges }`.
    Grant(Grant),
    /// `revoke: { from, privileges }`.
    Revoke(Revoke),
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
