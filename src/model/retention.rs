//! Retention policies and, on plain PostgreSQL, partitioned tables.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::names::Name;
use super::rows::Bound;

/// A retention policy as the Retention tab lists it: the policy (shared with the relations'
/// rows kept between refreshes, read through them: `row.drop_after`), the chunks it should have
/// dropped and its runs this refresh.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Retention {
    #[serde(flatten)]
    pub definition: Arc<RetentionDefinition>,
    pub chunks: i64,
    pub oldest_start: Option<Bound>,
    /// Chunks entirely older than `drop_after`: the policy should have dropped them. None:
    /// unknown — the threshold cannot be computed here (an integer-time hypertable whose
    /// integer_now function this role may not call).
    pub overdue_chunks: Option<i64>,
    pub overdue_bytes: Option<i64>,
    pub last_run: Option<DateTime<Utc>>,
    pub last_run_status: Option<Name>,
    pub next_start: Option<DateTime<Utc>>,
}

/// A hypertable's or continuous aggregate's retention policy as its job defines it: kept
/// between refreshes and shared by each refresh's [`Retention`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RetentionDefinition {
    pub schema: Name,
    pub name: Name,
    pub is_cagg: bool,
    pub job_id: i32,
    pub scheduled: bool,
    pub schedule_seconds: Option<f64>,
    pub drop_after: Option<Name>,
    pub drop_after_seconds: Option<f64>,
}

reads_through!(Retention, definition: RetentionDefinition);

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartitionedTable {
    pub schema: String,
    pub name: String,
    pub strategy: String,
    pub partitions: i64,
    pub size_bytes: i64,
    /// The lowest range lower bound, as PostgreSQL prints it (`'2024-01-01 00:00:00+00'`).
    pub oldest_bound: Option<String>,
    pub has_default: bool,
}

/// The partitioned tables of `queries/partitions.sql`'s rows.
pub fn partitions_from_rows(
    rows: &[tokio_postgres::Row],
    sizes: &super::sizes::Sizes,
) -> Result<Vec<PartitionedTable>, tokio_postgres::Error> {
    rows.iter()
        .map(|r| {
            let bounds: Vec<String> = r.try_get("lower_bounds")?;
            Ok(PartitionedTable {
                schema: r.try_get("schema")?,
                name: r.try_get("name")?,
                strategy: r
                    .try_get::<_, Option<String>>("strategy")?
                    .unwrap_or_default(),
                partitions: r.try_get("partitions")?,
                size_bytes: r
                    .try_get::<_, Vec<u32>>("leaves")?
                    .into_iter()
                    .map(|leaf| sizes.table(leaf).total())
                    .sum(),
                oldest_bound: oldest_bound(&bounds),
                has_default: r
                    .try_get::<_, Option<bool>>("has_default")?
                    .unwrap_or(false),
            })
        })
        .collect()
}

/// The lowest of range partitions' lower bounds: numerically when they are numbers, else as
/// text (PostgreSQL prints dates and timestamps in ISO order); MINVALUE sorts first.
pub fn oldest_bound(bounds: &[String]) -> Option<String> {
    let key = |b: &String| -> (u8, f64, String) {
        if b.eq_ignore_ascii_case("minvalue") {
            return (0, 0.0, String::new());
        }
        match b.trim_matches('\'').parse::<f64>() {
            Ok(n) => (1, n, String::new()),
            Err(_) => (2, 0.0, b.clone()),
        }
    };
    bounds
        .iter()
        .min_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(ka.2.cmp(&kb.2))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_bound_compares_numbers_numerically() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(oldest_bound(&s(&["100", "20", "3"])).unwrap(), "3");
        assert_eq!(
            oldest_bound(&s(&[
                "'2024-02-01 00:00:00+00'",
                "'2023-12-01 00:00:00+00'"
            ]))
            .unwrap(),
            "'2023-12-01 00:00:00+00'"
        );
        assert_eq!(oldest_bound(&s(&["5", "MINVALUE"])).unwrap(), "MINVALUE");
        assert_eq!(oldest_bound(&[]), None);
    }
}
