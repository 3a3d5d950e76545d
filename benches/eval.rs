//! Evaluation of compiled filters (`eval::Predicate`) over 100,000 and 1,000,000 generated
//! MachineAction records held as `serde_json::Value`s, side by side with a hand-written Rust
//! closure doing the same test over the same values.
//!
//! Groups `eval_100k/<filter>/{predicate,closure}` and `eval_1m/...`; each iteration counts the
//! matching records of the whole set (throughput in records). The closures are what a careful
//! Rust programmer would write by hand: `Value::get` and `as_str`, date-times read with
//! chrono's `DateTime::parse_from_rfc3339` (the same instant comparison OData asks for), GUIDs
//! compared ignoring ASCII case. Before measuring, each pair is checked to select the same
//! records. `cli_selection/closure_strcmp` compares the date-time strings instead, which is
//! only equivalent because every generated timestamp is in UTC with seven fractional digits.
//! Records come from `benches/support/records.rs` (the generator behind
//! `examples/gen_records.rs`).

// `criterion_group!` and `criterion_main!` generate undocumented items.
#![allow(missing_docs)]

#[path = "support/records.rs"]
mod records;

use chrono::{DateTime, FixedOffset};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use odata_filter::{schema::catalog, Filter};
use serde_json::Value;

type Closure = Box<dyn Fn(&Value) -> bool>;

/// A filter and the closure that does the same test.
struct Case {
    name: &'static str,
    filter: String,
    closure: Closure,
    /// Another closure, for information (see the module documentation).
    extra: Option<(&'static str, Closure)>,
}

fn text<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

fn instant(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("a valid RFC 3339 date-time")
}

/// `r[key]` read as an instant and compared with `f`; false when absent or unreadable.
fn when(r: &Value, key: &str, f: impl Fn(DateTime<FixedOffset>) -> bool) -> bool {
    text(r, key)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(f)
}

fn cases() -> Vec<Case> {
    let m0 = records::machine_id(0);
    let ids: Vec<String> = (0..10).map(records::machine_id).collect();
    let or_chain = ids
        .iter()
        .map(|id| format!("machineId eq '{id}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    let y2020 = instant("2020-01-01T00:00:00Z");
    let (lo, hi) = (
        instant("2018-12-04T00:00:00Z"),
        instant("2018-12-05T00:00:00.1234567+01:00"),
    );
    // The id of record 42, upper-cased: GUIDs compare ignoring case.
    let mut line = String::new();
    records::machine_action(42, &mut line);
    let guid = serde_json::from_str::<Value>(&line).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    vec![
        Case {
            name: "typical",
            filter: format!("machineId eq '{m0}' and creationDateTimeUtc gt 2020-01-01T00:00:00Z"),
            closure: {
                let m0 = m0.clone();
                Box::new(move |r| {
                    text(r, "machineId") == Some(m0.as_str())
                        && when(r, "creationDateTimeUtc", |t| t > y2020)
                })
            },
            extra: None,
        },
        Case {
            name: "cli_selection",
            filter: "status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z".into(),
            closure: Box::new(move |r| {
                text(r, "status") == Some("Succeeded")
                    && when(r, "creationDateTimeUtc", |t| t > y2020)
            }),
            extra: Some((
                "closure_strcmp",
                Box::new(|r| {
                    text(r, "status") == Some("Succeeded")
                        && text(r, "creationDateTimeUtc")
                            .is_some_and(|s| s > "2020-01-01T00:00:00Z")
                }),
            )),
        },
        Case {
            name: "machine_eq",
            filter: format!("machineId eq '{m0}'"),
            closure: Box::new(move |r| text(r, "machineId") == Some(m0.as_str())),
            extra: None,
        },
        Case {
            name: "two_eq",
            filter: "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'".into(),
            closure: Box::new(|r| {
                text(r, "requestor") == Some("Analyst@contoso.com")
                    && text(r, "type") == Some("RunAntiVirusScan")
            }),
            extra: None,
        },
        Case {
            name: "or_chain_10",
            filter: or_chain,
            closure: Box::new(move |r| {
                text(r, "machineId").is_some_and(|m| ids.iter().any(|id| id == m))
            }),
            extra: None,
        },
        Case {
            name: "nested_mix",
            filter: "(status eq 'Succeeded' or status eq 'Failed') and not (type eq 'Isolate' or \
                     type eq 'Unisolate') and (creationDateTimeUtc ge 2018-12-04T00:00:00Z and \
                     creationDateTimeUtc lt 2018-12-05T00:00:00.1234567+01:00)"
                .into(),
            closure: Box::new(move |r| {
                matches!(text(r, "status"), Some("Succeeded" | "Failed"))
                    && !matches!(text(r, "type"), Some("Isolate" | "Unisolate"))
                    && when(r, "creationDateTimeUtc", |t| t >= lo && t < hi)
            }),
            extra: None,
        },
        Case {
            name: "in_startswith",
            filter: "status in ('Pending', 'Failed') and startswith(requestor, 'Analyst')".into(),
            closure: Box::new(|r| {
                matches!(text(r, "status"), Some("Pending" | "Failed"))
                    && text(r, "requestor").is_some_and(|s| s.starts_with("Analyst"))
            }),
            extra: None,
        },
        Case {
            name: "guid_eq",
            filter: format!("id eq {guid}"),
            closure: Box::new(move |r| {
                text(r, "id").is_some_and(|s| s.eq_ignore_ascii_case(&guid))
            }),
            extra: None,
        },
    ]
}

/// `n` generated records, parsed.
fn generate(n: u64) -> Vec<Value> {
    let mut line = String::new();
    (0..n)
        .map(|i| {
            line.clear();
            records::machine_action(i, &mut line);
            serde_json::from_str(&line).expect("generated records are JSON")
        })
        .collect()
}

fn bench_size(c: &mut Criterion, group_name: &str, n: u64) {
    let recs = generate(n);
    let schema = catalog::machine_action();
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(n));
    group.sample_size(10);
    for case in cases() {
        let filter = Filter::new(&schema, &case.filter).expect("a valid filter");
        let ours = recs.iter().filter(|r| filter.matches(r)).count();
        let theirs = recs.iter().filter(|r| (case.closure)(r)).count();
        assert_eq!(
            ours, theirs,
            "{}: the closure selects other records",
            case.name
        );
        group.bench_function(BenchmarkId::new(case.name, "predicate"), |b| {
            b.iter(|| {
                black_box(&recs)
                    .iter()
                    .filter(|r| filter.matches(r))
                    .count()
            })
        });
        group.bench_function(BenchmarkId::new(case.name, "closure"), |b| {
            b.iter(|| {
                black_box(&recs)
                    .iter()
                    .filter(|r| (case.closure)(r))
                    .count()
            })
        });
        if let Some((name, extra)) = &case.extra {
            assert_eq!(ours, recs.iter().filter(|r| extra(r)).count(), "{name}");
            group.bench_function(BenchmarkId::new(case.name, name), |b| {
                b.iter(|| black_box(&recs).iter().filter(|r| extra(r)).count())
            });
        }
    }
    group.finish();
}

fn bench_eval(c: &mut Criterion) {
    bench_size(c, "eval_100k", 100_000);
    bench_size(c, "eval_1m", 1_000_000);
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
