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

use crate::engines::{free_port, native_database, psql, repo_root, scenario};
use crate::process::must;

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

/// `command` started with no terminal, once it listens on `port`.
fn listening(mut command: Command, port: u16) -> Running {
    let child = command
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
    running
}

/// `hypertop exporter` on a free port, ready.
fn exporter(args: &[&str]) -> (Running, u16) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    command
        .arg("exporter")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args);
    (listening(command, port), port)
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
            &format!("hypertop_compression_backlog_chunks{{{t},hypertable=\"scn.metrics\",schema=\"scn\",name=\"metrics\"}}")
        ),
        6.0
    );
    assert_eq!(
        value(
            &body,
            &format!("hypertop_retention_overdue_chunks{{{t},relation=\"scn.logs\",schema=\"scn\",name=\"logs\"}}")
        ),
        5.0
    );
    assert_eq!(value(&body, &format!("hypertop_scheduler_up{{{t}}}")), 0.0);
    assert_eq!(
        value(
            &body,
            &format!("hypertop_cagg_refreshed{{{t},cagg=\"scn.metrics_hourly\",schema=\"scn\",name=\"metrics_hourly\"}}")
        ),
        1.0
    );
    // A hostile hypertable name is one label value, escaped; its schema and name as they are,
    // each a label of its own (an alert's `--open` is built from them)
    assert!(
        body.contains(
            "hypertable=\"\\\"Ops \\\"\\\"Team\\\"\\\"\\\".\\\"events; drop table x\\\"\",schema=\"Ops \\\"Team\\\"\",name=\"events; drop table x\""
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
        must(promtool(args, None), &format!("promtool {args:?}"));
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
        value(
            &body,
            "hypertop_down_reason{target=\"gone\",reason=\"connect\"}"
        ),
        1.0,
        "{body}"
    );
    assert!(
        !body.contains("hypertop_down_reason{target=\"plant\""),
        "{body}"
    );
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
    pty.type_until(b"j\r", "plant: postgres@", wait);
    pty.wait_for_output("0 fleet", wait);
    pty.type_until(b":ctx plain\r", "plain: postgres@", wait);
    pty.type_until(b":ctx nowhere\r", "is not one of: plain, plant", wait);
    pty.escape_from("is not one of: plain, plant", wait);
    pty.type_until(b"0", "Fleet (2)", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
}

// ---- a hostile world: descriptors, black holes, stale caches, HEAD ---------------------------

/// `hypertop exporter` under `sh -c 'ulimit -n N; exec …'`, ready.
fn exporter_limited(nofile: u32, args: &[&str]) -> (Running, u16) {
    let port = free_port();
    let mut line = format!(
        "ulimit -n {nofile} && exec '{}' exporter --listen 127.0.0.1:{port}",
        env!("CARGO_BIN_EXE_hypertop")
    );
    for a in args {
        line.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
    }
    let mut command = Command::new("sh");
    command.args(["-c", &line]);
    (listening(command, port), port)
}

/// A request as written (method, path, extra headers): (status, head, body).
fn request(port: u16, method: &str, path: &str, headers: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// More clients than descriptors (`ulimit -n 64`, 100 idle connections): the exporter takes
/// what its cap allows and tells the rest at once to come back (503, Retry-After) instead of
/// leaving them in the listen queue past a scrape's timeout; idle ones are closed after a
/// short head timeout, so a scrape is answered within seconds — and the process does not exit
/// on EMFILE.
#[test]
fn the_exporter_outlives_more_clients_than_it_has_descriptors() {
    let upstream = native_database("exporter_fds");
    let (mut exporter, port) = exporter_limited(64, &[&upstream]);
    let idle: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // the first answer comes at once, whatever it is: no wait in the listen queue
    let started = Instant::now();
    let (status, head, _) = request(port, "GET", "/metrics", "");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert!(
        status == 200 || (status == 503 && head.contains("Retry-After: 1")),
        "{head}"
    );
    // a scraper that comes back as told is served within seconds
    let served = (0..20).any(|_| {
        let (status, _, body) = request(port, "GET", "/metrics", "");
        if status == 200 {
            assert_eq!(value(&body, "hypertop_up{target=\"default\"}"), 1.0);
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
        false
    });
    assert!(served, "no scrape served within 10 s");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "served after {:?}",
        started.elapsed()
    );
    assert!(
        exporter.0.try_wait().unwrap().is_none(),
        "the exporter exited"
    );
    drop(idle);
    let (status, _, _) = request(port, "GET", "/metrics", "");
    assert_eq!(status, 200);
    assert!(
        exporter.0.try_wait().unwrap().is_none(),
        "the exporter exited"
    );
}

/// Out of descriptors (`ulimit -n 64`, eighty targets — more sessions than descriptors —, idle
/// clients holding what the cap leaves): a scrape is still answered whole, by its deadline, each
/// target either up or down with the reason — those this exporter could not open a socket for
/// say `no_descriptors`, not a generic failure.
#[test]
fn a_scrape_out_of_descriptors_says_each_target_up_or_down_and_why() {
    let upstream = native_database("exporter_nofile");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.toml");
    let targets = 80;
    let profiles: String = (0..targets)
        .map(|i| format!("[profiles.t{i:02}]\nconninfo = \"{upstream}\"\n\n"))
        .collect();
    std::fs::write(&file, profiles).unwrap();
    let (mut exporter, port) = exporter_limited(64, &["--targets", file.to_str().unwrap()]);
    let idle: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    let mut answered = None;
    for _ in 0..40 {
        let (status, _, body) = request(
            port,
            "GET",
            "/metrics",
            "X-Prometheus-Scrape-Timeout-Seconds: 3\r\n",
        );
        if status == 200 {
            answered = Some(body);
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let body = answered.expect("a scrape answered within 20 s of retries");
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..targets {
        let target = format!("t{i:02}");
        let up = value(&body, &format!("hypertop_up{{target=\"{target}\"}}"));
        if up == 1.0 {
            continue;
        }
        let reason = body
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "hypertop_down_reason{{target=\"{target}\",reason=\""
                ))
                .and_then(|r| r.split('"').next())
            })
            .unwrap_or_else(|| panic!("{target} down without a reason:\n{body}"));
        *reasons.entry(reason.to_string()).or_default() += 1;
    }
    assert!(
        reasons.contains_key("no_descriptors"),
        "eighty targets' sessions under 64 descriptors: some could not be opened ({reasons:?})"
    );
    assert!(
        reasons
            .keys()
            .all(|r| ["no_descriptors", "deadline", "busy"].contains(&r.as_str())),
        "{reasons:?}"
    );
    drop(idle);
    assert!(
        exporter.0.try_wait().unwrap().is_none(),
        "the exporter exited"
    );
}

/// A proxy that forwards until frozen, then holds every byte (a black-holed network): a
/// listener of its own, a pair of threads per connection.
struct Freezer {
    port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Freezer {
    fn start(upstream_port: u16) -> Freezer {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = std::sync::Arc::new(AtomicBool::new(false));
        let flag = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let flag = flag.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n @ 1..) = from.read(&mut buf) {
                            while flag.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        });
        Freezer { port, frozen }
    }

    fn freeze(&self, on: bool) {
        self.frozen.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One target's network goes black (on an open session, and for new connections): `/metrics`
/// still answers within the deadline (and within Prometheus's own timeout when the scrape
/// sends it), that target `hypertop_up 0` from the first scrape after the cache interval —
/// not the stale read — the other target served; restored, it is up again at the next scrape.
#[test]
fn a_black_holed_target_is_down_in_time_and_up_again_at_once() {
    let upstream = native_database("exporter_blackhole");
    let port_of = |c: &str| -> u16 {
        c.split_whitespace()
            .find_map(|kv| kv.strip_prefix("port="))
            .unwrap_or("5432")
            .parse()
            .unwrap()
    };
    let proxy = Freezer::start(port_of(&upstream));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.toml");
    std::fs::write(
        &file,
        format!(
            "[profiles.steady]\nconninfo = \"{upstream}\"\n\n[profiles.far]\nconninfo = \"{upstream} port={} connect_timeout=30\"\n",
            proxy.port
        ),
    )
    .unwrap();
    let (_exporter, port) = exporter(&[
        "--targets",
        file.to_str().unwrap(),
        "--cache",
        "1s",
        "--deadline",
        "3s",
    ]);
    let scrape = |headers: &str| {
        let started = Instant::now();
        let (status, _, body) = request(port, "GET", "/metrics", headers);
        assert_eq!(status, 200, "{body}");
        (body, started.elapsed())
    };
    let (body, _) = scrape("");
    assert_eq!(value(&body, "hypertop_up{target=\"far\"}"), 1.0);
    assert!(value(&body, "hypertop_data_age_seconds{target=\"far\"}") >= 0.0);

    // On the open session: down within the deadline, not served from the cache as up.
    proxy.freeze(true);
    std::thread::sleep(Duration::from_millis(1200));
    let (body, took) = scrape("");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert_eq!(value(&body, "hypertop_up{target=\"far\"}"), 0.0, "{body}");
    assert_eq!(value(&body, "hypertop_up{target=\"steady\"}"), 1.0);
    // A new connection into the black hole, under Prometheus's 2 s scrape timeout.
    std::thread::sleep(Duration::from_millis(1200));
    let (body, took) = scrape("X-Prometheus-Scrape-Timeout-Seconds: 2\r\n");
    assert!(
        took < Duration::from_millis(2500),
        "answered after {took:?}"
    );
    assert_eq!(value(&body, "hypertop_up{target=\"far\"}"), 0.0);
    assert_eq!(value(&body, "hypertop_up{target=\"steady\"}"), 1.0);

    // Restored: up at the first scrape after the interval, with fresh data.
    proxy.freeze(false);
    std::thread::sleep(Duration::from_millis(1200));
    let (body, _) = scrape("");
    assert_eq!(value(&body, "hypertop_up{target=\"far\"}"), 1.0, "{body}");
    assert!(value(&body, "hypertop_data_age_seconds{target=\"far\"}") < 2.0);
}

/// HEAD gets GET's headers and no body; a `%+4` is no escape; other methods are refused with
/// the ones allowed.
#[test]
fn head_has_no_body_and_the_query_is_decoded_strictly() {
    let upstream = native_database("exporter_head");
    let (_exporter, port) = exporter(&[&upstream]);
    let (status, head, body) = request(port, "HEAD", "/metrics", "");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    assert_eq!(body, "", "HEAD answered with a body");
    let (status, _, body) = request(port, "GET", "/probe?target=%+4", "");
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("\\x04") && body.contains("% 4"), "{body}");
    let (status, head, _) = request(port, "POST", "/metrics", "Content-Length: 0\r\n");
    assert_eq!(status, 405);
    assert!(head.to_lowercase().contains("allow: get, head"), "{head}");
}

/// `check --all` over forty targets on one server: at most eight of its sessions there at once
/// (all forty at once can take a server's max_connections from its own applications); every
/// target still gets its line.
#[test]
fn check_all_opens_a_few_sessions_to_one_server_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.toml");
    let db = native_database("fleet_cap");
    let app = format!("hypertop_cap_{}", std::process::id());
    let text: String = (0..40)
        .map(|i| format!("[profiles.t{i}]\nconninfo = \"{db} application_name={app}\"\n\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    // watch the server's sessions of that application while check runs
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = {
        let (watching, db, app) = (watching.clone(), db.clone(), app.clone());
        std::thread::spawn(move || {
            let mut peak = 0;
            while watching.load(std::sync::atomic::Ordering::SeqCst) {
                let n: usize = psql(
                    &db,
                    &format!(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}'"
                    ),
                )
                .parse()
                .unwrap();
                peak = peak.max(n);
            }
            peak
        })
    };
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["check", "--all", "--targets", file.to_str().unwrap()])
        .output()
        .unwrap();
    watching.store(false, std::sync::atomic::Ordering::SeqCst);
    let peak = peak.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 40, "{text}");
    assert!(text.lines().all(|l| l.contains(": HYPERTOP ")), "{text}");
    println!("peak sessions of check --all on one server: {peak}");
    assert!(
        (1..=hypertop::connect::PER_SERVER).contains(&peak),
        "{peak} sessions at once"
    );
}

/// `--listen :PORT`, as Prometheus's own tools take it, is every interface: an address other
/// than 127.0.0.1 (127.0.0.2, routed to the same host) reaches it, which a loopback-only
/// listener refuses.
#[test]
fn listen_without_a_host_is_every_interface() {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    command
        .arg("exporter")
        .args(["--listen", &format!(":{port}"), &scenario().conninfo()]);
    let _exporter = listening(command, port);
    let mut other = TcpStream::connect(("127.0.0.2", port)).expect("127.0.0.2 reaches it");
    other
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        other,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    other.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("hypertop_up"), "{out}");
    // the default stays loopback: 127.0.0.2 is refused there
    let (_loopback, port) = exporter(&[&scenario().conninfo()]);
    assert!(TcpStream::connect(("127.0.0.2", port)).is_err());
}

/// A plan asked for on one target of the fleet lands on that target, whichever is shown when
/// it arrives: delivered to the one shown, a plan for database a, planning behind a lock, was
/// previewed in b's dialog (and Enter would have executed it on b's connection).
#[test]
fn a_plan_lands_on_the_target_it_was_asked_on() {
    use crate::pty::Pty;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        native_database("fleet_plan_a"),
        native_database("fleet_plan_b"),
    );
    psql(
        &a,
        "CREATE TABLE public.held (x int); CREATE INDEX held_a ON public.held (x)",
    );
    psql(
        &b,
        "CREATE TABLE public.held_b (x int); CREATE INDEX held_b_i ON public.held_b (x)",
    );
    // each table locked for the test's length: each plan waits its lock timeout, a's first
    let hold = |conninfo: &str, table: &str| {
        Command::new("psql")
            .arg(conninfo)
            .args(["-X", "-q", "-c"])
            .arg(format!(
                "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(40); COMMIT;"
            ))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut holders = [hold(&a, "public.held"), hold(&b, "public.held_b")];
    let file = dir.path().join("targets.toml");
    std::fs::write(
        &file,
        format!("[profiles.a]\nconninfo = \"{a}\"\n\n[profiles.b]\nconninfo = \"{b}\"\n"),
    )
    .unwrap();
    let wait = Duration::from_secs(30);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args([
        "--targets",
        file.to_str().unwrap(),
        "--lock-timeout",
        "6s",
        "--journal",
    ])
    .arg(dir.path().join("j.jsonl"));
    let mut pty = Pty::spawn_sized(cmd, 200, 40);
    pty.wait_for_output("Fleet (2)", wait);
    pty.type_until(b"\r", "a: postgres@", wait);
    // a's plan waits behind its lock; Esc closes its dialog, b is shown and planned in turn
    pty.type_until(
        b":drop-index public.held_a\r",
        "Reading the catalog for",
        wait,
    );
    pty.escape_from("Reading the catalog for", wait);
    pty.type_until(b":ctx b\r", "b: postgres@", wait);
    pty.type_until(
        b":drop-index public.held_b_i\r",
        "Reading the catalog for",
        wait,
    );
    pty.wait_for_output("Cannot plan", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(500));
    // (the dialog's title is b's line either way: its body is the answer it was given)
    let screen = pty.screen();
    assert!(
        screen.contains("AccessExclusiveLock on public.held_b"),
        "b's dialog holds b's own plan's answer, not a's:\n{screen}"
    );
    for h in &mut holders {
        let _ = h.kill();
        let _ = h.wait();
    }
    pty.write(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
}

/// The exporter records each read into the target's recording (a console opened later starts
/// its pictures from it), the failing jobs as the metric of the same read says them.
#[test]
fn the_exporter_records_its_reads() {
    use hypertop::history::Series;
    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    command
        .arg("exporter")
        .args(["--listen", &format!("127.0.0.1:{port}"), "--cache", "30s"])
        .arg(scenario().conninfo())
        .env("XDG_STATE_HOME", state.path());
    let running = listening(command, port);
    let (status, body) = get(port, "/metrics");
    assert_eq!(status, 200, "{body}");
    let dir = state.path().join("hypertop/record");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .expect("a recording");
    // written by the recordings' own thread, a few seconds at a time
    let start = Instant::now();
    let failing = loop {
        let store = hypertop::recording::store::Store::open(&path).unwrap();
        let samples = store
            .map(|s| s.samples_since(0).unwrap())
            .unwrap_or_default();
        if let Some(s) = samples.iter().find(|s| s.series == Series::FailingJobs) {
            break s.value;
        }
        // gathered for ten seconds before it is written
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing recorded"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(running);
    let t = "target=\"default\"";
    let metric: f64 = body
        .lines()
        .filter(|l| l.starts_with(&format!("hypertop_job_consecutive_failures{{{t},")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .filter(|v| *v > 0.0)
        .count() as f64;
    assert!(failing > 0.0);
    assert_eq!(failing, metric, "{body}");
}
