//! The terminal is restored on every exit path: quit, panic, SIGTERM, SIGHUP.

use std::process::Command;
use std::time::Duration;

use crate::engines::{engine, native, ClusterOptions, PrivateCluster};
use crate::pty::{assert_screen_restored, Pty};

fn console() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(engine().conninfo()).arg("--refresh").arg("1");
    cmd
}

/// Presses `q` and checks the clean exit and the restored terminal.
fn quit_and_check(pty: &mut Pty) {
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
    assert!(pty.is_cooked(), "raw mode must be switched off");
}

/// Opens the console, waits for data and `expect`, then quits with `q`.
fn opens_and_quits(conninfo: &str, expect: &str) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(conninfo);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output(expect, Duration::from_secs(20));
    pty.wait_for_output("refreshed", Duration::from_secs(20));
    quit_and_check(&mut pty);
}

#[test]
fn opens_on_native_postgres_and_over_verified_tls() {
    opens_and_quits(
        &native().conninfo(),
        crate::engines::native_timescaledb_note(),
    );
    let (cluster, tls) = PrivateCluster::create(ClusterOptions {
        tls: true,
        password_user: false,
    });
    let conninfo = format!(
        "host=localhost port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
        cluster.port,
        tls.unwrap().ca.display()
    );
    opens_and_quits(&conninfo, "TLS on");
}

#[test]
fn shows_the_outage_and_recovers_when_the_server_comes_back() {
    let cluster = PrivateCluster::plain();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(cluster.admin_conninfo()).args(["--refresh", "1"]);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output("refreshed", Duration::from_secs(20));
    cluster.stop();
    pty.wait_for_output("retrying in", Duration::from_secs(20));
    assert!(pty.screen().contains("disconnected"), "{}", pty.screen());
    cluster.start();
    // After the restart the status line says connected again.
    pty.wait_for_output(" connected ", Duration::from_secs(40));
    quit_and_check(&mut pty);
}

#[test]
fn quit_key_shows_data_and_restores_the_terminal() {
    let mut pty = Pty::spawn(console());
    pty.wait_for_output("TimescaleDB", Duration::from_secs(20));
    pty.wait_for_output("refreshed", Duration::from_secs(20));
    pty.write(b"?");
    pty.wait_for_output("Esc ? or Enter closes", Duration::from_secs(5));
    quit_and_check(&mut pty);
}

#[test]
fn panic_restores_the_terminal() {
    let mut cmd = console();
    cmd.env("HYPERTOP_TEST_PANIC_AFTER_DRAW", "1");
    let mut pty = Pty::spawn(cmd);
    let status = pty.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(101));
    let out = pty.output();
    assert_screen_restored(&out);
    assert!(out.contains("the terminal has been restored"), "{out}");
    assert!(
        pty.is_cooked(),
        "raw mode must be switched off after a panic"
    );
}

fn signal_restores(sig: i32) {
    let mut pty = Pty::spawn(console());
    pty.wait_for_output("refreshed", Duration::from_secs(20));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(pty.child.id() as i32, sig) };
    let status = pty.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(128 + sig));
    assert_screen_restored(&pty.output());
    assert!(pty.is_cooked());
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores(libc::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores(libc::SIGHUP);
}

/// While it connects the console is never a blank terminal: it says where it connects and how
/// long it may wait, then, when the server never answers, why it gave up.
#[test]
fn connecting_says_where_and_for_how_long() {
    let port = crate::engines::silent_server();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(format!(
        "host=127.0.0.1 port={port} user=x dbname=x sslmode=disable connect_timeout=3"
    ));
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output(
        &format!("connecting to host=127.0.0.1 port={port}"),
        Duration::from_secs(1),
    );
    assert!(pty.output().contains("(timeout 3 s)"), "{}", pty.output());
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(2));
    assert!(
        pty.output().contains("timed out after 3s"),
        "{}",
        pty.output()
    );
}

/// On a real terminal of 40x10 the overview still shows its top problem under the server
/// panel; at 80x24 the footer keeps the link's word whole and the header never cuts a version.
#[test]
fn small_terminals_keep_what_matters() {
    let console = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
        cmd.arg(crate::engines::scenario().conninfo());
        cmd
    };
    let mut pty = Pty::spawn_sized(console(), 40, 10);
    pty.wait_for_output("Problems (", Duration::from_secs(20));
    pty.wait_for_output("CRIT", Duration::from_secs(20));
    let screen = pty.screen();
    let below = screen.split("Problems (").nth(1).unwrap_or_default();
    assert!(
        below.contains("CRIT") || below.contains("WARN"),
        "a problem row under the panel:\n{screen}"
    );
    quit_and_check(&mut pty);

    let mut pty = Pty::spawn_sized(console(), 80, 24);
    // a full read in: the footer then gives its time (at 80 columns without the word)
    pty.wait_for_output("CRIT", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(500));
    let screen = pty.screen();
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines.first().copied().unwrap_or_default().trim_end();
    let version = header.rsplit(' ').next().unwrap_or_default();
    assert!(
        version.split('.').count() >= 3 && version.split('.').all(|p| !p.is_empty()),
        "the header ends with a whole version: {header:?}"
    );
    let footer = lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .copied()
        .unwrap_or_default();
    assert!(footer.contains("connected "), "{footer:?}");
    let clock = footer.split_whitespace().any(|w| {
        w.len() == 8 && w.split(':').count() == 3 && w.split(':').all(|p| p.parse::<u8>().is_ok())
    });
    assert!(
        clock,
        "the footer gives the last refresh's time whole: {footer:?}"
    );
    quit_and_check(&mut pty);
}
