//! What is known of TimescaleDB releases beyond their catalogs: limits one release has and a
//! later one lifts, and bugs that change, lose or wrongly return data with the release that
//! fixes each, each with TimescaleDB's CHANGELOG reference (kept by hand: add an entry when a
//! CHANGELOG names such a fix). Consulted only for behaviour
//! no catalog shows (what a function refuses); features are detected from the catalog.
//! A pre-release (`2.23.0-dev`) is no release: `has` assumes nothing of it, `has_even_before`
//! (where a feature needs a limit lifted) gives it the limits its release lifted.

/// A release, `major.minor.patch`.
pub type Release = (u32, u32, u32);

/// The release `version` names; None for a pre-release or what does not read as one.
pub fn release(version: &str) -> Option<Release> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let r = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(r)
}

/// `2.23.1`.
pub fn shown(r: Release) -> String {
    format!("{}.{}.{}", r.0, r.1, r.2)
}

/// A limit of some releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A continuous aggregate on another one: `alter_job` of its refresh policy is refused
    /// ("multiple refresh policies are not supported for hierarchical continuous
    /// aggregates", counting the policy itself), so it cannot be paused or rescheduled.
    HierarchicalRefreshFrozen,
    /// A continuous aggregate has one refresh policy at most: a second is refused ("already
    /// exists"), whatever its window.
    OneRefreshPolicy,
    /// A continuous aggregate on another one has one refresh policy at most (refused for fear
    /// of deadlocks between them).
    HierarchicalOneRefreshPolicy,
    /// `refresh_continuous_aggregate` takes `options` (from 2.19) but reads no batching from
    /// them: `buckets_per_batch`, `max_batches_per_execution` and `refresh_newest_first` are
    /// ignored, the whole window refreshed at once.
    RefreshOptionsWithoutBatches,
    /// `merge_chunks_concurrently` of compressed chunks fails ("cache lookup failed for
    /// relation", its new heap dropped under it): the blocking `merge_chunks` merges them.
    ConcurrentMergeOfCompressed,
    /// A job whose next start is left unset (`-infinity`, after a failover or a crash mid-run)
    /// is never started again by the scheduler: it stays there until its next start is set.
    UnsetNextStartStuck,
    /// The scheduler can keep putting a due job behind others in its queue, run after run:
    /// the job starves while the scheduler runs.
    QueueStarvation,
}

/// A limit, the releases that have it (`from` up to, not including, `fixed`) and where
/// TimescaleDB says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub limit: Limit,
    pub from: Release,
    pub fixed: Release,
    pub reference: &'static str,
}

const LIMITS: &[Known] = &[
    Known {
        limit: Limit::HierarchicalRefreshFrozen,
        // 2.22.1 blocked concurrent refresh policies on hierarchical caggs (#8707) and with them
        // every alter_job of their policy; 2.23.1 fixed the blocker (#8879).
        from: (2, 22, 1),
        fixed: (2, 23, 1),
        reference: "TimescaleDB #8707, fixed by #8879",
    },
    Known {
        limit: Limit::OneRefreshPolicy,
        // 2.21.0 allowed refresh policies side by side (#8274)
        from: (2, 0, 0),
        fixed: (2, 21, 0),
        reference: "TimescaleDB #8274",
    },
    Known {
        limit: Limit::HierarchicalOneRefreshPolicy,
        // 2.22.1 blocked them on a cagg on another one (#8707); 2.29.0 allowed them (#10048)
        from: (2, 22, 1),
        fixed: (2, 29, 0),
        reference: "TimescaleDB #8707, lifted by #10048",
    },
    Known {
        limit: Limit::RefreshOptionsWithoutBatches,
        // 2.28.0 made a manual refresh incremental (#9903)
        from: (2, 0, 0),
        fixed: (2, 28, 0),
        reference: "TimescaleDB #9903",
    },
    Known {
        limit: Limit::ConcurrentMergeOfCompressed,
        // merge_chunks_concurrently came in 2.24; 2.26.4 fixed its merge of compressed chunks
        from: (2, 24, 0),
        fixed: (2, 26, 4),
        reference: "TimescaleDB #9656",
    },
    Known {
        limit: Limit::UnsetNextStartStuck,
        from: (2, 0, 0),
        fixed: (2, 26, 4),
        reference: "TimescaleDB #9360",
    },
    Known {
        limit: Limit::QueueStarvation,
        from: (2, 0, 0),
        fixed: (2, 28, 0),
        reference: "TimescaleDB #9918, fixed by #9929",
    },
];

/// Whether `version` has `limit`, a pre-release (`2.28.0-dev`, built on the way to 2.28.0)
/// taken as before the release it leads to: it has the limits that release lifted (the side
/// to err on where a feature needs a limit lifted).
pub fn has_even_before(version: &str, limit: Limit) -> Option<&'static Known> {
    let Some((base, _)) = version.split_once('-') else {
        return has(version, limit);
    };
    let r = release(base)?;
    LIMITS
        .iter()
        .find(|k| k.limit == limit && k.from < r && r <= k.fixed)
}

/// Whether `version` (as `pg_extension` says it) has `limit`.
pub fn has(version: &str, limit: Limit) -> Option<&'static Known> {
    let r = release(version)?;
    LIMITS
        .iter()
        .find(|k| k.limit == limit && k.from <= r && r < k.fixed)
}

/// Every limit `version` has (those `has` finds), in the table's order.
pub fn limits(version: &str) -> Vec<Limit> {
    let Some(r) = release(version) else {
        return Vec::new();
    };
    (LIMITS.iter())
        .filter(|k| k.from <= r && r < k.fixed)
        .map(|k| k.limit)
        .collect()
}

impl Known {
    /// What the server refuses, in words, with the release that lifts it.
    pub fn refusal(&self, version: &str, what: &str) -> String {
        format!(
            "TimescaleDB {version} refuses to {what} ({}; {} lifts it)",
            self.reference,
            shown(self.fixed)
        )
    }
}

/// A bug that changes, loses or wrongly returns data, as TimescaleDB's CHANGELOG states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownBug {
    /// The first release with the fix.
    pub fixed: Release,
    /// The first release with the feature the bug is in, where the CHANGELOG says (None: every
    /// release before the fix may have it).
    pub since: Option<Release>,
    /// The pull request that fixed it (github.com/timescale/timescaledb/pull/N).
    pub pull: u32,
    /// The feature it is in (what an action that uses the feature warns of).
    pub area: BugArea,
    /// What it did, in a few words.
    pub what: &'static str,
}

/// The feature a known bug is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BugArea {
    /// Reading a compressed hypertable through a sparse index.
    SparseIndex,
    /// Deleting from a compressed hypertable directly.
    DirectDelete,
    /// Merging chunks (`merge_chunks`).
    Merging,
    /// Merging compressed chunks concurrently (`merge_chunks_concurrently`).
    ConcurrentMerge,
    /// Compressing as rows are inserted (direct compress).
    DirectCompress,
    /// Compressing and reading compressed chunks.
    Compression,
}

/// One known bug: fixed in, since (None: every release before the fix), pull request, area, what.
const fn bug(
    fixed: Release,
    since: Option<Release>,
    pull: u32,
    area: BugArea,
    what: &'static str,
) -> KnownBug {
    KnownBug {
        fixed,
        since,
        pull,
        area,
        what,
    }
}

/// Newest fix first.
pub const KNOWN_BUGS: &[KnownBug] = &[
    bug((2, 29, 2), None, 9921, BugArea::SparseIndex,
        "wrong results for IS NULL conditions answered from a min/max sparse index"),
    bug((2, 28, 3), None, 10254, BugArea::DirectDelete,
        "a direct delete with an array condition holding NULL deleted more rows than asked"),
    // merge_chunks came in 2.18
    bug((2, 26, 4), Some((2, 18, 0)), 9655, BugArea::Merging,
        "merging chunks with different compression settings corrupted data"),
    // merge_chunks_concurrently came in 2.24; merge-chunks merges compressed chunks with the
    // blocking merge_chunks there (Limit::ConcurrentMergeOfCompressed)
    bug((2, 26, 4), Some((2, 24, 0)), 9656, BugArea::ConcurrentMerge,
        "a concurrent merge of compressed chunks dropped the merged chunk's new heap and failed (\"cache lookup failed for relation\")"),
    // direct compress came in 2.21
    bug((2, 26, 0), Some((2, 21, 0)), 9381, BugArea::DirectCompress,
        "direct compress lost rows of a client-ordered INSERT ... SELECT from a compressed hypertable"),
    bug((2, 19, 0), None, 7714, BugArea::Compression,
        "compressed NULL values could be read as the column's default"),
    bug((2, 13, 0), None, 6280, BugArea::Compression,
        "compressing a table with a partial index matching the compression order could lose data"),
];

/// The known bugs of `version` (as `pg_extension` says it), newest fix first; none for a
/// pre-release.
pub fn known_bugs(version: &str) -> Vec<&'static KnownBug> {
    let Some(r) = release(version) else {
        return Vec::new();
    };
    KNOWN_BUGS
        .iter()
        .filter(|b| r < b.fixed && b.since.is_none_or(|s| s <= r))
        .collect()
}

/// The newest release this table knows (what `upgrade-check` aims at when the server has
/// nothing newer installed).
pub const NEWEST_KNOWN: Release = (2, 29, 2);

/// The PostgreSQL majors each release line supports (`from` its minor on, until the next row),
/// as TimescaleDB's CHANGELOG announces them: 2.10 full 15, 2.12 dropped 12, 2.13 added 16, 2.16
/// dropped 13, 2.17 added 17, 2.20 dropped 14, 2.23 added 18, 2.29 dropped 15.
const POSTGRES_SUPPORT: &[((u32, u32), u32, u32)] = &[
    ((2, 9), 12, 15),
    ((2, 12), 13, 15),
    ((2, 13), 13, 16),
    ((2, 16), 14, 16),
    ((2, 17), 14, 17),
    ((2, 20), 15, 17),
    ((2, 23), 15, 18),
    ((2, 29), 16, 18),
];

/// The PostgreSQL majors `r` supports (lowest, highest); None before 2.9 (not in the table). A
/// release past the table's newest line is taken as that line.
pub fn postgres_supported(r: Release) -> Option<(u32, u32)> {
    POSTGRES_SUPPORT
        .iter()
        .rev()
        .find(|(from, ..)| *from <= (r.0, r.1))
        .map(|&(_, low, high)| (low, high))
}

/// The newest release line that supports PostgreSQL `major`, as `(major, minor)`.
pub fn last_line_for_postgres(major: u32) -> Option<(u32, u32)> {
    let mut last = None;
    for (i, &(from, low, high)) in POSTGRES_SUPPORT.iter().enumerate() {
        if (low..=high).contains(&major) {
            last = Some(match POSTGRES_SUPPORT.get(i + 1) {
                // the line before the next row's (a new major's first row: this row's own)
                Some(&(next, nlow, nhigh)) if !(nlow..=nhigh).contains(&major) => {
                    next.1.checked_sub(1).map_or(from, |m| (next.0, m))
                }
                _ => from,
            });
        }
    }
    last
}

/// What an extension update meets, release by release (`upgrade-check`'s rules).
pub mod upgrade {
    use super::Release;

    /// The views of TimescaleDB each release's step of an update drops and makes again (its
    /// update script's `DROP VIEW`s without CASCADE: a user's view on one stops the update),
    /// up to 2.23's step, alike in every target's scripts (the 2.28.3 tag has the steps
    /// before 2.14 that 2.29's dropped).
    pub const VIEW_DROPS_TO_2_23: &[(Release, &[&str])] = &[
        (
            (2, 10, 2),
            &[
                "timescaledb_experimental.policies",
                "timescaledb_information.job_errors",
                "timescaledb_information.job_stats",
                "timescaledb_information.jobs",
            ],
        ),
        (
            (2, 12, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
                "timescaledb_experimental.chunk_replication_status",
                "timescaledb_experimental.policies",
                "timescaledb_information.chunks",
                "timescaledb_information.compression_settings",
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.dimensions",
                "timescaledb_information.hypertables",
                "timescaledb_information.job_stats",
                "timescaledb_information.jobs",
            ],
        ),
        (
            (2, 13, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
                "timescaledb_experimental.chunk_replication_status",
                "timescaledb_information.chunks",
                "timescaledb_information.hypertables",
            ],
        ),
        (
            (2, 14, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
                "timescaledb_experimental.chunk_replication_status",
                "timescaledb_experimental.policies",
                "timescaledb_information.chunks",
                "timescaledb_information.compression_settings",
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.data_nodes",
                "timescaledb_information.dimensions",
                "timescaledb_information.hypertables",
                "timescaledb_information.job_stats",
                "timescaledb_information.jobs",
            ],
        ),
        (
            (2, 15, 0),
            &[
                "timescaledb_experimental.policies",
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.hypertables",
                "timescaledb_information.job_errors",
            ],
        ),
        ((2, 20, 0), &["timescaledb_information.hypertables"]),
        (
            (2, 22, 0),
            &[
                "timescaledb_information.chunk_columnstore_settings",
                "timescaledb_information.chunk_compression_settings",
                "timescaledb_information.compression_settings",
                "timescaledb_information.hypertable_columnstore_settings",
                "timescaledb_information.hypertable_compression_settings",
            ],
        ),
        (
            (2, 23, 0),
            &[
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.job_stats",
            ],
        ),
    ];

    /// The later steps' as the scripts of targets before 2.28 have them (the 2.27.2 tag).
    pub const VIEW_DROPS_BEFORE_2_28: &[(Release, &[&str])] = &[
        ((2, 24, 0), &["timescaledb_information.chunks"]),
        (
            (2, 25, 0),
            &[
                "timescaledb_experimental.policies",
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.dimensions",
                "timescaledb_information.hypertables",
                "timescaledb_information.jobs",
            ],
        ),
        (
            (2, 26, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
                "timescaledb_information.chunk_columnstore_settings",
                "timescaledb_information.chunk_compression_settings",
                "timescaledb_information.chunks",
                "timescaledb_information.hypertables",
            ],
        ),
    ];

    /// The later steps' as the scripts of targets from 2.28 have them (the 2.28.3 and 2.29.2
    /// tags): commit c482ad3 moved the drops, and updates from 2.24.1 on keep the information
    /// views.
    pub const VIEW_DROPS_FROM_2_28: &[(Release, &[&str])] = &[
        (
            (2, 24, 0),
            &[
                "timescaledb_information.chunk_columnstore_settings",
                "timescaledb_information.chunk_compression_settings",
                "timescaledb_information.chunks",
                "timescaledb_information.hypertables",
            ],
        ),
        (
            (2, 25, 0),
            &[
                "timescaledb_experimental.policies",
                "timescaledb_information.chunk_columnstore_settings",
                "timescaledb_information.chunk_compression_settings",
                "timescaledb_information.chunks",
                "timescaledb_information.continuous_aggregates",
                "timescaledb_information.dimensions",
                "timescaledb_information.hypertables",
                "timescaledb_information.jobs",
            ],
        ),
        (
            (2, 26, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
            ],
        ),
        ((2, 28, 0), &["timescaledb_experimental.policies"]),
        (
            (2, 29, 0),
            &[
                "_timescaledb_internal.compressed_chunk_stats",
                "_timescaledb_internal.hypertable_chunk_local_size",
            ],
        ),
    ];

    /// The catalog tables each release's step drops and makes again (`DROP TABLE`s without
    /// CASCADE, temporary copies left out): a user's view on one stops the update.
    pub const CATALOG_REBUILDS: &[(Release, &[&str])] = &[
        ((2, 10, 2), &["_timescaledb_config.bgw_job"]),
        ((2, 12, 0), &["_timescaledb_catalog.hypertable"]),
        (
            (2, 13, 0),
            &[
                "_timescaledb_catalog.chunk",
                "_timescaledb_catalog.compression_chunk_size",
            ],
        ),
        (
            (2, 14, 0),
            &[
                "_timescaledb_catalog.chunk_copy_operation",
                "_timescaledb_catalog.chunk_data_node",
                "_timescaledb_catalog.dimension_partition",
                "_timescaledb_catalog.hypertable",
                "_timescaledb_catalog.hypertable_compression",
                "_timescaledb_catalog.hypertable_data_node",
                "_timescaledb_catalog.remote_txn",
            ],
        ),
        (
            (2, 15, 0),
            &[
                "_timescaledb_catalog.continuous_agg",
                "_timescaledb_catalog.continuous_aggs_bucket_function",
                "_timescaledb_internal.job_errors",
            ],
        ),
        (
            (2, 15, 1),
            &["_timescaledb_catalog.continuous_aggs_bucket_function"],
        ),
        (
            (2, 22, 0),
            &[
                "_timescaledb_catalog.chunk_index",
                "_timescaledb_catalog.compression_settings",
            ],
        ),
        ((2, 25, 0), &["_timescaledb_catalog.continuous_agg"]),
        (
            (2, 26, 0),
            &[
                "_timescaledb_catalog.chunk",
                "_timescaledb_catalog.continuous_agg_migrate_plan",
                "_timescaledb_catalog.continuous_agg_migrate_plan_step",
            ],
        ),
        (
            (2, 28, 0),
            &[
                "_timescaledb_catalog.chunk_constraint",
                "_timescaledb_catalog.continuous_agg",
                "_timescaledb_catalog.dimension_slice",
                "_timescaledb_catalog.telemetry_event",
            ],
        ),
        ((2, 29, 0), &["_timescaledb_catalog.chunk"]),
    ];

    /// Dropped with CASCADE: a user's view on one goes with it, silently. 2.19.0 drops the
    /// compression settings table and with it the information views 2.18 built on it.
    pub const CASCADE_DROPS: &[(Release, &[&str])] = &[(
        (2, 19, 0),
        &[
            "_timescaledb_catalog.compression_settings",
            "timescaledb_information.compression_settings",
            "timescaledb_information.hypertable_compression_settings",
            "timescaledb_information.chunk_compression_settings",
            "timescaledb_information.hypertable_columnstore_settings",
            "timescaledb_information.chunk_columnstore_settings",
        ],
    )];

    /// Dropped only where an earlier update left them one way (2.28.1 rebuilds the job history
    /// where 2.15.0's migration gave it the wrong id type): a user's view on one may stop it.
    pub const MAYBE_DROPS: &[(Release, &[&str])] = &[(
        (2, 28, 1),
        &[
            "timescaledb_information.job_history",
            "timescaledb_information.job_errors",
            "_timescaledb_internal.bgw_job_stat_history",
        ],
    )];

    /// What an update's step does to an object a user's view uses.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Dropped {
        /// Dropped and made again: the update fails while the view is there.
        Stops,
        /// Dropped with CASCADE: the view goes with it.
        Cascade,
        /// Dropped on some databases only.
        Maybe,
    }

    /// The first step after `from` and up to `to` that drops `object` (a view or table of
    /// TimescaleDB's, `schema.name`), as `to`'s update script has it.
    pub fn first_drop(object: &str, from: Release, to: Release) -> Option<(Release, Dropped)> {
        let views = if to >= (2, 28, 0) {
            VIEW_DROPS_FROM_2_28
        } else {
            VIEW_DROPS_BEFORE_2_28
        };
        let kinds = [
            (VIEW_DROPS_TO_2_23, Dropped::Stops),
            (views, Dropped::Stops),
            (CATALOG_REBUILDS, Dropped::Stops),
            (CASCADE_DROPS, Dropped::Cascade),
            (MAYBE_DROPS, Dropped::Maybe),
        ];
        (kinds.iter())
            .flat_map(|(table, how)| table.iter().map(move |(r, names)| (*r, names, *how)))
            .filter(|(r, names, _)| from < *r && *r <= to && names.contains(&object))
            .map(|(r, _, how)| (r, how))
            .min_by_key(|(r, _)| *r)
    }

    /// 2.25.0 removed `time_bucket_ng` (#8229), the old cagg format (#8859) and WAL-based
    /// invalidation (#9022).
    pub const REMOVED_2_25: Release = (2, 25, 0);
    /// 2.15.0's update script migrates continuous aggregates on `time_bucket_ng` to
    /// `time_bucket` by calling the new library's `cagg_migrate_to_time_bucket` inside the
    /// update, where it cannot run ("tried calling catalog_get when extension isn't loaded"):
    /// every update across it with such an aggregate fails (the fix, commit 8cfacf1 of February
    /// 2025, moved it to the post-update script and is in no release).
    pub const NG_CAGGS_MIGRATED: Release = (2, 15, 0);
    /// 2.22.0 removed the hypercore access method; updates to it are refused while a table uses
    /// it.
    pub const HYPERCORE_REMOVED: Release = (2, 22, 0);
    /// 2.24.0 changed the bloom sparse index's format: chunks compressed before have theirs
    /// disabled (#8761) until recompressed (`rebuild_sparse_index` from 2.28, #9938) or
    /// `timescaledb.read_legacy_bloom1_v1` is set.
    pub const BLOOM_FORMAT_CHANGED: Release = (2, 24, 0);
    /// `int2` bloom sparse indexes block the update to 2.27 (#9579) …
    pub const INT2_BLOOM_BLOCKS: Release = (2, 27, 0);
    /// … and are dropped by the update from 2.28.2 on (#10164).
    pub const INT2_BLOOM_DROPPED: Release = (2, 28, 2);

    /// A security release: the advisory it fixes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Advisory {
        pub fixed: Release,
        pub id: &'static str,
    }

    /// TimescaleDB's security advisories, newest first (the releases that fix them say which
    /// releases are affected no more precisely than "before").
    pub const ADVISORIES: &[Advisory] = &[
        Advisory {
            fixed: (2, 29, 1),
            id: "GHSA-hcfx-29v5-2rcw",
        },
        Advisory {
            fixed: (2, 25, 2),
            id: "GHSA-vgp2-jj5c-828m",
        },
        Advisory {
            fixed: (2, 9, 3),
            id: "GHSA-44jh-j22r-33wq",
        },
    ];
}

/// `a` is an older release than `b` (false where either is a pre-release or unreadable).
pub fn older(a: &str, b: &str) -> bool {
    matches!((release(a), release(b)), (Some(a), Some(b)) if a < b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_versions_limits_are_those_has_finds() {
        let merge = limits("2.25.2");
        assert!(
            merge.contains(&Limit::ConcurrentMergeOfCompressed),
            "{merge:?}"
        );
        assert!(
            !merge.contains(&Limit::HierarchicalRefreshFrozen),
            "{merge:?}"
        );
        assert!(limits("2.22.1").contains(&Limit::HierarchicalRefreshFrozen));
        assert!(limits("2.29.2").is_empty(), "{:?}", limits("2.29.2"));
        assert!(limits("not a version").is_empty());
        for v in [
            "2.9.3", "2.14.2", "2.17.2", "2.22.1", "2.25.2", "2.28.3", "2.29.2",
        ] {
            for l in limits(v) {
                assert!(has(v, l).is_some(), "{v} {l:?}");
            }
        }
        // 2.9.3 to 2.17.2 share theirs: one set, one of them tested for it
        assert_eq!(limits("2.9.3"), limits("2.17.2"));
    }

    #[test]
    fn a_pre_release_has_the_limits_its_release_lifted() {
        let l = Limit::RefreshOptionsWithoutBatches;
        assert!(has_even_before("2.28.0-dev", l).is_some());
        assert!(has_even_before("2.23.0-dev", l).is_some());
        assert!(has_even_before("2.28.0", l).is_none());
        assert!(has_even_before("2.28.1-dev", l).is_none());
        assert!(has_even_before("2.27.2", l).is_some());
        // a limit from a release on: its own pre-release predates it
        assert!(has_even_before("2.22.1-dev", Limit::HierarchicalRefreshFrozen).is_none());
        assert!(has_even_before("2.23.1-dev", Limit::HierarchicalRefreshFrozen).is_some());
    }

    #[test]
    fn releases_read_and_pre_releases_assume_nothing() {
        assert_eq!(release("2.22.1"), Some((2, 22, 1)));
        assert_eq!(release("2.23.0-dev"), None);
        assert_eq!(release("2.23"), None);
        assert!(has("2.22.1", Limit::HierarchicalRefreshFrozen).is_some());
        assert!(has("2.23.0", Limit::HierarchicalRefreshFrozen).is_some());
        for free in ["2.22.0", "2.23.1", "2.29.2", "2.9.3", "2.23.0-dev"] {
            assert!(
                has(free, Limit::HierarchicalRefreshFrozen).is_none(),
                "{free}"
            );
        }
        let k = has("2.22.1", Limit::HierarchicalRefreshFrozen).unwrap();
        assert_eq!(
            k.refusal("2.22.1", "pause it"),
            "TimescaleDB 2.22.1 refuses to pause it (TimescaleDB #8707, fixed by #8879; 2.23.1 lifts it)"
        );
    }

    #[test]
    fn a_release_has_the_bugs_fixed_after_it_in_features_it_has() {
        let pulls = |v| known_bugs(v).iter().map(|b| b.pull).collect::<Vec<_>>();
        assert_eq!(pulls("2.29.2"), Vec::<u32>::new());
        assert_eq!(pulls("2.28.3"), vec![9921]);
        // merge and direct compress came later than 2.17: not its bugs
        assert_eq!(pulls("2.17.2"), vec![9921, 10254, 7714]);
        assert_eq!(pulls("2.22.1"), vec![9921, 10254, 9655, 9381]);
        // the concurrent merge came in 2.24
        assert_eq!(pulls("2.25.2"), vec![9921, 10254, 9655, 9656, 9381]);
        assert!(has("2.25.2", Limit::ConcurrentMergeOfCompressed).is_some());
        for free in ["2.23.1", "2.26.4", "2.29.2"] {
            assert!(
                has(free, Limit::ConcurrentMergeOfCompressed).is_none(),
                "{free}"
            );
        }
        assert_eq!(pulls("2.9.3"), vec![9921, 10254, 7714, 6280]);
        assert_eq!(pulls("2.23.0-dev"), Vec::<u32>::new());
        assert!(KNOWN_BUGS.windows(2).all(|w| w[0].fixed >= w[1].fixed));
        assert!(older("2.22.1", "2.28.3") && !older("2.28.3", "2.28.3"));
        assert!(!older("2.28.3", "2.29.0-dev"));
    }
}
