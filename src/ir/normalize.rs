//! The one rewrite of a checked expression that every backend starts from: in each `or`, the
//! tests of one field against constants become one `in`.

use super::{Expr, ExprKind, Type};
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

/// `e` rewritten, or `None` when nothing in it changes.
fn rewrite(e: &Expr) -> Option<Expr> {
    let kind = match &e.kind {
        ExprKind::Const(_) | ExprKind::Field(_) => return None,
        ExprKind::Not(x) => ExprKind::Not(Box::new(rewrite(x)?)),
        ExprKind::And(xs) => ExprKind::And(all(xs)?),
        ExprKind::Or(xs) => {
            let merged = merge(xs);
            let mut xs = match all(merged.as_deref().unwrap_or(xs)) {
                Some(xs) => xs,
                None => merged?,
            };
            // Every operand tested one field: the `or` is that one `in`.
            if xs.len() == 1 {
                return xs.pop();
            }
            ExprKind::Or(xs)
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let (l, r) = (rewrite(lhs), rewrite(rhs));
            if l.is_none() && r.is_none() {
                return None;
            }
            ExprKind::Compare {
                op: *op,
                lhs: Box::new(l.unwrap_or_else(|| (**lhs).clone())),
                rhs: Box::new(r.unwrap_or_else(|| (**rhs).clone())),
            }
        }
        ExprKind::In { expr, list } => ExprKind::In {
            expr: Box::new(rewrite(expr)?),
            list: list.clone(),
        },
        ExprKind::Call { func, args } => ExprKind::Call {
            func: *func,
            args: all(args)?,
        },
        ExprKind::Lambda {
            kind,
            collection,
            variable,
            predicate,
        } => ExprKind::Lambda {
            kind: *kind,
            collection: collection.clone(),
            variable: variable.clone(),
            predicate: Some(Box::new(rewrite(predicate.as_deref()?)?)),
        },
    };
    Some(Expr::new(kind, e.ty.clone(), e.nullable, e.span))
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
    // Per field: the field and how many operands test it.
    let mut counts: Vec<(&Expr, usize)> = Vec::new();
    for (x, _) in xs.iter().filter_map(membership) {
        match counts.iter_mut().find(|(f, _)| *f == x) {
            Some((_, n)) => *n += 1,
            None => counts.push((x, 1)),
        }
    }
    if counts.iter().all(|&(_, n)| n < 2) {
        return None;
    }
    // The merged `in` of each such field, written at the place of its first test.
    let mut out: Vec<Expr> = Vec::with_capacity(xs.len());
    let mut at: Vec<(&Expr, usize)> = Vec::new();
    for e in xs {
        let Some((x, list)) =
            membership(e).filter(|(x, _)| counts.iter().any(|(f, n)| *n > 1 && *f == *x))
        else {
            out.push(e.clone());
            continue;
        };
        match at.iter().find(|(f, _)| *f == x) {
            Some(&(_, i)) => {
                if let ExprKind::In { list: all, .. } = &mut out[i].kind {
                    all.extend(list.iter().cloned());
                }
            }
            None => {
                at.push((x, out.len()));
                let kind = ExprKind::In {
                    expr: Box::new(x.clone()),
                    list: list.to_vec(),
                };
                out.push(Expr::new(kind, Type::BOOLEAN, false, e.span));
            }
        }
    }
    Some(out)
}

/// The field and the constants that `e` tests it against, when `e` is `field eq constant`,
/// `constant eq field` or `field in (...)`.
fn membership(e: &Expr) -> Option<(&Expr, &[Value])> {
    let field = |x: &Expr| matches!(x.kind, ExprKind::Field(_));
    match &e.kind {
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
    match &e.kind {
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
