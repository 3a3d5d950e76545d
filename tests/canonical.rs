//! Every accepted filter's canonical text is itself accepted, at the parser's limits: the
//! text a server puts in a next-page link, or `--check` prints, is never refused by the same
//! settings (issue 11).

mod common;

use odata_filter::query::QueryOptions;
use odata_filter::schema::{EntitySchema, EnumType, Field, FieldType};
use odata_filter::syntax::{self, Parser};
use proptest::prelude::*;

/// Fields whose literals and names print longer than they may be written: a short alias of a
/// long name, a decimal written with an exponent, a Defender date, a short time, an enum.
fn schema() -> EntitySchema {
    let f = |name: &str, ty: FieldType| Field::new(name, ty).filterable(true);
    EntitySchema::builder("Thing", "Things")
        .field(f("id", FieldType::Int64))
        .field(f("aQuiteLongFieldNameThatPrintsInFull", FieldType::String).alias("n"))
        .field(f("amount", FieldType::Decimal))
        .field(f("at", FieldType::DateTimeOffset))
        .field(f("tod", FieldType::TimeOfDay))
        .field(f(
            "state",
            FieldType::from(EnumType::new(
                "Ns.State",
                ["Pending", "SucceededAfterRetry"],
            )),
        ))
        .field(f("tags", FieldType::collection(FieldType::String)))
        .key("id")
        .build()
        .unwrap()
}

/// A condition, in a written form that is often shorter than its canonical one.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..1000i64).prop_map(|i| format!("id eq {i}")),
        Just("n eq 'x'".to_owned()),
        Just("amount eq 9e27".to_owned()),
        Just("amount lt 1e-9".to_owned()),
        Just("at gt 2018-08-01Z".to_owned()),
        Just("tod le 12:00".to_owned()),
        Just("state eq 'SucceededAfterRetry'".to_owned()),
        Just("id in (1,2,3)".to_owned()),
        Just("tags/any(t:t eq 'a')".to_owned()),
        Just("not(id eq 1)".to_owned()),
    ]
}

/// A filter: atoms joined by `and`/`or`, some groups parenthesized or negated, nested.
fn filter() -> impl Strategy<Value = String> {
    atom().prop_recursive(12, 400, 40, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 2..40), any::<bool>())
                .prop_map(|(xs, and)| xs.join(if and { " and " } else { " or " })),
            inner.clone().prop_map(|x| format!("({x})")),
            inner.prop_map(|x| format!("not ({x})")),
        ]
    })
}

/// Limits small enough for generated filters to straddle them.
fn limits() -> impl Strategy<Value = Parser> {
    (100usize..4_000, 3usize..30, 5usize..400).prop_map(|(len, depth, nodes)| {
        Parser::builder()
            .max_len(len)
            .max_depth(depth)
            .max_nodes(nodes)
            .build()
    })
}

/// `text` accepted under `parser` means its canonical text is accepted too, checks to the
/// same expression, and prints the same.
fn canonical_is_accepted(parser: &Parser, text: &str) -> Result<bool, TestCaseError> {
    let options = QueryOptions::new().parser(parser.clone());
    let schema = schema();
    let Ok(expr) = options.parse_filter(&schema, text) else {
        return Ok(false);
    };
    let canonical = expr.to_string();
    let again = options.parse_filter(&schema, &canonical);
    prop_assert!(
        again.is_ok(),
        "accepted ({} bytes), but its canonical text ({} bytes) is not: {}",
        text.len(),
        canonical.len(),
        again
            .unwrap_err()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
    );
    let again = again.unwrap();
    prop_assert_eq!(&again, &expr);
    prop_assert_eq!(again.to_string(), canonical);
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn canonical_text_of_an_accepted_filter_is_accepted(parser in limits(), text in filter()) {
        canonical_is_accepted(&parser, &text)?;
    }

    /// At the default limits, both printers (the syntax tree's and the checked expression's)
    /// give text that checks to the same expression (`common::verified_filter`).
    #[test]
    fn printed_filters_check_to_the_same_expression(text in filter()) {
        if Parser::new().parse(&text).is_ok() {
            common::verified_filter(&schema(), &text);
        }
    }
}

/// At the default limits, with filters of up to 64 KiB: the shape of the reproducer (a
/// 65,390-byte filter whose canonical text was 70,062 bytes) is refused as written, with an
/// error that says why, and anything accepted prints to something accepted.
#[test]
fn at_the_default_limits() {
    let parser = Parser::new();
    let limit = parser.limits().max_len;
    let mut accepted = 0;
    for (atom, sep) in [
        ("at gt 2018-08-01Z", " or "),
        ("n eq 'x'", " or "),
        ("amount eq 9e27", " and "),
        ("id in (1,2,3)", " or "),
        ("tod le 12:00", " or "),
    ] {
        for len in [limit / 4, limit / 2, limit - 1000, limit] {
            let n = len / (atom.len() + sep.len());
            let text = vec![atom; n].join(sep);
            if canonical_is_accepted(&parser, &text).unwrap() {
                accepted += 1;
                continue;
            }
            let options = QueryOptions::new();
            let e = options.parse_filter(&schema(), &text).unwrap_err();
            let message = e.to_string();
            assert!(
                message.contains("in canonical form") || message.contains("limit of 10000 nodes"),
                "{message}"
            );
        }
    }
    assert!(accepted >= 6, "only {accepted} cases were accepted");
    // The reproducer's shape: within the length limit as written, over it as printed.
    let text = vec!["at gt 2018-08-01Z"; 3_000].join(" or ");
    assert!(text.len() <= limit);
    let e = QueryOptions::new()
        .parse_filter(&schema(), &text)
        .unwrap_err();
    let odata_filter::Error::Syntax(e) = e else {
        panic!("{e}")
    };
    assert!(matches!(
        e.kind(),
        syntax::ErrorKind::CanonicalTooLong { len, .. } if *len > limit
    ));
}

/// An instant written with an offset that puts it outside the years 0000 to 9999 in UTC
/// would print with a year no filter can hold (`+10000-01-01T04:00:00Z`): it is refused where
/// it is written, and the instants just inside print and read back.
#[test]
fn instants_outside_years_0000_to_9999_in_utc_are_refused_where_written() {
    let parser = Parser::new();
    for text in [
        "at eq 9999-12-31T23:00:00-05:00",
        "at gt 9999-12-31T23:59:59.9999999-00:01",
        "at lt 0000-01-01T00:00:00+01:00",
    ] {
        let e = QueryOptions::new()
            .parse_filter(&schema(), text)
            .unwrap_err();
        let odata_filter::Error::Syntax(e) = &e else {
            panic!("{text}: {e}")
        };
        assert_eq!(e.span().start, 6, "{text}: {e}");
        assert!(e.to_string().contains("years 0000 to 9999"), "{e}");
    }
    for text in [
        "at lt 0001-01-01T00:00:00+01:00",
        "at ge 0001-01-01T00:59:59+01:00",
        "at eq 9999-12-31T18:59:59-05:00",
        "at eq 9999-12-31T23:59:59.999999999Z",
    ] {
        assert!(
            matches!(canonical_is_accepted(&parser, text), Ok(true)),
            "{text}"
        );
    }
}
