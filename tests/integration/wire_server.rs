//! The TimescaleDB wire server under concurrent, pipelined use.

use std::time::Duration;

use futures_util::future::join_all;

use crate::engines::{connector_for, engine, engine_with_files, psql};

#[tokio::test]
async fn six_clients_pipelining_parameterised_queries_all_get_their_own_answers() {
    let connector = connector_for(&engine().conninfo());
    let mut clients = Vec::new();
    for _ in 0..6 {
        clients.push(connector.connect().await.unwrap());
    }
    let work = clients.iter().enumerate().map(|(c, s)| async move {
        // 50 pairs of queries issued at once on one connection: tokio-postgres pipelines them.
        let queries = (0..50i32).map(|i| {
            let client = &s.client;
            async move {
                let a: i32 = client
                    .query_one("SELECT $1::int * 1000 + $2::int", &[&(c as i32), &i])
                    .await?
                    .get(0);
                let b: String = client
                    .query_one(
                        "SELECT $1::text || '-' || $2::text",
                        &[&format!("c{c}"), &i.to_string()],
                    )
                    .await?
                    .get(0);
                Ok::<_, tokio_postgres::Error>((i, a, b))
            }
        });
        join_all(queries).await
    });
    let all = tokio::time::timeout(Duration::from_secs(60), join_all(work))
        .await
        .expect("no hang");
    for (c, results) in all.into_iter().enumerate() {
        for r in results {
            let (i, a, b) = r.unwrap();
            assert_eq!(a, c as i32 * 1000 + i);
            assert_eq!(b, format!("c{c}-{i}"));
        }
    }
}

#[tokio::test]
async fn a_client_that_vanishes_mid_transaction_does_not_block_the_others() {
    let connector = connector_for(&engine().conninfo());
    let setup = connector.connect().await.unwrap();
    setup
        .client
        .batch_execute("DROP TABLE IF EXISTS wire_abandoned; CREATE TABLE wire_abandoned (x int)")
        .await
        .unwrap();

    let quitter = connector.connect().await.unwrap();
    quitter
        .client
        .batch_execute("BEGIN; INSERT INTO wire_abandoned VALUES (1)")
        .await
        .unwrap();
    // While the quitter holds the engine in its transaction, another client waits…
    let other = connector.clone();
    let waiting = tokio::spawn(async move {
        let s = other.connect().await.unwrap();
        let n: i64 = s
            .client
            .query_one("SELECT count(*) FROM wire_abandoned", &[])
            .await
            .unwrap()
            .get(0);
        n
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the engine is serialized by transaction"
    );
    // …and gets it once the quitter disconnects without committing; its insert is rolled back.
    drop(quitter);
    let n = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("no hang")
        .unwrap();
    assert_eq!(n, 0, "the abandoned transaction must be rolled back");
}

/// A client that holds the engine idle in an open transaction (a psql left at BEGIN) while
/// another waits is ended after the engine's hold limit, told why; the waiting one gets the
/// engine well within a console's read timeout, and the holder's work is rolled back.
#[tokio::test]
async fn a_client_holding_the_engine_idle_is_ended_with_the_reason_and_the_others_go_on() {
    // an engine of its own: on the shared one, other tests are the waiting clients
    let engine = crate::engines::engine_with_files(&[]);
    let connector = connector_for(&engine.conninfo());
    let setup = connector.connect().await.unwrap();
    setup
        .client
        .batch_execute("DROP TABLE IF EXISTS wire_held; CREATE TABLE wire_held (x int)")
        .await
        .unwrap();
    let holder = connector.connect().await.unwrap();
    holder
        .client
        .batch_execute("BEGIN; INSERT INTO wire_held VALUES (1)")
        .await
        .unwrap();
    // nobody waits: holding is no one's loss, and the holder is left alone
    tokio::time::sleep(Duration::from_secs(6)).await;
    holder.client.batch_execute("SELECT 1").await.unwrap();
    let started = std::time::Instant::now();
    let other = connector.clone();
    let n: i64 = tokio::time::timeout(Duration::from_secs(20), async move {
        let s = other.connect().await.unwrap();
        s.client
            .query_one("SELECT count(*) FROM wire_held", &[])
            .await
            .unwrap()
            .get(0)
    })
    .await
    .expect("the waiting client gets the engine");
    let waited = started.elapsed();
    assert_eq!(n, 0, "the holder's insert is rolled back");
    assert!(waited < Duration::from_secs(9), "{waited:?}");
    let e = holder.client.batch_execute("COMMIT").await.unwrap_err();
    let said = format!("{e:?}");
    assert!(
        said.contains("held the engine's one session idle in an open transaction")
            || holder.client.is_closed(),
        "{said}"
    );
}

/// A minimal protocol client: tokio-postgres numbers statements per process, so two clients in
/// one test process never reuse a name; raw connections can, as separate processes do.
mod raw {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn send(s: &mut TcpStream, tag: u8, body: &[u8]) {
        let mut m = vec![tag];
        m.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
        m.extend_from_slice(body);
        s.write_all(&m).unwrap();
    }

    /// Reads messages until ReadyForQuery; returns the tags seen and any error text.
    pub fn until_ready(s: &mut TcpStream) -> (Vec<u8>, String) {
        let mut tags = Vec::new();
        let mut errors = String::new();
        loop {
            let mut head = [0u8; 5];
            s.read_exact(&mut head).unwrap();
            let len = i32::from_be_bytes(head[1..5].try_into().unwrap()) as usize - 4;
            let mut body = vec![0u8; len];
            s.read_exact(&mut body).unwrap();
            tags.push(head[0]);
            if head[0] == b'E' {
                errors.push_str(&String::from_utf8_lossy(&body));
            }
            if head[0] == b'R' && body[..4] == [0, 0, 0, 5] {
                // md5 requested: the engine accepts any password.
                send(s, b'p', b"md500000000000000000000000000000000\0");
            }
            if head[0] == b'Z' {
                return (tags, errors);
            }
        }
    }

    pub fn connect(port: u16) -> TcpStream {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let params = b"user\0postgres\0database\0postgres\0\0";
        let mut m = ((params.len() + 8) as i32).to_be_bytes().to_vec();
        m.extend_from_slice(&196608i32.to_be_bytes());
        m.extend_from_slice(params);
        s.write_all(&m).unwrap();
        let (_, err) = until_ready(&mut s);
        assert!(err.is_empty(), "startup failed: {err}");
        s
    }

    pub fn parse_named(s: &mut TcpStream, name: &str, sql: &str) -> String {
        let mut body = format!("{name}\0{sql}\0").into_bytes();
        body.extend_from_slice(&0i16.to_be_bytes());
        send(s, b'P', &body);
        send(s, b'S', &[]);
        until_ready(s).1
    }
}

#[test]
fn statement_names_are_private_to_each_connection() {
    let mut a = raw::connect(engine().port);
    let mut b = raw::connect(engine().port);
    assert_eq!(raw::parse_named(&mut a, "s0", "SELECT 1"), "");
    assert_eq!(
        raw::parse_named(&mut b, "s0", "SELECT 2"),
        "",
        "the same name on another connection must not collide"
    );
    // On one connection a duplicate name is still an error, as on a real server.
    assert!(raw::parse_named(&mut a, "s0", "SELECT 3").contains("already exists"));
    drop(a);
    // Closing a connection leaves the engine usable for the next one.
    std::thread::sleep(Duration::from_millis(200));
    let mut c = raw::connect(engine().port);
    assert_eq!(raw::parse_named(&mut c, "s0", "SELECT 4"), "");
}

/// What a client's session says of itself: search_path, statement_timeout, application_name,
/// default_transaction_read_only, current_user.
async fn state_of(c: &tokio_postgres::Client) -> Vec<String> {
    let r = c
        .query_one(
            "SELECT pg_catalog.current_setting('search_path'),
                    pg_catalog.current_setting('statement_timeout'),
                    pg_catalog.current_setting('application_name'),
                    pg_catalog.current_setting('default_transaction_read_only'), current_user::text",
            &[],
        )
        .await
        .unwrap();
    (0..5).map(|i| r.get::<_, String>(i)).collect()
}

/// The engine is one PGlite session, but each client has its own session state: the console's
/// monitoring settings (read-only here) and a psql-like client's, set at startup and with SET,
/// are each client's own, in turns taken back and forth; what the second creates lands where a
/// server puts it, TimescaleDB's functions resolve for it; and a temporary table goes with the
/// client that made it.
#[tokio::test]
async fn each_client_keeps_its_own_session_state() {
    let conninfo = engine().conninfo();
    let settings = hypertop::connect::SessionSettings {
        read_only: true,
        ..Default::default()
    };
    let console = connector_for(&conninfo)
        .with_settings(settings)
        .connect()
        .await
        .unwrap();
    let console_state = state_of(&console.client).await;
    assert_eq!(console_state[0], "pg_catalog, pg_temp");
    assert_eq!(console_state[3], "on");
    // psql as a newcomer starts it: its application_name at startup, a setting in options
    let (psql, conn) = tokio_postgres::connect(
        &format!("{conninfo} application_name=psql options='-c work_mem=7MB'"),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    assert_eq!(
        state_of(&psql).await,
        ["\"$user\", public", "0", "psql", "off", "postgres"]
    );
    let work_mem: String = psql.query_one("SHOW work_mem", &[]).await.unwrap().get(0);
    assert_eq!(work_mem, "7MB");
    psql.batch_execute(
        "DROP TABLE IF EXISTS public.my_notes; CREATE TABLE my_notes (a int);
         CREATE TEMP TABLE scratch (a int)",
    )
    .await
    .unwrap();
    let schema: String = psql
        .query_one(
            "SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'my_notes'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(schema, "public", "a table psql creates lands in public");
    psql.query_one("SELECT time_bucket('1 hour', now())", &[])
        .await
        .expect("TimescaleDB's functions resolve without a schema");
    // the console's turn: its own settings, and its read is not psql's
    assert_eq!(state_of(&console.client).await, console_state);
    // psql changes its own, the console keeps its
    psql.batch_execute(
        "SET search_path = nowhere; SET statement_timeout = '1ms'; SET application_name = 'mine';
         SET default_transaction_read_only = on; SET ROLE pg_monitor",
    )
    .await
    .unwrap();
    assert_eq!(state_of(&console.client).await, console_state);
    let caps = hypertop::capabilities::Capabilities::detect(&console.client)
        .await
        .expect("the console's reads run under its own settings");
    assert!(caps.timescaledb.is_some());
    assert_eq!(
        state_of(&psql).await,
        ["nowhere", "1ms", "mine", "on", "pg_monitor"]
    );
    assert_eq!(state_of(&console.client).await, console_state);
    // a client that comes later finds a new session, not psql's
    let (third, conn) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let fresh = state_of(&third).await;
    assert_eq!(fresh[0], "\"$user\", public");
    assert_eq!((fresh[1].as_str(), fresh[4].as_str()), ("0", "postgres"));
    // psql's temporary table goes with it
    drop(psql);
    let mut gone = false;
    for _ in 0..50 {
        let n: i64 = third
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname = 'scratch'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the temporary table outlived its client");
    third
        .batch_execute("DROP TABLE public.my_notes")
        .await
        .unwrap();
}

/// The engine parses what clients send at startup (parameters, `options` with `-c`, `--`,
/// backslashes): random and broken startup packets each get an answer or a closed socket, never
/// a dead engine nor another client's state, and a normal client is served after them.
#[test]
fn hostile_startup_packets_leave_the_engine_serving() {
    use std::io::{Read, Write};
    const PIECES: &[&str] = &[
        "-c",
        "--",
        "=",
        "\\",
        " ",
        "\t",
        "work_mem",
        "search_path",
        "x",
        "7MB",
        "'",
        "\"",
        "application_name",
        "options",
        "user",
        "database",
        "é",
        "\u{0}",
        "-cwork_mem=1MB",
        "--lock-timeout=1s",
        "nosuch",
        "role",
        "session_authorization",
        "pg_monitor",
    ];
    let port = engine().port;
    let seed = std::cell::Cell::new(0x9e37_79b9_7f4a_7c15u64);
    let next = || {
        let mut x = seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        seed.set(x);
        x
    };
    let text = || {
        let mut s = String::new();
        for _ in 0..next() % 5 {
            s.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        s
    };
    for round in 0..150 {
        let mut params: Vec<u8> = Vec::new();
        for _ in 0..next() % 4 {
            let (k, v) = match next() % 3 {
                0 => ("options".to_string(), text()),
                _ => (text(), text()),
            };
            params.extend(k.bytes().chain([0]).chain(v.bytes()).chain([0]));
        }
        params.extend_from_slice(b"user\0postgres\0database\0postgres\0\0");
        // now and then a length that lies
        let len = match round % 10 {
            0 => params.len() + 4,
            1 => 9,
            _ => params.len() + 8,
        };
        let mut m = (len as i32).to_be_bytes().to_vec();
        m.extend_from_slice(&196608i32.to_be_bytes());
        m.extend_from_slice(&params);
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let _ = s.write_all(&m);
        // the password the engine asks for, then whatever it answers until it closes or is ready
        let _ = s.write_all(b"p\0\0\0\x28md500000000000000000000000000000000\0");
        let mut answer = vec![0u8; 4096];
        let got = s.read(&mut answer).unwrap_or(0);
        assert!(
            got > 0 || round % 10 < 2,
            "round {round}: no answer to {m:?}"
        );
    }
    // served, with a session of its own
    let mut c = raw::connect(port);
    assert_eq!(raw::parse_named(&mut c, "after_fuzz", "SELECT 1"), "");
}

/// Engines start from a copy of the first one's data (tests/engine/server.mjs): the copy is
/// what they share (TimescaleDB's installation id, written by its CREATE EXTENSION: made
/// afresh, each engine would have its own), yet each is a cluster of its own, with its own
/// system identifier (what the team store and the journal tell servers apart by).
#[test]
fn engines_made_from_the_kept_template_are_servers_of_their_own() {
    let (a, b) = (engine_with_files(&[]), engine_with_files(&[]));
    let facts = |c: &str| {
        let row = psql(
            c,
            "SELECT (SELECT system_identifier FROM pg_control_system()) || ' '
                    || (SELECT value FROM _timescaledb_catalog.metadata WHERE key = 'uuid')",
        );
        let (system, installation) = row.split_once(' ').expect("two words");
        (system.to_string(), installation.to_string())
    };
    let (a, b) = (facts(&a.conninfo()), facts(&b.conninfo()));
    assert_eq!(a.1, b.1, "not started from one template");
    assert_ne!(a.0, b.0, "two engines, one system identifier");
}
