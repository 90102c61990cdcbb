//! A declared table's row-level security and policies vs the catalog.
//!
//! `rls` is converged when declared. A declared policy that is missing is
//! created; one whose roles, `USING` or `WITH CHECK` differ is altered in
//! place; one whose command or permissive/restrictive kind differs (or that
//! must lose a clause, which `ALTER POLICY` cannot do) is dropped and
//! recreated by two adjacent statements of the same transaction, so no
//! session ever sees the table without it. Expressions are compared in the
//! server's canonical form (probe `policy:`). Undeclared policies on a
//! declared table are extras, dropped only with `--prune`.

use super::security::{Table, probe_key};
use super::{Diff, label};
use crate::catalog::Catalog;
use crate::catalog::security::PolicyState;
use crate::change::{Change, ObjectName, Phase, SecurityStatement, Statement};
use crate::sorted_map::SortedMap;
use crate::spec::security::{Policy, PolicyCommand, PolicyKind};

pub(super) fn diff(table: &Table<'_>, catalog: &Catalog, out: &mut Diff) {
    let security = &table.decl.security;
    let empty = SortedMap::new();
    let live = if table.exists {
        catalog
            .security
            .policies
            .get(&table.key())
            .unwrap_or(&empty)
    } else {
        &empty
    };
    let converge = |out: &mut Diff, what: String, policy: &Policy, s: SecurityStatement| {
        out.changes.push(Change::converge(
            Phase::Policies,
            what,
            &policy.origin,
            Statement::Security(s),
        ));
    };
    for (name, want) in &security.policies {
        let what = format!("{} on {}", label("policy", name), table.label());
        let create = SecurityStatement::CreatePolicy {
            table: table.object(),
            policy: Policy::clone(want),
        };
        let Some(have) = live.get(name) else {
            converge(out, what, want, create);
            continue;
        };
        if catalog
            .uncompared
            .contains_key(&probe_key("policy", table, name))
        {
            continue;
        }
        let (using, with_check) = canonical(table, want, catalog);
        let kind_differs = PolicyCommand::from_polcmd(&have.command) != Some(want.command)
            || have.permissive != (want.kind == PolicyKind::Permissive);
        let loses_clause = (have.using.is_some() && want.using.is_none())
            || (have.with_check.is_some() && want.with_check.is_none());
        let mut roles = want.to.clone();
        roles.sort();
        roles.dedup();
        let mut have_roles = have.roles.clone();
        have_roles.sort();
        if kind_differs || loses_clause {
            converge(
                out,
                what.clone(),
                want,
                SecurityStatement::DropPolicy {
                    table: table.object(),
                    name: name.clone(),
                },
            );
            converge(out, what, want, create);
        } else if roles != have_roles || using != have.using || with_check != have.with_check {
            converge(
                out,
                what,
                want,
                SecurityStatement::AlterPolicy {
                    table: table.object(),
                    policy: Policy::clone(want),
                },
            );
        }
    }
    for name in live.keys().filter(|n| !security.policies.contains_key(*n)) {
        out.changes.push(Change::prune(
            format!("{} on {}", label("policy", name), table.label()),
            Statement::Security(SecurityStatement::DropPolicy {
                table: table.object(),
                name: name.clone(),
            }),
        ));
    }
    rls(table, catalog, out);
}

/// `ENABLE/DISABLE` and `FORCE/NO FORCE ROW LEVEL SECURITY`, when declared.
fn rls(table: &Table<'_>, catalog: &Catalog, out: &mut Diff) {
    let Some(rls) = table.decl.security.rls else {
        return;
    };
    let (enable, force) = rls.flags();
    let (enabled, forced) = if table.exists {
        catalog.security.rls(table.schema, table.name)
    } else {
        (false, false)
    };
    let what = format!("row-level security of {}", table.label());
    let origin = &table.decl.security.rls_origin;
    if enable != enabled {
        out.changes.push(Change::converge(
            Phase::Policies,
            what.clone(),
            origin,
            Statement::Security(SecurityStatement::SetRowSecurity {
                table: table.object(),
                enable,
            }),
        ));
    }
    if force != forced {
        out.changes.push(Change::converge(
            Phase::Policies,
            what,
            origin,
            Statement::Security(SecurityStatement::SetForceRowSecurity {
                table: table.object(),
                force,
            }),
        ));
    }
}

/// The declared `USING` and `WITH CHECK` as the server prints them; as
/// written when no probe answered (the policy did not exist yet).
fn canonical(
    table: &Table<'_>,
    want: &Policy,
    catalog: &Catalog,
) -> (Option<String>, Option<String>) {
    catalog
        .canonical
        .get(&probe_key("policy", table, &want.name))
        .and_then(|text| serde_json::from_str::<(Option<String>, Option<String>)>(text).ok())
        .unwrap_or_else(|| (want.using.clone(), want.with_check.clone()))
}

/// `(key, name, CREATE POLICY … ON <scratch copy>)` for each declared policy
/// that exists live. The probe policy is granted to PUBLIC: roles may not
/// exist yet, and they do not change how the expressions print. (One that
/// prints exactly as written needs no probe: `observe` skips it once the
/// live texts are known, and [`canonical`] falls back to the spec's text.)
pub(super) fn probes(table: &Table<'_>, catalog: &Catalog) -> Vec<(String, String, String)> {
    let live: Option<&SortedMap<String, PolicyState>> = catalog.security.policies.get(&table.key());
    table
        .decl
        .security
        .policies
        .values()
        .filter(|p| live.is_some_and(|l| l.contains_key(&p.name)))
        .map(|p| {
            let scratch = ObjectName::Qualified {
                schema: "pg_temp".into(),
                name: table.name.to_string(),
            };
            let probe = Policy {
                to: vec![crate::quote::PUBLIC.to_string()],
                ..Policy::clone(p)
            };
            let sql = SecurityStatement::CreatePolicy {
                table: scratch,
                policy: probe,
            }
            .render();
            (probe_key("policy", table, &p.name), p.name.clone(), sql)
        })
        .collect()
}
