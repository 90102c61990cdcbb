//! Stage 2, `catalog`: read the live state of the cluster and the connected
//! database from `pg_catalog`.
//!
//! In: a [`Session`] and a [`Scope`]. Out: a [`Catalog`]. Two round trips,
//! a fixed number of statements (see [`QUERY_COUNT`]), independent of how
//! many roles, schemas, objects or grants there are; for a large catalog,
//! part of the second on a second connection that shares the run's
//! snapshot ([`split`]). Nothing read here takes
//! a lock on a user table: expressions the server would have to print
//! (defaults, checks, indexes, policies, triggers, view queries) come back as
//! fingerprints; [`read_texts`] prints them for the objects whose texts are
//! needed, in one more round trip.

pub mod memory;
pub mod model;
pub mod objects;
pub mod queries;
pub mod routines;
pub mod scope;
pub mod security;
pub mod shadow;
pub mod split;
pub mod tables;

pub use model::*;
pub use objects::*;
pub use scope::Scope;

use crate::session::Session;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Turns off JIT compilation for the session. Catalog queries are
/// estimated far above `jit_above_cost` (a correlated subquery per table),
/// so a server with JIT on (the default where PostgreSQL is built with
/// LLVM, as Debian's and most clouds' are) spent more time compiling the
/// tables query than running it: 1.4 of 2.6 s at 10,000 tables. Sent by
/// every command that reads the catalog (`apply`/`plan`/`check`, `export`,
/// `explain`, `lint --live`), in its first batch. Session-level, so it
/// outlives the probes' transactions.
pub const JIT_OFF: &str = "SET jit = off";

/// Statements one [`read`] sends (one more when pg-provision's memory exists).
pub const QUERY_COUNT: usize = 18;

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

/// Reads everything the diff needs about the objects in `scope`, with
/// fingerprints in place of printed expressions, and pg-provision's memory.
pub fn read(session: &mut Session, scope: &Scope) -> Result<Catalog, CatalogError> {
    read_split(session, scope, None)
}

/// [`read`], with part of the batch on a second connection from `helper`
/// when the catalog is large (see [`split`]).
pub fn read_split(
    session: &mut Session,
    scope: &Scope,
    helper: Option<split::Helper<'_>>,
) -> Result<Catalog, CatalogError> {
    let first_trip = match helper {
        Some(_) => format!("{};\n{}", queries::SERVER, split::export_query()),
        None => queries::SERVER.to_string(),
    };
    let mut first_rows = session.texts(&first_trip)?.into_iter();
    let server: Server = decode("server", first_rows.next().flatten())?;
    let exported = split::Exported::decode(first_rows.next().flatten());
    let Batches {
        main: batch,
        memory: memory_at,
        other,
    } = batches(&server, scope);
    let memory_readable = memory_at.is_some();
    let other_sql = other.join(";\n");
    let main_sql = batch.join(";\n");
    let superuser = server.superuser;
    let (main, other) = match (helper, &exported) {
        (Some(helper), Some(exported)) => {
            // Each connection's documents are decoded on its own thread.
            let (main, other) = std::thread::scope(|s| {
                let other = s.spawn(|| {
                    split::run(helper, exported, &other_sql)
                        .map(|(rows, round_trips)| (OtherHalf::decode(rows), round_trips))
                });
                let main = session
                    .texts(&main_sql)
                    .map_err(CatalogError::from)
                    .and_then(|rows| MainHalf::decode(rows, memory_readable, superuser));
                (main, other.join().ok().flatten())
            });
            let other = match other {
                Some((other, round_trips)) => {
                    session.count_round_trips(round_trips);
                    other?
                }
                None => OtherHalf::decode(session.texts(&other_sql)?)?,
            };
            (main?, other)
        }
        _ => {
            let mut rows = session.texts(&format!("{main_sql};\n{other_sql}"))?;
            let other_rows = rows.split_off(batch.len().min(rows.len()));
            (
                MainHalf::decode(rows, memory_readable, superuser)?,
                OtherHalf::decode(other_rows)?,
            )
        }
    };
    let MainHalf {
        roles,
        memberships,
        database,
        schemas,
        extensions,
        available_extensions,
        functions,
        default_acls,
        routine_definitions,
        tables,
        locked,
        memory,
        restricted,
    } = main;
    let OtherHalf {
        relations,
        types,
        security,
        view_definitions,
        sequences,
    } = other;
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
        relations,
        functions,
        default_acls,
        types,
        security,
        // routines slice
        routine_definitions,
        view_definitions,
        // tables slice
        table_oids: tables
            .iter()
            .map(|t| ((t.schema.clone(), t.name.clone()), t.oid))
            .collect(),
        tables: tables
            .into_iter()
            .map(|t| ((t.schema, t.name), t.shape))
            .collect(),
        sequences,
        locked: locked.into_iter().collect(),
        memory,
        memory_current: false,
        uncompared: BTreeMap::new(),
        password_checks: BTreeMap::new(),
        restricted,
    })
}

/// The statements of a catalog read after its first round trip, in the
/// order their documents are decoded.
pub(crate) struct Batches {
    /// The run's own connection's half.
    pub main: Vec<String>,
    /// Where in `main` pg-provision's memory is read (when it is readable).
    pub memory: Option<usize>,
    /// The other half (on a second connection when the catalog is large).
    pub other: Vec<String>,
}

/// The statements reading `scope` for `server` (see [`read_split`]); also
/// what the stamp digests (`crate::stamp`), so the two cannot disagree.
pub(crate) fn batches(server: &Server, scope: &Scope) -> Batches {
    let tables_in_scope = security::in_scope(scope);
    let mut main = vec![
        queries::roles(server.authid_readable),
        queries::memberships(server.major()),
        queries::database(),
        queries::schemas(),
        queries::EXTENSIONS.to_string(),
        queries::AVAILABLE_EXTENSIONS.to_string(),
        queries::functions(scope),
        queries::default_acls(),
        // routines slice
        routines::routine_definitions(scope),
        // tables slice
        tables::tables(scope),
        queries::locked_relations(),
    ];
    let memory = server.memory.as_ref().is_some_and(|m| m.readable).then(|| {
        main.push(memory::read_query());
        main.len() - 1
    });
    if !server.superuser {
        main.push(queries::restricted(server.major()));
    }
    // The other half of the server's work (the tables query alone is
    // about as long as these together).
    let other = vec![
        queries::relations(scope),
        queries::types(scope),
        // security slice
        security::row_security(&tables_in_scope, tables::Detail::Fingerprints),
        security::triggers(&tables_in_scope, tables::Detail::Fingerprints),
        // routines slice
        routines::view_definitions(&tables_in_scope, tables::Detail::Fingerprints),
        // tables slice
        tables::sequences(scope),
    ];
    Batches {
        main,
        memory,
        other,
    }
}

/// The documents of [`read_split`]'s main batch, decoded.
struct MainHalf {
    roles: Vec<RoleState>,
    memberships: Vec<MembershipState>,
    database: DatabaseState,
    schemas: Vec<SchemaState>,
    extensions: Vec<ExtensionState>,
    available_extensions: BTreeMap<String, String>,
    functions: Vec<FunctionState>,
    default_acls: Vec<DefaultAclState>,
    routine_definitions: Vec<routines::RoutineDefinitionState>,
    tables: Vec<tables::TableState>,
    locked: Vec<u32>,
    memory: memory::Memory,
    restricted: BTreeSet<String>,
}

impl MainHalf {
    /// Decodes the main batch's rows, in the order it sends its queries.
    fn decode(
        rows: Vec<Option<String>>,
        memory_readable: bool,
        superuser: bool,
    ) -> Result<Self, CatalogError> {
        let mut rows = rows.into_iter();
        let mut next = || rows.next().flatten();
        Ok(MainHalf {
            roles: decode("roles", next())?,
            memberships: decode("memberships", next())?,
            database: decode("database", next())?,
            schemas: decode("schemas", next())?,
            extensions: decode("extensions", next())?,
            available_extensions: decode("available extensions", next())?,
            functions: decode("functions", next())?,
            default_acls: decode("default privileges", next())?,
            // routines slice
            routine_definitions: decode("routine definitions", next())?,
            // tables slice
            tables: decode("tables", next())?,
            locked: decode("locked relations", next())?,
            memory: if memory_readable {
                let what = "pg-provision's memory";
                memory::rows(decode(what, next())?)
                    .map_err(|detail| CatalogError::Decode { what, detail })?
            } else {
                memory::Memory::new()
            },
            restricted: if superuser {
                BTreeSet::new()
            } else {
                let (languages, extensions, settings): (Vec<String>, Vec<String>, Vec<String>) =
                    decode("superuser-only features", next())?;
                languages
                    .into_iter()
                    .chain(extensions)
                    .chain(settings)
                    .collect()
            },
        })
    }
}

/// The documents of [`read_split`]'s other half (maybe read on a second
/// connection), decoded and keyed by schema and name.
struct OtherHalf {
    relations: BTreeMap<(String, String), RelationState>,
    types: BTreeMap<(String, String), TypeState>,
    security: security::SecurityState,
    view_definitions: BTreeMap<(String, String), routines::ViewDefinitionState>,
    sequences: BTreeMap<(String, String), tables::SequenceState>,
}

impl OtherHalf {
    /// Decodes the other half's rows, in the order it sends its queries.
    fn decode(rows: Vec<Option<String>>) -> Result<Self, CatalogError> {
        let mut rows = rows.into_iter();
        let mut next = || rows.next().flatten();
        let relations: Vec<RelationState> = decode("relations", next())?;
        let types: Vec<TypeState> = decode("types", next())?;
        // security slice
        let security = decode_security("row-level security and triggers", next(), next())?;
        // routines slice
        let view_definitions: Vec<routines::ViewDefinitionState> =
            decode("view definitions", next())?;
        // tables slice
        let sequences: Vec<tables::SequenceState> = decode("sequences", next())?;
        Ok(OtherHalf {
            relations: relations
                .into_iter()
                .map(|r| ((r.schema.clone(), r.name.clone()), r))
                .collect(),
            types: types
                .into_iter()
                .map(|t| ((t.schema.clone(), t.name.clone()), t))
                .collect(),
            security,
            view_definitions: view_definitions
                .into_iter()
                .map(|v| ((v.schema.clone(), v.name.clone()), v))
                .collect(),
            sequences: sequences
                .into_iter()
                .map(|s| ((s.schema.clone(), s.name.clone()), s))
                .collect(),
        })
    }
}

/// The printed texts of some tables (their defaults, constraints, indexes,
/// policies and triggers) and views, by oid.
#[derive(Debug, Default)]
pub struct Texts {
    /// Tables with their texts.
    pub tables: Vec<tables::TableState>,
    /// Policies and triggers of those tables, with their texts.
    pub security: security::SecurityState,
    /// Views with their definitions.
    pub views: Vec<routines::ViewDefinitionState>,
}

/// Prints the expressions of the tables and views with these oids, in one
/// round trip. With `skip_locked`, objects another session holds (or waits
/// for) in ACCESS EXCLUSIVE mode are left out rather than waited for —
/// tables whose indexes are so held, and views reading such a relation, too.
pub fn read_texts(
    session: &mut Session,
    table_oids: &[u32],
    view_oids: &[u32],
    skip_locked: bool,
) -> Result<Texts, CatalogError> {
    if table_oids.is_empty() && view_oids.is_empty() {
        return Ok(Texts::default());
    }
    let list = |oids: &[u32]| {
        if oids.is_empty() {
            "NULL".to_string()
        } else {
            oids.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let locked = queries::LOCKED;
    let mut table_cond = format!("c.oid IN ({})", list(table_oids));
    let mut view_cond = format!("c.oid IN ({})", list(view_oids));
    if skip_locked {
        table_cond.push_str(&format!(
            " AND c.oid NOT IN ({locked}) AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index li
                 WHERE li.indrelid = c.oid AND li.indexrelid IN ({locked}))"
        ));
        view_cond.push_str(&format!(
            " AND c.oid NOT IN ({locked}) AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite lr
                 JOIN pg_catalog.pg_depend ld ON ld.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                   AND ld.objid = lr.oid
                 WHERE lr.ev_class = c.oid AND ld.refobjid IN ({locked}))"
        ));
    }
    let batch = [
        tables::table_texts(&table_cond),
        security::row_security(&table_cond, tables::Detail::Texts),
        security::triggers(&table_cond, tables::Detail::Texts),
        routines::view_definitions(&view_cond, tables::Detail::Texts),
    ]
    .join(";\n");
    let mut rows = session.texts(&batch)?.into_iter();
    let mut next = || rows.next().flatten();
    let tables: Vec<tables::TableState> = decode("table texts", next())?;
    let security = decode_security("policy and trigger texts", next(), next())?;
    let views: Vec<routines::ViewDefinitionState> = decode("view texts", next())?;
    Ok(Texts {
        tables,
        security,
        views,
    })
}

/// The row-security and triggers documents (in that order) decoded
/// together; `what` names them in the error.
fn decode_security(
    what: &'static str,
    row_security: Option<String>,
    triggers: Option<String>,
) -> Result<security::SecurityState, CatalogError> {
    security::SecurityState::decode(
        &row_security.unwrap_or_default(),
        &triggers.unwrap_or_default(),
    )
    .map_err(|e| CatalogError::Decode {
        what,
        detail: e.to_string(),
    })
}

/// The first column of the first row of a one-row query.
pub(crate) fn first(rows: Vec<Option<String>>) -> Option<String> {
    rows.into_iter().next().flatten()
}

/// A JSON document a catalog query returned, decoded; `what` names it in
/// the error.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
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
