//! The flight recorder from the command line: `hypertop record --once` across a planted
//! incident, and `snapshot --at` printing back each moment as `snapshot` printed it then.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::engines::{engine_with_files, psql};

fn hypertop(args: &[&str], state: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(args)
        .stdin(Stdio::null())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env("XDG_STATE_HOME", state)
        .output()
        .expect("run hypertop")
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The sections whose rows a replay must give back as they were, with what moves with the
/// clock between a recorded read and a live one a moment later taken out (a cagg's lag is
/// counted to now; the server's figures and sessions are the other read's).
fn data(mut v: Value) -> Value {
    let mut out = serde_json::Map::new();
    for section in [
        "hypertables",
        "compression",
        "retention",
        "indexes",
        "jobs",
        "caggs",
        "statements",
        "partitions",
        "materialized_views",
    ] {
        let mut s = v[section].take();
        for row in s.as_array_mut().into_iter().flatten() {
            if let Some(r) = row.as_object_mut() {
                r.remove("lag_seconds");
            }
        }
        out.insert(section.into(), s);
    }
    Value::Object(out)
}

#[test]
fn snapshot_at_replays_each_moment_of_a_recording() {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let conninfo = engine.conninfo();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();

    let before = now();
    ok(&hypertop(&["record", "--once", &conninfo], state));
    let live1: Value =
        serde_json::from_str(&ok(&hypertop(&["snapshot", &conninfo], state))).unwrap();
    let t1 = now();

    // the incident: the hypertable grows five days of chunks, the failing job fails on
    psql(
        &conninfo,
        "INSERT INTO scn.metrics SELECT t, 1, 2.5 FROM generate_series('2024-01-11'::timestamptz, '2024-01-15 23:00', '1 hour') t;
         UPDATE _timescaledb_internal.bgw_job_stat SET consecutive_failures = 9, total_failures = 10
          WHERE job_id = (SELECT id FROM _timescaledb_config.bgw_job WHERE proc_name = 'nightly_export');",
    );
    ok(&hypertop(&["record", "--once", &conninfo], state));
    let live2: Value =
        serde_json::from_str(&ok(&hypertop(&["snapshot", &conninfo], state))).unwrap();
    let t2 = now();
    assert_ne!(
        data(live1.clone()),
        data(live2.clone()),
        "the incident shows"
    );

    for (at, live) in [(&t1, &live1), (&t2, &live2)] {
        let out = ok(&hypertop(&["snapshot", "--at", at, &conninfo], state));
        let replayed: Value = serde_json::from_str(&out).unwrap();
        let recorded_at = replayed["recorded_at"].as_str().unwrap();
        assert!(
            before.as_str() <= recorded_at && recorded_at <= at.as_str(),
            "{before} {recorded_at} {at}"
        );
        assert_eq!(data(replayed.clone()), data(live.clone()), "at {at}");
        // the server's own facts are the recorded read's
        assert_eq!(
            replayed["server"]["server_version"],
            live["server"]["server_version"]
        );
    }
    let job = |v: &Value| -> Value {
        v["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["proc_name"] == "nightly_export")
            .unwrap()["consecutive_failures"]
            .clone()
    };
    let at1: Value =
        serde_json::from_str(&ok(&hypertop(&["snapshot", "--at", &t1, &conninfo], state))).unwrap();
    assert_eq!((job(&at1), job(&live2)), (3.into(), 9.into()));

    // the text form says when, and shows that moment's table
    let text = ok(&hypertop(
        &["snapshot", "--at", &t1, "--format", "text", &conninfo],
        state,
    ));
    assert!(text.starts_with("recorded at "), "{text}");
    assert!(
        text.contains("== jobs") && text.contains("nightly_export"),
        "{text}"
    );
    // a duration ago: the latest frame
    let latest: Value = serde_json::from_str(&ok(&hypertop(
        &["snapshot", "--at", "0s", &conninfo],
        state,
    )))
    .unwrap();
    assert_eq!(data(latest), data(live2));

    // before the recording, or of a database never recorded: said, exit 1
    let early = hypertop(
        &["snapshot", "--at", "2000-01-01T00:00:00Z", &conninfo],
        state,
    );
    assert_eq!(early.status.code(), Some(1));
    let said = String::from_utf8_lossy(&early.stderr);
    assert!(
        said.contains("nothing was recorded") && said.contains("starts at"),
        "{said}"
    );
    let other = conninfo.replace("dbname=postgres", "dbname=other");
    let none = hypertop(&["snapshot", "--at", "0s", &other], state);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("hypertop record"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
    let bad = hypertop(&["snapshot", "--at", "teatime", &conninfo], state);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a time"));

    // one private file under the state folder
    let dir = state.join("hypertop/record");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let file = recording_in(state);
    assert_eq!(mode(&file), 0o600);
    let bytes = std::fs::metadata(&file).unwrap().len();
    eprintln!("two frames of the scenario: {bytes} bytes");
}

/// The file `record` writes for `conninfo`'s database under `state`.
fn recording(state: &std::path::Path, conninfo: &str) -> std::path::PathBuf {
    let port = conninfo
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("port="))
        .unwrap();
    hypertop::recording::place::file_in(
        &state.join("hypertop/record"),
        "127.0.0.1",
        port,
        "postgres",
    )
}

fn frames(path: &std::path::Path) -> usize {
    hypertop::recording::store::Store::open(path)
        .unwrap()
        .map_or(0, |s| s.times().unwrap().len())
}

/// Starts `record --every 1s` and waits until it has written `n` frames more than `had`.
fn recording_until(
    conninfo: &str,
    state: &std::path::Path,
    had: usize,
    n: usize,
) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["record", "--every", "1s", conninfo])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env("XDG_STATE_HOME", state)
        .spawn()
        .unwrap();
    let path = recording(state, conninfo);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while frames(&path) < had + n {
        assert!(std::time::Instant::now() < deadline, "no frames in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child
}

/// The daemon ends at SIGTERM with status 0; killed outright, it leaves a store that opens and
/// prints its last frame.
#[test]
fn record_ends_at_sigterm_and_survives_sigkill() {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let conninfo = engine.conninfo();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    let path = recording(state, &conninfo);

    let mut child = recording_until(&conninfo, state, 0, 2);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let after_term = frames(&path);
    assert!(after_term >= 2);

    let mut child = recording_until(&conninfo, state, after_term, 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = frames(&path);
    assert!(after_kill >= after_term + 2, "{after_term} {after_kill}");
    let out = ok(&hypertop(&["snapshot", "--at", "0s", &conninfo], state));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["hypertables"].as_array().is_some_and(|h| !h.is_empty()),
        "{v}"
    );
}

/// The scenario on the engine, recorded once into a state folder of its own.
fn recorded_once() -> (crate::engines::Engine, String, tempfile::TempDir) {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let conninfo = engine.conninfo();
    let state = tempfile::tempdir().unwrap();
    ok(&hypertop(&["record", "--once", &conninfo], state.path()));
    (engine, conninfo, state)
}

/// The one recording under `state` (made by `record --once`).
fn recording_in(state: &std::path::Path) -> std::path::PathBuf {
    let dir = state.join("hypertop/record");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// A console opened after 47 minutes of recorded reads shows a pulse of 47 minutes at once,
/// and records its own reads into the same recording; under --no-record it records nothing.
#[test]
fn the_console_starts_its_pictures_from_the_recording_and_records_its_reads() {
    use crate::pty::Pty;
    use hypertop::history::{Sample, Series};
    use hypertop::recording::{bounds::Bounds, store::Store};
    let (_engine, conninfo, state) = recorded_once();
    let path = recording_in(state.path());
    let started = chrono::Utc::now().timestamp() as u32;
    let seeded: Vec<Sample> = (1..=47)
        .rev()
        .map(|m| Sample {
            series: Series::Blocked,
            at: started - 60 * m,
            value: (m % 3) as f64,
        })
        .collect();
    Store::create(&path, Bounds::default())
        .unwrap()
        .append_samples(&seeded)
        .unwrap();

    let wait = std::time::Duration::from_secs(20);
    let console = |extra: &[&str], state: &std::path::Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
        cmd.arg(&conninfo)
            .args(["--refresh", "1", "--utc"])
            .args(extra)
            .env("XDG_STATE_HOME", state);
        Pty::spawn_sized(cmd, 80, 24)
    };
    let mut pty = console(&[], state.path());
    pty.wait_for_output("Pulse", wait);
    // the recorded hour, not the console's few seconds
    pty.wait_for_output("47m", wait);
    // further back: six hours, read from the recording on its thread; and back to the hour
    pty.write(b"[");
    pty.wait_until_gone("47m", wait);
    pty.wait_for_output("6h", wait);
    pty.type_until(b"]", "47m", wait);
    // a few reads of its own
    std::thread::sleep(std::time::Duration::from_secs(3));
    pty.write(b"q");
    assert_eq!(pty.wait(wait).code(), Some(0));
    let store = Store::open(&path).unwrap().unwrap();
    let own: Vec<Sample> = store
        .samples_since(started)
        .unwrap()
        .into_iter()
        .filter(|s| s.series == Series::FailingJobs)
        .collect();
    // (a read's rest on the engine is longer than these seconds: one read of the jobs)
    assert!(!own.is_empty(), "the console's reads are recorded");
    // the scenario's one failing job
    assert!(own.iter().all(|s| s.value >= 1.0), "{own:?}");

    let quiet = tempfile::tempdir().unwrap();
    let mut pty = console(&["--no-record"], quiet.path());
    pty.wait_for_output("Pulse", wait);
    // nothing to reach further back into: said
    pty.type_until(b"[", "No recording", wait);
    pty.escape_from("No recording", wait);
    std::thread::sleep(std::time::Duration::from_secs(2));
    pty.write(b"q");
    assert_eq!(pty.wait(wait).code(), Some(0));
    assert!(
        !quiet.path().join("hypertop").exists(),
        "--no-record writes nothing"
    );
}

/// `record` keeps what the pictures need besides its frames: each hypertable's size as the
/// snapshot of the same moment says it, and the failing jobs.
#[test]
fn record_keeps_the_samples_a_console_starts_from() {
    use hypertop::history::Series;
    use hypertop::recording::store::Store;
    let (_engine, conninfo, state) = recorded_once();
    let live: Value =
        serde_json::from_str(&ok(&hypertop(&["snapshot", &conninfo], state.path()))).unwrap();
    let store = Store::open(&recording_in(state.path())).unwrap().unwrap();
    let samples = store.samples_since(0).unwrap();
    let tables = live["hypertables"].as_array().unwrap();
    assert!(!tables.is_empty());
    for t in tables {
        // as the rows' ids: quoted where a name needs it (the scenario's hostile ones do)
        let key =
            hypertop::format::qualified(t["schema"].as_str().unwrap(), t["name"].as_str().unwrap());
        let recorded: Vec<f64> = samples
            .iter()
            .filter(|s| s.series == Series::HypertableBytes(key.clone().into()))
            .map(|s| s.value)
            .collect();
        assert_eq!(recorded, vec![t["total_bytes"].as_f64().unwrap()], "{key}");
    }
    let failing = live["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["consecutive_failures"].as_i64().unwrap_or(0) > 0)
        .count();
    let recorded: Vec<f64> = samples
        .iter()
        .filter(|s| s.series == Series::FailingJobs)
        .map(|s| s.value)
        .collect();
    assert_eq!(recorded, vec![failing as f64]);
    assert!(failing > 0, "the scenario plants a failing job");
}

/// `history` says what each journaled action did to what the recording saw: a refresh's lag
/// before it and after, as recorded.
#[test]
fn history_shows_what_the_recording_saw_around_an_action() {
    use hypertop::history::Series;
    use hypertop::recording::store::Store;
    let (_engine, conninfo, state) = recorded_once();
    let journal = state.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let refresh = "refresh scn.metrics_hourly '2024-01-01' '2024-01-08'";
    // samples are kept by the second: the action starts after the first read's, and the
    // second read's is after the action's end
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&hypertop(
        &["run", refresh, "--yes", "--journal", journal, &conninfo],
        state.path(),
    ));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&hypertop(&["record", "--once", &conninfo], state.path()));
    let out = ok(&hypertop(
        &["history", "--utc", "--journal", journal, &conninfo],
        state.path(),
    ));
    let store = Store::open(&recording_in(state.path())).unwrap().unwrap();
    let lag = Series::CaggLag(hypertop::format::qualified("scn", "metrics_hourly").into());
    let lags: Vec<f64> = store
        .samples_since(0)
        .unwrap()
        .into_iter()
        .filter(|s| s.series == lag)
        .map(|s| s.value)
        .collect();
    assert_eq!(lags.len(), 2, "{lags:?}");
    assert_ne!(lags[0], lags[1], "the refresh moved the watermark");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(refresh))
        .unwrap_or_else(|| panic!("{out}"));
    let seen = lines.get(at + 1).copied().unwrap_or_default();
    assert!(seen.trim_start().starts_with("recorded: lag "), "{out}");
    for (value, around) in [(lags[0], " at "), (lags[1], "→ ")] {
        let shown = hypertop::format::seconds(value);
        assert!(
            seen.contains(&shown) && seen.contains(around),
            "{shown}: {out}"
        );
    }
}

/// `hypertop replay` across a planted incident: each tab shows the rows `snapshot --at` prints
/// for that moment (which equal the live snapshot then, above), `.` steps to the next read,
/// and it never connects (the engine is gone when it opens).
#[test]
fn replay_shows_each_moment_as_it_was_and_steps_through_time() {
    use crate::pty::Pty;
    use std::time::Duration;
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let conninfo = engine.conninfo();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    ok(&hypertop(&["record", "--once", &conninfo], state));
    let t1 = now();
    psql(
        &conninfo,
        "UPDATE _timescaledb_internal.bgw_job_stat SET consecutive_failures = 9, total_failures = 10
          WHERE job_id = (SELECT id FROM _timescaledb_config.bgw_job WHERE proc_name = 'nightly_export');",
    );
    ok(&hypertop(&["record", "--once", &conninfo], state));
    let t2 = now();
    // each moment's jobs section as `snapshot --at` prints it (the first 90 columns: a 100-column
    // screen ends a longer line with an ellipsis)
    let jobs_at = |at: &str| -> (usize, Vec<String>) {
        let text = ok(&hypertop(
            &["snapshot", "--at", at, "--format", "text", &conninfo],
            state,
        ));
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("== ")).collect();
        let tab = headings.iter().position(|h| *h == "== jobs").unwrap();
        let rows = text
            .split("== jobs\n")
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| !l.is_empty())
            .map(|l| {
                l.chars()
                    .take(90)
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect();
        (tab, rows)
    };
    let (tab, rows1) = jobs_at(&t1);
    let (_, rows2) = jobs_at(&t2);
    assert_ne!(rows1, rows2, "the incident shows in the jobs table");
    assert!(tab < 9, "{tab}");
    // the engine is gone before the replay opens
    drop(engine);

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args(["replay", "--at", &t1, &conninfo])
        .env("XDG_STATE_HOME", state)
        .env_remove("PGHOST")
        .env_remove("PGPORT");
    let mut pty = Pty::spawn_sized(cmd, 100, 40);
    let limit = Duration::from_secs(20);
    pty.wait_for_output("recorded at", limit);
    pty.type_until(&[b'1' + tab as u8], &rows1[0], limit);
    for row in &rows1 {
        pty.wait_for_output(row, limit);
    }
    // the next read: the same tab, as it was then
    let changed = rows2.iter().find(|r| !rows1.contains(r)).unwrap();
    pty.type_until(b".", changed, limit);
    pty.wait_for_output("read 2 of 2", limit);
    for row in &rows2 {
        pty.wait_for_output(row, limit);
    }
    pty.write(b"q");
    assert_eq!(pty.wait(limit).code(), Some(0));
    crate::pty::assert_screen_restored(&pty.output());

    // no recording: said before the terminal is touched
    let other = conninfo.replace("dbname=postgres", "dbname=other");
    let none = hypertop(&["replay", &other], state);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("hypertop record"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
}

/// A recording proves its server and its owner, as the journal does: the frames of an address
/// re-pointed at another server (the note of the server the file holds is another's) go into
/// a new recording, the other kept aside and named; a damaged recording is moved aside and a
/// new one begun (a record service never loops on it); a recording others may write is
/// refused with the reason, and so is another user's (as root, where a file can be given away).
#[test]
fn recordings_prove_their_server_and_their_owner() {
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (_engine, conninfo, state) = recorded_once();
    let state = state.path();
    let file = recording_in(state);
    let server = |path: &std::path::Path| {
        hypertop::recording::store::Store::open(path)
            .unwrap()
            .unwrap()
            .server()
            .unwrap()
    };
    let ours = server(&file).expect("record notes the server of its frames");
    assert!(ours.contains("database oid"), "{ours}");
    let out = ok(&hypertop(
        &["snapshot", "--at", "0s", "--format", "text", &conninfo],
        state,
    ));
    assert!(out.contains(&format!("server: {ours}")), "{out}");
    let v: Value = serde_json::from_str(&ok(&hypertop(
        &["snapshot", "--at", "0s", &conninfo],
        state,
    )))
    .unwrap();
    assert_eq!(v["recorded_server"], ours.as_str(), "{v}");

    // the same address, another server's frames in the file
    let other = "system 1, database oid 1";
    hypertop::recording::store::Store::open(&file)
        .unwrap()
        .unwrap()
        .set_note("server", other)
        .unwrap();
    let o = hypertop(&["record", "--once", &conninfo], state);
    ok(&o);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("holds frames of server system 1") && said.contains("moved to"),
        "{said}"
    );
    let aside: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".other-server-"))
        .collect();
    assert!(
        aside
            .iter()
            .any(|p| !p.to_string_lossy().ends_with("-wal")
                && !p.to_string_lossy().ends_with("-shm")),
        "{aside:?}"
    );
    assert_eq!(server(&file).as_deref(), Some(ours.as_str()));
    assert_eq!(
        frames(&file),
        1,
        "the new recording holds this server's frame only"
    );

    // damaged: moved aside, a new one begun, the frame written
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", file.display()));
    }
    std::fs::write(
        &file,
        b"not a recording, garbage all the way through ........",
    )
    .unwrap();
    let o = hypertop(&["record", "--once", &conninfo], state);
    ok(&o);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("moved to") && said.contains(".damaged-"),
        "{said}"
    );
    assert_eq!(frames(&file), 1);

    // writable by others: refused by the writer and the reader, with the reason
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    for args in [
        vec!["record", "--once", conninfo.as_str()],
        vec!["snapshot", "--at", "0s", conninfo.as_str()],
    ] {
        let o = hypertop(&args, state);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(
            said.contains("may be written by other users"),
            "{args:?}: {said}"
        );
    }
    assert_eq!(mode(&file), 0o666, "a refused file is left as it is");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // another user's
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
        let o = hypertop(&["record", "--once", &conninfo], state);
        assert_ne!(o.status.code(), Some(0));
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(
            said.contains("belongs to another user (uid 65534)"),
            "{said}"
        );
        std::os::unix::fs::chown(&file, Some(0), Some(0)).unwrap();
    }
}
