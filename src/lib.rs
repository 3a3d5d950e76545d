//! Parse, type-check and run OData v4 `$filter` expressions and the query options around them.
//!
//! `odata-filter` takes the query string of a request such as
//! `GET /api/machineactions?$filter=machineId eq 'f46b…' and creationDateTimeUtc gt 2018-12-04T12:00:00Z&$top=2`,
//! checks it against a whitelist of typed fields, and runs it: as a compiled
//! predicate over `serde_json::Value` records, or as parameterized SQL.
//!
//! # Example
//!
//! ```
//! use odata_filter::query::QueryOptions;
//! use odata_filter::schema::catalog;
//! use serde_json::json;
//!
//! let schema = catalog::machine_action();
//! let (query, _others) = QueryOptions::new().parse(
//!     &schema,
//!     "$filter=machineId+eq+'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2",
//! )?;
//! let records = vec![
//!     json!({"id": "69dc3630-1ccc-4342-acf3-35286eec741d", "status": "Succeeded",
//!            "machineId": "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f",
//!            "creationDateTimeUtc": "2018-12-04T12:43:57.2011911Z"}),
//!     json!({"id": "2e9da30d-27f6-4208-81f2-9cd3d67893ba", "status": "Succeeded",
//!            "machineId": "7b1f4967d9728e5aa3c06a9e617a22a4a5a17378",
//!            "creationDateTimeUtc": "2018-12-04T12:18:27.1293487Z"}),
//! ];
//! let page = query.apply(&schema, records);
//! assert_eq!(page.records.len(), 1);
//!
//! // A bad query is an error that points at the exact character.
//! let err = QueryOptions::new().parse(&schema, "$filter=status eq 'Done'").unwrap_err();
//! assert!(err.to_string().starts_with(
//!     "error: 'Done' is not a member of Defender.MachineActionStatus"
//! ));
//! # Ok::<(), odata_filter::Error>(())
//! ```
//!
//! For a bare `$filter`, [`Filter`] parses, checks and compiles in one step.
//!
//! # The pipeline
//!
//! Each stage has its own module and its own representation:
//!
//! 1. [`syntax`]: text to a spanned syntax tree ([`syntax::ast`]), and back
//!    to canonical text. No schema knowledge.
//! 2. [`check`]: the tree, against an entity [`schema`], to a typed
//!    expression ([`ir::Expr`]) that only the checker can build. Every error
//!    is reported, each with its span.
//! 3. Backends: [`eval`] compiles the expression to a predicate over JSON;
//!    [`query`] adds `$orderby`, `$top`, `$skip`, `$select`, `$count` and
//!    applies them in memory. (The `odata-filter` command's fast path, which tests
//!    raw NDJSON lines without parsing them, runs the same evaluator over the raw text
//!    of the members a filter reads; it is not library API.)
//!
//! # Input safety
//!
//! No input can panic, hang or overflow the stack.
//! The parser enforces [`syntax::Limits`] while it parses (input length,
//! nesting depth, node count and `any`/`all` nesting, with documented
//! defaults); every later stage recurses only as deep as the parser allowed,
//! and a filter's work on a record is bounded by its nodes times the
//! collections' sizes to the power of its lambda nesting (2 by default). `$top` is capped
//! ([`query::QueryOptions::max_top`], default 10,000). Query strings with
//! invalid percent-escapes or invalid UTF-8 are errors, not replacement
//! characters. The parser, checker and evaluator are fuzzed in CI.
//!
//! # Error reporting
//!
//! Errors are data: each stage has an error type with a `kind()` (a
//! documented `#[non_exhaustive]` enum), a `span()` and the input, and the
//! umbrella [`Error`] covers them all. `Display` (and `Debug`) render them
//! like a compiler:
//!
//! ```text
//! error: unknown field 'machinId' on MachineAction; did you mean 'machineId'?
//!   |
//! 1 | machinId eq 'x'
//!   | ^^^^^^^^
//!   = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc
//! ```
//!
//! [`Error::to_odata_json`] turns any of them into the OData error body
//! `{"error":{"code":"ODataError","message":...,"target":...}}`.
//!
//! # Crate features
//!
//! - `cli`: the `odata-filter` command-line tool (with `defender`).
//! - `defender`: the built-in Microsoft Defender for Endpoint entity schemas
//!   (`schema::catalog`), JSON schema files embedded in the library. The examples in this
//!   documentation use them.
//! - `rusqlite`: SQL parameters as `rusqlite::ToSql`, and table helpers for SQLite.
//! - `postgres`: SQL parameters as `postgres::types::ToSql`, and table helpers for PostgreSQL.
//! - `tokio-postgres`: the same table helpers as async functions over `tokio-postgres`, without
//!   the synchronous `postgres` client.
//! - `sqlx-sqlite`, `sqlx-postgres`, `sqlx-mysql` (`sqlx`: all three): sqlx 0.9 (rustc 1.94)
//!   parameters, `bind_all`, and async helpers over the application's own table and the
//!   crate's; each turns on only that sqlx driver.
//! - `axum`: an extractor for checked query options, an OData error response and request ids.
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]
// docs.rs builds with every feature and marks each gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Every Rust snippet in README.md compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "axum")]
pub mod axum;
pub mod check;
mod decimal;
mod edm;
mod error;
pub mod eval;
mod filter;
pub mod ir;
#[doc(hidden)] // the command's NDJSON fast path; not library API
pub mod ndjson;
pub mod query;
pub mod records;
mod report;
pub mod schema;
mod span;
pub mod sql;
mod suggest;
pub mod syntax;
pub mod value;

pub use error::Error;
pub use filter::Filter;
pub use report::Report;
pub use span::Span;
