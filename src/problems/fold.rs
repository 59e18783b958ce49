//! Job failures alike folded into one problem: thousands of policies failing with the same error (a
//! server-wide cause: a bug, a full disk, a missing grant) are one thing to fix, and as one line
//! each they buried every other problem and were most of the console's memory for problems. Folded
//! as they are found, so a failure alike is never a problem of its own, not even for a moment; what
//! it explains (a cagg's lag) has the fold as its root. The jobs overdue for one cause said alike
//! fold the same way, under that cause.

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

/// What problems folded alike share beside their kind and severity: their root, and their
/// cause chain said alike (its numbers left out). With the kind and severity it names their
/// fold from one read to the next, as members join and leave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Alike {
    pub root: Option<super::RootKey>,
    pub cause: Name,
}

/// What `p` shares with the problems it folds with, for a problem that folds alike: one about
/// a relation, or a job overdue for a cause of its own (failures fold by their error as they are
/// found, see [`alike`]).
pub(super) fn alike_of(p: &Problem) -> Option<Alike> {
    let folds = match (&p.subject, p.kind) {
        (Subject::Relation { .. }, _) => true,
        (Subject::Job(_), ProblemKind::JobOverdue) => p.root.is_some(),
        _ => false,
    };
    folds.then(|| {
        // written in one string: a string per line, one for the plural and their join, for
        // each of thousands of problems on every read, put this function high among a large
        // console's CPU samples
        let mut cause = String::with_capacity(p.chain.iter().map(|l| l.len() + 1).sum());
        for (i, line) in p.chain.iter().enumerate() {
            if i > 0 {
                cause.push('\n');
            }
            say_alike(&mut cause, line);
        }
        Alike {
            root: p.root.as_ref().map(super::Root::key),
            cause: Name::from(cause),
        }
    })
}

/// What problems fold alike by: severity, kind, and what [`alike_of`] says they share.
type FoldKey = (Severity, ProblemKind, Alike);

fn key(p: &Problem) -> Option<FoldKey> {
    Some((p.severity, p.kind, alike_of(p)?))
}

/// Problems alike ([`alike_of`]) from [`FOLD_FROM`] on, each group folded into one that opens
/// onto them (pure): jobs overdue for one cause under that cause (a stopped scheduler left
/// thousands of lines under it, one per job), relations with one kind of problem for one cause
/// (thousands of backlogs and overdue retentions under it, and an advisor's thousands of lines
/// of segment-size advice: one line each buried the rest, and the list and the overview's rows
/// made from it were a large share of the console's memory). Folded as they are added, so a
/// rule's thousands of problems alike are never all held at once (an advisor's findings, held
/// until its last was found, added to the console's peak).
#[derive(Default)]
pub(super) struct Folding {
    slots: HashMap<FoldKey, usize>,
    /// Each key's problems in the order first seen: kept whole while fewer than [`FOLD_FROM`].
    groups: Vec<(FoldKey, Group)>,
    /// Those that fold with none.
    single: Vec<Problem>,
}

enum Group {
    Few(Vec<Problem>),
    Folding(Box<Members>),
}

impl Folding {
    pub(super) fn add(&mut self, p: Problem) {
        let Some(k) = key(&p) else {
            return self.single.push(p);
        };
        let slot = match self.slots.get(&k) {
            Some(&slot) => slot,
            None => {
                self.slots.insert(k.clone(), self.groups.len());
                self.groups.push((k, Group::Few(Vec::new())));
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[slot].1;
        match group {
            Group::Folding(members) => members.add(p),
            Group::Few(few) => {
                few.push(p);
                if few.len() >= FOLD_FROM {
                    let mut few = std::mem::take(few).into_iter();
                    if let Some(first) = few.next() {
                        let mut members = Members::first(first);
                        few.for_each(|p| members.add(p));
                        *group = Group::Folding(Box::new(members));
                    }
                }
            }
        }
    }

    /// Those that fold with none, then each group: its problems, or their fold.
    pub(super) fn finish(self) -> Vec<Problem> {
        let mut out = self.single;
        drop(self.slots);
        for ((severity, kind, alike), group) in self.groups {
            match group {
                Group::Few(few) => out.extend(few),
                Group::Folding(members) => out.push(match *members {
                    Members::Jobs(jobs) => overdue(severity, alike, jobs),
                    Members::Relations(relations) => {
                        relations_fold(severity, kind, alike, relations)
                    }
                }),
            }
        }
        out
    }
}

/// `out`'s problems alike folded ([`Folding`]).
pub(super) fn fold_alike(out: Vec<Problem>) -> Vec<Problem> {
    let mut folding = Folding::default();
    out.into_iter().for_each(|p| folding.add(p));
    folding.finish()
}

/// One problem for jobs overdue alike.
fn overdue(severity: Severity, alike: Alike, mut members: Overdue) -> Problem {
    members.ids.sort_unstable();
    let n = members.ids.len();
    // what was said of one job, said of the first (it reads for any cause: `is overdue`,
    // `cannot run`, `is a compression job`)
    let mut chain = members.chain;
    if let Some(first) = chain.first_mut() {
        *first = Name::from(format!("{n} jobs alike: {first}"));
    }
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
            alike: Some(alike.cause),
        },
        magnitude: most,
        action: None,
        starved: false,
    }
}

/// One problem for relations alike: how many, their sum (of bytes) and the first of them.
fn relations_fold(
    severity: Severity,
    kind: ProblemKind,
    alike: Alike,
    members: RelationFold,
) -> Problem {
    let RelationFold {
        mut names,
        problems,
        total,
        first,
    } = members;
    names.sort_unstable();
    // a relation with two findings of one kind (two lint rules) is one of the fold's relations
    names.dedup();
    let (n, noun) = (names.len(), noun(kind));
    // the kind first: at 80 columns the list shows no kind column, and the count alone says
    // nothing
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
        subject: Subject::Relations {
            names: names.into(),
            problems,
            alike: alike.cause,
        },
        // a fold of byte sizes ranks by what they add up to; else by its first
        magnitude: if counts_bytes(kind) {
            total
        } else {
            first.magnitude
        },
        action: None,
        starved: false,
    }
}

/// A line of a cause chain as [`say_alike`] says it.
#[cfg(test)]
pub(super) fn said_alike(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    say_alike(&mut out, line);
    out
}

/// Adds to `out` a line of a cause chain with its numbers left out, and the plural that follows
/// them (`job 1017 failed 3 times` → `job # failed # time`): each relation's policy is its own
/// job, and each job's count of failures its own.
pub(super) fn say_alike(out: &mut String, line: &str) {
    let from = out.len();
    let mut digits = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            out.push(c);
            digits = false;
        }
    }
    if out[from..].contains("# times") {
        let said = out[from..].replace("# times", "# time");
        out.truncate(from);
        out.push_str(&said);
    }
}

/// What the relations of a fold of `kind` are called.
pub(super) fn noun(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::JobFailing | ProblemKind::JobOverdue => "jobs",
        ProblemKind::CaggLag | ProblemKind::CaggHole | ProblemKind::RefreshWindow => {
            "continuous aggregates"
        }
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
/// moved whole into their folds, they added to the console's peak).
trait Gather {
    /// From its first member.
    fn first(p: Problem) -> Self;
    fn add(&mut self, p: Problem);
}

/// A fold's members as gathered: jobs or relations (a key holds one kind of problem, so one
/// kind of subject).
enum Members {
    Jobs(Overdue),
    Relations(RelationFold),
}

impl Gather for Members {
    fn first(p: Problem) -> Members {
        match p.subject {
            Subject::Job(_) => Members::Jobs(Overdue::first(p)),
            _ => Members::Relations(RelationFold::first(p)),
        }
    }

    fn add(&mut self, p: Problem) {
        match self {
            Members::Jobs(jobs) => jobs.add(p),
            Members::Relations(relations) => relations.add(p),
        }
    }
}

/// What a fold of overdue jobs says of its members: their ids, how late the least and the most
/// late are, how many were starved, the first one's chain and root.
struct Overdue {
    ids: Vec<i32>,
    least: f64,
    most: f64,
    starved: usize,
    chain: Vec<Name>,
    root: Option<super::Root>,
}

impl Gather for Overdue {
    fn first(p: Problem) -> Overdue {
        let mut gathered = Overdue {
            ids: Vec::new(),
            least: f64::INFINITY,
            most: 0.0,
            starved: 0,
            chain: Vec::new(),
            root: None,
        };
        gathered.add(p);
        gathered
    }

    fn add(&mut self, p: Problem) {
        if let Subject::Job(id) = p.subject {
            self.ids.push(id);
        }
        self.least = self.least.min(p.magnitude);
        self.most = self.most.max(p.magnitude);
        self.starved += usize::from(p.starved);
        if self.ids.len() == 1 {
            (self.chain, self.root) = (p.chain, p.root);
        }
    }
}

/// What a fold of relations says of its members: their names, how many problems they are, the
/// sum of their sizes, and the one that ranks first (the largest), whole.
struct RelationFold {
    names: Vec<Name>,
    problems: usize,
    total: f64,
    first: Problem,
}

impl RelationFold {
    fn name(p: &Problem) -> Option<Name> {
        match &p.subject {
            Subject::Relation { schema, name } => {
                Some(Name::from(crate::format::qualified(schema, name)))
            }
            _ => None,
        }
    }
}

impl Gather for RelationFold {
    fn first(p: Problem) -> RelationFold {
        RelationFold {
            names: RelationFold::name(&p).into_iter().collect(),
            problems: 1,
            total: p.magnitude,
            first: p,
        }
    }

    fn add(&mut self, p: Problem) {
        self.names.extend(RelationFold::name(&p));
        self.problems += 1;
        self.total += p.magnitude;
        if super::rank_order(&p, &self.first) == std::cmp::Ordering::Less {
            self.first = p;
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
            alike: None,
        },
        magnitude: most.into(),
        action: None,
        starved: false,
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
