//! What is known of TimescaleDB releases beyond their catalogs: limits one release has and a
//! later one lifts, each with TimescaleDB's CHANGELOG reference. Consulted only for behaviour
//! no catalog shows (what a function refuses); features are detected from the catalog.
//! A pre-release (`2.23.0-dev`) is no release: nothing is assumed of it.

/// A release, `major.minor.patch`.
pub type Release = (u32, u32, u32);

/// The release `version` names; None for a pre-release or what does not read as one.
pub fn release(version: &str) -> Option<Release> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let r = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(r)
}

/// `2.23.1`.
pub fn shown(r: Release) -> String {
    format!("{}.{}.{}", r.0, r.1, r.2)
}

/// A limit of some releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A continuous aggregate on another one: `alter_job` of its refresh policy is refused
    /// ("multiple refresh policies are not supported for hierarchical continuous
    /// aggregates", counting the policy itself), so it cannot be paused or rescheduled.
    HierarchicalRefreshFrozen,
}

/// A limit, the releases that have it (`from` up to, not including, `fixed`) and where
/// TimescaleDB says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub limit: Limit,
    pub from: Release,
    pub fixed: Release,
    pub reference: &'static str,
}

const LIMITS: &[Known] = &[Known {
    limit: Limit::HierarchicalRefreshFrozen,
    // 2.22.1 blocked concurrent refresh policies on hierarchical caggs (#8707) and with them
    // every alter_job of their policy; 2.23.1 fixed the blocker (#8879).
    from: (2, 22, 1),
    fixed: (2, 23, 1),
    reference: "TimescaleDB #8707, fixed by #8879",
}];

/// Whether `version` (as `pg_extension` says it) has `limit`.
pub fn has(version: &str, limit: Limit) -> Option<&'static Known> {
    let r = release(version)?;
    LIMITS
        .iter()
        .find(|k| k.limit == limit && k.from <= r && r < k.fixed)
}

impl Known {
    /// What the server refuses, in words, with the release that lifts it.
    pub fn refusal(&self, version: &str, what: &str) -> String {
        format!(
            "TimescaleDB {version} refuses to {what} ({}; {} lifts it)",
            self.reference,
            shown(self.fixed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_read_and_pre_releases_assume_nothing() {
        assert_eq!(release("2.22.1"), Some((2, 22, 1)));
        assert_eq!(release("2.23.0-dev"), None);
        assert_eq!(release("2.23"), None);
        assert!(has("2.22.1", Limit::HierarchicalRefreshFrozen).is_some());
        assert!(has("2.23.0", Limit::HierarchicalRefreshFrozen).is_some());
        for free in ["2.22.0", "2.23.1", "2.29.2", "2.9.3", "2.23.0-dev"] {
            assert!(
                has(free, Limit::HierarchicalRefreshFrozen).is_none(),
                "{free}"
            );
        }
        let k = has("2.22.1", Limit::HierarchicalRefreshFrozen).unwrap();
        assert_eq!(
            k.refusal("2.22.1", "pause it"),
            "TimescaleDB 2.22.1 refuses to pause it (TimescaleDB #8707, fixed by #8879; 2.23.1 lifts it)"
        );
    }
}
