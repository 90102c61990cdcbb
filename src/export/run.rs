//! `pg-provision export` as a command: connect, export, write the spec (to
//! stdout or `-o FILE`) and the `--split` files, and say on stderr what was
//! not exported.

use super::{Options, Split};
use crate::config::{Config, OutputFormat};
use crate::connect::{self, ConnectionSettings};
use crate::error::{Error, exit};
use crate::session::Session;
use serde_json::json;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// Runs `export` with `options`; `out` is `-o FILE`, `split` is `--split DIR`.
pub fn run(
    config: &Config,
    options: &Options,
    out: Option<&Path>,
    split: Option<&Path>,
    started: Instant,
) -> Result<u8, Error> {
    if split.is_some() && out.is_none() {
        return Err(Error::Usage(
            "`--split` needs `-o FILE`: the files are referenced relative to the spec\n  hint: pg-provision export -o provision/provision.yaml --split provision/sql".into(),
        ));
    }
    if config.output == OutputFormat::Json && out.is_none() {
        return Err(Error::Usage(
            "`--output json` needs `-o FILE`: stdout carries the spec\n  hint: pg-provision export -o provision.yaml --output json".into(),
        ));
    }
    let spec_dir = out.map(|o| match o.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let mut options = options.clone();
    if let (Some(dir), Some(spec_dir)) = (split, &spec_dir) {
        options.split = Some(Split {
            dir: relative_to(dir, spec_dir).map_err(Error::Output)?,
        });
    }

    if options.all_databases && options.split.is_some() {
        return Err(Error::Usage(
            "`--split` and `--all-databases` together could write two databases' bodies to one file; export each database with `--split` on its own".into(),
        ));
    }
    let env = |name: &str| std::env::var(name).ok();
    let settings = ConnectionSettings::resolve(config.database_url.as_deref(), &env)?;
    let client = connect::wait(&settings, config.wait_timeout)?;
    let mut session = Session::new(client);
    let export = if options.all_databases {
        all_databases(&mut session, &settings, config, &options)?
    } else {
        super::export(&mut session, &options)?
    };

    match (out, &spec_dir) {
        (Some(file), Some(dir)) => {
            for (path, content) in &export.files {
                let full = dir.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(Error::Output)?;
                }
                std::fs::write(&full, content).map_err(Error::Output)?;
            }
            std::fs::write(file, &export.text).map_err(Error::Output)?;
        }
        _ => stdout(&export.text)?,
    }

    let mut notes = String::new();
    for line in &export.not_exported {
        notes.push_str(&format!("not exported: {line}\n"));
    }
    for line in &export.changed {
        notes.push_str(&format!("exported differently: {line}\n"));
    }
    let target = out.map_or("stdout".to_string(), |o| format!("`{}`", o.display()));
    match config.output {
        OutputFormat::Json => stdout(&format!(
            "{}\n",
            json!({
                "command": "export",
                "database": export.database,
                "file": out.map(|o| o.display().to_string()),
                "roles": export.roles,
                "schemas": export.schemas,
                "files": export.files.keys().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "not_exported": export.not_exported,
                "changed": export.changed,
                "elapsed_ms": started.elapsed().as_millis() as u64,
                "round_trips": session.round_trips(),
            })
        ))?,
        OutputFormat::Human => {
            notes.push_str(&format!(
                "exported {} role(s) and {} schema(s) to {target}{} in {:.2}s; review it before committing\n",
                export.roles,
                export.schemas,
                if export.files.is_empty() {
                    String::new()
                } else {
                    format!(" (and {} file(s))", export.files.len())
                },
                started.elapsed().as_secs_f64()
            ));
        }
    }
    let _ = std::io::stderr().lock().write_all(notes.as_bytes());
    Ok(exit::OK)
}

/// Every database that takes connections, but `postgres` (the maintenance
/// database) and templates, each read on a connection of its own.
fn all_databases(
    session: &mut Session,
    settings: &ConnectionSettings,
    config: &Config,
    options: &super::Options,
) -> Result<super::Export, Error> {
    let rows = session
        .texts(
            "SELECT coalesce(json_agg(json_build_array(d.datname, pg_catalog.pg_encoding_to_char(d.encoding),
               d.datcollate, d.datctype, d.datconnlimit) ORDER BY d.datname), '[]')::text
             FROM pg_catalog.pg_database d
             WHERE d.datallowconn AND NOT d.datistemplate AND d.datname <> 'postgres'",
        )
        .map_err(|e| Error::Catalog(crate::catalog::CatalogError::Query(e)))?;
    let list: Vec<(String, String, String, String, i32)> =
        serde_json::from_str(rows.first().cloned().flatten().as_deref().unwrap_or("[]"))
            .unwrap_or_default();
    let mut databases = Vec::new();
    for (name, encoding, collate, ctype, connection_limit) in list {
        let client = connect::wait(&settings.with_database(&name), config.wait_timeout)?;
        let mut db = Session::new(client);
        let state = super::state::read(&mut db)?;
        databases.push(super::DatabaseState {
            name,
            encoding,
            collate,
            ctype,
            connection_limit,
            state,
        });
    }
    Ok(super::build_databases(&databases, options))
}

/// Writes to stdout; a closed pipe is not an error.
fn stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

/// `target` as a path relative to directory `base` (both as given, relative
/// to the current directory or absolute).
fn relative_to(target: &Path, base: &Path) -> std::io::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    let target = normalize(&cwd.join(target));
    let base = normalize(&cwd.join(base));
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Ok(out)
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_directories_are_referenced_from_the_spec() {
        let r = |t: &str, b: &str| relative_to(Path::new(t), Path::new(b)).unwrap();
        assert_eq!(r("provision/sql", "provision"), PathBuf::from("sql"));
        assert_eq!(r("sql", "provision"), PathBuf::from("../sql"));
        assert_eq!(r("provision/./x/../sql", "provision"), PathBuf::from("sql"));
        assert_eq!(r("/tmp/a/sql", "/tmp/b"), PathBuf::from("../a/sql"));
    }
}
