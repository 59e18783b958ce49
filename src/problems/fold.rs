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
    let mut sizes: HashMap<Key, usize> = HashMap::new();
    for k in out.iter().filter_map(key) {
        *sizes.entry(k).or_default() += 1;
    }
    sizes.retain(|_, n| *n >= FOLD_FROM);
    if sizes.is_empty() {
        return out;
    }
    // each fold in the order its first member came; of a member only what the fold says is
    // kept (moved whole into their folds, 6,500 overdue jobs held 2 MB more at the console's
    // peak)
    let mut slots: HashMap<Key, usize> = HashMap::new();
    let mut folds: Vec<(Key, Members)> = Vec::new();
    let mut kept = Vec::new();
    for p in out {
        match key(&p).filter(|k| sizes.contains_key(k)) {
            Some(k) => {
                let slot = *slots.entry(k.clone()).or_insert_with(|| {
                    folds.push((k, Members::default()));
                    folds.len() - 1
                });
                folds[slot].1.add(p);
            }
            None => kept.push(p),
        }
    }
    for ((severity, _, said, rest), mut members) in folds {
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
        kept.push(Problem {
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
        });
    }
    kept
}

/// What a fold of overdue jobs says of its members: their ids, how late the least and the most
/// late are, how many were starved, the first one's root.
struct Members {
    ids: Vec<i32>,
    least: f64,
    most: f64,
    starved: usize,
    root: Option<super::Root>,
}

impl Default for Members {
    fn default() -> Members {
        Members {
            ids: Vec::new(),
            least: f64::INFINITY,
            most: 0.0,
            starved: 0,
            root: None,
        }
    }
}

impl Members {
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
