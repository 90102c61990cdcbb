//! A table's row-level security, policies and triggers: the YAML keys
//! (`rls`, `policies`, `triggers`), their validated model, and validation.
//!
//! In: the raw keys of one `schemas.<s>.tables.<t>` entry. Out: a
//! [`Security`] for the table's [`super::model::Object`], or issues with the
//! YAML path of each problem. Combinations PostgreSQL would refuse (an
//! `INSTEAD OF` trigger on a table, `TRUNCATE … FOR EACH ROW`, `WITH CHECK`
//! on a `SELECT` policy, …) are spec errors here, not failures at apply.

use super::error::Issue;
use super::model::Origin;
use super::path::YamlPath;
use super::validate::PUBLIC;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// `rls:` — the table's row-level security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rls {
    /// `DISABLE ROW LEVEL SECURITY`, `NO FORCE ROW LEVEL SECURITY`.
    Disabled,
    /// `ENABLE ROW LEVEL SECURITY`, `NO FORCE ROW LEVEL SECURITY`: the owner bypasses policies.
    Enabled,
    /// `ENABLE` and `FORCE ROW LEVEL SECURITY`: policies apply to the owner too.
    Forced,
}

impl Rls {
    /// `(relrowsecurity, relforcerowsecurity)` this setting means.
    pub fn flags(self) -> (bool, bool) {
        match self {
            Rls::Disabled => (false, false),
            Rls::Enabled => (true, false),
            Rls::Forced => (true, true),
        }
    }
}

/// The command a policy applies to (`for:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyCommand {
    /// `FOR ALL` (the default).
    All,
    /// `FOR SELECT`.
    Select,
    /// `FOR INSERT`.
    Insert,
    /// `FOR UPDATE`.
    Update,
    /// `FOR DELETE`.
    Delete,
}

impl PolicyCommand {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }

    /// From `pg_policy.polcmd` (`*`, `r`, `a`, `w`, `d`).
    pub fn from_polcmd(code: &str) -> Option<Self> {
        Some(match code {
            "*" => PolicyCommand::All,
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => return None,
        })
    }
}

/// Permissive or restrictive (`as:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// `AS PERMISSIVE` (the default): policies are OR-ed.
    Permissive,
    /// `AS RESTRICTIVE`: AND-ed with the permissive ones.
    Restrictive,
}

/// `policies.<name>:` as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// The command the policy covers: `all` (default), `select`, `insert`, `update`, `delete`.
    #[serde(rename = "for", default = "all")]
    pub command: PolicyCommand,
    /// `permissive` (default; OR-ed with the others) or `restrictive` (AND-ed with them).
    #[serde(rename = "as", default = "permissive")]
    pub kind: PolicyKind,
    /// Roles the policy applies to (default `PUBLIC`, which cannot be listed with others).
    pub to: Option<Vec<String>>,
    /// `USING (…)`: which existing rows are visible or may be changed (not with `for: insert`).
    pub using: Option<String>,
    /// `WITH CHECK (…)`: which new rows may be written (not with `for: select` or `delete`).
    pub with_check: Option<String>,
    /// Lints allowed on this policy, with the reason (see docs/lints.md).
    pub lint: Option<super::raw_lint::RawLint>,
}

fn all() -> PolicyCommand {
    PolicyCommand::All
}

fn permissive() -> PolicyKind {
    PolicyKind::Permissive
}

/// When a trigger fires (`timing:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    /// `BEFORE`.
    Before,
    /// `AFTER`.
    After,
    /// `INSTEAD OF` (views only).
    InsteadOf,
}

impl TriggerTiming {
    /// The SQL keyword(s).
    pub fn keyword(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }
}

/// An event a trigger fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TriggerEvent {
    /// `INSERT`.
    Insert,
    /// `UPDATE` (optionally `OF` columns).
    Update,
    /// `DELETE`.
    Delete,
    /// `TRUNCATE`.
    Truncate,
}

impl TriggerEvent {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }
}

/// `FOR EACH ROW | STATEMENT` (`for_each:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ForEach {
    /// `FOR EACH ROW`.
    Row,
    /// `FOR EACH STATEMENT` (the default).
    Statement,
}

/// `triggers.<name>:` as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    /// `before` or `after` (`instead_of` is for views).
    pub timing: TriggerTiming,
    /// Any of `insert`, `update`, `delete`, `truncate` (at least one).
    pub events: Vec<TriggerEvent>,
    /// With `update` in `events`: fire only on an update of these columns.
    pub of: Option<Vec<String>>,
    /// `row` or `statement` (the default).
    #[serde(default = "statement")]
    pub for_each: ForEach,
    /// `WHEN (…)` condition; row triggers may use `old.` / `new.`.
    pub when: Option<String>,
    /// `schema.name` of a trigger function (no arguments, `RETURNS trigger`).
    pub function: String,
    /// Strings passed to the function (`TG_ARGV`).
    #[serde(default)]
    pub arguments: Vec<String>,
}

fn statement() -> ForEach {
    ForEach::Statement
}

/// A table's security keys, validated. The default manages nothing.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Row-level security; `None`: not managed.
    pub rls: Option<Rls>,
    /// Where `rls` was declared.
    pub rls_origin: Origin,
    /// Declared policies by name. Every other policy on the table is an extra.
    /// Boxed: a map's first node holds room for 11 entries, and most tables
    /// declare one or two policies (10,000 tables: 20 MB inline, 5 MB boxed).
    pub policies: BTreeMap<String, Box<Policy>>,
    /// Declared triggers by name; `None` (no `triggers:` key): the table's
    /// triggers are not managed.
    pub triggers: Option<BTreeMap<String, Trigger>>,
}

/// A declared policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// `FOR …`.
    pub command: PolicyCommand,
    /// Permissive or restrictive.
    pub kind: PolicyKind,
    /// Roles as written; `["PUBLIC"]` for everyone.
    pub to: Vec<String>,
    /// `USING (…)`, as written.
    pub using: Option<String>,
    /// `WITH CHECK (…)`, as written.
    pub with_check: Option<String>,
    /// Where it was declared.
    pub origin: Origin,
}

/// A declared trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Name.
    pub name: String,
    /// `BEFORE | AFTER | INSTEAD OF`.
    pub timing: TriggerTiming,
    /// Events, in a fixed order (INSERT, UPDATE, DELETE, TRUNCATE).
    pub events: BTreeSet<TriggerEvent>,
    /// `UPDATE OF` columns (empty: any column).
    pub update_of: Vec<String>,
    /// `FOR EACH ROW | STATEMENT`.
    pub for_each: ForEach,
    /// `WHEN (…)`, as written.
    pub when: Option<String>,
    /// The trigger function's schema.
    pub function_schema: String,
    /// The trigger function's name.
    pub function_name: String,
    /// Arguments, passed as string literals.
    pub arguments: Vec<String>,
    /// Where it was declared.
    pub origin: Origin,
}

fn origin(path: &YamlPath) -> Origin {
    Origin {
        path: path.clone(),
        at: None,
    }
}

/// Validates a table's `rls`, `policies` and `triggers` keys. `path` is the
/// table's YAML path; only tables (`is_table`) take these keys in this
/// release.
pub fn validate(
    path: &YamlPath,
    is_table: bool,
    rls: Option<Rls>,
    policies: &BTreeMap<String, RawPolicy>,
    triggers: Option<&BTreeMap<String, RawTrigger>>,
    issues: &mut Vec<Issue>,
) -> Security {
    if !is_table {
        for (key, present) in [
            ("rls", rls.is_some()),
            ("policies", !policies.is_empty()),
            ("triggers", triggers.is_some()),
        ] {
            if present {
                issues.push(
                    Issue::new(&path.key(key), format!("`{key}` applies to tables only"))
                        .hint("declare row-level security, policies and triggers on the tables the view reads"),
                );
            }
        }
        return Security::default();
    }
    let policies = policies
        .iter()
        .map(|(name, raw)| {
            let item = path.key("policies").key(name);
            (name.clone(), Box::new(policy(&item, name, raw, issues)))
        })
        .collect();
    let triggers = triggers.map(|t| {
        t.iter()
            .map(|(name, raw)| {
                let item = path.key("triggers").key(name);
                (name.clone(), trigger(&item, name, raw, issues))
            })
            .collect()
    });
    Security {
        rls,
        rls_origin: origin(&path.key("rls")),
        policies,
        triggers,
    }
}

impl Security {
    /// Every origin in it, for line:column resolution.
    pub fn origins_mut(&mut self) -> impl Iterator<Item = &mut Origin> {
        std::iter::once(&mut self.rls_origin)
            .chain(self.policies.values_mut().map(|p| &mut p.origin))
            .chain(
                self.triggers
                    .iter_mut()
                    .flat_map(|t| t.values_mut().map(|t| &mut t.origin)),
            )
    }
}

fn name_issue(path: &YamlPath, name: &str, what: &str, issues: &mut Vec<Issue>) {
    if name.is_empty() || name.len() > 63 || name.contains('\0') {
        issues.push(
            Issue::new(
                path,
                format!("{what} name `{name}` is not a valid identifier"),
            )
            .hint("use 1 to 63 bytes, without NUL"),
        );
    }
}

fn expression(path: &YamlPath, text: &Option<String>, issues: &mut Vec<Issue>) {
    if let Some(t) = text
        && t.trim().is_empty()
    {
        issues.push(
            Issue::new(path, "the expression is empty")
                .hint("write a boolean SQL expression, e.g. `\"true\"`, or leave the key out"),
        );
    }
}

fn policy(path: &YamlPath, name: &str, raw: &RawPolicy, issues: &mut Vec<Issue>) -> Policy {
    name_issue(path, name, "policy", issues);
    expression(&path.key("using"), &raw.using, issues);
    expression(&path.key("with_check"), &raw.with_check, issues);
    match raw.command {
        PolicyCommand::Select | PolicyCommand::Delete if raw.with_check.is_some() => {
            issues.push(
                Issue::new(
                    &path.key("with_check"),
                    format!(
                        "a `for: {}` policy cannot have `with_check`",
                        raw.command.keyword().to_ascii_lowercase()
                    ),
                )
                .hint(
                    "`with_check` applies to rows written: use it with `all`, `insert` or `update`",
                ),
            );
        }
        PolicyCommand::Insert if raw.using.is_some() => {
            issues.push(
                Issue::new(
                    &path.key("using"),
                    "a `for: insert` policy cannot have `using`",
                )
                .hint("new rows are checked with `with_check`"),
            );
        }
        _ => {}
    }
    let to = match &raw.to {
        None => vec![PUBLIC.to_string()],
        Some(list) => {
            if list.is_empty() {
                issues.push(
                    Issue::new(&path.key("to"), "no roles listed")
                        .hint("leave `to` out to mean PUBLIC (every role)"),
                );
            }
            if list.len() > 1 && list.iter().any(|r| r == PUBLIC) {
                issues.push(
                    Issue::new(&path.key("to"), "`PUBLIC` is listed with other roles").hint(
                        "PUBLIC already includes every role: list only `PUBLIC`, or only the roles",
                    ),
                );
            }
            let set: BTreeSet<&String> = list.iter().collect();
            if set.len() != list.len() {
                issues.push(Issue::new(&path.key("to"), "a role is listed twice"));
            }
            list.clone()
        }
    };
    Policy {
        name: name.to_string(),
        command: raw.command,
        kind: raw.kind,
        to,
        using: raw.using.clone(),
        with_check: raw.with_check.clone(),
        origin: origin(path),
    }
}

fn trigger(path: &YamlPath, name: &str, raw: &RawTrigger, issues: &mut Vec<Issue>) -> Trigger {
    name_issue(path, name, "trigger", issues);
    expression(&path.key("when"), &raw.when, issues);
    let events: BTreeSet<TriggerEvent> = raw.events.iter().copied().collect();
    if raw.events.is_empty() {
        issues.push(
            Issue::new(&path.key("events"), "no events listed")
                .hint("list one or more of insert, update, delete, truncate"),
        );
    } else if events.len() != raw.events.len() {
        issues.push(Issue::new(&path.key("events"), "an event is listed twice"));
    }
    if raw.timing == TriggerTiming::InsteadOf {
        issues.push(
            Issue::new(
                &path.key("timing"),
                "a table cannot have `instead_of` triggers",
            )
            .hint("INSTEAD OF triggers are for views; use `before` or `after`"),
        );
        if raw.when.is_some() {
            issues.push(Issue::new(
                &path.key("when"),
                "`instead_of` triggers cannot have `when`",
            ));
        }
    }
    if events.contains(&TriggerEvent::Truncate) && raw.for_each == ForEach::Row {
        issues.push(
            Issue::new(
                &path.key("for_each"),
                "`truncate` triggers fire once per statement",
            )
            .hint("write `for_each: statement`, or drop `truncate` from `events`"),
        );
    }
    let update_of = raw.of.clone().unwrap_or_default();
    if let Some(of) = &raw.of {
        if !events.contains(&TriggerEvent::Update) {
            issues.push(
                Issue::new(&path.key("of"), "`of` needs an `update` event")
                    .hint("`of: [columns]` limits an update trigger to changes of those columns"),
            );
        }
        if of.is_empty() {
            issues.push(
                Issue::new(&path.key("of"), "no columns listed")
                    .hint("leave `of` out to fire on an update of any column"),
            );
        }
        for (i, c) in of.iter().enumerate() {
            name_issue(&path.key("of").index(i), c, "column", issues);
        }
    }
    let (function_schema, function_name) = match raw.function.split_once('.') {
        Some((s, f)) if !s.is_empty() && !f.is_empty() && !f.contains('.') => {
            (s.to_string(), f.to_string())
        }
        _ => {
            issues.push(
                Issue::new(
                    &path.key("function"),
                    format!("`{}` is not a schema-qualified function name", raw.function),
                )
                .hint("write `function: schema.name`, without parentheses or arguments; pass arguments with `arguments: [..]`"),
            );
            (String::new(), String::new())
        }
    };
    Trigger {
        name: name.to_string(),
        timing: raw.timing,
        events,
        update_of,
        for_each: raw.for_each,
        when: raw.when.clone(),
        function_schema,
        function_name,
        arguments: raw.arguments.clone(),
        origin: origin(path),
    }
}

/// Every role a policy names must be declared, external, or `PUBLIC`.
pub fn references(security: &Security, known: &dyn Fn(&str) -> bool, issues: &mut Vec<Issue>) {
    for p in security.policies.values() {
        for (i, role) in p.to.iter().enumerate() {
            if role == PUBLIC || known(role) {
                continue;
            }
            let path = p.origin.path.key("to").index(i);
            let issue = Issue::new(&path, format!("role `{role}` is not declared"));
            issues.push(if role.eq_ignore_ascii_case(PUBLIC) {
                issue.hint("write `PUBLIC` in capitals for the pseudo-role everyone belongs to")
            } else {
                issue.hint(format!(
                    "add `{role}` under `roles:`, or list it under `external_roles:` if it is managed elsewhere"
                ))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::{Environment, Spec, SpecError, parse};
    use std::path::{Path, PathBuf};

    fn parse_spec(tables: &str) -> Result<Spec, SpecError> {
        let text = format!(
            "version: 1\nroles:\n  api_anon: {{}}\nschemas:\n  app:\n    tables:\n{tables}"
        );
        let var = |_: &str| None;
        parse(
            &text,
            &PathBuf::from("provision.yaml"),
            &Environment {
                var: &var,
                base_dir: Path::new("/nonexistent"),
            },
        )
    }

    fn error(tables: &str) -> String {
        parse_spec(tables)
            .expect_err("spec should be rejected")
            .to_string()
    }

    #[test]
    fn policies_and_triggers_parse_with_defaults() {
        let spec = parse_spec(
            "      users:
        rls: forced
        policies:
          read: { using: \"true\" }
          own: { for: update, as: restrictive, to: [api_anon], using: \"a\", with_check: \"b\" }
        triggers:
          stamp:
            timing: before
            events: [update, insert]
            of: [name]
            for_each: row
            function: app.stamp
            arguments: [x]
",
        )
        .unwrap();
        let s = &spec.schemas["app"].objects
            [&(crate::privilege::ObjectKind::Table, "users".into())]
            .security;
        assert_eq!(s.rls, Some(super::Rls::Forced));
        assert_eq!(s.rls_origin.at.unwrap().to_string(), "8:9");
        let read = &s.policies["read"];
        assert_eq!(read.command, super::PolicyCommand::All);
        assert_eq!(read.kind, super::PolicyKind::Permissive);
        assert_eq!(read.to, vec!["PUBLIC".to_string()]);
        let stamp = &s.triggers.as_ref().unwrap()["stamp"];
        assert_eq!(stamp.function_schema, "app");
        assert_eq!(stamp.function_name, "stamp");
        assert_eq!(
            stamp.events.iter().copied().collect::<Vec<_>>(),
            vec![super::TriggerEvent::Insert, super::TriggerEvent::Update]
        );
        assert_eq!(stamp.update_of, vec!["name".to_string()]);
    }

    #[test]
    fn tables_without_triggers_key_do_not_manage_triggers() {
        let spec = parse_spec("      users: {}\n").unwrap();
        let s = &spec.schemas["app"].objects
            [&(crate::privilege::ObjectKind::Table, "users".into())]
            .security;
        assert!(s.triggers.is_none() && s.rls.is_none() && s.policies.is_empty());
    }

    #[test]
    fn refused_trigger_combinations_name_their_path() {
        let e = error(
            "      users:
        triggers:
          t: { timing: instead_of, events: [insert], for_each: row, when: \"true\", function: app.f }
",
        );
        assert!(
            e.contains("schemas.app.tables.users.triggers.t.timing: a table cannot have `instead_of` triggers"),
            "{e}"
        );
        assert!(
            e.contains("triggers.t.when: `instead_of` triggers cannot have `when`"),
            "{e}"
        );
        let e = error(
            "      users:
        triggers:
          t: { timing: after, events: [truncate], for_each: row, function: app.f }
",
        );
        assert!(e.starts_with("provision.yaml:9:"), "{e}");
        assert!(
            e.contains("triggers.t.for_each: `truncate` triggers fire once per statement"),
            "{e}"
        );
        let e = error(
            "      users:
        triggers:
          t: { timing: after, events: [insert], of: [a], function: f }
",
        );
        assert!(
            e.contains("triggers.t.of: `of` needs an `update` event"),
            "{e}"
        );
        assert!(
            e.contains("triggers.t.function: `f` is not a schema-qualified function name"),
            "{e}"
        );
        let e = error(
            "      users:
        triggers:
          t: { timing: during, events: [insert], function: app.f }
",
        );
        assert!(e.contains("during"), "{e}");
    }

    #[test]
    fn refused_policy_clauses_and_roles_name_their_path() {
        let e = error(
            "      users:
        policies:
          p: { for: select, using: \"true\", with_check: \"true\" }
          q: { for: insert, using: \"true\" }
          r: { to: [api_anon, ghost] }
          s: { to: [PUBLIC, api_anon] }
",
        );
        assert!(
            e.contains("policies.p.with_check: a `for: select` policy cannot have `with_check`"),
            "{e}"
        );
        assert!(
            e.contains("policies.q.using: a `for: insert` policy cannot have `using`"),
            "{e}"
        );
        assert!(
            e.contains("provision.yaml:11:31: schemas.app.tables.users.policies.r.to[1]: role `ghost` is not declared"),
            "{e}"
        );
        assert!(
            e.contains("policies.s.to: `PUBLIC` is listed with other roles"),
            "{e}"
        );
    }

    #[test]
    fn views_take_no_security_keys() {
        let text = "version: 1\nschemas:\n  app:\n    views:\n      v: { rls: enabled }\n";
        let var = |_: &str| None;
        let e = parse(
            text,
            &PathBuf::from("provision.yaml"),
            &Environment {
                var: &var,
                base_dir: Path::new("/nonexistent"),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("schemas.app.views.v.rls: unknown field `rls`"),
            "{e}"
        );
    }
}
