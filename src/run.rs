//! One run of a command: load, connect, apply or compare, report.

use crate::apply;
use crate::config::{Command, Config};
use crate::connect::{self, ConnectionSettings};
use crate::error::{Error, exit};
use crate::prefetch::Prefetch;
use crate::report;
use crate::session::Session;
use crate::spec;
use std::time::Instant;

/// Runs `config.command`; returns the exit code for a run that did not fail.
pub fn run(config: &Config) -> Result<u8, Error> {
    let started = Instant::now();
    match &config.command {
        Command::Validate => {
            let spec = spec::load(&config.file)?;
            let lints = crate::lint::check(&spec, &config.lint);
            report::validated(&spec, &config.file, config.output, &lints)?;
            Ok(lint_exit(&lints, config, exit::OK))
        }
        Command::Lint { live } => lint(config, *live),
        Command::Schema => {
            report::schema(&spec::schema::json())?;
            Ok(exit::OK)
        }
        Command::Wait { timeout } => {
            let settings = settings(config)?;
            connect::wait(&settings, *timeout)?;
            report::ready(&settings, started.elapsed(), config.output)?;
            Ok(exit::OK)
        }
        Command::Apply { prune } | Command::Plan { prune } => converge(
            config,
            *prune,
            matches!(config.command, Command::Plan { .. }),
            started,
        ),
        Command::Check => converge(config, false, true, started),
        Command::Explain(request) => crate::explain::run(config, request),
        Command::Export {
            options,
            out,
            split,
        } => crate::export::run(config, options, out.as_deref(), split.as_deref(), started),
    }
}

fn settings(config: &Config) -> Result<ConnectionSettings, Error> {
    let env = |name: &str| std::env::var(name).ok();
    Ok(ConnectionSettings::resolve(
        config.database_url.as_deref(),
        &env,
    )?)
}

/// How `apply`, `plan` and `check` run.
fn options(
    config: &Config,
    prune: bool,
    dry_run: bool,
    settings: &ConnectionSettings,
) -> apply::Options {
    apply::Options {
        prune,
        lock_wait: config.lock_wait,
        lock_timeout: config.lock_timeout,
        dry_run,
        reprobe: config.reprobe,
        check: matches!(config.command, Command::Check),
        logins: Some(settings.clone()),
        stamp: None,
    }
}

/// `exit::DRIFT` (2) when lint findings reach `--deny`, else `code`.
fn lint_exit(lints: &crate::lint::Report, config: &Config, code: u8) -> u8 {
    if code == exit::OK && lints.denied(config.lint.deny) {
        exit::DRIFT
    } else {
        code
    }
}

/// `lint`: the spec offline, or (`live`) the connected database, with the
/// spec's allowances and API roles when the spec file exists.
fn lint(config: &Config, live: bool) -> Result<u8, Error> {
    let (lints, target) = if live {
        let spec = if config.file.exists() {
            Some(spec::load(&config.file)?)
        } else {
            None
        };
        let settings = settings(config)?;
        let client = connect::wait(&settings, config.wait_timeout)?;
        let mut session = Session::new(client);
        let lints = crate::lint::live::check(&mut session, spec.as_ref(), &config.lint)?;
        (lints, settings.describe())
    } else {
        let spec = spec::load(&config.file)?;
        let lints = crate::lint::check(&spec, &config.lint);
        (lints, format!("`{}`", config.file.display()))
    };
    let denied = lints.denied(config.lint.deny);
    report::linted(&lints, &config.file, &target, live, denied, config.output)?;
    Ok(if denied { exit::DRIFT } else { exit::OK })
}

fn converge(config: &Config, prune: bool, dry_run: bool, started: Instant) -> Result<u8, Error> {
    // While the spec parses, a second thread connects and reads the catalog
    // (see `crate::prefetch`); `prune` does not change how a run begins.
    // Bad settings are reported after the spec's own errors, as before.
    let resolved = settings(config);
    // A spec whose run found the database in sync, against a catalog that
    // has not changed since, is answered without parsing it (see
    // `crate::stamp`). `plan` prints the statements and lints: it parses.
    let stamp_key = (!config.no_stamp && !matches!(config.command, Command::Plan { .. }))
        .then(|| spec::source::read(&config.file).ok())
        .flatten()
        .map(|text| crate::stamp::key(&text));
    let mut begun = None;
    if let (Some(key), Ok(settings)) = (&stamp_key, &resolved) {
        let options = options(config, prune, dry_run, settings);
        match crate::stamp::attempt(key, settings, &options) {
            crate::stamp::Attempt::Hit {
                session,
                outcome,
                spec_prune,
            } => {
                let options = apply::Options {
                    prune: prune || spec_prune,
                    ..options
                };
                return finish_converge(config, session, *outcome, &options, None, started);
            }
            crate::stamp::Attempt::Miss { session, begun: b } => begun = Some((session, b)),
            crate::stamp::Attempt::Skipped => {}
        }
    }
    let mut prefetch = Prefetch::none();
    let spec = spec::load_outlined(&config.file, &mut |outline| {
        if let Ok(settings) = &resolved {
            let options = options(config, prune, dry_run, settings);
            prefetch = Prefetch::start(
                outline,
                settings.clone(),
                config.wait_timeout,
                options,
                begun.take(),
            );
        }
    })?;
    prefetch.release_logs();
    // `plan` lints the spec before connecting: its warnings show even when
    // the server cannot be reached.
    let lints = matches!(config.command, Command::Plan { .. })
        .then(|| crate::lint::check(&spec, &config.lint));
    if let (Some(lints), crate::config::OutputFormat::Human) = (&lints, config.output) {
        report::lint_warnings(lints, &config.file);
    }
    let settings = resolved?;
    let mut options = options(config, prune || spec.prune, dry_run, &settings);
    if !spec.databases.is_empty() {
        // Not prefetched, unless the first pass missed `databases:` (a
        // merge key brought it in): then close that connection first, so its
        // transaction (and advisory lock) cannot stand in the way.
        drop(prefetch.join());
        drop(begun);
        let code = crate::databases::converge(config, &spec, &settings, &options, lints.as_ref())?;
        return Ok(match &lints {
            Some(lints) => lint_exit(lints, config, code),
            None => code,
        });
    }
    if crate::stamp::stampable(&spec) {
        options.stamp = stamp_key;
    }
    let (session, outcome) = match prefetch.join() {
        Some(started) => {
            let started = started?;
            let mut session = started.session;
            let outcome = apply::apply_started(
                &mut session,
                started.begun,
                started.catalog,
                &spec,
                &options,
            )?;
            (session, outcome)
        }
        None => match begun {
            // Begun for the stamp, and the spec gave no outline to prefetch with.
            Some((mut session, begun)) => {
                let outcome = apply::apply_started(&mut session, begun, None, &spec, &options)?;
                (session, outcome)
            }
            None => {
                let client = connect::wait(&settings, config.wait_timeout)?;
                let mut session = Session::new(client);
                let outcome = apply::apply(&mut session, &spec, &options)?;
                (session, outcome)
            }
        },
    };
    finish_converge(config, session, outcome, &options, lints, started)
}

/// Reports a converging run's outcome; its exit code.
fn finish_converge(
    config: &Config,
    session: Session,
    outcome: apply::Outcome,
    options: &apply::Options,
    lints: Option<crate::lint::Report>,
    started: Instant,
) -> Result<u8, Error> {
    let stats = report::Stats {
        elapsed: started.elapsed(),
        round_trips: session.round_trips(),
    };
    report::outcome(
        &config.command,
        &outcome,
        options,
        &stats,
        config.output,
        lints.as_ref(),
    )?;
    let code = match config.command {
        Command::Check if outcome.plan.has_drift() => exit::DRIFT,
        Command::Plan { .. } if !outcome.plan.refusals.is_empty() => exit::FAILURE,
        _ => exit::OK,
    };
    Ok(match &lints {
        Some(lints) => lint_exit(lints, config, code),
        None => code,
    })
}
