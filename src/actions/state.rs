//! What an action's changes stand at on the server, keyed as `Plan::changes` names them
//! (`job N schedule_interval`, `job N config.drop_after`, `job N *`, `policy_retention of OID`):
//! read when the action runs (before and after its steps) and again when it is rolled back, so
//! that a rollback sees what anyone changed since — in psql, another tool, a colleague's
//! hypertop — not only what this journal recorded.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio_postgres::Client;

/// Each comparable change key's value (`null`: the job or policy does not exist). Keys of other
/// kinds (compression settings, chunks) are not read: the journal alone speaks for them.
pub type State = BTreeMap<String, Value>;

/// What kind of state a change key names.
enum Key<'a> {
    /// `job N <setting>`, `*` for all of them.
    Job(i32, &'a str),
    /// `<proc_name> of <relation oid>`: the policies of that kind on that relation.
    Policies(&'a str, i64),
}

fn key(k: &str) -> Option<Key<'_>> {
    if let Some(rest) = k.strip_prefix("job ") {
        let (id, setting) = rest.split_once(' ')?;
        return Some(Key::Job(id.parse().ok()?, setting));
    }
    let (proc_name, oid) = k.split_once(" of ")?;
    if !proc_name.starts_with("policy_") {
        return None;
    }
    Some(Key::Policies(proc_name, oid.parse().ok()?))
}

/// One job as the state compares it.
struct Job {
    id: i32,
    proc_name: String,
    relation: Option<i64>,
    schedule: Option<String>,
    scheduled: bool,
    config: Value,
}

impl Job {
    fn whole(&self) -> Value {
        json!({"job_id": self.id, "schedule": self.schedule, "scheduled": self.scheduled, "config": self.config})
    }

    fn setting(&self, setting: &str) -> Value {
        match setting {
            "*" => self.whole(),
            "schedule_interval" => json!(self.schedule),
            "scheduled" => json!(self.scheduled),
            s => s
                .strip_prefix("config.")
                .and_then(|k| self.config.get(k).cloned())
                .unwrap_or(Value::Null),
        }
    }
}

/// The state of `changes` on the server now.
pub async fn read(client: &Client, changes: &[String]) -> Result<State, String> {
    if !changes.iter().any(|c| key(c).is_some()) {
        return Ok(State::new());
    }
    let sql = crate::queries::action(include_str!("../../queries/actions/jobs_state.sql"));
    let rows = client
        .query(sql.as_str(), &[])
        .await
        .map_err(|e| crate::connect::describe_error(&e))?;
    let jobs: Vec<Job> = rows
        .iter()
        .map(|r| Job {
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
    Ok(of(&jobs, changes))
}

fn of(jobs: &[Job], changes: &[String]) -> State {
    let mut state = State::new();
    for change in changes {
        let value = match key(change) {
            Some(Key::Job(id, setting)) => jobs
                .iter()
                .find(|j| j.id == id)
                .map_or(Value::Null, |j| j.setting(setting)),
            Some(Key::Policies(proc_name, oid)) => Value::Array(
                jobs.iter()
                    .filter(|j| j.proc_name == proc_name && j.relation == Some(oid))
                    .map(Job::whole)
                    .collect(),
            ),
            None => continue,
        };
        state.insert(change.clone(), value);
    }
    state
}

/// The keys of `then` whose value on the server is another now, each with both values.
pub fn changed_since(then: &State, now: &State) -> Vec<(String, Value, Value)> {
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

    fn job(id: i32, schedule: &str, config: Value) -> Job {
        Job {
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
        let changes: Vec<String> = [
            "job 7 schedule_interval",
            "job 7 config.drop_after",
            "job 7 scheduled",
            "job 8 *",
            "policy_retention of 42",
            "policy_compression of 42",
            "compression settings of 42",
        ]
        .map(String::from)
        .to_vec();
        let s = of(&jobs, &changes);
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
            &["job 7 schedule_interval".to_string()],
        );
        let now = of(
            &[job(7, "02:00:00", json!({}))],
            &["job 7 schedule_interval".to_string()],
        );
        assert!(changed_since(&then, &then).is_empty());
        let changed = changed_since(&then, &now);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].0, "job 7 schedule_interval");
        assert_eq!(
            (changed[0].1.clone(), changed[0].2.clone()),
            (json!("1 day"), json!("02:00:00"))
        );
    }
}
