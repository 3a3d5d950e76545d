//! Golden tests of the `odata-filter` binary: every flag, input formats, exit codes and messages.
#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run of the binary produced.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with `args`, feeding it `stdin`.
fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_odata-filter"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The binary may exit without reading its input; ignore the broken pipe.
    let _ = child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes());
    let out = child.wait_with_output().expect("the binary finishes");
    Out {
        code: out.status.code().expect("the binary exits normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// Runs the binary in the crate root, so `data/...` paths work.
fn run(args: &[&str], stdin: &str) -> Out {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, stdin)
}

/// A fresh directory holding `files`, for inputs the repository does not have.
fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("temp file");
    }
    dir
}

#[track_caller]
fn ok(out: &Out, stdout: &str) {
    assert_eq!(out.stderr, "", "{out:?}");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, stdout, "{out:?}");
}

#[track_caller]
fn fails(out: &Out, code: i32, stderr: &str) {
    assert_eq!(out.code, code, "{out:?}");
    assert_eq!(out.stderr, stderr, "{out:?}");
}

const DATA: &str = include_str!("../data/machineactions.ndjson");

/// The lines of data/machineactions.ndjson that satisfy `keep`, as the CLI prints them.
fn data_lines(keep: impl Fn(&serde_json::Value) -> bool) -> String {
    DATA.lines()
        .filter(|l| keep(&serde_json::from_str(l).unwrap()))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

const MA69: &str = "69dc3630-1ccc-4342-acf3-35286eec741d";
const MA2E: &str = "2e9da30d-27f6-4208-81f2-9cd3d67893ba";
const MA44: &str = "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e";

// ---- running queries ------------------------------------------------------------------------

#[test]
fn the_readme_command_prints_matching_records_in_input_order() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--filter",
            "status eq 'Succeeded'",
            "data/machineactions.ndjson",
        ],
        "",
    );
    let expected = data_lines(|r| r["status"] == "Succeeded");
    assert!(expected.lines().count() >= 3);
    ok(&out, &expected);
}

#[test]
fn query_with_orderby_and_top() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--query",
            "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2\
             &$orderby=creationDateTimeUtc desc",
            "data/machineactions.ndjson",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(ids(&out.stdout), [MA69, MA2E]);
}

#[test]
fn without_orderby_output_keeps_input_order() {
    // Input order, even though the schema's default order would differ.
    let input = data_lines(|r| r["id"] == MA44) + &data_lines(|r| r["id"] == MA69);
    let out = run(&["--entity", "machineactions", "--query", "$top=5"], &input);
    ok(&out, &input);
}

#[test]
fn skip_top_and_select_stream() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--query",
            "$filter=status+eq+'Succeeded'&$skip=1&$top=2&$select=status,ID",
            "data/machineactions.ndjson",
        ],
        "",
    );
    ok(
        &out,
        &format!(
            "{{\"status\":\"Succeeded\",\"id\":\"{MA2E}\"}}\n\
             {{\"status\":\"Succeeded\",\"id\":\"{MA44}\"}}\n"
        ),
    );
}

#[test]
fn reading_stops_after_top_matches() {
    // The broken third line is never read.
    let input = data_lines(|r| r["id"] == MA69) + &data_lines(|r| r["id"] == MA2E) + "{oops\n";
    let out = run(&["--entity", "machineactions", "--query", "$top=2"], &input);
    ok(&out, &input[..input.len() - "{oops\n".len()]);
}

#[test]
fn schema_file_instead_of_entity() {
    let out = run(
        &[
            "--schema",
            "data/machineactions.schema.json",
            "--filter",
            "type eq 'RunAntiVirusScan' or type eq 'Isolate'",
            "data/machineactions.ndjson",
        ],
        "",
    );
    ok(
        &out,
        &data_lines(|r| r["type"] == "RunAntiVirusScan" || r["type"] == "Isolate"),
    );
}

#[test]
fn no_filter_prints_every_record() {
    let out = run(
        &["--entity", "MachineActions", "data/machineactions.ndjson"],
        "",
    );
    ok(&out, &data_lines(|_| true));
}

// ---- inputs ---------------------------------------------------------------------------------

#[test]
fn stdin_when_no_file_or_a_dash() {
    let filter = "status eq 'Succeeded' and type eq 'RunAntiVirusScan'";
    let expected = data_lines(|r| r["status"] == "Succeeded" && r["type"] == "RunAntiVirusScan");
    let out = run(&["--entity", "machineactions", "--filter", filter], DATA);
    ok(&out, &expected);
    let out = run(
        &["--entity", "machineactions", "--filter", filter, "-"],
        DATA,
    );
    ok(&out, &expected);
}

#[test]
fn array_and_envelope_inputs() {
    // The records' own text (the CLI prints each as it was read), laid out three ways.
    let records: Vec<&str> = DATA.lines().take(3).collect();
    let array = format!("[\n  {}\n]", records.join(",\n  "));
    let envelope = format!(
        "{{\n  \"@odata.context\": \"https://api.securitycenter.microsoft.com/api/$metadata#MachineActions\",\n  \"value\": {array}\n}}"
    );
    let compact_envelope = format!("{{\"value\":[{}]}}", records.join(","));
    let dir = dir_with(
        "formats",
        &[
            ("array.json", &format!("\n\n  {array}\n")),
            ("envelope.json", &envelope),
            ("compact.json", &format!("{compact_envelope}\n")),
        ],
    );
    let args = |file| {
        [
            "--entity",
            "machineactions",
            "--filter",
            "type ne 'RunAntiVirusScan'",
            file,
        ]
    };
    let expected = format!(
        "{}{}",
        data_lines(|r| r["id"] == MA69),
        data_lines(|r| r["id"] == MA44)
    );
    for file in ["array.json", "envelope.json", "compact.json"] {
        ok(&run_in(&dir, &args(file), ""), &expected);
    }
    ok(&run_in(&dir, &args("-"), &envelope), &expected);
    // Several inputs of different formats are read in order.
    let out = run_in(
        &dir,
        &[
            "--entity",
            "machineactions",
            "--query",
            "$select=id",
            "array.json",
            "compact.json",
        ],
        "",
    );
    assert_eq!(ids(&out.stdout), [MA69, MA2E, MA44, MA69, MA2E, MA44]);
}

#[test]
fn a_record_with_a_value_field_is_not_an_envelope() {
    let input = "{\"id\":\"x\",\"value\":[1,2]}\n";
    let out = run(&["--entity", "machineactions"], input);
    ok(&out, input);
}

// ---- --count and --check --------------------------------------------------------------------

#[test]
fn count_ignores_top_and_skip() {
    let n = data_lines(|r| r["status"] == "Succeeded").lines().count();
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--count",
            "--query",
            "$filter=status eq 'Succeeded'&$top=1&$skip=1&$orderby=id",
            "data/machineactions.ndjson",
        ],
        "",
    );
    ok(&out, &format!("{n}\n"));
    let out = run(&["--entity", "machineactions", "--count"], DATA);
    ok(&out, &format!("{}\n", DATA.lines().count()));
}

#[test]
fn check_prints_the_canonical_filter() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--check",
            "--filter",
            "STATUS EQ 'Succeeded' and creationDateTimeUtc gt 2018-08-01Z",
            // --check reads no records: this file does not exist.
            "missing.ndjson",
        ],
        "",
    );
    ok(
        &out,
        "status eq 'Succeeded' and creationDateTimeUtc gt 2018-08-01T00:00:00Z\n",
    );
}

#[test]
fn check_prints_the_canonical_options() {
    let out = run(
        &[
            "--entity",
            "alerts",
            "--check",
            "--query",
            "$TOP=10%20&$expand=Evidence&$orderby=alertCreationTime+DESC&$count=true\
             &$filter=lastUpdateTime+ge+2019-11-22T00:00:00Z",
        ],
        "",
    );
    ok(
        &out,
        "$filter=lastUpdateTime ge 2019-11-22T00:00:00Z\n\
         $expand=evidence\n\
         $orderby=alertCreationTime desc\n\
         $top=10\n\
         $count=true\n",
    );
}

#[test]
fn other_query_parameters_are_ignored_with_a_warning() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--check",
            "--query",
            "api-version=2&$top=1",
        ],
        "",
    );
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "$top=1\n");
    assert_eq!(
        out.stderr,
        "warning: ignoring query parameter 'api-version' (only $ options apply)\n"
    );
}

#[test]
fn parameter_aliases_are_substituted_without_a_warning() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--check",
            "--query",
            "$filter=status eq @s or requestor eq @s&@s='Pending'&$top=1",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "$filter=status eq 'Pending' or requestor eq 'Pending'\n$top=1\n"
    );
    assert_eq!(out.stderr, "");
}

// ---- errors and exit codes ------------------------------------------------------------------

#[test]
fn invalid_filter_exits_2() {
    let out = run(
        &["--entity", "machineactions", "--filter", "machinId eq 'x'"],
        DATA,
    );
    assert_eq!(out.stdout, "");
    fails(
        &out,
        2,
        "\
error: unknown field 'machinId' on MachineAction; did you mean 'machineId'?
  |
1 | machinId eq 'x'
  | ^^^^^^^^
  = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc
  = in $filter
",
    );
    let out = run(&["--entity", "machineactions", "--filter", "status eq"], "");
    fails(
        &out,
        2,
        "\
error: expected a value, found end of input
  |
1 | status eq
  |          ^
  = in $filter
",
    );
}

#[test]
fn invalid_query_exits_2() {
    let out = run(&["--entity", "machineactions", "--query", "$stop=10"], "");
    fails(
        &out,
        2,
        "\
error: unknown query option '$stop'; did you mean '$top'?
  |
1 | $stop=10
  | ^^^^^
  = supported options: $filter, $top, $skip, $orderby, $select, $count, $expand
",
    );
    let out = run(&["--entity", "machineactions", "--query", "$top=10001"], "");
    fails(
        &out,
        2,
        "\
error: $top is larger than the maximum page size of 10000
  |
1 | $top=10001
  |      ^^^^^
  = $top takes an integer from 0 to 10000
",
    );
    // --max-top changes the limit.
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--max-top",
            "20000",
            "--check",
            "--query",
            "$top=10001",
        ],
        "",
    );
    ok(&out, "$top=10001\n");
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["--filter", "status eq 'Failed'"], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with(
        "error: the following required arguments were not provided:\n  <--entity <NAME>|--schema <FILE>>\n"
    ), "{out:?}");

    let out = run(
        &[
            "--entity",
            "machineactions",
            "--filter",
            "x",
            "--query",
            "y",
        ],
        "",
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "error: the argument '--filter <TEXT>' cannot be used with '--query <QUERY>'\n"
        ),
        "{out:?}"
    );

    let out = run(&["--entity", "devices"], "");
    fails(
        &out,
        2,
        "\
error: invalid value 'devices' for '--entity <NAME>'
  [possible values: machineactions, investigations, machines, alerts, indicators]

For more information, try '--help'.
",
    );
}

#[test]
fn help_lists_the_entities() {
    let out = run(&["--help"], "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains(
        "[possible values: machineactions, investigations, machines, alerts, indicators]"
    ));
}

#[test]
fn invalid_schema_file_exits_2() {
    let dir = dir_with("schema", &[("bad.json", "{\"name\": \"X\"}")]);
    let out = run_in(&dir, &["--schema", "bad.json", "--filter", "a eq 1"], "");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with("error: bad.json: "), "{out:?}");
    let out = run_in(&dir, &["--schema", "missing.json"], "");
    fails(
        &out,
        1,
        "error: missing.json: No such file or directory (os error 2)\n",
    );
}

#[test]
fn unreadable_input_exits_1_naming_file_and_line() {
    let good = data_lines(|r| r["id"] == MA69);
    let dir = dir_with(
        "bad-input",
        &[("data.ndjson", &format!("{good}\n{{\"\":x}}\n"))],
    );
    let out = run_in(&dir, &["--entity", "machineactions", "data.ndjson"], "");
    // Records before the bad line have already been streamed out.
    assert_eq!(out.stdout, good);
    fails(
        &out,
        1,
        "error: data.ndjson:3: expected value at line 1 column 5\n",
    );

    let out = run(&["--entity", "machineactions", "nope.ndjson"], "");
    fails(
        &out,
        1,
        "error: nope.ndjson: No such file or directory (os error 2)\n",
    );

    let out = run(
        &["--entity", "machineactions", "--count"],
        "{\"id\":1}\n42\n",
    );
    fails(
        &out,
        1,
        "error: <stdin>:2: expected a JSON object (a record), found a number\n",
    );

    let out = run(
        &["--entity", "machineactions", "--count"],
        "[\n{\"id\":1},\n\"x\"\n]\n",
    );
    fails(
        &out,
        1,
        "error: <stdin>:1: expected a JSON object (a record) as item 2 of the array, found a string\n",
    );

    // A multi-line document is read whole; its errors carry the input's line.
    let out = run(
        &["--entity", "machineactions", "--count"],
        "\n{\n \"value\": [\n  {\"id\": 1},\n  {\"id\": 2,}\n ]\n}\n",
    );
    fails(
        &out,
        1,
        "error: <stdin>:5: trailing comma at line 5 column 12\n",
    );
}

#[test]
fn sorted_output_with_top_matches_the_library_on_many_records() {
    use odata_filter::query::QueryOptions;
    use odata_filter::schema::catalog;
    // 3,000 records, many sharing a key and a status, so ties matter.
    let statuses = ["Pending", "Succeeded", "Failed", "Cancelled"];
    let records: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "id": format!("00000000-0000-0000-0000-{:012x}", (i * 7919) % 400),
                "status": statuses[i % 4],
                "seq": i,
                "creationDateTimeUtc": if i % 5 == 0 {
                    serde_json::Value::Null
                } else {
                    format!("2020-01-01T00:00:{:02}Z", i % 7).into()
                },
            })
        })
        .collect();
    let input: String = records
        .iter()
        .map(|r| format!("{}\n", serde_json::to_string(r).unwrap()))
        .collect();
    let schema = catalog::machine_action();
    for raw in [
        "$orderby=status desc&$skip=3&$top=5",
        "$orderby=creationDateTimeUtc&$top=7",
        "$orderby=creationDateTimeUtc desc,status&$skip=1000&$top=600",
        "$filter=status ne 'Failed'&$orderby=status&$skip=2990",
    ] {
        let (query, _) = QueryOptions::new().parse(&schema, raw).unwrap();
        let expected: String = query
            .apply(&schema, records.clone())
            .records
            .iter()
            .map(|r| format!("{}\n", serde_json::to_string(r).unwrap()))
            .collect();
        let out = run(&["--entity", "machineactions", "--query", raw], &input);
        ok(&out, &expected);
    }
}

/// Runs the binary on `input` (standard input) with extra environment variables.
fn run_env(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_odata-filter"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_owned();
    // Feed the input from another thread: the binary may print before it has read it all.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("the binary finishes");
    feeder.join().unwrap();
    Out {
        code: out.status.code().expect("the binary exits normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// Several megabytes of NDJSON, so that the input is read in chunks by several threads: the
/// documentation's records with varied statuses and dates, and now and then a line the fast
/// path must hand back (white space, escapes, repeated keys, an array, an envelope-like
/// object, a blank line).
fn big_input() -> String {
    let samples: Vec<&str> = DATA.lines().collect();
    let statuses = ["Succeeded", "Failed", "Pending", "Cancelled"];
    let mut input = String::new();
    for i in 0..12_000usize {
        let base = samples[i % samples.len()];
        let mut line = base
            .replacen("\"Succeeded\"", &format!("\"{}\"", statuses[i % 4]), 1)
            .replacen("2018-12-04T", &format!("20{:02}-12-04T", 17 + i % 8), 1);
        line = match i % 97 {
            0 => line.replacen("\"status\":", " \"status\" : ", 1),
            1 => line.replacen("\"requestor\":", "\"requestor\":\"dup\",\"requestor\":", 1),
            2 => line.replacen("Analyst", "Ana\\u006cyst\\/x", 1),
            3 => format!("[{line},{line}]"),
            4 => line.replacen("{", "{\"value\":[],", 1),
            5 => format!("{line}\n"),
            6 => line.replacen(
                "\"scope\":null",
                "\"scope\":1.50,\"n\":-0,\"big\":123456789012345678901",
                1,
            ),
            _ => line,
        };
        input.push_str(&line);
        input.push('\n');
    }
    input
}

#[test]
fn parallel_fast_path_prints_what_parsing_every_record_prints() {
    let input = big_input();
    assert!(input.len() > 4 << 20, "several chunks");
    let slow = [("ODATA_FILTER_LAZY", "0"), ("ODATA_FILTER_THREADS", "1")];
    let fast = [("ODATA_FILTER_THREADS", "3")];
    for args in [
        &["--filter", "status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z"][..],
        &["--filter", "requestor eq 'Analyst@contoso.com' or type ne 'Isolate'"],
        &["--filter", "contains(tolower(requestor), 'analyst') and machineId in ('7b1f4967d9728e5aa3c06a9e617a22a4a5a17378', 'x')"],
        &["--count", "--filter", "status ne 'Failed'"],
        &["--query", "$filter=status eq 'Pending'&$skip=100&$top=250"],
        &["--query", "$filter=status eq 'Cancelled'&$select=id,status,requestor"],
        &["--query", "$top=3"],
        &["--query", "$skip=11900"],
        &["--query", "$filter=startswith(requestor,'Ana')&$orderby=creationDateTimeUtc&$top=20"],
        &[],
    ] {
        let mut all = vec!["--entity", "machineactions"];
        all.extend_from_slice(args);
        let expected = run_env(&slow, &all, &input);
        assert_eq!(expected.code, 0, "{expected:?}");
        let got = run_env(&fast, &all, &input);
        assert!(got.stdout == expected.stdout, "{args:?}: outputs differ");
        assert_eq!((got.code, got.stderr), (0, String::new()), "{args:?}");
    }
}

#[test]
fn parallel_fast_path_reports_the_first_bad_line() {
    let mut input = big_input();
    let lines = input.lines().count();
    input.push_str("{\"id\":1}\n{\"status\":\"Succeeded\",}\n{\"id\":2}\n");
    let args = [
        "--entity",
        "machineactions",
        "--filter",
        "status eq 'Succeeded'",
    ];
    let slow = run_env(
        &[("ODATA_FILTER_LAZY", "0"), ("ODATA_FILTER_THREADS", "1")],
        &args,
        &input,
    );
    let fast = run_env(&[("ODATA_FILTER_THREADS", "2")], &args, &input);
    assert_eq!(
        slow.stderr,
        format!(
            "error: <stdin>:{}: trailing comma at line 1 column 23\n",
            lines + 2
        )
    );
    assert_eq!((fast.code, &fast.stderr), (slow.code, &slow.stderr));
    assert!(fast.stdout == slow.stdout, "outputs differ");
}

/// `--engine sqlite` answers through generated SQL with exactly the bytes the
/// in-memory engine prints, for every query.
#[test]
fn sqlite_engine_output_is_byte_identical() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "machineactions",
            "data/machineactions.ndjson",
            &[
                "$filter=status eq 'Succeeded'",
                "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2",
                "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2&$orderby=creationDateTimeUtc desc",
                "$filter=requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'",
                "$filter=not (status eq 'Succeeded') or startswith(requestor,'o''')",
                "$filter=creationDateTimeUtc gt 2018-12-04T12:18:27.1293487Z&$orderby=status,creationDateTimeUtc",
                "$orderby=type desc,requestor&$skip=2&$top=4",
                "$select=id,status&$orderby=creationDateTimeUtc&$top=5",
                "$filter=status in ('Pending','InProgress','Failed')&$skip=1",
                "$filter=contains(tolower(requestor),'analyst') and year(creationDateTimeUtc) ge 2018",
                "$top=0",
            ],
        ),
        (
            "machines",
            "data/machines.ndjson",
            &[
                "$filter=machineTags/any(tag: tag eq 'ExampleTag')",
                "$filter=riskScore eq 'High'",
                "$filter=healthStatus ne 'Active'&$top=100",
                "$filter=lastSeen gt 2018-08-01Z&$orderby=riskScore desc",
                "$filter=startswith(computerDnsName,'mymachine')",
                "$filter=computerDnsName ne null and machineTags/all(t: t ne 'x')",
            ],
        ),
        (
            "alerts",
            "data/alerts.ndjson",
            &[
                "$filter=status ne 'Resolved'",
                "$filter=alertCreationTime ge 2024-08-27T10:15:30.1234567Z",
                "$top=10&$expand=evidence",
                "$filter=severity in ('High','Medium')&$orderby=lastUpdateTime desc&$top=3",
            ],
        ),
    ];
    for (entity, file, queries) in cases {
        for q in *queries {
            for extra in [&[][..], &["--count"][..]] {
                let mut args = vec!["--entity", entity, "--query", q, file];
                args.extend_from_slice(extra);
                let memory = run(&args, "");
                args.extend_from_slice(&["--engine", "sqlite"]);
                let sqlite = run(&args, "");
                assert_eq!(memory.code, 0, "{q}: {}", memory.stderr);
                assert_eq!(sqlite.code, 0, "{q}: {}", sqlite.stderr);
                assert_eq!(memory.stdout, sqlite.stdout, "{entity} {q} {extra:?}");
            }
        }
    }
}

/// Odd records from real data: .NET's `DateTime.MinValue` and `MaxValue`, instants far
/// from 1970, a leap second. `--engine sqlite` stores them and answers as memory does.
#[test]
fn sqlite_engine_stores_every_four_digit_year() {
    let schema = r#"{"name": "Event", "entitySet": "Events", "key": "id", "fields": [
        {"name": "id", "type": "String", "filterable": true, "sortable": true},
        {"name": "at", "type": "DateTimeOffset", "filterable": true, "sortable": true},
        {"name": "until", "type": "DateTimeOffset", "filterable": true, "sortable": true}
    ]}"#;
    let records = [
        r#"{"id":"a","at":"0001-01-01T00:00:00Z","until":"9999-12-31T23:59:59.9999999Z"}"#,
        r#"{"id":"b","at":"1600-02-29T12:00:00.5-11:00","until":"2016-12-31T23:59:60.5Z"}"#,
        r#"{"id":"c","at":"2018-12-04T12:18:27.1293487Z","until":"3000-01-01T00:00:00+14:00"}"#,
    ]
    .join("\n");
    let dir = dir_with(
        "four_digit_years",
        &[("odd.ndjson", &records), ("event.json", schema)],
    );
    for q in [
        "$filter=at lt 1677-09-21T00:00:00Z",
        "$filter=year(at) eq 1 or year(until) eq 9999",
        "$filter=until eq 2017-01-01T00:00:00.5Z",
        "$filter=second(until) eq 0 and year(until) eq 2017",
        "$filter=day(at) eq 29 and hour(at) eq 23",
        "$filter=date(until) eq 2999-12-31 and time(until) eq 10:00:00",
        "$orderby=until desc",
        "$orderby=at",
    ] {
        let args = ["--schema", "event.json", "--query", q, "odd.ndjson"];
        let memory = run_in(&dir, &args, "");
        let sqlite = run_in(&dir, &[&args[..], &["--engine", "sqlite"]].concat(), "");
        assert_eq!(memory.code, 0, "{q}: {}", memory.stderr);
        assert!(!memory.stdout.is_empty(), "{q}: the case selects something");
        assert_eq!(sqlite.code, 0, "{q}: {}", sqlite.stderr);
        assert_eq!(memory.stdout, sqlite.stdout, "{q}");
    }
}

/// A record the table cannot hold is reported with its file and line.
#[test]
fn sqlite_engine_names_the_record_it_cannot_store() {
    let records = [
        r#"{"id":"a"}"#,
        r#"{"id":"b"}"#,
        r#"{"id":"c","requestor":"a\u0000b"}"#,
    ]
    .join("\n");
    let dir = dir_with("unstorable", &[("bad.ndjson", &records)]);
    let out = run_in(
        &dir,
        &[
            "--entity",
            "machineactions",
            "--engine",
            "sqlite",
            "bad.ndjson",
        ],
        "",
    );
    fails(
        &out,
        1,
        "error: bad.ndjson:3: --engine sqlite: cannot store the record: field `requestor`: \
         the sqlite dialect cannot store strings containing U+0000\n",
    );
}

#[test]
fn sql_prints_the_statement_and_parameters() {
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--sql",
            "sqlite",
            "--query",
            "$filter=status eq 'Succeeded' and creationDateTimeUtc gt 2018-01-01Z&$top=2",
        ],
        "",
    );
    ok(
        &out,
        "{\"sql\":\"SELECT \\\"_doc\\\" FROM \\\"MachineActions\\\" WHERE ((\\\"status\\\" = ?1) AND \
         (\\\"creationDateTimeUtc\\\" > ?2)) ORDER BY \\\"_id\\\" LIMIT ?3\",\"params\":[\"Succeeded\",\
         \"2018-01-01T00:00:00.000000000Z\",2]}\n",
    );
    let out = run(
        &[
            "--entity",
            "machineactions",
            "--sql",
            "mssql",
            "--count",
            "--filter",
            "status ne 'Failed'",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("{\"sql\":\"SELECT COUNT(*) FROM [MachineActions] WHERE"),
        "{}",
        out.stdout
    );
}
