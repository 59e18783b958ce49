//! Operator actions: parse a command (`parse`), read what it acts on (`resolve`, I/O), turn both
//! into a typed plan — SQL, objects affected, locks, the inverse (`plan`, pure) — and run it on
//! its own session (`execute`, I/O), journaled (`crate::journal`).

pub mod complete;
pub mod execute;
pub mod parse;
pub mod plan;
pub mod resolve;

use serde::{Deserialize, Serialize};

/// One statement of a plan. Parameters are text (or NULL) and cast in the SQL, so the journal
/// can store and replay them exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What it does, for progress (e.g. `compress _hyper_1_3_chunk`).
    pub label: String,
    pub sql: String,
    pub params: Vec<Option<String>>,
}

impl Step {
    pub fn new(label: impl Into<String>, sql: &str, params: Vec<Option<String>>) -> Step {
        Step {
            label: label.into(),
            sql: strip_comments(sql),
            params,
        }
    }

    /// The statement as it will run, parameters shown as SQL literals (for the preview).
    pub fn display(&self) -> String {
        let mut out = self.sql.clone();
        // Highest numbers first so $1 does not clobber $10.
        for (i, p) in self.params.iter().enumerate().rev() {
            let lit = match p {
                Some(v) => literal(v),
                None => "NULL".into(),
            };
            out = out.replace(&format!("${}", i + 1), &lit);
        }
        out
    }
}

/// A SQL string literal: single quotes doubled (E'' is never needed: standard_conforming_strings).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An identifier for generated SQL: always double-quoted, so keywords and odd names are safe.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Drops `--` comment lines and folds layout whitespace to single spaces (the files document
/// themselves; the preview and the journal show the statement on one line). The templates
/// hold no string literals with runs of spaces, so this never changes what runs.
fn strip_comments(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the operator confirms a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Confirm {
    /// Choose Execute (the default choice is Cancel).
    Choose,
    /// Type this name: for what cannot be undone.
    TypeName(String),
}

/// Everything a command will do, decided before anything runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The command, normalised (names quoted as SQL needs).
    pub command: String,
    /// One line: what happens.
    pub summary: String,
    pub affects: Vec<String>,
    /// Which locks it takes and what they block.
    pub locks: String,
    pub steps: Vec<Step>,
    /// Statements that undo it; with `inverse_per_step`, `inverse[i]` undoes `steps[i]` (so a
    /// cancelled run is undone for the steps that ran).
    pub inverse: Option<Vec<Step>>,
    pub inverse_per_step: bool,
    /// Why it cannot be undone, when it cannot.
    pub irreversible: Option<String>,
    /// The settings captured from the catalog before the change.
    pub previous: Option<serde_json::Value>,
    pub confirm: Confirm,
    /// False for read-only commands (history).
    pub mutating: bool,
}

impl Plan {
    /// The statements as the preview shows them (a long per-chunk list is abbreviated).
    pub fn preview_sql(&self, max: usize) -> Vec<String> {
        let n = self.steps.len();
        let mut out: Vec<String> = self.steps.iter().take(max).map(|s| s.display()).collect();
        if n > max {
            out.push(format!(
                "-- … and {} more like these ({} in all)",
                n - max,
                n
            ));
        }
        out
    }

    /// The undo statements for the first `done` steps, in the order to run them.
    pub fn undo_for(&self, done: usize) -> Vec<Step> {
        match &self.inverse {
            None => Vec::new(),
            Some(inv) if self.inverse_per_step => inv.iter().take(done).rev().cloned().collect(),
            Some(inv) if done > 0 => inv.clone(),
            Some(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_inlines_parameters_as_literals() {
        let s = Step::new(
            "x",
            "-- comment\nSELECT f($1::text::regclass, $2::text::interval, $10)",
            vec![
                Some("\"Ops \"\"Team\"\"\".\"it's\"".into()),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                Some("ten".into()),
            ],
        );
        assert_eq!(
            s.display(),
            "SELECT f('\"Ops \"\"Team\"\"\".\"it''s\"'::text::regclass, NULL::text::interval, 'ten')"
        );
        assert_eq!(quote_qualified("a\"b", "select"), "\"a\"\"b\".\"select\"");
    }
}
