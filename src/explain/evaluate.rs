//! Effective privileges of one role on one object, each traced to its
//! sources — PostgreSQL's `aclmask` and the `pg_*_aclmask` functions,
//! computed from the object's complete ACL and the role's [`Reach`]:
//!
//! - a superuser holds everything, with grant option;
//! - otherwise a privilege is held when an ACL entry for PUBLIC, the role, or
//!   a role whose privileges it has holds it (the owner's entries are how an
//!   owner holds its privileges: an owner that revoked one from itself lacks it);
//! - the owner, and every role with the owner's privileges, implicitly holds
//!   every grant option; other grant options come from entries like privileges;
//! - predefined roles add privileges without grant option: `pg_read_all_data`
//!   SELECT on tables, views and sequences and USAGE on schemas,
//!   `pg_write_all_data` INSERT, UPDATE, DELETE there and USAGE on schemas,
//!   `pg_maintain` MAINTAIN (PostgreSQL 17+);
//! - a column holds what its table holds, plus its own entries.
//!
//! An entry for a role the explained role is a member of *without* inheriting
//! is reported as blocked: it says why a privilege is missing.

use super::landscape::{Acl, AclEntry, Column, Grantee, Kind};
use super::memberships::{Path, Reach};
use crate::privilege::{COLUMN_PRIVILEGES, Privilege};
use serde::{Serialize, Serializer};

/// Why a role holds a privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Source {
    /// The role is a superuser.
    Superuser,
    /// The owner's own entry: the role is the owner, or has its privileges.
    Owner {
        /// The owner.
        owner: String,
        /// From the explained role to the owner (empty: it is the owner).
        path: Path,
    },
    /// A grant to the role, or to a role whose privileges it has.
    Grant {
        /// Who the grant is to.
        grantee: String,
        /// Who granted it.
        grantor: Option<String>,
        /// `WITH GRANT OPTION`.
        grant_option: bool,
        /// From the explained role to the grantee (empty: a direct grant).
        path: Path,
    },
    /// A grant to PUBLIC.
    Public {
        /// Who granted it.
        grantor: Option<String>,
        /// It is PostgreSQL's built-in default for the kind (the object has
        /// no ACL of its own).
        builtin: bool,
    },
    /// A predefined role that grants this privilege on every such object.
    Predefined {
        /// `pg_read_all_data`, `pg_write_all_data` or `pg_maintain`.
        role: String,
        /// From the explained role to it.
        path: Path,
    },
    /// A column: the privilege is held on the whole table.
    Table,
}

/// A grant the role does not benefit from: to a role it is a member of
/// through a step that does not inherit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// Who the grant is to.
    pub grantee: String,
    /// Who granted it.
    pub grantor: Option<String>,
    /// From the explained role to the grantee; one step does not inherit.
    pub path: Path,
    /// Whether `SET ROLE` to the grantee is allowed (and would give it).
    pub set_role: bool,
}

/// The answer for one privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The privilege.
    #[serde(serialize_with = "keyword")]
    pub privilege: Privilege,
    /// Whether the role holds it (`has_*_privilege`).
    pub held: bool,
    /// Whether it holds it with grant option (`… WITH GRANT OPTION`).
    pub grantable: bool,
    /// Every reason it holds it, most direct first.
    pub sources: Vec<Source>,
    /// When not held: grants it would have through a non-inheriting membership.
    pub blocked: Vec<Blocked>,
}

/// Serialises a privilege as its SQL keyword.
pub fn keyword<S: Serializer>(p: &Privilege, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.keyword())
}

/// The privileges an object of `kind` has on server `major`.
pub fn privileges(kind: Kind, major: u32) -> &'static [Privilege] {
    kind.privilege_kind().all_privileges(major)
}

/// The predefined role that gives `p` on every object of `kind` (PostgreSQL
/// 14+; `pg_maintain` 17+), if any.
fn predefined(kind: Kind, p: Privilege, major: u32) -> &'static [&'static str] {
    if kind.is_relation() {
        match p {
            Privilege::Select => &["pg_read_all_data"],
            Privilege::Insert | Privilege::Update | Privilege::Delete => &["pg_write_all_data"],
            Privilege::Maintain if major >= 17 => &["pg_maintain"],
            _ => &[],
        }
    } else if kind == Kind::Schema && p == Privilege::Usage {
        &["pg_read_all_data", "pg_write_all_data"]
    } else {
        &[]
    }
}

/// The role's answer for every privilege of an object.
pub fn object(
    reach: &Reach,
    major: u32,
    kind: Kind,
    owner: Option<&str>,
    acl: &Acl,
) -> Vec<Answer> {
    let owns = owner.is_some_and(|o| reach.has_privileges_of(o));
    privileges(kind, major)
        .iter()
        .map(|&p| {
            if reach.superuser {
                return Answer {
                    privilege: p,
                    held: true,
                    grantable: true,
                    sources: vec![Source::Superuser],
                    blocked: Vec::new(),
                };
            }
            let (mut sources, mut grantable, blocked) =
                from_entries(reach, p, owner, &acl.entries, acl.builtin);
            for role in predefined(kind, p, major) {
                if let Some(path) = reach.path_to(role) {
                    sources.push(Source::Predefined {
                        role: role.to_string(),
                        path: path.clone(),
                    });
                }
            }
            grantable |= owns;
            finish(p, sources, grantable, blocked)
        })
        .collect()
}

/// The role's answers for the columns of a table whose table-level answers
/// are `table`.
pub fn columns(
    reach: &Reach,
    table: &[Answer],
    owner: Option<&str>,
    columns: &[Column],
) -> Vec<(String, Vec<Answer>)> {
    columns
        .iter()
        .map(|c| {
            let answers = COLUMN_PRIVILEGES
                .iter()
                .map(|&p| {
                    let whole = table.iter().find(|a| a.privilege == p);
                    let (held, grantable) = whole.map_or((false, false), |a| (a.held, a.grantable));
                    if reach.superuser {
                        return Answer {
                            privilege: p,
                            held: true,
                            grantable: true,
                            sources: vec![Source::Superuser],
                            blocked: Vec::new(),
                        };
                    }
                    let (own, own_grantable, blocked) =
                        from_entries(reach, p, owner, &c.acl, false);
                    let mut sources = Vec::new();
                    if held {
                        sources.push(Source::Table);
                    }
                    sources.extend(own);
                    let mut blocked = blocked;
                    if let Some(w) = whole
                        && !held
                    {
                        blocked.extend(w.blocked.iter().cloned());
                    }
                    finish(p, sources, grantable || own_grantable, blocked)
                })
                .collect();
            (c.name.clone(), answers)
        })
        .collect()
}

fn finish(
    p: Privilege,
    mut sources: Vec<Source>,
    grantable: bool,
    blocked: Vec<Blocked>,
) -> Answer {
    sources.sort_by_key(rank);
    sources.dedup();
    let held = !sources.is_empty();
    Answer {
        privilege: p,
        held,
        grantable,
        blocked: if held { Vec::new() } else { blocked },
        sources,
    }
}

/// Most direct first: ownership, direct grants, grants through memberships
/// (shorter paths first), PUBLIC, predefined roles.
fn rank(s: &Source) -> (u8, usize) {
    match s {
        Source::Superuser => (0, 0),
        Source::Owner { path, .. } => (1, path.len()),
        Source::Table => (2, 0),
        Source::Grant { path, .. } => (3, path.len()),
        Source::Public { .. } => (4, 0),
        Source::Predefined { path, .. } => (5, path.len()),
    }
}

/// Sources, grant option and blocked grants of `p` from ACL entries.
fn from_entries(
    reach: &Reach,
    p: Privilege,
    owner: Option<&str>,
    entries: &[AclEntry],
    builtin: bool,
) -> (Vec<Source>, bool, Vec<Blocked>) {
    let mut sources = Vec::new();
    let mut grantable = false;
    let mut blocked = Vec::new();
    for e in entries.iter().filter(|e| e.privilege == p) {
        match &e.grantee {
            Grantee::Public => sources.push(Source::Public {
                grantor: e.grantor.clone(),
                builtin,
            }),
            Grantee::Role(g) => {
                if let Some(path) = reach.path_to(g) {
                    grantable |= e.grantable;
                    sources.push(if Some(g.as_str()) == owner {
                        Source::Owner {
                            owner: g.clone(),
                            path: path.clone(),
                        }
                    } else {
                        Source::Grant {
                            grantee: g.clone(),
                            grantor: e.grantor.clone(),
                            grant_option: e.grantable,
                            path: path.clone(),
                        }
                    });
                } else if let Some(path) = reach.member_only.get(g) {
                    blocked.push(Blocked {
                        grantee: g.clone(),
                        grantor: e.grantor.clone(),
                        path: path.clone(),
                        set_role: reach.can_set.contains(g),
                    });
                }
            }
        }
    }
    (sources, grantable, blocked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::landscape::{Kind, Landscape, MembershipRow, Object, Origin, RoleFacts};
    use crate::explain::memberships::reach;

    fn entry(grantee: &str, grantor: &str, p: Privilege, grantable: bool) -> AclEntry {
        AclEntry {
            grantee: Grantee::parse(grantee),
            grantor: Some(grantor.into()),
            privilege: p,
            grantable,
        }
    }

    fn world(major: u32, inherit_app: bool) -> Landscape {
        let role = |name: &str, inherit: bool| RoleFacts {
            inherit,
            known: true,
            ..RoleFacts::unknown(name)
        };
        let member = |member: &str, role: &str| MembershipRow {
            role: role.into(),
            member: member.into(),
            grantor: None,
            admin: false,
            inherit_option: None,
            set_option: None,
        };
        Landscape {
            origin: Origin::Live,
            major,
            roles: [
                role("app", inherit_app),
                role("rw", true),
                role("owner", true),
                role("reader", true),
            ]
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect(),
            memberships: vec![
                member("app", "rw"),
                member("reader", "pg_read_all_data"),
                member("rw", "owner"),
            ],
            database: Object::new(Kind::Database, None, "db"),
            schemas: Vec::new(),
            objects: Vec::new(),
            default_acls: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn table_acl() -> Acl {
        Acl {
            entries: vec![
                entry("owner", "owner", Privilege::Select, false),
                entry("owner", "owner", Privilege::Insert, false),
                entry("rw", "owner", Privilege::Update, true),
                entry("PUBLIC", "owner", Privilege::References, false),
            ],
            builtin: false,
        }
    }

    fn held(answers: &[Answer]) -> Vec<(&'static str, bool)> {
        answers
            .iter()
            .filter(|a| a.held)
            .map(|a| (a.privilege.keyword(), a.grantable))
            .collect()
    }

    #[test]
    fn grants_reach_members_that_inherit_and_owners_hold_grant_options() {
        let w = world(15, true);
        let r = reach(&w, "app");
        let answers = object(&r, 15, Kind::Table, Some("owner"), &table_acl());
        // app → rw → owner: the owner's entries, rw's grant, PUBLIC's.
        assert_eq!(
            held(&answers),
            vec![
                ("SELECT", true),
                ("INSERT", true),
                ("UPDATE", true),
                ("REFERENCES", true)
            ]
        );
        let select = &answers[0];
        assert!(matches!(&select.sources[0], Source::Owner { path, .. } if path.len() == 2));
        // Not granted at all: no source, nothing blocked, but the owner's
        // implicit grant option.
        let delete = answers
            .iter()
            .find(|a| a.privilege == Privilege::Delete)
            .unwrap();
        assert!(!delete.held && delete.grantable && delete.blocked.is_empty());
    }

    #[test]
    fn a_noinherit_member_sees_blocked_grants() {
        let w = world(15, false);
        let r = reach(&w, "app");
        let answers = object(&r, 15, Kind::Table, Some("owner"), &table_acl());
        assert_eq!(held(&answers), vec![("REFERENCES", false)]);
        let update = answers
            .iter()
            .find(|a| a.privilege == Privilege::Update)
            .unwrap();
        assert_eq!(update.blocked.len(), 1);
        assert_eq!(update.blocked[0].grantee, "rw");
        assert!(update.blocked[0].set_role);
    }

    #[test]
    fn predefined_roles_and_maintain() {
        let w = world(17, true);
        let r = reach(&w, "reader");
        let answers = object(&r, 17, Kind::View, Some("owner"), &table_acl());
        let select = &answers[0];
        assert!(select.held && !select.grantable);
        assert!(
            matches!(&select.sources[0], Source::Predefined { role, .. } if role == "pg_read_all_data")
        );
        assert_eq!(answers.len(), 8);
        let schema = object(&r, 17, Kind::Schema, Some("owner"), &Acl::default());
        assert!(schema[0].held && schema[0].privilege == Privilege::Usage);
        let function = object(&r, 17, Kind::Function, Some("owner"), &Acl::default());
        assert!(!function[0].held);
    }

    #[test]
    fn columns_add_to_the_table() {
        let w = world(16, true);
        let r = reach(&w, "reader");
        let table = object(&r, 16, Kind::Table, Some("owner"), &table_acl());
        let cols = columns(
            &r,
            &table,
            Some("owner"),
            &[Column {
                name: "email".into(),
                acl: vec![entry("reader", "owner", Privilege::Update, true)],
            }],
        );
        let (name, answers) = &cols[0];
        assert_eq!(name, "email");
        assert_eq!(
            held(answers),
            vec![("SELECT", false), ("UPDATE", true), ("REFERENCES", false)]
        );
        assert_eq!(answers[0].sources, vec![Source::Table]);
    }
}
