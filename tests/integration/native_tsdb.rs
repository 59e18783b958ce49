//! What only a native TimescaleDB server can show (the engine is one session with no background
//! workers): locks held on chunks, and jobs run by real background workers. Run on every
//! version of the server named by `HYPERTOP_TEST_TSDB` (see docs/testing.md); without it there is no
//! such server and these tests check nothing but that (the suite is otherwise unchanged).

use hypertop::actions::journal::Status;
use std::time::{Duration, Instant};

use hypertop::actions::parse::parse;
use hypertop::headless;
use hypertop::model::{self, Payload, QueryKind};

use crate::actions::{env_for, Env};
use crate::engines::{
    backend_pid, background_workers, hold_lock, native_tsdb_database, native_tsdb_versions,
    native_tsdb_versions_running_policies, on_each, psql,
};

/// What `kind` reads on `e`'s session (of `subject` where given), a failed read a panic
/// naming `what`.
async fn read(
    e: &Env,
    kind: QueryKind,
    subject: Option<model::DrillTarget>,
    what: &str,
) -> Payload {
    model::fetch(kind, subject.as_ref(), &e.session.client, &e.caps)
        .await
        .unwrap_or_else(|_| panic!("{what}"))
}

/// The Jobs tab's jobs as `e` reads them.
async fn jobs(e: &Env) -> Vec<hypertop::model::jobs::Job> {
    let Payload::Jobs(jobs) = read(e, QueryKind::Jobs, None, "jobs").await else {
        panic!("jobs")
    };
    jobs
}

/// The overview's summary as `e` reads it.
async fn summary(e: &Env) -> hypertop::model::Summary {
    let Payload::Summary(summary) = read(e, QueryKind::Summary, None, "summary").await else {
        panic!("summary")
    };
    summary
}

/// The runs of job `id` as its drill-down reads them.
async fn job_runs(e: &Env, id: i32) -> Vec<hypertop::model::jobs::JobRun> {
    let job = Some(model::DrillTarget::Job(id));
    let Payload::JobRuns(_, runs) = read(e, QueryKind::JobRuns, job, "job runs").await else {
        panic!("job runs")
    };
    runs
}

/// Reads with `read` every half second until `done` holds for what it read, and returns that;
/// after 60 s fails with `failure` and the last read.
async fn within_a_minute<T: std::fmt::Debug>(
    failure: &str,
    read: impl AsyncFn() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let read = read().await;
        if done(&read) {
            return read;
        }
        assert!(Instant::now() < deadline, "{failure}: {read:#?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Compression behind a lock another session holds on one chunk: it fails within the lock
/// timeout, names the holder and the chunk, and journals what it did before the lock.
#[tokio::test]
async fn a_lock_on_a_chunk_stops_compression_in_time_and_names_the_holder() {
    on_each(native_tsdb_versions(), async |version| {
        let conninfo =
            native_tsdb_database(version, Some("tests/fixtures/scenario.sql"), "chunklock");
        let e = env_for(&conninfo).await;
        // The third chunk of the six in the backlog (2024-01-05 to -10): compression goes
        // oldest first, so two are done before it.
        let chunk = psql(
            &conninfo,
            "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
              WHERE hypertable_name = 'metrics' AND range_start = '2024-01-07'",
        );
        let holder = hold_lock(&conninfo, &chunk).await;
        let plan = headless::make_plan(
            &e.ctx(),
            &parse("compress scn.metrics older-than 7days").unwrap(),
        )
        .await
        .unwrap();
        let started = Instant::now();
        let o = e.execute(&plan, Duration::from_secs(1)).await;
        let took = started.elapsed();
        assert_eq!(o.status, Status::Failed, "{o:?}");
        let err = o.error.clone().unwrap();
        assert!(err.contains("lock timeout"), "{err}");
        let bare = chunk.trim_start_matches("_timescaledb_internal.");
        assert!(
            err.contains("AccessExclusiveLock") && err.contains(bare),
            "the holder and the chunk are named: {err}"
        );
        assert!(took < Duration::from_secs(15), "failed after {took:?}");
        let done = o.completed;
        assert_eq!(done, 2, "{o:?}");
        let entry = e.last_entry();
        assert_eq!(entry.status(), Some(Status::Failed));
        drop(holder);
        // What it did compress is rolled back exactly.
        if done > 0 {
            let o = e.act("rollback").await.unwrap();
            assert_eq!(o.completed, done);
        }
        assert_eq!(
            psql(
                &conninfo,
                "SELECT count(*) FROM timescaledb_information.chunks
                  WHERE hypertable_name = 'metrics' AND is_compressed"
            ),
            "4"
        );
    })
    .await;
}

/// Jobs run by the server's background workers: a failing custom job and the policies appear
/// with their real runs, errors and SQLSTATE on the Jobs tab, and the scheduler is seen.
#[tokio::test]
async fn jobs_run_by_real_background_workers_show_their_failures() {
    on_each(native_tsdb_versions(), async |version| {
        let conninfo = native_tsdb_database(version, None, "workers");
        psql(
            &conninfo,
            "CREATE TABLE m (t timestamptz NOT NULL, v float8);
             SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO m SELECT g, 1 FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 hour') g;
             ALTER TABLE m SET (timescaledb.compress);
             SELECT add_compression_policy('m', interval '1 day');
             CREATE PROCEDURE broken_export(job_id int, config jsonb) LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'export target unreachable' USING ERRCODE = 'P0001'; END $$;
             SELECT add_job('broken_export', '1 hour');
             CREATE PROCEDURE broken_mirror(job_id int, config jsonb) LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'mirror offline' USING ERRCODE = 'P0001'; END $$;",
        );
        // jobs failing alike, enough to be folded into one problem
        let mirrors = hypertop::problems::FOLD_FROM;
        psql(
            &conninfo,
            &format!("SELECT add_job('broken_mirror', '1 hour') FROM generate_series(1, {mirrors})"),
        );
        background_workers(&conninfo, "start");

        let e = env_for(&conninfo).await;
        let jobs = within_a_minute("no job ran within 60 s", async || jobs(&e).await, |jobs| {
            let ran = |name: &str| {
                jobs.iter()
                    .any(|j| &*j.proc_name == name && j.total_runs > 0 && j.last_run_status.is_some())
            };
            let mirrors_failed = jobs
                .iter()
                .filter(|j| &*j.proc_name == "broken_mirror" && j.consecutive_failures > 0)
                .count();
            ran("broken_export") && ran("policy_compression") && mirrors_failed == mirrors
        })
        .await;
        let export = jobs
            .iter()
            .find(|j| &*j.proc_name == "broken_export")
            .unwrap();
        assert_eq!(
            export.last_run_status.as_deref(),
            Some("Failed"),
            "{export:?}"
        );
        assert!(export.total_failures >= 1 && export.consecutive_failures >= 1);
        assert_eq!(
            export.last_error.as_deref(),
            Some("export target unreachable"),
            "{export:?}"
        );
        assert_eq!(export.last_error_code.as_deref(), Some("P0001"));
        // The policy ran for real: whatever its outcome on this server (on PostgreSQL 15.20
        // every policy job fails with "cannot drop portal"), the tab says which, with the error.
        let policy = jobs
            .iter()
            .find(|j| &*j.proc_name == "policy_compression")
            .unwrap();
        match policy.last_run_status.as_deref() {
            Some("Success") => assert_eq!(policy.consecutive_failures, 0),
            Some("Failed") => assert!(policy.last_error.is_some(), "{policy:?}"),
            other => panic!("{other:?}: {policy:?}"),
        }
        // A run's history (or, before 2.15, its errors) is there for the drill-down.
        let runs = job_runs(&e, export.job_id).await;
        assert!(
            runs.iter()
                .any(|r| r.err_message.as_deref() == Some("export target unreachable")),
            "{runs:?}"
        );
        // The scheduler is running: no "scheduler" problem.
        let summary = summary(&e).await;
        let inputs = hypertop::problems::Inputs {
            summary: Some(&summary),
            timescaledb: true,
            jobs: Some(&jobs),
            ..Default::default()
        };
        let found = hypertop::problems::find(
            &inputs,
            &hypertop::problems::Thresholds::default(),
            chrono::Utc::now(),
        );
        assert!(!found.iter().any(|p| p.kind == "scheduler"), "{found:#?}");
        assert!(found
            .iter()
            .any(|p| p.kind == "job failing" && p.object.contains("broken_export")));
        // the mirrors, failing alike, are one problem that names them all and counts each
        let mut ids: Vec<i32> = jobs
            .iter()
            .filter(|j| &*j.proc_name == "broken_mirror")
            .map(|j| j.job_id)
            .collect();
        ids.sort_unstable();
        let folded: Vec<_> = found
            .iter()
            .filter(|p| p.message.ends_with(": mirror offline"))
            .collect();
        assert_eq!(folded.len(), 1, "{found:#?}");
        assert_eq!(folded[0].object, format!("{mirrors} jobs"));
        assert_eq!(hypertop::problems::count(folded.iter().copied()), mirrors);
        let json = serde_json::to_value(folded[0]).unwrap();
        let listed: Vec<i32> = serde_json::from_value(json["jobs"].clone()).unwrap();
        assert_eq!(listed, ids);
    })
    .await;
}

/// The real scheduler's causes: a job whose worker waits for a lock another session holds is
/// shown with its job on the Activity tab, blocked by the holder (and its chain names the
/// holder); a database in `timescaledb.restoring` mode has no scheduler, and says why.
#[tokio::test]
async fn a_job_blocked_by_a_lock_and_a_restoring_database_are_explained() {
    on_each(native_tsdb_versions(), async |version| {
        let conninfo = native_tsdb_database(version, None, "causes");
        psql(
            &conninfo,
            "CREATE TABLE ledger (id int);
             CREATE PROCEDURE touch_ledger(job_id int, config jsonb) LANGUAGE plpgsql AS
               $$ BEGIN LOCK TABLE public.ledger IN ACCESS EXCLUSIVE MODE; END $$;",
        );
        let holder = hold_lock(&conninfo, "public.ledger").await;
        let holder_pid = backend_pid(&holder).await;
        let job = psql(&conninfo, "SELECT add_job('touch_ledger', '1 hour')");
        let paused = psql(&conninfo, "SELECT add_job('touch_ledger', '1 hour')");
        psql(
            &conninfo,
            &format!("SELECT alter_job({paused}, scheduled => false)"),
        );
        background_workers(&conninfo, "start");
        let e = env_for(&conninfo).await;
        let activity = async || {
            let Payload::Activity(s) = read(&e, QueryKind::Activity, None, "activity").await else {
                panic!("activity")
            };
            s
        };
        // blocked, and since when known: a worker reports its state a moment after it starts
        // waiting (seen under load: state_change still NULL)
        let sessions = within_a_minute("the job's worker never waited", activity, |s| {
            s.iter().any(|s| {
                s.job_id.map(|j| j.to_string()) == Some(job.clone())
                    && s.blocked()
                    && s.in_state_seconds().is_some()
            })
        })
        .await;
        let worker = sessions
            .iter()
            .find(|s| s.job_id.map(|j| j.to_string()) == Some(job.clone()))
            .unwrap();
        assert_eq!(worker.blocked_by, [holder_pid], "{worker:?}");
        assert!(
            worker.waiting_for.iter().any(|r| r.ends_with("ledger")),
            "{worker:?}"
        );
        // Long enough blocked (as if a minute had passed): the job's problem leads to the holder.
        let jobs = jobs(&e).await;
        // Its worker runs it, as job_stats says (Jobs reads the statistics' table, not the view);
        // the paused one, never run, is paused.
        let status = |id: &str| {
            jobs.iter()
                .find(|j| j.job_id.to_string() == id)
                .and_then(|j| j.job_status.clone())
        };
        let view = psql(
            &conninfo,
            &format!(
                "SELECT job_status FROM timescaledb_information.job_stats WHERE job_id = {job}"
            ),
        );
        assert_eq!(
            (status(&job).as_deref(), view.as_str()),
            (Some("Running"), "Running")
        );
        assert_eq!(status(&paused).as_deref(), Some("Paused"));
        let later: Vec<_> = sessions
            .iter()
            .cloned()
            .map(|mut s| {
                s.server_now += chrono::Duration::seconds(60);
                s
            })
            .collect();
        let found = hypertop::problems::find(
            &hypertop::problems::Inputs {
                jobs: Some(&jobs),
                activity: Some(&later),
                timescaledb: true,
                ..Default::default()
            },
            &Default::default(),
            chrono::Utc::now(),
        );
        // Sessions are the cluster's: other tests' blocked sessions may be listed too.
        let blocked = found
            .iter()
            .find(|p| p.kind == "blocked" && p.object.contains(&format!("job {job}")))
            .unwrap_or_else(|| panic!("{found:#?}"));
        assert!(
            blocked.object.contains(&format!("job {job}"))
                && blocked.message.contains(&format!("pid {holder_pid}")),
            "{blocked:?}"
        );
        drop(holder);

        // timescaledb.restoring: the scheduler stays down for this database, and says so.
        let db = psql(&conninfo, "SELECT current_database()");
        psql(
            &conninfo,
            &format!("ALTER DATABASE {db} SET timescaledb.restoring = 'on'"),
        );
        background_workers(&conninfo, "stop");
        background_workers(&conninfo, "start");
        let e = env_for(&conninfo).await;
        // The launcher starts this database's scheduler all the same; it reads the setting and
        // exits, and for that moment it is listed as running (seen under load in CI).
        let summary = crate::engines::eventually(
            Duration::from_secs(30),
            "the scheduler to exit",
            || async {
                let summary = summary(&e).await;
                (!summary.scheduler_running).then_some(summary)
            },
        )
        .await;
        assert!(summary.timescaledb_restoring, "{summary:?}");
        let why = hypertop::problems::scheduler_down_reason(&summary);
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("timescaledb_post_restore")),
            "{why:?} {summary:?}"
        );
    })
    .await;
}

/// Reads the datasets the overview and the Jobs and Caggs tabs show into a console's state, as
/// its poller would.
async fn console_state(e: &crate::actions::Env) -> hypertop::app::state::AppState {
    let mut state =
        hypertop::app::state::AppState::new("native".into(), Duration::from_secs(2), true, false);
    state.data.caps = Some(e.caps.clone());
    for kind in [
        QueryKind::Summary,
        QueryKind::Catalog,
        QueryKind::Caggs,
        QueryKind::Jobs,
    ] {
        let result = model::fetch(kind, None, &e.session.client, &e.caps)
            .await
            .map_err(hypertop::model::ReadError::from);
        state.on_result(hypertop::poller::QueryResult {
            kind,
            target: None,
            result,
            elapsed: Duration::ZERO,
            finished_at: chrono::Utc::now(),
        });
    }
    state
}

/// What only a scheduler that really runs TimescaleDB's policies shows (PostgreSQL 17 here; on
/// 15.20 every policy job fails): `run-job` of a retention policy drops the old chunks; started,
/// the scheduler compresses, retains and refreshes by itself; each policy's runs appear in the
/// Jobs tab's history as successes; the cagg's watermark advances and its lag problem clears
/// with nobody refreshing it; and the overview says the scheduler is running.
#[tokio::test]
async fn policies_really_run_by_the_scheduler_show_their_runs_and_clear_lag() {
    on_each(native_tsdb_versions_running_policies(), async |version| {
        let conninfo = native_tsdb_database(version, None, "policies_run");
        psql(
            &conninfo,
            "CREATE TABLE m (t timestamptz NOT NULL, v float8);
             SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO m SELECT g, 1
               FROM generate_series(now() - interval '10 days', now(), interval '10 minutes') g;
             ALTER TABLE m SET (timescaledb.compress);
             SELECT add_compression_policy('m', interval '2 days');
             SELECT add_retention_policy('m', interval '7 days');
             CREATE MATERIALIZED VIEW m_10min WITH (timescaledb.continuous) AS
               SELECT time_bucket('10 minutes', t) AS bucket, avg(v) FROM m GROUP BY 1 WITH NO DATA;
             SELECT add_continuous_aggregate_policy('m_10min', start_offset => interval '3 days',
               end_offset => interval '1 minute', schedule_interval => interval '1 hour');",
        );
        let e = env_for(&conninfo).await;
        let job = |proc: &str| {
            psql(
                &conninfo,
                &format!(
                    "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = '{proc}'"
                ),
            )
        };
        let chunks = || {
            psql(
                &conninfo,
                "SELECT count(*) || ' ' || count(*) FILTER (WHERE is_compressed)
                   FROM timescaledb_information.chunks WHERE hypertable_name = 'm'",
            )
        };
        assert_eq!(chunks(), "11 0");

        // The scheduler is stopped (the fixture's rule): the cagg was never refreshed and lags.
        let state = console_state(&e).await;
        let problems = |state: &hypertop::app::state::AppState| {
            state.data.problems(&state.thresholds, chrono::Utc::now())
        };
        let lagging = |state: &hypertop::app::state::AppState| {
            problems(state)
                .iter()
                .any(|p| p.kind == "cagg lag" && p.object.ends_with("m_10min"))
        };
        assert!(lagging(&state), "{:#?}", problems(&state));

        // run-job of a real policy, from the palette's path: the retention drops what is older
        // than 7 days (3 or 4 of the 11 day-chunks, by the hour of the run).
        let retention = job("policy_retention");
        e.act(&format!("run-job {retention}")).await.unwrap();
        let left: i64 = chunks().split(' ').next().unwrap().parse().unwrap();
        assert!((7..=8).contains(&left), "{left} chunks left");

        // Successful runs reach the history only with execution logging (a server-wide
        // setting; failures are always logged).
        psql(
            &conninfo,
            "ALTER SYSTEM SET timescaledb.enable_job_execution_logging = on",
        );
        psql(&conninfo, "SELECT pg_reload_conf()");
        crate::engines::eventually(Duration::from_secs(10), "the setting reloaded", || async {
            (psql(&conninfo, "SHOW timescaledb.enable_job_execution_logging") == "on").then_some(())
        })
        .await;
        background_workers(&conninfo, "start");
        let compression = job("policy_compression");
        let refresh = job("policy_refresh_continuous_aggregate");
        let succeeded = |jobs: &[hypertop::model::jobs::Job], id: &str| {
            jobs.iter().any(|j| {
                j.job_id.to_string() == id
                    && j.last_run_status.as_deref() == Some("Success")
                    && j.total_runs > 0
            })
        };
        let jobs = crate::engines::eventually(
            Duration::from_secs(90),
            "the scheduler to run the three policies",
            || async {
                let Ok(Payload::Jobs(jobs)) =
                    model::fetch(QueryKind::Jobs, None, &e.session.client, &e.caps).await
                else {
                    return None;
                };
                [&compression, &retention, &refresh]
                    .iter()
                    .all(|id| succeeded(&jobs, id))
                    .then_some(jobs)
            },
        )
        .await;
        let policy = |id: &str| jobs.iter().find(|j| j.job_id.to_string() == id).unwrap();
        assert_eq!(policy(&compression).consecutive_failures, 0);
        assert!(
            policy(&refresh).last_error.is_none(),
            "{:?}",
            policy(&refresh)
        );
        // What they did: everything older than 2 days compressed, nothing older than 7 left.
        let (all, compressed) = {
            let c = chunks();
            let mut w = c.split(' ').map(|n| n.parse::<i64>().unwrap());
            (w.next().unwrap(), w.next().unwrap())
        };
        assert!(
            compressed >= all - 3 && compressed >= 4,
            "{all} chunks, {compressed} compressed"
        );

        // Each policy's runs are in the Jobs tab's history, as successes with their times, and
        // drawn at 80x24 as bars (the compression policy's, opened from its row).
        let mut state = console_state(&e).await;
        state.show_tab(hypertop::screens::Tab::named("jobs").unwrap());
        for key in "/compression\r\r".chars() {
            use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
            let code = match key {
                '\r' => KeyCode::Enter,
                c => KeyCode::Char(c),
            };
            state.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        }
        let drill = state
            .view(state.tab())
            .drill
            .as_ref()
            .expect("the job's history open");
        let (_, target) = drill.read().expect("a read fills it");
        let target = target.clone();
        assert_eq!(
            target,
            model::DrillTarget::Job(compression.parse().unwrap())
        );
        let result = model::fetch(
            QueryKind::JobRuns,
            Some(&target),
            &e.session.client,
            &e.caps,
        )
        .await
        .map_err(hypertop::model::ReadError::from);
        let Ok(Payload::JobRuns(_, runs)) = &result else {
            panic!("job runs: {result:?}")
        };
        let (count, failed) = (
            runs.len(),
            runs.iter().filter(|r| r.succeeded == Some(false)).count(),
        );
        state.on_result(hypertop::poller::QueryResult {
            kind: QueryKind::JobRuns,
            target: Some(target),
            result,
            elapsed: Duration::ZERO,
            finished_at: chrono::Utc::now(),
        });
        let screen = crate::render_sized(&state, 80, 24);
        assert!(screen.contains("Run durations, newest right"), "{screen}");
        assert!(
            screen.contains(&format!("last {count} runs · x failed: {failed}")),
            "{screen}"
        );
        for id in [&compression, &retention, &refresh] {
            let runs = job_runs(&e, id.parse().unwrap()).await;
            assert!(
                runs.iter().any(|r| r.succeeded == Some(true)
                    && r.start_time.is_some()
                    && r.finish_time >= r.start_time),
                "job {id}: {runs:?}"
            );
        }

        // The cagg refreshed itself: its watermark is recent and the lag problem is gone.
        let state = console_state(&e).await;
        let cagg = state
            .data
            .caggs
            .value()
            .and_then(|c| c.iter().find(|c| c.name == "m_10min").cloned())
            .expect("the cagg");
        assert!(cagg.lag_seconds.is_some_and(|lag| lag < 3600.0), "{cagg:?}");
        assert!(!lagging(&state), "{:#?}", problems(&state));
        assert!(
            !problems(&state).iter().any(|p| p.kind == "scheduler"),
            "{:#?}",
            problems(&state)
        );
        // And the overview says the scheduler runs.
        let text = crate::render_text(&mut { state }, hypertop::screens::Tab::HOME);
        let line = text
            .lines()
            .find(|l| l.contains("Scheduler"))
            .unwrap_or_else(|| panic!("no scheduler line:\n{text}"));
        assert!(
            line.contains("running") && !line.contains("NOT RUNNING"),
            "{line}"
        );
    })
    .await;
}
