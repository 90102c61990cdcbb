//! Gaps: privileges the role holds that do not work for the common
//! operations, because something next to them is missing.
//!
//! - a login without CONNECT on the database;
//! - privileges on objects in a schema the role has no USAGE on (a table
//!   grant is useless without it; `has_table_privilege` does not look);
//! - INSERT into a table whose column default calls `nextval` on a sequence
//!   the role may neither USE nor UPDATE (identity columns need nothing);
//! - UPDATE or DELETE without SELECT: a `WHERE` or `RETURNING` that reads a
//!   column fails;
//! - row-level security that applies with no permissive policy for a
//!   command the role may run: no row passes.
//!
//! PUBLIC's built-in privileges (EXECUTE on functions, USAGE on types) are
//! not counted as holding something in a schema: nobody granted them.

use super::evaluate::{Answer, Source};
use super::landscape::{Kind, Landscape, RoleFacts};
use super::memberships::Reach;
use super::report::ObjectAnswer;
use crate::privilege::Privilege;
use crate::spec::security::PolicyCommand;
use serde::Serialize;

/// One gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The object it is about, e.g. `table public.orders`.
    pub object: String,
    /// `no_connect`, `no_schema_usage`, `sequence`, `no_select` or `no_policy`.
    pub kind: &'static str,
    /// What fails, and what would fix it.
    pub message: String,
}

fn held(answers: &[Answer], p: Privilege) -> bool {
    answers.iter().any(|a| a.privilege == p && a.held)
}

/// Whether the role holds anything on the object that someone gave it.
fn holds_given(answers: &[Answer]) -> bool {
    answers.iter().any(|a| {
        a.sources
            .iter()
            .any(|s| !matches!(s, Source::Public { builtin: true, .. }))
    })
}

/// Every gap of the role, in the order of the objects.
pub fn find(
    landscape: &Landscape,
    facts: &RoleFacts,
    reach: &Reach,
    database: &ObjectAnswer,
    schemas: &[ObjectAnswer],
    objects: &[ObjectAnswer],
) -> Vec<Gap> {
    if reach.superuser {
        return Vec::new();
    }
    let role = &reach.role;
    let mut out = Vec::new();
    if facts.login && !held(&database.privileges, Privilege::Connect) {
        out.push(Gap {
            object: database.label.clone(),
            kind: "no_connect",
            message: format!(
                "`{role}` can log in but not connect to `{}`: it has no CONNECT on it (nor does PUBLIC or a role it inherits from)",
                database.name
            ),
        });
    }
    for s in schemas {
        if held(&s.privileges, Privilege::Usage) {
            continue;
        }
        let inside: Vec<&ObjectAnswer> = objects
            .iter()
            .filter(|o| o.schema.as_deref() == Some(s.name.as_str()) && holds_given(&o.privileges))
            .collect();
        if inside.is_empty() {
            continue;
        }
        let mut names: Vec<String> = inside.iter().take(5).map(|o| o.label.clone()).collect();
        if inside.len() > 5 {
            names.push(format!("and {} more", inside.len() - 5));
        }
        out.push(Gap {
            object: s.label.clone(),
            kind: "no_schema_usage",
            message: format!(
                "`{role}` holds privileges on {} object(s) in schema `{}` but has no USAGE on the schema, so it cannot reach them: {}",
                inside.len(),
                s.name,
                names.join(", ")
            ),
        });
    }
    for (o, a) in landscape.objects.iter().zip(objects) {
        if !o.kind.has_columns() {
            continue;
        }
        let label = &a.label;
        if held(&a.privileges, Privilege::Insert) {
            for d in &o.nextval_defaults {
                let seq = objects.iter().find(|s| {
                    s.kind == Kind::Sequence.label()
                        && s.schema.as_deref() == Some(d.schema.as_str())
                        && s.name == d.sequence
                });
                let usable = seq.is_some_and(|s| {
                    held(&s.privileges, Privilege::Usage) || held(&s.privileges, Privilege::Update)
                });
                if !usable {
                    out.push(Gap {
                        object: label.clone(),
                        kind: "sequence",
                        message: format!(
                            "INSERT into `{}` without a value for `{}` fails: its default calls nextval(`{}.{}`), and `{role}` has neither USAGE nor UPDATE on that sequence",
                            a.name, d.column, d.schema, d.sequence
                        ),
                    });
                }
            }
        }
        let writes: Vec<&str> = [Privilege::Update, Privilege::Delete]
            .into_iter()
            .filter(|p| held(&a.privileges, *p))
            .map(Privilege::keyword)
            .collect();
        let reads_some_column = held(&a.privileges, Privilege::Select)
            || a.columns
                .iter()
                .flatten()
                .any(|c| held(&c.privileges, Privilege::Select));
        if !writes.is_empty() && !reads_some_column {
            out.push(Gap {
                object: label.clone(),
                kind: "no_select",
                message: format!(
                    "`{role}` may {} `{}` but not SELECT from it: a WHERE clause or RETURNING that reads a column fails",
                    writes.join(" and "),
                    a.name
                ),
            });
        }
        if let Some(rs) = a.row_security.as_ref().filter(|r| r.applies) {
            for c in rs.commands.iter().filter(|c| c.permissive.is_empty()) {
                let (privilege, effect) = match c.command {
                    PolicyCommand::Select => (Privilege::Select, "it sees no rows"),
                    PolicyCommand::Insert => (Privilege::Insert, "every row it inserts is refused"),
                    PolicyCommand::Update => (Privilege::Update, "it updates no rows"),
                    PolicyCommand::Delete => (Privilege::Delete, "it deletes no rows"),
                    PolicyCommand::All => continue,
                };
                if held(&a.privileges, privilege) {
                    out.push(Gap {
                        object: label.clone(),
                        kind: "no_policy",
                        message: format!(
                            "row-level security on `{}` applies to `{role}` and no permissive policy for it allows {}: {effect}",
                            a.name,
                            c.command.keyword()
                        ),
                    });
                }
            }
        }
    }
    out
}
