//! Reading one target's history from the team store, for readers that are not async (the
//! replay's reading thread, the console's recording thread, `snapshot --at`): a thread of its
//! own holds the session and answers one question at a time.

use std::sync::mpsc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::schema::{self, Use};
use super::{StoreSession, TargetId};
use crate::conninfo::Resolved;
use crate::history::{Sample, Series};
use crate::queries::team_store as sql;
use crate::recording::error::RecordError;
use crate::recording::store::Frame;

/// A question for the store's thread: given its session, or why there is none.
type Job = Box<dyn FnOnce(Result<Arc<StoreSession>, RecordError>) -> BoxFuture<'static, ()> + Send>;

/// One target's history in the team store.
pub struct TeamReader {
    jobs: mpsc::Sender<Job>,
    pub target: TargetId,
    /// The store's name in messages.
    pub store: String,
}

/// Which target to read: the identity a connected reader found, or the address a reader that
/// does not connect was given (the identity last recorded under it).
#[derive(Debug, Clone)]
pub enum Which {
    Identity(TargetId),
    Address(String),
}

impl TeamReader {
    /// Opens the store (refused where it is not one this hypertop reads, or the login may not
    /// read it) and finds the target; None when the store holds nothing of an address.
    pub fn open(resolved: &Resolved, which: Which) -> Result<Option<TeamReader>, RecordError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::channel();
        let resolved = resolved.clone();
        std::thread::Builder::new()
            .name("team-store".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(RecordError::Thread(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut session = match readied(&resolved).await {
                        Ok(s) => {
                            let _ = ready_tx.send(Ok(s.name.clone()));
                            Arc::new(s)
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    while let Ok(job) = queue.recv() {
                        // the store restarted, or cut this session: opened again (the
                        // connection's task first takes in what came while the thread waited)
                        tokio::task::yield_now().await;
                        if session.session.client.is_closed() {
                            match readied(&resolved).await {
                                Ok(s) => session = Arc::new(s),
                                Err(e) => {
                                    job(Err(e)).await;
                                    continue;
                                }
                            }
                        }
                        job(Ok(session.clone())).await;
                    }
                });
            })
            .map_err(RecordError::Thread)?;
        let store = ready.recv().map_err(|_| gone())??;
        let mut reader = TeamReader {
            jobs,
            target: TargetId {
                system: String::new(),
                database_oid: 0,
            },
            store,
        };
        match which {
            Which::Identity(id) => reader.target = id,
            Which::Address(address) => match reader.identity_of(address)? {
                Some(id) => reader.target = id,
                None => return Ok(None),
            },
        }
        Ok(Some(reader))
    }

    /// Runs `f` on the store's thread and waits for its answer.
    fn ask<T: Send + 'static>(
        &self,
        f: impl FnOnce(Arc<StoreSession>) -> BoxFuture<'static, Result<T, RecordError>> + Send + 'static,
    ) -> Result<T, RecordError> {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |s| {
            Box::pin(async move {
                let _ = tx.send(match s {
                    Ok(s) => f(s).await,
                    Err(e) => Err(e),
                });
            })
        });
        self.jobs.send(job).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }

    fn identity_of(&self, address: String) -> Result<Option<TargetId>, RecordError> {
        self.ask(move |s| {
            Box::pin(async move {
                let row = s
                    .session
                    .client
                    .query_opt(sql::ADDRESS_IDENTITY, &[&address])
                    .await
                    .map_err(s.failed("cannot find the target"))?;
                Ok(row.map(|r| TargetId {
                    system: r.get("system_identifier"),
                    database_oid: r.get("database_oid"),
                }))
            })
        })
    }

    /// Every frame's time, oldest first.
    pub fn times(&self) -> Result<Vec<DateTime<Utc>>, RecordError> {
        let id = self.target.clone();
        self.ask(move |s| {
            Box::pin(async move {
                let rows = s
                    .session
                    .client
                    .query(sql::FRAME_TIMES, &[&id.system, &id.database_oid])
                    .await
                    .map_err(s.failed("cannot list frames"))?;
                Ok(rows.iter().map(|r| r.get(0)).collect())
            })
        })
    }

    /// The frame recorded at `at` or last before it.
    pub fn at_or_before(&self, at: DateTime<Utc>) -> Result<Option<Frame>, RecordError> {
        let id = self.target.clone();
        self.ask(move |s| {
            Box::pin(async move {
                let row = s
                    .session
                    .client
                    .query_opt(sql::FRAME_AT, &[&id.system, &id.database_oid, &at])
                    .await
                    .map_err(s.failed("cannot read a frame"))?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let odd = |e: tokio_postgres::Error| RecordError::TeamStore {
                    store: s.name.clone(),
                    why: format!("a frame is not as this hypertop writes it: {e}"),
                };
                let names: Vec<String> = row.try_get("names").map_err(odd)?;
                let bodies: Option<Vec<String>> = row.try_get("bodies").map_err(odd)?;
                let bodies = bodies.unwrap_or_default();
                if bodies.len() != names.len() {
                    return Err(RecordError::TeamStore {
                        store: s.name.clone(),
                        why: "a frame names a section value the store no longer holds".into(),
                    });
                }
                let mut sections = Vec::with_capacity(names.len());
                for (name, value) in names.into_iter().zip(bodies) {
                    sections.push(checked(&s.name, name, value)?);
                }
                Ok(Some(Frame {
                    at: row.try_get("at").map_err(odd)?,
                    sections,
                }))
            })
        })
    }

    /// The samples from `since` (seconds since 1970) on, and before it the latest of each
    /// series that carries its value forward, oldest first (as the local recording gives them).
    pub fn samples_since(&self, since: u32) -> Result<Vec<Sample>, RecordError> {
        let id = self.target.clone();
        self.ask(move |s| {
            Box::pin(async move {
                let carried: Vec<&str> = vec!["hypertable_bytes", "cagg_last_success"];
                let rows = s
                    .session
                    .client
                    .query(
                        sql::SAMPLES_SINCE,
                        &[&id.system, &id.database_oid, &f64::from(since), &carried],
                    )
                    .await
                    .map_err(s.failed("cannot read the samples"))?;
                Ok(rows
                    .iter()
                    .filter_map(|r| {
                        let series = Series::from_key(r.get::<_, &str>(0))?;
                        let at = u32::try_from(r.get::<_, i64>(1)).ok()?;
                        Some(Sample {
                            series,
                            at,
                            value: r.get(2),
                        })
                    })
                    .collect())
            })
        })
    }
}

/// A section as a reader may take it from another login's writing: a JSON section must be
/// JSON (which holds no raw control character); a text's lines are made printable where shown.
fn checked(store: &str, name: String, value: String) -> Result<(String, String), RecordError> {
    let refuse = |why: String| RecordError::TeamStore {
        store: store.to_string(),
        why,
    };
    // only a snapshot's members and text blocks; never one that would stand for what the
    // replay itself says (when, and of which server)
    let member = name.strip_prefix(crate::recording::JSON_SECTION);
    if !(crate::recording::is_text(&name) || member.is_some())
        || member.is_some_and(|m| m.starts_with("recorded_"))
    {
        return Err(refuse(format!(
            "a frame's section {} is not one hypertop writes: not shown",
            crate::format::printable(&name)
        )));
    }
    if !crate::recording::is_text(&name) {
        serde_json::from_str::<serde::de::IgnoredAny>(&value).map_err(|e| {
            RecordError::TeamStore {
                store: store.to_string(),
                why: format!(
                    "a frame's section {} is not JSON ({e}): not shown",
                    crate::format::printable(&name)
                ),
            }
        })?;
    }
    Ok((name, value))
}

/// A session on the store readied for reading.
async fn readied(resolved: &Resolved) -> Result<StoreSession, RecordError> {
    let session = StoreSession::open(resolved).await?;
    schema::ready(&session, Use::Read, std::time::Duration::ZERO).await?;
    Ok(session)
}

fn gone() -> RecordError {
    RecordError::TeamStore {
        store: "the team store".into(),
        why: "its reading thread ended".into(),
    }
}
