//! Reading a large catalog over two connections that see one snapshot.
//!
//! At 10,000 tables the catalog batch is over a second of server time on
//! one backend, while the client has finished parsing the spec and the
//! machine's other core idles. As `pg_dump -j` does, the run's transaction
//! exports its snapshot (`pg_export_snapshot`), a second connection imports
//! it (`SET TRANSACTION SNAPSHOT`) and runs part of the batch: both halves
//! see exactly the same catalog, read in parallel.
//!
//! Only an optimisation, never a requirement: below [`SPLIT_AT`] relations,
//! on a standby, or when the second connection cannot be made or refuses
//! anything, the whole batch runs on the run's own connection as before.
//! The second connection is read-only, takes no lock beyond the catalog's
//! own, and is closed when its half is read.

use super::JIT_OFF;
use crate::quote::literal;
use crate::session::Session;

/// Opens the second connection (`None` when it cannot be had).
pub type Helper<'a> = &'a (dyn Fn() -> Option<Session> + Sync);

/// Rows in `pg_class` from which the read is split (an empty database has
/// about 420; 1,000 tables with a sequence and a key each, about 4,000).
pub const SPLIT_AT: u32 = 2_000;

/// The statement added to the first round trip when a helper is at hand:
/// a JSON `[snapshot, search_path, lock_timeout]` when the catalog is large
/// enough to split and the server is not a standby, else NULL. Cannot fail,
/// so it cannot abort the run's transaction.
pub fn export_query() -> String {
    format!(
        "SELECT CASE WHEN NOT pg_catalog.pg_is_in_recovery()
    AND (SELECT count(*) FROM pg_catalog.pg_class) >= {SPLIT_AT}
  THEN json_build_array(pg_catalog.pg_export_snapshot(),
    pg_catalog.current_setting('search_path'),
    pg_catalog.current_setting('lock_timeout'))::text END"
    )
}

/// What [`export_query`] returned: the snapshot, and the settings the
/// second connection must share with the run's: the search path (printing
/// depends on it) and the lock timeout (it waits no longer than the run).
pub struct Exported {
    snapshot: String,
    search_path: String,
    lock_timeout: String,
}

impl Exported {
    /// Decodes [`export_query`]'s row; `None` for NULL or anything odd.
    pub fn decode(row: Option<String>) -> Option<Self> {
        let (snapshot, search_path, lock_timeout): (String, String, String) =
            serde_json::from_str(&row?).ok()?;
        Some(Exported {
            snapshot,
            search_path,
            lock_timeout,
        })
    }
}

/// Runs `sql` on a connection from `helper` inside the exported snapshot:
/// its rows and the round trips it took, or `None` on any failure (the
/// caller then runs `sql` itself).
pub fn run(
    helper: Helper<'_>,
    exported: &Exported,
    sql: &str,
) -> Option<(Vec<Option<String>>, usize)> {
    let mut session = helper()?;
    // The snapshot first: nothing may read before it is imported.
    let setup = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; \
         {JIT_OFF}; SELECT pg_catalog.set_config('search_path', {}, false), \
         pg_catalog.set_config('lock_timeout', {}, false)",
        literal(&exported.snapshot),
        literal(&exported.search_path),
        literal(&exported.lock_timeout)
    );
    let rows = session
        .batch(&setup)
        .and_then(|()| session.texts(sql))
        .map_err(|e| {
            log::debug!(
                "second catalog connection: {}; reading on one",
                crate::connect::summarize(&e)
            )
        })
        .ok()?;
    Some((rows, session.round_trips()))
}
