//! `pg-provision export`: a spec from a live database.
pub mod yaml;
