//! Who may do what once the spec is applied: the small, self-contained model
//! of effective privileges the offline lints need. Pure.
//!
//! In: a validated [`Spec`]. Out: answers to "does role R end up with
//! privilege P on object O", through its memberships (those it inherits:
//! the per-grant `inherit` option, defaulting to the member's `inherit`
//! attribute, as PostgreSQL 16 does and as the plan settles on every
//! major), PUBLIC, ownership, `pg_read_all_data`/`pg_write_all_data`, and
//! the object's desired privileges — built-in defaults, the owner's default
//! privileges, schema-wide grants, its revokes and grants (DESIGN item 5;
//! the same formula as `diff::objects`, without a catalog).
//!
//! Without a catalog some facts are unknown: the owner of a schema the spec
//! does not give one is taken to be the database owner the spec declares
//! (what pg-provision creates it with), else unknown; external roles have
//! unknown attributes and memberships. Lints skip what depends on an unknown.

use super::finding::ApiRole;
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::model::{DefaultAction, Grant, Object, Origin, Revoke, Schema};
use crate::spec::validate::PUBLIC;
use std::collections::{BTreeMap, BTreeSet};

/// A desired ACL: (grantee, privilege) → where the spec grants it.
pub type Grants = BTreeMap<(String, Privilege), Origin>;

/// How a role comes to hold a privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// It owns the object (or a role it inherits does).
    Owner(String),
    /// It is a superuser.
    Superuser,
    /// A predefined role such as `pg_read_all_data`.
    Predefined(&'static str),
    /// A grant to `grantee` (itself, a role it inherits, or PUBLIC).
    Grant {
        /// The role the ACL names.
        grantee: String,
        /// Where the spec grants it.
        origin: Origin,
    },
}

/// Effective privileges under a spec.
pub struct Access<'a> {
    spec: &'a Spec,
    /// Roles requests of an API run as, and why (PUBLIC included).
    pub api_roles: BTreeMap<String, String>,
}

/// Every privilege of a kind, whatever the server major (`ALL`).
fn all(kind: ObjectKind) -> &'static [Privilege] {
    kind.all_privileges(u32::MAX)
}

fn expand(set: &Option<BTreeSet<Privilege>>, kind: ObjectKind) -> Vec<Privilege> {
    match set {
        Some(s) => s.iter().copied().collect(),
        None => all(kind).to_vec(),
    }
}

/// Adds a grant; a privilege granted again points at the later, more
/// specific declaration (object grants come after schema-wide ones, which
/// come after default privileges).
fn grant(acl: &mut Grants, g: &Grant, kind: ObjectKind) {
    for who in &g.to {
        for p in expand(&g.privileges, kind) {
            acl.insert((who.clone(), p), g.origin.clone());
        }
    }
}

fn revoke(acl: &mut Grants, r: &Revoke, kind: ObjectKind) {
    for who in &r.from {
        for p in expand(&r.privileges, kind) {
            acl.remove(&(who.clone(), p));
        }
    }
}

impl<'a> Access<'a> {
    /// The model for `spec`; `extra_api_roles` come from the command line.
    pub fn new(spec: &'a Spec, extra_api_roles: &[String]) -> Self {
        let mut api_roles = BTreeMap::new();
        api_roles.insert(
            PUBLIC.to_string(),
            "every role, API roles included, holds what PUBLIC holds".to_string(),
        );
        for (login, role) in spec.roles.iter().filter(|(_, r)| r.attributes.login) {
            for m in role.member_of.values() {
                if m.inherit.unwrap_or(role.attributes.inherit) {
                    continue;
                }
                // A login that does not inherit a role switches to it (SET
                // ROLE), and from there to every role that one is a member of.
                let mut stack = vec![m.role.as_str()];
                let mut seen = BTreeSet::new();
                while let Some(r) = stack.pop() {
                    if !seen.insert(r) {
                        continue;
                    }
                    let declared = spec.roles.get(r);
                    if declared.is_some_and(|d| !d.attributes.login)
                        || spec.external_roles.contains(r)
                    {
                        api_roles.entry(r.to_string()).or_insert_with(|| {
                            format!("login `{login}` does not inherit it and switches to it")
                        });
                    }
                    if let Some(d) = declared {
                        stack.extend(d.member_of.keys().map(String::as_str));
                    }
                }
            }
        }
        for r in &spec.lint.api_roles {
            api_roles
                .entry(r.name.clone())
                .or_insert_with(|| "listed in `lint.api_roles`".to_string());
        }
        for r in extra_api_roles {
            api_roles
                .entry(r.clone())
                .or_insert_with(|| "named with `--api-role`".to_string());
        }
        Access { spec, api_roles }
    }

    /// The API roles, for the report.
    pub fn api_role_list(&self) -> Vec<ApiRole> {
        self.api_roles
            .iter()
            .map(|(name, why)| ApiRole {
                name: name.clone(),
                why: why.clone(),
            })
            .collect()
    }

    /// Whether `role` is an API role (PUBLIC is).
    pub fn is_api_role(&self, role: &str) -> bool {
        self.api_roles.contains_key(role)
    }

    /// `role`, every role whose privileges it uses (inherited memberships,
    /// transitively), and PUBLIC.
    pub fn privileges_of(&self, role: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::from([role.to_string(), PUBLIC.to_string()]);
        let mut stack = vec![role.to_string()];
        while let Some(r) = stack.pop() {
            let Some(decl) = self.spec.roles.get(&r) else {
                continue;
            };
            for m in decl.member_of.values() {
                if m.inherit.unwrap_or(decl.attributes.inherit) && out.insert(m.role.clone()) {
                    stack.push(m.role.clone());
                }
            }
        }
        out
    }

    /// Whether `role` is declared with `superuser: true`.
    pub fn is_superuser(&self, role: &str) -> bool {
        self.spec
            .roles
            .get(role)
            .is_some_and(|r| r.attributes.superuser)
    }

    /// Whether row-level security never applies to `role` (superuser or
    /// BYPASSRLS, as declared).
    pub fn bypasses_rls(&self, role: &str) -> bool {
        self.spec
            .roles
            .get(role)
            .is_some_and(|r| r.attributes.superuser || r.attributes.bypassrls)
    }

    /// Whether the spec declares `role` (not external, not PUBLIC): only
    /// then are its attributes and memberships known.
    pub fn is_declared(&self, role: &str) -> bool {
        self.spec.roles.contains_key(role)
    }

    /// A declared schema.
    pub fn schema(&self, name: &str) -> Option<&'a Schema> {
        self.spec.schemas.get(name)
    }

    /// The owner of a declared schema after the run, when known.
    pub fn schema_owner(&self, schema: &str) -> Option<String> {
        let declared = self.spec.schemas.get(schema).and_then(|s| s.owner.clone());
        // `public` belongs to pg_database_owner from PostgreSQL 15, which acts
        // as the database owner; any other schema without `owner:` is created
        // owned by the database owner.
        declared.or_else(|| self.spec.database.as_ref().and_then(|d| d.owner.clone()))
    }

    /// The owner of a declared object after the run, when known.
    pub fn object_owner(&self, schema: &Schema, object: &Object) -> Option<String> {
        if let Some(owner) = &object.owner {
            return Some(owner.clone());
        }
        // A serial column's sequence follows its table.
        if let Some((table, _)) = object.sequence.as_ref().and_then(|s| s.serial_of.as_ref()) {
            return schema
                .objects
                .get(&(ObjectKind::Table, table.clone()))
                .and_then(|t| t.owner.clone())
                .or_else(|| self.schema_owner(&schema.name));
        }
        self.schema_owner(&schema.name)
    }

    /// The desired privileges of schema `schema`.
    pub fn schema_acl(&self, schema: &Schema) -> Grants {
        let mut acl = Grants::new();
        if schema.name == "public" {
            // initdb gives PUBLIC USAGE (and, before PostgreSQL 15, CREATE:
            // see the differs-by-major lint).
            acl.insert(
                (PUBLIC.to_string(), Privilege::Usage),
                schema.origin.clone(),
            );
        }
        for r in &schema.revokes {
            revoke(&mut acl, r, ObjectKind::Schema);
        }
        for g in &schema.grants {
            grant(&mut acl, g, ObjectKind::Schema);
        }
        acl
    }

    /// What a new object of `kind` that `owner` creates in `schema` gets:
    /// the built-in default for the kind (replaced by a declared global
    /// default-privileges entry of the owner) plus the owner's per-schema
    /// entries.
    fn defaults(&self, owner: Option<&str>, schema: &str, kind: ObjectKind, at: &Origin) -> Grants {
        let class = kind.default_class();
        let mut acl = Grants::new();
        for p in class.public_default() {
            acl.insert((PUBLIC.to_string(), *p), at.clone());
        }
        let Some(owner) = owner else { return acl };
        let entries = || {
            self.spec
                .default_privileges
                .iter()
                .filter(move |d| d.for_role == owner && d.on == class)
        };
        // A global entry replaces the built-in default: its revokes take
        // from it, its grants add.
        for d in entries().filter(|d| d.schema.is_none()) {
            if let DefaultAction::Revoke(r) = &d.action {
                revoke(&mut acl, r, class);
            }
        }
        for d in entries().filter(|d| d.schema.is_none() || d.schema.as_deref() == Some(schema)) {
            if let DefaultAction::Grant(g) = &d.action {
                grant(&mut acl, g, class);
            }
        }
        acl
    }

    /// The desired privileges of a declared object (table, view, sequence,
    /// function, type), without column grants.
    pub fn object_acl(&self, schema: &Schema, object: &Object) -> Grants {
        let owner = self.object_owner(schema, object);
        let class = object.kind.default_class();
        let mut acl = self.defaults(owner.as_deref(), &schema.name, class, &object.origin);
        let wide: Vec<&Grant> = schema
            .schema_wide
            .iter()
            .filter(|w| w.on == class)
            .map(|w| &w.grant)
            .collect();
        for g in &wide {
            grant(&mut acl, g, object.kind);
        }
        for r in &object.revokes {
            revoke(&mut acl, r, object.kind);
        }
        let definer = object.routine.as_ref().is_some_and(|r| r.security_definer);
        let public_granted = object.grants.iter().chain(wide.iter().copied()).any(|g| {
            g.to.iter().any(|t| t == PUBLIC)
                && g.privileges
                    .as_ref()
                    .is_none_or(|s| s.contains(&Privilege::Execute))
        });
        if definer && !public_granted {
            // DESIGN item 7: definers lose PUBLIC's EXECUTE unless granted.
            acl.remove(&(PUBLIC.to_string(), Privilege::Execute));
        }
        for g in &object.grants {
            grant(&mut acl, g, object.kind);
        }
        acl
    }

    /// The column grants of a declared table or view, all columns together.
    pub fn column_acl(&self, object: &Object) -> Grants {
        let mut acl = Grants::new();
        for c in &object.column_grants {
            grant(&mut acl, &c.grant, ObjectKind::Table);
        }
        acl
    }

    /// The owner and desired privileges of sequence `name` in `schema`,
    /// declared or not (an undeclared serial sequence gets its owner's
    /// defaults and the schema-wide grants on sequences).
    pub fn sequence(
        &self,
        schema: &Schema,
        name: &str,
        owner: Option<&str>,
    ) -> (Option<String>, Grants) {
        if let Some(decl) = schema
            .objects
            .get(&(ObjectKind::Sequence, name.to_string()))
        {
            let owner = decl.owner.clone().or_else(|| owner.map(str::to_string));
            let mut with_owner = decl.clone();
            with_owner.owner = owner.clone();
            return (owner, self.object_acl(schema, &with_owner));
        }
        let mut acl = self.defaults(owner, &schema.name, ObjectKind::Sequence, &schema.origin);
        for w in schema
            .schema_wide
            .iter()
            .filter(|w| w.on == ObjectKind::Sequence)
        {
            grant(&mut acl, &w.grant, ObjectKind::Sequence);
        }
        (owner.map(str::to_string), acl)
    }

    /// How `role` holds any of `privileges` on an object of `kind` owned by
    /// `owner` with desired privileges `acl`; `None` when it does not.
    pub fn holds(
        &self,
        role: &str,
        kind: ObjectKind,
        acl: &Grants,
        owner: Option<&str>,
        privileges: &[Privilege],
    ) -> Option<Via> {
        if self.is_superuser(role) {
            return Some(Via::Superuser);
        }
        let roles = self.privileges_of(role);
        if let Some(o) = owner.filter(|o| roles.contains(*o)) {
            return Some(Via::Owner(o.to_string()));
        }
        for r in &roles {
            for p in privileges {
                if let Some(origin) = acl.get(&(r.clone(), *p)) {
                    return Some(Via::Grant {
                        grantee: r.clone(),
                        origin: origin.clone(),
                    });
                }
            }
        }
        // Predefined roles that act as grants on every object of a kind.
        let reads = match kind {
            ObjectKind::Schema => privileges.contains(&Privilege::Usage),
            ObjectKind::Table | ObjectKind::View | ObjectKind::Sequence => {
                privileges.contains(&Privilege::Select)
            }
            _ => false,
        };
        let writes = match kind {
            ObjectKind::Schema => privileges.contains(&Privilege::Usage),
            ObjectKind::Table | ObjectKind::View => privileges
                .iter()
                .any(|p| matches!(p, Privilege::Insert | Privilege::Update | Privilege::Delete)),
            ObjectKind::Sequence => privileges.contains(&Privilege::Update),
            _ => false,
        };
        if reads && roles.contains("pg_read_all_data") {
            return Some(Via::Predefined("pg_read_all_data"));
        }
        if writes && roles.contains("pg_write_all_data") {
            return Some(Via::Predefined("pg_write_all_data"));
        }
        None
    }

    /// Whether `role` has USAGE on declared schema `schema` (an undeclared
    /// schema: unknown, so `true`).
    pub fn uses_schema(&self, role: &str, schema: &str) -> bool {
        match self.spec.schemas.get(schema) {
            Some(s) => self
                .holds(
                    role,
                    ObjectKind::Schema,
                    &self.schema_acl(s),
                    self.schema_owner(schema).as_deref(),
                    &[Privilege::Usage],
                )
                .is_some(),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::tests::spec;

    #[test]
    fn inheritance_follows_the_member_attribute_and_per_grant_option() {
        let s = spec(
            "roles:
  a: {}
  b: { member_of: [a] }
  c: { inherit: false, member_of: [b] }
  d: { member_of: [{ role: b, inherit: false }] }
  e: { member_of: [c] }
",
        );
        let access = Access::new(&s, &[]);
        let set = |r: &str| access.privileges_of(r).into_iter().collect::<Vec<_>>();
        assert_eq!(set("b"), ["PUBLIC", "a", "b"]);
        assert_eq!(set("c"), ["PUBLIC", "c"]);
        assert_eq!(set("d"), ["PUBLIC", "d"]);
        // e inherits c, whose own memberships are not inherited.
        assert_eq!(set("e"), ["PUBLIC", "c", "e"]);
    }

    #[test]
    fn api_roles_are_what_a_noinherit_login_switches_to() {
        let s = spec(
            "external_roles: [anon]
roles:
  web_anon: {}
  web_user: { member_of: [web_anon] }
  authenticator: { login: true, inherit: false, password: { env: X }, member_of: [web_user] }
  app: { login: true, password: { env: X }, member_of: [reporting] }
  reporting: {}
  owner16: { login: true, password: { env: X }, member_of: [{ role: other, inherit: false }] }
  other: {}
lint: { api_roles: [anon] }
",
        );
        let access = Access::new(&s, &["cli_role".into()]);
        let names: Vec<&String> = access.api_roles.keys().collect();
        assert_eq!(
            names,
            [
                "PUBLIC", "anon", "cli_role", "other", "web_anon", "web_user"
            ]
        );
        assert!(
            !access.is_api_role("reporting"),
            "an inheriting login's role is not an API role"
        );
    }

    #[test]
    fn object_privileges_follow_defaults_schema_wide_grants_and_revokes() {
        let s = spec(
            "roles:
  owner: {}
  reader: {}
  writer: { member_of: [reader] }
database: { owner: owner }
default_privileges:
  - { for_role: owner, on: functions, revoke: { from: [PUBLIC], privileges: [EXECUTE] } }
  - { for_role: owner, in_schema: app, on: tables, grant: { to: [writer], privileges: [INSERT] } }
schemas:
  app:
    grants:
      - { to: [reader], privileges: [USAGE] }
      - { on: tables, to: [reader], privileges: [SELECT] }
    tables:
      t: { revoke: [{ from: [reader], privileges: [SELECT] }], grants: [{ to: [writer], privileges: [UPDATE] }] }
    functions:
      f: { args: \"\" }
",
        );
        let access = Access::new(&s, &[]);
        let app = &s.schemas["app"];
        let t = &app.objects[&(ObjectKind::Table, "t".into())];
        let acl = access.object_acl(app, t);
        let keys: Vec<(&str, Privilege)> = acl.keys().map(|(w, p)| (w.as_str(), *p)).collect();
        assert_eq!(
            keys,
            [("writer", Privilege::Insert), ("writer", Privilege::Update)]
        );
        let owner = access.object_owner(app, t);
        assert_eq!(owner.as_deref(), Some("owner"));
        // writer inherits reader: USAGE on the schema through reader.
        assert!(access.uses_schema("writer", "app"));
        assert!(!access.uses_schema("owner_less", "app"));
        assert!(
            access
                .holds(
                    "writer",
                    ObjectKind::Table,
                    &acl,
                    owner.as_deref(),
                    &[Privilege::Select]
                )
                .is_none()
        );
        let f = &app.objects[&(ObjectKind::Function, "f".into())];
        assert!(
            access.object_acl(app, f).is_empty(),
            "the global revoke replaced PUBLIC's EXECUTE"
        );
        assert_eq!(
            access.holds(
                "owner",
                ObjectKind::Function,
                &access.object_acl(app, f),
                Some("owner"),
                &[Privilege::Execute]
            ),
            Some(Via::Owner("owner".into()))
        );
    }

    #[test]
    fn predefined_roles_read_and_write_everything() {
        let s = spec(
            "external_roles: [pg_read_all_data]
roles:
  r: { member_of: [pg_read_all_data] }
schemas:
  app: {}
",
        );
        let access = Access::new(&s, &[]);
        assert!(access.uses_schema("r", "app"));
        assert_eq!(
            access.holds(
                "r",
                ObjectKind::Table,
                &Grants::new(),
                None,
                &[Privilege::Select]
            ),
            Some(Via::Predefined("pg_read_all_data"))
        );
        assert!(
            access
                .holds(
                    "r",
                    ObjectKind::Table,
                    &Grants::new(),
                    None,
                    &[Privilege::Insert]
                )
                .is_none()
        );
    }
}
