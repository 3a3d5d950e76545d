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
