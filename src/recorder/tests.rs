//! The recorder on real SQLite files in temporary folders, with writers in other processes
//! (this test binary run again as a child writer).

use super::*;
use crate::model::fixtures;
use crate::problems::Thresholds;
use crate::recording::bounds::{Bounds, Tier};
use crate::recording::error::RecordError;
use crate::recording::store::{Frame, Store};
use crate::store::Dataset;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MINUTE_MS: i64 = 60_000;

fn at_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// A frame like a quiet database's: three sections that stay, one that moves with `n`.
fn frame(n: i64, at: i64, tag: &str) -> Frame {
    Frame {
        at: at_ms(at),
        sections: vec![
            (
                "json:server".into(),
                format!("{{\"connections\":{}}}", n % 7),
            ),
            (
                "json:hypertables".into(),
                "[{\"name\":\"metrics\"}]".repeat(20),
            ),
            ("json:jobs".into(), "[]".into()),
            (
                "json:activity".into(),
                format!("[{{\"tag\":\"{tag}\",\"n\":{n}}}]"),
            ),
        ],
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A snapshot with awkward text in it: quotes, braces, commas and escapes in a job's error.
fn snapshot() -> crate::snapshot::Snapshot {
    let mut data = Dataset::new(Some(fixtures::caps()));
    let now = fixtures::t("2026-11-21T12:30:00Z");
    let mut job = fixtures::job(7, "policy_retention", Some("metrics"), 2, true);
    job.last_error = Some("lock \"x\",{\"y\":[1]} \\ done\n\u{202e}é".into());
    data.jobs.set(vec![job], now, Duration::ZERO);
    let child = fixtures::cagg("daily", Some("hourly"), "2026-11-21T11:00:00Z", 60.0);
    data.caggs.set(vec![child], now, Duration::ZERO);
    data.summary.set(fixtures::summary(), now, Duration::ZERO);
    data.hypertables.set(vec![], now, Duration::ZERO);
    let limits = Thresholds::default();
    data.update_problems(&limits, now);
    crate::snapshot::Snapshot { data, limits }
}

#[test]
fn a_frame_prints_back_as_snapshot_printed_it() {
    let snap = snapshot();
    let at = fixtures::t("2026-11-21T12:30:05.250Z");
    let frame = frame_of(&snap, at).unwrap();
    let dir = temp();
    let mut store = Store::create(&dir.path().join("r.sqlite"), Bounds::default()).unwrap();
    store.append(&frame).unwrap();
    let back = store.at_or_before(at).unwrap().unwrap();
    assert_eq!(back, frame);
    // JSON: the same document, laid out the same, with when it was recorded first
    let live = serde_json::to_string_pretty(&snap.document()).unwrap();
    let replayed = replay_json(&back);
    let expected = format!(
        "{{\n  \"recorded_at\": \"2026-11-21T12:30:05.250Z\",{}",
        &live[1..]
    );
    assert_eq!(replayed, expected);
    let mut v: serde_json::Value = serde_json::from_str(&replayed).unwrap();
    v.as_object_mut().unwrap().remove("recorded_at");
    assert_eq!(v, snap.to_json());
    // text: the UTC text form, under the line saying when
    let text = replay_text(&back, u16::MAX);
    assert_eq!(
        text,
        format!(
            "recorded at 2026-11-21 12:30:05 UTC (times below are UTC)\n\n{}",
            snap.to_text(true, u16::MAX)
        )
    );
    assert!(replay_text(&back, 40)
        .lines()
        .all(|l| l.chars().count() <= 40));
}

#[test]
fn members_of_a_compact_object_are_split_where_they_end() {
    let v =
        serde_json::json!({"a": {"b": [1, {"c": "}],\\\"{"}]}, "d\"": "x,y", "e": [], "f": null});
    let compact = serde_json::to_string(&v).unwrap();
    let members = top_level(&compact).unwrap();
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["a", "d\"", "e", "f"]);
    for (k, text) in &members {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(value, v[k], "{k}");
    }
    assert_eq!(pretty(&compact), serde_json::to_string_pretty(&v).unwrap());
    assert!(top_level("[1]").is_none());
    assert_eq!(top_level("{}").unwrap(), vec![]);
}

#[test]
fn a_quiet_database_stores_each_value_once() {
    let dir = temp();
    let mut store = Store::create(&dir.path().join("r.sqlite"), Bounds::default()).unwrap();
    for n in 0..100 {
        store.append(&frame(n, n * MINUTE_MS, "q")).unwrap();
    }
    // seven server values, one hypertables, one jobs, a hundred activities
    assert_eq!(store.bodies().unwrap(), 7 + 1 + 1 + 100);
    let f = store
        .at_or_before(at_ms(42 * MINUTE_MS + 59_999))
        .unwrap()
        .unwrap();
    assert_eq!(f, frame(42, 42 * MINUTE_MS, "q"));
    assert_eq!(store.at_or_before(at_ms(-1)).unwrap(), None);
    assert_eq!(store.times().unwrap().len(), 100);
}

#[test]
fn the_store_is_private_to_its_owner() {
    let dir = temp();
    let folder = dir.path().join("state/hypertop/record");
    let path = folder.join("r.sqlite");
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    store.append(&frame(1, 0, "m")).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&dir.path().join("state/hypertop")), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    drop(store);
    // one an older umask left open is closed again
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    Store::create(&path, Bounds::default()).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&folder), 0o700);
    // a symlink planted at its place is not followed
    let link = folder.join("l.sqlite");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert!(Store::create(&link, Bounds::default()).is_err());
    assert!(Store::open(&link).is_err());
    assert!(Store::open(&folder.join("none.sqlite")).unwrap().is_none());
}

#[test]
fn a_file_of_a_newer_schema_is_refused() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    drop(Store::create(&path, Bounds::default()).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = Store::open(&path).err().unwrap();
    assert!(
        matches!(e, RecordError::NewerSchema { version: 99, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("schema version 99"), "{e}");
}

/// Minute frames for a simulated week: the last two days kept whole, the four before one an
/// hour, nothing older, and the pages in use within the bound.
#[test]
fn a_week_of_minute_frames_stays_within_its_bounds() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let bounds = Bounds {
        tiers: vec![
            Tier {
                within: Duration::from_secs(3600),
                every: Duration::ZERO,
            },
            Tier {
                within: Duration::from_secs(2 * 86_400),
                every: Duration::from_secs(60),
            },
            Tier {
                within: Duration::from_secs(6 * 86_400),
                every: Duration::from_secs(3600),
            },
        ],
        max_bytes: 4 << 20,
        prune_every: Duration::from_secs(600),
    };
    let mut store = Store::create(&path, bounds).unwrap();
    let week = 7 * 24 * 60;
    let started = std::time::Instant::now();
    for n in 0..week {
        store.append(&frame(n, n * MINUTE_MS, "w")).unwrap();
    }
    let took = started.elapsed();
    let now = (week - 1) * MINUTE_MS;
    store.prune(now).unwrap();
    let times: Vec<i64> = store
        .times()
        .unwrap()
        .iter()
        .map(|t| t.timestamp_millis())
        .collect();
    let age = |t: &&i64| now - **t;
    let recent = times
        .iter()
        .filter(|t| age(t) < 2 * 1440 * MINUTE_MS)
        .count();
    let older: Vec<&i64> = times
        .iter()
        .filter(|t| age(t) >= 2 * 1440 * MINUTE_MS)
        .collect();
    assert_eq!(recent, 2 * 1440);
    assert_eq!(older.len(), 4 * 24, "one an hour for four days");
    assert!(
        older.iter().all(|t| *t % (60 * MINUTE_MS) == 0),
        "each hour's first"
    );
    assert!(older.iter().all(|t| age(t) < 6 * 1440 * MINUTE_MS));
    // and each kept frame reads back whole
    let n = older[3] / MINUTE_MS;
    assert_eq!(
        store.at_or_before(at_ms(*older[3])).unwrap().unwrap(),
        frame(n, n * MINUTE_MS, "w")
    );
    // the values only dropped frames held went with them: each kept frame's activity, the
    // seven server values, the hypertables and the jobs
    assert_eq!(store.bodies().unwrap(), times.len() as i64 + 9);
    let used = store.used_bytes().unwrap();
    let file = std::fs::metadata(&path).unwrap().len();
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    eprintln!(
        "a week of minute frames: {} kept, {used} bytes in use, file {file} + wal {wal}, {:?} a frame written",
        times.len(),
        took / week as u32
    );
    assert!(used <= 4 << 20 && file <= 4 << 20, "{used} {file}");
    assert!(wal <= 8 << 20, "{wal}");
}

/// Frames that share nothing, over a small bound: the oldest go, the newest stay, and the
/// file gives its free pages back.
#[test]
fn the_size_bound_drops_the_oldest_frames() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let bounds = Bounds {
        max_bytes: 1 << 20,
        prune_every: Duration::from_secs(60),
        ..Bounds::default()
    };
    let mut store = Store::create(&path, bounds).unwrap();
    for n in 0..1500i64 {
        let mut f = frame(n, n * MINUTE_MS, "s");
        f.sections
            .push(("json:big".into(), format!("\"{n}{}\"", "x".repeat(2000))));
        store.append(&f).unwrap();
    }
    let used = store.used_bytes().unwrap();
    let file = std::fs::metadata(&path).unwrap().len();
    assert!(used <= 1 << 20, "{used}");
    assert!(file <= (1 << 20) + (64 << 10), "{file}");
    let times = store.times().unwrap();
    assert!(times.len() > 100 && times.len() < 600, "{}", times.len());
    assert_eq!(times.last().unwrap().timestamp_millis(), 1499 * MINUTE_MS);
}

/// The child writer: `HYPERTOP_TEST_RECORD` names the file; it writes `…_COUNT` frames (none:
/// until killed), each tagged, saying on stdout each one committed. Run on its own (without
/// the variable) it does nothing.
#[test]
fn child_writer() {
    let Some(path) = std::env::var_os("HYPERTOP_TEST_RECORD") else {
        return;
    };
    let count: i64 = std::env::var("HYPERTOP_TEST_RECORD_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(i64::MAX);
    let tag = std::env::var("HYPERTOP_TEST_RECORD_TAG").unwrap_or_default();
    let mut store = Store::create(Path::new(&path), Bounds::default()).unwrap();
    use std::io::Write;
    for n in 0..count {
        let mut f = frame(n, 1_000_000 + n, &tag);
        // big enough that a kill lands inside a write now and then
        f.sections.push((
            "json:big".into(),
            format!("\"{tag}{n}{}\"", "y".repeat(20_000)),
        ));
        store.append(&f).unwrap();
        println!("committed {n}");
        std::io::stdout().flush().unwrap();
    }
}

fn child(path: &Path, count: Option<i64>, tag: &str) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "recorder::tests::child_writer",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("HYPERTOP_TEST_RECORD", path)
    .env("HYPERTOP_TEST_RECORD_TAG", tag)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::inherit());
    if let Some(c) = count {
        cmd.env("HYPERTOP_TEST_RECORD_COUNT", c.to_string());
    }
    cmd.spawn().unwrap()
}

/// Every frame of a store, by its activity section's tag and number.
fn tags(store: &Store) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mut q = conn
        .prepare(
            "SELECT b.value FROM section s JOIN body b ON b.id = s.body WHERE s.name = 'json:activity'",
        )
        .unwrap();
    let rows = q.query_map([], |r| r.get::<_, String>(0)).unwrap();
    for r in rows {
        let v: serde_json::Value = serde_json::from_str(&r.unwrap()).unwrap();
        out.push((
            v[0]["tag"].as_str().unwrap().to_string(),
            v[0]["n"].as_i64().unwrap(),
        ));
    }
    out.sort();
    out
}

/// Two processes appending at once: every frame of each is there.
#[test]
fn two_writers_at_once_lose_nothing() {
    let dir = temp();
    let path = dir.path().join("record/r.sqlite");
    let n = 150;
    let mut a = child(&path, Some(n), "a");
    let mut b = child(&path, Some(n), "b");
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let store = Store::open(&path).unwrap().unwrap();
    let expected: Vec<(String, i64)> = ["a", "b"]
        .iter()
        .flat_map(|t| (0..n).map(move |i| (t.to_string(), i)))
        .collect();
    assert_eq!(tags(&store), expected);
}

/// A writer killed (SIGKILL) while writing: the store opens, is consistent, and holds every
/// frame it said was committed, each whole.
#[test]
fn a_killed_writer_leaves_a_readable_store() {
    use std::io::BufRead;
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let mut w = child(&path, None, "k");
    let mut lines = std::io::BufReader::new(w.stdout.take().unwrap()).lines();
    let mut committed = -1;
    while committed < 60 {
        let line = lines.next().unwrap().unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            committed = n.parse().unwrap();
        }
    }
    w.kill().unwrap();
    w.wait().unwrap();
    let store = Store::open(&path).unwrap().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let found = tags(&store);
    assert!(
        found.len() as i64 > committed,
        "{} of {committed}",
        found.len()
    );
    for (i, (tag, n)) in found.iter().enumerate() {
        assert_eq!((tag.as_str(), *n), ("k", i as i64));
        let f = store.at_or_before(at_ms(1_000_000 + n)).unwrap().unwrap();
        assert_eq!(f.sections.len(), 5, "frame {n} whole");
        assert!(f.sections[4].1.starts_with(&format!("\"k{n}y")));
    }
}

/// Reading takes no write lock: a reader is served while a writer holds its transaction, and a
/// file with no schema yet reads as nothing recorded.
#[test]
fn a_reader_does_not_wait_for_a_writer() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    std::fs::write(&path, b"").unwrap();
    assert!(Store::open(&path).unwrap().is_none(), "no schema yet");
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    store.append(&frame(1, 5, "r")).unwrap();
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM frame;")
        .unwrap();
    let started = std::time::Instant::now();
    let reader = Store::open(&path).unwrap().unwrap();
    assert_eq!(reader.times().unwrap().len(), 1, "the last committed state");
    assert!(started.elapsed() < Duration::from_secs(2));
    writer.execute_batch("ROLLBACK").unwrap();
}

/// A console's hour of reads, recorded and read back: the history made from the recording
/// draws what the console drew.
#[test]
fn a_recorded_hour_gives_back_the_consoles_pictures() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    let mut live = crate::history::History::default();
    live.record();
    let start = 1_800_000_000i64;
    let mut summary = fixtures::summary();
    for i in 0..150i64 {
        let when = DateTime::from_timestamp(start + 20 * i, 0).unwrap();
        summary.server_now = when;
        summary.rows_inserted = Some(500 * i);
        live.summary(&summary);
        let mut cagg = fixtures::cagg("hourly", None, "2026-11-23T00:00:00Z", 0.0);
        cagg.lag_seconds = Some(100.0 + (i % 9) as f64);
        cagg.last_success = Some(DateTime::from_timestamp(start + 20 * (i - i % 45), 0).unwrap());
        live.caggs(&[cagg], when);
        let table = fixtures::hypertable("metrics", 4, 1, 1 << 20 | (i / 30) << 13);
        live.hypertables(&[table], when);
        // written as a console writes them: each read's, apart
        store.append_samples(&live.take_samples()).unwrap();
    }
    let now = start + 20 * 149;
    let samples = store.samples_since((now - 3600) as u32).unwrap();
    let mut restored = crate::history::History::default();
    restored.restore(&samples);
    let hour = |h: &crate::history::History| {
        let t = &h.caggs["telemetry.hourly"];
        (
            t.lag.hour(),
            t.refreshes.hour(),
            h.hypertable_bytes["telemetry.metrics"].hour(),
            h.ingest.buckets(now as u32, 3600, 60),
        )
    };
    assert_eq!(hour(&restored), hour(&live));
    // one size sample per change (five), not one per read (150)
    let sizes = store.samples_since(0).unwrap();
    let n = sizes
        .iter()
        .filter(|s| matches!(s.series, crate::history::Series::HypertableBytes(_)))
        .count();
    assert_eq!(n, 5);
}

/// A week of a console's samples at a 20 s refresh: the last hour whole, one a minute before
/// it, nothing past the age, and a size that never moved still read back.
#[test]
fn a_week_of_samples_is_thinned_like_the_frames() {
    use crate::history::{Sample, Series};
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let bounds = Bounds {
        prune_every: Duration::from_secs(600),
        ..Bounds::default()
    }
    .with_max_age(Duration::from_secs(2 * 86_400));
    let mut store = Store::create(&path, bounds).unwrap();
    let start = 1_800_000_000u32;
    let size = Series::HypertableBytes("s.still".into());
    store
        .append_samples(&[Sample {
            series: size.clone(),
            at: start,
            value: 8192.0,
        }])
        .unwrap();
    let reads = 3 * 86_400 / 20;
    for batch in (0..reads).collect::<Vec<u32>>().chunks(30) {
        let samples: Vec<Sample> = batch
            .iter()
            .map(|&i| Sample {
                series: Series::Blocked,
                at: start + 20 * i,
                value: (i % 5) as f64,
            })
            .collect();
        store.append_samples(&samples).unwrap();
    }
    let now = start + 20 * (reads - 1);
    store.prune(i64::from(now) * 1000).unwrap();
    let all = store.samples_since(0).unwrap();
    let blocked: Vec<u32> = all
        .iter()
        .filter(|s| s.series == Series::Blocked)
        .map(|s| s.at)
        .collect();
    let recent = blocked.iter().filter(|&&t| now - t < 3600).count();
    assert_eq!(recent, 180, "the last hour whole");
    let older: Vec<u32> = blocked
        .iter()
        .copied()
        .filter(|&t| now - t >= 3600)
        .collect();
    assert!(
        older.iter().all(|&t| now - t < 2 * 86_400),
        "nothing past two days"
    );
    let minutes: std::collections::BTreeSet<u32> = older.iter().map(|t| t / 60).collect();
    assert_eq!(minutes.len(), older.len(), "one a minute");
    assert!(older.len() >= 47 * 60 - 2, "{}", older.len());
    // the size recorded three days ago, never changed since, is still its size
    let kept: Vec<&Sample> = all.iter().filter(|s| s.series == size).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        store
            .samples_since(now - 3600)
            .unwrap()
            .iter()
            .filter(|s| s.series == size)
            .count(),
        1,
        "read back before the hour, to carry forward"
    );
}

/// A recording made before samples were kept (schema 1) takes them on when a writer opens it;
/// its frames stay.
#[test]
fn a_recording_of_the_first_schema_is_brought_up_to_date() {
    let dir = temp();
    let path = dir.path().join("r.sqlite");
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    store.append(&frame(1, 1_000, "old")).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE sample; DROP TABLE series; DROP TABLE kept; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let reader = Store::open(&path).unwrap().unwrap();
    assert!(
        reader.times().unwrap().len() == 1,
        "a reader reads it as it is"
    );
    drop(reader);
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    assert_eq!(
        store.at_or_before(at_ms(2_000)).unwrap().unwrap(),
        frame(1, 1_000, "old")
    );
    let sample = crate::history::Sample {
        series: crate::history::Series::WorstLag,
        at: 5,
        value: 1.0,
    };
    store.append_samples(std::slice::from_ref(&sample)).unwrap();
    assert_eq!(store.samples_since(0).unwrap(), vec![sample]);
    // and what a one-shot read keeps, handed back only for the same server
    let parts = [("sizes", &b"kept"[..]), ("structure", &b"also"[..])];
    store.keep("server A", 1, parts).unwrap();
    let kept = |identity| -> Vec<(String, Vec<u8>)> {
        let kept = store.kept(identity).unwrap().into_iter();
        kept.map(|(n, _, v)| (n, v)).collect()
    };
    let owned = |(n, v): (&str, &[u8])| (n.to_string(), v.to_vec());
    assert_eq!(kept("server A"), parts.map(owned).to_vec());
    assert_eq!(kept("server B"), vec![]);
    // each identity's apart (two roles reading the same database)
    store.keep("server B", 2, [("sizes", &b"B's"[..])]).unwrap();
    assert_eq!(kept("server B"), vec![owned(("sizes", b"B's"))]);
    assert_eq!(kept("server A"), parts.map(owned).to_vec());
    // another identity's, written more than a day before, is let go
    let day = 24 * 3600 * 1000;
    store
        .keep("server B", 2 + day, [("sizes", &b"later"[..])])
        .unwrap();
    assert_eq!(kept("server A"), vec![]);
    assert_eq!(kept("server B"), vec![owned(("sizes", b"later"))]);
}
