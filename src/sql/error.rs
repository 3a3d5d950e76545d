//! Errors of the SQL backend: what could not be translated, stored or run, and why.

use crate::span::Span;
use std::fmt;
use std::sync::Arc;

/// The error a database driver reported, kept whole.
type Source = Arc<dyn std::error::Error + Send + Sync>;

/// An error from the SQL backend: a [`kind`](Error::kind) to match on and a
/// human-readable message (`Display`).
///
/// An [`ErrorKind::Database`] error from the driver helpers keeps the driver's error as its
/// [`source`](std::error::Error::source), so that a caller can downcast it
/// (`rusqlite::Error`, `postgres::Error`, `sqlx::Error`) and read the database's error code, e.g. to tell a
/// violated unique constraint from other failures. Errors compare equal when their kinds do.
#[derive(Clone, Debug)]
pub struct Error {
    kind: ErrorKind,
    source: Option<Source>,
    span: Option<Span>,
}

impl Error {
    /// An error of kind `kind`.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            source: None,
            span: None,
        }
    }

    /// The same error, about the part of the `$filter` at `span`.
    pub fn at(mut self, span: Span) -> Error {
        self.span = Some(span);
        self
    }

    /// Where in the `$filter` text the construct that caused the error was written, when the
    /// error is about one (a literal the dialect cannot hold exactly, say): render it against
    /// the text with [`Report`](crate::Report).
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// An [`ErrorKind::Database`] error with the driver's `error` as its message and source.
    #[cfg(any(
        feature = "rusqlite",
        feature = "pg-types",
        feature = "sqlx-sqlite",
        feature = "sqlx-postgres",
        feature = "sqlx-mysql"
    ))]
    pub(crate) fn database(
        message: String,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        // SQLite without the crate's functions (`tolower`, `round`, ...): say how to add them.
        let message = if message.contains("no such function: odata_") {
            format!(
                "{message} (the crate's SQL for SQLite calls its own functions for tolower, \
                 toupper, round, floor and ceiling, which need registering on the connection: \
                 sql::rusqlite::register_functions)"
            )
        } else {
            message
        };
        Error {
            kind: ErrorKind::Database { message },
            source: Some(Arc::new(error)),
            span: None,
        }
    }

    /// A construct that `dialect` cannot express, e.g. `year()` in a dialect without calendar
    /// functions.
    pub fn unsupported(dialect: &str, what: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported {
            dialect: dialect.to_owned(),
            what: what.into(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

/// The kinds of SQL backend error.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The dialect cannot express something the filter or a record needs, e.g. a string
    /// containing U+0000 in PostgreSQL, whose `text` type cannot hold it.
    Unsupported {
        /// The dialect's name, e.g. `postgres`.
        dialect: String,
        /// What it cannot express, e.g. `the function year()`.
        what: String,
    },
    /// A value outside the range its storage type can hold, e.g. a DateTimeOffset after the
    /// year 9999 in UTC given to a function (comparisons with such values are still answered).
    OutOfRange {
        /// The value and the range, in words.
        what: String,
    },
    /// A record that cannot be stored: not a JSON object, or a value out of range. The driver
    /// helpers prefix `why` with the record's position (`record 3: ...`).
    Record {
        /// Why, in words.
        why: String,
    },
    /// A schema that cannot be laid out as a table: two fields mapped to the same column, a
    /// column that clashes with the reserved `_id` or `_doc`, or a column name with control
    /// characters.
    Schema {
        /// Why, in words.
        why: String,
    },
    /// An error reported by the database driver while running generated SQL. The driver's
    /// error is the [`source`](std::error::Error::source) of the [`Error`].
    Database {
        /// The driver's message.
        message: String,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Unsupported { dialect, what } => {
                write!(f, "the {dialect} dialect does not support {what}")
            }
            ErrorKind::OutOfRange { what } => write!(f, "value out of range: {what}"),
            ErrorKind::Record { why } => write!(f, "cannot store the record: {why}"),
            ErrorKind::Schema { why } => write!(f, "schema cannot be stored as a table: {why}"),
            ErrorKind::Database { message } => write!(f, "database error: {message}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.kind == other.kind
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
