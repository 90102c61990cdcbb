//! The [`Outline`] of a spec read straight off its lines, before any YAML
//! parsing.
//!
//! The outline only tells `crate::prefetch` which schemas to read the
//! catalog for while the spec parses; the run checks that guess against
//! the validated spec and reads again when it was wrong. So the sooner it is
//! known the better, and it may be wrong, only never unsafe. The YAML
//! parser's first pass gives it after 0.3 s for a 5 MB spec; this scan gives
//! it in milliseconds for specs written in the plain block style (every
//! example and every `export`), and gives up (`None`, the first pass then
//! decides) at anything else: flow style, quoting, anchors, tags, merge
//! keys, tabs.

use super::Outline;

/// The outline of `text` when it is written in plain block style.
pub(crate) fn quick(text: &str) -> Option<Outline> {
    let mut schemas: Option<Vec<String>> = None;
    let mut several_databases = false;
    let mut keys = 0;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "---" && keys == 0 {
            continue;
        }
        if line.starts_with(['\t', '%']) || line.starts_with("---") || line.starts_with("...") {
            // Tabs, directives, several documents: not the plain case.
            return None;
        }
        if line.starts_with(' ') || is_blank(line) {
            continue;
        }
        keys += 1;
        // A top-level key.
        let (key, rest) = key_of(line)?;
        match key {
            "schemas" => {
                if schemas.is_some() || !is_blank(rest) {
                    return None;
                }
                let mut names = Vec::new();
                let mut indent = None;
                while let Some(next) = lines.peek() {
                    if is_blank(next) {
                        lines.next();
                        continue;
                    }
                    let depth = next.len() - next.trim_start_matches(' ').len();
                    if depth == 0 || next.starts_with('\t') {
                        break;
                    }
                    let at = *indent.get_or_insert(depth);
                    if depth < at {
                        return None;
                    }
                    if depth == at {
                        let (name, _) = key_of(&next[depth..])?;
                        names.push(name.to_string());
                    }
                    lines.next();
                }
                schemas = Some(names);
            }
            "databases" => several_databases = true,
            _ => {}
        }
    }
    Some(Outline {
        schemas: schemas.unwrap_or_default(),
        several_databases,
    })
}

/// Whether `line` holds nothing but maybe a comment.
fn is_blank(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// A plain mapping key at the start of `line` and what follows its colon;
/// `None` for anything that is not a plain identifier-like key.
fn key_of(line: &str) -> Option<(&str, &str)> {
    let end = line.find(':')?;
    let key = &line[..end];
    let rest = &line[end + 1..];
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '.'));
    (plain && (rest.is_empty() || rest.starts_with([' ', '#']))).then_some((key, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(schemas: &[&str], several_databases: bool) -> Option<Outline> {
        Some(Outline {
            schemas: schemas.iter().map(|s| s.to_string()).collect(),
            several_databases,
        })
    }

    #[test]
    fn block_style_schemas_are_read_off_the_lines() {
        let text = "version: 1\n# a comment\nroles:\n  app: {}\nschemas:\n  app:\n    owner: app\n    tables:\n      t:\n        columns: [{ name: id, type: int }]\n\n  # between\n  api: {}\n  x-y$1:\n    comment: |\n      schemas:\n        not_a_schema: {}\ndatabase:\n  owner: app\n";
        assert_eq!(quick(text), outline(&["app", "api", "x-y$1"], false));
    }

    #[test]
    fn no_schemas_and_several_databases() {
        assert_eq!(quick("version: 1\n"), outline(&[], false));
        assert_eq!(
            quick("version: 1\ndatabases:\n  a: {}\n"),
            outline(&[], true)
        );
        assert_eq!(quick("---\nversion: 1\n"), outline(&[], false));
    }

    #[test]
    fn anything_but_plain_block_style_gives_up() {
        for text in [
            "schemas: { app: {} }\n",
            "schemas:\n  \"app\": {}\n",
            "schemas: &s\n  app: {}\n",
            "schemas:\n  <<: *base\n",
            "schemas:\n    app: {}\n  api: {}\n",
            "schemas:\n  - app\n",
            "\"schemas\":\n  app: {}\n",
            "<<: *base\n",
            "version: 1\n---\nversion: 1\n",
            "schemas:\n\tapp: {}\n",
            "schemas:\n  app: {}\nschemas:\n  api: {}\n",
        ] {
            assert_eq!(quick(text), None, "{text:?}");
        }
    }
}
