//! What a reader's caches look like on disk, so that a one-shot read (`check` every minute, a
//! new exporter) starts where the last one ended (pure): the sizes (`sizes::persist`'s own
//! format, checked value by value), the catalog's structure and the relations' rows each with
//! the fingerprint of the catalog it was read from, the segment statistics with when they were
//! read, and how far each aggregate was probed for holes. Each of the others is a tag, a
//! checksum and its compact serde form; decoding refuses anything else, and the read that
//! takes a part checks it as it checks its own between refreshes (a structure holds only for
//! the fingerprint it was read from). What is taken is at most [`KEPT_FOR`] old: a change no
//! counter saw (a statistics message lost, a chunk backfilled below a probed watermark) lasts
//! that long at most.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::{de::DeserializeOwned, Serialize};

use super::catalog::{CatalogStructure, KeptCatalog};
use super::compression::Segments;
use super::holes::{KeptProbe, Probed};
use super::sizes::SizeKeeper;
use super::structure::{Cached, Fingerprint, Periodic};
use super::tables::ListedRelations;

/// The kept parts' format. Bumped whenever a kept type changes shape: the encoding has no
/// field names, and a test pins it.
const TAG: &[u8; 4] = b"HTK9";

/// How old a kept structure, rows or probes may be to be taken: older, they are read again
/// (and kept again) as the sizes are measured again within the hour.
pub const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether a part written at `at_ms` may be taken at `now_ms` (not from a clock set back).
fn fresh(at_ms: i64, now_ms: i64) -> bool {
    now_ms
        .checked_sub(at_ms)
        .is_some_and(|age| (0..KEPT_FOR.as_millis() as i64).contains(&age))
}

/// The watch's part: what it saw of TimescaleDB's catalog, the highest relation oid, when
/// everything was last read whole (ms), how the listed relations stood.
type Kept = (
    super::catalog::watch::Watched,
    u32,
    Option<i64>,
    Option<super::catalog::ListedStamp>,
);

/// The parts' names.
pub const SIZES: &str = "sizes";
pub const STRUCTURE: &str = "structure";
pub const LISTED: &str = "listed";
pub const SEGMENTS: &str = "segments";
pub const PROBES: &str = "probes";
pub const WATCHED: &str = "watched";

/// A part to write: its name, what tells it unchanged (none: written every time), its bytes.
#[derive(Debug)]
pub struct Part {
    pub name: &'static str,
    token: Option<u64>,
    pub value: Vec<u8>,
}

/// What was last written or taken of each part: a part that has not changed since is not
/// encoded nor written again (a 50,000-chunk structure is megabytes; it changes with DDL).
#[derive(Debug, Default)]
pub struct Written(HashMap<String, u64>);

impl Written {
    /// The part `name` holding `token` was taken from disk.
    fn took(&mut self, name: &str, token: Option<u64>) {
        match token {
            Some(t) => self.0.insert(name.to_string(), t),
            None => self.0.remove(name),
        };
    }

    /// Whether a part holding `token` differs from what was last written or taken.
    fn changed(&self, name: &str, token: Option<u64>) -> bool {
        token.is_none() || self.0.get(name) != token.as_ref()
    }

    /// `parts` are on disk.
    pub fn wrote(&mut self, parts: &[Part]) {
        for p in parts {
            self.took(p.name, p.token);
        }
    }
}

/// `value` tagged and checksummed.
fn encode<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    let body = postcard::to_stdvec(value).ok()?;
    let mut out = Vec::with_capacity(TAG.len() + 8 + body.len());
    out.extend_from_slice(TAG);
    out.extend_from_slice(&crate::hash::fnv1a(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

/// What [`encode`] wrote; None for anything else (another format, a damaged value).
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let rest = bytes.strip_prefix(TAG)?;
    let (sum, body) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != crate::hash::fnv1a(body) {
        return None;
    }
    let (value, left) = postcard::take_from_bytes(body).ok()?;
    left.is_empty().then_some(value)
}

/// What tells a kept value unchanged within this process.
fn token(of: impl Hash) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    of.hash(&mut h);
    h.finish()
}

/// A value patched in place after its read: its revision tells a patched one from the read.
trait Revised {
    fn revision(&self) -> u64 {
        0
    }
}

impl Revised for CatalogStructure {
    fn revision(&self) -> u64 {
        self.revision
    }
}

impl Revised for ListedRelations {
    fn revision(&self) -> u64 {
        self.revision
    }
}

/// A structure kept under the fingerprint it was read from, as a part; None when it was read
/// from none that another process could check (its catalog's changes were not counted).
fn cached_part<S: Serialize + Revised>(
    name: &'static str,
    cached: &Cached<S>,
    written: &Written,
) -> Option<Part> {
    let from = cached.read_from()?.parts()?;
    let token = Some(token((from, cached.last()?.revision())));
    if !written.changed(name, token) {
        return None;
    }
    let value = encode(&(from, cached.last()?))?;
    Some(Part { name, token, value })
}

/// What [`cached_part`] wrote, made as a read makes it by `finish`, with its token.
fn cached_from<S: DeserializeOwned + Default + Revised>(
    bytes: &[u8],
    finish: impl FnOnce(S) -> S,
) -> Option<(Cached<S>, u64)> {
    let (from, value): ([u64; 4], S) = decode(bytes)?;
    let token = token((from, value.revision()));
    let mut cached = Cached::default();
    cached.put_back(finish(value), Some(Fingerprint::from_parts(from)));
    Some((cached, token))
}

impl KeptCatalog {
    /// The parts another process may start from, but those unchanged since `written`.
    pub fn export(&self, now_ms: i64, written: &Written, out: &mut Vec<Part>) {
        if let Some(value) = self.sizes.export(now_ms) {
            out.push(Part {
                name: SIZES,
                token: None,
                value,
            });
        }
        out.extend(cached_part(STRUCTURE, &self.structure, written));
        out.extend(cached_part(LISTED, &self.listed, written));
        // where the next read's watch starts (what moved since is read again, the rest taken),
        // the highest relation oid seen, and when everything was last read whole
        if self.watched.horizon().is_some() {
            let whole_ms =
                (self.whole_at).map(|at| now_ms.saturating_sub(at.elapsed().as_millis() as i64));
            let watch = (
                &self.watched,
                self.sizes.hot.max_oid,
                whole_ms,
                &self.listed_stamp,
            );
            if let Some(value) = encode(&watch) {
                let token = Some(crate::hash::fnv1a(&value));
                if written.changed(WATCHED, token) {
                    out.push(Part {
                        name: WATCHED,
                        token,
                        value,
                    });
                }
            }
        }
        if let Some((segments, at, from)) = self.segments.last() {
            let (from, token) = (from.parts(), Some(token((at, from.parts()))));
            let ago = i64::try_from(at.elapsed().as_millis()).unwrap_or(i64::MAX);
            if let (Some(from), true) = (from, written.changed(SEGMENTS, token)) {
                if let Some(value) = encode(&(from, now_ms.saturating_sub(ago), segments)) {
                    out.push(Part {
                        name: SEGMENTS,
                        token,
                        value,
                    });
                }
            }
        }
    }

    /// Takes in the part `name` another process wrote at `at_ms`, at `now_ms`, when it is one
    /// of the catalog's and can be used; whether it was.
    pub fn import(
        &mut self,
        (name, at_ms, bytes): (&str, i64, &[u8]),
        now_ms: i64,
        written: &mut Written,
    ) -> bool {
        // each part taken, with its token
        let taken = match name {
            STRUCTURE | LISTED | WATCHED if !fresh(at_ms, now_ms) => None,
            WATCHED => decode(bytes).map(|(watched, max_oid, whole_ms, stamp): Kept| {
                self.watched = watched;
                self.sizes.hot.max_oid = max_oid;
                self.listed_stamp = stamp;
                // a whole read's time from another process's clock: taken when it is behind
                // this one's and within the while
                let ago = whole_ms
                    .and_then(|at| u64::try_from(now_ms.checked_sub(at)?).ok())
                    .map(std::time::Duration::from_millis);
                self.whole_at = ago.and_then(|ago| std::time::Instant::now().checked_sub(ago));
                Some(crate::hash::fnv1a(bytes))
            }),
            SIZES => SizeKeeper::import(bytes, now_ms).map(|s| {
                self.sizes = s;
                None
            }),
            STRUCTURE => cached_from(bytes, std::convert::identity).map(|(c, t)| {
                self.structure = c;
                Some(t)
            }),
            LISTED => cached_from(bytes, ListedRelations::interned).map(|(c, t)| {
                self.listed = c;
                Some(t)
            }),
            SEGMENTS => self.import_segments(bytes, now_ms),
            _ => None,
        };
        match taken {
            None => false,
            Some(token) => {
                written.took(name, token);
                true
            }
        }
    }

    /// The segment statistics kept at `now_ms`, with their token.
    fn import_segments(&mut self, bytes: &[u8], now_ms: i64) -> Option<Option<u64>> {
        let (from, at_ms, segments): ([u64; 4], i64, Segments) = decode(bytes)?;
        let ago = std::time::Duration::from_millis(u64::try_from(now_ms.checked_sub(at_ms)?).ok()?);
        if ago >= super::compression::SEGMENTS_READ_EVERY {
            return None;
        }
        self.segments = Periodic::restored(segments, ago, Fingerprint::from_parts(from))?;
        let (_, at, from) = self.segments.last()?;
        Some(Some(token((at, from.parts()))))
    }
}

impl Probed {
    /// The probes as a part, unless unchanged since `written` (none kept is written too: what
    /// was kept before, a probe since found a hole or gone back, must not be taken).
    pub fn export(&self, written: &Written, out: &mut Vec<Part>) {
        if let Some(value) = encode(&self.kept()) {
            let token = Some(crate::hash::fnv1a(&value));
            if written.changed(PROBES, token) {
                out.push(Part {
                    name: PROBES,
                    token,
                    value,
                });
            }
        }
    }

    /// The probes another process wrote at `at_ms`, when `bytes` are they and not older than
    /// [`KEPT_FOR`] at `now_ms`.
    pub fn import(
        (at_ms, bytes): (i64, &[u8]),
        now_ms: i64,
        written: &mut Written,
    ) -> Option<Probed> {
        if !fresh(at_ms, now_ms) {
            return None;
        }
        let kept: Vec<KeptProbe> = decode(bytes)?;
        written.took(PROBES, Some(crate::hash::fnv1a(bytes)));
        Some(Probed::from_kept(kept))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::catalog::{CatalogStructure, HypertableOid};
    use crate::model::compression::SegmentStats;
    use crate::model::fixtures::{listed, t};
    use crate::model::indexes::IndexStructure;
    use crate::model::names::Name;
    use crate::model::tables::{ChunkShape, ChunkStructure, CompressionSettings};

    fn shape(id: i32, hypertable_id: i32, table: u32) -> ChunkShape {
        ChunkShape {
            id,
            hypertable_id,
            table,
            compressed: table + 1,
            range_start: -5 * i64::from(id),
            range_end: i64::MAX - i64::from(id),
            created: Some(t("2026-11-27T03:12:00Z")),
            columns: 4,
            osm: id == 3,
        }
    }

    /// Every field set, the chunks and the invalid indexes out of order (as no read keeps them).
    fn structure() -> CatalogStructure {
        let mut settings = crate::model::structure::IdMap::default();
        settings.insert(
            1,
            CompressionSettings {
                segmentby: Some("device".into()),
                orderby: None,
            },
        );
        let mut unusual = listed(900, "Odd \"schema\"", "t", "i;DROP", "a,,b");
        unusual.expressions = Some("lower(b)".into());
        unusual.predicate = Some("(a > 0)".into());
        unusual.unique = true;
        CatalogStructure {
            hypertables: vec![HypertableOid {
                oid: 10,
                id: 1,
                columns: 4,
            }],
            tables: vec![50, 51],
            chunks: ChunkStructure::new(vec![shape(1, 1, 100), shape(3, 1, 300), shape(2, 1, 200)]),
            indexes: IndexStructure {
                chunk_indexes: vec![(101, 11), (201, 11)],
                listed: vec![
                    Arc::new(listed(11, "public", "t", "t_time_idx", "time")),
                    Arc::new(unusual),
                ],
                invalid: vec![201, 101],
            },
            settings,
            revision: 0,
        }
    }

    fn catalog() -> KeptCatalog {
        let mut kept = KeptCatalog::default();
        let from = Fingerprint::of([10, 50, 51]).and_changes(Some(7));
        kept.structure.put_back(structure(), Some(from));
        let mut segments = Segments::new();
        segments.insert(
            1,
            Arc::new(SegmentStats {
                chunk: "_timescaledb_internal._hyper_1_1_chunk".into(),
                rows: 1e6,
                columns: vec![("device".into(), -0.25)],
                segmentby: vec!["device".into()],
            }),
        );
        kept.segments =
            Periodic::restored(segments, std::time::Duration::from_secs(30), from).unwrap();
        kept
    }

    fn names(parts: &[Part]) -> Vec<&str> {
        parts.iter().map(|p| p.name).collect()
    }

    #[test]
    fn what_is_kept_comes_back_as_a_read_makes_it() {
        let kept = catalog();
        let mut parts = Vec::new();
        kept.export(1_000_000, &Written::default(), &mut parts);
        assert_eq!(names(&parts), [STRUCTURE, SEGMENTS]);
        let mut back = KeptCatalog::default();
        let mut written = Written::default();
        for p in &parts {
            let part = (p.name, 999_000, p.value.as_slice());
            assert!(back.import(part, 1_000_000, &mut written), "{}", p.name);
        }
        let s = back.structure.last().unwrap();
        assert_eq!(back.structure.read_from(), kept.structure.read_from());
        assert_eq!(
            s.indexes.invalid,
            [101, 201],
            "sorted as the read sorts them"
        );
        let mut expected = structure();
        expected.indexes.invalid.sort_unstable();
        assert_eq!(*s, expected);
        assert_eq!(
            s.indexes.listed[1].oid, 900,
            "each listed index with its oid"
        );
        assert!(
            Name::ptr_eq(
                &s.indexes.listed[0].schema,
                &s.indexes.listed[0].index_schema
            ),
            "a name repeated is held once"
        );
        let ((segments, _, from), (before, _, before_from)) =
            (back.segments.last().unwrap(), kept.segments.last().unwrap());
        assert_eq!((segments, from), (before, before_from));
        // the next export finds them as they were: nothing is written again
        let mut again = Vec::new();
        back.export(1_000_500, &written, &mut again);
        assert!(again.is_empty(), "{:?}", names(&again));
    }

    #[test]
    fn a_part_is_written_again_only_when_it_changed() {
        let mut kept = catalog();
        let mut written = Written::default();
        let mut parts = Vec::new();
        kept.export(0, &written, &mut parts);
        written.wrote(&parts);
        let mut again = Vec::new();
        kept.export(0, &written, &mut again);
        assert!(again.is_empty());
        // patched in place (chunks made since, settings read again): written again, else the
        // next process would take the read it patched under a watch that saw past it
        kept.structure.last_mut().unwrap().revision += 1;
        kept.export(0, &written, &mut again);
        assert_eq!(names(&again), [STRUCTURE]);
        written.wrote(&again);
        again.clear();
        // read again from another catalog (DDL): written again
        let later = Fingerprint::of([10, 50, 51, 52]).and_changes(Some(8));
        kept.structure.put_back(structure(), Some(later));
        kept.export(0, &written, &mut again);
        assert_eq!(names(&again), [STRUCTURE]);
        // read from a catalog whose changes were not counted: nothing another process could check
        kept.structure
            .put_back(structure(), Some(Fingerprint::never()));
        let mut none = Vec::new();
        kept.export(0, &Written::default(), &mut none);
        assert_eq!(names(&none), [SEGMENTS]);
    }

    #[test]
    fn probes_without_a_hole_are_kept_and_none_kept_is_written_too() {
        let probed = Probed::from_kept(vec![(5, 1_000, 40), (6, -3, 41)]);
        let mut parts = Vec::new();
        probed.export(&Written::default(), &mut parts);
        let mut written = Written::default();
        let back = Probed::import((0, &parts[0].value), 60_000, &mut written).unwrap();
        assert_eq!(back.kept(), probed.kept());
        let mut again = Vec::new();
        back.export(&written, &mut again);
        assert!(again.is_empty(), "unchanged: not written again");
        // none left to keep (a hole found, a watermark gone back): written, empty, in its place
        Probed::default().export(&written, &mut again);
        assert_eq!(names(&again), [PROBES]);
        let none = Probed::import((0, &again[0].value), 0, &mut written).unwrap();
        assert!(none.kept().is_empty());
        // older than the hour, or from a clock set back: not taken
        let hour = KEPT_FOR.as_millis() as i64;
        assert!(Probed::import((0, &parts[0].value), hour, &mut written).is_none());
        assert!(Probed::import((10, &parts[0].value), 9, &mut written).is_none());
    }

    #[test]
    fn a_structure_older_than_the_hour_is_read_again() {
        let mut parts = Vec::new();
        catalog().export(0, &Written::default(), &mut parts);
        let bytes = parts[0].value.as_slice();
        let hour = KEPT_FOR.as_millis() as i64;
        let mut kept = KeptCatalog::default();
        let mut written = Written::default();
        assert!(!kept.import((STRUCTURE, 0, bytes), hour, &mut written));
        assert!(
            !kept.import((STRUCTURE, 5, bytes), 4, &mut written),
            "a clock set back"
        );
        assert!(kept.import((STRUCTURE, 0, bytes), hour - 1, &mut written));
        // the segment statistics by their own read's time: at most their period old
        let segments = (SEGMENTS, 0, parts[1].value.as_slice());
        let period = crate::model::compression::SEGMENTS_READ_EVERY.as_millis() as i64;
        assert!(kept.import(segments, 1, &mut written));
        assert!(!kept.import(segments, period + 1, &mut written));
    }

    /// The relations' rows, as a read makes them (through their serde form: their constructor
    /// takes the server's rows), come back equal, with each text held once.
    #[test]
    fn the_relations_rows_come_back_with_their_texts_held_once() {
        use serde_json::json;
        let named = |mut extra: serde_json::Value| {
            let fields = extra.as_object_mut().unwrap();
            fields.insert("schema".into(), json!("public"));
            fields.insert("name".into(), json!("metrics"));
            extra
        };
        let policy =
            json!({"after_interval": "7 days", "after_integer": null, "created_before": null});
        let rows: ListedRelations = serde_json::from_value(json!({
            "rows": [{
                "id": 1, "integer_time": false,
                "hypertable": [
                    named(json!({"compression_enabled": true, "time_column": "time",
                        "time_type": "timestamptz", "interval_seconds": 86400.0,
                        "interval_integer": null, "policies": ["policy_compression"]})),
                    named(json!({"enabled": true, "is_cagg": false, "materialization": null,
                        "job_id": 1000, "scheduled": true,
                        "compress_after": "7 days", "compress_after_seconds": 604800.0}))],
                "cagg_compression": null,
                "retention": named(json!({"is_cagg": false, "job_id": 1001, "scheduled": true,
                    "schedule_seconds": 86400.0, "drop_after": "7 days",
                    "drop_after_seconds": 604800.0})),
                "compress": 0, "drop": 1}],
            "policies": [policy.clone(), policy]
        }))
        .unwrap();
        let mut kept = KeptCatalog::default();
        let from = Fingerprint::of([3, 4]).whole();
        kept.listed.put_back(rows.clone(), Some(from));
        let mut parts = Vec::new();
        kept.export(0, &Written::default(), &mut parts);
        assert_eq!(names(&parts), [LISTED]);
        let mut back = KeptCatalog::default();
        assert!(back.import((LISTED, 0, &parts[0].value), 0, &mut Written::default()));
        assert_eq!(back.listed.read_from(), Some(from));
        let back = back.listed.last().unwrap();
        assert_eq!(*back, rows);
        assert_eq!(back.intervals(), ["7 days"]);
        // public, metrics, policy_compression, time, timestamptz, 7 days: each once (as
        // decoded, the schema and the name were three times each, the interval four)
        assert_eq!(rows.texts_held(), 13);
        assert_eq!(back.texts_held(), 6);
    }

    /// What another format or a damaged file holds: refused, never a panic. Bodies changed
    /// under a checksum made to match (as only a hand could) decode whole or not at all, and
    /// what they decode into is used as a read's structure would be.
    #[test]
    fn anything_else_is_refused() {
        let mut parts = Vec::new();
        catalog().export(0, &Written::default(), &mut parts);
        let good = &parts[0].value;
        let mut kept = KeptCatalog::default();
        let mut written = Written::default();
        assert!(!kept.import(("unknown", 0, good), 0, &mut written));
        let mut take = |bytes: &[u8]| kept.import((STRUCTURE, 0, bytes), 0, &mut written);
        assert!(!take(b""));
        for cut in 0..good.len() {
            assert!(!take(&good[..cut]), "cut at {cut}");
        }
        let mut other = good.clone();
        other[3] = b'8';
        assert!(!take(&other), "another format");
        let mut rng = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let x = rng.next();
            let mut bad = good.clone();
            let at = (x as usize) % bad.len();
            bad[at] ^= (x >> 32) as u8 | 1;
            assert!(!take(&bad), "byte {at}");
            let sum = crate::hash::fnv1a(&bad[TAG.len() + 8..]).to_le_bytes();
            bad[TAG.len()..TAG.len() + 8].copy_from_slice(&sum);
            let mut crafted = KeptCatalog::default();
            if crafted.import((STRUCTURE, 0, &bad), 0, &mut Written::default()) {
                let s = crafted.structure.last().unwrap();
                let slots = crate::model::sizes::RelationSlots::default();
                let sizes = slots.sizes();
                let usage = crate::model::indexes::Usage::default();
                let usage = crate::model::indexes::UsageSums::of(&s.indexes, &usage);
                let _ = crate::model::indexes::rows(&s.indexes, &usage, &sizes);
                let _ = (s.chunks.of_hypertable(1).len(), s.settings.len());
            }
        }
    }

    /// The encoding has no field names: a kept type that changes shape must change [`TAG`],
    /// or a value kept by the last build would be read into the wrong fields. This pins it.
    #[test]
    fn the_format_is_pinned_to_its_tag() {
        let mut parts = Vec::new();
        catalog().export(0, &Written::default(), &mut parts);
        let body = &parts[0].value[TAG.len() + 8..];
        assert_eq!(
            (TAG, crate::hash::fnv1a(body)),
            (b"HTK9", 0xadf4_47e4_1621_75a3),
            "the kept structure's encoding changed: bump TAG and pin the new checksum here"
        );
        // and the listed relations' rows (a cagg's columnstore among them)
        let rows: ListedRelations = serde_json::from_value(listed_sample()).unwrap();
        let mut kept = KeptCatalog::default();
        kept.listed
            .put_back(rows, Some(Fingerprint::of([3, 4]).whole()));
        let mut parts = Vec::new();
        kept.export(0, &Written::default(), &mut parts);
        let body = &parts[0].value[TAG.len() + 8..];
        assert_eq!(
            crate::hash::fnv1a(body),
            0xb65a_d623_625f_150d,
            "the listed rows' encoding changed: bump TAG and pin the new checksum here"
        );
    }

    /// A hypertable and a continuous aggregate with a columnstore, as `queries/tables.sql`
    /// rows decode (their serde form).
    fn listed_sample() -> serde_json::Value {
        use serde_json::json;
        let compression = |name: &str, is_cagg: bool| {
            json!({"schema": "public", "name": name, "enabled": true, "is_cagg": is_cagg,
                   "materialization": if is_cagg { json!(["_timescaledb_internal", "_m_2"]) } else { json!(null) },
                   "job_id": 1000, "scheduled": true, "compress_after": "7 days",
                   "compress_after_seconds": 604800.0})
        };
        json!({
            "rows": [{
                "id": 1, "integer_time": false,
                "hypertable": [
                    {"schema": "public", "name": "metrics", "compression_enabled": true,
                     "time_column": "time", "time_type": "timestamptz", "interval_seconds": 86400.0,
                     "interval_integer": null, "policies": ["policy_compression"]},
                    compression("metrics", false)],
                "cagg_compression": null, "retention": null, "compress": 0, "drop": null
            }, {
                "id": 2, "integer_time": false, "hypertable": null,
                "cagg_compression": compression("daily", true),
                "retention": null, "compress": 0, "drop": null
            }],
            "policies": [{"after_interval": "7 days", "after_integer": null, "created_before": null}]
        })
    }
}
