//! A continuous aggregate refresh's batching as typed on the palette (`set-refresh-policy`'s,
//! TimescaleDB 2.19+; `refresh`'s options, 2.28+): read as TimescaleDB takes it.

use super::PlanError;

/// Each None where not given (the server's default, or left as it is).
#[derive(Debug, Default)]
pub(super) struct Batching {
    pub buckets_per_batch: Option<i64>,
    pub max_batches_per_execution: Option<i64>,
    pub refresh_newest_first: Option<bool>,
}

impl Batching {
    /// The values read as TimescaleDB takes them: buckets a batch from 1, batches a run from 0
    /// (all), newest first true or false.
    pub fn read(
        buckets: &Option<String>,
        batches: &Option<String>,
        newest: &Option<String>,
    ) -> Result<Batching, PlanError> {
        let number = |key: &'static str, v: &Option<String>, least: i64, expected| {
            v.as_ref()
                .map(|v| match v.trim().parse::<i64>() {
                    Ok(n) if n >= least && n <= i64::from(i32::MAX) => Ok(n),
                    _ => Err(PlanError::BadSetting {
                        key,
                        value: v.clone(),
                        expected,
                    }),
                })
                .transpose()
        };
        Ok(Batching {
            buckets_per_batch: number(
                "buckets_per_batch",
                buckets,
                1,
                "a whole number of buckets, 1 or more",
            )?,
            max_batches_per_execution: number(
                "max_batches_per_execution",
                batches,
                0,
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

    /// `, 5 buckets a batch, newest first` (nothing where none is given).
    pub fn said(&self) -> String {
        (self.given().into_iter())
            .map(|(k, v)| format!(", {k} {v}"))
            .collect()
    }
}
