//! Which schemas a catalog read looks into.
//!
//! A spec manages the schemas it declares; the catalog queries for objects
//! (relations, tables, functions, types, views, policies, triggers) bring back
//! only those schemas' contents, plus the schemas the spec points into from
//! there (a trigger's function, a foreign key's table, a view's query). A
//! database with 10,000 tables of which the spec declares a handful costs a
//! handful. Roles, memberships, the database, the list of schemas, extensions
//! and default privileges are always read whole: they are small and
//! cluster-wide or database-wide.

use crate::quote::literal;
use std::collections::BTreeSet;

/// The schema that holds pg-provision's own remembered state (see
/// [`super::memory`]). Never part of a scope, never reported.
pub const STATE_SCHEMA: &str = "pgprovision";

/// The schemas whose objects a read brings back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `None`: every user schema.
    schemas: Option<BTreeSet<String>>,
}

impl Scope {
    /// Every user schema (PostgreSQL's own and pg-provision's excluded).
    pub fn everything() -> Self {
        Scope { schemas: None }
    }

    /// Only these schemas.
    pub fn schemas<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope {
            schemas: Some(names.into_iter().map(Into::into).collect()),
        }
    }

    /// The schemas, or `None` for every user schema.
    pub fn names(&self) -> Option<&BTreeSet<String>> {
        self.schemas.as_ref()
    }

    /// Whether `schema` is in scope.
    pub fn contains(&self, schema: &str) -> bool {
        schema != STATE_SCHEMA && self.schemas.as_ref().is_none_or(|s| s.contains(schema))
    }

    /// The SQL condition on the schema name column `column` (e.g.
    /// `n.nspname`): a user schema, and in scope.
    pub fn condition(&self, column: &str) -> String {
        let user = format!(
            "{column} !~ '^pg_' AND {column} <> 'information_schema' AND {column} <> {}",
            literal(STATE_SCHEMA)
        );
        match &self.schemas {
            None => user,
            Some(names) if names.is_empty() => "false".to_string(),
            Some(names) => {
                let list: Vec<String> = names.iter().map(|n| literal(n)).collect();
                format!("{user} AND {column} IN ({})", list.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_lists_quoted_schemas() {
        let s = Scope::schemas(["app", "o'neil"]);
        assert_eq!(
            s.condition("n.nspname"),
            "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND n.nspname <> 'pgprovision' \
             AND n.nspname IN ('app', 'o''neil')"
        );
        assert!(s.contains("app"));
        assert!(!s.contains("public"));
        assert!(!Scope::everything().contains(STATE_SCHEMA));
        assert_eq!(Scope::schemas(Vec::<String>::new()).condition("x"), "false");
    }
}
