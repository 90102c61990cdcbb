//! Extension lint on the spec: extensions installed in `public`, where their
//! functions sit next to (and can be shadowed by, or shadow) everything else
//! every role can see, and where an API exposing `public` publishes them.

use super::Finding;
use super::registry::EXTENSION_IN_PUBLIC;
use crate::spec::Spec;
use crate::spec::lint::Scope;

pub(super) fn check(spec: &Spec, out: &mut Vec<Finding>) {
    for ext in spec.extensions.values() {
        let object = format!("extension `{}`", ext.name);
        let message = match ext.schema.as_deref() {
            Some("public") => format!("{object} is installed in schema `public`"),
            Some(_) => continue,
            None => format!(
                "{object} has no `schema`: it is created in the first schema of the connected role's search_path, usually `public`"
            ),
        };
        out.push(Finding {
            lint: &EXTENSION_IN_PUBLIC,
            message,
            object,
            remediation: "write `schema: extensions` (declared under `schemas:`, with USAGE for the roles that call it) and qualify its functions (`extensions.crypt(…)`)".into(),
            scope: Scope::Extension(ext.name.clone()),
            origin: Some(ext.origin.clone()),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{found, lint};

    #[test]
    fn extensions_in_public_or_nowhere_are_reported() {
        let r = lint(
            "extensions:\n  pgcrypto: { schema: public }\n  citext: {}\n  hstore: { schema: ext }\nschemas:\n  ext: {}\n",
        );
        assert_eq!(
            found(&r, "extension-in-public"),
            [
                "extension `pgcrypto`: extension `pgcrypto` is installed in schema `public` (line 3)",
                "extension `citext`: extension `citext` has no `schema`: it is created in the first schema of the connected role's search_path, usually `public` (line 4)",
            ]
        );
    }
}
