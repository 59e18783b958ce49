//! A sortable, filterable table of formatted rows with a selection. Pure: no drawing, no I/O.
//! The visible order is computed when rows, sort or filter change, never per frame, so a
//! 10,000-row table scrolls without re-sorting.

use std::cell::Cell as Interior;

mod cells;
mod fit;
mod store;

pub use cells::*;
pub use fit::*;
pub use store::{CellRef, RowRef};
use store::{CellStore, PINNED};

#[derive(Debug, Clone)]
pub struct Grid<D> {
    pub columns: Vec<Column>,
    rows: CellStore<D>,
    /// Visible rows (indices into `rows`), filtered and sorted.
    order: Vec<usize>,
    /// Natural width of each column (title and widest cell, capped by `max`).
    widths: Vec<u16>,
    /// The widest cell (or title) of each column, uncapped: free width grows a column to it.
    full: Vec<u16>,
    sort: Option<(usize, bool)>,
    filter: String,
    selected: usize,
    /// The user moved the selection: refreshes follow that row by id; until then it stays on
    /// the first row.
    moved: bool,
    /// The selected row's id while the rows are let go ([`park`](Self::park)).
    parked: Option<String>,
    /// First visible row; adjusted while drawing to keep the selection in view.
    offset: Interior<usize>,
    /// The columns scrolled past (←/→): how many of the columns that may be hidden are left of
    /// the window; 0 shows the columns by priority. Bounded while drawing, as `offset` is, to
    /// where the last column shows.
    shift: Interior<usize>,
}

impl<D: Clone> Grid<D> {
    /// `sort`: the initial sort column and whether descending (None: the order rows came in).
    pub fn new(columns: Vec<Column>, sort: Option<(usize, bool)>) -> Grid<D> {
        let widths = columns
            .iter()
            .map(|c| c.title.chars().count() as u16)
            .collect();
        Grid {
            full: Vec::new(),
            columns,
            rows: CellStore::default(),
            order: Vec::new(),
            widths,
            sort,
            filter: String::new(),
            selected: 0,
            moved: false,
            parked: None,
            offset: Interior::new(0),
            shift: Interior::new(0),
        }
    }

    /// Lets the rows go while the table is not shown; the columns, sort, filter and selected
    /// row stay for the next [`set_rows`](Self::set_rows).
    pub fn park(&mut self) {
        if let Some(id) = self.selected_row().filter(|_| self.moved) {
            self.parked = Some(id.id().to_string());
        }
        self.rows = CellStore::default();
        self.order = Vec::new();
    }

    /// Replaces the rows, keeping the selected row (by id) selected when it still exists. Rows
    /// are stored as they come (an iterator need not build them all first) and the old ones
    /// are let go before, so a refresh never holds two copies.
    pub fn set_rows(&mut self, rows: impl IntoIterator<Item = Row<D>>) {
        let keep = self.kept_selection();
        let cols = self.columns.len();
        self.rows = CellStore::default();
        self.order = Vec::new();
        let rows = rows.into_iter();
        self.rows.reserve(rows.size_hint().0, cols);
        let mut widest = vec![0usize; cols];
        for row in rows {
            for (w, cell) in widest.iter_mut().zip(&row.cells) {
                *w = (*w).max(cell.text.chars().count());
            }
            self.rows.push(row, cols);
        }
        self.rows.shrink();
        self.full = self
            .columns
            .iter()
            .zip(&widest)
            .map(|(c, w)| (*w).max(c.title.chars().count() + 1).min(u16::MAX as usize) as u16)
            .collect();
        self.widths = self
            .columns
            .iter()
            .zip(widest)
            .map(|(c, widest)| {
                // +1 for the sort arrow drawn after a title.
                (widest.max(c.title.chars().count() + 1) as u16)
                    .min(c.max.max(c.title.chars().count() as u16 + 1))
            })
            .collect();
        self.reorder();
        self.select_kept(keep);
    }

    /// An empty table like this one (its columns, sort and filter), to be filled elsewhere and
    /// taken in by [`adopt`](Self::adopt).
    pub fn blank(&self) -> Grid<D> {
        let mut blank = Grid::new(self.columns.clone(), self.sort);
        blank.filter = self.filter.clone();
        blank
    }

    /// Takes the rows of `made` (a [`blank`](Self::blank) of this table, filled), keeping the
    /// selected row selected as [`set_rows`](Self::set_rows) does; sorted and filtered again
    /// if this table's sort or filter changed meanwhile.
    pub fn adopt(&mut self, made: Grid<D>) {
        let keep = self.kept_selection();
        let reorder = made.sort != self.sort || made.filter != self.filter;
        self.columns = made.columns;
        self.rows = made.rows;
        self.order = made.order;
        self.widths = made.widths;
        self.full = made.full;
        if reorder {
            self.reorder();
        }
        self.select_kept(keep);
    }

    /// The row to keep selected when the rows are replaced: the one the user moved to.
    fn kept_selection(&mut self) -> Option<String> {
        self.selected_row()
            .filter(|_| self.moved)
            .map(|r| r.id().to_string())
            .or_else(|| self.parked.take())
    }

    fn select_kept(&mut self, keep: Option<String>) {
        match keep {
            Some(id) => {
                self.select_id(&id);
            }
            None => self.selected = 0,
        }
    }

    fn row(&self, index: usize) -> RowRef<'_, D> {
        RowRef {
            store: &self.rows,
            cols: self.columns.len(),
            index,
        }
    }

    fn reorder(&mut self) {
        let needle = self.filter.to_lowercase();
        let mut order: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                needle.is_empty()
                    || self
                        .row(i)
                        .cells()
                        .any(|c| contains_folded(c.text, &needle))
            })
            .collect();
        if let Some((col, desc)) = self.sort {
            order.sort_by(|&a, &b| {
                let (ra, rb) = (self.row(a), self.row(b));
                ra.pinned()
                    .cmp(&rb.pinned())
                    .then_with(|| compare(ra.cell(col), rb.cell(col), desc))
            });
        } else {
            order.sort_by_key(|&i| self.rows.row_flags[i] & PINNED != 0);
        }
        self.order = order;
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// Visible rows in display order.
    pub fn visible(&self) -> impl Iterator<Item = RowRef<'_, D>> {
        self.order.iter().map(|&i| self.row(i))
    }

    pub fn row_at(&self, position: usize) -> Option<RowRef<'_, D>> {
        self.order.get(position).map(|&i| self.row(i))
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_row(&self) -> Option<RowRef<'_, D>> {
        self.row_at(self.selected)
    }

    /// Selects the row with this id; false when it is not visible.
    pub fn select_id(&mut self, id: &str) -> bool {
        match self.order.iter().position(|&i| self.row(i).id() == id) {
            Some(p) => {
                self.selected = p;
                self.moved = true;
                true
            }
            None => false,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.order.is_empty() {
            return;
        }
        let last = self.order.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.moved = true;
    }

    pub fn home(&mut self) {
        self.selected = 0;
        self.moved = true;
    }

    pub fn end(&mut self) {
        self.selected = self.order.len().saturating_sub(1);
        self.moved = true;
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn set_filter(&mut self, filter: &str) {
        if self.filter != filter {
            self.filter = filter.to_string();
            self.reorder();
        }
    }

    pub fn sort(&self) -> Option<(usize, bool)> {
        self.sort
    }

    /// Moves the sort to the next (or previous) column, keeping the direction.
    pub fn sort_step(&mut self, forward: bool) {
        let n = self.columns.len();
        if n == 0 {
            return;
        }
        let (col, desc) = self.sort.unwrap_or((n - 1, false));
        let next = if forward {
            (col + 1) % n
        } else {
            (col + n - 1) % n
        };
        self.sort = Some((next, desc));
        self.reorder();
    }

    pub fn sort_reverse(&mut self) {
        let (col, desc) = self.sort.unwrap_or((0, false));
        self.sort = Some((col, !desc));
        self.reorder();
    }

    /// Columns to show in `width` cells and their widths. Columns are taken by priority (then
    /// position) while they fit, and shown in their own order; priority 0 is always shown (the
    /// widest column is cut when even those do not fit); a last left-aligned column takes the
    /// slack.
    pub fn layout(&self, width: u16) -> Vec<(usize, u16)> {
        // bounded only once scrolled: at 0 (by priority) there is nothing to bound
        let shift = match self.shift.get() {
            0 => 0,
            k => k.min(self.last_shift(width)),
        };
        self.shift.set(shift);
        let (chosen, widths, used) = match shift {
            0 => self.by_priority(width),
            k => {
                let chosen = self.window(width, k - 1);
                let used = (0..self.columns.len())
                    .filter(|&c| chosen[c])
                    .map(|c| u32::from(self.widths[c]) + 1)
                    .sum();
                (chosen, self.widths.clone(), used)
            }
        };
        self.fit_chosen(width, &chosen, widths, used)
    }

    /// The columns that may be hidden (priority above 0), in their order.
    fn hideable(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.columns.len()).filter(|&c| self.columns[c].priority > 0)
    }

    /// The columns shown when `k` of those that may be hidden are scrolled past: the ones
    /// always shown, then the next ones in their order while they fit (a window, as a
    /// spreadsheet's).
    fn window(&self, width: u16, k: usize) -> Vec<bool> {
        let need = |c: usize| u32::from(self.widths[c]) + 1;
        let mut chosen: Vec<bool> = self.columns.iter().map(|c| c.priority == 0).collect();
        // a wide prose column always shown (a query, a note) keeps what reads as its start:
        // the columns scrolled to take the rest (it is cut when drawn)
        let pinned = |c: usize| match self.columns[c].align {
            Align::Left => need(c).min(u32::from(PROSE_KEEPS) + 1),
            Align::Right => need(c),
        };
        let mut used: u32 = (0..self.columns.len())
            .filter(|&c| chosen[c])
            .map(pinned)
            .sum();
        for c in self.hideable().skip(k) {
            if used + need(c) > u32::from(width) {
                break;
            }
            chosen[c] = true;
            used += need(c);
        }
        chosen
    }

    /// The furthest useful scroll at `width`: where the last column that may be hidden shows
    /// (0 when nothing is hidden at all). Scroll k shows the window past k - 1 of them.
    fn last_shift(&self, width: u16) -> usize {
        let (chosen, ..) = self.by_priority(width);
        if chosen.iter().all(|&c| c) {
            return 0;
        }
        let n = self.hideable().count();
        let Some(last) = self.hideable().last() else {
            return 0;
        };
        (1..=n)
            .find(|&k| self.window(width, k - 1)[last])
            .unwrap_or(n)
    }

    /// Scrolls the columns by `delta` (→ 1, ← -1); bounded by the last drawing's width.
    pub fn shift_columns(&mut self, delta: isize) {
        let k = self.shift.get().saturating_add_signed(delta);
        self.shift.set(k.min(self.hideable().count()));
    }

    /// The columns hidden left of the window and right of it, as the last layout drew them
    /// (`shown`): by priority, all are reached with →.
    pub fn hidden_sides(&self, shown: &[(usize, u16)]) -> (usize, usize) {
        let is_shown = |c: usize| shown.iter().any(|&(s, _)| s == c);
        let first = self.hideable().find(|&c| is_shown(c));
        let scrolled = self.shift.get() > 0;
        self.hideable()
            .filter(|&c| !is_shown(c))
            .fold((0, 0), |(left, right), c| match first {
                Some(f) if scrolled && c < f => (left + 1, right),
                _ => (left, right + 1),
            })
    }

    /// The columns chosen by priority (then position) while they fit, with their widths and
    /// the width they use.
    fn by_priority(&self, width: u16) -> (Vec<bool>, Vec<u16>, u32) {
        let width = width as u32;
        let mut by_priority: Vec<usize> = (0..self.columns.len()).collect();
        by_priority.sort_by_key(|&c| (self.columns[c].priority, c));
        let mut chosen = vec![false; self.columns.len()];
        let mut widths = self.widths.clone();
        let mut used = 0u32;
        // a wide prose column (Details) chosen so far, which may give width to a column that
        // would be hidden, down to what still reads as a sentence on a wide terminal
        let mut prose: Option<usize> = None;
        for c in by_priority {
            let need = widths[c] as u32 + 1;
            let short = (used + need).saturating_sub(width) as u16;
            let yields = prose.filter(|&p| widths[p].saturating_sub(short) >= PROSE_YIELDS_TO);
            if self.columns[c].priority == 0 || short == 0 {
                chosen[c] = true;
                used += need;
            } else if let Some(p) = yields {
                widths[p] -= short;
                chosen[c] = true;
                used = used + need - u32::from(short);
            }
            if chosen[c]
                && self.columns[c].align == Align::Left
                && widths[c] > PROSE_YIELDS_TO
                && self.columns[c].priority == 0
            {
                prose = Some(c);
            }
        }
        (chosen, widths, used)
    }

    /// The chosen columns' widths in `width`: the widest cut when even they do not fit, free
    /// width given back to cut names, a last prose column taking the slack.
    fn fit_chosen(
        &self,
        width: u16,
        chosen: &[bool],
        widths: Vec<u16>,
        used: u32,
    ) -> Vec<(usize, u16)> {
        let width = width as u32;
        let mut out: Vec<(usize, u16)> = (0..self.columns.len())
            .filter(|&c| chosen[c])
            .map(|c| (c, widths[c]))
            .collect();
        if used > width {
            let over = (used - width) as u16;
            if let Some(widest) = out.iter_mut().max_by_key(|(_, w)| *w) {
                widest.1 = widest.1.saturating_sub(over);
            }
        }
        // Free width first uncuts columns capped by `max` (long names), in column order; then a
        // name still cut takes width from the prose column (the last left-aligned one, wide),
        // down to what prose keeps readable: a name is never cut where prose has room.
        let total: u32 = out.iter().map(|(_, w)| u32::from(*w) + 1).sum();
        let mut slack = width.saturating_sub(total) as u16;
        let prose = out
            .iter()
            .rposition(|(c, w)| self.columns[*c].align == Align::Left && *w > PROSE_KEEPS);
        for i in 0..out.len() {
            let c = out[i].0;
            let want = self.full.get(c).map_or(0, |f| f.saturating_sub(out[i].1));
            let from_slack = want.min(slack);
            slack -= from_slack;
            out[i].1 += from_slack;
            if let Some(p) = prose.filter(|p| *p != i) {
                let take = (want - from_slack).min(out[p].1.saturating_sub(PROSE_KEEPS));
                out[p].1 -= take;
                out[i].1 += take;
            }
        }
        if let Some(last) = out.last_mut() {
            if self.columns[last.0].align == Align::Left {
                last.1 += slack;
            }
        }
        out
    }

    /// The width that shows every column uncut.
    pub fn natural_width(&self) -> u16 {
        self.full
            .iter()
            .map(|w| w.saturating_add(1))
            .fold(0u16, u16::saturating_add)
    }

    /// The first row to draw so that the selection is visible in `height` rows.
    pub fn scroll_offset(&self, height: usize) -> usize {
        let height = height.max(1);
        let mut off = self.offset.get();
        if self.selected < off {
            off = self.selected;
        } else if self.selected >= off + height {
            off = self.selected + 1 - height;
        }
        off = off.min(self.order.len().saturating_sub(height));
        self.offset.set(off);
        off
    }
}

/// The width a prose column (a problem's details) keeps when names take room from it.
const PROSE_KEEPS: u16 = 24;

/// The width a prose column keeps when a column that would be hidden takes room from it: on a
/// wide terminal a sentence stays readable and nothing is hidden for its tail.
const PROSE_YIELDS_TO: u16 = 80;

/// `hay` contains `needle` (already lower-case), ignoring case, without allocating for ASCII.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

fn compare(a: Option<CellRef>, b: Option<CellRef>, desc: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let null = |c: Option<CellRef>| c.is_none_or(|c| c.key == SortKey::Null);
    // Empty cells go last in both directions.
    match (null(a), null(b)) {
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        (true, true) => return Ordering::Equal,
        _ => {}
    }
    let (a, b) = (a.expect("not null"), b.expect("not null"));
    let ord = match (&a.key, &b.key) {
        (SortKey::Num(x), SortKey::Num(y)) => x.total_cmp(y),
        (SortKey::Num(_), _) => Ordering::Less,
        (_, SortKey::Num(_)) => Ordering::Greater,
        _ => a
            .text
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.text.chars().flat_map(char::to_lowercase)),
    };
    if desc {
        ord.reverse()
    } else {
        ord
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid<()> {
        let mut g = Grid::new(
            vec![
                Column::left("name", 0, 20),
                Column::right("size", 1, 10),
                Column::left("note", 2, 30),
            ],
            Some((0, false)),
        );
        g.set_rows(vec![
            Row::new(
                "b",
                vec![Cell::text("beta"), Cell::num(10.0, "10 B"), Cell::text("x")],
            ),
            Row::new(
                "a",
                vec![
                    Cell::text("Alpha"),
                    Cell::num(300.0, "300 B"),
                    Cell::empty(),
                ],
            ),
            Row::new(
                "c",
                vec![
                    Cell::text("gamma"),
                    Cell::num(2.0, "2 B"),
                    Cell::text("long note here"),
                ],
            ),
        ]);
        g
    }

    fn ids(g: &Grid<()>) -> Vec<String> {
        g.visible().map(|r| r.id().to_string()).collect()
    }

    #[test]
    fn names_alike_are_cut_where_they_are_alike() {
        let names = [
            "factory_telemetry.metrics_hist_1min",
            "factory_telemetry.metrics_hist_1hour",
        ]
        .map(String::from);
        let shared = shared_with_others(&names[0], &names);
        assert_eq!(shared, 32);
        let a = fit_alike(&names[0], 24, Align::Left, shared);
        let b = fit_alike(&names[1], 24, Align::Left, shared);
        assert_eq!((a.chars().count(), b.chars().count()), (24, 24));
        assert!(
            a.ends_with("metrics_hist_1min") && b.ends_with("metrics_hist_1hour"),
            "{a} {b}"
        );
        assert!(a.starts_with("fact…") && b.starts_with("fact…"), "{a} {b}");
        // nothing shared: cut as before; room enough: whole
        assert_eq!(
            fit_alike(&names[0], 24, Align::Left, 0),
            fit(&names[0], 24, Align::Left)
        );
        assert_eq!(fit_alike(&names[0], 40, Align::Left, shared), names[0]);
        assert_eq!(shared_with_others("abc", &[]), 0);
    }

    /// The demo's Indexes tab at 80 columns: TimescaleDB's aggregates' indexes beside the
    /// plant's, all cut at 24; each keeps what tells it from its nearest, not the schema's
    /// start they all read the same by.
    #[test]
    fn names_cut_beside_unlike_names_stay_told_apart() {
        let mut names: Vec<String> = (10..16)
            .map(|n| format!("_timescaledb_internal._materialized_hypertable_{n}_bucket_idx"))
            .collect();
        names.extend(
            [
                "machine_time_idx",
                "machine_time_copy",
                "machine_time_brin",
                "sensor_idx",
            ]
            .map(|n| format!("plant.telemetry_{n}")),
        );
        // two indexes of one aggregate beside another's: the number stays
        names.extend([5, 6].map(|n| {
            format!("_timescaledb_internal._materialized_hypertable_{n}_machine_id_bucket_idx")
        }));
        names.push("_timescaledb_internal._materialized_hypertable_6_sensor_bucket_idx".into());
        let cut = fit_all_alike(&names, 24, Align::Left);
        let distinct: std::collections::BTreeSet<&String> = cut.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{cut:#?}");
        assert!(cut.iter().all(|c| c.chars().count() == 24), "{cut:#?}");
        assert!(cut[0].ends_with("_10_bucket_idx"), "{cut:#?}");
    }

    #[test]
    fn a_name_takes_width_from_prose_before_it_is_cut() {
        let columns = vec![
            Column::left("Object", 0, 20),
            Column::left("Details", 0, 200),
        ];
        let mut g: Grid<()> = Grid::new(columns, None);
        g.set_rows(vec![Row::new(
            "1",
            vec![
                Cell::text("factory_telemetry.metrics_hist_1hour"),
                Cell::text("a long explanation ".repeat(10)),
            ],
        )]);
        let layout = g.layout(160);
        assert_eq!(layout[0].1, 36, "{layout:?}");
        assert!(layout[1].1 >= PROSE_KEEPS);
    }

    #[test]
    fn cut_names_keep_both_ends_so_look_alikes_differ() {
        let a = fit("plant.telemetry_machine_time_idx", 24, Align::Left);
        let b = fit("plant.telemetry_machine_time_idx_again", 24, Align::Left);
        assert_eq!(a.chars().count(), 24);
        assert_eq!(b.chars().count(), 24);
        assert_ne!(a, b);
        assert!(
            b.starts_with("plant.telemetry") && b.ends_with("_again"),
            "{b}"
        );
        assert_eq!(
            fit("abcdefghij", 5, Align::Left),
            "abcd…",
            "narrow: the head"
        );
        assert_eq!(fit("short", 24, Align::Left), "short");
        assert_eq!(fit("12345", 4, Align::Right), "123…");
        assert_eq!(
            fit("compression job failed 4 times in a row", 24, Align::Left),
            "compression job failed …"
        );
    }

    #[test]
    fn rows_come_back_as_stored_whatever_their_numbers_and_ids() {
        let columns = vec![
            Column::left("A", 0, 10),
            Column::right("B", 0, 10),
            Column::left("C", 0, 10),
            Column::right("D", 0, 10),
        ];
        let mut g: Grid<u8> = Grid::new(columns, None);
        let rows = vec![
            // the id is the first cell's text: stored once
            Row::new(
                "same",
                vec![
                    Cell::text("same"),
                    Cell::num(-1.5, "-1.5"),
                    Cell::text("x"),
                    Cell::num(7.0, "7"),
                ],
            )
            .open(3),
            // no numbers, then numbers only after a text
            Row::new("other", vec![Cell::text("same"), Cell::empty()]),
            Row::new(
                "third",
                vec![
                    Cell::num(1e12, "1 T"),
                    Cell::empty(),
                    Cell::num(2.0, "2"),
                    Cell::num(3.0, "3").tone(Tone::Warn),
                ],
            )
            .detail(Some("why".into())),
            // an empty first cell and an empty id: not the same as a missing id
            Row::new("", vec![Cell::empty(), Cell::num(0.0, "0")]),
        ];
        g.set_rows(rows.clone());
        let back: Vec<Row<u8>> = g.visible().map(|r| r.to_row()).collect();
        let padded: Vec<Row<u8>> = rows
            .into_iter()
            .map(|mut r| {
                r.cells.resize_with(4, Cell::empty);
                r
            })
            .collect();
        let by_id = |rows: &[Row<u8>], id: &str| rows.iter().find(|r| r.id == id).cloned();
        for r in &padded {
            assert_eq!(by_id(&back, &r.id).as_ref(), Some(r));
        }
        // an id equal to the first cell's text is not stored again
        let texts: usize = padded
            .iter()
            .flat_map(|r| &r.cells)
            .map(|c| c.text.len())
            .sum();
        assert_eq!(g.rows.text.len(), texts + "other".len() + "third".len());
        // no columns: the id is kept
        let mut bare: Grid<u8> = Grid::new(Vec::new(), None);
        bare.set_rows([Row::new("only", vec![Cell::text("only")])]);
        let ids: Vec<&str> = bare.visible().map(|r| r.id()).collect();
        assert_eq!(ids, ["only"]);
        // sorting by the last column finds each row's own number (the third's is after two
        // others, the first's after one)
        for _ in 0..4 {
            g.sort_step(true);
        }
        let sorted: Vec<String> = g.visible().map(|r| r.id().to_string()).collect();
        assert_eq!(sorted[..2], ["third", "same"], "{sorted:?}");
    }

    #[test]
    fn sorts_by_text_then_numbers_and_reverses() {
        let mut g = grid();
        assert_eq!(ids(&g), ["a", "b", "c"], "case-insensitive text");
        g.sort_step(true);
        assert_eq!(ids(&g), ["c", "b", "a"], "numeric, not lexical");
        g.sort_reverse();
        assert_eq!(ids(&g), ["a", "b", "c"]);
        g.sort_step(true);
        assert_eq!(ids(&g)[2], "a", "empty cells last even descending");
    }

    #[test]
    fn filter_matches_any_cell_and_keeps_selection() {
        let mut g = grid();
        g.move_by(1);
        assert_eq!(g.selected_row().unwrap().id(), "b");
        g.set_filter("NOTE");
        assert_eq!(ids(&g), ["c"]);
        g.set_filter("");
        assert_eq!(ids(&g).len(), 3);
        // A refresh keeps the same row selected even when it moved.
        g.select_id("c");
        let mut rows: Vec<Row<()>> = g.visible().map(|r| r.to_row()).collect();
        rows.reverse();
        g.set_rows(rows);
        assert_eq!(g.selected_row().unwrap().id(), "c");
    }

    #[test]
    fn parked_rows_are_let_go_and_come_back_as_they_were_shown() {
        let mut g = grid();
        g.sort_step(true);
        g.select_id("b");
        let rows: Vec<Row<()>> = g.visible().map(|r| r.to_row()).collect();
        let shown = ids(&g);
        g.park();
        assert_eq!(g.total(), 0, "no rows held");
        assert!(g.selected_row().is_none());
        g.set_rows(rows.into_iter().rev());
        assert_eq!(ids(&g), shown, "the same sort");
        assert_eq!(g.selected_row().unwrap().id(), "b", "the same row selected");
        // a selection never moved stays on the first row
        let mut untouched = grid();
        let rows: Vec<Row<()>> = untouched.visible().map(|r| r.to_row()).collect();
        untouched.park();
        untouched.set_rows(rows.into_iter().rev());
        assert_eq!(untouched.selected(), 0);
    }

    #[test]
    fn an_untouched_selection_stays_on_top() {
        let mut g = grid();
        let mut rows: Vec<Row<()>> = g.visible().map(|r| r.to_row()).collect();
        rows[0].cells[0] = Cell::text("zeta");
        g.set_rows(rows);
        assert_eq!(g.selected(), 0);
        assert_eq!(g.selected_row().unwrap().id(), "b", "the new first row");
    }

    #[test]
    fn stored_rows_read_back_as_built() {
        let mut g: Grid<u8> = Grid::new(
            vec![Column::left("a", 0, 9), Column::right("b", 0, 9)],
            None,
        );
        let full = Row::new(
            "id-1",
            vec![
                Cell::text("héllo").tone(Tone::Warn),
                Cell::num(-2.5, "-2.5 B").tone(Tone::Critical),
            ],
        )
        .detail(Some("why".into()))
        .open(7);
        // Fewer cells than columns: the rest read as empty.
        let short = Row::new("id-2", vec![Cell::text("x")]);
        g.set_rows([full.clone(), short]);
        let rows: Vec<Row<u8>> = g.visible().map(|r| r.to_row()).collect();
        assert_eq!(rows[0], full);
        assert_eq!(rows[1].cells, [Cell::text("x"), Cell::empty()]);
        assert_eq!((rows[1].detail.as_deref(), rows[1].open), (None, None));
        assert_eq!(g.row_at(1).unwrap().cell(2), None, "no third column");
    }

    #[test]
    fn movement_is_clamped() {
        let mut g = grid();
        g.move_by(-5);
        assert_eq!(g.selected(), 0);
        g.move_by(50);
        assert_eq!(g.selected(), 2);
        g.set_filter("zzz");
        g.move_by(1);
        assert!(g.selected_row().is_none());
    }

    #[test]
    fn narrow_layouts_drop_low_priority_columns_first() {
        let g = grid();
        let all = g.layout(80);
        assert_eq!(all.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(
            all.iter().map(|c| c.1 as u32 + 1).sum::<u32>(),
            80,
            "the last takes the slack"
        );
        let narrow = g.layout(14);
        assert_eq!(narrow.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 1]);
        let tiny = g.layout(3);
        assert_eq!(tiny, [(0, 2)], "cut to fit");
    }

    /// ← and → reach every column a narrow terminal hides, as a window in their order; the
    /// heading's counts say on which side the rest are; → stops where the last column shows.
    #[test]
    fn every_hidden_column_is_reached_with_the_arrows() {
        let columns = vec![
            Column::left("Name", 0, 10),
            Column::right("a", 1, 8),
            Column::right("b", 3, 8),
            Column::right("c", 2, 8),
            Column::right("d", 4, 8),
        ];
        let mut g: Grid<()> = Grid::new(columns, None);
        let cells = |w: &str| {
            std::iter::once(Cell::text("hypertable"))
                .chain((0..4).map(|_| Cell::text(w)))
                .collect()
        };
        g.set_rows([Row::new("r", cells("12345678"))]);
        let shown = |g: &Grid<()>| g.layout(30).iter().map(|c| c.0).collect::<Vec<_>>();
        // by priority: a and c beside the name; b and d hidden, both reached with →
        assert_eq!(shown(&g), [0, 1, 3]);
        assert_eq!(g.hidden_sides(&g.layout(30)), (0, 2));
        let mut seen: std::collections::BTreeSet<usize> = shown(&g).into_iter().collect();
        for _ in 0..6 {
            g.shift_columns(1);
            let layout = g.layout(30);
            seen.extend(layout.iter().map(|c| c.0));
            assert_eq!(layout[0].0, 0, "the name stays");
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        // at the end: c and d shown, a and b left of them; one ← brings b back
        assert_eq!(shown(&g), [0, 3, 4]);
        assert_eq!(g.hidden_sides(&g.layout(30)), (2, 0));
        g.shift_columns(-1);
        assert_eq!(shown(&g), [0, 2, 3]);
        assert_eq!(g.hidden_sides(&g.layout(30)), (1, 1));
        // the first column that may be hidden, hidden by priority too, is reached; a prose
        // column always shown last gives room to the columns scrolled to
        let columns = vec![
            Column::left("Name", 0, 10),
            Column::right("x", 9, 8),
            Column::right("y", 1, 8),
            Column::left("Query", 0, 60),
        ];
        let mut p: Grid<()> = Grid::new(columns, None);
        p.set_rows([Row::new(
            "r",
            vec![
                Cell::text("hypertable"),
                Cell::text("12345678"),
                Cell::text("12345678"),
                Cell::text("q".repeat(60)),
            ],
        )]);
        let cols = |g: &Grid<()>| g.layout(60).iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(cols(&p), [0, 3], "{:?}", p.layout(60));
        let mut seen: std::collections::BTreeSet<usize> = cols(&p).into_iter().collect();
        for _ in 0..4 {
            p.shift_columns(1);
            seen.extend(cols(&p));
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3]);
        // wide enough for all: nothing to scroll, nothing hidden
        assert_eq!(g.layout(80).len(), 5);
        g.shift_columns(1);
        assert_eq!(g.layout(80).len(), 5);
        assert_eq!(g.hidden_sides(&g.layout(80)), (0, 0));
    }

    #[test]
    fn pinned_rows_stay_last() {
        let mut g = grid();
        let mut rows: Vec<Row<()>> = g.visible().map(|r| r.to_row()).collect();
        rows[0].pinned = true;
        g.set_rows(rows);
        g.sort_reverse();
        assert_eq!(ids(&g).last().unwrap(), "a");
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        let mut g: Grid<()> = Grid::new(vec![Column::left("n", 0, 5)], None);
        g.set_rows((0..100).map(|i| Row::new(i.to_string(), vec![Cell::text(i.to_string())])));
        g.move_by(30);
        assert_eq!(g.scroll_offset(10), 21);
        g.move_by(-25);
        assert_eq!(g.scroll_offset(10), 5);
        g.end();
        assert_eq!(g.scroll_offset(10), 90);
    }
}
