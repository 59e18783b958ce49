//! A copy of the data to derive from away from the screen, and what it found.

use super::*;

/// The problems a copy of the data was found to have, and what it kept for the next time.
#[derive(Debug)]
pub struct Findings {
    problems: Vec<Problem>,
    lint: Option<(u64, Option<Vec<policy::Finding>>)>,
    kept: problems::KeptFindings,
}

impl Dataset {
    /// A copy to derive from away from the screen: every dataset (its values shared, see
    /// [`DataState`]) and the derivations kept so far, which travel with it and come back in
    /// its [`Findings`]; not the history, which nothing derived reads, nor the problems when
    /// they are to be derived again (`fresh_problems`).
    pub fn derivation(&mut self, fresh_problems: bool) -> Dataset {
        Dataset {
            caps: self.caps.clone(),
            latest: self.latest.clone(),
            refreshed: self.refreshed.clone(),
            last_error: self.last_error.clone(),
            problems: if fresh_problems {
                Vec::new()
            } else {
                self.problems.clone()
            },
            history: History::default(),
            derived: KeptDerivations {
                version: self.derived.version,
                lint: self.derived.lint.take(),
                findings: std::mem::take(&mut self.derived.findings),
            },
        }
    }

    /// What a copy from [`derivation`](Self::derivation) found: its problems and the
    /// derivations it kept.
    pub fn findings(self) -> Findings {
        Findings {
            problems: self.problems,
            lint: self.derived.lint,
            kept: self.derived.findings,
        }
    }

    /// Takes in what a derivation found; true when the problem list changed. Its kept
    /// derivations name the version they came from, so answers taken in meanwhile are not
    /// mistaken for derived.
    pub fn take_findings(&mut self, found: Findings) -> bool {
        self.derived.lint = found.lint;
        self.derived.findings = found.kept;
        let changed = found.problems != self.problems;
        self.problems = found.problems;
        changed
    }
}
