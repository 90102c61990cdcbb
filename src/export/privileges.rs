//! Privileges as the spec says them: an ACL becomes the `grants:` and
//! `revoke:` that take the engine's baseline for the object to exactly that
//! ACL, default privileges become `default_privileges:` items, and a grant
//! every object of a kind in a schema carries — backed by default
//! privileges of the schema's creators — becomes one schema-wide grant
//! (`grants: [{ on: tables, … }]`).
//!
//! The baseline mirrors `diff::objects`: built-in default (`acldefault`),
//! replaced by the owner's global default privileges, plus its per-schema
//! ones, plus the schema-wide grants; what the export writes for an object
//! is the difference between that and the catalog.

use super::yaml::{Map, Node, strings};
use crate::privilege::{Acl, COLUMN_PRIVILEGES, ObjectKind, Privilege};
use std::collections::{BTreeMap, BTreeSet};

/// The privilege list of an item: `[ALL]` when it is everything `all` holds.
pub fn privilege_list(set: &BTreeSet<Privilege>, all: &[Privilege]) -> Node {
    if all.len() > 1 && all.iter().all(|p| set.contains(p)) && set.len() == all.len() {
        return strings(["ALL"]);
    }
    strings(set.iter().map(|p| p.keyword()))
}

/// `grants:` and `revoke:` items that take `base` to `have`, the way the
/// engine applies them (base − revokes + grants; a grant option, once
/// granted, is kept).
pub fn items(base: &Acl, have: &Acl, all: &[Privilege]) -> (Vec<Node>, Vec<Node>) {
    // grantee → (privileges without, with grant option) to grant
    let mut grant: BTreeMap<&str, (BTreeSet<Privilege>, BTreeSet<Privilege>)> = BTreeMap::new();
    let mut revoke: BTreeMap<&str, BTreeSet<Privilege>> = BTreeMap::new();
    for (who, held) in have {
        for (p, option) in held {
            match base.get(who).and_then(|b| b.get(p)) {
                Some(base_option) if base_option == option => {}
                Some(true) => {
                    // Only a revoke and a grant without the option drop it.
                    revoke.entry(who).or_default().insert(*p);
                    grant.entry(who).or_default().0.insert(*p);
                }
                _ => {
                    let entry = grant.entry(who).or_default();
                    if *option {
                        entry.1.insert(*p);
                    } else {
                        entry.0.insert(*p);
                    }
                }
            }
        }
    }
    for (who, held) in base {
        for p in held.keys() {
            if have.get(who).is_none_or(|h| !h.contains_key(p)) {
                revoke.entry(who).or_default().insert(*p);
            }
        }
    }
    // Grantees with the same privileges share one item.
    let mut grants: BTreeMap<(bool, BTreeSet<Privilege>), Vec<&str>> = BTreeMap::new();
    for (who, (plain, option)) in grant {
        for (with, set) in [(false, plain), (true, option)] {
            if !set.is_empty() {
                grants.entry((with, set)).or_default().push(who);
            }
        }
    }
    let mut revokes: BTreeMap<BTreeSet<Privilege>, Vec<&str>> = BTreeMap::new();
    for (who, set) in revoke {
        revokes.entry(set).or_default().push(who);
    }
    let grants = grants
        .into_iter()
        .map(|((with, set), to)| grant_item(&to, &set, with, all, None))
        .collect();
    let revokes = revokes
        .into_iter()
        .map(|(set, from)| {
            let mut m = Map::new();
            m.insert("from", strings(from));
            m.insert("privileges", privilege_list(&set, all));
            Node::Map(m)
        })
        .collect();
    (grants, revokes)
}

/// `{ to, privileges, with_grant_option, columns }`.
fn grant_item(
    to: &[&str],
    set: &BTreeSet<Privilege>,
    with: bool,
    all: &[Privilege],
    columns: Option<&[String]>,
) -> Node {
    let mut m = Map::new();
    m.insert("to", strings(to.iter().copied()));
    m.insert("privileges", privilege_list(set, all));
    if with {
        m.insert("with_grant_option", true);
    }
    if let Some(columns) = columns {
        m.insert("columns", strings(columns.iter()));
    }
    Node::Map(m)
}

/// Column grants (`grants: [{ …, columns: [...] }]`): the same privileges
/// for the same grantee on several columns make one item, in column order.
pub fn column_items(column_acls: &[(String, Acl)]) -> Vec<Node> {
    // (grantee, option, privileges) → columns
    let mut per: BTreeMap<(String, bool, BTreeSet<Privilege>), Vec<String>> = BTreeMap::new();
    for (column, acl) in column_acls {
        for (who, held) in acl {
            for with in [false, true] {
                let set: BTreeSet<Privilege> = held
                    .iter()
                    .filter(|(_, o)| **o == with)
                    .map(|(p, _)| *p)
                    .collect();
                if !set.is_empty() {
                    per.entry((who.clone(), with, set))
                        .or_default()
                        .push(column.clone());
                }
            }
        }
    }
    let mut items: BTreeMap<(Vec<String>, bool, BTreeSet<Privilege>), Vec<String>> =
        BTreeMap::new();
    for ((who, with, set), columns) in per {
        items.entry((columns, with, set)).or_default().push(who);
    }
    items
        .into_iter()
        .map(|((columns, with, set), to)| {
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            grant_item(&to, &set, with, COLUMN_PRIVILEGES, Some(&columns))
        })
        .collect()
}

/// The ACL a kind starts with: PUBLIC's built-in privileges.
pub fn builtin(kind: ObjectKind) -> Acl {
    let mut acl = Acl::new();
    for p in kind.public_default() {
        acl.entry("PUBLIC".to_string())
            .or_default()
            .insert(*p, false);
    }
    acl
}

/// Adds `extra` to `acl` (a grant option, once present, stays).
pub fn merge(acl: &mut Acl, extra: &Acl) {
    for (who, held) in extra {
        let entry = acl.entry(who.clone()).or_default();
        for (p, option) in held {
            *entry.entry(*p).or_insert(false) |= option;
        }
    }
}

/// The default privileges as the catalog holds them: per (role, kind) the
/// complete global ACL, per (role, schema, kind) what a schema adds.
#[derive(Debug, Default, Clone)]
pub struct Defaults {
    /// (role, kind) → global ACL (the role's own entries left out).
    pub global: BTreeMap<(String, ObjectKind), Acl>,
    /// (role, schema, kind) → what a schema adds.
    pub local: BTreeMap<(String, String, ObjectKind), Acl>,
}

impl Defaults {
    /// What `owner`'s new object of `class` in `schema` gets from default privileges.
    pub fn effective(&self, owner: &str, schema: &str, class: ObjectKind) -> Acl {
        let mut acl = self
            .global
            .get(&(owner.to_string(), class))
            .cloned()
            .unwrap_or_else(|| builtin(class));
        if let Some(local) = self
            .local
            .get(&(owner.to_string(), schema.to_string(), class))
        {
            merge(&mut acl, local);
        }
        acl
    }
}

/// One grant made schema-wide: its grantee, privilege and option, and the
/// roles whose default privileges carry it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WidePair {
    /// Grantee.
    pub to: String,
    /// Privilege.
    pub privilege: Privilege,
    /// With grant option.
    pub option: bool,
    /// The creating roles.
    pub for_roles: BTreeSet<String>,
}

/// A live object of a kind a schema-wide grant covers, as compaction sees it.
pub struct Candidate<'a> {
    /// Its owner.
    pub owner: &'a str,
    /// Its ACL without the owner's entries.
    pub acl: &'a Acl,
    /// Whether the export declares it (so a `revoke:` can say it lacks a grant).
    pub declared: bool,
}

/// Chooses the schema-wide grants of one schema and kind (see the module):
/// a grant the per-schema default privileges of at least one of the
/// schema's `creators` carry, held by more than half of the existing objects
/// it concerns, and missing only from objects the export declares.
pub fn schema_wide(
    defaults: &Defaults,
    schema: &str,
    class: ObjectKind,
    creators: &BTreeSet<String>,
    objects: &[Candidate<'_>],
) -> Vec<WidePair> {
    let mut pairs: BTreeMap<(String, Privilege, bool), BTreeSet<String>> = BTreeMap::new();
    for ((role, s, kind), acl) in &defaults.local {
        if s != schema || *kind != class {
            continue;
        }
        for (who, held) in acl {
            for (p, option) in held {
                pairs
                    .entry((who.clone(), *p, *option))
                    .or_default()
                    .insert(role.clone());
            }
        }
    }
    let mut out = Vec::new();
    for ((to, privilege, option), roles) in pairs {
        if roles.is_disjoint(creators) {
            continue;
        }
        let holds = |o: &Candidate<'_>| {
            o.acl
                .get(&to)
                .and_then(|h| h.get(&privilege))
                .is_some_and(|have| *have || !option)
        };
        let concerned: Vec<&Candidate<'_>> = objects.iter().filter(|o| o.owner != to).collect();
        let holding = concerned.iter().filter(|o| holds(o)).count();
        let majority = concerned.is_empty() || 2 * holding > concerned.len();
        let exceptions_declared = concerned.iter().all(|o| holds(o) || o.declared);
        if majority && exceptions_declared {
            out.push(WidePair {
                to,
                privilege,
                option,
                for_roles: roles,
            });
        }
    }
    out
}

/// The ACL the schema-wide grants give every object of their kind.
pub fn wide_acl(pairs: &[WidePair]) -> Acl {
    let mut acl = Acl::new();
    for w in pairs {
        *acl.entry(w.to.clone())
            .or_default()
            .entry(w.privilege)
            .or_insert(false) |= w.option;
    }
    acl
}

/// Takes away from `local` (per-schema default privileges) what the
/// schema-wide grants already imply, so `default_privileges:` says only the rest.
pub fn subtract_wide(
    local: &mut BTreeMap<(String, String, ObjectKind), Acl>,
    schema: &str,
    class: ObjectKind,
    pairs: &[WidePair],
) {
    for w in pairs {
        for role in &w.for_roles {
            let key = (role.clone(), schema.to_string(), class);
            if let Some(acl) = local.get_mut(&key) {
                if let Some(held) = acl.get_mut(&w.to) {
                    held.remove(&w.privilege);
                    if held.is_empty() {
                        acl.remove(&w.to);
                    }
                }
                if acl.is_empty() {
                    local.remove(&key);
                }
            }
        }
    }
}

/// The `grants:` items (with `on:`) of schema-wide pairs; `for_roles` is
/// written when it is not the schema's creators.
pub fn wide_items(
    on: &str,
    pairs: &[WidePair],
    creators: &BTreeSet<String>,
    all: &[Privilege],
) -> Vec<Node> {
    // (for_roles, option, grantee) → privileges, then grantees sharing them.
    let mut per: BTreeMap<(BTreeSet<String>, bool, String), BTreeSet<Privilege>> = BTreeMap::new();
    for w in pairs {
        per.entry((w.for_roles.clone(), w.option, w.to.clone()))
            .or_default()
            .insert(w.privilege);
    }
    let mut items: BTreeMap<(BTreeSet<String>, bool, BTreeSet<Privilege>), Vec<String>> =
        BTreeMap::new();
    for ((roles, option, to), set) in per {
        items.entry((roles, option, set)).or_default().push(to);
    }
    items
        .into_iter()
        .map(|((roles, option, set), to)| {
            let mut m = Map::new();
            m.insert("on", on);
            m.insert("to", strings(to));
            m.insert("privileges", privilege_list(&set, all));
            if option {
                m.insert("with_grant_option", true);
            }
            if &roles != creators {
                m.insert("for_roles", strings(roles));
            }
            Node::Map(m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(entries: &[(&str, Privilege, bool)]) -> Acl {
        let mut a = Acl::new();
        for (who, p, o) in entries {
            a.entry(who.to_string()).or_default().insert(*p, *o);
        }
        a
    }

    #[test]
    fn items_take_the_base_to_the_catalog() {
        use Privilege::*;
        let base = acl(&[("PUBLIC", Execute, false), ("a", Select, true)]);
        let have = acl(&[
            ("a", Select, false),
            ("b", Select, false),
            ("b", Insert, true),
        ]);
        let (grants, revokes) = items(&base, &have, ObjectKind::Table.all_privileges(16));
        let text = super::super::yaml::document(&[], &{
            let mut m = Map::new();
            m.insert("grants", Node::Seq(grants));
            m.insert("revoke", Node::Seq(revokes));
            m
        });
        assert_eq!(
            text,
            "grants:\n  - { to: [a, b], privileges: [SELECT] }\n  - { to: [b], privileges: [INSERT], with_grant_option: true }\n\
             revoke: [{ from: [a], privileges: [SELECT] }, { from: [PUBLIC], privileges: [EXECUTE] }]\n"
        );
    }

    #[test]
    fn a_grant_most_objects_hold_becomes_schema_wide_with_its_exceptions_declared() {
        use Privilege::*;
        let mut d = Defaults::default();
        d.local.insert(
            ("owner".into(), "s".into(), ObjectKind::Table),
            acl(&[("reader", Select, false), ("writer", Insert, false)]),
        );
        let both = acl(&[("reader", Select, false), ("writer", Insert, false)]);
        let select = acl(&[("reader", Select, false)]);
        let creators: BTreeSet<String> = ["owner".to_string()].into();
        let objects = [
            Candidate {
                owner: "owner",
                acl: &both,
                declared: true,
            },
            Candidate {
                owner: "owner",
                acl: &both,
                declared: true,
            },
            Candidate {
                owner: "owner",
                acl: &select,
                declared: true,
            },
        ];
        let pairs = schema_wide(&d, "s", ObjectKind::Table, &creators, &objects);
        assert_eq!(pairs.len(), 2);
        // An undeclared object without the grant keeps it per object.
        let objects = [
            Candidate {
                owner: "owner",
                acl: &both,
                declared: true,
            },
            Candidate {
                owner: "owner",
                acl: &select,
                declared: false,
            },
        ];
        let pairs = schema_wide(&d, "s", ObjectKind::Table, &creators, &objects);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].to, "reader");
        // Default privileges of a role that is not a creator stay default privileges.
        let others: BTreeSet<String> = ["someone".to_string()].into();
        assert!(schema_wide(&d, "s", ObjectKind::Table, &others, &objects).is_empty());
    }
}
