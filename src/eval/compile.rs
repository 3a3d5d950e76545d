//! Compiles a checked [`ir::Expr`] into the interpreter's [`Node`] tree.

use super::instant::Instant;
use super::node::{Access, Node, Operand, Root, Step, TextTest};
use super::scalar::{Read, Scalar};
use crate::ir::{self, CmpOp, ExprKind, FieldRef, Function, LambdaKind};
use crate::value::Value;

/// The condition `e`, inside `depth` lambdas.
pub(crate) fn node(e: &ir::Expr, depth: usize) -> Node {
    match e.kind() {
        ExprKind::Const(Value::Bool(b)) => Node::Const(Some(*b)),
        ExprKind::Const(_) => Node::Const(None),
        ExprKind::Not(x) => match node(x, depth) {
            Node::Const(b) => Node::Const(b.map(|b| !b)),
            x => Node::Not(Box::new(x)),
        },
        ExprKind::And(xs) => and_node(xs.iter().map(|x| node(x, depth)).collect()),
        ExprKind::Or(xs) => or_node(xs.iter().map(|x| node(x, depth)).collect()),
        ExprKind::Compare { op, lhs, rhs } => match (lhs.kind(), rhs.kind()) {
            (ExprKind::Field(f), ExprKind::Const(v)) => field_cmp(f, *op, v, depth),
            (ExprKind::Const(v), ExprKind::Field(f)) => field_cmp(f, op.flip(), v, depth),
            _ => Node::Cmp {
                op: *op,
                lhs: operand(lhs, depth),
                rhs: operand(rhs, depth),
            },
        },
        ExprKind::In { expr, list } => match (expr.kind(), text_list(list)) {
            (ExprKind::Field(f), Some((values, null))) if is_text(f) => Node::StrIn {
                field: access(f, depth),
                values,
                null,
            },
            _ => Node::In {
                x: operand(expr, depth),
                list: list.iter().map(Scalar::from_value).collect(),
            },
        },
        ExprKind::Call { func, args } => match (text_test(*func), &args[..]) {
            (Some(test), [x, y]) => match (x.kind(), y.kind()) {
                (ExprKind::Field(f), ExprKind::Const(Value::String(s))) if is_text(f) => {
                    Node::StrTest {
                        test,
                        field: access(f, depth),
                        value: s.as_str().into(),
                    }
                }
                _ => Node::Test(operand(e, depth)),
            },
            _ => Node::Test(operand(e, depth)),
        },
        ExprKind::Field(_) => Node::Test(operand(e, depth)),
        ExprKind::Lambda {
            kind,
            collection,
            predicate,
            ..
        } => Node::Lambda {
            all: *kind == LambdaKind::All,
            collection: access(collection, depth),
            predicate: predicate.as_ref().map(|p| Box::new(node(p, depth + 1))),
        },
    }
}

/// `and` of `xs`, with the date-time comparisons of one member merged into one test that
/// reads the member once (`t ge a and t lt b`). `and` is commutative and evaluation has no
/// effects, so the order of the operands does not matter.
fn and_node(xs: Vec<Node>) -> Node {
    let mut out: Vec<Node> = Vec::with_capacity(xs.len());
    for x in xs {
        match x {
            Node::InstantCmp {
                field: Access::Key(key),
                op,
                value,
            } => {
                let same = out.iter_mut().find_map(|n| match n {
                    Node::InstantAll {
                        field: Access::Key(k),
                        tests,
                    } if *k == key => Some(tests),
                    _ => None,
                });
                match same {
                    Some(tests) => {
                        let mut all = std::mem::take(tests).into_vec();
                        all.push((op, value));
                        *tests = all.into_boxed_slice();
                    }
                    None => out.push(Node::InstantAll {
                        field: Access::Key(key),
                        tests: Box::new([(op, value)]),
                    }),
                }
            }
            x => out.push(x),
        }
    }
    // A single comparison stays one.
    for n in &mut out {
        if let Node::InstantAll { field, tests } = n {
            if let [(op, value)] = **tests {
                let field = std::mem::replace(field, Access::Key("".into()));
                *n = Node::InstantCmp { field, op, value };
            }
        }
    }
    match out.len() {
        1 => out.pop().expect("one operand"),
        _ => Node::And(out.into_boxed_slice()),
    }
}

/// `or` of `xs`, with the equalities of one text member to constants merged into one `in`
/// test that reads the member once (`m eq 'a' or m eq 'b'`). Text equalities are never null
/// and `or` is commutative, so this gives the same result.
fn or_node(xs: Vec<Node>) -> Node {
    let mut out: Vec<Node> = Vec::with_capacity(xs.len());
    for x in xs {
        let (key, values, null) = match x {
            Node::StrCmp {
                field: Access::Key(key),
                op: CmpOp::Eq,
                value,
            } => (key, vec![value], false),
            Node::StrIn {
                field: Access::Key(key),
                values,
                null,
            } => (key, values.into_vec(), null),
            x => {
                out.push(x);
                continue;
            }
        };
        let same = out.iter_mut().find_map(|n| match n {
            Node::StrIn {
                field: Access::Key(k),
                values,
                null,
            } if *k == key => Some((values, null)),
            _ => None,
        });
        match same {
            Some((all, all_null)) => {
                let mut merged = std::mem::take(all).into_vec();
                merged.extend(values);
                *all = merged.into_boxed_slice();
                *all_null |= null;
            }
            None => out.push(Node::StrIn {
                field: Access::Key(key),
                values: values.into_boxed_slice(),
                null,
            }),
        }
    }
    match out.len() {
        1 => out.pop().expect("one operand"),
        _ => Node::Or(out.into_boxed_slice()),
    }
}

/// `f op v`, specialised for the common field types.
fn field_cmp(f: &FieldRef, op: CmpOp, v: &Value, depth: usize) -> Node {
    let field = access(f, depth);
    match (Read::of(&f.ty), v) {
        (Read::Str | Read::Enum, Value::String(s) | Value::Enum(s)) => Node::StrCmp {
            field,
            op,
            value: s.as_str().into(),
        },
        (Read::Instant, Value::DateTimeOffset(t)) => Node::InstantCmp {
            field,
            op,
            value: Instant::from(*t),
        },
        (Read::Guid, Value::Guid(g)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Node::GuidEq {
            field,
            text: guid_text(*g).into(),
            negate: op == CmpOp::Ne,
        },
        (read, v) => Node::FieldCmp {
            field,
            read,
            op,
            value: Scalar::from_value(v),
        },
    }
}

/// The lower-case `8-4-4-4-12` text of a GUID.
fn guid_text(g: u128) -> String {
    let h = format!("{g:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Whether `f` reads as text (a String or enum field).
fn is_text(f: &FieldRef) -> bool {
    matches!(Read::of(&f.ty), Read::Str | Read::Enum)
}

/// The strings of an `in` list and whether it holds null; `None` if it holds anything else.
fn text_list(list: &[Value]) -> Option<(Box<[Box<str>]>, bool)> {
    let mut null = false;
    let mut values = Vec::with_capacity(list.len());
    for v in list {
        match v {
            Value::String(s) | Value::Enum(s) => values.push(s.as_str().into()),
            Value::Null => null = true,
            _ => return None,
        }
    }
    Some((values.into_boxed_slice(), null))
}

fn text_test(f: Function) -> Option<TextTest> {
    match f {
        Function::Contains => Some(TextTest::Contains),
        Function::StartsWith => Some(TextTest::StartsWith),
        Function::EndsWith => Some(TextTest::EndsWith),
        _ => None,
    }
}

/// The value of `e`, inside `depth` lambdas.
fn operand(e: &ir::Expr, depth: usize) -> Operand {
    match e.kind() {
        ExprKind::Const(v) => Operand::Const(Scalar::from_value(v)),
        ExprKind::Field(f) => Operand::Field {
            field: access(f, depth),
            read: Read::of(&f.ty),
        },
        ExprKind::Call { func, args } => Operand::Call {
            func: *func,
            args: args.iter().map(|a| operand(a, depth)).collect(),
        },
        ExprKind::Not(_)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Compare { .. }
        | ExprKind::In { .. }
        | ExprKind::Lambda { .. } => Operand::Cond(Box::new(node(e, depth))),
    }
}

/// Pre-resolves the JSON keys of `f`: a field with one JSON path contributes its keys as
/// plain steps; one with fallback paths contributes a [`Step::FirstOf`].
fn access(f: &FieldRef, depth: usize) -> Access {
    if let ([field], 0) = (&f.path[..], f.var) {
        if let ([key], []) = (field.json_path(), field.alt_json_paths()) {
            return Access::Key(key.as_str().into());
        }
    }
    let root = match f.var {
        0 => Root::Record,
        v if v <= depth => Root::Element(depth - v),
        _ => Root::Missing,
    };
    let mut steps = Vec::new();
    for field in &f.path {
        if field.alt_json_paths().is_empty() {
            steps.extend(
                field
                    .json_path()
                    .iter()
                    .map(|k| Step::Key(k.as_str().into())),
            );
        } else {
            let paths = field
                .json_paths()
                .map(|p| p.iter().map(|k| k.as_str().into()).collect())
                .collect();
            steps.push(Step::FirstOf(paths));
        }
    }
    Access::Path {
        root,
        steps: steps.into_boxed_slice(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::parse_guid_text;
    use crate::schema::catalog;
    use proptest::prelude::*;

    fn compiled(text: &str) -> Node {
        let schema = catalog::machine_action();
        let tree = crate::syntax::parse(text).unwrap();
        node(&crate::check::check(&schema, &tree, text).unwrap(), 0)
    }

    #[test]
    fn common_comparisons_are_specialised() {
        let n = compiled("machineId eq 'x'");
        assert!(matches!(
            n,
            Node::StrCmp {
                field: Access::Key(_),
                op: CmpOp::Eq,
                ..
            }
        ));
        assert!(matches!(
            compiled("'x' lt machineId"),
            Node::StrCmp { op: CmpOp::Gt, .. }
        ));
        assert!(matches!(
            compiled("status eq 'Pending'"),
            Node::StrCmp { .. }
        ));
        let n = compiled("creationDateTimeUtc gt 2018-08-01Z");
        assert!(matches!(n, Node::InstantCmp { op: CmpOp::Gt, .. }));
        let n = compiled("id ne 2e9da30d-27f6-4208-81f2-9cd3d67893ba");
        assert!(matches!(n, Node::GuidEq { negate: true, .. }));
        let n = compiled("status in ('Pending', 'Failed')");
        assert!(matches!(n, Node::StrIn { null: false, .. }));
        let n = compiled("startswith(requestor, 'a')");
        assert!(matches!(
            n,
            Node::StrTest {
                test: TextTest::StartsWith,
                ..
            }
        ));
        assert!(matches!(
            compiled("length(machineId) eq 40"),
            Node::Cmp { .. }
        ));
        assert!(matches!(compiled("not true"), Node::Const(Some(false))));
    }

    #[test]
    fn chains_on_one_member_are_merged() {
        let n = compiled("machineId eq 'a' or status eq 'Failed' or machineId eq 'b'");
        let Node::Or(xs) = n else { panic!("{n:?}") };
        assert!(matches!(&xs[0], Node::StrIn { values, null: false, .. } if values.len() == 2));
        assert!(matches!(&xs[1], Node::StrIn { values, .. } if values.len() == 1));
        assert!(matches!(
            compiled("machineId eq 'a' or machineId in ('b', 'c')"),
            Node::StrIn { values, null: false, .. } if values.len() == 3
        ));
        let n = compiled(
            "creationDateTimeUtc ge 2018-12-04Z and status eq 'Failed' and creationDateTimeUtc lt 2018-12-05Z",
        );
        let Node::And(xs) = n else { panic!("{n:?}") };
        assert!(matches!(&xs[0], Node::InstantAll { tests, .. } if tests.len() == 2));
        assert!(matches!(&xs[1], Node::StrCmp { .. }));
        assert!(matches!(
            compiled("creationDateTimeUtc ge 2018-12-04Z and status eq 'Failed'"),
            Node::And(xs) if matches!(xs[0], Node::InstantCmp { .. })
        ));
    }

    #[test]
    fn fallback_json_paths_stay_paths() {
        let schema = catalog::machine_action();
        let field = schema.lookup("lastUpdateDateTimeUtc").unwrap().clone();
        let r = FieldRef {
            var: 0,
            ty: field.ty().clone(),
            path: vec![field],
        };
        let a = access(&r, 0);
        assert!(matches!(&a, Access::Path { root: Root::Record, steps } if steps.len() == 1));
        assert!(
            matches!(&a, Access::Path { steps, .. } if matches!(&steps[0], Step::FirstOf(p) if p.len() == 2))
        );
        let r = FieldRef { var: 2, ..r };
        assert!(matches!(
            access(&r, 1),
            Access::Path {
                root: Root::Missing,
                ..
            }
        ));
        assert!(matches!(
            access(&r, 3),
            Access::Path {
                root: Root::Element(1),
                ..
            }
        ));
    }

    #[test]
    fn guid_text_is_canonical() {
        let g = 0x2e9da30d_27f6_4208_81f2_9cd3d67893ba;
        assert_eq!(guid_text(g), "2e9da30d-27f6-4208-81f2-9cd3d67893ba");
        assert_eq!(guid_text(0), "00000000-0000-0000-0000-000000000000");
        assert_eq!(parse_guid_text(&guid_text(u128::MAX)), Some(u128::MAX));
    }

    proptest! {
        /// The GUID fast path: matching the constant's text ignoring ASCII case is the same
        /// as reading the record string as a GUID and comparing numbers.
        #[test]
        fn guid_text_match_is_guid_equality(
            g in any::<u128>(),
            upper in prop::collection::vec(any::<bool>(), 36),
            at in 0..36usize,
            c in prop::sample::select(b"0123456789abcdefABCDEFxX-{ ".to_vec()),
            other in "[0-9a-fA-F-]{30,38}",
        ) {
            let text = guid_text(g);
            let cased: String = text
                .chars()
                .zip(&upper)
                .map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c })
                .collect();
            let mut changed = cased.clone().into_bytes();
            changed[at] = c;
            let changed = String::from_utf8(changed).unwrap();
            for s in [cased, changed, other] {
                prop_assert_eq!(s.eq_ignore_ascii_case(&text), parse_guid_text(&s) == Some(g), "{}", s);
            }
        }
    }
}
