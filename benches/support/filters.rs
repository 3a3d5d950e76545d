//! The filters every benchmark measures, shared by `benches/parse.rs`, `benches/eval.rs` and
//! the peer comparison in `benches/peers` (included with `#[path]`).
#![allow(dead_code)]

/// The hand-picked filters: `(name, entity, filter text)`.
///
/// `typical` is the target filter of BENCHMARKS.md; `or_chain_10` is ten `machineId`
/// equalities; `nested_mix` mixes `and`, `or`, `not` and a date-time range.
pub fn realistic() -> Vec<(&'static str, &'static str, String)> {
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

/// One distinct query of `tests/data/defender-queries.txt` (a copy of
/// `../shared/reference/defender-queries.txt`).
#[derive(Clone, Debug)]
pub struct DefenderQuery {
    /// `dq01`, `dq02`, ... in order of first appearance.
    pub name: String,
    /// The entity the query goes to (`Alert`, `Machine`, ...).
    pub entity: String,
    /// The raw query string, as the docs write it (`$filter=riskScore+eq+'High'&$top=100`).
    pub query: String,
    /// The decoded `$filter` value, if the query has one.
    pub filter: Option<String>,
}

/// Every distinct query of the Defender examples file, in order.
pub fn defender() -> Vec<DefenderQuery> {
    let text = include_str!("../../tests/data/defender-queries.txt");
    let mut entity = String::new();
    let mut out: Vec<DefenderQuery> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# entity: ") {
            entity = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            continue;
        }
        let line = line.trim_end();
        if line.starts_with('#') || line.is_empty() || out.iter().any(|q| q.query == line) {
            continue;
        }
        let filter = line
            .split('&')
            .find_map(|p| p.strip_prefix("$filter="))
            .map(form_decode);
        out.push(DefenderQuery {
            name: format!("dq{:02}", out.len() + 1),
            entity: entity.clone(),
            query: line.to_owned(),
            filter,
        });
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
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("20");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b' '));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A generated MachineAction filter of about `bytes` bytes: an `or` of parenthesised `and`
/// groups, so both chain kinds and nesting grow with the size.
pub fn generated(bytes: usize) -> String {
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
