//! pg-provision converges a PostgreSQL database to what a YAML file declares.
//!
//! The pipeline flows one way: [`spec`] (YAML → desired model, no I/O) →
//! [`catalog`] (live state, a fixed number of queries) → [`diff`] (pure) →
//! [`plan`] (ordered SQL, pure) → [`apply`] (one transaction) → [`verify`].

pub mod cli;
pub mod connect;
pub mod privilege;
pub mod quote;
pub mod secret;
pub mod spec;
