//! Reading the live state for a spec: the catalog (in the spec's scope),
//! then the spec's expressions as the server prints them. Used by `apply`,
//! `plan`, `check` and `verify`.
//!
//! The cheap path — what every run that finds nothing to change takes — reads
//! the catalog in one round trip, without printing any expression (no lock
//! on any user table), and finds every answer in pg-provision's memory with
//! the live objects' fingerprints unchanged. Whatever the memory does not
//! settle costs more, in this order: printing the live texts of the objects
//! concerned (one round trip; a `check` skips objects another session holds
//! locked), deriving answers for objects this run itself just created or
//! compared, and probing the rest through scratch objects (one round trip,
//! in savepoints; needs TEMPORARY).

mod memo;
pub mod scope;
pub mod subject;

use crate::catalog::memory::{Memory, Row};
use crate::catalog::shadow::{self, Probe, Subject, Uncompared};
use crate::catalog::{self, Catalog, CatalogError};
use crate::session::Session;
use crate::spec::Spec;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use subject::Target;

/// How a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// `check` and `plan`: the transaction is read-only, objects another
    /// session holds locked are not waited for (they are left uncompared),
    /// and seed rows the connected role cannot see whole are not compared.
    pub read_only: bool,
    /// Use pg-provision's memory (off: probe everything, `--reprobe`).
    pub use_memory: bool,
}

/// The catalog plus canonical forms of the spec's expressions. `previous`
/// is the catalog the previous pass of this run read, before it executed
/// its statements: subjects it compared, and subjects that did not exist
/// then (this run created them from the spec), now equal the spec by
/// construction, so their answers are derived from the live catalog instead
/// of probed.
pub fn observe(
    session: &mut Session,
    spec: &Spec,
    options: Options,
    previous: Option<&Catalog>,
) -> Result<Catalog, CatalogError> {
    observe_prefetched(session, spec, options, previous, None)
}

/// [`observe`] starting from a catalog [`crate::prefetch`] read, when it
/// was read for the spec's scope (else the catalog is read again). A
/// prefetched read that failed fails the run as a read here would have:
/// its transaction is aborted.
pub fn observe_prefetched(
    session: &mut Session,
    spec: &Spec,
    options: Options,
    previous: Option<&Catalog>,
    prefetched: Option<crate::prefetch::Prefetched>,
) -> Result<Catalog, CatalogError> {
    let scope = scope::of(spec);
    let mut catalog = match prefetched {
        Some(p) if p.scope == scope || p.catalog.is_err() => p.catalog?,
        Some(_) => {
            log::debug!("the spec points beyond the schemas it declares: catalog read again");
            catalog::read(session, &scope)?
        }
        None => catalog::read(session, &scope)?,
    };
    let probes = crate::diff::probes(spec, &catalog);
    let context = memo::Context::new(&catalog);

    // 1. What the memory settles, and what needs texts.
    let mut need_texts: BTreeSet<Target> = BTreeSet::new();
    let mut derive: Vec<&Probe> = Vec::new();
    let mut to_probe: Vec<&Probe> = Vec::new();
    let mut data: Vec<&Probe> = Vec::new();
    // Each probe's key, and whether the live object still has the
    // fingerprint it had when remembered: hashing and printing, one probe
    // independent of another, so spread over the cores.
    let looked_up = crate::parallel::map(&probes, |p| {
        let key = memo::key(&catalog, p, &context)?;
        let unchanged = options
            .use_memory
            .then(|| catalog.memory.get(&key))
            .flatten()
            .is_some_and(|row| {
                subject::fingerprint(&p.subject, &catalog).as_deref() == Some(&row.fp)
            });
        Some((key, unchanged))
    });
    let mut settled: BTreeSet<String> = BTreeSet::new();
    let mut all_settled = true;
    for (p, looked_up) in probes.iter().zip(looked_up) {
        let Some((key, unchanged)) = looked_up else {
            data.push(p);
            continue;
        };
        let target = subject::target(&p.subject, &catalog);
        let remembered = options
            .use_memory
            .then(|| catalog.memory.get(&key).cloned())
            .flatten();
        // Settled: remembered, and the live object's fingerprint is the one
        // it had when found equal — nothing to print, nothing to probe.
        if let Some(row) = &remembered
            && unchanged
            && subject::hydrate(&p.subject, &row.live, &mut catalog)
        {
            catalog.canonical.insert(p.key.clone(), row.answer.clone());
            settled.insert(key);
            continue;
        }
        all_settled = false;
        let derivable = previous.is_some_and(|prev| {
            prev.canonical.contains_key(&p.key) || !subject::exists(&p.subject, prev)
        });
        if derivable {
            need_texts.extend(target);
            derive.push(p);
            continue;
        }
        match remembered {
            // Known how the spec's text prints; the live object changed:
            // print it to compare, no probe.
            Some(row) => {
                catalog.canonical.insert(p.key.clone(), row.answer.clone());
                need_texts.extend(target);
            }
            None => {
                need_texts.extend(target);
                to_probe.push(p);
            }
        }
    }

    // Nothing for `apply` to remember: every row read was used as is.
    catalog.memory_current = all_settled && settled.len() == catalog.memory.len();
    // 2. Print what must be printed.
    let read = read_texts(session, &mut catalog, &need_texts, options.read_only)?;
    for p in &probes {
        if let Some(t) = subject::target(&p.subject, &catalog)
            && need_texts.contains(&t)
            && !read.contains(&t)
        {
            catalog.canonical.remove(&p.key);
            uncompared(
                &mut catalog,
                p,
                "another session holds the table locked (ACCESS EXCLUSIVE); not waited for".into(),
            );
        }
    }

    // 3. Derive what this run made equal.
    for p in derive {
        if catalog.uncompared.contains_key(&p.key) {
            continue;
        }
        if let Some((answer, _)) = subject::derive(&p.subject, &catalog) {
            catalog.canonical.insert(p.key.clone(), answer.into());
        }
    }

    // 4. Probe the rest.
    let (act_as, temporary) = crate::plan::authority::probe_roles(&catalog);
    let act = (!act_as.is_empty()).then(|| {
        crate::plan::authority::act_as_sql(
            &act_as,
            &catalog.server.current_user,
            catalog.server.major() >= 16,
        )
    });
    let mut run: Vec<Probe> = Vec::new();
    for p in to_probe {
        if catalog.uncompared.contains_key(&p.key) {
            continue;
        }
        if let Some(answer) = written_as_printed(p, spec, &catalog) {
            catalog.canonical.insert(p.key.clone(), answer.into());
            continue;
        }
        if !temporary {
            let server = catalog.server.clone();
            uncompared(
                &mut catalog,
                p,
                format!(
                    "comparing it needs a scratch copy in `pg_temp`, and role `{}` lacks TEMPORARY on database `{}` \
                     (no remembered form: pg-provision remembers forms when `apply` runs)",
                    server.current_user, server.database
                ),
            );
            continue;
        }
        run.push(p.clone());
    }
    let mut as_owner: Vec<Probe> = Vec::new();
    let mut owned: Vec<Probe> = Vec::new();
    let mut owned_tables: Vec<(String, String)> = Vec::new();
    for p in data {
        if options.read_only {
            match unreadable(p, &catalog) {
                Some(reason) => uncompared(&mut catalog, p, reason),
                None => run.push(p.clone()),
            }
        } else if let Subject::Data { schema, table } = &p.subject
            && !catalog.server.superuser
        {
            owned_tables.push((schema.clone(), table.clone()));
            as_owner.push(p.clone());
        } else {
            run.push(p.clone());
        }
    }
    if !as_owner.is_empty() {
        // Not superuser: rows of tables it cannot read whole as itself are
        // read with their owners' identity, in a savepoint rolled back after.
        let (frame, refused) = crate::plan::authority::read_as_owners(&catalog, &owned_tables);
        for p in as_owner {
            let Subject::Data { schema, table } = &p.subject else {
                continue;
            };
            match refused
                .iter()
                .find(|(t, _)| t.0 == *schema && t.1 == *table)
            {
                Some((_, reason)) => uncompared(&mut catalog, &p, reason.clone()),
                None if frame.is_none() => run.push(p),
                None => owned.push(p),
            }
        }
        if let Some((before, after)) = &frame
            && !owned.is_empty()
        {
            session.batch(before)?;
            let answers = shadow::probe(session, &owned)?;
            session.batch(after)?;
            catalog.canonical.extend(shared(answers));
        }
    }
    let (ddl, rows): (Vec<Probe>, Vec<Probe>) = run.into_iter().partition(Probe::is_ddl);
    let mut answers = shared(shadow::probe(session, &rows)?);
    // Same-shaped tables ask the same question: probe one of each shape,
    // and probe the others too only if its answer names its table.
    let (leaders, followers) = memo::share(&catalog, &ddl, &context);
    let frame = Frame {
        read_only: options.read_only,
        act: act.as_deref(),
    };
    let led = shared(frame.probe(session, &leaders)?);
    let mut again: Vec<Probe> = Vec::new();
    for (p, leader) in followers {
        match led.get(&leader.key) {
            Some(answer) if !leader.named_in(answer) => {
                answers.insert(p.key.clone(), answer.clone());
            }
            _ => again.push(p.clone()),
        }
    }
    if !leaders.is_empty() {
        log::debug!(
            "probed {} scratch questions for {} subjects ({} probed again: their answers name their tables)",
            leaders.len(),
            ddl.len(),
            again.len()
        );
    }
    answers.extend(led);
    answers.extend(shared(frame.probe(session, &again)?));
    catalog.canonical.extend(answers);
    Ok(catalog)
}

/// Answers as `Catalog::canonical` holds them.
fn shared(answers: BTreeMap<String, String>) -> BTreeMap<String, Arc<str>> {
    answers.into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// How DDL probes run in this transaction.
struct Frame<'a> {
    /// A read-only transaction refuses even temporary tables: probe in a
    /// throwaway read-write one, then resume read-only for the caller.
    read_only: bool,
    /// Not superuser: the statements acting for the schemas' owners while
    /// probing (see `plan::authority::probe_roles`).
    act: Option<&'a str>,
}

impl Frame<'_> {
    fn probe(
        &self,
        session: &mut Session,
        probes: &[Probe],
    ) -> Result<BTreeMap<String, String>, CatalogError> {
        if probes.is_empty() {
            return Ok(BTreeMap::new());
        }
        if self.read_only {
            session.batch("ROLLBACK; BEGIN")?;
            if let Some(act) = self.act {
                session.batch(act)?;
            }
            let answers = shadow::probe(session, probes)?;
            session.batch(&format!("ROLLBACK; {}", crate::apply::BEGIN_READ_ONLY))?;
            Ok(answers)
        } else if let Some(act) = self.act {
            // In a savepoint rolled back after.
            session.batch(&format!("SAVEPOINT pg_provision_act; {act}"))?;
            let answers = shadow::probe(session, probes)?;
            session.batch(
                "ROLLBACK TO SAVEPOINT pg_provision_act; RELEASE SAVEPOINT pg_provision_act",
            )?;
            Ok(answers)
        } else {
            shadow::probe(session, probes)
        }
    }
}

fn uncompared(catalog: &mut Catalog, p: &Probe, reason: String) {
    catalog.uncompared.insert(
        p.key.clone(),
        Uncompared {
            what: p.subject.label(),
            reason,
        },
    );
}

/// Prints the texts of `targets` into `catalog`; returns the targets read
/// (with `skip_locked`, locked ones are not).
fn read_texts(
    session: &mut Session,
    catalog: &mut Catalog,
    targets: &BTreeSet<Target>,
    skip_locked: bool,
) -> Result<BTreeSet<Target>, CatalogError> {
    let tables: Vec<u32> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Table(oid) => Some(*oid),
            Target::View(_) => None,
        })
        .collect();
    let views: Vec<u32> = targets
        .iter()
        .filter_map(|t| match t {
            Target::View(oid) => Some(*oid),
            Target::Table(_) => None,
        })
        .collect();
    let texts = catalog::read_texts(session, &tables, &views, skip_locked)?;
    let mut read = BTreeSet::new();
    for t in texts.tables {
        read.insert(Target::Table(t.oid));
        let key = (t.schema.clone(), t.name.clone());
        catalog.security.policies.remove(&key);
        catalog.security.triggers.remove(&key);
        catalog.tables.insert(key, t.shape);
    }
    for (key, policies) in texts.security.policies {
        catalog.security.policies.insert(key, policies);
    }
    for (key, triggers) in texts.security.triggers {
        catalog.security.triggers.insert(key, triggers);
    }
    for v in texts.views {
        read.insert(Target::View(v.oid));
        catalog
            .view_definitions
            .insert((v.schema.clone(), v.name.clone()), v);
    }
    Ok(read)
}

/// A policy whose live expressions print exactly as the spec writes them
/// needs no probe: the answer is the spec's text.
fn written_as_printed(p: &Probe, spec: &Spec, catalog: &Catalog) -> Option<String> {
    let Subject::Policy {
        schema,
        table,
        name,
    } = &p.subject
    else {
        return None;
    };
    let want = spec
        .schemas
        .get(schema)?
        .objects
        .get(&(crate::privilege::ObjectKind::Table, table.clone()))?
        .security
        .policies
        .get(name)?;
    let have = catalog
        .security
        .policies
        .get(&(schema.clone(), table.clone()))?
        .get(name)?;
    (have.using == want.using && have.with_check == want.with_check)
        .then(|| serde_json::json!([want.using, want.with_check]).to_string())
}

/// Why a `check` cannot read a data probe's rows whole, if it cannot:
/// another session holds the table locked, the role may not `SELECT`, or
/// row-level security would hide rows from it.
fn unreadable(p: &Probe, catalog: &Catalog) -> Option<String> {
    let Subject::Data { schema, table } = &p.subject else {
        return None;
    };
    let key = (schema.clone(), table.clone());
    let relation = catalog.relations.get(&key)?;
    let role = &catalog.server.current_user;
    if catalog.locked.contains(&relation.oid) {
        return Some(
            "another session holds the table locked (ACCESS EXCLUSIVE); not waited for".into(),
        );
    }
    if !relation.selectable {
        return Some(format!(
            "reading its rows needs SELECT on `{schema}.{table}`, which role `{role}` lacks"
        ));
    }
    let (enabled, forced) = catalog.security.rls(schema, table);
    let bypass = catalog.server.superuser
        || catalog.roles.get(role).is_some_and(|r| r.bypassrls)
        || (relation.owner == *role && !forced);
    if enabled && !bypass {
        return Some(format!(
            "row-level security on `{schema}.{table}` would hide rows from role `{role}`"
        ));
    }
    None
}

/// What pg-provision's memory should hold once `catalog` (read at the end
/// of a converged run, every subject's texts known) is what the spec says.
/// Uncompared subjects keep whatever was remembered for them.
pub fn memory_for(spec: &Spec, catalog: &Catalog) -> Memory {
    let context = memo::Context::new(catalog);
    let probes = crate::diff::probes(spec, catalog);
    // Keys, answers and fingerprints: independent per probe (see `observe`).
    let rows = crate::parallel::map(&probes, |p| {
        let key = memo::key(catalog, p, &context)?;
        if catalog.uncompared.contains_key(&p.key) {
            let old = catalog.memory.get(&key)?.clone();
            return Some((key, old));
        }
        let (answer, live) = subject::derive(&p.subject, catalog)?;
        let fp = subject::fingerprint(&p.subject, catalog)?;
        Some((
            key,
            Row {
                answer: answer.into(),
                live,
                fp,
            },
        ))
    });
    rows.into_iter().flatten().collect()
}

/// Counts by source of the answers, for logs.
pub fn summary(catalog: &Catalog) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("answers", catalog.canonical.len()),
        ("uncompared", catalog.uncompared.len()),
        ("remembered", catalog.memory.len()),
    ])
}
