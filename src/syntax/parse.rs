//! The `$filter` grammar: precedence climbing over tokens, with limits enforced as it goes.
//!
//! Precedence and associativity follow the OData 4.01 table (§5.1.1.15):
//! `has` and `in` (primary) bind tightest, then unary `not` and `-`, then
//! `mul div divby mod`, `add sub`, `gt ge lt le`, `eq ne`, `and`, `or`. All
//! binary operators are left-associative. So `not status eq 'X'` is
//! `(not status) eq 'X'`, as the table says (the checker rejects it with a
//! hint to add parentheses).

use super::ast::{
    BinaryOp, Expr, ExprKind, Ident, LambdaKind, LogicalOp, Path, Precedence, UnaryOp,
};
use super::error::{Error, ErrorKind, Expected};
use super::lex::{is_instance_name, is_property_name, Lexer, Tok, Token};
use super::Limits;
use crate::span::Span;

/// A parsed node and the depth of the tree below it (a leaf has depth 1).
struct Node {
    expr: Expr,
    depth: usize,
}

/// One parse: the token cursor, the limits, and the counters checked against them.
pub(super) struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    limits: &'a Limits,
    /// Open recursive calls (parentheses, arguments, unary chains).
    nesting: usize,
    nodes: usize,
    /// The estimated work so far ([`Limits::max_cost`]).
    cost: u64,
    /// Open lambda bodies.
    lambdas: usize,
}

type PResult<T> = Result<T, Error>;

/// The operators that can follow an operand, recognised case-insensitively.
enum Infix {
    Logical(LogicalOp),
    Binary(BinaryOp),
}

fn infix(word: &str) -> Option<Infix> {
    let b = word.as_bytes();
    if !(2..=5).contains(&b.len()) {
        return None;
    }
    let mut lower = [0u8; 5];
    lower[..b.len()].copy_from_slice(b);
    lower.make_ascii_lowercase();
    Some(match &lower[..b.len()] {
        b"and" => Infix::Logical(LogicalOp::And),
        b"or" => Infix::Logical(LogicalOp::Or),
        b"eq" => Infix::Binary(BinaryOp::Eq),
        b"ne" => Infix::Binary(BinaryOp::Ne),
        b"gt" => Infix::Binary(BinaryOp::Gt),
        b"ge" => Infix::Binary(BinaryOp::Ge),
        b"lt" => Infix::Binary(BinaryOp::Lt),
        b"le" => Infix::Binary(BinaryOp::Le),
        b"has" => Infix::Binary(BinaryOp::Has),
        b"add" => Infix::Binary(BinaryOp::Add),
        b"sub" => Infix::Binary(BinaryOp::Sub),
        b"mul" => Infix::Binary(BinaryOp::Mul),
        b"div" => Infix::Binary(BinaryOp::Div),
        b"divby" => Infix::Binary(BinaryOp::DivBy),
        b"mod" => Infix::Binary(BinaryOp::Mod),
        _ => return None,
    })
}

impl Infix {
    fn precedence(&self) -> Precedence {
        match self {
            Infix::Logical(op) => op.precedence(),
            Infix::Binary(op) => op.precedence(),
        }
    }
}

impl<'a> Parser<'a> {
    pub(super) fn new(input: &'a str, limits: &'a Limits) -> Parser<'a> {
        Parser {
            input,
            lexer: Lexer::new(input),
            peeked: None,
            limits,
            nesting: 0,
            nodes: 0,
            cost: 0,
            lambdas: 0,
        }
    }

    /// The whole input as one expression.
    pub(super) fn parse_filter(mut self) -> PResult<Expr> {
        if self.input.len() > self.limits.max_len {
            let span = Span::new(self.limits.max_len, self.input.len());
            return Err(self.error(
                ErrorKind::TooLong {
                    limit: self.limits.max_len,
                },
                span,
            ));
        }
        if self.peek()?.tok == Tok::Eof {
            return Err(self.error(ErrorKind::Empty, Span::at(self.input.len())));
        }
        let node = self.expr(Precedence::Or)?;
        let t = self.next()?;
        if t.tok != Tok::Eof {
            return Err(self.unexpected(Expected::Operator, &t));
        }
        Ok(node.expr)
    }

    #[cold]
    #[inline(never)]
    fn error(&self, kind: ErrorKind, span: Span) -> Error {
        Error::new(kind, span, self.input)
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, expected: Expected, t: &Token<'_>) -> Error {
        self.error(
            ErrorKind::Unexpected {
                expected,
                found: self.describe(t),
            },
            t.span,
        )
    }

    fn describe(&self, t: &Token<'_>) -> String {
        if t.tok == Tok::Eof {
            return "end of input".to_owned();
        }
        let text = &self.input[t.span.start..t.span.end];
        match text.char_indices().nth(40) {
            Some((i, _)) => format!("'{}...'", &text[..i]),
            None => format!("'{text}'"),
        }
    }

    #[inline(never)]
    fn peek(&mut self) -> PResult<&Token<'a>> {
        if self.peeked.is_none() {
            let t = self
                .lexer
                .next_token()
                .map_err(|(kind, span)| self.error(kind, span))?;
            self.peeked = Some(t);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn next(&mut self) -> PResult<Token<'a>> {
        self.peek()?;
        Ok(self.peeked.take().expect("just peeked"))
    }

    fn peek_is(&mut self, tok: &Tok<'_>) -> PResult<bool> {
        Ok(&self.peek()?.tok == tok)
    }

    /// Builds a node, counting it and checking the depth of the tree below it.
    fn node(&mut self, kind: ExprKind, span: Span, child_depth: usize) -> PResult<Node> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                ErrorKind::TooManyNodes {
                    limit: self.limits.max_nodes,
                },
                span,
            ));
        }
        // A node inside k lambda bodies runs once per element of each: 100^k on a record
        // whose collections hold 100.
        let weight = super::LAMBDA_FAN_OUT.saturating_pow(self.lambdas as u32);
        self.cost = self.cost.saturating_add(weight);
        if self.cost > self.limits.max_cost {
            return Err(self.error(
                ErrorKind::TooCostly {
                    limit: self.limits.max_cost,
                },
                span,
            ));
        }
        let depth = child_depth + 1;
        if depth > self.limits.max_depth {
            return Err(self.error(
                ErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                span,
            ));
        }
        Ok(Node {
            expr: Expr { kind, span },
            depth,
        })
    }

    /// Enters a recursive production, failing before the stack can overflow.
    fn enter(&mut self, span: Span) -> PResult<()> {
        self.nesting += 1;
        if self.nesting > self.limits.max_depth {
            return Err(self.error(
                ErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                span,
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Operators binding at least as tightly as `min`, by precedence climbing.
    fn expr(&mut self, min: Precedence) -> PResult<Node> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_infix(min)? {
            self.next()?;
            let prec = op.precedence();
            lhs = match op {
                Infix::Logical(op) => {
                    // Gather `lhs op x op y ...` into one n-ary node.
                    let mut depth = lhs.depth;
                    let mut operands = Vec::with_capacity(4);
                    operands.push(lhs.expr);
                    loop {
                        let rhs = self.expr(prec.tighter())?;
                        depth = depth.max(rhs.depth);
                        operands.push(rhs.expr);
                        if !matches!(self.peek_infix(prec)?, Some(Infix::Logical(o)) if o == op) {
                            break;
                        }
                        self.next()?;
                    }
                    let span = operands[0].span.to(operands[operands.len() - 1].span);
                    self.node(ExprKind::Logical { op, operands }, span, depth)?
                }
                Infix::Binary(op) => {
                    let rhs = self.expr(prec.tighter())?;
                    let span = lhs.expr.span.to(rhs.expr.span);
                    let depth = lhs.depth.max(rhs.depth);
                    let kind = ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs.expr),
                        rhs: Box::new(rhs.expr),
                    };
                    self.node(kind, span, depth)?
                }
            };
        }
        Ok(lhs)
    }

    /// The infix operator ahead, if it binds at least as tightly as `min`
    /// (`has` and `in` are handled as primary suffixes, not here).
    fn peek_infix(&mut self, min: Precedence) -> PResult<Option<Infix>> {
        let Tok::Ident(word) = self.peek()?.tok else {
            return Ok(None);
        };
        Ok(infix(word).filter(|op| {
            let p = op.precedence();
            p >= min && p < Precedence::Primary
        }))
    }

    /// `not x`, `-x`, or a primary expression with its `has`/`in` suffixes.
    fn unary(&mut self) -> PResult<Node> {
        let t = self.peek()?;
        let op = match t.tok {
            Tok::Minus => Some(UnaryOp::Neg),
            Tok::Ident(w) if w.eq_ignore_ascii_case("not") => Some(UnaryOp::Not),
            _ => None,
        };
        let Some(op) = op else {
            return self.primary();
        };
        let start = t.span;
        self.next()?;
        self.enter(start)?;
        let operand = self.unary()?;
        self.leave();
        let span = start.to(operand.expr.span);
        let depth = operand.depth;
        let kind = ExprKind::Unary {
            op,
            expr: Box::new(operand.expr),
        };
        self.node(kind, span, depth)
    }

    /// An atom followed by any number of `has x` / `in (...)` suffixes.
    fn primary(&mut self) -> PResult<Node> {
        let mut lhs = self.atom()?;
        loop {
            let t = self.peek()?;
            let Tok::Ident(word) = t.tok else { break };
            if word.eq_ignore_ascii_case("has") {
                self.next()?;
                let rhs = self.atom()?;
                let span = lhs.expr.span.to(rhs.expr.span);
                let depth = lhs.depth.max(rhs.depth);
                let kind = ExprKind::Binary {
                    op: BinaryOp::Has,
                    lhs: Box::new(lhs.expr),
                    rhs: Box::new(rhs.expr),
                };
                lhs = self.node(kind, span, depth)?;
            } else if word.eq_ignore_ascii_case("in") {
                self.next()?;
                let open = self.next()?;
                if open.tok != Tok::LParen {
                    return Err(self.unexpected(Expected::Token("("), &open));
                }
                let (list, depth, close) = self.list(open.span)?;
                let span = lhs.expr.span.to(close);
                let depth = lhs.depth.max(depth);
                let kind = ExprKind::In {
                    expr: Box::new(lhs.expr),
                    list,
                };
                lhs = self.node(kind, span, depth)?;
            } else {
                break;
            }
        }
        Ok(lhs)
    }

    /// A comma-separated list after its `(`, up to and including the `)`:
    /// the items, their greatest depth, and the span of the `)`.
    fn list(&mut self, open: Span) -> PResult<(Vec<Expr>, usize, Span)> {
        self.enter(open)?;
        let mut items = Vec::new();
        let mut depth = 0;
        if self.peek_is(&Tok::RParen)? {
            let close = self.next()?.span;
            self.leave();
            return Ok((items, depth, close));
        }
        loop {
            let item = self.expr(Precedence::Or)?;
            depth = depth.max(item.depth);
            items.push(item.expr);
            let t = self.next()?;
            match t.tok {
                Tok::Comma => {}
                Tok::RParen => {
                    self.leave();
                    return Ok((items, depth, t.span));
                }
                Tok::Eof => return Err(self.unclosed(open)),
                _ => return Err(self.unexpected(Expected::CommaOrParen, &t)),
            }
        }
    }

    fn unclosed(&self, open: Span) -> Error {
        self.error(
            ErrorKind::UnclosedParen { open },
            Span::at(self.input.len()),
        )
    }

    /// A literal, a parenthesised expression, a member path, a call or a lambda.
    fn atom(&mut self) -> PResult<Node> {
        let t = self.next()?;
        match t.tok {
            Tok::Lit(lit) => self.node(ExprKind::Literal(lit), t.span, 0),
            Tok::Alias(name) => {
                let name = Ident {
                    name: name.to_owned(),
                    span: t.span,
                };
                self.node(ExprKind::Alias(name), t.span, 0)
            }
            Tok::LParen => {
                self.enter(t.span)?;
                let inner = self.expr(Precedence::Or)?;
                let close = self.next()?;
                match close.tok {
                    Tok::RParen => {}
                    Tok::Eof => return Err(self.unclosed(t.span)),
                    _ => return Err(self.unexpected(Expected::Token(")"), &close)),
                }
                self.leave();
                // Parentheses are not nodes, but the span covers them.
                let mut inner = inner;
                inner.expr.span = t.span.to(close.span);
                Ok(inner)
            }
            Tok::Ident(word) if is_property_name(word) || is_instance_name(word) => self
                .path_or_call(Ident {
                    name: word.to_owned(),
                    span: t.span,
                }),
            _ => Err(self.unexpected(Expected::Value, &t)),
        }
    }

    /// After a first identifier: a call `name(...)`, or a path `a/b/c`
    /// possibly ending in a lambda `a/any(x: ...)`.
    fn path_or_call(&mut self, first: Ident) -> PResult<Node> {
        if self.peek_is(&Tok::LParen)? {
            let open = self.next()?.span;
            let (args, depth, close) = self.list(open)?;
            let span = first.span.to(close);
            return self.node(ExprKind::Call { name: first, args }, span, depth);
        }
        let mut segments = vec![first];
        while self.peek_is(&Tok::Slash)? {
            self.next()?;
            let t = self.next()?;
            let word = match t.tok {
                Tok::Ident(word) if is_property_name(word) => word,
                _ => return Err(self.unexpected(Expected::Identifier, &t)),
            };
            let lambda = if word.eq_ignore_ascii_case("any") {
                Some(LambdaKind::Any)
            } else if word.eq_ignore_ascii_case("all") {
                Some(LambdaKind::All)
            } else {
                None
            };
            if let Some(kind) = lambda {
                if self.peek_is(&Tok::LParen)? {
                    return self.lambda(Path { segments }, kind);
                }
            }
            segments.push(Ident {
                name: word.to_owned(),
                span: t.span,
            });
        }
        let path = Path { segments };
        let span = path.span();
        self.node(ExprKind::Path(path), span, 0)
    }

    /// `(var: predicate)` after `any`/`all`, or `()` after `any`.
    fn lambda(&mut self, path: Path, kind: LambdaKind) -> PResult<Node> {
        let open = self.next()?.span;
        self.enter(open)?;
        let start = path.span();
        let t = self.next()?;
        let (body, depth, close) = match t.tok {
            Tok::RParen if kind == LambdaKind::Any => (None, 0, t.span),
            Tok::RParen => return Err(self.error(ErrorKind::EmptyAll, open.to(t.span))),
            Tok::Ident(var) if is_property_name(var) => {
                let colon = self.next()?;
                if colon.tok != Tok::Colon {
                    return Err(self.error(ErrorKind::InvalidLambda, colon.span));
                }
                let var = Ident {
                    name: var.to_owned(),
                    span: t.span,
                };
                self.lambdas += 1;
                if self.lambdas > self.limits.max_lambda_depth {
                    return Err(self.error(
                        ErrorKind::LambdaTooDeep {
                            limit: self.limits.max_lambda_depth,
                        },
                        start.to(colon.span),
                    ));
                }
                let pred = self.expr(Precedence::Or)?;
                self.lambdas -= 1;
                let close = self.next()?;
                match close.tok {
                    Tok::RParen => {}
                    Tok::Eof => return Err(self.unclosed(open)),
                    _ => return Err(self.unexpected(Expected::Token(")"), &close)),
                }
                (Some((var, Box::new(pred.expr))), pred.depth, close.span)
            }
            Tok::Eof => return Err(self.unclosed(open)),
            _ => return Err(self.error(ErrorKind::InvalidLambda, t.span)),
        };
        self.leave();
        self.node(
            ExprKind::Lambda { path, kind, body },
            start.to(close),
            depth,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::keyword;

    /// Every operator the parser knows is in the one keyword list, and reads as the operator
    /// in any case.
    #[test]
    fn operator_words_are_keywords() {
        let infixes = BinaryOp::ALL
            .map(BinaryOp::keyword)
            .into_iter()
            .chain([LogicalOp::And.keyword(), LogicalOp::Or.keyword()]);
        for word in infixes {
            assert!(infix(&word.to_ascii_uppercase()).is_some(), "{word}");
            assert_eq!(keyword(&word.to_ascii_uppercase()), Some(word));
        }
        for word in ["not", "in"] {
            assert_eq!(keyword(&word.to_ascii_uppercase()), Some(word));
        }
    }
}
