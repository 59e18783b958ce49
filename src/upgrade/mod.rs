//! `hypertop upgrade-check`: what an update of TimescaleDB (and of PostgreSQL, where the target
//! release needs it) would meet, judged from the catalog's facts (`read`) against what is known
//! of the releases (`releases`): each finding with its evidence, TimescaleDB's reference and
//! what fixes it. Pure: the facts in, the findings out; `report` says them.

pub mod read;
pub mod report;

use serde::{Deserialize, Serialize};

use crate::releases::{self, shown, upgrade as rule, Release};

/// What the catalog says that an update could meet (queries/upgrade_facts.sql).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// PostgreSQL's `server_version_num` (150020).
    pub server_version_num: i32,
    /// The extension's version in this database.
    pub installed: String,
    /// The versions whose files this server has (`pg_available_extension_versions`).
    pub available: Vec<String>,
    /// Users' views on the extension's views and tables.
    pub dependents: Vec<Dependent>,
    /// What uses `time_bucket_ng`: (kind, object).
    pub time_bucket_ng: Vec<(String, String)>,
    /// Continuous aggregates in the old format.
    pub old_caggs: Vec<String>,
    /// Replication slots of WAL-based invalidation.
    pub wal_slots: Vec<String>,
    /// Tables on the hypercore access method.
    pub hypercore: Vec<String>,
    /// Hypertables with bloom sparse indexes on their compressed chunks.
    pub blooms: Vec<Bloom>,
    /// The int2 bloom sparse indexes as the hypertables' settings declare them (2.22+; none
    /// before, whose blooms the 2.22 update marks made by TimescaleDB).
    pub bloom_sources: Vec<BloomSource>,
}

/// A user's view on one of the extension's relations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependent {
    pub object: String,
    /// `v` view, `m` materialized view.
    pub kind: String,
    pub uses: String,
    /// `v` one of the extension's views, `r` one of its tables.
    pub uses_kind: String,
}

/// A hypertable whose compressed chunks carry bloom sparse indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bloom {
    pub hypertable: String,
    /// Compressed chunks with one in the format before 2.24.
    pub legacy_chunks: i64,
    /// Its `int2` columns with one.
    pub int2_columns: Vec<String>,
}

/// An int2 bloom sparse index as a hypertable's settings declare it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BloomSource {
    pub hypertable: String,
    pub columns: String,
    /// Asked for (`compress_index`), not made by TimescaleDB from an index.
    pub asked: bool,
}

/// How much a finding stands in the update's way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing (bugs and advisories fixed on the way).
    Note,
    /// The update goes through, and something works differently or stops after it.
    Warning,
    /// The update fails, or cannot be made, until this is fixed.
    Blocker,
}

/// The kinds of finding, each one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The target's files are not installed on the server.
    Package,
    /// The target does not support the server's PostgreSQL.
    Postgres,
    /// Users' views on TimescaleDB's views or tables.
    Dependents,
    /// `time_bucket_ng`, removed in 2.25.
    TimeBucketNg,
    /// Continuous aggregates on `time_bucket_ng`, whose migration in 2.15.0's update fails.
    TimeBucketNgCaggs,
    /// Continuous aggregates in the old format, removed in 2.25.
    OldFormatCaggs,
    /// WAL-based invalidation, removed in 2.25.
    WalInvalidation,
    /// The hypercore access method, removed in 2.22.
    Hypercore,
    /// `int2` bloom sparse indexes (#9579, #10164).
    Int2Bloom,
    /// Bloom sparse indexes of chunks compressed before 2.24 (#8761).
    LegacyBloom,
    /// Bugs that lose or wrongly return data, fixed on the way.
    BugsFixed,
    /// Security advisories fixed on the way.
    Advisories,
}

/// One thing the update would meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// What it is and what it does to the update, in a sentence.
    pub what: String,
    /// The objects (or versions, bugs) that show it.
    pub evidence: Vec<String>,
    /// Where TimescaleDB says so.
    pub reference: String,
    /// What fixes it (empty for a note).
    pub fix: String,
}

/// The update judged: from, to, and what it meets, the worst first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub installed: String,
    pub target: String,
    /// Whether the target is newer than what is installed (false: nothing to update to).
    pub update: bool,
    pub postgres: u32,
    /// How the installed version was taken, where it is a pre-release (`2.23.0-dev` as 2.23.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// `check`'s convention: 0 nothing in the way, 1 warnings, 2 blockers.
    pub fn exit_code(&self) -> u8 {
        match self.findings.iter().map(|f| f.severity).max() {
            Some(Severity::Blocker) => 2,
            Some(Severity::Warning) => 1,
            _ => 0,
        }
    }
}

/// Why there is nothing to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotInstalled,
    /// An unreadable version installed.
    Unknown(String),
    /// `--to` that does not read as a release.
    NotARelease(String),
    NotNewer {
        to: String,
        installed: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotInstalled => write!(
                f,
                "TimescaleDB is not installed in this database: there is no extension to update"
            ),
            Refusal::Unknown(v) => write!(
                f,
                "TimescaleDB {v}: not a version this can read, so nothing is known of its updates"
            ),
            Refusal::NotARelease(v) => write!(f, "--to {v}: not a release (give it as 2.29.2)"),
            Refusal::NotNewer { to, installed } => write!(
                f,
                "--to {to}: not newer than the installed {installed}, so no update"
            ),
        }
    }
}

/// The release the installed version is judged as: itself, or a pre-release (`2.23.0-dev`,
/// built on the way to 2.23.0) as the release it leads to, which is said beside the findings.
fn installed(facts: &Facts) -> Result<(Release, Option<String>), Refusal> {
    if facts.installed.is_empty() {
        return Err(Refusal::NotInstalled);
    }
    if let Some(r) = releases::release(&facts.installed) {
        return Ok((r, None));
    }
    let (base, _) =
        (facts.installed.split_once('-')).ok_or(Refusal::Unknown(facts.installed.clone()))?;
    let r = releases::release(base).ok_or(Refusal::Unknown(facts.installed.clone()))?;
    let caveat = format!(
        "{} is a pre-release: judged as {}, which it leads to (what that release fixed may be \
         missing from it)",
        facts.installed,
        shown(r)
    );
    Ok((r, Some(caveat)))
}

/// The release to judge an update to: the one asked, else the newest of what the server has
/// installed and what this table knows.
pub fn target(facts: &Facts, asked: Option<&str>) -> Result<Release, Refusal> {
    let (installed, _) = installed(facts)?;
    let to = match asked {
        Some(a) => releases::release(a.trim()).ok_or(Refusal::NotARelease(a.to_string()))?,
        None => (facts.available.iter())
            .filter_map(|v| releases::release(v))
            .chain([releases::NEWEST_KNOWN])
            .max()
            .unwrap_or(releases::NEWEST_KNOWN),
    };
    if asked.is_some() && to <= installed {
        return Err(Refusal::NotNewer {
            to: shown(to),
            installed: facts.installed.clone(),
        });
    }
    Ok(to)
}

/// The findings of an update of `facts`' database to `to`, the worst first.
pub fn judge(facts: &Facts, to: Release) -> Result<Report, Refusal> {
    let (from, caveat) = installed(facts)?;
    let postgres = (facts.server_version_num / 10_000) as u32;
    let mut found = Vec::new();
    if to > from {
        found.extend(package(facts, to));
        found.extend(postgres_support(postgres, from, to));
        found.extend(dependents(facts, from, to));
        found.extend(ng_caggs_migrated(facts, from, to));
        found.extend(removed_in_2_25(facts, from, to));
        found.extend(hypercore(facts, to));
        found.extend(blooms(facts, from, to));
        found.extend(fixed_on_the_way(from, &facts.installed, to));
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Ok(Report {
        installed: facts.installed.clone(),
        target: shown(to),
        update: to > from,
        postgres,
        caveat,
        findings: found,
    })
}

fn finding(
    kind: Kind,
    severity: Severity,
    what: String,
    evidence: Vec<String>,
    reference: &str,
    fix: String,
) -> Finding {
    Finding {
        kind,
        severity,
        what,
        evidence,
        reference: reference.to_string(),
        fix,
    }
}

fn package(facts: &Facts, to: Release) -> Option<Finding> {
    let target = shown(to);
    if facts.available.contains(&target) {
        return None;
    }
    let mut have: Vec<&String> = facts.available.iter().collect();
    have.sort_by_key(|v| releases::release(v));
    Some(finding(
        Kind::Package,
        Severity::Blocker,
        format!(
            "TimescaleDB {target}'s files are not installed on this server: ALTER EXTENSION \
             cannot update to it"
        ),
        vec![format!(
            "installed here: {}",
            have.iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )],
        "pg_available_extension_versions",
        {
            let postgres = (facts.server_version_num / 10_000) as u32;
            let built_for = releases::postgres_supported(to)
                .is_none_or(|(low, high)| (low..=high).contains(&postgres));
            if built_for {
                format!(
                    "install TimescaleDB {target}'s package for PostgreSQL {postgres} on the \
                     server (every server of a replicated cluster), keeping the installed one's"
                )
            } else {
                format!(
                    "install TimescaleDB {target}'s package for the PostgreSQL you move to (it \
                     is not built for {postgres})"
                )
            }
        },
    ))
}

fn postgres_support(postgres: u32, from: Release, to: Release) -> Option<Finding> {
    let (low, high) = releases::postgres_supported(to)?;
    if (low..=high).contains(&postgres) {
        return None;
    }
    let line = format!("{}.{}", to.0, to.1);
    // the PostgreSQL to move to must be one that both the release it moves with and the
    // target support; where none is, the path takes more steps
    let step = |line: (u32, u32), release: &str| {
        let (_, line_high) = releases::postgres_supported((line.0, line.1, 0))?;
        let (a, b) = (low.max(postgres + 1), high.min(line_high));
        (a <= b).then(|| {
            format!(
                "{a}–{b} (pg_upgrade, with TimescaleDB {release} installed for the new server too)"
            )
        })
    };
    let path = match releases::last_line_for_postgres(postgres) {
        Some(last) if last > (from.0, from.1) => {
            match step(last, &format!("{}.{}", last.0, last.1)) {
                Some(pg) => format!(
                    "update TimescaleDB to the newest {}.{}.x (the last for PostgreSQL \
                     {postgres}), then PostgreSQL to {pg}, then TimescaleDB to {}",
                    last.0,
                    last.1,
                    shown(to)
                ),
                None => format!(
                    "no PostgreSQL is supported by both TimescaleDB {}.{} (the last for \
                     PostgreSQL {postgres}) and {}: update in steps, each TimescaleDB release \
                     line with a PostgreSQL it supports",
                    last.0,
                    last.1,
                    shown(to)
                ),
            }
        }
        _ => match step((from.0, from.1), &shown(from)) {
            Some(pg) => format!(
                "upgrade PostgreSQL to {pg}, then TimescaleDB to {}",
                shown(to)
            ),
            None => format!(
                "no PostgreSQL is supported by both TimescaleDB {} and {}: update in steps",
                shown(from),
                shown(to)
            ),
        },
    };
    Some(finding(
        Kind::Postgres,
        Severity::Blocker,
        format!(
            "TimescaleDB {line} supports PostgreSQL {low}–{high}; this server runs PostgreSQL \
             {postgres}"
        ),
        vec![format!("PostgreSQL {postgres}")],
        "TimescaleDB CHANGELOG (the PostgreSQL versions of each release)",
        path,
    ))
}

fn dependents(facts: &Facts, from: Release, to: Release) -> Vec<Finding> {
    let fix = "save each view's definition (pg_get_viewdef), drop the views, update, and create \
               them again";
    // what the update does to what each view uses: drops it (the update fails), drops it with
    // CASCADE (the view goes with it), or keeps it
    let mut stopping = Vec::new();
    let mut dropped = Vec::new();
    let mut maybe = Vec::new();
    let mut kept_tables = Vec::new();
    for d in &facts.dependents {
        match rule::first_drop(&d.uses, from, to) {
            Some((r, rule::Dropped::Stops)) => stopping.push((d, r)),
            Some((r, rule::Dropped::Cascade)) => dropped.push((d, r)),
            Some((r, rule::Dropped::Maybe)) => maybe.push((d, r)),
            None if d.uses_kind != "v" => kept_tables.push(d),
            None => {}
        }
    }
    let objects = |list: &mut dyn Iterator<Item = &Dependent>| {
        let mut names: Vec<&str> = list.map(|d| d.object.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    // each view with what it uses and the step that drops it
    let dropped_by = |list: &[(&Dependent, Release)]| -> Vec<String> {
        (list.iter())
            .map(|(d, r)| {
                format!(
                    "{} uses {} (dropped by {}'s update)",
                    d.object,
                    d.uses,
                    shown(*r)
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    if !stopping.is_empty() {
        out.push(finding(
            Kind::Dependents,
            Severity::Blocker,
            format!(
                "{} TimescaleDB's views or tables that the update to {} drops and makes again, \
                 and the update fails (\"cannot drop … because other objects depend on it\")",
                views_of_yours(objects(&mut stopping.iter().map(|(d, _)| *d))),
                shown(to)
            ),
            dropped_by(&stopping),
            "TimescaleDB's update scripts",
            fix.into(),
        ));
    }
    if !dropped.is_empty() {
        out.push(finding(
            Kind::Dependents,
            Severity::Warning,
            format!(
                "{} TimescaleDB's views or tables that the update to {} drops with CASCADE: \
                 your views go with them, without a word",
                views_of_yours(objects(&mut dropped.iter().map(|(d, _)| *d))),
                shown(to)
            ),
            dropped_by(&dropped),
            "TimescaleDB's update scripts",
            fix.into(),
        ));
    }
    if !maybe.is_empty() {
        out.push(finding(
            Kind::Dependents,
            Severity::Warning,
            format!(
                "{} TimescaleDB's job history, which the update to {} drops and makes again \
                 where an earlier update left its ids of the wrong type (2.15.0's migration): \
                 there the update fails while they do",
                views_of_yours(objects(&mut maybe.iter().map(|(d, _)| *d))),
                shown(to)
            ),
            (maybe.iter())
                .map(|(d, r)| format!("{} uses {} ({}'s update)", d.object, d.uses, shown(*r)))
                .collect(),
            "TimescaleDB's update scripts (2.28.1)",
            fix.into(),
        ));
    }
    if !kept_tables.is_empty() {
        out.push(finding(
            Kind::Dependents,
            Severity::Warning,
            format!(
                "{} TimescaleDB's catalog tables; the update to {} keeps them, but a later one \
                 that rebuilds one fails while they do, and the catalog is no interface: its \
                 columns change between releases",
                views_of_yours(objects(&mut kept_tables.iter().copied())),
                shown(to)
            ),
            (kept_tables.iter())
                .map(|d| format!("{} uses {}", d.object, d.uses))
                .collect(),
            "TimescaleDB's update scripts",
            "read timescaledb_information's views instead".into(),
        ));
    }
    out
}

/// "1 view of yours uses", "3 views of yours use".
fn views_of_yours(n: usize) -> String {
    if n == 1 {
        "1 view of yours uses".into()
    } else {
        format!("{n} views of yours use")
    }
}

/// Continuous aggregates on `time_bucket_ng` across 2.15.0, whose update script migrates them
/// where the migration cannot run: the update fails, whatever the target.
fn ng_caggs_migrated(facts: &Facts, from: Release, to: Release) -> Option<Finding> {
    let caggs: Vec<String> = (facts.time_bucket_ng.iter())
        .filter(|(kind, _)| kind == "continuous aggregate")
        .map(|(_, cagg)| cagg.clone())
        .collect();
    (!caggs.is_empty() && from < rule::NG_CAGGS_MIGRATED && to >= rule::NG_CAGGS_MIGRATED).then(
        || {
            finding(
                Kind::TimeBucketNgCaggs,
                Severity::Blocker,
                format!(
                    "continuous aggregates on time_bucket_ng: 2.15.0's update migrates them to \
                     time_bucket inside its script, where TimescaleDB's migration cannot run, so \
                     every update across 2.15.0 with one fails (\"tried calling catalog_get when \
                     extension isn't loaded\"); the update to {} crosses it",
                    shown(to)
                ),
                caggs,
                "TimescaleDB 2.15.0's update script (its fix, commit 8cfacf1, is in no release)",
                "make each again on time_bucket (with its origin or time zone where the \
                 aggregate gave one) and drop the old one before the update; TimescaleDB has no \
                 migration of its own before 2.15"
                    .into(),
            )
        },
    )
}

fn removed_in_2_25(facts: &Facts, from: Release, to: Release) -> Vec<Finding> {
    if !(from < rule::REMOVED_2_25 && to >= rule::REMOVED_2_25) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if !facts.time_bucket_ng.is_empty() {
        let views = (facts.time_bucket_ng.iter())
            .filter(|(kind, _)| kind != "function" && kind != "job")
            .count();
        out.push(finding(
            Kind::TimeBucketNg,
            if views > 0 {
                Severity::Blocker
            } else {
                Severity::Warning
            },
            if views > 0 {
                format!(
                    "time_bucket_ng is removed in 2.25, and {views} {} it: the update cannot \
                     drop it and fails",
                    if views == 1 {
                        "object of yours depends on"
                    } else {
                        "objects of yours depend on"
                    }
                )
            } else {
                "time_bucket_ng is removed in 2.25: the functions and jobs naming it fail \
                 after the update"
                    .to_string()
            },
            (facts.time_bucket_ng.iter())
                .map(|(kind, object)| match kind.as_str() {
                    // pg_describe_object names its kind itself
                    "object" => object.clone(),
                    _ => format!("{kind} {object}"),
                })
                .collect(),
            "TimescaleDB #8229",
            "move each to time_bucket (a continuous aggregate with CALL \
             _timescaledb_functions.cagg_migrate_to_time_bucket('name'), from 2.15), views and \
             functions by redefining them"
                .into(),
        ));
    }
    if !facts.old_caggs.is_empty() {
        out.push(finding(
            Kind::OldFormatCaggs,
            Severity::Blocker,
            "continuous aggregates in the old (non-finalized) format: 2.25 removed it".into(),
            facts.old_caggs.clone(),
            "TimescaleDB #8859",
            "migrate each first: CALL cagg_migrate('name') (it makes the new one, then drops \
             the old with cagg_migrate's drop_old)"
                .into(),
        ));
    }
    if !facts.wal_slots.is_empty() {
        out.push(finding(
            Kind::WalInvalidation,
            Severity::Warning,
            "continuous aggregates invalidated from the WAL: 2.25 removed WAL-based \
             invalidation; the update goes through and leaves the slot behind, keeping WAL on \
             disk until it is dropped"
                .into(),
            (facts.wal_slots.iter())
                .map(|s| format!("replication slot {s}"))
                .collect(),
            "TimescaleDB #9022",
            "switch the hypertables back to trigger-based invalidation, then drop the slot \
             (pg_drop_replication_slot)"
                .into(),
        ));
    }
    out
}

fn hypercore(facts: &Facts, to: Release) -> Option<Finding> {
    (!facts.hypercore.is_empty() && to >= rule::HYPERCORE_REMOVED).then(|| {
        finding(
            Kind::Hypercore,
            Severity::Blocker,
            "tables on the hypercore access method: 2.22 removed it and refuses the update while \
             one is"
                .into(),
            facts.hypercore.clone(),
            "TimescaleDB #8364",
            "ALTER TABLE … SET ACCESS METHOD heap for each, then compress as before".into(),
        )
    })
}

fn blooms(facts: &Facts, from: Release, to: Release) -> Vec<Finding> {
    let mut out = Vec::new();
    if from < rule::INT2_BLOOM_BLOCKS && to >= rule::INT2_BLOOM_BLOCKS {
        // per hypertable: its int2 blooms and whether one was asked for, as the update judges
        // them (the settings, 2.22+); before 2.22 the chunks' own columns, which the 2.22
        // update marks made by TimescaleDB
        let mut tables: std::collections::BTreeMap<&str, (Vec<String>, bool)> = Default::default();
        for b in facts.blooms.iter().filter(|b| !b.int2_columns.is_empty()) {
            tables.entry(&b.hypertable).or_default().0 = b.int2_columns.clone();
        }
        for s in &facts.bloom_sources {
            let e = tables.entry(&s.hypertable).or_default();
            e.0 = vec![s.columns.clone()];
            e.1 |= s.asked;
        }
        // from 2.28.2 the update drops the ones TimescaleDB made and refuses while one asked
        // for is there; before, it refuses for any
        let dropping = to >= rule::INT2_BLOOM_DROPPED;
        let (mut refused, mut dropped) = (Vec::new(), Vec::new());
        for (table, (columns, asked)) in tables {
            let line = format!("{table}: {}", columns.join(", "));
            if dropping && !asked {
                dropped.push(line);
            } else {
                refused.push(line);
            }
        }
        let any_refused = !refused.is_empty();
        if !refused.is_empty() {
            out.push(finding(
                Kind::Int2Bloom,
                Severity::Blocker,
                format!(
                    "bloom sparse indexes on int2 columns could miss matching rows; the update \
                     to {} refuses while {}",
                    shown(to),
                    if dropping {
                        "one asked for with compress_index is there"
                    } else {
                        "they are there"
                    }
                ),
                refused,
                "TimescaleDB #9579, #10164",
                "take the int2 columns out of the hypertable's compress_index setting, then \
                 decompress and compress its chunks (the update's message names the columns to \
                 drop from the compressed chunks)"
                    .into(),
            ));
        }
        if !dropped.is_empty() {
            out.push(finding(
                Kind::Int2Bloom,
                Severity::Warning,
                format!(
                    "bloom sparse indexes TimescaleDB made on int2 columns could miss matching \
                     rows; the update to {} drops them{}, and point queries on those columns \
                     decompress every batch",
                    shown(to),
                    // one asked for anywhere stops the whole update, these dropped with it
                    if any_refused {
                        " once the ones asked for are gone"
                    } else {
                        ""
                    }
                ),
                dropped,
                "TimescaleDB #10164",
                "nothing before the update; after it, chunks compressed again get the new kind"
                    .into(),
            ));
        }
    }
    let legacy: Vec<String> = (facts.blooms.iter())
        .filter(|b| b.legacy_chunks > 0)
        .map(|b| format!("{}: {} compressed chunks", b.hypertable, b.legacy_chunks))
        .collect();
    if !legacy.is_empty() && from < rule::BLOOM_FORMAT_CHANGED && to >= rule::BLOOM_FORMAT_CHANGED {
        out.push(finding(
            Kind::LegacyBloom,
            Severity::Warning,
            "the bloom sparse indexes of chunks compressed before 2.24 stop working after the \
             update (their hashing changed): point queries decompress every batch of them"
                .into(),
            legacy,
            "TimescaleDB #8761",
            "after the update, decompress and compress those chunks (or, from 2.28, \
             _timescaledb_functions.rebuild_sparse_index); with TimescaleDB's official amd64 APT packages, \
             timescaledb.read_legacy_bloom1_v1 = on keeps them working"
                .into(),
        ));
    }
    out
}

fn fixed_on_the_way(from: Release, installed: &str, to: Release) -> Vec<Finding> {
    let target = shown(to);
    let still = releases::known_bugs(&target);
    let fixed: Vec<String> = (releases::known_bugs(&shown(from)).into_iter())
        .filter(|b| !still.contains(b))
        .map(|b| format!("#{} (fixed in {}): {}", b.pull, shown(b.fixed), b.what))
        .collect();
    let mut out = Vec::new();
    if !fixed.is_empty() {
        out.push(finding(
            Kind::BugsFixed,
            Severity::Note,
            format!(
                "{} of {installed} that lose{} or wrongly return{} data {} fixed by {target}",
                if fixed.len() == 1 {
                    "1 known bug".to_string()
                } else {
                    format!("{} known bugs", fixed.len())
                },
                if fixed.len() == 1 { "s" } else { "" },
                if fixed.len() == 1 { "s" } else { "" },
                if fixed.len() == 1 { "is" } else { "are" },
            ),
            fixed,
            "TimescaleDB CHANGELOG",
            String::new(),
        ));
    }
    let advisories: Vec<String> = (rule::ADVISORIES.iter())
        .filter(|a| from < a.fixed && a.fixed <= to)
        .map(|a| format!("{} (fixed in {})", a.id, shown(a.fixed)))
        .collect();
    if !advisories.is_empty() {
        out.push(finding(
            Kind::Advisories,
            Severity::Note,
            format!("security advisories fixed by {target}"),
            advisories,
            "TimescaleDB's security advisories (github.com/timescale/timescaledb/security)",
            String::new(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(installed: &str, postgres: i32, available: &[&str]) -> Facts {
        Facts {
            server_version_num: postgres * 10_000 + 5,
            installed: installed.into(),
            available: available.iter().map(|v| v.to_string()).collect(),
            ..Facts::default()
        }
    }

    fn kinds(r: &Report) -> Vec<(Kind, Severity)> {
        r.findings.iter().map(|f| (f.kind, f.severity)).collect()
    }

    #[test]
    fn the_target_is_the_newest_known_or_installed_and_never_older() {
        let f = facts("2.17.2", 15, &["2.17.2", "2.28.3"]);
        assert_eq!(target(&f, None), Ok(releases::NEWEST_KNOWN));
        let f = facts("2.17.2", 15, &["2.17.2", "2.31.0"]);
        assert_eq!(target(&f, None), Ok((2, 31, 0)));
        assert_eq!(target(&f, Some("2.28.3")), Ok((2, 28, 3)));
        assert!(matches!(
            target(&f, Some("2.17.2")),
            Err(Refusal::NotNewer { .. })
        ));
        assert!(matches!(
            target(&f, Some("2.28")),
            Err(Refusal::NotARelease(_))
        ));
        assert_eq!(target(&Facts::default(), None), Err(Refusal::NotInstalled));
        // a pre-release is judged as the release it leads to, and says so
        let f = facts("2.23.0-dev", 17, &["2.23.0-dev"]);
        let r = judge(&f, target(&f, None).unwrap()).unwrap();
        assert!(r.caveat.as_deref().unwrap().contains("judged as 2.23.0"));
        assert!(matches!(
            judge(&facts("banana", 17, &[]), (2, 29, 2)),
            Err(Refusal::Unknown(_))
        ));
    }

    #[test]
    fn postgresql_outside_the_targets_support_blocks_with_the_path_around_it() {
        let f = facts("2.17.2", 15, &["2.17.2", "2.29.2"]);
        let r = judge(&f, (2, 29, 2)).unwrap();
        let p = r
            .findings
            .iter()
            .find(|f| f.kind == Kind::Postgres)
            .unwrap();
        assert_eq!(p.severity, Severity::Blocker);
        assert!(p.what.contains("PostgreSQL 16–18"), "{}", p.what);
        // 2.28 is the last line for 15: there first, then PostgreSQL, then 2.29.2
        assert!(p.fix.contains("newest 2.28.x"), "{}", p.fix);
        assert!(p.fix.contains("PostgreSQL to 16–18"), "{}", p.fix);
        assert_eq!(r.exit_code(), 2);
        // PostgreSQL 17 is in 2.29's window; 2.16 took 14–16
        let r = judge(&facts("2.17.2", 17, &["2.29.2"]), (2, 29, 2)).unwrap();
        assert!(!kinds(&r).iter().any(|(k, _)| *k == Kind::Postgres));
        assert_eq!(releases::postgres_supported((2, 16, 1)), Some((14, 16)));
        assert_eq!(releases::last_line_for_postgres(15), Some((2, 28)));
        assert_eq!(releases::last_line_for_postgres(12), Some((2, 11)));
        assert_eq!(releases::last_line_for_postgres(18), Some((2, 29)));
        // a path needs a PostgreSQL both ends support: none from 12 on 2.9 to 2.29 (2.11, the
        // last for 12, stops at 15), and 16–17 from 14 on 2.19 (which stops at 17)
        let path = |installed: &str, pg| {
            let r = judge(&facts(installed, pg, &["2.29.2"]), (2, 29, 2)).unwrap();
            let p = r
                .findings
                .into_iter()
                .find(|f| f.kind == Kind::Postgres)
                .unwrap();
            p.fix
        };
        assert!(
            path("2.9.3", 12).starts_with("no PostgreSQL is supported by both"),
            "{}",
            path("2.9.3", 12)
        );
        assert!(
            path("2.19.3", 14).starts_with("upgrade PostgreSQL to 16–17"),
            "{}",
            path("2.19.3", 14)
        );
    }

    #[test]
    fn a_target_not_installed_blocks_and_one_installed_does_not() {
        let f = facts("2.25.2", 17, &["2.25.2", "2.28.3"]);
        assert_eq!(judge(&f, (2, 28, 3)).unwrap().exit_code(), 0);
        let r = judge(&f, (2, 29, 2)).unwrap();
        assert_eq!(kinds(&r)[0], (Kind::Package, Severity::Blocker));
        assert!(r.findings[0].evidence[0].contains("2.25.2, 2.28.3"));
    }

    #[test]
    fn a_view_stops_the_updates_that_drop_what_it_uses() {
        let view = Dependent {
            object: "public.my_jobs".into(),
            kind: "v".into(),
            uses: "timescaledb_information.jobs".into(),
            uses_kind: "v".into(),
        };
        let table = Dependent {
            uses: "_timescaledb_catalog.hypertable".into(),
            uses_kind: "r".into(),
            ..view.clone()
        };
        let on = |uses: &str, kind: &str| Dependent {
            uses: uses.into(),
            uses_kind: kind.into(),
            ..view.clone()
        };
        let of = |dependents: Vec<Dependent>, installed: &str, to| {
            let f = Facts {
                dependents,
                ..facts(installed, 17, &["2.29.2", "2.28.3", "2.27.2", installed])
            };
            (judge(&f, to).unwrap().findings.into_iter())
                .filter(|f| f.kind == Kind::Dependents)
                .map(|f| f.severity)
                .collect::<Vec<_>>()
        };
        let both = || vec![view.clone(), table.clone()];
        // 2.25.0's update drops the jobs view; the hypertable table is kept (rebuilt in 2.14.0)
        assert_eq!(
            of(both(), "2.24.0", (2, 28, 3)),
            vec![Severity::Blocker, Severity::Warning]
        );
        // past it nothing drops the jobs view: only the catalog table's warning
        assert_eq!(of(both(), "2.25.2", (2, 28, 3)), vec![Severity::Warning]);
        assert_eq!(of(both(), "2.25.2", (2, 27, 2)), vec![Severity::Warning]);
        // both stop 2.9.3's update (2.14.0 drops the view and rebuilds the table): one blocker
        assert_eq!(of(both(), "2.9.3", (2, 28, 3)), vec![Severity::Blocker]);
        // job_stats is dropped by 2.23.0 only; 2.29.0 drops hypertable_chunk_local_size
        let stats = || vec![on("timescaledb_information.job_stats", "v")];
        assert_eq!(of(stats(), "2.24.0", (2, 28, 3)), vec![]);
        assert_eq!(of(stats(), "2.22.1", (2, 28, 3)), vec![Severity::Blocker]);
        let size = || vec![on("_timescaledb_internal.hypertable_chunk_local_size", "v")];
        assert_eq!(of(size(), "2.28.3", (2, 29, 2)), vec![Severity::Blocker]);
        // 2.19.0 drops compression_settings with CASCADE: a view on it goes silently, and so
        // does one on the information views 2.18 built on it, whatever later steps drop
        let settings = || vec![on("_timescaledb_catalog.compression_settings", "r")];
        assert_eq!(
            of(settings(), "2.17.2", (2, 19, 3)),
            vec![Severity::Warning]
        );
        assert_eq!(
            of(settings(), "2.17.2", (2, 28, 3)),
            vec![Severity::Warning]
        );
        let info = || {
            vec![on(
                "timescaledb_information.hypertable_compression_settings",
                "v",
            )]
        };
        assert_eq!(of(info(), "2.17.2", (2, 28, 3)), vec![Severity::Warning]);
        // which steps drop what is the target's script's: before 2.28 the 2.26.0 step drops
        // the hypertables view, from 2.28 it no longer does; 2.24.0's drops only chunks there
        let hypertables = || vec![on("timescaledb_information.hypertables", "v")];
        assert_eq!(
            of(hypertables(), "2.25.2", (2, 27, 2)),
            vec![Severity::Blocker]
        );
        assert_eq!(of(hypertables(), "2.25.2", (2, 28, 3)), vec![]);
        assert_eq!(of(hypertables(), "2.23.1", (2, 24, 1)), vec![]);
        // a step before 2.14 (the 2.28.3 tag has them): 2.12.0 drops the jobs view
        assert_eq!(
            of(
                vec![on("timescaledb_information.jobs", "v")],
                "2.11.2",
                (2, 13, 1)
            ),
            vec![Severity::Blocker]
        );
        // 2.28.1 rebuilds the job history only where 2.15.0's migration left it so
        let history = || vec![on("timescaledb_information.job_history", "v")];
        assert_eq!(of(history(), "2.27.2", (2, 28, 3)), vec![Severity::Warning]);
        // "2 views" of one view reading two of TimescaleDB's is one view
        let f = Facts {
            dependents: both(),
            ..facts("2.9.3", 17, &["2.28.3"])
        };
        let r = judge(&f, (2, 28, 3)).unwrap();
        assert!(
            r.findings[0].what.starts_with("1 view of yours"),
            "{}",
            r.findings[0].what
        );
    }

    #[test]
    fn what_2_25_removed_blocks_an_update_across_it() {
        let f = Facts {
            time_bucket_ng: vec![
                ("view".into(), "public.ng".into()),
                ("function".into(), "public.f()".into()),
            ],
            old_caggs: vec!["public.old".into()],
            wal_slots: vec!["ts_cagg_slot".into()],
            ..facts("2.22.1", 17, &["2.22.1", "2.24.0", "2.28.3"])
        };
        let r = judge(&f, (2, 28, 3)).unwrap();
        // the update leaves a WAL slot behind (it goes through): a warning
        assert!(kinds(&r).contains(&(Kind::WalInvalidation, Severity::Warning)));
        for kind in [Kind::TimeBucketNg, Kind::OldFormatCaggs] {
            assert!(
                kinds(&r).contains(&(kind, Severity::Blocker)),
                "{kind:?}: {r:?}"
            );
        }
        // to 2.24: nothing removed yet
        let r = judge(&f, (2, 24, 0)).unwrap();
        assert!(r.findings.iter().all(|f| f.severity == Severity::Note));
        // functions alone do not stop the update: they fail after it
        let f = Facts {
            time_bucket_ng: vec![("function".into(), "public.f()".into())],
            ..facts("2.22.1", 17, &["2.28.3"])
        };
        let r = judge(&f, (2, 28, 3)).unwrap();
        assert!(kinds(&r).contains(&(Kind::TimeBucketNg, Severity::Warning)));
    }

    #[test]
    fn a_time_bucket_ng_aggregate_blocks_every_update_across_2_15() {
        let f = Facts {
            time_bucket_ng: vec![
                ("continuous aggregate".into(), "public.daily".into()),
                ("view".into(), "public.ng".into()),
            ],
            ..facts("2.14.2", 15, &["2.14.2", "2.17.2", "2.28.3"])
        };
        let r = judge(&f, (2, 17, 2)).unwrap();
        let caggs = (r.findings.iter())
            .find(|f| f.kind == Kind::TimeBucketNgCaggs)
            .unwrap_or_else(|| panic!("{r:?}"));
        assert_eq!(caggs.severity, Severity::Blocker);
        // the aggregate only: a view is migrated by nothing and stops nothing until 2.25
        assert_eq!(caggs.evidence, ["public.daily"]);
        assert!(!kinds(&r).iter().any(|(k, _)| *k == Kind::TimeBucketNg));
        // across 2.25 too: both
        let r = judge(&f, (2, 28, 3)).unwrap();
        for kind in [Kind::TimeBucketNgCaggs, Kind::TimeBucketNg] {
            assert!(kinds(&r).contains(&(kind, Severity::Blocker)), "{r:?}");
        }
        // from 2.15 on (the server migrated them, or none was there): not this finding
        let r = judge(
            &Facts {
                installed: "2.17.2".into(),
                ..f
            },
            (2, 22, 1),
        )
        .unwrap();
        assert!(!kinds(&r).iter().any(|(k, _)| *k == Kind::TimeBucketNgCaggs));
    }

    #[test]
    fn hypercore_tables_block_updates_to_2_22_and_later() {
        let f = Facts {
            hypercore: vec!["public.hc".into()],
            ..facts("2.21.1", 17, &["2.21.1", "2.22.1"])
        };
        assert_eq!(
            kinds(&judge(&f, (2, 22, 1)).unwrap())[0],
            (Kind::Hypercore, Severity::Blocker)
        );
        assert!(!kinds(&judge(&f, (2, 21, 2)).unwrap())
            .iter()
            .any(|(k, _)| *k == Kind::Hypercore));
    }

    #[test]
    fn int2_blooms_block_unless_timescaledb_made_them_and_the_target_drops_them() {
        let bloom = |table: &str, int2: &[&str], legacy| Bloom {
            hypertable: table.into(),
            legacy_chunks: legacy,
            int2_columns: int2.iter().map(|c| c.to_string()).collect(),
        };
        let source = |table: &str, asked| BloomSource {
            hypertable: table.into(),
            columns: "v".into(),
            asked,
        };
        let f = Facts {
            blooms: vec![
                bloom("public.made", &["v"], 0),
                bloom("public.asked", &["v"], 0),
            ],
            bloom_sources: vec![source("public.made", false), source("public.asked", true)],
            ..facts("2.25.2", 17, &["2.25.2", "2.27.2", "2.28.3"])
        };
        let of = |to| {
            (judge(&f, to).unwrap().findings.into_iter())
                .filter(|f| f.kind == Kind::Int2Bloom)
                .map(|f| (f.severity, f.evidence))
                .collect::<Vec<_>>()
        };
        // 2.27 refuses any; 2.28.2 drops the made ones and refuses the asked-for
        assert_eq!(
            of((2, 27, 2)),
            vec![(
                Severity::Blocker,
                vec!["public.asked: v".to_string(), "public.made: v".to_string()]
            )]
        );
        assert_eq!(
            of((2, 28, 3)),
            vec![
                (Severity::Blocker, vec!["public.asked: v".to_string()]),
                (Severity::Warning, vec!["public.made: v".to_string()])
            ]
        );
        assert!(of((2, 26, 4)).is_empty());
        // before 2.22 none was asked for in the settings (the 2.22 update marks them made by
        // TimescaleDB): dropped from 2.28.2, refused before
        let f = Facts {
            blooms: vec![bloom("public.t", &["v"], 3)],
            ..facts("2.21.1", 17, &["2.28.3", "2.27.2"])
        };
        let r = judge(&f, (2, 28, 3)).unwrap();
        assert!(kinds(&r).contains(&(Kind::Int2Bloom, Severity::Warning)));
        let r27 = judge(&f, (2, 27, 2)).unwrap();
        assert!(kinds(&r27).contains(&(Kind::Int2Bloom, Severity::Blocker)));
        // and its chunks' blooms of the format before 2.24 stop working
        assert!(kinds(&r).contains(&(Kind::LegacyBloom, Severity::Warning)));
    }

    #[test]
    fn bugs_and_advisories_fixed_on_the_way_are_notes() {
        let r = judge(&facts("2.25.1", 17, &["2.29.2"]), (2, 29, 2)).unwrap();
        let notes: Vec<&Finding> = (r.findings.iter())
            .filter(|f| f.severity == Severity::Note)
            .collect();
        assert_eq!(notes.len(), 2);
        assert!(notes[1]
            .evidence
            .iter()
            .any(|e| e.contains("GHSA-vgp2-jj5c-828m")));
        assert!(notes[0].evidence.iter().any(|e| e.contains("#9655")));
        assert_eq!(r.exit_code(), 0);
        assert!(r.update);
        let text = report::text(&r);
        assert!(
            text.starts_with(
                "TimescaleDB 2.25.1 → 2.29.2 on PostgreSQL 17: 0 blockers, 0 warnings, 2 notes"
            ),
            "{text}"
        );
    }
}
