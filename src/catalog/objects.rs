//! The live state of schema objects — relations, functions, types — and of default
//! privileges, as the `relations`, `functions`, `types` and `default_acls` queries
//! report them.

use super::model::acl;
use crate::privilege::{Acl, ObjectKind};
use crate::sorted_map::SortedMap;
use serde::Deserialize;

/// A table, view, materialized view, sequence or foreign table.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RelationState {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `pg_class.relkind`: `r`, `p`, `v`, `m`, `S` or `f`.
    pub relkind: String,
    /// Owner.
    pub owner: String,
    /// Access list without the owner's entries.
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    /// Column access lists (without the owner's entries), by column; only
    /// columns that have one.
    #[serde(deserialize_with = "column_acls")]
    pub column_acls: SortedMap<String, Acl>,
    /// For a sequence behind a serial or identity column: its table (schema, name).
    pub owned_by: Option<(String, String)>,
    /// `COMMENT ON …`.
    pub comment: Option<String>,
    /// `pg_class.oid`.
    #[serde(default)]
    pub oid: u32,
    /// Whether the connected role may `SELECT` from it.
    #[serde(default)]
    pub selectable: bool,
}

impl RelationState {
    /// The kind as the spec names it.
    pub fn kind(&self) -> ObjectKind {
        match self.relkind.as_str() {
            "v" | "m" => ObjectKind::View,
            "S" => ObjectKind::Sequence,
            _ => ObjectKind::Table,
        }
    }

    /// The keyword(s) `ALTER … OWNER TO` and `COMMENT ON` take for this relation.
    pub fn keyword(&self) -> &'static str {
        match self.relkind.as_str() {
            "v" => "VIEW",
            "m" => "MATERIALIZED VIEW",
            "S" => "SEQUENCE",
            "f" => "FOREIGN TABLE",
            _ => "TABLE",
        }
    }
}

/// A function, procedure or aggregate.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FunctionState {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `pg_proc.prokind`: `f`, `p`, `a` or `w`.
    pub kind: String,
    /// `pg_get_function_identity_arguments`, e.g. `p_username text, p_password text`.
    pub identity_args: String,
    /// The argument types only, e.g. `text, text`.
    pub arg_types: String,
    /// Owner.
    pub owner: String,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// Access list without the owner's entries.
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    /// `COMMENT ON FUNCTION`.
    pub comment: Option<String>,
}

impl FunctionState {
    /// The kind `GRANT` takes: procedures are granted on as `PROCEDURE`.
    pub fn object_kind(&self) -> ObjectKind {
        if self.kind == "p" {
            ObjectKind::Procedure
        } else {
            ObjectKind::Function
        }
    }

    /// The keyword `ALTER … OWNER TO` and `COMMENT ON` take.
    pub fn keyword(&self) -> &'static str {
        match self.kind.as_str() {
            "p" => "PROCEDURE",
            "a" => "AGGREGATE",
            _ => "FUNCTION",
        }
    }
}

/// An enum, composite, range or domain type.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TypeState {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `pg_type.typtype`: `e`, `c`, `r` or `d`.
    pub typtype: String,
    /// Owner.
    pub owner: String,
    /// Access list without the owner's entries.
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
    /// An enum's labels in order; `None` for other types.
    pub values: Option<Vec<String>>,
    /// `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

impl TypeState {
    /// The keyword `ALTER … OWNER TO` and `COMMENT ON` take (`GRANT … ON
    /// TYPE` works for domains too).
    pub fn keyword(&self) -> &'static str {
        if self.typtype == "d" {
            "DOMAIN"
        } else {
            "TYPE"
        }
    }

    /// What kind of type it is, for messages.
    pub fn describe(&self) -> &'static str {
        match self.typtype.as_str() {
            "e" => "an enum",
            "c" => "a composite type",
            "r" => "a range type",
            "d" => "a domain",
            _ => "a type",
        }
    }
}

/// One `pg_default_acl` row.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DefaultAclState {
    /// The role whose future objects it concerns.
    pub role: String,
    /// The schema, or `None` for a global entry.
    pub schema: Option<String>,
    /// `defaclobjtype`: `r`, `S`, `f`, `T` or `n`.
    pub kind: String,
    /// Its ACL without the role's own entries (a global entry's is complete).
    #[serde(deserialize_with = "acl")]
    pub acl: Acl,
}

impl DefaultAclState {
    /// The kind of future object, when this release knows the code.
    pub fn object_kind(&self) -> Option<ObjectKind> {
        ObjectKind::from_defacl_code(&self.kind)
    }
}

/// `[[column, grantee, privilege, grantable], …]` → column → [`Acl`].
fn column_acls<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SortedMap<String, Acl>, D::Error> {
    let rows: Vec<(String, String, String, bool)> = Vec::deserialize(d)?;
    let mut out: SortedMap<String, Acl> = SortedMap::new();
    for (column, grantee, privilege, grantable) in rows {
        if let Some(p) = crate::privilege::Privilege::parse(&privilege) {
            let entry = out
                .entry(column)
                .or_default()
                .entry(grantee)
                .or_default()
                .entry(p)
                .or_insert(false);
            *entry |= grantable;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privilege::Privilege;

    #[test]
    fn relation_rows_decode() {
        let r: RelationState = serde_json::from_str(
            r#"{"schema":"public","name":"users_id_seq","relkind":"S","owner":"postgres",
                "acl":[["PUBLIC","SELECT",false]],
                "column_acls":[["name","web","SELECT",true],["name","web","UPDATE",false]],
                "owned_by":["public","users"],"comment":null}"#,
        )
        .unwrap();
        assert_eq!(r.kind(), ObjectKind::Sequence);
        assert_eq!(r.keyword(), "SEQUENCE");
        assert_eq!(r.owned_by, Some(("public".into(), "users".into())));
        assert!(r.column_acls["name"]["web"][&Privilege::Select]);
        assert!(!r.column_acls["name"]["web"][&Privilege::Update]);
    }
}
