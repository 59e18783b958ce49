//! The database directory's files added up per relation, as a first read lists them.

use super::*;

/// The files of the relations in the database's directory added up as they are listed: each
/// relation's bytes so far and whether its main file was seen (9 bytes a relation: 13 with the
/// bytes in 8 added to a first read's peak).
pub(super) struct FileSums {
    /// Slots, by their file number.
    by_file: Vec<u32>,
    bytes: PageCounts,
    main: Vec<bool>,
}

impl FileSums {
    pub(super) fn new(r: &RelationSlots) -> FileSums {
        let here = |s: &u32| r.flags[*s as usize] & HERE != 0;
        let n = (0..r.len() as u32).filter(here).count();
        let mut by_file = Vec::with_capacity(n);
        by_file.extend((0..r.len() as u32).filter(here));
        by_file.sort_unstable_by_key(|&s| r.file(s as usize));
        FileSums {
            by_file,
            bytes: PageCounts::zeroed(n),
            main: vec![false; n],
        }
    }

    pub(super) fn add(&mut self, r: &RelationSlots, f: FileSize) {
        let found = self
            .by_file
            .binary_search_by_key(&f.node, |&s| r.file(s as usize));
        if let Ok(i) = found {
            self.bytes.set(i, self.bytes.get(i) + f.size);
            self.main[i] |= f.main;
        }
    }

    /// The relations whose main file was seen, measured.
    pub(super) fn measured(self, r: &mut RelationSlots) {
        for (i, (s, main)) in self.by_file.into_iter().zip(self.main).enumerate() {
            if main {
                r.measured(s as usize, self.bytes.get(i));
            }
        }
    }
}

/// A relation's file as listed: its file number, whether it is the main one, its bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FileSize {
    pub(super) node: u32,
    pub(super) main: bool,
    pub(super) size: i64,
}

/// A file of the database's directory as a relation's (pure): its file number, and whether it
/// is the relation's main file (`<n>`). A relation's files are `<n>`, `<n>_fsm`, `<n>_vm` and
/// `<n>_init`, each followed by `.<segment>` from its second gigabyte on; any other name (a
/// stray `<n>.tmp`, `PG_VERSION`, a number too large for a file number) is no relation's.
pub fn relation_file(name: &str) -> Option<(u32, bool)> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let number = |s: &str| !s.is_empty() && s.len() <= 10 && !s.starts_with('0');
    let node = &name[..digits];
    if !number(node) {
        return None;
    }
    let node: u32 = node.parse().ok()?;
    let rest = &name[digits..];
    let (fork, segment) = match rest.split_once('.') {
        Some((fork, segment)) => (fork, Some(segment)),
        None => (rest, None),
    };
    if !matches!(fork, "" | "_fsm" | "_vm" | "_init") {
        return None;
    }
    if let Some(segment) = segment {
        if !number(segment) || !segment.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some((node, fork.is_empty() && segment.is_none()))
}
