//! The checker: whitelists, type rules, and the rendered text of every error kind.

mod common;

use odata_filter::check::{self, ErrorKind};
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::syntax;

/// The canonical text of `filter` ([`common::verified_filter`]: its printed forms check to
/// the same expression).
fn checked(schema: &EntitySchema, filter: &str) -> String {
    common::verified_filter(schema, filter).to_string()
}

fn errors(schema: &EntitySchema, filter: &str) -> check::Errors {
    let tree = syntax::parse(filter).unwrap_or_else(|e| panic!("{e}"));
    match check::check(schema, &tree, filter) {
        Ok(e) => panic!("{filter} checked as {e}"),
        Err(e) => e,
    }
}

fn ma() -> EntitySchema {
    catalog::machine_action()
}

#[test]
fn every_defender_query_checks_against_its_entity() {
    let mut n = 0;
    for (entity, query) in common::defender_queries() {
        let schema = catalog::by_name(&entity).unwrap_or_else(|| panic!("no entity {entity}"));
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            if common::form_decode(name) == "$filter" {
                let filter = common::form_decode(value);
                let text = checked(&schema, &filter);
                // The canonical form checks again, to the same text.
                assert_eq!(checked(&schema, &text), text);
                n += 1;
            }
        }
    }
    assert_eq!(n, 20);
}

#[test]
fn canonical_forms() {
    let s = ma();
    assert_eq!(
        checked(
            &s,
            "MACHINEID EQ 'f46b' and CreationDateTimeUtc gt 2018-08-01Z"
        ),
        "machineId eq 'f46b' and creationDateTimeUtc gt 2018-08-01T00:00:00Z"
    );
    assert_eq!(
        checked(&s, "status in ('Pending')"),
        "status in ('Pending')"
    );
    assert_eq!(
        checked(&s, "creationDateTimeUtc gt 2018-08-01T02:00:00.5+02:00"),
        "creationDateTimeUtc gt 2018-08-01T00:00:00.5Z"
    );
    assert_eq!(
        checked(&s, "id eq '2E9DA30D-27F6-4208-81F2-9CD3D67893BA'"),
        "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba"
    );
    assert_eq!(
        checked(
            &s,
            "startswith(tolower(requestor),'analyst') and not (type eq 'Isolate')"
        ),
        "startswith(tolower(requestor), 'analyst') and not (type eq 'Isolate')"
    );
    let m = catalog::machine();
    assert_eq!(
        checked(
            &m,
            "machineTags/any(tag: tag eq 'ExampleTag') and onboardingstatus eq 'onboarded'"
        ),
        "machineTags/any(tag: tag eq 'ExampleTag') and onboardingStatus eq 'onboarded'"
    );
}

#[test]
fn all_errors_are_reported() {
    let e = errors(
        &ma(),
        "machinId eq 'x' and status eq 'Done' and requestorComment eq 'y'",
    );
    let kinds: Vec<_> = e.errors().iter().map(|e| e.kind().clone()).collect();
    assert_eq!(kinds.len(), 3);
    assert!(matches!(kinds[0], ErrorKind::UnknownField { .. }));
    assert!(matches!(kinds[1], ErrorKind::UnknownEnumMember { .. }));
    assert!(matches!(kinds[2], ErrorKind::NotFilterable { .. }));
}

/// Pins the full rendered text of the first error for `filter`.
fn renders(schema: &EntitySchema, filter: &str, expected: &str) {
    let e = errors(schema, filter);
    assert_eq!(e.to_string(), expected, "\n{e}");
}

#[test]
fn error_unknown_field() {
    renders(
        &ma(),
        "machinId eq 'x'",
        "error: unknown field 'machinId' on MachineAction; did you mean 'machineId'?\n  |\n\
         1 | machinId eq 'x'\n  | ^^^^^^^^\n  = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc\n",
    );
}

#[test]
fn error_not_filterable() {
    renders(
        &ma(),
        "requestorComment eq 'x'",
        "error: field 'requestorComment' of MachineAction cannot be used in $filter\n  |\n1 | requestorComment eq 'x'\n  | ^^^^^^^^^^^^^^^^\n  = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc\n",
    );
}

#[test]
fn error_not_boolean() {
    renders(
        &ma(),
        "status",
        "error: expected a Boolean condition, found a value of type Defender.MachineActionStatus\n  |\n1 | status\n  | ^^^^^^\n",
    );
}

#[test]
fn error_not_operand() {
    renders(
        &ma(),
        "not status eq 'Pending'",
        "error: 'not' needs a Boolean operand, found Defender.MachineActionStatus\n  |\n1 | not status eq 'Pending'\n  | ^^^^^^^^^^\n  = 'not' binds tighter than comparisons: write 'not (a eq b)' to negate a comparison\n",
    );
}

#[test]
fn error_mismatch() {
    renders(
        &ma(),
        "status eq 1",
        "error: cannot compare Defender.MachineActionStatus with Edm.Int64 using 'eq'\n  |\n1 | status eq 1\n  |           ^\n",
    );
}

#[test]
fn error_invalid_literal_guid() {
    renders(
        &ma(),
        "id eq 'not-a-guid'",
        "error: invalid Edm.Guid literal: 'not-a-guid' is not a GUID\n  |\n1 | id eq 'not-a-guid'\n  |       ^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_invalid_literal_quoted_date() {
    renders(
        &ma(),
        "creationDateTimeUtc gt '2018-01-01'",
        "error: invalid Edm.DateTimeOffset literal: '2018-01-01' is a string; date and time literals are written without quotes\n  |\n1 | creationDateTimeUtc gt '2018-01-01'\n  |                        ^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_invalid_literal_enum_type() {
    renders(
        &ma(),
        "status eq Defender.Other'Pending'",
        "error: invalid Defender.MachineActionStatus literal: 'Defender.Other' is not the field's enum type 'Defender.MachineActionStatus'\n  |\n1 | status eq Defender.Other'Pending'\n  |           ^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_unknown_enum_member() {
    renders(
        &ma(),
        "status eq 'succeeded'",
        "error: 'succeeded' is not a member of Defender.MachineActionStatus; did you mean 'Succeeded'?\n  |\n1 | status eq 'succeeded'\n  |           ^^^^^^^^^^^\n  = members: Pending, InProgress, Succeeded, Failed, TimeOut, Cancelled\n",
    );
}

#[test]
fn error_null_not_allowed() {
    renders(
        &ma(),
        "status eq null",
        "error: field 'status' is never null, so comparing it with null is meaningless\n  |\n1 | status eq null\n  |           ^^^^\n",
    );
}

/// Issue 14: an ordering with `null` is valid OData, and false (evaluated in tests/eval.rs).
#[test]
fn orderings_with_null_are_accepted() {
    let s = ma();
    for text in [
        "creationDateTimeUtc gt null",
        "null le creationDateTimeUtc",
        "null gt null",
        "length(requestor) lt null",
        "requestor ge null",
    ] {
        assert_eq!(checked(&s, text), text);
        let tree = syntax::parse(text).unwrap();
        let e = check::check(&s, &tree, text).unwrap();
        assert!(!e.is_nullable(), "{text}");
    }
    // A type without an order is still refused, null or not.
    renders(
        &s,
        "id gt null",
        "error: 'gt' cannot order Edm.Guid values; use eq, ne or in\n  |\n1 | id gt null\n  | ^^^^^^^^^^\n",
    );
}

#[test]
fn error_not_ordered() {
    renders(
        &ma(),
        "id gt 2e9da30d-27f6-4208-81f2-9cd3d67893ba",
        "error: 'gt' cannot order Edm.Guid values; use eq, ne or in\n  |\n1 | id gt 2e9da30d-27f6-4208-81f2-9cd3d67893ba\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_unknown_function() {
    renders(
        &ma(),
        "startswit(requestor,'x')",
        "error: unknown function 'startswit'; did you mean 'startswith'?\n  |\n1 | startswit(requestor,'x')\n  | ^^^^^^^^^\n",
    );
}

#[test]
fn error_arity() {
    renders(
        &ma(),
        "startswith(requestor)",
        "error: 'startswith' takes 2 arguments, found 1\n  |\n1 | startswith(requestor)\n  | ^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_argument() {
    renders(
        &ma(),
        "year(requestor) eq 2018",
        "error: argument 1 of 'year' must be a Date or DateTimeOffset, found Edm.String\n  |\n1 | year(requestor) eq 2018\n  |      ^^^^^^^^^\n",
    );
}

#[test]
fn error_not_a_collection() {
    renders(
        &ma(),
        "status/any(s: s eq 'x')",
        "error: 'status' is not a collection, so it has no any/all\n  |\n1 | status/any(s: s eq 'x')\n  | ^^^^^^\n",
    );
}

#[test]
fn error_collection_value() {
    renders(
        &catalog::machine(),
        "machineTags eq 'x'",
        "error: 'machineTags' is a collection: test its elements with machineTags/any(x: ...) or machineTags/all(x: ...)\n  |\n1 | machineTags eq 'x'\n  | ^^^^^^^^^^^\n",
    );
}

#[test]
fn error_no_members() {
    renders(
        &ma(),
        "status/name eq 'x'",
        "error: 'status' is of type Defender.MachineActionStatus, which has no members\n  |\n1 | status/name eq 'x'\n  |        ^^^^\n",
    );
}

#[test]
fn error_duplicate_variable() {
    renders(
        &catalog::machine(),
        "machineTags/any(t: machineTags/any(t: t eq 'x'))",
        "error: lambda variable 't' is already in use\n  |\n1 | machineTags/any(t: machineTags/any(t: t eq 'x'))\n  |                                    ^\n",
    );
}

#[test]
fn error_list_item() {
    renders(
        &ma(),
        "status in (type)",
        "error: 'in' lists may only contain literal values\n  |\n1 | status in (type)\n  |            ^^^^\n",
    );
}

#[test]
fn error_unsupported_arithmetic() {
    renders(
        &ma(),
        "machineId add 1 eq 2",
        "error: arithmetic operators (add, sub, mul, div, divby, mod, negation) are not supported\n  |\n1 | machineId add 1 eq 2\n  | ^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_unsupported_has() {
    renders(
        &ma(),
        "type has Defender.X'Y'",
        "error: 'has' (enum flag) tests are not supported\n  |\n1 | type has Defender.X'Y'\n  | ^^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_complex_value() {
    use odata_filter::schema::{ComplexType, Field, FieldType};
    let info =
        ComplexType::new("T.Info").field(Field::new("name", FieldType::String).filterable(true));
    let schema = EntitySchema::builder("Thing", "Things")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(Field::new("info", info).nullable(true).filterable(true))
        .key("id")
        .build()
        .unwrap();
    renders(
        &schema,
        "info eq 'x'",
        "error: 'info' is a structured value and cannot be compared as a whole\n  |\n\
         1 | info eq 'x'\n  | ^^^^\n  = compare one of its members (name), or the value \
         itself with 'eq null' or 'ne null'\n",
    );
    assert_eq!(checked(&schema, "info/name eq 'x'"), "info/name eq 'x'");
}

/// Issue 14: a structured value compares with null (the evaluator's rules in tests/eval.rs),
/// by `eq` and `ne` only.
#[test]
fn structured_values_compare_with_null_only() {
    use odata_filter::schema::{ComplexType, Field, FieldType};
    let info =
        ComplexType::new("T.Info").field(Field::new("name", FieldType::String).filterable(true));
    let schema = EntitySchema::builder("Thing", "Things")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(
            Field::new("info", info.clone())
                .nullable(true)
                .filterable(true),
        )
        .field(Field::new("fixed", info).filterable(true))
        .key("id")
        .build()
        .unwrap();
    for text in [
        "info eq null",
        "info ne null",
        "null eq info",
        "not (info ne null) and info/name eq 'a'",
    ] {
        assert_eq!(checked(&schema, text), text);
        let tree = syntax::parse(text).unwrap();
        assert!(!check::check(&schema, &tree, text).unwrap().is_nullable());
    }
    renders(
        &schema,
        "info gt null",
        "error: 'gt' cannot order T.Info values; use eq, ne or in\n  |\n1 | info gt null\n  | ^^^^^^^^^^^^\n",
    );
    renders(
        &schema,
        "fixed eq null",
        "error: field 'fixed' is never null, so comparing it with null is meaningless\n  |\n1 | fixed eq null\n  |          ^^^^\n",
    );
    // Anything else is refused at each structured operand.
    for (text, n) in [
        ("info eq info", 2),
        ("info in (null)", 1),
        ("info eq 'x'", 1),
    ] {
        let errors = errors(&schema, text);
        assert_eq!(errors.errors().len(), n, "{text}");
        for e in errors.errors() {
            assert!(matches!(e.kind(), ErrorKind::ComplexValue { .. }), "{text}");
        }
    }
}

#[test]
fn enum_literals_of_a_known_type_compare_as_constants() {
    use odata_filter::Filter;
    let s = ma();
    let (pending, failed) = (
        "Defender.MachineActionStatus'Pending'",
        "Defender.MachineActionStatus'Failed'",
    );
    assert_eq!(
        checked(&s, &format!("{pending} eq {failed}")),
        format!("{pending} eq {failed}")
    );
    let record = serde_json::json!({"status": "Failed"});
    let matches = |f: String| Filter::new(&s, &f).unwrap().matches(&record);
    assert!(!matches(format!("{pending} eq {failed}")));
    assert!(matches(format!("{pending} ne {failed}")));
    assert!(matches(format!(
        "{pending} eq {pending} and status eq {failed}"
    )));
    assert!(matches(
        "defender.machineactionstatus'Failed' in ('Failed')".to_owned()
    ));
}

/// Two enum constants compared print with their type (`Ns.Status'Pending' eq
/// Ns.Status'Failed'`): printed as bare strings they would check as two String constants, the
/// same truth but not the same expression (found by `common::verified_filter`).
#[test]
fn canonical_text_of_two_enum_constants_keeps_their_type() {
    let s = ma();
    for text in [
        "Defender.MachineActionStatus'Pending' eq Defender.MachineActionStatus'Failed'",
        "Defender.MachineActionStatus'Failed' in ('Failed', 'Pending')",
    ] {
        let expr = common::verified_filter(&s, text);
        let canonical = expr.to_string();
        let tree = syntax::parse(&canonical).unwrap();
        let again = check::check(&s, &tree, &canonical).unwrap();
        assert!(
            common::same_expr(&again, &expr),
            "{text}\nprints as {canonical}\nchecked: {expr:?}\nagain: {again:?}"
        );
    }
}

#[test]
fn error_enum_literals_of_different_types() {
    renders(
        &ma(),
        "Defender.MachineActionStatus'Pending' eq Defender.MachineActionType'Isolate'",
        "error: cannot compare Defender.MachineActionStatus with Defender.MachineActionType using 'eq'\n  |\n\
         1 | Defender.MachineActionStatus'Pending' eq Defender.MachineActionType'Isolate'\n  \
         | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_unknown_enum_type() {
    // `relatedFileInfo` is not filterable, so neither is its enum type.
    renders(
        &ma(),
        "Defender.FileIdentifierType'Sha1' eq null",
        "error: 'Defender.FileIdentifierType' is not the enum type of any filterable field\n  |\n\
         1 | Defender.FileIdentifierType'Sha1' eq null\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
    renders(
        &ma(),
        "length(Defender.Other'x') eq 1",
        "error: 'Defender.Other' is not the enum type of any filterable field\n  |\n\
         1 | length(Defender.Other'x') eq 1\n  |        ^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_standalone_enum_literal_of_no_member() {
    renders(
        &ma(),
        "Defender.MachineActionStatus'Done' ne null",
        "error: 'Done' is not a member of Defender.MachineActionStatus\n  |\n\
         1 | Defender.MachineActionStatus'Done' ne null\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  \
         = members: Pending, InProgress, Succeeded, Failed, TimeOut, Cancelled\n",
    );
    renders(
        &ma(),
        "contains(Defender.MachineActionStatus'Pending', 'x')",
        "error: argument 1 of 'contains' must be a string, found Defender.MachineActionStatus\n  |\n\
         1 | contains(Defender.MachineActionStatus'Pending', 'x')\n  |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
}

#[test]
fn error_all_without_lambda() {
    use odata_filter::{Error, Filter};
    let m = catalog::machine();
    let e = Filter::new(&m, "machineTags/all()").unwrap_err();
    let Error::Syntax(syntax) = &e else {
        panic!("{e}")
    };
    assert_eq!(syntax.kind(), &syntax::ErrorKind::EmptyAll);
    assert_eq!(syntax.span(), (15..17).into());
    assert!(Filter::new(&m, "machineTags/any()").is_ok());
}

#[test]
fn lenient_enums_match_nothing_instead_of_failing() {
    let s = ma().with_lenient_enums(true);
    assert_eq!(checked(&s, "status eq 'Done'"), "status eq 'Done'");
}

#[test]
fn type_rules() {
    let s = ma();
    // Numeric promotion, both sides typed.
    let m = catalog::machine();
    assert_eq!(checked(&m, "rbacGroupId eq 140.0"), "rbacGroupId eq 140.0");
    assert_eq!(
        checked(&m, "rbacGroupId in (1, 2.5, -3)"),
        "rbacGroupId in (1, 2.5, -3)"
    );
    // Dates against DateTimeOffset fields.
    assert_eq!(
        checked(&s, "creationDateTimeUtc ge 2018-12-04"),
        "creationDateTimeUtc ge 2018-12-04T00:00:00Z"
    );
    // Literal on the left takes the type of the right.
    assert_eq!(checked(&s, "'Pending' eq status"), "'Pending' eq status");
    // Functions: string functions accept enum fields; date parts of instants.
    assert_eq!(
        checked(
            &s,
            "startswith(type,'Run') and year(creationDateTimeUtc) eq 2018"
        ),
        "startswith(type, 'Run') and year(creationDateTimeUtc) eq 2018"
    );
    assert_eq!(
        checked(&s, "date(creationDateTimeUtc) eq 2018-12-04"),
        "date(creationDateTimeUtc) eq 2018-12-04"
    );
    // null only against nullable fields.
    let inv = catalog::investigation();
    assert_eq!(checked(&inv, "startTime eq null"), "startTime eq null");
    assert_eq!(
        checked(&m, "computerDnsName ne null"),
        "computerDnsName ne null"
    );
    // Field against field, same type.
    assert_eq!(
        checked(&s, "requestor eq machineId"),
        "requestor eq machineId"
    );
}

#[test]
fn substring_takes_integer_literals_only() {
    // `substring(x, 1.5)` was null in memory and `substr(x, 2)` in SQL.
    for (filter, arg) in [
        ("substring(requestor, 1.5) eq 'x'", "1.5"),
        ("substring(requestor, 2.0) eq 'x'", "2.0"),
        ("substring(requestor, 1, 2.5) eq 'x'", "2.5"),
        ("substring(requestor, 1, 1e0) eq 'x'", "1e0"),
        ("substring(requestor, 1e300) eq 'x'", "1e300"),
    ] {
        let e = errors(&ma(), filter);
        let first = e.first();
        assert!(
            matches!(
                first.kind(),
                check::ErrorKind::Argument {
                    function: "substring",
                    expected: "an integer",
                    ..
                }
            ),
            "{filter}: {e}"
        );
        let span = first.span();
        assert_eq!(&filter[span.start..span.end], arg, "{filter}");
    }
    // Integers, and null, still check.
    for ok in [
        "substring(requestor, 1) eq 'x'",
        "substring(requestor, -1, 2) eq 'x'",
        "substring(requestor, null) eq null",
    ] {
        common::verified_filter(&ma(), ok);
    }
}

/// An entity with a Date and a DateTimeOffset, at the top and in a collection's elements.
fn dated() -> EntitySchema {
    use odata_filter::schema::{ComplexType, Field, FieldType};
    let f = |name: &str, ty: FieldType| Field::new(name, ty).nullable(true).filterable(true);
    let event = ComplexType::new("Test.Event")
        .field(f("on", FieldType::Date))
        .field(f("at", FieldType::DateTimeOffset));
    EntitySchema::builder("Dated", "Dated")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(f("day", FieldType::Date))
        .field(f("created", FieldType::DateTimeOffset))
        .field(f("events", FieldType::collection(event)))
        .key("id")
        .build()
        .unwrap()
}

/// A Date compared with a DateTimeOffset is valid OData, with the date promoted to its
/// midnight, UTC (issue 14). Against an instant literal it is folded to the equivalent date
/// comparison; `eq` and `ne` with an instant that is not a UTC midnight, and comparisons with
/// instant values, stay as written.
#[test]
fn dates_compare_with_instants() {
    let s = dated();
    for (filter, canonical) in [
        // Midnight: the same operator against its date.
        ("day eq 2024-03-01T00:00:00Z", "day eq 2024-03-01"),
        ("day ne 2024-03-01T00:00:00Z", "day ne 2024-03-01"),
        ("day lt 2024-03-01T00:00:00Z", "day lt 2024-03-01"),
        ("day le 2024-03-01T00:00:00Z", "day le 2024-03-01"),
        ("day gt 2024-03-01T00:00:00Z", "day gt 2024-03-01"),
        ("day ge 2024-03-01T00:00:00Z", "day ge 2024-03-01"),
        // Past midnight: lt is le, ge is gt, le and gt keep theirs.
        ("day lt 2024-03-01T07:29:59Z", "day le 2024-03-01"),
        ("day le 2024-03-01T07:29:59Z", "day le 2024-03-01"),
        ("day gt 2024-03-01T07:29:59Z", "day gt 2024-03-01"),
        ("day ge 2024-03-01T07:29:59Z", "day gt 2024-03-01"),
        ("day ge 2024-03-01T00:00:00.000000001Z", "day gt 2024-03-01"),
        ("day lt 2024-02-29T23:59:59.999999999Z", "day le 2024-02-29"),
        // The UTC date counts: 00:30+01:00 is 23:30 of February 29th.
        ("day lt 2024-03-01T00:30:00+01:00", "day le 2024-02-29"),
        ("day eq 2024-03-01T01:00:00+01:00", "day eq 2024-03-01"),
        // The literal on the left stays there.
        ("2024-03-01T07:29:59Z gt day", "2024-03-01 ge day"),
        ("2024-03-01T07:29:59Z le day", "2024-03-01 lt day"),
        ("2024-03-01T00:00:00Z le day", "2024-03-01 le day"),
        // eq and ne past midnight: compared by promotion.
        ("day eq 2024-03-01T07:29:59Z", "day eq 2024-03-01T07:29:59Z"),
        (
            "day ne 2024-03-01T00:30:00+01:00",
            "day ne 2024-02-29T23:30:00Z",
        ),
        (
            "day in (2024-03-01T00:00:00Z, 2024-03-01T07:29:59Z, 2024-03-02)",
            "day in (2024-03-01, 2024-03-01T07:29:59Z, 2024-03-02)",
        ),
        // Values of either type, members and lambdas, date().
        ("day le created", "day le created"),
        ("created gt day", "created gt day"),
        ("date(created) lt created", "date(created) lt created"),
        (
            "date(created) lt 2024-03-01T07:29:59Z",
            "date(created) le 2024-03-01",
        ),
        (
            "events/any(e: e/on le created and e/at gt day)",
            "events/any(e: e/on le created and e/at gt day)",
        ),
        (
            "events/all(e: e/on lt 2024-03-01T07:29:59Z)",
            "events/all(e: e/on le 2024-03-01)",
        ),
        // Dates against instant fields, as before.
        ("created ge 2024-03-01", "created ge 2024-03-01T00:00:00Z"),
    ] {
        assert_eq!(checked(&s, filter), canonical, "{filter}");
    }
    // Other temporal types still do not meet instants.
    let e = errors(&s, "day eq 12:00:00");
    assert!(
        matches!(e.first().kind(), ErrorKind::Mismatch { .. }),
        "{e}"
    );
}

/// Issue 14: an allow-list of functions and operators (ASP.NET Core OData's `AllowedFunctions`
/// and `AllowedLogicalOperators`): what it leaves out is refused where it is written, with the
/// allowed names in the note; everything else checks as without the list.
#[test]
fn allow_lists_refuse_functions_and_operators_where_they_are_written() {
    use check::{Allowed, Operator};
    use odata_filter::ir::Function;
    let s = ma();
    let allowed = Allowed::default()
        .only_functions([Function::Contains, Function::Year])
        .only_operators([Operator::Eq, Operator::And, Operator::Any]);
    let run = |text: &str| {
        let tree = syntax::parse(text).unwrap();
        check::check_with(&s, &tree, text, &allowed)
    };
    for ok in [
        "machineId eq 'a' and contains(requestor, 'x')",
        "year(creationDateTimeUtc) eq 2018",
        "year(creationDateTimeUtc) eq -1 and status eq 'Failed'",
    ] {
        let with = run(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        let without = check::check(&s, &syntax::parse(ok).unwrap(), ok).unwrap();
        assert_eq!(with, without, "{ok}");
    }
    let refused = |text: &str, at: &str, name: &str| {
        let errors = run(text).expect_err(text);
        let found: Vec<(usize, String)> = errors
            .errors()
            .iter()
            .filter_map(|e| match e.kind() {
                ErrorKind::NotAllowed { name, .. } => Some((e.span().start, name.clone())),
                _ => None,
            })
            .collect();
        let start = text.find(at).unwrap();
        assert!(
            found.contains(&(start, name.to_owned())),
            "{text}: {found:?}"
        );
    };
    refused("tolower(requestor) eq 'a'", "tolower", "tolower");
    refused(
        "machineId eq 'a' or machineId eq 'b'",
        "machineId eq 'a' or",
        "or",
    );
    refused("machineId ne 'a'", "machineId ne", "ne");
    refused("not (machineId eq 'a')", "not", "not");
    refused("status in ('Failed')", "status in", "in");
    refused(
        "creationDateTimeUtc gt 2018-01-01Z",
        "creationDateTimeUtc",
        "gt",
    );
    // Both refusals of one filter, and an error inside a refused operator's operand.
    let text = "length(machineId) eq 1 or machinId eq 'a'";
    let errors = run(text).unwrap_err();
    assert_eq!(errors.errors().len(), 3, "{errors}");
    let rendered = errors.to_string();
    assert!(
        rendered.contains("the function 'length' is not allowed by this service"),
        "{rendered}"
    );
    assert!(
        rendered.contains("allowed functions: contains, year"),
        "{rendered}"
    );
    assert!(
        rendered.contains("the operator 'or' is not allowed by this service"),
        "{rendered}"
    );
    assert!(
        rendered.contains("allowed operators: eq, and, any"),
        "{rendered}"
    );
    // No functions at all.
    let none = Allowed::default().only_functions([]);
    let text = "contains(requestor, 'x')";
    let e = check::check_with(&s, &syntax::parse(text).unwrap(), text, &none).unwrap_err();
    assert!(
        e.to_string()
            .contains("this service allows no function in $filter"),
        "{e}"
    );
}

/// Issue 14: `now()`, `maxdatetime()` and `mindatetime()` are DateTimeOffset constants, written
/// as literals by the checker (so every backend and every page sees one instant).
#[test]
fn now_and_the_extreme_instants_are_constants() {
    let s = ma();
    assert_eq!(
        checked(&s, "creationDateTimeUtc lt maxDateTime()"),
        "creationDateTimeUtc lt 9999-12-31T23:59:59.999999999Z"
    );
    assert_eq!(
        checked(&s, "creationDateTimeUtc gt mindatetime()"),
        "creationDateTimeUtc gt 0000-01-01T00:00:00Z"
    );
    // Each check reads the clock anew, so the syntax tree does not check twice to one
    // expression; its canonical text does.
    let filter = "creationDateTimeUtc le now()";
    let before = chrono::Utc::now();
    let text = check::check(&s, &syntax::parse(filter).unwrap(), filter)
        .unwrap()
        .to_string();
    let after = chrono::Utc::now();
    assert_eq!(checked(&s, &text), text);
    let at = text.strip_prefix("creationDateTimeUtc le ").unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    assert!(before <= at && at <= after, "{text}");
    let e = errors(&s, "creationDateTimeUtc le now(1)");
    assert!(e.to_string().contains("now"), "{e}");
    let e = errors(&s, "machineId eq now()");
    assert!(
        matches!(e.errors()[0].kind(), ErrorKind::Mismatch { .. }),
        "{e}"
    );
}

#[test]
fn an_unresolved_parameter_alias_is_a_positioned_error() {
    // `check` on a tree that still holds `@p` (QueryOptions::parse substitutes aliases first).
    let filter = "status eq @s and requestor in ('a', @r)";
    let errs = errors(&ma(), filter);
    let found: Vec<(ErrorKind, &str)> = errs
        .errors()
        .iter()
        .map(|e| (e.kind().clone(), &filter[e.span().start..e.span().end]))
        .collect();
    assert_eq!(
        found,
        [
            (ErrorKind::UnresolvedAlias { name: "s".into() }, "@s"),
            (ErrorKind::UnresolvedAlias { name: "r".into() }, "@r"),
        ]
    );
    assert!(errs.to_string().starts_with(
        "error: parameter alias '@s' has no value here: aliases are only resolved in a query \
         string, as in '$filter=x eq @s&@s=1'\n"
    ));
}

/// Issue 14: `$it` is the record, `$this` the innermost lambda element (the record outside
/// lambdas); they check to the same expression as the paths without them. `$root` and an
/// instance on its own are refused where they are written.
#[test]
fn it_and_this_name_the_instance() {
    let s = catalog::machine();
    for (with, without) in [
        ("$it/computerDnsName eq 'a'", "computerDnsName eq 'a'"),
        ("$this/computerDnsName eq 'a'", "computerDnsName eq 'a'"),
        (
            "machineTags/any(t: $this eq 'x')",
            "machineTags/any(t: t eq 'x')",
        ),
        (
            "machineTags/any(t: $it/computerDnsName eq 'x' and $this ne 'y')",
            "machineTags/any(t: computerDnsName eq 'x' and t ne 'y')",
        ),
        (
            "$it/machineTags/any(t: t eq 'x')",
            "machineTags/any(t: t eq 'x')",
        ),
    ] {
        assert_eq!(checked(&s, with), checked(&s, without), "{with}");
        // The syntax tree prints `$it` and `$this` back.
        assert_eq!(syntax::parse(with).unwrap().to_string(), with);
    }
    for (text, at) in [
        ("$root/computerDnsName eq 'a'", 0),
        ("$it eq null", 0),
        ("machineTags/any(t: $this/x eq 'a')", 25),
        ("$it/nope eq 1", 4),
    ] {
        let e = errors(&s, text);
        assert_eq!(e.errors()[0].span().start, at, "{text}: {e}");
    }
    // Geospatial functions and literals: refused by name, where they are written.
    let e = syntax::parse("geo.distance(a, b) lt 1").unwrap_err();
    assert!(
        e.to_string()
            .contains("'geo.distance': geospatial functions"),
        "{e}"
    );
}
