//! How a table keeps its rows: cells packed in one store, read back through row and cell
//! references.

use super::*;

/// The rows as stored: every id and cell text in one string, and per cell an end offset and a
/// kind/tone byte, per number cell its sort number. Five bytes a cell (and eight more a
/// number) plus the text, instead of a `String` and a `Cell` each: a 10,000-chunk drill-down
/// stays a few megabytes.
#[derive(Debug, Clone)]
pub(super) struct CellStore<D> {
    pub(super) text: String,
    /// Per row `cols + 1` end offsets into `text`: the id's (empty when it is the first cell's
    /// text, [`ID_IS_FIRST`]: an index's name was held twice), then each cell's.
    pub(super) ends: Vec<u32>,
    /// The numbers the number cells sort by, row after row (a sort number per cell, text
    /// cells' too, held room that text cells never use).
    pub(super) nums: Vec<f64>,
    /// Per row: where its numbers start in `nums`.
    pub(super) num_starts: Vec<u32>,
    /// Per cell: kind (Null, Num, Text) in the high bits, tone in the low ones.
    pub(super) flags: Vec<u8>,
    /// Detail and what Enter opens, for the rows that have them.
    pub(super) extra: Vec<Option<Box<Extra<D>>>>,
    /// Per row: [`PINNED`], [`ID_IS_FIRST`].
    pub(super) row_flags: Vec<u8>,
}

/// `row_flags`: a row that sorts last whatever the order.
pub(super) const PINNED: u8 = 1;
/// `row_flags`: the id is the first cell's text, not stored again.
const ID_IS_FIRST: u8 = 2;

/// What few rows carry besides cells.
#[derive(Debug, Clone)]
pub(super) struct Extra<D> {
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

impl<D> Default for CellStore<D> {
    fn default() -> Self {
        CellStore {
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

impl<D> CellStore<D> {
    pub(super) fn len(&self) -> usize {
        self.row_flags.len()
    }

    /// Appends a row, keeping exactly `cols` cells (missing ones are empty).
    pub(super) fn push(&mut self, row: Row<D>, cols: usize) {
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
    pub(super) fn reserve(&mut self, rows: usize, cols: usize) {
        self.ends.reserve_exact(rows * (cols + 1));
        self.num_starts.reserve_exact(rows);
        self.flags.reserve_exact(rows * cols);
        self.extra.reserve_exact(rows);
        self.row_flags.reserve_exact(rows);
    }

    pub(super) fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.nums.shrink_to_fit();
        self.num_starts.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.extra.shrink_to_fit();
        self.row_flags.shrink_to_fit();
    }

    /// Byte range of row `i`'s id (`cell == None`) or of one of its cells.
    pub(super) fn span(&self, cols: usize, i: usize, cell: Option<usize>) -> (usize, usize) {
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
    pub(super) store: &'a CellStore<D>,
    pub(super) cols: usize,
    pub(super) index: usize,
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
