//! Child processes whose failure fails the test (shared with the benchmark).

use std::process::Output;

/// `out`, after asserting that its process succeeded; else the test fails with what it printed.
pub fn must(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
