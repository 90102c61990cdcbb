//! The YAML of table and sequence definitions and seed rows, as written
//! (serde types; meaning is given by `spec::table`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// A `columns:` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub not_null: bool,
    pub default: Option<RawScalar>,
    #[serde(default)]
    pub primary_key: bool,
    #[serde(default)]
    pub unique: bool,
    pub identity: Option<String>,
    pub generated: Option<String>,
    pub references: Option<RawReference>,
    pub check: Option<String>,
    pub comment: Option<String>,
}

/// A scalar written where SQL text is expected (`default: 0`, `default: false`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawScalar {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl RawScalar {
    /// The scalar as SQL text.
    pub fn text(&self) -> String {
        match self {
            RawScalar::Text(t) => t.clone(),
            RawScalar::Integer(i) => i.to_string(),
            RawScalar::Float(f) => f.to_string(),
            RawScalar::Bool(b) => b.to_string(),
        }
    }
}

/// A column's `references:`: `"schema.table(column)"` or a mapping.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawReference {
    Text(String),
    Detailed(RawReferenceDetail),
}

/// `references: { table, column, on_delete, on_update }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReferenceDetail {
    pub table: String,
    pub column: Option<String>,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
}

/// A table-level `unique:` item: a column list or `{ name, columns }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawUnique {
    Columns(Vec<String>),
    Named(RawNamedUnique),
}

/// `unique: [{ name, columns }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamedUnique {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

/// A `foreign_keys:` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: RawForeignTarget,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
}

/// `references: { table, columns }` of a table-level foreign key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForeignTarget {
    pub table: String,
    pub columns: Vec<String>,
}

/// An `indexes:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    pub columns: Vec<String>,
    #[serde(default)]
    pub unique: bool,
    #[serde(rename = "where")]
    pub where_: Option<String>,
    pub using: Option<String>,
    #[serde(default)]
    pub include: Vec<String>,
}

/// `seed:` of a table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeed {
    pub key: Vec<String>,
    pub rows: Vec<BTreeMap<String, Option<RawSeedValue>>>,
    #[serde(default)]
    pub update: bool,
}

/// A seed value: a literal, or `{ sql: "expression" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawSeedValue {
    Scalar(RawScalar),
    Sql(RawSqlValue),
}

/// `{ sql: "crypt('x', gen_salt('bf'))" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSqlValue {
    pub sql: String,
}
