//! Palette completion: command names, then the objects each argument takes (from what the
//! screens have read), fuzzy-matched. Pure.

use super::spec::{self, Arg, COMMANDS};
use crate::store::Dataset;

/// Names the palette can offer, by kind (`schema.name` as SQL needs it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub hypertables: Vec<String>,
    pub caggs: Vec<String>,
    pub indexes: Vec<String>,
    pub tables: Vec<String>,
    pub jobs: Vec<String>,
    /// Process ids of the sessions on the Activity tab.
    pub sessions: Vec<String>,
}

impl Names {
    /// Every name the data holds now: made when the palette wants them, not on every read
    /// (tens of thousands of names at the largest sizes, kept and made again at each refresh).
    pub fn of(data: &Dataset) -> Names {
        let qualified = crate::format::qualified_escaped;
        Names {
            hypertables: data
                .compression
                .rows()
                .iter()
                .map(|c| qualified(&c.schema, &c.name))
                .collect(),
            caggs: data
                .caggs
                .rows()
                .iter()
                .map(|c| qualified(&c.schema, &c.name))
                .collect(),
            indexes: data
                .indexes
                .rows()
                .iter()
                .map(|i| qualified(&i.index_schema, &i.name))
                .collect(),
            tables: data
                .indexes
                .rows()
                .iter()
                .filter(|i| !i.on_hypertable)
                .map(|i| qualified(&i.schema, &i.table))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            jobs: data
                .jobs
                .rows()
                .iter()
                .map(|j| j.job_id.to_string())
                .collect(),
            sessions: data
                .activity
                .rows()
                .iter()
                .map(|s| s.pid.to_string())
                .collect(),
        }
    }
}

/// How well `needle` matches `hay` as a subsequence (case-insensitive): None when it does not;
/// higher is better (prefix and contiguous runs score most).
pub fn fuzzy(needle: &str, hay: &str) -> Option<i64> {
    if needle.is_empty() {
        return Some(0);
    }
    let h: Vec<char> = hay.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut last: Option<usize> = None;
    let mut pos = 0;
    for c in needle.to_lowercase().chars() {
        let found = h[pos..].iter().position(|x| *x == c)? + pos;
        score += match last {
            Some(l) if found == l + 1 => 5,
            _ => 1,
        };
        if found == 0 {
            score += 10;
        }
        last = Some(found);
        pos = found + 1;
    }
    // Shorter candidates first among equals.
    Some(score * 100 - h.len() as i64)
}

fn ranked<'a>(
    needle: &str,
    candidates: impl Iterator<Item = &'a String>,
    limit: usize,
) -> Vec<String> {
    let mut scored: Vec<(i64, &String)> = candidates
        .filter_map(|c| fuzzy(needle, c).map(|s| (s, c)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(limit)
        .map(|(_, c)| c.clone())
        .collect()
}

pub use crate::command::typo::{closest, edit_distance};

/// Where the word being typed at the end of `line` starts: after the last whitespace that is
/// not inside a `"…"` identifier or a `'…'` literal (a quoted name may hold spaces).
fn current_word_start(line: &str) -> usize {
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => start = i + c.len_utf8(),
            None => {}
        }
    }
    start
}

/// Suggestions for the word being typed at the end of `line`.
pub fn suggest(line: &str, names: &Names, limit: usize) -> Vec<String> {
    let start = current_word_start(line);
    let current = &line[start..];
    let done: Vec<&str> = line[..start].split_whitespace().collect();
    if done.is_empty() {
        let commands: Vec<String> = COMMANDS
            .iter()
            .map(|s| s.name)
            .chain(super::spec::ALIASES.iter().map(|(a, _)| *a))
            .map(String::from)
            .collect();
        return ranked(current, commands.iter(), limit);
    }
    let position = done.len() - 1;
    let arg = spec::find(done[0]).and_then(|s| s.arg(position, done.get(1).copied()));
    let cloned = |lists: &[&Vec<String>]| {
        lists
            .iter()
            .flat_map(|l| l.iter().cloned())
            .collect::<Vec<String>>()
    };
    let pool: Vec<String> = match arg {
        Some(Arg::Cagg) => cloned(&[&names.caggs]),
        Some(Arg::Hypertable) => cloned(&[&names.hypertables]),
        Some(Arg::HypertableOrCagg) => cloned(&[&names.hypertables, &names.caggs]),
        Some(Arg::HypertableOrChunk) => {
            let mut v = cloned(&[&names.hypertables]);
            v.push("chunk".into());
            v
        }
        Some(Arg::Reindexable) => cloned(&[&names.indexes, &names.hypertables, &names.tables]),
        Some(Arg::Index) => cloned(&[&names.indexes]),
        Some(Arg::Job) => cloned(&[&names.jobs]),
        Some(Arg::Session) => cloned(&[&names.sessions]),
        Some(Arg::Keyword(word)) => vec![word.to_string()],
        Some(Arg::Setting(name)) => vec![format!("{name}=")],
        Some(Arg::Chunk | Arg::Interval | Arg::Bound | Arg::Entry) | None => Vec::new(),
    };
    ranked(current, pool.iter(), limit)
}

/// `line` with its last word replaced by `choice` (and a space to go on typing, unless the
/// choice is a setting's `name=` waiting for its value).
pub fn accept(line: &str, choice: &str) -> String {
    let space = if choice.ends_with('=') { "" } else { " " };
    format!("{}{choice}{space}", &line[..current_word_start(line)])
}

/// What Tab does to the word being typed at the end of `line`, given its ranked `candidates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabStep {
    /// The candidates that start with the word share more than it: the line with the word
    /// extended to their longest common prefix (as a shell completes).
    Extend(String),
    /// Nothing more in common: the line with the first candidate accepted; with others, Tab
    /// again cycles through them.
    Accept(String),
}

/// Tab on `line` with `candidates` for its last word (pure): see [`TabStep`]. None when there
/// is none.
pub fn tab(line: &str, candidates: &[String]) -> Option<TabStep> {
    let start = current_word_start(line);
    let word = &line[start..];
    let prefixed: Vec<&String> = candidates.iter().filter(|c| c.starts_with(word)).collect();
    if let [only] = prefixed[..] {
        // the one name that goes on from what was typed
        return Some(TabStep::Accept(accept(line, only)));
    }
    if let Some((first, rest)) = prefixed.split_first() {
        let common = rest.iter().fold(first.as_str(), |common, c| {
            let end = (common.char_indices().map(|(i, ch)| i + ch.len_utf8()))
                .zip(c.chars().zip(common.chars()))
                .take_while(|(_, (a, b))| a == b)
                .last()
                .map_or(0, |(end, _)| end);
            &common[..end]
        });
        if common.len() > word.len() {
            return Some(TabStep::Extend(format!("{}{common}", &line[..start])));
        }
    }
    let first = candidates.first()?;
    Some(TabStep::Accept(accept(line, first)))
}

/// Whether `line` ends in whitespace that separates words (not inside a quoted name): another
/// space typed there would be a second one.
pub fn ends_between_words(line: &str) -> bool {
    line.ends_with(char::is_whitespace) && current_word_start(line) == line.len()
}

/// The synopsis of the command being typed, for the hint line.
pub fn hint(line: &str) -> Option<String> {
    let typed = line.split_whitespace().next()?;
    // an alias is shown as typed: the columnstore's name is as good as the old one
    spec::find(typed).map(|s| format!("{} {}", typed.to_lowercase(), s.synopsis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::spec::family;

    fn names() -> Names {
        Names {
            hypertables: vec![
                "scn.metrics".into(),
                "scn.logs".into(),
                "\"Ops \"\"Team\"\"\".\"events; drop table x\"".into(),
            ],
            caggs: vec!["scn.metrics_hourly".into(), "scn.metrics_daily".into()],
            indexes: vec!["scn.metrics_time_idx".into()],
            tables: vec![],
            jobs: vec!["1000".into(), "1004".into()],
            sessions: vec!["4242".into()],
        }
    }

    #[test]
    fn commands_complete_fuzzily() {
        assert_eq!(suggest("", &names(), 3).len(), 3);
        assert_eq!(suggest("pj", &names(), 3)[0], "pause-job");
        assert_eq!(suggest("set-ret", &names(), 3)[0], "set-retention");
        assert!(suggest("zzz", &names(), 3).is_empty());
    }

    #[test]
    fn arguments_complete_by_kind() {
        assert_eq!(suggest("refresh hour", &names(), 5), ["scn.metrics_hourly"]);
        let s = suggest("set-retention ", &names(), 10);
        assert!(
            s.contains(&"scn.logs".to_string()) && s.contains(&"scn.metrics_daily".to_string())
        );
        assert_eq!(suggest("pause-job 100", &names(), 5), ["1000", "1004"]);
        assert_eq!(
            suggest("compress scn.metrics o", &names(), 5),
            ["older-than"]
        );
        assert!(suggest("compress ch", &names(), 5).contains(&"chunk".to_string()));
        assert_eq!(suggest("set-retention team", &names(), 5).len(), 1);
    }

    #[test]
    fn misspelt_names_find_the_names_meant() {
        assert_eq!(edit_distance("plant.telemtry", "plant.telemetry"), 1);
        assert_eq!(edit_distance("teh", "the"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ÉTÉ", "été"), 0);
        let names = [
            "plant.telemetry",
            "plant.telemetry_1h",
            "plant.devices",
            "x.y",
        ];
        assert_eq!(closest("plant.telemtry", names), ["plant.telemetry"]);
        assert_eq!(
            closest("plant.telemetry_h", names),
            ["plant.telemetry_1h", "plant.telemetry"]
        );
        assert!(closest("plant.sensors", names).is_empty());
        // a short name allows one edit
        assert_eq!(closest("x.z", names), ["x.y"]);
    }

    #[test]
    fn tab_extends_to_what_the_names_share_then_accepts() {
        let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let idx = c(&[
            "plant.telemetry_machine_time_idx",
            "plant.telemetry_machine_ts_idx",
        ]);
        // more in common than typed: extended, no space (the next word is not begun)
        assert_eq!(
            tab("drop-index plant.tel", &idx),
            Some(TabStep::Extend(
                "drop-index plant.telemetry_machine_t".into()
            ))
        );
        // nothing more in common: the first accepted (Tab again cycles)
        assert_eq!(
            tab("drop-index plant.telemetry_machine_t", &idx),
            Some(TabStep::Accept(
                "drop-index plant.telemetry_machine_time_idx ".into()
            ))
        );
        // one candidate, the one that starts with the word, or fuzzy ones that do not start
        // with it: accepted
        assert_eq!(
            tab("refr", &c(&["refresh"])),
            Some(TabStep::Accept("refresh ".into()))
        );
        assert_eq!(
            tab("refr", &c(&["remove-refresh-policy", "refresh"])),
            Some(TabStep::Accept("refresh ".into()))
        );
        assert_eq!(
            tab("refresh hour", &c(&["scn.metrics_hourly", "scn.x_hourly"])),
            Some(TabStep::Accept("refresh scn.metrics_hourly ".into()))
        );
        // a common prefix cut inside a character is never made
        assert_eq!(
            tab("x é", &c(&["éa", "éb"])),
            Some(TabStep::Accept("x éa ".into()))
        );
        assert_eq!(tab("x ", &[]), None);
    }

    #[test]
    fn accepting_replaces_the_last_word() {
        assert_eq!(
            accept("refresh hour", "scn.metrics_hourly"),
            "refresh scn.metrics_hourly "
        );
        assert_eq!(accept("refresh ", "scn.x"), "refresh scn.x ");
        assert_eq!(accept("pj", "pause-job"), "pause-job ");
        // a setting's name waits for its value, with no space before it
        assert_eq!(
            accept("set-compression scn.metrics seg", "segmentby="),
            "set-compression scn.metrics segmentby="
        );
        assert_eq!(hint("pause-job 1").unwrap(), "pause-job <job id>");
        // A non-ASCII space (two bytes) ends a word like any other (this panicked).
        assert_eq!(accept("pause-job\u{a0}10", "1000"), "pause-job\u{a0}1000 ");
        assert!(suggest("pause-job\u{a0}", &Names::default(), 5).is_empty());
    }

    /// A cheap deterministic fuzz: hostile object names as the screens offer them, completed
    /// into a command, parse back to exactly that object; random lines never panic.
    #[test]
    fn completed_hostile_names_parse_back_to_the_same_object() {
        use crate::actions::parse::{parse, Command};
        const PIECES: &[&str] = &[
            "\n", "--", "/*", "\"", "'", "  ", "\t", "$1", "É", "é", ";", "x", "A", ".", " ", "\\",
            "ǅ", "{object}", "\u{a0}", "\u{3000}", "\u{202e}", "\x1b[2J", "\r", "U&", "\\0041",
        ];
        let mut rng = crate::testing::Xorshift(0x853c_49e6_748f_ea9b);
        let mut next = || rng.next();
        for _ in 0..500 {
            let mut part = || {
                let mut s = String::new();
                for _ in 0..1 + next() % 6 {
                    let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                    if s.len() + piece.len() <= 63 {
                        s.push_str(piece);
                    }
                }
                s
            };
            let (schema, name) = (part(), part());
            // As the console offers it: a control or bidirectional character escaped (U&"…"),
            // so the palette's line holds no raw newline, escape or override.
            let shown = crate::format::qualified_escaped(&schema, &name);
            assert!(
                !shown
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{shown:?}"
            );
            let names = Names {
                indexes: vec![shown.clone()],
                ..Names::default()
            };
            let typed: String = shown.chars().take(2).collect();
            let line = format!("drop-index {typed}");
            let _ = suggest(&line, &names, 5);
            let _ = hint(&line);
            let accepted = accept(&line, &shown);
            match parse(&accepted) {
                Ok(Command::Indexes(family::Indexes::DropIndex { index })) => {
                    assert_eq!(
                        index.schema.as_deref(),
                        Some(schema.as_str()),
                        "{accepted:?}"
                    );
                    assert_eq!(index.name, name, "{accepted:?}");
                }
                other => panic!("{accepted:?} parsed as {other:?}"),
            }
            // Mutations of the line: completion and parsing never panic.
            let mut chars: Vec<char> = accepted.chars().collect();
            for _ in 0..4 {
                let at = (next() as usize) % (chars.len() + 1);
                let c = PIECES[(next() % PIECES.len() as u64) as usize]
                    .chars()
                    .next()
                    .unwrap_or('x');
                chars.insert(at, c);
                let mutated: String = chars.iter().collect();
                let _ = suggest(&mutated, &names, 5);
                let _ = accept(&mutated, &shown);
                let _ = hint(&mutated);
                if let Err(e) = parse(&mutated) {
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}
