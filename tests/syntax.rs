//! The `$filter` grammar: forms, precedence, rendered errors, limits, and the print/parse round trip.

mod common;

use chrono::{NaiveDate, TimeDelta};
use odata_filter::syntax::ast::{
    BinaryOp, Expr, ExprKind, Ident, LambdaKind, Literal, LogicalOp, Path, UnaryOp,
};
use odata_filter::syntax::{self, ErrorKind, Parser};
use odata_filter::value::Decimal;
use proptest::prelude::*;

// ---- tiny tree builders -------------------------------------------------

fn p(s: &str) -> Expr {
    syntax::parse(s).unwrap_or_else(|e| panic!("{s}\n{e}"))
}

fn err(s: &str) -> syntax::Error {
    match syntax::parse(s) {
        Ok(t) => panic!("{s} parsed as {t:?}"),
        Err(e) => e,
    }
}

fn path(s: &str) -> Expr {
    Expr::new(ExprKind::Path(Path {
        segments: s.split('/').map(Ident::new).collect(),
    }))
}

fn lit(l: Literal) -> Expr {
    Expr::new(ExprKind::Literal(l))
}

fn s(v: &str) -> Expr {
    lit(Literal::String(v.into()))
}

fn int(v: i64) -> Expr {
    lit(Literal::Int(v))
}

fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::new(ExprKind::Binary {
        op,
        lhs: Box::new(l),
        rhs: Box::new(r),
    })
}

fn eq(l: Expr, r: Expr) -> Expr {
    bin(BinaryOp::Eq, l, r)
}

fn and(v: Vec<Expr>) -> Expr {
    Expr::new(ExprKind::Logical {
        op: LogicalOp::And,
        operands: v,
    })
}

fn or(v: Vec<Expr>) -> Expr {
    Expr::new(ExprKind::Logical {
        op: LogicalOp::Or,
        operands: v,
    })
}

fn not(e: Expr) -> Expr {
    Expr::new(ExprKind::Unary {
        op: UnaryOp::Not,
        expr: Box::new(e),
    })
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::new(ExprKind::Call {
        name: Ident::new(name),
        args,
    })
}

/// Parses, checks the tree, and checks that the canonical text reads back the same.
fn parses_to(input: &str, expected: Expr) {
    let tree = p(input);
    assert_eq!(tree, expected, "{input}");
    let printed = tree.to_string();
    assert_eq!(p(&printed), tree, "round trip of {input} via {printed}");
}

// ---- every documented Defender query ------------------------------------

#[test]
fn every_defender_query_parses() {
    let mut filters = 0;
    for (entity, query) in common::defender_queries() {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            if common::form_decode(name) != "$filter" {
                continue;
            }
            let filter = common::form_decode(value);
            let tree = syntax::parse(&filter).unwrap_or_else(|e| panic!("{entity}: {filter}\n{e}"));
            assert_eq!(p(&tree.to_string()), tree);
            filters += 1;
        }
    }
    assert_eq!(filters, 20, "every $filter line in defender-queries.txt");
}

#[test]
fn defender_shapes() {
    parses_to(
        "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'",
        and(vec![
            eq(path("requestor"), s("Analyst@contoso.com")),
            eq(path("type"), s("RunAntiVirusScan")),
        ]),
    );
    parses_to(
        "lastSeen gt 2018-08-01Z",
        bin(
            BinaryOp::Gt,
            path("lastSeen"),
            lit(Literal::DateUtc(
                NaiveDate::from_ymd_opt(2018, 8, 1).unwrap(),
            )),
        ),
    );
    parses_to(
        "startswith(computerDnsName,'mymachine')",
        call("startswith", vec![path("computerDnsName"), s("mymachine")]),
    );
    parses_to(
        "machineTags/any(tag: tag eq 'ExampleTag')",
        Expr::new(ExprKind::Lambda {
            path: Path {
                segments: vec![Ident::new("machineTags")],
            },
            kind: LambdaKind::Any,
            body: Some((
                Ident::new("tag"),
                Box::new(eq(path("tag"), s("ExampleTag"))),
            )),
        }),
    );
}

// ---- grammar forms --------------------------------------------------------

#[test]
fn comparisons_and_logic() {
    for op in [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Lt,
        BinaryOp::Le,
    ] {
        parses_to(&format!("a {} 1", op.keyword()), bin(op, path("a"), int(1)));
    }
    parses_to("a or b", or(vec![path("a"), path("b")]));
    parses_to("not a", not(path("a")));
    parses_to("(a)", path("a"));
}

#[test]
fn keywords_are_case_insensitive() {
    parses_to("Status EQ 'x'", eq(path("Status"), s("x")));
    parses_to(
        "NOT a AND b Or c",
        or(vec![and(vec![not(path("a")), path("b")]), path("c")]),
    );
    parses_to(
        "STARTSWITH(a,'x')",
        call("STARTSWITH", vec![path("a"), s("x")]),
    );
    assert_eq!(p("t/ANY(x: x eq 1)").to_string(), "t/any(x: x eq 1)");
}

#[test]
fn in_lists() {
    let in_ = |list: Vec<Expr>| {
        Expr::new(ExprKind::In {
            expr: Box::new(path("status")),
            list,
        })
    };
    parses_to(
        "status in ('Pending','InProgress')",
        in_(vec![s("Pending"), s("InProgress")]),
    );
    parses_to("status in ('Pending')", in_(vec![s("Pending")]));
    parses_to("status in ()", in_(vec![]));
    // `in` is primary: it binds tighter than `not`.
    parses_to("not status in ('x')", not(in_(vec![s("x")])));
}

#[test]
fn has_and_enum_literals() {
    parses_to(
        "style has Sales.Pattern'Yellow'",
        bin(
            BinaryOp::Has,
            path("style"),
            lit(Literal::Enum {
                type_name: "Sales.Pattern".into(),
                value: "Yellow".into(),
            }),
        ),
    );
}

#[test]
fn arithmetic_and_negation() {
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::DivBy,
        BinaryOp::Mod,
    ] {
        parses_to(&format!("a {} 2", op.keyword()), bin(op, path("a"), int(2)));
    }
    let neg = |e| {
        Expr::new(ExprKind::Unary {
            op: UnaryOp::Neg,
            expr: Box::new(e),
        })
    };
    parses_to("-a eq -5", eq(neg(path("a")), int(-5)));
    parses_to("- 5 eq a", eq(neg(int(5)), path("a")));
    assert_eq!(p("- 5 eq a").to_string(), "-(5) eq a");
    parses_to(
        "a add b mul c",
        bin(
            BinaryOp::Add,
            path("a"),
            bin(BinaryOp::Mul, path("b"), path("c")),
        ),
    );
    parses_to(
        "a sub b sub c",
        bin(
            BinaryOp::Sub,
            bin(BinaryOp::Sub, path("a"), path("b")),
            path("c"),
        ),
    );
    parses_to(
        "a sub (b sub c)",
        bin(
            BinaryOp::Sub,
            path("a"),
            bin(BinaryOp::Sub, path("b"), path("c")),
        ),
    );
}

#[test]
fn calls_paths_and_lambdas() {
    parses_to(
        "tolower(requestor)",
        call("tolower", vec![path("requestor")]),
    );
    parses_to("now()", call("now", vec![]));
    parses_to(
        "substring(a,1,2) eq 'x'",
        eq(call("substring", vec![path("a"), int(1), int(2)]), s("x")),
    );
    parses_to(
        "relatedFileInfo/fileIdentifier eq 'x'",
        eq(path("relatedFileInfo/fileIdentifier"), s("x")),
    );
    parses_to(
        "tags/any()",
        Expr::new(ExprKind::Lambda {
            path: Path {
                segments: vec![Ident::new("tags")],
            },
            kind: LambdaKind::Any,
            body: None,
        }),
    );
    parses_to(
        "a/b/all(x: x/c gt 1)",
        Expr::new(ExprKind::Lambda {
            path: Path {
                segments: vec![Ident::new("a"), Ident::new("b")],
            },
            kind: LambdaKind::All,
            body: Some((
                Ident::new("x"),
                Box::new(bin(BinaryOp::Gt, path("x/c"), int(1))),
            )),
        }),
    );
}

#[test]
fn literals() {
    let l = |src: &str| match p(&format!("x eq {src}")).kind {
        ExprKind::Binary { rhs, .. } => match rhs.kind {
            ExprKind::Literal(l) => l,
            k => panic!("{k:?}"),
        },
        k => panic!("{k:?}"),
    };
    assert_eq!(l("'it''s'"), Literal::String("it's".into()));
    assert_eq!(l("-9223372036854775808"), Literal::Int(i64::MIN));
    assert_eq!(l("9223372036854775807"), Literal::Int(i64::MAX));
    let dec = |s: &str| Literal::Decimal(s.parse().unwrap());
    assert_eq!(l("1.5e3"), dec("1500"));
    assert_eq!(l("9223372036854775808"), dec("9223372036854775808"));
    assert_eq!(l("1e300"), Literal::Float(1e300));
    assert_eq!(l("-INF"), Literal::Float(f64::NEG_INFINITY));
    assert_eq!(l("true"), Literal::Bool(true));
    assert_eq!(l("null"), Literal::Null);
    assert_eq!(
        l("2E9DA30D-27F6-4208-81F2-9CD3D67893BA"),
        Literal::Guid(0x2e9da30d_27f6_4208_81f2_9cd3d67893ba)
    );
    assert_eq!(
        l("2018-08-01"),
        Literal::Date(NaiveDate::from_ymd_opt(2018, 8, 1).unwrap())
    );
    assert_eq!(
        l("duration'P1DT2H'"),
        Literal::Duration(TimeDelta::hours(26))
    );
    let dto = |s: &str| l(s).to_string();
    assert_eq!(
        dto("2024-08-27T10:15:30.1234567Z"),
        "2024-08-27T10:15:30.1234567Z"
    );
    assert_eq!(dto("2018-11-22T00:00Z"), "2018-11-22T00:00:00Z");
    assert_eq!(dto("2018-11-22T00:00:00+00:00"), "2018-11-22T00:00:00Z");
    assert_eq!(
        dto("2018-11-22T00:00:00.000000000000-05:30"),
        "2018-11-22T00:00:00-05:30"
    );
    assert_eq!(dto("13:20"), "13:20:00");
    assert_eq!(dto("duration'PT90M'"), "duration'PT1H30M'");
    assert_eq!(dto("duration'P0D'"), "duration'PT0S'");
    // Numbers print back with their digits, and read back as what they were: a decimal as
    // the same decimal, a float (too many digits for a decimal) as the same float.
    assert_eq!(
        dto("3258.678765765489753678965390"),
        "3258.678765765489753678965390"
    );
    assert_eq!(dto("12345678901234567890.12"), "12345678901234567890.12");
    assert_eq!(dto("-1.50"), "-1.50");
    assert_eq!(dto("2e10"), "20000000000.0");
    assert_eq!(dto("1e300"), "1e300");
    assert_eq!(l("0.1000000000000000000000000000001"), Literal::Float(0.1));
    assert_eq!(
        dto("0.1000000000000000000000000000001"),
        "0.10000000000000000000000000000001"
    );
    assert_eq!(dto("1e-400"), "1e-400");
    for src in [
        "0.1000000000000000000000000000001",
        "1e-400",
        "-1e-400",
        "7.0000000000000000000000000000001",
        "123456789012345678901234567890.5",
    ] {
        let lit = l(src);
        assert!(matches!(lit, Literal::Float(_)), "{src}");
        assert_eq!(l(&lit.to_string()), lit, "{src}");
    }
}

// ---- precedence (OData 4.01 §5.1.1.15) -------------------------------------

#[test]
fn precedence() {
    parses_to(
        "a and b or c",
        or(vec![and(vec![path("a"), path("b")]), path("c")]),
    );
    parses_to(
        "a or b and c",
        or(vec![path("a"), and(vec![path("b"), path("c")])]),
    );
    parses_to("not (a) and b", and(vec![not(path("a")), path("b")]));
    parses_to("a or b or c", or(vec![path("a"), path("b"), path("c")]));
    // Parenthesised chains stay nested (and print their parentheses back).
    parses_to(
        "a or (b or c)",
        or(vec![path("a"), or(vec![path("b"), path("c")])]),
    );
    assert_eq!(p("a or (b or c)").to_string(), "a or (b or c)");
    // `not` binds tighter than `eq`: this is `(not status) eq 'X'`.
    parses_to("not status eq 'X'", eq(not(path("status")), s("X")));
    parses_to("not (status eq 'X')", not(eq(path("status"), s("X"))));
    // Comparisons are left-associative, relational above equality.
    parses_to(
        "a eq b ne c",
        bin(BinaryOp::Ne, eq(path("a"), path("b")), path("c")),
    );
    parses_to(
        "a eq b lt c",
        eq(path("a"), bin(BinaryOp::Lt, path("b"), path("c"))),
    );
    parses_to(
        "a add 1 gt b and c eq d or e",
        or(vec![
            and(vec![
                bin(
                    BinaryOp::Gt,
                    bin(BinaryOp::Add, path("a"), int(1)),
                    path("b"),
                ),
                eq(path("c"), path("d")),
            ]),
            path("e"),
        ]),
    );
}

#[test]
fn spans_locate_nodes() {
    let t = p("a eq 'x' and (b gt 2)");
    assert_eq!((t.span.start, t.span.end), (0, 21));
    let ExprKind::Logical { operands, .. } = &t.kind else {
        panic!()
    };
    assert_eq!((operands[0].span.start, operands[0].span.end), (0, 8));
    assert_eq!((operands[1].span.start, operands[1].span.end), (13, 21));
}

// ---- errors: every kind, rendered in full ------------------------------------

fn rendered(input: &str) -> String {
    err(input).to_string()
}

#[test]
fn error_unexpected_value() {
    assert_eq!(
        rendered("status eq"),
        "error: expected a value, found end of input\n  |\n1 | status eq\n  |          ^\n"
    );
    assert_eq!(
        rendered("status eq and"),
        "error: expected a value, found 'and'\n  |\n1 | status eq and\n  |           ^^^\n"
    );
}

#[test]
fn error_unexpected_operator() {
    assert_eq!(
        rendered("status 'x'"),
        "error: expected an operator, found ''x''\n  |\n1 | status 'x'\n  |        ^^^\n"
    );
    assert_eq!(
        rendered("a in 'x'"),
        "error: expected '(', found ''x''\n  |\n1 | a in 'x'\n  |      ^^^\n"
    );
    assert_eq!(
        rendered("f(a b)"),
        "error: expected ',' or ')', found 'b'\n  |\n1 | f(a b)\n  |     ^\n"
    );
    assert_eq!(
        rendered("(a b)"),
        "error: expected ')', found 'b'\n  |\n1 | (a b)\n  |    ^\n"
    );
    assert_eq!(
        rendered("a/1"),
        "error: expected an identifier, found '1'\n  |\n1 | a/1\n  |   ^\n"
    );
}

#[test]
fn error_unclosed_paren_points_at_both_ends() {
    assert_eq!(
        rendered("(status eq 'x'"),
        "error: unclosed '(': expected ')', found end of input\n  |\n\
         1 | (status eq 'x'\n  | -             ^\n  | |\n  | opened here\n"
    );
    let e = err("startswith(a,'b'");
    assert_eq!(
        e.kind(),
        &ErrorKind::UnclosedParen {
            open: (10..11).into()
        }
    );
    assert_eq!(e.auxiliary_span(), Some((10..11).into()));
}

#[test]
fn error_unclosed_string_points_at_both_ends() {
    assert_eq!(
        rendered("a eq 'it''s"),
        "error: unclosed string literal: expected ', found end of input\n  |\n\
         1 | a eq 'it''s\n  |      -     ^\n  |      |\n  |      string starts here\n"
    );
}

#[test]
fn error_invalid_char() {
    assert_eq!(
        rendered("a eq #1"),
        "error: unexpected character '#'\n  |\n1 | a eq #1\n  |      ^\n"
    );
}

#[test]
fn error_numbers() {
    assert_eq!(
        rendered("x eq 79228162514264337593543950336"),
        "error: number literal out of range (whole numbers must be below 2^96, others within a double)\n  |\n\
         1 | x eq 79228162514264337593543950336\n  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    );
    assert_eq!(
        rendered("x eq 1.x"),
        "error: malformed number literal\n  |\n1 | x eq 1.x\n  |      ^^^\n"
    );
}

#[test]
fn error_dates() {
    assert_eq!(
        rendered("x eq 2018-13-01"),
        "error: invalid date/time literal: month must be 01 to 12\n  |\n\
         1 | x eq 2018-13-01\n  |           ^\n"
    );
    assert_eq!(
        rendered("x eq 2018-01-01T10:00:61Z"),
        "error: invalid date/time literal: second must be 00 to 60\n  |\n\
         1 | x eq 2018-01-01T10:00:61Z\n  |                       ^\n"
    );
    assert_eq!(
        rendered("x eq 2018-01-01T10:00"),
        "error: invalid date/time literal: a date-time needs a time zone offset: Z or +hh:mm or -hh:mm\n  |\n\
         1 | x eq 2018-01-01T10:00\n  |                      ^\n"
    );
}

#[test]
fn error_guid() {
    assert_eq!(
        rendered("x eq 01234567-89ab-cdef"),
        "error: malformed GUID literal (expected 8-4-4-4-12 hexadecimal digits)\n  |\n\
         1 | x eq 01234567-89ab-cdef\n  |      ^^^^^^^^^^^^^^^^^^\n"
    );
}

#[test]
fn error_duration() {
    assert_eq!(
        rendered("x eq duration'P1Y'"),
        "error: invalid duration literal: only days, hours, minutes and seconds are allowed, as in P1DT2H3M4.5S\n  |\n\
         1 | x eq duration'P1Y'\n  |      ^^^^^^^^^^^^^\n"
    );
}

#[test]
fn error_literal_prefix_and_qualified_name() {
    assert_eq!(
        rendered("x eq geography'POINT(1 2)'"),
        "error: 'geography': geospatial functions and literals are not supported (there are no \
         Edm.Geography or Edm.Geometry types)\n  |\n\
         1 | x eq geography'POINT(1 2)'\n  |      ^^^^^^^^^\n"
    );
    assert_eq!(
        rendered("Ns.Type eq 1"),
        "error: qualified names are only allowed as enum literal prefixes\n  |\n\
         1 | Ns.Type eq 1\n  | ^^^^^^^\n"
    );
}

#[test]
fn error_lambda() {
    assert_eq!(
        rendered("tags/any(t t eq 1)"),
        "error: expected a lambda variable and ':', as in 'tags/any(t: t eq 1)'\n  |\n\
         1 | tags/any(t t eq 1)\n  |            ^\n"
    );
    assert_eq!(err("tags/any(1)").kind(), &ErrorKind::InvalidLambda);
    // A keyword is no variable: `in` could never be referred to in the body.
    assert_eq!(err("tags/any(in: true)").kind(), &ErrorKind::InvalidLambda);
    assert_eq!(
        err("tags/any(NULL: true)").kind(),
        &ErrorKind::InvalidLambda
    );
}

#[test]
fn error_all_without_lambda() {
    assert_eq!(
        rendered("tags/all()"),
        "error: 'all' needs a lambda variable and condition, as in 'tags/all(t: t ne 1)'; \
         only 'any()' may be empty\n  |\n1 | tags/all()\n  |         ^^\n"
    );
    assert_eq!(err("a/b/ALL( )").span(), (7..10).into());
    assert!(matches!(
        p("tags/any()").kind,
        ExprKind::Lambda { body: None, .. }
    ));
}

#[test]
fn error_keyword_as_member() {
    assert_eq!(
        rendered("a/eq eq 1"),
        "error: expected an identifier, found 'eq'\n  |\n1 | a/eq eq 1\n  |   ^^\n"
    );
    assert_eq!(
        err("a/null eq 1").kind(),
        &ErrorKind::Unexpected {
            expected: syntax::Expected::Identifier,
            found: "'null'".into()
        }
    );
    assert_eq!(p("a/inf eq 1"), bin(BinaryOp::Eq, path("a/inf"), int(1)));
}

#[test]
fn error_empty() {
    assert_eq!(
        rendered("   "),
        "error: expected a filter expression, found end of input\n  |\n1 |    \n  |    ^\n"
    );
}

#[test]
fn error_limits() {
    let parser = Parser::builder()
        .max_len(10)
        .max_depth(3)
        .max_nodes(4)
        .build();
    let e = parser.parse("a eq 'xxxxxxxxxxx'").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: filter is longer than the limit of 10 bytes\n  |\n\
         1 | a eq 'xxxxxxxxxxx'\n  |           ^^^^^^^^\n"
    );
    let e = parser.parse("((((a))))").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: filter nests deeper than the limit of 3 levels\n  |\n1 | ((((a))))\n  |    ^\n"
    );
    let parser = Parser::builder().max_nodes(3).build();
    let e = parser.parse("a or b or c").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: filter has more than the limit of 3 nodes\n  |\n1 | a or b or c\n  | ^^^^^^^^^^^\n"
    );
    // Depth counts the tree: `(a add b) add c` is three levels deep.
    let parser = Parser::builder().max_depth(2).build();
    assert!(parser.parse("a add b").is_ok());
    assert_eq!(
        parser.parse("a add b add c").unwrap_err().kind(),
        &ErrorKind::TooDeep { limit: 2 }
    );
}

/// `n` lambdas over `machineTags`, each inside the last one's condition.
fn nested_lambdas(n: usize) -> String {
    let heads: String = (0..n).map(|i| format!("machineTags/any(t{i}: ")).collect();
    format!("{heads}t0 eq 'x'{}", ")".repeat(n))
}

#[test]
fn lambda_depth_limit() {
    assert_eq!(syntax::Limits::default().max_lambda_depth, 2);
    // At the default limit, and one over: the error is on the head of the third lambda.
    p(&nested_lambdas(2));
    p("commands/any(c: c/command/params/any(p: p/key eq 'Path') and c/index eq 0)");
    let input = "a/any(x: x/b/any(y: y/c/any(z: z eq 1)))";
    assert_eq!(
        rendered(input),
        "error: 'any'/'all' lambdas nest deeper than the limit of 2 levels \
         (the parser's max_lambda_depth setting raises it)\n  |\n\
         1 | a/any(x: x/b/any(y: y/c/any(z: z eq 1)))\n  |                     ^^^^^^^^^^\n"
    );
    assert_eq!(err(input).kind(), &ErrorKind::LambdaTooDeep { limit: 2 });
    assert_eq!(
        err("a/all(x: b/any(y: f(c/any(z: true))))").kind(),
        &ErrorKind::LambdaTooDeep { limit: 2 }
    );
    // Side by side is not nested, and a body-less `any()` visits no elements.
    p("a/any(x: x/b/any(y: y eq 1) and x/c/all(y: y eq 2) and x/d/any(y: y/e/any()))");
    p(&format!("{} or {}", nested_lambdas(2), nested_lambdas(2)));
    // The builder setting is respected both ways.
    let one = Parser::builder().max_lambda_depth(1).build();
    assert_eq!(one.limits().max_lambda_depth, 1);
    assert!(one.parse("machineTags/any(t: t eq 'x')").is_ok());
    let e = one.parse(&nested_lambdas(2)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::LambdaTooDeep { limit: 1 });
    assert_eq!(
        &e.input()[e.span().start..e.span().end],
        "machineTags/any(t1:"
    );
    let five = Parser::builder()
        .max_lambda_depth(5)
        .max_cost(u64::MAX)
        .build();
    assert!(five.parse(&nested_lambdas(5)).is_ok());
    assert_eq!(
        five.parse(&nested_lambdas(6)).unwrap_err().kind(),
        &ErrorKind::LambdaTooDeep { limit: 5 }
    );
    let none = Parser::builder().max_lambda_depth(0).build();
    assert!(none.parse("machineTags/any()").is_ok());
    assert!(none.parse("machineTags/any(t: true)").is_err());
}

/// The work estimate: a node inside `k` lambda bodies counts 100^k, and the sum is bounded
/// before anything runs. A bound on work, not on time.
#[test]
fn cost_limit() {
    assert_eq!(syntax::Limits::default().max_cost, 1_000_000);
    let inner = |n: usize| -> String {
        let terms: Vec<String> = (0..n).map(|i| format!("t1 eq 'x{i}'")).collect();
        terms.join(" or ")
    };
    let nested = |n: usize| format!("machineTags/any(t0: machineTags/any(t1: {}))", inner(n));
    // 30 comparisons (91 nodes) in the inner body: about 910,000 steps on a record whose
    // collections hold 100. 40 (121 nodes): over a million, refused at the node that tips it.
    p(&nested(30));
    let e = err(&nested(40));
    assert_eq!(e.kind(), &ErrorKind::TooCostly { limit: 1_000_000 });
    assert!(e
        .to_string()
        .starts_with("error: filter would do more than the limit of 1000000 steps per record"));
    assert!(e.span().start > "machineTags/any(t0: machineTags/any(t1: ".len());
    // The same condition in one lambda costs a hundredth; at the top level, nothing to speak of.
    p(&format!("machineTags/any(t1: {})", inner(1_000)));
    p(&inner(2_000).replace("t1", "machineId"));
    // The setting is respected both ways.
    let small = Parser::builder().max_cost(2_000).build();
    assert!(small
        .parse(&format!("machineTags/any(t1: {})", inner(3)))
        .is_ok());
    assert_eq!(
        small.parse(&nested(1)).unwrap_err().kind(),
        &ErrorKind::TooCostly { limit: 2_000 }
    );
    let large = Parser::builder().max_cost(u64::MAX).build();
    assert!(large.parse(&nested(1_000)).is_ok());
}

#[test]
fn debug_prints_the_rendered_error() {
    let e = err("a eq");
    assert_eq!(format!("{e:?}"), e.to_string());
}

// ---- limits under a 2 MiB stack ------------------------------------------------

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// A parser whose length limit lets these huge inputs reach the depth and node limits.
fn roomy() -> Parser {
    Parser::builder().max_len(10 << 20).build()
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    on_small_stack(|| {
        let input = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = roomy().parse(&input).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TooDeep { limit: 100 });
        // With default limits the same input is simply too long.
        assert_eq!(
            syntax::parse(&input).unwrap_err().kind(),
            &ErrorKind::TooLong { limit: 65_536 }
        );
        let unclosed = "(".repeat(100_000);
        assert!(roomy().parse(&unclosed).is_err());
        let nots = format!("{}a", "not ".repeat(100_000));
        assert_eq!(
            roomy().parse(&nots).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit: 100 }
        );
        let negs = format!("{}a", "-".repeat(100_000));
        assert!(roomy().parse(&negs).is_err());
        let calls = format!("{}a{}", "f(".repeat(100_000), ")".repeat(100_000));
        assert!(roomy().parse(&calls).is_err());
        let lambdas = "t/any(x: ".repeat(100_000);
        assert!(roomy().parse(&lambdas).is_err());
        let any_depth = Parser::builder()
            .max_len(10 << 20)
            .max_lambda_depth(usize::MAX)
            .max_cost(u64::MAX)
            .build();
        assert_eq!(
            any_depth.parse(&lambdas).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit: 100 }
        );
    });
}

#[test]
fn long_chains_are_errors_not_stack_overflows() {
    on_small_stack(|| {
        let terms: Vec<String> = (0..100_000).map(|i| format!("id eq {i}")).collect();
        let ors = terms.join(" or ");
        assert_eq!(
            roomy().parse(&ors).unwrap_err().kind(),
            &ErrorKind::TooManyNodes { limit: 10_000 }
        );
        let adds = format!("a{}", " add 1".repeat(100_000));
        assert_eq!(
            roomy().parse(&adds).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit: 100 }
        );
        // A 1,000-term chain is fine: it is one node with 1,000 operands.
        let ok = terms[..1000].join(" or ");
        let tree = roomy().parse(&ok).unwrap();
        assert_eq!(roomy().parse(&tree.to_string()).unwrap(), tree);
    });
}

// ---- regressions found by fuzzing --------------------------------------------------

/// fuzz/regressions/roundtrip/crash-f5c6a263…: `-` then a path named `INF426`
/// printed as `-INF426`, which read back as `-INF` followed by `426`.
#[test]
fn regression_fuzz_roundtrip_neg_inf_prefix() {
    let input = include_str!(
        "../fuzz/regressions/roundtrip/crash-f5c6a263575d05ad747d5ca0cd229bf578478c68"
    );
    let tree = p(input);
    assert_eq!(tree.to_string(), "-INF426");
    assert_eq!(p(&tree.to_string()), tree);
    assert_eq!(p("-INFx").to_string(), "-INFx");
    assert_eq!(p("x eq -INF").to_string(), "x eq -INF");
}

/// Issue 11: 30 nested lambdas (fuzz/regressions/check_eval) ran for minutes in SQLite, the
/// evaluator and the `check_eval` fuzz target. The parser now refuses them at the third.
#[test]
fn regression_fuzz_check_eval_nested_lambdas() {
    let input = include_str!("../fuzz/regressions/check_eval/timeout-nested-lambdas-30-deep");
    assert_eq!(input, nested_lambdas(30));
    let e = err(input);
    assert_eq!(e.kind(), &ErrorKind::LambdaTooDeep { limit: 2 });
    let third = "machineTags/any(t0: machineTags/any(t1: ".len();
    assert_eq!(e.span().start, third);
    assert_eq!(&input[e.span().start..e.span().end], "machineTags/any(t2:");
    // (Every Defender example query stays within the default: `every_defender_query_parses`.)
}

// ---- parameter aliases ----------------------------------------------------------

fn alias(name: &str) -> Expr {
    Expr::new(ExprKind::Alias(Ident::new(name)))
}

#[test]
fn parameter_aliases_parse_and_print_back() {
    assert_eq!(
        p("name eq @p"),
        Expr::new(ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs: Box::new(path("name")),
            rhs: Box::new(alias("p")),
        })
    );
    // Spans cover the `@`; any identifier is a name, keywords included.
    let tree = p("x in (@a, @null, @_1é)");
    let ExprKind::In { list, .. } = &tree.kind else {
        panic!("{tree:?}")
    };
    assert_eq!(list, &[alias("a"), alias("null"), alias("_1é")]);
    assert_eq!((list[0].span.start, list[0].span.end), (6, 8));
    for text in [
        "name eq @p",
        "@p eq name",
        "startswith(name, @prefix) and @p",
        "x in (@a, 'b', @c)",
        "-@n lt 0",
        "not @flag",
        "tags/any(t: t eq @tag)",
    ] {
        assert_eq!(p(text).to_string(), text);
        assert_eq!(p(&p(text).to_string()), p(text));
    }
}

#[test]
fn an_at_sign_needs_an_alias_name() {
    for (text, at) in [
        ("x eq @", (5, 6)),
        ("x eq @1", (5, 7)),
        ("x eq @ p", (5, 6)),
    ] {
        let e = err(text);
        assert_eq!(*e.kind(), ErrorKind::InvalidAlias, "{text}");
        assert_eq!((e.span().start, e.span().end), at, "{text}");
    }
    assert_eq!(
        err("x eq @1").to_string(),
        "error: expected a parameter alias name after '@' (a letter or '_', then letters, digits or '_'), as in '@p'\n  |\n1 | x eq @1\n  |      ^^\n"
    );
    // An OData identifier has at most 128 characters.
    let long = format!("x eq @{}", "a".repeat(128));
    assert!(syntax::parse(&long).is_ok());
    assert_eq!(*err(&format!("{long}a")).kind(), ErrorKind::InvalidAlias);
}

// ---- property: print then parse gives the same tree ------------------------------

fn ident() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_filter("not a keyword", |s| {
        // Beyond the keywords: the lambda words, a literal prefix and an exponent letter.
        const PREFIXES: [&str; 4] = ["any", "all", "duration", "e"];
        syntax::is_property_name(s) && !PREFIXES.iter().any(|k| k.eq_ignore_ascii_case(s))
    })
}

fn arb_path() -> impl Strategy<Value = Path> {
    prop::collection::vec(ident(), 1..3).prop_map(|segs| Path {
        segments: segs.into_iter().map(Ident::new).collect(),
    })
}

fn arb_literal() -> impl Strategy<Value = Literal> {
    let date = (0i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let time = (0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000_000)
        .prop_map(|(h, m, s, n)| chrono::NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap());
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        // Any float (from a literal with more digits than a decimal holds), decimals of up to
        // 28 digits with any scale, and the floats no decimal holds.
        any::<f64>().prop_map(Literal::Float),
        (
            -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
            0u32..=28
        )
            .prop_map(|(m, s)| Literal::Decimal(Decimal::from_i128_with_scale(m, s))),
        (
            any::<bool>(),
            prop_oneof![
                Just(f64::INFINITY),
                Just(f64::NAN),
                1e29f64..f64::MAX,
                f64::MIN_POSITIVE..1e-29f64
            ]
        )
            .prop_map(|(neg, x)| Literal::Float(if neg { -x } else { x })),
        ".*".prop_map(Literal::String),
        any::<u128>().prop_map(Literal::Guid),
        date.clone().prop_map(Literal::Date),
        date.clone().prop_map(Literal::DateUtc),
        (date, time.clone(), -1439i32..=1439).prop_map(|(d, t, off)| {
            let off = chrono::FixedOffset::east_opt(off * 60).unwrap();
            Literal::DateTimeOffset(d.and_time(t).and_local_timezone(off).unwrap())
        }),
        time.prop_map(Literal::TimeOfDay),
        (-(1i64 << 62)..(1i64 << 62)).prop_map(|n| Literal::Duration(TimeDelta::nanoseconds(n))),
        (ident(), ident(), "[A-Za-z0-9,]{0,10}").prop_map(|(a, b, v)| Literal::Enum {
            type_name: format!("{a}.{b}"),
            value: v,
        }),
    ]
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        arb_literal().prop_map(|l| Expr::new(ExprKind::Literal(l))),
        arb_path().prop_map(|p| Expr::new(ExprKind::Path(p))),
        arb_path().prop_map(|p| Expr::new(ExprKind::Lambda {
            path: p,
            kind: LambdaKind::Any,
            body: None
        })),
        // Alias names are any identifiers, keywords and literal prefixes included.
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(|n| Expr::new(ExprKind::Alias(Ident::new(n)))),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let logical = prop_oneof![Just(LogicalOp::And), Just(LogicalOp::Or)];
        prop_oneof![
            (logical, prop::collection::vec(inner.clone(), 2..4))
                .prop_map(|(op, operands)| Expr::new(ExprKind::Logical { op, operands })),
            (
                prop::sample::select(BinaryOp::ALL.to_vec()),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| bin(op, l, r)),
            (
                prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)],
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::new(ExprKind::Unary {
                    op,
                    expr: Box::new(e)
                })),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3)).prop_map(|(e, list)| {
                Expr::new(ExprKind::In {
                    expr: Box::new(e),
                    list,
                })
            }),
            (ident(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(n, args)| call(&n, args)),
            (
                arb_path(),
                prop_oneof![Just(LambdaKind::Any), Just(LambdaKind::All)],
                ident(),
                inner
            )
                .prop_map(|(path, kind, var, body)| Expr::new(ExprKind::Lambda {
                    path,
                    kind,
                    body: Some((Ident::new(var), Box::new(body)))
                })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn print_then_parse_is_identity(tree in arb_expr()) {
        let text = tree.to_string();
        // The generator nests lambdas up to its recursion depth, past the default limit.
        let parser = Parser::builder().max_lambda_depth(8).max_cost(u64::MAX).build();
        let back = parser.parse(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        prop_assert_eq!(&back, &tree, "{}", text);
        // Canonical text is a fixed point.
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn parse_never_panics(input in ".{0,200}") {
        let _ = syntax::parse(&input);
    }

    #[test]
    fn parse_never_panics_on_filter_like_text(
        input in r"[a-z ()',/:0-9TZ.+\-]{0,80}"
    ) {
        if let Ok(tree) = syntax::parse(&input) {
            prop_assert_eq!(syntax::parse(&tree.to_string()).unwrap(), tree);
        }
    }
}
