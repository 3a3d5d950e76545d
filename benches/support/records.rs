//! A deterministic generator of realistic Defender `MachineAction` records, shared by
//! `examples/gen_records.rs` (NDJSON files for `benches/cli.sh`) and `benches/eval.rs`
//! (included with `#[path]`).
//!
//! Record `i` depends only on `i` (SplitMix64 seeded with it), so any slice of a file can be
//! generated on its own and every run produces the same bytes. Records look like the examples
//! of Defender's documentation: GUID ids, 40-hex machine ids drawn from 5,000 machines,
//! weighted enum values, nullable fields that are often `null`, RFC 3339 timestamps with seven
//! fractional digits between 2018 and 2025 (always `Z`, so that tools that compare them as
//! strings agree with OData's instant comparison), cancellation fields on cancelled actions,
//! file info on quarantines, and live-response commands with escaped Windows paths. A record
//! is about 430 bytes of compact JSON.
#![allow(dead_code)]

use std::fmt::Write as _;

/// SplitMix64: small, fast, and good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// The generator for record `i` of stream `stream`.
    pub fn new(stream: u64, i: u64) -> Rng {
        let mut r = Rng(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
        r.next();
        r
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An item of `items`, picked with the given weights.
    pub fn weighted<'a>(&mut self, items: &[(&'a str, u64)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// An item of `items`, uniformly.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The number of distinct machines.
pub const MACHINES: u64 = 5_000;

/// The 40-hex id of machine `k` (`machine_id(0)` is the documentation's
/// `f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f`).
pub fn machine_id(k: u64) -> String {
    if k == 0 {
        return "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f".to_owned();
    }
    let mut r = Rng::new(7, k);
    format!("{:016x}{:016x}{:08x}", r.next(), r.next(), r.next() as u32)
}

pub const TYPES: &[(&str, u64)] = &[
    ("RunAntiVirusScan", 34),
    ("CollectInvestigationPackage", 15),
    ("Isolate", 12),
    ("Unisolate", 10),
    ("StopAndQuarantineFile", 10),
    ("LiveResponse", 4),
    ("RestrictCodeExecution", 6),
    ("UnrestrictCodeExecution", 5),
    ("Offboard", 4),
];

pub const STATUSES: &[(&str, u64)] = &[
    ("Succeeded", 64),
    ("Failed", 10),
    ("Pending", 8),
    ("InProgress", 7),
    ("TimeOut", 5),
    ("Cancelled", 6),
];

const REQUESTORS: &[&str] = &[
    "Analyst@contoso.com",
    "Analyst@TestPrd.onmicrosoft.com",
    "soar-automation@contoso.onmicrosoft.com",
    "Lead@contoso.com",
    "o'brien@contoso.com",
    "j.doe@contoso.com",
    "secops-tier1@contoso.com",
    "secops-tier2@contoso.com",
];

const COMMENTS: &[&str] = &[
    "test",
    "Check machine for viruses due to alert 3212",
    "Quick scan after phishing report",
    "Collect forensics due to alert 1234",
    "Isolate machine due to alert 3219",
    "Unisolate machine after remediation",
    "Quarantine dropper",
    "Contain while investigating",
    "Release after cleanup",
    "Collect memory dump",
    "Automated response: \"high severity\" incident",
    "Ticket INC-2024-0042 / follow-up",
];

const SCOPES: &[&str] = &["Full", "Quick", "Selective"];

const DNS: &[&str] = &["desktop", "lap", "srv", "mac", "ubuntu-build", "vm"];

/// `2018-01-01T00:00:00Z` in Unix seconds, and the span of generated timestamps (8 years).
const START: i64 = 1_514_764_800;
const SPAN: u64 = 8 * 365 * 86_400;

/// Writes `secs` (Unix seconds) and `frac` (seven digits) as `YYYY-MM-DDThh:mm:ss.fffffffZ`.
fn timestamp(out: &mut String, secs: i64, frac: u64) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
}

fn guid(out: &mut String, r: &mut Rng) {
    let (a, b) = (r.next(), r.next());
    let _ = write!(
        out,
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    );
}

/// Appends record `i` as one line of compact JSON (with its `\n`).
pub fn machine_action(i: u64, out: &mut String) {
    let mut r = Rng::new(1, i);
    let kind = r.weighted(TYPES);
    let status = r.weighted(STATUSES);
    let machine = r.below(MACHINES);
    let created = START + r.below(SPAN) as i64;
    let created_frac = r.below(10_000_000);
    out.push_str("{\"id\":\"");
    guid(out, &mut r);
    let _ = write!(out, "\",\"type\":\"{kind}\",\"scope\":");
    if kind == "RunAntiVirusScan" || kind == "Isolate" {
        let _ = write!(out, "\"{}\"", r.pick(SCOPES));
    } else {
        out.push_str("null");
    }
    let requestor = r.pick(REQUESTORS);
    let comment = r.pick(COMMENTS).replace('"', "\\\"");
    let _ = write!(
        out,
        ",\"requestor\":\"{requestor}\",\"requestorComment\":\"{comment}\""
    );
    if requestor.starts_with("soar") {
        let _ = write!(
            out,
            ",\"requestSource\":\"PublicApi\",\"externalId\":\"INC-{:08}\"",
            r.below(100_000_000)
        );
    }
    let _ = write!(
        out,
        ",\"status\":\"{status}\",\"machineId\":\"{}\",\"computerDnsName\":\"{}-{machine:04}.contoso.com\",\"creationDateTimeUtc\":\"",
        machine_id(machine),
        DNS[(machine % DNS.len() as u64) as usize],
    );
    timestamp(out, created, created_frac);
    // Defender's list examples spell this key two ways; the schema reads both.
    let update_key = if r.chance(10) {
        "lastUpdateTimeUtc"
    } else {
        "lastUpdateDateTimeUtc"
    };
    let updated = created + 1 + r.below(3_600) as i64;
    let _ = write!(out, "\",\"{update_key}\":\"");
    timestamp(out, updated, r.below(10_000_000));
    out.push('"');
    if status == "Cancelled" {
        let _ = write!(
            out,
            ",\"cancellationRequestor\":\"{}\",\"cancellationComment\":\"Wrong device\",\"cancellationDateTimeUtc\":\"",
            r.pick(REQUESTORS)
        );
        timestamp(out, updated, 0);
        out.push('"');
    }
    if kind == "LiveResponse" {
        out.push_str(",\"errorHResult\":0,\"commands\":[{\"index\":0,\"startTime\":\"");
        timestamp(out, created + 8, r.below(10_000_000));
        let _ = write!(
            out,
            "\",\"endTime\":null,\"commandStatus\":\"Completed\",\"errors\":[],\"command\":{{\"type\":\"GetFile\",\"params\":[{{\"key\":\"Path\",\"value\":\"C:\\\\Windows\\\\Temp\\\\dump-{:05}.dmp\"}}]}}}}]",
            r.below(100_000)
        );
    }
    out.push_str(",\"relatedFileInfo\":");
    if kind == "StopAndQuarantineFile" {
        let _ = write!(
            out,
            "{{\"fileIdentifier\":\"{:016x}{:016x}{:08x}\",\"fileIdentifierType\":\"Sha1\"}}",
            r.next(),
            r.next(),
            r.next() as u32
        );
    } else {
        out.push_str("null");
    }
    out.push_str("}\n");
}
