//! The journal under failure: a process killed mid-action, SIGTERM / SIGHUP during `run`, an
//! outcome that cannot be written, and rollbacks that must undo their own change and no other.

use hypertop::actions::journal::{Ending, Status};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hypertop::actions::parse::parse;
use hypertop::headless::{self, RunOptions};

use crate::actions::{env_for, Env, SERIAL};
use crate::engines::{action_engine, fresh_hypertable, hold_lock, native_database, psql};
use crate::process::must;

/// `run --yes` refuses the rollback `line` while a later change of its setting stands (the
/// value `query` reads stays `later`), and `--force` runs it (the value is `restored`).
async fn refused_then_forced(e: &Env, line: &str, query: &str, later: &str, restored: &str) {
    refused_then_forced_to(e, line, (query, later), (query, restored)).await;
}

/// [`refused_then_forced`] with a value of its own for each: refused, what `refused.0` reads
/// stays `refused.1`; forced, what `forced.0` reads is `forced.1`.
async fn refused_then_forced_to(e: &Env, line: &str, refused: (&str, &str), forced: (&str, &str)) {
    let ctx = e.ctx();
    let yes = RunOptions {
        yes: true,
        ..Default::default()
    };
    assert_eq!(headless::run(&ctx, line, yes).await, headless::EXIT_FAILED);
    assert_eq!(e.value(refused.0).await, refused.1);
    let force = RunOptions { force: true, ..yes };
    assert_eq!(headless::run(&ctx, line, force).await, 0);
    assert_eq!(e.value(forced.0).await, forced.1);
}

/// The rollback of journal entry `id` after `what` was changed outside hypertop: its plan needs
/// `--force` and says why. Its command line.
async fn rollback_asking_for_force(e: &Env, id: impl std::fmt::Display, what: &str) -> String {
    let line = format!("rollback {id}");
    let plan = headless::make_plan(&e.ctx(), &parse(&line).unwrap())
        .await
        .unwrap();
    assert!(
        plan.needs_force
            && plan
                .warnings
                .iter()
                .any(|w| w.contains(what) && w.contains("someone changed it since")),
        "{plan:?}"
    );
    line
}

async fn compressed(e: &Env) -> i64 {
    e.value("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' AND is_compressed")
        .await
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_action_killed_midway_is_rolled_back_for_every_object_it_named() {
    let _serial = SERIAL.lock().await;
    let e = env_for(&action_engine().conninfo()).await;
    let before = compressed(&e).await;
    let ctx = e.ctx();
    let plan = headless::make_plan(&ctx, &parse("compress scn.metrics").unwrap())
        .await
        .unwrap();
    assert!(plan.steps.len() >= 3, "{}", plan.summary);
    // The intent is written, two of the chunks are compressed, then the process is killed.
    e.journal.intent(&ctx.origin, &plan).unwrap();
    for step in &plan.steps[..2] {
        e.session
            .client
            .query(step.sql.as_str(), &[&step.params[0].clone().unwrap()])
            .await
            .unwrap();
    }
    assert_eq!(compressed(&e).await, before + 2);
    let history =
        hypertop::actions::journal::format_history(&e.journal.history(&ctx.origin).unwrap(), true);
    assert!(history[0].contains("unfinished"), "{history:?}");
    // Rollback replays the undo for every chunk the intent named; the undone ones are skipped.
    e.act("rollback").await.unwrap();
    assert_eq!(compressed(&e).await, before);
}

#[tokio::test]
async fn rollback_restores_its_own_setting_and_asks_before_overwriting_a_later_one() {
    let _serial = SERIAL.lock().await;
    let e = env_for(&action_engine().conninfo()).await;
    let field = |f: &'static str| {
        format!("SELECT {f}::text FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'metrics'")
    };
    let job = e.value(&field("job_id")).await;
    let schedule = e.value(&field("schedule_interval")).await;
    let after = e.value(&field("config->>'compress_after'")).await;
    let first = e.act(&format!("set-schedule {job} 6h")).await.unwrap();
    e.act(&format!("pause-job {job}")).await.unwrap();
    e.act("set-compress-after scn.metrics 30days")
        .await
        .unwrap();
    // Rolling back the schedule leaves the later pause and compress_after alone.
    let id = first.journal_id.unwrap();
    e.act(&format!("rollback {id}")).await.unwrap();
    assert_eq!(e.value(&field("schedule_interval")).await, schedule);
    assert_eq!(e.value(&field("scheduled")).await, "false");
    assert_eq!(
        e.value(&field("config->>'compress_after'")).await,
        "30 days"
    );
    // A later change of the same setting: `run --yes` refuses without --force.
    let second = e.act(&format!("set-schedule {job} 2h")).await.unwrap();
    e.act(&format!("set-schedule {job} 3h")).await.unwrap();
    let line = format!("rollback {}", second.journal_id.unwrap());
    let schedule_now = field("schedule_interval");
    refused_then_forced(&e, &line, &schedule_now, "03:00:00", &schedule).await;
    // Put the scenario back for the other tests.
    e.act(&format!("resume-job {job}")).await.unwrap();
    e.act(&format!("set-compress-after scn.metrics '{after}'"))
        .await
        .unwrap();
}

/// `hypertop run 'reindex public.busy' --yes` waiting on a lock another session holds, with its
/// stderr read until the statement started.
fn run_blocked(conninfo: &str, journal: &std::path::Path) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args([
            "run",
            "reindex public.busy",
            "--yes",
            "--lock-timeout",
            "60s",
            conninfo,
        ])
        .arg("--journal")
        .arg(journal)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push(line.clone());
        if line.starts_with("[1/1]") {
            break;
        }
        line.clear();
    }
    assert!(
        seen.iter().any(|l| l.starts_with("[1/1]")),
        "the statement never started: {seen:?}"
    );
    // The statement has reached the server when a session waits for a lock (a fixed pause
    // here was a flake waiting for a slow machine).
    let start = Instant::now();
    while psql(
        conninfo,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    ) == "0"
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the reindex never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
    });
    (child, seen)
}

fn wait(child: &mut Child) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "run did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn sigterm_and_sighup_stop_run_cleanly_and_journal_the_outcome() {
    let conninfo = native_database("signals");
    psql(&conninfo, "CREATE TABLE public.busy (id int PRIMARY KEY)");
    let _holder = hold_lock(&conninfo, "public.busy").await;
    let dir = tempfile::tempdir().unwrap();
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        let journal = dir.path().join(format!("{name}.jsonl"));
        let (mut child, _) = run_blocked(&conninfo, &journal);
        // SAFETY: a plain kill(2) of our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        assert_eq!(wait(&mut child), 130, "{name}");
        let text = std::fs::read_to_string(&journal).unwrap();
        let outcome = text
            .lines()
            .find(|l| l.contains("\"event\":\"outcome\""))
            .unwrap_or_else(|| panic!("{name}: no outcome journaled: {text}"));
        assert!(outcome.contains("\"outcome\":\"cancelled\""), "{outcome}");
    }
}

#[tokio::test]
async fn an_outcome_that_cannot_be_journaled_fails_the_run() {
    let conninfo = native_database("journalfail");
    psql(&conninfo, "CREATE TABLE public.busy (id int PRIMARY KEY)");
    let holder = hold_lock(&conninfo, "public.busy").await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (mut child, _) = run_blocked(&conninfo, &journal);
    // While the statement waits, the journal's path stops being a writable file.
    std::fs::rename(&journal, dir.path().join("moved.jsonl")).unwrap();
    std::fs::create_dir(&journal).unwrap();
    holder.client.batch_execute("COMMIT").await.unwrap();
    let mut stdout = String::new();
    let code = wait(&mut child);
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(code, 1, "a lost outcome is a failure: {stdout}");
    assert!(!stdout.contains("Done:"), "{stdout}");
}

#[tokio::test]
async fn an_entry_of_another_server_at_the_same_address_is_not_rolled_back() {
    let conninfo = native_database("identity");
    let e = env_for(&conninfo).await;
    let here = e.ctx().origin;
    assert!(
        here.system_id.as_deref().is_some_and(|id| id.len() >= 10),
        "a superuser reads the system identifier: {here:?}"
    );
    let mut plan = hypertop::actions::Plan::new("pause-job 1".into(), String::new(), vec![], "");
    plan.steps = vec![crate::foreign_step("x", "SELECT 1")];
    plan.inverse = Some(vec![crate::foreign_step(
        "undo",
        "CREATE TABLE public.must_not_exist (x int)",
    )]);
    // Written through a tunnel that now leads to another cluster: same host, port and name.
    let mut elsewhere = here.clone();
    elsewhere.system_id = Some("1".into());
    let id = e.journal.intent(&elsewhere, &plan).unwrap();
    e.journal
        .outcome(
            &id,
            &elsewhere,
            &plan.command,
            Ending::new(Status::Ok, 1, None),
        )
        .unwrap();
    let err = e.act("rollback").await.unwrap_err().to_string();
    assert!(err.contains("nothing to roll back"), "{err}");
    let err = e
        .act(&format!("rollback {id}"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no journal entry"), "{err}");
    assert_eq!(
        psql(
            &conninfo,
            "SELECT to_regclass('public.must_not_exist') IS NULL"
        ),
        "t"
    );
    // The same entry written here is this database's, whatever port it came through.
    let mut other_port = here.clone();
    other_port.port = "1".into();
    let id = e.journal.intent(&other_port, &plan).unwrap();
    let target = hypertop::actions::rollback::undoing(&e.journal, &here, None)
        .unwrap()
        .entry;
    assert_eq!(target.id(), id);
}

/// A change made outside hypertop after an entry (psql's alter_job): the rollback compares
/// with the server, not only with its journal. A change of another setting does not stop it; a
/// change of the setting it restores makes `run --yes` refuse without --force, and the preview
/// says what is there now. On every server.
#[tokio::test]
async fn rollback_refuses_to_overwrite_a_change_made_outside_hypertop() {
    let _serial = SERIAL.lock().await;
    crate::engines::on_each(crate::engines::action_servers("outside"), async |server| {
        let e = env_for(&server.conninfo).await;
        let field = |f: &str| {
            format!("SELECT {f}::text FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'metrics'")
        };
        let job = e.value(&field("job_id")).await;
        let schedule = e.value(&field("schedule_interval")).await;
        let entry = e.act(&format!("set-schedule {job} 6h")).await.unwrap();
        let line = format!("rollback {}", entry.journal_id.unwrap());
        let ctx = e.ctx();
        // Another setting changed in psql: nothing of this rollback's, it goes ahead.
        psql(
            &server.conninfo,
            &format!("SELECT alter_job({job}, max_retries => 7)"),
        );
        let plan = headless::make_plan(&ctx, &parse(&line).unwrap())
            .await
            .unwrap();
        assert!(!plan.needs_force, "{:?}", plan.warnings);
        // The schedule changed in psql: refused without --force, and said why.
        psql(
            &server.conninfo,
            &format!("SELECT alter_job({job}, schedule_interval => interval '3 hours')"),
        );
        let plan = headless::make_plan(&ctx, &parse(&line).unwrap())
            .await
            .unwrap();
        assert!(plan.needs_force, "{plan:?}");
        assert!(
            plan.warnings.iter().any(|w| w.contains("schedule_interval")
                && w.contains("03:00:00")
                && w.contains("someone changed it since")),
            "{:?}",
            plan.warnings
        );
        let schedule_now = field("schedule_interval");
        refused_then_forced(&e, &line, &schedule_now, "03:00:00", &schedule).await;
        psql(
            &server.conninfo,
            &format!("SELECT alter_job({job}, max_retries => -1)"),
        );
    })
    .await;
}

/// A chunk interval or compression settings changed in psql after hypertop set them: their
/// rollback compares with the server too, and asks before overwriting the colleague's change.
#[tokio::test]
async fn settings_rollbacks_refuse_to_overwrite_a_change_made_outside_hypertop() {
    let _serial = SERIAL.lock().await;
    crate::engines::on_each(crate::engines::action_servers("settings"), async |server| {
        let e = env_for(&server.conninfo).await;
        psql(
            &server.conninfo,
            "DROP TABLE IF EXISTS scn.settings_rb;
             CREATE TABLE scn.settings_rb (t timestamptz NOT NULL, device int, v int);
             SELECT create_hypertable('scn.settings_rb', 't', chunk_time_interval => interval '1 day');",
        );
        let interval = "SELECT d.interval_length::text FROM _timescaledb_catalog.dimension d
                          JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
                         WHERE h.table_name = 'settings_rb'";
        let entry = e.act("set-chunk-interval scn.settings_rb 2d").await.unwrap();
        psql(
            &server.conninfo,
            "SELECT set_chunk_time_interval('scn.settings_rb', interval '3 days')",
        );
        let line =
            rollback_asking_for_force(&e, entry.journal_id.unwrap(), "chunk interval").await;
        refused_then_forced(&e, &line, interval, "259200000000", "86400000000").await;

        let segmentby = "SELECT coalesce(string_agg(attname, ','), '') FROM timescaledb_information.compression_settings
                          WHERE hypertable_name = 'settings_rb' AND segmentby_column_index IS NOT NULL";
        let entry = e
            .act("set-compression scn.settings_rb segmentby=device")
            .await
            .unwrap();
        psql(
            &server.conninfo,
            "ALTER TABLE scn.settings_rb SET (timescaledb.compress, timescaledb.compress_segmentby = 'v')",
        );
        let line =
            rollback_asking_for_force(&e, entry.journal_id.unwrap(), "compression settings").await;
        // forced, the rollback turns compression off again, as it was before the entry
        let enabled = "SELECT compression_enabled::text FROM timescaledb_information.hypertables
                        WHERE hypertable_name = 'settings_rb'";
        refused_then_forced_to(&e, &line, (segmentby, "v"), (enabled, "false")).await;
    })
    .await;
}

/// An action that never recorded its outcome (killed), and a colleague who then added the policy
/// it would have added: its rollback would remove the colleague's policy, so it asks first.
#[tokio::test]
async fn rolling_back_an_unfinished_entry_asks_before_undoing_a_colleagues_change() {
    let _serial = SERIAL.lock().await;
    crate::engines::on_each(
        crate::engines::action_servers("killed_add"),
        async |server| {
            let e = env_for(&server.conninfo).await;
            fresh_hypertable(&server.conninfo, "scn.killed");
            let ctx = e.ctx();
            let plan =
                headless::make_plan(&ctx, &parse("set-retention scn.killed 30days").unwrap())
                    .await
                    .unwrap();
            // Journaled as it starts (with the state it found), then killed before its statement.
            let before = hypertop::actions::state::read(&e.session.client, &plan.changes)
                .await
                .unwrap();
            let id = e
                .journal
                .intent_with(&ctx.origin, &plan, Some(before))
                .unwrap();
            psql(
                &server.conninfo,
                "SELECT add_retention_policy('scn.killed', interval '90 days')",
            );
            let rollback = headless::make_plan(&ctx, &parse(&format!("rollback {id}")).unwrap())
                .await
                .unwrap();
            assert!(rollback.needs_force, "{rollback:?}");
            assert!(
                rollback
                    .warnings
                    .iter()
                    .any(|w| w.contains("policy_retention") && w.contains("no outcome")),
                "{:?}",
                rollback.warnings
            );
            let yes = RunOptions {
                yes: true,
                ..Default::default()
            };
            assert_eq!(
                headless::run(&ctx, &format!("rollback {id}"), yes).await,
                headless::EXIT_FAILED
            );
            assert_eq!(
                psql(
                    &server.conninfo,
                    "SELECT config->>'drop_after' FROM timescaledb_information.jobs
                  WHERE hypertable_name = 'killed' AND proc_name = 'policy_retention'",
                ),
                "90 days",
                "the colleague's policy stays"
            );
        },
    )
    .await;
}

/// The journal says who ran an action as the system knows them (from the user id), not as
/// `$USER` claims.
#[tokio::test]
async fn the_journal_names_the_account_not_what_user_says() {
    let _serial = SERIAL.lock().await;
    let conninfo = action_engine().conninfo();
    let job = psql(
        &conninfo,
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'metrics'",
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    for line in [format!("pause-job {job}"), format!("resume-job {job}")] {
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["run", &line, "--yes", &conninfo])
            .arg("--journal")
            .arg(&journal)
            .env("USER", "mallory")
            .env("LOGNAME", "mallory")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        must(out, &line);
    }
    let account = Command::new("id").arg("-un").output().unwrap();
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    let kept = std::fs::read_to_string(&journal).unwrap();
    assert!(!kept.contains("mallory"), "{kept}");
    assert!(
        kept.contains(&format!("\"os_user\":\"{account}\"")),
        "{kept}"
    );
}

/// The journal proves its author: one that belongs to another user, or that others can write,
/// is neither read nor run back; and in a private journal of one's own, an undo edited into
/// another statement is refused — only statements hypertop writes are rolled back.
#[tokio::test]
async fn rollback_runs_only_what_hypertop_wrote_in_a_journal_of_ones_own() {
    use std::os::unix::fs::PermissionsExt;
    let _serial = SERIAL.lock().await;
    let e = env_for(&action_engine().conninfo()).await;
    let job = e
        .value("SELECT job_id::text FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'metrics'")
        .await;
    let schedule = format!(
        "SELECT schedule_interval::text FROM timescaledb_information.jobs WHERE job_id = {job}"
    );
    let was = e.value(&schedule).await;
    let entry = e.act(&format!("set-schedule {job} 6h")).await.unwrap();
    let line = format!("rollback {}", entry.journal_id.unwrap());
    let path = e.journal.path.clone();
    let written = std::fs::read_to_string(&path).unwrap();
    let ctx = e.ctx();
    let yes = RunOptions {
        yes: true,
        ..Default::default()
    };
    let lo = "SELECT count(*)::text FROM pg_largeobject_metadata WHERE oid = 424242";
    // the undo edited into another statement, in the user's own private journal: refused
    let edited: String = written
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(undo) = v.pointer_mut("/plan/inverse/0/sql") {
                *undo = "SELECT pg_catalog.lo_import('/etc/hostname', 424242) WHERE $1::text IS NOT NULL".into();
            }
            v.to_string() + "\n"
        })
        .collect();
    std::fs::write(&path, &edited).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let refused = headless::make_plan(&ctx, &parse(&line).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("is not a statement hypertop writes"),
        "{refused}"
    );
    assert_eq!(headless::run(&ctx, &line, yes).await, headless::EXIT_FAILED);
    assert_eq!(e.value(lo).await, "0");
    // the journal as hypertop wrote it, but another user's: neither read nor run
    std::fs::write(&path, &written).unwrap();
    let nobody = 65534;
    std::os::unix::fs::chown(&path, Some(nobody), Some(nobody)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = headless::make_plan(&ctx, &parse(&line).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("belongs to another user"), "{refused}");
    assert!(e
        .journal
        .read()
        .unwrap_err()
        .to_string()
        .contains("belongs to another user"));
    // this user's, but others may write it: refused too
    std::os::unix::fs::chown(&path, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let refused = headless::make_plan(&ctx, &parse(&line).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("can be written by others"), "{refused}");
    assert_eq!(e.value(&schedule).await, "06:00:00");
    // made private again, as it was written: rolled back
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(headless::run(&ctx, &line, yes).await, 0);
    assert_eq!(e.value(&schedule).await, was);
}
