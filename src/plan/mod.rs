//! Stage 4, `plan`: order the diff's changes by dependency and decide what
//! runs. Pure.
//!
//! In: a [`Diff`] and whether to prune. Out: a [`Plan`] whose `changes` run in
//! order (roles → memberships → database → schemas → extensions →
//! default privileges → enum types → tables and sequences → functions → views → function
//! body checks → triggers → policies → object owners → privileges → seed rows
//! → comments → prunes; see [`Phase`]), and whose `extras` are the undeclared
//! things that are reported but kept.

pub mod authority;
pub mod locks;

use crate::catalog::Server;
use crate::change::{Change, Class, Phase, RoutineStatement, Statement};
use crate::diff::{Diff, Refusal};

/// What a run will do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Statements to execute, in order.
    pub changes: Vec<Change>,
    /// Undeclared extras found and kept (without `--prune`), and notices
    /// (drift no run changes, e.g. an undeclared column).
    pub extras: Vec<Change>,
    /// Requests that will not be carried out.
    pub refusals: Vec<Refusal>,
}

impl Plan {
    /// Whether the database differs from the spec in a way `check` reports:
    /// a verifiable change, an extra, or a refusal.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.verifiable)
            || !self.extras.is_empty()
            || !self.refusals.is_empty()
    }

    /// Changes that are counted as drift (excludes unverifiable passwords).
    pub fn drift_changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.verifiable)
    }

    /// The objects this plan creates, each once, in plan order. `apply`
    /// settles their owners and exact privileges in a second pass of the same
    /// transaction, once they exist; `plan` can only announce that pass.
    pub fn created(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.changes
            .iter()
            .filter_map(|c| c.statement.created())
            .map(|n| n.to_string())
            .filter(|n| seen.insert(n.clone()))
            .collect()
    }
}

/// Orders `diff` into a plan for `server`; prune changes run only when
/// `prune` is set. A plan that would overflow the server's lock table is
/// refused (see [`locks`]).
pub fn build_for(diff: Diff, prune: bool, server: &Server) -> Plan {
    let mut plan = build(diff, prune);
    if let Some(refusal) = locks::check(&plan.changes, server) {
        plan.refusals.push(refusal);
    }
    plan
}

/// Orders `diff` into a plan; prune changes run only when `prune` is set.
pub fn build(diff: Diff, prune: bool) -> Plan {
    let (mut changes, extras): (Vec<Change>, Vec<Change>) = diff
        .changes
        .into_iter()
        .partition(|c| c.class == Class::Converge || (prune && c.class == Class::Prune));
    defer_body_checks(&mut changes);
    // Stable: within a phase the diff's deterministic order is kept.
    changes.sort_by_key(|c| c.phase);
    Plan {
        changes,
        extras,
        refusals: diff.refusals,
    }
}

/// Routines are created with `check_function_bodies` off and checked after
/// the views: a SQL-language body that reads a view, or calls a routine,
/// created later in the same run would otherwise fail at `CREATE`. The check
/// re-runs each routine's `CREATE OR REPLACE` with the setting back on, which
/// makes the language's validator run exactly as `CREATE` would — for every
/// language — and, being that routine's statement, names it when it fails.
/// (`pg_dump` restores with the same setting off for the same reason.) A
/// plan with a single routine and no view needs none of this.
fn defer_body_checks(changes: &mut Vec<Change>) {
    let routines: Vec<Change> = changes
        .iter()
        .filter(|c| {
            matches!(
                c.statement,
                Statement::Routine(RoutineStatement::CreateRoutine { .. })
            )
        })
        .cloned()
        .collect();
    let creates_views = changes.iter().any(|c| {
        matches!(
            c.statement,
            Statement::Routine(RoutineStatement::CreateView { .. })
        )
    });
    // One routine and no view: nothing it reads can come later in the run.
    if routines.is_empty() || (routines.len() == 1 && !creates_views) {
        return;
    }
    let framing = |on: bool, phase: Phase| Change {
        statement: Statement::Routine(RoutineStatement::CheckFunctionBodies(on)),
        phase,
        class: Class::Converge,
        object: "function bodies".to_string(),
        origin: None,
        verifiable: false,
    };
    // First in the vector, so first of its phase after the stable sort.
    changes.insert(0, framing(false, Phase::Functions));
    changes.push(framing(true, Phase::CheckBodies));
    for routine in routines {
        let Statement::Routine(RoutineStatement::CreateRoutine {
            schema,
            name,
            args,
            identity_args,
            definition,
            ..
        }) = routine.statement
        else {
            unreachable!("filtered above");
        };
        changes.push(Change {
            statement: Statement::Routine(RoutineStatement::CreateRoutine {
                replace: true,
                schema,
                name,
                args,
                identity_args,
                definition,
            }),
            phase: Phase::CheckBodies,
            verifiable: false,
            object: format!("{}: body check", routine.object),
            ..routine
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Origin;
    use crate::spec::path::YamlPath;
    use crate::spec::routine::{Parallel, RoutineDefinition, Volatility};

    fn create_function(name: &str) -> Change {
        let origin = Origin {
            path: YamlPath::root().key("schemas").key("s").key(name),
            at: None,
        };
        Change::converge(
            Phase::Functions,
            format!("function `s.{name}()`"),
            &origin,
            Statement::Routine(RoutineStatement::CreateRoutine {
                replace: false,
                schema: "s".into(),
                name: name.into(),
                args: String::new(),
                identity_args: String::new(),
                definition: RoutineDefinition {
                    procedure: false,
                    returns: Some("bigint".into()),
                    language: "sql".into(),
                    body: "SELECT count(*) FROM s.v".into(),
                    volatility: Volatility::Volatile,
                    strict: false,
                    security_definer: false,
                    leakproof: false,
                    parallel: Parallel::Unsafe,
                    settings: Default::default(),
                    cost: None,
                    rows: None,
                },
            }),
        )
    }

    #[test]
    fn routine_bodies_are_checked_after_the_views() {
        let view = Change::converge(
            Phase::Views,
            "view `s.v`".into(),
            create_function("f").origin.as_ref().unwrap(),
            Statement::Routine(RoutineStatement::DropView {
                schema: "s".into(),
                name: "v".into(),
            }),
        );
        let diff = Diff {
            changes: vec![view, create_function("a"), create_function("b")],
            refusals: Vec::new(),
        };
        let plan = build(diff, false);
        let sql: Vec<String> = plan
            .changes
            .iter()
            .map(|c| {
                let s = c.statement.render_redacted().to_string();
                s.lines().next().unwrap().to_string()
            })
            .collect();
        assert_eq!(
            sql,
            [
                "SET LOCAL check_function_bodies = off",
                r#"CREATE FUNCTION "s"."a"() RETURNS bigint LANGUAGE "sql" AS $pgp$"#,
                r#"CREATE FUNCTION "s"."b"() RETURNS bigint LANGUAGE "sql" AS $pgp$"#,
                r#"DROP VIEW "s"."v""#,
                "SET LOCAL check_function_bodies = on",
                r#"CREATE OR REPLACE FUNCTION "s"."a"() RETURNS bigint LANGUAGE "sql" AS $pgp$"#,
                r#"CREATE OR REPLACE FUNCTION "s"."b"() RETURNS bigint LANGUAGE "sql" AS $pgp$"#,
            ]
        );
        // The checks name their routine and spec line, but are not drift of their own.
        let check = &plan.changes[5];
        assert_eq!(check.object, "function `s.a()`: body check");
        assert!(check.origin.is_some() && !check.verifiable);
        assert!(check.statement.created().is_none());
        assert_eq!(plan.created(), ["s.a()", "s.b()"]);
    }

    #[test]
    fn a_lone_routine_is_not_framed() {
        let diff = Diff {
            changes: vec![create_function("a")],
            refusals: Vec::new(),
        };
        let plan = build(diff, false);
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].phase, Phase::Functions);
    }
}
