//! The functions and operators a service lets `$filter` use: an allow-list the checker applies.

use crate::ir::Function;
use std::collections::HashSet;
use std::fmt;

/// An operator of `$filter`, for [`Allowed::only_operators`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
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
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `in`
    In,
    /// `has`
    Has,
    /// `any` (lambda)
    Any,
    /// `all` (lambda)
    All,
    /// `add`
    Add,
    /// `sub`
    Sub,
    /// `mul`
    Mul,
    /// `div`
    Div,
    /// `divby`
    DivBy,
    /// `mod`
    Mod,
    /// unary `-` on an expression (a negative number literal is a literal, not this)
    Negate,
}

impl Operator {
    /// Every operator, for the names in messages.
    pub const ALL: [Operator; 20] = [
        Operator::Eq,
        Operator::Ne,
        Operator::Gt,
        Operator::Ge,
        Operator::Lt,
        Operator::Le,
        Operator::And,
        Operator::Or,
        Operator::Not,
        Operator::In,
        Operator::Has,
        Operator::Any,
        Operator::All,
        Operator::Add,
        Operator::Sub,
        Operator::Mul,
        Operator::Div,
        Operator::DivBy,
        Operator::Mod,
        Operator::Negate,
    ];

    /// The keyword, as written in `$filter` (`-` for [`Negate`](Operator::Negate)).
    pub fn keyword(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::Gt => "gt",
            Operator::Ge => "ge",
            Operator::Lt => "lt",
            Operator::Le => "le",
            Operator::And => "and",
            Operator::Or => "or",
            Operator::Not => "not",
            Operator::In => "in",
            Operator::Has => "has",
            Operator::Any => "any",
            Operator::All => "all",
            Operator::Add => "add",
            Operator::Sub => "sub",
            Operator::Mul => "mul",
            Operator::Div => "div",
            Operator::DivBy => "divby",
            Operator::Mod => "mod",
            Operator::Negate => "-",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What `$filter` may use besides the schema's filterable fields: every canonical function
/// and operator by default, or only those a service lists, as ASP.NET Core OData's
/// `AllowedFunctions` and `AllowedLogicalOperators` / `AllowedArithmeticOperators` settings
/// do. A filter that uses anything else is refused by the checker, at the call or operator
/// (`check::ErrorKind::NotAllowed`).
///
/// ```
/// use odata_filter::check::{self, Allowed, Operator};
/// use odata_filter::ir::Function;
/// use odata_filter::{schema::catalog, syntax};
///
/// let allowed = Allowed::default()
///     .only_functions([Function::Contains, Function::StartsWith])
///     .only_operators([Operator::Eq, Operator::And, Operator::Or]);
/// let schema = catalog::machine_action();
/// let ok = "contains(requestor, 'a') and status eq 'Failed'";
/// assert!(check::check_with(&schema, &syntax::parse(ok)?, ok, &allowed).is_ok());
/// let refused = "tolower(requestor) eq 'a' or status ne 'Failed'";
/// let errors = check::check_with(&schema, &syntax::parse(refused)?, refused, &allowed);
/// assert_eq!(errors.unwrap_err().errors().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    /// `None`: every function.
    functions: Option<HashSet<Function>>,
    /// `None`: every operator.
    operators: Option<HashSet<Operator>>,
}

impl Allowed {
    /// Only `functions` (none when empty); operators are unchanged.
    pub fn only_functions(mut self, functions: impl IntoIterator<Item = Function>) -> Allowed {
        self.functions = Some(functions.into_iter().collect());
        self
    }

    /// Only `operators` (none when empty); functions are unchanged.
    pub fn only_operators(mut self, operators: impl IntoIterator<Item = Operator>) -> Allowed {
        self.operators = Some(operators.into_iter().collect());
        self
    }

    /// Whether `function` may be called.
    pub fn allows_function(&self, function: Function) -> bool {
        self.functions
            .as_ref()
            .is_none_or(|fs| fs.contains(&function))
    }

    /// Whether `operator` may be used.
    pub fn allows_operator(&self, operator: Operator) -> bool {
        self.operators
            .as_ref()
            .is_none_or(|os| os.contains(&operator))
    }

    /// The names of the allowed functions, in the order of [`Function::ALL`].
    pub(crate) fn function_names(&self) -> Vec<String> {
        Function::ALL
            .into_iter()
            .filter(|f| self.allows_function(*f))
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The keywords of the allowed operators, in the order of [`Operator::ALL`].
    pub(crate) fn operator_names(&self) -> Vec<String> {
        Operator::ALL
            .into_iter()
            .filter(|o| self.allows_operator(*o))
            .map(|o| o.keyword().to_owned())
            .collect()
    }
}
