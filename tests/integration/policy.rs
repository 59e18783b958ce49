//! Policies as code: `policy export`, `diff`, `apply` (+ `rollback`) and `lint`, end to end
//! through the binary, on the engine and on the native versions flows of actions run on
//! (`engines::action_versions`). Each server gets
//! a database with one policy of every kind (tests/fixtures/policy_tables.sql +
//! policy_set.sql) and a fresh one with the same tables and no policies.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::engines::{
    action_versions, engine_with_files, native_tsdb_database, on_each_sync, psql, psql_file,
    repo_root, Engine, Labelled,
};

const TABLES: &str = "tests/fixtures/policy_tables.sql";
const POLICIES: &str = "tests/fixtures/policy_set.sql";

/// A server's pair of databases: `with` has the policies, `fresh` only the tables.
struct Pair {
    label: String,
    native: bool,
    /// TimescaleDB's version there ("" for the engine, a pre-release: nothing is assumed).
    version: String,
    with: String,
    fresh: String,
    _engines: Vec<Engine>,
}

impl Labelled for Pair {
    fn label(&self) -> String {
        self.label.clone()
    }
}

fn pairs() -> Vec<Pair> {
    // The two engines start side by side (each takes seconds).
    let with = std::thread::spawn(|| engine_with_files(&[TABLES, POLICIES]));
    let fresh = engine_with_files(&[TABLES]);
    let with = with.join().unwrap();
    let mut out = vec![Pair {
        label: "engine".into(),
        native: false,
        version: String::new(),
        with: with.conninfo(),
        fresh: fresh.conninfo(),
        _engines: vec![with, fresh],
    }];
    for v in action_versions() {
        let with = native_tsdb_database(v, Some(TABLES), "policy_with");
        psql_file(&with, &repo_root().join(POLICIES));
        out.push(Pair {
            label: v.label(),
            native: true,
            version: v.version.clone(),
            with,
            fresh: native_tsdb_database(v, Some(TABLES), "policy_fresh"),
            _engines: Vec::new(),
        });
    }
    out
}

struct Run {
    journal: PathBuf,
    dir: PathBuf,
}

impl Run {
    fn new(tag: &str) -> Run {
        let dir =
            std::env::temp_dir().join(format!("hypertop-policy-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Run {
            journal: dir.join("journal.jsonl"),
            dir,
        }
    }

    fn hypertop(&self, conninfo: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .arg("-d")
            .arg(conninfo)
            .arg("--journal")
            .arg(&self.journal)
            .args(args)
            .stdin(Stdio::null())
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .output()
            .expect("run hypertop")
    }

    /// Runs and checks the exit status, with both outputs in the message when it differs.
    fn expect(&self, conninfo: &str, args: &[&str], status: i32) -> String {
        let o = self.hypertop(conninfo, args);
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert_eq!(
            o.status.code(),
            Some(status),
            "hypertop {args:?}\nstdout:\n{out}\nstderr:\n{err}"
        );
        out + &err
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn export(&self, conninfo: &str) -> String {
        let text = self.expect(conninfo, &["policy", "export"], 0);
        // The connection given positionally, as snapshot, check and run take it: the same.
        let positional = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["policy", "export", conninfo])
            .stdin(Stdio::null())
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .output()
            .expect("run hypertop");
        assert_eq!(
            String::from_utf8_lossy(&positional.stdout),
            text,
            "{}",
            String::from_utf8_lossy(&positional.stderr)
        );
        // The header names the database; the rest is the policies.
        text.split_once("\n\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or(text)
    }
}

/// The policy catalog as TimescaleDB keeps it (every job setting but its id, which a re-added
/// policy cannot keep, and the compression settings), to compare before and after.
fn catalog(conninfo: &str) -> String {
    psql(
        conninfo,
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
           SELECT concat_ws(' | ', proc_name, hypertable_schema, hypertable_name, schedule_interval,
                            max_runtime, max_retries, retry_period, scheduled,
                            config - 'hypertable_id' - 'mat_hypertable_id') AS x
             FROM timescaledb_information.jobs WHERE job_id >= 1000
           UNION ALL
           SELECT concat_ws(' | ', s.hypertable_schema, s.hypertable_name, s.attname,
                            s.segmentby_column_index, s.orderby_column_index, s.orderby_asc,
                            s.orderby_nullsfirst)
             FROM timescaledb_information.compression_settings s) c",
    )
}

/// pol.raw's compression settings as TimescaleDB's view reports them.
fn compression_of_raw(conninfo: &str) -> String {
    psql(
        conninfo,
        "SELECT string_agg(concat_ws(' ', attname, segmentby_column_index, orderby_column_index,
                                     orderby_asc, orderby_nullsfirst), ', ' ORDER BY attname)
           FROM timescaledb_information.compression_settings
          WHERE hypertable_schema = 'pol' AND hypertable_name = 'raw'",
    )
}

fn exported_by_creation(file: &str) -> bool {
    file.contains("created_before = \"30 days\"")
}

fn kinds(json: &str) -> BTreeSet<(String, String, String)> {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("relation"), s("part"), s("kind"))
        })
        .collect()
}

fn rules(json: &str) -> BTreeSet<(String, String)> {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("relation"), s("rule"))
        })
        .collect()
}

fn set<const N: usize>(items: [(&str, &str, &str); N]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// A file with one case of every lint rule over the fixture's tables.
const CONFLICTS: &str = r#"
[hypertables."pol.raw".compression]
orderby = ['"time" DESC NULLS LAST']

[hypertables."pol.raw".compression_policy]
after = "30 days"
schedule = "1 day"

[hypertables."pol.raw".retention_policy]
after = "7 days"
schedule = "10 days"

[caggs."pol.raw_hourly".refresh_policy]
start_offset = "30 days"
end_offset = "10 minutes"
schedule = "1 hour"

[caggs."pol.raw_daily".refresh_policy]
end_offset = "5 minutes"
schedule = "1 day"
"#;

#[test]
fn policies_as_code_round_trip_drift_apply_rollback_and_lint() {
    let files = std::cell::RefCell::new(Vec::new());
    on_each_sync(pairs(), |pair| {
        let run = Run::new(&pair.label.replace([' ', '(', ')'], "_"));
        let exported = run.export(&pair.with);
        files
            .borrow_mut()
            .push((pair.label.clone(), exported.clone()));
        check_round_trip(&run, pair);
        check_a_refused_step_applies_nothing(&run, pair);
        check_drift_apply_and_rollback(&run, pair);
        check_lint(&run, pair);
        check_values_the_palette_refuses(&run, pair);
        // The engine's file (TimescaleDB 2.23) against this version's database: in sync, but
        // for the policy by creation time a version without them does not have.
        if pair.native {
            let engine_file = run.file("engine.toml", &files.borrow()[0].1);
            let json = run.hypertop(
                &pair.with,
                &["policy", "diff", &engine_file, "--format", "json"],
            );
            let drift = kinds(&String::from_utf8_lossy(&json.stdout));
            let expected = match exported_by_creation(&exported) {
                true => set([]),
                false => set([("pol.fresh", "retention_policy", "missing")]),
            };
            assert_eq!(drift, expected, "{}", pair.label);
        }
    });
    let files = files.into_inner();
    // The same policies read the same on every version, but for what TimescaleDB itself
    // records differently: the policy by creation time 2.9 lacks (its table then has none),
    // and the default orderby, which older versions write down when compression is turned on
    // and newer ones choose at the first compression.
    let same = |file: &str| {
        file.replace(".columnstore]", ".compression]")
            .replace(".columnstore_policy]", ".compression_policy]")
            .replace("[hypertables.\"pol.fresh\".retention_policy]\ncreated_before = \"30 days\"\nschedule = \"1 day\"\nscheduled = true\n\n", "")
            .replace("[hypertables.\"pol.fresh\"]\n\n", "")
            .replace("orderby = [\"t DESC\"]", "orderby = []")
    };
    let (first, reference) = &files[0];
    for (label, file) in &files[1..] {
        assert_eq!(same(file), same(reference), "{label} against {first}");
    }
}

/// Whether the server has the columnstore's procedures (TimescaleDB 2.18+).
fn columnstore(conninfo: &str) -> bool {
    psql(
        conninfo,
        "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'convert_to_columnstore'",
    ) == "t"
}

/// export → apply on the fresh database → export gives the same file; rollback leaves the
/// fresh database's catalog as it was.
fn check_round_trip(run: &Run, pair: &Pair) {
    let exported = run.export(&pair.with);
    // the server's words: the columnstore's where it has its procedures (2.18+)
    let cs = columnstore(&pair.with);
    let word = if cs { "columnstore" } else { "compression" };
    assert_eq!(
        exported.contains(".columnstore]"),
        cs,
        "{}: the columnstore's words exactly where the server has them\n{exported}",
        pair.label
    );
    for part in [
        format!("[hypertables.\"pol.raw\".{word}]").as_str(),
        format!("[hypertables.\"pol.raw\".{word}_policy]").as_str(),
        "[hypertables.\"pol.raw\".retention_policy]",
        "[hypertables.\"pol.raw\".reorder_policy]",
        "[hypertables.'pol.\"Event Log\"'.retention_policy]",
        "[caggs.\"pol.raw_hourly\".refresh_policy]",
        "scheduled = false",
        "schedule = \"06:00:00\"",
        // not NULLS FIRST, a descending order's default (it was exported so, and applied so)
        "orderby = ['\"time\" DESC NULLS LAST']",
    ] {
        assert!(exported.contains(part), "{part} missing from\n{exported}");
    }
    let file = run.file("policies.toml", &exported);
    let out = run.expect(&pair.with, &["policy", "diff", &file], 0);
    assert!(out.contains("no drift"), "{out}");

    // Integer time and (2.13+) a policy by creation time too.
    assert!(
        exported.contains("[hypertables.\"pol.counts\".retention_policy]\nafter = 800\n"),
        "{exported}"
    );
    let parts = exported
        .lines()
        .filter(|l| {
            l.starts_with('[')
                && (l.ends_with("_policy]")
                    || l.ends_with(".compression]")
                    || l.ends_with(".columnstore]"))
        })
        .count();
    // the columnstore's policy is added by a procedure, then paused (or not) by a statement
    let statements = parts
        + if cs {
            exported.matches("columnstore_policy]").count()
        } else {
            0
        };
    if exported_by_creation(&exported) {
        assert_eq!(parts, 11, "{exported}");
    } else {
        assert!(
            !pair.label.contains("engine"),
            "the engine (2.23) has created-before policies"
        );
        assert_eq!(parts, 10, "{exported}");
    }
    let fresh_before = catalog(&pair.fresh);
    let out = run.expect(&pair.fresh, &["policy", "diff", &file], 1);
    assert_eq!(out.matches("missing").count(), parts, "{out}");
    // A dry run shows the impact of the new retention policies and changes nothing.
    let out = run.expect(&pair.fresh, &["policy", "apply", &file, "--dry-run"], 0);
    assert!(
        out.contains("Impact: the retention of pol.raw drops 6 of 6 chunks"),
        "{out}"
    );
    assert!(out.contains("Dry run"), "{out}");
    assert_eq!(catalog(&pair.fresh), fresh_before);
    // Without --yes and without a terminal: refused.
    run.expect(&pair.fresh, &["policy", "apply", &file], 2);
    let out = run.expect(&pair.fresh, &["policy", "apply", &file, "--yes"], 0);
    assert!(
        out.contains(&format!("Done: {statements} statement(s)")),
        "{out}"
    );
    assert_eq!(
        run.export(&pair.fresh),
        exported,
        "the round trip changes nothing"
    );
    assert_eq!(
        compression_of_raw(&pair.fresh),
        compression_of_raw(&pair.with),
        "the same compression settings in TimescaleDB's catalog"
    );
    // The new retention policy waits a whole schedule before its first run.
    let waits = psql(
        &pair.fresh,
        "SELECT bool_and(next_start > now() + interval '23 hours')
           FROM timescaledb_information.jobs
          WHERE proc_name = 'policy_retention' AND hypertable_name = 'Event Log'",
    );
    assert_eq!(waits, "t");
    // One journal entry; its rollback undoes the whole apply.
    let history = run.expect(&pair.fresh, &["history"], 0);
    assert_eq!(
        history.matches("policy apply policies.toml").count(),
        1,
        "{history}"
    );
    run.expect(&pair.fresh, &["run", "rollback", "--yes"], 0);
    assert_eq!(catalog(&pair.fresh), fresh_before);
}

/// Each kind of drift is reported (text and JSON, exit 1), `--read-only` refuses to apply,
/// apply makes it right, and rollback restores the catalog exactly.
fn check_drift_apply_and_rollback(run: &Run, pair: &Pair) {
    let exported = run.export(&pair.with);
    let changed = exported
        // changed (and spelled as people write it: the server's reading is compared)
        .replace("after = \"7 days\"\nschedule = \"06:00:00\"", "after = \"14days\"\nschedule = \"6h\"")
        .replace("segmentby = [\"device\"]", "segmentby = []")
        // extra
        .replace(
            "[hypertables.\"pol.raw\".reorder_policy]\nindex = \"raw_device_time_idx\"\nschedule = \"12:00:00\"\nscheduled = true\n",
            "",
        )
        // paused
        .replace(
            "end_offset = \"2 days\"\nschedule = \"1 day\"\nscheduled = true",
            "end_offset = \"2 days\"\nschedule = \"1 day\"\nscheduled = false",
        )
        // missing, and a relation that is not there
        + "\n[caggs.\"pol.raw_hourly\".retention_policy]\nafter = \"400 days\"\nschedule = \"1 day\"\n\n[hypertables.\"pol.nowhere\"]\n";
    let file = run.file("changed.toml", &changed);
    let json = run.expect(
        &pair.with,
        &["policy", "diff", &file, "--format", "json"],
        1,
    );
    assert_eq!(
        kinds(&json),
        set([
            ("pol.raw", "compression", "changed"),
            ("pol.raw", "compression_policy", "changed"),
            ("pol.raw", "reorder_policy", "extra"),
            ("pol.raw_daily", "refresh_policy", "paused"),
            ("pol.raw_hourly", "retention_policy", "missing"),
            ("pol.nowhere", "compression", "no_relation"),
        ]),
        "{json}"
    );
    let text = run.expect(&pair.with, &["policy", "diff", &file], 1);
    for word in ["changed", "extra", "paused", "missing", "no relation"] {
        assert!(text.contains(word), "{word}: {text}");
    }

    let before = catalog(&pair.with);
    let out = run.expect(
        &pair.with,
        &["--read-only", "policy", "apply", &file, "--yes"],
        1,
    );
    assert!(out.contains("read-only"), "{out}");
    assert_eq!(catalog(&pair.with), before, "--read-only changed nothing");

    // a release that refuses to pause a hierarchical cagg's refresh policy: said by diff
    // before, by apply as it leaves it alone, and left as drift
    let frozen = hypertop::releases::has(
        &pair.version,
        hypertop::releases::Limit::HierarchicalRefreshFrozen,
    )
    .is_some();
    let said = run.expect(&pair.with, &["policy", "diff", &file], 1);
    assert_eq!(
        said.contains("Note: pol.raw_daily: not applicable here"),
        frozen,
        "{said}"
    );
    let out = run.expect(&pair.with, &["policy", "apply", &file, "--yes"], 0);
    assert!(out.contains("pol.nowhere is not in the database"), "{out}");
    assert_eq!(
        out.contains("refuses to pause a refresh policy"),
        frozen,
        "{out}"
    );
    let json = run.expect(
        &pair.with,
        &["policy", "diff", &file, "--format", "json"],
        1,
    );
    let left = match frozen {
        false => set([("pol.nowhere", "compression", "no_relation")]),
        true => set([
            ("pol.nowhere", "compression", "no_relation"),
            ("pol.raw_daily", "refresh_policy", "paused"),
        ]),
    };
    assert_eq!(kinds(&json), left, "only what apply cannot create is left");
    run.expect(&pair.with, &["run", "rollback", "--yes"], 0);
    assert_eq!(catalog(&pair.with), before, "rollback restores the catalog");
    assert_eq!(run.export(&pair.with), exported);

    // Errors are exit 2 with the reason: not a policy file, an interval the server refuses.
    let bad = run.file(
        "bad.toml",
        "[hypertables.\"pol.raw\".retention_policy]\ndrop_after = \"1d\"\n",
    );
    let out = run.expect(&pair.with, &["policy", "diff", &bad], 2);
    assert!(out.contains("not a policy file"), "{out}");
    let bad = run.file(
        "bad_interval.toml",
        "[hypertables.\"pol.raw\".retention_policy]\nafter = \"7 dayz\"\nschedule = \"1 day\"\n",
    );
    let out = run.expect(&pair.with, &["policy", "diff", &bad], 2);
    assert!(out.contains("'7 dayz' is not an interval"), "{out}");
}

/// A policy apply is one transaction: a statement the server refuses late in the plan (a
/// reorder index it does not have, the 9th of 11) leaves the database as it was, and the
/// journal says nothing was applied. Killed after its commit, its rollback asks the server
/// whether it committed and flags only a colleague's later change; killed before, it has
/// nothing to undo, and a colleague's policy stays — `--force` or not.
fn check_a_refused_step_applies_nothing(run: &Run, pair: &Pair) {
    let exported = run.export(&pair.with);
    let before = catalog(&pair.fresh);
    let bad = run.file(
        "refused_late.toml",
        &exported.replace("index = \"raw_device_time_idx\"", "index = \"no_such_idx\""),
    );
    let out = run.expect(&pair.fresh, &["policy", "apply", &bad, "--yes"], 1);
    assert!(
        out.contains("invalid reorder index") && out.contains("nothing was applied"),
        "{out}"
    );
    assert_eq!(catalog(&pair.fresh), before, "nothing applied");
    let history = run.expect(&pair.fresh, &["history"], 0);
    let last = history.lines().last().unwrap_or_default();
    assert!(
        last.contains("refused_late.toml") && last.contains("nothing was changed"),
        "{history}"
    );
    // killed before its commit (its outcome never written): nothing to undo, and a policy a
    // colleague adds later is not taken for its own
    drop_outcome(run, "refused_late.toml");
    psql(
        &pair.fresh,
        "SELECT add_retention_policy('pol.\"Event Log\"', interval '60 days')",
    );
    let colleague = catalog(&pair.fresh);
    for args in [
        &["run", "rollback", "--yes"][..],
        &["run", "rollback", "--yes", "--force"][..],
    ] {
        let out = run.expect(&pair.fresh, args, 1);
        assert!(
            out.contains("nothing to roll back") || out.contains("nothing of it was applied"),
            "{out}"
        );
        assert_eq!(catalog(&pair.fresh), colleague);
    }
    psql(
        &pair.fresh,
        "SELECT remove_retention_policy('pol.\"Event Log\"')",
    );
    // killed after its commit: all of it is undone, and only the colleague's change is flagged
    let good = run.file("committed.toml", &exported);
    run.expect(&pair.fresh, &["policy", "apply", &good, "--yes"], 0);
    drop_outcome(run, "committed.toml");
    psql(
        &pair.fresh,
        "SELECT alter_job(job_id, schedule_interval => interval '3 days') FROM timescaledb_information.jobs
          WHERE proc_name = 'policy_retention' AND hypertable_name = 'Event Log'",
    );
    let out = run.expect(&pair.fresh, &["run", "rollback", "--dry-run"], 0);
    assert!(out.contains("says its transaction committed"), "{out}");
    let flagged: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("someone changed it since"))
        .collect();
    assert_eq!(flagged.len(), 1, "{out}");
    assert!(flagged[0].contains("policy_retention"), "{out}");
    run.expect(&pair.fresh, &["run", "rollback", "--yes", "--force"], 0);
    assert_eq!(catalog(&pair.fresh), before, "all of it undone");
}

/// The journal as if hypertop had been killed before writing the outcome of the entry of
/// `command`.
fn drop_outcome(run: &Run, command: &str) {
    let text = std::fs::read_to_string(&run.journal).unwrap();
    let id = text
        .lines()
        .filter(|l| l.contains("\"event\":\"intent\"") && l.contains(command))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["id"].as_str().map(String::from))
        .next_back()
        .unwrap_or_else(|| panic!("no entry of {command}"));
    let kept: String = text
        .lines()
        .filter(|l| !(l.contains("\"event\":\"outcome\"") && l.contains(&id)))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&run.journal, kept).unwrap();
}

/// Every lint rule, on a file and (applied) on the live database, where the overview shows
/// them as problems.
fn check_lint(run: &Run, pair: &Pair) {
    // Queries that filter by device use its index (the no-segmentby rule looks for that).
    psql(
        &pair.with,
        "SET enable_seqscan = off; SET enable_bitmapscan = off;
         SELECT count(*) FROM pol.raw WHERE device = 2;
         SELECT pg_stat_force_next_flush();",
    );
    // The engine keeps index scans pending in its one session and never publishes them (its
    // Indexes tab shows every index unused): there the rule has nothing to go on, and its
    // path from index rows is covered by policy::lint's unit test.
    let scans_recorded = psql(
        &pair.with,
        "SELECT coalesce(sum(idx_scan), 0) > 0 FROM pg_stat_user_indexes
          WHERE indexrelname LIKE '%raw_device_time_idx'",
    ) == "t";
    assert!(
        scans_recorded || !pair.native,
        "a native server records index scans"
    );
    let mut all = BTreeSet::from(
        [
            ("pol.raw", "drop_before_compress"),
            ("pol.raw", "schedule_longer_than_drop_after"),
            ("pol.raw_hourly", "retention_inside_refresh_window"),
            ("pol.raw_hourly", "retention_before_materialized"),
            ("pol.raw_hourly", "end_offset_below_bucket"),
            ("pol.raw_daily", "end_offset_below_bucket"),
            ("pol.raw_daily", "windows_do_not_nest"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string())),
    );
    if scans_recorded {
        all.insert(("pol.raw".into(), "no_segmentby".into()));
    }
    let conflicts = run.file("conflicts.toml", CONFLICTS);
    let json = run.expect(
        &pair.with,
        &["policy", "lint", &conflicts, "--format", "json"],
        1,
    );
    assert_eq!(rules(&json), all, "{json}");
    let sound = run.file(
        "sound.toml",
        "[hypertables.'pol.\"Event Log\"'.retention_policy]\nafter = \"30 days\"\nschedule = \"1 day\"\n",
    );
    let out = run.expect(&pair.with, &["policy", "lint", &sound], 0);
    assert!(out.contains("No findings"), "{out}");

    // Live: the same rules on the database, and as the overview's problems.
    let before = catalog(&pair.with);
    run.expect(&pair.with, &["policy", "apply", &conflicts, "--yes"], 0);
    let json = run.expect(&pair.with, &["policy", "lint", "--format", "json"], 1);
    assert_eq!(rules(&json), all, "{json}");
    let snap: Value = serde_json::from_str(&run.expect(&pair.with, &["snapshot"], 0)).unwrap();
    let problems: BTreeSet<(String, String)> = snap["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap_or_default().to_string(),
                p["object"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut expected = vec![
        ("retention policy", "pol.raw"),
        ("refresh window", "pol.raw_hourly"),
        ("refresh window", "pol.raw_daily"),
    ];
    if scans_recorded {
        expected.push(("no segmentby", "pol.raw"));
    }
    for (kind, object) in expected {
        assert!(
            problems.contains(&(kind.to_string(), object.to_string())),
            "{kind} {object} in {problems:?}"
        );
    }
    run.expect(&pair.with, &["run", "rollback", "--yes"], 0);
    assert_eq!(catalog(&pair.with), before);
}

/// A file is held to the palette's rules for the same settings: each of these is refused by
/// `diff` and `apply` with the setting named, and nothing is applied or journaled.
fn check_values_the_palette_refuses(run: &Run, pair: &Pair) {
    let cases: &[(&str, &str)] = &[
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"-7 days\"\nschedule = \"1 day\"\n", "negative"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"0\"\nschedule = \"1 day\"\n", "no unit"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"90\"\nschedule = \"1 day\"\n", "no unit"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"0 days\"\nschedule = \"1 day\"\n", "zero"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"30 days\"\nschedule = \"0\"\n", "no unit"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"30 days\"\nschedule = \"-1 day\"\n", "negative"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = \"30 days\"\ncreated_before = \"30 days\"\nschedule = \"1 day\"\n", "not both"),
        ("[hypertables.\"pol.raw\".retention_policy]\nafter = 800\nschedule = \"1 day\"\n", "timestamp time column"),
        ("[hypertables.\"pol.counts\".retention_policy]\nafter = \"7 days\"\nschedule = \"1 day\"\n", "integer time column"),
        ("[hypertables.\"pol.counts\".retention_policy]\nafter = -5\nschedule = \"1 day\"\n", "positive"),
        ("[caggs.\"pol.raw_hourly\".refresh_policy]\nstart_offset = \"30 days\"\nend_offset = \"-1 hour\"\nschedule = \"1 hour\"\n", "negative"),
    ];
    // `export -o` writes through nothing planted beside its output (the old temporary name,
    // a symlink to a file of someone else's).
    let victim = run.file("victim.txt", "not yours\n");
    let out = run.dir.join("exported.toml");
    std::os::unix::fs::symlink(&victim, run.dir.join("exported.tmp-hypertop")).unwrap();
    let o = out.display().to_string();
    run.expect(&pair.with, &["policy", "export", "-o", &o], 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours\n");
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("[hypertables."));
    // A file kept private stays so; a FIFO (or a device, a symlink) is not replaced.
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    run.expect(&pair.with, &["policy", "export", "-o", &o], 0);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let fifo = run.dir.join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let f = fifo.display().to_string();
    let said = run.expect(&pair.with, &["policy", "export", "-o", &f], 2);
    assert!(said.contains("not a regular file"), "{said}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    let link = run.dir.join("link.toml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let l = link.display().to_string();
    run.expect(&pair.with, &["policy", "export", "-o", &l], 2);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours\n");

    // A file larger than any database's is refused before it is parsed.
    let huge = run.file(
        "huge.toml",
        &"# padding padding padding padding padding padding padding padding\n".repeat(80_000),
    );
    let out = run.expect(&pair.fresh, &["policy", "diff", &huge], 2);
    assert!(out.contains("larger than 4 MiB"), "{out}");

    let before = catalog(&pair.fresh);
    let journal_before = std::fs::read_to_string(&run.journal).unwrap_or_default();
    for (i, (text, why)) in cases.iter().enumerate() {
        let file = run.file(&format!("refused-{i}.toml"), text);
        for verb in ["diff", "apply"] {
            let mut args = vec!["policy", verb, file.as_str()];
            if verb == "apply" {
                args.push("--yes");
            }
            let out = run.expect(&pair.fresh, &args, 2);
            assert!(out.contains(why), "{verb} {text}: {out}");
        }
    }
    assert_eq!(catalog(&pair.fresh), before, "{}", pair.label);
    assert_eq!(
        std::fs::read_to_string(&run.journal).unwrap_or_default(),
        journal_before,
        "nothing journaled"
    );
}

/// A cagg with several refresh policies (windows side by side, TimescaleDB 2.21+): `policy
/// export` writes every one (it wrote the last it met), `diff` of the export finds nothing and
/// finds one window changed in the file, and `apply` makes the set the file's — each policy
/// matched by its window (a window in both is the same job: changed in place, or left alone with
/// its id and history), the database's others removed by job id, the file's others added — then
/// `diff` is clean and `rollback` gives the set back as it was. A cagg on another one is given
/// several only where the release allows it (2.29+), else apply says which release does.
#[test]
fn every_refresh_policy_of_a_cagg_is_policy_as_code() {
    on_each_sync(
        crate::engines::newest_native_servers("policiesseveral", None),
        |server| {
            let c = &server.conninfo;
            psql(
                c,
                "CREATE TABLE m (t timestamptz NOT NULL, v int);
                 SELECT create_hypertable('m', 't');
                 CREATE MATERIALIZED VIEW m1 WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 hour', t) AS b, sum(v) FROM m GROUP BY 1 WITH NO DATA;
                 CREATE MATERIALIZED VIEW m2 WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 day', b) AS d, sum(sum) FROM m1 GROUP BY 1 WITH NO DATA;",
            );
            for (start, end, every) in [
                ("7 days", "3 days", "12 hours"),
                ("3 days", "1 day", "1 hour"),
                ("1 day", "1 hour", "10 minutes"),
            ] {
                psql(
                    c,
                    &format!(
                        "SELECT add_continuous_aggregate_policy('m1', start_offset => interval '{start}',
                           end_offset => interval '{end}', schedule_interval => interval '{every}',
                           initial_start => now() + interval '1 day')"
                    ),
                );
            }
            let run = Run::new("several");
            let text = run.export(c);
            assert_eq!(
                text.matches("[[caggs.\"public.m1\".refresh_policies]]")
                    .count(),
                3,
                "{}: {text}",
                server.label
            );
            for every in ["12:00:00", "01:00:00", "00:10:00"] {
                assert!(text.contains(&format!("schedule = \"{every}\"")), "{text}");
            }
            let file = run.file("several.toml", &text);
            let out = run.expect(c, &["policy", "diff", &file], 0);
            assert!(!out.contains("public.m1"), "{}: {out}", server.label);
            // one window's schedule changed, one window gone, one new
            let changed = text
                .replacen("schedule = \"01:00:00\"", "schedule = \"02:00:00\"", 1)
                .replacen("start_offset = \"7 days\"", "start_offset = \"30 days\"", 1)
                .replacen("end_offset = \"3 days\"", "end_offset = \"7 days\"", 1);
            assert_ne!(changed, text);
            let file = run.file("changed.toml", &changed);
            let out = run.expect(c, &["policy", "diff", &file], 1);
            assert!(
                out.contains("public.m1") && out.contains("refresh_policy"),
                "{}: {out}",
                server.label
            );
            // each policy: job, window, schedule, whether it runs, its fixed start
            let policies = |cagg: &str| -> Vec<Vec<String>> {
                let rows = psql(
                    c,
                    &format!(
                        "SELECT string_agg(concat_ws('|', job_id, config->>'start_offset',
                                                     config->>'end_offset', schedule_interval,
                                                     scheduled, fixed_schedule, initial_start),
                                           ';' ORDER BY (config->>'start_offset')::interval)
                           FROM timescaledb_information.jobs
                          WHERE proc_name = 'policy_refresh_continuous_aggregate'
                            -- from 2.20 the view names a cagg's policy by the cagg
                            AND hypertable_name IN ('{cagg}',
                                  (SELECT materialization_hypertable_name
                                     FROM timescaledb_information.continuous_aggregates
                                    WHERE view_name = '{cagg}'))"
                    ),
                );
                (rows.split(';').filter(|r| !r.is_empty()))
                    .map(|r| r.split('|').map(str::to_string).collect())
                    .collect()
            };
            // (window and the rest, without the job id)
            let settings = |p: &[Vec<String>]| -> Vec<Vec<String>> {
                p.iter().map(|r| r[1..].to_vec()).collect()
            };
            let job_of = |p: &[Vec<String>], start: &str, end: &str| {
                (p.iter())
                    .find(|r| r[1] == start && r[2] == end)
                    .map(|r| (r[0].clone(), r[3].clone()))
            };
            let before = policies("m1");
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            let after = policies("m1");
            assert_eq!(after.len(), 3, "{}: {after:?}", server.label);
            // the two windows in both kept their jobs: the last hour's untouched, the 3 days'
            // changed in place; the 7 days' gone, the 30 days' new
            let (kept, _) = job_of(&before, "1 day", "01:00:00").unwrap();
            assert_eq!(
                job_of(&after, "1 day", "01:00:00"),
                Some((kept, "00:10:00".into())),
                "{}: {before:?} → {after:?}",
                server.label
            );
            let (changed_job, _) = job_of(&before, "3 days", "1 day").unwrap();
            assert_eq!(
                job_of(&after, "3 days", "1 day"),
                Some((changed_job, "02:00:00".into())),
                "{}: {after:?}",
                server.label
            );
            assert_eq!(job_of(&after, "7 days", "3 days"), None, "{after:?}");
            assert_eq!(
                job_of(&after, "30 days", "7 days").map(|j| j.1),
                Some("12:00:00".into()),
                "{after:?}"
            );
            run.expect(c, &["policy", "diff", &file], 0);
            run.expect(c, &["run", "rollback", "--yes"], 0);
            // every window, schedule, state and fixed start as before (the removed one's job
            // is new)
            assert_eq!(
                settings(&policies("m1")),
                settings(&before),
                "{}",
                server.label
            );
            // a cagg on another one: several where the release allows them
            let two = format!(
                "{text}\n[[caggs.\"public.m2\".refresh_policies]]\nstart_offset = \"60 days\"\n\
                 end_offset = \"30 days\"\nschedule = \"1 day\"\n\n\
                 [[caggs.\"public.m2\".refresh_policies]]\nstart_offset = \"30 days\"\n\
                 end_offset = \"2 days\"\nschedule = \"06:00:00\"\n"
            );
            let file = run.file("hierarchical.toml", &two);
            let out = run.hypertop(c, &["policy", "apply", &file, "--yes"]);
            let said = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let version = psql(
                c,
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
            );
            let allowed = hypertop::releases::release(&version).is_some_and(|r| r >= (2, 29, 0));
            let m2 = policies("m2");
            if allowed {
                assert_eq!(m2.len(), 2, "{}: {m2:?} {said}", server.label);
                run.expect(c, &["policy", "diff", &file], 0);
            } else {
                assert!(said.contains("#8707"), "{}: {said}", server.label);
                assert_eq!(m2, Vec::<Vec<String>>::new(), "{}: {said}", server.label);
            }
        },
    );
}

/// A refresh policy's batching (TimescaleDB 2.19+: buckets a batch, batches a run, newest
/// first) is policy as code: `export` writes what the job's config sets (nothing where it sets
/// nothing), `diff` of the export is clean, a changed and a new setting are applied with
/// `alter_job` and given back by `rollback`, and a policy removed from the database is added
/// again with its batching.
#[test]
fn a_refresh_policys_batching_is_policy_as_code() {
    on_each_sync(
        crate::engines::newest_native_servers("policiesbatching", None),
        |server| {
            let c = &server.conninfo;
            psql(
                c,
                "CREATE TABLE m (t timestamptz NOT NULL, v int);
                 SELECT create_hypertable('m', 't');
                 CREATE MATERIALIZED VIEW m1 WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 hour', t) AS b, sum(v) FROM m GROUP BY 1 WITH NO DATA;
                 SELECT add_continuous_aggregate_policy('m1', start_offset => interval '30 days',
                   end_offset => interval '1 hour', schedule_interval => interval '1 hour',
                   buckets_per_batch => 5, refresh_newest_first => false);",
            );
            let batching = || {
                psql(
                    c,
                    "SELECT concat_ws(' ', config->>'buckets_per_batch',
                                      coalesce(config->>'max_batches_per_execution', '-'),
                                      config->>'refresh_newest_first')
                       FROM timescaledb_information.jobs
                      WHERE proc_name = 'policy_refresh_continuous_aggregate'",
                )
            };
            let run = Run::new("batching");
            let text = run.export(c);
            assert!(
                text.contains("buckets_per_batch = 5")
                    && text.contains("refresh_newest_first = false"),
                "{}: {text}",
                server.label
            );
            assert!(!text.contains("max_batches_per_execution"), "{text}");
            let file = run.file("batching.toml", &text);
            run.expect(c, &["policy", "diff", &file], 0);
            let changed = text.replace(
                "buckets_per_batch = 5",
                "buckets_per_batch = 20\nmax_batches_per_execution = 3",
            );
            let file = run.file("changed.toml", &changed);
            run.expect(c, &["policy", "diff", &file], 1);
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            assert_eq!(batching(), "20 3 false", "{}", server.label);
            run.expect(c, &["policy", "diff", &file], 0);
            run.expect(c, &["run", "rollback", "--yes"], 0);
            assert_eq!(batching(), "5 - false", "{}", server.label);
            // removed from the database: added again as the file has it
            psql(c, "SELECT remove_continuous_aggregate_policy('m1')");
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            assert_eq!(batching(), "20 3 false", "{}", server.label);
            run.expect(c, &["policy", "diff", &file], 0);
        },
    );
}

/// A compaction policy (TimescaleDB 2.29+) is policy as code: `export` writes it with its
/// limits, `diff` of the export finds nothing, one removed from the database is `missing` and
/// `apply` adds it again as the file has it (its limits, schedule and state), a changed limit
/// is altered, and rollback undoes each; where the server has none, apply says what it lacks and
/// changes nothing.
#[test]
fn a_compaction_policy_is_policy_as_code() {
    on_each_sync(
        crate::engines::newest_native_servers("policiescompaction", None),
        |server| {
            let c = &server.conninfo;
            psql(
                c,
                "CREATE TABLE m (t timestamptz NOT NULL, d int, v int);
                 SELECT create_hypertable('m', 't');
                 ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');",
            );
            let run = Run::new("compaction");
            let has = psql(
                c,
                "SELECT count(*) FROM pg_proc WHERE proname = 'add_compaction_policy'",
            ) == "1";
            let job = || {
                psql(
                    c,
                    "SELECT coalesce((SELECT schedule_interval || ' ' || scheduled || ' ' || (config->>'max_batches')
                       FROM timescaledb_information.jobs WHERE proc_name = 'policy_compaction'), 'none')",
                )
            };
            let wanted = "[hypertables.\"public.m\".compaction_policy]\nschedule = \"06:00:00\"\nscheduled = false\nmax_batches = 100\ninactive_for = \"01:00:00\"\n";
            if !has {
                let file = run.file("compaction.toml", wanted);
                let out = run.hypertop(c, &["policy", "apply", &file, "--yes"]);
                let said = String::from_utf8_lossy(&out.stdout).to_string()
                    + &String::from_utf8_lossy(&out.stderr);
                assert!(said.contains("(2.29 or later)"), "{}: {said}", server.label);
                assert_eq!(job(), "none", "{}", server.label);
                return;
            }
            psql(
                c,
                "SELECT alter_job(add_compaction_policy('m', schedule_interval => interval '6 hours',
                                                       max_batches => 100, inactive_for => interval '1 hour'),
                                  scheduled => false)",
            );
            let text = run.export(c);
            assert!(text.contains(wanted), "{}: {text}", server.label);
            let file = run.file("compaction.toml", &text);
            let out = run.expect(c, &["policy", "diff", &file], 0);
            assert!(!out.contains("public.m"), "{}: {out}", server.label);
            // spelled another way: an interval as people write it, a limit of 0 (none)
            let spelled = text.replace(
                "inactive_for = \"01:00:00\"",
                "inactive_for = \"60 minutes\"\nmax_chunks = 0",
            );
            assert_ne!(spelled, text);
            let other = run.file("spelled.toml", &spelled);
            let out = run.expect(c, &["policy", "diff", &other], 0);
            assert!(!out.contains("public.m"), "{}: {out}", server.label);
            let before = job();
            assert_eq!(before, "06:00:00 false 100", "{}", server.label);
            // removed from the database: missing, added again as the file has it
            psql(c, "SELECT remove_compaction_policy('m')");
            let json = run.expect(c, &["policy", "diff", &file, "--format", "json"], 1);
            assert_eq!(
                kinds(&json),
                set([("public.m", "compaction_policy", "missing")]),
                "{}: {json}",
                server.label
            );
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            assert_eq!(job(), before, "{}: added as the file has it", server.label);
            run.expect(c, &["run", "rollback", "--yes"], 0);
            assert_eq!(job(), "none", "{}: rollback removes it again", server.label);
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            // a limit changed in the file: altered, and rolled back
            let changed = text.replace("max_batches = 100", "max_batches = 7");
            let file = run.file("changed.toml", &changed);
            let json = run.expect(c, &["policy", "diff", &file, "--format", "json"], 1);
            assert_eq!(
                kinds(&json),
                set([("public.m", "compaction_policy", "changed")]),
                "{}: {json}",
                server.label
            );
            run.expect(c, &["policy", "apply", &file, "--yes"], 0);
            assert_eq!(job(), "06:00:00 false 7", "{}", server.label);
            run.expect(c, &["run", "rollback", "--yes"], 0);
            assert_eq!(
                job(),
                before,
                "{}: rollback restores its limit",
                server.label
            );
        },
    );
}
