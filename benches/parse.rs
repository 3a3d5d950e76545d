//! Parse, and parse + check, of realistic Defender filters and of 1, 10 and 100 KiB generated filters.

// `criterion_group!` and `criterion_main!` generate undocumented items.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use odata_filter::schema::catalog;
use odata_filter::{check, syntax};

/// The filters measured, with the entity each checks against.
fn filters() -> Vec<(&'static str, &'static str, String)> {
    let ids: Vec<String> = (0..10)
        .map(|i| format!("machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec{i:02}'"))
        .collect();
    vec![
        (
            "typical",
            "MachineAction",
            "machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f' and creationDateTimeUtc gt 2020-01-01T00:00:00Z".into(),
        ),
        ("alerts_since", "Alert", "lastUpdateTime ge 2019-11-22T00:00:00Z".into()),
        ("risk_high", "Machine", "riskScore eq 'High'".into()),
        ("date_z", "Machine", "lastSeen gt 2018-08-01Z".into()),
        ("startswith", "Machine", "startswith(computerDnsName,'mymachine')".into()),
        (
            "two_eq",
            "MachineAction",
            "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'".into(),
        ),
        ("any_tag", "Machine", "machineTags/any(tag: tag eq 'ExampleTag')".into()),
        ("seven_digits", "Alert", "alertCreationTime ge 2024-08-27T10:15:30.1234567Z".into()),
        ("or_chain_10", "MachineAction", ids.join(" or ")),
        (
            "nested_mix",
            "MachineAction",
            "(status eq 'Succeeded' or status eq 'Failed') and not (type eq 'Isolate' or \
             type eq 'Unisolate') and (creationDateTimeUtc ge 2018-12-04T00:00:00Z and \
             creationDateTimeUtc lt 2018-12-05T00:00:00.1234567+01:00)"
                .into(),
        ),
    ]
}

fn bench_realistic(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, _, text) in filters() {
        group.bench_function(name, |b| {
            b.iter(|| syntax::parse(black_box(&text)).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("parse_check");
    for (name, entity, text) in filters() {
        let schema = catalog::by_name(entity).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let tree = syntax::parse(black_box(&text)).unwrap();
                check::check(&schema, &tree, &text).unwrap()
            })
        });
    }
    group.finish();
}

/// A generated filter of about `bytes` bytes: an `or` of parenthesised
/// `and` groups, so both chain kinds and nesting grow with the size.
fn generated(bytes: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!(
            "(machineId eq 'm{i:06}' and status in ('Pending','Failed') and \
             creationDateTimeUtc gt 2018-12-04T12:00:00.1234567Z)"
        ));
        i += 1;
    }
    s
}

fn bench_growth(c: &mut Criterion) {
    let parser = syntax::Parser::builder()
        .max_len(1 << 20)
        .max_nodes(1 << 20)
        .build();
    let mut group = c.benchmark_group("parse_size");
    for kib in [1usize, 10, 100] {
        let text = generated(kib * 1024);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &text,
            |b, t| b.iter(|| parser.parse(black_box(t)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_realistic, bench_growth);
criterion_main!(benches);
