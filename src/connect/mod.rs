//! Connection settings, TLS and waiting for the server (being written).
