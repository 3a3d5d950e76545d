//! The `odata-filter` binary never changes a record on its way through: every value it prints is
//! the value it read, byte for byte, in every mode (lazy and parsed NDJSON, JSON documents,
//! `--engine sqlite`, `$orderby`, `$select`), and numbers are compared as written.
#![cfg(feature = "cli")]

use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A schema with a key, an Int64, a Double and a String, all filterable and sortable.
const SCHEMA: &str = r#"{
  "name": "Num", "entitySet": "Nums", "key": "id",
  "fields": [
    {"name": "id", "type": "Guid", "filterable": true, "sortable": true},
    {"name": "count", "type": "Int64", "nullable": true, "filterable": true, "sortable": true},
    {"name": "ratio", "type": "Double", "nullable": true, "filterable": true, "sortable": true},
    {"name": "name", "type": "String", "nullable": true, "filterable": true, "sortable": true},
    {"name": "amount", "type": "Decimal", "nullable": true, "filterable": true, "sortable": true}
  ]
}"#;

/// The schema file, written once per test binary (the tests run in parallel).
fn schema_path() -> &'static Path {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_numbers");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("num.schema.json");
        std::fs::write(&path, SCHEMA).expect("schema file");
        path
    })
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the test schema, `args`, and `input` on standard input; `lazy` false
/// turns the line filter off (every record is parsed).
fn run(args: &[&str], input: &str, lazy: bool) -> Out {
    let schema = schema_path();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_odata-filter"));
    cmd.arg("--schema").arg(schema).args(args);
    if !lazy {
        cmd.env("ODATA_FILTER_LAZY", "0");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let _ = child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes());
    let out = child.wait_with_output().expect("the binary finishes");
    Out {
        code: out.status.code().expect("exits normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// Every way of running a plain query: (extra args, lazy).
const ENGINES: &[(&[&str], bool)] = &[(&[], true), (&[], false), (&["--engine", "sqlite"], true)];

// ---- the reproducers of issue 10 --------------------------------------------------------------

const TWO_RECORDS: &str = concat!(
    r#"{"id":"00000000-0000-4000-8000-000000000001","count":9007199254740991,"ratio":9007199254740991.0}"#,
    "\n",
    r#"{"id":"00000000-0000-4000-8000-000000000002","ratio":933128.6246343909}"#,
    "\n",
);

fn line(n: usize) -> &'static str {
    TWO_RECORDS.lines().nth(n - 1).expect("a record")
}

#[test]
fn full_precision_doubles_compare_as_written() {
    for (args, lazy) in ENGINES {
        for (filter, want) in [
            ("ratio eq 933128.6246343909", vec![2]),
            ("ratio eq 9007199254740991.0", vec![1]),
            ("count eq ratio", vec![1]),
            ("ratio ne null", vec![1, 2]),
            ("ratio gt 933128.6246343908", vec![1, 2]),
            ("ratio lt 933128.624634391", vec![2]),
        ] {
            let mut a = args.to_vec();
            a.extend(["--filter", filter]);
            let out = run(&a, TWO_RECORDS, *lazy);
            let expected: String = want.iter().map(|&n| format!("{}\n", line(n))).collect();
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, expected.as_str()),
                "{filter} with {args:?} lazy={lazy}: {out:?}"
            );
        }
    }
}

#[test]
fn records_are_printed_as_read_in_every_mode() {
    let input = concat!(
        r#"{ "id" : "00000000-0000-4000-8000-000000000001", "count": 18446744073709551615, "ratio": 1.0e308, "big": 123456789012345678901234567890 }"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","ratio":-0.0,"name":"caf\u00e9 \/ \ud83d\ude00","x":[1.50, 2E3]}"#,
        "\n",
    );
    let expected = concat!(
        r#"{"id":"00000000-0000-4000-8000-000000000001","count":18446744073709551615,"ratio":1.0e308,"big":123456789012345678901234567890}"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","ratio":-0.0,"name":"caf\u00e9 \/ \ud83d\ude00","x":[1.50,2E3]}"#,
        "\n",
    );
    for (args, lazy) in ENGINES {
        for extra in [&[][..], &["--query", "$orderby=id"][..]] {
            let mut a = args.to_vec();
            a.extend(extra);
            let out = run(&a, input, *lazy);
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, expected),
                "{a:?} lazy={lazy}: {out:?}"
            );
        }
    }
}

#[test]
fn decimals_are_read_as_written_in_every_mode() {
    let records = [
        r#"{"id":"00000000-0000-4000-8000-000000000001","amount":1.00000000000000000001}"#,
        r#"{"id":"00000000-0000-4000-8000-000000000002","amount":1}"#,
        r#"{"id":"00000000-0000-4000-8000-000000000003","amount":3258.678765765489753678965390}"#,
    ];
    let ndjson: String = records.iter().map(|r| format!("{r}\n")).collect();
    let array = format!("[\n{}\n]\n", records.join(",\n"));
    for (filter, want) in [
        ("amount gt 1", vec![0, 2]),
        ("amount eq 1.00000000000000000001", vec![0]),
        ("amount eq 3258.678765765489753678965390", vec![2]),
        ("amount lt 3258.67876576548975367896539", vec![0, 1]),
    ] {
        let expected: String = want.iter().map(|&i| format!("{}\n", records[i])).collect();
        let sorted = format!("$filter={filter}&$orderby=id");
        for (input, args) in [
            (&ndjson, vec!["--filter", filter]),
            (&ndjson, vec!["--query", &sorted]),
            (&array, vec!["--filter", filter]),
            (&array, vec!["--query", &sorted]),
        ] {
            let out = run(&args, input, true);
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, expected.as_str()),
                "{filter} {args:?} on {input}: {out:?}"
            );
        }
    }
}

#[test]
fn sqlite_refuses_a_decimal_no_float_stands_for() {
    // SQLite keeps decimals as 64-bit floats: the record is refused, not rounded.
    let input = concat!(
        r#"{"id":"00000000-0000-4000-8000-000000000001","amount":2.5}"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","amount":1.00000000000000000001}"#,
        "\n",
    );
    let out = run(
        &["--engine", "sqlite", "--filter", "amount gt 1"],
        input,
        true,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: <stdin>:2: --engine sqlite: cannot store the record: field `amount`"
        ) && out
            .stderr
            .contains("decimal 1.00000000000000000001 exactly"),
        "{out:?}"
    );
    // A decimal a float stands for is stored and found.
    let out = run(
        &["--engine", "sqlite", "--filter", "amount gt 1"],
        &input[..input.find('\n').unwrap() + 1],
        true,
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            input
                .lines()
                .next()
                .map(|l| format!("{l}\n"))
                .unwrap()
                .as_str()
        ),
        "{out:?}"
    );
}

#[test]
fn what_numbers_beyond_the_types_compare_as() {
    let input = concat!(
        // Beyond Edm.Int64: reads as null, so `count eq null` holds.
        r#"{"id":"00000000-0000-4000-8000-000000000001","count":18446744073709551615}"#,
        "\n",
        // An integer beyond i64 in a Double field: the nearest double.
        r#"{"id":"00000000-0000-4000-8000-000000000002","ratio":18446744073709551615}"#,
        "\n",
    );
    for (args, lazy) in ENGINES {
        let mut a = args.to_vec();
        a.extend([
            "--filter",
            "count eq null and ratio eq 1.8446744073709552e19",
        ]);
        let out = run(&a, input, *lazy);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            out.stdout,
            format!("{}\n", input.lines().nth(1).unwrap()),
            "{args:?} lazy={lazy}"
        );
    }
}

#[test]
fn a_number_beyond_every_double_is_an_input_error_naming_the_line() {
    let input = concat!(
        r#"{"id":"00000000-0000-4000-8000-000000000001","ratio":1}"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","ratio":1e400}"#,
        "\n",
    );
    for (args, lazy) in ENGINES {
        let out = run(args, input, *lazy);
        assert_eq!(out.code, 1, "{args:?} lazy={lazy}: {out:?}");
        assert!(
            out.stderr
                .starts_with("error: <stdin>:2: number out of range"),
            "{args:?} lazy={lazy}: {out:?}"
        );
    }
}

// ---- the property: output equals input, value for value ---------------------------------------

/// The text of a JSON number: full-precision doubles in several spellings, the edges of the
/// integer types and of the doubles, and digits no double holds.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x:?}")),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x:e}")),
        (any::<u32>(), any::<u32>(), 0..20u32)
            .prop_map(|(a, b, z)| format!("{a}.{}{b}", "0".repeat(z as usize))),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        prop::sample::select(vec![
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "-9007199254740993",
            "9007199254740993.0",
            "-0.0",
            "-0",
            "0.0",
            "1e308",
            "1.7976931348623157e308",
            "-1.7976931348623157E+308",
            "5e-324",
            "2.2250738585072014e-308",
            "933128.6246343909",
            "1.00000000000000000001",
            "123456789012345678901234567890",
            "-123456789012345678901234567890.5e-3",
            "18446744073709551616",
        ])
        .prop_map(str::to_owned),
    ]
}

/// The text of a JSON string: unicode, escapes of every kind, surrogate pairs.
fn string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 ]{1,4}".prop_map(|s| s),
        "[é中😀ß\u{0130}]{1,2}".prop_map(|s| s),
        prop::sample::select(vec![
            r"\n",
            r"\t",
            r#"\""#,
            r"\\",
            r"\/",
            r"\u00e9",
            r"\u00E9",
            r"\ud83d\ude00",
            r"\b",
            r"\f",
            r"\r",
            r"\u0000",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat()))
}

/// Any JSON value's text, nested a little.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        string(),
        Just("null".to_owned()),
        Just("true".to_owned())
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..3).prop_map(|m| {
                let m: Vec<String> = m.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", m.join(","))
            }),
        ]
    })
}

/// One record's members as (key, value text); `n` makes the id unique and ordered.
fn record(n: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::option::of(prop_oneof![number(), Just("null".to_owned())]),
        prop::option::of(prop_oneof![number(), Just("null".to_owned())]),
        prop::option::of(string()),
        prop::option::of(value()),
    )
        .prop_map(move |(count, ratio, name, extra)| {
            let mut m = vec![(
                "id".to_owned(),
                format!("\"00000000-0000-4000-8000-{n:012x}\""),
            )];
            m.extend(count.map(|v| ("count".to_owned(), v)));
            m.extend(ratio.map(|v| ("ratio".to_owned(), v)));
            m.extend(name.map(|v| ("name".to_owned(), v)));
            m.extend(extra.map(|v| ("extra".to_owned(), v)));
            m
        })
}

/// Records whose numbers every engine can read (no double overflows).
fn records() -> impl Strategy<Value = Vec<Vec<(String, String)>>> {
    (1..12usize)
        .prop_flat_map(|n| (0..n).map(record).collect::<Vec<_>>())
        .prop_filter("numbers within the doubles", |rs| {
            rs.iter()
                .flatten()
                .all(|(_, v)| serde_json::from_str::<serde_json::Value>(v).is_ok())
        })
}

/// `members` as a JSON object, with `space` between every two tokens.
fn render(members: &[(String, String)], space: &str) -> String {
    let m: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\"{space}:{space}{v}"))
        .collect();
    format!("{{{space}{}{space}}}", m.join(&format!("{space},{space}")))
}

/// The input: NDJSON, a pretty JSON array, or an OData envelope.
fn input(records: &[Vec<(String, String)>], form: usize, space: &str) -> String {
    let texts: Vec<String> = records.iter().map(|r| render(r, space)).collect();
    match form {
        0 => texts.iter().map(|t| format!("{t}\n")).collect(),
        1 => format!("[\n  {}\n]\n", texts.join(",\n  ")),
        _ => format!(
            "{{\"@odata.context\": \"x\", \"value\": [\n{}\n]}}\n",
            texts.join(",\n")
        ),
    }
}

/// The f64 a number's text denotes (Rust's parser rounds correctly).
fn as_f64(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// Whether a Double field holding `text` equals the double `x`, as the crate documents it: an
/// integer within i64 compares exactly, any other number as the nearest double.
fn ratio_eq(text: &str, x: f64) -> bool {
    match text.parse::<i64>() {
        Ok(i) => x.fract() == 0.0 && x >= -(2f64.powi(63)) && x < 2f64.powi(63) && x as i64 == i,
        Err(_) => as_f64(text) == Some(x),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn output_equals_input_value_for_value(
        records in records(),
        form in 0..3usize,
        space in prop::sample::select(vec!["", " ", "\t", "  "]),
        pick in any::<prop::sample::Index>(),
    ) {
        let text = input(&records, form, space);
        let expected: Vec<String> = records.iter().map(|r| render(r, "")).collect();
        // SQLite refuses a String field holding U+0000 (its string functions stop at it),
        // naming the record and the field; the other engines take it.
        let nul = records.iter().flatten().any(|(k, v)| {
            k == "name" && serde_json::from_str::<String>(v).is_ok_and(|s| s.contains('\0'))
        });
        if nul {
            let out = run(&["--engine", "sqlite"], &text, true);
            prop_assert_ne!(out.code, 0, "{:?}", out);
            prop_assert!(out.stderr.contains("U+0000") && out.stderr.contains("name"), "{:?}", out);
        }
        let engines = ENGINES
            .iter()
            .filter(|(a, _)| !(nul && a.contains(&"sqlite")))
            .map(|(a, l)| (a.to_vec(), *l));

        // Every record, as it was written.
        for (args, lazy) in engines.clone() {
            let out = run(&args, &text, lazy);
            prop_assert_eq!(out.code, 0, "{:?} {:?}", args, out);
            let lines: Vec<&str> = out.stdout.lines().collect();
            prop_assert_eq!(lines, expected.iter().map(String::as_str).collect::<Vec<_>>(),
                "{:?} lazy={}", args, lazy);
        }

        // A record's ratio, written as it is in the record, finds exactly the records whose
        // ratio is the same double.
        let k = pick.index(records.len());
        let ratio_of = |r: &Vec<(String, String)>| {
            r.iter().find(|(key, _)| key == "ratio").and_then(|(_, v)| as_f64(v))
        };
        let ratio_text = |r: &Vec<(String, String)>| {
            r.iter().find(|(key, _)| key == "ratio").map(|(_, v)| v.clone())
        };
        if let Some(x) = records[k]
            .iter()
            .find(|(key, v)| key == "ratio" && v.contains(['.', 'e', 'E']))
            .map(|(_, v)| v.clone())
        {
            let filter = format!("ratio eq {x}");
            let want: Vec<&str> = records
                .iter()
                .zip(&expected)
                .filter(|(r, _)| {
                    ratio_text(r).is_some_and(|t| as_f64(&x).is_some_and(|x| ratio_eq(&t, x)))
                })
                .map(|(_, e)| e.as_str())
                .collect();
            for (mut args, lazy) in engines.clone() {
                args.extend(["--filter", filter.as_str()]);
                let out = run(&args, &text, lazy);
                prop_assert_eq!(out.code, 0, "{:?} {:?}", args, out);
                prop_assert_eq!(out.stdout.lines().collect::<Vec<_>>(), want.clone(),
                    "{:?} lazy={}", args, lazy);
            }
        }

        // $orderby: the same records, each as written, by ratio descending (null last).
        for (mut args, lazy) in engines.clone() {
            args.extend(["--query", "$orderby=ratio desc"]);
            let out = run(&args, &text, lazy);
            prop_assert_eq!(out.code, 0, "{:?} {:?}", args, out);
            let mut lines: Vec<&str> = out.stdout.lines().collect();
            let ratios: Vec<Option<f64>> = lines
                .iter()
                .map(|l| {
                    let i = expected.iter().position(|e| e == l).expect("an input record");
                    ratio_of(&records[i]).filter(|_| {
                        records[i].iter().any(|(k, v)| k == "ratio" && v != "null")
                    })
                })
                .collect();
            for w in ratios.windows(2) {
                let in_order = match (w[0], w[1]) {
                    (Some(a), Some(b)) => a >= b,
                    (_, None) => true,
                    (None, Some(_)) => false,
                };
                prop_assert!(in_order, "{:?} not descending: {:?}", args, ratios);
            }
            lines.sort_unstable();
            let mut all: Vec<&str> = expected.iter().map(String::as_str).collect();
            all.sort_unstable();
            prop_assert_eq!(lines, all, "{:?} lazy={}", args, lazy);
        }

        // $select: the chosen members, in $select order, each as written.
        let selected: Vec<String> = records
            .iter()
            .map(|r| {
                let pick: Vec<(String, String)> = ["name", "ratio"]
                    .iter()
                    .filter_map(|k| r.iter().find(|(key, _)| key == k).cloned())
                    .collect();
                render(&pick, "")
            })
            .collect();
        for (mut args, lazy) in engines {
            args.extend(["--query", "$select=name,ratio"]);
            let out = run(&args, &text, lazy);
            prop_assert_eq!(out.code, 0, "{:?} {:?}", args, out);
            prop_assert_eq!(out.stdout.lines().collect::<Vec<_>>(),
                selected.iter().map(String::as_str).collect::<Vec<_>>(),
                "{:?} lazy={}", args, lazy);
        }
    }
}

// ---- option values and --check ---------------------------------------------------------------

#[test]
fn filter_and_query_values_may_start_with_a_minus() {
    let input = concat!(
        r#"{"id":"00000000-0000-4000-8000-000000000001","count":-5}"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","count":3}"#,
        "\n",
    );
    let want = format!("{}\n", input.lines().nth(1).unwrap());
    for args in [
        &["--filter", "-1 lt count"][..],
        &["--filter=-1 lt count"][..],
        &["--query", "$filter=-1 lt count"][..],
    ] {
        let out = run(args, input, true);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, want.as_str()),
            "{args:?}: {out:?}"
        );
    }
    // A value for --query that starts with '-' is taken as the value, not as a flag.
    let out = run(&["--query", "-x=1"], input, true);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("ignoring query parameter '-x'"),
        "{out:?}"
    );
}

#[test]
fn check_keeps_each_option_on_one_line_and_round_trips() {
    let raw = "$filter=name eq 'a%0Ab%25c+d%26e%23f' or name eq 'caf%C3%A9'&$top=2";
    let out = run(&["--check", "--query", raw], "", true);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "$filter=name eq 'a%0Ab%25c d%26e%23f' or name eq 'café'\n$top=2\n"
    );
    // The lines joined with '&' are a query that checks to the same lines.
    let joined = out.stdout.lines().collect::<Vec<_>>().join("&");
    let again = run(&["--check", "--query", &joined], "", true);
    assert_eq!(again.stdout, out.stdout, "{again:?}");
    // And it selects what the original selects.
    let input = concat!(
        r#"{"id":"00000000-0000-4000-8000-000000000001","name":"a\nb%c d&e#f"}"#,
        "\n",
        r#"{"id":"00000000-0000-4000-8000-000000000002","name":"ab"}"#,
        "\n",
    );
    let first = run(&["--query", raw], input, true);
    let second = run(&["--query", &joined], input, true);
    assert_eq!(first.stdout, format!("{}\n", input.lines().next().unwrap()));
    assert_eq!(second.stdout, first.stdout);
}

#[test]
fn help_has_no_cut_off_sentences() {
    let out = run(&["--help"], "", true);
    assert_eq!(out.code, 0, "{out:?}");
    for paragraph in out.stdout.split("\n\n") {
        let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        // Every option's description ends a sentence.
        if let Some(desc) = text.strip_prefix("--entity <NAME> ") {
            assert!(desc.contains("records are of this entity type"), "{desc}");
        }
    }
    assert!(!out.stdout.contains("the records are\n"), "{}", out.stdout);
}

// ---- bounded lines ------------------------------------------------------------------------------

/// A record whose line is exactly `len` bytes long.
fn record_of_len(n: usize, len: usize) -> String {
    let head = format!(r#"{{"id":"00000000-0000-4000-8000-{n:012x}","name":""#);
    let pad = len - head.len() - 2;
    format!("{head}{}\"}}", "a".repeat(pad))
}

#[test]
fn lines_longer_than_the_limit_are_input_errors() {
    let max = "100";
    let ok_line = record_of_len(1, 100);
    assert_eq!(ok_line.len(), 100);
    let long = record_of_len(2, 101);
    let too_long = |out: &Out, line: usize| {
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(
            out.stderr,
            format!(
                "error: <stdin>:{line}: a line is longer than 100 bytes (raise --max-line-bytes to read it)\n"
            ),
        );
    };
    // A line of exactly the limit is read, in every mode.
    for extra in [&[][..], &["--query", "$orderby=id"][..], &["--count"][..]] {
        let mut args = vec!["--max-line-bytes", max];
        args.extend(extra);
        let out = run(&args, &format!("{ok_line}\n{ok_line}\n"), true);
        assert_eq!(out.code, 0, "{args:?} {out:?}");
    }
    // One byte more is refused: as the first line, as a later line, when sorting.
    let out = run(&["--max-line-bytes", max], &format!("{long}\n"), true);
    too_long(&out, 1);
    let out = run(
        &["--max-line-bytes", max, "--query", "$orderby=id"],
        &format!("{ok_line}\n{long}\n"),
        true,
    );
    too_long(&out, 2);
    let out = run(
        &["--max-line-bytes", max],
        &format!("{ok_line}\n{ok_line}\n{long}\n"),
        true,
    );
    too_long(&out, 3);
    // Input without line breaks (like /dev/zero) stops at the limit instead of exhausting memory.
    let zeros = "\0".repeat(1 << 20);
    let out = run(&["--max-line-bytes", "1000"], &zeros, true);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("longer than 1000 bytes"), "{out:?}");
    let out = run(
        &["--max-line-bytes", "1000"],
        &format!("{ok_line}\n{zeros}"),
        true,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("longer than 1000 bytes"), "{out:?}");
}
