//! Times parsing of the BENCHMARKS.md filters with odata-filter and the Rust peers.
//!
//! For each filter and parser: 100 ms of warm-up, then 15 samples of about 20 ms each; the
//! median time per parse is printed (`err` when the parser rejects the filter). Runs on a thread
//! with a 512 MiB stack, so that no peer's recursion can abort the process.

#[path = "../../support/filters.rs"]
mod filters;

use odata_filter::schema::catalog;
use odata_filter::{check, syntax};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Median nanoseconds per call of `f`, or `None` if it fails.
fn time(mut f: impl FnMut() -> bool) -> Option<f64> {
    if !f() {
        return None;
    }
    let warm = Instant::now();
    let mut n = 0u64;
    while warm.elapsed() < Duration::from_millis(100) {
        black_box(f());
        n += 1;
    }
    let per_sample = (n / 5).max(1); // about 20 ms
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_sample {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / per_sample as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    Some(samples[samples.len() / 2])
}

fn show(ns: Option<f64>) -> String {
    match ns {
        None => "err".to_owned(),
        Some(ns) if ns >= 100_000.0 => format!("{:.0} µs", ns / 1000.0),
        Some(ns) => format!("{:.2} µs", ns / 1000.0),
    }
}

fn run() {
    let mut rows: Vec<(String, &str, String)> = filters::realistic()
        .into_iter()
        .map(|(name, entity, text)| (name.to_owned(), entity, text))
        .collect();
    let defender = filters::defender();
    for q in &defender {
        if let Some(f) = &q.filter {
            rows.push((q.name.clone(), q.entity.as_str(), f.clone()));
        }
    }
    for kib in [1, 10, 100] {
        rows.push((format!("gen_{kib}KiB"), "MachineAction", filters::generated(kib * 1024)));
    }
    let big = syntax::Parser::builder()
        .max_len(1 << 20)
        .max_nodes(1 << 20)
        .build();
    println!(
        "| filter | odata-filter parse | odata-filter parse+check | odatav4-parser 0.0.3 | \
         odata-params 0.4.0 | cf-modkit-odata 0.8.0 (parse) | fastest peer | ours parse+check / fastest peer |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, entity, text) in &rows {
        let schema = catalog::by_name(entity).expect("a catalogue entity");
        let ours = time(|| big.parse(black_box(text)).is_ok());
        let ours_checked = time(|| match big.parse(black_box(text)) {
            Ok(tree) => check::check(&schema, &tree, text).is_ok(),
            Err(_) => false,
        });
        let query = format!("$filter={text}");
        let v4 = time(|| odatav4_parser::parse(black_box(&query)).is_ok());
        let params = time(|| odata_params::filters::parse_str(black_box(text)).is_ok());
        let modkit = time(|| modkit_odata::parse_filter_string(black_box(text)).is_ok());
        let fastest = [v4, params, modkit]
            .into_iter()
            .flatten()
            .min_by(f64::total_cmp);
        let ratio = match (ours_checked, fastest) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "–".to_owned(),
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {ratio} |",
            show(ours),
            show(ours_checked),
            show(v4),
            show(params),
            show(modkit),
            show(fastest),
        );
    }
}

fn main() {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("the harness thread");
}
