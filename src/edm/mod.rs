//! The EDM primitive types' text forms and value rules: one `parse` and one `format` per
//! primitive, Edm.String's case mapping and the rounding of numbers, called by the lexer, the checker, the evaluators,
//! SQL storage and the printers alike.

pub(crate) mod date;
pub(crate) mod duration;
pub(crate) mod guid;
pub(crate) mod instant;
pub(crate) mod number;
pub(crate) mod string;
pub(crate) mod time;
