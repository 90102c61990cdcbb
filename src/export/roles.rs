//! `roles:` and `external_roles:`: every role of the cluster but the
//! predefined `pg_*` ones, with the attributes that differ from `CREATE
//! ROLE`'s defaults, memberships with their options, settings and comments.
//! Passwords are never exported: a role with one gets `password: { env:
//! <ROLE>_PASSWORD }` and a comment.

use super::state::{Membership, State};
use super::yaml::{Map, Node};
use super::{Ctx, Out, names, settings};
use std::collections::{BTreeMap, BTreeSet};

/// The roles the spec must not manage: the bootstrap superuser, the
/// connected role, and — when the connected role is not a superuser — every
/// superuser (it could not alter them).
pub fn external(state: &State) -> BTreeSet<String> {
    let mut out = BTreeSet::from([
        state.server.bootstrap.clone(),
        state.server.current_user.clone(),
    ]);
    if !state.server.superuser {
        out.extend(
            state
                .roles
                .iter()
                .filter(|r| r.superuser)
                .map(|r| r.name.clone()),
        );
    }
    out
}

/// `roles:`.
pub fn roles(ctx: &Ctx<'_>, out: &mut Out) -> Map {
    let state = ctx.state;
    let modern = ctx.major >= 16;
    let mut rows: BTreeMap<(&str, &str), Vec<&Membership>> = BTreeMap::new();
    for m in &state.memberships {
        rows.entry((m.member.as_str(), m.role.as_str()))
            .or_default()
            .push(m);
    }
    let mut taken = BTreeSet::new();
    let mut map = Map::block();
    for role in &state.roles {
        if ctx.external.contains(&role.name) {
            for ((member, granted), grants) in rows.range((role.name.as_str(), "")..) {
                if *member != role.name {
                    break;
                }
                // PostgreSQL 16+ gives a CREATEROLE creator ADMIN (without
                // INHERIT or SET) on every role it creates: bookkeeping.
                let implicit = grants.iter().all(|g| {
                    g.grantor_is_bootstrap
                        && g.admin
                        && g.inherit == Some(false)
                        && g.set == Some(false)
                });
                if !implicit {
                    out.not_exported(format!(
                        "membership of external role `{member}` in `{granted}`"
                    ));
                }
            }
            continue;
        }
        let mut m = Map::new();
        let flags = [
            ("login", role.login, false),
            ("superuser", role.superuser, false),
            ("createdb", role.createdb, false),
            ("createrole", role.createrole, false),
            ("inherit", role.inherit, true),
            ("replication", role.replication, false),
            ("bypassrls", role.bypassrls, false),
        ];
        for (key, value, default) in flags {
            if value != default {
                m.insert(key, value);
            }
        }
        if role.connection_limit != -1 {
            m.insert("connection_limit", i64::from(role.connection_limit));
        }
        if let Some(v) = &role.valid_until {
            m.insert("valid_until", v.as_str());
        }
        let password = match &state.passwords {
            Some(with) => with.contains(&role.name).then_some(None),
            None => role.login.then_some(Some(
                "pg_authid was not readable: whether it has a password is unknown",
            )),
        };
        if let Some(unknown) = password {
            let variable = names::password_variable(&role.name, &mut taken);
            let mut p = Map::new();
            p.insert("env", variable.as_str());
            m.insert_commented(
                "password",
                p,
                unknown.unwrap_or("not exported: set the variable before apply"),
            );
            if unknown.is_some() {
                out.changed(format!(
                    "role `{}`: password declared from `{variable}` (pg_authid was not readable)",
                    role.name
                ));
            }
        }
        let mut member_of = Vec::new();
        for ((_, granted), grants) in rows.range((role.name.as_str(), "")..) {
            if grants[0].member != role.name {
                break;
            }
            out.referenced.insert(granted.to_string());
            let admin = grants.iter().any(|g| g.admin);
            let inherit = grants.iter().any(|g| g.inherit == Some(true));
            let set = grants.iter().any(|g| g.set == Some(true));
            let mut item = Map::new();
            item.insert("role", *granted);
            if admin {
                item.insert("admin", true);
            }
            if modern && inherit != role.inherit {
                item.insert("inherit", inherit);
            }
            if modern && !set {
                item.insert("set", false);
            }
            member_of.push(if item.len() == 1 {
                Node::Str(granted.to_string())
            } else {
                Node::Map(item)
            });
        }
        if !member_of.is_empty() {
            m.insert("member_of", Node::Seq(member_of));
        }
        if let Some(stored) = &role.settings {
            m.insert("settings", settings::settings(stored));
        }
        if let Some(c) = &role.comment {
            m.insert("comment", c.as_str());
        }
        map.insert(role.name.as_str(), m);
    }
    map
}
