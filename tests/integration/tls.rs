//! Real TLS against a private cluster with a CA made for the test.

use hypertop::connect::FailureKind;

use crate::engines::{connector_for, ClusterOptions, PrivateCluster};

#[tokio::test]
async fn verify_full_accepts_the_right_ca_and_rejects_others() {
    let (cluster, tls) = PrivateCluster::create(ClusterOptions {
        tls: true,
        password_user: false,
    });
    let tls = tls.unwrap();
    let base = format!(
        "host=localhost port={} user=postgres dbname=postgres",
        cluster.port
    );

    let ok = connector_for(&format!(
        "{base} sslmode=verify-full sslrootcert={}",
        tls.ca.display()
    ))
    .connect()
    .await
    .expect("verify-full with the signing CA must connect");
    let ssl: bool = ok
        .client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ssl, "the session must be encrypted");

    let err = connector_for(&format!(
        "{base} sslmode=verify-full sslrootcert={}",
        tls.wrong_ca.display()
    ))
    .connect()
    .await
    .err()
    .expect("a certificate from another CA must be rejected");
    assert_eq!(err.kind, FailureKind::Tls, "{err}");
    assert!(err.hint.contains("not signed by a trusted CA"), "{err}");
    assert!(err.to_string().contains("sslrootcert"), "{err}");

    // verify-full checks the name; 127.0.0.1 is in the certificate's SAN, "127.0.0.2" is not.
    let ip = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        cluster.port
    );
    connector_for(&format!(
        "{ip} sslmode=verify-full sslrootcert={}",
        tls.ca.display()
    ))
    .connect()
    .await
    .expect("the IP address is in the certificate");

    // the right CA, but a name the certificate does not carry: told apart from a wrong CA by
    // asking again without the name check, not by the TLS library's words
    let err = connector_for(&format!(
        "host=db.invalid hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
        cluster.port,
        tls.ca.display()
    ))
    .connect()
    .await
    .err()
    .expect("a certificate that does not name the host must be rejected");
    assert_eq!(err.kind, FailureKind::Tls, "{err}");
    assert!(err.hint.contains("does not name this host"), "{err}");

    // require encrypts without verifying: any certificate will do.
    connector_for(&format!("{base} sslmode=require"))
        .connect()
        .await
        .expect("sslmode=require does not verify the certificate");
}

#[test]
fn the_binary_reports_tls_failures_in_one_line() {
    let (cluster, tls) = PrivateCluster::create(ClusterOptions {
        tls: true,
        password_user: false,
    });
    let tls = tls.unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .arg(format!(
            "host=localhost port={} user=postgres sslmode=verify-full sslrootcert={}",
            cluster.port,
            tls.wrong_ca.display()
        ))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TLS handshake failed") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn asks_for_the_password_on_the_terminal_without_echo() {
    use crate::pty::Pty;
    use std::time::Duration;
    let (cluster, _) = PrivateCluster::create(ClusterOptions {
        tls: false,
        password_user: true,
    });
    let command = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &cluster.port.to_string(),
            "-U",
            "pwuser",
            "-d",
            "postgres",
        ])
        .env_remove("PGPASSWORD")
        .env("HOME", "/nonexistent-hypertop-home");
        cmd
    };
    let mut pty = Pty::spawn(command());
    pty.wait_for_output("Password for user pwuser: ", Duration::from_secs(20));
    // Echo is off by the time the prompt shows (a library that printed the prompt first echoed
    // a password typed as it appeared: this test failed that way on a loaded machine).
    assert!(!pty.echoes(), "echo still on when the prompt shows");
    // Typed with a mistake corrected, as people do.
    pty.write(b"secrex\x7ft\r");
    pty.wait_for_output("refreshed", Duration::from_secs(20));
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert!(
        !pty.output().contains("secre"),
        "the password must never be echoed"
    );
    assert!(pty.echoes(), "echo is back after the prompt");

    // Ctrl-C at the prompt: hypertop says it was cancelled there (not that no password was
    // given, nor to run it on a terminal), echo back on.
    let mut pty = Pty::spawn(command());
    pty.wait_for_output("Password for user pwuser: ", Duration::from_secs(20));
    pty.write(b"half\x03");
    assert_ne!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert!(pty.echoes(), "echo is back after Ctrl-C");
    let said = pty.output();
    assert!(!said.contains("half"), "{said}");
    assert!(said.contains("cancelled at the password prompt"), "{said}");
    assert!(!said.contains("on a terminal"), "{said}");
}
