//! Every policy of a database as one read: per hypertable and cagg, its compression settings
//! and its compression, retention, refresh and reorder policy jobs (`queries/policies.sql`).

use tokio_postgres::Client;

use crate::queries;

/// One policy job.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyJob {
    pub job_id: i32,
    /// `policy_compression`, `policy_retention`, `policy_refresh_continuous_aggregate`,
    /// `policy_reorder`.
    pub proc_name: String,
    pub scheduled: bool,
    /// As the server prints it (`1 day`, `12:00:00`).
    pub schedule: String,
    pub config: serde_json::Value,
}

/// A hypertable or continuous aggregate and its policies.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationPolicies {
    pub schema: String,
    pub name: String,
    pub is_cagg: bool,
    pub compression_enabled: bool,
    /// Its time column is an integer: thresholds and offsets are numbers, not intervals.
    pub integer_time: bool,
    /// Quoted column names, in order.
    pub segmentby: Vec<String>,
    /// `"time" DESC`, … in order.
    pub orderby: Vec<String>,
    pub jobs: Vec<PolicyJob>,
}

pub async fn fetch(
    client: &Client,
    caps: &crate::capabilities::Capabilities,
) -> Result<Vec<RelationPolicies>, tokio_postgres::Error> {
    let rows = client.query(queries::policies(caps), &[]).await?;
    let mut out: Vec<RelationPolicies> = Vec::new();
    for r in &rows {
        let (schema, name): (String, String) = (r.try_get("schema")?, r.try_get("name")?);
        if out
            .last()
            .is_none_or(|l| (l.schema.as_str(), l.name.as_str()) != (&schema, &name))
        {
            out.push(RelationPolicies {
                schema,
                name,
                is_cagg: r.try_get("is_cagg")?,
                compression_enabled: r.try_get("compression_enabled")?,
                integer_time: r.try_get("integer_time")?,
                segmentby: r.try_get("segmentby")?,
                orderby: r.try_get("orderby")?,
                jobs: Vec::new(),
            });
        }
        if let Some(job_id) = r.try_get::<_, Option<i32>>("job_id")? {
            let config: Option<String> = r.try_get("config")?;
            let job = PolicyJob {
                job_id,
                proc_name: r.try_get("proc_name")?,
                scheduled: r.try_get("scheduled")?,
                schedule: r.try_get("schedule")?,
                config: config
                    .and_then(|c| serde_json::from_str(&c).ok())
                    .unwrap_or(serde_json::Value::Null),
            };
            if let Some(last) = out.last_mut() {
                last.jobs.push(job);
            }
        }
    }
    Ok(out)
}
