//! Enum types declared with `values`: created when missing, extended by
//! adding the labels an existing one lacks, in their declared place.
//!
//! Labels are never dropped, renamed or reordered (PostgreSQL cannot do the
//! last two without recreating the type): undeclared labels are notices, and
//! a declared order the existing labels cannot reach by additions is refused.
//! Owners, privileges and comments of types are handled by `objects`.

use super::{Diff, Refusal};
use crate::catalog::Catalog;
use crate::change::{Change, EnumPosition, Phase, Statement, TypeStatement};
use crate::privilege::ObjectKind;
use crate::spec::Spec;
use crate::spec::model::Object;
use crate::spec::table::SeedValue;

/// Changes for every enum declared with `values`.
pub(crate) fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    for (schema, s) in &spec.schemas {
        for ((kind, name), decl) in &s.objects {
            if *kind != ObjectKind::Type {
                continue;
            }
            let Some(values) = &decl.enum_values else {
                continue;
            };
            let label = format!("type `{schema}.{name}`");
            let live = catalog.types.get(&(schema.clone(), name.clone()));
            let Some(live) = live else {
                out.changes.push(Change::converge(
                    Phase::Types,
                    label,
                    &decl.origin,
                    Statement::Type(TypeStatement::CreateEnum {
                        schema: schema.clone(),
                        name: name.clone(),
                        values: values.clone(),
                    }),
                ));
                continue;
            };
            let Some(existing) = live.values.as_ref().filter(|_| live.typtype == "e") else {
                out.refusals.push(Refusal {
                    object: label,
                    reason: format!("it exists as {}, not an enum", live.describe()),
                    hint: Some(
                        "remove `values` to adopt the type as it is (owner, privileges, comment)"
                            .into(),
                    ),
                    origin: Some(decl.origin.clone()),
                });
                continue;
            };
            let added = converge_enum(schema, name, decl, values, existing, &label, out);
            refuse_seeds_using(spec, catalog, (schema, name), &added, out);
        }
    }
}

/// Adds the missing labels in place; returns them. Refuses an order that
/// additions cannot reach; reports undeclared labels as notices.
fn converge_enum(
    schema: &str,
    name: &str,
    decl: &Object,
    values: &[String],
    existing: &[String],
    label: &str,
    out: &mut Diff,
) -> Vec<String> {
    let declared_kept: Vec<&String> = values.iter().filter(|v| existing.contains(v)).collect();
    let live_kept: Vec<&String> = existing.iter().filter(|v| values.contains(v)).collect();
    if declared_kept != live_kept {
        let list = |v: &[&String]| {
            v.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.refusals.push(Refusal {
            object: label.to_string(),
            reason: format!(
                "its values are in the order {}; the spec's order {} cannot be reached by adding values",
                list(&live_kept),
                list(&declared_kept)
            ),
            hint: Some(
                "PostgreSQL cannot reorder enum values: write them in their existing order, or recreate the type with your migrations"
                    .into(),
            ),
            origin: Some(decl.origin.clone()),
        });
        return Vec::new();
    }
    let mut added = Vec::new();
    // The label before the next one to add: declared and present (or added).
    let mut previous: Option<&String> = None;
    for v in values {
        if existing.contains(v) {
            previous = Some(v);
            continue;
        }
        let position = match previous {
            Some(p) => EnumPosition::After(p.clone()),
            None => match declared_kept.first() {
                Some(first) => EnumPosition::Before((*first).clone()),
                None => EnumPosition::Last,
            },
        };
        out.changes.push(Change::converge(
            Phase::Types,
            format!("value '{v}' of {label}"),
            &decl.origin,
            Statement::Type(TypeStatement::AddEnumValue {
                schema: schema.to_string(),
                name: name.to_string(),
                value: v.clone(),
                position,
            }),
        ));
        added.push(v.clone());
        previous = Some(v);
    }
    for v in existing.iter().filter(|v| !values.contains(v)) {
        out.changes.push(Change::notice(
            format!("value '{v}' of {label}"),
            &decl.origin,
            Statement::Type(TypeStatement::UndeclaredEnumValue {
                schema: schema.to_string(),
                name: name.to_string(),
                value: v.clone(),
            }),
        ));
    }
    added
}

/// A label added by `ALTER TYPE … ADD VALUE` cannot be used before the
/// transaction commits (`unsafe use of new value`), and a run is one
/// transaction: seed rows that would insert one are refused up front.
fn refuse_seeds_using(
    spec: &Spec,
    catalog: &Catalog,
    (enum_schema, enum_name): (&str, &str),
    added: &[String],
    out: &mut Diff,
) {
    if added.is_empty() {
        return;
    }
    for (schema, s) in &spec.schemas {
        for ((kind, table), decl) in &s.objects {
            let (ObjectKind::Table, Some(seed)) = (kind, &decl.seed) else {
                continue;
            };
            let column_type = |column: &str| -> Option<String> {
                if let Some(t) = &decl.table {
                    return t
                        .columns
                        .iter()
                        .find(|c| c.name == column)
                        .map(|c| c.type_sql.clone());
                }
                catalog
                    .tables
                    .get(&(schema.clone(), table.clone()))
                    .and_then(|t| t.column(column))
                    .map(|c| c.type_.clone())
            };
            for row in &seed.rows {
                for (column, value) in &row.values {
                    let SeedValue::Literal(v) = value else {
                        continue;
                    };
                    if !added.contains(v) {
                        continue;
                    }
                    let Some(ty) = column_type(column) else {
                        continue;
                    };
                    if !names_type(&ty, schema, enum_schema, enum_name) {
                        continue;
                    }
                    out.refusals.push(Refusal {
                        object: format!("seed row of table `{schema}.{table}`"),
                        reason: format!(
                            "column `{column}` gets '{v}', a value this run adds to enum `{enum_schema}.{enum_name}`; PostgreSQL cannot use a new enum value before the transaction that added it commits, and a run is one transaction"
                        ),
                        hint: Some(
                            "apply once without this row (the value is added), then add the row back"
                                .into(),
                        ),
                        origin: Some(row.origin.clone()),
                    });
                }
            }
        }
    }
}

/// Whether the SQL type text `ty` of a column in `table_schema` names the
/// enum `schema.name` (`name`, `schema.name`, quoted or not; unqualified
/// names are taken to be in the table's schema or `public`).
fn names_type(ty: &str, table_schema: &str, schema: &str, name: &str) -> bool {
    let Some(parts) = identifier_parts(ty.trim()) else {
        return false;
    };
    match parts.as_slice() {
        [n] => n == name && (schema == table_schema || schema == "public"),
        [s, n] => s == schema && n == name,
        _ => false,
    }
}

/// `a.b`, `"A"."b"` → its identifiers (unquoted ones lower-cased); `None` for
/// anything else (arrays, type modifiers).
fn identifier_parts(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    part.push(c.to_ascii_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_matched_like_identifiers() {
        assert!(names_type("app.status", "x", "app", "status"));
        assert!(names_type("\"app\".\"status\"", "x", "app", "status"));
        assert!(names_type("Status", "app", "app", "status"));
        assert!(names_type("status", "other", "public", "status"));
        assert!(!names_type("status", "other", "app", "status"));
        assert!(!names_type("\"Status\"", "app", "app", "status"));
        assert!(!names_type("app.status[]", "app", "app", "status"));
        assert!(!names_type("text", "app", "app", "status"));
    }
}
