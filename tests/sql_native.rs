//! Every EDM type in the application's native columns (issue 12): the generated differential
//! cases over [`gen::schema`] with each field in its database's own type (PostgreSQL `date`,
//! `time`, `interval`, `uuid`, `boolean`, `numeric`, `timestamptz`; MariaDB `DATE`, `TIME(6)`,
//! `UUID`, `BOOLEAN`, `DATETIME(6)`; SQLite day numbers, 0/1 integers and upper-case GUID text)
//! select what the evaluator selects, on real servers (`sql_support::differential::generated`);
//! boundary values by hand; and the plans of comparisons with native dates and UUIDs read the
//! column's index.
#![cfg(all(feature = "rusqlite", feature = "postgres"))]

mod sql_support;

use odata_filter::schema::{EntitySchema, Field, FieldType, Storage};
use odata_filter::sql::{
    self, Dialect, ErrorKind, MariaDbDialect, MsSqlDialect, PostgresDialect, SqlValue,
    SqliteDialect,
};
use serde_json::Value as Json;
use sql_support::differential::{cases, generated, storable, Layout};
use sql_support::mariadb::MariaDb;
use sql_support::native::native_storage;
use sql_support::{agree_with_oracle, pg_params, Backend, Postgres, Sqlite};

/// Random cases per backend unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 1000;

#[test]
fn sqlite_integer_dates_booleans_and_upper_case_guids_agree_with_the_reference() {
    let mut db = Sqlite::new();
    let n = generated(
        file!(),
        "native_sqlite",
        &mut db,
        Layout::Native,
        cases(CASES),
    );
    // Nearly all of a case's 2.5 filters on average check and translate.
    assert!(n >= 2 * cases(CASES) as usize, "only {n} queries compared");
}

#[test]
fn postgres_native_columns_agree_with_the_reference() {
    let Some(mut db) = Postgres::connect("native_generated") else {
        return;
    };
    let n = generated(
        file!(),
        "native_postgres",
        &mut db,
        Layout::Native,
        cases(CASES),
    );
    // Nearly all of a case's 2.5 filters on average check and translate.
    assert!(n >= 2 * cases(CASES) as usize, "only {n} queries compared");
}

#[test]
fn mariadb_native_columns_agree_with_the_reference() {
    let Some(mut db) = MariaDb::connect("native_generated") else {
        return;
    };
    let n = generated(
        file!(),
        "native_mariadb",
        &mut db,
        Layout::Native,
        cases(CASES),
    );
    // Nearly all of a case's 2.5 filters on average check and translate.
    assert!(n >= 2 * cases(CASES) as usize, "only {n} queries compared");
}

/// One field of each type that has a native or integer form, in `dialect`'s native layout.
fn boundary_schema(dialect: &dyn Dialect) -> EntitySchema {
    let f = |name: &str, ty: FieldType| {
        Field::new(name, ty.clone())
            .nullable(true)
            .filterable(true)
            .sortable(true)
            .with_storage(native_storage(dialect, &ty))
    };
    EntitySchema::builder("Edge", "Edges")
        .field(
            Field::new("id", FieldType::Int64)
                .filterable(true)
                .sortable(true),
        )
        .field(f("dt", FieldType::Date))
        .field(f("tod", FieldType::TimeOfDay))
        .field(f("dur", FieldType::Duration))
        .field(f("g", FieldType::Guid))
        .field(f("b", FieldType::Boolean))
        .field(f("m", FieldType::Decimal))
        .key("id")
        .build()
        .unwrap()
}

/// Far dates, midnight and the last microsecond, negative and huge durations, GUIDs written
/// in either case, nulls and missing values.
const EDGES: &[&str] = &[
    r#"{"id":1,"dt":"0001-01-01","tod":"00:00:00","dur":"-P106751991D","g":"2e9da30d-27f6-4208-81f2-9cd3d67893ba","b":true,"m":0.1}"#,
    r#"{"id":2,"dt":"1000-01-01","tod":"23:59:59.999999","dur":"P106751991D","g":"2E9DA30D-27F6-4208-81F2-9CD3D67893BB","b":false,"m":-12.5}"#,
    r#"{"id":3,"dt":"1969-12-31","tod":"12:00:00.5","dur":"PT0S","g":"00000000-0000-0000-0000-000000000000","b":null,"m":3}"#,
    r#"{"id":4,"dt":"1970-01-01","tod":"00:00:00.000001","dur":"PT0.000001S","g":"ffffffff-ffff-ffff-ffff-ffffffffffff","m":null}"#,
    r#"{"id":5,"dt":"2000-02-29","tod":null,"dur":"-PT0.000001S","g":null,"b":true}"#,
    r#"{"id":6,"dt":"9999-12-31","tod":"23:59:59","dur":"-P1DT2H3M4.5S"}"#,
    r#"{"id":7,"dt":null,"dur":null}"#,
    r#"{"id":8}"#,
];

/// Comparisons on and between the columns' units, calendar functions, nulls.
const EDGE_FILTERS: &[&str] = &[
    "dt eq 1970-01-01",
    "dt lt 1970-01-01",
    "dt ge 9999-12-31",
    "dt gt 0001-01-01",
    "dt ne 2000-02-29",
    "not (dt le 1969-12-31)",
    "dt in (1969-12-31, null, 0001-01-01)",
    "dt eq null",
    "year(dt) eq 2000",
    "month(dt) eq 2 and day(dt) eq 29",
    "year(dt) lt 1970",
    "tod eq 23:59:59.999999",
    "tod gt 23:59:59.9999985",
    "tod ge 23:59:59.9999985",
    "tod ge 23:59:59.9999995",
    "tod lt 00:00:00.0000001",
    "tod le 00:00:00.0000001",
    "tod eq 00:00:00",
    "tod ne 12:00:00.5",
    "not (tod gt 12:00:00)",
    "hour(tod) eq 23",
    "minute(tod) eq 59 and second(tod) eq 59",
    "hour(tod) eq 0 or tod eq null",
    "dur lt duration'PT0S'",
    "dur gt duration'-PT0.0000005S'",
    "dur eq duration'PT0.000001S'",
    "dur ge duration'PT0.0000001S'",
    "dur le duration'-PT0.0000001S'",
    "dur lt duration'P200000000D'",
    "dur gt duration'-P200000000D'",
    "dur ne duration'PT0S'",
    "dur eq duration'-P1DT2H3M4.5S'",
    "not (dur ge duration'-P1D')",
    "g eq 2E9DA30D-27F6-4208-81F2-9CD3D67893BA",
    "g eq 2e9da30d-27f6-4208-81f2-9cd3d67893bb",
    "g in (00000000-0000-0000-0000-000000000000, FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF)",
    "g ne 00000000-0000-0000-0000-000000000000",
    "g eq null",
    "b",
    "not b",
    "b eq false",
    "b ne true",
    "b eq null",
    "m gt 0.1",
    "m eq 0.1",
    "m le -12.5 or m eq null",
];

/// Loads [`EDGES`] into `db` in `dialect`'s native layout (without the values it cannot
/// hold) and compares every edge filter with the reference.
fn edges_agree(db: &mut dyn Backend, order_by: &[&str]) -> Vec<String> {
    let dialect = db.dialect();
    let schema = boundary_schema(dialect);
    let records: Vec<String> = EDGES.iter().map(|r| (*r).to_owned()).collect();
    let lines = storable(&schema, dialect, &records);
    let filters: Vec<&str> = EDGE_FILTERS
        .iter()
        .copied()
        .filter(|f| {
            sql::where_clause(&sql_support::filter(&schema, f), &schema, "Edges", dialect).is_ok()
        })
        .collect();
    agree_with_oracle(db, &schema, &lines, &filters, order_by);
    // The filters the layout refuses, for the caller to check.
    EDGE_FILTERS
        .iter()
        .filter(|f| !filters.contains(f))
        .map(|f| (*f).to_owned())
        .collect()
}

/// The ids `text` selects from the table [`edges_agree`] loaded, in id order.
fn ids(db: &mut dyn Backend, text: &str) -> Vec<i64> {
    let schema = boundary_schema(db.dialect());
    let q = sql_support::query(&schema, Some(text), &["id"], 0, None);
    db.select(&schema, &q)
        .iter()
        .map(|doc| {
            serde_json::from_str::<Json>(doc).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[test]
fn postgres_native_boundaries() {
    let Some(mut db) = Postgres::connect("native_edges") else {
        return;
    };
    let refused = edges_agree(&mut db, &["dt desc", "tod", "dur desc", "g"]);
    assert!(refused.is_empty(), "{refused:?}");
    // Chosen by hand, not by the reference.
    assert_eq!(ids(&mut db, "dt lt 1970-01-01"), [1, 2, 3]);
    assert_eq!(ids(&mut db, "tod gt 23:59:59.9999985"), [2]);
    assert_eq!(ids(&mut db, "tod eq 23:59:59.9999995"), Vec::<i64>::new());
    assert_eq!(ids(&mut db, "dur lt duration'PT0S'"), [1, 5, 6]);
    assert_eq!(ids(&mut db, "dur ge duration'PT0.0000001S'"), [2, 4]);
    assert_eq!(
        ids(&mut db, "g eq 2E9DA30D-27F6-4208-81F2-9CD3D67893BA"),
        [1]
    );
    assert_eq!(ids(&mut db, "not b"), [2]);
}

#[test]
fn mariadb_native_boundaries() {
    let Some(mut db) = MariaDb::connect("native_edges") else {
        return;
    };
    let refused = edges_agree(&mut db, &["dt desc", "tod", "dur desc"]);
    assert!(refused.is_empty(), "{refused:?}");
    // DATE holds the years 1000 to 9999: record 1's date was left out.
    assert_eq!(ids(&mut db, "dt lt 1970-01-01"), [2, 3]);
    assert_eq!(ids(&mut db, "tod gt 23:59:59.9999985"), [2]);
    assert_eq!(
        ids(&mut db, "g eq 2E9DA30D-27F6-4208-81F2-9CD3D67893BA"),
        [1]
    );
    assert_eq!(ids(&mut db, "not b"), [2]);
}

#[test]
fn sqlite_integer_and_upper_case_boundaries() {
    let mut db = Sqlite::new();
    let refused = edges_agree(&mut db, &["dt desc", "tod", "dur desc", "g"]);
    // A day number has no calendar fields here.
    assert_eq!(
        refused,
        [
            "year(dt) eq 2000",
            "month(dt) eq 2 and day(dt) eq 29",
            "year(dt) lt 1970"
        ]
    );
    assert_eq!(ids(&mut db, "dt lt 1970-01-01"), [1, 2, 3]);
    assert_eq!(
        ids(&mut db, "g eq 2e9da30d-27f6-4208-81f2-9cd3d67893bb"),
        [2]
    );
    assert_eq!(ids(&mut db, "b eq false"), [2]);
}

/// What a native layout cannot hold or answer is refused, naming the field and the storage.
#[test]
fn what_native_columns_cannot_do_is_refused() {
    let unsupported = |e: sql::Error, needle: &str| {
        assert!(matches!(e.kind(), ErrorKind::Unsupported { .. }), "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
    };
    let native = |ty: FieldType| {
        EntitySchema::builder("E", "Es")
            .field(Field::new("id", FieldType::Int64).filterable(true))
            .field(
                Field::new("x", ty)
                    .nullable(true)
                    .filterable(true)
                    .sortable(true)
                    .with_storage(Storage::Native),
            )
            .key("id")
            .build()
            .unwrap()
    };
    // No interval in MariaDB, no native types in SQLite, none yet in SQL Server.
    let dur = native(FieldType::Duration);
    unsupported(
        sql::create_table_sql(&dur, "Es", &MariaDbDialect).unwrap_err(),
        "field `x` with storage `native`",
    );
    let date = native(FieldType::Date);
    for d in [&SqliteDialect as &dyn Dialect, &MsSqlDialect] {
        unsupported(
            sql::create_table_sql(&date, "Es", d).unwrap_err(),
            "no native column for Edm.Date",
        );
        let f = sql_support::filter(&date, "x eq 2024-01-05");
        unsupported(
            sql::where_clause(&f, &date, "Es", d).unwrap_err(),
            "field `x` with storage `native`",
        );
    }
    // A time of day finer than the column's microseconds is not rounded on the way in.
    let tod = native(FieldType::TimeOfDay);
    let e = sql::insert_sql(
        &tod,
        "Es",
        r#"{"id":1,"x":"12:00:00.0000001"}"#,
        &PostgresDialect,
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    // MariaDB's UUID orders version-1 UUIDs by their time fields: no `$orderby` (the checker
    // already refuses `gt` and the like for GUIDs).
    let g = native(FieldType::Guid);
    let q = sql_support::query(&g, None, &["x"], 0, None);
    unsupported(
        sql::select(&q, &g, "Es", &MariaDbDialect).unwrap_err(),
        "ordering by field `x`",
    );
    let f = sql_support::filter(&g, "x eq 2E9DA30D-27F6-4208-81F2-9CD3D67893BA");
    let w = sql::where_clause(&f, &g, "Es", &MariaDbDialect).unwrap();
    assert_eq!(
        w.params,
        [SqlValue::Uuid(0x2e9da30d_27f6_4208_81f2_9cd3d67893ba)]
    );
    // A native date and a function's text date are stored differently.
    let mixed = EntitySchema::builder("E", "Es")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(Field::new("t", FieldType::DateTimeOffset).filterable(true))
        .field(
            Field::new("d", FieldType::Date)
                .filterable(true)
                .with_storage(Storage::Native),
        )
        .key("id")
        .build()
        .unwrap();
    let f = sql_support::filter(&mixed, "date(t) eq d");
    unsupported(
        sql::where_clause(&f, &mixed, "Es", &PostgresDialect).unwrap_err(),
        "stored differently",
    );
    // Typed placeholders in PostgreSQL.
    let f = sql_support::filter(&mixed, "d ge 2024-01-05");
    let w = sql::where_clause(&f, &mixed, "Es", &PostgresDialect).unwrap();
    assert_eq!(w.sql, r#"("d" >= $1::date)"#);
    // Enum members as integers need member values, which schemas cannot declare yet.
    let color = odata_filter::schema::EnumType::new("T.Color", ["Red", "Green"]);
    let e = EntitySchema::builder("E", "Es")
        .field(Field::new("id", FieldType::Int64))
        .field(Field::new("c", FieldType::from(color)).with_storage(Storage::Integer))
        .key("id")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("member values"), "{e}");
    let e = EntitySchema::builder("E", "Es")
        .field(Field::new("id", FieldType::Int64).with_storage(Storage::Native))
        .key("id")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("storage `native` is for"), "{e}");
}

/// Schema files name the new storages.
#[test]
fn native_storages_in_json_schemas() {
    let text = r#"{"name": "E", "entitySet": "Es", "key": "id", "fields": [
        {"name": "id", "type": "Int64"},
        {"name": "d", "type": "Date", "storage": "native"},
        {"name": "n", "type": "Date", "storage": "integer"},
        {"name": "g", "type": "Guid", "storage": "upperCaseText"},
        {"name": "b", "type": "Boolean", "storage": "integer"}
    ]}"#;
    let s = EntitySchema::from_json_str(text).unwrap();
    let storage = |name: &str| s.lookup(name).unwrap().storage();
    assert_eq!(storage("d"), Storage::Native);
    assert_eq!(storage("n"), Storage::Integer);
    assert_eq!(storage("g"), Storage::UpperCaseText);
    assert_eq!(storage("b"), Storage::Integer);
    assert_eq!(EntitySchema::from_json_str(&s.to_json_pretty()).unwrap(), s);
}

/// Generated against hand-written SQL on a native-typed PostgreSQL table of 200,000 rows
/// (BENCHMARKS.md, section 3): same rows, the plans side by side, and the median time of 31
/// runs of each. Ignored: `bash scripts/test --test sql_native -- --ignored --nocapture`.
#[test]
#[ignore]
fn postgres_native_generated_against_hand_written() {
    let Some(mut db) = Postgres::connect("native_bench") else {
        return;
    };
    let native = |name: &str, ty: FieldType| {
        Field::new(name, ty)
            .nullable(true)
            .filterable(true)
            .with_storage(Storage::Native)
    };
    let schema = EntitySchema::builder("Event", "Events")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(native("d", FieldType::Date))
        .field(native("g", FieldType::Guid))
        .field(native("tod", FieldType::TimeOfDay))
        .field(native("dur", FieldType::Duration))
        .field(native("b", FieldType::Boolean))
        .key("id")
        .build()
        .unwrap();
    db.load(&schema, &[]);
    db.client
        .batch_execute(
            "INSERT INTO \"Events\" (_doc, id, d, g, tod, dur, b) \
             SELECT '{}', i, DATE '2020-01-01' + i % 1826, md5(i::text)::uuid, \
             TIME '00:00' + (i % 86400) * INTERVAL '1 second', \
             (i % 100000) * INTERVAL '1 second', i % 3 = 0 \
             FROM generate_series(1, 200000) AS i; ANALYZE \"Events\"",
        )
        .unwrap();
    let uuid: String = db
        .client
        .query_one("SELECT md5('4242')::uuid::text", &[])
        .unwrap()
        .get(0);
    let cases = [
        (
            "date_range",
            "d ge 2024-03-01 and d lt 2024-04-01".to_owned(),
            "d >= DATE '2024-03-01' AND d < DATE '2024-04-01'".to_owned(),
        ),
        (
            "uuid_eq",
            format!("g eq {}", uuid.to_ascii_uppercase()),
            format!("g = '{uuid}'::uuid"),
        ),
        (
            "time_range",
            "tod ge 08:00:00 and tod lt 08:05:00".to_owned(),
            "tod >= TIME '08:00' AND tod < TIME '08:05'".to_owned(),
        ),
        (
            "duration_gt",
            "dur gt duration'PT27H40M'".to_owned(),
            "dur > INTERVAL '27 hours 40 minutes'".to_owned(),
        ),
        (
            "bool_and_date",
            "b and d eq 2024-06-15".to_owned(),
            "b AND d = DATE '2024-06-15'".to_owned(),
        ),
    ];
    let median = |db: &mut Postgres, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
        let stmt = db.client.prepare(sql).unwrap();
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..31 {
            let start = std::time::Instant::now();
            n = db.client.query_one(&stmt, params).unwrap().get::<_, i64>(0);
            times.push(start.elapsed());
        }
        times.sort();
        (n, times[15])
    };
    println!("| case | rows | plan (both) | generated | hand-written | ratio |");
    println!("|---|---|---|---|---|---|");
    for (name, filter, hand) in cases {
        let w = sql::where_clause(
            &sql_support::filter(&schema, &filter),
            &schema,
            "Events",
            &PostgresDialect,
        )
        .unwrap();
        let params = pg_params(&w.params);
        let generated = format!("SELECT count(*) FROM \"Events\" WHERE {}", w.sql);
        let handwritten = format!("SELECT count(*) FROM \"Events\" WHERE {hand}");
        let plan =
            |db: &mut Postgres, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
                db.client
                    .query(&format!("EXPLAIN (COSTS OFF) {sql}"), params)
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<_, String>(0).trim().to_owned())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
        let (gen_plan, hand_plan) = (
            plan(&mut db, &generated, &params),
            plan(&mut db, &handwritten, &[]),
        );
        let (n, g) = median(&mut db, &generated, &params);
        let (m, h) = median(&mut db, &handwritten, &[]);
        assert_eq!(n, m, "{name}: the hand-written SQL counts other rows");
        // PostgreSQL may switch a prepared statement with parameters to a generic plan after
        // five runs; with custom plans each run is planned for its values, as literals are.
        db.client
            .batch_execute("SET plan_cache_mode = force_custom_plan")
            .unwrap();
        let (_, gc) = median(&mut db, &generated, &params);
        db.client
            .batch_execute("SET plan_cache_mode = auto")
            .unwrap();
        println!(
            "| {name} | {n} | {gen_plan} | {g:.2?} ({gc:.2?} custom) | {h:.2?} | {:.2} ({:.2}) |",
            g.as_secs_f64() / h.as_secs_f64(),
            gc.as_secs_f64() / h.as_secs_f64()
        );
        if gen_plan != hand_plan {
            println!("|  | | hand-written: {hand_plan} | | | |");
        }
        println!("<!-- {name}: {generated} -->");
    }
}

/// Collections of scalars in PostgreSQL arrays: lambdas range over `unnest` of the column,
/// null, wrongly typed and missing elements and collections included.
#[test]
fn postgres_native_arrays() {
    let coll = |name: &str, item: FieldType| {
        Field::new(name, FieldType::collection(item))
            .nullable(true)
            .filterable(true)
            .with_storage(Storage::Native)
    };
    let schema = EntitySchema::builder("Bag", "Bags")
        .field(
            Field::new("id", FieldType::Int64)
                .filterable(true)
                .sortable(true),
        )
        .field(
            Field::new("s", FieldType::String)
                .nullable(true)
                .filterable(true),
        )
        .field(coll("tags", FieldType::String))
        .field(coll("nums", FieldType::Int64))
        .field(coll("flags", FieldType::Boolean))
        .key("id")
        .build()
        .unwrap();
    let w = sql::where_clause(
        &sql_support::filter(&schema, "tags/any(x: x eq s)"),
        &schema,
        "Bags",
        &PostgresDialect,
    )
    .unwrap();
    assert_eq!(
        w.sql,
        r#"(EXISTS (SELECT 1 FROM unnest("Bags"."tags") AS _e1(v) WHERE (_e1.v IS NOT DISTINCT FROM "Bags"."s")))"#
    );
    for d in [&SqliteDialect as &dyn Dialect, &MariaDbDialect] {
        let e = sql::create_table_sql(&schema, "Bags", d).unwrap_err();
        assert!(
            e.to_string().contains("field `tags` with storage `native`"),
            "{e}"
        );
    }
    let Some(mut db) = Postgres::connect("native_arrays") else {
        return;
    };
    let lines = [
        r#"{"id":1,"s":"a","tags":["a","B","a b"],"nums":[1,2,3],"flags":[true,false]}"#,
        r#"{"id":2,"s":"z","tags":[],"nums":[],"flags":[]}"#,
        r#"{"id":3,"tags":["x",null,7],"nums":[null,2.5,"9",9007199254740993],"flags":[null,1]}"#,
        r#"{"id":4,"tags":null,"nums":"not an array"}"#,
        r#"{"id":5}"#,
        r#"{"id":6,"s":"O'Neil","tags":["O'Neil","50%_off","ünï"],"nums":[-5,0,7],"flags":[true]}"#,
    ];
    let filters = [
        "tags/any()",
        "not tags/any()",
        "tags/any(x: x eq 'a')",
        "tags/all(x: x ne 'x')",
        "tags/any(x: x eq null)",
        "tags/any(x: x eq s)",
        "tags/any(x: startswith(x, 'a'))",
        "tags/any(x: contains(x, '%_'))",
        "tags/all(x: x gt 'A')",
        "nums/any(n: n gt 2)",
        "nums/all(n: n ge 0)",
        "nums/any(n: n eq 9007199254740993)",
        "nums/any(n: n lt 2.5)",
        "nums/any(n: n eq null) or flags/any(f: f eq null)",
        "flags/any(f: f)",
        "flags/all(f: f)",
        "not flags/any(f: not f)",
    ];
    agree_with_oracle(&mut db, &schema, &lines, &filters, &["id desc"]);
    let q = sql_support::query(&schema, Some("nums/all(n: n ge 0)"), &["id"], 0, None);
    let got: Vec<i64> = db
        .select(&schema, &q)
        .iter()
        .map(|doc| {
            serde_json::from_str::<Json>(doc).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    // Chosen by hand: an empty or missing collection has every property.
    assert_eq!(got, [1, 2, 4, 5]);
}
