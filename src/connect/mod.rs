//! Connection settings, TLS and waiting for the server.
//! (Temporary minimal version; the full module lands from the `connect` branch.)

use std::time::{Duration, Instant};
use thiserror::Error;

/// Why connecting failed.
#[derive(Debug, Error)]
pub enum ConnectError {
    /// Bad URL or options.
    #[error("invalid connection settings: {message}")]
    InvalidSettings {
        /// What is wrong.
        message: String,
    },
    /// Timed out on transient errors.
    #[error("database at {target} not reachable after {attempts} attempts in {elapsed:?}: {last}")]
    Unreachable {
        /// Where.
        target: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// Last error.
        last: String,
    },
    /// The server refused us.
    #[error("{message}")]
    Rejected {
        /// Why.
        message: String,
    },
}

/// Where and how to connect.
pub struct ConnectionSettings {
    config: postgres::Config,
    text: String,
}

impl ConnectionSettings {
    /// From a URL or PG* variables.
    pub fn resolve(
        url: Option<&str>,
        _env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConnectError> {
        let text = url.unwrap_or("").to_string();
        let config = text
            .parse()
            .map_err(|e: postgres::Error| ConnectError::InvalidSettings {
                message: e.to_string(),
            })?;
        Ok(ConnectionSettings { config, text })
    }
    /// Redacted description.
    pub fn describe(&self) -> String {
        self.text.split('@').next_back().unwrap_or("").to_string()
    }
}

/// One attempt.
pub fn connect(settings: &ConnectionSettings) -> Result<postgres::Client, ConnectError> {
    settings
        .config
        .connect(postgres::NoTls)
        .map_err(|e| ConnectError::Rejected {
            message: crate::error::error_chain(&e),
        })
}

/// Retry until timeout.
pub fn wait(
    settings: &ConnectionSettings,
    timeout: Duration,
) -> Result<postgres::Client, ConnectError> {
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        match settings.config.connect(postgres::NoTls) {
            Ok(c) => return Ok(c),
            Err(e) if e.as_db_error().is_none() && start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(200));
                let _ = e;
            }
            Err(e) if e.as_db_error().is_none() => {
                return Err(ConnectError::Unreachable {
                    target: settings.describe(),
                    attempts,
                    elapsed: start.elapsed(),
                    last: e.to_string(),
                });
            }
            Err(e) => {
                return Err(ConnectError::Rejected {
                    message: crate::error::error_chain(&e),
                });
            }
        }
    }
}
