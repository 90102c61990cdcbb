//! The answer `explain` gives: per object, per privilege, held or not and
//! why; row-level security; default privileges; gaps; notes. Built here from
//! a [`Landscape`] (pure); printed by [`super::render`] or as JSON.

use super::evaluate::{self, Answer};
use super::future::{self, FutureAnswer};
use super::gaps::{self, Gap};
use super::landscape::{Landscape, Object, Origin};
use super::memberships::{self, Path, Reach};
use super::rls::{self, RlsAnswer};
use super::target::{self, Target};
use serde::Serialize;

/// Everything `explain ROLE [OBJECT]` says.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The explained role.
    pub role: String,
    /// The database.
    pub database: String,
    /// Whose rules apply.
    pub server_major: u32,
    /// `live` (the catalog) or `spec` (what `apply` would make of the spec).
    pub from: &'static str,
    /// The role's attributes and memberships.
    pub attributes: RoleSummary,
    /// The database, schemas and objects in scope.
    pub objects: Vec<ObjectAnswer>,
    /// What the role will hold on objects created later.
    pub default_privileges: Vec<FutureAnswer>,
    /// Privileges that do not work as they seem to.
    pub gaps: Vec<Gap>,
    /// What the answer could not know.
    pub notes: Vec<String>,
}

/// A role another role reaches through memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reached {
    /// The role reached.
    pub role: String,
    /// The memberships leading there.
    pub path: Path,
}

/// The explained role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleSummary {
    /// Whether its attributes are known (offline: declared in the spec).
    pub known: bool,
    /// `SUPERUSER`.
    pub superuser: bool,
    /// `LOGIN`.
    pub login: bool,
    /// `INHERIT`.
    pub inherit: bool,
    /// `BYPASSRLS`.
    pub bypassrls: bool,
    /// Roles whose privileges it has.
    pub privileges_of: Vec<Reached>,
    /// Roles it is a member of without their privileges.
    pub member_without_privileges: Vec<Reached>,
    /// Roles it may `SET ROLE` to.
    pub can_set_role: Vec<String>,
}

/// The answers for one object.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectAnswer {
    /// `database`, `schema`, `table`, `view`, `sequence`, `function`, …
    pub kind: &'static str,
    /// Schema (absent for the database and schemas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Name.
    pub name: String,
    /// Functions: arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// Owner (`null`: not known).
    pub owner: Option<String>,
    /// Per privilege of its kind.
    pub privileges: Vec<Answer>,
    /// Tables and views: per column (absent: not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<ColumnAnswer>>,
    /// Tables: row-level security (absent: not a table, or not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_security: Option<RlsAnswer>,
    /// `table public.users`, for people.
    #[serde(skip)]
    pub label: String,
}

/// The answers for one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnAnswer {
    /// Name.
    pub name: String,
    /// Per column privilege.
    pub privileges: Vec<Answer>,
}

/// Explains `role` in `landscape`, limited to `target` and `schemas` (empty:
/// every schema).
pub fn build(landscape: &Landscape, role: &str, target: &Target, schemas: &[String]) -> Report {
    let reach = memberships::reach(landscape, role);
    let facts = landscape.role(role);
    let major = landscape.major;
    let in_scope = |schema: &str| schemas.is_empty() || schemas.iter().any(|s| s == schema);

    let answer = |o: &Object| -> ObjectAnswer {
        let privileges = evaluate::object(&reach, major, o.kind, o.owner.as_deref(), &o.acl);
        let columns = o
            .columns
            .as_ref()
            .filter(|_| o.kind.has_columns())
            .map(|cols| {
                evaluate::columns(&reach, &privileges, o.owner.as_deref(), cols)
                    .into_iter()
                    .map(|(name, privileges)| ColumnAnswer { name, privileges })
                    .collect()
            });
        let row_security = o
            .row_security
            .as_ref()
            .filter(|_| o.kind.has_row_security())
            .map(|rs| rls::answer(&reach, &facts, o.owner.as_deref(), rs));
        ObjectAnswer {
            kind: o.kind.label(),
            schema: o.schema.clone(),
            name: o.name.clone(),
            args: o.args.clone(),
            owner: o.owner.clone(),
            privileges,
            columns,
            row_security,
            label: o.label(),
        }
    };

    // Every answer, for the gaps (a table's gap needs its schema's answer);
    // then only what the target and `--schema` ask for.
    let database = answer(&landscape.database);
    let all_schemas: Vec<ObjectAnswer> = landscape.schemas.iter().map(&answer).collect();
    let all_objects: Vec<ObjectAnswer> = landscape.objects.iter().map(&answer).collect();
    let gaps = gaps::find(
        landscape,
        &facts,
        &reach,
        &database,
        &all_schemas,
        &all_objects,
    );

    let mut objects = Vec::new();
    let mut shown: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    if matches!(target, Target::All | Target::Database) {
        shown.insert(database.label.clone());
        objects.push(database);
    }
    for (o, a) in landscape.schemas.iter().zip(all_schemas) {
        if in_scope(&o.name) && target::includes_schema(target, &o.name) {
            shown.insert(a.label.clone());
            objects.push(a);
        }
    }
    for (o, mut a) in landscape.objects.iter().zip(all_objects) {
        let schema = o.schema.as_deref().unwrap_or_default();
        if !in_scope(schema) || !target::includes(target, o) {
            continue;
        }
        if let (Target::Column { column, .. }, Some(cols)) = (target, &mut a.columns) {
            cols.retain(|c| &c.name == column);
        }
        shown.insert(a.label.clone());
        objects.push(a);
    }
    let mut notes = landscape.notes.clone();
    let everything = std::iter::once(&landscape.database)
        .chain(&landscape.schemas)
        .chain(&landscape.objects);
    for o in everything {
        let label = o.label();
        if shown.contains(&label) {
            notes.extend(o.notes.iter().map(|n| format!("{label}: {n}")));
        }
    }

    let default_privileges = future::answers(landscape, &reach)
        .into_iter()
        .filter(|f| match (target, &f.schema) {
            (Target::All, Some(s)) => in_scope(s),
            (Target::All, None) => true,
            (Target::Schema(t), Some(s)) => t == s,
            (Target::Schema(_), None) => true,
            _ => false,
        })
        .collect();

    let unknown: Vec<&String> = reach.unknown.iter().filter(|r| *r != role).collect();
    if landscape.origin == Origin::Spec && !unknown.is_empty() {
        notes.push(format!(
            "`{role}` is a member of {}, whose attributes and memberships the spec does not say: it may hold more than shown",
            unknown
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    Report {
        role: role.to_string(),
        database: landscape.database.name.clone(),
        server_major: major,
        from: match landscape.origin {
            Origin::Live => "live",
            Origin::Spec => "spec",
        },
        attributes: summary(&facts, &reach),
        objects,
        default_privileges,
        gaps: gaps
            .into_iter()
            .filter(|g| shown.contains(&g.object))
            .collect(),
        notes,
    }
}

fn summary(facts: &super::landscape::RoleFacts, reach: &Reach) -> RoleSummary {
    let reached = |m: &std::collections::BTreeMap<String, Path>| {
        m.iter()
            .filter(|(r, p)| !p.is_empty() && *r != &reach.role)
            .map(|(role, path)| Reached {
                role: role.clone(),
                path: path.clone(),
            })
            .collect()
    };
    RoleSummary {
        known: facts.known,
        superuser: facts.superuser,
        login: facts.login,
        inherit: facts.inherit,
        bypassrls: facts.bypassrls,
        privileges_of: reached(&reach.privileges_of),
        member_without_privileges: reached(&reach.member_only),
        can_set_role: reach.can_set.iter().cloned().collect(),
    }
}
