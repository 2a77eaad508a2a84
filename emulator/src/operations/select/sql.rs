//! The emulator's subset of COS Select SQL (the README's Select section lists it):
//! `SELECT * | item[, item...] FROM COSObject[path] [[AS] alias] [WHERE cond] [LIMIT n]`.
//! A hand-written lexer and recursive-descent parser; every refusal is a 400 with the code COS
//! uses for it, before any answer streams.

use super::eval::Val;
use super::lexer::{lex, show, Tok};
use super::rules::resolve;
use crate::error::CosError;

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A member name; `quoted` ones ("Name") match case-sensitively, bare ones ignore case.
    Key {
        name: String,
        quoted: bool,
    },
    Index(usize),
    Wildcard,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Agg {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Type {
    Int,
    Float,
    Decimal,
    String,
    Bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    /// A path inside the record (the alias already removed); empty = the record itself.
    Path(Vec<Step>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    Like(Box<Expr>, Box<Expr>, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    In(Box<Expr>, Vec<Expr>, bool),
    Cast(Box<Expr>, Type),
    Func(String, Vec<Expr>),
    /// An aggregate; `None` is COUNT(*).
    Agg(Agg, Option<Box<Expr>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub expr: Expr,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// None: `SELECT *`.
    pub items: Option<Vec<Item>>,
    /// The path after COSObject in FROM (`COSObject[*].a` = Wildcard, Key a).
    pub from: Vec<Step>,
    pub filter: Option<Expr>,
    pub limit: Option<u64>,
    pub aggregate: bool,
}

pub fn err(code: &'static str, message: impl Into<String>) -> CosError {
    CosError::new(400, code, message)
}

/// Keywords the subset does not take; meeting one is UnsupportedSqlOperation.
const UNSUPPORTED: &[&str] = &[
    "GROUP",
    "ORDER",
    "HAVING",
    "JOIN",
    "UNION",
    "DISTINCT",
    "OFFSET",
    "INTERSECT",
    "EXCEPT",
    "CASE",
    "EXISTS",
    "INSERT",
    "UPDATE",
    "DELETE",
];
/// Words that end an expression or a select item (so they are never taken as an alias).
const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "LIMIT", "AND", "OR", "NOT", "AS", "IS", "NULL", "LIKE", "BETWEEN", "IN", "TRUE",
    "FALSE", "CAST", "MISSING", "ESCAPE",
];

/// How deep an expression tree may be (and how deep parentheses, NOT and unary minus may nest):
/// evaluation recurses once per level, and a connection thread has a 2 MiB stack.
pub const MAX_DEPTH: usize = 512;
const MAX_NESTING: usize = 64;

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    len: usize,
    /// The depth of the expression the last parsing function returned.
    depth: usize,
    nesting: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.len, |(_, p)| *p)
    }

    fn unexpected(&self) -> CosError {
        match self.peek() {
            None => err("ParseUnexpectedToken", "The SQL expression ends too early."),
            Some(t) => err("ParseUnexpectedToken", format!("Unexpected {} at character {}.", show(t), self.pos())),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str, code: &'static str) -> Result<(), CosError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(err(code, format!("Expected {kw} at character {}.", self.pos())))
        }
    }

    fn eat(&mut self, sym: &str) -> bool {
        let yes = matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn expect(&mut self, sym: &str) -> Result<(), CosError> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Records the depth of the expression about to be returned, refusing one too deep.
    fn set_depth(&mut self, depth: usize) -> Result<(), CosError> {
        if depth > MAX_DEPTH {
            return Err(too_complex());
        }
        self.depth = depth;
        Ok(())
    }

    /// Runs `f` one nesting level down (parentheses, NOT, unary minus, arguments).
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, CosError>) -> Result<T, CosError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(too_complex());
        }
        let r = f(self);
        self.nesting -= 1;
        r
    }

    fn check_unsupported(&self) -> Result<(), CosError> {
        if let Some(Tok::Word(w)) = self.peek() {
            if UNSUPPORTED.iter().any(|k| w.eq_ignore_ascii_case(k)) {
                return Err(err(
                    "UnsupportedSqlOperation",
                    format!("{} is not supported by COS Select (the emulator's subset).", w.to_ascii_uppercase()),
                ));
            }
        }
        Ok(())
    }

    fn query(&mut self) -> Result<Query, CosError> {
        if self.toks.is_empty() {
            return Err(err("ParseEmptySelect", "The SQL expression is empty."));
        }
        self.expect_kw("SELECT", "ParseUnsupportedSelect")?;
        self.check_unsupported()?;
        let items = if self.eat("*") {
            None
        } else {
            let mut items = vec![self.item()?];
            while self.eat(",") {
                items.push(self.item()?);
            }
            Some(items)
        };
        if self.eat(",") || matches!(self.peek(), Some(Tok::Sym("*"))) {
            return Err(err("ParseAsteriskIsNotAloneInSelectList", "* must be the only item of the select list."));
        }
        self.check_unsupported()?;
        if self.peek().is_none() {
            return Err(err("ParseSelectMissingFrom", "The SQL expression has no FROM clause."));
        }
        self.expect_kw("FROM", "ParseUnexpectedToken")?;
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("COSObject") => self.i += 1,
            Some(t) => {
                return Err(err("InvalidDataSource", format!("FROM must name COSObject, not {}.", show(t))));
            }
            None => return Err(self.unexpected()),
        }
        let from = self.steps()?;
        let alias = self.alias()?;
        let mut filter = None;
        if self.eat_kw("WHERE") {
            filter = Some(self.expr()?);
        }
        self.check_unsupported()?;
        let mut limit = None;
        if self.eat_kw("LIMIT") {
            match self.peek().cloned() {
                Some(Tok::Num(n)) => {
                    self.i += 1;
                    limit =
                        Some(n.parse::<u64>().map_err(|_| {
                            err("ParseExpectedNumber", format!("LIMIT takes a whole number, got {n:?}."))
                        })?);
                }
                Some(Tok::Sym("-")) => {
                    return Err(err("EvaluatorNegativeLimit", "LIMIT cannot be negative."));
                }
                _ => return Err(err("ParseExpectedNumber", "LIMIT takes a whole number.")),
            }
        }
        self.eat(";");
        self.check_unsupported()?;
        if self.peek().is_some() {
            return Err(self.unexpected());
        }
        let mut q = Query { items, from, filter, limit, aggregate: false };
        resolve(&mut q, alias.as_deref())?;
        Ok(q)
    }

    /// `[AS] alias` after a select item or FROM; reserved words are not aliases.
    fn alias(&mut self) -> Result<Option<String>, CosError> {
        let explicit = self.eat_kw("AS");
        match self.peek().cloned() {
            Some(Tok::Word(w))
                if !RESERVED.iter().any(|k| w.eq_ignore_ascii_case(k))
                    && !UNSUPPORTED.iter().any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                self.i += 1;
                Ok(Some(w))
            }
            Some(Tok::Quoted(w)) => {
                self.i += 1;
                Ok(Some(w))
            }
            _ if explicit => {
                Err(err("ParseExpectedIdentForAlias", format!("Expected an alias at character {}.", self.pos())))
            }
            _ => Ok(None),
        }
    }

    fn item(&mut self) -> Result<Item, CosError> {
        let expr = self.expr()?;
        let alias = self.alias()?;
        Ok(Item { expr, alias })
    }

    /// `.name`, `."name"`, `[n]`, `[*]` after a path's head.
    fn steps(&mut self) -> Result<Vec<Step>, CosError> {
        let mut steps = Vec::new();
        loop {
            if steps.len() > MAX_NESTING {
                return Err(too_complex());
            }
            if self.eat(".") {
                match self.peek().cloned() {
                    Some(Tok::Word(w)) => steps.push(Step::Key { name: w, quoted: false }),
                    Some(Tok::Quoted(w)) => steps.push(Step::Key { name: w, quoted: true }),
                    Some(Tok::Sym("*")) => steps.push(Step::Wildcard),
                    _ => {
                        return Err(err(
                            "ParseInvalidPathComponent",
                            format!("Expected a name after '.' at character {}.", self.pos()),
                        ))
                    }
                }
                self.i += 1;
            } else if self.eat("[") {
                match self.peek().cloned() {
                    Some(Tok::Sym("*")) => steps.push(Step::Wildcard),
                    Some(Tok::Num(n)) if n.parse::<usize>().is_ok() => steps.push(Step::Index(n.parse().unwrap_or(0))),
                    Some(Tok::Str(s)) => steps.push(Step::Key { name: s, quoted: true }),
                    _ => {
                        return Err(err(
                            "ParseInvalidPathComponent",
                            format!("Expected *, an index or a name inside [] at character {}.", self.pos()),
                        ))
                    }
                }
                self.i += 1;
                self.expect("]")?;
            } else {
                return Ok(steps);
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, CosError> {
        let mut left = self.and()?;
        let mut depth = self.depth;
        while self.eat_kw("OR") {
            left = Expr::Bin(BinOp::Or, Box::new(left), Box::new(self.and()?));
            depth = depth.max(self.depth) + 1;
            self.set_depth(depth)?;
        }
        self.set_depth(depth)?;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, CosError> {
        let mut left = self.not()?;
        let mut depth = self.depth;
        while self.eat_kw("AND") {
            left = Expr::Bin(BinOp::And, Box::new(left), Box::new(self.not()?));
            depth = depth.max(self.depth) + 1;
            self.set_depth(depth)?;
        }
        self.set_depth(depth)?;
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, CosError> {
        if self.eat_kw("NOT") {
            let inner = self.nested(Self::not)?;
            self.set_depth(self.depth + 1)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, CosError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Some(Tok::Sym("=")) => Some(BinOp::Eq),
            Some(Tok::Sym("!=" | "<>")) => Some(BinOp::Ne),
            Some(Tok::Sym("<")) => Some(BinOp::Lt),
            Some(Tok::Sym("<=")) => Some(BinOp::Le),
            Some(Tok::Sym(">")) => Some(BinOp::Gt),
            Some(Tok::Sym(">=")) => Some(BinOp::Ge),
            _ => None,
        };
        let mut depth = self.depth;
        if let Some(op) = op {
            self.i += 1;
            let right = self.additive()?;
            self.set_depth(depth.max(self.depth) + 1)?;
            return Ok(Expr::Bin(op, Box::new(left), Box::new(right)));
        }
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if !(self.eat_kw("NULL") || self.eat_kw("MISSING")) {
                return Err(self.unexpected());
            }
            self.set_depth(depth + 1)?;
            return Ok(Expr::IsNull(Box::new(left), negated));
        }
        let negated = self.eat_kw("NOT");
        if self.eat_kw("LIKE") {
            let pattern = self.additive()?;
            if self.is_kw("ESCAPE") {
                return Err(err("UnsupportedSqlOperation", "LIKE ... ESCAPE is not supported by the emulator."));
            }
            self.set_depth(depth.max(self.depth) + 1)?;
            return Ok(Expr::Like(Box::new(left), Box::new(pattern), negated));
        }
        if self.eat_kw("BETWEEN") {
            let lo = self.additive()?;
            depth = depth.max(self.depth);
            self.expect_kw("AND", "ParseExpectedKeyword")?;
            let hi = self.additive()?;
            self.set_depth(depth.max(self.depth) + 1)?;
            return Ok(Expr::Between(Box::new(left), Box::new(lo), Box::new(hi), negated));
        }
        if self.eat_kw("IN") {
            self.expect("(")?;
            let list = self.nested(|p| {
                let mut list = vec![p.expr()?];
                depth = depth.max(p.depth);
                while p.eat(",") {
                    list.push(p.expr()?);
                    depth = depth.max(p.depth);
                }
                Ok(list)
            })?;
            self.expect(")")?;
            self.set_depth(depth + 1)?;
            return Ok(Expr::In(Box::new(left), list, negated));
        }
        if negated {
            return Err(self.unexpected());
        }
        self.set_depth(depth)?;
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, CosError> {
        let mut left = self.multiplicative()?;
        let mut depth = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym("+")) => BinOp::Add,
                Some(Tok::Sym("-")) => BinOp::Sub,
                Some(Tok::Sym("||")) => BinOp::Concat,
                _ => {
                    self.set_depth(depth)?;
                    return Ok(left);
                }
            };
            self.i += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.multiplicative()?));
            depth = depth.max(self.depth) + 1;
            self.set_depth(depth)?;
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, CosError> {
        let mut left = self.unary()?;
        let mut depth = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym("*")) => BinOp::Mul,
                Some(Tok::Sym("/")) => BinOp::Div,
                Some(Tok::Sym("%")) => BinOp::Mod,
                _ => {
                    self.set_depth(depth)?;
                    return Ok(left);
                }
            };
            self.i += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
            depth = depth.max(self.depth) + 1;
            self.set_depth(depth)?;
        }
    }

    fn unary(&mut self) -> Result<Expr, CosError> {
        if self.eat("-") {
            let inner = self.nested(Self::unary)?;
            self.set_depth(self.depth + 1)?;
            return Ok(Expr::Neg(Box::new(inner)));
        }
        if self.eat("+") {
            return self.nested(Self::unary);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, CosError> {
        self.check_unsupported()?;
        let Some(tok) = self.peek().cloned() else {
            return Err(err("ParseExpectedExpression", "The SQL expression ends where a value was expected."));
        };
        self.i += 1;
        // A leaf; operators and calls below set their own depth.
        self.depth = 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(match n.parse::<i64>() {
                Ok(i) => Val::Int(i),
                Err(_) => Val::Float(n.parse().unwrap_or(0.0)),
            })),
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Sym("(") => {
                let e = self.nested(Self::expr)?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Quoted(name) => {
                let mut steps = vec![Step::Key { name, quoted: true }];
                steps.extend(self.steps()?);
                Ok(Expr::Path(steps))
            }
            Tok::Word(w) => {
                let upper = w.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" => return Ok(Expr::Lit(Val::Bool(true))),
                    "FALSE" => return Ok(Expr::Lit(Val::Bool(false))),
                    "NULL" | "MISSING" => return Ok(Expr::Lit(Val::Null)),
                    "SELECT" => {
                        return Err(err("UnsupportedSqlOperation", "Subqueries are not supported by COS Select."));
                    }
                    _ if RESERVED.contains(&upper.as_str()) && upper != "CAST" => {
                        self.i -= 1;
                        return Err(self.unexpected());
                    }
                    _ => {}
                }
                if self.eat("(") {
                    return self.call(&upper);
                }
                let mut steps = vec![Step::Key { name: w, quoted: false }];
                steps.extend(self.steps()?);
                Ok(Expr::Path(steps))
            }
            Tok::Sym(_) => {
                self.i -= 1;
                Err(self.unexpected())
            }
        }
    }

    /// `NAME(` has been read.
    fn call(&mut self, name: &str) -> Result<Expr, CosError> {
        let agg = match name {
            "COUNT" => Some(Agg::Count),
            "SUM" => Some(Agg::Sum),
            "MIN" => Some(Agg::Min),
            "MAX" => Some(Agg::Max),
            "AVG" => Some(Agg::Avg),
            _ => None,
        };
        if name == "CAST" {
            let e = self.nested(Self::expr)?;
            let depth = self.depth;
            self.expect_kw("AS", "ParseExpectedKeyword")?;
            let ty = match self.peek() {
                Some(Tok::Word(t)) => match t.to_ascii_uppercase().as_str() {
                    "INT" | "INTEGER" => Type::Int,
                    "FLOAT" | "REAL" | "DOUBLE" => Type::Float,
                    "DECIMAL" | "NUMERIC" => Type::Decimal,
                    "STRING" | "VARCHAR" | "CHAR" => Type::String,
                    "BOOL" | "BOOLEAN" => Type::Bool,
                    other => {
                        return Err(err("ParseInvalidTypeParam", format!("CAST to {other} is not supported.")));
                    }
                },
                _ => return Err(err("ParseExpectedTypeName", "CAST needs a type name after AS.")),
            };
            self.i += 1;
            self.expect(")")?;
            self.set_depth(depth + 1)?;
            return Ok(Expr::Cast(Box::new(e), ty));
        }
        if let Some(agg) = agg {
            if self.eat("*") {
                self.expect(")")?;
                if agg != Agg::Count {
                    return Err(err("ParseUnsupportedCallWithStar", format!("Only COUNT takes *, not {name}.")));
                }
                self.depth = 1;
                return Ok(Expr::Agg(agg, None));
            }
            let e = self.nested(Self::expr)?;
            let depth = self.depth;
            if self.eat(",") {
                return Err(err("ParseNonUnaryAgregateFunctionCall", format!("{name} takes one argument.")));
            }
            self.expect(")")?;
            self.set_depth(depth + 1)?;
            return Ok(Expr::Agg(agg, Some(Box::new(e))));
        }
        const FUNCS: &[(&str, usize)] =
            &[("LOWER", 1), ("UPPER", 1), ("CHAR_LENGTH", 1), ("CHARACTER_LENGTH", 1), ("TRIM", 1)];
        let Some((_, arity)) = FUNCS.iter().find(|(f, _)| *f == name) else {
            return Err(err("UnsupportedFunction", format!("The function {name} is not supported by the emulator.")));
        };
        let mut args = Vec::new();
        let mut depth = 0;
        if !self.eat(")") {
            self.nested(|p| {
                args.push(p.expr()?);
                depth = p.depth;
                while p.eat(",") {
                    args.push(p.expr()?);
                    depth = depth.max(p.depth);
                }
                Ok(())
            })?;
            self.expect(")")?;
        }
        self.set_depth(depth + 1)?;
        if args.len() != *arity {
            return Err(err(
                "IllegalSqlFunctionArgument",
                format!("{name} takes {arity} argument(s), got {}.", args.len()),
            ));
        }
        Ok(Expr::Func(name.to_string(), args))
    }
}

fn too_complex() -> CosError {
    err(
        "UnsupportedSqlStructure",
        format!(
            "The expression is too deeply nested: at most {MAX_DEPTH} levels, {MAX_NESTING} of parentheses, \
             NOT, unary minus or function arguments, and {MAX_NESTING} steps in a path."
        ),
    )
}

pub fn parse(src: &str) -> Result<Query, CosError> {
    let toks = lex(src)?;
    Parser { toks, i: 0, len: src.len(), depth: 0, nesting: 0 }.query()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: &str) -> Step {
        Step::Key { name: n.into(), quoted: false }
    }

    fn code(sql: &str) -> &'static str {
        match parse(sql) {
            Ok(q) => panic!("{sql:?} parsed: {q:?}"),
            Err(e) => e.code,
        }
    }

    #[test]
    fn the_subset_parses() {
        let q = parse("select * from COSObject").unwrap();
        assert_eq!((q.items, q.from, q.filter, q.limit), (None, vec![], None, None));
        let q = parse("SELECT s.name, s._2 AS second, \"Quoted Col\" FROM COSObject s WHERE s.age > 30 AND (s.x = 'a''b' OR NOT s.y IS NULL) LIMIT 5;").unwrap();
        let items = q.items.unwrap();
        assert_eq!(items[0].expr, Expr::Path(vec![key("name")]));
        assert_eq!(items[1].expr, Expr::Path(vec![key("_2")]));
        assert_eq!(items[1].alias.as_deref(), Some("second"));
        assert_eq!(items[2].expr, Expr::Path(vec![Step::Key { name: "Quoted Col".into(), quoted: true }]));
        assert_eq!(q.limit, Some(5));
        let Some(Expr::Bin(BinOp::And, left, right)) = q.filter else { panic!() };
        assert_eq!(
            *left,
            Expr::Bin(BinOp::Gt, Box::new(Expr::Path(vec![key("age")])), Box::new(Expr::Lit(Val::Int(30))))
        );
        let Expr::Bin(BinOp::Or, a, _) = *right else { panic!() };
        assert_eq!(
            *a,
            Expr::Bin(BinOp::Eq, Box::new(Expr::Path(vec![key("x")])), Box::new(Expr::Lit(Val::Str("a'b".into()))))
        );
        let q = parse("SELECT COUNT(*), MAX(CAST(s.n AS INT)) FROM COSObject[*].items[*] AS s").unwrap();
        assert!(q.aggregate);
        assert_eq!(q.from, vec![Step::Wildcard, key("items"), Step::Wildcard]);
        let q = parse("SELECT s.a.b[0], COSObject.c FROM COSObject s WHERE s.n BETWEEN 1 AND 2 OR s.n IN (5, 6) OR s.t NOT LIKE 'a%'").unwrap();
        assert_eq!(q.items.as_ref().unwrap()[0].expr, Expr::Path(vec![key("a"), key("b"), Step::Index(0)]));
        assert_eq!(
            q.items.as_ref().unwrap()[1].expr,
            Expr::Path(vec![key("COSObject"), key("c")]),
            "COSObject is not the alias here"
        );
        let q = parse("SELECT COSObject.c FROM COSObject").unwrap();
        assert_eq!(q.items.unwrap()[0].expr, Expr::Path(vec![key("c")]));
        let q = parse("SELECT a - -1 * 2, lower(b) || 'x' FROM COSObject").unwrap();
        assert!(!q.aggregate);
    }

    #[test]
    fn refusals_have_cos_codes() {
        assert_eq!(code(""), "ParseEmptySelect");
        assert_eq!(code("DELETE FROM COSObject"), "ParseUnsupportedSelect");
        assert_eq!(code("SELECT *"), "ParseSelectMissingFrom");
        assert_eq!(code("SELECT * FROM Other"), "InvalidDataSource");
        assert_eq!(code("SELECT *, a FROM COSObject"), "ParseAsteriskIsNotAloneInSelectList");
        assert_eq!(code("SELECT a FROM COSObject WHERE"), "ParseExpectedExpression");
        assert_eq!(code("SELECT a FROM COSObject WHERE a = = 1"), "ParseUnexpectedToken");
        assert_eq!(code("SELECT a FROM COSObject ORDER BY a"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT DISTINCT a FROM COSObject"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT a FROM COSObject WHERE a IN (SELECT b FROM COSObject)"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT CASE WHEN a THEN 1 END FROM COSObject"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT a FROM COSObject GROUP BY a"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT a FROM COSObject s WHERE COUNT(*) > 1"), "UnsupportedSqlOperation");
        assert_eq!(code("SELECT a, COUNT(*) FROM COSObject"), "UnsupportedSqlStructure");
        assert_eq!(code("SELECT SUM(COUNT(*)) FROM COSObject"), "UnsupportedSqlStructure");
        assert_eq!(code("SELECT SUM(*) FROM COSObject"), "ParseUnsupportedCallWithStar");
        assert_eq!(code("SELECT foo(a) FROM COSObject"), "UnsupportedFunction");
        assert_eq!(code("SELECT CAST(a AS DATE) FROM COSObject"), "ParseInvalidTypeParam");
        assert_eq!(code("SELECT s.1 FROM COSObject s"), "ParseInvalidPathComponent");
        assert_eq!(code("SELECT s[x] FROM COSObject s"), "ParseInvalidPathComponent");
        assert_eq!(code("SELECT 'open FROM COSObject"), "LexerInvalidLiteral");
        assert_eq!(code("SELECT a FROM COSObject WHERE a ~ 1"), "LexerInvalidChar");
        assert_eq!(code("SELECT a FROM COSObject LIMIT x"), "ParseExpectedNumber");
        assert_eq!(code("SELECT a FROM COSObject LIMIT -1"), "EvaluatorNegativeLimit");
        assert_eq!(code("SELECT a FROM COSObject LIMIT 1 2"), "ParseUnexpectedToken");
        assert_eq!(code("SELECT a AS FROM COSObject"), "ParseExpectedIdentForAlias");
        // Deep trees and deep nesting are refused before they can exhaust a connection thread's stack.
        let chain = vec!["a = 1"; MAX_DEPTH].join(" OR ");
        assert_eq!(code(&format!("SELECT * FROM COSObject WHERE {chain}")), "UnsupportedSqlStructure");
        let sum = vec!["a"; MAX_DEPTH + 2].join(" + ");
        assert_eq!(code(&format!("SELECT {sum} FROM COSObject")), "UnsupportedSqlStructure");
        assert_eq!(code(&format!("SELECT s{} FROM COSObject s", ".a".repeat(100))), "UnsupportedSqlStructure");
        for deep in [
            format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("{}a", "NOT ".repeat(100_000)),
            format!("{}a", "-".repeat(100_000)),
            format!("{}a{}", "lower(".repeat(100_000), ")".repeat(100_000)),
        ] {
            assert_eq!(code(&format!("SELECT * FROM COSObject WHERE {deep}")), "UnsupportedSqlStructure");
        }
    }
}
