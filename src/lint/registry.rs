//! Every lint, with its stable id, level and generic remediation.
//!
//! Ids are kebab-case descriptions and never change meaning; a lint that is
//! retired keeps its id unused. docs/lints.md documents each one, and a unit
//! test keeps the two in step.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing; often intended.
    Info,
    /// Probably a mistake, or weaker than it looks.
    Warning,
    /// Exposes rows or rights to roles that should not have them.
    Error,
}

impl Level {
    /// The lowercase word used in output.
    pub fn word(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// Where a lint can look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The spec only (`lint`, `validate`, `plan`).
    Spec,
    /// The live database only (`lint --live`).
    Live,
    /// Both.
    Both,
}

/// One lint.
#[derive(Debug, PartialEq, Eq)]
pub struct Lint {
    /// Stable id, used in output and in `allow` lists.
    pub id: &'static str,
    /// Level of every finding.
    pub level: Level,
    /// What it finds, in a few words.
    pub title: &'static str,
    /// How to fix it, in general (findings carry a specific remediation).
    pub fix: &'static str,
    /// Where it runs.
    pub reach: Reach,
}

/// Policies declared, row-level security off.
pub const RLS_DISABLED_WITH_POLICY: Lint = Lint {
    id: "rls-disabled-with-policy",
    level: Level::Error,
    title: "a table has policies but row-level security is not enabled",
    fix: "enable row-level security on the table (`rls: enabled`); until then PostgreSQL ignores its policies",
    reach: Reach::Both,
};

/// Row-level security on, no policy.
pub const RLS_ENABLED_WITHOUT_POLICY: Lint = Lint {
    id: "rls-enabled-without-policy",
    level: Level::Info,
    title: "row-level security is enabled on a table that has no policy",
    fix: "add policies for the roles that should see rows, or allow the lint when only the owner (views, SECURITY DEFINER functions) reads the table",
    reach: Reach::Both,
};

/// An API role reaches a table without row-level security.
pub const TABLE_REACHABLE_WITHOUT_RLS: Lint = Lint {
    id: "table-reachable-without-rls",
    level: Level::Error,
    title: "an API role can read or write a table that has no row-level security",
    fix: "enable row-level security (`rls: enabled`) with policies for the API roles, or expose the rows through a view or function instead of the table",
    reach: Reach::Both,
};

/// A view shows rows its owner is exempt from filtering.
pub const VIEW_BYPASSES_RLS: Lint = Lint {
    id: "view-bypasses-rls",
    level: Level::Error,
    title: "a view readable by an API role reads a row-level-secured table as an owner exempt from its policies",
    fix: "on PostgreSQL 15+ write `security_invoker: true` on the view; otherwise force row-level security on the table (`rls: forced`) with policies for the view's owner, or filter the rows in the view's query",
    reach: Reach::Both,
};

/// A function whose search_path is the caller's.
pub const FUNCTION_SEARCH_PATH_MUTABLE: Lint = Lint {
    id: "function-search-path-mutable",
    level: Level::Warning,
    title: "a function does not pin its search_path",
    fix: "write `search_path: [pg_catalog, pg_temp]` (plus the schemas its body uses unqualified)",
    reach: Reach::Both,
};

/// A SECURITY DEFINER function without a pinned search_path (live only: the
/// validator refuses such a spec).
pub const DEFINER_SEARCH_PATH_NOT_PINNED: Lint = Lint {
    id: "definer-search-path-not-pinned",
    level: Level::Error,
    title: "a SECURITY DEFINER function does not pin a safe search_path",
    fix: "declare the function with `search_path: [pg_catalog, pg_temp]` (a list that ends with `pg_temp` and has no `$user`) and apply",
    reach: Reach::Live,
};

/// PUBLIC may execute a SECURITY DEFINER function.
pub const DEFINER_EXECUTABLE_BY_PUBLIC: Lint = Lint {
    id: "definer-executable-by-public",
    level: Level::Error,
    title: "PUBLIC may execute a SECURITY DEFINER function",
    fix: "grant EXECUTE to the roles that need it instead of PUBLIC (pg-provision revokes PUBLIC's EXECUTE from definer functions unless the spec grants it)",
    reach: Reach::Both,
};

/// An API role may execute a SECURITY DEFINER function.
pub const DEFINER_EXECUTABLE_BY_API_ROLE: Lint = Lint {
    id: "definer-executable-by-api-role",
    level: Level::Warning,
    title: "an API role may execute a SECURITY DEFINER function",
    fix: "revoke EXECUTE from the API role, or make the function `security: invoker`; allow the lint, with the reason, for a deliberate entry point (sign-up, login)",
    reach: Reach::Both,
};

/// An extension in `public`.
pub const EXTENSION_IN_PUBLIC: Lint = Lint {
    id: "extension-in-public",
    level: Level::Warning,
    title: "an extension is installed in schema `public`",
    fix: "install it in a schema of its own (`schema: extensions`) and grant USAGE on that schema to the roles that call it",
    reach: Reach::Both,
};

/// A permissive write policy whose condition is always true.
pub const POLICY_ALWAYS_TRUE_WRITE: Lint = Lint {
    id: "policy-always-true-write",
    level: Level::Error,
    title: "a permissive policy lets an API role write every row",
    fix: "restrict `using` (rows that may be changed) and `with_check` (rows that may be written) to the role's own rows, or make the policy `for: select`",
    reach: Reach::Both,
};

/// Several permissive policies for one role and command.
pub const MULTIPLE_PERMISSIVE_POLICIES: Lint = Lint {
    id: "multiple-permissive-policies",
    level: Level::Warning,
    title: "several permissive policies apply to one role and command",
    fix: "merge them into one policy, or make the narrowing ones `as: restrictive`: permissive policies are OR-ed, so the broadest one decides",
    reach: Reach::Both,
};

/// INSERT granted, USAGE on the column's sequence not.
pub const INSERT_WITHOUT_SEQUENCE_USAGE: Lint = Lint {
    id: "insert-without-sequence-usage",
    level: Level::Warning,
    title: "a role may insert into a table but not use the sequence of its serial column",
    fix: "grant USAGE on the sequence (declare it under `sequences:`, or a schema-wide `on: sequences` grant), or use an identity column, which needs no sequence privilege",
    reach: Reach::Both,
};

/// Default privileges for a role that cannot create there.
pub const DEFAULT_PRIVILEGES_NEVER_FIRE: Lint = Lint {
    id: "default-privileges-never-fire",
    level: Level::Warning,
    title: "default privileges are declared for a role that cannot create objects in that schema",
    fix: "name the role that really creates the objects (the one your migrations run as), or grant it CREATE on the schema",
    reach: Reach::Both,
};

/// A grant to a role without USAGE on the schema.
pub const GRANT_WITHOUT_SCHEMA_USAGE: Lint = Lint {
    id: "grant-without-schema-usage",
    level: Level::Warning,
    title: "a role is granted privileges on objects of a schema it has no USAGE on",
    fix: "grant USAGE on the schema to the role, or remove the grant",
    reach: Reach::Both,
};

/// A login without a password source.
pub const LOGIN_WITHOUT_PASSWORD: Lint = Lint {
    id: "login-without-password",
    level: Level::Warning,
    title: "a login role has no password source",
    fix: "add `password: { env: NAME }` or `password: { file: /run/secrets/NAME }`; allow the lint, with the reason, for a login that authenticates otherwise (certificates, peer, IAM)",
    reach: Reach::Both,
};

/// The spec means different things on different majors.
pub const DIFFERS_BY_MAJOR: Lint = Lint {
    id: "differs-by-major",
    level: Level::Warning,
    title: "the spec's effect differs between PostgreSQL majors",
    fix: "write what makes every supported major end the same (see the finding), or allow the lint if the spec targets one major",
    reach: Reach::Spec,
};

/// Every lint, in documentation order.
pub const ALL: &[&Lint] = &[
    &RLS_DISABLED_WITH_POLICY,
    &RLS_ENABLED_WITHOUT_POLICY,
    &TABLE_REACHABLE_WITHOUT_RLS,
    &VIEW_BYPASSES_RLS,
    &POLICY_ALWAYS_TRUE_WRITE,
    &MULTIPLE_PERMISSIVE_POLICIES,
    &FUNCTION_SEARCH_PATH_MUTABLE,
    &DEFINER_SEARCH_PATH_NOT_PINNED,
    &DEFINER_EXECUTABLE_BY_PUBLIC,
    &DEFINER_EXECUTABLE_BY_API_ROLE,
    &EXTENSION_IN_PUBLIC,
    &INSERT_WITHOUT_SEQUENCE_USAGE,
    &DEFAULT_PRIVILEGES_NEVER_FIRE,
    &GRANT_WITHOUT_SCHEMA_USAGE,
    &LOGIN_WITHOUT_PASSWORD,
    &DIFFERS_BY_MAJOR,
];

/// The lint with this id.
pub fn find(id: &str) -> Option<&'static Lint> {
    ALL.iter().copied().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let docs = include_str!("../../docs/lints.md");
        let mut seen = std::collections::BTreeSet::new();
        for lint in ALL {
            assert!(seen.insert(lint.id), "duplicate id {}", lint.id);
            assert!(
                lint.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                lint.id
            );
            let heading = format!("## `{}`\n\n", lint.id);
            let at = docs
                .find(&heading)
                .unwrap_or_else(|| panic!("docs/lints.md has no section for `{}`", lint.id));
            let level_line = docs[at + heading.len()..].lines().next().unwrap_or("");
            let reach = match lint.reach {
                Reach::Spec => "spec only",
                Reach::Live => "live only",
                Reach::Both => "spec and live",
            };
            assert_eq!(
                level_line,
                format!("`{}` · {reach}", lint.level),
                "docs/lints.md gives `{}` another level or reach",
                lint.id
            );
        }
        assert_eq!(find("view-bypasses-rls"), Some(&VIEW_BYPASSES_RLS));
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn levels_order_by_severity() {
        assert!(Level::Info < Level::Warning && Level::Warning < Level::Error);
    }
}
