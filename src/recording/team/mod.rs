//! A team's flight recorder: frames and samples kept in a PostgreSQL database the team runs
//! (`record --into`), read by every engineer's console, `replay` and `snapshot --at`.
//!
//! The store is a schema `hypertop` that hypertop creates and upgrades itself (`schema`):
//! hypertables compressed and retained by TimescaleDB where it is there, plain tables pruned by
//! hypertop where it is not. A frame is a target's minute — (the server's system identifier,
//! the database's oid, the minute) — stored once whoever wrote it, so that several recorders of
//! one target neither duplicate nor fight (`writer`); its sections' values are kept once each
//! under their SHA-256. Readers (`reader`) take a target's frames by that identity only.
//!
//! Rights: the store's owner creates it; a writer's login acts as `hypertop_store_writer`, a
//! reader's as `hypertop_store_reader` (each `SET ROLE`, so that nothing the store holds runs
//! with more than those roles' rights), and no row-level policy is applied in its session.

pub mod kept;
pub mod reader;
pub mod schema;
pub mod writer;

use crate::capabilities::Capabilities;
use crate::connect::{Connector, Session, SessionSettings};
use crate::conninfo::{ConnectionInputs, Environment, Resolved};

use super::error::RecordError;

/// The group roles a login is granted to write or to read the store.
pub const WRITER_ROLE: &str = "hypertop_store_writer";
pub const READER_ROLE: &str = "hypertop_store_reader";

/// The environment variable naming the team store for every reader and recorder (a profile's
/// `record_into` and `record --into` say it too).
pub const ENV: &str = "HYPERTOP_RECORD_INTO";

/// Which server and database a frame is of: the same identity the local recording is held to
/// ([`super::server_of`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetId {
    pub system: String,
    pub database_oid: i64,
}

impl TargetId {
    /// The identity a session reads; None when its role may not read the system identifier
    /// (the team store then keeps nothing of it: frames of unknown servers would mix), or on a
    /// standby (which shares its primary's identifier and database oid: its frames would be
    /// taken for the primary's).
    pub fn of(caps: &Capabilities) -> Option<TargetId> {
        if caps.in_recovery {
            return None;
        }
        Some(TargetId {
            system: caps.system_identifier.clone()?,
            database_oid: caps.database_oid?,
        })
    }

    /// As the local recording names it.
    pub fn server(&self) -> String {
        format!("system {}, database oid {}", self.system, self.database_oid)
    }
}

/// The address a target is kept under for readers that do not connect to it (`replay`,
/// `snapshot --at`): host, port and database as the connection settings resolve them.
pub fn address(r: &Resolved) -> String {
    format!("{}:{}/{}", r.host(), r.port(), r.dbname())
}

/// The store's connection settings resolved as any target's (service file, passfile, TLS).
pub fn resolve(conninfo: &str) -> Result<Resolved, RecordError> {
    let inputs = ConnectionInputs {
        conninfo: Some(conninfo.to_string()),
        ..ConnectionInputs::default()
    };
    crate::conninfo::resolve(&inputs, &Environment::from_process()).map_err(|e| {
        RecordError::TeamStore {
            store: "the team store".into(),
            why: e.to_string(),
        }
    })
}

/// A session on the store: a minute for a statement (pruning), no row-level policy applied,
/// and TimescaleDB's schema where it is installed.
pub struct StoreSession {
    pub session: Session,
    /// The store's name in messages (`user@host:port/db`).
    pub name: String,
    pub timescaledb: Option<String>,
}

impl StoreSession {
    pub async fn open(resolved: &Resolved) -> Result<StoreSession, RecordError> {
        let name = resolved.target_short();
        let settings = SessionSettings {
            statement_timeout: std::time::Duration::from_secs(60),
            ..SessionSettings::default()
        };
        let failed = |why: String| RecordError::TeamStore {
            store: name.clone(),
            why,
        };
        let connector =
            Connector::new(resolved.clone(), settings).map_err(|e| failed(e.to_string()))?;
        let session = connector
            .connect()
            .await
            .map_err(|e| RecordError::TeamDown {
                store: name.clone(),
                why: e.to_string(),
            })?;
        // a policy's expression is someone's code: with row security off a table that has one
        // refuses to be read instead of running it
        session
            .client
            .batch_execute("SET row_security = off")
            .await
            .map_err(|e| failed(crate::connect::describe_error(&e)))?;
        // hypertables only from 2.11 (unique keys on compressed chunks, and inserts into them)
        let timescaledb = session
            .client
            .query_opt(crate::queries::team_store::TIMESCALEDB, &[])
            .await
            .map_err(|e| failed(crate::connect::describe_error(&e)))?
            .filter(|r| at_least_2_11(r.get("version")))
            .map(|r| r.get::<_, String>("schema"));
        Ok(StoreSession {
            session,
            name,
            timescaledb,
        })
    }

    /// An error of this store, doing `what`.
    pub fn failed(&self, what: &'static str) -> impl Fn(tokio_postgres::Error) -> RecordError + '_ {
        move |e| RecordError::Team {
            store: self.name.clone(),
            what,
            error: crate::connect::describe_error(&e),
        }
    }
}

/// Whether a TimescaleDB version (`2.10.3`) is 2.11 or later.
fn at_least_2_11(version: &str) -> bool {
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (2, 11)
}

/// Where a reader takes a target's history from in the team store.
#[derive(Clone)]
pub struct TeamSource {
    pub store: Resolved,
    pub which: reader::Which,
}

impl TeamSource {
    /// The target's reader; None when the store holds nothing under its address.
    pub fn open(&self) -> Result<Option<reader::TeamReader>, RecordError> {
        reader::TeamReader::open(&self.store, self.which.clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_standby_or_an_unknown_server_has_no_identity_in_the_store() {
        let mut caps = crate::model::fixtures::caps();
        caps.system_identifier = Some("7000000000000000001".into());
        caps.database_oid = Some(5);
        caps.in_recovery = false;
        assert_eq!(
            super::TargetId::of(&caps).map(|t| t.server()),
            Some("system 7000000000000000001, database oid 5".to_string())
        );
        caps.in_recovery = true;
        assert_eq!(
            super::TargetId::of(&caps),
            None,
            "a standby is its primary's double"
        );
        caps.in_recovery = false;
        caps.system_identifier = None;
        assert_eq!(super::TargetId::of(&caps), None);
    }

    #[test]
    fn hypertables_from_2_11() {
        for (v, yes) in [
            ("2.9.3", false),
            ("2.10.3", false),
            ("2.11.0", true),
            ("2.29.2", true),
            ("3.0.0-dev", true),
        ] {
            assert_eq!(super::at_least_2_11(v), yes, "{v}");
        }
    }
}
