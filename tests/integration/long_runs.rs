//! A job running far longer than its usual run (TimescaleDB #7502, #7369: a policy "running"
//! for hours), told with its worker's pid and what it waits on, on the native servers whose
//! scheduler really runs jobs.

use std::time::{Duration, Instant};

use hypertop::model::{self, Payload, QueryKind};
use hypertop::problems::{self, ProblemKind, Thresholds};

use crate::engines::{
    background_workers, native_tsdb_database, native_tsdb_versions_running_policies, on_each,
    open_at, psql,
};

#[tokio::test]
async fn a_job_held_running_past_its_usual_run_is_a_problem_with_its_worker() {
    on_each(native_tsdb_versions_running_policies(), async |version| {
        let c = native_tsdb_database(version, None, "longrun");
        psql(
            &c,
            "CREATE SCHEMA lr;
             CREATE PROCEDURE lr.nap(job int, config jsonb) LANGUAGE plpgsql
               AS $$ BEGIN PERFORM pg_sleep((config->>'sleep')::float8); END $$;",
        );
        let job = psql(
            &c,
            "SELECT add_job('lr.nap', '1 second', config => '{\"sleep\": 0}')",
        );
        background_workers(&c, "start");
        let stat = |what: &str| {
            psql(
                &c,
                &format!("SELECT {what} FROM timescaledb_information.job_stats WHERE job_id = {job}"),
            )
        };
        // a few quick runs make its usual run
        let started = Instant::now();
        while stat("coalesce(total_successes, 0)").parse::<i64>().unwrap_or(0) < 3 {
            assert!(started.elapsed() < Duration::from_secs(60), "the job never ran three times");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let s = open_at(&c).await;
        // a floor of 2 s: the test waits seconds, not the default ten minutes
        let limits = Thresholds {
            long_run_floor: Duration::from_secs(2),
            ..Thresholds::default()
        };
        let long = async || {
            let Payload::Jobs(jobs) = model::fetch(QueryKind::Jobs, None, &s.0.client, &s.1)
                .await
                .unwrap()
            else {
                panic!("jobs")
            };
            let found = problems::find(
                &problems::Inputs {
                    jobs: Some(&jobs),
                    timescaledb: true,
                    ..Default::default()
                },
                &limits,
                chrono::Utc::now(),
            );
            (
                jobs,
                found.into_iter().find(|p| p.kind == ProblemKind::JobRunningLong),
            )
        };
        let (jobs, none) = long().await;
        assert!(none.is_none(), "{}: quick runs are not long: {none:?}", version.label());
        let mean = jobs
            .iter()
            .find(|j| j.job_id.to_string() == job)
            .and_then(|j| j.mean_run_seconds);
        assert!(mean.is_some_and(|m| m < 2.0), "{}: {mean:?}", version.label());
        // its next run sleeps a minute
        psql(
            &c,
            &format!("SELECT alter_job({job}, config => '{{\"sleep\": 60}}')"),
        );
        let started = Instant::now();
        let problem = loop {
            if let (_, Some(p)) = long().await {
                break p;
            }
            assert!(
                started.elapsed() < Duration::from_secs(40),
                "{}: the sleeping run never called long",
                version.label()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let pid = psql(
            &c,
            &format!(
                "SELECT pid FROM pg_stat_activity
                  WHERE application_name = (SELECT application_name FROM timescaledb_information.jobs
                                             WHERE job_id = {job})"
            ),
        );
        psql(
            &c,
            &format!("SELECT delete_job({job}); SELECT pg_cancel_backend({pid})"),
        );
        background_workers(&c, "stop");
        let m = &problem.message;
        assert!(m.contains(&format!("worker pid {pid}")), "{}: {m}", version.label());
        assert!(m.contains("PgSleep"), "{}: what it waits on: {m}", version.label());
        assert!(m.contains("usual run"), "{m}");
        assert!(m.contains(&format!("pg_cancel_backend({pid})")), "{m}");
    })
    .await;
}
