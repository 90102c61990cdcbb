//! All integration tests, in one binary, against real PostgreSQL clusters
//! (see docs/testing.md). Each test starts its own throwaway cluster(s).

mod bench;
mod cmd;
mod concurrency;
mod connect;
mod core;
mod example;
mod example_chatbot;
mod example_shop;
mod fingerprint;
mod handwritten;
mod harness;
mod identifiers;
mod invalid_spec;
mod locks;
mod memberships;
mod non_superuser;
mod routines;
mod scale;
mod schema_file;
mod secrets;
mod security;
mod shadow;
mod spec_limits;
mod support;
mod tables;
mod types;
mod wait;
