//! `ALTER ROLE/DATABASE … SET` and function `SET` values as the spec writes
//! them: `name=value` entries become a mapping; parameters whose values are
//! lists of quoted names (`search_path`, …) become YAML lists, so `apply`
//! stores them exactly as they are.

use super::yaml::{Map, Node, strings};

/// Parameters PostgreSQL stores as a quoted list (`GUC_LIST_QUOTE`): a
/// single literal would be stored as one quoted element.
const LIST_PARAMETERS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "shared_preload_libraries",
    "local_preload_libraries",
];

/// Whether `name` takes a list.
pub fn is_list(name: &str) -> bool {
    LIST_PARAMETERS.contains(&name.to_ascii_lowercase().as_str())
}

/// The elements of a stored list value: `"$user", public` → `[$user, public]`;
/// `""` → `[]`.
pub fn list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            ' ' if !quoted && current.is_empty() => {}
            c => current.push(c),
        }
    }
    items.push(current);
    let items: Vec<String> = items
        .into_iter()
        .map(|i| i.trim_end().to_string())
        .collect();
    if items == [""] { Vec::new() } else { items }
}

/// `settings:` from stored `name=value` entries, sorted by name.
pub fn settings(stored: &[String]) -> Map {
    let mut entries: Vec<(&str, &str)> = stored.iter().filter_map(|e| e.split_once('=')).collect();
    entries.sort();
    let mut m = Map::new();
    for (name, value) in entries {
        m.insert(name, value_node(name, value));
    }
    m
}

/// One value: a list for list parameters, else the stored text.
pub fn value_node(name: &str, value: &str) -> Node {
    if is_list(name) {
        strings(list(value))
    } else {
        Node::Str(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_lists_split_on_unquoted_commas() {
        assert_eq!(list("\"$user\", public"), ["$user", "public"]);
        assert_eq!(list("pg_catalog, pg_temp"), ["pg_catalog", "pg_temp"]);
        assert_eq!(list("\"a, b\", \"say \"\"hi\"\"\""), ["a, b", "say \"hi\""]);
        assert_eq!(list("\"\""), Vec::<String>::new());
    }
}
