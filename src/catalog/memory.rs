//! pg-provision's memory: how this server printed the spec's expressions.
//!
//! Comparing a spec expression with the catalog needs the server's own
//! rendering of it, which costs a probe (DDL on scratch objects in
//! `pg_temp`, see [`super::shadow`]). The answer depends only on the probe's
//! question, the server version and the search path, so `apply` keeps it in
//! a table of the database, `pgprovision.memory`, under a hash of those
//! ([`Row`]s). Each row also keeps the fingerprint of the live object it was
//! found equal to and that object's printed texts: while the object's
//! fingerprint is unchanged, later runs know its texts without printing them
//! (printing locks the table).
//!
//! It is a cache. A missing, stale or unreadable memory only costs time:
//! what it does not answer is probed and printed as before. `check` and
//! `plan` read it (everyone may: the texts are what `pg_policy`, `pg_proc`
//! and `pg_views` show anyway) and never write it; `apply` writes it, in its
//! own transaction, only when what it would hold differs from what it holds.

use super::scope::STATE_SCHEMA;
use crate::quote::{ident, literal};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The table, schema-qualified.
pub fn table() -> String {
    format!("{}.memory", ident(STATE_SCHEMA))
}

/// One remembered answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The server's answer to the probe (what `Catalog::canonical` holds).
    /// Shared between rows with the same answer (see [`read_query`]).
    pub answer: Arc<str>,
    /// The live object's printed texts when it was found equal to `answer`.
    pub live: String,
    /// The live object's fingerprint then.
    pub fp: String,
}

/// Rows by key.
pub type Memory = BTreeMap<String, Row>;

/// The query reading every row, as one [`Document`] (see [`rows`]): the
/// distinct answers once (`[answer, …]`), then the rows by key
/// (`{key: [answer's index, live, fp]}`). Thousands of same-shaped tables
/// have the same answer: at 10,000 tables sending it once per row made the
/// memory 14 MB of the catalog read.
pub fn read_query() -> String {
    format!(
        "WITH a AS (SELECT d.answer, pg_catalog.row_number() OVER () - 1 AS i
           FROM (SELECT DISTINCT answer FROM {t}) d)
         SELECT json_build_array(
           (SELECT coalesce(json_agg(a.answer ORDER BY a.i), '[]') FROM a),
           (SELECT coalesce(json_object_agg(m.key, json_build_array(a.i, m.live, m.fp)), '{{}}')
              FROM {t} m JOIN a ON a.answer = m.answer))::text",
        t = table()
    )
}

/// The document [`read_query`] returns: the distinct answers, then each
/// row's answer index, live texts and fingerprint by key.
pub type Document = (Vec<String>, BTreeMap<String, (usize, String, String)>);

/// The rows of a [`Document`], each answer shared by the rows with it; `Err`
/// names a row whose answer index is not in the list.
pub fn rows((answers, rows): Document) -> Result<Memory, String> {
    let answers: Vec<Arc<str>> = answers.into_iter().map(Arc::from).collect();
    rows.into_iter()
        .map(|(key, (i, live, fp))| {
            let answer = answers
                .get(i)
                .cloned()
                .ok_or_else(|| format!("answer {i} of row {key} is not in the list"))?;
            Ok((key, Row { answer, live, fp }))
        })
        .collect()
}

/// Statements creating the schema and table if they do not exist, readable
/// by everyone (a monitoring role with only CONNECT reads it).
pub fn create_sql() -> String {
    let schema = ident(STATE_SCHEMA);
    let t = table();
    format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};\n\
         COMMENT ON SCHEMA {schema} IS {};\n\
         CREATE TABLE IF NOT EXISTS {t} (key text PRIMARY KEY, answer text NOT NULL, live text NOT NULL, fp text NOT NULL);\n\
         GRANT USAGE ON SCHEMA {schema} TO PUBLIC;\n\
         GRANT SELECT ON {t} TO PUBLIC",
        literal(
            "pg-provision's memory of how this server prints the spec's expressions: a cache, safe to drop"
        )
    )
}

/// Rows per `INSERT`: keeps statements a few hundred kilobytes.
const ROWS_PER_INSERT: usize = 500;

/// The statements turning `old` into `new`: delete rows no longer wanted,
/// upsert new and changed ones. Empty when they are equal.
pub fn write_sql(old: &Memory, new: &Memory) -> String {
    let t = table();
    let mut sql = String::new();
    let gone: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|k| literal(k))
        .collect();
    for chunk in gone.chunks(ROWS_PER_INSERT * 4) {
        sql.push_str(&format!(
            "DELETE FROM {t} WHERE key IN ({});\n",
            chunk.join(", ")
        ));
    }
    let changed: Vec<String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| {
            format!(
                "({}, {}, {}, {})",
                literal(k),
                literal(&v.answer),
                literal(&v.live),
                literal(&v.fp)
            )
        })
        .collect();
    for chunk in changed.chunks(ROWS_PER_INSERT) {
        sql.push_str(&format!(
            "INSERT INTO {t} (key, answer, live, fp) VALUES {}\n  ON CONFLICT (key) DO UPDATE SET answer = EXCLUDED.answer, live = EXCLUDED.live, fp = EXCLUDED.fp;\n",
            chunk.join(",\n  ")
        ));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Memory, String> {
        rows(serde_json::from_str(text).map_err(|e| e.to_string())?)
    }

    #[test]
    fn rows_share_their_answers() {
        let m =
            decode(r#"[["x","it's"],{"a":[0,"l","1"],"b":[1,"l","2"],"c":[0,"m","3"]}]"#).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(&*m["b"].answer, "it's");
        assert!(Arc::ptr_eq(&m["a"].answer, &m["c"].answer));
        assert_eq!(m["c"].live, "m");
        assert!(decode(r#"[[],{"a":[0,"l","1"]}]"#).is_err());
        assert!(decode(r#"[[],{}]"#).unwrap().is_empty());
    }

    fn row(answer: &str) -> Row {
        Row {
            answer: answer.into(),
            live: answer.into(),
            fp: "1".into(),
        }
    }

    #[test]
    fn writes_only_what_differs() {
        let old = Memory::from([("a".into(), row("x")), ("b".into(), row("y"))]);
        let new = Memory::from([("a".into(), row("x")), ("c".into(), row("it's"))]);
        assert_eq!(
            write_sql(&old, &new),
            "DELETE FROM \"pgprovision\".memory WHERE key IN ('b');\n\
             INSERT INTO \"pgprovision\".memory (key, answer, live, fp) VALUES ('c', 'it''s', 'it''s', '1')\n  \
             ON CONFLICT (key) DO UPDATE SET answer = EXCLUDED.answer, live = EXCLUDED.live, fp = EXCLUDED.fp;\n"
        );
        assert_eq!(write_sql(&new, &new), "");
    }
}
