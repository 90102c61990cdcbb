//! The acceptance shape every shipped example shares: what `apply` builds
//! equals what the hand-written SQL a careful DBA would write builds in a
//! second cluster (catalog fingerprint), a second `apply` executes nothing,
//! `check` exits 0 — and the spec checked against the hand-built database is
//! in sync too.

use crate::cmd::Run;
use crate::fingerprint::assert_same_catalogs;
use crate::support::cluster::Cluster;
use std::path::{Path, PathBuf};

/// One spec with its hand-written twin.
pub struct Example<'a> {
    /// The spec file.
    pub spec: PathBuf,
    /// Environment for `pg-provision` (passwords the spec reads from env).
    pub env: &'a [(&'a str, &'a str)],
    /// The database both clusters provision.
    pub database: &'a str,
    /// SQL run as the superuser in both clusters first: what existed before
    /// anyone provisioned (the tables a superuser made, say).
    pub before: Option<PathBuf>,
    /// The hand-written SQL (run with psql, `ON_ERROR_STOP`, as the superuser).
    pub handwritten: PathBuf,
}

/// The two clusters after [`Example::assert_matches_handwritten`].
pub struct Built {
    /// Where `pg-provision apply` ran.
    pub tool: Cluster,
    /// Where the hand-written SQL ran.
    pub dba: Cluster,
}

impl Example<'_> {
    /// `pg-provision -f spec --database-url <cluster/db> <args>` with the env.
    pub fn run(&self, cluster: &Cluster, args: &[&str]) -> Run {
        let mut cmd = crate::cmd::pg_provision();
        cmd.envs(self.env.iter().copied())
            .arg("-f")
            .arg(&self.spec)
            .arg("--database-url")
            .arg(cluster.superuser_url(self.database))
            .args(args);
        crate::cmd::run(&mut cmd)
    }

    /// Builds both clusters and asserts the acceptance shape (see the module).
    pub fn assert_matches_handwritten(&self) -> Built {
        let tool = Cluster::start();
        let dba = Cluster::start();
        for cluster in [&tool, &dba] {
            cluster.create_database(self.database);
            if let Some(before) = &self.before {
                psql_file(cluster, self.database, before);
            }
        }
        psql_file(&dba, self.database, &self.handwritten);

        let first = self.run(&tool, &["apply"]);
        assert_eq!(first.code, 0, "{first:?}");
        assert_same_catalogs(
            self.database,
            ("pg-provision", &tool),
            ("hand-written SQL", &dba),
        );

        crate::cmd::assert_converged_with(|args| self.run(&tool, args));

        let over_handwritten = self.run(&dba, &["check"]);
        assert_eq!(
            over_handwritten.code, 0,
            "the spec against the hand-built database: {over_handwritten:?}"
        );
        Built { tool, dba }
    }
}

/// Runs a SQL file through psql as the superuser, with the psql variable
/// `DBNAME` set to `db` (`ALTER DATABASE :"DBNAME" …`); panics with psql's
/// stderr.
pub fn psql_file(cluster: &Cluster, db: &str, file: &Path) {
    let out = psql_file_command(cluster, db, file)
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "{} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The psql command of [`psql_file`], to add arguments to.
pub fn psql_file_command(cluster: &Cluster, db: &str, file: &Path) -> std::process::Command {
    let mut cmd = cluster.psql_command(db);
    cmd.arg("-v")
        .arg(format!("DBNAME={db}"))
        .arg("-f")
        .arg(file);
    cmd
}

/// A canonical text of every row of `tables` (`schema.table`), to prove a run
/// changed no data.
pub fn rows(cluster: &Cluster, db: &str, tables: &[&str]) -> String {
    let mut client = cluster.client(db);
    let mut text = String::new();
    for table in tables {
        let sql = format!(
            "SELECT coalesce(string_agg(to_jsonb(t)::text, E'\\n' ORDER BY to_jsonb(t)::text), '') FROM {table} t"
        );
        let row = client
            .query_one(&sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        text.push_str(&format!("-- {table}\n{}\n", row.get::<_, String>(0)));
    }
    text
}
