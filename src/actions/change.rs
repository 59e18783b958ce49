//! What a plan changes, named so that entries of the journal (and the server's state now) can be
//! compared: a rollback warns when a later action changed the same thing. Journaled as the text
//! it has always been (`job 7 schedule_interval`, `job 7 *`, `policy_retention of 16384`, …).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Change {
    /// One setting of a job: `schedule_interval`, `scheduled` or `config.<key>`.
    JobSetting { job: i32, setting: String },
    /// Every setting of a job (a policy removed, or re-added).
    Job(i32),
    /// The policies run by `proc_name` (`policy_retention`, …) on a relation.
    Policies { proc_name: String, relation: u32 },
    /// A hypertable's compression settings.
    CompressionSettings(u32),
    /// A hypertable's chunk interval.
    ChunkInterval(u32),
    /// Whether a chunk is compressed.
    ChunkCompression(u32),
}

impl Change {
    /// Both name the same setting, a whole job standing for each of its settings.
    pub fn overlaps(&self, other: &Change) -> bool {
        match (self, other) {
            (Change::Job(a), Change::JobSetting { job: b, .. })
            | (Change::JobSetting { job: b, .. }, Change::Job(a)) => a == b,
            _ => self == other,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::JobSetting { job, setting } => write!(f, "job {job} {setting}"),
            Change::Job(job) => write!(f, "job {job} *"),
            Change::Policies {
                proc_name,
                relation,
            } => write!(f, "{proc_name} of {relation}"),
            Change::CompressionSettings(r) => write!(f, "compression settings of {r}"),
            Change::ChunkInterval(r) => write!(f, "chunk interval of {r}"),
            Change::ChunkCompression(c) => write!(f, "compression of chunk {c}"),
        }
    }
}

impl From<Change> for String {
    fn from(c: Change) -> String {
        c.to_string()
    }
}

/// Why a journaled change is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeError {
    /// Not a change this version writes (a later version's, or edited).
    Unknown { text: String },
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeError::Unknown { text } => {
                write!(f, "not a change this version knows: {text:?}")
            }
        }
    }
}

impl std::error::Error for ChangeError {}

impl TryFrom<String> for Change {
    type Error = ChangeError;

    fn try_from(text: String) -> Result<Self, ChangeError> {
        let bad = || ChangeError::Unknown { text: text.clone() };
        let oid = |s: &str| s.parse::<u32>().map_err(|_| bad());
        if let Some(rest) = text.strip_prefix("job ") {
            let (id, setting) = rest.split_once(' ').ok_or_else(bad)?;
            let job = id.parse().map_err(|_| bad())?;
            return Ok(match setting {
                "*" => Change::Job(job),
                s => Change::JobSetting {
                    job,
                    setting: s.to_string(),
                },
            });
        }
        if let Some(r) = text.strip_prefix("compression settings of ") {
            return Ok(Change::CompressionSettings(oid(r)?));
        }
        if let Some(r) = text.strip_prefix("chunk interval of ") {
            return Ok(Change::ChunkInterval(oid(r)?));
        }
        if let Some(c) = text.strip_prefix("compression of chunk ") {
            return Ok(Change::ChunkCompression(oid(c)?));
        }
        let (proc_name, relation) = text.split_once(" of ").ok_or_else(bad)?;
        Ok(Change::Policies {
            proc_name: proc_name.to_string(),
            relation: oid(relation)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journaled_as_text_and_read_back() {
        let all = [
            Change::JobSetting {
                job: 7,
                setting: "config.drop_after".into(),
            },
            Change::Job(7),
            Change::Policies {
                proc_name: "policy_retention".into(),
                relation: 16384,
            },
            Change::CompressionSettings(16384),
            Change::ChunkCompression(4_000_000_000),
        ];
        let text = serde_json::to_string(&all).unwrap();
        assert_eq!(
            text,
            r#"["job 7 config.drop_after","job 7 *","policy_retention of 16384","compression settings of 16384","compression of chunk 4000000000"]"#
        );
        assert_eq!(serde_json::from_str::<Vec<Change>>(&text).unwrap(), all);
        for bad in ["job x *", "job 7", "policy_retention of -1", "anything"] {
            assert!(Change::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_whole_job_overlaps_each_of_its_settings_only() {
        let whole = Change::Job(7);
        let schedule = |job| Change::JobSetting {
            job,
            setting: "schedule_interval".into(),
        };
        assert!(whole.overlaps(&schedule(7)) && schedule(7).overlaps(&whole));
        assert!(!whole.overlaps(&schedule(70)) && !whole.overlaps(&Change::Job(70)));
        assert!(schedule(7).overlaps(&schedule(7)));
        assert!(!schedule(7).overlaps(&Change::JobSetting {
            job: 7,
            setting: "scheduled".into()
        }));
    }
}
