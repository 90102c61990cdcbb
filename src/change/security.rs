//! Row-level security, policies and triggers.
//!
//! Each variant renders one statement through [`crate::quote`]. Expressions
//! (`USING`, `WITH CHECK`, `WHEN`) are SQL the spec's author wrote; they are
//! parenthesised, never quoted.

use super::ObjectName;
use crate::quote::{grantee_list, ident, ident_list, literal, qualified};
use crate::spec::security::{ForEach, Policy, PolicyKind, Trigger};

/// One statement of this family.
#[derive(Debug, Clone)]
pub enum SecurityStatement {
    /// `ALTER TABLE t ENABLE | DISABLE ROW LEVEL SECURITY`.
    SetRowSecurity {
        /// The table.
        table: ObjectName,
        /// Enable or disable.
        enable: bool,
    },
    /// `ALTER TABLE t FORCE | NO FORCE ROW LEVEL SECURITY`.
    SetForceRowSecurity {
        /// The table.
        table: ObjectName,
        /// Force or not.
        force: bool,
    },
    /// `CREATE POLICY p ON t AS PERMISSIVE|RESTRICTIVE FOR cmd TO roles
    /// [USING (…)] [WITH CHECK (…)]`.
    CreatePolicy {
        /// The table.
        table: ObjectName,
        /// The policy as declared.
        policy: Policy,
    },
    /// `ALTER POLICY p ON t TO roles [USING (…)] [WITH CHECK (…)]`: what
    /// `ALTER POLICY` can change (not the command, not permissive/restrictive).
    AlterPolicy {
        /// The table.
        table: ObjectName,
        /// The policy as declared.
        policy: Policy,
    },
    /// `DROP POLICY p ON t`.
    DropPolicy {
        /// The table.
        table: ObjectName,
        /// Policy name.
        name: String,
    },
    /// `CREATE [OR REPLACE] TRIGGER n timing events ON t FOR EACH … [WHEN (…)]
    /// EXECUTE FUNCTION f(args)`.
    CreateTrigger {
        /// The table.
        table: ObjectName,
        /// The trigger as declared.
        trigger: Trigger,
        /// `OR REPLACE` (PostgreSQL 14+): change an existing trigger in place.
        replace: bool,
    },
    /// `DROP TRIGGER n ON t`.
    DropTrigger {
        /// The table.
        table: ObjectName,
        /// Trigger name.
        name: String,
    },
}

impl SecurityStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match self {
            SecurityStatement::SetRowSecurity { table, enable } => format!(
                "ALTER TABLE {} {} ROW LEVEL SECURITY",
                table.sql(),
                if *enable { "ENABLE" } else { "DISABLE" }
            ),
            SecurityStatement::SetForceRowSecurity { table, force } => format!(
                "ALTER TABLE {} {} ROW LEVEL SECURITY",
                table.sql(),
                if *force { "FORCE" } else { "NO FORCE" }
            ),
            SecurityStatement::CreatePolicy { table, policy } => format!(
                "CREATE POLICY {} ON {} AS {} FOR {} TO {}{}",
                ident(&policy.name),
                table.sql(),
                match policy.kind {
                    PolicyKind::Permissive => "PERMISSIVE",
                    PolicyKind::Restrictive => "RESTRICTIVE",
                },
                policy.command.keyword(),
                grantee_list(policy.to.iter().map(String::as_str)),
                policy_clauses(policy)
            ),
            SecurityStatement::AlterPolicy { table, policy } => format!(
                "ALTER POLICY {} ON {} TO {}{}",
                ident(&policy.name),
                table.sql(),
                grantee_list(policy.to.iter().map(String::as_str)),
                policy_clauses(policy)
            ),
            SecurityStatement::DropPolicy { table, name } => {
                format!("DROP POLICY {} ON {}", ident(name), table.sql())
            }
            SecurityStatement::CreateTrigger {
                table,
                trigger,
                replace,
            } => trigger_sql(table, trigger, *replace),
            SecurityStatement::DropTrigger { table, name } => {
                format!("DROP TRIGGER {} ON {}", ident(name), table.sql())
            }
        }
    }

    /// The object this statement creates, if it creates one: none here —
    /// policies and triggers have no owner or privileges of their own.
    pub fn created(&self) -> Option<ObjectName> {
        None
    }
}

/// ` USING (…) WITH CHECK (…)`, each when declared.
fn policy_clauses(policy: &Policy) -> String {
    let mut s = String::new();
    if let Some(u) = &policy.using {
        s.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &policy.with_check {
        s.push_str(&format!(" WITH CHECK ({c})"));
    }
    s
}

/// `CREATE [OR REPLACE] TRIGGER …` on `table`.
fn trigger_sql(table: &ObjectName, t: &Trigger, replace: bool) -> String {
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| {
            let mut s = e.keyword().to_string();
            if *e == crate::spec::security::TriggerEvent::Update && !t.update_of.is_empty() {
                s.push_str(" OF ");
                s.push_str(&ident_list(t.update_of.iter().map(String::as_str)));
            }
            s
        })
        .collect();
    let mut s = format!(
        "CREATE {}TRIGGER {} {} {} ON {} FOR EACH {}",
        if replace { "OR REPLACE " } else { "" },
        ident(&t.name),
        t.timing.keyword(),
        events.join(" OR "),
        table.sql(),
        match t.for_each {
            ForEach::Row => "ROW",
            ForEach::Statement => "STATEMENT",
        }
    );
    if let Some(w) = &t.when {
        s.push_str(&format!(" WHEN ({w})"));
    }
    let args: Vec<String> = t.arguments.iter().map(|a| literal(a)).collect();
    s.push_str(&format!(
        " EXECUTE FUNCTION {}({})",
        qualified(&t.function_schema, &t.function_name),
        args.join(", ")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Origin;
    use crate::spec::security::{PolicyCommand, TriggerEvent, TriggerTiming};

    fn users() -> ObjectName {
        ObjectName::Qualified {
            schema: "app_data".into(),
            name: "users".into(),
        }
    }

    fn policy() -> Policy {
        Policy {
            name: "own rows".into(),
            command: PolicyCommand::Update,
            kind: PolicyKind::Restrictive,
            to: vec!["api_authenticated".into(), "api_anon".into()],
            using: Some("owner = current_user".into()),
            with_check: Some("true".into()),
            origin: Origin::default(),
        }
    }

    fn trigger() -> Trigger {
        Trigger {
            name: "set_created_updated_by".into(),
            timing: TriggerTiming::Before,
            events: [TriggerEvent::Update, TriggerEvent::Insert].into(),
            update_of: vec!["name".into(), "Price".into()],
            for_each: ForEach::Row,
            when: Some("new.name IS NOT NULL".into()),
            function_schema: "civitai".into(),
            function_name: "set_created_updated_by".into(),
            arguments: vec!["it's".into()],
            origin: Origin::default(),
        }
    }

    #[test]
    fn row_level_security_switches() {
        let r = |s: SecurityStatement| s.render();
        assert_eq!(
            r(SecurityStatement::SetRowSecurity {
                table: users(),
                enable: true
            }),
            r#"ALTER TABLE "app_data"."users" ENABLE ROW LEVEL SECURITY"#
        );
        assert_eq!(
            r(SecurityStatement::SetRowSecurity {
                table: users(),
                enable: false
            }),
            r#"ALTER TABLE "app_data"."users" DISABLE ROW LEVEL SECURITY"#
        );
        assert_eq!(
            r(SecurityStatement::SetForceRowSecurity {
                table: users(),
                force: true
            }),
            r#"ALTER TABLE "app_data"."users" FORCE ROW LEVEL SECURITY"#
        );
        assert_eq!(
            r(SecurityStatement::SetForceRowSecurity {
                table: users(),
                force: false
            }),
            r#"ALTER TABLE "app_data"."users" NO FORCE ROW LEVEL SECURITY"#
        );
    }

    #[test]
    fn policies_create_alter_drop() {
        assert_eq!(
            SecurityStatement::CreatePolicy {
                table: users(),
                policy: policy()
            }
            .render(),
            r#"CREATE POLICY "own rows" ON "app_data"."users" AS RESTRICTIVE FOR UPDATE TO "api_authenticated", "api_anon" USING (owner = current_user) WITH CHECK (true)"#
        );
        let public = Policy {
            command: PolicyCommand::All,
            kind: PolicyKind::Permissive,
            to: vec!["PUBLIC".into()],
            with_check: None,
            ..policy()
        };
        assert_eq!(
            SecurityStatement::AlterPolicy {
                table: users(),
                policy: public
            }
            .render(),
            r#"ALTER POLICY "own rows" ON "app_data"."users" TO PUBLIC USING (owner = current_user)"#
        );
        assert_eq!(
            SecurityStatement::DropPolicy {
                table: users(),
                name: "p".into()
            }
            .render(),
            r#"DROP POLICY "p" ON "app_data"."users""#
        );
    }

    #[test]
    fn triggers_create_replace_drop() {
        assert_eq!(
            SecurityStatement::CreateTrigger {
                table: users(),
                trigger: trigger(),
                replace: false
            }
            .render(),
            r#"CREATE TRIGGER "set_created_updated_by" BEFORE INSERT OR UPDATE OF "name", "Price" ON "app_data"."users" FOR EACH ROW WHEN (new.name IS NOT NULL) EXECUTE FUNCTION "civitai"."set_created_updated_by"('it''s')"#
        );
        let plain = Trigger {
            timing: TriggerTiming::After,
            events: [TriggerEvent::Truncate].into(),
            update_of: vec![],
            for_each: ForEach::Statement,
            when: None,
            arguments: vec![],
            ..trigger()
        };
        assert_eq!(
            SecurityStatement::CreateTrigger {
                table: users(),
                trigger: plain,
                replace: true
            }
            .render(),
            r#"CREATE OR REPLACE TRIGGER "set_created_updated_by" AFTER TRUNCATE ON "app_data"."users" FOR EACH STATEMENT EXECUTE FUNCTION "civitai"."set_created_updated_by"()"#
        );
        assert_eq!(
            SecurityStatement::DropTrigger {
                table: users(),
                name: "t".into()
            }
            .render(),
            r#"DROP TRIGGER "t" ON "app_data"."users""#
        );
    }
}
