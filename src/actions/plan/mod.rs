//! Command + facts read from the catalog → a plan. Object names reach SQL only as parameters
//! (cast to regclass) or as always-quoted identifiers. One module per family of commands
//! (`spec::Family`), each with its two hooks: `facts`, which reads what its commands act on
//! (I/O, with `resolve`'s helpers), and `plan`, pure and tested without a database. What they
//! share — the facts, job changes and their undo, impact — is here.

use serde::Serialize;

use super::change::Change;
use super::parse::{Command, Interval};
use super::{Confirm, Object, Plan, Step};

pub mod apply;
mod batching;
mod chunks;
mod error;
mod indexes;
mod jobs;
mod merge;
mod policies;
mod refresh;
mod sessions;
mod settings;

pub use super::facts::*;
pub use crate::command::spec::Family;
pub use error::{Nothing, PlanError, Unread};
pub use refresh::{refresh_batches, refresh_window, RefreshWindow};

mod job_change;

use job_change::*;

impl JobSettings {
    /// A policy by chunk creation time (`drop_created_before`, `compress_created_before`),
    /// which stays one when changed: TimescaleDB refuses a config with both kinds of key.
    pub fn by_creation_time(&self) -> bool {
        ["drop_created_before", "compress_created_before"]
            .iter()
            .any(|k| config_str(self, k).is_some())
    }
}

impl Facts {
    /// What statements are rendered with: TimescaleDB's schema, and the type a threshold
    /// is given as (a number on an integer time column, an interval otherwise).
    fn vars(&self) -> [(&str, &str); 2] {
        let threshold = if self.integer_time {
            "bigint"
        } else {
            "interval"
        };
        [("ts", self.ts.as_str()), ("threshold_type", threshold)]
    }
}

fn text(s: impl Into<String>) -> Option<String> {
    Some(s.into())
}

fn relation<'a>(facts: &'a Facts, what: &'static str) -> Result<&'a Relation, PlanError> {
    facts
        .relation
        .as_ref()
        .ok_or(PlanError::Unresolved { what })
}

fn expect_kind(r: &Relation, kinds: &[RelationKind], what: &'static str) -> Result<(), PlanError> {
    if kinds.contains(&r.kind) {
        Ok(())
    } else {
        Err(PlanError::WrongKind {
            object: r.shown(),
            kind: r.kind,
            wanted: what,
        })
    }
}

/// Builds the plan for `cmd` from what `resolve` read.
pub fn plan(cmd: &Command, facts: &Facts) -> Result<Plan, PlanError> {
    match cmd {
        Command::Refresh(c) => refresh::plan(c, facts),
        Command::Chunks(c) => chunks::plan(c, facts),
        Command::Merge(c) => merge::plan(c, facts),
        Command::Indexes(c) => indexes::plan(c, facts),
        Command::Jobs(c) => jobs::plan(c, facts),
        Command::Policies(c) => policies::plan(c, facts),
        Command::Sessions(c) => sessions::plan(c, facts),
        Command::Settings(c) => settings::plan(c, facts),
        Command::Journal(_) => Err(PlanError::FromJournal),
    }
}

/// Reads into `f` what `cmd` acts on (I/O), by its family's hook; its intervals become the
/// server's reading of them.
pub async fn read_facts(
    client: &tokio_postgres::Client,
    caps: &crate::capabilities::Capabilities,
    cmd: &mut Command,
    f: &mut Facts,
) -> Result<(), super::resolve::ResolveError> {
    macro_rules! reading {
        ($cmd:expr) => {
            Reading {
                client,
                caps,
                cmd: $cmd,
                facts: f,
            }
        };
    }
    match cmd {
        Command::Refresh(c) => refresh::facts(reading!(c)).await,
        Command::Chunks(c) => chunks::facts(reading!(c)).await,
        Command::Merge(c) => merge::facts(reading!(c)).await,
        Command::Indexes(c) => indexes::facts(reading!(c)).await,
        Command::Jobs(c) => jobs::facts(reading!(c)).await,
        Command::Policies(c) => policies::facts(reading!(c)).await,
        Command::Sessions(c) => sessions::facts(reading!(c)).await,
        Command::Settings(c) => settings::facts(reading!(c)).await,
        Command::Journal(_) => Ok(()),
    }
}

/// Everything `plan` needs for `cmd`; its intervals become the server's reading of them.
pub async fn facts(
    client: &tokio_postgres::Client,
    caps: &crate::capabilities::Capabilities,
    cmd: &mut Command,
) -> Result<Facts, super::resolve::ResolveError> {
    if cmd.family().needs_timescaledb() && caps.timescaledb.is_none() {
        return Err(format!(
            "TimescaleDB is not installed in database \"{}\": only {} work here",
            caps.database,
            plain_commands()
        )
        .into());
    }
    let mut f = Facts {
        ts: super::quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        columnstore: Columnstore(caps.timescaledb.as_ref().is_some_and(|t| t.columnstore)),
        alter_job_clears_timezone: caps
            .timescaledb
            .as_ref()
            .is_some_and(|t| t.alter_job_timezone),
        ..Facts::default()
    };
    read_facts(client, caps, cmd, &mut f).await?;
    Ok(f)
}

/// The changing commands that work without TimescaleDB: `a, b, c and d`.
fn plain_commands() -> String {
    let names: Vec<&str> = crate::command::spec::COMMANDS
        .iter()
        .filter(|s| s.mutating && !s.family.needs_timescaledb())
        .map(|s| s.name)
        .collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What a family's `facts` hook reads with, and the command and facts it fills in.
pub struct Reading<'a, C> {
    pub client: &'a tokio_postgres::Client,
    pub caps: &'a crate::capabilities::Capabilities,
    /// The family's command.
    pub cmd: &'a mut C,
    pub facts: &'a mut Facts,
}

/// When a policy job next runs, in words: its time, or why it will not run on its own.
fn next_run(job: Option<&JobSettings>) -> String {
    match job {
        Some(j) if !j.scheduled => "when it is resumed (it is paused)".into(),
        Some(j) => match &j.next_start {
            Some(t) => format!("at its next run ({t})"),
            None => "at its next run".into(),
        },
        None => "at its first run".into(),
    }
}

/// What changing a retention (or compression) threshold makes the policy's next run do, apart
/// from what it does anyway: chunks already past the old threshold are not this change's doing.
fn threshold_consequences(p: &mut Plan, r: &Relation, facts: &Facts, drops: bool) {
    let Some(i) = facts.impact.as_ref() else {
        return;
    };
    if i.integer_time {
        p.impact.push(format!(
            "{} has integer time and its integer_now function cannot be called here: what this reaches is not counted",
            r.shown()
        ));
        return;
    }
    let verb = if drops { "drops" } else { "compresses" };
    let when = next_run(facts.job.as_ref());
    let anyway = facts
        .impact_now
        .as_ref()
        .map_or((0, 0), |n| (n.chunks.min(i.chunks), n.bytes.min(i.bytes)));
    let (new_chunks, new_bytes) = (i.chunks - anyway.0, i.bytes - anyway.1);
    let b = crate::format::bytes;
    p.next_run.push(match anyway.0 {
        0 => format!("{when} the policy {verb} {}", i.describe()),
        _ => format!(
            "{when} the policy {verb} {}: {} of them ({}) past its threshold as it is, which it {verb} anyway; {new_chunks} ({}) because of this change",
            i.describe(),
            anyway.0,
            b(anyway.1),
            b(new_bytes)
        ),
    });
    if drops && new_chunks > 0 {
        p.lost.push(format!(
            "the {new_chunks} chunk{} of {} ({}) that run drops because of this change, and their data: a rollback restores the policy, not them",
            if new_chunks == 1 { "" } else { "s" },
            r.shown(),
            b(new_bytes)
        ));
    }
    // the name is typed for what this change loses, not for what the policy drops anyway
    if drops && new_chunks > 0 {
        p.confirm = r.confirm_by_name();
    }
}

fn show_impact(p: &mut Plan, r: &Relation, impact: Option<&Impact>, what: &str, drops: bool) {
    let Some(i) = impact else { return };
    if i.integer_time {
        p.impact.push(format!(
            "{} has integer time and its integer_now function cannot be called here: what this reaches is not counted",
            r.shown()
        ));
        return;
    }
    p.impact.push(format!("{what} {}", i.describe()));
    if drops && i.chunks > 0 {
        p.warnings.push(format!(
            "{} chunks of {} and their data will be gone ({}): type its name to confirm",
            i.chunks,
            r.shown(),
            crate::format::bytes(i.bytes)
        ));
        p.confirm = r.confirm_by_name();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_timescaledb_the_index_and_session_commands_are_named() {
        assert_eq!(
            super::plain_commands(),
            "reindex, drop-index, cancel-backend and terminate-backend"
        );
    }

    use super::*;
    use crate::actions::parse::parse;

    fn rel(kind: &str) -> Relation {
        Relation {
            oid: 16400,
            schema: "Ops \"Team\"".into(),
            name: "events; drop table x".into(),
            kind: RelationKind::from_sql(kind),
        }
    }

    fn job(scheduled: bool) -> JobSettings {
        JobSettings {
            job_id: 1003,
            proc_name: "policy_retention".into(),
            proc_schema: "_timescaledb_functions".into(),
            owner: Some("postgres".into()),
            scheduled,
            schedule_interval: "1 day".into(),
            max_runtime: "00:05:00".into(),
            max_retries: -1,
            retry_period: "00:05:00".into(),
            config: Some(serde_json::json!({"drop_after": "30 days", "hypertable_id": 5})),
            next_start: None,
            fixed_schedule: false,
            initial_start: None,
            timezone: None,
            owner_role: None,
        }
    }

    fn chunk(schema: &str, name: &str, oid: u32) -> Object {
        Object {
            oid,
            schema: schema.into(),
            name: name.into(),
        }
    }

    fn facts(r: Option<Relation>, j: Option<JobSettings>) -> Facts {
        Facts {
            ts: "\"public\"".into(),
            relation: r,
            job: j,
            ..Default::default()
        }
    }

    #[test]
    fn names_reach_sql_only_as_parameters_or_quoted_identifiers() {
        let cmd = parse(r#"set-retention "Ops ""Team"""."events; drop table x" 7days"#).unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), None)).unwrap();
        let step = &p.steps[0];
        assert!(!step.sql.contains("drop table x"), "{}", step.sql);
        assert_eq!(step.params[0].as_deref(), Some("16400"), "the oid");
        assert!(step
            .sql
            .starts_with("SELECT \"public\".add_retention_policy("));
        assert_eq!(step.params[1].as_deref(), Some("7 days"));
        let cmd = parse(r#"drop-index "Ops ""Team"""."events; drop table x""#).unwrap();
        let p = plan(&cmd, &facts(Some(rel("index")), None)).unwrap();
        assert_eq!(
            p.steps[0].sql,
            "DROP INDEX CONCURRENTLY \"Ops \"\"Team\"\"\".\"events; drop table x\""
        );
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        assert!(p.inverse.is_none() && p.irreversible.is_some());
    }

    #[test]
    fn changing_an_existing_policy_captures_and_restores_it() {
        let cmd = parse("set-retention scn.logs 90d").unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(job(true)))).unwrap();
        let config: serde_json::Value =
            serde_json::from_str(p.steps[0].params[3].as_deref().unwrap()).unwrap();
        // Only the key it changes is sent (merged into the job's config as it is when it runs).
        assert_eq!(config, serde_json::json!({"drop_after": "90 days"}));
        assert_eq!(p.steps[0].params[4].as_deref(), Some("{}"));
        // The undo puts back drop_after alone: not the schedule, not the paused flag.
        let undo = &p.inverse.as_ref().unwrap()[0];
        assert_eq!(undo.params[1], None);
        assert_eq!(undo.params[2], None);
        let old: serde_json::Value =
            serde_json::from_str(undo.params[3].as_deref().unwrap()).unwrap();
        assert_eq!(old, serde_json::json!({"drop_after": "30 days"}));
        assert_eq!(undo.params[4].as_deref(), Some("{}"));
        assert_eq!(p.changes, [job_setting(1003, "config.drop_after")]);
        assert_eq!(p.previous.as_ref().unwrap()["job_id"], 1003);
    }

    #[test]
    fn running_a_custom_job_warns_whose_code_runs() {
        let cmd = parse("run-job 1003").unwrap();
        let p = plan(&cmd, &facts(None, Some(job(true)))).unwrap();
        assert!(
            p.warnings.is_empty(),
            "a TimescaleDB policy: {:?}",
            p.warnings
        );
        let mut custom = job(true);
        custom.proc_schema = "public".into();
        custom.proc_name = "Export".into();
        custom.owner = Some("lowpriv".into());
        let p = plan(&cmd, &facts(None, Some(custom))).unwrap();
        assert!(
            p.warnings[0].contains("public.\"Export\"") && p.warnings[0].contains("lowpriv"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_policy_by_creation_time_keeps_its_kind() {
        let cmd = parse("set-retention scn.logs 90d").unwrap();
        let mut prev = job(true);
        prev.config =
            Some(serde_json::json!({"drop_created_before": "30 days", "hypertable_id": 5}));
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(prev))).unwrap();
        let config: serde_json::Value =
            serde_json::from_str(p.steps[0].params[3].as_deref().unwrap()).unwrap();
        assert_eq!(
            config,
            serde_json::json!({"drop_created_before": "90 days"})
        );
        assert!(p.summary.contains("drop_created_before"), "{}", p.summary);
        assert_eq!(p.changes, [job_setting(1003, "config.drop_created_before")]);
    }

    #[test]
    fn removing_a_policy_re_adds_it_with_its_settings() {
        let cmd = parse("remove-retention-policy scn.logs").unwrap();
        let p = plan(&cmd, &facts(Some(rel("hypertable")), Some(job(false)))).unwrap();
        let inv = p.inverse.unwrap();
        assert_eq!(inv[0].params[1].as_deref(), Some("30 days"), "drop_after");
        assert_eq!(inv[0].params[2].as_deref(), Some("1 day"), "schedule");
        assert_eq!(
            inv[1].params[7].as_deref(),
            Some("false"),
            "paused as it was"
        );
        let err = plan(&cmd, &facts(Some(rel("hypertable")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::NoPolicy {
                    noun: "retention",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn pausing_twice_is_refused_and_resume_undoes_pause() {
        let pause = parse("pause-job 1003").unwrap();
        assert_eq!(
            plan(&pause, &facts(None, Some(job(false)))),
            Err(PlanError::JobAlready {
                job_id: 1003,
                paused: true
            })
        );
        let p = plan(&pause, &facts(None, Some(job(true)))).unwrap();
        assert_eq!(p.steps[0].params[2].as_deref(), Some("false"));
        assert_eq!(p.inverse.unwrap()[0].params[2].as_deref(), Some("true"));
        assert_eq!(
            plan(&pause, &facts(None, None)),
            Err(PlanError::NoSuchJob { job_id: 1003 })
        );
    }

    #[test]
    fn per_chunk_plans_undo_only_what_ran() {
        let cmd = parse("compress scn.metrics older-than 7d").unwrap();
        let mut f = facts(Some(rel("hypertable")), None);
        f.items = (1..=3).map(|i| chunk("a", &format!("c{i}"), i)).collect();
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(p.steps.len(), 3);
        let undo = p.undo_for(2);
        assert_eq!(
            undo.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
            ["decompress a.c2", "decompress a.c1"]
        );
        f.items.clear();
        assert!(matches!(
            plan(&cmd, &f),
            Err(PlanError::NothingToDo(Nothing::NoChunks { .. }))
        ));
    }

    #[test]
    fn kinds_are_checked() {
        let cmd = parse("set-compress-after scn.metrics_daily 7d").unwrap();
        let err = plan(&cmd, &facts(Some(rel("cagg")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::WrongKind {
                    kind: RelationKind::Cagg,
                    wanted: "hypertable",
                    ..
                }
            ),
            "{err}"
        );
        let cmd = parse("reindex x").unwrap();
        let mut f = facts(Some(rel("hypertable")), None);
        f.items = vec![chunk("_timescaledb_internal", "_hyper_1_1_chunk", 7)];
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(
            p.steps[0].sql,
            "REINDEX TABLE CONCURRENTLY \"_timescaledb_internal\".\"_hyper_1_1_chunk\""
        );
    }

    fn impact(chunks: i64) -> Impact {
        Impact {
            chunks,
            bytes: chunks * 1024 * 1024,
            total_chunks: 40,
            total_bytes: 40 * 1024 * 1024,
            first: Some("2026-10-01 00:00".into()),
            last: Some("2026-10-05 00:00".into()),
            integer_time: false,
        }
    }

    #[test]
    fn a_change_that_drops_data_says_when_how_much_what_is_lost_and_asks_for_the_name() {
        let cmd = parse("set-retention scn.logs 30d").unwrap();
        let mut f = facts(Some(rel("hypertable")), Some(job(true)));
        f.job.as_mut().unwrap().next_start = Some("2026-11-26 22:00:00+00".into());
        f.impact = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(
            p.next_run,
            ["at its next run (2026-11-26 22:00:00+00) the policy drops 10 of 40 chunks (10 MiB, 25% of the data), 2026-10-01 00:00 → 2026-10-05 00:00"]
        );
        assert!(p.lost[0].starts_with("the 10 chunks of"), "{:?}", p.lost);
        assert!(p.lost[0].contains("a rollback restores the policy, not them"));
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        let rollback = p
            .consequences(8)
            .into_iter()
            .find(|c| c.label == "Rollback")
            .unwrap();
        assert!(
            rollback.text.contains("back to") && rollback.text.contains("does not bring back"),
            "{rollback:?}"
        );
        // chunks overdue under the policy as it is are not this change's loss
        f.impact_now = Some(impact(6));
        let p = plan(&cmd, &f).unwrap();
        assert!(
            p.next_run[0].contains("6 of them (6.0 MiB) past its threshold as it is")
                && p.next_run[0].contains("4 (4.0 MiB) because of this change"),
            "{:?}",
            p.next_run
        );
        assert!(p.lost[0].starts_with("the 4 chunks of"), "{:?}", p.lost);
        // all of them overdue already: nothing lost by this change, no name to type for it
        f.impact_now = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert!(p.lost.is_empty(), "{:?}", p.lost);
        assert_eq!(p.confirm, Confirm::Choose);
        // Dropping nothing needs no typed name; compressing never does.
        f.impact = Some(impact(0));
        f.impact_now = None;
        assert_eq!(plan(&cmd, &f).unwrap().confirm, Confirm::Choose);
        let cmd = parse("set-compress-after scn.logs 30d").unwrap();
        f.impact = Some(impact(10));
        let p = plan(&cmd, &f).unwrap();
        assert!(
            p.next_run[0].contains("the policy compresses 10 of 40"),
            "{:?}",
            p.next_run
        );
        assert!(p.lost.is_empty());
        assert_eq!(p.confirm, Confirm::Choose);
    }

    #[test]
    fn drop_chunks_is_irreversible_typed_and_refuses_when_nothing_matches() {
        let cmd = parse("drop-chunks scn.logs older-than 90d").unwrap();
        let mut f = facts(Some(rel("cagg")), None);
        f.impact = Some(impact(4));
        let p = plan(&cmd, &f).unwrap();
        assert_eq!(p.confirm, rel("hypertable").confirm_by_name());
        assert!(p.inverse.is_none() && p.irreversible.is_some());
        assert_eq!(
            p.steps[0].params,
            [Some("16400".into()), Some("90 days".into())]
        );
        assert!(p.steps[0]
            .sql
            .contains("\"public\".drop_chunks($1::text::oid::regclass"));
        f.impact = Some(impact(0));
        let err = plan(&cmd, &f).unwrap_err().to_string();
        assert!(
            err.contains("nothing to do: none of the 40 chunks"),
            "{err}"
        );
        let err = plan(&cmd, &facts(Some(rel("index")), None)).unwrap_err();
        assert!(
            matches!(
                err,
                PlanError::WrongKind {
                    kind: RelationKind::Index,
                    wanted: "hypertable or continuous aggregate",
                    ..
                }
            ),
            "{err}"
        );
        for bad in [
            "drop-chunks x",
            "drop-chunks x newer-than 1d",
            "drop-chunks x older-than 1d y",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
