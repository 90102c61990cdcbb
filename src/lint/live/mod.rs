//! `lint --live`: the lints that make sense on a database, run against the
//! connected database's catalog.
//!
//! In: a [`Session`], the spec when there is one (for its `lint:` allowances
//! and API roles), the command-line options. Out: a [`Report`] whose findings
//! name objects (there is no spec line to point at). Two round trips, a
//! fixed number of statements, whatever the size of the database; read-only.
//! `differs-by-major` does not run here: a database is one major.

pub mod checks;
pub mod queries;

use super::{Options, Report, apply_allowances};
use crate::catalog::{CatalogError, decode};
use crate::session::Session;
use crate::spec::Spec;
use crate::spec::lint::LintSettings;
use checks::Catalog;
use serde::Deserialize;

/// Statements sent by one [`check`] (the server facts, then the batch).
pub const QUERY_COUNT: usize = 11;

#[derive(Debug, Deserialize)]
struct Server {
    authid_readable: bool,
}

/// Lints the connected database.
pub fn check(
    session: &mut Session,
    spec: Option<&Spec>,
    options: &Options,
) -> Result<Report, CatalogError> {
    let server: Server = decode(
        "server",
        session.texts(queries::SERVER)?.into_iter().next().flatten(),
    )?;
    let mut extra: Vec<(String, String)> = Vec::new();
    if let Some(spec) = spec {
        for r in &spec.lint.api_roles {
            extra.push((r.name.clone(), "listed in `lint.api_roles`".into()));
        }
    }
    for r in &options.api_roles {
        extra.push((r.clone(), "named with `--api-role`".into()));
    }
    let batch = [
        queries::api_roles(&extra),
        queries::roles(server.authid_readable),
        queries::tables(&extra),
        queries::views(&extra),
        queries::functions(&extra),
        queries::EXTENSIONS_IN_PUBLIC.to_string(),
        queries::policies(&extra),
        queries::inserts_without_sequence(),
        queries::DEFAULT_ACLS_NEVER_FIRE.to_string(),
        queries::grants_without_usage(),
    ];
    debug_assert_eq!(batch.len() + 1, QUERY_COUNT);
    // One more statement, no row: see `catalog::JIT_OFF`.
    let sql = format!("{};\n{}", crate::catalog::JIT_OFF, batch.join(";\n"));
    let mut rows = session.texts(&sql)?.into_iter();
    let mut next = || rows.next().flatten();
    let catalog = Catalog {
        api_roles: decode("api roles", next())?,
        roles: decode("roles", next())?,
        tables: decode("tables", next())?,
        views: decode("views", next())?,
        functions: decode("functions", next())?,
        extensions_in_public: decode("extensions", next())?,
        policies: decode("policies", next())?,
        inserts: decode("sequences behind inserts", next())?,
        default_acls: decode("default privileges", next())?,
        grants_without_usage: decode("grants", next())?,
    };
    let mut report = Report {
        api_roles: catalog.api_roles.clone(),
        ..Report::default()
    };
    if !server.authid_readable {
        report.notes.push(
            "login-without-password was not checked: the connected role cannot read `pg_authid` (connect as a superuser to check it)".into(),
        );
    }
    let findings = checks::all(&catalog);
    let none = LintSettings::default();
    apply_allowances(
        &mut report,
        findings,
        spec.map(|s| &s.lint).unwrap_or(&none),
        options,
    );
    Ok(report)
}
