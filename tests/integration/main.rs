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
mod explain;
mod explain_matrix;
mod explain_property;
mod export;
mod fingerprint;
mod handwritten;
mod harness;
mod identifiers;
mod invalid_spec;
mod landscape;
mod lint;
mod locks;
mod managed;
mod memberships;
mod non_superuser;
mod noop;
mod public_schema;
mod routines;
mod scale;
mod secrets;
mod security;
mod shadow;
mod support;
mod tables;
mod types;
mod wait;
