//! The relation rules' findings kept between derivations while what they depend on is the same.

use chrono::{DateTime, Utc};

use super::{Inputs, Problem, Thresholds};

/// How long the relation rules' findings are kept at most: advice weighs chunks against the
/// clock, and an explanation can say how long a job has been late.
pub(super) const FINDINGS_KEPT_FOR: f64 = 10.0;

/// The relation rules' findings, explained and folded, kept while the datasets they read and
/// the roots that explain them are unchanged: an answer about the server's figures or its
/// sessions alone does not format every relation's findings again (at a fast refresh on a large
/// database that was much of the console's CPU).
#[derive(Debug, Clone, Default)]
pub struct KeptFindings {
    pub(super) key: Option<(FindingsKey, DateTime<Utc>)>,
    pub(super) found: Vec<Problem>,
}

impl KeptFindings {
    /// The findings kept for `key`, if they are still what the rules would find at `now`.
    pub(super) fn still(&self, key: &FindingsKey, now: DateTime<Utc>) -> Option<&[Problem]> {
        let (kept, at) = self.key.as_ref()?;
        let age = (now - *at).as_seconds_f64();
        (kept == key && (0.0..FINDINGS_KEPT_FOR).contains(&age)).then_some(&self.found[..])
    }
}

/// Everything besides the clock the relation rules' findings depend on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FindingsKey {
    /// The store's version of the datasets the rules read (relations, jobs, caggs).
    version: u64,
    roots: Vec<Problem>,
    limits: Thresholds,
    /// The memory the advice weighs chunks against.
    memory: Option<(i64, i64)>,
    timescaledb: bool,
    merge_chunks: bool,
    compact_chunk: bool,
}

impl FindingsKey {
    pub(super) fn of(
        version: u64,
        roots: &[Problem],
        input: &Inputs,
        limits: &Thresholds,
    ) -> FindingsKey {
        FindingsKey {
            version,
            roots: roots.to_vec(),
            limits: *limits,
            memory: input
                .summary
                .map(|s| (s.effective_cache_size_bytes, s.shared_buffers_bytes)),
            timescaledb: input.timescaledb,
            merge_chunks: input.merge_chunks,
            compact_chunk: input.compact_chunk,
        }
    }
}
