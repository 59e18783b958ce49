//! Running the hypertop binary in a pseudo-terminal, to check what a user's terminal sees.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COLS: u16 = 100;
const ROWS: u16 = 30;

pub struct Pty {
    pub child: Child,
    size: (u16, u16),
    master: OwnedFd,
    slave: OwnedFd,
    output: Arc<Mutex<Vec<u8>>>,
}

fn openpty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: plain libc call with valid out-pointers.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // Not inherited by the child: a child holding the master would never see a hang-up.
    for fd in [master, slave] {
        // SAFETY: setting FD_CLOEXEC on descriptors we own.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: openpty returned two fresh descriptors we now own.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

impl Pty {
    /// Spawns `cmd` with the pty as its controlling terminal and stdin/stdout/stderr.
    pub fn spawn(cmd: Command) -> Pty {
        Pty::spawn_sized(cmd, COLS, ROWS)
    }

    /// As [`Pty::spawn`], on a terminal of `cols` x `rows`.
    pub fn spawn_sized(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let (master, slave) = openpty(cols, rows);
        let slave_fd = slave.as_raw_fd();
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap()))
            .env("TERM", "xterm-256color");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn in pty");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        let mut reader = std::fs::File::from(master.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            child,
            size: (cols, rows),
            master,
            slave,
            output,
        }
    }

    /// The terminal is resized, as a window or tmux pane is: the child gets SIGWINCH.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // what was drawn before is forgotten first: the frame after the resize is whole, and a
        // console quicker than this thread may draw it before the ioctl returns (cleared after,
        // a loaded run once lost that frame and timed out)
        self.output.lock().unwrap().clear();
        self.size = (cols, rows);
        // SAFETY: TIOCSWINSZ on our own master fd with a valid winsize.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(rc, 0, "TIOCSWINSZ failed");
    }

    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// The text on screen now, as a terminal would show it (escape sequences interpreted).
    pub fn screen(&self) -> String {
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(self.size.1), nz(self.size.0), 0);
        parser.process(&self.output.lock().unwrap());
        parser.screen().contents()
    }

    /// Waits until `needle` is visible on screen (or, for prompts before the TUI, in the output).
    pub fn wait_for_output(&self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while !self.screen().contains(needle) {
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {needle:?} on the terminal; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen satisfies `shows` (`what` names it in the failure).
    pub fn wait_until(&self, what: &str, limit: Duration, shows: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !shows(&self.screen()) {
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {what}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` has left the screen (a key was handled: a dialog closed). A lone Esc
    /// followed too soon by another key reads as Alt-key; waiting for its effect is what makes
    /// the next key a key of its own on a loaded machine, not a fixed pause.
    pub fn wait_until_gone(&self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while self.screen().contains(needle) {
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {needle:?} to leave the terminal; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `keys` and waits until `needle` is on screen.
    pub fn type_until(&self, keys: &[u8], needle: &str, limit: Duration) {
        self.write(keys);
        self.wait_for_output(needle, limit);
    }

    /// Esc, then waits until what it closes (`needle`) has left the screen, so the next key
    /// is a key of its own (see [`Pty::wait_until_gone`]).
    pub fn escape_from(&self, needle: &str, limit: Duration) {
        self.write(b"\x1b");
        self.wait_until_gone(needle, limit);
    }

    /// Opens what `keys` open (until `title` shows), waits for each of `shows` in it, and
    /// leaves it with Esc.
    pub fn visit(&self, keys: &[u8], title: &str, shows: &[&str], limit: Duration) {
        self.type_until(keys, title, limit);
        for needle in shows {
            self.wait_for_output(needle, limit);
        }
        self.escape_from(title, limit);
    }

    /// Whether the terminal echoes what is typed now (its line discipline's ECHO flag).
    pub fn echoes(&self) -> bool {
        // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr on our open fd.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut t) },
            0
        );
        t.c_lflag & libc::ECHO != 0
    }

    pub fn write(&self, bytes: &[u8]) {
        // SAFETY: writing a byte buffer to our own master fd.
        let n = unsafe { libc::write(self.master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n as usize, bytes.len());
    }

    pub fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain what is left.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "process did not exit within {limit:?}; terminal:\n{}",
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// True when the terminal is back in cooked mode: canonical input and echo on.
    pub fn is_cooked(&self) -> bool {
        // SAFETY: tcgetattr fills a zeroed termios for our own slave fd.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut t) };
        assert_eq!(rc, 0);
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }
}

impl Drop for Pty {
    /// A failed test must not leave the console running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts the program entered the alternate screen and left it again afterwards, showing the cursor.
pub fn assert_screen_restored(out: &str) {
    let entered = out
        .rfind("\x1b[?1049h")
        .expect("never entered the alternate screen");
    let left = out
        .rfind("\x1b[?1049l")
        .expect("never left the alternate screen");
    assert!(
        left > entered,
        "the alternate screen was not left after it was entered"
    );
    let shown = out.rfind("\x1b[?25h").expect("cursor never shown again");
    assert!(shown > entered, "cursor was not shown again");
}
