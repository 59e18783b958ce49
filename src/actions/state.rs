//! What an action's changes stand at on the server, keyed as `Plan::changes` names them
//! (`job N schedule_interval`, `job N config.drop_after`, `job N *`, `policy_retention of OID`):
//! read when the action runs (before and after its steps) and again when it is rolled back, so
//! that a rollback sees what anyone changed since — in psql, another tool, a colleague's
//! hypertop — not only what this journal recorded.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio_postgres::Client;

use super::change::Change;

/// Each comparable change's value (`null`: the job, policy or hypertable does not exist).
/// Whether a chunk is compressed is not read: the journal alone speaks for it.
pub type State = BTreeMap<Change, Value>;

/// One job as the state compares it.
struct ComparedJob {
    id: i32,
    proc_name: String,
    relation: Option<i64>,
    schedule: Option<String>,
    scheduled: bool,
    config: Value,
}

impl ComparedJob {
    fn whole(&self) -> Value {
        json!({"job_id": self.id, "schedule": self.schedule, "scheduled": self.scheduled, "config": self.config})
    }

    fn setting(&self, setting: &str) -> Value {
        match setting {
            "schedule_interval" => json!(self.schedule),
            "scheduled" => json!(self.scheduled),
            s => s
                .strip_prefix("config.")
                .and_then(|k| self.config.get(k).cloned())
                .unwrap_or(Value::Null),
        }
    }
}

/// Why the state of a plan's changes could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// The server refused a read (its error, described).
    Database(String),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Database(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for StateError {}

/// The state of `changes` on the server now.
pub async fn read(client: &Client, changes: &[Change]) -> Result<State, StateError> {
    let mut state = State::new();
    let failed =
        |e: tokio_postgres::Error| StateError::Database(crate::connect::describe_error(&e));
    for change in changes {
        let value = match change {
            // read as set-compression reads it, from the settings catalog this version has
            // (the view timescaledb_information.compression_settings is deprecated)
            Change::CompressionSettings(oid) => client
                .query_opt(
                    crate::queries::compression_now(
                        &crate::capabilities::Capabilities::detect(client)
                            .await
                            .map_err(failed)?,
                    ),
                    &[&oid.to_string()],
                )
                .await
                .map_err(failed)?
                .map_or(Value::Null, |r| {
                    let (segmentby, orderby): (String, String) =
                        (r.get("segmentby"), r.get("orderby"));
                    json!(match r.get::<_, Option<bool>>("enabled") {
                        Some(true) => format!(
                            "on, segmentby {}, orderby {}",
                            if segmentby.is_empty() {
                                "(none)"
                            } else {
                                &segmentby
                            },
                            if orderby.is_empty() {
                                "(none)"
                            } else {
                                &orderby
                            },
                        ),
                        _ => "off".to_string(),
                    })
                }),
            Change::ChunkInterval(oid) => client
                .query_opt(
                    include_str!("../../queries/actions/chunk_interval.sql"),
                    &[&oid.to_string()],
                )
                .await
                .map_err(failed)?
                .map_or(Value::Null, |r| match r.get::<_, bool>("integer_time") {
                    true => json!(r.get::<_, i64>("interval_length")),
                    false => json!(r.get::<_, String>("interval")),
                }),
            _ => continue,
        };
        state.insert(change.clone(), value);
    }
    if !changes.iter().any(|c| readable(c) && is_job(c)) {
        return Ok(state);
    }
    let sql = crate::queries::action(include_str!("../../queries/actions/jobs_state.sql"));
    let rows = client.query(sql.as_str(), &[]).await.map_err(failed)?;
    let jobs: Vec<ComparedJob> = rows
        .iter()
        .map(|r| ComparedJob {
            id: r.get("job_id"),
            proc_name: r.get("proc_name"),
            relation: r.get("relation"),
            schedule: r.get("schedule"),
            scheduled: r.get("scheduled"),
            config: r
                .get::<_, Option<String>>("config")
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or(Value::Null),
        })
        .collect();
    state.extend(of(&jobs, changes));
    Ok(state)
}

/// Read from the jobs table (the rest, one relation at a time).
fn is_job(change: &Change) -> bool {
    matches!(
        change,
        Change::JobSetting { .. } | Change::Job(_) | Change::Policies { .. }
    )
}

/// Jobs, policies and a hypertable's settings are read from the server; whether a chunk is
/// compressed is the journal's alone.
fn readable(change: &Change) -> bool {
    match change {
        Change::JobSetting { .. } | Change::Job(_) => true,
        Change::Policies { proc_name, .. } => proc_name.starts_with("policy_"),
        Change::CompressionSettings(_) | Change::ChunkInterval(_) => true,
        Change::ChunkCompression(_) => false,
    }
}

fn of(jobs: &[ComparedJob], changes: &[Change]) -> State {
    let mut state = State::new();
    for change in changes.iter().filter(|c| readable(c) && is_job(c)) {
        let job = |id: &i32| jobs.iter().find(|j| j.id == *id);
        let value = match change {
            Change::JobSetting { job: id, setting } => {
                job(id).map_or(Value::Null, |j| j.setting(setting))
            }
            Change::Job(id) => job(id).map_or(Value::Null, ComparedJob::whole),
            Change::Policies {
                proc_name,
                relation,
            } => Value::Array(
                jobs.iter()
                    .filter(|j| {
                        j.proc_name == *proc_name && j.relation == Some(i64::from(*relation))
                    })
                    .map(ComparedJob::whole)
                    .collect(),
            ),
            Change::CompressionSettings(_)
            | Change::ChunkInterval(_)
            | Change::ChunkCompression(_) => continue,
        };
        state.insert(change.clone(), value);
    }
    state
}

/// The keys of `then` whose value on the server is another now, each with both values.
pub fn changed_since(then: &State, now: &State) -> Vec<(Change, Value, Value)> {
    then.iter()
        .filter_map(|(k, was)| {
            let is = now.get(k)?;
            (is != was).then(|| (k.clone(), was.clone(), is.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(text: &str) -> Change {
        Change::try_from(text.to_string()).unwrap()
    }

    fn job(id: i32, schedule: &str, config: Value) -> ComparedJob {
        ComparedJob {
            id,
            proc_name: "policy_retention".into(),
            relation: Some(42),
            schedule: Some(schedule.into()),
            scheduled: true,
            config,
        }
    }

    #[test]
    fn each_key_reads_its_setting_and_others_are_left_to_the_journal() {
        let jobs = [job(7, "1 day", json!({"drop_after": "30 days"}))];
        let changes = [
            "job 7 schedule_interval",
            "job 7 config.drop_after",
            "job 7 scheduled",
            "job 8 *",
            "policy_retention of 42",
            "policy_compression of 42",
            "compression settings of 42",
        ]
        .map(change);
        let s: BTreeMap<String, Value> = of(&jobs, &changes)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(s["job 7 schedule_interval"], json!("1 day"));
        assert_eq!(s["job 7 config.drop_after"], json!("30 days"));
        assert_eq!(s["job 7 scheduled"], json!(true));
        assert_eq!(s["job 8 *"], Value::Null);
        assert_eq!(s["policy_retention of 42"].as_array().unwrap().len(), 1);
        assert_eq!(s["policy_compression of 42"], json!([]));
        assert!(!s.contains_key("compression settings of 42"));
    }

    #[test]
    fn what_changed_since_is_named_with_both_values() {
        let then = of(
            &[job(7, "1 day", json!({}))],
            &[change("job 7 schedule_interval")],
        );
        let now = of(
            &[job(7, "02:00:00", json!({}))],
            &[change("job 7 schedule_interval")],
        );
        assert!(changed_since(&then, &then).is_empty());
        let changed = changed_since(&then, &now);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].0, change("job 7 schedule_interval"));
        assert_eq!(
            (changed[0].1.clone(), changed[0].2.clone()),
            (json!("1 day"), json!("02:00:00"))
        );
    }
}
