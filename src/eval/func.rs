//! The canonical functions over evaluated values.

use super::node::{Env, Operand, Record};
use super::scalar::Scalar;
use crate::edm::number::Whole;
use crate::edm::string::case_map;
use crate::ir::Function;
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use std::borrow::Cow;

/// Calls `func` on `args`: null if any argument is null.
pub(crate) fn call<'a, R: Record + ?Sized>(
    func: Function,
    args: &'a [Operand],
    env: &Env<'a, R>,
) -> Scalar<'a> {
    call_checked(func, args, env).unwrap_or(Scalar::Null)
}

fn arg<'a, R: Record + ?Sized>(
    args: &'a [Operand],
    i: usize,
    env: &Env<'a, R>,
) -> Option<Scalar<'a>> {
    let v = args.get(i)?.value(env);
    (!v.is_null()).then_some(v)
}

fn text<'a, R: Record + ?Sized>(
    args: &'a [Operand],
    i: usize,
    env: &Env<'a, R>,
) -> Option<Cow<'a, str>> {
    args.get(i)?.text(env)
}

fn int<R: Record + ?Sized>(args: &[Operand], i: usize, env: &Env<'_, R>) -> Option<i64> {
    match args.get(i)?.value(env) {
        Scalar::Int(n) => Some(n),
        _ => None,
    }
}

fn count(n: usize) -> Scalar<'static> {
    Scalar::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The date part of a Date, or of a DateTimeOffset in UTC.
fn date_of(v: Scalar<'_>) -> Option<NaiveDate> {
    match v {
        Scalar::Date(d) => Some(d),
        Scalar::Instant(t) => Some(t.utc_parts()?.0),
        _ => None,
    }
}

/// The time part of a TimeOfDay, or of a DateTimeOffset in UTC.
fn time_of(v: Scalar<'_>) -> Option<NaiveTime> {
    match v {
        Scalar::Time(t) => Some(t),
        Scalar::Instant(t) => Some(t.utc_parts()?.1),
        _ => None,
    }
}

fn call_checked<'a, R: Record + ?Sized>(
    func: Function,
    args: &'a [Operand],
    env: &Env<'a, R>,
) -> Option<Scalar<'a>> {
    Some(match func {
        Function::Contains => {
            let s = text(args, 0, env)?;
            Scalar::Bool(s.contains(&*text(args, 1, env)?))
        }
        Function::StartsWith => {
            let s = text(args, 0, env)?;
            Scalar::Bool(s.starts_with(&*text(args, 1, env)?))
        }
        Function::EndsWith => {
            let s = text(args, 0, env)?;
            Scalar::Bool(s.ends_with(&*text(args, 1, env)?))
        }
        Function::Length => count(text(args, 0, env)?.chars().count()),
        Function::IndexOf => {
            let s = text(args, 0, env)?;
            let sub = text(args, 1, env)?;
            match s.find(&*sub) {
                Some(byte) => count(s[..byte].chars().count()),
                None => Scalar::Int(-1),
            }
        }
        Function::Substring => {
            let s = text(args, 0, env)?;
            let start = int(args, 1, env)?;
            let len = match args.len() {
                3 => Some(int(args, 2, env)?),
                _ => None,
            };
            Scalar::Str(map_text(s, |s| substring(s, start, len)))
        }
        Function::ToLower => Scalar::Str(case_map(text(args, 0, env)?, false)),
        Function::ToUpper => Scalar::Str(case_map(text(args, 0, env)?, true)),
        Function::Trim => Scalar::Str(map_text(text(args, 0, env)?, |s| s.trim_matches(' '))),
        Function::Concat => {
            let a = text(args, 0, env)?;
            let b = text(args, 1, env)?;
            if b.is_empty() {
                Scalar::Str(a)
            } else if a.is_empty() {
                Scalar::Str(b)
            } else {
                Scalar::Str(Cow::Owned([&*a, &*b].concat()))
            }
        }
        Function::Year => Scalar::Int(i64::from(date_of(arg(args, 0, env)?)?.year())),
        Function::Month => Scalar::Int(i64::from(date_of(arg(args, 0, env)?)?.month())),
        Function::Day => Scalar::Int(i64::from(date_of(arg(args, 0, env)?)?.day())),
        Function::Hour => Scalar::Int(i64::from(time_of(arg(args, 0, env)?)?.hour())),
        Function::Minute => Scalar::Int(i64::from(time_of(arg(args, 0, env)?)?.minute())),
        Function::Second => Scalar::Int(i64::from(time_of(arg(args, 0, env)?)?.second())),
        Function::Date => match arg(args, 0, env)? {
            Scalar::Instant(t) => Scalar::Date(t.utc_parts()?.0),
            _ => return None,
        },
        Function::Time => match arg(args, 0, env)? {
            Scalar::Instant(t) => Scalar::Time(t.utc_parts()?.1),
            _ => return None,
        },
        Function::Round | Function::Floor | Function::Ceiling => {
            let whole = Whole::of(func)?;
            match arg(args, 0, env)? {
                Scalar::Float(x) => Scalar::Float(whole.of_double(x)),
                Scalar::Decimal(d) => Scalar::Decimal(whole.of_decimal(d)),
                // Already whole.
                Scalar::Int(i) => Scalar::Int(i),
                _ => return None,
            }
        }
        // The checker writes these as constants.
        Function::Now | Function::MaxDateTime | Function::MinDateTime => return None,
    })
}

/// Applies a slicing function to text, borrowing when the text is borrowed.
fn map_text<'a>(s: Cow<'a, str>, f: impl FnOnce(&str) -> &str) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(s) => Cow::Borrowed(f(s)),
        Cow::Owned(s) => Cow::Owned(f(&s).to_owned()),
    }
}

/// `substring(s, start[, len])` over characters: a negative `start` counts as 0, a `start`
/// at or past the end gives `''`, a negative `len` gives `''`, a `len` past the end takes
/// the rest.
pub(crate) fn substring(s: &str, start: i64, len: Option<i64>) -> &str {
    let start = usize::try_from(start.max(0)).unwrap_or(usize::MAX);
    let Some((from, _)) = s.char_indices().nth(start) else {
        return "";
    };
    let rest = &s[from..];
    match len {
        None => rest,
        Some(len) if len <= 0 => "",
        Some(len) => {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            match rest.char_indices().nth(len) {
                Some((to, _)) => &rest[..to],
                None => rest,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_rules() {
        assert_eq!(substring("héllo", 1, None), "éllo");
        assert_eq!(substring("héllo", 1, Some(2)), "él");
        assert_eq!(substring("héllo", -3, Some(2)), "hé");
        assert_eq!(substring("héllo", 5, None), "");
        assert_eq!(substring("héllo", 99, Some(1)), "");
        assert_eq!(substring("héllo", 0, Some(-1)), "");
        assert_eq!(substring("héllo", 0, Some(0)), "");
        assert_eq!(substring("héllo", 3, Some(99)), "lo");
        assert_eq!(substring("héllo", i64::MIN, Some(i64::MAX)), "héllo");
        assert_eq!(substring("héllo", i64::MAX, None), "");
        assert_eq!(substring("", 0, None), "");
    }
}
