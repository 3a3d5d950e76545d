//! The typed expression: a checked `$filter`, ready for evaluation or SQL.
//!
//! Only the checker builds these (the fields are private, and the constructors
//! decide each node's type and nullability and refuse ill-typed operands), so an
//! [`Expr`] always means "names resolved against a schema, types checked,
//! literals converted to the types their fields need". Backends read it through
//! [`Expr::kind`] and [`Expr::ty`].

mod expr;
mod function;
mod normalize;
mod print;
mod query;

pub(crate) use expr::Mistyped;
pub(crate) use function::Param;
pub(crate) use normalize::normalize;
pub(crate) use print::expansion_bound;

pub use expr::Expr;
pub use function::Function;
pub use query::{OrderKey, Query};

use crate::schema::{Field, FieldType};
use crate::value::Value;
use std::fmt;

/// The type of an expression: a field type, or the type of a bare `null`.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// The type of the `null` literal before it meets a typed operand.
    Null,
    /// A schema type.
    Field(FieldType),
}

impl Type {
    /// The Boolean type.
    pub const BOOLEAN: Type = Type::Field(FieldType::Boolean);
    /// The String type.
    pub const STRING: Type = Type::Field(FieldType::String);
    /// The Int32 type.
    pub const INT32: Type = Type::Field(FieldType::Int32);
    /// The Int64 type.
    pub const INT64: Type = Type::Field(FieldType::Int64);

    /// The schema type, unless this is [`Type::Null`].
    pub fn field_type(&self) -> Option<&FieldType> {
        match self {
            Type::Null => None,
            Type::Field(t) => Some(t),
        }
    }

    /// Whether this is Int32, Int64, Decimal or Double.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Type::Field(
                FieldType::Int32 | FieldType::Int64 | FieldType::Decimal | FieldType::Double
            )
        )
    }

    /// Whether comparing a value of this type with one of type `other` promotes both to
    /// Edm.Double, by OData's binary numeric promotion: one is a Double and the other an
    /// integer or a Decimal. (A Decimal with an integer, and two integers, compare exactly.)
    pub fn promotes_to_double_with(&self, other: &Type) -> bool {
        let double = |t: &Type| matches!(t, Type::Field(FieldType::Double));
        let exact = |t: &Type| t.is_numeric() && !double(t);
        (double(self) && exact(other)) || (exact(self) && double(other))
    }

    /// Whether this is Int32 or Int64.
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Field(FieldType::Int32 | FieldType::Int64))
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Null => f.write_str("null"),
            Type::Field(t) => write!(f, "{t}"),
        }
    }
}

/// The kinds of checked expression.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ExprKind {
    /// A constant.
    Const(Value),
    /// A field of the record, or of the current element of a lambda. A single value, except
    /// as an operand of `eq null` or `ne null`, where it may be a structured (complex) value:
    /// null when it is missing, JSON `null` or not a JSON object.
    Field(FieldRef),
    /// Logical negation (three-valued: `not null` is null).
    Not(Box<Expr>),
    /// Conjunction of two or more operands (three-valued).
    And(Vec<Expr>),
    /// Disjunction of two or more operands (three-valued).
    Or(Vec<Expr>),
    /// A comparison. Never null: OData compares null as a value (`null eq
    /// null` is true, `x ne 1` is true when `x` is null) and ordering with a
    /// null operand is false.
    Compare {
        /// The operator.
        op: CmpOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `expr in (v1, v2, ...)`: true when `expr eq v` for some `v`; never null.
    In {
        /// The value looked for.
        expr: Box<Expr>,
        /// The constants, converted to the type of `expr`.
        list: Vec<Value>,
    },
    /// A canonical function call.
    Call {
        /// The function.
        func: Function,
        /// The arguments, of the types the function takes.
        args: Vec<Expr>,
    },
    /// `collection/any(v: predicate)` or `collection/all(v: predicate)`.
    Lambda {
        /// `any` or `all`.
        kind: LambdaKind,
        /// The collection field.
        collection: FieldRef,
        /// The lambda variable's name as written (for printing).
        variable: String,
        /// The predicate, in which [`FieldRef::var`] refers to this lambda's
        /// element; `None` for `any()`, true when the collection is not empty.
        predicate: Option<Box<Expr>>,
    },
}

/// `any` or `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LambdaKind {
    /// Some element satisfies the predicate.
    Any,
    /// Every element satisfies the predicate (true for an empty collection).
    All,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CmpOp {
    /// Whether a comparison result `ord` (left against right) satisfies this operator.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
        }
    }

    /// The operator with its operands swapped: `a lt b` is `b gt a`.
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            op => op,
        }
    }

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        }
    }
}

/// Where a field's value comes from: the record (`var == 0`) or the element
/// of an enclosing lambda (`var == n` for the n-th lambda from the outside).
///
/// The checker builds these from the names a filter writes; [`FieldRef::top_level`] builds
/// one for a field of the record.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    /// 0 for the record; n for the element of the n-th enclosing lambda.
    pub(crate) var: usize,
    /// The fields from the root (record or element) to the value, outermost
    /// first. Empty when the reference is the lambda element itself
    /// (`tag` in `machineTags/any(tag: tag eq 'x')`).
    pub(crate) path: Vec<Field>,
    /// The value's type (for an element, the collection's item type).
    pub(crate) ty: FieldType,
}

impl FieldRef {
    /// The record's own `field` (not inside a lambda), of the field's type.
    pub fn top_level(field: &Field) -> FieldRef {
        FieldRef {
            var: 0,
            path: vec![field.clone()],
            ty: field.ty().clone(),
        }
    }

    /// The record's member reached by `path` (outermost first, not empty), of type `ty`.
    pub(crate) fn member(path: Vec<Field>, ty: FieldType) -> FieldRef {
        FieldRef { var: 0, path, ty }
    }

    /// 0 for the record; n for the element of the n-th enclosing lambda.
    pub fn var(&self) -> usize {
        self.var
    }

    /// The fields from the root (record or element) to the value, outermost first. Empty
    /// when the reference is the lambda element itself (`tag` in
    /// `machineTags/any(tag: tag eq 'x')`).
    pub fn path(&self) -> &[Field] {
        &self.path
    }

    /// The value's type (for an element, the collection's item type).
    pub fn ty(&self) -> &FieldType {
        &self.ty
    }

    /// The field the path ends at, if the path is not empty.
    pub fn field(&self) -> Option<&Field> {
        self.path.last()
    }

    /// The JSON value this reference points at inside `root` (the record,
    /// or the lambda element when `var > 0`); `None` when any step is missing.
    pub fn value_in<'v>(&self, root: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        let mut v = root;
        for f in &self.path {
            v = f.value_in(v)?;
        }
        Some(v)
    }

    /// The typed value this reference points at inside `root`, with the rules
    /// of [`Value::from_json`]: missing or ill-typed values are null.
    pub fn typed_value_in(&self, root: &serde_json::Value) -> Value {
        self.value_in(root)
            .map_or(Value::Null, |j| Value::from_json(j, &self.ty))
    }

    /// The path as written in canonical names, `relatedFileInfo/fileIdentifier`.
    pub fn display_path(&self) -> String {
        let names: Vec<&str> = self.path.iter().map(Field::name).collect();
        names.join("/")
    }
}

impl fmt::Display for Expr {
    /// Canonical `$filter` text, with fields in their canonical spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", print::to_syntax(self))
    }
}
