//! The checker: resolves names against an entity schema and types a syntax tree into an [`ir::Expr`].
//!
//! The schema is a default-deny whitelist: only fields it declares
//! filterable may appear. The checker reports every error it finds, not
//! just the first, each with its span.
//!
//! ```
//! use odata_filter::{check, schema::catalog, syntax};
//!
//! let schema = catalog::machine_action();
//! let text = "machinId eq 'x' and status eq 'Done'";
//! let errors = check::check(&schema, &syntax::parse(text)?, text).unwrap_err();
//! assert_eq!(errors.errors().len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod allowed;
mod error;
mod functions;
mod types;

pub use allowed::{Allowed, Operator};
pub use error::{Error, ErrorKind, Errors};

use crate::ir::{self, CmpOp, ExprKind, FieldRef, Function, LambdaKind, Mistyped, Param, Type};
use crate::schema::{EntitySchema, Field, FieldType};
use crate::span::Span;
use crate::syntax::ast::{self, BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::value::Value;
use std::borrow::Cow;

/// Checks `tree`, parsed from `input`, against `schema`: the whole filter
/// must be a Boolean condition over filterable fields. Every function and operator is allowed.
pub fn check(schema: &EntitySchema, tree: &ast::Expr, input: &str) -> Result<ir::Expr, Errors> {
    check_with(schema, tree, input, &Allowed::default())
}

/// [`check`], allowing only the functions and operators of `allowed`.
pub fn check_with(
    schema: &EntitySchema,
    tree: &ast::Expr,
    input: &str,
    allowed: &Allowed,
) -> Result<ir::Expr, Errors> {
    let mut checker = Checker {
        schema,
        allowed,
        errors: Vec::new(),
        vars: Vec::new(),
    };
    let result = checker.condition(tree);
    match result {
        Some(e) if checker.errors.is_empty() => Ok(e),
        _ => Err(Errors::new(checker.errors, input)),
    }
}

/// Resolves one field name against a schema or complex type, for `$orderby`
/// and `$select` as well as `$filter`.
pub(crate) fn resolve_top<'s>(
    schema: &'s EntitySchema,
    name: &str,
    filterable: impl Fn(&Field) -> bool,
    names: impl Fn() -> Vec<String>,
) -> Result<&'s Field, ErrorKind> {
    match schema.lookup(name) {
        Some(f) if filterable(f) => Ok(f),
        Some(f) => Err(ErrorKind::NotFilterable {
            entity: schema.name().to_owned(),
            name: f.name().to_owned(),
            filterable: names(),
        }),
        None => Err(ErrorKind::UnknownField {
            entity: schema.name().to_owned(),
            name: name.to_owned(),
            suggestion: schema.suggest(name).map(str::to_owned),
            filterable: names(),
        }),
    }
}

/// Why a member path did not resolve; each option words it in its own terms.
pub(crate) enum PathProblem {
    /// A member that exists but `allowed` refuses.
    NotAllowed {
        /// The path up to the member, `relatedFileInfo`.
        entity: String,
        /// The member's canonical name.
        name: String,
        /// The members `allowed` accepts.
        allowed: Vec<String>,
    },
    /// No such member.
    Unknown {
        /// The path up to the member.
        entity: String,
        /// The member as written.
        name: String,
        /// The closest allowed member, if any is close.
        suggestion: Option<String>,
        /// The members `allowed` accepts.
        allowed: Vec<String>,
    },
    /// A step into a value that is not structured.
    NoMembers {
        /// The path up to the step.
        name: String,
        /// The value's type.
        ty: FieldType,
    },
}

/// Walks `segments[1..]` (the first already resolved to `ty`, reached by `path`) through
/// structured values, each member accepted by `allowed`: the one member-path resolver of
/// `$filter` and `$orderby`. Fails at the span of the first segment that does not resolve.
pub(crate) fn members(
    mut ty: FieldType,
    mut path: Vec<Field>,
    segments: &[(&str, Span)],
    allowed: impl Fn(&Field) -> bool,
) -> Result<(Vec<Field>, FieldType), (PathProblem, Span)> {
    for (i, &(seg, span)) in segments.iter().enumerate().skip(1) {
        let shown = || {
            segments[..i]
                .iter()
                .map(|s| s.0)
                .collect::<Vec<_>>()
                .join("/")
        };
        let current = ty.clone();
        let Some(complex) = current.as_complex() else {
            return Err((PathProblem::NoMembers { name: shown(), ty }, span));
        };
        let names = || {
            complex
                .fields()
                .iter()
                .filter(|f| allowed(f))
                .map(|f| f.name().to_owned())
                .collect()
        };
        let child = match complex.lookup(seg) {
            Some(f) if allowed(f) => f,
            Some(f) => {
                let problem = PathProblem::NotAllowed {
                    entity: shown(),
                    name: f.name().to_owned(),
                    allowed: names(),
                };
                return Err((problem, span));
            }
            None => {
                let problem = PathProblem::Unknown {
                    entity: shown(),
                    name: seg.to_owned(),
                    suggestion: complex.suggest(seg).map(str::to_owned),
                    allowed: names(),
                };
                return Err((problem, span));
            }
        };
        ty = child.ty().clone();
        path.push(child.clone());
    }
    Ok((path, ty))
}

/// The checker's error for a member path that did not resolve.
fn path_problem(p: PathProblem) -> ErrorKind {
    match p {
        PathProblem::NotAllowed {
            entity,
            name,
            allowed,
        } => ErrorKind::NotFilterable {
            entity,
            name,
            filterable: allowed,
        },
        PathProblem::Unknown {
            entity,
            name,
            suggestion,
            allowed,
        } => ErrorKind::UnknownField {
            entity,
            name,
            suggestion,
            filterable: allowed,
        },
        PathProblem::NoMembers { name, ty } => ErrorKind::NoMembers {
            name,
            ty: Type::Field(ty),
        },
    }
}

/// A lambda variable in scope: its name and element type.
struct Var {
    name: String,
    ty: FieldType,
}

struct Checker<'s> {
    schema: &'s EntitySchema,
    allowed: &'s Allowed,
    errors: Vec<Error>,
    vars: Vec<Var>,
}

/// The result of checking a subexpression: `None` when it had errors (already recorded).
type Checked = Option<ir::Expr>;

/// The operator `e` applies, if it applies one (a negative number literal does not).
fn operator(e: &ast::Expr) -> Option<Operator> {
    Some(match &e.kind {
        ast::ExprKind::Logical {
            op: LogicalOp::And, ..
        } => Operator::And,
        ast::ExprKind::Logical {
            op: LogicalOp::Or, ..
        } => Operator::Or,
        ast::ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => Operator::Not,
        ast::ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => match expr.kind {
            ast::ExprKind::Literal(_) => return None,
            _ => Operator::Negate,
        },
        ast::ExprKind::Binary { op, .. } => match op {
            BinaryOp::Eq => Operator::Eq,
            BinaryOp::Ne => Operator::Ne,
            BinaryOp::Gt => Operator::Gt,
            BinaryOp::Ge => Operator::Ge,
            BinaryOp::Lt => Operator::Lt,
            BinaryOp::Le => Operator::Le,
            BinaryOp::Has => Operator::Has,
            BinaryOp::Add => Operator::Add,
            BinaryOp::Sub => Operator::Sub,
            BinaryOp::Mul => Operator::Mul,
            BinaryOp::Div => Operator::Div,
            BinaryOp::DivBy => Operator::DivBy,
            BinaryOp::Mod => Operator::Mod,
        },
        ast::ExprKind::In { .. } => Operator::In,
        ast::ExprKind::Lambda {
            kind: ast::LambdaKind::Any,
            ..
        } => Operator::Any,
        ast::ExprKind::Lambda {
            kind: ast::LambdaKind::All,
            ..
        } => Operator::All,
        _ => return None,
    })
}

/// The operands of an operator expression that are checked on their own (not lambda bodies,
/// whose variable would be unknown).
fn operands(e: &ast::Expr) -> Box<dyn Iterator<Item = &ast::Expr> + '_> {
    match &e.kind {
        ast::ExprKind::Logical { operands, .. } => Box::new(operands.iter()),
        ast::ExprKind::Unary { expr, .. } => Box::new(std::iter::once(&**expr)),
        ast::ExprKind::Binary { lhs, rhs, .. } => Box::new([&**lhs, &**rhs].into_iter()),
        ast::ExprKind::In { expr, .. } => Box::new(std::iter::once(&**expr)),
        _ => Box::new(std::iter::empty()),
    }
}

fn cmp_op(op: BinaryOp) -> Option<CmpOp> {
    Some(match op {
        BinaryOp::Eq => CmpOp::Eq,
        BinaryOp::Ne => CmpOp::Ne,
        BinaryOp::Gt => CmpOp::Gt,
        BinaryOp::Ge => CmpOp::Ge,
        BinaryOp::Lt => CmpOp::Lt,
        BinaryOp::Le => CmpOp::Le,
        _ => return None,
    })
}

impl<'s> Checker<'s> {
    fn fail(&mut self, kind: ErrorKind, span: Span) -> Checked {
        self.errors.push(Error::new(kind, span));
        None
    }

    /// `built`, or the error for the rule of the checked expression that its operands broke,
    /// reported at `span` (or at the operand's own span); `name` is the member path written,
    /// for the rules about fields.
    fn built(
        &mut self,
        built: Result<ir::Expr, Mistyped>,
        span: Span,
        name: impl FnOnce() -> String,
    ) -> Checked {
        let why = match built {
            Ok(e) => return Some(e),
            Err(why) => why,
        };
        let (kind, span) = match why {
            Mistyped::NotCondition { found, span } => (ErrorKind::NotBoolean { found }, span),
            Mistyped::NotOperand(found) => (ErrorKind::NotOperand { found }, span),
            Mistyped::Mismatch { op, left, right } => {
                (ErrorKind::Mismatch { op, left, right }, span)
            }
            Mistyped::NotOrdered { op, ty } => (ErrorKind::NotOrdered { op, ty }, span),
            Mistyped::NotAValue(FieldType::Complex(c)) => {
                let members = c.filterable_fields().map(|f| f.name().to_owned()).collect();
                let name = name();
                (ErrorKind::ComplexValue { name, members }, span)
            }
            // The other field types that hold no single value are the collections.
            Mistyped::NotAValue(_) => (ErrorKind::CollectionValue { name: name() }, span),
            Mistyped::NotACollection => (ErrorKind::NotACollection { name: name() }, span),
            Mistyped::Arity { function, found } => {
                let expected = function.signature().arity;
                let function = function.name();
                let kind = ErrorKind::Arity {
                    function,
                    expected,
                    found,
                };
                (kind, span)
            }
            Mistyped::Argument {
                function,
                index,
                found,
                span,
            } => {
                let param = function.signature().params[index];
                return self.arg_error(function, index, param, found, span);
            }
        };
        self.fail(kind, span)
    }

    /// An expression that must be a Boolean condition.
    fn condition(&mut self, e: &ast::Expr) -> Checked {
        let x = self.expr(e)?;
        match x.ty() {
            Type::Field(FieldType::Boolean) => Some(x),
            found => {
                let found = found.clone();
                self.fail(ErrorKind::NotBoolean { found }, e.span)
            }
        }
    }

    /// Records the error for `op`, used at `span`, when the allow-list leaves it out.
    fn refuse_operator(&mut self, op: Operator, span: Span) -> bool {
        if self.allowed.allows_operator(op) {
            return false;
        }
        let kind = ErrorKind::NotAllowed {
            kind: "operator",
            name: op.keyword().to_owned(),
            allowed: self.allowed.operator_names(),
        };
        self.errors.push(Error::new(kind, span));
        true
    }

    fn expr(&mut self, e: &ast::Expr) -> Checked {
        if let Some(op) = operator(e) {
            if self.refuse_operator(op, e.span) {
                // Its operands are still checked, so that all their errors are reported.
                operands(e).for_each(|o| drop(self.expr(o)));
                return None;
            }
        }
        match &e.kind {
            ast::ExprKind::Literal(lit) => self.literal(lit, e.span),
            ast::ExprKind::Path(path) => self.path(&path.segments, e.span),
            ast::ExprKind::Logical { op, operands } => {
                // Check every operand, so that all their errors are reported.
                let mut checked = Vec::with_capacity(operands.len());
                let mut ok = true;
                for o in operands {
                    match self.condition(o) {
                        Some(x) => checked.push(x),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                let built = match op {
                    LogicalOp::And => ir::Expr::conjunction(checked, e.span),
                    LogicalOp::Or => ir::Expr::disjunction(checked, e.span),
                };
                self.built(built, e.span, String::new)
            }
            ast::ExprKind::Unary {
                op: UnaryOp::Not,
                expr,
            } => {
                let x = self.expr(expr)?;
                self.built(ir::Expr::not(x, e.span), e.span, String::new)
            }
            ast::ExprKind::Unary {
                op: UnaryOp::Neg,
                expr,
            } => match &expr.kind {
                ast::ExprKind::Literal(lit) => match types::negate(lit) {
                    Some(neg) => self.literal(&neg, e.span),
                    None => self.fail(
                        ErrorKind::Unsupported {
                            what: "negations of non-numeric values",
                        },
                        e.span,
                    ),
                },
                _ => self.fail(
                    ErrorKind::Unsupported {
                        what: "arithmetic operators (add, sub, mul, div, divby, mod, negation)",
                    },
                    e.span,
                ),
            },
            ast::ExprKind::Binary { op, lhs, rhs } => match cmp_op(*op) {
                Some(op) => self.compare(op, lhs, rhs, e.span),
                None if *op == BinaryOp::Has => self.fail(
                    ErrorKind::Unsupported {
                        what: "'has' (enum flag) tests",
                    },
                    e.span,
                ),
                None => self.fail(
                    ErrorKind::Unsupported {
                        what: "arithmetic operators (add, sub, mul, div, divby, mod, negation)",
                    },
                    e.span,
                ),
            },
            ast::ExprKind::In { expr, list } => self.in_list(expr, list, e.span),
            ast::ExprKind::Call { name, args } => self.call(name, args, e.span),
            ast::ExprKind::Lambda { path, kind, body } => self.lambda(path, *kind, body, e.span),
            ast::ExprKind::Alias(name) => {
                let name = name.name.clone();
                self.fail(ErrorKind::UnresolvedAlias { name }, e.span)
            }
        }
    }

    fn literal(&mut self, lit: &Literal, span: Span) -> Checked {
        if let Literal::Enum { type_name, .. } = lit {
            // Typed by the schema's enum type of that name, as OData does.
            let Some(ty) = enum_type(self.schema.filterable_fields(), type_name) else {
                let name = type_name.clone();
                return self.fail(ErrorKind::UnknownEnumType { name }, span);
            };
            return match types::coerce(lit, &ty, false) {
                Ok(v) => Some(ir::Expr::constant(v, Type::Field(ty), span)),
                Err(kind) => self.fail(kind, span),
            };
        }
        let (value, ty) = types::natural(lit).expect("only enum literals lack a natural type");
        Some(ir::Expr::constant(value, ty, span))
    }

    /// The filterable fields of the entity, for error notes.
    fn filterable_names(&self) -> Vec<String> {
        self.schema
            .filterable_fields()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// Resolves a member path to a field reference.
    fn field_ref(&mut self, segments: &[ast::Ident]) -> Result<FieldRef, (ErrorKind, Span)> {
        let first = &segments[0];
        // `$it` is the record (even inside a lambda), `$this` the innermost lambda's element
        // (the record outside lambdas); neither is a value on its own. `$root` is refused.
        let (var, ty, path, rest) = match first.name.as_str() {
            "$root" => {
                let what = "paths from the service root ($root)";
                return Err((ErrorKind::Unsupported { what }, first.span));
            }
            "$this" if !self.vars.is_empty() => {
                let i = self.vars.len() - 1;
                (i + 1, self.vars[i].ty.clone(), Vec::new(), segments)
            }
            "$it" | "$this" if segments.len() == 1 => {
                let what = "whole entities used as values ($it, or $this outside a lambda)";
                return Err((ErrorKind::Unsupported { what }, first.span));
            }
            "$it" | "$this" => {
                let f = self.top_segment(&segments[1])?;
                (0, f.ty().clone(), vec![f], &segments[1..])
            }
            name => match self.vars.iter().rposition(|v| v.name == name) {
                Some(i) => (i + 1, self.vars[i].ty.clone(), Vec::new(), segments),
                None => {
                    let f = self.top_segment(first)?;
                    (0, f.ty().clone(), vec![f], segments)
                }
            },
        };
        let segs: Vec<(&str, Span)> = rest.iter().map(|s| (s.name.as_str(), s.span)).collect();
        let (path, ty) = members(ty, path, &segs, Field::is_filterable)
            .map_err(|(p, span)| (path_problem(p), span))?;
        Ok(FieldRef { var, path, ty })
    }

    /// The record's filterable field `segment` names.
    fn top_segment(&self, segment: &ast::Ident) -> Result<Field, (ErrorKind, Span)> {
        resolve_top(self.schema, &segment.name, Field::is_filterable, || {
            self.filterable_names()
        })
        .cloned()
        .map_err(|k| (k, segment.span))
    }

    /// A member path used as a value: a scalar field or lambda element.
    fn path(&mut self, segments: &[ast::Ident], span: Span) -> Checked {
        let r = match self.field_ref(segments) {
            Ok(r) => r,
            Err((kind, span)) => return self.fail(kind, span),
        };
        let name = || {
            segments
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("/")
        };
        self.built(ir::Expr::field(r, span), span, name)
    }

    /// `lhs op rhs`. A literal on either side takes the type of the other side.
    fn compare(&mut self, op: CmpOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> Checked {
        let (l_lit, r_lit) = (as_literal(lhs), as_literal(rhs));
        let is_null = |lit: &Cow<'_, Literal>| matches!(**lit, Literal::Null);
        let (l, r) = match (&l_lit, &r_lit) {
            (None, Some(lit)) if is_null(lit) => {
                let l = self.null_operand(lhs)?;
                let r = self.coerce_to(lit, &l, op, rhs.span)?;
                (l, r)
            }
            (Some(lit), None) if is_null(lit) => {
                let r = self.null_operand(rhs)?;
                let l = self.coerce_to(lit, &r, op, lhs.span)?;
                (l, r)
            }
            (None, Some(lit)) => {
                let l = self.expr(lhs)?;
                if let Some(t) = instant_next_to_date(lit, &l) {
                    return self.date_against_instant(op, l, t, rhs.span, false, span);
                }
                let r = self.coerce_to(lit, &l, op, rhs.span)?;
                (l, r)
            }
            (Some(lit), None) => {
                let r = self.expr(rhs)?;
                if let Some(t) = instant_next_to_date(lit, &r) {
                    return self.date_against_instant(op.flip(), r, t, lhs.span, true, span);
                }
                let l = self.coerce_to(lit, &r, op, lhs.span)?;
                (l, r)
            }
            _ => {
                let (l, r) = (self.expr(lhs), self.expr(rhs));
                (l?, r?)
            }
        };
        self.built(ir::Expr::compare(op, l, r, span), span, String::new)
    }

    /// `date op t` for a Date-valued `date` and the instant literal `t` (written at `at`, on the
    /// left when `flipped`, `op` then being the operator seen from `date`'s side): the date is
    /// promoted to its midnight, UTC. Folded to the date comparison it is equivalent to
    /// ([`against_instant`](crate::edm::date::against_instant)), so that every backend sees a
    /// plain Date comparison; `eq` and `ne` with an instant that is not a UTC midnight stay
    /// comparisons with the instant, compared by promotion.
    fn date_against_instant(
        &mut self,
        op: CmpOp,
        date: ir::Expr,
        t: chrono::DateTime<chrono::Utc>,
        at: Span,
        flipped: bool,
        span: Span,
    ) -> Checked {
        let (op, c) = match crate::edm::date::against_instant(op, t) {
            Some((op, d)) => (
                op,
                ir::Expr::constant(Value::Date(d), Type::Field(FieldType::Date), at),
            ),
            None => {
                let ty = Type::Field(FieldType::DateTimeOffset);
                (op, ir::Expr::constant(Value::DateTimeOffset(t), ty, at))
            }
        };
        let built = if flipped {
            ir::Expr::compare(op.flip(), c, date, span)
        } else {
            ir::Expr::compare(op, date, c, span)
        };
        self.built(built, span, String::new)
    }

    /// The operand compared with the `null` literal: as [`expr`](Self::expr), but a path to a
    /// structured (complex) value is that value (`owner eq null`).
    fn null_operand(&mut self, e: &ast::Expr) -> Checked {
        if let ast::ExprKind::Path(path) = &e.kind {
            if let Ok(r) = self.field_ref(&path.segments) {
                if r.ty.as_complex().is_some() {
                    let name = || path.to_string();
                    return self.built(ir::Expr::structured(r, e.span), e.span, name);
                }
            }
        }
        self.expr(e)
    }

    /// Converts a literal to the type of `other`, the operand it is compared with.
    fn coerce_to(&mut self, lit: &Literal, other: &ir::Expr, op: CmpOp, span: Span) -> Checked {
        let Some(target) = other.ty().field_type() else {
            return self.literal(lit, span);
        };
        if matches!(lit, Literal::Null) {
            if !other.is_nullable() && matches!(op, CmpOp::Eq | CmpOp::Ne) {
                let what = match other.kind() {
                    ExprKind::Field(r) if !r.path.is_empty() => {
                        format!("field '{}'", r.display_path())
                    }
                    _ => "this expression".to_owned(),
                };
                return self.fail(ErrorKind::NullNotAllowed { what }, span);
            }
            let ty = other.ty().clone();
            return Some(ir::Expr::constant(Value::Null, ty, span));
        }
        match types::coerce(lit, target, self.schema.lenient_enums()) {
            Ok(v) => Some(ir::Expr::constant(v, other.ty().clone(), span)),
            Err(ErrorKind::Mismatch { right, .. }) => self.fail(
                ErrorKind::Mismatch {
                    op: op.keyword(),
                    left: other.ty().clone(),
                    right,
                },
                span,
            ),
            Err(kind) => self.fail(kind, span),
        }
    }

    fn in_list(&mut self, expr: &ast::Expr, list: &[ast::Expr], span: Span) -> Checked {
        let x = self.expr(expr);
        let mut values = Vec::with_capacity(list.len());
        let mut ok = true;
        for item in list {
            let lit = as_literal(item);
            let Some(lit) = lit else {
                let kind = match &item.kind {
                    ast::ExprKind::Alias(name) => ErrorKind::UnresolvedAlias {
                        name: name.name.clone(),
                    },
                    _ => ErrorKind::ListItem,
                };
                self.fail(kind, item.span);
                ok = false;
                continue;
            };
            let Some(x) = &x else { continue };
            if let Some(t) = instant_next_to_date(&lit, x) {
                // `x in (..., t, ...)` is `... or x eq t or ...`: the date `t` is when it is a
                // UTC midnight, and otherwise `t` itself, compared by promotion.
                values.push(match crate::edm::date::against_instant(CmpOp::Eq, t) {
                    Some((_, d)) => Value::Date(d),
                    None => Value::DateTimeOffset(t),
                });
                continue;
            }
            match self.coerce_to(&lit, x, CmpOp::Eq, item.span) {
                Some(c) => match c.kind() {
                    ExprKind::Const(v) => values.push(v.clone()),
                    _ => ok = false,
                },
                None => ok = false,
            }
        }
        let x = x?;
        if !ok {
            return None;
        }
        self.built(ir::Expr::in_list(x, values, span), span, String::new)
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Checked {
        let Some(func) = Function::by_name(&name.name) else {
            let suggestion =
                crate::suggest::closest_name(&name.name, Function::ALL.iter().map(|f| f.name()));
            let kind = ErrorKind::UnknownFunction {
                name: name.name.clone(),
                suggestion,
            };
            return self.fail(kind, name.span);
        };
        if !self.allowed.allows_function(func) {
            let kind = ErrorKind::NotAllowed {
                kind: "function",
                name: func.name().to_owned(),
                allowed: self.allowed.function_names(),
            };
            return self.fail(kind, name.span);
        }
        let sig = func.signature();
        if !sig.takes(args.len()) {
            // Its arguments are not checked: which parameter each is for is not known.
            let refused = Err(Mistyped::Arity {
                function: func,
                found: args.len(),
            });
            return self.built(refused, span, String::new);
        }
        if let Some(v) = func.constant() {
            return Some(ir::Expr::constant(v, Type::Field(sig.result), span));
        }
        let mut checked = Vec::with_capacity(args.len());
        let mut ok = true;
        for (i, (arg, param)) in args.iter().zip(sig.params).enumerate() {
            let x = match &arg.kind {
                ast::ExprKind::Literal(lit) => {
                    let target = functions::literal_type(*param);
                    let target = target.field_type().cloned().unwrap_or(FieldType::String);
                    match functions::coerce(*param, lit, &target) {
                        Ok(v) => {
                            let ty = if v.is_null() {
                                Type::Null
                            } else {
                                Type::Field(target)
                            };
                            Some(ir::Expr::constant(v, ty, arg.span))
                        }
                        Err(_) => match self.literal(lit, arg.span) {
                            Some(x) => {
                                let found = x.ty().clone();
                                self.arg_error(func, i, *param, found, arg.span)
                            }
                            None => None,
                        },
                    }
                }
                _ => match self.expr(arg) {
                    Some(x) if param.accepts(x.ty()) => Some(x),
                    Some(x) => {
                        let found = x.ty().clone();
                        self.arg_error(func, i, *param, found, arg.span)
                    }
                    None => None,
                },
            };
            match x {
                Some(x) => checked.push(x),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        self.built(ir::Expr::call(func, checked, span), span, String::new)
    }

    fn arg_error(
        &mut self,
        func: Function,
        index: usize,
        param: Param,
        found: Type,
        span: Span,
    ) -> Checked {
        let kind = ErrorKind::Argument {
            function: func.name(),
            position: index + 1,
            expected: functions::describe(param),
            found,
        };
        self.fail(kind, span)
    }

    fn lambda(
        &mut self,
        path: &ast::Path,
        kind: ast::LambdaKind,
        body: &Option<(ast::Ident, Box<ast::Expr>)>,
        span: Span,
    ) -> Checked {
        let collection = match self.field_ref(&path.segments) {
            Ok(r) => r,
            Err((kind, span)) => return self.fail(kind, span),
        };
        let Some(item) = collection.ty().item_type().cloned() else {
            let refused = Err(Mistyped::NotACollection);
            return self.built(refused, path.span(), || path.to_string());
        };
        let kind = match kind {
            ast::LambdaKind::Any => LambdaKind::Any,
            ast::LambdaKind::All => LambdaKind::All,
        };
        let (variable, predicate) = match body {
            None => (String::new(), None),
            Some((var, pred)) => {
                if self.vars.iter().any(|v| v.name == var.name) {
                    let name = var.name.clone();
                    return self.fail(ErrorKind::DuplicateVariable { name }, var.span);
                }
                self.vars.push(Var {
                    name: var.name.clone(),
                    ty: item,
                });
                let p = self.condition(pred);
                self.vars.pop();
                (var.name.clone(), Some(p?))
            }
        };
        let built = ir::Expr::lambda(kind, collection, variable, predicate, span);
        self.built(built, span, || path.to_string())
    }
}

/// The instant `lit` is, when it is a DateTimeOffset literal compared with the Date-valued
/// `other` (a Date field, `date(...)`): OData promotes the date to a DateTimeOffset.
fn instant_next_to_date(lit: &Literal, other: &ir::Expr) -> Option<chrono::DateTime<chrono::Utc>> {
    if !matches!(lit, Literal::DateTimeOffset(_)) || *other.ty() != Type::Field(FieldType::Date) {
        return None;
    }
    match types::natural(lit) {
        Some((Value::DateTimeOffset(t), _)) => Some(t),
        _ => None,
    }
}

/// A literal, or a negated numeric literal, as a value: borrowed when written as is.
fn as_literal(e: &ast::Expr) -> Option<Cow<'_, Literal>> {
    match &e.kind {
        ast::ExprKind::Literal(l) => Some(Cow::Borrowed(l)),
        ast::ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => match &expr.kind {
            ast::ExprKind::Literal(l) => types::negate(l).map(Cow::Owned),
            _ => None,
        },
        _ => None,
    }
}

/// The enum type named `name` (case-insensitively) that one of `fields` or their filterable
/// members has.
fn enum_type<'f>(mut fields: impl Iterator<Item = &'f Field>, name: &str) -> Option<FieldType> {
    fields.find_map(|f| {
        let mut ty = f.ty();
        if let Some(item) = ty.item_type() {
            ty = item;
        }
        match ty {
            FieldType::Enum(e) if e.name().eq_ignore_ascii_case(name) => Some(ty.clone()),
            FieldType::Complex(c) => enum_type(c.filterable_fields(), name),
            _ => None,
        }
    })
}
