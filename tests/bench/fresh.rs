//! `--fresh DSN,DSN,…`: fresh as well as cheap. On each built dataset, with rows written every
//! second into a tenth of the hypertables (sizes move at every refresh, as in production), the
//! console open in a pseudo-terminal at its default refresh and the exporter over fifty targets
//! scraped every 15 s: each kind of change made again and again, and in the same window
//!  * the time from the change's commit to the console's first frame showing it (p50, p99),
//!  * the exporter's data age at each scrape (p50, p99),
//!  * whether a one-shot read from what the last kept (`check`, `snapshot`) shows what a cold
//!    read shows right after each change,
//!  * the server's CPU on the console's sessions and on the exporter's,
//!
//! and the console's CPU in the minute before the changes, rows written and nothing else moving
//! ("steady"): what watching costs, against what the changes' reads cost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::problems::Thresholds;
use hypertop::snapshot::{collect_once, KeepIn};
use hypertop::store::Dataset;

use super::{connect, pty};

/// How many times each change is made (and undone).
const ROUNDS: usize = 3;

/// The longest a change may take to show before it counts as not shown (and stale).
const GIVE_UP: Duration = Duration::from_secs(30);

/// One kind of change: where it shows (a tab, a filter), how it is made, what shows it.
struct Step {
    kind: &'static str,
    tab: char,
    filter: &'static str,
    /// The SQL that makes it (one statement per entry, each committed on its own).
    sql: Vec<String>,
    /// For a change a background worker makes (a job's run): a counter it moves when it
    /// commits (`$1`: the job), asked every 10 ms; the time it first moves is the commit's.
    committed: Option<&'static str>,
    /// The screen shows it (`before`: the screen's row before the change, for a change seen
    /// as "different from before").
    shows: Shows,
}

/// Whether a screen (and the one before the change) shows a change.
type Shows = Box<dyn Fn(&str, &str) -> bool + Send>;

/// The filtered row of `object` on `screen`: the first line naming it, or for a job (its id)
/// the line it begins.
fn row<'a>(screen: &'a str, object: &str) -> &'a str {
    let first = |l: &str| {
        let t = l
            .trim_start_matches('│')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        t
    };
    match object.parse::<i32>() {
        Ok(_) => screen.lines().find(|l| first(l) == object),
        Err(_) => screen.lines().find(|l| l.contains(object)),
    }
    .unwrap_or("")
}

/// The cell of `object`'s row under the column headed `header` (right-aligned numbers).
fn under(screen: &str, object: &str, header: &str) -> String {
    let Some(head) = screen.lines().find(|l| l.contains(header)) else {
        return String::new();
    };
    let chars: Vec<char> = head.chars().collect();
    let h: Vec<char> = header.chars().collect();
    let Some(start) = (0..chars.len()).find(|&i| chars[i..].starts_with(&h)) else {
        return String::new();
    };
    let end = start + h.len();
    let r: Vec<char> = row(screen, object).chars().collect();
    let from = start.saturating_sub(3).min(r.len());
    r[from..end.min(r.len())]
        .iter()
        .collect::<String>()
        .split_whitespace()
        .last()
        .unwrap_or("")
        .to_string()
}

/// ht_001's compressed chunks on the Columnstore tab ("6/10": 6).
fn compressed(screen: &str) -> Option<i64> {
    under(screen, "scale.ht_001", "Compressed")
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// ht_001's chunks on the Hypertables tab.
fn chunks(screen: &str) -> Option<i64> {
    under(screen, "scale.ht_001", "Chunks").parse().ok()
}

/// The changes of one round, in an order each can follow the last. `ht` a hypertable nobody
/// writes (compressed half-way), `other` one with compression on and nothing compressed, `cagg`
/// an aggregate on a hypertable being written and `written` that hypertable; `tick`/`fail` two
/// jobs of the bench's own, `round` the round's number.
fn steps(round: usize, truth: Arc<Mutex<String>>, (tick, fail): (i32, i32)) -> Vec<Step> {
    let (tick, fail): (&'static str, &'static str) = (
        Box::leak(tick.to_string().into_boxed_str()),
        Box::leak(fail.to_string().into_boxed_str()),
    );
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let chunk = "(SELECT c FROM show_chunks('scale.ht_001') c ORDER BY c LIMIT 1 OFFSET 6)";
    let mut out = vec![
        Step {
            kind: "a chunk compressed",
            tab: '3',
            filter: "ht_001",
            committed: None,
            sql: s(&[&format!("SELECT compress_chunk({chunk})")]),
            shows: Box::new(|screen, before| compressed(screen) == compressed(before).map(|n| n + 1)),
        },
        Step {
            kind: "a chunk decompressed",
            tab: '3',
            filter: "ht_001",
            committed: None,
            sql: s(&[&format!("SELECT decompress_chunk({chunk})")]),
            shows: Box::new(|screen, before| compressed(screen) == compressed(before).map(|n| n - 1)),
        },
        Step {
            kind: "a chunk created",
            tab: '2',
            filter: "ht_001",
            committed: None,
            sql: s(&["INSERT INTO scale.ht_001 VALUES (now() + interval '30 days', 1, 1)"]),
            shows: Box::new(|screen, before| chunks(screen) == chunks(before).map(|n| n + 1)),
        },
        Step {
            kind: "chunks dropped",
            tab: '2',
            filter: "ht_001",
            committed: None,
            sql: s(&["SELECT drop_chunks('scale.ht_001', newer_than => now() + interval '1 day')"]),
            shows: Box::new(|screen, before| chunks(screen).is_some_and(|n| chunks(before).is_some_and(|b| n < b))),
        },
        Step {
            kind: "a policy added",
            tab: '4',
            filter: "ht_001",
            committed: None,
            sql: s(&["SELECT add_retention_policy('scale.ht_001', interval '30 days')"]),
            shows: Box::new(|screen, _| row(screen, "scale.ht_001").contains("30d")),
        },
        Step {
            kind: "a policy altered",
            tab: '4',
            filter: "ht_001",
            committed: None,
            sql: s(&["SELECT alter_job(job_id, schedule_interval => interval '7 hours') FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name = 'ht_001'"]),
            shows: Box::new(|screen, _| row(screen, "scale.ht_001").contains("7h")),
        },
        Step {
            kind: "a policy removed",
            tab: '4',
            filter: "ht_001",
            committed: None,
            sql: s(&["SELECT remove_retention_policy('scale.ht_001')"]),
            shows: Box::new(|screen, _| screen.contains("(0 of")),
        },
        Step {
            kind: "an index created",
            tab: '5',
            filter: "ht_001",
            committed: None,
            sql: s(&["CREATE INDEX fresh_bench_idx ON scale.ht_001 (value, time)"]),
            shows: Box::new(|screen, _| screen.contains("fresh_bench_idx")),
        },
        Step {
            kind: "an index dropped",
            tab: '5',
            filter: "ht_001",
            committed: None,
            sql: s(&["DROP INDEX scale.fresh_bench_idx"]),
            shows: Box::new(|screen, _| {
                screen.contains("(3 of") && !screen.contains("fresh_bench_idx")
            }),
        },
        Step {
            kind: "compression settings changed",
            tab: '3',
            filter: "ht_002",
            committed: None,
            sql: s(&[match round % 2 {
                0 => "ALTER TABLE scale.ht_002 SET (timescaledb.compress_orderby = 'value')",
                _ => "ALTER TABLE scale.ht_002 SET (timescaledb.compress_orderby = 'time DESC')",
            }]),
            shows: Box::new(move |screen, _| {
                let r = row(screen, "scale.ht_002");
                match round % 2 {
                    0 => r.contains("value"),
                    _ => !r.contains("value"),
                }
            }),
        },
        Step {
            kind: "a hypertable created",
            tab: '2',
            filter: "fresh_ht",
            committed: None,
            sql: s(&[
                "CREATE TABLE scale.fresh_ht (time timestamptz NOT NULL, v int)",
                "SELECT create_hypertable('scale.fresh_ht', 'time')",
            ]),
            shows: Box::new(|screen, _| screen.contains("scale.fresh_ht")),
        },
        Step {
            kind: "a hypertable dropped",
            tab: '2',
            filter: "fresh_ht",
            committed: None,
            sql: s(&["DROP TABLE scale.fresh_ht"]),
            shows: Box::new(|screen, _| screen.contains("(0 of")),
        },
        Step {
            kind: "a job ran",
            tab: '6',
            filter: "custom",
            sql: vec![format!("SELECT alter_job({tick}, next_start => now())")],
            committed: Some("SELECT total_runs FROM _timescaledb_internal.bgw_job_stat WHERE job_id = $1 AND last_finish > last_start"),
            shows: Box::new(move |screen, before| under(screen, tick, "All runs") != under(before, tick, "All runs")),
        },
        Step {
            kind: "a job failed",
            tab: '6',
            filter: "custom",
            sql: vec![format!("SELECT alter_job({fail}, next_start => now())")],
            committed: Some("SELECT total_failures FROM _timescaledb_internal.bgw_job_stat WHERE job_id = $1 AND last_finish > last_start"),
            shows: Box::new(move |screen, before| under(screen, fail, "All failed") != under(before, fail, "All failed")),
        },
        Step {
            kind: "a job paused",
            tab: '6',
            filter: "custom",
            committed: None,
            sql: vec![format!("SELECT alter_job({tick}, scheduled => false)")],
            shows: Box::new(move |screen, _| row(screen, tick).contains("paused")),
        },
        Step {
            kind: "a job resumed",
            tab: '6',
            filter: "custom",
            committed: None,
            sql: vec![format!("SELECT alter_job({tick}, scheduled => true)")],
            shows: Box::new(move |screen, _| row(screen, tick).contains("scheduled")),
        },
        Step {
            kind: "a continuous aggregate refreshed",
            tab: '7',
            filter: "ht_000_hourly",
            committed: None,
            // a row an hour after the newest, so each refresh moves the watermark
            sql: vec![
                "INSERT INTO scale.ht_000 SELECT max(time) + interval '1 hour', 1, 1 FROM scale.ht_000".to_string(),
                "CALL refresh_continuous_aggregate('scale.ht_000_hourly', NULL, NULL)".to_string(),
            ],
            shows: Box::new(|screen, before| {
                let at = |s: &str| under(s, "scale.ht_000_hourly", "Materialized to");
                !at(screen).is_empty() && at(screen) != at(before)
            }),
        },
        Step {
            kind: "rows written (sizes)",
            tab: '2',
            filter: "ht_001",
            committed: None,
            sql: s(&["INSERT INTO scale.ht_001 SELECT now() - interval '2 hours' + g * interval '1 ms', 1, g FROM generate_series(1, 20000) g"]),
            shows: Box::new(move |screen, _| {
                let want = truth.lock().unwrap().clone();
                !want.is_empty() && row(screen, "scale.ht_001").contains(&format!(" {want} "))
            }),
        },
    ];
    if round == 0 {
        out.push(Step {
            kind: "rows written below a watermark (a hole)",
            tab: '1',
            filter: "ht_000_hourly",
            committed: None,
            // two days before its oldest row: a chunk of its own, where the aggregate has no bucket
            sql: s(&["INSERT INTO scale.ht_000 SELECT m - interval '2 days' + g * interval '1 minute', 1, g FROM (SELECT min(time) AS m FROM scale.ht_000) x, generate_series(1, 30) g"]),
            shows: Box::new(|screen, _| screen.contains("hole")),
        });
        out.push(Step {
            kind: "an index left invalid",
            tab: '5',
            filter: "fresh_plain",
            committed: None,
            sql: s(&["CREATE UNIQUE INDEX CONCURRENTLY fresh_plain_a ON scale.fresh_plain (a)"]),
            shows: Box::new(|screen, _| {
                row(screen, "fresh_plain_a")
                    .to_lowercase()
                    .contains("invalid")
            }),
        });
    }
    out
}

/// What a one-shot read and a cold one must agree on after a change: the structure, the
/// policies, the statuses and holes — not the sizes and times a writer moves meanwhile.
fn shape(d: &Dataset) -> String {
    let mut out = Vec::new();
    for h in d.hypertables.rows() {
        out.push(format!(
            "h {}.{} {} {}",
            h.schema, h.name, h.chunks, h.compressed_chunks
        ));
    }
    for c in d.compression.rows() {
        out.push(format!(
            "c {}.{} {:?} {:?} {}",
            c.schema, c.name, c.segmentby, c.orderby, c.compressed_chunks
        ));
    }
    for r in d.retention.rows() {
        out.push(format!(
            "r {}.{} {:?} {:?}",
            r.schema, r.name, r.drop_after, r.schedule_seconds
        ));
    }
    for i in d.indexes.rows() {
        out.push(format!(
            "i {}.{} {} {}",
            i.schema, i.name, i.valid, i.chunk_indexes
        ));
    }
    for c in d.caggs.rows() {
        out.push(format!(
            "a {}.{} {:?} {}",
            c.schema,
            c.name,
            c.watermark_units(),
            c.holes.len()
        ));
    }
    out.sort();
    out.join("\n")
}

/// The server's CPU (seconds) of each of `datname`'s sessions named hypertop (and logged in
/// as `user`, when given: another console left open on the same database, as another user,
/// is not counted as the bench's), sampled every second while `running`.
fn sample_cpu(
    dsn: String,
    datnames: Vec<String>,
    user: Option<&'static str>,
    running: Arc<AtomicBool>,
) -> std::thread::JoinHandle<f64> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let observer = rt.block_on(connect(&dsn));
        let mut seen: HashMap<u32, (f64, f64)> = HashMap::new();
        while running.load(Ordering::Relaxed) {
            let pids: Vec<u32> = rt
                .block_on(observer.query(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'hypertop' AND datname = ANY($1) AND usename = coalesce($2, usename) AND pid <> pg_backend_pid()",
                    &[&datnames, &user],
                ))
                .map(|rows| rows.iter().map(|r| r.get::<_, i32>(0) as u32).collect())
                .unwrap_or_default();
            for pid in pids {
                let now = super::cpu_seconds(pid);
                seen.entry(pid).or_insert((now, now)).1 = now;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        seen.values().map(|(a, b)| b - a).sum()
    })
}

/// Rows every second into every tenth hypertable of the dataset, until `running` ends.
fn writer(dsn: String, running: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = connect(&dsn).await;
            let tables: Vec<String> = client
                .query("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'scale' AND tablename ~ '^ht_[0-9]+$' ORDER BY tablename", &[])
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let sql: String = (tables.iter().step_by(10))
                .map(|t| format!("INSERT INTO {t} VALUES (now(), 1, random());"))
                .collect();
            while running.load(Ordering::Relaxed) {
                let started = Instant::now();
                let _ = client.batch_execute(&sql).await;
                std::thread::sleep(Duration::from_secs(1).saturating_sub(started.elapsed()));
            }
        });
    })
}

/// The exporter over the fifty fleet targets, scraped every 15 s from its start, as Prometheus
/// scrapes it, while `running`: each target's data age at each scrape, with when it was taken.
fn scraper(port: u16, running: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<(Instant, f64)>> {
    std::thread::spawn(move || {
        let mut ages = Vec::new();
        while running.load(Ordering::Relaxed) {
            let started = Instant::now();
            let (_, out) = super::scrape(port);
            ages.extend(
                out.lines()
                    .filter(|l| l.starts_with("hypertop_data_age_seconds{"))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .map(|age| (started, age)),
            );
            while running.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(15) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        ages
    })
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

pub fn fresh_part(list: &str, fleet: Option<&str>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dsns: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let (targets, fleet_dbs) = super::fleet_targets(&rt, fleet.unwrap_or(dsns[0]));
    println!("\n## Fresh as well as cheap: each kind of change at each size, the console at its default refresh (2 s), the exporter over fifty targets scraped every 15 s, rows written every second into a tenth of the hypertables");
    println!(
        "  {:>8} {:>9} {:>9} {:>9} {:>6} {:>11} {:>11} {:>10} {:>12} {:>13} {:>12}",
        "chunks",
        "changes",
        "frame p50",
        "frame p99",
        "stale",
        "export p50",
        "export p99",
        "check",
        "console CPU",
        "exporter CPU",
        "steady CPU"
    );
    let mut lines = Vec::new();
    for dsn in dsns {
        let (chunks, line, kinds) = measure(&rt, dsn, &targets, &fleet_dbs);
        println!("{line}");
        lines.push((chunks, kinds));
    }
    for (chunks, kinds) in lines {
        println!("  at {chunks} chunks, each kind's slowest change → frame: {kinds}");
    }
}

/// The role the one-shot reads after each change run as (a superuser, as the console's).
const CHECKER: &str = "hypertop_bench_check";

/// The role the console runs as (a superuser, as users run it): its statements apart from
/// the bench's changes and the one-shot reads.
const CONSOLE: &str = "hypertop_bench_console";

/// The console's statements in the window, the costliest first, each by its first line (its
/// statements' runs in all first: the rest of its backend's CPU is outside them).
fn print_statements(rt: &tokio::runtime::Runtime, admin: &tokio_postgres::Client, seconds: f64) {
    let rows = rt.block_on(admin.query(
        "SELECT calls, total_exec_time + total_plan_time AS ms, split_part(ltrim(query), E'\\n', 1) AS head
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
          ORDER BY 2 DESC",
        &[&CONSOLE],
    ));
    let Ok(rows) = rows else { return };
    let all: f64 = rows.iter().map(|r| r.get::<_, f64>(1)).sum();
    println!(
        "  the console's statements in the window ({seconds:.0} s; calls, ms in all, ms a call, % of a core): {:.3} % in all",
        all / 10.0 / seconds
    );
    for r in rows.into_iter().take(15) {
        let (calls, ms, head): (i64, f64, String) = (r.get(0), r.get(1), r.get(2));
        let head: String = head.chars().take(90).collect();
        println!(
            "    {calls:>6} {ms:>10.1} {:>8.2} {:>6.3}%  {head}",
            ms / calls.max(1) as f64,
            ms / 10.0 / seconds
        );
    }
}

/// One dataset: its row of the table, and each kind's slowest change → frame.
fn measure(
    rt: &tokio::runtime::Runtime,
    dsn: &str,
    targets: &str,
    fleet_dbs: &[String],
) -> (i64, String, String) {
    let admin = rt.block_on(connect(dsn));
    let (chunks, db): (i64, String) = rt.block_on(async {
        let r = admin
            .query_one("SELECT (SELECT count(*) FROM _timescaledb_catalog.chunk), current_database()::text", &[])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    });
    // a scheduler per database and room for the bench's jobs, else they never run
    let (budget, databases): (String, i64) = rt.block_on(async {
        let r = admin
            .query_one("SELECT current_setting('timescaledb.max_background_workers'), (SELECT count(*) FROM pg_database WHERE datallowconn)", &[])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    });
    assert!(
        budget.parse::<i64>().unwrap_or(0) >= databases + 2,
        "timescaledb.max_background_workers is {budget} for {databases} databases: no worker is left for the bench's jobs (tests/run gives the room at its start; or ALTER SYSTEM and restart)"
    );
    // the bench's own objects, made afresh
    rt.block_on(admin.batch_execute(&format!(
        "DO $$ BEGIN CREATE ROLE {CONSOLE} SUPERUSER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )))
    .unwrap();
    rt.block_on(admin.batch_execute(
        "DROP TABLE IF EXISTS scale.fresh_ht; DROP TABLE IF EXISTS scale.fresh_plain;
         DROP INDEX IF EXISTS scale.fresh_bench_idx;
         SELECT decompress_chunk(c, true) FROM show_chunks('scale.ht_001') c ORDER BY c LIMIT 1 OFFSET 6;
         SELECT count(*) FROM drop_chunks('scale.ht_001', newer_than => now() + interval '1 day');
         ALTER TABLE scale.ht_002 SET (timescaledb.compress_orderby = 'time DESC');
         SELECT remove_retention_policy('scale.ht_001', if_exists => true);
         SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_name IN ('fresh_tick', 'fresh_fail');
         CREATE OR REPLACE PROCEDURE scale.fresh_tick(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;
         CREATE OR REPLACE PROCEDURE scale.fresh_fail(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'fresh: fails'; END $$;
         CREATE TABLE scale.fresh_plain (a int); INSERT INTO scale.fresh_plain VALUES (1), (1);",
    ))
    .unwrap();
    let jobs: (i32, i32) = rt.block_on(async {
        let add = |proc: &'static str| {
            let admin = &admin;
            async move {
                admin
                    .query_one("SELECT add_job($1::text::regproc, '1 day', initial_start => now() + interval '1 day')", &[&proc])
                    .await
                    .unwrap()
                    .get::<_, i32>(0)
            }
        };
        (add("scale.fresh_tick").await, add("scale.fresh_fail").await)
    });
    let running = Arc::new(AtomicBool::new(true));
    let writing = writer(dsn.to_string(), running.clone());
    std::thread::sleep(Duration::from_secs(3));

    // the console, its first frame with data, a minute to settle (its first reads)
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(format!("{dsn} user={CONSOLE}"))
        .args(["--statement-timeout", "60s"]);
    let p = pty::Pty::spawn_sized(cmd, 200, 50);
    super::wait_for(&p, "refreshed", Duration::from_secs(300));
    let exporter = super::Exporter::start(&["--targets", targets]);
    let scraping = scraper(exporter.port, running.clone());
    std::thread::sleep(Duration::from_secs(20));
    // the console's cost with rows written and nothing else changing: a minute before the changes
    let steady_for = Duration::from_secs(60);
    let steady = Arc::new(AtomicBool::new(true));
    let steady_cpu = sample_cpu(
        dsn.to_string(),
        vec![db.clone()],
        Some(CONSOLE),
        steady.clone(),
    );
    std::thread::sleep(steady_for);
    steady.store(false, Ordering::Relaxed);
    let steady_cpu = steady_cpu.join().unwrap() / steady_for.as_secs_f64() * 100.0;
    let console_cpu = sample_cpu(
        dsn.to_string(),
        vec![db.clone()],
        Some(CONSOLE),
        running.clone(),
    );
    let exporter_cpu = sample_cpu(dsn.to_string(), fleet_dbs.to_vec(), None, running.clone());
    rt.block_on(admin.batch_execute(&format!(
        "DO $$ BEGIN CREATE ROLE {CHECKER} SUPERUSER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )))
    .unwrap();
    // where the server's time goes in the window, when pg_stat_statements is there to say
    let statements = rt
        .block_on(admin.simple_query("SELECT pg_stat_statements_reset()"))
        .is_ok();
    let window = Instant::now();

    let dir = tempfile::tempdir().unwrap();
    let keep = KeepIn::file(dir.path().join("r.sqlite"), Default::default());
    let one_shot = |keep: Option<&KeepIn>| {
        rt.block_on(async {
            // named apart and as a role of their own: the console's CPU is its sessions'
            // alone, and the statements' table below its statements'
            let c = super::connector(&format!(
                "{dsn} user={CHECKER} application_name=hypertop_check"
            ));
            let session = c.connect().await.expect("connect");
            let caps = Capabilities::detect(&session.client).await.unwrap();
            collect_once(&session, &c, &caps, &Thresholds::default(), false, keep)
                .await
                .data
        })
    };
    one_shot(Some(&keep));

    let truth = Arc::new(Mutex::new(String::new()));
    let (mut latencies, mut stale, mut right, mut asked) =
        (Vec::<f64>::new(), 0usize, 0usize, 0usize);
    let mut slowest: Vec<(&'static str, f64)> = Vec::new();
    for round in 0..ROUNDS {
        // FRESH_KINDS=a,b: only the kinds whose names hold one of these (to look at one)
        let wanted = std::env::var("FRESH_KINDS").unwrap_or_default();
        let wanted = |kind: &str| wanted.is_empty() || wanted.split(',').any(|w| kind.contains(w));
        for step in steps(round, truth.clone(), jobs)
            .into_iter()
            .filter(|s| wanted(s.kind))
        {
            // its tab, filtered to its object
            p.write(step.tab.to_string().as_bytes());
            std::thread::sleep(Duration::from_millis(300));
            p.write(b"\x1b"); // the tab's last filter cleared
            std::thread::sleep(Duration::from_millis(300));
            p.write(b"/");
            p.write(step.filter.as_bytes());
            p.write(b"\r");
            std::thread::sleep(Duration::from_millis(700));
            let before = p.screen();
            let job = match step.kind {
                "a job failed" => jobs.1,
                _ => jobs.0,
            };
            let counter = |sql: &str| -> i64 {
                rt.block_on(admin.query_opt(sql, &[&job]))
                    .unwrap()
                    .map_or(0, |r| r.get::<_, i64>(0))
            };
            let counted = step.committed.map(counter);
            for sql in &step.sql {
                match rt.block_on(admin.batch_execute(sql)) {
                    // a unique index built concurrently over duplicates fails and stays, invalid
                    Err(_) if step.kind == "an index left invalid" => {}
                    r => r.unwrap_or_else(|e| panic!("{}: {sql}: {e}", step.kind)),
                }
            }
            // a worker's change: its commit is when its counter moves
            if let (Some(sql), Some(counted)) = (step.committed, counted) {
                let asked = Instant::now();
                while counter(sql) <= counted && asked.elapsed() < GIVE_UP {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            let committed = Instant::now();
            if step.kind.starts_with("rows written (sizes)") {
                let bytes: i64 = rt
                    .block_on(admin.query_one("SELECT hypertable_size('scale.ht_001')", &[]))
                    .unwrap()
                    .get(0);
                *truth.lock().unwrap() = hypertop::format::bytes(bytes);
            }
            let shown = loop {
                if (step.shows)(&p.screen(), &before) {
                    break Some(committed.elapsed());
                }
                if committed.elapsed() > GIVE_UP {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            match shown {
                Some(t) => {
                    latencies.push(t.as_secs_f64());
                    if t > Duration::from_secs(4) {
                        stale += 1;
                    }
                    match slowest.iter_mut().find(|(k, _)| *k == step.kind) {
                        Some(s) => s.1 = s.1.max(t.as_secs_f64()),
                        None => slowest.push((step.kind, t.as_secs_f64())),
                    }
                }
                None => {
                    stale += 1;
                    eprintln!(
                        "  {}: not shown within {GIVE_UP:?}:\n{}",
                        step.kind,
                        p.screen()
                    );
                    slowest.push((step.kind, f64::INFINITY));
                }
            }
            // a one-shot read from what the last kept, against a cold read, right after
            let kept = one_shot(Some(&keep));
            let cold = one_shot(None);
            asked += 1;
            if shape(&kept) == shape(&cold) {
                right += 1;
            } else {
                let (k, c) = (shape(&kept), shape(&cold));
                let (k, c): (Vec<&str>, Vec<&str>) = (k.lines().collect(), c.lines().collect());
                let only = |a: &[&str], b: &[&str]| {
                    a.iter()
                        .filter(|l| !b.contains(l))
                        .copied()
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                eprintln!(
                    "  {}: the kept read differs from a cold one: kept only {}, cold only {}",
                    step.kind,
                    only(&k, &c),
                    only(&c, &k)
                );
            }
        }
    }
    let seconds = window.elapsed().as_secs_f64();
    if statements {
        print_statements(rt, &admin, seconds);
    }
    running.store(false, Ordering::Relaxed);
    let (console_cpu, exporter_cpu) = (console_cpu.join().unwrap(), exporter_cpu.join().unwrap());
    // the ages of the window's scrapes
    let mut ages: Vec<f64> = (scraping.join().unwrap().into_iter())
        .filter(|(at, _)| *at >= window)
        .map(|(_, age)| age)
        .collect();
    writing.join().unwrap();
    super::quit(p);
    drop(exporter);
    let line = format!(
        "  {:>8} {:>9} {:>8.2}s {:>8.2}s {:>6} {:>10.2}s {:>10.2}s {:>4}/{:<5} {:>11.3}% {:>12.3}% {:>11.3}%",
        chunks,
        latencies.len() + stale,
        percentile(&mut latencies.clone(), 0.5),
        percentile(&mut latencies, 0.99),
        stale,
        percentile(&mut ages.clone(), 0.5),
        percentile(&mut ages, 0.99),
        right,
        asked,
        console_cpu / seconds * 100.0,
        exporter_cpu / seconds * 100.0,
        steady_cpu,
    );
    let kinds = (slowest.iter())
        .map(|(k, t)| format!("{k} {t:.2}s"))
        .collect::<Vec<_>>()
        .join(", ");
    (chunks, line, kinds)
}
