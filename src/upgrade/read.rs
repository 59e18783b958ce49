//! The catalog's facts for an update: whether TimescaleDB is there, then its facts in one
//! statement (queries/upgrade_facts.sql) and, where the settings table exists, the bloom
//! indexes as the update judges them (queries/upgrade_bloom_sources.sql).

use serde::Deserialize;
use tokio_postgres::Client;

use super::{Bloom, BloomSource, Dependent, Facts};

#[derive(Deserialize)]
struct NgUser {
    object: String,
    kind: String,
}

/// The facts of the database `client` is connected to; an empty `installed` where TimescaleDB
/// is not there.
pub async fn facts(client: &Client) -> anyhow::Result<Facts> {
    if client
        .query_opt(crate::queries::UPGRADE_INSTALLED, &[])
        .await?
        .is_none()
    {
        return Ok(Facts::default());
    }
    let row = client.query_one(crate::queries::UPGRADE_FACTS, &[]).await?;
    let json = |name: &str| -> anyhow::Result<serde_json::Value> { Ok(row.try_get(name)?) };
    let dependents: Vec<Dependent> = serde_json::from_value(json("dependents")?)?;
    let ng: Vec<NgUser> = serde_json::from_value(json("time_bucket_ng")?)?;
    let blooms: Vec<Bloom> = serde_json::from_value(json("blooms")?)?;
    let bloom_sources = if row.try_get("has_settings")? {
        (client
            .query(crate::queries::UPGRADE_BLOOM_SOURCES, &[])
            .await?
            .iter())
        .map(|r| {
            Ok(BloomSource {
                hypertable: r.try_get("hypertable")?,
                columns: r.try_get("columns")?,
                asked: r.try_get("asked")?,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()?
    } else {
        Vec::new()
    };
    Ok(Facts {
        server_version_num: row.try_get("server_version_num")?,
        installed: row
            .try_get::<_, Option<String>>("installed")?
            .unwrap_or_default(),
        available: row
            .try_get::<_, Option<Vec<String>>>("available")?
            .unwrap_or_default(),
        dependents,
        time_bucket_ng: ng.into_iter().map(|u| (u.kind, u.object)).collect(),
        old_caggs: row.try_get("old_caggs")?,
        wal_slots: row.try_get("wal_slots")?,
        hypercore: row.try_get("hypercore")?,
        blooms,
        bloom_sources,
    })
}
