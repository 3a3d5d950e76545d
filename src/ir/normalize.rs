//! The one rewrite of a checked expression that every backend starts from: in each `or`, the
//! tests of one field against constants become one `in`.

use super::{Expr, ExprKind};
use crate::value::Value;
use std::borrow::Cow;

/// `e` with, in every `or`, the operands that test one field against constants (`x eq 'a'`,
/// `'b' eq x`, `x in ('c', 'd')`) written as one `in` at the place of the first, where there
/// are two or more of them: `x eq 'a' or y eq 1 or x in ('c')` is `x in ('a', 'c') or y eq 1`.
///
/// The result is the same on every record: such tests are never null (OData compares null as
/// a value), `in` is defined as the `or` of the equalities, and `or` is commutative. The
/// evaluator then reads the field once, and a database gets the `IN` list a person would write.
/// Borrowed when there is nothing to merge.
pub(crate) fn normalize(e: &Expr) -> Cow<'_, Expr> {
    match rewrite(e) {
        Some(changed) => Cow::Owned(changed),
        None => Cow::Borrowed(e),
    }
}

/// `e` rewritten, or `None` when nothing in it changes. Every node is rebuilt by its
/// constructor from operands of unchanged types, which cannot refuse them.
fn rewrite(e: &Expr) -> Option<Expr> {
    let span = e.span();
    let rebuilt = match e.kind() {
        ExprKind::Const(_) | ExprKind::Field(_) => return None,
        ExprKind::Not(x) => Expr::not(rewrite(x)?, span),
        ExprKind::And(xs) => Expr::conjunction(all(xs)?, span),
        ExprKind::Or(xs) => {
            let merged = merge(xs);
            let xs = match all(merged.as_deref().unwrap_or(xs)) {
                Some(xs) => xs,
                None => merged?,
            };
            // Of one operand (every operand tested one field), that one `in`.
            Expr::disjunction(xs, span)
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let (l, r) = (rewrite(lhs), rewrite(rhs));
            if l.is_none() && r.is_none() {
                return None;
            }
            let l = l.unwrap_or_else(|| (**lhs).clone());
            let r = r.unwrap_or_else(|| (**rhs).clone());
            Expr::compare(*op, l, r, span)
        }
        ExprKind::In { expr, list } => Expr::in_list(rewrite(expr)?, list.clone(), span),
        ExprKind::Call { func, args } => Expr::call(*func, all(args)?, span),
        ExprKind::Lambda {
            kind,
            collection,
            variable,
            predicate,
        } => Expr::lambda(
            *kind,
            collection.clone(),
            variable.clone(),
            Some(rewrite(predicate.as_deref()?)?),
            span,
        ),
    };
    // A refusal would be a rewrite that changed a type; keeping `e` is always right.
    debug_assert!(rebuilt.is_ok(), "{rebuilt:?}");
    rebuilt.ok()
}

/// `xs` with each rewritten, or `None` when none changes.
fn all(xs: &[Expr]) -> Option<Vec<Expr>> {
    let rewritten: Vec<Option<Expr>> = xs.iter().map(rewrite).collect();
    if rewritten.iter().all(Option::is_none) {
        return None;
    }
    Some(
        rewritten
            .into_iter()
            .zip(xs)
            .map(|(new, old)| new.unwrap_or_else(|| old.clone()))
            .collect(),
    )
}

/// The operands of an `or` with the tests of one field against constants merged, or `None`
/// when no field is tested twice.
fn merge(xs: &[Expr]) -> Option<Vec<Expr>> {
    // Per field: the field, how many operands test it, the constants they test it against,
    // and where the first of them is.
    let mut fields: Vec<(&Expr, usize, Vec<Value>, usize)> = Vec::new();
    for (i, (x, list)) in xs
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, membership(e)?)))
    {
        match fields.iter_mut().find(|(f, ..)| *f == x) {
            Some((_, n, all, _)) => {
                *n += 1;
                all.extend(list.iter().cloned());
            }
            None => fields.push((x, 1, list.to_vec(), i)),
        }
    }
    fields.retain(|&(_, n, ..)| n > 1);
    if fields.is_empty() {
        return None;
    }
    // The merged `in` of each such field, written at the place of its first test.
    let mut out: Vec<Expr> = Vec::with_capacity(xs.len());
    for (i, e) in xs.iter().enumerate() {
        let tested = membership(e).and_then(|(x, _)| fields.iter_mut().find(|(f, ..)| *f == x));
        match tested {
            None => out.push(e.clone()),
            Some((x, _, list, first)) if *first == i => {
                let merged = Expr::in_list((*x).clone(), std::mem::take(list), e.span());
                // A field's `in` of constants of its type is never refused.
                debug_assert!(merged.is_ok(), "{merged:?}");
                out.push(merged.ok()?);
            }
            Some(_) => {}
        }
    }
    Some(out)
}

/// The field and the constants that `e` tests it against, when `e` is `field eq constant`,
/// `constant eq field` or `field in (...)`.
fn membership(e: &Expr) -> Option<(&Expr, &[Value])> {
    // A structured value compared with null has no `in`.
    let field = |x: &Expr| matches!(x.kind(), ExprKind::Field(r) if r.ty.is_scalar());
    match e.kind() {
        ExprKind::Compare {
            op: super::CmpOp::Eq,
            lhs,
            rhs,
        } => match (constant(lhs), constant(rhs)) {
            (None, Some(c)) if field(lhs) => Some((lhs, std::slice::from_ref(c))),
            (Some(c), None) if field(rhs) => Some((rhs, std::slice::from_ref(c))),
            _ => None,
        },
        ExprKind::In { expr, list } if field(expr) => Some((expr, list)),
        _ => None,
    }
}

fn constant(e: &Expr) -> Option<&Value> {
    match e.kind() {
        ExprKind::Const(v) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::schema::catalog;
    use std::borrow::Cow;

    fn normalized(text: &str) -> (String, bool) {
        let schema = catalog::machine();
        let tree = crate::syntax::parse(text).unwrap();
        let e = crate::check::check(&schema, &tree, text).unwrap();
        let n = normalize(&e);
        (n.to_string(), matches!(n, Cow::Owned(_)))
    }

    #[test]
    fn tests_of_one_field_merge_at_the_first() {
        assert_eq!(
            normalized("riskScore eq 'High' or osPlatform eq 'Linux' or 'Low' eq riskScore or riskScore in ('None')"),
            ("riskScore in ('High', 'Low', 'None') or osPlatform eq 'Linux'".to_owned(), true)
        );
        assert_eq!(
            normalized(
                "not (computerDnsName eq 'a' or rbacGroupId eq 1 or computerDnsName eq null)"
            ),
            (
                "not (computerDnsName in ('a', null) or rbacGroupId eq 1)".to_owned(),
                true
            )
        );
    }

    #[test]
    fn nothing_to_merge_borrows() {
        for text in [
            "riskScore eq 'High' or osPlatform eq 'Linux'",
            "riskScore eq 'High' and riskScore eq 'Low'",
            "riskScore ne 'High' or riskScore ne 'Low'",
            "osPlatform eq 'Linux'",
        ] {
            assert!(!normalized(text).1, "{text}");
        }
    }
}
