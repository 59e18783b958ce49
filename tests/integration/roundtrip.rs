//! A rollback restores all of it: every command of the table that changes the database is run
//! and, where its plan has an inverse, rolled back; the catalog's full rows afterwards are the
//! rows before — each job's every column (its owner, fixed schedule, initial start and time
//! zone among them) but its id where the preview says a new job replaces it, the chunks'
//! compression, the dimension, the compression settings, the indexes. A command with no inverse
//! says it is irreversible. The list of commands comes from the command table: a new one fails
//! here until it has a case.

use hypertop::actions::parse::parse;
use hypertop::command::spec::COMMANDS;
use hypertop::headless;

use crate::actions::{env_for, Env};
use crate::engines::{in_fresh_schema, on_own_empty_action_servers, psql, psql_succeeds, Tsdb};

/// A fixed schedule, as an operator sets one: from an hour, in a time zone.
const FIXED: &str = "initial_start => '2030-01-01 03:00:00+00', timezone => 'Europe/Paris'";

fn fixture(owner: bool) -> String {
    let (grant, as_owner) = match owner {
        true => (
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rt_owner') THEN
                 CREATE ROLE rt_owner LOGIN;
               END IF;
             END $$;
             GRANT ALL ON SCHEMA rt TO rt_owner; SET ROLE rt_owner;",
            "RESET ROLE;",
        ),
        false => ("", ""),
    };
    format!(
        "{grant}
         CREATE TABLE rt.m (t timestamptz NOT NULL, d int, v float8);
         SELECT create_hypertable('rt.m', 't', chunk_time_interval => interval '1 day');
         INSERT INTO rt.m SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g % 4, g
           FROM generate_series(0, 239) g;
         ALTER TABLE rt.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');
         CREATE INDEX rt_m_v ON rt.m (v);
         SELECT add_retention_policy('rt.m', interval '4000 days', {FIXED});
         SELECT add_compression_policy('rt.m', interval '3000 days', {FIXED});
         CREATE MATERIALIZED VIEW rt.m_daily WITH (timescaledb.continuous) AS
           SELECT time_bucket('1 day', t) AS b, d, avg(v) FROM rt.m GROUP BY 1, 2 WITH NO DATA;
         SELECT add_continuous_aggregate_policy('rt.m_daily', start_offset => interval '30 days',
           end_offset => interval '1 day', schedule_interval => interval '1 hour', {FIXED});
         CREATE PROCEDURE rt.tick(job_id int, config jsonb) LANGUAGE plpgsql AS $p$ BEGIN END $p$;
         SELECT add_job('rt.tick', '1 hour', {FIXED});
         {as_owner}"
    )
}

/// What a case runs first (psql), and the command's line (`{tick}`: the custom job's id,
/// `{pid}`: a session's); None for a command with no case yet.
fn case(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "refresh" => ("", "refresh rt.m_daily '2024-01-01' '2024-01-05'"),
        "compress" => ("", "compress rt.m older-than 3days"),
        "decompress" => (
            "SELECT compress_chunk(c) FROM show_chunks('rt.m') c",
            "decompress rt.m",
        ),
        "reindex" => ("", "reindex rt.rt_m_v"),
        "run-job" => ("", "run-job {tick}"),
        "start-job" => ("", "start-job {tick}"),
        // 2.29+; elsewhere not planned (no add_compaction_policy), and said so
        "add-compaction-policy" => ("", "add-compaction-policy rt.m"),
        "remove-compaction-policy" => (
            "DO $$ BEGIN IF to_regproc('add_compaction_policy') IS NOT NULL THEN
                 PERFORM add_compaction_policy('rt.m', schedule_interval => interval '2 hours');
               END IF; END $$",
            "remove-compaction-policy rt.m",
        ),
        "pause-job" => ("", "pause-job {tick}"),
        "resume-job" => (
            "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE proc_name = 'tick'",
            "resume-job {tick}",
        ),
        "set-schedule" => ("", "set-schedule {tick} 2h"),
        "set-compress-after" => ("", "set-compress-after rt.m 60days"),
        "set-chunk-interval" => ("", "set-chunk-interval rt.m 2d"),
        "set-compression" => ("", "set-compression rt.m segmentby='d' orderby='v DESC'"),
        "remove-compression-policy" => ("", "remove-compression-policy rt.m"),
        "set-retention" => ("", "set-retention rt.m 5000days"),
        "remove-retention-policy" => ("", "remove-retention-policy rt.m"),
        "set-refresh-policy" => ("", "set-refresh-policy rt.m_daily 60days 2days 2h"),
        "remove-refresh-policy" => ("", "remove-refresh-policy rt.m_daily"),
        "drop-index" => ("", "drop-index rt.rt_m_v"),
        "drop-chunks" => ("", "drop-chunks rt.m older-than 1000days"),
        "merge-chunks" => ("", "merge-chunks rt.m"),
        "compact" => ("", "compact rt.m"),
        "cancel-backend" => ("", "cancel-backend {pid}"),
        "terminate-backend" => ("", "terminate-backend {pid}"),
        // what every other case runs
        "rollback" => ("", ""),
        _ => return None,
    })
}

/// The rows a rollback must give back, as text: every job of the schema's relations with every
/// column of its catalog row but its name (and its id, `with_ids` false: where a new job takes
/// its place; `{jobs}`: its table on this version), the
/// chunks' compression, the time dimension, the compression settings and the indexes.
fn catalog_rows(conninfo: &str, with_ids: bool) -> String {
    let id = if with_ids { "" } else { " - 'id'" };
    let jobs = match psql(
        conninfo,
        "SELECT to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL",
    )
    .as_str()
    {
        "t" => "_timescaledb_catalog.bgw_job",
        _ => "_timescaledb_config.bgw_job",
    };
    let settings = match psql_succeeds(conninfo, "SELECT FROM _timescaledb_catalog.compression_settings LIMIT 0") {
        true => "SELECT to_jsonb(s)::text FROM _timescaledb_catalog.compression_settings s WHERE s.relid = 'rt.m'::regclass",
        false => "SELECT to_jsonb(s)::text FROM _timescaledb_catalog.hypertable_compression s JOIN _timescaledb_catalog.hypertable h ON h.id = s.hypertable_id WHERE h.table_name = 'm'",
    };
    psql(
        conninfo,
        &format!(
            "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
               SELECT 'job ' || (to_jsonb(b){id} - 'application_name')::text AS x FROM {jobs} b
                WHERE b.proc_schema = 'rt' OR b.hypertable_id IN (SELECT id FROM _timescaledb_catalog.hypertable WHERE schema_name = 'rt' OR table_name LIKE '_materialized_hypertable_%')
               UNION ALL SELECT 'chunk ' || c.chunk_name || ' ' || c.is_compressed
                 FROM timescaledb_information.chunks c WHERE c.hypertable_schema = 'rt'
               UNION ALL SELECT 'dimension ' || coalesce(d.time_interval::text, d.integer_interval::text)
                 FROM timescaledb_information.dimensions d WHERE d.hypertable_schema = 'rt'
               UNION ALL SELECT 'settings ' || s FROM ({settings}) x(s)
               UNION ALL SELECT 'index ' || i.indexdef FROM pg_indexes i WHERE i.schemaname = 'rt'
             ) rows"
        ),
    )
}

/// The schema afresh: the jobs an earlier fixture left (a custom job outlives its procedure's
/// schema) deleted first.
fn afresh(c: &str, owner: bool) {
    psql(
        c,
        "CREATE EXTENSION IF NOT EXISTS timescaledb;
         SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_schema = 'rt'",
    );
    in_fresh_schema(c, "rt", &fixture(owner));
}

async fn round_trip_on(server: &Tsdb) {
    let c = &server.conninfo;
    let e: Env = env_for(c).await;
    let ctx = e.ctx();
    let pid = crate::engines::backend_pid(&e.session)
        .await
        .max(1)
        .to_string();
    let mutating: Vec<&str> = COMMANDS
        .iter()
        .filter(|s| s.mutating)
        .map(|s| s.name)
        .collect();
    assert!(mutating.len() > 10, "{mutating:?}");
    for name in mutating {
        let Some((before, line)) = case(name) else {
            panic!("{name}: a command that changes the database with no round-trip case here");
        };
        if line.is_empty() {
            continue;
        }
        // each case from the fixture as made
        afresh(c, server.native);
        let tick = psql(
            c,
            "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'tick'",
        );
        let line = line.replace("{tick}", &tick).replace("{pid}", &pid);
        if !before.is_empty() {
            psql(c, before);
        }
        let plan = match headless::make_plan(&ctx, &parse(&line).unwrap()).await {
            Ok(plan) => plan,
            // nothing to do on this version (nothing to compact, no merge): nothing changed
            Err(why) => {
                eprintln!("{}: {line}: not planned: {why}", server.label);
                continue;
            }
        };
        if plan.inverse.is_none() {
            assert!(
                plan.irreversible.is_some(),
                "{}: {line}: neither undone nor said irreversible",
                server.label
            );
            continue;
        }
        // a job's id stays but where the preview says a new job takes its place
        let new_job = (plan.restores.as_deref()).is_some_and(|r| r.contains("another id"));
        let rows = catalog_rows(c, !new_job);
        let o = e.execute(&plan, std::time::Duration::from_secs(5)).await;
        assert_eq!(o.error, None, "{}: {line}", server.label);
        e.act("rollback")
            .await
            .unwrap_or_else(|why| panic!("{}: {line}: rollback: {why}", server.label));
        assert_eq!(
            catalog_rows(c, !new_job),
            rows,
            "{}: {line}: rolled back ({})",
            server.label,
            match new_job {
                true => "a new job, every column but its id",
                false => "the same rows",
            }
        );
    }
}

#[tokio::test]
async fn every_undoable_command_rolls_back_to_the_same_catalog_rows() {
    let _serial = crate::actions::SERIAL.lock().await;
    on_own_empty_action_servers("roundtrip", round_trip_on).await;
}
