//! Role lint on the spec: logins whose password is not in the spec.
//!
//! A role without `password:` keeps whatever password it has, so how a
//! login authenticates is then decided outside the spec: by a password set
//! by hand, by none at all (only `trust`/peer/certificate rules let it in),
//! or by a managed service's IAM.

use super::Finding;
use super::registry::LOGIN_WITHOUT_PASSWORD;
use crate::spec::Spec;
use crate::spec::lint::Scope;

pub(super) fn check(spec: &Spec, out: &mut Vec<Finding>) {
    for role in spec.roles.values() {
        if !role.attributes.login || role.password.is_some() {
            continue;
        }
        let object = format!("role `{}`", role.name);
        out.push(Finding {
            lint: &LOGIN_WITHOUT_PASSWORD,
            message: format!(
                "login {object} has no `password`: whatever password it has (or none) stays, set outside the spec"
            ),
            object,
            remediation: "add `password: { env: NAME }` or `password: { file: /run/secrets/NAME }`, or allow this lint with how it authenticates (certificates, peer, IAM)".into(),
            scope: Scope::Role(role.name.clone()),
            origin: Some(role.origin.clone()),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{found, lint};

    #[test]
    fn logins_without_password_are_reported() {
        let r = lint(
            "roles:\n  app: { login: true }\n  web: { login: true, password: { env: WEB_PW } }\n  group: {}\n",
        );
        assert_eq!(
            found(&r, "login-without-password"),
            [
                "role `app`: login role `app` has no `password`: whatever password it has (or none) stays, set outside the spec (line 3)"
            ]
        );
    }
}
