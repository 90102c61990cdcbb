//! Row-level security as it applies to one role (`check_enable_rls` and
//! `check_role_for_policy` in PostgreSQL): whether the table's policies
//! filter the role's rows at all, and which policies apply per command.
//!
//! RLS applies when it is enabled on the table, unless the role is a
//! superuser, has BYPASSRLS itself (the attribute is not inherited), or has
//! the owner's privileges and the table is not FORCEd. A policy applies when
//! it is for PUBLIC or a role whose privileges the role has. Per command, rows
//! pass when any applicable permissive policy and every applicable
//! restrictive one allow them; with no permissive policy, none pass.

use super::landscape::{Grantee, RoleFacts, RowSecurity};
use super::memberships::{Path, Reach};
use crate::spec::security::PolicyCommand;
use serde::{Serialize, Serializer};

/// Why RLS does or does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Reason {
    /// RLS is not enabled on the table.
    Disabled,
    /// Superusers bypass RLS.
    Superuser,
    /// The role has BYPASSRLS.
    Bypassrls,
    /// The role has the owner's privileges and the table is not FORCEd.
    Owner {
        /// The owner.
        owner: String,
        /// From the role to the owner (empty: it is the owner).
        path: Path,
    },
    /// The role has the owner's privileges, but the table FORCEs RLS.
    ForcedOwner {
        /// The owner.
        owner: String,
        /// From the role to the owner.
        path: Path,
    },
    /// An ordinary role: the policies decide.
    Applies,
}

/// The policies that apply to one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandPolicies {
    /// The command.
    #[serde(serialize_with = "command")]
    pub command: PolicyCommand,
    /// Applicable permissive policies (OR-ed); none means no row passes.
    pub permissive: Vec<String>,
    /// Applicable restrictive policies (AND-ed).
    pub restrictive: Vec<String>,
}

fn command<S: Serializer>(c: &PolicyCommand, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.keyword())
}

/// Row-level security of one table for one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RlsAnswer {
    /// `relrowsecurity`.
    pub enabled: bool,
    /// `relforcerowsecurity`.
    pub forced: bool,
    /// Whether policies filter the role's rows (`row_security_active` as the role).
    pub applies: bool,
    /// Why.
    pub reason: Reason,
    /// When it applies: per command, the policies that apply.
    pub commands: Vec<CommandPolicies>,
}

/// The commands policies are written for, in the order people read them.
pub const COMMANDS: [PolicyCommand; 4] = [
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

/// Row-level security of a table owned by `owner` for the role of `reach`.
pub fn answer(
    reach: &Reach,
    facts: &RoleFacts,
    owner: Option<&str>,
    rs: &RowSecurity,
) -> RlsAnswer {
    let owner_path = owner.and_then(|o| {
        (!reach.superuser)
            .then(|| reach.path_to(o).map(|p| (o.to_string(), p.clone())))
            .flatten()
    });
    let reason = if !rs.enabled {
        Reason::Disabled
    } else if reach.superuser {
        Reason::Superuser
    } else if facts.bypassrls {
        Reason::Bypassrls
    } else if let Some((owner, path)) = owner_path {
        if rs.forced {
            Reason::ForcedOwner { owner, path }
        } else {
            Reason::Owner { owner, path }
        }
    } else {
        Reason::Applies
    };
    let applies = matches!(reason, Reason::Applies | Reason::ForcedOwner { .. });
    let commands = if applies {
        COMMANDS
            .iter()
            .map(|&cmd| {
                let mut out = CommandPolicies {
                    command: cmd,
                    permissive: Vec::new(),
                    restrictive: Vec::new(),
                };
                for p in &rs.policies {
                    let for_cmd = p.command == PolicyCommand::All || p.command == cmd;
                    let for_role = p.roles.iter().any(|g| match g {
                        Grantee::Public => true,
                        Grantee::Role(r) => reach.has_privileges_of(r),
                    });
                    if for_cmd && for_role {
                        if p.permissive {
                            out.permissive.push(p.name.clone());
                        } else {
                            out.restrictive.push(p.name.clone());
                        }
                    }
                }
                out.permissive.sort();
                out.restrictive.sort();
                out
            })
            .collect()
    } else {
        Vec::new()
    };
    RlsAnswer {
        enabled: rs.enabled,
        forced: rs.forced,
        applies,
        reason,
        commands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::landscape::{Kind, Landscape, MembershipRow, Object, Origin, Policy};
    use crate::explain::memberships::reach;

    fn world() -> Landscape {
        let role = |name: &str| RoleFacts {
            known: true,
            ..RoleFacts::unknown(name)
        };
        Landscape {
            origin: Origin::Live,
            major: 16,
            roles: [role("app"), role("owner"), role("reader")]
                .into_iter()
                .map(|r| (r.name.clone(), r))
                .collect(),
            memberships: vec![MembershipRow {
                role: "owner".into(),
                member: "app".into(),
                grantor: None,
                admin: false,
                inherit_option: Some(true),
                set_option: Some(true),
            }],
            database: Object::new(Kind::Database, None, "db"),
            schemas: Vec::new(),
            objects: Vec::new(),
            default_acls: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn policy(name: &str, command: PolicyCommand, permissive: bool, to: &str) -> Policy {
        Policy {
            name: name.into(),
            command,
            permissive,
            roles: vec![Grantee::parse(to)],
            using: Some("true".into()),
            with_check: None,
        }
    }

    fn table(forced: bool) -> RowSecurity {
        RowSecurity {
            enabled: true,
            forced,
            policies: vec![
                policy("read", PolicyCommand::Select, true, "reader"),
                policy("all", PolicyCommand::All, true, "PUBLIC"),
                policy("mine", PolicyCommand::All, false, "reader"),
                policy("theirs", PolicyCommand::Insert, true, "app"),
            ],
        }
    }

    #[test]
    fn policies_per_command_for_an_ordinary_role() {
        let w = world();
        let r = reach(&w, "reader");
        let a = answer(&r, &w.role("reader"), Some("owner"), &table(false));
        assert!(a.applies);
        assert_eq!(a.reason, Reason::Applies);
        assert_eq!(a.commands[0].permissive, vec!["all", "read"]);
        assert_eq!(a.commands[0].restrictive, vec!["mine"]);
        assert_eq!(a.commands[1].permissive, vec!["all"]);
    }

    #[test]
    fn members_of_the_owner_bypass_unless_forced() {
        let w = world();
        let r = reach(&w, "app");
        let a = answer(&r, &w.role("app"), Some("owner"), &table(false));
        assert!(!a.applies && a.commands.is_empty());
        assert!(matches!(a.reason, Reason::Owner { ref path, .. } if path.len() == 1));
        let forced = answer(&r, &w.role("app"), Some("owner"), &table(true));
        assert!(forced.applies);
        assert_eq!(forced.commands[1].permissive, vec!["all", "theirs"]);
    }

    #[test]
    fn bypassrls_is_the_role_s_own_attribute() {
        let w = world();
        let mut facts = w.role("reader");
        facts.bypassrls = true;
        let a = answer(&reach(&w, "reader"), &facts, Some("owner"), &table(true));
        assert_eq!(a.reason, Reason::Bypassrls);
        let off = RowSecurity {
            enabled: false,
            forced: true,
            policies: Vec::new(),
        };
        assert_eq!(
            answer(&reach(&w, "reader"), &w.role("reader"), None, &off).reason,
            Reason::Disabled
        );
    }
}
