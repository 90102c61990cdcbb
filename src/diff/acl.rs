//! Privileges on one object: built-in defaults + grants − revokes, vs the
//! object's ACL. The owner's own entries are never compared: PostgreSQL writes
//! them into the ACL whenever anything is granted, and they are not extras.

use super::Diff;
use crate::change::{Change, Phase, Statement};
use crate::privilege::{Acl, ObjectKind, Privilege};
use crate::spec::model::{Grant, Origin, Revoke};
use std::collections::{BTreeMap, BTreeSet};

/// One object's privileges to converge.
pub struct Target<'a> {
    /// Kind of object.
    pub kind: ObjectKind,
    /// Object name as `GRANT … ON <kind> <name>` takes it.
    pub name: &'a str,
    /// Label for messages, e.g. ``schema `app` ``.
    pub label: String,
    /// The owner after this run (its entries are skipped).
    pub owner: Option<&'a str>,
    /// What PUBLIC holds without any grant (acldefault, or the initial ACL of
    /// the `public` schema).
    pub baseline: &'a [Privilege],
    /// Declared grants.
    pub grants: &'a [Grant],
    /// Declared revokes.
    pub revokes: &'a [Revoke],
    /// Where the object was declared.
    pub origin: &'a Origin,
    /// Server major version (what `ALL` means).
    pub major: u32,
}

/// The desired ACL, with the origin of every entry.
fn desired(t: &Target<'_>) -> BTreeMap<(String, Privilege), (bool, Origin)> {
    let mut want = BTreeMap::new();
    for p in t.baseline {
        want.insert(("PUBLIC".to_string(), *p), (false, t.origin.clone()));
    }
    let expand = |set: &Option<BTreeSet<Privilege>>| -> Vec<Privilege> {
        match set {
            Some(s) => s.iter().copied().collect(),
            None => t.kind.all_privileges(t.major).to_vec(),
        }
    };
    for r in t.revokes {
        for who in &r.from {
            for p in expand(&r.privileges) {
                want.remove(&(who.clone(), p));
            }
        }
    }
    for g in t.grants {
        for who in &g.to {
            for p in expand(&g.privileges) {
                let entry = want
                    .entry((who.clone(), p))
                    .or_insert((false, g.origin.clone()));
                if g.with_grant_option && !entry.0 {
                    *entry = (true, g.origin.clone());
                }
            }
        }
    }
    if let Some(owner) = t.owner {
        want.retain(|(who, _), _| who != owner);
    }
    want
}

/// Adds the GRANT/REVOKE changes that take `actual` to the target's desired ACL.
pub fn diff(t: &Target<'_>, actual: &Acl, out: &mut Diff) {
    let want = desired(t);
    let explicitly_revoked = |who: &str, p: Privilege| {
        t.revokes.iter().find(|r| {
            r.from.iter().any(|f| f == who) && r.privileges.as_ref().is_none_or(|s| s.contains(&p))
        })
    };

    // Grants, grouped per (grantee, grant option, origin) into one statement each.
    let mut grants: BTreeMap<(String, bool), (Vec<Privilege>, Origin)> = BTreeMap::new();
    for ((who, p), (grant_option, origin)) in &want {
        let have = actual.get(who).and_then(|g| g.get(p));
        let needed = match have {
            None => true,
            Some(have_option) => *grant_option && !have_option,
        };
        if needed {
            grants
                .entry((who.clone(), *grant_option))
                .or_insert_with(|| (Vec::new(), origin.clone()))
                .0
                .push(*p);
        }
    }
    for ((who, grant_option), (privileges, origin)) in grants {
        out.changes.push(Change::converge(
            Phase::Privileges,
            t.label.clone(),
            &origin,
            Statement::Grant {
                kind: t.kind,
                object: t.name.to_string(),
                privileges,
                grantees: vec![who],
                with_grant_option: grant_option,
            },
        ));
    }

    // Revokes: declared ones converge; the rest are extras to prune.
    let mut revokes: BTreeMap<(String, bool, Option<Origin>), Vec<Privilege>> = BTreeMap::new();
    for (who, held) in actual {
        if Some(who.as_str()) == t.owner {
            continue;
        }
        for (p, has_option) in held {
            match want.get(&(who.clone(), *p)) {
                None => {
                    let origin = explicitly_revoked(who, *p).map(|r| r.origin.clone());
                    revokes
                        .entry((who.clone(), false, origin))
                        .or_default()
                        .push(*p);
                }
                Some((false, _)) if *has_option => {
                    revokes
                        .entry((who.clone(), true, None))
                        .or_default()
                        .push(*p);
                }
                Some(_) => {}
            }
        }
    }
    for ((who, option_only, origin), privileges) in revokes {
        let statement = Statement::Revoke {
            kind: t.kind,
            object: t.name.to_string(),
            privileges: privileges.clone(),
            grantees: vec![who.clone()],
            grant_option_only: option_only,
        };
        let change = match origin {
            Some(origin) => {
                Change::converge(Phase::Privileges, t.label.clone(), &origin, statement)
            }
            None => {
                let what = privileges
                    .iter()
                    .map(|p| p.keyword())
                    .collect::<Vec<_>>()
                    .join(", ");
                let held = if option_only { "grant option for " } else { "" };
                Change::prune(
                    format!("{held}{what} on {} held by `{who}`", t.label),
                    statement,
                )
            }
        };
        out.changes.push(change);
    }
}
