use super::*;
use crate::model::hypertables::Hypertable;
use crate::screens::tab;

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn state() -> AppState {
    AppState::new("host=h".into(), Duration::from_secs(2), true, false)
}

fn result(
    kind: QueryKind,
    target: Option<DrillTarget>,
    result: Result<Payload, crate::model::ReadError>,
) -> QueryResult {
    QueryResult {
        kind,
        target,
        result,
        elapsed: Duration::from_millis(3),
        finished_at: Utc::now(),
    }
}

fn hypertable(schema: &str, name: &str, chunks: i64) -> Hypertable {
    let mut h = crate::model::fixtures::hypertable(name, chunks, 0, chunks * 1000);
    h.schema = schema.into();
    h
}

#[test]
fn keys_map_to_commands() {
    let mut s = state();
    assert_eq!(s.on_key(key(KeyCode::Char('q'))), MemberCommand::Quit);
    assert_eq!(
        s.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        MemberCommand::Quit
    );
    assert_eq!(s.on_key(key(KeyCode::Char('r'))), MemberCommand::ReadWhole);
    assert_eq!(s.on_key(key(KeyCode::Char('x'))), MemberCommand::None);
}

#[test]
fn tabs_switch_by_number_tab_and_backtab() {
    let mut s = state();
    assert_eq!(s.on_key(key(KeyCode::Char('5'))), MemberCommand::Refresh);
    assert_eq!(s.tab, tab("indexes"));
    s.on_key(key(KeyCode::Tab));
    assert_eq!(s.tab, tab("jobs"));
    s.on_key(key(KeyCode::BackTab));
    s.on_key(key(KeyCode::BackTab));
    assert_eq!(s.tab, tab("retention"));
    s.on_key(key(KeyCode::Char('1')));
    s.on_key(key(KeyCode::BackTab));
    assert_eq!(s.tab, tab("statements"), "wraps around");
}

#[test]
fn help_toggles_and_esc_closes_it() {
    let mut s = state();
    s.on_key(key(KeyCode::Char('?')));
    assert!(s.show_help);
    assert_eq!(
        s.on_key(key(KeyCode::Char('5'))),
        MemberCommand::None,
        "keys wait while help is open"
    );
    assert_eq!(s.on_key(key(KeyCode::Esc)), MemberCommand::Redraw);
    assert!(!s.show_help);
}

#[test]
fn the_palette_offers_the_jobs_read_even_while_it_is_open() {
    use crate::model::fixtures::job;
    let jobs = |ids: &[i32]| {
        let rows = ids
            .iter()
            .map(|&i| job(i, "policy_compression", Some("a"), 0, true));
        result(QueryKind::Jobs, None, Ok(Payload::Jobs(rows.collect())))
    };
    let offered = |s: &AppState| match &s.modal {
        crate::app::modal::Modal::Palette(p) => p.suggestions.clone(),
        _ => panic!("the palette is open"),
    };
    let mut s = state();
    s.on_result(jobs(&[1000]));
    s.on_key(key(KeyCode::Char(':')));
    for c in "run-job 10".chars() {
        s.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(offered(&s), ["1000"]);
    // a read while it is open: the next key offers what it read
    s.on_result(jobs(&[1000, 1042]));
    s.on_key(key(KeyCode::Char('4')));
    assert_eq!(offered(&s), ["1042"]);
}

#[test]
fn filter_drill_down_and_back() {
    let mut s = state();
    s.on_key(key(KeyCode::Char('2')));
    s.on_result(result(
        QueryKind::Catalog,
        None,
        Ok(Payload::Hypertables(vec![
            hypertable("scn", "metrics", 10),
            hypertable("Ops \"Team\"", "events; drop table x", 3),
        ])),
    ));
    // Sorted by chunks, descending.
    let first = s.current().table.selected_row().unwrap().id().to_string();
    assert_eq!(first, "scn.metrics");
    for c in "/drop".chars() {
        s.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(s.current().table.len(), 1);
    s.on_key(key(KeyCode::Enter));
    assert!(
        s.filter_input.is_none(),
        "Enter keeps the filter and leaves the line"
    );
    assert_eq!(s.current().table.filter(), "drop");
    assert_eq!(
        s.on_key(key(KeyCode::Enter)),
        MemberCommand::Refresh,
        "opens the chunks"
    );
    let wanted = s.wanted();
    let target = DrillTarget::Relation {
        schema: "Ops \"Team\"".into(),
        name: "events; drop table x".into(),
    };
    assert!(
        wanted.contains(&(QueryKind::Chunks, Some(target.clone()))),
        "{wanted:?}"
    );
    assert_eq!(
        s.current().drill.as_ref().unwrap().title,
        "Chunks of \"Ops \"\"Team\"\"\".\"events; drop table x\""
    );
    // A late answer for another target does not land in this drill-down.
    let other = DrillTarget::Relation {
        schema: "scn".into(),
        name: "metrics".into(),
    };
    s.on_result(result(
        QueryKind::Chunks,
        Some(other.clone()),
        Ok(Payload::Chunks(other, vec![])),
    ));
    assert_eq!(
        s.current().drill.as_ref().unwrap().state.status(),
        Standing::Loading
    );
    s.on_result(result(
        QueryKind::Chunks,
        Some(target.clone()),
        Ok(Payload::Chunks(target, vec![])),
    ));
    assert_eq!(
        s.current().drill.as_ref().unwrap().state.status(),
        Standing::Ready
    );
    s.on_key(key(KeyCode::Esc));
    assert!(s.current().drill.is_none());
    s.on_key(key(KeyCode::Esc));
    assert_eq!(
        s.current().table.filter(),
        "",
        "a second Esc clears the filter"
    );
}

#[test]
fn errors_stay_on_their_tab() {
    let mut s = state();
    let denied = crate::model::ReadError::Server {
        code: "42501".into(),
        message: "permission denied".into(),
    };
    s.on_result(result(QueryKind::Catalog, None, Err(denied.clone())));
    // one catalog pass fills these tabs: its failure shows on each
    for name in ["indexes", "hypertables", "retention"] {
        assert_eq!(s.status(tab(name)).error(), Some(&denied), "{name}");
    }
    assert!(s.status(tab("jobs")).error().is_none());
    assert_eq!(
        s.data.last_error.as_ref().unwrap().1,
        "permission denied (SQLSTATE 42501)"
    );
    s.on_result(result(
        QueryKind::Jobs,
        None,
        Ok(Payload::Unavailable("no TimescaleDB".into())),
    ));
    assert_eq!(s.status(tab("jobs")).unavailable(), Some("no TimescaleDB"));
}

#[test]
fn disconnected_text_counts_down() {
    let mut s = state();
    let now = Instant::now();
    s.link = LinkState::Disconnected {
        error: crate::link::LinkError::Lost,
        retry_at: now + Duration::from_millis(3500),
    };
    assert_eq!(s.link_text(now), "disconnected — retrying in 4s");
    assert_eq!(
        s.link_text(now + Duration::from_secs(10)),
        "disconnected — reconnecting…"
    );
}

/// Answers of the catalog pass with these hypertables, as the console takes them in.
fn hypertables(names: &[&str]) -> QueryResult {
    let list = names.iter().map(|n| hypertable("app", n, 3)).collect();
    result(QueryKind::Catalog, None, Ok(Payload::Hypertables(list)))
}

#[test]
fn answers_are_derived_away_from_the_loop_one_derivation_at_a_time() {
    let mut s = state();
    s.show_tab(tab("hypertables"));
    s.take_result(hypertables(&["a", "b", "c"]));
    // taking an answer in builds nothing: the rows are made by the derivation
    assert_eq!(s.current().table.len(), 0);
    let first = s.derivation().expect("the answer's rows are due");
    // a second answer while the first is derived waits for it
    s.take_result(hypertables(&["a", "b", "c", "d"]));
    assert!(s.derivation().is_none(), "one derivation at a time");
    // keys are handled meanwhile, on the rows shown
    assert_eq!(s.on_key(key(KeyCode::Down)), MemberCommand::Redraw);
    let made = std::thread::spawn(move || first.run()).join().unwrap();
    s.on_derived(made);
    assert_eq!(s.current().table.len(), 3);
    // what arrived meanwhile is derived next
    let second = s.derivation().expect("the second answer");
    s.on_derived(second.run());
    assert_eq!(s.current().table.len(), 4);
    assert!(s.derivation().is_none(), "nothing left to derive");
}

#[test]
fn rows_made_away_keep_the_row_the_user_selected() {
    let mut s = state();
    s.show_tab(tab("hypertables"));
    s.on_result(hypertables(&["a", "b", "c"]));
    s.on_key(key(KeyCode::Down));
    let before = s.current().table.selected_row().map(|r| r.id().to_string());
    assert!(before.is_some());
    // a new answer adds a hypertable: the selection follows its row, not its place
    s.take_result(hypertables(&["0", "a", "b", "c"]));
    let derive = s.derivation().unwrap();
    s.on_derived(derive.run());
    let after = s.current().table.selected_row().map(|r| r.id().to_string());
    assert_eq!(after, before);
    assert_eq!(s.current().table.len(), 4);
}

#[test]
fn problems_are_derived_with_the_rows_and_a_failing_job_reaches_the_overview() {
    let mut s = state();
    let failing = crate::model::fixtures::job(1000, "policy_compression", Some("m"), 3, true);
    s.take_result(result(
        QueryKind::Jobs,
        None,
        Ok(Payload::Jobs(vec![failing])),
    ));
    assert!(s.data.problems.is_empty(), "not derived in the loop");
    let derive = s.derivation().unwrap();
    s.on_derived(derive.run());
    assert!(!s.data.problems.is_empty());
    // the overview's rows are the problems, made in the same derivation
    assert_eq!(s.current().table.len(), s.data.problems.len());
}
