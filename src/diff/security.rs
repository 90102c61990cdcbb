//! Row-level security, policies and triggers of declared tables: which
//! tables take part, and the probes that canonicalise their expressions.
//!
//! A declared table takes part whether adopted or defined. One that exists
//! is compared with the catalog; one with a definition that does not exist
//! yet is created earlier in this run (phase `Tables`), so everything it
//! declares is created after it; an adopted one that does not exist is
//! already refused by `objects`, and skipped here.

use super::{Diff, policies, triggers};
use crate::catalog::Catalog;
use crate::catalog::security::{policy_probe, scratch_table, trigger_probe};
use crate::catalog::shadow::{Probe, Subject};
use crate::change::ObjectName;
use crate::privilege::ObjectKind;
use crate::spec::Spec;
use crate::spec::model::Object;

/// A declared table, with whether it exists now.
pub(super) struct Table<'a> {
    /// Schema.
    pub schema: &'a str,
    /// Name.
    pub name: &'a str,
    /// The declaration.
    pub decl: &'a Object,
    /// Whether it exists (else it is created earlier in this run).
    pub exists: bool,
}

impl Table<'_> {
    /// `"schema"."table"`.
    pub fn object(&self) -> ObjectName {
        ObjectName::Qualified {
            schema: self.schema.to_string(),
            name: self.name.to_string(),
        }
    }

    /// `(schema, table)`, the catalog's key.
    pub fn key(&self) -> (String, String) {
        (self.schema.to_string(), self.name.to_string())
    }

    /// ``table `s.t` ``.
    pub fn label(&self) -> String {
        format!("table `{}.{}`", self.schema, self.name)
    }
}

/// The declared tables this family manages.
pub(super) fn tables<'a>(spec: &'a Spec, catalog: &Catalog) -> Vec<Table<'a>> {
    let mut out = Vec::new();
    for (schema, s) in &spec.schemas {
        for ((kind, name), decl) in &s.objects {
            if *kind != ObjectKind::Table {
                continue;
            }
            let live = catalog.relations.get(&(schema.clone(), name.clone()));
            let exists = match live {
                Some(r) if r.kind() == ObjectKind::Table => true,
                // Refused by `objects` (a view or sequence of that name).
                Some(_) => continue,
                None if decl.has_definition() => false,
                None => continue,
            };
            out.push(Table {
                schema,
                name,
                decl,
                exists,
            });
        }
    }
    out
}

/// Row-level security, policies and triggers: desired vs live.
pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for table in tables(spec, catalog) {
        policies::diff(&table, catalog, out);
        triggers::diff(spec, &table, catalog, out);
    }
}

/// Probes for the declared policies and triggers that exist live on
/// existing tables (a new one is simply created; it is compared once it
/// exists), each on a scratch copy of its table.
pub fn probes(spec: &Spec, catalog: &Catalog, out: &mut Vec<Probe>) {
    for table in tables(spec, catalog).iter().filter(|t| t.exists) {
        let Some(shape) = catalog.tables.get(&table.key()) else {
            continue;
        };
        let policies = policies::probes(table, catalog);
        let triggers = triggers::probes(table, catalog);
        if policies.is_empty() && triggers.is_empty() {
            continue;
        }
        let scratch = scratch_table(table.schema, table.name, &shape.columns);
        for (key, name, create) in policies {
            let subject = Subject::Policy {
                schema: table.schema.to_string(),
                table: table.name.to_string(),
                name: name.clone(),
            };
            out.push(policy_probe(key, scratch.clone(), &name, create, subject));
        }
        for (key, name, create) in triggers {
            let subject = Subject::Trigger {
                schema: table.schema.to_string(),
                table: table.name.to_string(),
                name: name.clone(),
            };
            out.push(trigger_probe(key, scratch.clone(), &name, create, subject));
        }
    }
}

/// A probe key unique to this object: `<family>:["schema","table","name"]`.
pub(super) fn probe_key(family: &str, table: &Table<'_>, name: &str) -> String {
    format!(
        "{family}:{}",
        serde_json::json!([table.schema, table.name, name])
    )
}
