//! Sessions and locks on native PostgreSQL: a blocked ALTER shows who blocks it (and a problem
//! naming the holder), `B` on a relation finds the blocker, and `cancel-backend` /
//! `terminate-backend` act on exactly the session planned, journaled, refused under
//! --read-only and for PostgreSQL's own processes.

use std::process::{Command, Stdio};
use std::time::Duration;

use hypertop::app::state::AppState;
use hypertop::model::activity::Backend;
use hypertop::model::{self, Payload, QueryKind};
use hypertop::poller::QueryResult;
use hypertop::problems::{self, ProblemKind};
use hypertop::screens::tab;

use crate::engines::{backend_pid, connector_for, eventually, hold_lock, native_database, psql};
use crate::process::must;

async fn sessions(conninfo: &str) -> Vec<Backend> {
    let s = connector_for(conninfo).connect().await.unwrap();
    let caps = hypertop::capabilities::Capabilities::detect(&s.client)
        .await
        .unwrap();
    match model::fetch(QueryKind::Activity, None, &s.client, &caps)
        .await
        .unwrap()
    {
        Payload::Activity(v) => v,
        other => panic!("{other:?}"),
    }
}

fn run(conninfo: &str, journal: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg("run")
        .args(args)
        .arg("--journal")
        .arg(journal)
        .arg(conninfo)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_blocked_alter_names_its_blocker_and_b_finds_it() {
    let conninfo = native_database("activity");
    psql(
        &conninfo,
        "CREATE SCHEMA ops; CREATE TABLE ops.readings (t timestamptz, v float8)",
    );
    let holder = hold_lock(&conninfo, "ops.readings").await;
    let holder_pid = backend_pid(&holder).await;
    let waiter = connector_for(&conninfo).connect().await.unwrap();
    let waiter_pid = backend_pid(&waiter).await;
    let alter = tokio::spawn(async move {
        let r = waiter
            .client
            .batch_execute("ALTER TABLE ops.readings ADD COLUMN site text")
            .await;
        (waiter, r)
    });
    let found = eventually(Duration::from_secs(10), "the ALTER waiting", || {
        let conninfo = conninfo.clone();
        async move {
            let s = sessions(&conninfo).await;
            s.iter()
                .any(|x| x.pid == waiter_pid && x.blocked())
                .then_some(s)
        }
    })
    .await;
    let w = found.iter().find(|s| s.pid == waiter_pid).unwrap();
    assert_eq!(w.blocked_by, [holder_pid], "{w:?}");
    assert_eq!(w.waiting_for, ["ops.readings"], "{w:?}");
    assert_eq!(w.wait_event_type.as_deref(), Some("Lock"));
    let h = found.iter().find(|s| s.pid == holder_pid).unwrap();
    assert!(!h.blocked(), "{h:?}");
    assert_eq!(h.state.as_deref(), Some("idle in transaction"));

    // The Activity tab: the holder first, the waiter under it; its Blocks column says what
    // waits on it, which is what B on the relation filters by.
    let mut state = AppState::new("t".into(), Duration::from_secs(2), true, false);
    state.on_result(QueryResult {
        kind: QueryKind::Activity,
        target: None,
        result: Ok(Payload::Activity(found.clone())),
        elapsed: Duration::ZERO,
        finished_at: chrono::Utc::now(),
    });
    state.show_tab(tab("activity"));
    let table = &state.view(tab("activity")).table;
    let blocks = hypertop::screens::activity::blocks(&found, holder_pid);
    assert!(
        blocks.contains(&format!("→pid {waiter_pid}")) && blocks.contains("→ops.readings"),
        "{blocks}"
    );
    let mut t = table.clone();
    t.set_filter("→ops.readings");
    assert_eq!(t.len(), 1, "only the blocker matches");
    assert_eq!(t.selected_row().unwrap().id(), holder_pid.to_string());
    let text = crate::render_text(&mut state, tab("activity"));
    assert!(text.contains("waiting"), "{text}");

    // Blocked for long (as if 60 s had passed): a problem naming the holder at the head.
    let mut later = found.clone();
    for s in &mut later {
        s.server_now += chrono::Duration::seconds(60);
    }
    let input = problems::Inputs {
        activity: Some(&later),
        ..Default::default()
    };
    let p = problems::find(&input, &Default::default(), chrono::Utc::now());
    // Sessions are the cluster's: another test's blocked session may be listed too.
    let blocked = p
        .iter()
        .find(|p| p.kind == ProblemKind::Blocked && p.object.contains(&waiter_pid.to_string()))
        .unwrap_or_else(|| panic!("no blocked problem for pid {waiter_pid}: {p:#?}"));
    assert!(
        blocked.object.contains(&waiter_pid.to_string())
            && blocked.message.contains(&format!("pid {holder_pid}"))
            && blocked.message.contains("idle in transaction")
            && blocked.message.contains("ops.readings"),
        "{blocked:?}"
    );
    assert_eq!(
        blocked.subject,
        problems::Subject::LockWait {
            waiting: waiter_pid,
            holder: holder_pid
        }
    );
    assert_eq!(
        hypertop::screens::row_id::subject(&blocked.subject),
        holder_pid.to_string(),
        "Enter goes to the holder"
    );

    // snapshot JSON says the same (the documented `activity` section).
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", &conninfo])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = v["activity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["pid"] == waiter_pid)
        .unwrap_or_else(|| panic!("{}", v["activity"]));
    assert_eq!(row["blocked_by"], serde_json::json!([holder_pid]), "{row}");
    assert_eq!(
        row["waiting_for"],
        serde_json::json!(["ops.readings"]),
        "{row}"
    );
    assert_eq!(row["backend_type"], "client backend");

    // The lock goes: the ALTER completes.
    drop(holder);
    let (_waiter, r) = tokio::time::timeout(Duration::from_secs(10), alter)
        .await
        .unwrap()
        .unwrap();
    r.unwrap();
}

#[tokio::test]
async fn cancel_and_terminate_act_on_the_planned_session_and_are_journaled() {
    let conninfo = native_database("session_signals");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");

    // cancel-backend: a long query is cancelled, the session stays.
    let sleeper = connector_for(&conninfo).connect().await.unwrap();
    let pid = backend_pid(&sleeper).await;
    let sleeping = tokio::spawn(async move {
        // A statement with a secret in it: the preview shows it, the journal must not keep it.
        let r = sleeper
            .client
            .batch_execute("SELECT pg_sleep(60) /* PASSWORD 'hunter2' */")
            .await;
        (sleeper, r)
    });
    eventually(Duration::from_secs(10), "the sleep running", || {
        let conninfo = conninfo.clone();
        async move {
            sessions(&conninfo)
                .await
                .iter()
                .any(|s| s.pid == pid && s.wait_event.as_deref() == Some("PgSleep"))
                .then_some(())
        }
    })
    .await;
    let dry = run(
        &conninfo,
        &journal,
        &[&format!("cancel-backend {pid}"), "--dry-run"],
    );
    let plan = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{plan}");
    assert!(
        plan.contains(&format!("pid {pid}")) && plan.contains("pg_sleep(60)"),
        "the preview names the session and its statement: {plan}"
    );
    let ro = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args([
            "run",
            &format!("cancel-backend {pid}"),
            "--yes",
            "--read-only",
        ])
        .arg("--journal")
        .arg(&journal)
        .arg(&conninfo)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(ro.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ro.stderr).contains("read-only"));
    let out = run(
        &conninfo,
        &journal,
        &[&format!("cancel-backend {pid}"), "--yes"],
    );
    must(out, "cancel-backend");
    let (sleeper, r) = tokio::time::timeout(Duration::from_secs(10), sleeping)
        .await
        .unwrap()
        .unwrap();
    let e = r.unwrap_err();
    assert_eq!(
        e.as_db_error().map(|d| d.code().code()),
        Some("57014"),
        "cancelled: {e}"
    );
    sleeper.client.simple_query("SELECT 1").await.unwrap();

    // terminate-backend: the session ends.
    let out = run(
        &conninfo,
        &journal,
        &[&format!("terminate-backend {pid}"), "--yes"],
    );
    must(out, "terminate-backend");
    assert!(sleeper.client.simple_query("SELECT 1").await.is_err());
    // The same pid again: the session is gone, nothing to plan.
    let again = run(
        &conninfo,
        &journal,
        &[&format!("terminate-backend {pid}"), "--yes"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("no session with pid"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // PostgreSQL's own processes are not signalled.
    let checkpointer = psql(
        &conninfo,
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'",
    );
    let refused = run(
        &conninfo,
        &journal,
        &[&format!("terminate-backend {checkpointer}"), "--yes"],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("checkpointer"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Both journaled, and irreversible.
    let history = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg("history")
        .arg("--journal")
        .arg(&journal)
        .arg(&conninfo)
        .output()
        .unwrap();
    let h = String::from_utf8_lossy(&history.stdout);
    assert!(
        h.contains(&format!("cancel-backend {pid}"))
            && h.contains(&format!("terminate-backend {pid}"))
            && h.contains("irreversible"),
        "{h}"
    );
    // The journal keeps who was signalled and a fingerprint of the statement, never its text,
    // and only its owner can read it.
    let kept = std::fs::read_to_string(&journal).unwrap();
    assert!(!kept.contains("hunter2"), "{kept}");
    assert!(kept.contains("statement_fingerprint"), "{kept}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "journal mode {mode:o}");
}

/// A session that gets the pid of one that ended: a cancel or terminate planned for the first
/// leaves it alone (the pid is bound to the planned session's start and role). The kernel is
/// made to hand the pid out again (`ns_last_pid`); where it cannot be, the plan is pointed at
/// a new session's pid, which is the same to the server.
#[tokio::test]
async fn a_pid_given_to_a_new_session_is_not_the_session_planned() {
    let _serial = crate::actions::SERIAL.lock().await;
    let conninfo = native_database("pidreuse");
    let e = crate::actions::env_for(&conninfo).await;
    for verb in ["cancel-backend", "terminate-backend"] {
        let first = connector_for(&conninfo).connect().await.unwrap();
        let pid = backend_pid(&first).await;
        let cmd = hypertop::actions::parse::parse(&format!("{verb} {pid}")).unwrap();
        let mut plan = hypertop::headless::make_plan(&e.ctx(), &cmd).await.unwrap();
        drop(first);
        eventually(Duration::from_secs(10), "the first session gone", || {
            let conninfo = conninfo.clone();
            async move { (!sessions(&conninfo).await.iter().any(|s| s.pid == pid)).then_some(()) }
        })
        .await;
        let mut second = None;
        for _ in 0..50 {
            if std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).is_err() {
                break;
            }
            let s = connector_for(&conninfo).connect().await.unwrap();
            if backend_pid(&s).await == pid {
                second = Some(s);
                break;
            }
        }
        let reused = second.is_some();
        let second = match second {
            Some(s) => s,
            None => {
                let s = connector_for(&conninfo).connect().await.unwrap();
                let other = backend_pid(&s).await;
                plan.steps[0].params[0] = Some(other.to_string());
                s
            }
        };
        println!("{verb}: pid handed out again by the kernel: {reused}");
        let o = e.execute(&plan, Duration::from_secs(2)).await;
        assert_eq!(
            o.status,
            hypertop::actions::journal::Status::Failed,
            "{o:?}"
        );
        assert!(
            o.error
                .as_deref()
                .is_some_and(|m| m.contains("its pid is another session's now")),
            "{o:?}"
        );
        // the new session was neither cancelled nor ended
        second.client.simple_query("SELECT 1").await.unwrap();
    }
}
