//! The EDM primitive types' text forms: one `parse` and one `format` per primitive, called by
//! the lexer, the checker, the evaluators, SQL storage and the printers alike.

pub(crate) mod date;
pub(crate) mod duration;
pub(crate) mod guid;
pub(crate) mod instant;
pub(crate) mod time;
