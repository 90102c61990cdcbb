//! Test support: throwaway PostgreSQL clusters (see `docs/testing.md`).
//!
//! Not every test module uses every helper.
#![allow(dead_code)]

pub mod app;
pub mod cluster;
pub mod landscape;
mod os;
pub mod server_log;
mod tls;

pub use cluster::{Cluster, ClusterOptions, test_major};
