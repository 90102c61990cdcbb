//! YAML paths (`roles.api_user.member_of[0]`) and where they sit in the file.
//!
//! Validation runs after deserialisation, on plain Rust values, so it names
//! what it rejects by path. [`Locations`] maps every path of the document to
//! the line and column of its key (or sequence item), so an error can say
//! `provision.yaml:12:7` without every model type carrying spans.

use serde_saphyr::granit_parser::{Event, Parser};
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
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let segment = if plain {
            key.to_string()
        } else {
            serde_json::to_string(key).unwrap_or_else(|_| key.to_string())
        };
        if self.0.is_empty() {
            YamlPath(segment)
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

/// Every path of a YAML document and its position.
#[derive(Debug, Default, Clone)]
pub struct Locations {
    map: HashMap<YamlPath, LineCol>,
}

enum Frame {
    Mapping {
        path: YamlPath,
        key: Option<YamlPath>,
    },
    Sequence {
        path: YamlPath,
        next: usize,
    },
}

impl Locations {
    /// Indexes `text`; a document that does not parse yields what was seen
    /// before the error (the deserialiser reports the error itself).
    pub fn index(text: &str) -> Self {
        let mut map = HashMap::new();
        map.insert(YamlPath::root(), LineCol { line: 1, column: 1 });
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let at = LineCol {
                line: span.start.line(),
                column: span.start.col() + 1,
            };
            let is_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
                    | Event::Alias(..)
            );
            if is_node {
                // Which path does this node get, and is it a mapping key?
                let node_path = match stack.last_mut() {
                    None => Some(YamlPath::root()),
                    Some(Frame::Sequence { path, next }) => {
                        let p = path.index(*next);
                        *next += 1;
                        map.entry(p.clone()).or_insert(at);
                        Some(p)
                    }
                    Some(Frame::Mapping { path, key }) => match key.take() {
                        Some(value_path) => Some(value_path),
                        None => {
                            let name = match &event {
                                Event::Scalar(value, ..) => value.to_string(),
                                _ => "?".to_string(),
                            };
                            let p = path.key(&name);
                            map.entry(p.clone()).or_insert(at);
                            *key = Some(p);
                            None
                        }
                    },
                };
                match event {
                    Event::MappingStart(..) => stack.push(Frame::Mapping {
                        path: node_path.unwrap_or_default(),
                        key: None,
                    }),
                    Event::SequenceStart(..) => stack.push(Frame::Sequence {
                        path: node_path.unwrap_or_default(),
                        next: 0,
                    }),
                    _ => {}
                }
            } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
            }
        }
        Locations { map }
    }

    /// The deepest path that starts at or before `at` (for parser errors,
    /// which know a position but not a path).
    pub fn path_at(&self, at: LineCol) -> YamlPath {
        self.map
            .iter()
            .filter(|(_, pos)| **pos <= at)
            .max_by(|(pa, a), (pb, b)| a.cmp(b).then(pa.0.len().cmp(&pb.0.len())))
            .map(|(p, _)| p.clone())
            .unwrap_or_default()
    }

    /// The position of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &YamlPath) -> LineCol {
        let mut current = path.as_str();
        loop {
            if let Some(at) = self.map.get(&YamlPath(current.to_string())) {
                return *at;
            }
            match current.rfind(['.', '[']) {
                Some(cut) => current = &current[..cut],
                None => return LineCol { line: 1, column: 1 },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
