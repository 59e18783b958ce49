//! Plain data per screen, read from rows; no I/O beyond the one query each `fetch` runs.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::queries;

/// The connection summary: server, extension, session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub version: String,
    pub started_at: Option<DateTime<Utc>>,
    pub server_now: DateTime<Utc>,
    pub database_bytes: i64,
    pub connections: i64,
    pub max_connections: i32,
    pub server_addr: Option<String>,
    pub server_port: Option<i32>,
    pub backend_pid: i32,
    pub application_name: String,
    pub timescaledb_version: Option<String>,
    pub ssl: Option<bool>,
    pub read_only: bool,
    pub statement_timeout: String,
}

impl Summary {
    pub async fn fetch(
        client: &Client,
        _caps: &Capabilities,
    ) -> Result<Self, tokio_postgres::Error> {
        let r = client.query_one(queries::SUMMARY, &[]).await?;
        Ok(Summary {
            version: r.get("version"),
            started_at: r.get("started_at"),
            server_now: r.get("server_now"),
            database_bytes: r.get("database_bytes"),
            connections: r.get("connections"),
            max_connections: r.get("max_connections"),
            server_addr: r.get("server_addr"),
            server_port: r.get("server_port"),
            backend_pid: r.get("backend_pid"),
            application_name: r.get("application_name"),
            timescaledb_version: r.get("timescaledb_version"),
            ssl: r.get("ssl"),
            read_only: r.get("read_only"),
            statement_timeout: r.get("statement_timeout"),
        })
    }

    /// Server uptime, from the server's own clock (immune to skew with the bastion host).
    pub fn uptime(&self) -> Option<chrono::Duration> {
        self.started_at.map(|s| self.server_now - s)
    }
}

/// Each kind of query the UI polls; one in-flight query per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryKind {
    Summary,
}

impl QueryKind {
    pub const ALL: &'static [QueryKind] = &[QueryKind::Summary];
}

#[derive(Debug, Clone)]
pub enum Payload {
    Summary(Summary),
}

/// Runs the query behind `kind`.
pub async fn fetch(
    kind: QueryKind,
    client: &Client,
    caps: &Capabilities,
) -> Result<Payload, tokio_postgres::Error> {
    match kind {
        QueryKind::Summary => Summary::fetch(client, caps).await.map(Payload::Summary),
    }
}
