//! Stage 5, `apply`: run a plan in one transaction under an advisory lock.
//!
//! The catalog is read *after* the lock is taken, inside the same
//! transaction, so replicas of the init job that start together converge one
//! after the other instead of racing: the second finds nothing left to do.
//! All statements go to the server in one round trip; if that fails, the
//! transaction is rolled back and the statements are replayed one by one in a
//! fresh transaction (rolled back too) to name the one that failed.
//!
//! A dry run (`plan`, `check`) reads in a read-only transaction and takes no
//! advisory lock: it never writes, and never waits for a running `apply`.
//! A converged `apply` finally brings pg-provision's memory up to date
//! (`catalog::memory`), in the same transaction, when it differs.

use crate::catalog::shadow::Uncompared;
use crate::catalog::{Catalog, JIT_OFF, Server};
use crate::change::{Change, Statement};
use crate::diff::diff_after_create;
use crate::error::{DbFailure, Error};
use crate::observe;
use crate::plan::{self, Plan};
use crate::quote::literal;
use crate::session::Session;
use crate::spec::Spec;
use crate::verify;
use std::collections::{BTreeMap, BTreeSet};
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
    /// Ignore pg-provision's memory: compare every expression afresh.
    pub reprobe: bool,
    /// `check`: report drift only; whether this role could carry the plan
    /// out (`plan::authority`) is `plan`'s and `apply`'s question.
    pub check: bool,
    /// How to log in as declared roles to test their passwords when
    /// `pg_authid` is unreadable (the run's own connection settings).
    pub logins: Option<crate::connect::ConnectionSettings>,
    /// The spec's stamp key, when a converged run may record its stamp
    /// (see `crate::stamp`).
    pub stamp: Option<String>,
}

/// How `plan` and `check` read: one snapshot, and the server refuses any write.
pub const BEGIN_READ_ONLY: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// The plan that was (or would be) executed.
    pub plan: Plan,
    /// The server, as read.
    pub server: Server,
    /// Statements executed (0 for a dry run or nothing to do).
    pub executed: usize,
    /// Spec expressions (and seed rows) that could not be compared, by
    /// probe key, with the reason.
    pub uncompared: BTreeMap<String, Uncompared>,
    /// Rows of pg-provision's memory written (`None`: nothing to write, or
    /// not writable here).
    pub remembered: Option<usize>,
    /// What the run did with the in-sync stamp (`crate::stamp`).
    pub stamp: crate::stamp::Use,
}

/// Begins a transaction: for a dry run read-only, otherwise under the
/// advisory lock.
pub(crate) fn begin(session: &mut Session, options: &Options) -> Result<(), postgres::Error> {
    let timeout = literal(&format!("{}ms", options.lock_timeout.as_millis()));
    if options.dry_run {
        return session.batch(&format!(
            "{JIT_OFF}; SET lock_timeout = {timeout}; {BEGIN_READ_ONLY}"
        ));
    }
    session.batch(&format!(
        "{JIT_OFF}; BEGIN; SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); SET LOCAL lock_timeout = {timeout}",
        literal(&format!("{}ms", options.lock_wait.as_millis())),
    ))
}

/// Reads, diffs, plans and (unless a dry run) executes and verifies.
pub fn apply(session: &mut Session, spec: &Spec, options: &Options) -> Result<Outcome, Error> {
    begin(session, options).map_err(|e| statement_error(&e, None))?;
    finish(session, spec, options, None)
}

/// [`apply`] on a session a [`crate::prefetch`] thread began, with the
/// catalog it read (used if its scope is the spec's).
pub fn apply_started(
    session: &mut Session,
    begun: Result<(), postgres::Error>,
    prefetched: Option<crate::prefetch::Prefetched>,
    spec: &Spec,
    options: &Options,
) -> Result<Outcome, Error> {
    begun.map_err(|e| statement_error(&e, None))?;
    finish(session, spec, options, prefetched)
}

/// Runs in the begun transaction, then commits or rolls back.
fn finish(
    session: &mut Session,
    spec: &Spec,
    options: &Options,
    prefetched: Option<crate::prefetch::Prefetched>,
) -> Result<Outcome, Error> {
    let result = run(session, spec, options, prefetched);
    match result {
        Ok(outcome)
            if !options.dry_run
                && (outcome.executed > 0
                    || outcome.remembered.is_some()
                    || outcome.stamp == crate::stamp::Use::Written) =>
        {
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

fn observe_options(options: &Options) -> observe::Options {
    observe::Options {
        read_only: options.dry_run,
        use_memory: !options.reprobe,
    }
}

fn run(
    session: &mut Session,
    spec: &Spec,
    options: &Options,
    mut prefetched: Option<crate::prefetch::Prefetched>,
) -> Result<Outcome, Error> {
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut executed: Vec<Change> = Vec::new();
    let mut first: Option<(Plan, Server, BTreeMap<String, Uncompared>)> = None;
    let mut previous: Option<Catalog> = None;
    let mut last: Option<Catalog> = None;
    let mut logins: Option<BTreeMap<String, bool>> = None;
    // The verification found nothing left, not even an extra.
    let mut converged = false;
    let mut stamped = crate::stamp::Use::Unused;
    for pass in 0..MAX_PASSES {
        let mut catalog = observe::observe_prefetched(
            session,
            spec,
            observe_options(options),
            previous.as_ref(),
            prefetched.take(),
        )?;
        if let Some(settings) = &options.logins
            && !catalog.server.authid_readable
        {
            let checks = logins.get_or_insert_with(|| login_checks(spec, &catalog, settings));
            catalog.password_checks = checks.clone();
        }
        let mut plan = plan::build_for(
            diff_after_create(spec, &catalog, &created),
            options.prune,
            &catalog.server,
        );
        if pass > 0 {
            // An unverifiable password was set in pass 1; it would plan again forever.
            plan.changes.retain(|c| c.verifiable);
        }
        if !options.check {
            plan::authority::settle(&mut plan, &catalog);
        }
        if pass > 0 && !plan.refusals.is_empty() {
            return Err(Error::Refused(plan.refusals));
        }
        if !options.dry_run && !catalog.uncompared.is_empty() {
            // `apply` converges only what it could compare; not this.
            return Err(Error::Refused(
                catalog
                    .uncompared
                    .values()
                    .map(|u| crate::diff::Refusal {
                        object: u.what.clone(),
                        reason: format!("it could not be compared: {}", u.reason),
                        hint: None,
                        origin: None,
                    })
                    .collect(),
            ));
        }
        if pass == 0 {
            if !plan.refusals.is_empty() && !options.dry_run {
                return Err(Error::Refused(plan.refusals));
            }
            if options.dry_run || plan.changes.is_empty() {
                let remembered = if options.dry_run {
                    None
                } else {
                    let remembered = remember(session, spec, &catalog)?;
                    if in_sync(&plan, &catalog) {
                        stamped = stamp(session, spec, options, &catalog.server)?;
                    }
                    remembered
                };
                return Ok(Outcome {
                    plan,
                    server: catalog.server,
                    executed: 0,
                    uncompared: catalog.uncompared,
                    remembered,
                    stamp: stamped,
                });
            }
        } else if plan.changes.is_empty() {
            // This re-read under the same rules is the verification.
            converged = in_sync(&plan, &catalog);
            last = Some(catalog);
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
        if let Some(checks) = &mut logins {
            // Set in this transaction: a login from outside cannot see it yet.
            for c in &plan.changes {
                if let Statement::SetPassword { name, .. } = &c.statement {
                    checks.insert(name.clone(), true);
                }
            }
        }
        executed.extend(plan.changes.iter().cloned());
        if first.is_none() {
            first = Some((plan, catalog.server.clone(), catalog.uncompared.clone()));
        }
        previous = Some(catalog);
    }
    let last = match last {
        Some(c) => c,
        None => verify::verify(
            session,
            spec,
            options.prune,
            &created,
            observe_options(options),
            previous.as_ref(),
        )?,
    };
    let remembered = remember(session, spec, &last)?;
    if converged {
        stamped = stamp(session, spec, options, &last.server)?;
    }
    let (mut plan, server, uncompared) = first.expect("pass 1 executed");
    let count = executed.len();
    plan.changes = executed;
    Ok(Outcome {
        plan,
        server,
        executed: count,
        uncompared,
        remembered,
        stamp: stamped,
    })
}

/// Whether a full `check` would find nothing to report: no change, no
/// extra, no refusal, nothing left uncompared.
fn in_sync(plan: &Plan, catalog: &Catalog) -> bool {
    plan.changes.is_empty()
        && plan.extras.is_empty()
        && plan.refusals.is_empty()
        && catalog.uncompared.is_empty()
}

/// Records the in-sync stamp of a converged run (see `crate::stamp`).
fn stamp(
    session: &mut Session,
    spec: &Spec,
    options: &Options,
    server: &Server,
) -> Result<crate::stamp::Use, Error> {
    let Some(key) = &options.stamp else {
        return Ok(crate::stamp::Use::Unused);
    };
    let scope = observe::scope::of(spec);
    let written = crate::stamp::record(session, key, spec, &scope, server)?;
    log::debug!(
        "in-sync stamp: {}",
        if written { "written" } else { "unchanged" }
    );
    Ok(match written {
        true => crate::stamp::Use::Written,
        false => crate::stamp::Use::Unused,
    })
}

/// For each declared login with a password whose role exists and may log
/// in, whether the password matches, by logging in with it (when the
/// connected role cannot read `pg_authid`).
fn login_checks(
    spec: &Spec,
    catalog: &Catalog,
    settings: &crate::connect::ConnectionSettings,
) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for (name, role) in &spec.roles {
        let Some(secret) = &role.password else {
            continue;
        };
        if !catalog.roles.get(name).is_some_and(|r| r.login) || !role.attributes.login {
            continue;
        }
        if let Some(matches) = crate::connect::check_login(settings, name, secret.expose()) {
            log::debug!(
                "password of role `{name}` checked by logging in: {}",
                if matches { "matches" } else { "differs" }
            );
            out.insert(name.clone(), matches);
        }
    }
    out
}

/// Brings pg-provision's memory up to date with `catalog` (read at the end
/// of a converged run), when it differs and this role may write it; returns
/// the rows written.
fn remember(session: &mut Session, spec: &Spec, catalog: &Catalog) -> Result<Option<usize>, Error> {
    if catalog.memory_current {
        // What `memory_for` would give is what was read (10,000 tables:
        // a quarter of a second of hashing saved).
        return Ok(None);
    }
    let rows = observe::memory_for(spec, catalog);
    let sql = crate::catalog::memory::write_sql(&catalog.memory, &rows);
    if sql.is_empty() {
        return Ok(None);
    }
    let server = &catalog.server;
    let create = match &server.memory {
        Some(access) if access.writable => String::new(),
        Some(_) => {
            log::info!(
                "pg-provision's memory ({}) is not writable by role `{}`: not updated (later runs compare afresh what it does not answer)",
                crate::catalog::memory::table(),
                server.current_user
            );
            return Ok(None);
        }
        None if server.create_allowed => format!("{};\n", crate::catalog::memory::create_sql()),
        None => {
            log::info!(
                "role `{}` may not create schema `{}` in database `{}`: pg-provision's memory not kept (later runs compare afresh)",
                server.current_user,
                crate::catalog::scope::STATE_SCHEMA,
                server.database
            );
            return Ok(None);
        }
    };
    let changed = rows
        .iter()
        .filter(|(k, v)| catalog.memory.get(*k) != Some(*v))
        .count()
        + catalog
            .memory
            .keys()
            .filter(|k| !rows.contains_key(*k))
            .count();
    session
        .batch(&format!("{create}{sql}"))
        .map_err(|e| statement_error(&e, None))?;
    log::debug!("pg-provision's memory: {changed} row(s) written or removed");
    Ok(Some(changed))
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
        let catalog = observe::observe(session, spec, observe_options(options), None).ok()?;
        let mut plan = plan::build(crate::diff::diff(spec, &catalog), options.prune);
        plan::authority::settle(&mut plan, &catalog);
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
