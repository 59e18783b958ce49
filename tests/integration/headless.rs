//! Headless use: `snapshot` (the documented JSON schema, equal to the scenario's truth),
//! `check` (Nagios exit codes), profiles, and `hypertop demo` from a clean cache.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::engines::{native_database, on_each_sync, psql, scenario, scenario_servers, Tsdb};

fn hypertop(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("PGHOST")
        .env_remove("PGPORT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run hypertop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The fields every row of each section must carry (docs/headless.md: the snapshot schema).
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "hypertables",
        &[
            "schema",
            "name",
            "chunks",
            "compressed_chunks",
            "total_bytes",
        ],
    ),
    (
        "compression",
        &[
            "schema",
            "name",
            "chunks",
            "compressed_chunks",
            "backlog_chunks",
            "backlog_bytes",
            "before_bytes",
            "after_bytes",
            "compress_after_seconds",
        ],
    ),
    (
        "retention",
        &[
            "schema",
            "name",
            "drop_after_seconds",
            "overdue_chunks",
            "overdue_bytes",
            "job_id",
            "scheduled",
        ],
    ),
    (
        "indexes",
        &[
            "schema",
            "table",
            "name",
            "scans",
            "size_bytes",
            "category",
            "valid",
            "duplicate_of",
        ],
    ),
    (
        "jobs",
        &[
            "job_id",
            "kind",
            "target",
            "scheduled",
            "last_run_status",
            "total_runs",
            "total_failures",
            "consecutive_failures",
            "next_start",
            "last_error",
        ],
    ),
    (
        "caggs",
        &[
            "schema",
            "name",
            "source",
            "parent",
            "watermark",
            "lag_seconds",
            "materialized_only",
            "refresh_policy",
        ],
    ),
    (
        "activity",
        &[
            "pid",
            "database",
            "username",
            "application",
            "backend_type",
            "state",
            "wait_event_type",
            "wait_event",
            "query_start",
            "state_change",
            "query",
            "blocked_by",
            "waiting_for",
            "job_id",
        ],
    ),
    (
        "problems",
        &["severity", "kind", "object", "message", "chain", "root"],
    ),
];

fn row<'a>(v: &'a Value, section: &str, name: &str) -> &'a Value {
    v[section]
        .as_array()
        .unwrap_or_else(|| panic!("{section} is not an array: {v}"))
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {section}"))
}

#[test]
fn snapshot_json_follows_the_schema_and_the_truth() {
    on_each_sync(scenario_servers(), snapshot_json_on);
}

fn snapshot_json_on(server: &Tsdb) {
    let conninfo = server.conninfo.as_str();
    let out = hypertop(&["snapshot", conninfo], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    for (section, fields) in SCHEMA {
        let rows = v[section]
            .as_array()
            .unwrap_or_else(|| panic!("{section}: {}", v[section]));
        // The engine is one session: no other to list (native servers have their own processes).
        if *section == "activity" && !server.native {
            continue;
        }
        assert!(!rows.is_empty(), "{section} is empty");
        for r in rows {
            for f in *fields {
                assert!(r.get(f).is_some(), "{section} row lacks {f}: {r}");
            }
        }
    }
    assert_eq!(row(&v, "compression", "metrics")["backlog_chunks"], 6);
    assert_eq!(
        row(&v, "compression", "metrics")["compress_after_seconds"],
        604800.0
    );
    assert_eq!(
        row(&v, "compression", "logs")["compress_after_seconds"],
        Value::Null
    );
    assert_eq!(row(&v, "retention", "logs")["overdue_chunks"], 5);
    assert_eq!(row(&v, "hypertables", "metrics")["compressed_chunks"], 4);
    assert_eq!(
        row(&v, "indexes", "metrics_time_dup")["duplicate_of"],
        "metrics_time_idx"
    );
    assert_eq!(
        row(&v, "indexes", "metrics_value_idx")["category"],
        "unused"
    );
    let hourly = row(&v, "caggs", "metrics_hourly");
    assert_eq!(hourly["watermark"], "2024-01-05T00:00:00Z", "RFC 3339");
    assert_eq!(hourly["source"], "scn.metrics");
    assert_eq!(hourly["refresh_policy"]["start_offset"], "3 days");
    assert!(hourly["lag_seconds"].as_f64().unwrap() > 86_400.0 * 300.0);
    let job = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["proc_name"] == "nightly_export")
        .unwrap();
    assert_eq!(job["consecutive_failures"], 3);
    assert_eq!(job["last_error"], "export target unreachable");
    assert!(v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["severity"] == "critical" && p["kind"] == "job failing"));
    let major = psql(
        conninfo,
        "SELECT current_setting('server_version_num')::int / 10000",
    );
    assert!(
        v["server"]["version"]
            .as_str()
            .unwrap()
            .starts_with(&format!("PostgreSQL {major}")),
        "{}",
        v["server"]
    );
    // every section read; the statements only where pg_stat_statements is created (the
    // scenario's databases have it loaded at most)
    let unavailable = v["server"]["unavailable"].as_object().unwrap();
    assert!(
        unavailable.keys().all(|k| k == "statements")
            && v["statements"].is_null() == unavailable.contains_key("statements"),
        "{}",
        v["server"]
    );

    // Into a pipe nothing is cut (the index names and notes in full); --width cuts.
    let full = stdout(&hypertop(&["snapshot", "--format", "text", conninfo], &[]));
    assert!(!full.contains('…'), "nothing cut:\n{full}");
    assert!(full.contains("scn.metrics_time_dup"), "{full}");
    let text = stdout(&hypertop(
        &["snapshot", "--format", "text", "--width", "80", conninfo],
        &[],
    ));
    for needle in [
        "== hypertables",
        "scn.metrics",
        "== problems",
        "CRITICAL job failing",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        widest <= 80,
        "readable at 80 columns, widest line {widest}:\n{text}"
    );
}

/// `snapshot` sends its reads pipelined on one connection: a read that fails (here the ones
/// that need `pg_inherits` and `pg_am`, revoked in this database) must not take the reads
/// after it down.
#[test]
fn a_failed_read_in_the_snapshot_pipeline_leaves_the_later_reads_intact() {
    let conninfo = native_database("pipeline");
    psql(
        &conninfo,
        "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
         DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hypertop_noinherits') THEN
                CREATE ROLE hypertop_noinherits LOGIN;
            END IF;
         END $$;
         REVOKE SELECT ON pg_catalog.pg_inherits FROM PUBLIC;
         REVOKE SELECT ON pg_catalog.pg_am FROM PUBLIC;",
    );
    let out = hypertop(
        &["snapshot", &format!("{conninfo} user=hypertop_noinherits")],
        &[],
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let unavailable = &v["server"]["unavailable"];
    // Tables (second in the pipeline) and Indexes (third) fail on the revoked catalog…
    for failed in ["hypertables", "indexes"] {
        assert!(
            unavailable[failed]
                .as_str()
                .is_some_and(|e| e.contains("permission denied")),
            "{failed}: {v:#}"
        );
    }
    // …and the reads before and after them still answer.
    assert!(v["server"]["version"].as_str().is_some(), "{v:#}");
    assert_eq!(
        v["materialized_views"][0]["name"].as_str(),
        Some("mv"),
        "{v:#}"
    );
}

#[test]
fn plain_postgres_snapshot_says_what_is_unavailable_and_check_grades_it() {
    let conninfo = native_database("headless");
    let out = hypertop(&["snapshot", &conninfo], &[]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["hypertables"], Value::Null);
    assert!(v["server"]["unavailable"]["hypertables"]
        .as_str()
        .unwrap()
        .contains("TimescaleDB is not installed"));
    assert!(v["indexes"].is_array());
    // Nothing wrong: OK.
    let out = hypertop(&["check", &conninfo], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("HYPERTOP OK - no problems | critical=0 warning=0"),
        "{}",
        stdout(&out)
    );
    // A duplicate index: WARNING.
    psql(
        &conninfo,
        "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); CREATE INDEX t_a_again ON t (a);",
    );
    let out = hypertop(&["check", &conninfo], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("HYPERTOP WARNING - duplicate index public.t_a_again"),
        "{}",
        stdout(&out)
    );
    // Unreachable: UNKNOWN.
    let out = hypertop(
        &[
            "check",
            "host=127.0.0.1 port=1 connect_timeout=2 sslmode=disable",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).starts_with("HYPERTOP UNKNOWN - cannot connect"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_is_critical_on_the_scenario_with_thresholds_in_perfdata() {
    on_each_sync(scenario_servers(), check_is_critical_on);
}

fn check_is_critical_on(server: &Tsdb) {
    let out = hypertop(
        &[
            "check",
            &server.conninfo,
            "--max-cagg-lag",
            "2h",
            "--max-backlog-chunks",
            "10",
        ],
        &[],
    );
    let line = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{line}");
    assert!(line.starts_with("HYPERTOP CRITICAL - "), "{line}");
    assert!(
        line.contains("max_cagg_lag=")
            && line.contains("s;7200 ")
            && line.contains("backlog_chunks=6;10"),
        "{line}"
    );
    assert!(
        !line.contains("compression backlog"),
        "6 chunks is within --max-backlog-chunks 10: {line}"
    );
    assert_eq!(line.lines().count(), 1);
    // each problem names where the console opens on it: a failing job by its id
    let job = psql(
        &server.conninfo,
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'nightly_export'",
    );
    assert!(
        line.contains(&format!("[--open jobs:{job}]"))
            && line.contains("[--open caggs:scn.metrics_hourly]"),
        "{line}"
    );
}

#[test]
fn profiles_connect_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hypertop");
    std::fs::create_dir_all(&config).unwrap();
    let conninfo = scenario().conninfo();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.lab]\nconninfo = \"{conninfo}\"\nread_only = true\n\n[profiles.lab.check]\nmax_backlog_chunks = 100\nmax_cagg_lag = \"100000d\"\n\n[profiles.broken]\nhost = \"x\"\nprot = 1\n"
        ),
    )
    .unwrap();
    let xdg = dir.path().to_str().unwrap();
    let env = [("XDG_CONFIG_HOME", xdg)];
    // `config check` names the line of the unknown key.
    let out = hypertop(&["config", "check"], &env);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:11:") && err.contains("unknown field `prot`"),
        "{err}"
    );
    let out = hypertop(&["config", "path"], &env);
    assert_eq!(
        stdout(&out).trim(),
        config.join("config.toml").to_str().unwrap()
    );
    std::fs::write(
        config.join("config.toml"),
        format!("[profiles.lab]\nconninfo = \"{conninfo}\"\nread_only = true\n\n[profiles.lab.check]\nmax_backlog_chunks = 100\nmax_cagg_lag = \"100000d\"\n"),
    )
    .unwrap();
    assert_eq!(hypertop(&["config", "check"], &env).status.code(), Some(0));
    // The profile's thresholds apply to check; the profile connects.
    let out = hypertop(&["check", "--profile", "lab"], &env);
    let line = stdout(&out);
    assert!(
        line.contains("backlog_chunks=6;100") && !line.contains("cagg lag"),
        "{line}"
    );
    // -d overrides the profile's database, as flags override a profile (it was refused as
    // "either with -d or as the CONNINFO argument").
    for args in [
        vec!["--profile", "lab", "-d", "postgres", "check"],
        vec!["-d", "postgres", "check", "--profile", "lab"],
    ] {
        let out = hypertop(&args, &env);
        let line = stdout(&out);
        assert!(
            line.contains("backlog_chunks=6;100"),
            "{args:?}: {line}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Its read_only refuses actions; a flag overrides its port (and fails to connect there).
    let out = hypertop(
        &["run", "pause-job 1000", "--profile", "lab", "--yes"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
    let out = hypertop(&["check", "--profile", "lab", "-p", "1"], &env);
    assert!(stdout(&out).contains("port=1"), "{}", stdout(&out));
    // A missing file is an empty config: valid, and naming a profile says there is none.
    let empty = tempfile::tempdir().unwrap();
    let env_empty = [("XDG_CONFIG_HOME", empty.path().to_str().unwrap())];
    let out = hypertop(&["config", "check"], &env_empty);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no such file"), "{}", stdout(&out));
    let out = hypertop(&["check", "--profile", "lab"], &env_empty);
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("it defines none"), "{}", stdout(&out));
    let out = hypertop(&["check", "--profile", "nope"], &env);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("no profile \"nope\"") && stdout(&out).contains("profiles: lab"),
        "{}",
        stdout(&out)
    );
}

/// The demo's port is the same at every launch; taken, it says so at once (before any install)
/// and how to pick another.
#[test]
fn a_demo_port_in_use_is_said_at_once() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["demo", "--port", &port.to_string(), "--dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        err.contains(&format!("port {port} on 127.0.0.1 is in use")) && err.contains("--port"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing installed"
    );
    assert_eq!(hypertop::demo::DEFAULT_PORT, 55432);
}

/// README command 1 from a clean cache, in a terminal: installs, loads, shows the plant.
/// Walking the demo's ranked problem list at 80x24: each planted problem's root cause (the
/// reason, the chain, the error) shows within two keystrokes of the problem before it — one to
/// select its row, at most one (Enter) to open its card, the whole text the pane cuts — and a
/// second Enter opens its evidence (the job's history, the overdue or backlog chunks), from
/// which Esc comes straight back. Returns the keys each took to its cause.
fn triage_in_two_keys(pty: &crate::pty::Pty) -> Vec<(&'static str, usize)> {
    let wait = Duration::from_secs(20);
    let settle = || std::thread::sleep(Duration::from_millis(300));
    // (what, keys after selecting its row, text that shows the root cause, the evidence a
    // second Enter opens)
    let steps: [(&str, &[u8], &str, &str); 7] = [
        ("scheduler not running", b"", "shared_preload_libraries", ""),
        ("job 1007 failing", b"\r", "ERP endpoint", "History of job"),
        ("telemetry_1d never refreshed", b"", "(root cause)", ""),
        // the root (the scheduler, drawn for the row before) stays under this row's first line
        (
            "telemetry_1h lags",
            b"",
            "telemetry_1h: behind its refresh policy",
            "",
        ),
        // the root cause's fix, which the pane cuts at 80 columns, whole in the card
        (
            "retention overdue",
            b"\r",
            "postgresql.conf and restart)",
            "matching /overdue",
        ),
        (
            "compression backlog",
            b"\r",
            "postgresql.conf and restart)",
            "matching /backlog",
        ),
        ("duplicate index", b"", "same keys as", ""),
    ];
    // Every screen read (the heading stops saying the list is partial), then the first row:
    // where a user starts. A fixed wait here let a slow machine select rows of a list that was
    // still filling in.
    pty.wait_for_output("Enter shows the row", wait);
    pty.write(b"g");
    settle();
    let mut counts = Vec::new();
    for (i, (what, then, shows, evidence)) in steps.into_iter().enumerate() {
        let mut keys = 0;
        if i > 0 {
            pty.write(b"j");
            keys += 1;
            settle();
        }
        pty.write(then);
        keys += then.len();
        pty.wait_for_output(shows, wait);
        assert!(keys <= 2, "{what}: {keys} keys");
        counts.push((what, keys));
        if !then.is_empty() {
            // The card says what a second Enter does; that opens the evidence, whose own
            // heading is waited for (an Esc sent before it opened was read with the next
            // step's key as Alt-j, and it stayed open).
            pty.wait_for_output("Enter: ", wait);
            pty.type_until(b"\r", evidence, wait);
            pty.escape_from(evidence, wait);
            pty.wait_for_output("Problems (", wait);
        }
    }
    counts
}

/// The binary the newcomer's tour runs: this build, or `HYPERTOP_TOUR_BIN` (an older build, to
/// time the same tour before a change).
fn tour_binary() -> Command {
    let bin = std::env::var_os("HYPERTOP_TOUR_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_hypertop").into());
    Command::new(bin)
}

/// The tour's last leg at 80x24: one previewed action — a shorter retention on the plant's
/// telemetry, which drops data and so asks for the name — executed, then rolled back; the
/// policy is the demo's again. Returns (step, keystrokes, seconds) for each step.
fn previewed_action_and_rollback(
    pty: &crate::pty::Pty,
    conninfo: &str,
) -> Vec<(&'static str, usize, f64)> {
    let wait = Duration::from_secs(30);
    let retention = || {
        psql(
            conninfo,
            "SELECT config->>'drop_after' FROM timescaledb_information.jobs \
              WHERE proc_name = 'policy_retention' AND hypertable_name = 'telemetry'",
        )
    };
    let before = retention();
    let mut steps = Vec::new();
    let mut step = |what: &'static str, keys: &[u8], shows: &str| {
        let t = std::time::Instant::now();
        pty.write(keys);
        pty.wait_for_output(shows, wait);
        steps.push((what, keys.len(), t.elapsed().as_secs_f64()));
    };
    step(
        "preview set-retention (its next run and what is lost counted)",
        b":set-retention plant.telemetry 2d\r",
        "Next run",
    );
    // the chunks overdue already are told apart from what this change loses
    pty.wait_for_output("because of this change", wait);
    pty.wait_for_output("Lost", wait);
    pty.wait_for_output("and Enter", wait);
    step(
        "type the name, execute",
        b"plant.telemetry\r",
        "ok: set-retention",
    );
    assert_eq!(retention(), "2 days");
    step("dismiss the outcome", b" ", "Problems (");
    step("preview the rollback", b":rollback\r", "Confirm: rollback");
    step("execute the rollback", b"\x1b[C\r", "ok: rollback");
    assert_eq!(
        retention(),
        before,
        "the rollback restores the demo's policy"
    );
    pty.write(b" ");
    steps
}

/// README command 1 from a clean cache, then the newcomer's tour on a relaunch at 80x24:
/// each planted problem's cause, one previewed action, its rollback. Prints keys and seconds
/// (`cargo test demo_from -- --nocapture`; BENCHMARKS.md keeps them).
#[test]
fn demo_from_a_clean_cache_reaches_the_console_with_data() {
    use crate::pty::{assert_screen_restored, Pty};
    let dir = tempfile::tempdir().unwrap();
    // a free port (another test process may hold the default one), the same for the relaunch:
    // its recording is the first run's
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let mut cmd = tour_binary();
    cmd.args(["demo", "--port", &port.to_string(), "--dir"])
        .arg(dir.path())
        .env("XDG_STATE_HOME", dir.path());
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output("Problems (", Duration::from_secs(240));
    pty.wait_for_output("export_to_erp", Duration::from_secs(30));
    let first_start = started.elapsed().as_secs_f64();
    pty.write(b"7");
    pty.wait_for_output("plant.telemetry_1m", Duration::from_secs(30));
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(20)).code(), Some(0));
    assert_screen_restored(&pty.output());
    // The second start reuses the loaded data (no loading steps).
    assert!(dir.path().join("demo-data").exists());
    let started = std::time::Instant::now();
    let mut cmd = tour_binary();
    cmd.args(["demo", "--port", &port.to_string(), "--dir"])
        .arg(dir.path())
        .env("XDG_STATE_HOME", dir.path());
    let mut pty = Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output("Problems (", Duration::from_secs(60));
    let relaunch = started.elapsed().as_secs_f64();
    // where psql finds the engine, inside the console (the line printed before it is covered)
    pty.wait_for_output(
        &format!("psql -h 127.0.0.1 -p {port} -U postgres template1"),
        Duration::from_secs(10),
    );
    // the first run recorded its reads: the pictures reach back into it (`[` said there was
    // no recording for the demo)
    pty.write(b"[");
    pty.wait_for_output("Pulse 6h", Duration::from_secs(10));
    assert!(!pty.screen().contains("No recording"), "{}", pty.screen());
    pty.write(b"]");
    // the header names the database as the engine does (the Statements tab, `policy export`)
    assert!(
        pty.screen().contains(&format!(":{port}/template1")),
        "{}",
        pty.screen()
    );
    // The 1-minute aggregate starts at the plant's first minute: a refresh window from now() -
    // 3 days started mid-minute (or a minute later than the data, computed by a later
    // statement) and left it out; loaded in an hour's last minute, that minute was its first
    // chunk's only data: a hole the overview ranked among the planted problems.
    let demo = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
    let starts = psql(
        &demo,
        "SELECT (SELECT min(bucket) FROM plant.telemetry_1m) || '|' ||
                (SELECT date_trunc('minute', min(time)) FROM plant.telemetry
                  WHERE time > now() - interval '4 days')",
    );
    let (cagg, source) = starts.split_once('|').unwrap();
    assert_eq!(
        cagg, source,
        "the 1-minute aggregate covers the plant's first minute"
    );
    // the engine counts no index scans: the Indexes tab says so and calls nothing unused
    pty.write(b"5");
    pty.wait_for_output("no usage statistics here", Duration::from_secs(10));
    assert!(!pty.screen().contains("UNUSED"), "{}", pty.screen());
    // at 80 columns every index's cut name tells it apart (TimescaleDB's aggregates' indexes
    // once all read `_timescaledb_int…ket_idx`)
    let cut_names = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .filter(|l| l.contains('…') && l.contains("idx"))
            .filter_map(|l| l.trim_start_matches('│').split_whitespace().next())
            .map(str::to_string)
            .collect()
    };
    // (its rows arrive after its heading)
    pty.wait_until("eight cut index names", Duration::from_secs(20), |screen| {
        cut_names(screen).len() >= 8
    });
    let screen = pty.screen();
    let names = cut_names(&screen);
    let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "{names:?}\n{screen}");
    // psql beside the console, as that line says: a session of its own, as on a server
    let beside = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(["-d", "template1", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .args(["-c", "SHOW search_path", "-c", "SHOW statement_timeout"])
        .args(["-c", "SHOW default_transaction_read_only"])
        .args(["-c", "CREATE TABLE my_notes (a int)"])
        .args([
            "-c",
            "SELECT relnamespace::regnamespace FROM pg_class WHERE relname = 'my_notes'",
        ])
        .args(["-c", "SELECT time_bucket('1 hour', now()) IS NOT NULL"])
        .args(["-c", "DROP TABLE my_notes"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&beside.stdout);
    assert!(
        beside.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&beside.stderr)
    );
    assert_eq!(
        said.lines()
            .filter(|l| !l.contains("TABLE"))
            .collect::<Vec<_>>(),
        ["\"$user\", public", "0", "off", "public", "t"],
        "{said}"
    );
    pty.write(b"1");
    pty.wait_for_output("Problems (", Duration::from_secs(10));
    let started = std::time::Instant::now();
    let triage = triage_in_two_keys(&pty);
    let triage_seconds = started.elapsed().as_secs_f64();
    let conninfo =
        format!("host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable");
    let action = previewed_action_and_rollback(&pty, &conninfo);
    println!("newcomer's tour (demo, 80x24):");
    println!("  first start, clean cache: {first_start:.1} s; relaunch: {relaunch:.1} s");
    println!(
        "  seven planted problems' causes: {} keys, {triage_seconds:.1} s (with 0.3 s pauses)",
        triage.iter().map(|(_, k)| k).sum::<usize>()
    );
    for (what, keys, seconds) in &action {
        println!("  {what}: {keys} keystrokes, {seconds:.2} s");
    }
    let output = pty.output();
    assert!(!output.contains("loading ["), "loaded once");
    assert!(
        output.contains(&format!("127.0.0.1:{port}")),
        "the connection line names the port"
    );
    // A client that never answers the password request must not stall the engine.
    let mut silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let params = b"user\0postgres\0database\0postgres\0\0";
    let mut startup = ((8 + params.len()) as i32).to_be_bytes().to_vec();
    startup.extend(196608i32.to_be_bytes());
    startup.extend(params);
    std::io::Write::write_all(&mut silent, &startup).unwrap();
    // Actions work on a relaunch (the engine's community functions are loaded), reached by
    // another process through the printed port, with no password.
    let job = psql(
        &conninfo,
        "SELECT min(job_id) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'",
    );
    let journal = dir.path().join("j.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["run", &format!("pause-job {job}"), "--yes", "--journal"])
        .arg(&journal)
        .arg(&conninfo)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        psql(
            &conninfo,
            &format!("SELECT scheduled FROM timescaledb_information.jobs WHERE job_id = {job}")
        ),
        "f"
    );
    drop(silent);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(20)).code(), Some(0));
}

/// `hypertop snapshot | head`: a reader that goes away ends hypertop as SIGPIPE ends a Unix
/// tool (status 141, nothing on stderr), not with a panic (it panicked in `println!`).
#[test]
fn a_closed_stdout_ends_quietly_as_sigpipe_would() {
    for format in ["json", "text"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .arg(scenario().conninfo())
            .args(["snapshot", "--format", format])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

/// The sections a one-shot read measures (sizes by the files, index numbers).
const MEASURED: [&str; 4] = ["hypertables", "compression", "retention", "indexes"];

/// The first measured part of two snapshots' JSON that differs, said with both values.
fn measured_differ(a: &Value, b: &Value) -> Option<String> {
    (a["server"]["database_bytes"] != b["server"]["database_bytes"])
        .then_some("database_bytes")
        .or(MEASURED.into_iter().find(|&s| a[s] != b[s]))
        .map(|s| format!("{s}: {} against {}", a[s], b[s]))
}

/// A snapshot that measured something: every measured section listed, the database sized.
fn assert_measured(v: &Value) {
    for section in MEASURED {
        assert!(!v[section].as_array().unwrap().is_empty(), "{section}");
    }
    assert!(v["server"]["database_bytes"].as_i64().unwrap() > 0);
}

/// Runs `check` on each scenario server with two sessions of its own there: the main one (with
/// what the server can do) and a helper.
fn with_two_sessions(
    check: impl AsyncFn(
        &Tsdb,
        &hypertop::connect::Session,
        &hypertop::connect::Session,
        &hypertop::capabilities::Capabilities,
    ),
) {
    on_each_sync(scenario_servers(), |server| {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let (main, caps) = crate::engines::open_at(&server.conninfo).await;
            let (helper, _) = crate::engines::open_at(&server.conninfo).await;
            check(server, &main, &helper, &caps).await;
        });
    });
}

/// Runs `read` until it finds nothing differing, three tries at the most (something may move in
/// between: a background job); after the third, fails with `failure` and what differed.
async fn in_three_tries(failure: &str, read: impl AsyncFn() -> Option<String>) {
    for attempt in 1..=3 {
        match read().await {
            None => break,
            Some(why) if attempt == 3 => panic!("{failure}: {why}"),
            Some(_) => {}
        }
    }
}

/// The exporter's first read on a new session shares its work with a second session and keeps
/// the structure it read for the next scrapes on the first alone: both read what one session
/// reads alone, to the byte.
#[test]
fn an_exporters_first_read_on_two_sessions_keeps_what_its_next_reads_need() {
    use hypertop::problems::Thresholds;
    use hypertop::store::{Dataset, Kept};
    with_two_sessions(async |_, main, helper, caps| {
        let limits = Thresholds::default();
        let json = |data: Dataset| hypertop::snapshot::Snapshot { data, limits }.to_json();
        // until nothing moved in between (a background job meanwhile): three tries
        in_three_tries("the kept reads read otherwise", async || {
            let mut kept = Kept::default();
            let read = async |helper, kept: &mut Kept| {
                json(Dataset::read_all_keeping(&main.client, helper, caps, &limits, kept).await)
            };
            let first = read(Some(&helper.client), &mut kept).await;
            let next = read(None, &mut kept).await;
            let alone = json(Dataset::read_all(&main.client, None, caps, &limits).await);
            assert_measured(&first);
            measured_differ(&first, &alone).or(measured_differ(&next, &alone))
        })
        .await;
    });
}

/// A one-shot read of a large catalog shares the measuring with a second session (half of the
/// files each, the segment statistics and the index numbers there): what it reads is what one
/// session reads, to the byte.
#[test]
fn a_one_shot_read_on_two_sessions_reads_what_one_session_reads() {
    use hypertop::problems::Thresholds;
    with_two_sessions(async |server, main, helper, caps| {
        let limits = Thresholds::default();
        // the same problems (their wording may name a lag that moved on meanwhile)
        let found = |v: &Value| -> Vec<String> {
            let problems = v["problems"].as_array().unwrap().iter();
            problems
                .map(|p| format!("{} {} {}", p["severity"], p["kind"], p["object"]))
                .collect()
        };
        let differs = |a: &Value, b: &Value| -> Option<String> {
            measured_differ(a, b).or_else(|| {
                (found(a) != found(b))
                    .then(|| format!("problems: {} against {}", a["problems"], b["problems"]))
            })
        };
        // Read alone, then shared, until nothing moved in between (a background job
        // compressing or scanning meanwhile on a server where they run): three tries.
        in_three_tries("two sessions read otherwise", async || {
            let alone = hypertop::snapshot::collect(&main.client, None, caps, &limits).await;
            let shared =
                hypertop::snapshot::collect(&main.client, Some(&helper.client), caps, &limits)
                    .await;
            let b = shared.to_json();
            let a = alone.to_json();
            // Neither read lists the session that read it (the helper read the sessions,
            // the main session's pid is the summary's).
            for read in [&a, &b] {
                let own = &read["server"]["backend_pid"];
                let sessions = read["activity"].as_array().unwrap();
                assert!(own.as_i64().is_some(), "{}", read["server"]);
                assert!(
                    sessions.iter().all(|s| &s["pid"] != own),
                    "the reading session {own} is listed: {sessions:?}"
                );
            }
            assert_measured(&a);
            differs(&a, &b)
        })
        .await;
        // The helper terminated (an administrator, a pooler's idle limit): the main
        // session reads what the helper was to read, and nothing is missing. Until nothing
        // moved in between (a policy job writing a page meanwhile, where jobs run): three
        // tries, each with a helper of its own.
        if server.native {
            // every index and job read (their counters may have moved on since)
            let names = |v: &Value, section: &str, key: &str| -> Vec<String> {
                let rows = v[section]
                    .as_array()
                    .unwrap_or_else(|| panic!("{section}: {v}"))
                    .iter();
                rows.map(|r| r[key].to_string()).collect()
            };
            in_three_tries("read without the helper", async || {
                let (helper, _) = crate::engines::open_at(&server.conninfo).await;
                let a = hypertop::snapshot::collect(&main.client, None, caps, &limits)
                    .await
                    .to_json();
                let pid: i32 = helper
                    .client
                    .query_one("SELECT pg_backend_pid()", &[])
                    .await
                    .unwrap()
                    .get(0);
                main.client
                    .execute("SELECT pg_terminate_backend($1)", &[&pid])
                    .await
                    .unwrap();
                let orphaned =
                    hypertop::snapshot::collect(&main.client, Some(&helper.client), caps, &limits)
                        .await;
                assert!(helper.client.is_closed(), "the helper was terminated");
                let c = orphaned.to_json();
                assert!(!names(&c, "jobs", "id").is_empty());
                ["hypertables", "compression", "retention"]
                    .into_iter()
                    .find(|&section| a[section] != c[section])
                    .map(|section| format!("{section}: {} against {}", a[section], c[section]))
                    .or_else(|| {
                        [("indexes", "name"), ("jobs", "id")]
                            .into_iter()
                            .find(|&(section, key)| {
                                names(&a, section, key) != names(&c, section, key)
                            })
                            .map(|(section, _)| format!("{section} listed otherwise"))
                    })
                    .or_else(|| {
                        let bytes = |v: &Value| v["server"]["database_bytes"].clone();
                        (bytes(&a) != bytes(&c))
                            .then(|| format!("database_bytes: {} against {}", bytes(&a), bytes(&c)))
                    })
                    .or_else(|| {
                        (found(&a) != found(&c))
                            .then(|| format!("problems: {:?} against {:?}", found(&a), found(&c)))
                    })
            })
            .await;
        }
    });
}

/// A one-shot read's second session is opened only on the server and database of the first
/// (a name resolving to several servers, a pool, could reach another), and not waited for
/// past a couple of seconds (a pooler with no free connection holds a new one for minutes).
#[test]
fn a_second_session_reaches_the_same_database_or_is_not_used() {
    use crate::engines::{connector_for, native_database, open_at, silent_server};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let here = native_database("second");
        let other = native_database("second_other");
        let (main, _) = open_at(&here).await;
        let second = |conninfo: String| {
            let main = &main.client;
            async move {
                let connector = connector_for(&conninfo);
                hypertop::snapshot::second_session(main, &connector).await
            }
        };
        assert!(second(here.clone()).await.is_some(), "the same database");
        assert!(
            second(other).await.is_none(),
            "another database of the same server"
        );
        let started = std::time::Instant::now();
        let silent = format!(
            "host=127.0.0.1 port={} user=postgres sslmode=disable connect_timeout=30",
            silent_server()
        );
        assert!(
            second(silent).await.is_none(),
            "a server that never answers"
        );
        let waited = started.elapsed();
        assert!(
            waited < hypertop::snapshot::SECOND_SESSION_WAIT + std::time::Duration::from_secs(2),
            "waited {waited:?}"
        );
        if let Some(tsdb) = std::env::var("HYPERTOP_TEST_TSDB")
            .ok()
            .filter(|s| !s.is_empty())
        {
            let server = tsdb.split(';').next().unwrap().trim().to_string();
            let another = second(format!("{server} dbname=postgres")).await;
            assert!(another.is_none(), "another server");
        }
    });
}

/// A second session is not opened into the last slot of the login role's or the database's
/// CONNECTION LIMIT (the server's own slots were the only ones counted: a role limited to two
/// sessions had every snapshot take its second, and a FATAL in the server's log at one).
#[test]
fn a_second_session_stays_within_the_role_and_database_connection_limits() {
    use crate::engines::{connector_for, open_at};
    let here = native_database("limited");
    let dbname = here.rsplit("dbname=").next().unwrap().to_string();
    psql(
        &here,
        "DROP ROLE IF EXISTS hypertop_limited; \
         CREATE ROLE hypertop_limited LOGIN CONNECTION LIMIT 1;",
    );
    let as_limited = format!("{here} user=hypertop_limited");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (main, _) = open_at(&as_limited).await;
        let second = || async {
            hypertop::snapshot::second_session(&main.client, &connector_for(&as_limited))
                .await
                .is_some()
        };
        assert!(!second().await, "the role's only session is the first");
        psql(&here, "ALTER ROLE hypertop_limited CONNECTION LIMIT 3");
        assert!(second().await, "room for two more of the role's");
        psql(
            &here,
            &format!("ALTER DATABASE {dbname} CONNECTION LIMIT 2"),
        );
        assert!(!second().await, "the database's last slot");
        psql(
            &here,
            &format!("ALTER DATABASE {dbname} CONNECTION LIMIT -1"),
        );
        assert!(second().await, "no limit left");
    });
    psql(&here, "DROP ROLE hypertop_limited");
}
