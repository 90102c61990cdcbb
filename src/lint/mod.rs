//! Security lints (`pg-provision lint`, and warnings in `validate` and `plan`).
//!
//! Offline, [`check`] reads the validated [`Spec`] (pure: no database) and
//! reports each finding with the YAML path and line of what causes it.
//! [`live::check`] runs the lints that make sense on a database against its
//! catalog, with its own fixed set of queries, and names objects instead of
//! lines. Each lint has a stable id, a level and a remediation
//! ([`registry`]); a finding is silenced by a `lint: { allow: [ID], reason }`
//! key on the object (or anything containing it) or by `--allow ID`.
//!
//! One file per family of lints: [`rls`] (row-level security and views),
//! [`policies`], [`functions`], [`privileges`] (sequences, default
//! privileges, schema USAGE), [`roles`], [`extensions`], [`majors`]. "Who
//! ends up with which privilege" comes from [`access`].

pub mod access;
pub mod extensions;
pub mod finding;
pub mod functions;
pub mod live;
pub mod majors;
pub mod policies;
pub mod privileges;
pub mod registry;
pub mod render;
pub mod rls;
pub mod roles;

#[cfg(test)]
pub(crate) mod tests;

pub use finding::{Allowed, ApiRole, Finding, Report};
pub use registry::{Level, Lint};

use crate::spec::Spec;
use crate::spec::lint::LintSettings;
use access::Access;

/// What the command line says about lints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Lint ids allowed everywhere (`--allow`).
    pub allow: Vec<String>,
    /// Findings at or above this level make the command fail (`--deny`);
    /// `None`: never.
    pub deny: Option<Level>,
    /// More API roles (`--api-role`).
    pub api_roles: Vec<String>,
}

/// Lints `spec` offline.
pub fn check(spec: &Spec, options: &Options) -> Report {
    // With `databases:`, each database's content is linted with the roles;
    // what the roles alone cause is reported once.
    let mut findings: Vec<Finding> = Vec::new();
    let mut api_roles = None;
    for (_, view) in spec.views() {
        let access = Access::new(&view, &options.api_roles);
        let mut found = Vec::new();
        rls::check(&view, &access, &mut found);
        policies::check(&view, &access, &mut found);
        functions::check(&view, &access, &mut found);
        extensions::check(&view, &mut found);
        privileges::check(&view, &access, &mut found);
        roles::check(&view, &mut found);
        majors::check(&view, &mut found);
        for f in found {
            if !findings.contains(&f) {
                findings.push(f);
            }
        }
        api_roles.get_or_insert_with(|| access.api_role_list());
    }
    let mut report = Report {
        api_roles: api_roles.unwrap_or_default(),
        ..Report::default()
    };
    apply_allowances(&mut report, findings, &spec.lint, options);
    report
}

/// Splits `findings` into reported and allowed (by the spec's `lint:` keys
/// or `--allow`), then sorts both.
pub fn apply_allowances(
    report: &mut Report,
    findings: Vec<Finding>,
    settings: &LintSettings,
    options: &Options,
) {
    for finding in findings {
        if let Some(a) = settings.allowance(finding.lint.id, &finding.scope) {
            report.allowed.push(Allowed {
                finding,
                reason: a.reason.clone(),
                by: Some(a.origin.clone()),
            });
        } else if options.allow.iter().any(|id| id == finding.lint.id) {
            report.allowed.push(Allowed {
                finding,
                reason: "allowed on the command line (`--allow`)".to_string(),
                by: None,
            });
        } else {
            report.findings.push(finding);
        }
    }
    report.sort();
}

/// ``table `s.t` ``-style labels.
pub(crate) fn label(kind: &str, schema: &str, name: &str) -> String {
    format!("{kind} `{schema}.{name}`")
}

/// ``table `s.t` ``, ``function `s.f(args)` `` … for a declared object.
pub(crate) fn object_label(
    schema: &crate::spec::model::Schema,
    object: &crate::spec::model::Object,
) -> String {
    use crate::privilege::ObjectKind;
    let kind = match object.kind {
        ObjectKind::Function | ObjectKind::Procedure => {
            let kind = match &object.routine {
                Some(r) if r.procedure => "procedure",
                _ if object.kind == ObjectKind::Procedure => "procedure",
                _ => "function",
            };
            return format!(
                "{kind} `{}.{}({})`",
                schema.name,
                object.name,
                object.args.as_deref().unwrap_or("").trim()
            );
        }
        ObjectKind::View => "view",
        ObjectKind::Sequence => "sequence",
        ObjectKind::Type => "type",
        _ => "table",
    };
    label(kind, &schema.name, &object.name)
}

/// A role for messages: `PUBLIC` plain, others in backticks.
pub(crate) fn role(name: &str) -> String {
    if name == crate::spec::validate::PUBLIC {
        name.to_string()
    } else {
        format!("`{name}`")
    }
}

/// Roles for messages: ``a`, `b` and PUBLIC``.
pub(crate) fn roles<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| role(n)).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}
