//! The membership graph of one role, with the rules of the server's major
//! version: whose privileges the role has (`has_privs_of_role`), which roles
//! it is a member of without having their privileges, and the path to each.
//!
//! PostgreSQL's rules (`roles_is_member_of` in `acl.c`):
//! - before 16, a member has the privileges of a granted role iff the
//!   *member* has the INHERIT attribute, at every step of the chain;
//! - from 16, iff the *grant* has `INHERIT TRUE` (`inherit_option`) at every
//!   step; several grants of one role to one member (by different grantors)
//!   count if any of them does. The SET option decides `SET ROLE`, not
//!   privileges;
//! - the database owner is implicitly a member of `pg_database_owner`
//!   (before 16 only when it has INHERIT itself);
//! - a superuser has the privileges of every role.

use super::landscape::Landscape;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One step of a membership path: `member` is a member of `role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The member.
    pub member: String,
    /// The granted role.
    pub role: String,
    /// Whether this step passes privileges on.
    pub inherit: bool,
    /// Whether `member` may `SET ROLE` to `role` through this step.
    pub set: bool,
    /// The database owner's implicit membership in `pg_database_owner`.
    pub implicit: bool,
    /// Why the step does not pass privileges on, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_inherited_because: Option<String>,
}

/// A chain of memberships from the explained role upwards.
pub type Path = Vec<Hop>;

/// `a → b → c` for a path starting at `start`.
pub fn render(start: &str, path: &Path) -> String {
    let mut out = start.to_string();
    for hop in path {
        out.push_str(" → ");
        out.push_str(&hop.role);
    }
    out
}

/// What one role reaches through memberships.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The role.
    pub role: String,
    /// Whether it is a superuser (it then has every role's privileges).
    pub superuser: bool,
    /// Roles whose privileges it has, with the shortest inheriting path;
    /// the role itself with an empty path.
    pub privileges_of: BTreeMap<String, Path>,
    /// Roles it is a member of only through a step that does not inherit,
    /// with the shortest path.
    pub member_only: BTreeMap<String, Path>,
    /// Roles it may `SET ROLE` to.
    pub can_set: BTreeSet<String>,
    /// Roles reached whose own memberships are not known (offline).
    pub unknown: BTreeSet<String>,
}

impl Reach {
    /// `has_privs_of_role(role, other)`.
    pub fn has_privileges_of(&self, other: &str) -> bool {
        self.superuser || self.privileges_of.contains_key(other)
    }

    /// The inheriting path to `other`, if there is one (superusers excepted).
    pub fn path_to(&self, other: &str) -> Option<&Path> {
        self.privileges_of.get(other)
    }
}

#[derive(Debug, Clone)]
struct Edge {
    role: String,
    inherit: bool,
    set: bool,
    implicit: bool,
    reason: Option<String>,
}

/// The membership graph of `landscape` seen from `role`.
pub fn reach(landscape: &Landscape, role: &str) -> Reach {
    let edges = edges(landscape);
    let facts = landscape.role(role);
    let start = role.to_string();
    let walk = |inheriting_only: bool| -> BTreeMap<String, Path> {
        let mut seen: BTreeMap<String, Path> = BTreeMap::new();
        seen.insert(start.clone(), Vec::new());
        let mut queue = VecDeque::from([start.clone()]);
        while let Some(member) = queue.pop_front() {
            let path = seen[&member].clone();
            for edge in edges.get(&member).into_iter().flatten() {
                if (inheriting_only && !edge.inherit) || seen.contains_key(&edge.role) {
                    continue;
                }
                let mut next = path.clone();
                next.push(Hop {
                    member: member.clone(),
                    role: edge.role.clone(),
                    inherit: edge.inherit,
                    set: edge.set,
                    implicit: edge.implicit,
                    not_inherited_because: edge.reason.clone(),
                });
                seen.insert(edge.role.clone(), next);
                queue.push_back(edge.role.clone());
            }
        }
        seen
    };
    let privileges_of = walk(true);
    let all = walk(false);
    let member_only: BTreeMap<String, Path> = all
        .iter()
        .filter(|(r, _)| !privileges_of.contains_key(*r))
        .map(|(r, p)| (r.clone(), p.clone()))
        .collect();
    let can_set = can_set(&edges, &start);
    let unknown = all
        .keys()
        .filter(|r| !landscape.role(r).known)
        .cloned()
        .collect();
    Reach {
        role: start,
        superuser: facts.superuser,
        privileges_of,
        member_only,
        can_set,
        unknown,
    }
}

/// Roles reachable through steps that allow `SET ROLE`.
fn can_set(edges: &BTreeMap<String, Vec<Edge>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut queue = VecDeque::from([start.to_string()]);
    while let Some(member) = queue.pop_front() {
        for edge in edges.get(&member).into_iter().flatten() {
            if edge.set && seen.insert(edge.role.clone()) {
                queue.push_back(edge.role.clone());
            }
        }
    }
    seen.remove(start);
    seen
}

/// Member → the roles it is directly a member of, one edge per pair (grants
/// by several grantors merged: any INHERIT or SET counts), sorted by role.
fn edges(landscape: &Landscape) -> BTreeMap<String, Vec<Edge>> {
    let modern = landscape.major >= 16;
    let mut merged: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for m in &landscape.memberships {
        let member = landscape.role(&m.member);
        let (inherit, reason) = if modern {
            let inherit = m.inherit_option.unwrap_or(member.inherit);
            (
                inherit,
                (!inherit).then(|| format!("{} → {} is granted without INHERIT", m.member, m.role)),
            )
        } else {
            (
                member.inherit,
                (!member.inherit).then(|| format!("{} is NOINHERIT", m.member)),
            )
        };
        let set = if modern {
            m.set_option.unwrap_or(true)
        } else {
            true
        };
        let edge = merged
            .entry((m.member.clone(), m.role.clone()))
            .or_insert(Edge {
                role: m.role.clone(),
                inherit,
                set,
                implicit: false,
                reason: reason.clone(),
            });
        edge.set |= set;
        if inherit && !edge.inherit {
            edge.inherit = true;
            edge.reason = None;
        }
    }
    // The database owner's implicit membership in pg_database_owner.
    if let Some(owner) = &landscape.database.owner {
        let facts = landscape.role(owner);
        let inherit = modern || facts.inherit;
        merged
            .entry((owner.clone(), "pg_database_owner".into()))
            .or_insert(Edge {
                role: "pg_database_owner".into(),
                inherit,
                set: true,
                implicit: true,
                reason: (!inherit).then(|| format!("{owner} is NOINHERIT")),
            });
    }
    let mut out: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
    for ((member, _), edge) in merged {
        // Offline, the memberships of roles outside the spec are not known.
        if landscape.role(&member).known || landscape.origin == super::landscape::Origin::Live {
            out.entry(member).or_default().push(edge);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::landscape::{Kind, MembershipRow, Object, Origin, RoleFacts};

    fn role(name: &str, inherit: bool) -> RoleFacts {
        RoleFacts {
            inherit,
            known: true,
            ..RoleFacts::unknown(name)
        }
    }

    fn member(member: &str, role: &str, inherit: Option<bool>, set: Option<bool>) -> MembershipRow {
        MembershipRow {
            role: role.into(),
            member: member.into(),
            grantor: None,
            admin: false,
            inherit_option: inherit,
            set_option: set,
        }
    }

    fn landscape(major: u32, roles: Vec<RoleFacts>, memberships: Vec<MembershipRow>) -> Landscape {
        Landscape {
            origin: Origin::Live,
            major,
            roles: roles.into_iter().map(|r| (r.name.clone(), r)).collect(),
            memberships,
            database: Object::new(Kind::Database, None, "db"),
            schemas: Vec::new(),
            objects: Vec::new(),
            default_acls: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn before_16_the_member_attribute_decides_at_every_step() {
        // app → rw → ro; rw is NOINHERIT: app has rw's privileges, not ro's.
        let l = landscape(
            15,
            vec![role("app", true), role("rw", false), role("ro", true)],
            vec![
                member("app", "rw", None, None),
                member("rw", "ro", None, None),
            ],
        );
        let r = reach(&l, "app");
        assert!(r.has_privileges_of("app") && r.has_privileges_of("rw"));
        assert!(!r.has_privileges_of("ro"));
        let blocked = &r.member_only["ro"];
        assert_eq!(render("app", blocked), "app → rw → ro");
        assert_eq!(
            blocked[1].not_inherited_because.as_deref(),
            Some("rw is NOINHERIT")
        );
        // SET ROLE follows every membership before 16.
        assert!(r.can_set.contains("ro"));
    }

    #[test]
    fn from_16_the_grant_option_decides_and_any_grant_counts() {
        let l = landscape(
            16,
            vec![role("app", false), role("rw", true), role("ro", true)],
            vec![
                // app is NOINHERIT, but the grant says INHERIT TRUE.
                member("app", "rw", Some(true), Some(false)),
                member("rw", "ro", Some(false), Some(true)),
                // A second grant of ro to rw by another grantor inherits.
                MembershipRow {
                    grantor: Some("admin".into()),
                    ..member("rw", "ro", Some(true), Some(false))
                },
            ],
        );
        let r = reach(&l, "app");
        assert!(r.has_privileges_of("rw") && r.has_privileges_of("ro"));
        assert_eq!(render("app", r.path_to("ro").unwrap()), "app → rw → ro");
        // SET is false on app → rw: SET ROLE reaches nothing.
        assert!(r.can_set.is_empty());
    }

    #[test]
    fn the_database_owner_is_implicitly_pg_database_owner() {
        let mut l = landscape(14, vec![role("owner", false)], Vec::new());
        l.database.owner = Some("owner".into());
        assert!(!reach(&l, "owner").has_privileges_of("pg_database_owner"));
        assert!(
            reach(&l, "owner")
                .member_only
                .contains_key("pg_database_owner")
        );
        l.major = 16;
        let r = reach(&l, "owner");
        assert!(r.has_privileges_of("pg_database_owner"));
        assert!(r.path_to("pg_database_owner").unwrap()[0].implicit);
    }

    #[test]
    fn a_superuser_has_every_role() {
        let mut su = role("su", true);
        su.superuser = true;
        let l = landscape(17, vec![su], Vec::new());
        assert!(reach(&l, "su").has_privileges_of("anyone"));
    }

    #[test]
    fn offline_the_memberships_of_unknown_roles_are_not_followed() {
        let mut l = landscape(
            16,
            vec![role("app", true)],
            vec![
                member("app", "ext", Some(true), Some(true)),
                member("ext", "secret", Some(true), Some(true)),
            ],
        );
        l.origin = Origin::Spec;
        let r = reach(&l, "app");
        assert!(r.has_privileges_of("ext"));
        assert!(!r.has_privileges_of("secret"));
        assert!(r.unknown.contains("ext"));
    }
}
