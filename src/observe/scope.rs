//! The schemas a spec needs read: the ones it declares, and the ones it
//! points into from there.

use crate::catalog::Scope;
use crate::spec::Spec;
use std::collections::BTreeSet;

/// Declared schemas; extension schemas; schemas of default privileges, of
/// trigger functions, of tables foreign keys reference; schemas named in
/// view queries and in policy, default and check expressions; and `public`,
/// where unqualified names in those expressions usually resolve.
pub fn of(spec: &Spec) -> Scope {
    let mut schemas: BTreeSet<String> = spec.schemas.keys().cloned().collect();
    schemas.insert("public".to_string());
    schemas.extend(spec.extensions.values().filter_map(|e| e.schema.clone()));
    schemas.extend(
        spec.default_privileges
            .iter()
            .filter_map(|d| d.schema.clone()),
    );
    let mut texts: Vec<&str> = Vec::new();
    for schema in spec.schemas.values() {
        for object in schema.objects.values() {
            if let Some(view) = &object.view {
                texts.push(&view.query);
            }
            for policy in object.security.policies.values() {
                texts.extend(policy.using.as_deref());
                texts.extend(policy.with_check.as_deref());
            }
            if let Some(triggers) = &object.security.triggers {
                for t in triggers.values() {
                    schemas.insert(t.function_schema.clone());
                }
            }
            if let Some(table) = &object.table {
                for fk in &table.foreign_keys {
                    schemas.insert(fk.ref_schema.clone());
                }
                for c in &table.columns {
                    texts.extend(c.default.as_deref());
                    texts.extend(c.generated.as_deref());
                }
                for k in &table.checks {
                    texts.push(&k.expression);
                }
            }
        }
    }
    for text in texts {
        for (qualifier, _) in crate::sql_names::references(text) {
            schemas.extend(qualifier);
        }
    }
    Scope::schemas(schemas)
}
