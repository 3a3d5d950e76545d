//! PostgreSQL's binary encoding of a [`SqlValue`] for a given parameter type: the one home of
//! that rule, used by the `postgres`/`tokio-postgres` `ToSql` and by sqlx's `Encode<Postgres>`.

use crate::decimal::exact_f64_text as exact_decimal;
use crate::sql::params::SqlValue;
use bytes::BufMut;

/// The object identifiers (OIDs) of the PostgreSQL types a [`SqlValue`] is sent as.
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
}

/// The parameter types [`encode`] writes some value for.
pub(crate) const ACCEPTED: [u32; 13] = [
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
];

/// The type to declare for `value` when the client, not the server, names each parameter's
/// type (sqlx): the one whose cast to the placeholder's type (`$1::numeric`, `$1::bigint`, see
/// [`PostgresDialect`](crate::sql::PostgresDialect)) keeps the value. A float is declared
/// `NUMERIC` and sent as its exact decimal expansion: sent as `FLOAT8`, PostgreSQL's cast to
/// `numeric` would round it to 15 digits. A null is declared `TEXT`, which casts to any type.
pub(crate) fn declared(value: &SqlValue) -> u32 {
    match value {
        SqlValue::Null | SqlValue::Text(_) => oid::TEXT,
        SqlValue::Bool(_) => oid::BOOL,
        SqlValue::Int(_) => oid::INT8,
        SqlValue::Float(_) | SqlValue::Decimal(_) => oid::NUMERIC,
    }
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
/// a `NUMERIC`; nothing is rounded. A new [`SqlValue`] variant gets its arm here, and in
/// [`declared`].
pub(crate) fn encode(value: &SqlValue, ty: u32, out: &mut impl BufMut) -> Result<Written, String> {
    let mismatch = || format!("cannot send {value:?} as the PostgreSQL type with OID {ty}");
    match value {
        SqlValue::Null => return Ok(Written::Null),
        SqlValue::Bool(b) if ty == oid::BOOL => out.put_u8(u8::from(*b)),
        SqlValue::Bool(_) => return Err(mismatch()),
        SqlValue::Int(i) => match ty {
            oid::INT8 => out.put_i64(*i),
            oid::INT4 => out.put_i32(i32::try_from(*i).map_err(|e| e.to_string())?),
            oid::INT2 => out.put_i16(i16::try_from(*i).map_err(|e| e.to_string())?),
            oid::NUMERIC => write_numeric(&i.to_string(), out),
            _ => return Err(mismatch()),
        },
        SqlValue::Float(x) => match ty {
            oid::FLOAT8 => out.put_f64(*x),
            oid::NUMERIC => write_numeric(&exact_decimal(*x), out),
            _ => return Err(mismatch()),
        },
        // Every digit; never as a float, which would round it.
        SqlValue::Decimal(d) => match ty {
            oid::NUMERIC => write_numeric(&crate::decimal::text(d), out),
            oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN => {
                out.put_slice(crate::decimal::text(d).as_bytes())
            }
            _ => return Err(mismatch()),
        },
        SqlValue::Text(t) => {
            if ty == oid::JSONB {
                out.put_u8(1); // jsonb binary format version
            }
            out.put_slice(t.as_bytes());
        }
    }
    Ok(Written::Value)
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
