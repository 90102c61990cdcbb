//! Expressions as the server itself prints them.
//!
//! A policy's `USING`, a check constraint, a column default or a view's query
//! come back from the catalog normalised (`pg_get_expr`, `pg_get_viewdef`):
//! `price > 0` is stored as `(price > (0)::numeric)`. Comparing that with what
//! the spec says would flap forever. So the desired expressions are given to
//! the server too: each [`Probe`] creates a scratch object in `pg_temp` (a
//! temporary table with the real one's columns, a temporary view, …) and
//! reads its canonical text back, inside a savepoint that is rolled back.
//!
//! Probing is the expensive path (DDL, the TEMPORARY privilege): a probe's
//! answer depends only on its [`Probe::question`], so pg-provision remembers
//! answers in the database ([`super::memory`]) and probes only what it has
//! not seen. Probes run in chunks, each in its own savepoint: rolling a
//! savepoint back releases the locks its scratch objects took, so any number
//! of probes fits in the lock table. Data probes (seed rows, NULL counts)
//! have no question: they are plain `SELECT`s, run outside any savepoint.

use super::CatalogError;
use crate::session::Session;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A scratch table several probes build on: created once, used by each
/// probe in turn, dropped after them (so same-named tables of two schemas
/// never meet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scratch {
    /// The real table it copies (`"schema"."table"`): probes share a
    /// scratch table only when they are about the same table (two schemas'
    /// same-named tables may have the same columns).
    pub of: String,
    /// `CREATE TEMP TABLE …`.
    pub create: String,
    /// `DROP TABLE …`.
    pub drop: String,
}

/// What a probe is about: decides how its answer is fingerprinted, restored
/// and derived from the live catalog (see `crate::observe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A declared policy that exists.
    Policy {
        /// Schema of the table.
        schema: String,
        /// The table.
        table: String,
        /// The policy.
        name: String,
    },
    /// A declared trigger that exists.
    Trigger {
        /// Schema of the table.
        schema: String,
        /// The table.
        table: String,
        /// The trigger.
        name: String,
    },
    /// A declared view with its query.
    View {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
    },
    /// A declared function or procedure with its body.
    Routine {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// The arguments as declared.
        args: String,
    },
    /// The spec's definition of an existing table: these columns' types,
    /// defaults and generation expressions, these check constraints, and
    /// these indexes (by position in the spec, and name).
    Table {
        /// Schema.
        schema: String,
        /// The table.
        table: String,
        /// Spec columns that exist live: (name, whether serial).
        columns: Vec<(String, bool)>,
        /// Spec check constraints that exist live.
        checks: Vec<String>,
        /// Spec indexes that exist live: (position in the spec, name).
        indexes: Vec<(usize, String)>,
        /// Name prefix of the scratch table's indexes (`<prefix>_i<k>`).
        scratch: String,
    },
    /// Rows of a user table (seed rows, NULL counts): read every time.
    Data {
        /// Schema.
        schema: String,
        /// The table.
        table: String,
    },
}

impl Subject {
    /// What it is, for people: ``policy `p` on table `s.t` ``.
    pub fn label(&self) -> String {
        match self {
            Subject::Policy {
                schema,
                table,
                name,
            } => format!("policy `{name}` on table `{schema}.{table}`"),
            Subject::Trigger {
                schema,
                table,
                name,
            } => format!("trigger `{name}` on table `{schema}.{table}`"),
            Subject::View { schema, name } => format!("query of view `{schema}.{name}`"),
            Subject::Routine { schema, name, args } => {
                format!("arguments of function `{schema}.{name}({args})`")
            }
            Subject::Table { schema, table, .. } => {
                format!("column defaults, checks and indexes of table `{schema}.{table}`")
            }
            Subject::Data { schema, table } => format!("rows of table `{schema}.{table}`"),
        }
    }
}

/// Something a run could not compare, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncompared {
    /// What ([`Subject::label`]).
    pub what: String,
    /// Why (lowercase, no trailing period).
    pub reason: String,
}

/// One expression (or set of rows) to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Key under which the answer is stored in `Catalog::canonical`.
    pub key: String,
    /// The scratch table this probe builds on, if any (shared by adjacent
    /// probes with the same one).
    pub scratch: Option<Scratch>,
    /// Statements creating this probe's scratch objects (in `pg_temp`), already quoted.
    pub setup: Vec<String>,
    /// A scalar query returning the answer.
    pub read: Read,
    /// What the answer depends on; `None` for data probes, whose answer
    /// depends on rows and is never remembered.
    pub question: Option<String>,
    /// What it is about.
    pub subject: Subject,
}

impl Probe {
    /// Whether running it needs DDL (a savepoint, TEMPORARY).
    pub fn is_ddl(&self) -> bool {
        self.scratch.is_some() || !self.setup.is_empty()
    }

    /// The full text its answer depends on, for a memory key.
    pub fn full_question(&self) -> Option<String> {
        let q = self.question.as_ref()?;
        let mut s = String::new();
        if let Some(scratch) = &self.scratch {
            s.push_str(&scratch.create);
            s.push('\n');
        }
        s.push_str(q);
        Some(s)
    }
}

/// A probe's scalar query returning its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Written out.
    Sql(String),
    /// The shape, with texts, of the scratch table `pg_temp.<name>`
    /// (`name` unquoted). Written out only when the probe runs: it is a few
    /// kilobytes of SQL per table, and most probes never run (the memory
    /// settles them) — 10,000 tables held 80 MB of it.
    ScratchShape(String),
}

impl Read {
    /// The query.
    pub fn sql(&self) -> Cow<'_, str> {
        match self {
            Read::Sql(sql) => Cow::Borrowed(sql),
            Read::ScratchShape(name) => Cow::Owned(format!(
                "SELECT {}::text",
                super::tables::shape(
                    &format!(
                        "{}::regclass",
                        crate::quote::literal(&format!("pg_temp.{}", crate::quote::ident(name)))
                    ),
                    super::tables::Detail::Texts
                )
            )),
        }
    }
}

impl From<String> for Read {
    fn from(sql: String) -> Self {
        Read::Sql(sql)
    }
}

impl From<&str> for Read {
    fn from(sql: &str) -> Self {
        Read::Sql(sql.to_string())
    }
}

const SAVEPOINT: &str = "pg_provision_probe";

/// How many scratch objects one savepoint holds before it is rolled back:
/// each takes a few locks until then, and the lock table is shared.
pub const CHUNK: usize = 100;

/// The script for `probes` (DDL probes in savepoint chunks, then data
/// probes), and the keys of the SELECTs in the order they return rows.
pub fn script(probes: &[Probe]) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut order = Vec::new();
    let (ddl, data): (Vec<&Probe>, Vec<&Probe>) = probes.iter().partition(|p| p.is_ddl());
    // Probes sharing a scratch table run one after the other.
    let mut groups: Vec<(Option<&Scratch>, Vec<&Probe>)> = Vec::new();
    for p in ddl {
        match groups
            .iter_mut()
            .find(|(s, _)| s.is_some() && *s == p.scratch.as_ref())
        {
            Some((_, members)) => members.push(p),
            None => groups.push((p.scratch.as_ref(), vec![p])),
        }
    }
    let mut in_chunk = 0;
    for (scratch, members) in groups {
        if in_chunk == 0 {
            sql.push_str(&format!("SAVEPOINT {SAVEPOINT};\n"));
        }
        if let Some(s) = scratch {
            sql.push_str(&s.create);
            sql.push_str(";\n");
        }
        for p in members {
            for s in &p.setup {
                sql.push_str(s);
                sql.push_str(";\n");
            }
            sql.push_str(&format!("SELECT ({});\n", p.read.sql()));
            order.push(p.key.clone());
            in_chunk += 1;
        }
        if let Some(s) = scratch {
            sql.push_str(&s.drop);
            sql.push_str(";\n");
        }
        if in_chunk >= CHUNK {
            sql.push_str(&release());
            in_chunk = 0;
        }
    }
    if in_chunk > 0 {
        sql.push_str(&release());
    }
    for p in data {
        sql.push_str(&format!("SELECT ({});\n", p.read.sql()));
        order.push(p.key.clone());
    }
    (sql, order)
}

fn release() -> String {
    format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT};\n")
}

/// Runs every probe in one round trip and returns key → answer. The
/// scratch objects never survive: their savepoints are rolled back.
pub fn probe(
    session: &mut Session,
    probes: &[Probe],
) -> Result<BTreeMap<String, String>, CatalogError> {
    if probes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let (sql, order) = script(probes);
    // One small SELECT per probe, not one SELECT of them all: a statement
    // with a scalar subquery per probe took the server ~2 ms per probe just
    // to plan (0.46 s for 200 tables), small ones plan in microseconds.
    // Each returns exactly one row, so rows line up with `order`.
    let rows = session.texts(&sql).map_err(CatalogError::Probe)?;
    if rows.len() != order.len() {
        return Err(CatalogError::Decode {
            what: "expression probes",
            detail: format!("{} answers for {} probes", rows.len(), order.len()),
        });
    }
    Ok(order
        .into_iter()
        .zip(rows)
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(key: &str, scratch: Option<&str>, setup: &[&str]) -> Probe {
        Probe {
            key: key.into(),
            scratch: scratch.map(|t| Scratch {
                of: t.to_string(),
                create: format!("CREATE TEMP TABLE {t} ()"),
                drop: format!("DROP TABLE {t}"),
            }),
            setup: setup.iter().map(|s| s.to_string()).collect(),
            read: format!("SELECT '{key}'").into(),
            question: Some(String::new()),
            subject: Subject::Data {
                schema: String::new(),
                table: String::new(),
            },
        }
    }

    #[test]
    fn probes_sharing_a_scratch_table_run_together_and_data_probes_last() {
        let (sql, order) = script(&[
            probe("a", Some("t"), &["CREATE POLICY a ON t"]),
            probe("seed", None, &[]),
            probe("v", None, &["CREATE TEMP VIEW v AS SELECT 1"]),
            probe("b", Some("t"), &["CREATE POLICY b ON t"]),
        ]);
        assert_eq!(
            sql,
            "SAVEPOINT pg_provision_probe;\n\
             CREATE TEMP TABLE t ();\nCREATE POLICY a ON t;\nSELECT (SELECT 'a');\n\
             CREATE POLICY b ON t;\nSELECT (SELECT 'b');\nDROP TABLE t;\n\
             CREATE TEMP VIEW v AS SELECT 1;\nSELECT (SELECT 'v');\n\
             ROLLBACK TO SAVEPOINT pg_provision_probe; RELEASE SAVEPOINT pg_provision_probe;\n\
             SELECT (SELECT 'seed');\n"
        );
        assert_eq!(order, ["a", "b", "v", "seed"]);
    }

    /// Regression: `s01.t0001` and `s02.t0001` with the same columns got one
    /// scratch table, and the second `CREATE POLICY owner_rows` on it failed.
    #[test]
    fn same_named_tables_of_two_schemas_get_their_own_scratch_table() {
        let mut a = probe("a", Some("t"), &["CREATE POLICY p ON t"]);
        let mut b = probe("b", Some("t"), &["CREATE POLICY p ON t"]);
        a.scratch.as_mut().unwrap().of = "s01.t".into();
        b.scratch.as_mut().unwrap().of = "s02.t".into();
        let (sql, _) = script(&[a, b]);
        assert_eq!(sql.matches("CREATE TEMP TABLE t ()").count(), 2, "{sql}");
        assert_eq!(sql.matches("DROP TABLE t").count(), 2, "{sql}");
    }

    #[test]
    fn a_savepoint_is_rolled_back_every_chunk() {
        let probes: Vec<Probe> = (0..CHUNK * 2 + 1)
            .map(|i| probe(&i.to_string(), None, &["CREATE TEMP VIEW v AS SELECT 1"]))
            .collect();
        let (sql, _) = script(&probes);
        assert_eq!(
            sql.lines()
                .filter(|l| *l == "SAVEPOINT pg_provision_probe;")
                .count(),
            3
        );
        assert_eq!(sql.matches("ROLLBACK TO SAVEPOINT").count(), 3);
    }

    #[test]
    fn data_probes_alone_need_no_savepoint() {
        let (sql, _) = script(&[probe("seed", None, &[])]);
        assert!(!sql.contains("SAVEPOINT"), "{sql}");
    }
}
