//! `default_privileges:`: the catalog's `pg_default_acl` rows as spec items,
//! once the schema-wide grants have taken what they imply (see
//! [`super::privileges`]). A global row is written relative to PostgreSQL's
//! built-in default (what it revokes from PUBLIC, what it grants); a
//! per-schema row only grants.

use super::privileges::{self, Defaults};
use super::state::State;
use super::yaml::{Map, Node};
use super::{Ctx, Out};
use crate::privilege::ObjectKind;

/// The default privileges as the catalog holds them, for schemas the export
/// includes; rows it cannot express are noted.
pub fn read(ctx: &Ctx<'_>, state: &State, out: &mut Out) -> Defaults {
    let mut d = Defaults::default();
    for row in &state.default_acls {
        let Some(kind) = ObjectKind::from_defacl_code(&row.kind) else {
            out.not_exported(format!(
                "default privileges of `{}` on objects of kind `{}`",
                row.role, row.kind
            ));
            continue;
        };
        if row.owner_reduced {
            out.not_exported(format!(
                "default privileges of `{}` on {}: the role's own privileges were revoked",
                row.role,
                plural(kind)
            ));
        }
        match &row.schema {
            None => {
                d.global.insert((row.role.clone(), kind), row.acl.clone());
            }
            Some(s) if ctx.includes(s) => {
                d.local
                    .insert((row.role.clone(), s.clone(), kind), row.acl.clone());
            }
            Some(_) => {}
        }
    }
    d
}

/// The plural a spec writes after `on:`.
pub fn plural(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Table | ObjectKind::View => "tables",
        ObjectKind::Sequence => "sequences",
        ObjectKind::Function | ObjectKind::Procedure => "functions",
        ObjectKind::Type => "types",
        ObjectKind::Schema => "schemas",
        ObjectKind::Database => "databases",
    }
}

/// The `default_privileges:` items of `d` (its per-schema rows already
/// without what schema-wide grants imply).
pub fn items(ctx: &Ctx<'_>, d: &Defaults, out: &mut Out) -> Vec<Node> {
    let mut items = Vec::new();
    for ((role, kind), acl) in &d.global {
        out.referenced.insert(role.clone());
        out.refer(acl.keys());
        let all = kind.all_privileges(ctx.major);
        let (grants, revokes) = privileges::items(&privileges::builtin(*kind), acl, all);
        for (key, list) in [("revoke", revokes), ("grant", grants)] {
            for item in list {
                items.push(item_node(role, None, *kind, key, item));
            }
        }
    }
    for ((role, schema, kind), acl) in &d.local {
        out.referenced.insert(role.clone());
        out.refer(acl.keys());
        let all = kind.all_privileges(ctx.major);
        let (grants, _) = privileges::items(&Default::default(), acl, all);
        for item in grants {
            items.push(item_node(role, Some(schema), *kind, "grant", item));
        }
    }
    items
}

fn item_node(role: &str, schema: Option<&str>, kind: ObjectKind, key: &str, item: Node) -> Node {
    let mut m = Map::new();
    m.insert("for_role", role);
    if let Some(s) = schema {
        m.insert("in_schema", s);
    }
    m.insert("on", plural(kind));
    m.insert(key, item);
    Node::Map(m)
}
