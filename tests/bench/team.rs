//! `--team STORE --from DSN [--targets 50] [--days 7]`: the team's flight recorder for a fleet
//! of targets over days of minute frames, written both into each target's local recording and
//! into the team store at STORE (made afresh: its schema `hypertop` is dropped first), as the
//! recorders write them — each target's frames its own (every section of it told apart), the
//! server's section new each minute and the hypertables' each hour. Printed: the bytes of the
//! local recordings and of the store after TimescaleDB's compression, the store's server CPU per
//! frame and what it comes to for the fleet at minute frames, and `replay`'s open time on one
//! target from either.

use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::history::{Sample, Series};
use hypertop::problems::Thresholds;
use hypertop::recording::bounds::Bounds;
use hypertop::recording::source::Source;
use hypertop::recording::store::{Frame, Store};
use hypertop::recording::team::reader::{TeamReader, Which};
use hypertop::recording::team::writer::{Pending, TeamWriter};
use hypertop::recording::team::{self, schema, StoreSession, TargetId};

fn frame_of(base: &Frame, t: usize, m: i64, at: chrono::DateTime<chrono::Utc>) -> Frame {
    let sections = base
        .sections
        .iter()
        .map(|(name, value)| {
            let moved = name == "json:server"
                || name == "text:000"
                || (name == "json:hypertables" && m % 60 == 0);
            let value = match (hypertop::recording::is_text(name), moved) {
                (true, true) => format!("target {t} minute {m}\n{value}"),
                (true, false) => format!("target {t}\n{value}"),
                // still JSON, and each target's (and each minute's, where it moved) own
                (false, true) => format!("[{t},{m},{value}]"),
                (false, false) => format!("[{t},{value}]"),
            };
            (name.clone(), value)
        })
        .collect();
    Frame { at, sections }
}

fn samples(m: i64, at: chrono::DateTime<chrono::Utc>) -> Vec<Sample> {
    let at = at.timestamp() as u32;
    [
        (Series::Ingest, m as f64 * 100.0),
        (Series::WorstLag, (m % 17) as f64),
        (Series::FailingJobs, 0.0),
        (Series::Blocked, 0.0),
        (Series::DatabaseBytes, 1e9 + m as f64 * 8192.0),
        (Series::HypertablesRead, 1.0),
    ]
    .into_iter()
    .map(|(series, value)| Sample { series, at, value })
    .collect()
}

/// The CPU seconds of this store database's hypertop sessions.
async fn store_cpu(observer: &tokio_postgres::Client) -> f64 {
    observer
        .query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'hypertop' AND datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| super::cpu_seconds(r.get::<_, i32>(0) as u32))
        .sum()
}

pub fn team_part(store: &str, from: &str, targets: usize, days: i64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = rt.block_on(async {
        let c = super::connector(from);
        let session = c.connect().await.expect("connect");
        let caps = Capabilities::detect(&session.client).await.unwrap();
        let snap = hypertop::snapshot::collect_once(
            &session,
            &c,
            &caps,
            &Thresholds::default(),
            true,
            None,
        )
        .await;
        hypertop::recorder::frame_of(&snap, chrono::Utc::now()).unwrap()
    });
    let resolved = team::resolve(store).unwrap();
    let observer = rt.block_on(super::connect(store));
    rt.block_on(async {
        observer
            .batch_execute("DROP SCHEMA IF EXISTS hypertop CASCADE")
            .await
            .unwrap();
        let s = StoreSession::open(&resolved).await.unwrap();
        schema::init(&s, Duration::from_secs(90 * 86400))
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let mut locals: Vec<Store> = (0..targets)
        .map(|t| {
            Store::create(&dir.path().join(format!("t{t}.sqlite")), Bounds::default()).unwrap()
        })
        .collect();
    let ids: Vec<TargetId> = (0..targets)
        .map(|t| TargetId {
            system: format!("7100000000000{t:06}"),
            database_oid: 16384,
        })
        .collect();
    let mut writers: Vec<TeamWriter> = (0..targets)
        .map(|_| TeamWriter::new(resolved.clone(), Duration::from_secs(90 * 86400), None))
        .collect();
    let minutes = days * 24 * 60;
    let end = chrono::Utc::now();
    let (mut local_time, mut team_time) = (Duration::ZERO, Duration::ZERO);
    // each frame's write, from the recorder's hand-over to its commit: from then every reader
    // has it (what a reader sees is at most a frame interval and this old)
    let mut writes: Vec<Duration> = Vec::with_capacity(minutes as usize * targets);
    // the sessions open first: what is measured is the writing
    for w in &mut writers {
        rt.block_on(w.connect()).unwrap();
    }
    let cpu0 = rt.block_on(store_cpu(&observer));
    let started = Instant::now();
    for m in 0..minutes {
        let at = end - chrono::Duration::minutes(minutes - m);
        for t in 0..targets {
            let frame = frame_of(&base, t, m, at);
            let samples = samples(m, at);
            let clock = Instant::now();
            locals[t].append(&frame).unwrap();
            locals[t].append_samples(&samples).unwrap();
            local_time += clock.elapsed();
            let clock = Instant::now();
            let f = rt.block_on(writers[t].write(Pending {
                address: format!("target{t}:5432/app"),
                target: ids[t].clone(),
                frame,
                samples,
            }));
            assert!(f.error.is_none(), "{:?}", f.error);
            team_time += clock.elapsed();
            writes.push(clock.elapsed());
        }
    }
    let cpu = rt.block_on(store_cpu(&observer)) - cpu0;
    let frames = (minutes as usize * targets) as f64;
    let wrote = started.elapsed();
    let local_bytes: u64 = locals
        .iter_mut()
        .map(|s| {
            s.prune(end.timestamp_millis()).unwrap();
            s.used_bytes().unwrap()
        })
        .sum();
    drop(locals);
    drop(writers);
    let (before, after) = rt.block_on(async {
        let s = StoreSession::open(&resolved).await.unwrap();
        let before = hypertop::recording::team::writer::bytes(&s).await.unwrap();
        let ts = s.timescaledb.clone().expect("a TimescaleDB store");
        observer
            .batch_execute(&format!(
                "SELECT {ts}.compress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass, true)
                   FROM timescaledb_information.chunks
                  WHERE hypertable_schema = 'hypertop' AND NOT is_compressed
                    AND range_end <= now() - interval '1 hour'"
            ))
            .await
            .unwrap();
        (before, hypertop::recording::team::writer::bytes(&s).await.unwrap())
    });
    // replay's open on one target, from either
    let t = Instant::now();
    let local = Source::Local(Store::open(&dir.path().join("t0.sqlite")).unwrap().unwrap());
    let (_, replay) = hypertop::replay::open(local, "bench", None).unwrap();
    assert!(!replay.shown.sections.is_empty());
    let local_open = t.elapsed();
    let t = Instant::now();
    let reader = TeamReader::open(&resolved, Which::Identity(ids[0].clone()))
        .unwrap()
        .unwrap();
    let (_, replay) = hypertop::replay::open(Source::Team(reader), "bench", None).unwrap();
    assert!(!replay.shown.sections.is_empty());
    let team_open = t.elapsed();
    // a frame written now by one recorder, read by another's open reader at once
    let now = chrono::Utc::now();
    let mut last = TeamWriter::new(resolved.clone(), Duration::from_secs(90 * 86400), None);
    let clock = Instant::now();
    let f = rt.block_on(last.write(Pending {
        address: "target0:5432/app".into(),
        target: ids[0].clone(),
        frame: frame_of(&base, 0, minutes, now),
        samples: samples(minutes, now),
    }));
    assert!(f.error.is_none(), "{:?}", f.error);
    let live = TeamReader::open(&resolved, Which::Identity(ids[0].clone()))
        .unwrap()
        .unwrap();
    let seen = live.at_or_before(now).unwrap().map(|f| f.at);
    let seen_after = clock.elapsed();
    assert_eq!(
        seen.map(|a| a.timestamp_millis()),
        Some(now.timestamp_millis()),
        "the newest frame is not what a reader reads"
    );
    writes.sort_unstable();
    let pick = |q: f64| writes[((writes.len() - 1) as f64 * q).round() as usize];
    let per_frame = cpu / frames;
    let fleet_cpu = per_frame * targets as f64 / 60.0 * 100.0;
    let frame_bytes: usize = base.sections.iter().map(|(_, v)| v.len()).sum();
    println!("\n## The team's flight recorder: {targets} targets, {days} days of minute frames ({frames:.0} frames of {:.1} kB)", frame_bytes as f64 / 1e3);
    println!(
        "  local recordings: {:.1} MB in all, written in {:.0} s ({} a frame)",
        local_bytes as f64 / 1e6,
        local_time.as_secs_f64(),
        super::ms(local_time / frames as u32)
    );
    println!(
        "  team store: {:.1} MB before compression, {:.1} MB after ({:.2}x the local recordings'; goal ≤ 0.33x)",
        before as f64 / 1e6,
        after as f64 / 1e6,
        after as f64 / local_bytes.max(1) as f64
    );
    println!(
        "  team store's server CPU: {:.3} ms a frame ({:.0} s over {:.0} s of writing, {} a frame client side): {fleet_cpu:.3} % of a core for {targets} targets at minute frames (goal ≤ 1 %)",
        per_frame * 1e3,
        cpu,
        wrote.as_secs_f64(),
        super::ms(team_time / frames as u32),
    );
    println!(
        "  replay open on one target's {} frames: {} from the team store, {} from its local recording (goal ≤ 1 s)",
        minutes,
        super::ms(team_open),
        super::ms(local_open)
    );
    println!(
        "  freshness: a frame is every reader's once its write commits, {} p50, {} p99 after the recorder hands it over (in the same run); a frame written now read by another session's reader {} later: what readers see is at most a frame interval (1 min) and that old",
        super::ms(pick(0.5)),
        super::ms(pick(0.99)),
        super::ms(seen_after)
    );
    println!("  (the local recordings as `record` prunes them, their pages in use; the store's tables, indexes, TOAST and chunks; CPU: the writers' backends on the store, from /proc, the store local)");
}
