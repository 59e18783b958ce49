//! Drawing the pictures of `crate::pictures` with ratatui's own widgets: sparklines with their
//! names and values, bars with their marks and legend, histograms.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline, SparklineBar};
use ratatui::Frame;

use super::block;
use crate::pictures::{fit, Bars, Histogram, Picture, Spark};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, picture: &Picture, theme: &Theme) {
    match picture {
        Picture::Sparks(sparks) => {
            let widths = widths(sparks.iter());
            for (spark, line) in sparks.iter().zip(lines(area)) {
                draw_spark(frame, line, spark, widths, theme);
            }
        }
        Picture::Bars(bars) => draw_bars(frame, area, bars, theme),
        Picture::Histogram(h) => draw_histogram(frame, area, h, theme),
        Picture::Beside(all) => {
            // the first takes what the others leave; a histogram needs its buckets' width
            let widths = all.iter().enumerate().map(|(i, p)| match (i, p) {
                (0, _) => Constraint::Min(10),
                (_, Picture::Histogram(h)) => Constraint::Length(h.buckets.len() as u16 * 5 + 1),
                _ => Constraint::Min(10),
            });
            let areas = Layout::horizontal(widths.collect::<Vec<_>>()).split(area);
            for (p, a) in all.iter().zip(areas.iter()) {
                draw(frame, *a, p, theme);
            }
        }
    }
}

/// `area`'s lines, top down.
fn lines(area: Rect) -> impl Iterator<Item = Rect> {
    (0..area.height).map(move |y| Rect::new(area.x, area.y + y, area.width, 1))
}

/// Sparks side by side on one line, `per_line` to a line (the overview's pulse).
pub fn draw_spark_rows(
    frame: &mut Frame,
    area: Rect,
    sparks: &[&Spark],
    per_line: usize,
    theme: &Theme,
) {
    let per_line = per_line.max(1);
    // Aligned in columns: each column's names and values as wide as its widest.
    let columns: Vec<(u16, u16)> = (0..per_line)
        .map(|c| widths(sparks.iter().skip(c).step_by(per_line).copied()))
        .collect();
    for (row, line) in sparks.chunks(per_line).zip(lines(area)) {
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, per_line as u32); per_line])
            .spacing(1)
            .split(line);
        for ((spark, cell), &w) in row.iter().zip(cells.iter()).zip(&columns) {
            draw_spark(frame, *cell, spark, w, theme);
        }
    }
}

/// The widest name and value, each with a space: the sparklines of one picture start and end
/// in the same columns.
fn widths<'a>(sparks: impl Iterator<Item = &'a Spark>) -> (u16, u16) {
    let (name, value) = sparks.fold((0, 0), |(n, v), s| {
        (
            n.max(s.name.chars().count()),
            v.max(s.current.chars().count()),
        )
    });
    (name as u16 + 1, value as u16 + 1)
}

/// `name ▁▂▅▇ value` on one line.
fn draw_spark(
    frame: &mut Frame,
    area: Rect,
    spark: &Spark,
    (name, value): (u16, u16),
    theme: &Theme,
) {
    let [n, s, v] = Layout::horizontal([
        Constraint::Length(name),
        Constraint::Min(1),
        Constraint::Length(value),
    ])
    .areas(area);
    let value_style = if spark.alarm {
        theme.critical
    } else {
        theme.value
    };
    frame.render_widget(Span::styled(spark.name, theme.label), n);
    let values = fit(&spark.values, s.width as usize);
    frame.render_widget(
        Sparkline::default()
            .data(values.into_iter().map(SparklineBar::from))
            .absent_value_symbol(" ")
            .style(theme.value),
        s,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}", spark.current), value_style)),
        v,
    );
}

/// Bars in a frame (compact: without one): the newest that fit, a line of marks under them,
/// the legend.
fn draw_bars(frame: &mut Frame, area: Rect, bars: &Bars, theme: &Theme) {
    let inner = if bars.compact {
        area
    } else {
        let outer = block(bars.title.clone(), theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        inner
    };
    if inner.height < 3 || inner.width == 0 {
        return;
    }
    let [chart, marks, legend] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let shown = bars.values.len().min(chart.width as usize);
    let from = bars.values.len() - shown;
    let data = bars.values[from..]
        .iter()
        .zip(&bars.marks[from..])
        .map(|(&v, &m)| {
            let bar = SparklineBar::from(v);
            match m {
                'x' => bar.style(Some(theme.critical)),
                _ => bar,
            }
        });
    frame.render_widget(Sparkline::default().data(data).style(theme.value), chart);
    // a failure in the critical tone; other marks (compressed, unknown) muted
    let marks_line: Vec<Span> = bars.marks[from..]
        .iter()
        .map(|&m| {
            let style = if m == 'x' {
                theme.critical
            } else {
                theme.muted
            };
            Span::styled(m.to_string(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(marks_line)), marks);
    let mut legend_text = bars.legend.clone();
    if from > 0 {
        legend_text.push_str(&format!(" · newest {shown} shown"));
    }
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(legend_text, theme.muted))),
        legend,
    );
}

fn draw_histogram(frame: &mut Frame, area: Rect, h: &Histogram, theme: &Theme) {
    let bars: Vec<Bar> = h
        .buckets
        .iter()
        .map(|&(label, n)| {
            Bar::new(n)
                .label(Line::from(label))
                .text_value(n.to_string())
        })
        .collect();
    let chart = BarChart::default()
        .block(block(h.title.clone(), theme))
        .data(BarGroup::new(bars))
        .bar_width(4)
        .bar_gap(1)
        .bar_style(theme.value)
        .value_style(theme.selection)
        .label_style(theme.label);
    frame.render_widget(chart, area);
}
