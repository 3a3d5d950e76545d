//! Parse, and parse + check, of realistic filters, of every Defender example query, and of 1,
//! 10 and 100 KiB generated filters (to show linear growth).
//!
//! Groups: `parse/*` and `parse_check/*` (the hand-picked filters of
//! `benches/support/filters.rs`), `defender_parse/dqNN` (decode and parse the `$filter` of
//! one distinct query of `tests/data/defender-queries.txt`), `defender_query/dqNN`
//! (`QueryOptions::parse` of the whole query string: decode, parse, check, `$top`, ...),
//! `parse_size/*` and `parse_check_size/*` (generated filters, with byte throughput).

// `criterion_group!` and `criterion_main!` generate undocumented items.
#![allow(missing_docs)]

#[path = "support/filters.rs"]
mod filters;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use odata_filter::query::QueryOptions;
use odata_filter::schema::catalog;
use odata_filter::{check, syntax};

fn bench_realistic(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, _, text) in filters::realistic() {
        group.bench_function(name, |b| {
            b.iter(|| syntax::parse(black_box(&text)).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("parse_check");
    for (name, entity, text) in filters::realistic() {
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

fn bench_defender(c: &mut Criterion) {
    let queries = filters::defender();
    let mut group = c.benchmark_group("defender_parse");
    for q in &queries {
        let Some(text) = &q.filter else { continue };
        group.bench_function(&q.name, |b| {
            b.iter(|| syntax::parse(black_box(text)).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("defender_query");
    let options = QueryOptions::new();
    for q in &queries {
        let schema = catalog::by_name(&q.entity).unwrap();
        group.bench_function(&q.name, |b| {
            b.iter(|| options.parse(&schema, black_box(&q.query)).unwrap())
        });
    }
    group.finish();
}

fn bench_growth(c: &mut Criterion) {
    let parser = syntax::Parser::builder()
        .max_len(1 << 20)
        .max_nodes(1 << 20)
        .build();
    let schema = catalog::machine_action();
    let texts: Vec<(usize, String)> = [1usize, 10, 100]
        .into_iter()
        .map(|kib| (kib, filters::generated(kib * 1024)))
        .collect();
    let mut group = c.benchmark_group("parse_size");
    for (kib, text) in &texts {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            text,
            |b, t| b.iter(|| parser.parse(black_box(t)).unwrap()),
        );
    }
    group.finish();
    let mut group = c.benchmark_group("parse_check_size");
    for (kib, text) in &texts {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            text,
            |b, t| {
                b.iter(|| {
                    let tree = parser.parse(black_box(t)).unwrap();
                    check::check(&schema, &tree, t).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_realistic, bench_defender, bench_growth);
criterion_main!(benches);
