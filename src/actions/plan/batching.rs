//! A continuous aggregate refresh's batching — buckets a batch, batches a run, the newest first —
//! as typed on the palette (`set-refresh-policy`'s, `refresh`'s options) or written in a policy
//! file, read as TimescaleDB takes it; what of it the server takes; and the step adding a refresh
//! policy with it.

use super::{text, PlanError, RefreshBatchingArgs, Step};
use crate::actions::Template;

/// Each None where not given (the server's default, or left as it is).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Batching {
    pub buckets_per_batch: Option<i64>,
    pub max_batches_per_execution: Option<i64>,
    pub refresh_newest_first: Option<bool>,
}

/// `value` as a whole number from `least` that fits an int4 (what TimescaleDB's arguments are),
/// or why not (`expected`, in words).
pub(super) fn whole_number(
    key: &'static str,
    value: &str,
    least: i64,
    expected: &'static str,
) -> Result<i64, PlanError> {
    match value.trim().parse::<i64>() {
        Ok(n) if n >= least && n <= i64::from(i32::MAX) => Ok(n),
        _ => Err(PlanError::BadSetting {
            key,
            value: value.to_string(),
            expected,
        }),
    }
}

impl Batching {
    /// The values read as TimescaleDB takes them: buckets a batch from 0 (0: the window in one
    /// pass), batches a run from 0 (0: every batch), newest first true or false.
    pub fn read(
        buckets: &Option<String>,
        batches: &Option<String>,
        newest: &Option<String>,
    ) -> Result<Batching, PlanError> {
        let number = |key, v: &Option<String>, expected| {
            (v.as_ref())
                .map(|v| whole_number(key, v, 0, expected))
                .transpose()
        };
        Ok(Batching {
            buckets_per_batch: number(
                "buckets_per_batch",
                buckets,
                "a whole number of buckets, 0 (the window in one pass) or more",
            )?,
            max_batches_per_execution: number(
                "max_batches_per_execution",
                batches,
                "a whole number of batches, 0 (every batch) or more",
            )?,
            refresh_newest_first: newest
                .as_ref()
                .map(|v| match v.trim().to_lowercase().as_str() {
                    "true" | "on" | "yes" => Ok(true),
                    "false" | "off" | "no" => Ok(false),
                    _ => Err(PlanError::BadSetting {
                        key: "refresh_newest_first",
                        value: v.clone(),
                        expected: "true or false",
                    }),
                })
                .transpose()?,
        })
    }

    /// A policy file's refresh policy's.
    pub fn of(p: &crate::policy::RefreshPolicy) -> Batching {
        Batching {
            buckets_per_batch: p.buckets_per_batch,
            max_batches_per_execution: p.max_batches_per_execution,
            refresh_newest_first: p.refresh_newest_first,
        }
    }

    /// Whether any is given.
    pub fn any(&self) -> bool {
        *self != Batching::default()
    }

    /// Why a policy on this server cannot be given this (None: it can).
    pub fn refused(&self, takes: RefreshBatchingArgs) -> Option<&'static str> {
        if (self.buckets_per_batch.is_some() || self.max_batches_per_execution.is_some())
            && !takes.batches
        {
            return Some("a refresh policy's buckets_per_batch and max_batches_per_execution need TimescaleDB 2.19 or later");
        }
        if self.refresh_newest_first.is_some() && !takes.newest_first {
            return Some("a refresh policy's refresh_newest_first needs TimescaleDB 2.20 or later");
        }
        None
    }

    /// The config keys given, with their values.
    pub fn given(&self) -> Vec<(&'static str, serde_json::Value)> {
        [
            (
                "buckets_per_batch",
                self.buckets_per_batch.map(|n| serde_json::json!(n)),
            ),
            (
                "max_batches_per_execution",
                self.max_batches_per_execution.map(|n| serde_json::json!(n)),
            ),
            (
                "refresh_newest_first",
                self.refresh_newest_first.map(|b| serde_json::json!(b)),
            ),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// The given ones as a JSON object (`refresh_continuous_aggregate`'s options).
    pub fn options(&self) -> serde_json::Value {
        serde_json::Value::Object(
            (self.given().into_iter())
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// `, buckets_per_batch 5, refresh_newest_first false` (nothing where none is given).
    pub fn said(&self) -> String {
        (self.given().into_iter())
            .map(|(k, v)| format!(", {k} {v}"))
            .collect()
    }
}

/// The step adding a refresh policy — `[its cagg's oid, start offset, end offset, schedule,
/// scheduled]` as the add templates take them — with `batching`: the plain add where none is
/// given (every release takes it), else the form that names only what is given and the server
/// takes; or why the server cannot take it.
pub(super) fn add_refresh_policy(
    label: String,
    vars: &[(&str, &str)],
    policy: [Option<String>; 5],
    batching: &Batching,
    takes: RefreshBatchingArgs,
) -> Result<Step, &'static str> {
    if let Some(why) = batching.refused(takes) {
        return Err(why);
    }
    let numbers = [
        batching.buckets_per_batch.map(|n| n.to_string()),
        batching.max_batches_per_execution.map(|n| n.to_string()),
    ];
    Ok(match batching.refresh_newest_first {
        Some(first) => Step::new(
            label,
            Template::ApplyAddRefreshPolicyOrdered,
            vars,
            policy
                .into_iter()
                .chain(numbers)
                .chain([text(first.to_string())])
                .collect(),
        ),
        None if batching.any() => Step::new(
            label,
            Template::ApplyAddRefreshPolicyBatched,
            vars,
            policy.into_iter().chain(numbers).collect(),
        ),
        None => Step::new(label, Template::ApplyAddRefreshPolicy, vars, policy.into()),
    })
}
