//! Translation of a checked expression into a condition with the evaluator's null semantics.
//!
//! # Null semantics
//!
//! The evaluator's comparisons are two-valued (`x eq 1` is false, not null, when `x` is null)
//! while `and`, `or` and `not` are three-valued, as in SQL. SQL's `x = $1` is null when `x` is;
//! under `not` that null stays null where the evaluator has true. So every comparison is
//! written so that its *observable* outcome matches:
//!
//! * Each condition is translated in a [`Mode`] saying which outcome the context observes. The
//!   `WHERE` clause observes only truth (null and false both drop the row), `not` turns that
//!   into observing only falsehood, and a condition used as a value observes all three. `and`
//!   and `or` pass the mode on unchanged: a conjunction is true (false) exactly when all
//!   (some) operands are, so operands that are right about truth (falsehood) make it right.
//! * Where only truth is observed, `x = $1` and `x > $1` are exact as they are (null is not
//!   true, and the comparison is false in the evaluator), and stay sargable.
//! * Elsewhere a null operand must give false: `(x = $1 AND x IS NOT NULL)`.
//! * `ne` is true for a null operand: `(x <> $1 OR x IS NULL)` in every mode.
//! * `eq null` / `ne null` are `IS NULL` / `IS NOT NULL`; two non-constant operands use the
//!   dialect's null-safe equality.
//! * `in` is `x IN (...)` over the non-null items, `OR x IS NULL` when `null` is listed. Two
//!   or more operands of one `or` that test one field against constants (`x eq 'a' or 'b' eq
//!   x or x in (...)`) are written as one such `in`, where the first of them stands.
//! * Functions propagate null as in the evaluator; lambdas are `EXISTS` subqueries, which
//!   are never null.
//!
//! # Constants outside a column's encoding
//!
//! Comparisons fold what the storage cannot hold: an integer column against `2.5` becomes
//! `>= 3`, `eq 2.5` is false, and an instant after the year 9999 in UTC is greater than every
//! stored instant, so `t lt 9999-12-31T23:00:00-05:00` is `t IS NOT NULL`. NaN equals nothing. A decimal the
//! dialect cannot hold exactly ([`Dialect::exact_decimals`]) is refused, with its span.

use super::dialect::{Dialect, TextMatch};
use super::error::{Error, ErrorKind};
use super::params::{Params, SqlType, SqlValue};
use super::storage::{
    at_nanos, check_column, column_type, encode, encode_stored, for_dialect, ident,
    inexact_decimal, is_exact_f64, nanos_of, sql_type, unit_of, Encoded,
};
use crate::decimal::IntBound;
use crate::ir::{CmpOp, Expr, ExprKind, FieldRef, Function, LambdaKind, Type};
use crate::schema::{EntitySchema, Field, FieldType, Storage};
use crate::span::Span;
use crate::value::Value;

/// Which outcomes of a condition its context observes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Only whether it is true (a `WHERE` clause): null may stand for false.
    True,
    /// Only whether it is false (under one `not`): null may stand for true.
    False,
    /// True, false and null alike (a condition used as a value).
    Exact,
}

impl Mode {
    /// The mode of the operand of `not`.
    fn negate(self) -> Mode {
        match self {
            Mode::True => Mode::False,
            Mode::False => Mode::True,
            Mode::Exact => Mode::Exact,
        }
    }
}

/// A comparison with a constant, after folding what the encoding cannot hold.
#[derive(Debug)]
enum Folded {
    /// Always this outcome (for non-null and null operands alike).
    Always(bool),
    /// True exactly when the operand is not null.
    NotNull,
    /// `x op param`.
    Param(CmpOp, SqlValue, SqlType),
}

/// 2^63, the first float above every `i64`.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Translates checked expressions for one dialect, collecting parameters.
pub(crate) struct Translator<'a> {
    dialect: &'a dyn Dialect,
    /// The schema whose table the record columns belong to.
    schema: &'a EntitySchema,
    pub(crate) params: Params,
    /// The quoted table name, for qualifying record columns inside subqueries.
    table: String,
    /// How many lambdas enclose the expression being translated.
    depth: usize,
    /// For each enclosing lambda, outermost first, whether it ranges over a native array
    /// (rather than a JSON array).
    native_arrays: Vec<bool>,
}

impl<'a> Translator<'a> {
    /// A translator for `dialect` over `schema`'s table `table`, which qualifies record
    /// columns inside lambdas.
    pub(crate) fn new(
        dialect: &'a dyn Dialect,
        schema: &'a EntitySchema,
        table: &str,
    ) -> Result<Translator<'a>, Error> {
        let lower = table.to_ascii_lowercase();
        if lower.len() > 2
            && lower.starts_with("_e")
            && lower[2..].bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::new(ErrorKind::Schema {
                why: format!("table name {table:?} is reserved for lambda variables"),
            }));
        }
        Ok(Translator {
            dialect,
            schema,
            params: Params::new(),
            table: ident(dialect, table)?,
            depth: 0,
            native_arrays: Vec::new(),
        })
    }

    /// The `WHERE` condition for `e`.
    pub(crate) fn condition(&mut self, e: &Expr) -> Result<String, Error> {
        self.cond(&crate::ir::normalize(e), Mode::True)
    }

    fn cond(&mut self, e: &Expr, mode: Mode) -> Result<String, Error> {
        let d = self.dialect;
        Ok(match e.kind() {
            ExprKind::Const(Value::Bool(b)) => self.literal(*b),
            ExprKind::Const(_) => "(1 = NULL)".to_owned(),
            // 0/1 integers: 1 is true.
            ExprKind::Field(r) if storage_of(e) == Storage::Integer => {
                format!("({} = 1)", self.field(r)?)
            }
            ExprKind::Field(r) => d.bool_condition(&self.field(r)?),
            ExprKind::Not(x) => format!("(NOT {})", self.cond(x, mode.negate())?),
            ExprKind::And(xs) => self.junction(xs, " AND ", mode)?,
            ExprKind::Or(xs) => self.disjunction(xs, mode)?,
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs, mode, e.span())?,
            ExprKind::In { expr, list } => self.in_list(expr, list, mode, e.span())?,
            ExprKind::Call { func, args } => match text_match(*func) {
                Some(kind) => self.text_match(kind, args)?,
                None => d.bool_condition(&self.call(*func, args, e.span())?),
            },
            ExprKind::Lambda {
                kind,
                collection,
                predicate,
                ..
            } => self.lambda(*kind, collection, predicate.as_deref())?,
        })
    }

    fn literal(&self, b: bool) -> String {
        if b {
            self.dialect.true_condition()
        } else {
            self.dialect.false_condition()
        }
    }

    fn junction(&mut self, xs: &[Expr], op: &str, mode: Mode) -> Result<String, Error> {
        let parts = xs
            .iter()
            .map(|x| self.cond(x, mode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(balanced(&parts, op))
    }

    /// `or` of `xs` (which [`ir::normalize`](crate::ir::normalize) has given one `in` per
    /// field tested against constants).
    fn disjunction(&mut self, xs: &[Expr], mode: Mode) -> Result<String, Error> {
        let parts = xs
            .iter()
            .map(|e| self.cond(e, mode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(balanced(&parts, " OR "))
    }

    // -------------------------------------------------------------------------------------
    // Comparisons

    fn compare(
        &mut self,
        op: CmpOp,
        l: &Expr,
        r: &Expr,
        mode: Mode,
        span: Span,
    ) -> Result<String, Error> {
        let (op, x, c, at) = match (constant(l), constant(r)) {
            (Some(a), Some(b)) => return Ok(self.literal(fold(op, a, b))),
            (Some(a), None) => (op.flip(), r, a, l.span()),
            (None, Some(b)) => (op, l, b, r.span()),
            (None, None) => return self.compare_values(op, l, r, mode, span),
        };
        if c.is_null() {
            if x.ty()
                .field_type()
                .is_some_and(|t| t.as_complex().is_some())
            {
                return Err(Error::unsupported(self.dialect.name(), STRUCTURED_NULL).at(span));
            }
            let x = self.value(x)?;
            return Ok(match op {
                CmpOp::Eq => format!("({x} IS NULL)"),
                CmpOp::Ne => format!("({x} IS NOT NULL)"),
                // An ordering with null is false (never null), as in the evaluator.
                _ => self.literal(false),
            });
        }
        match fold_constant(op, x, c, self.dialect).map_err(|e| e.at(at))? {
            Folded::Always(b) => Ok(self.literal(b)),
            Folded::NotNull => Ok(format!("({} IS NOT NULL)", self.value(x)?)),
            Folded::Param(op, v, ty) => {
                let x_sql = self.value(x)?;
                let p = self.bind(v, ty, at)?;
                Ok(two_valued(op, &x_sql, &p, mode))
            }
        }
    }

    /// Binds `v` of SQL type `ty`, a decimal as the dialect holds it; a decimal it cannot
    /// hold exactly is refused, at `span`.
    fn bind(&mut self, v: SqlValue, ty: SqlType, span: Span) -> Result<String, Error> {
        if let SqlValue::Text(t) = &v {
            self.text_literal(t, span)?;
        }
        let v = for_dialect(v, self.dialect)
            .map_err(|d| Error::unsupported(self.dialect.name(), inexact_decimal(&d)).at(span))?;
        Ok(self.params.bind(v, ty))
    }

    /// Refuses the string literal `t`, at `span`, when it holds U+0000 and the dialect's text
    /// cannot ([`Dialect::supports_nul_in_text`]).
    fn text_literal(&self, t: &str, span: Span) -> Result<(), Error> {
        if t.contains('\0') && !self.dialect.supports_nul_in_text() {
            return Err(Error::unsupported(self.dialect.name(), NUL_IN_TEXT).at(span));
        }
        Ok(())
    }

    fn compare_values(
        &mut self,
        op: CmpOp,
        l: &Expr,
        r: &Expr,
        mode: Mode,
        span: Span,
    ) -> Result<String, Error> {
        if let Some(why) = date_with_instant(l, r) {
            return Err(Error::unsupported(self.dialect.name(), why).at(span));
        }
        if let Some(why) = inexact_comparison(l, r) {
            return Err(Error::unsupported(self.dialect.name(), why).at(span));
        }
        let (mut a, mut b) = (self.value(l)?, self.value(r)?);
        let d = self.dialect;
        // OData's numeric promotion: an integer or a decimal compared with a Double.
        if l.ty().promotes_to_double_with(r.ty()) {
            (a, b) = (d.to_double(&a), d.to_double(&b));
        }
        Ok(match op {
            CmpOp::Eq => d.null_safe_eq(&a, &b),
            CmpOp::Ne => format!("(NOT {})", d.null_safe_eq(&a, &b)),
            _ if mode == Mode::True => format!("({a} {} {b})", sql_op(op)),
            _ => format!(
                "({a} {} {b} AND {a} IS NOT NULL AND {b} IS NOT NULL)",
                sql_op(op)
            ),
        })
    }

    fn in_list<'v>(
        &mut self,
        x: &Expr,
        list: impl IntoIterator<Item = &'v Value>,
        mode: Mode,
        span: Span,
    ) -> Result<String, Error> {
        let mut has_null = false;
        let mut items = Vec::new();
        for v in list {
            if v.is_null() {
                has_null = true;
                continue;
            }
            if let Folded::Param(_, v, ty) =
                fold_constant(CmpOp::Eq, x, v, self.dialect).map_err(|e| e.at(span))?
            {
                let p = self.bind(v, ty, span)?;
                items.push(p);
            }
            // Otherwise the item equals nothing stored (2.5 for an integer, NaN, year 3000).
        }
        if items.is_empty() && !has_null {
            return Ok(self.literal(false));
        }
        let x = self.value(x)?;
        let is_in = format!("{x} IN ({})", items.join(", "));
        Ok(match (items.is_empty(), has_null) {
            (true, _) => format!("({x} IS NULL)"),
            (false, true) => format!("({is_in} OR {x} IS NULL)"),
            (false, false) if mode == Mode::True => format!("({is_in})"),
            (false, false) => format!("({is_in} AND {x} IS NOT NULL)"),
        })
    }

    // -------------------------------------------------------------------------------------
    // Values

    /// The SQL of a non-condition value, or of a condition used as a Boolean value.
    fn value(&mut self, e: &Expr) -> Result<String, Error> {
        self.value_as(e, SqlType::Text)
    }

    /// Like [`value`](Self::value); a bare `null` is bound with SQL type `hint`.
    fn value_as(&mut self, e: &Expr, hint: SqlType) -> Result<String, Error> {
        match e.kind() {
            ExprKind::Const(v) => {
                let ty = e.ty().field_type().and_then(sql_type).unwrap_or(hint);
                match encode(v) {
                    Encoded::Value(v) => self.bind(v, ty, e.span()),
                    Encoded::Above | Encoded::Below => Err(Error::new(ErrorKind::OutOfRange {
                        what: format!(
                            "{v} cannot be passed to a function: instants and dates are \
                             stored in the years 0000 to 9999 UTC"
                        ),
                    })
                    .at(e.span())),
                }
            }
            ExprKind::Field(r) => self.field(r),
            ExprKind::Call { func, args } if text_match(*func).is_none() => {
                self.call(*func, args, e.span())
            }
            _ => {
                let c = self.cond(e, Mode::Exact)?;
                Ok(self.dialect.bool_value(&c))
            }
        }
    }

    fn field(&mut self, r: &FieldRef) -> Result<String, Error> {
        let Some(leaf) = r.field() else {
            // The lambda element itself.
            return self.element(r, &[]);
        };
        if r.var == 0 {
            check_column(self.schema, leaf.column())?;
            let col = ident(self.dialect, leaf.column())?;
            return Ok(if self.depth > 0 {
                format!("{}.{col}", self.table)
            } else {
                col
            });
        }
        let names: Vec<&str> = r.path.iter().map(|f| f.name()).collect();
        self.element(r, &names)
    }

    fn element(&mut self, r: &FieldRef, path: &[&str]) -> Result<String, Error> {
        if self.native_arrays.get(r.var - 1) == Some(&true) {
            return self.dialect.native_array_element(&alias(r.var));
        }
        let ty = sql_type(&r.ty).unwrap_or(SqlType::Json);
        self.dialect.json_value(&alias(r.var), path, ty)
    }

    // -------------------------------------------------------------------------------------
    // Functions

    /// The SQL of the call of `func` on `args` written at `span`.
    fn call(&mut self, func: Function, args: &[Expr], span: Span) -> Result<String, Error> {
        let d = self.dialect;
        let arg = |t: &mut Self, i: usize, hint: SqlType| match args.get(i) {
            Some(a) => t.value_as(a, hint),
            None => Err(Error::unsupported(
                d.name(),
                format!("{}() with {} arguments", func.name(), args.len()),
            )),
        };
        let text = SqlType::Text;
        Ok(match func {
            Function::Length => d.char_length(&arg(self, 0, text)?),
            Function::IndexOf => {
                let (s, sub) = (arg(self, 0, text)?, arg(self, 1, text)?);
                format!("({} - 1)", d.position(&sub, &s))
            }
            Function::Substring => {
                let s = arg(self, 0, text)?;
                let Some(start) = args.get(1) else {
                    return arg(self, 1, SqlType::Int);
                };
                let start = self.start_position(start)?;
                let len = match args.get(2) {
                    Some(len) => Some(self.length_arg(len)?),
                    None => None,
                };
                d.substring(
                    &s,
                    &d.to_int32(&start),
                    len.map(|l| d.to_int32(&l)).as_deref(),
                )
            }
            Function::ToLower | Function::ToUpper => {
                let s = arg(self, 0, text)?;
                d.case_map(&s, func == Function::ToUpper).ok_or_else(|| {
                    Error::unsupported(d.name(), format!("{}() {NO_CASE_MAP}", func.name()))
                        .at(span)
                })?
            }
            Function::Trim => d.trim_spaces(&arg(self, 0, text)?),
            Function::Concat => {
                let (a, b) = (arg(self, 0, text)?, arg(self, 1, text)?);
                d.concat(&a, &b)
            }
            Function::Year
            | Function::Month
            | Function::Day
            | Function::Hour
            | Function::Minute
            | Function::Second
            | Function::Date
            | Function::Time => {
                let storage = args.first().map_or(Storage::Default, storage_of);
                let native_ty = args.first().and_then(record_field).and_then(column_type);
                let x = arg(self, 0, text)?;
                match (storage, native_ty) {
                    (Storage::Native, Some(ty)) => d.native_part(&x, ty, func)?,
                    // RFC 3339 text in UTC starts as the crate's own text does.
                    (Storage::Default | Storage::Rfc3339Utc, _) if func == Function::Date => {
                        d.substring(&x, "1", Some("10"))
                    }
                    // The time of day is the last part of the crate's own text.
                    (Storage::Default, _) if func == Function::Time => {
                        d.substring(&x, "12", Some("18"))
                    }
                    (Storage::Default | Storage::Rfc3339Utc, _) if func != Function::Time => {
                        let (start, len) = calendar_field(func, arg_type(args));
                        d.to_int32(&d.substring(&x, start, Some(len)))
                    }
                    _ => {
                        let ty = arg_type(args).map_or("a value".to_owned(), |t| format!("an {t}"));
                        return Err(Error::unsupported(
                            d.name(),
                            format!("{}() of {ty} stored as `{storage}`", func.name()),
                        ));
                    }
                }
            }
            // The checker writes these as constants.
            Function::Now | Function::MaxDateTime | Function::MinDateTime => {
                return Err(Error::unsupported(
                    d.name(),
                    format!("{}() as a call", func.name()),
                ))
            }
            Function::Round => d.round(&arg(self, 0, SqlType::Number)?),
            Function::Floor => d.floor(&arg(self, 0, SqlType::Number)?),
            Function::Ceiling => d.ceiling(&arg(self, 0, SqlType::Number)?),
            Function::Contains | Function::StartsWith | Function::EndsWith => {
                let c = self.cond_call(func, args, span)?;
                d.bool_value(&c)
            }
        })
    }

    fn cond_call(&mut self, func: Function, args: &[Expr], span: Span) -> Result<String, Error> {
        match text_match(func) {
            Some(kind) => self.text_match(kind, args),
            None => self.call(func, args, span),
        }
    }

    /// The 1-based start of `substring` for a 0-based `start`: negative counts as 0, and the
    /// result is kept within 32 bits.
    fn start_position(&mut self, start: &Expr) -> Result<String, Error> {
        if let ExprKind::Const(Value::Int(i)) = start.kind() {
            let one_based = (*i).clamp(0, i64::from(i32::MAX) - 1) + 1;
            return Ok(self.params.bind(SqlValue::Int(one_based), SqlType::Int));
        }
        let s = self.value_as(start, SqlType::Int)?;
        Ok(format!(
            "CASE WHEN {s} < 0 THEN 1 WHEN {s} > 2147483646 THEN 2147483647 ELSE {s} + 1 END"
        ))
    }

    /// The length argument of `substring`: negative counts as 0, kept within 32 bits.
    fn length_arg(&mut self, len: &Expr) -> Result<String, Error> {
        if let ExprKind::Const(Value::Int(i)) = len.kind() {
            let clamped = (*i).clamp(0, i64::from(i32::MAX));
            return Ok(self.params.bind(SqlValue::Int(clamped), SqlType::Int));
        }
        let l = self.value_as(len, SqlType::Int)?;
        Ok(format!(
            "CASE WHEN {l} < 0 THEN 0 WHEN {l} > 2147483647 THEN 2147483647 ELSE {l} END"
        ))
    }

    fn text_match(&mut self, kind: TextMatch, args: &[Expr]) -> Result<String, Error> {
        let d = self.dialect;
        let (Some(s), Some(t)) = (args.first(), args.get(1)) else {
            return Err(Error::unsupported(
                d.name(),
                "a text match without 2 arguments",
            ));
        };
        let s = self.value_as(s, SqlType::Text)?;
        if let ExprKind::Const(Value::String(lit)) = t.kind() {
            self.text_literal(lit, t.span())?;
            return d
                .text_match(kind, &s, lit, &mut self.params)
                .map_err(|e| e.at(t.span()));
        }
        let t = self.value_as(t, SqlType::Text)?;
        Ok(match kind {
            TextMatch::Contains => format!("({} > 0)", d.position(&t, &s)),
            TextMatch::StartsWith => {
                let prefix = d.substring(&s, "1", Some(&d.char_length(&t)));
                format!("({prefix} = {t})")
            }
            TextMatch::EndsWith => {
                let (ls, lt) = (d.char_length(&s), d.char_length(&t));
                let start = format!("{ls} - {lt} + 1");
                let suffix = d.substring(&s, &start, None);
                format!("({ls} >= {lt} AND {suffix} = {t})")
            }
        })
    }

    // -------------------------------------------------------------------------------------
    // Lambdas

    fn lambda(
        &mut self,
        kind: LambdaKind,
        collection: &FieldRef,
        predicate: Option<&Expr>,
    ) -> Result<String, Error> {
        self.depth += 1;
        let native = collection.var == 0
            && collection
                .field()
                .is_some_and(|f| f.storage() == Storage::Native);
        self.native_arrays.push(native);
        let result = self.lambda_inner(kind, collection, predicate);
        self.native_arrays.pop();
        self.depth -= 1;
        result
    }

    fn lambda_inner(
        &mut self,
        kind: LambdaKind,
        collection: &FieldRef,
        predicate: Option<&Expr>,
    ) -> Result<String, Error> {
        let d = self.dialect;
        let names: Vec<&str> = collection.path.iter().map(|f| f.name()).collect();
        let from = if self.native_arrays.last() == Some(&true) {
            let column = self.field(collection)?;
            d.native_array_elements(&column, &alias(self.depth))?
        } else if collection.var == 0 {
            let column = self.field(collection)?;
            d.json_elements(&column, &[], &alias(self.depth))?
        } else {
            let container = d.json_element(&alias(collection.var))?;
            d.json_elements(&container, &names, &alias(self.depth))?
        };
        Ok(match (kind, predicate) {
            (LambdaKind::Any, None) => format!("(EXISTS (SELECT 1 FROM {from}))"),
            (LambdaKind::Any, Some(p)) => {
                let p = self.cond(p, Mode::True)?;
                format!("(EXISTS (SELECT 1 FROM {from} WHERE {p}))")
            }
            (LambdaKind::All, Some(p)) => {
                let p = self.cond(p, Mode::True)?;
                format!(
                    "(NOT EXISTS (SELECT 1 FROM {from} WHERE NOT ({})))",
                    d.is_true(&p)
                )
            }
            (LambdaKind::All, None) => self.literal(true),
        })
    }
}

/// `parts` joined by `op` (` AND ` or ` OR `) as a balanced tree of parentheses, at most
/// [`FLAT_JOIN`] operands side by side: a chain of n operands nests about log2(n) deep,
/// where a flat `a OR b OR c ...` is a left-deep tree n deep in the database's parser, and
/// SQLite refuses expressions over 1,000 deep. Every chain the checker accepts therefore
/// runs. `and` and `or` are associative, in SQL's three-valued logic too.
fn balanced(parts: &[String], op: &str) -> String {
    if parts.len() <= FLAT_JOIN {
        return format!("({})", parts.join(op));
    }
    let (a, b) = parts.split_at(parts.len() / 2);
    format!("({}{op}{})", balanced(a, op), balanced(b, op))
}

/// The most operands of one `AND` or `OR` written side by side (see [`balanced`]).
const FLAT_JOIN: usize = 8;

/// What a dialect without [`Dialect::supports_nul_in_text`] cannot take.
const NUL_IN_TEXT: &str = "strings containing U+0000";

/// Why `tolower`/`toupper` are refused where [`Dialect::case_map`] is `None`.
const NO_CASE_MAP: &str = "(Unicode's full case mapping: `ß` upper is `SS`, a word-final `Σ` \
     lowers to `ς`); this database's LOWER and UPPER map characters one to one";

/// Why `owner eq null` for a structured `owner` is refused: its members have columns of their
/// own, which cannot tell a missing or non-object value from an object of null members, and
/// a lambda element's JSON is not checked for being an object.
const STRUCTURED_NULL: &str = "comparing a structured (complex) value with null (its members \
     are stored apart, which cannot tell a null value from one whose members are all null); \
     compare its members instead";

/// Where the calendar field `func` of a value of type `ty` lies in its stored text (see
/// [`instant_text`](super::storage::instant_text)): the 1-based start and the length, as SQL.
fn calendar_field(func: Function, ty: Option<&FieldType>) -> (&'static str, &'static str) {
    let time_of_day = matches!(ty, Some(FieldType::TimeOfDay));
    match func {
        Function::Year => ("1", "4"),
        Function::Month => ("6", "2"),
        Function::Day => ("9", "2"),
        Function::Hour if time_of_day => ("1", "2"),
        Function::Minute if time_of_day => ("4", "2"),
        Function::Second if time_of_day => ("7", "2"),
        Function::Hour => ("12", "2"),
        Function::Minute => ("15", "2"),
        _ => ("18", "2"),
    }
}

/// The alias of the `n`-th enclosing lambda's elements.
fn alias(n: usize) -> String {
    format!("_e{n}")
}

/// The type of the first argument.
fn arg_type(args: &[Expr]) -> Option<&FieldType> {
    args.first().and_then(|a| a.ty().field_type())
}

fn text_match(f: Function) -> Option<TextMatch> {
    match f {
        Function::Contains => Some(TextMatch::Contains),
        Function::StartsWith => Some(TextMatch::StartsWith),
        Function::EndsWith => Some(TextMatch::EndsWith),
        _ => None,
    }
}

/// The field `e` tests against constants and the constants, when `e` is `x eq c`, `c eq x`
/// or `x in (...)` for a field `x`: true exactly when `x` equals one of them.
fn constant(e: &Expr) -> Option<&Value> {
    match e.kind() {
        ExprKind::Const(v) => Some(v),
        _ => None,
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
    }
}

/// `x op p` for a non-null parameter `p`, false (not null) for a null `x` where `mode`
/// observes it.
fn two_valued(op: CmpOp, x: &str, p: &str, mode: Mode) -> String {
    match op {
        CmpOp::Ne => format!("({x} <> {p} OR {x} IS NULL)"),
        _ if mode == Mode::True => format!("({x} {} {p})", sql_op(op)),
        _ => format!("({x} {} {p} AND {x} IS NOT NULL)", sql_op(op)),
    }
}

/// The evaluator's outcome of comparing two constants.
fn fold(op: CmpOp, a: &Value, b: &Value) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => op == CmpOp::Eq,
        (true, false) | (false, true) => op == CmpOp::Ne,
        (false, false) => match a.compare(b) {
            Some(ord) => op.holds(ord),
            None => op == CmpOp::Ne,
        },
    }
}

/// `x op c` for a constant `c` beyond every stored value (`above`) or below every one.
fn beyond(op: CmpOp, above: bool) -> Folded {
    match op {
        CmpOp::Eq => Folded::Always(false),
        CmpOp::Ne => Folded::Always(true),
        CmpOp::Gt | CmpOp::Ge if above => Folded::Always(false),
        CmpOp::Lt | CmpOp::Le if !above => Folded::Always(false),
        _ => Folded::NotNull,
    }
}

/// Why a comparison of the values `l` and `r` is not translated, when one is an Edm.Date and
/// the other an Edm.DateTimeOffset (`day le created`, `date(created) lt created`): OData
/// promotes the date to its midnight, UTC, which is not written for every storage of either
/// (a date against a constant instant is folded to a date comparison, and translated).
fn date_with_instant(l: &Expr, r: &Expr) -> Option<&'static str> {
    let ty = |e: &Expr| e.ty().field_type().cloned();
    match (ty(l), ty(r)) {
        (Some(FieldType::Date), Some(FieldType::DateTimeOffset))
        | (Some(FieldType::DateTimeOffset), Some(FieldType::Date)) => Some(DATE_WITH_INSTANT),
        _ => None,
    }
}

/// Why `day le created` is refused.
const DATE_WITH_INSTANT: &str = "comparing an Edm.Date value with an Edm.DateTimeOffset value \
     (the date stands for its midnight, UTC, which is not written in SQL for every storage); \
     compare the date with a DateTimeOffset literal instead";

/// Why the values `l` and `r` cannot be compared in SQL exactly, when they cannot: they are
/// stored in different forms.
fn inexact_comparison(l: &Expr, r: &Expr) -> Option<String> {
    let (sl, sr) = (storage_of(l), storage_of(r));
    if sl != sr {
        return Some(format!(
            "comparing values stored differently (storage `{sl}` with storage `{sr}`; \
             function results and collection elements are in storage `default`)"
        ));
    }
    None
}

/// How the value of `e` is held in SQL: a record column's [`Storage`], else the crate's own
/// (lambda elements, function results, constants).
fn storage_of(e: &Expr) -> Storage {
    record_field(e).map_or(Storage::Default, Field::storage)
}

/// The record field `e` is, when it is one (not a lambda element).
fn record_field(e: &Expr) -> Option<&Field> {
    match e.kind() {
        ExprKind::Field(r) if r.var == 0 => r.field(),
        _ => None,
    }
}

/// `x op c` for a column `x` of `field`, whose storage keeps whole units of `unit` ns, and a
/// time-like constant `c` at `nanos` ([`nanos_of`]): with `c` between two units, `x > c` is
/// `x > floor(c)`, `x >= c` is `x >= ceil(c)` (likewise `<`, `<=`), `x eq c` is false and
/// `x ne c` true, since no stored value lies between.
fn fold_units(
    op: CmpOp,
    c: &Value,
    nanos: i128,
    field: &Field,
    dialect: &dyn Dialect,
) -> Result<Folded, Error> {
    let unit = i128::from(unit_of(field, dialect)?);
    let floor = nanos.div_euclid(unit) * unit;
    let (op, bound) = match op {
        _ if floor == nanos => (op, nanos),
        CmpOp::Eq => return Ok(Folded::Always(false)),
        CmpOp::Ne => return Ok(Folded::Always(true)),
        CmpOp::Gt | CmpOp::Le => (op, floor),
        CmpOp::Ge | CmpOp::Lt => (op, floor + unit),
    };
    match at_nanos(c, bound) {
        Some(v) => fold_stored(op, &v, field, dialect),
        None => Ok(beyond(op, bound > 0)),
    }
}

/// `x op c` for a column `x` of `field` and a constant `c` that its storage holds exactly.
fn fold_stored(
    op: CmpOp,
    c: &Value,
    field: &Field,
    dialect: &dyn Dialect,
) -> Result<Folded, Error> {
    let ty = column_type(field).unwrap_or(SqlType::Text);
    Ok(match encode_stored(c, field, dialect)? {
        Encoded::Value(v) => Folded::Param(op, v, ty),
        Encoded::Above => beyond(op, true),
        Encoded::Below => beyond(op, false),
    })
}

/// `x op c` for a non-null constant `c`, as a comparison with a parameter in `x`'s encoding
/// (its column's [`Storage`]), or its constant outcome.
fn fold_constant(op: CmpOp, x: &Expr, c: &Value, dialect: &dyn Dialect) -> Result<Folded, Error> {
    if let (Some(FieldType::Date), Value::DateTimeOffset(t)) = (x.ty().field_type(), c) {
        // A date against an instant: the date comparison it is equivalent to (the checker's
        // fold), or, for `eq`/`ne` with an instant that is not a UTC midnight, which no
        // date's midnight equals, false/true whether `x` is null or not.
        return match crate::edm::date::against_instant(op, *t) {
            Some((op, d)) => fold_constant(op, x, &Value::Date(d), dialect),
            None => Ok(Folded::Always(op == CmpOp::Ne)),
        };
    }
    // Numbers keep the crate's own encoding in every storage (a native `numeric` is it).
    let number = matches!(c, Value::Int(_) | Value::Float(_) | Value::Decimal(_));
    if let Some(field) = record_field(x).filter(|f| f.storage() != Storage::Default && !number) {
        return match nanos_of(c) {
            Some(nanos) => fold_units(op, c, nanos, field, dialect),
            None => fold_stored(op, c, field, dialect),
        };
    }
    if let Value::Int(i) = c {
        let double = x.ty().field_type() == Some(&FieldType::Double);
        if double && !dialect.exact_integers_in_doubles() && !is_exact_f64(*i) {
            return Err(Error::unsupported(
                dialect.name(),
                format!(
                    "the integer {i} next to an Edm.Double (it keeps doubles as 64-bit floats, \
                     and no float is exactly {i})"
                ),
            ));
        }
    }
    Ok(fold_encoded(op, x.ty(), c))
}

/// [`fold_constant`] for the crate's own encoding.
fn fold_encoded(op: CmpOp, x_ty: &Type, c: &Value) -> Folded {
    let ty = x_ty
        .field_type()
        .and_then(sql_type)
        .unwrap_or(SqlType::Text);
    if let Value::Float(f) = c {
        if f.is_nan() {
            return Folded::Always(op == CmpOp::Ne);
        }
        if f.is_infinite() {
            return beyond(op, *f > 0.0);
        }
        if x_ty.is_integer() {
            return fold_float_for_integer(op, *f);
        }
    }
    if let Value::Decimal(d) = c {
        if x_ty.is_integer() {
            return fold_for_integer(op, d.is_integer(), IntBound::floor(d), IntBound::ceil(d));
        }
    }
    match encode(c) {
        Encoded::Value(v) => {
            let ty = match v {
                SqlValue::Int(_) => SqlType::Int,
                SqlValue::Float(_) | SqlValue::Decimal(_) => SqlType::Number,
                _ => ty,
            };
            Folded::Param(op, v, ty)
        }
        Encoded::Above => beyond(op, true),
        Encoded::Below => beyond(op, false),
    }
}

/// `x op f` for an integer `x` and a finite float `f`, as an integer comparison.
fn fold_float_for_integer(op: CmpOp, f: f64) -> Folded {
    let bound = |t: f64| {
        if t >= TWO_63 {
            IntBound::Above
        } else if t < -TWO_63 {
            IntBound::Below
        } else {
            IntBound::In(t as i64)
        }
    };
    fold_for_integer(op, f.fract() == 0.0, bound(f.floor()), bound(f.ceil()))
}

/// `x op c` for an integer `x` and a number `c`, as an integer comparison, from whether `c`
/// is whole and where its floor and ceiling lie among the `i64`s.
fn fold_for_integer(op: CmpOp, whole: bool, floor: IntBound, ceil: IntBound) -> Folded {
    let int = |op, bound: IntBound| match bound {
        IntBound::In(i) => Folded::Param(op, SqlValue::Int(i), SqlType::Int),
        IntBound::Above => beyond(op, true),
        IntBound::Below => beyond(op, false),
    };
    match op {
        CmpOp::Eq | CmpOp::Ne if whole => int(op, floor),
        CmpOp::Eq | CmpOp::Ne => Folded::Always(op == CmpOp::Ne),
        // x > c  <=>  x > floor(c);   x <= c  <=>  x <= floor(c)
        CmpOp::Gt | CmpOp::Le => int(op, floor),
        // x >= c  <=>  x >= ceil(c);   x < c  <=>  x < ceil(c)
        CmpOp::Ge | CmpOp::Lt => int(op, ceil),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(op: CmpOp, f: f64) -> String {
        match fold_float_for_integer(op, f) {
            Folded::Always(b) => b.to_string(),
            Folded::NotNull => "not null".into(),
            Folded::Param(op, SqlValue::Int(i), _) => format!("{} {i}", sql_op(op)),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn floats_against_integers_fold_exactly() {
        assert_eq!(folded(CmpOp::Gt, 2.5), "> 2");
        assert_eq!(folded(CmpOp::Ge, 2.5), ">= 3");
        assert_eq!(folded(CmpOp::Lt, 2.5), "< 3");
        assert_eq!(folded(CmpOp::Le, 2.5), "<= 2");
        assert_eq!(folded(CmpOp::Lt, -2.5), "< -2");
        assert_eq!(folded(CmpOp::Eq, 2.0), "= 2");
        assert_eq!(folded(CmpOp::Eq, 2.5), "false");
        assert_eq!(folded(CmpOp::Ne, 2.5), "true");
        assert_eq!(folded(CmpOp::Gt, 1e19), "false");
        assert_eq!(folded(CmpOp::Lt, 1e19), "not null");
        assert_eq!(folded(CmpOp::Gt, -1e19), "not null");
        assert_eq!(folded(CmpOp::Le, -1e19), "false");
        assert_eq!(folded(CmpOp::Ge, -TWO_63), format!(">= {}", i64::MIN));
        assert_eq!(folded(CmpOp::Eq, TWO_63), "false");
    }

    #[test]
    fn constants_fold_like_the_evaluator() {
        assert!(fold(CmpOp::Eq, &Value::Null, &Value::Null));
        assert!(!fold(CmpOp::Ne, &Value::Null, &Value::Null));
        assert!(fold(CmpOp::Ne, &Value::Int(1), &Value::Null));
        assert!(fold(CmpOp::Lt, &Value::Int(1), &Value::Float(1.5)));
        assert!(!fold(
            CmpOp::Eq,
            &Value::Float(f64::NAN),
            &Value::Float(f64::NAN)
        ));
        assert!(fold(
            CmpOp::Ne,
            &Value::Float(f64::NAN),
            &Value::Float(f64::NAN)
        ));
    }
}
