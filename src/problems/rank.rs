//! The problem list's order: severity, kind, size, each consequence under its root.

use super::{Problem, ProblemKind, Severity, Subject};

/// The order before consequences are put under their roots: severity, kind, size, object.
pub(super) fn rank_order(a: &Problem, b: &Problem) -> std::cmp::Ordering {
    a.severity
        .cmp(&b.severity)
        .then(a.kind.cmp(&b.kind))
        .then(b.magnitude.total_cmp(&a.magnitude))
        .then(a.object.cmp(&b.object))
}

/// Ranks problems: severity, kind, size; then each consequence right under its root, so one
/// stopped scheduler is one problem with its consequences under it. In one pass over roots found
/// by key (a partition of the rest per root was quadratic, in time and in memory).
pub(super) fn rank(mut out: Vec<Problem>) -> Vec<Problem> {
    out.sort_by(rank_order);
    let mut roots: std::collections::HashMap<(ProblemKind, &Subject), usize> = Default::default();
    for (i, p) in out.iter().enumerate().filter(|(_, p)| p.root.is_none()) {
        roots.entry((p.kind, &p.subject)).or_insert(i);
    }
    // each root's consequences, in rank order; those whose root is not in the list go last
    let mut under: Vec<Vec<usize>> = vec![Vec::new(); out.len()];
    let mut orphans = Vec::new();
    for (i, p) in out.iter().enumerate() {
        if let Some(r) = &p.root {
            match roots.get(&(r.kind, &r.subject)) {
                Some(&root) => under[root].push(i),
                None => orphans.push(i),
            }
        }
    }
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].root.is_none())
        .flat_map(|i| std::iter::once(i).chain(under[i].iter().copied()))
        .chain(orphans)
        .collect();
    // every critical problem before anything else (a critical root's lesser consequences come
    // after them): at 80x24 a second critical sat below four warnings, off the screen
    let critical = |i: &usize| out[*i].severity == Severity::Critical;
    order.sort_by_key(|i| !critical(i));
    drop(roots);
    // put in that order in place, each cycle of the permutation swapped round (collected into a
    // second list, the problems were held twice)
    debug_assert!(
        order.len() == out.len() && {
            let mut seen = order.clone();
            seen.sort_unstable();
            seen.iter().copied().eq(0..out.len())
        },
        "each problem once"
    );
    let mut to = vec![0; out.len()];
    for (k, &i) in order.iter().enumerate() {
        to[i] = k;
    }
    for i in 0..out.len() {
        while to[i] != i {
            let j = to[i];
            out.swap(i, j);
            to.swap(i, j);
        }
    }
    out
}
