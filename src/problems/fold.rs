//! Job failures alike folded into one problem: thousands of policies failing with the same error
//! (a server-wide cause: a bug, a full disk, a missing grant) are one thing to fix, and as one
//! line each they buried every other problem (6,487 of 6,988 at 50,000 chunks) and were most of
//! the console's memory for problems. Folded as they are found, so a failure alike is never a
//! problem of its own, not even for a moment; what it explains (a cagg's lag) has the fold as
//! its root. The jobs overdue for one cause said alike fold the same way, under that cause.

use std::collections::{BTreeMap, HashMap};

use super::{Problem, ProblemKind, Severity, Subject};
use crate::model::jobs::Job;
use crate::model::names::Name;

/// From this many failures alike on, they are one problem; fewer are listed one by one (they
/// fit on a screen beside the rest).
pub const FOLD_FROM: usize = 10;

/// The failing jobs that fold (pure): by severity and error, the groups of [`FOLD_FROM`] or
/// more, each in the jobs' order.
pub(super) fn alike<'a>(
    failing: impl IntoIterator<Item = (Severity, &'a Job)>,
) -> BTreeMap<(Severity, Option<Name>), Vec<&'a Job>> {
    let mut groups: BTreeMap<(Severity, Option<Name>), Vec<&Job>> = BTreeMap::new();
    for (severity, j) in failing {
        groups
            .entry((severity, j.last_error.clone()))
            .or_default()
            .push(j);
    }
    groups.retain(|_, members| members.len() >= FOLD_FROM);
    groups
}

/// Overdue jobs for one cause said alike (`job 7 cannot run: the scheduler is down`), from
/// [`FOLD_FROM`] on, folded into one consequence of that root (pure): a stopped scheduler or
/// a fold of failures left thousands of lines under it, one per job.
pub(super) fn overdue_alike(out: Vec<Problem>) -> Vec<Problem> {
    // what is said of the job after its name, and the rest of the chain
    fn said(p: &Problem) -> Option<&str> {
        let Subject::Job(id) = p.subject else {
            return None;
        };
        if p.kind != ProblemKind::JobOverdue || p.root.is_none() {
            return None;
        }
        p.chain.first()?.strip_prefix(&format!("job {id}"))
    }
    type Key = (Severity, Option<(ProblemKind, Subject)>, String, Vec<Name>);
    let key = |p: &Problem| -> Option<Key> {
        let root = p.root.as_ref().map(|r| (r.kind, r.subject.clone()));
        Some((
            p.severity,
            root,
            said(p)?.to_string(),
            p.chain[1..].to_vec(),
        ))
    };
    grouped(
        out,
        key,
        |(severity, _, said, rest), mut members: Overdue| {
            members.ids.sort_unstable();
            let n = members.ids.len();
            // what was said of one job, said of the first (it reads for any cause: `is overdue`,
            // `cannot run`, `is a compression job`)
            let mut chain = vec![Name::from(format!(
                "{n} jobs alike: job {}{said}",
                members.ids[0]
            ))];
            chain.extend(rest);
            let (least, most) = (members.least, members.most);
            let late = if crate::format::seconds(least) == crate::format::seconds(most) {
                crate::format::seconds(most)
            } else {
                format!(
                    "{} to {}",
                    crate::format::seconds(least),
                    crate::format::seconds(most)
                )
            };
            let starved = match members.starved {
                0 => String::new(),
                k => format!("; {k} missed at least one whole run (starved)"),
            };
            Problem {
                severity,
                kind: ProblemKind::JobOverdue,
                object: format!("{n} jobs"),
                message: format!("next starts were {late} ago{starved}"),
                chain,
                root: members.root,
                subject: Subject::Jobs {
                    ids: members.ids.into(),
                    error: None,
                },
                magnitude: most,
                action: None,
            }
        },
    )
}

/// Relations with one kind of problem for one cause said alike — its chain, but for the
/// jobs' numbers in it (`compression policy (job 1017) cannot run: the scheduler is down`) —
/// from [`FOLD_FROM`] on, folded into one problem that opens onto them (pure). A stopped
/// scheduler at 50,000 chunks left 4,000 backlogs and 2,500 overdue retentions under it, and
/// an advisor 3,814 lines of segment-size advice: one line each buried the rest, and the
/// list and the overview's rows made from it were a third of the console's memory.
pub(super) fn relations_alike(out: Vec<Problem>) -> Vec<Problem> {
    type Key = (
        Severity,
        ProblemKind,
        Option<(ProblemKind, Subject)>,
        Vec<String>,
    );
    let key = |p: &Problem| -> Option<Key> {
        let Subject::Relation { .. } = p.subject else {
            return None;
        };
        Some((
            p.severity,
            p.kind,
            p.root.as_ref().map(|r| (r.kind, r.subject.clone())),
            p.chain.iter().map(|line| said_alike(line)).collect(),
        ))
    };
    grouped(out, key, |(severity, kind, _, _), members: Relations| {
        let Relations {
            mut names,
            total,
            first,
        } = members;
        names.sort_unstable();
        let first = first.expect("a fold has members");
        let (n, noun) = (names.len(), noun(kind));
        // the kind first: at 80 columns the list shows no kind column, and the count alone
        // says nothing
        let message = if counts_bytes(kind) {
            format!(
                "{kind}: {} in all; the largest, {}: {}",
                crate::format::bytes(total as i64),
                first.object,
                first.message
            )
        } else {
            format!("{kind}: the first, {}: {}", first.object, first.message)
        };
        Problem {
            severity,
            kind,
            object: format!("{n} {noun}"),
            message,
            // the first one's: said alike of every one, with its own job
            chain: first.chain,
            root: first.root,
            subject: Subject::Relations(names.into()),
            // a fold of byte sizes ranks by what they add up to; else by its first
            magnitude: if counts_bytes(kind) {
                total
            } else {
                first.magnitude
            },
            action: None,
        }
    })
}

/// A line of a cause chain with the jobs' numbers left out (`job 1017` → `job #`): the
/// relations' policies are each their own job, and say the same of it.
pub fn said_alike(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("job ") {
        let (head, tail) = rest.split_at(at + "job ".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('#');
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// What the relations of a fold of `kind` are called.
fn noun(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::CaggLag | ProblemKind::RefreshWindow => "continuous aggregates",
        ProblemKind::InvalidIndex | ProblemKind::DuplicateIndex | ProblemKind::UnusedIndex => {
            "indexes"
        }
        _ => "hypertables",
    }
}

/// Whether a problem of `kind` is measured in bytes (a fold says their sum).
fn counts_bytes(kind: ProblemKind) -> bool {
    matches!(
        kind,
        ProblemKind::CompressionBacklog
            | ProblemKind::RetentionOverdue
            | ProblemKind::InvalidIndex
            | ProblemKind::DuplicateIndex
            | ProblemKind::UnusedIndex
    )
}

/// What a fold keeps of its members as they are folded (the members themselves are not kept:
/// moved whole into their folds, 6,500 overdue jobs held 2 MB more at the console's peak).
trait Gather: Default {
    fn add(&mut self, p: Problem);
}

/// The problems `key` groups from [`FOLD_FROM`] on, each group one problem made by `fold` from
/// what it gathered, in the place its first member had; the rest as they were (pure).
fn grouped<K: std::hash::Hash + Eq + Clone, G: Gather>(
    out: Vec<Problem>,
    key: impl Fn(&Problem) -> Option<K>,
    mut fold: impl FnMut(K, G) -> Problem,
) -> Vec<Problem> {
    let mut sizes: HashMap<K, usize> = HashMap::new();
    for k in out.iter().filter_map(&key) {
        *sizes.entry(k).or_default() += 1;
    }
    sizes.retain(|_, n| *n >= FOLD_FROM);
    if sizes.is_empty() {
        return out;
    }
    let mut slots: HashMap<K, usize> = HashMap::new();
    let mut folds: Vec<(K, G)> = Vec::new();
    let mut kept = Vec::new();
    for p in out {
        match key(&p).filter(|k| sizes.contains_key(k)) {
            Some(k) => {
                let slot = *slots.entry(k.clone()).or_insert_with(|| {
                    folds.push((k, G::default()));
                    folds.len() - 1
                });
                folds[slot].1.add(p);
            }
            None => kept.push(p),
        }
    }
    kept.extend(folds.into_iter().map(|(k, g)| fold(k, g)));
    kept
}

/// What a fold of overdue jobs says of its members: their ids, how late the least and the most
/// late are, how many were starved, the first one's root.
struct Overdue {
    ids: Vec<i32>,
    least: f64,
    most: f64,
    starved: usize,
    root: Option<super::Root>,
}

impl Default for Overdue {
    fn default() -> Overdue {
        Overdue {
            ids: Vec::new(),
            least: f64::INFINITY,
            most: 0.0,
            starved: 0,
            root: None,
        }
    }
}

impl Gather for Overdue {
    fn add(&mut self, p: Problem) {
        if let Subject::Job(id) = p.subject {
            self.ids.push(id);
        }
        self.least = self.least.min(p.magnitude);
        self.most = self.most.max(p.magnitude);
        self.starved += usize::from(p.message.contains("(starved)"));
        if self.root.is_none() {
            self.root = p.root;
        }
    }
}

/// What a fold of relations says of its members: their names, the sum of their sizes, and the
/// one that ranks first (the largest), whole.
#[derive(Default)]
struct Relations {
    names: Vec<Name>,
    total: f64,
    first: Option<Problem>,
}

impl Gather for Relations {
    fn add(&mut self, p: Problem) {
        if let Subject::Relation { schema, name } = &p.subject {
            self.names
                .push(Name::from(crate::format::qualified(schema, name)));
        }
        self.total += p.magnitude;
        let ahead = |first: &Problem| super::rank_order(&p, first) == std::cmp::Ordering::Less;
        if self.first.as_ref().is_none_or(ahead) {
            self.first = Some(p);
        }
    }
}

/// One problem for `members`, jobs failing with `error`.
pub(super) fn folded(severity: Severity, error: Option<Name>, members: &[&Job]) -> Problem {
    // how many of each kind, most first
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for j in members {
        *kinds.entry(j.kind).or_default() += 1;
    }
    let mut kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let said: Vec<String> = kinds
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let failures = members.iter().map(|j| j.consecutive_failures);
    let (least, most) = (
        failures.clone().min().unwrap_or(0),
        failures.max().unwrap_or(0),
    );
    let times = if least == most {
        crate::format::times(most.into())
    } else {
        format!("{least}–{most} times")
    };
    let because = error
        .as_deref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let mut ids: Vec<i32> = members.iter().map(|j| j.job_id).collect();
    ids.sort_unstable();
    Problem {
        severity,
        kind: ProblemKind::JobFailing,
        object: format!("{} jobs", members.len()),
        message: format!("{} jobs failed {times} in a row{because}", and_list(&said)),
        chain: Vec::new(),
        root: None,
        subject: Subject::Jobs {
            ids: ids.into(),
            error,
        },
        magnitude: most.into(),
        action: None,
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&s(&["a"])), "a");
        assert_eq!(and_list(&s(&["a", "b"])), "a and b");
        assert_eq!(and_list(&s(&["a", "b", "c"])), "a, b and c");
    }
}
