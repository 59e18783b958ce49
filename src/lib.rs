//! hypertop: a terminal console for the health and policies of TimescaleDB and PostgreSQL.
//!
//! Data flows one way; a module imports only from those before it:
//!
//! - **Connecting**: `cli` (flags) → `conninfo` (libpq-style settings) → `config` (profiles)
//!   → `connect` (sessions, TLS, errors) → `capabilities` (what the server can do) →
//!   `releases` (what is known of TimescaleDB releases beyond their catalogs) → `queries`
//!   (the SQL of `queries/`, chosen by capability) → `upgrade` (what an update of TimescaleDB
//!   would meet, from the catalog: `upgrade-check`'s and the Overview's).
//! - **Commands**: `command` (the palette's language: the table of commands, parsing a line
//!   into a typed `Command`, its canonical text) — what advisors suggest and actions run.
//! - **Monitoring**: `model` (typed rows per dataset, read by `fetch`, with pure derivations;
//!   `model/mod.rs` is the one table of datasets: query kinds, payloads, sections and their
//!   fields) → `policy` (policies as code: the file, drift, lint rules) → `problems` (the
//!   ranked problem rules, lint findings among them) → `history` (how the numbers moved over
//!   the session's reads, in bounded rings) → `recording` (the local store of what was read:
//!   samples for the pictures, frames for `snapshot --at`) → `store` (the `Dataset`: the
//!   table's datasets with what is derived from them; it applies query results, reads
//!   everything once and derives the problems) → `link` (keeps a session alive) → `poller`
//!   (one in-flight query per kind).
//! - **Operating**: `actions` — `complete` (on `command`'s table) → `facts` (what a command
//!   acts on, as read) → `resolve` (reads the catalog) → `plan` (by family: each reads its
//!   facts with `resolve`'s helpers, then plans, pure) → `execute` (its own session)
//!   → `journal` and `rollback` → `runner` (plan, then run with progress and cancel); then
//!   `settings` (a target's flags over its profile over the defaults, the journal's place;
//!   the fleet of profiles).
//! - **Showing**: `pictures` (what each chart shows; pure) → `screens` (the screen table: each
//!   tab's columns, rows, drill-down and keys) → `app` (the console's state and dialogs;
//!   `update` takes every message and returns effects; pure) → `render` (drawing only) →
//!   `console` (the event loop: runs the effects).
//! - **Front ends**: `console`, `headless` (`run`, `history`, `policy`), `snapshot` (`snapshot`,
//!   `check`), `recorder` (the flight recorder: `record`, `snapshot --at`), `exporter`
//!   (Prometheus) and `demo` — all on the same store, screens and runner; `subcommands` (what
//!   each of the command line's subcommands does, which `main.rs` dispatches to) last.
//!
//! Leaves used anywhere: `format`, `hash` (stable across builds, for what is written to disk),
//! `paths` (where files live, and reading the ones a user
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
pub mod hash;
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
pub mod replay;
pub mod screens;
pub mod settings;
pub mod snapshot;
pub mod store;
pub mod subcommands;
pub mod terminal;
pub mod theme;
pub mod upgrade;

#[cfg(test)]
mod testing;

#[cfg(test)]
mod layering {
    //! The order of the crate doc above, checked: no module imports one after it; and within
    //! every module, at every depth, no file imports a sibling that imports it back.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// Leaves first, then the flow as documented.
    const ORDER: &[&str] = &[
        "format",
        "hash",
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
        "upgrade",
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
        "replay",
        "exporter",
        "demo",
        "subcommands",
    ];

    /// A source file, the module path it defines (`["model", "sizes", "keeper"]`) and its code
    /// without comments and test modules.
    struct Source {
        rel: PathBuf,
        module: Vec<String>,
        code: String,
        /// The test modules it declares in files of their own (`#[cfg(test)] mod x;`).
        tests: Vec<Vec<String>>,
    }

    /// Every file of the crate but the test modules' own (declared `#[cfg(test)] mod x;`).
    fn sources() -> Vec<Source> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut found = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).unwrap().to_path_buf();
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                    module.pop();
                }
                let text = without_comments(&std::fs::read_to_string(&path).unwrap());
                found.push(Source {
                    rel,
                    tests: test_modules(&module, &text),
                    module,
                    code: without_tests(&text),
                });
            }
        }
        let tests: BTreeSet<Vec<String>> = found.iter().flat_map(|s| s.tests.clone()).collect();
        found.retain(|s| !tests.iter().any(|t| s.module.starts_with(t)));
        found
    }

    fn without_comments(text: &str) -> String {
        text.lines()
            .map(|l| l.find("//").map_or(l, |i| &l[..i]))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The code without its inline test modules (`#[cfg(test)] mod x { … }`); other items under
    /// `#[cfg(test)]` stay and are checked.
    fn without_tests(code: &str) -> String {
        let mut out = String::new();
        let mut rest = code;
        while let Some(i) = rest.find("#[cfg(test)]") {
            out.push_str(&rest[..i]);
            let after = &rest[i + "#[cfg(test)]".len()..];
            let item = after.trim_start();
            let body = item
                .strip_prefix("mod ")
                .and_then(|m| m.find(['{', ';']).map(|j| (m, j)))
                .filter(|(m, j)| m.as_bytes()[*j] == b'{');
            let Some((m, j)) = body else {
                rest = after;
                continue;
            };
            let mut depth = 0;
            let mut end = m.len();
            for (k, c) in m[j..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => continue,
                }
                if depth == 0 {
                    end = j + k + 1;
                    break;
                }
            }
            rest = &m[end..];
        }
        out.push_str(rest);
        out
    }

    /// The modules `code` (of `module`) declares as test modules in files of their own.
    fn test_modules(module: &[String], code: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (i, _) in code.match_indices("#[cfg(test)]") {
            let item = code[i + "#[cfg(test)]".len()..].trim_start();
            let Some(decl) = item.strip_prefix("mod ") else {
                continue;
            };
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                let mut m = module.to_vec();
                // a file `a/b.rs` declares `a/b/x.rs`; `a/mod.rs` declares `a/x.rs`
                m.push(name);
                out.push(m);
            }
        }
        out
    }

    /// The paths a file names after `prefix` (`crate::`, `super::`), each as its first
    /// segments: `super::{a, b::C}` names `a` and `b`.
    fn named_after(code: &str, prefix: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, _) in code.match_indices(prefix) {
            // `super::super::x` is seen once, from its first `super::`
            if prefix == "super::" && code[..i].ends_with("super::") {
                continue;
            }
            let mut at = i + prefix.len();
            let mut ups = 1;
            while prefix == "super::" && code[at..].starts_with("super::") {
                at += "super::".len();
                ups += 1;
            }
            let rest = &code[at..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += i32::from(c == '{') - i32::from(c == '}');
                        depth < 0
                    })
                    .map_or(group.len(), |(j, _)| j);
                let mut depth = 0;
                let items = group[..end].split(|c| {
                    depth += i32::from(c == '{') - i32::from(c == '}');
                    c == ',' && depth == 0
                });
                for item in items {
                    let name: String = item
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push((ups, name));
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((ups, name));
            }
        }
        out
    }

    #[test]
    fn no_module_imports_one_after_it() {
        let mut checked = 0;
        for s in sources() {
            let top = s.module.first().cloned().unwrap_or_default();
            // `testing` is the unit tests' own (tests may use anything)
            let Some(me) = ORDER.iter().position(|m| *m == top) else {
                assert!(
                    ["", "main", "testing"].contains(&top.as_str()),
                    "{top} is not in ORDER"
                );
                continue;
            };
            for (_, used) in named_after(&s.code, "crate::") {
                let Some(pos) = ORDER.iter().position(|m| *m == used) else {
                    continue;
                };
                assert!(
                    pos <= me,
                    "{} imports {used}, which comes after {top}",
                    s.rel.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} imports seen");
    }

    /// Which sibling each submodule of `parent` (a module path) imports: by
    /// `crate::parent::x`, or by `super::x` from the depth that reaches `parent`.
    fn sibling_imports(parent: &[&str], sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
        let n = parent.len();
        let under = |s: &&Source| s.module.len() > n && s.module[..n] == *parent;
        let children: BTreeSet<String> = sources
            .iter()
            .filter(under)
            .map(|s| s.module[n].clone())
            .collect();
        let prefix = format!("crate::{}::", parent.join("::"));
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in sources.iter().filter(under) {
            let me = &s.module[n];
            let mut used: Vec<String> = named_after(&s.code, &prefix)
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            let depth = s.module.len() - n;
            used.extend(
                named_after(&s.code, "super::")
                    .into_iter()
                    .filter(|(ups, _)| *ups == depth)
                    .map(|(_, name)| name),
            );
            for name in used {
                if name != *me && children.contains(&name) {
                    edges.entry(me.clone()).or_default().insert(name);
                }
            }
        }
        edges
    }

    /// A circle in `edges`, if there is one, as the modules around it.
    fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
        fn visit(
            at: &str,
            edges: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| p == at) {
                let mut found = path[i..].to_vec();
                found.push(at.to_string());
                return Some(found);
            }
            if !done.insert(at.to_string()) {
                return None;
            }
            path.push(at.to_string());
            for next in edges.get(at).into_iter().flatten() {
                if let Some(found) = visit(next, edges, path, done) {
                    return Some(found);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        edges
            .keys()
            .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
    }

    #[test]
    fn no_submodule_imports_a_sibling_that_imports_it_back() {
        let sources = sources();
        // every module that has submodules, at every depth
        let parents: BTreeSet<Vec<String>> = (sources.iter())
            .flat_map(|s| (1..s.module.len()).map(|n| s.module[..n].to_vec()))
            .collect();
        let mut seen = 0;
        let circles: Vec<String> = (parents.iter())
            .filter_map(|parent| {
                let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
                let edges = sibling_imports(&parent, &sources);
                seen += edges.values().map(BTreeSet::len).sum::<usize>();
                circle(&edges).map(|found| format!("{}: {}", parent.join("::"), found.join(" → ")))
            })
            .collect();
        assert!(
            parents.len() > 20 && seen > 100,
            "{} modules, {seen} imports",
            parents.len()
        );
        assert!(circles.is_empty(), "import circles: {circles:#?}");
    }

    #[test]
    fn a_circle_is_seen_and_test_modules_are_left_out() {
        let file = |module: &[&str], code: &str| Source {
            rel: PathBuf::from(module.join("/")),
            module: module.iter().map(|m| m.to_string()).collect(),
            code: without_tests(&without_comments(code)),
            tests: Vec::new(),
        };
        let planted = [
            file(&["m", "a"], "use super::b::X;"),
            file(&["m", "b"], "use super::{c, d::Y};"),
            file(&["m", "c", "x"], "use super::super::a;\n// crate::m::d\n"),
            file(
                &["m", "d"],
                "#[cfg(test)]\nfn f() { crate::m::a::g() }\n#[cfg(test)]\nmod tests {\n    use super::a;\n}\n",
            ),
        ];
        let edges = sibling_imports(&["m"], &planted);
        assert_eq!(
            circle(&edges),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        // `d`'s test module is left out; its other test item is not
        assert_eq!(edges["d"], BTreeSet::from(["a".to_string()]));
    }

    /// What reads or writes a file, SQLite or a database.
    const IO: &[&str] = &[
        "std::fs",
        "File::",
        "OpenOptions",
        "rusqlite",
        "tokio_postgres",
        "Store::open",
        ".history(&",
        ".query(",
        ".query_one(",
        ".prepare(",
        ".execute(",
    ];

    /// The ranges of `code` inside the calls that run work elsewhere: a task or a blocking
    /// thread's closure, from its opening parenthesis to the matching one.
    fn spawned(code: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        for (i, call) in code
            .match_indices("spawn_blocking(")
            .chain(code.match_indices("spawn("))
        {
            let open = i + call.len() - 1;
            let mut depth = 0;
            for (k, c) in code[open..].char_indices() {
                depth += i32::from(c == '(') - i32::from(c == ')');
                if depth == 0 {
                    out.push(open..open + k);
                    break;
                }
            }
        }
        out
    }

    /// The I/O a file does outside the work it hands elsewhere.
    fn io_on_the_loop(code: &str) -> Vec<&'static str> {
        let away = spawned(code);
        IO.iter()
            .filter(|token| {
                code.match_indices(**token)
                    .any(|(i, _)| !away.iter().any(|r| r.contains(&i)))
            })
            .copied()
            .collect()
    }

    /// What the drawing would make from the data at each frame (a screen's rows, panel, pulse,
    /// heading, a row's picture), or write back into the state.
    const MADE_AT_DRAW: &[&str] = &[
        ".rows(&",
        ".panel(&",
        ".pulse(&",
        ".heading(&",
        ".row_picture(&",
        "Cell<",
        "cell::",
        ".set(",
    ];

    /// Drawing reads what the state prepared (with the rows, when the data or the selection
    /// moved) and returns what it measured (a dialog's scroll bounds) instead of writing it back:
    /// no rows, panel, pulse, heading or picture is made from the data at each frame (a
    /// section's standing and the tab's caption are only looked up).
    #[test]
    fn drawing_reads_prepared_values_only() {
        let mut checked = 0;
        for s in sources()
            .iter()
            .filter(|s| s.module.first().is_some_and(|m| m == "render"))
        {
            let code = s.code.split("#[cfg(test)]").next().unwrap_or_default();
            let found: Vec<&str> = (MADE_AT_DRAW.iter())
                .filter(|token| code.contains(**token))
                .copied()
                .collect();
            assert!(
                found.is_empty(),
                "{} makes at each frame: {found:?}",
                s.rel.display()
            );
            checked += 1;
        }
        assert!(checked >= 4, "only {checked} files seen");
    }

    /// The console's state, its drawing and its loop do no I/O of their own: files, SQLite and
    /// the database are read in tasks that answer with a message (a key is never held by one).
    #[test]
    fn no_io_in_the_state_the_drawing_or_the_loop() {
        let mut checked = 0;
        for s in sources() {
            let top = s.module.first().map(String::as_str).unwrap_or_default();
            if !matches!(top, "app" | "render" | "console") {
                continue;
            }
            let found = io_on_the_loop(&s.code);
            assert!(found.is_empty(), "{} does I/O: {found:?}", s.rel.display());
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} files seen");
        // what the check sees, planted
        let planted = "fn history(&self) {\n    let j = self.journal.clone();\n    tokio::task::spawn_blocking(move || j.history(&o));\n}\nfn draw() { std::fs::read(\"x\"); }";
        assert_eq!(io_on_the_loop(planted), vec!["std::fs"]);
    }
}
