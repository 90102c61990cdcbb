//! Privileges on one thing — an object, some of its columns, or a role's
//! default privileges — desired ACL vs actual ACL → GRANT/REVOKE changes.
//!
//! The owner's own entries are never compared: PostgreSQL writes them into
//! the ACL whenever anything is granted, and they are not extras.

use super::Diff;
use crate::change::{Change, ObjectName, Phase, Statement};
use crate::privilege::{Acl, ObjectKind, Privilege};
use crate::spec::model::{Grant, Origin, Revoke};
use std::collections::{BTreeMap, BTreeSet};

/// What the statements of one comparison act on.
#[derive(Debug, Clone)]
pub enum Subject {
    /// An object, or (with `columns`) some of its columns.
    Object {
        /// Kind of object.
        kind: ObjectKind,
        /// Its name.
        name: ObjectName,
        /// The column the ACL belongs to; empty for the object itself.
        columns: Vec<String>,
    },
    /// Default privileges of `role` for objects of `kind` it creates later.
    Defaults {
        /// The creating role.
        role: String,
        /// Only in this schema; `None` for everywhere.
        schema: Option<String>,
        /// Kind of future object.
        kind: ObjectKind,
    },
}

impl Subject {
    fn grant(
        &self,
        privileges: Vec<Privilege>,
        grantee: String,
        with_grant_option: bool,
    ) -> Statement {
        match self.clone() {
            Subject::Object {
                kind,
                name,
                columns,
            } => Statement::Grant {
                kind,
                object: name,
                columns,
                privileges,
                grantees: vec![grantee],
                with_grant_option,
            },
            Subject::Defaults { role, schema, kind } => Statement::GrantDefault {
                role,
                schema,
                kind,
                privileges,
                grantees: vec![grantee],
                with_grant_option,
            },
        }
    }

    fn revoke(
        &self,
        privileges: Vec<Privilege>,
        grantee: String,
        grant_option_only: bool,
    ) -> Statement {
        match self.clone() {
            Subject::Object {
                kind,
                name,
                columns,
            } => Statement::Revoke {
                kind,
                object: name,
                columns,
                privileges,
                grantees: vec![grantee],
                grant_option_only,
            },
            Subject::Defaults { role, schema, kind } => Statement::RevokeDefault {
                role,
                schema,
                kind,
                privileges,
                grantees: vec![grantee],
                grant_option_only,
            },
        }
    }
}

/// A desired ACL: grantee and privilege → (with grant option, where it was
/// asked for), plus what the spec explicitly revokes.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    entries: BTreeMap<(String, Privilege), (bool, Origin)>,
    revoked: BTreeMap<(String, Privilege), Origin>,
}

impl Desired {
    /// Nothing desired.
    pub fn new() -> Self {
        Desired::default()
    }

    /// PUBLIC holds `privileges` (the built-in default of a kind).
    pub fn baseline(&mut self, privileges: &[Privilege], origin: &Origin) {
        for p in privileges {
            self.add("PUBLIC", *p, false, origin);
        }
    }

    /// Adds one privilege; a grant option, once wanted, stays wanted.
    pub fn add(&mut self, who: &str, p: Privilege, grant_option: bool, origin: &Origin) {
        let entry = self
            .entries
            .entry((who.to_string(), p))
            .or_insert((false, origin.clone()));
        if grant_option && !entry.0 {
            *entry = (true, origin.clone());
        }
    }

    /// Adds everything another desired ACL holds (not its revokes).
    pub fn merge(&mut self, other: &Desired) {
        for ((who, p), (option, origin)) in &other.entries {
            self.add(who, *p, *option, origin);
        }
    }

    /// Applies a declared grant; `all` is what `ALL` means here.
    pub fn grant(&mut self, g: &Grant, all: &[Privilege]) {
        for who in &g.to {
            for p in expand(&g.privileges, all) {
                self.add(who, p, g.with_grant_option, &g.origin);
            }
        }
    }

    /// Applies a declared revoke; `all` is what `ALL` means here.
    pub fn revoke(&mut self, r: &Revoke, all: &[Privilege]) {
        for who in &r.from {
            for p in expand(&r.privileges, all) {
                self.entries.remove(&(who.clone(), p));
                self.revoked.insert((who.clone(), p), r.origin.clone());
            }
        }
    }

    /// Every desired privilege: (grantee, privilege, with grant option).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, Privilege, bool)> {
        self.entries
            .iter()
            .map(|((who, p), (option, _))| (who.as_str(), *p, *option))
    }

    /// Takes one privilege away as a rule of the tool (not a declared
    /// revoke), attributed to `origin`: revoking it converges, it is not an extra.
    pub fn deny(&mut self, who: &str, p: Privilege, origin: &Origin) {
        self.entries.remove(&(who.to_string(), p));
        self.revoked.insert((who.to_string(), p), origin.clone());
    }
}

fn expand(set: &Option<BTreeSet<Privilege>>, all: &[Privilege]) -> Vec<Privilege> {
    match set {
        Some(s) => s.iter().copied().collect(),
        None => all.to_vec(),
    }
}

/// One comparison to run.
pub struct Compare<'a> {
    /// What the statements act on.
    pub subject: Subject,
    /// Label for messages, e.g. ``table `public.users` ``.
    pub label: String,
    /// Phase of the converging changes.
    pub phase: Phase,
    /// The owner after this run (its entries are skipped).
    pub owner: Option<&'a str>,
    /// The desired ACL.
    pub want: &'a Desired,
}

/// One object's privileges to converge: built-in defaults + grants − revokes.
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

impl Target<'_> {
    /// The desired ACL: built-in defaults + grants − revokes (grants win).
    pub(crate) fn desired(&self) -> Desired {
        let all = self.kind.all_privileges(self.major);
        let mut want = Desired::new();
        want.baseline(self.baseline, self.origin);
        self.revokes.iter().for_each(|r| want.revoke(r, all));
        self.grants.iter().for_each(|g| want.grant(g, all));
        want
    }
}

/// Adds the GRANT/REVOKE changes that take `actual` to the target's desired ACL.
pub fn diff(t: &Target<'_>, actual: &Acl, out: &mut Diff) {
    let want = t.desired();
    compare(
        &Compare {
            subject: Subject::Object {
                kind: t.kind,
                name: ObjectName::Plain(t.name.to_string()),
                columns: Vec::new(),
            },
            label: t.label.clone(),
            phase: Phase::Privileges,
            owner: t.owner,
            want: &want,
        },
        actual,
        out,
    );
}

/// Adds the GRANT/REVOKE changes that take `actual` to `c.want`.
pub fn compare(c: &Compare<'_>, actual: &Acl, out: &mut Diff) {
    let is_owner = |who: &str| Some(who) == c.owner;

    // Grants, grouped per (grantee, grant option) into one statement each.
    let mut grants: BTreeMap<(String, bool), (Vec<Privilege>, Origin)> = BTreeMap::new();
    for ((who, p), (grant_option, origin)) in &c.want.entries {
        if is_owner(who) {
            continue;
        }
        let needed = match actual.get(who).and_then(|g| g.get(p)) {
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
            c.phase,
            c.label.clone(),
            &origin,
            c.subject.grant(privileges, who, grant_option),
        ));
    }

    // Revokes: declared ones converge; the rest are extras to prune.
    let mut revokes: BTreeMap<(String, bool, Option<Origin>), Vec<Privilege>> = BTreeMap::new();
    for (who, held) in actual {
        if is_owner(who) {
            continue;
        }
        for (p, has_option) in held {
            let key = (who.clone(), *p);
            match c.want.entries.get(&key) {
                None => {
                    let origin = c.want.revoked.get(&key).cloned();
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
        let what = privileges
            .iter()
            .map(|p| p.keyword())
            .collect::<Vec<_>>()
            .join(", ");
        let statement = c.subject.revoke(privileges, who.clone(), option_only);
        let change = match origin {
            Some(origin) => Change::converge(c.phase, c.label.clone(), &origin, statement),
            None => {
                let held = if option_only { "grant option for " } else { "" };
                Change::prune(
                    format!("{held}{what} on {} held by `{who}`", c.label),
                    statement,
                )
            }
        };
        out.changes.push(change);
    }
}
