//! Matching a declared function's `args:` against the catalog.
//!
//! The server is the authority on how a signature is spelled: the catalog
//! reads, for every function, `pg_get_function_identity_arguments` (names
//! and types) and `oidvectortypes(proargtypes)` (types only, as
//! `format_type` renders them: `integer`, `character varying`,
//! `timestamp with time zone`). The declared text is normalised towards that
//! spelling — case outside quotes, whitespace, type modifiers, the common
//! aliases (`int`, `varchar`, `timestamptz`, …), argument modes — and then
//! compared parameter by parameter with the server's types, each declared
//! parameter being either the type alone or one name followed by the type.
//! Statements then use the server's identity arguments, never the declared text.

/// Whether declared `args` denote the function whose argument types the
/// server renders as `arg_types`.
pub fn matches(args: &str, arg_types: &str) -> bool {
    let declared: Vec<String> = split(&lower_outside_quotes(args))
        .into_iter()
        .filter_map(|p| declared_param(&p))
        .collect();
    let actual: Vec<String> = split(&lower_outside_quotes(arg_types))
        .into_iter()
        .map(|t| words(&t).join(" "))
        .collect();
    declared.len() == actual.len()
        && declared.iter().zip(&actual).all(|(d, t)| {
            d == t
                || d.strip_suffix(t.as_str())
                    .and_then(|name| name.strip_suffix(' '))
                    .is_some_and(|name| words(name).len() == 1)
        })
}

/// Whether a declared argument list has `OUT` or `INOUT` parameters (which
/// decide a function's result type when `RETURNS` is left out).
pub fn has_output_params(args: &str) -> bool {
    split(&lower_outside_quotes(args))
        .iter()
        .any(|p| matches!(words(p).first().map(String::as_str), Some("out" | "inout")))
}

/// One declared parameter without its mode and type modifiers, with
/// canonical type names; `None` for OUT parameters, which are not part of
/// the identity.
fn declared_param(p: &str) -> Option<String> {
    let mut w = words(&strip_typmods(p));
    // A default (`DEFAULT 10`, `= 10`) is not part of the type.
    if let Some(at) = w.iter().position(|x| x == "default" || x.starts_with('=')) {
        w.truncate(at);
    }
    if let Some(last) = w.last_mut()
        && !last.starts_with('"')
        && let Some(at) = last.find('=')
    {
        last.truncate(at);
    }
    match w.first().map(String::as_str) {
        Some("out") => return None,
        Some("in" | "inout" | "variadic") => {
            w.remove(0);
        }
        _ => {}
    }
    let mut out: Vec<String> = Vec::new();
    for (i, word) in w.iter().enumerate() {
        let (base, array) = match word.find('[') {
            Some(at) => (&word[..at], &word[at..]),
            None => (word.as_str(), ""),
        };
        let next = w.get(i + 1).map(String::as_str);
        let prev = i.checked_sub(1).and_then(|j| w.get(j)).map(String::as_str);
        // `time` in `… with time zone` is not a type of its own.
        let zoned =
            matches!(next, Some("with" | "without")) || matches!(prev, Some("with" | "without"));
        let canonical = match base {
            "int" | "int4" => "integer",
            "int8" => "bigint",
            "int2" => "smallint",
            "bool" => "boolean",
            "varchar" => "character varying",
            "char" => "character",
            "float" | "float8" => "double precision",
            "float4" => "real",
            "decimal" => "numeric",
            "timestamptz" => "timestamp with time zone",
            "timetz" => "time with time zone",
            "varbit" => "bit varying",
            "timestamp" if !zoned => "timestamp without time zone",
            "time" if !zoned => "time without time zone",
            other => other,
        };
        out.push(format!("{canonical}{array}"));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// Lower-cases everything outside double quotes.
fn lower_outside_quotes(text: &str) -> String {
    let mut quoted = false;
    text.chars()
        .map(|c| {
            if c == '"' {
                quoted = !quoted;
            }
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// Splits at commas outside parentheses and quotes (a default's string
/// literal included); an empty list gives none.
fn split(text: &str) -> Vec<String> {
    let (mut depth, mut quoted, mut literal) = (0, false, false);
    let mut parts = vec![String::new()];
    for c in text.chars() {
        match c {
            '\'' if !quoted => literal = !literal,
            _ if literal => {}
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("never empty").push(c);
    }
    let parts: Vec<String> = parts.into_iter().map(|p| p.trim().to_string()).collect();
    if parts.len() == 1 && parts[0].is_empty() {
        Vec::new()
    } else {
        parts
    }
}

/// Removes parenthesised type modifiers such as `(255)` or `(10, 2)`.
fn strip_typmods(text: &str) -> String {
    let (mut depth, mut quoted) = (0, false);
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                continue;
            }
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            out.push(c);
        }
    }
    out
}

/// Whitespace-separated words, quoted names kept whole (a `[]` written
/// apart is glued back on).
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let (mut current, mut quoted) = (String::new(), false);
    for c in text.chars().chain(std::iter::once(' ')) {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if current.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if current.starts_with('[') => last.push_str(&current),
                _ => out.push(current.clone()),
            }
            current.clear();
        } else {
            current.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn names_types_aliases_and_modes() {
        assert!(matches("p_username text, p_password text", "text, text"));
        assert!(matches("text,TEXT", "text, text"));
        assert!(matches("", ""));
        assert!(matches("  ", ""));
        assert!(matches("IN a int", "integer"));
        assert!(matches(
            "a int4, b varchar(255), c numeric(10, 2)",
            "integer, character varying, numeric"
        ));
        assert!(matches(
            "at timestamptz, t timestamp",
            "timestamp with time zone, timestamp without time zone"
        ));
        assert!(matches(
            "at timestamp(3) with time zone",
            "timestamp with time zone"
        ));
        assert!(matches(
            "ids int[], VARIADIC rest text []",
            "integer[], text[]"
        ));
        assert!(matches("x double precision, OUT y int", "double precision"));
        assert!(matches(r#""Odd Name" "MyType""#, r#""MyType""#));
        assert!(matches("v app.mood", "app.mood"));
        assert!(matches("IN days integer DEFAULT 1", "integer"));
        assert!(matches(
            "n int = 10, m text DEFAULT 'a, b'",
            "integer, text"
        ));
        assert!(matches("n int=10", "integer"));
    }

    #[test]
    fn output_params() {
        use super::has_output_params;
        assert!(has_output_params("a int, OUT b int"));
        assert!(has_output_params("INOUT x text"));
        assert!(!has_output_params("\"out\" int, output text"));
        assert!(!has_output_params(""));
    }

    #[test]
    fn mismatches() {
        assert!(!matches("text", "text, text"));
        assert!(!matches("a integer", "bigint"));
        assert!(!matches("a b integer", "integer"));
        assert!(!matches(r#""mytype""#, r#""MyType""#));
        assert!(!matches("", "integer"));
    }
}
