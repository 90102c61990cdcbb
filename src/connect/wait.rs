//! Waiting for the server: retry transient failures with backoff until a deadline.
//!
//! In: [`ConnectionSettings`] and an overall timeout.
//! Out: a connected `postgres::Client`, or the first non-transient [`ConnectError`]
//! at once, or `Unreachable` (attempts, elapsed, last failure) once the time is up.
//! Each failed attempt is logged at info with the target, never the password.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::thread;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};

use super::attempt;
use super::error::ConnectError;
use super::settings::ConnectionSettings;
use super::tls::Connector;

/// First delay between attempts.
const MIN_DELAY: Duration = Duration::from_millis(100);
/// Base delays double up to this; jitter adds up to 100 %, so no delay exceeds 2 s.
const MAX_BASE_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(2);
/// A single attempt never gets less time than this to connect, even near the deadline.
const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);

/// Retries transient failures with exponential backoff and jitter until `timeout` elapses.
///
/// Delays start at ~100 ms and are capped at 2 s; the deadline covers the attempts
/// themselves as well as the sleeps (each attempt's TCP connect timeout is cut to the
/// time left, but not below 1 s). Non-transient failures (bad password, missing
/// database, TLS verification, invalid settings) return at once.
pub fn wait(
    settings: &ConnectionSettings,
    timeout: Duration,
) -> Result<postgres::Client, ConnectError> {
    wait_logging(settings, timeout, &|line| log::info!("{line}"))
}

/// [`wait`], handing each line it would log (at info) to `log`.
pub fn wait_logging(
    settings: &ConnectionSettings,
    timeout: Duration,
    log: &dyn Fn(String),
) -> Result<postgres::Client, ConnectError> {
    // Read sslrootcert once, and fail fast if it is unusable.
    let connector = Connector::new(settings.ssl_mode(), settings.root_cert())?;
    let target = settings.target();
    let start = Instant::now();
    let deadline = start + timeout;
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(MIN_DELAY)
        .with_max_delay(MAX_BASE_DELAY)
        .with_jitter()
        .with_jitter_seed(process_seed())
        .without_max_times()
        .build();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let attempt_timeout = settings
            .connect_timeout()
            .map_or(left, |t| t.min(left))
            .max(MIN_ATTEMPT_TIMEOUT);
        let err = match attempt(settings, &connector, Some(attempt_timeout)) {
            Ok(client) => {
                if attempts > 1 {
                    log(format!(
                        "connected to {target} after {attempts} attempts in {:.1}s",
                        start.elapsed().as_secs_f64()
                    ));
                }
                return Ok(client);
            }
            Err(err) if err.is_transient() => err,
            Err(err) => return Err(err),
        };
        let last = err.last_failure().to_owned();
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ConnectError::Unreachable {
                target,
                attempts,
                elapsed: start.elapsed(),
                last,
            });
        }
        let delay = delays.next().unwrap_or(MAX_DELAY).min(MAX_DELAY).min(left);
        log(format!(
            "{target} not reachable yet (attempt {attempts}, {:.1}s left): {last}; retrying in {}ms",
            left.as_secs_f64(),
            delay.as_millis()
        ));
        thread::sleep(delay);
    }
}

/// A per-process random seed for the jitter. Without backon's `std` feature its
/// jitter uses a fixed seed, so replicas started together would retry in lockstep;
/// `RandomState` keys come from the OS's random source.
fn process_seed() -> u64 {
    RandomState::new().hash_one(std::process::id())
}
