//! A policy file checked: its intervals as the server reads them, its relations against the
//! database, and its drift described.

use super::*;

/// What an interval of a file is for: thresholds and schedules must be positive, a refresh
/// window's offsets may be zero — the palette's rules for the same settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUse {
    Threshold,
    Schedule,
    Offset,
}

/// One interval a file writes: where (`pol.raw retention_policy.after`), what for, its text.
pub struct IntervalSlot<'a> {
    pub place: String,
    pub used_as: IntervalUse,
    pub value: &'a mut String,
}

/// Every interval the file writes (thresholds, offsets, schedules), for the server to check
/// and read them the way it stores them (`7days` → `7 days`, `'36 hours'` → `36:00:00`).
pub fn intervals_mut(file: &mut PolicyFile) -> Vec<IntervalSlot<'_>> {
    let mut out = Vec::new();
    let mut slot = |place: String, used_as, value| {
        out.push(IntervalSlot {
            place,
            used_as,
            value,
        })
    };
    for (name, rel) in file.hypertables.iter_mut().chain(file.caggs.iter_mut()) {
        for (part, p) in [
            ("compression_policy", &mut rel.compression_policy),
            ("retention_policy", &mut rel.retention_policy),
        ] {
            let Some(p) = p else { continue };
            if let Some(Threshold::Interval(s)) = &mut p.after {
                slot(format!("{name} {part}.after"), IntervalUse::Threshold, s);
            }
            if let Some(s) = &mut p.created_before {
                slot(
                    format!("{name} {part}.created_before"),
                    IntervalUse::Threshold,
                    s,
                );
            }
            slot(
                format!("{name} {part}.schedule"),
                IntervalUse::Schedule,
                &mut p.schedule,
            );
        }
        for p in rel
            .refresh_policy
            .iter_mut()
            .chain(&mut rel.refresh_policies)
        {
            for (key, t) in [
                ("start_offset", &mut p.start_offset),
                ("end_offset", &mut p.end_offset),
            ] {
                if let Some(Threshold::Interval(s)) = t {
                    slot(
                        format!("{name} refresh_policy.{key}"),
                        IntervalUse::Offset,
                        s,
                    );
                }
            }
            slot(
                format!("{name} refresh_policy.schedule"),
                IntervalUse::Schedule,
                &mut p.schedule,
            );
        }
        if let Some(p) = &mut rel.reorder_policy {
            slot(
                format!("{name} reorder_policy.schedule"),
                IntervalUse::Schedule,
                &mut p.schedule,
            );
        }
        if let Some(p) = &mut rel.compaction_policy {
            slot(
                format!("{name} compaction_policy.schedule"),
                IntervalUse::Schedule,
                &mut p.schedule,
            );
            // zero allowed, negative refused, read as the server stores it
            if let Some(s) = &mut p.inactive_for {
                slot(
                    format!("{name} compaction_policy.inactive_for"),
                    IntervalUse::Offset,
                    s,
                );
            }
        }
    }
    out
}

/// What a file asks that the palette would refuse for the same relation, whatever the server
/// says of its intervals (see [`intervals_mut`]): a threshold by range and by creation time at
/// once, or none; a number where the relation's time is a timestamp, an interval where it is
/// an integer; a number threshold that is not positive, an offset that is negative.
pub fn check(file: &PolicyFile, have: &[RelationPolicies]) -> Result<(), super::PolicyError> {
    let mut wrong = Vec::new();
    for (name, rel, is_cagg) in file
        .hypertables
        .iter()
        .map(|(n, r)| (n, r, false))
        .chain(file.caggs.iter().map(|(n, r)| (n, r, true)))
    {
        // A relation the database does not have is the drift's to report.
        let integer_time = have
            .iter()
            .find(|h| {
                h.is_cagg == is_cagg
                    && crate::format::qualified_escaped(&h.schema, &h.name) == *name
            })
            .map(|h| h.integer_time);
        let time = |place: String, t: &Threshold, zero_ok: bool| match (t, integer_time) {
            (Threshold::Integer(_), Some(false)) => Some(Refusal::NumberOnTimestamp {
                place,
                value: t.to_string(),
                relation: name.clone(),
            }),
            (Threshold::Interval(_), Some(true)) => Some(Refusal::IntervalOnInteger {
                place,
                value: t.to_string(),
                relation: name.clone(),
            }),
            (Threshold::Integer(n), _) if *n < 0 || (*n == 0 && !zero_ok) => {
                Some(Refusal::NotPositive {
                    place,
                    number: *n,
                    zero_ok,
                })
            }
            _ => None,
        };
        for (part, p) in [
            ("compression_policy", &rel.compression_policy),
            ("retention_policy", &rel.retention_policy),
        ] {
            let Some(p) = p else { continue };
            match (&p.after, &p.created_before) {
                (Some(_), Some(_)) => wrong.push(Refusal::BothThresholds {
                    relation: name.clone(),
                    part,
                }),
                (None, None) => wrong.push(Refusal::NoThreshold {
                    relation: name.clone(),
                    part,
                }),
                (Some(t), None) => wrong.extend(time(format!("{name} {part}.after"), t, false)),
                (None, Some(_)) => {}
            }
        }
        for p in rel.refresh_policy.iter().chain(&rel.refresh_policies) {
            for (key, t) in [
                ("start_offset", &p.start_offset),
                ("end_offset", &p.end_offset),
            ] {
                if let Some(t) = t {
                    wrong.extend(time(format!("{name} refresh_policy.{key}"), t, true));
                }
            }
        }
        // the compaction limits are integers the server takes (0: none)
        for (key, n) in (rel.compaction_policy.iter())
            .flat_map(|p| [("max_chunks", p.max_chunks), ("max_batches", p.max_batches)])
        {
            if let Some(n) = n.filter(|n| !(0..=i64::from(i32::MAX)).contains(n)) {
                wrong.push(Refusal::OutOfRange {
                    place: format!("{name} compaction_policy.{key}"),
                    number: n,
                });
            }
        }
    }
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(super::PolicyError::Refused(wrong)),
    }
}

/// A setting of a policy file the palette would refuse (`place`: the relation and key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A number where the relation's time is a timestamp.
    NumberOnTimestamp {
        place: String,
        value: String,
        relation: String,
    },
    /// An interval where the relation's time is an integer.
    IntervalOnInteger {
        place: String,
        value: String,
        relation: String,
    },
    /// A number threshold that is not positive (an offset that is negative: `zero_ok`).
    NotPositive {
        place: String,
        number: i64,
        zero_ok: bool,
    },
    /// A limit outside what the server takes (an integer from 0).
    OutOfRange { place: String, number: i64 },
    /// A threshold by range and by creation time at once.
    BothThresholds {
        relation: String,
        part: &'static str,
    },
    /// No threshold.
    NoThreshold {
        relation: String,
        part: &'static str,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NumberOnTimestamp {
                place,
                value,
                relation,
            } => write!(
                f,
                "{place} = {value}: {relation} has a timestamp time column, give an interval (e.g. \"7 days\")"
            ),
            Refusal::IntervalOnInteger {
                place,
                value,
                relation,
            } => write!(
                f,
                "{place} = \"{value}\": {relation} has an integer time column, give a number in its units"
            ),
            Refusal::NotPositive {
                place,
                number,
                zero_ok,
            } => write!(
                f,
                "{place} = {number}: give a {} number",
                if *zero_ok { "non-negative" } else { "positive" }
            ),
            Refusal::OutOfRange { place, number } => write!(
                f,
                "{place} = {number}: give a number from 0 (no limit) to {}",
                i32::MAX
            ),
            Refusal::BothThresholds { relation, part } => write!(
                f,
                "{relation} {part}: give either after or created_before, not both"
            ),
            Refusal::NoThreshold { relation, part } => write!(
                f,
                "{relation} {part}: give after (by chunk range) or created_before (by creation time)"
            ),
        }
    }
}

pub fn describe(drift: &[Drift]) -> Vec<String> {
    if drift.is_empty() {
        return vec!["no drift: the database has the file's policies".into()];
    }
    drift
        .iter()
        .map(|d| {
            let what = if d.is_cagg { "cagg" } else { "hypertable" };
            match d.kind {
                DriftKind::NoRelation => format!(
                    "no relation  {what} {}: not in the database (apply cannot create it)",
                    d.relation
                ),
                kind => format!(
                    "{:<11}  {what} {} {}: want {} · have {}",
                    kind.as_str(),
                    d.relation,
                    d.part.as_str(),
                    show(&d.want),
                    show(&d.have)
                ),
            }
        })
        .collect()
}
