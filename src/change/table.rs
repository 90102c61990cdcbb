//! Tables and sequences: `CREATE TABLE`, `ALTER TABLE … ADD …`, indexes,
//! `CREATE SEQUENCE`, `ALTER SEQUENCE`.
//!
//! Each variant renders one statement through [`crate::quote`].

use super::ObjectName;

/// One statement of this family.
#[derive(Debug, Clone)]
pub enum TableStatement {}

impl TableStatement {
    /// The SQL text.
    pub fn render(&self) -> String {
        match *self {}
    }

    /// The object this statement creates, if it creates one.
    pub fn created(&self) -> Option<ObjectName> {
        match *self {}
    }
}
