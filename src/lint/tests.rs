//! Helpers for the lint unit tests: specs parsed from YAML, findings by id.

use super::{Options, Report};
use crate::spec::Spec;
use std::path::{Path, PathBuf};

/// Parses `text` (without its `version: 1` line) as `provision.yaml`; every
/// environment variable is set.
pub(crate) fn spec(text: &str) -> Spec {
    let var = |_: &str| Some("pw".to_string());
    crate::spec::parse(
        &format!("version: 1\n{text}"),
        &PathBuf::from("provision.yaml"),
        &crate::spec::Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The offline report for `text`, without command-line options.
pub(crate) fn lint(text: &str) -> Report {
    super::check(&spec(text), &Options::default())
}

/// `id: object: message (line)` of each finding of lint `id`.
pub(crate) fn found(report: &Report, id: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.lint.id == id)
        .map(|f| {
            let line = f
                .origin
                .as_ref()
                .and_then(|o| o.at)
                .map(|a| a.line)
                .unwrap_or(0);
            format!("{}: {} (line {line})", f.object, f.message)
        })
        .collect()
}
