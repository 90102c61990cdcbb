//! The connected database: owner, privileges, settings, comment.

use super::{Diff, Refusal, acl, label, settings};
use crate::catalog::Catalog;
use crate::change::{Change, ObjectName, Phase, Statement};
use crate::privilege::ObjectKind;
use crate::spec::Spec;

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    let Some(db) = &spec.database else { return };
    let actual = &catalog.database;
    let name = &actual.name;
    let object = label("database", name);
    if let Some(owner) = &db.owner
        && owner != &actual.owner
    {
        if spec.external_roles.contains(owner) && !catalog.roles.contains_key(owner) {
            out.refusals.push(missing_external(owner, &db.origin));
        }
        out.changes.push(Change::converge(
            Phase::Database,
            object.clone(),
            &db.origin,
            Statement::AlterDatabaseOwner {
                database: name.clone(),
                owner: owner.clone(),
            },
        ));
    }
    let d = settings::compare(&db.settings, actual.settings.as_deref());
    for (param, value) in d.set {
        out.changes.push(Change::converge(
            Phase::Database,
            object.clone(),
            &db.origin,
            Statement::SetDatabaseSetting {
                database: name.clone(),
                name: param.clone(),
                value: value.clone(),
            },
        ));
    }
    for param in d.extra {
        out.changes.push(Change::prune(
            format!("setting `{param}` of {object}"),
            Statement::ResetDatabaseSetting {
                database: name.clone(),
                name: param,
            },
        ));
    }
    let owner = db.owner.as_deref().unwrap_or(&actual.owner);
    acl::diff(
        &acl::Target {
            kind: ObjectKind::Database,
            name,
            label: object.clone(),
            owner: Some(owner),
            baseline: ObjectKind::Database.public_default(),
            grants: &db.grants,
            revokes: &db.revokes,
            origin: &db.origin,
            major: catalog.server.major(),
        },
        &actual.acl,
        out,
    );
    if let Some(text) = &db.comment
        && actual.comment.as_ref() != Some(text)
    {
        out.changes.push(Change::converge(
            Phase::Comments,
            object,
            &db.origin,
            Statement::Comment {
                kind: "DATABASE",
                object: ObjectName::Plain(name.clone()),
                text: Some(text.clone()),
            },
        ));
    }
}

/// An external role that the spec relies on does not exist.
pub(super) fn missing_external(role: &str, origin: &crate::spec::model::Origin) -> Refusal {
    Refusal {
        object: label("role", role),
        reason: format!("external role `{role}` does not exist"),
        hint: Some(format!(
            "create `{role}` first, or declare it under `roles:` so pg-provision creates it"
        )),
        origin: Some(origin.clone()),
    }
}
