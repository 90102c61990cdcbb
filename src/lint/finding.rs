//! What a lint reports: one finding about one object, and the report of a run
//! (findings, the ones allowed and why, the API roles that were assumed).

use super::registry::{Level, Lint};
use crate::spec::lint::Scope;
use crate::spec::model::Origin;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The lint that found it.
    pub lint: &'static Lint,
    /// The object, e.g. ``table `app.users` ``.
    pub object: String,
    /// What is wrong (lowercase, no trailing period).
    pub message: String,
    /// How to fix it here.
    pub remediation: String,
    /// What an allowance must cover to silence it.
    pub scope: Scope,
    /// Where the spec declares what causes it (offline findings).
    pub origin: Option<Origin>,
}

impl Finding {
    /// The finding's level.
    pub fn level(&self) -> Level {
        self.lint.level
    }

    /// The order findings are printed in: by position in the spec, then id,
    /// object and message, so output is the same on every run.
    fn sort_key(&self) -> (Option<(usize, usize)>, &str, &str, &str) {
        (
            self.origin
                .as_ref()
                .and_then(|o| o.at)
                .map(|at| (at.line, at.column)),
            self.lint.id,
            &self.object,
            &self.message,
        )
    }
}

/// A finding an allowance silenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The finding.
    pub finding: Finding,
    /// Why it is acceptable.
    pub reason: String,
    /// The `lint:` key that allowed it; `None` for `--allow` on the command line.
    pub by: Option<Origin>,
}

/// A role treated as an API role, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub struct ApiRole {
    /// Role name, or `PUBLIC`.
    pub name: String,
    /// Why it counts (lowercase, names in backticks).
    pub why: String,
}

/// The outcome of linting a spec or a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Findings still reported, in a stable order.
    pub findings: Vec<Finding>,
    /// Findings an allowance silenced.
    pub allowed: Vec<Allowed>,
    /// The API roles the lints assumed.
    pub api_roles: Vec<ApiRole>,
    /// What could not be checked, and why (e.g. passwords without `pg_authid`).
    pub notes: Vec<String>,
}

impl Report {
    /// Sorts findings and allowed findings into their stable order.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.allowed
            .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        self.allowed.dedup();
        self.api_roles.sort();
        self.api_roles.dedup_by(|a, b| a.name == b.name);
    }

    /// How many findings (not allowed) there are at `level`.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level() == level).count()
    }

    /// Whether a finding at or above `deny` remains.
    pub fn denied(&self, deny: Option<Level>) -> bool {
        deny.is_some_and(|d| self.findings.iter().any(|f| f.level() >= d))
    }
}
