//! How findings are written: one block per finding for people, one JSON
//! value for machines. `crate::report` decides where they go.

use super::registry::Level;
use super::{Finding, Report};
use crate::spec::model::Origin;
use serde_json::{Value, json};
use std::path::Path;

/// One finding: `file:line:col: level[id]: path: message` (or
/// `level[id]: message` without a spec position), then its hint.
pub fn finding(f: &Finding, file: Option<&Path>) -> String {
    let head = format!("{}[{}]", f.level(), f.lint.id);
    let mut text = match (&f.origin, file) {
        (Some(o), Some(file)) => {
            let at =
                o.at.map(|a| format!(":{}:{}", a.line, a.column))
                    .unwrap_or_default();
            let path = if o.path.as_str().is_empty() {
                String::new()
            } else {
                format!("{}: ", o.path)
            };
            format!("{}{at}: {head}: {path}{}", file.display(), f.message)
        }
        _ => format!("{head}: {}", f.message),
    };
    text.push_str(&format!("\n  hint: {}\n", f.remediation));
    text
}

/// Every finding, in order.
pub fn findings(report: &Report, file: Option<&Path>) -> String {
    report.findings.iter().map(|f| finding(f, file)).collect()
}

/// `2 errors, 1 warning, 0 info (3 allowed)`.
pub fn counts(report: &Report) -> String {
    let n = |level: Level, one: &str, many: &str| {
        let c = report.count(level);
        format!("{c} {}", if c == 1 { one } else { many })
    };
    format!(
        "{}, {}, {} ({} allowed)",
        n(Level::Error, "error", "errors"),
        n(Level::Warning, "warning", "warnings"),
        n(Level::Info, "info", "info"),
        report.allowed.len()
    )
}

/// The API roles assumed, for a note line: ``api_anon`, PUBLIC``.
pub fn api_roles(report: &Report) -> String {
    report
        .api_roles
        .iter()
        .map(|r| super::role(&r.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn origin_json(o: &Option<Origin>) -> Value {
    match o {
        Some(o) => json!({
            "path": o.path.as_str(),
            "line": o.at.map(|a| a.line),
            "column": o.at.map(|a| a.column),
        }),
        None => Value::Null,
    }
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "id": f.lint.id,
        "level": f.level().word(),
        "object": f.object,
        "message": f.message,
        "remediation": f.remediation,
        "origin": origin_json(&f.origin),
    })
}

/// The report as one JSON value.
pub fn json(report: &Report) -> Value {
    json!({
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "allowed": report.allowed.iter().map(|a| {
            let mut v = finding_json(&a.finding);
            v["reason"] = json!(a.reason);
            v["allowed_by"] = origin_json(&a.by);
            v
        }).collect::<Vec<_>>(),
        "counts": {
            "error": report.count(Level::Error),
            "warning": report.count(Level::Warning),
            "info": report.count(Level::Info),
            "allowed": report.allowed.len(),
        },
        "api_roles": report.api_roles.iter().map(|r| json!({ "name": r.name, "why": r.why })).collect::<Vec<_>>(),
        "notes": report.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::tests::lint;
    use std::path::PathBuf;

    #[test]
    fn findings_print_file_line_level_id_path_and_hint() {
        let r = lint(
            "roles:\n  app: { login: true }\n  other: { login: true, lint: { allow: [login-without-password], reason: peer authentication } }\n",
        );
        let text = findings(&r, Some(&PathBuf::from("provision.yaml")));
        assert_eq!(
            text.lines().take(2).collect::<Vec<_>>(),
            [
                "provision.yaml:1:1: warning[differs-by-major]: on PostgreSQL 14 every role may create objects in schema `public` (15 took CREATE away from PUBLIC), and the spec does not revoke it",
                "  hint: write `schemas: { public: { revoke: [{ from: [PUBLIC], privileges: [CREATE] }] } }` (a no-op on 15+)",
            ]
        );
        assert!(
            text.contains("provision.yaml:3:3: warning[login-without-password]: roles.app: login role `app` has no `password`"),
            "{text}"
        );
        assert_eq!(counts(&r), "0 errors, 2 warnings, 0 info (1 allowed)");
        let v = json(&r);
        assert_eq!(v["allowed"][0]["id"], "login-without-password");
        assert_eq!(v["allowed"][0]["reason"], "peer authentication");
        assert_eq!(v["allowed"][0]["allowed_by"]["path"], "roles.other.lint");
        assert_eq!(v["findings"][1]["origin"]["line"], 3);
        assert_eq!(v["api_roles"][0]["name"], "PUBLIC");
    }
}
