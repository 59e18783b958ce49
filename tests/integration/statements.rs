//! The Statements tab on real servers: pg_stat_statements collecting (the native PostgreSQL 15
//! TimescaleDB cluster, which tests/run sets to preload it), created or not, and servers where
//! it is not loaded (plain PostgreSQL 15, PostgreSQL 17, the engine) saying how to enable it.

use hypertop::config::PlanLogin;
use hypertop::model::{self, DrillTarget, Payload, QueryKind};
use hypertop::screens::{tab, Ctx, Open};
use hypertop::store::Dataset;

use crate::engines::{action_servers, native, on_each, open_at, psql, Tsdb};

async fn read(conninfo: &str) -> Payload {
    let (s, caps) = open_at(conninfo).await;
    model::fetch(QueryKind::Statements, None, &s.client, &caps)
        .await
        .unwrap()
}

fn preloads(conninfo: &str) -> bool {
    psql(conninfo, "SHOW shared_preload_libraries").contains("pg_stat_statements")
}

#[tokio::test]
async fn statements_show_what_pg_stat_statements_counted_or_how_to_enable_it() {
    let servers = action_servers("statements");
    let collecting = servers.iter().filter(|s| preloads(&s.conninfo)).count();
    if servers.iter().any(|s| s.native) {
        assert!(
            collecting > 0,
            "no native server preloads pg_stat_statements (tests/run sets it up)"
        );
    }
    on_each(servers, statements_on).await;
}

async fn statements_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    if !preloads(conninfo) {
        // not loaded: the tab says how to enable it, whatever else the server has
        let Payload::Unavailable(why) = read(conninfo).await else {
            panic!("read without the library loaded")
        };
        assert!(why.contains("shared_preload_libraries"), "{why}");
        return;
    }
    // loaded, not created in this database: how to create it
    psql(conninfo, "DROP EXTENSION IF EXISTS pg_stat_statements");
    let Payload::Unavailable(why) = read(conninfo).await else {
        panic!("read before CREATE EXTENSION")
    };
    assert!(
        why.contains("CREATE EXTENSION pg_stat_statements in database"),
        "{why}"
    );
    // created: a hypertable queried five times, by postgres
    let every_count = (crate::engines::COUNTING.write()).unwrap_or_else(|e| e.into_inner());
    psql(
        conninfo,
        "CREATE EXTENSION pg_stat_statements;
             -- room for the statements counted below: with the server's table full (5,000
             -- statements from other databases) a new one with few calls was evicted between
             -- two of them and counted again from zero
             SELECT public.pg_stat_statements_reset();
             DROP SCHEMA IF EXISTS st CASCADE; CREATE SCHEMA st;
             CREATE TABLE st.\"Metrics\" (ts timestamptz NOT NULL, v float8);
             SELECT create_hypertable('st.\"Metrics\"', 'ts');
             INSERT INTO st.\"Metrics\" SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i
               FROM generate_series(1, 1000) i;",
    );
    drop(every_count);
    // … by the application's role, which may read it
    let app = crate::plans::role(
        conninfo,
        "hypertop_stmt_app",
        "GRANT USAGE ON SCHEMA st TO hypertop_stmt_app;
         GRANT SELECT ON ALL TABLES IN SCHEMA st TO hypertop_stmt_app;",
    );
    let as_app = format!("{conninfo} user=hypertop_stmt_app");
    for i in 0..5 {
        psql(
            &as_app,
            &format!("SELECT count(*) FROM st.\"Metrics\" WHERE ts > '2024-01-01'::timestamptz + {i} * '1 hour'::interval"),
        );
    }
    let Payload::Statements(read_now) = read(conninfo).await else {
        panic!("read with the extension created")
    };
    assert!(read_now.sees_all, "postgres is a superuser");
    assert!(
        read_now.reset.is_some(),
        "pg_stat_statements_info (PostgreSQL 14+)"
    );
    let ours = read_now
        .rows
        .iter()
        .find(|s| {
            s.text
                .as_deref()
                .is_some_and(|t| t.starts_with("SELECT count(*) FROM st.\"Metrics\""))
        })
        .unwrap_or_else(|| panic!("{:#?}", read_now.rows));
    // PostgreSQL's own counts for the same statement
    let theirs = psql(
        conninfo,
        "SELECT sum(calls) || ' ' || sum(rows) FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query LIKE 'SELECT count(*) FROM st.\"Metrics\"%'",
    );
    assert_eq!(theirs, format!("{} {}", ours.calls, ours.rows));
    assert_eq!(ours.calls, 5);
    assert_eq!(ours.userid, app);
    // the tab: the hypertable it names, by the catalog's names
    let s = open_at(conninfo).await;
    let mut data = Dataset::read_all(&s.0.client, None, &s.1, &Default::default()).await;
    data.apply(
        QueryKind::Statements,
        Ok(Payload::Statements(read_now.clone())),
        chrono::Utc::now(),
        std::time::Duration::ZERO,
    );
    let screen = tab("statements").screen();
    let rows: Vec<_> = screen
        .rows(&data, &Ctx::new(true, Default::default()))
        .collect();
    let row = rows.iter().find(|r| r.id == ours.id()).unwrap();
    assert!(
        row.detail
            .as_deref()
            .is_some_and(|d| d.contains("hypertables: st.\"Metrics\"")),
        "{:?}",
        row.detail
    );
    // Enter: the statement's generic plan (PostgreSQL 16+), every chunk kept for a parameter
    let Some(Open::Drill(QueryKind::Plan, subject, ..)) = row.open.clone() else {
        panic!("{:?}", row.open)
    };
    assert_eq!(
        subject,
        DrillTarget::Statement {
            queryid: ours.queryid.unwrap(),
            userid: ours.userid,
            text: ours.text.clone().unwrap(),
        }
    );
    let DrillTarget::Statement { userid, text, .. } = &subject else {
        unreachable!()
    };
    let pg16 = psql(
        conninfo,
        "SELECT current_setting('server_version_num')::int >= 160000",
    );
    // hypertop's superuser session plans nobody's statement; the role's own login does
    let refused = crate::plans::plan_as(conninfo, PlanLogin::Target, *userid, text).await;
    let planned = crate::plans::plan_as(conninfo, PlanLogin::Author, *userid, text).await;
    match (refused, planned) {
        (Err(why), Ok(plan)) if pg16 == "t" => {
            assert!(why.contains("a superuser"), "{why}");
            let chunks = psql(
                conninfo,
                "SELECT count(*) FROM show_chunks('st.\"Metrics\"')",
            );
            let metrics = plan.tables.iter().find(|t| t.name == "Metrics").unwrap();
            assert_eq!(metrics.planned.len().to_string(), chunks, "{plan:#?}");
            assert_eq!(plan.role.as_deref(), Some("hypertop_stmt_app"));
        }
        (Err(why), Err(_)) if pg16 == "f" => assert!(why.contains("PostgreSQL 16"), "{why}"),
        other => panic!("{other:?}"),
    }
    // another role runs the same shape under another alias: pg_stat_statements gives both one
    // queryid; each row shows its own role's text
    crate::plans::role(
        conninfo,
        "hypertop_stmt_other",
        "GRANT USAGE ON SCHEMA st TO hypertop_stmt_other;
         GRANT SELECT ON ALL TABLES IN SCHEMA st TO hypertop_stmt_other;",
    );
    psql(
        &format!("{conninfo} user=hypertop_stmt_other"),
        "SELECT count(*) FROM st.\"Metrics\" AS other_alias WHERE ts > '2024-01-01'::timestamptz + 7 * '1 hour'::interval",
    );
    let Payload::Statements(both) = read(conninfo).await else {
        panic!("read after the second role")
    };
    let by = |alias: bool| {
        (both.rows.iter())
            .find(|s| {
                s.text.as_deref().is_some_and(|t| {
                    t.contains("FROM st.\"Metrics\"") && t.contains("other_alias") == alias
                }) && (alias || s.queryid == ours.queryid)
            })
            .unwrap_or_else(|| panic!("alias {alias}: {:#?}", both.rows))
    };
    assert_eq!(by(false).userid, app, "the application's row, its own text");
    assert_ne!(by(true).userid, app, "the other role's row, its own text");
    // up to PostgreSQL 17 the alias is not part of the queryid: one queryid, two texts (from 18
    // on the alias is jumbled, and the two are two queryids anyway)
    let pg18 = psql(
        conninfo,
        "SELECT current_setting('server_version_num')::int >= 180000",
    );
    assert_eq!(
        by(true).queryid == ours.queryid,
        pg18 == "f",
        "{:?} {:?}",
        by(true).queryid,
        ours.queryid
    );
    // a role without pg_read_all_stats: postgres's statements counted, their texts hidden
    psql(
        conninfo,
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hypertop_stmt_reader') THEN
             CREATE ROLE hypertop_stmt_reader LOGIN;
           END IF;
         END $$",
    );
    let Payload::Statements(limited) = read(&format!("{conninfo} user=hypertop_stmt_reader")).await
    else {
        panic!("read by a role without pg_read_all_stats")
    };
    assert!(!limited.sees_all);
    assert!(limited
        .rows
        .iter()
        .any(|s| s.queryid.is_none() && s.text.is_none() && s.calls >= 5));
    assert!(!limited
        .rows
        .iter()
        .any(|s| s.text.as_deref().is_some_and(|t| t.contains("Metrics"))));
}

/// Plain PostgreSQL (the shared cluster does not preload it): the tab says how to enable it.
#[tokio::test]
async fn without_the_library_the_tab_says_how_to_enable_it() {
    let conninfo = native().conninfo();
    let Payload::Unavailable(why) = read(&conninfo).await else {
        panic!("plain PostgreSQL without pg_stat_statements loaded")
    };
    let expected = if preloads(&conninfo) {
        "CREATE EXTENSION pg_stat_statements"
    } else {
        "shared_preload_libraries and restart"
    };
    assert!(why.contains(expected), "{why}");
}

#[tokio::test]
async fn snapshot_includes_the_statements_and_their_texts_only_when_asked() {
    on_each(action_servers("snapstmt"), snapshot_statements_on).await;
}

fn snapshot(conninfo: &str, extra: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", conninfo])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hypertop");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// `snapshot` said it reads every screen once, but had no Statements section; a statement's
/// text can hold what a user typed (a utility statement is kept as written), so texts come
/// only with `--statement-texts`.
async fn snapshot_statements_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    if !preloads(conninfo) {
        let v = snapshot(conninfo, &[]);
        assert!(v["statements"].is_null(), "{}", v["statements"]);
        let why = v["server"]["unavailable"]["statements"]
            .as_str()
            .unwrap_or_default();
        assert!(
            why.contains("shared_preload_libraries"),
            "{}: {why}",
            server.label
        );
        return;
    }
    psql(
        conninfo,
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
    );
    let rows = |v: &serde_json::Value| {
        v["statements"]["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let marked = |v: &serde_json::Value| {
        rows(v).iter().any(|r| {
            r["text"]
                .as_str()
                .is_some_and(|t| t.contains("hypertop_typed_secret_marker"))
        })
    };
    // (another test resets the server's statistics now and then: the statement typed again)
    for attempt in 0.. {
        psql(
            conninfo,
            "CREATE TEMP TABLE hypertop_typed_secret_marker (x int)",
        );
        let plain = snapshot(conninfo, &[]);
        let with = snapshot(conninfo, &["--statement-texts"]);
        if !marked(&with) && attempt < 5 {
            continue;
        }
        assert!(
            !rows(&plain).is_empty(),
            "{}: {}",
            server.label,
            plain["statements"]
        );
        assert!(
            rows(&plain).iter().all(|r| r["text"].is_null()),
            "{}",
            server.label
        );
        assert!(!plain.to_string().contains("hypertop_typed_secret_marker"));
        assert!(marked(&with), "{}: {}", server.label, with["statements"]);
        break;
    }
}
