//! Compression column lists (`segmentby`, `orderby`) as typed values: read from what an
//! operator types, a policy file or TimescaleDB's catalog, checked against the table's
//! columns, and written back as always-quoted identifiers. Only names a table really has reach
//! the statement, however they were spelt.

use std::fmt;

/// One column of an orderby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderColumn {
    pub name: String,
    pub descending: bool,
    /// NULLS FIRST / NULLS LAST when given; otherwise the direction's default.
    pub nulls_first: Option<bool>,
}

impl fmt::Display for OrderColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::quote_ident(&self.name))?;
        if self.descending {
            f.write_str(" DESC")?;
        }
        match self.nulls_first {
            Some(true) => f.write_str(" NULLS FIRST"),
            Some(false) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

/// Why a column list is refused, or a name in it is not the table's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnsError {
    /// The list (its text as typed) does not read as one.
    List { list: String, fault: ListFault },
    /// A name the table has no column of.
    NoColumn { table: String, column: String },
}

/// What is wrong in a column list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFault {
    /// Nothing between two commas (or before one).
    EmptyItem,
    /// A segmentby item of more than one name.
    NotOneName,
    /// An orderby item that does not start with a column name.
    NoColumnFirst,
    /// An orderby item with more than a direction and a NULLS order after its column.
    BadOrderItem,
    /// A `"` that is not closed.
    Unclosed,
    /// `""`.
    EmptyQuoted,
    /// A character no unquoted name has.
    Character(char),
}

impl fmt::Display for ColumnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnsError::List { list, fault } => {
                let list = crate::format::printable(list);
                match fault {
                    ListFault::EmptyItem => write!(f, "{list}: an empty item"),
                    ListFault::NotOneName => {
                        write!(f, "{list}: each segmentby item is one column name")
                    }
                    ListFault::NoColumnFirst => {
                        write!(f, "{list}: each orderby item starts with a column name")
                    }
                    ListFault::BadOrderItem => write!(
                        f,
                        "{list}: an orderby item is a column, then ASC or DESC, then NULLS FIRST or NULLS LAST"
                    ),
                    ListFault::Unclosed => write!(f, "{list}: a quoted name is not closed"),
                    ListFault::EmptyQuoted => write!(f, "{list}: an empty quoted name"),
                    ListFault::Character(c) => write!(
                        f,
                        "{list}: {} cannot be part of a column list (quote the name: \"…\")",
                        crate::format::printable(&c.to_string())
                    ),
                }
            }
            ColumnsError::NoColumn { table, column } => write!(
                f,
                "{} has no column {}",
                table,
                crate::format::ident_escaped(column)
            ),
        }
    }
}

impl std::error::Error for ColumnsError {}

/// A segmentby list: column names, each an SQL identifier (`device, "Site"`).
pub fn segmentby(text: &str) -> Result<Vec<String>, ColumnsError> {
    list(text, |words| match words.as_slice() {
        [Word::Name(n)] => Ok(n.clone()),
        _ => Err(ListFault::NotOneName),
    })
}

/// An orderby list: `"time" DESC NULLS LAST, device`.
pub fn orderby(text: &str) -> Result<Vec<OrderColumn>, ColumnsError> {
    list(text, |words| {
        let (name, rest) = match words.split_first() {
            Some((Word::Name(n), rest)) => (n.clone(), rest),
            _ => return Err(ListFault::NoColumnFirst),
        };
        let mut c = OrderColumn {
            name,
            descending: false,
            nulls_first: None,
        };
        let mut rest = rest;
        if let Some((Word::Key(k), r)) = rest.split_first() {
            if k == "asc" || k == "desc" {
                c.descending = k == "desc";
                rest = r;
            }
        }
        match rest {
            [] => Ok(c),
            [Word::Key(n), Word::Key(which)]
                if n == "nulls" && (which == "first" || which == "last") =>
            {
                c.nulls_first = Some(which == "first");
                Ok(c)
            }
            _ => Err(ListFault::BadOrderItem),
        }
    })
}

/// Each segmentby name, always quoted: TimescaleDB parses the list, where a keyword must be.
pub fn segmentby_text(names: &[String]) -> String {
    names
        .iter()
        .map(|n| super::quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn orderby_text(columns: &[OrderColumn]) -> String {
    columns
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every name is a column of the table (`columns`, as its catalog lists them), or the first
/// that is not, named.
pub fn check<'a>(
    names: impl IntoIterator<Item = &'a String>,
    columns: &[String],
    table: &str,
) -> Result<(), ColumnsError> {
    for n in names {
        if !columns.contains(n) {
            return Err(ColumnsError::NoColumn {
                table: table.to_string(),
                column: n.clone(),
            });
        }
    }
    Ok(())
}

/// A word of a list item: a column name (its case folded as SQL folds it, or as quoted) or a
/// key word (lower case).
#[derive(Debug, Clone, PartialEq)]
enum Word {
    Name(String),
    Key(String),
}

/// Items separated by commas, each read by `item` from its words; an empty text is no items.
fn list<T>(
    text: &str,
    item: impl Fn(Vec<Word>) -> Result<T, ListFault>,
) -> Result<Vec<T>, ColumnsError> {
    let refused = |fault| ColumnsError::List {
        list: text.to_string(),
        fault,
    };
    let mut out = Vec::new();
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    let ended = |words: &mut Vec<Word>, out: &mut Vec<T>| -> Result<(), ColumnsError> {
        if words.is_empty() {
            return Err(refused(ListFault::EmptyItem));
        }
        out.push(item(std::mem::take(words)).map_err(refused)?);
        Ok(())
    };
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            ',' => {
                chars.next();
                ended(&mut words, &mut out)?;
            }
            '"' => {
                chars.next();
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            name.push('"');
                        }
                        Some('"') => break,
                        Some('\0') | None => return Err(refused(ListFault::Unclosed)),
                        Some(c) => name.push(c),
                    }
                }
                if name.is_empty() {
                    return Err(refused(ListFault::EmptyQuoted));
                }
                words.push(Word::Name(name));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '$' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                // SQL folds unquoted names to lower case (ASCII letters only)
                let folded = word.to_ascii_lowercase();
                let key = ["asc", "desc", "nulls", "first", "last"].contains(&folded.as_str())
                    && !words.is_empty();
                words.push(if key {
                    Word::Key(folded)
                } else {
                    Word::Name(folded)
                });
            }
            other => return Err(refused(ListFault::Character(other))),
        }
    }
    if !words.is_empty() || !out.is_empty() {
        ended(&mut words, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sql_reads_them_and_are_written_quoted() {
        assert_eq!(segmentby("").unwrap(), Vec::<String>::new());
        assert_eq!(
            segmentby(r#" Device, "Site ""A""", user "#).unwrap(),
            ["device", "Site \"A\"", "user"]
        );
        assert_eq!(
            segmentby_text(&segmentby("device, \"a\\\"").unwrap()),
            r#""device", "a\""#
        );
        let o = orderby(r#""time" DESC NULLS LAST, device asc, Nulls"#).unwrap();
        assert_eq!(
            orderby_text(&o),
            r#""time" DESC NULLS LAST, "device", "nulls""#
        );
        assert_eq!(
            orderby_text(&orderby(&orderby_text(&o)).unwrap()),
            orderby_text(&o)
        );
    }

    #[test]
    fn what_is_not_a_column_list_is_refused_with_its_reason() {
        assert!(segmentby("v --\\'); CREATE TABLE public.x(); --")
            .unwrap_err()
            .to_string()
            .contains("- cannot be part of a column list"));
        for (bad, why) in [
            ("a,,b", ListFault::EmptyItem),
            ("a b", ListFault::NotOneName),
            ("\"open", ListFault::Unclosed),
            ("\"\"", ListFault::EmptyQuoted),
            ("a;", ListFault::Character(';')),
            ("a'", ListFault::Character('\'')),
            ("a\\", ListFault::Character('\\')),
        ] {
            match segmentby(bad) {
                Err(ColumnsError::List { list, fault }) => {
                    assert_eq!((list.as_str(), fault), (bad, why), "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        for bad in ["time DESC DESC", "time NULLS", "time sideways", "a, ,b"] {
            assert!(orderby(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_checked_against_the_tables_columns() {
        let columns = ["time".to_string(), "a\\".to_string()];
        assert!(check(&segmentby("\"a\\\"").unwrap(), &columns, "t").is_ok());
        let e = check(&segmentby("a").unwrap(), &columns, "t").unwrap_err();
        assert_eq!(e.to_string(), "t has no column a");
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking() {
        let seeds = [
            "\"a\"\"b\" DESC NULLS FIRST, c",
            "é, \"\u{202e}\", x$y",
            ",\"",
            "\0\"",
        ];
        for s in seeds {
            for (i, _) in s.char_indices() {
                for t in [&s[i..], &s[..i]] {
                    if let Ok(v) = segmentby(t) {
                        assert_eq!(segmentby(&segmentby_text(&v)).unwrap(), v, "{t}");
                    }
                    if let Ok(v) = orderby(t) {
                        assert_eq!(orderby(&orderby_text(&v)).unwrap(), v, "{t}");
                    }
                }
            }
        }
    }
}
