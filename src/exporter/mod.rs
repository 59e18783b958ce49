//! `hypertop exporter`: the store's facts for Prometheus. `/metrics` serves every target,
//! `/probe?target=NAME` one of them by name (never a connection string from the URL). Each
//! target's read is cached: one read per interval however many scrapers, never two at once on
//! one target, bounded in time, and resting after a slow read like the console does.

pub mod http;
pub mod metrics;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::capabilities::Capabilities;
use crate::connect::{Connector, Session};
use crate::problems::Thresholds;
use crate::store::{Dataset, Kept};
use metrics::{Exposition, ReadStats};

/// One database the exporter reads.
pub struct Target {
    pub name: String,
    pub connector: Connector,
    pub limits: Thresholds,
    cache: Mutex<Cache>,
}

/// The last read and the session it was made on (kept between reads).
#[derive(Default)]
struct Cache {
    session: Option<(Session, Capabilities, Kept)>,
    data: Option<Arc<Dataset>>,
    stats: ReadStats,
    read_at: Option<Instant>,
}

/// How the exporter reads its targets.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A read younger than this is served from the cache.
    pub cache_for: Duration,
    /// A read that takes longer than this is abandoned (the target shows `hypertop_up 0`).
    pub read_limit: Duration,
}

impl Target {
    pub fn new(name: String, connector: Connector, limits: Thresholds) -> Target {
        Target {
            name,
            connector,
            limits,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The target's latest read: the cached one while fresh, else a new one. Scrapers that
    /// arrive during a read wait for it and share it.
    pub async fn read(&self, opts: &Options) -> (ReadStats, Option<Arc<Dataset>>) {
        let mut cache = self.cache.lock().await;
        // Fresh: younger than the interval, and than the rest a slow read earns (a target whose
        // catalog takes 0.5 s to read is read at most every 10 minutes, as the console does).
        let fresh_for = opts
            .cache_for
            .max(crate::poller::rest_after(Duration::from_secs_f64(
                cache.stats.took,
            )));
        if cache.read_at.is_some_and(|at| at.elapsed() < fresh_for) {
            return (cache.stats.clone(), cache.data.clone());
        }
        let started = Instant::now();
        let result = tokio::time::timeout(
            opts.read_limit,
            read_once(&self.connector, &mut cache.session, &self.limits),
        )
        .await;
        let took = started.elapsed().as_secs_f64();
        let cache = &mut *cache;
        cache.stats.reads += 1;
        cache.stats.took = took;
        cache.stats.at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs_f64());
        cache.read_at = Some(Instant::now());
        match result {
            Ok(Ok(data)) => {
                cache.stats.up = data.summary.value().is_some();
                if !cache.stats.up {
                    cache.stats.errors += 1;
                    cache.session = None;
                }
                cache.data = Some(Arc::new(data));
            }
            Ok(Err(_)) | Err(_) => {
                cache.stats.up = false;
                cache.stats.errors += 1;
                cache.session = None;
                cache.data = None;
            }
        }
        (cache.stats.clone(), cache.data.clone())
    }
}

/// Reads every dataset once on the target's session, opening one when there is none.
async fn read_once(
    connector: &Connector,
    session: &mut Option<(Session, Capabilities, Kept)>,
    limits: &Thresholds,
) -> Result<Dataset, String> {
    if session
        .as_ref()
        .is_some_and(|(s, _, _)| s.client.is_closed())
    {
        *session = None;
    }
    if session.is_none() {
        let s = connector.connect().await.map_err(|e| e.to_string())?;
        let caps = Capabilities::detect(&s.client)
            .await
            .map_err(|e| crate::connect::describe_error(&e))?;
        *session = Some((s, caps, Kept::default()));
    }
    let (s, caps, kept) = session.as_mut().ok_or("no session")?;
    Ok(Dataset::read_all_keeping(&s.client, caps, limits, kept).await)
}

/// The exposition of `targets`, each read (or served from its cache) concurrently.
pub async fn exposition(targets: &[Arc<Target>], opts: &Options) -> String {
    let reads = targets.iter().map(|t| {
        let t = t.clone();
        let opts = *opts;
        async move { (t.name.clone(), t.read(&opts).await) }
    });
    let mut e = Exposition::default();
    for (name, (stats, data)) in futures_util::future::join_all(reads).await {
        e.target(&name, &stats, data.as_deref());
    }
    e.render()
}

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves scrapes until the process ends.
pub async fn serve(
    listener: TcpListener,
    targets: Vec<Arc<Target>>,
    opts: Options,
) -> std::io::Result<()> {
    let targets = Arc::new(targets);
    loop {
        let (stream, _) = listener.accept().await?;
        let targets = targets.clone();
        tokio::spawn(async move {
            let _ = answer(stream, &targets, &opts).await;
        });
    }
}

/// Reads one request (its head within 5 s and 8 KiB), answers it, closes.
async fn answer(
    mut stream: TcpStream,
    targets: &[Arc<Target>],
    opts: &Options,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    let head = tokio::time::timeout(Duration::from_secs(5), async {
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = http::head_end(&buf) {
                return Some(end);
            }
            if buf.len() > http::MAX_HEAD {
                return None;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    let reply = match head {
        Ok(Some(end)) => route(&buf[..end], targets, opts).await,
        Ok(None) => http::response(
            400,
            "text/plain",
            "a request head of at most 8 KiB, please\n",
        ),
        Err(_) => return Ok(()),
    };
    stream.write_all(&reply).await?;
    stream.shutdown().await
}

async fn route(head: &[u8], targets: &[Arc<Target>], opts: &Options) -> Vec<u8> {
    let req = match http::parse(head) {
        Ok(r) => r,
        Err(e) => return http::response(400, "text/plain", &format!("{e}\n")),
    };
    if req.method != "GET" && req.method != "HEAD" {
        return http::response(405, "text/plain", "GET only\n");
    }
    match req.path.as_str() {
        "/metrics" => http::response(200, CONTENT_TYPE, &exposition(targets, opts).await),
        "/probe" => {
            let Some(name) = req.param("target") else {
                return http::response(
                    400,
                    "text/plain",
                    "/probe?target=NAME (a configured target)\n",
                );
            };
            match targets.iter().find(|t| t.name == name) {
                Some(t) => http::response(
                    200,
                    CONTENT_TYPE,
                    &exposition(std::slice::from_ref(t), opts).await,
                ),
                None => http::response(
                    404,
                    "text/plain",
                    &format!("no target named {name:?} (targets: {})\n", names(targets)),
                ),
            }
        }
        "/" => http::response(
            200,
            "text/plain",
            &format!(
                "hypertop exporter\n/metrics: every target\n/probe?target=NAME: one of {}\n",
                names(targets)
            ),
        ),
        _ => http::response(404, "text/plain", "/metrics or /probe?target=NAME\n"),
    }
}

fn names(targets: &[Arc<Target>]) -> String {
    targets
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
