//! Prints a syntax tree back as canonical `$filter` text.
//!
//! Keywords come out in lower case, literals in their canonical form, and
//! parentheses exactly where the precedence table needs them, so that
//! parsing the printed text gives back an equal tree.

use super::ast::{Expr, ExprKind, Literal, Path, Precedence, UnaryOp};
use chrono::{NaiveTime, TimeDelta, Timelike};
use std::fmt::{self, Display, Formatter, Write};

impl Expr {
    /// The binding strength of this node when it stands as an operand.
    pub(crate) fn precedence(&self) -> Precedence {
        match &self.kind {
            ExprKind::Logical { op, .. } => op.precedence(),
            ExprKind::Binary { op, .. } => op.precedence(),
            ExprKind::Unary { .. } => Precedence::Unary,
            ExprKind::In { .. } => Precedence::Primary,
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Call { .. } => Precedence::Atom,
            ExprKind::Lambda { .. } | ExprKind::Alias(_) => Precedence::Atom,
        }
    }
}

/// Writes `e`, in parentheses when it binds less tightly than `min`.
fn operand(f: &mut Formatter<'_>, e: &Expr, min: Precedence) -> fmt::Result {
    if e.precedence() < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    f.write_char('(')?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_char(')')
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(lit) => write!(f, "{lit}"),
            ExprKind::Path(path) => write!(f, "{path}"),
            ExprKind::Logical { op, operands } => {
                for (i, e) in operands.iter().enumerate() {
                    if i > 0 {
                        write!(f, " {} ", op.keyword())?;
                    }
                    // A nested chain of the same operator needs parentheses,
                    // or it would be flattened into this one.
                    operand(f, e, op.precedence().tighter())?;
                }
                Ok(())
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let p = op.precedence();
                operand(f, lhs, p)?;
                write!(f, " {} ", op.keyword())?;
                operand(f, rhs, p.tighter())
            }
            ExprKind::Unary { op, expr } => {
                match op {
                    UnaryOp::Not => f.write_str("not ")?,
                    UnaryOp::Neg => f.write_char('-')?,
                }
                // `-` must not merge into a literal that starts the operand
                // (`-5`, `-INF`, `-5 has x`): only operands that start with a
                // name or another operator go bare.
                let bare = matches!(
                    expr.kind,
                    ExprKind::Path(_)
                        | ExprKind::Call { .. }
                        | ExprKind::Lambda { .. }
                        | ExprKind::Alias(_)
                        | ExprKind::Unary { .. }
                );
                if *op == UnaryOp::Neg && !bare {
                    write!(f, "({expr})")
                } else {
                    operand(f, expr, Precedence::Unary)
                }
            }
            ExprKind::In { expr, list: items } => {
                operand(f, expr, Precedence::Primary)?;
                f.write_str(" in ")?;
                list(f, items)
            }
            ExprKind::Call { name, args } => {
                f.write_str(&name.name)?;
                list(f, args)
            }
            ExprKind::Lambda { path, kind, body } => {
                write!(f, "{path}/{}(", kind.keyword())?;
                if let Some((var, pred)) = body {
                    write!(f, "{}: {pred}", var.name)?;
                }
                f.write_char(')')
            }
            ExprKind::Alias(name) => write!(f, "@{}", name.name),
        }
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_char('/')?;
            }
            f.write_str(&seg.name)?;
        }
        Ok(())
    }
}

/// Writes `.fffffffff` with trailing zeros removed, or nothing for whole seconds.
fn fraction(f: &mut Formatter<'_>, nanos: u32) -> fmt::Result {
    if nanos == 0 {
        return Ok(());
    }
    let digits = format!("{nanos:09}");
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// `hh:mm:ss[.f]` (literals hold no leap second: see [`crate::value::without_leap_second`]).
fn time(f: &mut Formatter<'_>, t: NaiveTime) -> fmt::Result {
    write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
    fraction(f, t.nanosecond())
}

/// `duration'[-]P[nD][T[nH][nM][n[.f]S]]'`, normalised.
fn duration(f: &mut Formatter<'_>, d: TimeDelta) -> fmt::Result {
    f.write_str("duration'")?;
    if d < TimeDelta::zero() {
        f.write_char('-')?;
    }
    let total = d.num_seconds().unsigned_abs();
    let nanos = d.subsec_nanos().unsigned_abs();
    let (days, rem) = (total / 86_400, total % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    f.write_char('P')?;
    if days > 0 {
        write!(f, "{days}D")?;
    }
    if h > 0 || m > 0 || s > 0 || nanos > 0 || days == 0 {
        f.write_char('T')?;
        if h > 0 {
            write!(f, "{h}H")?;
        }
        if m > 0 {
            write!(f, "{m}M")?;
        }
        if s > 0 || nanos > 0 || (h == 0 && m == 0) {
            write!(f, "{s}")?;
            fraction(f, nanos)?;
            f.write_char('S')?;
        }
    }
    f.write_char('\'')
}

/// A finite float as text that reads back as this float, a [`Literal::Float`], and not as a
/// decimal: its shortest text (`1e300`, `5e-324`), or where that would read as a decimal (a
/// float from a literal with more digits than a decimal holds, such as
/// `0.1000000000000000000000000000001`, which is the float `0.1`), that text with a `1` far
/// past the float's precision (`0.10000000000000000000000000000001`).
fn float(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    // Debug keeps a `.` or an exponent.
    let shortest = format!("{x:?}");
    if crate::decimal::parse(&shortest).is_none() {
        return f.write_str(&shortest);
    }
    if x == 0.0 {
        // Any nonzero digit would be read; a number too small for a float is zero.
        return f.write_str(if x.is_sign_negative() {
            "-1e-400"
        } else {
            "1e-400"
        });
    }
    // 30 zeros and a 1: more digits than a decimal holds, far less than half a float's ulp.
    let tail = format!("{}1", "0".repeat(30));
    let (mantissa, exponent) = match shortest.split_once('e') {
        Some((m, e)) => (m, format!("e{e}")),
        None => (shortest.as_str(), String::new()),
    };
    let point = if mantissa.contains('.') { "" } else { ".0" };
    let text = format!("{mantissa}{point}{tail}{exponent}");
    if text.parse::<f64>() == Ok(x) {
        return f.write_str(&text);
    }
    // The shortest text lies at the very edge of the float's rounding interval, and the `1`
    // pushed it out: start from the float's exact value instead.
    let exact = crate::decimal::exact_f64_text(x);
    let point = if exact.contains('.') { "" } else { ".0" };
    write!(f, "{exact}{point}{tail}")
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            // Every digit as written. A whole number in i64 gets a `.0` so that it reads back
            // as a decimal, not an integer (beyond i64 its digits alone read as a decimal).
            Literal::Decimal(d) => {
                f.write_str(&crate::decimal::text(d))?;
                if d.scale() == 0 && crate::decimal::to_i64(d).is_some() {
                    f.write_str(".0")?;
                }
                Ok(())
            }
            Literal::Float(x) if x.is_nan() => f.write_str("NaN"),
            Literal::Float(x) if x.is_infinite() => {
                f.write_str(if *x > 0.0 { "INF" } else { "-INF" })
            }
            Literal::Float(x) => float(f, *x),
            Literal::String(s) => {
                f.write_char('\'')?;
                for (i, part) in s.split('\'').enumerate() {
                    if i > 0 {
                        f.write_str("''")?;
                    }
                    f.write_str(part)?;
                }
                f.write_char('\'')
            }
            Literal::Guid(g) => crate::edm::guid::write(f, *g),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::DateUtc(d) => write!(f, "{}Z", d.format("%Y-%m-%d")),
            Literal::DateTimeOffset(dt) => {
                write!(f, "{}T", dt.format("%Y-%m-%d"))?;
                time(f, dt.time())?;
                let off = dt.offset().local_minus_utc();
                if off == 0 {
                    f.write_char('Z')
                } else {
                    let sign = if off < 0 { '-' } else { '+' };
                    let off = off.unsigned_abs() / 60;
                    write!(f, "{sign}{:02}:{:02}", off / 60, off % 60)
                }
            }
            Literal::TimeOfDay(t) => time(f, *t),
            Literal::Duration(d) => duration(f, *d),
            Literal::Enum { type_name, value } => write!(f, "{type_name}'{value}'"),
        }
    }
}
