//! The Statements tab: what `pg_stat_statements` counted for this database's statements, and
//! why there is nothing to show when it cannot (not installed, not created, not loaded).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Error, Row};

use super::Payload;
use crate::queries;

/// One statement as one role ran it, summed over its entries (top level and nested).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Statement {
    /// None: another role's, which this role may not see.
    pub queryid: Option<i64>,
    pub role: Option<String>,
    pub userid: i64,
    pub calls: i64,
    pub total_ms: f64,
    pub mean_ms: Option<f64>,
    pub rows: i64,
    pub blks_hit: i64,
    pub blks_read: i64,
    /// As pg_stat_statements keeps it: constants replaced by `$1`, `$2`…
    pub text: Option<String>,
}

impl Statement {
    /// The share of shared blocks found in the buffer cache.
    pub fn hit_ratio(&self) -> Option<f64> {
        let all = self.blks_hit + self.blks_read;
        (all > 0).then(|| self.blks_hit as f64 / all as f64)
    }

    /// The row id: the statement and the role that ran it.
    pub fn id(&self) -> String {
        match self.queryid {
            Some(q) => format!("{q}/{}", self.userid),
            None => format!("hidden/{}", self.userid),
        }
    }
}

/// One read of the Statements tab.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Statements {
    pub rows: Vec<Statement>,
    /// When the statistics were last reset (pg_stat_statements 1.9+).
    pub reset: Option<DateTime<Utc>>,
    /// Whether this role sees every role's statements (superuser or pg_read_all_stats).
    pub sees_all: bool,
    /// The server's block size (the blocks counted are of this size).
    pub block_size: i64,
    /// The server's clock when read (the reset's age is on it, not the client's).
    pub server_now: DateTime<Utc>,
}

/// The texts read so far, by the role that ran each and its queryid: kept between refreshes,
/// because the server reads its whole texts file on every call that returns them.
pub type Texts = HashMap<(i64, i64), String>;

/// Where the extension stands (`statements_extension.sql`).
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub schema: Option<String>,
    pub available: bool,
    pub loaded: Option<bool>,
    pub has_info: bool,
    pub sees_all: bool,
    pub block_size: i64,
    pub server_now: DateTime<Utc>,
    /// An embedded single-session engine (the demo's): no shared_preload_libraries, no
    /// pg_stat_statements whatever is done.
    pub embedded: bool,
}

impl Extension {
    fn from_row(r: &Row) -> Result<Extension, Error> {
        Ok(Extension {
            schema: r.try_get("schema")?,
            available: r.try_get("available")?,
            loaded: r.try_get("loaded")?,
            has_info: r.try_get("has_info")?,
            sees_all: r.try_get("sees_all")?,
            block_size: r.try_get("block_size")?,
            server_now: r.try_get("server_now")?,
            embedded: r.try_get("embedded")?,
        })
    }

    /// Why there is nothing to read, and how to enable it; None when it can be read.
    pub fn unavailable(&self, database: &str) -> Option<String> {
        let preload = "add pg_stat_statements to shared_preload_libraries and restart the server";
        let create = format!("CREATE EXTENSION pg_stat_statements in database \"{database}\"");
        if self.embedded {
            return Some(format!(
                "this is an embedded engine (the demo's: PostgreSQL in one process, with no shared_preload_libraries), where pg_stat_statements cannot count statements. On a server: install PostgreSQL's contrib modules, {preload}, then {create} — and this tab lists what the statements cost, each one's generic plan a key away"
            ));
        }
        match (&self.schema, self.available, self.loaded) {
            (Some(_), _, Some(false)) => Some(format!(
                "pg_stat_statements is created but its library is not loaded, so it counts nothing: {preload}"
            )),
            (Some(_), _, _) => None,
            (None, false, _) => Some(format!(
                "pg_stat_statements is not installed on this server: install PostgreSQL's contrib modules (Debian: the postgresql-contrib package), {preload}, then {create}"
            )),
            (None, true, Some(false)) => Some(format!(
                "pg_stat_statements is not enabled: {preload}, then {create}"
            )),
            (None, true, _) => Some(format!(
                "pg_stat_statements is not created here: {create} (its library must be in shared_preload_libraries)"
            )),
        }
    }
}

/// The library refuses to answer when it was created but not preloaded (its own SQLSTATE, not
/// its message, which a server with another lc_messages words otherwise).
fn not_loaded(e: &Error) -> bool {
    crate::connect::sqlstate::known(e)
        == Some(crate::connect::sqlstate::Known::NotInPrerequisiteState)
}

/// Reads the Statements tab: the extension's state, then (when it can be read) the statements,
/// the texts of those not seen before and the reset time.
pub async fn fetch(client: &Client, database: &str, texts: &mut Texts) -> Result<Payload, Error> {
    let ext = Extension::from_row(&client.query_one(queries::STATEMENTS_EXTENSION, &[]).await?)?;
    if let Some(why) = ext.unavailable(database) {
        return Ok(Payload::Unavailable(why));
    }
    let [statements_sql, texts_sql, reset_sql] =
        queries::statement_stats(ext.schema.as_deref().unwrap_or_default());
    let rows = match client.query(&statements_sql, &[]).await {
        Ok(rows) => rows,
        Err(e) if not_loaded(&e) => {
            let ext = Extension {
                loaded: Some(false),
                ..ext
            };
            return Ok(Payload::Unavailable(
                ext.unavailable(database).unwrap_or_default(),
            ));
        }
        Err(e) => return Err(e),
    };
    let mut statements = rows
        .iter()
        .map(|r| {
            Ok(Statement {
                queryid: r.try_get("queryid")?,
                role: r.try_get("role")?,
                userid: r.try_get("userid")?,
                calls: r.try_get("calls")?,
                total_ms: r.try_get("total_ms")?,
                mean_ms: r.try_get("mean_ms")?,
                rows: r.try_get("rows")?,
                blks_hit: r.try_get("blks_hit")?,
                blks_read: r.try_get("blks_read")?,
                text: None,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    // Texts only for statements not seen before; those no longer listed are forgotten.
    let listed: std::collections::HashSet<(i64, i64)> = (statements.iter())
        .filter_map(|s| Some((s.userid, s.queryid?)))
        .collect();
    texts.retain(|k, _| listed.contains(k));
    let (users, queries): (Vec<i64>, Vec<i64>) = (listed.iter())
        .filter(|k| !texts.contains_key(k))
        .copied()
        .unzip();
    if !users.is_empty() {
        for r in client.query(&texts_sql, &[&users, &queries]).await? {
            let key = (r.try_get("userid")?, r.try_get("queryid")?);
            texts.insert(key, r.try_get("query")?);
        }
    }
    for s in &mut statements {
        s.text = (s.queryid).and_then(|q| texts.get(&(s.userid, q)).cloned());
    }
    let reset = if ext.has_info {
        client
            .query_one(&reset_sql, &[])
            .await?
            .try_get("stats_reset")?
    } else {
        None
    };
    Ok(Payload::Statements(Statements {
        rows: statements,
        reset,
        sees_all: ext.sees_all,
        block_size: ext.block_size,
        server_now: ext.server_now,
    }))
}

/// The hypertables a statement's text names, as `schema.name`: each identifier of the text
/// (quoted ones unquoted, others folded to lower case) matched against the hypertables' names,
/// qualified or not. A name in a string or a comment counts too: the text is not parsed.
pub fn mentions<'a>(text: &str, hypertables: &'a [(String, String)]) -> Vec<&'a (String, String)> {
    let words = identifiers(text);
    hypertables
        .iter()
        .filter(|(schema, name)| {
            words.iter().enumerate().any(|(i, w)| {
                w == name && (i < 2 || words[i - 1] != "." || &words[i - 2] == schema)
            })
        })
        .collect()
}

/// The text's identifiers and dots, in order: `a."B c".d` → `a`, `.`, `B c`, `.`, `d`.
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut name = String::new();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        name.push('"');
                    } else {
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
            out.push(name);
        } else if c.is_alphabetic() || c == '_' {
            let mut name = c.to_lowercase().to_string();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    name.extend(c.to_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(name);
        } else if c == '.' {
            out.push(".".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_match_names_qualified_or_not_quoted_or_not() {
        let tables: Vec<(String, String)> = [
            ("public", "metrics"),
            ("scn", "metrics"),
            ("app", "Odd Name"),
            ("app", "events"),
        ]
        .iter()
        .map(|(s, n)| (s.to_string(), n.to_string()))
        .collect();
        let names = |text: &str| -> Vec<String> {
            mentions(text, &tables)
                .iter()
                .map(|(s, n)| format!("{s}.{n}"))
                .collect()
        };
        // qualified: only that schema's
        assert_eq!(
            names("SELECT * FROM scn.METRICS WHERE ts > $1"),
            ["scn.metrics"]
        );
        // bare: every schema's of that name (which one depends on the search_path)
        assert_eq!(
            names("select avg(v) from metrics"),
            ["public.metrics", "scn.metrics"]
        );
        assert_eq!(
            names(r#"SELECT 1 FROM app."Odd Name" JOIN app.events USING (id)"#),
            ["app.Odd Name", "app.events"]
        );
        // a quoted name is exact; an unquoted one folds to lower case
        assert!(names(r#"SELECT 1 FROM "Metrics""#).is_empty());
        assert!(names("SELECT metrics_id FROM other").is_empty());
        // whatever the text holds, no panic
        for text in ["\"", "a.", ".", "\"\"\"", "é.\"ü", "$1.$2"] {
            names(text);
        }
    }

    #[test]
    fn each_missing_piece_says_how_to_enable_it() {
        let ext = |schema: Option<&str>, available: bool, loaded: Option<bool>| Extension {
            schema: schema.map(String::from),
            available,
            loaded,
            has_info: true,
            sees_all: true,
            block_size: 8192,
            server_now: chrono::Utc::now(),
            embedded: false,
        };
        let why = |e: Extension| e.unavailable("app").unwrap_or_default();
        // the demo's engine: said what it is, and what a server needs
        let demo = Extension {
            embedded: true,
            ..ext(None, true, None)
        };
        assert!(why(demo).starts_with("this is an embedded engine (the demo's"));
        assert!(why(ext(None, false, None)).contains("postgresql-contrib"));
        assert!(why(ext(None, true, Some(false))).contains("shared_preload_libraries and restart"));
        assert!(why(ext(None, true, Some(true)))
            .contains("CREATE EXTENSION pg_stat_statements in database \"app\""));
        assert!(why(ext(Some("public"), true, Some(false))).contains("not loaded"));
        assert_eq!(
            ext(Some("public"), true, Some(true)).unavailable("app"),
            None
        );
        // a role that may not read the setting: try it (the read says when it is not loaded)
        assert_eq!(ext(Some("public"), true, None).unavailable("app"), None);
    }
}
