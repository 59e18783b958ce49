//! What a table is made of: columns, rows and their cells, with the tone each is drawn in.

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
