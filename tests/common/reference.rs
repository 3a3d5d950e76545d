//! The reference semantics of a checked `$filter`: the oracle that the evaluator
//! (`odata_filter::eval`), the NDJSON line filter and the SQL backends are compared against.
//!
//! Written naively and directly from the rules (OData v4 and the crate's documented choices),
//! sharing nothing with the crate's evaluator but [`FieldRef::typed_value_in`], the one
//! documented rule for reading a record's value (`Value::from_json`). Comparisons are its
//! own: numbers of any kind compare by their exact decimal expansions.
//!
//! It is strict: an argument of the wrong type, an expression kind it does not know, two
//! values of kinds that cannot be compared or a condition that is neither Boolean nor null
//! panic with a message saying so. None of these can happen in a well-checked expression, so
//! each panic is a bug of the checker (or of this reference), never a value to substitute.
//!
//! The rules:
//!
//! - A field reads as [`Value::from_json`](odata_filter::value::Value::from_json) reads it:
//!   missing or ill-typed is null.
//! - `eq`/`ne` treat null as a value (`null eq null` is true, `x ne 1` is true when `x` is
//!   null); an ordering (`gt`, `ge`, `lt`, `le`) with a null operand is false; NaN is unequal
//!   to everything, itself included, and unordered. Comparisons and `in` are never null.
//! - `not`, `and`, `or` are three-valued (Kleene).
//! - `any` is true when some element satisfies the predicate (is true), `all` when every one
//!   does; a missing or non-array collection is empty. Lambdas are never null.
//! - A function of a null argument is null. Strings are sequences of Unicode scalar values:
//!   `length`, `indexof` and `substring` count characters; `tolower`/`toupper` change ASCII
//!   letters only; `trim` removes U+0020 only. Date and time parts of an instant are in UTC.
//! - A condition is kept when it is true (false and null are both dropped).
#![allow(dead_code)]

use chrono::{Datelike, Timelike};
use odata_filter::ir::{CmpOp, Expr, ExprKind, FieldRef, Function, LambdaKind};
use odata_filter::query::Query;
use odata_filter::schema::{EntitySchema, FieldType};
use odata_filter::value::Value;
use serde_json::Value as Json;
use std::cmp::Ordering;

/// The three-valued result of `filter` on `record` (`None` is null).
pub fn eval(filter: &Expr, record: &Json) -> Option<bool> {
    condition(filter, &mut vec![record])
}

/// Whether `filter` keeps `record` (is true on it).
pub fn matches(filter: &Expr, record: &Json) -> bool {
    eval(filter, record) == Some(true)
}

/// `env[0]` is the record, `env[n]` the element of the n-th enclosing lambda.
type Env<'j> = Vec<&'j Json>;

fn condition<'j>(e: &Expr, env: &mut Env<'j>) -> Option<bool> {
    match e.kind() {
        ExprKind::Not(x) => condition(x, env).map(|b| !b),
        ExprKind::And(xs) => {
            let rs: Vec<Option<bool>> = xs.iter().map(|x| condition(x, env)).collect();
            if rs.contains(&Some(false)) {
                Some(false)
            } else if rs.contains(&None) {
                None
            } else {
                Some(true)
            }
        }
        ExprKind::Or(xs) => {
            let rs: Vec<Option<bool>> = xs.iter().map(|x| condition(x, env)).collect();
            if rs.contains(&Some(true)) {
                Some(true)
            } else if rs.contains(&None) {
                None
            } else {
                Some(false)
            }
        }
        ExprKind::Compare { op, lhs, rhs } if double_promotion(lhs, rhs) => Some(holds(
            *op,
            &as_double(value(lhs, env)),
            &as_double(value(rhs, env)),
        )),
        ExprKind::Compare { op, lhs, rhs } => Some(holds(*op, &value(lhs, env), &value(rhs, env))),
        ExprKind::In { expr, list } => {
            let x = value(expr, env);
            Some(list.iter().any(|v| holds(CmpOp::Eq, &x, v)))
        }
        ExprKind::Lambda {
            kind,
            collection,
            predicate,
            ..
        } => {
            let root: &'j Json = root(collection, env);
            let items: Vec<&'j Json> = match collection.value_in(root) {
                Some(Json::Array(items)) => items.iter().collect(),
                _ => Vec::new(),
            };
            let mut results = Vec::new();
            for item in items {
                env.push(item);
                results.push(match predicate {
                    Some(p) => condition(p, env) == Some(true),
                    None => true,
                });
                env.pop();
            }
            Some(match kind {
                LambdaKind::Any => results.contains(&true),
                LambdaKind::All => !results.contains(&false),
            })
        }
        ExprKind::Const(_) | ExprKind::Field(_) | ExprKind::Call { .. } => match value(e, env) {
            Value::Bool(b) => Some(b),
            Value::Null => None,
            v => panic!("reference: not a condition: {v:?} from `{e}`"),
        },
        _ => panic!("reference: unknown expression kind {:?}", e.kind()),
    }
}

fn root<'j>(r: &FieldRef, env: &Env<'j>) -> &'j Json {
    env.get(r.var()).copied().unwrap_or_else(|| {
        panic!(
            "reference: variable {} of `{}` is not in scope ({} enclosing lambdas)",
            r.var(),
            r.display_path(),
            env.len() - 1
        )
    })
}

fn value(e: &Expr, env: &mut Env) -> Value {
    match e.kind() {
        ExprKind::Const(v) => v.clone(),
        // A structured value, compared only with null: null unless it is a JSON object.
        ExprKind::Field(r) if r.ty().as_complex().is_some() => match r.value_in(root(r, env)) {
            Some(Json::Object(_)) => Value::String("a structured value".to_owned()),
            _ => Value::Null,
        },
        ExprKind::Field(r) => r.typed_value_in(root(r, env)),
        ExprKind::Call { func, args } => {
            let vals: Vec<Value> = args.iter().map(|a| value(a, env)).collect();
            if vals.iter().any(Value::is_null) {
                return Value::Null;
            }
            call(*func, vals)
        }
        ExprKind::Not(_)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Compare { .. }
        | ExprKind::In { .. }
        | ExprKind::Lambda { .. } => condition(e, env).map_or(Value::Null, Value::Bool),
        _ => panic!("reference: unknown expression kind {:?}", e.kind()),
    }
}

/// Whether `a op b` holds, nulls and NaN included (never null).
pub fn holds(op: CmpOp, a: &Value, b: &Value) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => op == CmpOp::Eq,
        (true, false) | (false, true) => op == CmpOp::Ne,
        (false, false) => match compare(a, b) {
            Some(o) => match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Ne => o != Ordering::Equal,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
            },
            // NaN: unequal to everything, unordered.
            None => op == CmpOp::Ne,
        },
    }
}

/// Whether comparing `a` with `b` promotes both to Edm.Double (OData's binary numeric
/// promotion): one is a Double, the other an integer or a Decimal.
fn double_promotion(a: &Expr, b: &Expr) -> bool {
    let class = |e: &Expr| match e.ty().field_type() {
        Some(FieldType::Double) => 2,
        Some(FieldType::Int32 | FieldType::Int64 | FieldType::Decimal) => 1,
        _ => 0,
    };
    matches!((class(a), class(b)), (1, 2) | (2, 1))
}

/// A number as the Edm.Double nearest to it (Rust's float parser rounds correctly); null
/// stays null.
fn as_double(v: Value) -> Value {
    match v {
        Value::Int(i) => Value::Float(i.to_string().parse().unwrap()),
        Value::Decimal(d) => Value::Float(d.to_string().parse().unwrap()),
        v => v,
    }
}

/// Orders two non-null values: numbers of any kind by their exact values, other values of
/// the same kind by their natural order (strings by code point, GUIDs as 128-bit numbers,
/// instants on the time line), a date with an instant as its midnight, UTC. `None` only when a NaN takes part; panics on nulls and on
/// values of kinds that cannot be compared (a checked filter never compares them).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return compare_numbers(&x, &y);
    }
    Some(match (a, b) {
        (Bool(a), Bool(b)) => a.cmp(b),
        (String(a), String(b)) | (Enum(a), Enum(b)) => a.chars().cmp(b.chars()),
        (Guid(a), Guid(b)) => a.cmp(b),
        (Date(a), Date(b)) => a.cmp(b),
        (DateTimeOffset(a), DateTimeOffset(b)) => a.cmp(b),
        // OData promotes a date compared with an instant to its midnight, UTC.
        (Date(a), DateTimeOffset(b)) => a.and_time(chrono::NaiveTime::MIN).and_utc().cmp(b),
        (DateTimeOffset(a), Date(b)) => a.cmp(&b.and_time(chrono::NaiveTime::MIN).and_utc()),
        (TimeOfDay(a), TimeOfDay(b)) => a.cmp(b),
        (Duration(a), Duration(b)) => a.cmp(b),
        _ => panic!("reference: cannot compare {a:?} with {b:?}"),
    })
}

/// A number, as the reference sees it: exact, by its decimal expansion.
#[derive(Debug)]
enum Number {
    NaN,
    NegInf,
    /// A finite number: negative (never for zero), integer digits without leading zeros,
    /// fraction digits without trailing zeros.
    Finite(bool, String, String),
    PosInf,
}

/// The number a value is, if it is one. Every finite double has a finite decimal expansion,
/// of at most 1074 fraction digits, which Rust prints exactly when asked for that many.
fn number(v: &Value) -> Option<Number> {
    Some(match v {
        Value::Int(i) => finite(&i.to_string()),
        Value::Decimal(d) => finite(&d.to_string()),
        Value::Float(x) if x.is_nan() => Number::NaN,
        Value::Float(x) if x.is_infinite() => {
            if *x > 0.0 {
                Number::PosInf
            } else {
                Number::NegInf
            }
        }
        Value::Float(x) => finite(&format!("{x:.1100}")),
        _ => return None,
    })
}

/// `[-]digits[.digits]`, normalised.
fn finite(text: &str) -> Number {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(
        !int.is_empty() && (int.chars().chain(frac.chars())).all(|c| c.is_ascii_digit()),
        "reference: not a plain decimal number: {text}"
    );
    let int = int.trim_start_matches('0').to_owned();
    let frac = frac.trim_end_matches('0').to_owned();
    let zero = int.is_empty() && frac.is_empty();
    Number::Finite(negative && !zero, int, frac)
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    use Number::*;
    let rank = |n: &Number| match n {
        NegInf => 0,
        Finite(..) => 1,
        PosInf => 2,
        NaN => 3,
    };
    match (a, b) {
        (NaN, _) | (_, NaN) => None,
        (Finite(an, ai, af), Finite(bn, bi, bf)) => Some(match (an, bn) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => magnitude(ai, af, bi, bf),
            (true, true) => magnitude(bi, bf, ai, af),
        }),
        _ => Some(rank(a).cmp(&rank(b))),
    }
}

/// Compares two non-negative decimals given as normalised digit strings: the longer integer
/// part is larger; then digit by digit (fraction digits compare lexicographically, since
/// neither ends in zero).
fn magnitude(ai: &str, af: &str, bi: &str, bf: &str) -> Ordering {
    ai.len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(bi))
        .then_with(|| af.cmp(bf))
}

/// The characters of a String or Enum argument.
fn text(func: Function, v: Value) -> Vec<char> {
    match v {
        Value::String(s) | Value::Enum(s) => s.chars().collect(),
        v => panic!("reference: {}() takes text, not {v:?}", func.name()),
    }
}

fn int(func: Function, v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        v => panic!("reference: {}() takes an integer, not {v:?}", func.name()),
    }
}

fn string(chars: &[char]) -> Value {
    Value::String(chars.iter().collect())
}

/// The first position of `t` in `s`, in characters.
fn find(s: &[char], t: &[char]) -> Option<usize> {
    (0..=s.len()).find(|&i| s.len() - i >= t.len() && s[i..i + t.len()] == *t)
}

/// `func` of non-null arguments.
fn call(func: Function, vals: Vec<Value>) -> Value {
    let arity = match func {
        Function::Contains
        | Function::StartsWith
        | Function::EndsWith
        | Function::IndexOf
        | Function::Concat => 2..=2,
        Function::Substring => 2..=3,
        _ => 1..=1,
    };
    assert!(
        arity.contains(&vals.len()),
        "reference: {}() takes {arity:?} arguments, not {}: {vals:?}",
        func.name(),
        vals.len()
    );
    let mut it = vals.into_iter();
    let mut next = || it.next().unwrap();
    match func {
        Function::Contains => {
            let (s, t) = (text(func, next()), text(func, next()));
            Value::Bool(find(&s, &t).is_some())
        }
        Function::StartsWith => {
            let (s, t) = (text(func, next()), text(func, next()));
            Value::Bool(s.len() >= t.len() && s[..t.len()] == *t)
        }
        Function::EndsWith => {
            let (s, t) = (text(func, next()), text(func, next()));
            Value::Bool(s.len() >= t.len() && s[s.len() - t.len()..] == *t)
        }
        Function::Length => Value::Int(text(func, next()).len() as i64),
        Function::IndexOf => {
            let (s, t) = (text(func, next()), text(func, next()));
            Value::Int(find(&s, &t).map_or(-1, |i| i as i64))
        }
        Function::Substring => {
            let s = text(func, next());
            let start = int(func, next()).max(0);
            let len = it.next().map(|v| int(func, v));
            if start >= s.len() as i64 {
                return Value::String(String::new());
            }
            let rest = &s[start as usize..];
            match len {
                None => string(rest),
                Some(n) if n < 0 => Value::String(String::new()),
                Some(n) => string(&rest[..(n.min(rest.len() as i64)) as usize]),
            }
        }
        Function::ToLower => {
            // Unicode's default full case mapping (with the final-sigma rule).
            let s: String = text(func, next()).into_iter().collect();
            Value::String(s.to_lowercase())
        }
        Function::ToUpper => {
            let s: String = text(func, next()).into_iter().collect();
            Value::String(s.to_uppercase())
        }
        Function::Trim => {
            let mut s = text(func, next());
            while s.first() == Some(&' ') {
                s.remove(0);
            }
            while s.last() == Some(&' ') {
                s.pop();
            }
            string(&s)
        }
        Function::Concat => {
            let (mut s, t) = (text(func, next()), text(func, next()));
            s.extend(t);
            string(&s)
        }
        Function::Year | Function::Month | Function::Day => {
            let (y, m, d) = match next() {
                Value::Date(d) => (d.year(), d.month(), d.day()),
                Value::DateTimeOffset(t) => (t.year(), t.month(), t.day()),
                v => panic!("reference: {}() takes a date, not {v:?}", func.name()),
            };
            Value::Int(i64::from(match func {
                Function::Year => y,
                Function::Month => m as i32,
                _ => d as i32,
            }))
        }
        Function::Hour | Function::Minute | Function::Second => {
            let t = match next() {
                Value::TimeOfDay(t) => t,
                Value::DateTimeOffset(t) => t.time(),
                v => panic!("reference: {}() takes a time, not {v:?}", func.name()),
            };
            Value::Int(i64::from(match func {
                Function::Hour => t.hour(),
                Function::Minute => t.minute(),
                _ => t.second(),
            }))
        }
        Function::Date => match next() {
            Value::DateTimeOffset(t) => Value::Date(t.date_naive()),
            v => panic!("reference: date() takes an instant, not {v:?}"),
        },
        Function::Time => match next() {
            Value::DateTimeOffset(t) => Value::TimeOfDay(t.time()),
            v => panic!("reference: time() takes an instant, not {v:?}"),
        },
        Function::Round | Function::Floor | Function::Ceiling => {
            // By the fraction left after truncating toward zero (exact for both kinds).
            let pick = |fraction_abs_ge_half: bool, negative: bool, has_fraction: bool| match func {
                Function::Round => fraction_abs_ge_half,
                Function::Floor => negative && has_fraction,
                _ => !negative && has_fraction,
            };
            match next() {
                Value::Int(i) => Value::Int(i),
                Value::Float(x) if !x.is_finite() => Value::Float(x),
                Value::Float(x) => {
                    let (t, f) = (x.trunc(), x - x.trunc());
                    let away = pick(f.abs() >= 0.5, x < 0.0, f != 0.0);
                    Value::Float(if away { t + x.signum() } else { t })
                }
                Value::Decimal(d) => {
                    let (t, f) = (d.trunc(), d - d.trunc());
                    let half = odata_filter::value::Decimal::new(5, 1);
                    let away = pick(f.abs() >= half, d.is_sign_negative(), !f.is_zero());
                    let one = odata_filter::value::Decimal::ONE;
                    Value::Decimal(match (away, d.is_sign_negative()) {
                        (false, _) => t,
                        (true, false) => t + one,
                        (true, true) => t - one,
                    })
                }
                v => panic!("reference: {}() takes a number, not {v:?}", func.name()),
            }
        }
        f => panic!("reference: unknown function {f:?}"),
    }
}

/// The sort order of `$orderby`: null is the smallest value (NaN ties with everything).
fn order(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// The positions of the records `query` selects, in order: filter, sort by the order keys
/// (or the default order), then the key ascending, then input order; skip and top.
pub fn select(query: &Query, schema: &EntitySchema, records: &[Json]) -> Vec<usize> {
    select_with(query, schema, records, &matches)
}

/// Like [`select`], with `matches` deciding which records the filter keeps.
pub fn select_with(
    query: &Query,
    schema: &EntitySchema,
    records: &[Json],
    matches: &dyn Fn(&Expr, &Json) -> bool,
) -> Vec<usize> {
    let mut keys: Vec<(FieldRef, bool)> = query
        .order_by
        .iter()
        .map(|k| (k.field.clone(), k.descending))
        .collect();
    if keys.is_empty() {
        for (name, desc) in schema.default_order() {
            let f = schema.lookup(name).unwrap();
            keys.push((FieldRef::top_level(f), *desc));
        }
    }
    let key = schema.key_field();
    keys.push((FieldRef::top_level(key), false));
    let mut hits: Vec<usize> = (0..records.len())
        .filter(|&i| {
            query
                .filter
                .as_ref()
                .is_none_or(|f| matches(f, &records[i]))
        })
        .collect();
    hits.sort_by(|&a, &b| {
        for (r, desc) in &keys {
            let o = order(
                &r.typed_value_in(&records[a]),
                &r.typed_value_in(&records[b]),
            );
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.cmp(&b)
    });
    let skip = usize::try_from(query.skip).unwrap_or(usize::MAX);
    let top = query
        .top
        .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
    hits.into_iter().skip(skip).take(top).collect()
}
