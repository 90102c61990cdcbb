//! Enum types: create, add labels, and the notice for labels the spec does
//! not declare.

use super::ObjectName;
use crate::quote::{literal, qualified};

/// Where `ALTER TYPE … ADD VALUE` puts a new label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumPosition {
    /// At the end.
    Last,
    /// `BEFORE 'label'`.
    Before(String),
    /// `AFTER 'label'`.
    After(String),
}

/// One statement on an enum type.
#[derive(Debug, Clone)]
pub enum TypeStatement {
    /// `CREATE TYPE s.n AS ENUM ('a', 'b')`.
    CreateEnum {
        /// Schema.
        schema: String,
        /// Type.
        name: String,
        /// Labels, in order.
        values: Vec<String>,
    },
    /// `ALTER TYPE s.n ADD VALUE 'x' [BEFORE|AFTER 'y']`.
    AddEnumValue {
        /// Schema.
        schema: String,
        /// Type.
        name: String,
        /// The new label.
        value: String,
        /// Where it goes.
        position: EnumPosition,
    },
    /// `-- value … is not declared …`: an SQL comment, the statement of a
    /// [`super::Class::Notice`]; never executed.
    UndeclaredEnumValue {
        /// Schema.
        schema: String,
        /// Type.
        name: String,
        /// The label.
        value: String,
    },
}

impl TypeStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match self {
            TypeStatement::CreateEnum {
                schema,
                name,
                values,
            } => format!(
                "CREATE TYPE {} AS ENUM ({})",
                qualified(schema, name),
                values
                    .iter()
                    .map(|v| literal(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeStatement::AddEnumValue {
                schema,
                name,
                value,
                position,
            } => {
                let at = match position {
                    EnumPosition::Last => String::new(),
                    EnumPosition::Before(v) => format!(" BEFORE {}", literal(v)),
                    EnumPosition::After(v) => format!(" AFTER {}", literal(v)),
                };
                format!(
                    "ALTER TYPE {} ADD VALUE {}{at}",
                    qualified(schema, name),
                    literal(value)
                )
            }
            TypeStatement::UndeclaredEnumValue {
                schema,
                name,
                value,
            } => format!(
                "-- value {} of enum {} is not declared; pg-provision never drops an enum value",
                literal(value).replace(['\n', '\r'], " "),
                qualified(schema, name).replace(['\n', '\r'], " ")
            ),
        }
    }

    /// The type this statement creates, if any.
    pub fn created(&self) -> Option<ObjectName> {
        match self {
            TypeStatement::CreateEnum { schema, name, .. } => Some(ObjectName::Qualified {
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

    #[test]
    fn enum_statements_quote_names_and_labels() {
        let create = TypeStatement::CreateEnum {
            schema: "app".into(),
            name: "Status".into(),
            values: vec!["new".into(), "it's done".into()],
        };
        assert_eq!(
            create.render(),
            r#"CREATE TYPE "app"."Status" AS ENUM ('new', 'it''s done')"#
        );
        assert_eq!(create.created().unwrap().to_string(), "app.Status");
        let add = |position| TypeStatement::AddEnumValue {
            schema: "app".into(),
            name: "status".into(),
            value: "doing".into(),
            position,
        };
        assert_eq!(
            add(EnumPosition::After("new".into())).render(),
            r#"ALTER TYPE "app"."status" ADD VALUE 'doing' AFTER 'new'"#
        );
        assert_eq!(
            add(EnumPosition::Before("done".into())).render(),
            r#"ALTER TYPE "app"."status" ADD VALUE 'doing' BEFORE 'done'"#
        );
        assert_eq!(
            add(EnumPosition::Last).render(),
            r#"ALTER TYPE "app"."status" ADD VALUE 'doing'"#
        );
        assert!(add(EnumPosition::Last).created().is_none());
        let note = TypeStatement::UndeclaredEnumValue {
            schema: "app".into(),
            name: "status".into(),
            value: "a\nb".into(),
        };
        assert_eq!(
            note.render(),
            r#"-- value 'a b' of enum "app"."status" is not declared; pg-provision never drops an enum value"#
        );
    }
}
