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
