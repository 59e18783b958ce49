//! A less trusted role's traps for a DBA running hypertop as superuser: object names that try to
//! become SQL, functions that try to run with the DBA's rights, names that try to drive the
//! terminal, renames between plan and execution. Nothing of theirs may run, nothing else may
//! change, and the screens still render.

use hypertop::actions::journal::Status;
use std::process::{Command, Stdio};

use hypertop::actions::parse::parse;
use hypertop::capabilities::Capabilities;
use hypertop::problems::Thresholds;

use crate::actions::{env_for, SERIAL};
use crate::engines::{
    connector_for, hostile_engine, native_database, native_tsdb_database, native_tsdb_versions,
    on_each, psql,
};
use crate::process::must;

/// Every role's superuser flag and the settings a trap would flip.
fn roles_and_settings(conninfo: &str) -> String {
    psql(
        conninfo,
        "SELECT string_agg(rolname || '=' || rolsuper, ',' ORDER BY rolname) FROM pg_roles
          WHERE rolname NOT LIKE 'pg\\_%'",
    )
}

/// The superusers of a cluster other tests share: they create ordinary roles of their own
/// while this one runs, none makes a superuser.
fn superusers(conninfo: &str) -> String {
    psql(
        conninfo,
        "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolsuper",
    )
}

fn exists(conninfo: &str, relation: &str) -> bool {
    psql(
        conninfo,
        &format!("SELECT to_regclass('{relation}') IS NOT NULL"),
    ) == "t"
}

#[tokio::test]
async fn monitoring_runs_no_tenant_function_and_no_shadowing_one() {
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    let before = roles_and_settings(&conninfo);
    assert!(before.contains("lowpriv=false"), "{before}");
    let connector = connector_for(&conninfo);
    let session = connector.connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let snap =
        hypertop::snapshot::collect(&session.client, None, &caps, &Thresholds::default()).await;
    assert_eq!(
        roles_and_settings(&conninfo),
        before,
        "no role changed while hypertop read every screen"
    );
    assert!(snap.unavailable().is_empty(), "{:?}", snap.unavailable());
    let json = snap.to_json();
    let retention = json["retention"].as_array().unwrap();
    let row = |name: &str| {
        retention
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not on the Retention screen: {retention:?}"))
            .clone()
    };
    // The tenant's hypertable is shown, its "now" (and so what is overdue) is not computed.
    assert!(
        row("readings")["overdue_chunks"].is_null(),
        "unknown, not 0"
    );
    // The DBA's own integer_now function is still called: [0,100) and [100,200) are overdue.
    assert_eq!(
        row("counters")["overdue_chunks"],
        2,
        "{:?}",
        row("counters")
    );
    // A superuser's integer_now that a tenant's overload shadows is not called (the call would
    // be ambiguous and fail every hypertable's read): the table is shown, its "now" unknown.
    assert!(row("gauges")["overdue_chunks"].is_null(), "unknown, not 0");
    // `check` reads the same way.
    let (code, line) = hypertop::snapshot::check(&snap, &Thresholds::default());
    assert!(code <= 2, "{line}");
    assert_eq!(roles_and_settings(&conninfo), before);
}

#[tokio::test]
async fn hostile_object_names_never_become_sql() {
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    let e = env_for(&conninfo).await;
    // The index named "A<newline>DROP TABLE public.victim --" is dropped, and only it.
    let index = "\"low\".\"A\nDROP TABLE public.victim --\"";
    let plan =
        hypertop::headless::make_plan(&e.ctx(), &parse(&format!("drop-index {index}")).unwrap())
            .await
            .unwrap();
    assert_eq!(plan.steps.len(), 1);
    e.act(&format!("drop-index {index}")).await.unwrap();
    assert!(
        exists(&conninfo, "public.victim"),
        "the victim table survives"
    );
    assert_eq!(
        e.value("SELECT count(*) FROM pg_class WHERE relname LIKE 'A%DROP TABLE%'")
            .await,
        "0",
        "the index is gone"
    );
    // Chunks named after a prefix that starts SQL: reindexing them never drops victim3. (The
    // engine cannot REINDEX CONCURRENTLY, so the statements may fail; they must not inject.)
    let _ = e.act("reindex low.tricky").await;
    assert!(exists(&conninfo, "public.victim3"), "victim3 survives");
    assert!(exists(&conninfo, "low.tricky"));
}

#[tokio::test]
async fn terminal_escapes_in_names_are_shown_escaped() {
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    psql(
        &conninfo,
        "CREATE TABLE IF NOT EXISTS low.\"evil\x1b]0;pwned\x07\x1b[2J\" (t timestamptz NOT NULL);
         SELECT public.create_hypertable('low.\"evil\x1b]0;pwned\x07\x1b[2J\"', 't', if_not_exists => true)",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", "--format", "text", &conninfo])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = must(out, "snapshot");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\x1b') && !text.contains('\x07'),
        "raw escapes in {text:?}"
    );
    assert!(
        text.contains("\\x1b]0;pwned"),
        "escaped name missing: {text}"
    );
    // The plan of `run` shows the name escaped too.
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args([
            "run",
            "compress low.\"evil\x1b]0;pwned\x07\x1b[2J\"",
            "--dry-run",
            &conninfo,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = [out.stdout, out.stderr].concat();
    let all = String::from_utf8_lossy(&all);
    assert!(
        !all.contains('\x1b') && !all.contains('\x07'),
        "raw escapes in {all:?}"
    );
    assert!(all.contains("\\x1b"), "{all}");
}

/// Index names holding characters a terminal shows as nothing (format characters of other
/// scripts, ignorable vowels, a variation selector, the blank Braille pattern), written by
/// `snapshot --format text` and the exporter escaped: "mu\u{1d173}sic" never passes for
/// "music".
#[tokio::test]
async fn invisible_characters_in_names_are_escaped_by_their_properties() {
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    let invisible = [
        '\u{1d173}',
        '\u{13430}',
        '\u{1bca0}',
        '\u{890}',
        '\u{180b}',
        '\u{2800}',
        '\u{17b4}',
        '\u{110bd}',
    ];
    let mut sql = String::from("CREATE TABLE IF NOT EXISTS low.inv (a int, b int);");
    for (i, c) in invisible.iter().enumerate() {
        sql.push_str(&format!(
            "CREATE INDEX IF NOT EXISTS \"mu{c}sic{i}\" ON low.inv (a);"
        ));
    }
    psql(&conninfo, &sql);
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", "--format", "text", &conninfo])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&must(out, "snapshot").stdout).to_string();
    for (i, c) in invisible.iter().enumerate() {
        assert!(!text.contains(*c), "{:x} raw in the text output", *c as u32);
        let escaped = format!("mu\\u{{{:x}}}sic{i}", *c as u32);
        assert!(text.contains(&escaped), "{escaped} missing: {text}");
    }
}

/// A name of up to 63 bytes from pieces that break naive quoting, comment stripping, layout
/// folding, placeholder substitution and case folding.
fn hostile_name(seed: &mut u64) -> String {
    const PIECES: &[&str] = &[
        "\n",
        "--",
        "/*",
        "*/",
        "\"",
        "'",
        "  ",
        "\t",
        "$1",
        "$2",
        "É",
        "é",
        "ß",
        ";",
        "x",
        "A",
        " DROP TABLE public.victim ",
        "{object}",
        "{ts}",
        "\\",
        ".",
        "ǅ",
    ];
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let mut name = String::new();
    let parts = 1 + next() % 8;
    for _ in 0..parts {
        let piece = PIECES[(next() % PIECES.len() as u64) as usize];
        if name.len() + piece.len() > 63 {
            break;
        }
        name.push_str(piece);
    }
    if name.is_empty() {
        name.push('x');
    }
    name
}

fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every relation of the test's schemas, as psql prints them (a name with a newline spans
/// lines, so the raw text is compared).
fn catalog(conninfo: &str) -> String {
    psql(
        conninfo,
        "SELECT c.relname::text || ':' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'names') ORDER BY 1",
    )
}

#[tokio::test]
async fn any_name_postgres_allows_acts_on_that_object_only() {
    let conninfo = native_database("names");
    psql(
        &conninfo,
        "CREATE TABLE public.victim (x int); CREATE SCHEMA names; CREATE TABLE names.t (a int, b int)",
    );
    let e = env_for(&conninfo).await;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut names: Vec<String> = (0..40).map(|_| hostile_name(&mut seed)).collect();
    names.push("n".repeat(63));
    names.push("a  b".into());
    names.push("a b".into());
    names.push("a\tb".into());
    names.push("Éidx".into());
    names.sort();
    names.dedup();
    for name in &names {
        psql(
            &conninfo,
            &format!("CREATE INDEX {} ON names.t (a)", sql_ident(name)),
        );
    }
    let roles = superusers(&conninfo);
    for name in &names {
        let before = catalog(&conninfo);
        let quoted = format!("names.{}", sql_ident(name));
        // reindex: the same relations before and after.
        e.act(&format!("reindex {quoted}"))
            .await
            .unwrap_or_else(|err| panic!("reindex {name:?}: {err}"));
        assert_eq!(
            catalog(&conninfo),
            before,
            "reindex {name:?} changed the catalog"
        );
        // drop-index: exactly that index is gone.
        e.act(&format!("drop-index {quoted}"))
            .await
            .unwrap_or_else(|err| panic!("drop-index {name:?}: {err}"));
        let left = psql(
            &conninfo,
            &format!(
                "SELECT count(*) FROM pg_class WHERE relname = '{}' AND relnamespace = 'names'::regnamespace",
                name.replace('\'', "''")
            ),
        );
        assert_eq!(left, "0", "{name:?} still exists");
        assert!(
            exists(&conninfo, "public.victim"),
            "victim dropped by {name:?}"
        );
        assert!(exists(&conninfo, "names.t"));
    }
    assert_eq!(
        psql(
            &conninfo,
            "SELECT count(*) FROM pg_index WHERE indrelid = 'names.t'::regclass"
        ),
        "0",
        "every index dropped, each by its own command"
    );
    assert_eq!(superusers(&conninfo), roles);
    // A bare non-ASCII name is not lower-cased (PostgreSQL folds ASCII letters only).
    psql(&conninfo, "CREATE INDEX Éidx2 ON names.t (b)");
    e.act("drop-index names.Éidx2").await.unwrap();
}

#[tokio::test]
async fn a_rename_between_plan_and_execution_stops_the_statement() {
    let conninfo = native_database("rename");
    psql(
        &conninfo,
        "CREATE TABLE public.t (a int, b int); CREATE INDEX target_idx ON public.t (a)",
    );
    let e = env_for(&conninfo).await;
    let plan =
        hypertop::headless::make_plan(&e.ctx(), &parse("drop-index public.target_idx").unwrap())
            .await
            .unwrap();
    // Between the preview and the confirmation, the index is renamed and another takes its name.
    psql(
        &conninfo,
        "ALTER INDEX public.target_idx RENAME TO kept_idx; CREATE INDEX target_idx ON public.t (b)",
    );
    let ctx = e.ctx();
    let o = e.execute(&plan, ctx.lock_timeout).await;
    assert_eq!(o.status, Status::Failed);
    let err = o.error.unwrap();
    assert!(
        err.contains("is now named") && err.contains("kept_idx"),
        "{err}"
    );
    assert!(exists(&conninfo, "public.kept_idx") && exists(&conninfo, "public.target_idx"));
}

/// A pg_monitor role reading a database where a superuser's integer_now function lives in a
/// schema it has no USAGE on, and where a tenant shadowed another with an overload: every
/// screen reads (those hypertables' "now" unknown), on every native TimescaleDB version.
#[tokio::test]
async fn integer_now_functions_out_of_reach_or_shadowed_blank_no_screen() {
    on_each(native_tsdb_versions(), async |version| {
        let conninfo = native_tsdb_database(version, None, "sealed_now");
        let db = psql(&conninfo, "SELECT current_database()");
        let watcher = format!("watcher_{}", std::process::id());
        psql(
            &conninfo,
            &format!(
                "DO $$ BEGIN CREATE ROLE {watcher} LOGIN IN ROLE pg_monitor;
                   EXCEPTION WHEN duplicate_object THEN NULL; END $$;
                 GRANT CONNECT ON DATABASE {db} TO {watcher};
                 CREATE SCHEMA sealed;
                 CREATE FUNCTION sealed.now_fn() RETURNS bigint LANGUAGE sql STABLE AS $f$ SELECT 1000::bigint $f$;
                 CREATE TABLE public.sealed_counts (t bigint NOT NULL, v int);
                 SELECT create_hypertable('public.sealed_counts', 't', chunk_time_interval => 100);
                 SELECT set_integer_now_func('public.sealed_counts', 'sealed.now_fn');
                 INSERT INTO public.sealed_counts SELECT g, 1 FROM generate_series(0, 999, 50) g;
                 SELECT add_retention_policy('public.sealed_counts', 800::bigint);
                 CREATE FUNCTION public.su_now() RETURNS bigint LANGUAGE sql STABLE AS $f$ SELECT 1000::bigint $f$;
                 CREATE TABLE public.shadowed (t bigint NOT NULL, v int);
                 SELECT create_hypertable('public.shadowed', 't', chunk_time_interval => 100);
                 SELECT set_integer_now_func('public.shadowed', 'public.su_now');
                 SELECT add_retention_policy('public.shadowed', 800::bigint);
                 -- a tenant's overload, after the DBA set it up
                 CREATE FUNCTION public.su_now(x int DEFAULT 0) RETURNS bigint LANGUAGE sql STABLE AS $f$ SELECT 9::bigint $f$;"
            ),
        );
        for user in ["postgres".to_string(), watcher.clone()] {
            let session = connector_for(&format!("{conninfo} user={user}"))
                .connect()
                .await
                .unwrap();
            let caps = Capabilities::detect(&session.client).await.unwrap();
            let snap =
                hypertop::snapshot::collect(&session.client, None, &caps, &Thresholds::default()).await;
            let json = snap.to_json();
            for section in ["hypertables", "compression", "retention", "caggs"] {
                assert!(
                    json[section].is_array(),
                    "{user}: {section} could not be read: {}",
                    json[section]
                );
            }
            let names: Vec<&str> = json["retention"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r["name"].as_str())
                .collect();
            assert!(
                names.contains(&"sealed_counts") && names.contains(&"shadowed"),
                "{user}: {names:?}"
            );
            // What retention should have dropped: known where "now" could be read, else
            // unknown (null), never a made-up 0.
            let overdue = |name: &str| {
                json["retention"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["name"] == name)
                    .map(|r| r["overdue_chunks"].clone())
                    .unwrap()
            };
            let sealed = if user == "postgres" {
                serde_json::json!(2)
            } else {
                serde_json::Value::Null
            };
            assert_eq!(overdue("sealed_counts"), sealed, "{user}");
            assert_eq!(overdue("shadowed"), serde_json::Value::Null, "{user}");
        }
    })
    .await;
}

/// A name with a newline is shown escaped on the console's screens, not with the newline
/// dropped (which made `two\nlines` read as `twolines`, another name).
#[tokio::test]
async fn the_console_escapes_control_characters_in_names() {
    use hypertop::model::{self, QueryKind};
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    psql(
        &conninfo,
        "CREATE TABLE IF NOT EXISTS low.\"two\nlines\" (t timestamptz NOT NULL);
         SELECT public.create_hypertable('low.\"two\nlines\"', 't', if_not_exists => true)",
    );
    let session = connector_for(&conninfo).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let mut state = hypertop::app::state::AppState::new(
        "hostile".into(),
        std::time::Duration::from_secs(2),
        true,
        false,
    );
    state.data.caps = Some(caps.clone());
    let result = model::fetch(QueryKind::Catalog, None, &session.client, &caps)
        .await
        .map_err(hypertop::model::ReadError::from);
    state.on_result(hypertop::poller::QueryResult {
        kind: QueryKind::Catalog,
        target: None,
        result,
        elapsed: std::time::Duration::ZERO,
        finished_at: chrono::Utc::now(),
    });
    let text = crate::render_text(&mut state, hypertop::screens::tab("hypertables"));
    assert!(text.contains("low.\"two\\x0al"), "{text}");
    assert!(!text.contains("twolines"), "{text}");
}

/// `policy export` and `diff` for a role without USAGE on a schema that has a hypertable: they
/// work (the policies come from the catalog, not from a view that casts names to regclass),
/// the role's own hypertable included; on every native TimescaleDB version.
#[tokio::test]
async fn policy_files_work_for_a_role_kept_out_of_a_schema() {
    on_each(native_tsdb_versions(), async |version| {
        let conninfo = native_tsdb_database(version, None, "pol_role");
        let db = psql(&conninfo, "SELECT current_database()");
        let role = format!("op_{}", std::process::id());
        psql(
            &conninfo,
            &format!(
                "DO $$ BEGIN CREATE ROLE {role} LOGIN;
                   EXCEPTION WHEN duplicate_object THEN NULL; END $$;
                 GRANT CONNECT ON DATABASE {db} TO {role};
                 CREATE SCHEMA sealed;
                 CREATE TABLE sealed.t (t timestamptz NOT NULL, v int);
                 SELECT create_hypertable('sealed.t', 't');
                 ALTER TABLE sealed.t SET (timescaledb.compress, timescaledb.compress_segmentby = 'v');
                 SELECT add_compression_policy('sealed.t', interval '7 days');
                 CREATE SCHEMA mine AUTHORIZATION {role};"
            ),
        );
        let mine = format!("{conninfo} user={role}");
        psql(
            &mine,
            "CREATE TABLE mine.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('mine.m', 't');
             SELECT add_retention_policy('mine.m', interval '30 days');",
        );
        let hypertop = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
                .arg("-d")
                .arg(&mine)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            (out.status.code(), text)
        };
        let (code, exported) = hypertop(&["policy", "export"]);
        assert_eq!(code, Some(0), "{exported}");
        assert!(
            exported.contains("[hypertables.\"mine.m\".retention_policy]")
                // the server's word: columnstore from 2.18
                && (exported.contains("[hypertables.\"sealed.t\".compression_policy]")
                    || exported.contains("[hypertables.\"sealed.t\".columnstore_policy]"))
                && exported.contains("segmentby = [\"v\"]"),
            "{exported}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, &exported).unwrap();
        let (code, text) = hypertop(&["policy", "diff", file.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("no drift"), "{text}");
    })
    .await;
}

/// A name with a newline and a right-to-left override: the exported policy file holds neither
/// raw (the relation keyed as U&"…", which the palette and `policy` read back), and the file
/// diffs clean against the database it came from.
#[tokio::test]
async fn policy_files_escape_control_and_bidi_characters_in_names() {
    let _serial = SERIAL.lock().await;
    let conninfo = hostile_engine().conninfo();
    psql(
        &conninfo,
        "CREATE TABLE IF NOT EXISTS low.\"rev\u{202e}txt\nx\" (t timestamptz NOT NULL);
         SELECT public.create_hypertable('low.\"rev\u{202e}txt\nx\"', 't', if_not_exists => true);
         SELECT public.add_retention_policy('low.\"rev\u{202e}txt\nx\"', interval '30 days', if_not_exists => true);",
    );
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .arg("-d")
            .arg(&conninfo)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, exported) = run(&["policy", "export"]);
    assert_eq!(code, Some(0), "{exported}");
    assert!(
        !exported.contains('\u{202e}') && !exported.contains("txt\nx"),
        "raw characters in {exported:?}"
    );
    assert!(exported.contains(r#"U&"rev\202Etxt\000Ax""#), "{exported}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, &exported).unwrap();
    let (code, text) = run(&["policy", "diff", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("no drift"), "{text}");
}

/// A database whose name holds terminal escapes: `snapshot --format text` and `check` quote it
/// escaped (the "not installed in database …" lines printed it raw).
#[test]
fn a_database_name_with_escapes_is_printed_escaped() {
    let base = crate::engines::native().base.clone();
    let name = format!("adv_{}_\u{1b}[31mred\u{7}\u{202e}", std::process::id());
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let admin = format!("{base} dbname=postgres");
    psql(&admin, &format!("DROP DATABASE IF EXISTS {quoted}"));
    psql(&admin, &format!("CREATE DATABASE {quoted}"));
    let conninfo = format!("{base} dbname='{name}'");
    for args in [
        vec!["snapshot", "--format", "text", conninfo.as_str()],
        vec!["check", conninfo.as_str()],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}') && !all.contains('\u{202e}'),
            "{args:?}: {all:?}"
        );
    }
    psql(
        &format!("{base} dbname=postgres"),
        &format!("DROP DATABASE IF EXISTS {quoted}"),
    );
}
