//! Stage 2, `catalog`: read the live state of the cluster and the connected
//! database from `pg_catalog`.
//!
//! In: a [`Session`]. Out: a [`Catalog`]. Two round trips, a fixed number of
//! statements (see [`QUERY_COUNT`]), independent of how many roles, schemas,
//! objects or grants there are.

pub mod model;
pub mod objects;
pub mod queries;
pub mod routines;
pub mod security;
pub mod shadow;
pub mod tables;

pub use model::*;
pub use objects::*;

use crate::session::Session;
use std::collections::BTreeMap;
use thiserror::Error;

/// Statements one [`read`] sends.
pub const QUERY_COUNT: usize = 17;

/// Reading the catalog failed.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The server refused a catalog query.
    #[error("reading the catalog failed")]
    Query(#[from] postgres::Error),
    /// The server rejected an expression from the spec while canonicalising
    /// it (see [`shadow`]): usually an error in the spec's SQL.
    #[error("the server rejected an expression from the spec")]
    Probe(#[source] postgres::Error),
    /// A query returned something we could not understand.
    #[error("unexpected catalog data for {what}: {detail}")]
    Decode {
        /// Which query.
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
}

/// Reads everything the diff needs.
pub fn read(session: &mut Session) -> Result<Catalog, CatalogError> {
    let server: Server = decode("server", first(session.texts(queries::SERVER)?))?;
    let batch = [
        queries::roles(server.authid_readable),
        queries::memberships(server.major()),
        queries::database(),
        queries::schemas(),
        queries::EXTENSIONS.to_string(),
        queries::AVAILABLE_EXTENSIONS.to_string(),
        queries::relations(),
        queries::functions(),
        queries::default_acls(),
        queries::types(),
        // security slice
        security::row_security(),
        security::triggers(),
        // routines slice
        routines::routine_definitions(),
        routines::view_definitions(),
        // tables slice
        tables::tables(),
        tables::sequences(),
    ]
    .join(";\n");
    let mut rows = session.texts(&batch)?.into_iter();
    let mut next = || rows.next().flatten();
    let roles: Vec<RoleState> = decode("roles", next())?;
    let memberships: Vec<MembershipState> = decode("memberships", next())?;
    let database: DatabaseState = decode("database", next())?;
    let schemas: Vec<SchemaState> = decode("schemas", next())?;
    let extensions: Vec<ExtensionState> = decode("extensions", next())?;
    let available_extensions: BTreeMap<String, String> = decode("available extensions", next())?;
    let relations: Vec<RelationState> = decode("relations", next())?;
    let functions: Vec<FunctionState> = decode("functions", next())?;
    let default_acls: Vec<DefaultAclState> = decode("default privileges", next())?;
    let types: Vec<TypeState> = decode("types", next())?;
    // security slice
    let row_security = next().unwrap_or_default();
    let triggers = next().unwrap_or_default();
    let security = security::SecurityState::decode(&row_security, &triggers).map_err(|e| {
        CatalogError::Decode {
            what: "row-level security and triggers",
            detail: e.to_string(),
        }
    })?;
    // routines slice
    let routine_definitions: Vec<routines::RoutineDefinitionState> =
        decode("routine definitions", next())?;
    let view_definitions: Vec<routines::ViewDefinitionState> = decode("view definitions", next())?;
    // tables slice
    let tables: Vec<tables::TableState> = decode("tables", next())?;
    let sequences: Vec<tables::SequenceState> = decode("sequences", next())?;
    Ok(Catalog {
        server,
        roles: roles.into_iter().map(|r| (r.name.clone(), r)).collect(),
        memberships,
        database,
        schemas: schemas.into_iter().map(|s| (s.name.clone(), s)).collect(),
        extensions: extensions
            .into_iter()
            .map(|e| (e.name.clone(), e))
            .collect(),
        available_extensions,
        canonical: BTreeMap::new(),
        relations: relations
            .into_iter()
            .map(|r| ((r.schema.clone(), r.name.clone()), r))
            .collect(),
        functions,
        default_acls,
        types: types
            .into_iter()
            .map(|t| ((t.schema.clone(), t.name.clone()), t))
            .collect(),
        security,
        // routines slice
        routine_definitions,
        view_definitions: view_definitions
            .into_iter()
            .map(|v| ((v.schema.clone(), v.name.clone()), v))
            .collect(),
        // tables slice
        tables: tables
            .into_iter()
            .map(|t| ((t.schema, t.name), t.shape))
            .collect(),
        sequences: sequences
            .into_iter()
            .map(|s| ((s.schema.clone(), s.name.clone()), s))
            .collect(),
    })
}

fn first(rows: Vec<Option<String>>) -> Option<String> {
    rows.into_iter().next().flatten()
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: Option<String>,
) -> Result<T, CatalogError> {
    let text = text.ok_or_else(|| CatalogError::Decode {
        what,
        detail: "no row returned".into(),
    })?;
    serde_json::from_str(&text).map_err(|e| CatalogError::Decode {
        what,
        detail: e.to_string(),
    })
}
