//! "Now" of integer-time hypertables, from their integer_now functions: each called by the
//! client in a statement of its own, and only a function monitoring may call
//! (queries/integer_now_calls.sql: reachable by this role, not volatile, owned by a superuser or
//! this role, not shadowed by an overload), named as the server quotes it. Neither XML support
//! (servers built without libxml refuse `query_to_xml`) nor dynamic SQL on the server is
//! needed; a call that fails leaves that hypertable's "now" unknown, not the read.

use tokio_postgres::{Client, Error, Statement, ToStatement};

use super::statements::Statements;

/// Hypertable ids and their "now", in step: the parameters of the queries that judge
/// integer-time thresholds and lags (the catalog pass, chunks.sql, the Caggs tab).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntegerNows {
    pub ids: Vec<i32>,
    pub nows: Vec<i64>,
}

/// `sql` prepared beside the list (once, kept in `statements`), and the list's "now"s: what a
/// statement that judges integer-time thresholds needs before it runs.
pub async fn with_statement(
    client: &Client,
    statements: &mut Statements,
    sql: &'static str,
) -> Result<(Statement, IntegerNows), Error> {
    let [list, statement] = statements
        .get(client, [crate::queries::INTEGER_NOW_CALLS.as_str(), sql])
        .await?;
    Ok((statement, read(client, &list).await?))
}

/// `list` is queries/integer_now_calls.sql: a refresh passes the statement its kind keeps
/// prepared (planned once, not at every refresh), a one-off read (an action's) the text.
pub async fn read(
    client: &Client,
    list: &(impl ToStatement + ?Sized),
) -> Result<IntegerNows, Error> {
    let rows = client.query(list, &[]).await?;
    // Each function once, however many hypertables share it (a tenant's hypertables usually
    // do): `call` is the server's quoting of its schema and name (format %I.%I()).
    let mut calls: std::collections::BTreeMap<String, Vec<i32>> = Default::default();
    for r in &rows {
        let (id, call): (i32, String) = (r.get("hypertable_id"), r.get("call"));
        calls.entry(call).or_default().push(id);
    }
    let reads = calls.iter().map(|(call, ids)| async move {
        let now = client
            .query_one(format!("SELECT {call}::bigint").as_str(), &[])
            .await
            .ok()
            .and_then(|row| row.get::<_, Option<i64>>(0));
        now.map(|now| (ids, now))
    });
    let mut out = IntegerNows::default();
    for (ids, now) in futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
    {
        out.ids.extend(ids);
        out.nows.extend(std::iter::repeat_n(now, ids.len()));
    }
    Ok(out)
}
