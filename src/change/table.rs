//! Tables and sequences: `CREATE TABLE`, `ALTER TABLE … ADD …`, indexes,
//! `CREATE SEQUENCE`, `ALTER SEQUENCE`.
//!
//! Each variant renders one statement through [`crate::quote`]. Types and
//! expressions (defaults, checks, index keys and predicates) are SQL written
//! in the spec and rendered as written; names are always quoted.

use super::ObjectName;
use crate::quote::{ident, ident_list, literal, qualified};
use crate::spec::table::{Check, ForeignKey, Identity, Index, IndexKey, Key};

/// A column as `CREATE TABLE` / `ADD COLUMN` spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSql {
    /// Name.
    pub name: String,
    /// SQL type.
    pub type_sql: String,
    /// `DEFAULT` expression.
    pub default: Option<String>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `GENERATED … AS IDENTITY`.
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    pub generated: Option<String>,
}

impl ColumnSql {
    fn render(&self) -> String {
        let mut s = format!("{} {}", ident(&self.name), self.type_sql);
        if let Some(d) = &self.default {
            s.push_str(&format!(" DEFAULT {d}"));
        }
        if let Some(g) = &self.generated {
            s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
        }
        if let Some(i) = self.identity {
            s.push_str(&format!(" GENERATED {} AS IDENTITY", i.sql()));
        }
        if self.not_null {
            s.push_str(" NOT NULL");
        }
        s
    }
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// `CONSTRAINT n PRIMARY KEY (cols)`.
    PrimaryKey(Key),
    /// `CONSTRAINT n UNIQUE (cols)`.
    Unique(Key),
    /// `CONSTRAINT n CHECK (expr)`.
    Check(Check),
    /// `CONSTRAINT n FOREIGN KEY (cols) REFERENCES t (cols) ON DELETE … ON UPDATE …`.
    ForeignKey(ForeignKey),
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Constraint::PrimaryKey(k) | Constraint::Unique(k) => &k.name,
            Constraint::Check(c) => &c.name,
            Constraint::ForeignKey(f) => &f.name,
        }
    }

    fn render(&self) -> String {
        let cols = |c: &[String]| ident_list(c.iter().map(String::as_str));
        let body = match self {
            Constraint::PrimaryKey(k) => format!("PRIMARY KEY ({})", cols(&k.columns)),
            Constraint::Unique(k) => format!("UNIQUE ({})", cols(&k.columns)),
            Constraint::Check(c) => format!("CHECK ({})", c.expression),
            Constraint::ForeignKey(f) => {
                let mut s = format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({})",
                    cols(&f.columns),
                    qualified(&f.ref_schema, &f.ref_table),
                    cols(&f.ref_columns)
                );
                for (what, a) in [("DELETE", f.on_delete), ("UPDATE", f.on_update)] {
                    if a.code() != "a" {
                        s.push_str(&format!(" ON {what} {}", a.sql()));
                    }
                }
                s
            }
        };
        format!("CONSTRAINT {} {body}", ident(self.name()))
    }
}

/// Sequence options; `None` leaves an option out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceOptions {
    /// `AS type`.
    pub as_type: Option<String>,
    /// `START WITH`.
    pub start: Option<i64>,
    /// `INCREMENT BY`.
    pub increment: Option<i64>,
    /// `MINVALUE`.
    pub min_value: Option<i64>,
    /// `MAXVALUE`.
    pub max_value: Option<i64>,
    /// `CACHE`.
    pub cache: Option<i64>,
    /// `CYCLE` / `NO CYCLE`.
    pub cycle: Option<bool>,
}

impl SequenceOptions {
    fn render(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.as_type {
            s.push_str(&format!(" AS {t}"));
        }
        let nums = [
            ("INCREMENT BY", self.increment),
            ("MINVALUE", self.min_value),
            ("MAXVALUE", self.max_value),
            ("START WITH", self.start),
            ("CACHE", self.cache),
        ];
        for (kw, v) in nums {
            if let Some(v) = v {
                s.push_str(&format!(" {kw} {v}"));
            }
        }
        match self.cycle {
            Some(true) => s.push_str(" CYCLE"),
            Some(false) => s.push_str(" NO CYCLE"),
            None => {}
        }
        s
    }
}

/// `[UNIQUE] INDEX name ON table USING m (keys) INCLUDE (cols) WHERE pred`,
/// the part of `CREATE INDEX` after `CREATE `; `table` is already quoted.
pub(crate) fn index_sql(name: &str, table: &str, index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| match k {
            IndexKey::Column(c) => ident(c),
            IndexKey::Expression(e) => format!("({e})"),
        })
        .collect();
    let mut s = format!(
        "{}INDEX {} ON {table}",
        if index.unique { "UNIQUE " } else { "" },
        ident(name)
    );
    if let Some(m) = &index.using {
        s.push_str(&format!(" USING {}", ident(m)));
    }
    s.push_str(&format!(" ({})", keys.join(", ")));
    if !index.include.is_empty() {
        s.push_str(&format!(
            " INCLUDE ({})",
            ident_list(index.include.iter().map(String::as_str))
        ));
    }
    if let Some(p) = &index.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// `CREATE TEMP TABLE` of a scratch table with `columns` and `constraints`
/// (the shadow of a spec table, see `diff::tables::probes`).
pub(crate) fn temp_table_sql(name: &str, columns: &[ColumnSql]) -> String {
    let cols: Vec<String> = columns.iter().map(ColumnSql::render).collect();
    format!("CREATE TEMP TABLE {} ({})", ident(name), cols.join(", "))
}

/// `ALTER TABLE table ADD constraint` with `table` already quoted.
pub(crate) fn add_constraint_sql(table: &str, c: &Constraint) -> String {
    format!("ALTER TABLE {table} ADD {}", c.render())
}

/// One statement of this family.
#[derive(Debug, Clone)]
pub enum TableStatement {
    /// `CREATE TABLE s.t (columns…, CONSTRAINT …)`.
    CreateTable {
        /// Schema.
        schema: String,
        /// Table.
        name: String,
        /// Columns in order.
        columns: Vec<ColumnSql>,
        /// Primary key, unique and check constraints (foreign keys are added
        /// after every table exists).
        constraints: Vec<Constraint>,
    },
    /// `ALTER TABLE s.t ADD COLUMN c type …`.
    AddColumn {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// The column.
        column: ColumnSql,
    },
    /// `ALTER TABLE s.t ALTER COLUMN c SET DEFAULT expr`.
    SetDefault {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Expression.
        default: String,
    },
    /// `ALTER TABLE s.t ALTER COLUMN c SET NOT NULL`.
    SetNotNull {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// `ALTER TABLE s.t ALTER COLUMN c ADD GENERATED … AS IDENTITY`.
    AddIdentity {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Kind.
        identity: Identity,
    },
    /// `ALTER TABLE s.t ALTER COLUMN c SET GENERATED ALWAYS|BY DEFAULT`.
    SetIdentity {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Kind.
        identity: Identity,
    },
    /// `ALTER TABLE s.t ADD CONSTRAINT …`.
    AddConstraint {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// The constraint.
        constraint: Constraint,
    },
    /// `CREATE [UNIQUE] INDEX name ON s.t USING m (keys) INCLUDE (…) WHERE …`.
    CreateIndex {
        /// Schema (of table and index).
        schema: String,
        /// Table.
        table: String,
        /// The index.
        index: Index,
    },
    /// `COMMENT ON COLUMN s.t.c IS 'text'`.
    CommentColumn {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Text.
        text: String,
    },
    /// `CREATE SEQUENCE s.n [AS t] [INCREMENT BY …] … [NO CYCLE]`.
    CreateSequence {
        /// Schema.
        schema: String,
        /// Sequence.
        name: String,
        /// Options.
        options: SequenceOptions,
    },
    /// `ALTER SEQUENCE s.n …changed options…` (never `RESTART`).
    AlterSequence {
        /// Schema.
        schema: String,
        /// Sequence.
        name: String,
        /// Only the options that differ.
        options: SequenceOptions,
    },
    /// `-- column … is not declared …`: an SQL comment, the statement of a
    /// [`super::Class::Notice`]; never executed.
    UndeclaredColumn {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// `ALTER SEQUENCE s.n OWNED BY s.t.c`.
    SequenceOwnedBy {
        /// Schema (of sequence and table).
        schema: String,
        /// Sequence.
        name: String,
        /// Owning table.
        table: String,
        /// Owning column.
        column: String,
    },
}

impl TableStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match self {
            TableStatement::CreateTable {
                schema,
                name,
                columns,
                constraints,
            } => {
                let items: Vec<String> = columns
                    .iter()
                    .map(ColumnSql::render)
                    .chain(constraints.iter().map(Constraint::render))
                    .collect();
                format!(
                    "CREATE TABLE {} (\n  {}\n)",
                    qualified(schema, name),
                    items.join(",\n  ")
                )
            }
            TableStatement::AddColumn {
                schema,
                table,
                column,
            } => format!(
                "ALTER TABLE {} ADD COLUMN {}",
                qualified(schema, table),
                column.render()
            ),
            TableStatement::SetDefault {
                schema,
                table,
                column,
                default,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default}",
                qualified(schema, table),
                ident(column)
            ),
            TableStatement::SetNotNull {
                schema,
                table,
                column,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                qualified(schema, table),
                ident(column)
            ),
            TableStatement::AddIdentity {
                schema,
                table,
                column,
                identity,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY",
                qualified(schema, table),
                ident(column),
                identity.sql()
            ),
            TableStatement::SetIdentity {
                schema,
                table,
                column,
                identity,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET GENERATED {}",
                qualified(schema, table),
                ident(column),
                identity.sql()
            ),
            TableStatement::AddConstraint {
                schema,
                table,
                constraint,
            } => add_constraint_sql(&qualified(schema, table), constraint),
            TableStatement::CreateIndex {
                schema,
                table,
                index,
            } => format!(
                "CREATE {}",
                index_sql(&index.name, &qualified(schema, table), index)
            ),
            TableStatement::CommentColumn {
                schema,
                table,
                column,
                text,
            } => format!(
                "COMMENT ON COLUMN {}.{} IS {}",
                qualified(schema, table),
                ident(column),
                literal(text)
            ),
            TableStatement::CreateSequence {
                schema,
                name,
                options,
            } => format!(
                "CREATE SEQUENCE {}{}",
                qualified(schema, name),
                options.render()
            ),
            TableStatement::AlterSequence {
                schema,
                name,
                options,
            } => format!(
                "ALTER SEQUENCE {}{}",
                qualified(schema, name),
                options.render()
            ),
            TableStatement::UndeclaredColumn {
                schema,
                table,
                column,
            } => format!(
                "-- column {} of {} is not declared; pg-provision never drops a column",
                ident(column),
                qualified(schema, table)
            ),
            TableStatement::SequenceOwnedBy {
                schema,
                name,
                table,
                column,
            } => format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                qualified(schema, name),
                qualified(schema, table),
                ident(column)
            ),
        }
    }

    /// The object this statement creates, if it creates one.
    pub fn created(&self) -> Option<ObjectName> {
        match self {
            TableStatement::CreateTable { schema, name, .. }
            | TableStatement::CreateSequence { schema, name, .. } => Some(ObjectName::Qualified {
                schema: schema.clone(),
                name: name.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Origin;
    use crate::spec::table::FkAction;

    fn col(name: &str, ty: &str) -> ColumnSql {
        ColumnSql {
            name: name.into(),
            type_sql: ty.into(),
            default: None,
            not_null: false,
            identity: None,
            generated: None,
        }
    }

    fn key(name: &str, cols: &[&str]) -> Key {
        Key {
            name: name.into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn create_table_sql() {
        let mut id = col("user_id", "integer");
        id.default = Some("nextval('\"app\".\"users_user_id_seq\"'::regclass)".into());
        id.not_null = true;
        let mut at = col("created_at", "timestamptz");
        at.default = Some("now()".into());
        let s = TableStatement::CreateTable {
            schema: "app".into(),
            name: "users".into(),
            columns: vec![id, at],
            constraints: vec![
                Constraint::PrimaryKey(key("users_pkey", &["user_id"])),
                Constraint::Check(Check {
                    name: "c".into(),
                    expression: "user_id > 0".into(),
                    origin: Origin::default(),
                }),
            ],
        };
        assert_eq!(
            s.render(),
            "CREATE TABLE \"app\".\"users\" (\n  \"user_id\" integer DEFAULT nextval('\"app\".\"users_user_id_seq\"'::regclass) NOT NULL,\n  \"created_at\" timestamptz DEFAULT now(),\n  CONSTRAINT \"users_pkey\" PRIMARY KEY (\"user_id\"),\n  CONSTRAINT \"c\" CHECK (user_id > 0)\n)"
        );
        assert_eq!(
            s.created(),
            Some(ObjectName::Qualified {
                schema: "app".into(),
                name: "users".into()
            })
        );
    }

    #[test]
    fn column_statements_sql() {
        let (schema, table) = ("app".to_string(), "t".to_string());
        let mut c = col("n", "integer");
        c.identity = Some(Identity::ByDefault);
        c.not_null = true;
        let cases = [
            (
                TableStatement::AddColumn {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: c,
                },
                r#"ALTER TABLE "app"."t" ADD COLUMN "n" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL"#,
            ),
            (
                TableStatement::SetDefault {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: "a".into(),
                    default: "0".into(),
                },
                r#"ALTER TABLE "app"."t" ALTER COLUMN "a" SET DEFAULT 0"#,
            ),
            (
                TableStatement::SetNotNull {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: "a".into(),
                },
                r#"ALTER TABLE "app"."t" ALTER COLUMN "a" SET NOT NULL"#,
            ),
            (
                TableStatement::AddIdentity {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: "a".into(),
                    identity: Identity::Always,
                },
                r#"ALTER TABLE "app"."t" ALTER COLUMN "a" ADD GENERATED ALWAYS AS IDENTITY"#,
            ),
            (
                TableStatement::SetIdentity {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: "a".into(),
                    identity: Identity::ByDefault,
                },
                r#"ALTER TABLE "app"."t" ALTER COLUMN "a" SET GENERATED BY DEFAULT"#,
            ),
            (
                TableStatement::CommentColumn {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: "a".into(),
                    text: "it's".into(),
                },
                r#"COMMENT ON COLUMN "app"."t"."a" IS 'it''s'"#,
            ),
        ];
        for (s, sql) in cases {
            assert_eq!(s.render(), sql);
            assert_eq!(s.created(), None);
        }
    }

    #[test]
    fn constraint_and_index_sql() {
        let fk = TableStatement::AddConstraint {
            schema: "app".into(),
            table: "a".into(),
            constraint: Constraint::ForeignKey(ForeignKey {
                name: "a_u_fkey".into(),
                columns: vec!["u".into()],
                ref_schema: "app".into(),
                ref_table: "users".into(),
                ref_columns: vec!["user_id".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
                origin: Origin::default(),
            }),
        };
        assert_eq!(
            fk.render(),
            r#"ALTER TABLE "app"."a" ADD CONSTRAINT "a_u_fkey" FOREIGN KEY ("u") REFERENCES "app"."users" ("user_id") ON DELETE CASCADE"#
        );
        let uq = TableStatement::AddConstraint {
            schema: "app".into(),
            table: "a".into(),
            constraint: Constraint::Unique(key("a_x_y_key", &["x", "y"])),
        };
        assert_eq!(
            uq.render(),
            r#"ALTER TABLE "app"."a" ADD CONSTRAINT "a_x_y_key" UNIQUE ("x", "y")"#
        );
        let ix = TableStatement::CreateIndex {
            schema: "app".into(),
            table: "a".into(),
            index: Index {
                name: "a_lower".into(),
                keys: vec![
                    IndexKey::Expression("lower(name)".into()),
                    IndexKey::Column("id".into()),
                ],
                unique: true,
                predicate: Some("deleted_at IS NULL".into()),
                using: Some("btree".into()),
                include: vec!["x".into()],
                origin: Origin::default(),
            },
        };
        assert_eq!(
            ix.render(),
            r#"CREATE UNIQUE INDEX "a_lower" ON "app"."a" USING "btree" ((lower(name)), "id") INCLUDE ("x") WHERE deleted_at IS NULL"#
        );
    }

    #[test]
    fn sequence_sql() {
        let create = TableStatement::CreateSequence {
            schema: "app".into(),
            name: "n".into(),
            options: SequenceOptions {
                as_type: Some("bigint".into()),
                start: Some(100),
                increment: Some(10),
                cycle: Some(false),
                ..SequenceOptions::default()
            },
        };
        assert_eq!(
            create.render(),
            r#"CREATE SEQUENCE "app"."n" AS bigint INCREMENT BY 10 START WITH 100 NO CYCLE"#
        );
        assert!(create.created().is_some());
        let alter = TableStatement::AlterSequence {
            schema: "app".into(),
            name: "n".into(),
            options: SequenceOptions {
                cache: Some(5),
                ..SequenceOptions::default()
            },
        };
        assert_eq!(alter.render(), r#"ALTER SEQUENCE "app"."n" CACHE 5"#);
        let owned = TableStatement::SequenceOwnedBy {
            schema: "app".into(),
            name: "n".into(),
            table: "t".into(),
            column: "c".into(),
        };
        assert_eq!(
            owned.render(),
            r#"ALTER SEQUENCE "app"."n" OWNED BY "app"."t"."c""#
        );
        let note = TableStatement::UndeclaredColumn {
            schema: "app".into(),
            table: "t".into(),
            column: "legacy".into(),
        };
        assert_eq!(
            note.render(),
            r#"-- column "legacy" of "app"."t" is not declared; pg-provision never drops a column"#
        );
    }
}
