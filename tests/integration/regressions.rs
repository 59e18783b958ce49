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

#[tokio::test]
async fn an_unqualified_integer_now_counts_as_the_policy_job_counts() {
    let engine = engine_with_files(&[]);
    on_each(
        own_servers(&engine, None, "intnow"),
        unqualified_integer_now,
    )
    .await;
}

/// continuous_agg_test's `SELECT coalesce(max(timeval), 0) FROM continuous_agg_test`: an
/// integer_now naming its table without a schema. TimescaleDB's policy jobs call it with their
/// owner's search_path and find the table; hypertop's own search_path (pg_catalog, pg_temp)
/// did not, so backlog, overdue and lag stayed empty. And where "now" cannot be had (a
/// function hypertop may not call), the backlog is unknown, not 0 chunks / 0 B.
async fn unqualified_integer_now(server: &Tsdb) {
    let c = &server.conninfo;
    let tenant = format!("intnow_tenant_{}", std::process::id());
    psql(
        c,
        &format!(
            "CREATE EXTENSION IF NOT EXISTS timescaledb;
             DROP TABLE IF EXISTS public.int_t; DROP TABLE IF EXISTS public.int_u;
             DO $$ BEGIN CREATE ROLE {tenant}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             CREATE TABLE public.int_t (timeval int NOT NULL, v int);
             SELECT create_hypertable('public.int_t', 'timeval', chunk_time_interval => 10);
             CREATE OR REPLACE FUNCTION public.int_t_now() RETURNS int LANGUAGE sql STABLE
               AS $$ SELECT coalesce(max(timeval), 0) FROM int_t $$;
             SELECT set_integer_now_func('public.int_t', 'public.int_t_now');
             INSERT INTO public.int_t SELECT g, g FROM generate_series(0, 99) g;
             ALTER TABLE public.int_t SET (timescaledb.compress);
             SELECT add_compression_policy('public.int_t', 30);
             SELECT add_retention_policy('public.int_t', 60);
             -- the same, its integer_now a tenant's: not called by a superuser's monitoring
             CREATE TABLE public.int_u (timeval int NOT NULL, v int);
             SELECT create_hypertable('public.int_u', 'timeval', chunk_time_interval => 10);
             CREATE OR REPLACE FUNCTION public.int_u_now() RETURNS int LANGUAGE sql STABLE
               AS $$ SELECT 99 $$;
             ALTER FUNCTION public.int_u_now() OWNER TO {tenant};
             SELECT set_integer_now_func('public.int_u', 'public.int_u_now');
             INSERT INTO public.int_u SELECT g, g FROM generate_series(0, 99) g;
             ALTER TABLE public.int_u SET (timescaledb.compress);
             SELECT add_compression_policy('public.int_u', 30);
             SELECT add_retention_policy('public.int_u', 60);"
        ),
    );
    // what the policies' next runs take, by TimescaleDB's own "now"
    let count = |upto: &str| -> i64 {
        psql(
            c,
            &format!(
                "SELECT count(*) FROM timescaledb_information.chunks
                  WHERE hypertable_name = 'int_t' AND range_end_integer <= public.int_t_now() - {upto}
                    AND NOT is_compressed"
            ),
        )
        .parse()
        .unwrap()
    };
    let (backlog, overdue) = (count("30"), count("60"));
    assert_eq!((backlog, overdue), (6, 3));
    let s = open_at(c).await;
    let Payload::Catalog(catalog) = fetch(&s, QueryKind::Catalog, None).await else {
        panic!("a catalog pass")
    };
    let Ok(Relations::Hypertables(t)) = catalog.relations else {
        panic!("hypertables")
    };
    let compression = |name: &str| {
        t.compression
            .iter()
            .find(|r| &*r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let retention = |name: &str| {
        t.retention
            .iter()
            .find(|r| &*r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(compression("int_t").backlog_chunks, Some(backlog));
    assert_eq!(retention("int_t").overdue_chunks, Some(overdue));
    assert_eq!(compression("int_u").backlog_chunks, None, "unknown, not 0");
    assert_eq!(compression("int_u").backlog_bytes, None);
    assert_eq!(retention("int_u").overdue_chunks, None);
    // the monitoring session's own search_path is as it was
    let path: String =
        s.0.client
            .query_one("SELECT current_setting('search_path')", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(path, "pg_catalog, pg_temp");
    psql(c, "DROP TABLE public.int_t; DROP TABLE public.int_u");
}

#[tokio::test]
async fn an_osm_chunk_counts_in_its_hypertables_size_and_nowhere_else() {
    let engine = engine_with_files(&[]);
    on_each(own_servers(&engine, None, "osmsize"), osm_chunk_sizes).await;
}

/// chunk_utils and compression_errors mark a chunk as an OSM chunk (tiered data, or a foreign
/// table attached as one) with `UPDATE _timescaledb_catalog.chunk SET osm_chunk = true`.
/// hypertable_detailed_size counts its bytes, timescaledb_information.hypertables does not
/// count it as a chunk; hypertop left its bytes out of the size.
async fn osm_chunk_sizes(server: &Tsdb) {
    let c = &server.conninfo;
    psql(
        c,
        "CREATE EXTENSION IF NOT EXISTS timescaledb;
         DROP SCHEMA IF EXISTS osm CASCADE; CREATE SCHEMA osm;
         CREATE TABLE osm.t (ts timestamptz NOT NULL, v int);
         CREATE INDEX ON osm.t (v);
         SELECT create_hypertable('osm.t', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO osm.t SELECT '2024-01-01'::timestamptz + g * interval '1 minute', g
           FROM generate_series(0, 2 * 1440 - 1) g;
         UPDATE _timescaledb_catalog.chunk SET osm_chunk = true
          WHERE id = (SELECT min(ch.id) FROM _timescaledb_catalog.chunk ch
                        JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                       WHERE h.schema_name = 'osm');",
    );
    let theirs: Vec<i64> = psql(
        c,
        "SELECT (SELECT total_bytes FROM hypertable_detailed_size('osm.t')) || ' ' ||
                (SELECT num_chunks FROM timescaledb_information.hypertables
                  WHERE hypertable_schema = 'osm')",
    )
    .split(' ')
    .map(|n| n.parse().unwrap())
    .collect();
    assert_eq!(theirs[1], 1, "TimescaleDB counts the OSM chunk apart");
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
        .find(|h| &*h.schema == "osm")
        .expect("osm.t listed");
    assert_eq!(
        (h.total_bytes, h.chunks),
        (theirs[0], theirs[1]),
        "{}: total bytes and chunks as hypertable_detailed_size and the hypertables view say",
        server.label
    );
}
