//! Any query text through check and every SQL dialect: no panic, and the placeholders in the
//! SQL text are exactly the parameters (each of 1..=n used, none beyond).
#![no_main]

use libfuzzer_sys::fuzz_target;
use odata_filter::query::QueryOptions;
use odata_filter::schema::catalog;
use odata_filter::sql;

/// The parameter numbers the SQL text refers to, in order of appearance.
fn placeholders(text: &str, dialect: &str) -> Vec<usize> {
    let (marker, numbered) = match dialect {
        "postgres" => ("$", true),
        "sqlite" => ("?", true),
        "mssql" => ("@p", true),
        _ => ("?", false),
    };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        if numbered {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        } else {
            out.push(out.len() + 1);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for schema in [catalog::machine_action(), catalog::machine()] {
        let Ok((query, _)) = QueryOptions::new().parse(&schema, text) else {
            continue;
        };
        for name in ["postgres", "sqlite", "mysql", "mssql"] {
            let dialect = sql::dialect_from_str(name).expect("known dialect");
            let table = schema.entity_set();
            for statement in [
                sql::select(&query, &schema, table, dialect.as_ref()),
                sql::count(&query, &schema, table, dialect.as_ref()),
            ] {
                let Ok(statement) = statement else { continue };
                let used = placeholders(&statement.sql, name);
                let n = statement.params.len();
                assert!(used.iter().all(|&i| (1..=n).contains(&i)), "{name}: {statement:?}");
                for i in 1..=n {
                    assert!(used.contains(&i), "{name}: parameter {i} unused: {statement:?}");
                }
            }
        }
    }
});
