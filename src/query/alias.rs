//! Parameter aliases (OData 4.01 Part 2 "Parameter Aliases", Part 1 "Parameter Aliases"):
//! `$filter=name eq @p&@p='x'` means `name eq 'x'`.
//!
//! The query string's `@name=value` parameters are collected first; every `@name` in `$filter`
//! is then replaced by the parsed value (a common expression, a literal in practice) before
//! the filter is checked, so the checker never sees an alias. An alias referenced but not given
//! a value is `null`, as OData's Protocol says ("the value MUST be assumed to be null"); an
//! alias given a value twice is an error; aliases nobody references are ignored (their values
//! are not parsed).
//!
//! The substituted tree is held to the parser's limits as if the values were written inline:
//! its length (counting each value once per reference), node count, depth, lambda nesting and
//! cost. The node count is checked before any value is copied, so a value referenced many
//! times cannot make the substitution itself large.

use super::decode::Decoded;
use super::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, Ident, Literal};
use crate::syntax::{self, Limits, LAMBDA_FAN_OUT};

/// One `@name=value` parameter of the query string.
#[derive(Debug)]
pub(crate) struct Def<'a> {
    /// The name without its `@`.
    pub name: String,
    /// Where the name (with its `@`) is in the raw query string.
    pub name_span: Span,
    /// The decoded value.
    pub value: Decoded<'a>,
    /// Where the value is in the raw query string (empty, at the name's end, without `=`).
    pub value_span: Span,
}

/// The filter with every alias replaced, and what the checker's errors need to name them.
pub(crate) struct Resolved {
    /// The substituted tree.
    pub tree: Expr,
    /// The length the filter would have with every value written inline.
    pub inline_len: usize,
    /// For each reference, its span in the filter and a note naming the alias and value.
    pub notes: Vec<(Span, String)>,
}

/// A referenced alias's parsed value.
struct Value {
    name: String,
    tree: Expr,
    nodes: usize,
    len: usize,
    note: String,
}

/// The longest value text a note quotes in full.
const NOTE_VALUE_CHARS: usize = 60;

/// Replaces every alias in `tree` (parsed from `filter`) by its value from `defs`; see the
/// [module docs](self). Errors in a value are [`crate::Error::Query`]s positioned in the raw
/// query string `raw`; limits broken by the substitution are [`crate::Error::Syntax`]s at the
/// reference in `filter`.
pub(crate) fn resolve(
    parser: &syntax::Parser,
    raw: &str,
    defs: &[Def<'_>],
    tree: Expr,
    filter: &str,
) -> Result<Resolved, crate::Error> {
    let mut refs = Vec::new();
    let mut nodes = 0;
    // Every reference is written with an `@`: most filters need no walk.
    if memchr::memchr(b'@', filter.as_bytes()).is_some() {
        collect(&tree, &mut refs, &mut nodes);
    }
    if refs.is_empty() {
        return Ok(Resolved {
            tree,
            inline_len: filter.len(),
            notes: Vec::new(),
        });
    }
    let fail = |kind: ErrorKind, span: Span| crate::Error::Query(Error::new(kind, span, raw));
    let mut values: Vec<Value> = Vec::new();
    for (name, _) in &refs {
        if values.iter().any(|v| v.name == *name) {
            continue;
        }
        values.push(match defs.iter().find(|d| d.name == *name) {
            Some(def) => value(parser, def, &fail)?,
            None => Value {
                name: name.clone(),
                tree: Expr::new(ExprKind::Literal(Literal::Null)),
                nodes: 1,
                len: "null".len(),
                note: format!("parameter alias @{name} is not given a value, so it is null"),
            },
        });
    }
    let limits = parser.limits();
    let find = |name: &str| values.iter().find(|v| v.name == name).expect("collected");
    // Counted before anything is copied.
    let mut total = nodes - refs.len();
    let mut len = filter.len();
    for (name, span) in &refs {
        let v = find(name);
        total += v.nodes;
        len = len - span.len() + v.len;
        let kind = if total > limits.max_nodes {
            syntax::ErrorKind::TooManyNodes {
                limit: limits.max_nodes,
            }
        } else if len > limits.max_len {
            syntax::ErrorKind::TooLong {
                limit: limits.max_len,
            }
        } else {
            continue;
        };
        let mut e = syntax::Error::new(kind, *span, filter);
        e.set_note(v.note.clone());
        return Err(e.into());
    }
    let tree = substitute(tree, &|name| &find(name).tree);
    let mut cost = 0;
    if let Err((kind, span)) = measure(&tree, 1, 0, &mut cost, limits) {
        let mut e = syntax::Error::new(kind, span, filter);
        if let Some((_, note)) = refs
            .iter()
            .find(|(_, s)| *s == span)
            .map(|(n, s)| (s, &find(n).note))
        {
            e.set_note(note.clone());
        }
        return Err(e.into());
    }
    let notes = refs
        .iter()
        .map(|(name, span)| (*span, find(name).note.clone()))
        .collect();
    Ok(Resolved {
        tree,
        inline_len: len,
        notes,
    })
}

/// Parses the value of `def`, which must hold no alias itself.
fn value(
    parser: &syntax::Parser,
    def: &Def<'_>,
    fail: &impl Fn(ErrorKind, Span) -> crate::Error,
) -> Result<Value, crate::Error> {
    let text = &*def.value.text;
    let name = def.name.clone();
    let trimmed = text.trim_start();
    if trimmed.starts_with(['[', '{']) {
        let at = text.len() - trimmed.len();
        let span = def.value.raw_span(Span::new(at, text.len()));
        return Err(fail(ErrorKind::JsonAliasValue { name }, span));
    }
    let tree = match parser.parse(text) {
        Ok(tree) => tree,
        Err(e) => {
            let span = if def.value_span.is_empty() {
                def.value_span
            } else {
                def.value.raw_span(e.span())
            };
            let kind = ErrorKind::InvalidAliasValue {
                name,
                error: e.kind().clone(),
            };
            return Err(fail(kind, span));
        }
    };
    let mut refs = Vec::new();
    let mut nodes = 0;
    collect(&tree, &mut refs, &mut nodes);
    if let Some((inner, span)) = refs.into_iter().next() {
        let kind = ErrorKind::NestedAlias { name, inner };
        return Err(fail(kind, def.value.raw_span(span)));
    }
    let shown = match text.trim().char_indices().nth(NOTE_VALUE_CHARS) {
        Some((i, _)) => format!("{}...", &text.trim()[..i]),
        None => text.trim().to_owned(),
    };
    Ok(Value {
        note: format!("parameter alias @{} is {shown}", def.name),
        name: def.name.clone(),
        tree,
        nodes,
        len: text.len(),
    })
}

/// The direct children of `e`.
fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Alias(_) => Vec::new(),
        ExprKind::Logical { operands, .. } => operands.iter().collect(),
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        ExprKind::Unary { expr, .. } => vec![expr],
        ExprKind::In { expr, list } => std::iter::once(&**expr).chain(list).collect(),
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Lambda { body, .. } => body.iter().map(|(_, b)| &**b).collect(),
    }
}

/// Adds the alias references in `e` to `refs`, in source order, and its nodes to `nodes`.
/// The recursion is as deep as the tree, which the parser bounded.
fn collect(e: &Expr, refs: &mut Vec<(String, Span)>, nodes: &mut usize) {
    *nodes += 1;
    if let ExprKind::Alias(name) = &e.kind {
        refs.push((name.name.clone(), e.span));
    }
    for c in children(e) {
        collect(c, refs, nodes);
    }
}

/// `e` with every alias replaced by `value(name)`, its spans all set to the reference's.
fn substitute<'v>(e: Expr, value: &dyn Fn(&str) -> &'v Expr) -> Expr {
    let span = e.span;
    let sub = |x: Expr| substitute(x, value);
    let boxed = |x: Box<Expr>| Box::new(substitute(*x, value));
    let kind = match e.kind {
        ExprKind::Alias(name) => return respan(value(&name.name).clone(), span),
        k @ (ExprKind::Literal(_) | ExprKind::Path(_)) => k,
        ExprKind::Logical { op, operands } => ExprKind::Logical {
            op,
            operands: operands.into_iter().map(sub).collect(),
        },
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op,
            lhs: boxed(lhs),
            rhs: boxed(rhs),
        },
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op,
            expr: boxed(expr),
        },
        ExprKind::In { expr, list } => ExprKind::In {
            expr: boxed(expr),
            list: list.into_iter().map(sub).collect(),
        },
        ExprKind::Call { name, args } => ExprKind::Call {
            name,
            args: args.into_iter().map(sub).collect(),
        },
        ExprKind::Lambda { path, kind, body } => ExprKind::Lambda {
            path,
            kind,
            body: body.map(|(var, b)| (var, boxed(b))),
        },
    };
    Expr { kind, span }
}

/// `e` with every node and name spanning `span`: a substituted value's errors point at the
/// reference.
fn respan(mut e: Expr, span: Span) -> Expr {
    fn ident(i: &mut Ident, span: Span) {
        i.span = span;
    }
    e.span = span;
    e.kind = match e.kind {
        ExprKind::Path(mut p) => {
            p.segments.iter_mut().for_each(|s| ident(s, span));
            ExprKind::Path(p)
        }
        ExprKind::Logical { op, operands } => ExprKind::Logical {
            op,
            operands: operands.into_iter().map(|x| respan(x, span)).collect(),
        },
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op,
            lhs: Box::new(respan(*lhs, span)),
            rhs: Box::new(respan(*rhs, span)),
        },
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op,
            expr: Box::new(respan(*expr, span)),
        },
        ExprKind::In { expr, list } => ExprKind::In {
            expr: Box::new(respan(*expr, span)),
            list: list.into_iter().map(|x| respan(x, span)).collect(),
        },
        ExprKind::Call { mut name, args } => {
            ident(&mut name, span);
            ExprKind::Call {
                name,
                args: args.into_iter().map(|x| respan(x, span)).collect(),
            }
        }
        ExprKind::Lambda {
            mut path,
            kind,
            body,
        } => {
            path.segments.iter_mut().for_each(|s| ident(s, span));
            ExprKind::Lambda {
                path,
                kind,
                body: body.map(|(mut var, b)| {
                    ident(&mut var, span);
                    (var, Box::new(respan(*b, span)))
                }),
            }
        }
        k @ (ExprKind::Literal(_) | ExprKind::Alias(_)) => k,
    };
    e
}

/// Checks the substituted tree against the depth, lambda-depth and cost limits the parser
/// enforced on each part: `e` sits at `depth` (the root at 1) inside `lambdas` lambda bodies.
/// Stops at the first node too deep, so the recursion stays within the depth limit.
fn measure(
    e: &Expr,
    depth: usize,
    lambdas: usize,
    cost: &mut u64,
    limits: &Limits,
) -> Result<(), (syntax::ErrorKind, Span)> {
    if depth > limits.max_depth {
        let limit = limits.max_depth;
        return Err((syntax::ErrorKind::TooDeep { limit }, e.span));
    }
    *cost = cost.saturating_add(LAMBDA_FAN_OUT.saturating_pow(lambdas as u32));
    if *cost > limits.max_cost {
        let limit = limits.max_cost;
        return Err((syntax::ErrorKind::TooCostly { limit }, e.span));
    }
    if let ExprKind::Lambda {
        body: Some((_, b)), ..
    } = &e.kind
    {
        if lambdas + 1 > limits.max_lambda_depth {
            let limit = limits.max_lambda_depth;
            return Err((syntax::ErrorKind::LambdaTooDeep { limit }, e.span));
        }
        return measure(b, depth + 1, lambdas + 1, cost, limits);
    }
    for c in children(e) {
        measure(c, depth + 1, lambdas, cost, limits)?;
    }
    Ok(())
}
