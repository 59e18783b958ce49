//! The advisors on real servers: each on data made to trigger it and on data made not to, with
//! the compression figures TimescaleDB itself reports.

use hypertop::model::compression::SegmentStats;
use hypertop::problems::{ProblemKind, Severity, Thresholds};
use hypertop::store::Dataset;

use crate::engines::{action_flow_servers, in_fresh_schema, on_each, open_at, psql, Tsdb};

#[tokio::test]
async fn advisors_find_what_works_against_the_data_and_only_that() {
    on_each(action_flow_servers("advice"), advisors_on).await;
}

async fn advisors_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    // good: a policy, segments of 5,000 rows ordered by time. poor: a segment per row. bare: no
    // policy. unordered: ordered by device alone, segmented by a column of one value. Each with
    // one day-chunk compressed but `unordered` (nothing compressed: its ratio is not judged),
    // analysed before (statistics as autovacuum would leave them).
    in_fresh_schema(
        conninfo,
        "advice",
        "CREATE TABLE advice.good (ts timestamptz NOT NULL, device int, v float8);
         CREATE TABLE advice.poor (ts timestamptz NOT NULL, id int, v float8);
         CREATE TABLE advice.bare (ts timestamptz NOT NULL, device int, v float8);
         CREATE TABLE advice.unordered (ts timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('advice.' || t, 'ts', chunk_time_interval => interval '1 day')
           FROM unnest(ARRAY['good', 'poor', 'bare', 'unordered']) t;
         INSERT INTO advice.good SELECT '2024-01-01'::timestamptz + i * interval '4 seconds', i % 4, 1
           FROM generate_series(0, 19999) i;
         INSERT INTO advice.poor SELECT '2024-01-01'::timestamptz + i * interval '4 seconds', i, random()
           FROM generate_series(0, 19999) i;
         INSERT INTO advice.bare SELECT * FROM advice.good;
         INSERT INTO advice.unordered SELECT * FROM advice.good;
         ALTER TABLE advice.good SET (timescaledb.compress, timescaledb.compress_segmentby = 'device',
                                      timescaledb.compress_orderby = 'ts DESC');
         ALTER TABLE advice.poor SET (timescaledb.compress, timescaledb.compress_segmentby = 'id');
         ALTER TABLE advice.bare SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
         ALTER TABLE advice.unordered SET (timescaledb.compress, timescaledb.compress_segmentby = 'v',
                                           timescaledb.compress_orderby = 'device');
         SELECT add_compression_policy('advice.' || t, interval '3650 days')
           FROM unnest(ARRAY['good', 'poor', 'unordered']) t;
         ANALYZE advice.good; ANALYZE advice.poor; ANALYZE advice.bare; ANALYZE advice.unordered;
         SELECT compress_chunk(c) FROM show_chunks('advice.good') c;
         SELECT compress_chunk(c) FROM show_chunks('advice.poor') c;
         SELECT compress_chunk(c) FROM show_chunks('advice.bare') c;",
    );
    let s = open_at(conninfo).await;
    let data = Dataset::read_all(&s.0.client, None, &s.1, &Thresholds::default()).await;
    let advice: Vec<(ProblemKind, &str)> = data
        .problems
        .iter()
        .filter(|p| p.object.starts_with("advice."))
        .map(|p| {
            assert_eq!(p.severity, Severity::Advice, "{p:?}");
            (p.kind, p.object.as_str())
        })
        .collect();
    assert_eq!(
        advice,
        [
            (ProblemKind::CompressionWithoutPolicy, "advice.bare"),
            (ProblemKind::LowCompressionRatio, "advice.poor"),
            (ProblemKind::SegmentSize, "advice.poor"),
            (ProblemKind::SegmentSize, "advice.unordered"),
            (ProblemKind::OrderbyNotByTime, "advice.unordered"),
        ],
        "{:#?}",
        data.problems
    );
    // The ratio judged is TimescaleDB's own before / after.
    let theirs: f64 = psql(
        conninfo,
        "SELECT round(sum(before_compression_total_bytes)::numeric
                      / sum(after_compression_total_bytes), 1)
           FROM chunk_compression_stats('advice.poor')",
    )
    .parse()
    .unwrap();
    let poor = data
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::LowCompressionRatio && p.object == "advice.poor")
        .unwrap();
    assert!(
        poor.message
            .contains(&format!("({theirs:.1}x; advice below 2.0x)")),
        "{theirs}: {}",
        poor.message
    );
    // Segments from pg_stats: `id` distinct in every row of the one chunk (20,000 rows,
    // compression's count now that it is compressed); `v` one value.
    let segment = |object: &str| {
        data.problems
            .iter()
            .find(|p| p.kind == ProblemKind::SegmentSize && p.object == object)
            .unwrap()
    };
    let theirs: f64 = psql(
        conninfo,
        "SELECT -p.n_distinct * (SELECT count(*) FROM advice.poor) FROM pg_stats p
          JOIN timescaledb_information.chunks c
            ON c.chunk_schema = p.schemaname AND c.chunk_name = p.tablename
         WHERE c.hypertable_name = 'poor' AND p.attname = 'id' AND NOT p.inherited
         ORDER BY c.range_start LIMIT 1",
    )
    .parse()
    .unwrap();
    let poor = segment("advice.poor");
    assert!(
        poor.message
            .contains("leaves 1 rows per segment (advice below 100)")
            && poor.message.contains("20000 rows in ")
            && poor.message.contains(&format!("id {theirs:.0}")),
        "{theirs}: {}",
        poor.message
    );
    // the orderby as now: none kept (2.14+) or the default stored (before)
    assert!(
        poor.action
            .as_deref()
            .is_some_and(|a| a.starts_with("set-compression advice.poor segmentby='' orderby=")),
        "{:?}",
        poor.action
    );
    let flat = segment("advice.unordered");
    assert!(
        flat.message.contains("column v has one value"),
        "{}",
        flat.message
    );
    // The well-compressed table is not advised about: its ratio is above the threshold.
    let good = data
        .compression
        .value()
        .and_then(|c| c.iter().find(|c| &*c.name == "good"))
        .and_then(|c| c.ratio())
        .expect("good compressed");
    assert!(good >= 2.0, "{good}");
    if server.native {
        segments_alike_for_a_role_without_pg_statistic(conninfo, &data).await;
    }
}

/// A superuser reads the segment statistics from `pg_statistic` by oid, a role that may not
/// read it through `pg_stats` by name: the same chunks and figures for the tables it may read.
async fn segments_alike_for_a_role_without_pg_statistic(conninfo: &str, superuser: &Dataset) {
    let role = format!("seg_{}", std::process::id());
    let db = psql(conninfo, "SELECT current_database()");
    psql(
        conninfo,
        &format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN;
               EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT CONNECT ON DATABASE {db} TO {role};
             GRANT USAGE ON SCHEMA advice TO {role};
             GRANT SELECT ON ALL TABLES IN SCHEMA advice TO {role};"
        ),
    );
    let s = open_at(&format!("{conninfo} user={role}")).await;
    let data = Dataset::read_all(&s.0.client, None, &s.1, &Thresholds::default()).await;
    let (_, su_caps) = open_at(conninfo).await;
    assert!(su_caps.reads_statistics && !s.1.reads_statistics);
    let segments = |d: &Dataset| -> Vec<(String, Option<std::sync::Arc<SegmentStats>>)> {
        let mut v: Vec<_> = (d.compression.value().unwrap().iter())
            .filter(|c| &*c.schema == "advice")
            .map(|c| (c.name.to_string(), c.segments.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let theirs = segments(&data);
    assert_eq!(theirs, segments(superuser));
    // poor, unordered and bare analysed before compression; good too
    assert_eq!(
        theirs.iter().filter(|s| s.1.is_some()).count(),
        4,
        "{theirs:?}"
    );
    drop(s);
    psql(
        conninfo,
        &format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA advice FROM {role};
             REVOKE ALL ON SCHEMA advice FROM {role}; REVOKE ALL ON DATABASE {db} FROM {role};"
        ),
    );
}

/// The chunk-interval, recompression and growth advisors on real chunks, their figures against
/// PostgreSQL's own, and each action an advice offers taken and rolled back: advice → action →
/// rollback.
#[tokio::test]
async fn advice_becomes_an_action_that_rolls_back() {
    let _serial = crate::actions::SERIAL.lock().await;
    on_each(action_flow_servers("advice_actions"), advice_to_action_on).await;
}

async fn advice_to_action_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    // tiny: 150 hour-chunks, all compressed but one in the middle (05:00-06:00), no
    // retention. live: a day-chunk being written now. kept: like tiny, with retention.
    in_fresh_schema(
        conninfo,
        "adv",
        "CREATE TABLE adv.tiny (ts timestamptz NOT NULL, device int, v float8);
         CREATE TABLE adv.live (ts timestamptz NOT NULL, device int, v float8);
         CREATE TABLE adv.kept (ts timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('adv.tiny', 'ts', chunk_time_interval => interval '1 hour');
         SELECT create_hypertable('adv.kept', 'ts', chunk_time_interval => interval '1 day');
         SELECT create_hypertable('adv.live', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO adv.tiny SELECT '2024-01-01'::timestamptz + i * interval '10 minutes', i % 4, i
           FROM generate_series(0, 899) i;
         INSERT INTO adv.kept SELECT * FROM adv.tiny;
         INSERT INTO adv.live SELECT date_trunc('day', now()) + i * interval '1 second', i % 4, i
           FROM generate_series(0, 9999) i;
         SELECT add_retention_policy('adv.kept', interval '3650 days');
         ALTER TABLE adv.tiny SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
         SELECT add_compression_policy('adv.tiny', interval '3650 days');
         SELECT compress_chunk(c) FROM show_chunks('adv.tiny') c;
         SELECT decompress_chunk(c) FROM show_chunks('adv.tiny',
                newer_than => '2024-01-01 05:00+00'::timestamptz,
                older_than => '2024-01-01 06:00+00'::timestamptz) c;
         ANALYZE adv.tiny; ANALYZE adv.live; ANALYZE adv.kept;",
    );
    let tiny_bytes: i64 = psql(conninfo, "SELECT hypertable_size('adv.tiny')")
        .parse()
        .unwrap();
    let cache: f64 = psql(
        conninfo,
        "SELECT pg_size_bytes(current_setting('effective_cache_size'))",
    )
    .parse()
    .unwrap();
    // What the profile would set: 100 chunks counted as many, a size limit twice tiny's; and,
    // read apart, 64 KiB of memory for the chunks being written.
    let limits = Thresholds {
        small_chunks_from: 100,
        retention_size_limit: tiny_bytes * 2,
        ..Thresholds::default()
    };
    let little_memory = Thresholds {
        recent_chunks_memory_share: 65_536.0 / cache,
        ..limits
    };
    let s = open_at(conninfo).await;
    let data = Dataset::read_all(&s.0.client, None, &s.1, &limits).await;
    let squeezed = Dataset::read_all(&s.0.client, None, &s.1, &little_memory).await;
    let advice = |kind: ProblemKind, object: &str| {
        data.problems
            .iter()
            .find(|p| p.kind == kind && p.object == object)
            .unwrap_or_else(|| panic!("{kind} on {object}: {:#?}", data.problems))
            .clone()
    };
    let ours: Vec<(ProblemKind, &str)> = data
        .problems
        .iter()
        .filter(|p| p.object.starts_with("adv."))
        .map(|p| (p.kind, p.object.as_str()))
        .collect();
    assert!(
        !ours.iter().any(|(_, o)| *o == "adv.kept"),
        "retention, no compression, not written now: {ours:?}"
    );
    // The newest chunk's size is PostgreSQL's own.
    let newest: i64 = psql(
        conninfo,
        "SELECT pg_total_relation_size(format('%I.%I', chunk_schema, chunk_name)::regclass)
           FROM timescaledb_information.chunks WHERE hypertable_name = 'live'
          ORDER BY range_start DESC LIMIT 1",
    )
    .parse()
    .unwrap();
    assert!(
        !ours
            .iter()
            .any(|(k, _)| *k == ProblemKind::ChunksOverMemory),
        "a quarter of effective_cache_size holds them: {ours:?}"
    );
    let memory = squeezed
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::ChunksOverMemory && p.object == "adv.live")
        .unwrap_or_else(|| panic!("{:#?}", squeezed.problems))
        .clone();
    assert!(
        memory.message.contains(&format!(
            "this one's take {}",
            hypertop::format::bytes(newest)
        )),
        "{newest}: {}",
        memory.message
    );
    assert!(
        memory.message.contains("effective_cache_size"),
        "{}",
        memory.message
    );
    // 150 chunks of a few KiB: small, its interval to grow
    let small = advice(ProblemKind::SmallChunks, "adv.tiny");
    assert!(small.message.starts_with("150 chunks"), "{}", small.message);
    // the chunk decompressed in the middle
    let holes = advice(ProblemKind::NotRecompressed, "adv.tiny");
    assert!(
        holes.message.starts_with("1 chunks older"),
        "{}",
        holes.message
    );
    assert_eq!(holes.action.as_deref(), Some("compress adv.tiny"));
    // growth: tiny's size over its days of data (its size is hypertable_size)
    let growth = advice(ProblemKind::GrowthWithoutRetention, "adv.tiny");
    assert!(
        growth.message.contains(&format!(
            "no retention policy: {} over 6.",
            hypertop::format::bytes(tiny_bytes)
        )),
        "{}",
        growth.message
    );
    drop(s);

    // Each action, taken as Enter puts it in the palette, then rolled back.
    let e = crate::actions::env_for(conninfo).await;
    let interval = |table: &str| {
        psql(
            conninfo,
            &format!(
                "SELECT coalesce(time_interval::text, integer_interval::text)
                   FROM timescaledb_information.dimensions
                  WHERE hypertable_schema = 'adv' AND hypertable_name = '{table}'"
            ),
        )
    };
    // where the server merges chunks (2.18+), the small chunks' advice offers that (below), and
    // names the larger interval in its words
    let merges = e.caps.timescaledb.as_ref().unwrap().merge_chunks;
    let mut taken = vec![(&memory, "live", "1 day")];
    if merges {
        assert!(
            small.message.contains("a chunk interval of"),
            "{}",
            small.message
        );
        assert_eq!(small.action.as_deref(), Some("merge-chunks adv.tiny"));
    } else {
        taken.push((&small, "tiny", "01:00:00"));
    }
    for (advice, table, was) in taken {
        let action = advice.action.clone().expect("an action");
        assert!(action.starts_with("set-chunk-interval adv."), "{action}");
        let plan = hypertop::headless::make_plan(
            &e.ctx(),
            &hypertop::actions::parse::parse(&action).unwrap(),
        )
        .await
        .unwrap();
        assert!(
            plan.impact[0].starts_with("new chunks only"),
            "{:?}",
            plan.impact
        );
        e.act(&action).await.unwrap();
        assert_ne!(interval(table), was, "{action}");
        e.act("rollback").await.unwrap();
        assert_eq!(interval(table), was, "{action} rolled back");
    }
    // set-compression: settings changed and set back (a version with one setting for every
    // chunk refuses while chunks are compressed, and says to decompress first)
    let settings = || {
        psql(
            conninfo,
            "SELECT string_agg(attname || coalesce(':' || segmentby_column_index, '')
                               || coalesce('/' || orderby_column_index, ''), ' ' ORDER BY attname)
               FROM timescaledb_information.compression_settings
              WHERE hypertable_schema = 'adv' AND hypertable_name = 'tiny'",
        )
    };
    let before = settings();
    let change = "set-compression adv.tiny segmentby='' orderby='ts DESC, device'";
    match e.act(change).await {
        Ok(_) => {
            assert_eq!(settings(), "device/2 ts/1", "{change}");
            e.act("rollback").await.unwrap();
            assert_eq!(settings(), before, "rolled back");
        }
        Err(refused) => {
            assert!(
                !e.caps.timescaledb.as_ref().unwrap().compression_settings,
                "{refused}"
            );
            assert!(refused.contains("decompress adv.tiny first"), "{refused}");
            assert_eq!(settings(), before, "nothing changed");
        }
    }
    // the hole's action compresses it again, and the advice is gone
    e.act("compress adv.tiny").await.unwrap();
    let s = open_at(conninfo).await;
    let data = Dataset::read_all(&s.0.client, None, &s.1, &limits).await;
    assert!(
        !data
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::NotRecompressed && p.object == "adv.tiny"),
        "{:#?}",
        data.problems
    );
    if !merges {
        return;
    }
    // the small chunks merged: fewer chunks, every row still there, the one written last spared;
    // journaled as irreversible, so rollback does not claim to restore them
    let count = |sql: &str| -> i64 { psql(conninfo, sql).parse().unwrap() };
    let chunks = || count("SELECT count(*) FROM show_chunks('adv.tiny')");
    let rows = || count("SELECT count(*) FROM adv.tiny");
    let (chunks_before, rows_before) = (chunks(), rows());
    let plan = hypertop::headless::make_plan(
        &e.ctx(),
        &hypertop::actions::parse::parse("merge-chunks adv.tiny").unwrap(),
    )
    .await
    .unwrap();
    let after: i64 = plan
        .summary
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", plan.summary));
    assert!(plan.irreversible.is_some(), "{plan:?}");
    e.act("merge-chunks adv.tiny").await.unwrap();
    assert_eq!(rows(), rows_before, "every row kept");
    assert_eq!(
        chunks(),
        after,
        "as the preview said (from {chunks_before})"
    );
    assert!(after < chunks_before / 4, "{after} of {chunks_before}");
}
