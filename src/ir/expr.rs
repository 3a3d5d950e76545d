//! The checked expression and its constructors: the one home of each construct's type,
//! nullability and operand rules.

use super::{CmpOp, ExprKind, FieldRef, Function, LambdaKind, Type};
use crate::schema::{Field, FieldType};
use crate::span::Span;
use crate::value::Value;

/// A checked expression: its kind, type, nullability and source span.
///
/// Only its constructors build one (the checker, and [`Expr::and`] outside the crate). They
/// compute the type and nullability from the operands and refuse operands of the wrong types,
/// so the type and nullability of every `Expr` are those its operands give.
#[derive(Clone, Debug)]
pub struct Expr {
    kind: ExprKind,
    ty: Type,
    nullable: bool,
    span: Span,
}

impl PartialEq for Expr {
    /// Spans take no part in equality.
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind && self.ty == other.ty && self.nullable == other.nullable
    }
}

/// A type rule of the checked expression that the operands given to a constructor break. The
/// checker reports it in the words of what was written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mistyped {
    /// An operand of `and` or `or`, or a lambda's predicate, is not a Boolean condition.
    NotCondition {
        /// Its type.
        found: Type,
        /// Where it was written.
        span: Span,
    },
    /// The operand of `not` is not Boolean; this is its type.
    NotOperand(Type),
    /// `op` (a comparison's keyword, or `in`) between types that do not compare.
    Mismatch {
        /// The operator.
        op: &'static str,
        /// The type on the left.
        left: Type,
        /// The type on the right.
        right: Type,
    },
    /// An ordering of a type without an order.
    NotOrdered {
        /// The operator.
        op: &'static str,
        /// The operands' type.
        ty: Type,
    },
    /// A field used as a value holds no single value: it is of this complex or collection type.
    NotAValue(FieldType),
    /// A lambda over a field that is not a collection.
    NotACollection,
    /// A function called with a number of arguments it does not take.
    Arity {
        /// The function.
        function: Function,
        /// How many it was given.
        found: usize,
    },
    /// A function's argument of a type its parameter does not take.
    Argument {
        /// The function.
        function: Function,
        /// The 0-based position of the argument.
        index: usize,
        /// Its type.
        found: Type,
        /// Where it was written.
        span: Span,
    },
}

impl Expr {
    /// The one place an `Expr` is assembled, from what a constructor decided.
    fn build(kind: ExprKind, ty: Type, nullable: bool, span: Span) -> Expr {
        Expr {
            kind,
            ty,
            nullable,
            span,
        }
    }

    /// What the expression is.
    pub fn kind(&self) -> &ExprKind {
        &self.kind
    }

    /// Its type.
    pub fn ty(&self) -> &Type {
        &self.ty
    }

    /// Whether it can evaluate to null.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// Where it was written in the `$filter`.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The constant `value`, of type `ty`: nullable when it is `null`.
    ///
    /// `value` must be a value of `ty` (the rule of `holds`); the checker's literal conversions give
    /// no other, which this asserts in debug builds.
    pub(crate) fn constant(value: Value, ty: Type, span: Span) -> Expr {
        debug_assert!(holds(&ty, &value), "{value:?} is not a value of type {ty}");
        let nullable = value.is_null();
        Expr::build(ExprKind::Const(value), ty, nullable, span)
    }

    /// The value `r` refers to, of its type: nullable when it is a lambda's element or a field
    /// on its path is nullable. Refused unless the value is a single one (not complex, not a
    /// collection).
    pub(crate) fn field(r: FieldRef, span: Span) -> Result<Expr, Mistyped> {
        if !r.ty.is_scalar() {
            return Err(Mistyped::NotAValue(r.ty));
        }
        let nullable = r.path.is_empty() || r.path.iter().any(Field::is_nullable);
        let ty = Type::Field(r.ty.clone());
        Ok(Expr::build(ExprKind::Field(r), ty, nullable, span))
    }

    /// The structured (complex) value `r` refers to, of its type, nullable as [`field`](Self::field)
    /// says: an operand only for comparing it with null ([`compare`](Self::compare)). Refused
    /// unless `r` is of a complex type.
    pub(crate) fn structured(r: FieldRef, span: Span) -> Result<Expr, Mistyped> {
        if r.ty.as_complex().is_none() {
            return Err(Mistyped::NotAValue(r.ty));
        }
        let nullable = r.path.is_empty() || r.path.iter().any(Field::is_nullable);
        let ty = Type::Field(r.ty.clone());
        Ok(Expr::build(ExprKind::Field(r), ty, nullable, span))
    }

    /// `not x`: Boolean, null when `x` is. Refused unless `x` is Boolean.
    pub(crate) fn not(x: Expr, span: Span) -> Result<Expr, Mistyped> {
        if x.ty != Type::BOOLEAN {
            return Err(Mistyped::NotOperand(x.ty));
        }
        let nullable = x.nullable;
        Ok(Expr::build(
            ExprKind::Not(Box::new(x)),
            Type::BOOLEAN,
            nullable,
            span,
        ))
    }

    /// `x1 and x2 and ...`: Boolean, nullable when an operand is. Nested conjunctions are
    /// flattened into one: `a and (b and c)` is `and(a, b, c)`. Of one operand, the operand;
    /// of none, `true`. Refused unless every operand is Boolean.
    pub(crate) fn conjunction(xs: Vec<Expr>, span: Span) -> Result<Expr, Mistyped> {
        Expr::logical(xs, true, span)
    }

    /// `x1 or x2 or ...`: as [`conjunction`](Self::conjunction), with `or`; of no operand,
    /// `false`.
    pub(crate) fn disjunction(xs: Vec<Expr>, span: Span) -> Result<Expr, Mistyped> {
        Expr::logical(xs, false, span)
    }

    fn logical(xs: Vec<Expr>, and: bool, span: Span) -> Result<Expr, Mistyped> {
        if let Some(x) = xs.iter().find(|x| x.ty != Type::BOOLEAN) {
            let (found, span) = (x.ty.clone(), x.span);
            return Err(Mistyped::NotCondition { found, span });
        }
        let mut xs = flatten(xs, and);
        if xs.len() < 2 {
            let neutral = || Expr::constant(Value::Bool(and), Type::BOOLEAN, span);
            return Ok(xs.pop().unwrap_or_else(neutral));
        }
        let nullable = xs.iter().any(|x| x.nullable);
        let kind = if and {
            ExprKind::And(xs)
        } else {
            ExprKind::Or(xs)
        };
        Ok(Expr::build(kind, Type::BOOLEAN, nullable, span))
    }

    /// `self and other`, for adding a condition of the server's own to a client's checked
    /// filter without printing and re-parsing either (a filter at the parser's limits stays
    /// within them). `None` unless both are conditions (Boolean). Nested conjunctions are
    /// flattened as the checker flattens them; the span is `self`'s, since the two may have
    /// been written in different texts.
    ///
    /// ```
    /// use odata_filter::{schema::catalog, Filter};
    ///
    /// let schema = catalog::machine_action();
    /// let own = Filter::new(&schema, "status eq 'Succeeded'")?;
    /// let client = Filter::new(&schema, "type eq 'RunAntiVirusScan' or type eq 'Offboard'")?;
    /// let both = own.expr().clone().and(client.expr().clone()).unwrap();
    /// assert_eq!(
    ///     both.to_string(),
    ///     "status eq 'Succeeded' and (type eq 'RunAntiVirusScan' or type eq 'Offboard')"
    /// );
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn and(self, other: Expr) -> Option<Expr> {
        let span = self.span;
        Expr::conjunction(vec![self, other], span).ok()
    }

    /// `lhs op rhs`: Boolean and never null (OData compares null as a value, and an ordering
    /// with a null operand is false).
    ///
    /// Refused when the types do not compare: numbers compare with numbers, enums with enums
    /// of their type, a Date with a DateTimeOffset (the date stands for its midnight, UTC:
    /// [`crate::edm::date::midnight`]), a bare `null` with anything, and other types with
    /// themselves only. An
    /// ordering is also refused for a type without an order; with a `null` operand it is
    /// accepted (`count gt null`, `null le null`), and false. A structured value compares
    /// with `null` only, by `eq` and `ne` (`owner eq null`).
    pub(crate) fn compare(op: CmpOp, lhs: Expr, rhs: Expr, span: Span) -> Result<Expr, Mistyped> {
        let structured = |x: &Expr| matches!(&x.ty, Type::Field(FieldType::Complex(_)));
        if structured(&lhs) || structured(&rhs) {
            let null = |x: &Expr| matches!(x.kind, ExprKind::Const(Value::Null));
            let ty = if structured(&lhs) { &lhs.ty } else { &rhs.ty };
            if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                let op = op.keyword();
                return Err(Mistyped::NotOrdered { op, ty: ty.clone() });
            }
            if !(null(&lhs) || null(&rhs)) {
                return Err(Mistyped::Mismatch {
                    op: op.keyword(),
                    left: lhs.ty,
                    right: rhs.ty,
                });
            }
            let kind = ExprKind::Compare {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
            return Ok(Expr::build(kind, Type::BOOLEAN, false, span));
        }
        if !comparable(&lhs.ty, &rhs.ty) {
            return Err(Mistyped::Mismatch {
                op: op.keyword(),
                left: lhs.ty,
                right: rhs.ty,
            });
        }
        if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            // The operands' type: a bare `null` takes the other's (`null gt null` has none).
            let ty = if lhs.ty == Type::Null {
                &rhs.ty
            } else {
                &lhs.ty
            };
            if *ty != Type::Null && !ordered(ty) {
                let op = op.keyword();
                return Err(Mistyped::NotOrdered { op, ty: ty.clone() });
            }
        }
        let kind = ExprKind::Compare {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        Ok(Expr::build(kind, Type::BOOLEAN, false, span))
    }

    /// `x in (v1, v2, ...)`: Boolean and never null. Refused unless `x` is a single value of a
    /// schema type (not a bare `null`).
    ///
    /// The values must be values of `x`'s type (the rule of `holds`), or instants when `x` is a
    /// Date (compared as `x eq v` is, by promotion); the checker converts them to it, which
    /// this asserts in debug builds.
    pub(crate) fn in_list(x: Expr, list: Vec<Value>, span: Span) -> Result<Expr, Mistyped> {
        if !matches!(&x.ty, Type::Field(t) if t.is_scalar()) {
            let left = x.ty.clone();
            return Err(Mistyped::Mismatch {
                op: "in",
                left,
                right: x.ty,
            });
        }
        debug_assert!(
            list.iter().all(|v| holds(&x.ty, v)
                || (x.ty == Type::Field(FieldType::Date) && matches!(v, Value::DateTimeOffset(_)))),
            "{list:?} are not all values of type {}",
            x.ty
        );
        let kind = ExprKind::In {
            expr: Box::new(x),
            list,
        };
        Ok(Expr::build(kind, Type::BOOLEAN, false, span))
    }

    /// `func(args)`: of the type the function returns, nullable when an argument is (a
    /// function of null is null). Refused when the function does not take that many
    /// arguments, or an argument of its type.
    pub(crate) fn call(func: Function, args: Vec<Expr>, span: Span) -> Result<Expr, Mistyped> {
        let sig = func.signature();
        if !sig.takes(args.len()) {
            let found = args.len();
            return Err(Mistyped::Arity {
                function: func,
                found,
            });
        }
        let refused = args
            .iter()
            .zip(sig.params)
            .position(|(x, p)| !p.accepts(&x.ty));
        if let Some(index) = refused {
            let x = &args[index];
            return Err(Mistyped::Argument {
                function: func,
                index,
                found: x.ty.clone(),
                span: x.span,
            });
        }
        let nullable = args.iter().any(|x| x.nullable);
        let types: Vec<&Type> = args.iter().map(|x| &x.ty).collect();
        let result = func.result_type(&types);
        let kind = ExprKind::Call { func, args };
        Ok(Expr::build(kind, Type::Field(result), nullable, span))
    }

    /// `collection/any(variable: predicate)` or `collection/all(...)`, or `collection/any()`
    /// without a predicate (and with an empty `variable`): Boolean and never null, whatever
    /// the predicate (an element whose predicate is null neither satisfies `any` nor lets
    /// `all` hold, and a missing collection is empty). Refused unless `collection` is a
    /// collection and the predicate Boolean.
    pub(crate) fn lambda(
        kind: LambdaKind,
        collection: FieldRef,
        variable: String,
        predicate: Option<Expr>,
        span: Span,
    ) -> Result<Expr, Mistyped> {
        if !collection.ty.is_collection() {
            return Err(Mistyped::NotACollection);
        }
        if let Some(p) = predicate.as_ref().filter(|p| p.ty != Type::BOOLEAN) {
            let (found, span) = (p.ty.clone(), p.span);
            return Err(Mistyped::NotCondition { found, span });
        }
        let kind = ExprKind::Lambda {
            kind,
            collection,
            variable,
            predicate: predicate.map(Box::new),
        };
        Ok(Expr::build(kind, Type::BOOLEAN, false, span))
    }
}

/// The operands of an `and` (or an `or`) with nested conjunctions (disjunctions) replaced by
/// their operands.
fn flatten(xs: Vec<Expr>, and: bool) -> Vec<Expr> {
    let nested = |e: &Expr| match e.kind {
        ExprKind::And(_) => and,
        ExprKind::Or(_) => !and,
        _ => false,
    };
    if !xs.iter().any(nested) {
        return xs;
    }
    let mut out = Vec::with_capacity(xs.len());
    for e in xs {
        match e.kind {
            ExprKind::And(inner) if and => out.extend(inner),
            ExprKind::Or(inner) if !and => out.extend(inner),
            kind => out.push(Expr { kind, ..e }),
        }
    }
    out
}

/// Whether values of types `a` and `b` can be compared with `eq` and `ne`: numbers with
/// numbers, a Date with a DateTimeOffset (promoted to its midnight, UTC), enums of one type,
/// and other types with themselves.
fn comparable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Null, _) | (_, Type::Null) => true,
        _ if a.is_numeric() && b.is_numeric() => true,
        (Type::Field(x), Type::Field(y)) => match (x, y) {
            (FieldType::Enum(e1), FieldType::Enum(e2)) => e1.name() == e2.name(),
            (FieldType::Complex(_), _) | (FieldType::Collection(_), _) => false,
            // A date meets an instant as its midnight, UTC (OData's promotion of Edm.Date).
            (FieldType::Date, FieldType::DateTimeOffset)
            | (FieldType::DateTimeOffset, FieldType::Date) => true,
            _ => x == y,
        },
    }
}

/// Whether values of type `t` can be ordered with `gt`, `ge`, `lt` and `le`.
fn ordered(t: &Type) -> bool {
    t.is_numeric()
        || matches!(
            t.field_type(),
            Some(
                FieldType::String
                    | FieldType::Date
                    | FieldType::DateTimeOffset
                    | FieldType::TimeOfDay
                    | FieldType::Duration
            )
        )
}

/// Whether a constant of type `ty` may hold `v`. `null` is a value of every type. A number
/// keeps the form it was written in when its type is another numeric type (an integer field
/// compared with `1.5` holds the decimal), so integers and floats are values of every numeric
/// type, and decimals of every one but Double (whose constants are floats). An enum constant
/// holds any name: a lenient schema lets a name that is not a member through, matching nothing.
fn holds(ty: &Type, v: &Value) -> bool {
    use FieldType as F;
    let Type::Field(t) = ty else {
        return v.is_null();
    };
    match v {
        Value::Null => true,
        Value::Int(_) | Value::Float(_) => ty.is_numeric(),
        Value::Decimal(_) => matches!(t, F::Int32 | F::Int64 | F::Decimal),
        Value::Bool(_) => *t == F::Boolean,
        Value::String(_) => *t == F::String,
        Value::Guid(_) => *t == F::Guid,
        Value::Date(_) => *t == F::Date,
        Value::DateTimeOffset(_) => *t == F::DateTimeOffset,
        Value::TimeOfDay(_) => *t == F::TimeOfDay,
        Value::Duration(_) => *t == F::Duration,
        Value::Enum(_) => matches!(t, F::Enum(_)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ComplexType, EntitySchema, EnumType};
    use proptest::prelude::*;
    use proptest::strategy::Union;
    use std::sync::OnceLock;

    /// A filterable field, nullable or not.
    fn f(name: &str, ty: impl Into<FieldType>, nullable: bool) -> Field {
        Field::new(name, ty).nullable(nullable).filterable(true)
    }

    /// An entity with a field of every type, nullable and not, complex and collection ones.
    fn thing() -> &'static EntitySchema {
        static S: OnceLock<EntitySchema> = OnceLock::new();
        S.get_or_init(|| {
            let info = ComplexType::new("Test.Info")
                .field(f("label", FieldType::String, true))
                .field(f("size", FieldType::Int32, false));
            let item = ComplexType::new("Test.Item")
                .field(f("code", FieldType::String, true))
                .field(f("qty", FieldType::Int64, false))
                .field(f("subs", FieldType::collection(FieldType::String), true));
            EntitySchema::builder("Thing", "Things")
                .field(f("id", FieldType::Int64, false))
                .field(f("name", FieldType::String, false))
                .field(f("s", FieldType::String, true))
                .field(f("b", FieldType::Boolean, true))
                .field(f("i32", FieldType::Int32, true))
                .field(f("dbl", FieldType::Double, true))
                .field(f("dec", FieldType::Decimal, true))
                .field(f("g", FieldType::Guid, true))
                .field(f("d", FieldType::Date, true))
                .field(f("at", FieldType::DateTimeOffset, false))
                .field(f("tod", FieldType::TimeOfDay, true))
                .field(f("dur", FieldType::Duration, true))
                .field(f(
                    "color",
                    EnumType::new("Test.Color", ["Red", "Green", "Blue"]),
                    true,
                ))
                .field(f("info", info, true))
                .field(f("tags", FieldType::collection(FieldType::String), true))
                .field(f("items", FieldType::collection(item), true))
                .key("id")
                .build()
                .unwrap()
        })
    }

    fn checked(text: &str) -> Expr {
        let tree = crate::syntax::parse(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
        crate::check::check(thing(), &tree, text).unwrap_or_else(|e| panic!("{text}\n{e}"))
    }

    /// `e` built again, node by node, by the constructors from its rebuilt operands and its
    /// own constants; panics if a constructor refuses what the checker built.
    fn rebuild(e: &Expr) -> Expr {
        let all = |xs: &[Expr]| xs.iter().map(rebuild).collect::<Vec<_>>();
        let span = e.span();
        let built = match e.kind() {
            ExprKind::Const(v) => Ok(Expr::constant(v.clone(), e.ty().clone(), span)),
            ExprKind::Field(r) if r.ty.as_complex().is_some() => Expr::structured(r.clone(), span),
            ExprKind::Field(r) => Expr::field(r.clone(), span),
            ExprKind::Not(x) => Expr::not(rebuild(x), span),
            ExprKind::And(xs) => Expr::conjunction(all(xs), span),
            ExprKind::Or(xs) => Expr::disjunction(all(xs), span),
            ExprKind::Compare { op, lhs, rhs } => {
                Expr::compare(*op, rebuild(lhs), rebuild(rhs), span)
            }
            ExprKind::In { expr, list } => Expr::in_list(rebuild(expr), list.clone(), span),
            ExprKind::Call { func, args } => Expr::call(*func, all(args), span),
            ExprKind::Lambda {
                kind,
                collection,
                variable,
                predicate,
            } => Expr::lambda(
                *kind,
                collection.clone(),
                variable.clone(),
                predicate.as_deref().map(rebuild),
                span,
            ),
        };
        built.unwrap_or_else(|why| panic!("{why:?} for {e:?}"))
    }

    /// Every `and` and `or` has two or more operands, none of its own kind.
    fn flat(e: &Expr) -> bool {
        let children: Vec<&Expr> = match e.kind() {
            ExprKind::Const(_) | ExprKind::Field(_) => vec![],
            ExprKind::Not(x) | ExprKind::In { expr: x, .. } => vec![x],
            ExprKind::And(xs)
                if xs.len() < 2 || xs.iter().any(|x| matches!(x.kind, ExprKind::And(_))) =>
            {
                return false
            }
            ExprKind::Or(xs)
                if xs.len() < 2 || xs.iter().any(|x| matches!(x.kind, ExprKind::Or(_))) =>
            {
                return false
            }
            ExprKind::And(xs) | ExprKind::Or(xs) | ExprKind::Call { args: xs, .. } => {
                xs.iter().collect()
            }
            ExprKind::Compare { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Lambda { predicate, .. } => predicate.as_deref().into_iter().collect(),
        };
        children.into_iter().all(flat)
    }

    /// Operands of one kind of value: `(text, nullable)`, with literals of their type and
    /// whether they order.
    struct Group {
        operands: Vec<(&'static str, bool)>,
        literals: &'static [&'static str],
        ordered: bool,
    }

    /// The groups of operands, with those of the lambda variables in `vars`.
    fn groups(vars: &[&'static str]) -> Vec<Group> {
        let g = |operands: &[(&'static str, bool)], literals, ordered| Group {
            operands: operands.to_vec(),
            literals,
            ordered,
        };
        let mut strings = vec![
            ("name", false),
            ("s", true),
            ("info/label", true),
            ("tolower(s)", true),
            ("substring(name, 1)", false),
            ("substring(s, null)", true),
            ("concat(name, name)", false),
            ("trim(null)", true),
        ];
        let mut integers = vec![
            ("id", false),
            ("i32", true),
            ("info/size", true),
            ("length(name)", false),
            ("indexof(null, 'a')", true),
            ("year(at)", false),
            ("second(tod)", true),
        ];
        // The variables' own operands, alone in groups too, so that lambdas read them often.
        let mut own = Vec::new();
        let texts: &[&str] = &["'a'", "''", "'it''s'"];
        let numbers: &[&str] = &["0", "-7", "1.5", "2147483648", "1e300"];
        if vars.contains(&"t") {
            let t = [("t", true), ("concat(t, name)", true)];
            strings.extend(t);
            own.push(g(&t, texts, true));
        }
        if vars.contains(&"i") {
            let (code, qty) = (
                [("i/code", true)],
                [("i/qty", false), ("length(i/code)", true)],
            );
            strings.extend(code);
            integers.extend(qty);
            own.extend([g(&code, texts, true), g(&qty, numbers, true)]);
        }
        let mut groups = vec![
            g(&strings, texts, true),
            g(&integers, numbers, true),
            g(
                &[("dbl", true), ("dec", true)],
                &["0", "1.5", "-2.25", "INF"],
                true,
            ),
            g(
                &[("g", true)],
                &[
                    "00000000-0000-0000-0000-000000000001",
                    "'00000000-0000-0000-0000-000000000002'",
                ],
                false,
            ),
            g(
                &[("d", true), ("date(at)", false)],
                &["2020-01-01", "2020-01-01Z"],
                true,
            ),
            g(
                &[("at", false)],
                &["2020-01-01T00:00:00Z", "2020-01-01", "2020-01-01Z"],
                true,
            ),
            // A Date meets a DateTimeOffset as its midnight, UTC.
            g(
                &[("d", true), ("date(at)", false), ("at", false)],
                &[
                    "2020-01-01",
                    "2020-01-01T00:00:00Z",
                    "2020-01-01T07:29:59Z",
                    "2020-01-01T00:30:00+01:00",
                ],
                true,
            ),
            g(
                &[("tod", true), ("time(at)", false)],
                &["12:00:00", "00:00"],
                true,
            ),
            g(&[("dur", true)], &["duration'P1D'", "'PT1H'"], true),
            g(&[("color", true)], &["'Red'", "Test.Color'Blue'"], false),
            g(
                &[
                    ("b", true),
                    ("contains(s, 'x')", true),
                    ("startswith(name, null)", true),
                    ("endswith(name, 'a')", false),
                    ("tags/any()", false),
                ],
                &["true", "false"],
                false,
            ),
        ];
        groups.extend(own);
        groups
    }

    const OPS: [&str; 6] = ["eq", "ne", "gt", "ge", "lt", "le"];

    /// A comparison or `in` of operands of one group.
    fn atom(vars: &[&'static str]) -> BoxedStrategy<String> {
        let pick = any::<prop::sample::Index>;
        let groups: Vec<BoxedStrategy<String>> = groups(vars)
            .into_iter()
            .map(|g| {
                (pick(), pick(), pick(), pick(), pick(), 0..5u8)
                    .prop_map(move |(x, y, op, l1, l2, form)| {
                        let (x, nullable) = *x.get(&g.operands);
                        let (y, _) = *y.get(&g.operands);
                        let op = OPS[op.index(if g.ordered { 6 } else { 2 })];
                        let (l1, l2) = (l1.get(g.literals), l2.get(g.literals));
                        match form {
                            0 => format!("{l1} {op} {x}"),
                            1 => format!("{x} {op} {y}"),
                            2 => format!("{x} in ({l1}, {l2})"),
                            3 if nullable => format!("{x} {op} null"),
                            _ => format!("{x} {op} {l1}"),
                        }
                    })
                    .boxed()
            })
            .collect();
        let mut other = vec![
            "b",
            "true",
            "null eq null",
            "null gt null",
            "info eq null",
            "null ne info",
            "1 eq 1.5",
            "-1 lt i32",
            "tags/any()",
        ];
        if vars.is_empty() {
            // Two levels of lambdas, the parser's limit.
            other.push("items/all(x: x/subs/any())");
        }
        let other = prop::sample::select(other).prop_map(str::to_owned);
        prop_oneof![6 => Union::new(groups), 1 => other].boxed()
    }

    /// A condition of `depth` levels at most, with the lambda variables `vars` in scope.
    fn condition(depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
        let leaf = atom(&vars);
        if depth == 0 {
            return leaf;
        }
        let inner = || condition(depth - 1, vars.clone());
        let within = |v: &'static str| {
            let mut vars = vars.clone();
            vars.push(v);
            condition(depth - 1, vars)
        };
        let kind = || prop::sample::select(&["any", "all"][..]);
        let mut options = vec![
            (4, leaf),
            (1, inner().prop_map(|c| format!("not ({c})")).boxed()),
            (
                2,
                prop::collection::vec(inner(), 2..4)
                    .prop_map(|xs| format!("({})", xs.join(") and (")))
                    .boxed(),
            ),
            (
                2,
                prop::collection::vec(inner(), 2..4)
                    .prop_map(|xs| format!("({})", xs.join(") or (")))
                    .boxed(),
            ),
            (
                1,
                (inner(), inner(), any::<bool>())
                    .prop_map(|(a, b, eq)| format!("({a}) {} ({b})", if eq { "eq" } else { "ne" }))
                    .boxed(),
            ),
        ];
        if !vars.contains(&"t") {
            let tags = (kind(), within("t")).prop_map(|(k, c)| format!("tags/{k}(t: {c})"));
            options.push((1, tags.boxed()));
        }
        if !vars.contains(&"i") {
            let items = (kind(), within("i")).prop_map(|(k, c)| format!("items/{k}(i: {c})"));
            options.push((1, items.boxed()));
        }
        Union::new_weighted(options).boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// The checker's expression is the one the constructors build: rebuilding every node
        /// from its operands gives the same types and nullability, and no constructor refuses
        /// what the checker built. So does the normalized expression. Every `and` and `or`
        /// is flat.
        #[test]
        fn checked_expressions_are_what_the_constructors_build(text in condition(3, vec![])) {
            let e = checked(&text);
            prop_assert_eq!(&rebuild(&e), &e, "{}", text);
            prop_assert!(flat(&e), "{}", text);
            let n = crate::ir::normalize(&e);
            prop_assert_eq!(&rebuild(&n), &*n, "{}", text);
            prop_assert!(flat(&n), "{}", text);
        }
    }

    /// The checked expression of `text`, over [`thing`].
    fn type_of(text: &str) -> (Type, bool) {
        let e = checked(text);
        (e.ty().clone(), e.is_nullable())
    }

    fn field(name: &str) -> Expr {
        let r = FieldRef::top_level(thing().lookup(name).unwrap());
        Expr::field(r, Span::default()).unwrap()
    }

    fn constant(v: Value, ty: Type) -> Expr {
        Expr::constant(v, ty, Span::default())
    }

    #[test]
    fn fields_are_nullable_when_a_field_on_their_path_is() {
        assert!(!field("name").is_nullable());
        assert!(field("s").is_nullable());
        assert_eq!(field("at").ty(), &Type::Field(FieldType::DateTimeOffset));
        // `info/size` is not nullable, but `info` is.
        let size = checked("info/size eq 1");
        let ExprKind::Compare { lhs, .. } = size.kind() else {
            panic!("{size:?}")
        };
        assert!(lhs.is_nullable());
        // A lambda's element may be null.
        let tags = checked("tags/any(t: length(t) eq 1)");
        let ExprKind::Lambda {
            predicate: Some(p), ..
        } = tags.kind()
        else {
            panic!("{tags:?}")
        };
        let ExprKind::Compare { lhs, .. } = p.kind() else {
            panic!("{p:?}")
        };
        assert!(lhs.is_nullable(), "{lhs:?}");
        for complex in ["info", "tags"] {
            let r = FieldRef::top_level(thing().lookup(complex).unwrap());
            let ty = r.ty().clone();
            assert_eq!(
                Expr::field(r, Span::default()),
                Err(Mistyped::NotAValue(ty))
            );
        }
    }

    #[test]
    fn constants_are_nullable_when_null() {
        assert!(!constant(Value::Int(1), Type::INT32).is_nullable());
        assert!(constant(Value::Null, Type::INT32).is_nullable());
        assert!(constant(Value::Null, Type::Null).is_nullable());
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "is not a value of type")]
    fn a_constant_of_another_type_is_refused() {
        constant(Value::String("1".into()), Type::INT32);
    }

    #[test]
    fn logic_is_boolean_and_nullable_when_an_operand_is() {
        let (yes, maybe) = (checked("name eq 'a'"), checked("b"));
        assert!(!yes.is_nullable() && maybe.is_nullable());
        let span = Span::default();
        let and = |xs: &[&Expr]| Expr::conjunction(xs.iter().map(|&x| x.clone()).collect(), span);
        assert!(!and(&[&yes, &yes]).unwrap().is_nullable());
        assert!(and(&[&yes, &maybe]).unwrap().is_nullable());
        assert!(Expr::not(maybe.clone(), span).unwrap().is_nullable());
        assert!(!Expr::not(yes.clone(), span).unwrap().is_nullable());
        // Flat, of one operand itself, of none the neutral element.
        let nested = and(&[&yes, &and(&[&maybe, &yes]).unwrap()]).unwrap();
        assert!(matches!(nested.kind(), ExprKind::And(xs) if xs.len() == 3));
        assert_eq!(and(&[&maybe]).unwrap(), maybe);
        assert_eq!(
            and(&[]).unwrap(),
            constant(Value::Bool(true), Type::BOOLEAN)
        );
        assert_eq!(
            Expr::disjunction(vec![], span).unwrap(),
            constant(Value::Bool(false), Type::BOOLEAN)
        );
        // An `or` inside an `and` stays.
        let or = Expr::disjunction(vec![yes.clone(), maybe.clone()], span).unwrap();
        assert!(matches!(and(&[&yes, &or]).unwrap().kind(), ExprKind::And(xs) if xs.len() == 2));
    }

    #[test]
    fn logic_refuses_operands_that_are_not_conditions() {
        let (yes, name) = (checked("name eq 'a'"), field("name"));
        let found = Mistyped::NotCondition {
            found: Type::STRING,
            span: name.span(),
        };
        let span = Span::default();
        assert_eq!(
            Expr::conjunction(vec![yes.clone(), name.clone()], span),
            Err(found.clone())
        );
        assert_eq!(
            Expr::disjunction(vec![name.clone(), yes.clone()], span),
            Err(found)
        );
        assert_eq!(
            Expr::not(name.clone(), span),
            Err(Mistyped::NotOperand(Type::STRING))
        );
        assert_eq!(yes.clone().and(name), None);
        assert!(yes.clone().and(yes).is_some());
    }

    #[test]
    fn comparisons_are_boolean_and_never_null() {
        for text in [
            "s eq null",
            "b eq null",
            "i32 lt dbl",
            "s in ('a', null)",
            "null eq null",
        ] {
            assert_eq!(type_of(text), (Type::BOOLEAN, false), "{text}");
        }
    }

    #[test]
    fn comparisons_refuse_what_does_not_compare() {
        let span = Span::default();
        let cmp = |op, l: &Expr, r: &Expr| Expr::compare(op, l.clone(), r.clone(), span);
        let (s, i32, g, b) = (field("s"), field("i32"), field("g"), field("b"));
        assert_eq!(
            cmp(CmpOp::Eq, &s, &i32),
            Err(Mistyped::Mismatch {
                op: "eq",
                left: Type::STRING,
                right: Type::INT32
            })
        );
        assert!(cmp(CmpOp::Eq, &i32, &field("dec")).is_ok());
        let null = constant(Value::Null, Type::STRING);
        assert!(cmp(CmpOp::Ne, &s, &null).is_ok());
        // An ordering with null is valid OData, and false: Boolean and never null.
        let bare = constant(Value::Null, Type::Null);
        for (l, r) in [(&s, &null), (&bare, &i32), (&i32, &bare), (&bare, &bare)] {
            let e = cmp(CmpOp::Gt, l, r).unwrap();
            assert_eq!((e.ty(), e.is_nullable()), (&Type::BOOLEAN, false));
        }
        // A Date compares with a DateTimeOffset, either way round, in every operator.
        let (d, at) = (field("d"), field("at"));
        for op in [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Gt,
            CmpOp::Ge,
            CmpOp::Lt,
            CmpOp::Le,
        ] {
            for (l, r) in [(&d, &at), (&at, &d)] {
                let e = cmp(op, l, r).unwrap();
                assert_eq!((e.ty(), e.is_nullable()), (&Type::BOOLEAN, false));
            }
        }
        assert!(cmp(CmpOp::Eq, &d, &field("tod")).is_err());
        // A type without an order is refused even against null.
        let b_null = constant(Value::Null, Type::Field(FieldType::Boolean));
        assert_eq!(
            cmp(CmpOp::Ge, &b, &b_null),
            Err(Mistyped::NotOrdered {
                op: "ge",
                ty: Type::BOOLEAN
            })
        );
        assert_eq!(
            cmp(CmpOp::Ge, &bare, &b),
            Err(Mistyped::NotOrdered {
                op: "ge",
                ty: Type::BOOLEAN
            })
        );
        for x in [g, b] {
            let ty = x.ty().clone();
            assert!(cmp(CmpOp::Eq, &x, &x).is_ok());
            assert_eq!(
                cmp(CmpOp::Lt, &x, &x),
                Err(Mistyped::NotOrdered { op: "lt", ty })
            );
        }
        // A structured value compares with null only, by eq and ne.
        let r = FieldRef::top_level(thing().lookup("info").unwrap());
        let info = Expr::structured(r, span).unwrap();
        let info_null = constant(Value::Null, info.ty().clone());
        for (l, r) in [(&info, &info_null), (&info_null, &info), (&info, &bare)] {
            let e = cmp(CmpOp::Ne, l, r).unwrap();
            assert_eq!((e.ty(), e.is_nullable()), (&Type::BOOLEAN, false));
        }
        let ty = info.ty().clone();
        assert_eq!(
            cmp(CmpOp::Lt, &info, &info_null),
            Err(Mistyped::NotOrdered { op: "lt", ty })
        );
        assert!(matches!(
            cmp(CmpOp::Eq, &info, &info),
            Err(Mistyped::Mismatch { op: "eq", .. })
        ));
        assert!(matches!(
            Expr::field(FieldRef::top_level(thing().lookup("info").unwrap()), span),
            Err(Mistyped::NotAValue(_))
        ));
        assert!(Expr::structured(FieldRef::top_level(thing().lookup("s").unwrap()), span).is_err());
        let bare_in = Expr::in_list(bare, vec![Value::Null], span);
        assert!(matches!(bare_in, Err(Mistyped::Mismatch { op: "in", .. })));
    }

    #[test]
    fn calls_have_their_signatures_type_and_are_nullable_when_an_argument_is() {
        let int32 = Type::INT32;
        assert_eq!(type_of("length(name) eq 1"), (Type::BOOLEAN, false));
        let call = |text: &str| {
            let e = checked(&format!("{text} eq {text}"));
            let ExprKind::Compare { lhs, .. } = e.kind() else {
                panic!("{e:?}")
            };
            (lhs.ty().clone(), lhs.is_nullable())
        };
        assert_eq!(call("length(name)"), (int32.clone(), false));
        assert_eq!(call("length(s)"), (int32.clone(), true));
        assert_eq!(call("indexof(name, null)"), (int32, true));
        assert_eq!(call("date(at)"), (Type::Field(FieldType::Date), false));
        assert_eq!(call("substring(name, 1, i32)"), (Type::STRING, true));
        assert_eq!(type_of("contains(name, 'a')"), (Type::BOOLEAN, false));
        assert_eq!(type_of("contains(s, 'a')"), (Type::BOOLEAN, true));

        let span = Span::default();
        let (name, i32) = (field("name"), field("i32"));
        assert_eq!(
            Expr::call(Function::Length, vec![name.clone(), name.clone()], span),
            Err(Mistyped::Arity {
                function: Function::Length,
                found: 2
            })
        );
        assert_eq!(
            Expr::call(
                Function::Substring,
                vec![name, i32.clone(), field("s")],
                span
            ),
            Err(Mistyped::Argument {
                function: Function::Substring,
                index: 2,
                found: Type::STRING,
                span,
            })
        );
        assert!(Expr::call(Function::Year, vec![i32], span).is_err());
    }

    #[test]
    fn lambdas_are_boolean_over_collections_and_never_null() {
        for text in [
            "tags/any()",
            "tags/any(t: contains(t, 'a'))",
            "tags/all(t: t eq 'a' and b)",
            "items/all(i: i/subs/any(s: length(s) gt i/qty or s eq i/code))",
        ] {
            assert_eq!(type_of(text), (Type::BOOLEAN, false), "{text}");
        }
        let text = "tags/any(t: contains(t, 'a')) eq null";
        let tree = crate::syntax::parse(text).unwrap();
        let errors = crate::check::check(thing(), &tree, text).unwrap_err();
        assert_eq!(
            errors.first().kind(),
            &crate::check::ErrorKind::NullNotAllowed {
                what: "this expression".into()
            }
        );
        let span = Span::default();
        let top = |name: &str| FieldRef::top_level(thing().lookup(name).unwrap());
        let yes = checked("name eq 'a'");
        assert_eq!(
            Expr::lambda(
                LambdaKind::Any,
                top("s"),
                "x".into(),
                Some(yes.clone()),
                span
            ),
            Err(Mistyped::NotACollection)
        );
        let name = field("name");
        assert_eq!(
            Expr::lambda(LambdaKind::All, top("tags"), "x".into(), Some(name), span),
            Err(Mistyped::NotCondition {
                found: Type::STRING,
                span
            })
        );
        assert!(Expr::lambda(LambdaKind::All, top("tags"), "x".into(), Some(yes), span).is_ok());
    }
}
