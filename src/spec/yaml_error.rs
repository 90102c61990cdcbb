//! serde-saphyr's errors → issues a user can act on.
//!
//! In: a deserialisation error and the document's [`Locations`]. Out: an
//! [`Issue`] with the YAML path and line:column in front, the library's own
//! position and advice to its programmer (`set DuplicateKeyPolicy in
//! Options`, `budget breached: Nodes { .. }`) replaced by sentences about
//! the spec.

use super::budget;
use super::error::Issue;
use super::path::{LineCol, Locations, YamlPath};
use serde_saphyr::Error;

/// The issue for a document serde-saphyr refused.
pub fn issue(e: &Error, locations: &Locations) -> Issue {
    let at = e.location().map(|l| LineCol {
        line: l.line() as usize,
        column: l.column() as usize,
    });
    let path = at.map(|at| locations.path_at(at)).unwrap_or_default();
    let located = |mut issue: Issue| {
        issue.at = at;
        issue
    };
    if let Some((message, hint)) = budget::explain(e, locations.census()) {
        return located(Issue::new(&path, message).hint(hint));
    }
    if let Error::DuplicateMappingKey { key, .. } = original(e) {
        return duplicate_key(key.as_deref(), at, locations);
    }
    let message = e.without_snippet().to_string();
    // serde-saphyr appends its own position; we print ours in front.
    let message = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    let message = in_words(message.trim_end_matches('.'));
    let mut issue = located(Issue::new(&path, message));
    if issue.message.contains("unknown field") {
        issue = issue.hint("see docs/spec.md for every key this version understands");
    }
    issue
}

/// What serde says in terms of Rust types (`untagged enum RawSetting`,
/// `mapping start`), said in terms of the spec.
fn in_words(message: &str) -> String {
    const UNTAGGED: &[(&str, &str)] = &[
        (
            "RawSetting",
            "expected a setting: a string, a number, a boolean or a list of strings",
        ),
        ("RawScalar", "expected a string, a number or a boolean"),
        (
            "RawSeedValue",
            "expected a value (a string, a number, a boolean or null) or `{ sql: \"expression\" }`",
        ),
        (
            "RawReference",
            "expected `\"schema.table(column)\"` or `{ table, column, on_delete, on_update }`",
        ),
        (
            "RawUnique",
            "expected a list of columns or `{ name, columns }`",
        ),
    ];
    if let Some(name) = message.strip_prefix("data did not match any variant of untagged enum ") {
        if let Some((_, words)) = UNTAGGED.iter().find(|(n, _)| *n == name) {
            return (*words).to_string();
        }
    }
    if message == "expected mapping start" {
        return "expected a mapping (`{ … }`, or indented `key: value` lines)".to_string();
    }
    if message == "expected sequence start" {
        return "expected a list (`[ … ]`, or indented `- item` lines)".to_string();
    }
    message.to_string()
}

/// The error under snippet and alias wrappers.
fn original(e: &Error) -> &Error {
    match e {
        Error::WithSnippet { error, .. } | Error::AliasError { error, .. } => original(error),
        other => other,
    }
}

fn duplicate_key(key: Option<&str>, at: Option<LineCol>, locations: &Locations) -> Issue {
    // The index saw both occurrences; the parser reports the second.
    let seen = locations
        .duplicates()
        .iter()
        .find(|d| Some(d.again) == at)
        .or_else(|| locations.duplicates().first());
    let name = key
        .map(str::to_string)
        .or_else(|| seen.map(|d| d.path.as_str().rsplit('.').next().unwrap_or("").to_string()))
        .unwrap_or_else(|| "?".to_string());
    let (path, first, again) = match seen {
        Some(d) => (d.path.clone(), Some(d.first), Some(d.again)),
        None => (YamlPath::root(), None, at),
    };
    let message = match first {
        Some(first) => format!(
            "key `{name}` is written twice in one mapping (first at line {}, column {})",
            first.line, first.column
        ),
        None => format!("key `{name}` is written twice in one mapping"),
    };
    let mut issue = Issue::new(&path, message)
        .hint("a mapping takes each key once: remove one, or merge what they say under one key");
    issue.at = again;
    issue
}
