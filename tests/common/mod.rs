//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod reference;
mod verified;

#[allow(unused_imports)]
pub use verified::{same_expr, verified_filter, verified_filter_with};

/// The `$filter` values of ../shared/reference/defender-queries.txt, with the
/// entity each belongs to, after decoding `+` and `%XX`.
pub fn defender_queries() -> Vec<(String, String)> {
    let text = include_str!("../data/defender-queries.txt");
    let mut entity = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# entity: ") {
            entity = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        out.push((entity.clone(), line.trim_end().to_owned()));
    }
    out
}

/// Form-decodes a query-string component: `+` is a space, `%XX` a byte.
pub fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
