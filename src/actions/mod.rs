//! Operator actions: parse a command (`parse`), read what it acts on (`resolve`, I/O), turn both
//! into a typed plan — SQL, objects affected, locks, the inverse (`plan`, pure) — and run it on
//! its own session (`execute`, I/O), journaled (`crate::actions::journal`).

/// An action's SQL, from `queries/actions/`.
macro_rules! sql {
    ($file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/actions/",
            $file
        ))
    };
}

pub mod change;
pub mod columns;
pub mod complete;
pub mod execute;
pub mod facts;
pub mod journal;
pub mod plan;
pub mod recognise;
pub mod resolve;
pub mod rollback;
pub mod runner;
pub mod seen;
pub mod state;
pub mod templates;

/// The command language, spoken by the advisors too: its table and parser.
pub use crate::command::{parse, spec};

use serde::{Deserialize, Serialize};

pub use templates::Template;

/// What every front end says to a changing command under `--read-only` (the palette, `run`,
/// `policy apply`, the executor's own check).
pub const READ_ONLY_REFUSAL: &str =
    "refused: --read-only is set and this command changes the database; nothing was changed";

/// What an atomic plan promises, in its preview.
pub const ATOMIC: &str =
    "one transaction: if the server refuses any statement, none of them is applied";

/// An object a statement acts on: its oid, and its name when the plan was made. Statements pass
/// the oid (`$n::text::oid::regclass`), so a rename between plan
/// and execution cannot redirect them to another object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub oid: u32,
    pub schema: String,
    pub name: String,
}

impl Object {
    /// Always-quoted `"schema"."name"`, for statements that take no parameters (DDL).
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }

    /// As people read it (quoted only where SQL needs it).
    pub fn shown(&self) -> String {
        crate::format::qualified(&self.schema, &self.name)
    }

    /// The parameter that names it: the oid as text.
    pub fn param(&self) -> Option<String> {
        Some(self.oid.to_string())
    }
}

/// One statement of a plan. Parameters are text (or NULL) and cast in the SQL, so the journal
/// can store and replay them exactly.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What it does, for progress (e.g. `compress _hyper_1_3_chunk`).
    pub label: String,
    pub sql: String,
    pub params: Vec<Option<String>>,
    /// A statement that names its object in its text (DDL takes no parameters): it runs only
    /// while that oid still has this name.
    pub guard: Option<Object>,
    /// A relation the statement rewrites: analyzed after it, so the planner's statistics (and
    /// `relpages`, `reltuples`) describe its new rows at once instead of at the next autovacuum.
    pub analyze: Option<Object>,
    /// A statement answering one boolean (`pg_cancel_backend`): false fails the step with this
    /// message (the signal was not sent), true is done.
    pub expect_true: Option<String>,
    /// A `REINDEX … CONCURRENTLY`: failing, it can leave an invalid index behind, looked for
    /// and named with the command that removes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub concurrent_reindex: bool,
}

impl Step {
    /// A statement from a template and its parameters; `vars` fills `{name}` placeholders
    /// (identifiers, already quoted).
    pub fn new(
        label: impl Into<String>,
        template: Template,
        vars: &[(&str, &str)],
        params: Vec<Option<String>>,
    ) -> Step {
        Step::of_text(label, template.text(), vars, params)
    }

    /// A statement that names `target` in its text as `{object}`, guarded by its oid.
    pub fn on_object(
        label: impl Into<String>,
        template: Template,
        vars: &[(&str, &str)],
        target: &Object,
    ) -> Step {
        Step::of_text_on(label, template.text(), vars, target)
    }

    /// [`Step::new`] from a template's text: private, so that a plan writes only [`Template`]s.
    fn of_text(
        label: impl Into<String>,
        text: &str,
        vars: &[(&str, &str)],
        params: Vec<Option<String>>,
    ) -> Step {
        Step {
            label: label.into(),
            sql: render(&crate::queries::action(text), vars),
            params,
            guard: None,
            analyze: None,
            expect_true: None,
            concurrent_reindex: false,
        }
    }

    fn of_text_on(
        label: impl Into<String>,
        text: &str,
        vars: &[(&str, &str)],
        target: &Object,
    ) -> Step {
        let quoted = target.quoted();
        let mut all = vars.to_vec();
        all.push(("object", &quoted));
        Step {
            guard: Some(target.clone()),
            ..Step::of_text(label, text, &all, Vec::new())
        }
    }

    /// The statement as it will run, parameters shown as SQL literals (for the preview). One
    /// pass over the statement: a value that contains `$1` is never read as a placeholder.
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let digits = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let param = after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| self.params.get(i));
            match param {
                Some(Some(v)) => out.push_str(&literal(v)),
                Some(None) => out.push_str("NULL"),
                None => out.push_str(&rest[at..at + 1 + digits]),
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        out
    }
}

/// A SQL string literal that reads the same whatever `standard_conforming_strings` is (a
/// database owner can turn it off, and a plain literal's backslashes then escape its quote):
/// with a backslash in it, an escape string `E'…'` with backslashes doubled, read as one
/// backslash under either setting; quotes doubled in both forms. Hypertop's sessions also set
/// `standard_conforming_strings = on`.
pub fn literal(s: &str) -> String {
    if s.contains('\\') {
        format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

pub use crate::format::{quote_ident, quote_qualified};

pub use crate::queries::render;

/// One line of a plan's preview: a label, the text, how loudly it is said.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    pub label: &'static str,
    pub text: String,
    pub emphasis: Emphasis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    Plain,
    /// Worth a second look (what it touches, what a policy does next).
    Caution,
    /// What is lost, what the operator must know.
    Danger,
    /// Said for completeness.
    Quiet,
}

/// Work measured in bytes: what, on which relation (its oid), how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub verb: String,
    pub relation: u32,
    pub bytes: i64,
}

/// How the operator confirms a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Confirm {
    /// Choose Execute (the default choice is Cancel).
    Choose,
    /// Type this name: for what cannot be undone.
    TypeName(String),
    /// Type this relation's name as the screens show it — bare, schema-qualified or quoted:
    /// for what drops a relation's data.
    TypeRelation { schema: String, name: String },
}

impl Confirm {
    /// What the prompt asks for (escaped for a terminal).
    pub fn asked(&self) -> Option<String> {
        match self {
            Confirm::Choose => None,
            Confirm::TypeName(n) => Some(crate::format::printable(n)),
            Confirm::TypeRelation { schema, name } => Some(format!(
                "{} (or {})",
                crate::format::ident_escaped(name),
                crate::format::qualified_escaped(schema, name)
            )),
        }
    }

    /// Whether `typed` confirms: the name itself, or for a relation any form that names it
    /// (`telemetry`, `plant.telemetry`, `"plant"."telemetry"`, `U&"…"`).
    pub fn accepts(&self, typed: &str) -> bool {
        match self {
            Confirm::Choose => true,
            Confirm::TypeName(n) => typed == n,
            Confirm::TypeRelation { schema, name } => {
                typed == name
                    || parse::object_name(typed.trim()).is_ok_and(|o| {
                        o.name == *name && o.schema.as_ref().is_none_or(|s| s == schema)
                    })
            }
        }
    }
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
    /// How many of `inverse`'s statements undo each step, in step order (each group in the
    /// order it runs): a failed or cancelled run is undone for the steps that ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inverse_groups: Vec<usize>,
    /// Why it cannot be undone, when it cannot.
    pub irreversible: Option<String>,
    /// The settings captured from the catalog before the change.
    pub previous: Option<serde_json::Value>,
    pub confirm: Confirm,
    /// False for read-only commands (history).
    pub mutating: bool,
    /// The settings it changes, so a rollback can tell when a later entry changed the same one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<change::Change>,
    /// What the operator must know before saying yes (shown in the preview).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What it will touch, measured when planned (chunks, bytes, share, time range).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impact: Vec<String>,
    /// `run --yes` also needs `--force` (a rollback that overwrites later changes).
    #[serde(default)]
    pub needs_force: bool,
    /// Every statement in one transaction: all of them take effect, or none (policy apply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub atomic: bool,
    /// What a policy it changes will do at its next run, and when (not done by the plan itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_run: Vec<String>,
    /// What cannot be undone, even by its rollback (what a policy's next run drops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<String>,
    /// What its rollback brings back, in words (`drop_after of x back to 90 days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restores: Option<String>,
    /// The locks its rollback takes, where they differ from its own (a compress's rollback
    /// decompresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_locks: Option<String>,
    /// What it works through (compress, decompress): journaled, so that a later preview of
    /// the same work on the same table can say how long it took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<Work>,
    /// Another session's statement, shown in the preview and never journaled (it is that
    /// session's, and may carry a password).
    #[serde(skip)]
    pub statement: Option<String>,
    /// The journal entry this plan rolls back (journaled on the intent line, not in the plan).
    #[serde(skip)]
    pub rollback_of: Option<String>,
}

impl Plan {
    /// A plan with no statements yet, confirmed by choosing Execute, irreversible until told.
    pub fn new(command: String, summary: String, affects: Vec<String>, locks: &str) -> Plan {
        Plan {
            command,
            summary,
            affects,
            locks: locks.into(),
            steps: Vec::new(),
            inverse: None,
            inverse_per_step: false,
            inverse_groups: Vec::new(),
            irreversible: None,
            previous: None,
            confirm: Confirm::Choose,
            mutating: true,
            changes: Vec::new(),
            warnings: Vec::new(),
            impact: Vec::new(),
            needs_force: false,
            atomic: false,
            next_run: Vec::new(),
            lost: Vec::new(),
            restores: None,
            undo_locks: None,
            work: None,
            statement: None,
            rollback_of: None,
        }
    }

    /// What the operator is told before saying yes, line by line: what it touches, what it does
    /// now, what a policy will do next, what is lost for good, and what rollback brings back —
    /// the consequences, not only the mechanics. One list for the console and `run`.
    pub fn consequences(&self, affects: usize) -> Vec<Said> {
        use Emphasis::*;
        let mut out = Vec::new();
        let mut say = |label, text: String, emphasis| {
            out.push(Said {
                label,
                text,
                emphasis,
            })
        };
        if !self.affects.is_empty() {
            say("Affects", self.affects_line(affects), Plain);
        }
        for i in &self.impact {
            say("Impact", i.clone(), Caution);
        }
        say("Locks", self.locks.clone(), Plain);
        if self.atomic {
            say("All", ATOMIC.into(), Plain);
        }
        if let Some(q) = &self.statement {
            say("Query", q.clone(), Plain);
        }
        for n in &self.next_run {
            say("Next run", n.clone(), Caution);
        }
        for l in &self.lost {
            say("Lost", l.clone(), Danger);
        }
        for w in &self.warnings {
            say("Warning", w.clone(), Danger);
        }
        match (&self.inverse, &self.irreversible) {
            (Some(_), _) => say(
                "Rollback",
                format!(
                    "restores {}{}",
                    self.restores
                        .as_deref()
                        .unwrap_or("the previous settings (journaled)"),
                    if self.lost.is_empty() {
                        ""
                    } else {
                        "; it does not bring back what is lost"
                    }
                ),
                Quiet,
            ),
            (None, Some(why)) => say("Irreversible", why.clone(), Caution),
            (None, None) => {}
        }
        out
    }

    /// What it affects, the first `max` named (`a, b and 3 more`).
    pub fn affects_line(&self, max: usize) -> String {
        let shown: Vec<&str> = self.affects.iter().take(max).map(String::as_str).collect();
        match self.affects.len().saturating_sub(max) {
            0 => shown.join(", "),
            more => format!("{} and {more} more", shown.join(", ")),
        }
    }

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
            Some(inv) if !self.inverse_groups.is_empty() => {
                let mut groups = Vec::new();
                let mut at = 0;
                for n in self.inverse_groups.iter().take(done) {
                    groups.push(inv.get(at..at + n).unwrap_or_default());
                    at += n;
                }
                groups.into_iter().rev().flatten().cloned().collect()
            }
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
        let mut params = vec![None; 10];
        params[0] = Some("\"Ops \"\"Team\"\"\".\"it's\"".into());
        params[9] = Some("ten".into());
        let s = Step::of_text(
            "x",
            "-- comment\nSELECT f($1::text::regclass, $2::text::interval, $10)",
            &[],
            params,
        );
        assert_eq!(
            s.display(),
            "SELECT f('\"Ops \"\"Team\"\"\".\"it''s\"'::text::regclass, NULL::text::interval, 'ten')"
        );
        assert_eq!(quote_qualified("a\"b", "select"), "\"a\"\"b\".\"select\"");
    }

    #[test]
    fn a_value_containing_a_placeholder_is_shown_as_it_is() {
        let s = Step::of_text(
            "x",
            "SELECT f($1, $2)",
            &[],
            vec![Some("m$2".into()), Some("two".into())],
        );
        assert_eq!(s.display(), "SELECT f('m$2', 'two')");
    }

    #[test]
    fn values_are_put_in_after_the_template_is_cleaned() {
        let evil = Object {
            oid: 1,
            schema: "s".into(),
            name: "A\nDROP TABLE public.victim --".into(),
        };
        let step = Step::of_text_on(
            "drop",
            "-- Drop {object}.\nDROP INDEX   {object}",
            &[],
            &evil,
        );
        assert_eq!(
            step.sql,
            "DROP INDEX \"s\".\"A\nDROP TABLE public.victim --\""
        );
        let spaced = Object {
            oid: 2,
            schema: "s".into(),
            name: "a  b\tc".into(),
        };
        let step = Step::of_text_on("r", "REINDEX INDEX {object}", &[], &spaced);
        assert_eq!(step.sql, "REINDEX INDEX \"s\".\"a  b\tc\"");
        assert_eq!(
            render("SELECT {ts}.f('{}', {nope})", &[("ts", "\"{ts}\"")]),
            "SELECT \"{ts}\".f('{}', {nope})"
        );
    }
}
