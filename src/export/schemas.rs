//! `schemas:`: each schema with its owner, privileges (schema-wide grants
//! included), comment, and its tables, views, sequences, functions and
//! types — owners only where they differ from the schema's, privileges
//! relative to what the engine would give the object anyway.

use super::privileges::{self, Candidate, Defaults, WidePair};
use super::state::{Relation, Routine};
use super::yaml::{Map, Node};
use super::{Ctx, Out, routines, security, sequences, tables};
use crate::privilege::{Acl, ObjectKind, Privilege};
use std::collections::{BTreeMap, BTreeSet};

/// How an object appears in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decl {
    /// Declared.
    Yes,
    /// Declared only when it needs a grant, a revoke or a comment (the
    /// sequence behind a serial or identity column).
    OnDemand,
    /// Not exported (noted).
    No,
}

/// `schemas:`. Takes from `defaults.local` what the schema-wide grants it
/// writes imply.
pub fn schemas(ctx: &Ctx<'_>, defaults: &mut Defaults, out: &mut Out) -> Map {
    let state = ctx.state;
    let original = defaults.clone();
    let serials = tables::serials(state);
    let mut map = Map::block();
    for schema in state.schemas.iter().filter(|s| ctx.includes(&s.name)) {
        let s = schema.name.as_str();
        let mut m = Map::new();
        let default_public_owner = if ctx.major >= 15 {
            "pg_database_owner"
        } else {
            state.server.bootstrap.as_str()
        };
        if !(s == "public" && schema.owner == default_public_owner) {
            m.insert("owner", schema.owner.as_str());
            out.referenced.insert(schema.owner.clone());
        }
        // pg_database_owner stands for the database owner.
        let acting = if schema.owner == "pg_database_owner" {
            state.database.owner.as_str()
        } else {
            schema.owner.as_str()
        };
        // initdb's own comment on `public` is not worth repeating.
        if let Some(c) = &schema.comment
            && !(s == "public" && c == "standard public schema")
        {
            m.insert("comment", c.as_str());
        }
        if schema.owner_reduced {
            out.not_exported(format!(
                "schema `{s}`: its owner's own privileges were revoked"
            ));
        }
        let mut base = Acl::new();
        let public: &[Privilege] = match (s, ctx.major) {
            ("public", 15..) => &[Privilege::Usage],
            ("public", _) => &[Privilege::Usage, Privilege::Create],
            _ => &[],
        };
        for p in public {
            base.entry("PUBLIC".into()).or_default().insert(*p, false);
        }
        let (mut grants, revokes) = privileges::items(
            &base,
            &schema.acl,
            ObjectKind::Schema.all_privileges(ctx.major),
        );
        out.refer(schema.acl.keys());
        let mut creators: BTreeSet<String> = BTreeSet::from([acting.to_string()]);
        for (who, held) in &schema.acl {
            if who != "PUBLIC" && held.contains_key(&Privilege::Create) {
                creators.insert(who.clone());
            }
        }

        let relations: Vec<&Relation> = state.relations.iter().filter(|r| r.schema == s).collect();
        let routines: Vec<&Routine> = state.routines.iter().filter(|f| f.schema == s).collect();
        let rel_decl: Vec<Decl> = relations
            .iter()
            .map(|r| relation_decl(ctx, r, &serials, out))
            .collect();
        let fn_decl: Vec<Decl> = routines.iter().map(|f| routine_decl(ctx, f, out)).collect();

        // Schema-wide grants, per kind.
        let mut wide: BTreeMap<ObjectKind, Vec<WidePair>> = BTreeMap::new();
        for class in [
            ObjectKind::Table,
            ObjectKind::Sequence,
            ObjectKind::Function,
        ] {
            let mut candidates = Vec::new();
            let mut undeclared: Vec<(&str, &Acl, bool)> = Vec::new();
            for (r, d) in relations.iter().zip(&rel_decl) {
                if relation_class(r) == class {
                    candidates.push(Candidate {
                        owner: &r.owner,
                        acl: &r.acl,
                        declared: *d != Decl::No,
                    });
                    if *d == Decl::No {
                        undeclared.push((&r.owner, &r.acl, false));
                    }
                }
            }
            if class == ObjectKind::Function {
                for (f, d) in routines.iter().zip(&fn_decl) {
                    candidates.push(Candidate {
                        owner: &f.owner,
                        acl: &f.acl,
                        declared: *d != Decl::No,
                    });
                    if *d == Decl::No {
                        undeclared.push((&f.owner, &f.acl, f.security_definer));
                    }
                }
            }
            let mut pairs = privileges::schema_wide(&original, s, class, &creators, &candidates);
            // With a schema-wide grant, the engine manages every object of
            // the kind: an undeclared one must already be exactly as it
            // would make it, or the grant stays per object.
            if !pairs.is_empty() {
                let wide_acl = privileges::wide_acl(&pairs);
                let public_execute = wide_public_execute(&pairs);
                let settled = undeclared.iter().all(|(owner, acl, definer)| {
                    let want = object_base(
                        &original,
                        owner,
                        s,
                        class,
                        &wide_acl,
                        *definer && !public_execute,
                    );
                    &&strip_owner(&want, owner) == acl
                });
                if !settled {
                    pairs.clear();
                }
            }
            wide.insert(class, pairs);
        }
        for (class, on) in [
            (ObjectKind::Table, "tables"),
            (ObjectKind::Sequence, "sequences"),
            (ObjectKind::Function, "functions"),
        ] {
            let pairs = &wide[&class];
            for w in pairs {
                out.referenced.insert(w.to.clone());
                out.refer(w.for_roles.iter());
            }
            grants.extend(privileges::wide_items(
                on,
                pairs,
                &creators,
                class.all_privileges(ctx.major),
            ));
            privileges::subtract_wide(&mut defaults.local, s, class, pairs);
        }
        if !grants.is_empty() {
            m.insert("grants", Node::Seq(grants));
        }
        if !revokes.is_empty() {
            m.insert("revoke", Node::Seq(revokes));
        }

        let objects = Objects {
            ctx,
            defaults: &original,
            schema: s,
            acting,
            wide: &wide,
        };
        let mut tables_map = Map::block();
        let mut views_map = Map::block();
        let mut sequences_map = Map::block();
        for (r, d) in relations.iter().zip(&rel_decl) {
            if *d == Decl::No {
                continue;
            }
            let mut o = Map::new();
            let owned =
                r.sequence.as_ref().is_some_and(|q| q.owned_by.is_some()) && *d == Decl::OnDemand;
            if !owned && r.owner != acting {
                o.insert("owner", r.owner.as_str());
                out.referenced.insert(r.owner.clone());
            }
            if let Some(c) = &r.comment {
                o.insert("comment", c.as_str());
            }
            if r.owner_reduced {
                out.not_exported(format!(
                    "{} `{s}.{}`: its owner's own privileges were revoked",
                    keyword(r),
                    r.name
                ));
            }
            let view = matches!(r.relkind.as_str(), "v" | "m");
            match r.relkind.as_str() {
                "S" if !ctx.options.adopt && *d == Decl::Yes => {
                    sequences::definition(ctx, r, &mut o, out);
                }
                "r" if !ctx.options.adopt => {
                    tables::structure(ctx, r, &serials, &mut o, out);
                }
                _ => {}
            }
            if matches!(r.relkind.as_str(), "r" | "p" | "f") {
                security::table(ctx, r, &mut o, out);
            }
            if view && !ctx.options.adopt {
                routines::view_options(ctx, r, &mut o, out);
            }
            let (grants, revokes) =
                objects.privileges(&r.owner, relation_class(r), &r.acl, None, out);
            let mut grants = grants;
            grants.extend(privileges::column_items(&r.column_acls));
            for (_, acl) in &r.column_acls {
                out.refer(acl.keys());
            }
            if !grants.is_empty() {
                o.insert("grants", Node::Seq(grants));
            }
            if !revokes.is_empty() {
                o.insert("revoke", Node::Seq(revokes));
            }
            if view && !ctx.options.adopt {
                routines::view_query(ctx, r, &mut o, out);
            }
            if *d == Decl::OnDemand && o.is_empty() {
                continue;
            }
            if *d == Decl::OnDemand
                && r.sequence
                    .as_ref()
                    .and_then(|q| q.owned_by.as_ref())
                    .is_some_and(|b| b.identity)
                && !ctx.options.adopt
            {
                out.changed(format!(
                    "sequence `{s}.{}` (an identity column's) is declared for its privileges: on an empty database `apply` refuses it until its table exists (apply once without it)",
                    r.name
                ));
            }
            let target = match r.relkind.as_str() {
                "v" | "m" => &mut views_map,
                "S" => &mut sequences_map,
                _ => &mut tables_map,
            };
            target.insert(r.name.as_str(), o);
        }

        let mut functions_map = Map::block();
        let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
        for (f, d) in routines.iter().zip(&fn_decl) {
            if *d != Decl::No {
                *per_name.entry(f.name.as_str()).or_default() += 1;
            }
        }
        for (f, d) in routines.iter().zip(&fn_decl) {
            if *d == Decl::No {
                continue;
            }
            let overloaded = per_name[f.name.as_str()] > 1;
            let key = if overloaded {
                format!("{}({})", f.name, f.arg_types)
            } else {
                f.name.clone()
            };
            let mut o = Map::new();
            if overloaded {
                o.insert("name", f.name.as_str());
            }
            o.insert(
                "args",
                if ctx.options.adopt {
                    f.identity_args.as_str()
                } else {
                    f.arguments.as_str()
                },
            );
            if f.owner != acting {
                o.insert("owner", f.owner.as_str());
                out.referenced.insert(f.owner.clone());
            }
            if let Some(c) = &f.comment {
                o.insert("comment", c.as_str());
            }
            if f.owner_reduced {
                out.not_exported(format!(
                    "function `{s}.{}({})`: its owner's own privileges were revoked",
                    f.name, f.identity_args
                ));
            }
            if !ctx.options.adopt {
                routines::function_definition(f, &mut o, out);
            }
            let definer = f.security_definer;
            let (grants, revokes) =
                objects.privileges(&f.owner, ObjectKind::Function, &f.acl, Some(definer), out);
            if !grants.is_empty() {
                o.insert("grants", Node::Seq(grants));
            }
            if !revokes.is_empty() {
                o.insert("revoke", Node::Seq(revokes));
            }
            if !ctx.options.adopt {
                routines::function_body(ctx, f, &key, &mut o, out);
            }
            functions_map.insert(key, o);
        }

        let mut types_map = Map::block();
        for t in state.types.iter().filter(|t| t.schema == s) {
            if t.typtype != "e" && !ctx.options.adopt {
                let what = match t.typtype.as_str() {
                    "d" => "domain",
                    "c" => "composite type",
                    _ => "range type",
                };
                out.not_exported(format!(
                    "{what} `{s}.{}` (only enum types can be defined; create it before `apply`, then declare it under `types:` to manage its owner and privileges)",
                    t.name
                ));
                continue;
            }
            let mut o = Map::new();
            if t.owner_reduced {
                out.not_exported(format!(
                    "type `{s}.{}`: its owner's own privileges were revoked",
                    t.name
                ));
            }
            if t.owner != acting {
                o.insert("owner", t.owner.as_str());
                out.referenced.insert(t.owner.clone());
            }
            if let Some(c) = &t.comment {
                o.insert("comment", c.as_str());
            }
            if let Some(values) = &t.values
                && !ctx.options.adopt
            {
                o.insert("values", super::yaml::strings(values.iter()));
            }
            let (grants, revokes) =
                objects.privileges(&t.owner, ObjectKind::Type, &t.acl, None, out);
            if !grants.is_empty() {
                o.insert("grants", Node::Seq(grants));
            }
            if !revokes.is_empty() {
                o.insert("revoke", Node::Seq(revokes));
            }
            types_map.insert(t.name.as_str(), o);
        }

        for (key, section) in [
            ("tables", tables_map),
            ("views", views_map),
            ("sequences", sequences_map),
            ("functions", functions_map),
            ("types", types_map),
        ] {
            if !section.is_empty() {
                m.insert(key, section);
            }
        }
        // `public` as initdb made it needs no declaration.
        if !(s == "public" && m.is_empty()) {
            map.insert(s, m);
        }
    }
    map
}

/// Computes the privileges of objects of one schema.
struct Objects<'a> {
    ctx: &'a Ctx<'a>,
    defaults: &'a Defaults,
    schema: &'a str,
    acting: &'a str,
    wide: &'a BTreeMap<ObjectKind, Vec<WidePair>>,
}

impl Objects<'_> {
    /// `grants:` and `revoke:` of an object owned by `owner` (`definer`:
    /// a function's SECURITY DEFINER, `None` for other kinds).
    fn privileges(
        &self,
        owner: &str,
        class: ObjectKind,
        acl: &Acl,
        definer: Option<bool>,
        out: &mut Out,
    ) -> (Vec<Node>, Vec<Node>) {
        let _ = self.acting;
        out.refer(acl.keys());
        let pairs = self.wide.get(&class).map(Vec::as_slice).unwrap_or_default();
        let wide_acl = privileges::wide_acl(pairs);
        // The engine takes EXECUTE from PUBLIC on a definer function unless
        // the spec grants it (then the grant below says so).
        let deny = definer.unwrap_or(false) && !wide_public_execute(pairs);
        let base = object_base(self.defaults, owner, self.schema, class, &wide_acl, deny);
        privileges::items(
            &strip_owner(&base, owner),
            acl,
            class.all_privileges(self.ctx.major),
        )
    }
}

/// What the engine gives an object of `class` owned by `owner` in `schema`
/// before its own grants and revokes.
fn object_base(
    defaults: &Defaults,
    owner: &str,
    schema: &str,
    class: ObjectKind,
    wide: &Acl,
    deny_public_execute: bool,
) -> Acl {
    let mut base = defaults.effective(owner, schema, class);
    privileges::merge(&mut base, wide);
    if deny_public_execute && let Some(p) = base.get_mut("PUBLIC") {
        p.remove(&Privilege::Execute);
        if p.is_empty() {
            base.remove("PUBLIC");
        }
    }
    base
}

/// `acl` without `owner`'s entries (never compared).
fn strip_owner(acl: &Acl, owner: &str) -> Acl {
    let mut a = acl.clone();
    a.remove(owner);
    a
}

fn wide_public_execute(pairs: &[WidePair]) -> bool {
    pairs
        .iter()
        .any(|w| w.to == "PUBLIC" && w.privilege == Privilege::Execute)
}

/// The class a relation's privileges follow (`on: tables` covers views).
fn relation_class(r: &Relation) -> ObjectKind {
    match r.relkind.as_str() {
        "S" => ObjectKind::Sequence,
        _ => ObjectKind::Table,
    }
}

fn keyword(r: &Relation) -> &'static str {
    match r.relkind.as_str() {
        "v" => "view",
        "m" => "materialized view",
        "S" => "sequence",
        "f" => "foreign table",
        "p" => "partitioned table",
        _ => "table",
    }
}

/// Whether and how a relation is exported (noting what is not).
fn relation_decl(
    ctx: &Ctx<'_>,
    r: &Relation,
    serials: &BTreeMap<(String, String, String), String>,
    out: &mut Out,
) -> Decl {
    let name = format!("{}.{}", r.schema, r.name);
    if let Some(seq) = &r.sequence {
        return match &seq.owned_by {
            Some(b) if b.identity => Decl::OnDemand,
            Some(b)
                if serials.get(&(b.schema.clone(), b.table.clone(), b.column.clone()))
                    == Some(&r.name) =>
            {
                Decl::OnDemand
            }
            _ => Decl::Yes,
        };
    }
    if ctx.options.adopt {
        return Decl::Yes;
    }
    let why = match r.relkind.as_str() {
        "r" if r.partition => Some("a partition (partitioned tables cannot be defined)"),
        "r" if r.inherits => Some("a table inheriting from another (INHERITS)"),
        "r" if r.typed => Some("a typed table (OF type)"),
        "r" | "v" => None,
        "p" => Some("a partitioned table (PARTITION BY)"),
        "m" => Some("a materialized view"),
        "f" => Some("a foreign table"),
        _ => Some("a relation of an unknown kind"),
    };
    match why {
        Some(why) => {
            out.not_exported(format!("`{name}`: {why}"));
            Decl::No
        }
        None => Decl::Yes,
    }
}

/// Whether and how a routine is exported (noting what is not).
fn routine_decl(ctx: &Ctx<'_>, f: &Routine, out: &mut Out) -> Decl {
    if ctx.options.adopt {
        return Decl::Yes;
    }
    let name = format!("{}.{}({})", f.schema, f.name, f.identity_args);
    let why = match f.kind.as_str() {
        "a" => Some("an aggregate"),
        "w" => Some("a window function"),
        _ if f.sql_body => Some("a SQL-standard body (BEGIN ATOMIC); write it as a string body"),
        _ if f.binary => Some("a function in a loadable library (LANGUAGE c)"),
        _ => None,
    };
    match why {
        Some(why) => {
            out.not_exported(format!("function `{name}`: {why}"));
            Decl::No
        }
        None => Decl::Yes,
    }
}
