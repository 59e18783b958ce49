//! Command + facts read from the catalog → a plan. Object names reach SQL only as parameters
//! (cast to regclass) or as always-quoted identifiers. One module per family of commands
//! (`spec::Family`), each with its two hooks: `facts`, which reads what its commands act on
//! (I/O, with `resolve`'s helpers), and `plan`, pure and tested without a database. What they
//! share — the facts, job changes and their undo, impact — is here.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

use super::change::Change;
use super::parse::{self, Command, Interval};
use super::{Confirm, Object, Plan, Step};

pub mod apply;
mod chunks;
mod error;
mod indexes;
mod jobs;
mod merge;
mod policies;
mod refresh;
mod sessions;
mod settings;

pub use crate::command::spec::Family;
pub use error::{Nothing, PlanError, Unread};
pub use policies::PolicyKind;
pub use refresh::{refresh_batches, refresh_window, RefreshWindow};

mod job_change;

use job_change::*;

/// What kind of relation a name resolved to (`queries/actions/resolve.sql` decides).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, Display, EnumString,
)]
#[strum(serialize_all = "lowercase")]
pub enum RelationKind {
    Hypertable,
    /// A continuous aggregate.
    Cagg,
    Chunk,
    /// An index on a hypertable (each chunk has its own copy).
    #[strum(serialize = "hypertable index")]
    HypertableIndex,
    Index,
    /// A table, partitioned table or materialized view.
    Table,
    Other,
}

impl RelationKind {
    /// From the `kind` column of resolve.sql.
    pub fn from_sql(kind: &str) -> RelationKind {
        kind.parse().unwrap_or(RelationKind::Other)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What an object name resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
}

impl Relation {
    /// The confirmation for what drops its data: its name typed.
    pub fn confirm_by_name(&self) -> Confirm {
        Confirm::TypeRelation {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    /// The parameter that names it in a statement: its oid (`$n::text::oid::regclass`).
    pub fn regclass(&self) -> String {
        self.oid.to_string()
    }

    pub fn target(&self) -> Object {
        Object {
            oid: self.oid,
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    pub fn shown(&self) -> String {
        crate::format::qualified(&self.schema, &self.name)
    }

    /// Its name as a command writes it.
    pub fn object_name(&self) -> parse::ObjectName {
        parse::ObjectName::qualified(&self.schema, &self.name)
    }
}

/// A job's settings as the catalog has them (captured before a change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSettings {
    pub job_id: i32,
    pub proc_name: String,
    #[serde(default)]
    pub proc_schema: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub scheduled: bool,
    pub schedule_interval: String,
    pub max_runtime: String,
    pub max_retries: i32,
    pub retry_period: String,
    pub config: Option<serde_json::Value>,
    /// When it next runs (as the server prints it), if scheduled.
    #[serde(default)]
    pub next_start: Option<String>,
    /// It runs at fixed times from `initial_start` (in `timezone`), not each interval after
    /// its last run ended.
    #[serde(default)]
    pub fixed_schedule: bool,
    #[serde(default)]
    pub initial_start: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Its owner's role name as the catalog has it (the job runs with that role's rights).
    #[serde(default)]
    pub owner_role: Option<String>,
}

/// Everything `plan` needs to know about the database, read by `resolve`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub relation: Option<Relation>,
    /// The job named by id, or the relation's policy of the kind the command is about.
    pub job: Option<JobSettings>,
    /// Chunks (or chunk indexes) the command will act on.
    pub items: Vec<Object>,
    /// The relation's time is an integer (a refresh's window, a threshold are numbers), and,
    /// for a refresh, the policy's window when none was given.
    pub integer_time: bool,
    /// Integer time: its "now" from its integer_now function, when monitoring may call it.
    pub integer_now: Option<i64>,
    /// Drop-index: the definition (kept in the journal) and whether it backs a constraint.
    pub index_definition: Option<String>,
    pub index_backs_constraint: bool,
    /// TimescaleDB's schema, quoted: its functions are called schema-qualified.
    pub ts: String,
    /// What dropping or compressing under the command's threshold would touch.
    pub impact: Option<Impact>,
    /// The same under the policy's threshold as it is now (what its next run does anyway).
    pub impact_now: Option<Impact>,
    /// The session a cancel or terminate is about.
    pub session: Option<SessionFacts>,
    /// set-chunk-interval: the time dimension as it is.
    pub chunk_interval: Option<ChunkInterval>,
    /// set-compression: the settings as they are.
    pub compression: Option<CompressionNow>,
    /// set-compression: the hypertable's columns, as its catalog names them.
    pub columns: Vec<String>,
    /// refresh: the aggregate as it stands and what its window reads.
    pub refresh: Option<RefreshFacts>,
    /// compress, decompress: what the chunks weigh, and what was left out and why.
    pub chunk_work: Option<ChunkWork>,
    /// The server has the columnstore's procedures and words (TimescaleDB 2.18+).
    pub columnstore: Columnstore,
    /// merge-chunks: the hypertable's chunks along its time.
    pub merge: Option<MergeFacts>,
    /// compress-chunk: the chunk is being written (its range reaches now, or it is the newest).
    pub chunk_live: bool,
    /// The server's alter_job clears a job's time zone it is not given (2.12+).
    pub alter_job_clears_timezone: bool,
}

impl Facts {
    /// The time zone a change to `job` must give back after altering it, if any.
    pub fn timezone_to_keep<'a>(&self, job: &'a JobSettings) -> Option<&'a str> {
        timezone_kept(self.alter_job_clears_timezone, job)
    }
}

/// The time zone of `job`'s fixed schedule where `clears`: alter_job clears it there.
pub fn timezone_kept(clears: bool, job: &JobSettings) -> Option<&str> {
    job.timezone.as_deref().filter(|_| clears)
}

/// merge-chunks: the hypertable's chunks along its time, and how the server merges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeFacts {
    pub chunks: Vec<MergeCandidate>,
    /// The hypertable's dimensions (merging along time only: one).
    pub dimensions: i32,
    /// merge_chunks_concurrently exists (2.24+): reads and writes go on but for the swap.
    pub concurrently: bool,
    /// Known bugs of the installed release in merging (`releases::KNOWN_BUGS`), in words.
    pub known_bugs: Vec<String>,
    /// The installed release merges compressed chunks concurrently wrongly: why, in words
    /// (they are merged with the blocking merge_chunks).
    pub compressed_blocking: Option<String>,
}

/// A chunk as merge-chunks weighs it: its range in TimescaleDB's internal numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeCandidate {
    pub object: Object,
    pub start: i64,
    pub end: i64,
    pub compressed: bool,
    /// Inside the bound given (every chunk without one).
    pub selected: bool,
    /// Being written: its range reaches now, or it is the newest.
    pub live: bool,
    pub bytes: i64,
}

/// Which of TimescaleDB's statements compression takes here: the columnstore's (2.18+, where the
/// old names are deprecated "to be removed with the next major release") or the old ones, told
/// from the catalog ([`crate::capabilities::TimescaleFeatures::columnstore`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columnstore(pub bool);

impl Columnstore {
    fn pick(self, old: &'static str, new: &'static str) -> &'static str {
        if self.0 {
            new
        } else {
            old
        }
    }

    pub fn compress_chunk(self) -> &'static str {
        self.pick(
            sql!("compress_chunk.sql"),
            sql!("convert_to_columnstore.sql"),
        )
    }

    pub fn decompress_chunk(self) -> &'static str {
        self.pick(
            sql!("decompress_chunk.sql"),
            sql!("convert_to_rowstore.sql"),
        )
    }

    pub fn add_policy(self) -> &'static str {
        self.pick(
            sql!("add_compression_policy.sql"),
            sql!("add_columnstore_policy.sql"),
        )
    }

    pub fn remove_policy(self) -> &'static str {
        self.pick(
            sql!("remove_compression_policy.sql"),
            sql!("remove_columnstore_policy.sql"),
        )
    }

    pub fn set(self) -> &'static str {
        self.pick(sql!("set_compression.sql"), sql!("set_columnstore.sql"))
    }

    pub fn set_segmentby(self) -> &'static str {
        self.pick(
            sql!("set_compression_segmentby.sql"),
            sql!("set_columnstore_segmentby.sql"),
        )
    }

    pub fn reset_orderby(self) -> &'static str {
        self.pick(
            sql!("reset_compression_orderby.sql"),
            sql!("reset_columnstore_orderby.sql"),
        )
    }

    pub fn unset(self) -> &'static str {
        self.pick(sql!("unset_compression.sql"), sql!("unset_columnstore.sql"))
    }

    /// Converting `what` (`3 chunks`, a chunk's name) as the server calls it: to the
    /// columnstore or back with the old word beside it, or compress / decompress.
    pub fn converting(self, compress: bool, what: &str) -> String {
        match (self.0, compress) {
            (true, true) => format!("convert {what} to the columnstore (compress)"),
            (true, false) => format!("convert {what} to the rowstore (decompress)"),
            (false, true) => format!("compress {what}"),
            (false, false) => format!("decompress {what}"),
        }
    }

    /// The feature's name here.
    pub fn noun(self) -> &'static str {
        self.pick("compression", "columnstore")
    }
}

/// What compressing or decompressing the chosen chunks involves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkWork {
    /// Why these chunks, when the command gave no bound: its default, in words.
    pub default: Option<String>,
    /// Chosen chunks that are being written (their range reaches now, or the newest).
    pub live: Vec<String>,
    /// Chunks in the same state left out, and whether the one being written is among them.
    pub spared: i64,
    pub spared_live: bool,
    /// What the chosen chunks weigh now, and before compression (equal when uncompressed).
    pub bytes: i64,
    pub bytes_before: i64,
    /// The table's compression ratio so far (bytes before over after), where it has any.
    pub ratio: Option<f64>,
    /// Bytes per second of the same work on this table before, and over how many runs
    /// (hypertop's journal).
    pub rate: Option<(f64, usize)>,
}

/// A continuous aggregate about to be refreshed, in TimescaleDB's internal units (µs since the
/// epoch for time, the integer for integer time).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshFacts {
    pub integer_time: bool,
    /// The server's now (integer time: its integer_now; None when that cannot be called).
    pub now: Option<i64>,
    /// The end of materialized data; None when never refreshed.
    pub watermark: Option<i64>,
    /// Its refresh policy's start and end offsets (None: open).
    pub policy: Option<(Option<i64>, Option<i64>)>,
    /// The refresh policy's runs so far and their mean length (seconds).
    pub policy_runs: Option<(i64, f64)>,
    /// One bucket, where its width is fixed.
    pub bucket: Option<i64>,
    /// The chunk interval of what it reads.
    pub chunk_interval: Option<i64>,
    /// The command's own window, read as internal units.
    pub given: Option<(Option<i64>, Option<i64>)>,
    /// Where the data it reads starts (its first chunk).
    pub data_start: Option<i64>,
    /// What the window about to be refreshed reads, and how many chunks with data lie between
    /// the watermark and the window's start.
    pub chunks: i64,
    pub rows: i64,
    pub bytes: i64,
    pub gap_chunks: i64,
    /// `schema.name` of what it reads.
    pub source: String,
}

/// A hypertable's time dimension as `queries/actions/chunk_interval.sql` reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkInterval {
    pub column: String,
    pub integer_time: bool,
    /// The interval as the server prints its microseconds (`168:00:00`), or integer units.
    pub interval: String,
    /// Where the newest chunk ends (a time, or an integer): the next chunk starts there.
    pub newest_end: Option<String>,
}

/// A hypertable's compression as `queries/actions/compression_now.sql` reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompressionNow {
    pub enabled: bool,
    pub segmentby: String,
    pub orderby: String,
    pub compressed_chunks: i64,
    /// The catalog keeps settings per chunk (2.14+): compressed chunks keep theirs, and a
    /// change is allowed while chunks are compressed.
    pub per_chunk: bool,
}

/// A server process as `pg_stat_activity` showed it when the plan was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionFacts {
    pub pid: i32,
    pub backend_type: String,
    pub username: Option<String>,
    pub application: Option<String>,
    pub database: Option<String>,
    pub state: Option<String>,
    pub query: Option<String>,
    pub state_seconds: Option<f64>,
    /// hypertop's own planning session.
    pub is_self: bool,
    /// What tells it from a later session given the same pid: its start (as the server
    /// prints it) and its role's oid.
    #[serde(default)]
    pub backend_start: Option<String>,
    #[serde(default)]
    pub role_oid: Option<i64>,
}

/// The chunks a threshold reaches on one hypertable or cagg, against all of its chunks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    pub chunks: i64,
    pub bytes: i64,
    pub total_chunks: i64,
    pub total_bytes: i64,
    /// The time range of those chunks (start of the oldest, end of the newest).
    pub first: Option<String>,
    pub last: Option<String>,
    /// Integer time: an interval threshold does not apply, so there is nothing to count.
    pub integer_time: bool,
}

impl Impact {
    /// `36 of 120 chunks (13 MiB, 42% of the data), 2026-10-01 00:00 → 2026-10-05 00:00`.
    pub fn describe(&self) -> String {
        let share = if self.total_bytes > 0 {
            format!(
                ", {:.0}% of the data",
                100.0 * self.bytes as f64 / self.total_bytes as f64
            )
        } else {
            String::new()
        };
        let range = match (&self.first, &self.last) {
            (Some(a), Some(b)) => format!(", {a} → {b}"),
            _ => String::new(),
        };
        format!(
            "{} of {} chunks ({}{share}){range}",
            self.chunks,
            self.total_chunks,
            crate::format::bytes(self.bytes)
        )
    }
}

impl JobSettings {
    /// A policy by chunk creation time (`drop_created_before`, `compress_created_before`),
    /// which stays one when changed: TimescaleDB refuses a config with both kinds of key.
    pub fn by_creation_time(&self) -> bool {
        ["drop_created_before", "compress_created_before"]
            .iter()
            .any(|k| config_str(self, k).is_some())
    }
}

impl Facts {
    /// What statements are rendered with: TimescaleDB's schema, and the type a threshold
    /// is given as (a number on an integer time column, an interval otherwise).
    fn vars(&self) -> [(&str, &str); 2] {
        let threshold = if self.integer_time {
            "bigint"
        } else {
            "interval"
        };
        [("ts", self.ts.as_str()), ("threshold_type", threshold)]
    }
}

fn text(s: impl Into<String>) -> Option<String> {
    Some(s.into())
}

fn relation<'a>(facts: &'a Facts, what: &'static str) -> Result<&'a Relation, PlanError> {
    facts
        .relation
        .as_ref()
        .ok_or(PlanError::Unresolved { what })
}

fn expect_kind(r: &Relation, kinds: &[RelationKind], what: &'static str) -> Result<(), PlanError> {
    if kinds.contains(&r.kind) {
        Ok(())
    } else {
        Err(PlanError::WrongKind {
            object: r.shown(),
            kind: r.kind,
            wanted: what,
        })
    }
}

/// Builds the plan for `cmd` from what `resolve` read.
pub fn plan(cmd: &Command, facts: &Facts) -> Result<Plan, PlanError> {
    match cmd.family() {
        Family::Refresh => refresh::plan(cmd, facts),
        Family::Chunks => chunks::plan(cmd, facts),
        Family::Merge => merge::plan(cmd, facts),
        Family::Indexes => indexes::plan(cmd, facts),
        Family::Jobs => jobs::plan(cmd, facts),
        Family::Policies => policies::plan(cmd, facts),
        Family::Sessions => sessions::plan(cmd, facts),
        Family::Settings => settings::plan(cmd, facts),
        Family::Journal => Err(PlanError::FromJournal),
    }
}

/// Reads into `f` what `cmd` acts on (I/O), by its family's hook; its intervals become the
/// server's reading of them.
pub async fn read_facts(
    client: &tokio_postgres::Client,
    caps: &crate::capabilities::Capabilities,
    cmd: &mut Command,
    f: &mut Facts,
) -> Result<(), super::resolve::ResolveError> {
    let r = Reading {
        client,
        caps,
        cmd,
        facts: f,
    };
    match r.cmd.family() {
        Family::Refresh => refresh::facts(r).await,
        Family::Chunks => chunks::facts(r).await,
        Family::Merge => merge::facts(r).await,
        Family::Indexes => indexes::facts(r).await,
        Family::Jobs => jobs::facts(r).await,
        Family::Policies => policies::facts(r).await,
        Family::Sessions => sessions::facts(r).await,
        Family::Settings => settings::facts(r).await,
        Family::Journal => Ok(()),
    }
}

/// What a family's `facts` hook reads with, and the command and facts it fills in.
pub struct Reading<'a> {
    pub client: &'a tokio_postgres::Client,
    pub caps: &'a crate::capabilities::Capabilities,
    pub cmd: &'a mut Command,
    pub facts: &'a mut Facts,
}

/// When a policy job next runs, in words: its time, or why it will not run on its own.
fn next_run(job: Option<&JobSettings>) -> String {
    match job {
        Some(j) if !j.scheduled => "when it is resumed (it is paused)".into(),
        Some(j) => match &j.next_start {
            Some(t) => format!("at its next run ({t})"),
            None => "at its next run".into(),
        },
        None => "at its first run".into(),
    }
}

/// What changing a retention (or compression) threshold makes the policy's next run do, apart
/// from what it does anyway: chunks already past the old threshold are not this change's doing.
fn threshold_consequences(p: &mut Plan, r: &Relation, facts: &Facts, drops: bool) {
    let Some(i) = facts.impact.as_ref() else {
        return;
    };
    if i.integer_time {
        p.impact.push(format!(
            "{} has integer time and its integer_now function cannot be called here: what this reaches is not counted",
            r.shown()
        ));
        return;
    }
    let verb = if drops { "drops" } else { "compresses" };
    let when = next_run(facts.job.as_ref());
    let anyway = facts
        .impact_now
        .as_ref()
        .map_or((0, 0), |n| (n.chunks.min(i.chunks), n.bytes.min(i.bytes)));
    let (new_chunks, new_bytes) = (i.chunks - anyway.0, i.bytes - anyway.1);
    let b = crate::format::bytes;
    p.next_run.push(match anyway.0 {
        0 => format!("{when} the policy {verb} {}", i.describe()),
        _ => format!(
            "{when} the policy {verb} {}: {} of them ({}) past its threshold as it is, which it {verb} anyway; {new_chunks} ({}) because of this change",
            i.describe(),
            anyway.0,
            b(anyway.1),
            b(new_bytes)
        ),
    });
    if drops && new_chunks > 0 {
        p.lost.push(format!(
            "the {new_chunks} chunk{} of {} ({}) that run drops because of this change, and their data: a rollback restores the policy, not them",
            if new_chunks == 1 { "" } else { "s" },
            r.shown(),
            b(new_bytes)
        ));
    }
    // the name is typed for what this change loses, not for what the policy drops anyway
    if drops && new_chunks > 0 {
        p.confirm = r.confirm_by_name();
    }
}

fn show_impact(p: &mut Plan, r: &Relation, impact: Option<&Impact>, what: &str, drops: bool) {
    let Some(i) = impact else { return };
    if i.integer_time {
        p.impact.push(format!(
            "{} has integer time and its integer_now function cannot be called here: what this reaches is not counted",
            r.shown()
        ));
        return;
    }
    p.impact.push(format!("{what} {}", i.describe()));
    if drops && i.chunks > 0 {
        p.warnings.push(format!(
            "{} chunks of {} and their data will be gone ({}): type its name to confirm",
            i.chunks,
            r.shown(),
            crate::format::bytes(i.bytes)
        ));
        p.confirm = r.confirm_by_name();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::parse::parse;

    fn rel(kind: &str) -> Relation {
        Relation {
            oid: 16400,
            schema: "Ops \"Team\"".into(),
            name: "events; drop table x".into(),
            kind: RelationKind::from_sql(kind),
        }
    }

    fn job(scheduled: bool) -> JobSettings {
        JobSettings {
            job_id: 1003,
            proc_name: "policy_retention".into(),
            proc_schema: "_timescaledb_functions".into(),
            owner: Some("postgres".into()),
            scheduled,
            schedule_interval: "1 day".into(),
            max_runtime: "00:05:00".into(),
            max_retries: -1,
            retry_period: "00:05:00".into(),
            config: Some(serde_json::json!({"drop_after": "30 days", "hypertable_id": 5})),
            next_start: None,
            fixed_schedule: false,
            initial_start: None,
            timezone: None,
            owner_role: None,
        }
    }

    fn chunk(schema: &str, name: &str, oid: u32) -> Object {
        Object {
            oid,
            schema: schema.into(),
            name: name.into(),
        }
    }

    fn facts(r: Option<Relation>, j: Option<JobSettings>) -> Facts {
        Facts {
            ts: "\"public\"".into(),
            relation: r,
            job: j,
            ..Default::default()
        }
    }

    #[test]
    fn names_reach_sql_only_as_parameters_or_quoted_identifiers() {
        let cmd = parse(r#"set-retention "Ops ""Team"""."events; drop table x" 7days"#).unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), None)).unwrap();
        let step = &p.steps[0];
        assert!(!step.sql.contains("drop table x"), "{}", step.sql);
        assert_eq!(step.params[0].as_deref(), Some("16400"), "the oid");
        assert!(step
            .sql
            .starts_with("SELECT \"public\".add_retention_policy("));
        assert_eq!(step.params[1].as_deref(), Some("7 days"));
        let cmd = parse(r#"drop-index "Ops ""Team"""."events; drop table x""#).unwrap();
        let p = plan(&cmd, &facts(Some(rel("index")), None)).unwrap();
        assert_eq!(
            p.steps[0].sql,
            "DROP INDEX CONCURRENTLY \"Ops \"\"Team\"\"\".\"events; drop table x\""
        );
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        assert!(p.inverse.is_none() && p.irreversible.is_some());
    }

    #[test]
    fn changing_an_existing_policy_captures_and_restores_it() {
        let cmd = parse("set-retention scn.logs 90d").unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(job(true)))).unwrap();
        let config: serde_json::Value =
            serde_json::from_str(p.steps[0].params[3].as_deref().unwrap()).unwrap();
        // Only the key it changes is sent (merged into the job's config as it is when it runs).
        assert_eq!(config, serde_json::json!({"drop_after": "90 days"}));
        assert_eq!(p.steps[0].params[4].as_deref(), Some("{}"));
        // The undo puts back drop_after alone: not the schedule, not the paused flag.
        let undo = &p.inverse.as_ref().unwrap()[0];
        assert_eq!(undo.params[1], None);
        assert_eq!(undo.params[2], None);
        let old: serde_json::Value =
            serde_json::from_str(undo.params[3].as_deref().unwrap()).unwrap();
        assert_eq!(old, serde_json::json!({"drop_after": "30 days"}));
        assert_eq!(undo.params[4].as_deref(), Some("{}"));
        assert_eq!(p.changes, [job_setting(1003, "config.drop_after")]);
        assert_eq!(p.previous.as_ref().unwrap()["job_id"], 1003);
    }

    #[test]
    fn running_a_custom_job_warns_whose_code_runs() {
        let cmd = parse("run-job 1003").unwrap();
        let p = plan(&cmd, &facts(None, Some(job(true)))).unwrap();
        assert!(
            p.warnings.is_empty(),
            "a TimescaleDB policy: {:?}",
            p.warnings
        );
        let mut custom = job(true);
        custom.proc_schema = "public".into();
        custom.proc_name = "Export".into();
        custom.owner = Some("lowpriv".into());
        let p = plan(&cmd, &facts(None, Some(custom))).unwrap();
        assert!(
            p.warnings[0].contains("public.\"Export\"") && p.warnings[0].contains("lowpriv"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_policy_by_creation_time_keeps_its_kind() {
        let cmd = parse("set-retention scn.logs 90d").unwrap();
        let mut prev = job(true);
        prev.config =
            Some(serde_json::json!({"drop_created_before": "30 days", "hypertable_id": 5}));
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(prev))).unwrap();
        let config: serde_json::Value =
            serde_json::from_str(p.steps[0].params[3].as_deref().unwrap()).unwrap();
        assert_eq!(
            config,
            serde_json::json!({"drop_created_before": "90 days"})
        );
        assert!(p.summary.contains("drop_created_before"), "{}", p.summary);
        assert_eq!(p.changes, [job_setting(1003, "config.drop_created_before")]);
    }

    #[test]
    fn removing_a_policy_re_adds_it_with_its_settings() {
        let cmd = parse("remove-retention-policy scn.logs").unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(job(false)))).unwrap();
        let inv = p.inverse.unwrap();
        assert_eq!(inv[0].params[1].as_deref(), Some("30 days"), "drop_after");
        assert_eq!(inv[0].params[2].as_deref(), Some("1 day"), "schedule");
        assert_eq!(
            inv[1].params[7].as_deref(),
            Some("false"),
            "paused as it was"
        );
        let err = plan(&cmd, &facts(Some(rel("hypertable")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::NoPolicy {
                    noun: "retention",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn pausing_twice_is_refused_and_resume_undoes_pause() {
        let pause = parse("pause-job 1003").unwrap();
        assert_eq!(
            plan(&pause, &facts(None, Some(job(false)))),
            Err(PlanError::JobAlready {
                job_id: 1003,
                paused: true
            })
        );
        let p = plan(&pause, &facts(None, Some(job(true)))).unwrap();
        assert_eq!(p.steps[0].params[2].as_deref(), Some("false"));
        assert_eq!(p.inverse.unwrap()[0].params[2].as_deref(), Some("true"));
        assert_eq!(
            plan(&pause, &facts(None, None)),
            Err(PlanError::NoSuchJob { job_id: 1003 })
        );
    }

    #[test]
    fn per_chunk_plans_undo_only_what_ran() {
        let cmd = parse("compress scn.metrics older-than 7d").unwrap();
        let mut f = facts(Some(rel("hypertable")), None);
        f.items = (1..=3).map(|i| chunk("a", &format!("c{i}"), i)).collect();
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(p.steps.len(), 3);
        let undo = p.undo_for(2);
        assert_eq!(
            undo.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
            ["decompress a.c2", "decompress a.c1"]
        );
        f.items.clear();
        assert!(matches!(
            plan(&cmd, &f),
            Err(PlanError::NothingToDo(Nothing::NoChunks { .. }))
        ));
    }

    #[test]
    fn kinds_are_checked() {
        let cmd = parse("set-compress-after scn.metrics_daily 7d").unwrap();
        let err = plan(&cmd, &facts(Some(rel("cagg")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::WrongKind {
                    kind: RelationKind::Cagg,
                    wanted: "hypertable",
                    ..
                }
            ),
            "{err}"
        );
        let cmd = parse("reindex x").unwrap();
        let mut f = facts(Some(rel("hypertable")), None);
        f.items = vec![chunk("_timescaledb_internal", "_hyper_1_1_chunk", 7)];
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(
            p.steps[0].sql,
            "REINDEX TABLE CONCURRENTLY \"_timescaledb_internal\".\"_hyper_1_1_chunk\""
        );
    }

    fn impact(chunks: i64) -> Impact {
        Impact {
            chunks,
            bytes: chunks * 1024 * 1024,
            total_chunks: 40,
            total_bytes: 40 * 1024 * 1024,
            first: Some("2026-10-01 00:00".into()),
            last: Some("2026-10-05 00:00".into()),
            integer_time: false,
        }
    }

    #[test]
    fn a_change_that_drops_data_says_when_how_much_what_is_lost_and_asks_for_the_name() {
        let cmd = parse("set-retention scn.logs 30d").unwrap();
        let mut f = facts(Some(rel("hypertable")), Some(job(true)));
        f.job.as_mut().unwrap().next_start = Some("2026-11-26 22:00:00+00".into());
        f.impact = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(
            p.next_run,
            ["at its next run (2026-11-26 22:00:00+00) the policy drops 10 of 40 chunks (10 MiB, 25% of the data), 2026-10-01 00:00 → 2026-10-05 00:00"]
        );
        assert!(p.lost[0].starts_with("the 10 chunks of"), "{:?}", p.lost);
        assert!(p.lost[0].contains("a rollback restores the policy, not them"));
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        let rollback = p
            .consequences(8)
            .into_iter()
            .find(|c| c.label == "Rollback")
            .unwrap();
        assert!(
            rollback.text.contains("back to") && rollback.text.contains("does not bring back"),
            "{rollback:?}"
        );
        // chunks overdue under the policy as it is are not this change's loss
        f.impact_now = Some(impact(6));
        let p = plan(&cmd, &f).unwrap();
        assert!(
            p.next_run[0].contains("6 of them (6.0 MiB) past its threshold as it is")
                && p.next_run[0].contains("4 (4.0 MiB) because of this change"),
            "{:?}",
            p.next_run
        );
        assert!(p.lost[0].starts_with("the 4 chunks of"), "{:?}", p.lost);
        // all of them overdue already: nothing lost by this change, no name to type for it
        f.impact_now = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert!(p.lost.is_empty(), "{:?}", p.lost);
        assert_eq!(p.confirm, Confirm::Choose);
        // Dropping nothing needs no typed name; compressing never does.
        f.impact = Some(impact(0));
        f.impact_now = None;
        assert_eq!(plan(&cmd, &f).unwrap().confirm, Confirm::Choose);
        let cmd = parse("set-compress-after scn.logs 30d").unwrap();
        f.impact = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert!(
            p.next_run[0].contains("the policy compresses 10 of 40"),
            "{:?}",
            p.next_run
        );
        assert!(p.lost.is_empty());
        assert_eq!(p.confirm, Confirm::Choose);
    }

    #[test]
    fn drop_chunks_is_irreversible_typed_and_refuses_when_nothing_matches() {
        let cmd = parse("drop-chunks scn.logs older-than 90d").unwrap();
        let mut f = facts(Some(rel("cagg")), None);
        f.impact = Some(impact(4));
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        assert!(p.inverse.is_none() && p.irreversible.is_some());
        assert_eq!(
            p.steps[0].params,
            [Some("16400".into()), Some("90 days".into())]
        );
        assert!(p.steps[0]
            .sql
            .contains("\"public\".drop_chunks($1::text::oid::regclass"));
        f.impact = Some(impact(0));
        let err = plan(&cmd, &f).unwrap_err().to_string();
        assert!(
            err.contains("nothing to do: none of the 40 chunks"),
            "{err}"
        );
        let err = plan(&cmd, &facts(Some(rel("index")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::WrongKind {
                    kind: RelationKind::Index,
                    wanted: "hypertable or continuous aggregate",
                    ..
                }
            ),
            "{err}"
        );
        for bad in [
            "drop-chunks x",
            "drop-chunks x newer-than 1d",
            "drop-chunks x older-than 1d y",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
