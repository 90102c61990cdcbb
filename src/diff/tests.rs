//! diff unit tests
