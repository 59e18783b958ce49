//! TimescaleDB's versions as the overview judges them: a catalog at another release than its
//! extension (a dump restored from another release), a package newer than the database's
//! extension (upgraded, never `ALTER EXTENSION ... UPDATE`d), and the known bugs of the release
//! installed. Built on servers with several releases installed (PostgreSQL 15: 2.9.3 ... 2.28.3).

use hypertop::model::{self, Payload, QueryKind, Summary};
use hypertop::problems::{self, Problem, ProblemKind, Severity};

use crate::engines::{on_own_empty_servers, open_at, psql, Tsdb};

/// The overview's problems about versions, from a summary read as a console reads it.
async fn version_problems(conninfo: &str) -> (Summary, Vec<Problem>) {
    let s = open_at(conninfo).await;
    let Payload::Summary(summary) = model::fetch(QueryKind::Summary, None, &s.0.client, &s.1)
        .await
        .unwrap()
    else {
        panic!("a summary")
    };
    let found = problems::find(
        &problems::Inputs {
            summary: Some(&summary),
            timescaledb: true,
            ..Default::default()
        },
        &problems::Thresholds::default(),
        chrono::Utc::now(),
    );
    let found = found
        .into_iter()
        .filter(|p| {
            matches!(
                p.kind,
                ProblemKind::ExtensionVersion | ProblemKind::KnownBugs
            )
        })
        .collect();
    (summary, found)
}

#[tokio::test]
async fn an_extension_behind_its_package_or_its_catalog_is_said_with_its_fix() {
    on_own_empty_servers("versions", versions_on).await;
}

async fn versions_on(server: &Tsdb) {
    let c = &server.conninfo;
    psql(c, "CREATE EXTENSION IF NOT EXISTS timescaledb");
    let facts = psql(
        c,
        "SELECT e.extversion || ' ' || a.default_version
           FROM pg_extension e, pg_available_extensions a
          WHERE e.extname = 'timescaledb' AND a.name = 'timescaledb'",
    );
    let (installed, package) = facts.split_once(' ').unwrap();
    let (summary, found) = version_problems(c).await;
    assert_eq!(
        summary.timescaledb_default_version.as_deref(),
        Some(package)
    );
    let behind = found
        .iter()
        .find(|p| p.kind == ProblemKind::ExtensionVersion);
    // a database made with an older release than the server's newest says so, with the command
    if hypertop::releases::older(installed, package) {
        let p = behind
            .unwrap_or_else(|| panic!("{}: {installed} < {package}: {found:?}", server.label));
        assert_eq!(p.severity, Severity::Warning);
        assert!(
            p.message.contains("ALTER EXTENSION timescaledb UPDATE"),
            "{}",
            p.message
        );
        assert!(p.message.contains(package), "{}", p.message);
        // and the check that says what the update would meet, towards that very release
        assert!(
            p.message
                .contains(&format!("hypertop upgrade-check --to {package}")),
            "{}",
            p.message
        );
        // versions installed side by side (as on these servers) are no upgrade: not said to be
        assert!(
            p.message.contains(&format!("runs TimescaleDB {installed}"))
                && !p.message.contains("was upgraded, the database was not"),
            "{}",
            p.message
        );
    } else {
        assert!(behind.is_none(), "{}: {found:?}", server.label);
    }
    // the release's known bugs, as the table in the source lists them
    let bugs = hypertop::releases::known_bugs(installed);
    let advice = found.iter().find(|p| p.kind == ProblemKind::KnownBugs);
    assert_eq!(
        advice.is_some(),
        !bugs.is_empty(),
        "{}: {found:?}",
        server.label
    );
    if let Some(a) = advice {
        assert_eq!(a.severity, Severity::Advice);
        for b in &bugs {
            assert!(a.message.contains(&format!("#{}", b.pull)), "{}", a.message);
        }
    }
    // a catalog recording another release (2.13+ records one): critical, until it agrees
    let recorded = psql(
        c,
        "SELECT count(*) FROM _timescaledb_catalog.metadata WHERE key = 'timescaledb_version'",
    ) == "1";
    if !recorded || !server.native {
        // (the engine's single session: its catalog is shared by every test, left as it is)
        return;
    }
    psql(
        c,
        "UPDATE _timescaledb_catalog.metadata SET value = '2.0.0' WHERE key = 'timescaledb_version'",
    );
    let (summary, found) = version_problems(c).await;
    psql(
        c,
        &format!(
            "UPDATE _timescaledb_catalog.metadata SET value = '{installed}' WHERE key = 'timescaledb_version'"
        ),
    );
    assert_eq!(
        summary.timescaledb_catalog_version.as_deref(),
        Some("2.0.0")
    );
    let p = found
        .iter()
        .find(|p| p.kind == ProblemKind::ExtensionVersion)
        .unwrap_or_else(|| panic!("{}: {found:?}", server.label));
    assert_eq!(p.severity, Severity::Critical, "{}", p.message);
    assert!(
        p.message.contains("2.0.0") && p.message.contains(installed),
        "{}",
        p.message
    );
    // agreeing again, the critical one is gone
    let (_, found) = version_problems(c).await;
    assert!(
        !found.iter().any(|p| p.severity == Severity::Critical),
        "{}: {found:?}",
        server.label
    );
}
