//! The SQL hypertop runs, embedded from `queries/*.sql` at build time. A query may pull in a
//! shared CTE with a line `--@include <fragment>`; fragments live in `queries/fragments/` and are
//! fixed SQL text (object names never reach SQL this way: they are bind parameters).

use std::sync::LazyLock;

use crate::capabilities::Capabilities;

pub const SUMMARY: &str = include_str!("../queries/summary.sql");
pub const EXTENSION_VERSIONS: &str = include_str!("../queries/extension_versions.sql");
pub const ACTIVITY: &str = include_str!("../queries/activity.sql");
pub const JOB_HISTORY: &str = include_str!("../queries/job_history.sql");
pub const JOB_ERRORS: &str = include_str!("../queries/job_errors.sql");
pub const PARTITIONS: &str = include_str!("../queries/partitions.sql");
pub const RELATION_FILES: &str = include_str!("../queries/relation_files.sql");
pub const RELATION_MAINS: &str = include_str!("../queries/relation_mains.sql");
pub const SECOND_SESSION: &str = include_str!("../queries/second_session.sql");
pub const KEPT_IDENTITY: &str = include_str!("../queries/kept_identity.sql");
pub const INDEX_NUMBERS: &str = include_str!("../queries/index_numbers.sql");
pub const INVALID_INDEXES: &str = include_str!("../queries/invalid_indexes.sql");
pub const INVALID_INDEXES_OF: &str = include_str!("../queries/invalid_indexes_of.sql");
pub const ANY_CAGG: &str = include_str!("../queries/any_cagg.sql");
pub const POLICY_TIMES: &str = include_str!("../queries/policy_times.sql");
pub const UPGRADE_FACTS: &str = include_str!("../queries/upgrade_facts.sql");
pub const UPGRADE_INSTALLED: &str = include_str!("../queries/upgrade_installed.sql");
pub const UPGRADE_BLOOM_SOURCES: &str = include_str!("../queries/upgrade_bloom_sources.sql");
pub const CHUNK_ACTIVITY: &str = include_str!("../queries/chunk_activity.sql");

/// The team store's statements (`queries/team_store/`): its schema and migrations, what a
/// recorder writes and a reader reads.
pub mod team_store {
    macro_rules! sql {
        ($($name:ident = $file:literal;)*) => {
            $(pub const $name: &str = include_str!(concat!("../queries/team_store/", $file));)*
        };
    }
    sql! {
        SCHEMA_V1 = "schema_v1.sql";
        SCHEMA_V2 = "schema_v2.sql";
        SCHEMA_V3 = "schema_v3.sql";
        KEPT = "kept.sql";
        KEEP = "keep.sql";
        KEPT_PRUNE = "kept_prune.sql";
        KEPT_FORGET = "kept_forget.sql";
        ROLES = "roles.sql";
        GRANTS = "grants.sql";
        HYPERTABLE = "hypertable.sql";
        COMPRESS = "compress.sql";
        COMPRESSION_POLICY = "compression_policy.sql";
        REMOVE_RETENTION_POLICY = "remove_retention_policy.sql";
        ADD_RETENTION_POLICY = "add_retention_policy.sql";
        STORE_FACTS = "store_facts.sql";
        TIMESCALEDB = "timescaledb.sql";
        META = "meta.sql";
        SET_META = "set_meta.sql";
        ROLES_AS_MADE = "roles_as_made.sql";
        FOREIGN_FUNCTIONS = "foreign_functions.sql";
        WRITE_TARGET = "write_target.sql";
        WRITE_BODY = "write_body.sql";
        WRITE_FRAME = "write_frame.sql";
        WRITE_SAMPLES = "write_samples.sql";
        FRAME_TIMES = "frame_times.sql";
        FRAME_AT = "frame_at.sql";
        SAMPLES_SINCE = "samples_since.sql";
        ADDRESS_IDENTITY = "address_identity.sql";
        PRUNE = "prune.sql";
        STORE_BYTES = "store_bytes.sql";
        STORE_BYTES_CHUNKS = "store_bytes_chunks.sql";
        OLDEST_MINUTE = "oldest_minute.sql";
        TABLE_KINDS = "table_kinds.sql";
    }
}

/// A statement from a template file: its `--` comment lines dropped and its layout folded to
/// single spaces (the files document themselves; the preview shows one line) — done to the
/// template alone — then each `{name}` placeholder replaced by its value in one pass, so
/// nothing that a value contains is ever read as SQL layout, a comment or a placeholder.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let text = template
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            vars.iter()
                .find(|(k, _)| *k == &after[..close])
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

const FRAGMENTS: &[(&str, &str)] = &[
    (
        "job_settings",
        include_str!("../queries/fragments/job_settings.sql"),
    ),
    (
        "integer_now_trust",
        include_str!("../queries/fragments/integer_now_trust.sql"),
    ),
    (
        "policy_jobs",
        include_str!("../queries/fragments/policy_jobs.sql"),
    ),
    (
        "policy_jobs_view",
        include_str!("../queries/fragments/policy_jobs_view.sql"),
    ),
    (
        "index_def",
        include_str!("../queries/fragments/index_def.sql"),
    ),
    (
        "index_map",
        include_str!("../queries/fragments/index_map.sql"),
    ),
    (
        "index_key_names",
        include_str!("../queries/fragments/index_key_names.sql"),
    ),
    (
        "compression_columns",
        include_str!("../queries/fragments/compression_columns.sql"),
    ),
    (
        "job_stat",
        include_str!("../queries/fragments/job_stat.sql"),
    ),
    (
        "job_running",
        include_str!("../queries/fragments/job_running.sql"),
    ),
    (
        "job_may_run",
        include_str!("../queries/fragments/job_may_run.sql"),
    ),
    (
        "job_stat_scan_more",
        include_str!("../queries/fragments/job_stat_scan_more.sql"),
    ),
    (
        "policy_limits",
        include_str!("../queries/fragments/policy_limits.sql"),
    ),
    (
        "busy_relations",
        include_str!("../queries/fragments/busy_relations.sql"),
    ),
    (
        "relation_bytes",
        include_str!("../queries/fragments/relation_bytes.sql"),
    ),
    (
        "total_bytes_of_k",
        include_str!("../queries/fragments/total_bytes_of_k.sql"),
    ),
    (
        "chunk_bytes",
        include_str!("../queries/fragments/chunk_bytes.sql"),
    ),
    (
        "internal_range",
        include_str!("../queries/fragments/internal_range.sql"),
    ),
    (
        "relation_version",
        include_str!("../queries/fragments/relation_version.sql"),
    ),
    (
        "recent_rows",
        include_str!("../queries/fragments/recent_rows.sql"),
    ),
    (
        "row_version",
        include_str!("../queries/fragments/row_version.sql"),
    ),
    (
        "id_version",
        include_str!("../queries/fragments/id_version.sql"),
    ),
    (
        "job_stat_watch",
        include_str!("../queries/fragments/job_stat_watch.sql"),
    ),
    (
        "watch_rest",
        include_str!("../queries/fragments/watch_rest.sql"),
    ),
    // (the policy jobs of every hypertable, but where a statement asks for some)
    ("policy_jobs_filter", ""),
    (
        "free_space_map_bytes",
        include_str!("../queries/fragments/free_space_map_bytes.sql"),
    ),
];

const WATERMARK_TABLE: &str = include_str!("../queries/fragments/cagg_watermark_table.sql");
const WATERMARK_FUNCTION: &str = include_str!("../queries/fragments/cagg_watermark_function.sql");

/// Replaces each `--@include name` line with the fragment of that name (`extra` first),
/// whose own includes are replaced in turn.
fn expand(template: &str, extra: &[(&str, &str)]) -> String {
    template
        .lines()
        .map(|line| match line.trim().strip_prefix("--@include ") {
            Some(name) => extra
                .iter()
                .chain(FRAGMENTS)
                .find(|(n, _)| *n == name.trim())
                .map(|(_, text)| expand(text.trim_end(), extra))
                .unwrap_or_else(|| panic!("queries: unknown fragment {name}")),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An action's SQL file with its fragments pulled in.
pub fn action(template: &str) -> String {
    expand(template, &[])
}

macro_rules! expanded {
    ($name:ident, $file:literal) => {
        pub static $name: LazyLock<String> =
            LazyLock::new(|| expand(include_str!(concat!("../queries/", $file)), &[]));
    };
}

expanded!(LISTED_INDEXES, "listed_indexes.sql");
expanded!(LISTED_VERSIONS, "listed_versions.sql");
expanded!(LISTED_TABLES, "listed_tables.sql");
expanded!(RELATION_VERSIONS, "relation_versions.sql");
expanded!(RELATIONS_WATCH, "relations_watch.sql");

/// `template` whole (`filter` false: the fragment named `name` empty), or filtered by the
/// fragment's text: the refresh's reads of only what its watch saw written.
fn filtered(template: &str, name: &str, filter: &'static str, on: bool) -> String {
    expand(template, &[(name, if on { filter } else { "" })])
}

const RELATIONS_TEMPLATE: &str = include_str!("../queries/relations.sql");
/// Every relation with files ([`RELATIONS`]), or those of `$1` ([`RELATIONS_OF`]).
pub static RELATIONS: LazyLock<String> =
    LazyLock::new(|| filtered(RELATIONS_TEMPLATE, "relations_filter", "", false));
pub static RELATIONS_OF: LazyLock<String> = LazyLock::new(|| {
    filtered(
        RELATIONS_TEMPLATE,
        "relations_filter",
        "           AND r.oid = ANY ($1::oid[])",
        true,
    )
});

const CHUNK_INDEXES_TEMPLATE: &str = include_str!("../queries/chunk_indexes.sql");
/// Every chunk index of the hypertables `$1`, or only those of the chunk tables `$2`.
pub static CHUNK_INDEXES: [LazyLock<String>; 2] = [
    LazyLock::new(|| filtered(CHUNK_INDEXES_TEMPLATE, "chunk_index_filter", "", false)),
    LazyLock::new(|| {
        filtered(
            CHUNK_INDEXES_TEMPLATE,
            "chunk_index_filter",
            " WHERE x.indrelid = ANY ((SELECT $2::oid[])::oid[])",
            true,
        )
    }),
];
expanded!(RELATION_BYTES, "relation_bytes.sql");
expanded!(RELATION_STATS, "relation_stats.sql");
const COMPRESSION_COLUMN_BY_ID: &str =
    include_str!("../queries/fragments/compression_column_by_id.sql");
/// A statement that reads compression settings, in the form for each catalog: by relid from
/// `_timescaledb_catalog.compression_settings` (2.14 and later), by hypertable id before. Its
/// template takes the `compression_column` fragment.
struct ByCatalog {
    by_relid: LazyLock<String>,
    by_id: LazyLock<String>,
}

impl ByCatalog {
    /// The form for this server's catalog, and whether it is the by-relid one.
    fn pick(&'static self, caps: &Capabilities) -> (&'static str, bool) {
        match caps.timescaledb.as_ref() {
            Some(ts) if !ts.compression_settings => (&self.by_id, false),
            _ => (&self.by_relid, true),
        }
    }
}

/// `$name`: `$file` with `compression_column` from `$relid` (2.14+) or by hypertable id.
macro_rules! by_catalog {
    ($name:ident, $file:literal, $relid:literal) => {
        static $name: ByCatalog = ByCatalog {
            by_relid: LazyLock::new(|| {
                expand(
                    include_str!(concat!("../queries/", $file)),
                    &[(
                        "compression_column",
                        include_str!(concat!("../queries/fragments/", $relid)),
                    )],
                )
            }),
            by_id: LazyLock::new(|| {
                expand(
                    include_str!(concat!("../queries/", $file)),
                    &[("compression_column", COMPRESSION_COLUMN_BY_ID)],
                )
            }),
        };
    };
}

by_catalog!(
    COMPRESSION_SETTINGS,
    "compression_settings.sql",
    "compression_column_by_relid.sql"
);

/// Each hypertable's compression settings, from the catalog this version has, and whether the
/// statement takes the hypertables' oids and ids (2.14 and later).
pub fn compression_settings(caps: &Capabilities) -> (&'static str, bool) {
    COMPRESSION_SETTINGS.pick(caps)
}
expanded!(INDEX_CHUNKS, "index_chunks.sql");
expanded!(MATVIEWS, "matviews.sql");
expanded!(INTEGER_NOW_CALLS, "integer_now_calls.sql");
expanded!(INDEX_STRUCTURE, "index_structure.sql");
expanded!(INDEXES_PLAIN, "indexes_plain.sql");
expanded!(RETENTION_RUNS, "retention_runs.sql");
/// The jobs table's line in `policy_jobs.sql`: `bgw_job` moved from `_timescaledb_config` to
/// `_timescaledb_catalog` in 2.25.
const JOBS_TABLE: [&str; 2] = [
    include_str!("../queries/fragments/jobs_table_config.sql"),
    include_str!("../queries/fragments/jobs_table_catalog.sql"),
];

fn jobs_in_catalog(caps: &Capabilities) -> bool {
    caps.timescaledb
        .as_ref()
        .is_some_and(|ts| ts.bgw_job_in_catalog)
}

/// jobs_watch.sql for each place of the jobs table, its scan of the statistics telling whether
/// a job may run.
static JOBS_WATCH: [LazyLock<String>; 2] = [
    LazyLock::new(|| jobs_watch(0)),
    LazyLock::new(|| jobs_watch(1)),
];

fn jobs_watch(place: usize) -> String {
    expand(
        include_str!("../queries/jobs_watch.sql"),
        &[
            ("jobs_table", JOBS_TABLE[place]),
            (
                "job_stat_scan_more",
                include_str!("../queries/fragments/job_may_run_scanned.sql"),
            ),
        ],
    )
}

/// `template` for one place of the jobs table, of every job or (`of_jobs`) of the jobs `$1`.
fn jobs_form(template: &str, place: usize, of_jobs: bool) -> String {
    let filter = if of_jobs {
        "   AND j.id = ANY ($1::int4[])"
    } else {
        ""
    };
    expand(
        template,
        &[("jobs_table", JOBS_TABLE[place]), ("jobs_filter", filter)],
    )
}

/// `$name`: `$file` for each place of the jobs table, of every job, then of the jobs `$1`.
macro_rules! by_jobs_table_of_jobs {
    ($name:ident, $file:literal) => {
        static $name: [LazyLock<String>; 4] = [
            LazyLock::new(|| jobs_form(include_str!(concat!("../queries/", $file)), 0, false)),
            LazyLock::new(|| jobs_form(include_str!(concat!("../queries/", $file)), 1, false)),
            LazyLock::new(|| jobs_form(include_str!(concat!("../queries/", $file)), 0, true)),
            LazyLock::new(|| jobs_form(include_str!(concat!("../queries/", $file)), 1, true)),
        ];
    };
}
by_jobs_table_of_jobs!(JOBS, "jobs.sql");
by_jobs_table_of_jobs!(JOB_STATES, "job_states.sql");

/// The Jobs tab's reads for this version's jobs table: the jobs as they are defined (every
/// job's, some jobs'), their watch, every job's states and some jobs' states.
pub fn jobs(caps: &Capabilities) -> [&'static str; 5] {
    let place = usize::from(jobs_in_catalog(caps));
    [
        &JOBS[place],
        &JOBS[2 + place],
        &JOBS_WATCH[place],
        &JOB_STATES[place],
        &JOB_STATES[2 + place],
    ]
}
by_catalog!(
    POLICIES,
    "policies.sql",
    "compression_column_by_relid_all.sql"
);

/// Every policy with its relation's compression settings, read from the catalog (settings by
/// relid from 2.14, by hypertable id before; never the view, which a role without USAGE on
/// one schema cannot read at all).
pub fn policies(caps: &Capabilities) -> &'static str {
    POLICIES.pick(caps).0
}

const HYPERTABLE_STATUS: [&str; 2] = [
    include_str!("../queries/fragments/hypertable_status_none.sql"),
    include_str!("../queries/fragments/hypertable_status_text.sql"),
];
const COMPRESSION_ENABLED: [&str; 2] = [
    include_str!("../queries/fragments/compression_enabled_state.sql"),
    include_str!("../queries/fragments/compression_enabled_status.sql"),
];
/// tables.sql for the jobs table's place and whether the status bits have names; `of`: only
/// the hypertables `$1` (int4[]).
fn tables_for(jobs_place: usize, status_text: usize, of: bool) -> String {
    let (hypertables, dimensions, jobs, place_columns, place_join) = match of {
        true => (
            "       AND h.id = ANY ($1::int4[])",
            "                  WHERE dd.hypertable_id = ANY ($1::int4[])",
            "     WHERE j.hypertable_id = ANY ($1::int4[])",
            "       , n.place, n.total",
            include_str!("../queries/fragments/tables_places.sql"),
        ),
        false => ("", "", "", "", ""),
    };
    expand(
        include_str!("../queries/tables.sql"),
        &[
            ("jobs_table", JOBS_TABLE[jobs_place]),
            ("hypertable_status", HYPERTABLE_STATUS[status_text]),
            ("compression_enabled", COMPRESSION_ENABLED[status_text]),
            ("tables_hypertable_filter", hypertables),
            ("tables_dimension_filter", dimensions),
            ("policy_jobs_filter", jobs),
            ("tables_place_columns", place_columns),
            ("tables_place_join", place_join),
        ],
    )
}
/// By the jobs table's place, then whether the status bits have names (2.29+); every
/// hypertable's rows, then only those of `$1`.
static TABLES: [LazyLock<String>; 8] = [
    LazyLock::new(|| tables_for(0, 0, false)),
    LazyLock::new(|| tables_for(0, 1, false)),
    LazyLock::new(|| tables_for(1, 0, false)),
    LazyLock::new(|| tables_for(1, 1, false)),
    LazyLock::new(|| tables_for(0, 0, true)),
    LazyLock::new(|| tables_for(0, 1, true)),
    LazyLock::new(|| tables_for(1, 0, true)),
    LazyLock::new(|| tables_for(1, 1, true)),
];

const TIMESCALEDB_WATCH_TEMPLATE: &str = include_str!("../queries/timescaledb_watch.sql");
/// The compression settings rows the watch reads: by hypertable id (before 2.14), every row
/// (2.14 to 2.21), the hypertables' own (2.22+).
const SETTINGS_ROWS: [&str; 3] = [
    include_str!("../queries/fragments/settings_rows_by_id.sql"),
    include_str!("../queries/fragments/settings_rows_all.sql"),
    include_str!("../queries/fragments/settings_rows_hypertables.sql"),
];
fn timescaledb_watch_for(jobs_place: usize, settings: usize) -> String {
    expand(
        TIMESCALEDB_WATCH_TEMPLATE,
        &[
            ("jobs_table", JOBS_TABLE[jobs_place]),
            ("settings_rows", SETTINGS_ROWS[settings]),
        ],
    )
}
/// By the jobs table's place, then the settings rows'.
static TIMESCALEDB_WATCH: [LazyLock<String>; 6] = [
    LazyLock::new(|| timescaledb_watch_for(0, 0)),
    LazyLock::new(|| timescaledb_watch_for(0, 1)),
    LazyLock::new(|| timescaledb_watch_for(0, 2)),
    LazyLock::new(|| timescaledb_watch_for(1, 0)),
    LazyLock::new(|| timescaledb_watch_for(1, 1)),
    LazyLock::new(|| timescaledb_watch_for(1, 2)),
];

/// chunk_ids.sql by the jobs table's place.
fn chunk_ids_for(jobs_place: usize) -> String {
    expand(
        include_str!("../queries/chunk_ids.sql"),
        &[("jobs_table", JOBS_TABLE[jobs_place])],
    )
}
static CHUNK_IDS: [LazyLock<String>; 2] = [
    LazyLock::new(|| chunk_ids_for(0)),
    LazyLock::new(|| chunk_ids_for(1)),
];

/// Every chunk's id, every compression snapshot's, every row that names a hypertable, for this
/// version's jobs table.
pub fn chunk_ids(caps: &Capabilities) -> &'static str {
    &CHUNK_IDS[usize::from(jobs_in_catalog(caps))]
}

/// The catalog pass's watch over TimescaleDB's catalog, for this version's tables.
pub fn timescaledb_watch(caps: &Capabilities) -> &'static str {
    let ts = caps.timescaledb.as_ref();
    let settings = match ts {
        Some(ts) if ts.settings_compress_relid => 2,
        Some(ts) if ts.compression_settings => 1,
        _ => 0,
    };
    &TIMESCALEDB_WATCH[3 * usize::from(jobs_in_catalog(caps)) + settings]
}

/// The Hypertables, Compression and Retention tabs' rows as the catalog defines them, for this
/// version's jobs table.
pub fn tables(caps: &Capabilities) -> &'static str {
    &TABLES[tables_place(caps)]
}

/// tables.sql for only the hypertables `$1` (int4[]).
pub fn tables_of(caps: &Capabilities) -> &'static str {
    &TABLES[4 + tables_place(caps)]
}

fn tables_place(caps: &Capabilities) -> usize {
    let named = (caps.timescaledb.as_ref()).is_some_and(|t| t.hypertable_status_text);
    2 * usize::from(jobs_in_catalog(caps)) + usize::from(named)
}

by_catalog!(
    COMPRESSION_NOW,
    "actions/compression_now.sql",
    "compression_column_by_relid_all.sql"
);

/// set-compression's read of one hypertable's settings, from the catalog this version has.
pub fn compression_now(caps: &Capabilities) -> &'static str {
    COMPRESSION_NOW.pick(caps).0
}

const TABLE_CHUNKS_TEMPLATE: &str = include_str!("../queries/table_chunks.sql");
const CHUNK_TABLE_BY_NAME: &str = include_str!("../queries/fragments/chunk_table_by_name.sql");
const CHUNK_TABLE_BY_RELID: &str = include_str!("../queries/fragments/chunk_table_by_relid.sql");
const COMPRESSED_BY_NAME: &str = include_str!("../queries/fragments/chunk_compressed_by_name.sql");
const COMPRESSED_BY_RELID: &str =
    include_str!("../queries/fragments/chunk_compressed_by_relid.sql");
const CHUNK_CREATED: &str = include_str!("../queries/fragments/chunk_created_column.sql");
const CHUNK_NOT_CREATED: &str = include_str!("../queries/fragments/chunk_created_none.sql");
/// table_chunks.sql for a catalog: its chunk tables by name or relid (2.29), creation times
/// (2.13+), whole or of the chunks `$1` only.
fn table_chunks_for(by_relid: bool, dated: bool, of_chunks: bool) -> String {
    let (chunk_table, compressed) = match by_relid {
        false => (CHUNK_TABLE_BY_NAME, COMPRESSED_BY_NAME),
        true => (CHUNK_TABLE_BY_RELID, COMPRESSED_BY_RELID),
    };
    let created = if dated {
        CHUNK_CREATED
    } else {
        CHUNK_NOT_CREATED
    };
    let filter = if of_chunks {
        " WHERE ch.id = ANY ((SELECT $1::int4[])::int4[])"
    } else {
        ""
    };
    expand(
        TABLE_CHUNKS_TEMPLATE,
        &[
            ("chunk_table", chunk_table),
            ("chunk_compressed", compressed),
            ("chunk_created", created),
            ("chunk_filter", filter),
        ],
    )
}

/// Its forms: undated (before 2.13), by name, by relid (2.29); each whole, then of chunks.
static TABLE_CHUNKS: [LazyLock<String>; 6] = [
    LazyLock::new(|| table_chunks_for(false, false, false)),
    LazyLock::new(|| table_chunks_for(false, true, false)),
    LazyLock::new(|| table_chunks_for(true, true, false)),
    LazyLock::new(|| table_chunks_for(false, false, true)),
    LazyLock::new(|| table_chunks_for(false, true, true)),
    LazyLock::new(|| table_chunks_for(true, true, true)),
];
const CHUNK_SLICE_BY_CONSTRAINT: &str =
    include_str!("../queries/fragments/chunk_slice_by_constraint.sql");
const CHUNK_SLICE_BY_CHUNK: &str = include_str!("../queries/fragments/chunk_slice_by_chunk.sql");

/// A chunk's slices through chunk_constraint up to 2.27, by the slice's own chunk_id from 2.28
/// (where chunk_constraint is a compatibility view TimescaleDB will remove).
fn slices_by_chunk(caps: &Capabilities) -> bool {
    caps.timescaledb
        .as_ref()
        .is_some_and(|ts| ts.slice_chunk_id)
}

fn chunk_slice(by_chunk: bool) -> &'static str {
    match by_chunk {
        false => CHUNK_SLICE_BY_CONSTRAINT,
        true => CHUNK_SLICE_BY_CHUNK,
    }
}

const CHUNK_RANGES_TEMPLATE: &str = include_str!("../queries/chunk_ranges.sql");
fn chunk_ranges_for(by_chunk: bool, of_chunks: bool) -> String {
    let filter = if of_chunks {
        "   AND ch.id = ANY ((SELECT $1::int4[])::int4[])"
    } else {
        ""
    };
    expand(
        CHUNK_RANGES_TEMPLATE,
        &[
            ("chunk_slice", chunk_slice(by_chunk)),
            ("chunk_filter", filter),
        ],
    )
}
/// Slices through chunk_constraint, by chunk; each whole, then of chunks.
static CHUNK_RANGES: [LazyLock<String>; 4] = [
    LazyLock::new(|| chunk_ranges_for(false, false)),
    LazyLock::new(|| chunk_ranges_for(true, false)),
    LazyLock::new(|| chunk_ranges_for(false, true)),
    LazyLock::new(|| chunk_ranges_for(true, true)),
];

/// Each chunk's range in its primary dimension, for this version: every chunk's, or (`of`)
/// those of the chunks `$1`.
pub fn chunk_ranges(caps: &Capabilities, of: bool) -> &'static str {
    &CHUNK_RANGES[usize::from(slices_by_chunk(caps)) + 2 * usize::from(of)]
}

const CHUNKS_TEMPLATE: &str = include_str!("../queries/chunks.sql");
/// chunks.sql with its chunk tables by name and slices by constraint, its jobs table in either
/// place (up to 2.27); slices by chunk (2.28); chunk tables by relid (2.29, its jobs table in the
/// catalog).
static CHUNKS: [LazyLock<String>; 4] = [
    LazyLock::new(|| chunks_for(false, false, JOBS_TABLE[0])),
    LazyLock::new(|| chunks_for(false, false, JOBS_TABLE[1])),
    LazyLock::new(|| chunks_for(false, true, JOBS_TABLE[1])),
    LazyLock::new(|| chunks_for(true, true, JOBS_TABLE[1])),
];

fn chunks_for(by_relid: bool, slices_by_chunk: bool, jobs_table: &str) -> String {
    let (chunk_table, compressed) = match by_relid {
        false => (CHUNK_TABLE_BY_NAME, COMPRESSED_BY_NAME),
        true => (CHUNK_TABLE_BY_RELID, COMPRESSED_BY_RELID),
    };
    expand(
        CHUNKS_TEMPLATE,
        &[
            ("chunk_table", chunk_table),
            ("chunk_compressed", compressed),
            ("jobs_table", jobs_table),
            ("chunk_slice", chunk_slice(slices_by_chunk)),
        ],
    )
}

/// Chunk tables are found by relid from 2.29, else by schema and table name.
fn by_relid(caps: &Capabilities) -> bool {
    caps.timescaledb
        .as_ref()
        .is_some_and(|ts| ts.chunk_relid_column)
}

/// The chunk structure behind the Hypertables/Compression/Retention tabs, for this version.
pub fn table_chunks(caps: &Capabilities, of: bool) -> &'static str {
    let ts = caps.timescaledb.as_ref();
    let form = match (ts.is_some_and(|ts| ts.chunk_creation_time), by_relid(caps)) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    };
    &TABLE_CHUNKS[form + 3 * usize::from(of)]
}

const SEGMENT_STATS_TEMPLATE: &str = include_str!("../queries/segment_stats.sql");
const SEGMENTBY: [&str; 2] = [
    include_str!("../queries/fragments/segmentby_by_id.sql"),
    include_str!("../queries/fragments/segmentby_by_relid.sql"),
];
const SEGMENT_PROBES: [&str; 2] = [
    include_str!("../queries/fragments/segment_probe_pg_stats.sql"),
    include_str!("../queries/fragments/segment_probe_statistic.sql"),
];

/// segment_stats.sql with its catalog's fragments: segmentby columns by hypertable id (before
/// 2.14) or from the settings by relid, chunk tables by name (before 2.29) or relid,
/// statistics from pg_stats or, for a role that may read it, pg_statistic.
fn segment_stats_for(by_settings: bool, by_relid: bool, statistic: bool) -> String {
    let chunk_table = match by_relid {
        false => CHUNK_TABLE_BY_NAME,
        true => CHUNK_TABLE_BY_RELID,
    };
    expand(
        SEGMENT_STATS_TEMPLATE,
        &[
            ("segmentby", SEGMENTBY[usize::from(by_settings)]),
            ("chunk_table", chunk_table),
            ("segment_probe", SEGMENT_PROBES[usize::from(statistic)]),
        ],
    )
}

/// Every form of segment_stats.sql, by [`segment_stats_for`]'s flags as bits.
static SEGMENT_STATS: [LazyLock<String>; 8] = [
    LazyLock::new(|| segment_stats_for(false, false, false)),
    LazyLock::new(|| segment_stats_for(false, false, true)),
    LazyLock::new(|| segment_stats_for(false, true, false)),
    LazyLock::new(|| segment_stats_for(false, true, true)),
    LazyLock::new(|| segment_stats_for(true, false, false)),
    LazyLock::new(|| segment_stats_for(true, false, true)),
    LazyLock::new(|| segment_stats_for(true, true, false)),
    LazyLock::new(|| segment_stats_for(true, true, true)),
];

/// Each compressed hypertable's segmentby columns' distinct values in its fullest analysed
/// chunk, from the catalogs this version has and the statistics this role may read.
pub fn segment_stats(caps: &Capabilities) -> &'static str {
    let by_settings = caps
        .timescaledb
        .as_ref()
        .is_some_and(|ts| ts.compression_settings);
    let form = usize::from(by_settings) << 2
        | usize::from(by_relid(caps)) << 1
        | usize::from(caps.reads_statistics);
    &SEGMENT_STATS[form]
}

/// The Statements tab's reads for pg_stat_statements created in `schema`: the statements, their
/// texts and the reset time, each with `{schema}` replaced by the name double-quoted (the
/// templates hold no values; `str::replace` never reads what it put in).
pub fn statement_stats(schema: &str) -> [String; 3] {
    let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
    [
        include_str!("../queries/statements.sql"),
        include_str!("../queries/statement_texts.sql"),
        include_str!("../queries/statements_reset.sql"),
    ]
    .map(|t| t.replace("{schema}", &quoted))
}

const HOLE_SOURCES_TEMPLATE: &str = include_str!("../queries/cagg_hole_sources.sql");
fn hole_sources_for(by_relid: bool, slices_by_chunk: bool) -> String {
    let chunk_table = match by_relid {
        false => CHUNK_TABLE_BY_NAME,
        true => CHUNK_TABLE_BY_RELID,
    };
    expand(
        HOLE_SOURCES_TEMPLATE,
        &[
            ("chunk_table", chunk_table),
            ("chunk_slice", chunk_slice(slices_by_chunk)),
        ],
    )
}
/// Chunk tables by name, slices by constraint (up to 2.27); by name, by chunk (2.28); by
/// relid, by chunk (2.29).
static HOLE_SOURCES: [LazyLock<String>; 3] = [
    LazyLock::new(|| hole_sources_for(false, false)),
    LazyLock::new(|| hole_sources_for(false, true)),
    LazyLock::new(|| hole_sources_for(true, true)),
];

/// The source chunks below continuous aggregates' watermarks, for the hole probes.
pub fn cagg_hole_sources(caps: &Capabilities) -> &'static str {
    let form = match (by_relid(caps), slices_by_chunk(caps)) {
        (true, _) => 2,
        (false, by_chunk) => usize::from(by_chunk),
    };
    &HOLE_SOURCES[form]
}

/// Functions a user wrote that planning is known to call: a second layer behind the boundary.
pub const PLAN_GUARD: &str = include_str!("../queries/plan_guard.sql");

/// Whether the planning session's login holds no more than a statement's role.
pub const PLAN_BOUNDARY: &str = include_str!("../queries/plan_boundary.sql");

/// A statement's generic plan in one message: `userid` (an integer), the flag and the
/// statement go in, the statement last, into a template that holds no values; `str::replace`
/// never reads what it put in. Only for a text proven to be one statement (see `model::plan`).
pub fn generic_plan(userid: i64, as_author: bool, statement: &str) -> String {
    include_str!("../queries/generic_plan.sql")
        .replace("{userid}", &userid.to_string())
        .replace("{as_author}", if as_author { "true" } else { "false" })
        .replace("{statement}", statement)
}

const PLAN_HYPERTABLES: &str = include_str!("../queries/fragments/plan_hypertables.sql");
static PLAN_TABLES: [LazyLock<String>; 2] = [
    LazyLock::new(|| {
        expand(
            include_str!("../queries/plan_tables.sql"),
            &[("plan_hypertables", "")],
        )
    }),
    LazyLock::new(|| {
        expand(
            include_str!("../queries/plan_tables.sql"),
            &[("plan_hypertables", PLAN_HYPERTABLES)],
        )
    }),
];

/// The hypertables (with TimescaleDB) and partitioned tables a plan reads, and their chunks.
pub fn plan_tables(timescaledb: bool) -> &'static str {
    PLAN_TABLES[usize::from(timescaledb)].as_str()
}

/// Where pg_stat_statements stands in this database.
pub const STATEMENTS_EXTENSION: &str = include_str!("../queries/statements_extension.sql");

const IMPACT_TEMPLATE: &str = include_str!("../queries/actions/impact.sql");
static IMPACT_BY_NAME: LazyLock<String> = LazyLock::new(|| impact_for(false, false));
static IMPACT_BY_NAME_SLICES: LazyLock<String> = LazyLock::new(|| impact_for(false, true));
static IMPACT_BY_RELID: LazyLock<String> = LazyLock::new(|| impact_for(true, true));

fn impact_for(by_relid: bool, slices_by_chunk: bool) -> String {
    let (chunk_table, compressed) = match by_relid {
        false => (CHUNK_TABLE_BY_NAME, COMPRESSED_BY_NAME),
        true => (CHUNK_TABLE_BY_RELID, COMPRESSED_BY_RELID),
    };
    expand(
        IMPACT_TEMPLATE,
        &[
            ("chunk_table", chunk_table),
            ("chunk_compressed", compressed),
            ("chunk_slice", chunk_slice(slices_by_chunk)),
        ],
    )
}

/// What a change of threshold would touch (an action's preview) for this version.
pub fn impact(caps: &Capabilities) -> &'static str {
    match (by_relid(caps), slices_by_chunk(caps)) {
        (true, _) => &IMPACT_BY_RELID,
        (false, true) => &IMPACT_BY_NAME_SLICES,
        (false, false) => &IMPACT_BY_NAME,
    }
}

/// The hypertable drill-down (its chunks) for this version.
pub fn chunks(caps: &Capabilities) -> &'static str {
    let form = match (by_relid(caps), slices_by_chunk(caps)) {
        (true, _) => 3,
        (false, true) => 2,
        (false, false) => usize::from(jobs_in_catalog(caps)),
    };
    &CHUNKS[form]
}

const CAGGS_TEMPLATE: &str = include_str!("../queries/caggs.sql");
/// caggs.sql in a form for each watermark source (the function, the table) and jobs table
/// ([`JOBS_TABLE`]'s places): `2 * watermark table + jobs table`.
static CAGGS: [LazyLock<String>; 4] = {
    fn form(watermark: &str, jobs_table: usize) -> String {
        let extra = [
            ("watermark", watermark),
            ("jobs_table", JOBS_TABLE[jobs_table]),
        ];
        expand(CAGGS_TEMPLATE, &extra)
    }
    [
        LazyLock::new(|| form(WATERMARK_FUNCTION, 0)),
        LazyLock::new(|| form(WATERMARK_FUNCTION, 1)),
        LazyLock::new(|| form(WATERMARK_TABLE, 0)),
        LazyLock::new(|| form(WATERMARK_TABLE, 1)),
    ]
};

/// The continuous-aggregate query for this version: persisted watermarks from 2.11, else the
/// watermark function; the jobs table where this version keeps it.
pub fn caggs(caps: &Capabilities) -> &'static str {
    let table = caps
        .timescaledb
        .as_ref()
        .is_none_or(|ts| ts.cagg_watermark_table);
    &CAGGS[2 * usize::from(table) + usize::from(jobs_in_catalog(caps))]
}

const CAGGS_WATCH_TEMPLATE: &str = include_str!("../queries/caggs_watch.sql");
/// The Caggs tab's watch: by the watermarks' table (2.11+), then the jobs table's place.
static CAGGS_WATCH: [LazyLock<String>; 4] = {
    fn form(table: bool, jobs_table: usize) -> String {
        let rows = match table {
            false => include_str!("../queries/fragments/watermark_rows_none.sql"),
            true => include_str!("../queries/fragments/watermark_rows_table.sql"),
        };
        let extra = [
            ("watermark_rows", rows),
            ("jobs_table", JOBS_TABLE[jobs_table]),
        ];
        expand(CAGGS_WATCH_TEMPLATE, &extra)
    }
    [
        LazyLock::new(|| form(false, 0)),
        LazyLock::new(|| form(false, 1)),
        LazyLock::new(|| form(true, 0)),
        LazyLock::new(|| form(true, 1)),
    ]
};

/// The Continuous aggregates tab's watch for this version.
pub fn caggs_watch(caps: &Capabilities) -> &'static str {
    let table = caps
        .timescaledb
        .as_ref()
        .is_none_or(|ts| ts.cagg_watermark_table);
    &CAGGS_WATCH[2 * usize::from(table) + usize::from(jobs_in_catalog(caps))]
}

/// The job drill-down query: run history from 2.15, else the error log.
pub fn job_runs(caps: &Capabilities) -> &'static str {
    match &caps.timescaledb {
        Some(ts) if ts.job_history => JOB_HISTORY,
        _ => JOB_ERRORS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_schema_is_one_quoted_identifier() {
        for sql in statement_stats(r#"odd"; DROP TABLE x; --{schema}"#) {
            assert!(
                sql.contains(r#""odd""; DROP TABLE x; --{schema}".pg_stat_statements"#),
                "{sql}"
            );
        }
    }

    #[test]
    fn the_statement_goes_last_and_nothing_reads_it() {
        let statement = "SELECT '{userid}', '{as_author}', $1 -- {statement}";
        let sql = generic_plan(16_384, true, statement);
        // on a line of its own: a comment it ends with ends there
        assert!(sql.ends_with(&format!("\n{statement}\n")), "{sql}");
        let before = &sql[..sql.len() - statement.len() - 1];
        assert!(!before.contains('{'), "{before}");
        assert_eq!(before.matches("16384").count(), 2, "{before}");
        assert!(before.contains("16384 AND true;"), "{before}");
    }

    #[test]
    fn every_include_is_resolved() {
        for q in [
            &*LISTED_INDEXES,
            &*RELATION_STATS,
            &*RELATIONS,
            &*RELATIONS_OF,
            &*RELATION_VERSIONS,
            &*RELATIONS_WATCH,
            &*COMPRESSION_SETTINGS.by_relid,
            &*COMPRESSION_SETTINGS.by_id,
            &*POLICIES.by_relid,
            &*POLICIES.by_id,
            &*COMPRESSION_NOW.by_relid,
            &*COMPRESSION_NOW.by_id,
            &*PLAN_TABLES[0],
            &*PLAN_TABLES[1],
            &*INDEX_STRUCTURE,
            &*INDEX_CHUNKS,
            &*INTEGER_NOW_CALLS,
            &*INDEXES_PLAIN,
            &*RETENTION_RUNS,
        ]
        .into_iter()
        .chain(CAGGS.iter().map(|q| &**q))
        .chain(CAGGS_WATCH.iter().map(|q| &**q))
        .chain(HOLE_SOURCES.iter().map(|q| &**q))
        .chain(SEGMENT_STATS.iter().map(|q| &**q))
        .chain(TABLE_CHUNKS.iter().map(|q| &**q))
        .chain(CHUNK_RANGES.iter().map(|q| &**q))
        .chain(CHUNK_INDEXES.iter().map(|q| &**q))
        .chain(TIMESCALEDB_WATCH.iter().map(|q| &**q))
        .chain(
            TABLES
                .iter()
                .chain(&JOBS)
                .chain(&JOBS_WATCH)
                .chain(&JOB_STATES)
                .chain(&CHUNKS)
                .map(|q| &**q),
        ) {
            assert!(!q.contains("--@include"), "{q}");
        }
        // each flag of segment_stats_for picks its own fragment
        for (form, q) in SEGMENT_STATS.iter().map(|q| q.as_str()).enumerate() {
            assert_eq!(q.contains("compression_settings cs"), form & 4 != 0, "{q}");
            assert_eq!(q.contains("r.oid = ch.relid"), form & 2 != 0, "{q}");
            assert_eq!(
                q.contains("pg_catalog.pg_statistic p"),
                form & 1 != 0,
                "{q}"
            );
            assert_eq!(q.contains("pg_catalog.pg_stats p"), form & 1 == 0, "{q}");
        }
        for (form, q) in CAGGS.iter().map(|q| q.as_str()).enumerate() {
            assert_eq!(
                q.contains("continuous_aggs_watermark"),
                form & 2 != 0,
                "{q}"
            );
            assert_eq!(
                q.contains("cagg_watermark(ca.mat_hypertable_id)"),
                form & 2 == 0,
                "{q}"
            );
        }
        for (form, q) in TABLE_CHUNKS.iter().map(|q| q.as_str()).enumerate() {
            assert_eq!(q.contains("r.oid = ch.relid"), form % 3 == 2, "{q}");
            assert_eq!(
                q.contains("r.relname = ch.table_name"),
                form % 3 != 2,
                "{q}"
            );
            assert_eq!(q.contains("ch.creation_time"), form % 3 != 0, "{q}");
            // the filtered forms read the chunks asked for, the others every chunk
            // (through a subquery: one plan kept, whatever the ids)
            let filtered = "ch.id = ANY ((SELECT $1::int4[])::int4[])";
            assert_eq!(q.contains(filtered), form >= 3, "{q}");
        }
        for (form, q) in CHUNK_RANGES.iter().map(|q| q.as_str()).enumerate() {
            let filtered = "ch.id = ANY ((SELECT $1::int4[])::int4[])";
            assert_eq!(q.contains(filtered), form >= 2, "{q}");
        }
        assert!(!CHUNK_INDEXES[0].contains("$2::oid[]") && CHUNK_INDEXES[1].contains("$2::oid[]"));
        assert!(!RELATIONS.contains("$1") && RELATIONS_OF.contains("$1::oid[]"));
        // the watch's forms: the jobs table's place, then the settings rows'
        for (form, q) in TIMESCALEDB_WATCH.iter().map(|q| q.as_str()).enumerate() {
            let in_catalog = form >= 3;
            assert_eq!(
                q.contains("_timescaledb_catalog.bgw_job j"),
                in_catalog,
                "{q}"
            );
            assert_eq!(q.contains("hypertable_compression x"), form % 3 == 0, "{q}");
            assert_eq!(q.contains("compress_relid IS NULL"), form % 3 == 2, "{q}");
        }
        // each form reads the jobs table where its versions keep it
        for (q, in_catalog) in [
            (&*TABLES[0], false),
            (&*TABLES[1], false),
            (&*TABLES[2], true),
            (&*TABLES[3], true),
            (&*JOBS[0], false),
            (&*JOBS[1], true),
            (&*JOBS[2], false),
            (&*JOBS[3], true),
            (&*JOB_STATES[0], false),
            (&*JOB_STATES[1], true),
            (&*JOB_STATES[2], false),
            (&*JOB_STATES[3], true),
            (&*JOBS_WATCH[0], false),
            (&*JOBS_WATCH[1], true),
            (&*CAGGS[0], false),
            (&*CAGGS[1], true),
            (&*CAGGS[2], false),
            (&*CAGGS[3], true),
            (&*CAGGS_WATCH[0], false),
            (&*CAGGS_WATCH[1], true),
            (&*CAGGS_WATCH[2], false),
            (&*CAGGS_WATCH[3], true),
            (&*CHUNKS[0], false),
            (&*CHUNKS[1], true),
            (&*CHUNKS[2], true),
            (&*CHUNKS[3], true),
        ] {
            assert_eq!(
                q.contains("FROM _timescaledb_catalog.bgw_job j"),
                in_catalog,
                "{q}"
            );
            assert_eq!(
                q.contains("FROM _timescaledb_config.bgw_job j"),
                !in_catalog,
                "{q}"
            );
        }
        assert!(CHUNKS[3].contains("r.oid = ch.relid"));
        assert!(CHUNKS[1].contains("r.relname = ch.table_name"));
        // chunk_constraint, a compatibility view from 2.28, only where there is nothing else
        for (q, view) in [
            (&*CHUNKS[1], true),
            (&*CHUNKS[2], false),
            (&*CHUNKS[3], false),
            (&*IMPACT_BY_NAME, true),
            (&*IMPACT_BY_NAME_SLICES, false),
            (&*IMPACT_BY_RELID, false),
            (&*CHUNK_RANGES[0], true),
            (&*CHUNK_RANGES[1], false),
        ] {
            assert_eq!(q.contains("chunk_constraint cc"), view, "{q}");
            assert_eq!(q.contains("ds.chunk_id = ch.id"), !view, "{q}");
        }
        // the actions' files, expanded when they run
        for template in [
            include_str!("../queries/actions/policy.sql"),
            include_str!("../queries/actions/job.sql"),
            include_str!("../queries/actions/jobs_state.sql"),
            include_str!("../queries/actions/restore_policy.sql"),
        ] {
            let q = action(template);
            assert!(!q.contains("--@include"), "{q}");
            assert!(q.contains("timescaledb_information.jobs"), "{q}");
        }
    }

    #[test]
    fn each_version_reads_the_jobs_table_where_it_is() {
        // (bgw_job in the catalog: 2.25+, slices by chunk: 2.28+, chunks by relid: 2.29+) → the
        // forms it must get
        for (in_catalog, slices, chunk_relid, jobs_form, chunks_form) in [
            (false, false, false, 0, 0),
            (true, false, false, 1, 1),
            (true, true, false, 1, 2),
            (true, true, true, 1, 3),
        ] {
            let mut caps = crate::model::fixtures::caps();
            let ts = caps.timescaledb.as_mut().unwrap();
            ts.bgw_job_in_catalog = in_catalog;
            ts.slice_chunk_id = slices;
            ts.chunk_relid_column = chunk_relid;
            assert!(std::ptr::eq(tables(&caps), TABLES[2 * jobs_form].as_str()));
            let mut named = caps.clone();
            (named.timescaledb.as_mut().unwrap()).hypertable_status_text = true;
            assert!(std::ptr::eq(
                tables(&named),
                TABLES[2 * jobs_form + 1].as_str()
            ));
            let [definitions, definitions_of, watch, states, some] = jobs(&caps);
            assert!(std::ptr::eq(definitions, JOBS[jobs_form].as_str()));
            assert!(std::ptr::eq(definitions_of, JOBS[2 + jobs_form].as_str()));
            assert!(std::ptr::eq(watch, JOBS_WATCH[jobs_form].as_str()));
            assert!(std::ptr::eq(states, JOB_STATES[jobs_form].as_str()));
            assert!(std::ptr::eq(some, JOB_STATES[2 + jobs_form].as_str()));
            assert!(std::ptr::eq(chunks(&caps), CHUNKS[chunks_form].as_str()));
            // with persisted watermarks (2.11+), as every version it is asked for here has
            assert!(std::ptr::eq(caggs(&caps), CAGGS[2 + jobs_form].as_str()));
            caps.timescaledb.as_mut().unwrap().cagg_watermark_table = false;
            assert!(std::ptr::eq(caggs(&caps), CAGGS[jobs_form].as_str()));
        }
    }

    #[test]
    fn monitoring_queries_measure_only_what_they_are_given_and_never_wait_on_a_lock() {
        // The 38-second trap at 9,100 chunks: size functions stat every relation. Only these
        // measure, each a few relations (the ones that changed, one hypertable's chunks, one
        // index's), through the fragment that skips a relation busy behind a lock.
        for q in [
            &*RELATION_BYTES,
            &*IMPACT_BY_NAME,
            &*IMPACT_BY_NAME_SLICES,
            &*IMPACT_BY_RELID,
            &*CHUNKS[0],
            &*CHUNKS[1],
            &*CHUNKS[2],
            &*CHUNKS[3],
            &*INDEX_CHUNKS,
            &*MATVIEWS,
        ] {
            assert!(q.contains("pg_relation_size(c.oid, 'fsm')"), "{q}");
            assert!(q.contains("busy AS MATERIALIZED"), "{q}");
            assert!(!q.contains("pg_total_relation_size"), "{q}");
            assert!(!q.contains("detailed_size"), "{q}");
        }
        for q in [
            &*TABLES[0],
            &*TABLES[1],
            &*TABLES[2],
            &*TABLES[3],
            &*RETENTION_RUNS,
            &POLICY_TIMES.to_string(),
            &*TABLE_CHUNKS[0],
            &*TABLE_CHUNKS[2],
            &*TABLE_CHUNKS[5],
            &*LISTED_INDEXES,
            &*INDEX_STRUCTURE,
            &*JOBS[0],
            &*JOBS[1],
            &*JOB_STATES[1],
            &*SEGMENT_STATS[0],
            &*SEGMENT_STATS[7],
            &*CHUNK_INDEXES[0],
            &*CHUNK_INDEXES[1],
            &*LISTED_TABLES,
            &*CHUNK_RANGES[0],
            &*CHUNK_RANGES[3],
            &*RELATION_VERSIONS,
            &*RELATIONS,
            &*RELATIONS_OF,
            &*RELATIONS_WATCH,
            &*TIMESCALEDB_WATCH[0],
            &*TIMESCALEDB_WATCH[5],
            &RELATION_FILES.to_string(),
            &RELATION_MAINS.to_string(),
            &INDEX_NUMBERS.to_string(),
            &INVALID_INDEXES.to_string(),
        ] {
            for f in [
                "hypertable_detailed_size",
                "chunks_detailed_size",
                "hypertable_size(",
                "pg_relation_size",
                "pg_total_relation_size",
                "hypertable_compression_stats",
            ] {
                assert!(!q.contains(f), "{f} in {q}");
            }
        }
    }
}
