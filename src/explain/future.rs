//! Default privileges as they concern one role: what it will hold on objects
//! other roles create later, per creating role, schema and kind.
//!
//! PostgreSQL gives a new object of kind K that role C creates in schema S
//! the ACL (`get_user_default_acl`): C's global `pg_default_acl` row for K,
//! or the built-in `acldefault(K, C)` when there is none, merged with C's row
//! for (S, K). C owns the object. So each row here is the role's answer on a
//! would-be object with that owner and ACL, computed like any other
//! ([`super::evaluate::object`]). There is one row per global entry and one
//! per per-schema entry; objects C creates elsewhere get the built-in default.

use super::evaluate::{self, Answer};
use super::landscape::{Acl, AclEntry, DefaultAcl, Grantee, Kind, Landscape};
use super::memberships::Reach;
use crate::privilege::ObjectKind;
use serde::Serialize;

/// What the role will hold on one creator's future objects of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FutureAnswer {
    /// The role that creates them (and owns them).
    pub creator: String,
    /// In this schema; `None`: in any schema without an entry of its own.
    pub schema: Option<String>,
    /// `tables` (views too), `sequences`, `functions` (procedures too),
    /// `types` or `schemas`.
    pub kind: &'static str,
    /// Whether a global entry replaces PostgreSQL's built-in default here.
    pub replaces_builtin: bool,
    /// Per privilege.
    pub privileges: Vec<Answer>,
}

/// The kind of object a default-privileges kind makes.
fn object_kind(kind: ObjectKind) -> Kind {
    match kind {
        ObjectKind::Sequence => Kind::Sequence,
        ObjectKind::Function | ObjectKind::Procedure => Kind::Function,
        ObjectKind::Type => Kind::Type,
        ObjectKind::Schema => Kind::Schema,
        _ => Kind::Table,
    }
}

/// `acldefault(kind, creator)`: the creator holds everything, PUBLIC what
/// the kind gives it.
pub fn builtin(kind: ObjectKind, creator: &str, major: u32) -> Vec<AclEntry> {
    let owner = kind.all_privileges(major).iter().map(|&p| AclEntry {
        grantee: Grantee::Role(creator.to_string()),
        grantor: Some(creator.to_string()),
        privilege: p,
        grantable: false,
    });
    let public = kind.public_default().iter().map(|&p| AclEntry {
        grantee: Grantee::Public,
        grantor: Some(creator.to_string()),
        privilege: p,
        grantable: false,
    });
    owner.chain(public).collect()
}

/// One row per `pg_default_acl` entry, sorted by creator, schema (global
/// first) and kind.
pub fn answers(landscape: &Landscape, reach: &Reach) -> Vec<FutureAnswer> {
    let major = landscape.major;
    let global = |creator: &str, kind: ObjectKind| -> Option<&DefaultAcl> {
        landscape
            .default_acls
            .iter()
            .find(|d| d.creator == creator && d.kind == kind && d.schema.is_none())
    };
    let mut rows: Vec<FutureAnswer> = landscape
        .default_acls
        .iter()
        .filter_map(|d| {
            let kind = object_kind(d.kind);
            let plural = d.kind.default_keyword()?;
            let base = global(&d.creator, d.kind);
            let mut entries = match base {
                Some(g) => g.entries.clone(),
                None => builtin(d.kind, &d.creator, major),
            };
            if d.schema.is_some() {
                entries.extend(d.entries.iter().cloned());
            }
            // PUBLIC's entries come from `acldefault` unless the row adds its own.
            let builtin = base.is_none() && !d.entries.iter().any(|e| e.grantee == Grantee::Public);
            let acl = Acl { entries, builtin };
            Some(FutureAnswer {
                creator: d.creator.clone(),
                schema: d.schema.clone(),
                kind: plural_lower(plural),
                replaces_builtin: base.is_some(),
                privileges: evaluate::object(reach, major, kind, Some(&d.creator), &acl),
            })
        })
        .collect();
    rows.sort_by(|a, b| (&a.creator, &a.schema, a.kind).cmp(&(&b.creator, &b.schema, b.kind)));
    rows
}

fn plural_lower(keyword: &str) -> &'static str {
    match keyword {
        "TABLES" => "tables",
        "SEQUENCES" => "sequences",
        "FUNCTIONS" => "functions",
        "TYPES" => "types",
        _ => "schemas",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::landscape::{Object, Origin, RoleFacts};
    use crate::explain::memberships::reach;
    use crate::privilege::Privilege;

    fn world(default_acls: Vec<DefaultAcl>) -> Landscape {
        Landscape {
            origin: Origin::Live,
            major: 15,
            roles: [RoleFacts {
                known: true,
                ..RoleFacts::unknown("reader")
            }]
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect(),
            memberships: Vec::new(),
            database: Object::new(Kind::Database, None, "db"),
            schemas: Vec::new(),
            objects: Vec::new(),
            default_acls,
            notes: Vec::new(),
        }
    }

    fn entry(grantee: &str, p: Privilege) -> AclEntry {
        AclEntry {
            grantee: Grantee::parse(grantee),
            grantor: Some("app".into()),
            privilege: p,
            grantable: false,
        }
    }

    #[test]
    fn a_per_schema_entry_adds_to_the_global_one_or_the_builtin() {
        let w = world(vec![
            DefaultAcl {
                creator: "app".into(),
                schema: None,
                kind: ObjectKind::Function,
                // PUBLIC's EXECUTE revoked: only the owner's entry is left.
                entries: vec![entry("app", Privilege::Execute)],
            },
            DefaultAcl {
                creator: "app".into(),
                schema: Some("api".into()),
                kind: ObjectKind::Function,
                entries: vec![entry("reader", Privilege::Execute)],
            },
            DefaultAcl {
                creator: "app".into(),
                schema: Some("api".into()),
                kind: ObjectKind::Type,
                entries: vec![entry("reader", Privilege::Usage)],
            },
        ]);
        let rows = answers(&w, &reach(&w, "reader"));
        let held = |i: usize| rows[i].privileges.iter().filter(|a| a.held).count();
        assert_eq!(
            rows.iter()
                .map(|r| (r.schema.as_deref(), r.kind))
                .collect::<Vec<_>>(),
            vec![
                (None, "functions"),
                (Some("api"), "functions"),
                (Some("api"), "types")
            ]
        );
        assert_eq!(held(0), 0);
        assert_eq!(held(1), 1);
        // Types: the built-in default (PUBLIC USAGE) plus the grant.
        assert!(!rows[2].replaces_builtin);
        assert_eq!(rows[2].privileges[0].sources.len(), 2);
    }
}
