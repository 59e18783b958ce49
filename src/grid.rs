//! A sortable, filterable table of formatted rows with a selection. Pure: no drawing, no I/O.
//! The visible order is computed when rows, sort or filter change, never per frame, so a
//! 10,000-row table scrolls without re-sorting.

use std::cell::Cell as Interior;

/// How a cell sorts: numbers numerically, text case-insensitively (by the cell's own text, so
/// no second copy is kept), empty cells last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortKey {
    Null,
    Num(f64),
    Text,
}

/// The semantic colour of a cell (mapped to theme roles when drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Muted,
    Ok,
    Warn,
    Critical,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub key: SortKey,
    pub tone: Tone,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let text = s.into();
        let key = if text.is_empty() {
            SortKey::Null
        } else {
            SortKey::Text
        };
        Cell {
            text,
            key,
            tone: Tone::Normal,
        }
    }

    /// A number shown as `text`, sorted by `n`.
    pub fn num(n: f64, text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            key: SortKey::Num(n),
            tone: Tone::Normal,
        }
    }

    pub fn empty() -> Cell {
        Cell {
            text: String::new(),
            key: SortKey::Null,
            tone: Tone::Muted,
        }
    }

    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub align: Align,
    /// 0 is always shown; on a narrow terminal the highest numbers are dropped first.
    pub priority: u8,
    /// Widest the column grows (longer text is cut with `…`).
    pub max: u16,
}

impl Column {
    pub const fn left(title: &'static str, priority: u8, max: u16) -> Column {
        Column {
            title,
            align: Align::Left,
            priority,
            max,
        }
    }

    pub const fn right(title: &'static str, priority: u8, max: u16) -> Column {
        Column {
            title,
            align: Align::Right,
            priority,
            max,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row<D> {
    /// Stable identity (e.g. `schema.name`), to keep the selection across refreshes.
    pub id: String,
    pub cells: Vec<Cell>,
    /// Longer text shown under the table for the selected row (e.g. a full error message).
    pub detail: Option<String>,
    /// What Enter on this row opens (a drill-down, or the row that explains a problem).
    pub open: Option<D>,
    /// A row that sorts last whatever the order (totals).
    pub pinned: bool,
}

impl<D> Row<D> {
    pub fn new(id: impl Into<String>, cells: Vec<Cell>) -> Row<D> {
        Row {
            id: id.into(),
            cells,
            detail: None,
            open: None,
            pinned: false,
        }
    }

    pub fn detail(mut self, detail: Option<String>) -> Row<D> {
        self.detail = detail;
        self
    }

    pub fn open(mut self, what: D) -> Row<D> {
        self.open = Some(what);
        self
    }
}

/// The rows as stored: every id and cell text in one string, and per cell an end offset and a
/// kind/tone byte, per number cell its sort number. Five bytes a cell (and eight more a
/// number) plus the text, instead of a `String` and a `Cell` each: a 10,000-chunk drill-down
/// stays a few megabytes.
#[derive(Debug, Clone)]
struct Store<D> {
    text: String,
    /// Per row `cols + 1` end offsets into `text`: the id's (empty when it is the first cell's
    /// text, [`ID_IS_FIRST`]: 15,500 indexes' names were 0.6 MB twice), then each cell's.
    ends: Vec<u32>,
    /// The numbers the number cells sort by, row after row (a sort number per cell, text
    /// cells' too, was 0.6 MB of the Indexes tab's 15,500 rows).
    nums: Vec<f64>,
    /// Per row: where its numbers start in `nums`.
    num_starts: Vec<u32>,
    /// Per cell: kind (Null, Num, Text) in the high bits, tone in the low ones.
    flags: Vec<u8>,
    /// Detail and what Enter opens, for the rows that have them.
    extra: Vec<Option<Box<Extra<D>>>>,
    /// Per row: [`PINNED`], [`ID_IS_FIRST`].
    row_flags: Vec<u8>,
}

/// `row_flags`: a row that sorts last whatever the order.
const PINNED: u8 = 1;
/// `row_flags`: the id is the first cell's text, not stored again.
const ID_IS_FIRST: u8 = 2;

/// What few rows carry besides cells.
#[derive(Debug, Clone)]
struct Extra<D> {
    detail: Option<String>,
    open: Option<D>,
}

const KIND_NUM: u8 = 0x10;
const KIND_TEXT: u8 = 0x20;
const KIND_MASK: u8 = 0x30;

fn tone_bits(t: Tone) -> u8 {
    match t {
        Tone::Normal => 0,
        Tone::Muted => 1,
        Tone::Ok => 2,
        Tone::Warn => 3,
        Tone::Critical => 4,
    }
}

fn bits_tone(b: u8) -> Tone {
    match b & 0x0f {
        1 => Tone::Muted,
        2 => Tone::Ok,
        3 => Tone::Warn,
        4 => Tone::Critical,
        _ => Tone::Normal,
    }
}

impl<D> Default for Store<D> {
    fn default() -> Self {
        Store {
            text: String::new(),
            ends: Vec::new(),
            nums: Vec::new(),
            num_starts: Vec::new(),
            flags: Vec::new(),
            extra: Vec::new(),
            row_flags: Vec::new(),
        }
    }
}

impl<D> Store<D> {
    fn len(&self) -> usize {
        self.row_flags.len()
    }

    /// Appends a row, keeping exactly `cols` cells (missing ones are empty).
    fn push(&mut self, row: Row<D>, cols: usize) {
        let id_is_first = cols > 0 && row.cells.first().is_some_and(|c| c.text == row.id);
        if !id_is_first {
            self.text.push_str(&row.id);
        }
        self.ends.push(self.text.len() as u32);
        self.num_starts.push(self.nums.len() as u32);
        let mut cells = row.cells.into_iter();
        for _ in 0..cols {
            let cell = cells.next().unwrap_or_else(Cell::empty);
            self.text.push_str(&cell.text);
            self.ends.push(self.text.len() as u32);
            let kind = match cell.key {
                SortKey::Null => 0,
                SortKey::Num(n) => {
                    self.nums.push(n);
                    KIND_NUM
                }
                SortKey::Text => KIND_TEXT,
            };
            self.flags.push(kind | tone_bits(cell.tone));
        }
        self.extra
            .push((row.detail.is_some() || row.open.is_some()).then(|| {
                Box::new(Extra {
                    detail: row.detail,
                    open: row.open,
                })
            }));
        let pinned = if row.pinned { PINNED } else { 0 };
        let id = if id_is_first { ID_IS_FIRST } else { 0 };
        self.row_flags.push(pinned | id);
    }

    /// Room for `rows` rows of `cols` cells, but their text and numbers (grown by doubling,
    /// held up to twice their size until shrunk).
    fn reserve(&mut self, rows: usize, cols: usize) {
        self.ends.reserve_exact(rows * (cols + 1));
        self.num_starts.reserve_exact(rows);
        self.flags.reserve_exact(rows * cols);
        self.extra.reserve_exact(rows);
        self.row_flags.reserve_exact(rows);
    }

    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.nums.shrink_to_fit();
        self.num_starts.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.extra.shrink_to_fit();
        self.row_flags.shrink_to_fit();
    }

    /// Byte range of row `i`'s id (`cell == None`) or of one of its cells.
    fn span(&self, cols: usize, i: usize, cell: Option<usize>) -> (usize, usize) {
        let cell = match cell {
            None if self.row_flags[i] & ID_IS_FIRST != 0 => Some(0),
            c => c,
        };
        let base = i * (cols + 1);
        let at = base + cell.map_or(0, |c| c + 1);
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        (start as usize, self.ends[at] as usize)
    }
}

/// One stored row, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a, D> {
    store: &'a Store<D>,
    cols: usize,
    index: usize,
}

/// One stored cell, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRef<'a> {
    pub text: &'a str,
    pub key: SortKey,
    pub tone: Tone,
}

impl<'a, D: Clone> RowRef<'a, D> {
    pub fn id(&self) -> &'a str {
        let (a, b) = self.store.span(self.cols, self.index, None);
        &self.store.text[a..b]
    }

    pub fn cell(&self, c: usize) -> Option<CellRef<'a>> {
        if c >= self.cols {
            return None;
        }
        let (a, b) = self.store.span(self.cols, self.index, Some(c));
        let first = self.index * self.cols;
        let flags = self.store.flags[first + c];
        let key = match flags & KIND_MASK {
            KIND_NUM => {
                // the row's numbers before this cell's
                let before = self.store.flags[first..first + c]
                    .iter()
                    .filter(|f| *f & KIND_MASK == KIND_NUM)
                    .count();
                SortKey::Num(self.store.nums[self.store.num_starts[self.index] as usize + before])
            }
            KIND_TEXT => SortKey::Text,
            _ => SortKey::Null,
        };
        Some(CellRef {
            text: &self.store.text[a..b],
            key,
            tone: bits_tone(flags),
        })
    }

    pub fn cells(&self) -> impl Iterator<Item = CellRef<'a>> + '_ {
        (0..self.cols).filter_map(|c| self.cell(c))
    }

    pub fn detail(&self) -> Option<&'a str> {
        self.store.extra[self.index].as_ref()?.detail.as_deref()
    }

    pub fn open(&self) -> Option<&'a D> {
        self.store.extra[self.index].as_ref()?.open.as_ref()
    }

    pub fn pinned(&self) -> bool {
        self.store.row_flags[self.index] & PINNED != 0
    }

    /// The row as built (for tests and callers that rebuild rows).
    pub fn to_row(&self) -> Row<D> {
        Row {
            id: self.id().to_string(),
            cells: self
                .cells()
                .map(|c| Cell {
                    text: c.text.to_string(),
                    key: c.key,
                    tone: c.tone,
                })
                .collect(),
            detail: self.detail().map(str::to_string),
            open: self.open().cloned(),
            pinned: self.pinned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Grid<D> {
    pub columns: Vec<Column>,
    rows: Store<D>,
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
            rows: Store::default(),
            order: Vec::new(),
            widths,
            sort,
            filter: String::new(),
            selected: 0,
            moved: false,
            parked: None,
            offset: Interior::new(0),
        }
    }

    /// Lets the rows go while the table is not shown; the columns, sort, filter and selected
    /// row stay for the next [`set_rows`](Self::set_rows).
    pub fn park(&mut self) {
        if let Some(id) = self.selected_row().filter(|_| self.moved) {
            self.parked = Some(id.id().to_string());
        }
        self.rows = Store::default();
        self.order = Vec::new();
    }

    /// Replaces the rows, keeping the selected row (by id) selected when it still exists. Rows
    /// are stored as they come (an iterator need not build them all first) and the old ones
    /// are let go before, so a refresh never holds two copies.
    pub fn set_rows(&mut self, rows: impl IntoIterator<Item = Row<D>>) {
        let keep = self
            .selected_row()
            .filter(|_| self.moved)
            .map(|r| r.id().to_string())
            .or_else(|| self.parked.take());
        let cols = self.columns.len();
        self.rows = Store::default();
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

/// Text cut to `width` columns (with `…`) and aligned. A name (text without spaces) is cut in
/// the middle when there is room for both ends: names that share a long prefix
/// (`telemetry_machine_time_idx`, `telemetry_machine_time_idx_again`) stay told apart by their
/// ends; prose keeps its beginning.
pub fn fit(text: &str, width: u16, align: Align) -> String {
    let width = width as usize;
    let n = text.chars().count();
    let cut: String = if n > width {
        if width == 0 {
            String::new()
        } else if width >= 16 && !text.contains(char::is_whitespace) {
            let tail = (width - 1) / 3;
            let head = width - 1 - tail;
            text.chars()
                .take(head)
                .chain(std::iter::once('…'))
                .chain(text.chars().skip(n - tail))
                .collect()
        } else {
            text.chars()
                .take(width - 1)
                .chain(std::iter::once('…'))
                .collect()
        }
    } else {
        text.to_string()
    };
    match align {
        Align::Left => cut,
        Align::Right => format!("{cut:>width$}"),
    }
}

/// Like [`fit`], for a name that shares its first `shared` characters with the other names it
/// is shown among (`factory_telemetry.metrics_hist_1min`, `…_1hour`): cut there, where they are
/// alike, so the part that tells them apart stays whole; else as [`fit`] cuts it.
pub fn fit_alike(text: &str, width: u16, align: Align, shared: usize) -> String {
    let n = text.chars().count();
    let w = usize::from(width);
    if n <= w || w < 8 || text.contains(char::is_whitespace) {
        return fit(text, width, align);
    }
    let drop = n - w + 1;
    if drop > shared {
        return fit(text, width, align);
    }
    // a few of its first characters (the schema's start), then the rest from past the cut
    let head = (shared - drop).min(4);
    text.chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(text.chars().skip(head + drop))
        .collect()
}

/// How many first characters all of `texts` share.
pub fn shared_prefix<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    let mut texts = texts.into_iter();
    let Some(first) = texts.next() else { return 0 };
    let mut shared = first.chars().count();
    for t in texts {
        shared = first
            .chars()
            .zip(t.chars())
            .take(shared)
            .take_while(|(a, b)| a == b)
            .count();
    }
    shared
}

/// Like [`fit`], and left-aligned text padded to `width` too (for plain-text tables).
pub fn pad(text: &str, width: u16, align: Align) -> String {
    let w = width as usize;
    format!("{:<w$}", fit(text, width, align))
}

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
        ];
        let shared = shared_prefix(names);
        assert_eq!(shared, 32);
        let a = fit_alike(names[0], 24, Align::Left, shared);
        let b = fit_alike(names[1], 24, Align::Left, shared);
        assert_eq!((a.chars().count(), b.chars().count()), (24, 24));
        assert!(
            a.ends_with("metrics_hist_1min") && b.ends_with("metrics_hist_1hour"),
            "{a} {b}"
        );
        assert!(a.starts_with("fact…") && b.starts_with("fact…"), "{a} {b}");
        // nothing shared: cut as before; room enough: whole
        assert_eq!(
            fit_alike(names[0], 24, Align::Left, 0),
            fit(names[0], 24, Align::Left)
        );
        assert_eq!(fit_alike(names[0], 40, Align::Left, shared), names[0]);
        assert_eq!(shared_prefix(["abc"]), 3);
        assert_eq!(shared_prefix(Vec::<&str>::new()), 0);
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
