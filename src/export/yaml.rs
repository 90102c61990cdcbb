//! A small YAML writer for `export`: a document tree ([`Node`]) and its
//! rendering, with the comments, key order and quoting under our control.
//!
//! serde's YAML serialisers decide quoting and style on their own; a spec a
//! person reads needs more: short mappings in flow style (`{ to: [a],
//! privileges: [SELECT] }`), bodies as literal blocks (`|`), comments next
//! to a key, and every string YAML would misread (`yes`, `on`, `null`,
//! `1e3`, `0x1F`, a leading `*`, `&` or `!`, `: `, ` #`, an empty string,
//! quotes, newlines) quoted. Keys keep the order they were added in.

use std::fmt::Write;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string (quoted when YAML would read it as something else).
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
    Map(Map),
}

/// A mapping whose keys keep their insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
    block: bool,
}

/// One key of a [`Map`], with an optional comment after its value.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: String,
    value: Node,
    comment: Option<String>,
}

/// Longest line a flow collection may make.
const WIDTH: usize = 100;
/// Deepest nesting a flow collection may have (`[{ to: [a] }]` is 3).
const FLOW_DEPTH: usize = 3;

impl Map {
    /// An empty mapping.
    pub fn new() -> Self {
        Map::default()
    }

    /// An empty mapping always written in block style (top-level sections).
    pub fn block() -> Self {
        Map {
            entries: Vec::new(),
            block: true,
        }
    }

    /// Adds `key: value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Node>) -> &mut Self {
        self.entries.push(Entry {
            key: key.into(),
            value: value.into(),
            comment: None,
        });
        self
    }

    /// Adds `key: value  # comment`.
    pub fn insert_commented(
        &mut self,
        key: impl Into<String>,
        value: impl Into<Node>,
        comment: &str,
    ) {
        self.entries.push(Entry {
            key: key.into(),
            value: value.into(),
            comment: Some(comment.to_string()),
        });
    }

    /// Whether the mapping has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl From<Map> for Node {
    fn from(m: Map) -> Node {
        Node::Map(m)
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Str(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(s)
    }
}

impl From<&String> for Node {
    fn from(s: &String) -> Node {
        Node::Str(s.clone())
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<i64> for Node {
    fn from(i: i64) -> Node {
        Node::Int(i)
    }
}

impl From<Vec<Node>> for Node {
    fn from(v: Vec<Node>) -> Node {
        Node::Seq(v)
    }
}

/// A sequence of strings.
pub fn strings<I, S>(items: I) -> Node
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Node::Seq(items.into_iter().map(|s| Node::Str(s.into())).collect())
}

/// Renders a document: `header` lines as `# ` comments, then the mapping.
pub fn document(header: &[String], root: &Map) -> String {
    let mut out = String::new();
    for line in header {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    block_map(&mut out, root, 0);
    out
}

/// Writes the entries of `map` in block style at `indent`.
fn block_map(out: &mut String, map: &Map, indent: usize) {
    for (i, e) in map.entries.iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(&e.key));
        out.push(':');
        value_after_key(out, &e.value, indent, e.comment.as_deref());
    }
}

/// Writes a value that follows `key:` (on the same line when it fits there).
fn value_after_key(out: &mut String, value: &Node, indent: usize, comment: Option<&str>) {
    let column = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
    match value {
        Node::Str(s) if literal_block(s).is_some() => {
            let (header, body) = literal_block(s).unwrap_or_default();
            let _ = write!(out, " {header}");
            end_line(out, comment);
            for line in body.split('\n') {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        v if flow(v, column + 1).is_some() => {
            let text = flow(v, column + 1).unwrap_or_default();
            let _ = write!(out, " {text}");
            end_line(out, comment);
        }
        Node::Map(m) => {
            end_line(out, comment);
            block_map(out, m, indent + 2);
        }
        Node::Seq(items) => {
            end_line(out, comment);
            block_seq(out, items, indent + 2);
        }
        // Scalars always have a flow form.
        _ => end_line(out, comment),
    }
}

fn end_line(out: &mut String, comment: Option<&str>) {
    if let Some(c) = comment {
        let _ = write!(out, "  # {c}");
    }
    out.push('\n');
}

/// Writes the items of a sequence in block style at `indent`.
fn block_seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Node::Map(m) if flow(item, indent + 2).is_none() && !m.entries.is_empty() => {
                block_map(out, m, indent + 2);
            }
            Node::Seq(inner) if flow(item, indent + 2).is_none() => {
                out.push('\n');
                block_seq(out, inner, indent + 2);
            }
            Node::Str(s) if literal_block(s).is_some() => {
                let (header, body) = literal_block(s).unwrap_or_default();
                let _ = writeln!(out, "{header}");
                for line in body.split('\n') {
                    if !line.is_empty() {
                        out.push_str(&" ".repeat(indent + 2));
                        out.push_str(line);
                    }
                    out.push('\n');
                }
            }
            _ => {
                let text = flow(item, indent + 2).unwrap_or_else(|| flow_text(item));
                let _ = writeln!(out, "{text}");
            }
        }
    }
}

/// The flow form of `node` when it may be written that way starting at
/// `column`: no comments, no multi-line strings, not too deep or too long.
fn flow(node: &Node, column: usize) -> Option<String> {
    if !flowable(node, 0) {
        return None;
    }
    let text = flow_text(node);
    (column + text.len() <= WIDTH || !matches!(node, Node::Map(_) | Node::Seq(_))).then_some(text)
}

fn flowable(node: &Node, depth: usize) -> bool {
    match node {
        Node::Str(s) => literal_block(s).is_none(),
        Node::Map(m) if m.entries.is_empty() => true,
        Node::Map(m) => {
            depth < FLOW_DEPTH
                && !m.block
                && m.entries
                    .iter()
                    .all(|e| e.comment.is_none() && flowable(&e.value, depth + 1))
        }
        Node::Seq(items) => depth < FLOW_DEPTH && items.iter().all(|i| flowable(i, depth + 1)),
        _ => true,
    }
}

fn flow_text(node: &Node) -> String {
    match node {
        Node::Str(s) => scalar(s),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => float(*f),
        Node::Seq(items) => {
            let parts: Vec<String> = items.iter().map(flow_text).collect();
            format!("[{}]", parts.join(", "))
        }
        Node::Map(m) if m.entries.is_empty() => "{}".to_string(),
        Node::Map(m) => {
            let parts: Vec<String> = m
                .entries
                .iter()
                .map(|e| format!("{}: {}", key(&e.key), flow_text(&e.value)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// A float as YAML reads it back as a float (`100.0`, not `100`).
fn float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        format!("{f}")
    }
}

fn key(k: &str) -> String {
    // `on` is a spec key (`on: tables`); the spec is read with strict
    // booleans, and a mapping key is a string anyway.
    if k == "on" { k.to_string() } else { scalar(k) }
}

/// YAML 1.1 and 1.2 words that are not strings when plain.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "<<", "=",
];

/// Whether `s` may be written as a plain scalar, in block and flow context
/// alike, and read back as the same string.
pub fn is_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    let ok_char = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | ' ' | '.' | '/' | '$' | '(' | ')' | '+' | '=' | '@' | '-'
            )
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    if !s.chars().all(ok_char) {
        return false;
    }
    if first.is_ascii_alphabetic() || first == '_' || (!first.is_ascii() && first.is_alphabetic()) {
        return true;
    }
    // A leading digit: only a number followed by a unit (`5s`, `64MB`),
    // never something YAML reads as a number (`0x1F`, `1e3`, `1_000`).
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let rest = &s[digits..];
    let radix = ["0x", "0o", "0b"]
        .iter()
        .any(|p| s.to_ascii_lowercase().starts_with(p));
    digits > 0
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphabetic())
        && !rest.eq_ignore_ascii_case("e")
        && !radix
}

/// A scalar string, plain or quoted.
pub fn scalar(s: &str) -> String {
    if is_plain(s) {
        return s.to_string();
    }
    let printable = s.chars().all(|c| {
        (' '..='~').contains(&c)
            || (!c.is_ascii()
                && !c.is_control()
                && !matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
    });
    if printable && s.contains('\'') && !s.contains('"') && !s.contains('\\') {
        return format!("\"{s}\"");
    }
    if printable {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A multi-line string as a literal block: its header (`|`, `|-`, `|+`) and
/// its lines, unindented. `None` when the string is one line or holds what a
/// literal block cannot carry (carriage returns, control characters, a line
/// of only blanks, a first line starting with a blank).
fn literal_block(s: &str) -> Option<(String, String)> {
    if !s.contains('\n') {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let ok = body.chars().all(|c| {
        c == '\n'
            || c == '\t'
            || (' '..='~').contains(&c)
            || (!c.is_ascii()
                && !c.is_control()
                && !matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
    });
    // The block's indentation is read from its first non-empty line.
    let first_blank = body
        .split('\n')
        .find(|l| !l.is_empty())
        .is_none_or(|l| l.starts_with([' ', '\t']));
    let blank_line = body
        .split('\n')
        .any(|l| !l.is_empty() && l.trim_matches([' ', '\t']).is_empty());
    let leading_tab = body.split('\n').any(|l| l.starts_with('\t'));
    if !ok || first_blank || blank_line || leading_tab {
        return None;
    }
    let header = match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    let mut text = body.to_string();
    if trailing > 1 {
        text.push_str(&"\n".repeat(trailing - 1));
    }
    Some((header.to_string(), text))
}

#[cfg(test)]
mod tests;
