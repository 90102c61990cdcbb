//! Acting for owners without being superuser (managed PostgreSQL: RDS, Cloud
//! SQL, Azure, Supabase…). Pure.
//!
//! A superuser may do anything; the cloud's admin role — LOGIN CREATEROLE
//! CREATEDB, owner of the database — may not: `ALTER TABLE … OWNER TO
//! app_owner` needs it to be able to `SET ROLE app_owner`, a `GRANT` on
//! `app_owner`'s table needs `app_owner`'s privileges, `ALTER DEFAULT
//! PRIVILEGES FOR ROLE app_owner` membership in it. So the run grants itself,
//! inside its transaction, membership in exactly the roles whose identity its
//! statements need (`GRANT app_owner TO admin`, on PostgreSQL 16+ `WITH
//! INHERIT TRUE, SET TRUE`, which the ADMIN OPTION a CREATEROLE creator holds
//! allows) and revokes it again as the pass's last statement, so the
//! committed state holds no membership nobody declared. What it cannot obtain
//! — a role owned or administered by someone else, a superuser's object, a
//! superuser-only attribute, an untrusted language or extension — is refused
//! before anything runs, naming the object, the right and the spec line.
//!
//! [`settle`] walks the plan in execution order, tracking who owns what as
//! the plan's own `CREATE` and `OWNER TO` statements change it.

use super::Plan;
use crate::catalog::Catalog;
use crate::change::{
    Change, Class, ObjectName, Phase, RoutineStatement, SecurityStatement, SeedStatement,
    Statement, TableStatement, TypeStatement,
};
use crate::diff::Refusal;
use crate::privilege::ObjectKind;
use crate::quote::{ident, ident_list};
use crate::spec::model::Origin;
use std::collections::{BTreeMap, BTreeSet};

/// Something whose owner's privileges a statement needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// The connected database.
    Database,
    /// A schema.
    Schema(String),
    /// A table, view, sequence…: (schema, name).
    Relation(String, String),
    /// A function or procedure: (schema, name, identity arguments).
    Routine(String, String, String),
    /// A type or domain: (schema, name).
    Type(String, String),
}

impl Target {
    /// The schema the object lives in.
    fn schema(&self) -> Option<&str> {
        match self {
            Target::Relation(s, _) | Target::Routine(s, _, _) | Target::Type(s, _) => Some(s),
            Target::Database | Target::Schema(_) => None,
        }
    }
}

/// Whether the roles in `privileges_of` (the connected role and what it
/// inherits) have USAGE on `schema`: by owning it, or by a grant to one of
/// them or to PUBLIC.
fn has_usage(
    catalog: &Catalog,
    owners: &Owners,
    privileges_of: &BTreeSet<String>,
    schema: &str,
) -> bool {
    if owners
        .of(&Target::Schema(schema.to_string()))
        .is_some_and(|o| privileges_of.contains(&o))
    {
        return true;
    }
    catalog.schemas.get(schema).is_some_and(|s| {
        s.acl.iter().any(|(grantee, privileges)| {
            (grantee == crate::quote::PUBLIC || privileges_of.contains(grantee))
                && privileges.contains_key(&crate::privilege::Privilege::Usage)
        })
    })
}

/// What a statement needs beyond logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// The privileges of the owner of this object (ALTER, GRANT, COMMENT,
    /// policies, CREATE in a schema…).
    OwnerOf(Target),
    /// Being able to `SET ROLE` to this role: giving it something.
    Become(String),
    /// Administering this role (`ALTER ROLE`, its password and settings,
    /// granting membership in it): ADMIN OPTION on 16+, CREATEROLE before.
    Administer(String),
    /// An attribute only a superuser (or, on 16+, a role holding it) may give.
    Attribute(&'static str),
    /// Only a superuser may do this; the text says what.
    Superuser(String),
}

fn relation(schema: &str, name: &str) -> Need {
    Need::OwnerOf(Target::Relation(schema.to_string(), name.to_string()))
}

fn schema(name: &str) -> Need {
    Need::OwnerOf(Target::Schema(name.to_string()))
}

fn qualified(object: &ObjectName) -> Option<(String, String)> {
    match object {
        ObjectName::Qualified { schema, name } => Some((schema.clone(), name.clone())),
        _ => None,
    }
}

/// The target an `ObjectName` of `kind` denotes.
fn target(kind: ObjectKind, object: &ObjectName) -> Option<Target> {
    match (kind, object) {
        (ObjectKind::Database, _) => Some(Target::Database),
        (ObjectKind::Schema, ObjectName::Plain(name)) => Some(Target::Schema(name.clone())),
        (_, ObjectName::Routine { schema, name, args }) => {
            Some(Target::Routine(schema.clone(), name.clone(), args.clone()))
        }
        (ObjectKind::Type, ObjectName::Qualified { schema, name }) => {
            Some(Target::Type(schema.clone(), name.clone()))
        }
        (_, ObjectName::Qualified { schema, name }) => {
            Some(Target::Relation(schema.clone(), name.clone()))
        }
        _ => None,
    }
}

/// The target a `COMMENT ON <keyword>` or `ALTER <keyword> … OWNER TO` denotes.
fn keyword_target(keyword: &str, object: &ObjectName) -> Option<Target> {
    let kind = match keyword {
        "DATABASE" => ObjectKind::Database,
        "SCHEMA" => ObjectKind::Schema,
        "TYPE" | "DOMAIN" => ObjectKind::Type,
        "FUNCTION" | "PROCEDURE" | "AGGREGATE" => ObjectKind::Function,
        _ => ObjectKind::Table,
    };
    target(kind, object)
}

/// What `statement` needs, given the connected role's own attributes.
pub fn needs(statement: &Statement) -> Vec<Need> {
    use Statement as S;
    match statement {
        S::Table(t) => match t {
            TableStatement::CreateTable { schema: s, .. }
            | TableStatement::CreateSequence { schema: s, .. } => vec![schema(s)],
            TableStatement::AddConstraint {
                schema: s,
                table,
                constraint,
            } => {
                let mut out = vec![relation(s, table)];
                if let crate::change::Constraint::ForeignKey(fk) = constraint {
                    // REFERENCES on the referenced table: its owner's.
                    out.push(relation(&fk.ref_schema, &fk.ref_table));
                }
                out
            }
            TableStatement::AddColumn {
                schema: s, table, ..
            }
            | TableStatement::SetDefault {
                schema: s, table, ..
            }
            | TableStatement::SetNotNull {
                schema: s, table, ..
            }
            | TableStatement::AddIdentity {
                schema: s, table, ..
            }
            | TableStatement::SetIdentity {
                schema: s, table, ..
            }
            | TableStatement::CreateIndex {
                schema: s, table, ..
            }
            | TableStatement::CommentColumn {
                schema: s, table, ..
            } => vec![relation(s, table)],
            TableStatement::AlterSequence {
                schema: s, name, ..
            }
            | TableStatement::SequenceOwnedBy {
                schema: s, name, ..
            } => vec![relation(s, name)],
            TableStatement::UndeclaredColumn { .. } => vec![],
        },
        S::Routine(r) => match r {
            RoutineStatement::CreateRoutine {
                replace: false,
                schema: s,
                definition,
                ..
            } => vec![schema(s), language(&definition.language)],
            RoutineStatement::CreateRoutine {
                replace: true,
                schema: s,
                name,
                identity_args,
                definition,
                ..
            } => vec![
                Need::OwnerOf(Target::Routine(
                    s.clone(),
                    name.clone(),
                    identity_args.clone(),
                )),
                language(&definition.language),
            ],
            RoutineStatement::CreateView {
                replace: false,
                schema: s,
                ..
            } => vec![schema(s)],
            RoutineStatement::CreateView {
                replace: true,
                schema: s,
                name,
                ..
            }
            | RoutineStatement::DropView { schema: s, name }
            | RoutineStatement::SetViewOptions {
                schema: s, name, ..
            }
            | RoutineStatement::ResetViewOptions {
                schema: s, name, ..
            } => {
                vec![relation(s, name)]
            }
            _ => vec![],
        },
        S::Security(s) => match s {
            SecurityStatement::SetRowSecurity { table, .. }
            | SecurityStatement::SetForceRowSecurity { table, .. }
            | SecurityStatement::CreatePolicy { table, .. }
            | SecurityStatement::AlterPolicy { table, .. }
            | SecurityStatement::DropPolicy { table, .. }
            | SecurityStatement::CreateTrigger { table, .. }
            | SecurityStatement::DropTrigger { table, .. } => qualified(table)
                .map(|(s, t)| vec![relation(&s, &t)])
                .unwrap_or_default(),
        },
        S::Seed(s) => match s {
            SeedStatement::Insert {
                schema: s, table, ..
            }
            | SeedStatement::Update {
                schema: s, table, ..
            }
            | SeedStatement::MoveSequence {
                schema: s, table, ..
            } => vec![relation(s, table)],
        },
        S::Type(t) => match t {
            TypeStatement::CreateEnum { schema: s, .. } => vec![schema(s)],
            TypeStatement::AddEnumValue {
                schema: s, name, ..
            } => {
                vec![Need::OwnerOf(Target::Type(s.clone(), name.clone()))]
            }
            TypeStatement::UndeclaredEnumValue { .. } => vec![],
        },
        S::CreateRole { attributes, .. } => attribute_needs(attributes),
        S::AlterRole {
            name,
            attributes,
            changed,
        } => {
            let mut out = vec![Need::Administer(name.clone())];
            out.extend(
                attribute_needs(attributes)
                    .into_iter()
                    .filter(|n| matches!(n, Need::Attribute(a) if changed.contains(a))),
            );
            out
        }
        S::SetPassword { name, .. } => vec![Need::Administer(name.clone())],
        S::GrantMembership { role, .. }
        | S::RevokeMembershipOption { role, .. }
        | S::RevokeMembership { role, .. } => vec![Need::Administer(role.clone())],
        S::SetRoleSetting { role, name, .. } | S::ResetRoleSetting { role, name } => vec![
            Need::Administer(role.clone()),
            Need::Superuser(format!("setting `{name}`")),
        ],
        S::AlterDatabaseOwner { owner, .. } => {
            vec![Need::OwnerOf(Target::Database), Need::Become(owner.clone())]
        }
        S::AlterDatabaseOptions { .. } => vec![Need::OwnerOf(Target::Database)],
        S::SetDatabaseSetting { name, .. } | S::ResetDatabaseSetting { name, .. } => vec![
            Need::OwnerOf(Target::Database),
            Need::Superuser(format!("setting `{name}`")),
        ],
        S::CreateSchema { owner, .. } => {
            let mut out = vec![Need::OwnerOf(Target::Database)];
            out.extend(owner.iter().map(|o| Need::Become(o.clone())));
            out
        }
        S::AlterSchemaOwner { name, owner } => vec![schema(name), Need::Become(owner.clone())],
        S::CreateExtension { name, .. } => vec![
            Need::OwnerOf(Target::Database),
            Need::Superuser(format!("extension `{name}`")),
        ],
        S::AlterExtensionSchema { name, .. } | S::UpdateExtension { name, .. } => {
            vec![Need::Superuser(format!("extension `{name}`"))]
        }
        S::AlterOwner {
            keyword,
            object,
            owner,
        } => keyword_target(keyword, object)
            .map(Need::OwnerOf)
            .into_iter()
            .chain([Need::Become(owner.clone())])
            .collect(),
        S::Grant { kind, object, .. } | S::Revoke { kind, object, .. } => target(*kind, object)
            .map(Need::OwnerOf)
            .into_iter()
            .collect(),
        S::GrantDefault { role, .. } | S::RevokeDefault { role, .. } => {
            vec![Need::Become(role.clone())]
        }
        S::ActAs { .. } | S::StopActingAs { .. } => vec![],
        S::Comment { kind, object, .. } => match (*kind, object) {
            ("ROLE", ObjectName::Plain(role)) => vec![Need::Administer(role.clone())],
            _ => keyword_target(kind, object)
                .map(Need::OwnerOf)
                .into_iter()
                .collect(),
        },
    }
}

/// Functions in an untrusted language are a superuser's to create.
fn language(name: &str) -> Need {
    Need::Superuser(format!("language `{name}`"))
}

fn attribute_needs(a: &crate::spec::model::RoleAttributes) -> Vec<Need> {
    let mut out = Vec::new();
    if a.superuser {
        out.push(Need::Attribute("SUPERUSER"));
    }
    if a.replication {
        out.push(Need::Attribute("REPLICATION"));
    }
    if a.bypassrls {
        out.push(Need::Attribute("BYPASSRLS"));
    }
    out
}

/// Who owns what while the plan runs.
struct Owners {
    database: String,
    schemas: BTreeMap<String, String>,
    relations: BTreeMap<(String, String), String>,
    routines: BTreeMap<(String, String, String), String>,
    types: BTreeMap<(String, String), String>,
}

impl Owners {
    fn new(catalog: &Catalog) -> Self {
        Owners {
            database: catalog.database.owner.clone(),
            schemas: catalog
                .schemas
                .iter()
                .map(|(k, s)| (k.clone(), s.owner.clone()))
                .collect(),
            relations: catalog
                .relations
                .iter()
                .map(|(k, r)| (k.clone(), r.owner.clone()))
                .collect(),
            routines: catalog
                .functions
                .iter()
                .map(|f| {
                    (
                        (f.schema.clone(), f.name.clone(), f.identity_args.clone()),
                        f.owner.clone(),
                    )
                })
                .collect(),
            types: catalog
                .types
                .iter()
                .map(|(k, t)| (k.clone(), t.owner.clone()))
                .collect(),
        }
    }

    /// The owner of `t`; `pg_database_owner` stands for the database's.
    fn of(&self, t: &Target) -> Option<String> {
        let owner = match t {
            Target::Database => Some(self.database.clone()),
            Target::Schema(s) => self.schemas.get(s).cloned(),
            Target::Relation(s, n) => self.relations.get(&(s.clone(), n.clone())).cloned(),
            Target::Routine(s, n, a) => self
                .routines
                .get(&(s.clone(), n.clone(), a.clone()))
                .cloned(),
            Target::Type(s, n) => self.types.get(&(s.clone(), n.clone())).cloned(),
        }?;
        Some(if owner == "pg_database_owner" {
            self.database.clone()
        } else {
            owner
        })
    }

    /// What `statement` does to ownership.
    fn apply(&mut self, statement: &Statement, me: &str) {
        use Statement as S;
        let me = me.to_string();
        match statement {
            S::AlterDatabaseOwner { owner, .. } => self.database = owner.clone(),
            S::CreateSchema { name, owner } => {
                self.schemas
                    .insert(name.clone(), owner.clone().unwrap_or(me));
            }
            S::AlterSchemaOwner { name, owner } => {
                self.schemas.insert(name.clone(), owner.clone());
            }
            S::AlterOwner {
                keyword,
                object,
                owner,
            } => match keyword_target(keyword, object) {
                Some(Target::Relation(s, n)) => {
                    self.relations.insert((s, n), owner.clone());
                }
                Some(Target::Routine(s, n, a)) => {
                    self.routines.insert((s, n, a), owner.clone());
                }
                Some(Target::Type(s, n)) => {
                    self.types.insert((s, n), owner.clone());
                }
                _ => {}
            },
            S::Table(TableStatement::CreateTable { schema, name, .. })
            | S::Table(TableStatement::CreateSequence { schema, name, .. })
            | S::Routine(RoutineStatement::CreateView {
                replace: false,
                schema,
                name,
                ..
            }) => {
                self.relations.insert((schema.clone(), name.clone()), me);
            }
            S::Routine(RoutineStatement::CreateRoutine {
                replace: false,
                schema,
                name,
                identity_args,
                ..
            }) => {
                self.routines
                    .insert((schema.clone(), name.clone(), identity_args.clone()), me);
            }
            S::Type(TypeStatement::CreateEnum { schema, name, .. }) => {
                self.types.insert((schema.clone(), name.clone()), me);
            }
            _ => {}
        }
    }
}

/// Memberships of the connected role, as the server would honour them.
struct Reach<'a> {
    catalog: &'a Catalog,
    me: &'a str,
    /// Roles the plan creates: on 16+ their creator holds ADMIN OPTION on them.
    created: BTreeSet<String>,
}

impl Reach<'_> {
    /// Roles `me` reaches through memberships: `inherit` follows only grants
    /// that pass privileges on (per grant on 16+, the member's attribute
    /// before), otherwise only grants that allow `SET ROLE` (any before 16).
    fn reached(&self, inherit: bool) -> BTreeSet<String> {
        let major = self.catalog.server.major();
        let mut seen = BTreeSet::from([self.me.to_string()]);
        let mut todo = vec![self.me.to_string()];
        while let Some(member) = todo.pop() {
            let member_inherits = self.catalog.roles.get(&member).is_none_or(|r| r.inherit);
            for m in self
                .catalog
                .memberships
                .iter()
                .filter(|m| m.member == member)
            {
                let counts = if inherit {
                    if major >= 16 {
                        m.inherit.unwrap_or(member_inherits)
                    } else {
                        member_inherits
                    }
                } else {
                    major < 16 || m.set.unwrap_or(true)
                };
                if counts && seen.insert(m.role.clone()) {
                    todo.push(m.role.clone());
                }
            }
        }
        seen
    }

    /// Whether `me` holds ADMIN OPTION on `role` (directly), or creates it
    /// in this plan (which gives it that on 16+).
    fn administers(&self, role: &str) -> bool {
        self.created.contains(role)
            || self
                .catalog
                .memberships
                .iter()
                .any(|m| m.member == self.me && m.role == role && m.admin)
    }
}

/// The role the run acts as, and what it may do.
struct Actor {
    major: u32,
    createrole: bool,
    inherit: bool,
    attributes: BTreeSet<&'static str>,
}

/// Makes `plan` runnable by the connected role when it is not superuser:
/// refuses what it cannot obtain, and frames the plan with the membership
/// grants it needs (and their revocation). The extensions, languages and
/// settings only a superuser may use come from `Catalog::restricted`.
pub fn settle(plan: &mut Plan, catalog: &Catalog) {
    let server = &catalog.server;
    if server.superuser || plan.changes.is_empty() {
        return;
    }
    let me = server.current_user.as_str();
    let role = catalog.roles.get(me);
    let actor = Actor {
        major: server.major(),
        createrole: role.is_some_and(|r| r.createrole),
        inherit: role.is_none_or(|r| r.inherit),
        attributes: role
            .map(|r| {
                let mut a = BTreeSet::new();
                if r.replication {
                    a.insert("REPLICATION");
                }
                if r.bypassrls {
                    a.insert("BYPASSRLS");
                }
                a
            })
            .unwrap_or_default(),
    };
    let reach = Reach {
        catalog,
        me,
        created: plan
            .changes
            .iter()
            .filter_map(|c| match &c.statement {
                Statement::CreateRole { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect(),
    };
    let privileges_of = reach.reached(true);
    let can_set = reach.reached(false);
    let mut owners = Owners::new(catalog);
    // Role → the first change that needs its identity (object, origin).
    let mut wanted: BTreeMap<String, (String, Option<Origin>)> = BTreeMap::new();
    let mut refusals: Vec<Refusal> = Vec::new();
    let mut refuse = |object: &str, origin: &Option<Origin>, reason: String, hint: String| {
        if !refusals
            .iter()
            .any(|r: &Refusal| r.object == object && r.reason == reason)
        {
            refusals.push(Refusal {
                object: object.to_string(),
                reason,
                hint: Some(hint),
                origin: origin.clone(),
            });
        }
    };
    for c in &plan.changes {
        for need in needs(&c.statement) {
            match need {
                Need::OwnerOf(t) => {
                    if let Some(owner) = owners.of(&t)
                        && !privileges_of.contains(&owner)
                    {
                        wanted
                            .entry(owner)
                            .or_insert_with(|| (c.object.clone(), c.origin.clone()));
                    }
                    // Naming an object in a schema takes USAGE on the schema.
                    if let Some(s) = t.schema()
                        && !has_usage(catalog, &owners, &privileges_of, s)
                        && let Some(owner) = owners.of(&Target::Schema(s.to_string()))
                    {
                        wanted
                            .entry(owner)
                            .or_insert_with(|| (c.object.clone(), c.origin.clone()));
                    }
                }
                Need::Become(r) => {
                    let r = if r == "pg_database_owner" {
                        owners.database.clone()
                    } else {
                        r
                    };
                    if !can_set.contains(&r) || !privileges_of.contains(&r) {
                        wanted
                            .entry(r)
                            .or_insert_with(|| (c.object.clone(), c.origin.clone()));
                    }
                }
                Need::Administer(r) => {
                    if actor.major >= 16 {
                        if !reach.administers(&r) {
                            refuse(
                                &c.object,
                                &c.origin,
                                format!(
                                    "role `{me}` has no ADMIN OPTION on role `{r}` (PostgreSQL 16+ lets a CREATEROLE role change only the roles it administers)"
                                ),
                                format!(
                                    "a superuser can run `GRANT {} TO {} WITH ADMIN OPTION`, or create `{r}` as `{me}`",
                                    ident(&r),
                                    ident(me)
                                ),
                            );
                        }
                    } else if !actor.createrole {
                        refuse(
                            &c.object,
                            &c.origin,
                            format!(
                                "role `{me}` lacks CREATEROLE, which changing role `{r}` needs"
                            ),
                            "run as a role with CREATEROLE, or as a superuser".into(),
                        );
                    } else if catalog.roles.get(&r).is_some_and(|x| x.superuser) {
                        refuse(
                            &c.object,
                            &c.origin,
                            format!("role `{r}` is a superuser; only a superuser can change it"),
                            "run as a superuser, or leave the role out of the spec (`external_roles`)".into(),
                        );
                    }
                }
                Need::Attribute(a) => {
                    let allowed =
                        a != "SUPERUSER" && actor.major >= 16 && actor.attributes.contains(a);
                    if !allowed {
                        let who = if a != "SUPERUSER" && actor.major >= 16 {
                            format!("a superuser or a role that has {a} itself")
                        } else {
                            "a superuser".to_string()
                        };
                        refuse(
                            &c.object,
                            &c.origin,
                            format!(
                                "only {who} may give the {a} attribute, and role `{me}` is not one"
                            ),
                            "remove the attribute from the spec, or run as a superuser".into(),
                        );
                    }
                }
                Need::Superuser(what) => {
                    if catalog.restricted.contains(&what) {
                        refuse(
                            &c.object,
                            &c.origin,
                            format!("{what} is a superuser's to use, and role `{me}` is not one"),
                            "run as a superuser, or leave it out of the spec (a managed service's console may offer it)".into(),
                        );
                    }
                }
            }
        }
        owners.apply(&c.statement, me);
    }
    wanted.remove(me);
    for (r, (object, origin)) in &wanted {
        let superuser = catalog.roles.get(r).is_some_and(|x| x.superuser);
        if superuser {
            refuse(
                object,
                origin,
                format!(
                    "acting for `{r}` needs its identity, and `{r}` is a superuser; role `{me}` can never obtain that"
                ),
                format!(
                    "run as a superuser, or let `{me}` own the objects `{r}` owns (`ALTER … OWNER TO {}` as a superuser)",
                    ident(me)
                ),
            );
        } else if actor.major >= 16 && !reach.administers(r) {
            refuse(
                object,
                origin,
                format!(
                    "acting for `{r}` needs membership in it, and role `{me}` has no ADMIN OPTION on `{r}` to grant itself that (it did not create it)"
                ),
                format!(
                    "a superuser can run `GRANT {} TO {} WITH ADMIN OPTION`",
                    ident(r),
                    ident(me)
                ),
            );
        } else if actor.major < 16 && !actor.createrole {
            refuse(
                object,
                origin,
                format!(
                    "acting for `{r}` needs membership in it, and role `{me}` lacks CREATEROLE to grant itself that"
                ),
                "run as a role with CREATEROLE, or as a superuser".into(),
            );
        } else if actor.major < 16 && !actor.inherit {
            refuse(
                object,
                origin,
                format!(
                    "role `{me}` is NOINHERIT: a membership in `{r}` would not give it `{r}`'s privileges"
                ),
                format!("`ALTER ROLE {} INHERIT`, or run as a superuser", ident(me)),
            );
        }
    }
    if !refusals.is_empty() {
        plan.refusals.extend(refusals);
        return;
    }
    let bypass = role.is_some_and(|r| r.bypassrls);
    if !bypass {
        lift_forced_row_security(plan, catalog);
    }
    if wanted.is_empty() {
        return;
    }
    let roles: Vec<String> = wanted.keys().cloned().collect();
    let object = format!(
        "acting for {}",
        roles
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let frame = |statement: Statement| Change {
        statement,
        phase: Phase::CreateRoles,
        class: Class::Converge,
        object: object.clone(),
        origin: None,
        verifiable: false,
    };
    // After the roles are created (it may be acting for one of them), before
    // anything else.
    let at = plan
        .changes
        .iter()
        .position(|c| c.phase > Phase::CreateRoles)
        .unwrap_or(plan.changes.len());
    plan.changes.insert(
        at,
        frame(Statement::ActAs {
            roles: roles.clone(),
            member: me.to_string(),
            options: actor.major >= 16,
        }),
    );
    plan.changes.push(frame(Statement::StopActingAs {
        roles,
        member: me.to_string(),
    }));
}

/// Seed rows go into a table with `FORCE ROW LEVEL SECURITY` past its
/// policies only for a superuser or a BYPASSRLS role: anyone else — the
/// table's owner included, which the run acts as — lifts FORCE for its seed
/// statements and sets it again right after, in the same transaction (no
/// other session sees the table without it; `ALTER TABLE` locks it until
/// COMMIT).
fn lift_forced_row_security(plan: &mut Plan, catalog: &Catalog) {
    let mut forced: BTreeSet<(String, String)> = catalog
        .security
        .rls
        .iter()
        .filter(|(_, (_, force))| *force)
        .map(|(k, _)| k.clone())
        .collect();
    let mut first: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut last: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        match &c.statement {
            Statement::Security(SecurityStatement::SetForceRowSecurity { table, force }) => {
                if let Some(k) = qualified(table) {
                    if *force {
                        forced.insert(k);
                    } else {
                        forced.remove(&k);
                    }
                }
            }
            Statement::Seed(
                SeedStatement::Insert { schema, table, .. }
                | SeedStatement::Update { schema, table, .. },
            ) => {
                let k = (schema.clone(), table.clone());
                if forced.contains(&k) {
                    first.entry(k.clone()).or_insert(i);
                    last.insert(k, i);
                }
            }
            _ => {}
        }
    }
    // Insert from the back so earlier indexes stay valid.
    let mut inserts: Vec<(usize, Change)> = Vec::new();
    for (k, i) in &first {
        let frame = |force: bool| Change {
            statement: Statement::Security(SecurityStatement::SetForceRowSecurity {
                table: ObjectName::Qualified {
                    schema: k.0.clone(),
                    name: k.1.clone(),
                },
                force,
            }),
            phase: Phase::Seed,
            class: Class::Converge,
            object: format!(
                "seed rows of table `{}.{}` (FORCE ROW LEVEL SECURITY lifted for them)",
                k.0, k.1
            ),
            origin: None,
            verifiable: false,
        };
        inserts.push((*i, frame(false)));
        inserts.push((last[k] + 1, frame(true)));
    }
    inserts.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    for (i, c) in inserts {
        plan.changes.insert(i, c);
    }
}

/// [`read_as_owners`]' answer: the `(before, after)` frame, if one is
/// needed, and the tables (schema, name) it cannot read, with why.
pub type ReadAsOwners = (Option<(String, String)>, Vec<((String, String), String)>);

/// How a role that is not superuser reads rows of tables it cannot read
/// whole as itself (seed rows): `(before, after)` statements around the reads
/// — a savepoint in which it takes membership in the tables' owners, with
/// `FORCE ROW LEVEL SECURITY` lifted where it is on, rolled back after — or,
/// per table it cannot do that for, why. `tables` are (schema, name).
pub fn read_as_owners(catalog: &Catalog, tables: &[(String, String)]) -> ReadAsOwners {
    let server = &catalog.server;
    let me = server.current_user.as_str();
    let reach = Reach {
        catalog,
        me,
        created: BTreeSet::new(),
    };
    let privileges_of = reach.reached(true);
    let major = server.major();
    let bypass = server.superuser || catalog.roles.get(me).is_some_and(|r| r.bypassrls);
    let mut roles: BTreeSet<String> = BTreeSet::new();
    let mut unforce: Vec<String> = Vec::new();
    let mut refused = Vec::new();
    for (schema, table) in tables {
        let key = (schema.clone(), table.clone());
        let Some(relation) = catalog.relations.get(&key) else {
            continue;
        };
        let mut owner = relation.owner.clone();
        let (enabled, forced) = catalog.security.rls(schema, table);
        // Row security hides rows unless the reader is (acts as) the owner
        // of a table without FORCE, or bypasses it.
        let hides = enabled && !bypass;
        let owners = Owners::new(catalog);
        let needs_table = !privileges_of.contains(&owner) && (!relation.selectable || hides);
        let needs_schema = !has_usage(catalog, &owners, &privileges_of, schema);
        if needs_schema && !needs_table {
            // The table is readable; naming it needs the schema's owner.
            owner = owners.of(&Target::Schema(schema.clone())).unwrap_or(owner);
        }
        if needs_table || needs_schema {
            let obtainable = !catalog.roles.get(&owner).is_some_and(|r| r.superuser)
                && if major >= 16 {
                    reach.administers(&owner)
                } else {
                    catalog.roles.get(me).is_some_and(|r| r.createrole)
                };
            if !obtainable {
                refused.push((
                    key,
                    format!(
                        "reading its rows needs the privileges of its owner `{owner}`, which role `{me}` cannot obtain{}",
                        if major >= 16 { " (no ADMIN OPTION on it)" } else { "" }
                    ),
                ));
                continue;
            }
            roles.insert(owner);
        }
        if hides && forced {
            unforce.push(crate::quote::qualified(schema, table));
        }
    }
    if roles.is_empty() && unforce.is_empty() {
        return (None, refused);
    }
    let mut before = "SAVEPOINT pg_provision_read".to_string();
    if !roles.is_empty() {
        let roles: Vec<String> = roles.into_iter().collect();
        before.push_str(&format!(";\n{}", act_as_sql(&roles, me, major >= 16)));
    }
    for t in &unforce {
        before.push_str(&format!(";\nALTER TABLE {t} NO FORCE ROW LEVEL SECURITY"));
    }
    let after =
        "ROLLBACK TO SAVEPOINT pg_provision_read; RELEASE SAVEPOINT pg_provision_read".to_string();
    (Some((before, after)), refused)
}

/// The roles a role that is not superuser takes, in a throwaway savepoint or
/// transaction, to probe the spec's expressions: the owners of the schemas in
/// the catalog's scope it has no USAGE on (an expression may name objects
/// there), and the database's owner when it lacks TEMPORARY (the probes'
/// scratch objects live in `pg_temp`) — those it can obtain. Also whether it
/// may then create temporary objects. Empty for a superuser.
pub fn probe_roles(catalog: &Catalog) -> (Vec<String>, bool) {
    let server = &catalog.server;
    if server.superuser {
        return (Vec::new(), true);
    }
    let me = server.current_user.as_str();
    let reach = Reach {
        catalog,
        me,
        created: BTreeSet::new(),
    };
    let privileges_of = reach.reached(true);
    let owners = Owners::new(catalog);
    let obtainable = |r: &str| {
        !catalog.roles.get(r).is_some_and(|x| x.superuser)
            && if server.major() >= 16 {
                reach.administers(r)
            } else {
                catalog.roles.get(me).is_some_and(|x| x.createrole)
            }
    };
    let mut roles = BTreeSet::new();
    for name in catalog.schemas.keys() {
        if !has_usage(catalog, &owners, &privileges_of, name)
            && let Some(owner) = owners.of(&Target::Schema(name.clone()))
            && obtainable(&owner)
        {
            roles.insert(owner);
        }
    }
    let mut temporary = server.temporary_allowed;
    if !temporary {
        let db_owner = owners.database.clone();
        if privileges_of.contains(&db_owner) {
            temporary = true;
        } else if obtainable(&db_owner) {
            roles.insert(db_owner);
            temporary = true;
        }
    }
    roles.remove(me);
    (roles.into_iter().collect(), temporary)
}

/// `GRANT r1, r2 TO me [WITH INHERIT TRUE, SET TRUE]`.
pub fn act_as_sql(roles: &[String], member: &str, options: bool) -> String {
    format!(
        "GRANT {} TO {}{}",
        ident_list(roles.iter().map(String::as_str)),
        ident(member),
        if options {
            " WITH INHERIT TRUE, SET TRUE"
        } else {
            ""
        }
    )
}

/// `REVOKE r1, r2 FROM me`.
pub fn stop_acting_as_sql(roles: &[String], member: &str) -> String {
    format!(
        "REVOKE {} FROM {}",
        ident_list(roles.iter().map(String::as_str)),
        ident(member)
    )
}
