//! `differs-by-major`: what in a spec means something different, or fails,
//! on some of the supported PostgreSQL majors (14–18). Offline only: a live
//! database is one major.
//!
//! The list (docs/lints.md explains each):
//! - membership `inherit`/`set` options: PostgreSQL 16+; the plan is refused
//!   on 14 and 15;
//! - `security_invoker` views: PostgreSQL 15+; refused on 14;
//! - the `MAINTAIN` privilege, written out: PostgreSQL 17+; the GRANT fails
//!   before (`ALL` is not reported: it means every privilege the server has,
//!   which is what it asks for);
//! - predefined roles listed in `external_roles` that older majors lack
//!   (`pg_checkpoint` 15, `pg_create_subscription` and
//!   `pg_use_reserved_connections` 16, `pg_maintain` 17,
//!   `pg_signal_autovacuum_worker` 18);
//! - CREATE on `public` for PUBLIC, which PostgreSQL 14 still gives, when the
//!   spec does not revoke it;
//! - objects (or schema-wide grants for their creators) in `public` without
//!   `schemas.public.owner`: their owner defaults to `public`'s owner,
//!   `pg_database_owner` (acting as the database owner) on 15+ but usually
//!   the bootstrap superuser on 14.
//!
//! Not on the list, because the plan settles them the same on every major:
//! a member's `inherit` attribute versus per-grant INHERIT (pg-provision
//! grants with INHERIT spelled out from 16), and `ALL` on tables.

use super::Finding;
use super::registry::DIFFERS_BY_MAJOR;
use crate::privilege::Privilege;
use crate::spec::Spec;
use crate::spec::lint::Scope;
use crate::spec::model::{DefaultAction, Grant, Origin, Revoke};
use crate::spec::path::{LineCol, YamlPath};
use crate::spec::validate::PUBLIC;

/// Predefined roles younger than PostgreSQL 14, with the major that added them.
const PREDEFINED_SINCE: &[(&str, u32)] = &[
    ("pg_checkpoint", 15),
    ("pg_create_subscription", 16),
    ("pg_use_reserved_connections", 16),
    ("pg_maintain", 17),
    ("pg_signal_autovacuum_worker", 18),
];

fn finding(
    object: String,
    message: String,
    remediation: &str,
    scope: Scope,
    origin: Origin,
) -> Finding {
    Finding {
        lint: &DIFFERS_BY_MAJOR,
        object,
        message,
        remediation: remediation.to_string(),
        scope,
        origin: Some(origin),
    }
}

fn names_maintain(p: &Option<std::collections::BTreeSet<Privilege>>) -> bool {
    p.as_ref().is_some_and(|s| s.contains(&Privilege::Maintain))
}

pub(super) fn check(spec: &Spec, out: &mut Vec<Finding>) {
    for role in spec.roles.values() {
        for m in role.member_of.values() {
            if m.inherit.is_some() || m.set.is_some() {
                out.push(finding(
                    format!("membership of role `{}` in `{}`", role.name, m.role),
                    format!(
                        "the membership of `{}` in `{}` sets `inherit`/`set`, options PostgreSQL 16 introduced: on 14 and 15 the plan is refused",
                        role.name, m.role
                    ),
                    "on 14 and 15 inheritance is the member's `inherit` attribute: drop the options, or allow this lint if the spec targets 16+ only",
                    Scope::Role(role.name.clone()),
                    m.origin.clone(),
                ));
            }
        }
    }
    for named in &spec.lint.external_roles {
        if let Some((_, since)) = PREDEFINED_SINCE.iter().find(|(n, _)| *n == named.name) {
            out.push(finding(
                format!("role `{}`", named.name),
                format!(
                    "predefined role `{}` exists from PostgreSQL {since}: on older servers the plan is refused because it does not exist",
                    named.name
                ),
                "remove it, or allow this lint if the spec targets that major and later only",
                Scope::Role(named.name.clone()),
                named.origin.clone(),
            ));
        }
    }
    let maintain = |out: &mut Vec<Finding>,
                    grants: &[&Grant],
                    revokes: &[&Revoke],
                    object: String,
                    scope: Scope| {
        let origins = grants
            .iter()
            .filter(|g| names_maintain(&g.privileges))
            .map(|g| &g.origin)
            .chain(
                revokes
                    .iter()
                    .filter(|r| names_maintain(&r.privileges))
                    .map(|r| &r.origin),
            );
        for origin in origins {
            out.push(finding(
                object.clone(),
                format!("{object} names the `MAINTAIN` privilege, which exists from PostgreSQL 17: on older servers the statement fails"),
                "drop `MAINTAIN` (or use `ALL`, which means what the server has), or allow this lint if the spec targets 17+ only",
                scope.clone(),
                origin.clone(),
            ));
        }
    };
    for schema in spec.schemas.values() {
        let wide: Vec<&Grant> = schema.schema_wide.iter().map(|w| &w.grant).collect();
        maintain(
            out,
            &wide,
            &[],
            format!("schema `{}`", schema.name),
            Scope::Schema(schema.name.clone()),
        );
        for object in schema.objects.values() {
            let grants: Vec<&Grant> = object
                .grants
                .iter()
                .chain(object.column_grants.iter().map(|c| &c.grant))
                .collect();
            let revokes: Vec<&Revoke> = object.revokes.iter().collect();
            maintain(
                out,
                &grants,
                &revokes,
                super::object_label(schema, object),
                super::rls::scope(schema, object),
            );
            if let Some(view) = &object.view
                && view.security_invoker
            {
                drop_in(out, schema, object);
            }
        }
    }
    for (i, dp) in spec.default_privileges.iter().enumerate() {
        let (g, r): (Vec<&Grant>, Vec<&Revoke>) = match &dp.action {
            DefaultAction::Grant(g) => (vec![g], vec![]),
            DefaultAction::Revoke(r) => (vec![], vec![r]),
        };
        maintain(
            out,
            &g,
            &r,
            format!("default privileges of `{}`", dp.for_role),
            Scope::DefaultPrivilege(i),
        );
    }
    public_schema(spec, out);
}

fn drop_in(
    out: &mut Vec<Finding>,
    schema: &crate::spec::model::Schema,
    view: &crate::spec::model::Object,
) {
    let object = format!("view `{}.{}`", schema.name, view.name);
    let origin = view.origin.clone();
    out.push(finding(
        object.clone(),
        format!("{object} sets `security_invoker`, which PostgreSQL 15 introduced: on 14 the plan is refused"),
        "allow this lint if the spec targets 15+ only; on 14 a view always reads as its owner",
        super::rls::scope(schema, view),
        origin,
    ));
}

fn public_schema(spec: &Spec, out: &mut Vec<Finding>) {
    let public = spec.schemas.get("public");
    let (scope, origin) = match public {
        Some(p) => (Scope::Schema("public".into()), p.origin.clone()),
        None => (
            Scope::Spec,
            Origin {
                path: YamlPath::root(),
                at: Some(LineCol { line: 1, column: 1 }),
            },
        ),
    };
    let touches_create = |privileges: &Option<std::collections::BTreeSet<Privilege>>| {
        privileges
            .as_ref()
            .is_none_or(|s| s.contains(&Privilege::Create))
    };
    let settled = public.is_some_and(|p| {
        p.revokes
            .iter()
            .any(|r| r.from.iter().any(|f| f == PUBLIC) && touches_create(&r.privileges))
            || p.grants
                .iter()
                .any(|g| g.to.iter().any(|t| t == PUBLIC) && touches_create(&g.privileges))
    });
    if !settled {
        out.push(finding(
            "schema `public`".into(),
            "on PostgreSQL 14 every role may create objects in schema `public` (15 took CREATE away from PUBLIC), and the spec does not revoke it".into(),
            "write `schemas: { public: { revoke: [{ from: [PUBLIC], privileges: [CREATE] }] } }` (a no-op on 15+)",
            scope,
            origin,
        ));
    }
    let Some(public) = public else { return };
    let creators_implied = public.schema_wide.iter().any(|w| w.for_roles.is_none());
    if public.owner.is_none() && (!public.objects.is_empty() || creators_implied) {
        let origin = public.origin.clone();
        out.push(finding(
            "schema `public`".into(),
            "objects in schema `public` default to its owner, which the spec does not set: `pg_database_owner` (the database owner) on PostgreSQL 15+, but on 14 `public` belongs to the bootstrap superuser".into(),
            "write `owner:` on `schemas.public` (or on each object) so every major ends the same",
            Scope::Schema("public".into()),
            origin,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{found, lint};

    const CLEAN_PUBLIC: &str =
        "schemas:\n  public:\n    revoke: [{ from: [PUBLIC], privileges: [CREATE] }]\n";

    #[test]
    fn public_create_before_15_is_reported_unless_revoked() {
        let r = lint("roles:\n  a: {}\n");
        assert_eq!(
            found(&r, "differs-by-major"),
            [
                "schema `public`: on PostgreSQL 14 every role may create objects in schema `public` (15 took CREATE away from PUBLIC), and the spec does not revoke it (line 1)"
            ]
        );
        assert!(found(&lint(CLEAN_PUBLIC), "differs-by-major").is_empty());
        let all =
            lint("schemas:\n  public:\n    revoke: [{ from: [PUBLIC], privileges: [ALL] }]\n");
        assert!(found(&all, "differs-by-major").is_empty());
    }

    #[test]
    fn version_dependent_keys_are_reported_with_their_line() {
        let r = lint(&format!(
            "external_roles: [postgres, pg_maintain]
roles:
  a: {{}}
  b: {{ member_of: [{{ role: a, inherit: false }}] }}
{CLEAN_PUBLIC}  app:
    tables:
      t: {{ grants: [{{ to: [a], privileges: [SELECT, MAINTAIN] }}] }}
    views:
      v: {{ query: select 1, security_invoker: true }}
"
        ));
        let f = found(&r, "differs-by-major");
        assert_eq!(f.len(), 4, "{f:#?}");
        assert!(
            f[0].contains("predefined role `pg_maintain` exists from PostgreSQL 17")
                && f[0].ends_with("(line 2)"),
            "{f:?}"
        );
        assert!(
            f[1].contains("sets `inherit`/`set`") && f[1].ends_with("(line 5)"),
            "{f:?}"
        );
        assert!(
            f[2].starts_with("table `app.t`: table `app.t` names the `MAINTAIN` privilege")
                && f[2].ends_with("(line 11)"),
            "{f:?}"
        );
        assert!(
            f[3].contains("`security_invoker`") && f[3].ends_with("(line 13)"),
            "{f:?}"
        );
    }

    #[test]
    fn objects_in_public_without_an_owner_are_reported() {
        let r = lint(&format!("{CLEAN_PUBLIC}    tables:\n      t: {{}}\n"));
        assert_eq!(found(&r, "differs-by-major").len(), 1);
        assert!(found(&r, "differs-by-major")[0].contains("bootstrap superuser"));
        let owned = lint(&format!(
            "roles:\n  o: {{}}\n{}    owner: o\n    tables:\n      t: {{}}\n",
            CLEAN_PUBLIC
        ));
        assert!(found(&owned, "differs-by-major").is_empty());
    }
}
