//! Every size hypertop shows equals what PostgreSQL's and TimescaleDB's size functions report
//! for the same relations, on freshly written data (no VACUUM, no ANALYZE), after writes
//! between two refreshes of a console that keeps what it measured, after a VACUUM, and while a
//! chunk is locked.

use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::connect::Session;
use hypertop::model::catalog::{Catalog, RelationRows};
use hypertop::model::{self, DrillTarget, Payload, QueryKind};

use crate::engines::{
    action_servers, hold_lock, in_fresh_schema, native_database, on_each, open_at, psql, Tsdb,
};

/// One refresh of the catalog pass as the console does it, keeping what it measured in `kept`.
async fn refresh(s: &(Session, Capabilities), kept: &mut model::Cache) -> Catalog {
    match model::fetch_with(QueryKind::Catalog, None, &s.0.client, None, &s.1, kept)
        .await
        .unwrap()
    {
        Payload::Catalog(c) => c,
        other => panic!("the catalog pass expected, got {other:?}"),
    }
}

/// The whole database as PostgreSQL's functions count it: every relation's forks.
const DATABASE_BYTES: &str = "SELECT sum(pg_relation_size(oid, 'main') + pg_relation_size(oid, 'fsm')
                                  + pg_relation_size(oid, 'vm') + pg_relation_size(oid, 'init'))::bigint
                             FROM pg_class WHERE relkind IN ('r', 't', 'i', 'm', 'S') AND relpersistence <> 't'";

/// Within 1 % of what PostgreSQL says (the issue's bound; on a quiet table they are equal).
fn close(ours: i64, theirs: i64) -> bool {
    (ours - theirs).abs() * 100 <= theirs.abs()
}

fn numbers(conninfo: &str, sql: &str) -> Vec<i64> {
    psql(conninfo, sql)
        .split('|')
        .map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{sql}: {v}")))
        .collect()
}

/// The hypertable `sized.t` as the Hypertables tab shows it: table, index, TOAST, total.
fn shown(c: &Catalog) -> Vec<i64> {
    let Ok(RelationRows::Hypertables(t)) = &c.relations else {
        panic!("{:?}", c.relations)
    };
    let h = t
        .hypertables
        .iter()
        .find(|h| &*h.schema == "sized" && &*h.name == "t")
        .expect("sized.t listed");
    vec![h.heap_bytes, h.index_bytes, h.toast_bytes, h.total_bytes]
}

/// What `hypertable_detailed_size` says of `sized.t`.
fn detailed(conninfo: &str) -> Vec<i64> {
    numbers(
        conninfo,
        "SELECT table_bytes, index_bytes, toast_bytes, total_bytes
           FROM hypertable_detailed_size('sized.t')",
    )
}

/// Refreshes until the tab's four sizes are within 1 % of `hypertable_detailed_size` (a
/// backend reports its writes to the statistics within seconds, not at once).
async fn agrees(s: &(Session, Capabilities), kept: &mut model::Cache, conninfo: &str, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ours = shown(&refresh(s, kept).await);
        let theirs = detailed(conninfo);
        if ours.iter().zip(&theirs).all(|(&a, &b)| close(a, b)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{when}: shown {ours:?} against hypertable_detailed_size {theirs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn sizes_match_postgresqls_functions_on_fresh_writes() {
    on_each(
        action_servers("sizes"),
        sizes_match_postgresqls_functions_on_fresh_writes_on,
    )
    .await;
}

async fn sizes_match_postgresqls_functions_on_fresh_writes_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    // Three daily chunks, one compressed, a TOASTed column, two indexes; never vacuumed nor
    // analyzed: relpages says nothing of them yet.
    in_fresh_schema(
        conninfo,
        "sized",
        "CREATE TABLE sized.t (ts timestamptz NOT NULL, device int, note text);
         SELECT create_hypertable('sized.t', 'ts', chunk_time_interval => interval '1 day');
         CREATE INDEX t_device ON sized.t (device, ts);
         INSERT INTO sized.t SELECT '2024-01-01'::timestamptz + i * interval '10 seconds', i % 10,
                CASE WHEN i % 500 = 0 THEN (SELECT string_agg(md5(i::text || g::text), '')
                                             FROM generate_series(1, 200) g) END
           FROM generate_series(0, 3 * 8640 - 1) i;
         ALTER TABLE sized.t SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
         SELECT compress_chunk(c) FROM show_chunks('sized.t') c ORDER BY c LIMIT 1;",
    );
    let s = open_at(conninfo).await;
    let mut kept = model::Cache::default();
    agrees(&s, &mut kept, conninfo, "freshly written").await;

    // The drill-down's chunks, each as chunks_detailed_size counts it.
    let Payload::Chunks(_, chunks) = model::fetch(
        QueryKind::Chunks,
        Some(&DrillTarget::Relation {
            schema: "sized".into(),
            name: "t".into(),
        }),
        &s.0.client,
        &s.1,
    )
    .await
    .unwrap() else {
        panic!()
    };
    assert_eq!(chunks.len(), 3);
    for c in &chunks {
        let theirs = numbers(
            conninfo,
            &format!(
                "SELECT total_bytes FROM chunks_detailed_size('sized.t')
                  WHERE chunk_name = '{}'",
                c.name
            ),
        )[0];
        assert!(
            close(c.total_bytes.unwrap(), theirs),
            "{}: {:?} against {theirs}",
            c.name,
            c.total_bytes
        );
    }

    // The Indexes tab against hypertable_index_size (which counts main forks: equal until a
    // VACUUM gives the indexes a free-space map).
    let c = refresh(&s, &mut kept).await;
    let index = c
        .indexes
        .as_ref()
        .unwrap()
        .iter()
        .find(|i| &*i.schema == "sized" && &*i.name == "t_device")
        .expect("t_device listed")
        .size_bytes;
    let theirs = numbers(conninfo, "SELECT hypertable_index_size('sized.t_device')")[0];
    assert!(close(index, theirs), "t_device: {index} against {theirs}");

    // Written between two refreshes of the same console: no relation created, relpages
    // unchanged, yet the new bytes show.
    let before = shown(&refresh(&s, &mut kept).await)[3];
    psql(
        conninfo,
        "INSERT INTO sized.t SELECT '2024-01-03'::timestamptz + i * interval '1 second', i % 10,
                repeat(md5(i::text), 100)
           FROM generate_series(0, 20000) i;",
    );
    agrees(&s, &mut kept, conninfo, "written between refreshes").await;
    assert!(shown(&refresh(&s, &mut kept).await)[3] > before);

    // A VACUUM adds free-space and visibility maps to every relation it touches. No count of
    // rows sees it: a relation not written lately (the compressed chunk's data) shows its maps
    // at the whole read, every ten minutes or at once when asked (`r`).
    psql(conninfo, "VACUUM sized.t");
    kept.read_whole();
    agrees(&s, &mut kept, conninfo, "after VACUUM").await;

    // An index rebuilt (the same oid, a new file: nothing written to its table counts it) and
    // an index made between two refreshes: a table's version does not cover its indexes' files.
    let chunk = psql(
        conninfo,
        "SELECT c FROM show_chunks('sized.t') c ORDER BY c DESC LIMIT 1",
    );
    psql(
        conninfo,
        "DELETE FROM sized.t WHERE ts >= '2024-01-03' AND device <> 1",
    );
    psql(conninfo, "VACUUM sized.t");
    kept.read_whole();
    agrees(&s, &mut kept, conninfo, "after DELETE and VACUUM").await;
    let before = shown(&refresh(&s, &mut kept).await)[1];
    psql(conninfo, &format!("REINDEX TABLE {chunk}"));
    agrees(&s, &mut kept, conninfo, "after REINDEX").await;
    assert!(
        shown(&refresh(&s, &mut kept).await)[1] < before,
        "the rebuilt index is smaller"
    );
    psql(conninfo, "CREATE INDEX t_note ON sized.t (md5(note))");
    agrees(&s, &mut kept, conninfo, "after CREATE INDEX").await;

    if server.native {
        // The whole database: every relation's forks, as pg_relation_size counts them.
        let database = refresh(&s, &mut kept).await.database_bytes.unwrap();
        let theirs = numbers(conninfo, DATABASE_BYTES)[0];
        assert!(close(database, theirs), "{database} against {theirs}");

        // A chunk locked by a compress (here: by hand) is not waited for: the refresh
        // answers at once, the chunk keeping its last size.
        let chunk = psql(
            conninfo,
            "SELECT c FROM show_chunks('sized.t') c ORDER BY c DESC LIMIT 1",
        );
        let shown_before = shown(&refresh(&s, &mut kept).await);
        let holder = hold_lock(conninfo, &chunk).await;
        psql(
            conninfo,
            "INSERT INTO sized.t SELECT '2024-01-02'::timestamptz + i * interval '1 second', 1, NULL
               FROM generate_series(0, 5000) i",
        );
        let started = std::time::Instant::now();
        let during = refresh(&s, &mut kept).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        let during = shown(&during);
        assert!(during[3] >= shown_before[3], "{during:?} {shown_before:?}");
        drop(holder);
        agrees(&s, &mut kept, conninfo, "after the lock").await;
    }
}

/// Plain PostgreSQL: a partitioned table's size is its partitions' total relation sizes, an
/// index's is its own and its partitions' indexes', the database's every relation's.
#[tokio::test]
async fn plain_postgresql_sizes_match_its_functions() {
    let conninfo = native_database("sizes");
    psql(
        &conninfo,
        "CREATE TABLE r (at timestamptz NOT NULL, v int, note text) PARTITION BY RANGE (at);
         CREATE TABLE r_1 PARTITION OF r FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
         CREATE TABLE r_2 PARTITION OF r FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')
                PARTITION BY RANGE (at);
         CREATE TABLE r_2a PARTITION OF r_2 FOR VALUES FROM ('2024-02-01') TO ('2024-02-15');
         CREATE INDEX r_at ON r (at);
         INSERT INTO r SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i,
                CASE WHEN i % 100 = 0 THEN repeat(md5(i::text), 200) END
           FROM generate_series(0, 60000) i WHERE i < 44 * 1440;",
    );
    let s = open_at(&conninfo).await;
    let mut kept = model::Cache::default();
    let check = |c: &Catalog| -> Result<(), String> {
        let Ok(RelationRows::Partitions(p)) = &c.relations else {
            return Err(format!("{:?}", c.relations));
        };
        let r = p.iter().find(|t| t.name == "r").ok_or("r listed")?;
        let theirs = numbers(
            &conninfo,
            "SELECT sum(pg_total_relation_size(relid))::bigint FROM pg_partition_tree('r')",
        )[0];
        let index = c
            .indexes
            .as_ref()
            .unwrap()
            .iter()
            .find(|i| &*i.name == "r_at")
            .ok_or("r_at listed")?
            .size_bytes;
        let index_theirs = numbers(
            &conninfo,
            "SELECT sum(pg_relation_size(relid, 'main') + pg_relation_size(relid, 'fsm'))::bigint
               FROM pg_partition_tree('r_at')",
        )[0];
        let database = *c.database_bytes.as_ref().unwrap();
        let database_theirs = numbers(&conninfo, DATABASE_BYTES)[0];
        match close(r.size_bytes, theirs)
            && close(index, index_theirs)
            && close(database, database_theirs)
        {
            true => Ok(()),
            false => Err(format!(
                "r {} against {theirs}, r_at {index} against {index_theirs}, \
                 database {database} against {database_theirs}",
                r.size_bytes
            )),
        }
    };
    check(&refresh(&s, &mut kept).await).unwrap();
    psql(
        &conninfo,
        "INSERT INTO r SELECT '2024-02-02'::timestamptz + i * interval '1 second', i, NULL
           FROM generate_series(0, 30000) i",
    );
    // written between two refreshes: shown once the statistics have counted the rows
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Err(e) = check(&refresh(&s, &mut kept).await) {
        assert!(Instant::now() < deadline, "after writes: {e}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every relation's bytes (oid → bytes) as a one-shot read measures them: by their files on
/// one session, on two (`helper`), or through the size functions (`by_files` false).
async fn measured(
    client: &tokio_postgres::Client,
    helper: Option<&tokio_postgres::Client>,
    by_files: bool,
) -> Vec<(u32, i64)> {
    let mut keeper = hypertop::model::sizes::SizeKeeper::default();
    let sessions = hypertop::model::sizes::Sessions {
        main: client,
        helper,
        may_stat_files: by_files,
    };
    keeper.measure_all(sessions).await.unwrap();
    keeper.sizes().measured().collect()
}

/// Measured by its files (a role that may stat them) or through the size functions (one that
/// may not, and the fallback for a file as large as a segment), every relation's bytes are the
/// same to the byte: fresh and vacuumed tables, an unlogged table's init fork, TOAST, mapped
/// catalogs; a temporary table is left out. Which way a session measures follows its role's
/// privilege.
#[tokio::test]
async fn measured_by_their_files_relations_have_the_bytes_the_size_functions_say() {
    on_each(action_servers("by_file"), async |server| {
        let conninfo = &server.conninfo;
        in_fresh_schema(
            conninfo,
            "files",
            "CREATE UNLOGGED TABLE files.u (id int PRIMARY KEY, note text)
                    WITH (autovacuum_enabled = off, toast.autovacuum_enabled = off);
             INSERT INTO files.u SELECT i, repeat(md5(i::text), 90) FROM generate_series(1, 3000) i;
             CREATE TABLE files.v (id int, at timestamptz) WITH (autovacuum_enabled = off);
             INSERT INTO files.v SELECT i, now() FROM generate_series(1, 20000) i;",
        );
        // no autovacuum between the measurements: its first run on a table written once gives
        // it a free space and a visibility map (files.u's 3,000 inserts passed the insert
        // threshold on PostgreSQL 17 once, and it grew mid-test)
        psql(conninfo, "VACUUM files.v");
        let s = open_at(conninfo).await;
        let client = &s.0.client;
        client
            .batch_execute("CREATE TEMP TABLE scratch AS SELECT generate_series(1, 5000) AS n")
            .await
            .unwrap();
        // on one session, and on two each stat'ing half of the files, between two
        // measurements through the size functions (a temporary table is no relation of the
        // database's: it goes with its session, and is not measured at all)
        let helper = open_at(conninfo).await;
        let before = measured(client, None, false).await;
        let by_files = measured(client, None, true).await;
        let by_two = measured(client, Some(&helper.0.client), true).await;
        let after = measured(client, None, false).await;
        // what held still meanwhile (the engine is shared with tests that write), and that
        // includes this test's own tables and the mapped catalogs
        let still: std::collections::BTreeMap<u32, i64> = before
            .iter()
            .filter(|r| after.contains(r))
            .copied()
            .collect();
        let ours = numbers(
            conninfo,
            "SELECT string_agg(c.oid::text, '|') FROM pg_class c
              WHERE c.relnamespace = 'files'::regnamespace OR c.oid IN
                    ('files.u'::regclass, 'files.v'::regclass, 'pg_class'::regclass,
                     (SELECT reltoastrelid FROM pg_class WHERE oid = 'files.u'::regclass))
                 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'files.u'::regclass)",
        );
        assert!(ours.len() >= 5, "{ours:?}");
        let scratch: u32 = client
            .query_one("SELECT 'scratch'::regclass::oid", &[])
            .await
            .unwrap()
            .get(0);
        for oid in ours.into_iter().map(|o| o as u32) {
            assert!(still.contains_key(&oid), "relation {oid} held still");
        }
        for measured in [&before, &by_files, &by_two, &after] {
            assert!(measured.iter().all(|m| m.0 != scratch), "the temporary table");
        }
        for measured in [&by_files, &by_two] {
            let measured: std::collections::BTreeMap<u32, i64> =
                measured.iter().copied().collect();
            let differ: Vec<_> = still
                .iter()
                .filter(|(oid, bytes)| measured.get(oid) != Some(bytes))
                .collect();
            assert!(differ.is_empty(), "by files, not as the functions: {differ:?}");
        }
        assert!(s.1.may_stat_files, "a superuser stats files");
    })
    .await;
}

/// A role that may not stat files measures through the size functions, and the sizes shown
/// are PostgreSQL's all the same; granted pg_stat_file, it measures by the files.
#[tokio::test]
async fn a_role_without_pg_stat_file_measures_through_the_size_functions() {
    let conninfo = native_database("no_stat");
    let role = format!("sizer_{}", std::process::id());
    psql(
        &conninfo,
        &format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN;
             CREATE TABLE w (id int, note text);
             INSERT INTO w SELECT i, md5(i::text) FROM generate_series(1, 10000) i;"
        ),
    );
    let as_role = format!("{conninfo} user={role}");
    let by_file = |expected: bool| {
        let conninfo = as_role.clone();
        async move {
            let s = open_at(&conninfo).await;
            assert_eq!(s.1.may_stat_files, expected);
            let mut kept = model::Cache::default();
            let database = refresh(&s, &mut kept).await.database_bytes.unwrap();
            let theirs = numbers(&conninfo, DATABASE_BYTES)[0];
            assert!(close(database, theirs), "{database} against {theirs}");
        }
    };
    by_file(false).await;
    psql(
        &conninfo,
        &format!(
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO {role};
             GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO {role}"
        ),
    );
    by_file(true).await;
    // Revoked while a session that read it may is open: the listing fails, and the catalog
    // pass measures through the size functions instead of failing as a whole (it did).
    let s = open_at(&as_role).await;
    assert!(s.1.may_stat_files);
    psql(
        &conninfo,
        &format!(
            "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) FROM {role};
             REVOKE EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) FROM {role}"
        ),
    );
    let mut kept = model::Cache::default();
    let database = refresh(&s, &mut kept).await.database_bytes.unwrap();
    let theirs = numbers(&conninfo, DATABASE_BYTES)[0];
    assert!(
        close(database, theirs),
        "after the revoke: {database} against {theirs}"
    );
    let snapshot = hypertop::snapshot::collect(&s.0.client, None, &s.1, &Default::default()).await;
    let once = snapshot.data.database_bytes.value().copied();
    assert!(
        once.is_some_and(|b| close(b, theirs)),
        "a one-shot read after the revoke: {once:?} against {theirs}"
    );
    drop(s);
    psql(&conninfo, &format!("DROP ROLE {role}"));
}

/// A database created in a tablespace of its own keeps its files under `pg_tblspc/`, not
/// `base/`: measured by its files, its relations still have every byte the size functions say
/// (the directory listed is the one its catalog's files are in), and so does a table placed in
/// yet another tablespace.
#[tokio::test]
async fn a_database_in_its_own_tablespace_is_measured_by_its_files_all_the_same() {
    use crate::process::must;
    let base = &crate::engines::native().base;
    let admin = format!("{base} dbname=postgres");
    let tag = std::process::id();
    let (db, home, other) = (
        format!("hypertop_ts_{tag}"),
        format!("ts_home_{tag}"),
        format!("ts_other_{tag}"),
    );
    let dirs = tempfile::tempdir().unwrap();
    // Dropped whatever the outcome: the database, then its tablespaces (before the directory).
    struct Cleanup<'a>(&'a str, [&'a str; 3]);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            let [db, home, other] = self.1;
            let _ = std::process::Command::new("psql")
                .args(["-X", "-q", "-d", self.0])
                .args(["-c", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")])
                .args(["-c", &format!("DROP TABLESPACE IF EXISTS {home}")])
                .args(["-c", &format!("DROP TABLESPACE IF EXISTS {other}")])
                .output();
        }
    }
    let _cleanup = Cleanup(&admin, [&db, &home, &other]);
    for name in [&home, &other] {
        let dir = dirs.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let chown = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dirs.path())
            .output()
            .unwrap();
        must(chown, "chown");
        psql(
            &admin,
            &format!("CREATE TABLESPACE {name} LOCATION '{}'", dir.display()),
        );
    }
    psql(&admin, &format!("CREATE DATABASE {db} TABLESPACE {home}"));
    let conninfo = format!("{base} dbname={db}");
    psql(
        &conninfo,
        &format!(
            "CREATE TABLE here AS SELECT g, md5(g::text) AS note FROM generate_series(1, 20000) g;
             CREATE INDEX ON here (g);
             CREATE TABLE there TABLESPACE {other} AS SELECT generate_series(1, 5000) AS g;"
        ),
    );
    psql(&conninfo, "VACUUM here");
    // A stray file named by more digits than an oid holds: not a relation's, and no error.
    let version_dir = std::fs::read_dir(dirs.path().join(&home))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let database_dir = std::fs::read_dir(version_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(database_dir.join("99999999999"), b"stray").unwrap();
    // And one that only starts like a relation's file: not counted as one of its forks.
    let heap = psql(&conninfo, "SELECT pg_relation_filenode('here')");
    std::fs::write(database_dir.join(format!("{heap}.tmp")), b"not a segment").unwrap();
    let s = open_at(&conninfo).await;
    let by_functions = measured(&s.0.client, None, false).await;
    let by_files = measured(&s.0.client, None, true).await;
    drop(s);
    assert_eq!(by_files, by_functions);
}

/// Tables rewritten (TRUNCATE, VACUUM FULL: a new file each) are measured from their new files
/// by a refresh that lists the files, even before the statistics say the catalog changed (a
/// session reports its changes a second or more after it commits). The layout that names each
/// table's file was read again only for new indexes' files, and such a refresh found the old
/// files — emptied, left until the next checkpoint — and showed those tables at 0 bytes.
#[tokio::test]
async fn rewritten_tables_are_measured_from_their_new_files() {
    let conninfo = native_database("rewritten");
    // tables with no index and no TOAST: a rewrite gives only the table a new file
    let tables = 200;
    let create: String = (0..tables)
        .map(|i| {
            format!("CREATE TABLE r{i} (a int); INSERT INTO r{i} SELECT generate_series(1, 10);")
        })
        .collect();
    psql(&conninfo, &create);
    let s = open_at(&conninfo).await;
    let mut kept = model::Cache::default();
    refresh(&s, &mut kept).await;
    // The rewriting session reports its statistics once at its first commit, then not again
    // for a second: the rewrite below is not yet counted when the refresh runs.
    let (rewriter, _) = open_at(&conninfo).await;
    rewriter
        .client
        .batch_execute("INSERT INTO public.r0 VALUES (0)")
        .await
        .unwrap();
    let rewrite: String = (0..tables)
        .map(|i| {
            format!(
                "TRUNCATE public.r{i}; INSERT INTO public.r{i} SELECT generate_series(1, 2000);"
            )
        })
        .collect();
    let counted = "SELECT (pg_stat_get_tuples_inserted('pg_class'::regclass)
                         + pg_stat_get_tuples_updated('pg_class'::regclass))::int8";
    let before: i64 = s.0.client.query_one(counted, &[]).await.unwrap().get(0);
    rewriter.client.batch_execute(&rewrite).await.unwrap();
    let after: i64 = s.0.client.query_one(counted, &[]).await.unwrap().get(0);
    if before != after {
        // the statistics were told already: the refresh reads the layout again either way
        eprintln!("the rewrite was counted before the refresh ({before} → {after})");
    }
    let database = refresh(&s, &mut kept).await.database_bytes.unwrap();
    let theirs = numbers(&conninfo, DATABASE_BYTES)[0];
    assert!(
        close(database, theirs),
        "after the rewrite: {database} against {theirs}"
    );
}

/// The versions come in slices, a row each, taken in one after another: read in slices of
/// three they are what one slice holds, every table with files once, in the same order.
#[tokio::test]
async fn relation_versions_read_in_slices_are_the_versions_read_whole() {
    use hypertop::model::sizes::{RelationVersions, VERSIONS_SLICE};
    let conninfo = native_database("versions");
    psql(
        &conninfo,
        "CREATE TABLE v1 (id int PRIMARY KEY, note text);
         CREATE SEQUENCE v2;
         CREATE MATERIALIZED VIEW v3 AS SELECT 1 AS one;
         INSERT INTO v1 SELECT i, repeat('x', i) FROM generate_series(1, 100) i;",
    );
    let s = open_at(&conninfo).await;
    let client = &s.0.client;
    let sql = client
        .prepare(hypertop::queries::RELATION_VERSIONS.as_str())
        .await
        .unwrap();
    let whole = RelationVersions::read(client, &sql, VERSIONS_SLICE)
        .await
        .unwrap();
    let sliced = RelationVersions::read(client, &sql, 3).await.unwrap();
    let tables = numbers(
        &conninfo,
        "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 't', 'm', 'S')",
    )[0];
    assert_eq!(whole.relations.len() as i64, tables);
    assert!(
        tables > 3 * 10,
        "{tables} tables: slices of three make many rows"
    );
    assert_eq!(sliced, whole);
    assert_eq!(sliced.relations.capacity(), sliced.relations.len());
}

/// A statistics reset sets a table's counters back to what they were once — right after an
/// ANALYZE, say — and so its version: a console that kept its size then measures it again all
/// the same (the reset's time is in every version), on each native server's newest TimescaleDB.
#[tokio::test]
async fn a_statistics_reset_never_leaves_a_kept_size_stale() {
    let servers = crate::engines::newest_native_servers("reset", None);
    on_each(servers, async |server: &Tsdb| {
        let conninfo = &server.conninfo;
        in_fresh_schema(
            conninfo,
            "sized",
            "CREATE TABLE sized.t (ts timestamptz NOT NULL, device int, note text);
             SELECT create_hypertable('sized.t', 'ts', chunk_time_interval => interval '1 day');
             INSERT INTO sized.t SELECT '2024-01-01'::timestamptz + i * interval '10 seconds', i % 10, 'x'
               FROM generate_series(0, 8639) i;",
        );
        let s = open_at(conninfo).await;
        let mut kept = model::Cache::default();
        for reset in [
            "SELECT pg_stat_reset_single_table_counters(c) FROM show_chunks('sized.t') c",
            "SELECT pg_stat_reset()",
        ] {
            // a VACUUM is seen by a whole read (see above)
            psql(conninfo, "VACUUM ANALYZE sized.t");
            kept.read_whole();
            agrees(&s, &mut kept, conninfo, "after VACUUM ANALYZE").await;
            // the same day's chunk grows, its writes reported (the session ended), then reset
            psql(
                conninfo,
                "INSERT INTO sized.t SELECT '2024-01-01'::timestamptz + i * interval '1 second', 1,
                        repeat('y', 300) FROM generate_series(0, 20000) i",
            );
            psql(conninfo, reset);
            agrees(&s, &mut kept, conninfo, reset).await;
        }
    })
    .await;
}

/// A table given a new file whose number stands above every oid of its database (file numbers
/// come from the cluster's counter, which another database moved on) is listed again once, not
/// at every refresh: the watch reports it as renewed until an oid of the database passes that
/// number, and each report had it listed again (a statement parsed and planned anew each time,
/// at every scrape of an exporter over such a database).
#[tokio::test]
async fn a_file_numbered_above_the_databases_oids_is_listed_again_once() {
    let conninfo = native_database("renumbered");
    let other = native_database("renumbering");
    psql(
        &conninfo,
        "CREATE TABLE t (a int); INSERT INTO t VALUES (1);",
    );
    let s = open_at(&conninfo).await;
    let mut kept = model::Cache::default();
    refresh(&s, &mut kept).await;
    // the cluster's counter moved on elsewhere, then the table rewritten here
    let elsewhere: String = (0..20)
        .map(|i| format!("CREATE TABLE o{i} (a int);"))
        .collect();
    psql(&other, &elsewhere);
    psql(
        &conninfo,
        "TRUNCATE t; INSERT INTO t SELECT generate_series(1, 5000);",
    );
    let above = psql(
        &conninfo,
        "SELECT relfilenode > (SELECT max(oid) FROM pg_class) FROM pg_class WHERE oid = 'public.t'::regclass",
    );
    assert_eq!(above, "t", "the new file's number is above every oid here");
    let listed = kept.catalog.sizes.relisted;
    let mut bytes = Vec::new();
    for _ in 0..4 {
        bytes.push(refresh(&s, &mut kept).await.database_bytes.unwrap());
    }
    assert_eq!(
        kept.catalog.sizes.relisted - listed,
        1,
        "listed again at the first refresh after the rewrite, and not after"
    );
    let theirs = numbers(&conninfo, DATABASE_BYTES)[0];
    assert!(
        bytes.iter().all(|&b| close(b, theirs)),
        "{bytes:?} against {theirs}"
    );
}

/// A relation written at every refresh is looked at by one stat of its main fork while its
/// other forks cannot move without it; a VACUUM moves them alone (a visibility map made, a
/// free-space map for the pages it freed) and is seen at the next refresh, to the byte.
#[tokio::test]
async fn a_relation_looked_at_by_its_main_fork_is_measured_whole_after_a_vacuum() {
    on_each(
        action_servers("main_fork"),
        a_relation_looked_at_by_its_main_fork_is_measured_whole_after_a_vacuum_on,
    )
    .await;
}

async fn a_relation_looked_at_by_its_main_fork_is_measured_whole_after_a_vacuum_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    // a table of several pages (its free-space map made as it grew) and a btree index
    in_fresh_schema(
        conninfo,
        "quick",
        "CREATE TABLE quick.t (id int, note text);
         CREATE INDEX t_id ON quick.t (id);
         INSERT INTO quick.t SELECT i, repeat('x', 200) FROM generate_series(1, 2000) i;",
    );
    let oids = numbers(
        conninfo,
        "SELECT 'quick.t'::regclass::oid::int8, 'quick.t_id'::regclass::oid::int8",
    );
    let s = open_at(conninfo).await;
    let mut kept = model::Cache::default();
    refresh(&s, &mut kept).await;
    // a row now and then: the table and its index move at every refresh, mostly in place
    let at = Exact {
        s: &s,
        conninfo,
        oids: &oids,
    };
    // (a native server's: the engine measures whole, its statistics counting no VACUUM)
    let quick = if server.native { 4 } else { 0 };
    at.until(
        &mut kept,
        "INSERT INTO quick.t VALUES (0, 'y')",
        quick,
        "written at every refresh",
    )
    .await;
    // rows deleted and written: the pages VACUUM frees go into the free-space maps, the pages
    // left all-visible into a visibility map; the main forks stay as they are
    psql(conninfo, "DELETE FROM quick.t WHERE id BETWEEN 1 AND 1500");
    at.until(&mut kept, "", 0, "deleted").await;
    // (a row written at each refresh after it lands in a page it freed: the main forks stay)
    psql(conninfo, "VACUUM (TRUNCATE false) quick.t");
    let write = "INSERT INTO quick.t VALUES (0, 'z')";
    at.until(&mut kept, write, 0, "after VACUUM").await;
    // a second VACUUM recycles the index pages the first one deleted: the index's free-space
    // map, its main fork as it was
    psql(conninfo, "VACUUM (TRUNCATE false) quick.t");
    at.until(&mut kept, write, 0, "after a second VACUUM").await;
}

/// Relations whose sizes a test checks to the byte against PostgreSQL's functions.
struct Exact<'a> {
    s: &'a (Session, Capabilities),
    conninfo: &'a str,
    oids: &'a [i64],
}

impl Exact<'_> {
    /// Every fork of each relation, as pg_relation_size counts it.
    fn theirs(&self) -> Vec<i64> {
        (self.oids.iter())
            .map(|o| {
                numbers(
                    self.conninfo,
                    &format!(
                        "SELECT pg_relation_size({o}, 'main') + pg_relation_size({o}, 'fsm')
                                + pg_relation_size({o}, 'vm') + pg_relation_size({o}, 'init')"
                    ),
                )[0]
            })
            .collect()
    }

    /// Refreshes (each after `write`, when there is one) until each relation is shown to the
    /// byte as PostgreSQL's functions count it and at least `quick` of those measured were
    /// looked at by their main fork alone.
    async fn until(&self, kept: &mut model::Cache, write: &str, quick: u64, when: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let looked = kept.catalog.sizes.looked_quickly;
        loop {
            if !write.is_empty() {
                psql(self.conninfo, write);
            }
            refresh(self.s, kept).await;
            let sizes = kept.catalog.sizes.sizes();
            let ours: Vec<i64> = self.oids.iter().map(|&o| sizes.own(o as u32)).collect();
            let theirs = self.theirs();
            let quickly = kept.catalog.sizes.looked_quickly - looked;
            if ours == theirs && quickly >= quick {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{when}: {ours:?} against {theirs:?}, {quickly} looked at by their main fork"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A relation measured in turn (the sweep, every relation within the hour) is measured by its
/// files' names, not looked up in the catalog, and to the byte as PostgreSQL's functions count
/// it: a table with its free-space and visibility maps, its TOAST table and their indexes, an
/// unlogged table's init forks, a BRIN index summarised by hand (which no count sees).
#[tokio::test]
async fn relations_measured_in_turn_are_measured_by_their_files_to_the_byte() {
    on_each(action_servers("in_turn"), async |server| {
        let conninfo = &server.conninfo;
        in_fresh_schema(
            conninfo,
            "turn",
            "CREATE TABLE turn.t (id int PRIMARY KEY, at timestamptz, note text)
                    WITH (autovacuum_enabled = off, toast.autovacuum_enabled = off);
             INSERT INTO turn.t SELECT i, now(), repeat(md5(i::text), 90)
               FROM generate_series(1, 3000) i;
             CREATE UNLOGGED TABLE turn.u (id int PRIMARY KEY) WITH (autovacuum_enabled = off);
             INSERT INTO turn.u SELECT generate_series(1, 500);",
        );
        psql(conninfo, "VACUUM turn.t");
        let oids = numbers(
            conninfo,
            "SELECT string_agg(c.oid::text, '|' ORDER BY c.oid) FROM pg_class c
              WHERE c.relnamespace = 'turn'::regnamespace
                 OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'turn.t'::regclass)
                 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid =
                              (SELECT reltoastrelid FROM pg_class WHERE oid = 'turn.t'::regclass))",
        );
        assert!(oids.len() >= 6, "{oids:?}");
        let s = open_at(conninfo).await;
        let mut kept = model::Cache::default();
        refresh(&s, &mut kept).await;
        // an index no count moves with: summarised by hand after the rows were counted
        psql(
            conninfo,
            "CREATE INDEX t_at ON turn.t USING brin (at)
                    WITH (pages_per_range = 1, autosummarize = off);
             INSERT INTO turn.t SELECT i, now(), 'x' FROM generate_series(3001, 60000) i;",
        );
        refresh(&s, &mut kept).await;
        let brin = numbers(conninfo, "SELECT 'turn.t_at'::regclass::oid::int8");
        let oids: Vec<i64> = oids.into_iter().chain(brin).collect();
        let at = Exact {
            s: &s,
            conninfo,
            oids: &oids,
        };
        let before = at.theirs();
        psql(conninfo, "SELECT brin_summarize_new_values('turn.t_at')");
        let summarised = at.theirs();
        assert_ne!(before, summarised, "summarising by hand grew the index");
        let by_file = kept.catalog.sizes.measured_by_file;
        let ours: Vec<u32> = oids.iter().map(|&o| o as u32).collect();
        kept.catalog.sizes.sweep_next_over(&ours);
        refresh(&s, &mut kept).await;
        let sizes = kept.catalog.sizes.sizes();
        let ours: Vec<i64> = oids.iter().map(|&o| sizes.own(o as u32)).collect();
        assert_eq!(
            ours, summarised,
            "measured in turn (before summarising: {before:?})"
        );
        // (the engine counts no writes: every relation is measured at every refresh, by
        // listing the files)
        if server.native {
            assert!(s.1.may_stat_files);
            let measured = kept.catalog.sizes.measured_by_file - by_file;
            assert!(
                measured >= oids.len() as u64,
                "{measured} measured by their files, of the {} swept",
                oids.len()
            );
        }
    })
    .await;
}
