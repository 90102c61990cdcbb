//! Connection errors: what can go wrong when reaching the server, classified so the
//! caller can pick an exit code and the user reads which thing failed.
//!
//! In: a `postgres::Error` from one connection attempt (plus where we tried to go).
//! Out: a [`ConnectError`] — `InvalidSettings` (bad input), `Unreachable` (transient:
//! retry or give up after the wait timeout) or `Rejected` (the server answered no).
//! Messages are lowercase without a trailing period and never contain a password.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use postgres::error::SqlState;

/// Why the server (or the TLS layer in front of it) refused the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The password was wrong or missing (SQLSTATE 28P01, or 28000 without a better cause).
    BadPassword,
    /// `pg_hba.conf` has no entry that lets this client in (SQLSTATE 28000).
    NotAllowed,
    /// The role does not exist (28000; with password authentication the server
    /// reports 28P01 instead, so this shows up as `BadPassword`).
    MissingRole,
    /// The database does not exist (SQLSTATE 3D000).
    MissingDatabase,
    /// TLS failed: certificate verification, or the server refused TLS when required.
    Tls,
    /// Anything else the server or client library reported.
    Other,
}

/// A failure to connect, classified for exit codes and messages.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connection settings are unusable (bad URL, sslmode, port, unreadable sslrootcert).
    #[error("{message}")]
    InvalidSettings {
        /// What is wrong, naming the key or variable (never a password).
        message: String,
    },
    /// The server could not be reached, and the failure looked transient.
    #[error(
        "could not connect to {target} after {attempts} {} in {}: {last}",
        plural(*attempts, "attempt", "attempts"),
        seconds(*elapsed)
    )]
    Unreachable {
        /// Where we tried to connect (`host:port` list or socket path).
        target: String,
        /// How many attempts were made.
        attempts: u32,
        /// How long we tried overall.
        elapsed: Duration,
        /// The last failure, e.g. `connection refused`.
        last: String,
    },
    /// The server (or TLS) refused the connection; retrying will not help.
    #[error("{message}")]
    Rejected {
        /// The classified cause.
        reason: RejectReason,
        /// Full user-facing message, e.g. ``database `x` does not exist at db:5432``.
        message: String,
    },
}

impl ConnectError {
    /// True for failures worth retrying (only `Unreachable`).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    /// A one-line suggestion for the user, if there is a useful one.
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            // the message already names the key and what is accepted
            Self::InvalidSettings { .. } => None,
            Self::Unreachable { .. } => Some(
                "is the server running and accepting connections on that host and port? \
                 give it a longer wait timeout if it starts slowly",
            ),
            Self::Rejected { reason, .. } => match reason {
                RejectReason::BadPassword => Some(
                    "check PGPASSWORD or the password in the database url \
                     (the server says the same when the role does not exist)",
                ),
                RejectReason::NotAllowed => Some(
                    "add a pg_hba.conf entry for this client, user and database \
                     (or use sslmode=require if only hostssl entries match)",
                ),
                RejectReason::MissingRole => {
                    Some("create the role first, or connect as another user")
                }
                RejectReason::MissingDatabase => Some(
                    "create the database first, or name an existing one in PGDATABASE or the url path",
                ),
                RejectReason::Tls => Some(
                    "check sslmode and sslrootcert: verify-ca needs the server certificate to be \
                     signed by a CA in sslrootcert, verify-full also needs it to name the host",
                ),
                RejectReason::Other => None,
            },
        }
    }

    /// The last underlying failure as text (for `Unreachable`: `last`; otherwise the message).
    #[must_use]
    pub fn last_failure(&self) -> &str {
        match self {
            Self::InvalidSettings { message } | Self::Rejected { message, .. } => message,
            Self::Unreachable { last, .. } => last,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidSettings {
            message: message.into(),
        }
    }
}

/// True when a connection attempt failed in a way that may succeed later: connection
/// refused/reset/aborted/timed out, socket not there yet, host name not resolvable,
/// the connection closed during startup, or SQLSTATE `57P03` (starting up / shutting
/// down) and `53300` (too many connections). Everything else should fail fast.
#[must_use]
pub fn is_transient(err: &postgres::Error) -> bool {
    if let Some(code) = err.code() {
        return *code == SqlState::CANNOT_CONNECT_NOW || *code == SqlState::TOO_MANY_CONNECTIONS;
    }
    if is_tls(err) {
        return false;
    }
    if err.is_closed() {
        return true;
    }
    chain(err).any(|e| match e.downcast_ref::<io::Error>() {
        Some(io_err) => is_transient_io(io_err),
        None => false,
    })
}

fn is_transient_io(err: &io::Error) -> bool {
    use io::ErrorKind as K;
    match err.kind() {
        K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::TimedOut
        | K::NotFound // unix socket file not created yet
        | K::BrokenPipe
        | K::UnexpectedEof
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::AddrNotAvailable => true,
        // getaddrinfo failures (EAI_NONAME, EAI_AGAIN) have no ErrorKind of their own.
        _ => err
            .to_string()
            .contains("failed to lookup address information"),
    }
}

/// Turns the error of one failed attempt into a [`ConnectError`].
pub(crate) fn classify(
    err: &postgres::Error,
    target: &str,
    user: &str,
    database: &str,
    elapsed: Duration,
) -> ConnectError {
    if is_transient(err) {
        return ConnectError::Unreachable {
            target: target.to_owned(),
            attempts: 1,
            elapsed,
            last: summarize(err),
        };
    }
    let rejected = |reason, message: String| ConnectError::Rejected { reason, message };
    if let Some(db) = err.as_db_error() {
        let code = db.code();
        let server_says = db.message();
        if *code == SqlState::INVALID_PASSWORD {
            return rejected(
                RejectReason::BadPassword,
                format!(
                    "password authentication failed for user `{user}` at {target}: the password was rejected"
                ),
            );
        }
        if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            if server_says.starts_with("role ") && server_says.ends_with("does not exist") {
                return rejected(
                    RejectReason::MissingRole,
                    format!("role `{user}` does not exist at {target}"),
                );
            }
            if server_says.contains("pg_hba.conf") {
                return rejected(
                    RejectReason::NotAllowed,
                    format!(
                        "the server at {target} does not allow user `{user}` to connect to database `{database}` from here: {server_says}"
                    ),
                );
            }
            return rejected(
                RejectReason::BadPassword,
                format!(
                    "authentication failed for user `{user}` at {target}: the login was rejected: {server_says}"
                ),
            );
        }
        if *code == SqlState::INVALID_CATALOG_NAME {
            return rejected(
                RejectReason::MissingDatabase,
                format!("database `{database}` does not exist at {target}"),
            );
        }
        return rejected(
            RejectReason::Other,
            format!(
                "could not connect to {target} as `{user}`: {}",
                summarize(err)
            ),
        );
    }
    if is_tls(err) {
        return rejected(RejectReason::Tls, tls_message(err, target));
    }
    if chain(err).any(|e| e.to_string() == "password missing") {
        return rejected(
            RejectReason::BadPassword,
            format!(
                "the server at {target} asked for a password for user `{user}`, but none was given"
            ),
        );
    }
    rejected(
        RejectReason::Other,
        format!(
            "could not connect to {target} as `{user}`: {}",
            summarize(err)
        ),
    )
}

/// Says what TLS refused, without the library's "error performing TLS handshake" prefix.
fn tls_message(err: &postgres::Error, target: &str) -> String {
    let rustls_error = chain(err).find_map(|e| {
        e.downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    });
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            format!(
                "the tls certificate of {target} is not signed by a trusted ca (unknown issuer)"
            )
        }
        Some(rustls::Error::InvalidCertificate(cert_err)) => {
            format!("the tls certificate of {target} was refused: {cert_err}")
        }
        Some(other) => format!("tls handshake with {target} failed: {other}"),
        None if chain(err).any(|e| e.to_string() == "server does not support TLS") => {
            format!("the server at {target} does not support tls, but the sslmode requires it")
        }
        None => format!("tls handshake with {target} failed: {}", summarize(err)),
    }
}

/// True when the failure happened in the TLS layer (negotiation or certificate checks).
fn is_tls(err: &postgres::Error) -> bool {
    // `tokio_postgres::error::Kind` is private; its Display is the only public trace.
    err.to_string() == "error performing TLS handshake"
        || chain(err).any(|e| {
            e.downcast_ref::<io::Error>()
                .and_then(io::Error::get_ref)
                .is_some_and(|inner| inner.is::<rustls::Error>())
        })
}

/// One line describing the whole error chain, e.g.
/// `error connecting to server: connection refused (os error 111)`.
pub fn summarize(err: &postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut s = format!("{} (sqlstate {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            s.push_str(": ");
            s.push_str(detail);
        }
        return s;
    }
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        let text = e.to_string();
        if text.is_empty() || parts.last().is_some_and(|p| p.ends_with(&text)) {
            continue;
        }
        parts.push(lowercase_first(&text));
    }
    parts.join(": ")
}

/// The error and all its sources (a custom `io::Error`'s inner error is reached
/// through `io::Error::get_ref`, not through this chain).
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut out: Vec<&'a (dyn StdError + 'static)> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        out.push(e);
        next = e.source();
    }
    out.into_iter()
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms like `TLS` as they are.
        Some(c) if c.is_uppercase() && !chars.next().is_some_and(char::is_uppercase) => {
            c.to_lowercase().chain(s[c.len_utf8()..].chars()).collect()
        }
        _ => s.to_owned(),
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn seconds(d: Duration) -> Seconds {
    Seconds(d)
}

/// Formats a duration as `3.0s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}s", self.0.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_io_kinds() {
        use io::ErrorKind as K;
        for kind in [
            K::ConnectionRefused,
            K::ConnectionReset,
            K::ConnectionAborted,
            K::TimedOut,
            K::NotFound,
        ] {
            assert!(is_transient_io(&io::Error::from(kind)), "{kind:?}");
        }
        for kind in [K::PermissionDenied, K::InvalidData, K::InvalidInput] {
            assert!(!is_transient_io(&io::Error::from(kind)), "{kind:?}");
        }
    }

    #[test]
    fn dns_failure_is_transient() {
        let e = io::Error::other("failed to lookup address information: Name or service not known");
        assert!(is_transient_io(&e));
        let e = io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert!(is_transient_io(&e));
    }

    #[test]
    fn real_refused_connection_is_transient() {
        // Port 1 on loopback: nothing listens there on a normal machine.
        let err = postgres::Config::new()
            .host("127.0.0.1")
            .port(1)
            .user("nobody")
            .connect(postgres::NoTls)
            .err()
            .expect("nothing listens on port 1");
        assert!(is_transient(&err), "{err:?}");
        let classified = classify(&err, "127.0.0.1:1", "nobody", "nobody", Duration::ZERO);
        assert!(classified.is_transient());
        assert!(
            classified.to_string().contains("connection refused"),
            "{classified}"
        );
    }

    #[test]
    fn missing_unix_socket_is_transient() {
        let dir = tempfile::tempdir().unwrap();
        let err = postgres::Config::new()
            .host_path(dir.path())
            .user("nobody")
            .connect(postgres::NoTls)
            .err()
            .expect("no socket in an empty directory");
        assert!(is_transient(&err), "{err:?}");
    }

    #[test]
    fn unreachable_display() {
        let e = ConnectError::Unreachable {
            target: "db:5432".into(),
            attempts: 7,
            elapsed: Duration::from_millis(3040),
            last: "error connecting to server: connection refused (os error 111)".into(),
        };
        assert_eq!(
            e.to_string(),
            "could not connect to db:5432 after 7 attempts in 3.0s: \
             error connecting to server: connection refused (os error 111)"
        );
    }

    #[test]
    fn lowercase_first_keeps_acronyms() {
        assert_eq!(lowercase_first("Connection refused"), "connection refused");
        assert_eq!(lowercase_first("TLS failed"), "TLS failed");
        assert_eq!(lowercase_first(""), "");
    }
}
