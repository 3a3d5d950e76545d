//! Instants in the columns applications already have (issue 12): PostgreSQL `timestamptz`,
//! RFC 3339 text as sqlx and chrono write it, epoch integers. Every filter selects the rows the
//! evaluator selects, in order, on real SQLite and PostgreSQL; a table shaped as an axum + sqlx
//! application's gets the right rows for the filters that returned wrong ones.
#![cfg(all(feature = "rusqlite", feature = "postgres"))]

mod sql_support;

use chrono::{DateTime, Utc};
use odata_filter::query::QueryOptions;
use odata_filter::schema::{EntitySchema, EpochUnit, Field, FieldType, Storage};
use odata_filter::sql::{self, ErrorKind, SqliteDialect};
use sql_support::mariadb::MariaDb;
use sql_support::{agree_with_oracle, assert_plan, pg_params, widgets, Backend, Postgres, Sqlite};

/// Events whose `at` is held as `storage`.
fn events(storage: Storage) -> EntitySchema {
    EntitySchema::builder("Event", "Events")
        .field(
            Field::new("id", FieldType::Int64)
                .filterable(true)
                .sortable(true),
        )
        .field(
            Field::new("at", FieldType::DateTimeOffset)
                .nullable(true)
                .filterable(true)
                .sortable(true)
                .with_storage(storage)
                .with_column("at_column"),
        )
        .key("id")
        .default_order("at", false)
        .build()
        .unwrap()
}

/// Nanoseconds since the epoch of an RFC 3339 instant.
fn nanos(t: &str) -> i128 {
    let t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
    i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
}

/// Instants around the edges of every unit: whole seconds, milliseconds, microseconds,
/// nanoseconds, offsets, far years, a leap second.
const INSTANTS: &[&str] = &[
    "2024-01-05T10:00:00Z",
    "2024-01-05T10:00:00.001Z",
    "2024-01-05T10:00:00.000001Z",
    "2024-01-05T10:00:00.000000001Z",
    "2024-01-05T09:59:59.999999Z",
    "2024-01-05T12:00:00+02:00",
    "2024-02-29T23:59:59.5-05:00",
    "2016-12-31T23:59:60Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2024-06-15T07:30:30.123Z",
];

/// The records: one per instant `storage` can hold with `unit` ns (and inside its range),
/// plus one without `at` and one with `at` null. Decided here from the instants themselves,
/// not by the crate's refusals.
fn records(unit: i64, range: Option<(i128, i128)>) -> Vec<String> {
    let mut out = vec![r#"{"id":0}"#.to_owned(), r#"{"id":1,"at":null}"#.to_owned()];
    for (i, t) in INSTANTS.iter().enumerate() {
        let n = nanos(t);
        let in_range = range.is_none_or(|(lo, hi)| (lo..=hi).contains(&n));
        if n % i128::from(unit) == 0 && in_range {
            out.push(format!(r#"{{"id":{},"at":"{t}"}}"#, i + 2));
        }
    }
    out
}

/// Comparisons of every kind with literals on and between the units, and the functions the
/// storage answers.
fn filters(calendar: bool, time: bool) -> Vec<String> {
    let literals = [
        "2024-01-05T10:00:00Z",
        "2024-01-05T10:00:00.0005Z",
        "2024-01-05T10:00:00.0000005Z",
        "2024-01-05T10:00:00.000000001Z",
        "2024-01-05T11:00:00.001+01:00",
        "1969-12-31T23:59:59.9999999Z",
        "2017-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T18:59:59.999999999-05:00",
    ];
    let mut out = Vec::new();
    for l in literals {
        for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
            out.push(format!("at {op} {l}"));
        }
        out.push(format!("not (at gt {l})"));
    }
    out.push("at in (2024-01-05T10:00:00Z, 2024-01-05T10:00:00.0000005Z, null)".to_owned());
    out.push("at eq null or at gt 2024-01-05T10:00:00Z".to_owned());
    if calendar {
        out.extend(
            [
                "year(at) eq 2024",
                "year(at) lt 1000",
                "month(at) eq 1 and day(at) eq 5",
                "hour(at) eq 10 and minute(at) eq 0",
                "second(at) eq 59 or second(at) eq 30",
                "date(at) eq 2024-01-05",
                "date(at) lt 1970-01-01",
            ]
            .map(str::to_owned),
        );
    }
    if time {
        out.push("time(at) lt 10:00:00.0005".to_owned());
        out.push("time(at) eq 07:30:30.123".to_owned());
    }
    out
}

/// Loads the records `storage` holds and compares every filter with the evaluator.
fn agree(db: &mut dyn Backend, storage: Storage, unit: i64, range: Option<(i128, i128)>) {
    let lines = records(unit, range);
    assert!(lines.len() >= 8, "{storage}: only {} records", lines.len());
    let calendar = !matches!(storage, Storage::Epoch(_));
    let time = matches!(storage, Storage::Default | Storage::Native);
    let filters = filters(calendar, time);
    agree_with_oracle(db, &events(storage), &lines, &filters, &["at desc", "at"]);
}

/// i64 nanoseconds reach from 1677-09-21 to 2262-04-11.
const I64_NANOS: (i128, i128) = (i64::MIN as i128, i64::MAX as i128);

#[test]
fn sqlite_text_and_epoch_columns_agree_with_the_evaluator() {
    agree(&mut Sqlite::new(), Storage::Default, 1, None);
    agree(&mut Sqlite::new(), Storage::Rfc3339Utc, 1, None);
    for (unit, range) in [
        (EpochUnit::Seconds, None),
        (EpochUnit::Milliseconds, None),
        (EpochUnit::Microseconds, None),
        (EpochUnit::Nanoseconds, Some(I64_NANOS)),
    ] {
        agree(
            &mut Sqlite::new(),
            Storage::Epoch(unit),
            unit.nanos(),
            range,
        );
    }
}

#[test]
fn postgres_timestamptz_text_and_epoch_columns_agree_with_the_evaluator() {
    let Some(mut db) = Postgres::connect("storage_native") else {
        return;
    };
    agree(&mut db, Storage::Native, 1_000, None);
    let Some(mut db) = Postgres::connect("storage_rfc3339") else {
        return;
    };
    agree(&mut db, Storage::Rfc3339Utc, 1, None);
    let Some(mut db) = Postgres::connect("storage_epoch") else {
        return;
    };
    let ms = EpochUnit::Milliseconds;
    agree(&mut db, Storage::Epoch(ms), ms.nanos(), None);
}

#[test]
fn mariadb_datetime_text_and_epoch_columns_agree_with_the_evaluator() {
    // DATETIME(6) holds the years 1000 to 9999.
    let datetime = (
        nanos("1000-01-01T00:00:00Z"),
        nanos("9999-12-31T23:59:59.999999Z"),
    );
    let Some(mut db) = MariaDb::connect("storage_native") else {
        return;
    };
    agree(&mut db, Storage::Native, 1_000, Some(datetime));
    let Some(mut db) = MariaDb::connect("storage_rfc3339") else {
        return;
    };
    agree(&mut db, Storage::Rfc3339Utc, 1, None);
    let Some(mut db) = MariaDb::connect("storage_epoch") else {
        return;
    };
    let us = EpochUnit::Microseconds;
    agree(&mut db, Storage::Epoch(us), us.nanos(), None);
}

/// What a storage cannot do is refused with the field's storage named, never answered wrong.
#[test]
fn what_a_storage_cannot_answer_is_refused() {
    let native = events(Storage::Native);
    let e = sql::create_table_sql(&native, "Events", &SqliteDialect).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("storage `native`"), "{e}");
    let epoch = events(Storage::Epoch(EpochUnit::Seconds));
    let f = sql_support::filter(&epoch, "year(at) eq 2024");
    let e = sql::where_clause(&f, &epoch, "Events", &SqliteDialect).unwrap_err();
    assert!(e.to_string().contains("stored as `unixSeconds`"), "{e}");
    let text = events(Storage::Rfc3339Utc);
    let f = sql_support::filter(&text, "time(at) eq 10:00:00");
    let e = sql::where_clause(&f, &text, "Events", &SqliteDialect).unwrap_err();
    assert!(e.to_string().contains("stored as `rfc3339Utc`"), "{e}");
    // Instants stored differently do not compare.
    let mixed = EntitySchema::builder("Event", "Events")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(Field::new("a", FieldType::DateTimeOffset).filterable(true))
        .field(
            Field::new("b", FieldType::DateTimeOffset)
                .filterable(true)
                .with_storage(Storage::Rfc3339Utc),
        )
        .key("id")
        .build()
        .unwrap();
    let f = sql_support::filter(&mixed, "a lt b");
    let e = sql::where_clause(&f, &mixed, "Events", &SqliteDialect).unwrap_err();
    assert!(e.to_string().contains("stored differently"), "{e}");
    // A record the column cannot hold exactly is refused, not rounded.
    let e = sql::insert_sql(
        &events(Storage::Epoch(EpochUnit::Milliseconds)),
        "Events",
        r#"{"id":1,"at":"2024-01-05T10:00:00.0001Z"}"#,
        &SqliteDialect,
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    // A storage is for instants only, and says so when the schema is built.
    let e = EntitySchema::builder("E", "Es")
        .field(Field::new("id", FieldType::String).with_storage(Storage::Native))
        .key("id")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("storage `native`"), "{e}");
}

/// The application's own table, as axum + sqlx write it (issue 12's reproducer,
/// [`widgets`]): `created_at` as chrono's `to_rfc3339()` text in SQLite and as `timestamptz`
/// in PostgreSQL. The two filters that returned every row or none now return ids 4-9 and 0-1.
#[test]
fn widgets_created_at_on_the_applications_own_table() {
    let created = widgets::created();

    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    sqlite.execute_batch(widgets::SQLITE_TABLE).unwrap();
    for (i, t) in created.iter().enumerate() {
        sqlite
            .execute(
                "INSERT INTO widgets VALUES (?1, ?2)",
                rusqlite::params![i as i64, t.to_rfc3339()],
            )
            .unwrap();
    }
    let ids = |statement: &sql::SqlQuery| -> Vec<i64> {
        let mut stmt = sqlite.prepare(&statement.sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(&statement.params), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let s = widgets::schema(Storage::Rfc3339Utc);
    for (statement, want) in statements(&s, &SqliteDialect) {
        assert_eq!(ids(&statement), want, "sqlite: {}", statement.sql);
    }

    let Some(mut pg) = Postgres::connect("widgets") else {
        return;
    };
    pg.client.batch_execute(widgets::POSTGRES_TABLE).unwrap();
    for (i, t) in created.iter().enumerate() {
        pg.client
            .execute(
                "INSERT INTO widgets VALUES ($1, $2::text::timestamptz)",
                &[&(i as i64), &t.to_rfc3339()],
            )
            .unwrap();
    }
    let s = widgets::schema(Storage::Native);
    for (statement, want) in statements(&s, &sql::PostgresDialect) {
        let params = pg_params(&statement.params);
        let rows = pg.client.query(&statement.sql, &params).unwrap();
        let got: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(got, want, "postgres: {}", statement.sql);
    }
}

/// The statements of the widget queries over `schema` in `dialect`, each with the integers
/// it must return: the ids of each filter in id order, then [`widgets::PAGE`]'s page of ids
/// and its count.
fn statements(schema: &EntitySchema, dialect: &dyn sql::Dialect) -> Vec<(sql::SqlQuery, Vec<i64>)> {
    let mut out: Vec<_> = widgets::FILTERS
        .iter()
        .map(|(text, want)| {
            let w = sql::where_clause(
                &sql_support::filter(schema, text),
                schema,
                "widgets",
                dialect,
            )
            .unwrap();
            let statement = sql::SqlQuery {
                sql: format!("SELECT id FROM widgets WHERE {} ORDER BY id", w.sql),
                params: w.params,
            };
            (statement, want.to_vec())
        })
        .collect();
    let (q, _) = QueryOptions::new().parse(schema, widgets::PAGE).unwrap();
    out.push((
        sql::select_rows(&q, schema, "widgets", dialect).unwrap(),
        widgets::PAGE_IDS.to_vec(),
    ));
    out.push((
        sql::count(&q, schema, "widgets", dialect).unwrap(),
        vec![widgets::PAGE_COUNT as i64],
    ));
    out
}

/// Schema files say the storage by name, and print it back.
#[test]
fn storage_in_json_schemas() {
    let text = r#"{"name": "Event", "entitySet": "Events", "key": "id", "fields": [
        {"name": "id", "type": "Int64"},
        {"name": "at", "type": "DateTimeOffset", "storage": "unixMilliseconds"},
        {"name": "seen", "type": "DateTimeOffset", "storage": "rfc3339Utc"},
        {"name": "made", "type": "DateTimeOffset"}
    ]}"#;
    let s = EntitySchema::from_json_str(text).unwrap();
    let storage = |name: &str| s.lookup(name).unwrap().storage();
    assert_eq!(storage("at"), Storage::Epoch(EpochUnit::Milliseconds));
    assert_eq!(storage("seen"), Storage::Rfc3339Utc);
    assert_eq!(storage("made"), Storage::Default);
    let back = EntitySchema::from_json_str(&s.to_json_pretty()).unwrap();
    assert_eq!(back, s);
    assert!(!s.to_json_pretty().contains("\"default\""));
    let e = EntitySchema::from_json_str(&text.replace("rfc3339Utc", "iso")).unwrap_err();
    assert!(e.to_string().contains("unknown storage `iso`"), "{e}");
}

/// Comparisons with instants in the application's forms stay on the bare column, so each
/// database answers them from an index on the column (`create_table_sql` makes one for the
/// filterable `at`, and one in the default order, which starts with `at`): the plans of real
/// SQLite, PostgreSQL and MariaDB say so.
#[test]
fn instant_comparisons_use_the_columns_index() {
    let text = "at gt 2024-01-05T10:00:00.0000005Z and at lt 2024-02-01T00:00:00Z";
    let lines = records(1_000_000, None);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let ms = Storage::Epoch(EpochUnit::Milliseconds);

    for storage in [Storage::Default, Storage::Rfc3339Utc, ms] {
        let mut db = Sqlite::new();
        let schema = events(storage);
        db.load(&schema, &lines);
        assert_plan(
            &mut db,
            &schema,
            text,
            &["USING INDEX", "(at_column>? AND at_column<?)"],
        );
    }
    for storage in [Storage::Native, Storage::Rfc3339Utc, ms] {
        if let Some(mut db) = Postgres::connect("plans") {
            let schema = events(storage);
            db.load(&schema, &lines);
            assert_plan(&mut db, &schema, text, &["Index Cond: ((at_column >"]);
        }
    }
    for storage in [Storage::Native, Storage::Rfc3339Utc, ms] {
        if let Some(mut db) = MariaDb::connect("plans") {
            let schema = events(storage);
            // DATETIME(6) holds the years 1000 to 9999.
            let lines = records(1_000_000, Some((nanos("1000-01-01T00:00:00Z"), i128::MAX)));
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            db.load(&schema, &lines);
            assert_plan(
                &mut db,
                &schema,
                text,
                &["\"used_key_parts\": [\"at_column\"]"],
            );
        }
    }
}

/// Comparisons with native dates and UUIDs (day numbers and upper-case text in SQLite) stay
/// on the bare column too: the plans of real SQLite, PostgreSQL and MariaDB read its index.
#[test]
fn native_date_and_uuid_comparisons_use_the_columns_index() {
    let schema = |date: Storage, guid: Storage| {
        EntitySchema::builder("Day", "Days")
            .field(Field::new("id", FieldType::Int64).filterable(true))
            .field(
                Field::new("d", FieldType::Date)
                    .nullable(true)
                    .filterable(true)
                    .with_storage(date),
            )
            .field(
                Field::new("g", FieldType::Guid)
                    .nullable(true)
                    .filterable(true)
                    .with_storage(guid),
            )
            .key("id")
            .build()
            .unwrap()
    };
    let lines: Vec<String> = (0..60)
        .map(|i| {
            format!(
                r#"{{"id":{i},"d":"2024-{:02}-{:02}","g":"2e9da30d-27f6-4208-81f2-{:012x}"}}"#,
                i % 12 + 1,
                i % 28 + 1,
                i * 7919
            )
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let range = "d ge 2024-03-01 and d lt 2024-04-01";
    let guid = "g eq 2E9DA30D-27F6-4208-81F2-00000000F778";

    let s = schema(Storage::Integer, Storage::UpperCaseText);
    let mut db = Sqlite::new();
    db.load(&s, &lines);
    assert_plan(&mut db, &s, range, &["USING INDEX", "(d>? AND d<?)"]);
    assert_plan(&mut db, &s, guid, &["USING INDEX", "(g=?)"]);
    let s = schema(Storage::Native, Storage::Native);
    if let Some(mut db) = Postgres::connect("native_plans") {
        db.load(&s, &lines);
        assert_plan(&mut db, &s, range, &["Index Cond: ((d >="]);
        assert_plan(&mut db, &s, guid, &["Index Cond: (g ="]);
    }
    if let Some(mut db) = MariaDb::connect("native_plans") {
        db.load(&s, &lines);
        assert_plan(&mut db, &s, range, &["\"used_key_parts\": [\"d\"]"]);
        assert_plan(&mut db, &s, guid, &["\"used_key_parts\": [\"g\"]"]);
    }
}
