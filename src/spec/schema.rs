//! The JSON Schema of the spec, for editors and CI (`pg-provision schema`).
//!
//! Derived with schemars from the serde types the parser reads the YAML into
//! (`raw`, `raw_table`, the raw types of `security`), so the two cannot
//! disagree: field doc comments become descriptions, `deny_unknown_fields`
//! becomes `additionalProperties: false`, `Option` and `#[serde(default)]`
//! fields are optional. Where the types take a string but `validate` accepts
//! only a closed set of words (privileges, `on:`, `volatility`, …), the field
//! says so with one of the keyword types below (`#[schemars(with = …)]`);
//! each matches exactly what the parser accepts, case-insensitively where it
//! is. The schema is JSON Schema draft 7, which every YAML editor plugin
//! reads. Regenerate the shipped file with
//! `pg-provision schema > schema/pg-provision.schema.json`.

use super::raw::RawSpec;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

/// The schema, pretty-printed, ending with a newline.
///
/// Draft 7, not 2020-12: the YAML language server behind VS Code's YAML
/// extension (and Neovim's, and others) validates draft 7; IntelliJ and the
/// validators used in CI read it too.
pub fn json() -> String {
    let mut schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<RawSpec>();
    schema.insert("title".into(), "pg-provision spec".into());
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    text
}

/// A string from a closed set of words.
///
/// `case_insensitive`: the parser lowercases (or uppercases) before
/// comparing, so `Select` is as good as `SELECT`; the schema then lists the
/// canonical words (for completion) and also accepts any case by pattern.
/// `trimmed`: the parser trims whitespace first.
fn keyword(description: &str, words: &[&str], case_insensitive: bool, trimmed: bool) -> Schema {
    if !case_insensitive {
        return json_schema!({
            "description": description,
            "type": "string",
            "enum": words,
        });
    }
    let alternatives: Vec<String> = words.iter().map(|w| any_case(w)).collect();
    let space = if trimmed { "\\s*" } else { "" };
    let pattern = format!("^{space}(?:{}){space}$", alternatives.join("|"));
    json_schema!({
        "description": description,
        "type": "string",
        "anyOf": [
            { "enum": words },
            { "pattern": pattern },
        ],
    })
}

/// `Select` → `[Ss][Ee][Ll][Ee][Cc][Tt]`: ECMA-262 patterns, which JSON
/// Schema uses, have no inline case-insensitive flag.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else if c.is_ascii_alphanumeric() || c == ' ' || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// Declares a marker type whose schema is a [`keyword`].
macro_rules! keyword_type {
    ($(#[$doc:meta])* $name:ident, $description:expr, [$($word:expr),+ $(,)?], case_insensitive: $ci:expr, trimmed: $trim:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                keyword($description, &[$($word),+], $ci, $trim)
            }
        }
    };
}

keyword_type!(
    /// A privilege in `grants` and `revoke` (`crate::privilege::Privilege::parse`, and `ALL`).
    Privilege,
    "A privilege: SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER MAINTAIN (tables and views), USAGE SELECT UPDATE (sequences), EXECUTE (functions), USAGE CREATE (schemas), CONNECT CREATE TEMPORARY (databases), USAGE (types); ALL for every privilege of the kind. Any case.",
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN",
        "EXECUTE", "USAGE", "CREATE", "CONNECT", "TEMPORARY", "TEMP", "ALL", "ALL PRIVILEGES",
    ],
    case_insensitive: true,
    trimmed: true
);

keyword_type!(
    /// `on:` of a schema-wide grant.
    SchemaWideKind,
    "Grant on every object of this kind in the schema, now and later (default privileges). `tables` covers views, `functions` procedures.",
    ["tables", "sequences", "functions"],
    case_insensitive: false,
    trimmed: false
);

keyword_type!(
    /// `on:` of a `default_privileges` entry.
    DefaultPrivilegeKind,
    "The kind of future objects (`schemas` cannot take `in_schema`).",
    ["tables", "sequences", "functions", "types", "schemas"],
    case_insensitive: false,
    trimmed: false
);

keyword_type!(
    /// A routine's `kind:`.
    RoutineKind,
    "`function` (the default) or `procedure`.",
    ["function", "procedure"],
    case_insensitive: true,
    trimmed: false
);

keyword_type!(
    /// A function's `volatility:`.
    Volatility,
    "`volatile` (the default), `stable` or `immutable`.",
    ["volatile", "stable", "immutable"],
    case_insensitive: true,
    trimmed: false
);

keyword_type!(
    /// A function's `security:`.
    SecurityMode,
    "`invoker` (the default) or `definer` (SECURITY DEFINER: needs a pinned `search_path` ending with `pg_temp`; loses EXECUTE from PUBLIC unless granted).",
    ["invoker", "definer"],
    case_insensitive: true,
    trimmed: false
);

keyword_type!(
    /// A function's `parallel:`.
    ParallelSafety,
    "`unsafe` (the default), `restricted` or `safe`.",
    ["unsafe", "restricted", "safe"],
    case_insensitive: true,
    trimmed: false
);

keyword_type!(
    /// A view's `check_option:`.
    CheckOption,
    "`local` or `cascaded`: rows written through the view must satisfy its WHERE.",
    ["local", "cascaded"],
    case_insensitive: true,
    trimmed: false
);

keyword_type!(
    /// A column's `identity:`.
    Identity,
    "`GENERATED ALWAYS AS IDENTITY` or `GENERATED BY DEFAULT AS IDENTITY`.",
    ["always", "by_default"],
    case_insensitive: false,
    trimmed: false
);

keyword_type!(
    /// A foreign key's `on_delete:` / `on_update:` (`_` and a space are the same).
    ForeignKeyAction,
    "What happens to referencing rows: `no_action` (the default), `restrict`, `cascade`, `set_null` or `set_default`.",
    [
        "no_action", "restrict", "cascade", "set_null", "set_default", "no action", "set null",
        "set default",
    ],
    case_insensitive: true,
    trimmed: true
);

keyword_type!(
    /// A sequence's `as:`.
    SequenceType,
    "The sequence's data type: `smallint`, `integer` or `bigint` (default `bigint`).",
    ["smallint", "integer", "bigint", "int2", "int", "int4", "int8"],
    case_insensitive: true,
    trimmed: true
);

keyword_type!(
    /// A database's `locale_provider:` (creating only).
    LocaleProvider,
    "Where a new database's collations come from: `libc` (the default), `icu` (15+) or `builtin` (17+).",
    ["libc", "icu", "builtin"],
    case_insensitive: true,
    trimmed: false
);

/// `version:`: this release reads 1.
pub struct Version;

impl JsonSchema for Version {
    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The spec format; this release reads 1.",
            "type": "integer",
            "const": 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_patterns_spell_every_letter_both_ways() {
        assert_eq!(any_case("Temp"), "[Tt][Ee][Mm][Pp]");
        assert_eq!(any_case("set_null"), "[Ss][Ee][Tt]_[Nn][Uu][Ll][Ll]");
        assert_eq!(
            any_case("all privileges"),
            "[Aa][Ll][Ll] [Pp][Rr][Ii][Vv][Ii][Ll][Ee][Gg][Ee][Ss]"
        );
    }

    #[test]
    fn the_keyword_lists_match_the_parser() {
        use crate::privilege::Privilege as P;
        // Every privilege the parser knows is listed, and nothing else.
        let schema = Privilege::json_schema(&mut SchemaGenerator::default());
        let listed = schema.get("anyOf").unwrap()[0]["enum"].clone();
        for p in P::ALL {
            assert!(
                listed.as_array().unwrap().iter().any(|w| w == p.keyword()),
                "{p} is not in the schema"
            );
        }
        for word in listed.as_array().unwrap() {
            let word = word.as_str().unwrap();
            assert!(
                P::parse(word).is_some() || word.starts_with("ALL"),
                "{word} is not a privilege"
            );
        }
    }
}
