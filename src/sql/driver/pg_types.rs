//! PostgreSQL's wire types for [`SqlValue`]: the `ToSql` that the `postgres` and
//! `tokio-postgres` drivers share (both re-export `postgres-types`).

use crate::decimal::exact_f64_text as exact_decimal;
use crate::sql::params::SqlValue;
use bytes::{BufMut, BytesMut};
use postgres_types::{to_sql_checked, IsNull, ToSql, Type};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for SqlValue {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let mismatch = || -> BoxError { format!("cannot send {self:?} as {ty}").into() };
        match self {
            SqlValue::Null => return Ok(IsNull::Yes),
            SqlValue::Bool(b) if *ty == Type::BOOL => out.put_u8(u8::from(*b)),
            SqlValue::Int(i) => match *ty {
                Type::INT8 => out.put_i64(*i),
                Type::INT4 => out.put_i32(i32::try_from(*i)?),
                Type::INT2 => out.put_i16(i16::try_from(*i)?),
                Type::NUMERIC => write_numeric(&i.to_string(), out),
                _ => return Err(mismatch()),
            },
            SqlValue::Float(x) => match *ty {
                Type::FLOAT8 => out.put_f64(*x),
                Type::NUMERIC => write_numeric(&exact_decimal(*x), out),
                _ => return Err(mismatch()),
            },
            // Every digit; never as a float, which would round it.
            SqlValue::Decimal(d) => match *ty {
                Type::NUMERIC => write_numeric(&crate::decimal::text(d), out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    out.put_slice(crate::decimal::text(d).as_bytes())
                }
                _ => return Err(mismatch()),
            },
            SqlValue::Text(t) => {
                if *ty == Type::JSONB {
                    out.put_u8(1); // jsonb binary format version
                }
                out.put_slice(t.as_bytes());
            }
            // Native columns, in PostgreSQL's binary formats: microseconds (never rounded: the
            // translator binds whole ones) and days since 2000-01-01 UTC.
            SqlValue::Timestamp(t) if *ty == Type::TIMESTAMPTZ => {
                let secs = t.timestamp() - PG_EPOCH_SECONDS;
                out.put_i64(
                    secs * 1_000_000 + i64::from(whole_micros(t.timestamp_subsec_nanos())?),
                );
            }
            SqlValue::Date(d) if *ty == Type::DATE => {
                out.put_i32(chrono::Datelike::num_days_from_ce(d) - PG_EPOCH_DAYS_FROM_CE);
            }
            SqlValue::Time(t) if *ty == Type::TIME => {
                use chrono::Timelike;
                let micros = whole_micros(t.nanosecond())?;
                out.put_i64(
                    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(micros),
                );
            }
            // No days and no months: compared as the microseconds it holds.
            SqlValue::Interval(d) if *ty == Type::INTERVAL => {
                whole_micros(d.subsec_nanos().unsigned_abs())?;
                out.put_i64(d.num_microseconds().ok_or_else(mismatch)?);
                out.put_i32(0);
                out.put_i32(0);
            }
            SqlValue::Uuid(g) if *ty == Type::UUID => out.put_u128(*g),
            // One dimension from 1 (none when empty), each element length-prefixed, -1 null.
            SqlValue::Array(items) => {
                let postgres_types::Kind::Array(member) = ty.kind() else {
                    return Err(mismatch());
                };
                out.put_i32(i32::from(!items.is_empty()));
                out.put_i32(i32::from(items.contains(&SqlValue::Null)));
                out.put_u32(member.oid());
                if !items.is_empty() {
                    out.put_i32(i32::try_from(items.len())?);
                    out.put_i32(1);
                }
                for item in items {
                    let mut element = BytesMut::new();
                    match item.to_sql(member, &mut element)? {
                        IsNull::Yes => out.put_i32(-1),
                        IsNull::No => {
                            out.put_i32(i32::try_from(element.len())?);
                            out.put_slice(&element);
                        }
                    }
                }
            }
            SqlValue::Bool(_)
            | SqlValue::Timestamp(_)
            | SqlValue::Date(_)
            | SqlValue::Time(_)
            | SqlValue::Interval(_)
            | SqlValue::Uuid(_) => return Err(mismatch()),
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        [
            Type::BOOL,
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT8,
            Type::NUMERIC,
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::UNKNOWN,
            Type::JSON,
            Type::JSONB,
            Type::TIMESTAMPTZ,
            Type::DATE,
            Type::TIME,
            Type::INTERVAL,
            Type::UUID,
            Type::TEXT_ARRAY,
            Type::INT8_ARRAY,
            Type::BOOL_ARRAY,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

/// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix seconds.
const PG_EPOCH_SECONDS: i64 = 946_684_800;
/// 2000-01-01 as chrono's days from the common era.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

/// The whole microseconds in `nanos` (below one second), or an error when it is not whole.
fn whole_micros(nanos: u32) -> Result<u32, BoxError> {
    if nanos % 1_000 != 0 {
        return Err(format!("{nanos} ns is not a whole number of microseconds").into());
    }
    Ok(nanos / 1_000)
}

/// Writes the binary `NUMERIC` of a decimal string (`-12.5`), or `NaN`/`inf`/`-inf`.
pub(crate) fn write_numeric(dec: &str, out: &mut BytesMut) {
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
    #[test]
    fn numeric_binary_layout() {
        let enc = |s: &str| {
            let mut out = bytes::BytesMut::new();
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
