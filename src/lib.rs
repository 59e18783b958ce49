//! hypertop: a terminal console for the health and policies of TimescaleDB and PostgreSQL.
//!
//! Data flows one way; a module imports only from those before it:
//!
//! - **Connecting**: `cli` (flags) → `conninfo` (libpq-style settings) → `config` (profiles)
//!   → `connect` (sessions, TLS, errors) → `capabilities` (what the server can do) →
//!   `releases` (what is known of TimescaleDB releases beyond their catalogs) → `queries`
//!   (the SQL of `queries/`, chosen by capability).
//! - **Commands**: `command` (the palette's language: the table of commands, parsing a line
//!   into a typed `Command`, its canonical text) — what advisors suggest and actions run.
//! - **Monitoring**: `model` (typed rows per dataset, read by `fetch`, with pure derivations)
//!   → `policy` (policies as code: the file, drift, lint rules) → `problems` (the ranked
//!   problem rules, lint findings among them) → `history` (how the numbers moved over the
//!   session's reads, in bounded rings) → `recording` (the local store of
//!   what was read: samples for the pictures, frames for `snapshot --at`) → `store` (one `DataState` per dataset; the
//!   `Dataset` applies query results, reads everything once and derives the problems) →
//!   `link` (keeps a session alive) → `poller` (one in-flight query per kind).
//! - **Operating**: `actions` — `complete` (on `command`'s table) →
//!   `resolve` (reads the catalog) → `plan` (pure, by family) → `execute` (its own session)
//!   → `journal` and `rollback` → `runner` (plan, then run with progress and cancel); then
//!   `settings` (a target's flags over its profile over the defaults, the journal's place;
//!   the fleet of profiles).
//! - **Showing**: `pictures` (what each chart shows; pure) → `screens` (the screen table: each
//!   tab's columns, rows, drill-down and keys) → `app` (the console's state and dialogs;
//!   `update` takes every message and returns effects; pure) → `render` (drawing only) →
//!   `console` (the event loop: runs the effects).
//! - **Front ends**: `console`, `headless` (`run`, `history`, `policy`), `snapshot` (`snapshot`,
//!   `check`), `recorder` (the flight recorder: `record`, `snapshot --at`), `exporter`
//!   (Prometheus) and `demo` — all on the same store, screens and runner.
//!
//! Leaves used anywhere: `format`, `paths` (where files live, and reading the ones a user
//! names), `grid` (tables: sort, filter, layout), `theme`,
//! `terminal`.

pub mod actions;
pub mod app;
pub mod capabilities;
pub mod cli;
pub mod command;
pub mod config;
pub mod connect;
pub mod conninfo;
pub mod console;
pub mod demo;
pub mod exporter;
pub mod format;
pub mod grid;
pub mod headless;
pub mod history;
pub mod link;
pub mod model;
pub mod paths;
pub mod pictures;
pub mod policy;
pub mod poller;
pub mod problems;
pub mod queries;
pub mod recorder;
pub mod recording;
pub mod releases;
pub mod render;
pub mod screens;
pub mod settings;
pub mod snapshot;
pub mod store;
pub mod terminal;
pub mod theme;

#[cfg(test)]
mod testing;

#[cfg(test)]
mod layering {
    //! The order of the crate doc above, checked: no module imports one after it.

    /// Leaves first, then the flow as documented.
    const ORDER: &[&str] = &[
        "format",
        "paths",
        "grid",
        "theme",
        "terminal",
        "cli",
        "conninfo",
        "config",
        "connect",
        "capabilities",
        "releases",
        "queries",
        "command",
        "model",
        "policy",
        "problems",
        "history",
        "recording",
        "store",
        "link",
        "poller",
        "actions",
        "settings",
        "pictures",
        "screens",
        "app",
        "render",
        "console",
        "headless",
        "snapshot",
        "recorder",
        "exporter",
        "demo",
    ];

    #[test]
    fn no_module_imports_one_after_it() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            // `testing` is the unit tests' own (tests may use anything)
            let Some(me) = ORDER.iter().position(|m| *m == top) else {
                assert!(
                    ["lib", "main", "testing"].contains(&top.as_str()),
                    "{top} is not in ORDER"
                );
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            // Test modules may use anything; other items under #[cfg(test)] are checked.
            let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let used: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let Some(pos) = ORDER.iter().position(|m| *m == used) else {
                    continue;
                };
                assert!(
                    pos <= me,
                    "{} imports {used}, which comes after {top}",
                    rel.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} imports seen");
    }
}
