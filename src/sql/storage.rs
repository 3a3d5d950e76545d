//! Table layout and value encoding: columns of an entity, `CREATE TABLE`, and `INSERT` of records.

use super::dialect::Dialect;
use super::dialect::NativeColumn;
use super::error::{Error, ErrorKind};
use super::params::{has_control, Params, SqlQuery, SqlType, SqlValue};
use crate::schema::{EntitySchema, Field, FieldType, Storage};
use crate::value::{Decimal, Value};
use chrono::{Datelike, NaiveDate, Timelike};
use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::collections::HashMap;

/// The column numbering records in insertion order.
pub(crate) const ID_COLUMN: &str = "_id";
/// The column holding each record's JSON text verbatim.
pub(crate) const DOC_COLUMN: &str = "_doc";

/// One column of an entity's table.
#[derive(Debug)]
pub(crate) struct Column<'s> {
    /// The fields from the record to the value (complex parents first).
    pub path: Vec<&'s Field>,
    /// The last of them: the field the column holds.
    leaf: &'s Field,
    /// The SQL type of the column.
    pub ty: SqlType,
    /// Whether the column gets an index (filterable along its path, or sortable).
    pub indexed: bool,
}

impl Column<'_> {
    /// The column name.
    pub fn name(&self) -> &str {
        self.leaf().column()
    }

    /// The field the column holds.
    pub fn leaf(&self) -> &Field {
        self.leaf
    }
}

/// The SQL type values of `ty` are stored and compared as; `None` for complex types, which
/// are spread over the columns of their members.
pub(crate) fn sql_type(ty: &FieldType) -> Option<SqlType> {
    Some(match ty {
        FieldType::String | FieldType::Enum(_) | FieldType::Guid => SqlType::Text,
        // Fixed-width text: see `encode`.
        FieldType::Date | FieldType::DateTimeOffset | FieldType::TimeOfDay => SqlType::Text,
        FieldType::Boolean => SqlType::Bool,
        FieldType::Int32 | FieldType::Int64 | FieldType::Duration => SqlType::Int,
        FieldType::Double | FieldType::Decimal => SqlType::Number,
        FieldType::Collection(_) => SqlType::Json,
        FieldType::Complex(_) => return None,
    })
}

/// The SQL type of `field`'s column: from its [`Storage`], else from its type.
pub(crate) fn column_type(field: &Field) -> Option<SqlType> {
    match field.storage() {
        Storage::Epoch(_) | Storage::Integer => Some(SqlType::Int),
        Storage::Native => Some(native_type(field.ty())),
        _ => sql_type(field.ty()),
    }
}

/// The SQL type of the database's own type for values of `ty` ([`Storage::Native`]).
fn native_type(ty: &FieldType) -> SqlType {
    match ty {
        FieldType::DateTimeOffset => SqlType::Timestamp,
        FieldType::Date => SqlType::Date,
        FieldType::TimeOfDay => SqlType::Time,
        FieldType::Duration => SqlType::Interval,
        FieldType::Guid => SqlType::Uuid,
        FieldType::Collection(item) => match **item {
            FieldType::String => SqlType::TextArray,
            FieldType::Boolean => SqlType::BoolArray,
            _ => SqlType::IntArray,
        },
        ty => sql_type(ty).unwrap_or(SqlType::Text),
    }
}

/// The dialect's own column for `field` (whose storage is [`Storage::Native`]), or why
/// there is none, naming the field.
pub(crate) fn native(field: &Field, dialect: &dyn Dialect) -> Result<NativeColumn, Error> {
    dialect
        .native_column(native_type(field.ty()))
        .ok_or_else(|| {
            Error::unsupported(
                dialect.name(),
                format!(
                    "field `{}` with storage `native`: it has no native column for {} here",
                    field.name(),
                    field.ty()
                ),
            )
        })
}

/// Refuses to order by `field` (`what` says how) when its native column orders otherwise
/// than the evaluator ([`NativeColumn::ordered`]).
pub(crate) fn check_ordered(field: &Field, dialect: &dyn Dialect, what: &str) -> Result<(), Error> {
    if field.storage() == Storage::Native && !native(field, dialect)?.ordered {
        return Err(Error::unsupported(
            dialect.name(),
            format!(
                "{what} field `{}` with storage `native`: its {} column orders values \
                 otherwise than as {}",
                field.name(),
                native(field, dialect)?.column_type,
                field.ty()
            ),
        ));
    }
    Ok(())
}

/// The unit, in nanoseconds, of the instants, times of day or durations that `field`'s
/// storage holds in `dialect`: the epoch's unit, the native column's (microseconds), or 1.
pub(crate) fn unit_of(field: &Field, dialect: &dyn Dialect) -> Result<i64, Error> {
    Ok(match field.storage() {
        Storage::Epoch(unit) => unit.nanos(),
        Storage::Native => native(field, dialect)?.unit_nanos,
        _ => 1,
    })
}

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub(crate) fn epoch_nanos(t: &chrono::DateTime<chrono::Utc>) -> i128 {
    i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
}

/// The position of a time-like value in nanoseconds: an instant's since the epoch, a time of
/// day's since midnight, a duration's length; `None` for other values.
pub(crate) fn nanos_of(v: &Value) -> Option<i128> {
    Some(match v {
        Value::DateTimeOffset(t) => epoch_nanos(t),
        Value::TimeOfDay(t) => {
            i128::from(t.num_seconds_from_midnight()) * 1_000_000_000 + i128::from(t.nanosecond())
        }
        Value::Duration(d) => {
            i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos())
        }
        _ => return None,
    })
}

/// The value of `like`'s type at `nanos` (see [`nanos_of`]); `None` beyond the type's range.
pub(crate) fn at_nanos(like: &Value, nanos: i128) -> Option<Value> {
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    Some(match like {
        Value::DateTimeOffset(_) => {
            Value::DateTimeOffset(chrono::DateTime::from_timestamp(secs, sub)?)
        }
        Value::TimeOfDay(_) => Value::TimeOfDay(
            chrono::NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(secs).ok()?, sub)?,
        ),
        Value::Duration(_) => Value::Duration(chrono::TimeDelta::new(secs, sub)?),
        _ => return None,
    })
}

/// The days from 1970-01-01 to `d` (negative before).
fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - i64::from(EPOCH_DAY)
}

/// [`NaiveDate::num_days_from_ce`] of 1970-01-01.
const EPOCH_DAY: i32 = 719_163;

/// `v`, a value of `field`'s type (a whole number of its [`unit_of`]), as `field`'s
/// [`Storage`] holds it in `dialect`, or which side of the storage's range it lies beyond.
/// Values of other types (and null) are encoded as the crate's own storage holds them.
pub(crate) fn encode_stored(
    v: &Value,
    field: &Field,
    dialect: &dyn Dialect,
) -> Result<Encoded, Error> {
    let ok = |v| Ok(Encoded::Value(v));
    // A year outside `min..=9999`.
    let years = |year: i32, min: i32| match year {
        y if y < min => Some(Encoded::Below),
        10_000.. => Some(Encoded::Above),
        _ => None,
    };
    match (field.storage(), v) {
        (Storage::Native, v) if !v.is_null() => {
            let n = native(field, dialect)?;
            match v {
                Value::DateTimeOffset(t) => {
                    years(t.year(), n.min_year).map_or_else(|| ok(SqlValue::Timestamp(*t)), Ok)
                }
                Value::Date(d) => {
                    years(d.year(), n.min_year).map_or_else(|| ok(SqlValue::Date(*d)), Ok)
                }
                Value::TimeOfDay(t) => ok(SqlValue::Time(*t)),
                Value::Duration(d) => match d.num_microseconds() {
                    Some(_) => ok(SqlValue::Interval(*d)),
                    None if *d > chrono::TimeDelta::zero() => Ok(Encoded::Above),
                    None => Ok(Encoded::Below),
                },
                Value::Guid(g) => ok(SqlValue::Uuid(*g)),
                v => Ok(encode(v)),
            }
        }
        (Storage::Epoch(unit), Value::DateTimeOffset(t)) => {
            let nanos = epoch_nanos(t);
            Ok(match i64::try_from(nanos / i128::from(unit.nanos())) {
                Ok(n) => Encoded::Value(SqlValue::Int(n)),
                Err(_) if nanos > 0 => Encoded::Above,
                Err(_) => Encoded::Below,
            })
        }
        // Text in the year 0000 or after 9999 would not compare.
        (Storage::Rfc3339Utc, Value::DateTimeOffset(t)) => Ok(beyond_four_digits(t.year())
            .unwrap_or_else(|| {
                Encoded::Value(SqlValue::Text(
                    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
                ))
            })),
        (Storage::Integer, Value::Date(d)) => ok(SqlValue::Int(day_number(*d))),
        (Storage::Integer, Value::Bool(b)) => ok(SqlValue::Int(i64::from(*b))),
        (Storage::UpperCaseText, Value::Guid(g)) => ok(SqlValue::Text(
            crate::edm::guid::format(*g).to_ascii_uppercase(),
        )),
        (_, v) => Ok(encode(v)),
    }
}

/// The columns of `schema`'s table, in field order (complex members in place of their
/// parent), after checking each with [`check_column`].
pub(crate) fn layout(schema: &EntitySchema) -> Result<Vec<Column<'_>>, Error> {
    let mut columns = Vec::new();
    leaves(schema.fields(), &mut Vec::new(), &mut |path| {
        let leaf = path[path.len() - 1];
        let ty = column_type(leaf).unwrap_or(SqlType::Json);
        let filterable = path.iter().all(|f| f.is_filterable());
        columns.push(Column {
            path: path.to_vec(),
            leaf,
            ty,
            indexed: !leaf.ty().is_collection() && (filterable || leaf.is_sortable()),
        });
    });
    for c in &columns {
        check_column(schema, c.name())?;
    }
    Ok(columns)
}

/// Checks that the column `name` of `schema`'s table can be named in SQL: it holds no control
/// characters, is not `_id` or `_doc`, and no other column has its name ignoring ASCII case
/// (as SQLite and MySQL compare names). Reads only the names: statements check the columns
/// they use without laying out the table.
pub(crate) fn check_column(schema: &EntitySchema, name: &str) -> Result<(), Error> {
    let schema_error = |why: String| Error::new(ErrorKind::Schema { why });
    if has_control(name) {
        return Err(schema_error(format!(
            "column name {name:?} contains control characters"
        )));
    }
    let mut same =
        usize::from(name.eq_ignore_ascii_case(ID_COLUMN) || name.eq_ignore_ascii_case(DOC_COLUMN));
    leaves(schema.fields(), &mut Vec::new(), &mut |path| {
        same += usize::from(path[path.len() - 1].column().eq_ignore_ascii_case(name));
    });
    if same > 1 {
        return Err(schema_error(format!(
            "two columns are named {name:?} (names are compared ignoring case; \
             `_id` and `_doc` are reserved)"
        )));
    }
    Ok(())
}

/// Calls `visit` with the path to each field that has a column, in field order: scalars and
/// collections, with the members of complex fields in place of their parent.
fn leaves<'s>(fields: &'s [Field], path: &mut Vec<&'s Field>, visit: &mut dyn FnMut(&[&'s Field])) {
    for f in fields {
        path.push(f);
        match f.ty() {
            FieldType::Complex(c) => leaves(c.fields(), path, visit),
            _ => visit(path),
        }
        path.pop();
    }
}

/// A quoted identifier, refusing control characters (which would confuse parameter markers).
pub(crate) fn ident(dialect: &dyn Dialect, name: &str) -> Result<String, Error> {
    if has_control(name) || name.is_empty() {
        return Err(Error::new(ErrorKind::Schema {
            why: format!("identifier {name:?} is empty or contains control characters"),
        }));
    }
    Ok(dialect.quote_identifier(name))
}

/// A value as its SQL encoding, or which side of the encoding's range it lies beyond.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Encoded {
    /// The encoded value.
    Value(SqlValue),
    /// Greater than every encodable value (an instant or date after the year 9999, a duration
    /// over 292 years).
    Above,
    /// Less than every encodable value.
    Below,
}

/// The SQL encoding of `v`: instants, dates and times of day as fixed-width text (see
/// [`instant_text`]), durations as nanoseconds, GUIDs as lower-case text, enum members as their
/// names, decimals as [`SqlValue::Decimal`] (which [`for_dialect`] turns into what the dialect
/// holds).
pub(crate) fn encode(v: &Value) -> Encoded {
    let ok = Encoded::Value;
    match v {
        Value::Null => ok(SqlValue::Null),
        Value::Bool(b) => ok(SqlValue::Bool(*b)),
        Value::Int(i) => ok(SqlValue::Int(*i)),
        Value::Float(x) => ok(SqlValue::Float(*x)),
        Value::Decimal(d) => ok(SqlValue::Decimal(*d)),
        Value::String(s) | Value::Enum(s) => ok(SqlValue::Text(s.clone())),
        Value::Guid(g) => ok(SqlValue::Text(crate::edm::guid::format(*g))),
        Value::Date(d) => {
            beyond_four_digits(d.year()).unwrap_or_else(|| ok(SqlValue::Text(date_text(*d))))
        }
        Value::DateTimeOffset(t) => {
            beyond_four_digits(t.year()).unwrap_or_else(|| ok(SqlValue::Text(instant_text(t))))
        }
        Value::TimeOfDay(t) => ok(SqlValue::Text(time_text(*t))),
        Value::Duration(d) => match d.num_nanoseconds() {
            Some(n) => ok(SqlValue::Int(n)),
            None if *d > chrono::TimeDelta::zero() => Encoded::Above,
            None => Encoded::Below,
        },
    }
}

/// `v` as `dialect` holds it: a [`SqlValue::Decimal`] through [`Dialect::decimal_value`],
/// anything else as it is; `Err` with the decimal that the dialect cannot hold exactly.
pub(crate) fn for_dialect(v: SqlValue, dialect: &dyn Dialect) -> Result<SqlValue, Decimal> {
    match v {
        SqlValue::Decimal(d) => dialect.decimal_value(&d).ok_or(d),
        v => Ok(v),
    }
}

/// Why `dialect` cannot hold the decimal `d`, in words that complete "does not support".
pub(crate) fn inexact_decimal(d: &Decimal) -> String {
    format!(
        "the decimal {} exactly (it keeps Edm.Decimal values as 64-bit floats, and no float \
         stands for this one: at most 15 to 17 significant digits are kept)",
        crate::decimal::text(d)
    )
}

/// Where a date of `year` lies when its year takes more than four digits, and so cannot
/// compare as text: before 0000 below every encodable date, after 9999 above; `None` when it
/// is encodable.
fn beyond_four_digits(year: i32) -> Option<Encoded> {
    match year {
        0..=9999 => None,
        ..=-1 => Some(Encoded::Below),
        _ => Some(Encoded::Above),
    }
}

/// An instant as stored: UTC, `YYYY-MM-DDThh:mm:ss.fffffffffZ`, always 30 characters, so that
/// text order (by code point, the dialects' binary collations) is time order over the years
/// 0000 to 9999 at nanosecond precision, and a calendar field is a substring: the one SQL
/// form that holds .NET's `DateTime.MinValue` and `MaxValue` as well as every instant a
/// record or literal can write. Leap seconds never reach here
/// ([`crate::value::without_leap_second`]).
pub(crate) fn instant_text(t: &chrono::DateTime<chrono::Utc>) -> String {
    format!("{}T{}Z", date_text(t.date_naive()), time_text(t.time()))
}

/// A date as stored: `YYYY-MM-DD`, the first 10 characters of an [`instant_text`].
pub(crate) fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// A time of day as stored: `hh:mm:ss.fffffffff`, always 18 characters, the characters 12 to
/// 29 of an [`instant_text`].
pub(crate) fn time_text(t: chrono::NaiveTime) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:09}",
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// The encoding of a value to be stored in `dialect` as `field`'s storage holds it
/// ([`encode_stored`]); values finer than the storage's unit or beyond its range, and
/// decimals the dialect cannot hold exactly, are errors.
fn store(v: &Value, field: &Field, dialect: &dyn Dialect) -> Result<SqlValue, String> {
    let storage = field.storage();
    let unit = unit_of(field, dialect).map_err(|e| e.to_string())?;
    if nanos_of(v).is_some_and(|n| n % i128::from(unit) != 0) {
        return Err(format!(
            "field `{}`: {v} has more fractional digits than its storage `{storage}` \
             keeps in the {} dialect (a multiple of {unit} ns)",
            field.name(),
            dialect.name()
        ));
    }
    match encode_stored(v, field, dialect).map_err(|e| e.to_string())? {
        Encoded::Value(SqlValue::Text(s))
            if s.contains('\0') && !dialect.supports_nul_in_text() =>
        {
            Err(format!(
                "field `{}`: the {} dialect cannot store strings containing U+0000",
                field.name(),
                dialect.name()
            ))
        }
        Encoded::Value(v) => for_dialect(v, dialect).map_err(|d| {
            format!(
                "field `{}`: the {} dialect does not support {}",
                field.name(),
                dialect.name(),
                inexact_decimal(&d)
            )
        }),
        Encoded::Above | Encoded::Below => Err(match storage {
            Storage::Native => {
                let n = native(field, dialect).map_err(|e| e.to_string())?;
                let range = match v {
                    Value::Duration(_) => "durations up to 2^63 microseconds".to_owned(),
                    _ => format!("the years {} to 9999", n.min_year),
                };
                format!(
                    "field `{}`: {v} is outside the {range} that the {} dialect's {} column \
                     holds",
                    field.name(),
                    dialect.name(),
                    n.column_type
                )
            }
            _ => format!(
                "field `{}`: {v} is outside the range its storage `{storage}` holds \
                 (instants and dates in the years 0000 to 9999 UTC, durations up to about \
                 292 years, epochs in 64 bits)",
                field.name()
            ),
        }),
    }
}

/// The value at `path` in `record`, `None` when a step is missing.
fn lookup<'j>(record: &'j Json, path: &[&Field]) -> Option<&'j Json> {
    path.iter().try_fold(record, |v, f| f.value_in(v))
}

/// The text of the value at `path` in the record text `record`, found as [`lookup`] finds it
/// ([`Field::value_in`]: the first of the field's JSON paths that is present; the last of a
/// repeated key). For reading a number's digits as written.
fn lookup_text<'r>(record: &'r RawValue, path: &[&Field]) -> Option<&'r RawValue> {
    let member = |object: &'r RawValue, key: &str| {
        serde_json::from_str::<HashMap<String, &'r RawValue>>(object.get())
            .ok()?
            .remove(key)
    };
    path.iter().try_fold(record, |v, f| {
        f.json_paths()
            .find_map(|p| p.iter().try_fold(v, |o, key| member(o, key)))
    })
}

/// Appends the normalized JSON of the value `json` (absent: `None`) of type `ty`: scalars read
/// with [`Value::from_json`] and encoded as in columns (wrong types become `null`), objects
/// keyed by canonical member names, nested collections kept only when they are arrays.
fn write_normalized(
    out: &mut String,
    json: Option<&Json>,
    ty: &FieldType,
    field: &Field,
    dialect: &dyn Dialect,
) -> Result<(), String> {
    match ty {
        FieldType::Complex(c) => {
            let Some(obj @ Json::Object(_)) = json else {
                out.push_str("null");
                return Ok(());
            };
            out.push('{');
            let mut first = true;
            for child in c.fields() {
                let value = child.value_in(obj);
                if child.ty().is_collection() && !matches!(value, Some(Json::Array(_))) {
                    continue; // absent, so that a lookup finds no array rather than a null
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&json_string(child.name()));
                out.push(':');
                write_normalized(out, value, child.ty(), child, dialect)?;
            }
            out.push('}');
        }
        FieldType::Collection(item) => match json {
            Some(Json::Array(items)) => {
                out.push('[');
                for (i, elem) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_normalized(out, Some(elem), item, field, dialect)?;
                }
                out.push(']');
            }
            _ => out.push_str("null"),
        },
        scalar => {
            let value = json.map_or(Value::Null, |j| Value::from_json(j, scalar));
            exact_double(&value, scalar, field, dialect)?;
            match store(&value, field, dialect)? {
                SqlValue::Null => out.push_str("null"),
                SqlValue::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                SqlValue::Int(i) => out.push_str(&i.to_string()),
                SqlValue::Float(x) => out.push_str(&dialect.json_number(x)),
                SqlValue::Decimal(d) => out.push_str(&crate::decimal::text(&d)),
                SqlValue::Text(s) => out.push_str(&json_string(&s)),
                // Collections keep the crate's own encoding (no storage fits them).
                other => {
                    return Err(format!(
                        "field `{}`: {other:?} cannot be written in a JSON collection",
                        field.name()
                    ))
                }
            }
        }
    }
    Ok(())
}

/// Refuses an integer in an Edm.Double (`ty`) that `dialect` would round: beyond 2^53, where
/// a `DOUBLE` column holds the nearest float ([`Dialect::exact_integers_in_doubles`]).
fn exact_double(
    v: &Value,
    ty: &FieldType,
    field: &Field,
    dialect: &dyn Dialect,
) -> Result<(), String> {
    match v {
        Value::Int(i)
            if *ty == FieldType::Double
                && !dialect.exact_integers_in_doubles()
                && !is_exact_f64(*i) =>
        {
            Err(format!(
                "field `{}`: the {} dialect keeps Edm.Double values as 64-bit floats, and no \
                 float is exactly {i}",
                field.name(),
                dialect.name()
            ))
        }
        _ => Ok(()),
    }
}

/// Whether the float nearest to `i` is `i`.
pub(crate) fn is_exact_f64(i: i64) -> bool {
    let f = i as f64;
    f < 9_223_372_036_854_775_808.0 && f as i64 == i
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `CREATE TABLE` and `CREATE INDEX` statements for `schema` in table `table`: one index per
/// indexed column, and one in the default order when the dialect can index it.
pub(crate) fn create_table(
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<Vec<String>, Error> {
    let columns = layout(schema)?;
    let t = ident(dialect, table)?;
    let mut defs = vec![
        format!("{} {}", ident(dialect, ID_COLUMN)?, dialect.id_column()),
        format!(
            "{} {} NOT NULL",
            ident(dialect, DOC_COLUMN)?,
            dialect.document_type()
        ),
    ];
    for c in &columns {
        let ty = match c.leaf().storage() {
            Storage::Native => native(c.leaf(), dialect)?.column_type.to_owned(),
            _ => dialect.column_type(c.ty, c.indexed),
        };
        defs.push(format!("{} {ty}", ident(dialect, c.name())?));
    }
    let mut out = vec![format!("CREATE TABLE {t} ({})", defs.join(", "))];
    for (n, c) in columns.iter().filter(|c| c.indexed).enumerate() {
        out.push(format!(
            "CREATE INDEX {} ON {t} ({})",
            ident(dialect, &format!("{table}_ix{}", n + 1))?,
            ident(dialect, c.name())?
        ));
    }
    // The order `select` writes for a query without `$orderby`, item for item.
    let mut keys = Vec::new();
    for (column, desc) in
        super::statement::total_order(schema, super::statement::default_order(schema))?
    {
        keys.push(dialect.index_key(&ident(dialect, column)?, desc));
    }
    if let Some(mut keys) = keys.into_iter().collect::<Option<Vec<String>>>() {
        keys.push(format!("{} ASC", ident(dialect, ID_COLUMN)?));
        out.push(format!(
            "CREATE INDEX {} ON {t} ({})",
            ident(dialect, &format!("{table}_default_order"))?,
            keys.join(", ")
        ));
    }
    Ok(out)
}

/// The `INSERT` of one record, given as JSON text, into `schema`'s table `table`.
pub(crate) fn insert(
    schema: &EntitySchema,
    table: &str,
    record: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    let columns = layout(schema)?;
    let bad = |why: String| Error::new(ErrorKind::Record { why });
    let json: Json =
        serde_json::from_str(record).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(bad("not a JSON object".to_owned()));
    }
    let mut params = Params::new();
    let mut names = vec![ident(dialect, DOC_COLUMN)?];
    let mut values = vec![params.bind(SqlValue::Text(record.to_owned()), SqlType::Text)];
    for c in &columns {
        let found = lookup(&json, &c.path);
        let value = match c.leaf().ty() {
            // A native array: its elements as the crate encodes them, wrongly typed ones null.
            FieldType::Collection(item) if c.leaf().storage() == Storage::Native => match found {
                Some(Json::Array(items)) => SqlValue::Array(
                    items
                        .iter()
                        .map(|j| store(&Value::from_json(j, item), c.leaf(), dialect))
                        .collect::<Result<_, _>>()
                        .map_err(bad)?,
                ),
                _ => SqlValue::Null,
            },
            FieldType::Collection(_) => match found {
                Some(array @ Json::Array(_)) => {
                    let mut text = String::new();
                    write_normalized(&mut text, Some(array), c.leaf().ty(), c.leaf(), dialect)
                        .map_err(bad)?;
                    SqlValue::Text(text)
                }
                _ => SqlValue::Null,
            },
            // A decimal from its digits as written, which `json` may have rounded.
            ty @ FieldType::Decimal => {
                let raw = serde_json::from_str::<&RawValue>(record)
                    .ok()
                    .and_then(|r| lookup_text(r, &c.path));
                let v = found.map_or(Value::Null, |j| {
                    Value::from_json_text(j, raw.map(RawValue::get), ty)
                });
                store(&v, c.leaf(), dialect).map_err(bad)?
            }
            ty => {
                let v = found.map_or(Value::Null, |j| Value::from_json(j, ty));
                exact_double(&v, ty, c.leaf(), dialect).map_err(bad)?;
                store(&v, c.leaf(), dialect).map_err(bad)?
            }
        };
        names.push(ident(dialect, c.name())?);
        values.push(params.bind(value, c.ty));
    }
    let text = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        ident(dialect, table)?,
        names.join(", "),
        values.join(", ")
    );
    params.finish(&text, dialect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::catalog;

    #[test]
    fn temporal_values_encode_as_fixed_width_text_or_beyond() {
        let text = |s: &str| Encoded::Value(SqlValue::Text(s.to_owned()));
        let instant = |s: &str| Value::DateTimeOffset(crate::edm::instant::parse_utc(s).unwrap());
        assert_eq!(
            encode(&instant("2018-12-04T14:43:57.2011911+02:00")),
            text("2018-12-04T12:43:57.201191100Z")
        );
        assert_eq!(
            encode(&instant("0001-01-01T00:00:00Z")),
            text("0001-01-01T00:00:00.000000000Z")
        );
        assert_eq!(
            encode(&instant("9999-12-31T23:59:59.9999999Z")),
            text("9999-12-31T23:59:59.999999900Z")
        );
        assert_eq!(
            encode(&instant("9999-12-31T23:00:00-05:00")),
            Encoded::Above
        );
        assert_eq!(
            encode(&instant("0000-01-01T00:00:00+01:00")),
            Encoded::Below
        );
        let d = NaiveDate::from_ymd_opt(1969, 12, 31).unwrap();
        assert_eq!(encode(&Value::Date(d)), text("1969-12-31"));
        let t = chrono::NaiveTime::from_hms_nano_opt(7, 5, 3, 20).unwrap();
        assert_eq!(encode(&Value::TimeOfDay(t)), text("07:05:03.000000020"));
    }

    #[test]
    fn machine_action_layout() {
        let s = catalog::machine_action();
        let cols = layout(&s).unwrap();
        let names: Vec<&str> = cols.iter().map(Column::name).collect();
        assert!(names.contains(&"relatedFileInfo_fileIdentifier"));
        assert!(names.contains(&"commands"));
        let indexed: Vec<&str> = cols
            .iter()
            .filter(|c| c.indexed)
            .map(Column::name)
            .collect();
        assert_eq!(
            indexed,
            [
                "id",
                "type",
                "requestor",
                "status",
                "machineId",
                "creationDateTimeUtc",
                "lastUpdateDateTimeUtc"
            ]
        );
    }

    #[test]
    fn clashing_columns_are_refused() {
        let s = EntitySchema::builder("A", "As")
            .field(Field::new("id", FieldType::Int64))
            .field(Field::new("x", FieldType::Int64).with_column("_DOC"))
            .key("id")
            .build()
            .unwrap();
        let e = layout(&s).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Schema { .. }), "{e}");
    }
}
