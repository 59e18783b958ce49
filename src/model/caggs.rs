//! Continuous aggregates (watermark and lag) and, on plain PostgreSQL, materialized views.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::rows::array;
use super::statements::Prepared;
use super::structure::IdMap;
use super::watch::{reaches, Bounds, Horizon, RowsSeen};

pub use super::holes::Hole;
use crate::capabilities::Capabilities;
use crate::queries;

/// The end of materialized data.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Watermark {
    Time(DateTime<Utc>),
    Int(i64),
}

/// Internal watermark (µs since the Unix epoch for time types, the raw value for integer time)
/// to a value; the time type's minimum means "never refreshed" (None).
pub fn watermark(raw: Option<i64>, time_type: &str) -> Option<Watermark> {
    let raw = raw?;
    if is_time_type(time_type) {
        // 4714-11-24 BC, PostgreSQL's earliest timestamp: an empty cagg's watermark.
        const NEVER: i64 = -210_866_803_200_000_000;
        if raw <= NEVER {
            return None;
        }
        return DateTime::from_timestamp_micros(raw).map(Watermark::Time);
    }
    let min = match time_type {
        "smallint" => i16::MIN as i64,
        "integer" => i32::MIN as i64,
        _ => i64::MIN,
    };
    (raw > min).then_some(Watermark::Int(raw))
}

/// How far materialized data trails now: seconds for time, units for integer time (against
/// the hypertable's `integer_now`, when it may be called). Nothing for a never-refreshed one.
pub fn lag(
    watermark: Option<Watermark>,
    now: DateTime<Utc>,
    now_int: Option<i64>,
) -> (Option<f64>, Option<i64>) {
    match watermark {
        Some(Watermark::Time(t)) => (Some((now - t).as_seconds_f64()), None),
        Some(Watermark::Int(w)) => (None, now_int.map(|n| n - w)),
        None => (None, None),
    }
}

pub fn is_time_type(t: &str) -> bool {
    t.starts_with("timestamp") || t == "date" || t == "uuid"
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RefreshJob {
    pub job_id: i32,
    pub scheduled: bool,
    pub start_offset: Option<String>,
    pub end_offset: Option<String>,
    pub schedule_interval: Option<String>,
    #[serde(skip)]
    pub end_offset_seconds: Option<f64>,
    #[serde(skip)]
    pub schedule_seconds: Option<f64>,
    /// How an incremental refresh (2.19+) batches its window, as the job's config sets it
    /// (None: not set, the release's default): buckets a batch (0: one pass), batches a run
    /// (0: no limit), newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets_per_batch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_batches_per_execution: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_newest_first: Option<bool>,
}

impl RefreshJob {
    /// Its batching in words, where its config sets any (what it leaves unset is the
    /// release's default, which differs between releases: not said).
    pub fn batching(&self) -> Option<String> {
        if self.buckets_per_batch == Some(0) {
            return Some("not batched (one pass)".into());
        }
        let mut said = Vec::new();
        if let Some(n) = self.buckets_per_batch {
            said.push(format!(
                "{n} bucket{} a batch",
                if n == 1 { "" } else { "s" }
            ));
        }
        match self.max_batches_per_execution {
            Some(0) => said.push("no limit of batches a run".into()),
            Some(n) => said.push(format!(
                "at most {n} batch{} a run",
                if n == 1 { "" } else { "es" }
            )),
            None => {}
        }
        match self.refresh_newest_first {
            Some(true) => said.push("newest first".into()),
            Some(false) => said.push("oldest first".into()),
            None => {}
        }
        (!said.is_empty()).then(|| said.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cagg {
    pub schema: String,
    pub name: String,
    /// The hypertable it reads (for a cagg on a cagg: the parent's materialization).
    pub hypertable_schema: String,
    pub hypertable_name: String,
    /// The parent continuous aggregate, for hierarchical caggs (the snapshot writes it as
    /// `schema.name`).
    #[serde(skip)]
    pub parent: Option<(String, String)>,
    pub bucket_width: Option<String>,
    pub time_type: String,
    pub watermark: Option<Watermark>,
    /// now − watermark for time types (seconds); integer caggs: against integer_now_func.
    pub lag_seconds: Option<f64>,
    pub lag_units: Option<i64>,
    pub materialized_only: bool,
    /// The refresh policy that judges its lag: a scheduled (not paused) one first, then the end
    /// offset nearest now.
    pub refresh_policy: Option<RefreshJob>,
    /// Its other refresh policies (windows side by side, each with its job), nearest now first.
    pub other_refresh_policies: Vec<RefreshJob>,
    pub last_run_status: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    pub pending_invalidations: i64,
    /// Its materialization hypertable's id.
    #[serde(skip)]
    pub mat_id: i32,
    /// What it reads: a hypertable's id (a cagg on a cagg: its parent's materialization).
    #[serde(skip)]
    pub raw_hypertable_id: i32,
    /// Ranges below its watermark with source data and no bucket (see [`super::holes`]).
    pub holes: Vec<Hole>,
}

impl super::holes::Probe for Cagg {
    fn mat_id(&self) -> i32 {
        self.mat_id
    }

    fn watermark_units(&self) -> Option<i64> {
        Cagg::watermark_units(self)
    }

    fn set_holes(&mut self, holes: Vec<Hole>) {
        self.holes = holes;
    }
}

impl Cagg {
    /// How far its data is behind what its refresh policy promises: its lag less the policy's
    /// end offset, one bucket (a bucket is materialized once it is complete) and one schedule
    /// interval of grace (the next run is due within it); never below zero. None when no
    /// running policy judges it (no policy, a paused one, integer time): its raw lag is what
    /// there is.
    pub fn behind_policy(&self) -> Option<f64> {
        Some((self.lag_seconds? - self.policy_promise()?).max(0.0))
    }

    /// The most lag its running refresh policy allows: end offset, one bucket, one schedule.
    pub fn policy_promise(&self) -> Option<f64> {
        let p = self.refresh_policy.as_ref().filter(|p| p.scheduled)?;
        let bucket = self
            .bucket_width
            .as_deref()
            .and_then(crate::format::interval_seconds)
            .unwrap_or(0.0);
        Some(p.end_offset_seconds.unwrap_or(0.0) + bucket + p.schedule_seconds?)
    }

    /// Its watermark in TimescaleDB's internal units (µs since the epoch, or the integer).
    pub fn watermark_units(&self) -> Option<i64> {
        self.watermark.map(|w| match w {
            Watermark::Time(t) => t.timestamp_micros(),
            Watermark::Int(n) => n,
        })
    }

    /// `schema.name` of what it aggregates: the parent cagg or the hypertable.
    pub fn source(&self) -> String {
        match &self.parent {
            Some((s, n)) => crate::format::qualified(s, n),
            None => crate::format::qualified(&self.hypertable_schema, &self.hypertable_name),
        }
    }
}

/// What the Caggs tab keeps between its refreshes on one connection: the rows as last read
/// (the server's time then, and when), and how its watch last saw the catalog
/// (`queries/caggs_watch.sql`). A refresh reads the rows again when the watch saw an aggregate,
/// its invalidations or its policy move; else only their lag moves, with time.
#[derive(Debug, Default)]
pub struct KeptCaggs {
    rows: Option<(Vec<Cagg>, DateTime<Utc>, std::time::Instant)>,
    horizon: Horizon,
    /// The state as seen, the newest job's and chunk's ids.
    seen: Option<(RowsSeen, i32, i32)>,
    /// The newest chunk ids recent watches saw: the hole probes ask for chunks made since.
    chunks: Bounds,
}

impl KeptCaggs {
    /// The next read reads the rows again.
    pub fn forget(&mut self) {
        self.seen = None;
        self.horizon = None;
    }
}

/// What the watch answered: the aggregates' state (their catalog, their refresh policies and
/// their statistics) as seen, and the newest job's and chunk's ids.
struct Watch {
    horizon: String,
    state: RowsSeen,
    newest_job: i32,
    newest: i32,
    oldest: i64,
    next: i64,
}

impl Watch {
    /// The watch from `horizon`, for the refresh policies `jobs`.
    async fn read(
        client: &Client,
        statement: &tokio_postgres::Statement,
        horizon: &Horizon,
        jobs: &[i32],
    ) -> Result<Watch, tokio_postgres::Error> {
        let mut row = client.query_one(statement, &[horizon, &jobs]).await?;
        if horizon.is_some() && !reaches(row.try_get("horizon_age")?) {
            row = client
                .query_one(statement, &[&None::<String>, &jobs])
                .await?;
        }
        Ok(Watch {
            horizon: row.try_get("horizon")?,
            state: RowsSeen::new(row.try_get("state")?, array(&row, "state_versions")?),
            newest_job: row.try_get("newest_job")?,
            newest: row.try_get("newest_chunk")?,
            oldest: row.try_get("oldest")?,
            next: row.try_get("next")?,
        })
    }
}

/// The Caggs tab's rows: read again where the watch saw them move (with the holes probed where
/// the watermarks moved or chunks were made), else the kept ones with their lag as of now. A
/// `one_shot` read reads them once.
pub async fn fetch(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCaggs,
    probed: &mut super::holes::Probed,
    one_shot: bool,
) -> Result<Vec<Cagg>, tokio_postgres::Error> {
    let result = fetch_kept(client, caps, statements, kept, probed, one_shot).await;
    if result.is_err() {
        kept.forget();
    }
    result
}

async fn fetch_kept(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCaggs,
    probed: &mut super::holes::Probed,
    one_shot: bool,
) -> Result<Vec<Cagg>, tokio_postgres::Error> {
    // Until a read finds an aggregate, the look whether there is any (read_rows) is all: a
    // new session on a database without one prepares nothing more.
    if !statements.holds(queries::caggs(caps)) {
        let (rows, server_now) = read_rows(client, caps, statements).await?;
        if rows.is_empty() {
            return Ok(rows);
        }
        kept.rows = Some((rows, server_now, std::time::Instant::now()));
        kept.seen = None;
    }
    let [watch_sql] = statements.get(client, [queries::caggs_watch(caps)]).await?;
    let jobs: Vec<i32> = (kept.rows.iter())
        .flat_map(|(rows, ..)| {
            rows.iter()
                .flat_map(|c| c.refresh_policy.iter().chain(&c.other_refresh_policies))
                .map(|p| p.job_id)
        })
        .collect();
    let watch = Watch::read(client, &watch_sql, &kept.horizon, &jobs).await?;
    let now = std::time::Instant::now();
    let moved = match &kept.seen {
        Some((state, newest_job, newest)) => {
            watch.state.moved_since(Some(state))
                || watch.newest_job != *newest_job
                || watch.newest != *newest
        }
        None => true,
    };
    kept.chunks
        .saw(i64::from(watch.newest), watch.oldest, watch.next, now);
    let rows = match (&kept.rows, moved || one_shot) {
        (Some((rows, server_now, at)), false) => {
            // nothing moved but time: the lags as of now (the integer "now"s read again: they
            // move with the rows written)
            let server_now =
                *server_now + chrono::TimeDelta::from_std(at.elapsed()).unwrap_or_default();
            let mut rows = rows.clone();
            let integer = rows.iter().any(|c| !is_time_type(&c.time_type));
            let nows = match integer {
                true => {
                    let [list] = statements
                        .get(client, [queries::INTEGER_NOW_CALLS.as_str()])
                        .await?;
                    super::integer_now::read(client, &list).await?
                }
                false => Default::default(),
            };
            let nows: IdMap<i32, i64> = nows.ids.into_iter().zip(nows.nows).collect();
            for c in &mut rows {
                let now_int = nows.get(&c.raw_hypertable_id).copied();
                (c.lag_seconds, c.lag_units) = lag(c.watermark, server_now, now_int);
            }
            rows
        }
        _ => {
            let (mut rows, server_now) = read_rows(client, caps, statements).await?;
            let settled = kept.chunks.asked_from().unwrap_or(0) as i32;
            super::holes::find(client, caps, &mut rows, probed, (watch.newest, settled)).await?;
            kept.rows = Some((rows.clone(), server_now, now));
            rows
        }
    };
    kept.horizon = Some(watch.horizon);
    kept.seen = Some((watch.state, watch.newest_job, watch.newest));
    Ok(rows)
}

/// The tab's rows as caggs.sql reads them (no holes probed), and the server's time then.
pub async fn read_rows(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
) -> Result<(Vec<Cagg>, DateTime<Utc>), tokio_postgres::Error> {
    // Until a read finds one, a look whether there is any first (prepared, as the rest):
    // afterwards caggs.sql is kept and run (an empty answer then costs no more than the look).
    let sql = queries::caggs(caps);
    if !statements.holds(sql)
        && !statements
            .query_one(client, queries::ANY_CAGG)
            .await?
            .try_get("any")?
    {
        return Ok((Vec::new(), Utc::now()));
    }
    let (statement, nows) = super::integer_now::with_statement(client, statements, sql).await?;
    let rows = client.query(&statement, &[]).await?;
    let nows: IdMap<i32, i64> = nows.ids.into_iter().zip(nows.nows).collect();
    let mut server_now = Utc::now();
    let rows = rows
        .iter()
        .map(|r| {
            let time_type: String = r
                .try_get::<_, Option<String>>("time_type")?
                .unwrap_or_default();
            let now: DateTime<Utc> = r.try_get("server_now")?;
            server_now = now;
            let raw_hypertable_id: i32 = r.try_get("raw_hypertable_id")?;
            let now_int = nows.get(&raw_hypertable_id).copied();
            let wm = watermark(r.try_get("watermark")?, &time_type);
            let (lag_seconds, lag_units) = lag(wm, now, now_int);
            let parent = match (
                r.try_get::<_, Option<String>>("parent_schema")?,
                r.try_get::<_, Option<String>>("parent_name")?,
            ) {
                (Some(s), Some(n)) => Some((s, n)),
                _ => None,
            };
            let policies = r
                .try_get::<_, Option<&str>>("refresh_policies")?
                .map(policies)
                .unwrap_or_default();
            let (refresh_policy, other_refresh_policies, last_run_status, last_success) =
                judged(policies);
            Ok(Cagg {
                schema: r.try_get("schema")?,
                name: r.try_get("name")?,
                hypertable_schema: r.try_get("hypertable_schema")?,
                hypertable_name: r.try_get("hypertable_name")?,
                parent,
                bucket_width: r.try_get("bucket_width")?,
                time_type,
                watermark: wm,
                lag_seconds,
                lag_units,
                materialized_only: r.try_get("materialized_only")?,
                refresh_policy,
                other_refresh_policies,
                last_run_status,
                last_success,
                pending_invalidations: r.try_get("pending_invalidations")?,
                mat_id: r.try_get("mat_hypertable_id")?,
                raw_hypertable_id,
                holes: Vec::new(),
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()?;
    Ok((rows, server_now))
}

/// A refresh policy as `caggs.sql` lists it, with its job's last run.
struct Listed {
    job: RefreshJob,
    last_run_status: Option<String>,
    last_success: Option<DateTime<Utc>>,
}

/// The refresh policies `caggs.sql` lists (JSON; the offsets as the jobs' configurations hold
/// them, as text): none where it does not parse. An end offset is an interval (a string) or
/// integer time (a number); anything else is read as none.
fn policies(json: &str) -> Vec<Listed> {
    #[derive(serde::Deserialize)]
    struct Row {
        job_id: i32,
        scheduled: bool,
        start_offset: Option<String>,
        end_offset: Option<String>,
        end_type: Option<String>,
        schedule_interval: Option<String>,
        schedule_seconds: Option<f64>,
        last_run_status: Option<String>,
        last_success: Option<DateTime<Utc>>,
        buckets_per_batch: Option<String>,
        max_batches_per_execution: Option<String>,
        refresh_newest_first: Option<String>,
    }
    let rows: Vec<Row> = serde_json::from_str(json).unwrap_or_default();
    rows.into_iter()
        .map(|p| {
            let end_offset = p
                .end_offset
                .filter(|_| matches!(p.end_type.as_deref(), Some("string" | "number")));
            Listed {
                job: RefreshJob {
                    job_id: p.job_id,
                    scheduled: p.scheduled,
                    start_offset: p.start_offset,
                    end_offset_seconds: end_offset
                        .as_deref()
                        .filter(|_| p.end_type.as_deref() == Some("string"))
                        .and_then(crate::format::interval_seconds),
                    end_offset,
                    schedule_interval: p.schedule_interval,
                    schedule_seconds: p.schedule_seconds,
                    // as text: a config written by hand with another type spoils nothing
                    buckets_per_batch: p.buckets_per_batch.and_then(|n| n.parse().ok()),
                    max_batches_per_execution: (p.max_batches_per_execution)
                        .and_then(|n| n.parse().ok()),
                    refresh_newest_first: p.refresh_newest_first.and_then(|b| b.parse().ok()),
                },
                last_run_status: p.last_run_status,
                last_success: p.last_success,
            }
        })
        .collect()
}

/// The refresh policy that judges the lag — the one keeping the newest data fresh: a scheduled
/// one first, then the end offset nearest now (none: up to now) — with its last run; the
/// others nearest now first.
#[allow(clippy::type_complexity)]
fn judged(
    mut listed: Vec<Listed>,
) -> (
    Option<RefreshJob>,
    Vec<RefreshJob>,
    Option<String>,
    Option<DateTime<Utc>>,
) {
    // how far back a window ends: an interval's seconds or an integer's units; none is now
    let end = |p: &RefreshJob| match (&p.end_offset, p.end_offset_seconds) {
        (None, _) => f64::NEG_INFINITY,
        (Some(_), Some(seconds)) => seconds,
        (Some(text), None) => text.parse::<f64>().unwrap_or(f64::INFINITY),
    };
    listed.sort_by(|a, b| {
        (!a.job.scheduled, end(&a.job), a.job.job_id)
            .partial_cmp(&(!b.job.scheduled, end(&b.job), b.job.job_id))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut listed = listed.into_iter();
    let Some(judge) = listed.next() else {
        return (None, Vec::new(), None, None);
    };
    let mut others: Vec<RefreshJob> = listed.map(|l| l.job).collect();
    others.sort_by(|a, b| {
        (end(a), a.job_id)
            .partial_cmp(&(end(b), b.job_id))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (
        Some(judge.job),
        others,
        judge.last_run_status,
        judge.last_success,
    )
}

/// Orders caggs as a tree: each one after its parent, children indented by depth.
pub fn tree_order(caggs: &[Cagg]) -> Vec<(usize, usize)> {
    fn visit(
        caggs: &[Cagg],
        parent: Option<(&str, &str)>,
        depth: usize,
        out: &mut Vec<(usize, usize)>,
    ) {
        for (i, c) in caggs.iter().enumerate() {
            let p = c.parent.as_ref().map(|(s, n)| (s.as_str(), n.as_str()));
            if p == parent && !out.iter().any(|(j, _)| *j == i) {
                out.push((i, depth));
                visit(caggs, Some((&c.schema, &c.name)), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(caggs.len());
    visit(caggs, None, 0, &mut out);
    // A parent we cannot see (e.g. no privilege) must not hide its children.
    for i in 0..caggs.len() {
        if !out.iter().any(|(j, _)| *j == i) {
            out.push((i, 0));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MatView {
    pub schema: String,
    pub name: String,
    pub populated: bool,
    /// On disk (none while busy behind a lock).
    pub size_bytes: Option<i64>,
    pub indexes: i64,
    pub owner: String,
}

pub async fn fetch_matviews(
    client: &Client,
    statements: &mut Prepared,
) -> Result<Vec<MatView>, tokio_postgres::Error> {
    statements
        .collect(client, queries::MATVIEWS.as_str(), |r| {
            Ok(MatView {
                schema: r.try_get("schema")?,
                name: r.try_get("name")?,
                populated: r.try_get("populated")?,
                size_bytes: r.try_get("size_bytes")?,
                indexes: r.try_get("indexes")?,
                owner: r.try_get("owner")?,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policys_batching_in_words_where_its_config_sets_it() {
        let mut p = crate::model::fixtures::cagg("c", None, "2026-11-21T11:00:00Z", 60.0)
            .refresh_policy
            .unwrap();
        assert_eq!(p.batching(), None);
        p.buckets_per_batch = Some(1);
        p.max_batches_per_execution = Some(0);
        assert_eq!(
            p.batching().as_deref(),
            Some("1 bucket a batch, no limit of batches a run")
        );
        p.buckets_per_batch = Some(10);
        p.max_batches_per_execution = Some(5);
        p.refresh_newest_first = Some(false);
        assert_eq!(
            p.batching().as_deref(),
            Some("10 buckets a batch, at most 5 batches a run, oldest first")
        );
        // 0 buckets a batch: one pass, whatever else is set
        p.buckets_per_batch = Some(0);
        assert_eq!(p.batching().as_deref(), Some("not batched (one pass)"));
    }

    #[test]
    fn lag_is_now_minus_the_watermark_in_the_time_s_units() {
        let now: DateTime<Utc> = "2026-11-21T12:00:00Z".parse().unwrap();
        let wm = Watermark::Time("2026-11-21T10:30:00Z".parse().unwrap());
        assert_eq!(lag(Some(wm), now, None), (Some(5400.0), None));
        assert_eq!(
            lag(Some(Watermark::Int(900)), now, Some(1000)),
            (None, Some(100))
        );
        // Integer time whose integer_now may not be called: no lag rather than a guess.
        assert_eq!(lag(Some(Watermark::Int(900)), now, None), (None, None));
        assert_eq!(lag(None, now, Some(1000)), (None, None), "never refreshed");
    }

    #[test]
    fn watermarks_by_time_type() {
        let tz = "timestamp with time zone";
        assert_eq!(
            watermark(Some(1_704_240_000_000_000), tz),
            Some(Watermark::Time("2024-01-03T00:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            watermark(Some(-210_866_803_200_000_000), tz),
            None,
            "never refreshed"
        );
        assert_eq!(watermark(Some(i32::MIN as i64), "integer"), None);
        assert_eq!(watermark(Some(42), "bigint"), Some(Watermark::Int(42)));
        assert_eq!(watermark(None, tz), None);
    }
}
