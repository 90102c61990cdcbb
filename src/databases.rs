//! Several databases in one spec (`databases:`): create the missing ones,
//! then converge each in its own transaction, on its own connection.
//!
//! `CREATE DATABASE` cannot run inside a transaction, so "all or nothing"
//! holds per database, not across them: the missing databases are created
//! first, each by one statement of its own (a replica that loses the race
//! finds it created: `42P04` is success); then each database, in name order,
//! converges exactly as a one-database spec does — roles, its owner and
//! privileges, its content — in one transaction under its own advisory lock.
//! A failure rolls back that database's transaction and stops the run:
//! databases before it stay converged (committed), those after it are not
//! touched, and a rerun converges what is left (every step is convergent).
//! Databases are never dropped.

use crate::apply::{self, Outcome};
use crate::config::{Command, Config};
use crate::connect::{self, ConnectionSettings};
use crate::error::{Error, exit};
use crate::quote::{ident, literal};
use crate::report::{self, Stats};
use crate::session::Session;
use crate::spec::Spec;
use crate::spec::model::DatabaseSpec;
use std::collections::BTreeMap;
use std::time::Instant;

/// A database as it exists (what `CREATE DATABASE` fixed).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Existing {
    /// Name.
    pub name: String,
    /// `pg_encoding_to_char(encoding)`.
    pub encoding: String,
    /// Whether it accepts connections.
    pub allow_connections: bool,
}

const EXISTING: &str = "SELECT coalesce(json_agg(json_build_object(
  'name', d.datname, 'encoding', pg_catalog.pg_encoding_to_char(d.encoding),
  'allow_connections', d.datallowconn) ORDER BY d.datname), '[]')::text
FROM pg_catalog.pg_database d";

/// `CREATE DATABASE name [WITH …]` for a missing database (without
/// `OWNER`: the owner, a declared role perhaps not created yet, is handed
/// the database by the database's own run).
pub fn create_sql(db: &DatabaseSpec) -> String {
    let c = &db.create;
    let mut options = Vec::new();
    let mut text = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            options.push(format!("{key} {}", literal(v)));
        }
    };
    text("ENCODING", &c.encoding);
    text("LOCALE", &c.locale);
    text("LC_COLLATE", &c.lc_collate);
    text("LC_CTYPE", &c.lc_ctype);
    text("ICU_LOCALE", &c.icu_locale);
    if let Some(p) = &c.locale_provider {
        options.push(format!("LOCALE_PROVIDER {}", literal(p)));
    }
    if let Some(t) = &c.template {
        options.push(format!("TEMPLATE {}", ident(t)));
    }
    if let Some(n) = db.database.connection_limit {
        options.push(format!("CONNECTION LIMIT {n}"));
    }
    let mut sql = format!("CREATE DATABASE {}", ident(&db.name));
    if !options.is_empty() {
        sql.push_str(" WITH ");
        sql.push_str(&options.join(" "));
    }
    sql
}

/// `apply`, `plan` or `check` of a spec with `databases:`; returns the exit code.
pub fn converge(
    config: &Config,
    spec: &Spec,
    settings: &ConnectionSettings,
    options: &apply::Options,
    lints: Option<&crate::lint::Report>,
) -> Result<u8, Error> {
    let client = connect::wait(settings, config.wait_timeout)?;
    let mut maintenance = Session::new(client);
    let rows = maintenance
        .texts(EXISTING)
        .map_err(|e| Error::Catalog(crate::catalog::CatalogError::Query(e)))?;
    let existing: BTreeMap<String, Existing> = serde_json::from_str::<Vec<Existing>>(
        rows.first().cloned().flatten().as_deref().unwrap_or("[]"),
    )
    .unwrap_or_default()
    .into_iter()
    .map(|d| (d.name.clone(), d))
    .collect();
    let mut created = Vec::new();
    let mut missing = Vec::new();
    for (name, db) in &spec.databases {
        if existing.contains_key(name) {
            continue;
        }
        if options.dry_run {
            missing.push(name.clone());
            if config.command != Command::Check
                && config.output == crate::config::OutputFormat::Human
            {
                report::stdout(&format!(
                    "-- database `{name}` ({})\n{};\n",
                    db.database.origin,
                    create_sql(db)
                ))?;
            }
            continue;
        }
        let sql = create_sql(db);
        log::debug!("{sql}");
        match maintenance.batch(&sql) {
            Ok(()) => created.push(name.clone()),
            // Another replica created it meanwhile: what we wanted.
            Err(e) if e.code() == Some(&postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => {
                let mut failure = crate::error::DbFailure::from_postgres(&e);
                failure.statement = Some(sql);
                failure.origin = Some(db.database.origin.clone());
                return Err(Error::Statement(Box::new(failure)));
            }
        }
    }
    drop(maintenance);

    let mut outcomes: Vec<(String, Outcome, Stats)> = Vec::new();
    for name in spec.databases.keys() {
        if missing.contains(name) {
            continue;
        }
        if existing.get(name).is_some_and(|d| !d.allow_connections) {
            log::info!("database `{name}` takes no connections: its content is not compared");
            continue;
        }
        let started = Instant::now();
        let view = spec.for_database(name).expect("declared");
        let db_settings = settings.with_database(name);
        let client = connect::wait(&db_settings, config.wait_timeout)?;
        let mut session = Session::new(client);
        let mut db_options = options.clone();
        db_options.logins = Some(db_settings.clone());
        let outcome = apply::apply(&mut session, &view, &db_options).inspect_err(|_| {
            let done: Vec<&str> = outcomes.iter().map(|(n, _, _)| n.as_str()).collect();
            if !options.dry_run && !done.is_empty() {
                log::error!(
                    "database `{name}` failed and was rolled back; already converged and committed: {}",
                    done.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        })?;
        let stats = Stats {
            elapsed: started.elapsed(),
            round_trips: session.round_trips(),
        };
        outcomes.push((name.clone(), outcome, stats));
    }
    report::databases(
        &config.command,
        &created,
        &missing,
        &outcomes,
        options,
        config.output,
        lints,
    )?;
    let drift = !missing.is_empty() || outcomes.iter().any(|(_, o, _)| o.plan.has_drift());
    let refused = outcomes.iter().any(|(_, o, _)| !o.plan.refusals.is_empty());
    Ok(match config.command {
        Command::Check if drift => exit::DRIFT,
        Command::Plan { .. } if refused => exit::FAILURE,
        _ => exit::OK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::{CreateOptions, Database, Origin};

    #[test]
    fn create_sql_quotes_names_and_values() {
        let db = DatabaseSpec {
            name: "key cloak".into(),
            create: CreateOptions {
                encoding: Some("UTF8".into()),
                locale: Some("C".into()),
                locale_provider: Some("icu".into()),
                icu_locale: Some("und".into()),
                template: Some("template0".into()),
                ..CreateOptions::default()
            },
            database: Database {
                owner: None,
                grants: vec![],
                revokes: vec![],
                settings: Default::default(),
                comment: None,
                connection_limit: Some(20),
                allow_connections: None,
                origin: Origin::default(),
            },
            schemas: Default::default(),
            extensions: Default::default(),
            default_privileges: vec![],
        };
        assert_eq!(
            create_sql(&db),
            r#"CREATE DATABASE "key cloak" WITH ENCODING 'UTF8' LOCALE 'C' ICU_LOCALE 'und' LOCALE_PROVIDER 'icu' TEMPLATE "template0" CONNECTION LIMIT 20"#
        );
    }
}
