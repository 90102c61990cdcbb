//! The YAML of table and sequence definitions and seed rows, as written
//! (serde types; meaning is given by `spec::table`).

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A `columns:` item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    /// The column name.
    pub name: String,
    /// The SQL type as written (`text`, `varchar(255)`, `"numeric(10,2)"`); `serial`/`bigserial`/`smallserial` make `<table>_<column>_seq`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `NOT NULL` (implied by `primary_key` and serial types).
    #[serde(default)]
    pub not_null: bool,
    /// `DEFAULT`: an SQL expression (`now()`, `0`, `false`, `"'text'"`).
    pub default: Option<RawScalar>,
    /// This column is the table's primary key (`<table>_pkey`).
    #[serde(default)]
    pub primary_key: bool,
    /// `UNIQUE` (`<table>_<column>_key`).
    #[serde(default)]
    pub unique: bool,
    /// `GENERATED ALWAYS | BY DEFAULT AS IDENTITY`.
    #[schemars(with = "Option<crate::spec::schema::Identity>")]
    pub identity: Option<String>,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    pub generated: Option<String>,
    /// A foreign key: `"schema.table(column)"` or `{ table, column, on_delete, on_update }`.
    pub references: Option<RawReference>,
    /// A check constraint on this column (`<table>_<column>_check`).
    pub check: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

/// A scalar written where SQL text is expected (`default: 0`, `default: false`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawReference {
    Text(String),
    Detailed(RawReferenceDetail),
}

/// `references: { table, column, on_delete, on_update }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReferenceDetail {
    /// `schema.table`, or `table` in the same schema.
    pub table: String,
    /// The referenced column.
    pub column: Option<String>,
    /// `ON DELETE` action.
    #[schemars(with = "Option<crate::spec::schema::ForeignKeyAction>")]
    pub on_delete: Option<String>,
    /// `ON UPDATE` action.
    #[schemars(with = "Option<crate::spec::schema::ForeignKeyAction>")]
    pub on_update: Option<String>,
}

/// A table-level `unique:` item: a column list or `{ name, columns }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawUnique {
    Columns(Vec<String>),
    Named(RawNamedUnique),
}

/// `unique: [{ name, columns }]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNamedUnique {
    /// The constraint name (default `<table>_<col>_<col>_key`).
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}

/// A `foreign_keys:` item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    /// The constraint name (default `<table>_<cols>_fkey`).
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// `{ table, columns }`: the referenced table and columns.
    pub references: RawForeignTarget,
    /// `ON DELETE` action.
    #[schemars(with = "Option<crate::spec::schema::ForeignKeyAction>")]
    pub on_delete: Option<String>,
    /// `ON UPDATE` action.
    #[schemars(with = "Option<crate::spec::schema::ForeignKeyAction>")]
    pub on_update: Option<String>,
}

/// `references: { table, columns }` of a table-level foreign key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForeignTarget {
    /// `schema.table`, or `table` in the same schema.
    pub table: String,
    /// The referenced columns.
    pub columns: Vec<String>,
}

/// An `indexes:` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    /// Columns, or expressions (`"lower(name)"`): an item that is an identifier is a column.
    pub columns: Vec<String>,
    /// `CREATE UNIQUE INDEX` (default `false`).
    #[serde(default)]
    pub unique: bool,
    /// A partial index: `WHERE` condition.
    #[serde(rename = "where")]
    pub where_: Option<String>,
    /// The index method (default `btree`).
    #[schemars(extend("examples" = ["btree", "hash", "gin", "gist", "brin"]))]
    pub using: Option<String>,
    /// `INCLUDE` columns.
    #[serde(default)]
    pub include: Vec<String>,
}

/// `seed:` of a table.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSeed {
    /// Columns that identify a row; every row gives a non-null value for each.
    pub key: Vec<String>,
    /// Rows: column → a literal (coerced by the server) or `{ sql: "expression" }`.
    pub rows: Vec<BTreeMap<String, Option<RawSeedValue>>>,
    /// `true`: existing rows whose literal values differ are updated (default `false`: only missing rows are inserted).
    #[serde(default)]
    pub update: bool,
}

/// A seed value: a literal, or `{ sql: "expression" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSeedValue {
    Scalar(RawScalar),
    Sql(RawSqlValue),
}

/// `{ sql: "crypt('x', gen_salt('bf'))" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSqlValue {
    /// An SQL expression, e.g. `crypt('x', gen_salt('bf'))`.
    pub sql: String,
}
