//! The exporter end to end: the scenario's truth as metrics, `promtool check metrics` without a
//! lint warning, one read however many scrapers, /probe by target name only, a real Prometheus
//! scraping it (the values read back through its query API), the alerting rules checked and
//! unit-tested with promtool, the dashboard using only exported series; `check --all` over a
//! fleet of targets.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::engines::{free_port, native_database, repo_root, scenario};

/// A GET on loopback: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    try_get(port, path).unwrap_or_else(|| panic!("GET {path} on port {port} failed"))
}

fn try_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// The value of the one sample whose line starts with `series`.
fn value(body: &str, series: &str) -> f64 {
    body.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no {series} in:\n{body}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `hypertop exporter` on a free port, ready.
fn exporter(args: &[&str]) -> (Running, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg("exporter")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "exporter not listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (running, port)
}

fn promtool(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new("promtool")
        .args(args)
        .current_dir(repo_root().join("monitoring"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; tests/run installs it)");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn metrics_follow_the_scenario_and_prometheus_scrapes_them() {
    let (_exporter, port) = exporter(&["--cache", "30s", &scenario().conninfo()]);
    let (status, body) = get(port, "/metrics");
    assert_eq!(status, 200, "{body}");
    let t = "target=\"default\"";
    assert_eq!(value(&body, &format!("hypertop_up{{{t}}}")), 1.0);
    assert_eq!(
        value(
            &body,
            &format!("hypertop_compression_backlog_chunks{{{t},hypertable=\"scn.metrics\"}}")
        ),
        6.0
    );
    assert_eq!(
        value(
            &body,
            &format!("hypertop_retention_overdue_chunks{{{t},relation=\"scn.logs\"}}")
        ),
        5.0
    );
    assert_eq!(value(&body, &format!("hypertop_scheduler_up{{{t}}}")), 0.0);
    assert_eq!(
        value(
            &body,
            &format!("hypertop_cagg_refreshed{{{t},cagg=\"scn.metrics_hourly\"}}")
        ),
        1.0
    );
    // A hostile hypertable name is one label value, escaped.
    assert!(
        body.contains(
            "hypertable=\"\\\"Ops \\\"\\\"Team\\\"\\\"\\\".\\\"events; drop table x\\\"\""
        ),
        "{body}"
    );
    assert!(body.contains(
        "hypertop_problems{target=\"default\",severity=\"critical\",kind=\"scheduler\"} 1"
    ));

    // promtool: valid, and no lint warning (names, units, _total, HELP).
    let out = promtool(&["check", "metrics"], Some(&body));
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Ten scrapers at once: one read (cached), the same answer.
    let reads = value(&body, &format!("hypertop_reads_total{{{t}}}"));
    let handles: Vec<_> = (0..10)
        .map(|_| std::thread::spawn(move || get(port, "/metrics")))
        .collect();
    for h in handles {
        let (status, b) = h.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(value(&b, &format!("hypertop_reads_total{{{t}}}")), reads);
    }
    // /probe takes a configured target's name, nothing else.
    assert_eq!(get(port, "/probe?target=default").0, 200);
    let (status, why) = get(port, "/probe?target=host%3Devil.example");
    assert_eq!(status, 404, "{why}");
    assert!(why.contains("no target named"), "{why}");
    assert_eq!(get(port, "/nope").0, 404);

    // The dashboard queries only series the exporter serves.
    let families: BTreeSet<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let dashboard = std::fs::read_to_string(repo_root().join("monitoring/dashboard.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let mut used = BTreeSet::new();
    for panel in json["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("hypertop_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                used.insert(name);
            }
        }
    }
    let all = hypertop::exporter::metrics::FAMILIES;
    for name in &families {
        assert!(all.contains(name), "{name} is not in FAMILIES");
    }
    for name in &used {
        assert!(
            all.contains(&name.as_str()),
            "the dashboard uses {name}, not exported"
        );
    }
    assert!(used.len() >= 10, "{used:?}");

    // The alerting rules: valid, and their unit tests pass.
    for args in [
        &["check", "rules", "alerts.yml"][..],
        &["test", "rules", "alerts.test.yml"],
    ] {
        let out = promtool(args, None);
        assert!(
            out.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A real Prometheus scrapes the exporter; the values come back through its query API.
    let dir = tempfile::tempdir().unwrap();
    let web = free_port();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: ['{}']\nscrape_configs:\n  - job_name: hypertop\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n",
            repo_root().join("monitoring/alerts.yml").display()
        ),
    )
    .unwrap();
    let _prometheus = Running(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian's package; tests/run installs it)"),
    );
    let query = |q: &str| -> Option<f64> {
        let path = format!(
            "/api/v1/query?query={}",
            q.replace(' ', "%20")
                .replace('"', "%22")
                .replace('{', "%7B")
                .replace('}', "%7D")
                .replace('=', "%3D")
                .replace(',', "%2C")
        );
        let (status, body) = try_get(web, &path)?;
        if status != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    };
    let start = Instant::now();
    let backlog = loop {
        if let Some(v) = query("hypertop_compression_backlog_chunks{hypertable=\"scn.metrics\"}") {
            break v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "Prometheus never had the series"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(backlog, 6.0);
    assert_eq!(query("hypertop_up{target=\"default\"}"), Some(1.0));
    assert_eq!(
        query("hypertop_retention_overdue_chunks{relation=\"scn.logs\"}"),
        Some(5.0)
    );
}

#[test]
fn a_fleet_of_targets_is_exported_and_checked_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.toml");
    let plain = native_database("fleet_plain");
    std::fs::write(
        &file,
        format!(
            "[profiles.plant]\nconninfo = \"{}\"\n\n[profiles.plain]\nconninfo = \"{plain}\"\n\n[profiles.gone]\nconninfo = \"host=127.0.0.1 port={} user=x dbname=x sslmode=disable connect_timeout=2\"\n",
            scenario().conninfo(),
            free_port()
        ),
    )
    .unwrap();
    let (_exporter, port) = exporter(&["--targets", file.to_str().unwrap()]);
    let (status, body) = get(port, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(value(&body, "hypertop_up{target=\"plant\"}"), 1.0);
    assert_eq!(value(&body, "hypertop_up{target=\"plain\"}"), 1.0);
    assert_eq!(value(&body, "hypertop_up{target=\"gone\"}"), 0.0);
    assert_eq!(
        value(&body, "hypertop_read_errors_total{target=\"gone\"}"),
        1.0
    );
    let (status, one) = get(port, "/probe?target=plain");
    assert_eq!(status, 200);
    assert!(one.contains("target=\"plain\"") && !one.contains("target=\"plant\""));

    // check --all: a line per target, and the worst status (CRITICAL: the plant's scheduler).
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["check", "--all", "--targets", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("plant: HYPERTOP CRITICAL")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("plain: HYPERTOP")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("gone: HYPERTOP UNKNOWN")),
        "{text}"
    );
}

/// The console on a fleet: the Fleet view lists every target with its status and worst
/// problem; Enter opens one; `:ctx NAME` switches to another; `0` comes back to the view.
#[test]
fn the_console_shows_a_fleet_and_switches_between_targets() {
    use crate::pty::{assert_screen_restored, Pty};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.toml");
    let plain = native_database("fleet_console");
    std::fs::write(
        &file,
        format!(
            "[profiles.plant]\nconninfo = \"{}\"\n\n[profiles.plain]\nconninfo = \"{plain}\"\n",
            scenario().conninfo()
        ),
    )
    .unwrap();
    let wait = Duration::from_secs(30);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args(["--targets", file.to_str().unwrap(), "--journal"])
        .arg(dir.path().join("j.jsonl"));
    let mut pty = Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output("Fleet (2)", wait);
    pty.wait_for_output("plain", wait);
    // The plant's scheduler is down: its worst problem is on its row.
    pty.wait_for_output("scheduler", wait);
    // The rows are sorted by name: plain, then plant. Open the plant.
    pty.write(b"j\r");
    pty.wait_for_output("plant: postgres@", wait);
    pty.wait_for_output("0 fleet", wait);
    pty.write(b":ctx plain\r");
    pty.wait_for_output("plain: postgres@", wait);
    pty.write(b":ctx nowhere\r");
    pty.wait_for_output("is not one of: plain, plant", wait);
    pty.write(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    pty.write(b"0");
    pty.wait_for_output("Fleet (2)", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
}
