//! The console's state, below drawing and the event loop: keys, query results and link changes
//! update it (`state`); the palette and its dialogs (`modal`). Pure: no I/O, no drawing.

pub mod fleet;
pub mod keys;
pub mod modal;
pub mod state;
pub mod update;
