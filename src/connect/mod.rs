//! Connecting to PostgreSQL: settings, TLS, error classification and waiting.
//!
//! In: `--database-url` / `DATABASE_URL` / libpq `PG*` variables.
//! Out: a `postgres::Client`, or a [`ConnectError`] that says which thing failed
//! (settings, reachability, password, database, TLS) so the caller can pick an exit
//! code. The password is never logged nor shown.
//!
//! - `settings`: URL / conninfo / variables → [`ConnectionSettings`]
//! - `parse`: lexing of URLs and conninfo strings
//! - `tls`: sslmode → rustls connector and certificate verifiers
//! - `error`: [`ConnectError`], [`RejectReason`], [`is_transient`]
//! - `wait`: retry with backoff until a deadline

mod error;
mod login;
mod parse;
mod settings;
mod tls;
mod wait;

use std::time::{Duration, Instant};

pub use error::{ConnectError, RejectReason, is_transient, summarize};
pub use login::check_login;
pub use settings::ConnectionSettings;
pub use wait::{wait, wait_logging};

use tls::Connector;

/// One connection attempt, with TLS per the settings' sslmode.
pub fn connect(settings: &ConnectionSettings) -> Result<postgres::Client, ConnectError> {
    let connector = Connector::new(settings.ssl_mode(), settings.root_cert())?;
    attempt(settings, &connector, settings.connect_timeout())
}

/// [`connect`], giving up on the TCP connection after `max` at most.
pub fn connect_within(
    settings: &ConnectionSettings,
    max: Duration,
) -> Result<postgres::Client, ConnectError> {
    let connector = Connector::new(settings.ssl_mode(), settings.root_cert())?;
    let timeout = settings.connect_timeout().map_or(max, |t| t.min(max));
    attempt(settings, &connector, Some(timeout))
}

/// One attempt with a ready connector and an optional TCP connect timeout.
fn attempt(
    settings: &ConnectionSettings,
    connector: &Connector,
    connect_timeout: Option<Duration>,
) -> Result<postgres::Client, ConnectError> {
    let mut config = settings.postgres_config();
    if let Some(timeout) = connect_timeout {
        config.connect_timeout(timeout);
    }
    let start = Instant::now();
    connector.connect(&config).map_err(|err| {
        log::debug!(
            "connection attempt to {} failed: {}",
            settings.target(),
            error::summarize(&err)
        );
        error::classify(
            &err,
            &settings.target(),
            settings.user(),
            settings.database(),
            start.elapsed(),
        )
    })
}
