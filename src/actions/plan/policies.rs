//! Plans for policies: set or remove a compression or retention threshold, set or remove a
//! refresh policy; each undone by restoring the job as it was (or removing what was added).

use super::batching::{add_refresh_policy, whole_number, Batching};
use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// The relation and its policy a policy command is about (I/O), and what the new threshold
/// reaches.
pub(super) async fn facts(db: Reading<'_, family::Policies>) -> Result<(), ResolveError> {
    let policy = PolicyKind::of(db.cmd);
    // add-compaction-policy's inactive_for, read as the server reads an interval
    let inactive_for = match &*db.cmd {
        family::Policies::AddCompactionPolicy { inactive_for, .. } => inactive_for.clone(),
        _ => None,
    };
    let compression = matches!(db.cmd, family::Policies::SetCompressAfter { .. });
    match db.cmd {
        family::Policies::SetCompressAfter {
            hypertable: name,
            after: i,
        }
        | family::Policies::SetRetention {
            relation: name,
            after: i,
        } => {
            let kind = policy;
            let r = read::relation(db.client, db.caps, name, kind.applies_to()).await?;
            let integer = read::check_threshold(db.client, i, &r).await?;
            db.facts.integer_time = integer.is_some();
            db.facts.job = read::policy_job(db.client, db.caps, &r, kind).await?;
            if kind.applies_to().contains(&r.kind) {
                let by_creation = db
                    .facts
                    .job
                    .as_ref()
                    .is_some_and(JobSettings::by_creation_time);
                let mode = match (compression, by_creation) {
                    (true, false) => "compress",
                    (true, true) => "compress_created",
                    (false, false) => "drop",
                    (false, true) => "drop_created",
                };
                db.facts.impact =
                    Some(read::impact(db.client, &r, mode, i, integer, db.caps).await?);
                // what the policy as it is drops (or compresses) at its next run anyway
                let was = db
                    .facts
                    .job
                    .as_ref()
                    .filter(|_| !by_creation)
                    .and_then(|j| {
                        j.config
                            .as_ref()?
                            .get(kind.threshold_key())?
                            .as_str()
                            .map(String::from)
                    });
                if let Some(was) = was {
                    let was = Interval(was);
                    db.facts.impact_now =
                        Some(read::impact(db.client, &r, mode, &was, integer, db.caps).await?);
                }
            }
            db.facts.relation = Some(r);
        }
        family::Policies::AddCompactionPolicy {
            hypertable: name, ..
        }
        | family::Policies::RemoveCompactionPolicy { hypertable: name } => {
            read::needs(
                db.caps,
                db.caps
                    .timescaledb
                    .as_ref()
                    .is_some_and(|t| t.compaction_policy),
                "a compaction policy needs TimescaleDB's add_compaction_policy (2.29 or later)",
                "",
            )?;
            if let Some(i) = &inactive_for {
                read::check_interval(db.client, &mut Interval(i.clone()), true).await?;
            }
            let r = read::relation(db.client, db.caps, name, policy.applies_to()).await?;
            db.facts.job = read::policy_job(db.client, db.caps, &r, policy).await?;
            db.facts.relation = Some(r);
        }
        family::Policies::RemoveCompressionPolicy { hypertable: name }
        | family::Policies::RemoveRetentionPolicy { relation: name }
        | family::Policies::RemoveRefreshPolicy { cagg: name } => {
            let kind = policy;
            let r = read::relation(db.client, db.caps, name, kind.applies_to()).await?;
            // Its undo re-adds the policy with its threshold: a number on integer time.
            db.facts.integer_time = read::integer_now(db.client, &r).await?.is_some();
            db.facts.job = read::policy_job(db.client, db.caps, &r, kind).await?;
            db.facts.relation = Some(r);
        }
        family::Policies::SetRefreshPolicy {
            cagg,
            start_offset,
            end_offset,
            every,
            buckets_per_batch,
            max_batches_per_execution,
            refresh_newest_first,
        } => {
            // what is given, against what the server's policies take (the values are read
            // by the plan)
            let given = Batching {
                buckets_per_batch: buckets_per_batch.as_ref().map(|_| 0),
                max_batches_per_execution: max_batches_per_execution.as_ref().map(|_| 0),
                refresh_newest_first: refresh_newest_first.as_ref().map(|_| true),
            };
            if let Some(why) = given.refused(RefreshBatchingArgs::of(db.caps)) {
                read::needs(db.caps, false, why, "")?;
            }
            for i in [start_offset, end_offset] {
                read::check_interval(db.client, i, true).await?;
            }
            read::check_interval(db.client, every, false).await?;
            let r = read::relation(db.client, db.caps, cagg, &[RelationKind::Cagg]).await?;
            db.facts.job = read::policy_job(db.client, db.caps, &r, PolicyKind::Refresh).await?;
            db.facts.relation = Some(r);
        }
    }
    Ok(())
}

impl PolicyKind {
    fn object_noun(self) -> &'static str {
        match self {
            PolicyKind::Compression => "hypertable",
            PolicyKind::Retention => "hypertable or continuous aggregate",
            PolicyKind::Refresh => "continuous aggregate",
            PolicyKind::Compaction => "hypertable",
        }
    }

    fn add_sql(self, cs: super::Columnstore) -> Template {
        match self {
            PolicyKind::Compression => cs.add_policy(),
            PolicyKind::Retention => Template::AddRetentionPolicy,
            PolicyKind::Refresh => Template::AddRefreshPolicy,
            PolicyKind::Compaction => Template::AddCompactionPolicy,
        }
    }

    fn remove_sql(self, cs: super::Columnstore) -> Template {
        match self {
            PolicyKind::Compression => cs.remove_policy(),
            PolicyKind::Retention => Template::RemoveRetentionPolicy,
            PolicyKind::Refresh => Template::RemoveRefreshPolicy,
            PolicyKind::Compaction => Template::RemoveCompactionPolicy,
        }
    }
}

/// The plan for one of the policy commands.
pub(super) fn plan(cmd: &family::Policies, facts: &Facts) -> Result<Plan, PlanError> {
    let kind = PolicyKind::of(cmd);
    let r = relation(facts, kind.object_noun())?;
    expect_kind(r, kind.applies_to(), kind.object_noun())?;
    match cmd {
        family::Policies::SetCompressAfter { after, .. }
        | family::Policies::SetRetention { after, .. } => {
            let mut p = set_threshold(cmd, kind, r, facts, after);
            threshold_consequences(&mut p, r, facts, kind == PolicyKind::Retention);
            Ok(p)
        }
        family::Policies::SetRefreshPolicy {
            start_offset,
            end_offset,
            every,
            buckets_per_batch,
            max_batches_per_execution,
            refresh_newest_first,
            ..
        } => {
            let batching = Batching::read(
                buckets_per_batch,
                max_batches_per_execution,
                refresh_newest_first,
            )?;
            set_refresh(cmd, r, facts, [start_offset, end_offset, every], &batching)
        }
        family::Policies::AddCompactionPolicy {
            max_chunks,
            max_batches,
            inactive_for,
            ..
        } => {
            let limit = |key, v: &Option<String>| {
                (v.as_ref())
                    .map(|v| {
                        whole_number(key, v, 0, "a whole number, 0 (no limit) or more")
                            .map(|n| n.to_string())
                    })
                    .transpose()
            };
            let limits = [
                limit("max_chunks", max_chunks)?,
                limit("max_batches", max_batches)?,
                inactive_for.clone(),
            ];
            add_compaction(cmd, r, facts, limits)
        }
        family::Policies::RemoveCompressionPolicy { .. }
        | family::Policies::RemoveRetentionPolicy { .. }
        | family::Policies::RemoveRefreshPolicy { .. }
        | family::Policies::RemoveCompactionPolicy { .. } => remove(cmd, kind, r, facts),
    }
}

/// `remove-*-policy`: undone by re-adding it (if_not_exists: replaying an unfinished entry's
/// undo is harmless) and giving the new job the old one's settings.
fn remove(
    cmd: &family::Policies,
    kind: PolicyKind,
    r: &Relation,
    facts: &Facts,
) -> Result<Plan, PlanError> {
    let (ts, vars) = (facts.ts.as_str(), facts.vars());
    let noun = kind.noun();
    let prev = facts.job.as_ref().ok_or_else(|| PlanError::NoPolicy {
        object: r.shown(),
        noun,
    })?;
    let settings = match kind {
        PolicyKind::Refresh => vec![
            config_str(prev, "start_offset"),
            config_str(prev, "end_offset"),
        ],
        // no threshold: its limits come back with its config
        PolicyKind::Compaction => vec![],
        _ => vec![config_str(prev, kind.threshold_key())],
    };
    let add = Step::new(
        format!("re-add the {noun} policy on {}", r.shown()),
        kind.add_sql(facts.columnstore),
        &vars,
        std::iter::once(text(r.regclass()))
            .chain(settings)
            .chain([text(&prev.schedule_interval), text("true")])
            .chain(fixed_schedule(prev))
            .collect(),
    );
    let mut p = Plan::new(
        cmd.naming(r.object_name()).to_string(),
        format!(
            "remove the {noun} policy (job {}) from {}",
            prev.job_id,
            r.shown()
        ),
        vec![r.shown(), format!("job {}", prev.job_id)],
        LOCKS_CATALOG,
    );
    p.steps = vec![Step::new(
        format!("remove the {noun} policy"),
        kind.remove_sql(facts.columnstore),
        &vars,
        vec![text(r.regclass())],
    )];
    p.inverse = Some(readd_policy(
        ts,
        r,
        prev,
        vec![add],
        facts.alter_job_clears_timezone,
    ));
    p.restores = Some(readded_as(prev));
    p.changes = vec![policy_setting(r, &prev.proc_name), Change::Job(prev.job_id)];
    p.previous = previous(&facts.job);
    Ok(p)
}

/// `add-compaction-policy`: TimescaleDB's schedule, and its limits where not given
/// (`[max_chunks, max_batches, inactive_for]`); undone by removing it. One a hypertable:
/// refused where there is one.
fn add_compaction(
    cmd: &family::Policies,
    r: &Relation,
    facts: &Facts,
    limits: [Option<String>; 3],
) -> Result<Plan, PlanError> {
    if let Some(j) = &facts.job {
        return Err(PlanError::PolicyExists {
            object: r.shown(),
            noun: "compaction",
            job_id: j.job_id,
        });
    }
    let vars = facts.vars();
    let mut p = Plan::new(
        cmd.naming(r.object_name()).to_string(),
        format!(
            "add a compaction policy to {}: TimescaleDB's scheduler then compacts its partly compressed chunks (the rows written into compressed chunks, and their batches out of order) on its default schedule, as compact does",
            r.shown()
        ),
        vec![r.shown()],
        LOCKS_CATALOG,
    );
    let said: Vec<String> = (["max_chunks", "max_batches", "inactive_for"].iter())
        .zip(&limits)
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    p.steps = vec![match said.is_empty() {
        true => Step::new(
            "add the compaction policy".to_string(),
            Template::AddCompactionPolicy,
            &vars,
            vec![text(r.regclass()), None, text("false"), None, None],
        ),
        // its limits as given, its schedule TimescaleDB's, scheduled
        false => Step::new(
            format!("add the compaction policy ({})", said.join(", ")),
            Template::ApplyAddCompactionPolicy,
            &vars,
            std::iter::once(text(r.regclass()))
                .chain(limits)
                .chain([None, text("true")])
                .collect(),
        ),
    }];
    p.inverse = Some(vec![Step::new(
        format!("remove the compaction policy of {} again", r.shown()),
        Template::RemoveCompactionPolicy,
        &vars,
        vec![text(r.regclass())],
    )]);
    p.restores = Some(format!("{} without a compaction policy", r.shown()));
    p.changes = vec![policy_setting(r, PolicyKind::Compaction.proc_name())];
    Ok(p)
}

/// `set-refresh-policy`: changes the existing job's window, schedule and the batching given, or
/// adds a policy.
fn set_refresh(
    cmd: &family::Policies,
    r: &Relation,
    facts: &Facts,
    [start_offset, end_offset, every]: [&Interval; 3],
    batching: &Batching,
) -> Result<Plan, PlanError> {
    let (ts, vars) = (facts.ts.as_str(), facts.vars());
    let command = cmd.naming(r.object_name()).to_string();
    match &facts.job {
        Some(prev) => {
            let mut config = config_with(prev, "start_offset", &start_offset.0);
            let mut keys = vec!["start_offset", "end_offset"];
            if let Some(map) = config.as_object_mut() {
                map.insert(
                    "end_offset".into(),
                    serde_json::Value::String(end_offset.0.clone()),
                );
                for (k, v) in batching.given() {
                    map.insert(k.into(), v);
                    keys.push(k);
                }
            }
            let mut p = Plan::new(
                command,
                format!(
                    "refresh {} from now-{} to now-{} every {}{} (was {} → {} every {})",
                    r.shown(),
                    start_offset.0,
                    end_offset.0,
                    every.0,
                    batching.said(),
                    config_str(prev, "start_offset").unwrap_or_else(|| "∞".into()),
                    config_str(prev, "end_offset").unwrap_or_else(|| "now".into()),
                    prev.schedule_interval
                ),
                vec![r.shown(), format!("job {}", prev.job_id)],
                LOCKS_CATALOG,
            );
            let zone = facts.timezone_to_keep(prev);
            p.steps = alter_job(
                ts,
                format!("change job {}", prev.job_id),
                prev.job_id,
                Some(&every.0),
                None,
                Some((&config, &keys)),
                zone,
            );
            let change = JobChange {
                schedule: true,
                config_keys: &keys,
                ..JobChange::default()
            };
            undo_job_change(&mut p, ts, prev, change, zone);
            Ok(p)
        }
        None => {
            let mut p = Plan::new(
                command,
                format!(
                    "add a refresh policy to {}: now-{} to now-{} every {}{}",
                    r.shown(),
                    start_offset.0,
                    end_offset.0,
                    every.0,
                    batching.said()
                ),
                vec![r.shown()],
                LOCKS_CATALOG,
            );
            // scheduled, with the batching given (what the server takes: the resolve refused
            // the rest)
            let every_form = RefreshBatchingArgs {
                batches: true,
                newest_first: true,
            };
            let step = add_refresh_policy(
                format!("add the refresh policy on {}", r.shown()),
                &vars,
                [
                    text(r.regclass()),
                    text(&start_offset.0),
                    text(&end_offset.0),
                    text(&every.0),
                    text("true"),
                ],
                batching,
                every_form,
            )
            .map_err(|_| PlanError::NotRead {
                part: Unread::ContinuousAggregate,
                object: r.shown(),
            })?;
            p.steps = vec![step];
            p.inverse = Some(vec![Step::new(
                format!("remove the refresh policy on {}", r.shown()),
                PolicyKind::Refresh.remove_sql(facts.columnstore),
                &vars,
                vec![text(r.regclass())],
            )]);
            p.changes = vec![policy_setting(r, PolicyKind::Refresh.proc_name())];
            Ok(p)
        }
    }
}

/// `set-compress-after` / `set-retention`: changes the policy's threshold (keeping a policy
/// by creation time one), or adds a policy.
fn set_threshold(
    cmd: &family::Policies,
    kind: PolicyKind,
    r: &Relation,
    facts: &Facts,
    after: &Interval,
) -> Plan {
    let (ts, vars) = (facts.ts.as_str(), facts.vars());
    let command = cmd.naming(r.object_name()).to_string();
    let key = kind.threshold_key();
    match &facts.job {
        Some(prev) => {
            let by_creation = key.replace("_after", "_created_before");
            let key = if prev.by_creation_time() {
                by_creation.as_str()
            } else {
                key
            };
            let mut p = Plan::new(
                command,
                format!(
                    "set {key} of {} to {} (was {})",
                    r.shown(),
                    after.0,
                    config_str(prev, key).unwrap_or_else(|| "unset".into())
                ),
                vec![r.shown(), format!("job {}", prev.job_id)],
                LOCKS_CATALOG,
            );
            // A threshold by range on integer time is a number, as TimescaleDB stores it.
            let config = match after.integer() {
                Some(n) if facts.integer_time && key.ends_with("_after") => {
                    config_with_value(prev, key, serde_json::json!(n))
                }
                _ => config_with(prev, key, &after.0),
            };
            let keys = [key];
            let was = config_str(prev, key)
                .map_or_else(|| "unset".into(), |v| crate::format::interval(&v));
            let zone = facts.timezone_to_keep(prev);
            p.steps = alter_job(
                ts,
                format!("change job {}", prev.job_id),
                prev.job_id,
                None,
                None,
                Some((&config, &keys)),
                zone,
            );
            let change = JobChange {
                config_keys: &keys,
                ..JobChange::default()
            };
            undo_job_change(&mut p, ts, prev, change, zone);
            p.restores = Some(format!("{key} of {} back to {was}", r.shown()));
            p
        }
        None => {
            let mut p = Plan::new(
                command,
                format!("add a policy to {} with {key} {}", r.shown(), after.0),
                vec![r.shown()],
                LOCKS_CATALOG,
            );
            p.steps = vec![Step::new(
                format!("add the policy on {}", r.shown()),
                kind.add_sql(facts.columnstore),
                &vars,
                vec![
                    text(r.regclass()),
                    text(&after.0),
                    None,
                    text("false"),
                    None,
                    None,
                ],
            )];
            p.inverse = Some(vec![Step::new(
                format!("remove the policy on {}", r.shown()),
                kind.remove_sql(facts.columnstore),
                &vars,
                vec![text(r.regclass())],
            )]);
            p.restores = Some(format!("{} without this policy, as it is now", r.shown()));
            p.changes = vec![policy_setting(r, kind.proc_name())];
            p
        }
    }
}
