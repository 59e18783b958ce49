//! The time `snapshot --at` asks for (pure, given now and the local offset): RFC 3339
//! (`2026-11-27T03:12:00Z`), a time of day in local time (`03:12`, `03:12:30`; yesterday's when
//! today's is still to come), or how long ago (`10m`, `2h 30m`, `10m ago`).

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone, Utc};

pub use super::error::TimeError;

/// The moment `s` names, as of `now` in the zone `local`.
pub fn parse(
    s: &str,
    now: DateTime<Utc>,
    local: &impl TimeZone,
) -> Result<DateTime<Utc>, TimeError> {
    let t = s.trim();
    if let Ok(at) = DateTime::<FixedOffset>::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    let time =
        NaiveTime::parse_from_str(t, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"));
    if let Ok(time) = time {
        let today = now.with_timezone(local).date_naive();
        for day in [today, today.pred_opt().unwrap_or(today)] {
            // a time skipped by a change to summer time has no moment: the next day back
            if let Some(at) = local.from_local_datetime(&day.and_time(time)).earliest() {
                let at = at.with_timezone(&Utc);
                if at <= now {
                    return Ok(at);
                }
            }
        }
    }
    let ago = t.strip_suffix("ago").unwrap_or(t).trim();
    if let Ok(d) = humantime::parse_duration(ago) {
        let too_long = || TimeError::TooLongAgo {
            text: s.to_string(),
        };
        let d = chrono::Duration::from_std(d).map_err(|_| too_long())?;
        return now.checked_sub_signed(d).ok_or_else(too_long);
    }
    Err(TimeError::NotATime {
        text: s.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_three_ways_to_say_when() {
        let now = t("2026-11-27T10:00:00Z");
        let cet = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            parse("2026-11-27T03:12:00+01:00", now, &cet),
            Ok(t("2026-11-27T02:12:00Z"))
        );
        // 03:12 local (UTC+1) today
        assert_eq!(parse("03:12", now, &cet), Ok(t("2026-11-27T02:12:00Z")));
        assert_eq!(parse("03:12:30", now, &cet), Ok(t("2026-11-27T02:12:30Z")));
        // still to come today (11:30 local is 10:30 UTC): yesterday's
        assert_eq!(parse("11:30", now, &cet), Ok(t("2026-11-26T10:30:00Z")));
        assert_eq!(parse("10m", now, &cet), Ok(t("2026-11-27T09:50:00Z")));
        assert_eq!(
            parse("1h 30m ago", now, &cet),
            Ok(t("2026-11-27T08:30:00Z"))
        );
        for bad in ["yesterday", "25:00", "", "10 parsecs"] {
            let e = parse(bad, now, &cet).unwrap_err();
            assert!(matches!(e, TimeError::NotATime { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("not a time"), "{bad}: {e}");
        }
        assert!(matches!(
            parse("100000000000years", now, &cet),
            Err(TimeError::TooLongAgo { .. })
        ));
    }
}
