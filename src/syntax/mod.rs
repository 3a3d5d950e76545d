//! The `$filter` language: parse text into a spanned syntax tree, and print it back.
//!
//! This layer knows nothing about schemas: `status eq 'x'` parses whether or
//! not an entity has a `status` field. Names and types are the checker's job.
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
pub use lex::{is_property_name, KEYWORDS};
pub(crate) use lex::{keyword, parse_duration};

/// Parses `input` with the default [`Limits`].
pub fn parse(input: &str) -> Result<Expr, Error> {
    Parser::new().parse(input)
}

/// Bounds on what a parse accepts, so that no input can exhaust memory or the stack.
///
/// All three are enforced while parsing, before the tree is complete:
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest input, in bytes.
    pub max_len: usize,
    /// The deepest nesting.
    pub max_depth: usize,
    /// The most expression nodes.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_len: 65_536,
            max_depth: 100,
            max_nodes: 10_000,
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

    /// All three limits at once.
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
