//! pg-provision converges a PostgreSQL database to what a YAML file declares.
//!
//! The pipeline flows one way: [`spec`] (YAML → desired model, no I/O) →
//! [`catalog`] (live state, a fixed number of queries) → [`diff`] (pure) →
//! [`plan`] (ordered SQL, pure) → [`apply`] (one transaction) → [`verify`].

pub mod apply;
pub mod catalog;
pub mod change;
pub mod cli;
pub mod config;
pub mod connect;
pub mod databases;
pub mod diff;
pub mod error;
pub mod explain;
pub mod export;
pub mod lint;
pub mod memory;
pub mod observe;
pub mod parallel;
pub mod plan;
pub mod prefetch;
pub mod privilege;
pub mod quote;
pub mod report;
pub mod run;
pub mod secret;
pub mod session;
pub mod sorted_map;
pub mod spec;
pub mod sql_names;
pub mod stamp;
pub mod verify;
