//! Enter on problems, drill-downs and the tabs they open: triage as the on-call does it.

//! From the overview to a problem's evidence and back, and from a job to who blocks it.

use super::*;
use crate::command::spec::family;
use crate::model::activity::Backend;
use crate::model::fixtures;
use crate::screens::tab;

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// A tab's read arriving, as the poller hands it over.
fn arrive(s: &mut AppState, kind: QueryKind, payload: Payload) {
    arrive_for(s, kind, None, payload);
}

/// A read for a target (a drill-down's) arriving.
fn arrive_for(s: &mut AppState, kind: QueryKind, target: Option<DrillTarget>, payload: Payload) {
    s.on_result(QueryResult {
        kind,
        target,
        result: Ok(payload),
        elapsed: Duration::ZERO,
        finished_at: Utc::now(),
    });
}

fn loaded() -> AppState {
    let mut s = AppState::new("t".into(), Duration::from_secs(2), true, false);
    s.data.caps = Some(fixtures::caps());
    for (kind, payload) in fixtures::plant() {
        arrive(&mut s, kind, payload);
    }
    s
}

/// Only the shown tab holds its rows: a tab left lets them go, data read while it is
/// hidden is there when it is shown again, and so are its sort and selected row.
#[test]
fn only_the_shown_tab_holds_rows() {
    let mut s = loaded();
    let (overview, hypertables) = (Tab::HOME, tab("hypertables"));
    let held = |s: &AppState| -> Vec<Tab> {
        Tab::all()
            .filter(|&t| s.view(t).table.total() > 0)
            .collect()
    };
    assert_eq!(held(&s), [overview]);
    s.switch_to(hypertables);
    s.settle();
    assert_eq!(held(&s), [hypertables]);
    let rows = s.current().table.total();
    s.on_key(key(KeyCode::Down));
    let selected = s.current().table.selected_row().unwrap().id().to_string();
    s.switch_to(overview);
    s.settle();
    assert_eq!(held(&s), [overview]);
    // a read while it is hidden: one hypertable more
    let mut more = s.data.hypertables.value().cloned().unwrap();
    more.push(hypertable_named("zz", "added"));
    arrive(&mut s, QueryKind::Catalog, Payload::Hypertables(more));
    assert_eq!(held(&s), [overview], "built only when shown");
    s.switch_to(hypertables);
    s.settle();
    let table = &s.current().table;
    assert_eq!(table.total(), rows + 1);
    assert_eq!(table.selected_row().unwrap().id(), selected);
}

/// A tab shown by a key is drawn at once, its rows made by the derivation (away from the loop
/// in the console): the key's frame does not wait for them, and says nothing of them meanwhile.
#[test]
fn a_tab_shown_by_a_key_gets_its_rows_from_the_derivation() {
    let mut s = loaded();
    let hypertables = tab("hypertables");
    s.on_key(key(KeyCode::Char('2')));
    assert_eq!(s.tab, hypertables);
    assert!(s.current().rows_pending());
    assert_eq!(s.current().table.total(), 0, "no rows built by the key");
    let derive = s.derivation().expect("the tab's rows are due");
    s.on_derived(std::thread::spawn(move || derive.run()).join().unwrap());
    assert!(!s.current().rows_pending());
    assert_eq!(
        s.current().table.total(),
        s.data.hypertables.value().unwrap().len()
    );
    // a read moving the shown tab's data: its rows stay on screen until the new ones come
    let more = s.data.hypertables.value().cloned().unwrap();
    s.take_result(QueryResult {
        kind: QueryKind::Catalog,
        target: None,
        result: Ok(Payload::Hypertables(more)),
        elapsed: Duration::ZERO,
        finished_at: Utc::now(),
    });
    assert!(
        !s.current().rows_pending(),
        "the tab said … at every refresh"
    );
    assert!(s.current().table.total() > 0);
}

/// A key in a dialog other than the palette makes no completion names: a problem's card
/// scrolled after each read made every name of the data again (tens of milliseconds a key at
/// the largest sizes); the palette still makes them when it wants them.
#[test]
fn only_the_palette_makes_completion_names() {
    let mut s = loaded();
    assert!(s.names.is_none());
    assert_eq!(
        s.on_key(key(KeyCode::Enter)),
        MemberCommand::Redraw,
        "the card"
    );
    assert!(matches!(s.modal, Modal::Message(_)));
    s.on_key(key(KeyCode::Down));
    assert!(s.names.is_none(), "a card's key made the names");
    s.on_key(key(KeyCode::Esc));
    s.on_key(key(KeyCode::Char(':')));
    s.on_key(key(KeyCode::Char('r')));
    assert!(s.names.is_some(), "the palette completes from them");
}

/// An index row holds no drill-down target: Enter finds its index when it is pressed,
/// a hypertable's index opens its chunk indexes and a plain table's opens nothing.
#[test]
fn enter_on_an_index_opens_its_chunk_indexes_found_when_pressed() {
    let mut s = loaded();
    let mut indexes = s.data.indexes.value().cloned().unwrap();
    let mut plain = indexes[0].clone();
    let listed = std::sync::Arc::make_mut(&mut plain.listed);
    (listed.name, listed.on_hypertable) = ("plain_idx".into(), false);
    indexes.push(plain);
    arrive(&mut s, QueryKind::Catalog, Payload::Indexes(indexes));
    s.switch_to(tab("indexes"));
    s.settle();
    let select = |s: &mut AppState, id: &str| {
        assert!(s.view_mut(tab("indexes")).table.select_id(id), "{id}");
    };
    select(&mut s, "telemetry.plain_idx");
    assert!(s.current().table.selected_row().unwrap().open().is_none());
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::None);
    assert!(s.current().drill.is_none());
    select(&mut s, "telemetry.readings_device_time_idx");
    assert!(s.current().table.selected_row().unwrap().open().is_none());
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
    let drill = s.current().drill.as_ref().expect("chunk indexes open");
    assert_eq!(drill.read().unwrap().0, QueryKind::IndexChunks);
    assert_eq!(
        drill.read().unwrap().1,
        &DrillTarget::Relation {
            schema: "telemetry".into(),
            name: "readings_device_time_idx".into()
        }
    );
    assert_eq!(
        drill.title,
        "Chunk indexes of telemetry.readings_device_time_idx"
    );
    // Enter inside the drill-down opens nothing more, even on a row whose id reads like
    // a hypertable index's
    let target = drill.read().unwrap().1.clone();
    let chunk_index = crate::model::indexes::ChunkIndex {
        name: "telemetry.readings_time_idx".into(),
        chunk: "_hyper_1_1_chunk".into(),
        valid: true,
        scans: 1,
        tuples_read: 1,
        size_bytes: Some(8192),
    };
    arrive_for(
        &mut s,
        QueryKind::IndexChunks,
        Some(target.clone()),
        Payload::IndexChunks(target, vec![chunk_index]),
    );
    let drill = s.current().drill.as_ref().unwrap();
    assert_eq!(drill.table.total(), 1, "the chunk index arrived");
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::None);
    assert_eq!(
        s.current().drill.as_ref().unwrap().read().unwrap().1,
        &DrillTarget::Relation {
            schema: "telemetry".into(),
            name: "readings_device_time_idx".into()
        }
    );
}

#[test]
fn results_taken_in_together_are_settled_into_problems_once() {
    use crate::model::fixtures::job;
    let mut s = loaded();
    let before = s.data.problems.len();
    let failing = |id| job(id, "policy_compression", Some("a"), 3, true);
    for jobs in [vec![failing(2001)], vec![failing(2001), failing(2002)]] {
        s.take_result(QueryResult {
            kind: QueryKind::Jobs,
            target: None,
            result: Ok(Payload::Jobs(jobs)),
            elapsed: Duration::ZERO,
            finished_at: Utc::now(),
        });
    }
    // taken in, not yet derived: the problems are those drawn last
    assert_eq!(s.data.problems.len(), before);
    assert!(s.settle());
    let failing: Vec<_> = s
        .data
        .problems
        .iter()
        .filter(|p| p.kind == crate::problems::ProblemKind::JobFailing)
        .collect();
    assert_eq!(failing.len(), 2, "{failing:?}");
    // nothing taken in since: nothing to derive
    assert!(!s.settle());
}

#[test]
fn enter_on_a_job_opens_its_runs_found_when_pressed() {
    use crate::model::fixtures::job;
    let mut s = loaded();
    let mut jobs = vec![job(1000, "policy_compression", Some("a"), 0, true)];
    jobs.push(job(1042, "policy_retention", Some("b"), 2, true));
    jobs[1].application_name = "Retention Policy [1042]".into();
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
    s.switch_to(tab("jobs"));
    s.settle();
    assert!(s.view_mut(tab("jobs")).table.select_id("1042"));
    assert!(s.current().table.selected_row().unwrap().open().is_none());
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
    let drill = s.current().drill.as_ref().expect("its runs open");
    assert_eq!(
        drill.read().unwrap(),
        (QueryKind::JobRuns, &DrillTarget::Job(1042))
    );
    assert_eq!(drill.title, "History of job 1042 (Retention Policy [1042])");
    // a job gone since its row was drawn opens nothing
    s.on_key(key(KeyCode::Esc));
    assert!(s.current().drill.is_none());
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(vec![]));
    assert_eq!(s.tab.screen().open_row(&s.data, "1042"), None);
}

fn hypertable_named(schema: &str, name: &str) -> crate::model::hypertables::Hypertable {
    let mut h = fixtures::hypertable(name, 3, 0, 3_000);
    h.schema = schema.into();
    h
}

/// Enter on a problem: its card first (its whole text, and what a second Enter does, which
/// names `then`), then that.
fn enter_through_card(s: &mut AppState, then: &str) -> MemberCommand {
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Redraw);
    let Modal::Message(card) = &s.modal else {
        panic!("no card");
    };
    let said = card
        .then
        .as_ref()
        .map(|t| t.what.clone())
        .unwrap_or_default();
    assert!(said.contains(then), "{said}");
    let opened = s.on_key(key(KeyCode::Enter));
    // what it opens is made by the derivation, as the console does after a key
    s.settle();
    opened
}

/// The card holds what the pane cuts: every line of the problem's text, its causes down to
/// the root; any other key closes it and stays on the list.
#[test]
fn enter_on_a_problem_shows_its_whole_text_first() {
    let mut s = loaded();
    let p = s.data.problems[0].clone();
    assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Redraw);
    let Modal::Message(card) = &s.modal else {
        panic!("no card");
    };
    assert_eq!(
        card.lines.join("\n"),
        crate::screens::overview::detail(&p),
        "the whole text"
    );
    assert!(card.title.contains(p.kind.as_str()), "{}", card.title);
    assert!(card.lines[0].contains(&p.message));
    s.on_key(key(KeyCode::Esc));
    assert!(matches!(s.modal, Modal::None));
    assert_eq!(s.tab, Tab::HOME);
    assert!(s.current().drill.is_none());
    // a refresh that re-ranks the list while the card is open: the second Enter still opens
    // the card's problem, not the row now first
    let second = s
        .data
        .problems
        .iter()
        .find(|q| Tab::explaining(q.kind) != Tab::explaining(p.kind) && q.action.is_none())
        .cloned()
        .expect("a problem explained on another tab");
    s.view_mut(Tab::HOME)
        .table
        .select_id(&crate::screens::overview::row_id(&second));
    s.on_key(key(KeyCode::Enter));
    s.view_mut(Tab::HOME).table.home();
    assert_eq!(
        s.on_key(key(KeyCode::Enter)),
        MemberCommand::Refresh,
        "opened"
    );
    assert_eq!(s.tab, Tab::explaining(second.kind), "{second:?}");
}

#[test]
fn enter_on_a_problem_opens_its_evidence_and_esc_comes_back() {
    let mut s = loaded();
    // The first problem is job 1000 failing: Enter opens its run history at once.
    assert_eq!(
        s.data.problems[0].kind,
        crate::problems::ProblemKind::JobFailing
    );
    assert_eq!(enter_through_card(&mut s, "Jobs"), MemberCommand::Refresh);
    assert_eq!(s.tab, tab("jobs"));
    let drill = s.current().drill.as_ref().expect("history open");
    assert_eq!(drill.read().unwrap().0, QueryKind::JobRuns);
    assert_eq!(drill.read().unwrap().1, &DrillTarget::Job(1000));
    // One Esc: back to the problems, not to the Jobs table.
    s.on_key(key(KeyCode::Esc));
    s.settle();
    assert_eq!(s.tab, Tab::HOME);
    // Retention overdue: the chunks the next run drops, filtered.
    let at = s
        .data
        .problems
        .iter()
        .position(|p| p.kind == crate::problems::ProblemKind::RetentionOverdue)
        .unwrap();
    for _ in 0..at {
        s.on_key(key(KeyCode::Down));
    }
    enter_through_card(&mut s, "Retention");
    assert_eq!(s.tab, tab("retention"));
    let drill = s.current().drill.as_ref().expect("chunks open");
    assert_eq!(drill.read().unwrap().0, QueryKind::Chunks);
    assert_eq!(drill.table.filter(), "overdue");
}

/// Jobs failing alike are one line; Enter shows them in the Jobs tab, filtered by their
/// error, and Esc clears the filter, then comes back.
#[test]
fn enter_on_jobs_failing_alike_filters_the_jobs_tab_by_their_error() {
    let mut s = loaded();
    let error = "cannot drop portal \"\" while it is being set up";
    let mut jobs = s.data.jobs.value().cloned().unwrap_or_default();
    let before = jobs.len();
    jobs.extend((0..crate::problems::FOLD_FROM as i32 + 2).map(|i| {
        let mut j = fixtures::job(3000 + i, "policy_retention", Some("r"), 1, true);
        j.last_error = Some(error.into());
        j
    }));
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
    let at = s
        .data
        .problems
        .iter()
        .position(|p| matches!(p.subject, crate::problems::Subject::Jobs { .. }))
        .expect("one folded problem");
    let id = crate::screens::overview::row_id(&s.data.problems[at]);
    s.view_mut(Tab::HOME).table.select_id(&id);
    assert_eq!(
        s.current().table.selected_row().map(|r| r.id().to_string()),
        Some(id),
        "problem {at} is selected by its error"
    );
    assert_eq!(
        enter_through_card(&mut s, "filtered by this error"),
        MemberCommand::Refresh
    );
    assert_eq!(s.tab, tab("jobs"));
    let table = &s.current().table;
    assert_eq!(table.filter(), error);
    assert_eq!(table.len(), crate::problems::FOLD_FROM + 2);
    assert_eq!(table.total(), before + crate::problems::FOLD_FROM + 2);
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.tab, tab("jobs"));
    assert_eq!(
        s.current().table.filter(),
        "",
        "the first Esc clears the filter"
    );
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.tab, Tab::HOME, "the second comes back");
}

/// A fold with no error to filter by (jobs overdue alike) opens onto its members, one by
/// one as the list would show each, in place of the panel; Enter on one shows its job, Esc
/// comes back to them, a read refills them (those that joined too), fewer than FOLD_FROM
/// are still listed, and none left says so.
#[test]
fn enter_on_jobs_overdue_alike_lists_them_one_by_one() {
    let mut s = loaded();
    let mut summary = s.data.summary.value().cloned().unwrap();
    summary.scheduler_running = false;
    arrive(&mut s, QueryKind::Summary, Payload::Summary(summary));
    let mut jobs = s.data.jobs.value().cloned().unwrap_or_default();
    let late = |id: i32| {
        let mut j = fixtures::job(id, "policy_retention", Some("r"), 0, true);
        j.next_start = Some(Utc::now() - chrono::Duration::hours(1));
        j
    };
    jobs.extend((0..crate::problems::FOLD_FROM as i32).map(|i| late(3000 + i)));
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
    let fold = s
        .data
        .problems
        .iter()
        .find(|p| p.kind == crate::problems::ProblemKind::JobOverdue && p.subject.count() > 1)
        .expect("one overdue fold");
    assert!(fold.chain[0].contains("jobs alike: job "), "{fold:?}");
    let first_job = crate::screens::row_id::subject(&fold.subject);
    let fold_id = fold.fold_id().expect("a fold");
    let id = crate::screens::overview::row_id(fold);
    assert!(s.view_mut(Tab::HOME).table.select_id(&id), "{id}");
    assert_eq!(
        enter_through_card(&mut s, "one by one"),
        MemberCommand::Redraw
    );
    assert_eq!(s.tab, Tab::HOME);
    let drill = s.current().drill.as_ref().expect("its members open");
    assert_eq!(drill.of, DrillOf::Members(fold_id));
    assert_eq!(drill.title, "10 jobs: job overdue");
    assert_eq!(drill.state.status(), Standing::Ready);
    let ids = |s: &AppState| -> Vec<String> {
        let d = s.current().drill.as_ref().unwrap();
        d.table.visible().map(|r| r.id().to_string()).collect()
    };
    let listed = ids(&s);
    assert_eq!(listed.len(), crate::problems::FOLD_FROM, "{listed:?}");
    assert!(
        listed.iter().all(|i| i.starts_with("job overdue:job 30")),
        "{listed:?}"
    );
    assert!(
        s.wanted().iter().all(|(_, target)| target.is_none()),
        "nothing to read for it"
    );
    // a member opens its job's row, and Esc comes back to the members
    s.view_mut(Tab::HOME)
        .drill
        .as_mut()
        .unwrap()
        .table
        .select_id(&listed[0]);
    assert_eq!(enter_through_card(&mut s, "Jobs"), MemberCommand::Refresh);
    assert_eq!(s.tab, tab("jobs"));
    assert_eq!(
        s.current().table.selected_row().map(|r| r.id().to_string()),
        Some(first_job)
    );
    assert!(
        s.current().drill.is_some(),
        "with its history, the evidence"
    );
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.tab, Tab::HOME);
    assert!(s.current().drill.is_some(), "back to the members");
    // one more joins: the next read lists it
    jobs.push(late(2999));
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
    assert_eq!(ids(&s).len(), crate::problems::FOLD_FROM + 1);
    assert_eq!(
        s.current().drill.as_ref().unwrap().title,
        "11 jobs: job overdue"
    );
    // fewer than FOLD_FROM: no fold, its jobs still listed here, and said so
    jobs.retain(|j| j.job_id < 2999 || j.job_id > 3004);
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
    assert_eq!(ids(&s).len(), 5);
    assert_eq!(
        s.current().drill.as_ref().unwrap().title,
        "5 jobs: job overdue (no longer folded)"
    );
    // none left
    jobs.retain(|j| j.job_id < 2999);
    arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
    let d = s.current().drill.as_ref().unwrap();
    assert!(
        matches!(d.state.status(), Standing::Unavailable(why) if why.contains("No longer")),
        "{:?}",
        d.state.status()
    );
    s.on_key(key(KeyCode::Esc));
    assert!(s.current().drill.is_none());
}

#[test]
fn enter_on_an_advice_puts_its_command_in_the_palette() {
    let mut s = loaded();
    let mut rows = s.data.compression.value().cloned().unwrap_or_default();
    rows[0].uncompressed_between = 2;
    let name = crate::format::qualified_escaped(&rows[0].schema, &rows[0].name);
    s.data.apply(
        QueryKind::Catalog,
        Ok(Payload::Compression(rows)),
        Utc::now(),
        Duration::ZERO,
    );
    s.data.update_problems(&s.thresholds, Utc::now());
    let at = s
        .data
        .problems
        .iter()
        .position(|p| p.kind == crate::problems::ProblemKind::NotRecompressed)
        .expect("the advice");
    s.views[0]
        .table
        .set_rows(crate::screens::overview::rows(&s.data.problems));
    for _ in 0..at {
        s.on_key(key(KeyCode::Down));
    }
    assert_eq!(
        enter_through_card(&mut s, "the command in the palette: compress"),
        MemberCommand::Redraw
    );
    let Modal::Palette(p) = &s.modal else {
        panic!("no palette");
    };
    assert_eq!(p.line(), format!("compress {name}"));
    assert_eq!(s.tab, Tab::HOME, "it stays on the overview");
}

#[test]
fn b_on_a_job_shows_the_sessions_that_block_it() {
    let mut s = loaded();
    let now = Utc::now();
    let session = |pid, blocked_by: Vec<i32>, job_id| Backend {
        pid,
        database: Some("metrics".into()),
        username: Some("app".into()),
        application: Some("psql".into()),
        client: None,
        backend_type: "client backend".into(),
        state: Some("idle in transaction".into()),
        wait_event_type: None,
        wait_event: None,
        backend_start: None,
        xact_start: None,
        query_start: None,
        state_change: Some(now),
        query: Some("LOCK telemetry.readings".into()),
        blocked_by,
        waiting_for: vec!["telemetry.readings".into()],
        job_id,
        server_now: now,
    };
    s.on_result(QueryResult {
        kind: QueryKind::Activity,
        target: None,
        result: Ok(Payload::Activity(vec![
            session(10, vec![], None),
            session(20, vec![10], Some(1000)),
            session(30, vec![], None),
        ])),
        elapsed: Duration::ZERO,
        finished_at: now,
    });
    s.on_key(key(KeyCode::Char('6')));
    s.settle();
    s.view_mut(tab("jobs")).table.select_id("1000");
    assert_eq!(s.on_key(key(KeyCode::Char('B'))), MemberCommand::Refresh);
    assert_eq!(s.tab, tab("activity"));
    let t = &s.current().table;
    assert_eq!(t.filter(), "→job 1000");
    assert_eq!(t.len(), 1, "only the blocker");
    assert_eq!(t.selected_row().unwrap().id(), "10");
    // The Activity tab's keys cancel or terminate the selected session.
    assert!(matches!(
        s.on_key(key(KeyCode::Char('T'))),
        MemberCommand::Action(ModalCommand::Plan(Action::Sessions(
            family::Sessions::TerminateBackend { pid: 10 }
        )))
    ));
    s.modal = Modal::None;
    // Esc: back where B was pressed.
    s.on_key(key(KeyCode::Esc));
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.tab, tab("jobs"));
}

/// `--open jobs:1000` (an alert's annotation): the Jobs tab at once, and once its rows are in,
/// job 1000 selected with its history open; a name the tab does not have is said, and
/// nonsense is refused before anything starts.
#[test]
fn open_at_starts_on_its_tab_with_its_row_open() {
    use crate::screens::OpenAt;
    let mut s = AppState::new("t".into(), Duration::from_secs(2), true, false);
    s.data.caps = Some(fixtures::caps());
    s.open_at("jobs:1000".parse().unwrap());
    assert_eq!(s.tab, tab("jobs"));
    assert_eq!(s.open_pending(), None, "its rows are not in yet");
    for (kind, payload) in fixtures::plant() {
        arrive(&mut s, kind, payload);
    }
    assert_eq!(s.open_pending(), Some(MemberCommand::Refresh));
    assert_eq!(
        s.current().table.selected_row().map(|r| r.id().to_string()),
        Some("1000".into())
    );
    let drill = s.current().drill.as_ref().expect("its history open");
    assert_eq!(drill.read().unwrap().1, &DrillTarget::Job(1000));
    assert_eq!(s.open_pending(), None, "once");
    // a relation by its name, quoted or not; one that is not there is said
    let mut s = loaded();
    let h = s.data.hypertables.rows()[0].clone();
    s.open_at(
        format!("hypertables:{}.{}", h.schema, h.name)
            .parse()
            .unwrap(),
    );
    s.settle();
    assert_eq!(s.open_pending(), Some(MemberCommand::Refresh));
    assert!(s.current().drill.is_some(), "its chunks open");
    let mut s = loaded();
    s.open_at("caggs:nowhere.nothing".parse().unwrap());
    s.settle();
    assert_eq!(s.open_pending(), Some(MemberCommand::Redraw));
    let Modal::Message(m) = &s.modal else {
        panic!("not said");
    };
    assert!(
        m.lines[0].contains("no row \"nowhere.nothing\""),
        "{:?}",
        m.lines
    );
    // refused before anything starts
    let err = "nonsense:1".parse::<OpenAt>().unwrap_err();
    assert!(
        err.contains("no tab named \"nonsense\"") && err.contains("jobs"),
        "{err}"
    );
    assert!("jobs:"
        .parse::<OpenAt>()
        .unwrap_err()
        .contains("nothing after"));
    // as check prints it: a shell reads a hostile name back as one word
    let hostile: OpenAt = "caggs:\"it's; rm -rf ~\".m".parse().unwrap();
    assert_eq!(hostile.shell_word(), "'caggs:\"it'\\''s; rm -rf ~\".m'");
    assert_eq!(
        "jobs:1004".parse::<OpenAt>().unwrap().shell_word(),
        "jobs:1004"
    );
    assert_eq!(
        "caggs".parse::<OpenAt>(),
        Ok(OpenAt {
            tab: tab("caggs"),
            object: None
        })
    );
}
