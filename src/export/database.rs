//! One database's content: `database:` (owner, privileges, settings,
//! comment), `extensions:`, `schemas:` and `default_privileges:`.
//!
//! [`content`] is the unit a multi-database export calls once per database;
//! [`Content::place`] puts it where today's single-database spec has it (at
//! the top level).

use super::privileges;
use super::yaml::{Map, Node};
use super::{Ctx, Out, defaults, schemas, settings};
use crate::privilege::ObjectKind;

/// The part of a spec that belongs to one database.
pub struct Content {
    /// `database:`.
    pub database: Map,
    /// `extensions:`.
    pub extensions: Map,
    /// `schemas:`.
    pub schemas: Map,
    /// `default_privileges:`.
    pub default_privileges: Vec<Node>,
}

impl Content {
    /// Adds the sections to a single-database spec's top level.
    pub fn place(self, root: &mut Map) {
        root.insert("database", self.database);
        if !self.extensions.is_empty() {
            root.insert("extensions", self.extensions);
        }
        if !self.schemas.is_empty() {
            root.insert("schemas", self.schemas);
        }
        if !self.default_privileges.is_empty() {
            root.insert("default_privileges", Node::Seq(self.default_privileges));
        }
    }
}

/// Exports the connected database's content.
pub fn content(ctx: &Ctx<'_>, out: &mut Out) -> Content {
    let state = ctx.state;
    let db = &state.database;
    let mut database = Map::block();
    database.insert("owner", db.owner.as_str());
    out.referenced.insert(db.owner.clone());
    let all = ObjectKind::Database.all_privileges(ctx.major);
    let (grants, revokes) =
        privileges::items(&privileges::builtin(ObjectKind::Database), &db.acl, all);
    out.refer(db.acl.keys());
    if !grants.is_empty() {
        database.insert("grants", Node::Seq(grants));
    }
    if !revokes.is_empty() {
        database.insert("revoke", Node::Seq(revokes));
    }
    if let Some(stored) = &db.settings {
        database.insert("settings", settings::settings(stored));
    }
    if let Some(c) = &db.comment {
        database.insert("comment", c.as_str());
    }
    if db.owner_reduced {
        out.not_exported(format!(
            "database `{}`: its owner's own privileges were revoked",
            db.name
        ));
    }
    if db.connection_limit != -1 {
        out.not_exported(format!(
            "database `{}`: connection limit {}",
            db.name, db.connection_limit
        ));
    }
    for role in &db.role_settings {
        out.not_exported(format!(
            "settings of role `{role}` in database `{}` (ALTER ROLE … IN DATABASE … SET)",
            db.name
        ));
    }

    let mut extensions = Map::block();
    for e in &state.extensions {
        // Every database has plpgsql; extensions in excluded schemas stay out.
        if e.name == "plpgsql" || !ctx.includes(&e.schema) {
            continue;
        }
        let mut m = Map::new();
        m.insert("schema", e.schema.as_str());
        if e.default_version.as_deref() != Some(e.version.as_str()) {
            m.insert("version", e.version.as_str());
        }
        extensions.insert(e.name.as_str(), m);
    }

    super::security::other_triggers(ctx, out);
    for (kind, name) in &state.unsupported {
        out.not_exported(format!("{kind} `{name}`"));
    }
    let mut defaults = defaults::read(ctx, state, out);
    let schemas = schemas::schemas(ctx, &mut defaults, out);
    let default_privileges = defaults::items(ctx, &defaults, out);
    Content {
        database,
        extensions,
        schemas,
        default_privileges,
    }
}
