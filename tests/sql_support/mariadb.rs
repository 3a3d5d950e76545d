//! A MariaDB database for the SQL tests (`ODATA_FILTER_MARIADB_URL`, started by
//! `bash scripts/test`), through the synchronous `mysql` client, with [`SqlValue`]s bound here.

use super::Backend;
use chrono::{Datelike, Timelike};
use mysql::prelude::Queryable;
use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, MariaDbDialect, SqlQuery, SqlValue};

/// A fresh database on the server at `ODATA_FILTER_MARIADB_URL`, dropped when this is dropped.
pub struct MariaDb {
    /// The connection, with the fresh database as its default.
    pub conn: mysql::Conn,
    /// The database's name.
    pub database: String,
    /// The tables made so far, which [`Backend::load`] empties instead of making them again:
    /// a `DROP` and `CREATE TABLE` with its indexes takes some 80 ms, nearly 20 times a
    /// random case.
    tables: Vec<String>,
}

impl MariaDb {
    /// Connects and creates a fresh database, or `None` (after a note on stderr) when
    /// `ODATA_FILTER_MARIADB_URL` is unset. Panics when it is unset but
    /// `ODATA_FILTER_REQUIRE_MARIADB=1`, or when the server does not answer.
    pub fn connect(test: &str) -> Option<MariaDb> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let Ok(url) = std::env::var("ODATA_FILTER_MARIADB_URL") else {
            if std::env::var("ODATA_FILTER_REQUIRE_MARIADB").as_deref() == Ok("1") {
                panic!("ODATA_FILTER_REQUIRE_MARIADB=1 but ODATA_FILTER_MARIADB_URL is not set");
            }
            eprintln!(
                "skipping {test}: ODATA_FILTER_MARIADB_URL is not set (run bash scripts/test)"
            );
            return None;
        };
        let opts = mysql::Opts::from_url(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut conn =
            mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let database = format!(
            "odf_{}_{}_{}",
            test.to_ascii_lowercase(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        conn.query_drop(format!(
            "DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}`"
        ))
        .unwrap();
        conn.select_db(&database).unwrap();
        Some(MariaDb {
            conn,
            database,
            tables: Vec::new(),
        })
    }

    /// Runs a statement that returns no rows.
    pub fn execute(&mut self, q: &SqlQuery) {
        self.conn
            .exec_drop(&q.sql, params(q))
            .unwrap_or_else(|e| panic!("mariadb: {e}\n{}\n{:?}", q.sql, q.params));
    }

    /// The first column of each row of `q`, as text.
    pub fn texts(&mut self, q: &SqlQuery) -> Vec<String> {
        self.conn
            .exec(&q.sql, params(q))
            .unwrap_or_else(|e| panic!("mariadb: {e}\n{}\n{:?}", q.sql, q.params))
    }

    /// The number of records `q`'s filter matches, by [`sql::count`].
    pub fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64 {
        let c = sql::count(q, schema, schema.entity_set(), &MariaDbDialect).unwrap();
        let n: Vec<u64> = self
            .conn
            .exec(&c.sql, params(&c))
            .unwrap_or_else(|e| panic!("mariadb: {e}\n{}", c.sql));
        n[0]
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self
            .conn
            .query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.database));
    }
}

impl Backend for MariaDb {
    fn name(&self) -> &'static str {
        "mariadb"
    }

    /// Makes the table (or empties the one made before: `_id` then goes on counting, which
    /// keeps insertion order) and inserts `records`, in one transaction.
    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let table = schema.entity_set();
        if self.tables.iter().any(|t| t == table) {
            self.conn
                .query_drop(format!("DELETE FROM `{table}`"))
                .unwrap();
        } else {
            for stmt in sql::create_table_sql(schema, table, &MariaDbDialect).unwrap() {
                self.conn
                    .query_drop(&stmt)
                    .unwrap_or_else(|e| panic!("mariadb: {e}\n{stmt}"));
            }
            self.tables.push(table.to_owned());
        }
        self.conn.query_drop("START TRANSACTION").unwrap();
        for record in records {
            let q = sql::insert_sql(schema, table, record, &MariaDbDialect)
                .unwrap_or_else(|e| panic!("mariadb: {e}\n{record}"));
            self.execute(&q);
        }
        self.conn.query_drop("COMMIT").unwrap();
    }

    fn select(&mut self, schema: &EntitySchema, q: &Query) -> Vec<String> {
        let s = sql::select(q, schema, schema.entity_set(), &MariaDbDialect)
            .unwrap_or_else(|e| panic!("mariadb: {e}"));
        self.texts(&s)
    }
}

/// `q`'s parameters for the `mysql` client. Decimals never reach it: MariaDB keeps them as
/// floats ([`sql::Dialect::exact_decimals`]), so the dialect binds them as such.
pub fn params(q: &SqlQuery) -> mysql::Params {
    if q.params.is_empty() {
        return mysql::Params::Empty;
    }
    mysql::Params::Positional(q.params.iter().map(value).collect())
}

fn value(v: &SqlValue) -> mysql::Value {
    match v {
        SqlValue::Null => mysql::Value::NULL,
        SqlValue::Bool(b) => mysql::Value::Int(i64::from(*b)),
        SqlValue::Int(i) => mysql::Value::Int(*i),
        SqlValue::Float(x) => mysql::Value::Double(*x),
        SqlValue::Text(t) => mysql::Value::Bytes(t.as_bytes().to_vec()),
        SqlValue::Decimal(d) => panic!("the mariadb dialect bound the decimal {d:?} as such"),
        SqlValue::Timestamp(t) => {
            let (d, t) = (t.date_naive(), t.time());
            mysql::Value::Date(
                d.year() as u16,
                d.month() as u8,
                d.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
                t.nanosecond() / 1_000,
            )
        }
        SqlValue::Date(d) => {
            mysql::Value::Date(d.year() as u16, d.month() as u8, d.day() as u8, 0, 0, 0, 0)
        }
        SqlValue::Time(t) => mysql::Value::Time(
            false,
            0,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
            t.nanosecond() / 1_000,
        ),
        // MariaDB reads a UUID column's value from its text: the crate's, as serialized.
        SqlValue::Uuid(_) => match serde_json::to_value(v).unwrap() {
            serde_json::Value::String(text) => mysql::Value::Bytes(text.into_bytes()),
            other => panic!("a UUID serialized as {other}"),
        },
        SqlValue::Interval(d) => panic!("the mariadb dialect bound the interval {d:?}"),
        SqlValue::Array(a) => panic!("the mariadb dialect bound the array {a:?}"),
    }
}

/// Whether every integer in an Edm.Double of the generated record `text` is a float exactly.
pub fn fits_doubles(text: &str) -> bool {
    use odata_filter::schema::FieldType;
    let record: serde_json::Value = serde_json::from_str(text).unwrap();
    let exact = |v: &serde_json::Value| match v.as_i64().or(v.as_u64().map(|u| u as i64)) {
        Some(i) if v.is_i64() || v.is_u64() => (i as f64) as i64 == i && i.unsigned_abs() < 1 << 63,
        _ => true,
    };
    super::gen::schema().fields().iter().all(|f| {
        let value = &record[f.name()];
        match f.ty() {
            FieldType::Double => exact(value),
            FieldType::Collection(item) if **item == FieldType::Double => {
                value.as_array().is_none_or(|items| items.iter().all(exact))
            }
            _ => true,
        }
    })
}
