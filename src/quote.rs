//! The one place where identifiers and literals become SQL text.
//!
//! Every name and value rendered into a statement passes through here; a raw
//! name inside `format!` elsewhere is a bug. The escaping follows libpq's
//! `PQescapeIdentifier` / `PQescapeLiteral` (as ported by `postgres-protocol`).

use std::fmt;

/// A double-quoted SQL identifier, e.g. `"api_user"`.
pub fn ident(name: &str) -> String {
    postgres_protocol::escape::escape_identifier(name)
}

/// A single-quoted SQL string literal, e.g. `'5s'` or ` E'a\\b'`.
pub fn literal(value: &str) -> String {
    let quoted = postgres_protocol::escape::escape_literal(value);
    // libpq prefixes ` E` when backslashes are present; the leading space is
    // meant for gluing after a keyword and only adds noise in our statements.
    quoted.trim_start().to_string()
}

/// A schema-qualified name: `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A routine with its signature: `"schema"."name"(args)`.
///
/// `identity_args` must be text the server produced with
/// `pg_get_function_identity_arguments` for this very routine, read in the
/// same session: the server has already quoted every name and type in it
/// (with the session's `search_path` deciding which types are qualified), so
/// it is SQL, not user input, and is kept verbatim.
pub fn routine(schema: &str, name: &str, identity_args: &str) -> String {
    format!("{}({identity_args})", qualified(schema, name))
}

/// A dollar-quoted string for a function body: `$pgp$…$pgp$`, with a tag
/// the text does not contain (`$pgp1$`, `$pgp2$`, … otherwise). The text is
/// kept byte for byte, so `prosrc` reads back exactly what was written.
pub fn dollar_quoted(text: &str) -> String {
    let mut tag = "$pgp$".to_string();
    let mut n = 0;
    // The body ends at the first occurrence of the tag, which must be ours.
    while format!("{text}{tag}").find(&tag) != Some(text.len()) {
        n += 1;
        tag = format!("$pgp{n}$");
    }
    format!("{tag}{text}{tag}")
}

/// A role as a grantee: `PUBLIC` stays a keyword, every other name is quoted.
pub fn grantee(role: &str) -> String {
    if role == PUBLIC {
        PUBLIC.to_string()
    } else {
        ident(role)
    }
}

/// The pseudo-role every role is a member of.
pub const PUBLIC: &str = "PUBLIC";

/// A comma-separated list of quoted identifiers.
pub fn ident_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    join(names.into_iter().map(ident))
}

/// A comma-separated list of grantees (see [`grantee`]).
pub fn grantee_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    join(names.into_iter().map(grantee))
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// SQL text that has passed through this module; displayed as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sql(String);

impl Sql {
    /// Wraps text built only from quoted parts and fixed keywords.
    pub fn new(text: impl Into<String>) -> Self {
        Sql(text.into())
    }

    /// The statement text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted_and_escaped() {
        let cases = [
            ("api_user", r#""api_user""#),
            ("Api User", r#""Api User""#),
            ("select", r#""select""#),
            (
                r#"x"; DROP ROLE postgres; --"#,
                r#""x""; DROP ROLE postgres; --""#,
            ),
            ("rôle", r#""rôle""#),
            ("", r#""""#),
        ];
        for (input, expected) in cases {
            assert_eq!(ident(input), expected, "ident({input:?})");
        }
    }

    #[test]
    fn literals_double_quotes_and_backslashes() {
        let cases = [
            ("5s", "'5s'"),
            ("it's", "'it''s'"),
            (r"a\b", r"E'a\\b'"),
            (r"o'\", r"E'o''\\'"),
            ("", "''"),
        ];
        for (input, expected) in cases {
            assert_eq!(literal(input), expected, "literal({input:?})");
        }
    }

    #[test]
    fn dollar_quotes_pick_a_tag_the_body_lacks() {
        assert_eq!(dollar_quoted("select 1"), "$pgp$select 1$pgp$");
        assert_eq!(dollar_quoted("a $pgp$ b"), "$pgp1$a $pgp$ b$pgp1$");
        assert_eq!(dollar_quoted("$pgp$ $pgp1$"), "$pgp2$$pgp$ $pgp1$$pgp2$");
        // A body ending in `$pgp` would merge with the closing tag.
        assert_eq!(dollar_quoted("x $pgp"), "$pgp1$x $pgp$pgp1$");
    }

    #[test]
    fn public_is_a_keyword_only_as_grantee() {
        assert_eq!(grantee("PUBLIC"), "PUBLIC");
        assert_eq!(grantee("public"), r#""public""#);
        assert_eq!(grantee_list(["a", "PUBLIC"]), r#""a", PUBLIC"#);
        assert_eq!(qualified("s", "t"), r#""s"."t""#);
        assert_eq!(
            routine("s", "f", "p_name text, \"Odd\" integer"),
            r#""s"."f"(p_name text, "Odd" integer)"#
        );
    }
}
