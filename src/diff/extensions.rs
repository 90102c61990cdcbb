//! Extensions: install missing ones, move and update declared ones. Never dropped.

use super::{Diff, Refusal, label};
use crate::catalog::Catalog;
use crate::change::{Change, Phase, Statement};
use crate::spec::Spec;

pub fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for (name, ext) in &spec.extensions {
        let object = label("extension", name);
        if let Some(schema) = &ext.schema
            && !catalog.schemas.contains_key(schema)
            && !spec.schemas.contains_key(schema)
        {
            out.refusals.push(Refusal {
                object: object.clone(),
                reason: format!("schema `{schema}` does not exist"),
                hint: Some(format!("declare `{schema}` under `schemas:`")),
                origin: Some(ext.origin.clone()),
            });
            continue;
        }
        match catalog.extensions.get(name) {
            None => {
                if !catalog.available_extensions.contains_key(name) {
                    out.refusals.push(Refusal {
                        object,
                        reason: "this server has no such extension available".into(),
                        hint: Some("install its package on the server, or check the name against `pg_available_extensions`".into()),
                        origin: Some(ext.origin.clone()),
                    });
                    continue;
                }
                out.changes.push(Change::converge(
                    Phase::Extensions,
                    object,
                    &ext.origin,
                    Statement::CreateExtension {
                        name: name.clone(),
                        schema: ext.schema.clone(),
                        version: ext.version.clone(),
                    },
                ));
            }
            Some(actual) => {
                if let Some(schema) = &ext.schema
                    && schema != &actual.schema
                {
                    out.changes.push(Change::converge(
                        Phase::Extensions,
                        object.clone(),
                        &ext.origin,
                        Statement::AlterExtensionSchema {
                            name: name.clone(),
                            schema: schema.clone(),
                        },
                    ));
                }
                if let Some(version) = &ext.version
                    && version != &actual.version
                {
                    out.changes.push(Change::converge(
                        Phase::Extensions,
                        object,
                        &ext.origin,
                        Statement::UpdateExtension {
                            name: name.clone(),
                            version: version.clone(),
                        },
                    ));
                }
            }
        }
    }
}
