//! Integration tests against real engines: the TimescaleDB wire server and native PostgreSQL 15.
//! Run them with `tests/run`, which prepares both engines.

mod engines;
mod pty;

mod capabilities;
mod cli_errors;
mod reconnect;
mod screens;
mod terminal;
mod tls;
mod wire_server;
