//! Names mentioned in SQL text, without parsing it: enough to tell which
//! relations a view's query reads, which schemas a spec's expressions point
//! into, and what a remembered expression depends on. String literals and
//! comments are skipped; unquoted names are folded to lower case.

#[derive(PartialEq)]
enum Token {
    Name(String),
    Dot,
    Other,
}

/// The names, dots and other tokens of `query`; string literals and
/// comments are skipped (a literal is one `Other`), unquoted names folded to
/// lower case.
fn tokens(query: &str) -> Vec<Token> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            tokens.push(Token::Other);
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let mut name = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        name.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            i += 1;
            tokens.push(Token::Name(name));
        } else if c.is_alphabetic() || c == '_' {
            let mut name = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                name.push(chars[i].to_ascii_lowercase());
                i += 1;
            }
            tokens.push(Token::Name(name));
        } else if c == '.' {
            tokens.push(Token::Dot);
            i += 1;
        } else {
            if !c.is_whitespace() {
                tokens.push(Token::Other);
            }
            i += 1;
        }
    }
    tokens
}

/// Every name `tokens` holds, with its qualifier when it has one.
fn names(tokens: &[Token]) -> impl Iterator<Item = (usize, Option<String>, &String)> {
    tokens.iter().enumerate().filter_map(|(j, t)| {
        let Token::Name(name) = t else { return None };
        let qualifier = match (
            j.checked_sub(2).map(|k| &tokens[k]),
            j.checked_sub(1).map(|k| &tokens[k]),
        ) {
            (Some(Token::Name(q)), Some(Token::Dot)) => Some(q.clone()),
            _ => None,
        };
        Some((j, qualifier, name))
    })
}

/// Names a query mentions: `(Some(qualifier), name)` for `qualifier.name`,
/// `(None, name)` for a bare name — qualifiers too are listed bare.
/// Unquoted names are folded to lower case; string literals and comments
/// are skipped.
pub fn references(query: &str) -> Vec<(Option<String>, String)> {
    let tokens = tokens(query);
    names(&tokens).map(|(_, q, n)| (q, n.clone())).collect()
}

/// Every name a query mentions, qualifiers included: the names of
/// [`references`], flattened, in order and with repeats, without the
/// pairing (cheaper, for memory keys of large specs).
pub fn mentioned(query: &str) -> Vec<String> {
    tokens(query)
        .into_iter()
        .filter_map(|t| match t {
            Token::Name(name) => Some(name),
            _ => None,
        })
        .collect()
}

/// Like [`references`], without names that only qualify another
/// (`app` of `app.users`): the relations a query may read, over-inclusive
/// on purpose (column names appear too), for looking up declared ones.
pub fn relations(query: &str) -> Vec<(Option<String>, String)> {
    let tokens = tokens(query);
    names(&tokens)
        .filter(|(j, _, _)| tokens.get(j + 1) != Some(&Token::Dot))
        .map(|(_, q, n)| (q, n.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{references, relations};

    #[test]
    fn references_qualified_and_bare_names_skipping_literals_and_comments() {
        let refs = references(
            "SELECT u.id, 'api.fake' FROM api.\"Users\" u -- app.commented\n JOIN tasks t ON /* x.y */ true",
        );
        assert!(refs.contains(&(Some("api".into()), "Users".into())));
        assert!(refs.contains(&(None, "tasks".into())));
        assert!(refs.contains(&(Some("u".into()), "id".into())));
        assert!(
            !refs
                .iter()
                .any(|(_, n)| n == "fake" || n == "commented" || n == "y")
        );
    }

    #[test]
    fn mentioned_is_references_flattened() {
        for query in [
            "SELECT u.id, 'api.fake' FROM api.\"Users\" u -- app.commented\n JOIN tasks t ON /* x.y */ true",
            "CREATE POLICY \"p\" ON \"pg_temp\".\"t0001\" USING (owner_name = current_user)",
            "a.b.c d . e",
        ] {
            let flattened: Vec<String> = references(query)
                .into_iter()
                .flat_map(|(q, n)| q.into_iter().chain([n]))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut names = super::mentioned(query);
            names.sort_unstable();
            names.dedup();
            assert_eq!(names, flattened, "{query}");
        }
    }

    #[test]
    fn relations_finds_qualified_and_bare_names() {
        let m = relations(
            "SELECT u.id, 'app.not_this' FROM app.users u -- other.no\n JOIN \"Odd Schema\".\"T\" t ON true JOIN plain p /* x.y */",
        );
        assert!(m.contains(&(Some("app".into()), "users".into())), "{m:?}");
        assert!(
            m.contains(&(Some("Odd Schema".into()), "T".into())),
            "{m:?}"
        );
        assert!(m.contains(&(None, "plain".into())), "{m:?}");
        assert!(m.contains(&(Some("u".into()), "id".into())), "{m:?}");
        assert!(
            !m.contains(&(None, "app".into())),
            "a qualifier alone: {m:?}"
        );
        assert!(
            !m.iter()
                .any(|(_, n)| n == "not_this" || n == "no" || n == "y"),
            "{m:?}"
        );
    }
}
