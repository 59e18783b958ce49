//! `hypertop policy apply FILE`: the drift between a policy file and the database as one plan —
//! every change's statements, each undo (run in reverse order by `rollback`), the impact of a new
//! or shorter retention — journaled as one entry.

use super::*;
pub use crate::actions::facts::ApplyFacts;
use crate::actions::Template;
use crate::policy::{Drift, DriftKind, Part, PolicyFile};

mod refresh_set;
mod thresholds;

use thresholds::*;

/// One plan for the whole drift. Drift that apply cannot make right (a relation that does not
/// exist, compression to turn off, integer or creation-time thresholds) is listed as a warning
/// and left alone.
pub fn plan_apply(
    file_name: &str,
    want: &PolicyFile,
    drift: &[Drift],
    facts: &ApplyFacts,
) -> Result<Plan, PlanError> {
    let ts = facts.ts.as_str();
    let cs = facts.columnstore;
    let vars = [("ts", ts)];
    let mut steps: Vec<Step> = Vec::new();
    // The statements undoing each step, one group per step.
    let mut undo: Vec<Vec<Step>> = Vec::new();
    let mut warnings = Vec::new();
    let mut impact = Vec::new();
    let mut changes = Vec::new();
    let mut affects = Vec::new();
    let mut changed = std::collections::BTreeSet::new();
    let mut confirm_name: Option<Confirm> = None;
    // Compression settings first: a compression policy needs compression on. Then what is
    // removed, changed and added, in that order: a version that counts a relation's policies
    // when one is added sees the old one gone.
    let mut ordered: Vec<&Drift> = drift.iter().collect();
    ordered.sort_by_key(|d| {
        let stage = match d.kind {
            _ if d.part == Part::Compression => 0,
            DriftKind::Extra => 1,
            DriftKind::Changed | DriftKind::Paused => 2,
            _ => 3,
        };
        (stage, d.relation.clone(), d.part)
    });
    for d in ordered {
        // A retention added or changed (and whether it runs): its impact is said below.
        let mut retention: Option<bool> = None;
        let skip = |why: &str| format!("not applied: {} {}: {why}", d.relation, d.part.as_str());
        if d.kind == DriftKind::NoRelation {
            warnings.push(format!(
                "not applied: {} is not in the database",
                d.relation
            ));
            continue;
        }
        let Some(r) = facts.relations.get(&d.relation) else {
            warnings.push(skip("not resolved"));
            continue;
        };
        // several refresh policies on either side: matched by window, each job by its id
        let several = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| v.is_array());
        if d.part == Part::RefreshPolicy && (several(&d.want) || several(&d.have)) {
            let all =
                (want.relation(&d.relation, d.is_cagg)).map_or_else(Vec::new, |w| w.refresh_all());
            match refresh_set::plan_refresh_set(facts, d, r, &all) {
                Ok(set) => {
                    if !set.steps.is_empty() {
                        affects.push(format!("{} {}", r.shown(), d.part.as_str()));
                        changed.insert(r.oid);
                    }
                    steps.extend(set.steps);
                    undo.extend(set.undo);
                    changes.extend(set.changes);
                }
                Err(why) => warnings.push(skip(&why)),
            }
            continue;
        }
        let target = r.target();
        let wanted = want.relation(&d.relation, d.is_cagg);
        let job = facts
            .job_of
            .get(&(d.relation.clone(), d.part))
            .and_then(|id| facts.jobs.get(id));
        let planned = steps.len();
        match (d.part, d.kind) {
            (Part::Compression, DriftKind::Extra) => {
                warnings.push(skip("compression stays on (turning it off needs every chunk decompressed; do it yourself)"));
            }
            (Part::Compression, _) => {
                let Some(c) = wanted.and_then(|w| w.compression.as_ref()) else {
                    continue;
                };
                let columns = facts
                    .columns
                    .get(&d.relation)
                    .map_or(&[][..], Vec::as_slice);
                let settings =
                    |seg: &str, ord: &str| CompressionColumns::read(seg, ord, columns, &r.shown());
                let want = match settings(&c.segmentby.join(", "), &c.orderby.join(", ")) {
                    Ok(w) => w,
                    Err(error) => {
                        return Err(PlanError::FileColumns {
                            relation: d.relation.to_string(),
                            error,
                        })
                    }
                };
                steps.push(set_compression(
                    format!("{} settings of {}", cs.noun(), r.shown()),
                    &target,
                    &want,
                    cs,
                ));
                undo.push(vec![
                    match facts.compression.get(&d.relation).cloned().flatten() {
                        Some((seg, ord)) => set_compression(
                            format!("{} settings of {} back", cs.noun(), r.shown()),
                            &target,
                            &settings(&seg, &ord).map_err(|error| PlanError::CurrentColumns {
                                relation: d.relation.to_string(),
                                error,
                            })?,
                            cs,
                        ),
                        None => Step::on_object(
                            format!("{} of {} off again", cs.noun(), r.shown()),
                            cs.unset(),
                            &[],
                            &target,
                        ),
                    },
                ]);
                changes.push(Change::CompressionSettings(r.oid));
            }
            (part, DriftKind::Extra) => {
                let Some(prev) = job else {
                    warnings.push(skip("its job was not found"));
                    continue;
                };
                let (remove, add) = match part {
                    Part::CompressionPolicy | Part::RetentionPolicy => {
                        // Re-added as it was: its threshold (interval, integer or by creation
                        // time) from its config; restore_policy then gives back the rest.
                        let kind = ThresholdKind::of(part, cs);
                        let config = prev.config.clone().unwrap_or_default();
                        let was = crate::policy::ThresholdPolicy {
                            after: config
                                .get(kind.after)
                                .and_then(crate::policy::Threshold::from_json),
                            created_before: config
                                .get(kind.created)
                                .and_then(|v| v.as_str().map(String::from)),
                            schedule: prev.schedule_interval.clone(),
                            scheduled: prev.scheduled,
                        };
                        let add = match add_threshold_policy(
                            ts,
                            kind,
                            r,
                            &was,
                            facts.created_before.contains(&part),
                        ) {
                            Ok(step) => step,
                            Err(why) => {
                                warnings.push(skip(&format!(
                                    "it could not be re-added by rollback: {why}"
                                )));
                                continue;
                            }
                        };
                        (kind.remove, add)
                    }
                    Part::RefreshPolicy => (
                        Template::RemoveRefreshPolicy,
                        vec![Step::new(
                            format!("re-add the refresh policy on {}", r.shown()),
                            Template::AddRefreshPolicy,
                            &vars,
                            vec![
                                text(r.regclass()),
                                config_str(prev, "start_offset"),
                                config_str(prev, "end_offset"),
                                text(&prev.schedule_interval),
                                text("true"),
                            ]
                            .into_iter()
                            .chain(fixed_schedule(prev))
                            .collect(),
                        )],
                    ),
                    Part::ReorderPolicy => (
                        Template::RemoveReorderPolicy,
                        vec![Step::new(
                            format!("re-add the reorder policy on {}", r.shown()),
                            Template::ApplyAddReorderPolicy,
                            &vars,
                            vec![
                                text(r.regclass()),
                                config_str(prev, "index_name"),
                                text(&prev.schedule_interval),
                                text(prev.scheduled.to_string()),
                            ],
                        )],
                    ),
                    Part::CompactionPolicy if d.is_cagg => {
                        warnings.push(skip(CAGG_COMPACTION));
                        continue;
                    }
                    Part::CompactionPolicy => (
                        Template::RemoveCompactionPolicy,
                        vec![Step::new(
                            format!("re-add the compaction policy on {}", r.shown()),
                            Template::AddCompactionPolicy,
                            &vars,
                            vec![
                                text(r.regclass()),
                                text(&prev.schedule_interval),
                                text("true"),
                            ]
                            .into_iter()
                            .chain(fixed_schedule(prev))
                            .collect(),
                        )],
                    ),
                    Part::Compression => continue,
                };
                steps.push(Step::new(
                    format!("remove the {} of {}", part.as_str(), r.shown()),
                    remove,
                    &vars,
                    vec![text(r.regclass())],
                ));
                undo.push(readd_policy(
                    ts,
                    r,
                    prev,
                    add,
                    facts.alter_job_clears_timezone,
                ));
                changes.push(policy_setting(r, &prev.proc_name));
                changes.push(Change::Job(prev.job_id));
            }
            (part, DriftKind::Missing) => {
                let Some(w) = wanted else { continue };
                let (step, remove) = match part {
                    Part::CompressionPolicy | Part::RetentionPolicy => {
                        let kind = ThresholdKind::of(part, cs);
                        let Some(p) = w.threshold_policy(part) else {
                            continue;
                        };
                        let step = match add_threshold_policy(
                            ts,
                            kind,
                            r,
                            p,
                            facts.created_before.contains(&part),
                        ) {
                            Ok(step) => step,
                            Err(why) => {
                                warnings.push(skip(&why.to_string()));
                                continue;
                            }
                        };
                        if part == Part::RetentionPolicy {
                            retention = Some(p.scheduled);
                        }
                        (step, kind.remove)
                    }
                    Part::RefreshPolicy => {
                        let Some(p) = &w.refresh_policy else { continue };
                        let label = format!("add the refresh policy on {}", r.shown());
                        match add_refresh(facts, r, p, label) {
                            Ok(step) => (vec![step], Template::RemoveRefreshPolicy),
                            Err(why) => {
                                warnings.push(skip(&why));
                                continue;
                            }
                        }
                    }
                    Part::ReorderPolicy => {
                        let Some(p) = &w.reorder_policy else { continue };
                        (
                            vec![Step::new(
                                format!("add the reorder policy on {}", r.shown()),
                                Template::ApplyAddReorderPolicy,
                                &vars,
                                vec![
                                    text(r.regclass()),
                                    text(&p.index),
                                    text(&p.schedule),
                                    text(p.scheduled.to_string()),
                                ],
                            )],
                            Template::RemoveReorderPolicy,
                        )
                    }
                    Part::CompactionPolicy if d.is_cagg => {
                        warnings.push(skip(CAGG_COMPACTION));
                        continue;
                    }
                    Part::CompactionPolicy => {
                        let Some(p) = &w.compaction_policy else {
                            continue;
                        };
                        if !facts.compaction_policy {
                            warnings.push(skip(
                                "a compaction policy needs TimescaleDB's add_compaction_policy (2.29 or later)",
                            ));
                            continue;
                        }
                        let number = |n: Option<i64>| n.map(|n| n.to_string());
                        (
                            vec![Step::new(
                                format!("add the compaction policy on {}", r.shown()),
                                Template::ApplyAddCompactionPolicy,
                                &vars,
                                vec![
                                    text(r.regclass()),
                                    number(p.max_chunks),
                                    number(p.max_batches),
                                    p.inactive_for.clone(),
                                    text(&p.schedule),
                                    text(p.scheduled.to_string()),
                                ],
                            )],
                            Template::RemoveCompactionPolicy,
                        )
                    }
                    Part::Compression => continue,
                };
                // one undo group a step: the first removes what they added
                let n = step.len();
                steps.extend(step);
                undo.push(vec![Step::new(
                    format!("remove the {} of {} again", part.as_str(), r.shown()),
                    remove,
                    &vars,
                    vec![text(r.regclass())],
                )]);
                undo.extend((1..n).map(|_| Vec::new()));
                changes.push(policy_setting(r, part.proc_name().unwrap_or_default()));
            }
            (part, DriftKind::Changed | DriftKind::Paused) => {
                let (Some(w), Some(prev)) = (wanted, job) else {
                    warnings.push(skip("its job was not found"));
                    continue;
                };
                if let Some(known) = frozen_refresh(facts, d) {
                    // alter_job is refused: a policy that stays scheduled is removed and
                    // added again with its new window and schedule; none can be paused
                    let Some(p) = w.refresh_policy.as_ref().filter(|p| p.scheduled) else {
                        warnings.push(skip(&known.refusal(
                            &facts.version,
                            "pause a refresh policy of a continuous aggregate on another one",
                        )));
                        continue;
                    };
                    // as it was: its window, schedule and batching, scheduled
                    let was = crate::policy::RefreshPolicy::from_config(
                        prev.config.as_ref().unwrap_or(&serde_json::Value::Null),
                        &prev.schedule_interval,
                        true,
                    );
                    let (add, readd) = match (
                        add_refresh(
                            facts,
                            r,
                            p,
                            format!("add the refresh policy on {} as the file has it", r.shown()),
                        ),
                        add_refresh(
                            facts,
                            r,
                            &was,
                            format!("re-add the refresh policy on {}", r.shown()),
                        ),
                    ) {
                        (Ok(add), Ok(readd)) => (add, readd),
                        (Err(why), _) | (_, Err(why)) => {
                            warnings.push(skip(&why));
                            continue;
                        }
                    };
                    let remove = |label: String| {
                        Step::new(
                            label,
                            Template::RemoveRefreshPolicy,
                            &vars,
                            vec![text(r.regclass())],
                        )
                    };
                    steps.push(remove(format!(
                        "remove the refresh policy of {} (to add it again: this TimescaleDB refuses alter_job on it)",
                        r.shown()
                    )));
                    undo.push(vec![readd]);
                    steps.push(add);
                    undo.push(vec![remove(format!(
                        "remove the refresh policy of {} again",
                        r.shown()
                    ))]);
                    if !prev.scheduled {
                        warnings.push(format!(
                            "{}: the rollback re-adds its policy scheduled, not paused as it was: {}",
                            r.shown(),
                            known.refusal(&facts.version, "pause it")
                        ));
                    }
                    changes.push(policy_setting(r, &prev.proc_name));
                    changes.push(Change::Job(prev.job_id));
                    affects.push(format!("{} {}", r.shown(), d.part.as_str()));
                    changed.insert(r.oid);
                    continue;
                }
                let base = prev.config.clone().unwrap_or(serde_json::Value::Null);
                let (config, schedule, scheduled, keys): (serde_json::Value, &str, bool, &[&str]) =
                    match part {
                        Part::CompressionPolicy | Part::RetentionPolicy => {
                            let kind = ThresholdKind::of(part, cs);
                            let Some(p) = w.threshold_policy(part) else {
                                continue;
                            };
                            if p.created_before.is_some() && !facts.created_before.contains(&part) {
                                warnings.push(skip(NO_CREATED_BEFORE));
                                continue;
                            }
                            if part == Part::RetentionPolicy {
                                retention = Some(p.scheduled);
                            }
                            (
                                p.config(kind.after, kind.created, &base),
                                &p.schedule,
                                p.scheduled,
                                kind.keys,
                            )
                        }
                        Part::RefreshPolicy => {
                            let Some(p) = &w.refresh_policy else { continue };
                            let batching = super::batching::Batching::of(p);
                            if let Some(why) = batching.refused(facts.refresh_batching) {
                                warnings.push(skip(why));
                                continue;
                            }
                            (
                                p.config(&base),
                                &p.schedule,
                                p.scheduled,
                                crate::policy::RefreshPolicy::KEYS,
                            )
                        }
                        Part::ReorderPolicy => {
                            let Some(p) = &w.reorder_policy else { continue };
                            let mut c = base.clone();
                            if let Some(map) = c.as_object_mut() {
                                map.insert("index_name".into(), serde_json::json!(p.index));
                            }
                            (c, &p.schedule, p.scheduled, &["index_name"])
                        }
                        Part::CompactionPolicy => {
                            let Some(p) = &w.compaction_policy else {
                                continue;
                            };
                            (
                                p.config(&base),
                                &p.schedule,
                                p.scheduled,
                                crate::policy::CompactionPolicy::KEYS,
                            )
                        }
                        Part::Compression => continue,
                    };
                let zone = super::timezone_kept(facts.alter_job_clears_timezone, prev);
                steps.extend(alter_job(
                    ts,
                    format!(
                        "change the {} of {} (job {})",
                        part.as_str(),
                        r.shown(),
                        prev.job_id
                    ),
                    prev.job_id,
                    Some(schedule),
                    Some(scheduled),
                    Some((&config, keys)),
                    zone,
                ));
                let change = JobChange {
                    schedule: true,
                    scheduled: true,
                    config_keys: keys,
                };
                undo.push(restore_altered(ts, prev, &change, zone));
                // one undo group a step: the time zone kept (a second step) has none of its own
                undo.extend(zone.map(|_| Vec::new()));
                changes.extend(altered_settings(prev.job_id, keys));
            }
            (_, DriftKind::NoRelation) => {}
        }
        // What is changed, not what was only warned about.
        if steps.len() > planned {
            affects.push(format!("{} {}", r.shown(), d.part.as_str()));
            changed.insert(r.oid);
        }
        if let Some(scheduled) = retention {
            note_impact(
                &mut impact,
                &mut warnings,
                &mut confirm_name,
                r,
                facts.impact.get(&d.relation),
                scheduled,
            );
        }
    }
    if steps.is_empty() {
        return Err(match warnings.is_empty() {
            true => PlanError::NothingToDo(Nothing::PoliciesAsInFile),
            false => PlanError::NothingApplyCanDo { warnings },
        });
    }
    let mut p = Plan::new(
        format!("policy apply {file_name}"),
        format!(
            "make the database's policies those of {file_name}: {} change(s) to {} relation(s)",
            steps.len(),
            changed.len()
        ),
        affects,
        LOCKS_CATALOG,
    );
    if steps.iter().any(|s| s.guard.is_some()) {
        p.locks = "TimescaleDB catalog rows; changing compression settings takes an AccessExclusiveLock on the hypertable briefly".into();
    }
    p.steps = steps;
    // Catalog changes only: one transaction, so a refusal at any step leaves the database as it
    // was.
    p.atomic = true;
    p.inverse_groups = undo.iter().map(Vec::len).collect();
    p.inverse = Some(undo.into_iter().flatten().collect());
    p.restores = Some(format!(
        "the policies of {} relation(s) as they were before",
        changed.len()
    ));
    p.changes = changes;
    p.warnings = warnings;
    p.impact = impact;
    if let Some(confirm) = confirm_name {
        p.confirm = confirm;
    }
    Ok(p)
}

/// A new or shorter retention: what its first run drops, said before anyone says yes.
fn note_impact(
    impact: &mut Vec<String>,
    warnings: &mut Vec<String>,
    confirm: &mut Option<Confirm>,
    r: &Relation,
    i: Option<&Impact>,
    scheduled: bool,
) {
    let Some(i) = i else { return };
    if i.integer_time {
        return;
    }
    impact.push(format!(
        "the retention of {} drops {}",
        r.shown(),
        i.describe()
    ));
    if i.chunks > 0 {
        warnings.push(format!(
            "{} chunks of {} and their data will be gone ({}) {}: type its name to confirm",
            i.chunks,
            r.shown(),
            crate::format::bytes(i.bytes),
            if scheduled {
                "when the policy next runs (a new one: one schedule from now)"
            } else {
                "once the policy is resumed (the file keeps it paused)"
            }
        ));
        confirm.get_or_insert_with(|| r.confirm_by_name());
    }
}

/// What this server's release is known to refuse of `drift` (said by `policy diff` before any
/// apply): refresh policies of continuous aggregates on another one that cannot be paused, or
/// are changed by adding them again.
pub fn version_notes(
    want: &PolicyFile,
    drift: &[Drift],
    hierarchical: &std::collections::BTreeSet<String>,
    version: &str,
) -> Vec<String> {
    let facts = ApplyFacts {
        hierarchical: hierarchical.clone(),
        version: version.to_string(),
        ..ApplyFacts::default()
    };
    drift
        .iter()
        .filter(|d| matches!(d.kind, DriftKind::Changed | DriftKind::Paused))
        .filter_map(|d| {
            let known = frozen_refresh(&facts, d)?;
            // several on either side: the set's plan refuses their alter_job
            let several = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| v.is_array());
            if several(&d.want) || several(&d.have) {
                return Some(format!(
                    "{}: not applicable here: {}",
                    d.relation,
                    known.refusal(
                        version,
                        "change a refresh policy of a continuous aggregate on another one (alter_job)"
                    )
                ));
            }
            let wanted = want
                .relation(&d.relation, d.is_cagg)
                .and_then(|w| w.refresh_policy.as_ref());
            Some(match wanted.is_some_and(|p| p.scheduled) {
                true => format!(
                    "{}: apply removes its refresh policy and adds it again with the file's window and schedule: {}",
                    d.relation,
                    known.refusal(version, "change it with alter_job")
                ),
                false => format!(
                    "{}: not applicable here: {}",
                    d.relation,
                    known.refusal(
                        version,
                        "pause a refresh policy of a continuous aggregate on another one"
                    )
                ),
            })
        })
        .collect()
}

/// A refresh policy of a continuous aggregate on another one, on a release that refuses
/// alter_job of it: what is known of the limit.
fn frozen_refresh(facts: &ApplyFacts, d: &Drift) -> Option<&'static crate::releases::Known> {
    (d.part == Part::RefreshPolicy && facts.hierarchical.contains(&d.relation))
        .then(|| {
            crate::releases::has(
                &facts.version,
                crate::releases::Limit::HierarchicalRefreshFrozen,
            )
        })
        .flatten()
}

/// The step adding refresh policy `p` to `r` as the file has it — its batching where the server
/// takes it — or why apply cannot add it.
fn add_refresh(
    facts: &ApplyFacts,
    r: &Relation,
    p: &crate::policy::RefreshPolicy,
    label: String,
) -> Result<Step, String> {
    let (Some(start), Some(end)) = (
        interval_or_open(&p.start_offset),
        interval_or_open(&p.end_offset),
    ) else {
        return Err("integer offsets are added with SQL, not by apply".into());
    };
    super::batching::add_refresh_policy(
        label,
        &[("ts", facts.ts.as_str())],
        [
            text(r.regclass()),
            start,
            end,
            text(&p.schedule),
            text(p.scheduled.to_string()),
        ],
        &super::batching::Batching::of(p),
        facts.refresh_batching,
    )
    .map_err(String::from)
}

/// An offset as the add function takes it: an interval, or NULL for an open end; None for an
/// integer one.
fn interval_or_open(t: &Option<crate::policy::Threshold>) -> Option<Option<String>> {
    match t {
        None => Some(None),
        Some(t) => t.interval().map(|s| Some(s.to_string())),
    }
}

/// Compression settings checked against the table's columns: only names it has reach SQL.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompressionColumns {
    pub segmentby: Vec<String>,
    pub orderby: Vec<crate::actions::columns::OrderColumn>,
}

impl CompressionColumns {
    /// Both lists read as SQL reads them, every name one of `columns` (of `table`).
    pub fn read(
        segmentby: &str,
        orderby: &str,
        columns: &[String],
        table: &str,
    ) -> Result<CompressionColumns, crate::actions::columns::ColumnsError> {
        use crate::actions::columns;
        let c = CompressionColumns {
            segmentby: columns::segmentby(segmentby)?,
            orderby: columns::orderby(orderby)?,
        };
        columns::check(
            c.segmentby.iter().chain(c.orderby.iter().map(|o| &o.name)),
            columns,
            table,
        )?;
        Ok(c)
    }
}

/// Turning compression on with these settings. An empty orderby is left out: TimescaleDB then
/// chooses it (as it had on the database exported), where an empty one is refused. The lists
/// go in as literals of always-quoted names ([`crate::actions::literal`]).
pub(super) fn set_compression(
    label: String,
    target: &Object,
    want: &CompressionColumns,
    cs: super::Columnstore,
) -> Step {
    use crate::actions::columns;
    let seg = crate::actions::literal(&columns::segmentby_text(&want.segmentby));
    let ord = crate::actions::literal(&columns::orderby_text(&want.orderby));
    if want.orderby.is_empty() {
        Step::on_object(label, cs.set_segmentby(), &[("segmentby", &seg)], target)
    } else {
        Step::on_object(
            label,
            cs.set(),
            &[("segmentby", &seg), ("orderby", &ord)],
            target,
        )
    }
}

/// Why apply leaves a continuous aggregate's compaction policy to be added or removed by hand:
/// TimescaleDB's functions take its materialization, not the aggregate.
const CAGG_COMPACTION: &str = "a continuous aggregate's compaction policy is its materialization hypertable's: add_compaction_policy and remove_compaction_policy take that, not the aggregate";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Relation as FileRelation, Threshold, ThresholdPolicy};

    fn facts(created_before: bool) -> ApplyFacts {
        let mut f = ApplyFacts {
            ts: "\"public\"".into(),
            ..ApplyFacts::default()
        };
        if created_before {
            f.created_before
                .extend([Part::CompressionPolicy, Part::RetentionPolicy]);
        }
        f.relations.insert(
            "pol.counts".into(),
            Relation {
                oid: 42,
                schema: "pol".into(),
                name: "counts".into(),
                kind: RelationKind::Hypertable,
            },
        );
        f.jobs.insert(
            1000,
            JobSettings {
                job_id: 1000,
                proc_name: "policy_retention".into(),
                proc_schema: "_timescaledb_functions".into(),
                owner: None,
                scheduled: true,
                schedule_interval: "1 day".into(),
                max_runtime: "00:05:00".into(),
                max_retries: -1,
                retry_period: "00:05:00".into(),
                config: Some(serde_json::json!({"hypertable_id": 1, "drop_after": 800})),
                next_start: None,
                fixed_schedule: false,
                initial_start: None,
                timezone: None,
                owner_role: None,
            },
        );
        f.job_of
            .insert(("pol.counts".into(), Part::RetentionPolicy), 1000);
        f
    }

    fn drift(part: Part, kind: DriftKind) -> Drift {
        Drift {
            relation: "pol.counts".into(),
            is_cagg: false,
            part,
            kind,
            want: None,
            have: None,
        }
    }

    fn want(policy: ThresholdPolicy) -> PolicyFile {
        let mut file = PolicyFile::default();
        file.hypertables.insert(
            "pol.counts".into(),
            FileRelation {
                compression_policy: Some(policy),
                ..FileRelation::default()
            },
        );
        file
    }

    #[test]
    fn thresholds_of_every_type_are_added_or_said_to_be_impossible() {
        let policy = |after, created_before: Option<&str>| ThresholdPolicy {
            after,
            created_before: created_before.map(String::from),
            schedule: "1 day".into(),
            scheduled: false,
        };
        let d = [drift(Part::CompressionPolicy, DriftKind::Missing)];
        // Integer time: a bigint threshold.
        let p = plan_apply(
            "f",
            &want(policy(Some(Threshold::Integer(500)), None)),
            &d,
            &facts(true),
        )
        .unwrap();
        assert!(
            p.steps[0]
                .sql
                .contains("compress_after => $2::text::bigint"),
            "{}",
            p.steps[0].sql
        );
        assert_eq!(p.steps[0].params[1].as_deref(), Some("500"));
        // By creation time, where the server has it; a warning where it has not.
        let by_creation = want(policy(None, Some("30 days")));
        let p = plan_apply("f", &by_creation, &d, &facts(true)).unwrap();
        assert!(p.steps[0]
            .sql
            .contains("compress_created_before => $2::text::interval"));
        let refused = plan_apply("f", &by_creation, &d, &facts(false))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("no policies by creation time"),
            "{refused}"
        );
    }

    #[test]
    fn a_refresh_policys_batching_is_added_where_the_server_takes_it() {
        let mut f = facts(false);
        f.relations.get_mut("pol.counts").unwrap().kind = RelationKind::Cagg;
        let mut file = PolicyFile::default();
        file.caggs.insert(
            "pol.counts".into(),
            FileRelation {
                refresh_policy: Some(crate::policy::RefreshPolicy {
                    start_offset: Some(Threshold::Interval("7 days".into())),
                    end_offset: None,
                    schedule: "1 hour".into(),
                    scheduled: true,
                    buckets_per_batch: Some(5),
                    max_batches_per_execution: None,
                    refresh_newest_first: Some(false),
                }),
                ..FileRelation::default()
            },
        );
        let d = [Drift {
            is_cagg: true,
            ..drift(Part::RefreshPolicy, DriftKind::Missing)
        }];
        // a server without it: said, nothing added
        let refused = plan_apply("f", &file, &d, &f).unwrap_err().to_string();
        assert!(refused.contains("2.19"), "{refused}");
        // 2.19: buckets and batches, not their order; a policy without the order is added
        // by the form that does not name it (naming it failed every add there)
        f.refresh_batching = RefreshBatchingArgs {
            batches: true,
            newest_first: false,
        };
        let refused = plan_apply("f", &file, &d, &f).unwrap_err().to_string();
        assert!(refused.contains("2.20"), "{refused}");
        let mut unordered = file.clone();
        let cagg = unordered.caggs.get_mut("pol.counts").unwrap();
        cagg.refresh_policy.as_mut().unwrap().refresh_newest_first = None;
        let p = plan_apply("f", &unordered, &d, &f).unwrap();
        assert!(
            !p.steps[0].sql.contains("refresh_newest_first"),
            "{}",
            p.steps[0].sql
        );
        assert_eq!(p.steps[0].params.len(), 7);
        // none given: the add every release takes
        cagg_none(&mut unordered);
        let p = plan_apply("f", &unordered, &d, &f).unwrap();
        assert!(
            !p.steps[0].sql.contains("buckets_per_batch"),
            "{}",
            p.steps[0].sql
        );
        f.refresh_batching = RefreshBatchingArgs {
            batches: true,
            newest_first: true,
        };
        let p = plan_apply("f", &file, &d, &f).unwrap();
        assert!(p.steps[0]
            .sql
            .contains("buckets_per_batch => $6::text::int"));
        let params: Vec<Option<&str>> = p.steps[0].params[5..]
            .iter()
            .map(|p| p.as_deref())
            .collect();
        assert_eq!(params, [Some("5"), None, Some("false")]);
    }

    fn cagg_none(file: &mut PolicyFile) {
        let p = (file.caggs.get_mut("pol.counts"))
            .and_then(|c| c.refresh_policy.as_mut())
            .unwrap();
        p.buckets_per_batch = None;
        p.max_batches_per_execution = None;
        p.refresh_newest_first = None;
    }

    #[test]
    fn a_removed_policy_is_re_added_as_it_was_and_undone_step_by_step() {
        let mut file = PolicyFile::default();
        file.hypertables
            .insert("pol.counts".into(), FileRelation::default());
        let d = [drift(Part::RetentionPolicy, DriftKind::Extra)];
        let p = plan_apply("f", &file, &d, &facts(true)).unwrap();
        assert_eq!(p.steps.len(), 1);
        assert!(p.steps[0].sql.contains("remove_retention_policy"));
        // Its undo: re-added with its integer threshold, then every setting restored.
        let undo = p.undo_for(1);
        assert_eq!(undo.len(), 2, "{undo:?}");
        assert!(
            undo[0].sql.contains("drop_after => $2::text::bigint"),
            "{}",
            undo[0].sql
        );
        assert_eq!(undo[0].params[1].as_deref(), Some("800"));
        assert!(undo[1].label.contains("restore"), "{}", undo[1].label);
        // Nothing ran: nothing to undo.
        assert!(p.undo_for(0).is_empty());
    }

    #[test]
    fn what_is_only_warned_about_is_not_among_what_it_affects() {
        let integer = ThresholdPolicy {
            after: Some(Threshold::Integer(500)),
            created_before: None,
            schedule: "1 day".into(),
            scheduled: true,
        };
        let d = [
            drift(Part::Compression, DriftKind::Extra),
            drift(Part::CompressionPolicy, DriftKind::Missing),
        ];
        let p = plan_apply("f", &want(integer), &d, &facts(true)).unwrap();
        assert_eq!(p.affects, ["pol.counts compression_policy"]);
        assert!(
            p.warnings[0].contains("compression stays on"),
            "{:?}",
            p.warnings
        );
        assert!(
            p.summary.ends_with("1 change(s) to 1 relation(s)"),
            "{}",
            p.summary
        );
    }
}
