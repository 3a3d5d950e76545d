//! Printing a checked expression: back into a syntax tree, so it prints with the one printer.

use crate::ir::{self, CmpOp, ExprKind, FieldRef, LambdaKind, Type};
use crate::schema::{EntitySchema, Field, FieldType};
use crate::syntax::ast::{self, BinaryOp, Ident, Literal, LogicalOp, Path, UnaryOp};
use crate::value::Value;

/// The syntax tree of a checked expression: canonical field names, literals
/// in the form the checker converted them to (`'Succeeded'` for an enum
/// member, a full date-time in UTC for `2018-08-01Z`).
pub(crate) fn to_syntax(e: &ir::Expr) -> ast::Expr {
    let mut vars = Vec::new();
    convert(e, &mut vars)
}

/// How many times longer than its written text a filter against `schema` can print, at most:
/// a bound on the canonical text's length from the input's, so that the length limit can be
/// checked on the canonical text without printing it when the bound is within the limit.
///
/// Each written byte prints as at most this many: a name (a field, alias or enum member, at
/// least 1 byte as written) prints as the longest canonical name; a number as written in 3 or
/// more bytes (`1e5`) prints with at most 31 (a decimal's 29 digits, sign and point); a date
/// or time widens by less than 2 (`2018-08-01Z`, `12:00`); separators gain one space each.
pub(crate) fn expansion_bound(schema: &EntitySchema) -> usize {
    fn longest(fields: &[Field]) -> usize {
        fields
            .iter()
            .map(|f| field(f.name().len(), f.ty()))
            .max()
            .unwrap_or(0)
    }
    fn field(name: usize, ty: &FieldType) -> usize {
        let inner = match ty {
            FieldType::Enum(e) => e.members().iter().map(String::len).max().unwrap_or(0) + 2,
            FieldType::Complex(c) => longest(c.fields()),
            FieldType::Collection(item) => field(0, item),
            _ => 0,
        };
        name.max(inner)
    }
    // 11: a number of 3 bytes or more prints with at most 31.
    longest(schema.fields()).max(11)
}

fn node(kind: ast::ExprKind) -> ast::Expr {
    ast::Expr::new(kind)
}

/// The constant `v`, of type `ty`. A double compared with a Double is written as the shortest
/// decimal that reads back as it (`0.1`), which the checker turns back into that double. An
/// enum member is written as a string (`'Failed'`), which its field's type gives back, unless
/// `qualified`: compared with no field, it needs its type (`Ns.Status'Failed'`).
fn literal(v: &Value, ty: &Type, qualified: bool) -> ast::Expr {
    let lit = match (v, ty) {
        (Value::Float(x), Type::Field(FieldType::Double)) => {
            crate::decimal::from_f64_shortest(*x).map_or(Literal::Float(*x), Literal::Decimal)
        }
        (Value::Enum(member), Type::Field(FieldType::Enum(e))) if qualified => Literal::Enum {
            type_name: e.name().to_owned(),
            value: member.clone(),
        },
        (v, _) => v.to_literal(),
    };
    node(ast::ExprKind::Literal(lit))
}

/// Whether `e` is a field, whose type gives the constants it is compared with theirs.
fn is_field(e: &ir::Expr) -> bool {
    matches!(e.kind(), ExprKind::Field(_))
}

/// `e`, with an enum constant written with its type unless `other` is a field.
fn operand(e: &ir::Expr, other: &ir::Expr, vars: &mut Vec<String>) -> ast::Expr {
    match e.kind() {
        ExprKind::Const(v) => literal(v, e.ty(), !is_field(other)),
        _ => convert(e, vars),
    }
}

fn path(r: &FieldRef, vars: &[String]) -> Path {
    let mut segments = Vec::new();
    if r.var() > 0 {
        segments.push(Ident::new(vars[r.var() - 1].clone()));
    }
    segments.extend(r.path().iter().map(|f| Ident::new(f.name())));
    Path { segments }
}

fn convert(e: &ir::Expr, vars: &mut Vec<String>) -> ast::Expr {
    let all = |op, items: &[ir::Expr], vars: &mut Vec<String>| {
        node(ast::ExprKind::Logical {
            op,
            operands: items.iter().map(|x| convert(x, vars)).collect(),
        })
    };
    match e.kind() {
        ExprKind::Const(v) => literal(v, e.ty(), false),
        ExprKind::Field(r) => node(ast::ExprKind::Path(path(r, vars))),
        ExprKind::Not(x) => node(ast::ExprKind::Unary {
            op: UnaryOp::Not,
            expr: Box::new(convert(x, vars)),
        }),
        ExprKind::And(items) => all(LogicalOp::And, items, vars),
        ExprKind::Or(items) => all(LogicalOp::Or, items, vars),
        ExprKind::Compare { op, lhs, rhs } => {
            let op = match op {
                CmpOp::Eq => BinaryOp::Eq,
                CmpOp::Ne => BinaryOp::Ne,
                CmpOp::Gt => BinaryOp::Gt,
                CmpOp::Ge => BinaryOp::Ge,
                CmpOp::Lt => BinaryOp::Lt,
                CmpOp::Le => BinaryOp::Le,
            };
            node(ast::ExprKind::Binary {
                op,
                lhs: Box::new(operand(lhs, rhs, vars)),
                rhs: Box::new(operand(rhs, lhs, vars)),
            })
        }
        ExprKind::In { expr, list } => node(ast::ExprKind::In {
            expr: Box::new(operand(expr, expr, vars)),
            list: list
                .iter()
                .map(|v| literal(v, expr.ty(), !is_field(expr)))
                .collect(),
        }),
        ExprKind::Call { func, args } => node(ast::ExprKind::Call {
            name: Ident::new(func.name()),
            args: args.iter().map(|x| convert(x, vars)).collect(),
        }),
        ExprKind::Lambda {
            kind,
            collection,
            variable,
            predicate,
        } => {
            let kind = match kind {
                LambdaKind::Any => ast::LambdaKind::Any,
                LambdaKind::All => ast::LambdaKind::All,
            };
            let body = predicate.as_ref().map(|p| {
                vars.push(variable.clone());
                let body = convert(p, vars);
                vars.pop();
                (Ident::new(variable.clone()), Box::new(body))
            });
            node(ast::ExprKind::Lambda {
                path: path(collection, vars),
                kind,
                body,
            })
        }
    }
}
