//! Whether a journaled statement is one hypertop writes: an instance of one of its action
//! templates, each placeholder filled with a value of its kind (the object the step guards,
//! quoted; TimescaleDB's schema, quoted; a column list as a literal; a word of a fixed set),
//! rendered again and compared with the stored text. A rollback runs nothing else: a journal
//! edited to hold another statement is refused, whoever edited it.

use super::{columns, literal, quote_ident, render, Step};

macro_rules! templates {
    ($($file:literal),* $(,)?) => {
        &[$(include_str!(concat!("../../queries/actions/", $file))),*]
    };
}

/// Every template a plan's statements are made from.
const TEMPLATES: &[&str] = templates![
    "add_columnstore_policy.sql",
    "add_compression_policy.sql",
    "add_refresh_policy.sql",
    "add_retention_policy.sql",
    "alter_job.sql",
    "alter_job_config.sql",
    "apply_add_columnstore_policy.sql",
    "apply_add_columnstore_policy_created.sql",
    "apply_add_compression_policy.sql",
    "apply_pause_columnstore_policy.sql",
    "apply_add_policy_created.sql",
    "apply_add_refresh_policy.sql",
    "apply_add_reorder_policy.sql",
    "apply_add_retention_policy.sql",
    "as_role.sql",
    "keep_policy_timezone.sql",
    "keep_timezone.sql",
    "cancel_backend.sql",
    "compact_chunk.sql",
    "compress_chunk.sql",
    "convert_to_columnstore.sql",
    "convert_to_rowstore.sql",
    "decompress_chunk.sql",
    "drop_chunks.sql",
    "drop_index.sql",
    "drop_index_concurrently.sql",
    "merge_chunks.sql",
    "merge_chunks_concurrently.sql",
    "refresh_integer.sql",
    "refresh_time.sql",
    "reindex_index.sql",
    "reindex_table.sql",
    "remove_columnstore_policy.sql",
    "remove_compression_policy.sql",
    "remove_refresh_policy.sql",
    "remove_reorder_policy.sql",
    "remove_retention_policy.sql",
    "reset_columnstore_orderby.sql",
    "reset_role.sql",
    "reset_compression_orderby.sql",
    "restore_job.sql",
    "restore_policy.sql",
    "run_job.sql",
    "set_chunk_interval.sql",
    "set_columnstore.sql",
    "set_columnstore_segmentby.sql",
    "set_compression.sql",
    "set_compression_segmentby.sql",
    "terminate_backend.sql",
    "unset_columnstore.sql",
    "unset_compression.sql",
    // as journals written before re-adding restored a fixed schedule have them
    "legacy/add_columnstore_policy.sql",
    "legacy/add_compression_policy.sql",
    "legacy/add_refresh_policy.sql",
    "legacy/add_retention_policy.sql",
];

/// Words a placeholder may be filled with.
const WORDS: &[(&str, &[&str])] = &[
    ("threshold_type", &["interval", "bigint"]),
    (
        "threshold",
        &[
            "after",
            "created_before",
            "compress_after",
            "compress_created_before",
            "drop_after",
            "drop_created_before",
        ],
    ),
    (
        "policy",
        &["add_compression_policy", "add_retention_policy"],
    ),
];

/// Why a journaled statement is not run back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrecognised {
    /// No template of hypertop's makes it (its label, as journaled).
    NotOurs { label: String },
}

impl std::fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unrecognised::NotOurs { label } => write!(
                f,
                "\"{}\" is not a statement hypertop writes (the journal was edited, or written by another program)",
                crate::format::printable(label)
            ),
        }
    }
}

impl std::error::Error for Unrecognised {}

/// Ok when `step` is one of hypertop's statements; else why not.
pub fn check(step: &Step) -> Result<(), Unrecognised> {
    if TEMPLATES
        .iter()
        .any(|t| instance(&crate::queries::action(t), step))
    {
        Ok(())
    } else {
        Err(Unrecognised::NotOurs {
            label: step.label.clone(),
        })
    }
}

/// Whether `step.sql` is `template` with each placeholder filled by a value of its kind.
fn instance(template: &str, step: &Step) -> bool {
    let skeleton = render(template, &[]);
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut rest = step.sql.as_str();
    let mut shape = skeleton.as_str();
    loop {
        let Some(open) = shape.find('{') else {
            if shape != rest {
                return false;
            }
            break;
        };
        let (literal_part, after) = shape.split_at(open);
        let Some(tail) = rest.strip_prefix(literal_part) else {
            return false;
        };
        let Some(close) = after.find('}') else {
            return false;
        };
        let name = &after[1..close];
        let Some((value, tail)) = value(name, tail, step) else {
            return false;
        };
        vars.push((name.to_string(), value.to_string()));
        rest = tail;
        shape = &after[close + 1..];
    }
    // rendered again from the values found: exactly the stored text
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    render(template, &vars) == step.sql
}

/// The value of placeholder `name` that `text` starts with, and what follows it.
fn value<'a>(name: &str, text: &'a str, step: &Step) -> Option<(&'a str, &'a str)> {
    let end = match name {
        "object" => {
            let quoted = step.guard.as_ref()?.quoted();
            text.starts_with(&quoted).then_some(quoted.len())?
        }
        "ts" => quoted_identifier(text)?,
        "segmentby" | "orderby" => {
            let (len, content) = string_literal(text)?;
            // a column list hypertop writes: its names always quoted, nothing else
            let canonical = if name == "segmentby" {
                columns::segmentby_text(&columns::segmentby(&content).ok()?)
            } else {
                columns::orderby_text(&columns::orderby(&content).ok()?)
            };
            (canonical == content && literal(&content) == text[..len]).then_some(len)?
        }
        word => {
            let allowed = WORDS.iter().find(|(k, _)| *k == word)?.1;
            let len = text
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(text.len());
            allowed.contains(&&text[..len]).then_some(len)?
        }
    };
    Some(text.split_at(end))
}

/// The length of the `"…"` identifier `text` starts with (doubled quotes inside).
fn quoted_identifier(text: &str) -> Option<usize> {
    let body = text.strip_prefix('"')?;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if chars.peek().is_some_and(|&(_, n)| n == '"') {
                chars.next();
                continue;
            }
            let name = body[..i].replace("\"\"", "\"");
            return (quote_ident(&name).len() == i + 2).then_some(i + 2);
        }
    }
    None
}

/// The length and content of the string literal `text` starts with: `'…'` (quotes doubled)
/// or `E'…'` (quotes doubled, backslashes doubled), as [`literal`] writes them.
fn string_literal(text: &str) -> Option<(usize, String)> {
    let (escape, body, start) = match text.strip_prefix("E'") {
        Some(b) => (true, b, 2),
        None => (false, text.strip_prefix('\'')?, 1),
    };
    let mut content = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
                content.push('\'');
            }
            '\'' => return Some((start + i + 1, content)),
            '\\' if escape => match chars.next() {
                Some((_, '\\')) => content.push('\\'),
                _ => return None,
            },
            '\\' => return None,
            c => content.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::Object;

    fn object() -> Object {
        Object {
            oid: 42,
            schema: "Ops \"Team\"".into(),
            name: "m; x".into(),
        }
    }

    #[test]
    fn hypertops_own_statements_are_recognised_and_edits_are_not() {
        let target = object();
        let ours = [
            Step::on_object(
                "compression back",
                include_str!("../../queries/actions/set_compression.sql"),
                &[
                    ("segmentby", &literal("\"device\", \"a\\\"")),
                    ("orderby", &literal("\"ts\" DESC")),
                ],
                &target,
            ),
            Step::new(
                "job back",
                include_str!("../../queries/actions/alter_job.sql"),
                &[("ts", "\"public\"")],
                vec![Some("1000".into())],
            ),
            Step::on_object(
                "off",
                include_str!("../../queries/actions/unset_compression.sql"),
                &[],
                &target,
            ),
        ];
        for step in &ours {
            assert!(check(step).is_ok(), "{}", step.sql);
        }
        let edited = |f: &dyn Fn(&mut Step)| {
            let mut s = ours[0].clone();
            f(&mut s);
            check(&s)
        };
        // another statement altogether
        assert!(edited(&|s| s.sql =
            "SELECT pg_catalog.lo_import('/etc/hostname', 424242) WHERE $1::text IS NOT NULL"
                .into())
        .is_err());
        // one appended
        assert!(edited(&|s| s.sql.push_str("; DROP TABLE x")).is_err());
        // a literal that is not a column list hypertop writes
        assert!(edited(&|s| s.sql = s.sql.replace("\"ts\" DESC", "ts') , x = ('y")).is_err());
        // aimed at another object than the step guards
        assert!(edited(&|s| s.guard.as_mut().unwrap().name = "other".into()).is_err());
        // the word a placeholder takes, from its set only
        let mut job = ours[1].clone();
        job.sql = job
            .sql
            .replace("\"public\"", "\"public\".f(); SELECT \"x\"");
        assert!(check(&job).is_err());
    }

    #[test]
    fn literals_and_identifiers_are_read_as_written() {
        for s in ["", "a", "it's", "back\\slash", "\\'"] {
            let l = literal(s);
            assert_eq!(string_literal(&l), Some((l.len(), s.to_string())), "{l}");
        }
        assert_eq!(
            string_literal("'a\\'"),
            None,
            "a bare backslash is not ours"
        );
        assert_eq!(quoted_identifier("\"a\"\"b\".x"), Some(6));
        assert_eq!(quoted_identifier("\"open"), None);
    }
}
