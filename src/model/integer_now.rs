//! "Now" of integer-time hypertables, from their integer_now functions: each called by the
//! client in a statement of its own, and only a function monitoring may call
//! (queries/integer_now_calls.sql: reachable by this role, not volatile, owned by a superuser or
//! this role, not shadowed by an overload), named as the server quotes it. Neither XML support
//! (servers built without libxml refuse `query_to_xml`) nor dynamic SQL on the server is
//! needed; a call that fails leaves that hypertable's "now" unknown, not the read.

use tokio_postgres::{Client, Error};

use crate::queries;

/// Hypertable ids and their "now", in step: the parameters of the queries that judge
/// integer-time thresholds (tables.sql, chunks.sql, caggs.sql).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntegerNows {
    pub ids: Vec<i32>,
    pub nows: Vec<i64>,
}

pub async fn read(client: &Client) -> Result<IntegerNows, Error> {
    let calls = client
        .query(queries::INTEGER_NOW_CALLS.as_str(), &[])
        .await?;
    let reads = calls.iter().map(|r| async move {
        let id: i32 = r.get("hypertable_id");
        // `call` is the server's quoting of the function's schema and name (format %I.%I()).
        let call: String = r.get("call");
        let now = client
            .query_one(format!("SELECT {call}::bigint").as_str(), &[])
            .await
            .ok()
            .and_then(|row| row.get::<_, Option<i64>>(0));
        now.map(|now| (id, now))
    });
    let mut out = IntegerNows::default();
    for (id, now) in futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
    {
        out.ids.push(id);
        out.nows.push(now);
    }
    Ok(out)
}
