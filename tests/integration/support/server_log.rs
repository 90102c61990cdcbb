//! Counting what a client sent, from a PostgreSQL server log written with
//! `log_statement = all` (stderr format, the default `log_line_prefix`).
//!
//! Input: the log text between two byte offsets (what one run produced).
//! Output: every SQL statement the server logged, split and classified by its
//! first keyword ([`Kind`]). A simple-query message holding many statements
//! (`batch_execute`) is logged as one entry, so entries are split on top-level
//! semicolons, respecting quotes, dollar quotes and comments.
//!
//! Used by `scripts/bench` (through `examples/bench.rs`) to prove that a no-op
//! run sends no DDL, no savepoint and no write. Only `std` is used.

use std::collections::BTreeMap;

/// What a statement does, by its first keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `SELECT`, `WITH`, `SHOW`, `VALUES`, `TABLE`, `EXPLAIN`, `FETCH`, … —
    /// except a `SELECT` calling `setval(`/`nextval(`, which is a write —
    /// and `PREPARE`/`EXECUTE` (pg_dump's prepared catalog queries).
    Read,
    /// `BEGIN`, `START`, `COMMIT`, `END`, `ROLLBACK`, `SET`, `RESET`, `DISCARD`.
    Transaction,
    /// `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`.
    Savepoint,
    /// `CREATE`, `ALTER`, `DROP`, `GRANT`, `REVOKE`, `COMMENT`, `SECURITY LABEL`,
    /// `REINDEX`, `REFRESH`, `CLUSTER`, `VACUUM`, `ANALYZE`, `REASSIGN`, `IMPORT`,
    /// temporary objects included.
    Ddl,
    /// `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY`, `TRUNCATE`, and a
    /// `SELECT` that moves a sequence.
    Write,
    /// `LOCK`.
    Lock,
    /// Anything else (`DO`, `CALL`, `PREPARE`, …): could do anything.
    Other,
}

impl Kind {
    /// The column name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Transaction => "transaction",
            Kind::Savepoint => "savepoint",
            Kind::Ddl => "ddl",
            Kind::Write => "write",
            Kind::Lock => "lock",
            Kind::Other => "other",
        }
    }

    /// Every kind, in report order.
    pub const ALL: [Kind; 7] = [
        Kind::Read,
        Kind::Transaction,
        Kind::Savepoint,
        Kind::Ddl,
        Kind::Write,
        Kind::Lock,
        Kind::Other,
    ];
}

/// Counts of one run's statements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Statements per kind.
    pub by_kind: BTreeMap<Kind, usize>,
    /// Statements per kind that are about temporary objects (a `pg_temp.`
    /// qualified name, or `TEMP`/`TEMPORARY` among the first words).
    pub temp: BTreeMap<Kind, usize>,
    /// Log entries (messages the client sent that the server logged).
    pub messages: usize,
}

impl Counts {
    /// All statements.
    pub fn total(&self) -> usize {
        self.by_kind.values().sum()
    }

    /// Statements of one kind.
    pub fn get(&self, kind: Kind) -> usize {
        self.by_kind.get(&kind).copied().unwrap_or(0)
    }

    /// Statements of one kind about temporary objects.
    pub fn temp(&self, kind: Kind) -> usize {
        self.temp.get(&kind).copied().unwrap_or(0)
    }
}

/// Classifies every statement logged in `log` (a slice of a server log).
pub fn count(log: &str) -> Counts {
    let mut counts = Counts::default();
    for entry in statement_entries(log) {
        counts.messages += 1;
        for statement in split(&entry) {
            let kind = classify(&statement);
            if is_temp(&statement) {
                *counts.temp.entry(kind).or_default() += 1;
            }
            *counts.by_kind.entry(kind).or_default() += 1;
        }
    }
    counts
}

/// The SQL text of each `LOG:  statement: …` and `LOG:  execute <name>: …`
/// entry. Continuation lines of a multi-line entry start with a tab (the
/// server inserts one after every newline of a message).
pub fn statement_entries(log: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut current: Option<String> = None;
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix('\t') {
            if let Some(text) = current.as_mut() {
                text.push('\n');
                text.push_str(rest);
            }
            continue;
        }
        entries.extend(current.take());
        current = statement_text(line).map(str::to_owned);
    }
    entries.extend(current);
    entries
}

/// The statement of one log line that starts an entry, if it logs one.
fn statement_text(line: &str) -> Option<&str> {
    let (_, message) = line.split_once("LOG:  ")?;
    if let Some(sql) = message.strip_prefix("statement: ") {
        return Some(sql);
    }
    // Extended protocol: `execute <unnamed>: SELECT …`, `execute s3: …`.
    let rest = message.strip_prefix("execute ")?;
    let (_, sql) = rest.split_once(": ")?;
    Some(sql)
}

/// Splits SQL text into statements on top-level semicolons; comments and
/// blank statements are dropped.
pub fn split(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let rest = &sql[i..];
        let skip = if rest.starts_with("--") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            block_comment_len(rest)
        } else {
            0
        };
        if skip > 0 {
            current.push(' ');
            i += skip;
            continue;
        }
        let len = match c {
            b'\'' => quoted_len(rest, b'\'', is_escape_string(&sql[..i])),
            b'"' => quoted_len(rest, b'"', false),
            b'$' => dollar_quoted_len(rest).unwrap_or(1),
            b';' => {
                push_statement(&mut statements, &current);
                current.clear();
                i += 1;
                continue;
            }
            _ => rest.chars().next().map_or(1, char::len_utf8),
        };
        current.push_str(&rest[..len]);
        i += len;
    }
    push_statement(&mut statements, &current);
    statements
}

fn push_statement(statements: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        statements.push(text.to_owned());
    }
}

/// Length of a (nested) block comment at the start of `text`.
fn block_comment_len(text: &str) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    text.len()
}

/// Whether the quote about to open is an `E'…'` string (backslash escapes).
fn is_escape_string(before: &str) -> bool {
    let mut tail = before.chars().rev();
    matches!(tail.next(), Some('e' | 'E'))
        && !tail
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Length of a quoted literal or identifier at the start of `text` (doubled
/// quotes stay inside; with `backslash`, `\'` too).
fn quoted_len(text: &str, quote: u8, backslash: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if backslash && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Length of a dollar-quoted string (`$$…$$`, `$tag$…$tag$`) at the start of
/// `text`; `None` when the `$` opens none (`$1`, a name containing `$`).
fn dollar_quoted_len(text: &str) -> Option<usize> {
    let end = text[1..].find('$')? + 1;
    let tag = &text[1..end];
    let valid = tag
        .chars()
        .next()
        .is_none_or(|c| c.is_alphabetic() || c == '_')
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let delimiter = &text[..=end];
    let close = text[end + 1..].find(delimiter)?;
    Some(end + 1 + close + delimiter.len())
}

/// The kind of one statement, by its first keyword.
pub fn classify(statement: &str) -> Kind {
    let mut words = statement
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    let first = words.next().unwrap_or_default();
    match first.as_str() {
        "SELECT" => {
            let lower = statement.to_ascii_lowercase();
            if lower.contains("setval(") || lower.contains("nextval(") {
                Kind::Write
            } else {
                Kind::Read
            }
        }
        "WITH" | "SHOW" | "VALUES" | "TABLE" | "EXPLAIN" | "FETCH" | "DECLARE" | "CLOSE"
        | "MOVE" | "PREPARE" | "EXECUTE" => Kind::Read,
        "ROLLBACK" if words.next().as_deref() == Some("TO") => Kind::Savepoint,
        "SAVEPOINT" | "RELEASE" => Kind::Savepoint,
        "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SET" | "RESET"
        | "DISCARD" => Kind::Transaction,
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "TRUNCATE" => Kind::Write,
        "CREATE" | "ALTER" | "DROP" | "GRANT" | "REVOKE" | "COMMENT" | "SECURITY" | "REINDEX"
        | "REFRESH" | "CLUSTER" | "VACUUM" | "ANALYZE" | "REASSIGN" | "IMPORT" => Kind::Ddl,
        "LOCK" => Kind::Lock,
        _ => Kind::Other,
    }
}

/// Whether a statement is about a temporary object: a name qualified with
/// `pg_temp` (not merely `pg_temp` in a `search_path`), or `TEMP` among the
/// first words (`CREATE TEMP TABLE`).
fn is_temp(statement: &str) -> bool {
    let upper = statement.to_ascii_uppercase();
    upper.contains("PG_TEMP.")
        || upper.contains("\"PG_TEMP\".")
        || upper
            .split_whitespace()
            .take(3)
            .any(|w| w == "TEMP" || w == "TEMPORARY")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str =
        "2026-12-02 00:12:34.567 UTC [1234] LOG:  statement: BEGIN; SELECT pg_advisory_xact_lock(1)
2026-12-02 00:12:34.570 UTC [1234] LOG:  execute <unnamed>: SELECT a FROM t WHERE b = $1
2026-12-02 00:12:34.570 UTC [1234] DETAIL:  parameters: $1 = 'x; DROP TABLE t'
2026-12-02 00:12:34.571 UTC [1234] LOG:  statement: SAVEPOINT probe;
\tCREATE TEMP TABLE t (a int DEFAULT 'a;b');
\tCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $pgp$ SELECT 1; $pgp$;
\t-- a comment; with a semicolon
\tROLLBACK TO SAVEPOINT probe; INSERT INTO \"we;ird\" VALUES (E'it\\'s; fine')
2026-12-02 00:12:34.572 UTC [1234] ERROR:  relation \"x\" does not exist
2026-12-02 00:12:34.572 UTC [1234] STATEMENT:  SELECT * FROM x
2026-12-02 00:12:34.573 UTC [1234] LOG:  statement: SELECT setval('s', 5); ROLLBACK
";

    #[test]
    fn counts_each_statement_of_each_logged_message_by_kind() {
        let counts = count(LOG);
        assert_eq!(counts.messages, 4);
        assert_eq!(counts.get(Kind::Transaction), 2, "{counts:?}");
        assert_eq!(counts.get(Kind::Read), 2, "{counts:?}");
        assert_eq!(counts.get(Kind::Savepoint), 2, "{counts:?}");
        assert_eq!(counts.get(Kind::Ddl), 2, "{counts:?}");
        assert_eq!(counts.temp(Kind::Ddl), 1, "{counts:?}");
        assert_eq!(counts.get(Kind::Write), 2, "{counts:?}");
        assert_eq!(counts.temp(Kind::Write), 0, "{counts:?}");
        assert_eq!(counts.total(), 10);
    }

    #[test]
    fn splitting_respects_quotes_dollar_quotes_and_comments() {
        assert_eq!(
            split("SELECT 'a;b', \"c;d\", $x$;$x$, $1; /* ; /* ; */ */ SELECT 2;;"),
            ["SELECT 'a;b', \"c;d\", $x$;$x$, $1", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT E'\\';'; SELECT 'it''s;'"),
            ["SELECT E'\\';'", "SELECT 'it''s;'"]
        );
        assert_eq!(split("-- only a comment; really\n"), Vec::<String>::new());
    }

    #[test]
    fn first_keyword_decides() {
        assert_eq!(classify("rollback to savepoint a"), Kind::Savepoint);
        assert_eq!(classify("ROLLBACK"), Kind::Transaction);
        assert_eq!(classify("grant select on t to r"), Kind::Ddl);
        assert_eq!(classify("LOCK TABLE t"), Kind::Lock);
        assert_eq!(classify("DO $$ BEGIN END $$"), Kind::Other);
        assert_eq!(classify("(SELECT 1)"), Kind::Read);
        assert_eq!(classify("EXECUTE getColumnACLs('16407')"), Kind::Read);
    }

    #[test]
    fn temporary_means_a_pg_temp_name_not_a_search_path() {
        assert!(is_temp("INSERT INTO pg_temp.answers VALUES (1)"));
        assert!(is_temp("CREATE POLICY p ON \"pg_temp\".\"t\" USING (true)"));
        assert!(is_temp("create temporary table t (a int)"));
        assert!(!is_temp(
            "ALTER FUNCTION s.f() SET search_path = pg_catalog, pg_temp"
        ));
    }
}
