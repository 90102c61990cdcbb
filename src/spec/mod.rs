//! Stage 1, `spec`: the YAML file → the validated desired model. No database.
//!
//! [`load`] reads the file, deserialises it strictly (unknown keys, YAML 1.1
//! booleans such as `yes` are errors), validates it, and reports every
//! problem with its YAML path and line:column. Resource limits (file size,
//! nesting, alias expansion) are sized to the document: see [`budget`].

pub mod budget;
pub mod error;
pub mod lint;
pub mod model;
mod outline;
pub mod path;
pub mod raw;
pub mod raw_databases;
pub mod raw_lint;
pub mod raw_table;
pub mod routine;
pub mod schema;
pub mod security;
pub mod source;
pub mod table;
pub mod validate;
pub mod yaml_error;

pub use error::{Issue, SpecError};
pub use model::Spec;
pub use validate::Environment;

use path::Locations;
use std::path::Path;

/// Reads and validates the spec at `file`, reading secrets from the process environment.
pub fn load(file: &Path) -> Result<Spec, SpecError> {
    load_outlined(file, &mut |_| {})
}

/// What a spec's first, cheap pass shows before the slow parse and
/// validation (a few seconds for 10,000 tables): enough to start reading
/// the catalog meanwhile (see `crate::prefetch`). A guess, never trusted:
/// the document may still turn out invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The keys under `schemas:`.
    pub schemas: Vec<String>,
    /// Whether there is a `databases:` key.
    pub several_databases: bool,
}

/// [`load`], handing `outlined` the document's [`Outline`] as soon as it is
/// known: read off the lines at once for plain block style
/// (`outline::quick`), else after the parser's first pass (and then not at
/// all when the document breaks a size limit). Never when the file cannot
/// be read.
pub fn load_outlined(file: &Path, outlined: &mut dyn FnMut(Outline)) -> Result<Spec, SpecError> {
    let text = source::read(file).map_err(|issue| SpecError {
        file: file.to_path_buf(),
        issues: vec![issue],
    })?;
    let base_dir = file.parent().unwrap_or(Path::new("."));
    let var = |name: &str| std::env::var(name).ok();
    parse_outlined(
        &text,
        file,
        &Environment {
            var: &var,
            base_dir,
        },
        outlined,
    )
}

/// Parses and validates spec `text`; `file` names it in messages.
pub fn parse(text: &str, file: &Path, env: &Environment<'_>) -> Result<Spec, SpecError> {
    parse_outlined(text, file, env, &mut |_| {})
}

/// [`parse`], handing `outlined` the [`Outline`] (see [`load_outlined`]).
pub(crate) fn parse_outlined(
    text: &str,
    file: &Path,
    env: &Environment<'_>,
    outlined: &mut dyn FnMut(Outline),
) -> Result<Spec, SpecError> {
    // The plain block style outlines itself in milliseconds; anything else
    // waits for the first pass.
    let quick = outline::quick(text);
    let early = quick.is_some();
    if let Some(outline) = quick {
        outlined(outline);
    }
    let locations = Locations::index(text);
    let fail = |issues: Vec<Issue>| SpecError {
        file: file.to_path_buf(),
        issues,
    };
    if let Some(breach) = locations.census().breach {
        let (at, (message, hint)) = match breach {
            budget::OwnBreach::Depth { at } => (at, budget::depth_message()),
            budget::OwnBreach::Scalar { at, bytes } => (at, budget::scalar_message(bytes)),
        };
        let mut issue = Issue::new(&locations.path_at(at), message).hint(hint);
        issue.at = Some(at);
        return Err(fail(vec![issue]));
    }
    if !early {
        outlined(first_pass_outline(&locations));
    }
    let raw: raw::RawSpec = serde_saphyr::from_str_with_options(text, locations.census().options())
        .map_err(|e| fail(vec![yaml_error::issue(&e, &locations)]))?;
    let mut spec = validate::validate(raw, env).map_err(|mut issues| {
        for issue in &mut issues {
            issue.at = Some(locations.find(&issue.path));
        }
        fail(issues)
    })?;
    locate(&mut spec, &locations);
    Ok(spec)
}

/// The [`Outline`] the YAML parser's first pass gives.
fn first_pass_outline(locations: &Locations) -> Outline {
    let root = path::YamlPath::root();
    Outline {
        schemas: locations.keys_of(&root.key("schemas")),
        several_databases: locations.keys_of(&root).iter().any(|k| k == "databases"),
    }
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
    locate_content(
        spec.database.as_mut(),
        &mut spec.schemas,
        &mut spec.default_privileges,
        &mut spec.extensions,
        &set,
    );
    for db in spec.databases.values_mut() {
        locate_content(
            Some(&mut db.database),
            &mut db.schemas,
            &mut db.default_privileges,
            &mut db.extensions,
            &set,
        );
    }
    spec.lint.origins_mut().for_each(set);
}

/// [`locate`] for one database's content.
fn locate_content(
    database: Option<&mut model::Database>,
    schemas: &mut std::collections::BTreeMap<String, model::Schema>,
    default_privileges: &mut [model::DefaultPrivilege],
    extensions: &mut std::collections::BTreeMap<String, model::Extension>,
    set: &dyn Fn(&mut model::Origin),
) {
    if let Some(db) = database {
        set(&mut db.origin);
        db.grants.iter_mut().for_each(|g| set(&mut g.origin));
        db.revokes.iter_mut().for_each(|r| set(&mut r.origin));
    }
    for schema in schemas.values_mut() {
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
            object.security.origins_mut().for_each(set); // security slice
            table::locate(object, &set);
        }
    }
    for dp in default_privileges {
        set(&mut dp.origin);
        match &mut dp.action {
            model::DefaultAction::Grant(g) => set(&mut g.origin),
            model::DefaultAction::Revoke(r) => set(&mut r.origin),
        }
    }
    for ext in extensions.values_mut() {
        set(&mut ext.origin);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_routines;
#[cfg(test)]
mod tests_schema;
