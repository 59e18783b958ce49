//! Every action against the TimescaleDB engine changes exactly what its plan says (checked in
//! the catalog) and its rollback restores the captured state; locks, cancel and --read-only on
//! native PostgreSQL; `hypertop run` as scripts use it.

use hypertop::actions::journal::Status;
use std::time::Duration;

use hypertop::actions::execute::{self, Cancel, Outcome};
use hypertop::actions::journal::{self, Journal};
use hypertop::actions::parse::parse;
use hypertop::actions::spec::COMMANDS;
use hypertop::capabilities::Capabilities;
use hypertop::connect::{Connector, Session};
use hypertop::headless::{self, Context};
use hypertop::model::caggs::Watermark;
use hypertop::model::{self, Payload, QueryKind};
use tokio::sync::Mutex;

use crate::engines::{
    action_engine, action_flow_servers, connector_for, eventually, fresh_hypertable, hold_lock,
    native_database, on_each, psql, Tsdb,
};

/// The action tests change one shared engine: one at a time.
pub(crate) static SERIAL: Mutex<()> = Mutex::const_new(());

pub(crate) struct Env {
    pub(crate) connector: Connector,
    pub(crate) session: Session,
    pub(crate) caps: Capabilities,
    pub(crate) journal: Journal,
    _dir: tempfile::TempDir,
}

pub(crate) async fn env_for(conninfo: &str) -> Env {
    let connector = connector_for(conninfo);
    let session = connector.connect().await.unwrap();
    // The test's own SQL names TimescaleDB's functions unqualified.
    session
        .client
        .batch_execute(crate::engines::DEFAULT_SEARCH_PATH)
        .await
        .unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    Env {
        journal: Journal::new(dir.path().join("journal.jsonl")),
        connector,
        session,
        caps,
        _dir: dir,
    }
}

impl Env {
    pub(crate) fn ctx(&self) -> Context<'_> {
        Context {
            connector: &self.connector,
            session: &self.session,
            caps: &self.caps,
            journal: &self.journal,
            origin: hypertop::actions::journal::Origin::of(&self.connector, &self.caps),
            lock_timeout: Duration::from_secs(2),
            utc: true,
        }
    }

    /// Executes a plan as the palette does (no progress, no cancel), journaled here.
    pub(crate) async fn execute(
        &self,
        plan: &hypertop::actions::Plan,
        lock_timeout: Duration,
    ) -> Outcome {
        let origin = hypertop::actions::journal::Origin::of(&self.connector, &self.caps);
        execute::run(
            &self.connector,
            lock_timeout,
            plan,
            &self.journal,
            &origin,
            None,
            Cancel::default(),
        )
        .await
    }

    /// Plans and executes `line` (the palette's path without the dialog).
    pub(crate) async fn act(&self, line: &str) -> Result<Outcome, String> {
        let ctx = self.ctx();
        let cmd = parse(line).map_err(|e| e.to_string())?;
        let plan = headless::make_plan(&ctx, &cmd)
            .await
            .map_err(|e| e.to_string())?;
        let o = self.execute(&plan, ctx.lock_timeout).await;
        match o.status {
            Status::Ok => Ok(o),
            _ => Err(o.error.unwrap_or_default()),
        }
    }

    async fn ok(&self, line: &str) {
        if let Err(e) = self.act(line).await {
            panic!("{line}: {e}");
        }
    }

    /// The newest journal entry for this database.
    pub(crate) fn last_entry(&self) -> journal::Entry {
        let mut read = self.journal.history(&self.ctx().origin).unwrap();
        read.entries.pop().expect("a journal entry")
    }

    pub(crate) async fn value(&self, sql: &str) -> String {
        let rows = self.session.client.simple_query(sql).await.unwrap();
        rows.iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some(r.get(0).unwrap_or("NULL").to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| "<no row>".into())
    }

    /// Asserts fields of the job of `proc_name` on `hypertable` (or a cagg of that name).
    async fn expect_job(&self, hypertable: &str, proc_name: &str, fields: &[(&str, &str)]) {
        for (field, expected) in fields {
            assert_eq!(
                self.job_field(hypertable, proc_name, field).await,
                *expected,
                "{field} of {proc_name} on {hypertable}"
            );
        }
    }

    async fn job_field(&self, hypertable: &str, proc_name: &str, field: &str) -> String {
        self.value(&format!(
            "SELECT {field}::text FROM timescaledb_information.jobs j
              LEFT JOIN timescaledb_information.continuous_aggregates ca
                     ON (ca.materialization_hypertable_schema, ca.materialization_hypertable_name)
                      = (j.hypertable_schema, j.hypertable_name)
              WHERE coalesce(ca.view_name, j.hypertable_name) = '{hypertable}' AND proc_name = '{proc_name}'"
        ))
        .await
    }
}

#[tokio::test]
async fn job_and_policy_changes_roll_back_exactly() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("jobs"), async |server| {
        let e = env_for(&server.conninfo).await;
        job_and_policy_changes_roll_back_exactly_on(&e, server).await;
    })
    .await;
}

async fn job_and_policy_changes_roll_back_exactly_on(e: &Env, server: &Tsdb) {
    let job = e.job_field("metrics", "policy_compression", "job_id").await;

    e.ok(&format!("pause-job {job}")).await;
    e.expect_job("metrics", "policy_compression", &[("scheduled", "false")])
        .await;
    e.ok("rollback").await;
    e.expect_job("metrics", "policy_compression", &[("scheduled", "true")])
        .await;
    assert!(
        e.act("rollback")
            .await
            .unwrap_err()
            .contains("nothing to roll back"),
        "rolled back once only"
    );

    e.ok(&format!("set-schedule {job} 6h")).await;
    e.expect_job(
        "metrics",
        "policy_compression",
        &[("schedule_interval", "06:00:00")],
    )
    .await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics",
        "policy_compression",
        &[("schedule_interval", "12:00:00")],
    )
    .await;

    e.ok("set-compress-after scn.metrics 14days").await;
    e.expect_job(
        "metrics",
        "policy_compression",
        &[("config->>'compress_after'", "14 days")],
    )
    .await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics",
        "policy_compression",
        &[("config->>'compress_after'", "7 days")],
    )
    .await;

    // Lost update: another session adds a key to the job's config between the preview and
    // Enter; the change writes only its own key, so the other survives (and the rollback too).
    let ctx = e.ctx();
    let plan = headless::make_plan(
        &ctx,
        &parse("set-compress-after scn.metrics 10days").unwrap(),
    )
    .await
    .unwrap();
    psql(
        &server.conninfo,
        &format!(
            "SELECT alter_job({job}, config => config || '{{\"maxchunks_to_compress\": 3}}')
               FROM timescaledb_information.jobs WHERE job_id = {job}"
        ),
    );
    let o = e.execute(&plan, Duration::from_secs(2)).await;
    assert_eq!(o.status, Status::Ok, "{o:?}");
    let config = e
        .job_field("metrics", "policy_compression", "config - 'hypertable_id'")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&config).unwrap(),
        serde_json::json!({"compress_after": "10 days", "maxchunks_to_compress": 3}),
        "{config}"
    );
    e.ok("rollback").await;
    let config = e
        .job_field("metrics", "policy_compression", "config - 'hypertable_id'")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&config).unwrap(),
        serde_json::json!({"compress_after": "7 days", "maxchunks_to_compress": 3}),
        "{config}"
    );
    psql(
        &server.conninfo,
        &format!(
            "SELECT alter_job({job}, config => config - 'maxchunks_to_compress')
               FROM timescaledb_information.jobs WHERE job_id = {job}"
        ),
    );

    // Remove and re-add: same settings, a new job id.
    e.ok("remove-compression-policy scn.metrics").await;
    e.expect_job("metrics", "policy_compression", &[("job_id", "<no row>")])
        .await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics",
        "policy_compression",
        &[
            ("config->>'compress_after'", "7 days"),
            ("schedule_interval", "12:00:00"),
            ("scheduled", "true"),
        ],
    )
    .await;

    // A paused retention policy on a cagg comes back paused, with its drop_after.
    e.ok("remove-retention-policy scn.metrics_daily").await;
    e.expect_job(
        "metrics_daily",
        "policy_retention",
        &[("job_id", "<no row>")],
    )
    .await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics_daily",
        "policy_retention",
        &[
            ("scheduled", "false"),
            ("config->>'drop_after'", "365 days"),
        ],
    )
    .await;

    // Refresh policy: change, undo; add where there is none, undo.
    e.ok("set-refresh-policy scn.metrics_hourly 5d 2h 1h").await;
    e.expect_job(
        "metrics_hourly",
        "policy_refresh_continuous_aggregate",
        &[
            ("config->>'start_offset'", "5 days"),
            ("schedule_interval", "01:00:00"),
        ],
    )
    .await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics_hourly",
        "policy_refresh_continuous_aggregate",
        &[
            ("config->>'start_offset'", "3 days"),
            ("schedule_interval", "00:30:00"),
        ],
    )
    .await;
    e.ok("remove-refresh-policy scn.metrics_hourly").await;
    e.ok("rollback").await;
    e.expect_job(
        "metrics_hourly",
        "policy_refresh_continuous_aggregate",
        &[("config->>'end_offset'", "01:00:00")],
    )
    .await;

    // The journal tells the whole story, newest last.
    let history = e.journal.history(&e.ctx().origin).unwrap().entries;
    assert_eq!(history.len(), 16);
    assert!(history.iter().all(|h| h.status() == Some(Status::Ok)));
    assert!(history[1].intent.rollback_of.as_deref() == Some(history[0].id()));
    assert_eq!(history[0].intent.origin.role, "postgres");
    assert!(
        history[0].intent.sql[0].contains("alter_job"),
        "{:?}",
        history[0].intent.sql
    );
}

#[tokio::test]
async fn hostile_names_act_on_the_right_object_only() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("hostile"), async |server| {
        let e = env_for(&server.conninfo).await;
        hostile_names_act_on_the_right_object_only_on(&e, server).await;
    })
    .await;
}

async fn hostile_names_act_on_the_right_object_only_on(e: &Env, _server: &Tsdb) {
    let long = "l".repeat(63);
    e.session
        .client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS scn.\"{long}\" (t timestamptz NOT NULL);
             SELECT create_hypertable('scn.\"{long}\"', 't', if_not_exists => true);
             CREATE TABLE IF NOT EXISTS public.logs (ts timestamptz NOT NULL);
             SELECT create_hypertable('public.logs', 'ts', if_not_exists => true);"
        ))
        .await
        .unwrap();
    e.ok(r#"set-retention "Ops ""Team"""."events; drop table x" 30days"#)
        .await;
    e.expect_job(
        "events; drop table x",
        "policy_retention",
        &[("config->>'drop_after'", "30 days")],
    )
    .await;
    assert_eq!(
        e.value("SELECT count(*) FROM \"Ops \"\"Team\"\"\".\"events; drop table x\"")
            .await,
        "11",
        "data untouched"
    );
    e.ok("rollback").await;
    e.expect_job(
        "events; drop table x",
        "policy_retention",
        &[("job_id", "<no row>")],
    )
    .await;

    e.ok(&format!("set-retention scn.\"{long}\" 2d")).await;
    assert_eq!(
        e.job_field(&long, "policy_retention", "config->>'drop_after'")
            .await,
        "2 days"
    );
    e.ok("rollback").await;

    // An unqualified name must be unambiguous.
    let err = e
        .act("set-retention logs 1d")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ambiguous") && err.contains("scn.logs") && err.contains("public.logs"),
        "{err}"
    );
    let err = e
        .act("set-retention scn.nope 1d")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no relation named scn.nope") && !err.contains("did you mean"),
        "{err}"
    );
    // a typo is offered the name meant, as a misspelt command is
    let err = e
        .act("set-retention scn.lgos 1d")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean scn.logs?"), "{err}");
    let err = e.act("compress metrcs").await.unwrap_err().to_string();
    assert!(err.contains("did you mean scn.metrics?"), "{err}");
    let err = e
        .act("set-retention scn.logs soon")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an interval"), "{err}");
    let err = e
        .act("set-retention scn.logs '1 fortnight'")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is not an interval") && err.contains("invalid input syntax"),
        "{err}"
    );
    let err = e
        .act("set-compress-after scn.metrics_daily 1d")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a cagg, not a hypertable"), "{err}");
}

#[tokio::test]
async fn compress_refresh_reindex_drop_and_run_job() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("compress"), async |server| {
        let e = env_for(&server.conninfo).await;
        compress_refresh_reindex_drop_and_run_job_on(&e, server).await;
    })
    .await;
}

async fn compress_refresh_reindex_drop_and_run_job_on(e: &Env, server: &Tsdb) {
    let compressed = || {
        e.value("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' AND is_compressed")
    };
    assert_eq!(compressed().await, "4");
    let o = e
        .act("compress scn.metrics older-than 7days")
        .await
        .unwrap();
    assert_eq!(o.completed, 6, "the backlog");
    assert_eq!(compressed().await, "10");
    e.ok("rollback").await;
    assert_eq!(
        compressed().await,
        "4",
        "exactly the chunks it compressed are decompressed"
    );
    let chunk = e.value("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' AND is_compressed ORDER BY range_start LIMIT 1").await;
    e.ok(&format!("decompress chunk {chunk}")).await;
    assert_eq!(compressed().await, "3");
    e.ok("rollback").await;
    assert_eq!(compressed().await, "4");

    // Refresh over a window: the watermark moves; nothing to undo.
    e.ok("refresh scn.metrics_hourly '2024-01-01' '2024-01-08'")
        .await;
    let Ok(Payload::Caggs(caggs)) =
        model::fetch(QueryKind::Caggs, None, &e.session.client, &e.caps).await
    else {
        panic!("caggs")
    };
    let hourly = caggs.iter().find(|c| c.name == "metrics_hourly").unwrap();
    assert_eq!(
        hourly.watermark,
        Some(Watermark::Time("2024-01-08T00:00:00Z".parse().unwrap()))
    );
    let err = e.act("rollback").await.unwrap_err().to_string();
    assert!(
        err.contains("cannot be rolled back") || err.contains("nothing to roll back"),
        "{err}"
    );
    // a window running backwards: refused before planning, with the reason, nothing journaled
    let entries = e.journal.history(&e.ctx().origin).unwrap().entries.len();
    for backwards in [
        "refresh scn.metrics_hourly now '2000-01-01'",
        "refresh scn.metrics_hourly '2024-01-08' '2024-01-08'",
    ] {
        let err = e.act(backwards).await.unwrap_err().to_string();
        assert!(err.contains("is not after its start"), "{backwards}: {err}");
    }
    assert_eq!(
        e.journal.history(&e.ctx().origin).unwrap().entries.len(),
        entries
    );

    // Reindex a hypertable: chunk by chunk, concurrently. (The WASM engine cannot run REINDEX
    // CONCURRENTLY — one backend — so there the plan is checked; native servers execute it.)
    let plan = headless::make_plan(&e.ctx(), &parse("reindex scn.metrics").unwrap())
        .await
        .unwrap();
    assert_eq!(plan.steps.len(), 10);
    assert!(
        plan.steps.iter().all(|s| s
            .sql
            .starts_with("REINDEX TABLE CONCURRENTLY \"_timescaledb_internal\".\"_hyper_1_")),
        "{:?}",
        plan.steps
    );
    let invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid";
    if server.native {
        let o = e.execute(&plan, Duration::from_secs(5)).await;
        assert_eq!((o.status, o.completed), (Status::Ok, 10), "{:?}", o.error);
        assert_eq!(e.value(invalid).await, "0");
    }
    let plan = headless::make_plan(
        &e.ctx(),
        &parse(r#"reindex "Ops ""Team"""."idx é ""quoted""""#).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(plan.steps.len(), 3, "one per chunk index");
    assert!(
        plan.steps[0]
            .sql
            .starts_with("REINDEX INDEX CONCURRENTLY \"_timescaledb_internal\".\"_hyper_"),
        "{:?}",
        plan.steps
    );
    if server.native {
        let o = e.execute(&plan, Duration::from_secs(5)).await;
        assert_eq!((o.status, o.completed), (Status::Ok, 3), "{:?}", o.error);
        assert_eq!(e.value(invalid).await, "0");
    }

    // A failing job: the error and SQLSTATE come back, the journal says failed.
    let job = e
        .value("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'nightly_export'")
        .await;
    let err = e
        .act(&format!("run-job {job}"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("export target unreachable") && err.contains("P0001"),
        "{err}"
    );
    let last = e.last_entry();
    assert_eq!(last.status(), Some(Status::Failed));

    // drop-index: gone, definition journaled, irreversible.
    e.ok("drop-index scn.metrics_time_dup").await;
    assert_eq!(
        e.value("SELECT count(*) FROM pg_indexes WHERE indexname = 'metrics_time_dup'")
            .await,
        "0"
    );
    let last = e.last_entry();
    let prev = last.intent.plan.unwrap().previous.unwrap();
    assert!(
        prev["definition"]
            .as_str()
            .unwrap()
            .contains("CREATE INDEX metrics_time_dup"),
        "{prev}"
    );
    let err = e
        .act(&format!("rollback {}", last.intent.id))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot be rolled back") && err.contains("definition is kept"),
        "{err}"
    );
}

#[tokio::test]
async fn read_only_refuses_every_mutating_command_and_the_server_rejects_writes() {
    // Native PostgreSQL: a server that itself refuses the writes.
    let conninfo = native_database("readonly");
    psql(&conninfo, "CREATE TABLE t (id int PRIMARY KEY)");
    let e = env_for(&conninfo).await;
    let mut settings = e.connector.settings().clone();
    settings.read_only = true;
    let connector = e.connector.with_settings(settings);
    let samples = [
        "refresh scn.metrics_hourly",
        "compress scn.metrics",
        "decompress scn.metrics",
        "reindex t",
        "run-job 1",
        "start-job 1",
        "pause-job 1",
        "resume-job 1",
        "set-schedule 1 1h",
        "set-compress-after scn.metrics 1d",
        "remove-compression-policy scn.metrics",
        "set-chunk-interval scn.metrics 1d",
        "set-compression scn.metrics segmentby=device",
        "set-retention scn.logs 1d",
        "remove-retention-policy scn.logs",
        "set-refresh-policy scn.metrics_hourly 1d 1h 1h",
        "remove-refresh-policy scn.metrics_hourly",
        "add-compaction-policy scn.metrics",
        "remove-compaction-policy scn.metrics",
        "drop-index t_pkey",
        "drop-chunks scn.logs older-than 1d",
        "merge-chunks scn.metrics older-than 7d",
        "compact scn.metrics",
        "cancel-backend 4242",
        "terminate-backend 4242",
        "rollback",
    ];
    let names: Vec<&str> = samples
        .iter()
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    for name in COMMANDS.iter().map(|s| s.name).filter(|n| *n != "history") {
        assert!(names.contains(&name), "{name} has no read-only sample");
    }
    let origin = hypertop::actions::journal::Origin::of(&connector, &e.caps);
    for line in samples {
        let cmd = parse(line).unwrap();
        assert!(cmd.is_mutating(), "{line}");
        // Whatever the plan, it is refused before a session is opened.
        let plan = hypertop::actions::Plan {
            steps: vec![crate::foreign_step(
                "write",
                "CREATE TABLE should_not_exist (x int)",
            )],
            ..hypertop::actions::Plan::new(line.into(), String::new(), vec![], "")
        };
        let o = execute::run(
            &connector,
            Duration::from_secs(1),
            &plan,
            &e.journal,
            &origin,
            None,
            Cancel::default(),
        )
        .await;
        assert_eq!(o.status, Status::Failed, "{line}");
        assert!(o.error.unwrap().contains("read-only"), "{line}");
    }
    assert!(
        e.journal.read().unwrap().entries.is_empty(),
        "nothing was even journaled"
    );
    // The read-only session itself cannot write either.
    let session = connector.connect().await.unwrap();
    let err = session
        .client
        .batch_execute("CREATE TABLE should_not_exist (x int)")
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "25006", "{err}");
    // And `hypertop run --read-only` says so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args([
            "run",
            "reindex t",
            &conninfo,
            "--read-only",
            "--yes",
            "--journal",
        ])
        .arg(e.journal.path.clone())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused: --read-only"), "{stderr}");
}

#[tokio::test]
async fn a_held_lock_makes_reindex_fail_within_lock_timeout_and_cancel_works() {
    let conninfo = native_database("locks");
    psql(
        &conninfo,
        "CREATE TABLE busy (id int PRIMARY KEY); INSERT INTO busy SELECT generate_series(1, 1000);",
    );
    let e = env_for(&conninfo).await;
    // Another session holds an ACCESS EXCLUSIVE lock in an open transaction.
    let holder = hold_lock(&conninfo, "public.busy").await;

    let ctx = e.ctx();
    let cmd = parse("reindex busy").unwrap();
    let plan = headless::make_plan(&ctx, &cmd).await.unwrap();
    assert!(plan.steps[0]
        .sql
        .starts_with("REINDEX TABLE CONCURRENTLY \"public\".\"busy\""));
    let started = std::time::Instant::now();
    let o = e.execute(&plan, Duration::from_secs(1)).await;
    let took = started.elapsed();
    assert_eq!(o.status, Status::Failed);
    let err = o.error.unwrap();
    assert!(
        err.contains("lock timeout") && err.contains("--lock-timeout"),
        "{err}"
    );
    assert!(
        err.contains("AccessExclusiveLock on public.busy"),
        "the holder is named: {err}"
    );
    assert!(took < Duration::from_secs(10), "failed after {took:?}");

    // With a long lock_timeout it waits; a cancel stops it at once.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = Cancel::default();
    let run = execute::run(
        &e.connector,
        Duration::from_secs(120),
        &plan,
        &e.journal,
        &ctx.origin,
        Some(tx),
        cancel.clone(),
    );
    tokio::pin!(run);
    let started = std::time::Instant::now();
    let outcome = loop {
        tokio::select! {
            o = &mut run => break o,
            Some(p) = rx.recv() => {
                if let execute::Progress::Session(token) = p {
                    let connector = e.connector.clone();
                    let cancel = cancel.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        cancel.request();
                        connector.cancel(&token).await.unwrap();
                    });
                }
            }
        }
    };
    assert_eq!(outcome.status, Status::Cancelled, "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    holder.client.batch_execute("ROLLBACK").await.unwrap();
    // Without the lock it runs.
    let o = e.execute(&plan, Duration::from_secs(1)).await;
    assert_eq!((o.status, o.completed), (Status::Ok, 1), "{o:?}");
    // The journal records all three, with their outcomes.
    let statuses: Vec<String> = e
        .journal
        .read()
        .unwrap()
        .entries
        .iter()
        .map(|x| x.status_text().to_string())
        .collect();
    assert_eq!(statuses, ["failed", "cancelled", "ok"]);
}

#[test]
fn run_subcommand_plans_refuses_without_yes_and_executes_with_it() {
    let _serial = SERIAL.blocking_lock();
    let conninfo = action_engine().conninfo();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .arg("run")
            .args(args)
            .arg(&conninfo)
            .arg("--journal")
            .arg(&journal)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, _) = run(&["set-retention scn.logs 45d", "--dry-run"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("add_retention_policy") || out.contains("alter_job"),
        "{out}"
    );
    assert!(
        out.contains("Undo (rollback):") && out.contains("Dry run"),
        "{out}"
    );
    let (code, _, err) = run(&["set-retention scn.logs 45d"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("without --yes"), "{err}");
    let (code, out, err) = run(&["set-retention scn.logs 45d", "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("journal entry"), "{out}");
    let (code, out, _) = run(&["history"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("set-retention scn.logs '45 days'") && out.contains("[ok]"),
        "{out}"
    );
    let (code, _, _) = run(&["rollback", "--yes"]);
    assert_eq!(code, Some(0));
    let (code, _, err) = run(&["frobnicate x"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown command"), "{err}");
    let entries = Journal::new(journal.clone()).read().unwrap().entries;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        journal::format_history(
            &journal::Contents {
                entries: entries.clone(),
                unreadable: 0
            },
            true
        )
        .len(),
        2
    );
}

/// The console on the action engine in an 80x24 terminal, its overview shown; the journal's
/// directory lives as long as the second value.
fn console_at_80x24(wait: Duration) -> (crate::pty::Pty, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(action_engine().conninfo())
        .arg("--journal")
        .arg(dir.path().join("j.jsonl"));
    let pty = crate::pty::Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output("Problems (", wait);
    (pty, dir)
}

/// At 80x24, in a real terminal: a long preview keeps its buttons, a drop keeps its name
/// prompt, Esc after a problem's Enter returns to the problem list, `:jobs` navigates.
#[test]
fn dialogs_and_navigation_at_80x24() {
    let _serial = SERIAL.blocking_lock();
    let wait = Duration::from_secs(20);
    let (mut pty, _dir) = console_at_80x24(wait);
    pty.visit(
        b":drop-chunks scn.logs older-than 1d\r",
        "Confirm: drop-chunks",
        &["Type logs (or scn.logs) and Enter", "Impact"],
        wait,
    );
    pty.visit(
        b":decompress scn.metrics\r",
        "Confirm: decompress",
        &["[ Execute ]"],
        wait,
    );
    pty.type_until(b"\r", "Enter: ", wait);
    pty.type_until(b"\r", "Esc back", wait);
    pty.escape_from("Esc back", wait);
    pty.wait_for_output("Problems (", wait);
    pty.type_until(b":jobs\r", "Jobs (", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
}

/// At 80 columns the columns a table hides are reached with →, and ← goes back; the heading
/// says how many are hidden and with which arrow.
#[test]
fn hidden_columns_are_reached_with_the_arrows_at_80x24() {
    let _serial = SERIAL.blocking_lock();
    let wait = Duration::from_secs(20);
    let (mut pty, _dir) = console_at_80x24(wait);
    pty.type_until(b":caggs\r", "cols hidden →", wait);
    assert!(!pty.screen().contains("Pending"), "{}", pty.screen());
    let mut presses = 0;
    while !pty.screen().contains("Pending") {
        presses += 1;
        assert!(presses <= 10, "→ never showed Pending:\n{}", pty.screen());
        pty.write(b"\x1b[C");
        std::thread::sleep(Duration::from_millis(300));
    }
    pty.wait_for_output("hidden ←", wait);
    for _ in 0..presses {
        pty.write(b"\x1b[D");
        std::thread::sleep(Duration::from_millis(100));
    }
    pty.wait_until_gone("Pending", wait);
    pty.wait_for_output("cols hidden →", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
}

/// The palette at 80x24 in a real terminal: Tab on what several names share, then a second
/// Tab, takes a whole name; an interval is taken as a person writes it (`30 days`, unquoted:
/// it was "unexpected days").
#[test]
fn palette_completes_and_takes_intervals_at_80x24() {
    let _serial = SERIAL.blocking_lock();
    let wait = Duration::from_secs(20);
    let (mut pty, _dir) = console_at_80x24(wait);
    // the names complete from what the tabs read; the scenario's hypertables, which other
    // tests leave in place (its indexes they drop and make)
    pty.type_until(b"2", "scn.metrics", wait);
    pty.write(b":compress scn.");
    pty.wait_for_output(": compress scn.", wait);
    pty.write(b"\t\t");
    pty.wait_until("a whole name after `compress scn.`", wait, |screen| {
        screen
            .lines()
            .filter_map(|l| l.trim_start_matches('│').strip_prefix(": compress scn."))
            .any(|rest| rest.chars().next().is_some_and(char::is_alphanumeric))
    });
    pty.escape_from(": compress scn.", wait);
    pty.type_until(
        b":set-retention scn.logs 30 days\r",
        "Confirm: set-retention",
        wait,
    );
    pty.escape_from("Confirm: set-retention", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
}

/// A resized terminal (a tmux pane split, a window made wider) is drawn whole at its new size:
/// the console keeps its size between frames and takes the new one from the resize event.
#[test]
fn a_resized_terminal_is_drawn_at_its_new_size() {
    let _serial = SERIAL.blocking_lock();
    let wait = Duration::from_secs(20);
    let (mut pty, _dir) = console_at_80x24(wait);
    assert!(
        !pty.screen().contains("Hypertables"),
        "80 columns abbreviate the tab names:\n{}",
        pty.screen()
    );
    pty.resize(160, 40);
    pty.wait_for_output("2 Hypertables", wait);
    let screen = pty.screen();
    let widest = screen.lines().map(|l| l.trim_end().chars().count()).max();
    assert!(widest > Some(80), "drawn at 160 columns:\n{screen}");
    pty.resize(80, 24);
    pty.wait_for_output("Problems (", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
}

/// The palette end to end in a terminal: plan, confirm (Cancel is the default), execute,
/// journal, and roll back; and a screen key opening the same preview.
#[test]
fn palette_in_a_terminal() {
    use crate::pty::{assert_screen_restored, Pty};
    let _serial = SERIAL.blocking_lock();
    let conninfo = action_engine().conninfo();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let scheduled = || {
        psql(&conninfo, "SELECT scheduled FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name = 'logs'")
    };
    let job = psql(&conninfo, "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name = 'logs'");
    assert_eq!(scheduled(), "t");
    let wait = Duration::from_secs(20);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(&conninfo)
        .arg("--journal")
        .arg(&journal)
        .args(["--refresh", "1"]);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output("Problems (", wait);
    pty.write(b":pause-jo");
    pty.wait_for_output("pause-job <job id>", wait);
    pty.type_until(
        format!("b {job}\r").as_bytes(),
        &format!("Confirm: pause-job {job}"),
        wait,
    );
    pty.write(b"\r");
    pty.wait_until_gone("Confirm: pause-job", wait);
    assert_eq!(
        scheduled(),
        "t",
        "Enter on the default (Cancel) does nothing"
    );
    pty.write(format!(":pause-job {job}\r").as_bytes());
    pty.wait_for_output("[ Execute ]", wait);
    pty.write(b"\x1b[C\r");
    pty.wait_for_output(&format!("ok: pause-job {job}"), wait);
    assert_eq!(scheduled(), "f");
    pty.write(b" ");
    pty.write(b":rollback\r");
    pty.wait_for_output("Confirm: rollback", wait);
    pty.write(b"\x1b[C\r");
    pty.wait_for_output("ok: rollback", wait);
    assert_eq!(scheduled(), "t");
    pty.write(b" ");
    // On the Jobs tab, P on the selected job opens the same preview.
    pty.write(b"6");
    pty.wait_for_output("Jobs (", wait);
    pty.write(b"/retention\r");
    pty.write(b"P");
    pty.wait_for_output("Confirm: pause-job", wait);
    // A lone Esc, not the start of Alt-: (terminals send Alt-x as Esc x).
    pty.escape_from("Confirm: pause-job", wait);
    pty.type_until(b":history\r", "History (newest last)", wait);
    pty.wait_for_output("rollback of", wait);
    pty.write(b" q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
    let entries = Journal::new(journal).read().unwrap().entries;
    assert_eq!(entries.len(), 2);
}

#[tokio::test]
async fn zero_negative_and_unitless_intervals_are_refused_before_a_plan() {
    let _serial = SERIAL.lock().await;
    let e = env_for(&action_engine().conninfo()).await;
    let ctx = e.ctx();
    for (line, needle) in [
        ("set-retention scn.logs 0d", "is zero"),
        ("set-retention scn.logs '-1 day'", "is negative"),
        (
            "set-compress-after scn.metrics '1 day -30 hours'",
            "is negative",
        ),
        ("set-schedule 1000 0s", "is zero"),
    ] {
        let err = headless::make_plan(&ctx, &parse(line).unwrap())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{line}: {err}");
    }
    // A bare number waits for the relation's time type: on a timestamp column it has no unit.
    for line in [
        "set-retention scn.logs 90",
        "drop-chunks scn.logs older-than 90",
    ] {
        let err = headless::make_plan(&ctx, &parse(line).unwrap())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no unit"), "{line}: {err}");
    }
    // A refresh window may end now (an end offset of zero).
    headless::make_plan(
        &ctx,
        &parse("set-refresh-policy scn.metrics_hourly 3d 0h 1h").unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn planning_behind_a_table_lock_fails_fast_and_names_the_holder() {
    let conninfo = native_database("planlock");
    psql(
        &conninfo,
        "CREATE TABLE public.held (a int); CREATE INDEX held_a ON public.held (a)",
    );
    let holder = hold_lock(&conninfo, "public.held").await;
    // The console's and run's planning session: the lock timeout of actions.
    let resolved = hypertop::conninfo::resolve(
        &hypertop::conninfo::ConnectionInputs {
            conninfo: Some(conninfo.clone()),
            ..Default::default()
        },
        &crate::engines::clean_env(),
    )
    .unwrap();
    // A short lock timeout; and the defaults (5 s each), where the statement timeout must not
    // fire first and hide the holder.
    for (statement, lock, limit) in [
        (
            Duration::from_secs(5),
            Duration::from_millis(300),
            Duration::from_secs(3),
        ),
        (
            Duration::from_secs(5),
            Duration::from_secs(5),
            Duration::from_millis(4900),
        ),
    ] {
        let settings = hypertop::connect::SessionSettings::monitoring(statement, lock, false);
        let connector = Connector::new(resolved.clone(), settings).unwrap();
        let session = connector.connect().await.unwrap();
        let caps = Capabilities::detect(&session.client).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path().join("j.jsonl"));
        let origin = hypertop::actions::journal::Origin::of(&connector, &caps);
        let started = std::time::Instant::now();
        let err = hypertop::actions::runner::plan(
            &session.client,
            &caps,
            &journal,
            &origin,
            &parse("drop-index public.held_a").unwrap(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(started.elapsed() < limit, "waited {:?}", started.elapsed());
        assert!(
            err.contains("55P03")
                && err.contains("AccessExclusiveLock on public.held")
                && err.contains("pid"),
            "{err}"
        );
    }
    drop(holder);
}

/// set-retention, set-compress-after and drop-chunks say what the threshold reaches (counted
/// against the catalog), a drop asks for the name, and drop-chunks drops exactly that.
#[tokio::test]
async fn impact_before_consent_and_drop_chunks() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("impact"), async |server| {
        let e = env_for(&server.conninfo).await;
        impact_before_consent_and_drop_chunks_on(&e, server).await;
    })
    .await;
}

async fn impact_before_consent_and_drop_chunks_on(e: &Env, server: &Tsdb) {
    let conninfo = server.conninfo.clone();
    psql(
        &conninfo,
        "DROP TABLE IF EXISTS scn.impact CASCADE;
         CREATE TABLE scn.impact (t timestamptz NOT NULL, v float8);
         SELECT create_hypertable('scn.impact', 't', chunk_time_interval => interval '1 day');
         INSERT INTO scn.impact SELECT g, 1 FROM generate_series(now() - interval '9 days 12 hours', now(), interval '10 minutes') g;",
    );
    let chunks = |older: &str| {
        psql(
            &conninfo,
            &format!(
                "SELECT count(*) FROM show_chunks('scn.impact', older_than => interval '{older}')"
            ),
        )
    };
    let total = psql(&conninfo, "SELECT count(*) FROM show_chunks('scn.impact')");
    let ctx = e.ctx();
    let p = headless::make_plan(&ctx, &parse("set-retention scn.impact 5d").unwrap())
        .await
        .unwrap();
    let expected = format!("drops {} of {total} chunks (", chunks("5 days"));
    assert!(
        p.next_run[0].contains(&expected),
        "{:?} vs {expected}",
        p.next_run
    );
    assert!(
        p.next_run[0].contains("% of the data), "),
        "{:?}",
        p.next_run
    );
    assert_eq!(
        p.confirm,
        hypertop::actions::Confirm::TypeRelation {
            schema: "scn".into(),
            name: "impact".into()
        }
    );
    assert!(
        p.summary.contains("5 days"),
        "the server's reading: {}",
        p.summary
    );

    let p = headless::make_plan(&ctx, &parse("set-retention scn.impact 30d").unwrap())
        .await
        .unwrap();
    assert!(
        p.next_run[0].contains(&format!("drops 0 of {total} chunks")),
        "{:?}",
        p.next_run
    );
    assert_eq!(p.confirm, hypertop::actions::Confirm::Choose);

    let p = headless::make_plan(&ctx, &parse("set-compress-after scn.metrics 7d").unwrap())
        .await
        .unwrap();
    let uncompressed_old = psql(
        &conninfo,
        "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' AND NOT is_compressed AND range_end <= now() - interval '7 days'",
    );
    assert!(
        p.next_run[0].contains(&format!("compresses {uncompressed_old} of ")),
        "{:?}",
        p.next_run
    );

    // A compression policy by creation time (TimescaleDB 2.13+) is previewed by creation
    // time: every chunk was created just now, so none is reached, however old its data.
    let by_creation_time = psql(
        &conninfo,
        "SELECT count(*) FROM pg_proc WHERE proname = 'add_compression_policy'
            AND 'compress_created_before' = ANY (proargnames)",
    ) != "0";
    if by_creation_time {
        psql(
            &conninfo,
            "ALTER TABLE scn.impact SET (timescaledb.compress);
             SELECT add_compression_policy('scn.impact', compress_created_before => interval '1 day');",
        );
        let p = headless::make_plan(&ctx, &parse("set-compress-after scn.impact 2d").unwrap())
            .await
            .unwrap();
        assert!(
            p.summary.contains("compress_created_before"),
            "{}",
            p.summary
        );
        assert!(
            p.next_run[0].contains(&format!("compresses 0 of {total} chunks")),
            "{:?}",
            p.next_run
        );
    }

    // drop-chunks: in `run`, refused without --yes when it cannot ask; then done and journaled.
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .arg("run")
            .args(args)
            .arg(&conninfo)
            .arg("--journal")
            .arg(&journal_path)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let dropped = chunks("3 days");
    let out = run(&["drop-chunks scn.impact older-than 3d", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Impact: this drops {dropped} of {total} chunks")),
        "{text}"
    );
    assert!(text.contains("Irreversible"), "{text}");
    let out = run(&["drop-chunks scn.impact older-than 3d"]);
    assert_eq!(out.status.code(), Some(2));
    let all = || psql(&conninfo, "SELECT count(*) FROM show_chunks('scn.impact')");
    assert_eq!(all(), total, "nothing dropped without --yes");
    let out = run(&["drop-chunks scn.impact older-than 3d", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(chunks("3 days"), "0");
    let left: i64 = all().parse().unwrap();
    assert_eq!(
        left,
        total.parse::<i64>().unwrap() - dropped.parse::<i64>().unwrap()
    );
    let entries = Journal::new(journal_path.clone()).read().unwrap().entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status(), Some(Status::Ok));
    let history = journal::format_history(
        &journal::Contents {
            entries,
            unreadable: 0,
        },
        true,
    );
    assert!(history[0].contains("irreversible"), "{history:?}");
    let err = headless::make_plan(
        &ctx,
        &parse("drop-chunks scn.impact older-than 3d").unwrap(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("nothing to do"), "{err}");
    psql(&conninfo, "DROP TABLE scn.impact CASCADE");
}

/// A REINDEX CONCURRENTLY that fails after building its new index leaves an invalid
/// `*_ccnew` behind: the outcome says so and how to remove it, and that removal works.
#[tokio::test]
async fn a_failed_concurrent_reindex_reports_its_leftover_index() {
    let conninfo = native_database("ccnew");
    psql(
        &conninfo,
        "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 1000); CREATE INDEX t_a ON t (a);",
    );
    let e = env_for(&conninfo).await;
    // An open transaction that wrote to the table: the reindex builds t_a_ccnew, then waits
    // for it and times out.
    let writer = connector_for(&conninfo).connect().await.unwrap();
    writer
        .client
        .batch_execute("BEGIN; INSERT INTO public.t VALUES (1);")
        .await
        .unwrap();
    let ctx = e.ctx();
    let plan = headless::make_plan(&ctx, &parse("reindex t_a").unwrap())
        .await
        .unwrap();
    let o = e.execute(&plan, Duration::from_secs(1)).await;
    assert_eq!(o.status, Status::Failed);
    let err = o.error.unwrap();
    assert!(
        err.contains("left the invalid index public.t_a_ccnew behind")
            && err.contains("drop-index public.t_a_ccnew"),
        "{err}"
    );
    let journaled = e.last_entry();
    assert!(
        journaled
            .outcome
            .unwrap()
            .error
            .unwrap()
            .contains("t_a_ccnew"),
        "the journal keeps it"
    );
    writer.client.batch_execute("ROLLBACK").await.unwrap();
    e.ok("drop-index public.t_a_ccnew").await;
    assert_eq!(
        psql(
            &conninfo,
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
        ),
        "0"
    );
}

/// After decompressing, a chunk's size in the catalog is its real size at once.
#[tokio::test]
async fn decompressed_chunks_are_analyzed() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("analyze"), async |server| {
        let e = env_for(&server.conninfo).await;
        decompressed_chunks_are_analyzed_on(&e, server).await;
    })
    .await;
}

async fn decompressed_chunks_are_analyzed_on(e: &Env, server: &Tsdb) {
    let conninfo = server.conninfo.clone();
    let chunk = psql(
        &conninfo,
        "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
          WHERE hypertable_name = 'metrics' AND is_compressed ORDER BY range_start LIMIT 1",
    );
    e.ok(&format!("decompress chunk {chunk}")).await;
    let (relpages, real) = {
        let row = psql(
            &conninfo,
            &format!("SELECT relpages || ' ' || pg_relation_size(oid) / 8192 FROM pg_class WHERE oid = '{chunk}'::regclass"),
        );
        let v: Vec<i64> = row.split(' ').map(|x| x.parse().unwrap()).collect();
        (v[0], v[1])
    };
    assert!(real > 0);
    assert_eq!(relpages, real, "relpages is current after the action");
    e.ok("rollback").await;
}

/// A TCP pass-through to the native server that can stop forwarding while keeping every socket
/// open: a server that stops answering (a frozen host or process) as the client sees it.
struct FreezingProxy {
    port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Copies `from` to `to` while not frozen (holding the bytes while frozen).
async fn pump(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16384];
    while let Ok(n @ 1..) = from.read(&mut buf).await {
        while frozen.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl FreezingProxy {
    async fn start(upstream_port: u16) -> FreezingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream_port)).await
                else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, flag.clone()));
                tokio::spawn(pump(sr, cw, flag.clone()));
            }
        });
        FreezingProxy { port, frozen }
    }
}

/// An action whose server stops answering mid-statement ends within a few probe periods with
/// status "unknown" (its undo kept), instead of hanging until killed.
#[tokio::test]
async fn an_action_on_a_server_that_stops_answering_ends_and_is_journaled() {
    let conninfo = native_database("frozen");
    psql(
        &conninfo,
        "CREATE TABLE slow (id int PRIMARY KEY); INSERT INTO slow SELECT generate_series(1, 100);",
    );
    let upstream: u16 = conninfo
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("port="))
        .unwrap_or("5432")
        .parse()
        .unwrap();
    let proxy = FreezingProxy::start(upstream).await;
    let through = format!("{conninfo} port={} connect_timeout=2", proxy.port);
    let e = env_for(&through).await;
    // The step waits behind a lock (taken directly, not through the proxy) until the freeze.
    let holder = hold_lock(&conninfo, "public.slow").await;
    let ctx = e.ctx();
    let plan = headless::make_plan(&ctx, &parse("reindex slow").unwrap())
        .await
        .unwrap();
    let frozen = proxy.frozen.clone();
    let waiting = conninfo.clone();
    tokio::spawn(async move {
        // frozen once the step waits behind the lock (not after a fixed pause)
        eventually(Duration::from_secs(30), "the step waiting for the lock", || {
            let waiting = waiting.clone();
            async move {
                let n = tokio::task::spawn_blocking(move || {
                    psql(
                        &waiting,
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
                    )
                })
                .await
                .unwrap();
                (n != "0").then_some(())
            }
        })
        .await;
        frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = std::time::Instant::now();
    let o = e.execute(&plan, Duration::from_secs(600)).await;
    let took = started.elapsed();
    assert_eq!(o.status, Status::Unknown, "{o:?}");
    assert!(
        o.error.as_deref().unwrap().contains("stopped answering"),
        "{o:?}"
    );
    assert!(took < Duration::from_secs(30), "ended after {took:?}");
    assert_eq!(e.last_entry().status(), Some(Status::Unknown));
    holder.client.batch_execute("ROLLBACK").await.unwrap();
}

/// `policy apply` racing a colleague: the retention policy the file adds is added by someone
/// else between the preview and Enter. The step fails with TimescaleDB's own "already exists"
/// (not "job -1 not found" from a policy that was never made), and the colleague's policy is
/// the one that stays.
#[tokio::test]
async fn apply_racing_an_identical_policy_fails_plainly() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("apply_race"), async |server| {
        let e = env_for(&server.conninfo).await;
        fresh_hypertable(&server.conninfo, "scn.race");
        let client = &e.session.client;
        let have = hypertop::model::policies::fetch(client, &e.caps)
            .await
            .unwrap();
        let mut have_file = hypertop::policy::export(&have);
        hypertop::actions::resolve::normalize_intervals(client, &mut have_file, false)
            .await
            .unwrap();
        let mut want = have_file.clone();
        want.hypertables
            .entry("scn.race".into())
            .or_default()
            .retention_policy = Some(hypertop::policy::ThresholdPolicy {
            after: Some(hypertop::policy::Threshold::Interval("30 days".into())),
            created_before: None,
            schedule: "1 day".into(),
            scheduled: true,
        });
        hypertop::actions::resolve::normalize_intervals(client, &mut want, true)
            .await
            .unwrap();
        let drift = hypertop::policy::diff(&want, &have_file);
        assert_eq!(drift.len(), 1, "{drift:?}");
        let facts = hypertop::actions::resolve::apply_facts(client, &e.caps, &have, &want, &drift)
            .await
            .unwrap();
        let plan =
            hypertop::actions::plan::apply::plan_apply("race.toml", &want, &drift, &facts).unwrap();
        // The colleague, between preview and Enter.
        let theirs = psql(
            &server.conninfo,
            "SELECT add_retention_policy('scn.race', interval '90 days')",
        );
        let o = e.execute(&plan, Duration::from_secs(2)).await;
        assert_eq!(o.status, Status::Failed, "{o:?}");
        let err = o.error.clone().unwrap_or_default();
        assert!(
            err.contains("already exists") && !err.contains("-1"),
            "{err}"
        );
        assert_eq!(
            psql(
                &server.conninfo,
                "SELECT string_agg(job_id || ' ' || (config->>'drop_after'), ',')
                   FROM timescaledb_information.jobs
                  WHERE hypertable_name = 'race' AND proc_name = 'policy_retention'",
            ),
            format!("{theirs} 90 days")
        );
    })
    .await;
}

/// Thresholds on an integer-time hypertable are numbers in its units, counted back from its
/// integer_now: set-retention adds and changes a policy with a number (stored as TimescaleDB
/// stores one), drop-chunks drops what ends at or before now less the number, and an interval
/// there is refused before a plan. On every server.
#[tokio::test]
async fn integer_time_thresholds_are_numbers_in_every_action() {
    let _serial = SERIAL.lock().await;
    on_each(action_flow_servers("ticks"), async |server| {
        let e = env_for(&server.conninfo).await;
        psql(
            &server.conninfo,
            "DROP TABLE IF EXISTS scn.ticks;
             CREATE TABLE scn.ticks (t bigint NOT NULL, v int);
             SELECT create_hypertable('scn.ticks', 't', chunk_time_interval => 100);
             CREATE OR REPLACE FUNCTION scn.ticks_now() RETURNS bigint LANGUAGE sql STABLE
               AS $$ SELECT 1000::bigint $$;
             SELECT set_integer_now_func('scn.ticks', 'scn.ticks_now');
             INSERT INTO scn.ticks SELECT g, 1 FROM generate_series(0, 999, 10) g;",
        );
        let drop_after = || {
            psql(
                &server.conninfo,
                "SELECT coalesce(jsonb_typeof(config->'drop_after') || ' ' || (config->>'drop_after'), 'none')
                   FROM timescaledb_information.jobs
                  WHERE hypertable_name = 'ticks' AND proc_name = 'policy_retention'
                  UNION ALL SELECT 'none' LIMIT 1",
            )
        };
        let err = e.act("set-retention scn.ticks 7d").await.unwrap_err().to_string();
        assert!(err.contains("integer time column"), "{err}");
        // A new policy: the preview counts what it drops (one chunk ends at or before 100).
        let ctx = e.ctx();
        let plan = headless::make_plan(&ctx, &parse("set-retention scn.ticks 900").unwrap())
            .await
            .unwrap();
        assert!(
            plan.next_run.iter().any(|i| i.contains("1 of 10 chunks")),
            "{:?}",
            plan.next_run
        );
        e.ok("set-retention scn.ticks 900").await;
        assert_eq!(drop_after(), "number 900");
        // Changed, and rolled back to the number it was.
        e.ok("set-retention scn.ticks 850").await;
        assert_eq!(drop_after(), "number 850");
        e.ok("rollback").await;
        assert_eq!(drop_after(), "number 900");
        e.ok("remove-retention-policy scn.ticks").await;
        e.ok("rollback").await;
        assert_eq!(drop_after(), "number 900");
        // drop-chunks older than 300: what ends at or before 700 — seven of the ten chunks.
        let plan = headless::make_plan(
            &ctx,
            &parse("drop-chunks scn.ticks older-than 300").unwrap(),
        )
        .await
        .unwrap();
        assert!(
            plan.impact.iter().any(|i| i.contains("7 of 10 chunks")),
            "{:?}",
            plan.impact
        );
        let o = e.execute(&plan, Duration::from_secs(2)).await;
        assert_eq!(o.status, Status::Ok, "{o:?}");
        assert_eq!(
            psql(
                &server.conninfo,
                "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'ticks'"
            ),
            "3"
        );
    })
    .await;
}
