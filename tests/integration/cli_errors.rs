//! Each connection failure prints one clear line and exits 2 before any TUI opens.

use std::process::{Command, Output};

use crate::engines::{engine, free_port, native, ClusterOptions, PrivateCluster};

fn hypertop(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("HOME", "/nonexistent-hypertop-home");
    for (k, v) in env {
        cmd.env(k, v);
    }
    // setsid: no controlling terminal, so no password prompt can appear.
    cmd.stdin(std::process::Stdio::null());
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.output().expect("run hypertop")
}

fn assert_fails(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.starts_with("hypertop: "), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "expected {n:?} in: {stderr}");
    }
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"),
        "the TUI must not open"
    );
}

#[test]
fn refused_port() {
    let port = free_port().to_string();
    let out = hypertop(&["-h", "127.0.0.1", "-p", &port, "-U", "postgres"], &[]);
    assert_fails(
        &out,
        &[
            "connection refused",
            &format!("port={port}"),
            "hint:",
            "accepting TCP/IP connections",
        ],
    );
}

#[test]
fn unknown_host() {
    let out = hypertop(&["postgres://u@no-such-host.invalid/db"], &[]);
    assert_fails(
        &out,
        &[
            "could not translate host name \"no-such-host.invalid\"",
            "host=no-such-host.invalid",
            "hint:",
        ],
    );
}

#[test]
fn bad_conninfo_syntax() {
    let out = hypertop(&["host='unterminated"], &[]);
    assert_fails(
        &out,
        &["invalid connection settings", "unterminated quoted string"],
    );
    let out = hypertop(&["host=x nonsense=1"], &[]);
    assert_fails(&out, &["invalid connection option \"nonsense\""]);
    let out = hypertop(&["-h", "127.0.0.1"], &[("PGSSLMODE", "sometimes")]);
    assert_fails(&out, &["invalid sslmode value"]);
}

#[test]
fn missing_database() {
    let out = hypertop(
        &[&format!("{} dbname=hypertop_no_such_db", native().base)],
        &[],
    );
    assert_fails(
        &out,
        &[
            "database \"hypertop_no_such_db\" does not exist",
            "hint: check the database name",
        ],
    );
}

#[test]
fn password_errors_name_their_source() {
    let (cluster, _) = PrivateCluster::create(ClusterOptions {
        tls: false,
        password_user: true,
    });
    let port = cluster.port.to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "pwuser",
        "-d",
        "postgres",
    ];

    let out = hypertop(&base, &[("PGPASSWORD", "wrong")]);
    assert_fails(
        &out,
        &[
            "password authentication failed for user \"pwuser\"",
            "hint: the password came from PGPASSWORD",
        ],
    );

    let out = hypertop(&base, &[]);
    assert_fails(&out, &["requires a password and none was given", "hint:"]);

    // ~/.pgpass with loose permissions is ignored with a warning; at 0600 it is used.
    let home = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{port}:*:pwuser:wrong-from-file\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let home_s = home.path().to_str().unwrap();
    let out = hypertop(&base, &[("HOME", home_s)]);
    assert_fails(&out, &["password authentication failed", ".pgpass"]);
}

#[test]
fn tls_required_by_client_but_not_offered_by_server() {
    // The TimescaleDB engine answers 'N' to SSLRequest.
    let conninfo = format!(
        "host=127.0.0.1 port={} user=postgres sslmode=require",
        engine().port
    );
    let out = hypertop(&[&conninfo], &[]);
    assert_fails(&out, &["does not support SSL", "sslmode=require"]);
}

#[test]
fn help_documents_connection_options() {
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--host",
        "--port",
        "--username",
        "--dbname",
        "--refresh",
        "--statement-timeout",
        "--read-only",
        "PGPASSFILE",
        "PGSERVICE",
        "CONNINFO",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn broken_theme_is_reported_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("hypertop/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(
        themes.join("light.toml"),
        "[selection]\nbg = \"not-a-colour\"\n",
    )
    .unwrap();
    let config = dir.path().to_str().unwrap();
    // The user's broken override of a built-in name, named with its file.
    let out = hypertop(
        &["--theme", "light", "-p", "1"],
        &[("XDG_CONFIG_HOME", config)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown colour \"not-a-colour\"") && stderr.contains("light.toml"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"),
        "the TUI must not open"
    );
    let out = hypertop(&["--theme", "neon"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown theme \"neon\"") && stderr.contains("high-contrast"),
        "{stderr}"
    );
}

#[test]
fn durations_that_mean_something_else_are_refused_before_anything_opens() {
    // A profile's refresh = "0s" panicked at start; a lock timeout of 0 ms means "wait forever".
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("hypertop");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("config.toml"),
        "[profiles.zero]\nrefresh = \"0s\"\n[profiles.forever]\nlock_timeout = \"500us\"\n",
    )
    .unwrap();
    let config = dir.path().to_str().unwrap();
    for (profile, needle) in [("zero", "refresh"), ("forever", "lock_timeout")] {
        let out = hypertop(
            &["--profile", profile, "-p", "1"],
            &[("XDG_CONFIG_HOME", config)],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{profile}: {stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("too short"),
            "{profile}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = hypertop(&["run", "pause-job 1", "--lock-timeout", "1ns"], &[]);
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("too short"));
}

/// A server that accepts and never answers (a frozen host): connect_timeout bounds the whole
/// attempt on its one address, as libpq's does — 2 s, not twice that.
#[test]
fn a_server_that_never_answers_fails_after_connect_timeout() {
    let port = crate::engines::silent_server();
    let started = std::time::Instant::now();
    let out = hypertop(
        &[
            "check",
            &format!(
                "host=127.0.0.1 port={port} user=x dbname=x sslmode=disable connect_timeout=2"
            ),
        ],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("timed out after 2s"), "{said}");
    assert!(
        took >= std::time::Duration::from_millis(1900)
            && took < std::time::Duration::from_millis(3500),
        "took {took:?}"
    );
}

/// A policy file or theme with a TOML syntax error: TOML's message keeps its lines (it points
/// at the column), instead of `\x0a` escapes on one line.
#[test]
fn toml_errors_keep_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policies.toml");
    std::fs::write(&file, "[hypertables.\"a.b\"]\ncompress_after = \"7 days\n").unwrap();
    let out = hypertop(
        &[
            "policy",
            "lint",
            file.to_str().unwrap(),
            &engine().conninfo(),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a policy file"), "{stderr}");
    assert!(!stderr.contains("\\x0a"), "escaped line breaks: {stderr}");
    assert!(stderr.trim().lines().count() > 1, "{stderr}");
    let themes = dir.path().join("hypertop/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("light.toml"), "[selection]\nbg = \"x\n").unwrap();
    let out = hypertop(
        &["--theme", "light", "-p", "1"],
        &[("XDG_CONFIG_HOME", dir.path().to_str().unwrap())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("\\x0a") && stderr.trim().lines().count() > 1,
        "{stderr}"
    );
}

/// Something that is not PostgreSQL on the port (here, a web server's reply): the message says
/// so and hints at the port, instead of a parser's words alone.
#[test]
fn a_service_that_is_not_postgresql_is_named_as_such() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let out = hypertop(
        &[&format!(
            "host=127.0.0.1 port={port} user=x dbname=x sslmode=disable connect_timeout=3"
        )],
        &[],
    );
    assert_fails(&out, &["not in PostgreSQL's protocol", "hint:", "port"]);
}

/// Every subcommand takes the connection the same ways — a connection string, a URL, a bare
/// database name with -h -p -U, -d, and a profile that -d overrides — and each form reaches the
/// database it names: here one that does not exist, which the server names back.
#[test]
fn every_subcommand_takes_the_connection_every_way() {
    let base = &native().base;
    let field = |key: &str, default: &str| {
        base.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or(default)
            .to_string()
    };
    let (host, port, user) = (
        field("host", "127.0.0.1"),
        field("port", "5432"),
        field("user", "postgres"),
    );
    let db = "hypertop_forms_missing";
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("hypertop")).unwrap();
    std::fs::write(
        config.path().join("hypertop/config.toml"),
        format!(
            "[profiles.lab]\nconninfo = \"host={host} port={port} user={user} dbname=postgres sslmode=disable\"\n"
        ),
    )
    .unwrap();
    let env = [("XDG_CONFIG_HOME", config.path().to_str().unwrap())];
    let conninfo = format!("host={host} port={port} user={user} dbname={db} sslmode=disable");
    let url = format!("postgresql://{user}@{host}:{port}/{db}?sslmode=disable");
    let flags = ["-h", &host, "-p", &port, "-U", &user];
    let forms: Vec<Vec<String>> = vec![
        vec![conninfo.clone()],
        vec![url],
        flags
            .iter()
            .map(|s| s.to_string())
            .chain([db.to_string()])
            .collect(),
        flags
            .iter()
            .map(|s| s.to_string())
            .chain(["-d".into(), db.into()])
            .collect(),
        vec!["--profile".into(), "lab".into(), "-d".into(), db.into()],
    ];
    let subcommands: [&[&str]; 7] = [
        &[],
        &["check"],
        &["snapshot"],
        &["history"],
        &["run", "--dry-run", "pause-job 1"],
        &["policy", "export"],
        &["policy", "diff", "/dev/null"],
    ];
    for sub in subcommands {
        for form in &forms {
            let args: Vec<&str> = sub
                .iter()
                .copied()
                .chain(form.iter().map(String::as_str))
                .collect();
            let out = hypertop(&args, &env);
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                said.contains(&format!("database \"{db}\" does not exist")),
                "{args:?}: {said}"
            );
            assert_ne!(out.status.code(), Some(0), "{args:?}");
        }
    }
}

/// A theme or config that is a device, a FIFO or far larger than any theme is refused at once,
/// never read without end nor waited on, and the terminal is not touched.
#[test]
fn theme_and_config_files_are_read_only_when_they_are_small_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "# x\n".repeat(100_000)).unwrap();
    let conn = format!("host=127.0.0.1 port={} user=postgres", free_port());
    for (theme, said) in [
        ("/dev/zero", "is not a regular file"),
        (fifo.to_str().unwrap(), "is not a regular file"),
        (huge.to_str().unwrap(), "is larger than 64 KiB"),
    ] {
        let started = std::time::Instant::now();
        let out = hypertop(&["--theme", theme, &conn], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(said), "{theme}: {stderr}");
        assert_ne!(out.status.code(), Some(0));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    // the config file: the same, for `config check`
    let config = dir.path().join("hypertop");
    std::fs::create_dir_all(&config).unwrap();
    assert!(Command::new("mkfifo")
        .arg(config.join("config.toml"))
        .status()
        .unwrap()
        .success());
    let out = hypertop(
        &["config", "check"],
        &[("XDG_CONFIG_HOME", dir.path().to_str().unwrap())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a regular file"), "{stderr}");
}

/// A policy file where the database goes is said, not taken as a database name (the demo's
/// engine accepts any name, so `policy export policies.toml` exited 0 having written nothing);
/// a fleet with no config file says where the file goes and what a profile looks like.
#[test]
fn a_file_for_a_database_and_a_fleet_without_a_config_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policies.toml");
    let out = hypertop(
        &["policy", "export", file.to_str().unwrap()],
        &[("PGHOST", "127.0.0.1"), ("PGPORT", "1")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("looks like a file") && err.contains("--output FILE"),
        "{err}"
    );
    assert!(!file.exists());
    let home = dir.path().join("config");
    let out = hypertop(
        &["check", "--all"],
        &[("XDG_CONFIG_HOME", home.to_str().unwrap())],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert_eq!(
        said.trim().lines().count(),
        1,
        "check says one line: {said}"
    );
    assert!(
        said.starts_with("HYPERTOP UNKNOWN")
            && said.contains(&format!(
                "{}/hypertop/config.toml does not exist",
                home.display()
            ))
            && said.contains("[profiles.prod]")
            && said.contains("conninfo = "),
        "{said}"
    );
}

/// Completions and the manual page are made from the options themselves: bash loads the
/// completions (`complete -p hypertop`), the page is roff naming every subcommand, and `man -l`
/// renders it where man is installed; neither needs a database.
#[test]
fn completions_load_in_bash_and_the_manual_page_renders() {
    let bash = hypertop(&["completions", "bash"], &[]);
    assert_eq!(
        bash.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    let script = String::from_utf8(bash.stdout).unwrap();
    assert!(
        script.contains("snapshot") && script.contains("exporter"),
        "{script}"
    );
    let dir = std::env::temp_dir().join(format!("hypertop-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hypertop.bash");
    std::fs::write(&file, &script).unwrap();
    let loaded = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p hypertop",
            file.display()
        ))
        .output()
        .expect("bash");
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("hypertop"));
    for shell in ["zsh", "fish"] {
        let out = hypertop(&["completions", shell], &[]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let man = hypertop(&["man"], &[]);
    assert_eq!(man.status.code(), Some(0));
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH hypertop"),
        "{page}"
    );
    for sub in ["snapshot", "check", "exporter", "demo", "run", "policy"] {
        assert!(page.contains(sub), "{sub} in the page");
    }
    let page_file = dir.join("hypertop.1");
    std::fs::write(&page_file, &page).unwrap();
    if Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let rendered = Command::new("man")
            .arg("-l")
            .arg(&page_file)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        assert!(
            rendered.status.success(),
            "{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("hypertop"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A subcommand mistyped where the database goes is said as a typo before anything connects;
/// the same word given as the database (`-d`, or after `--`) is the database.
#[test]
fn a_mistyped_subcommand_is_a_typo_not_a_database() {
    let port = free_port().to_string();
    let out = hypertop(&["snapshto", "-h", "127.0.0.1", "-p", &port], &[]);
    assert_fails(&out, &["did you mean `hypertop snapshot`", "-d snapshto"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("connection refused"),
        "nothing connects"
    );
    for given in [["-d", "snapshto"], ["--", "snapshto"]] {
        let mut args = vec!["-h", "127.0.0.1", "-p", &port];
        args.extend(given);
        assert_fails(&hypertop(&args, &[]), &["connection refused", "snapshto"]);
    }
}

/// Every manual page a page lists (`hypertop-run(1)`, `hypertop-policy-export(1)` …) is one
/// `hypertop man` makes, named as listed: the SUBCOMMANDS sections had named pages none made.
#[test]
fn every_manual_page_listed_is_made() {
    let list = hypertop(&["man", "--list"], &[]);
    assert_eq!(list.status.code(), Some(0));
    let paths: Vec<String> = String::from_utf8(list.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(paths.len() > 15 && paths[0].is_empty(), "{paths:?}");
    let name = |path: &str| format!("hypertop {path}").trim().replace(' ', "-");
    let made: std::collections::BTreeSet<String> = paths.iter().map(|p| name(p)).collect();
    for path in &paths {
        let out = hypertop(
            &std::iter::once("man")
                .chain(path.split_whitespace())
                .collect::<Vec<_>>(),
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "man {path}");
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(
            page.contains(&format!(".TH {} 1", name(path))),
            "{path}: {page}"
        );
        for listed in page
            .lines()
            .filter_map(|l| l.strip_suffix("(1)"))
            .map(|l| l.replace("\\-", "-"))
        {
            assert!(
                made.contains(&listed),
                "{path} lists {listed}(1), which is not made"
            );
        }
    }
    assert_fails(
        &hypertop(&["man", "nosuch"], &[]),
        &["no subcommand \"nosuch\"", "man --list"],
    );
}
