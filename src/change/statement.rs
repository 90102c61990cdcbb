//! The SQL statements pg-provision emits, one variant each, rendered through
//! [`crate::quote`] only.

use super::{
    ObjectName, RoutineStatement, SecurityStatement, SeedStatement, TableStatement, TypeStatement,
};
use crate::privilege::{ObjectKind, Privilege};
use crate::quote::{self, Sql, ident, literal};
use crate::secret::Secret;
use crate::spec::model::{RoleAttributes, Setting};

/// Options of a role membership grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipOptions {
    /// `ADMIN`.
    pub admin: bool,
    /// `INHERIT` (PostgreSQL 16+; `None` before).
    pub inherit: Option<bool>,
    /// `SET` (PostgreSQL 16+; `None` before).
    pub set: Option<bool>,
}

/// One statement.
#[derive(Debug, Clone)]
pub enum Statement {
    /// Tables and sequences (see [`TableStatement`]).
    Table(TableStatement),
    /// Functions, procedures, views (see [`RoutineStatement`]).
    Routine(RoutineStatement),
    /// Row-level security, policies, triggers (see [`SecurityStatement`]).
    Security(SecurityStatement),
    /// Seed rows (see [`SeedStatement`]).
    Seed(SeedStatement),
    /// Enum types (see [`TypeStatement`]).
    Type(TypeStatement),
    /// `CREATE ROLE name WITH …attributes… [PASSWORD 'verifier']`.
    CreateRole {
        /// Role.
        name: String,
        /// Every attribute, spelled out.
        attributes: RoleAttributes,
        /// Password to hash into a verifier.
        password: Option<Secret>,
    },
    /// `ALTER ROLE name WITH …changed attributes…`.
    AlterRole {
        /// Role.
        name: String,
        /// Desired attributes.
        attributes: RoleAttributes,
        /// Which ones differ (only these are rendered).
        changed: Vec<&'static str>,
    },
    /// `ALTER ROLE name PASSWORD 'verifier'`.
    SetPassword {
        /// Role.
        name: String,
        /// The password.
        password: Secret,
    },
    /// `GRANT role TO member [WITH ADMIN …, INHERIT …, SET …]` (also updates
    /// options of an existing grant on PostgreSQL 16+).
    GrantMembership {
        /// Granted role.
        role: String,
        /// Member.
        member: String,
        /// Options.
        options: MembershipOptions,
    },
    /// `REVOKE {ADMIN|INHERIT|SET} OPTION FOR role FROM member [GRANTED BY g]`.
    RevokeMembershipOption {
        /// Granted role.
        role: String,
        /// Member.
        member: String,
        /// `ADMIN`, `INHERIT` or `SET`.
        option: &'static str,
        /// Grantor whose grant to change (PostgreSQL 16+).
        grantor: Option<String>,
    },
    /// `REVOKE role FROM member [GRANTED BY g]`.
    RevokeMembership {
        /// Granted role.
        role: String,
        /// Member.
        member: String,
        /// Grantor whose grant to remove (PostgreSQL 16+).
        grantor: Option<String>,
    },
    /// `ALTER ROLE name SET param = value`.
    SetRoleSetting {
        /// Role.
        role: String,
        /// Parameter.
        name: String,
        /// Value.
        value: Setting,
    },
    /// `ALTER ROLE name RESET param`.
    ResetRoleSetting {
        /// Role.
        role: String,
        /// Parameter.
        name: String,
    },
    /// `ALTER DATABASE db OWNER TO owner`.
    AlterDatabaseOwner {
        /// Database.
        database: String,
        /// New owner.
        owner: String,
    },
    /// `ALTER DATABASE db WITH [CONNECTION LIMIT n] [ALLOW_CONNECTIONS b]`.
    AlterDatabaseOptions {
        /// Database.
        database: String,
        /// New connection limit.
        connection_limit: Option<i32>,
        /// New `ALLOW_CONNECTIONS`.
        allow_connections: Option<bool>,
    },
    /// `ALTER DATABASE db SET param = value`.
    SetDatabaseSetting {
        /// Database.
        database: String,
        /// Parameter.
        name: String,
        /// Value.
        value: Setting,
    },
    /// `ALTER DATABASE db RESET param`.
    ResetDatabaseSetting {
        /// Database.
        database: String,
        /// Parameter.
        name: String,
    },
    /// `CREATE SCHEMA name [AUTHORIZATION owner]`.
    CreateSchema {
        /// Schema.
        name: String,
        /// Owner.
        owner: Option<String>,
    },
    /// `ALTER SCHEMA name OWNER TO owner`.
    AlterSchemaOwner {
        /// Schema.
        name: String,
        /// New owner.
        owner: String,
    },
    /// `CREATE EXTENSION IF NOT EXISTS name [WITH SCHEMA s] [VERSION v]`.
    CreateExtension {
        /// Extension.
        name: String,
        /// Schema.
        schema: Option<String>,
        /// Version.
        version: Option<String>,
    },
    /// `ALTER EXTENSION name SET SCHEMA s`.
    AlterExtensionSchema {
        /// Extension.
        name: String,
        /// New schema.
        schema: String,
    },
    /// `ALTER EXTENSION name UPDATE TO v`.
    UpdateExtension {
        /// Extension.
        name: String,
        /// Target version.
        version: String,
    },
    /// `ALTER TABLE|VIEW|SEQUENCE|FUNCTION|… object OWNER TO owner`.
    AlterOwner {
        /// The `ALTER` keyword(s) for the object's actual kind, e.g. `MATERIALIZED VIEW`.
        keyword: &'static str,
        /// Object.
        object: ObjectName,
        /// New owner.
        owner: String,
    },
    /// `GRANT privileges [(columns)] ON kind object TO grantees [WITH GRANT OPTION]`.
    Grant {
        /// Object kind.
        kind: ObjectKind,
        /// Object name.
        object: ObjectName,
        /// Columns the privileges are limited to; empty for the whole object.
        columns: Vec<String>,
        /// Privileges.
        privileges: Vec<Privilege>,
        /// Grantees.
        grantees: Vec<String>,
        /// `WITH GRANT OPTION`.
        with_grant_option: bool,
    },
    /// `REVOKE [GRANT OPTION FOR] privileges [(columns)] ON kind object FROM grantees`.
    Revoke {
        /// Object kind.
        kind: ObjectKind,
        /// Object name.
        object: ObjectName,
        /// Columns the privileges are limited to; empty for the whole object.
        columns: Vec<String>,
        /// Privileges.
        privileges: Vec<Privilege>,
        /// Grantees.
        grantees: Vec<String>,
        /// Only the grant option, not the privilege.
        grant_option_only: bool,
    },
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA s] GRANT privileges
    /// ON kinds TO grantees [WITH GRANT OPTION]`.
    GrantDefault {
        /// The role whose future objects get the privileges.
        role: String,
        /// Only objects created in this schema; `None` for everywhere.
        schema: Option<String>,
        /// Kind of future object.
        kind: ObjectKind,
        /// Privileges.
        privileges: Vec<Privilege>,
        /// Grantees.
        grantees: Vec<String>,
        /// `WITH GRANT OPTION`.
        with_grant_option: bool,
    },
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA s] REVOKE [GRANT
    /// OPTION FOR] privileges ON kinds FROM grantees`.
    RevokeDefault {
        /// The role whose future objects lose the privileges.
        role: String,
        /// Only objects created in this schema; `None` for everywhere.
        schema: Option<String>,
        /// Kind of future object.
        kind: ObjectKind,
        /// Privileges.
        privileges: Vec<Privilege>,
        /// Grantees.
        grantees: Vec<String>,
        /// Only the grant option, not the privilege.
        grant_option_only: bool,
    },
    /// `GRANT r1, r2 TO member [WITH INHERIT TRUE, SET TRUE]`: the run takes
    /// the identity of the roles it acts for (see `plan::authority`).
    ActAs {
        /// Roles.
        roles: Vec<String>,
        /// The connected role.
        member: String,
        /// PostgreSQL 16+: spell out INHERIT and SET.
        options: bool,
    },
    /// `REVOKE r1, r2 FROM member`: gives back what [`Statement::ActAs`] took.
    StopActingAs {
        /// Roles.
        roles: Vec<String>,
        /// The connected role.
        member: String,
    },
    /// `COMMENT ON kind object IS 'text' | NULL`.
    Comment {
        /// `ROLE`, `DATABASE`, `SCHEMA`, `TABLE`, ….
        kind: &'static str,
        /// Object name.
        object: ObjectName,
        /// Text; `None` removes the comment.
        text: Option<String>,
    },
}

const REDACTED: &str = "'<redacted>'";

impl Statement {
    /// The SQL to execute (passwords as SCRAM verifiers).
    pub fn render(&self) -> Sql {
        Sql::new(self.render_with(&|s: &Secret| literal(&s.verifier())))
    }

    /// The SQL to show to people: verifiers replaced by `'<redacted>'`.
    pub fn render_redacted(&self) -> Sql {
        Sql::new(self.render_with(&|_| REDACTED.to_string()))
    }

    /// The object this statement creates, if any: such objects end the run
    /// with exactly their desired privileges (see `apply`).
    pub fn created(&self) -> Option<ObjectName> {
        match self {
            Statement::Table(s) => s.created(),
            Statement::Routine(s) => s.created(),
            Statement::Security(s) => s.created(),
            Statement::Seed(s) => s.created(),
            Statement::Type(s) => s.created(),
            _ => None,
        }
    }

    /// Whether rendering involves a secret.
    pub fn has_secret(&self) -> bool {
        matches!(
            self,
            Statement::SetPassword { .. }
                | Statement::CreateRole {
                    password: Some(_),
                    ..
                }
        )
    }

    fn render_with(&self, password: &dyn Fn(&Secret) -> String) -> String {
        match self {
            Statement::Table(s) => s.render(),
            Statement::Routine(s) => s.render(),
            Statement::Security(s) => s.render(),
            Statement::Seed(s) => s.render(),
            Statement::Type(s) => s.render(),
            Statement::CreateRole {
                name,
                attributes,
                password: pw,
            } => {
                let mut s = format!(
                    "CREATE ROLE {} WITH {}",
                    ident(name),
                    attribute_list(attributes, None)
                );
                if let Some(pw) = pw {
                    s.push_str(&format!(" PASSWORD {}", password(pw)));
                }
                s
            }
            Statement::AlterRole {
                name,
                attributes,
                changed,
            } => format!(
                "ALTER ROLE {} WITH {}",
                ident(name),
                attribute_list(attributes, Some(changed))
            ),
            Statement::SetPassword { name, password: pw } => {
                format!("ALTER ROLE {} PASSWORD {}", ident(name), password(pw))
            }
            Statement::GrantMembership {
                role,
                member,
                options,
            } => {
                let mut s = format!("GRANT {} TO {}", ident(role), ident(member));
                match (options.inherit, options.set) {
                    (None, None) => {
                        if options.admin {
                            s.push_str(" WITH ADMIN OPTION");
                        }
                    }
                    (inherit, set) => {
                        let b = |v: bool| if v { "TRUE" } else { "FALSE" };
                        let mut opts = vec![format!("ADMIN {}", b(options.admin))];
                        if let Some(i) = inherit {
                            opts.push(format!("INHERIT {}", b(i)));
                        }
                        if let Some(v) = set {
                            opts.push(format!("SET {}", b(v)));
                        }
                        s.push_str(&format!(" WITH {}", opts.join(", ")));
                    }
                }
                s
            }
            Statement::RevokeMembershipOption {
                role,
                member,
                option,
                grantor,
            } => format!(
                "REVOKE {option} OPTION FOR {} FROM {}{}",
                ident(role),
                ident(member),
                granted_by(grantor)
            ),
            Statement::RevokeMembership {
                role,
                member,
                grantor,
            } => format!(
                "REVOKE {} FROM {}{}",
                ident(role),
                ident(member),
                granted_by(grantor)
            ),
            Statement::SetRoleSetting { role, name, value } => format!(
                "ALTER ROLE {} SET {} = {}",
                ident(role),
                ident(name),
                setting_value(value)
            ),
            Statement::ResetRoleSetting { role, name } => {
                format!("ALTER ROLE {} RESET {}", ident(role), ident(name))
            }
            Statement::AlterDatabaseOwner { database, owner } => {
                format!(
                    "ALTER DATABASE {} OWNER TO {}",
                    ident(database),
                    ident(owner)
                )
            }
            Statement::SetDatabaseSetting {
                database,
                name,
                value,
            } => format!(
                "ALTER DATABASE {} SET {} = {}",
                ident(database),
                ident(name),
                setting_value(value)
            ),
            Statement::ResetDatabaseSetting { database, name } => {
                format!("ALTER DATABASE {} RESET {}", ident(database), ident(name))
            }
            Statement::CreateSchema { name, owner } => match owner {
                Some(o) => format!("CREATE SCHEMA {} AUTHORIZATION {}", ident(name), ident(o)),
                None => format!("CREATE SCHEMA {}", ident(name)),
            },
            Statement::AlterSchemaOwner { name, owner } => {
                format!("ALTER SCHEMA {} OWNER TO {}", ident(name), ident(owner))
            }
            Statement::CreateExtension {
                name,
                schema,
                version,
            } => {
                let mut s = format!("CREATE EXTENSION IF NOT EXISTS {}", ident(name));
                if let Some(schema) = schema {
                    s.push_str(&format!(" WITH SCHEMA {}", ident(schema)));
                }
                if let Some(v) = version {
                    s.push_str(&format!(" VERSION {}", literal(v)));
                }
                s
            }
            Statement::AlterExtensionSchema { name, schema } => {
                format!(
                    "ALTER EXTENSION {} SET SCHEMA {}",
                    ident(name),
                    ident(schema)
                )
            }
            Statement::UpdateExtension { name, version } => {
                format!(
                    "ALTER EXTENSION {} UPDATE TO {}",
                    ident(name),
                    literal(version)
                )
            }
            Statement::AlterOwner {
                keyword,
                object,
                owner,
            } => format!("ALTER {keyword} {} OWNER TO {}", object.sql(), ident(owner)),
            Statement::Grant {
                kind,
                object,
                columns,
                privileges,
                grantees,
                with_grant_option,
            } => format!(
                "GRANT {} ON {} {} TO {}{}",
                privilege_list_on(privileges, columns),
                kind.keyword(),
                object.sql(),
                quote::grantee_list(grantees.iter().map(String::as_str)),
                with_grant_option_clause(*with_grant_option)
            ),
            Statement::Revoke {
                kind,
                object,
                columns,
                privileges,
                grantees,
                grant_option_only,
            } => format!(
                "REVOKE {}{} ON {} {} FROM {}",
                grant_option_for(*grant_option_only),
                privilege_list_on(privileges, columns),
                kind.keyword(),
                object.sql(),
                quote::grantee_list(grantees.iter().map(String::as_str))
            ),
            Statement::GrantDefault {
                role,
                schema,
                kind,
                privileges,
                grantees,
                with_grant_option,
            } => format!(
                "{} GRANT {} ON {} TO {}{}",
                default_privileges_for(role, schema),
                privilege_list(privileges),
                kind.default_keyword().unwrap_or("TABLES"),
                quote::grantee_list(grantees.iter().map(String::as_str)),
                with_grant_option_clause(*with_grant_option)
            ),
            Statement::RevokeDefault {
                role,
                schema,
                kind,
                privileges,
                grantees,
                grant_option_only,
            } => format!(
                "{} REVOKE {}{} ON {} FROM {}",
                default_privileges_for(role, schema),
                grant_option_for(*grant_option_only),
                privilege_list(privileges),
                kind.default_keyword().unwrap_or("TABLES"),
                quote::grantee_list(grantees.iter().map(String::as_str))
            ),
            Statement::AlterDatabaseOptions {
                database,
                connection_limit,
                allow_connections,
            } => {
                let mut s = format!("ALTER DATABASE {} WITH", ident(database));
                if let Some(n) = connection_limit {
                    s.push_str(&format!(" CONNECTION LIMIT {n}"));
                }
                if let Some(b) = allow_connections {
                    s.push_str(&format!(" ALLOW_CONNECTIONS {b}"));
                }
                s
            }
            Statement::ActAs {
                roles,
                member,
                options,
            } => crate::plan::authority::act_as_sql(roles, member, *options),
            Statement::StopActingAs { roles, member } => {
                crate::plan::authority::stop_acting_as_sql(roles, member)
            }
            Statement::Comment { kind, object, text } => format!(
                "COMMENT ON {kind} {} IS {}",
                object.sql(),
                text.as_deref()
                    .map(literal)
                    .unwrap_or_else(|| "NULL".into())
            ),
        }
    }
}

fn with_grant_option_clause(on: bool) -> &'static str {
    if on { " WITH GRANT OPTION" } else { "" }
}

fn grant_option_for(only: bool) -> &'static str {
    if only { "GRANT OPTION FOR " } else { "" }
}

/// `ALTER DEFAULT PRIVILEGES FOR ROLE "r" [IN SCHEMA "s"]`.
fn default_privileges_for(role: &str, schema: &Option<String>) -> String {
    let mut s = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {}", ident(role));
    if let Some(schema) = schema {
        s.push_str(&format!(" IN SCHEMA {}", ident(schema)));
    }
    s
}

/// Privileges, each followed by the column list when there is one:
/// `SELECT ("a", "b"), UPDATE ("a", "b")` (a column list binds to one privilege).
fn privilege_list_on(privileges: &[Privilege], columns: &[String]) -> String {
    if columns.is_empty() {
        return privilege_list(privileges);
    }
    let cols = quote::ident_list(columns.iter().map(String::as_str));
    privileges
        .iter()
        .map(|p| format!("{} ({cols})", p.keyword()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn granted_by(grantor: &Option<String>) -> String {
    grantor
        .as_deref()
        .map(|g| format!(" GRANTED BY {}", ident(g)))
        .unwrap_or_default()
}

fn privilege_list(privileges: &[Privilege]) -> String {
    privileges
        .iter()
        .map(|p| p.keyword())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A setting value: a literal, or comma-separated literals for a list.
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

/// Renders role attributes as keywords; all of them, or only `only`.
fn attribute_list(a: &RoleAttributes, only: Option<&[&'static str]>) -> String {
    let flag = |on: bool, yes: &str, no: &str| if on { yes.to_string() } else { no.to_string() };
    let all: Vec<(&'static str, String)> = vec![
        ("login", flag(a.login, "LOGIN", "NOLOGIN")),
        ("superuser", flag(a.superuser, "SUPERUSER", "NOSUPERUSER")),
        ("createdb", flag(a.createdb, "CREATEDB", "NOCREATEDB")),
        (
            "createrole",
            flag(a.createrole, "CREATEROLE", "NOCREATEROLE"),
        ),
        ("inherit", flag(a.inherit, "INHERIT", "NOINHERIT")),
        (
            "replication",
            flag(a.replication, "REPLICATION", "NOREPLICATION"),
        ),
        ("bypassrls", flag(a.bypassrls, "BYPASSRLS", "NOBYPASSRLS")),
        (
            "connection_limit",
            format!("CONNECTION LIMIT {}", a.connection_limit),
        ),
        (
            "valid_until",
            format!(
                "VALID UNTIL {}",
                literal(
                    a.valid_until
                        .as_ref()
                        .map(|v| v.text.as_str())
                        .unwrap_or("infinity")
                )
            ),
        ),
    ];
    all.into_iter()
        .filter(|(key, _)| match only {
            Some(keys) => keys.contains(key),
            // CREATE ROLE: no need to spell out an absent expiry.
            None => *key != "valid_until" || a.valid_until.is_some(),
        })
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretSource;

    fn attrs() -> RoleAttributes {
        RoleAttributes::default()
    }

    #[test]
    fn create_role_spells_out_every_attribute_and_hides_the_password() {
        let s = Statement::CreateRole {
            name: "api user".into(),
            attributes: RoleAttributes {
                login: true,
                inherit: false,
                ..attrs()
            },
            password: Some(Secret::new("pw".into(), SecretSource::Env("P".into()))),
        };
        assert_eq!(
            s.render_redacted().as_str(),
            r#"CREATE ROLE "api user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD '<redacted>'"#
        );
        let real = s.render();
        assert!(real.as_str().contains("PASSWORD 'SCRAM-SHA-256$4096:"));
        assert!(!real.as_str().contains("'pw'"));
    }

    #[test]
    fn alter_role_renders_only_changed_attributes() {
        let s = Statement::AlterRole {
            name: "r".into(),
            attributes: RoleAttributes {
                createrole: true,
                ..attrs()
            },
            changed: vec!["createrole", "valid_until"],
        };
        assert_eq!(
            s.render().as_str(),
            r#"ALTER ROLE "r" WITH CREATEROLE VALID UNTIL 'infinity'"#
        );
    }

    #[test]
    fn membership_grants_per_server_generation() {
        let pre16 = Statement::GrantMembership {
            role: "a".into(),
            member: "b".into(),
            options: MembershipOptions {
                admin: true,
                inherit: None,
                set: None,
            },
        };
        assert_eq!(
            pre16.render().as_str(),
            r#"GRANT "a" TO "b" WITH ADMIN OPTION"#
        );
        let pg16 = Statement::GrantMembership {
            role: "a".into(),
            member: "b".into(),
            options: MembershipOptions {
                admin: false,
                inherit: Some(false),
                set: Some(true),
            },
        };
        assert_eq!(
            pg16.render().as_str(),
            r#"GRANT "a" TO "b" WITH ADMIN FALSE, INHERIT FALSE, SET TRUE"#
        );
        let revoke = Statement::RevokeMembershipOption {
            role: "a".into(),
            member: "b".into(),
            option: "ADMIN",
            grantor: Some("postgres".into()),
        };
        assert_eq!(
            revoke.render().as_str(),
            r#"REVOKE ADMIN OPTION FOR "a" FROM "b" GRANTED BY "postgres""#
        );
    }

    #[test]
    fn settings_quote_values_and_lists() {
        let s = Statement::SetRoleSetting {
            role: "r".into(),
            name: "search_path".into(),
            value: Setting::List(vec!["$user".into(), "app's".into()]),
        };
        assert_eq!(
            s.render().as_str(),
            r#"ALTER ROLE "r" SET "search_path" = '$user', 'app''s'"#
        );
    }

    #[test]
    fn grants_and_revokes() {
        let g = Statement::Grant {
            kind: ObjectKind::Database,
            object: ObjectName::Plain("app".into()),
            columns: vec![],
            privileges: vec![Privilege::Connect, Privilege::Temporary],
            grantees: vec!["PUBLIC".into(), "web".into()],
            with_grant_option: true,
        };
        assert_eq!(
            g.render().as_str(),
            r#"GRANT CONNECT, TEMPORARY ON DATABASE "app" TO PUBLIC, "web" WITH GRANT OPTION"#
        );
        let r = Statement::Revoke {
            kind: ObjectKind::Schema,
            object: ObjectName::Plain("s".into()),
            columns: vec![],
            privileges: vec![Privilege::Create],
            grantees: vec!["PUBLIC".into()],
            grant_option_only: false,
        };
        assert_eq!(
            r.render().as_str(),
            r#"REVOKE CREATE ON SCHEMA "s" FROM PUBLIC"#
        );
    }

    #[test]
    fn schema_extension_comment() {
        assert_eq!(
            Statement::CreateSchema {
                name: "app".into(),
                owner: Some("owner".into())
            }
            .render()
            .as_str(),
            r#"CREATE SCHEMA "app" AUTHORIZATION "owner""#
        );
        assert_eq!(
            Statement::CreateExtension {
                name: "pgcrypto".into(),
                schema: Some("public".into()),
                version: Some("1.3".into())
            }
            .render()
            .as_str(),
            r#"CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "public" VERSION '1.3'"#
        );
        assert_eq!(
            Statement::Comment {
                kind: "ROLE",
                object: ObjectName::Plain("r".into()),
                text: None
            }
            .render()
            .as_str(),
            r#"COMMENT ON ROLE "r" IS NULL"#
        );
    }

    fn users() -> ObjectName {
        ObjectName::Qualified {
            schema: "public".into(),
            name: "users".into(),
        }
    }

    #[test]
    fn object_owners_use_the_actual_kind_keyword() {
        let s = Statement::AlterOwner {
            keyword: "SEQUENCE",
            object: ObjectName::Qualified {
                schema: "public".into(),
                name: "users_id_seq".into(),
            },
            owner: "chatbot_user".into(),
        };
        assert_eq!(
            s.render().as_str(),
            r#"ALTER SEQUENCE "public"."users_id_seq" OWNER TO "chatbot_user""#
        );
        let f = Statement::AlterOwner {
            keyword: "FUNCTION",
            object: ObjectName::Routine {
                schema: "api".into(),
                name: "login".into(),
                args: "p_username text, p_password text".into(),
            },
            owner: "app_owner".into(),
        };
        assert_eq!(
            f.render().as_str(),
            r#"ALTER FUNCTION "api"."login"(p_username text, p_password text) OWNER TO "app_owner""#
        );
    }

    #[test]
    fn object_and_column_grants() {
        let g = Statement::Grant {
            kind: ObjectKind::Table,
            object: users(),
            columns: vec![],
            privileges: vec![Privilege::Select, Privilege::Insert],
            grantees: vec!["api_user".into()],
            with_grant_option: false,
        };
        assert_eq!(
            g.render().as_str(),
            r#"GRANT SELECT, INSERT ON TABLE "public"."users" TO "api_user""#
        );
        let c = Statement::Grant {
            kind: ObjectKind::View,
            object: users(),
            columns: vec!["username".into(), "Email".into()],
            privileges: vec![Privilege::Select, Privilege::Update],
            grantees: vec!["api_anon".into()],
            with_grant_option: true,
        };
        assert_eq!(
            c.render().as_str(),
            r#"GRANT SELECT ("username", "Email"), UPDATE ("username", "Email") ON TABLE "public"."users" TO "api_anon" WITH GRANT OPTION"#
        );
        let r = Statement::Revoke {
            kind: ObjectKind::Function,
            object: ObjectName::Routine {
                schema: "api".into(),
                name: "login".into(),
                args: "text".into(),
            },
            columns: vec![],
            privileges: vec![Privilege::Execute],
            grantees: vec!["PUBLIC".into()],
            grant_option_only: false,
        };
        assert_eq!(
            r.render().as_str(),
            r#"REVOKE EXECUTE ON FUNCTION "api"."login"(text) FROM PUBLIC"#
        );
        let rc = Statement::Revoke {
            kind: ObjectKind::Table,
            object: users(),
            columns: vec!["secret".into()],
            privileges: vec![Privilege::Select],
            grantees: vec!["web".into()],
            grant_option_only: true,
        };
        assert_eq!(
            rc.render().as_str(),
            r#"REVOKE GRANT OPTION FOR SELECT ("secret") ON TABLE "public"."users" FROM "web""#
        );
    }

    #[test]
    fn default_privileges_global_and_per_schema() {
        let g = Statement::GrantDefault {
            role: "chatbot_user".into(),
            schema: Some("public".into()),
            kind: ObjectKind::Sequence,
            privileges: vec![Privilege::Usage, Privilege::Select],
            grantees: vec!["reader".into()],
            with_grant_option: false,
        };
        assert_eq!(
            g.render().as_str(),
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "chatbot_user" IN SCHEMA "public" GRANT USAGE, SELECT ON SEQUENCES TO "reader""#
        );
        let r = Statement::RevokeDefault {
            role: "app_owner".into(),
            schema: None,
            kind: ObjectKind::Function,
            privileges: vec![Privilege::Execute],
            grantees: vec!["PUBLIC".into()],
            grant_option_only: false,
        };
        assert_eq!(
            r.render().as_str(),
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"#
        );
        let t = Statement::GrantDefault {
            role: "o".into(),
            schema: None,
            kind: ObjectKind::Type,
            privileges: vec![Privilege::Usage],
            grantees: vec!["PUBLIC".into()],
            with_grant_option: true,
        };
        assert_eq!(
            t.render().as_str(),
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "o" GRANT USAGE ON TYPES TO PUBLIC WITH GRANT OPTION"#
        );
    }

    #[test]
    fn comments_on_qualified_objects() {
        let c = Statement::Comment {
            kind: "TABLE",
            object: users(),
            text: Some("app's users".into()),
        };
        assert_eq!(
            c.render().as_str(),
            r#"COMMENT ON TABLE "public"."users" IS 'app''s users'"#
        );
    }
}
