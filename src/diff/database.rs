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
    let connection_limit = db
        .connection_limit
        .filter(|n| *n != actual.connection_limit);
    let allow_connections = db
        .allow_connections
        .filter(|b| *b != actual.allow_connections);
    if connection_limit.is_some() || allow_connections.is_some() {
        out.changes.push(Change::converge(
            Phase::Database,
            object.clone(),
            &db.origin,
            Statement::AlterDatabaseOptions {
                database: name.clone(),
                connection_limit,
                allow_connections,
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
    let target = acl::Target {
        kind: ObjectKind::Database,
        name,
        label: object.clone(),
        owner: Some(owner),
        baseline: ObjectKind::Database.public_default(),
        grants: &db.grants,
        revokes: &db.revokes,
        origin: &db.origin,
        major: catalog.server.major(),
    };
    acl::diff(&target, &actual.acl, out);
    locked_out(catalog, owner, &target, out);
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

/// Refuses a spec after which the connected role — not a superuser, who may
/// always connect — could not connect to this database again: it would not
/// own it, and neither it, nor a role it belongs to, nor PUBLIC would keep
/// CONNECT. The next run (and every `check`) would then fail to start.
fn locked_out(catalog: &Catalog, owner: &str, target: &acl::Target<'_>, out: &mut Diff) {
    let me = &catalog.server.current_user;
    if catalog.server.superuser || owner == me {
        return;
    }
    let mut mine: std::collections::BTreeSet<&str> = [me.as_str()].into();
    let mut todo = vec![me.as_str()];
    while let Some(member) = todo.pop() {
        for m in catalog.memberships.iter().filter(|m| m.member == member) {
            if mine.insert(&m.role) {
                todo.push(&m.role);
            }
        }
    }
    let keeps = target.desired().entries().any(|(who, p, _)| {
        p == crate::privilege::Privilege::Connect
            && (who == crate::quote::PUBLIC || mine.contains(who))
    });
    if !keeps {
        out.refusals.push(Refusal {
            object: target.label.clone(),
            reason: format!(
                "after this run role `{me}`, which runs pg-provision, could not connect to it again: it would not own it, it is not a superuser, and the spec leaves CONNECT neither to PUBLIC nor to `{me}`"
            ),
            hint: Some(format!(
                "add `{me}` to `external_roles` and to a `database.grants` entry with CONNECT"
            )),
            origin: Some(target.origin.clone()),
        });
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
