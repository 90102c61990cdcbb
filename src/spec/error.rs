//! What is wrong with a spec, and where.

use crate::spec::path::{LineCol, YamlPath};
use std::fmt;
use std::path::PathBuf;

/// One problem found in a spec, with its YAML path and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where in the document.
    pub path: YamlPath,
    /// Line and column, once resolved against the file.
    pub at: Option<LineCol>,
    /// What is wrong (lowercase, no trailing period).
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl Issue {
    /// A problem at `path`.
    pub fn new(path: &YamlPath, message: impl Into<String>) -> Self {
        Issue {
            path: path.clone(),
            at: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A spec that cannot be used: unreadable, malformed or invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file.
    pub file: PathBuf,
    /// Every problem found (at least one).
    pub issues: Vec<Issue>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.issues.len();
        if count > 1 {
            writeln!(f, "{count} problems in `{}`", self.file.display())?;
        }
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let at = issue
                .at
                .map(|at| format!(":{}:{}", at.line, at.column))
                .unwrap_or_default();
            write!(
                f,
                "{}{at}: {}: {}",
                self.file.display(),
                issue.path,
                issue.message
            )?;
            if let Some(hint) = &issue.hint {
                write!(f, "\n  hint: {hint}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}
