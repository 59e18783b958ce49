//! hypertop: a terminal console for the health and policies of TimescaleDB and PostgreSQL.
//!
//! Data flows one way: `cli` → `conninfo` (libpq-style settings) → `connect` (sessions, TLS,
//! errors) → `link` (keeps a session alive) → `poller` (one in-flight query per kind) → `model`
//! (plain data from `queries/*.sql`) → `app` (event loop and state) → `render` (drawing only).

pub mod actions;
pub mod app;
pub mod capabilities;
pub mod cli;
pub mod config;
pub mod connect;
pub mod conninfo;
pub mod demo;
pub mod format;
pub mod grid;
pub mod headless;
pub mod journal;
pub mod link;
pub mod model;
pub mod paths;
pub mod poller;
pub mod problems;
pub mod queries;
pub mod render;
pub mod screens;
pub mod snapshot;
pub mod terminal;
pub mod theme;
