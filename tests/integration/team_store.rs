//! The team's flight recorder: `record --into` a TimescaleDB store and a plain PostgreSQL one,
//! read back from another home by `snapshot --at` and the readers' source as the local
//! recording gives it; several recorders, a store down, roles and identities.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use hypertop::history::{Sample, Series};
use hypertop::recording::source::Source;
use hypertop::recording::store::{Frame, Store};
use hypertop::recording::team::reader::{TeamReader, Which};
use hypertop::recording::team::writer::{Pending, Sent, TeamWriter};
use hypertop::recording::team::{self, schema, StoreSession, TargetId};

use crate::engines::{
    native_database, native_tsdb_database, native_tsdb_versions, newest_native_servers, psql,
    psql_failing, psql_succeeds,
};

fn hypertop(args: &[&str], home: &std::path::Path, store: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    c.args(args)
        .stdin(Stdio::null())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove(team::ENV)
        .env("XDG_STATE_HOME", home);
    if let Some(store) = store {
        c.env(team::ENV, store);
    }
    c.output().expect("run hypertop")
}

fn said(o: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The two kinds of store: a fresh database on the newest native TimescaleDB server, and one
/// on the plain PostgreSQL server (where hypertop prunes it itself).
fn stores(tag: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = native_tsdb_versions()
        .last()
        .map(|v| {
            (
                format!("TimescaleDB store on {}", v.label()),
                native_tsdb_database(v, None, tag),
            )
        })
        .into_iter()
        .collect();
    out.push((
        "plain PostgreSQL store".into(),
        native_database(&format!("{tag}_plain")),
    ));
    out
}

/// Makes a login (cluster-wide, once) that is a member of `role`.
fn login_in(store: &str, login: &str, role: &str) {
    psql(
        store,
        &format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN
                 CREATE ROLE {login} LOGIN;
               END IF;
             END $$; GRANT {role} TO {login}"
        ),
    );
}

/// A fresh database on the newest native TimescaleDB with one hypertable of 300 hourly rows
/// (None, said, where there is no native server).
fn target_with_a_hypertable(tag: &str) -> Option<String> {
    let Some(server) = newest_native_servers(tag, None).into_iter().next() else {
        eprintln!("no native TimescaleDB server: the team store is checked there");
        return None;
    };
    psql(
        &server.conninfo,
        "CREATE TABLE m (t timestamptz NOT NULL, v int); SELECT create_hypertable('m', 't');
         INSERT INTO m SELECT now() - i * interval '1 hour', i FROM generate_series(1, 300) i",
    );
    Some(server.conninfo)
}

fn frames(store: &str) -> i64 {
    psql(store, "SELECT count(*) FROM hypertop.frame")
        .parse()
        .unwrap()
}

#[test]
fn a_recorder_fills_a_team_store_that_another_home_reads_and_roles_hold() {
    let Some(target) = target_with_a_hypertable("team_target") else {
        return;
    };
    let identity = format!(
        "system {}, database oid {}",
        psql(&target, "SELECT system_identifier FROM pg_control_system()"),
        psql(
            &target,
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        )
    );
    for (label, store) in stores("team_cli") {
        eprintln!("-- {label}");
        let bastion = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        // nothing there yet: a recorder whose login owns nothing makes it (its login may)
        let init = hypertop(
            &[
                "record",
                "--init-store",
                "--max-age",
                "30d",
                "--into",
                &store,
            ],
            bastion.path(),
            None,
        );
        assert_eq!(init.status.code(), Some(0), "{}", said(&init));
        assert!(said(&init).contains("schema version 2"), "{}", said(&init));
        let again = hypertop(
            &["record", "--init-store", "--into", &store],
            bastion.path(),
            None,
        );
        assert!(
            !said(&again).contains("  schema version"),
            "{}",
            said(&again)
        );
        assert!(said(&init).contains("after 30 days") || !label.starts_with("TimescaleDB"));
        if label.starts_with("TimescaleDB") {
            let jobs = psql(
                &store,
                "SELECT string_agg(proc_name || ':' || hypertable_name, ',' ORDER BY proc_name, hypertable_name)
                   FROM timescaledb_information.jobs WHERE hypertable_schema = 'hypertop'",
            );
            assert_eq!(
                jobs,
                "policy_compression:body,policy_compression:frame,policy_compression:sample,policy_retention:body,policy_retention:frame,policy_retention:sample"
            );
        }
        let rec = hypertop(
            &["record", "--once", "--into", &store, &target],
            bastion.path(),
            None,
        );
        assert_eq!(rec.status.code(), Some(0), "{}", said(&rec));
        assert_eq!(frames(&store), 1);
        // the store is a database like any other: hypertop monitors it, its hypertables with
        // their compression and retention on the tabs
        if label.starts_with("TimescaleDB") {
            let watched = hypertop(&["snapshot", &store], other.path(), None);
            assert_eq!(watched.status.code(), Some(0), "{}", said(&watched));
            let doc: serde_json::Value = serde_json::from_slice(&watched.stdout).unwrap();
            let shown: Vec<String> = doc["hypertables"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h["schema"] == "hypertop")
                .map(|h| {
                    format!(
                        "{} {} {} {}",
                        h["name"].as_str().unwrap(),
                        h["compression_enabled"],
                        h["policies"],
                        h["chunks"].as_i64().unwrap() > 0
                    )
                })
                .collect();
            let policies = r#"["policy_compression","policy_retention"]"#;
            assert_eq!(
                shown,
                [
                    format!("body true {policies} true"),
                    format!("frame true {policies} true"),
                    format!("sample true {policies} true"),
                ],
                "{}",
                doc["hypertables"]
            );
        }
        // the bastion kept no frame of its own: the team's store holds them
        let local = hypertop(
            &["snapshot", "--at", "0s", "--format", "json", &target],
            bastion.path(),
            None,
        );
        assert_ne!(local.status.code(), Some(0), "{}", said(&local));
        // another engineer's home, with the store configured, reads it
        let json = hypertop(
            &["snapshot", "--at", "0s", "--format", "json", &target],
            other.path(),
            Some(&store),
        );
        assert_eq!(json.status.code(), Some(0), "{}", said(&json));
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(doc["recorded_server"], identity.as_str());
        assert!(
            doc["hypertables"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["name"] == "m"
                    || h["hypertable"] == "public.m"
                    || h.to_string().contains("\"m\"")),
            "{}",
            doc["hypertables"]
        );
        let text = hypertop(
            &["snapshot", "--at", "0s", "--format", "text", &target],
            other.path(),
            Some(&store),
        );
        assert_eq!(text.status.code(), Some(0), "{}", said(&text));
        assert!(
            said(&text).contains(&format!("server: {identity}")),
            "{}",
            said(&text)
        );

        // a reader's login reads, and may not write: the recorder is refused, nothing written
        login_in(&store, "hypertop_test_team_reader", team::READER_ROLE);
        let as_reader = format!("{store} user=hypertop_test_team_reader");
        let refused = hypertop(
            &["record", "--once", "--into", &as_reader, &target],
            bastion.path(),
            None,
        );
        assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
        assert!(
            said(&refused).contains(team::WRITER_ROLE),
            "{}",
            said(&refused)
        );
        assert_eq!(frames(&store), 1);
        let read = hypertop(
            &["snapshot", "--at", "0s", "--format", "json", &target],
            other.path(),
            Some(&as_reader),
        );
        assert_eq!(read.status.code(), Some(0), "{}", said(&read));
        let denied = psql_failing(&as_reader, "INSERT INTO hypertop.meta VALUES ('x', 'y')");
        assert!(denied.contains("permission denied"), "{denied}");
        // a writer's login writes (its minute may be the one already stored)
        login_in(&store, "hypertop_test_team_writer", team::WRITER_ROLE);
        let as_writer = format!("{store} user=hypertop_test_team_writer");
        let wrote = hypertop(
            &["record", "--once", "--into", &as_writer, &target],
            bastion.path(),
            None,
        );
        assert_eq!(wrote.status.code(), Some(0), "{}", said(&wrote));
        assert!(
            !psql_succeeds(&as_writer, "DROP TABLE hypertop.frame"),
            "a writer may not drop the store"
        );
    }
    // a target login that may not read the server's identity is not recorded into a team
    // store: its frames could not be told from another server's
    psql(
        &target,
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hypertop_test_team_nosys') THEN
             CREATE ROLE hypertop_test_team_nosys LOGIN;
           END IF;
         END $$;
         REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC",
    );
    let (_, store) = stores("team_nosys").pop().unwrap();
    let home = tempfile::tempdir().unwrap();
    let init = hypertop(
        &["record", "--init-store", "--into", &store],
        home.path(),
        None,
    );
    assert_eq!(init.status.code(), Some(0), "{}", said(&init));
    let nosys = hypertop(
        &[
            "record",
            "--once",
            "--into",
            &store,
            &format!("{target} user=hypertop_test_team_nosys"),
        ],
        home.path(),
        None,
    );
    assert_eq!(nosys.status.code(), Some(1), "{}", said(&nosys));
    assert!(
        said(&nosys).contains("system identifier"),
        "{}",
        said(&nosys)
    );
    assert_eq!(frames(&store), 0);
}

/// A minute of a fixed past day: frames of the tests never share a minute by the clock.
fn minute(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(n)
}

fn pending(id: &TargetId, address: &str, at: DateTime<Utc>, value: f64) -> Pending {
    Pending {
        address: address.into(),
        target: id.clone(),
        frame: Frame {
            at,
            sections: vec![
                ("json:read".into(), format!("{{\"value\":{value}}}")),
                ("json:same".into(), "{\"kept\":\"once\"}".into()),
                ("text:000".into(), format!("== Read\nvalue {value}\n")),
            ],
        },
        samples: vec![Sample {
            series: Series::Ingest,
            at: u32::try_from(at.timestamp()).unwrap(),
            value,
        }],
    }
}

async fn open(store: &str) -> StoreSession {
    StoreSession::open(&team::resolve(store).unwrap())
        .await
        .unwrap()
}

fn writer(store: &str) -> TeamWriter {
    TeamWriter::new(
        team::resolve(store).unwrap(),
        Duration::from_secs(400 * 86400),
        None,
    )
}

/// The store made by its owner, keeping frames long enough for the fixed past day's.
async fn made(store: &str) {
    schema::init(&open(store).await, Duration::from_secs(400 * 86400))
        .await
        .unwrap();
}

fn reader(store: &str, which: Which) -> Option<TeamReader> {
    TeamReader::open(&team::resolve(store).unwrap(), which).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_recorders_leave_each_minute_once_and_a_store_down_loses_no_frame() {
    for (label, store) in stores("team_writers") {
        eprintln!("-- {label}");
        made(&store).await;
        let id = TargetId {
            system: "7000000000000000001".into(),
            database_oid: 16384,
        };
        // two bastions record the same target, each at its own second of the same minutes
        let (mut a, mut b) = (writer(&store), writer(&store));
        let (sent_a, sent_b) = tokio::join!(
            async {
                let mut s = Vec::new();
                for m in 0..5 {
                    let at = minute(m) + chrono::Duration::seconds(10);
                    s.extend(a.write(pending(&id, "db1:5432/app", at, 1.0)).await.sent);
                }
                s
            },
            async {
                let mut s = Vec::new();
                for m in 0..5 {
                    let at = minute(m) + chrono::Duration::seconds(20);
                    s.extend(b.write(pending(&id, "db1:5432/app", at, 2.0)).await.sent);
                }
                s
            }
        );
        let stored = sent_a
            .iter()
            .chain(&sent_b)
            .filter(|(_, s)| *s == Sent::Stored)
            .count();
        assert_eq!((sent_a.len(), sent_b.len(), stored), (5, 5, 5));
        assert_eq!(
            psql(
                &store,
                "SELECT count(*), count(DISTINCT minute) FROM hypertop.frame"
            ),
            "5|5"
        );
        // each minute's samples are its frame's writer's, and the value both sent is kept once
        assert_eq!(
            psql(
                &store,
                "SELECT count(*) FROM hypertop.frame f JOIN hypertop.sample s
                   ON s.system_identifier = f.system_identifier AND s.at = date_trunc('second', f.at)"
            ),
            "5"
        );
        assert_eq!(psql(&store, "SELECT count(*) FROM hypertop.sample"), "5");
        assert_eq!(
            psql(
                &store,
                "SELECT count(*) FROM hypertop.body WHERE value = '{\"kept\":\"once\"}'"
            ),
            "1"
        );

        // the store goes away for a while: frames wait, then all are sent
        let mut c = writer(&store);
        assert!(c
            .write(pending(&id, "db1:5432/app", minute(5), 3.0))
            .await
            .error
            .is_none());
        // a reader open all along (a console's): its session is cut with the others
        let open_reader = reader(&store, Which::Identity(id.clone())).unwrap();
        assert_eq!(open_reader.times().unwrap().len(), 6);
        let dbname = psql(&store, "SELECT current_database()");
        let admin = store.replace(&format!("dbname={dbname}"), "dbname=postgres");
        psql(
            &admin,
            &format!(
                "ALTER DATABASE {dbname} ALLOW_CONNECTIONS false;
                 SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                  WHERE datname = '{dbname}'"
            ),
        );
        for m in 6..9 {
            let f = c.write(pending(&id, "db1:5432/app", minute(m), 3.0)).await;
            assert!(f.error.is_some(), "the store is down");
            assert_eq!(f.waiting, usize::try_from(m - 5).unwrap());
        }
        assert!(open_reader.times().is_err(), "the store is down");
        psql(
            &admin,
            &format!("ALTER DATABASE {dbname} ALLOW_CONNECTIONS true"),
        );
        let back = c.write(pending(&id, "db1:5432/app", minute(9), 3.0)).await;
        assert!(back.error.is_none(), "{:?}", back.error);
        assert_eq!((back.sent.len(), back.waiting), (4, 0));
        assert_eq!(
            psql(&store, "SELECT count(*) FROM hypertop.frame"),
            "10",
            "no frame lost"
        );
        // the reader open all along reads again at once
        assert_eq!(open_reader.times().unwrap().len(), 10);
        let r = reader(&store, Which::Identity(id.clone())).unwrap();
        let times = r.times().unwrap();
        assert_eq!(times.len(), 10);
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_store_gives_back_the_local_recordings_frames_and_samples_and_no_other_servers() {
    for (label, store) in stores("team_readers") {
        eprintln!("-- {label}");
        made(&store).await;
        let dir = tempfile::tempdir().unwrap();
        let mut local = Store::create(&dir.path().join("r.sqlite"), Default::default()).unwrap();
        let x = TargetId {
            system: "7000000000000000002".into(),
            database_oid: 5,
        };
        // the same frames, into both
        let mut w = writer(&store);
        for m in 0..3 {
            let p = pending(&x, "db2:5432/app", minute(100 + m), m as f64);
            local.claim(&x.server()).unwrap();
            local.append(&p.frame).unwrap();
            local.append_samples(&p.samples).unwrap();
            assert!(w.write(p).await.error.is_none());
        }
        let team = Source::Team(reader(&store, Which::Address("db2:5432/app".into())).unwrap());
        let local = Source::Local(Store::open(&dir.path().join("r.sqlite")).unwrap().unwrap());
        assert_eq!(team.times().unwrap(), local.times().unwrap());
        for at in [
            minute(100),
            minute(101) + chrono::Duration::seconds(30),
            minute(200),
        ] {
            for json in [true, false] {
                assert_eq!(
                    hypertop::recorder::replay_at(&team, "t", at, json, 120).unwrap(),
                    hypertop::recorder::replay_at(&local, "t", at, json, 120).unwrap(),
                );
            }
        }
        assert_eq!(
            team.samples_since(0).unwrap(),
            local.samples_since(0).unwrap()
        );
        // a size carried forward: before the time asked, the latest of it, as the local gives
        let mut w2 = writer(&store);
        for (m, bytes) in [(110, 1.0), (111, 2.0), (112, 3.0)] {
            let mut p = pending(&x, "db2:5432/app", minute(m), 0.0);
            p.samples = vec![Sample {
                series: Series::HypertableBytes("public.m".into()),
                at: u32::try_from(minute(m).timestamp()).unwrap(),
                value: bytes,
            }];
            let mut l = Store::create(&dir.path().join("r.sqlite"), Default::default()).unwrap();
            l.append(&p.frame).unwrap();
            l.append_samples(&p.samples).unwrap();
            assert!(w2.write(p).await.error.is_none());
        }
        let since = u32::try_from(minute(113).timestamp()).unwrap();
        let carried = team.samples_since(since).unwrap();
        assert_eq!(carried, local.samples_since(since).unwrap());
        assert!(
            carried.iter().any(|s| s.value == 3.0)
                && !carried.iter().any(|s| s.value == 1.0 || s.value == 2.0),
            "{carried:?}"
        );
        // the address now leads to another server: readers by address take its frames only,
        // a reader connected to the first takes the first's only
        let y = TargetId {
            system: "7000000000000000003".into(),
            database_oid: 5,
        };
        assert!(w
            .write(pending(&y, "db2:5432/app", minute(300), 9.0))
            .await
            .error
            .is_none());
        let by_address = reader(&store, Which::Address("db2:5432/app".into())).unwrap();
        assert_eq!(by_address.target, y);
        assert_eq!(by_address.times().unwrap(), vec![minute(300)]);
        let first = reader(&store, Which::Identity(x.clone())).unwrap();
        assert_eq!(first.times().unwrap().len(), 6);
        assert!(first
            .at_or_before(minute(400))
            .unwrap()
            .is_some_and(|f| f.at == minute(112)));
        assert!(reader(&store, Which::Address("elsewhere:1/x".into())).is_none());
        // a section that is not JSON (written by hand into the store) is refused, not shown
        psql(
            &store,
            "UPDATE hypertop.body SET value = 'not json' WHERE value = '{\"value\":9}'",
        );
        assert!(by_address.at_or_before(minute(300)).is_err());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_store_is_upgraded_by_its_owner_and_a_newer_one_refused() {
    for (label, store) in stores("team_schema") {
        eprintln!("-- {label}");
        let s = open(&store).await;
        schema::init_to(&s, Duration::from_secs(86400), 1)
            .await
            .unwrap();
        let version = || {
            psql(
                &store,
                "SELECT value FROM hypertop.meta WHERE key = 'version'",
            )
        };
        assert_eq!(version(), "1");
        psql(
            &store,
            "INSERT INTO hypertop.frame VALUES ('7000000000000000004', 1, '2026-11-01', '2026-11-01', '{}', '{}')",
        );
        // a writer's login cannot upgrade it: told who can
        login_in(&store, "hypertop_test_team_writer", team::WRITER_ROLE);
        let mut w = writer(&format!("{store} user=hypertop_test_team_writer"));
        let e = w.connect().await.unwrap_err().to_string();
        assert!(e.contains("older than this hypertop's"), "{e}");
        // its owner's recorder upgrades it, what it held kept
        let mut owner = writer(&store);
        owner.connect().await.unwrap();
        assert_eq!(version(), schema::VERSION.to_string());
        // every migration's tables there (version 3's: what reads keep for the next)
        assert_eq!(
            psql(&store, "SELECT to_regclass('hypertop.kept') IS NOT NULL"),
            "t"
        );
        assert_eq!(
            psql(
                &store,
                "SELECT count(*), count(recorder) FROM hypertop.frame"
            ),
            "1|0"
        );
        // a store one version behind that takes frames as it is: its writers go on (they
        // keep nothing there) until its owner upgrades it
        psql(&store, "DROP SCHEMA hypertop CASCADE");
        schema::init_to(&open(&store).await, Duration::from_secs(86400), 2)
            .await
            .unwrap();
        let mut w = writer(&format!("{store} user=hypertop_test_team_writer"));
        let id = TargetId {
            system: "7000000000000000014".into(),
            database_oid: 1,
        };
        let f = w.write(pending(&id, "db9:1/x", minute(900), 1.0)).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(version(), "2");
        assert!(hypertop::recording::team::kept::TeamKept::open(
            &team::resolve(&format!("{store} user=hypertop_test_team_writer")).unwrap(),
            id
        )
        .await
        .unwrap()
        .is_none());
        psql(
            &store,
            "UPDATE hypertop.meta SET value = '99' WHERE key = 'version'",
        );
        let e = writer(&store).connect().await.unwrap_err().to_string();
        assert!(e.contains("newer than this hypertop's"), "{e}");
        let e = TeamReader::open(
            &team::resolve(&store).unwrap(),
            Which::Address("a:1/b".into()),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("newer than this hypertop's"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hypertop_prunes_what_is_past_max_age() {
    for (label, store) in stores("team_prune") {
        eprintln!("-- {label}");
        schema::init(&open(&store).await, Duration::from_secs(86400))
            .await
            .unwrap();
        let id = TargetId {
            system: "7000000000000000005".into(),
            database_oid: 1,
        };
        let mut w = TeamWriter::new(
            team::resolve(&store).unwrap(),
            Duration::from_secs(86400),
            None,
        );
        let old = Utc::now() - chrono::Duration::days(3);
        let mut p = pending(&id, "db3:1/x", old, 1.0);
        p.frame.sections[0].1 = "{\"old\":true}".into();
        // written, then pruned: on plain PostgreSQL by the same call (the first write prunes),
        // on TimescaleDB by its retention policy (run here rather than waited for)
        let f = w.write(p).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        if label.starts_with("TimescaleDB") {
            assert_eq!(psql(&store, "SELECT count(*) FROM hypertop.frame"), "1");
            for job in psql(
                &store,
                "SELECT job_id FROM timescaledb_information.jobs
                  WHERE proc_name = 'policy_retention' AND hypertable_schema = 'hypertop'",
            )
            .lines()
            {
                psql(&store, &format!("CALL run_job({job})"));
            }
        }
        assert_eq!(psql(&store, "SELECT count(*) FROM hypertop.frame"), "0");
        assert_eq!(psql(&store, "SELECT count(*) FROM hypertop.sample"), "0");
        assert_eq!(
            psql(
                &store,
                "SELECT count(*) FROM hypertop.body WHERE value = '{\"old\":true}'"
            ),
            "0"
        );
        let mut w = TeamWriter::new(
            team::resolve(&store).unwrap(),
            Duration::from_secs(86400),
            None,
        );
        assert!(w
            .write(pending(&id, "db3:1/x", Utc::now(), 2.0))
            .await
            .error
            .is_none());
        assert_eq!(psql(&store, "SELECT count(*) FROM hypertop.frame"), "1");

        // --max-size where no policy says it: a recorder over it cuts the oldest twentieth of
        // the time stored, once until the store grows past that size again
        let recent = Utc::now() - chrono::Duration::minutes(60);
        let mut filler = TeamWriter::new(
            team::resolve(&store).unwrap(),
            Duration::from_secs(86400),
            None,
        );
        for m in 0..40 {
            let at = recent + chrono::Duration::minutes(m);
            assert!(filler
                .write(pending(&id, "db3:1/x", at, 3.0))
                .await
                .error
                .is_none());
        }
        let oldest = || psql(&store, "SELECT count(*), min(minute) FROM hypertop.frame");
        let before = oldest();
        assert!(before.starts_with("41|"), "{before}");
        let mut bounded = TeamWriter::new(
            team::resolve(&store).unwrap(),
            Duration::from_secs(86400),
            Some(1),
        );
        let at = recent + chrono::Duration::minutes(40);
        let f = bounded.write(pending(&id, "db3:1/x", at, 4.0)).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        // 41 minutes of frames (and the newest one alone, now): a twentieth of its span cut
        let cut: i64 = psql(
            &store,
            &format!(
                "SELECT count(*) FROM hypertop.frame WHERE minute < '{}'::timestamptz",
                (recent + chrono::Duration::minutes(3)).to_rfc3339()
            ),
        )
        .parse()
        .unwrap();
        assert!(cut < 3, "the oldest minutes are still there: {}", oldest());
        let after: i64 = psql(&store, "SELECT count(*) FROM hypertop.frame")
            .parse()
            .unwrap();
        assert!((38..42).contains(&after), "{before} → {}", oldest());
        // the same recorder does not cut again at its next write (not due, and not grown)
        let at = recent + chrono::Duration::minutes(41);
        assert!(bounded
            .write(pending(&id, "db3:1/x", at, 4.0))
            .await
            .error
            .is_none());
        assert_eq!(
            psql(&store, "SELECT count(*) FROM hypertop.frame")
                .parse::<i64>()
                .unwrap(),
            after + 1
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_on_another_home_opens_with_the_teams_pictures() {
    use hypertop::recording::live::{Event, Recording};
    for (label, store) in stores("team_console") {
        eprintln!("-- {label}");
        made(&store).await;
        let id = TargetId {
            system: "7000000000000000006".into(),
            database_oid: 7,
        };
        // a recorder's last half hour, a frame a minute
        let now = Utc::now();
        let mut w = writer(&store);
        for m in (1..=30).rev() {
            let at = now - chrono::Duration::minutes(m);
            assert!(w
                .write(pending(&id, "db4:5432/app", at, m as f64))
                .await
                .error
                .is_none());
        }
        let recorded = reader(&store, Which::Identity(id.clone()))
            .unwrap()
            .samples_since(0)
            .unwrap();
        assert_eq!(recorded.len(), 30);
        // the console's recording, on a home that never recorded, opens with them
        let home = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let source = team::TeamSource {
            store: team::resolve(&store).unwrap(),
            which: Which::Identity(id.clone()),
        };
        let _recording = Recording::start(
            home.path().join("r.sqlite"),
            Default::default(),
            "t".into(),
            Some(source),
            move |e| {
                let _ = tx.send(e);
            },
        );
        match rx.recv_timeout(Duration::from_secs(20)).unwrap() {
            Event::Restored(samples) => assert_eq!(samples, recorded),
            other => panic!("{other:?}"),
        }
        let mut history = hypertop::history::History::default();
        history.restore(&recorded);
        assert_eq!(history.ingest.len(), 30, "the pictures hold the half hour");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_superuser_touches_only_its_own_store_and_no_stand_in_for_timescaledb_is_called() {
    for (label, store) in stores("team_rights") {
        eprintln!("-- {label}");
        let dbname = psql(&store, "SELECT current_database()");
        // the roles exist (a store's owner need not be able to make them)
        psql(
            &store,
            &format!(
                "DO $$ BEGIN
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hypertop_test_team_owner') THEN
                     CREATE ROLE hypertop_test_team_owner LOGIN;
                   END IF;
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{w}') THEN
                     CREATE ROLE {w} NOLOGIN;
                   END IF;
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{r}') THEN
                     CREATE ROLE {r} NOLOGIN;
                   END IF;
                 END $$;
                 GRANT CREATE ON DATABASE {dbname} TO hypertop_test_team_owner",
                w = team::WRITER_ROLE,
                r = team::READER_ROLE
            ),
        );
        if label.starts_with("TimescaleDB") {
            // a function of create_hypertable's name that is not TimescaleDB's, where its
            // schema lets others create: a better match for the call, never made
            psql(
                &store,
                "CREATE FUNCTION public.create_hypertable(regclass, name, chunk_time_interval interval,
                                                          create_default_indexes boolean)
                 RETURNS int LANGUAGE sql AS 'SELECT 1'",
            );
            let e = schema::init(&open(&store).await, Duration::from_secs(86400))
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains("not TimescaleDB's own"), "{e}");
            assert!(
                !psql_succeeds(&store, "SELECT FROM hypertop.meta"),
                "nothing made"
            );
            psql(
                &store,
                "DROP FUNCTION public.create_hypertable(regclass, name, interval, boolean)",
            );
        }
        // no store yet: the first recorder whose login may create a schema makes it, and
        // writes as its owner
        let as_owner = format!("{store} user=hypertop_test_team_owner");
        writer(&as_owner).connect().await.unwrap();
        assert_eq!(
            psql(
                &store,
                "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'hypertop'"
            ),
            "hypertop_test_team_owner"
        );
        // a superuser login (postgres) that does not own the store neither writes nor reads it
        let e = writer(&store).connect().await.unwrap_err().to_string();
        assert!(e.contains("is a superuser"), "{e}");
        let e = TeamReader::open(
            &team::resolve(&store).unwrap(),
            Which::Address("a:1/b".into()),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("is a superuser"), "{e}");
        // its owner writes
        let id = TargetId {
            system: "7000000000000000007".into(),
            database_oid: 1,
        };
        let mut w = writer(&as_owner);
        let f = w.write(pending(&id, "db5:1/x", minute(0), 1.0)).await;
        assert!(f.error.is_none(), "{:?}", f.error);
    }
}

/// `check` on a bastion where nothing ran, with the team's store configured as the recorders'
/// login, starts from what the team's recorder kept there (no structure read, no file listed:
/// what a second read in the same home does) and shows what a cold read shows. What one login
/// kept is never another's: a reader's login keeps in its own recording, another writer takes
/// nothing of it and can neither write a value as the first nor change one.
#[test]
fn a_check_elsewhere_starts_from_what_the_teams_recorder_kept() {
    use crate::kept::{counting, structure_reads, structured, RESET};
    let Some(target) = target_with_a_hypertable("team_kept_target") else {
        return;
    };
    let _counting = crate::engines::counting_statements();
    // what is taken is told by what is read: the native servers count statements
    assert!(
        counting(&target),
        "pg_stat_statements is loaded on the native servers"
    );
    let listings = || {
        psql(
            &target,
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
              WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND query LIKE '%pg_ls_dir%'",
        )
        .parse::<i64>()
        .unwrap()
    };
    // the structure reads of a `check` from an empty home with `store` configured
    let check_reads = |store: Option<&str>| {
        psql(&target, RESET);
        let home = tempfile::tempdir().unwrap();
        let out = hypertop(&["check", &target], home.path(), store);
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("HYPERTOP "),
            "{}",
            said(&out)
        );
        (structure_reads(&target), listings())
    };
    let snapshot = |home: &std::path::Path, store: Option<&str>| {
        let out = hypertop(&["snapshot", &target], home, store);
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        structured(&serde_json::from_slice(&out.stdout).unwrap())
    };
    for (label, store) in stores("team_kept") {
        eprintln!("-- {label}");
        let owner = tempfile::tempdir().unwrap();
        let init = hypertop(
            &["record", "--init-store", "--into", &store],
            owner.path(),
            None,
        );
        assert_eq!(init.status.code(), Some(0), "{}", said(&init));
        login_in(&store, "hypertop_test_team_writer", team::WRITER_ROLE);
        login_in(&store, "hypertop_test_team_writer2", team::WRITER_ROLE);
        login_in(&store, "hypertop_test_team_reader", team::READER_ROLE);
        let as_writer = format!("{store} user=hypertop_test_team_writer");
        let as_writer2 = format!("{store} user=hypertop_test_team_writer2");
        let as_reader = format!("{store} user=hypertop_test_team_reader");
        let recorder = tempfile::tempdir().unwrap();
        let rec = hypertop(
            &["record", "--once", "--into", &as_writer, &target],
            recorder.path(),
            None,
        );
        assert_eq!(rec.status.code(), Some(0), "{}", said(&rec));
        let kept = || {
            psql(
                &store,
                "SELECT count(*), string_agg(DISTINCT written_by, ','), max(at) FROM hypertop.kept",
            )
        };
        let after_recorder = kept();
        assert!(
            after_recorder.starts_with(|c: char| c != '0')
                && after_recorder.contains("|hypertop_test_team_writer|"),
            "{after_recorder}"
        );

        // another bastion as the recorders' login: what the recorder kept, nothing read again
        assert_eq!(
            check_reads(Some(&as_writer)),
            (0, 0),
            "the structure or the files were read again"
        );
        let bastion = tempfile::tempdir().unwrap();
        assert_eq!(
            snapshot(bastion.path(), Some(&as_writer)),
            snapshot(tempfile::tempdir().unwrap().path(), None),
            "what the team kept shows what a cold read shows"
        );
        // a reader's login and another writer's take none of it (each starts cold), and the
        // reader writes nothing into the store
        let before = kept();
        assert!(
            check_reads(Some(&as_reader)).0 > 0,
            "a reader took another login's values"
        );
        assert_eq!(kept(), before, "a reader's login wrote into the store");
        assert!(
            check_reads(Some(&as_writer2)).0 > 0,
            "a writer took another login's values"
        );
        // ... nor can it write a value as the first, or change one of its values
        for forged in [
            "INSERT INTO hypertop.kept (system_identifier, database_oid, written_by, identity, name, at, value)
             VALUES ('1', 1, 'hypertop_test_team_writer', 'x', 'x', now(), '')",
            "UPDATE hypertop.kept SET value = '' WHERE written_by = 'hypertop_test_team_writer'",
        ] {
            let denied = psql_failing(
                &as_writer2,
                &format!("SET ROLE {}; {forged}", team::WRITER_ROLE),
            );
            assert!(denied.contains("permission denied"), "{denied}");
        }
        // the control: without the store, a bastion's first check reads it all
        assert!(check_reads(None).0 > 0, "a cold check read no structure");
    }
}

/// `record --targets FILE`: one process records every target of the file into the team's
/// store, each as `record` records one; a target that cannot be reached is said by its name
/// and the others are recorded all the same.
#[test]
fn one_recorder_records_a_targets_file_into_the_store() {
    let Some(server) = newest_native_servers("team_fleet_a", None)
        .into_iter()
        .next()
    else {
        eprintln!("no native TimescaleDB server: the team store is checked there");
        return;
    };
    let a = server.conninfo;
    let b = newest_native_servers("team_fleet_b", None)
        .into_iter()
        .next()
        .unwrap()
        .conninfo;
    let (_, store) = stores("team_fleet").pop().unwrap();
    let home = tempfile::tempdir().unwrap();
    let init = hypertop(
        &["record", "--init-store", "--into", &store],
        home.path(),
        None,
    );
    assert_eq!(init.status.code(), Some(0), "{}", said(&init));
    let port = crate::engines::free_port();
    let file = home.path().join("targets.toml");
    std::fs::write(
        &file,
        format!(
            "[profiles.alpha]\nconninfo = \"{a}\"\n[profiles.beta]\nconninfo = \"{b}\"\n\
             [profiles.gone]\nconninfo = \"host=127.0.0.1 port={port} user=postgres dbname=x connect_timeout=2\"\n"
        ),
    )
    .unwrap();
    let out = hypertop(
        &[
            "record",
            "--once",
            "--targets",
            file.to_str().unwrap(),
            "--into",
            &store,
        ],
        home.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("gone: cannot connect"),
        "{}",
        said(&out)
    );
    let oid = |c: &str| {
        psql(
            c,
            "SELECT oid FROM pg_database WHERE datname = current_database()",
        )
    };
    assert_eq!(
        psql(
            &store,
            "SELECT string_agg(database_oid::text, ',' ORDER BY database_oid) FROM hypertop.frame"
        ),
        {
            let mut oids = [oid(&a).parse::<i64>().unwrap(), oid(&b).parse().unwrap()];
            oids.sort_unstable();
            format!("{},{}", oids[0], oids[1])
        },
        "each reachable target's frame"
    );
}
