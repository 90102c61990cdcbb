//! Where and how to connect, resolved the way libpq does it.
//!
//! In: the `--database-url` / `DATABASE_URL` value if any (URL or `key=value`
//! conninfo) and a lookup for the libpq variables (`PGHOST PGHOSTADDR PGPORT PGUSER
//! PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT PGCONNECT_TIMEOUT PGAPPNAME PGOPTIONS
//! PGCHANNELBINDING`, and `USER` for the default user name).
//! Out: validated [`ConnectionSettings`]; a `postgres::Config` for one attempt; a
//! description for messages. Anything the string leaves out comes from the variables,
//! then from libpq's defaults. The password never appears in `describe` or `Debug`.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::error::ConnectError;
use super::parse::{self, encode};
use super::tls::{RootCert, SslMode};

/// libpq's compiled-in default socket directory on Debian and in the postgres image.
const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";
const DEFAULT_PORT: u16 = 5432;
const DEFAULT_APPLICATION_NAME: &str = "pg-provision";

/// One server address: a TCP host name / IP literal, or a unix socket directory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Tcp(String),
    Socket(PathBuf),
}

/// libpq's `channel_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// Where and how to connect; built from --database-url / DATABASE_URL / libpq PG* variables.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    hosts: Vec<Host>,
    /// libpq `hostaddr`: IPs to dial instead of resolving `hosts` (TLS still checks `hosts`).
    hostaddrs: Vec<IpAddr>,
    /// One port for all hosts, or one per host.
    ports: Vec<u16>,
    user: String,
    password: Option<String>,
    dbname: String,
    ssl_mode: SslMode,
    root_cert: Option<RootCert>,
    application_name: String,
    connect_timeout: Option<Duration>,
    options: Option<String>,
    channel_binding: ChannelBinding,
}

/// Where a raw value came from, for error messages.
#[derive(Debug, Clone, Copy)]
enum Origin {
    String,
    Env(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("in the database url"),
            Self::Env(name) => write!(f, "in {name}"),
        }
    }
}

type Raw = Option<(String, Origin)>;

/// Values as given, before validation; `None` = not given.
#[derive(Default)]
struct RawSettings {
    host: Raw,
    hostaddr: Raw,
    port: Raw,
    user: Raw,
    password: Raw,
    dbname: Raw,
    sslmode: Raw,
    sslrootcert: Raw,
    application_name: Raw,
    connect_timeout: Raw,
    options: Raw,
    channel_binding: Raw,
}

impl RawSettings {
    fn slot(&mut self, key: &str) -> Result<&mut Raw, ConnectError> {
        Ok(match key {
            "host" => &mut self.host,
            "hostaddr" => &mut self.hostaddr,
            "port" => &mut self.port,
            "user" => &mut self.user,
            "password" => &mut self.password,
            "dbname" => &mut self.dbname,
            "sslmode" => &mut self.sslmode,
            "sslrootcert" => &mut self.sslrootcert,
            "application_name" => &mut self.application_name,
            "connect_timeout" => &mut self.connect_timeout,
            "options" => &mut self.options,
            "channel_binding" => &mut self.channel_binding,
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(ConnectError::invalid(format!(
                    "`{key}` (client certificates) is not supported"
                )));
            }
            _ => {
                return Err(ConnectError::invalid(format!(
                    "unknown connection option `{key}`; supported: host, hostaddr, port, user, password, \
                     dbname, sslmode, sslrootcert, application_name, connect_timeout, options, \
                     channel_binding"
                )));
            }
        })
    }
}

impl ConnectionSettings {
    /// Resolves settings from a URL or conninfo string, falling back to libpq variables and defaults.
    ///
    /// `url`: the --database-url or DATABASE_URL value if any (an empty string counts
    /// as none); `env`: lookup for PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE
    /// PGSSLMODE PGSSLROOTCERT PGCONNECT_TIMEOUT PGAPPNAME PGOPTIONS PGCHANNELBINDING and
    /// USER (injected for tests). Accepts
    /// `postgres://` / `postgresql://` URLs (percent-encoding, `[v6]` hosts, host lists,
    /// `?host=/socket/dir`, `sslmode`, `sslrootcert`, `application_name`,
    /// `connect_timeout`) and `key=value` conninfo strings. Does no I/O.
    pub fn resolve(
        url: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConnectError> {
        let mut raw = RawSettings::default();
        if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
            for (key, value) in parse::parse(url).map_err(ConnectError::invalid)? {
                *raw.slot(&key)? = Some((value, Origin::String)).filter(|(v, _)| !v.is_empty());
            }
        }
        for (var, key) in [
            ("PGHOST", "host"),
            ("PGHOSTADDR", "hostaddr"),
            ("PGPORT", "port"),
            ("PGUSER", "user"),
            ("PGPASSWORD", "password"),
            ("PGDATABASE", "dbname"),
            ("PGSSLMODE", "sslmode"),
            ("PGSSLROOTCERT", "sslrootcert"),
            ("PGCONNECT_TIMEOUT", "connect_timeout"),
            ("PGAPPNAME", "application_name"),
            ("PGOPTIONS", "options"),
            ("PGCHANNELBINDING", "channel_binding"),
        ] {
            let slot = raw.slot(key)?;
            if slot.is_none() {
                *slot = env(var)
                    .filter(|v| !v.is_empty())
                    .map(|v| (v, Origin::Env(var)));
            }
        }
        Self::validate(raw, env)
    }

    fn validate(
        raw: RawSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConnectError> {
        let invalid = |what: &str, value: &str, origin: Origin| {
            ConnectError::invalid(format!("invalid {what} `{value}` {origin}"))
        };

        let hostaddrs: Vec<IpAddr> = match &raw.hostaddr {
            None => Vec::new(),
            Some((list, origin)) => list
                .split(',')
                .map(|a| a.parse().map_err(|_| invalid("hostaddr", a, *origin)))
                .collect::<Result<_, _>>()?,
        };
        let hosts: Vec<Host> = match &raw.host {
            // hostaddr alone: dial and verify the IPs (as libpq does)
            None if !hostaddrs.is_empty() => {
                hostaddrs.iter().map(|a| Host::Tcp(a.to_string())).collect()
            }
            None => vec![Host::Socket(DEFAULT_SOCKET_DIR.into())],
            Some((list, _)) => list
                .split(',')
                .map(|h| match h {
                    "" => Host::Socket(DEFAULT_SOCKET_DIR.into()),
                    h if h.starts_with('/') => Host::Socket(h.into()),
                    h => Host::Tcp(h.to_owned()),
                })
                .collect(),
        };

        let hostaddrs = if raw.host.is_some() {
            hostaddrs
        } else {
            Vec::new()
        };
        if !hostaddrs.is_empty() {
            if hostaddrs.len() != hosts.len() {
                return Err(ConnectError::invalid(format!(
                    "{} hostaddr values given for {} hosts; give one per host",
                    hostaddrs.len(),
                    hosts.len()
                )));
            }
            if hosts.iter().any(|h| matches!(h, Host::Socket(_))) {
                return Err(ConnectError::invalid(
                    "hostaddr cannot be combined with a unix socket host",
                ));
            }
        }

        let ports: Vec<u16> = match &raw.port {
            None => vec![DEFAULT_PORT],
            Some((list, origin)) => list
                .split(',')
                .map(|p| match p {
                    "" => Ok(DEFAULT_PORT),
                    p => p
                        .parse::<u16>()
                        .ok()
                        .filter(|n| *n != 0)
                        .ok_or_else(|| invalid("port", p, *origin)),
                })
                .collect::<Result<_, _>>()?,
        };
        if ports.len() != 1 && ports.len() != hosts.len() {
            return Err(ConnectError::invalid(format!(
                "{} ports given for {} hosts; give one port, or one per host",
                ports.len(),
                hosts.len()
            )));
        }

        let user = match raw.user {
            Some((u, _)) => u,
            None => env("USER").filter(|u| !u.is_empty()).ok_or_else(|| {
                ConnectError::invalid("no user name: put one in the database url or set PGUSER")
            })?,
        };
        let dbname = raw.dbname.map_or_else(|| user.clone(), |(d, _)| d);

        let ssl_mode = match &raw.sslmode {
            None => SslMode::Prefer,
            Some((m, origin)) => SslMode::parse(m).ok_or_else(|| {
                ConnectError::invalid(format!(
                    "invalid sslmode `{m}` {origin}; use disable, allow, prefer, require, \
                     verify-ca or verify-full"
                ))
            })?,
        };
        let root_cert = raw.sslrootcert.map(|(r, _)| match r.as_str() {
            "system" => RootCert::System,
            _ => RootCert::File(r.into()),
        });

        let connect_timeout = match &raw.connect_timeout {
            None => None,
            Some((t, origin)) => match t.trim().parse::<u64>() {
                Ok(0) => None,
                // libpq raises values below 2 seconds to 2
                Ok(secs) => Some(Duration::from_secs(secs.max(2))),
                Err(_) => return Err(invalid("connect_timeout", t, *origin)),
            },
        };

        let channel_binding = match &raw.channel_binding {
            None => ChannelBinding::Prefer,
            Some((c, origin)) => match c.as_str() {
                "disable" => ChannelBinding::Disable,
                "prefer" => ChannelBinding::Prefer,
                "require" => ChannelBinding::Require,
                _ => return Err(invalid("channel_binding", c, *origin)),
            },
        };

        Ok(Self {
            hosts,
            hostaddrs,
            ports,
            user,
            password: raw.password.map(|(p, _)| p),
            dbname,
            ssl_mode,
            root_cert,
            application_name: raw
                .application_name
                .map_or_else(|| DEFAULT_APPLICATION_NAME.to_owned(), |(a, _)| a),
            connect_timeout,
            options: raw.options.map(|(o, _)| o),
            channel_binding,
        })
    }

    /// Human description with the password redacted, e.g. `postgres://app@db:5432/app (sslmode=verify-full)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let user = encode(&self.user);
        let db = encode(&self.dbname);
        if self.only_sockets() {
            let dirs: Vec<String> = self
                .hosts
                .iter()
                .map(|h| match h {
                    Host::Socket(p) => p.display().to_string(),
                    Host::Tcp(h) => h.clone(),
                })
                .collect();
            let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
            return format!(
                "postgres://{user}@/{db}?host={}&port={}",
                dirs.join(","),
                ports.join(",")
            );
        }
        let mut out = format!(
            "postgres://{user}@{}/{db} (sslmode={}",
            self.target(),
            self.ssl_mode
        );
        if let Some(root) = &self.root_cert {
            out.push_str(&format!(", sslrootcert={root}"));
        }
        out.push(')');
        out
    }

    /// The database to connect to.
    #[must_use]
    pub fn database(&self) -> &str {
        &self.dbname
    }

    /// The role to connect as.
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Where we connect, for messages: `db:5432`, `[::1]:5432`, or a socket file path.
    pub(crate) fn target(&self) -> String {
        let parts: Vec<String> = self
            .hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let port = self.ports.get(i).unwrap_or(&self.ports[0]);
                match host {
                    Host::Tcp(h) if h.contains(':') => format!("[{h}]:{port}"),
                    Host::Tcp(h) => format!("{h}:{port}"),
                    Host::Socket(dir) => format!("{}/.s.PGSQL.{port}", dir.display()),
                }
            })
            .collect();
        parts.join(",")
    }

    /// The effective sslmode: unix sockets never use TLS (as in libpq).
    pub(crate) fn ssl_mode(&self) -> SslMode {
        if self.only_sockets() {
            SslMode::Disable
        } else {
            self.ssl_mode
        }
    }

    pub(crate) fn root_cert(&self) -> Option<&RootCert> {
        self.root_cert.as_ref()
    }

    pub(crate) fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    fn only_sockets(&self) -> bool {
        self.hosts.iter().all(|h| matches!(h, Host::Socket(_)))
    }

    /// Whether every host is a unix socket directory.
    pub(crate) fn only_unix_sockets(&self) -> bool {
        self.only_sockets()
    }

    /// The same settings, connecting to database `name`.
    #[must_use]
    pub fn with_database(&self, name: &str) -> Self {
        let mut s = self.clone();
        s.dbname = name.to_string();
        s
    }

    /// The same settings, logging in as `user` with `password`.
    pub(crate) fn with_login(&self, user: &str, password: &str) -> Self {
        let mut s = self.clone();
        s.user = user.to_string();
        s.password = Some(password.to_string());
        s
    }

    /// A `postgres::Config` for one attempt, TLS left to the connector.
    pub(crate) fn postgres_config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        for host in &self.hosts {
            match host {
                Host::Tcp(h) => config.host(h),
                Host::Socket(dir) => config.host_path(dir),
            };
        }
        for addr in &self.hostaddrs {
            config.hostaddr(*addr);
        }
        for port in &self.ports {
            config.port(*port);
        }
        config
            .user(&self.user)
            .dbname(&self.dbname)
            .application_name(&self.application_name)
            .ssl_mode(self.ssl_mode().postgres_mode())
            .channel_binding(match self.channel_binding {
                ChannelBinding::Disable => postgres::config::ChannelBinding::Disable,
                ChannelBinding::Prefer => postgres::config::ChannelBinding::Prefer,
                ChannelBinding::Require => postgres::config::ChannelBinding::Require,
            });
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        if let Some(options) = &self.options {
            config.options(options);
        }
        config
    }
}

impl fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionSettings")
            .field("hosts", &self.hosts)
            .field("hostaddrs", &self.hostaddrs)
            .field("ports", &self.ports)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("dbname", &self.dbname)
            .field("ssl_mode", &self.ssl_mode)
            .field("root_cert", &self.root_cert)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .field("options", &self.options)
            .field("channel_binding", &self.channel_binding)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Environment variables for one case.
    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn resolve(
        url: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Result<ConnectionSettings, ConnectError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ConnectionSettings::resolve(url, &|k| vars.get(k).cloned())
    }

    fn ok(url: Option<&str>, vars: &[(&str, &str)]) -> ConnectionSettings {
        resolve(url, vars).unwrap_or_else(|e| panic!("{url:?} {vars:?}: {e}"))
    }

    #[test]
    fn urls_resolve() {
        // (url, env, describe(), password)
        let cases: &[(&str, Vars<'_>, &str, Option<&str>)] = &[
            (
                "postgres://app:pw@db:5432/app?sslmode=verify-full",
                &[],
                "postgres://app@db:5432/app (sslmode=verify-full)",
                Some("pw"),
            ),
            (
                "postgresql://us%40er:p%40ss%3Aw@db/my%20db",
                &[],
                "postgres://us%40er@db:5432/my%20db (sslmode=prefer)",
                Some("p@ss:w"),
            ),
            (
                "postgres://app@[::1]:6543/app?sslmode=require",
                &[],
                "postgres://app@[::1]:6543/app (sslmode=require)",
                None,
            ),
            (
                "postgres://app@/app?host=/tmp&port=5433",
                &[],
                "postgres://app@/app?host=/tmp&port=5433",
                None,
            ),
            (
                "postgres://%2Fvar%2Frun%2Fpostgresql/app",
                &[("USER", "root")],
                "postgres://root@/app?host=/var/run/postgresql&port=5432",
                None,
            ),
            (
                "postgres://app@h1,h2:5433/d?sslrootcert=system&sslmode=verify-full",
                &[],
                "postgres://app@h1:5432,h2:5433/d (sslmode=verify-full, sslrootcert=system)",
                None,
            ),
            // the url wins over the variables; what it leaves out comes from them
            (
                "postgres://app@db/app",
                &[
                    ("PGHOST", "other"),
                    ("PGPASSWORD", "from-env"),
                    ("PGSSLMODE", "require"),
                    ("PGPORT", "6000"),
                ],
                "postgres://app@db:6000/app (sslmode=require)",
                Some("from-env"),
            ),
            (
                "host=db port=5433 user=app password='a b' dbname=x sslmode=verify-ca sslrootcert=/ca.pem",
                &[],
                "postgres://app@db:5433/x (sslmode=verify-ca, sslrootcert=/ca.pem)",
                Some("a b"),
            ),
            (
                "user=app",
                &[],
                "postgres://app@/app?host=/var/run/postgresql&port=5432",
                None,
            ),
        ];
        for (url, env, described, password) in cases {
            let s = ok(Some(url), env);
            assert_eq!(s.describe(), *described, "{url}");
            assert_eq!(s.password.as_deref(), *password, "{url}");
        }
    }

    #[test]
    fn env_only_uses_libpq_defaults() {
        let s = ok(None, &[("USER", "deploy")]);
        assert_eq!(s.user(), "deploy");
        assert_eq!(s.database(), "deploy");
        assert_eq!(s.hosts, vec![Host::Socket(DEFAULT_SOCKET_DIR.into())]);
        assert_eq!(s.ports, vec![5432]);
        assert_eq!(s.ssl_mode, SslMode::Prefer);
        assert_eq!(s.ssl_mode(), SslMode::Disable, "no tls over unix sockets");
        assert_eq!(s.application_name, "pg-provision");

        let s = ok(
            Some(""),
            &[
                ("PGHOST", "db.internal"),
                ("PGPORT", "6432"),
                ("PGUSER", "admin"),
                ("PGPASSWORD", "pw"),
                ("PGDATABASE", "appdb"),
                ("PGSSLMODE", "verify-full"),
                ("PGSSLROOTCERT", "/run/secrets/ca.pem"),
                ("PGCONNECT_TIMEOUT", "1"),
                ("PGAPPNAME", "init"),
                ("USER", "ignored"),
            ],
        );
        assert_eq!(
            s.describe(),
            "postgres://admin@db.internal:6432/appdb (sslmode=verify-full, sslrootcert=/run/secrets/ca.pem)"
        );
        assert_eq!(s.password.as_deref(), Some("pw"));
        assert_eq!(s.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!(s.application_name, "init");
        assert_eq!(
            s.root_cert,
            Some(RootCert::File("/run/secrets/ca.pem".into()))
        );
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let s = ok(
            None,
            &[
                ("PGHOST", ""),
                ("PGUSER", ""),
                ("USER", "u"),
                ("PGSSLMODE", ""),
            ],
        );
        assert_eq!(s.user(), "u");
        assert_eq!(s.ssl_mode, SslMode::Prefer);
    }

    #[test]
    fn sslmodes() {
        for (mode, expected) in [
            ("disable", SslMode::Disable),
            ("allow", SslMode::Allow),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
            ("verify-full", SslMode::VerifyFull),
        ] {
            let s = ok(Some(&format!("postgres://u@h/d?sslmode={mode}")), &[]);
            assert_eq!(s.ssl_mode(), expected);
        }
    }

    #[test]
    fn invalid_settings() {
        let cases: &[(Option<&str>, Vars<'_>, &str)] = &[
            (
                Some("postgres://u@h/d?sslmode=verify"),
                &[],
                "invalid sslmode `verify` in the database url",
            ),
            (
                None,
                &[("USER", "u"), ("PGSSLMODE", "on")],
                "invalid sslmode `on` in PGSSLMODE",
            ),
            (
                Some("postgres://u@h:99999/d"),
                &[],
                "invalid port `99999` in the database url",
            ),
            (
                None,
                &[("USER", "u"), ("PGPORT", "x")],
                "invalid port `x` in PGPORT",
            ),
            (
                Some("postgres://u@a,b,c/d?port=1,2"),
                &[],
                "2 ports given for 3 hosts",
            ),
            (
                Some("postgres://u@h/d?connect_timeout=soon"),
                &[],
                "invalid connect_timeout `soon`",
            ),
            (
                Some("postgres://u@h/d?sslcert=/x"),
                &[],
                "`sslcert` (client certificates) is not supported",
            ),
            (
                Some("postgres://u@h/d?frobnicate=1"),
                &[],
                "unknown connection option `frobnicate`",
            ),
            (
                Some("postgres://u@h/d?channel_binding=maybe"),
                &[],
                "invalid channel_binding `maybe`",
            ),
            (Some("mysql://u@h/d"), &[], "must start with postgres://"),
            (None, &[], "no user name"),
        ];
        for (url, env, needle) in cases {
            let err = resolve(*url, env).expect_err(needle);
            assert!(
                matches!(err, ConnectError::InvalidSettings { .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains(needle), "{url:?}: {err}");
        }
    }

    #[test]
    fn password_never_shown() {
        let secret = "Sup3r-S3cret";
        for (url, env) in [
            (Some(format!("postgres://app:{secret}@db/app")), vec![]),
            (Some(format!("host=db user=app password={secret}")), vec![]),
            (None, vec![("PGPASSWORD", secret), ("USER", "u")]),
            (
                Some(format!("postgres://app:{secret}@/app?host=/tmp")),
                vec![],
            ),
        ] {
            let s = ok(url.as_deref(), &env);
            assert_eq!(s.password.as_deref(), Some(secret));
            assert!(!s.describe().contains(secret), "{}", s.describe());
            let debug = format!("{s:?}");
            assert!(!debug.contains(secret), "{debug}");
            assert!(debug.contains("<redacted>"), "{debug}");
        }
        // and not in errors about a bad value next to it
        let err = resolve(
            Some(&format!("postgres://app:{secret}@db/app?sslmode=nope")),
            &[],
        )
        .unwrap_err();
        assert!(!err.to_string().contains(secret));
    }

    #[test]
    fn postgres_config_carries_everything() {
        let s = ok(
            Some(
                "postgres://app:pw@db:6000/x?sslmode=verify-full&connect_timeout=7&application_name=a&options=-c%20statement_timeout%3D5s",
            ),
            &[],
        );
        let c = s.postgres_config();
        assert_eq!(c.get_user(), Some("app"));
        assert_eq!(c.get_password(), Some(&b"pw"[..]));
        assert_eq!(c.get_dbname(), Some("x"));
        assert_eq!(c.get_ports(), &[6000]);
        assert_eq!(c.get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(7)));
        assert_eq!(c.get_application_name(), Some("a"));
        assert_eq!(c.get_options(), Some("-c statement_timeout=5s"));
        assert_eq!(c.get_hosts(), &[postgres::config::Host::Tcp("db".into())]);
        assert_eq!(s.target(), "db:6000");
    }

    #[test]
    fn hostaddr_dials_the_ip_and_keeps_the_name() {
        let s = ok(
            Some("host=db.example hostaddr=127.0.0.1 user=u sslmode=verify-full"),
            &[],
        );
        let c = s.postgres_config();
        assert_eq!(
            c.get_hosts(),
            &[postgres::config::Host::Tcp("db.example".into())]
        );
        assert_eq!(c.get_hostaddrs(), &["127.0.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(s.target(), "db.example:5432");

        let s = ok(Some("hostaddr=::1 user=u"), &[]);
        assert_eq!(s.target(), "[::1]:5432");
        assert!(s.hostaddrs.is_empty());

        for (url, needle) in [
            (
                "host=a,b hostaddr=127.0.0.1 user=u",
                "1 hostaddr values given for 2 hosts",
            ),
            ("host=/tmp hostaddr=127.0.0.1 user=u", "unix socket"),
            ("host=a hostaddr=db user=u", "invalid hostaddr `db`"),
        ] {
            let err = resolve(Some(url), &[]).unwrap_err();
            assert!(err.to_string().contains(needle), "{url}: {err}");
        }
    }

    #[test]
    fn socket_target_names_the_socket_file() {
        let s = ok(Some("postgres://u@%2Ftmp:5433/d"), &[]);
        assert_eq!(s.target(), "/tmp/.s.PGSQL.5433");
        assert_eq!(
            s.postgres_config().get_ssl_mode(),
            postgres::config::SslMode::Disable
        );
    }
}
