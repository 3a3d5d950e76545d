//! Any query string through `QueryOptions::parse` on every catalogue entity: no panic, errors
//! render, and an accepted query prints to a query string that reads back to an equal query.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odata_filter::query::QueryOptions;
use odata_filter::schema::{catalog, EntitySchema};
use std::sync::OnceLock;

fn schemas() -> &'static [EntitySchema] {
    static S: OnceLock<Vec<EntitySchema>> = OnceLock::new();
    S.get_or_init(catalog::all)
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let options = QueryOptions::new();
    for schema in schemas() {
        match options.parse(schema, raw) {
            Err(e) => {
                let _ = e.to_string();
                let _ = e.to_odata_json("fuzz");
            }
            Ok((query, _rest)) => {
                let text = query.to_query_string();
                match options.parse(schema, &text) {
                    Ok((again, _)) => assert_eq!(again, query, "{raw:?} printed as {text:?}"),
                    Err(e) => panic!("{raw:?} printed as {text:?}, which fails:\n{e}"),
                }
            }
        }
    }
});
