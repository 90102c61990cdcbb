//! The desired definitions of functions, procedures and views: what
//! `schemas.<s>.functions.<f>` with a `body` and `schemas.<s>.views.<v>` with
//! a `query` ask pg-provision to create and keep converged.
//!
//! `args`, `returns`, `body` and `query` are SQL the spec's author writes (code,
//! like a migration), rendered verbatim; every name pg-provision adds is
//! quoted through [`crate::quote`].

use crate::spec::model::Setting;
use std::collections::BTreeMap;

/// A function or procedure body and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutineDefinition {
    /// `kind: procedure` (`CREATE PROCEDURE`) rather than a function.
    pub procedure: bool,
    /// `RETURNS …` as written (functions only).
    pub returns: Option<String>,
    /// `LANGUAGE`, lower-case (`sql`, `plpgsql`, …).
    pub language: String,
    /// The body, trimmed (read from `body_file` when given).
    pub body: String,
    /// `VOLATILE` / `STABLE` / `IMMUTABLE`.
    pub volatility: Volatility,
    /// `STRICT` (`RETURNS NULL ON NULL INPUT`).
    pub strict: bool,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `LEAKPROOF`.
    pub leakproof: bool,
    /// `PARALLEL …`.
    pub parallel: Parallel,
    /// `SET param = value` clauses, `search_path` included, by lower-case name.
    pub settings: BTreeMap<String, Setting>,
    /// `COST`, when declared (else PostgreSQL's default for the language).
    pub cost: Option<f64>,
    /// `ROWS`, when declared (else PostgreSQL's default).
    pub rows: Option<f64>,
}

impl RoutineDefinition {
    /// The `COST` PostgreSQL stores when none is given: 1 for C and internal
    /// functions, 100 otherwise.
    pub fn effective_cost(&self) -> f64 {
        self.cost.unwrap_or(match self.language.as_str() {
            "c" | "internal" => 1.0,
            _ => 100.0,
        })
    }

    /// The `ROWS` PostgreSQL stores when none is given: 1000 for a set-returning
    /// function, 0 otherwise.
    pub fn effective_rows(&self, returns_set: bool) -> f64 {
        self.rows.unwrap_or(if returns_set { 1000.0 } else { 0.0 })
    }
}

/// Function volatility (`pg_proc.provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Volatility {
    /// `VOLATILE` (`v`), the default.
    #[default]
    Volatile,
    /// `STABLE` (`s`).
    Stable,
    /// `IMMUTABLE` (`i`).
    Immutable,
}

impl Volatility {
    /// Parses the spec's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "volatile" => Some(Volatility::Volatile),
            "stable" => Some(Volatility::Stable),
            "immutable" => Some(Volatility::Immutable),
            _ => None,
        }
    }

    /// `pg_proc.provolatile`.
    pub fn code(self) -> &'static str {
        match self {
            Volatility::Volatile => "v",
            Volatility::Stable => "s",
            Volatility::Immutable => "i",
        }
    }

    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Volatility::Volatile => "VOLATILE",
            Volatility::Stable => "STABLE",
            Volatility::Immutable => "IMMUTABLE",
        }
    }
}

/// Parallel safety (`pg_proc.proparallel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallel {
    /// `PARALLEL UNSAFE` (`u`), the default.
    #[default]
    Unsafe,
    /// `PARALLEL RESTRICTED` (`r`).
    Restricted,
    /// `PARALLEL SAFE` (`s`).
    Safe,
}

impl Parallel {
    /// Parses the spec's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "unsafe" => Some(Parallel::Unsafe),
            "restricted" => Some(Parallel::Restricted),
            "safe" => Some(Parallel::Safe),
            _ => None,
        }
    }

    /// `pg_proc.proparallel`.
    pub fn code(self) -> &'static str {
        match self {
            Parallel::Unsafe => "u",
            Parallel::Restricted => "r",
            Parallel::Safe => "s",
        }
    }

    /// The SQL keyword after `PARALLEL`.
    pub fn keyword(self) -> &'static str {
        match self {
            Parallel::Unsafe => "UNSAFE",
            Parallel::Restricted => "RESTRICTED",
            Parallel::Safe => "SAFE",
        }
    }
}

/// A view's query and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDefinition {
    /// The `SELECT …`, trimmed, without a trailing semicolon (read from
    /// `query_file` when given).
    pub query: String,
    /// Column names (`CREATE VIEW v (a, b) AS …`); empty: the query's own.
    pub columns: Vec<String>,
    /// The `security_invoker` option (PostgreSQL 15+).
    pub security_invoker: bool,
    /// The `security_barrier` option.
    pub security_barrier: bool,
    /// `WITH [LOCAL | CASCADED] CHECK OPTION`.
    pub check_option: Option<CheckOption>,
}

impl ViewDefinition {
    /// The view options as `pg_class.reloptions` holds them once set by
    /// pg-provision: name → value, options that are off left out.
    pub fn options(&self) -> BTreeMap<&'static str, &'static str> {
        let mut out = BTreeMap::new();
        if let Some(c) = self.check_option {
            out.insert("check_option", c.value());
        }
        if self.security_barrier {
            out.insert("security_barrier", "true");
        }
        if self.security_invoker {
            out.insert("security_invoker", "true");
        }
        out
    }
}

/// `check_option` of an updatable view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOption {
    /// `local`.
    Local,
    /// `cascaded`.
    Cascaded,
}

impl CheckOption {
    /// Parses the spec's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "local" => Some(CheckOption::Local),
            "cascaded" => Some(CheckOption::Cascaded),
            _ => None,
        }
    }

    /// The value stored in `reloptions`.
    pub fn value(self) -> &'static str {
        match self {
            CheckOption::Local => "local",
            CheckOption::Cascaded => "cascaded",
        }
    }
}
