//! Default privileges (`pg_default_acl`): what the spec declares under
//! `default_privileges:` plus what schema-wide grants imply, vs the catalog.
//!
//! PostgreSQL's rules, which this module models: a global entry (no schema)
//! *replaces* the built-in default for its role and kind — its ACL is
//! complete, and no entry means `acldefault` (PUBLIC may EXECUTE functions
//! and USE types); a per-schema entry *adds* to the global one and cannot take
//! anything away. A new object gets global ∪ per-schema. Undeclared entries
//! of declared roles (and of roles the spec sets defaults for) in declared
//! schemas or globally are extras.

use super::acl::{self, Compare, Desired, Subject};
use super::{Diff, schemas};
use crate::catalog::Catalog;
use crate::change::{Change, Class, Phase};
use crate::privilege::{Acl, ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::model::{DefaultAction, Origin};
use std::collections::{BTreeMap, BTreeSet};

/// (creating role, schema or `None` for global, kind of future object).
pub type Key = (String, Option<String>, ObjectKind);

/// The default privileges the spec wants, per key.
#[derive(Debug, Default)]
pub struct DesiredDefaults {
    entries: BTreeMap<Key, Desired>,
}

impl DesiredDefaults {
    /// What PostgreSQL will give a new object of `kind` (its default class)
    /// that `owner` creates in `schema`, once the spec's defaults are in place.
    pub fn effective(
        &self,
        owner: &str,
        schema: &str,
        kind: ObjectKind,
        origin: &Origin,
    ) -> Desired {
        let class = kind.default_class();
        // Only what the defaults grant carries over: for an object that
        // already exists, what they revoke is an extra, not a declared revoke.
        let mut want = Desired::new();
        match self.entries.get(&(owner.to_string(), None, class)) {
            Some(global) => want.merge(global),
            None => want.baseline(class.public_default(), origin),
        }
        if let Some(local) = self
            .entries
            .get(&(owner.to_string(), Some(schema.to_string()), class))
        {
            want.merge(local);
        }
        want
    }

    /// Every entry: (creating role, schema or `None`, kind) → what it holds.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&Key, &Desired)> {
        self.entries.iter()
    }

    /// Every role the spec sets default privileges for.
    fn roles(&self) -> BTreeSet<&str> {
        self.entries.keys().map(|(r, _, _)| r.as_str()).collect()
    }
}

/// The roles whose future objects in schema `name` a schema-wide grant
/// covers when it names none: the schema's (acting) owner and every role the
/// spec grants CREATE on the schema.
pub fn creators(spec: &Spec, catalog: &Catalog, name: &str) -> Vec<String> {
    let mut owner = schemas::owner_after(spec, catalog, name);
    // `public` as initdb left it on PostgreSQL 14: the bootstrap superuser's.
    if name == "public" && catalog.roles.get(&owner).is_some_and(|r| r.superuser) {
        owner = "pg_database_owner".to_string();
    }
    let db_owner = schemas::acting_owner(spec, catalog, "pg_database_owner");
    creators_given(
        spec,
        name,
        default_creator(spec, name, Some(owner), Some(db_owner)).unwrap_or_default(),
    )
}

/// Who creates objects in schema `name` unless the spec says otherwise,
/// given its owner and the database owner after the run: the schema's owner,
/// except that `pg_database_owner` stands for the database owner — and
/// `public`, with no owner declared, is taken as owned by
/// `pg_database_owner` when its owner is unknown (offline) or, on
/// PostgreSQL 14, still initdb's bootstrap superuser (see [`creators`]): one
/// spec grants the same future privileges on every major (decisions.md).
pub(crate) fn default_creator(
    spec: &Spec,
    name: &str,
    schema_owner: Option<String>,
    db_owner: Option<String>,
) -> Option<String> {
    let declared = spec.schemas.get(name).and_then(|s| s.owner.as_ref());
    match schema_owner {
        None if name == "public" && declared.is_none() => db_owner,
        Some(o) if o == "pg_database_owner" => db_owner,
        owner => owner,
    }
}

/// [`creators`] when the schema's acting owner after the run is `owner`.
pub(crate) fn creators_given(spec: &Spec, name: &str, owner: String) -> Vec<String> {
    let mut out = vec![owner];
    if let Some(schema) = spec.schemas.get(name) {
        for g in &schema.grants {
            let creates = g
                .privileges
                .as_ref()
                .is_none_or(|s| s.contains(&Privilege::Create));
            for who in &g.to {
                if creates && who != "PUBLIC" && !out.contains(who) {
                    out.push(who.clone());
                }
            }
        }
    }
    out
}

/// Builds the desired default privileges from `default_privileges:` and the
/// schema-wide grants.
pub fn desired(spec: &Spec, catalog: &Catalog) -> DesiredDefaults {
    desired_with(spec, catalog.server.major(), &|name| {
        Some(creators(spec, catalog, name))
    })
}

/// [`desired`] on server `major`, where `creators` gives the roles a
/// schema-wide grant without `for_roles` covers in a schema (`None`: not
/// known, so such grants add no default privileges).
pub(crate) fn desired_with(
    spec: &Spec,
    major: u32,
    creators: &dyn Fn(&str) -> Option<Vec<String>>,
) -> DesiredDefaults {
    let mut out = DesiredDefaults::default();
    // Revokes first, then grants: a revoke takes from the built-in default,
    // a grant adds, whatever their order in the file.
    for pass in [true, false] {
        for dp in &spec.default_privileges {
            let key = (dp.for_role.clone(), dp.schema.clone(), dp.on);
            let global = dp.schema.is_none();
            let entry = out.entries.entry(key).or_insert_with(|| {
                let mut d = Desired::new();
                if global {
                    d.baseline(dp.on.public_default(), &dp.origin);
                }
                d
            });
            let all = dp.on.all_privileges(major);
            match (&dp.action, pass) {
                (DefaultAction::Revoke(r), true) => entry.revoke(r, all),
                (DefaultAction::Grant(g), false) => entry.grant(g, all),
                _ => {}
            }
        }
    }
    for (name, schema) in &spec.schemas {
        for w in &schema.schema_wide {
            let roles = match &w.for_roles {
                Some(roles) => roles.clone(),
                None => creators(name).unwrap_or_default(),
            };
            for role in roles {
                out.entries
                    .entry((role, Some(name.clone()), w.on))
                    .or_default()
                    .grant(&w.grant, w.on.all_privileges(major));
            }
        }
    }
    out
}

/// Adds the `ALTER DEFAULT PRIVILEGES` changes that take the catalog to `want`.
pub fn diff(spec: &Spec, catalog: &Catalog, want: &DesiredDefaults, out: &mut Diff) {
    let mut actual: BTreeMap<Key, &Acl> = BTreeMap::new();
    for row in &catalog.default_acls {
        if let Some(kind) = row.object_kind() {
            actual.insert((row.role.clone(), row.schema.clone(), kind), &row.acl);
        }
    }
    let roles = want.roles();
    let managed = |(role, schema, _): &Key| {
        (spec.roles.contains_key(role) || roles.contains(role.as_str()))
            && schema.as_ref().is_none_or(|s| spec.schemas.contains_key(s))
    };
    let keys: BTreeSet<&Key> = want
        .entries
        .keys()
        .chain(actual.keys().filter(|k| managed(k)))
        .collect();
    let none = Desired::new();
    for key in keys {
        let (role, schema, kind) = key;
        // No global row means the built-in default.
        let builtin: Acl = match schema {
            None => kind
                .public_default()
                .iter()
                .map(|p| ("PUBLIC".to_string(), [(*p, false)].into()))
                .collect(),
            Some(_) => Acl::new(),
        };
        let have = actual.get(key).copied().unwrap_or(&builtin);
        let declared = want.entries.get(key);
        let desired = match declared {
            Some(d) => d.clone(),
            None if schema.is_none() => {
                let mut d = Desired::new();
                d.baseline(kind.public_default(), &Origin::default());
                d
            }
            None => none.clone(),
        };
        let first = out.changes.len();
        let plural = kind.default_keyword().unwrap_or("?").to_ascii_lowercase();
        let label = match schema {
            Some(s) => format!("default privileges of `{role}` on {plural} in schema `{s}`"),
            None => format!("default privileges of `{role}` on {plural}"),
        };
        acl::compare(
            &Compare {
                subject: Subject::Defaults {
                    role: role.clone(),
                    schema: schema.clone(),
                    kind: *kind,
                },
                label,
                phase: Phase::DefaultPrivileges,
                owner: Some(role),
                want: &desired,
            },
            have,
            out,
        );
        // An undeclared entry is an extra as a whole: even restoring a
        // built-in default it took away is pruning, not converging.
        if declared.is_none() {
            for change in &mut out.changes[first..] {
                if change.class == Class::Converge {
                    let what = change.object.clone();
                    *change = Change::prune(what, change.statement.clone());
                }
            }
        }
    }
}
