//! A policy by threshold (compression, retention) added as the file says: by age, or by
//! creation time where the server has it.

use super::*;
use crate::actions::Template;

pub(super) const NO_CREATED_BEFORE: &str =
    "this server's TimescaleDB has no policies by creation time (created_before)";

/// Why a threshold policy cannot be added as the file has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoThreshold {
    /// By creation time, on a server without it.
    NoCreatedBefore,
    /// The file gives no threshold at all.
    Neither,
}

impl std::fmt::Display for NoThreshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoThreshold::NoCreatedBefore => NO_CREATED_BEFORE,
            NoThreshold::Neither => "the file gives neither after nor created_before",
        })
    }
}

impl std::error::Error for NoThreshold {}

/// A compression or retention policy's names: its threshold keys and its SQL.
#[derive(Clone, Copy)]
pub(super) struct ThresholdKind {
    /// Its config's threshold keys.
    pub(super) after: &'static str,
    pub(super) created: &'static str,
    pub(super) keys: &'static [&'static str],
    /// The names the add statement gives them, TimescaleDB's function that adds it (the old
    /// statements' `{policy}`) and its SQL, by threshold and by creation time.
    pub(super) arg_after: &'static str,
    pub(super) arg_created: &'static str,
    pub(super) function: &'static str,
    pub(super) add: Template,
    pub(super) add_created: Template,
    /// The columnstore's add is a procedure: it returns no job to pause in the same statement,
    /// so a second one does.
    pub(super) pause: Option<Template>,
    pub(super) remove: Template,
    pub(super) what: &'static str,
}

impl ThresholdKind {
    pub(super) fn of(part: Part, cs: super::Columnstore) -> ThresholdKind {
        match (part == Part::CompressionPolicy, cs.0) {
            (true, true) => ThresholdKind {
                after: "compress_after",
                created: "compress_created_before",
                keys: &["compress_after", "compress_created_before"],
                arg_after: "after",
                arg_created: "created_before",
                function: "add_columnstore_policy",
                add: Template::ApplyAddColumnstorePolicy,
                add_created: Template::ApplyAddColumnstorePolicyCreated,
                pause: Some(Template::ApplyPauseColumnstorePolicy),
                remove: cs.remove_policy(),
                what: "columnstore",
            },
            (true, false) => ThresholdKind {
                after: "compress_after",
                created: "compress_created_before",
                keys: &["compress_after", "compress_created_before"],
                arg_after: "compress_after",
                arg_created: "compress_created_before",
                function: "add_compression_policy",
                add: Template::ApplyAddCompressionPolicy,
                add_created: Template::ApplyAddPolicyCreated,
                pause: None,
                remove: cs.remove_policy(),
                what: "compression",
            },
            (false, _) => ThresholdKind {
                after: "drop_after",
                created: "drop_created_before",
                keys: &["drop_after", "drop_created_before"],
                arg_after: "drop_after",
                arg_created: "drop_created_before",
                function: "add_retention_policy",
                add: Template::ApplyAddRetentionPolicy,
                add_created: Template::ApplyAddPolicyCreated,
                pause: None,
                remove: Template::RemoveRetentionPolicy,
                what: "retention",
            },
        }
    }
}

/// Adding a compression or retention policy with its threshold — an interval, an integer
/// (integer time) or an interval by creation time — its schedule and its state: one statement,
/// or (the columnstore's procedure) two in the plan's one transaction.
pub(super) fn add_threshold_policy(
    ts: &str,
    kind: ThresholdKind,
    r: &Relation,
    p: &crate::policy::ThresholdPolicy,
    created_supported: bool,
) -> Result<Vec<Step>, NoThreshold> {
    use crate::policy::Threshold;
    let (sql, threshold, ty, value) = match (&p.after, &p.created_before) {
        (Some(Threshold::Interval(i)), _) => (kind.add, kind.arg_after, "interval", i.clone()),
        (Some(Threshold::Integer(n)), _) => (kind.add, kind.arg_after, "bigint", n.to_string()),
        (None, Some(c)) if created_supported => {
            (kind.add_created, kind.arg_created, "interval", c.clone())
        }
        (None, Some(_)) => return Err(NoThreshold::NoCreatedBefore),
        (None, None) => return Err(NoThreshold::Neither),
    };
    let mut steps = vec![Step::new(
        format!("add the {} policy on {}", kind.what, r.shown()),
        sql,
        &[
            ("ts", ts),
            ("policy", kind.function),
            ("threshold", threshold),
            ("threshold_type", ty),
        ],
        // the columnstore's add takes no state: the step after it pauses
        std::iter::once(text(r.regclass()))
            .chain([text(value), text(&p.schedule)])
            .chain(kind.pause.is_none().then(|| text(p.scheduled.to_string())))
            .collect(),
    )];
    if let Some(pause) = kind.pause {
        steps.push(Step::new(
            format!(
                "the {} policy on {} as the file has it",
                kind.what,
                r.shown()
            ),
            pause,
            &[("ts", ts)],
            vec![text(r.regclass()), text(p.scheduled.to_string())],
        ));
    }
    Ok(steps)
}
