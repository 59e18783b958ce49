//! Numbers and times formatted for people.

use chrono::{DateTime, Local, Utc};

/// `1.5 GiB`, `812 KiB`, `0 B`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n.max(0) as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} B", n.max(0))
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// The two most significant units: `3d 4h`, `5m 10s`, `42s`, `0s`.
pub fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let parts = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut out = Vec::new();
    let mut rest = secs;
    for (size, unit) in parts {
        if rest >= size || (unit == "s" && out.is_empty()) {
            out.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
        if out.len() == 2 {
            break;
        }
    }
    out.join(" ")
}

/// A signed chrono duration (negative clamps to zero).
pub fn chrono_duration(d: chrono::Duration) -> String {
    duration(d.to_std().unwrap_or_default())
}

/// A wall-clock time, local unless `utc`.
pub fn clock(t: DateTime<Utc>, utc: bool) -> String {
    if utc {
        t.format("%H:%M:%S UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%H:%M:%S").to_string()
    }
}

/// Milliseconds for query timings: `12 ms`, `1.2 s`.
pub fn elapsed(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bytes_are_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(8_880_655), "8.5 MiB");
        assert_eq!(bytes(50 * 1024 * 1024 * 1024), "50 GiB");
        assert_eq!(bytes(-5), "0 B");
    }

    #[test]
    fn durations_keep_two_units() {
        assert_eq!(duration(Duration::from_secs(0)), "0s");
        assert_eq!(duration(Duration::from_secs(42)), "42s");
        assert_eq!(duration(Duration::from_secs(310)), "5m 10s");
        assert_eq!(
            duration(Duration::from_secs(3 * 86_400 + 4 * 3600 + 59)),
            "3d 4h"
        );
        assert_eq!(duration(Duration::from_secs(3600)), "1h");
        assert_eq!(chrono_duration(chrono::Duration::seconds(-3)), "0s");
    }

    #[test]
    fn elapsed_switches_to_seconds() {
        assert_eq!(elapsed(Duration::from_millis(12)), "12 ms");
        assert_eq!(elapsed(Duration::from_millis(1234)), "1.2 s");
    }
}
