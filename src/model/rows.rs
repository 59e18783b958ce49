//! Reading rows: the primitives every dataset's reader uses (a leaf of `model`).

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

/// The start or end of a chunk range: a time, or an integer for integer-time hypertables.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Bound {
    Time(DateTime<Utc>),
    Int(i64),
}

impl Bound {
    pub fn from_row(
        row: &Row,
        time: &str,
        int: &str,
    ) -> Result<Option<Bound>, tokio_postgres::Error> {
        let t: Option<DateTime<Utc>> = row.try_get(time)?;
        let i: Option<i64> = row.try_get(int)?;
        Ok(t.map(Bound::Time).or(i.map(Bound::Int)))
    }
}

/// Runs `sql` and turns each row into a `T` as it arrives, so a 10,000-row drill-down never
/// holds its raw rows and its values at once.
pub(crate) async fn collect_rows<T>(
    client: &Client,
    sql: &(impl tokio_postgres::ToStatement + ?Sized),
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<T, tokio_postgres::Error>,
) -> Result<Vec<T>, tokio_postgres::Error> {
    let mut out = Vec::new();
    each_row(client, sql, params, |r| {
        out.push(each(r)?);
        Ok(())
    })
    .await?;
    // the room grown into and not used (up to half of it) goes back
    out.shrink_to_fit();
    Ok(out)
}

/// Runs `sql` and hands each row to `each` as it arrives, then drops it: a result in many rows
/// of arrays is never held whole (a client holds each message whole while it decodes it).
pub(crate) async fn each_row(
    client: &Client,
    sql: &(impl tokio_postgres::ToStatement + ?Sized),
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<(), tokio_postgres::Error>,
) -> Result<(), tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let rows = client.query_raw(sql, params.iter().copied()).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.try_next().await? {
        each(&row)?;
    }
    Ok(())
}

/// An array column, empty when NULL (`array_agg` over no rows).
pub(crate) fn array<T: for<'a> tokio_postgres::types::FromSql<'a>>(
    r: &Row,
    column: &str,
) -> Result<Vec<T>, tokio_postgres::Error> {
    Ok(r.try_get::<_, Option<Vec<T>>>(column)?.unwrap_or_default())
}
