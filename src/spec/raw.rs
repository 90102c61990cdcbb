//! The YAML document as written: serde types that mirror the file one to one.
//!
//! Unknown keys are rejected here (`deny_unknown_fields`); meaning is given
//! later by `validate`, which turns these into the desired model.

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

pub use super::raw_table::{
    RawColumn, RawForeignKey, RawIndex, RawReference, RawSeed, RawSeedValue, RawUnique,
};

/// A pg-provision spec: roles, the database, its schemas and their objects,
/// extensions and default privileges (see docs/spec.md).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// The spec format: `1`.
    #[schemars(with = "crate::spec::schema::Version")]
    pub version: u32,
    /// `true`: `apply` always behaves like `apply --prune`, revoking extras (privileges, memberships, settings present but not declared).
    #[serde(default)]
    pub prune: bool,
    /// Roles that exist but are managed elsewhere (the superuser, a cloud admin role, predefined `pg_*` roles): they may be referenced but are never created or altered.
    #[serde(default)]
    pub external_roles: Vec<String>,
    /// Roles by name. Declared attributes are authoritative; roles are never dropped.
    #[serde(default)]
    pub roles: BTreeMap<String, Option<RawRole>>,
    /// The database pg-provision connects to: owner, privileges, settings, comment.
    #[serde(default)]
    pub database: Option<RawDatabase>,
    /// Schemas by name, with their objects. Schemas are never dropped.
    #[serde(default)]
    pub schemas: BTreeMap<String, Option<RawSchema>>,
    /// Extensions by name: created when missing, moved or updated when `schema` or `version` differs; never dropped.
    #[serde(default)]
    pub extensions: BTreeMap<String, Option<RawExtension>>,
    /// Default privileges beyond what schema-wide grants imply (`ALTER DEFAULT PRIVILEGES`).
    #[serde(default)]
    pub default_privileges: Vec<RawDefaultPrivilege>,
    /// Lint allowances for the whole spec and the API roles (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLintSettings>,
    /// Several databases by name, each with its own owner, privileges and content: created when missing, converged each in its own transaction, never dropped. Replaces `database`, `schemas`, `extensions` and `default_privileges` at the top level (see docs/spec.md, Several databases).
    #[serde(default)]
    pub databases: BTreeMap<String, Option<Box<super::raw_databases::RawDatabaseSpec>>>,
}

/// A role under `roles:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// `LOGIN` (default `false`: `NOLOGIN`).
    pub login: Option<bool>,
    /// `SUPERUSER` (default `false`).
    pub superuser: Option<bool>,
    /// `CREATEDB` (default `false`).
    pub createdb: Option<bool>,
    /// `CREATEROLE` (default `false`).
    pub createrole: Option<bool>,
    /// `INHERIT` (default `true`); `false`: `NOINHERIT`.
    pub inherit: Option<bool>,
    /// `REPLICATION` (default `false`).
    pub replication: Option<bool>,
    /// `BYPASSRLS` (default `false`).
    pub bypassrls: Option<bool>,
    /// `CONNECTION LIMIT n` (default `-1`: none).
    pub connection_limit: Option<i32>,
    /// `VALID UNTIL`: `infinity`, `2027-01-31`, `2027-01-31T12:00:00Z`, `2027-01-31 12:00:00+02:00` (no zone: UTC).
    pub valid_until: Option<String>,
    /// Where the password comes from: `{ env: NAME }` or `{ file: PATH }`. Hashed client-side to SCRAM-SHA-256; never printed. Absent: the password is not managed.
    pub password: Option<RawPassword>,
    /// Roles this role is a member of: a name, or `{ role, admin, inherit, set }`.
    #[serde(default)]
    pub member_of: Vec<RawMembership>,
    /// `ALTER ROLE … SET parameter = value`. Strings, numbers, booleans; a list for list values (`search_path: [api, public]`).
    #[serde(default)]
    pub settings: BTreeMap<String, RawSetting>,
    /// `COMMENT ON ROLE`. Absent: not managed.
    pub comment: Option<String>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// Where a password comes from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPassword {
    /// An environment variable holding the password.
    pub env: Option<String>,
    /// A file holding the password (relative to the spec file; one trailing newline is trimmed).
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

// The schema says what the hand-written `Deserialize` above accepts.
impl JsonSchema for RawMembership {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawMembership".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A role name, or `{ role, admin, inherit, set }`.",
            "anyOf": [
                { "type": "string", "description": "The role granted, with default options." },
                generator.subschema_for::<RawMembershipDetail>(),
            ],
        })
    }
}

/// `member_of: [{ role: x, admin: true, inherit: false, set: true }]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMembershipDetail {
    /// The role granted.
    pub role: String,
    /// `WITH ADMIN OPTION` (default `false`).
    #[serde(default)]
    pub admin: bool,
    /// PostgreSQL 16+: `WITH INHERIT` (default: the member's `inherit` attribute).
    pub inherit: Option<bool>,
    /// PostgreSQL 16+: `WITH SET` (default `true`).
    pub set: Option<bool>,
}

/// A configuration value: a scalar or a list (e.g. `search_path`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSetting {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    List(Vec<String>),
}

/// `database:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    /// `ALTER DATABASE … OWNER TO`. Absent: not managed.
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
    /// `ALTER DATABASE … WITH CONNECTION LIMIT n` (`-1`: none). Absent: not managed.
    pub connection_limit: Option<i32>,
    /// `ALTER DATABASE … WITH ALLOW_CONNECTIONS`. Absent: not managed.
    pub allow_connections: Option<bool>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A schema under `schemas:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    /// The schema's owner; authoritative when written. Absent: a new schema is created owned by `database.owner` (or the connected role); an existing one keeps its owner.
    pub owner: Option<String>,
    /// Privileges on the schema (`USAGE`, `CREATE`, `ALL`), or with `on:` on every table, sequence or function in it, now and later.
    #[serde(default)]
    pub grants: Vec<RawSchemaGrant>,
    /// Privileges taken away from the schema's defaults (e.g. `CREATE` from `PUBLIC` on `public` before PostgreSQL 15).
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
    /// Boxed: 500 tables of a schema sit in one map, inline 2 KB each.
    #[serde(default)]
    pub tables: BTreeMap<String, Option<Box<RawTable>>>,
    /// Views by name: adopted (no `query`) or defined (`query`/`query_file`).
    #[serde(default)]
    pub views: BTreeMap<String, Option<RawView>>,
    /// Sequences by name: adopted (e.g. behind a `serial` column) or defined (`as`, `start`, …).
    #[serde(default)]
    pub sequences: BTreeMap<String, Option<RawSequence>>,
    /// Functions and procedures by key (the name, unless `name:` says otherwise): adopted (no body) or defined (`body`/`body_file`).
    #[serde(default)]
    pub functions: BTreeMap<String, RawFunction>,
    /// Types by name: adopted (enum, composite, range, domain) or an enum defined by `values`.
    #[serde(default)]
    pub types: BTreeMap<String, Option<RawType>>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A type under `types:`: adopted (enum, composite, range or domain made by
/// migrations), or an enum created and extended from `values`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    /// The type's owner (default: the schema's owner).
    pub owner: Option<String>,
    /// `USAGE` grants.
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    /// Privileges taken away (e.g. `USAGE` from `PUBLIC`, which has it by default).
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON TYPE` / `COMMENT ON DOMAIN`.
    pub comment: Option<String>,
    /// An enum's labels, in order: the type's definition.
    pub values: Option<Vec<String>>,
}

/// A schema's `grants:` item: on the schema itself, or (with `on:`) on every
/// table, sequence or function in it, now and later.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchemaGrant {
    /// `tables`, `sequences` or `functions`: grant on every object of that kind in the schema, now and later. Absent: a grant on the schema itself.
    #[schemars(with = "Option<crate::spec::schema::SchemaWideKind>")]
    pub on: Option<String>,
    /// Grantees: declared or external roles, or `PUBLIC`.
    pub to: Vec<String>,
    /// Privileges (any case), or `ALL`.
    #[schemars(with = "Vec<crate::spec::schema::Privilege>")]
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION` (default `false`).
    #[serde(default)]
    pub with_grant_option: bool,
    /// With `on:`: the roles whose future objects get the grant. Default: the schema owner (for `public` on 15+, the database owner) plus every role granted `CREATE` on the schema.
    pub for_roles: Option<Vec<String>>,
}

/// A table under `tables:`. Without a definition it is adopted: only owner,
/// privileges and comment are managed.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    // security slice: row-level security, policies, triggers (spec/security.rs)
    /// Row-level security: `disabled`, `enabled` (the owner bypasses policies) or `forced`. Absent: not managed.
    pub rls: Option<crate::spec::security::Rls>,
    /// Row-level security policies by name. Every other policy on the table is an extra.
    #[serde(default)]
    pub policies: BTreeMap<String, crate::spec::security::RawPolicy>,
    /// Triggers by name. Absent: the table's triggers are not managed; present: undeclared ones are extras.
    pub triggers: Option<BTreeMap<String, crate::spec::security::RawTrigger>>,
    // end security slice
    /// The table's owner (default: the schema's owner).
    pub owner: Option<String>,
    /// Grants on the table, or with `columns:` on some columns.
    #[serde(default)]
    pub grants: Vec<RawObjectGrant>,
    /// Privileges taken away from what defaults and schema-wide grants give.
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    // --- tables slice: structure and seed rows (see `raw_table`) ---
    /// The columns, in order. Present: the table is defined (created and converged); absent: adopted.
    pub columns: Option<Vec<RawColumn>>,
    /// Table-level primary key (`<table>_pkey`).
    pub primary_key: Option<Vec<String>>,
    /// Unique constraints: a column list, or `{ name, columns }`.
    #[serde(default)]
    pub unique: Vec<RawUnique>,
    /// Table-level foreign keys.
    #[serde(default)]
    pub foreign_keys: Vec<RawForeignKey>,
    /// Named check constraints: name → SQL expression.
    #[serde(default)]
    pub checks: BTreeMap<String, String>,
    /// Indexes that are not constraints, by name.
    #[serde(default)]
    pub indexes: BTreeMap<String, RawIndex>,
    /// Seed rows, inserted when missing (by `key`).
    pub seed: Option<RawSeed>,
    // --- end tables slice ---
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A view under `views:`. Without a definition it is adopted: only owner,
/// privileges and comment are managed.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawView {
    /// The view's owner (default: the schema's owner).
    pub owner: Option<String>,
    /// Grants on the view, or with `columns:` on some columns.
    #[serde(default)]
    pub grants: Vec<RawObjectGrant>,
    /// Privileges taken away from what defaults and schema-wide grants give.
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON VIEW`.
    pub comment: Option<String>,
    // routines slice: the view's definition.
    /// The `SELECT` (use `query` or `query_file`). Present: the view is defined; absent: adopted.
    pub query: Option<String>,
    /// A file holding the `SELECT`, relative to the spec file's directory.
    pub query_file: Option<String>,
    /// Column names: `CREATE VIEW v (a, b) AS …`.
    pub columns: Option<Vec<String>>,
    /// `true`: the view reads with the reader's privileges and row-level security (PostgreSQL 15+).
    pub security_invoker: Option<bool>,
    /// `true`: conditions from outside the view run after the view's own.
    pub security_barrier: Option<bool>,
    /// `local` or `cascaded`: rows written through the view must satisfy its `WHERE`.
    #[schemars(with = "Option<crate::spec::schema::CheckOption>")]
    pub check_option: Option<String>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A table or view `grants:` item, optionally limited to some columns.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawObjectGrant {
    /// Grantees: declared or external roles, or `PUBLIC`.
    pub to: Vec<String>,
    /// Privileges (any case), or `ALL`. With `columns`: `SELECT`, `INSERT`, `UPDATE`, `REFERENCES`.
    #[schemars(with = "Vec<crate::spec::schema::Privilege>")]
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION` (default `false`).
    #[serde(default)]
    pub with_grant_option: bool,
    /// Limit the grant to these columns.
    pub columns: Option<Vec<String>>,
}

/// A sequence under `sequences:`: adopted, or created when it has a
/// definition (any of `as` … `owned_by`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSequence {
    /// The sequence's owner (default: the schema's; a sequence owned by a column: its table's).
    pub owner: Option<String>,
    /// Grants (`USAGE`, `SELECT`, `UPDATE`).
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    /// Privileges taken away from what defaults and schema-wide grants give.
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON SEQUENCE`.
    pub comment: Option<String>,
    // --- tables slice: sequence definition ---
    /// `AS smallint | integer | bigint`. Any definition key makes the sequence defined.
    #[schemars(with = "Option<crate::spec::schema::SequenceType>")]
    #[serde(rename = "as")]
    pub as_: Option<String>,
    /// `START WITH`.
    pub start: Option<i64>,
    /// `INCREMENT BY`.
    pub increment: Option<i64>,
    /// `MINVALUE`.
    pub min_value: Option<i64>,
    /// `MAXVALUE`.
    pub max_value: Option<i64>,
    /// `CACHE`.
    pub cache: Option<i64>,
    /// `CYCLE` (default `false`).
    pub cycle: Option<bool>,
    /// `OWNED BY table.column`.
    pub owned_by: Option<String>,
    // --- end tables slice ---
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A function or procedure under `functions:`, identified by name and
/// `args`. Without `body`/`body_file` it is adopted.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// The function's name when it differs from the key (overloads: two
    /// keys, one `name`).
    pub name: Option<String>,
    /// The argument list without parentheses. Absent: no arguments for a
    /// function with a body; for an adopted one, the only function of
    /// that name (overloads need `args`).
    pub args: Option<String>,
    /// The function's owner (default: the schema's owner).
    pub owner: Option<String>,
    /// `EXECUTE` grants.
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    /// Privileges taken away (PUBLIC has `EXECUTE` by default; SECURITY DEFINER functions lose it unless granted).
    #[serde(default)]
    pub revoke: Vec<RawRevoke>,
    /// `COMMENT ON FUNCTION` / `PROCEDURE`.
    pub comment: Option<String>,
    // routines slice: the definition.
    /// `function` (default) or `procedure`.
    #[schemars(with = "Option<crate::spec::schema::RoutineKind>")]
    pub kind: Option<String>,
    /// The return type as SQL (`json`, `trigger`, `setof app.t`, `table (id int)`). Required for a function with a body.
    pub returns: Option<String>,
    /// The language (`sql`, `plpgsql`, …). Required with a body.
    #[schemars(extend("examples" = ["sql", "plpgsql"]))]
    pub language: Option<String>,
    /// The body (use `body` or `body_file`). Present: the function is defined; absent: adopted.
    pub body: Option<String>,
    /// A file holding the body, relative to the spec file's directory.
    pub body_file: Option<String>,
    /// `volatile` (default), `stable` or `immutable`.
    #[schemars(with = "Option<crate::spec::schema::Volatility>")]
    pub volatility: Option<String>,
    /// `STRICT`: returns NULL on NULL input (default `false`).
    pub strict: Option<bool>,
    /// `invoker` (default) or `definer`.
    #[schemars(with = "Option<crate::spec::schema::SecurityMode>")]
    pub security: Option<String>,
    /// `LEAKPROOF` (only a superuser may set it; default `false`).
    pub leakproof: Option<bool>,
    /// `unsafe` (default), `restricted` or `safe`.
    #[schemars(with = "Option<crate::spec::schema::ParallelSafety>")]
    pub parallel: Option<String>,
    /// Schemas for `SET search_path = …` on calls. Required for `security: definer`, ending with `pg_temp`.
    pub search_path: Option<Vec<String>>,
    /// Other `SET` options, e.g. `{ statement_timeout: 5s }`.
    pub set: Option<BTreeMap<String, RawSetting>>,
    /// `COST` (default: 1 for C/internal, 100 otherwise).
    pub cost: Option<f64>,
    /// `ROWS`, for set-returning functions only (default 1000).
    pub rows: Option<f64>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// A `default_privileges:` item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultPrivilege {
    /// The role whose future objects this concerns (declared or external).
    pub for_role: String,
    /// Only objects created in this schema. Absent: everywhere, replacing the built-in defaults for the kind.
    pub in_schema: Option<String>,
    /// `tables`, `sequences`, `functions`, `types` or `schemas`.
    #[schemars(with = "crate::spec::schema::DefaultPrivilegeKind")]
    pub on: String,
    /// `{ to, privileges, with_grant_option }`.
    pub grant: Option<RawGrant>,
    /// `{ from, privileges }`.
    pub revoke: Option<RawRevoke>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// An extension under `extensions:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    /// `WITH SCHEMA`; an installed extension elsewhere is moved (`ALTER EXTENSION … SET SCHEMA`).
    pub schema: Option<String>,
    /// `VERSION`; an installed extension at another version is updated.
    pub version: Option<String>,
    /// Lints allowed here, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

/// `grants:` item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGrant {
    /// Grantees: declared or external roles, or `PUBLIC`.
    pub to: Vec<String>,
    /// Privileges (any case), or `ALL`.
    #[schemars(with = "Vec<crate::spec::schema::Privilege>")]
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION` (default `false`).
    #[serde(default)]
    pub with_grant_option: bool,
}

/// `revoke:` item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRevoke {
    /// Roles the privileges are taken from, or `PUBLIC`.
    pub from: Vec<String>,
    /// Privileges (any case), or `ALL`.
    #[schemars(with = "Vec<crate::spec::schema::Privilege>")]
    pub privileges: Vec<String>,
}
