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
/// Two known bugs of src/ are let through, each only in the filters it concerns: see
/// [`compares_enum_constants`] and [`has_instant_past_year_9999`].
pub fn verified_filter_with(parser: &Parser, schema: &EntitySchema, text: &str) -> Expr {
    let tree = parser.parse(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    let expr = check::check(schema, &tree, text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    let reread = |what: &str, printed: &str, tree: syntax::Expr| -> Expr {
        let again = check::check(schema, &tree, printed).unwrap_or_else(|e| {
            panic!("{what} of a checked filter does not check\n  written: {text}\n  printed: {printed}\n{e}")
        });
        // Known bug (see `tests/check.rs`, `canonical_text_of_two_enum_constants_keeps_their_type`,
        // ignored): two enum constants compared print as bare strings, which check as String
        // constants. The truth of the comparison is the same, so allow exactly that
        // difference, for filters with such a comparison only.
        let same = same_expr(&again, &expr)
            || (compares_enum_constants(&expr) && same_modulo_enum_constants(&again, &expr));
        assert!(
            same,
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
    match parse("the canonical text", &canonical) {
        Ok(reparsed) => {
            let again = reread("the canonical text", &canonical, reparsed);
            assert_eq!(
                again.to_string(),
                canonical,
                "the canonical text of {text:?} is not a fixed point"
            );
        }
        // Known bug (see `tests/canonical.rs`,
        // `canonical_text_of_an_instant_past_year_9999_in_utc_is_accepted`, ignored): an
        // instant past 9999-12-31 in UTC prints with a five-digit year the parser refuses.
        Err(_) if has_instant_past_year_9999(&expr) => {}
        Err(e) => panic!("{e}"),
    }
    expr
}

/// Whether two checked expressions are the same: `ir::Expr`'s equality (kinds, types and
/// nullability; spans ignored), except that a NaN constant equals a NaN constant.
pub fn same_expr(a: &Expr, b: &Expr) -> bool {
    same(a, b, false)
}

/// [`same_expr`], except that an enum constant in `b` may be a String constant of the same
/// text in `a`.
fn same_modulo_enum_constants(a: &Expr, b: &Expr) -> bool {
    same(a, b, true)
}

/// Whether `e` compares two enum constants (`Ns.E'a' eq Ns.E'b'`, `Ns.E'a' in ('b')`). Known
/// bug: the canonical text of such a comparison prints both as bare strings (`'a' eq 'b'`),
/// which check as String constants: the comparison's truth is kept, its operands' type is
/// not. [`verified_filter`] allows exactly that difference in such filters;
/// `tests/check.rs`'s ignored `canonical_text_of_two_enum_constants_keeps_their_type` is
/// the strict test.
pub fn compares_enum_constants(e: &Expr) -> bool {
    let enum_constant = |x: &Expr| matches!(x.kind(), ExprKind::Const(Value::Enum(_)));
    match e.kind() {
        ExprKind::Compare { lhs, rhs, .. } => {
            (enum_constant(lhs) && enum_constant(rhs))
                || compares_enum_constants(lhs)
                || compares_enum_constants(rhs)
        }
        ExprKind::In { expr, .. } => enum_constant(expr) || compares_enum_constants(expr),
        ExprKind::Not(x) => compares_enum_constants(x),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().any(compares_enum_constants),
        ExprKind::Call { args, .. } => args.iter().any(compares_enum_constants),
        ExprKind::Lambda { predicate, .. } => {
            predicate.as_deref().is_some_and(compares_enum_constants)
        }
        _ => false,
    }
}

/// Whether `e` has a DateTimeOffset constant past 9999-12-31T23:59:59.999999999Z. Known bug:
/// the canonical text prints it with a five-digit year (`+10000-01-01T04:00:00Z`), which the
/// parser refuses; [`verified_filter`] skips the canonical text's round trip for such filters.
pub fn has_instant_past_year_9999(e: &Expr) -> bool {
    use chrono::Datelike;
    let past = |v: &Value| matches!(v, Value::DateTimeOffset(t) if t.year() > 9999);
    match e.kind() {
        ExprKind::Const(v) => past(v),
        ExprKind::In { expr, list } => has_instant_past_year_9999(expr) || list.iter().any(past),
        ExprKind::Compare { lhs, rhs, .. } => {
            has_instant_past_year_9999(lhs) || has_instant_past_year_9999(rhs)
        }
        ExprKind::Not(x) => has_instant_past_year_9999(x),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().any(has_instant_past_year_9999),
        ExprKind::Call { args, .. } => args.iter().any(has_instant_past_year_9999),
        ExprKind::Lambda { predicate, .. } => {
            predicate.as_deref().is_some_and(has_instant_past_year_9999)
        }
        _ => false,
    }
}

fn same(a: &Expr, b: &Expr, loose: bool) -> bool {
    let all = |xs: &[Expr], ys: &[Expr]| {
        xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y, loose))
    };
    if let (true, ExprKind::Const(Value::String(x)), ExprKind::Const(Value::Enum(y))) =
        (loose, a.kind(), b.kind())
    {
        return x == y && a.is_nullable() == b.is_nullable();
    }
    if a.ty() != b.ty() || a.is_nullable() != b.is_nullable() {
        return false;
    }
    match (a.kind(), b.kind()) {
        (ExprKind::Const(x), ExprKind::Const(y)) => same_value(x, y, loose),
        (ExprKind::Field(x), ExprKind::Field(y)) => x == y,
        (ExprKind::Not(x), ExprKind::Not(y)) => same(x, y, loose),
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
        ) => op == op2 && same(lhs, lhs2, loose) && same(rhs, rhs2, loose),
        (
            ExprKind::In { expr, list },
            ExprKind::In {
                expr: expr2,
                list: list2,
            },
        ) => {
            same(expr, expr2, loose)
                && list.len() == list2.len()
                && list.iter().zip(list2).all(|(x, y)| same_value(x, y, loose))
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
                    (Some(p), Some(q)) => same(p, q, loose),
                    _ => false,
                }
        }
        _ => false,
    }
}

/// `Value`'s equality, with NaN equal to NaN (and, if `loose`, a String in `a` equal to the
/// enum member of the same name in `b`).
fn same_value(a: &Value, b: &Value, loose: bool) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) if x.is_nan() => y.is_nan(),
        (Value::String(x), Value::Enum(y)) if loose => x == y,
        _ => a == b,
    }
}
