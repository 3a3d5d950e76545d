//! The generated differential cases over native layouts: [`gen::schema`] with each field in
//! its database's own type where the dialect has one (else day numbers, 0/1 integers and
//! upper-case GUID text), run on any [`Backend`] against the reference semantics.

use super::differential::check_layout;
use super::{gen, reference, Backend};
use odata_filter::schema::{EntitySchema, FieldType, Storage};
use odata_filter::sql::{self, Dialect, ErrorKind, SqlType};
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::Value as Json;
use std::cell::RefCell;

/// The SQL type of `ty`'s native column, when it has one.
pub fn native_sql_type(ty: &FieldType) -> Option<SqlType> {
    Some(match ty {
        FieldType::DateTimeOffset => SqlType::Timestamp,
        FieldType::Date => SqlType::Date,
        FieldType::TimeOfDay => SqlType::Time,
        FieldType::Duration => SqlType::Interval,
        FieldType::Guid => SqlType::Uuid,
        FieldType::Boolean => SqlType::Bool,
        FieldType::Decimal => SqlType::Number,
        FieldType::Collection(item) => match **item {
            FieldType::String => SqlType::TextArray,
            FieldType::Int32 | FieldType::Int64 => SqlType::IntArray,
            FieldType::Boolean => SqlType::BoolArray,
            _ => return None,
        },
        _ => return None,
    })
}

/// The storage of a field of type `ty` in the native layout of `dialect`: `native` where the
/// dialect has the type, else an integer for dates and Booleans, upper-case text for GUIDs.
pub fn native_storage(dialect: &dyn Dialect, ty: &FieldType) -> Storage {
    match native_sql_type(ty) {
        Some(t) if dialect.native_column(t).is_some() => Storage::Native,
        _ => match ty {
            FieldType::Date | FieldType::Boolean => Storage::Integer,
            FieldType::Guid => Storage::UpperCaseText,
            _ => Storage::Default,
        },
    }
}

/// `records` without the values `schema`'s storage cannot hold in `dialect` (finer than its
/// unit, outside its years), each tried alone.
pub fn storable(schema: &EntitySchema, dialect: &dyn Dialect, records: &[String]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let mut json: Json = serde_json::from_str(r).unwrap();
            let obj = json.as_object_mut().unwrap();
            obj.retain(|key, value| {
                let probe = serde_json::json!({ "id": "probe", key.as_str(): value }).to_string();
                match sql::insert_sql(schema, "Things", &probe, dialect) {
                    Ok(_) => true,
                    Err(e) if matches!(e.kind(), ErrorKind::Record { .. }) => false,
                    Err(e) => panic!("{probe}: {e}"),
                }
            });
            json.to_string()
        })
        .collect()
}

/// Random cases per backend unless `PROPTEST_CASES` says otherwise.
pub const CASES: u32 = 1000;

/// The number of random cases per backend.
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES)
}

/// Runs `cases` generated cases over `dialect`'s native layout on `backend` (emptied by `reset`
/// before each case); returns how many queries were compared.
pub fn generated<B: Backend>(
    test: &str,
    dialect: &dyn Dialect,
    backend: &mut B,
    reset: &dyn Fn(&mut B),
    cases: u32,
) -> usize {
    let schema = gen::schema_with(&|ty| native_storage(dialect, ty));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        // Each step of shrinking a failure reloads a database: bound it.
        max_shrink_time: 60_000,
        ..Config::default()
    });
    let strategy = (
        gen::records(10),
        proptest::collection::vec(gen::filter(), 1..5),
        gen::paging(),
    );
    let compared = RefCell::new(0);
    let backend = RefCell::new(backend);
    let result = runner.run(&strategy, |(records, filters, paging)| {
        let records = storable(&schema, dialect, &records);
        let mut b = backend.borrow_mut();
        reset(&mut b);
        *compared.borrow_mut() += check_layout(
            test,
            &mut **b,
            dialect,
            &schema,
            &records,
            &filters,
            &paging,
            &|_, q, schema, json| reference::select(q, schema, json),
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{test}: {e}");
    }
    let n = compared.into_inner();
    eprintln!("{test}: {n} queries compared over {cases} cases");
    n
}
