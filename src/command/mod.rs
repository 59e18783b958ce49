//! The palette's language, spoken by the actions and the advisors alike. Leaves first: why a
//! line is refused (`error`), its words (`words`: tokens, object names, intervals, window
//! bounds), each argument's grammar (`grammar`: what it reads and writes back), the table of
//! commands (`spec`: each `Command` variant and its row), then parsing a line into a `Command`
//! and writing one back as its canonical text (`parse`); and telling a typo from a name
//! (`typo`). Pure; uses only `format`.

mod error;
pub mod grammar;
pub mod parse;
pub mod spec;
pub mod typo;
mod words;
