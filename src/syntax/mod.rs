//! The `$filter` language: parse text into a spanned syntax tree, and print it back.
//!
//! This layer knows nothing about schemas: `status eq 'x'` parses whether or
//! not an entity has a `status` field. Names and types are the checker's job.
//!
//! A parameter alias (`name eq @p`) parses as [`ast::ExprKind::Alias`] and prints back as
//! `@p`; its value comes from the query string, where
//! [`QueryOptions::parse`](crate::query::QueryOptions::parse) substitutes it.
//!
//! ```
//! use odata_filter::syntax;
//!
//! let tree = syntax::parse("Status EQ 'Succeeded' and creationDateTimeUtc gt 2018-08-01Z")?;
//! assert_eq!(tree.to_string(), "Status eq 'Succeeded' and creationDateTimeUtc gt 2018-08-01Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ast;
mod error;
mod lex;
mod parse;
mod print;

pub use ast::Expr;
pub use error::{Error, ErrorKind, Expected};
pub(crate) use lex::{is_alias_name, keyword};
pub use lex::{is_property_name, KEYWORDS};

/// Parses `input` with the default [`Limits`].
pub fn parse(input: &str) -> Result<Expr, Error> {
    Parser::new().parse(input)
}

/// Bounds on what a parse accepts, so that no input can exhaust memory or the stack, or
/// run for long.
///
/// All four are enforced while parsing, before the tree is complete:
///
/// - `max_len` (default 65,536 bytes): longer input is rejected before any
///   work. Bounding the length bounds the heap a parse can use.
/// - `max_depth` (default 100): the deepest path from the root of the tree
///   to a leaf, counting every node, and the deepest nesting of parentheses,
///   argument lists and unary operators. `and`/`or` chains are single nodes,
///   so a long `or` chain is shallow; `a add b add c ...` is not. Every
///   later stage (checking, evaluation, SQL, printing) recurses over the
///   tree, so this limit is what keeps them off the end of the stack:
///   the default is safe on a 2 MiB thread stack. Raising it far beyond a
///   few thousand needs a bigger stack.
/// - `max_nodes` (default 10,000): the number of expression nodes.
/// - `max_lambda_depth` (default 2): the deepest nesting of `any`/`all` lambdas with a
///   body, one inside another's condition. `tags/any(t: t eq 'x')` is one level,
///   `commands/any(c: c/params/any(p: p eq 'x'))` two; a body-less `tags/any()` tests
///   emptiness without visiting elements and does not count. This is what bounds the work
///   of running a filter: a lambda visits each element of its collection and evaluates its
///   condition once per element, so each level multiplies the work by the collection's
///   size. With lambda depth `k` and no collection longer than `n`, evaluating a filter of
///   `N` nodes on one record costs at most `N × n^k` node evaluations, in memory, on
///   NDJSON lines and in SQL (`EXISTS` per level) alike; without the limit, 30 levels
///   nested in a 659-byte filter ran for an estimated 25 minutes on 28 records in SQLite. The default of 2 admits
///   every Defender for Endpoint example query (they use at most one level) and one
///   collection within another (`commands/any(c: c/command/params/any(...))`), and keeps
///   the worst case quadratic in the record (a million evaluations per node at 1,000
///   elements). ASP.NET Core OData's `MaxAnyAllExpressionDepth` is the same setting with a
///   default of 1. Raise it with [`ParserBuilder::max_lambda_depth`] only for trusted
///   filters or small collections.
/// - `max_cost` (default 1,000,000): the estimated work of running the filter on one record,
///   checked before it runs. Each node counts [`LAMBDA_FAN_OUT`]`^k` (100^k) where `k` is
///   the number of lambda bodies it sits in: the times it runs on a record whose collections
///   hold 100 elements. Top-level nodes cost 1 (the node limit binds first), a node in one
///   lambda 100, in a lambda within a lambda 10,000: so a nested lambda's inner condition
///   may have about 100 nodes, a single lambda's about 10,000. This bounds the product the
///   depth limit alone does not (a nested lambda of thousands of nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest input, in bytes.
    pub max_len: usize,
    /// The deepest nesting.
    pub max_depth: usize,
    /// The most expression nodes.
    pub max_nodes: usize,
    /// The deepest nesting of `any`/`all` lambdas.
    pub max_lambda_depth: usize,
    /// The largest estimated work per record (see [`LAMBDA_FAN_OUT`]).
    pub max_cost: u64,
}

/// The collection size the cost estimate ([`Limits::max_cost`]) assumes: a node inside `k`
/// lambda bodies counts `LAMBDA_FAN_OUT^k`.
pub const LAMBDA_FAN_OUT: u64 = 100;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_len: 65_536,
            max_depth: 100,
            max_nodes: 10_000,
            max_lambda_depth: 2,
            max_cost: 1_000_000,
        }
    }
}

/// A configured parser. Build one with [`ParserBuilder`], or use [`Parser::new`] for the defaults.
#[derive(Clone, Debug, Default)]
pub struct Parser {
    limits: Limits,
}

impl Parser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Parser {
        Parser::default()
    }

    /// A builder to configure a parser.
    pub fn builder() -> ParserBuilder {
        ParserBuilder::default()
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses `input` into a syntax tree.
    pub fn parse(&self, input: &str) -> Result<Expr, Error> {
        parse::Parser::new(input, &self.limits).parse_filter()
    }
}

/// Configures a [`Parser`]: `Parser::builder().max_depth(20).build()`.
#[derive(Clone, Debug, Default)]
pub struct ParserBuilder {
    limits: Limits,
}

impl ParserBuilder {
    /// The longest input accepted, in bytes (default 65,536).
    pub fn max_len(mut self, bytes: usize) -> ParserBuilder {
        self.limits.max_len = bytes;
        self
    }

    /// The deepest nesting accepted (default 100). See [`Limits`].
    pub fn max_depth(mut self, depth: usize) -> ParserBuilder {
        self.limits.max_depth = depth;
        self
    }

    /// The most expression nodes accepted (default 10,000).
    pub fn max_nodes(mut self, nodes: usize) -> ParserBuilder {
        self.limits.max_nodes = nodes;
        self
    }

    /// The deepest nesting of `any`/`all` lambdas accepted (default 2). See [`Limits`] for
    /// the work this bounds.
    pub fn max_lambda_depth(mut self, depth: usize) -> ParserBuilder {
        self.limits.max_lambda_depth = depth;
        self
    }

    /// The largest estimated work per record accepted (default 1,000,000). See [`Limits`].
    pub fn max_cost(mut self, cost: u64) -> ParserBuilder {
        self.limits.max_cost = cost;
        self
    }

    /// All the limits at once.
    pub fn limits(mut self, limits: Limits) -> ParserBuilder {
        self.limits = limits;
        self
    }

    /// The parser.
    pub fn build(self) -> Parser {
        Parser {
            limits: self.limits,
        }
    }
}
