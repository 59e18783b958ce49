//! The hypertables and continuous aggregates as listed with their policies, the policies'
//! clocks, and each tab's rows built from them with the chunk totals.

use super::*;
use crate::model::chunk_activity::ChunkActivity;
use crate::model::compression::Segments;

/// A hypertable's or continuous aggregate's row of `queries/tables.sql`: what its catalog rows
/// and policies say. Kept between refreshes while the catalog's watch sees the hypertables,
/// their dimensions, the continuous aggregates and the jobs unchanged; each refresh's tab rows
/// share its definitions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListedRelation {
    id: i32,
    integer_time: bool,
    /// A hypertable's (a continuous aggregate has neither).
    hypertable: Option<(Arc<HypertableDefinition>, Arc<CompressionDefinition>)>,
    /// A continuous aggregate's columnstore, where it compresses or has a policy to.
    cagg_compression: Option<Arc<CompressionDefinition>>,
    retention: Option<Arc<RetentionDefinition>>,
    // how its policies' thresholds are found, by their place in ListedRelations::policies (a
    // relation without one holds no room for it, and all are one allocation)
    compress: Option<u32>,
    drop: Option<u32>,
}

/// How a relation's (first) compression or retention policy's threshold is found as of now:
/// now less an interval, the hypertable's integer "now" less an integer, or (by creation time)
/// now less an interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct ListedPolicy {
    after_interval: Option<Name>,
    after_integer: Option<i64>,
    created_before: Option<Name>,
}

/// A policy's columns `{prefix}_…` of a row of `queries/tables.sql`: as the tabs show it, and
/// how its threshold is found.
struct PolicyColumns {
    job_id: i32,
    scheduled: bool,
    schedule_seconds: Option<f64>,
    after: Option<Name>,
    after_seconds: Option<f64>,
    threshold: ListedPolicy,
}

impl PolicyColumns {
    /// The policy in columns `{prefix}_…` of `r`, if the relation has one.
    fn from_row(
        r: &Row,
        prefix: &str,
        names: &mut Interner,
    ) -> Result<Option<PolicyColumns>, tokio_postgres::Error> {
        let column = |c: &str| format!("{prefix}_{c}");
        let Some(job_id) = r.try_get(column("job_id").as_str())? else {
            return Ok(None);
        };
        Ok(Some(PolicyColumns {
            job_id,
            scheduled: r.try_get(column("scheduled").as_str())?,
            schedule_seconds: match prefix {
                "drop" => r.try_get(column("schedule_seconds").as_str())?,
                _ => None,
            },
            after: names.optional(r, &column("after"))?,
            after_seconds: r.try_get(column("after_seconds").as_str())?,
            threshold: ListedPolicy {
                after_interval: names.optional(r, &column("after_interval"))?,
                after_integer: r.try_get(column("after_integer").as_str())?,
                created_before: names.optional(r, &column("created_before"))?,
            },
        }))
    }
}

impl ListedRelation {
    /// Its schema and name, where a definition holds them.
    fn names(&self) -> Option<(&Name, &Name)> {
        let hypertable = self.hypertable.as_ref().map(|(h, _)| (&h.schema, &h.name));
        let cagg = self.cagg_compression.as_ref().map(|c| (&c.schema, &c.name));
        let retention = self.retention.as_ref().map(|d| (&d.schema, &d.name));
        hypertable.or(cagg).or(retention)
    }
}

impl ListedPolicy {
    /// Its thresholds as of `clock`, for the relation `id`: (upto, created); None where one
    /// cannot be known (no integer "now" for its hypertable).
    fn thresholds(&self, id: i32, clock: &PolicyClock) -> (Option<i64>, Option<DateTime<Utc>>) {
        let upto = match (&self.after_interval, self.after_integer) {
            (Some(interval), _) => clock.at(interval).map(|t| t.timestamp_micros()),
            (None, Some(n)) => clock
                .integer_nows
                .get(&id)
                .and_then(|now| now.checked_sub(n)),
            (None, None) => None,
        };
        let created = self.created_before.as_ref().and_then(|c| clock.at(c));
        (upto, created)
    }
}

/// Where the rows read by hypertable go among every row (tables_of's `place` and `total`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Places {
    /// Each row's hypertable and its place (from 0) in the whole read's order.
    pub at: Vec<(i32, usize)>,
    /// How many rows the whole read has (None: no row came back to say).
    pub total: Option<usize>,
}

impl Places {
    /// Takes in one row's place and the whole read's count.
    pub fn add_row(&mut self, r: &Row) -> Result<(), tokio_postgres::Error> {
        let (id, place, total): (i32, Option<i64>, Option<i64>) =
            (r.try_get("id")?, r.try_get("place")?, r.try_get("total")?);
        if let Some(place) = place.and_then(|p| usize::try_from(p).ok()) {
            self.at.push((id, place));
        }
        self.total = total.and_then(|t| usize::try_from(t).ok());
        Ok(())
    }

    fn of(&self, id: i32) -> Option<usize> {
        self.at.iter().find(|(i, _)| *i == id).map(|(_, at)| *at)
    }
}

/// Every row of `queries/tables.sql`, in its order (by schema and name), and their texts held
/// once (a schema or a policy's interval is one for all its rows).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListedRelations {
    rows: Vec<ListedRelation>,
    policies: Vec<ListedPolicy>,
    /// How many times it was patched since it was read or taken (not kept: a part is written
    /// again when it moves, else another process would take the rows it patched).
    #[serde(skip)]
    pub revision: u64,
}

impl ListedRelations {
    /// Takes in one row (nothing of it when any column cannot be read).
    pub fn add_row(&mut self, r: &Row, names: &mut Interner) -> Result<(), tokio_postgres::Error> {
        let compress = PolicyColumns::from_row(r, "compress", names)?;
        let drop = PolicyColumns::from_row(r, "drop", names)?;
        let (schema, name) = (names.column(r, "schema")?, names.column(r, "name")?);
        let is_cagg: bool = r.try_get("is_cagg")?;
        let compression_enabled: bool = r.try_get("compression_enabled")?;
        let interval_seconds: Option<f64> = r.try_get("interval_seconds")?;
        let materialization = (names.optional(r, "materialization_schema")?)
            .zip(names.optional(r, "materialization_name")?);
        let compression = |is_cagg| {
            Arc::new(CompressionDefinition {
                schema: schema.clone(),
                name: name.clone(),
                enabled: compression_enabled,
                is_cagg,
                materialization: materialization.clone(),
                job_id: compress.as_ref().map(|p| p.job_id),
                scheduled: compress.as_ref().map(|p| p.scheduled),
                compress_after: compress.as_ref().and_then(|p| p.after.clone()),
                compress_after_seconds: compress.as_ref().and_then(|p| p.after_seconds),
            })
        };
        let cagg_compression =
            (is_cagg && (compression_enabled || compress.is_some())).then(|| compression(true));
        let hypertable = match is_cagg {
            true => None,
            false => Some((
                Arc::new(HypertableDefinition {
                    schema: schema.clone(),
                    name: name.clone(),
                    compression_enabled,
                    time_column: names.optional(r, "time_column")?,
                    time_type: names.optional(r, "time_type")?,
                    interval_seconds,
                    interval_integer: match interval_seconds {
                        Some(_) => None,
                        None => r.try_get("interval_integer")?,
                    },
                    policies: (r.try_get::<_, Vec<&str>>("policies")?.into_iter())
                        .map(|p| names.name(p))
                        .collect(),
                    status: (r.try_get::<_, Option<Vec<&str>>>("status")?)
                        .map(|s| s.into_iter().map(|p| names.name(p)).collect()),
                }),
                compression(false),
            )),
        };
        let retention = drop.as_ref().map(|p| {
            Arc::new(RetentionDefinition {
                schema,
                name,
                is_cagg,
                job_id: p.job_id,
                scheduled: p.scheduled,
                schedule_seconds: p.schedule_seconds,
                drop_after: p.after.clone(),
                drop_after_seconds: p.after_seconds,
            })
        });
        let relation = ListedRelation {
            id: r.try_get("id")?,
            integer_time: r.try_get("integer_time")?,
            hypertable,
            cagg_compression,
            retention,
            compress: self.add_policy(compress.map(|p| p.threshold)),
            drop: self.add_policy(drop.map(|p| p.threshold)),
        };
        self.rows.push(relation);
        Ok(())
    }

    /// The same rows, their texts held once as a read holds them (what is kept on disk comes
    /// back with a copy of each text where it was written: a schema once per row and tab).
    pub fn interned(mut self) -> ListedRelations {
        let mut names = Interner::default();
        self.each_text(|n| *n = names.name(n));
        self
    }

    /// How many texts its rows hold apart (the same text twice in one place counts once).
    #[cfg(test)]
    pub fn texts_held(&self) -> usize {
        let mut held = std::collections::HashSet::new();
        // a copy's definitions are copies, their texts the same ones
        self.clone().each_text(|n| {
            held.insert(n.as_ptr());
        });
        held.len()
    }

    /// `f` on every text the rows hold.
    fn each_text(&mut self, mut f: impl FnMut(&mut Name)) {
        for p in &mut self.policies {
            p.after_interval.iter_mut().for_each(&mut f);
            p.created_before.iter_mut().for_each(&mut f);
        }
        for r in &mut self.rows {
            if let Some((h, c)) = &mut r.hypertable {
                let h = Arc::make_mut(h);
                (h.time_column.iter_mut().chain(&mut h.time_type)).for_each(&mut f);
                [&mut h.schema, &mut h.name]
                    .into_iter()
                    .chain(&mut h.policies)
                    .chain(h.status.iter_mut().flatten())
                    .for_each(&mut f);
                let c = Arc::make_mut(c);
                [&mut c.schema, &mut c.name]
                    .into_iter()
                    .chain(&mut c.compress_after)
                    .for_each(&mut f);
            }
            if let Some(c) = &mut r.cagg_compression {
                let c = Arc::make_mut(c);
                [&mut c.schema, &mut c.name]
                    .into_iter()
                    .chain(&mut c.compress_after)
                    .chain(c.materialization.iter_mut().flat_map(|(s, n)| [s, n]))
                    .for_each(&mut f);
            }
            if let Some(d) = &mut r.retention {
                let d = Arc::make_mut(d);
                [&mut d.schema, &mut d.name]
                    .into_iter()
                    .chain(&mut d.drop_after)
                    .for_each(&mut f);
            }
        }
    }

    /// Puts in `fresh`, the rows read again of the hypertables `ids`: each replaces the row kept
    /// for its hypertable; a hypertable with none now loses its own; one made, or named
    /// otherwise (the rows are in the server's order of names), goes to its place in the whole
    /// read's order (`places`). False where that cannot be (a row with no place, or the rows
    /// then not as many as the whole read's): every row is to be read then.
    pub fn patch(&mut self, fresh: ListedRelations, ids: &[i32], places: &Places) -> bool {
        let ListedRelations { rows, policies, .. } = fresh;
        let kept_as =
            |r: &ListedRelation| (self.rows.iter()).any(|k| k.id == r.id && k.names() == r.names());
        let (stay, placed): (Vec<ListedRelation>, Vec<ListedRelation>) =
            rows.into_iter().partition(kept_as);
        let Some(mut placed) = (placed.into_iter())
            .map(|r| places.of(r.id).map(|at| (at, r)))
            .collect::<Option<Vec<(usize, ListedRelation)>>>()
        else {
            return false;
        };
        // their policies after the kept ones
        let offset = self.policies.len() as u32;
        self.policies.extend(policies);
        let with_offset = |mut row: ListedRelation| {
            row.compress = row.compress.map(|p| p + offset);
            row.drop = row.drop.map(|p| p + offset);
            row
        };
        let mut stay: std::collections::HashMap<i32, ListedRelation> =
            stay.into_iter().map(|r| (r.id, r)).collect();
        // the rows of `ids` replaced where they stay, gone otherwise (dropped, or placed below)
        self.rows.retain_mut(|kept| {
            if ids.binary_search(&kept.id).is_err() {
                return true;
            }
            let Some(row) = stay.remove(&kept.id) else {
                return false;
            };
            *kept = with_offset(row);
            true
        });
        // (in the order of their places: each then lands at its own)
        placed.sort_unstable_by_key(|(at, _)| *at);
        for (at, row) in placed {
            if at > self.rows.len() {
                return false;
            }
            self.rows.insert(at, with_offset(row));
        }
        if places.total.is_some_and(|total| total != self.rows.len()) {
            return false;
        }
        self.compact_policies();
        self.revision += 1;
        true
    }

    /// Lets go of the policies no row refers to (those of rows replaced).
    fn compact_policies(&mut self) {
        let used = self
            .rows
            .iter()
            .flat_map(|r| r.compress.into_iter().chain(r.drop));
        if used.count() == self.policies.len() {
            return;
        }
        let old = std::mem::take(&mut self.policies);
        for r in &mut self.rows {
            for p in [&mut r.compress, &mut r.drop].into_iter().flatten() {
                self.policies.push(old[*p as usize].clone());
                *p = self.policies.len() as u32 - 1;
            }
        }
    }

    /// Keeps `policy`, if any, and says where.
    fn add_policy(&mut self, policy: Option<ListedPolicy>) -> Option<u32> {
        let policy = policy?;
        self.policies.push(policy);
        Some(self.policies.len() as u32 - 1)
    }

    /// The policy kept at `at`.
    fn policy(&self, at: Option<u32>) -> Option<&ListedPolicy> {
        self.policies.get(at? as usize)
    }

    /// Gives back the room grown into while reading: kept between refreshes, up to half of it
    /// would stay unused (5,250 rows grow into room for 8,192).
    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.policies.shrink_to_fit();
    }

    /// The intervals `queries/policy_times.sql` is asked to count back from now, each once.
    pub fn intervals(&self) -> Vec<&str> {
        let mut out: Vec<&str> = (self.policies.iter())
            .flat_map(|p| p.after_interval.iter().chain(p.created_before.iter()))
            .map(|i| i.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a row's time is an integer (only then may a hypertable have an integer "now").
    pub fn integer_time(&self) -> bool {
        self.rows.iter().any(|r| r.integer_time)
    }

    /// The retention jobs whose runs `queries/retention_runs.sql` is asked for.
    pub fn retention_jobs(&self) -> Vec<i32> {
        (self.rows.iter())
            .filter_map(|r| r.retention.as_ref().map(|p| p.job_id))
            .collect()
    }
}

/// What the kept rows of `queries/tables.sql` are completed with at every refresh: each policy
/// interval counted back from now (`queries/policy_times.sql`), each retention job's runs
/// (`queries/retention_runs.sql`), and the integer-time hypertables' "now".
#[derive(Debug, Default)]
pub struct PolicyClock {
    times: rustc_hash::FxHashMap<String, DateTime<Utc>>,
    runs: IdMap<i32, RetentionRuns>,
    integer_nows: IdMap<i32, i64>,
}

/// A retention job's last run, how it ended, and its next start.
#[derive(Debug, Clone, Default)]
struct RetentionRuns {
    last_run: Option<DateTime<Utc>>,
    last_run_status: Option<Name>,
    next_start: Option<DateTime<Utc>>,
}

impl PolicyClock {
    /// From the answers of `queries/policy_times.sql` and `queries/retention_runs.sql` and the
    /// integer "now"s read this refresh.
    pub fn from_rows(
        times: &[Row],
        runs: &[Row],
        nows: &crate::model::integer_now::IntegerNows,
    ) -> Result<PolicyClock, tokio_postgres::Error> {
        let mut names = Interner::default();
        Ok(PolicyClock {
            times: times
                .iter()
                .map(|r| Ok((r.try_get::<_, String>("interval")?, r.try_get("at")?)))
                .collect::<Result<_, tokio_postgres::Error>>()?,
            runs: runs
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get("job_id")?,
                        RetentionRuns {
                            last_run: r.try_get("last_run")?,
                            last_run_status: names.optional(r, "last_run_status")?,
                            next_start: r.try_get("next_start")?,
                        },
                    ))
                })
                .collect::<Result<_, tokio_postgres::Error>>()?,
            integer_nows: nows
                .ids
                .iter()
                .copied()
                .zip(nows.nows.iter().copied())
                .collect(),
        })
    }

    /// Now less `interval`, as the server counted it back.
    fn at(&self, interval: &str) -> Option<DateTime<Utc>> {
        self.times.get(interval).copied()
    }
}

/// The three tabs' rows, made from the kept rows of `queries/tables.sql` as of `clock`, each
/// relation's chunks summed and judged along `structure` with the numbers of this refresh
/// (pure). Each list is made as long as it will be and each row whole where it goes (rows made
/// apart and moved into the lists were a second copy of every row at the catalog pass's peak).
#[allow(clippy::too_many_arguments)]
pub fn build(
    relations: &ListedRelations,
    clock: &PolicyClock,
    structure: &ChunkStructure,
    roots: &Roots,
    settings: &IdMap<i32, CompressionSettings>,
    segments: Option<&Segments>,
    activity: &IdMap<i32, ChunkActivity>,
    sizes: &Sizes,
    numbers: &ChunkNumbers,
) -> Tables {
    let all = &relations.rows;
    let hypertables = all.iter().filter(|r| r.hypertable.is_some()).count();
    let compressing = hypertables + all.iter().filter(|r| r.cagg_compression.is_some()).count();
    let retention = all.iter().filter(|r| r.retention.is_some()).count();
    let mut tables = Tables {
        hypertables: Vec::with_capacity(hypertables),
        compression: Vec::with_capacity(compressing),
        retention: Vec::with_capacity(retention),
    };
    let mut written = Vec::new();
    for r in all {
        if r.hypertable.is_none() && r.cagg_compression.is_none() && r.retention.is_none() {
            continue; // a continuous aggregate without either: no tab shows its chunks
        }
        let none = (None, None);
        let thresholds = |at| {
            relations
                .policy(at)
                .map_or(none, |p| p.thresholds(r.id, clock))
        };
        let ((compress_upto, compress_created), (drop_upto, drop_created)) =
            (thresholds(r.compress), thresholds(r.drop));
        let limits = ChunkDue {
            compress_upto,
            compress_created,
            drop_upto,
            drop_created,
        };
        let t = chunk_totals(
            r.id,
            roots,
            structure,
            sizes,
            numbers,
            &limits,
            &mut written,
        );
        let range = (
            bound(t.range_start, r.integer_time, i64::MIN),
            bound(t.range_end, r.integer_time, i64::MAX),
        );
        if let Some((hypertable, _)) = &r.hypertable {
            tables.hypertables.push(Hypertable {
                definition: hypertable.clone(),
                chunks: t.chunks,
                compressed_chunks: t.compressed_chunks,
                heap_bytes: t.bytes.heap,
                index_bytes: t.bytes.index,
                toast_bytes: t.bytes.toast,
                total_bytes: t.bytes.total(),
                range_start: range.0,
                range_end: range.1,
                newest_chunk_bytes: t.newest_bytes,
                newest_chunk_end: bound(t.newest_end, r.integer_time, i64::MAX),
                median_chunk_bytes: t.median_chunk_bytes,
            });
        }
        // a hypertable's compression, or a continuous aggregate's columnstore
        let compression = (r.hypertable.as_ref().map(|(_, c)| c)).or(r.cagg_compression.as_ref());
        if let Some(compression) = compression {
            let columns = settings.get(&r.id).cloned().unwrap_or_default();
            let backlog_known = compression.compress_after.is_none()
                || limits.compress_upto.is_some()
                || limits.compress_created.is_some();
            tables.compression.push(Compression {
                definition: compression.clone(),
                segmentby: columns.segmentby,
                orderby: columns.orderby,
                chunks: t.chunks,
                compressed_chunks: t.compressed_chunks,
                // a policy whose threshold could not be computed: its backlog is unknown
                backlog_chunks: backlog_known.then_some(t.backlog_chunks),
                backlog_bytes: backlog_known.then_some(t.backlog_bytes),
                before_bytes: t.before_bytes,
                after_bytes: t.after_bytes,
                partial_chunks: t.partial_chunks,
                unordered_chunks: t.unordered_chunks,
                uncompressed_between: t.uncompressed_between,
                segments: segments.and_then(|s| s.get(&r.id)).cloned(),
                activity: activity.get(&r.id).copied(),
            });
        }
        if let Some(policy) = &r.retention {
            // a policy whose threshold could not be computed (no "now" for its integer
            // time): what it should have dropped is unknown, not zero
            let known = limits.drop_upto.is_some() || limits.drop_created.is_some();
            let runs = clock.runs.get(&policy.job_id).cloned().unwrap_or_default();
            tables.retention.push(Retention {
                definition: policy.clone(),
                chunks: t.chunks,
                oldest_start: range.0,
                overdue_chunks: known.then_some(t.overdue_chunks),
                overdue_bytes: known.then_some(t.overdue_bytes),
                last_run: runs.last_run,
                last_run_status: runs.last_run_status,
                // a paused job's next start is none, as the jobs view says
                next_start: runs.next_start.filter(|_| policy.scheduled),
            });
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Rows as tables.sql's decode: hypertables `ids` named `t{id}`, each with a compression
    /// policy whose threshold is `after`.
    fn rows(ids: &[(i32, &str, &str)]) -> ListedRelations {
        let row = |(i, (id, name, after)): (usize, &(i32, &str, &str))| {
            json!({
                "id": id, "integer_time": false,
                "hypertable": [
                    {"schema": "s", "name": name, "compression_enabled": true,
                     "time_column": "t", "time_type": "timestamptz", "interval_seconds": 86400.0,
                     "interval_integer": null, "policies": ["policy_compression"]},
                    {"schema": "s", "name": name, "enabled": true, "is_cagg": false,
                     "materialization": null, "job_id": 1000 + id, "scheduled": true,
                     "compress_after": after, "compress_after_seconds": 1.0}],
                "cagg_compression": null, "retention": null, "compress": i, "drop": null
            })
        };
        let policies: Vec<_> = (ids.iter())
            .map(|(_, _, after)| json!({"after_interval": after, "after_integer": null, "created_before": null}))
            .collect();
        serde_json::from_value(json!({
            "rows": ids.iter().enumerate().map(row).collect::<Vec<_>>(),
            "policies": policies,
        }))
        .unwrap()
    }

    fn afters(r: &ListedRelations) -> Vec<(i32, String, String)> {
        (r.rows.iter())
            .map(|row| {
                let after = r
                    .policy(row.compress)
                    .and_then(|p| p.after_interval.clone());
                (
                    row.id,
                    row.names().unwrap().1.to_string(),
                    after.unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn rows_read_again_take_their_places_and_the_rest_stay() {
        let mut kept = rows(&[(1, "a", "1 day"), (2, "b", "2 days"), (3, "c", "3 days")]);
        // 2 altered, 3 gone (its row no longer listed), 1 untouched
        assert!(kept.patch(rows(&[(2, "b", "20 days")]), &[2, 3], &Places::default()));
        assert_eq!(
            afters(&kept),
            vec![
                (1, "a".into(), "1 day".into()),
                (2, "b".into(), "20 days".into())
            ]
        );
        // the replaced row's policy let go
        assert_eq!(kept.policies.len(), 2);
        // a hypertable made, or one renamed, with no place said: not put in, nothing changed
        let before = kept.clone();
        let none = Places::default();
        assert!(!kept.patch(rows(&[(9, "z", "1 day")]), &[9], &none));
        assert!(!kept.patch(rows(&[(1, "renamed", "1 day")]), &[1], &none));
        assert_eq!(kept, before);
    }

    #[test]
    fn rows_made_or_renamed_go_to_their_places_in_the_whole_reads_order() {
        let places = |at: &[(i32, usize)], total: usize| Places {
            at: at.to_vec(),
            total: Some(total),
        };
        let mut kept = rows(&[(1, "b", "1 day"), (2, "d", "2 days"), (3, "f", "3 days")]);
        // made: 9 ("a") first, 8 ("e") between d and f
        let made = rows(&[(8, "e", "8 days"), (9, "a", "9 days")]);
        assert!(kept.patch(made, &[8, 9], &places(&[(8, 3), (9, 0)], 5)));
        assert_eq!(
            afters(&kept),
            [
                (9, "a", "9 days"),
                (1, "b", "1 day"),
                (2, "d", "2 days"),
                (8, "e", "8 days"),
                (3, "f", "3 days")
            ]
            .map(|(i, n, a)| (i, n.to_string(), a.to_string()))
        );
        // 1 renamed "g" (now last) while 3 is dropped
        let renamed = rows(&[(1, "g", "1 day")]);
        assert!(kept.patch(renamed, &[1, 3], &places(&[(1, 3)], 4)));
        let ids: Vec<i32> = kept.rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, [9, 2, 8, 1]);
        assert_eq!(kept.policies.len(), 4, "the replaced rows' policies let go");
        // a count that is not the whole read's (a row kept that the server no longer has, or
        // one missed): every row is to be read
        assert!(!kept.patch(rows(&[(7, "c", "1 day")]), &[7], &places(&[(7, 1)], 9)));
        // a place past the rows kept: the same
        let mut kept = rows(&[(1, "b", "1 day")]);
        assert!(!kept.patch(rows(&[(7, "z", "1 day")]), &[7], &places(&[(7, 5)], 6)));
    }
}
