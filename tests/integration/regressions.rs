//! Where hypertop disagreed with TimescaleDB's own figures on databases built by TimescaleDB's
//! regression scripts, each case built the way the script builds it, on every version: hypertop
//! says what TimescaleDB's views and functions say.

use hypertop::capabilities::Capabilities;
use hypertop::connect::Session;
use hypertop::model::catalog::Relations;
use hypertop::model::{self, Bound, Payload, QueryKind, Subject};

use crate::engines::{engine_with_files, on_each, open_at, own_servers, psql, Tsdb};

async fn fetch(s: &(Session, Capabilities), kind: QueryKind, target: Option<Subject>) -> Payload {
    model::fetch(kind, target.as_ref(), &s.0.client, &s.1)
        .await
        .unwrap_or_else(|e| panic!("{kind:?}: {}", hypertop::connect::describe_error(&e)))
}

#[tokio::test]
async fn a_float_column_partitioned_by_an_integer_function_is_integer_time() {
    let engine = engine_with_files(&[]);
    on_each(own_servers(&engine, None, "partfunc"), float_partitioned).await;
}

/// bgw_policy's `part_time_now_func`: a float8 time column, an IMMUTABLE function making it a
/// bigint, chunks one unit wide. TimescaleDB calls its interval the integer 1 and its chunks'
/// ranges integers (2 to 4 here); hypertop showed 1e-06 s and ranges in 1970.
async fn float_partitioned(server: &Tsdb) {
    let c = &server.conninfo;
    psql(
        c,
        "CREATE EXTENSION IF NOT EXISTS timescaledb;
         DROP SCHEMA IF EXISTS pf CASCADE; CREATE SCHEMA pf;
         CREATE FUNCTION pf.time_partfunc(unixtime float8) RETURNS bigint
           LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN unixtime::bigint; END $$;
         CREATE TABLE pf.part_time_now_func (time float8 NOT NULL, temp float8);
         SELECT create_hypertable('pf.part_time_now_func', 'time',
                                  time_partitioning_func => 'pf.time_partfunc',
                                  chunk_time_interval => 1);
         INSERT INTO pf.part_time_now_func VALUES (2.1, 23.4), (3, 21.3), (4, 27.1);",
    );
    let theirs: String = psql(
        c,
        "SELECT coalesce(integer_interval::text, 'time ' || time_interval)
           FROM timescaledb_information.dimensions WHERE hypertable_schema = 'pf'",
    );
    assert_eq!(theirs, "1");
    let ranges = psql(
        c,
        "SELECT string_agg(range_start_integer || '..' || range_end_integer, ' '
                           ORDER BY range_start_integer)
           FROM timescaledb_information.chunks WHERE hypertable_schema = 'pf'",
    );
    assert_eq!(ranges, "2..3 3..4 4..5");
    let s = open_at(c).await;
    let Payload::Catalog(catalog) = fetch(&s, QueryKind::Catalog, None).await else {
        panic!("a catalog pass")
    };
    let Ok(Relations::Hypertables(t)) = catalog.relations else {
        panic!("hypertables")
    };
    let h = t
        .hypertables
        .iter()
        .find(|h| &*h.schema == "pf")
        .expect("pf.part_time_now_func");
    assert_eq!((h.interval_integer, h.interval_seconds), (Some(1), None));
    assert_eq!(
        (h.range_start, h.range_end),
        (Some(Bound::Int(2)), Some(Bound::Int(5)))
    );
    let Payload::Chunks(_, chunks) = fetch(
        &s,
        QueryKind::Chunks,
        Some(Subject::Relation {
            schema: "pf".into(),
            name: "part_time_now_func".into(),
        }),
    )
    .await
    else {
        panic!("chunks")
    };
    let mut ours: Vec<String> = chunks
        .iter()
        .map(|c| match (c.range_start, c.range_end) {
            (Some(Bound::Int(a)), Some(Bound::Int(b))) => format!("{a}..{b}"),
            other => format!("{other:?}"),
        })
        .collect();
    ours.sort();
    assert_eq!(ours.join(" "), ranges);
}
