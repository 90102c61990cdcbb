//! The YAML of `databases:`, as written: one entry per database, with what
//! `CREATE DATABASE` takes, what `database:` takes, and the database's content
//! (`schemas`, `extensions`, `default_privileges`).

use super::raw::{
    RawDatabase, RawDefaultPrivilege, RawExtension, RawGrant, RawRevoke, RawSchema, RawSetting,
};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One database under `databases:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDatabaseSpec {
    /// `ALTER DATABASE … OWNER TO` (and the owner it is handed to once created). Absent: not managed; a new database then belongs to the connected role.
    pub owner: Option<String>,
    /// Privileges granted beyond PostgreSQL's defaults (`CONNECT`, `CREATE`, `TEMPORARY`, `ALL`).
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    /// Default privileges taken away (e.g. `CONNECT`, `TEMPORARY` from `PUBLIC`).
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `ALTER DATABASE … SET parameter = value`.
    #[serde(default)]
    pub settings: BTreeMap<String, RawSetting>,
    /// `COMMENT ON DATABASE`.
    pub comment: Option<String>,
    /// `CONNECTION LIMIT n` (`-1`: none); converged when it exists. Absent: not managed.
    pub connection_limit: Option<i32>,
    /// `ALLOW_CONNECTIONS`; converged when it exists. Absent: not managed. `false` takes no content (nobody could connect to converge it).
    pub allow_connections: Option<bool>,
    /// Creating only: `ENCODING` (e.g. `UTF8`). An existing database keeps its own; a different one is reported.
    pub encoding: Option<String>,
    /// Creating only: `LOCALE` (both `LC_COLLATE` and `LC_CTYPE`), e.g. `C` or `en_US.UTF-8`.
    pub locale: Option<String>,
    /// Creating only: `LC_COLLATE`.
    pub lc_collate: Option<String>,
    /// Creating only: `LC_CTYPE`.
    pub lc_ctype: Option<String>,
    /// Creating only: `LOCALE_PROVIDER` (`libc` or `icu`; PostgreSQL 15+; `builtin` 17+).
    #[schemars(with = "Option<crate::spec::schema::LocaleProvider>")]
    pub locale_provider: Option<String>,
    /// Creating only: `ICU_LOCALE` (with `locale_provider: icu`), e.g. `und-u-ks-level2`.
    pub icu_locale: Option<String>,
    /// Creating only: `TEMPLATE` (default `template1`; `template0` for another encoding or locale).
    pub template: Option<String>,
    /// Schemas of this database by name, with their objects (as top-level `schemas:` for one database).
    #[serde(default)]
    pub schemas: BTreeMap<String, Option<RawSchema>>,
    /// Extensions of this database by name.
    #[serde(default)]
    pub extensions: BTreeMap<String, Option<RawExtension>>,
    /// Default privileges in this database.
    #[serde(default)]
    pub default_privileges: Vec<RawDefaultPrivilege>,
    /// Lints allowed for this database, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

impl RawDatabaseSpec {
    /// The `database:`-like part.
    pub fn database(&mut self) -> RawDatabase {
        RawDatabase {
            owner: self.owner.clone(),
            grants: std::mem::take(&mut self.grants),
            revoke: std::mem::take(&mut self.revoke),
            settings: std::mem::take(&mut self.settings),
            comment: self.comment.clone(),
            connection_limit: self.connection_limit,
            allow_connections: self.allow_connections,
            lint: self.lint.take(),
        }
    }
}
