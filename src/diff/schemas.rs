//! Schemas: create missing ones, converge declared owners, privileges, comments.
//!
//! A schema without `owner:` is created owned by the database owner the spec
//! declares (or the connected role); an existing schema's owner is only
//! changed when `owner:` is written out.

use super::{Diff, acl, label};
use crate::catalog::Catalog;
use crate::change::{Change, ObjectName, Phase, Statement};
use crate::privilege::Acl;
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::Spec;

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    let major = catalog.server.major();
    let empty = Acl::new();
    for (name, schema) in &spec.schemas {
        let object = label("schema", name);
        let actual = catalog.schemas.get(name);
        let owner = match actual {
            None => {
                let owner = schema
                    .owner
                    .clone()
                    .or_else(|| spec.database.as_ref().and_then(|d| d.owner.clone()));
                out.changes.push(Change::converge(
                    Phase::Schemas,
                    object.clone(),
                    &schema.origin,
                    Statement::CreateSchema {
                        name: name.clone(),
                        owner: owner.clone(),
                    },
                ));
                owner.unwrap_or_else(|| catalog.server.current_user.clone())
            }
            Some(actual) => match &schema.owner {
                Some(owner) if owner != &actual.owner => {
                    out.changes.push(Change::converge(
                        Phase::Schemas,
                        object.clone(),
                        &schema.origin,
                        Statement::AlterSchemaOwner {
                            name: name.clone(),
                            owner: owner.clone(),
                        },
                    ));
                    owner.clone()
                }
                _ => actual.owner.clone(),
            },
        };
        acl::diff(
            &acl::Target {
                kind: ObjectKind::Schema,
                name,
                label: object.clone(),
                owner: Some(&owner),
                baseline: baseline(name, major),
                grants: &schema.grants,
                revokes: &schema.revokes,
                origin: &schema.origin,
                major,
            },
            actual.map(|a| &a.acl).unwrap_or(&empty),
            out,
        );
        if let Some(text) = &schema.comment
            && actual.and_then(|a| a.comment.as_ref()) != Some(text)
        {
            out.changes.push(Change::converge(
                Phase::Comments,
                object,
                &schema.origin,
                Statement::Comment {
                    kind: "SCHEMA",
                    object: ObjectName::Plain(name.clone()),
                    text: Some(text.clone()),
                },
            ));
        }
    }
}

/// The owner a declared schema has after this run: the declared one, else
/// the existing one, else (created now) the database owner the spec declares
/// or the connected role.
pub(super) fn owner_after(spec: &Spec, catalog: &Catalog, name: &str) -> String {
    let schema = spec.schemas.get(name);
    let declared = schema.and_then(|s| s.owner.clone());
    match catalog.schemas.get(name) {
        Some(actual) => declared.unwrap_or_else(|| actual.owner.clone()),
        None => declared
            .or_else(|| spec.database.as_ref().and_then(|d| d.owner.clone()))
            .unwrap_or_else(|| catalog.server.current_user.clone()),
    }
}

/// The role that actually creates and owns things for a schema owner:
/// `pg_database_owner` (owner of `public` from PostgreSQL 15) stands for the
/// database owner after this run.
pub(super) fn acting_owner(spec: &Spec, catalog: &Catalog, owner: &str) -> String {
    if owner == "pg_database_owner" {
        spec.database
            .as_ref()
            .and_then(|d| d.owner.clone())
            .unwrap_or_else(|| catalog.database.owner.clone())
    } else {
        owner.to_string()
    }
}

/// What PUBLIC holds on a schema nobody granted anything on: nothing, except
/// on `public`, which initdb creates with USAGE for PUBLIC (and, before
/// PostgreSQL 15, CREATE too).
pub(crate) fn baseline(name: &str, major: u32) -> &'static [Privilege] {
    match (name, major) {
        ("public", 15..) => &[Privilege::Usage],
        ("public", _) => &[Privilege::Usage, Privilege::Create],
        _ => &[],
    }
}
