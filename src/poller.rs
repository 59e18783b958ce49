//! Runs the screens' queries off the UI path: one task per query kind, at most one query in
//! flight per kind, and requests made while one runs collapse into a single follow-up. The kinds
//! take turns: one reads while the others wait until the UI has taken its result in.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::link::Link;
use crate::model::plan::Planner;
use crate::model::{self, DrillTarget, Payload, QueryKind, ReadError};

#[derive(Debug, Clone)]
pub struct QueryResult {
    pub kind: QueryKind,
    /// The drill-down target the query was run for.
    pub target: Option<DrillTarget>,
    pub result: Result<Payload, ReadError>,
    pub elapsed: Duration,
    pub finished_at: DateTime<Utc>,
}

/// A kind's turn to read on the session, held by its result until the UI has taken it in.
/// The session answers one statement at a time anyway; taking turns keeps two reads' new values
/// (a catalog read's, a jobs read's, the problems found again) from being held beside the shown
/// ones at the same moment, at the console's peak.
#[derive(Debug)]
pub struct Turn(#[allow(dead_code)] OwnedSemaphorePermit);

pub struct Poller {
    requests: HashMap<QueryKind, watch::Sender<Request>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Poller {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Poller {
    /// `limit` bounds each query on the client side too, so a dead socket cannot stall a screen:
    /// past it the session is reported broken and the link reconnects.
    /// `planner` opens the sessions a statement's generic plan is made on (none: plans are not
    /// made here).
    pub fn start(
        link: &Link,
        planner: Option<Planner>,
        results: mpsc::UnboundedSender<(QueryResult, Turn)>,
        limit: Duration,
    ) -> Poller {
        let mut requests = HashMap::new();
        let mut tasks = Vec::new();
        let turns = Arc::new(Semaphore::new(1));
        for &kind in QueryKind::ALL {
            let (tx, rx) = watch::channel(Request::default());
            requests.insert(kind, tx);
            let reader = Reader {
                link: link.subscribe(),
                broken: link.reporter(),
                results: results.clone(),
                turns: turns.clone(),
                limit,
                planner: planner.clone().filter(|_| kind == QueryKind::Plan),
            };
            tasks.push(tokio::spawn(run_kind(kind, rx, reader)));
        }
        Poller { requests, tasks }
    }

    /// Asks for a fresh result of `kind` (for `target`, on drill-downs); merges with a request
    /// already waiting, the newest target winning. A periodic refresh: it waits out the rest
    /// after a slow query.
    pub fn request(&self, kind: QueryKind, target: Option<DrillTarget>) {
        self.send(kind, target, false, false);
    }

    /// Like [`request`](Self::request), for something the user just asked for (a tab, a
    /// drill-down, `r`): it does not wait out the rest; `whole`, it reads everything whatever
    /// the kind's watch says (`r`: what no watch sees, a VACUUM of a table not written lately,
    /// is read then).
    pub fn request_now(&self, kind: QueryKind, target: Option<DrillTarget>, whole: bool) {
        self.send(kind, target, true, whole);
    }

    fn send(&self, kind: QueryKind, target: Option<DrillTarget>, urgent: bool, whole: bool) {
        if let Some(tx) = self.requests.get(&kind) {
            tx.send_modify(|r| {
                r.seq += 1;
                r.target = target;
                if urgent {
                    r.urgent_seq += 1;
                }
                if whole {
                    r.whole_seq += 1;
                }
            });
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Request {
    seq: u64,
    target: Option<DrillTarget>,
    /// Counts requests the user asked for; one not yet served skips the rest after a slow
    /// query.
    urgent_seq: u64,
    /// Counts requests for a whole read; one not yet served reads whole.
    whole_seq: u64,
}

/// What one kind's reader shares with the others: the link, where results and broken sessions
/// are sent, the turn to read, the bound on a query and (the plan's) the planner.
struct Reader {
    link: watch::Receiver<crate::link::LinkStatus>,
    broken: mpsc::UnboundedSender<u64>,
    results: mpsc::UnboundedSender<(QueryResult, Turn)>,
    turns: Arc<Semaphore>,
    limit: Duration,
    planner: Option<Planner>,
}

async fn run_kind(kind: QueryKind, mut requests: watch::Receiver<Request>, reader: Reader) {
    let Reader {
        link,
        broken,
        results,
        turns,
        limit,
        planner,
    } = reader;
    let mut last_target: Option<DrillTarget> = None;
    let mut rest_until: Option<tokio::time::Instant> = None;
    let mut urgent_served = 0;
    let mut whole_served = 0;
    // What this kind keeps between refreshes (prepared statements, the catalog's structure),
    // and the connection it belongs to.
    let mut cache = (0, console_cache());
    while requests.changed().await.is_ok() {
        let mut request = requests.borrow_and_update().clone();
        // After a slow query, rest before repeating it (requests collapse meanwhile); what the
        // user just asked for, or another drill-down, goes ahead at once.
        if let Some(until) = rest_until.take() {
            while rests(&request, &last_target, urgent_served) {
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    changed = requests.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        request = requests.borrow_and_update().clone();
                    }
                }
            }
        }
        urgent_served = request.urgent_seq;
        let target = request.target;
        let Ok(turn) = turns.clone().acquire_owned().await else {
            return;
        };
        let turn = Turn(turn);
        let status = link.borrow().clone();
        let (Some(client), Some(caps)) = (status.client, status.caps) else {
            continue; // disconnected: the UI shows the link state and asks again on reconnect
        };
        if let Some(why) = model::unavailable(kind, &caps) {
            let done = QueryResult {
                kind,
                target,
                result: Ok(Payload::Unavailable(why)),
                elapsed: Duration::ZERO,
                finished_at: Utc::now(),
            };
            if results.send((done, turn)).is_err() {
                return;
            }
            continue;
        }
        let started = Instant::now();
        if let Some(delay) = bench_delay() {
            // Benchmark hook: a slow query in flight on the server before the screen's own.
            let _ = client.execute("SELECT pg_sleep($1)", &[&delay]).await;
        }
        if cache.0 != status.generation {
            cache = (status.generation, console_cache());
        }
        if request.whole_seq != whole_served {
            whole_served = request.whole_seq;
            cache.1.read_whole();
        }
        let fetch = async {
            match (&planner, target.as_ref()) {
                (Some(p), Some(t)) => model::plan::fetch(&client, p, &caps, t).await,
                _ => {
                    model::fetch_with(kind, target.as_ref(), &client, None, &caps, &mut cache.1)
                        .await
                }
            }
        };
        let result = match tokio::time::timeout(limit, fetch).await {
            Ok(Ok(payload)) => Ok(payload),
            Ok(Err(e)) => Err(ReadError::of(&e)),
            Err(_) => Err(ReadError::Timeout {
                seconds: limit.as_secs(),
            }),
        };
        if result.as_ref().is_err_and(ReadError::lost_the_session) {
            let _ = broken.send(status.generation);
        }
        let elapsed = started.elapsed();
        // a read that failed (a timeout, an error short of the connection) is not repeated at
        // every refresh; one that succeeded is, its cost kept low by watching what moved
        rest_until = result
            .is_err()
            .then(|| tokio::time::Instant::now() + rest_after_failure(elapsed));
        last_target = target.clone();
        let done = QueryResult {
            kind,
            target,
            result,
            elapsed,
            finished_at: Utc::now(),
        };
        if results.send((done, turn)).is_err() {
            return;
        }
    }
}

/// What a console's reader keeps: read again at every refresh, its watches may rest every
/// other time when nothing counted moved (`model::watch::Rest`).
fn console_cache() -> model::Cache {
    model::Cache {
        rests: true,
        ..model::Cache::default()
    }
}

/// Whether `request` waits out the rest: a periodic repeat of the last query does; a new
/// target or an urgent request not yet served does not.
fn rests(request: &Request, last_target: &Option<DrillTarget>, urgent_served: u64) -> bool {
    request.target == *last_target && request.urgent_seq == urgent_served
}

/// How long a query kind's periodic refresh rests after a read that failed after `elapsed`:
/// thirty times as long, from one second to five minutes (a read timing out at ten seconds is
/// tried again after five minutes, not at every refresh; what the user asks for — a tab, `r`,
/// a drill-down — never waits). A read that succeeds does not rest: each refresh reads what
/// moved since the last (see `model::watch`), and the screen says how old what it shows is
/// while a read fails.
pub fn rest_after_failure(elapsed: Duration) -> Duration {
    (elapsed * 30).clamp(Duration::from_secs(1), Duration::from_secs(300))
}

/// `HYPERTOP_BENCH_QUERY_DELAY=<seconds>`: the key-to-frame benchmark's slow query. Unset in
/// normal use.
fn bench_delay() -> Option<f64> {
    static DELAY: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("HYPERTOP_BENCH_QUERY_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_periodic_repeats_rest() {
        let job = |id| Some(DrillTarget::Job(id));
        let periodic = Request {
            seq: 5,
            target: job(1),
            urgent_seq: 2,
            whole_seq: 0,
        };
        assert!(rests(&periodic, &job(1), 2));
        assert!(!rests(&periodic, &job(7), 2), "another drill-down");
        let asked = Request {
            urgent_seq: 3,
            ..periodic
        };
        assert!(!rests(&asked, &job(1), 2), "the user asked");
    }

    #[test]
    fn only_a_failed_read_rests_thirty_times_its_duration_within_bounds() {
        assert_eq!(
            rest_after_failure(Duration::from_millis(2)),
            Duration::from_secs(1)
        );
        assert_eq!(
            rest_after_failure(Duration::from_millis(130)),
            Duration::from_millis(3_900)
        );
        assert_eq!(
            rest_after_failure(Duration::from_secs(10)),
            Duration::from_secs(300)
        );
    }
}
