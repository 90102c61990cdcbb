//! Test support: throwaway PostgreSQL clusters (see `docs/testing.md`).
//!
//! Not every test module uses every helper.
#![allow(dead_code)]

pub mod app;
pub mod cluster;
mod os;
mod tls;

pub use cluster::{Cluster, ClusterOptions, test_major};
