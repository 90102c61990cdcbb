//! Policy lints on the spec: permissive write policies that are always true
//! for an API role, and several permissive policies for one role and command.

use super::access::Access;
use super::registry::{MULTIPLE_PERMISSIVE_POLICIES, POLICY_ALWAYS_TRUE_WRITE};
use super::{Finding, label, roles};
use crate::privilege::ObjectKind;
use crate::spec::Spec;
use crate::spec::lint::Scope;
use crate::spec::security::{PolicyCommand, PolicyKind, Rls};
use crate::spec::validate::PUBLIC;
use std::collections::{BTreeMap, BTreeSet};

/// The commands a policy can cover, `FOR ALL` being all four.
pub(crate) const COMMANDS: [PolicyCommand; 4] = [
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

/// A permissive policy as [`overlapping`] sees it: name, command, roles.
pub(crate) type PermissivePolicy = (String, PolicyCommand, Vec<String>);

/// Whether `expr` is a condition that holds for every row: `true`, `1 = 1`
/// and the like, in any case and with any parentheses or spacing (as written
/// in a spec, or as `pg_get_expr` prints it).
pub(crate) fn always_true(expr: &str) -> bool {
    let mut e: String = expr
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    while e.starts_with('(') && e.ends_with(')') && balanced(&e[1..e.len() - 1]) {
        e = e[1..e.len() - 1].to_string();
    }
    matches!(
        e.as_str(),
        "true" | "1=1" | "'t'" | "'true'" | "'t'::boolean" | "'true'::boolean" | "true::boolean"
    )
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// Which clause of a permissive write policy lets every row through, if one
/// does: `USING` for the rows that may be changed, `WITH CHECK` (which falls
/// back to `USING` for `FOR ALL` and `FOR UPDATE`) for the rows written.
pub(crate) fn always_true_clause(
    command: PolicyCommand,
    using: Option<&str>,
    with_check: Option<&str>,
) -> Option<String> {
    let check = match command {
        PolicyCommand::All | PolicyCommand::Update => with_check.or(using),
        PolicyCommand::Insert => with_check,
        _ => None,
    };
    let using_true = matches!(
        command,
        PolicyCommand::All | PolicyCommand::Update | PolicyCommand::Delete
    ) && using.is_some_and(always_true);
    let check_true = check.is_some_and(always_true);
    let clause = match (using_true, check_true) {
        (true, true) if with_check.is_some() => format!(
            "`USING ({})` and `WITH CHECK ({})`",
            using.unwrap_or_default(),
            with_check.unwrap_or_default()
        ),
        (true, _) => format!("`USING ({})`", using.unwrap_or_default()),
        (false, true) => format!("`WITH CHECK ({})`", check.unwrap_or_default()),
        (false, false) => return None,
    };
    Some(clause)
}

pub(super) fn check(spec: &Spec, access: &Access<'_>, out: &mut Vec<Finding>) {
    for schema in spec.schemas.values() {
        for table in schema
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::Table)
        {
            let object = label("table", &schema.name, &table.name);
            let rls_on = matches!(table.security.rls, Some(Rls::Enabled | Rls::Forced));
            for policy in table.security.policies.values() {
                if !rls_on
                    || policy.kind != PolicyKind::Permissive
                    || policy.command == PolicyCommand::Select
                {
                    continue;
                }
                let Some(clause) = always_true_clause(
                    policy.command,
                    policy.using.as_deref(),
                    policy.with_check.as_deref(),
                ) else {
                    continue;
                };
                // The API roles the policy applies to: named, or through a
                // role they inherit, or everyone for PUBLIC.
                let to: BTreeSet<&String> = policy.to.iter().collect();
                let writers: Vec<String> = access
                    .api_roles
                    .keys()
                    .filter(|api| access.privileges_of(api).iter().any(|r| to.contains(r)))
                    .cloned()
                    .collect();
                if writers.is_empty() {
                    continue;
                }
                out.push(Finding {
                    lint: &POLICY_ALWAYS_TRUE_WRITE,
                    message: format!(
                        "permissive policy `{}` on {object} lets {} write every row: `FOR {}` with {clause}",
                        policy.name,
                        roles(&writers),
                        policy.command.keyword()
                    ),
                    object: object.clone(),
                    remediation: "restrict `using` and `with_check` to the rows these roles own (e.g. `owner_id = current_setting('app.user_id')::int`), or make the policy `for: select`".into(),
                    scope: Scope::Policy {
                        schema: schema.name.clone(),
                        table: table.name.clone(),
                        name: policy.name.clone(),
                    },
                    origin: Some(policy.origin.clone()),
                });
            }
            let permissive: Vec<PermissivePolicy> = table
                .security
                .policies
                .values()
                .filter(|p| p.kind == PolicyKind::Permissive)
                .map(|p| (p.name.clone(), p.command, p.to.clone()))
                .collect();
            if let Some((text, first)) = overlapping(&permissive) {
                let origin = table.security.policies[&first].origin.clone();
                out.push(Finding {
                    lint: &MULTIPLE_PERMISSIVE_POLICIES,
                    message: format!("{object} has several permissive policies for {text}: they are OR-ed, so the broadest one decides"),
                    object,
                    remediation: "merge them into one policy per role and command, or make the narrowing ones `as: restrictive`".into(),
                    scope: Scope::Object {
                        schema: schema.name.clone(),
                        kind: ObjectKind::Table,
                        name: table.name.clone(),
                    },
                    origin: Some(origin),
                });
            }
        }
    }
}

/// For permissive policies `(name, command, roles)` of one table: the roles
/// (named in a policy, or PUBLIC) with more than one policy for a command,
/// as text (``api_anon` on SELECT (`a`, `b`)``), and the first policy
/// involved. A role whose overlaps are exactly PUBLIC's is not repeated.
pub(crate) fn overlapping(policies: &[PermissivePolicy]) -> Option<(String, String)> {
    let named: BTreeSet<&String> = policies.iter().flat_map(|(_, _, to)| to).collect();
    let per_role = |role: &str| -> BTreeMap<PolicyCommand, Vec<&String>> {
        let mut out: BTreeMap<PolicyCommand, Vec<&String>> = BTreeMap::new();
        for c in COMMANDS {
            let names: Vec<&String> = policies
                .iter()
                .filter(|(_, cmd, to)| {
                    (*cmd == PolicyCommand::All || *cmd == c)
                        && to.iter().any(|r| r == role || r == PUBLIC)
                })
                .map(|(n, _, _)| n)
                .collect();
            if names.len() > 1 {
                out.insert(c, names);
            }
        }
        out
    };
    let public = per_role(PUBLIC);
    let mut parts = Vec::new();
    let mut first: Option<&String> = None;
    for role in named {
        let mut overlaps = per_role(role);
        if role != PUBLIC {
            // What PUBLIC's policies do to everyone is said once, for PUBLIC.
            overlaps.retain(|c, names| public.get(c) != Some(names));
        }
        if overlaps.is_empty() {
            continue;
        }
        let cmds = overlaps
            .iter()
            .map(|(c, names)| {
                let list = names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{} ({list})", c.keyword())
            })
            .collect::<Vec<_>>()
            .join(", ");
        for name in overlaps.values().flatten() {
            if first.is_none_or(|f| *name < f) {
                first = Some(name);
            }
        }
        parts.push(format!("{} on {cmds}", super::role(role)));
    }
    Some((parts.join("; "), first?.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::tests::{found, lint};

    #[test]
    fn always_true_recognises_spellings() {
        for t in ["true", "(true)", " TRUE ", "((1 = 1))", "'t'::boolean"] {
            assert!(always_true(t), "{t}");
        }
        for f in [
            "false",
            "(a) = (b)",
            "true AND owner = current_user",
            "(true) OR (x)",
        ] {
            assert!(!always_true(f), "{f}");
        }
        assert_eq!(
            always_true_clause(PolicyCommand::Insert, None, Some("true")).as_deref(),
            Some("`WITH CHECK (true)`")
        );
        // A FOR ALL policy checks new rows with USING when it has no WITH CHECK.
        assert_eq!(
            always_true_clause(PolicyCommand::All, Some("true"), None).as_deref(),
            Some("`USING (true)`")
        );
        assert_eq!(
            always_true_clause(
                PolicyCommand::Update,
                Some("owner = current_user"),
                Some("true")
            )
            .as_deref(),
            Some("`WITH CHECK (true)`")
        );
        assert_eq!(
            always_true_clause(PolicyCommand::Delete, Some("a = 1"), None),
            None
        );
    }

    const SPEC: &str = "roles:
  api_anon: {}
  api_user: { member_of: [api_anon] }
  staff: {}
  authenticator: { login: true, inherit: false, password: { env: P }, member_of: [api_user] }
schemas:
  app:
    tables:
      t:
        rls: enabled
        policies:
";

    #[test]
    fn an_always_true_write_policy_for_an_api_role_is_reported() {
        let r = lint(&format!(
            "{SPEC}          allow_all: {{ to: [api_anon], using: \"true\" }}\n"
        ));
        assert_eq!(
            found(&r, "policy-always-true-write"),
            [
                "table `app.t`: permissive policy `allow_all` on table `app.t` lets `api_anon` and `api_user` write every row: `FOR ALL` with `USING (true)` (line 13)"
            ]
        );
        for clean in [
            "          read_all: { for: select, to: [api_anon], using: \"true\" }\n",
            "          own: { to: [api_anon], using: \"owner = current_user\" }\n",
            "          staff_all: { to: [staff], using: \"true\" }\n",
            "          narrow: { as: restrictive, to: [api_anon], using: \"true\" }\n",
        ] {
            assert!(
                found(&lint(&format!("{SPEC}{clean}")), "policy-always-true-write").is_empty(),
                "{clean}"
            );
        }
        let public = lint(&format!(
            "{SPEC}          ins: {{ for: insert, with_check: \"(1 = 1)\" }}\n"
        ));
        assert!(found(&public, "policy-always-true-write")[0].contains("`WITH CHECK ((1 = 1))`"));
    }

    #[test]
    fn overlapping_permissive_policies_are_reported_once_per_role() {
        let r = lint(&format!(
            "{SPEC}          a: {{ for: select, to: [api_anon], using: \"x = 1\" }}\n          b: {{ to: [api_anon], using: \"x = 2\" }}\n          c: {{ for: update, to: [staff], using: \"x = 3\" }}\n"
        ));
        assert_eq!(
            found(&r, "multiple-permissive-policies"),
            [
                "table `app.t`: table `app.t` has several permissive policies for `api_anon` on SELECT (`a`, `b`): they are OR-ed, so the broadest one decides (line 13)"
            ]
        );
        let clean = lint(&format!(
            "{SPEC}          a: {{ for: select, to: [api_anon], using: \"x = 1\" }}\n          b: {{ for: update, to: [api_anon], using: \"x = 2\" }}\n          c: {{ as: restrictive, to: [api_anon], using: \"x = 3\" }}\n"
        ));
        assert!(found(&clean, "multiple-permissive-policies").is_empty());
        // Two PUBLIC policies overlap for everyone: said once, for PUBLIC.
        let public = overlapping(&[
            ("p".into(), PolicyCommand::Select, vec!["PUBLIC".into()]),
            ("q".into(), PolicyCommand::All, vec!["PUBLIC".into()]),
            ("r".into(), PolicyCommand::Delete, vec!["staff".into()]),
        ]);
        assert_eq!(
            public,
            Some((
                "PUBLIC on SELECT (`p`, `q`); `staff` on DELETE (`q`, `r`)".into(),
                "p".into()
            ))
        );
    }
}
