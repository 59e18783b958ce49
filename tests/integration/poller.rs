//! The poller's query kinds take turns on their session: a read starts only once the last
//! result has been taken in, so two reads' new values are never held beside the shown ones at
//! once.

use std::time::Duration;

use hypertop::capabilities::Capabilities;
use hypertop::link::Link;
use hypertop::model::QueryKind;
use hypertop::poller::Poller;
use tokio::time::timeout;

use crate::engines::{connector_for, native};

#[tokio::test]
async fn a_read_waits_until_the_last_result_is_taken_in() {
    let connector = connector_for(&native().conninfo());
    let session = connector.connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let link = Link::start(connector, Some((session, caps)));
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let poller = Poller::start(&link, None, tx, Duration::from_secs(10));
    poller.request_now(QueryKind::Summary, None, false);
    poller.request_now(QueryKind::Activity, None, false);

    let (first, turn) = timeout(Duration::from_secs(10), results.recv())
        .await
        .expect("a first result")
        .unwrap();
    assert!(first.result.is_ok(), "{:?}", first.result);
    // Each read takes milliseconds: without turns the other would be here long before this.
    assert!(
        timeout(Duration::from_millis(1500), results.recv())
            .await
            .is_err(),
        "the other kind read while the first result was still held"
    );
    drop(turn);
    let (second, _turn) = timeout(Duration::from_secs(10), results.recv())
        .await
        .expect("the other result once the first is taken in")
        .unwrap();
    assert!(second.result.is_ok(), "{:?}", second.result);
    let mut kinds = [first.kind, second.kind];
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(kinds, [QueryKind::Activity, QueryKind::Summary]);
}
