//! Filtering NDJSON lines without parsing them: the fast path of the `odata-filter` command.
//!
//! Parsing every line of a large NDJSON file into a `serde_json::Value` costs far more than
//! testing the filter. [`LineFilter::test`] instead scans the line once: it checks that the line
//! is a JSON object (validating everything, so that an invalid line is never silently skipped),
//! notes where the few top-level members the filter reads are, and evaluates the filter on
//! their raw text, borrowed from the line (a string without escapes is never copied). Lines
//! that pass need no parsing to be printed: [`write_compact`] copies a record's own text
//! without the white space between its tokens, so that every value is printed exactly as it
//! was written (a number keeps its digits, a string its escapes).
//!
//! ```
//! use odata_filter::ndjson::{LineFilter, Verdict};
//! use odata_filter::{schema::catalog, Filter};
//!
//! let schema = catalog::machine_action();
//! let filter = Filter::new(&schema, "status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01Z")?;
//! let lines = LineFilter::new(Some(filter.expr()));
//!
//! let hit = r#"{"id":"1","status":"Succeeded","creationDateTimeUtc":"2024-03-01T09:30:00.1234567Z"}"#;
//! assert_eq!(lines.test(hit), Verdict::Accept);
//! let miss = r#"{"status":"Failed","creationDateTimeUtc":"2024-03-01T09:30:00Z"}"#;
//! assert_eq!(lines.test(miss), Verdict::Reject);
//! // Spaces between tokens: printed without them, every value as written.
//! let spaced = r#"{ "status": "Succeeded", "creationDateTimeUtc": "2024-03-01T09:30:00Z", "n": 1.50 }"#;
//! assert_eq!(lines.test(spaced), Verdict::Accept);
//! let mut out = Vec::new();
//! odata_filter::ndjson::write_compact(spaced.as_bytes(), &mut out);
//! assert_eq!(out, br#"{"status":"Succeeded","creationDateTimeUtc":"2024-03-01T09:30:00Z","n":1.50}"#);
//! // Not an object, or not valid JSON: parse it and decide.
//! assert_eq!(lines.test(r#"[{"status":"Succeeded"}]"#), Verdict::Unknown);
//! assert_eq!(lines.test(r#"{"status":"Succeeded","#), Verdict::Unknown);
//! # Ok::<(), odata_filter::Error>(())
//! ```
//!
//! # Guarantees
//!
//! For any line, with `record = serde_json::from_str::<serde_json::Value>(line)`:
//!
//! - [`Verdict::Reject`]: `record` is `Ok`, a JSON object without a top-level `value` member,
//!   and the filter is not true on it ([`Predicate::matches`] is false).
//! - [`Verdict::Accept`]: the same, but the filter is true on it.
//! - [`Verdict::Unknown`]: anything else, including every line `serde_json` rejects, arrays,
//!   objects with a top-level `value` member (possible OData envelopes), nesting deeper than
//!   64, numbers with exponents, escaped top-level keys and lone surrogate escapes. The caller
//!   parses such lines itself.
//!
//! With one difference: a top-level Edm.Decimal member is read here from its digits as
//! written, exactly, where `record` holds the float `serde_json` made of it (so
//! `{"d":1.00000000000000000001}` passes `d gt 1` here, and not as `record`; see
//! [`Value::from_json`](crate::value::Value::from_json)).
//!
//! [`Predicate::matches`]: crate::eval::Predicate::matches

mod compact;
mod scan;
mod slots;

pub use compact::write_compact;

use crate::eval::Predicate;
use crate::ir;
use scan::{classify, scan};
use slots::Slots;

/// What [`LineFilter::test`] found out about one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A JSON object record that the filter rejects (false or null).
    Reject,
    /// A JSON object record that the filter accepts.
    Accept,
    /// Not decided here: parse the line with `serde_json` and evaluate it (see the module
    /// documentation for when this happens).
    Unknown,
}

/// A `$filter` compiled for testing raw NDJSON lines; see the [module documentation](self).
///
/// Build one per query and share it between threads (it is `Send` and `Sync`).
#[derive(Clone, Debug)]
pub struct LineFilter {
    /// `None` for no filter: every record is accepted.
    predicate: Option<Predicate>,
}

/// Slots kept on the stack; filters reading more top-level members use the heap.
const INLINE_SLOTS: usize = 8;

impl LineFilter {
    /// Compiles `filter` (a checked `$filter`), or accepts every record when it is `None`.
    pub fn new(filter: Option<&ir::Expr>) -> LineFilter {
        LineFilter {
            predicate: filter.map(Predicate::compile),
        }
    }

    /// The top-level member names the filter reads from each line.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.predicate
            .iter()
            .flat_map(|p| p.keys().iter().map(|k| &**k))
    }

    /// Tests one line (without its line terminator): a `&str`, or bytes that may not be UTF-8
    /// (then [`Verdict::Unknown`], as `serde_json` rejects them).
    pub fn test(&self, line: impl AsRef<[u8]>) -> Verdict {
        let line = line.as_ref();
        let (ascii, clean) = classify(line);
        if !ascii && std::str::from_utf8(line).is_err() {
            return Verdict::Unknown;
        }
        let keys = self.predicate.as_ref().map_or(&[][..], Predicate::keys);
        let mut inline = [None; INLINE_SLOTS];
        let mut heap = Vec::new();
        let slots: &mut [Option<&str>] = if keys.len() <= INLINE_SLOTS {
            &mut inline[..keys.len()]
        } else {
            heap.resize(keys.len(), None);
            &mut heap
        };
        if scan(line, clean, keys, slots).is_err() {
            return Verdict::Unknown;
        }
        let Some(predicate) = &self.predicate else {
            return Verdict::Accept;
        };
        let record = Slots::new(keys, slots, clean);
        let result = predicate.eval_record(&record);
        match (record.broken(), result) {
            (true, _) => Verdict::Unknown,
            (false, Some(true)) => Verdict::Accept,
            (false, _) => Verdict::Reject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{catalog, ComplexType, EntitySchema, Field, FieldType};
    use proptest::prelude::*;
    use serde_json::Value as Json;

    const FILTERS: &[&str] = &[
        "status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z",
        "machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'",
        "status ne 'Succeeded'",
        "status in ('Pending', 'Failed') or requestor eq 'o''brien@contoso.com'",
        "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba",
        "startswith(requestor, 'Analyst') and not (type eq 'Isolate')",
        "contains(tolower(requestor), 'contoso')",
        "length(machineId) eq 40",
        "relatedFileInfo/fileIdentifier eq 'abc'",
        "lastUpdateDateTimeUtc lt 2019-01-01Z",
        "commands/any(c: c/index eq 0)",
        "creationDateTimeUtc ge 2018-12-04T12:43:57.2011911+01:00",
        "count gt 5 or score le 1.5 or flag",
        "count eq null and flag ne true",
        "score eq 12345678901234567890.0 or count eq -9223372036854775808",
        // More members than the slots kept on the stack.
        "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba or type eq 'Isolate' or requestor eq 'a' \
         or status eq 'Failed' or machineId eq 'm' or creationDateTimeUtc gt 2020-01-01Z \
         or lastUpdateDateTimeUtc gt 2020-01-01Z or count gt 1 or score gt 1 or flag",
    ];

    /// MachineAction's filterable fields, plus nested, collection, fallback-path, numeric
    /// and Boolean fields, all filterable.
    fn schema() -> EntitySchema {
        let base = catalog::machine_action();
        let mut b = EntitySchema::builder("Action", "Actions");
        for f in base.filterable_fields() {
            b = b.field(f.clone());
        }
        let info = ComplexType::new("T.Info")
            .field(Field::new("fileIdentifier", FieldType::String).filterable(true));
        let command = ComplexType::new("T.Command")
            .field(Field::new("index", FieldType::Int32).filterable(true));
        b.field(
            Field::new("lastUpdateDateTimeUtc", FieldType::DateTimeOffset)
                .filterable(true)
                .alt_json_path(["lastUpdateTimeUtc"]),
        )
        .field(
            Field::new("relatedFileInfo", info)
                .filterable(true)
                .nullable(true),
        )
        .field(Field::new("commands", FieldType::collection(command)).filterable(true))
        .field(
            Field::new("count", FieldType::Int64)
                .filterable(true)
                .nullable(true),
        )
        .field(
            Field::new("score", FieldType::Double)
                .filterable(true)
                .nullable(true),
        )
        .field(
            Field::new("flag", FieldType::Boolean)
                .filterable(true)
                .nullable(true),
        )
        .key("id")
        .build()
        .unwrap()
    }

    fn filter(text: &str) -> ir::Expr {
        let schema = schema();
        crate::check::check(&schema, &crate::syntax::parse(text).unwrap(), text).unwrap()
    }

    /// The guarantees of the module documentation, for one line and filter.
    fn agrees(f: &ir::Expr, line: &str) -> Result<(), String> {
        let lines = LineFilter::new(Some(f));
        let verdict = lines.test(line);
        let record = serde_json::from_str::<Json>(line);
        let pass = match verdict {
            Verdict::Unknown => return Ok(()),
            Verdict::Reject => false,
            Verdict::Accept => true,
        };
        let Ok(record) = record else {
            return Err(format!("{verdict:?} for a line serde_json rejects: {line}"));
        };
        let Some(object) = record.as_object() else {
            return Err(format!("{verdict:?} for a non-object: {line}"));
        };
        if object.contains_key("value") {
            return Err(format!("{verdict:?} for a possible envelope: {line}"));
        }
        if Predicate::compile(f).matches(&record) != pass {
            return Err(format!(
                "{verdict:?} disagrees with the predicate on {line}"
            ));
        }
        compacts(line)
    }

    /// What [`write_compact`] must do to a valid JSON text: give the same value, with no white
    /// space outside strings, and nothing more to take out.
    fn compacts(line: &str) -> Result<(), String> {
        let mut out = Vec::new();
        write_compact(line.as_bytes(), &mut out);
        let value = serde_json::from_str::<Json>(line).map_err(|e| e.to_string())?;
        if serde_json::from_slice::<Json>(&out).ok() != Some(value) {
            return Err(format!("compacted to another value: {line}"));
        }
        // Without white space the tokens are the same bytes: count the non-space bytes outside
        // strings independently of write_compact.
        let kept: usize = {
            let (mut in_string, mut escape, mut n) = (false, false, 0);
            for &b in line.as_bytes() {
                match (in_string, escape, b) {
                    (true, true, _) => escape = false,
                    (true, false, b'\\') => escape = true,
                    (_, false, b'"') => in_string = !in_string,
                    (false, _, b' ' | b'\t' | b'\n' | b'\r') => continue,
                    _ => {}
                }
                n += 1;
            }
            n
        };
        if out.len() != kept {
            return Err(format!(
                "compacted to {} bytes, not {kept}: {line}",
                out.len()
            ));
        }
        let mut again = Vec::new();
        write_compact(&out, &mut again);
        if again != out {
            return Err(format!("compacting twice changes it: {line}"));
        }
        Ok(())
    }

    #[test]
    fn examples() {
        let f = filter(FILTERS[0]);
        let lines = LineFilter::new(Some(&f));
        let hit = r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","n":-12,"x":[1,{"a":null}],"t":true}"#;
        assert_eq!(lines.test(hit), Verdict::Accept);
        for (line, verdict) in [
            (r#"{"status":"Failed"}"#, Verdict::Reject),
            (r#"{}"#, Verdict::Reject),
            (r#"  {"status":"Succeeded"}"#, Verdict::Reject),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00+02:00","a":1.5}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","a":1,"a":2}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","p":"a\/b"}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succ\u0065eded","creationDateTimeUtc":"2024-01-01T00:00:00Z"}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","p":"C:\\x \"q\"\n"}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succeeded","status":"Failed"}"#,
                Verdict::Reject,
            ),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","a1cdefghijklmnopq":1,"a2cdefghijklmnopq":{"k":[],"k2":{}}}"#,
                Verdict::Accept,
            ),
            (
                r#"{"status":"Succeeded","creationDateTimeUtc":"2024-01-01T00:00:00Z","o":{"k":1,"j":{"k":2},"k":3}}"#,
                Verdict::Accept,
            ),
            (r#"{"value":[]}"#, Verdict::Unknown),
            (r#"[]"#, Verdict::Unknown),
            (r#"{"a":1e5}"#, Verdict::Unknown),
            (r#"{"a":01}"#, Verdict::Unknown),
            (r#"{"a":"\ud800"}"#, Verdict::Unknown),
            (r#"{"st\u0061tus":"Succeeded"}"#, Verdict::Unknown),
            ("{\"a\":\"tab\there\"}", Verdict::Unknown),
            (r#"{"a":1,}"#, Verdict::Unknown),
            (r#"{"a":1} x"#, Verdict::Unknown),
            (r#"{"a":tru}"#, Verdict::Unknown),
        ] {
            assert_eq!(lines.test(line), verdict, "{line}");
            agrees(&f, line).unwrap();
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(lines.test(format!("{{\"a\":{deep}}}")), Verdict::Unknown);
    }

    #[test]
    fn compact_copies_every_token() {
        for (text, want) in [
            (
                " { \"a b\" : [ 1.50 , -0.0 ,1e400] ,\r\n\t\"c\\\" \\\\\" : \" x \\u00e9\" } ",
                r#"{"a b":[1.50,-0.0,1e400],"c\" \\":" x \u00e9"}"#,
            ),
            ("\"\\\\\"", r#""\\""#),
            ("[]", "[]"),
            ("", ""),
        ] {
            let mut out = Vec::new();
            write_compact(text.as_bytes(), &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn many_members_use_the_heap() {
        let f = filter(FILTERS[FILTERS.len() - 1]);
        let lines = LineFilter::new(Some(&f));
        assert!(lines.keys().count() > INLINE_SLOTS);
        assert_eq!(lines.test(r#"{"flag":true}"#), Verdict::Accept);
        assert_eq!(lines.test(r#"{"flag":false,"count":0}"#), Verdict::Reject);
    }

    #[test]
    fn no_filter_accepts_every_object() {
        let all = LineFilter::new(None);
        assert_eq!(all.test(r#"{"a":1}"#), Verdict::Accept);
        assert_eq!(all.test(r#"{"a":1"#), Verdict::Unknown);
        assert_eq!(all.keys().count(), 0);
    }

    #[test]
    fn sample_records_agree() {
        let text = include_str!("../../data/machineactions.ndjson");
        for f in FILTERS {
            let f = filter(f);
            for line in text.lines() {
                agrees(&f, line).unwrap();
                assert_ne!(LineFilter::new(Some(&f)).test(line), Verdict::Unknown);
            }
        }
    }

    /// JSON-like text: mostly valid records (the sample records with other values, or random
    /// members in the fields' shapes), with odd numbers, escapes, white space and repeated
    /// keys, and now and then a damaged byte.
    fn line() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("0".to_owned()),
            Just("-0".to_owned()),
            Just("-12".to_owned()),
            Just("1.50".to_owned()),
            Just("12345678901234567890".to_owned()),
            Just("-9223372036854775808".to_owned()),
            Just("1e3".to_owned()),
            Just("\"Succeeded\"".to_owned()),
            Just("\"Failed\"".to_owned()),
            Just("\"2024-01-01T00:00:00.1234567Z\"".to_owned()),
            Just("\"2019-06-01T00:00:00+05:00\"".to_owned()),
            Just("\"2E9DA30D-27F6-4208-81F2-9CD3D67893BA\"".to_owned()),
            Just("\"f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f\"".to_owned()),
            Just("\"Analyst@contoso.com\"".to_owned()),
            Just("\"a\\\\b\\\"c\\/d\\u00e9\\n\"".to_owned()),
            Just("\"Succ\\u0065eded\"".to_owned()),
            "\"[ -~é]{0,6}\"".prop_map(|s| s),
        ];
        let value = scalar.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key(), inner), 0..3).prop_map(|kv| {
                    let members: Vec<String> = kv
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        });
        let samples: Vec<&str> = include_str!("../../data/machineactions.ndjson")
            .lines()
            .collect();
        let random = (
            prop::collection::vec((key(), value.clone()), 0..8),
            prop::sample::select(vec!["", "", " ", "\t"]),
        )
            .prop_map(|(members, space)| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{space}{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            });
        let sample = (
            prop::sample::select(samples),
            prop::sample::select(vec!["Succeeded", "Succeeded", "Failed", "Pending"]),
            prop::sample::select(vec!["2018", "2019", "2021", "2024"]),
            prop::collection::vec((key(), value), 0..3),
        )
            .prop_map(|(line, status, year, extra)| {
                let mut line = line.to_owned();
                if let Some(i) = line.find("\"status\":\"") {
                    let from = i + 10;
                    let to = from + line[from..].find('"').unwrap();
                    line.replace_range(from..to, status);
                }
                if let Some(i) = line.find("\"creationDateTimeUtc\":\"") {
                    line.replace_range(i + 23..i + 27, year);
                }
                for (k, v) in extra {
                    line.insert_str(line.len() - 1, &format!(",\"{k}\":{v}"));
                }
                line
            });
        (
            prop_oneof![random, sample],
            prop::option::weighted(0.15, (any::<prop::sample::Index>(), any::<u8>())),
        )
            .prop_map(|(mut line, damage)| {
                if let Some((at, byte)) = damage {
                    let mut bytes = line.into_bytes();
                    let at = at.index(bytes.len());
                    bytes[at] = byte % 128;
                    line = String::from_utf8(bytes).unwrap_or_default();
                }
                line
            })
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "status",
            "creationDateTimeUtc",
            "machineId",
            "requestor",
            "type",
            "id",
            "relatedFileInfo",
            "fileIdentifier",
            "lastUpdateTimeUtc",
            "lastUpdateDateTimeUtc",
            "commands",
            "index",
            "count",
            "score",
            "flag",
            "x",
            "value",
        ])
        .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn verdicts_agree_with_serde_and_the_predicate(line in line(), f in 0..FILTERS.len()) {
            let f = filter(FILTERS[f]);
            if let Err(e) = agrees(&f, &line) {
                prop_assert!(false, "{}", e);
            }
            if serde_json::from_str::<Json>(&line).is_ok() {
                if let Err(e) = compacts(&line) {
                    prop_assert!(false, "{}", e);
                }
            }
        }
    }
}
