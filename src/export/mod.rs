//! `pg-provision export`: the spec of a live database, the way a person
//! would write it.
//!
//! In: a [`Session`] and [`Options`]. Out: an [`Export`] — the YAML text, the
//! files `--split` writes, and the notes on what the spec cannot express
//! (listed at the top of the spec and on stderr, never dropped silently).
//! The catalog is read by [`state::read`] (two round trips, export's own
//! queries); everything after that is pure: [`build`] turns the state into
//! the document, mirroring the engine's rules (defaults left out,
//! privileges relative to PostgreSQL's built-in defaults and to default
//! privileges, schema-wide grants where the catalog means them), so that
//! `apply` of the export on an empty cluster reproduces the catalog.

mod database;
mod defaults;
mod names;
mod privileges;
mod queries;
mod roles;
mod routines;
mod run;
mod schemas;
mod security;
mod sequences;
mod settings;
mod state;
mod tables;
pub mod yaml;

pub use run::run;

use crate::catalog::CatalogError;
use crate::session::Session;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use yaml::Map;

/// What to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Only these schemas (empty: every schema).
    pub schemas: Vec<String>,
    /// Never these schemas.
    pub exclude_schemas: Vec<String>,
    /// Roles and memberships only.
    pub roles_only: bool,
    /// Tables, views, sequences, functions and types without their
    /// definitions (adopted: their structure belongs to migrations).
    pub adopt: bool,
    /// Function bodies and view queries to files under this directory,
    /// referenced relative to `spec_dir`.
    pub split: Option<Split>,
    /// Every database that takes connections (but `postgres` and templates),
    /// under `databases:`.
    pub all_databases: bool,
}

/// Where `--split` puts bodies and queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The directory the files go to, as the spec refers to it (relative
    /// to the spec's directory, or absolute).
    pub dir: PathBuf,
}

/// An export: the spec and what goes with it.
#[derive(Debug, Clone, Default)]
pub struct Export {
    /// The spec, YAML.
    pub text: String,
    /// Files for `--split`: path relative to the spec's directory → content.
    pub files: BTreeMap<PathBuf, String>,
    /// What the spec cannot express, one line each.
    pub not_exported: Vec<String>,
    /// What the export wrote differently from the catalog, one line each.
    pub changed: Vec<String>,
    /// Roles declared.
    pub roles: usize,
    /// Schemas declared.
    pub schemas: usize,
    /// The database exported.
    pub database: String,
}

/// Reads the database behind `session` and builds its export.
pub fn export(session: &mut Session, options: &Options) -> Result<Export, CatalogError> {
    let state = state::read(session)?;
    Ok(build(&state, options))
}

/// One database of `export --all-databases`: what `CREATE DATABASE` fixed,
/// and its state.
pub struct DatabaseState {
    /// Name.
    pub name: String,
    /// `ENCODING`.
    pub encoding: String,
    /// `LC_COLLATE`.
    pub collate: String,
    /// `LC_CTYPE`.
    pub ctype: String,
    /// `CONNECTION LIMIT` (-1: none).
    pub connection_limit: i32,
    /// The catalog.
    pub state: state::State,
}

/// The spec of several databases (`databases:`): the cluster's roles once,
/// each database's owner, privileges, creation options and content under
/// its name (pure).
pub fn build_databases(databases: &[DatabaseState], options: &Options) -> Export {
    let Some(first) = databases.first() else {
        return Export::default();
    };
    let mut external: BTreeSet<String> = BTreeSet::new();
    let mut out = Out::default();
    let roles = {
        let ctx = Ctx {
            state: &first.state,
            options,
            major: first.state.server.major(),
            external: roles::external(&first.state),
        };
        external.extend(ctx.external.iter().cloned());
        roles::roles(&ctx, &mut out)
    };
    let mut entries = Map::block();
    let mut schema_count = 0;
    let mut notes_not: BTreeSet<String> = std::mem::take(&mut out.not_exported);
    let mut notes_changed: BTreeSet<String> = std::mem::take(&mut out.changed);
    for db in databases {
        let ctx = Ctx {
            state: &db.state,
            options,
            major: db.state.server.major(),
            external: roles::external(&db.state),
        };
        let mut db_out = Out::default();
        let content = database::content(&ctx, &mut db_out);
        out.referenced.extend(db_out.referenced);
        notes_not.extend(
            db_out
                .not_exported
                .into_iter()
                .map(|l| format!("database `{}`: {l}", db.name)),
        );
        notes_changed.extend(
            db_out
                .changed
                .into_iter()
                .map(|l| format!("database `{}`: {l}", db.name)),
        );
        schema_count += content.schemas.len();
        let mut entry = content.database;
        entry.insert("encoding", db.encoding.as_str());
        if db.collate == db.ctype {
            entry.insert("locale", db.collate.as_str());
        } else {
            entry.insert("lc_collate", db.collate.as_str());
            entry.insert("lc_ctype", db.ctype.as_str());
        }
        entry.insert("template", "template0");
        if db.connection_limit != -1 {
            entry.insert("connection_limit", i64::from(db.connection_limit));
        }
        if !content.extensions.is_empty() {
            entry.insert("extensions", content.extensions);
        }
        if !content.schemas.is_empty() {
            entry.insert("schemas", content.schemas);
        }
        if !content.default_privileges.is_empty() {
            entry.insert(
                "default_privileges",
                yaml::Node::Seq(content.default_privileges),
            );
        }
        entries.insert(db.name.as_str(), entry);
    }
    let declared: BTreeSet<&String> = first
        .state
        .roles
        .iter()
        .map(|r| &r.name)
        .filter(|n| !external.contains(*n))
        .collect();
    let referenced: Vec<String> = out.referenced.iter().cloned().collect();
    for r in referenced {
        if !declared.contains(&r) {
            external.insert(r);
        }
    }
    out.not_exported = notes_not;
    out.changed = notes_changed;
    let mut root = Map::block();
    root.insert("version", 1i64);
    if !external.is_empty() {
        root.insert("external_roles", yaml::strings(external.iter()));
    }
    let role_count = roles.len();
    root.insert("roles", roles);
    root.insert("databases", entries);
    let mut header = header(&first.state, options, &out);
    header[0] = format!(
        "Exported by `pg-provision export --all-databases` ({}; PostgreSQL {}).",
        databases
            .iter()
            .map(|d| format!("`{}`", d.name))
            .collect::<Vec<_>>()
            .join(", "),
        first.state.server.major()
    );
    Export {
        text: yaml::document(&header, &root),
        files: out.files,
        not_exported: out.not_exported.into_iter().collect(),
        changed: out.changed.into_iter().collect(),
        roles: role_count,
        schemas: schema_count,
        database: databases
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// What every part of the export shares: the state, the options, and the
/// roles that are external.
struct Ctx<'a> {
    state: &'a state::State,
    options: &'a Options,
    major: u32,
    /// Roles the spec must not manage (the bootstrap superuser, the
    /// connected role, …) and predefined roles: `external_roles`.
    external: BTreeSet<String>,
}

impl Ctx<'_> {
    /// Whether schema `name` is exported under the schema filters.
    fn includes(&self, name: &str) -> bool {
        (self.options.schemas.is_empty() || self.options.schemas.iter().any(|s| s == name))
            && !self.options.exclude_schemas.iter().any(|s| s == name)
    }
}

/// What the parts of the export collect on the way.
#[derive(Debug, Default)]
struct Out {
    not_exported: BTreeSet<String>,
    changed: BTreeSet<String>,
    /// Roles named anywhere (owners, grantees, memberships, …).
    referenced: BTreeSet<String>,
    files: BTreeMap<PathBuf, String>,
}

impl Out {
    fn not_exported(&mut self, line: String) {
        self.not_exported.insert(line);
    }

    fn changed(&mut self, line: String) {
        self.changed.insert(line);
    }

    /// Notes every grantee of `acl`-like names as referenced.
    fn refer<'a>(&mut self, names: impl IntoIterator<Item = &'a String>) {
        for n in names {
            if n != "PUBLIC" {
                self.referenced.insert(n.clone());
            }
        }
    }
}

/// Builds the export from what was read (pure).
fn build(state: &state::State, options: &Options) -> Export {
    let major = state.server.major();
    let mut ctx = Ctx {
        state,
        options,
        major,
        external: roles::external(state),
    };
    let mut out = Out::default();
    let roles = roles::roles(&ctx, &mut out);
    let content = (!options.roles_only).then(|| database::content(&ctx, &mut out));

    // Every referenced role that is not declared is external (the
    // predefined `pg_*` roles, `pg_database_owner`, …).
    let declared: BTreeSet<&String> = state
        .roles
        .iter()
        .map(|r| &r.name)
        .filter(|n| !ctx.external.contains(*n))
        .collect();
    for r in &out.referenced {
        if !declared.contains(r) {
            ctx.external.insert(r.clone());
        }
    }

    let mut root = Map::block();
    root.insert("version", 1i64);
    if !ctx.external.is_empty() {
        root.insert("external_roles", yaml::strings(ctx.external.iter()));
    }
    let role_count = roles.len();
    root.insert("roles", roles);
    let mut schema_count = 0;
    if let Some(c) = content {
        schema_count = c.schemas.len();
        c.place(&mut root);
    }
    let header = header(state, options, &out);
    Export {
        text: yaml::document(&header, &root),
        files: out.files,
        not_exported: out.not_exported.into_iter().collect(),
        changed: out.changed.into_iter().collect(),
        roles: role_count,
        schemas: schema_count,
        database: state.server.database.clone(),
    }
}

/// The comment block at the top: where the spec came from and what the
/// spec could not say.
fn header(state: &state::State, options: &Options, out: &Out) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Exported by `pg-provision export` from database `{}` (PostgreSQL {}).",
            state.database.name,
            state.server.major()
        ),
        "Review it before committing. Passwords are never exported: set the variables".into(),
        "named under `password:` before `apply`. See docs/export.md.".into(),
    ];
    if options.adopt {
        lines.push(
            "--adopt: tables, views, sequences, functions and types are listed without their"
                .into(),
        );
        lines.push("definitions; their structure belongs to your migrations.".into());
    }
    if !out.not_exported.is_empty() {
        lines.push(String::new());
        lines.push("Not exported (the spec cannot express these):".into());
        lines.extend(out.not_exported.iter().map(|l| format!("  - {l}")));
    }
    if !out.changed.is_empty() {
        lines.push(String::new());
        lines.push("Exported differently from the database (review these):".into());
        lines.extend(out.changed.iter().map(|l| format!("  - {l}")));
    }
    lines
}
