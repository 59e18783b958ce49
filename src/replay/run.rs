//! The replay's loop: the terminal, keys and signals, and the recording read on a thread of its
//! own, one read at a time, so that a large read never holds a key back.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::signal::unix::{signal, SignalKind};

use super::{draw, Effect, Replay};
use crate::console::Exit;
use crate::recording::error::RecordError;
use crate::recording::source::Source;
use crate::recording::store::Frame;
use crate::theme::Theme;

type Read = (Vec<DateTime<Utc>>, Result<Option<Frame>, RecordError>);

pub async fn run(store: Source, mut replay: Replay, theme: Theme) -> anyhow::Result<Exit> {
    // signals first: if registering fails the terminal is untouched
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let (ask, asked) = std::sync::mpsc::channel::<DateTime<Utc>>();
    let (read_tx, mut read) = tokio::sync::mpsc::unbounded_channel::<Read>();
    std::thread::Builder::new()
        .name("replay-read".into())
        .spawn(move || {
            while let Ok(at) = asked.recv() {
                // the list again: a recorder may have written, or pruned, since
                let times = store.times().unwrap_or_default();
                if read_tx.send((times, store.at_or_before(at))).is_err() {
                    break;
                }
            }
        })?;
    let mut guard = crate::terminal::enter().map_err(|e| {
        anyhow::anyhow!("cannot open the terminal: {e} (scripts can use hypertop snapshot --at)")
    })?;
    let mut height = ratatui::crossterm::terminal::size().map_or(24, |(_, h)| h);
    let mut input = EventStream::new();
    let exit = loop {
        guard.terminal.draw(|f| draw::draw(f, &replay, &theme))?;
        let effect = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    replay.key(key, draw::page(height))
                }
                Some(Ok(Event::Resize(..))) => {
                    let (w, h) = ratatui::crossterm::terminal::size()?;
                    height = h;
                    guard.resize(w, h)?;
                    None
                }
                Some(Ok(_)) => None,
                // the terminal is gone (SSH dropped without a SIGHUP)
                Some(Err(_)) | None => break Exit::Signal(libc::SIGHUP),
            },
            Some((times, frame)) = read.recv() => replay.loaded(times, frame),
            _ = sigterm.recv() => break Exit::Signal(libc::SIGTERM),
            _ = sighup.recv() => break Exit::Signal(libc::SIGHUP),
            _ = sigint.recv() => break Exit::Signal(libc::SIGINT),
        };
        match effect {
            Some(Effect::Quit) => break Exit::Quit,
            Some(Effect::Load(at)) => {
                // the reader ends only with this loop
                let _ = ask.send(at);
            }
            None => {}
        }
    };
    drop(guard);
    Ok(exit)
}
