//! Compression tab, with a totals row.

use super::{count, opt_text, row_id, seconds, Ctx, Screen, TableRow};
use crate::actions::parse::{Command, Interval, ObjectName};
use crate::command::spec::family;
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::compression::{totals, Compression};
use crate::model::QueryKind;
use crate::problems::{ProblemKind, DECOMPRESSING_WRITES};
use crate::store::{Dataset, Standing};

pub struct CompressionScreen;

impl Screen for CompressionScreen {
    fn name(&self) -> &'static str {
        "compression"
    }

    fn title(&self, words: super::Words) -> &'static str {
        if words.columnstore {
            "Columnstore"
        } else {
            "Compression"
        }
    }

    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Catalog]
    }

    fn columns(&self, data: &Dataset) -> Vec<Column> {
        columns(counts_writes(data))
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((2, true))
    }

    fn rows<'a>(&self, data: &'a Dataset, _: &Ctx) -> super::Rows<'a> {
        Box::new(rows(data.compression.rows(), counts_writes(data)))
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.compression.status()
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(row_id.to_string())
    }

    fn keys(&self) -> &'static [super::ScreenKey] {
        &[super::ScreenKey {
            key: 'C',
            label: "compress",
            help: "compress the selected row's backlog",
            command: compress_backlog,
        }]
    }

    fn enter(&self) -> Option<&'static str> {
        Some("chunks")
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::CompressionBacklog
                | ProblemKind::NoSegmentby
                | ProblemKind::CompressionWithoutPolicy
                | ProblemKind::LowCompressionRatio
                | ProblemKind::SegmentSize
                | ProblemKind::OrderbyNotByTime
                | ProblemKind::NotRecompressed
                | ProblemKind::UnorderedChunks
                | ProblemKind::DecompressingWrites
                | ProblemKind::BloomMisses
        )
    }
}

/// `C`: compress what the policy would (chunks older than its `compress_after`), or every
/// uncompressed chunk when there is no time-based policy.
fn compress_backlog(data: &Dataset, id: &str) -> Option<Command> {
    let c = data
        .compression
        .value()?
        .iter()
        .find(|c| row_id::relation(&c.schema, &c.name) == id)?;
    let older_than = match &c.compress_after {
        Some(after) if c.compress_after_seconds.is_some() && !after.starts_with("created") => {
            Some(Interval(after.to_string()))
        }
        _ => None,
    };
    // a continuous aggregate's chunks are its materialization's
    let (schema, name) = match &c.materialization {
        Some((schema, name)) => (schema, name),
        None => (&c.schema, &c.name),
    };
    let hypertable = ObjectName {
        schema: Some(schema.to_string()),
        name: name.to_string(),
    };
    Some(Command::Chunks(family::Chunks::Compress {
        hypertable,
        older_than,
    }))
}

/// Whether TimescaleDB counts the writes into compressed chunks here (2.28+): the tab then has
/// their columns.
fn counts_writes(data: &Dataset) -> bool {
    (data.caps.as_ref().and_then(|c| c.timescaledb.as_ref())).is_some_and(|t| t.chunk_statistics)
}

pub fn columns(counted: bool) -> Vec<Column> {
    let mut columns = vec![
        Column::left("Hypertable", 0, 40),
        Column::left("On", 3, 3),
        Column::right("Backlog", 0, 7),
        Column::right("Backlog size", 1, 12),
        Column::right("Compressed", 1, 10),
        Column::right("Before", 2, 9),
        Column::right("After", 2, 9),
        Column::right("Ratio", 2, 7),
        Column::right("After age", 3, 10),
        Column::left("Segment by", 4, 24),
        Column::left("Order by", 4, 30),
        Column::right("Job", 5, 6),
    ];
    if counted {
        // the compressed batches writes read (each decompressed unless a filter skipped it),
        // and of the batches without a match a bloom filter judged, the share it skipped
        columns.push(Column::right("Write reads", 5, 11));
        columns.push(Column::right("Bloom skips", 5, 11));
    }
    columns
}

fn row(c: &Compression, id: String, label: String, counted: bool) -> TableRow {
    let ratio = c
        .ratio()
        .map_or_else(Cell::empty, |r| Cell::num(r, format::ratio(r)));
    let backlog_tone = if c.backlog_chunks.unwrap_or(0) > 0 {
        Tone::Warn
    } else {
        Tone::Normal
    };
    let compress_after = match (&c.compress_after, c.compress_after_seconds) {
        (Some(_), Some(s)) => seconds(Some(s)),
        (Some(text), None) => Cell::text(text.to_string()),
        (None, _) => Cell::empty(),
    };
    let mut cells = vec![
        Cell::text(label),
        Cell::text(if c.enabled { "yes" } else { "no" }).tone(if c.enabled {
            Tone::Normal
        } else {
            Tone::Muted
        }),
        // Unknown (no "now" for its integer time here): a question mark, not 0.
        c.backlog_chunks
            .map_or_else(|| Cell::text("?"), count)
            .tone(backlog_tone),
        super::opt_bytes(c.backlog_bytes).tone(backlog_tone),
        Cell::num(
            c.compressed_chunks as f64,
            format!("{}/{}", c.compressed_chunks, c.chunks),
        ),
        super::opt_bytes(c.before_bytes),
        super::opt_bytes(c.after_bytes),
        ratio,
        compress_after,
        opt_text(c.segmentby.as_deref()),
        opt_text(c.orderby.as_deref()),
        c.job_id
            .map_or_else(Cell::empty, |j| Cell::num(j as f64, j.to_string())),
    ];
    if counted {
        // (the totals row is not judged: the advice is a hypertable's)
        let judged = id != TOTAL;
        cells.push(c.activity.map_or_else(Cell::empty, |a| {
            count(a.batches_read).tone(match judged && a.batches_read >= DECOMPRESSING_WRITES {
                true => Tone::Warn,
                false => Tone::Normal,
            })
        }));
        cells.push(
            (c.activity.as_ref().and_then(|a| a.bloom_skipped_share()))
                .map_or_else(Cell::empty, |s| Cell::num(s, format!("{:.0}%", s * 100.0))),
        );
    }
    TableRow::new(id, cells)
}

/// The totals row's id.
const TOTAL: &str = "\u{0}total";

pub fn rows(list: &[Compression], counted: bool) -> impl Iterator<Item = TableRow> + '_ {
    let rows = list.iter().map(move |c| {
        let id = row_id::relation(&c.schema, &c.name);
        let name = format::qualified(&c.schema, &c.name);
        let label = if c.is_cagg {
            format!("{name} (cagg)")
        } else {
            name
        };
        row(c, id, label, counted).open(super::hypertables::open_chunks_filtered(
            &c.schema,
            &c.name,
            (c.backlog_chunks.unwrap_or(0) > 0).then_some(super::hypertables::FATE_BACKLOG),
        ))
    });
    let total = (!list.is_empty()).then(|| {
        let mut total = row(&totals(list), TOTAL.into(), "total".into(), counted);
        total.pinned = true;
        total
    });
    rows.chain(total)
}
