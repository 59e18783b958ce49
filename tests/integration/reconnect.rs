//! The link notices a lost session and reconnects with backoff; the poller resumes.

use std::time::Duration;

use hypertop::capabilities::Capabilities;
use hypertop::link::{Link, LinkState};
use hypertop::model::{Payload, QueryKind};
use hypertop::poller::Poller;

use crate::engines::{connector_for, eventually, native, PrivateCluster};

async fn backend_pid(link: &Link) -> Option<i32> {
    let client = link.status().client?;
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .ok()
        .map(|r| r.get(0))
}

#[tokio::test]
async fn reconnects_after_its_backend_is_terminated() {
    let connector = connector_for(&native().conninfo());
    let session = connector.connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let link = Link::start(connector.clone(), Some((session, caps)));
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let poller = Poller::start(&link, None, tx, Duration::from_secs(10));

    let pid = backend_pid(&link).await.expect("connected");
    let first_generation = link.status().generation;

    let admin = connector.connect().await.unwrap();
    admin
        .client
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();

    // The link sees the socket close, reconnects, and publishes a new generation.
    let new_pid = eventually(Duration::from_secs(20), "a new session", || async {
        let s = link.status();
        if s.generation > first_generation && matches!(s.state, LinkState::Connected) {
            backend_pid(&link).await
        } else {
            None
        }
    })
    .await;
    assert_ne!(new_pid, pid);

    // Polling works on the new session.
    poller.request(QueryKind::Summary, None);
    let (result, _turn) = tokio::time::timeout(Duration::from_secs(10), results.recv())
        .await
        .unwrap()
        .unwrap();
    match result.result {
        Ok(Payload::Summary(s)) => assert_eq!(s.backend_pid, new_pid),
        other => panic!("summary after reconnect failed: {other:?}"),
    }
}

#[tokio::test]
async fn survives_a_server_restart_with_backoff() {
    let cluster = PrivateCluster::plain();
    let connector = connector_for(&cluster.admin_conninfo());
    let session = connector.connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let link = Link::start(connector, Some((session, caps)));
    assert!(matches!(link.status().state, LinkState::Connected));

    cluster.stop();
    let error = eventually(
        Duration::from_secs(20),
        "the link to report the outage",
        || async {
            match link.status().state {
                LinkState::Disconnected { error, .. } if link.status().client.is_none() => {
                    Some(error.to_string())
                }
                _ => None,
            }
        },
    )
    .await;
    assert!(!error.is_empty());
    // While the server is down, retries fail and the link keeps waiting with a retry time.
    tokio::time::sleep(Duration::from_secs(2)).await;
    match link.status().state {
        LinkState::Disconnected { error, .. } => {
            let error = error.to_string();
            assert!(
                error.contains("refused") || error.contains("socket") || error.contains("closed"),
                "{error}"
            )
        }
        LinkState::Connecting => {}
        LinkState::Connected => panic!("cannot be connected while the server is down"),
    }

    cluster.start();
    let status = eventually(
        Duration::from_secs(40),
        "reconnection after restart",
        || async {
            let s = link.status();
            (matches!(s.state, LinkState::Connected) && s.generation >= 2).then_some(s)
        },
    )
    .await;
    let n: i32 = status
        .client
        .unwrap()
        .query_one("SELECT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}
