//! Tables, views, sequences and functions in declared schemas: owners,
//! privileges (incl. column privileges) and comments.
//!
//! Declared objects are adopted (their structure belongs to migrations):
//! they must exist, and their owner, privileges and comment are converged.
//! Undeclared objects in a schema with a schema-wide grant on their kind have
//! their privileges managed too (the grant covers them; other grants on them
//! are extras); all other undeclared objects are left alone.
//!
//! Desired privileges = what the owner's default privileges give a new
//! object here (built-in `acldefault`, replaced by a declared global entry,
//! plus declared per-schema entries) + schema-wide grants − the object's own
//! revokes (and PUBLIC's EXECUTE on a SECURITY DEFINER function, unless
//! granted) + its own grants. The owner's entries are never compared.

use super::acl::{self, Compare, Desired, Subject};
use super::default_privileges::DesiredDefaults;
use super::{Diff, Refusal, schemas, signature};
use crate::catalog::{Catalog, FunctionState, RelationState, TypeState};
use crate::change::{Change, Class, ObjectName, Phase, Statement};
use crate::privilege::{Acl, COLUMN_PRIVILEGES, ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::model::{Object, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// One live object, relation or function, seen the same way.
struct Live<'a> {
    kind: ObjectKind,
    keyword: &'static str,
    name: ObjectName,
    owner: &'a str,
    acl: &'a Acl,
    column_acls: Option<&'a crate::sorted_map::SortedMap<String, Acl>>,
    comment: Option<&'a String>,
    owned_by: Option<&'a (String, String)>,
    security_definer: bool,
}

impl<'a> Live<'a> {
    fn relation(r: &'a RelationState) -> Self {
        Live {
            kind: r.kind(),
            keyword: r.keyword(),
            name: ObjectName::Qualified {
                schema: r.schema.clone(),
                name: r.name.clone(),
            },
            owner: &r.owner,
            acl: &r.acl,
            column_acls: Some(&r.column_acls),
            comment: r.comment.as_ref(),
            owned_by: r.owned_by.as_ref(),
            security_definer: false,
        }
    }

    fn function(f: &'a FunctionState) -> Self {
        Live {
            kind: f.object_kind(),
            keyword: f.keyword(),
            name: ObjectName::Routine {
                schema: f.schema.clone(),
                name: f.name.clone(),
                args: f.identity_args.clone(),
            },
            owner: &f.owner,
            acl: &f.acl,
            column_acls: None,
            comment: f.comment.as_ref(),
            owned_by: None,
            security_definer: f.security_definer,
        }
    }

    fn type_(t: &'a TypeState) -> Self {
        Live {
            kind: ObjectKind::Type,
            keyword: t.keyword(),
            name: ObjectName::Qualified {
                schema: t.schema.clone(),
                name: t.name.clone(),
            },
            owner: &t.owner,
            acl: &t.acl,
            column_acls: None,
            comment: t.comment.as_ref(),
            owned_by: None,
            security_definer: false,
        }
    }

    fn label(&self) -> String {
        format!("{} `{}`", self.keyword.to_ascii_lowercase(), self.name)
    }
}

pub fn diff(
    spec: &Spec,
    catalog: &Catalog,
    defaults: &DesiredDefaults,
    created: &BTreeSet<String>,
    out: &mut Diff,
) {
    for (name, schema) in &spec.schemas {
        let owner = schemas::owner_after(spec, catalog, name);
        let schema_owner = schemas::acting_owner(spec, catalog, &owner);
        let ctx = Context {
            spec,
            catalog,
            defaults,
            schema,
            schema_owner: &schema_owner,
            created,
        };
        // What each live object is declared by (two declarations may not
        // denote one function: overloads whose `args` spell the same types).
        let mut adopted: BTreeMap<(ObjectKind, String), &Object> = BTreeMap::new();
        for ((kind, _), decl) in &schema.objects {
            let Some(live) = ctx.find(*kind, &decl.name, decl, out) else {
                continue;
            };
            if let Some(first) = adopted.get(&(live.kind, live.name.to_string())) {
                out.refusals.push(Refusal {
                    object: format!("function `{}`", live.name),
                    reason: format!("it is declared twice, also at {}", first.origin),
                    hint: Some(
                        "declare each overload once: the `args` of these two entries denote the same argument types".into(),
                    ),
                    origin: Some(decl.origin.clone()),
                });
                continue;
            }
            adopted.insert((live.kind, live.name.to_string()), decl);
            ctx.converge(&live, Some(decl), out);
        }
        let covered: BTreeSet<ObjectKind> = schema.schema_wide.iter().map(|w| w.on).collect();
        let relations = catalog
            .relations
            .values()
            .filter(|r| &r.schema == name)
            .map(Live::relation);
        let functions = catalog
            .functions
            .iter()
            .filter(|f| &f.schema == name)
            .map(Live::function);
        for live in relations.chain(functions) {
            // Undeclared objects are managed where a schema-wide grant covers
            // their kind, and always when this run created them with their
            // table (an identity column's sequence): they end with exactly
            // their owner's defaults, not the creating role's.
            if (covered.contains(&live.kind.default_class()) || ctx.created_here(&live))
                && !adopted.contains_key(&(live.kind, live.name.to_string()))
            {
                ctx.converge(&live, None, out);
            }
        }
    }
}

struct Context<'a> {
    spec: &'a Spec,
    catalog: &'a Catalog,
    defaults: &'a DesiredDefaults,
    schema: &'a Schema,
    schema_owner: &'a str,
    created: &'a BTreeSet<String>,
}

impl<'a> Context<'a> {
    /// The live object a declaration adopts, or a refusal.
    fn find(
        &self,
        kind: ObjectKind,
        name: &str,
        decl: &Object,
        out: &mut Diff,
    ) -> Option<Live<'a>> {
        let schema = &self.schema.name;
        let what = match kind {
            ObjectKind::View => "view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Type => "type",
            _ => "table",
        };
        let refuse = |out: &mut Diff, object: String, reason: String, hint: String| {
            out.refusals.push(Refusal {
                object,
                reason,
                hint: Some(hint),
                origin: Some(decl.origin.clone()),
            });
        };
        let adopted_hint = format!(
            "a {what} declared without its definition is adopted, not created: it must exist by the time it is needed — created by your migrations"
        );
        if kind == ObjectKind::Function {
            let same_name: Vec<&FunctionState> = self
                .catalog
                .functions
                .iter()
                .filter(|f| &f.schema == schema && f.name == name)
                .collect();
            let overloads = || {
                same_name
                    .iter()
                    .map(|f| format!("`({})`", f.identity_args))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // Adopted without `args`: the one function of that name.
            let Some(args) = decl.args.as_deref() else {
                let object = format!("function `{schema}.{name}`");
                return match same_name.as_slice() {
                    [f] => Some(Live::function(f)),
                    [] => {
                        refuse(out, object, "it does not exist".into(), adopted_hint);
                        None
                    }
                    _ => {
                        refuse(
                            out,
                            object,
                            format!("{} functions have that name", same_name.len()),
                            format!(
                                "`{schema}.{name}` exists with {}; write one of these as `args`",
                                overloads()
                            ),
                        );
                        None
                    }
                };
            };
            let object = format!("function `{schema}.{name}({args})`");
            return match same_name
                .iter()
                .find(|f| signature::matches(args, &f.arg_types))
            {
                Some(f) => Some(Live::function(f)),
                // A defined function that does not exist yet is created by
                // this run; its owner and privileges settle once it exists.
                None if decl.has_definition() => None,
                None if same_name.is_empty() => {
                    refuse(out, object, "it does not exist".into(), adopted_hint);
                    None
                }
                None => {
                    refuse(
                        out,
                        object,
                        "no function of that name takes these arguments".into(),
                        format!(
                            "`{schema}.{name}` exists with {}; write one of these as `args`",
                            overloads()
                        ),
                    );
                    None
                }
            };
        }
        let object = format!("{what} `{schema}.{name}`");
        if kind == ObjectKind::Type {
            let key = (schema.clone(), name.to_string());
            return match self.catalog.types.get(&key) {
                Some(t) => Some(Live::type_(t)),
                // A defined enum that does not exist yet is created by this run.
                None if decl.has_definition() => None,
                None => {
                    let hint = match self.catalog.relations.get(&key) {
                        Some(r) => format!(
                            "`{schema}.{name}` is a {}: its row type follows it; declare it under `schemas.{schema}.{}`",
                            r.keyword().to_ascii_lowercase(),
                            match r.kind() {
                                ObjectKind::View => "views",
                                ObjectKind::Sequence => "sequences",
                                _ => "tables",
                            }
                        ),
                        None => adopted_hint,
                    };
                    refuse(out, object, "it does not exist".into(), hint);
                    None
                }
            };
        }
        match self
            .catalog
            .relations
            .get(&(schema.clone(), name.to_string()))
        {
            None if decl.has_definition() => None,
            None => {
                refuse(out, object, "it does not exist".into(), adopted_hint);
                None
            }
            Some(r) if r.kind() != kind => {
                let is = r.keyword().to_ascii_lowercase();
                let key = match r.kind() {
                    ObjectKind::View => "views",
                    ObjectKind::Sequence => "sequences",
                    _ => "tables",
                };
                refuse(
                    out,
                    object,
                    format!("`{schema}.{name}` is a {is}"),
                    format!("declare it under `schemas.{schema}.{key}`"),
                );
                None
            }
            Some(r) => Some(Live::relation(r)),
        }
    }

    /// The owner a declared object should have (`None`: leave it).
    fn desired_owner(&self, live: &Live<'_>, decl: &Object, out: &mut Diff) -> Option<String> {
        let Some((table_schema, table)) = live.owned_by else {
            return Some(
                decl.owner
                    .clone()
                    .unwrap_or_else(|| self.schema_owner.to_string()),
            );
        };
        // A sequence behind a serial/identity column follows its table's owner.
        let table_owner = self.table_owner_after(table_schema, table);
        if let Some(want) = &decl.owner
            && Some(want) != table_owner.as_ref()
        {
            out.refusals.push(Refusal {
                object: live.label(),
                reason: format!("it belongs to table `{table_schema}.{table}` (a serial or identity column), so its owner is the table's"),
                hint: Some(format!("remove `owner` here, or declare the owner on `{table_schema}.{table}`")),
                origin: Some(decl.origin.clone()),
            });
        }
        None
    }

    /// The owner of a table after this run.
    fn table_owner_after(&self, schema: &str, table: &str) -> Option<String> {
        let declared = self
            .spec
            .schemas
            .get(schema)
            .and_then(|s| s.objects.get(&(ObjectKind::Table, table.to_string())));
        match declared {
            Some(decl) => Some(match &decl.owner {
                Some(o) => o.clone(),
                None => {
                    let owner = schemas::owner_after(self.spec, self.catalog, schema);
                    schemas::acting_owner(self.spec, self.catalog, &owner)
                }
            }),
            None => self
                .catalog
                .relations
                .get(&(schema.to_string(), table.to_string()))
                .map(|r| r.owner.clone()),
        }
    }

    /// Whether this run created `live`, or the table it belongs to.
    fn created_here(&self, live: &Live<'_>) -> bool {
        self.created.contains(&live.name.to_string())
            || live.owned_by.is_some_and(|(schema, table)| {
                let table = ObjectName::Qualified {
                    schema: schema.clone(),
                    name: table.clone(),
                };
                self.created.contains(&table.to_string())
            })
    }

    fn converge(&self, live: &Live<'_>, decl: Option<&Object>, out: &mut Diff) {
        let start = out.changes.len();
        self.converge_object(live, decl, out);
        if self.created_here(live) {
            for change in &mut out.changes[start..] {
                if change.class == Class::Prune {
                    change.class = Class::Converge;
                    change.phase = Phase::Privileges;
                    change.origin = decl.map(|d| d.origin.clone());
                }
            }
        }
    }

    fn converge_object(&self, live: &Live<'_>, decl: Option<&Object>, out: &mut Diff) {
        let label = live.label();
        let mut owner = live.owner.to_string();
        if let Some(decl) = decl
            && let Some(want) = self.desired_owner(live, decl, out)
        {
            if want != live.owner {
                out.changes.push(Change::converge(
                    Phase::ObjectOwners,
                    label.clone(),
                    &decl.origin,
                    Statement::AlterOwner {
                        keyword: live.keyword,
                        object: live.name.clone(),
                        owner: want.clone(),
                    },
                ));
            }
            owner = want;
        } else if let Some((s, t)) = live.owned_by
            && let Some(o) = self.table_owner_after(s, t)
        {
            owner = o;
        }

        let want = desired_acl(&DesiredObject {
            defaults: self.defaults,
            schema: self.schema,
            owner: &owner,
            kind: live.kind,
            decl,
            security_definer: live.security_definer,
            major: self.catalog.server.major(),
        });
        acl::compare(
            &Compare {
                subject: Subject::Object {
                    kind: live.kind,
                    name: live.name.clone(),
                    columns: Vec::new(),
                },
                label: label.clone(),
                phase: Phase::Privileges,
                owner: Some(&owner),
                want: &want,
            },
            live.acl,
            out,
        );
        self.columns(live, decl, &owner, &label, out);

        if let Some(decl) = decl
            && let Some(text) = &decl.comment
            && live.comment != Some(text)
        {
            out.changes.push(Change::converge(
                Phase::Comments,
                label,
                &decl.origin,
                Statement::Comment {
                    kind: live.keyword,
                    object: live.name.clone(),
                    text: Some(text.clone()),
                },
            ));
        }
    }

    /// Column privileges: declared column grants vs column ACLs.
    fn columns(
        &self,
        live: &Live<'_>,
        decl: Option<&Object>,
        owner: &str,
        label: &str,
        out: &mut Diff,
    ) {
        let Some(actual) = live.column_acls else {
            return;
        };
        let want = desired_columns(decl);
        let columns: BTreeSet<&String> = want.keys().chain(actual.keys()).collect();
        let (none, empty) = (Desired::new(), Acl::new());
        for column in columns {
            acl::compare(
                &Compare {
                    subject: Subject::Object {
                        kind: live.kind,
                        name: live.name.clone(),
                        columns: vec![column.clone()],
                    },
                    label: format!("column `{column}` of {label}"),
                    phase: Phase::Privileges,
                    owner: Some(owner),
                    want: want.get(column).unwrap_or(&none),
                },
                actual.get(column).unwrap_or(&empty),
                out,
            );
        }
    }
}

/// What decides the desired privileges of one schema object.
pub(crate) struct DesiredObject<'a> {
    /// The desired default privileges of the whole spec.
    pub defaults: &'a DesiredDefaults,
    /// The declared schema the object is in.
    pub schema: &'a Schema,
    /// The object's owner after the run (the acting owner: never
    /// `pg_database_owner`).
    pub owner: &'a str,
    /// Its kind (a view's privileges follow tables, a procedure's functions).
    pub kind: ObjectKind,
    /// Its declaration; `None` for an undeclared object a schema-wide grant covers.
    pub decl: Option<&'a Object>,
    /// Whether it is a SECURITY DEFINER function.
    pub security_definer: bool,
    /// Server major version (what `ALL` means).
    pub major: u32,
}

/// The desired privileges of a schema object (DESIGN.md item 5): what its
/// owner's default privileges give a new object in its schema + schema-wide
/// grants − its own revokes (and PUBLIC's EXECUTE on a SECURITY DEFINER
/// function, unless granted) + its own grants. The owner's own entries are
/// not part of it. Shared by the diff and `explain --spec`.
pub(crate) fn desired_acl(o: &DesiredObject<'_>) -> Desired {
    let class = o.kind.default_class();
    let all = o.kind.all_privileges(o.major);
    let origin = o
        .decl
        .map(|d| d.origin.clone())
        .unwrap_or_else(|| o.schema.origin.clone());
    let mut want = o
        .defaults
        .effective(o.owner, &o.schema.name, class, &origin);
    for w in o.schema.schema_wide.iter().filter(|w| w.on == class) {
        want.grant(&w.grant, w.on.all_privileges(o.major));
    }
    if let Some(decl) = o.decl {
        decl.revokes.iter().for_each(|r| want.revoke(r, all));
        let public_granted = decl
            .grants
            .iter()
            .chain(
                o.schema
                    .schema_wide
                    .iter()
                    .filter(|w| w.on == class)
                    .map(|w| &w.grant),
            )
            .any(|g| {
                g.to.iter().any(|t| t == "PUBLIC")
                    && g.privileges
                        .as_ref()
                        .is_none_or(|s| s.contains(&Privilege::Execute))
            });
        if o.security_definer && !public_granted {
            want.deny("PUBLIC", Privilege::Execute, &decl.origin);
        }
        decl.grants.iter().for_each(|g| want.grant(g, all));
    }
    want
}

/// The desired column privileges of a table or view: its declared column
/// grants, per column (nothing else is ever wanted on a column).
pub(crate) fn desired_columns(decl: Option<&Object>) -> BTreeMap<String, Desired> {
    let mut want: BTreeMap<String, Desired> = BTreeMap::new();
    for cg in decl.map(|d| d.column_grants.as_slice()).unwrap_or_default() {
        for column in &cg.columns {
            want.entry(column.clone())
                .or_default()
                .grant(&cg.grant, COLUMN_PRIVILEGES);
        }
    }
    want
}
