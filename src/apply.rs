//! Stage 5, `apply`: run a plan in one transaction under an advisory lock.
//!
//! The catalog is read *after* the lock is taken, inside the same
//! transaction, so replicas of the init job that start together converge one
//! after the other instead of racing: the second finds nothing left to do.
//! All statements go to the server in one round trip; if that fails, the
//! transaction is rolled back and the statements are replayed one by one in a
//! fresh transaction (rolled back too) to name the one that failed.

use crate::catalog::Catalog;
use crate::change::Change;
use crate::diff::diff_after_create;
use crate::error::{DbFailure, Error};
use crate::plan::{self, Plan};
use crate::quote::literal;
use crate::session::Session;
use crate::spec::Spec;
use crate::verify;
use std::collections::BTreeSet;
use std::time::Duration;

/// `pg_advisory_xact_lock` key: the bytes of "pgprov" as an integer.
pub const ADVISORY_LOCK_KEY: i64 = 0x7067_7072_6f76;

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Revoke undeclared extras.
    pub prune: bool,
    /// How long to wait for another pg-provision holding the lock.
    pub lock_wait: Duration,
    /// `lock_timeout` for the statements themselves.
    pub lock_timeout: Duration,
    /// Plan only: read, diff and roll back without executing.
    pub dry_run: bool,
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// The plan that was (or would be) executed.
    pub plan: Plan,
    /// The catalog as read under the lock.
    pub catalog: Catalog,
    /// Statements executed (0 for a dry run or nothing to do).
    pub executed: usize,
}

/// Begins a transaction and takes the advisory lock.
fn begin(session: &mut Session, options: &Options) -> Result<(), postgres::Error> {
    session.batch(&format!(
        "BEGIN; SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); SET LOCAL lock_timeout = {}",
        literal(&format!("{}ms", options.lock_wait.as_millis())),
        literal(&format!("{}ms", options.lock_timeout.as_millis())),
    ))
}

/// Reads, diffs, plans and (unless a dry run) executes and verifies.
pub fn apply(session: &mut Session, spec: &Spec, options: &Options) -> Result<Outcome, Error> {
    begin(session, options).map_err(|e| statement_error(&e, None))?;
    let result = run(session, spec, options);
    match result {
        Ok(outcome) if !options.dry_run && outcome.executed > 0 => {
            session
                .batch("COMMIT")
                .map_err(|e| statement_error(&e, None))?;
            Ok(outcome)
        }
        Ok(outcome) => {
            let _ = session.batch("ROLLBACK");
            Ok(outcome)
        }
        Err(Error::Statement(failure)) if failure.statement.is_none() => {
            let _ = session.batch("ROLLBACK");
            Err(locate_failure(session, spec, options, *failure))
        }
        Err(e) => {
            let _ = session.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// At most this many passes: pass 1 creates objects; pass 2 settles owners
/// and privileges of what pass 1 created (it can only see them once they
/// exist); a third pass finding work means the plan does not converge.
const MAX_PASSES: usize = 3;

fn run(session: &mut Session, spec: &Spec, options: &Options) -> Result<Outcome, Error> {
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut executed: Vec<Change> = Vec::new();
    let mut first: Option<(Plan, Catalog)> = None;
    let mut converged = false;
    for pass in 0..MAX_PASSES {
        let catalog = crate::observe::observe(session, spec)?;
        let mut plan = plan::build_for(
            diff_after_create(spec, &catalog, &created),
            options.prune,
            &catalog.server,
        );
        if pass > 0 {
            // An unverifiable password was set in pass 1; it would plan again forever.
            plan.changes.retain(|c| c.verifiable);
        }
        if pass == 0 {
            if !plan.refusals.is_empty() && !options.dry_run {
                return Err(Error::Refused(plan.refusals));
            }
            if options.dry_run || plan.changes.is_empty() {
                return Ok(Outcome {
                    plan,
                    catalog,
                    executed: 0,
                });
            }
        } else if plan.changes.is_empty() {
            // This re-read under the same rules is the verification.
            converged = true;
            break;
        }
        for c in &plan.changes {
            log::debug!("{} ← {}", c.statement.render_redacted(), c.object);
        }
        session
            .batch(&script(&plan.changes))
            .map_err(|e| statement_error(&e, None))?;
        log::debug!(
            "pass {}: executed {} statement(s)",
            pass + 1,
            plan.changes.len()
        );
        created.extend(
            plan.changes
                .iter()
                .filter_map(|c| c.statement.created())
                .map(|n| n.to_string()),
        );
        executed.extend(plan.changes.iter().cloned());
        if first.is_none() {
            first = Some((plan, catalog));
        }
    }
    if !converged {
        verify::verify(session, spec, options.prune, &created)?;
    }
    let (mut plan, catalog) = first.expect("pass 1 executed");
    let count = executed.len();
    plan.changes = executed;
    Ok(Outcome {
        plan,
        catalog,
        executed: count,
    })
}

/// The statements of `changes` as one script.
fn script(changes: &[Change]) -> String {
    let mut s = String::new();
    for c in changes {
        s.push_str(c.statement.render().as_str());
        s.push_str(";\n");
    }
    s
}

fn statement_error(e: &postgres::Error, change: Option<&Change>) -> Error {
    let mut failure = DbFailure::from_postgres(e);
    if let Some(c) = change {
        failure.statement = Some(c.statement.render_redacted().to_string());
        failure.origin = c.origin.clone();
    }
    Error::Statement(Box::new(failure))
}

/// Replays the plan statement by statement in a throwaway transaction to find
/// which one fails; falls back to the batch error when the replay differs.
fn locate_failure(
    session: &mut Session,
    spec: &Spec,
    options: &Options,
    batch: DbFailure,
) -> Error {
    let fallback = || Error::Statement(Box::new(batch.clone()));
    if begin(session, options).is_err() {
        return fallback();
    }
    let found = (|| {
        let catalog = crate::observe::observe(session, spec).ok()?;
        let plan = plan::build(crate::diff::diff(spec, &catalog), options.prune);
        for change in &plan.changes {
            if let Err(e) = session.batch(change.statement.render().as_str()) {
                return Some(statement_error(&e, Some(change)));
            }
        }
        None
    })();
    let _ = session.batch("ROLLBACK");
    found.unwrap_or_else(fallback)
}
