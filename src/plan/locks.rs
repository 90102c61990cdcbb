//! Seeing `out of shared memory` coming.
//!
//! Every object a transaction creates or alters stays locked until `COMMIT`,
//! and the server's lock table is finite: `max_locks_per_transaction ×
//! (max_connections + max_prepared_transactions)` entries, shared by every
//! session. Creating 10,000 tables in one transaction on a default server
//! fails halfway with `out of shared memory`. The plan knows what it touches,
//! so it estimates the locks it will hold and refuses up front, naming the
//! setting to raise, instead of failing after minutes of work.

use crate::catalog::Server;
use crate::change::{Change, Statement};
use crate::diff::Refusal;
use std::collections::BTreeSet;

/// Locks held until commit by statements that create things, beyond the one
/// lock on the object they name. Measured with `pg_locks` on PostgreSQL 15:
/// a table with a serial primary key and a unique column holds 11 (table,
/// toast table and index, sequence, indexes); a view or a role about 1.
fn extra_locks(statement: &Statement) -> usize {
    match statement {
        Statement::Table(_) => 8,
        _ => 0,
    }
}

/// Locks the plan will hold at commit, estimated: one per distinct object
/// touched, plus what creating tables adds.
pub fn estimate(changes: &[Change]) -> usize {
    let objects: BTreeSet<&str> = changes.iter().map(|c| c.object.as_str()).collect();
    objects.len()
        + changes
            .iter()
            .map(|c| extra_locks(&c.statement))
            .sum::<usize>()
}

/// The share of the server's lock table one run may plan to use; the rest is
/// left to other sessions.
const SHARE_PERCENT: i64 = 80;

/// A refusal when `changes` would not fit in the server's lock table.
pub fn check(changes: &[Change], server: &Server) -> Option<Refusal> {
    let needed = estimate(changes) as i64;
    let size = server.lock_table_size();
    if needed * 100 <= size * SHARE_PERCENT {
        return None;
    }
    let slots = server.max_connections + server.max_prepared_transactions;
    let per_transaction = (needed * 100 / SHARE_PERCENT) / slots.max(1) + 1;
    Some(Refusal {
        object: format!("this plan ({} statements)", changes.len()),
        reason: format!(
            "it would hold about {needed} locks in one transaction, but the server's lock table has room for {size} \
             (max_locks_per_transaction {} × (max_connections {} + max_prepared_transactions {})), shared by every session; \
             it would fail part way with `out of shared memory`",
            server.max_locks_per_transaction,
            server.max_connections,
            server.max_prepared_transactions
        ),
        hint: Some(format!(
            "raise max_locks_per_transaction to at least {per_transaction} and restart the server, \
             or apply the spec in parts (nothing was changed)"
        )),
        origin: None,
    })
}
