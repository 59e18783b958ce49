//! A second look at a connection that failed for a reason the driver gives neither a code nor a
//! cause for: the protocol's first two steps asked again, as psql asks them, so that the answer
//! is told by the bytes the server sent, never by how a library worded its error.

use std::time::Duration;

use bytes::BytesMut;
use postgres_protocol::message::frontend;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};

use super::*;

/// What the server's first answers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seen {
    /// It answered the TLS request with "no" while sslmode requires TLS.
    NoTls,
    /// Its first bytes are not PostgreSQL's protocol (a web server, say).
    NotPostgres,
    /// It asked for a password (cleartext, MD5 or SCRAM).
    AsksPassword,
    /// The certificate verifies against the roots but does not name this host.
    WrongHostName,
    /// The certificate does not verify against the roots.
    UntrustedCertificate,
    /// Nothing this look can tell (unreachable, or the same answers a good server gives).
    Nothing,
}

/// After the TLS request (8 bytes, code 80877103), the one byte a server answers.
#[derive(Debug, PartialEq, Eq)]
enum TlsReply {
    Tls,
    Plain,
    Seen(Seen),
}

fn tls_reply(byte: u8, sslmode: &str) -> TlsReply {
    match byte {
        b'S' => TlsReply::Tls,
        b'N' if requires_tls(sslmode) => TlsReply::Seen(Seen::NoTls),
        b'N' => TlsReply::Plain,
        // a pre-7.x server's error: PostgreSQL, just not one hypertop can talk to
        b'E' => TlsReply::Seen(Seen::Nothing),
        _ => TlsReply::Seen(Seen::NotPostgres),
    }
}

fn requires_tls(sslmode: &str) -> bool {
    !matches!(sslmode, "disable" | "allow" | "prefer")
}

/// The first message's header after the startup message (its type and length) and, for an
/// authentication request, the method it asks for.
fn first_message(kind: u8, len: u32, method: Option<u32>) -> Seen {
    match (kind, len) {
        // 3 cleartext, 5 MD5, 10 SASL (SCRAM): a password is what it wants
        (b'R', 8..=1024) => match method {
            Some(3 | 5 | 10) => Seen::AsksPassword,
            _ => Seen::Nothing,
        },
        // an error (the driver reports those by SQLSTATE) or a protocol version negotiation
        (b'E' | b'v' | b'N', 4..=65536) => Seen::Nothing,
        _ => Seen::NotPostgres,
    }
}

/// Looks at each host in turn (as the driver tried them) and says the first thing one shows.
pub(super) async fn look(r: &Resolved, limit: Duration) -> Seen {
    let ports: Vec<&str> = r.port().split(',').collect();
    let addrs: Vec<&str> = r
        .get("hostaddr")
        .map(|a| a.split(',').collect())
        .unwrap_or_default();
    for (i, host) in r.host().split(',').map(str::trim).enumerate() {
        let port: u16 = ports
            .get(i)
            .or(ports.first())
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(5432);
        let address = addrs.get(i).copied().unwrap_or(host).trim();
        let seen = tokio::time::timeout(limit, look_at(r, host, address, port))
            .await
            .unwrap_or(Seen::Nothing);
        if seen != Seen::Nothing {
            return seen;
        }
    }
    Seen::Nothing
}

async fn look_at(r: &Resolved, host: &str, address: &str, port: u16) -> Seen {
    if host.starts_with('/') {
        // no TLS over a socket, as libpq
        return match tokio::net::UnixStream::connect(format!("{host}/.s.PGSQL.{port}")).await {
            Ok(s) => startup(s, r).await,
            Err(_) => Seen::Nothing,
        };
    }
    let seen = over_tcp(r, host, address, port, r.sslmode()).await;
    if seen != Seen::UntrustedCertificate || r.sslmode() != "verify-full" {
        return seen;
    }
    // verify-full failed: asked again without the name check, the certificate tells which part
    match over_tcp(r, host, address, port, "verify-ca").await {
        Seen::UntrustedCertificate => Seen::UntrustedCertificate,
        _ => Seen::WrongHostName,
    }
}

async fn over_tcp(r: &Resolved, host: &str, address: &str, port: u16, sslmode: &str) -> Seen {
    let Ok(mut s) = tokio::net::TcpStream::connect((address, port)).await else {
        return Seen::Nothing;
    };
    if sslmode == "disable" {
        return startup(s, r).await;
    }
    let mut buf = BytesMut::new();
    frontend::ssl_request(&mut buf);
    let mut reply = [0u8; 1];
    if s.write_all(&buf).await.is_err() || s.read_exact(&mut reply).await.is_err() {
        return Seen::Nothing;
    }
    match tls_reply(reply[0], sslmode) {
        TlsReply::Seen(seen) => seen,
        TlsReply::Plain => startup(s, r).await,
        TlsReply::Tls => {
            let Ok(mut make) = tls::build_tls_as(r, sslmode) else {
                return Seen::Nothing;
            };
            let Ok(connect) =
                MakeTlsConnect::<tokio::net::TcpStream>::make_tls_connect(&mut make, host)
            else {
                return Seen::Nothing;
            };
            match connect.connect(s).await {
                Ok(tls) => startup(tls, r).await,
                Err(_) if sslmode.starts_with("verify") => Seen::UntrustedCertificate,
                Err(_) => Seen::Nothing,
            }
        }
    }
}

/// Sends the startup message and reads the first answer's header, then hangs up before any
/// password is sent (the server logs nothing for a client that leaves at that point).
async fn startup<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, r: &Resolved) -> Seen {
    let mut buf = BytesMut::new();
    let params = [("user", r.user()), ("database", r.dbname())];
    if frontend::startup_message(params, &mut buf).is_err() || s.write_all(&buf).await.is_err() {
        return Seen::Nothing;
    }
    let mut head = [0u8; 5];
    if s.read_exact(&mut head).await.is_err() {
        return Seen::Nothing;
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    let mut method = [0u8; 4];
    let method = (head[0] == b'R' && len >= 8 && s.read_exact(&mut method).await.is_ok())
        .then(|| u32::from_be_bytes(method));
    if method == Some(0) {
        // in without a password: leave as a client should
        let mut bye = BytesMut::new();
        frontend::terminate(&mut bye);
        let _ = s.write_all(&bye).await;
    }
    first_message(head[0], len, method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_byte_after_the_tls_request_says_tls_plain_or_not_postgresql() {
        assert_eq!(tls_reply(b'S', "prefer"), TlsReply::Tls);
        assert_eq!(tls_reply(b'N', "prefer"), TlsReply::Plain);
        assert_eq!(tls_reply(b'N', "require"), TlsReply::Seen(Seen::NoTls));
        assert_eq!(tls_reply(b'N', "verify-full"), TlsReply::Seen(Seen::NoTls));
        // "HTTP/1.1 400": a web server's first byte
        assert_eq!(tls_reply(b'H', "prefer"), TlsReply::Seen(Seen::NotPostgres));
        assert_eq!(tls_reply(0, "require"), TlsReply::Seen(Seen::NotPostgres));
    }

    #[test]
    fn an_authentication_request_for_a_password_is_told_by_its_method() {
        for method in [3, 5, 10] {
            assert_eq!(first_message(b'R', 8, Some(method)), Seen::AsksPassword);
        }
        // trust (0), GSS (7): no password asked
        assert_eq!(first_message(b'R', 8, Some(0)), Seen::Nothing);
        assert_eq!(first_message(b'R', 8, Some(7)), Seen::Nothing);
        assert_eq!(first_message(b'E', 90, None), Seen::Nothing);
        // a header no PostgreSQL sends: a length out of bounds, or another type
        assert_eq!(first_message(b'R', 3, None), Seen::NotPostgres);
        assert_eq!(first_message(b'R', 1 << 30, Some(5)), Seen::NotPostgres);
        assert_eq!(first_message(b'H', 0x5454_502f, None), Seen::NotPostgres);
    }

    /// Every byte sequence a port might answer with gets a verdict, never a panic.
    #[test]
    fn any_first_answer_gets_a_verdict() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_be_bytes();
            let _ = tls_reply(b[0], ["prefer", "require", "disable"][b[1] as usize % 3]);
            let len = u32::from_be_bytes([b[2], b[3], b[4], b[5]]);
            let seen = first_message(b[0], len, (b[6] & 1 == 0).then_some(b[7] as u32));
            if !b"REvN".contains(&b[0]) {
                assert_eq!(seen, Seen::NotPostgres, "{b:?}");
            }
        }
    }
}
