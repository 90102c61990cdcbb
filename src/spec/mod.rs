//! Stage 1, `spec`: the YAML file → the validated desired model. No database.
//!
//! [`load`] reads the file, deserialises it strictly (unknown keys, YAML 1.1
//! booleans such as `yes` are errors), validates it, and reports every
//! problem with its YAML path and line:column.

pub mod error;
pub mod lint;
pub mod model;
pub mod path;
pub mod raw;
pub mod raw_lint;
pub mod raw_table;
pub mod routine;
pub mod security;
pub mod table;
pub mod validate;

pub use error::{Issue, SpecError};
pub use model::Spec;
pub use validate::Environment;

use path::{LineCol, Locations, YamlPath};
use std::path::Path;

/// Reads and validates the spec at `file`, reading secrets from the process environment.
pub fn load(file: &Path) -> Result<Spec, SpecError> {
    let text = std::fs::read_to_string(file).map_err(|e| SpecError {
        file: file.to_path_buf(),
        issues: vec![
            Issue::new(&YamlPath::root(), format!("cannot read the spec: {e}"))
                .hint("pass the spec with `-f/--file` or `PROVISION_FILE`"),
        ],
    })?;
    let base_dir = file.parent().unwrap_or(Path::new("."));
    let var = |name: &str| std::env::var(name).ok();
    parse(
        &text,
        file,
        &Environment {
            var: &var,
            base_dir,
        },
    )
}

/// Parses and validates spec `text`; `file` names it in messages.
pub fn parse(text: &str, file: &Path, env: &Environment<'_>) -> Result<Spec, SpecError> {
    let locations = Locations::index(text);
    let fail = |issues: Vec<Issue>| SpecError {
        file: file.to_path_buf(),
        issues,
    };
    let mut options = serde_saphyr::options::Options::default();
    options.strict_booleans = true;
    let raw: raw::RawSpec = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| fail(vec![deserialize_issue(&e, &locations)]))?;
    let mut spec = validate::validate(raw, env).map_err(|mut issues| {
        for issue in &mut issues {
            issue.at = Some(locations.find(&issue.path));
        }
        fail(issues)
    })?;
    locate(&mut spec, &locations);
    Ok(spec)
}

fn deserialize_issue(e: &serde_saphyr::Error, locations: &Locations) -> Issue {
    let at = e.location().map(|l| LineCol {
        line: l.line() as usize,
        column: l.column() as usize,
    });
    let path = at.map(|at| locations.path_at(at)).unwrap_or_default();
    let message = e.without_snippet().to_string();
    // serde-saphyr appends its own position; we print ours in front.
    let message = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    let mut issue = Issue::new(&path, message.trim_end_matches('.').to_string());
    issue.at = at;
    if issue.message.contains("unknown field") {
        issue = issue.hint("see docs/spec.md for every key this version understands");
    }
    issue
}

/// Fills in line:column for every origin in the model.
fn locate(spec: &mut Spec, locations: &Locations) {
    let set = |o: &mut model::Origin| o.at = Some(locations.find(&o.path));
    for role in spec.roles.values_mut() {
        set(&mut role.origin);
        for m in role.member_of.values_mut() {
            set(&mut m.origin);
        }
    }
    if let Some(db) = &mut spec.database {
        set(&mut db.origin);
        db.grants.iter_mut().for_each(|g| set(&mut g.origin));
        db.revokes.iter_mut().for_each(|r| set(&mut r.origin));
    }
    for schema in spec.schemas.values_mut() {
        set(&mut schema.origin);
        schema.grants.iter_mut().for_each(|g| set(&mut g.origin));
        schema.revokes.iter_mut().for_each(|r| set(&mut r.origin));
        schema
            .schema_wide
            .iter_mut()
            .for_each(|w| set(&mut w.grant.origin));
        for object in schema.objects.values_mut() {
            set(&mut object.origin);
            object.grants.iter_mut().for_each(|g| set(&mut g.origin));
            object
                .column_grants
                .iter_mut()
                .for_each(|c| set(&mut c.grant.origin));
            object.revokes.iter_mut().for_each(|r| set(&mut r.origin));
            object.security.origins_mut().for_each(&set); // security slice
            table::locate(object, &set);
        }
    }
    for dp in &mut spec.default_privileges {
        set(&mut dp.origin);
        match &mut dp.action {
            model::DefaultAction::Grant(g) => set(&mut g.origin),
            model::DefaultAction::Revoke(r) => set(&mut r.origin),
        }
    }
    for ext in spec.extensions.values_mut() {
        set(&mut ext.origin);
    }
    spec.lint.origins_mut().for_each(set);
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_routines;
