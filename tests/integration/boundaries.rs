//! Boundaries, not blocklists: what a database user wrote never runs with more rights than its
//! author while hypertop (connected as a superuser) plans, acts or rolls back.

use std::path::Path;

use hypertop::config::PlanLogin;

use crate::engines::{native, native_tsdb_versions, on_each, psql, psql_succeeds, Labelled};
use crate::plans::{plan_as, role};

/// A cluster to try a route on: its label and a fresh database's conninfo.
struct Cluster {
    label: String,
    conninfo: String,
}

impl Labelled for Cluster {
    fn label(&self) -> String {
        self.label.clone()
    }
}

/// One database on each cluster the tests reach: plain PostgreSQL 15 and each native
/// TimescaleDB server (its newest version).
fn clusters(tag: &str) -> Vec<Cluster> {
    let mut out = vec![Cluster {
        label: "native PostgreSQL".into(),
        conninfo: crate::engines::native_database(tag),
    }];
    let versions = native_tsdb_versions();
    for (i, v) in versions.iter().enumerate() {
        if versions.get(i + 1).is_some_and(|next| next.base == v.base) {
            continue; // the newest of each server
        }
        out.push(Cluster {
            label: v.label(),
            conninfo: crate::engines::native_tsdb_database(v, None, tag),
        });
    }
    let _ = native();
    out
}

/// The tenant's traps: `escape()` leaves any role it was given and, where that makes it a
/// superuser, writes `file` on the server — as `COPY … TO PROGRAM` would run a program.
fn plant_traps(c: &str, file: &str) -> i64 {
    let tenant = role(c, "hypertop_tenant", "");
    psql(
        c,
        "DROP SCHEMA IF EXISTS ten CASCADE;
         CREATE SCHEMA ten AUTHORIZATION hypertop_tenant;
         DO $$ BEGIN EXECUTE format('ALTER ROLE hypertop_tenant IN DATABASE %I SET search_path = ten',
                                    current_database()); END $$;",
    );
    let as_tenant = format!("{c} user=hypertop_tenant");
    psql(
        &as_tenant,
        &format!(
            "CREATE FUNCTION ten.escape() RETURNS boolean VOLATILE LANGUAGE plpgsql AS $f$
             BEGIN
               BEGIN
                 PERFORM pg_catalog.set_config('role', 'none', true);
               EXCEPTION WHEN OTHERS THEN NULL; -- ANALYZE runs it as a restricted operation
               END;
               IF pg_catalog.current_setting('is_superuser') = 'on' THEN
                 EXECUTE pg_catalog.format('COPY (SELECT pg_catalog.session_user()) TO %L', '{file}');
               END IF;
               RETURN true;
             END $f$;
             -- the operator route: its join estimator calls it for the common values' pairs
             CREATE FUNCTION ten.eq_f(int, int) RETURNS boolean VOLATILE LANGUAGE plpgsql
               AS $f$ BEGIN RETURN ten.escape() AND $1 = $2; END $f$;
             CREATE OPERATOR ten.=== (FUNCTION = ten.eq_f, LEFTARG = int, RIGHTARG = int,
                                      RESTRICT = eqsel, JOIN = eqjoinsel);
             CREATE TABLE ten.t (x int);
             INSERT INTO ten.t SELECT i % 10 FROM generate_series(1, 1000) i;
             ANALYZE ten.t;
             -- a range type's subtype_diff
             CREATE FUNCTION ten.diff(int4, int4) RETURNS float8 IMMUTABLE LANGUAGE plpgsql
               AS $f$ BEGIN PERFORM ten.escape(); RETURN $1 - $2; END $f$;
             CREATE TYPE ten.r AS RANGE (subtype = int4, subtype_diff = ten.diff);
             ALTER FUNCTION ten.diff(int4, int4) VOLATILE;
             CREATE TABLE ten.rt (r ten.r);
             INSERT INTO ten.rt SELECT ten.r(i, i + 10) FROM generate_series(1, 500) i;
             ANALYZE ten.rt;
             -- a partitioning function that was IMMUTABLE when the table was made
             CREATE FUNCTION ten.pf(int) RETURNS int IMMUTABLE LANGUAGE plpgsql
               AS $f$ BEGIN PERFORM ten.escape(); RETURN $1; END $f$;
             CREATE TABLE ten.p (x int) PARTITION BY RANGE (ten.pf(x));
             CREATE TABLE ten.p1 PARTITION OF ten.p FOR VALUES FROM (0) TO (100);
             CREATE TABLE ten.p2 PARTITION OF ten.p FOR VALUES FROM (100) TO (200);
             ALTER FUNCTION ten.pf(int) VOLATILE;
             -- the estimator route: a built-in STABLE function reading a view that calls it
             CREATE VIEW ten.v AS SELECT ten.escape() AS e;"
        ),
    );
    tenant
}

/// The tenant's statements, as pg_stat_statements keeps them (no constants) where it can.
const ROUTES: &[(&str, &str)] = &[
    ("operator", "SELECT count(*) FROM t a JOIN t b ON a.x === b.x"),
    (
        "range type",
        "SELECT count(*) FROM rt a JOIN rt b ON a.r && b.r AND a.r << b.r",
    ),
    ("partitioning function", "SELECT count(*) FROM p WHERE pf(x) = 5"),
    (
        "table_to_xml",
        "SELECT count(*) FROM t WHERE x::text = pg_catalog.table_to_xml('ten.v', true, false, '')::text",
    ),
];

#[tokio::test]
async fn a_tenants_statement_is_planned_with_no_more_rights_than_the_tenant() {
    on_each(clusters("boundary"), tenant_routes).await;
}

async fn tenant_routes(cluster: &Cluster) {
    let c = &cluster.conninfo;
    let file = format!(
        "/tmp/hypertop-escaped-{}",
        c.rsplit("dbname=").next().unwrap()
    );
    let _ = std::fs::remove_file(&file);
    let tenant = plant_traps(c, &file);
    let xml = psql_succeeds(c, "SELECT '<a/>'::xml IS NOT NULL");
    let mut routes: Vec<(&str, String)> = ROUTES.iter().map(|(r, t)| (*r, t.to_string())).collect();
    // where pg_stat_statements counts, the operator route as the Statements tab opens it:
    // the tenant's statement as counted, Enter on its row
    if let Some(counted) = counted_statement(c, ROUTES[0].1).await {
        routes[0].1 = counted;
    }
    for (route, text) in &routes {
        let text = text.as_str();
        if *route == "table_to_xml" && !xml {
            continue; // built without libxml: table_to_xml fails before it reads anything
        }
        // hypertop's session is a superuser's: refused before anything is sent
        let why = plan_as(c, PlanLogin::Target, tenant, text)
            .await
            .unwrap_err();
        assert!(
            why.contains("a superuser") || why.contains("PostgreSQL 16"),
            "{route}: {why}"
        );
        assert!(!Path::new(&file).exists(), "{route} escaped: {why}");
        // the tenant's own login: at most the tenant's rights, and the second layer
        // refuses what it knows planning calls
        let own = plan_as(c, PlanLogin::Author, tenant, text).await;
        assert!(
            !Path::new(&file).exists(),
            "{route} escaped as the tenant: {own:?}"
        );
        if *route == "operator" || *route == "range type" {
            let why = own.unwrap_err();
            assert!(
                why.contains("ten.eq_f")
                    || why.contains("ten.diff")
                    || why.contains("PostgreSQL 16"),
                "{route}: {why}"
            );
        }
    }
    // the routes are real: planned in a superuser's session without the boundary, the
    // operator's code escapes (on every version: a plain EXPLAIN)
    psql(
        c,
        "SET search_path = ten; EXPLAIN SELECT count(*) FROM t a JOIN t b ON a.x === b.x",
    );
    assert!(Path::new(&file).exists(), "the operator route did not run");
    let _ = std::fs::remove_file(&file);
}

/// `text` run by the tenant, read back from the Statements tab where pg_stat_statements is
/// loaded: the statement its row's Enter plans.
async fn counted_statement(c: &str, text: &str) -> Option<String> {
    use hypertop::model::{self, Payload, QueryKind};
    if !psql(c, "SHOW shared_preload_libraries").contains("pg_stat_statements") {
        return None;
    }
    psql(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    psql(
        &format!("{c} user=hypertop_tenant"),
        &format!("SET search_path = ten; {text}"),
    );
    let (s, caps) = crate::engines::open_at(c).await;
    let Ok(Payload::Statements(read)) =
        model::fetch(QueryKind::Statements, None, &s.client, &caps).await
    else {
        panic!("the Statements tab could not be read")
    };
    let row = read
        .rows
        .iter()
        .find(|r| r.text.as_deref() == Some(text))
        .unwrap_or_else(|| panic!("{text} not counted: {:#?}", read.rows));
    row.text.clone()
}

/// `hypertop` with `args` on `conninfo`, its journal in `dir`: (status, stdout + stderr).
fn hypertop(conninfo: &str, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg("-d")
        .arg(conninfo)
        .arg("--journal")
        .arg(dir.join("journal.jsonl"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hypertop");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[tokio::test]
async fn a_literal_reads_the_same_whatever_standard_conforming_strings_says() {
    // the one escaping routine, on a real server under both settings
    let (s, _) = crate::engines::open_at(&native().conninfo()).await;
    let values = [
        "plain",
        "it's",
        r"back\slash",
        r"\'); CREATE TABLE public.x(); --",
        r"\\'\'",
        "tab\tnew\nline é \u{202e}",
    ];
    for setting in ["off", "on"] {
        for v in values {
            let sql = format!(
                "SET standard_conforming_strings = {setting}; SELECT {}",
                hypertop::actions::literal(v)
            );
            let rows = s.client.simple_query(&sql).await.unwrap();
            let got = rows.iter().find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(String::from),
                _ => None,
            });
            assert_eq!(
                got.as_deref(),
                Some(v),
                "standard_conforming_strings = {setting}"
            );
        }
    }
    // compression settings from the palette and from a policy file, where the database's
    // owner turned standard_conforming_strings off
    let servers: Vec<_> = native_tsdb_versions().iter().collect();
    on_each(servers, compression_literals).await;
}

async fn compression_literals(v: &&crate::engines::NativeVersion) {
    let c = crate::engines::native_tsdb_database(v, None, "literal");
    psql(
        &c,
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET standard_conforming_strings = off',
                                        current_database()); END $$;
             CREATE SCHEMA lit;
             CREATE TABLE lit.m (ts timestamptz NOT NULL, \"a\\\" int, v int);
             SELECT create_hypertable('lit.m', 'ts');",
    );
    let dir = tempfile::tempdir().unwrap();
    // a file whose segmentby would close the literal and run a statement: refused whole
    let file = dir.path().join("policies.toml");
    // `policy apply` of a file whose segmentby is `segmentby` exits 2 and says `why`
    let refused = |segmentby: &str, why: &str| {
        std::fs::write(
            &file,
            format!("[hypertables.\"lit.m\".compression]\nsegmentby = [{segmentby}]\n"),
        )
        .unwrap();
        let (status, out) = hypertop(
            &c,
            dir.path(),
            &["policy", "apply", file.to_str().unwrap(), "--yes"],
        );
        assert_eq!(status, Some(2), "{out}");
        assert!(out.contains(why), "{out}");
    };
    refused(
        "\"v --\\\\'); CREATE TABLE public.x(); --\"",
        "cannot be part of a column list",
    );
    assert_eq!(psql(&c, "SELECT to_regclass('public.x') IS NULL"), "t");
    // a column the table does not have: named, nothing applied
    refused("\"nosuch\"", "has no column nosuch");
    // a column named a\ is set as a\, not a
    let (status, out) = hypertop(
        &c,
        dir.path(),
        &["run", "set-compression lit.m segmentby='\"a\\\"'", "--yes"],
    );
    assert_eq!(status, Some(0), "{out}");
    let segmentby = psql(
        &c,
        "SELECT string_agg(attname, ',') FROM timescaledb_information.compression_settings
              WHERE hypertable_name = 'm' AND segmentby_column_index IS NOT NULL",
    );
    assert_eq!(segmentby, "a\\");
}
