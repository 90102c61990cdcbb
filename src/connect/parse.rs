//! Lexing of connection strings, the libpq way.
//!
//! In: a `postgres://` / `postgresql://` URL or a `key=value` conninfo string.
//! Out: an ordered list of `(key, value)` pairs with percent-encoding and quoting
//! undone (URL parts become `user`, `password`, `host`, `port`, `dbname`; a host list
//! becomes comma-separated `host` and `port` values). No key is validated here.
//! Error messages never repeat a password.

/// A key and its decoded value.
pub(crate) type Pair = (String, String);

/// Splits `input` into pairs; `Err` carries a user-facing message.
pub(crate) fn parse(input: &str) -> Result<Vec<Pair>, String> {
    let input = input.trim();
    for scheme in ["postgresql://", "postgres://"] {
        if let Some(rest) = input.strip_prefix(scheme) {
            return parse_url(rest);
        }
    }
    if input.contains("://") {
        return Err("the database url must start with postgres:// or postgresql://".into());
    }
    if !input.contains('=') {
        return Err(
            "the connection string is neither a postgres:// url nor key=value pairs".into(),
        );
    }
    parse_conninfo(input)
}

/// `[user[:password]@][host[:port][,...]][/dbname][?key=value&...]`, scheme removed.
fn parse_url(rest: &str) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = main.split_once('/').unwrap_or((main, ""));
    // Hosts cannot contain '@', so a stray unencoded '@' belongs to the password.
    let hostlist = match authority.rsplit_once('@') {
        Some((userinfo, hostlist)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            pairs.push(("user".into(), decode(user, "the user name")?));
            if let Some(p) = password {
                pairs.push(("password".into(), decode(p, "the password")?));
            }
            hostlist
        }
        None => authority,
    };
    if !hostlist.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for entry in hostlist.split(',') {
            let (host, port) = split_host_port(entry)?;
            hosts.push(decode(host, "the host")?);
            ports.push(port.to_owned());
        }
        pairs.push(("host".into(), hosts.join(",")));
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(("port".into(), ports.join(",")));
        }
    }
    if !path.is_empty() {
        pairs.push(("dbname".into(), decode(path, "the database name")?));
    }
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| format!("url parameter `{}` has no value", shorten(param)))?;
        let key = decode(key, "a url parameter name")?;
        let value = decode(value, &format!("url parameter `{key}`"))?;
        // libpq accepts the JDBC spelling `ssl=true`.
        if key == "ssl" && value == "true" {
            pairs.push(("sslmode".into(), "require".into()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` → (host, port or "").
fn split_host_port(entry: &str) -> Result<(&str, &str), String> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("unterminated ipv6 address `{entry}` in the database url"))?;
        return match after {
            "" => Ok((host, "")),
            _ => after
                .strip_prefix(':')
                .map(|port| (host, port))
                .ok_or_else(|| {
                    format!(
                        "unexpected `{after}` after ipv6 address `[{host}]` in the database url"
                    )
                }),
        };
    }
    Ok(entry.split_once(':').unwrap_or((entry, "")))
}

/// `key = value key2='quoted \' value'` (libpq conninfo syntax).
fn parse_conninfo(input: &str) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "missing `=` after `{}` in the connection string",
                shorten(&key)
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(format!(
                            "unterminated quoted value for `{key}` in the connection string"
                        ));
                    }
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// Percent-decodes `s` (UTF-8); `what` names the part for the error message.
fn decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in {what}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{what} is not valid utf-8 after percent-decoding"))
}

/// Percent-encodes everything but unreserved characters (for `describe`).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Keeps error messages short when echoing a malformed fragment.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn p(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn urls() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "postgres://app:s3cret@db:5433/appdb",
                &[
                    ("user", "app"),
                    ("password", "s3cret"),
                    ("host", "db"),
                    ("port", "5433"),
                    ("dbname", "appdb"),
                ],
            ),
            (
                "postgresql://a%40b:p%3Aw%2F%40rd@db/x%20y",
                &[
                    ("user", "a@b"),
                    ("password", "p:w/@rd"),
                    ("host", "db"),
                    ("dbname", "x y"),
                ],
            ),
            // unencoded '@' in the password: the last '@' ends the user info
            (
                "postgres://u:p@ss@db",
                &[("user", "u"), ("password", "p@ss"), ("host", "db")],
            ),
            (
                "postgres://[::1]:6543/db",
                &[("host", "::1"), ("port", "6543"), ("dbname", "db")],
            ),
            ("postgres://[fe80::1]", &[("host", "fe80::1")]),
            (
                "postgres://h1:5432,h2,[::1]:5434/d",
                &[
                    ("host", "h1,h2,::1"),
                    ("port", "5432,,5434"),
                    ("dbname", "d"),
                ],
            ),
            (
                "postgres://%2Fvar%2Frun%2Fpostgresql/db",
                &[("host", "/var/run/postgresql"), ("dbname", "db")],
            ),
            (
                "postgres:///db?host=/tmp&port=5433",
                &[("dbname", "db"), ("host", "/tmp"), ("port", "5433")],
            ),
            (
                "postgres://u@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x&connect_timeout=5",
                &[
                    ("user", "u"),
                    ("host", "h"),
                    ("dbname", "d"),
                    ("sslmode", "verify-full"),
                    ("sslrootcert", "/etc/ca.pem"),
                    ("application_name", "x"),
                    ("connect_timeout", "5"),
                ],
            ),
            (
                "postgres://h?ssl=true",
                &[("host", "h"), ("sslmode", "require")],
            ),
            ("postgres://", &[]),
        ];
        for (input, expected) in cases {
            assert_eq!(pairs(input), p(expected), "{input}");
        }
    }

    #[test]
    fn conninfo() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "host=db port=5432 user=app dbname=app",
                &[
                    ("host", "db"),
                    ("port", "5432"),
                    ("user", "app"),
                    ("dbname", "app"),
                ],
            ),
            (
                "  password = 'two words'  host=db ",
                &[("password", "two words"), ("host", "db")],
            ),
            (
                r"password='a \'quoted\' pw' sslmode=require",
                &[("password", "a 'quoted' pw"), ("sslmode", "require")],
            ),
            (r"password=a\ b", &[("password", "a b")]),
            ("dbname=''", &[("dbname", "")]),
        ];
        for (input, expected) in cases {
            assert_eq!(pairs(input), p(expected), "{input}");
        }
    }

    #[test]
    fn malformed() {
        for (input, needle) in [
            ("mysql://x", "must start with postgres://"),
            ("just-a-host", "neither"),
            ("host=db port", "missing `=` after `port`"),
            ("password='open", "unterminated quoted value for `password`"),
            ("postgres://[::1/db", "unterminated ipv6"),
            ("postgres://[::1]x/db", "unexpected `x`"),
            (
                "postgres://u:%zz@h",
                "invalid percent-encoding in the password",
            ),
            ("postgres://h/d?sslmode", "has no value"),
        ] {
            let err = parse(input).expect_err(input);
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn malformed_password_is_not_echoed() {
        let err = parse("postgres://u:hunter2%zz@h").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn encode_round_trips() {
        assert_eq!(encode("a b@c/d"), "a%20b%40c%2Fd");
        assert_eq!(decode(&encode("ünï/côdé"), "x").unwrap(), "ünï/côdé");
    }
}
