//! A job's settings changed, and how each change is undone: the job altered back, or its
//! policy added again as it was.

use super::*;
use crate::actions::Template;

/// A change to job `job_id`. `config` is the config wanted and the keys this change owns:
/// only those are sent — set when the wanted config has them, removed when it does not — and
/// merged by the statement into the config the job has when it runs (no lost update). With
/// `timezone`, its fixed schedule's time zone given back after (alter_job clears it).
pub(super) fn alter_job(
    ts: &str,
    label: String,
    job_id: i32,
    every: Option<&str>,
    scheduled: Option<bool>,
    config: Option<(&serde_json::Value, &[&str])>,
    timezone: Option<&str>,
) -> Vec<Step> {
    let mut steps = vec![alter_step(ts, label, job_id, every, scheduled, config)];
    steps.extend(timezone.map(|z| keep_timezone(ts, job_id, z)));
    steps
}

/// After an alter_job that clears it: job `job_id`'s time zone `timezone` given back.
pub(super) fn keep_timezone(ts: &str, job_id: i32, timezone: &str) -> Step {
    Step::new(
        format!(
            "keep job {job_id}'s time zone {}",
            crate::format::printable(timezone)
        ),
        Template::KeepTimezone,
        &[("ts", ts)],
        vec![text(job_id.to_string()), text(timezone)],
    )
}

fn alter_step(
    ts: &str,
    label: String,
    job_id: i32,
    every: Option<&str>,
    scheduled: Option<bool>,
    config: Option<(&serde_json::Value, &[&str])>,
) -> Step {
    let (file, set, unset) = match config {
        None => (Template::AlterJob, None, None),
        Some((wanted, keys)) => {
            let mut set = serde_json::Map::new();
            let mut unset = Vec::new();
            for key in keys {
                match wanted.get(*key) {
                    Some(v) => {
                        set.insert((*key).to_string(), v.clone());
                    }
                    None => unset.push(*key),
                }
            }
            (
                Template::AlterJobConfig,
                Some(serde_json::Value::Object(set).to_string()),
                Some(format!("{{{}}}", unset.join(","))),
            )
        }
    };
    let mut params = vec![
        text(job_id.to_string()),
        every.map(String::from),
        scheduled.map(|b| b.to_string()),
    ];
    if set.is_some() {
        params.extend([set, unset]);
    }
    Step::new(label, file, &[("ts", ts)], params)
}

/// What a change to an existing job changes, so its undo restores just that.
#[derive(Default)]
pub(super) struct JobChange<'a> {
    pub(super) schedule: bool,
    pub(super) scheduled: bool,
    pub(super) config_keys: &'a [&'a str],
}

/// Makes `p` undoable: the settings `change` makes go back as captured, and no other (a later
/// change to another setting stays); the same settings are what the journal compares between
/// entries, and the job as it was is kept as `previous`.
pub(super) fn undo_job_change(
    p: &mut Plan,
    ts: &str,
    prev: &JobSettings,
    change: JobChange,
    timezone: Option<&str>,
) {
    // what comes back, in words
    let mut back = Vec::new();
    if change.schedule {
        back.push(format!(
            "its schedule every {}",
            crate::format::interval(&prev.schedule_interval)
        ));
    }
    if change.scheduled {
        back.push(if prev.scheduled {
            "scheduled".into()
        } else {
            "paused".into()
        });
    }
    for k in change.config_keys {
        back.push(format!(
            "{k} {}",
            config_str(prev, k).map_or_else(|| "unset".into(), |v| crate::format::interval(&v))
        ));
    }
    p.restores = Some(format!(
        "job {} as it was: {}",
        prev.job_id,
        back.join(", ")
    ));
    let keys = change.config_keys.iter().map(|k| format!("config.{k}"));
    p.changes = [
        change.schedule.then(|| "schedule_interval".to_string()),
        change.scheduled.then(|| "scheduled".to_string()),
    ]
    .into_iter()
    .flatten()
    .chain(keys)
    .map(|setting| job_setting(prev.job_id, &setting))
    .collect();
    let mut inverse = vec![restore_job(ts, prev, &change)];
    inverse.extend(timezone.map(|z| keep_timezone(ts, prev.job_id, z)));
    p.inverse = Some(inverse);
    p.previous = serde_json::to_value(prev).ok();
}

pub(super) fn restore_job(ts: &str, prev: &JobSettings, change: &JobChange) -> Step {
    let (config, absent) = if change.config_keys.is_empty() {
        (None, None)
    } else {
        let mut old = serde_json::Map::new();
        let mut absent = Vec::new();
        for key in change.config_keys {
            match prev.config.as_ref().and_then(|c| c.get(*key)) {
                Some(v) => {
                    old.insert((*key).into(), v.clone());
                }
                None => absent.push(*key),
            }
        }
        (
            Some(serde_json::Value::Object(old).to_string()),
            Some(format!("{{{}}}", absent.join(","))),
        )
    };
    Step::new(
        format!("restore job {}", prev.job_id),
        Template::RestoreJob,
        &[("ts", ts)],
        vec![
            text(prev.job_id.to_string()),
            change.schedule.then(|| prev.schedule_interval.clone()),
            change.scheduled.then(|| prev.scheduled.to_string()),
            config,
            absent,
        ],
    )
}

/// The settings a plan changes, as the journal compares them between entries.
pub(super) fn job_setting(job_id: i32, setting: &str) -> Change {
    Change::JobSetting {
        job: job_id,
        setting: setting.to_string(),
    }
}

/// What an `alter_job` of a job's schedule, state and config `keys` changes, as the journal
/// compares it.
pub(super) fn altered_settings<'a>(
    job_id: i32,
    keys: &'a [&'a str],
) -> impl Iterator<Item = Change> + 'a {
    ["schedule_interval", "scheduled"]
        .iter()
        .map(move |s| job_setting(job_id, s))
        .chain(
            keys.iter()
                .map(move |k| job_setting(job_id, &format!("config.{k}"))),
        )
}

/// The undo of an `alter_job` of `prev`: its settings back, then its time zone where the
/// alter cleared it.
pub(super) fn restore_altered(
    ts: &str,
    prev: &JobSettings,
    change: &JobChange,
    zone: Option<&str>,
) -> Vec<Step> {
    std::iter::once(restore_job(ts, prev, change))
        .chain(zone.map(|z| keep_timezone(ts, prev.job_id, z)))
        .collect()
}

pub(super) fn policy_setting(r: &Relation, proc_name: &str) -> Change {
    Change::Policies {
        proc_name: proc_name.to_string(),
        relation: r.oid,
    }
}

/// Re-adding a removed policy, then giving the new job the old one's settings.
pub(super) fn readd_policy(
    ts: &str,
    r: &Relation,
    prev: &JobSettings,
    add: Vec<Step>,
    clears_timezone: bool,
) -> Vec<Step> {
    let mut steps = add;
    steps.push(Step::new(
        format!("restore the policy's settings on {}", r.shown()),
        Template::RestorePolicy,
        &[("ts", ts)],
        vec![
            text(&r.schema),
            text(&r.name),
            text(&prev.proc_name),
            text(&prev.schedule_interval),
            text(&prev.max_runtime),
            text(prev.max_retries.to_string()),
            text(&prev.retry_period),
            text(prev.scheduled.to_string()),
            prev.config.as_ref().map(|c| c.to_string()),
        ],
    ));
    if let Some(zone) = super::timezone_kept(clears_timezone, prev) {
        steps.push(Step::new(
            format!(
                "keep the policy's time zone {}",
                crate::format::printable(zone)
            ),
            Template::KeepPolicyTimezone,
            &[("ts", ts)],
            vec![
                text(&r.schema),
                text(&r.name),
                text(&prev.proc_name),
                text(zone),
            ],
        ));
    }
    as_owner(prev, steps)
}

/// `steps` run as the policy's owner where the session may act as that role: a job re-added
/// is then the owner's, and runs with its rights, not the session's.
pub(super) fn as_owner(prev: &JobSettings, steps: Vec<Step>) -> Vec<Step> {
    let Some(owner) = prev.owner_role.as_deref() else {
        return steps;
    };
    std::iter::once(Step::new(
        format!(
            "act as the policy's owner {}",
            crate::format::printable(owner)
        ),
        Template::AsRole,
        &[],
        vec![text(owner)],
    ))
    .chain(steps)
    .chain([Step::new(
        "back to the session's own role",
        Template::ResetRole,
        &[],
        Vec::new(),
    )])
    .collect()
}

/// A removed policy's fixed schedule for its re-adding (`initial_start`, `timezone`); none for a
/// policy that runs each interval after its last run ended.
pub(super) fn fixed_schedule(prev: &JobSettings) -> [Option<String>; 2] {
    match prev.fixed_schedule {
        true => [prev.initial_start.clone(), prev.timezone.clone()],
        false => [None, None],
    }
}

/// What a rollback of a removed policy gives back, and what it cannot.
pub(super) fn readded_as(prev: &JobSettings) -> String {
    let schedule = match (prev.fixed_schedule, &prev.initial_start) {
        (true, Some(start)) => format!(
            "on its fixed schedule from {start}{}",
            prev.timezone
                .as_deref()
                .map(|z| format!(" ({z})"))
                .unwrap_or_default()
        ),
        _ => "each interval after its last run".into(),
    };
    format!(
        "the policy as it was — its settings, config and schedule ({} every {}), {}, owned by {} — as a new job: job {} is gone, the new one has another id and starts its run history afresh",
        schedule,
        prev.schedule_interval,
        if prev.scheduled { "scheduled" } else { "paused" },
        prev.owner_role.as_deref().unwrap_or("its owner"),
        prev.job_id
    )
}

pub(super) fn config_with(prev: &JobSettings, key: &str, value: &str) -> serde_json::Value {
    config_with_value(prev, key, serde_json::Value::String(value.into()))
}

pub(super) fn config_with_value(
    prev: &JobSettings,
    key: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    let mut c = prev.config.clone().unwrap_or_else(|| serde_json::json!({}));
    if let Some(map) = c.as_object_mut() {
        map.insert(key.into(), value);
    }
    c
}

pub(super) fn previous(job: &Option<JobSettings>) -> Option<serde_json::Value> {
    job.as_ref().and_then(|j| serde_json::to_value(j).ok())
}

/// A job's config value as text; None where it is absent or null (an open window's end).
pub(super) fn config_str(prev: &JobSettings, key: &str) -> Option<String> {
    match prev.config.as_ref()?.get(key)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub(super) const LOCKS_COMPRESS: &str = "per chunk, in its own transaction: ExclusiveLock while compressing (writes wait, reads continue), then AccessExclusiveLock briefly to truncate (reads wait too)";
pub(super) const LOCKS_DECOMPRESS: &str = "per chunk, in its own transaction: AccessExclusiveLock on the chunk and its compressed chunk for the whole operation (reads and writes wait)";
pub(super) const LOCKS_MERGE: &str = "AccessExclusiveLock on the chunks of each group while they are merged (reads and writes of them wait), each group in its own transaction";
pub(super) const LOCKS_MERGE_CONCURRENTLY: &str = "per group: the chunks are copied while reads and writes go on, then AccessExclusiveLock briefly to swap in the merged chunk";
pub(super) const LOCKS_COMPACT: &str = "per chunk: ShareUpdateExclusiveLock on its compressed data (DDL and VACUUM wait; reads and writes continue); a chunk another session is writing is skipped by the server";
pub(super) const LOCKS_CATALOG: &str = "TimescaleDB catalog rows only; no lock on your tables";
pub(super) const LOCKS_DROP_CHUNKS: &str = "AccessExclusiveLock on each dropped chunk (reads and writes of those chunks wait); queries on the hypertable wait while it runs";
pub(super) const LOCKS_REINDEX: &str = "REINDEX CONCURRENTLY, one relation at a time: ShareUpdateExclusiveLock (reads and writes continue; DDL and VACUUM wait)";
