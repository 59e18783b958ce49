use hypertop::capabilities::Capabilities;
use hypertop::model::Summary;

use crate::engines::{connector_for, engine, native};

#[tokio::test]
async fn timescaledb_engine_is_detected_from_the_catalog() {
    let session = connector_for(&engine().conninfo()).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(caps.server_version_num >= 170000, "{caps:?}");
    let ts = caps
        .timescaledb
        .as_ref()
        .expect("TimescaleDB must be detected");
    assert!(ts.version.starts_with("2."), "{ts:?}");
    // 2.23 layout: new function schema, watermark table, job history, compression_settings,
    // bgw_job still in _timescaledb_config, chunk.dropped still present, no chunk.relid.
    assert!(
        ts.functions_schema && ts.cagg_watermark_table && ts.job_history && ts.compression_settings
    );
    assert!(!ts.bgw_job_in_catalog);
    assert!(ts.chunk_dropped_column && !ts.chunk_relid_column);
    assert!(ts.chunk_creation_time, "the engine's 2.23 dates its chunks");
    assert!(
        caps.describe().contains("TimescaleDB 2."),
        "{}",
        caps.describe()
    );

    let summary = Summary::fetch(&session.client, &mut Default::default())
        .await
        .unwrap();
    assert_eq!(
        summary.timescaledb_version.as_deref(),
        Some(ts.version.as_str())
    );
    // Session settings were applied at connect.
    assert_eq!(summary.statement_timeout, "5s");
}

#[tokio::test]
async fn plain_postgres_has_no_extension_and_its_privileges_are_read() {
    let session = connector_for(&native().conninfo()).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(
        caps.server_version_num >= 150000 && caps.server_version_num < 160000,
        "{caps:?}"
    );
    assert!(caps.timescaledb.is_none());
    assert!(caps.is_superuser && caps.can_monitor());
    assert_eq!(caps.database, native().dbname);
    assert!(
        caps.describe()
            .contains(crate::engines::native_timescaledb_note()),
        "{}",
        caps.describe()
    );

    // A plain role: neither superuser nor pg_monitor.
    session
        .client
        .batch_execute("DROP ROLE IF EXISTS hypertop_plain; CREATE ROLE hypertop_plain LOGIN")
        .await
        .unwrap();
    let plain = connector_for(&format!("{} user=hypertop_plain", native().conninfo()))
        .connect()
        .await
        .unwrap();
    let caps = Capabilities::detect(&plain.client).await.unwrap();
    assert!(!caps.is_superuser && !caps.has_pg_monitor && !caps.can_monitor());
    assert_eq!(caps.role, "hypertop_plain");
    session
        .client
        .batch_execute("GRANT pg_monitor TO hypertop_plain")
        .await
        .unwrap();
    let caps = Capabilities::detect(&plain.client).await.unwrap();
    assert!(caps.has_pg_monitor);
}

#[tokio::test]
async fn read_only_sessions_refuse_writes() {
    let mut connector = connector_for(&native().conninfo());
    let resolved = connector.resolved().clone();
    let settings = hypertop::connect::SessionSettings {
        read_only: true,
        ..Default::default()
    };
    connector = hypertop::connect::Connector::new(resolved, settings).unwrap();
    let session = connector.connect().await.unwrap();
    let err = session
        .client
        .batch_execute("CREATE TABLE hypertop_should_not_exist (x int)")
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "25006", "{err}");
}

/// hypertop's sessions never JIT-compile (it cost a server seconds of CPU per refresh for
/// catalog queries of milliseconds) nor start parallel workers (the workload's slots),
/// whatever the server's default; and read the catalog first.
#[tokio::test]
async fn sessions_run_without_jit_and_with_a_safe_search_path() {
    let conninfo = native().conninfo();
    let default: String = crate::engines::psql(&conninfo, "SHOW jit");
    assert_eq!(default, "on", "the server's default, as most users run it");
    let workers: String = crate::engines::psql(&conninfo, "SHOW max_parallel_workers_per_gather");
    assert_ne!(workers, "0", "the server's default");
    let session = connector_for(&conninfo).connect().await.unwrap();
    let row = session
        .client
        .query_one(
            "SELECT current_setting('jit'), current_setting('search_path'),
                    current_setting('max_parallel_workers_per_gather')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "off");
    assert_eq!(row.get::<_, String>(1), "pg_catalog, pg_temp");
    assert_eq!(row.get::<_, String>(2), "0");
}
