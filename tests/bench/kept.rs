//! `--kept DSN,DSN,…`: one-shot reads as `check` and `snapshot` make them, cold (nothing kept)
//! and from what the last one kept, against the bare catalog reads, on each built dataset; then
//! the replay's open time on a week of minute frames of that dataset, and the recording's size
//! after the week against its bound.

use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::problems::Thresholds;
use hypertop::recording::bounds::Bounds;
use hypertop::recording::store::{Frame, Store};
use hypertop::snapshot::{collect_once, KeepIn};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A one-shot read on a new session, as the command makes it (a second session from 10,000
/// relations), from what `keep` holds when given.
async fn one_shot(dsn: &str, keep: Option<&KeepIn>) -> (Duration, hypertop::snapshot::Snapshot) {
    let c = super::connector(dsn);
    let t = Instant::now();
    let session = c.connect().await.expect("connect");
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let snap = collect_once(&session, &c, &caps, &Thresholds::default(), false, keep).await;
    (t.elapsed(), snap)
}

/// A new session, as a one-shot read opens one, and the bare catalog reads on it.
async fn cold_bare(dsn: &str) -> Duration {
    let t = Instant::now();
    let session = super::connector(dsn).connect().await.expect("connect");
    super::bare_reads(&session.client, 1).await;
    t.elapsed()
}

pub fn kept_part(list: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("\n## One-shot reads (check, snapshot), cold and from what the last kept, against the bare catalog reads");
    println!(
        "  {:>8} {:>10} {:>10} {:>10} {:>8} {:>10} {:>8} {:>11} {:>12} {:>12}",
        "chunks",
        "bare",
        "cold",
        "kept",
        "cold/bare",
        "",
        "kept/bare",
        "kept bytes",
        "replay open",
        "week store"
    );
    for dsn in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let dir = tempfile::tempdir().unwrap();
        let keep = KeepIn::file(dir.path().join("r.sqlite"), Bounds::default());
        let chunks: i64 = rt.block_on(async {
            let s = super::hypertop_session(dsn).await;
            s.client
                .query_one("SELECT count(*) FROM _timescaledb_catalog.chunk", &[])
                .await
                .unwrap()
                .get(0)
        });
        // the first keeps; then cold and kept in turn, three each
        let (_, snap) = rt.block_on(one_shot(dsn, Some(&keep)));
        let (mut bare, mut cold, mut kept) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3 {
            bare.push(rt.block_on(cold_bare(dsn)));
            cold.push(rt.block_on(one_shot(dsn, None)).0);
            kept.push(rt.block_on(one_shot(dsn, Some(&keep))).0);
        }
        let (bare, cold, kept) = (median(bare), median(cold), median(kept));
        let kept_bytes = std::fs::metadata(&keep.file).map_or(0, |m| m.len());
        let (open, week) = replay_and_week(&snap, dir.path());
        println!(
            "  {chunks:>8} {:>10} {:>10} {:>10} {:>8.2}x {:>10} {:>8.2}x {:>8.1} MB {:>12} {:>9.1} MB",
            super::ms(bare),
            super::ms(cold),
            super::ms(kept),
            cold.as_secs_f64() / bare.as_secs_f64(),
            "",
            kept.as_secs_f64() / bare.as_secs_f64(),
            kept_bytes as f64 / 1e6,
            super::ms(open),
            week as f64 / 1e6,
        );
    }
    println!("  (each a new session as the command opens one, default sslmode, medians of three taken in turn; bare: a new session and the catalog reads any answer must make on it; kept bytes: the recording holding what was kept; replay open: `hypertop replay` on a week of minute frames of the dataset, from opening the recording to the first screen's sections; week store: that recording after the week, pruned, against its 256 MiB bound. Goals: kept ≤ 2.5x bare, replay open ≤ 1 s, the week within the bound)");
}

/// A week of minute frames of `snap` written (the server's section new each minute, the
/// hypertables' each hour, as sizes grow), pruned as `record` prunes; then the replay opened on
/// the latest. The open time, and the recording's bytes in use.
fn replay_and_week(snap: &hypertop::snapshot::Snapshot, dir: &std::path::Path) -> (Duration, u64) {
    let path = dir.join("week.sqlite");
    let mut store = Store::create(&path, Bounds::default()).unwrap();
    let end = chrono::Utc::now();
    let first = hypertop::recorder::frame_of(snap, end).unwrap();
    let minutes = 7 * 24 * 60;
    // at most this long writing (a large dataset's frames are hashed whole at each append)
    let started = Instant::now();
    let mut written = 0;
    for m in 0..minutes {
        if started.elapsed() > Duration::from_secs(240) {
            break;
        }
        written += 1;
        let at = end - chrono::Duration::minutes(minutes - m);
        let sections = first
            .sections
            .iter()
            .map(|(name, value)| {
                let moved = name == "json:server" || (name == "json:hypertables" && m % 60 == 0);
                // still JSON, and new: stored again (a value is kept once by content)
                let value = if moved {
                    format!("[{m},{value}]")
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        store.append(&Frame { at, sections }).unwrap();
    }
    store.prune(end.timestamp_millis()).unwrap();
    let bytes = store.used_bytes().unwrap();
    drop(store);
    let t = Instant::now();
    let source = hypertop::recording::source::Source::Local(Store::open(&path).unwrap().unwrap());
    let (_store, replay) = hypertop::replay::open(source, "bench", None).unwrap();
    assert!(!replay.shown.sections.is_empty());
    let open = t.elapsed();
    if written < minutes {
        println!(
            "  (the week: {written} of {minutes} frames in {:.0} s, a frame of {:.1} MB; its bytes are those frames')",
            started.elapsed().as_secs_f64(),
            first.sections.iter().map(|(_, v)| v.len()).sum::<usize>() as f64 / 1e6
        );
    }
    (open, bytes)
}
