//! The SQL hypertop runs, embedded from `queries/*.sql` at build time.

pub const CAPABILITIES: &str = include_str!("../queries/capabilities.sql");
pub const SUMMARY: &str = include_str!("../queries/summary.sql");
