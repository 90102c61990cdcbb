//! The input of `explain`: one database as far as privileges go — roles,
//! memberships, and every object with its owner and access control list —
//! whether read from the live catalog ([`super::live`]) or derived from the
//! spec ([`super::offline`]). Everything after this point is pure.
//!
//! ACLs here are complete, as PostgreSQL evaluates them: the owner's own
//! entries included, and `acldefault` standing in for an object that has no
//! ACL of its own.

use crate::privilege::{ObjectKind, Privilege};
use crate::spec::security::PolicyCommand;
use std::collections::BTreeMap;

/// Who an ACL entry or a policy is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grantee {
    /// Everyone (`PUBLIC`, grantee 0).
    Public,
    /// One role.
    Role(String),
}

impl Grantee {
    /// `PUBLIC` (as the catalog queries and the spec spell it) or a role.
    pub fn parse(name: &str) -> Grantee {
        if name == "PUBLIC" {
            Grantee::Public
        } else {
            Grantee::Role(name.to_string())
        }
    }

    /// The role, or `PUBLIC`.
    pub fn name(&self) -> &str {
        match self {
            Grantee::Public => "PUBLIC",
            Grantee::Role(r) => r,
        }
    }
}

/// One privilege of one `aclitem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// Who holds it.
    pub grantee: Grantee,
    /// Who granted it (`None`: not known, offline).
    pub grantor: Option<String>,
    /// The privilege.
    pub privilege: Privilege,
    /// `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// An object's access control list, the owner's entries included.
#[derive(Debug, Clone, Default)]
pub struct Acl {
    /// Every privilege of every entry.
    pub entries: Vec<AclEntry>,
    /// The object has no ACL of its own: these entries are PostgreSQL's
    /// built-in default (`acldefault`) for its kind and owner.
    pub builtin: bool,
}

/// What `explain` needs to know about a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    /// Name.
    pub name: String,
    /// Whether these facts are known. Offline, roles outside the spec
    /// (`external_roles`, predefined roles) are not: they are taken to be
    /// plain roles, and their own memberships are unknown.
    pub known: bool,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolcanlogin`.
    pub login: bool,
    /// `rolinherit`.
    pub inherit: bool,
    /// `rolbypassrls`.
    pub bypassrls: bool,
}

impl RoleFacts {
    /// A role nothing is known about: a plain NOLOGIN INHERIT role.
    pub fn unknown(name: &str) -> Self {
        RoleFacts {
            name: name.to_string(),
            known: false,
            superuser: false,
            login: false,
            inherit: true,
            bypassrls: false,
        }
    }
}

/// One row of `pg_auth_members`: `member` is a member of `role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    /// The granted role.
    pub role: String,
    /// The member.
    pub member: String,
    /// Who granted it (`None`: not known).
    pub grantor: Option<String>,
    /// `admin_option`.
    pub admin: bool,
    /// `inherit_option` (PostgreSQL 16+; `None` before).
    pub inherit_option: Option<bool>,
    /// `set_option` (PostgreSQL 16+; `None` before).
    pub set_option: Option<bool>,
}

/// The kinds of things `explain` answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The database.
    Database,
    /// A schema.
    Schema,
    /// An ordinary table (`relkind` `r`).
    Table,
    /// A partitioned table (`p`).
    PartitionedTable,
    /// A foreign table (`f`).
    ForeignTable,
    /// A view (`v`).
    View,
    /// A materialized view (`m`).
    MaterializedView,
    /// A sequence (`S`).
    Sequence,
    /// A function (`prokind` `f` or `w`).
    Function,
    /// A procedure (`p`).
    Procedure,
    /// An aggregate (`a`).
    Aggregate,
    /// An enum, composite, range or domain type.
    Type,
}

impl Kind {
    /// How people call it, e.g. `materialized view`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Database => "database",
            Kind::Schema => "schema",
            Kind::Table => "table",
            Kind::PartitionedTable => "partitioned table",
            Kind::ForeignTable => "foreign table",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Sequence => "sequence",
            Kind::Function => "function",
            Kind::Procedure => "procedure",
            Kind::Aggregate => "aggregate",
            Kind::Type => "type",
        }
    }

    /// The privilege class: which privileges exist and what `acldefault` gives.
    pub fn privilege_kind(self) -> ObjectKind {
        match self {
            Kind::Database => ObjectKind::Database,
            Kind::Schema => ObjectKind::Schema,
            Kind::Table | Kind::PartitionedTable | Kind::ForeignTable => ObjectKind::Table,
            Kind::View | Kind::MaterializedView => ObjectKind::View,
            Kind::Sequence => ObjectKind::Sequence,
            Kind::Function | Kind::Aggregate => ObjectKind::Function,
            Kind::Procedure => ObjectKind::Procedure,
            Kind::Type => ObjectKind::Type,
        }
    }

    /// The kind a `pg_class.relkind` stands for, if `explain` covers it.
    pub fn from_relkind(code: &str) -> Option<Kind> {
        Some(match code {
            "r" => Kind::Table,
            "p" => Kind::PartitionedTable,
            "f" => Kind::ForeignTable,
            "v" => Kind::View,
            "m" => Kind::MaterializedView,
            "S" => Kind::Sequence,
            _ => return None,
        })
    }

    /// The kind a `pg_proc.prokind` stands for.
    pub fn from_prokind(code: &str) -> Kind {
        match code {
            "p" => Kind::Procedure,
            "a" => Kind::Aggregate,
            _ => Kind::Function,
        }
    }

    /// Whether it is a table, view or sequence (a `pg_class` row).
    pub fn is_relation(self) -> bool {
        matches!(
            self,
            Kind::Table
                | Kind::PartitionedTable
                | Kind::ForeignTable
                | Kind::View
                | Kind::MaterializedView
                | Kind::Sequence
        )
    }

    /// Whether its columns carry privileges of their own.
    pub fn has_columns(self) -> bool {
        self.is_relation() && self != Kind::Sequence
    }

    /// Whether row-level security can be enabled on it.
    pub fn has_row_security(self) -> bool {
        matches!(
            self,
            Kind::Table | Kind::PartitionedTable | Kind::ForeignTable
        )
    }
}

/// A column and its own ACL (table-level privileges are the table's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name.
    pub name: String,
    /// `attacl`: only what was granted on the column itself.
    pub acl: Vec<AclEntry>,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// `FOR …`.
    pub command: PolicyCommand,
    /// Permissive (OR-ed) or restrictive (AND-ed).
    pub permissive: bool,
    /// `TO …`.
    pub roles: Vec<Grantee>,
    /// `USING (…)`.
    pub using: Option<String>,
    /// `WITH CHECK (…)`.
    pub with_check: Option<String>,
}

/// A table's row-level security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSecurity {
    /// `relrowsecurity`.
    pub enabled: bool,
    /// `relforcerowsecurity`.
    pub forced: bool,
    /// Its policies.
    pub policies: Vec<Policy>,
}

/// A column whose default calls `nextval` on a sequence (a `serial`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextvalDefault {
    /// The column.
    pub column: String,
    /// The sequence's schema.
    pub schema: String,
    /// The sequence.
    pub sequence: String,
}

/// The database, a schema, or an object in a schema.
#[derive(Debug, Clone)]
pub struct Object {
    /// What it is.
    pub kind: Kind,
    /// Its schema (`None` for the database and schemas).
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Functions: the arguments, as the server prints them
    /// (`pg_get_function_identity_arguments`), or as the spec writes them.
    pub args: Option<String>,
    /// Functions, live: the argument types only (`oidvectortypes`), to match
    /// an `OBJECT` argument against.
    pub arg_types: Option<String>,
    /// Owner (`None`: not known, offline).
    pub owner: Option<String>,
    /// Its ACL.
    pub acl: Acl,
    /// Tables and views: its columns (`None`: not known, offline).
    pub columns: Option<Vec<Column>>,
    /// Tables: row-level security (`None`: not known, offline, or not a table).
    pub row_security: Option<RowSecurity>,
    /// Tables: columns whose default takes a value from a sequence.
    pub nextval_defaults: Vec<NextvalDefault>,
    /// Whether it is a SECURITY DEFINER function.
    pub security_definer: bool,
    /// What is not known about it (offline), for the reader.
    pub notes: Vec<String>,
}

impl Object {
    /// A bare object of `kind` named `name` with nothing known about it yet.
    pub fn new(kind: Kind, schema: Option<&str>, name: &str) -> Self {
        Object {
            kind,
            schema: schema.map(str::to_string),
            name: name.to_string(),
            args: None,
            arg_types: None,
            owner: None,
            acl: Acl::default(),
            columns: None,
            row_security: None,
            nextval_defaults: Vec::new(),
            security_definer: false,
            notes: Vec::new(),
        }
    }

    /// Its name as a reader writes it: `schema.name`, `schema.f(args)`, or
    /// the plain name of the database or a schema. Parts are double-quoted
    /// only when they need it.
    pub fn display_name(&self) -> String {
        // Offline without a URL the database has no name, only a description.
        if self.kind == Kind::Database && self.name.starts_with('(') {
            return self.name.clone();
        }
        let mut out = match &self.schema {
            Some(s) => format!("{}.{}", display_ident(s), display_ident(&self.name)),
            None => display_ident(&self.name),
        };
        if let Some(args) = &self.args {
            out.push_str(&format!("({args})"));
        }
        out
    }

    /// `table public.users`.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.label(), self.display_name())
    }
}

/// An identifier as a reader writes it: bare when it is a plain lower-case
/// name, else double-quoted.
pub fn display_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        crate::quote::ident(name)
    }
}

/// One `pg_default_acl` row: what objects `creator` makes later get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultAcl {
    /// The role whose new objects it concerns.
    pub creator: String,
    /// Only in this schema (`None`: everywhere; a global row replaces the
    /// built-in default, a per-schema row adds to it).
    pub schema: Option<String>,
    /// Kind of future object (`Table` also covers views, `Function` procedures).
    pub kind: ObjectKind,
    /// The stored entries (for a global row, the complete ACL).
    pub entries: Vec<AclEntry>,
}

/// Where a landscape came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The live catalog.
    Live,
    /// The spec alone: the state `apply` would produce.
    Spec,
}

/// Everything `explain` looks at.
#[derive(Debug, Clone)]
pub struct Landscape {
    /// Where it came from.
    pub origin: Origin,
    /// PostgreSQL major version whose rules apply.
    pub major: u32,
    /// Roles by name.
    pub roles: BTreeMap<String, RoleFacts>,
    /// Memberships.
    pub memberships: Vec<MembershipRow>,
    /// The database.
    pub database: Object,
    /// Schemas in scope.
    pub schemas: Vec<Object>,
    /// Tables, views, sequences, functions and types in those schemas.
    pub objects: Vec<Object>,
    /// Default privileges.
    pub default_acls: Vec<DefaultAcl>,
    /// What the reader should know about how complete this is.
    pub notes: Vec<String>,
}

impl Landscape {
    /// The facts of `role`, or those of an unknown role.
    pub fn role(&self, role: &str) -> RoleFacts {
        self.roles
            .get(role)
            .cloned()
            .unwrap_or_else(|| RoleFacts::unknown(role))
    }
}
