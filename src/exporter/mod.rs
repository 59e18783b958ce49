//! `hypertop exporter`: the store's facts for Prometheus. `/metrics` serves every target,
//! `/probe?target=NAME` one of them by name (never a connection string from the URL).
//!
//! HTTP is hyper's (parsing, keep-alive, HEAD, timeouts). What is ours: a cap on connections
//! below the process's descriptor limit (extra clients wait in the listen queue; an accept
//! error is survived), a deadline per target below the scrape's timeout (a black-holed target
//! is `hypertop_up 0` in time, the others are served), and a cache per target: one read per
//! interval (5 s) however many scrapers, never two at once on one target. Each read reads what
//! moved since the last (the console's watch, `model::watch`), so every scrape past the
//! interval reads: `hypertop_up` is the latest attempt's and the data's age is exported.

pub mod metrics;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};

use crate::capabilities::Capabilities;
use crate::connect::{Connector, Session};
use crate::history::History;
use crate::problems::Thresholds;
use crate::recording::live::Recording;
use crate::store::keeping::{KeepIn, Keeping, Place, SAVE_EVERY};
use crate::store::{Dataset, Kept};
use metrics::{Exposition, ReadStats};

/// One database the exporter reads.
pub struct Target {
    pub name: String,
    pub connector: Connector,
    pub limits: Thresholds,
    /// The session reads are made on, kept between reads; held for a whole read, so there is
    /// one read at a time per target.
    session: Mutex<Option<OpenSession>>,
    /// What the latest attempts found, readable without waiting for a read under way.
    last: std::sync::Mutex<Last>,
    /// Each read's samples go to the target's recording (the history keeps the rates' last
    /// counters between reads).
    recording: Option<std::sync::Mutex<(History, Recording)>>,
    /// Where what a session learns is kept for the next exporter (in the recording).
    keep: Option<KeepIn>,
}

/// A target's session, what its reads keep between them, and what of that is kept for the
/// next exporter.
type OpenSession = (Session, Capabilities, Kept, Option<Keeping>);

#[derive(Default, Clone)]
struct Last {
    stats: ReadStats,
    data: Option<Arc<Dataset>>,
    /// When the served data was read, and when the target was last tried (read or asked).
    read_at: Option<Instant>,
    tried_at: Option<Instant>,
}

/// The addresses `--listen` means, to bind in turn: `:9871` (Prometheus's convention) is every
/// interface, IPv6 and IPv4 at once where the system allows, else IPv4's.
pub fn listen_addresses(listen: &str) -> Vec<String> {
    match listen.strip_prefix(':') {
        Some(port) if !port.is_empty() && !port.contains(':') => {
            vec![format!("[::]:{port}"), format!("0.0.0.0:{port}")]
        }
        _ => vec![listen.to_string()],
    }
}

/// How the exporter reads its targets.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Within this long of the last attempt a target is served from the cache.
    pub cache_for: Duration,
    /// The longest a scrape waits for one target; lowered to a scrape's own timeout (Prometheus
    /// sends `X-Prometheus-Scrape-Timeout-Seconds`) less a margin to write the answer.
    pub deadline: Duration,
    /// A new session's first read (the catalog's structure, every file measured) is shared
    /// with a second session, as `snapshot`'s is ([`crate::snapshot::helper`]). Only for one
    /// target: fifty would take a hundred connections at once.
    pub second_session: bool,
}

impl Target {
    pub fn new(name: String, connector: Connector, limits: Thresholds) -> Target {
        Target {
            name,
            connector,
            limits,
            session: Mutex::new(None),
            last: std::sync::Mutex::new(Last::default()),
            recording: None,
            keep: None,
        }
    }

    /// Records each read into the recording `keep` names, as the console and `record` do, and
    /// keeps what a session learns there (or in the team's store it names) for the next.
    pub fn recording_to(mut self, keep: KeepIn) -> Target {
        let name = self.name.clone();
        let recording = Recording::start(
            keep.file.clone(),
            keep.bounds.clone(),
            self.connector.resolved().target_short(),
            None,
            {
                move |event| {
                    // the exporter shows no pictures: only a recording that stops is news
                    if let crate::recording::live::Event::Failed(e) = event {
                        eprintln!("hypertop exporter: target {name}: {e}");
                    }
                }
            },
        );
        self.keep = Some(keep);
        let mut history = History::default();
        history.record();
        self.recording = Some(std::sync::Mutex::new((history, recording)));
        self
    }

    /// A new session's kept state: what the last exporter (or `check`, or the team's recorder)
    /// kept for this server, when there is some, and what keeps it for the next.
    async fn kept_for(
        &self,
        client: &tokio_postgres::Client,
        caps: &Capabilities,
    ) -> (Kept, Option<Keeping>) {
        let mut kept = Kept::default();
        if self.keep.is_none() {
            return (kept, None);
        }
        let mut keeping = Keeping::identify(client, Some(SAVE_EVERY)).await;
        if let Some(keeping) = &mut keeping {
            if let Some(mut place) = self.place(caps).await {
                if let Err(e) = keeping.take(&mut place, &mut kept).await {
                    self.say(&e.to_string());
                }
            }
        }
        (kept, keeping)
    }

    /// Writes what changed for the next exporter, after a session's first read and then every
    /// [`SAVE_EVERY`].
    async fn keep(&self, kept: &Kept, keeping: &mut Option<Keeping>, caps: &Capabilities) {
        let Some(keeping) = keeping.as_mut().filter(|k| k.due()) else {
            return;
        };
        if let Some(mut place) = self.place(caps).await {
            if let Err(e) = keeping.save(&mut place, kept).await {
                self.say(&e.to_string());
            }
        }
    }

    /// Where what a session learns is kept, opened for it and closed after (an exporter holds
    /// nothing open between reads).
    async fn place(&self, caps: &Capabilities) -> Option<Place<'static>> {
        let keep = self.keep.as_ref()?;
        match keep.open(caps, |why| self.say(why)).await {
            Ok(place) => Some(place),
            Err(e) => {
                self.say(&e.to_string());
                None
            }
        }
    }

    fn say(&self, what: &str) {
        let line = format!("hypertop exporter: target {}: {what}", self.name);
        eprintln!("{}", crate::format::printable(&line));
    }

    /// Hands what a read saw to the recording, if there is one.
    fn record(&self, data: &Dataset) {
        if let Some(r) = &self.recording {
            let mut r = r.lock().unwrap_or_else(|e| e.into_inner());
            let (history, recording) = &mut *r;
            data.observe_into(history, chrono::Utc::now());
            recording.send(history.take_samples());
        }
    }

    fn last(&self) -> std::sync::MutexGuard<'_, Last> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What to serve when the latest attempt is younger than `cache_for`.
    fn cached(&self, cache_for: Duration) -> Option<(ReadStats, Option<Arc<Dataset>>)> {
        let last = self.last();
        last.tried_at
            .is_some_and(|at| at.elapsed() < cache_for)
            .then(|| (last.stats.clone(), last.data.clone()))
    }

    /// The target's state within `deadline`: the cache while it is younger than the interval;
    /// else a new read (of what moved since the last). Scrapers that arrive during a read wait for it (within their deadline)
    /// and share it.
    pub async fn read(
        &self,
        opts: &Options,
        deadline: Duration,
    ) -> (ReadStats, Option<Arc<Dataset>>) {
        if let Some(served) = self.cached(opts.cache_for) {
            return served;
        }
        let until = Instant::now() + deadline;
        let Ok(mut session) = tokio::time::timeout(deadline, self.session.lock()).await else {
            // Another scrape's attempt is still under way past this scrape's deadline: nothing
            // answered in time, whatever that attempt finds later.
            let mut stats = self.last().stats.clone();
            (stats.up, stats.down) = (false, Some("busy"));
            return (stats, None);
        };
        if let Some(served) = self.cached(opts.cache_for) {
            return served;
        }
        let left = until.saturating_duration_since(Instant::now());
        let mut next = self.last().clone();
        next.tried_at = Some(Instant::now());
        next.stats.at = unix_now();
        let started = Instant::now();
        {
            let result =
                tokio::time::timeout(left, read_once(self, &mut session, opts.second_session))
                    .await;
            next.stats.reads += 1;
            next.stats.took = started.elapsed().as_secs_f64();
            match result {
                Ok(Ok((data, read))) => {
                    // what the read took, not the new session's handshake
                    next.stats.took = read.as_secs_f64();
                    next.stats.up = data.summary.value().is_some();
                    next.stats.down = (!next.stats.up).then_some("read");
                    for (section, status) in data.sections() {
                        if status.error().is_some() {
                            *next.stats.section_errors.entry(section).or_default() += 1;
                        }
                    }
                    if !next.stats.up {
                        next.stats.errors += 1;
                        *session = None;
                    }
                    next.stats.data_at = next.stats.at;
                    next.read_at = Some(Instant::now());
                    next.data = Some(Arc::new(data));
                }
                Ok(Err(_)) | Err(_) => {
                    next.stats.up = false;
                    next.stats.down = Some(match &result {
                        Ok(Err(TargetError::Connect(e))) => match e.kind {
                            crate::connect::FailureKind::NoDescriptors => "no_descriptors",
                            crate::connect::FailureKind::Timeout => "deadline",
                            _ => "connect",
                        },
                        Ok(Err(TargetError::Capabilities(_))) => "catalog",
                        _ => "deadline",
                    });
                    next.stats.errors += 1;
                    *session = None;
                    next.data = None;
                }
            }
        }
        *self.last() = next.clone();
        (next.stats, next.data)
    }
}

fn unix_now() -> Option<f64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Why a target could not be read at all.
#[derive(Debug)]
pub enum TargetError {
    /// No session could be opened.
    Connect(crate::connect::ConnectError),
    /// A session opened, but what the server can do could not be read.
    Capabilities(crate::model::ReadError),
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::Connect(e) => e.fmt(f),
            TargetError::Capabilities(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TargetError {}

/// Reads every dataset once on the target's session, opening one when there is none; with how
/// long the read itself took.
async fn read_once(
    target: &Target,
    session: &mut Option<OpenSession>,
    second_session: bool,
) -> Result<(Dataset, Duration), TargetError> {
    let connector = &target.connector;
    if session.as_ref().is_some_and(|(s, ..)| s.client.is_closed()) {
        *session = None;
    }
    let first = session.is_none();
    let (s, caps, kept, keeping) = match session {
        Some(open) => open,
        None => {
            let s = connector.connect().await.map_err(TargetError::Connect)?;
            let caps = Capabilities::detect(&s.client)
                .await
                .map_err(|e| TargetError::Capabilities(e.into()))?;
            let (kept, keeping) = target.kept_for(&s.client, &caps).await;
            session.insert((s, caps, kept, keeping))
        }
    };
    let started = Instant::now();
    let helper = match first && second_session {
        true => crate::snapshot::helper(&s.client, connector, caps).await,
        false => None,
    };
    let helper = helper.as_ref().map(|h| &h.client);
    let data = Dataset::read_all_keeping(&s.client, helper, caps, &target.limits, kept).await;
    let took = started.elapsed();
    target.keep(kept, keeping, caps).await;
    target.record(&data);
    Ok((data, took))
}

/// The exposition of `targets`, each read (or served from its cache) concurrently, each
/// within `deadline`.
pub async fn exposition(targets: &[Arc<Target>], opts: &Options, deadline: Duration) -> String {
    let reads = targets
        .iter()
        .map(|t| async move { (t.name.clone(), t.read(opts, deadline).await) });
    let now = unix_now();
    let mut e = Exposition::default();
    for (name, (stats, data)) in futures_util::future::join_all(reads).await {
        e.target(&name, &stats, data.as_deref(), now);
    }
    e.render()
}

const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a client may take to send a request's head, and the longest a connection lives
/// (a scraper reconnects; a client that holds one open for nothing does not keep its slot).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The same while three quarters of the slots are taken: idle clients cannot hold them all.
const PRESSED_HEAD_TIMEOUT: Duration = Duration::from_secs(1);
const CONNECTION_LIFE: Duration = Duration::from_secs(120);

/// The most request head hyper buffers (its minimum; scrapers send a few hundred bytes).
const MAX_HEAD: usize = 8 * 1024;

/// The most connections served at once: what the descriptor limit leaves after the targets'
/// sessions and a reserve for the runtime, between 4 and 1,024.
fn max_connections(targets: usize) -> usize {
    // No soft limit ("unlimited") counts as the most we would use anyway.
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    soft.saturating_sub(32 + 2 * targets).clamp(4, 1024)
}

/// Serves scrapes until the process ends. Every client is taken from the listen queue at once:
/// beyond the cap (or out of descriptors, with one kept in reserve for this) it is told 503
/// with Retry-After and closed, rather than left waiting past its scrape timeout; and while
/// three quarters of the slots are taken a client has a second, not five, to send its request.
pub async fn serve(
    listener: TcpListener,
    targets: Vec<Arc<Target>>,
    opts: Options,
) -> std::io::Result<()> {
    let cap = max_connections(targets.len());
    let slots = Arc::new(Semaphore::new(cap));
    let targets = Arc::new(targets);
    let mut complained: Option<Instant> = None;
    let mut complain = |what: &str, e: &std::io::Error| {
        // Said at most once a minute.
        if complained.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
            eprintln!("hypertop exporter: {what}: {e} (still serving)");
            complained = Some(Instant::now());
        }
    };
    // A descriptor held back for the moment there is none: given up to take a client and tell
    // it to come back, then taken again.
    let mut reserve = std::fs::File::open("/dev/null").ok();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                complain("accepting a connection", &e);
                drop(reserve.take());
                if let Ok(Ok((stream, _))) =
                    tokio::time::timeout(Duration::from_millis(50), listener.accept()).await
                {
                    tokio::spawn(busy(stream));
                }
                reserve = std::fs::File::open("/dev/null").ok();
                if reserve.is_none() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
            Err(e) => {
                // a client gone before it was taken, and the like
                complain("accepting a connection", &e);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(busy(stream));
            continue;
        };
        let head_timeout = match slots.available_permits() < cap / 4 {
            true => PRESSED_HEAD_TIMEOUT,
            false => HEAD_TIMEOUT,
        };
        let targets = targets.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let targets = targets.clone();
                async move { Ok::<_, Infallible>(answer(&req, &targets, &opts).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(head_timeout)
                .max_buf_size(MAX_HEAD)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFE, connection).await;
            drop(slot);
        });
    }
}

/// What a client beyond the cap is told before it is closed: come back in a second.
async fn busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    const BODY: &str = "hypertop exporter: too many connections at once; retry\n";
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let told = async {
        stream.write_all(reply.as_bytes()).await?;
        stream.shutdown().await?;
        // what the client sent is read and let go: closing with it unread would reset the
        // connection, and the reply with it
        let mut sink = [0u8; 1024];
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), told).await;
}

/// A scrape's deadline per target: ours, or the scraper's timeout less a margin to answer.
fn deadline(headers: &HeaderMap, ours: Duration) -> Duration {
    let theirs = headers
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        // Clamped before it becomes a Duration (1e20 seconds does not fit one).
        .map(|s| Duration::from_secs_f64((s - 0.5).clamp(0.5, ours.as_secs_f64().max(0.5))));
    theirs.map_or(ours, |t| t.min(ours))
}

fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    reply(status, "text/plain; charset=utf-8", body)
}

/// One request's answer. HEAD gets the headers GET would, without reading any target.
async fn answer(
    req: &Request<Incoming>,
    targets: &[Arc<Target>],
    opts: &Options,
) -> Response<Full<Bytes>> {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD\n".into());
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let deadline = deadline(req.headers(), opts.deadline);
    let metrics =
        |body: Option<String>| reply(StatusCode::OK, METRICS_TYPE, body.unwrap_or_default());
    match req.uri().path() {
        "/metrics" if head => metrics(None),
        "/metrics" => metrics(Some(exposition(targets, opts, deadline).await)),
        "/probe" => {
            let query = req.uri().query().unwrap_or_default().as_bytes();
            let Some(name) = form_urlencoded::parse(query)
                .find(|(k, _)| k == "target")
                .map(|(_, v)| v.into_owned())
            else {
                return text(
                    StatusCode::BAD_REQUEST,
                    "/probe?target=NAME (a configured target)\n".into(),
                );
            };
            match targets.iter().find(|t| t.name == name) {
                Some(_) if head => metrics(None),
                Some(t) => metrics(Some(
                    exposition(std::slice::from_ref(t), opts, deadline).await,
                )),
                None => text(
                    StatusCode::NOT_FOUND,
                    format!(
                        "no target named {} (targets: {})\n",
                        crate::format::printable(&name),
                        names(targets)
                    ),
                ),
            }
        }
        "/" => text(
            StatusCode::OK,
            format!(
                "hypertop exporter\n/metrics: every target\n/probe?target=NAME: one of {}\n",
                names(targets)
            ),
        ),
        _ => text(
            StatusCode::NOT_FOUND,
            "/metrics or /probe?target=NAME\n".into(),
        ),
    }
}

fn names(targets: &[Arc<Target>]) -> String {
    let all = targets
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    crate::format::printable(&all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_timeout_lowers_the_deadline_and_nonsense_is_ignored() {
        let ours = Duration::from_secs(8);
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                "X-Prometheus-Scrape-Timeout-Seconds",
                HeaderValue::from_str(v).unwrap(),
            );
            deadline(&h, ours)
        };
        assert_eq!(deadline(&HeaderMap::new(), ours), ours);
        assert_eq!(with("5"), Duration::from_millis(4500));
        assert_eq!(with("0.7"), Duration::from_millis(500));
        assert_eq!(with("60"), ours);
        assert_eq!(with("1e20"), ours);
        assert_eq!(with("18446744073709551616"), ours);
        for nonsense in ["", "-3", "0", "NaN", "inf", "ten"] {
            assert_eq!(with(nonsense), ours, "{nonsense}");
        }
    }

    #[test]
    fn connections_stay_below_the_descriptor_limit() {
        let n = max_connections(3);
        assert!((4..=1024).contains(&n), "{n}");
    }
}
