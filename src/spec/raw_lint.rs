//! The YAML of the `lint:` key, as written (serde types; meaning is given by
//! [`super::lint`], the checks themselves live in [`crate::lint`]).
//!
//! `lint:` may appear on the spec's top level ([`RawLintSettings`], which also
//! names the API roles) and on roles, the database, schemas, tables, views,
//! sequences, functions, policies, extensions and default-privileges entries
//! ([`RawLint`]).

use schemars::JsonSchema;
use serde::Deserialize;

/// `lint: { allow: [ID, …], reason: "…" }` on one object: the listed lints
/// are not reported for it (nor for what it contains: a schema's objects, a
/// table's policies).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLint {
    /// Lint ids not to report here (see docs/lints.md).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Why these findings are acceptable; required with `allow`.
    pub reason: Option<String>,
}

/// The top-level `lint:` key: allowances for the whole spec, and the roles an
/// API (PostgREST, Hasura, …) runs requests as.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLintSettings {
    /// Lint ids not to report anywhere in the spec.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Why these findings are acceptable; required with `allow`.
    pub reason: Option<String>,
    /// Roles anonymous or end-user requests run as, in addition to those
    /// detected (NOLOGIN roles a non-inheriting login switches to) and PUBLIC.
    #[serde(default)]
    pub api_roles: Vec<String>,
}
