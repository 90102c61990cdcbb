//! Privileges and the kinds of objects they apply to, shared by every stage.
//!
//! The names are PostgreSQL's own (`aclexplode` reports them the same way), so
//! the catalog, the spec and rendered SQL all speak one vocabulary.

use crate::sorted_map::SortedMap;
use std::collections::BTreeMap;
use std::fmt;

/// One privilege, as `GRANT` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privilege {
    /// `SELECT` (`r`).
    Select,
    /// `INSERT` (`a`).
    Insert,
    /// `UPDATE` (`w`).
    Update,
    /// `DELETE` (`d`).
    Delete,
    /// `TRUNCATE` (`D`).
    Truncate,
    /// `REFERENCES` (`x`).
    References,
    /// `TRIGGER` (`t`).
    Trigger,
    /// `MAINTAIN` (`m`, PostgreSQL 17+).
    Maintain,
    /// `EXECUTE` (`X`).
    Execute,
    /// `USAGE` (`U`).
    Usage,
    /// `CREATE` (`C`).
    Create,
    /// `CONNECT` (`c`).
    Connect,
    /// `TEMPORARY` (`T`).
    Temporary,
}

impl Privilege {
    /// Every privilege, in `GRANT` order.
    pub const ALL: [Privilege; 13] = [
        Privilege::Select,
        Privilege::Insert,
        Privilege::Update,
        Privilege::Delete,
        Privilege::Truncate,
        Privilege::References,
        Privilege::Trigger,
        Privilege::Maintain,
        Privilege::Execute,
        Privilege::Usage,
        Privilege::Create,
        Privilege::Connect,
        Privilege::Temporary,
    ];

    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Maintain => "MAINTAIN",
            Privilege::Execute => "EXECUTE",
            Privilege::Usage => "USAGE",
            Privilege::Create => "CREATE",
            Privilege::Connect => "CONNECT",
            Privilege::Temporary => "TEMPORARY",
        }
    }

    /// Parses a keyword as written in a spec or reported by `aclexplode`
    /// (case-insensitive; `TEMP` is accepted for `TEMPORARY`).
    pub fn parse(text: &str) -> Option<Privilege> {
        let upper = text.trim().to_ascii_uppercase();
        if upper == "TEMP" {
            return Some(Privilege::Temporary);
        }
        Privilege::ALL.into_iter().find(|p| p.keyword() == upper)
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The kinds of objects that carry an access control list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A database.
    Database,
    /// A schema.
    Schema,
    /// A table (ordinary, partitioned or foreign).
    Table,
    /// A view or materialized view: privileges as for a table.
    View,
    /// A sequence.
    Sequence,
    /// A function (or aggregate).
    Function,
    /// A procedure: privileges as for a function, but `GRANT … ON PROCEDURE`.
    Procedure,
    /// A type or domain.
    Type,
}

/// Table privileges up to PostgreSQL 16.
const TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
];

/// Table privileges from PostgreSQL 17 (`MAINTAIN`).
const TABLE_17: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Maintain,
];

/// Privileges that may be granted on single columns of a table or view.
pub const COLUMN_PRIVILEGES: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::References,
];

impl ObjectKind {
    /// The keyword used in `GRANT … ON <kind> name` (views are granted on as tables).
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectKind::Database => "DATABASE",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Table | ObjectKind::View => "TABLE",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Type => "TYPE",
        }
    }

    /// What `ALL [PRIVILEGES]` means for this kind on server `major`.
    pub fn all_privileges(self, major: u32) -> &'static [Privilege] {
        match self {
            ObjectKind::Database => &[Privilege::Create, Privilege::Connect, Privilege::Temporary],
            ObjectKind::Schema => &[Privilege::Usage, Privilege::Create],
            ObjectKind::Table | ObjectKind::View if major >= 17 => TABLE_17,
            ObjectKind::Table | ObjectKind::View => TABLE,
            ObjectKind::Sequence => &[Privilege::Usage, Privilege::Select, Privilege::Update],
            ObjectKind::Function | ObjectKind::Procedure => &[Privilege::Execute],
            ObjectKind::Type => &[Privilege::Usage],
        }
    }

    /// The privileges `acldefault` gives PUBLIC for this kind.
    pub fn public_default(self) -> &'static [Privilege] {
        match self {
            ObjectKind::Database => &[Privilege::Connect, Privilege::Temporary],
            ObjectKind::Function | ObjectKind::Procedure => &[Privilege::Execute],
            ObjectKind::Type => &[Privilege::Usage],
            ObjectKind::Schema | ObjectKind::Table | ObjectKind::View | ObjectKind::Sequence => &[],
        }
    }

    /// The kind whose default privileges apply to objects of this kind
    /// (`ON TABLES` covers views too, `ON FUNCTIONS` procedures).
    pub fn default_class(self) -> ObjectKind {
        match self {
            ObjectKind::View => ObjectKind::Table,
            ObjectKind::Procedure => ObjectKind::Function,
            other => other,
        }
    }

    /// The plural `ALTER DEFAULT PRIVILEGES … ON <kinds>` takes, when the kind has
    /// default privileges at all.
    pub fn default_keyword(self) -> Option<&'static str> {
        match self.default_class() {
            ObjectKind::Table => Some("TABLES"),
            ObjectKind::Sequence => Some("SEQUENCES"),
            ObjectKind::Function => Some("FUNCTIONS"),
            ObjectKind::Type => Some("TYPES"),
            ObjectKind::Schema => Some("SCHEMAS"),
            _ => None,
        }
    }

    /// The kind a `pg_default_acl.defaclobjtype` code stands for.
    pub fn from_defacl_code(code: &str) -> Option<ObjectKind> {
        match code {
            "r" => Some(ObjectKind::Table),
            "S" => Some(ObjectKind::Sequence),
            "f" => Some(ObjectKind::Function),
            "T" => Some(ObjectKind::Type),
            "n" => Some(ObjectKind::Schema),
            _ => None,
        }
    }

    /// Parses the lower-case plural a spec writes after `on:` (`tables`, …).
    pub fn parse_plural(text: &str) -> Option<ObjectKind> {
        match text {
            "tables" => Some(ObjectKind::Table),
            "sequences" => Some(ObjectKind::Sequence),
            "functions" => Some(ObjectKind::Function),
            "types" => Some(ObjectKind::Type),
            "schemas" => Some(ObjectKind::Schema),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keyword().to_ascii_lowercase())
    }
}

/// Privileges one grantee holds: privilege → with grant option.
pub type Grants = BTreeMap<Privilege, bool>;

/// An access control list without the owner's entries: grantee → privileges.
/// The grantee `PUBLIC` stands for everyone.
/// Small and held by the thousand: a [`SortedMap`].
pub type Acl = SortedMap<String, Grants>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for p in Privilege::ALL {
            assert_eq!(Privilege::parse(p.keyword()), Some(p));
            assert_eq!(Privilege::parse(&p.keyword().to_lowercase()), Some(p));
        }
        assert_eq!(Privilege::parse("temp"), Some(Privilege::Temporary));
        assert_eq!(Privilege::parse("ALL"), None);
    }

    #[test]
    fn all_means_maintain_from_17_only() {
        assert!(
            !ObjectKind::Table
                .all_privileges(16)
                .contains(&Privilege::Maintain)
        );
        assert!(
            ObjectKind::View
                .all_privileges(17)
                .contains(&Privilege::Maintain)
        );
        assert_eq!(
            ObjectKind::Sequence.all_privileges(15),
            &[Privilege::Usage, Privilege::Select, Privilege::Update]
        );
    }

    #[test]
    fn default_privilege_codes_and_plurals_agree() {
        for (code, plural) in [
            ("r", "tables"),
            ("S", "sequences"),
            ("f", "functions"),
            ("T", "types"),
            ("n", "schemas"),
        ] {
            let kind = ObjectKind::from_defacl_code(code).unwrap();
            assert_eq!(ObjectKind::parse_plural(plural), Some(kind));
            assert_eq!(kind.default_keyword().unwrap().to_ascii_lowercase(), plural);
        }
        assert_eq!(ObjectKind::View.default_class(), ObjectKind::Table);
    }
}
