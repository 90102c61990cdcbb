//! `pg-provision explain ROLE [OBJECT]`: what a role can do in the database
//! — effective privileges as the server decides them — and why, each traced
//! to its source; row-level security; default privileges; gaps.
//!
//! In: a [`landscape::Landscape`], read from the live catalog ([`live`], one
//! round trip) or derived from the spec alone ([`offline`], `--spec`: the
//! state `apply` would produce). Then, pure: the role's membership graph
//! ([`memberships`]), each object's privileges ([`evaluate`]), row-level
//! security ([`rls`]), default privileges ([`future`]), gaps ([`gaps`]),
//! assembled in [`report`] for the part [`target`] selects, and printed by
//! [`render`] (people, stderr) or as JSON (stdout).

pub mod evaluate;
pub mod future;
pub mod gaps;
pub mod landscape;
pub mod live;
pub mod memberships;
pub mod offline;
pub mod render;
pub mod report;
pub mod rls;
pub mod target;

#[cfg(test)]
mod tests;

use crate::config::{Config, OutputFormat};
use crate::connect::{self, ConnectionSettings};
use crate::error::{Error, exit};
use crate::session::Session;
use landscape::Landscape;
use report::Report;
use std::io::Write;

/// The oldest PostgreSQL major `explain` knows the rules of.
pub const OLDEST_MAJOR: u32 = 14;
/// The newest; `--spec` assumes it unless told otherwise.
pub const NEWEST_MAJOR: u32 = 18;

/// What was asked on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The role to explain.
    pub role: String,
    /// `OBJECT`, as written.
    pub object: Option<String>,
    /// Answer from the spec alone.
    pub spec: bool,
    /// `--server-major`.
    pub server_major: Option<u32>,
    /// `--schema` filters (empty: every schema).
    pub schemas: Vec<String>,
}

/// Explains `role` in `landscape`, for `object` (everything when `None`)
/// in `schemas` (every schema when empty). Errors are usage errors: a role
/// or object that is not there, with a hint.
pub fn explain(
    landscape: &Landscape,
    role: &str,
    object: Option<&str>,
    schemas: &[String],
) -> Result<Report, String> {
    if !landscape.roles.contains_key(role) && !role.starts_with("pg_") {
        let hint = match landscape.origin {
            landscape::Origin::Live => "roles are case-sensitive; `\\du` in psql lists them",
            landscape::Origin::Spec => {
                "explain a role the spec declares under `roles:` or lists under `external_roles:`"
            }
        };
        let place = match landscape.origin {
            landscape::Origin::Live => "does not exist",
            landscape::Origin::Spec => "is not in the spec",
        };
        return Err(format!("role `{role}` {place}\n  hint: {hint}"));
    }
    for s in schemas {
        if !landscape.schemas.iter().any(|o| &o.name == s) {
            return Err(format!(
                "no schema `{s}` in scope\n  hint: schemas: {}",
                landscape
                    .schemas
                    .iter()
                    .map(|o| format!("`{}`", o.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let target = target::resolve(object, landscape)?;
    Ok(report::build(landscape, role, &target, schemas))
}

/// Runs the `explain` command.
pub fn run(config: &Config, request: &Request) -> Result<u8, Error> {
    if let Some(major) = request.server_major
        && !(OLDEST_MAJOR..=NEWEST_MAJOR).contains(&major)
    {
        return Err(Error::Usage(format!(
            "--server-major {major}: explain knows PostgreSQL {OLDEST_MAJOR} to {NEWEST_MAJOR}"
        )));
    }
    let landscape = if request.spec {
        let spec = crate::spec::load(&config.file)?;
        // With a URL: its database's name, and (unless told) its server's rules.
        let (major, database) = match &config.database_url {
            Some(_) => {
                let settings = settings(config)?;
                let major = match request.server_major {
                    Some(m) => m,
                    None => server_major(&settings, config)?,
                };
                (major, settings.database().to_string())
            }
            None => (
                request.server_major.unwrap_or(NEWEST_MAJOR),
                "(connected database)".to_string(),
            ),
        };
        // With `databases:`, the database the URL names (else the first).
        let (spec, database) = if spec.databases.is_empty() {
            (spec, database)
        } else {
            let name = if spec.databases.contains_key(&database) {
                database
            } else {
                spec.databases.keys().next().cloned().unwrap_or(database)
            };
            (spec.for_database(&name).unwrap_or(spec), name)
        };
        offline::landscape(&spec, major, &database)
    } else {
        let settings = settings(config)?;
        let client = connect::wait(&settings, config.wait_timeout)?;
        let mut session = Session::new(client);
        live::read(&mut session)?
    };
    let report = explain(
        &landscape,
        &request.role,
        request.object.as_deref(),
        &request.schemas,
    )
    .map_err(Error::Usage)?;
    match config.output {
        OutputFormat::Json => {
            let text = serde_json::to_string(&report)
                .map_err(|e| Error::Output(std::io::Error::other(e)))?;
            stdout(&format!("{text}\n"))?;
        }
        OutputFormat::Human => {
            let _ = std::io::stderr()
                .lock()
                .write_all(render::render(&report).as_bytes());
        }
    }
    Ok(exit::OK)
}

fn settings(config: &Config) -> Result<ConnectionSettings, Error> {
    let env = |name: &str| std::env::var(name).ok();
    Ok(ConnectionSettings::resolve(
        config.database_url.as_deref(),
        &env,
    )?)
}

/// The major version of the server at `settings` (for `--spec` with a URL).
fn server_major(settings: &ConnectionSettings, config: &Config) -> Result<u32, Error> {
    let client = connect::wait(settings, config.wait_timeout)?;
    let mut session = Session::new(client);
    let rows = session
        .texts("SELECT current_setting('server_version_num')")
        .map_err(|e| Error::Catalog(crate::catalog::CatalogError::Query(e)))?;
    let num: u32 = rows
        .first()
        .cloned()
        .flatten()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            Error::Catalog(crate::catalog::CatalogError::Decode {
                what: "server version",
                detail: "not a number".into(),
            })
        })?;
    Ok((num / 10_000).clamp(OLDEST_MAJOR, NEWEST_MAJOR))
}

/// Writes to stdout; a closed pipe (`… | head`) is not an error.
fn stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}
