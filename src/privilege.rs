//! Privileges and the kinds of objects they apply to, shared by every stage.
//!
//! The names are PostgreSQL's own (`aclexplode` reports them the same way), so
//! the catalog, the spec and rendered SQL all speak one vocabulary.

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
}

impl ObjectKind {
    /// The keyword used in `GRANT … ON <kind> name`.
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectKind::Database => "DATABASE",
            ObjectKind::Schema => "SCHEMA",
        }
    }

    /// What `ALL [PRIVILEGES]` means for this kind on server `major`.
    pub fn all_privileges(self, _major: u32) -> &'static [Privilege] {
        match self {
            ObjectKind::Database => &[Privilege::Create, Privilege::Connect, Privilege::Temporary],
            ObjectKind::Schema => &[Privilege::Usage, Privilege::Create],
        }
    }

    /// The privileges `acldefault` gives PUBLIC for this kind.
    pub fn public_default(self) -> &'static [Privilege] {
        match self {
            ObjectKind::Database => &[Privilege::Connect, Privilege::Temporary],
            ObjectKind::Schema => &[],
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
pub type Acl = BTreeMap<String, Grants>;

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
}
