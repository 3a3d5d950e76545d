//! Any text through parse, check (fixed schema) and evaluation (fixed records): no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odata_filter::eval::Predicate;
use odata_filter::schema::catalog;
use odata_filter::{check, syntax};
use std::sync::OnceLock;

struct Fixture {
    schemas: Vec<odata_filter::schema::EntitySchema>,
    records: Vec<serde_json::Value>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let data = [
            include_str!("../../data/machineactions.ndjson"),
            include_str!("../../data/machines.ndjson"),
            include_str!("../../data/alerts.ndjson"),
        ];
        let mut records: Vec<serde_json::Value> = data
            .iter()
            .flat_map(|d| d.lines())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        // Malformed records: wrong types, non-objects, nesting.
        records.extend([
            serde_json::json!(null),
            serde_json::json!([1, 2]),
            serde_json::json!({"status": 5, "machineTags": "x", "lastSeen": "2018-13-01T00:00:00Z",
                "relatedFileInfo": [], "riskScore": {"a": 1}, "incidentId": 1e300}),
        ]);
        Fixture {
            schemas: vec![catalog::machine_action(), catalog::machine(), catalog::alert()],
            records,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tree) = syntax::parse(text) else {
        return;
    };
    let f = fixture();
    for schema in &f.schemas {
        match check::check(schema, &tree, text) {
            Ok(expr) => {
                let _ = expr.to_string();
                let p = Predicate::compile(&expr);
                for r in &f.records {
                    let v = p.eval(r);
                    assert_eq!(p.matches(r), v == Some(true));
                }
            }
            Err(e) => drop(e.to_string()),
        }
    }
});
