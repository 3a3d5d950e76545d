//! Evaluation over the raw text of a record: only the top-level members a filter reads are
//! located (by [`crate::ndjson`]'s scanner), borrowed from the text, and converted.
//!
//! The compiled [`Node`] tree is lowered once: the specialised leaves over a top-level member
//! (`StrCmp`, `InstantCmp`, `GuidEq`, `StrIn`, `StrTest`, `FieldCmp` on an [`Access::Key`],
//! and comparisons and `in` tests of such members) read that member's raw JSON text directly,
//! without building a `serde_json::Value`; a string without escapes is borrowed, numbers and
//! literals are read in place. Every other subtree (functions, lambdas, nested paths, fallback
//! JSON paths) is kept as a [`Node`] and run by the ordinary interpreter over an object
//! holding just the located members, built once per record when first needed. Both routes
//! read values exactly as [`crate::eval::Predicate`] does, so the result is the same as
//! evaluating the fully parsed record, with one exception: a top-level Edm.Decimal member is
//! read from its digits as written (`1.00000000000000000001` stays that), where the parsed
//! record holds the float `serde_json` rounded it to (see
//! [`Value::from_json`](crate::value::Value::from_json)). Decimals inside complex members
//! and collections are read from the parsed object, as the interpreter reads them.

use super::compile;
use super::node::{self, Access, Env, Node, Operand, Root, Step, TextTest};
use super::scalar::{self, Read, Scalar};
use crate::edm::instant::{self, Instant};
use crate::ir::{self, CmpOp};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};

/// A filter compiled for records given as the raw JSON text of their top-level members.
#[derive(Clone, Debug)]
pub(crate) struct LazyPredicate {
    root: LNode,
    /// The top-level keys the filter reads; slot `i` of a record holds the text of `keys[i]`.
    keys: Vec<Box<str>>,
}

/// A lowered condition: a leaf over a slot, a connective, or an interpreted subtree.
#[derive(Clone, Debug)]
enum LNode {
    Const(Option<bool>),
    Not(Box<LNode>),
    And(Box<[LNode]>),
    Or(Box<[LNode]>),
    StrCmp {
        slot: usize,
        op: CmpOp,
        value: Box<str>,
    },
    InstantCmp {
        slot: usize,
        op: CmpOp,
        value: Instant,
    },
    InstantAll {
        slot: usize,
        tests: Box<[(CmpOp, Instant)]>,
    },
    GuidEq {
        slot: usize,
        text: Box<str>,
        negate: bool,
    },
    StrIn {
        slot: usize,
        values: Box<[Box<str>]>,
        null: bool,
    },
    StrTest {
        test: TextTest,
        slot: usize,
        value: Box<str>,
    },
    FieldCmp {
        slot: usize,
        read: Read,
        op: CmpOp,
        value: Scalar<'static>,
    },
    /// Two top-level members compared.
    FieldsCmp {
        op: CmpOp,
        lhs: (usize, Read),
        rhs: (usize, Read),
    },
    /// A top-level member in a list of constants.
    FieldIn {
        slot: usize,
        read: Read,
        list: Box<[Scalar<'static>]>,
    },
    /// Run by the interpreter over the located members.
    Full(Node),
}

/// The record being evaluated: the raw text of each slot, and the object built from them
/// for [`LNode::Full`] subtrees.
struct Raw<'a, 's> {
    keys: &'s [Box<str>],
    slots: &'s [Option<&'a str>],
    /// No slot has a `\`.
    no_escapes: bool,
    full: OnceCell<Json>,
    /// Set when a slot's text is not the JSON the scanner promised (never, for a correct
    /// scanner): the caller must then parse the record instead.
    broken: Cell<bool>,
}

impl LazyPredicate {
    /// Compiles a checked filter.
    pub(crate) fn compile(expr: &ir::Expr) -> LazyPredicate {
        let node = compile::root(expr);
        let mut keys = Vec::new();
        let root = lower(&node, &mut keys);
        LazyPredicate { root, keys }
    }

    /// The top-level keys whose members [`eval`](LazyPredicate::eval) reads, in slot order.
    pub(crate) fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    /// The filter's three-valued result on the record whose top-level member `keys()[i]` has
    /// the raw JSON text `slots[i]` (`None`: absent; with duplicate keys, the last). `Err(())`
    /// when a slot is not valid JSON (the record must then be parsed in full). `no_escapes`:
    /// no slot has a `\` (strings can be borrowed without looking).
    pub(crate) fn eval(
        &self,
        slots: &[Option<&str>],
        no_escapes: bool,
    ) -> Result<Option<bool>, ()> {
        let raw = Raw {
            keys: &self.keys,
            slots,
            no_escapes,
            full: OnceCell::new(),
            broken: Cell::new(false),
        };
        let result = self.root.eval(&raw);
        if raw.broken.get() {
            Err(())
        } else {
            Ok(result)
        }
    }
}

/// The slot of top-level `key`, added if new.
fn slot(keys: &mut Vec<Box<str>>, key: &str) -> usize {
    match keys.iter().position(|k| &**k == key) {
        Some(i) => i,
        None => {
            keys.push(key.into());
            keys.len() - 1
        }
    }
}

/// Lowers `n`, adding the top-level keys it reads to `keys`.
fn lower(n: &Node, keys: &mut Vec<Box<str>>) -> LNode {
    match n {
        Node::Const(b) => LNode::Const(*b),
        Node::Not(x) => LNode::Not(Box::new(lower(x, keys))),
        Node::And(xs) => LNode::And(xs.iter().map(|x| lower(x, keys)).collect()),
        Node::Or(xs) => LNode::Or(xs.iter().map(|x| lower(x, keys)).collect()),
        Node::StrCmp {
            field: Access::Key(k),
            op,
            value,
        } => LNode::StrCmp {
            slot: slot(keys, k),
            op: *op,
            value: value.clone(),
        },
        Node::InstantCmp {
            field: Access::Key(k),
            op,
            value,
        } => LNode::InstantCmp {
            slot: slot(keys, k),
            op: *op,
            value: *value,
        },
        Node::InstantAll {
            field: Access::Key(k),
            tests,
        } => LNode::InstantAll {
            slot: slot(keys, k),
            tests: tests.clone(),
        },
        Node::GuidEq {
            field: Access::Key(k),
            text,
            negate,
        } => LNode::GuidEq {
            slot: slot(keys, k),
            text: text.clone(),
            negate: *negate,
        },
        Node::StrIn {
            field: Access::Key(k),
            values,
            null,
        } => LNode::StrIn {
            slot: slot(keys, k),
            values: values.clone(),
            null: *null,
        },
        Node::StrTest {
            test,
            field: Access::Key(k),
            value,
        } => LNode::StrTest {
            test: *test,
            slot: slot(keys, k),
            value: value.clone(),
        },
        Node::FieldCmp {
            field: Access::Key(k),
            read,
            op,
            value,
        } => LNode::FieldCmp {
            slot: slot(keys, k),
            read: *read,
            op: *op,
            value: value.clone(),
        },
        Node::Cmp {
            op,
            lhs:
                Operand::Field {
                    field: Access::Key(a),
                    read: ra,
                },
            rhs:
                Operand::Field {
                    field: Access::Key(b),
                    read: rb,
                },
        } => LNode::FieldsCmp {
            op: *op,
            lhs: (slot(keys, a), *ra),
            rhs: (slot(keys, b), *rb),
        },
        Node::In {
            x:
                Operand::Field {
                    field: Access::Key(k),
                    read,
                },
            list,
        } => LNode::FieldIn {
            slot: slot(keys, k),
            read: *read,
            list: list.clone(),
        },
        other => {
            node_keys(other, keys);
            LNode::Full(other.clone())
        }
    }
}

/// Adds the top-level keys that `n` reads from the record to `keys`.
fn node_keys(n: &Node, keys: &mut Vec<Box<str>>) {
    match n {
        Node::Const(_) => {}
        Node::Not(x) | Node::IsTrue(x) => node_keys(x, keys),
        Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| node_keys(x, keys)),
        Node::StrCmp { field, .. }
        | Node::InstantCmp { field, .. }
        | Node::InstantAll { field, .. }
        | Node::GuidEq { field, .. }
        | Node::StrIn { field, .. }
        | Node::StrTest { field, .. }
        | Node::FieldCmp { field, .. } => access_keys(field, keys),
        Node::Cmp { lhs, rhs, .. } => {
            operand_keys(lhs, keys);
            operand_keys(rhs, keys);
        }
        Node::In { x, .. } | Node::Test(x) => operand_keys(x, keys),
        Node::Lambda {
            collection,
            predicate,
            ..
        } => {
            access_keys(collection, keys);
            if let Some(p) = predicate {
                node_keys(p, keys);
            }
        }
    }
}

fn operand_keys(o: &Operand, keys: &mut Vec<Box<str>>) {
    match o {
        Operand::Const(_) => {}
        Operand::Field { field, .. } => access_keys(field, keys),
        Operand::Call { args, .. } => args.iter().for_each(|a| operand_keys(a, keys)),
        Operand::Cond(x) => node_keys(x, keys),
    }
}

fn access_keys(a: &Access, keys: &mut Vec<Box<str>>) {
    match a {
        Access::Key(k) => {
            slot(keys, k);
        }
        Access::Path {
            root: Root::Record,
            steps,
        } => match steps.first() {
            Some(Step::Key(k)) => {
                slot(keys, k);
            }
            Some(Step::FirstOf(paths)) => {
                for p in &**paths {
                    if let Some(k) = p.first() {
                        slot(keys, k);
                    }
                }
            }
            None => {}
        },
        // Lambda elements are read through their collection, a record member.
        Access::Path { .. } => {}
    }
}

impl<'a> Raw<'a, '_> {
    /// The member in `slot` as text: `None` when absent or not a JSON string.
    #[inline]
    fn text(&self, slot: usize) -> Option<Cow<'a, str>> {
        let raw = self.slots[slot]?;
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        if self.no_escapes || !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        match serde_json::from_str::<String>(raw) {
            Ok(s) => Some(Cow::Owned(s)),
            Err(_) => {
                self.broken.set(true);
                None
            }
        }
    }

    /// The member in `slot` read as `read`.
    fn read(&self, slot: usize, read: Read) -> Scalar<'a> {
        let Some(raw) = self.slots[slot] else {
            return Scalar::Null;
        };
        match raw.as_bytes().first() {
            Some(b'"') => match self.text(slot) {
                Some(s) => read.read_str(s),
                None => Scalar::Null,
            },
            // Arrays and objects read as null for every scalar type.
            Some(b'[' | b'{' | b'n') => Scalar::Null,
            _ => match serde_json::from_str::<Json>(raw) {
                // A decimal from its digits as written, which `serde_json` may have rounded
                // to a float (`1.00000000000000000001`); integers in i64 read as integers, as
                // `Read::read` reads them.
                Ok(Json::Number(n)) if read == Read::Decimal && n.as_i64().is_none() => {
                    crate::decimal::parse(raw).map_or(Scalar::Null, Scalar::Decimal)
                }
                Ok(json) => owned(read.read(&json)),
                Err(_) => {
                    self.broken.set(true);
                    Scalar::Null
                }
            },
        }
    }

    /// The record as an object of the located members, for the interpreter.
    fn full(&self) -> Option<&Json> {
        let full = self.full.get_or_init(|| {
            let mut map = serde_json::Map::new();
            for (key, raw) in self.keys.iter().zip(self.slots) {
                if let Some(raw) = raw {
                    match serde_json::from_str(raw) {
                        Ok(v) => {
                            map.insert(key.to_string(), v);
                        }
                        Err(_) => self.broken.set(true),
                    }
                }
            }
            Json::Object(map)
        });
        (!self.broken.get()).then_some(full)
    }
}

/// A scalar read from a number or Boolean (never a string), detached from its JSON value.
fn owned(s: Scalar<'_>) -> Scalar<'static> {
    match s {
        Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
        Scalar::Null => Scalar::Null,
        Scalar::Bool(b) => Scalar::Bool(b),
        Scalar::Int(i) => Scalar::Int(i),
        Scalar::Float(x) => Scalar::Float(x),
        Scalar::Decimal(d) => Scalar::Decimal(d),
        Scalar::Guid(g) => Scalar::Guid(g),
        Scalar::Date(d) => Scalar::Date(d),
        Scalar::Instant(t) => Scalar::Instant(t),
        Scalar::Time(t) => Scalar::Time(t),
        Scalar::Duration(d) => Scalar::Duration(d),
    }
}

impl LNode {
    /// The three-valued result, as [`Node::eval`] gives it on the parsed record.
    fn eval(&self, raw: &Raw<'_, '_>) -> Option<bool> {
        match self {
            LNode::StrCmp { slot, op, value } => Some(match raw.text(*slot) {
                None => *op == CmpOp::Ne,
                Some(s) => match op {
                    CmpOp::Eq => *s == **value,
                    CmpOp::Ne => *s != **value,
                    _ => op.holds(s.as_ref().cmp(value)),
                },
            }),
            LNode::InstantCmp { slot, op, value } => {
                Some(match raw.text(*slot).and_then(|s| instant::parse(&s)) {
                    None => *op == CmpOp::Ne,
                    Some(t) => op.holds(t.cmp(value)),
                })
            }
            LNode::InstantAll { slot, tests } => {
                Some(match raw.text(*slot).and_then(|s| instant::parse(&s)) {
                    None => tests.iter().all(|(op, _)| *op == CmpOp::Ne),
                    Some(t) => tests.iter().all(|(op, v)| op.holds(t.cmp(v))),
                })
            }
            LNode::GuidEq { slot, text, negate } => {
                let eq = raw
                    .text(*slot)
                    .is_some_and(|s| s.eq_ignore_ascii_case(text));
                Some(eq != *negate)
            }
            LNode::StrIn { slot, values, null } => Some(match raw.text(*slot) {
                None => *null,
                Some(s) => values.iter().any(|v| *s == **v),
            }),
            LNode::StrTest { test, slot, value } => raw.text(*slot).map(|s| test.test(&s, value)),
            LNode::FieldCmp {
                slot,
                read,
                op,
                value,
            } => Some(scalar::holds(*op, &raw.read(*slot, *read), value)),
            LNode::FieldsCmp { op, lhs, rhs } => Some(scalar::holds(
                *op,
                &raw.read(lhs.0, lhs.1),
                &raw.read(rhs.0, rhs.1),
            )),
            LNode::FieldIn { slot, read, list } => {
                let x = raw.read(*slot, *read);
                Some(list.iter().any(|v| scalar::equal(&x, v)))
            }
            LNode::And(xs) => node::all3(xs, |x| x.eval(raw)),
            LNode::Or(xs) => node::any3(xs, |x| x.eval(raw)),
            LNode::Not(x) => x.eval(raw).map(|b| !b),
            LNode::Const(b) => *b,
            LNode::Full(node) => {
                let record = raw.full()?;
                node.eval(&Env {
                    record,
                    frames: None,
                })
            }
        }
    }
}
