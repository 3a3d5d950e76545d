//! PostgreSQL: the [`PostgresDialect`], and with the `postgres` feature, helpers to store and
//! query.
//!
//! Text columns and text parameters carry `COLLATE "C"`, so strings order by code point
//! whatever the database's locale, and `lower(x COLLATE "C")` folds ASCII letters only.
//! Placeholders carry their type (`$1::bigint`), so no comparison depends on type inference.
//! Double and Decimal are `NUMERIC`, compared exactly with each other and with integers; float
//! parameters are sent as the exact decimal value of the float, decimals with every digit
//! ([`exact_decimals`](Dialect::exact_decimals)). Collections are `jsonb`. `text` cannot hold U+0000:
//! such values are refused before any SQL runs. See <https://www.postgresql.org/docs/current/>.

use super::dialect::{string_literal, Dialect, NativeInstant};
use super::error::Error;
use super::params::SqlType;
use crate::ir::Function;

/// PostgreSQL, 11 or later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn placeholder(&self, index: usize, ty: SqlType) -> String {
        match ty {
            SqlType::Bool => format!("${index}::boolean"),
            SqlType::Int => format!("${index}::bigint"),
            SqlType::Number => format!("${index}::numeric"),
            // Parenthesized: COLLATE may not stand where PostgreSQL's grammar wants a b_expr,
            // as in POSITION(x IN y).
            SqlType::Text => format!("(${index}::text COLLATE \"C\")"),
            SqlType::Json => format!("${index}::jsonb"),
        }
    }

    fn supports_nul_in_text(&self) -> bool {
        false
    }

    /// `NUMERIC` is exact.
    fn exact_integers_in_doubles(&self) -> bool {
        true
    }

    /// `timestamptz`, which keeps microseconds.
    fn native_instant(&self) -> Option<NativeInstant> {
        Some(NativeInstant {
            column_type: "TIMESTAMPTZ",
            unit_nanos: 1_000,
            min_year: 1,
        })
    }

    fn native_instant_from_text(&self, text: &str) -> String {
        format!("CAST({text} AS TIMESTAMPTZ)")
    }

    fn native_instant_part(&self, x: &str, func: Function) -> Result<String, Error> {
        let utc = format!("({x} AT TIME ZONE 'UTC')");
        let field = |f: &str| format!("CAST(EXTRACT({f} FROM {utc}) AS INTEGER)");
        Ok(match func {
            Function::Year => field("YEAR"),
            Function::Month => field("MONTH"),
            Function::Day => field("DAY"),
            Function::Hour => field("HOUR"),
            Function::Minute => field("MINUTE"),
            // EXTRACT(SECOND ...) has the fraction.
            Function::Second => format!("CAST(FLOOR(EXTRACT(SECOND FROM {utc})) AS INTEGER)"),
            Function::Date => format!("(to_char({utc}, 'YYYY-MM-DD') COLLATE \"C\")"),
            // Microseconds, padded to the nine digits of the crate's times of day.
            Function::Time => {
                format!("((to_char({utc}, 'HH24:MI:SS.US') || '000') COLLATE \"C\")")
            }
            _ => {
                return Err(Error::unsupported(
                    self.name(),
                    format!("{}() of an instant", func.name()),
                ))
            }
        })
    }

    /// `NUMERIC` columns and `jsonb` numbers are exact decimals.
    fn exact_decimals(&self) -> bool {
        true
    }

    fn column_type(&self, ty: SqlType, _indexed: bool) -> String {
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::Int => "BIGINT",
            SqlType::Number => "NUMERIC",
            SqlType::Text => "TEXT COLLATE \"C\"",
            SqlType::Json => "JSONB",
        }
        .to_owned()
    }

    /// [`order_key`](Dialect::order_key) itself: `NULLS FIRST`/`NULLS LAST` are allowed in
    /// an index, and needed, since PostgreSQL puts null last ascending.
    fn index_key(&self, column: &str, descending: bool) -> Option<String> {
        Some(self.order_key(column, descending))
    }

    /// The exact decimal value of `x`, which `jsonb` keeps as a `NUMERIC`.
    fn json_number(&self, x: f64) -> String {
        exact_decimal(x)
    }

    fn ascii_lower(&self, s: &str) -> String {
        format!("lower(({s}) COLLATE \"C\")")
    }

    fn ascii_upper(&self, s: &str) -> String {
        format!("upper(({s}) COLLATE \"C\")")
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        Ok(if path.is_empty() {
            format!("jsonb_array_elements({container}) AS {alias}(v)")
        } else {
            format!(
                "jsonb_array_elements({container} #> {}) AS {alias}(v)",
                text_array(path)
            )
        })
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.v"))
    }

    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let text = format!("{alias}.v #>> {}", text_array(path));
        Ok(match ty {
            SqlType::Text => format!("(({text}) COLLATE \"C\")"),
            SqlType::Int => format!("CAST({text} AS BIGINT)"),
            SqlType::Number => format!("CAST({text} AS NUMERIC)"),
            SqlType::Bool => format!("CAST({text} AS BOOLEAN)"),
            SqlType::Json => format!("({alias}.v #> {})", text_array(path)),
        })
    }
}

/// A `text[]` literal of JSON keys, `'{"a","b"}'`.
fn text_array(path: &[&str]) -> String {
    let items: Vec<String> = path
        .iter()
        .map(|k| format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    string_literal(&format!("{{{}}}", items.join(",")))
}

/// The exact decimal expansion of a finite float (`0.1` is
/// `0.1000000000000000055511151231257827…`).
pub(crate) use crate::decimal::exact_f64_text as exact_decimal;

#[cfg(feature = "postgres")]
pub use driver::*;

#[cfg(feature = "postgres")]
mod driver {
    use super::{exact_decimal, PostgresDialect};
    use crate::query::Query;
    use crate::schema::EntitySchema;
    use crate::sql::driver::{insert_each, parse_documents};
    use crate::sql::error::Error;
    use crate::sql::params::{SqlQuery, SqlValue};
    use bytes::{BufMut, BytesMut};
    use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
    use postgres::GenericClient;

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
                SqlValue::Bool(_) => return Err(mismatch()),
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
            ]
            .contains(ty)
        }

        to_sql_checked!();
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

    /// The driver's error, kept as the source.
    fn db(e: postgres::Error) -> Error {
        let message = match e.as_db_error() {
            Some(d) => format!("{}: {}", d.code().code(), d.message()),
            None => e.to_string(),
        };
        Error::database(message, e)
    }

    fn refs(q: &SqlQuery) -> Vec<&(dyn ToSql + Sync)> {
        q.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
    }

    /// Creates the table for `schema`, named after its entity set (e.g. `MachineActions`, in
    /// the first schema of the connection's `search_path`), with its indexes; in a savepoint
    /// when given a `postgres::Transaction`.
    pub fn create_table(
        client: &mut impl GenericClient,
        schema: &EntitySchema,
    ) -> Result<(), Error> {
        let stmts = crate::sql::create_table_sql(schema, schema.entity_set(), &PostgresDialect)?;
        let mut tx = client.transaction().map_err(db)?;
        for stmt in stmts {
            tx.execute(stmt.as_str(), &[]).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Inserts records, each given as the text of one JSON object, in one transaction;
    /// returns how many. Nothing is inserted when one of them cannot be stored.
    ///
    /// Given a `postgres::Transaction`, the records go into a savepoint of it, and are
    /// committed or rolled back with it.
    pub fn insert_records<I, S>(
        client: &mut impl GenericClient,
        schema: &EntitySchema,
        records: I,
    ) -> Result<usize, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tx = client.transaction().map_err(db)?;
        let n = insert_each(schema, records, &PostgresDialect, |q| {
            tx.execute(q.sql.as_str(), &refs(q)).map(drop).map_err(db)
        })?;
        tx.commit().map_err(db)?;
        Ok(n)
    }

    /// The JSON text of the records `query` selects, in order, exactly as inserted.
    pub fn query_text(
        client: &mut impl GenericClient,
        schema: &EntitySchema,
        query: &Query,
    ) -> Result<Vec<String>, Error> {
        let q = crate::sql::select(query, schema, schema.entity_set(), &PostgresDialect)?;
        let rows = client.query(q.sql.as_str(), &refs(&q)).map_err(db)?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(db))
            .collect()
    }

    /// The records `query` selects, in order, parsed from their stored JSON text.
    pub fn query(
        client: &mut impl GenericClient,
        schema: &EntitySchema,
        query: &Query,
    ) -> Result<Vec<serde_json::Value>, Error> {
        parse_documents(query_text(client, schema, query)?)
    }

    /// The number of records `query`'s filter matches.
    pub fn count(
        client: &mut impl GenericClient,
        schema: &EntitySchema,
        query: &Query,
    ) -> Result<u64, Error> {
        let q = crate::sql::count(query, schema, schema.entity_set(), &PostgresDialect)?;
        let row = client.query_one(q.sql.as_str(), &refs(&q)).map_err(db)?;
        let n: i64 = row.try_get(0).map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_expand_exactly() {
        assert_eq!(
            exact_decimal(0.1),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(exact_decimal(1.5), "1.5");
        assert_eq!(exact_decimal(-2.0), "-2");
        assert_eq!(exact_decimal(1e20), "100000000000000000000");
        assert_eq!(exact_decimal(-0.0), "0");
        assert_eq!(exact_decimal(5e-324).len(), 2 + 1074);
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn numeric_binary_layout() {
        let enc = |s: &str| {
            let mut out = bytes::BytesMut::new();
            driver::write_numeric(s, &mut out);
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
