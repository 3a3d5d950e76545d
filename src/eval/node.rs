//! The compiled form of a filter and its interpreter.

use super::func;
use super::scalar::{self, Read, Scalar};
use crate::edm::instant::{self, Instant};
use crate::ir::{CmpOp, Function};
use serde_json::Value as Json;
use std::borrow::Cow;

/// A condition: evaluates to true, false or null (`None`).
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// A constant condition (`true`, `false`, `null`).
    Const(Option<bool>),
    /// `not`.
    Not(Box<Node>),
    /// Whether the operand is true (false for false and null): a condition lifted out of a
    /// lambda, whose result is never null (see `compile::lambda`).
    IsTrue(Box<Node>),
    /// `and`, two or more operands.
    And(Box<[Node]>),
    /// `or`, two or more operands.
    Or(Box<[Node]>),
    /// `text-field op 'constant'` (String or enum field, non-null constant).
    StrCmp {
        field: Access,
        op: CmpOp,
        value: Box<str>,
    },
    /// `instant-field op constant` (DateTimeOffset field, non-null constant).
    InstantCmp {
        field: Access,
        op: CmpOp,
        value: Instant,
    },
    /// `instant-field op1 c1 and instant-field op2 c2 and ...` on one member, read once.
    InstantAll {
        field: Access,
        tests: Box<[(CmpOp, Instant)]>,
    },
    /// `guid-field eq constant` (`ne` when `negate`), by the constant's lower-case text: a
    /// record string equals it ignoring ASCII case exactly when it reads as that GUID.
    GuidEq {
        field: Access,
        text: Box<str>,
        negate: bool,
    },
    /// `text-field in ('a', 'b', ...)`, with `null` in the list when `null` is set.
    StrIn {
        field: Access,
        values: Box<[Box<str>]>,
        null: bool,
    },
    /// `contains`, `startswith` or `endswith` of a text field and a constant.
    StrTest {
        test: TextTest,
        field: Access,
        value: Box<str>,
    },
    /// `field op constant`, the common comparison, with the operator flipped when the
    /// constant was written first.
    FieldCmp {
        field: Access,
        read: Read,
        op: CmpOp,
        value: Scalar<'static>,
    },
    /// Any other comparison.
    Cmp {
        op: CmpOp,
        lhs: Operand,
        rhs: Operand,
    },
    /// `x in (v1, ...)`.
    In {
        x: Operand,
        list: Box<[Scalar<'static>]>,
    },
    /// `structured eq null` (`ne null` when `negate`): whether a structured value is absent,
    /// JSON `null` or not a JSON object (ill-typed, so null).
    StructuredNull { field: Access, negate: bool },
    /// A Boolean value used as a condition: a Boolean field, `contains(...)`.
    Test(Operand),
    /// `any` (`all == false`) or `all` over a collection.
    Lambda {
        all: bool,
        collection: Access,
        predicate: Option<Box<Node>>,
    },
}

/// A value-producing expression.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    /// A constant.
    Const(Scalar<'static>),
    /// A field of the record or of a lambda element.
    Field { field: Access, read: Read },
    /// A canonical function call.
    Call {
        func: Function,
        args: Box<[Operand]>,
    },
    /// A condition used as a Boolean value (`(a eq 1) eq false`).
    Cond(Box<Node>),
    /// A number promoted to Edm.Double ([`Type::promotes_to_double_with`]).
    ///
    /// [`Type::promotes_to_double_with`]: crate::ir::Type::promotes_to_double_with
    Double(Box<Operand>),
}

/// `contains`, `startswith` or `endswith`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextTest {
    /// `contains`
    Contains,
    /// `startswith`
    StartsWith,
    /// `endswith`
    EndsWith,
}

impl TextTest {
    pub(crate) fn test(self, s: &str, part: &str) -> bool {
        match self {
            TextTest::Contains => s.contains(part),
            TextTest::StartsWith => s.starts_with(part),
            TextTest::EndsWith => s.ends_with(part),
        }
    }
}

/// Where a value lives.
#[derive(Clone, Debug)]
pub(crate) enum Access {
    /// A member of the record (the usual top-level field with one JSON key).
    Key(Key),
    /// A root (record or lambda element) and the steps from it.
    Path { root: Root, steps: Box<[Step]> },
}

/// A top-level member of the record: its name, and its slot among the members the filter
/// reads (see [`Record`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) name: Box<str>,
    pub(crate) slot: usize,
}

impl Key {
    /// The member `name`, in slot 0 until [`compile::root`](super::compile::root) numbers it.
    pub(crate) fn new(name: &str) -> Key {
        Key {
            name: name.into(),
            slot: 0,
        }
    }
}

/// Where a record's fields come from: a parsed JSON value, or the raw text of the top-level
/// members that the NDJSON scanner located ([`crate::ndjson`]). The one interpreter,
/// [`Node::eval`], reads records only through these methods.
pub(crate) trait Record {
    /// The top-level member `key` as text; `None` when absent or not a JSON string.
    fn text(&self, key: &Key) -> Option<Cow<'_, str>>;
    /// The top-level member `key` read as `read`; null when absent.
    fn read(&self, key: &Key, read: Read) -> Scalar<'_>;
    /// The record as a JSON value, for paths into members and lambdas; `None` when it cannot
    /// be built (then every field read through it is absent).
    fn json(&self) -> Option<&Json>;
}

/// A parsed record: members are found by name; strings are borrowed.
impl Record for Json {
    #[inline]
    fn text(&self, key: &Key) -> Option<Cow<'_, str>> {
        match member(self, &key.name)? {
            Json::String(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    #[inline]
    fn read(&self, key: &Key, read: Read) -> Scalar<'_> {
        member(self, &key.name).map_or(Scalar::Null, |j| read.read(j))
    }

    #[inline]
    fn json(&self) -> Option<&Json> {
        Some(self)
    }
}

/// The root an [`Access`] starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    /// The record.
    Record,
    /// The element of an enclosing lambda: 0 for the innermost, 1 for the one around it, ...
    Element(usize),
    /// Nothing (a variable the IR does not bind; never produced by the checker).
    Missing,
}

/// One step of an [`Access`].
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// The member `key` of an object.
    Key(Box<str>),
    /// The first of several key paths that is present (a field with fallback JSON paths).
    FirstOf(Box<[Box<[Box<str>]>]>),
}

/// What fields are read from: the record and the elements of the enclosing lambdas.
pub(crate) struct Env<'a, R: ?Sized> {
    pub(crate) record: &'a R,
    pub(crate) frames: Option<&'a Frame<'a>>,
}

impl<R: ?Sized> Clone for Env<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: ?Sized> Copy for Env<'_, R> {}

impl<'a, R: ?Sized> Env<'a, R> {
    /// The record alone, outside any lambda.
    pub(crate) fn new(record: &'a R) -> Self {
        Env {
            record,
            frames: None,
        }
    }
}

/// The element of one enclosing lambda, innermost first.
pub(crate) struct Frame<'a> {
    value: &'a Json,
    parent: Option<&'a Frame<'a>>,
}

impl<'a, R: ?Sized> Env<'a, R> {
    fn element(&self, up: usize) -> Option<&'a Json> {
        let mut frame = self.frames?;
        for _ in 0..up {
            frame = frame.parent?;
        }
        Some(frame.value)
    }
}

fn member<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    match v {
        Json::Object(map) => map.get(key),
        _ => None,
    }
}

impl Access {
    /// The JSON value at this place; `None` when a step is missing or not an object.
    #[inline]
    pub(crate) fn get<'a, R: Record + ?Sized>(&self, env: &Env<'a, R>) -> Option<&'a Json> {
        let (root, steps) = match self {
            Access::Key(k) => return member(env.record.json()?, &k.name),
            Access::Path { root, steps } => (root, steps),
        };
        let mut v = match *root {
            Root::Record => env.record.json()?,
            Root::Element(up) => env.element(up)?,
            Root::Missing => return None,
        };
        for step in &**steps {
            v = match step {
                Step::Key(k) => member(v, k)?,
                Step::FirstOf(paths) => paths
                    .iter()
                    .find_map(|p| p.iter().try_fold(v, |v, k| member(v, k)))?,
            };
        }
        Some(v)
    }

    /// The string at this place; `None` when absent or not a string.
    #[inline]
    fn text<'a, R: Record + ?Sized>(&self, env: &Env<'a, R>) -> Option<Cow<'a, str>> {
        match self {
            Access::Key(k) => env.record.text(k),
            Access::Path { .. } => match self.get(env)? {
                Json::String(s) => Some(Cow::Borrowed(s)),
                _ => None,
            },
        }
    }

    /// The value read as `read`; null when absent.
    #[inline]
    fn read<'a, R: Record + ?Sized>(&self, read: Read, env: &Env<'a, R>) -> Scalar<'a> {
        match self {
            Access::Key(k) => env.record.read(k, read),
            Access::Path { .. } => self.get(env).map_or(Scalar::Null, |j| read.read(j)),
        }
    }
}

impl Node {
    /// The three-valued result.
    pub(crate) fn eval<R: Record + ?Sized>(&self, env: &Env<'_, R>) -> Option<bool> {
        match self {
            Node::StrCmp { field, op, value } => Some(match field.text(env) {
                None => *op == CmpOp::Ne,
                Some(s) => match op {
                    CmpOp::Eq => *s == **value,
                    CmpOp::Ne => *s != **value,
                    _ => op.holds((*s).cmp(value)),
                },
            }),
            Node::InstantCmp { field, op, value } => {
                Some(match field.text(env).and_then(|s| instant::parse(&s)) {
                    None => *op == CmpOp::Ne,
                    Some(t) => op.holds(t.cmp(value)),
                })
            }
            Node::InstantAll { field, tests } => {
                Some(match field.text(env).and_then(|s| instant::parse(&s)) {
                    None => tests.iter().all(|(op, _)| *op == CmpOp::Ne),
                    Some(t) => tests.iter().all(|(op, v)| op.holds(t.cmp(v))),
                })
            }
            Node::GuidEq {
                field,
                text,
                negate,
            } => {
                let eq = field
                    .text(env)
                    .is_some_and(|s| s.eq_ignore_ascii_case(text));
                Some(eq != *negate)
            }
            Node::StrIn {
                field,
                values,
                null,
            } => Some(match field.text(env) {
                None => *null,
                Some(s) => values.iter().any(|v| *s == **v),
            }),
            Node::StrTest { test, field, value } => field.text(env).map(|s| test.test(&s, value)),
            Node::FieldCmp {
                field,
                read,
                op,
                value,
            } => Some(scalar::holds(*op, &field.read(*read, env), value)),
            Node::And(xs) => and(xs, env),
            Node::Or(xs) => or(xs, env),
            Node::Not(x) => x.eval(env).map(|b| !b),
            Node::IsTrue(x) => Some(x.eval(env) == Some(true)),
            Node::Const(b) => *b,
            Node::Cmp { op, lhs, rhs } => cmp(*op, lhs, rhs, env),
            Node::StructuredNull { field, negate } => {
                let null = !matches!(field.get(env), Some(Json::Object(_)));
                Some(null != *negate)
            }
            Node::In { x, list } => in_list(x, list, env),
            Node::Test(x) => test(x, env),
            Node::Lambda {
                all,
                collection,
                predicate,
            } => lambda(*all, collection, predicate.as_deref(), env),
        }
    }
}

// The arms below are kept out of line so that `Node::eval` stays a small dispatcher over
// the leaf comparisons, which are what most filters spend their time in.

#[inline(never)]
fn and<R: Record + ?Sized>(xs: &[Node], env: &Env<'_, R>) -> Option<bool> {
    all3(xs, |x| x.eval(env))
}

#[inline(never)]
fn or<R: Record + ?Sized>(xs: &[Node], env: &Env<'_, R>) -> Option<bool> {
    any3(xs, |x| x.eval(env))
}

/// Three-valued `and` of the operands, evaluated in order until one is false:
/// false if any is false, else null if any is null, else true.
#[inline(always)]
pub(super) fn all3<T>(xs: &[T], mut eval: impl FnMut(&T) -> Option<bool>) -> Option<bool> {
    let mut unknown = false;
    for x in xs {
        match eval(x) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// Three-valued `or`, by De Morgan: `a or b` is `not (not a and not b)`, null included.
#[inline(always)]
pub(super) fn any3<T>(xs: &[T], mut eval: impl FnMut(&T) -> Option<bool>) -> Option<bool> {
    all3(xs, |x| eval(x).map(|b| !b)).map(|b| !b)
}

#[inline(never)]
fn cmp<R: Record + ?Sized>(
    op: CmpOp,
    lhs: &Operand,
    rhs: &Operand,
    env: &Env<'_, R>,
) -> Option<bool> {
    Some(scalar::holds(op, &lhs.value(env), &rhs.value(env)))
}

#[inline(never)]
fn in_list<R: Record + ?Sized>(
    x: &Operand,
    list: &[Scalar<'static>],
    env: &Env<'_, R>,
) -> Option<bool> {
    let x = x.value(env);
    Some(list.iter().any(|v| scalar::equal(&x, v)))
}

#[inline(never)]
fn test<R: Record + ?Sized>(x: &Operand, env: &Env<'_, R>) -> Option<bool> {
    match x.value(env) {
        Scalar::Bool(b) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
thread_local! {
    /// How many times lambda conditions ran on this thread: the work-bound test counts with it.
    pub(super) static LAMBDA_STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[inline(never)]
fn lambda<R: Record + ?Sized>(
    all: bool,
    collection: &Access,
    predicate: Option<&Node>,
    env: &Env<'_, R>,
) -> Option<bool> {
    let items = match collection.get(env) {
        Some(Json::Array(items)) => items.as_slice(),
        _ => &[],
    };
    let Some(predicate) = predicate else {
        return Some(all || !items.is_empty());
    };
    for item in items {
        let frame = Frame {
            value: item,
            parent: env.frames,
        };
        let inner = Env {
            record: env.record,
            frames: Some(&frame),
        };
        #[cfg(test)]
        LAMBDA_STEPS.with(|steps| steps.set(steps.get() + 1));
        let yes = predicate.eval(&inner) == Some(true);
        if yes != all {
            // `any` found a true element, or `all` found one that is not true.
            return Some(yes);
        }
    }
    Some(all)
}

impl Operand {
    /// The value.
    pub(crate) fn value<'a, R: Record + ?Sized>(&'a self, env: &Env<'a, R>) -> Scalar<'a> {
        match self {
            Operand::Const(v) => v.reborrow(),
            Operand::Field { field, read } => field.read(*read, env),
            Operand::Call { func, args } => func::call(*func, args, env),
            Operand::Cond(x) => x.eval(env).map_or(Scalar::Null, Scalar::Bool),
            Operand::Double(x) => x.value(env).to_double(),
        }
    }

    /// The value as text, `None` when null (or, never for checked IR, not text).
    pub(crate) fn text<'a, R: Record + ?Sized>(&'a self, env: &Env<'a, R>) -> Option<Cow<'a, str>> {
        match self.value(env) {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}
