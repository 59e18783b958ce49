//! The palette's language, spoken by the actions and the advisors alike: the table of commands
//! (`spec`), parsing a line into a typed `Command` and writing one back as its canonical text
//! (`parse`), and telling a typo from a name (`typo`). Pure; uses only `format`.

pub mod parse;
pub mod spec;
pub mod typo;
