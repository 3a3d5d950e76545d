//! Properties of the generated SQL in every dialect: filter values never reach the SQL text
//! and round-trip exactly through the parameters (LIKE and GLOB patterns unescape to the
//! literal), and every placeholder has exactly one parameter.

mod sql_support;

use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql::{self, Dialect, ErrorKind, SqlValue};
use proptest::prelude::*;
use sql_support::{all_filterable, dialects, filter, gen};

/// Strings made to break naive SQL: quotes, backslashes, comment starters, every dialect's
/// wildcards and placeholders, NUL, non-ASCII, plus arbitrary characters.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("\\".to_owned()),
        Just(";--".to_owned()),
        Just("/*".to_owned()),
        Just("%".to_owned()),
        Just("_".to_owned()),
        Just("*".to_owned()),
        Just("?".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("!".to_owned()),
        Just("\"".to_owned()),
        Just("`".to_owned()),
        Just("\0".to_owned()),
        Just("$1".to_owned()),
        Just("?1".to_owned()),
        Just("@p1".to_owned()),
        Just("é".to_owned()),
        Just("😀".to_owned()),
        Just(" OR 1=1".to_owned()),
        any::<char>().prop_map(String::from),
        "[a-zA-Z0-9 ]{1,4}",
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

/// How a literal is used in a filter.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Eq,
    In,
    Contains,
    StartsWith,
    EndsWith,
}

const SHAPES: [Shape; 5] = [
    Shape::Eq,
    Shape::In,
    Shape::Contains,
    Shape::StartsWith,
    Shape::EndsWith,
];

fn render(shape: Shape, literal: &str) -> String {
    let l = gen::lit(literal);
    match shape {
        Shape::Eq => format!("requestor eq {l}"),
        Shape::In => format!("requestor in ({l}, 'x')"),
        Shape::Contains => format!("contains(requestor, {l})"),
        Shape::StartsWith => format!("startswith(requestor, {l})"),
        Shape::EndsWith => format!("endswith(requestor, {l})"),
    }
}

/// The literal a LIKE or GLOB pattern matches, checking that every special character in it is
/// escaped; `None` when one is not.
fn unescape(d: &dyn Dialect, shape: Shape, pattern: &str) -> Option<String> {
    let glob = d.name() == "sqlite";
    let any = if glob { '*' } else { '%' };
    let mut p = pattern;
    if !matches!(shape, Shape::StartsWith) {
        p = p.strip_prefix(any)?;
    }
    if !matches!(shape, Shape::EndsWith) {
        p = p.strip_suffix(any)?;
    }
    let mut out = String::new();
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if glob {
            match c {
                '[' => {
                    out.push(chars.next()?);
                    (chars.next()? == ']').then_some(())?;
                }
                '*' | '?' => return None,
                c => out.push(c),
            }
        } else if c == d.like_escape() {
            out.push(chars.next()?);
        } else if d.like_wildcards().contains(&c) {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn machine_actions() -> EntitySchema {
    all_filterable(&catalog::machine_action())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn literals_stay_out_of_the_sql_text_and_round_trip(literal in nasty()) {
        let s = machine_actions();
        for shape in SHAPES {
            let text = render(shape, &literal);
            for d in dialects() {
                let reference = sql::where_clause(&filter(&s, &render(shape, "x")), &s, "t", d)
                    .unwrap();
                let got = match sql::where_clause(&filter(&s, &text), &s, "t", d) {
                    Ok(got) => got,
                    Err(e) => {
                        // Only U+0000 is refused: PostgreSQL text cannot hold it, and SQLite's
                        // GLOB stops at it.
                        prop_assert!(literal.contains('\0'), "{} {text}: {e}", d.name());
                        prop_assert!(
                            matches!(e.kind(), ErrorKind::Unsupported { .. }),
                            "{e}"
                        );
                        prop_assert!(matches!(d.name(), "postgres" | "sqlite"));
                        continue;
                    }
                };
                // The text does not depend on the literal at all...
                prop_assert_eq!(&got.sql, &reference.sql, "{} {}", d.name(), text);
                // ...so a literal with a character no generated SQL holds is not in it.
                if literal.contains(['\0', ';']) || !literal.is_ascii() {
                    prop_assert!(!got.sql.contains(&literal));
                }
                // And the parameters carry it exactly.
                match shape {
                    Shape::Eq => prop_assert_eq!(&got.params, &vec![SqlValue::Text(literal.clone())]),
                    Shape::In => prop_assert_eq!(
                        &got.params,
                        &vec![SqlValue::Text(literal.clone()), SqlValue::Text("x".into())]
                    ),
                    _ => {
                        let [SqlValue::Text(pattern)] = &got.params[..] else {
                            return Err(TestCaseError::fail(format!("{:?}", got.params)));
                        };
                        prop_assert_eq!(
                            unescape(d, shape, pattern),
                            Some(literal.clone()),
                            "{} pattern {:?}", d.name(), pattern
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_placeholder_has_one_parameter(
        text in gen::filter(),
        paging in gen::paging(),
    ) {
        let s = gen::schema();
        let Some(q) = gen::make_query(&s, &text, &paging) else {
            return Ok(());
        };
        for d in dialects() {
            let Ok(w) = sql::select(&q, &s, "Things", d) else {
                continue; // e.g. U+0000 in PostgreSQL; none in this grammar
            };
            let numbers = placeholders(d, &w.sql);
            prop_assert_eq!(numbers.len(), w.params.len(), "{} {}\n{}", d.name(), text, w.sql);
            if !numbers.is_empty() && numbers[0] != 0 {
                let expected: Vec<usize> = (1..=numbers.len()).collect();
                prop_assert_eq!(numbers, expected, "{} {}", d.name(), w.sql);
            }
        }
    }
}

/// The numbers of the placeholders in `sql`, in order (0 for MySQL's unnumbered `?`).
fn placeholders(d: &dyn Dialect, sql: &str) -> Vec<usize> {
    let prefix = match d.name() {
        "sqlite" => "?",
        "postgres" => "$",
        "mssql" => "@p",
        _ => return sql.matches('?').map(|_| 0).collect(),
    };
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            out.push(n);
        }
    }
    out
}

#[test]
fn placeholders_in_a_large_filter() {
    let s = machine_actions();
    let f = filter(
        &s,
        "(requestor eq 'a' or scope ne 'b') and not (contains(requestor, 'c') and status in \
         ('Pending', 'Failed')) and substring(requestor, 1, 2) eq 'd' and \
         creationDateTimeUtc gt 2018-01-01T00:00:00Z",
    );
    for d in dialects() {
        let w = sql::where_clause(&f, &s, "t", d).unwrap();
        assert_eq!(
            placeholders(d, &w.sql).len(),
            w.params.len(),
            "{}",
            d.name()
        );
        assert_eq!(w.params.len(), 9, "{}", d.name());
    }
}
