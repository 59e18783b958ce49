//! TimescaleDB as it is today: from 2.18 the columnstore's procedures and words replace
//! compression's (deprecated "to be removed with the next major release"). Each action takes
//! the server's own functions exactly where they exist, round-trips (plan, execute, rollback)
//! in them, and the old names keep working in the palette.

use hypertop::actions::parse::parse;
use hypertop::headless;

use crate::actions::{env_for, Env};
use crate::engines::{in_fresh_schema, on_own_empty_servers, psql, Tsdb};

/// Whether the server has the columnstore's procedures, as psql finds them.
fn has_columnstore(c: &str) -> bool {
    psql(
        c,
        "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'convert_to_columnstore'",
    ) == "t"
}

#[tokio::test]
async fn each_action_takes_the_servers_own_functions_and_round_trips() {
    on_own_empty_servers("columnstore", round_trips).await;
}

async fn round_trips(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "cs",
        "CREATE TABLE cs.m (time timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('cs.m', 'time', chunk_time_interval => interval '1 day');
         INSERT INTO cs.m SELECT t, d, d FROM generate_series(now() - interval '6 days', now(),
                                                               interval '10 minutes') t,
                                              generate_series(1, 3) d;",
    );
    let cs = has_columnstore(c);
    let e: Env = env_for(c).await;
    let ctx = e.ctx();
    // the server's own statement, and the rest of the plan's words with it
    let plan_of = |line: &'static str| {
        let ctx = &ctx;
        async move {
            headless::make_plan(ctx, &parse(line).unwrap())
                .await
                .unwrap_or_else(|err| panic!("{line}: {err}"))
        }
    };
    let sql_of = |p: &hypertop::actions::Plan| {
        p.steps
            .iter()
            .map(|s| s.sql.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let state = || {
        psql(
            c,
            "SELECT coalesce((SELECT compression_enabled::text FROM timescaledb_information.hypertables
                               WHERE hypertable_schema = 'cs'), '?')
                    || ' ' || (SELECT count(*) FROM timescaledb_information.chunks
                                WHERE hypertable_schema = 'cs' AND is_compressed)
                    || ' ' || (SELECT count(*) FROM timescaledb_information.jobs
                                WHERE hypertable_schema = 'cs' AND proc_name = 'policy_compression')",
        )
    };
    let run = |p: hypertop::actions::Plan| {
        let e = &e;
        async move {
            let o = e.execute(&p, std::time::Duration::from_secs(5)).await;
            assert_eq!(o.error, None, "{}", p.command);
        }
    };
    let rollback = || async {
        let ctx = e.ctx();
        let p = match headless::make_plan(&ctx, &parse("rollback").unwrap()).await {
            Ok(p) => p,
            Err(err) => {
                let h = e.journal.history(&ctx.origin).unwrap();
                panic!(
                    "{err}\n{}",
                    hypertop::actions::journal::format_history(&h, true).join("\n")
                );
            }
        };
        run(p).await;
    };

    // settings: the columnstore on, by either name
    let before = state();
    let p = plan_of("set-columnstore cs.m segmentby=device").await;
    let sql = sql_of(&p);
    assert_eq!(sql.contains("timescaledb.enable_columnstore"), cs, "{sql}");
    assert_eq!(sql.contains("timescaledb.compress,"), !cs, "{sql}");
    run(p).await;
    assert!(state().starts_with("true 0"), "{}", state());
    // a chunk to the columnstore and back
    let p = plan_of("compress cs.m older-than 2d").await;
    let sql = sql_of(&p);
    assert_eq!(
        sql.contains("CALL \"public\".convert_to_columnstore("),
        cs,
        "{sql}"
    );
    assert_eq!(sql.contains("compress_chunk("), !cs, "{sql}");
    assert_eq!(
        p.summary.contains("to the columnstore (compress)"),
        cs,
        "{}",
        p.summary
    );
    let n = p.steps.len();
    assert!(n >= 3, "{p:?}");
    run(p).await;
    assert!(state().starts_with(&format!("true {n} ")), "{}", state());
    let p = plan_of("convert-to-rowstore cs.m").await;
    assert_eq!(sql_of(&p).contains("convert_to_rowstore("), cs);
    run(p).await;
    assert!(state().starts_with("true 0"), "{}", state());
    rollback().await;
    assert!(
        state().starts_with(&format!("true {n} ")),
        "the rowstore undone: {}",
        state()
    );
    rollback().await;
    assert!(state().starts_with("true 0"), "{}", state());
    // its policy: added by its own procedure, removed by its own, each undone
    let p = plan_of("set-columnstore-after cs.m 3d").await;
    assert_eq!(sql_of(&p).contains("add_columnstore_policy("), cs);
    run(p).await;
    assert!(state().ends_with(" 1"), "{}", state());
    let p = plan_of("remove-compression-policy cs.m").await;
    let sql = sql_of(&p);
    assert_eq!(sql.contains("remove_columnstore_policy("), cs, "{sql}");
    let undo = p
        .inverse
        .iter()
        .flatten()
        .map(|s| s.sql.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(undo.contains("add_columnstore_policy("), cs, "{undo}");
    run(p).await;
    assert!(state().ends_with(" 0"), "{}", state());
    rollback().await;
    assert!(state().ends_with(" 1"), "re-added: {}", state());
    rollback().await;
    assert!(state().ends_with(" 0"), "{}", state());
    // and the settings back as they were
    rollback().await;
    assert_eq!(state(), before);
}

#[tokio::test]
async fn compact_orders_the_unordered_chunks_where_the_server_can() {
    on_own_empty_servers("compact", compacts).await;
}

/// Rows written by direct compress (2.21+) leave a compressed chunk's batches out of order;
/// `compact` (compact_chunk, 2.29+) rewrites them in order, the rows all there; elsewhere it
/// says what the server lacks and what does the same there.
async fn compacts(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "cp",
        "CREATE TABLE cp.m (ts timestamptz NOT NULL, d int, v float8);
         SELECT create_hypertable('cp.m', 'ts', chunk_time_interval => interval '1 day');
         ALTER TABLE cp.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');",
    );
    let e = env_for(c).await;
    let compact = e.caps.timescaledb.as_ref().unwrap().compact_chunk;
    let write = |offset: &str| {
        format!(
            "INSERT INTO cp.m SELECT '2024-01-01'::timestamptz + g * interval '1 minute' + interval '{offset}', g % 4, g
               FROM generate_series(0, 1439) g;"
        )
    };
    if compact {
        // twice, interleaved in time: the second batches out of order with the first
        psql(
            c,
            &format!(
                "SET timescaledb.enable_direct_compress_insert = on; {} {}",
                write("0 seconds"),
                write("30 seconds")
            ),
        );
    } else {
        psql(
            c,
            &format!(
                "{} SELECT compress_chunk(ch) FROM show_chunks('cp.m') ch;",
                write("0 seconds")
            ),
        );
    }
    let unordered = || -> i64 {
        psql(
            c,
            "SELECT count(*) FROM _timescaledb_catalog.chunk ch
               JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
              WHERE h.schema_name = 'cp' AND (ch.status & 3) = 3",
        )
        .parse()
        .unwrap()
    };
    let rows = || psql(c, "SELECT count(*) || ' ' || sum(v) FROM cp.m");
    let before = rows();
    // the advice offers compact where the server has it (none elsewhere: what compress does)
    let s = crate::engines::open_at(c).await;
    let advice = || async {
        let data = hypertop::store::Dataset::read_all(
            &s.0.client,
            None,
            &s.1,
            &hypertop::problems::Thresholds::default(),
        )
        .await;
        data.problems
            .iter()
            .find(|p| {
                p.kind == hypertop::problems::ProblemKind::UnorderedChunks && p.object == "cp.m"
            })
            .cloned()
    };
    if compact {
        assert_eq!(
            unordered(),
            1,
            "{}: direct compress left it unordered",
            server.label
        );
        let a = advice()
            .await
            .unwrap_or_else(|| panic!("{}: no advice", server.label));
        assert_eq!(a.action.as_deref(), Some("compact cp.m"));
    } else {
        assert!(advice().await.is_none(), "{}", server.label);
    }
    if compact {
        // TimescaleDB's max_batches: a number from 0, planned into every chunk's call
        let bad = e.act("compact cp.m max_batches=-1").await.unwrap_err();
        assert!(bad.contains("max_batches=-1"), "{}: {bad}", server.label);
        let plan = headless::make_plan(&e.ctx(), &parse("compact cp.m max_batches=2").unwrap())
            .await
            .unwrap();
        assert!(
            (plan.steps.iter())
                .all(|s| s.sql.contains("compact_chunk(")
                    && s.params.last() == Some(&Some("2".into()))),
            "{}: {:?}",
            server.label,
            plan.steps
        );
        assert_eq!(unordered(), 1, "{}: only planned", server.label);
    }
    match e.act("compact cp.m").await {
        Ok(_) => {
            assert!(compact, "{}", server.label);
            assert_eq!(unordered(), 0, "{}: compacted", server.label);
            assert!(
                advice().await.is_none(),
                "{}: the advice is gone",
                server.label
            );
            assert_eq!(rows(), before, "{}: every row kept", server.label);
        }
        Err(refused) => {
            assert!(!compact, "{}: {refused}", server.label);
            assert!(
                refused.contains("compact_chunk (2.29 or later)"),
                "{refused}"
            );
            assert!(refused.contains("compress cp.m"), "{refused}");
            assert_eq!(rows(), before);
        }
    }
}

/// A continuous aggregate's columnstore (compression on its materialization, a policy, chunks
/// compressed) is on the Compression tab, marked as a cagg, its chunks counted as TimescaleDB's
/// own views count them; it was in neither the Compression nor the Caggs tab.
#[tokio::test]
async fn a_caggs_columnstore_is_on_the_compression_tab() {
    on_own_empty_servers("caggcolumnstore", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "cc",
            "CREATE TABLE cc.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('cc.m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO cc.m SELECT g, 1 FROM generate_series('2026-01-01'::timestamptz,
                                                           '2026-03-01', '1 hour') g;
             CREATE MATERIALIZED VIEW cc.daily WITH (timescaledb.continuous) AS
               SELECT time_bucket('1 day', t) AS b, sum(v) FROM cc.m GROUP BY 1 WITH NO DATA;",
        );
        psql(
            c,
            "CALL refresh_continuous_aggregate('cc.daily', NULL, '2026-03-01')",
        );
        psql(
            c,
            "ALTER MATERIALIZED VIEW cc.daily SET (timescaledb.compress);
             SELECT add_continuous_aggregate_policy('cc.daily', start_offset => interval '20 days',
                      end_offset => interval '1 day', schedule_interval => interval '1 hour',
                      initial_start => now() + interval '1 day');
             SELECT add_compression_policy('cc.daily', compress_after => interval '30 days',
                                           initial_start => now() + interval '1 day');",
        );
        // half its chunks compressed, the oldest first
        let (mat_schema, mat_name) = {
            let said = psql(
                c,
                "SELECT materialization_hypertable_schema || ' ' || materialization_hypertable_name
                   FROM timescaledb_information.continuous_aggregates
                  WHERE view_schema = 'cc' AND view_name = 'daily'",
            );
            let (s, n) = said.split_once(' ').unwrap();
            (s.to_string(), n.to_string())
        };
        psql(
            c,
            &format!(
                "SELECT count(compress_chunk(ch)) FROM (SELECT ch FROM show_chunks('{mat_schema}.{mat_name}') ch
                  ORDER BY 1 LIMIT (SELECT count(*) / 2 FROM show_chunks('{mat_schema}.{mat_name}'))) x"
            ),
        );
        let counts = psql(
            c,
            &format!(
                "SELECT count(*) || ' ' || count(*) FILTER (WHERE is_compressed)
                   FROM timescaledb_information.chunks
                  WHERE hypertable_schema = '{mat_schema}' AND hypertable_name = '{mat_name}'"
            ),
        );
        let (chunks, compressed) = counts.split_once(' ').unwrap();
        assert!(compressed.parse::<i64>().unwrap() > 0, "{counts}");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["snapshot", c.as_str(), "--format", "json", "--one-session"])
            .env("XDG_STATE_HOME", std::env::temp_dir().join("hypertop-caggcs"))
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let row = (doc["compression"].as_array().unwrap().iter())
            .find(|r| r["schema"] == "cc" && r["name"] == "daily")
            .unwrap_or_else(|| panic!("{}: {:#}", server.label, doc["compression"]));
        assert_eq!(row["is_cagg"], true);
        assert_eq!(row["enabled"], true);
        assert_eq!(row["chunks"].to_string(), chunks, "{}: {row:#}", server.label);
        assert_eq!(
            row["compressed_chunks"].to_string(),
            compressed,
            "{}: {row:#}",
            server.label
        );
        assert!(row["job_id"].is_number(), "{row:#}");
        assert_eq!(row["compress_after"], "30 days");
        // its chunks are its materialization's, which the tab's `C` compresses: planned there
        assert_eq!(
            row["materialization"],
            serde_json::json!([mat_schema, mat_name]),
            "{row:#}"
        );
        let dry_run = |line: String| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
                .args(["run", &line, c.as_str(), "--dry-run"])
                .env("XDG_STATE_HOME", std::env::temp_dir().join("hypertop-caggcs"))
                .output()
                .unwrap();
            let plan = String::from_utf8_lossy(&out.stdout).to_string();
            let said = format!("{}: {line}: {plan}{}", server.label, String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "{said}");
            (plan, said)
        };
        // every uncompressed chunk is older than 30 days: the plan takes the tab's backlog,
        // named by the materialization or by the aggregate itself (it was refused as "a cagg,
        // not a hypertable")
        let backlog = row["backlog_chunks"].as_i64().unwrap();
        assert!(backlog > 0, "{row:#}");
        for name in [format!("{mat_schema}.{mat_name}"), "cc.daily".into()] {
            let (plan, said) = dry_run(format!("compress {name} older-than '30 days'"));
            assert!(plan.contains(&format!(" {backlog} chunk")), "{said}");
            assert_eq!(
                plan.contains("the continuous aggregate cc.daily's chunks"),
                name == "cc.daily",
                "{said}"
            );
        }
        // bare: what the aggregate's own policy would compress (its policy is known by the
        // aggregate's name: it was "no compression policy", every uncompressed chunk)
        let (plan, said) = dry_run("compress cc.daily".into());
        assert!(
            plan.contains("its compression policy would compress (older than 30d)"),
            "{said}"
        );
        let (plan, said) = dry_run("decompress cc.daily".into());
        assert!(plan.contains(&format!(" {compressed} chunk")), "{said}");
        // and the Caggs tab's Columnstore column says the same, compressed / chunks
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["snapshot", c.as_str(), "--format", "text", "--width", "400"])
            .env("XDG_STATE_HOME", std::env::temp_dir().join("hypertop-caggcs"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let caggs = text.split("== caggs").nth(1).unwrap_or_default();
        let line = (caggs.lines())
            .find(|l| l.starts_with("cc.daily"))
            .unwrap_or_else(|| panic!("{}: {caggs}", server.label));
        assert!(
            line.trim_end().ends_with(&format!(" {compressed}/{chunks}")),
            "{}: {line}",
            server.label
        );
        // the hypertable beside it is not marked
        let m = (doc["compression"].as_array().unwrap().iter())
            .find(|r| r["schema"] == "cc" && r["name"] == "m");
        assert!(m.is_none_or(|m| m["is_cagg"] == false), "{m:?}");
    })
    .await;
}

/// What TimescaleDB (2.28+) counts of the writes into compressed chunks is on the Compression
/// tab as its own view sums it: the batches writes read (advice past a thousand), those deleted
/// whole, the bloom filters' skips; a query's decompressions are not writes; where the server
/// counts nothing, nothing is said.
#[tokio::test]
async fn chunk_activity_is_timescaledbs_own_count() {
    on_own_empty_servers("chunkactivity", async |server| {
        let c = &server.conninfo;
        // two day-chunks of 600 devices each (600 batches a chunk), a text column with an
        // index (a bloom filter of it in the compressed data where the server makes them)
        in_fresh_schema(
            c,
            "ca",
            "CREATE TABLE ca.m (t timestamptz NOT NULL, d int, k text, v float8);
             SELECT create_hypertable('ca.m', 't', chunk_time_interval => interval '1 day');
             CREATE INDEX ON ca.m (k);
             INSERT INTO ca.m SELECT '2024-01-01'::timestamptz + (g % 2) * interval '1 day'
                                     + (g / 1200) * interval '1 minute',
                                     g % 1200, 'key ' || g, g
               FROM generate_series(0, 4799) g;
             ALTER TABLE ca.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');
             SELECT count(compress_chunk(ch)) FROM show_chunks('ca.m') ch;",
        );
        let s = crate::engines::open_at(c).await;
        let counts = (s.1.timescaledb.as_ref()).is_some_and(|t| t.chunk_statistics);
        let read = || async {
            let data = hypertop::store::Dataset::read_all(
                &s.0.client,
                None,
                &s.1,
                &hypertop::problems::Thresholds::default(),
            )
            .await;
            let row = (data.compression.rows().iter())
                .find(|r| &*r.schema == "ca" && &*r.name == "m")
                .cloned()
                .unwrap_or_else(|| panic!("{}: no compression row", server.label));
            let advice = (data.problems.iter())
                .find(|p| p.kind == hypertop::problems::ProblemKind::DecompressingWrites)
                .cloned();
            (row, advice)
        };
        // a query decompresses every batch: not a write
        psql(c, "SELECT count(*), sum(v) FROM ca.m");
        let (row, advice) = read().await;
        assert_eq!(
            row.activity, None,
            "{}: a query is not a write",
            server.label
        );
        assert!(advice.is_none(), "{}", server.label);
        if !counts {
            return;
        }
        // a console's refreshes, each asking for the chunks whose counts moved since the last
        let mut cache = hypertop::model::Cache::default();
        let mut refreshed = async || {
            (refreshed_tables(&s, &mut cache, &server.label)
                .await
                .compression
                .iter())
            .find(|r| &*r.schema == "ca" && &*r.name == "m")
            .and_then(|r| r.activity)
        };
        assert_eq!(refreshed().await, None, "{}", server.label);
        let sums = |a: &hypertop::model::chunk_activity::ChunkActivity| {
            format!(
                "{} {} {} {} {}",
                a.chunks,
                a.batches_read,
                a.batches_deleted,
                a.bloom_pruned,
                a.bloom_false_positives
            )
        };
        let timescaledb_sums = || {
            psql(
                c,
                "SELECT count(*) || ' ' || sum(s.total_batches_scanned) || ' '
                        || sum(s.total_batches_deleted) || ' '
                        || sum(s.total_batches_pruned_by_bloom) || ' '
                        || sum(s.total_batches_bloom_false_positives)
                   FROM timescaledb_information.stat_chunk_activity s
                   JOIN timescaledb_information.chunks ch
                     ON format('%I.%I', ch.chunk_schema, ch.chunk_name)::regclass = s.chunk
                  WHERE ch.hypertable_schema = 'ca' AND ch.hypertable_name = 'm'",
            )
        };
        // two devices' batches deleted whole (one in each chunk): the next refresh counts them,
        // asked since the last
        psql(c, "DELETE FROM ca.m WHERE d IN (5, 6)");
        let first = timescaledb_sums();
        assert_eq!(
            refreshed().await.as_ref().map(sums),
            Some(first.clone()),
            "{}",
            server.label
        );
        // every batch of both chunks written; then writes that match no row, by the bloom
        // column and by a value no batch's min/max holds
        psql(
            c,
            "UPDATE ca.m SET v = v + 1;
             UPDATE ca.m SET v = 0 WHERE k = 'no such key';
             DELETE FROM ca.m WHERE v < -1;",
        );
        let (row, advice) = read().await;
        let truth = timescaledb_sums();
        assert_ne!(truth, first, "{}: the writes counted", server.label);
        let kept = refreshed().await;
        assert_eq!(
            kept.as_ref().map(sums),
            Some(truth.clone()),
            "{}: refreshed",
            server.label
        );
        let a = row
            .activity
            .unwrap_or_else(|| panic!("{}: nothing counted ({truth})", server.label));
        let seen = sums(&a);
        assert_eq!(
            seen, truth,
            "{}: as stat_chunk_activity sums it",
            server.label
        );
        assert!(a.batches_read >= 1_200, "{}: {seen}", server.label);
        let advice = advice.unwrap_or_else(|| panic!("{}: no advice ({seen})", server.label));
        assert_eq!(advice.object, "ca.m");
        assert!(
            advice
                .message
                .contains(&format!("read {} compressed batches", a.batches_read)),
            "{}",
            advice.message
        );
    })
    .await;
}

/// The hypertables' status bits in TimescaleDB's own words (`hypertable_status_text`, 2.29+),
/// kept between refreshes and read again when they move (direct compress turned on, then off);
/// absent where the server has no such function.
#[tokio::test]
async fn a_hypertables_status_is_timescaledbs_own_words() {
    on_own_empty_servers("htstatus", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "hs",
            "CREATE TABLE hs.m (t timestamptz NOT NULL, d text, v float8);
             SELECT create_hypertable('hs.m', 't');",
        );
        let s = crate::engines::open_at(c).await;
        let named = (s.1.timescaledb.as_ref()).is_some_and(|t| t.hypertable_status_text);
        let mut cache = hypertop::model::Cache::default();
        let mut status = async || {
            let tables = refreshed_tables(&s, &mut cache, &server.label).await;
            let row = (tables.hypertables.iter())
                .find(|h| &*h.schema == "hs" && &*h.name == "m")
                .unwrap_or_else(|| panic!("{}: no row", server.label))
                .clone();
            (row.status.as_ref()).map(|s| s.iter().map(|w| w.to_string()).collect::<Vec<_>>())
        };
        let truth = || {
            let words = psql(
                c,
                "SELECT array_to_string(_timescaledb_functions.hypertable_status_text('hs.m'::regclass), ',')",
            );
            (words.split(',').filter(|w| !w.is_empty()))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        if !named {
            assert_eq!(status().await, None, "{}", server.label);
            return;
        }
        assert_eq!(status().await, Some(truth()), "{}", server.label);
        psql(c, "ALTER TABLE hs.m SET (timescaledb.direct_compress)");
        let on = status().await.unwrap();
        assert!(on.contains(&"DIRECT_COMPRESS".to_string()), "{}: {on:?}", server.label);
        assert_eq!(on, truth(), "{}", server.label);
        psql(c, "ALTER TABLE hs.m SET (timescaledb.direct_compress = false)");
        let off = status().await.unwrap();
        assert!(!off.contains(&"DIRECT_COMPRESS".to_string()), "{}: {off:?}", server.label);
        assert_eq!(off, truth(), "{}", server.label);
    })
    .await;
}

/// `set-refresh-policy` sets a refresh policy's batching where the server takes it (2.19+,
/// found by `add_continuous_aggregate_policy`'s arguments) — on a policy there (alter_job) and
/// on one it adds — leaves what is not given as it is, and rollback gives the config back; a
/// value the key does not take, and a server without batching, are refused before anything
/// runs.
#[tokio::test]
async fn a_refresh_policys_batching_is_set_from_the_palette() {
    on_own_empty_servers("policybatchingpalette", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "rb",
            "CREATE TABLE rb.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('rb.m', 't');
             CREATE MATERIALIZED VIEW rb.h WITH (timescaledb.continuous) AS
               SELECT time_bucket('1 hour', t) AS b, sum(v) FROM rb.m GROUP BY 1 WITH NO DATA;
             CREATE MATERIALIZED VIEW rb.d WITH (timescaledb.continuous) AS
               SELECT time_bucket('1 day', t) AS b, sum(v) FROM rb.m GROUP BY 1 WITH NO DATA;
             SELECT add_continuous_aggregate_policy('rb.h', interval '30 days', interval '1 hour',
                                                    interval '1 hour');",
        );
        let e: Env = env_for(c).await;
        let batched = (e.caps.timescaledb.as_ref()).is_some_and(|t| t.refresh_batching);
        let config = |cagg: &'static str| {
            psql(
                c,
                &format!(
                    "SELECT coalesce(string_agg(concat_ws(' ', config->>'start_offset',
                                  coalesce(config->>'buckets_per_batch', '-'),
                                  coalesce(config->>'max_batches_per_execution', '-'),
                                  coalesce(config->>'refresh_newest_first', '-')), ';'), 'none')
                       FROM timescaledb_information.jobs
                      WHERE proc_name = 'policy_refresh_continuous_aggregate'
                        AND hypertable_name IN ('{cagg}', (SELECT materialization_hypertable_name
                              FROM timescaledb_information.continuous_aggregates
                             WHERE view_schema = 'rb' AND view_name = '{cagg}'))"
                ),
            )
        };
        let before = config("h");
        assert_eq!(before, "30 days - - -", "{}", server.label);
        let bad = e
            .act("set-refresh-policy rb.h 30d 1h 1h buckets_per_batch=-1")
            .await
            .unwrap_err();
        let line =
            "set-refresh-policy rb.h 20d 1h 1h buckets_per_batch=5 refresh_newest_first=false";
        if !batched {
            let refused = e.act(line).await.unwrap_err();
            assert!(refused.contains("2.19"), "{}: {refused}", server.label);
            assert_eq!(config("h"), before, "{}", server.label);
            return;
        }
        assert!(
            bad.contains("buckets_per_batch=-1")
                && bad.contains("0 (the window in one pass) or more"),
            "{}: {bad}",
            server.label
        );
        e.act(line).await.unwrap();
        assert_eq!(config("h"), "20 days 5 - false", "{}", server.label);
        e.act("rollback").await.unwrap();
        assert_eq!(config("h"), before, "{}", server.label);
        // a policy added with its batching, removed again by rollback
        e.act("set-refresh-policy rb.d 60d 1d 1d max_batches_per_execution=2")
            .await
            .unwrap();
        assert_eq!(config("d"), "60 days - 2 -", "{}", server.label);
        e.act("rollback").await.unwrap();
        assert_eq!(config("d"), "none", "{}", server.label);
    })
    .await;
}

/// `refresh` with TimescaleDB's incremental options (2.28+): one call over the window, its
/// batches TimescaleDB's own, the aggregate then the same as the source's grouping; asked for
/// fewer batches than the window holds, the preview says what stays behind and only that many
/// are refreshed. Refused, saying which release has them, where the server has no options.
#[tokio::test]
async fn a_refresh_in_timescaledbs_own_batches() {
    on_own_empty_servers("refreshoptions", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "ro",
            "CREATE TABLE ro.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('ro.m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO ro.m SELECT '2026-01-01'::timestamptz + g * interval '1 hour', g
               FROM generate_series(0, 24 * 10 - 1) g;
             CREATE MATERIALIZED VIEW ro.d WITH (timescaledb.continuous,
                                                 timescaledb.materialized_only = true) AS
               SELECT time_bucket('1 day', t) AS b, sum(v) AS s FROM ro.m GROUP BY 1 WITH NO DATA;",
        );
        let e: Env = env_for(c).await;
        // the options argument is older (2.19) than the batches read from it (2.28)
        let has = (e.caps.timescaledb.as_ref()).is_some_and(|t| {
            t.refresh_options
                && hypertop::releases::release(&t.version).is_some_and(|r| r >= (2, 28, 0))
        });
        let days = || psql(c, "SELECT count(*) FROM ro.d");
        let line = "refresh ro.d 2026-01-01 2026-01-11 buckets_per_batch=2 max_batches_per_execution=3 refresh_newest_first=true";
        if !has {
            let refused = e.act(line).await.unwrap_err();
            assert!(refused.contains("2.28"), "{}: {refused}", server.label);
            assert_eq!(days(), "0", "{}", server.label);
            return;
        }
        let plan = hypertop::headless::make_plan(&e.ctx(), &parse(line).unwrap())
            .await
            .unwrap();
        assert_eq!(plan.steps.len(), 1, "{}", server.label);
        assert!(
            plan.steps[0].sql.contains("options =>"),
            "{}",
            plan.steps[0].sql
        );
        assert!(
            plan.warnings.iter().any(|w| w.contains("stops after 3 batches")),
            "{}: {:?}",
            server.label,
            plan.warnings
        );
        e.act(line).await.unwrap();
        // three batches of two days, the newest first: the last six of the ten days
        assert_eq!(days(), "6", "{}", server.label);
        assert_eq!(
            psql(c, "SELECT min(b)::date FROM ro.d"),
            "2026-01-05",
            "{}",
            server.label
        );
        // all of it, then the aggregate is the source's grouping
        e.act("refresh ro.d 2026-01-01 2026-01-11 buckets_per_batch=4")
            .await
            .unwrap();
        assert_eq!(
            psql(
                c,
                "SELECT count(*) FROM (SELECT time_bucket('1 day', t) AS b, sum(v) AS s
                                         FROM ro.m GROUP BY 1
                                       EXCEPT SELECT b, s FROM ro.d) x"
            ),
            "0",
            "{}",
            server.label
        );
        assert_eq!(days(), "10", "{}", server.label);
    })
    .await;
}

/// `add-compaction-policy` takes TimescaleDB's limits (2.29+): the policy added with them in its
/// config, removed again by rollback; a limit below 0 and an interval the server cannot read
/// are refused before anything runs.
#[tokio::test]
async fn a_compaction_policy_is_added_with_its_limits() {
    on_own_empty_servers("compactionlimits", async |server| {
        let c = &server.conninfo;
        in_fresh_schema(
            c,
            "cl",
            "CREATE TABLE cl.m (t timestamptz NOT NULL, d int, v float8);
             SELECT create_hypertable('cl.m', 't');
             ALTER TABLE cl.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');",
        );
        let e: Env = env_for(c).await;
        let line = "add-compaction-policy cl.m max_batches=100 inactive_for=2h";
        if !(e.caps.timescaledb.as_ref()).is_some_and(|t| t.compaction_policy) {
            let refused = e.act(line).await.unwrap_err();
            assert!(refused.contains("2.29"), "{}: {refused}", server.label);
            return;
        }
        let config = || {
            psql(
                c,
                "SELECT coalesce(string_agg(concat_ws(' ', coalesce(config->>'max_chunks', '-'),
                                          config->>'max_batches', config->>'inactive_for'), ';'), 'none')
                   FROM timescaledb_information.jobs
                  WHERE proc_name = 'policy_compaction' AND hypertable_name = 'm'
                    AND hypertable_schema = 'cl'",
            )
        };
        for bad in [
            "add-compaction-policy cl.m max_chunks=-1",
            "add-compaction-policy cl.m inactive_for=banana",
        ] {
            assert!(e.act(bad).await.is_err(), "{}: {bad}", server.label);
            assert_eq!(config(), "none", "{}: {bad}", server.label);
        }
        e.act(line).await.unwrap();
        assert_eq!(config(), "- 100 02:00:00", "{}", server.label);
        e.act("rollback").await.unwrap();
        assert_eq!(config(), "none", "{}", server.label);
    })
    .await;
}

/// The hypertables' tabs' rows of one catalog refresh, what it keeps kept in `cache` for the next.
async fn refreshed_tables(
    s: &(
        hypertop::connect::Session,
        hypertop::capabilities::Capabilities,
    ),
    cache: &mut hypertop::model::Cache,
    label: &str,
) -> hypertop::model::tables::Tables {
    let payload = hypertop::model::fetch_with(
        hypertop::model::QueryKind::Catalog,
        None,
        &s.0.client,
        None,
        &s.1,
        cache,
    )
    .await
    .unwrap();
    let hypertop::model::Payload::Catalog(catalog) = payload else {
        panic!("a catalog")
    };
    let Ok(hypertop::model::catalog::RelationRows::Hypertables(tables)) = catalog.relations else {
        panic!("{label}: no hypertables")
    };
    tables
}
