//! A statement's generic plan (`EXPLAIN (GENERIC_PLAN)`, PostgreSQL 16+): how many chunks of
//! each hypertable, and leaf partitions of each partitioned table, the plan keeps before any
//! value is known. All of them kept is chunk exclusion failing at planning.
//!
//! Only on Enter on a statement, never by monitoring. Planning runs code the statement's author
//! wrote (operators and their estimators, functions folded or evaluated for estimates), so a
//! plan is made only on a session of its own whose *login* holds no more than the author: the
//! author itself, or a planning login with no rights of its own (`plan_login`); never a
//! superuser's session, where the author's code could leave any role it was given (RESET
//! ROLE) for the superuser's. Functions a user wrote that planning is known to call refuse the
//! plan too, as a second layer. The statement's text goes into SQL as SQL — EXPLAIN takes no
//! statement as a parameter — so it must first parse alone as exactly one statement of a kind
//! that has a plan.

use crate::connect::sqlstate::{self, Known};
use serde_json::Value;
use tokio_postgres::{Client, Error, SimpleQueryMessage};

use crate::config::PlanLogin;
use crate::connect::{Connector, Session};

use super::{DrillTarget, Payload};
use crate::capabilities::Capabilities;
use crate::queries;

/// A hypertable or partitioned table the plan reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedTable {
    pub schema: String,
    pub name: String,
    /// `hypertable`, `continuous aggregate` or `partitioned table`.
    pub kind: String,
    /// A continuous aggregate's view, for its materialization hypertable.
    pub view: Option<(String, String)>,
    /// Its chunks (leaf partitions) now.
    pub total: i64,
    /// Those the plan kept, by name.
    pub planned: Vec<String>,
    /// TimescaleDB's ChunkAppend may still exclude chunks when the values are known: at
    /// executor startup, or as it runs.
    pub startup_exclusion: bool,
    pub runtime_exclusion: bool,
}

impl PlannedTable {
    /// Every chunk kept although there are several: exclusion failed at planning.
    pub fn excludes_nothing(&self) -> bool {
        self.total > 1 && self.planned.len() as i64 >= self.total
    }
}

/// One statement's generic plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GenericPlan {
    pub tables: Vec<PlannedTable>,
    pub planning_ms: Option<f64>,
    pub total_cost: Option<f64>,
    /// The role planned as (the statement's, when this session may act as it).
    pub role: Option<String>,
    pub search_path: Option<String>,
    /// The statement's first word, lower case (`select`, `insert`…).
    pub command: String,
}

/// What the plan itself says: every relation it names, and ChunkAppend's exclusion flags.
#[derive(Debug, Default, PartialEq)]
struct PlanFacts {
    relations: Vec<(String, String)>,
    /// (schema, name, startup, runtime) of each ChunkAppend.
    exclusion: Vec<(String, String, bool, bool)>,
    planning_ms: Option<f64>,
    total_cost: Option<f64>,
}

/// Where a statement is planned: a session opened for that one plan and closed after it, so
/// nothing the author's code leaves behind (settings, locks) outlives it; read-only, with a
/// lock wait of a second.
#[derive(Clone)]
pub struct Planner {
    connector: Connector,
    login: PlanLogin,
    env: std::sync::Arc<crate::conninfo::Environment>,
}

/// How long planning waits for a lock before it names the holder.
pub const PLAN_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Planner {
    pub fn new(
        target: &Connector,
        login: PlanLogin,
        statement_timeout: std::time::Duration,
    ) -> Planner {
        Planner {
            connector: target.with_settings(crate::connect::SessionSettings::monitoring(
                statement_timeout,
                PLAN_LOCK_WAIT,
                true,
            )),
            login,
            env: std::sync::Arc::new(crate::conninfo::Environment::from_process()),
        }
    }

    /// The session for a statement of `author`.
    async fn open(&self, author: &str) -> Result<Session, Unplanned> {
        let connector = match &self.login {
            PlanLogin::Target => self.connector.clone(),
            PlanLogin::Named(user) => self.connector.for_user(user, &self.env),
            PlanLogin::Author => self.connector.for_user(author, &self.env),
        };
        connector.connect().await.map_err(|e| Unplanned::NoSession {
            login: connector.resolved().user().to_string(),
            reason: e.reason,
        })
    }
}

/// Why a statement has no plan to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unplanned {
    /// Not a query or a data change (its first word, upper case).
    NoPlan { command: String },
    /// No text.
    Empty,
    /// The planning session as `login` could not be opened (why).
    NoSession { login: String, reason: String },
    /// EXPLAIN's answer does not read (why).
    Unreadable(String),
}

impl std::fmt::Display for Unplanned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unplanned::NoPlan { command } => write!(
                f,
                "{command} statements have no plan to show (queries and INSERT, UPDATE, DELETE, MERGE do)"
            ),
            Unplanned::Empty => write!(f, "the statement's text is empty"),
            Unplanned::NoSession { login, reason } => write!(
                f,
                "not planned: no planning session as {}: {reason}",
                crate::format::printable(login)
            ),
            Unplanned::Unreadable(why) => write!(f, "the plan could not be read: {why}"),
        }
    }
}

impl std::error::Error for Unplanned {}

/// What the planning session's login holds beyond the statement's author (plan_boundary.sql).
#[derive(Debug, Default, PartialEq)]
struct Boundary {
    login: String,
    author: Option<String>,
    superuser: bool,
    same: bool,
    attributes: Vec<String>,
    roles: Vec<String>,
    holds: i64,
    member: bool,
}

impl Boundary {
    /// Why this login may not plan the author's statement, or None when it holds no more.
    fn refusal(&self, login: &PlanLogin) -> Option<String> {
        let login_name = crate::format::printable(&self.login);
        let Some(author) = &self.author else {
            return Some("not planned: the role that ran the statement no longer exists".into());
        };
        let author = crate::format::printable(author);
        let why = if self.superuser {
            format!("the session is logged in as {login_name}, a superuser")
        } else if self.same {
            return None;
        } else if !self.attributes.is_empty() {
            format!(
                "{login_name} has {} and {author} has not",
                self.attributes.join(", ")
            )
        } else if !self.roles.is_empty() {
            format!(
                "{login_name} can use roles {author} cannot ({})",
                self.roles
                    .iter()
                    .map(|r| crate::format::printable(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if self.holds > 0 {
            format!(
                "{login_name} owns or is granted {} object(s) of its own",
                self.holds
            )
        } else {
            return None;
        };
        let how = match login {
            PlanLogin::Target => "set plan_login in the profile (or --plan-login) to a login with no rights but the author's, or to {role} to log in as the statement's own role",
            PlanLogin::Named(_) => "give plan_login a login that is a member of the author's role and owns and is granted nothing itself, or {role}",
            PlanLogin::Author => "the statement's role itself cannot be a superuser's for this",
        };
        Some(format!(
            "not planned: planning runs code the statement's author ({author}) wrote — operators, estimators, functions — and that code can take the session's own rights; {why}, so it would run with more rights than its author ({how})"
        ))
    }
}

/// Plans the statement of `subject` on a session of its own (see [`Planner`]) and counts the
/// chunks its plan keeps; an answer saying why not when it is refused or cannot be planned.
/// `client` (a monitoring session) only reads the catalog.
pub async fn fetch(
    client: &Client,
    planner: &Planner,
    caps: &Capabilities,
    subject: &DrillTarget,
) -> Result<Payload, Error> {
    let DrillTarget::Statement { userid, text, .. } = subject else {
        return Ok(Payload::Unavailable("not a statement".into()));
    };
    let command = match plannable(text) {
        Ok(command) => command,
        Err(why) => return Ok(Payload::Unavailable(why.to_string())),
    };
    if caps.server_version_num < 160_000 {
        return Ok(Payload::Unavailable(
            "a generic plan needs PostgreSQL 16 or later (EXPLAIN (GENERIC_PLAN))".into(),
        ));
    }
    let author: Option<String> = client
        .query_opt(
            "SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = $1::pg_catalog.int8::pg_catalog.oid",
            &[userid],
        )
        .await?
        .map(|r| r.get(0));
    let Some(author) = author else {
        return Ok(Payload::Unavailable(
            "not planned: the role that ran the statement no longer exists".into(),
        ));
    };
    let session = match planner.open(&author).await {
        Ok(s) => s,
        Err(why) => return Ok(Payload::Unavailable(why.to_string())),
    };
    let planning = &session.client;
    let b = planning
        .query_one(queries::PLAN_BOUNDARY, &[userid])
        .await?;
    let boundary = Boundary {
        login: b.try_get("login")?,
        author: b.try_get("author")?,
        superuser: b.try_get("superuser")?,
        same: b.try_get::<_, Option<bool>>("same")?.unwrap_or(false),
        attributes: super::rows::array(&b, "attributes")?,
        roles: super::rows::array(&b, "roles")?,
        holds: b.try_get("holds")?,
        member: b.try_get::<_, Option<bool>>("member")?.unwrap_or(false),
    };
    if let Some(why) = boundary.refusal(&planner.login) {
        return Ok(Payload::Unavailable(why));
    }
    let guard = planning.query(queries::PLAN_GUARD, &[]).await?;
    if let Some(first) = guard.first() {
        let count: i64 = first.try_get("count")?;
        let names: Vec<String> = guard
            .iter()
            .map(|r| r.try_get("function"))
            .collect::<Result<_, _>>()?;
        return Ok(Payload::Unavailable(refused(count, &names)));
    }
    // One statement: parsing it alone (PostgreSQL refuses several in a prepared statement) says
    // so; an error after parsing (a name this session does not resolve) is not about that.
    if let Err(e) = planning.prepare(text).await {
        match e.as_db_error() {
            Some(db) if sqlstate::of(db.code()) == Some(Known::SyntaxError) => {
                return Ok(Payload::Unavailable(format!(
                    "not planned: the text is not one statement that parses ({})",
                    db.message()
                )))
            }
            Some(db) if sqlstate::of(db.code()) == Some(Known::LockNotAvailable) => {
                return Ok(Payload::Unavailable(behind_lock(client).await))
            }
            Some(_) => {}
            None => return Err(e),
        }
    }
    let as_author = boundary.member && !boundary.same;
    let messages = match planning
        .simple_query(&queries::generic_plan(*userid, as_author, text))
        .await
    {
        Ok(m) => m,
        Err(e) => {
            let Some(db) = e.as_db_error() else {
                return Err(e);
            };
            return Ok(Payload::Unavailable(match sqlstate::of(db.code()) {
                Some(Known::LockNotAvailable) => behind_lock(client).await,
                _ => format!("the statement could not be planned: {}", db.message()),
            }));
        }
    };
    drop(session);
    let mut role = None;
    let mut search_path = None;
    let mut json = None;
    for m in &messages {
        let SimpleQueryMessage::Row(row) = m else {
            continue;
        };
        match row.columns().first().map(|c| c.name()) {
            Some("planned_as") => role = row.get(0).map(String::from),
            Some("search_path") => search_path = row.get(0).map(String::from),
            // the last: the first is the probe for the option
            Some("QUERY PLAN") => json = row.get(0).map(String::from),
            _ => {}
        }
    }
    let facts = match json.as_deref().map(read_plan) {
        Some(Ok(facts)) => facts,
        Some(Err(why)) => return Ok(Payload::Unavailable(why.to_string())),
        None => return Ok(Payload::Unavailable("the server returned no plan".into())),
    };
    let (schemas, names): (Vec<&str>, Vec<&str>) = facts
        .relations
        .iter()
        .map(|(s, n)| (s.as_str(), n.as_str()))
        .unzip();
    let sql = queries::plan_tables(caps.timescaledb.is_some());
    let tables = client
        .query(sql, &[&schemas, &names])
        .await?
        .iter()
        .map(|r| {
            let schema: String = r.try_get("schema")?;
            let name: String = r.try_get("name")?;
            let view_schema: Option<String> = r.try_get("view_schema")?;
            let view_name: Option<String> = r.try_get("view_name")?;
            let flags = facts
                .exclusion
                .iter()
                .find(|(s, n, ..)| *s == schema && *n == name);
            Ok(PlannedTable {
                kind: r.try_get("kind")?,
                view: view_schema.zip(view_name),
                total: r.try_get("total")?,
                planned: super::rows::array(r, "planned")?,
                startup_exclusion: flags.is_some_and(|f| f.2),
                runtime_exclusion: flags.is_some_and(|f| f.3),
                schema,
                name,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Payload::Plan(
        subject.clone(),
        GenericPlan {
            tables,
            planning_ms: facts.planning_ms,
            total_cost: facts.total_cost,
            role,
            search_path,
            command,
        },
    ))
}

/// What the plan waited for: who holds the lock.
async fn behind_lock(client: &Client) -> String {
    format!(
        "not planned within {} s: {}",
        PLAN_LOCK_WAIT.as_secs(),
        super::activity::lock_holders(client).await
    )
}

/// Why the plan is refused: the functions planning could run.
fn refused(count: i64, names: &[String]) -> String {
    let more = count - names.len() as i64;
    format!(
        "not planned: planning calls functions a user wrote (IMMUTABLE and STABLE ones, operators', range types'), and this database has {}: {}{}",
        if count == 1 { "one".to_string() } else { count.to_string() },
        names.iter().map(|n| crate::format::printable(n)).collect::<Vec<_>>().join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    )
}

/// Statements that have a plan: queries and data changes (EXPLAIN takes nothing else, and
/// nothing else is worth planning), by their first word. Checked before anything is sent.
pub fn plannable(text: &str) -> Result<String, Unplanned> {
    match first_word(text) {
        Some(w)
            if matches!(
                w.as_str(),
                "select" | "with" | "values" | "table" | "insert" | "update" | "delete" | "merge"
            ) =>
        {
            Ok(w)
        }
        Some(w) => Err(Unplanned::NoPlan {
            command: w.to_uppercase(),
        }),
        None => Err(Unplanned::Empty),
    }
}

/// The text's first word, past white space, comments (nested `/* */` and `--`) and opening
/// parentheses, in lower case.
fn first_word(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        let t = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(after) = t.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if t.starts_with("/*") {
            rest = past_comment(t)?;
        } else {
            let word: String = t
                .chars()
                .take_while(|c| c.is_alphabetic() || *c == '_')
                .flat_map(char::to_lowercase)
                .collect();
            return (!word.is_empty()).then_some(word);
        }
    }
}

/// What follows the `/* … */` comment `t` starts with (comments nest); None when unterminated.
fn past_comment(t: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut i = 0;
    let b = t.as_bytes();
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return t.get(i..);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Reads `EXPLAIN (VERBOSE, SUMMARY, FORMAT JSON)`'s answer: every relation any node names
/// (scans, ChunkAppend, a modification's targets), and ChunkAppend's exclusion flags.
fn read_plan(json: &str) -> Result<PlanFacts, Unplanned> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| Unplanned::Unreadable(e.to_string()))?;
    let top = value
        .get(0)
        .ok_or_else(|| Unplanned::Unreadable("empty".into()))?;
    let mut facts = PlanFacts {
        planning_ms: top.get("Planning Time").and_then(Value::as_f64),
        total_cost: top
            .get("Plan")
            .and_then(|p| p.get("Total Cost"))
            .and_then(Value::as_f64),
        ..PlanFacts::default()
    };
    walk(top, &mut facts);
    facts.relations.sort();
    facts.relations.dedup();
    Ok(facts)
}

fn walk(value: &Value, facts: &mut PlanFacts) {
    match value {
        Value::Object(node) => {
            let text = |key: &str| node.get(key).and_then(Value::as_str).map(String::from);
            if let (Some(schema), Some(name)) = (text("Schema"), text("Relation Name")) {
                if text("Custom Plan Provider").as_deref() == Some("ChunkAppend") {
                    let flag = |key: &str| node.get(key).and_then(Value::as_bool) == Some(true);
                    facts.exclusion.push((
                        schema.clone(),
                        name.clone(),
                        flag("Startup Exclusion"),
                        flag("Runtime Exclusion"),
                    ));
                }
                facts.relations.push((schema, name));
            }
            node.values().for_each(|v| walk(v, facts));
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, facts)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queries_and_data_changes_are_planned() {
        for ok in [
            "SELECT 1",
            "  (select 1) union select 2",
            "/* a /* nested */ comment */ WITH x AS (SELECT 1) SELECT * FROM x",
            "-- why\nINSERT INTO t VALUES ($1)",
            "update t set v = $1",
            "MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE",
        ] {
            assert!(plannable(ok).is_ok(), "{ok}");
        }
        for (text, word) in [
            ("VACUUM t", "VACUUM"),
            ("explain analyze select 1", "EXPLAIN"),
            ("/* select */ create table t as select 1", "CREATE"),
            ("execute s(1)", "EXECUTE"),
        ] {
            let why = plannable(text).unwrap_err();
            assert_eq!(
                why,
                Unplanned::NoPlan {
                    command: word.into()
                },
                "{text}: {why}"
            );
        }
        for empty in ["", "   ", "/* unterminated select", "-- select", "((", "$1"] {
            assert!(plannable(empty).is_err(), "{empty}");
        }
    }

    #[test]
    fn whatever_the_text_the_first_word_never_panics() {
        // a cheap fuzz: every prefix and suffix of texts full of comment and quote marks
        let seeds = [
            "/*/**/*/--\n(/* é */select",
            "--\r\n/*-*/((WITH",
            "*/ /* /* */ */ ü",
            "\u{0}/*\u{202e}*/x",
        ];
        for s in seeds {
            for (i, _) in s.char_indices() {
                let _ = plannable(&s[i..]);
                let _ = plannable(&s[..i]);
            }
        }
    }

    #[test]
    fn a_plan_names_its_relations_and_chunk_append_its_exclusion() {
        let json = r#"[{"Plan": {"Node Type": "Aggregate", "Total Cost": 12.5, "Plans": [
            {"Node Type": "Custom Scan", "Custom Plan Provider": "ChunkAppend",
             "Relation Name": "m", "Schema": "s", "Startup Exclusion": true,
             "Runtime Exclusion": false, "Plans": [
               {"Node Type": "Seq Scan", "Relation Name": "_hyper_1_1_chunk",
                "Schema": "_timescaledb_internal"},
               {"Node Type": "Custom Scan", "Custom Plan Provider": "ColumnarScan",
                "Relation Name": "_hyper_1_2_chunk", "Schema": "_timescaledb_internal",
                "Plans": [{"Node Type": "Seq Scan", "Relation Name": "compress_hyper_2_3_chunk",
                           "Schema": "_timescaledb_internal"}]},
               {"Node Type": "Seq Scan", "Relation Name": "_hyper_1_1_chunk",
                "Schema": "_timescaledb_internal"}]}]}, "Planning Time": 0.75}]"#;
        let facts = read_plan(json).unwrap();
        assert_eq!(facts.planning_ms, Some(0.75));
        assert_eq!(facts.total_cost, Some(12.5));
        let names: Vec<&str> = facts.relations.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "_hyper_1_1_chunk",
                "_hyper_1_2_chunk",
                "compress_hyper_2_3_chunk",
                "m"
            ]
        );
        assert_eq!(
            facts.exclusion,
            [("s".to_string(), "m".to_string(), true, false)]
        );
        for bad in ["", "{}", "[]", "[1]", "not json", "[{\"Plan\": 3}]"] {
            let _ = read_plan(bad);
        }
        assert!(read_plan("[]").is_err());
    }

    #[test]
    fn the_refusal_names_the_functions() {
        let names = ["public.f(integer)".to_string(), "app.g()".to_string()];
        let why = refused(5, &names);
        assert!(why.contains("has 5: "), "{why}");
        assert!(
            why.contains("public.f(integer), app.g() and 3 more"),
            "{why}"
        );
        assert!(refused(1, &names[..1]).contains("has one: public.f(integer)"));
    }
}
