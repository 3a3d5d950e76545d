//! Parses (and checks) one filter many times, for instruction counts under callgrind.
//!
//! ```text
//! cargo build --release --example profile_parse
//! valgrind --tool=callgrind target/release/examples/profile_parse check 1 MachineAction "$F"
//! valgrind --tool=callgrind target/release/examples/profile_parse check 1001 MachineAction "$F"
//! ```
//!
//! The difference between the two totals, divided by 1,000, is the cost of one parse + check
//! (`parse` instead of `check` measures parsing alone; `query` measures `QueryOptions::parse`
//! of a whole query string; `sql` measures `sql::where_clause` for SQLite of the checked filter). BENCHMARKS.md lists the results.

use odata_filter::query::QueryOptions;
use odata_filter::schema::catalog;
use odata_filter::{check, sql, syntax};
use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, n, entity, text] = &args[..] else {
        eprintln!("usage: profile_parse parse|check|query|sql TIMES ENTITY FILTER");
        return ExitCode::from(2);
    };
    let (Ok(n), Some(schema)) = (n.parse::<usize>(), catalog::by_name(entity)) else {
        eprintln!("profile_parse: TIMES must be a number and ENTITY a catalogue entity");
        return ExitCode::from(2);
    };
    if what == "sql" {
        let filter = match syntax::parse(text)
            .map_err(odata_filter::Error::from)
            .and_then(|tree| check::check(&schema, &tree, text).map_err(odata_filter::Error::from))
        {
            Ok(filter) => filter,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        for _ in 0..n {
            let sql = sql::where_clause(&filter, &schema, "t", &sql::SqliteDialect);
            if let Err(e) = black_box(sql) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    if what == "query" {
        let options = QueryOptions::new();
        for _ in 0..n {
            if let Err(e) = black_box(options.parse(&schema, black_box(text))) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    for _ in 0..n {
        let tree = match syntax::parse(black_box(text)) {
            Ok(tree) => tree,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        if what == "check" {
            if let Err(e) = check::check(&schema, &tree, text) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        black_box(tree);
    }
    ExitCode::SUCCESS
}
