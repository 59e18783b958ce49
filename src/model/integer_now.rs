//! "Now" of integer-time hypertables, from their integer_now functions: each called by the
//! client in a statement of its own, with the search_path TimescaleDB's policy jobs call it
//! with, and only a function monitoring may call (queries/integer_now_calls.sql: reachable by
//! this role, not volatile, owned by a superuser or this role, not shadowed by an overload, its
//! hypertable's owner a superuser or this role), named as the server quotes it. Neither XML support
//! (servers built without libxml refuse `query_to_xml`) nor dynamic SQL on the server is
//! needed; a call that fails leaves that hypertable's "now" unknown, not the read.

use tokio_postgres::{Client, Error, Statement, ToStatement};

use super::statements::Prepared;

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
    statements: &mut Prepared,
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
    // Each function once per search_path, however many hypertables share it (a tenant's
    // hypertables usually do): `call` is the server's quoting of its schema and name (format
    // %I.%I()), `search_path` the one its policy jobs call it with.
    let mut calls: std::collections::BTreeMap<(String, String), Vec<i32>> = Default::default();
    for r in &rows {
        let (id, call, path): (i32, String, String) =
            (r.get("hypertable_id"), r.get("call"), r.get("search_path"));
        calls.entry((call, path)).or_default().push(id);
    }
    // Each call a transaction of its own, its search_path set for it alone (SET LOCAL): a
    // failing call rolls back only itself, and the session's own search_path is back at its
    // COMMIT. Other reads share this session (a one-shot read pipelines them): the four
    // statements are sent together, their statements prepared first, so nothing else runs in
    // between — each is sent at its future's first poll, and join! polls them in order.
    let mut out = IntegerNows::default();
    if calls.is_empty() {
        return Ok(out);
    }
    let set = client
        .prepare("SELECT pg_catalog.set_config('search_path', $1, true)")
        .await?;
    for ((call, path), ids) in &calls {
        let Ok(select) = client.prepare(&format!("SELECT {call}::bigint")).await else {
            continue;
        };
        let param: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [path];
        let (begin, _, now, commit) = futures_util::join!(
            client.simple_query("BEGIN"),
            client.query_one(&set, &param),
            client.query_one(&select, &[]),
            client.simple_query("COMMIT"),
        );
        begin?;
        commit?;
        if let Some(now) = now.ok().and_then(|row| row.get::<_, Option<i64>>(0)) {
            out.ids.extend(ids);
            out.nows.extend(std::iter::repeat_n(now, ids.len()));
        }
    }
    Ok(out)
}
