//! Role memberships and their ADMIN / INHERIT / SET options.
//!
//! Before PostgreSQL 16, inheritance is the member's `inherit` attribute and a
//! grant has only ADMIN. From 16, every grant row carries INHERIT and SET, and
//! one membership may have several rows (one per grantor); an option counts
//! as present when any row has it. Desired INHERIT defaults to the member's
//! own `inherit` attribute, which is what PostgreSQL 16 itself does when
//! `GRANT` names no option, so a plan settles on both generations.

use super::{Diff, Refusal, label};
use crate::catalog::{Catalog, MembershipState};
use crate::change::{Change, MembershipOptions, Phase, Statement};
use crate::spec::Spec;
use std::collections::BTreeMap;

/// An option name, whether it is wanted, and whether a grant row has it.
type OptionCheck = (&'static str, bool, fn(&MembershipState) -> bool);

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    let modern = catalog.server.major() >= 16;
    let mut rows: BTreeMap<(&str, &str), Vec<&MembershipState>> = BTreeMap::new();
    for m in &catalog.memberships {
        rows.entry((m.role.as_str(), m.member.as_str()))
            .or_default()
            .push(m);
    }

    for (member, role) in &spec.roles {
        for m in role.member_of.values() {
            let object = format!("membership of role `{member}` in `{}`", m.role);
            if !modern && (m.inherit.is_some() || m.set.is_some()) {
                out.refusals.push(Refusal {
                    object,
                    reason: format!(
                        "membership options INHERIT and SET need PostgreSQL 16 or later; this server is {}",
                        catalog.server.major()
                    ),
                    hint: Some("before 16, inheritance is the member's `inherit` attribute; drop `inherit`/`set` from this membership".into()),
                    origin: Some(m.origin.clone()),
                });
                continue;
            }
            let want = MembershipOptions {
                admin: m.admin,
                inherit: modern.then(|| m.inherit.unwrap_or(role.attributes.inherit)),
                set: modern.then(|| m.set.unwrap_or(true)),
            };
            let existing = rows.get(&(m.role.as_str(), member.as_str()));
            let Some(existing) = existing else {
                out.changes.push(Change::converge(
                    Phase::Memberships,
                    object,
                    &m.origin,
                    Statement::GrantMembership {
                        role: m.role.clone(),
                        member: member.clone(),
                        options: want,
                    },
                ));
                continue;
            };
            let any = |f: fn(&MembershipState) -> Option<bool>| {
                existing.iter().any(|r| f(r) == Some(true))
            };
            let have_admin = any(|r| Some(r.admin));
            let have_inherit = any(|r| r.inherit);
            let have_set = any(|r| r.set);
            let missing = (want.admin && !have_admin)
                || (want.inherit == Some(true) && !have_inherit)
                || (want.set == Some(true) && !have_set);
            if missing {
                out.changes.push(Change::converge(
                    Phase::Memberships,
                    object.clone(),
                    &m.origin,
                    Statement::GrantMembership {
                        role: m.role.clone(),
                        member: member.clone(),
                        options: want,
                    },
                ));
            }
            let options: [OptionCheck; 3] = [
                ("ADMIN", want.admin, |r| r.admin),
                ("INHERIT", want.inherit.unwrap_or(true), |r| {
                    r.inherit == Some(true)
                }),
                ("SET", want.set.unwrap_or(true), |r| r.set == Some(true)),
            ];
            for (option, wanted, has) in options {
                if wanted {
                    continue;
                }
                for row in existing.iter().filter(|r| has(r)) {
                    out.changes.push(Change::converge(
                        Phase::Memberships,
                        object.clone(),
                        &m.origin,
                        Statement::RevokeMembershipOption {
                            role: m.role.clone(),
                            member: member.clone(),
                            option,
                            grantor: if modern { row.grantor.clone() } else { None },
                        },
                    ));
                    if !modern {
                        break;
                    }
                }
            }
        }
    }

    // Extras: memberships of declared roles in declared, external or
    // predefined roles that the spec does not list. Memberships in roles the
    // spec does not know (e.g. logins an owner with CREATEROLE made at run
    // time, which gives it ADMIN on them) are not ours to judge.
    for ((granted, member), grants) in &rows {
        let Some(member_spec) = spec.roles.get(*member) else {
            continue;
        };
        let managed_target = spec.roles.contains_key(*granted)
            || spec.external_roles.contains(*granted)
            || granted.starts_with("pg_");
        if !managed_target || member_spec.member_of.contains_key(*granted) {
            continue;
        }
        for row in grants {
            if modern && implicit_creator_grant(row, catalog) {
                continue;
            }
            out.changes.push(Change::prune(
                label("membership", &format!("{member} in {granted}")),
                Statement::RevokeMembership {
                    role: granted.to_string(),
                    member: member.to_string(),
                    grantor: if modern { row.grantor.clone() } else { None },
                },
            ));
            if !modern {
                break;
            }
        }
    }
}

/// PostgreSQL 16+ gives a non-superuser creator ADMIN (without INHERIT/SET)
/// on every role it creates; that row is bookkeeping, not a declared grant.
fn implicit_creator_grant(row: &MembershipState, catalog: &Catalog) -> bool {
    row.member == catalog.server.current_user
        && row.grantor_is_bootstrap
        && row.admin
        && row.inherit == Some(false)
        && row.set == Some(false)
}
