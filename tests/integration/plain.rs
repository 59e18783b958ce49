//! Plain PostgreSQL (no TimescaleDB): the screens that make sense there, the ones that do not
//! say why, and a role without privileges sees an explanation instead of a broken console.

use std::time::Duration;

use hypertop::app::state::AppState;
use hypertop::capabilities::Capabilities;
use hypertop::model::catalog::{Catalog, RelationRows};
use hypertop::model::indexes::Category;
use hypertop::model::{self, Payload, QueryKind};
use hypertop::poller::QueryResult;
use hypertop::screens::{tab, Tab};

use crate::engines::{connector_for, eventually, native, native_database, psql};

/// A schema of its own in the shared test database, created once.
fn setup() -> String {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let conninfo = native().conninfo();
    DONE.get_or_init(|| {
        psql(
            &conninfo,
            "CREATE SCHEMA plain;
             CREATE TABLE plain.readings (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
             CREATE TABLE plain.readings_2024_02 PARTITION OF plain.readings
                    FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
             CREATE TABLE plain.readings_2024_01 PARTITION OF plain.readings
                    FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
             CREATE INDEX readings_at_idx ON plain.readings (at);
             CREATE TABLE plain.devices (id int PRIMARY KEY, name text);
             INSERT INTO plain.devices SELECT g, 'd' || (g % 3) FROM generate_series(1, 1000) g;
             CREATE INDEX devices_name_idx ON plain.devices (name);
             CREATE MATERIALIZED VIEW plain.device_names AS SELECT DISTINCT name FROM plain.devices;
             CREATE MATERIALIZED VIEW plain.never_filled AS SELECT 1 AS x WITH NO DATA;
             ANALYZE plain.devices;",
        );
        // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind.
        let out = std::process::Command::new("psql")
            .args(["-X", "-q", "-d", &conninfo, "-c"])
            .arg("CREATE UNIQUE INDEX CONCURRENTLY devices_name_unique ON plain.devices (name)")
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "the unique index must fail on duplicates"
        );
        // Three index scans, flushed to the statistics.
        psql(
            &conninfo,
            "SET enable_seqscan = off; SET enable_bitmapscan = off;
             SELECT count(*) FROM plain.devices WHERE name = 'd1';
             SELECT count(*) FROM plain.devices WHERE name = 'd2';
             SELECT count(*) FROM plain.devices WHERE name = 'd0';
             SELECT pg_stat_force_next_flush();",
        );
        // Created after the scans, so they all went to devices_name_idx.
        psql(
            &conninfo,
            "CREATE INDEX devices_name_again ON plain.devices (name)",
        );
    });
    conninfo
}

#[tokio::test]
async fn plain_postgres_screens() {
    let conninfo = setup();
    let session = connector_for(&conninfo).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(caps.timescaledb.is_none());
    let fetch = |kind| {
        let (client, caps) = (&session.client, &caps);
        async move { model::fetch(kind, None, client, caps).await.unwrap() }
    };

    // Indexes: a partitioned table's index sums its partitions; usage, duplicates, validity.
    let indexes = eventually(
        Duration::from_secs(10),
        "index scans in the statistics",
        || async {
            match fetch(QueryKind::Catalog).await {
                Payload::Catalog(Catalog { indexes: Ok(v), .. })
                    if v.iter()
                        .any(|i| &*i.name == "devices_name_idx" && i.scans > 0) =>
                {
                    Some(v)
                }
                _ => None,
            }
        },
    )
    .await;
    let get = |name: &str| indexes.iter().find(|i| &*i.name == name).unwrap();
    let by_name = get("devices_name_idx");
    assert_eq!((by_name.scans, by_name.category), (3, Category::Low));
    assert_eq!(
        get("devices_name_again").duplicate_of.as_deref(),
        Some("devices_name_idx")
    );
    assert_eq!(get("devices_name_again").category, Category::Unused);
    assert!(!get("devices_name_unique").valid);
    assert_eq!(
        get("devices_pkey").category,
        Category::Constraint,
        "a primary key says it enforces a constraint, never UNUSED or ACTIVE"
    );
    assert_eq!(get("readings_at_idx").chunk_indexes, 2);
    assert!(
        !indexes.iter().any(|i| i.table.starts_with("readings_2024")),
        "partitions are folded in"
    );

    // Retention tab: partitioned tables, read with the indexes and the database's size.
    let Payload::Catalog(Catalog {
        relations: Ok(RelationRows::Partitions(parts)),
        database_bytes: Ok(database_bytes),
        ..
    }) = fetch(QueryKind::Catalog).await
    else {
        panic!("partitions expected")
    };
    assert!(database_bytes > 0);
    let readings = parts.iter().find(|p| p.name == "readings").unwrap();
    assert_eq!(
        (readings.strategy.as_str(), readings.partitions),
        ("range", 2)
    );
    assert!(
        readings
            .oldest_bound
            .as_deref()
            .unwrap()
            .contains("2024-01-01"),
        "{readings:?}"
    );

    // Caggs tab: materialized views.
    let Payload::MatViews(views) = fetch(QueryKind::Caggs).await else {
        panic!("materialized views expected")
    };
    let populated = |n: &str| views.iter().find(|v| v.name == n).unwrap().populated;
    assert!(populated("device_names") && !populated("never_filled"));

    // TimescaleDB-only screens say why they are empty: Jobs is not read at all; the
    // Hypertables and Compression tabs share the read that brings the partitions.
    let why = model::unavailable(QueryKind::Jobs, &caps).unwrap();
    assert!(why.contains("TimescaleDB is not installed"), "{why}");
    let mut state = AppState::new("plain".into(), Duration::from_secs(2), true, false);
    state.data.caps = Some(caps.clone());
    state.on_result(QueryResult {
        kind: QueryKind::Catalog,
        target: None,
        result: Ok(Payload::Partitions(parts.clone())),
        elapsed: Duration::ZERO,
        finished_at: chrono::Utc::now(),
    });
    for tab in [tab("hypertables"), tab("compression")] {
        let why = state.status(tab).unavailable().unwrap_or_default();
        assert!(
            why.contains("TimescaleDB is not installed"),
            "{tab:?}: {why}"
        );
    }
    // a hidden tab's rows are built when it is shown
    state.show_tab(tab("retention"));
    assert_eq!(state.view(tab("retention")).table.total(), parts.len());
    assert!(model::unavailable(QueryKind::Catalog, &caps).is_none());

    // Problems found on plain PostgreSQL: the invalid index first, then the duplicate.
    let inputs = hypertop::problems::Inputs {
        indexes: Some(&indexes),
        ..Default::default()
    };
    let found = hypertop::problems::find(&inputs, &Default::default(), chrono::Utc::now());
    let kinds: Vec<_> = found
        .iter()
        .map(|p| (p.kind.as_str(), p.object.as_str()))
        .collect();
    assert!(
        kinds.contains(&("invalid index", "plain.devices_name_unique")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("duplicate index", "plain.devices_name_again")),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_role_without_privileges_gets_explanations() {
    // A database of its own: revoking a catalog view's privilege is per database.
    let conninfo = native_database("nopriv");
    psql(
        &conninfo,
        "CREATE SCHEMA plain;
         CREATE TABLE plain.t (a int PRIMARY KEY) PARTITION BY RANGE (a);
         DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hypertop_nobody') THEN
                CREATE ROLE hypertop_nobody LOGIN;
            END IF;
         END $$;
         REVOKE ALL ON SCHEMA plain FROM hypertop_nobody;
         REVOKE SELECT ON pg_catalog.pg_stat_user_indexes FROM PUBLIC;",
    );
    let session = connector_for(&format!("{conninfo} user=hypertop_nobody"))
        .connect()
        .await
        .unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(!caps.can_monitor());
    let mut state = AppState::new("nobody".into(), Duration::from_secs(2), true, false);
    state.data.caps = Some(caps.clone());
    for kind in [
        QueryKind::Summary,
        QueryKind::Catalog,
        QueryKind::Caggs,
        QueryKind::Jobs,
    ] {
        let result = match model::unavailable(kind, &caps) {
            Some(why) => Ok(Payload::Unavailable(why)),
            None => model::fetch(kind, None, &session.client, &caps)
                .await
                .map_err(hypertop::model::ReadError::from),
        };
        state.on_result(QueryResult {
            kind,
            target: None,
            result,
            elapsed: Duration::ZERO,
            finished_at: chrono::Utc::now(),
        });
    }

    let error = state.status(tab("indexes")).error().unwrap().to_string();
    assert!(
        error.contains("permission denied") && error.contains("42501"),
        "{error}"
    );
    assert!(
        state.status(tab("retention")).error().is_none(),
        "the rest keeps working"
    );
    assert!(state.data.summary.value().is_some());
    assert!(state.status(tab("jobs")).unavailable().is_some());

    // And the console says so on screen.
    let text = crate::render_text(&mut state, tab("indexes"));
    assert!(text.contains("Cannot read: permission denied"), "{text}");
    let text = crate::render_text(&mut state, Tab::HOME);
    assert!(text.contains("no pg_monitor"), "{text}");
    let text = crate::render_text(&mut state, tab("jobs"));
    assert!(text.contains("TimescaleDB is not installed"), "{text}");
}

/// Of two identical indexes PostgreSQL's planner uses the newer one, so scans accrue to the
/// copy: the older (the original) is the one to keep, whatever the scans say.
#[tokio::test]
async fn the_older_of_two_identical_indexes_is_kept_even_when_the_copy_is_scanned() {
    let conninfo = native_database("dup_rule");
    psql(
        &conninfo,
        "CREATE TABLE readings (t timestamptz, v float8);
         INSERT INTO readings SELECT now() - g * interval '1 minute', g FROM generate_series(1, 5000) g;
         CREATE INDEX readings_t_idx ON readings (t);
         CREATE INDEX readings_t_copy ON readings (t);
         ANALYZE readings;",
    );
    psql(
        &conninfo,
        "SET enable_seqscan = off; SET enable_bitmapscan = off;
         SELECT count(*) FROM readings WHERE t > now() - interval '1 hour';
         SELECT count(*) FROM readings WHERE t > now() - interval '2 hours';",
    );
    let session = connector_for(&conninfo).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let indexes = eventually(Duration::from_secs(10), "scans of the copy", || async {
        match model::fetch(QueryKind::Catalog, None, &session.client, &caps)
            .await
            .unwrap()
        {
            Payload::Catalog(Catalog { indexes: Ok(v), .. }) if v.iter().any(|i| i.scans > 0) => {
                Some(v)
            }
            _ => None,
        }
    })
    .await;
    let get = |name: &str| indexes.iter().find(|i| &*i.name == name).unwrap();
    assert!(
        get("readings_t_copy").scans > get("readings_t_idx").scans,
        "the planner scanned the copy"
    );
    assert_eq!(
        get("readings_t_copy").duplicate_of.as_deref(),
        Some("readings_t_idx")
    );
    assert_eq!(get("readings_t_idx").duplicate_of, None);
}
