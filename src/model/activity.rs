//! Sessions and locks: every session of the cluster, who blocks whom, what it waits for.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::statements::Prepared;
use crate::queries;

/// One server process, as `pg_stat_activity` shows it to this role.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Backend {
    pub pid: i32,
    pub database: Option<String>,
    pub username: Option<String>,
    pub application: Option<String>,
    pub client: Option<String>,
    /// `client backend`, `autovacuum worker`, a TimescaleDB worker's name…
    pub backend_type: String,
    /// `active`, `idle`, `idle in transaction`… (None: not this role's to see).
    pub state: Option<String>,
    pub wait_event_type: Option<String>,
    pub wait_event: Option<String>,
    pub backend_start: Option<DateTime<Utc>>,
    pub xact_start: Option<DateTime<Utc>>,
    pub query_start: Option<DateTime<Utc>>,
    pub state_change: Option<DateTime<Utc>>,
    pub query: Option<String>,
    /// The sessions holding the lock it waits for.
    pub blocked_by: Vec<i32>,
    /// The relations (and their parents) it waits to lock.
    pub waiting_for: Vec<String>,
    /// The TimescaleDB job this worker runs.
    pub job_id: Option<i32>,
    #[serde(skip)]
    pub server_now: DateTime<Utc>,
}

impl Backend {
    /// Waiting for a lock another session holds.
    pub fn blocked(&self) -> bool {
        !self.blocked_by.is_empty()
    }

    /// How long it has been in its current state (a query running, a transaction idle).
    pub fn in_state_seconds(&self) -> Option<f64> {
        self.state_change
            .map(|t| (self.server_now - t).as_seconds_f64().max(0.0))
    }
}

/// The sessions that `pid` blocks, directly or through others.
pub fn blocked_by_tree(sessions: &[Backend], pid: i32) -> Vec<&Backend> {
    let mut out: Vec<&Backend> = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for s in sessions.iter().filter(|s| s.blocked_by.contains(&p)) {
            if s.pid != pid && !out.iter().any(|o| o.pid == s.pid) {
                out.push(s);
                frontier.push(s.pid);
            }
        }
    }
    out
}

/// The sessions in blocking-tree order: each blocker, then the sessions it blocks indented
/// under it (depth), then everyone else in pid order.
pub fn tree_order(sessions: &[Backend]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut seen = vec![false; sessions.len()];
    fn visit(
        sessions: &[Backend],
        i: usize,
        depth: usize,
        seen: &mut [bool],
        out: &mut Vec<(usize, usize)>,
    ) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        out.push((i, depth));
        let pid = sessions[i].pid;
        for (j, s) in sessions.iter().enumerate() {
            if s.blocked_by.contains(&pid) {
                visit(sessions, j, depth + 1, seen, out);
            }
        }
    }
    // Roots of the trees: blocking someone, blocked by no one.
    for (i, s) in sessions.iter().enumerate() {
        let blocks = sessions.iter().any(|o| o.blocked_by.contains(&s.pid));
        if blocks && !s.blocked() {
            visit(sessions, i, 0, &mut seen, &mut out);
        }
    }
    // Blocked in a cycle (a deadlock being detected), then the rest.
    for i in 0..sessions.len() {
        if sessions[i].blocked() {
            visit(sessions, i, 0, &mut seen, &mut out);
        }
    }
    for i in 0..sessions.len() {
        visit(sessions, i, 0, &mut seen, &mut out);
    }
    out
}

pub async fn fetch(
    client: &Client,
    statements: &mut Prepared,
) -> Result<Vec<Backend>, tokio_postgres::Error> {
    statements
        .collect(client, queries::ACTIVITY, |r| {
            Ok(Backend {
                pid: r.try_get("pid")?,
                database: r.try_get("database")?,
                username: r.try_get("username")?,
                application: r.try_get("application")?,
                client: r.try_get("client")?,
                backend_type: r.try_get("backend_type")?,
                state: r.try_get("state")?,
                wait_event_type: r.try_get("wait_event_type")?,
                wait_event: r.try_get("wait_event")?,
                backend_start: r.try_get("backend_start")?,
                xact_start: r.try_get("xact_start")?,
                query_start: r.try_get("query_start")?,
                state_change: r.try_get("state_change")?,
                query: r.try_get("query")?,
                blocked_by: r.try_get("blocked_by")?,
                waiting_for: r.try_get("waiting_for")?,
                job_id: r.try_get("job_id")?,
                server_now: r.try_get("server_now")?,
            })
        })
        .await
}

/// Who holds the locks a plan or an action waited for, as far as this role can see.
pub async fn lock_holders(client: &Client) -> String {
    let rows = match client
        .query(include_str!("../../queries/lock_holders.sql"), &[])
        .await
    {
        Ok(rows) => rows,
        Err(_) => return "another session holds a conflicting lock".into(),
    };
    let held: Vec<String> = rows
        .iter()
        .map(|r| {
            let since: Option<String> = r
                .try_get::<_, Option<f64>>("held_seconds")
                .ok()
                .flatten()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| {
                    let held = std::time::Duration::from_secs_f64(s);
                    format!(" for {}", crate::format::duration(held))
                });
            format!(
                "pid {} ({}, {}, {}) holds {} on {}{}",
                r.get::<_, i32>("pid"),
                r.get::<_, String>("usename"),
                r.get::<_, String>("application_name"),
                r.get::<_, String>("state"),
                r.get::<_, String>("mode"),
                r.get::<_, String>("relation"),
                since.unwrap_or_default()
            )
        })
        .collect();
    if held.is_empty() {
        "another session holds a conflicting lock (not visible to this role)".into()
    } else {
        format!("waiting for a lock: {}", held.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn session(pid: i32, blocked_by: &[i32]) -> Backend {
        Backend {
            pid,
            database: Some("db".into()),
            username: Some("u".into()),
            application: Some("app".into()),
            client: None,
            backend_type: "client backend".into(),
            state: Some("active".into()),
            wait_event_type: None,
            wait_event: None,
            backend_start: None,
            xact_start: None,
            query_start: None,
            state_change: None,
            query: Some("select 1".into()),
            blocked_by: blocked_by.to_vec(),
            waiting_for: vec![],
            job_id: None,
            server_now: Utc::now(),
        }
    }

    #[test]
    fn blockers_come_first_with_what_they_block_under_them() {
        let s = vec![
            session(10, &[]),
            session(20, &[30]),
            session(30, &[]),
            session(40, &[20]),
            session(50, &[30]),
        ];
        let order: Vec<(i32, usize)> = tree_order(&s)
            .into_iter()
            .map(|(i, d)| (s[i].pid, d))
            .collect();
        assert_eq!(order, [(30, 0), (20, 1), (40, 2), (50, 1), (10, 0)]);
        let under: Vec<i32> = blocked_by_tree(&s, 30).iter().map(|s| s.pid).collect();
        assert_eq!(under, [20, 50, 40]);
    }

    #[test]
    fn a_lock_cycle_is_shown_once() {
        let s = vec![session(1, &[2]), session(2, &[1])];
        assert_eq!(tree_order(&s).len(), 2);
    }
}
