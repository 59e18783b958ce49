use chrono::TimeZone;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn at(min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, min, 0).unwrap()
}

/// A frame as `recorder::frame_of` stores one: JSON sections, then the text form's blocks.
fn frame(min: u32, jobs: &str) -> Frame {
    Frame {
        at: at(min),
        sections: vec![
            ("json:jobs".into(), "[]".into()),
            (
                "text:000".into(),
                "== server\nPostgreSQL 17.5 · TimescaleDB 2.23\n\n".into(),
            ),
            ("text:001".into(), format!("== jobs\nID  NAME\n{jobs}\n\n")),
            (
                "text:002".into(),
                "== problems\nCRITICAL failing job \x1b]0;pwned\x07 — fails\n".into(),
            ),
        ],
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn replay() -> Replay {
    let times = [0, 1, 2, 12, 40, 59].map(at).to_vec();
    Replay::new("db".into(), times, frame(2, "7   nightly"))
}

#[test]
fn each_heading_of_the_text_form_is_a_tab_and_what_the_database_wrote_is_escaped() {
    let s = sections_of(&frame(0, "7   nightly"));
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["server", "jobs", "problems"]);
    assert_eq!(s[1].lines, ["ID  NAME", "7   nightly"]);
    assert!(!s[2].lines[0].contains('\x1b'), "{:?}", s[2].lines);
    // a frame without a text form still shows something to read
    let bare = Frame {
        at: at(0),
        sections: vec![("json:jobs".into(), "[]".into())],
    };
    assert_eq!(sections_of(&bare)[0].name, "read");
}

#[test]
fn keys_step_a_read_ten_minutes_or_an_hour_and_stop_at_the_ends() {
    let mut r = replay();
    assert_eq!(r.index, 2);
    assert_eq!(
        r.key(key(KeyCode::Char('.')), 10),
        Some(Effect::Load(at(12)))
    );
    // a read under way: keys move on, one read at a time
    assert_eq!(r.key(key(KeyCode::Char('>')), 10), None);
    assert_eq!(
        r.index, 4,
        "ten minutes after 03:12: the first read from 03:22"
    );
    // the 03:12 read arrives while 03:40 is wanted: asked again
    assert_eq!(
        r.loaded(r.times.clone(), Ok(Some(frame(12, "7 x")))),
        Some(Effect::Load(at(40)))
    );
    assert_eq!(r.loaded(r.times.clone(), Ok(Some(frame(40, "7 y")))), None);
    assert_eq!(r.shown.at, at(40));
    assert_eq!(
        r.key(key(KeyCode::Char('[')), 10),
        Some(Effect::Load(at(0)))
    );
    r.loaded(r.times.clone(), Ok(Some(frame(0, "7 z"))));
    // the first read: said, and nothing asked
    assert_eq!(r.key(key(KeyCode::Char(',')), 10), None);
    assert_eq!(r.note.as_deref(), Some("the first recorded read"));
    // the latest: asked again, for what a recorder wrote since
    assert_eq!(
        r.key(key(KeyCode::Char(']')), 10),
        Some(Effect::Load(at(59)))
    );
    let mut more = r.times.clone();
    more.push(at(59) + chrono::Duration::minutes(1));
    r.loaded(more, Ok(Some(frame(59, "7 w"))));
    assert_eq!(
        r.key(key(KeyCode::Char('.')), 10),
        Some(Effect::Load(at(59) + chrono::Duration::minutes(1)))
    );
    assert_eq!(r.key(key(KeyCode::Char('q')), 10), Some(Effect::Quit));
}

#[test]
fn the_tab_is_kept_across_reads_and_scrolling_stays_within_the_text() {
    let mut r = replay();
    r.key(key(KeyCode::Tab), 10);
    assert_eq!(r.section().name, "jobs");
    r.key(key(KeyCode::End), 1);
    assert_eq!(r.top, 1);
    r.key(key(KeyCode::Down), 1);
    assert_eq!(r.top, 1, "not past the last line");
    r.key(key(KeyCode::Char('.')), 10);
    r.loaded(r.times.clone(), Ok(Some(frame(12, "8   hourly"))));
    assert_eq!(r.section().name, "jobs");
    assert_eq!(r.section().lines[1], "8   hourly");
    r.key(key(KeyCode::Char('3')), 10);
    assert_eq!(r.section().name, "problems");
    r.key(key(KeyCode::Char('9')), 10);
    assert_eq!(r.section().name, "problems", "no ninth tab: unchanged");
    // a read gone (pruned) or a store that fails: said, the shown read kept
    r.key(key(KeyCode::Char(',')), 10);
    r.loaded(vec![at(12), at(40)], Ok(None));
    assert_eq!(r.shown.at, at(12));
    assert!(r.note.as_deref().unwrap().contains("no longer"));
}

#[test]
fn an_80_by_24_screen_says_when_it_was_recorded_and_shows_the_section() {
    let mut r = replay();
    r.key(key(KeyCode::Tab), 10);
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut t = ratatui::Terminal::new(backend).unwrap();
    t.draw(|f| draw::draw(f, &r, &crate::theme::Theme::mono()))
        .unwrap();
    let screen: String = t
        .backend()
        .buffer()
        .content()
        .chunks(80)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(
        screen.contains("recorded at 2026-11-27 03:02:00 UTC"),
        "{screen}"
    );
    assert!(screen.contains("7   nightly"), "{screen}");
    assert!(screen.contains("read 3 of 6"), "{screen}");
}
