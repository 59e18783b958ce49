//! Keeps one monitoring session alive: publishes the current client, notices when the socket
//! dies (or a poller reports it broken), and reconnects with exponential backoff.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::connect::{ConnectError, Connector, Session};

pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub enum LinkState {
    Connecting,
    Connected,
    Disconnected { error: LinkError, retry_at: Instant },
}

/// Why the link is down.
#[derive(Debug, Clone)]
pub enum LinkError {
    /// The session could not be opened.
    Connect(ConnectError),
    /// The session opened, but what the server can do could not be read from its catalog.
    Catalog(Arc<tokio_postgres::Error>),
    /// The connection ended, and the driver said why.
    Ended(String),
    /// The connection ended without a word.
    Lost,
    /// A read found the session broken (no answer, or the socket failed).
    NoAnswer,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Connect(e) => e.fmt(f),
            LinkError::Catalog(e) => write!(f, "connected, but could not read the catalog: {e}"),
            LinkError::Ended(why) => f.write_str(why),
            LinkError::Lost => f.write_str("connection lost"),
            LinkError::NoAnswer => f.write_str("connection lost (no answer from the server)"),
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LinkError::Connect(e) => Some(e),
            LinkError::Catalog(e) => Some(&**e),
            LinkError::Ended(_) | LinkError::Lost | LinkError::NoAnswer => None,
        }
    }
}

/// What pollers and the UI see: the state, and while connected the client and capabilities.
#[derive(Clone)]
pub struct LinkStatus {
    pub state: LinkState,
    pub client: Option<Arc<Client>>,
    pub caps: Option<Arc<Capabilities>>,
    /// Increments on every successful (re)connect, so stale error reports can be ignored.
    pub generation: u64,
}

pub struct Link {
    status: watch::Receiver<LinkStatus>,
    broken: mpsc::UnboundedSender<u64>,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Link {
    /// Starts keeping `connector`'s session alive, beginning with an already open session.
    pub fn start(connector: Connector, initial: Option<(Session, Capabilities)>) -> Link {
        // An already open session is published at once, so callers see it without waiting.
        let (first, ended) = match initial {
            Some((session, caps)) => (
                connected_status(session.client, caps, 1),
                Some(session.ended),
            ),
            None => (
                LinkStatus {
                    state: LinkState::Connecting,
                    client: None,
                    caps: None,
                    generation: 0,
                },
                None,
            ),
        };
        let (status_tx, status) = watch::channel(first);
        let (broken, broken_rx) = mpsc::unbounded_channel();
        let wake = Arc::new(Notify::new());
        let task = tokio::spawn(keep_alive(
            connector,
            ended,
            status_tx,
            broken_rx,
            wake.clone(),
        ));
        Link {
            status,
            broken,
            wake,
            task,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<LinkStatus> {
        self.status.clone()
    }

    pub fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    pub fn reporter(&self) -> mpsc::UnboundedSender<u64> {
        self.broken.clone()
    }

    /// Skips the rest of the backoff wait (the user pressed `r` while disconnected).
    pub fn retry_now(&self) {
        self.wake.notify_one();
    }
}

fn connected_status(client: Client, caps: Capabilities, generation: u64) -> LinkStatus {
    LinkStatus {
        state: LinkState::Connected,
        client: Some(Arc::new(client)),
        caps: Some(Arc::new(caps)),
        generation,
    }
}

async fn keep_alive(
    connector: Connector,
    mut current: Option<oneshot::Receiver<String>>,
    status: watch::Sender<LinkStatus>,
    mut broken: mpsc::UnboundedReceiver<u64>,
    wake: Arc<Notify>,
) {
    let mut backoff = Duration::from_secs(1);
    let mut generation = status.borrow().generation;
    loop {
        let mut ended = match current.take() {
            Some(ended) => ended,
            None => match open(&connector).await {
                Ok((session, caps)) => {
                    backoff = Duration::from_secs(1);
                    generation += 1;
                    status.send_replace(connected_status(session.client, caps, generation));
                    session.ended
                }
                Err(error) => {
                    let retry_at = Instant::now() + backoff;
                    status.send_modify(|s| {
                        s.state = LinkState::Disconnected { error, retry_at };
                        s.client = None;
                    });
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = wake.notified() => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    status.send_modify(|s| s.state = LinkState::Connecting);
                    continue;
                }
            },
        };
        let error = loop {
            tokio::select! {
                why = &mut ended => break why.map_or(LinkError::Lost, LinkError::Ended),
                g = broken.recv() => match g {
                    Some(g) if g == generation => break LinkError::NoAnswer,
                    Some(_) => continue, // about an older session
                    None => return,
                },
            }
        };
        // Drop the client now so nobody queries a dead session, then reconnect at once.
        status.send_modify(|s| {
            s.client = None;
            s.state = LinkState::Disconnected {
                error,
                retry_at: Instant::now(),
            };
        });
    }
}

async fn open(connector: &Connector) -> Result<(Session, Capabilities), LinkError> {
    let session = connector.connect().await.map_err(LinkError::Connect)?;
    let caps = Capabilities::detect(&session.client)
        .await
        .map_err(|e| LinkError::Catalog(Arc::new(e)))?;
    Ok((session, caps))
}
