//! Parsing of libpq connection strings: `key=value` pairs and `postgres://` URLs.

use std::fmt;

/// A syntax error in a connection string, worded like libpq's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// `key` is not followed by `=`.
    MissingEquals { key: String },
    /// A quoted value does not end.
    UnterminatedQuote,
    /// A `%` not followed by two hex digits, in this part of a URI.
    BadPercent { part: String },
    /// A URI part that decodes to bytes that are not UTF-8.
    NotUtf8 { part: String },
    /// Not a `postgres://` or `postgresql://` URI.
    NotUri { text: String },
    /// A URI query parameter without `=`.
    MissingQuerySeparator { pair: String },
    /// An IPv6 host (`[::1`) without its `]`.
    UnclosedIpv6 { spec: String },
    /// Something other than `:port` after an IPv6 host.
    AfterIpv6 { found: String },
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxError::MissingEquals { key } => {
                write!(f, "missing \"=\" after \"{key}\" in connection info string")
            }
            SyntaxError::UnterminatedQuote => {
                f.write_str("unterminated quoted string in connection info string")
            }
            SyntaxError::BadPercent { part } => {
                write!(f, "invalid percent-encoded token: \"{part}\"")
            }
            SyntaxError::NotUtf8 { part } => write!(f, "invalid UTF-8 in URI part \"{part}\""),
            SyntaxError::NotUri { text } => write!(f, "invalid URI \"{text}\""),
            SyntaxError::MissingQuerySeparator { pair } => write!(
                f,
                "missing key/value separator \"=\" in URI query parameter: \"{pair}\""
            ),
            SyntaxError::UnclosedIpv6 { spec } => write!(
                f,
                "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"{spec}\""
            ),
            SyntaxError::AfterIpv6 { found } => write!(
                f,
                "unexpected character \"{found}\" after IPv6 host address in URI"
            ),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// True when `s` should be expanded as a connection string rather than taken as a database name
/// (libpq's rule for `dbname`: it contains `=` or starts with a URI prefix).
pub fn looks_like_conninfo(s: &str) -> bool {
    is_url(s) || s.contains('=')
}

pub fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// Parses either form into keyword/value pairs, in the order given.
pub fn parse(s: &str) -> Result<Vec<(String, String)>, SyntaxError> {
    if is_url(s) {
        parse_url(s)
    } else {
        parse_keyword_value(s)
    }
}

/// `host=localhost port=5432 dbname='my db' password='it\'s'`
pub fn parse_keyword_value(s: &str) -> Result<Vec<(String, String)>, SyntaxError> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(SyntaxError::MissingEquals { key });
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(SyntaxError::UnterminatedQuote),
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => return Err(SyntaxError::UnterminatedQuote),
                    },
                    Some('\'') => break,
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
}

fn percent_decode(s: &str) -> Result<String, SyntaxError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Two hex digits, as libpq reads them (from_str_radix alone takes "+4").
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => out.push(b),
                None => return Err(SyntaxError::BadPercent { part: s.into() }),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SyntaxError::NotUtf8 { part: s.into() })
}

/// `postgresql://user:secret@host1:5432,host2/db?sslmode=require&application_name=x`
pub fn parse_url(s: &str) -> Result<Vec<(String, String)>, SyntaxError> {
    let rest = s
        .strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
        .ok_or_else(|| SyntaxError::NotUri { text: s.into() })?;
    let mut out = Vec::new();
    let (before_query, query) = match rest.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (before_query, None),
    };
    let hostlist = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                out.push(("user".into(), percent_decode(user)?));
            }
            if let Some(p) = password {
                out.push(("password".into(), percent_decode(p)?));
            }
            hosts
        }
        None => authority,
    };
    if !hostlist.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for spec in hostlist.split(',') {
            let (host, port) = split_host_port(spec)?;
            hosts.push(percent_decode(host)?);
            ports.push(port.map(str::to_string).unwrap_or_default());
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            out.push(("host".into(), hosts.join(",")));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            out.push(("port".into(), ports.join(",")));
        }
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        out.push(("dbname".into(), percent_decode(db)?));
    }
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| SyntaxError::MissingQuerySeparator { pair: pair.into() })?;
            let (k, v) = (percent_decode(k)?, percent_decode(v)?);
            // JDBC-style `ssl=true` is accepted by libpq as sslmode=require.
            if k == "ssl" && v == "true" {
                out.push(("sslmode".into(), "require".into()));
            } else {
                out.push((k, v));
            }
        }
    }
    Ok(out)
}

fn split_host_port(spec: &str) -> Result<(&str, Option<&str>), SyntaxError> {
    if let Some(rest) = spec.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| SyntaxError::UnclosedIpv6 { spec: spec.into() })?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(SyntaxError::AfterIpv6 {
                found: after[..1].into(),
            }),
        };
    }
    Ok(match spec.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (spec, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keyword_value_with_quotes_and_escapes() {
        let got =
            parse(r"host=db1  port = 6543 dbname='my db' password='it\'s' user=a\ b").unwrap();
        assert_eq!(
            got,
            kv(&[
                ("host", "db1"),
                ("port", "6543"),
                ("dbname", "my db"),
                ("password", "it's"),
                ("user", "a b")
            ])
        );
    }

    #[test]
    fn keyword_value_errors() {
        assert_eq!(
            parse("host").unwrap_err(),
            SyntaxError::MissingEquals { key: "host".into() }
        );
        assert_eq!(
            parse("host").unwrap_err().to_string(),
            "missing \"=\" after \"host\" in connection info string"
        );
        assert_eq!(
            parse("host='abc").unwrap_err(),
            SyntaxError::UnterminatedQuote
        );
    }

    #[test]
    fn a_percent_escape_is_two_hex_digits() {
        for bad in [
            "postgresql://h/db%+4",
            "postgresql://h/db%-1",
            "postgresql://h/db%4",
            "postgresql://h/db%zz",
            "postgresql://h/d%é",
        ] {
            assert!(
                matches!(parse(bad).unwrap_err(), SyntaxError::BadPercent { .. }),
                "{bad}"
            );
        }
        assert_eq!(
            parse("postgresql://h/d%2Bb").unwrap()[1],
            ("dbname".into(), "d+b".into())
        );
    }

    #[test]
    fn url_full() {
        let got = parse(
            "postgresql://us%40er:p%3Ass@h1:5433,[::1]:5434/my%20db?sslmode=verify-full&application_name=x",
        )
        .unwrap();
        assert_eq!(
            got,
            kv(&[
                ("user", "us@er"),
                ("password", "p:ss"),
                ("host", "h1,::1"),
                ("port", "5433,5434"),
                ("dbname", "my db"),
                ("sslmode", "verify-full"),
                ("application_name", "x")
            ])
        );
    }

    #[test]
    fn url_minimal_and_socket_path() {
        assert_eq!(parse("postgres://").unwrap(), vec![]);
        assert_eq!(
            parse("postgresql://%2Fvar%2Frun%2Fpostgresql/db").unwrap(),
            kv(&[("host", "/var/run/postgresql"), ("dbname", "db")])
        );
        assert_eq!(
            parse("postgres://localhost?ssl=true").unwrap(),
            kv(&[("host", "localhost"), ("sslmode", "require")])
        );
    }

    #[test]
    fn url_errors() {
        assert!(parse("postgres://h/db?sslmode").is_err());
        assert!(parse("postgres://[::1/db").is_err());
        assert!(parse("postgres://h/%zz").is_err());
    }

    #[test]
    fn conninfo_detection() {
        assert!(looks_like_conninfo("host=x"));
        assert!(looks_like_conninfo("postgres://x"));
        assert!(!looks_like_conninfo("mydb"));
    }
}
