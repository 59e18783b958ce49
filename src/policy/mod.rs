//! Policies as code: a database's policies as a TOML file (export), what differs between a file
//! and the database (diff, the drift), and the rules that catch policies that work against each
//! other (lint). Pure: the reads are `model::policies`, the changes `actions::plan::apply`.

use std::collections::BTreeMap;
use strum::{IntoStaticStr, VariantArray};

use serde::{Deserialize, Serialize};

use crate::model::policies::{PolicyJob, RelationPolicies};

mod lint;
pub use lint::{lint, lint_file, lint_relations, Finding, LintRelation, LintRule, Live};

mod checks;

pub use checks::*;

/// A threshold or offset: an interval (`7 days`) or, for integer time, a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Integer(i64),
    Interval(String),
}

impl Threshold {
    pub fn from_json(v: &serde_json::Value) -> Option<Threshold> {
        match v {
            serde_json::Value::String(s) => Some(Threshold::Interval(s.clone())),
            serde_json::Value::Number(n) => n.as_i64().map(Threshold::Integer),
            _ => None,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Threshold::Integer(n) => serde_json::json!(n),
            Threshold::Interval(s) => serde_json::json!(s),
        }
    }

    pub fn interval(&self) -> Option<&str> {
        match self {
            Threshold::Interval(s) => Some(s),
            Threshold::Integer(_) => None,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Threshold::Integer(n) => write!(f, "{n}"),
            Threshold::Interval(s) => write!(f, "{s}"),
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressionLayout {
    /// Columns compressed data is segmented by (quoted as SQL needs).
    #[serde(default)]
    pub segmentby: Vec<String>,
    /// `"time" DESC`, … in order.
    #[serde(default)]
    pub orderby: Vec<String>,
}

/// A compression or retention policy: its threshold (by chunk range, or by creation time), its
/// schedule and whether it runs.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdPolicy {
    /// `compress_after` / `drop_after`.
    pub after: Option<Threshold>,
    /// `compress_created_before` / `drop_created_before` (TimescaleDB 2.15+).
    pub created_before: Option<String>,
    pub schedule: String,
    #[serde(default = "yes")]
    pub scheduled: bool,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshPolicy {
    /// None: from the beginning.
    pub start_offset: Option<Threshold>,
    /// None: up to now.
    pub end_offset: Option<Threshold>,
    pub schedule: String,
    #[serde(default = "yes")]
    pub scheduled: bool,
    /// Its batching (TimescaleDB 2.19+), each absent where the job's config has none (the
    /// server's default): buckets refreshed a transaction, batches a run (0: all), and
    /// whether the newest go first.
    pub buckets_per_batch: Option<i64>,
    pub max_batches_per_execution: Option<i64>,
    pub refresh_newest_first: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReorderPolicy {
    pub index: String,
    pub schedule: String,
    #[serde(default = "yes")]
    pub scheduled: bool,
}

/// A compaction policy (TimescaleDB 2.29+): compact_chunk on the compressed chunks whose
/// batches are out of order, with its limits as the job's config holds them (absent: the
/// server's defaults).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompactionPolicy {
    pub schedule: String,
    #[serde(default = "yes")]
    pub scheduled: bool,
    /// Chunks compacted a run, and batches a chunk.
    pub max_chunks: Option<i64>,
    pub max_batches: Option<i64>,
    /// Only chunks no write touched for this long (an interval).
    pub inactive_for: Option<String>,
}

impl CompactionPolicy {
    /// The job config keys its limits are.
    pub const KEYS: &'static [&'static str] = &["max_chunks", "max_batches", "inactive_for"];

    /// A limit of 0 is no limit, as the server reads it (add_compaction_policy writes none
    /// then): absent on both sides, so that a file saying 0 matches.
    pub fn limits_as_the_server_reads_them(mut self) -> CompactionPolicy {
        self.max_chunks = self.max_chunks.filter(|n| *n != 0);
        self.max_batches = self.max_batches.filter(|n| *n != 0);
        self
    }

    /// The job config it would have, merged over `base` (the job's other keys).
    pub fn config(&self, base: &serde_json::Value) -> serde_json::Value {
        merged(base, |map| {
            for k in Self::KEYS {
                map.remove(*k);
            }
            let limits = [
                ("max_chunks", self.max_chunks.map(|n| serde_json::json!(n))),
                (
                    "max_batches",
                    self.max_batches.map(|n| serde_json::json!(n)),
                ),
                (
                    "inactive_for",
                    self.inactive_for.as_ref().map(|s| serde_json::json!(s)),
                ),
            ];
            for (k, v) in limits {
                if let Some(v) = v {
                    map.insert(k.into(), v);
                }
            }
        })
    }
}

/// A job's config with a part's keys set by `set` over `base` (the job's other keys kept; a
/// config that is no object is replaced by one).
fn merged(
    base: &serde_json::Value,
    set: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> serde_json::Value {
    let mut c = match base {
        serde_json::Value::Object(_) => base.clone(),
        _ => serde_json::json!({}),
    };
    if let Some(map) = c.as_object_mut() {
        set(map);
    }
    c
}

/// One hypertable's or cagg's policies.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Also read as `columnstore` and `columnstore_policy`: TimescaleDB's words from 2.18, which
    /// files exported from such a server use.
    #[serde(alias = "columnstore")]
    pub compression: Option<CompressionLayout>,
    #[serde(alias = "columnstore_policy")]
    pub compression_policy: Option<ThresholdPolicy>,
    pub retention_policy: Option<ThresholdPolicy>,
    pub refresh_policy: Option<RefreshPolicy>,
    /// A cagg's refresh policies when it has several (windows side by side, TimescaleDB
    /// 2.21+); `refresh_policy` is then absent (a file giving both is read as all of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refresh_policies: Vec<RefreshPolicy>,
    pub reorder_policy: Option<ReorderPolicy>,
    pub compaction_policy: Option<CompactionPolicy>,
}

/// The file: hypertables and caggs by `schema.name` (sorted, so it diffs well in git).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hypertables: BTreeMap<String, Relation>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub caggs: BTreeMap<String, Relation>,
}

impl PolicyFile {
    /// A hypertable's or cagg's entry, by `schema.name`.
    pub fn relation(&self, name: &str, is_cagg: bool) -> Option<&Relation> {
        if is_cagg {
            self.caggs.get(name)
        } else {
            self.hypertables.get(name)
        }
    }
}

/// The policy kinds of a relation, as the file names them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, IntoStaticStr, VariantArray,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Compression,
    CompressionPolicy,
    RetentionPolicy,
    RefreshPolicy,
    ReorderPolicy,
    CompactionPolicy,
}

impl Part {
    pub const ALL: &'static [Part] = <Part as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The job procedure behind a policy part (compression settings have none).
    pub fn proc_name(self) -> Option<&'static str> {
        match self {
            Part::Compression => None,
            Part::CompressionPolicy => Some("policy_compression"),
            Part::RetentionPolicy => Some("policy_retention"),
            Part::RefreshPolicy => Some("policy_refresh_continuous_aggregate"),
            Part::ReorderPolicy => Some("policy_reorder"),
            Part::CompactionPolicy => Some("policy_compaction"),
        }
    }
}

impl Relation {
    /// Every refresh policy, in the file's canonical order (by window and schedule).
    pub fn refresh_all(&self) -> Vec<&RefreshPolicy> {
        let mut all: Vec<&RefreshPolicy> = self
            .refresh_policy
            .iter()
            .chain(&self.refresh_policies)
            .collect();
        all.sort_by_key(|p| serde_json::to_string(p).unwrap_or_default());
        all
    }

    /// The refresh policies as the file writes them: one as `refresh_policy`, several as
    /// `refresh_policies` in canonical order.
    fn with_refresh(mut self, mut all: Vec<RefreshPolicy>) -> Relation {
        all.sort_by_key(|p| serde_json::to_string(p).unwrap_or_default());
        self.refresh_policy = None;
        self.refresh_policies = Vec::new();
        match all.len() {
            0 => {}
            1 => self.refresh_policy = all.pop(),
            _ => self.refresh_policies = all,
        }
        self
    }

    /// Whether a cagg has several refresh policies.
    pub fn several_refresh(&self) -> bool {
        self.refresh_all().len() > 1
    }

    /// The part as JSON, for comparing, reporting and showing (None: absent); several refresh
    /// policies as an array.
    pub fn part(&self, part: Part) -> Option<serde_json::Value> {
        fn json<T: Serialize>(v: &Option<T>) -> Option<serde_json::Value> {
            v.as_ref().and_then(|v| serde_json::to_value(v).ok())
        }
        match part {
            Part::Compression => json(&self.compression),
            Part::CompressionPolicy => json(&self.compression_policy),
            Part::RetentionPolicy => json(&self.retention_policy),
            Part::RefreshPolicy => match self.refresh_all().as_slice() {
                [] => None,
                [one] => serde_json::to_value(one).ok(),
                several => serde_json::to_value(several).ok(),
            },
            Part::ReorderPolicy => json(&self.reorder_policy),
            Part::CompactionPolicy => json(&self.compaction_policy),
        }
    }

    /// The compression or retention policy (None for the other parts).
    pub fn threshold_policy(&self, part: Part) -> Option<&ThresholdPolicy> {
        match part {
            Part::CompressionPolicy => self.compression_policy.as_ref(),
            Part::RetentionPolicy => self.retention_policy.as_ref(),
            _ => None,
        }
    }

    /// Whether a part's job runs (None: no job there).
    pub fn scheduled(&self, part: Part) -> Option<bool> {
        match part {
            Part::Compression => None,
            Part::CompressionPolicy => self.compression_policy.as_ref().map(|p| p.scheduled),
            Part::RetentionPolicy => self.retention_policy.as_ref().map(|p| p.scheduled),
            Part::RefreshPolicy => match self.refresh_all().as_slice() {
                [one] => Some(one.scheduled),
                _ => None,
            },
            Part::ReorderPolicy => self.reorder_policy.as_ref().map(|p| p.scheduled),
            Part::CompactionPolicy => self.compaction_policy.as_ref().map(|p| p.scheduled),
        }
    }
}

/// A part as one line of `key = value`s, for drift reports.
fn show(part: &Option<serde_json::Value>) -> String {
    match part {
        None => "none".into(),
        // several refresh policies: each as a line's part of its own
        Some(serde_json::Value::Array(all)) => all
            .iter()
            .map(|one| show(&Some(one.clone())))
            .collect::<Vec<_>>()
            .join(" | "),
        Some(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// The database's policies as a file.
pub fn export(relations: &[RelationPolicies]) -> PolicyFile {
    let mut file = PolicyFile::default();
    for r in relations {
        let mut rel = Relation {
            compression: (r.compression_enabled && !r.is_cagg).then(|| CompressionLayout {
                segmentby: r.segmentby.clone(),
                orderby: r.orderby.clone(),
            }),
            ..Relation::default()
        };
        let mut refresh = Vec::new();
        for job in &r.jobs {
            let cfg = |k: &str| job.config.get(k);
            let threshold = |after: &str, created: &str| ThresholdPolicy {
                after: cfg(after).and_then(Threshold::from_json),
                created_before: cfg(created).and_then(|v| v.as_str().map(String::from)),
                schedule: job.schedule.clone(),
                scheduled: job.scheduled,
            };
            match job.proc_name.as_str() {
                "policy_compression" => {
                    rel.compression_policy =
                        Some(threshold("compress_after", "compress_created_before"))
                }
                "policy_retention" => {
                    rel.retention_policy = Some(threshold("drop_after", "drop_created_before"))
                }
                "policy_refresh_continuous_aggregate" => refresh.push(RefreshPolicy::of(job)),
                "policy_reorder" => {
                    rel.reorder_policy = Some(ReorderPolicy {
                        index: cfg("index_name")
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        schedule: job.schedule.clone(),
                        scheduled: job.scheduled,
                    })
                }
                "policy_compaction" => {
                    rel.compaction_policy = Some(CompactionPolicy {
                        schedule: job.schedule.clone(),
                        scheduled: job.scheduled,
                        max_chunks: cfg("max_chunks").and_then(|v| v.as_i64()),
                        max_batches: cfg("max_batches").and_then(|v| v.as_i64()),
                        inactive_for: cfg("inactive_for")
                            .and_then(|v| v.as_str().map(String::from)),
                    })
                }
                _ => {}
            }
        }
        let rel = rel.with_refresh(refresh);
        let key = crate::format::qualified_escaped(&r.schema, &r.name);
        if r.is_cagg {
            file.caggs.insert(key, rel);
        } else {
            file.hypertables.insert(key, rel);
        }
    }
    file
}

/// A relation's policies in the columnstore's words (TimescaleDB 2.18+), for writing.
#[serde_with::skip_serializing_none]
#[derive(Serialize)]
struct ColumnstoreRelation<'a> {
    columnstore: Option<&'a CompressionLayout>,
    columnstore_policy: Option<&'a ThresholdPolicy>,
    retention_policy: Option<&'a ThresholdPolicy>,
    refresh_policy: Option<&'a RefreshPolicy>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    refresh_policies: &'a [RefreshPolicy],
    reorder_policy: Option<&'a ReorderPolicy>,
    compaction_policy: Option<&'a CompactionPolicy>,
}

impl<'a> From<&'a Relation> for ColumnstoreRelation<'a> {
    fn from(r: &'a Relation) -> Self {
        ColumnstoreRelation {
            columnstore: r.compression.as_ref(),
            columnstore_policy: r.compression_policy.as_ref(),
            retention_policy: r.retention_policy.as_ref(),
            refresh_policy: r.refresh_policy.as_ref(),
            refresh_policies: &r.refresh_policies,
            reorder_policy: r.reorder_policy.as_ref(),
            compaction_policy: r.compaction_policy.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct ColumnstoreFile<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    hypertables: BTreeMap<&'a str, ColumnstoreRelation<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    caggs: BTreeMap<&'a str, ColumnstoreRelation<'a>>,
}

/// The file as written: a header, then TOML (sorted; the same database gives the same bytes),
/// in the server's words: `columnstore` where it has the columnstore (2.18+), else
/// `compression` (either is read back).
/// Why a policy file cannot be read, written or applied as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// Not TOML of a policy file (TOML's reason and line).
    NotAPolicyFile(String),
    /// The file could not be made (TOML's reason).
    Write(String),
    /// Settings the palette would refuse.
    Refused(Vec<checks::Refusal>),
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::NotAPolicyFile(e) => write!(f, "not a policy file: {e}"),
            PolicyError::Write(e) => write!(f, "cannot write the policy file: {e}"),
            PolicyError::Refused(wrong) => {
                let n = wrong.len();
                let all: Vec<String> = wrong.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "{n} setting{} the palette would refuse:\n  {}",
                    if n == 1 { "" } else { "s" },
                    all.join("\n  ")
                )
            }
        }
    }
}

impl std::error::Error for PolicyError {}

pub fn to_toml(
    file: &PolicyFile,
    database: &str,
    columnstore: bool,
) -> Result<String, PolicyError> {
    let body = match columnstore {
        true => toml::to_string(&ColumnstoreFile {
            hypertables: file
                .hypertables
                .iter()
                .map(|(k, r)| (k.as_str(), r.into()))
                .collect(),
            caggs: file
                .caggs
                .iter()
                .map(|(k, r)| (k.as_str(), r.into()))
                .collect(),
        }),
        false => toml::to_string(file),
    }
    .map_err(|e| PolicyError::Write(e.to_string()))?;
    Ok(format!(
        "# TimescaleDB policies of database {database:?}: `hypertop policy diff|apply|lint FILE`.\n\
         # Relations by schema.name; intervals as PostgreSQL writes them; a missing part means none.\n\n{body}"
    ))
}

/// Reads a policy file, with the reason and line when it is not one.
pub fn parse(text: &str) -> Result<PolicyFile, PolicyError> {
    let mut file: PolicyFile =
        toml::from_str(text).map_err(|e| PolicyError::NotAPolicyFile(e.to_string()))?;
    // one refresh policy is `refresh_policy` whichever way the file wrote it
    for rel in file.hypertables.values_mut().chain(file.caggs.values_mut()) {
        let all = rel.refresh_all().into_iter().cloned().collect();
        *rel = std::mem::take(rel).with_refresh(all);
        rel.compaction_policy =
            (rel.compaction_policy.take()).map(CompactionPolicy::limits_as_the_server_reads_them);
    }
    Ok(file)
}

/// What differs between the file and the database, for one part of one relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// `schema.name`.
    pub relation: String,
    pub is_cagg: bool,
    pub part: Part,
    pub kind: DriftKind,
    /// The part as the file wants it and as the database has it (None: absent).
    pub want: Option<serde_json::Value>,
    pub have: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// In the file, not in the database.
    Missing,
    /// In the database, not in the file.
    Extra,
    /// In both, with other settings.
    Changed,
    /// In both, the same but for whether it runs.
    Paused,
    /// The relation is not in the database at all (apply cannot create tables).
    #[strum(serialize = "no relation")]
    NoRelation,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The drift of `have` (the database, exported) from `want` (the file). Intervals must have been
/// normalised the same way on both sides (the server's reading of the file's: see
/// `normalize`).
pub fn diff(want: &PolicyFile, have: &PolicyFile) -> Vec<Drift> {
    let mut out = Vec::new();
    for (is_cagg, w, h) in [
        (false, &want.hypertables, &have.hypertables),
        (true, &want.caggs, &have.caggs),
    ] {
        let names: std::collections::BTreeSet<&String> = w.keys().chain(h.keys()).collect();
        for name in names {
            let (wr, hr) = match (w.get(name), h.get(name)) {
                (Some(_), None) => {
                    out.push(Drift {
                        relation: name.clone(),
                        is_cagg,
                        part: Part::Compression,
                        kind: DriftKind::NoRelation,
                        want: None,
                        have: None,
                    });
                    continue;
                }
                // A relation the file does not name is left alone: files can cover a subset.
                (None, _) => continue,
                (Some(wr), Some(hr)) => (wr, hr),
            };
            let wr = &default_orderby(wr, hr);
            for &part in Part::ALL {
                let (a, b) = (wr.part(part), hr.part(part));
                let kind = match (&a, &b) {
                    (Some(_), None) => DriftKind::Missing,
                    (None, Some(_)) => DriftKind::Extra,
                    (Some(x), Some(y)) if x != y => {
                        let mut only_state = wr.clone();
                        set_scheduled(&mut only_state, part, hr.scheduled(part));
                        if only_state.part(part) == b {
                            DriftKind::Paused
                        } else {
                            DriftKind::Changed
                        }
                    }
                    _ => continue,
                };
                out.push(Drift {
                    relation: name.clone(),
                    is_cagg,
                    part,
                    kind,
                    want: a,
                    have: b,
                });
            }
        }
    }
    out
}

/// An empty orderby in the file means TimescaleDB's choice (apply leaves it out): whatever the
/// database has then matches, whether it wrote the default down (up to 2.17) or not (2.28).
fn default_orderby(want: &Relation, have: &Relation) -> Relation {
    let mut want = want.clone();
    if let (Some(w), Some(h)) = (&mut want.compression, &have.compression) {
        if w.orderby.is_empty() {
            w.orderby = h.orderby.clone();
        }
    }
    want
}

fn set_scheduled(r: &mut Relation, part: Part, to: Option<bool>) {
    let Some(to) = to else { return };
    match part {
        Part::Compression => {}
        Part::CompressionPolicy => {
            if let Some(p) = &mut r.compression_policy {
                p.scheduled = to
            }
        }
        Part::RetentionPolicy => {
            if let Some(p) = &mut r.retention_policy {
                p.scheduled = to
            }
        }
        Part::RefreshPolicy => {
            // several: whether each runs is part of the set
            if let Some(p) = &mut r.refresh_policy {
                p.scheduled = to
            }
        }
        Part::ReorderPolicy => {
            if let Some(p) = &mut r.reorder_policy {
                p.scheduled = to
            }
        }
        Part::CompactionPolicy => {
            if let Some(p) = &mut r.compaction_policy {
                p.scheduled = to
            }
        }
    }
}

impl ThresholdPolicy {
    /// The job config a policy of this kind would have (`compress_after` or
    /// `compress_created_before`, …), merged over `base` (the job's other keys).
    pub fn config(
        &self,
        after_key: &str,
        created_key: &str,
        base: &serde_json::Value,
    ) -> serde_json::Value {
        merged(base, |map| {
            map.remove(after_key);
            map.remove(created_key);
            if let Some(a) = &self.after {
                map.insert(after_key.into(), a.to_json());
            }
            if let Some(cb) = &self.created_before {
                map.insert(created_key.into(), serde_json::json!(cb));
            }
        })
    }
}

impl RefreshPolicy {
    /// Every job config key the file sets: its window and its batching.
    pub const KEYS: &'static [&'static str] = &[
        "start_offset",
        "end_offset",
        "buckets_per_batch",
        "max_batches_per_execution",
        "refresh_newest_first",
    ];

    /// A refresh policy's job as the file writes it.
    pub fn of(job: &crate::model::policies::PolicyJob) -> RefreshPolicy {
        Self::from_config(&job.config, &job.schedule, job.scheduled)
    }

    /// The policy a refresh job's config, schedule and state make.
    pub fn from_config(config: &serde_json::Value, schedule: &str, scheduled: bool) -> Self {
        let cfg = |k: &str| config.get(k).and_then(Threshold::from_json);
        let number = |k: &str| config.get(k).and_then(serde_json::Value::as_i64);
        RefreshPolicy {
            start_offset: cfg("start_offset"),
            end_offset: cfg("end_offset"),
            schedule: schedule.to_string(),
            scheduled,
            buckets_per_batch: number("buckets_per_batch"),
            max_batches_per_execution: number("max_batches_per_execution"),
            refresh_newest_first: (config.get("refresh_newest_first"))
                .and_then(serde_json::Value::as_bool),
        }
    }

    /// Whether it refreshes the same window as `other`.
    pub fn same_window(&self, other: &RefreshPolicy) -> bool {
        (&self.start_offset, &self.end_offset) == (&other.start_offset, &other.end_offset)
    }

    pub fn config(&self, base: &serde_json::Value) -> serde_json::Value {
        merged(base, |map| {
            for (k, v) in [
                ("start_offset", &self.start_offset),
                ("end_offset", &self.end_offset),
            ] {
                map.insert(
                    k.into(),
                    v.as_ref()
                        .map_or(serde_json::Value::Null, Threshold::to_json),
                );
            }
            let batching = [
                self.buckets_per_batch.map(|n| serde_json::json!(n)),
                self.max_batches_per_execution.map(|n| serde_json::json!(n)),
                self.refresh_newest_first.map(|b| serde_json::json!(b)),
            ];
            for (k, v) in Self::KEYS[2..].iter().zip(batching) {
                match v {
                    Some(v) => map.insert(k.to_string(), v),
                    None => map.remove(*k),
                };
            }
        })
    }
}

/// The job of a relation's part in the database, if any.
pub fn job_of<'a>(
    relations: &'a [RelationPolicies],
    name: &str,
    part: Part,
) -> Option<&'a PolicyJob> {
    let proc_name = part.proc_name()?;
    relations
        .iter()
        .find(|r| crate::format::qualified_escaped(&r.schema, &r.name) == name)?
        .jobs
        .iter()
        .find(|j| j.proc_name == proc_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policies::PolicyJob;

    fn db() -> Vec<RelationPolicies> {
        vec![
            RelationPolicies {
                schema: "scn".into(),
                name: "metrics".into(),
                is_cagg: false,
                compression_enabled: true,
                integer_time: false,
                segmentby: vec!["device".into()],
                orderby: vec!["\"time\" DESC".into()],
                jobs: vec![
                    PolicyJob {
                        job_id: 1000,
                        proc_name: "policy_compression".into(),
                        scheduled: true,
                        schedule: "12:00:00".into(),
                        config: serde_json::json!({"hypertable_id": 1, "compress_after": "7 days"}),
                    },
                    PolicyJob {
                        job_id: 1001,
                        proc_name: "policy_retention".into(),
                        scheduled: false,
                        schedule: "1 day".into(),
                        config: serde_json::json!({"hypertable_id": 1, "drop_after": "30 days"}),
                    },
                ],
            },
            RelationPolicies {
                schema: "scn".into(),
                name: "metrics_hourly".into(),
                is_cagg: true,
                compression_enabled: false,
                integer_time: false,
                segmentby: vec![],
                orderby: vec![],
                jobs: vec![PolicyJob {
                    job_id: 1002,
                    proc_name: "policy_refresh_continuous_aggregate".into(),
                    scheduled: true,
                    schedule: "01:00:00".into(),
                    config: serde_json::json!({"mat_hypertable_id": 3, "start_offset": "3 days", "end_offset": null}),
                }],
            },
        ]
    }

    #[test]
    fn every_refresh_policy_of_a_cagg_is_exported_diffed_and_read_back() {
        let mut live = db();
        let window = |job_id, start: &str, end: &str, every: &str| PolicyJob {
            job_id,
            proc_name: "policy_refresh_continuous_aggregate".into(),
            scheduled: true,
            schedule: every.into(),
            config: serde_json::json!({"mat_hypertable_id": 3, "start_offset": start, "end_offset": end}),
        };
        live[1].jobs = vec![
            window(1002, "7 days", "3 days", "12:00:00"),
            window(1003, "3 days", "1 day", "01:00:00"),
            window(1004, "1 day", "01:00:00", "00:10:00"),
        ];
        let file = export(&live);
        let cagg = &file.caggs["scn.metrics_hourly"];
        assert_eq!(cagg.refresh_policy, None);
        assert_eq!(cagg.refresh_policies.len(), 3);
        for columnstore in [true, false] {
            let text = to_toml(&file, "plant", columnstore).unwrap();
            assert_eq!(
                text.matches("[[caggs.\"scn.metrics_hourly\".refresh_policies]]")
                    .count(),
                3,
                "{text}"
            );
            assert_eq!(parse(&text).unwrap(), file);
        }
        assert!(diff(&file, &file).is_empty());
        // one window's schedule changed: the set differs, both sides said whole
        let mut want = file.clone();
        want.caggs
            .get_mut("scn.metrics_hourly")
            .unwrap()
            .refresh_policies[0]
            .schedule = "02:00:00".into();
        let drift = diff(&want, &file);
        assert_eq!(drift.len(), 1, "{drift:?}");
        assert_eq!(
            (drift[0].part, drift[0].kind),
            (Part::RefreshPolicy, DriftKind::Changed)
        );
        assert!(drift[0].want.as_ref().unwrap().is_array());
        // a file that keeps one as refresh_policy and the others as refresh_policies reads as
        // the same three; one alone is refresh_policy however it was written
        let mixed = "[caggs.\"scn.metrics_hourly\".refresh_policy]\nstart_offset = \"7 days\"\n\
                     end_offset = \"3 days\"\nschedule = \"12:00:00\"\n\
                     [[caggs.\"scn.metrics_hourly\".refresh_policies]]\nstart_offset = \"3 days\"\n\
                     end_offset = \"1 day\"\nschedule = \"01:00:00\"\n\
                     [[caggs.\"scn.metrics_hourly\".refresh_policies]]\nstart_offset = \"1 day\"\n\
                     end_offset = \"01:00:00\"\nschedule = \"00:10:00\"\n";
        assert_eq!(parse(mixed).unwrap().caggs, file.caggs);
        let alone = "[[caggs.\"x.y\".refresh_policies]]\nschedule = \"1h\"\n";
        let read = parse(alone).unwrap();
        assert!(read.caggs["x.y"].refresh_policy.is_some());
        assert!(read.caggs["x.y"].refresh_policies.is_empty());
    }

    #[test]
    fn a_columnstore_server_writes_its_own_words_and_either_is_read() {
        let file = export(&db());
        let text = to_toml(&file, "plant", true).unwrap();
        assert!(
            text.contains("[hypertables.\"scn.metrics\".columnstore]")
                && text.contains("[hypertables.\"scn.metrics\".columnstore_policy]")
                && !text.contains("compression"),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), file);
        // the old words are the same parts; both for one relation is refused
        let old = to_toml(&file, "plant", false).unwrap();
        assert_eq!(parse(&old).unwrap(), file);
        let both = "[hypertables.\"a\".compression_policy]\nschedule = \"1d\"\n\
                    [hypertables.\"a\".columnstore_policy]\nschedule = \"1d\"";
        assert!(
            parse(both).unwrap_err().to_string().contains("duplicate"),
            "{both}"
        );
    }

    #[test]
    fn export_writes_every_part_and_reads_back_the_same() {
        let file = export(&db());
        let text = to_toml(&file, "plant", false).unwrap();
        assert!(
            text.contains("[hypertables.\"scn.metrics\".compression_policy]"),
            "{text}"
        );
        assert!(text.contains("after = \"7 days\""), "{text}");
        assert!(text.contains("scheduled = false"), "{text}");
        assert!(text.contains("start_offset = \"3 days\""), "{text}");
        assert!(!text.contains("end_offset"), "open end: absent\n{text}");
        assert_eq!(parse(&text).unwrap(), file);
        // Stable: the same database gives the same bytes.
        assert_eq!(to_toml(&export(&db()), "plant", false).unwrap(), text);
    }

    #[test]
    fn an_empty_orderby_is_timescaledbs_choice_and_matches_any() {
        let have = export(&db());
        let mut want = have.clone();
        let mut c = want.hypertables["scn.metrics"].compression.clone().unwrap();
        c.orderby.clear();
        want.hypertables.get_mut("scn.metrics").unwrap().compression = Some(c.clone());
        assert!(diff(&want, &have).is_empty());
        // segmentby is not a choice left to TimescaleDB: an empty one is wanted empty.
        c.segmentby.clear();
        want.hypertables.get_mut("scn.metrics").unwrap().compression = Some(c);
        let kinds: Vec<DriftKind> = diff(&want, &have).into_iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [DriftKind::Changed]);
    }

    #[test]
    fn diff_names_missing_extra_changed_and_paused() {
        let have = export(&db());
        assert!(diff(&have, &have).is_empty());
        let mut want = have.clone();
        let m = want.hypertables.get_mut("scn.metrics").unwrap();
        m.retention_policy.as_mut().unwrap().scheduled = true; // paused in the database
        m.compression_policy.as_mut().unwrap().after = Some(Threshold::Interval("14 days".into()));
        m.reorder_policy = Some(ReorderPolicy {
            index: "metrics_time_idx".into(),
            schedule: "1 day".into(),
            scheduled: true,
        });
        want.caggs
            .get_mut("scn.metrics_hourly")
            .unwrap()
            .refresh_policy = None;
        want.hypertables
            .insert("scn.gone".into(), Relation::default());
        let kinds: Vec<(String, Part, DriftKind)> = diff(&want, &have)
            .into_iter()
            .map(|d| (d.relation, d.part, d.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    "scn.gone".to_string(),
                    Part::Compression,
                    DriftKind::NoRelation
                ),
                (
                    "scn.metrics".into(),
                    Part::CompressionPolicy,
                    DriftKind::Changed
                ),
                (
                    "scn.metrics".into(),
                    Part::RetentionPolicy,
                    DriftKind::Paused
                ),
                (
                    "scn.metrics".into(),
                    Part::ReorderPolicy,
                    DriftKind::Missing
                ),
                (
                    "scn.metrics_hourly".into(),
                    Part::RefreshPolicy,
                    DriftKind::Extra
                ),
            ]
        );
        let lines = describe(&diff(&want, &have));
        assert!(lines[1].contains("want after = \"14 days\""), "{lines:?}");
    }

    #[test]
    fn a_file_with_unknown_keys_or_types_is_refused_with_the_reason() {
        for bad in [
            "[hypertables.\"a\".compresion_policy]\nschedule = \"1d\"",
            "[hypertables.\"a\".compression_policy]\nafter = true\nschedule = \"1d\"",
            "[hypertables.\"a\".retention_policy]\ndrop_after = \"1d\"",
            "hypertables = 3",
        ] {
            assert!(
                matches!(parse(bad), Err(PolicyError::NotAPolicyFile(_))),
                "{bad}"
            );
        }
    }

    /// A cheap deterministic fuzz: truncations and mutations of an exported file never panic;
    /// each one refused says why, each one read diffs and lints.
    #[test]
    fn mutated_files_are_refused_with_a_reason_or_read_never_a_panic() {
        const PIECES: &[&str] = &[
            "\"", "'", "[", "]", "=", "\n", "#", "\\", ".", "-1", "1e99", "true", "{", "}", ",",
            "\u{0}", "é", "[[x]]", "after", "\"\"\"",
        ];
        let text = to_toml(&export(&db()), "plant", false).unwrap();
        let have = export(&db());
        let chars: Vec<char> = text.chars().collect();
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut next = || rng.next();
        let (mut read, mut refused) = (0, 0);
        for round in 0..3_000 {
            let mut mutated: Vec<char> = chars.clone();
            if round % 5 == 0 {
                mutated.truncate((next() as usize) % (chars.len() + 1));
            }
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % (mutated.len() + 1);
                let piece = PIECES[(next() as usize) % PIECES.len()];
                if next() % 2 == 0 && at < mutated.len() {
                    mutated.remove(at);
                }
                for (i, c) in piece.chars().enumerate() {
                    mutated.insert((at + i).min(mutated.len()), c);
                }
            }
            let mutated: String = mutated.into_iter().collect();
            match parse(&mutated) {
                Ok(file) => {
                    read += 1;
                    let _ = describe(&diff(&file, &have));
                    let _ = lint(&lint_file(&file, &[]));
                }
                Err(e) => {
                    refused += 1;
                    let e = e.to_string();
                    assert!(e.starts_with("not a policy file: ") && e.len() > 20, "{e}");
                }
            }
        }
        assert!(
            read > 100 && refused > 100,
            "read {read}, refused {refused}"
        );
    }
}
