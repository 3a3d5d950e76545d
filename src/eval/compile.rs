//! Compiles a checked [`ir::Expr`] into the interpreter's [`Node`] tree.

use super::node::{Access, Key, Node, Operand, Root, Step, TextTest};
use super::scalar::{Read, Scalar};
use crate::edm::instant::Instant;
use crate::ir::{self, CmpOp, ExprKind, FieldRef, Function, LambdaKind};
use crate::value::Value;

/// The condition of a whole filter `e`, [normalized](ir::normalize) first, and the
/// top-level members it reads: the [`Key`]s of the tree are numbered by their place in that
/// list.
pub(crate) fn root(e: &ir::Expr) -> (Node, Vec<Box<str>>) {
    let mut root = node(&ir::normalize(e), 0);
    let mut keys = Vec::new();
    number_keys(&mut root, &mut keys);
    (root, keys)
}

/// Gives each [`Key`] in `n` its slot in `keys` (adding the new ones), and adds the first
/// key of every path from the record, so that `keys` names every top-level member `n`
/// reads.
fn number_keys(n: &mut Node, keys: &mut Vec<Box<str>>) {
    match n {
        Node::Const(_) => {}
        Node::Not(x) | Node::IsTrue(x) => number_keys(x, keys),
        Node::And(xs) | Node::Or(xs) => xs.iter_mut().for_each(|x| number_keys(x, keys)),
        Node::StrCmp { field, .. }
        | Node::InstantCmp { field, .. }
        | Node::InstantAll { field, .. }
        | Node::GuidEq { field, .. }
        | Node::StrIn { field, .. }
        | Node::StrTest { field, .. }
        | Node::FieldCmp { field, .. }
        | Node::StructuredNull { field, .. } => number_access(field, keys),
        Node::Cmp { lhs, rhs, .. } => {
            number_operand(lhs, keys);
            number_operand(rhs, keys);
        }
        Node::In { x, .. } | Node::Test(x) => number_operand(x, keys),
        Node::Lambda {
            collection,
            predicate,
            ..
        } => {
            number_access(collection, keys);
            if let Some(p) = predicate {
                number_keys(p, keys);
            }
        }
    }
}

fn number_operand(o: &mut Operand, keys: &mut Vec<Box<str>>) {
    match o {
        Operand::Const(_) => {}
        Operand::Field { field, .. } => number_access(field, keys),
        Operand::Call { args, .. } => args.iter_mut().for_each(|a| number_operand(a, keys)),
        Operand::Cond(x) => number_keys(x, keys),
        Operand::Double(x) => number_operand(x, keys),
    }
}

fn number_access(a: &mut Access, keys: &mut Vec<Box<str>>) {
    let mut slot = |name: &str| match keys.iter().position(|k| &**k == name) {
        Some(i) => i,
        None => {
            keys.push(name.into());
            keys.len() - 1
        }
    };
    match a {
        Access::Key(k) => k.slot = slot(&k.name),
        Access::Path {
            root: Root::Record,
            steps,
        } => match steps.first() {
            Some(Step::Key(k)) => {
                slot(k);
            }
            Some(Step::FirstOf(paths)) => {
                for k in paths.iter().filter_map(|p| p.first()) {
                    slot(k);
                }
            }
            None => {}
        },
        // Lambda elements are read through their collection, a record member.
        Access::Path { .. } => {}
    }
}

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
        // OData's numeric promotion: an integer or a decimal compared with a Double.
        ExprKind::Compare { op, lhs, rhs } if lhs.ty().promotes_to_double_with(rhs.ty()) => {
            Node::Cmp {
                op: *op,
                lhs: Operand::Double(Box::new(operand(lhs, depth))),
                rhs: Operand::Double(Box::new(operand(rhs, depth))),
            }
        }
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
        } => lambda(
            *kind == LambdaKind::All,
            collection,
            predicate.as_deref(),
            depth,
        ),
    }
}

/// `collection/any(v: p)` (or `all`), inside `depth` lambdas, with the operands of `p` that
/// do not read `v` evaluated once instead of once per element: with `p = a and b(v)`,
/// `any(v: a and b(v))` is `a is true and any(v: b(v))`, and with `p = a or b(v)`,
/// `all(v: a or b(v))` is `a is true or all(v: b(v))`. These hold in three-valued logic
/// because a lambda is never null (`any` is true when some element's condition is true,
/// `all` when every one is), and they make a nested lambda whose inner condition reads only
/// the outer element (`tags/any(a: tags/any(b: a eq 'x'))`) linear in the record instead of
/// quadratic. `lifting_agrees_with_whole_lambdas` in the tests compares the two forms.
fn lambda(all: bool, collection: &FieldRef, predicate: Option<&ir::Expr>, depth: usize) -> Node {
    let whole = |predicate: Option<&ir::Expr>| Node::Lambda {
        all,
        collection: access(collection, depth),
        predicate: predicate.map(|p| Box::new(node(p, depth + 1))),
    };
    let Some(p) = predicate.filter(|_| lifting()) else {
        return whole(predicate);
    };
    let operands = match (all, p.kind()) {
        (false, ExprKind::And(xs)) | (true, ExprKind::Or(xs)) => &xs[..],
        _ => std::slice::from_ref(p),
    };
    let var = depth + 1;
    // An operand with a lambda of its own stays: its element's number would change.
    let (inner, outer): (Vec<&ir::Expr>, Vec<&ir::Expr>) = operands
        .iter()
        .partition(|x| reads_var(x, var) || has_lambda_body(x));
    if outer.is_empty() {
        return whole(Some(p));
    }
    let outer = Node::IsTrue(Box::new(join(all, outer.iter().map(|x| node(x, depth)))));
    let rest = match &inner[..] {
        // `any(v: a)` is `a is true and any()`; `all(v: a)` is `a is true or not any()`.
        [] => {
            let any = Node::Lambda {
                all: false,
                collection: access(collection, depth),
                predicate: None,
            };
            if all {
                Node::Not(Box::new(any))
            } else {
                any
            }
        }
        _ => Node::Lambda {
            all,
            collection: access(collection, depth),
            predicate: Some(Box::new(join(all, inner.iter().map(|x| node(x, var))))),
        },
    };
    join(all, [outer, rest].into_iter())
}

/// The `or` (`disjunction`) or `and` of conditions, one of them alone as itself.
fn join(disjunction: bool, xs: impl Iterator<Item = Node>) -> Node {
    let mut xs: Vec<Node> = xs.collect();
    match (xs.len(), disjunction) {
        (1, _) => xs.pop().expect("one"),
        (_, true) => or_node(xs),
        (_, false) => and_node(xs),
    }
}

/// Whether `e` holds a lambda with a condition (which reads elements by their depth).
fn has_lambda_body(e: &ir::Expr) -> bool {
    somewhere(e, &|x| {
        matches!(
            x.kind(),
            ExprKind::Lambda {
                predicate: Some(_),
                ..
            }
        )
    })
}

/// Whether `e` reads the element of lambda `var` (anywhere in it, nested lambdas included).
fn reads_var(e: &ir::Expr, var: usize) -> bool {
    somewhere(e, &|x| match x.kind() {
        ExprKind::Field(f) => f.var == var,
        ExprKind::Lambda { collection, .. } => collection.var == var,
        _ => false,
    })
}

/// Whether `test` holds for `e` or any expression inside it.
fn somewhere(e: &ir::Expr, test: &impl Fn(&ir::Expr) -> bool) -> bool {
    let inside = |xs: &[ir::Expr]| xs.iter().any(|x| somewhere(x, test));
    test(e)
        || match e.kind() {
            ExprKind::Const(_) | ExprKind::Field(_) => false,
            ExprKind::Not(x) | ExprKind::In { expr: x, .. } => somewhere(x, test),
            ExprKind::And(xs) | ExprKind::Or(xs) | ExprKind::Call { args: xs, .. } => inside(xs),
            ExprKind::Compare { lhs, rhs, .. } => somewhere(lhs, test) || somewhere(rhs, test),
            ExprKind::Lambda { predicate, .. } => {
                predicate.as_deref().is_some_and(|p| somewhere(p, test))
            }
        }
}

/// Whether [`lambda`] lifts conditions out of lambdas: always, except in the test that
/// compares the lifted form with the whole one.
#[cfg(not(test))]
fn lifting() -> bool {
    true
}

#[cfg(test)]
fn lifting() -> bool {
    tests::LIFTING.with(std::cell::Cell::get)
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
                let field = std::mem::replace(field, Access::Key(Key::new("")));
                *n = Node::InstantCmp { field, op, value };
            }
        }
    }
    match out.len() {
        1 => out.pop().expect("one operand"),
        _ => Node::And(out.into_boxed_slice()),
    }
}

/// `or` of `xs`, one of them alone as itself. The tests of one member against constants are
/// already one `in` ([`ir::normalize`], which [`root`] applies).
fn or_node(mut xs: Vec<Node>) -> Node {
    match xs.len() {
        1 => xs.pop().expect("one operand"),
        _ => Node::Or(xs.into_boxed_slice()),
    }
}

/// `f op v`, specialised for the common field types.
fn field_cmp(f: &FieldRef, op: CmpOp, v: &Value, depth: usize) -> Node {
    let field = access(f, depth);
    if f.ty.as_complex().is_some() {
        // Compared with null, by `eq` or `ne` (the checker's rule).
        return Node::StructuredNull {
            field,
            negate: op == CmpOp::Ne,
        };
    }
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
            text: crate::edm::guid::format(*g).into(),
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
            return Access::Key(Key::new(key));
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
    use crate::edm::guid::{format as guid_text, parse as parse_guid_text};
    use crate::schema::catalog;
    use proptest::prelude::*;

    thread_local! {
        /// See [`lifting`](super::lifting).
        pub(super) static LIFTING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    }

    /// The three-valued result of `text` on `record` over Machines, with conditions lifted
    /// out of lambdas or not.
    fn eval_lifting(lift: bool, text: &str, record: &serde_json::Value) -> Option<bool> {
        let schema = catalog::machine();
        let tree = crate::syntax::parse(text).unwrap();
        let expr = crate::check::check(&schema, &tree, text).unwrap_or_else(|e| panic!("{e}"));
        LIFTING.with(|l| l.set(lift));
        let node = node(&expr, 0);
        LIFTING.with(|l| l.set(true));
        node.eval(&super::super::node::Env::new(record))
    }

    /// A lambda body: operands that read the element `v`, the outer element `o` (when
    /// nested) or only the record, joined by `and`/`or`, sometimes negated.
    fn body(v: &'static str, o: Option<&'static str>) -> impl Strategy<Value = String> {
        let mut atoms = vec![
            format!("{v} eq 'a'"),
            format!("{v} ne null"),
            format!("startswith({v}, 'b')"),
            "computerDnsName eq 'x'".to_owned(),
            "computerDnsName eq null".to_owned(),
            "riskScore eq 'High'".to_owned(),
            "not (computerDnsName eq 'y')".to_owned(),
            "machineTags/any()".to_owned(),
        ];
        if let Some(o) = o {
            atoms.extend([
                format!("{o} eq 'a'"),
                format!("{v} eq {o}"),
                format!("{o} eq null"),
            ]);
        }
        prop::collection::vec((prop::sample::select(atoms), any::<bool>()), 1..5)
            .prop_flat_map(|xs| (Just(xs), any::<bool>()))
            .prop_map(|(xs, and)| {
                let terms: Vec<String> = xs
                    .into_iter()
                    .map(|(x, neg)| if neg { format!("not ({x})") } else { x })
                    .collect();
                terms.join(if and { " and " } else { " or " })
            })
    }

    fn lambda_filter() -> impl Strategy<Value = String> {
        let kind = || prop::sample::select(vec!["any", "all"]);
        prop_oneof![
            (kind(), body("t", None)).prop_map(|(k, b)| format!("machineTags/{k}(t: {b})")),
            (kind(), kind(), body("t", Some("s")), body("s", None)).prop_map(
                |(k1, k2, inner, outer)| format!(
                    "machineTags/{k1}(s: ({outer}) and machineTags/{k2}(t: {inner}))"
                )
            ),
            (kind(), kind(), body("t", Some("s"))).prop_map(|(k1, k2, inner)| format!(
                "machineTags/{k1}(s: machineTags/{k2}(t: {inner}))"
            )),
        ]
    }

    fn machine_record() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::{json, Value as Json};
        let tag = prop::sample::select(vec![json!("a"), json!("b"), json!("bc"), Json::Null]);
        let tags = prop_oneof![
            prop::collection::vec(tag, 0..4).prop_map(Json::Array),
            Just(Json::Null),
            Just(json!("a")),
        ];
        let name = prop::sample::select(vec![json!("x"), json!("y"), Json::Null, json!(3)]);
        let risk = prop::sample::select(vec![json!("High"), json!("Low"), Json::Null]);
        (prop::option::of(tags), prop::option::of(name), risk).prop_map(|(t, n, r)| {
            let mut m = serde_json::Map::new();
            if let Some(t) = t {
                m.insert("machineTags".into(), t);
            }
            if let Some(n) = n {
                m.insert("computerDnsName".into(), n);
            }
            m.insert("riskScore".into(), r);
            Json::Object(m)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Lifting conditions out of lambdas is the same filter: same three-valued result,
        /// alone and negated, on records with missing, null, empty and mixed collections.
        #[test]
        fn lifting_agrees_with_whole_lambdas(f in lambda_filter(), r in machine_record()) {
            for text in [f.clone(), format!("not ({f})")] {
                prop_assert_eq!(
                    eval_lifting(true, &text, &r),
                    eval_lifting(false, &text, &r),
                    "{} on {}", text, r
                );
            }
        }
    }

    /// Conditions joined by random `and`/`or`, sometimes negated, among which several test
    /// one member against constants (the shapes [`ir::normalize`] merges), and some do not.
    fn membership_filter() -> impl Strategy<Value = String> {
        let atom = prop::sample::select(vec![
            "computerDnsName eq 'x'",
            "'y' eq computerDnsName",
            "computerDnsName eq null",
            "null eq computerDnsName",
            "computerDnsName in ('x', 'z')",
            "computerDnsName ne 'x'",
            "riskScore eq 'High'",
            "riskScore in ('Low', null)",
            "'Low' eq riskScore",
            "machineTags/any(t: t eq 'a' or t eq 'b' or t in ('bc', null))",
            "machineTags/all(t: t eq 'a' or computerDnsName eq 'y' or t eq null)",
        ]);
        prop::collection::vec((atom, any::<bool>(), any::<bool>()), 1..7).prop_map(|xs| {
            let mut text = String::new();
            for (i, (atom, neg, and)) in xs.into_iter().enumerate() {
                if i > 0 {
                    text.push_str(if and { " and " } else { " or " });
                }
                if neg {
                    text.push_str(&format!("not ({atom})"));
                } else {
                    text.push_str(atom);
                }
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Merging the tests of one member into `in` ([`ir::normalize`]) is the same filter:
        /// same three-valued result, alone and negated, on records with missing, null and
        /// ill-typed members.
        #[test]
        fn normalizing_agrees_with_the_checked_expression(
            f in membership_filter(),
            r in machine_record(),
        ) {
            let schema = catalog::machine();
            for text in [f.clone(), format!("not ({f})")] {
                let tree = crate::syntax::parse(&text).unwrap();
                let expr = crate::check::check(&schema, &tree, &text).unwrap_or_else(|e| panic!("{e}"));
                let env = super::super::node::Env::new(&r);
                prop_assert_eq!(
                    root(&expr).0.eval(&env),
                    node(&expr, 0).eval(&env),
                    "{} on {}", text, r
                );
            }
        }
    }

    /// A nested lambda whose inner condition reads only the outer element is linear in the
    /// collection once the condition is lifted out.
    #[test]
    fn lifting_makes_outer_only_conditions_linear() {
        let n: u64 = 1_000;
        let tags: Vec<String> = (0..n).map(|i| format!("tag{i}")).collect();
        let record = serde_json::json!({ "machineTags": tags });
        let text = "machineTags/any(a: machineTags/any(b: a eq 'none'))";
        let steps = |lift: bool| {
            super::super::node::LAMBDA_STEPS.with(|s| s.set(0));
            assert_eq!(eval_lifting(lift, text, &record), Some(false));
            super::super::node::LAMBDA_STEPS.with(std::cell::Cell::get)
        };
        assert_eq!(steps(true), n);
        assert_eq!(steps(false), n + n * n);
        // A lambda inside a lambda's condition stays where it is, even when it reads only
        // the record (found by `lifting_agrees_with_whole_lambdas`).
        let text =
            "machineTags/any(s: not (computerDnsName eq 'y') and machineTags/any(t: t eq 'a'))";
        let record = serde_json::json!({ "machineTags": ["a"] });
        assert_eq!(eval_lifting(true, text, &record), Some(true));
    }

    fn compiled(text: &str) -> Node {
        let schema = catalog::machine_action();
        let tree = crate::syntax::parse(text).unwrap();
        root(&crate::check::check(&schema, &tree, text).unwrap()).0
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
        assert!(matches!(&xs[1], Node::StrCmp { .. }));
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
