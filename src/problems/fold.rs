//! Job failures alike folded into one problem: thousands of policies failing with the same error
//! (a server-wide cause: a bug, a full disk, a missing grant) are one thing to fix, and as one
//! line each they buried every other problem (6,487 of 6,988 at 50,000 chunks) and were most of
//! the console's memory for problems.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Problem, ProblemKind, Severity, Subject};
use crate::model::jobs::Job;
use crate::model::names::Name;

/// From this many failures alike on, they are one problem; fewer are listed one by one (they
/// fit on a screen beside the rest).
pub const FOLD_FROM: usize = 10;

/// Folds the job failures that share a severity and an error, from [`FOLD_FROM`] on, into one
/// problem each (pure). A failure that explains another problem (the root of a cagg's lag), or
/// that has a cause or an action of its own, stays as it is.
pub(super) fn fold_alike_failures(out: Vec<Problem>, jobs: &[Job]) -> Vec<Problem> {
    let roots: HashSet<i32> = out
        .iter()
        .filter_map(|p| p.root.as_ref())
        .filter_map(|r| match (r.kind, &r.subject) {
            (ProblemKind::JobFailing, Subject::Job(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let jobs: HashMap<i32, &Job> = jobs.iter().map(|j| (j.job_id, j)).collect();
    let key = |p: &Problem| -> Option<(Severity, Option<Name>)> {
        match (p.kind, &p.subject) {
            (ProblemKind::JobFailing, Subject::Job(id))
                if p.root.is_none()
                    && p.chain.is_empty()
                    && p.action.is_none()
                    && !roots.contains(id) =>
            {
                let job = jobs.get(id)?;
                Some((p.severity, job.last_error.clone()))
            }
            _ => None,
        }
    };
    let mut sizes: HashMap<(Severity, Option<Name>), usize> = HashMap::new();
    for k in out.iter().filter_map(key) {
        *sizes.entry(k).or_default() += 1;
    }
    sizes.retain(|_, n| *n >= FOLD_FROM);
    if sizes.is_empty() {
        return out;
    }
    let mut folds: BTreeMap<(Severity, Option<Name>), Vec<&Job>> = BTreeMap::new();
    let mut kept = Vec::with_capacity(out.len());
    for p in out {
        match key(&p).filter(|k| sizes.contains_key(k)) {
            Some(k) => {
                if let Subject::Job(id) = p.subject {
                    folds.entry(k).or_default().extend(jobs.get(&id));
                }
            }
            None => kept.push(p),
        }
    }
    kept.extend(
        folds
            .into_iter()
            .map(|((severity, error), members)| folded(severity, error, &members)),
    );
    kept
}

/// One problem for `members`, jobs failing with `error`.
fn folded(severity: Severity, error: Option<Name>, members: &[&Job]) -> Problem {
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
