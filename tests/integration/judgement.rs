//! Judgement in every action: defaults that do what an operator at 3 a.m. means — a refresh
//! that leaves no hole, a compress that spares the chunk being written, "reversible" only for
//! what rollback restores — on the engine and the native versions flows of actions run on
//! (`engines::action_versions`).

use hypertop::actions::parse::parse;
use hypertop::headless;

use crate::actions::{env_for, Env};
use crate::engines::{in_fresh_schema, on_own_empty_action_servers, psql, Tsdb};

/// An hourly aggregate of two days of readings, materialized only up to a day ago, with a
/// refresh policy of [now-3h, now-1h): the demo's lagging aggregate.
fn lagging(c: &str) {
    in_fresh_schema(
        c,
        "hole",
        "CREATE TABLE hole.raw (time timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('hole.raw', 'time', chunk_time_interval => interval '1 hour');
         INSERT INTO hole.raw
              SELECT t, d, 1 FROM generate_series(date_trunc('minute', now()) - interval '2 days',
                                                   now(), interval '5 minutes') t,
                                  generate_series(1, 2) d;
         CREATE MATERIALIZED VIEW hole.hourly
           WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
           SELECT time_bucket('1 hour', time) AS bucket, device, count(*) AS n
             FROM hole.raw GROUP BY 1, 2 WITH NO DATA;",
    );
    psql(
        c,
        "CALL refresh_continuous_aggregate('hole.hourly', NULL, now() - interval '1 day')",
    );
    psql(
        c,
        "SELECT add_continuous_aggregate_policy('hole.hourly', start_offset => interval '3 hours',
                                                end_offset => interval '1 hour',
                                                schedule_interval => interval '30 minutes')",
    );
}

/// Hours of [from, to) with raw data but no bucket in the aggregate, for each device.
fn missing_hours(c: &str, from: &str, to: &str) -> i64 {
    psql(
        c,
        &format!(
            "SELECT count(*) FROM generate_series(date_trunc('hour', {from}),
                                                 date_trunc('hour', {to}) - interval '1 hour',
                                                 interval '1 hour') h,
                                 generate_series(1, 2) d
              WHERE EXISTS (SELECT FROM hole.raw r WHERE r.time >= h AND r.time < h + interval '1 hour')
                AND NOT EXISTS (SELECT FROM hole.hourly a WHERE a.bucket = h AND a.device = d)"
        ),
    )
    .parse()
    .unwrap()
}

#[tokio::test]
async fn a_refresh_of_a_lagging_aggregate_leaves_no_hole() {
    on_own_empty_action_servers("hole", refresh_leaves_no_hole).await;
}

async fn refresh_leaves_no_hole(server: &Tsdb) {
    let c = &server.conninfo;
    lagging(c);
    let e: Env = env_for(c).await;
    let ctx = e.ctx();
    // the policy's window alone would leave [now-1d, now-3h) empty below the new watermark
    assert!(missing_hours(c, "now() - interval '1 day'", "now() - interval '3 hours'") > 30);
    // a window given above the watermark: the hole is named and the fill said; a script needs
    // --force, the console the aggregate's name
    let three_hours_ago = psql(c, "SELECT (now() - interval '3 hours')::text");
    let one_hour_ago = psql(c, "SELECT (now() - interval '1 hour')::text");
    let plan = headless::make_plan(
        &ctx,
        &parse(&format!(
            "refresh hole.hourly '{three_hours_ago}' '{one_hour_ago}'"
        ))
        .unwrap(),
    )
    .await
    .unwrap();
    assert!(plan.needs_force, "{plan:?}");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("unmaterialized below the new watermark")
                && w.contains("refresh hole.hourly '")),
        "{:?}",
        plan.warnings
    );
    // the default: from the watermark to where the policy's window ends, in batches
    let plan = headless::make_plan(&ctx, &parse("refresh hole.hourly").unwrap())
        .await
        .unwrap();
    assert!(
        plan.summary.contains("from its watermark"),
        "{}",
        plan.summary
    );
    assert!(!plan.needs_force && plan.warnings.is_empty(), "{plan:?}");
    assert!(
        plan.impact
            .iter()
            .any(|i| i.starts_with("reads ") && i.contains("chunks of hole.raw")),
        "{:?}",
        plan.impact
    );
    assert!(
        plan.impact
            .iter()
            .any(|i| i.contains("no basis for an estimate")),
        "{:?}",
        plan.impact
    );
    assert!(
        plan.steps.len() > 1,
        "23 hours of one-hour chunks are batched"
    );
    let outcome = e.execute(&plan, std::time::Duration::from_secs(5)).await;
    assert_eq!(outcome.error, None);
    assert_eq!(
        missing_hours(c, "now() - interval '2 days'", "now() - interval '1 hour'"),
        0,
        "every hour below the new watermark is materialized"
    );
}

/// The CaggHole problems of the database, read as a console reads it.
async fn holes(c: &str) -> Vec<hypertop::problems::Problem> {
    let (s, caps) = crate::engines::open_at(c).await;
    let data =
        hypertop::store::Dataset::read_all(&s.client, None, &caps, &Default::default()).await;
    data.problems
        .into_iter()
        .filter(|p| p.kind == hypertop::problems::ProblemKind::CaggHole)
        .collect()
}

#[tokio::test]
async fn a_hole_made_with_psql_is_found_and_filled_from_its_problems_command() {
    on_own_empty_action_servers("psqlhole", hole_found_and_filled).await;
}

async fn hole_found_and_filled(server: &Tsdb) {
    let c = &server.conninfo;
    lagging(c);
    // the refresh an operator types in psql: the policy's window, above the watermark
    psql(
        c,
        "CALL refresh_continuous_aggregate('hole.hourly', now() - interval '3 hours', now() - interval '1 hour')",
    );
    assert!(missing_hours(c, "now() - interval '1 day'", "now() - interval '3 hours'") > 30);
    let found = holes(c).await;
    let hole = found
        .iter()
        .find(|p| p.object == "hole.hourly")
        .unwrap_or_else(|| panic!("no hole found: {found:#?}"));
    assert_eq!(hole.severity, hypertop::problems::Severity::Critical);
    assert!(
        hole.message.contains("where hole.raw holds data"),
        "{}",
        hole.message
    );
    let command = hole.action.clone().expect("the command that fills it");
    assert!(command.starts_with("refresh hole.hourly '"), "{command}");
    // its command, as the palette runs it
    let e: Env = env_for(c).await;
    let plan = headless::make_plan(&e.ctx(), &parse(&command).unwrap())
        .await
        .unwrap();
    assert!(
        !plan.needs_force,
        "the fill leaves no hole of its own: {plan:?}"
    );
    let outcome = e.execute(&plan, std::time::Duration::from_secs(5)).await;
    assert_eq!(outcome.error, None);
    assert_eq!(
        missing_hours(c, "now() - interval '2 days'", "now() - interval '3 hours'"),
        0
    );
    let after = holes(c).await;
    assert!(
        !after.iter().any(|p| p.object == "hole.hourly"),
        "{after:#?}"
    );
}

#[tokio::test]
async fn a_bare_compress_spares_the_chunk_being_written() {
    on_own_empty_action_servers("livechunk", compress_spares_live).await;
}

async fn compress_spares_live(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "live",
        "CREATE TABLE live.m (time timestamptz NOT NULL, device int, v float8);
         SELECT create_hypertable('live.m', 'time', chunk_time_interval => interval '1 hour');
         INSERT INTO live.m SELECT t, d, d FROM generate_series(now() - interval '30 hours', now(),
                                                                 interval '1 minute') t,
                                                 generate_series(1, 3) d;
         ALTER TABLE live.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
         CREATE TABLE live.nopolicy (time timestamptz NOT NULL, v float8);
         SELECT create_hypertable('live.nopolicy', 'time', chunk_time_interval => interval '1 hour');
         INSERT INTO live.nopolicy SELECT t, 1 FROM generate_series(now() - interval '5 hours', now(),
                                                                     interval '1 minute') t;
         ALTER TABLE live.nopolicy SET (timescaledb.compress);",
    );
    // the policy gives the threshold; unscheduled in the same transaction, so a scheduler does
    // not compress (and lock) a chunk while it is planned and measured — a locked chunk counts
    // the pages the catalog last noted (a native run once saw one chunk short by that)
    psql(
        c,
        "SELECT add_compression_policy('live.m', interval '12 hours');
         SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
          WHERE hypertable_schema = 'live' AND hypertable_name = 'm';",
    );
    let e: Env = env_for(c).await;
    let ctx = e.ctx();
    let count = |sql: &str| -> usize { psql(c, sql).parse().unwrap() };
    // with a policy: what it would compress, its threshold, and nothing newer
    let plan = headless::make_plan(&ctx, &parse("compress live.m").unwrap())
        .await
        .unwrap();
    let older = count(
        "SELECT count(*) FROM timescaledb_information.chunks
          WHERE hypertable_name = 'm' AND range_end <= now() - interval '12 hours'",
    );
    assert_eq!(plan.steps.len(), older, "{plan:?}");
    // the bytes it will compress, on data just written (no VACUUM, no ANALYZE): what
    // PostgreSQL's own size function says, as the Compression tab does
    let theirs: i64 = psql(
        c,
        "SELECT sum(pg_total_relation_size(format('%I.%I', chunk_schema, chunk_name)))
           FROM timescaledb_information.chunks
          WHERE hypertable_name = 'm' AND range_end <= now() - interval '12 hours'",
    )
    .parse()
    .unwrap();
    assert_eq!(
        plan.work.as_ref().map(|w| w.bytes),
        Some(theirs),
        "{:?}",
        plan.work
    );
    assert!(
        plan.summary
            .contains("its compression policy would compress"),
        "{}",
        plan.summary
    );
    assert!(
        plan.impact
            .iter()
            .any(|i| i.contains("the one being written among them")),
        "{:?}",
        plan.impact
    );
    assert!(
        plan.impact
            .iter()
            .any(|i| i.contains("no basis for a size after compression")),
        "{:?}",
        plan.impact
    );
    assert!(
        plan.impact
            .iter()
            .any(|i| i.contains("hypertop has not compressed this table before")),
        "{:?}",
        plan.impact
    );
    let newest = psql(
        c,
        "SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'm'
          ORDER BY range_start DESC LIMIT 1",
    );
    assert!(
        !plan.affects.iter().any(|a| a.contains(&newest)),
        "{:?}",
        plan.affects
    );
    // the chunk being written named explicitly: compressed as asked, and the preview says what
    // that does to its inserts; an older chunk named so says nothing of it
    let chunk = |order: &str| {
        psql(
            c,
            &format!("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks WHERE hypertable_name = 'm' ORDER BY range_start {order} LIMIT 1"),
        )
    };
    for (which, warned) in [(chunk("DESC"), true), (chunk("ASC"), false)] {
        let explicit =
            headless::make_plan(&ctx, &parse(&format!("compress chunk {which}")).unwrap())
                .await
                .unwrap();
        assert_eq!(
            explicit
                .warnings
                .iter()
                .any(|w| w.contains("being written now") && w.contains("compressed-DML path")),
            warned,
            "{which}: {:?}",
            explicit.warnings
        );
    }
    assert_eq!(
        e.execute(&plan, std::time::Duration::from_secs(5))
            .await
            .error,
        None
    );
    // a second compress of the same table: its ratio so far, and the pace of the first
    psql(c, "SELECT decompress_chunk(c) FROM show_chunks('live.m', older_than => interval '20 hours') c");
    let plan = headless::make_plan(&ctx, &parse("compress live.m").unwrap())
        .await
        .unwrap();
    assert!(
        plan.impact.iter().any(|i| i.contains("compressed, at the")),
        "{:?}",
        plan.impact
    );
    assert!(
        plan.impact
            .iter()
            .any(|i| i.contains("at the pace of 1 earlier compression")),
        "{:?}",
        plan.impact
    );
    // without a policy: every chunk but the ones being written
    let plan = headless::make_plan(&ctx, &parse("compress live.nopolicy").unwrap())
        .await
        .unwrap();
    let live = count(
        "SELECT count(*) FROM timescaledb_information.chunks
          WHERE hypertable_name = 'nopolicy' AND range_end > now()",
    );
    let all = count(
        "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'nopolicy'",
    );
    assert!(live >= 1);
    assert_eq!(plan.steps.len(), all - live, "{plan:?}");
    assert!(
        plan.summary.contains("but the ones being written"),
        "{}",
        plan.summary
    );
}

#[tokio::test]
async fn a_shorter_retention_tells_overdue_chunks_from_its_own_losses() {
    on_own_empty_action_servers("retwords", retention_words).await;
}

/// `set-retention` to a shorter window on a table whose policy is already behind: the chunks the
/// old policy drops anyway are told apart from what this change loses, the losses are said to be
/// for good, and rollback is said to restore the policy only.
async fn retention_words(server: &Tsdb) {
    let c = &server.conninfo;
    // 40 days of daily chunks, a 20-day policy that has not run (its next start a day away)
    in_fresh_schema(
        c,
        "ret",
        "CREATE TABLE ret.m (time timestamptz NOT NULL, v float8);
         SELECT create_hypertable('ret.m', 'time', chunk_time_interval => interval '1 day');
         INSERT INTO ret.m SELECT t, 1 FROM generate_series(now() - interval '40 days', now(),
                                                            interval '1 hour') t;
         SELECT alter_job(add_retention_policy('ret.m', interval '20 days'),
                          next_start => now() + interval '1 day');",
    );
    let count = |older: &str| -> i64 {
        psql(
            c,
            &format!(
                "SELECT count(*) FROM timescaledb_information.chunks
                  WHERE hypertable_schema = 'ret' AND range_end <= now() - interval '{older}'"
            ),
        )
        .parse()
        .unwrap()
    };
    let e: Env = env_for(c).await;
    let plan = headless::make_plan(&e.ctx(), &parse("set-retention ret.m 10d").unwrap())
        .await
        .unwrap();
    let (anyway, reached) = (count("20 days"), count("10 days"));
    assert!(anyway >= 18 && reached > anyway, "{anyway} {reached}");
    let next = plan.next_run.join("\n");
    assert!(
        next.contains(&format!("{anyway} of them"))
            && next.contains("which it drops anyway")
            && next.contains(&format!("{} (", reached - anyway))
            && next.contains("because of this change"),
        "{next}"
    );
    let lost = plan.lost.join("\n");
    assert!(
        lost.contains(&format!("the {} chunks of ret.m", reached - anyway))
            && lost.contains("a rollback restores the policy, not them"),
        "{lost}"
    );
    let said = plan.consequences(5);
    let rollback = said
        .iter()
        .find(|s| s.label == "Rollback")
        .unwrap_or_else(|| panic!("no rollback line: {said:?}"));
    assert!(
        rollback.text.contains("does not bring back what is lost"),
        "{}",
        rollback.text
    );
    assert!(
        !said
            .iter()
            .any(|s| s.text.to_lowercase().starts_with("reversible")),
        "{said:?}"
    );
}

/// The rows of the Problems box on screen, as (severity word, the whole line), and the line
/// the box ends on.
fn problem_rows(screen: &str) -> (Vec<(String, String)>, usize) {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("Problems ("))
        .expect("the Problems box");
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.starts_with('└'))
            .expect("its border");
    let rows = lines[start + 2..end]
        .iter()
        .map(|l| {
            let word = l
                .trim_start_matches('│')
                .split_whitespace()
                .next()
                .unwrap_or("");
            (word.to_string(), l.to_string())
        })
        .collect();
    (rows, end)
}

/// At 80x24 the overview lists at least five problems, the critical ones first, and its
/// layout stays put as the selection moves down the list.
#[test]
fn the_overview_at_80x24_shows_the_problems_first_and_holds_still() {
    use crate::pty::Pty;
    let conninfo = crate::engines::scenario().conninfo();
    let wait = std::time::Duration::from_secs(30);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(&conninfo).arg("--read-only");
    let pty = Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output("Enter shows the row", wait);
    let (rows, end) = problem_rows(&pty.screen());
    let total: usize = pty
        .screen()
        .split("Problems (")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        total >= 9,
        "the scenario plants more: {total}\n{}",
        pty.screen()
    );
    assert!(rows.len() >= 5, "{}", pty.screen());
    // every critical before the first other one
    let first_other = rows
        .iter()
        .position(|(w, _)| w != "CRIT")
        .unwrap_or(rows.len());
    assert!(
        rows[first_other..].iter().all(|(w, _)| w != "CRIT"),
        "{}",
        pty.screen()
    );
    // the selection moves down the list: the box keeps its place
    for _ in 0..total.min(12) {
        pty.write(b"j");
        std::thread::sleep(std::time::Duration::from_millis(150));
        let (_, now) = problem_rows(&pty.screen());
        assert_eq!(now, end, "{}", pty.screen());
    }
}
