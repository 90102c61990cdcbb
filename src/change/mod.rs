//! Changes: what the diff decides and the plan orders. Each change renders
//! exactly one SQL statement ([`Statement::render`]).

mod object_name;
mod routine;
mod security;
mod seed;
mod statement;
mod table;
mod types;

pub use object_name::ObjectName;
pub use routine::RoutineStatement;
pub use security::SecurityStatement;
pub use seed::SeedStatement;
pub use statement::{MembershipOptions, Statement};
pub use table::TableStatement;
pub use types::{EnumPosition, TypeStatement};
// tables slice
pub(crate) use seed::value_sql as seed_value_sql;
pub use table::{ColumnSql, Constraint, SequenceOptions};
pub(crate) use table::{add_constraint_sql, index_sql, temp_table_sql};

use crate::spec::model::Origin;
use std::fmt;

/// Why a change is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Brings a declared thing to what the spec says.
    Converge,
    /// Revokes something present but not declared (only with `--prune`).
    Prune,
    /// Drift that is reported but never changed, not even with `--prune`
    /// (a column the spec does not declare: pg-provision never drops one).
    /// Its statement is an SQL comment saying so.
    Notice,
}

/// When a change runs relative to others; earlier phases first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `CREATE ROLE`.
    CreateRoles,
    /// `ALTER ROLE` attributes and passwords.
    AlterRoles,
    /// `GRANT role TO member` and membership options.
    Memberships,
    /// `ALTER ROLE … SET`.
    RoleSettings,
    /// Database owner and settings.
    Database,
    /// `CREATE SCHEMA`, schema owners.
    Schemas,
    /// `CREATE EXTENSION` and friends.
    Extensions,
    /// `ALTER DEFAULT PRIVILEGES`: before anything that creates objects, so
    /// objects created later in the run get them.
    DefaultPrivileges,
    /// Enum types: create, add labels (before the tables whose columns use them).
    Types,
    /// Tables and sequences: create, add columns, constraints, indexes.
    Tables,
    /// Functions and procedures (after tables; their bodies are checked in
    /// [`Phase::CheckBodies`]).
    Functions,
    /// Views (after the tables and functions they read).
    Views,
    /// The bodies of the routines created above, checked now that the views
    /// and routines they read exist (see [`crate::plan`]).
    CheckBodies,
    /// Triggers (after their tables and functions).
    Triggers,
    /// Row-level security and policies (expressions may call functions).
    Policies,
    /// `ALTER TABLE|SEQUENCE|FUNCTION … OWNER TO`: before object grants, which
    /// are made in the new owner's name.
    ObjectOwners,
    /// `GRANT`/`REVOKE` of privileges.
    Privileges,
    /// Seed rows (last: they may call SECURITY DEFINER functions and need
    /// every object in place).
    Seed,
    /// `COMMENT ON`.
    Comments,
    /// Revoking undeclared extras.
    Prune,
}

/// One planned statement with its provenance.
#[derive(Debug, Clone)]
pub struct Change {
    /// What to run.
    pub statement: Statement,
    /// Ordering bucket.
    pub phase: Phase,
    /// Converge or prune.
    pub class: Class,
    /// The object, for humans: ``role `api_user` ``.
    pub object: String,
    /// Where the spec asked for it (`None` for prunes of undeclared things).
    pub origin: Option<Origin>,
    /// False when the change cannot be proven necessary (a password whose
    /// stored verifier is unreadable): applied, but not counted as drift.
    pub verifiable: bool,
}

impl Change {
    /// A converging change.
    pub fn converge(phase: Phase, object: String, origin: &Origin, statement: Statement) -> Self {
        Change {
            statement,
            phase,
            class: Class::Converge,
            object,
            origin: Some(origin.clone()),
            verifiable: true,
        }
    }

    /// Drift reported as an extra that no run changes (see [`Class::Notice`]).
    pub fn notice(object: String, origin: &Origin, statement: Statement) -> Self {
        Change {
            statement,
            phase: Phase::Prune,
            class: Class::Notice,
            object,
            origin: Some(origin.clone()),
            verifiable: true,
        }
    }

    /// A change that revokes an undeclared extra.
    pub fn prune(object: String, statement: Statement) -> Self {
        Change {
            statement,
            phase: Phase::Prune,
            class: Class::Prune,
            object,
            origin: None,
            verifiable: true,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.statement.render_redacted())
    }
}
