//! `--spec` mode: the [`Landscape`] that `apply` would produce from the spec
//! alone, on a given PostgreSQL major — no database needed.
//!
//! Privileges follow the diff's own rules (DESIGN.md item 5), through the
//! same functions: a database or schema holds its built-in default + grants −
//! revokes ([`crate::diff::acl::Target::desired`]); an object holds what its
//! owner's default privileges give it + schema-wide grants − its revokes (and
//! PUBLIC's EXECUTE on a SECURITY DEFINER function) + its grants
//! ([`crate::diff::objects::desired_acl`]); default privileges are the
//! declared ones plus those schema-wide grants imply
//! ([`crate::diff::default_privileges::desired_with`]). Owners hold every
//! privilege of their kind, as `acldefault` gives them.
//!
//! What the spec cannot say is reported as notes, never guessed silently:
//! objects it does not declare do not exist here (adopted tables' columns,
//! their serial sequences, tables created by migrations), roles outside it
//! are plain roles with unknown memberships, an undeclared owner is unknown
//! (except `public`'s on 15+: `pg_database_owner`), an adopted table's
//! row-level security is unknown unless `rls:` is written, and an adopted
//! function is taken not to be SECURITY DEFINER.

use super::landscape::{
    Acl, AclEntry, Column, DefaultAcl, Grantee, Kind, Landscape, MembershipRow, NextvalDefault,
    Object, Origin, Policy, RoleFacts, RowSecurity,
};
use crate::diff::acl::{Desired, Target};
use crate::diff::default_privileges::{
    DesiredDefaults, creators_given, default_creator, desired_with,
};
use crate::diff::objects::{DesiredObject, desired_acl, desired_columns};
use crate::diff::schemas;
use crate::privilege::ObjectKind;
use crate::spec::Spec;
use crate::spec::model::{Object as Declared, Schema};
use crate::spec::security::PolicyKind;
use crate::spec::table::object_name;
use std::collections::BTreeSet;

/// What the spec says, as a landscape for server `major`, in the database
/// called `database` (a name for messages only).
pub fn landscape(spec: &Spec, major: u32, database: &str) -> Landscape {
    let mut notes = vec![
        "from the spec alone: only what it declares is shown (not tables your migrations create, nor the serial sequences and columns of adopted tables); roles outside the spec are taken to be plain roles".to_string(),
    ];
    let db_owner = spec.database.as_ref().and_then(|d| d.owner.clone());

    let mut roles: std::collections::BTreeMap<String, RoleFacts> = spec
        .external_roles
        .iter()
        .map(|r| (r.clone(), RoleFacts::unknown(r)))
        .collect();
    // pg_database_owner is known without the spec: a plain role whose only
    // member is the database owner, implicitly.
    roles.insert(
        "pg_database_owner".into(),
        RoleFacts {
            known: true,
            ..RoleFacts::unknown("pg_database_owner")
        },
    );
    roles.extend(spec.roles.values().map(|r| {
        let a = &r.attributes;
        (
            r.name.clone(),
            RoleFacts {
                name: r.name.clone(),
                known: true,
                superuser: a.superuser,
                login: a.login,
                inherit: a.inherit,
                bypassrls: a.bypassrls,
            },
        )
    }));
    let mut memberships = Vec::new();
    let mut options_before_16 = false;
    for r in spec.roles.values() {
        for m in r.member_of.values() {
            options_before_16 |= major < 16 && (m.inherit.is_some() || m.set.is_some());
            memberships.push(MembershipRow {
                role: m.role.clone(),
                member: r.name.clone(),
                grantor: None,
                admin: m.admin,
                inherit_option: (major >= 16).then(|| m.inherit.unwrap_or(r.attributes.inherit)),
                set_option: (major >= 16).then(|| m.set.unwrap_or(true)),
            });
        }
    }
    if options_before_16 {
        notes.push(format!(
            "memberships with `inherit` or `set` are refused by `apply` before PostgreSQL 16; PostgreSQL {major}'s rule is shown (the member's INHERIT attribute)"
        ));
    }

    // The database.
    let mut database_object = Object::new(Kind::Database, None, database);
    database_object.owner = db_owner.clone();
    database_object.acl = match &spec.database {
        Some(d) => acl(
            ObjectKind::Database,
            d.owner.as_deref(),
            &Target {
                kind: ObjectKind::Database,
                name: database,
                label: String::new(),
                owner: d.owner.as_deref(),
                baseline: ObjectKind::Database.public_default(),
                grants: &d.grants,
                revokes: &d.revokes,
                origin: &d.origin,
                major,
            }
            .desired(),
            major,
        ),
        None => {
            notes.push(
                "`database:` is not declared: PostgreSQL's defaults are shown for the database (PUBLIC may CONNECT and create TEMPORARY tables)".into(),
            );
            acl(
                ObjectKind::Database,
                None,
                &builtin(ObjectKind::Database),
                major,
            )
        }
    };
    if spec.database.is_some() && db_owner.is_none() {
        notes.push("the database's owner is not declared: not known here".into());
    }

    // Schemas and who owns what is created in them.
    let declared_owner = |name: &str| -> Option<String> {
        match spec.schemas.get(name).and_then(|s| s.owner.clone()) {
            Some(o) => Some(o),
            None if name == "public" && major >= 15 => Some("pg_database_owner".into()),
            None if name == "public" => None,
            None => db_owner.clone(),
        }
    };
    let acting = |owner: Option<String>| -> Option<String> {
        match owner.as_deref() {
            Some("pg_database_owner") => db_owner.clone(),
            _ => owner,
        }
    };
    let defaults = desired_with(spec, major, &|name| {
        default_creator(spec, name, declared_owner(name), db_owner.clone())
            .map(|o| creators_given(spec, name, o))
    });

    let mut schema_objects = Vec::new();
    let mut objects = Vec::new();
    for (name, schema) in &spec.schemas {
        let owner = declared_owner(name);
        if schema.owner.is_none() {
            notes.push(match (&owner, name.as_str()) {
                (None, "public") => "schema `public`: its owner is not declared; on PostgreSQL 14 it is the bootstrap superuser (usually `postgres`), not known here".into(),
                (Some(o), "public") => format!("schema `public`: owner not declared, so `{o}` (PostgreSQL 15+) — objects there belong to the database owner"),
                (Some(o), _) => format!("schema `{name}`: owner not declared; `{o}` if `apply` creates it (an existing schema keeps its owner)"),
                (None, _) => format!("schema `{name}`: owner not declared and not known (the connected role, if `apply` creates it)"),
            });
        }
        let mut s = Object::new(Kind::Schema, None, name);
        s.acl = acl(
            ObjectKind::Schema,
            owner.as_deref(),
            &Target {
                kind: ObjectKind::Schema,
                name,
                label: String::new(),
                owner: owner.as_deref(),
                baseline: schemas::baseline(name, major),
                grants: &schema.grants,
                revokes: &schema.revokes,
                origin: &schema.origin,
                major,
            }
            .desired(),
            major,
        );
        s.owner = owner.clone();
        schema_objects.push(s);
        let schema_owner = acting(owner);
        schema_contents(
            &Context {
                schema,
                schema_owner: schema_owner.as_deref(),
                defaults: &defaults,
                major,
            },
            &mut objects,
        );
    }
    objects.sort_by(|a, b| {
        (&a.schema, &a.name, a.kind, &a.args).cmp(&(&b.schema, &b.name, b.kind, &b.args))
    });

    Landscape {
        origin: Origin::Spec,
        major,
        roles,
        memberships,
        database: database_object,
        schemas: schema_objects,
        objects,
        default_acls: default_acls(&defaults, major),
        notes,
    }
}

struct Context<'a> {
    schema: &'a Schema,
    schema_owner: Option<&'a str>,
    defaults: &'a DesiredDefaults,
    major: u32,
}

impl Context<'_> {
    /// The owner of table `name` in this schema after `apply`.
    fn table_owner(&self, name: &str) -> Option<String> {
        self.schema
            .objects
            .get(&(ObjectKind::Table, name.to_string()))
            .and_then(|t| t.owner.clone())
            .or_else(|| self.schema_owner.map(str::to_string))
    }

    /// An object's ACL as the diff wants it, with its owner's entries.
    fn acl(&self, owner: Option<&str>, kind: Kind, decl: Option<&Declared>, definer: bool) -> Acl {
        let want = desired_acl(&DesiredObject {
            defaults: self.defaults,
            schema: self.schema,
            // An unknown owner has no default privileges the spec knows of.
            owner: owner.unwrap_or(""),
            kind: kind.privilege_kind(),
            decl,
            security_definer: definer,
            major: self.major,
        });
        acl(kind.privilege_kind(), owner, &want, self.major)
    }
}

/// The declared objects of one schema, and the sequences its defined tables'
/// serial and identity columns create.
fn schema_contents(cx: &Context<'_>, out: &mut Vec<Object>) {
    let schema = &cx.schema.name;
    let declared_sequences: BTreeSet<&str> = cx
        .schema
        .objects
        .keys()
        .filter(|(k, _)| *k == ObjectKind::Sequence)
        .map(|(_, n)| n.as_str())
        .collect();
    for decl in cx.schema.objects.values() {
        let kind = match decl.kind {
            ObjectKind::Table => Kind::Table,
            ObjectKind::View => Kind::View,
            ObjectKind::Sequence => Kind::Sequence,
            ObjectKind::Type => Kind::Type,
            ObjectKind::Procedure => Kind::Procedure,
            ObjectKind::Function if decl.routine.as_ref().is_some_and(|r| r.procedure) => {
                Kind::Procedure
            }
            _ => Kind::Function,
        };
        let mut o = Object::new(kind, Some(schema), &decl.name);
        // A sequence behind a column belongs to its table's owner.
        let owned_by = decl
            .sequence
            .as_ref()
            .and_then(|s| s.serial_of.as_ref().or(s.owned_by.as_ref()));
        o.owner = match (&decl.owner, owned_by) {
            (Some(owner), _) => Some(owner.clone()),
            (None, Some((table, _))) => cx.table_owner(table),
            (None, None) => cx.schema_owner.map(str::to_string),
        };
        if o.owner.is_none() {
            o.notes
                .push("owner not known, so neither are the default privileges it gets".into());
        }
        o.security_definer = decl.routine.as_ref().is_some_and(|r| r.security_definer);
        if kind == Kind::Function || kind == Kind::Procedure {
            o.args = Some(decl.args.clone().unwrap_or_default());
            if decl.routine.is_none() {
                o.notes
                    .push("adopted: taken not to be SECURITY DEFINER".into());
            }
        }
        o.acl = cx.acl(o.owner.as_deref(), kind, Some(decl), o.security_definer);
        if kind.has_columns() {
            o.columns = columns(decl, &mut o.notes);
        }
        if kind == Kind::Table {
            o.row_security = row_security(decl);
            if o.row_security.is_none() {
                o.notes
                    .push("adopted without `rls:`: its row-level security is not known".into());
            }
            if let Some(t) = &decl.table {
                for c in &t.columns {
                    if let Some(seq) = &c.serial {
                        o.nextval_defaults.push(NextvalDefault {
                            column: c.name.clone(),
                            schema: schema.clone(),
                            sequence: seq.clone(),
                        });
                    }
                    let implied = match (&c.serial, c.identity) {
                        (Some(seq), _) => Some(seq.clone()),
                        (None, Some(_)) => Some(object_name(&decl.name, Some(&c.name), "seq")),
                        _ => None,
                    };
                    if let Some(seq) = implied.filter(|s| !declared_sequences.contains(s.as_str()))
                    {
                        let mut s = Object::new(Kind::Sequence, Some(schema), &seq);
                        s.owner = o.owner.clone();
                        s.acl = cx.acl(s.owner.as_deref(), Kind::Sequence, None, false);
                        out.push(s);
                    }
                }
            }
        }
        out.push(o);
    }
}

/// A table's or view's columns: every column of a defined table (or of a
/// view declared with column names), else those its column grants name.
fn columns(decl: &Declared, notes: &mut Vec<String>) -> Option<Vec<Column>> {
    let granted = desired_columns(Some(decl));
    let names: Vec<String> = if let Some(t) = &decl.table {
        t.columns.iter().map(|c| c.name.clone()).collect()
    } else if let Some(v) = decl.view.as_ref().filter(|v| !v.columns.is_empty()) {
        v.columns.clone()
    } else if !granted.is_empty() {
        notes.push("adopted: only the columns its column grants name are known".into());
        granted.keys().cloned().collect()
    } else {
        return None;
    };
    Some(
        names
            .into_iter()
            .map(|name| Column {
                acl: granted
                    .get(&name)
                    .map(|d| entries(d, None))
                    .unwrap_or_default(),
                name,
            })
            .collect(),
    )
}

/// Row-level security: as declared; a table pg-provision defines without
/// `rls:` is created without it; an adopted one is not known.
fn row_security(decl: &Declared) -> Option<RowSecurity> {
    let (enabled, forced) = match decl.security.rls {
        Some(rls) => rls.flags(),
        None if decl.table.is_some() => (false, false),
        None => return None,
    };
    Some(RowSecurity {
        enabled,
        forced,
        policies: decl
            .security
            .policies
            .values()
            .map(|p| Policy {
                name: p.name.clone(),
                command: p.command,
                permissive: p.kind == PolicyKind::Permissive,
                roles: p.to.iter().map(|r| Grantee::parse(r)).collect(),
                using: p.using.clone(),
                with_check: p.with_check.clone(),
            })
            .collect(),
    })
}

/// PUBLIC's built-in privileges on a kind, as a desired ACL.
fn builtin(kind: ObjectKind) -> Desired {
    let mut d = Desired::new();
    d.baseline(kind.public_default(), &Default::default());
    d
}

/// A desired ACL's entries (the owner's left out), granted by `grantor`.
fn entries(want: &Desired, owner: Option<&str>) -> Vec<AclEntry> {
    want.entries()
        .filter(|(who, _, _)| Some(*who) != owner)
        .map(|(who, privilege, grantable)| AclEntry {
            grantee: Grantee::parse(who),
            grantor: owner.map(str::to_string),
            privilege,
            grantable,
        })
        .collect()
}

/// The complete ACL: the owner's entries (every privilege of the kind) and
/// the desired ones.
fn acl(kind: ObjectKind, owner: Option<&str>, want: &Desired, major: u32) -> Acl {
    let mut all: Vec<AclEntry> = owner
        .map(|o| {
            kind.all_privileges(major)
                .iter()
                .map(|&privilege| AclEntry {
                    grantee: Grantee::Role(o.to_string()),
                    grantor: Some(o.to_string()),
                    privilege,
                    grantable: false,
                })
                .collect()
        })
        .unwrap_or_default();
    all.extend(entries(want, owner));
    Acl {
        entries: all,
        builtin: false,
    }
}

/// `pg_default_acl` as `apply` leaves it: a global row holds the complete
/// ACL (the creator's entries too) and is not stored when it equals the
/// built-in default; a per-schema row holds what it adds and is not stored
/// when empty.
fn default_acls(defaults: &DesiredDefaults, major: u32) -> Vec<DefaultAcl> {
    let mut out = Vec::new();
    for ((creator, schema, kind), want) in defaults.entries() {
        let added = entries(want, Some(creator));
        let rows: Vec<DefaultAcl> = match schema {
            None => {
                let builtin_entries = entries(&builtin(*kind), Some(creator));
                if same(&added, &builtin_entries) {
                    continue;
                }
                vec![DefaultAcl {
                    creator: creator.clone(),
                    schema: None,
                    kind: *kind,
                    entries: acl(*kind, Some(creator), want, major).entries,
                }]
            }
            Some(_) if added.is_empty() => continue,
            Some(s) => vec![DefaultAcl {
                creator: creator.clone(),
                schema: Some(s.clone()),
                kind: *kind,
                entries: added,
            }],
        };
        out.extend(rows);
    }
    out
}

fn same(a: &[AclEntry], b: &[AclEntry]) -> bool {
    let key = |e: &AclEntry| (e.grantee.clone(), e.privilege, e.grantable);
    let a: BTreeSet<_> = a.iter().map(key).collect();
    let b: BTreeSet<_> = b.iter().map(key).collect();
    a == b
}
