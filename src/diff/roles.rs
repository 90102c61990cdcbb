//! Roles: create missing ones, converge attributes, passwords, settings, comments.

use super::{Diff, label, settings};
use crate::catalog::{Catalog, RoleState};
use crate::change::{Change, ObjectName, Phase, Statement};
use crate::spec::Spec;
use crate::spec::model::{Role, RoleAttributes};

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for (name, role) in &spec.roles {
        let object = label("role", name);
        match catalog.roles.get(name) {
            None => {
                out.changes.push(Change::converge(
                    Phase::CreateRoles,
                    object.clone(),
                    &role.origin,
                    Statement::CreateRole {
                        name: name.clone(),
                        attributes: role.attributes.clone(),
                        password: role.password.clone(),
                    },
                ));
                settings_and_comment(role, None, out);
            }
            Some(actual) => {
                let changed = changed_attributes(&role.attributes, actual);
                if !changed.is_empty() {
                    out.changes.push(Change::converge(
                        Phase::AlterRoles,
                        object.clone(),
                        &role.origin,
                        Statement::AlterRole {
                            name: name.clone(),
                            attributes: role.attributes.clone(),
                            changed,
                        },
                    ));
                }
                if let Some(secret) = &role.password {
                    let readable = catalog.server.authid_readable;
                    let matches = match actual.password.as_deref() {
                        Some(stored) => secret.matches_verifier(stored),
                        None if readable => None,
                        // pg_authid unreadable: what logging in as the role said.
                        None => catalog.password_checks.get(name).copied(),
                    };
                    if matches != Some(true) {
                        let mut change = Change::converge(
                            Phase::AlterRoles,
                            object.clone(),
                            &role.origin,
                            Statement::SetPassword {
                                name: name.clone(),
                                password: secret.clone(),
                            },
                        );
                        change.verifiable = readable || matches.is_some();
                        out.changes.push(change);
                    }
                }
                settings_and_comment(role, Some(actual), out);
            }
        }
    }
}

fn settings_and_comment(role: &Role, actual: Option<&RoleState>, out: &mut Diff) {
    let object = label("role", &role.name);
    let stored = actual.and_then(|a| a.settings.as_deref());
    let d = settings::compare(&role.settings, stored);
    for (param, value) in d.set {
        out.changes.push(Change::converge(
            Phase::RoleSettings,
            object.clone(),
            &role.origin,
            Statement::SetRoleSetting {
                role: role.name.clone(),
                name: param.clone(),
                value: value.clone(),
            },
        ));
    }
    for param in d.extra {
        out.changes.push(Change::prune(
            format!("setting `{param}` of {object}"),
            Statement::ResetRoleSetting {
                role: role.name.clone(),
                name: param,
            },
        ));
    }
    if let Some(text) = &role.comment
        && actual.and_then(|a| a.comment.as_ref()) != Some(text)
    {
        out.changes.push(Change::converge(
            Phase::Comments,
            object,
            &role.origin,
            Statement::Comment {
                kind: "ROLE",
                object: ObjectName::Plain(role.name.clone()),
                text: Some(text.clone()),
            },
        ));
    }
}

/// Names of the attributes that differ, in rendering order.
fn changed_attributes(want: &RoleAttributes, have: &RoleState) -> Vec<&'static str> {
    let want_until = want
        .valid_until
        .as_ref()
        .map(|v| v.epoch)
        .filter(|e| *e != i64::MAX);
    [
        ("login", want.login != have.login),
        ("superuser", want.superuser != have.superuser),
        ("createdb", want.createdb != have.createdb),
        ("createrole", want.createrole != have.createrole),
        ("inherit", want.inherit != have.inherit),
        ("replication", want.replication != have.replication),
        ("bypassrls", want.bypassrls != have.bypassrls),
        (
            "connection_limit",
            want.connection_limit != have.connection_limit,
        ),
        ("valid_until", want_until != have.valid_until),
    ]
    .into_iter()
    .filter(|(_, differs)| *differs)
    .map(|(name, _)| name)
    .collect()
}
