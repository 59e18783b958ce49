//! An update's findings said: text for a terminal or a ticket, JSON for scripts (the same
//! fields as `Report`).

use super::{Report, Severity};
use crate::format::printable;

/// The report as text: a heading line, then each finding (the worst first) with its evidence,
/// its fix and where TimescaleDB says so. Names from the database are escaped for a terminal.
pub fn text(r: &Report) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let (blockers, warnings, notes) = (
        count(Severity::Blocker),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if !r.update {
        return format!(
            "TimescaleDB {} on PostgreSQL {}: no newer release is installed here or known to \
             hypertop ({}): nothing to check (name one with --to)\n",
            printable(&r.installed),
            r.postgres,
            r.target
        );
    }
    let mut out = format!(
        "TimescaleDB {} → {} on PostgreSQL {}: {}\n",
        printable(&r.installed),
        r.target,
        r.postgres,
        if r.findings.is_empty() {
            "nothing in the way".to_string()
        } else {
            format!(
                "{blockers} blocker{}, {warnings} warning{}, {notes} note{}",
                plural(blockers),
                plural(warnings),
                plural(notes)
            )
        }
    );
    if let Some(c) = &r.caveat {
        out.push_str(&format!("({})\n", printable(c)));
    }
    for f in &r.findings {
        let label = match f.severity {
            Severity::Blocker => "BLOCKER",
            Severity::Warning => "WARNING",
            Severity::Note => "NOTE",
        };
        out.push_str(&format!("\n{label:<8} {}\n", printable(&f.what)));
        for e in &f.evidence {
            out.push_str(&format!("         · {}\n", printable(e)));
        }
        if !f.fix.is_empty() {
            out.push_str(&format!("         fix: {}\n", printable(&f.fix)));
        }
        out.push_str(&format!("         see: {}\n", f.reference));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
