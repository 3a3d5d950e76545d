//! Any bytes as an NDJSON line through `ndjson::LineFilter`: whatever it decides must agree
//! with parsing the line with serde_json and evaluating the predicate (see the guarantees in
//! `src/ndjson.rs`), and `write_compact` must keep the value of every JSON text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odata_filter::eval::Predicate;
use odata_filter::ndjson::{write_compact, LineFilter, Verdict};
use odata_filter::schema::catalog;
use odata_filter::Filter;
use std::sync::OnceLock;

fn filters() -> &'static [(LineFilter, Predicate)] {
    static F: OnceLock<Vec<(LineFilter, Predicate)>> = OnceLock::new();
    F.get_or_init(|| {
        let schema = catalog::machine_action();
        [
            "status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z",
            "machineId eq 'a' or machineId eq 'b' or requestor ne 'x'",
            "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba or type in ('Isolate', 'Offboard')",
            "startswith(requestor, 'A') and not contains(tolower(machineId), 'f')",
            "creationDateTimeUtc ge 2018-01-01Z and creationDateTimeUtc lt 2019-01-01Z",
        ]
        .iter()
        .map(|f| {
            let f = Filter::new(&schema, f).expect("a valid filter");
            (
                LineFilter::new(Some(f.expr())),
                Predicate::compile(f.expr()),
            )
        })
        .chain(std::iter::once((
            LineFilter::new(None),
            Predicate::compile(Filter::new(&schema, "true").expect("valid").expr()),
        )))
        .collect()
    })
}

fuzz_target!(|line: &[u8]| {
    let parsed = serde_json::from_slice::<serde_json::Value>(line);
    if let Ok(value) = &parsed {
        let mut compact = Vec::new();
        write_compact(line, &mut compact);
        let again = serde_json::from_slice::<serde_json::Value>(&compact);
        assert_eq!(again.as_ref().ok(), Some(value), "compacting changed the value");
    }
    for (lines, predicate) in filters() {
        let verdict = lines.test(line);
        let pass = match verdict {
            Verdict::Accept => true,
            Verdict::Reject => false,
            Verdict::Unknown => continue,
        };
        let record = parsed.as_ref().expect("decided lines are JSON");
        let object = record.as_object().expect("decided lines are objects");
        assert!(!object.contains_key("value"), "possible envelope decided");
        assert_eq!(predicate.matches(record), pass, "verdict {verdict:?}");
    }
});
