//! [`verified_filter`]: parse and check a `$filter`, in the style of sqlparser-rs's
//! `verified_stmt`, verifying on the way that both printers round-trip it.
#![allow(dead_code)]

use odata_filter::check;
use odata_filter::ir::{Expr, ExprKind};
use odata_filter::schema::EntitySchema;
use odata_filter::syntax::{self, Parser};
use odata_filter::value::Value;

/// `text` parsed (with the default limits) and checked against `schema`, after verifying that
/// its printed forms read back to the same checked expression; see [`verified_filter_with`].
pub fn verified_filter(schema: &EntitySchema, text: &str) -> Expr {
    verified_filter_with(&Parser::new(), schema, text)
}

/// `text` parsed with `parser` and checked against `schema`; panics with the rendered errors
/// if either refuses it. Before returning the checked expression, verifies that
///
/// - the syntax tree printed (`syntax::Expr`'s `Display`) parses and checks to the same
///   expression, and
/// - the checked expression printed (its canonical text, `ir::Expr`'s `Display`) parses and
///   checks to the same expression, which prints the same canonical text again.
///
/// "The same" is [`same_expr`]: `ir::Expr`'s equality (spans ignored), with NaN equal to NaN.
pub fn verified_filter_with(parser: &Parser, schema: &EntitySchema, text: &str) -> Expr {
    let tree = parser.parse(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    let expr = check::check(schema, &tree, text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    let reread = |what: &str, printed: &str, tree: syntax::Expr| -> Expr {
        let again = check::check(schema, &tree, printed).unwrap_or_else(|e| {
            panic!("{what} of a checked filter does not check\n  written: {text}\n  printed: {printed}\n{e}")
        });
        assert!(
            same_expr(&again, &expr),
            "{what} checks to another expression\n  written: {text}\n  printed: {printed}\n  \
             first: {expr:?}\n  again: {again:?}"
        );
        again
    };
    let parse = |what: &str, printed: &str| {
        parser.parse(printed).map_err(|e| {
            format!("{what} of a parsed filter does not parse\n  written: {text}\n  printed: {printed}\n{e}")
        })
    };
    let printed = tree.to_string();
    let reparsed = parse("the printed syntax tree", &printed).unwrap_or_else(|e| panic!("{e}"));
    reread("the printed syntax tree", &printed, reparsed);
    let canonical = expr.to_string();
    let reparsed = parse("the canonical text", &canonical).unwrap_or_else(|e| panic!("{e}"));
    let again = reread("the canonical text", &canonical, reparsed);
    assert_eq!(
        again.to_string(),
        canonical,
        "the canonical text of {text:?} is not a fixed point"
    );
    expr
}

/// Whether two checked expressions are the same: `ir::Expr`'s equality (kinds, types and
/// nullability; spans ignored), except that a NaN constant equals a NaN constant.
pub fn same_expr(a: &Expr, b: &Expr) -> bool {
    same(a, b)
}

fn same(a: &Expr, b: &Expr) -> bool {
    let all = |xs: &[Expr], ys: &[Expr]| {
        xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
    };
    if a.ty() != b.ty() || a.is_nullable() != b.is_nullable() {
        return false;
    }
    match (a.kind(), b.kind()) {
        (ExprKind::Const(x), ExprKind::Const(y)) => same_value(x, y),
        (ExprKind::Field(x), ExprKind::Field(y)) => x == y,
        (ExprKind::Not(x), ExprKind::Not(y)) => same(x, y),
        (ExprKind::And(xs), ExprKind::And(ys)) | (ExprKind::Or(xs), ExprKind::Or(ys)) => {
            all(xs, ys)
        }
        (
            ExprKind::Compare { op, lhs, rhs },
            ExprKind::Compare {
                op: op2,
                lhs: lhs2,
                rhs: rhs2,
            },
        ) => op == op2 && same(lhs, lhs2) && same(rhs, rhs2),
        (
            ExprKind::In { expr, list },
            ExprKind::In {
                expr: expr2,
                list: list2,
            },
        ) => {
            same(expr, expr2)
                && list.len() == list2.len()
                && list.iter().zip(list2).all(|(x, y)| same_value(x, y))
        }
        (
            ExprKind::Call { func, args },
            ExprKind::Call {
                func: func2,
                args: args2,
            },
        ) => func == func2 && all(args, args2),
        (
            ExprKind::Lambda {
                kind,
                collection,
                variable,
                predicate,
            },
            ExprKind::Lambda {
                kind: kind2,
                collection: collection2,
                variable: variable2,
                predicate: predicate2,
            },
        ) => {
            kind == kind2
                && collection == collection2
                && variable == variable2
                && match (predicate, predicate2) {
                    (None, None) => true,
                    (Some(p), Some(q)) => same(p, q),
                    _ => false,
                }
        }
        _ => false,
    }
}

/// `Value`'s equality, with NaN equal to NaN.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) if x.is_nan() => y.is_nan(),
        _ => a == b,
    }
}
