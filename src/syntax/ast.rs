//! The spanned syntax tree of a `$filter` expression, faithful to its concrete syntax.
//!
//! Every node carries the byte [`Span`] it was parsed from. Spans take no part
//! in equality, so tests can compare a parsed tree with one built by hand.
//! Parentheses are not nodes: [`Display`](std::fmt::Display) (in `print.rs`)
//! puts back exactly the ones the precedence table needs.

use crate::span::Span;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta};

/// An expression node: what it is, and where it was written.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it was written; for nodes built by hand, any span.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

impl Expr {
    /// A node of the given kind with an empty span, for trees built by hand.
    pub fn new(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal value: `'text'`, `42`, `2018-08-01Z`, `null`, ...
    Literal(Literal),
    /// A member path: `status`, `relatedFileInfo/fileIdentifier`, or a lambda variable.
    Path(Path),
    /// A chain of two or more operands joined by the same logical operator:
    /// `a and b and c`. Chains are flattened while parsing, so a long `or`
    /// chain is one node, not a deep tree.
    Logical {
        /// `and` or `or`.
        op: LogicalOp,
        /// The operands, at least two, in source order.
        operands: Vec<Expr>,
    },
    /// A binary comparison or arithmetic operation: `a eq b`, `a add 1`, `a has E'x'`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// A unary operation: `not a`, `-a`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `expr in (item, ...)`; the list may be empty.
    In {
        /// The value looked for.
        expr: Box<Expr>,
        /// The parenthesised list.
        list: Vec<Expr>,
    },
    /// A function call by name: `startswith(computerDnsName,'mymachine')`.
    Call {
        /// The function name as written (names are matched case-insensitively).
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A lambda over a collection: `machineTags/any(tag: tag eq 'x')`, `tags/any()`.
    Lambda {
        /// The collection.
        path: Path,
        /// `any` or `all`.
        kind: LambdaKind,
        /// The variable and predicate; `None` for the empty `any()`.
        body: Option<(Ident, Box<Expr>)>,
    },
    /// A parameter alias, `@p`: a value given elsewhere in the query string (`@p='x'`).
    ///
    /// The identifier is the name without its `@`; its span covers the `@`. The query layer
    /// ([`QueryOptions::parse`](crate::query::QueryOptions::parse)) replaces every alias by
    /// its value before checking; the checker refuses a tree that still holds one.
    Alias(Ident),
}

/// An identifier as written, with its span.
#[derive(Clone, Debug)]
pub struct Ident {
    /// The identifier text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, other: &Ident) -> bool {
        self.name == other.name
    }
}

impl Ident {
    /// An identifier with an empty span, for trees built by hand.
    pub fn new(name: impl Into<String>) -> Ident {
        Ident {
            name: name.into(),
            span: Span::default(),
        }
    }
}

/// A member path: one or more identifiers separated by `/`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The segments, at least one.
    pub segments: Vec<Ident>,
}

impl Path {
    /// The span from the first to the last segment.
    pub fn span(&self) -> Span {
        match (self.segments.first(), self.segments.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => Span::default(),
        }
    }
}

/// `and` / `or`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicalOp {
    /// `and`
    And,
    /// `or`
    Or,
}

/// Binary operators other than `and`/`or`, which form [`ExprKind::Logical`] chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
    /// `has`
    Has,
    /// `add`
    Add,
    /// `sub`
    Sub,
    /// `mul`
    Mul,
    /// `div`
    Div,
    /// `divby`
    DivBy,
    /// `mod`
    Mod,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-` (negation)
    Neg,
}

/// `any` / `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LambdaKind {
    /// `any`: some element satisfies the predicate (or, with no body, the collection is not empty).
    Any,
    /// `all`: every element satisfies the predicate.
    All,
}

/// Binding strength in the OData 4.01 precedence table (§5.1.1.15), lowest first.
///
/// `has` and `in` are primary operators and bind tighter than the unary ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Precedence {
    /// `or`
    Or,
    /// `and`
    And,
    /// `eq`, `ne`
    Equality,
    /// `gt`, `ge`, `lt`, `le`
    Relational,
    /// `add`, `sub`
    Additive,
    /// `mul`, `div`, `divby`, `mod`
    Multiplicative,
    /// `not`, `-`
    Unary,
    /// `has`, `in`
    Primary,
    /// literals, paths, calls, lambdas, parenthesised expressions
    Atom,
}

impl Precedence {
    /// The next row up: the right operand of a left-associative operator at
    /// this row must bind at least this tightly.
    pub(crate) fn tighter(self) -> Precedence {
        match self {
            Precedence::Or => Precedence::And,
            Precedence::And => Precedence::Equality,
            Precedence::Equality => Precedence::Relational,
            Precedence::Relational => Precedence::Additive,
            Precedence::Additive => Precedence::Multiplicative,
            Precedence::Multiplicative => Precedence::Unary,
            Precedence::Unary => Precedence::Primary,
            Precedence::Primary | Precedence::Atom => Precedence::Atom,
        }
    }
}

impl BinaryOp {
    /// All binary operators, for tests and generators.
    pub const ALL: [BinaryOp; 13] = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Has,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::DivBy,
        BinaryOp::Mod,
    ];

    /// The keyword, in canonical lower case.
    pub fn keyword(self) -> &'static str {
        match self {
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::Has => "has",
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::DivBy => "divby",
            BinaryOp::Mod => "mod",
        }
    }

    /// The operator's row in the precedence table.
    pub(crate) fn precedence(self) -> Precedence {
        match self {
            BinaryOp::Eq | BinaryOp::Ne => Precedence::Equality,
            BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Lt | BinaryOp::Le => Precedence::Relational,
            BinaryOp::Add | BinaryOp::Sub => Precedence::Additive,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::DivBy | BinaryOp::Mod => {
                Precedence::Multiplicative
            }
            BinaryOp::Has => Precedence::Primary,
        }
    }

    /// Whether this is one of the six comparison operators.
    pub fn is_comparison(self) -> bool {
        self.precedence() == Precedence::Equality || self.precedence() == Precedence::Relational
    }
}

impl LogicalOp {
    /// The keyword, in canonical lower case.
    pub fn keyword(self) -> &'static str {
        match self {
            LogicalOp::And => "and",
            LogicalOp::Or => "or",
        }
    }

    /// The operator's row in the precedence table.
    pub(crate) fn precedence(self) -> Precedence {
        match self {
            LogicalOp::And => Precedence::And,
            LogicalOp::Or => Precedence::Or,
        }
    }
}

impl LambdaKind {
    /// The keyword, in canonical lower case.
    pub fn keyword(self) -> &'static str {
        match self {
            LambdaKind::Any => "any",
            LambdaKind::All => "all",
        }
    }
}

/// A literal value.
///
/// Equality is structural, except that every `NaN` equals every other `NaN`, and decimals
/// are equal when their values are (`1.5` and `1.50`), so trees compare equal after a print
/// and parse round trip.
#[derive(Clone, Debug)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer in the i64 range: `42`, `-7`.
    Int(i64),
    /// A number with a fraction or exponent, or an integer beyond i64, held exactly as
    /// written: `1.5`, `2e10`, `3258.678765765489753678965390`, `12345678901234567890.12`.
    ///
    /// Its type comes from what it is compared with: next to an Edm.Double it is the nearest
    /// binary float (correctly rounded); elsewhere it keeps every digit. Numbers with more
    /// digits than a decimal holds exactly (28 decimal places and a coefficient below 2^96)
    /// are [`Literal::Float`] instead.
    Decimal(crate::value::Decimal),
    /// `INF`, `-INF`, `NaN`, or a number with a fraction or exponent and more digits than a
    /// [`Literal::Decimal`] holds (`1e300`, `1e-30`), as the nearest binary float. The checker
    /// refuses a finite one next to an Edm.Decimal, which it would round.
    Float(f64),
    /// A string; `''` in the source is one `'` here.
    String(String),
    /// A GUID: `2e9da30d-27f6-4208-81f2-9cd3d67893ba` (case-insensitive in the source).
    Guid(u128),
    /// A date: `2018-08-01`.
    Date(NaiveDate),
    /// A date followed by `Z`, meaning midnight UTC: `2018-08-01Z`.
    ///
    /// Not in the OData ABNF; Microsoft's own Defender for Endpoint examples use it.
    DateUtc(NaiveDate),
    /// A DateTimeOffset: `2024-08-27T10:15:30.1234567Z`, `2018-12-04T12:00:00+02:00`.
    /// Precision is the nanosecond.
    DateTimeOffset(DateTime<FixedOffset>),
    /// A time of day: `13:20:00`, `13:20`.
    TimeOfDay(NaiveTime),
    /// A duration: `duration'P1DT2H'` (days, hours, minutes, seconds; nanosecond precision).
    Duration(TimeDelta),
    /// An enum literal: `Namespace.Type'Member'` or `Namespace.Type'A,B'` (flags).
    Enum {
        /// The qualified type name, `Namespace.Type`.
        type_name: String,
        /// The member text between the quotes.
        value: String,
    },
}

impl PartialEq for Literal {
    fn eq(&self, other: &Literal) -> bool {
        use Literal::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Float(a), Float(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (String(a), String(b)) => a == b,
            (Guid(a), Guid(b)) => a == b,
            (Date(a), Date(b)) | (DateUtc(a), DateUtc(b)) => a == b,
            // The same instant written with the same offset.
            (DateTimeOffset(a), DateTimeOffset(b)) => a == b && a.offset() == b.offset(),
            (TimeOfDay(a), TimeOfDay(b)) => a == b,
            (Duration(a), Duration(b)) => a == b,
            (
                Enum {
                    type_name: t1,
                    value: v1,
                },
                Enum {
                    type_name: t2,
                    value: v2,
                },
            ) => t1 == t2 && v1 == v2,
            _ => false,
        }
    }
}
