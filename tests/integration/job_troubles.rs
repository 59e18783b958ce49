//! Jobs in trouble as TimescaleDB's issue tracker finds them: one running far longer than its
//! usual run (#7502, #7369: a policy "running" for hours), told with its worker's pid and what
//! it waits on, on the native servers whose scheduler really runs jobs; and the scheduler
//! failing to start jobs' workers again and again (#8543).

use std::time::{Duration, Instant};

use hypertop::model::{self, Payload, QueryKind};
use hypertop::problems::{self, ProblemKind, Thresholds};

use hypertop::capabilities::Capabilities;
use hypertop::connect::Session;
use hypertop::model::jobs::Job;

use crate::engines::{
    background_workers, has_job_history, in_fresh_schema, job_stat_row, native_tsdb_database,
    native_tsdb_versions_running_policies, on_each, on_own_empty_servers, open_at, psql, Tsdb,
};

/// The Jobs tab's jobs as session `s` reads them, and the problems found in them by `limits`.
async fn jobs_and_problems(
    s: &(Session, Capabilities),
    limits: &Thresholds,
) -> (Vec<Job>, Vec<problems::Problem>) {
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
        limits,
        chrono::Utc::now(),
    );
    (jobs, found)
}

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
            let (jobs, found) = jobs_and_problems(&s, &limits).await;
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
            if let (jobs, Some(p)) = long().await {
                // a run in flight is no failure, whatever the scheduler counted at its start
                let j = jobs.iter().find(|j| j.job_id.to_string() == job).unwrap();
                assert_eq!(j.consecutive_failures, 0, "{}: {j:?}", version.label());
                let (_, found) = jobs_and_problems(&s, &limits).await;
                assert!(
                    !found.iter().any(|p| p.kind == ProblemKind::JobFailing),
                    "{}: {found:?}",
                    version.label()
                );
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

#[tokio::test]
async fn jobs_the_scheduler_could_not_start_are_one_problem_about_workers() {
    on_own_empty_servers("launch", launch_failures).await;
}

/// Two jobs whose last three runs never started: the records the scheduler writes when no
/// background worker is free (on_failure_to_start_job: "failed to start job", its detail, XX000),
/// as its history (2.15+) or error table keeps them.
async fn launch_failures(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "lf",
        "CREATE PROCEDURE lf.noop(job int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;",
    );
    let jobs: Vec<String> = (0..2)
        .map(|_| psql(c, "SELECT add_job('lf.noop', '1 hour', scheduled => false)"))
        .collect();
    let history = has_job_history(c);
    for job in &jobs {
        let error = format!(
            "jsonb_build_object('message', 'failed to start job', 'detail',
               'Job {job} (\"User-Defined Action [{job}]\") failed to start', 'sqlerrcode', 'XX000',
               'proc_schema', 'lf', 'proc_name', 'noop')"
        );
        let record = if history {
            format!(
                "INSERT INTO _timescaledb_internal.bgw_job_stat_history
                        (job_id, pid, execution_start, execution_finish, succeeded, data)
                 SELECT {job}, NULL, now() - g * interval '1 hour', now() - g * interval '1 hour', false,
                        jsonb_build_object('error_data', {error})
                   FROM generate_series(1, 3) g;"
            )
        } else {
            format!(
                "INSERT INTO _timescaledb_internal.job_errors (job_id, pid, start_time, finish_time, error_data)
                 SELECT {job}, NULL, now() - g * interval '1 hour', now() - g * interval '1 hour', {error}
                   FROM generate_series(1, 3) g;"
            )
        };
        psql(
            c,
            &format!(
                "{record}
                 {}",
                job_stat_row(
                    job,
                    "now() - interval '1 hour', now() - interval '1 hour', now() + interval '1 hour',
                     '-infinity', false, 3, '0', '0', 0, 3, 0, 3, 0"
                )
            ),
        );
    }
    let s = open_at(c).await;
    let (_, found) = jobs_and_problems(&s, &Thresholds::default()).await;
    let launch: Vec<_> = found
        .iter()
        .filter(|p| p.kind == ProblemKind::JobLaunchFailing)
        .collect();
    assert_eq!(launch.len(), 1, "{}: {found:#?}", server.label);
    let p = launch[0];
    assert_eq!(p.severity, problems::Severity::Critical, "{}", p.message);
    assert!(
        p.message.contains("2 jobs, up to 3 times in a row"),
        "{}",
        p.message
    );
    assert!(p.message.contains("max_worker_processes"), "{}", p.message);
    for job in &jobs {
        assert!(p.object.contains(job.as_str()), "{}", p.object);
    }
    // not also a failing job each
    let ours =
        |p: &&problems::Problem| jobs.iter().any(|j| p.object.contains(&format!("job {j} ")));
    assert!(
        !found
            .iter()
            .filter(ours)
            .any(|p| p.kind == ProblemKind::JobFailing),
        "{}: {found:#?}",
        server.label
    );
}

/// A policy whose hypertable is gone (its configuration names an id no hypertable has, as jobs
/// made with `add_job` can): its row says so and one problem says what to do, instead of a
/// target "—" and an overdue job; a configuration whose id is not a plain number is not read,
/// and does not break the read.
#[tokio::test]
async fn a_policy_whose_hypertable_is_gone_is_said_so() {
    on_own_empty_servers("gonetarget", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "gone",
            "CREATE TABLE gone.kept (t timestamptz NOT NULL, v int);",
        );
        // the policy procedure of this version, in whichever schema it has it
        let add = |config: &str| {
            let said = psql(
                c,
                &format!(
                    "SELECT add_job(format('%I.policy_retention', n.nspname)::regproc, '1 day',
                                    config => '{config}', scheduled => false)
                       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE p.proname = 'policy_retention' AND n.nspname LIKE '\\_timescaledb%'
                      ORDER BY n.nspname = '_timescaledb_functions' DESC LIMIT 1"
                ),
            );
            let id = said.lines().last().unwrap_or_default().trim();
            id.parse::<i32>()
                .unwrap_or_else(|_| panic!("add_job said {said:?}"))
        };
        let gone = add(r#"{"hypertable_id": 987654, "drop_after": "7 days"}"#);
        let odd = add(r#"{"hypertable_id": "1); SELECT 1 --", "drop_after": "7 days"}"#);
        let s = open_at(c).await;
        let (jobs, found) = jobs_and_problems(&s, &Thresholds::default()).await;
        let job = |id: i32| jobs.iter().find(|j| j.job_id == id).unwrap();
        assert_eq!(job(gone).target_gone, Some(987_654), "{}", server.label);
        assert_eq!(job(odd).target_gone, None, "{}", server.label);
        let said: Vec<&problems::Problem> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::PolicyTargetGone)
            .collect();
        assert_eq!(said.len(), 1, "{}: {found:#?}", server.label);
        assert!(
            said[0].message.contains("id 987654")
                && said[0].message.contains(&format!("delete_job({gone})")),
            "{}: {}",
            server.label,
            said[0].message
        );
        psql(
            c,
            &format!("SELECT delete_job({gone}); SELECT delete_job({odd});"),
        );
    })
    .await;
}

/// A job whose next start was left unset (`-infinity`, as a failover or a crash mid-run leaves
/// it): below 2.26.4 the scheduler never starts it again (#9360), and the problem says so with
/// `start-job`, which `run` then plans, executes and journals — its next start set to now, the
/// problem gone. From 2.26.4 the scheduler recovers it: no problem, and `start-job` still sets
/// the next start. A paused job is not started: refused, nothing changed.
#[tokio::test]
async fn a_job_stuck_with_its_next_start_unset_is_started_by_start_job() {
    on_own_empty_servers("stuckunset", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "su",
            "CREATE PROCEDURE su.noop(job int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;",
        );
        let job = psql(c, "SELECT add_job('su.noop', '1 hour')");
        psql(
            c,
            &job_stat_row(
                &job,
                "now() - interval '3 hours', now() - interval '3 hours', '-infinity',
                 now() - interval '3 hours', true, 1, '1 s', '0', 1, 0, 0, 0, 0",
            ),
        );
        let s = open_at(c).await;
        let summary = match crate::engines::fetch(&s, QueryKind::Summary, None).await {
            Payload::Summary(summary) => summary,
            _ => panic!("a summary"),
        };
        let stuck_problems = |jobs: &[Job]| {
            problems::find(
                &problems::Inputs {
                    jobs: Some(jobs),
                    summary: Some(&summary),
                    timescaledb: true,
                    ..Default::default()
                },
                &Thresholds::default(),
                chrono::Utc::now(),
            )
            .into_iter()
            .filter(|p| p.message.contains("next start is unset"))
            .collect::<Vec<_>>()
        };
        let (jobs, _) = jobs_and_problems(&s, &Thresholds::default()).await;
        let stuck = stuck_problems(&jobs);
        let version = summary.timescaledb_version.clone().unwrap();
        let affected =
            hypertop::releases::has(&version, hypertop::releases::Limit::UnsetNextStartStuck)
                .is_some();
        let command = format!("start-job {job}");
        if affected {
            assert_eq!(stuck.len(), 1, "{}: {stuck:#?}", server.label);
            assert_eq!(stuck[0].action.as_deref(), Some(command.as_str()));
            assert!(stuck[0].message.contains(&command), "{}", stuck[0].message);
        } else {
            assert!(stuck.is_empty(), "{}: {stuck:#?}", server.label);
        }
        // the command the problem names, as a script runs it
        let journal = tempfile::NamedTempFile::new().unwrap();
        let run = |command: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
                .args(["run", command, c, "--yes", "--journal"])
                .arg(journal.path())
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
        };
        let out = run(&command);
        assert!(
            out.status.success(),
            "{}: {}",
            server.label,
            String::from_utf8_lossy(&out.stderr)
        );
        let since = psql(
            c,
            &format!(
                "SELECT extract(epoch FROM now() - next_start)::int
                   FROM _timescaledb_internal.bgw_job_stat WHERE job_id = {job}"
            ),
        );
        // set to the moment it ran (the engine has no scheduler to move it on; a native one
        // may already have started it and set the next an hour on)
        let since: i64 = since.parse().unwrap();
        assert!(
            since.abs() < 120 || since < -3000,
            "{}: {since}",
            server.label
        );
        let journaled = std::fs::read_to_string(journal.path()).unwrap();
        assert!(journaled.contains(&command), "{journaled}");
        assert!(journaled.contains("next_start"), "{journaled}");
        let (jobs, _) = jobs_and_problems(&s, &Thresholds::default()).await;
        assert!(stuck_problems(&jobs).is_empty(), "{}", server.label);
        // a paused job is not started: refused, and it stays paused
        psql(c, &format!("SELECT alter_job({job}, scheduled => false)"));
        let out = run(&command);
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("is paused"), "{said}");
        assert_eq!(
            psql(
                c,
                &format!("SELECT scheduled FROM _timescaledb_config.bgw_job WHERE id = {job}")
            ),
            "f"
        );
    })
    .await;
}

/// How much run history TimescaleDB keeps, said in a job's history as its own retention job is
/// configured: a month everywhere it has one, and from 2.23 at most so many successes and
/// failures a job (#8606); nothing where there is no such job (before 2.15).
#[tokio::test]
async fn a_jobs_history_says_how_much_timescaledb_keeps() {
    on_own_empty_servers("historykept", async |server| {
        let c = &server.conninfo;
        psql(c, "CREATE EXTENSION IF NOT EXISTS timescaledb");
        let config = psql(
            c,
            "SELECT coalesce((SELECT id || ' ' || config::text FROM _timescaledb_config.bgw_job
                               WHERE proc_name = 'policy_job_stat_history_retention'), '')",
        );
        let s = open_at(c).await;
        let (jobs, _) = jobs_and_problems(&s, &Thresholds::default()).await;
        let said = hypertop::model::jobs::history_kept(&jobs);
        let Some((id, config)) = config.split_once(' ') else {
            assert_eq!(said, None, "{}", server.label);
            return;
        };
        let config: serde_json::Value = serde_json::from_str(config).unwrap();
        let said = said.unwrap_or_else(|| panic!("{}: nothing said", server.label));
        assert!(
            said.starts_with(&format!("kept {}", config["drop_after"].as_str().unwrap()))
                && said.ends_with(&format!("(job {id})")),
            "{}: {said}",
            server.label
        );
        match config["max_successes_per_job"].as_i64() {
            Some(n) => assert!(
                said.contains(&format!(
                    "the last {n} successes and {} failures a job",
                    config["max_failures_per_job"]
                )),
                "{}: {said}",
                server.label
            ),
            None => assert!(!said.contains("successes"), "{}: {said}", server.label),
        }
    })
    .await;
}

/// TimescaleDB 2.29's compaction policy (`add_compaction_policy`, what compacts partial chunks
/// by policy) is a job of its own kind on the Jobs tab, with its hypertable as the target,
/// where the server has it (found in the catalog); it was "internal" with no target.
#[tokio::test]
async fn a_compaction_policy_is_its_own_kind_of_job() {
    on_own_empty_servers("compactionjob", async |server| {
        let c = &server.conninfo;
        psql(c, "CREATE EXTENSION IF NOT EXISTS timescaledb");
        let has = psql(
            c,
            "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'add_compaction_policy'",
        );
        if has != "t" {
            return;
        }
        in_fresh_schema(
            c,
            "cp",
            "CREATE TABLE cp.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('cp.m', 't');
             ALTER TABLE cp.m SET (timescaledb.compress);",
        );
        let job = psql(
            c,
            "SELECT add_compaction_policy('cp.m', initial_start => now() + interval '1 day')",
        );
        let s = open_at(c).await;
        let (jobs, _) = jobs_and_problems(&s, &Thresholds::default()).await;
        let j = (jobs.iter())
            .find(|j| j.job_id.to_string() == job.trim())
            .unwrap_or_else(|| panic!("{}: job {job} not listed", server.label));
        assert_eq!(j.kind, "compaction", "{}", server.label);
        assert_eq!(
            (j.target_schema.as_deref(), j.target_name.as_deref()),
            (Some("cp"), Some("m")),
            "{}",
            server.label
        );
    })
    .await;
}
