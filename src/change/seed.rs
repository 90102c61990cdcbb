//! Seed rows: `INSERT` of missing rows, `UPDATE` of differing ones (opt-in),
//! and moving a sequence past ids the rows gave explicitly.
//!
//! Each variant renders one statement through [`crate::quote`]. Literal
//! values are rendered as quoted literals of unknown type, which the server
//! coerces to each column's type; `{ sql: … }` values are SQL as written.

use super::ObjectName;
use crate::quote::{ident, ident_list, literal, qualified};
use crate::spec::table::SeedValue;

/// A value as SQL.
pub(crate) fn value_sql(v: &SeedValue) -> String {
    match v {
        SeedValue::Null => "NULL".to_string(),
        SeedValue::Literal(text) => literal(text),
        SeedValue::Sql(expr) => expr.clone(),
    }
}

/// One statement of this family.
#[derive(Debug, Clone)]
pub enum SeedStatement {
    /// `INSERT INTO s.t (cols) [OVERRIDING SYSTEM VALUE] VALUES (…), (…)`;
    /// a row without a value for a column gets `DEFAULT`.
    Insert {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Columns.
        columns: Vec<String>,
        /// Rows, one value (or `None`: `DEFAULT`) per column.
        rows: Vec<Vec<Option<SeedValue>>>,
        /// An explicit value goes into a `GENERATED ALWAYS` identity column.
        overriding: bool,
    },
    /// `UPDATE s.t SET c = v, … WHERE k = v AND …`.
    Update {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Columns to set.
        set: Vec<(String, SeedValue)>,
        /// Key columns and values.
        key: Vec<(String, SeedValue)>,
    },
    /// `SELECT setval(seq, max(col))` for the sequence behind `col`, only
    /// when `max(col)` is past the sequence (never backwards).
    MoveSequence {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Serial or identity column.
        column: String,
        /// The sequence's last handed-out value when it was read (or one
        /// before its start); used when `pg_sequence_last_value` is NULL.
        floor: i64,
    },
}

impl SeedStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match self {
            SeedStatement::Insert {
                schema,
                table,
                columns,
                rows,
                overriding,
            } => {
                let rows: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let vals: Vec<String> = r
                            .iter()
                            .map(|v| v.as_ref().map_or("DEFAULT".to_string(), value_sql))
                            .collect();
                        format!("({})", vals.join(", "))
                    })
                    .collect();
                format!(
                    "INSERT INTO {} ({}){} VALUES {}",
                    qualified(schema, table),
                    ident_list(columns.iter().map(String::as_str)),
                    if *overriding {
                        " OVERRIDING SYSTEM VALUE"
                    } else {
                        ""
                    },
                    rows.join(", ")
                )
            }
            SeedStatement::Update {
                schema,
                table,
                set,
                key,
            } => {
                let set: Vec<String> = set
                    .iter()
                    .map(|(c, v)| format!("{} = {}", ident(c), value_sql(v)))
                    .collect();
                let key: Vec<String> = key
                    .iter()
                    .map(|(c, v)| format!("{} = {}", ident(c), value_sql(v)))
                    .collect();
                format!(
                    "UPDATE {} SET {} WHERE {}",
                    qualified(schema, table),
                    set.join(", "),
                    key.join(" AND ")
                )
            }
            SeedStatement::MoveSequence {
                schema,
                table,
                column,
                floor,
            } => format!(
                "SELECT pg_catalog.setval(x.seq, x.max) FROM (SELECT pg_catalog.pg_get_serial_sequence({}, {})::regclass AS seq, (SELECT max({}) FROM {}) AS max) x WHERE x.max > coalesce(pg_catalog.pg_sequence_last_value(x.seq), {floor})",
                literal(&qualified(schema, table)),
                literal(column),
                ident(column),
                qualified(schema, table)
            ),
        }
    }

    /// The object this statement creates, if it creates one.
    pub fn created(&self) -> Option<ObjectName> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_sql() {
        let s = SeedStatement::Insert {
            schema: "app".into(),
            table: "users".into(),
            columns: vec!["username".into(), "password_hash".into(), "n".into()],
            rows: vec![
                vec![
                    Some(SeedValue::Literal("o'neil".into())),
                    Some(SeedValue::Sql("crypt('x', gen_salt('bf'))".into())),
                    None,
                ],
                vec![
                    Some(SeedValue::Literal("b".into())),
                    Some(SeedValue::Null),
                    Some(SeedValue::Literal("2".into())),
                ],
            ],
            overriding: true,
        };
        assert_eq!(
            s.render(),
            r#"INSERT INTO "app"."users" ("username", "password_hash", "n") OVERRIDING SYSTEM VALUE VALUES ('o''neil', crypt('x', gen_salt('bf')), DEFAULT), ('b', NULL, '2')"#
        );
        assert_eq!(s.created(), None);
    }

    #[test]
    fn update_sql() {
        let s = SeedStatement::Update {
            schema: "app".into(),
            table: "tasks".into(),
            set: vec![("description".into(), SeedValue::Literal("new".into()))],
            key: vec![("task_name".into(), SeedValue::Literal("Trash".into()))],
        };
        assert_eq!(
            s.render(),
            r#"UPDATE "app"."tasks" SET "description" = 'new' WHERE "task_name" = 'Trash'"#
        );
    }

    #[test]
    fn move_sequence_sql() {
        let s = SeedStatement::MoveSequence {
            schema: "app".into(),
            table: "tasks".into(),
            column: "task_id".into(),
            floor: 0,
        };
        assert_eq!(
            s.render(),
            r#"SELECT pg_catalog.setval(x.seq, x.max) FROM (SELECT pg_catalog.pg_get_serial_sequence('"app"."tasks"', 'task_id')::regclass AS seq, (SELECT max("task_id") FROM "app"."tasks") AS max) x WHERE x.max > coalesce(pg_catalog.pg_sequence_last_value(x.seq), 0)"#
        );
    }
}
