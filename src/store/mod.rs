//! The data store below every front end (console, `snapshot`, `check`): the latest value of each
//! dataset with how it stands, filled from query results, and the problems derived from it.
//! Pure but for [`Dataset::read_all`], which reads every dataset once for scripts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::history::History;
use crate::model::kept::{Part, Written};
use crate::model::{self, Applied, Latest, Payload, QueryKind, ReadError};
use crate::policy;
use crate::problems::{self, Problem, Thresholds};

mod derive;
pub mod keeping;

pub use derive::Findings;
// What each dataset holds and how it stands, and the table's datasets, read here by most.
pub use crate::model::{DataState, Section, Standing};

/// Everything the screens, `snapshot` and `check` show, one [`DataState`] per dataset.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub caps: Option<Capabilities>,
    /// Every dataset's latest value (read through the dataset: `data.jobs`).
    pub latest: Latest,
    /// Each query kind's last successful read: when, and how long it took.
    pub refreshed: HashMap<QueryKind, (DateTime<Utc>, Duration)>,
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// The ranked problems of what has been read (see [`Dataset::update_problems`]).
    pub problems: Vec<Problem>,
    /// How the numbers moved over this session's reads, for the pictures.
    pub history: History,
    /// What the problem rules derived, kept while what it was derived from is unchanged.
    derived: KeptDerivations,
}

/// Derivations kept between answers, with the version of the datasets they came from: the
/// relations, jobs and caggs (the server's figures and sessions change at every refresh and
/// are not in it).
#[derive(Debug, Clone, Default)]
struct KeptDerivations {
    version: u64,
    lint: Option<(u64, Option<Vec<policy::Finding>>)>,
    findings: problems::KeptFindings,
}

/// What each kind a read of everything reads keeps between reads on one connection (see
/// [`model::Cache`]).
#[derive(Debug)]
pub struct Kept(Vec<(QueryKind, model::Cache)>);

impl Default for Kept {
    fn default() -> Kept {
        Kept(
            QueryKind::everything()
                .map(|k| (k, model::Cache::default()))
                .collect(),
        )
    }
}

impl Kept {
    /// A one-shot read's: nothing kept after it, but with `keeps` what another process may
    /// start from (the catalog's sizes and structure, the aggregates' probes), which it reads
    /// as a refresh would (versions first) so that the next can check them.
    pub fn one_shot(keeps: bool) -> Kept {
        let mut kept = Kept::default();
        for (_, cache) in &mut kept.0 {
            cache.one_shot = true;
            cache.keeps = keeps;
        }
        kept
    }

    /// What another process may start from, but the parts that `written` says are on disk as
    /// they are.
    pub fn export(&self, now_ms: i64, written: &Written) -> Vec<Part> {
        let mut out = Vec::new();
        for (kind, cache) in &self.0 {
            match kind {
                QueryKind::Catalog => cache.catalog.export(now_ms, written, &mut out),
                QueryKind::Caggs => cache.holes.export(written, &mut out),
                _ => {}
            }
        }
        out
    }

    /// Takes in what another process kept (name, when written, bytes) at `now_ms`, where it
    /// can be used: the probes are the aggregates' read's, the rest the catalog pass's.
    pub fn import(&mut self, parts: &[(String, i64, Vec<u8>)], now_ms: i64, written: &mut Written) {
        for (name, at_ms, bytes) in parts {
            let kind = match name.as_str() {
                model::kept::PROBES => QueryKind::Caggs,
                _ => QueryKind::Catalog,
            };
            let Some((_, cache)) = self.0.iter_mut().find(|(k, _)| *k == kind) else {
                continue;
            };
            let part = (name.as_str(), *at_ms, bytes.as_slice());
            match kind {
                QueryKind::Caggs => {
                    let probed = model::holes::Probed::import((*at_ms, bytes), now_ms, written);
                    if let Some(probed) = probed {
                        cache.holes = probed;
                    }
                }
                _ => {
                    cache.catalog.import(part, now_ms, written);
                }
            }
        }
    }
}

/// The datasets are read through the dataset (`data.jobs`): the table of datasets is the
/// model's, and the store adds what is derived from them.
impl std::ops::Deref for Dataset {
    type Target = Latest;
    fn deref(&self) -> &Latest {
        &self.latest
    }
}

impl std::ops::DerefMut for Dataset {
    fn deref_mut(&mut self) -> &mut Latest {
        &mut self.latest
    }
}

impl Dataset {
    pub fn new(caps: Option<Capabilities>) -> Dataset {
        Dataset {
            caps,
            ..Dataset::default()
        }
    }

    /// Whether TimescaleDB is installed (assumed until the capabilities are known).
    pub fn timescaledb(&self) -> bool {
        self.caps.as_ref().is_none_or(|c| c.timescaledb.is_some())
    }

    /// What the server calls things (tab titles).
    pub fn words(&self) -> crate::capabilities::Words {
        crate::capabilities::Words::of(self.caps.as_ref())
    }

    /// Reads every dataset once and derives the problems (`snapshot`, `check`), reading the
    /// catalog structure too. The reads go out together on the one connection (pipelined): the
    /// server runs them one after another as before, but without a round trip between them,
    /// and this process decodes each result while the server works on the next.
    pub async fn read_all(
        client: &Client,
        helper: Option<&Client>,
        caps: &Capabilities,
        limits: &Thresholds,
    ) -> Dataset {
        Self::read_all_keeping(client, helper, caps, limits, &mut Kept::one_shot(false)).await
    }

    /// Like [`read_all`](Self::read_all), keeping each read's catalog structure in `kept` for
    /// the next read on the same connection (the exporter's scrapes); the work shared with
    /// `helper` when given (a new session's first read).
    pub async fn read_all_keeping(
        client: &Client,
        helper: Option<&Client>,
        caps: &Capabilities,
        limits: &Thresholds,
        kept: &mut Kept,
    ) -> Dataset {
        let mut data = Dataset::new(Some(caps.clone()));
        let mut answers = Self::read_each(client, helper, caps, kept).await;
        if let Some(h) = helper {
            // The helper went away meanwhile (terminated, a pooler's idle limit): everything
            // again on the main session alone. Even a read that succeeded may lack what the
            // helper read for it (the catalog pass's segment statistics), and a cache counts
            // such a failed read as read: each starts afresh.
            if !client.is_closed() && (h.is_closed() || h.simple_query("").await.is_err()) {
                for (_, cache) in &mut kept.0 {
                    *cache = model::Cache {
                        one_shot: cache.one_shot,
                        keeps: cache.keeps,
                        ..Default::default()
                    };
                }
                answers = Self::read_each(client, None, caps, kept).await;
            }
        }
        for (kind, result, took) in answers {
            data.apply(kind, result, Utc::now(), took);
        }
        if helper.is_some() {
            data.leave_out_own_session();
        }
        data.update_problems(limits, Utc::now());
        data
    }

    /// The helper read the sessions, so they hold the main session (the read itself, perhaps
    /// waiting on a lock): it leaves it out, as each session leaves itself out.
    fn leave_out_own_session(&mut self) {
        let Some(own) = self.summary.value().map(|s| s.backend_pid) else {
            return;
        };
        if let DataState::Ready { value, .. } = &mut self.activity {
            Arc::make_mut(value).retain(|s| s.pid != own);
        }
    }

    /// Each kind a read of everything reads, at once, with how long each took.
    async fn read_each(
        client: &Client,
        helper: Option<&Client>,
        caps: &Capabilities,
        kept: &mut Kept,
    ) -> Vec<(QueryKind, Result<Payload, ReadError>, Duration)> {
        let started = std::time::Instant::now();
        // A helper session takes the reads the catalog pass does not need on its own; the
        // summary (this session's pid, TLS, settings) is the main session's.
        let on_helper = |kind: QueryKind| helper.is_some() && !kind.row().main_session;
        let reads = kept.0.iter_mut().map(|(kind, kept)| async move {
            let kind = *kind;
            let on = match helper {
                Some(h) if on_helper(kind) => h,
                _ => client,
            };
            let result = match model::unavailable(kind, caps) {
                Some(why) => Ok(Payload::Unavailable(why)),
                None => model::fetch_with(kind, None, on, helper, caps, kept)
                    .await
                    .map_err(ReadError::from),
            };
            (kind, result, started.elapsed())
        });
        let mut answers = futures_util::future::join_all(reads).await;
        let done: Vec<(bool, Duration)> = answers
            .iter()
            .map(|(kind, _, done)| (on_helper(*kind), *done))
            .collect();
        for ((_, _, took), t) in answers.iter_mut().zip(read_times(&done)) {
            *took = t;
        }
        answers
    }

    /// Feeds `h` what this dataset holds, as its own reads fed its history: a recorder that
    /// reads afresh each time keeps one history across its reads.
    pub fn observe_into(&self, h: &mut History, at: DateTime<Utc>) {
        h.observe(&self.latest, Section::ALL, at);
    }

    /// A drill-down's rows arrived (they are its view's; the store keeps when it was read).
    pub fn drill_read(&mut self, kind: QueryKind, at: DateTime<Utc>, took: Duration) {
        self.refreshed.insert(kind, (at, took));
    }

    /// A read or the link failed: the footer shows the latest error.
    pub fn failed(&mut self, at: DateTime<Utc>, error: &str) {
        self.last_error = Some((at, error.to_string()));
    }

    /// A new session told what the server can do.
    pub fn set_caps(&mut self, caps: &Capabilities) {
        self.derived.version += 1;
        self.caps = Some(caps.clone());
    }

    /// Stores a screen query's result (drill-downs are not kept here: the caller shows them).
    pub fn apply(
        &mut self,
        kind: QueryKind,
        result: Result<Payload, ReadError>,
        at: DateTime<Utc>,
        took: Duration,
    ) {
        let payload = match result {
            Ok(p) => p,
            Err(e) => {
                self.last_error = Some((at, e.to_string()));
                self.fail(kind, e);
                return;
            }
        };
        if !matches!(payload, Payload::Unavailable(_)) {
            self.refreshed.insert(kind, (at, took));
        }
        let mut put = Applied::default();
        self.latest
            .put(kind, payload, at, took, self.caps.as_ref(), &mut put);
        self.derived.version += u64::from(put.changed);
        if let Some(error) = put.failed {
            self.last_error = Some((at, error.to_string()));
        }
        self.history.observe(&self.latest, &put.fresh, at);
    }

    fn fail(&mut self, kind: QueryKind, error: ReadError) {
        self.derived.version += 1;
        self.latest.fail(kind, &error);
    }

    /// Every dataset by the name scripts know it (the exporter's `section` label), with how it
    /// stands.
    pub fn sections(&self) -> impl Iterator<Item = (&'static str, Standing<'_>)> {
        Section::ALL.iter().map(|&s| (s.as_str(), self.status(s)))
    }

    /// Whether `kind` has not been read even once (it fills datasets, and none has a value
    /// or a failure yet; a drill-down's rows are its view's).
    pub fn never_read(&self, kind: QueryKind) -> bool {
        let filled: Vec<Section> = Section::filled_by_kind(kind).collect();
        !filled.is_empty() && filled.iter().all(|&s| self.status(s) == Standing::Loading)
    }

    /// Derives the problem list again; true when it changed.
    pub fn update_problems(&mut self, limits: &Thresholds, now: DateTime<Utc>) -> bool {
        let version = self.derived.version;
        if self.derived.lint.as_ref().map(|(v, _)| *v) != Some(version) {
            self.derived.lint = Some((version, self.lint()));
        }
        let mut kept = std::mem::take(&mut self.derived.findings);
        let found = self.with_inputs(|inputs| {
            problems::find_keeping(inputs, limits, now, Some((version, &mut kept)))
        });
        self.derived.findings = kept;
        let changed = found != self.problems;
        self.problems = found;
        changed
    }

    /// The live policies as the lint rules see them: only once compression, retention and caggs
    /// are all read (the rules weigh policies against each other).
    pub fn policies(&self) -> Option<policy::Live<'_>> {
        Some(policy::Live {
            hypertables: self.hypertables.rows(),
            compression: self.compression.value()?,
            retention: self.retention.value()?,
            caggs: self.caggs.value()?,
            indexes: self.indexes.rows(),
        })
    }

    /// The lint rules' findings on the live policies, once they are all read.
    fn lint(&self) -> Option<Vec<policy::Finding>> {
        self.policies()
            .map(|live| policy::lint(&policy::lint_relations(live)))
    }

    /// The ranked problem list from what has been read (a dataset not read adds nothing).
    pub fn problems(&self, limits: &Thresholds, now: DateTime<Utc>) -> Vec<Problem> {
        self.with_inputs(|inputs| problems::find(inputs, limits, now))
    }

    /// A fold's members from what has been read, each as it is found on its own.
    pub fn members(
        &self,
        fold: &problems::FoldId,
        limits: &Thresholds,
        now: DateTime<Utc>,
    ) -> Vec<Problem> {
        self.with_inputs(|inputs| problems::members(inputs, limits, now, fold))
    }

    /// What the problem rules look at, from what has been read.
    fn with_inputs<R>(&self, f: impl FnOnce(&problems::Inputs) -> R) -> R {
        let fresh;
        let findings = match &self.derived.lint {
            Some((version, kept)) if *version == self.derived.version => kept,
            _ => {
                fresh = self.lint();
                &fresh
            }
        };
        let ts = self.caps.as_ref().and_then(|c| c.timescaledb.as_ref());
        f(&problems::Inputs {
            summary: self.summary.value(),
            timescaledb: self.caps.as_ref().is_some_and(|c| c.timescaledb.is_some()),
            jobs: self.jobs.value().map(Vec::as_slice),
            compression: self.compression.value().map(Vec::as_slice),
            retention: self.retention.value().map(Vec::as_slice),
            indexes: self.indexes.value().map(Vec::as_slice),
            caggs: self.caggs.value().map(Vec::as_slice),
            hypertables: self.hypertables.value().map(Vec::as_slice),
            activity: self.activity.value().map(Vec::as_slice),
            lint: findings.as_deref(),
            one_by_one: false,
            merge_chunks: ts.is_some_and(|t| t.merge_chunks),
            compact_chunk: ts.is_some_and(|t| t.compact_chunk),
        })
    }
}

/// How long each of a pipelined set of reads took, from when each was answered (since they
/// all went out) and on which session: a session answers in order, so each read took from the
/// answer before it on the same session to its own. (Counted across sessions, a helper's read
/// answered before the main session's catalog pass read as having taken nothing.)
fn read_times(answered: &[(bool, Duration)]) -> Vec<Duration> {
    let mut last = [Duration::ZERO; 2];
    answered
        .iter()
        .map(|&(session, done)| {
            let before = &mut last[usize::from(session)];
            let took = done.saturating_sub(*before);
            *before = (*before).max(done);
            took
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::caggs::Cagg;
    use crate::model::catalog::Parts;
    use crate::model::fixtures;

    #[test]
    fn each_read_took_from_the_answer_before_it_on_its_own_session() {
        let ms = Duration::from_millis;
        // Summary and catalog on the main session; jobs, caggs and activity on the helper,
        // answered long before the catalog pass.
        let answered = [
            (false, ms(5)),
            (false, ms(500)),
            (true, ms(50)),
            (true, ms(80)),
            (true, ms(90)),
        ];
        assert_eq!(
            read_times(&answered),
            [ms(5), ms(495), ms(50), ms(30), ms(10)]
        );
        let one_session = [(false, ms(5)), (false, ms(500)), (false, ms(520))];
        assert_eq!(read_times(&one_session), [ms(5), ms(495), ms(20)]);
    }

    /// Each read fills sections, the catalog's through its parts, a drill-down none.
    #[test]
    fn the_section_table_says_what_each_kind_fills() {
        for kind in QueryKind::everything() {
            assert!(Section::filled_by_kind(kind).next().is_some(), "{kind:?}");
        }
        for s in Section::ALL {
            assert_eq!(
                s.part().is_some(),
                s.filled_by() == QueryKind::Catalog,
                "{s:?}"
            );
        }
        let mut d = Dataset::new(Some(fixtures::caps()));
        assert!(d.never_read(QueryKind::Catalog) && !d.never_read(QueryKind::Chunks));
        // A failed part of the catalog pass fails its sections only, and the pass was read.
        d.apply(
            QueryKind::Catalog,
            Ok(Payload::Failed(Parts::Indexes, boom())),
            at(),
            Duration::ZERO,
        );
        assert!(matches!(d.status(Section::Indexes), Standing::Failed(..)));
        assert_eq!(d.status(Section::Hypertables), Standing::Loading);
        assert!(!d.never_read(QueryKind::Catalog));
        let names: Vec<&str> = d.sections().map(|(n, _)| n).collect();
        assert!(names.contains(&"database_size") && names.contains(&"matviews"));
    }

    fn at() -> DateTime<Utc> {
        Utc::now()
    }

    fn boom() -> ReadError {
        ReadError::Client("boom".into())
    }

    #[test]
    fn a_failed_read_keeps_the_last_value_as_stale() {
        let mut d = Dataset::default();
        assert_eq!(d.jobs.status(), Standing::Loading);
        let jobs = vec![fixtures::job(
            1000,
            "policy_compression",
            Some("readings"),
            4,
            true,
        )];
        d.apply(
            QueryKind::Jobs,
            Ok(Payload::Jobs(jobs.clone())),
            at(),
            Duration::ZERO,
        );
        assert_eq!(d.jobs.status(), Standing::Ready);
        d.apply(QueryKind::Jobs, Err(boom()), at(), Duration::ZERO);
        assert_eq!(d.jobs.status(), Standing::Failed(&boom(), true));
        assert_eq!(d.jobs.value(), Some(&jobs), "stale value still shown");
        assert_eq!(d.last_error.as_ref().unwrap().1, "boom");
        let down = ReadError::Timeout { seconds: 30 };
        d.apply(QueryKind::Summary, Err(down.clone()), at(), Duration::ZERO);
        assert_eq!(d.summary.status(), Standing::Failed(&down, false));
    }

    #[test]
    fn plain_postgresql_marks_the_timescaledb_datasets_unavailable() {
        let mut d = Dataset::default();
        d.apply(
            QueryKind::Catalog,
            Ok(Payload::Partitions(vec![])),
            at(),
            Duration::ZERO,
        );
        assert!(matches!(d.hypertables.status(), Standing::Unavailable(_)));
        assert!(matches!(d.compression.status(), Standing::Unavailable(_)));
        assert_eq!(d.partitions.status(), Standing::Ready);
        d.apply(
            QueryKind::Jobs,
            Ok(Payload::Unavailable("no TimescaleDB".into())),
            at(),
            Duration::ZERO,
        );
        assert_eq!(d.jobs.status(), Standing::Unavailable("no TimescaleDB"));
        assert!(
            !d.refreshed.contains_key(&QueryKind::Jobs),
            "unavailable is not a refresh"
        );
    }

    #[test]
    fn problems_come_from_every_dataset_read() {
        let mut d = Dataset::default();
        let limits = Thresholds::default();
        assert!(d.problems(&limits, at()).is_empty());
        d.apply(
            QueryKind::Jobs,
            Ok(Payload::Jobs(vec![fixtures::job(
                1000,
                "policy_compression",
                Some("readings"),
                4,
                true,
            )])),
            at(),
            Duration::ZERO,
        );
        d.apply(
            QueryKind::Caggs,
            Ok(Payload::Caggs(vec![Cagg {
                watermark: None,
                lag_seconds: None,
                ..fixtures::cagg("m", None, "2026-11-21T11:00:00Z", 0.0)
            }])),
            at(),
            Duration::ZERO,
        );
        let kinds: Vec<&str> = d
            .problems(&limits, at())
            .iter()
            .map(|p| p.kind.as_str())
            .collect();
        assert_eq!(kinds, ["job failing", "cagg lag"]);
    }
}
