//! Parse, type-check and run OData v4 `$filter` expressions and the query options around them.
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "axum")]
pub mod axum;
pub mod check;
pub mod error;
pub mod eval;
pub mod ir;
pub mod query;
pub mod report;
pub mod schema;
pub mod span;
pub mod syntax;
pub mod value;

pub use error::Error;
