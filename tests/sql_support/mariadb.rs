//! A MariaDB database for the SQL tests (`ODATA_FILTER_MARIADB_URL`, started by
//! `bash scripts/test`), through the synchronous `mysql` client, with [`SqlValue`]s bound here.

use super::{drop_table_sql, fresh_name, mariadb_url, Backend, Explain};
use chrono::{Datelike, Timelike};
use mysql::prelude::Queryable;
use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, Dialect, MariaDbDialect, SqlQuery, SqlValue};

/// A fresh database on the server at `ODATA_FILTER_MARIADB_URL`, dropped when this is dropped.
pub struct MariaDb {
    /// The connection, with the fresh database as its default.
    pub conn: mysql::Conn,
    /// The database's name.
    pub database: String,
    /// The tables made so far, with the statements that made them: [`Backend::load`] empties
    /// one instead of making it again when the schema asks for the same table (a `DROP` and
    /// `CREATE TABLE` with its indexes takes some 80 ms, nearly 20 times a random case).
    tables: Vec<(String, Vec<String>)>,
}

impl MariaDb {
    /// Connects and creates a fresh database, or `None` when there is no server
    /// ([`mariadb_url`]). Panics when the server does not answer.
    pub fn connect(test: &str) -> Option<MariaDb> {
        let url = mariadb_url(test)?;
        let opts = mysql::Opts::from_url(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut conn =
            mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let database = fresh_name(test);
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

    fn dialect(&self) -> &'static dyn Dialect {
        &MariaDbDialect
    }

    /// Makes the table (or empties the same one made before: `_id` then goes on counting,
    /// which keeps insertion order) and inserts `records`, in one transaction.
    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let table = schema.entity_set();
        let create = sql::create_table_sql(schema, table, &MariaDbDialect).unwrap();
        match self.tables.iter().position(|(t, _)| t == table) {
            Some(i) if self.tables[i].1 == create => {
                self.conn
                    .query_drop(format!("DELETE FROM `{table}`"))
                    .unwrap();
            }
            made => {
                if let Some(i) = made {
                    self.tables.remove(i);
                }
                let drop = drop_table_sql(&MariaDbDialect, table);
                for stmt in std::iter::once(&drop).chain(&create) {
                    self.conn
                        .query_drop(stmt)
                        .unwrap_or_else(|e| panic!("mariadb: {e}\n{stmt}"));
                }
                self.tables.push((table.to_owned(), create));
            }
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

    fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64 {
        let c = sql::count(q, schema, schema.entity_set(), &MariaDbDialect)
            .unwrap_or_else(|e| panic!("mariadb: {e}"));
        let n: Vec<u64> = self
            .conn
            .exec(&c.sql, params(&c))
            .unwrap_or_else(|e| panic!("mariadb: {e}\n{}", c.sql));
        n[0]
    }
}

impl Explain for MariaDb {
    fn explain(&mut self, statement: &SqlQuery) -> String {
        let explain = SqlQuery {
            sql: format!("EXPLAIN FORMAT=JSON {}", statement.sql),
            params: statement.params.clone(),
        };
        self.texts(&explain).join("\n")
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
