//! The `lint:` keys of a spec: validated allowances and API roles.
//!
//! In: the raw document ([`RawSpec`]), read before validation consumes it.
//! Out: [`LintSettings`] for [`Spec::lint`](super::model::Spec), or issues
//! (an unknown lint id, an allowance without a reason, an undeclared API
//! role) with their YAML paths. What an allowance covers is a [`Scope`]: the
//! object that carries it and everything inside it, so the same allowance
//! applies to findings on the spec (offline) and on the live database.

use super::error::Issue;
use super::model::Origin;
use super::path::YamlPath;
use super::raw::RawSpec;
use super::raw_lint::RawLint;
use crate::privilege::ObjectKind;

/// What a finding is about, and what an allowance covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// The whole spec (the top-level `lint:` key).
    Spec,
    /// The connected database.
    Database,
    /// A role.
    Role(String),
    /// A schema and everything in it.
    Schema(String),
    /// An extension.
    Extension(String),
    /// A table, view, sequence or function (any overload) and, for a table,
    /// its policies.
    Object {
        /// Its schema.
        schema: String,
        /// `Table`, `View`, `Sequence` or `Function`.
        kind: ObjectKind,
        /// Its name (a function's name, not its spec key).
        name: String,
    },
    /// A policy of a table.
    Policy {
        /// The table's schema.
        schema: String,
        /// The table.
        table: String,
        /// The policy.
        name: String,
    },
    /// The `default_privileges:` entry at this index.
    DefaultPrivilege(usize),
}

impl Scope {
    /// Whether an allowance on `self` covers a finding about `other`.
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Spec, _) => true,
            (Scope::Schema(s), Scope::Object { schema, .. } | Scope::Policy { schema, .. }) => {
                s == schema
            }
            (
                Scope::Object {
                    schema,
                    kind: ObjectKind::Table,
                    name,
                },
                Scope::Policy {
                    schema: s, table, ..
                },
            ) => schema == s && name == table,
            _ => self == other,
        }
    }
}

/// One `lint: { allow: […], reason }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The lint ids allowed.
    pub ids: Vec<String>,
    /// Why (required).
    pub reason: String,
    /// What it covers.
    pub scope: Scope,
    /// Where it was written (the `lint` key).
    pub origin: Origin,
}

/// A role named in a list of the spec, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRole {
    /// Role name.
    pub name: String,
    /// Where it was listed.
    pub origin: Origin,
}

/// Everything the spec says about lints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintSettings {
    /// Allowances, in document order.
    pub allows: Vec<Allow>,
    /// Roles declared to be API roles (`lint.api_roles`).
    pub api_roles: Vec<NamedRole>,
    /// Where each of `external_roles` is listed (the model keeps only names).
    pub external_roles: Vec<NamedRole>,
}

impl LintSettings {
    /// The allowance covering a finding of lint `id` about `scope`, if any.
    pub fn allowance(&self, id: &str, scope: &Scope) -> Option<&Allow> {
        self.allows
            .iter()
            .find(|a| a.ids.iter().any(|i| i == id) && a.scope.covers(scope))
    }

    /// Every origin in it, for line:column resolution.
    pub fn origins_mut(&mut self) -> impl Iterator<Item = &mut Origin> {
        self.allows
            .iter_mut()
            .map(|a| &mut a.origin)
            .chain(self.api_roles.iter_mut().map(|r| &mut r.origin))
            .chain(self.external_roles.iter_mut().map(|r| &mut r.origin))
    }
}

fn origin(path: &YamlPath) -> Origin {
    Origin {
        path: path.clone(),
        at: None,
    }
}

/// Reads and checks every `lint:` key of `raw`.
pub(crate) fn collect(raw: &RawSpec, issues: &mut Vec<Issue>) -> LintSettings {
    let mut out = LintSettings::default();
    let root = YamlPath::root();
    if let Some(top) = &raw.lint {
        let at = root.key("lint");
        if top.allow.is_empty() && top.reason.is_some() {
            issues.push(
                Issue::new(&at.key("reason"), "a `reason` without `allow`")
                    .hint("list the lint ids this reason is for under `allow`"),
            );
        }
        if !top.allow.is_empty() {
            allow(&at, &top.allow, &top.reason, Scope::Spec, &mut out, issues);
        }
        for (i, name) in top.api_roles.iter().enumerate() {
            let item = at.key("api_roles").index(i);
            let known = name == crate::spec::validate::PUBLIC
                || raw.roles.contains_key(name)
                || raw.external_roles.contains(name);
            if !known {
                issues.push(
                    Issue::new(&item, format!("role `{name}` is not declared")).hint(format!(
                        "add `{name}` under `roles:` or `external_roles:`, or remove it here"
                    )),
                );
            }
            out.api_roles.push(NamedRole {
                name: name.clone(),
                origin: origin(&item),
            });
        }
    }
    for (i, name) in raw.external_roles.iter().enumerate() {
        out.external_roles.push(NamedRole {
            name: name.clone(),
            origin: origin(&root.key("external_roles").index(i)),
        });
    }
    let mut object = |path: YamlPath, lint: &Option<RawLint>, scope: Scope| {
        if let Some(l) = lint {
            let at = path.key("lint");
            if l.allow.is_empty() {
                issues.push(
                    Issue::new(&at.key("allow"), "no lints listed")
                        .hint("list the lint ids to allow here, e.g. `allow: [rls-enabled-without-policy]`, or remove `lint`"),
                );
            }
            allow(&at, &l.allow, &l.reason, scope, &mut out, issues);
        }
    };
    let roles = root.key("roles");
    for (name, role) in &raw.roles {
        if let Some(role) = role {
            object(roles.key(name), &role.lint, Scope::Role(name.clone()));
        }
    }
    if let Some(db) = &raw.database {
        object(root.key("database"), &db.lint, Scope::Database);
    }
    let schemas = root.key("schemas");
    for (name, schema) in &raw.schemas {
        let Some(schema) = schema else { continue };
        let path = schemas.key(name);
        object(path.clone(), &schema.lint, Scope::Schema(name.clone()));
        let scope = |kind: ObjectKind, object: &str| Scope::Object {
            schema: name.clone(),
            kind,
            name: object.to_string(),
        };
        for (table, t) in &schema.tables {
            let Some(t) = t else { continue };
            let tpath = path.key("tables").key(table);
            object(tpath.clone(), &t.lint, scope(ObjectKind::Table, table));
            for (policy, p) in &t.policies {
                object(
                    tpath.key("policies").key(policy),
                    &p.lint,
                    Scope::Policy {
                        schema: name.clone(),
                        table: table.clone(),
                        name: policy.clone(),
                    },
                );
            }
        }
        for (view, v) in &schema.views {
            if let Some(v) = v {
                object(
                    path.key("views").key(view),
                    &v.lint,
                    scope(ObjectKind::View, view),
                );
            }
        }
        for (seq, s) in &schema.sequences {
            if let Some(s) = s {
                object(
                    path.key("sequences").key(seq),
                    &s.lint,
                    scope(ObjectKind::Sequence, seq),
                );
            }
        }
        for (key, f) in &schema.functions {
            let fname = f.name.clone().unwrap_or_else(|| key.clone());
            object(
                path.key("functions").key(key),
                &f.lint,
                scope(ObjectKind::Function, &fname),
            );
        }
    }
    let extensions = root.key("extensions");
    for (name, ext) in &raw.extensions {
        if let Some(ext) = ext {
            object(
                extensions.key(name),
                &ext.lint,
                Scope::Extension(name.clone()),
            );
        }
    }
    let dps = root.key("default_privileges");
    for (i, dp) in raw.default_privileges.iter().enumerate() {
        object(dps.index(i), &dp.lint, Scope::DefaultPrivilege(i));
    }
    out
}

fn allow(
    at: &YamlPath,
    ids: &[String],
    reason: &Option<String>,
    scope: Scope,
    out: &mut LintSettings,
    issues: &mut Vec<Issue>,
) {
    for (i, id) in ids.iter().enumerate() {
        if crate::lint::registry::find(id).is_none() {
            issues.push(
                Issue::new(&at.key("allow").index(i), format!("unknown lint `{id}`")).hint(
                    format!(
                        "the lints are {} (see docs/lints.md)",
                        crate::lint::registry::ALL
                            .iter()
                            .map(|l| l.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            );
        }
    }
    let reason = reason.as_deref().map(str::trim).unwrap_or_default();
    if reason.is_empty() && !ids.is_empty() {
        issues.push(Issue::new(at, "an allowance needs a `reason`").hint(
            "write `reason: \"…\"`: why the finding is acceptable here, for the next reader",
        ));
    }
    if !ids.is_empty() {
        out.allows.push(Allow {
            ids: ids.to_vec(),
            reason: reason.to_string(),
            scope,
            origin: origin(at),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Environment, SpecError, parse};
    use std::path::{Path, PathBuf};

    fn parse_spec(text: &str) -> Result<crate::spec::Spec, SpecError> {
        let var = |_: &str| Some("pw".to_string());
        parse(
            &format!("version: 1\n{text}"),
            &PathBuf::from("provision.yaml"),
            &Environment {
                var: &var,
                base_dir: Path::new("/nonexistent"),
            },
        )
    }

    const WHY: &str = "reason: test";

    #[test]
    fn every_lint_key_gives_its_scope_and_line() {
        let spec = parse_spec(&format!(
            "lint: {{ allow: [differs-by-major], {WHY}, api_roles: [web] }}
roles:
  web: {{ lint: {{ allow: [login-without-password], {WHY} }} }}
database: {{ lint: {{ allow: [grant-without-schema-usage], {WHY} }} }}
schemas:
  app:
    lint: {{ allow: [extension-in-public], {WHY} }}
    tables:
      t:
        lint: {{ allow: [rls-enabled-without-policy], {WHY} }}
        policies:
          p: {{ lint: {{ allow: [policy-always-true-write], {WHY} }} }}
    views:
      v: {{ lint: {{ allow: [view-bypasses-rls], {WHY} }} }}
    sequences:
      s: {{ lint: {{ allow: [insert-without-sequence-usage], {WHY} }} }}
    functions:
      f_text: {{ name: f, args: \"a text\", lint: {{ allow: [definer-executable-by-api-role], {WHY} }} }}
extensions:
  pgcrypto: {{ schema: app, lint: {{ allow: [extension-in-public], {WHY} }} }}
default_privileges:
  - {{ for_role: web, on: tables, grant: {{ to: [web], privileges: [SELECT] }}, lint: {{ allow: [default-privileges-never-fire], {WHY} }} }}
"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let scopes: Vec<(String, usize)> = spec
            .lint
            .allows
            .iter()
            .map(|a| (format!("{:?}", a.scope), a.origin.at.unwrap().line))
            .collect();
        let expected = [
            ("Spec", 2),
            ("Role(\"web\")", 4),
            ("Database", 5),
            ("Schema(\"app\")", 8),
            ("Object { schema: \"app\", kind: Table, name: \"t\" }", 11),
            ("Policy { schema: \"app\", table: \"t\", name: \"p\" }", 13),
            ("Object { schema: \"app\", kind: View, name: \"v\" }", 15),
            (
                "Object { schema: \"app\", kind: Sequence, name: \"s\" }",
                17,
            ),
            (
                "Object { schema: \"app\", kind: Function, name: \"f\" }",
                19,
            ),
            ("Extension(\"pgcrypto\")", 21),
            ("DefaultPrivilege(0)", 23),
        ];
        assert_eq!(
            scopes,
            expected
                .iter()
                .map(|(s, l)| (s.to_string(), *l))
                .collect::<Vec<_>>()
        );
        assert_eq!(spec.lint.api_roles[0].name, "web");
        assert_eq!(spec.lint.allows[0].reason, "test");
    }

    #[test]
    fn bad_lint_keys_are_spec_errors_with_their_line() {
        let e = parse_spec(
            "roles:
  web:
    lint: { allow: [rls-disable-with-policy] }
lint: { api_roles: [ghost], reason: nothing }
schemas:
  app: { lint: { reason: why } }
",
        )
        .unwrap_err()
        .to_string();
        for expected in [
            "provision.yaml:4:21: roles.web.lint.allow[0]: unknown lint `rls-disable-with-policy`",
            "provision.yaml:4:5: roles.web.lint: an allowance needs a `reason`",
            "provision.yaml:5:21: lint.api_roles[0]: role `ghost` is not declared",
            "provision.yaml:5:29: lint.reason: a `reason` without `allow`",
            "schemas.app.lint.allow: no lints listed",
        ] {
            assert!(e.contains(expected), "expected `{expected}` in:\n{e}");
        }
        assert!(
            e.contains("hint: the lints are rls-disabled-with-policy, "),
            "{e}"
        );
    }

    #[test]
    fn scopes_cover_what_they_contain() {
        let table = Scope::Object {
            schema: "app".into(),
            kind: ObjectKind::Table,
            name: "t".into(),
        };
        let policy = Scope::Policy {
            schema: "app".into(),
            table: "t".into(),
            name: "p".into(),
        };
        let view = Scope::Object {
            schema: "app".into(),
            kind: ObjectKind::View,
            name: "t".into(),
        };
        assert!(Scope::Spec.covers(&Scope::Role("r".into())));
        assert!(Scope::Schema("app".into()).covers(&policy));
        assert!(Scope::Schema("app".into()).covers(&table));
        assert!(!Scope::Schema("other".into()).covers(&table));
        assert!(table.covers(&policy) && table.covers(&table));
        assert!(!view.covers(&policy), "a view has no policies");
        assert!(!policy.covers(&table));
        assert!(!Scope::Role("r".into()).covers(&Scope::Role("s".into())));
    }
}
