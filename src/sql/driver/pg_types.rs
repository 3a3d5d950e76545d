//! PostgreSQL's binary encoding of a [`SqlValue`] for a given parameter type: the one home of
//! that rule, used by the `postgres`/`tokio-postgres` `ToSql` (for the type the server infers)
//! and by sqlx's `Encode<Postgres>` (for `DECLARED`, text).

use crate::decimal::exact_f64_text as exact_decimal;
use crate::sql::driver::whole_micros;
use crate::sql::params::SqlValue;
use bytes::BufMut;
use std::borrow::Cow;

/// The object identifiers (OIDs) of the PostgreSQL types a [`SqlValue`] is sent as.
#[allow(dead_code)] // each feature uses some
pub(crate) mod oid {
    pub const BOOL: u32 = 16;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const NUMERIC: u32 = 1700;
    pub const JSONB: u32 = 3802;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const UUID: u32 = 2950;
    pub const BOOL_ARRAY: u32 = 1000;
    pub const TEXT_ARRAY: u32 = 1009;
    pub const INT8_ARRAY: u32 = 1016;
}

/// The parameter types [`encode`] writes some value for.
#[cfg(feature = "pg-types")]
pub(crate) const ACCEPTED: [u32; 21] = [
    oid::BOOL,
    oid::INT2,
    oid::INT4,
    oid::INT8,
    oid::FLOAT8,
    oid::NUMERIC,
    oid::TEXT,
    oid::VARCHAR,
    oid::BPCHAR,
    oid::NAME,
    oid::UNKNOWN,
    oid::JSON,
    oid::JSONB,
    oid::DATE,
    oid::TIME,
    oid::TIMESTAMPTZ,
    oid::INTERVAL,
    oid::UUID,
    oid::BOOL_ARRAY,
    oid::TEXT_ARRAY,
    oid::INT8_ARRAY,
];

/// The element type of the array type `ty`, if it is one of the arrays [`encode`] writes.
fn element_of(ty: u32) -> Option<u32> {
    match ty {
        oid::BOOL_ARRAY => Some(oid::BOOL),
        oid::TEXT_ARRAY => Some(oid::TEXT),
        oid::INT8_ARRAY => Some(oid::INT8),
        _ => None,
    }
}

/// The type sqlx declares for every parameter: `TEXT`, sent as the value's exact text, which
/// the placeholder's cast (`$1::numeric`, `$1::bigint`, `$1::boolean`, `$1::jsonb`; see
/// [`PostgresDialect`](crate::sql::PostgresDialect)) reads without loss. sqlx names each
/// parameter's type itself and reuses a prepared statement with the types of its first run, so
/// the type must depend on the placeholder, never on the value (a null and a number bound to
/// one placeholder must agree), and a float must not be declared `FLOAT8`, whose cast to
/// `numeric` keeps 15 digits.
#[cfg(feature = "sqlx-postgres")]
pub(crate) const DECLARED: u32 = oid::TEXT;

/// Whether `ty` is one of the text types, whose binary form is the UTF-8 text.
fn is_text(ty: u32) -> bool {
    matches!(
        ty,
        oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN
    )
}

/// Whether [`encode`] wrote a value or the parameter is SQL `NULL` (nothing written).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Written {
    /// SQL `NULL`.
    Null,
    /// A value.
    Value,
}

/// Writes `value` as the binary form of the PostgreSQL type `ty` (an OID, see [`oid`]), or says
/// why it cannot: the type cannot hold it exactly. Every digit of a decimal or float goes into
/// a `NUMERIC` or a text type; nothing is rounded. A new [`SqlValue`] variant gets its arms
/// here and its text form in [`text`].
pub(crate) fn encode(value: &SqlValue, ty: u32, out: &mut impl BufMut) -> Result<Written, String> {
    match (value, ty) {
        (SqlValue::Null, _) => return Ok(Written::Null),
        (SqlValue::Bool(b), oid::BOOL) => out.put_u8(u8::from(*b)),
        (SqlValue::Int(i), oid::INT8) => out.put_i64(*i),
        (SqlValue::Int(i), oid::INT4) => out.put_i32(i32::try_from(*i).map_err(|e| e.to_string())?),
        (SqlValue::Int(i), oid::INT2) => out.put_i16(i16::try_from(*i).map_err(|e| e.to_string())?),
        (SqlValue::Float(x), oid::FLOAT8) => out.put_f64(*x),
        // Every digit; never as a float, which would round it.
        (SqlValue::Int(_) | SqlValue::Float(_) | SqlValue::Decimal(_), oid::NUMERIC) => {
            write_numeric(&text(value)?, out)
        }
        (SqlValue::Text(t), oid::JSONB) => {
            out.put_u8(1); // jsonb binary format version
            out.put_slice(t.as_bytes());
        }
        // Native columns, in PostgreSQL's binary formats: microseconds (never rounded: the
        // translator binds whole ones, and anything else is refused) and days, counted from
        // 2000-01-01 UTC.
        (SqlValue::Timestamp(t), oid::TIMESTAMPTZ) => {
            let secs = t.timestamp() - PG_EPOCH_SECONDS;
            out.put_i64(secs * 1_000_000 + i64::from(whole_micros(t.timestamp_subsec_nanos())?));
        }
        (SqlValue::Date(d), oid::DATE) => {
            out.put_i32(chrono::Datelike::num_days_from_ce(d) - PG_EPOCH_DAYS_FROM_CE);
        }
        (SqlValue::Time(t), oid::TIME) => {
            use chrono::Timelike;
            let micros = whole_micros(t.nanosecond())?;
            out.put_i64(i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(micros));
        }
        // No days and no months: compared as the microseconds it holds.
        (SqlValue::Interval(d), oid::INTERVAL) => {
            out.put_i64(interval_micros(d)?);
            out.put_i32(0);
            out.put_i32(0);
        }
        (SqlValue::Uuid(g), oid::UUID) => out.put_u128(*g),
        // One dimension from 1 (none when empty), each element length-prefixed, -1 for null.
        (SqlValue::Array(items), ty) if element_of(ty).is_some() => {
            let member = element_of(ty).unwrap_or(ty);
            out.put_i32(i32::from(!items.is_empty()));
            out.put_i32(i32::from(items.contains(&SqlValue::Null)));
            out.put_u32(member);
            if !items.is_empty() {
                out.put_i32(i32::try_from(items.len()).map_err(|e| e.to_string())?);
                out.put_i32(1);
            }
            for item in items {
                let mut element = Vec::new();
                match encode(item, member, &mut element)? {
                    Written::Null => out.put_i32(-1),
                    Written::Value => {
                        out.put_i32(i32::try_from(element.len()).map_err(|e| e.to_string())?);
                        out.put_slice(&element);
                    }
                }
            }
        }
        (SqlValue::Text(t), _) => out.put_slice(t.as_bytes()),
        (_, ty) if is_text(ty) => out.put_slice(text(value)?.as_bytes()),
        _ => {
            return Err(format!(
                "cannot send {value:?} as the PostgreSQL type with OID {ty}"
            ))
        }
    }
    Ok(Written::Value)
}

/// The text PostgreSQL reads `value` from exactly, as its placeholder's cast (`$1::numeric`,
/// `$1::timestamptz`, `$1::text[]`, ...) reads it: `true`, `-12`, every digit of a float's
/// binary value (`0.1000000000000000055511151231257827021181583404541015625`) or a decimal;
/// instants, dates, times of day and GUIDs in the crate's text forms (whole microseconds, or
/// refused: PostgreSQL would round finer digits); an interval as seconds; an array literal.
fn text(value: &SqlValue) -> Result<Cow<'_, str>, String> {
    use crate::sql::storage::{date_text, instant_text, time_text};
    Ok(match value {
        SqlValue::Null => Cow::Borrowed(""),
        SqlValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        SqlValue::Int(i) => Cow::Owned(i.to_string()),
        SqlValue::Float(x) => Cow::Owned(exact_decimal(*x)),
        SqlValue::Decimal(d) => Cow::Owned(crate::decimal::text(d)),
        SqlValue::Text(t) => Cow::Borrowed(t),
        SqlValue::Timestamp(t) => {
            whole_micros(t.timestamp_subsec_nanos())?;
            Cow::Owned(instant_text(t))
        }
        SqlValue::Date(d) => Cow::Owned(date_text(*d)),
        SqlValue::Time(t) => {
            whole_micros(chrono::Timelike::nanosecond(t))?;
            Cow::Owned(time_text(*t))
        }
        SqlValue::Interval(d) => {
            let micros = interval_micros(d)?;
            let sign = if micros < 0 { "-" } else { "" };
            let (secs, frac) = (
                micros.unsigned_abs() / 1_000_000,
                micros.unsigned_abs() % 1_000_000,
            );
            Cow::Owned(format!("{sign}{secs}.{frac:06} seconds"))
        }
        SqlValue::Uuid(g) => Cow::Owned(crate::edm::guid::format(*g)),
        SqlValue::Array(items) => {
            let mut out = String::from("{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if *item == SqlValue::Null {
                    out.push_str("NULL");
                    continue;
                }
                out.push('"');
                for c in text(item)?.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            out.push('}');
            Cow::Owned(out)
        }
    })
}

/// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix seconds.
const PG_EPOCH_SECONDS: i64 = 946_684_800;
/// 2000-01-01 as chrono's days from the common era.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

/// A duration's whole microseconds, or why it has none (finer, or beyond 2^63 µs).
fn interval_micros(d: &chrono::TimeDelta) -> Result<i64, String> {
    whole_micros(d.subsec_nanos().unsigned_abs())?;
    d.num_microseconds()
        .ok_or_else(|| format!("{d} is beyond PostgreSQL's interval"))
}

/// Writes the binary `NUMERIC` of a decimal string (`-12.5`), or `NaN`/`inf`/`-inf`.
fn write_numeric(dec: &str, out: &mut impl BufMut) {
    let special = match dec {
        "NaN" => Some(0xC000),
        "inf" => Some(0xD000),
        "-inf" => Some(0xF000),
        _ => None,
    };
    if let Some(sign) = special {
        out.put_i16(0);
        out.put_i16(0);
        out.put_u16(sign);
        out.put_i16(0);
        return;
    }
    let (negative, body) = match dec.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, dec),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    // The display scale: every decimal place written, trailing zeros included.
    let scale = frac.len();
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let mut digits = "0".repeat((4 - int.len() % 4) % 4);
    digits.push_str(int);
    let int_groups = digits.len() / 4;
    digits.push_str(frac);
    digits.push_str(&"0".repeat((4 - frac.len() % 4) % 4));
    let mut groups: Vec<i16> = digits
        .as_bytes()
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |n, d| n * 10 + i16::from(*d - b'0')))
        .collect();
    let mut weight = int_groups as i32 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.put_i16(groups.len() as i16);
    out.put_i16(weight as i16);
    out.put_u16(if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    });
    out.put_i16(scale as i16);
    for g in groups {
        out.put_i16(g);
    }
}

#[cfg(test)]
mod tests {
    use super::{encode, oid, Written};
    use crate::sql::params::SqlValue;

    #[test]
    fn text_forms_keep_every_digit_and_mismatches_are_refused() {
        let text = |v: SqlValue| {
            let mut out = Vec::new();
            assert_eq!(encode(&v, oid::TEXT, &mut out), Ok(Written::Value));
            String::from_utf8(out).unwrap()
        };
        // Python's decimal.Decimal(0.1).
        assert_eq!(
            text(SqlValue::Float(0.1)),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(text(SqlValue::Int(i64::MIN)), "-9223372036854775808");
        assert_eq!(text(SqlValue::Bool(false)), "false");
        assert_eq!(
            text(SqlValue::Decimal(
                "3258.678765765489753678965390".parse().unwrap()
            )),
            "3258.678765765489753678965390"
        );
        let mut out = Vec::new();
        assert_eq!(
            encode(&SqlValue::Null, oid::INT8, &mut out),
            Ok(Written::Null)
        );
        assert!(out.is_empty());
        assert!(encode(&SqlValue::Int(1 << 40), oid::INT4, &mut out).is_err());
        assert!(encode(&SqlValue::Bool(true), oid::INT8, &mut out).is_err());
        assert!(encode(&SqlValue::Float(0.5), oid::INT8, &mut out).is_err());
    }

    #[test]
    fn numeric_binary_layout() {
        let enc = |s: &str| {
            let mut out = Vec::new();
            super::write_numeric(s, &mut out);
            out.chunks(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>()
        };
        // ndigits, weight, sign, dscale, digits...
        assert_eq!(enc("12345.678"), [3, 1, 0, 3, 1, 2345, 6780]);
        assert_eq!(enc("-0.00001"), [1, -2, 0x4000, 5, 1000]);
        assert_eq!(enc("0"), [0, 0, 0, 0]);
        assert_eq!(enc("100000000"), [1, 2, 0, 0, 1]);
        // A decimal keeps its scale: 1.50 is sent as 1.50.
        assert_eq!(enc("1.50"), [2, 0, 0, 2, 1, 5000]);
    }
}
