//! Holes in continuous aggregates: ranges below an aggregate's watermark where what it reads
//! holds data and it has no bucket — left by a refresh whose window started above the
//! watermark (from psql, or an old hypertop), or by a policy whose start offset was shorter
//! than an outage. Queries of the aggregate do not see that data, and nothing says so.
//!
//! Found from the catalog and one index probe per source chunk wholly below the watermark: the
//! chunks below an aggregate's watermark are probed once, and again only as the watermark
//! moves past them or when they are new (a chunk made below a watermark already probed — rows
//! written far back — has an id above every chunk probed); a hole found is probed again at each
//! read until it is filled.

use std::collections::BTreeMap;

use tokio_postgres::Client;

/// What a probe needs of a continuous aggregate.
pub trait Probe {
    /// Its materialization hypertable's id.
    fn mat_id(&self) -> i32;
    /// Its watermark in TimescaleDB's internal units (none: never refreshed).
    fn watermark_units(&self) -> Option<i64>;
    fn set_holes(&mut self, holes: Vec<Hole>);
}

/// A hole: a range below the watermark with source data and no bucket, in TimescaleDB's internal units
/// (µs since the epoch, or the integer): the source chunks that end in it, merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hole {
    pub from: i64,
    pub to: i64,
    /// Source chunks with no bucket.
    pub chunks: i64,
    /// One source chunk's length: a refresh to fill it starts and ends that much outside, so a
    /// bucket that straddles its edges is refreshed whole.
    #[serde(skip)]
    pub chunk_len: i64,
}

/// What was probed of each aggregate (by its materialization hypertable's id).
#[derive(Debug, Clone, Default)]
pub struct Probed(BTreeMap<i32, Probing>);

#[derive(Debug, Clone, Default)]
struct Probing {
    /// The watermark up to which every source chunk was probed.
    up_to: Option<i64>,
    /// The newest chunk id when it was: a chunk above it below the watermark is new.
    after: i32,
    holes: Vec<Hole>,
    /// Where its buckets are: materialization schema, table, time column and its type's oid;
    /// and whether row-level security guards it.
    target: Option<Materialization>,
}

type Materialization = (String, String, String, i64, bool);

/// A probe as kept for another process: the aggregate, the watermark up to which nothing is
/// missing and the newest chunk id then. Not where its buckets are: a probe is made only where
/// the catalog, read again, says (no name from a file reaches SQL).
pub type KeptProbe = (i32, i64, i32);

impl Probed {
    /// What another process may start from: each aggregate probed up to its watermark with no
    /// hole found (one with a hole is left out and probed afresh: its hole is probed again at
    /// each read until filled, and must be found again to be shown).
    pub fn kept(&self) -> Vec<KeptProbe> {
        (self.0.iter())
            .filter(|(_, p)| p.holes.is_empty())
            .filter_map(|(&id, p)| Some((id, p.up_to?, p.after)))
            .collect()
    }

    /// What [`kept`](Self::kept) gave.
    pub fn from_kept(kept: Vec<KeptProbe>) -> Probed {
        let probe = |(id, up_to, after): KeptProbe| {
            let probe = Probing {
                up_to: Some(up_to),
                after,
                ..Probing::default()
            };
            (id, probe)
        };
        Probed(kept.into_iter().map(probe).collect())
    }
}

/// The types a materialization's time column can have, as SQL names them: nothing else is
/// written into a probe.
fn sql_type(oid: i64) -> Option<&'static str> {
    Some(match oid {
        1184 => "timestamptz",
        1114 => "timestamp",
        1082 => "date",
        21 => "int2",
        23 => "int4",
        20 => "int8",
        _ => return None,
    })
}

/// Each aggregate's holes, into `caggs` (`holes`), probing what `probed` has not: the chunks
/// below its watermark that the watermark passed since, and those made since it was probed.
/// `newest`: the newest chunk's id now (a chunk above what was probed is asked for); `settled`:
/// the id below which every chunk is committed (the newest seen before every transaction still
/// running began): what the next probe asks above, as a chunk taken by a transaction still
/// running can commit below `newest`.
pub async fn find(
    client: &Client,
    caps: &crate::capabilities::Capabilities,
    caggs: &mut [impl Probe],
    probed: &mut Probed,
    (newest, settled): (i32, i32),
) -> Result<(), tokio_postgres::Error> {
    // what to ask: from where each was probed up to (or the beginning) to its watermark now,
    // and any chunk below it made since
    let (mut ids, mut los, mut his, mut afters) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for c in caggs.iter() {
        let Some(w) = c.watermark_units() else {
            probed.0.remove(&c.mat_id());
            continue;
        };
        let state = probed.0.entry(c.mat_id()).or_default();
        if state.up_to.is_some_and(|u| w < u) {
            // the watermark went back (a truncate, a re-created view): probe afresh
            *state = Probing::default();
        }
        let from = state.up_to.unwrap_or(i64::MIN);
        let after = match state.up_to {
            Some(_) => state.after,
            None => i32::MAX,
        };
        if w > from || newest > after {
            ids.push(c.mat_id());
            los.push(from);
            his.push(w);
            afters.push(after);
        }
    }
    // the new chunks below each watermark, with the holes found before (probed again)
    let mut asks: BTreeMap<i32, Ask> = BTreeMap::new();
    if !ids.is_empty() {
        let rows = client
            .query(
                crate::queries::cagg_hole_sources(caps),
                &[&ids, &los, &his, &afters],
            )
            .await?;
        for r in &rows {
            let id: i32 = r.try_get("mat_id")?;
            let ask = asks.entry(id).or_default();
            if ask.table.is_none() {
                ask.table = Some((
                    r.try_get("mat_schema")?,
                    r.try_get("mat_table")?,
                    r.try_get("mat_column")?,
                    r.try_get("mat_type")?,
                    r.try_get("guarded")?,
                ));
            }
            ask.ranges.push((r.try_get("lo")?, r.try_get("hi")?));
        }
    }
    for c in caggs.iter_mut() {
        let Some(w) = c.watermark_units() else {
            continue;
        };
        let Some(state) = probed.0.get_mut(&c.mat_id()) else {
            continue;
        };
        let mut ask = asks.remove(&c.mat_id()).unwrap_or_default();
        for h in &state.holes {
            // a hole found before: its chunks again (a hole is whole chunks)
            let mut at = h.from;
            while at < h.to && h.chunk_len > 0 {
                ask.ranges.push((at, at + h.chunk_len));
                at += h.chunk_len;
            }
        }
        if ask.table.is_some() {
            state.target = ask.table.take();
        }
        let holes = match (state.target.clone(), ask.ranges.is_empty()) {
            (_, true) => Vec::new(),
            (Some((schema, name, column, ty, false)), false) => match sql_type(ty) {
                Some(ty) => {
                    let empty =
                        empty_ranges(client, (&schema, &name, &column, ty), &ask.ranges).await?;
                    merge(empty)
                }
                None => Vec::new(),
            },
            // guarded by row-level security, or not read: not probed
            _ => Vec::new(),
        };
        state.up_to = Some(w);
        state.after = settled.min(newest);
        state.holes = holes;
        c.set_holes(state.holes.clone());
    }
    Ok(())
}

/// Source chunk ranges to probe for one aggregate, and where to probe.
#[derive(Default)]
struct Ask {
    table: Option<Materialization>,
    ranges: Vec<(i64, i64)>,
}

/// The ranges of `ranges` in which the materialization `t` (schema, table, time column, its
/// type) has no row: one statement, an index probe per range.
async fn empty_ranges(
    client: &Client,
    t: (&str, &str, &str, &str),
    ranges: &[(i64, i64)],
) -> Result<Vec<(i64, i64)>, tokio_postgres::Error> {
    let (schema, table, column, ty) = t;
    let time = !ty.starts_with("int");
    // a bound as the column's type: µs since the epoch to a time, or the integer
    let bound = |b: &str| match time {
        true => format!("('epoch'::timestamptz + {b} * interval '1 microsecond')::{ty}"),
        false => format!("{b}::{ty}"),
    };
    let sql = format!(
        "SELECT r.lo, r.hi FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[])) AS r(lo, hi) \
          WHERE NOT EXISTS (SELECT FROM {} m WHERE m.{c} >= {} AND m.{c} < {})",
        crate::format::quote_qualified(schema, table),
        bound("r.lo"),
        bound("r.hi"),
        c = crate::format::quote_ident(column),
    );
    let (los, his): (Vec<i64>, Vec<i64>) = ranges.iter().copied().unzip();
    client
        .query(&sql, &[&los, &his])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Adjacent empty chunk ranges as one hole.
fn merge(mut empty: Vec<(i64, i64)>) -> Vec<Hole> {
    empty.sort_unstable();
    empty.dedup();
    let mut out: Vec<Hole> = Vec::new();
    for (lo, hi) in empty {
        match out.last_mut() {
            Some(h) if lo <= h.to => {
                h.to = h.to.max(hi);
                h.chunks += 1;
            }
            _ => out.push(Hole {
                from: lo,
                to: hi,
                chunks: 1,
                chunk_len: hi - lo,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_empty_chunks_are_one_hole() {
        let holes = merge(vec![(30, 40), (10, 20), (20, 30), (60, 70)]);
        assert_eq!(
            holes,
            [
                Hole {
                    from: 10,
                    to: 40,
                    chunks: 3,
                    chunk_len: 10
                },
                Hole {
                    from: 60,
                    to: 70,
                    chunks: 1,
                    chunk_len: 10
                }
            ]
        );
        assert!(merge(Vec::new()).is_empty());
    }

    #[test]
    fn only_time_and_integer_types_are_written_into_a_probe() {
        assert_eq!(sql_type(1184), Some("timestamptz"));
        assert_eq!(sql_type(25), None, "text");
    }
}
