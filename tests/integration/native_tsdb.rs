//! What only a native TimescaleDB server can show (the engine is one session with no background
//! workers): locks held on chunks, and jobs run by real background workers. Run on every
//! version of the server named by `HYPERTOP_TEST_TSDB` (see README); without it there is no
//! such server and these tests check nothing but that (the suite is otherwise unchanged).

use std::time::{Duration, Instant};

use hypertop::actions::parse::parse;
use hypertop::headless;
use hypertop::model::{self, Payload, QueryKind};

use crate::actions::env_for;
use crate::engines::{
    backend_pid, background_workers, hold_lock, native_tsdb_database, native_tsdb_versions, psql,
};

/// Compression behind a lock another session holds on one chunk: it fails within the lock
/// timeout, names the holder and the chunk, and journals what it did before the lock.
#[tokio::test]
async fn a_lock_on_a_chunk_stops_compression_in_time_and_names_the_holder() {
    for version in native_tsdb_versions() {
        println!("== native TimescaleDB {version}");
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
        let (plan, _) = headless::make_plan(
            &e.ctx(),
            &parse("compress scn.metrics older-than 7days").unwrap(),
        )
        .await
        .unwrap();
        let started = Instant::now();
        let o = e.execute(&plan, Duration::from_secs(1), None).await;
        let took = started.elapsed();
        assert_eq!(o.status, "failed", "{o:?}");
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
        assert_eq!(entry.status(), "failed");
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
    }
}

/// Jobs run by the server's background workers: a failing custom job and the policies appear
/// with their real runs, errors and SQLSTATE on the Jobs tab, and the scheduler is seen.
#[tokio::test]
async fn jobs_run_by_real_background_workers_show_their_failures() {
    for version in native_tsdb_versions() {
        println!("== native TimescaleDB {version}");
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
             SELECT add_job('broken_export', '1 hour');",
        );
        background_workers(&conninfo, "start");

        let e = env_for(&conninfo).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let jobs = loop {
            let Ok(Payload::Jobs(jobs)) =
                model::fetch(QueryKind::Jobs, None, &e.session.client, &e.caps).await
            else {
                panic!("jobs")
            };
            let ran = |name: &str| {
                jobs.iter()
                    .any(|j| j.proc_name == name && j.total_runs > 0 && j.last_run_status.is_some())
            };
            if ran("broken_export") && ran("policy_compression") {
                break jobs;
            }
            assert!(
                Instant::now() < deadline,
                "no job ran within 60 s: {jobs:#?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let export = jobs
            .iter()
            .find(|j| j.proc_name == "broken_export")
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
            .find(|j| j.proc_name == "policy_compression")
            .unwrap();
        match policy.last_run_status.as_deref() {
            Some("Success") => assert_eq!(policy.consecutive_failures, 0),
            Some("Failed") => assert!(policy.last_error.is_some(), "{policy:?}"),
            other => panic!("{other:?}: {policy:?}"),
        }
        // A run's history (or, before 2.15, its errors) is there for the drill-down.
        let Ok(Payload::JobRuns(_, runs)) = model::fetch(
            QueryKind::JobRuns,
            Some(&model::Target::Job(export.job_id)),
            &e.session.client,
            &e.caps,
        )
        .await
        else {
            panic!("job runs")
        };
        assert!(
            runs.iter()
                .any(|r| r.err_message.as_deref() == Some("export target unreachable")),
            "{runs:?}"
        );
        // The scheduler is running: no "scheduler" problem.
        let Ok(Payload::Summary(summary)) =
            model::fetch(QueryKind::Summary, None, &e.session.client, &e.caps).await
        else {
            panic!("summary")
        };
        let inputs = hypertop::problems::Inputs {
            summary: Some(&summary),
            timescaledb: true,
            jobs: Some(&jobs),
            compression: None,
            retention: None,
            indexes: None,
            caggs: None,
            activity: None,
            lint: None,
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
    }
}

/// The real scheduler's causes: a job whose worker waits for a lock another session holds is
/// shown with its job on the Activity tab, blocked by the holder (and its chain names the
/// holder); a database in `timescaledb.restoring` mode has no scheduler, and says why.
#[tokio::test]
async fn a_job_blocked_by_a_lock_and_a_restoring_database_are_explained() {
    for version in native_tsdb_versions() {
        println!("== native TimescaleDB {version}");
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
        background_workers(&conninfo, "start");
        let e = env_for(&conninfo).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = loop {
            let Ok(Payload::Activity(s)) =
                model::fetch(QueryKind::Activity, None, &e.session.client, &e.caps).await
            else {
                panic!("activity")
            };
            if s.iter()
                .any(|s| s.job_id.map(|j| j.to_string()) == Some(job.clone()) && s.blocked())
            {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "the job's worker never waited: {s:#?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
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
        let Ok(Payload::Jobs(jobs)) =
            model::fetch(QueryKind::Jobs, None, &e.session.client, &e.caps).await
        else {
            panic!("jobs")
        };
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
        let Ok(Payload::Summary(summary)) =
            model::fetch(QueryKind::Summary, None, &e.session.client, &e.caps).await
        else {
            panic!("summary")
        };
        assert!(summary.timescaledb_restoring, "{summary:?}");
        let why = hypertop::problems::scheduler_down_reason(&summary);
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("timescaledb_post_restore")),
            "{why:?} {summary:?}"
        );
    }
}
