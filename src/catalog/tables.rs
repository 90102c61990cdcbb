//! The structure of tables and the options of sequences: the `tables` and
//! `sequences` queries, and [`shape`], the SQL that describes one table —
//! used both for live tables and for the scratch tables that canonicalise a
//! spec's definition (see `diff::tables::probes`), so the two compare as
//! equals exactly when the server sees them the same.

use super::queries::{Form, record};
use super::scope::Scope;
use serde::{Deserialize, Serialize};

/// A table's structure as the server prints it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct TableShape {
    /// Columns in `attnum` order.
    pub columns: Vec<ColumnState>,
    /// Constraints (primary key, unique, foreign key, check, exclusion).
    pub constraints: Vec<ConstraintState>,
    /// Indexes, with whether a constraint owns them.
    pub indexes: Vec<IndexState>,
}

impl TableShape {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnState> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The constraint named `name`.
    pub fn constraint(&self, name: &str) -> Option<&ConstraintState> {
        self.constraints.iter().find(|c| c.name == name)
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&IndexState> {
        self.indexes.iter().find(|c| c.name == name)
    }
}

/// A column.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ColumnState {
    /// Name.
    pub name: String,
    /// `format_type(atttypid, atttypmod)`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The collation, when it is not the type's default (`"schema"."name"`).
    #[serde(default)]
    pub collation: Option<String>,
    /// `attnotnull`.
    pub not_null: bool,
    /// `pg_get_expr(adbin)`: the default, or the generation expression.
    /// Read only with [`Detail::Texts`] (or restored from pg-provision's
    /// memory); `default_fp` tells whether there is one.
    pub default: Option<String>,
    /// Fingerprint of the stored default (`None`: no default).
    #[serde(default)]
    pub default_fp: Option<String>,
    /// `attidentity`: `a`, `d` or empty.
    pub identity: String,
    /// `attgenerated`: `s` or empty.
    pub generated: String,
    /// The sequence owned by this column (serial or identity): (schema, name).
    pub sequence: Option<(String, String)>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

/// A constraint.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ConstraintState {
    /// Name.
    pub name: String,
    /// `contype`: `p`, `u`, `f`, `c`, `x`, …
    #[serde(rename = "type")]
    pub type_: String,
    /// Constrained columns in key order.
    pub columns: Vec<String>,
    /// `pg_get_constraintdef`; empty until read with [`Detail::Texts`].
    pub definition: String,
    /// Fingerprint of a check constraint's expression.
    #[serde(default)]
    pub fp: Option<String>,
    /// Foreign keys: the referenced table (schema, name).
    pub ref_table: Option<(String, String)>,
    /// Foreign keys: referenced columns.
    pub ref_columns: Vec<String>,
    /// Foreign keys: `confdeltype`.
    pub on_delete: String,
    /// Foreign keys: `confupdtype`.
    pub on_update: String,
}

/// An index.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct IndexState {
    /// Name.
    pub name: String,
    /// `pg_class.oid` of the index.
    #[serde(default)]
    pub oid: u32,
    /// Whether a constraint (primary key, unique, exclusion) owns it.
    pub constraint: bool,
    /// Fingerprint of its definition.
    #[serde(default)]
    pub fp: Option<String>,
    /// Everything but the name, as the server prints it (keys, include and
    /// predicate only with [`Detail::Texts`]).
    pub shape: IndexShape,
}

/// An index's definition without its name or table.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct IndexShape {
    /// `indisunique`.
    pub unique: bool,
    /// Access method.
    pub using: String,
    /// Key columns or expressions (`pg_get_indexdef(…, k, true)`).
    pub keys: Vec<String>,
    /// `INCLUDE` columns.
    pub include: Vec<String>,
    /// Partial index predicate.
    #[serde(rename = "where")]
    pub predicate: Option<String>,
}

/// A table with its shape, as the `tables` query reports it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TableState {
    /// `pg_class.oid`.
    pub oid: u32,
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Structure.
    pub shape: TableShape,
}

/// A sequence's options.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct SequenceState {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `format_type(seqtypid)`: `smallint`, `integer` or `bigint`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `seqstart`.
    pub start: i64,
    /// `seqincrement`.
    pub increment: i64,
    /// `seqmin`.
    pub min_value: i64,
    /// `seqmax`.
    pub max_value: i64,
    /// `seqcache`.
    pub cache: i64,
    /// `seqcycle`.
    pub cycle: bool,
    /// The column owning it: (table, column) in any schema.
    pub owned_by: Option<(String, String, String)>,
}

/// How much of a table a query reads: everything the server can tell
/// without taking a lock on it, or also the texts `pg_get_expr` and friends
/// print (which open the table, and so wait for a lock another session holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Structure and fingerprints only: no lock on any user table.
    Fingerprints,
    /// Fingerprints and the server's texts.
    Texts,
}

/// `hashtextextended` of a `pg_node_tree` (or any) expression as text: the
/// fingerprint of a stored expression, comparable across runs without
/// printing it (printing needs a lock on its table). NULL stays NULL.
pub fn fingerprint(expr: &str) -> String {
    format!("pg_catalog.hashtextextended(({expr})::text, 0)::text")
}

/// The JSON shape of the table whose oid is the SQL expression `oid`, with
/// or without the printed texts (`detail`).
pub fn shape(oid: &str, detail: Detail) -> String {
    format!(
        "json_build_object(
  'columns', (SELECT coalesce(json_agg({column} ORDER BY a.attnum), '[]')
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped),
  'constraints', (SELECT coalesce(json_agg({constraint} ORDER BY k.conname), '[]')
    FROM pg_catalog.pg_constraint k WHERE k.conrelid = {oid} AND k.contype <> 'n'),
  'indexes', (SELECT coalesce(json_agg({index} ORDER BY ic.relname), '[]')
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_am am ON am.oid = ic.relam
    WHERE i.indrelid = {oid})
)",
        column = record(
            Form::Object,
            &column_fields(
                detail,
                "(SELECT json_build_array(sn.nspname, s.relname)
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
          JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
          WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum
            AND dep.deptype IN ('a', 'i')
          ORDER BY s.oid LIMIT 1)",
                "(SELECT ds.description FROM pg_catalog.pg_description ds
          WHERE ds.objoid = a.attrelid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND ds.objsubid = a.attnum)",
            ),
        ),
        constraint = record(Form::Object, &constraint_fields(detail)),
        index = record(Form::Object, &index_fields(Form::Object, detail)),
    )
}

/// The fields of one [`ColumnState`]: `a` is its `pg_attribute` row, `t`
/// its type, `d` its default (or NULL); `sequence` and `comment` are SQL
/// expressions for the sequence it owns (`[schema, name]`) and its comment.
fn column_fields(detail: Detail, sequence: &str, comment: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "a.attname".into()),
        ("type", "pg_catalog.format_type(a.atttypid, a.atttypmod)".into()),
        (
            "collation",
            "CASE WHEN a.attcollation <> t.typcollation THEN
          (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
           FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = a.attcollation) END"
                .into(),
        ),
        ("not_null", "a.attnotnull".into()),
        (
            "default",
            match detail {
                Detail::Texts => "pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)",
                Detail::Fingerprints => "NULL",
            }
            .into(),
        ),
        ("default_fp", fingerprint("d.adbin")),
        ("identity", "a.attidentity::text".into()),
        ("generated", "a.attgenerated::text".into()),
        ("sequence", sequence.into()),
        ("comment", comment.into()),
    ]
}

/// The fields of one [`ConstraintState`]: `k` is its `pg_constraint` row.
/// NOT NULL constraints (`contype = 'n'`, in `pg_constraint` since
/// PostgreSQL 18) are left out by the callers: `attnotnull` says the same,
/// and at 10,000 tables they tripled the rows of this part (1.6 s against
/// 0.8 s on 15).
fn constraint_fields(detail: Detail) -> Vec<(&'static str, String)> {
    vec![
        ("name", "k.conname".into()),
        ("type", "k.contype::text".into()),
        ("columns", column_names("k.conkey", "k.conrelid", "ka")),
        (
            "definition",
            match detail {
                Detail::Texts => "pg_catalog.pg_get_constraintdef(k.oid, true)",
                Detail::Fingerprints => "''",
            }
            .into(),
        ),
        ("fp", fingerprint("k.conbin")),
        (
            "ref_table",
            "(SELECT json_build_array(rn.nspname, r.relname)
          FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
          WHERE r.oid = k.confrelid)"
                .into(),
        ),
        (
            "ref_columns",
            column_names("k.confkey", "k.confrelid", "ra"),
        ),
        ("on_delete", "k.confdeltype::text".into()),
        ("on_update", "k.confupdtype::text".into()),
    ]
}

/// The names, in order, of the columns numbered in the `int2[]` `keys` of
/// the relation `relid` (SQL expressions); `alias` names `pg_attribute`.
fn column_names(keys: &str, relid: &str, alias: &str) -> String {
    format!(
        "(SELECT coalesce(json_agg({alias}.attname ORDER BY u.ord), '[]')
          FROM unnest({keys}) WITH ORDINALITY u(num, ord)
          JOIN pg_catalog.pg_attribute {alias} ON {alias}.attrelid = {relid} AND {alias}.attnum = u.num)"
    )
}

/// The fields of one [`IndexState`] (its [`IndexShape`] written in `form`):
/// `i` is its `pg_index` row, `ic` its `pg_class` row, `am` its access
/// method.
fn index_fields(form: Form, detail: Detail) -> Vec<(&'static str, String)> {
    vec![
        ("name", "ic.relname".into()),
        ("oid", "ic.oid::bigint".into()),
        (
            "constraint",
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid
          AND k.conrelid = i.indrelid)"
                .into(),
        ),
        (
            "fp",
            fingerprint(
                "concat_ws('|', i.indkey, i.indclass, i.indcollation, i.indoption, i.indexprs, \
                 i.indpred, i.indisunique, i.indnkeyatts, am.amname)",
            ),
        ),
        ("shape", record(form, &index_shape_fields(detail))),
    ]
}

/// The fields of one [`IndexShape`], as [`index_fields`] names its rows.
fn index_shape_fields(detail: Detail) -> Vec<(&'static str, String)> {
    let texts = detail == Detail::Texts;
    let keys = |from: &str, to: &str| {
        if texts {
            format!(
                "(SELECT coalesce(json_agg(pg_catalog.pg_get_indexdef(i.indexrelid, n, true) ORDER BY n), '[]')
              FROM generate_series({from}, {to}) n)"
            )
        } else {
            "'[]'::json".to_string()
        }
    };
    vec![
        ("unique", "i.indisunique".into()),
        ("using", "am.amname".into()),
        ("keys", keys("1", "i.indnkeyatts")),
        ("include", keys("i.indnkeyatts + 1", "i.indnatts")),
        (
            "where",
            if texts {
                "pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)"
            } else {
                "NULL"
            }
            .into(),
        ),
    ]
}

/// The fields of a [`TableState`] row of the tables CTE `tb`; `shape` is
/// its [`TableShape`].
fn table_fields(shape: String) -> Vec<(&'static str, String)> {
    vec![
        ("oid", "tb.oid::bigint".into()),
        ("schema", "tb.nspname".into()),
        ("name", "tb.relname".into()),
        ("shape", shape),
    ]
}

/// The fields of a [`TableShape`] from the aggregates `cols`, `cons` and
/// `idx` of [`tables`].
fn shape_fields() -> Vec<(&'static str, String)> {
    vec![
        ("columns", "coalesce(cols.j, '[]')".into()),
        ("constraints", "coalesce(cons.j, '[]')".into()),
        ("indexes", "coalesce(idx.j, '[]')".into()),
    ]
}

/// Every ordinary and partitioned table in `scope`, except extension
/// members, with its [`shape`] (fingerprints only: this read takes no lock).
pub fn tables(scope: &Scope) -> String {
    // Set-based: each part of every table's shape aggregated in one pass
    // (hash joins), then joined to the tables. A correlated subquery per
    // table and column, as [`shape`] has, costs twice the server time at
    // 10,000 tables.
    format!(
        "WITH tb AS (SELECT c.oid, n.nspname, c.relname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND {user}
    AND c.oid NOT IN (SELECT e.objid FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.deptype = 'e')),
owned AS (SELECT DISTINCT ON (dep.refobjid, dep.refobjsubid) dep.refobjid, dep.refobjsubid,
    json_build_array(sn.nspname, s.relname) AS j
  FROM pg_catalog.pg_depend dep
  JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
  WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0
  ORDER BY dep.refobjid, dep.refobjsubid, s.oid),
cols AS (SELECT a.attrelid AS oid, json_agg({column} ORDER BY a.attnum) AS j
  FROM tb JOIN pg_catalog.pg_attribute a ON a.attrelid = tb.oid
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN owned ON owned.refobjid = a.attrelid AND owned.refobjsubid = a.attnum
  LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = a.attrelid
    AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  GROUP BY a.attrelid),
cons AS (SELECT k.conrelid AS oid, json_agg({constraint} ORDER BY k.conname) AS j
  FROM tb JOIN pg_catalog.pg_constraint k ON k.conrelid = tb.oid AND k.contype <> 'n'
  GROUP BY k.conrelid),
idx AS (SELECT i.indrelid AS oid, json_agg({index} ORDER BY ic.relname) AS j
  FROM tb JOIN pg_catalog.pg_index i ON i.indrelid = tb.oid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  GROUP BY i.indrelid)
SELECT coalesce(json_agg({row} ORDER BY tb.nspname, tb.relname), '[]')::text
FROM tb
LEFT JOIN cols ON cols.oid = tb.oid
LEFT JOIN cons ON cons.oid = tb.oid
LEFT JOIN idx ON idx.oid = tb.oid",
        column = record(
            Form::Array,
            &column_fields(Detail::Fingerprints, "owned.j", "ds.description")
        ),
        constraint = record(Form::Array, &constraint_fields(Detail::Fingerprints)),
        index = record(
            Form::Array,
            &index_fields(Form::Array, Detail::Fingerprints)
        ),
        row = record(
            Form::Array,
            &table_fields(record(Form::Array, &shape_fields()))
        ),
        user = scope.condition("n.nspname"),
    )
}

/// The tables whose oid `condition` accepts (a SQL condition on `c.oid`),
/// with their texts: what [`tables`] left out, for the tables whose texts
/// are needed.
pub fn table_texts(condition: &str) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
  'oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname, 'shape', {shape}
) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {condition}",
        shape = shape("c.oid", Detail::Texts),
    )
}

/// Every sequence in `scope` with its options and owning column.
pub fn sequences(scope: &Scope) -> String {
    format!(
        "SELECT coalesce(json_agg({row} ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {user}",
        row = record(Form::Array, &sequence_fields()),
        user = scope.condition("n.nspname"),
    )
}

/// The fields of a [`SequenceState`]: `s` is its `pg_sequence` row, `c` its
/// `pg_class` row, `n` its schema.
fn sequence_fields() -> Vec<(&'static str, String)> {
    vec![
        ("schema", "n.nspname".into()),
        ("name", "c.relname".into()),
        ("type", "pg_catalog.format_type(s.seqtypid, NULL)".into()),
        ("start", "s.seqstart".into()),
        ("increment", "s.seqincrement".into()),
        ("min_value", "s.seqmin".into()),
        ("max_value", "s.seqmax".into()),
        ("cache", "s.seqcache".into()),
        ("cycle", "s.seqcycle".into()),
        (
            "owned_by",
            "(SELECT json_build_array(tn.nspname, t.relname, ta.attname)
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_catalog.pg_attribute ta ON ta.attrelid = t.oid AND ta.attnum = d.refobjsubid
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
        AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
      LIMIT 1)"
                .into(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_rows_list_the_fields_in_struct_order() {
        use super::super::queries::assert_fields;
        for detail in [Detail::Fingerprints, Detail::Texts] {
            assert_fields::<ColumnState>(&column_fields(detail, "s", "c"));
            assert_fields::<ConstraintState>(&constraint_fields(detail));
            assert_fields::<IndexState>(&index_fields(Form::Array, detail));
            assert_fields::<IndexShape>(&index_shape_fields(detail));
        }
        assert_fields::<TableShape>(&shape_fields());
        assert_fields::<SequenceState>(&sequence_fields());
        assert_fields::<TableState>(&table_fields(String::new()));
    }

    #[test]
    fn table_rows_decode_from_arrays() {
        let t: TableState = serde_json::from_str(
            r#"[1, "app", "users", [
                [["user_id", "integer", null, true, null, "-12", "", "", ["app", "users_user_id_seq"], null]],
                [["users_pkey", "p", ["user_id"], "", null, null, [], " ", " "]],
                [["users_pkey", 7, true, "42", [true, "btree", [], [], null]]]]]"#,
        )
        .unwrap();
        let column = t.shape.column("user_id").unwrap();
        assert!(column.not_null);
        assert_eq!(column.collation, None);
        assert_eq!(column.default_fp.as_deref(), Some("-12"));
        assert_eq!(
            column.sequence,
            Some(("app".into(), "users_user_id_seq".into()))
        );
        assert_eq!(
            t.shape.constraint("users_pkey").unwrap().columns,
            ["user_id"]
        );
        let index = t.shape.index("users_pkey").unwrap();
        assert!(index.constraint && index.shape.unique);
        assert_eq!((index.oid, index.fp.as_deref()), (7, Some("42")));
    }

    #[test]
    fn table_rows_decode() {
        let t: TableState = serde_json::from_str(
            r#"{"oid":1,"schema":"app","name":"users","shape":{
                "columns":[{"name":"user_id","type":"integer","not_null":true,
                  "default":"nextval('app.users_user_id_seq'::regclass)","identity":"",
                  "generated":"","sequence":["app","users_user_id_seq"],"comment":null}],
                "constraints":[{"name":"users_pkey","type":"p","columns":["user_id"],
                  "definition":"PRIMARY KEY (user_id)","ref_table":null,"ref_columns":[],
                  "on_delete":" ","on_update":" "}],
                "indexes":[{"name":"users_pkey","constraint":true,"shape":{"unique":true,
                  "using":"btree","keys":["user_id"],"include":[],"where":null}}]}}"#,
        )
        .unwrap();
        assert_eq!(
            t.shape.column("user_id").unwrap().sequence,
            Some(("app".into(), "users_user_id_seq".into()))
        );
        assert!(t.shape.index("users_pkey").unwrap().constraint);
    }
}
