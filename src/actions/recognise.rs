//! Whether a journaled statement is one hypertop writes: an instance of one of its action
//! templates, each placeholder filled with a value of its kind (the object the step guards,
//! quoted; TimescaleDB's schema, quoted; a column list as a literal; a word of a fixed set),
//! rendered again and compared with the stored text. A rollback runs nothing else: a journal
//! edited to hold another statement is refused, whoever edited it.

use super::{columns, literal, quote_ident, render, Step, Template};

/// Statements older hypertops wrote and journals still hold: re-adding a policy restored a
/// fixed schedule before it restored the job's own.
const LEGACY: &[&str] = &[
    include_str!("../../queries/actions/legacy/add_columnstore_policy.sql"),
    include_str!("../../queries/actions/legacy/add_compression_policy.sql"),
    include_str!("../../queries/actions/legacy/add_refresh_policy.sql"),
    include_str!("../../queries/actions/legacy/add_retention_policy.sql"),
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
    let ours = Template::ALL
        .iter()
        .map(|t| t.text())
        .chain(LEGACY.iter().copied());
    if ours
        .into_iter()
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
                crate::actions::Template::SetCompression,
                &[
                    ("segmentby", &literal("\"device\", \"a\\\"")),
                    ("orderby", &literal("\"ts\" DESC")),
                ],
                &target,
            ),
            Step::new(
                "job back",
                crate::actions::Template::AlterJob,
                &[("ts", "\"public\"")],
                vec![Some("1000".into())],
            ),
            Step::on_object(
                "off",
                crate::actions::Template::UnsetCompression,
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

    /// Every statement a plan can write, its placeholders filled as plans fill them, is run back
    /// by a rollback: a template whose placeholder recognition does not know fails here, not at
    /// an operator's rollback.
    #[test]
    fn every_template_filled_as_plans_fill_it_is_recognised() {
        let target = object();
        for t in Template::ALL {
            let text = crate::queries::action(t.text());
            let skeleton = render(&text, &[]);
            let names: Vec<&str> = skeleton
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n))
                .collect();
            let segmentby = literal(&columns::segmentby_text(
                &columns::segmentby("device, \"a b\"").unwrap(),
            ));
            let orderby = literal(&columns::orderby_text(
                &columns::orderby("ts DESC").unwrap(),
            ));
            let vars: Vec<(&str, &str)> = names
                .iter()
                .filter(|n| **n != "object")
                .map(|n| {
                    let v = match *n {
                        "ts" => "\"public\"",
                        "segmentby" => segmentby.as_str(),
                        "orderby" => orderby.as_str(),
                        word => WORDS
                            .iter()
                            .find(|(k, _)| *k == word)
                            .map(|(_, w)| w[0])
                            .unwrap_or_else(|| {
                                panic!("{t:?}: placeholder {{{word}}} unknown to recognition")
                            }),
                    };
                    (*n, v)
                })
                .collect();
            let step = if names.contains(&"object") {
                Step::on_object(format!("{t:?}"), *t, &vars, &target)
            } else {
                Step::new(format!("{t:?}"), *t, &vars, vec![])
            };
            assert!(
                check(&step).is_ok(),
                "{t:?} is not recognised: {}",
                step.sql
            );
        }
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
