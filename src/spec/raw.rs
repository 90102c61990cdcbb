//! The YAML document as written: serde types that mirror the file one to one.
//!
//! Unknown keys are rejected here (`deny_unknown_fields`); meaning is given
//! later by `validate`, which turns these into the desired model.

use serde::Deserialize;
use std::collections::BTreeMap;

pub use super::raw_table::{
    RawColumn, RawForeignKey, RawIndex, RawReference, RawSeed, RawSeedValue, RawUnique,
};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub version: u32,
    #[serde(default)]
    pub prune: bool,
    #[serde(default)]
    pub external_roles: Vec<String>,
    #[serde(default)]
    pub roles: BTreeMap<String, Option<RawRole>>,
    #[serde(default)]
    pub database: Option<RawDatabase>,
    #[serde(default)]
    pub schemas: BTreeMap<String, Option<RawSchema>>,
    #[serde(default)]
    pub extensions: BTreeMap<String, Option<RawExtension>>,
    #[serde(default)]
    pub default_privileges: Vec<RawDefaultPrivilege>,
}

/// A role under `roles:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub login: Option<bool>,
    pub superuser: Option<bool>,
    pub createdb: Option<bool>,
    pub createrole: Option<bool>,
    pub inherit: Option<bool>,
    pub replication: Option<bool>,
    pub bypassrls: Option<bool>,
    pub connection_limit: Option<i32>,
    pub valid_until: Option<String>,
    pub password: Option<RawPassword>,
    #[serde(default)]
    pub member_of: Vec<RawMembership>,
    #[serde(default)]
    pub settings: BTreeMap<String, RawSetting>,
    pub comment: Option<String>,
}

/// Where a password comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPassword {
    pub env: Option<String>,
    pub file: Option<String>,
}

/// `member_of` item: a role name or a mapping with options.
#[derive(Debug)]
pub enum RawMembership {
    Name(String),
    Detailed(RawMembershipDetail),
}

// Hand-written rather than `untagged` so that a typo inside the mapping form
// reports the unknown key instead of "did not match any variant".
impl<'de> Deserialize<'de> for RawMembership {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawMembership;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a role name or a mapping `{ role, admin, inherit, set }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawMembership::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                RawMembershipDetail::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawMembership::Detailed)
            }
        }
        d.deserialize_any(V)
    }
}

/// `member_of: [{ role: x, admin: true, inherit: false, set: true }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMembershipDetail {
    pub role: String,
    #[serde(default)]
    pub admin: bool,
    pub inherit: Option<bool>,
    pub set: Option<bool>,
}

/// A configuration value: a scalar or a list (e.g. `search_path`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawSetting {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    List(Vec<String>),
}

/// `database:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    #[serde(default)]
    pub settings: BTreeMap<String, RawSetting>,
    pub comment: Option<String>,
}

/// A schema under `schemas:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawSchemaGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    /// Boxed: 500 tables of a schema sit in one map, inline 2 KB each.
    #[serde(default)]
    pub tables: BTreeMap<String, Option<Box<RawTable>>>,
    #[serde(default)]
    pub views: BTreeMap<String, Option<RawView>>,
    #[serde(default)]
    pub sequences: BTreeMap<String, Option<RawSequence>>,
    #[serde(default)]
    pub functions: BTreeMap<String, RawFunction>,
    #[serde(default)]
    pub types: BTreeMap<String, Option<RawType>>,
}

/// A type under `types:`: adopted (enum, composite, range or domain made by
/// migrations), or an enum created and extended from `values`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    /// An enum's labels, in order: the type's definition.
    pub values: Option<Vec<String>>,
}

/// A schema's `grants:` item: on the schema itself, or (with `on:`) on every
/// table, sequence or function in it, now and later.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchemaGrant {
    pub on: Option<String>,
    pub to: Vec<String>,
    pub privileges: Vec<String>,
    #[serde(default)]
    pub with_grant_option: bool,
    pub for_roles: Option<Vec<String>>,
}

/// A table under `tables:`. Without a definition it is adopted: only owner,
/// privileges and comment are managed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    // security slice: row-level security, policies, triggers (spec/security.rs)
    pub rls: Option<crate::spec::security::Rls>,
    #[serde(default)]
    pub policies: BTreeMap<String, crate::spec::security::RawPolicy>,
    pub triggers: Option<BTreeMap<String, crate::spec::security::RawTrigger>>,
    // end security slice
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawObjectGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    // --- tables slice: structure and seed rows (see `raw_table`) ---
    pub columns: Option<Vec<RawColumn>>,
    pub primary_key: Option<Vec<String>>,
    #[serde(default)]
    pub unique: Vec<RawUnique>,
    #[serde(default)]
    pub foreign_keys: Vec<RawForeignKey>,
    #[serde(default)]
    pub checks: BTreeMap<String, String>,
    #[serde(default)]
    pub indexes: BTreeMap<String, RawIndex>,
    pub seed: Option<RawSeed>,
    // --- end tables slice ---
}

/// A view under `views:`. Without a definition it is adopted: only owner,
/// privileges and comment are managed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawView {
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawObjectGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    // routines slice: the view's definition.
    pub query: Option<String>,
    pub query_file: Option<String>,
    pub columns: Option<Vec<String>>,
    pub security_invoker: Option<bool>,
    pub security_barrier: Option<bool>,
    pub check_option: Option<String>,
}

/// A table or view `grants:` item, optionally limited to some columns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjectGrant {
    pub to: Vec<String>,
    pub privileges: Vec<String>,
    #[serde(default)]
    pub with_grant_option: bool,
    pub columns: Option<Vec<String>>,
}

/// A sequence under `sequences:`: adopted, or created when it has a
/// definition (any of `as` … `owned_by`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSequence {
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    // --- tables slice: sequence definition ---
    #[serde(rename = "as")]
    pub as_: Option<String>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
    pub owned_by: Option<String>,
    // --- end tables slice ---
}

/// A function or procedure under `functions:`, identified by name and
/// `args`. Without `body`/`body_file` it is adopted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// The function's name when it differs from the key (overloads: two
    /// keys, one `name`).
    pub name: Option<String>,
    /// The argument list without parentheses. Absent: no arguments for a
    /// function with a body; for an adopted one, the only function of
    /// that name (overloads need `args`).
    pub args: Option<String>,
    pub owner: Option<String>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    pub comment: Option<String>,
    // routines slice: the definition.
    pub kind: Option<String>,
    pub returns: Option<String>,
    pub language: Option<String>,
    pub body: Option<String>,
    pub body_file: Option<String>,
    pub volatility: Option<String>,
    pub strict: Option<bool>,
    pub security: Option<String>,
    pub leakproof: Option<bool>,
    pub parallel: Option<String>,
    pub search_path: Option<Vec<String>>,
    pub set: Option<BTreeMap<String, RawSetting>>,
    pub cost: Option<f64>,
    pub rows: Option<f64>,
}

/// A `default_privileges:` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultPrivilege {
    pub for_role: String,
    pub in_schema: Option<String>,
    pub on: String,
    pub grant: Option<RawGrant>,
    pub revoke: Option<RawRevoke>,
}

/// An extension under `extensions:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    pub schema: Option<String>,
    pub version: Option<String>,
}

/// `grants:` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrant {
    pub to: Vec<String>,
    pub privileges: Vec<String>,
    #[serde(default)]
    pub with_grant_option: bool,
}

/// `revoke:` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRevoke {
    pub from: Vec<String>,
    pub privileges: Vec<String>,
}
