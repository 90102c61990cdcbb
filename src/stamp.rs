//! The in-sync stamp: a run that finds the database exactly as the last
//! converged `apply` left it answers without parsing the spec.
//!
//! `check` and a no-op `apply` are a pure function of the spec (its text,
//! the files it reads, the build of pg-provision that reads it) and of what
//! the catalog read returns. When `apply` ends with the database in sync —
//! nothing to change, no undeclared extra, no refusal, nothing left
//! uncompared — it writes a stamp in `pgprovision.stamp`: the key of the spec
//! ([`key`]: this build and the spec's text), the files the spec read and
//! their hashes, the scope it read, and a digest of every document the
//! catalog read returned then ([`digest`], the server computing SHA-256 over
//! each document in place, pg-provision's memory left out: it is a cache).
//!
//! A later `check` or `apply` of the same spec text asks the server for the
//! same digest, with the same statements ([`crate::catalog::batches`]), in
//! its own snapshot. Equal: the catalog returns, byte for byte, what it
//! returned when the full comparison found it in sync, so the full
//! comparison would find it in sync again — the run reports that without
//! parsing the spec, decoding the catalog or diffing (at 10,000 tables, a
//! third of the time and a tenth of the memory). Different, or no stamp: the
//! run goes on as if there were none, on the same connection and
//! transaction (a miss costs the digest's server time when a stamp for this
//! text exists, a round trip otherwise).
//!
//! What is not a function of the catalog is not stamped: a spec with
//! passwords (comparing them needs the secret, and a hash of a secret must
//! not be stored where others can read it), with seed rows (rows change
//! without the catalog changing), or with several databases. Only the role
//! that wrote the stamp can match it (the connected role is in the digest)
//! and only the build that wrote it (its source identifier is in the key).
//! `--reprobe` ignores it. Nothing in `check` writes; `apply` writes the
//! stamp in its own transaction, only when the one there differs.

use crate::apply::{self, Outcome};
use crate::catalog::scope::STATE_SCHEMA;
use crate::catalog::{CatalogError, Scope, Server, batches, queries, split};
use crate::connect::{self, ConnectionSettings};
use crate::quote::{ident, literal};
use crate::session::Session;
use crate::spec::Spec;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The stamp table, schema-qualified.
pub fn table() -> String {
    format!("{}.stamp", ident(STATE_SCHEMA))
}

/// The build of pg-provision (package version and a hash of its sources).
pub const BUILD: &str = env!("PGP_SOURCE_ID");

/// SHA-256 of `text`, in hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of spec `text` for this build.
pub fn key(text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(BUILD.as_bytes());
    hasher.update(b"\n");
    hasher.update(text.as_bytes());
    hex(&hasher.finalize())
}

/// What a run did with the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Nothing: not tested, missed, or left as it was.
    Unused,
    /// It held: the run was answered by it.
    Matched,
    /// The run wrote it.
    Written,
}

/// What a stamp holds besides its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The schemas read (`None`: every user schema).
    pub scope: Option<BTreeSet<String>>,
    /// Files the spec read, with the SHA-256 of their text.
    pub files: BTreeMap<String, String>,
    /// The spec's own `prune: true` (reported as the run's setting).
    pub prune: bool,
    /// The digest of the catalog's documents.
    pub catalog: String,
}

impl Stamp {
    fn scope(&self) -> Scope {
        match &self.scope {
            Some(names) => Scope::schemas(names.iter().cloned()),
            None => Scope::everything(),
        }
    }

    /// Whether every file still reads as it did.
    fn files_unchanged(&self) -> bool {
        self.files.iter().all(|(path, sha)| {
            std::fs::read_to_string(path).is_ok_and(|text| sha256_hex(&text) == *sha)
        })
    }
}

/// Whether a converged run of `spec` may be stamped: everything its
/// comparison depends on is in the catalog read.
pub fn stampable(spec: &Spec) -> bool {
    spec.databases.is_empty()
        && spec.roles.values().all(|r| r.password.is_none())
        && spec
            .schemas
            .values()
            .flat_map(|s| s.objects.values())
            .all(|o| o.seed.is_none())
}

/// `query`'s document as the SHA-256 (hex) of its text, computed by the
/// server.
fn hashed(query: &str) -> String {
    format!(
        "SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(({query}), 'UTF8')), 'hex')"
    )
}

/// The digest of what a catalog read of `scope` returns for `server` now:
/// the server document and every batch document but pg-provision's memory,
/// each hashed by the server. With `exported` and a `helper`, the other
/// half runs on a second connection in the same snapshot.
pub fn digest(
    session: &mut Session,
    server: &Server,
    scope: &Scope,
    exported: Option<&split::Exported>,
    helper: Option<split::Helper<'_>>,
) -> Result<String, CatalogError> {
    let b = batches(server, scope);
    let main: Vec<String> = std::iter::once(queries::SERVER.to_string())
        .chain(
            b.main
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != b.memory)
                .map(|(_, q)| q.clone()),
        )
        .map(|q| hashed(&q))
        .collect();
    let other: Vec<String> = b.other.iter().map(|q| hashed(q)).collect();
    let (main_sql, other_sql) = (main.join(";\n"), other.join(";\n"));
    let (main_rows, other_rows) = match (helper, exported) {
        (Some(helper), Some(exported)) => {
            let (main_rows, other_rows) = std::thread::scope(|s| {
                let other = s.spawn(|| split::run(helper, exported, &other_sql));
                (session.texts(&main_sql), other.join().ok().flatten())
            });
            let other_rows = match other_rows {
                Some((rows, round_trips)) => {
                    session.count_round_trips(round_trips);
                    rows
                }
                None => session.texts(&other_sql)?,
            };
            (main_rows?, other_rows)
        }
        _ => {
            let mut rows = session.texts(&format!("{main_sql};\n{other_sql}"))?;
            let other_rows = rows.split_off(main.len().min(rows.len()));
            (rows, other_rows)
        }
    };
    if main_rows.len() != main.len() || other_rows.len() != other.len() {
        return Err(CatalogError::Decode {
            what: "stamp digest",
            detail: "a statement returned no row".into(),
        });
    }
    let mut hasher = Sha256::new();
    for row in main_rows.iter().chain(&other_rows) {
        hasher.update(row.as_deref().unwrap_or("null").as_bytes());
        hasher.update(b"\n");
    }
    Ok(hex(&hasher.finalize()))
}

/// The statement returning the stamp for `key` as JSON, or NULL.
fn lookup_sql(key: &str) -> String {
    format!(
        "SELECT (SELECT s.stamp FROM {} s WHERE s.key = {})",
        table(),
        literal(key)
    )
}

/// How long [`attempt`] waits for a TCP connection before leaving it to the
/// run (which reports an invalid spec first, and waits for the server as
/// told).
const ATTEMPT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// What [`attempt`] found.
pub enum Attempt {
    /// The database is as the stamp says: the run's outcome (nothing to
    /// change), its transaction rolled back.
    Hit {
        /// The session (for its counters).
        session: Session,
        /// In sync.
        outcome: Box<Outcome>,
        /// The spec's own `prune: true`.
        spec_prune: bool,
    },
    /// Not this time: the connection, with the run's transaction begun (or
    /// the error beginning it), for the run to go on with.
    Miss {
        /// The session.
        session: Session,
        /// Whether beginning worked (as `apply::begin` returned it).
        begun: Result<(), postgres::Error>,
    },
    /// No connection at the first attempt, or no stamp could be read: the
    /// run connects (and waits) as usual.
    Skipped,
}

/// Connects once (no waiting: a server not up yet means the run's own
/// wait), begins the run's transaction and tests the stamp for `key`.
pub fn attempt(key: &str, settings: &ConnectionSettings, options: &apply::Options) -> Attempt {
    let Ok(client) = connect::connect_within(settings, ATTEMPT_CONNECT_TIMEOUT) else {
        return Attempt::Skipped;
    };
    let mut session = Session::new(client);
    let begun = apply::begin(&mut session, options);
    if begun.is_err() {
        return Attempt::Miss { session, begun };
    }
    match test(&mut session, key, settings) {
        Ok(Some((server, spec_prune))) => {
            let _ = session.batch("ROLLBACK");
            let outcome = Outcome {
                plan: crate::plan::Plan::default(),
                server,
                executed: 0,
                uncompared: BTreeMap::new(),
                remembered: None,
                stamp: Use::Matched,
            };
            Attempt::Hit {
                session,
                outcome: Box::new(outcome),
                spec_prune,
            }
        }
        Ok(None) => Attempt::Miss {
            session,
            begun: Ok(()),
        },
        Err(e) => {
            // The transaction may be aborted: start afresh.
            log::debug!("stamp not tested: {e}");
            Attempt::Skipped
        }
    }
}

/// The server and the spec's `prune` when the stamp for `key` holds,
/// `None` when there is none or it does not.
fn test(
    session: &mut Session,
    key: &str,
    settings: &ConnectionSettings,
) -> Result<Option<(Server, bool)>, CatalogError> {
    let first = format!("{};\n{}", queries::SERVER, split::export_query());
    let mut rows = session.texts(&first)?.into_iter();
    let server: Server = crate::catalog::decode("server", rows.next().flatten())?;
    let exported = split::Exported::decode(rows.next().flatten());
    if !server.stamp.as_ref().is_some_and(|s| s.readable) {
        return Ok(None);
    }
    let Some(text) = crate::catalog::first(session.texts(&lookup_sql(key))?) else {
        log::debug!("no stamp for this spec");
        return Ok(None);
    };
    let stamp: Stamp = serde_json::from_str(&text).map_err(|e| CatalogError::Decode {
        what: "stamp",
        detail: e.to_string(),
    })?;
    if !stamp.files_unchanged() {
        log::debug!("stamp: a file the spec reads changed");
        return Ok(None);
    }
    let helper = || connect::connect(settings).ok().map(Session::new);
    let now = digest(
        session,
        &server,
        &stamp.scope(),
        exported.as_ref(),
        Some(&helper),
    )?;
    if now != stamp.catalog {
        log::debug!("stamp: the catalog changed since it was written");
        return Ok(None);
    }
    log::debug!("stamp holds: the catalog is as the last converged apply left it");
    Ok(Some((server, stamp.prune)))
}

/// Whether the connected role can create the stamp table: `[schema
/// exists, may create]`.
fn creatable_sql() -> String {
    let schema = literal(STATE_SCHEMA);
    format!(
        "SELECT json_build_array(pg_catalog.to_regnamespace({schema}) IS NOT NULL,
           CASE WHEN pg_catalog.to_regnamespace({schema}) IS NULL
             THEN pg_catalog.has_database_privilege(current_database(), 'CREATE')
             ELSE pg_catalog.has_schema_privilege({schema}, 'CREATE') END)::text"
    )
}

/// Statements creating the stamp table (and pg-provision's schema, unless
/// it `exists`). Readable by its owner only: no other role can match it.
fn create_sql(schema_exists: bool) -> String {
    let schema = match schema_exists {
        true => String::new(),
        // As pg-provision's memory creates it: every role may look into it
        // (`to_regclass` of a name in it), the memory being readable by all.
        false => format!(
            "CREATE SCHEMA {s};\nGRANT USAGE ON SCHEMA {s} TO PUBLIC;\n",
            s = ident(STATE_SCHEMA)
        ),
    };
    format!(
        "{schema}CREATE TABLE {} (key text PRIMARY KEY, stamp text NOT NULL, written timestamptz NOT NULL DEFAULT now())",
        table()
    )
}

/// Writes the stamp for `key` after a converged `apply` of `spec` that read
/// `scope`, unless the one there is already it; returns whether it wrote.
/// One stamp is kept per database: the last one written.
pub fn record(
    session: &mut Session,
    key: &str,
    spec: &Spec,
    scope: &Scope,
    server: &Server,
) -> Result<bool, CatalogError> {
    match &server.stamp {
        Some(access) if !access.writable || !access.readable => {
            log::debug!("stamp table not writable by `{}`", server.current_user);
            return Ok(false);
        }
        None => {
            let (exists, may_create): (bool, bool) = crate::catalog::decode(
                "stamp table",
                crate::catalog::first(session.texts(&creatable_sql())?),
            )?;
            if !may_create {
                log::debug!(
                    "no stamp: `{}` may not create its table",
                    server.current_user
                );
                return Ok(false);
            }
            session.batch(&create_sql(exists))?;
        }
        Some(_) => {}
    }
    // The digest is taken after pg-provision's memory and the table itself
    // were written, in this transaction: what the next run will see.
    let catalog = digest(session, server, scope, None, None)?;
    let stamp = Stamp {
        scope: scope.names().cloned(),
        files: spec.files_read.clone(),
        prune: spec.prune,
        catalog,
    };
    let text = serde_json::to_string(&stamp).map_err(|e| CatalogError::Decode {
        what: "stamp",
        detail: e.to_string(),
    })?;
    let held = crate::catalog::first(session.texts(&lookup_sql(key))?);
    if held.as_deref() == Some(text.as_str()) {
        return Ok(false);
    }
    session.batch(&format!(
        "DELETE FROM {t} WHERE key <> {k};\n\
         INSERT INTO {t} (key, stamp) VALUES ({k}, {s})\n  \
         ON CONFLICT (key) DO UPDATE SET stamp = EXCLUDED.stamp, written = now()",
        t = table(),
        k = literal(key),
        s = literal(&text)
    ))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_build_and_the_text() {
        assert_eq!(key("version: 1\n"), key("version: 1\n"));
        assert_ne!(key("version: 1\n"), key("version: 1\n# a comment\n"));
        assert_eq!(key("").len(), 64);
        assert!(BUILD.starts_with(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn each_document_is_hashed_by_the_server() {
        assert_eq!(
            hashed("SELECT '[]'::text"),
            "SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to((SELECT '[]'::text), 'UTF8')), 'hex')"
        );
    }
}
