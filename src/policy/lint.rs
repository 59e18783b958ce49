//! The lint rules: policies that work against each other (retention dropping what a cagg still
//! refreshes, dropping before compressing, windows that do not nest, …), over a file or the
//! live database. Pure.

use strum::IntoStaticStr;

use serde::Serialize;

use super::{PolicyFile, Threshold};
use crate::model::caggs::Cagg;
use crate::model::compression::Compression;
use crate::model::hypertables::Hypertable;
use crate::model::indexes::Index;
use crate::model::names::Name;
use crate::model::retention::Retention;

/// What the lint rules look at for one hypertable or cagg, with intervals in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LintRelation {
    /// `schema.name`, as the file writes it.
    pub name: String,
    /// The schema and name apart (empty for a relation only a file names), shared with the
    /// rows they come from.
    pub schema: Name,
    pub relname: Name,
    pub is_cagg: bool,
    pub has_compression_policy: bool,
    pub compress_after: Option<f64>,
    pub segmentby_empty: bool,
    pub drop_after: Option<f64>,
    pub retention_schedule: Option<f64>,
    /// A refresh policy's window: start (None: from the beginning) and end offsets.
    pub refresh: Option<(Option<f64>, Option<f64>)>,
    pub bucket: Option<f64>,
    /// A cagg's source: its hypertable, or the cagg it is built on.
    pub source: Option<String>,
    /// How far a cagg's materialized data trails now.
    pub lag: Option<f64>,
    /// Columns (not time) that used indexes on the hypertable lead with: what queries filter by.
    pub filtered_by: Vec<String>,
}

/// The lint rules, each a way policies work against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
pub enum LintRule {
    #[strum(serialize = "retention inside refresh window")]
    RetentionInsideRefreshWindow,
    #[strum(serialize = "retention before materialized")]
    RetentionBeforeMaterialized,
    #[strum(serialize = "drop before compress")]
    DropBeforeCompress,
    #[strum(serialize = "schedule longer than drop_after")]
    ScheduleLongerThanDropAfter,
    #[strum(serialize = "end_offset below bucket")]
    EndOffsetBelowBucket,
    #[strum(serialize = "windows do not nest")]
    WindowsDoNotNest,
    #[strum(serialize = "no segmentby")]
    NoSegmentby,
}

impl LintRule {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub relation: String,
    #[serde(skip)]
    pub schema: Name,
    #[serde(skip)]
    pub relname: Name,
    pub rule: LintRule,
    pub message: String,
}

/// Policies that work against each other (the same rules the overview applies to the live
/// database).
pub fn lint(relations: &[LintRelation]) -> Vec<Finding> {
    let by_name = |n: &str| relations.iter().find(|r| r.name == n);
    let s = crate::format::seconds;
    let mut out = Vec::new();
    let mut add = |r: &LintRelation, rule, message: String| {
        out.push(Finding {
            relation: r.name.clone(),
            schema: r.schema.clone(),
            relname: r.relname.clone(),
            rule,
            message,
        })
    };
    for r in relations {
        if let (Some(drop), Some(comp)) = (r.drop_after, r.compress_after) {
            if drop <= comp {
                add(r, LintRule::DropBeforeCompress, format!(
                    "drop_after {} is not longer than compress_after {}: chunks are dropped before (or as) they would be compressed",
                    s(drop), s(comp)
                ));
            }
        }
        if let (Some(drop), Some(every)) = (r.drop_after, r.retention_schedule) {
            if every > drop {
                add(r, LintRule::ScheduleLongerThanDropAfter, format!(
                    "the retention policy runs every {} but keeps only {}: data outlives drop_after by up to a schedule (it looks broken)",
                    s(every), s(drop)
                ));
            }
        }
        if let (Some((_, end)), Some(bucket)) = (r.refresh, r.bucket) {
            if end.unwrap_or(0.0) < bucket {
                add(r, LintRule::EndOffsetBelowBucket, format!(
                    "the refresh window ends {} before now, less than one {} bucket: the last bucket is refreshed while it still fills (real-time aggregation covers it better)",
                    s(end.unwrap_or(0.0)), s(bucket)
                ));
            }
        }
        if !r.is_cagg && r.has_compression_policy && r.segmentby_empty {
            if let Some(col) = r.filtered_by.first() {
                add(r, LintRule::NoSegmentby, format!(
                    "compressed without segmentby, but an index on {col} is used: queries filtering by {col} decompress whole chunks (segmentby = {col:?}?)"
                ));
            }
        }
        let (Some(source), true) = (&r.source, r.is_cagg) else {
            continue;
        };
        let Some(src) = by_name(source) else { continue };
        // The source's retention against this cagg's refresh window and materialization.
        if let Some(drop) = src.drop_after {
            match r.refresh.map(|(start, _)| start) {
                Some(start) if start.is_none_or(|st| st > drop) => add(r, LintRule::RetentionInsideRefreshWindow, format!(
                    "{source} keeps {} but this cagg's refresh window starts {} back: a refresh over dropped source data deletes the aggregates there",
                    s(drop),
                    start.map_or("from the beginning".into(), |st| format!("{} ", s(st)).trim_end().to_string())
                )),
                _ => {}
            }
            if r.lag.is_some_and(|lag| lag > drop) {
                add(r, LintRule::RetentionBeforeMaterialized, format!(
                    "{source} keeps {} but this cagg's materialized data ends {} ago: data is dropped before it is aggregated",
                    s(drop), s(r.lag.unwrap_or(0.0))
                ));
            }
        }
        // A cagg on a cagg: its window must end where the parent's materialized data is.
        if src.is_cagg {
            if let (Some((_, end)), Some((_, parent_end))) = (r.refresh, src.refresh) {
                if end.unwrap_or(0.0) < parent_end.unwrap_or(0.0) {
                    add(r, LintRule::WindowsDoNotNest, format!(
                        "its refresh window ends {} back but {source}'s ends {} back: it aggregates what its parent has not materialized yet",
                        s(end.unwrap_or(0.0)), s(parent_end.unwrap_or(0.0))
                    ));
                }
            }
        }
    }
    out
}

/// What the live database's screens read, as the lint rules need it (a list not read yet is
/// empty).
#[derive(Default, Clone, Copy)]
pub struct Live<'a> {
    pub hypertables: &'a [Hypertable],
    pub compression: &'a [Compression],
    pub retention: &'a [Retention],
    pub caggs: &'a [Cagg],
    pub indexes: &'a [Index],
}

/// The lint view of a live database's policies: one entry a relation, in the order of
/// `schema.name` (a relation listed twice keeps its first row's).
pub fn lint_relations(d: Live) -> Vec<LintRelation> {
    use crate::format::{interval_seconds, qualified_escaped as qualified};
    // A list sorted once and searched, not a map: the entries in a map, the list made from it and a
    // map of their time columns were held at once at the console's peak. Each name is written once,
    // as the entry's; the schema and name apart are the rows' own, a cagg's made here.
    fn new(schema: &Name, name: &Name) -> LintRelation {
        LintRelation {
            name: qualified(schema, name),
            schema: schema.clone(),
            relname: name.clone(),
            ..LintRelation::default()
        }
    }
    fn sort(out: &mut Vec<LintRelation>) {
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out.dedup_by(|later, first| later.name == first.name);
    }
    fn find(out: &[LintRelation], schema: &str, name: &str) -> Option<usize> {
        let key = qualified(schema, name);
        out.binary_search_by(|e| e.name.cmp(&key)).ok()
    }
    let mut out = Vec::with_capacity(d.compression.len() + d.caggs.len());
    for c in d.compression {
        let mut e = new(&c.schema, &c.name);
        e.has_compression_policy = c.job_id.is_some();
        e.compress_after = c.compress_after_seconds;
        e.segmentby_empty = c.segmentby.as_deref().is_none_or(str::is_empty);
        out.push(e);
    }
    for c in d.caggs {
        let mut e = new(&c.schema.as_str().into(), &c.name.as_str().into());
        e.is_cagg = true;
        e.source = Some(c.source());
        e.bucket = c.bucket_width.as_deref().and_then(interval_seconds);
        e.lag = c.lag_seconds;
        // the window its policies cover together: from the oldest start (none: from the
        // beginning) to the end of the one judging its lag, the nearest now
        e.refresh = c.refresh_policy.as_ref().map(|p| {
            let starts = std::iter::once(p).chain(&c.other_refresh_policies);
            let start = starts
                .map(|q| q.start_offset.as_deref().and_then(interval_seconds))
                .try_fold(f64::MIN, |oldest, st| st.map(|st| oldest.max(st)));
            (start, p.end_offset_seconds)
        });
        out.push(e);
    }
    sort(&mut out);
    // a retention policy's relation is one of those, but for a cagg not read yet
    let mut others = Vec::new();
    for r in d.retention {
        let e = match find(&out, &r.schema, &r.name) {
            Some(at) => &mut out[at],
            None => {
                others.push(new(&r.schema, &r.name));
                others.last_mut().expect("just pushed")
            }
        };
        e.is_cagg |= r.is_cagg;
        e.drop_after = r.drop_after_seconds;
        e.retention_schedule = r.schedule_seconds;
    }
    if !others.is_empty() {
        out.append(&mut others);
        sort(&mut out);
    }
    // each hypertable's time column, by its entry's place
    let mut time: Vec<Option<&str>> = vec![None; out.len()];
    for h in d.hypertables {
        if let (Some(column), Some(at)) = (&h.time_column, find(&out, &h.schema, &h.name)) {
            time[at] = Some(column);
        }
    }
    for i in d.indexes {
        let lead = i.key_columns.split(',').next().unwrap_or_default().trim();
        if !i.on_hypertable || i.scans == 0 || lead.is_empty() {
            continue;
        }
        let Some(at) = find(&out, &i.schema, &i.table) else {
            continue;
        };
        // The time column leads most indexes; an unknown time column tells nothing either.
        if time[at].is_none_or(|t| t == lead) {
            continue;
        }
        let e = &mut out[at];
        if !e.filtered_by.iter().any(|f| f == lead) {
            e.filtered_by.push(lead.to_string());
        }
    }
    out
}

/// The lint view of a policy file over the live database's structure (which cagg is on what,
/// buckets, lag, index use): the file's policies replace the database's.
pub fn lint_file(file: &PolicyFile, live: &[LintRelation]) -> Vec<LintRelation> {
    use crate::format::interval_seconds;
    let secs = |t: &Option<Threshold>| {
        t.as_ref()
            .and_then(Threshold::interval)
            .and_then(interval_seconds)
    };
    let mut out = Vec::new();
    for (is_cagg, map) in [(false, &file.hypertables), (true, &file.caggs)] {
        for (name, rel) in map {
            let base = live
                .iter()
                .find(|l| &l.name == name)
                .cloned()
                .unwrap_or_default();
            out.push(LintRelation {
                name: name.clone(),
                is_cagg,
                has_compression_policy: rel.compression_policy.is_some(),
                compress_after: rel.compression_policy.as_ref().and_then(|p| secs(&p.after)),
                segmentby_empty: rel
                    .compression
                    .as_ref()
                    .is_none_or(|c| c.segmentby.is_empty()),
                drop_after: rel.retention_policy.as_ref().and_then(|p| secs(&p.after)),
                retention_schedule: rel
                    .retention_policy
                    .as_ref()
                    .and_then(|p| interval_seconds(&p.schedule)),
                // several policies: the window they cover together, from the oldest start
                // (none: from the beginning) to the end nearest now (none: now)
                refresh: {
                    let all = rel.refresh_all();
                    (!all.is_empty()).then(|| {
                        let start = (all.iter())
                            .map(|p| secs(&p.start_offset))
                            .try_fold(f64::MIN, |oldest, st| st.map(|st| oldest.max(st)));
                        let end = (all.iter())
                            .map(|p| secs(&p.end_offset))
                            .min_by(|a, b| a.unwrap_or(0.0).total_cmp(&b.unwrap_or(0.0)))
                            .flatten();
                        (start, end)
                    })
                },
                ..base
            });
        }
    }
    // Relations the file does not name keep their live policies (a source cagg, say).
    for l in live {
        if !out.iter().any(|o| o.name == l.name) {
            out.push(l.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lint_rule_fires_on_its_case_and_not_on_a_sound_setup() {
        let day = 86_400.0;
        let ht = |name: &str| LintRelation {
            name: name.into(),
            ..LintRelation::default()
        };
        let mut raw = ht("scn.raw");
        raw.drop_after = Some(7.0 * day);
        raw.compress_after = Some(14.0 * day);
        raw.retention_schedule = Some(10.0 * day);
        raw.has_compression_policy = true;
        raw.segmentby_empty = true;
        raw.filtered_by = vec!["device".into()];
        let mut hourly = ht("scn.hourly");
        hourly.is_cagg = true;
        hourly.source = Some("scn.raw".into());
        hourly.bucket = Some(3600.0);
        hourly.refresh = Some((Some(30.0 * day), Some(1800.0)));
        hourly.lag = Some(9.0 * day);
        let mut daily = ht("scn.daily");
        daily.is_cagg = true;
        daily.source = Some("scn.hourly".into());
        daily.bucket = Some(day);
        daily.refresh = Some((Some(60.0 * day), Some(day)));
        let found = lint(&[raw, hourly, daily.clone()]);
        let rules: Vec<(&str, LintRule)> = found
            .iter()
            .map(|f| (f.relation.as_str(), f.rule))
            .collect();
        assert_eq!(
            rules,
            [
                ("scn.raw", LintRule::DropBeforeCompress),
                ("scn.raw", LintRule::ScheduleLongerThanDropAfter),
                ("scn.raw", LintRule::NoSegmentby),
                ("scn.hourly", LintRule::EndOffsetBelowBucket),
                ("scn.hourly", LintRule::RetentionInsideRefreshWindow),
                ("scn.hourly", LintRule::RetentionBeforeMaterialized),
            ]
        );
        // Nesting: a child whose window ends nearer now than its parent's.
        let mut parent = daily.clone();
        parent.name = "scn.parent".into();
        parent.source = Some("scn.elsewhere".into());
        parent.refresh = Some((None, Some(2.0 * day)));
        let mut child = daily;
        child.source = Some("scn.parent".into());
        let found = lint(&[parent, child]);
        assert!(
            found.iter().any(|f| f.rule == LintRule::WindowsDoNotNest),
            "{found:?}"
        );
        // Sound: nothing.
        let mut good = ht("scn.good");
        good.drop_after = Some(90.0 * day);
        good.compress_after = Some(7.0 * day);
        good.retention_schedule = Some(day);
        let mut agg = ht("scn.good_1h");
        agg.is_cagg = true;
        agg.source = Some("scn.good".into());
        agg.bucket = Some(3600.0);
        agg.refresh = Some((Some(3.0 * day), Some(3600.0)));
        agg.lag = Some(3600.0);
        assert!(lint(&[good, agg]).is_empty());
    }

    /// A cagg's refresh policies side by side: the window they cover together starts at the
    /// oldest start and ends where the one judging the lag ends.
    #[test]
    fn a_caggs_refresh_policies_side_by_side_make_one_window() {
        use crate::model::fixtures as fx;
        let mut cagg = fx::cagg("mid_1h", None, "2026-11-21T11:00:00Z", 60.0);
        let judge = cagg.refresh_policy.clone().unwrap();
        let older = |start: Option<&str>, end: &str| crate::model::caggs::RefreshJob {
            job_id: 2000,
            start_offset: start.map(String::from),
            end_offset: Some(end.into()),
            ..judge.clone()
        };
        cagg.other_refresh_policies = vec![older(Some("7 days"), "3 days")];
        let caggs = [cagg.clone()];
        let live = Live {
            caggs: &caggs,
            ..Live::default()
        };
        let got = lint_relations(live);
        assert_eq!(got[0].refresh, Some((Some(7.0 * 86_400.0), Some(3600.0))));
        // one from the beginning: the window has no start
        cagg.other_refresh_policies.push(older(None, "7 days"));
        let caggs = [cagg];
        let got = lint_relations(Live {
            caggs: &caggs,
            ..Live::default()
        });
        assert_eq!(got[0].refresh, Some((None, Some(3600.0))));
    }

    #[test]
    fn live_relations_are_listed_once_each_in_name_order_with_every_rows_part() {
        use crate::model::fixtures as fx;
        let retention = |name: &str, is_cagg: bool, days: f64| {
            let mut r = fx::retention(name, days);
            (r.is_cagg, r.job_id, r.drop_after) = (is_cagg, 1, None);
            r
        };
        let compression = [fx::compression("zeta", 0), fx::compression("alpha", 0)];
        let mut cagg = fx::cagg("mid_1h", None, "2026-11-21T11:00:00Z", 60.0);
        cagg.schema = "telemetry".into();
        // a cagg's retention while the caggs are not read: its relation comes from it alone
        let retention = [
            retention("alpha", false, 30.0),
            retention("unread_1d", true, 90.0),
            retention("mid_1h", true, 7.0),
        ];
        let caggs = [cagg];
        let live = Live {
            compression: &compression,
            retention: &retention,
            caggs: &caggs,
            ..Live::default()
        };
        let got = lint_relations(live);
        let names: Vec<&str> = got.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "telemetry.alpha",
                "telemetry.mid_1h",
                "telemetry.unread_1d",
                "telemetry.zeta"
            ]
        );
        let days = |r: &LintRelation| r.drop_after.map(|s| s / 86_400.0);
        assert_eq!(
            got.iter().map(|r| (r.is_cagg, days(r))).collect::<Vec<_>>(),
            [
                (false, Some(30.0)),
                (true, Some(7.0)),
                (true, Some(90.0)),
                (false, None)
            ]
        );
        // each part kept: the cagg's own and its retention's, the hypertable's compression
        assert_eq!((got[1].lag, got[1].source.is_some()), (Some(60.0), true));
        assert_eq!(got[0].segmentby_empty, compression[1].segmentby.is_none());
        assert_eq!(
            (&*got[2].schema, &*got[2].relname),
            ("telemetry", "unread_1d")
        );
    }

    #[test]
    fn live_rows_feed_the_rules_an_index_in_use_is_a_filter() {
        use crate::model::fixtures as fx;
        let ht = [fx::hypertable("readings", 10, 0, 1000)];
        let mut comp = fx::compression("readings", 0);
        comp.segmentby = None;
        let comp = [comp];
        let indexes = [
            fx::index("readings", "readings_time_idx", "time", 900, true),
            fx::index("readings", "readings_site_time_idx", "site,time", 40, true),
            fx::index("readings", "readings_unused_idx", "unit", 0, true),
        ];
        let live = Live {
            hypertables: &ht,
            compression: &comp,
            indexes: &indexes,
            ..Live::default()
        };
        let found = lint(&lint_relations(live));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, LintRule::NoSegmentby);
        assert!(found[0].message.contains("site"), "{}", found[0].message);
        assert_eq!(
            (&*found[0].schema, &*found[0].relname),
            ("telemetry", "readings")
        );
        // Without the time column known, an index tells nothing.
        let unknown = Live {
            hypertables: &[],
            ..live
        };
        assert!(lint(&lint_relations(unknown)).is_empty());
    }
}
