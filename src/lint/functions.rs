//! Function lints on the spec: a search_path the caller controls, and
//! SECURITY DEFINER functions that PUBLIC or an API role may execute.
//!
//! A SECURITY DEFINER function without a pinned search_path is not a lint
//! here: the validator refuses it (DESIGN item 7), so a spec that has one
//! never reaches the lints. On a live database the same mistake is
//! `definer-search-path-not-pinned` ([`definer_search_path_problem`]).

use super::access::{Access, Via};
use super::registry::{
    DEFINER_EXECUTABLE_BY_API_ROLE, DEFINER_EXECUTABLE_BY_PUBLIC, FUNCTION_SEARCH_PATH_MUTABLE,
};
use super::{Finding, roles};
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::lint::Scope;
use crate::spec::model::{Object, Schema};
use crate::spec::validate::PUBLIC;

fn label(schema: &Schema, f: &Object) -> String {
    super::object_label(schema, f)
}

fn scope(schema: &Schema, f: &Object) -> Scope {
    Scope::Object {
        schema: schema.name.clone(),
        kind: ObjectKind::Function,
        name: f.name.clone(),
    }
}

/// What is wrong with a SECURITY DEFINER function's search_path (`None`:
/// not set), or `None` when it is pinned: set, not empty, no `$user`, and
/// ending with `pg_temp` (the validator's rule, for live functions).
pub(crate) fn definer_search_path_problem(items: Option<&[String]>) -> Option<String> {
    let Some(items) = items else {
        return Some("has no `search_path`: the caller's decides which tables and functions its body uses, with its owner's rights".into());
    };
    let items: Vec<&str> = items
        .iter()
        .map(|i| i.trim().trim_matches('"'))
        .filter(|i| !i.is_empty())
        .collect();
    if items.is_empty() {
        return Some("has an empty `search_path`".into());
    }
    if items.contains(&"$user") {
        return Some("has `$user` in its `search_path`, which is resolved for each caller".into());
    }
    if items.last() != Some(&"pg_temp") {
        return Some(format!(
            "has `search_path` `{}`, which does not end with `pg_temp`: the caller's temporary schema is searched first",
            items.join(", ")
        ));
    }
    None
}

pub(super) fn check(spec: &Spec, access: &Access<'_>, out: &mut Vec<Finding>) {
    for schema in spec.schemas.values() {
        for f in schema
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::Function)
        {
            // Adopted functions: their attributes are the migrations' (see
            // `lint --live`).
            let Some(routine) = &f.routine else { continue };
            let object = label(schema, f);
            if !routine.security_definer {
                if !routine.settings.contains_key("search_path") {
                    out.push(Finding {
                        lint: &FUNCTION_SEARCH_PATH_MUTABLE,
                        message: format!("{object} does not pin `search_path`: names in its body resolve through the caller's search_path"),
                        object,
                        remediation: "write `search_path: [pg_catalog, pg_temp]` on it (with the schemas its body uses unqualified before `pg_temp`)".into(),
                        scope: scope(schema, f),
                        origin: Some(f.origin.clone()),
                    });
                }
                continue;
            }
            let owner = access.object_owner(schema, f);
            let acl = access.object_acl(schema, f);
            if let Some((_, origin)) = acl
                .iter()
                .find(|((who, p), _)| who == PUBLIC && *p == Privilege::Execute)
            {
                out.push(Finding {
                    lint: &DEFINER_EXECUTABLE_BY_PUBLIC,
                    message: format!(
                        "PUBLIC may execute SECURITY DEFINER {object}: every role that can use schema `{}` runs it with the rights of {}",
                        schema.name,
                        owner.as_deref().map(|o| format!("`{o}`")).unwrap_or_else(|| "its owner".into())
                    ),
                    object,
                    remediation: "grant EXECUTE to the roles that call it instead of PUBLIC".into(),
                    scope: scope(schema, f),
                    origin: Some(origin.clone()),
                });
                continue;
            }
            let mut callers = Vec::new();
            let mut origin = None;
            for api in access.api_roles.keys().filter(|r| *r != PUBLIC) {
                if !access.uses_schema(api, &schema.name) {
                    continue;
                }
                if let Some(Via::Grant { origin: o, .. }) = access.holds(
                    api,
                    ObjectKind::Function,
                    &acl,
                    owner.as_deref(),
                    &[Privilege::Execute],
                ) {
                    callers.push(api.clone());
                    origin = origin.or(Some(o));
                }
            }
            if callers.is_empty() {
                continue;
            }
            out.push(Finding {
                lint: &DEFINER_EXECUTABLE_BY_API_ROLE,
                message: format!(
                    "API role(s) {} may execute SECURITY DEFINER {object}, which runs with the rights of {}",
                    roles(&callers),
                    owner.as_deref().map(|o| format!("`{o}`")).unwrap_or_else(|| "its owner".into())
                ),
                object,
                remediation: "revoke EXECUTE from these roles unless the function is an entry point of the API (then allow this lint with the reason), or make it `security: invoker`".into(),
                scope: scope(schema, f),
                origin,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::tests::{found, lint};

    const SPEC: &str = "roles:
  owner: {}
  api_anon: {}
  authenticator: { login: true, inherit: false, password: { env: P }, member_of: [api_anon] }
database: { owner: owner }
schemas:
  app:
    grants: [{ to: [api_anon], privileges: [USAGE] }]
    functions:
      f:
        args: \"p text\"
        returns: int
        language: sql
        body: select 1
";

    #[test]
    fn an_invoker_function_without_search_path_is_reported() {
        let r = lint(SPEC);
        assert_eq!(
            found(&r, "function-search-path-mutable"),
            [
                "function `app.f(p text)`: function `app.f(p text)` does not pin `search_path`: names in its body resolve through the caller's search_path (line 11)"
            ]
        );
        let pinned = lint(&format!(
            "{SPEC}        search_path: [pg_catalog, pg_temp]\n"
        ));
        assert!(found(&pinned, "function-search-path-mutable").is_empty());
        let set = lint(&format!("{SPEC}        set: {{ search_path: [app] }}\n"));
        assert!(found(&set, "function-search-path-mutable").is_empty());
    }

    #[test]
    fn definer_functions_executable_by_public_or_api_roles_are_reported() {
        let definer = format!(
            "{SPEC}        security: definer\n        search_path: [pg_catalog, pg_temp]\n"
        );
        // pg-provision takes EXECUTE away from PUBLIC: clean.
        let clean = lint(&definer);
        for id in [
            "function-search-path-mutable",
            "definer-executable-by-public",
            "definer-executable-by-api-role",
        ] {
            assert!(found(&clean, id).is_empty(), "{clean:?}");
        }
        let to_api = lint(&format!(
            "{definer}        grants: [{{ to: [api_anon], privileges: [EXECUTE] }}]\n"
        ));
        assert_eq!(
            found(&to_api, "definer-executable-by-api-role"),
            [
                "function `app.f(p text)`: API role(s) `api_anon` may execute SECURITY DEFINER function `app.f(p text)`, which runs with the rights of `owner` (line 18)"
            ]
        );
        let to_public = lint(&format!(
            "{definer}        grants: [{{ to: [PUBLIC], privileges: [EXECUTE] }}]\n"
        ));
        assert_eq!(found(&to_public, "definer-executable-by-public").len(), 1);
        assert!(found(&to_public, "definer-executable-by-api-role").is_empty());
        // Through a schema-wide grant, too.
        let wide = lint(&definer.replace(
            "privileges: [USAGE] }]",
            "privileges: [USAGE] }, { on: functions, to: [PUBLIC], privileges: [EXECUTE] }]",
        ));
        assert!(found(&wide, "definer-executable-by-public")[0].ends_with("(line 9)"));
    }

    #[test]
    fn definer_search_path_rule_matches_the_validator() {
        let v = |items: &[&str]| {
            definer_search_path_problem(Some(
                &items.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            ))
        };
        assert_eq!(v(&["pg_catalog", "pg_temp"]), None);
        assert!(
            v(&["public"])
                .unwrap()
                .contains("does not end with `pg_temp`")
        );
        assert!(v(&["\"$user\"", "pg_temp"]).unwrap().contains("$user"));
        assert!(v(&[""]).unwrap().contains("empty"));
        assert!(
            definer_search_path_problem(None)
                .unwrap()
                .contains("no `search_path`")
        );
    }
}
