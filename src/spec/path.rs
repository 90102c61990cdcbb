//! YAML paths (`roles.api_user.member_of[0]`) and where they sit in the file.
//!
//! Validation runs after deserialisation, on plain Rust values, so it names
//! what it rejects by path. [`Locations`] maps every path of the document to
//! the line and column of its key (or sequence item), so an error can say
//! `provision.yaml:12:7` without every model type carrying spans. The same
//! pass over the parser's events takes the document's [`Census`] (its own
//! size, before aliases), which sizes the deserialiser's budget.

use super::budget::{Census, OwnBreach};
use serde_saphyr::granit_parser::{ErrorKind, Event, Parser};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// A path into the YAML document, rendered as `a.b[0].c`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YamlPath(String);

impl YamlPath {
    /// The document root.
    pub fn root() -> Self {
        YamlPath(String::new())
    }

    /// The path of a mapping entry below this one.
    pub fn key(&self, key: &str) -> Self {
        let segment = key_segment(key);
        if self.0.is_empty() {
            YamlPath(segment.into_owned())
        } else {
            YamlPath(format!("{}.{segment}", self.0))
        }
    }

    /// The path of a sequence item below this one.
    pub fn index(&self, index: usize) -> Self {
        YamlPath(format!("{}[{index}]", self.0))
    }

    /// The rendered path; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(document)")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A 1-based line and column in the spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A mapping key as it appears in a rendered path: plain when it is made of
/// letters, digits, `_` and `-`, else JSON-quoted (`"a b"`, `"x.y"`).
fn key_segment(key: &str) -> Cow<'_, str> {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(serde_json::to_string(key).unwrap_or_else(|_| key.to_string()))
    }
}

/// The segments of a rendered path: `a."b.c"[0]` → `a`, `"b.c"`, `[0]`.
fn segments(path: &str) -> Vec<&str> {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.' {
            i += 1;
            continue;
        }
        let start = i;
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'[' => {
                while i < bytes.len() && bytes[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < bytes.len() && bytes[i] != b'.' && bytes[i] != b'[' {
                    i += 1;
                }
            }
        }
        let end = i.min(bytes.len());
        out.push(&path[start..end]);
    }
    out
}

/// Every path of a YAML document and its position.
///
/// Stored as a tree of interned segments rather than a map of path strings:
/// a 10,000-table spec has ~600,000 paths, which as strings cost ~40 MB; as a
/// tree, 20 bytes each (a node, and its place in the lookup order).
#[derive(Debug, Clone)]
pub struct Locations {
    /// Node 0 is the document root.
    nodes: Vec<Node>,
    /// Node ids ordered by `(parent, segment)`, for binary search.
    lookup: Vec<u32>,
    /// Key segment text → id, and back. Sequence items (`[n]`) are not
    /// interned: their segment id is `n` with [`INDEX`] set.
    segment_ids: HashMap<Box<str>, u32>,
    segment_text: Vec<Box<str>>,
    /// Keys written twice in one mapping, in document order.
    duplicates: Vec<Duplicate>,
    /// How big the document is, aliases not expanded.
    census: Census,
}

/// The bit that marks a segment id as a sequence index.
const INDEX: u32 = 1 << 31;

/// One path: its parent, its last segment and where it starts.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    segment: u32,
    line: u32,
    column: u32,
}

impl Node {
    fn at(&self) -> LineCol {
        LineCol {
            line: self.line as usize,
            column: self.column as usize,
        }
    }
}

/// A mapping key written a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The key's path.
    pub path: YamlPath,
    /// Where it is first written.
    pub first: LineCol,
    /// Where it is written again.
    pub again: LineCol,
}

impl Default for Locations {
    fn default() -> Self {
        Locations {
            nodes: vec![Node {
                parent: 0,
                segment: u32::MAX,
                line: 1,
                column: 1,
            }],
            lookup: Vec::new(),
            segment_ids: HashMap::new(),
            segment_text: Vec::new(),
            duplicates: Vec::new(),
            census: Census::default(),
        }
    }
}

enum Frame {
    Mapping {
        node: u32,
        /// The node of the key whose value comes next.
        key: Option<u32>,
        /// The keys seen so far: segment → node.
        seen: HashMap<u32, u32>,
    },
    Sequence {
        node: u32,
        next: usize,
    },
}

impl Locations {
    /// Indexes `text`; a document that does not parse yields what was seen
    /// before the error (the deserialiser reports the error itself). Stops
    /// early once the document breaks one of its own limits (see
    /// [`Census::breach`]).
    pub fn index(text: &str) -> Self {
        let mut loc = Locations::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut options = serde_saphyr::granit_parser::Options::default();
        options.emit_comments = false;
        for item in Parser::new_from_str_with_options(text, options) {
            let (event, span) = match item {
                Ok(item) => item,
                Err(e) => {
                    // The scanner's own nesting limit (255) can trip before
                    // the parser has emitted 65 levels: same limit, same words.
                    if matches!(e.kind(), ErrorKind::RecursionLimitExceeded) {
                        let m = e.marker();
                        loc.census.breach = Some(OwnBreach::Depth {
                            at: LineCol {
                                line: m.line(),
                                column: m.col() + 1,
                            },
                        });
                    }
                    break;
                }
            };
            let at = LineCol {
                line: span.start.line(),
                column: span.start.col() + 1,
            };
            loc.census.observe(&event, at, stack.len());
            if loc.census.breach.is_some() {
                break;
            }
            let is_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
                    | Event::Alias(..)
            );
            if is_node {
                // Which node does this YAML node get, and is it a mapping key?
                let node = match stack.last_mut() {
                    None => Some(0),
                    Some(Frame::Sequence { node, next }) => {
                        let segment = INDEX | (*next as u32 & !INDEX);
                        *next += 1;
                        Some(loc.push(*node, segment, at))
                    }
                    Some(Frame::Mapping { node, key, seen }) => match key.take() {
                        Some(value) => Some(value),
                        None => {
                            let name = match &event {
                                Event::Scalar(value, ..) => value.as_ref(),
                                _ => "?",
                            };
                            let segment = loc.segment(&key_segment(name));
                            let child = match seen.get(&segment) {
                                Some(first) => {
                                    loc.duplicates.push(Duplicate {
                                        path: loc.path_of(*first),
                                        first: loc.nodes[*first as usize].at(),
                                        again: at,
                                    });
                                    *first
                                }
                                None => {
                                    let child = loc.push(*node, segment, at);
                                    seen.insert(segment, child);
                                    child
                                }
                            };
                            *key = Some(child);
                            None
                        }
                    },
                };
                match event {
                    Event::MappingStart(..) => stack.push(Frame::Mapping {
                        node: node.unwrap_or(0),
                        key: None,
                        seen: HashMap::new(),
                    }),
                    Event::SequenceStart(..) => stack.push(Frame::Sequence {
                        node: node.unwrap_or(0),
                        next: 0,
                    }),
                    _ => {}
                }
            } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
            }
        }
        loc.nodes.shrink_to_fit();
        let mut lookup: Vec<u32> = (1..loc.nodes.len() as u32).collect();
        lookup.sort_unstable_by_key(|id| loc.key(*id));
        loc.lookup = lookup;
        loc
    }

    /// The id of segment text `text`.
    fn segment(&mut self, text: &str) -> u32 {
        if let Some(id) = self.segment_ids.get(text) {
            return *id;
        }
        let id = self.segment_text.len() as u32;
        self.segment_text.push(text.into());
        self.segment_ids.insert(text.into(), id);
        id
    }

    /// A new node: `segment` below `parent`, starting at `at`.
    fn push(&mut self, parent: u32, segment: u32, at: LineCol) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            parent,
            segment,
            line: at.line.try_into().unwrap_or(u32::MAX),
            column: at.column.try_into().unwrap_or(u32::MAX),
        });
        id
    }

    /// The lookup order of node `id`.
    fn key(&self, id: u32) -> (u32, u32) {
        let node = &self.nodes[id as usize];
        (node.parent, node.segment)
    }

    /// The child of `parent` named by segment `segment`.
    fn child(&self, parent: u32, segment: u32) -> Option<u32> {
        self.lookup
            .binary_search_by(|id| self.key(*id).cmp(&(parent, segment)))
            .ok()
            .map(|i| self.lookup[i])
    }

    /// The rendered path of node `id`.
    fn path_of(&self, mut id: u32) -> YamlPath {
        let mut parts = Vec::new();
        while id != 0 {
            let node = self.nodes[id as usize];
            parts.push(node.segment);
            id = node.parent;
        }
        let mut path = String::new();
        for segment in parts.iter().rev() {
            if segment & INDEX != 0 {
                path.push_str(&format!("[{}]", segment & !INDEX));
                continue;
            }
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&self.segment_text[*segment as usize]);
        }
        YamlPath(path)
    }

    fn depth(&self, mut id: u32) -> usize {
        let mut depth = 0;
        while id != 0 {
            id = self.nodes[id as usize].parent;
            depth += 1;
        }
        depth
    }

    /// The deepest path that starts at or before `at` (for parser errors,
    /// which know a position but not a path).
    pub fn path_at(&self, at: LineCol) -> YamlPath {
        (0..self.nodes.len() as u32)
            .filter(|id| self.nodes[*id as usize].at() <= at)
            .max_by_key(|id| (self.nodes[*id as usize].at(), self.depth(*id)))
            .map(|id| self.path_of(id))
            .unwrap_or_default()
    }

    /// The position of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &YamlPath) -> LineCol {
        let mut node = 0u32;
        for segment in segments(path.as_str()) {
            let id = match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(n) => n.parse::<u32>().ok().map(|n| INDEX | (n & !INDEX)),
                None => self.segment_ids.get(segment).copied(),
            };
            let Some(child) = id.and_then(|s| self.child(node, s)) else {
                break;
            };
            node = child;
        }
        self.nodes[node as usize].at()
    }

    /// The keys of the mapping at `path` (top-level keys for the root), in
    /// no particular order; empty when there is none.
    pub fn keys_of(&self, path: &YamlPath) -> Vec<String> {
        let mut node = 0u32;
        for segment in segments(path.as_str()) {
            match self
                .segment_ids
                .get(segment)
                .and_then(|s| self.child(node, *s))
            {
                Some(child) => node = child,
                None => return Vec::new(),
            }
        }
        let from = self.lookup.partition_point(|id| self.key(*id).0 < node);
        self.lookup[from..]
            .iter()
            .take_while(|id| self.key(**id).0 == node)
            .map(|id| self.nodes[*id as usize].segment)
            .filter(|segment| segment & INDEX == 0)
            .map(|segment| {
                let text = &*self.segment_text[segment as usize];
                match text.starts_with('"') {
                    true => serde_json::from_str(text).unwrap_or_else(|_| text.to_string()),
                    false => text.to_string(),
                }
            })
            .collect()
    }

    /// Keys written twice in one mapping.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// The document's own size (aliases not expanded).
    pub fn census(&self) -> &Census {
        &self.census
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_mapping() {
        let loc = Locations::index(
            "version: 1\nschemas:\n  app: {}\n  \"my s\": { tables: {} }\nroles: [a]\n",
        );
        let mut top = loc.keys_of(&YamlPath::root());
        top.sort();
        assert_eq!(top, ["roles", "schemas", "version"]);
        let mut schemas = loc.keys_of(&YamlPath::root().key("schemas"));
        schemas.sort();
        assert_eq!(schemas, ["app", "my s"]);
        assert!(loc.keys_of(&YamlPath::root().key("roles")).is_empty());
        assert!(loc.keys_of(&YamlPath::root().key("nothing")).is_empty());
    }

    #[test]
    fn paths_render_plain_and_quoted_keys() {
        let p = YamlPath::root()
            .key("roles")
            .key("api_user")
            .key("member_of")
            .index(1);
        assert_eq!(p.as_str(), "roles.api_user.member_of[1]");
        assert_eq!(
            YamlPath::root().key("a b").key("x.y").as_str(),
            r#""a b"."x.y""#
        );
    }

    #[test]
    fn keys_and_items_are_located() {
        let text =
            "version: 1\nroles:\n  app_owner: {}\n  api_user:\n    member_of: [a, { role: b }]\n";
        let loc = Locations::index(text);
        let at = |p: &YamlPath| loc.find(p).to_string();
        let roles = YamlPath::root().key("roles");
        assert_eq!(at(&roles), "2:1");
        assert_eq!(at(&roles.key("app_owner")), "3:3");
        assert_eq!(at(&roles.key("api_user").key("member_of")), "5:5");
        assert_eq!(at(&roles.key("api_user").key("member_of").index(1)), "5:20");
        assert_eq!(
            at(&roles.key("api_user").key("member_of").index(1).key("role")),
            "5:22"
        );
        // Unknown paths fall back to the nearest known ancestor.
        assert_eq!(at(&roles.key("api_user").key("nope")), "4:3");
    }
}
