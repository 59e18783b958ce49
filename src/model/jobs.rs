//! Background jobs: kind, schedule, statistics, errors and run history.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

use super::names::{Interner, Name};
use super::rows::array;
use super::statements::Prepared;
use super::structure::{Cached, Fingerprint};
use super::watch::{reaches, Horizon, Rest, RowsSeen};
use super::DrillTarget;
use crate::capabilities::Capabilities;
use crate::queries;

/// A job's next start this far in the past (or more) makes it overdue.
pub const OVERDUE_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A job as the Jobs tab lists it: what it is (shared with the definitions kept between
/// refreshes, and read through them: `job.proc_name`) and its state this refresh. The texts
/// that jobs repeat (owner, procedure, target, status, error) are held once per read, not once
/// per job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Job {
    #[serde(flatten)]
    pub definition: Arc<JobDefinition>,
    /// `Running`, `Paused` or `Scheduled`.
    pub job_status: Option<Name>,
    /// The worker running it now, and what that waits on (`Lock: relation`), if anything.
    pub worker_pid: Option<i32>,
    pub waiting_on: Option<Name>,
    /// Its usual run: the mean of the runs that ended (none before the first).
    pub mean_run_seconds: Option<f64>,
    pub last_run_status: Option<Name>,
    pub last_run_started: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub next_start: Option<DateTime<Utc>>,
    /// Its next start is not set (`-infinity`: a first run, or one in flight or crashed): the
    /// scheduler starts it as soon as it looks.
    pub next_start_unset: bool,
    pub total_runs: i64,
    pub total_failures: i64,
    /// The runs in a row that did not succeed: failed or crashed.
    pub consecutive_failures: i32,
    pub last_error: Option<Name>,
    pub last_error_code: Option<Name>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// A job as it is defined (`queries/jobs.sql`): what only DDL and job changes move, kept
/// between refreshes while the Jobs tab's watch sees the jobs table unchanged, and shared by each
/// refresh's [`Job`]s (copied into them, they were held twice at every moment).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobDefinition {
    pub job_id: i32,
    pub application_name: Name,
    pub kind: &'static str,
    pub proc_schema: Name,
    pub proc_name: Name,
    pub target_schema: Option<Name>,
    pub target_name: Option<Name>,
    pub owner: Name,
    pub schedule_seconds: Option<f64>,
    pub scheduled: bool,
    pub config: Option<Name>,
    /// A policy's hypertable that is gone: the id its configuration names, which no hypertable
    /// has (dropped under it); the policy has nothing left to act on.
    pub target_gone: Option<i32>,
}

reads_through!(Job, definition: JobDefinition);

impl Job {
    /// `schema.name` of the hypertable or cagg the job acts on, if any.
    pub fn target(&self) -> Option<String> {
        Some(crate::format::qualified(
            self.target_schema.as_deref()?,
            self.target_name.as_deref()?,
        ))
    }

    pub fn running(&self) -> bool {
        self.job_status.as_deref() == Some("Running")
    }

    /// How long its run in flight has been going (None: not running, or its start unknown).
    pub fn running_for(&self, now: DateTime<Utc>) -> Option<chrono::TimeDelta> {
        self.last_run_started
            .filter(|_| self.running())
            .map(|started| now - started)
    }

    /// Its next start left unset (`-infinity`) longer than a schedule since its last start, on
    /// a release of TimescaleDB `version` whose scheduler never starts such a job again: the
    /// limit, with the release that fixed it.
    pub fn stuck_unset(
        &self,
        version: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<&'static crate::releases::Known> {
        let known = crate::releases::has(version?, crate::releases::Limit::UnsetNextStartStuck)?;
        let every = chrono::TimeDelta::seconds(self.schedule_seconds? as i64);
        let since = now - self.last_run_started?;
        (self.scheduled
            && self.next_start_unset
            && !self.running()
            && since > every + OVERDUE_GRACE)
            .then_some(known)
    }

    /// Scheduled, not running, and its next start is well in the past.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.scheduled
            && self.target_gone.is_none()
            && !self.running()
            && self.next_start.is_some_and(|t| now - t > OVERDUE_GRACE)
    }
}

/// How much run history TimescaleDB keeps, as its history retention job is configured
/// (`drop_after`; from 2.23 at most `max_successes_per_job` and `max_failures_per_job` a job,
/// #8606): `kept 1 month, the last 1000 successes and 1000 failures a job (job 3)`. None
/// where there is no such job (before 2.15 errors were kept by another).
pub fn history_kept(list: &[Job]) -> Option<String> {
    let j = list.iter().find(|j| {
        &*j.proc_name == "policy_job_stat_history_retention"
            && j.proc_schema.starts_with("_timescaledb_")
    })?;
    if !j.scheduled {
        return Some(format!(
            "history kept without bound: its retention job {} is paused",
            j.job_id
        ));
    }
    let config: serde_json::Value = serde_json::from_str(j.config.as_deref()?).ok()?;
    let mut kept = vec![format!("kept {}", config.get("drop_after")?.as_str()?)];
    let cap = |key: &str| config.get(key).and_then(serde_json::Value::as_i64);
    if let (Some(ok), Some(failed)) = (cap("max_successes_per_job"), cap("max_failures_per_job")) {
        kept.push(format!(
            "the last {ok} successes and {failed} failures a job"
        ));
    }
    Some(format!("{} (job {})", kept.join(", "), j.job_id))
}

/// The kind of work a job does, from its procedure (names stable across 2.x).
pub fn kind(proc_schema: &str, proc_name: &str) -> &'static str {
    let internal = proc_schema.starts_with("_timescaledb_");
    match proc_name {
        "policy_compression" if internal => "compression",
        "policy_retention" if internal => "retention",
        "policy_refresh_continuous_aggregate" if internal => "cagg refresh",
        "policy_reorder" if internal => "reorder",
        // 2.29: compact_chunk by policy (add_compaction_policy)
        "policy_compaction" if internal => "compaction",
        "policy_recompression" if internal => "recompression",
        // 2.21–2.26: the hypertables' invalidations moved to their caggs out of band
        "policy_process_hypertable_invalidations" if internal => "invalidations",
        "policy_job_stat_history_retention" | "policy_job_error_retention" if internal => {
            "log retention"
        }
        "policy_telemetry" if internal => "telemetry",
        _ if internal => "internal",
        _ => "custom",
    }
}

impl JobDefinition {
    fn from_row(r: &Row, names: &mut Interner) -> Result<JobDefinition, tokio_postgres::Error> {
        let proc_schema = names.column(r, "proc_schema")?;
        let proc_name = names.column(r, "proc_name")?;
        Ok(JobDefinition {
            job_id: r.try_get("job_id")?,
            application_name: Name::from(r.try_get::<_, &str>("application_name")?),
            kind: kind(&proc_schema, &proc_name),
            proc_schema,
            proc_name,
            target_schema: names.optional(r, "target_schema")?,
            target_name: names.optional(r, "target_name")?,
            owner: names.column(r, "owner")?,
            schedule_seconds: r.try_get("schedule_seconds")?,
            scheduled: r.try_get("scheduled")?,
            config: r.try_get::<_, Option<&str>>("config")?.map(Name::from),
            target_gone: r.try_get("target_gone")?,
        })
    }
}

/// What a job's runs change, read at every refresh (`queries/job_states.sql`); a job without a
/// row has none of it.
#[derive(Debug, Clone, Default)]
struct JobState {
    running: bool,
    worker_pid: Option<i32>,
    waiting_on: Option<Name>,
    mean_run_seconds: Option<f64>,
    last_run_status: Option<Name>,
    last_run_started: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    next_start: Option<DateTime<Utc>>,
    next_start_unset: bool,
    total_runs: i64,
    total_failures: i64,
    consecutive_failures: i32,
    last_error: Option<Name>,
    last_error_code: Option<Name>,
    last_error_at: Option<DateTime<Utc>>,
}

impl JobState {
    fn from_row(r: &Row, names: &mut Interner) -> Result<(i32, JobState), tokio_postgres::Error> {
        let state = JobState {
            running: r.try_get("running")?,
            worker_pid: r.try_get("worker_pid")?,
            waiting_on: names.optional(r, "waiting_on")?,
            mean_run_seconds: r.try_get("mean_run_seconds")?,
            last_run_status: names.optional(r, "last_run_status")?,
            last_run_started: r.try_get("last_run_started")?,
            last_success: r.try_get("last_success")?,
            next_start: r.try_get("next_start")?,
            next_start_unset: r.try_get("next_start_unset")?,
            total_runs: r.try_get("total_runs")?,
            total_failures: r.try_get("total_failures")?,
            consecutive_failures: r.try_get("consecutive_failures")?,
            last_error: names.optional(r, "last_error")?,
            last_error_code: names.optional(r, "last_error_code")?,
            last_error_at: r.try_get("last_error_at")?,
        };
        Ok((r.try_get("job_id")?, state))
    }
}

/// The Jobs tab's rows made as the states arrive: each job as it is defined, with its state
/// (pure). Both come in job order; a state whose job is not defined here (made since) waits for
/// the next refresh, and a job without one has none (every state held until the definitions
/// were known added to the console's peak).
struct Merge<'a> {
    definitions: std::slice::Iter<'a, Arc<JobDefinition>>,
    jobs: Vec<Job>,
    statuses: [Name; 3],
}

impl<'a> Merge<'a> {
    fn new(definitions: &'a [Arc<JobDefinition>]) -> Merge<'a> {
        Merge {
            definitions: definitions.iter(),
            jobs: Vec::with_capacity(definitions.len()),
            statuses: ["Running", "Paused", "Scheduled"].map(Name::from),
        }
    }

    /// Job `id`'s state, after every job before it without one.
    fn add(&mut self, id: i32, state: JobState) {
        let rest = self.definitions.as_slice();
        let before = rest.iter().take_while(|d| d.job_id < id).count();
        for d in &rest[..before] {
            self.push(d, JobState::default());
        }
        self.definitions = rest[before..].iter();
        if let Some(d) = self
            .definitions
            .as_slice()
            .first()
            .filter(|d| d.job_id == id)
        {
            self.definitions.next();
            self.push(d, state);
        }
    }

    fn push(&mut self, d: &Arc<JobDefinition>, state: JobState) {
        let [running, paused, scheduled] = &self.statuses;
        let status = match (state.running, d.scheduled) {
            (true, _) => running,
            (false, false) => paused,
            (false, true) => scheduled,
        };
        self.jobs.push(Job {
            definition: d.clone(),
            job_status: Some(status.clone()),
            worker_pid: state.worker_pid,
            waiting_on: state.waiting_on,
            mean_run_seconds: state.mean_run_seconds,
            last_run_status: state.last_run_status,
            last_run_started: state.last_run_started,
            last_success: state.last_success,
            next_start: state.next_start,
            next_start_unset: state.next_start_unset,
            total_runs: state.total_runs,
            total_failures: state.total_failures,
            consecutive_failures: state.consecutive_failures,
            last_error: state.last_error,
            last_error_code: state.last_error_code,
            last_error_at: state.last_error_at,
        });
    }

    /// Every job, the ones after the last state without one.
    fn finish(mut self) -> Vec<Job> {
        while let Some(d) = self.definitions.next() {
            self.push(d, JobState::default());
        }
        self.jobs
    }
}

/// What the Jobs tab keeps between its refreshes on one connection: the jobs as they are
/// defined, every job's state, and how its watch last saw the catalog (`queries/jobs_watch.sql`):
/// a refresh reads again the definitions when the jobs table moved, and the states of the jobs
/// whose statistics moved, whose worker started or went, or that run now.
#[derive(Debug, Default)]
pub struct KeptJobs {
    definitions: Cached<Vec<Arc<JobDefinition>>>,
    /// By job id.
    states: Vec<(i32, JobState)>,
    horizon: Horizon,
    seen: Option<Seen>,
    generation: u64,
    /// Whether the next watch may rest (a console's refresh after one that scanned).
    rest: Rest,
    /// How many times the watch rested (scanned neither table): counted for the tests.
    pub rests: u64,
    /// How many times every job's definition was read, and some jobs' alone: counted for the
    /// tests.
    pub definitions_read: (u64, u64),
}

#[derive(Debug)]
struct Seen {
    stats: RowsSeen,
    jobs: RowsSeen,
    /// The application names of the workers running jobs.
    running: Vec<String>,
}

/// What one watch answered.
struct Watch {
    horizon: String,
    /// Whether it scanned the jobs table; else it rested (the statistics and `running` are
    /// read all the same).
    scanned: bool,
    writes: Option<i64>,
    stats: RowsSeen,
    /// The jobs whose statistics rows were written since the horizon (each with its version).
    stat_rows: Vec<(i32, i64)>,
    jobs: RowsSeen,
    /// The jobs whose rows in the jobs table were written since the horizon (each with its
    /// version).
    job_rows: Vec<(i32, i64)>,
    running: Vec<String>,
}

impl Watch {
    async fn read(
        client: &Client,
        statement: &tokio_postgres::Statement,
        horizon: &Horizon,
        rest: Option<i64>,
    ) -> Result<Watch, tokio_postgres::Error> {
        let rest = rest.filter(|_| horizon.is_some());
        let mut row = client.query_one(statement, &[horizon, &rest]).await?;
        if horizon.is_some() && !reaches(row.try_get("horizon_age")?) {
            row = (client.query_one(statement, &[&None::<String>, &None::<i64>])).await?;
        }
        let ids: Vec<i32> = array(&row, "stat_jobs")?;
        let versions: Vec<i64> = array(&row, "stat_versions")?;
        let job_versions: Vec<i64> = array(&row, "job_versions")?;
        let job_ids: Vec<i32> = array(&row, "job_ids")?;
        // in this process's order (the server's collation may sort otherwise)
        let mut running: Vec<String> = array(&row, "running")?;
        running.sort_unstable();
        Ok(Watch {
            horizon: row.try_get("horizon")?,
            scanned: row.try_get("scanned")?,
            writes: row.try_get("writes")?,
            stats: RowsSeen::new(row.try_get("stats")?, versions.clone()),
            stat_rows: ids.into_iter().zip(versions).collect(),
            jobs: RowsSeen::new(row.try_get("jobs")?, job_versions.clone()),
            job_rows: job_ids.into_iter().zip(job_versions).collect(),
            running,
        })
    }
}

impl KeptJobs {
    /// What the definitions kept were read under (None: none kept): it changes when they are
    /// read again.
    pub fn read_from(&self) -> Option<Fingerprint> {
        self.definitions.read_from()
    }

    /// The next read reads every job's definition and state.
    pub fn forget(&mut self) {
        self.seen = None;
        self.horizon = None;
        self.rest = Rest::default();
    }
}

/// The jobs whose rows in the jobs table `watch` saw written since `last`, where those alone
/// moved it (pure): None where a row was deleted (the count is short of the jobs kept and
/// those written) or nothing is kept to tell by — every job is read then. A rested watch did
/// not scan it: none.
fn written(
    last: Option<&Seen>,
    watch: &Watch,
    kept: Option<&[Arc<JobDefinition>]>,
) -> Option<Vec<i32>> {
    let (last, kept) = (last?, kept?);
    if !watch.scanned || !watch.jobs.moved_since(Some(&last.jobs)) {
        return Some(Vec::new());
    }
    let mut ids: Vec<i32> = (watch.job_rows.iter())
        .filter(|(_, v)| !last.jobs.has(*v))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let made = (ids.iter())
        .filter(|id| kept.binary_search_by_key(*id, |d| d.job_id).is_err())
        .count();
    (watch.jobs.count() == (kept.len() + made) as i64).then_some(ids)
}

/// The jobs whose state to read again after `watch` (pure): None for every job (nothing kept,
/// a statistics row deleted, a row of the jobs table deleted: `written` None); else those whose
/// statistics or row moved, whose worker started or ended, and those running (what they wait
/// on moves).
fn moved(
    last: Option<&Seen>,
    watch: &Watch,
    definitions: &[Arc<JobDefinition>],
    written: Option<&[i32]>,
) -> Option<Vec<i32>> {
    let (last, written) = (last?, written?);
    if watch.stats.count() != last.stats.count() {
        return None;
    }
    let mut ids: Vec<i32> = written.to_vec();
    ids.extend(
        (watch.stat_rows.iter())
            .filter(|(_, v)| !last.stats.has(*v))
            .map(|(id, _)| *id),
    );
    let named = |names: &[String]| -> Vec<i32> {
        (definitions.iter())
            .filter(|d| {
                names
                    .binary_search_by(|n| n.as_str().cmp(&d.application_name))
                    .is_ok()
            })
            .map(|d| d.job_id)
            .collect()
    };
    ids.extend(named(&watch.running));
    ids.extend(named(&last.running));
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// The Jobs tab's rows: the jobs' definitions and states kept in `kept`, read again where its
/// watch says they moved (a `one_shot` read keeps nothing and reads them all).
pub async fn fetch(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptJobs,
    one_shot: bool,
    rests: bool,
) -> Result<Vec<Job>, tokio_postgres::Error> {
    let result = fetch_kept(client, caps, statements, kept, one_shot, rests).await;
    if result.is_err() {
        kept.forget();
    }
    result
}

/// The jobs as `jobs.sql` (`statement`: every job's, or the jobs `params`) defines them.
async fn read_definitions(
    client: &Client,
    statement: &tokio_postgres::Statement,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Arc<JobDefinition>>, tokio_postgres::Error> {
    let mut names = Interner::default();
    super::rows::collect_rows(client, statement, params, |r| {
        JobDefinition::from_row(r, &mut names).map(Arc::new)
    })
    .await
}

async fn fetch_kept(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptJobs,
    one_shot: bool,
    rests: bool,
) -> Result<Vec<Job>, tokio_postgres::Error> {
    let [definitions_sql, definitions_of_sql, watch_sql, every_sql, some_sql] =
        statements.get(client, queries::jobs(caps)).await?;
    let watch = match one_shot {
        true => None,
        false => {
            let rest = kept.rest.from(rests && kept.seen.is_some());
            Some(Watch::read(client, &watch_sql, &kept.horizon, rest).await?)
        }
    };
    // the jobs whose rows were written, where none was deleted: theirs read again and put in
    // place (every job's was read again at each policy altered, paused or run by hand)
    let written = (watch.as_ref()).and_then(|w| {
        written(
            kept.seen.as_ref(),
            w,
            kept.definitions.last().map(|d| &d[..]),
        )
    });
    let definitions_moved = match (&watch, &written) {
        (Some(_), Some(ids)) => !ids.is_empty(),
        _ => true,
    };
    kept.generation += u64::from(definitions_moved);
    let key = Fingerprint::of([kept.generation]).whole();
    if let Some(ids) = written.as_ref().filter(|ids| !ids.is_empty()) {
        let fresh = read_definitions(client, &definitions_of_sql, &[ids]).await?;
        let mut patched = kept.definitions.take();
        patched.retain(|d| ids.binary_search(&d.job_id).is_err());
        patched.extend(fresh);
        patched.sort_unstable_by_key(|d| d.job_id);
        kept.definitions.put_back(patched, Some(key));
        kept.definitions_read.1 += 1;
    }
    let whole = !kept.definitions.holds_for(key);
    kept.definitions_read.0 += u64::from(whole);
    let definitions = (kept.definitions)
        .get_or_read(key, || read_definitions(client, &definitions_sql, &[]))
        .await?;
    let moved = watch
        .as_ref()
        .and_then(|w| moved(kept.seen.as_ref(), w, definitions, written.as_deref()));
    let mut names = Interner::default();
    let mut read = Vec::new();
    let each = |r: &Row| {
        read.push(JobState::from_row(r, &mut names)?);
        Ok(())
    };
    match &moved {
        None => super::rows::each_row(client, &every_sql, &[], each).await?,
        Some(ids) if ids.is_empty() => {}
        Some(ids) => super::rows::each_row(client, &some_sql, &[ids], each).await?,
    }
    match moved {
        None => kept.states = read,
        Some(ids) => {
            kept.states.retain(|(id, _)| ids.binary_search(id).is_err());
            kept.states.extend(read);
            kept.states.sort_unstable_by_key(|s| s.0);
        }
    }
    if let Some(w) = watch {
        kept.rest.saw(w.scanned, w.writes);
        kept.rests += u64::from(!w.scanned);
        match (w.scanned, kept.seen.as_mut()) {
            // it rested: the jobs table as the last scan saw it, from its horizon
            (false, Some(seen)) => (seen.stats, seen.running) = (w.stats, w.running),
            _ => {
                kept.horizon = Some(w.horizon);
                kept.seen = Some(Seen {
                    stats: w.stats,
                    jobs: w.jobs,
                    running: w.running,
                });
            }
        }
    }
    let mut merge = Merge::new(definitions);
    for (id, state) in &kept.states {
        merge.add(*id, state.clone());
    }
    Ok(merge.finish())
}

/// One run (or, before 2.15, one error) of a job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobRun {
    /// None: still running, or crashed without a record.
    pub succeeded: Option<bool>,
    pub start_time: Option<DateTime<Utc>>,
    pub finish_time: Option<DateTime<Utc>>,
    pub pid: Option<i32>,
    pub sqlerrcode: Option<String>,
    pub err_message: Option<String>,
    /// A crash the scheduler reported after it restarted: the run's start and error went with
    /// its process (TimescaleDB writes a start of zero, 2000-01-01), so `start_time` is None.
    pub crash_reported: bool,
}

pub async fn fetch_runs(
    client: &Client,
    caps: &Capabilities,
    job: &DrillTarget,
    statements: &mut Prepared,
) -> Result<Vec<JobRun>, tokio_postgres::Error> {
    let DrillTarget::Job(id) = job else {
        return Ok(Vec::new());
    };
    let [runs] = statements.get(client, [queries::job_runs(caps)]).await?;
    let rows = client.query(&runs, &[id]).await?;
    rows.iter()
        .map(|r| {
            Ok(JobRun {
                succeeded: r.try_get("succeeded")?,
                start_time: r.try_get("start_time")?,
                finish_time: r.try_get("finish_time")?,
                pid: r.try_get("pid")?,
                sqlerrcode: r.try_get("sqlerrcode")?,
                err_message: r.try_get("err_message")?,
                crash_reported: r.try_get("crash_reported")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_procedure() {
        assert_eq!(
            kind("_timescaledb_functions", "policy_compression"),
            "compression"
        );
        assert_eq!(
            kind("_timescaledb_internal", "policy_retention"),
            "retention"
        );
        assert_eq!(
            kind(
                "_timescaledb_functions",
                "policy_refresh_continuous_aggregate"
            ),
            "cagg refresh"
        );
        assert_eq!(
            kind("public", "policy_compression"),
            "custom",
            "a user's look-alike"
        );
        assert_eq!(kind("ops", "nightly_export"), "custom");
    }

    #[test]
    fn a_job_row_written_alone_is_read_again_alone_and_a_deletion_reads_every_job() {
        let kept: Vec<Arc<JobDefinition>> = [1, 3, 5]
            .map(|id| crate::model::fixtures::job(id, "p", None, 0, true).definition)
            .to_vec();
        let last = Seen {
            stats: RowsSeen::new(3, vec![]),
            jobs: RowsSeen::new(3, vec![70]),
            running: vec![],
        };
        // rows written since (id, version), and how many rows the jobs table has now
        let watch = |rows: &[(i32, i64)], count: i64, scanned: bool| Watch {
            horizon: String::new(),
            scanned,
            writes: None,
            stats: RowsSeen::new(3, vec![]),
            stat_rows: vec![],
            jobs: RowsSeen::new(count, rows.iter().map(|r| r.1).collect()),
            job_rows: rows.to_vec(),
            running: vec![],
        };
        let written = |w: &Watch| written(Some(&last), w, Some(&kept));
        // rested, or nothing moved: none
        assert_eq!(written(&watch(&[(9, 80)], 4, false)), Some(vec![]));
        assert_eq!(
            written(&watch(&[(3, 70)], 3, true)),
            Some(vec![]),
            "seen before"
        );
        // one altered (paused, run by hand), one made: theirs alone
        assert_eq!(written(&watch(&[(3, 70), (5, 81)], 3, true)), Some(vec![5]));
        assert_eq!(written(&watch(&[(9, 82)], 4, true)), Some(vec![9]));
        // one deleted (the count is short), even beside one made: every job
        assert_eq!(written(&watch(&[(5, 81)], 2, true)), None);
        assert_eq!(written(&watch(&[(9, 82)], 3, true)), None);
        // nothing kept to tell by: every job
        assert_eq!(
            super::written(None, &watch(&[], 3, true), Some(&kept)),
            None
        );
        assert_eq!(
            super::written(Some(&last), &watch(&[], 3, true), None),
            None
        );
        // the states read again: those written, with the statistics moved
        let w = Watch {
            stat_rows: vec![(1, 90)],
            ..watch(&[(5, 81)], 3, true)
        };
        assert_eq!(moved(Some(&last), &w, &kept, Some(&[5])), Some(vec![1, 5]));
        assert_eq!(moved(Some(&last), &w, &kept, None), None);
    }

    #[test]
    fn states_join_their_jobs_in_order_and_the_rest_have_none() {
        let definitions: Vec<Arc<JobDefinition>> = [1, 3, 5, 7]
            .map(|id| crate::model::fixtures::job(id, "p", None, 0, id != 5).definition)
            .to_vec();
        let state = |runs: i64, running: bool| JobState {
            running,
            total_runs: runs,
            ..JobState::default()
        };
        let mut merge = Merge::new(&definitions);
        // 2 and 9 were made after the definitions were read: they wait for the next refresh
        for (id, s) in [
            (2, state(8, false)),
            (3, state(3, true)),
            (7, state(7, false)),
        ] {
            merge.add(id, s);
        }
        merge.add(9, state(9, false));
        let jobs = merge.finish();
        let seen: Vec<(i32, i64, Option<&str>)> = (jobs.iter())
            .map(|j| (j.job_id, j.total_runs, j.job_status.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, 0, Some("Scheduled")),
                (3, 3, Some("Running")),
                (5, 0, Some("Paused")),
                (7, 7, Some("Scheduled")),
            ]
        );
        assert!(
            Arc::ptr_eq(&jobs[0].definition, &definitions[0]),
            "shared, not copied"
        );
    }

    #[test]
    fn overdue_needs_a_schedule_and_a_past_start() {
        let now = Utc::now();
        let mut j = crate::model::fixtures::job(1, "p", None, 0, true);
        j.schedule_seconds = Some(60.0);
        j.next_start = Some(now - chrono::TimeDelta::hours(1));
        assert!(j.overdue(now));
        j.next_start = Some(now - chrono::TimeDelta::minutes(1));
        assert!(!j.overdue(now), "within the grace period");
        j.next_start = Some(now - chrono::TimeDelta::hours(1));
        j.scheduled = false;
        assert!(!j.overdue(now), "paused jobs are not overdue");
        j.scheduled = true;
        std::sync::Arc::make_mut(&mut j.definition).target_gone = Some(42);
        assert!(
            !j.overdue(now),
            "a policy on a hypertable gone is not late: it has no work"
        );
    }
}
