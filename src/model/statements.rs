//! Statements prepared once per connection and run again on every refresh.
//!
//! A statement sent as text is parsed, analysed and planned every time, and costs a round trip
//! to prepare before it runs: that was most of the small screens' refresh (the jobs, the
//! continuous aggregates, the overview's server facts), a fraction of it once prepared. The
//! screens' queries take no parameters but the catalog structure's oids, so the plan a
//! statement keeps is the one it would get anyway.

use std::collections::HashMap;

use futures_util::future::try_join_all;
use tokio_postgres::{Client, Error, Row, Statement};

/// The statements prepared on one connection, by their SQL text.
#[derive(Debug, Default)]
pub struct Prepared(HashMap<&'static str, Statement>);

impl Prepared {
    /// The statements for `sqls`, in order, preparing the ones not prepared yet (together: the
    /// preparations go out pipelined).
    pub async fn get<const N: usize>(
        &mut self,
        client: &Client,
        sqls: [&'static str; N],
    ) -> Result<[Statement; N], Error> {
        let missing: Vec<&'static str> = sqls
            .iter()
            .copied()
            .filter(|sql| !self.0.contains_key(sql))
            .collect();
        let prepared = try_join_all(missing.iter().map(|sql| client.prepare(sql))).await?;
        self.0.extend(missing.into_iter().zip(prepared));
        Ok(sqls.map(|sql| self.0[sql].clone()))
    }

    /// Runs `sql`, which takes no parameters, prepared, and turns each row into a `T` as it
    /// arrives (the raw rows all held together first added to the peak).
    pub async fn collect<T>(
        &mut self,
        client: &Client,
        sql: &'static str,
        each: impl FnMut(&Row) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let [statement] = self.get(client, [sql]).await?;
        super::rows::collect_rows(client, &statement, &[], each).await
    }

    /// Runs `sql`, which takes no parameters and returns one row, prepared.
    pub async fn query_one(&mut self, client: &Client, sql: &'static str) -> Result<Row, Error> {
        let [statement] = self.get(client, [sql]).await?;
        client.query_one(&statement, &[]).await
    }

    /// Forgets every statement: after a failed read, one of them may no longer fit the server
    /// (an extension upgraded under a view it reads), and the next refresh prepares them anew.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Whether `sql` is prepared here.
    pub fn holds(&self, sql: &str) -> bool {
        self.0.contains_key(sql)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
