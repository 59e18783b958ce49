//! Entering and leaving the full-screen terminal. Restoring is idempotent and happens on every
//! exit path: normal quit (guard drop), errors (guard drop), panics (hook), signals (the event
//! loop breaks and the guard drops).

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::Terminal;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Puts the terminal back: cooked mode, main screen, visible cursor. Safe to call repeatedly,
/// and errors are ignored (after SIGHUP the terminal may already be gone).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let mut out = io::stdout();
        let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = out.flush();
    }
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let was_active = ACTIVE.load(Ordering::SeqCst);
            restore();
            previous(info);
            if was_active {
                // A panic on any thread leaves the UI unusable: exit instead of drawing on.
                eprintln!("hypertop: internal error; the terminal has been restored");
                std::process::exit(101);
            }
        }));
    });
}

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// The open full-screen terminal; dropping it restores the terminal.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn enter() -> io::Result<TerminalGuard> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
        restore();
        return Err(e);
    }
    // A fixed viewport, resized on the terminal's resize events: a full-screen one asks the
    // terminal its size at every frame (an ioctl a frame, a good part of an idle console's CPU).
    let made = terminal::size().and_then(|(width, height)| {
        Terminal::with_options(
            CrosstermBackend::new(out),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, width, height)),
            },
        )
    });
    match made {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

impl TerminalGuard {
    /// The terminal is now `width` x `height`: the next frame is drawn whole at that size.
    pub fn resize(&mut self, width: u16, height: u16) -> io::Result<()> {
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, width, height))
    }
}

/// What one key does to a password being typed.
#[derive(Debug, PartialEq)]
enum Typed {
    More,
    Done,
    Cancelled,
}

/// Line editing for a password typed without echo: Enter ends it (Ctrl-D too, as at a shell
/// prompt), Ctrl-C cancels, Backspace removes one character (all of its UTF-8 bytes), Ctrl-U
/// clears.
fn type_password_key(password: &mut Vec<u8>, byte: u8) -> Typed {
    match byte {
        b'\r' | b'\n' | 0x04 => return Typed::Done,
        0x03 => return Typed::Cancelled,
        0x7f | 0x08 => while password.pop().is_some_and(|b| b & 0xc0 == 0x80) {},
        0x15 => password.clear(),
        b => password.push(b),
    }
    Typed::More
}

/// A password typed at the prompt: its `Debug` does not print it (a logged error or a dumped
/// value never shows it).
pub struct Password(String);

impl Password {
    /// The password itself, for the connection settings.
    pub fn into_text(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Asks for a password on the controlling terminal, as psql does: echo is turned off *before*
/// the prompt is shown (a library that printed the prompt first echoed a password typed as the
/// prompt appeared), and the terminal's settings come back however the prompt ends. Ctrl-C
/// cancels (an `Interrupted` error) instead of killing the process with echo still off.
pub fn prompt_password(prompt: &str) -> io::Result<Password> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, SpecialCodeIndex};
    use std::io::Read;

    /// Puts the terminal's settings back when dropped, however the prompt ends.
    struct Restore<'a>(&'a std::fs::File, rustix::termios::Termios);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let _ = tcsetattr(self.0, OptionalActions::Now, &self.1);
        }
    }

    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let saved = tcgetattr(&tty)?;
    let mut quiet = saved.clone();
    quiet.local_modes &=
        !(LocalModes::ECHO | LocalModes::ECHONL | LocalModes::ICANON | LocalModes::ISIG);
    quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
    quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
    // Now (TCSANOW): what was typed ahead is kept, as psql keeps it.
    tcsetattr(&tty, OptionalActions::Now, &quiet)?;
    let _restore = Restore(&tty, saved);
    let mut tty = &tty;
    tty.write_all(prompt.as_bytes())?;
    tty.flush()?;
    let mut password = Vec::new();
    let mut byte = [0u8; 1];
    let typed = loop {
        if tty.read(&mut byte)? == 0 {
            break Typed::Done;
        }
        match type_password_key(&mut password, byte[0]) {
            Typed::More => continue,
            end => break end,
        }
    };
    tty.write_all(b"\r\n")?;
    if typed == Typed::Cancelled {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the password prompt was cancelled",
        ));
    }
    String::from_utf8(password)
        .map(Password)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the password is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[u8]) -> (Vec<u8>, Typed) {
        let mut password = Vec::new();
        for &k in keys {
            match type_password_key(&mut password, k) {
                Typed::More => {}
                end => return (password, end),
            }
        }
        (password, Typed::More)
    }

    #[test]
    fn a_password_is_edited_like_a_terminal_line() {
        assert_eq!(typed(b"secret\r"), (b"secret".to_vec(), Typed::Done));
        assert_eq!(typed(b"secrex\x7ft\n"), (b"secret".to_vec(), Typed::Done));
        // Backspace removes a whole character, not one byte of it.
        assert_eq!(
            typed("pé\x7f\x7fok\r".as_bytes()),
            (b"ok".to_vec(), Typed::Done)
        );
        assert_eq!(
            typed(b"wrong\x15right\x04"),
            (b"right".to_vec(), Typed::Done)
        );
        assert_eq!(typed(b"\x7f\x7f\r"), (vec![], Typed::Done));
        assert_eq!(typed(b"half\x03more\r").1, Typed::Cancelled);
    }
}
