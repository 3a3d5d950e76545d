//! Query-option errors: what is wrong with a raw query string, and where.

use crate::report::Report;
use crate::span::Span;
use std::fmt;

/// A query string whose options (other than the text of `$filter`) are invalid.
///
/// The error keeps the raw query string; its span is a byte range into it, so
/// [`Display`](fmt::Display) draws it like a compiler does:
///
/// ```text
/// error: unknown query option '$stop'; did you mean '$top'?
///   |
/// 1 | $stop=10
///   | ^^^^^
///   = supported options: $filter, $top, $skip, $orderby, $select, $count, $expand
/// ```
///
/// Errors inside the `$filter` expression are not `query::Error`s: they are
/// [`syntax::Error`](crate::syntax::Error)s and [`check::Errors`](crate::check::Errors),
/// positioned in the decoded filter text (see [`crate::Error`]).
///
/// `Debug` prints the same text, so `unwrap()` stays readable.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    /// Boxed, so that results carrying the error stay small.
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    span: Span,
    input: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span, input: &str) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                span,
                input: input.to_owned(),
            }),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Where: a byte range into [`input`](Error::input), the raw query string.
    pub fn span(&self) -> Span {
        self.inner.span
    }

    /// The raw query string, as given (before percent-decoding).
    pub fn input(&self) -> &str {
        &self.inner.input
    }

    /// The error as a [`Report`], with its note.
    pub fn report(&self) -> Report<'_> {
        let Inner { kind, span, input } = &*self.inner;
        let report = Report::new(input, kind.to_string(), *span).maybe_note(kind.note());
        match *kind {
            ErrorKind::RepeatedOption { first, .. } | ErrorKind::RepeatedAlias { first, .. } => {
                report.label(first, "first given here")
            }
            _ => report,
        }
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

/// The kinds of query-option error. Each variant's docs show a query string
/// that triggers it against the built-in MachineAction schema.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An option starting with `$` that is not supported: `$stop=10`
    /// (a misspelling found in Defender's own docs; the real API rejects it too).
    UnknownOption {
        /// The name as written (decoded).
        name: String,
        /// The closest supported option, if any is close.
        suggestion: Option<&'static str>,
    },
    /// An option given twice, names compared case-insensitively: `$top=1&$TOP=2`.
    RepeatedOption {
        /// The canonical option name, e.g. `$top`.
        name: &'static str,
        /// Where the first occurrence's name is.
        first: Span,
    },
    /// A parameter alias given a value twice: `@p=1&@p=2` (names compared exactly, as OData
    /// identifiers are case-sensitive).
    RepeatedAlias {
        /// The alias name, without its `@`.
        name: String,
        /// Where the first definition's name is.
        first: Span,
    },
    /// A parameter whose name starts with `@` but is no OData identifier: `@1=x`, `@=x`.
    InvalidAliasName {
        /// The name as written (decoded), with its `@`.
        name: String,
    },
    /// The value of a parameter alias referenced in `$filter` does not parse:
    /// `$filter=id eq @p&@p='x`. The span is the place in the value where parsing failed.
    InvalidAliasValue {
        /// The alias name, without its `@`.
        name: String,
        /// What the `$filter` parser found wrong with the value.
        error: crate::syntax::ErrorKind,
    },
    /// A JSON array or object as the value of a parameter alias referenced in `$filter`:
    /// `$filter=id in @p&@p=["a","b"]`. Not supported yet.
    JsonAliasValue {
        /// The alias name, without its `@`.
        name: String,
    },
    /// The value of a parameter alias refers to another alias: `$filter=id eq @p&@p=@q`.
    NestedAlias {
        /// The alias whose value it is, without its `@`.
        name: String,
        /// The alias referred to, without its `@`.
        inner: String,
    },
    /// A `%` not followed by two hexadecimal digits: `$filter=id eq %zz`.
    InvalidEscape,
    /// Percent-encoded bytes that do not form UTF-8: `$filter=requestor eq '%ff'`.
    InvalidUtf8,
    /// An option with an empty (or all-space) value: `$filter=`, `$top`.
    EmptyValue {
        /// The canonical option name.
        name: &'static str,
    },
    /// A `$top` that is not a non-negative integer: `$top=-1`, `$top=ten`.
    InvalidTop {
        /// The value as written (decoded, trimmed).
        value: String,
        /// The largest `$top` accepted.
        max: u64,
    },
    /// A `$top` above the configured maximum page size: `$top=10001`.
    TopTooLarge {
        /// The largest `$top` accepted (10,000 by default, as in Defender).
        max: u64,
    },
    /// A `$skip` that is not an integer from 0 to 2^63 - 1: `$skip=-5`.
    InvalidSkip {
        /// The value as written (decoded, trimmed).
        value: String,
    },
    /// A `$count` other than `true` or `false`: `$count=yes`.
    InvalidCount {
        /// The value as written (decoded, trimmed).
        value: String,
    },
    /// A malformed `$orderby` item: `$orderby=id up`, `$orderby=id desc x`.
    InvalidOrderBy {
        /// What the grammar allows here, in words.
        expected: &'static str,
        /// What was found instead.
        found: String,
    },
    /// An `$orderby` field that the entity declares but does not allow sorting on:
    /// `$orderby=requestorComment`.
    NotSortable {
        /// The entity.
        entity: String,
        /// The field's canonical name.
        name: String,
        /// The fields that may be used in `$orderby`.
        sortable: Vec<String>,
    },
    /// An `$orderby` name that the entity does not declare: `$orderby=created`.
    UnknownOrderBy {
        /// The entity.
        entity: String,
        /// The name as written.
        name: String,
        /// The closest sortable field, if any is close.
        suggestion: Option<String>,
        /// The fields that may be used in `$orderby`.
        sortable: Vec<String>,
    },
    /// A `$select` name that the entity does not declare: `$select=id,stauts`.
    UnknownSelect {
        /// The entity.
        entity: String,
        /// The name as written.
        name: String,
        /// The closest declared field, if any is close.
        suggestion: Option<String>,
        /// The fields that may be selected.
        fields: Vec<String>,
    },
    /// An `$expand` of something that is not a declared structured or collection
    /// field: `$expand=status` (Alert accepts `$expand=evidence`).
    InvalidExpand {
        /// The entity.
        entity: String,
        /// The value as written.
        name: String,
        /// The fields that may be expanded.
        expandable: Vec<String>,
    },
    /// An empty item in a comma-separated list: `$select=id,,status`, `$orderby=id,`.
    EmptyItem {
        /// The canonical option name.
        name: &'static str,
    },
    /// The same field twice in `$orderby`, `$select` or `$expand`: `$select=id,ID`.
    DuplicateItem {
        /// The canonical option name.
        option: &'static str,
        /// The field's canonical name.
        name: String,
    },
}

impl ErrorKind {
    /// A second line of help, drawn under the source line.
    pub fn note(&self) -> Option<String> {
        match self {
            ErrorKind::UnknownOption { .. } => Some(format!(
                "supported options: {}",
                super::OPTION_NAMES.join(", ")
            )),
            ErrorKind::InvalidTop { max, .. } | ErrorKind::TopTooLarge { max } => {
                Some(format!("$top takes an integer from 0 to {max}"))
            }
            ErrorKind::InvalidSkip { .. } => Some(format!(
                "$skip takes an integer from 0 to {}",
                super::MAX_SKIP
            )),
            ErrorKind::NotSortable { sortable, .. }
            | ErrorKind::UnknownOrderBy { sortable, .. } => {
                Some(format!("sortable fields: {}", list(sortable)))
            }
            ErrorKind::UnknownSelect { fields, .. } => Some(format!("fields: {}", list(fields))),
            ErrorKind::InvalidExpand { expandable, .. } => Some(format!(
                "expandable fields: {}",
                if expandable.is_empty() {
                    "none".to_owned()
                } else {
                    list(expandable)
                }
            )),
            _ => None,
        }
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

fn did_you_mean(f: &mut fmt::Formatter<'_>, suggestion: Option<&str>) -> fmt::Result {
    match suggestion {
        Some(s) => write!(f, "; did you mean '{s}'?"),
        None => Ok(()),
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnknownOption { name, suggestion } => {
                write!(f, "unknown query option '{name}'")?;
                did_you_mean(f, *suggestion)
            }
            ErrorKind::RepeatedOption { name, .. } => {
                write!(f, "query option '{name}' is given more than once")
            }
            ErrorKind::RepeatedAlias { name, .. } => {
                write!(
                    f,
                    "parameter alias '@{name}' is given a value more than once"
                )
            }
            ErrorKind::InvalidAliasName { name } => write!(
                f,
                "invalid parameter alias name '{name}': expected '@' and an identifier (a \
                 letter or '_', then letters, digits or '_')"
            ),
            ErrorKind::InvalidAliasValue { name, error } => {
                write!(f, "invalid value of parameter alias '@{name}': {error}")
            }
            ErrorKind::JsonAliasValue { name } => write!(
                f,
                "the value of parameter alias '@{name}' is a JSON array or object, which is \
                 not supported; give a literal such as 'text', 42 or 2024-01-31"
            ),
            ErrorKind::NestedAlias { name, inner } => write!(
                f,
                "the value of parameter alias '@{name}' refers to another alias, '@{inner}'; \
                 alias values must not contain aliases"
            ),
            ErrorKind::InvalidEscape => f.write_str(
                "invalid percent-encoding: '%' must be followed by two hexadecimal digits",
            ),
            ErrorKind::InvalidUtf8 => f.write_str("percent-encoded bytes are not valid UTF-8"),
            ErrorKind::EmptyValue { name } => write!(f, "query option '{name}' has no value"),
            ErrorKind::InvalidTop { value, .. } => write!(
                f,
                "invalid $top value '{value}': expected a non-negative integer"
            ),
            ErrorKind::TopTooLarge { max } => {
                write!(f, "$top is larger than the maximum page size of {max}")
            }
            ErrorKind::InvalidSkip { value } => write!(
                f,
                "invalid $skip value '{value}': expected a non-negative integer"
            ),
            ErrorKind::InvalidCount { value } => write!(
                f,
                "invalid $count value '{value}': expected 'true' or 'false'"
            ),
            ErrorKind::InvalidOrderBy { expected, found } => {
                write!(f, "invalid $orderby: expected {expected}, found {found}")
            }
            ErrorKind::NotSortable { entity, name, .. } => {
                write!(f, "field '{name}' of {entity} cannot be used in $orderby")
            }
            ErrorKind::UnknownOrderBy {
                entity,
                name,
                suggestion,
                ..
            } => {
                write!(f, "unknown field '{name}' on {entity} in $orderby")?;
                did_you_mean(f, suggestion.as_deref())
            }
            ErrorKind::UnknownSelect {
                entity,
                name,
                suggestion,
                ..
            } => {
                write!(f, "unknown field '{name}' on {entity} in $select")?;
                did_you_mean(f, suggestion.as_deref())
            }
            ErrorKind::InvalidExpand { entity, name, .. } => {
                write!(f, "cannot expand '{name}' on {entity}")
            }
            ErrorKind::EmptyItem { name } => write!(f, "empty item in {name}"),
            ErrorKind::DuplicateItem { option, name } => {
                write!(f, "'{name}' appears more than once in {option}")
            }
        }
    }
}
