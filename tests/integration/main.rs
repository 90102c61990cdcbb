//! All integration tests, in one binary, against real PostgreSQL clusters.

mod harness;
mod support;
