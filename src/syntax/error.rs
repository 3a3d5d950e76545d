//! Syntax errors: what went wrong, where, and in which input.

use crate::report::Report;
use crate::span::Span;
use std::fmt;

/// A `$filter` that could not be parsed.
///
/// The error keeps the input, so [`Display`](fmt::Display) can draw it like a
/// compiler does:
///
/// ```text
/// error: expected a value, found end of input
///   |
/// 1 | status eq
///   |          ^
/// ```
///
/// `Debug` prints the same text, so `unwrap()` stays readable.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    span: Span,
    input: String,
    note: Option<String>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span, input: &str) -> Error {
        Error {
            kind,
            span,
            input: input.to_owned(),
            note: None,
        }
    }

    /// Sets a line of help drawn under the source line, such as the parameter alias whose
    /// value broke a limit.
    pub(crate) fn set_note(&mut self, note: String) {
        self.note = Some(note);
    }

    /// The line of help the error carries, if any: where a parameter alias's value broke a
    /// limit, which alias and what value.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where: a byte range into [`input`](Error::input).
    pub fn span(&self) -> Span {
        self.span
    }

    /// The filter text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// A second place the error concerns, such as the `(` that was never closed.
    pub fn auxiliary_span(&self) -> Option<Span> {
        match self.kind {
            ErrorKind::UnclosedParen { open } | ErrorKind::UnclosedString { open } => Some(open),
            _ => None,
        }
    }

    /// The error as a [`Report`], for rendering with other errors.
    pub fn report(&self) -> Report<'_> {
        let mut report = Report::new(&self.input, self.kind.to_string(), self.span)
            .maybe_note(self.note.as_deref());
        match self.kind {
            ErrorKind::UnclosedParen { open } => report = report.label(open, "opened here"),
            ErrorKind::UnclosedString { open } => report = report.label(open, "string starts here"),
            _ => {}
        }
        report
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.report().fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// The kinds of syntax error. Each variant's docs show an input that triggers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Something other than what the grammar allows here: `status eq` (a value
    /// was expected), `status 'x'` (an operator was expected).
    Unexpected {
        /// What the grammar allows here.
        expected: Expected,
        /// What was found instead.
        found: String,
    },
    /// A `(` with no matching `)`: `(status eq 'x'`.
    UnclosedParen {
        /// Where the `(` is.
        open: Span,
    },
    /// A string literal with no closing quote: `status eq 'x`.
    UnclosedString {
        /// Where the opening `'` is.
        open: Span,
    },
    /// A character that starts no token: `status eq #1`.
    InvalidChar(char),
    /// A number outside its range: a whole number of 2^96 or more, which neither an i64 nor
    /// a decimal holds (`x eq 79228162514264337593543950336`), or a number with a fraction or
    /// exponent beyond f64 (`x eq 1e999`).
    NumberOutOfRange,
    /// A malformed number: `x eq 1.` or `x eq 1e`.
    InvalidNumber,
    /// A date, time or date-time that is malformed or out of range:
    /// `x eq 2018-13-01`, `x eq 2018-01-01T10:00:61Z`, `x eq 2018-01-01T10:00:00`
    /// (no offset).
    InvalidDateTime(&'static str),
    /// A malformed GUID: `x eq 01234567-89ab-cdef-0123-45678`.
    InvalidGuid,
    /// A malformed duration: `x eq duration'P1Y'`.
    InvalidDuration(&'static str),
    /// A quoted literal with an unknown prefix: `x eq binary'Zm9v'`.
    UnknownLiteralPrefix(String),
    /// A dotted name outside an enum literal: `Ns.Type eq 1`.
    QualifiedName,
    /// A geospatial function or literal, which the crate does not support (it has no
    /// Edm.Geography or Edm.Geometry types): `geo.distance(a, b) lt 1`,
    /// `x eq geography'POINT(1 2)'`.
    Geospatial(String),
    /// A lambda variable that is no usable name or lacks its colon: `tags/any(1)`,
    /// `tags/any(in: true)`.
    InvalidLambda,
    /// `all` without a lambda: `tags/all()`. Only `any()` may be empty.
    EmptyAll,
    /// An `@` not followed by a parameter alias name (an OData identifier of at most 128
    /// characters): `x eq @1`, `x eq @`.
    InvalidAlias,
    /// The input is empty or only white space.
    Empty,
    /// The input is longer than the configured limit (in bytes).
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The input is within the length limit, but its canonical text (what
    /// [`Filter`](crate::Filter) and [`Query`](crate::query::Query) print, e.g. in a next-page link)
    /// is not, so that it could not be parsed back.
    CanonicalTooLong {
        /// The limit.
        limit: usize,
        /// The canonical text's length, in bytes.
        len: usize,
    },
    /// The expression nests deeper than the configured limit.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The expression has more nodes than the configured limit.
    TooManyNodes {
        /// The limit.
        limit: usize,
    },
    /// The estimated work of running the filter on one record is over the configured limit
    /// ([`Limits::max_cost`](super::Limits::max_cost)): too many nodes inside nested lambdas.
    /// The span is the node that went over.
    TooCostly {
        /// The limit.
        limit: u64,
    },
    /// `any`/`all` lambdas nest deeper than the configured limit
    /// ([`Limits::max_lambda_depth`](super::Limits::max_lambda_depth)): with the default of
    /// 2, `a/any(x: x/b/any(y: y/c/any(z: z eq 1)))`. The span is the head of the first
    /// lambda too deep, `y/c/any(z:`.
    LambdaTooDeep {
        /// The limit.
        limit: usize,
    },
}

/// What the grammar allowed where an [`ErrorKind::Unexpected`] error occurred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A value: a literal, member path, function call or parenthesised expression.
    Value,
    /// A binary operator, or the end of the expression.
    Operator,
    /// A specific token, such as `)` or `,`.
    Token(&'static str),
    /// An identifier.
    Identifier,
    /// `,` or `)` in an argument or `in` list.
    CommaOrParen,
    /// The end of the input.
    End,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Value => f.write_str("a value"),
            Expected::Operator => f.write_str("an operator"),
            Expected::Token(t) => write!(f, "'{t}'"),
            Expected::Identifier => f.write_str("an identifier"),
            Expected::CommaOrParen => f.write_str("',' or ')'"),
            Expected::End => f.write_str("end of input"),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Unexpected { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::UnclosedParen { .. } => {
                f.write_str("unclosed '(': expected ')', found end of input")
            }
            ErrorKind::UnclosedString { .. } => {
                f.write_str("unclosed string literal: expected ', found end of input")
            }
            ErrorKind::InvalidChar(c) => write!(f, "unexpected character {c:?}"),
            ErrorKind::NumberOutOfRange => f.write_str(
                "number literal out of range (whole numbers must be below 2^96, others within a double)",
            ),
            ErrorKind::InvalidNumber => f.write_str("malformed number literal"),
            ErrorKind::InvalidDateTime(why) => write!(f, "invalid date/time literal: {why}"),
            ErrorKind::InvalidGuid => {
                f.write_str("malformed GUID literal (expected 8-4-4-4-12 hexadecimal digits)")
            }
            ErrorKind::InvalidDuration(why) => write!(f, "invalid duration literal: {why}"),
            ErrorKind::UnknownLiteralPrefix(p) => write!(
                f,
                "unknown literal prefix '{p}' (supported: duration, or a qualified enum type name)"
            ),
            ErrorKind::Geospatial(what) => write!(
                f,
                "'{what}': geospatial functions and literals are not supported (there are no \
                 Edm.Geography or Edm.Geometry types)"
            ),
            ErrorKind::QualifiedName => {
                f.write_str("qualified names are only allowed as enum literal prefixes")
            }
            ErrorKind::InvalidLambda => {
                f.write_str("expected a lambda variable and ':', as in 'tags/any(t: t eq 1)'")
            }
            ErrorKind::EmptyAll => f.write_str(
                "'all' needs a lambda variable and condition, as in 'tags/all(t: t ne 1)'; \
                 only 'any()' may be empty",
            ),
            ErrorKind::InvalidAlias => f.write_str(
                "expected a parameter alias name after '@' (a letter or '_', then letters, \
                 digits or '_'), as in '@p'",
            ),
            ErrorKind::Empty => f.write_str("expected a filter expression, found end of input"),
            ErrorKind::TooLong { limit } => {
                write!(f, "filter is longer than the limit of {limit} bytes")
            }
            ErrorKind::CanonicalTooLong { limit, len } => write!(
                f,
                "filter prints as {len} bytes in canonical form (as in next-page links), over \
                 the limit of {limit} bytes"
            ),
            ErrorKind::TooDeep { limit } => {
                write!(f, "filter nests deeper than the limit of {limit} levels")
            }
            ErrorKind::TooManyNodes { limit } => {
                write!(f, "filter has more than the limit of {limit} nodes")
            }
            ErrorKind::TooCostly { limit } => write!(
                f,
                "filter would do more than the limit of {limit} steps per record (each node \
                 inside k nested lambdas counts 100^k): simplify the conditions inside lambdas"
            ),
            ErrorKind::LambdaTooDeep { limit } => write!(
                f,
                "'any'/'all' lambdas nest deeper than the limit of {limit} levels \
                 (the parser's max_lambda_depth setting raises it)"
            ),
        }
    }
}
