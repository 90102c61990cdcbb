//! How a statement names the object it acts on: a bare name (databases,
//! schemas), a schema-qualified name (relations, types), or a routine with
//! its identity arguments.

use crate::quote;
use std::fmt;

/// The name of an object as SQL statements spell it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectName {
    /// A database-level name: `"app"`.
    Plain(String),
    /// `"schema"."name"`.
    Qualified {
        /// Schema.
        schema: String,
        /// Object.
        name: String,
    },
    /// `"schema"."name"(identity arguments)`.
    Routine {
        /// Schema.
        schema: String,
        /// Function or procedure.
        name: String,
        /// `pg_get_function_identity_arguments` as the server rendered it.
        args: String,
    },
}

impl ObjectName {
    /// The quoted SQL form.
    pub fn sql(&self) -> String {
        match self {
            ObjectName::Plain(name) => quote::ident(name),
            ObjectName::Qualified { schema, name } => quote::qualified(schema, name),
            ObjectName::Routine { schema, name, args } => quote::routine(schema, name, args),
        }
    }
}

/// For messages: `app`, `public.users`, `api.login(text, text)`.
impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectName::Plain(name) => f.write_str(name),
            ObjectName::Qualified { schema, name } => write!(f, "{schema}.{name}"),
            ObjectName::Routine { schema, name, args } => write!(f, "{schema}.{name}({args})"),
        }
    }
}
