//! `--record DSN,DSN,…`: what the flight recorder costs a console, on each built dataset's
//! real answers. A day of reads at the default 2 s refresh is replayed through the store as the
//! console takes them in (the pulse every read; the jobs and caggs every 30 s and the catalog
//! every minute, as the reads' rests allow at scale; a tenth of the hypertables growing each
//! minute), in the same run with the history noting samples and without: the loop's cost per
//! read, the recording thread's write per read, the store's bytes for the day, and the time to
//! open the last hour back (read it and make the history again, what a console does at start).

use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::history::History;
use hypertop::model::{Payload, QueryKind};
use hypertop::recording::bounds::Bounds;
use hypertop::recording::store::Store;
use hypertop::store::Dataset;

const READS_A_DAY: u32 = 43_200;

/// One read's answers: (kind, payload), the catalog's given as its datasets' payloads.
type Answers = Vec<(QueryKind, Payload)>;

/// The dataset's answers, the catalog's given as its datasets' payloads.
async fn answers(dsn: &str) -> (i64, Capabilities, Answers) {
    let (chunks, caps, read) = super::answers_of(dsn).await;
    let mut out = Vec::new();
    for (kind, payload) in read {
        match payload {
            Payload::Catalog(c) => out.extend(c.into_payloads().into_iter().map(|p| (kind, p))),
            p => out.push((kind, p)),
        }
    }
    (chunks, caps, out)
}

/// Whether `kind` is read at read `n` (the pulse every read, jobs and caggs every 15th, the
/// catalog every 30th).
fn due(kind: QueryKind, n: u32) -> bool {
    match kind {
        QueryKind::Summary | QueryKind::Activity => true,
        QueryKind::Jobs | QueryKind::Caggs => n.is_multiple_of(15),
        _ => n.is_multiple_of(30),
    }
}

/// Read `n`'s payload of `p`: the clock and the insert counter moved on, and every minute a
/// tenth of the hypertables a page larger.
fn at_read(p: &Payload, n: u32, at: chrono::DateTime<chrono::Utc>) -> Payload {
    match p {
        Payload::Summary(s) => {
            let mut s = s.clone();
            s.server_now = at;
            s.rows_inserted = Some(i64::from(n) * 1_000);
            Payload::Summary(s)
        }
        Payload::Hypertables(v) => {
            let minute = i64::from(n / 30);
            let mut v = v.clone();
            for (i, h) in v.iter_mut().enumerate().filter(|(i, _)| i % 10 == 0) {
                h.total_bytes += 8192 * minute + i as i64 % 7;
            }
            Payload::Hypertables(v)
        }
        p => p.clone(),
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

pub fn record_part(list: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!("\n## The flight recorder's cost to a console: a day of 2 s reads replayed from each dataset's answers");
    println!(
        "  {:>8} {:>11} {:>13} {:>13} {:>10} {:>13} {:>12} {:>12} {:>12}",
        "chunks",
        "hypertables",
        "loop/read",
        "without",
        "ratio",
        "write/read",
        "write p99",
        "bytes/day",
        "open hour"
    );
    for dsn in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let (chunks, caps, answers) = rt.block_on(answers(dsn));
        let tables = answers
            .iter()
            .find_map(|(_, p)| match p {
                Payload::Hypertables(v) => Some(v.len()),
                _ => None,
            })
            .unwrap_or(0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        let mut store = Store::create(&path, Bounds::default()).unwrap();
        let (mut recording, mut plain) =
            (Dataset::new(Some(caps.clone())), Dataset::new(Some(caps)));
        recording.history.record();
        let start = chrono::Utc::now() - chrono::Duration::days(1);
        let (mut noting, mut without, mut writes) = (Duration::ZERO, Duration::ZERO, Vec::new());
        for n in 0..READS_A_DAY {
            let at = start + chrono::Duration::seconds(2 * i64::from(n));
            let read: Vec<(QueryKind, Payload)> = answers
                .iter()
                .filter(|(k, _)| due(*k, n))
                .map(|(k, p)| (*k, at_read(p, n, at)))
                .collect();
            // the same answers into both, timed in turn, each first every other read
            let mut plain_read = || {
                let t = Instant::now();
                for (kind, p) in read.iter().cloned() {
                    plain.apply(kind, Ok(p), at, Duration::ZERO);
                }
                t.elapsed()
            };
            let mut recorded_read = || {
                let t = Instant::now();
                for (kind, p) in read.iter().cloned() {
                    recording.apply(kind, Ok(p), at, Duration::ZERO);
                }
                (recording.history.take_samples(), t.elapsed())
            };
            let (samples, took) = if n.is_multiple_of(2) {
                without += plain_read();
                recorded_read()
            } else {
                let r = recorded_read();
                without += plain_read();
                r
            };
            noting += took;
            let t = Instant::now();
            store.append_samples(&samples).unwrap();
            writes.push(t.elapsed());
        }
        let end = start + chrono::Duration::seconds(2 * i64::from(READS_A_DAY));
        store.prune(end.timestamp_millis()).unwrap();
        let bytes = store.used_bytes().unwrap();
        drop(store);
        // a console opening: the recording read back and the history made again
        let t = Instant::now();
        let reader = Store::open(&path).unwrap().unwrap();
        let past = reader
            .samples_since((end.timestamp() - 3600) as u32)
            .unwrap();
        let mut history = History::default();
        history.restore(&past);
        let open = t.elapsed();
        let total_write: Duration = writes.iter().sum();
        writes.sort();
        let per = |d: Duration| d / READS_A_DAY;
        println!(
            "  {chunks:>8} {tables:>11} {:>13} {:>13} {:>9.2}x {:>13} {:>12} {:>9.1} MB {:>12}",
            us(per(noting)),
            us(per(without)),
            noting.as_secs_f64() / without.as_secs_f64().max(1e-9),
            us(per(total_write)),
            us(writes[writes.len() * 99 / 100]),
            bytes as f64 / 1e6,
            super::ms(open),
        );
    }
    println!("  (loop/read: taking a read's answers in with the samples noted and taken, the loop's share; without: the same answers without a recording, timed in turn in the same run; write: the recording thread's transaction per read, off the loop; bytes/day: the store after the day, pruned to its bounds (the last hour whole, a minute a sample before); open hour: reading the last hour back and making the history again. Goals: recording ≤ 1 ms a read, open ≤ 1 s)");
}
