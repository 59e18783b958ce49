//! The advisors on real servers: each on data made to trigger it and on data made not to, with
//! the compression figures TimescaleDB itself reports.

use hypertop::problems::{ProblemKind, Severity, Thresholds};
use hypertop::store::Dataset;

use crate::engines::{action_servers, on_each, open_at, psql, Tsdb};

#[tokio::test]
async fn advisors_find_what_works_against_the_data_and_only_that() {
    on_each(action_servers("advice"), advisors_on).await;
}

async fn advisors_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    // good: a policy, segments of 5,000 rows ordered by time. poor: a segment per row. bare: no
    // policy. unordered: ordered by device alone. Each with one day-chunk compressed but
    // `unordered` (nothing compressed: its ratio is not judged).
    psql(
        conninfo,
        "DROP SCHEMA IF EXISTS advice CASCADE; CREATE SCHEMA advice;
         CREATE TABLE advice.good (ts timestamptz NOT NULL, device int, v float8);
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
         SELECT compress_chunk(c) FROM show_chunks('advice.good') c;
         SELECT compress_chunk(c) FROM show_chunks('advice.poor') c;
         SELECT compress_chunk(c) FROM show_chunks('advice.bare') c;",
    );
    let s = open_at(conninfo).await;
    let data = Dataset::read_all(&s.0.client, &s.1, &Thresholds::default()).await;
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
        .find(|p| p.kind == ProblemKind::LowCompressionRatio)
        .unwrap();
    assert!(
        poor.message
            .contains(&format!("({theirs:.1}x; advice below 2.0x)")),
        "{theirs}: {}",
        poor.message
    );
    // The well-compressed table is not advised about: its ratio is above the threshold.
    let good = data
        .compression
        .value()
        .and_then(|c| c.iter().find(|c| c.name == "good"))
        .and_then(|c| c.ratio())
        .expect("good compressed");
    assert!(good >= 2.0, "{good}");
}
