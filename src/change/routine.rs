//! Functions, procedures and views: `CREATE [OR REPLACE] FUNCTION|PROCEDURE|VIEW`,
//! `DROP VIEW`, `ALTER VIEW … SET|RESET (…)`.
//!
//! Each variant renders one statement through [`crate::quote`]. The spec's
//! own SQL — `args`, `returns`, a body, a query — is code the author wrote
//! and is rendered as written (a body dollar-quoted, see
//! [`quote::dollar_quoted`]); every name and value pg-provision adds is quoted.

use super::ObjectName;
use crate::quote::{self, ident, literal, qualified};
use crate::spec::model::Setting;
use crate::spec::routine::{Parallel, RoutineDefinition, ViewDefinition, Volatility};

/// One statement of this family.
#[derive(Debug, Clone)]
pub enum RoutineStatement {
    /// `CREATE [OR REPLACE] FUNCTION "s"."f"(args) RETURNS r LANGUAGE l
    /// [STABLE|IMMUTABLE] [STRICT] [SECURITY DEFINER] [LEAKPROOF] [PARALLEL …]
    /// [COST n] [ROWS n] [SET p = v …] AS $pgp$body$pgp$`, or the same as
    /// `PROCEDURE` (language, security and `SET` only). Attributes at their
    /// default are left out: `OR REPLACE` resets what is not written.
    CreateRoutine {
        /// `OR REPLACE`: the routine exists (owner, grants, dependants kept).
        replace: bool,
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// The argument list as declared (with names, modes, defaults).
        args: String,
        /// The server's identity arguments for it (from the catalog, or a
        /// probe for a routine still to create): names what is created.
        identity_args: String,
        /// Body and attributes.
        definition: RoutineDefinition,
    },
    /// `CREATE [OR REPLACE] VIEW "s"."v" [("a", "b")] [WITH (option = 'value', …)] AS query`.
    CreateView {
        /// `OR REPLACE`: the view exists and keeps its leading columns.
        replace: bool,
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// Query and options.
        definition: ViewDefinition,
    },
    /// `DROP VIEW "s"."v"` (never `CASCADE`: dependent views are dropped
    /// one by one first, and anything else depending on it stops the run).
    DropView {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
    },
    /// `ALTER VIEW "s"."v" SET ("option" = 'value', …)`.
    SetViewOptions {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// Options and values.
        options: Vec<(String, String)>,
    },
    /// `ALTER VIEW "s"."v" RESET ("option", …)`.
    ResetViewOptions {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
        /// Options.
        options: Vec<String>,
    },
    /// `SET LOCAL check_function_bodies = on|off`: routines are created with
    /// their bodies unchecked (a SQL body may read a view, or call a routine,
    /// made later in the run) and checked once everything they read exists
    /// (see [`crate::plan`]).
    CheckFunctionBodies(bool),
}

impl RoutineStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match self {
            RoutineStatement::CreateRoutine {
                replace,
                schema,
                name,
                args,
                definition: d,
                ..
            } => {
                let keyword = if d.procedure { "PROCEDURE" } else { "FUNCTION" };
                let mut s = format!(
                    "CREATE {}{keyword} {}({})",
                    or_replace(*replace),
                    qualified(schema, name),
                    args.trim()
                );
                if let Some(returns) = &d.returns {
                    s.push_str(&format!(" RETURNS {returns}"));
                }
                s.push_str(&format!(" LANGUAGE {}", ident(&d.language)));
                if d.volatility != Volatility::Volatile {
                    s.push_str(&format!(" {}", d.volatility.keyword()));
                }
                if d.strict {
                    s.push_str(" STRICT");
                }
                if d.security_definer {
                    s.push_str(" SECURITY DEFINER");
                }
                if d.leakproof {
                    s.push_str(" LEAKPROOF");
                }
                if d.parallel != Parallel::Unsafe {
                    s.push_str(&format!(" PARALLEL {}", d.parallel.keyword()));
                }
                if let Some(cost) = d.cost {
                    s.push_str(&format!(" COST {cost}"));
                }
                if let Some(rows) = d.rows {
                    s.push_str(&format!(" ROWS {rows}"));
                }
                for (param, value) in &d.settings {
                    s.push_str(&format!(" SET {} = {}", ident(param), setting_value(value)));
                }
                s.push_str(&format!(
                    " AS {}",
                    quote::dollar_quoted(&format!("\n{}\n", d.body))
                ));
                s
            }
            RoutineStatement::CreateView {
                replace,
                schema,
                name,
                definition: d,
            } => {
                let mut s = format!(
                    "CREATE {}VIEW {}",
                    or_replace(*replace),
                    qualified(schema, name)
                );
                if !d.columns.is_empty() {
                    s.push_str(&format!(
                        " ({})",
                        quote::ident_list(d.columns.iter().map(String::as_str))
                    ));
                }
                let options = d.options();
                if !options.is_empty() {
                    let list: Vec<String> = options
                        .iter()
                        .map(|(k, v)| format!("{} = {}", ident(k), literal(v)))
                        .collect();
                    s.push_str(&format!(" WITH ({})", list.join(", ")));
                }
                s.push_str(&format!(" AS\n{}", d.query));
                s
            }
            RoutineStatement::DropView { schema, name } => {
                format!("DROP VIEW {}", qualified(schema, name))
            }
            RoutineStatement::SetViewOptions {
                schema,
                name,
                options,
            } => format!(
                "ALTER VIEW {} SET ({})",
                qualified(schema, name),
                options
                    .iter()
                    .map(|(k, v)| format!("{} = {}", ident(k), literal(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RoutineStatement::ResetViewOptions {
                schema,
                name,
                options,
            } => format!(
                "ALTER VIEW {} RESET ({})",
                qualified(schema, name),
                quote::ident_list(options.iter().map(String::as_str))
            ),
            RoutineStatement::CheckFunctionBodies(on) => format!(
                "SET LOCAL check_function_bodies = {}",
                if *on { "on" } else { "off" }
            ),
        }
    }

    /// The object this statement creates, if it creates one: a new routine,
    /// a new view, or a view re-created after a drop — each ends the run with
    /// exactly its desired owner and privileges (settled in pass 2).
    pub fn created(&self) -> Option<ObjectName> {
        match self {
            RoutineStatement::CreateRoutine {
                replace: false,
                schema,
                name,
                identity_args,
                ..
            } => Some(ObjectName::Routine {
                schema: schema.clone(),
                name: name.clone(),
                args: identity_args.clone(),
            }),
            RoutineStatement::CreateView {
                replace: false,
                schema,
                name,
                ..
            } => Some(ObjectName::Qualified {
                schema: schema.clone(),
                name: name.clone(),
            }),
            _ => None,
        }
    }
}

fn or_replace(replace: bool) -> &'static str {
    if replace { "OR REPLACE " } else { "" }
}

/// A `SET` value: a literal, or comma-separated literals for a list.
fn setting_value(value: &Setting) -> String {
    match value {
        Setting::Scalar(v) => literal(v),
        Setting::List(items) => items
            .iter()
            .map(|i| literal(i))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::routine::CheckOption;
    use std::collections::BTreeMap;

    fn register_user() -> RoutineDefinition {
        RoutineDefinition {
            procedure: false,
            returns: Some("json".into()),
            language: "plpgsql".into(),
            body: "BEGIN\n  RETURN NULL;\nEND;".into(),
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: true,
            leakproof: false,
            parallel: Parallel::Unsafe,
            settings: BTreeMap::from([(
                "search_path".to_string(),
                Setting::List(vec!["pg_catalog".into(), "public".into(), "pg_temp".into()]),
            )]),
            cost: None,
            rows: None,
        }
    }

    #[test]
    fn create_function_spells_out_non_default_attributes() {
        let s = RoutineStatement::CreateRoutine {
            replace: false,
            schema: "app_functions".into(),
            name: "register_user".into(),
            args: " p_username text, p_password text ".into(),
            identity_args: "p_username text, p_password text".into(),
            definition: register_user(),
        };
        assert_eq!(
            s.render(),
            "CREATE FUNCTION \"app_functions\".\"register_user\"(p_username text, p_password text) \
             RETURNS json LANGUAGE \"plpgsql\" SECURITY DEFINER \
             SET \"search_path\" = 'pg_catalog', 'public', 'pg_temp' \
             AS $pgp$\nBEGIN\n  RETURN NULL;\nEND;\n$pgp$"
        );
        assert_eq!(
            s.created().unwrap().to_string(),
            "app_functions.register_user(p_username text, p_password text)"
        );
    }

    #[test]
    fn replace_function_with_every_attribute_creates_nothing() {
        let s = RoutineStatement::CreateRoutine {
            replace: true,
            schema: "s".into(),
            name: "f".into(),
            args: "n int".into(),
            identity_args: "n integer".into(),
            definition: RoutineDefinition {
                returns: Some("setof int".into()),
                language: "sql".into(),
                body: "select n".into(),
                volatility: Volatility::Immutable,
                strict: true,
                security_definer: false,
                leakproof: true,
                parallel: Parallel::Safe,
                settings: BTreeMap::from([(
                    "work_mem".to_string(),
                    Setting::Scalar("64MB".into()),
                )]),
                cost: Some(5.0),
                rows: Some(10.5),
                ..register_user()
            },
        };
        assert_eq!(
            s.render(),
            "CREATE OR REPLACE FUNCTION \"s\".\"f\"(n int) RETURNS setof int LANGUAGE \"sql\" \
             IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE COST 5 ROWS 10.5 SET \"work_mem\" = '64MB' \
             AS $pgp$\nselect n\n$pgp$"
        );
        assert!(s.created().is_none());
    }

    #[test]
    fn create_procedure_has_no_return_type() {
        let s = RoutineStatement::CreateRoutine {
            replace: false,
            schema: "civitai".into(),
            name: "tidy".into(),
            args: String::new(),
            identity_args: String::new(),
            definition: RoutineDefinition {
                procedure: true,
                returns: None,
                security_definer: false,
                settings: BTreeMap::new(),
                body: "delete from t".into(),
                language: "sql".into(),
                ..register_user()
            },
        };
        assert_eq!(
            s.render(),
            "CREATE PROCEDURE \"civitai\".\"tidy\"() LANGUAGE \"sql\" AS $pgp$\ndelete from t\n$pgp$"
        );
        assert_eq!(s.created().unwrap().to_string(), "civitai.tidy()");
    }

    fn view(columns: Vec<String>, barrier: bool, check: Option<CheckOption>) -> ViewDefinition {
        ViewDefinition {
            query: "select user_id, username from app_data.users".into(),
            columns,
            security_invoker: true,
            security_barrier: barrier,
            check_option: check,
        }
    }

    #[test]
    fn create_and_replace_views() {
        let s = RoutineStatement::CreateView {
            replace: false,
            schema: "api".into(),
            name: "users".into(),
            definition: view(vec![], false, None),
        };
        assert_eq!(
            s.render(),
            "CREATE VIEW \"api\".\"users\" WITH (\"security_invoker\" = 'true') AS\nselect user_id, username from app_data.users"
        );
        assert_eq!(s.created().unwrap().to_string(), "api.users");
        let r = RoutineStatement::CreateView {
            replace: true,
            schema: "api".into(),
            name: "users".into(),
            definition: view(
                vec!["id".into(), "Name".into()],
                true,
                Some(CheckOption::Cascaded),
            ),
        };
        assert_eq!(
            r.render(),
            "CREATE OR REPLACE VIEW \"api\".\"users\" (\"id\", \"Name\") WITH (\"check_option\" = 'cascaded', \"security_barrier\" = 'true', \"security_invoker\" = 'true') AS\nselect user_id, username from app_data.users"
        );
        assert!(r.created().is_none());
    }

    #[test]
    fn drop_and_alter_view_options() {
        let d = RoutineStatement::DropView {
            schema: "api".into(),
            name: "users".into(),
        };
        assert_eq!(d.render(), "DROP VIEW \"api\".\"users\"");
        assert!(d.created().is_none());
        let set = RoutineStatement::SetViewOptions {
            schema: "api".into(),
            name: "users".into(),
            options: vec![
                ("security_barrier".into(), "true".into()),
                ("check_option".into(), "local".into()),
            ],
        };
        assert_eq!(
            set.render(),
            "ALTER VIEW \"api\".\"users\" SET (\"security_barrier\" = 'true', \"check_option\" = 'local')"
        );
        let reset = RoutineStatement::ResetViewOptions {
            schema: "api".into(),
            name: "users".into(),
            options: vec!["security_invoker".into()],
        };
        assert_eq!(
            reset.render(),
            "ALTER VIEW \"api\".\"users\" RESET (\"security_invoker\")"
        );
    }
}
