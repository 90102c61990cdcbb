//! Does a role's password match, asked the only way a role that cannot read
//! `pg_authid` can ask: by logging in with it.
//!
//! Managed services do not let their admin read stored password verifiers,
//! so a declared password cannot be compared with the stored one. Trying a
//! SCRAM login as the role, over the same host, port and TLS settings as the
//! run itself, tells: accepted means the password is the stored one,
//! "password authentication failed" means it is not. Anything else (no
//! `pg_hba.conf` entry for the role, a unix socket, a server that did not ask
//! for a password at all) cannot tell, and the password is set as before.

use super::ConnectionSettings;
use super::tls::Connector;
use postgres::error::SqlState;

/// `Some(true)` when `role` logs in with `password`, `Some(false)` when the
/// server says the password is wrong, `None` when the attempt cannot tell.
pub fn check_login(settings: &ConnectionSettings, role: &str, password: &str) -> Option<bool> {
    if settings.only_unix_sockets() {
        // Local connections are often `trust` or `peer`: no answer there.
        return None;
    }
    let attempt = settings.with_login(role, password);
    let connector = Connector::new(attempt.ssl_mode(), attempt.root_cert()).ok()?;
    match connector.connect(&attempt.postgres_config()) {
        Ok(mut client) => {
            // From 16 the server says how it authenticated: a password method,
            // not `trust` (which accepts any password, so proves nothing).
            let proof = (|| {
                let version: i32 = client
                    .query_one("SELECT current_setting('server_version_num')::int", &[])
                    .ok()?
                    .get(0);
                if version < 160_000 {
                    return Some(true);
                }
                let method: String = client
                    .query_one("SELECT split_part(coalesce(system_user, ''), ':', 1)", &[])
                    .ok()?
                    .get(0);
                Some(["scram-sha-256", "md5", "password"].contains(&method.as_str()))
            })();
            let _ = client.close();
            proof.filter(|p| *p)
        }
        Err(e) => match e.as_db_error().map(|db| db.code().clone()) {
            Some(code) if code == SqlState::INVALID_PASSWORD => Some(false),
            // Authenticated, then refused the database: the password matched.
            Some(code) if code == SqlState::INSUFFICIENT_PRIVILEGE => Some(true),
            _ => None,
        },
    }
}
