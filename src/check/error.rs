//! Checker errors: every problem found in a `$filter`, each with its span.

use crate::ir::Type;
use crate::report::Report;
use crate::span::Span;
use std::fmt;

/// All the errors the checker found in one `$filter`, in source order.
///
/// `Display` renders each like a compiler, one after another:
///
/// ```text
/// error: unknown field 'machinId' on MachineAction; did you mean 'machineId'?
///   |
/// 1 | machinId eq 'x'
///   | ^^^^^^^^
///   = filterable fields: id, status, machineId, type, requestor, creationDateTimeUtc
/// ```
#[derive(Clone, PartialEq)]
pub struct Errors {
    errors: Vec<Error>,
    input: String,
}

impl Errors {
    pub(crate) fn new(mut errors: Vec<Error>, input: &str) -> Errors {
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        Errors {
            errors,
            input: input.to_owned(),
        }
    }

    /// The errors, at least one, in source order.
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// The filter text that was checked.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The first error.
    pub fn first(&self) -> &Error {
        &self.errors[0]
    }
}

impl Errors {
    /// Each error as a [`Report`], with its note.
    pub fn reports(&self) -> impl Iterator<Item = Report<'_>> + '_ {
        self.errors.iter().map(|e| {
            let report =
                Report::new(&self.input, e.kind.to_string(), e.span).maybe_note(e.kind.note());
            e.notes.iter().fold(report, |r, n| r.note(n.clone()))
        })
    }

    /// Adds `note(span)` to each error whose span meets one of `spans` (each at most once),
    /// e.g. to say which parameter alias a substituted value came from.
    pub(crate) fn annotate(&mut self, spans: &[(Span, String)]) {
        for e in &mut self.errors {
            for (span, note) in spans {
                let meets = span.start < e.span.end && e.span.start < span.end
                    || (span.start == e.span.start && span.end == e.span.end);
                if meets && !e.notes.contains(note) {
                    e.notes.push(note.clone());
                }
            }
        }
    }

    /// Renders the reports, a blank line between two, with `note` added to the last.
    pub(crate) fn render(&self, f: &mut fmt::Formatter<'_>, note: Option<&str>) -> fmt::Result {
        let last = self.errors.len() - 1;
        for (i, report) in self.reports().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let report = if i == last {
                report.maybe_note(note)
            } else {
                report
            };
            write!(f, "{report}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.render(f, None)
    }
}

impl fmt::Debug for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Errors {}

/// One checker error.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    span: Span,
    /// Notes added by the caller of the checker, such as the parameter alias a value came from.
    notes: Vec<String>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span) -> Error {
        Error {
            kind,
            span,
            notes: Vec::new(),
        }
    }

    /// Notes beyond the kind's own [`note`](ErrorKind::note): where the error's span holds a
    /// substituted parameter alias, which alias and what value.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// What is wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where, as a byte range into the filter.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// The kinds of checker error. Each variant's docs show a filter that
/// triggers it against the built-in MachineAction schema.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A name that the entity does not declare: `machinId eq 'x'`.
    UnknownField {
        /// The entity or complex type searched.
        entity: String,
        /// The name as written.
        name: String,
        /// The closest filterable name, if any is close.
        suggestion: Option<String>,
        /// The names that may be used in `$filter`.
        filterable: Vec<String>,
    },
    /// A declared field that may not be filtered on: `requestorComment eq 'x'`.
    NotFilterable {
        /// The entity or complex type.
        entity: String,
        /// The field's canonical name.
        name: String,
        /// The names that may be used in `$filter`.
        filterable: Vec<String>,
    },
    /// A non-Boolean expression where a condition is needed: `status`, `status and true`.
    NotBoolean {
        /// The type found.
        found: Type,
    },
    /// `not` applied to a non-Boolean, usually `not status eq 'x'`, which
    /// reads as `(not status) eq 'x'`.
    NotOperand {
        /// The type `not` was applied to.
        found: Type,
    },
    /// Operands whose types cannot be compared: `status eq 1`.
    Mismatch {
        /// The operator or context.
        op: &'static str,
        /// The left type.
        left: Type,
        /// The right type.
        right: Type,
    },
    /// A literal that does not fit its context: `id eq 'not-a-guid'`,
    /// `creationDateTimeUtc gt '2018-01-01'`.
    InvalidLiteral {
        /// The type needed.
        expected: Type,
        /// Why it does not fit.
        why: String,
    },
    /// A string that names no member of an enum field: `status eq 'Done'`.
    UnknownEnumMember {
        /// The enum type.
        enum_name: String,
        /// The value as written.
        value: String,
        /// The closest member, if any is close.
        suggestion: Option<String>,
        /// All members.
        members: Vec<String>,
    },
    /// An enum literal whose type no filterable field has:
    /// `Defender.Other'Pending' eq null`.
    UnknownEnumType {
        /// The type name as written.
        name: String,
    },
    /// `null` against a field that is never null: `status eq null`.
    NullNotAllowed {
        /// What was compared with null.
        what: String,
    },
    /// An ordering comparison on a type without order: `id gt 2e9da30d-27f6-4208-81f2-9cd3d67893ba`.
    NotOrdered {
        /// The operator.
        op: &'static str,
        /// The type.
        ty: Type,
    },
    /// A function the checker does not know: `startswit(type,'Run')`.
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The closest known function, if any is close.
        suggestion: Option<&'static str>,
    },
    /// A call with the wrong number of arguments: `startswith(type)`.
    Arity {
        /// The function.
        function: &'static str,
        /// How many it takes, in words.
        expected: &'static str,
        /// How many were given.
        found: usize,
    },
    /// An argument of the wrong type: `year(requestor)`.
    Argument {
        /// The function.
        function: &'static str,
        /// The 1-based argument position.
        position: usize,
        /// What it takes, in words.
        expected: &'static str,
        /// What was given.
        found: Type,
    },
    /// `any`/`all` over a field that is not a collection: `status/any(s: s eq 'x')`.
    NotACollection {
        /// The field.
        name: String,
    },
    /// A collection used outside `any`/`all`: `machineTags eq 'x'` (Machine).
    CollectionValue {
        /// The field.
        name: String,
    },
    /// A complex value compared as a whole: `relatedFileInfo eq null`.
    ComplexValue {
        /// The field.
        name: String,
        /// Its members.
        members: Vec<String>,
    },
    /// A path step below a value that has no members: `status/name eq 'x'`.
    NoMembers {
        /// The value stepped into.
        name: String,
        /// Its type.
        ty: Type,
    },
    /// A lambda variable that hides another: `a/any(x: x/b/any(x: x eq 1))`.
    DuplicateVariable {
        /// The name.
        name: String,
    },
    /// A non-literal in an `in` list: `status in (type)`.
    ListItem,
    /// A parameter alias that was never replaced by its value: `status eq @p` checked as a
    /// bare filter. [`QueryOptions::parse`](crate::query::QueryOptions::parse) substitutes
    /// aliases from the query string (`$filter=status eq @p&@p='Pending'`) before checking.
    UnresolvedAlias {
        /// The alias name, without its `@`.
        name: String,
    },
    /// A construct the crate does not support yet: arithmetic, `has`.
    Unsupported {
        /// What it is.
        what: &'static str,
    },
    /// A function or operator the service's allow-list ([`Allowed`](super::Allowed)) leaves
    /// out.
    NotAllowed {
        /// `function` or `operator`.
        kind: &'static str,
        /// Its name as OData spells it: `tolower`, `or`.
        name: String,
        /// The names of those of its kind that are allowed.
        allowed: Vec<String>,
    },
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

impl ErrorKind {
    /// A second line of help, drawn under the source line.
    pub fn note(&self) -> Option<String> {
        match self {
            ErrorKind::UnknownField { filterable, .. }
            | ErrorKind::NotFilterable { filterable, .. } => {
                Some(format!("filterable fields: {}", list(filterable)))
            }
            ErrorKind::UnknownEnumMember { members, .. } => {
                Some(format!("members: {}", list(members)))
            }
            ErrorKind::ComplexValue { members, .. } => Some(format!(
                "compare one of its members ({}), or the value itself with 'eq null' or \
                     'ne null'",
                list(members)
            )),
            ErrorKind::NotAllowed { kind, allowed, .. } if allowed.is_empty() => {
                Some(format!("this service allows no {kind} in $filter"))
            }
            ErrorKind::NotAllowed { kind, allowed, .. } => {
                Some(format!("allowed {kind}s: {}", list(allowed)))
            }
            ErrorKind::NotOperand { .. } => Some(
                "'not' binds tighter than comparisons: write 'not (a eq b)' to negate a comparison"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnknownField {
                entity,
                name,
                suggestion,
                ..
            } => {
                write!(f, "unknown field '{name}' on {entity}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                Ok(())
            }
            ErrorKind::NotFilterable { entity, name, .. } => {
                write!(f, "field '{name}' of {entity} cannot be used in $filter")
            }
            ErrorKind::NotBoolean { found } => {
                write!(f, "expected a Boolean condition, found a value of type {found}")
            }
            ErrorKind::NotOperand { found } => {
                write!(f, "'not' needs a Boolean operand, found {found}")
            }
            ErrorKind::Mismatch { op, left, right } => {
                write!(f, "cannot compare {left} with {right} using '{op}'")
            }
            ErrorKind::InvalidLiteral { expected, why } => {
                write!(f, "invalid {expected} literal: {why}")
            }
            ErrorKind::UnknownEnumMember {
                enum_name,
                value,
                suggestion,
                ..
            } => {
                write!(f, "'{value}' is not a member of {enum_name}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                Ok(())
            }
            ErrorKind::UnknownEnumType { name } => {
                write!(f, "'{name}' is not the enum type of any filterable field")
            }
            ErrorKind::NullNotAllowed { what } => {
                write!(f, "{what} is never null, so comparing it with null is meaningless")
            }
            ErrorKind::NotOrdered { op, ty } => {
                write!(f, "'{op}' cannot order {ty} values; use eq, ne or in")
            }
            ErrorKind::UnknownFunction { name, suggestion } => {
                write!(f, "unknown function '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                Ok(())
            }
            ErrorKind::Arity {
                function,
                expected,
                found,
            } => write!(f, "'{function}' takes {expected}, found {found}"),
            ErrorKind::Argument {
                function,
                position,
                expected,
                found,
            } => write!(
                f,
                "argument {position} of '{function}' must be {expected}, found {found}"
            ),
            ErrorKind::NotACollection { name } => {
                write!(f, "'{name}' is not a collection, so it has no any/all")
            }
            ErrorKind::CollectionValue { name } => write!(
                f,
                "'{name}' is a collection: test its elements with {name}/any(x: ...) or {name}/all(x: ...)"
            ),
            ErrorKind::ComplexValue { name, .. } => {
                write!(f, "'{name}' is a structured value and cannot be compared as a whole")
            }
            ErrorKind::NoMembers { name, ty } => {
                write!(f, "'{name}' is of type {ty}, which has no members")
            }
            ErrorKind::DuplicateVariable { name } => {
                write!(f, "lambda variable '{name}' is already in use")
            }
            ErrorKind::ListItem => f.write_str("'in' lists may only contain literal values"),
            ErrorKind::UnresolvedAlias { name } => write!(
                f,
                "parameter alias '@{name}' has no value here: aliases are only resolved in a \
                 query string, as in '$filter=x eq @{name}&@{name}=1'"
            ),
            ErrorKind::Unsupported { what } => write!(f, "{what} are not supported"),
            ErrorKind::NotAllowed { kind, name, .. } => {
                write!(f, "the {kind} '{name}' is not allowed by this service")
            }
        }
    }
}
