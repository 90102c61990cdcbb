//! Resolved settings of one run, independent of how they were given.

use std::path::PathBuf;
use std::time::Duration;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Converge.
    Apply {
        /// Revoke undeclared extras.
        prune: bool,
    },
    /// Print the SQL.
    Plan {
        /// Include prunes.
        prune: bool,
    },
    /// Report drift.
    Check,
    /// Validate offline.
    Validate,
    /// Security lints: the spec, or (`live`) the connected database.
    Lint {
        /// Lint the database instead of the spec.
        live: bool,
    },
    /// Print the spec's JSON Schema.
    Schema,
    /// Wait for the server.
    Wait {
        /// How long.
        timeout: Duration,
    },
    /// Explain a role's privileges.
    Explain(crate::explain::Request),
    /// Print a spec of the connected database.
    Export {
        /// What to export.
        options: crate::export::Options,
        /// `-o FILE`: write the spec there instead of stdout.
        out: Option<PathBuf>,
        /// `--split DIR`: bodies and queries to files there.
        split: Option<PathBuf>,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// For people, on stderr (plans on stdout).
    Human,
    /// JSON on stdout.
    Json,
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The command.
    pub command: Command,
    /// Spec file.
    pub file: PathBuf,
    /// Connection URL, if given.
    pub database_url: Option<String>,
    /// Output format.
    pub output: OutputFormat,
    /// Wait timeout before giving up on the server.
    pub wait_timeout: Duration,
    /// Wait for the advisory lock.
    pub lock_wait: Duration,
    /// `lock_timeout` for statements.
    pub lock_timeout: Duration,
    /// Ignore pg-provision's memory.
    pub reprobe: bool,
    /// Ignore the in-sync stamp (`crate::stamp`).
    pub no_stamp: bool,
    /// Lint options (`lint`, `validate`, `plan`).
    pub lint: crate::lint::Options,
}
