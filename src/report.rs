//! What a run prints: data (plans, JSON) on stdout, the human summary and
//! errors on stderr. A closed stdout (`… | head`) ends output quietly.

use crate::apply::{Options, Outcome};
use crate::change::{Change, Class};
use crate::config::{Command, OutputFormat};
use crate::connect::ConnectionSettings;
use crate::diff::Refusal;
use crate::error::Error;
use crate::spec::Spec;
use crate::spec::model::Origin;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Counters of a run.
pub struct Stats {
    /// Wall time since start.
    pub elapsed: Duration,
    /// Round trips to the server.
    pub round_trips: usize,
}

/// Writes to stdout; a closed pipe is not an error.
pub fn stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

/// Writes to stderr, ignoring failures (nothing else can be done with them).
fn stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn origin_json(o: &Option<Origin>) -> Value {
    match o {
        Some(o) => json!({
            "path": o.path.as_str(),
            "line": o.at.map(|a| a.line),
            "column": o.at.map(|a| a.column),
        }),
        None => Value::Null,
    }
}

fn change_json(c: &Change) -> Value {
    json!({
        "object": c.object,
        "sql": c.statement.render_redacted().as_str(),
        "class": match c.class { Class::Converge => "converge", Class::Prune => "prune", Class::Notice => "notice" },
        "verifiable": c.verifiable,
        "origin": origin_json(&c.origin),
    })
}

fn refusal_json(r: &Refusal) -> Value {
    json!({ "object": r.object, "reason": r.reason, "hint": r.hint, "origin": origin_json(&r.origin) })
}

/// `schema`: the spec's JSON Schema, on stdout whatever the output format.
pub fn schema(text: &str) -> Result<(), Error> {
    stdout(text)
}

/// `validate` succeeded (lint findings are warnings here).
pub fn validated(
    spec: &Spec,
    file: &Path,
    format: OutputFormat,
    lints: &crate::lint::Report,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => stdout(&format!(
            "{}\n",
            json!({
                "valid": true,
                "file": file.display().to_string(),
                "roles": spec.roles.len(),
                "schemas": spec.schemas.len(),
                "extensions": spec.extensions.len(),
                "lints": crate::lint::render::json(lints),
            })
        )),
        OutputFormat::Human => {
            lint_warnings(lints, file);
            stderr(&format!(
                "{}: valid ({} roles, {} schemas, {} extensions)\n",
                file.display(),
                spec.roles.len(),
                spec.schemas.len(),
                spec.extensions.len()
            ));
            Ok(())
        }
    }
}

/// Lint findings of `validate` and `plan`: warnings on stderr, and a count,
/// when there is anything to say.
pub fn lint_warnings(lints: &crate::lint::Report, file: &Path) {
    if lints.findings.is_empty() && lints.allowed.is_empty() {
        return;
    }
    stderr(&crate::lint::render::findings(lints, Some(file)));
    stderr(&format!("lint: {}\n", crate::lint::render::counts(lints)));
}

/// The result of `lint`: findings are its data (stdout); notes and the
/// count go to stderr. `target` is the spec file or the database.
pub fn linted(
    lints: &crate::lint::Report,
    file: &Path,
    target: &str,
    live: bool,
    denied: bool,
    format: OutputFormat,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => {
            let mut value = crate::lint::render::json(lints);
            value["command"] = json!("lint");
            value["live"] = json!(live);
            value["target"] = json!(target);
            value["denied"] = json!(denied);
            stdout(&format!("{value}\n"))
        }
        OutputFormat::Human => {
            let spec_file = (!live).then_some(file);
            stdout(&crate::lint::render::findings(lints, spec_file))?;
            for note in &lints.notes {
                stderr(&format!("note: {note}\n"));
            }
            stderr(&format!(
                "lint: {} in {target}; API roles: {}\n",
                crate::lint::render::counts(lints),
                crate::lint::render::api_roles(lints)
            ));
            Ok(())
        }
    }
}

/// `wait` succeeded.
pub fn ready(
    settings: &ConnectionSettings,
    elapsed: Duration,
    format: OutputFormat,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => stdout(&format!(
            "{}\n",
            json!({ "ready": true, "target": settings.describe(), "elapsed_ms": elapsed.as_millis() as u64 })
        )),
        OutputFormat::Human => {
            stderr(&format!(
                "{} accepts connections (after {:.2}s)\n",
                settings.describe(),
                elapsed.as_secs_f64()
            ));
            Ok(())
        }
    }
}

/// The result of `apply`, `plan` or `check`.
pub fn outcome(
    command: &Command,
    outcome: &Outcome,
    options: &Options,
    stats: &Stats,
    format: OutputFormat,
    lints: Option<&crate::lint::Report>,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => stdout(&format!(
            "{}\n",
            outcome_json(command, outcome, options, stats, lints)
        )),
        OutputFormat::Human => human(command, outcome, options, stats),
    }
}

/// The name of a converging command.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Apply { .. } => "apply",
        Command::Plan { .. } => "plan",
        _ => "check",
    }
}

/// One database's outcome as JSON.
pub fn outcome_json(
    command: &Command,
    outcome: &Outcome,
    options: &Options,
    stats: &Stats,
    lints: Option<&crate::lint::Report>,
) -> serde_json::Value {
    let plan = &outcome.plan;
    let server = &outcome.server;
    json!({
        "command": command_name(command),
        "database": server.database,
        "server_version": server.version_num,
        "in_sync": !plan.has_drift(),
        "prune": options.prune,
        "changes": plan.changes.iter().map(change_json).collect::<Vec<_>>(),
        "extras": plan.extras.iter().map(change_json).collect::<Vec<_>>(),
        "refusals": plan.refusals.iter().map(refusal_json).collect::<Vec<_>>(),
        "executed": outcome.executed,
        "created": plan.created(),
        "not_compared": outcome.uncompared.values().map(|u| json!({
            "object": u.what,
            "reason": u.reason,
        })).collect::<Vec<_>>(),
        "remembered": outcome.remembered,
        "stamp": match outcome.stamp {
            crate::stamp::Use::Unused => None,
            crate::stamp::Use::Matched => Some("matched"),
            crate::stamp::Use::Written => Some("written"),
        },
        "elapsed_ms": stats.elapsed.as_millis() as u64,
        "round_trips": stats.round_trips,
        "lints": lints.map(crate::lint::render::json),
    })
}

/// Several databases (`databases:`): what happened to each, after the
/// databases created (or, in a dry run, missing).
pub fn databases(
    command: &Command,
    created: &[String],
    missing: &[String],
    outcomes: &[(String, Outcome, Stats)],
    options: &Options,
    format: OutputFormat,
    lints: Option<&crate::lint::Report>,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => stdout(&format!(
            "{}\n",
            json!({
                "command": command_name(command),
                "created_databases": created,
                "missing_databases": missing,
                "in_sync": missing.is_empty() && outcomes.iter().all(|(_, o, _)| !o.plan.has_drift()),
                "databases": outcomes
                    .iter()
                    .map(|(_, o, s)| outcome_json(command, o, options, s, None))
                    .collect::<Vec<_>>(),
                "lints": lints.map(crate::lint::render::json),
            })
        )),
        OutputFormat::Human => {
            for name in created {
                stderr(&format!("created database `{name}`\n"));
            }
            for name in missing {
                let what = match command {
                    Command::Check => {
                        "drift: database `{name}` does not exist (`apply` creates it)"
                    }
                    _ => {
                        "database `{name}` does not exist: `apply` creates it (CREATE DATABASE, on its own) and then converges its content"
                    }
                };
                stderr(&format!("{}\n", what.replace("{name}", name)));
            }
            for (name, o, s) in outcomes {
                stderr(&format!("== database `{name}`\n"));
                human(command, o, options, s)?;
            }
            Ok(())
        }
    }
}

fn human(
    command: &Command,
    outcome: &Outcome,
    options: &Options,
    stats: &Stats,
) -> Result<(), Error> {
    let plan = &outcome.plan;
    let server = &outcome.server;
    let db = &server.database;
    let secs = stats.elapsed.as_secs_f64();
    match command {
        Command::Plan { .. } => {
            let mut text = format!(
                "-- pg-provision plan for database `{db}` (PostgreSQL {}): {} change(s)\n",
                server.major(),
                plan.changes.len()
            );
            for c in &plan.changes {
                text.push_str(&format!(
                    "-- {}{}\n{};\n",
                    c.object,
                    origin_suffix(&c.origin),
                    c.statement.render_redacted()
                ));
            }
            let created = plan.created();
            if !created.is_empty() {
                text.push_str(&format!(
                    "-- then, in the same transaction, once they exist: the owners and privileges of the \
                     {} object(s) created above are set to what the spec gives them (ALTER … OWNER TO, \
                     GRANT/REVOKE, computed from the catalog as it is then; `apply --output json` lists \
                     every statement it ran):\n--   {}\n",
                    created.len(),
                    created.join(", ")
                ));
            }
            if !plan.extras.is_empty() {
                text.push_str("-- undeclared extras, kept (revoked with --prune):\n");
                for c in &plan.extras {
                    text.push_str(&format!("-- {};\n", c.statement.render_redacted()));
                }
            }
            stdout(&text)?;
            refusals(plan);
            not_compared(outcome);
            stderr(&format!(
                "{} change(s) planned for `{db}` in {secs:.2}s\n",
                plan.changes.len()
            ));
        }
        Command::Check => {
            let mut text = String::new();
            for c in plan.drift_changes() {
                text.push_str(&format!(
                    "differs: {}{}\n  fix: {}\n",
                    c.object,
                    origin_suffix(&c.origin),
                    c.statement.render_redacted()
                ));
            }
            for c in &plan.extras {
                let verb = if c.class == Class::Notice {
                    "kept"
                } else {
                    "prune"
                };
                text.push_str(&format!(
                    "undeclared: {}\n  {verb}: {}\n",
                    c.object,
                    c.statement.render_redacted()
                ));
            }
            stdout(&text)?;
            refusals(plan);
            not_compared(outcome);
            let unverifiable = plan.changes.iter().filter(|c| !c.verifiable).count();
            if unverifiable > 0 {
                stderr(&format!(
                    "note: {unverifiable} password(s) cannot be compared (pg_authid is not readable by `{}`)\n",
                    server.current_user
                ));
            }
            if plan.has_drift() {
                stderr(&format!(
                    "drift: `{db}` differs from the spec: {} change(s) pending, {} undeclared extra(s), {} refusal(s)\n",
                    plan.drift_changes().count(),
                    plan.extras.len(),
                    plan.refusals.len()
                ));
            } else if outcome.stamp == crate::stamp::Use::Matched {
                stderr(&format!(
                    "in sync: `{db}` matches the spec: its catalog is as the last converged apply left it ({secs:.2}s)\n"
                ));
            } else if outcome.uncompared.is_empty() {
                stderr(&format!("in sync: `{db}` matches the spec ({secs:.2}s)\n"));
            } else {
                stderr(&format!(
                    "in sync: `{db}` matches the spec in everything compared; {} item(s) not compared, see above ({secs:.2}s)\n",
                    outcome.uncompared.len()
                ));
            }
        }
        _ => {
            let mut text = String::new();
            for c in &plan.changes {
                text.push_str(&format!("  {}\n", c.statement.render_redacted()));
            }
            text.push_str(&format!(
                "applied {} change(s) to `{db}` in {secs:.2}s ({} round trips){}\n",
                outcome.executed,
                stats.round_trips,
                if outcome.executed > 0 {
                    ", verified"
                } else if outcome.stamp == crate::stamp::Use::Matched {
                    "; its catalog is as the last converged apply left it"
                } else {
                    ""
                }
            ));
            if let Some(n) = outcome.remembered {
                text.push_str(&format!(
                    "pg-provision's memory: {n} entry(ies) written or removed (how this server prints the spec's expressions; a cache)\n"
                ));
            }
            if !plan.extras.is_empty() && !options.prune {
                text.push_str(&format!(
                    "kept {} undeclared extra(s) (run `apply --prune` to revoke):\n",
                    plan.extras.len()
                ));
                for c in &plan.extras {
                    text.push_str(&format!("  {}\n", c.object));
                }
            }
            stderr(&text);
        }
    }
    Ok(())
}

/// What a read-only run could not compare (locked tables, missing rights).
fn not_compared(outcome: &Outcome) {
    for u in outcome.uncompared.values() {
        stderr(&format!("not compared: {}: {}\n", u.what, u.reason));
    }
}

fn refusals(plan: &crate::plan::Plan) {
    for r in &plan.refusals {
        let mut text = format!("refused: {}: {}\n", r.object, r.reason);
        if let Some(o) = &r.origin {
            text.push_str(&format!("  declared at {o}\n"));
        }
        if let Some(h) = &r.hint {
            text.push_str(&format!("  hint: {h}\n"));
        }
        stderr(&text);
    }
}

fn origin_suffix(o: &Option<Origin>) -> String {
    o.as_ref().map(|o| format!(" ({o})")).unwrap_or_default()
}

/// Prints a failed run's error.
pub fn error(e: &Error, format: OutputFormat) {
    if let OutputFormat::Json = format {
        let _ = stdout(&format!(
            "{}\n",
            json!({ "error": e.to_string(), "exit_code": e.exit_code() })
        ));
    }
    stderr(&format!("error: {e}\n"));
}
