//! Checked queries as parameterized SQL for PostgreSQL, SQLite, MySQL, MariaDB and SQL Server.
//!
//! From a checked filter ([`ir::Expr`](crate::ir::Expr)) or a whole [`Query`](crate::ir::Query), this module writes SQL text plus
//! ordered parameters ([`SqlQuery`]) that select exactly the records the in-memory evaluator
//! would, in the same order:
//!
//! * [`where_clause`]: a condition for callers who build their own statement, with
//!   [`select_list`] (the `$select` columns) and [`order_by_clause`] (`$orderby` with OData's
//!   null order and a total tie-break on the key);
//! * [`select_rows`] and [`count`]: whole statements over a table the application already has
//!   (projected, ordered, paged, counted);
//! * [`select`] and [`count`]: whole statements over a table laid out by [`create_table_sql`]
//!   and filled by [`insert_sql`].
//!
//! Values only ever travel as bound parameters; identifiers come only from the schema (each
//! field's [`column`](crate::schema::Field::column)) and are quoted for the dialect. Every
//! difference between databases is a method of the [`Dialect`] trait, one file per dialect.
//! The drivers are optional: the `rusqlite` and `postgres` features add
//! `ToSql` for [`SqlValue`] and helpers in `sql::rusqlite` and `sql::postgres` that create a
//! table, insert records and run queries; `tokio-postgres` adds the same helpers as async
//! functions in `sql::tokio_postgres`; `sqlx-sqlite`, `sqlx-postgres` and `sqlx-mysql` make
//! [`SqlValue`] a sqlx parameter and add `sql::sqlx` (`bind_all`, and `fetch_rows` and
//! `count_rows` over the application's own table).
//!
//! # Example
//!
//! ```
//! use odata_filter::sql::{self, PostgresDialect, SqliteDialect, SqlValue};
//! use odata_filter::{check, schema::catalog, syntax};
//!
//! let schema = catalog::machine_action();
//! let text = "status eq 'Succeeded' and not (requestor eq 'Analyst@contoso.com')";
//! let filter = check::check(&schema, &syntax::parse(text)?, text)?;
//!
//! let w = sql::where_clause(&filter, &schema, "MachineActions", &SqliteDialect)?;
//! assert_eq!(
//!     w.sql,
//!     r#"(("status" = ?1) AND (NOT ("requestor" = ?2 AND "requestor" IS NOT NULL)))"#
//! );
//! assert_eq!(
//!     w.params,
//!     [SqlValue::Text("Succeeded".into()), SqlValue::Text("Analyst@contoso.com".into())]
//! );
//!
//! let w = sql::where_clause(&filter, &schema, "MachineActions", &PostgresDialect)?;
//! assert!(w.sql.starts_with(r#"(("status" = ($1::text COLLATE "C")) AND"#));
//! assert_eq!(serde_json::to_value(&w)?["params"][0], "Succeeded");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! The evaluator's rules, not SQL's: comparisons are two-valued (`null eq null` is true,
//! `scope ne 'Full'` is true when `scope` is null, ordering with a null is false), `and`, `or`
//! and `not` are three-valued, functions return null for null input. Each comparison is
//! written in a form that is exact where its outcome is observed and stays sargable in a
//! plain `WHERE`: `"status" = $1` at the top, `("x" > $1 AND "x" IS NOT NULL)` under `not`,
//! `("scope" <> $1 OR "scope" IS NULL)` for `ne`, `IS NULL` for `eq null`, null-safe equality
//! between two expressions (`IS NOT DISTINCT FROM`, SQLite `IS`, MySQL `<=>`, an expanded form
//! in SQL Server). `in` is `IN (...)` of parameters; an empty list matches nothing. Equalities
//! of one field to constants under `or` (`x eq 'a' or x eq 'b'`) are one `IN (...)` too: the
//! list a person would write, which SQLite plans and runs as fast as by hand.
//!
//! `contains`, `startswith` and `endswith` with a literal become `LIKE` with `%`, `_` and the
//! escape character escaped and an explicit `ESCAPE` (also `[` in SQL Server). SQLite's `LIKE`
//! ignores ASCII case, which would give wrong answers, so SQLite uses `GLOB` (case-sensitive,
//! and still an index range for `startswith`) with `*`, `?` and `[` escaped as `[*]`, `[?]`,
//! `[[]`. With a non-literal argument they are written with the dialect's position and
//! substring functions.
//!
//! `any`/`all` are `EXISTS` subqueries over the JSON array of the collection column
//! (`json_each` in SQLite, `jsonb_array_elements` in PostgreSQL, `JSON_TABLE` in MySQL,
//! `OPENJSON` in SQL Server); inside them record columns are qualified with the table name,
//! and lambda variables are named `_e1`, `_e2`, ... (so no table may be called that).
//!
//! # Storage
//!
//! [`create_table_sql`] gives every scalar field a column named by
//! [`Field::column`](crate::schema::Field::column) (members of complex fields get their own,
//! `relatedFileInfo_fileIdentifier`), every collection one JSON column, plus `_id` (insertion
//! order, the last tie-break) and `_doc` (the record's JSON text, byte for byte, which
//! [`select`] returns; `$select` is left to the caller, who projects from `_doc`). Every
//! filterable or sortable scalar column gets an index, and where the dialect can index the
//! order [`select`] writes ([`Dialect::index_key`]: SQLite and PostgreSQL), one more index
//! holds the order of a query without `$orderby`, so that its pages are read off the index
//! instead of sorting the table. [`insert_sql`] reads each field with
//! [`Value::from_json`](crate::value::Value::from_json) (missing or wrongly typed values are
//! null) and stores it as:
//!
//! | EDM type | stored as | SQLite | PostgreSQL | MySQL | MariaDB | SQL Server |
//! |---|---|---|---|---|---|---|
//! | String | text | `TEXT` | `TEXT COLLATE "C"` | `VARCHAR(768)` if indexed, else `LONGTEXT`, `utf8mb4_0900_bin` | as MySQL, `utf8mb4_nopad_bin` | `VARCHAR(1700)` if indexed, else `VARCHAR(MAX)`, `Latin1_General_100_BIN2_UTF8` |
//! | Enum | member name | same as String | | | | |
//! | Guid | lower-case text | same as String | | | | |
//! | Boolean | Boolean | `INTEGER` 0/1 | `BOOLEAN` | `BOOLEAN` | `BOOLEAN` | `BIT` |
//! | Int32, Int64 | integer | `INTEGER` | `BIGINT` | `BIGINT` | `BIGINT` | `BIGINT` |
//! | Double | number | `NUMERIC` (integer or real, kept as given) | `NUMERIC` (exact) | `DOUBLE` | `DOUBLE` | `FLOAT(53)` |
//! | Decimal | exact decimal | `NUMERIC`: an integer when whole, else the float that stands for it | `NUMERIC` (exact) | `DOUBLE` (the float that stands for it) | likewise | `FLOAT(53)` (likewise) |
//! | DateTimeOffset | UTC text `YYYY-MM-DDThh:mm:ss.fffffffffZ` (30 characters) | same as String | | | | |
//! | Date | text `YYYY-MM-DD` | same as String | | | | |
//! | TimeOfDay | text `hh:mm:ss.fffffffff` (18 characters) | same as String | | | | |
//! | Duration | nanoseconds | `INTEGER` | `BIGINT` | `BIGINT` | `BIGINT` | `BIGINT` |
//! | Collection(T) | normalized JSON array | `TEXT` | `JSONB` | `JSON` | `JSON` (text) | `NVARCHAR(MAX)` |
//! | `_doc` | the record's JSON text | `TEXT` | `TEXT` | `LONGTEXT` | `LONGTEXT` | `NVARCHAR(MAX)` |
//! | `_id` | insertion order | `INTEGER PRIMARY KEY` | `BIGINT` identity | `BIGINT AUTO_INCREMENT` | `BIGINT AUTO_INCREMENT` | `BIGINT IDENTITY` |
//!
//! Why these: text columns compare by code point (UTF-8 byte order) and case-sensitively, as the
//! evaluator does, hence the binary collations. Instants are converted to UTC and written
//! with a fixed width, so that text order is time order: they keep Defender's 7 fractional
//! digits (and up to 9) exactly, compare as instants whatever offset they were written with,
//! and cover every four-digit year, from .NET's `DateTime.MinValue` (`0001-01-01T00:00:00Z`)
//! to `9999-12-31T23:59:59.999999999Z`. Dates and times of day are the same text's first and
//! last parts, so `year()`, `hour()`, `date()` and `time()` are substrings in every dialect,
//! with no calendar arithmetic to disagree with the evaluator's. Only an instant whose UTC
//! year has five digits or a sign (`9999-12-31T23:00:00-05:00`) cannot be stored: such a
//! record is refused ([`ErrorKind::Record`]); the parser refuses such a literal (its canonical
//! text would need that year too).
//! A Date compared with a DateTimeOffset stands for its midnight, UTC (OData's promotion).
//! Against a DateTimeOffset literal the checker has already written it as the equivalent Date
//! comparison (`day lt 2024-03-01T07:29:59Z` is `day le 2024-03-01`), which every dialect and
//! storage translates; `eq`/`ne` with an instant that is not a UTC midnight are false/true for
//! every row. Against a DateTimeOffset *value* (`day le created`, `date(created) lt created`)
//! it is refused ([`ErrorKind::Unsupported`], with the comparison's [`span`](Error::span)).
//! Numbers compare
//! exactly (an Int64 against a Double is never rounded through a float): SQLite compares
//! integers and reals exactly, PostgreSQL uses `NUMERIC`, and a float or decimal compared
//! with an integer column is folded to an integer comparison (`x gt 2.5` is `x > 2`).
//!
//! Decimals are never rounded. PostgreSQL keeps them exactly: `NUMERIC` columns, `jsonb`
//! numbers, and parameters with every digit ([`SqlValue::Decimal`]). The other dialects have
//! no exact decimal column here, and keep a decimal as the 64-bit float whose shortest
//! decimal it is (SQLite keeps whole ones as integers): the decimal a record's JSON number
//! stands for, and comparisons among such floats order their decimals. A decimal that no float
//! stands for (`3258.678765765489753678965390`, `0.10000000000000001`) is refused there, as a
//! literal ([`ErrorKind::Unsupported`], with the literal's [`span`](Error::span)) or as a
//! record value ([`ErrorKind::Record`]), and so is a comparison of a Decimal with a Double,
//! which as floats would find the decimal `0.1` equal to the double `0.1`
//! ([`Dialect::exact_decimals`]).
//!
//! Collections are stored normalized so that SQL reads their elements as the evaluator does:
//! scalars encoded as in columns (instants as UTC text, GUIDs lower-case, wrongly typed
//! elements as `null`), objects keyed by canonical member names with their members
//! normalized, and a nested collection that is not an array left out. A missing or non-array
//! collection is SQL `NULL`, which every dialect treats as empty.
//!
//! ## The application's own columns
//!
//! A field can say how an existing table holds it
//! ([`Field::with_storage`](crate::schema::Field::with_storage), `"storage"` in JSON schemas);
//! literals are then bound in that form (typed parameters: [`SqlValue::Timestamp`],
//! [`SqlValue::Date`], [`SqlValue::Time`], [`SqlValue::Interval`], [`SqlValue::Uuid`], cast
//! in PostgreSQL's placeholders, `$1::date`), comparisons stay on the bare column (so its
//! index serves them), and `create_table_sql`/`insert_sql` use the same form. A storage that
//! does not fit the field's type is refused when the schema is built
//! ([`SchemaErrorKind::UnfitStorage`](crate::schema::SchemaErrorKind::UnfitStorage)); one the
//! dialect has no column for is refused by every statement ([`ErrorKind::Unsupported`], naming
//! the field and the storage).
//!
//! | type | [`Storage`](crate::schema::Storage) | column | precision | calendar functions |
//! |---|---|---|---|---|
//! | DateTimeOffset | `Default` | the crate's UTC text (above) | ns | all, as substrings |
//! | DateTimeOffset | `Native` | PostgreSQL `timestamptz`; MySQL and MariaDB `DATETIME(6)` holding UTC, years 1000 to 9999 | µs | all, in UTC |
//! | DateTimeOffset | `Rfc3339Utc` | text as chrono's `to_rfc3339()` and sqlx's SQLite driver write a `DateTime<Utc>`: `2024-01-01T10:00:00+00:00`, `...:00.500+00:00` | ns | all but `time()` |
//! | DateTimeOffset | `Epoch(unit)` | integer seconds, milliseconds, microseconds or nanoseconds since 1970 | the unit | none (refused) |
//! | Date | `Native` | PostgreSQL `date` (years 1 to 9999 here); MySQL and MariaDB `DATE` (years 1000 to 9999) | day | `year()`, `month()`, `day()` |
//! | Date | `Integer` | integer days since 1970-01-01 (negative before) | day | none (refused) |
//! | TimeOfDay | `Native` | PostgreSQL `time`; MySQL and MariaDB `TIME(6)` | µs | `hour()`, `minute()`, `second()` |
//! | Duration | `Native` | PostgreSQL `interval`, written as microseconds with no days and no months | µs, up to 2^63 µs (some 292,000 years) | none |
//! | Guid | `Native` | PostgreSQL `uuid`; MariaDB `UUID` (10.7+; `$orderby` refused, since it orders version-1 UUIDs by their time fields) | exact | none |
//! | Guid | `UpperCaseText` | upper-case text `2E9DA30D-27F6-...` | exact | none |
//! | Boolean | `Native` | `BOOLEAN` in PostgreSQL, MySQL and MariaDB (their default too) | exact | none |
//! | Boolean | `Integer` | 0 (false) or 1 (true); a field alone is `(x = 1)` | exact | none |
//! | Decimal | `Native` | PostgreSQL `numeric` (its default too) | exact | none |
//! | Collection(String), Collection(Int32 or Int64), Collection(Boolean) | `Native` | PostgreSQL `text[]` (in the `"C"` collation), `bigint[]`, `boolean[]`; elements encoded as in columns, wrongly typed ones null; `any`/`all` range over `unnest(column)` | exact | as for the element type |
//!
//! `Native` is refused by SQLite (it has none of these types) and, for now, by SQL Server
//! (only golden-tested here); MySQL has no native `uuid`, `interval` or exact decimal, and
//! MariaDB no `interval` or exact decimal (`DECIMAL(p,s)` is not mapped yet); arrays are
//! PostgreSQL's only, of strings, integers or Booleans only. Enum members as their integer
//! values would need declared member values, which schemas do not have yet (issue 16):
//! `Integer` on an enum is refused when the schema is built. GUID literals and record values
//! may be written in either case; the default storage holds them lower-case, `UpperCaseText`
//! upper-case, and both orders are the GUIDs' order.
//!
//! A column keeps whole units, so a literal between two of them is folded, not rounded:
//! `at gt 10:00:00.0000005Z` on microseconds is `at > 10:00:00.000000`, `at ge ...` is
//! `at >= 10:00:00.000001`, `eq` is false (likewise for times of day and durations). A record
//! value finer than the column's unit, or outside its years, is refused on insert
//! ([`ErrorKind::Record`]); a literal outside them is greater or less than every stored value.
//! Values stored in different forms are not compared with each other, and neither are a
//! native column and a function result or collection element (which are in the crate's own
//! form): `date(t) eq d` with a native `d` is [`ErrorKind::Unsupported`]; so is a function
//! the form cannot answer, naming the storage. PostgreSQL compares intervals by a 30-day month
//! and 24-hour day normalization; since the crate writes every duration as microseconds only,
//! with no months, that comparison is the durations' (an application's `interval` column
//! holding months, which no duration has, would compare a month as 30 days). `Rfc3339Utc`
//! text compares as time only because every value is in UTC with the `+00:00` suffix, which
//! sorts before the digits: text written with `Z` or other offsets must not be declared so.
//!
//! # Order and paging
//!
//! [`select`] orders by the `$orderby` keys, or the schema's
//! [`default_order`](crate::schema::EntitySchema::default_order) when there are none, then by
//! the key field ascending and `_id`, so the order is total. Null is the smallest value: first
//! ascending, last descending (`NULLS FIRST`/`NULLS LAST`, or a `CASE WHEN x IS NULL` key in
//! MySQL and SQL Server). `$skip`/`$top` become `LIMIT`/`OFFSET` parameters (`OFFSET ... ROWS
//! FETCH NEXT ... ROWS ONLY` in SQL Server); `$top=0` selects nothing. [`count`] ignores order
//! and paging, as `$count` does.
//!
//! # Dialect differences and limits
//!
//! | | SQLite | PostgreSQL | MySQL | MariaDB | SQL Server |
//! |---|---|---|---|---|---|
//! | placeholder | `?1` | `$1::bigint` (typed) | `?` | `?` | `@p1` |
//! | null-safe `eq` | `IS` | `IS NOT DISTINCT FROM` | `<=>` | `<=>` | expanded |
//! | text match | `GLOB` | `LIKE ... ESCAPE '\'` | `LIKE ... ESCAPE '!'` | same | `LIKE`, `[` escaped too |
//! | `tolower` | `odata_lower`, registered (`rusqlite::register_functions`) | `lower(x COLLATE "und-x-icu")` (ICU) | refused | refused | refused |
//! | `year()` | `substr` | `SUBSTRING(... FROM ... FOR ...)` | same | same | `SUBSTRING(..., ..., ...)` |
//! | null ordering | `NULLS FIRST` | `NULLS FIRST` | `CASE` key | `CASE` key | `CASE` key |
//! | collection element | `json_each` value | `#>>`, cast | `JSON_VALUE(... RETURNING ...)` | `CAST(JSON_VALUE(...) AS ...)` | `OPENJSON`, `JSON_VALUE`, cast |
//! | tested | real server | real server | golden SQL only | real server (10.11) | golden SQL only |
//!
//! `tolower` and `toupper` are Unicode's default full case mapping (`Straße` upper is
//! `STRASSE`, a word-final `Σ` lowers to `ς`), as in the evaluator. SQLite's own `lower` is
//! ASCII-only (and its `round` adds 0.5 first), so the SQL calls the crate's `odata_lower`,
//! `odata_upper`, `odata_round`, `odata_floor` and `odata_ceiling`, which the `rusqlite`
//! helpers register and an application registers on its own connections; without them SQLite
//! fails with `no such function` and a hint. With sqlx, which has no safe way to add a
//! function to a connection, an application registers them through `rusqlite` on the same
//! handle (`rusqlite::Connection::from_handle` on `SqliteConnection::lock_handle`'s raw handle,
//! an `unsafe` call this crate does not make), or avoids those functions. PostgreSQL maps with
//! ICU (a server built without ICU fails, naming the collation). MySQL, MariaDB and SQL Server
//! map one character to one (`ß` stays `ß`), so the two functions are refused there, at the
//! call ([`Dialect::case_map`]).
//!
//! SQLite, PostgreSQL and MariaDB (10.11, the Debian server `scripts/test` starts) are tested
//! against real servers; the MySQL (8.0.21+) and SQL Server (2019+) SQL is pinned by golden
//! tests but has not been run (neither can be installed from Debian here). Known limits: PostgreSQL
//! text cannot hold U+0000, and SQLite's `length`, `substr` and `GLOB` stop at it, so in both
//! such strings are refused ([`ErrorKind::Unsupported`], with the literal's span; records
//! holding one are not stored); SQL
//! Server's `=` ignores trailing spaces; indexed MySQL, MariaDB and SQL Server text columns are
//! bounded (768 characters, 1700 bytes) so that they can be indexed; MySQL's and MariaDB's
//! `DOUBLE` keeps an integer beyond 2^53 in an Edm.Double as its nearest float
//! (`9007199254740993` is `9007199254740992` there). A leap second (`23:59:60.5Z`) is
//! the following second (`00:00:00.5Z`) here as in the evaluator
//! ([`Value::from_json`](crate::value::Value::from_json)).

mod dialect;
mod driver;
mod error;
mod params;
mod statement;
mod storage;
mod translate;

pub use dialect::{
    dialect_from_str, Dialect, MariaDbDialect, MsSqlDialect, MySqlDialect, NativeColumn,
    PostgresDialect, SqliteDialect, TextMatch,
};
pub use error::{Error, ErrorKind};
pub use params::{Params, SqlQuery, SqlType, SqlValue};
pub use statement::{
    count, create_table_sql, insert_sql, order_by_clause, select, select_in_insertion_order,
    select_list, select_rows, where_clause,
};

#[cfg(feature = "postgres")]
pub use driver::postgres;
#[cfg(feature = "rusqlite")]
pub use driver::rusqlite;
#[cfg(any(
    feature = "sqlx-sqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-mysql"
))]
pub use driver::sqlx;
#[cfg(feature = "tokio-postgres")]
pub use driver::tokio_postgres;
