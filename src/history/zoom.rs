//! The pictures' longer past (`[` and `]`): the recording's samples of the last 6 hours, a day
//! or a week, grouped into as many columns as a picture may have. Pure: the recording's thread
//! reads the samples and groups them; the pictures draw what it made.

use rustc_hash::FxHashMap;

use super::recording::{Sample, Series};

/// How far back the pictures reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Span {
    /// What the console keeps itself (and starts from the recording).
    #[default]
    Hour,
    SixHours,
    Day,
    Week,
}

/// Columns a zoomed series has (a picture narrower groups them further, keeping spikes).
pub const COLUMNS: usize = 120;

impl Span {
    pub fn seconds(self) -> u32 {
        match self {
            Span::Hour => 3600,
            Span::SixHours => 6 * 3600,
            Span::Day => 24 * 3600,
            Span::Week => 7 * 24 * 3600,
        }
    }

    /// How the pictures name it: `1h`, `6h`, `24h`, `7d`.
    pub fn label(self) -> &'static str {
        match self {
            Span::Hour => "1h",
            Span::SixHours => "6h",
            Span::Day => "24h",
            Span::Week => "7d",
        }
    }

    /// A lag sparkline's name over the span.
    pub fn lag_name(self) -> &'static str {
        match self {
            Span::Hour => "lag 1h",
            Span::SixHours => "lag 6h",
            Span::Day => "lag 24h",
            Span::Week => "lag 7d",
        }
    }

    /// A size sparkline's name over the span.
    pub fn size_name(self) -> &'static str {
        match self {
            Span::Hour => "size 1h",
            Span::SixHours => "size 6h",
            Span::Day => "size 24h",
            Span::Week => "size 7d",
        }
    }

    /// `[`: further back (the week is the longest).
    pub fn longer(self) -> Span {
        match self {
            Span::Hour => Span::SixHours,
            Span::SixHours => Span::Day,
            Span::Day | Span::Week => Span::Week,
        }
    }

    /// `]`: nearer (the hour is the shortest).
    pub fn shorter(self) -> Span {
        match self {
            Span::Week => Span::Day,
            Span::Day => Span::SixHours,
            Span::SixHours | Span::Hour => Span::Hour,
        }
    }
}

/// The recording's samples over a span, each series in [`COLUMNS`] columns ending at `end`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Zoomed {
    pub span: Span,
    /// The last second covered (seconds since 1970).
    pub end: u32,
    pub series: FxHashMap<Series, Vec<Option<f64>>>,
}

impl Zoomed {
    /// Groups `samples` (oldest first) into columns over `span` ending at `end`: events add
    /// up, sizes are carried forward from their last change (they are recorded when they
    /// change), the ingest rate is averaged and anything else (a lag, a count of failing jobs)
    /// is the worst of its column, so that a spike stays visible.
    pub fn from_samples(span: Span, end: u32, samples: &[Sample]) -> Zoomed {
        let width = span.seconds();
        let start = end.saturating_sub(width);
        let column =
            |at: u32| ((at.saturating_sub(start)) as u64 * COLUMNS as u64 / width as u64) as usize;
        let mut sums: FxHashMap<Series, Vec<Option<(f64, u32)>>> = FxHashMap::default();
        // the last column the hypertables' reads, and the pulse's, reached: sizes are not
        // carried past them
        let (mut tables_reached, mut pulse_reached) = (None, None);
        for s in samples.iter().filter(|s| s.at <= end) {
            let col = if s.at < start {
                None
            } else {
                Some(column(s.at).min(COLUMNS - 1))
            };
            let cols = sums
                .entry(s.series.clone())
                .or_insert_with(|| vec![None; COLUMNS]);
            match (col, &s.series) {
                // a size changed before the span: where the span starts
                (None, Series::HypertableBytes(_) | Series::DatabaseBytes) => {
                    cols[0] = Some((s.value, 1))
                }
                (None, _) => {}
                (Some(c), series) => {
                    match series {
                        Series::HypertablesRead => tables_reached = tables_reached.max(Some(c)),
                        Series::Ingest
                        | Series::WorstLag
                        | Series::FailingJobs
                        | Series::Blocked
                        | Series::DatabaseBytes => pulse_reached = pulse_reached.max(Some(c)),
                        _ => {}
                    }
                    let cell = &mut cols[c];
                    *cell = Some(match (*cell, series) {
                        (None, _) => (s.value, 1),
                        (Some((v, n)), Series::Ingest) => (v + s.value, n + 1),
                        (Some((v, n)), s2) if s2.adds() => (v + s.value, n),
                        (Some(_), Series::HypertableBytes(_) | Series::DatabaseBytes) => {
                            (s.value, 1)
                        }
                        (Some((v, n)), _) => (v.max(s.value), n),
                    });
                }
            }
        }
        let series = sums
            .into_iter()
            .map(|(series, cols)| {
                let mut values: Vec<Option<f64>> = cols
                    .iter()
                    .map(|c| {
                        c.map(|(v, n)| {
                            if series == Series::Ingest {
                                v / n as f64
                            } else {
                                v
                            }
                        })
                    })
                    .collect();
                match series {
                    Series::HypertableBytes(_) => carry_forward(&mut values, tables_reached),
                    Series::DatabaseBytes => carry_forward(&mut values, pulse_reached),
                    _ => {}
                }
                (series, values)
            })
            .collect();
        Zoomed { span, end, series }
    }

    pub fn get(&self, series: &Series) -> Option<&[Option<f64>]> {
        self.series.get(series).map(Vec::as_slice)
    }
}

impl super::History {
    /// `[` (`longer`) or `]`: the span the pictures reach back; Some when the recording is to
    /// be read for it (a span beyond the hour). None without a recording: the hour is all.
    pub fn zoom(&mut self, longer: bool, now: u32) -> Option<Span> {
        if !self.recording {
            return None;
        }
        self.span = if longer {
            self.span.longer()
        } else {
            self.span.shorter()
        };
        if self.span == Span::Hour {
            self.zoomed = None;
            return None;
        }
        self.zoom_asked = Some(now);
        Some(self.span)
    }

    /// Whether the pictures can reach back beyond the hour (the console records).
    pub fn can_zoom(&self) -> bool {
        self.recording
    }

    /// The recording's columns came (kept only if still the span asked for).
    pub fn take_zoomed(&mut self, zoomed: Zoomed) {
        if zoomed.span == self.span && self.span != Span::Hour {
            self.zoomed = Some(Box::new(zoomed));
        }
    }

    /// The columns beyond the hour, when the span asks for them and they came.
    pub fn beyond_hour(&self) -> Option<&Zoomed> {
        self.zoomed.as_deref().filter(|z| z.span == self.span)
    }

    /// The span beyond the hour, when it was last asked for `secs` or more before `now` (to
    /// be read again; noted as asked).
    pub fn zoom_due(&mut self, now: u32, secs: u32) -> Option<Span> {
        let due = self.span != Span::Hour
            && self
                .zoom_asked
                .is_none_or(|at| now.saturating_sub(at) >= secs);
        if due {
            self.zoom_asked = Some(now);
        }
        due.then_some(self.span)
    }
}

/// Each empty column after a value takes it, up to column `until`.
fn carry_forward(values: &mut [Option<f64>], until: Option<usize>) {
    let Some(until) = until else { return };
    let mut last = None;
    for v in values.iter_mut().take(until + 1) {
        match v {
            Some(x) => last = Some(*x),
            None => *v = last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(series: Series, at: u32, value: f64) -> Sample {
        Sample { series, at, value }
    }

    #[test]
    fn spans_go_further_back_and_nearer_and_stop_at_the_ends() {
        assert_eq!(Span::Hour.longer().longer().longer().longer(), Span::Week);
        assert_eq!(
            Span::Week.shorter().shorter().shorter().shorter(),
            Span::Hour
        );
        assert_eq!(Span::Day.label(), "24h");
    }

    #[test]
    fn a_day_of_samples_keeps_spikes_adds_events_and_carries_sizes() {
        let end = 1_000_000;
        let day = Span::Day.seconds();
        let start = end - day;
        let per_col = day / COLUMNS as u32;
        let lag = Series::CaggLag("m.h".into());
        let refreshes = Series::CaggRefreshes("m.h".into());
        let size = Series::HypertableBytes("m.t".into());
        let mut samples = vec![
            // a size before the day: where the day starts
            s(size.clone(), start - 50, 100.0),
            s(Series::HypertablesRead, start + 10, 1.0),
        ];
        // a lag each minute, a spike of 21 h in column 5
        for m in 0..(day / 60) {
            let at = start + m * 60 + 1;
            let v = if at / per_col == (start + 5 * per_col + 30) / per_col {
                75_600.0
            } else {
                60.0
            };
            samples.push(s(lag.clone(), at, v));
        }
        samples.push(s(refreshes.clone(), start + 7 * per_col + 1, 1.0));
        samples.push(s(refreshes.clone(), start + 7 * per_col + 2, 1.0));
        samples.push(s(size.clone(), start + 60 * per_col + 5, 300.0));
        samples.push(s(Series::HypertablesRead, start + 100 * per_col, 1.0));
        // after the end: left out
        samples.push(s(lag.clone(), end + 5, 9e9));
        samples.sort_by_key(|s| s.at);
        let z = Zoomed::from_samples(Span::Day, end, &samples);
        let lags = z.get(&lag).unwrap();
        assert_eq!(lags.len(), COLUMNS);
        assert_eq!(lags[5], Some(75_600.0), "the spike stays");
        assert_eq!(lags[6], Some(60.0));
        assert!(lags.iter().all(|v| v.is_some_and(|v| v < 1e9)));
        assert_eq!(z.get(&refreshes).unwrap()[7], Some(2.0), "events add up");
        let sizes = z.get(&size).unwrap();
        assert_eq!(
            (sizes[0], sizes[59], sizes[60], sizes[100]),
            (Some(100.0), Some(100.0), Some(300.0), Some(300.0))
        );
        assert_eq!(sizes[101], None, "not carried past the last read");
    }
}
