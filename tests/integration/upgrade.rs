//! `hypertop upgrade-check` against the update itself: on every native server, each kind of
//! blocker that can exist at a release is planted in a database of its own, the check is asked,
//! and then the update is really made (`ALTER EXTENSION timescaledb UPDATE TO` the server's
//! newest release, in a fresh session): a blocker said must be an update refused, an update
//! that goes through must have had no blocker said; a clean database has nothing in the way.
//!
//! Which kind can exist where (the test's own matrix, by release):
//! - a user's view on a TimescaleDB view or catalog table: every release;
//! - `time_bucket_ng` in a view: where the function exists (before 2.25); in a continuous
//!   aggregate: where one can be made (before 2.15), whose migration in 2.15.0's update fails;
//! - an old-format continuous aggregate: where `continuous_agg.finalized` exists (2.9–2.24;
//!   such a cagg can no longer be made there, so one is marked old in the catalog);
//! - an int2 bloom sparse index asked for with `compress_index`: 2.22 on (the option's
//!   `bloom(...)`), of the format before 2.24 on 2.22.x;
//! - PostgreSQL 15 towards 2.29: the PostgreSQL 15 server's newest release, aimed at 2.29.2.
//!
//! Not plantable on these servers (unit tests judge them): WAL-based invalidation (needs
//! `wal_level = logical`), the hypercore access method (2.18–2.21 are not installed here), an
//! int2 bloom TimescaleDB made itself.

use std::process::Command;

use crate::engines::{
    native_tsdb_database, native_tsdb_versions, on_each, on_own_empty_servers, psql, run_psql,
    NativeVersion,
};

/// The check's JSON report and exit status.
fn upgrade_check(conninfo: &str, to: Option<&str>) -> (serde_json::Value, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args(["upgrade-check", conninfo, "--format", "json"]);
    if let Some(to) = to {
        cmd.args(["--to", to]);
    }
    let out = cmd
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}), status {code}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, code)
}

/// The Overview's advice before the update, from `snapshot`'s problems: (whether it stops the
/// update, its message).
fn overview_says(conninfo: &str) -> Vec<(bool, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", conninfo, "--format", "json"])
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a snapshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json["problems"].as_array().unwrap().iter())
        .filter(|p| p["kind"] == "before the update")
        .map(|p| {
            assert_eq!(p["severity"], "advice", "{p:#}");
            let m = p["message"].as_str().unwrap().to_string();
            (m.starts_with("stops the update"), m)
        })
        .collect()
}

/// The findings as (kind, severity).
fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    (report["findings"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Whether the update to `to` goes through, in a session of its own; the error where not.
fn update(conninfo: &str, to: &str) -> Result<(), String> {
    let out = run_psql(
        conninfo,
        &format!("ALTER EXTENSION timescaledb UPDATE TO '{to}'"),
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn release(v: &str) -> (u32, u32, u32) {
    hypertop::releases::release(v).unwrap()
}

/// The newest release installed on `v`'s server.
fn newest_on_server(v: &NativeVersion) -> &'static str {
    (native_tsdb_versions().iter())
        .filter(|o| o.base == v.base)
        .map(|o| o.version.as_str())
        .max_by_key(|o| release(o))
        .unwrap()
}

/// A hypertable `m` (int2 `v`, int `d`) with two days of rows.
const HYPERTABLE: &str = "CREATE TABLE m (t timestamptz NOT NULL, v int2, d int);
    SELECT create_hypertable('m', 't');
    INSERT INTO m SELECT g, (g::date - '2026-01-01'::date)::int2, 1
      FROM generate_series('2026-01-01'::timestamptz, '2026-01-03', '10 min') g;";

/// One planted kind: its name (the database's tag), whether it can exist at `v`, its SQL, and
/// the finding the check must say of an update to the server's newest release.
struct Plant {
    tag: &'static str,
    exists: fn(&NativeVersion) -> bool,
    sql: &'static str,
    expect: fn(&NativeVersion, &str) -> Vec<(&'static str, &'static str)>,
}

fn before_2_25(v: &NativeVersion) -> bool {
    release(&v.version) < (2, 25, 0)
}

const PLANTS: &[Plant] = &[
    Plant {
        tag: "uv",
        exists: |_| true,
        sql: "CREATE VIEW my_jobs AS SELECT * FROM timescaledb_information.jobs",
        // every view is dropped and made again by updates from 2.24.0 and before
        expect: |v, _| {
            if release(&v.version) <= (2, 24, 0) {
                vec![("dependents", "blocker")]
            } else {
                vec![]
            }
        },
    },
    Plant {
        tag: "ut",
        exists: |_| true,
        sql: "CREATE VIEW \"my \"\"catalog\" AS SELECT id FROM _timescaledb_catalog.hypertable",
        // 2.14.0's update rebuilt the hypertable catalog table
        expect: |v, to| {
            if release(&v.version) < (2, 14, 0) && release(to) >= (2, 14, 0) {
                vec![("dependents", "blocker")]
            } else {
                vec![("dependents", "warning")]
            }
        },
    },
    Plant {
        tag: "ung",
        exists: before_2_25,
        sql: "CREATE VIEW ng AS SELECT timescaledb_experimental.time_bucket_ng('1 day', t) AS b FROM m",
        expect: |_, to| {
            if release(to) >= (2, 25, 0) {
                vec![("time_bucket_ng", "blocker")]
            } else {
                vec![]
            }
        },
    },
    Plant {
        tag: "ungi",
        exists: before_2_25,
        // an index of the hypertable on three chunks: named once, not once a chunk; and one
        // made on a chunk alone: named too
        sql: "ALTER TABLE m ADD COLUMN ts timestamp;
              CREATE INDEX ng_idx ON m (timescaledb_experimental.time_bucket_ng('1 day', ts));
              INSERT INTO m (t, v, d, ts) VALUES ('2026-02-15', 1, 1, '2026-02-15'),
                                                 ('2026-03-30', 1, 1, '2026-03-30');
              DO $$ BEGIN
                EXECUTE format('CREATE INDEX own_ng ON %s (timescaledb_experimental.time_bucket_ng(''2 days'', ts))',
                               (SELECT c FROM show_chunks('m') c LIMIT 1));
              END $$",
        expect: |_, to| {
            if release(to) >= (2, 25, 0) {
                vec![("time_bucket_ng", "blocker")]
            } else {
                vec![]
            }
        },
    },
    Plant {
        tag: "ungc",
        // TimescaleDB refused them from 2.15 on (and 2.15.0's update fails on them)
        exists: |v| release(&v.version) < (2, 15, 0),
        sql: "CREATE MATERIALIZED VIEW ngc WITH (timescaledb.continuous) AS
                SELECT timescaledb_experimental.time_bucket_ng('1 day', t, 'UTC') AS b, count(*)
                  FROM m GROUP BY 1 WITH NO DATA",
        expect: |_, to| {
            let mut e = Vec::new();
            if release(to) >= (2, 15, 0) {
                e.push(("time_bucket_ng_caggs", "blocker"));
            }
            if release(to) >= (2, 25, 0) {
                e.push(("time_bucket_ng", "blocker"));
            }
            e
        },
    },
    Plant {
        tag: "uold",
        exists: before_2_25,
        sql: "CREATE MATERIALIZED VIEW daily WITH (timescaledb.continuous) AS
                SELECT time_bucket('1 day', t) AS b, count(*) FROM m GROUP BY 1 WITH NO DATA;
              UPDATE _timescaledb_catalog.continuous_agg SET finalized = false",
        expect: |_, to| {
            if release(to) >= (2, 25, 0) {
                vec![("old_format_caggs", "blocker")]
            } else {
                vec![]
            }
        },
    },
    Plant {
        tag: "ubl",
        exists: |v| release(&v.version) >= (2, 22, 0),
        sql: "ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_orderby = 't',
                                 timescaledb.compress_index = 'bloom(v), bloom(d)');
              SELECT count(compress_chunk(c)) FROM show_chunks('m') c",
        expect: |v, to| {
            let mut e = Vec::new();
            if release(&v.version) < (2, 27, 0) && release(to) >= (2, 27, 0) {
                e.push(("int2_bloom", "blocker"));
            }
            if release(&v.version) < (2, 24, 0) && release(to) >= (2, 24, 0) {
                e.push(("legacy_bloom", "warning"));
            }
            e
        },
    },
];

/// On the first native server's versions (PostgreSQL 15's six on CI) — the other servers' are
/// the test below: two tests run side by side, where one ran last alone for a minute of CI.
#[tokio::test]
async fn upgrade_check_says_what_the_update_then_meets_on_the_first_native_server() {
    let versions = native_tsdb_versions();
    let first = versions.first().map(|v| v.base.clone());
    on_each(
        versions.iter().filter(|v| Some(&v.base) == first.as_ref()),
        async |v| upgrade_meets(v),
    )
    .await;
}

/// On every other native server's versions (PostgreSQL 17's and 18's on CI).
#[tokio::test]
async fn upgrade_check_says_what_the_update_then_meets_on_the_other_native_servers() {
    let versions = native_tsdb_versions();
    let first = versions.first().map(|v| v.base.clone());
    on_each(
        versions.iter().filter(|v| Some(&v.base) != first.as_ref()),
        async |v| upgrade_meets(v),
    )
    .await;
}

fn upgrade_meets(v: &NativeVersion) {
    let newest = newest_on_server(v);
    // a clean database: towards the newest here, nothing in the way, and the update goes through
    let clean = native_tsdb_database(v, None, "uclean");
    psql(&clean, HYPERTABLE);
    if release(newest) > release(&v.version) {
        let (report, code) = upgrade_check(&clean, Some(newest));
        let serious: Vec<_> = (findings(&report).into_iter())
            .filter(|(_, s)| s != "note")
            .collect();
        assert_eq!(serious, vec![], "{report:#}");
        assert_eq!(code, 0, "{report:#}");
        assert_eq!(overview_says(&clean), vec![], "{}", v.version);
        update(&clean, newest).unwrap_or_else(|e| panic!("{} → {newest}: {e}", v.version));
    } else {
        // the newest here, towards the newest known: on PostgreSQL 15 that is 2.29, which
        // supports 16–18 and is not installed here; elsewhere there is no update
        let (report, code) = upgrade_check(&clean, None);
        if v.postgres_num < 160000 {
            let f = findings(&report);
            assert!(
                f.contains(&("postgres".into(), "blocker".into()))
                    && f.contains(&("package".into(), "blocker".into())),
                "{report:#}"
            );
            let text = report.to_string();
            assert!(text.contains("upgrade PostgreSQL to 16–18"), "{text}");
            assert_eq!(code, 2);
        } else {
            assert_eq!(findings(&report), vec![], "{report:#}");
            assert_eq!(report["update"], false, "{report:#}");
            assert_eq!(code, 0);
        }
        return;
    }
    for plant in PLANTS.iter().filter(|p| (p.exists)(v)) {
        let db = native_tsdb_database(v, None, plant.tag);
        psql(&db, HYPERTABLE);
        psql(&db, plant.sql);
        let (report, code) = upgrade_check(&db, Some(newest));
        let said: Vec<(String, String)> = (findings(&report).into_iter())
            .filter(|(_, s)| s != "note")
            .collect();
        let expected: Vec<(String, String)> = ((plant.expect)(v, newest).into_iter())
            .map(|(k, s)| (k.to_string(), s.to_string()))
            .collect();
        let mut sorted = said.clone();
        sorted.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(sorted, want, "{}: {report:#}", plant.tag);
        if plant.tag == "ungi" && !want.is_empty() {
            let f = &report["findings"][0];
            assert_eq!(
                f["evidence"].as_array().map(Vec::len),
                Some(2),
                "the index once, not a line a chunk, and the chunk's own: {report:#}"
            );
            assert!(f["evidence"].to_string().contains("own_ng"), "{report:#}");
            assert!(
                psql(&db, "SELECT count(*) FROM show_chunks('m')")
                    .parse::<i32>()
                    .unwrap()
                    >= 3,
                "{}",
                v.version
            );
        }
        let blocked = said.iter().any(|(_, s)| s == "blocker");
        // the Overview says the same findings as advice (the newest here is what the
        // server's package installs)
        let overview = overview_says(&db);
        let mut stops: Vec<bool> = overview.iter().map(|(b, _)| *b).collect();
        stops.sort();
        let mut want: Vec<bool> = said.iter().map(|(_, s)| s == "blocker").collect();
        want.sort();
        assert_eq!(
            stops, want,
            "{}: {overview:?} against {report:#}",
            plant.tag
        );
        assert!(
            (overview.iter()).all(|(_, m)| m.contains(&format!("upgrade-check --to {newest}"))),
            "{overview:?}"
        );
        assert_eq!(
            code,
            if blocked {
                2
            } else {
                i32::from(!said.is_empty())
            }
        );
        // the aggregate alone stops an update that stays before 2.25: its migration fails
        let between = (native_tsdb_versions().iter()).find(|o| {
            o.base == v.base
                && release(&o.version) >= (2, 15, 0)
                && release(&o.version) < (2, 25, 0)
        });
        if let (true, Some(to)) = (plant.tag == "ungc", between) {
            let (report, _) = upgrade_check(&db, Some(&to.version));
            let said: Vec<(String, String)> = (findings(&report).into_iter())
                .filter(|(_, s)| s != "note")
                .collect();
            assert_eq!(
                said,
                [("time_bucket_ng_caggs".to_string(), "blocker".to_string())],
                "{report:#}"
            );
            let refused = update(&db, &to.version).unwrap_err();
            assert!(
                refused.contains("catalog_get"),
                "{} → {}: {refused}",
                v.version,
                to.version
            );
        }
        // a planted old-format cagg is a catalog edit, not a real one: not updated
        if plant.tag == "uold" {
            continue;
        }
        match update(&db, newest) {
            Ok(()) => assert!(!blocked, "{}: said blocked, updated: {report:#}", plant.tag),
            Err(e) => assert!(
                blocked,
                "{}: nothing said, the update failed: {e}",
                plant.tag
            ),
        }
    }
}

#[tokio::test]
async fn upgrade_check_on_the_engine_reads_a_pre_release_and_a_users_view() {
    on_own_empty_servers("upgrade_engine", async |server| {
        if server.native {
            return;
        }
        let c = &server.conninfo;
        psql(c, "CREATE EXTENSION IF NOT EXISTS timescaledb");
        psql(
            c,
            "DROP VIEW IF EXISTS \"it's\"; CREATE VIEW \"it's\" AS SELECT * FROM timescaledb_information.hypertables",
        );
        let (report, code) = upgrade_check(c, None);
        assert!(
            report["caveat"].as_str().unwrap_or("").contains("pre-release"),
            "{report:#}"
        );
        let f = &report["findings"].as_array().unwrap();
        let dependent = (f.iter())
            .find(|f| f["kind"] == "dependents")
            .unwrap_or_else(|| panic!("{report:#}"));
        assert_eq!(dependent["severity"], "blocker");
        assert_eq!(
            dependent["evidence"][0],
            "public.\"it's\" uses timescaledb_information.hypertables (dropped by 2.24.0's update)"
        );
        assert_eq!(code, 2);
        // an asked release that is no update, and one that is no release: refused, nothing read
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["upgrade-check", c, "--to", "2.9.0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not newer than"));
        // a command line it cannot take, and a server that cannot be reached, are UNKNOWN
        // too, never read as "blockers" (2)
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["upgrade-check", c, "--format", "jsn"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["upgrade-check", "host=127.0.0.1 port=1 user=nobody connect_timeout=2"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        psql(c, "DROP VIEW \"it's\"");
    })
    .await;
}
