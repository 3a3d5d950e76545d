//! Query options: decoding, every option's rules, the rendered text of every error, and `apply`.

mod common;

use odata_filter::query::{ErrorKind, Query, QueryOptions};
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::syntax::Parser;
use odata_filter::Error;
use serde_json::{json, Value};

fn ma() -> EntitySchema {
    catalog::machine_action()
}

fn parse(schema: &EntitySchema, raw: &str) -> (Query, Vec<(String, String)>) {
    QueryOptions::new()
        .parse(schema, raw)
        .unwrap_or_else(|e| panic!("{raw}\n{e}"))
}

fn q(raw: &str) -> Query {
    parse(&ma(), raw).0
}

fn err(raw: &str) -> Error {
    match QueryOptions::new().parse(&ma(), raw) {
        Ok((q, _)) => panic!("{raw} parsed as {q:?}"),
        Err(e) => e,
    }
}

/// The query error's kind, for queries that fail outside `$filter`.
fn kind(raw: &str) -> ErrorKind {
    match err(raw) {
        Error::Query(e) => e.kind().clone(),
        e => panic!("{raw}: not a query error:\n{e}"),
    }
}

/// The first three records of data/machineactions.ndjson: the three
/// MachineActions of Defender's list example (get-machineactions-collection.md).
fn seed_records() -> Vec<Value> {
    include_str!("../data/machineactions.ndjson")
        .lines()
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["id"].as_str().unwrap()).collect()
}

// ---- the documented Defender queries --------------------------------------------------------

#[test]
fn every_defender_query_parses_and_checks_against_its_entity() {
    let queries = common::defender_queries();
    assert_eq!(queries.len(), 23);
    for (entity, raw) in queries {
        let schema = catalog::by_name(&entity).unwrap_or_else(|| panic!("no entity {entity}"));
        let (query, rest) = parse(&schema, &raw);
        assert!(rest.is_empty(), "{raw}: {rest:?}");
        // The canonical query string reads back to the same query.
        let (again, _) = parse(&schema, &query.to_query_string());
        assert_eq!(again, query, "{raw}");
    }
}

#[test]
fn documented_quirks() {
    // `+` as an encoded space, and the trailing space of DD example 4.
    let m = catalog::machine();
    let (query, _) = parse(&m, "$filter=healthStatus+ne+'Active'&$top=100 ");
    assert_eq!(query.top, Some(100));
    assert_eq!(
        query.filter.unwrap().to_string(),
        "healthStatus ne 'Active'"
    );
    // "10 latest Alerts with related Evidence".
    let (query, _) = parse(&catalog::alert(), "$top=10&$expand=evidence");
    assert_eq!(query.top, Some(10));
    assert_eq!(query.expand, ["evidence"]);
}

#[test]
fn the_seed_example_returns_the_two_latest_actions() {
    let raw = "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2\
               &$orderby=creationDateTimeUtc desc";
    let schema = ma();
    let applied = q(raw).apply(&schema, seed_records());
    assert_eq!(
        ids(&applied.records),
        [
            "69dc3630-1ccc-4342-acf3-35286eec741d",
            "2e9da30d-27f6-4208-81f2-9cd3d67893ba"
        ]
    );
    assert_eq!(applied.count, None);
    // Without $orderby the schema's default order (creationDateTimeUtc desc)
    // gives the same answer, as Defender's example does.
    let raw = "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2";
    let mut records = seed_records();
    records.reverse();
    let applied = q(raw).apply(&schema, records);
    assert_eq!(
        ids(&applied.records),
        [
            "69dc3630-1ccc-4342-acf3-35286eec741d",
            "2e9da30d-27f6-4208-81f2-9cd3d67893ba"
        ]
    );
}

// ---- parsing ------------------------------------------------------------------------------

#[test]
fn option_names_are_case_insensitive_and_other_parameters_are_returned() {
    let (query, rest) = parse(
        &ma(),
        "?api-version=1.0&$FILTER=status%20eq%20%27Succeeded%27&$Top=5&flag&%24skip=2&x=a+b%26c",
    );
    assert_eq!(query.top, Some(5));
    assert_eq!(query.skip, 2);
    assert_eq!(query.filter.unwrap().to_string(), "status eq 'Succeeded'");
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        rest,
        pairs(&[("api-version", "1.0"), ("flag", ""), ("x", "a b&c")])
    );
}

#[test]
fn empty_query_and_empty_segments() {
    assert_eq!(q(""), Query::default());
    assert_eq!(
        q("&&$top=1&"),
        Query {
            top: Some(1),
            ..Query::default()
        }
    );
}

#[test]
fn orderby_select_count_expand() {
    let query = q("$orderby=creationDateTimeUtc DESC, ID asc,status&$select=status,id&$count=TRUE");
    let keys: Vec<(String, bool)> = query
        .order_by
        .iter()
        .map(|k| (k.field.display_path(), k.descending))
        .collect();
    assert_eq!(
        keys,
        [
            ("creationDateTimeUtc".to_owned(), true),
            ("id".to_owned(), false),
            ("status".to_owned(), false)
        ]
    );
    let names: Vec<&str> = query
        .select
        .as_ref()
        .unwrap()
        .iter()
        .map(|f| f.name())
        .collect();
    assert_eq!(names, ["status", "id"]);
    assert!(query.count);
    assert!(!q("$count=false").count);
    assert_eq!(q("$select=*").select, None);
    assert_eq!(
        q("$expand=RelatedFileInfo,commands").expand,
        ["relatedFileInfo", "commands"]
    );
    // `lastUpdateTimeUtc` is an alias; canonical names come back.
    assert_eq!(
        q("$orderby=lastUpdateTimeUtc").canonical_options(),
        [("$orderby", "lastUpdateDateTimeUtc".to_owned())]
    );
}

#[test]
fn canonical_options_and_query_string() {
    let query = q(
        "$count=true&$top=5&$skip=1&$select=id&$orderby=id desc,status\
                   &$filter=status eq 'Succeeded' and requestor eq 'a%26b'",
    );
    assert_eq!(
        query.canonical_options(),
        [
            (
                "$filter",
                "status eq 'Succeeded' and requestor eq 'a&b'".to_owned()
            ),
            ("$select", "id".to_owned()),
            ("$orderby", "id desc,status".to_owned()),
            ("$skip", "1".to_owned()),
            ("$top", "5".to_owned()),
            ("$count", "true".to_owned()),
        ]
    );
    let text = query.to_query_string();
    assert_eq!(
        text,
        "$filter=status%20eq%20'Succeeded'%20and%20requestor%20eq%20'a%26b'&$select=id\
         &$orderby=id%20desc,status&$skip=1&$top=5&$count=true"
    );
    assert_eq!(q(&text), query);
}

#[test]
fn max_top_and_parser_limits_are_configurable() {
    let schema = ma();
    let small = QueryOptions::new().max_top(2);
    assert!(small.parse(&schema, "$top=2").is_ok());
    let e = small.parse(&schema, "$top=3").unwrap_err();
    assert!(matches!(&e, Error::Query(e) if *e.kind() == ErrorKind::TopTooLarge { max: 2 }));
    assert_eq!(q("$top=10000").top, Some(10000));
    assert_eq!(q("$top=0").top, Some(0));

    let tight = QueryOptions::new().parser(Parser::builder().max_len(10).build());
    let e = tight
        .parse(&schema, "$filter=status eq 'Succeeded'")
        .unwrap_err();
    assert!(matches!(e, Error::Syntax(_)), "{e}");
}

#[test]
fn numbers_tolerate_surrounding_white_space() {
    assert_eq!(q("$top=+7+").top, Some(7));
    assert_eq!(q("$skip=%2012%20").skip, 12);
    assert_eq!(q("$skip=9223372036854775807").skip, i64::MAX as u64);
    assert!(matches!(
        kind("$skip=9223372036854775808"),
        ErrorKind::InvalidSkip { .. }
    ));
    assert!(matches!(
        kind("$top=99999999999999999999999"),
        ErrorKind::TopTooLarge { .. }
    ));
    assert!(matches!(kind("$top=1.0"), ErrorKind::InvalidTop { .. }));
    assert!(matches!(kind("$top=%2B1"), ErrorKind::InvalidTop { .. }));
    assert!(matches!(
        kind("$top=+"),
        ErrorKind::EmptyValue { name: "$top" }
    ));
}

#[test]
fn filter_errors_are_syntax_or_check_errors_in_the_decoded_filter() {
    let e = err("$top=1&$filter=status+eq");
    let Error::Syntax(s) = &e else { panic!("{e}") };
    assert_eq!(s.input(), "status eq");
    assert_eq!(s.span().start, 9);
    assert_eq!(
        e.to_string(),
        "\
error: expected a value, found end of input
  |
1 | status eq
  |          ^
  = in $filter
"
    );

    let e = err("$filter=requestorComment+eq+%27x%27");
    assert!(matches!(e, Error::Check(_)));
    assert_eq!(
        e.to_string(),
        "\
error: field 'requestorComment' of MachineAction cannot be used in $filter
  |
1 | requestorComment eq 'x'
  | ^^^^^^^^^^^^^^^^
  = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc
  = in $filter
"
    );
}

#[test]
fn odata_error_body() {
    let e = err("$stop=10");
    assert_eq!(
        e.to_odata_json("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"),
        json!({
            "error": {
                "code": "ODataError",
                "message": "\
error: unknown query option '$stop'; did you mean '$top'?
  |
1 | $stop=10
  | ^^^^^
  = supported options: $filter, $top, $skip, $orderby, $select, $count, $expand",
                "target": "43f4cb08-8fac-4b65-9db1-745c2ae65f3a"
            }
        })
    );
    let body = err("$filter=status eq 'Done'").to_odata_json("t");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("error: 'Done' is not a member of Defender.MachineActionStatus"));
    assert!(message.ends_with("= in $filter"), "{message}");
    assert_eq!(body["error"].as_object().unwrap().len(), 3);
}

// ---- the rendered text of every query error kind -------------------------------------------

#[track_caller]
fn renders(raw: &str, expected: &str) {
    let e = err(raw);
    assert!(matches!(e, Error::Query(_)), "{e}");
    assert_eq!(e.to_string(), expected, "\n{e}");
    assert_eq!(format!("{e:?}"), expected);
}

#[test]
fn unknown_option() {
    renders(
        "$top=5&$stop=10",
        "\
error: unknown query option '$stop'; did you mean '$top'?
  |
1 | $top=5&$stop=10
  |        ^^^^^
  = supported options: $filter, $top, $skip, $orderby, $select, $count, $expand
",
    );
    renders(
        "$search=x",
        "\
error: unknown query option '$search'
  |
1 | $search=x
  | ^^^^^^^
  = supported options: $filter, $top, $skip, $orderby, $select, $count, $expand
",
    );
    // An encoded `$` is still an option.
    assert!(matches!(
        kind("%24stop=1"),
        ErrorKind::UnknownOption {
            suggestion: Some("$top"),
            ..
        }
    ));
}

#[test]
fn repeated_option() {
    renders(
        "$top=1&$skip=1&$TOP=2",
        "\
error: query option '$top' is given more than once
  |
1 | $top=1&$skip=1&$TOP=2
  | ----           ^^^^
  | |
  | first given here
",
    );
    assert!(matches!(
        kind("$filter=status eq 'Failed'&$filter=status eq 'Failed'"),
        ErrorKind::RepeatedOption {
            name: "$filter",
            ..
        }
    ));
}

#[test]
fn invalid_escape() {
    renders(
        "$filter=id eq %zz",
        "\
error: invalid percent-encoding: '%' must be followed by two hexadecimal digits
  |
1 | $filter=id eq %zz
  |               ^^^
",
    );
    renders(
        "$top=5%2",
        "\
error: invalid percent-encoding: '%' must be followed by two hexadecimal digits
  |
1 | $top=5%2
  |       ^^
",
    );
}

#[test]
fn invalid_utf8() {
    renders(
        "$filter=requestor eq '%ff'",
        "\
error: percent-encoded bytes are not valid UTF-8
  |
1 | $filter=requestor eq '%ff'
  |                       ^^^
",
    );
    // A valid sequence decodes.
    assert_eq!(
        q("$filter=requestor eq '%C3%A9'")
            .filter
            .unwrap()
            .to_string(),
        "requestor eq 'é'"
    );
}

#[test]
fn empty_value() {
    renders(
        "$filter=&$top=1",
        "\
error: query option '$filter' has no value
  |
1 | $filter=&$top=1
  |         ^
",
    );
    renders(
        "$count",
        "\
error: query option '$count' has no value
  |
1 | $count
  |       ^
",
    );
    renders(
        "$orderby=++",
        "\
error: query option '$orderby' has no value
  |
1 | $orderby=++
  |          ^^
",
    );
}

#[test]
fn invalid_top() {
    renders(
        "$top=-1",
        "\
error: invalid $top value '-1': expected a non-negative integer
  |
1 | $top=-1
  |      ^^
  = $top takes an integer from 0 to 10000
",
    );
    renders(
        "$top=ten",
        "\
error: invalid $top value 'ten': expected a non-negative integer
  |
1 | $top=ten
  |      ^^^
  = $top takes an integer from 0 to 10000
",
    );
}

#[test]
fn top_too_large() {
    renders(
        "$top=10001",
        "\
error: $top is larger than the maximum page size of 10000
  |
1 | $top=10001
  |      ^^^^^
  = $top takes an integer from 0 to 10000
",
    );
}

#[test]
fn invalid_skip() {
    renders(
        "$skip=-5",
        "\
error: invalid $skip value '-5': expected a non-negative integer
  |
1 | $skip=-5
  |       ^^
  = $skip takes an integer from 0 to 9223372036854775807
",
    );
}

#[test]
fn invalid_count() {
    renders(
        "$count=yes",
        "\
error: invalid $count value 'yes': expected 'true' or 'false'
  |
1 | $count=yes
  |        ^^^
",
    );
}

#[test]
fn invalid_orderby() {
    renders(
        "$orderby=creationDateTimeUtc+descending",
        "\
error: invalid $orderby: expected 'asc' or 'desc', found 'descending'
  |
1 | $orderby=creationDateTimeUtc+descending
  |                              ^^^^^^^^^^
",
    );
    renders(
        "$orderby=id%20desc%20status",
        "\
error: invalid $orderby: expected ',' or the end of $orderby, found 'status'
  |
1 | $orderby=id%20desc%20status
  |                      ^^^^^^
",
    );
}

#[test]
fn not_sortable() {
    renders(
        "$orderby=requestorComment desc",
        "\
error: field 'requestorComment' of MachineAction cannot be used in $orderby
  |
1 | $orderby=requestorComment desc
  |          ^^^^^^^^^^^^^^^^
  = sortable fields: id, type, requestor, status, machineId, creationDateTimeUtc, lastUpdateDateTimeUtc
",
    );
}

#[test]
fn unknown_orderby() {
    renders(
        "$orderby=id,creationDateTime desc",
        "\
error: unknown field 'creationDateTime' on MachineAction in $orderby; did you mean 'creationDateTimeUtc'?
  |
1 | $orderby=id,creationDateTime desc
  |             ^^^^^^^^^^^^^^^^
  = sortable fields: id, type, requestor, status, machineId, creationDateTimeUtc, lastUpdateDateTimeUtc
",
    );
    // Paths are keys (issue 14), but relatedFileInfo's members are not sortable.
    assert!(matches!(
        kind("$orderby=relatedFileInfo/fileIdentifier"),
        ErrorKind::NotSortable { .. }
    ));
    assert!(matches!(
        kind("$orderby=relatedFileInfo/fileIdentifer"),
        ErrorKind::UnknownOrderBy { .. }
    ));
}

#[test]
fn unknown_select() {
    renders(
        "$select=id,stauts",
        "\
error: unknown field 'stauts' on MachineAction in $select; did you mean 'status'?
  |
1 | $select=id,stauts
  |            ^^^^^^
  = fields: id, type, scope, requestor, externalId, requestSource, commands, cancellationRequestor, requestorComment, cancellationComment, status, machineId, computerDnsName, creationDateTimeUtc, cancellationDateTimeUtc, lastUpdateDateTimeUtc, title, relatedFileInfo
",
    );
}

#[test]
fn invalid_expand() {
    renders(
        "$expand=evidence",
        "\
error: cannot expand 'evidence' on MachineAction
  |
1 | $expand=evidence
  |         ^^^^^^^^
  = expandable fields: commands, relatedFileInfo
",
    );
    let inv = catalog::investigation();
    let e = QueryOptions::new()
        .parse(&inv, "$expand=state")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "\
error: cannot expand 'state' on Investigation
  |
1 | $expand=state
  |         ^^^^^
  = expandable fields: none
"
    );
    assert!(matches!(
        kind("$expand=status"),
        ErrorKind::InvalidExpand { .. }
    ));
}

#[test]
fn empty_item() {
    renders(
        "$select=id,,status",
        "\
error: empty item in $select
  |
1 | $select=id,,status
  |            ^
",
    );
    renders(
        "$orderby=id,",
        "\
error: empty item in $orderby
  |
1 | $orderby=id,
  |             ^
",
    );
}

#[test]
fn duplicate_item() {
    renders(
        "$orderby=id,status desc,ID desc",
        "\
error: 'id' appears more than once in $orderby
  |
1 | $orderby=id,status desc,ID desc
  |                         ^^
",
    );
    assert!(matches!(
        kind("$select=lastUpdateTimeUtc,lastUpdateDateTimeUtc"),
        ErrorKind::DuplicateItem {
            option: "$select",
            ..
        }
    ));
}

// ---- apply ----------------------------------------------------------------------------------

fn rec(id: &str, created: Value, status: &str) -> Value {
    json!({"id": id, "creationDateTimeUtc": created, "status": status, "requestor": "r"})
}

const A: &str = "00000000-0000-0000-0000-00000000000a";
const B: &str = "00000000-0000-0000-0000-00000000000b";
const C: &str = "00000000-0000-0000-0000-00000000000c";
const D: &str = "00000000-0000-0000-0000-00000000000d";

#[test]
fn null_sorts_first_ascending_and_last_descending() {
    let records = || {
        vec![
            rec(B, json!("2020-01-02T00:00:00Z"), "Failed"),
            rec(A, json!(null), "Failed"),
            rec(C, json!("2020-01-01T00:00:00Z"), "Failed"),
            // Missing and ill-typed values are null too.
            json!({"id": D, "status": "Failed", "creationDateTimeUtc": "yesterday"}),
        ]
    };
    let schema = ma();
    let asc = q("$orderby=creationDateTimeUtc").apply(&schema, records());
    assert_eq!(ids(&asc.records), [A, D, C, B]);
    let desc = q("$orderby=creationDateTimeUtc desc").apply(&schema, records());
    assert_eq!(ids(&desc.records), [B, C, A, D]);
}

#[test]
fn ties_break_by_key_then_input_order() {
    let t = json!("2020-01-01T00:00:00Z");
    let records = vec![
        rec(C, t.clone(), "Failed"),
        rec(A, t.clone(), "Failed"),
        rec(B, t.clone(), "Failed"),
        rec(A, t.clone(), "Pending"),
    ];
    let applied = q("$orderby=creationDateTimeUtc desc").apply(&ma(), records);
    assert_eq!(ids(&applied.records), [A, A, B, C]);
    // The two A records keep their input order.
    assert_eq!(applied.records[0]["status"], "Failed");
    assert_eq!(applied.records[1]["status"], "Pending");
}

#[test]
fn orderby_keys_in_turn() {
    let records = vec![
        rec(A, json!("2020-01-01T00:00:00Z"), "Failed"),
        rec(B, json!("2020-01-02T00:00:00Z"), "Failed"),
        rec(C, json!("2020-01-03T00:00:00Z"), "Cancelled"),
    ];
    let applied = q("$orderby=status,creationDateTimeUtc desc").apply(&ma(), records);
    assert_eq!(ids(&applied.records), [C, B, A]);
}

#[test]
fn skip_top_select_and_count() {
    let schema = ma();
    let applied = q("$filter=status eq 'Succeeded'&$skip=1&$top=1&$count=true\
                     &$select=lastUpdateDateTimeUtc,id,relatedFileInfo")
    .apply(&schema, seed_records());
    assert_eq!(applied.count, Some(3));
    // Default order is creationDateTimeUtc desc: 69dc, 2e9d, 44cf; skip 1, take 1.
    // The record's own key (lastUpdateTimeUtc) is kept.
    assert_eq!(
        applied.records[0],
        serde_json::json!({"lastUpdateTimeUtc":"2018-12-04T12:18:57.5511934Z","id":"2e9da30d-27f6-4208-81f2-9cd3d67893ba","relatedFileInfo":null})
    );
    assert_eq!(applied.records.len(), 1);
    // In $select order (which a Map with serde_json's preserve_order keeps).
    let query = q("$select=lastUpdateDateTimeUtc,id,relatedFileInfo,type");
    let record = &seed_records()[1];
    assert_eq!(
        query.selected_keys(|k| record.get(k).is_some()),
        Some(vec!["lastUpdateTimeUtc", "id", "relatedFileInfo", "type"])
    );
    assert_eq!(q("$top=1").selected_keys(|_| true), None);

    let none = q("$top=0&$count=true").apply(&schema, seed_records());
    assert!(none.records.is_empty());
    assert_eq!(none.count, Some(3));
    let beyond = q("$skip=9223372036854775807").apply(&schema, seed_records());
    assert!(beyond.records.is_empty());
}

#[test]
fn from_filter() {
    let schema = ma();
    let query = Query::from_filter(&schema, "TYPE eq 'Isolate'").unwrap();
    assert_eq!(
        query.filter.as_ref().unwrap().to_string(),
        "type eq 'Isolate'"
    );
    assert_eq!(query.top, None);
    let records: Vec<Value> = include_str!("../data/machineactions.ndjson")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let applied = query.apply(&schema, records);
    assert!(!applied.records.is_empty());
    assert!(applied.records.iter().all(|r| r["type"] == "Isolate"));
    let e = Query::from_filter(&schema, "type eq 'Isolat'").unwrap_err();
    assert!(matches!(e, Error::Check(_)));
}

// ---- never panics; canonical text round-trips -------------------------------------------------

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Query-string-ish text: option names, separators, escapes (good and bad), words.
    fn raw_query() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("$filter=".to_owned()),
            Just("$top=".to_owned()),
            Just("$skip=".to_owned()),
            Just("$orderby=".to_owned()),
            Just("$select=".to_owned()),
            Just("$count=".to_owned()),
            Just("$expand=".to_owned()),
            Just("$stop=".to_owned()),
            Just("&".to_owned()),
            Just("=".to_owned()),
            Just(",".to_owned()),
            Just("+".to_owned()),
            Just("%".to_owned()),
            Just("%27".to_owned()),
            Just("%ff".to_owned()),
            Just("%C3%A9".to_owned()),
            Just("status eq 'Failed'".to_owned()),
            Just("id desc".to_owned()),
            Just("creationDateTimeUtc".to_owned()),
            Just("é".to_owned()),
            "[0-9]{1,21}",
            "[a-zA-Z$ ]{0,6}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_canonical_text_round_trips(raw in raw_query()) {
            let schema = ma();
            let opts = QueryOptions::new();
            match opts.parse(&schema, &raw) {
                Ok((query, _)) => {
                    let text = query.to_query_string();
                    let (again, rest) = opts.parse(&schema, &text).unwrap();
                    prop_assert_eq!(again, query);
                    prop_assert!(rest.is_empty());
                }
                Err(e) => {
                    let shown = e.to_string();
                    prop_assert!(shown.starts_with("error: "));
                    prop_assert!(shown.contains('^'));
                }
            }
        }
    }
}

/// The pager (sorting and cutting while records stream in) gives the page that sorting every
/// record and then skipping and taking gives: same records, same order, ties in input order.
mod pager {
    use super::*;
    use odata_filter::schema::{Field, FieldType};
    use proptest::prelude::*;

    fn schema() -> EntitySchema {
        EntitySchema::builder("Row", "rows")
            .field(
                Field::new("id", FieldType::Int64)
                    .filterable(true)
                    .sortable(true),
            )
            .field(
                Field::new("g", FieldType::Int32)
                    .nullable(true)
                    .filterable(true)
                    .sortable(true),
            )
            .field(
                Field::new("s", FieldType::String)
                    .nullable(true)
                    .sortable(true),
            )
            .key("id")
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn paging_while_streaming_is_sorting_then_paging(
            rows in prop::collection::vec((0..4i64, prop::option::of(0..5i32), prop::option::of("[ab]{0,2}")), 0..3_000),
            order in prop::sample::select(vec!["", "$orderby=g", "$orderby=g desc", "$orderby=s,g desc", "$orderby=id desc"]),
            skip in prop::option::of(0..40u32),
            top in prop::option::of(0..40u32),
        ) {
            let schema = schema();
            // Ids repeat, so the key tie-break leaves ties for input order to settle.
            let records: Vec<Value> = rows
                .iter()
                .enumerate()
                .map(|(i, (id, g, s))| json!({ "id": id, "g": g, "s": s, "n": i }))
                .collect();
            let mut options: Vec<String> = Vec::new();
            if !order.is_empty() { options.push(order.to_owned()); }
            if let Some(k) = skip { options.push(format!("$skip={k}")); }
            if let Some(t) = top { options.push(format!("$top={t}")); }
            let (query, _) = parse(&schema, &options.join("&"));

            let mut pager = query.pager(&schema, |r: &Value| r);
            for r in records.clone() {
                pager.push(r);
            }
            let paged: Vec<Value> = pager.finish().collect();

            let mut all = records;
            query.sort(&schema, &mut all);
            let expected: Vec<Value> = all
                .into_iter()
                .skip(skip.unwrap_or(0) as usize)
                .take(top.map_or(usize::MAX, |t| t as usize))
                .collect();
            prop_assert_eq!(paged, expected);
        }
    }
}

/// An entity whose structured `owner` has sortable members (`name`) and one that is not
/// (`note`), and a structured member of its own (`address/city`).
fn owned() -> EntitySchema {
    use odata_filter::schema::{ComplexType, Field, FieldType};
    let address = ComplexType::new("T.Address").field(
        Field::new("city", FieldType::String)
            .nullable(true)
            .filterable(true)
            .sortable(true),
    );
    let owner = ComplexType::new("T.Owner")
        .field(
            Field::new("name", FieldType::String)
                .nullable(true)
                .filterable(true)
                .sortable(true),
        )
        .field(Field::new("note", FieldType::String).nullable(true))
        .field(Field::new("address", address).nullable(true));
    EntitySchema::builder("Thing", "Things")
        .field(
            Field::new("id", FieldType::Int64)
                .filterable(true)
                .sortable(true),
        )
        .field(Field::new("owner", owner).nullable(true))
        .key("id")
        .build()
        .unwrap()
}

#[test]
fn orderby_a_member_of_a_structured_field() {
    let schema = owned();
    let (query, _) = parse(&schema, "$orderby=owner/name desc,owner/address/city");
    let paths: Vec<String> = query
        .order_by
        .iter()
        .map(|k| format!("{} {}", k.field.display_path(), k.descending))
        .collect();
    assert_eq!(paths, ["owner/name true", "owner/address/city false"]);
    assert_eq!(
        query.canonical_options(),
        [("$orderby", "owner/name desc,owner/address/city".to_owned())]
    );
}

#[test]
fn orderby_member_errors_are_positioned() {
    let schema = owned();
    let fails = |raw: &str| match QueryOptions::new().parse(&schema, raw) {
        Ok((q, _)) => panic!("{raw} parsed as {q:?}"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        fails("$orderby=owner/note"),
        "\
error: field 'note' of owner cannot be used in $orderby
  |
1 | $orderby=owner/note
  |                ^^^^
  = sortable fields: name, address
"
    );
    assert_eq!(
        fails("$orderby=owner/nam desc"),
        "\
error: unknown field 'nam' on owner in $orderby; did you mean 'name'?
  |
1 | $orderby=owner/nam desc
  |                ^^^
  = sortable fields: name, address
"
    );
    // A structured value itself has no order; a scalar has no members.
    assert!(fails("$orderby=owner/address").contains("field 'address' of owner cannot be used"));
    assert!(fails("$orderby=owner").contains("field 'owner' of Thing cannot be used"));
    assert!(fails("$orderby=id/x").contains("'id', which has no members"));
    assert!(fails("$orderby=owner/name,owner/name desc").contains("owner/name"));
    // MachineAction's relatedFileInfo members are not sortable in its schema.
    let e = err("$orderby=relatedFileInfo/fileIdentifier").to_string();
    assert!(
        e.contains("field 'fileIdentifier' of relatedFileInfo cannot be used in $orderby"),
        "{e}"
    );
}

#[test]
fn orderby_a_member_sorts_missing_parents_as_null() {
    let schema = owned();
    let records = || {
        vec![
            json!({"id": 1, "owner": {"name": "b"}}),
            json!({"id": 2}),
            json!({"id": 3, "owner": {"name": "a"}}),
            json!({"id": 4, "owner": null}),
            json!({"id": 5, "owner": {"name": null}}),
            json!({"id": 6, "owner": {"name": "c"}}),
        ]
    };
    let ids = |raw: &str| {
        let (query, _) = parse(&schema, raw);
        let mut all = records();
        query.sort(&schema, &mut all);
        all.iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    // Null (a missing or null owner, or a null name) first ascending, last descending;
    // ties broken by the key.
    assert_eq!(ids("$orderby=owner/name"), [2, 4, 5, 3, 1, 6]);
    assert_eq!(ids("$orderby=owner/name desc"), [6, 1, 3, 2, 4, 5]);
}

// ---- parameter aliases ----------------------------------------------------------------------

fn filter_text(raw: &str) -> String {
    q(raw).filter.expect("a filter").to_string()
}

#[test]
fn an_alias_is_replaced_by_its_value() {
    assert_eq!(
        filter_text("$filter=status eq @s&@s='Pending'"),
        "status eq 'Pending'"
    );
    // The alias may come first, and its value is percent-decoded like any parameter.
    assert_eq!(
        filter_text("@s=%27Pending%27&$filter=status+eq+@s"),
        "status eq 'Pending'"
    );
    // Used twice.
    assert_eq!(
        filter_text("$filter=requestor eq @r or startswith(requestor, @r)&@r='Analyst'"),
        q("$filter=requestor eq 'Analyst' or startswith(requestor, 'Analyst')")
            .filter
            .unwrap()
            .to_string()
    );
    // Aliases nobody uses are ignored, even with values that would not parse; they are handed
    // back with the other parameters, for a caller whose path uses them.
    let (query, rest) = parse(
        &ma(),
        "$filter=status eq @s&@s='Pending'&@unused=(((&api-version=1",
    );
    assert_eq!(query.filter.unwrap().to_string(), "status eq 'Pending'");
    let names: Vec<&str> = rest.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["@s", "@unused", "api-version"]);
}

#[test]
fn an_alias_without_a_value_is_null() {
    // OData Protocol, Parameter Aliases: "If a parameter alias is not given a value in the
    // query part of the request URL, the value MUST be assumed to be null."
    let machine = catalog::machine();
    let filter = |raw: &str| parse(&machine, raw).0.filter.unwrap().to_string();
    assert_eq!(
        filter("$filter=computerDnsName eq @r"),
        "computerDnsName eq null"
    );
    assert_eq!(
        filter("$filter=computerDnsName eq @r&@other=1"),
        "computerDnsName eq null"
    );
    let records = vec![
        json!({"id": "1", "computerDnsName": null}),
        json!({"id": "2", "computerDnsName": "x"}),
    ];
    let (query, _) = parse(&machine, "$filter=computerDnsName eq @nobody");
    assert_eq!(ids(&query.apply(&machine, records).records), ["1"]);
    // The checker's null rules apply to it: `requestor` is never null.
    let text = err("$filter=requestor eq @r").to_string();
    assert!(
        text.contains("= parameter alias @r is not given a value, so it is null"),
        "{text}"
    );
    // And it prints back as null.
    let (query, _) = parse(&machine, "$filter=computerDnsName ne @r&$top=1");
    assert_eq!(
        query.to_query_string(),
        "$filter=computerDnsName%20ne%20null&$top=1"
    );
}

#[test]
fn alias_values_of_every_literal_kind() {
    assert_eq!(
        filter_text("$filter=status in (@a, 'Failed', @b)&@a='Pending'&@b='Succeeded'"),
        "status in ('Pending', 'Failed', 'Succeeded')"
    );
    assert_eq!(
        filter_text("$filter=id eq @g&@g=2e9da30d-27f6-4208-81f2-9cd3d67893ba"),
        "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba"
    );
    assert_eq!(
        filter_text("$filter=creationDateTimeUtc gt @d&@d=2018-08-01Z"),
        q("$filter=creationDateTimeUtc gt 2018-08-01Z")
            .filter
            .unwrap()
            .to_string()
    );
    assert_eq!(
        filter_text("$filter=creationDateTimeUtc lt @t&@t=2018-12-04T12:43:57.2011911%2B02:00"),
        q("$filter=creationDateTimeUtc lt 2018-12-04T12:43:57.2011911%2B02:00")
            .filter
            .unwrap()
            .to_string()
    );
    assert_eq!(
        filter_text("$filter=status eq @e&@e=Defender.MachineActionStatus'Pending'"),
        q("$filter=status eq Defender.MachineActionStatus'Pending'")
            .filter
            .unwrap()
            .to_string()
    );
    // The alias is a value, like the literal it stands for: an applied query agrees.
    let by_alias = q("$filter=status eq @s&@s='Succeeded'").apply(&ma(), seed_records());
    let inline = q("$filter=status eq 'Succeeded'").apply(&ma(), seed_records());
    assert_eq!(by_alias.records, inline.records);
    assert_eq!(by_alias.records.len(), 3);
}

#[test]
fn a_query_with_aliases_prints_back_to_an_equal_query() {
    let raw = "$filter=status in (@a, @b) and requestor ne @a&@a='Pending'&@b='Succeeded'&$top=3";
    let query = q(raw);
    let text = query.to_query_string();
    assert!(!text.contains('@'), "{text}");
    assert_eq!(q(&text), query);
    let lines = query.canonical_lines().join("&");
    assert_eq!(q(&lines), query);
    assert_eq!(
        query.canonical_options()[0],
        (
            "$filter",
            "status in ('Pending', 'Succeeded') and requestor ne 'Pending'".to_owned()
        )
    );
    // A next-page link keeps the client's own text, aliases included.
    let next = odata_filter::query::with_paging(raw, 3, Some(3));
    assert_eq!(q(&next).filter, query.filter);
}

#[test]
fn an_alias_value_that_does_not_parse_is_positioned_in_the_value() {
    let raw = "$filter=status eq @s&@s='Pending";
    let Error::Query(e) = err(raw) else {
        panic!("not a query error")
    };
    assert!(
        matches!(e.kind(), ErrorKind::InvalidAliasValue { name, .. } if name == "s"),
        "{e}"
    );
    // The end of the unclosed string: the end of the value.
    assert_eq!((e.span().start, e.span().end), (raw.len(), raw.len()));
    assert_eq!(
        e.to_string(),
        "error: invalid value of parameter alias '@s': unclosed string literal: expected ', found end of input\n  |\n1 | $filter=status eq @s&@s='Pending\n  |                                 ^\n"
    );
    // Inside the value, through percent-encoding.
    let raw = "$filter=status eq @s&@s=%27a%27+eq+eq&$top=1";
    let Error::Query(e) = err(raw) else {
        panic!("not a query error")
    };
    assert_eq!(&raw[e.span().start..e.span().end], "eq", "{e}");
    assert_eq!(e.span().start, raw.find("+eq&").unwrap() + 1);
    // An empty value, and JSON values.
    assert!(matches!(
        kind("$filter=status eq @s&@s="),
        ErrorKind::InvalidAliasValue { .. }
    ));
    let raw = "$filter=status eq @s&@s=[%22a%22]";
    match kind(raw) {
        ErrorKind::JsonAliasValue { name } => assert_eq!(name, "s"),
        k => panic!("{k:?}"),
    }
    // A value that refers to another alias.
    assert_eq!(
        kind("$filter=status eq @s&@s=@t&@t='Pending'"),
        ErrorKind::NestedAlias {
            name: "s".into(),
            inner: "t".into()
        }
    );
}

#[test]
fn a_type_error_in_an_alias_value_names_the_alias() {
    let raw = "$filter=status eq @s&@s=42";
    let Error::Check(errors) = err(raw) else {
        panic!("not a check error")
    };
    let first = errors.first();
    assert_eq!(
        first.notes(),
        ["parameter alias @s is 42".to_owned()],
        "{errors}"
    );
    let text = err(raw).to_string();
    assert!(text.contains("status eq @s"), "{text}");
    assert!(text.contains("= parameter alias @s is 42"), "{text}");
    // A GUID field and a string value: the error points at the reference.
    let raw = "$filter=requestor eq 'x' or id eq @g&@g='nope'";
    let Error::Check(errors) = err(raw) else {
        panic!("not a check error")
    };
    let filter = "requestor eq 'x' or id eq @g";
    let span = errors.first().span();
    assert!(filter[span.start..span.end].contains("@g"), "{errors}");
    assert_eq!(errors.first().notes(), ["parameter alias @g is 'nope'"]);
}

#[test]
fn alias_definitions_must_be_unique_identifiers() {
    let raw = "$filter=status eq @p&@p='Pending'&@p='Failed'";
    let Error::Query(e) = err(raw) else {
        panic!("not a query error")
    };
    let second = raw.rfind("@p=").unwrap();
    assert_eq!((e.span().start, e.span().end), (second, second + 2), "{e}");
    assert!(
        matches!(e.kind(), ErrorKind::RepeatedAlias { name, first } if name == "p" && first.start == raw.find("@p=").unwrap()),
        "{e}"
    );
    assert!(e.to_string().contains("first given here"), "{e}");
    // Even when nobody uses it.
    assert!(matches!(kind("@p=1&@p=2"), ErrorKind::RepeatedAlias { .. }));
    // Names are case-sensitive: these are two aliases.
    assert_eq!(
        filter_text("$filter=status eq @p or status eq @P&@p='Pending'&@P='Failed'"),
        "status eq 'Pending' or status eq 'Failed'"
    );
    for raw in ["@1=x", "@=x", "@a-b=1", "%40a.b=1"] {
        assert!(
            matches!(kind(raw), ErrorKind::InvalidAliasName { .. }),
            "{raw}"
        );
    }
    // In the filter, an `@` needs a name.
    assert!(matches!(
        err("$filter=status eq @1"),
        Error::Syntax(e) if *e.kind() == odata_filter::syntax::ErrorKind::InvalidAlias
    ));
}

#[test]
fn alias_values_count_against_the_limits_once_per_use() {
    // 60 uses of a value of 3 nodes: 1 + 60 * 2 (eq, path) + 60 - ... over a limit of 200.
    let uses: Vec<&str> = (0..60).map(|_| "requestor eq @v").collect();
    let filter = uses.join(" or ");
    let opts = QueryOptions::new().parser(Parser::builder().max_nodes(200).build());
    let small = format!("$filter={filter}&@v='x'");
    assert!(opts.parse(&ma(), &small).is_ok());
    let big = format!("$filter={filter}&@v=concat(concat('a','b'),'c')");
    match opts.parse(&ma(), &big) {
        Err(Error::Syntax(e)) => {
            assert_eq!(
                *e.kind(),
                odata_filter::syntax::ErrorKind::TooManyNodes { limit: 200 }
            );
            assert_eq!(&e.input()[e.span().start..e.span().end], "@v");
            assert_eq!(
                e.note(),
                Some("parameter alias @v is concat(concat('a','b'),'c')")
            );
        }
        other => panic!("{other:?}"),
    }
    // Many uses of a large value are refused before the value is copied: the default node
    // limit of 10,000 against 2,000 uses of a 1,000-node value.
    let uses: Vec<&str> = (0..2000).map(|_| "@v").collect();
    let list: Vec<String> = (0..999).map(|i| format!("'{i}'")).collect();
    let big = format!(
        "$filter=requestor in ({})&@v=requestor in ({})",
        uses.join(","),
        list.join(",")
    );
    assert!(matches!(err(&big), Error::Syntax(_)));
    // The length limit counts each use of the value.
    let opts = QueryOptions::new().parser(Parser::builder().max_len(40).build());
    let raw = "$filter=requestor eq @v&@v='0123456789012345678901234567'";
    assert!(matches!(
        opts.parse(&ma(), raw),
        Err(Error::Syntax(e)) if matches!(e.kind(), odata_filter::syntax::ErrorKind::TooLong { .. })
    ));
    // Depth: a deep value under a deep filter.
    let opts = QueryOptions::new().parser(Parser::builder().max_depth(10).build());
    let deep = "not (not (not (requestor eq @v)))";
    let value = "concat(concat(concat(concat(concat(concat('a','b'),'c'),'d'),'e'),'f'),'g')";
    assert!(opts.parse(&ma(), &format!("$filter={deep}&@v='x'")).is_ok());
    assert!(opts
        .parse(&ma(), &format!("$filter=requestor eq @v&@v={value}"))
        .is_ok());
    assert!(matches!(
        opts.parse(&ma(), &format!("$filter={deep}&@v={value}")),
        Err(Error::Syntax(e)) if matches!(e.kind(), odata_filter::syntax::ErrorKind::TooDeep { .. })
    ));
}

#[test]
fn a_bare_filter_with_an_alias_is_refused_by_the_checker() {
    let e = QueryOptions::new()
        .parse_filter(&ma(), "status eq @s")
        .unwrap_err();
    let Error::Check(errors) = e else {
        panic!("not a check error: {e}")
    };
    assert_eq!(
        *errors.first().kind(),
        odata_filter::check::ErrorKind::UnresolvedAlias { name: "s".into() }
    );
    assert_eq!(
        (errors.first().span().start, errors.first().span().end),
        (10, 12)
    );
    let e = QueryOptions::new()
        .parse_filter(&ma(), "status in ('Pending', @s)")
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("parameter alias '@s' has no value here"),
        "{e}"
    );
}

// ---- option names without `$` ---------------------------------------------------------------

#[test]
fn option_names_without_dollar_only_when_allowed() {
    let raw = "filter=status eq 'Pending'&TOP=2&Skip=1&orderby=creationDateTimeUtc desc&select=id&count=true&api-version=1";
    // Off (the default): custom parameters, as before.
    let (query, rest) = parse(&ma(), raw);
    assert_eq!(query, Query::default());
    assert_eq!(rest.len(), 7);
    // On: the options, named in any case.
    let opts = QueryOptions::new().dollar_optional(true);
    let (query, rest) = opts.parse(&ma(), raw).unwrap();
    assert_eq!(
        query,
        q("$filter=status eq 'Pending'&$top=2&$skip=1&$orderby=creationDateTimeUtc desc&$select=id&$count=true")
    );
    assert_eq!(rest, [("api-version".to_owned(), "1".to_owned())]);
    // Both spellings of one option are a repeated option.
    let raw = "filter=status eq 'Pending'&$filter=status eq 'Failed'";
    match opts.parse(&ma(), raw) {
        Err(Error::Query(e)) => {
            assert!(
                matches!(e.kind(), ErrorKind::RepeatedOption { name: "$filter", first } if first.start == 0),
                "{e}"
            );
            assert_eq!(e.span().start, raw.find("$filter").unwrap());
        }
        other => panic!("{other:?}"),
    }
    // Aliases work with the `$`-less names too, and the canonical text has the `$`.
    let (query, _) = opts
        .parse(&ma(), "filter=status eq @s&@s='Pending'&top=1")
        .unwrap();
    assert_eq!(
        query.to_query_string(),
        "$filter=status%20eq%20'Pending'&$top=1"
    );
    // Unknown `$`-less names stay custom parameters.
    let (_, rest) = opts.parse(&ma(), "stop=10").unwrap();
    assert_eq!(rest, [("stop".to_owned(), "10".to_owned())]);
    // Next-page links replace `skip` and `top` in either spelling.
    let next = opts.with_paging("filter=type eq @t&skip=2&Top=5&@t='Isolate'", 7, Some(5));
    assert_eq!(next, "filter=type eq @t&@t='Isolate'&$skip=7&$top=5");
    let (query, _) = opts.parse(&ma(), &next).unwrap();
    assert_eq!((query.skip, query.top), (7, Some(5)));
}
