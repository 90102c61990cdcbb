//! The `OBJECT` argument: which part of the landscape to explain.
//!
//! `OBJECT` is a schema, `schema.name` (a table, view, sequence or type, or
//! every overload of a function), `schema.function(args)`,
//! `schema.table.column`, or the database (its name, or the word
//! `database`). Parts are written as in SQL: bare, or double-quoted when they
//! hold dots, capitals or spaces (`"My Schema"."Orders"`).

use super::landscape::{Kind, Landscape, Object, display_ident};

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Everything in scope.
    All,
    /// The database only.
    Database,
    /// A schema and everything in it.
    Schema(String),
    /// Objects named `schema.name` (several for function overloads).
    Object {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// A function's arguments, when given.
        args: Option<String>,
    },
    /// One column of a table or view.
    Column {
        /// Schema.
        schema: String,
        /// Table or view.
        table: String,
        /// Column.
        column: String,
    },
}

/// Splits `OBJECT` into its dotted parts and, for a function, its arguments.
pub fn split(text: &str) -> Result<(Vec<String>, Option<String>), String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.char_indices().peekable();
    let mut args = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if quoted && chars.peek().map(|(_, c)| *c) == Some('"') => {
                current.push('"');
                chars.next();
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(std::mem::take(&mut current));
                was_quoted = false;
            }
            '(' if !quoted => {
                let rest = &text[i + 1..];
                let Some(inner) = rest.trim_end().strip_suffix(')') else {
                    return Err(format!("`{text}`: a `(` without its closing `)`"));
                };
                args = Some(inner.trim().to_string());
                break;
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(format!("`{text}`: a double quote is not closed"));
    }
    let last = if was_quoted {
        current
    } else {
        current.trim().to_string()
    };
    parts.push(last);
    if parts.iter().any(String::is_empty) {
        return Err(format!("`{text}` has an empty name part"));
    }
    Ok((parts, args))
}

/// Resolves `OBJECT` against what exists (or what the spec declares).
pub fn resolve(text: Option<&str>, landscape: &Landscape) -> Result<Target, String> {
    let Some(text) = text else {
        return Ok(Target::All);
    };
    let (parts, args) = split(text)?;
    let schemas = || {
        landscape
            .schemas
            .iter()
            .map(|s| format!("`{}`", s.display_name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (parts.as_slice(), &args) {
        ([one], None) => {
            if landscape.schemas.iter().any(|s| &s.name == one) {
                Ok(Target::Schema(one.clone()))
            } else if one == &landscape.database.name || one == "database" {
                Ok(Target::Database)
            } else {
                Err(format!(
                    "`{text}` is neither a schema in scope nor the database\n  hint: schemas: {}; the database is `{}`",
                    schemas(),
                    landscape.database.name
                ))
            }
        }
        ([schema, name], args) => {
            let target = Target::Object {
                schema: schema.clone(),
                name: name.clone(),
                args: args.clone(),
            };
            if landscape.objects.iter().any(|o| includes(&target, o)) {
                Ok(target)
            } else {
                let overloads: Vec<String> = landscape
                    .objects
                    .iter()
                    .filter(|o| o.schema.as_deref() == Some(schema.as_str()) && &o.name == name)
                    .map(|o| format!("`{}`", o.display_name()))
                    .collect();
                let hint = if overloads.is_empty() {
                    format!(
                        "name a table, view, sequence, function or type as `schema.name`; schemas in scope: {}",
                        schemas()
                    )
                } else {
                    format!("it exists as {}", overloads.join(", "))
                };
                Err(format!(
                    "nothing named `{}.{}{}` in scope\n  hint: {hint}",
                    display_ident(schema),
                    display_ident(name),
                    args.as_ref().map(|a| format!("({a})")).unwrap_or_default()
                ))
            }
        }
        ([schema, table, column], None) => {
            let found = landscape.objects.iter().find(|o| {
                o.kind.has_columns()
                    && o.schema.as_deref() == Some(schema.as_str())
                    && &o.name == table
            });
            match found {
                None => Err(format!(
                    "no table or view `{}.{}` in scope",
                    display_ident(schema),
                    display_ident(table)
                )),
                Some(o) => match &o.columns {
                    Some(cols) if !cols.iter().any(|c| &c.name == column) => Err(format!(
                        "{} has no column `{column}`\n  hint: its columns: {}",
                        o.label(),
                        cols.iter()
                            .map(|c| format!("`{}`", c.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    _ => Ok(Target::Column {
                        schema: schema.clone(),
                        table: table.clone(),
                        column: column.clone(),
                    }),
                },
            }
        }
        _ => Err(format!(
            "`{text}` is not an object name\n  hint: write a schema, `schema.table`, `schema.table.column`, `schema.function(args)` or the database"
        )),
    }
}

/// Whether `target` covers object `o` (not the database, not a schema).
pub fn includes(target: &Target, o: &Object) -> bool {
    let in_schema = |s: &str| o.schema.as_deref() == Some(s);
    match target {
        Target::All => true,
        Target::Database => false,
        Target::Schema(s) => in_schema(s),
        Target::Object { schema, name, args } => {
            in_schema(schema)
                && &o.name == name
                && match args {
                    None => true,
                    Some(args) => {
                        matches!(o.kind, Kind::Function | Kind::Procedure | Kind::Aggregate)
                            && same_args(args, o)
                    }
                }
        }
        Target::Column { schema, table, .. } => in_schema(schema) && &o.name == table,
    }
}

/// Whether `args` as the user wrote them name `o`'s arguments: matched
/// against the server's types when known, else compared as written.
fn same_args(args: &str, o: &Object) -> bool {
    if let Some(types) = &o.arg_types
        && crate::diff::signature::matches(args, types)
    {
        return true;
    }
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    o.args.as_deref().is_some_and(|a| norm(a) == norm(args))
}

/// Whether `target` covers schema `name` itself.
pub fn includes_schema(target: &Target, name: &str) -> bool {
    match target {
        Target::All => true,
        Target::Schema(s) => s == name,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dotted_and_quoted_names_and_arguments() {
        assert_eq!(split("public").unwrap(), (vec!["public".into()], None));
        assert_eq!(
            split("app.users.email").unwrap(),
            (vec!["app".into(), "users".into(), "email".into()], None)
        );
        assert_eq!(
            split(r#""My.Schema"."Odd ""t""""#).unwrap(),
            (vec!["My.Schema".into(), r#"Odd "t""#.into()], None)
        );
        assert_eq!(
            split("api.login(p_username text, p_password text)").unwrap(),
            (
                vec!["api".into(), "login".into()],
                Some("p_username text, p_password text".into())
            )
        );
        assert_eq!(
            split("api.now()").unwrap(),
            (vec!["api".into(), "now".into()], Some(String::new()))
        );
        assert!(split("api.f(int").is_err());
        assert!(split("\"open").is_err());
        assert!(split("a..b").is_err());
    }
}
