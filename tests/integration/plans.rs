//! A statement's generic plan (Enter on the Statements tab): the chunks it keeps of each
//! hypertable and partitioned table, counted against what TimescaleDB and PostgreSQL say they
//! have; planned only on a session whose login holds no more than the statement's role (never
//! a superuser's), refused while planning could run a user's function, or the text is not one
//! statement.

use hypertop::config::PlanLogin;
use hypertop::model::plan::{self, GenericPlan, Planner};
use hypertop::model::{DrillTarget, Payload};

use crate::engines::{connector_for, in_fresh_schema, on_own_empty_servers, open_at, psql, Tsdb};

/// The plan of `text` as `userid` ran it, planned as `login` would, or why there is none.
pub async fn plan_as(
    conninfo: &str,
    login: PlanLogin,
    userid: i64,
    text: &str,
) -> Result<GenericPlan, String> {
    let (s, caps) = open_at(conninfo).await;
    let planner = Planner::new(
        &connector_for(conninfo),
        login,
        std::time::Duration::from_secs(5),
    );
    let subject = DrillTarget::Statement {
        queryid: 1,
        userid,
        text: text.into(),
    };
    match plan::fetch(&s.client, &planner, &caps, &subject).await {
        Ok(Payload::Plan(t, plan)) => {
            assert_eq!(t, subject);
            Ok(plan)
        }
        Ok(Payload::Unavailable(why)) => Err(why),
        other => panic!("{other:?}"),
    }
}

/// As the statement's own role logs in (`plan_login = "{role}"`).
async fn plan(conninfo: &str, userid: i64, text: &str) -> Result<GenericPlan, String> {
    plan_as(conninfo, PlanLogin::Author, userid, text).await
}

/// (planned, total) for the table of that name, or None when the plan does not read it.
fn kept(plan: &GenericPlan, name: &str) -> Option<(i64, i64)> {
    plan.tables
        .iter()
        .find(|t| t.name == name)
        .map(|t| (t.planned.len() as i64, t.total))
}

fn count(conninfo: &str, sql: &str) -> i64 {
    psql(conninfo, sql).parse().unwrap()
}

/// A login role `name` made once per cluster (roles are the cluster's), with `grants` run
/// again each time.
pub fn role(conninfo: &str, name: &str, grants: &str) -> i64 {
    psql(
        conninfo,
        &format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                 CREATE ROLE {name} LOGIN;
               END IF;
             END $$; {grants}"
        ),
    );
    count(
        conninfo,
        &format!("SELECT oid FROM pg_roles WHERE rolname = '{name}'"),
    )
}

#[tokio::test]
async fn generic_plans_count_the_chunks_a_statement_keeps() {
    on_own_empty_servers("plan", plans_on).await;
}

async fn plans_on(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "gp",
        "CREATE TABLE gp.\"Readings\" (ts timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('gp.\"Readings\"', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO gp.\"Readings\"
              SELECT '2020-01-01'::timestamptz + i * interval '1 hour', i % 5, i
                FROM generate_series(0, 6 * 24 - 1) i;
         INSERT INTO gp.\"Readings\"
              SELECT '2100-01-01'::timestamptz + i * interval '1 hour', i % 5, i
                FROM generate_series(0, 3 * 24 - 1) i;
         ALTER TABLE gp.\"Readings\" SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
         SELECT count(compress_chunk(ch))
           FROM (SELECT ch FROM show_chunks('gp.\"Readings\"') ch LIMIT 2) first;
         CREATE TABLE gp.parts (k int, v int) PARTITION BY RANGE (k);
         CREATE TABLE gp.parts_1 PARTITION OF gp.parts FOR VALUES FROM (0) TO (10);
         CREATE TABLE gp.parts_2 PARTITION OF gp.parts FOR VALUES FROM (10) TO (20)
                PARTITION BY RANGE (k);
         CREATE TABLE gp.parts_2a PARTITION OF gp.parts_2 FOR VALUES FROM (10) TO (15);
         CREATE TABLE gp.parts_2b PARTITION OF gp.parts_2 FOR VALUES FROM (15) TO (20);
         CREATE TABLE gp.parts_3 PARTITION OF gp.parts FOR VALUES FROM (20) TO (30);",
    );
    let postgres = count(c, "SELECT oid FROM pg_roles WHERE rolname = current_user");
    // the application's role: it reads and writes gp, and finds it on its own search_path
    let app = role(
        c,
        "hypertop_plan_app",
        "GRANT USAGE ON SCHEMA gp TO hypertop_plan_app;
         GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA gp TO hypertop_plan_app;",
    );
    psql(
        c,
        "DO $$ BEGIN EXECUTE format('ALTER ROLE hypertop_plan_app IN DATABASE %I SET search_path = gp',
                                    current_database()); END $$",
    );
    let pg16 = count(c, "SELECT current_setting('server_version_num')") >= 160000;
    let all = "SELECT count(*) FROM gp.\"Readings\" WHERE ts > $1";
    if !pg16 {
        let why = plan(c, app, all).await.unwrap_err();
        assert!(why.contains("PostgreSQL 16"), "{why}");
        return;
    }
    // hypertop's own session is a superuser's: it plans nobody's statement, and says how
    for author in [postgres, app] {
        let why = plan_as(c, PlanLogin::Target, author, all)
            .await
            .unwrap_err();
        assert!(
            why.contains("a superuser") && why.contains("plan_login"),
            "{why}"
        );
    }
    if !server.native {
        // the engine's one session is a superuser's whatever the login: never planned there
        let why = plan(c, app, all).await.unwrap_err();
        assert!(why.contains("a superuser"), "{why}");
        return;
    }
    // a role that owns a trusted extension makes its own function one of its members: still
    // a user's function, refused by the second layer
    if psql(
        c,
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'hstore'",
    ) == "1"
    {
        psql(
            c,
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hypertop_plan_ext') THEN
                 CREATE ROLE hypertop_plan_ext;
               END IF;
             END $$;
             DROP EXTENSION IF EXISTS hstore;
             GRANT USAGE, CREATE ON SCHEMA gp TO hypertop_plan_ext;
             DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO hypertop_plan_ext',
                                        current_database()); END $$;
             SET ROLE hypertop_plan_ext;
             CREATE EXTENSION hstore SCHEMA gp;
             CREATE FUNCTION gp.member() RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT 1';
             ALTER EXTENSION hstore ADD FUNCTION gp.member();
             RESET ROLE;",
        );
        let why = plan(c, app, all).await.unwrap_err();
        assert!(why.contains("gp.member()"), "{why}");
        psql(c, "DROP EXTENSION hstore");
    }
    // TimescaleDB's and PostgreSQL's own counts
    let chunks = count(c, "SELECT count(*) FROM show_chunks('gp.\"Readings\"')");
    assert_eq!(chunks, 9);
    let ahead = count(
        c,
        "SELECT count(*) FROM timescaledb_information.chunks
          WHERE hypertable_schema = 'gp' AND range_end > now()",
    );
    let leaves = count(
        c,
        "SELECT count(*) FROM pg_partition_tree('gp.parts') WHERE isleaf",
    );
    assert_eq!(leaves, 4);

    // a parameter: nothing excluded at planning, every chunk kept (compressed ones too)
    let p = plan(c, app, all).await.unwrap();
    assert_eq!(kept(&p, "Readings"), Some((chunks, chunks)), "{p:#?}");
    let r = &p.tables[0];
    assert_eq!((r.schema.as_str(), r.kind.as_str()), ("gp", "hypertable"));
    assert!(r.excludes_nothing() && r.startup_exclusion, "{r:#?}");
    assert!(p.planning_ms.is_some() && p.total_cost.is_some());
    // now(): TimescaleDB excludes at planning what lies before it
    let p = plan(
        c,
        app,
        "SELECT count(*) FROM gp.\"Readings\" WHERE ts > now()",
    )
    .await
    .unwrap();
    assert_eq!(ahead, 3);
    assert_eq!(kept(&p, "Readings").map_or(0, |k| k.0), ahead, "{p:#?}");
    // a partitioned table: its leaf partitions, under a sub-partitioned one too
    let p = plan(c, app, "SELECT * FROM gp.parts WHERE k = $1")
        .await
        .unwrap();
    assert_eq!(kept(&p, "parts"), Some((leaves, leaves)), "{p:#?}");
    assert_eq!(p.tables[0].kind, "partitioned table");
    let p = plan(c, app, "SELECT * FROM gp.parts WHERE k = 5")
        .await
        .unwrap();
    assert_eq!(kept(&p, "parts"), Some((1, leaves)), "{p:#?}");
    // an INSERT: rows are routed at run time, no chunk is in its plan
    let p = plan(c, app, "INSERT INTO gp.\"Readings\" VALUES ($1, $2, $3)")
        .await
        .unwrap();
    assert_eq!(kept(&p, "Readings"), Some((0, chunks)), "{p:#?}");

    // the role's own search_path finds what its statement names without a schema
    let bare = "SELECT count(*) FROM \"Readings\" WHERE ts > $1";
    let p = plan(c, app, bare).await.unwrap();
    assert_eq!(kept(&p, "Readings"), Some((chunks, chunks)), "{p:#?}");
    assert_eq!(p.role.as_deref(), Some("hypertop_plan_app"));
    assert_eq!(p.search_path.as_deref(), Some("gp"));

    // a planning login of its own: a member of the author's role that holds nothing itself
    // plans as the author …
    role(
        c,
        "hypertop_plan_login",
        "GRANT hypertop_plan_app TO hypertop_plan_login;",
    );
    let planner = PlanLogin::Named("hypertop_plan_login".into());
    let p = plan_as(c, planner.clone(), app, bare).await.unwrap();
    assert_eq!(p.role.as_deref(), Some("hypertop_plan_app"));
    assert_eq!(kept(&p, "Readings"), Some((chunks, chunks)), "{p:#?}");
    // … but not once it can use a role the author cannot, or holds a grant of its own
    psql(c, "GRANT pg_read_server_files TO hypertop_plan_login");
    let why = plan_as(c, planner.clone(), app, bare).await.unwrap_err();
    assert!(why.contains("pg_read_server_files"), "{why}");
    psql(
        c,
        "REVOKE pg_read_server_files FROM hypertop_plan_login;
         GRANT SELECT ON gp.parts TO hypertop_plan_login;",
    );
    let why = plan_as(c, planner.clone(), app, bare).await.unwrap_err();
    assert!(why.contains("owns or is granted 1 object"), "{why}");
    psql(c, "REVOKE SELECT ON gp.parts FROM hypertop_plan_login");
    psql(c, "ALTER ROLE hypertop_plan_login CREATEDB");
    let why = plan_as(c, planner.clone(), app, bare).await.unwrap_err();
    assert!(why.contains("has CREATEDB"), "{why}");
    psql(c, "ALTER ROLE hypertop_plan_login NOCREATEDB");
    assert!(plan_as(c, planner, app, bare).await.is_ok());
    // a login that cannot log in: said, nothing planned
    let why = plan_as(
        c,
        PlanLogin::Named("hypertop_no_such_login".into()),
        app,
        bare,
    )
    .await
    .unwrap_err();
    assert!(
        why.contains("no planning session as hypertop_no_such_login"),
        "{why}"
    );

    // behind a lock: answered within about a second, naming who holds it
    let holder = crate::engines::hold_lock(c, "gp.parts").await;
    let started = std::time::Instant::now();
    let why = plan(c, app, "SELECT * FROM gp.parts WHERE k = $1")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        why.contains("not planned within 1 s") && why.contains("AccessExclusiveLock on gp.parts"),
        "{why}"
    );
    drop(holder);

    // not one statement, or not one with a plan: refused before anything runs
    let why = plan(c, app, "SELECT 1; CREATE TABLE gp.injected ()")
        .await
        .unwrap_err();
    assert!(why.contains("not one statement"), "{why}");
    let why = plan(c, app, "VACUUM gp.parts").await.unwrap_err();
    assert!(why.starts_with("VACUUM statements have no plan"), "{why}");
    assert_eq!(psql(c, "SELECT to_regclass('gp.injected') IS NULL"), "t");

    // a function a user wrote that planning would fold: refused, and it never ran
    psql(
        c,
        "CREATE FUNCTION gp.boom() RETURNS float8 IMMUTABLE LANGUAGE plpgsql
           AS $$ BEGIN RAISE EXCEPTION 'planning ran gp.boom'; END $$;",
    );
    let why = plan(
        c,
        app,
        "SELECT count(*) FROM gp.\"Readings\" WHERE v > gp.boom()",
    )
    .await
    .unwrap_err();
    assert!(why.contains("gp.boom()"), "{why}");
    assert!(!why.contains("planning ran"), "{why}");
    // planned without the guard, it does run
    let (s, _) = open_at(c).await;
    let unguarded = s
        .client
        .simple_query(
            "EXPLAIN (GENERIC_PLAN) SELECT count(*) FROM gp.\"Readings\" WHERE v > gp.boom()",
        )
        .await
        .unwrap_err();
    let unguarded = unguarded.as_db_error().map(|d| d.message().to_string());
    assert_eq!(unguarded.as_deref(), Some("planning ran gp.boom"));
    psql(c, "DROP FUNCTION gp.boom()");
    assert!(plan(c, app, all).await.is_ok());
}
