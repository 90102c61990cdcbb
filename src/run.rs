//! One run of a command: load, connect, apply or compare, report.

use crate::apply;
use crate::config::{Command, Config};
use crate::connect::{self, ConnectionSettings};
use crate::error::{Error, exit};
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
            report::validated(&spec, &config.file, config.output)?;
            Ok(exit::OK)
        }
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
    }
}

fn settings(config: &Config) -> Result<ConnectionSettings, Error> {
    let env = |name: &str| std::env::var(name).ok();
    Ok(ConnectionSettings::resolve(
        config.database_url.as_deref(),
        &env,
    )?)
}

fn converge(config: &Config, prune: bool, dry_run: bool, started: Instant) -> Result<u8, Error> {
    let spec = spec::load(&config.file)?;
    let settings = settings(config)?;
    let client = connect::wait(&settings, config.wait_timeout)?;
    let mut session = Session::new(client);
    let options = apply::Options {
        prune: prune || spec.prune,
        lock_wait: config.lock_wait,
        lock_timeout: config.lock_timeout,
        dry_run,
    };
    let outcome = apply::apply(&mut session, &spec, &options)?;
    let stats = report::Stats {
        elapsed: started.elapsed(),
        round_trips: session.round_trips(),
    };
    report::outcome(&config.command, &outcome, &options, &stats, config.output)?;
    Ok(match config.command {
        Command::Check if outcome.plan.has_drift() => exit::DRIFT,
        Command::Plan { .. } if !outcome.plan.refusals.is_empty() => exit::FAILURE,
        _ => exit::OK,
    })
}
