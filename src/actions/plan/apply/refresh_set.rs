//! A continuous aggregate's refresh policies when there are several on either side (windows side
//! by side, TimescaleDB 2.21+): each policy of the database is matched with the file's by its
//! window — the same window is the same policy, never a guess — and left, changed with
//! `alter_job`, removed by its job id, or the file's added. Undone exactly: the added removed
//! (all but the jobs the apply kept), the changed given back, the removed added again as they
//! were.

use super::*;
use crate::policy::RefreshPolicy;
use crate::releases::{self, Limit};

/// The statements for one cagg's set, each with its undo group (one per statement).
#[derive(Default)]
pub(super) struct SetPlan {
    pub steps: Vec<Step>,
    pub undo: Vec<Vec<Step>>,
    pub changes: Vec<Change>,
}

impl SetPlan {
    /// `steps`, the first undone by `undo`, the others by nothing of their own.
    fn push(&mut self, steps: Vec<Step>, undo: Vec<Step>) {
        let n = steps.len();
        self.steps.extend(steps);
        self.undo.push(undo);
        self.undo.extend((1..n).map(|_| Vec::new()));
    }
}

/// The plan for `want`, the file's refresh policies of the cagg `r` (its drift `d`), or why
/// apply cannot make it.
pub(super) fn plan_refresh_set(
    facts: &ApplyFacts,
    d: &Drift,
    r: &Relation,
    want: &[&RefreshPolicy],
) -> Result<SetPlan, String> {
    let ts = facts.ts.as_str();
    let vars = [("ts", ts)];
    let version = facts.version.as_str();
    let have = facts
        .refresh_jobs
        .get(&d.relation)
        .ok_or("its jobs were not found")?;
    if want.len() > 1 {
        if let Some(k) = releases::has_even_before(version, Limit::OneRefreshPolicy) {
            return Err(k.refusal(
                version,
                "give a continuous aggregate a second refresh policy",
            ));
        }
        if facts.hierarchical.contains(&d.relation) {
            if let Some(k) = releases::has_even_before(version, Limit::HierarchicalOneRefreshPolicy)
            {
                return Err(k.refusal(
                    version,
                    "give a continuous aggregate on another one several refresh policies",
                ));
            }
        }
    }
    let windows = (want.iter().copied())
        .chain(have.iter().map(|(_, p)| p))
        .map(|p| interval_or_open(&p.start_offset).zip(interval_or_open(&p.end_offset)));
    if windows.clone().any(|w| w.is_none()) {
        return Err("integer offsets are added with SQL, not by apply".into());
    }
    let mut plan = SetPlan::default();
    let mut kept: Vec<i32> = Vec::new();
    let (mut removed, mut changed) = (Vec::new(), Vec::new());
    for (id, h) in have {
        let prev = facts.jobs.get(id).ok_or("its jobs were not found")?;
        match want.iter().find(|w| w.same_window(h)) {
            Some(w) if *w == h => kept.push(*id),
            Some(w) => {
                kept.push(*id);
                changed.push((prev, *w));
            }
            None => removed.push(prev),
        }
    }
    if !changed.is_empty() && facts.hierarchical.contains(&d.relation) {
        if let Some(k) = releases::has(version, Limit::HierarchicalRefreshFrozen) {
            return Err(k.refusal(
                version,
                "change a refresh policy of a continuous aggregate on another one (alter_job)",
            ));
        }
    }
    // removed first: TimescaleDB refuses a new policy whose window overlaps one still there
    for prev in removed {
        let (start, end) = (
            config_str(prev, "start_offset"),
            config_str(prev, "end_offset"),
        );
        let [initial_start, timezone] = fixed_schedule(prev);
        let mut remove = Step::new(
            format!(
                "remove the refresh policy of {} over {} (job {})",
                r.shown(),
                window(start.as_deref(), end.as_deref()),
                prev.job_id
            ),
            Template::DeleteRefreshPolicy,
            &vars,
            vec![
                text(prev.job_id.to_string()),
                text(&r.schema),
                text(&r.name),
            ],
        );
        remove.expect_true = Some(format!(
            "not run: job {} is no longer a refresh policy of {} (removed or changed since the preview)",
            prev.job_id,
            r.shown()
        ));
        plan.push(
            vec![remove],
            as_owner(
                prev,
                vec![Step::new(
                    format!(
                        "re-add the refresh policy of {} over {} as it was",
                        r.shown(),
                        window(start.as_deref(), end.as_deref())
                    ),
                    Template::ReaddRefreshPolicy,
                    &vars,
                    vec![
                        text(r.regclass()),
                        start.clone(),
                        end.clone(),
                        text(&prev.schedule_interval),
                        initial_start,
                        timezone,
                        text(&prev.max_runtime),
                        text(prev.max_retries.to_string()),
                        text(&prev.retry_period),
                        text(prev.scheduled.to_string()),
                        prev.config.as_ref().map(|c| c.to_string()),
                    ],
                )],
            ),
        );
        plan.changes.push(Change::Job(prev.job_id));
    }
    for (prev, w) in changed {
        if let Some(why) = super::super::batching::Batching::of(w).refused(facts.refresh_batching) {
            return Err(why.into());
        }
        let zone = timezone_kept(facts.alter_job_clears_timezone, prev);
        let keys = RefreshPolicy::KEYS;
        let change = JobChange {
            schedule: true,
            scheduled: true,
            config_keys: keys,
        };
        let config = w.config(prev.config.as_ref().unwrap_or(&serde_json::Value::Null));
        plan.push(
            alter_job(
                ts,
                format!(
                    "change the refresh policy of {} over {} (job {})",
                    r.shown(),
                    shown_window(w),
                    prev.job_id
                ),
                prev.job_id,
                Some(&w.schedule),
                Some(w.scheduled),
                Some((&config, keys)),
                zone,
            ),
            restore_altered(ts, prev, &change, zone),
        );
        plan.changes.extend(altered_settings(prev.job_id, keys));
    }
    let added: Vec<&&RefreshPolicy> = (want.iter())
        .filter(|w| !have.iter().any(|(_, h)| w.same_window(h)))
        .collect();
    for (i, w) in added.into_iter().enumerate() {
        let add = add_refresh(
            facts,
            r,
            w,
            format!(
                "add the refresh policy of {} over {}",
                r.shown(),
                shown_window(w)
            ),
        )?;
        // the first added's undo removes every one added (their ids are the server's to give)
        let undo = match i {
            0 => vec![Step::new(
                format!("remove the refresh policies added to {} again", r.shown()),
                Template::DeleteRefreshPoliciesBut,
                &vars,
                vec![
                    text(&r.schema),
                    text(&r.name),
                    text(format!(
                        "{{{}}}",
                        (kept.iter().map(i32::to_string))
                            .collect::<Vec<_>>()
                            .join(",")
                    )),
                ],
            )],
            _ => Vec::new(),
        };
        plan.push(vec![add], undo);
    }
    if !plan.steps.is_empty() {
        plan.changes.push(policy_setting(
            r,
            Part::RefreshPolicy.proc_name().unwrap_or_default(),
        ));
    }
    Ok(plan)
}

/// `[7 days, 3 days)` as the file and the server write the offsets (back from now; open: from the
/// start, up to now).
fn window(start: Option<&str>, end: Option<&str>) -> String {
    format!(
        "[{}, {})",
        start.map_or("the start".into(), |s| format!("now - {s}")),
        end.map_or("now".into(), |e| format!("now - {e}"))
    )
}

fn shown_window(p: &RefreshPolicy) -> String {
    let text = |t: &Option<crate::policy::Threshold>| t.as_ref().map(|t| t.to_string());
    window(
        text(&p.start_offset).as_deref(),
        text(&p.end_offset).as_deref(),
    )
}
