//! Expressions (directive arguments, method arguments, `#set` values),
//! references and literals.

use super::{Cursor, PResult, Parser, Term};
use crate::ast::{Accessor, BinOp, Expr, Reference};

/// Operators by precedence level, lowest first; word forms are 1.7's
/// `and or eq ne lt le gt ge`.
const LEVELS: &[&[(&str, BinOp)]] = &[
    &[("||", BinOp::Or), ("or", BinOp::Or)],
    &[("&&", BinOp::And), ("and", BinOp::And)],
    &[
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("eq", BinOp::Eq),
        ("ne", BinOp::Ne),
    ],
    &[
        ("<=", BinOp::Le),
        (">=", BinOp::Ge),
        ("<", BinOp::Lt),
        (">", BinOp::Gt),
        ("le", BinOp::Le),
        ("ge", BinOp::Ge),
        ("lt", BinOp::Lt),
        ("gt", BinOp::Gt),
    ],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Mod)],
];

impl<'s> Parser<'s> {
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.c.enter()?;
        let e = self.binary(0);
        self.c.leave();
        e
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            self.c.skip_ws();
            let Some(op) = self.operator(ops) else {
                return Ok(left);
            };
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn operator(&mut self, ops: &[(&str, BinOp)]) -> Option<BinOp> {
        for (text, op) in ops {
            if !self.c.starts_with(text) {
                continue;
            }
            let next = self.c.peek_at(text.len());
            let is_word = text.as_bytes()[0].is_ascii_alphabetic();
            if is_word && matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                continue;
            }
            // `=` alone is not an operator, and `==`/`!=` must not be read
            // as `=`-prefixed text.
            self.c.pos += text.len();
            return Some(*op);
        }
        None
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.c.skip_ws();
        if self.c.starts_with("!") && !self.c.starts_with("!=") {
            self.c.pos += 1;
            return self.nested(|p| p.unary()).map(|e| Expr::Not(Box::new(e)));
        }
        if self.c.starts_with("not")
            && !matches!(self.c.peek_at(3), Some(c) if c.is_ascii_alphanumeric() || c == b'_')
        {
            self.c.pos += 3;
            return self.nested(|p| p.unary()).map(|e| Expr::Not(Box::new(e)));
        }
        if self.c.eat("-") {
            return match self.nested(|p| p.unary())? {
                Expr::Int(i) => Ok(Expr::Int(i.wrapping_neg())),
                Expr::Float(f) => Ok(Expr::Float(-f)),
                e => Ok(Expr::Neg(Box::new(e))),
            };
        }
        self.primary()
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.c.enter()?;
        let r = f(self);
        self.c.leave();
        r
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.c.skip_ws();
        match self.c.peek() {
            Some(b'"') => self.nested(|p| p.double_quoted()),
            Some(b'\'') => self.single_quoted().map(Expr::Str),
            Some(c) if c.is_ascii_digit() => self.number(),
            Some(b'[') => self.nested(|p| p.list_or_range()),
            Some(b'{') => self.nested(|p| p.map_literal()),
            Some(b'(') => {
                self.c.pos += 1;
                let e = self.expr()?;
                self.c.skip_ws();
                self.c.expect(")")?;
                Ok(e)
            }
            Some(b'$') => match self.reference()? {
                Some(r) => Ok(Expr::Ref(r)),
                None => Err(self.c.error("expected a reference after `$`")),
            },
            _ => {
                let save = self.c.pos;
                match self.c.word() {
                    Some("true") => Ok(Expr::Bool(true)),
                    Some("false") => Ok(Expr::Bool(false)),
                    _ => {
                        self.c.pos = save;
                        Err(self.c.error("expected an expression"))
                    }
                }
            }
        }
    }

    fn number(&mut self) -> PResult<Expr> {
        let start = self.c.pos;
        let digits = |c: &mut Cursor<'_>| {
            while matches!(c.peek(), Some(b'0'..=b'9')) {
                c.pos += 1;
            }
        };
        digits(&mut self.c);
        let mut float = false;
        if self.c.peek() == Some(b'.') && matches!(self.c.peek_at(1), Some(b'0'..=b'9')) {
            float = true;
            self.c.pos += 1;
            digits(&mut self.c);
        }
        if matches!(self.c.peek(), Some(b'e' | b'E')) {
            let save = self.c.pos;
            self.c.pos += 1;
            if matches!(self.c.peek(), Some(b'+' | b'-')) {
                self.c.pos += 1;
            }
            if matches!(self.c.peek(), Some(b'0'..=b'9')) {
                float = true;
                digits(&mut self.c);
            } else {
                self.c.pos = save;
            }
        }
        let text = &self.c.src[start..self.c.pos];
        if let (false, Ok(i)) = (float, text.parse::<i64>()) {
            return Ok(Expr::Int(i));
        }
        text.parse::<f64>()
            .map(Expr::Float)
            .map_err(|_| self.error_at(start, "bad number"))
    }

    /// `'raw'`, with `''` standing for one quote.
    fn single_quoted(&mut self) -> PResult<String> {
        self.quoted(b'\'').map(|(s, _)| s)
    }

    /// `"text"`: interpolated as a template when it contains `$` or `#`.
    /// Velocity 1.7 does not process backslash escapes in string literals
    /// (`"\n"` is a backslash and an `n`); `""` stands for one quote.
    fn double_quoted(&mut self) -> PResult<Expr> {
        let (content, body_start) = self.quoted(b'"')?;
        if !content.contains(['$', '#']) {
            return Ok(Expr::Str(content));
        }
        let mut sub = Parser {
            c: Cursor::new(&content, body_start, self.c.depth(), self.c.max_depth()),
            macros: std::mem::take(&mut self.macros),
            blocks: std::mem::take(&mut self.blocks),
        };
        let parsed = sub.block(false);
        self.macros = std::mem::take(&mut sub.macros);
        self.blocks = std::mem::take(&mut sub.blocks);
        match parsed? {
            (nodes, Term::Eof) => Ok(Expr::Interpolated(nodes)),
            _ => Err(self.error_at(body_start - self.c.base, "unbalanced directive in string")),
        }
    }

    /// Reads a quoted literal; returns its content and the absolute offset
    /// where the content starts.
    fn quoted(&mut self, q: u8) -> PResult<(String, usize)> {
        let open = self.c.pos;
        self.c.pos += 1;
        let body_start = self.c.abs();
        let mut s = String::new();
        let mut run = self.c.pos;
        loop {
            match self.c.peek() {
                None => return Err(self.error_at(open, "unterminated string literal")),
                Some(c) if c == q => {
                    s.push_str(&self.c.src[run..self.c.pos]);
                    self.c.pos += 1;
                    if self.c.peek() == Some(q) {
                        s.push(q as char);
                        self.c.pos += 1;
                        run = self.c.pos;
                    } else {
                        return Ok((s, body_start));
                    }
                }
                Some(_) => self.c.pos += 1,
            }
        }
    }

    /// `[a, b]`, `[]` or the range `[a..b]`.
    fn list_or_range(&mut self) -> PResult<Expr> {
        self.c.pos += 1;
        self.c.skip_ws();
        if self.c.eat("]") {
            return Ok(Expr::List(Vec::new()));
        }
        let first = self.expr()?;
        self.c.skip_ws();
        if self.c.eat("..") {
            let last = self.expr()?;
            self.c.skip_ws();
            self.c.expect("]")?;
            return Ok(Expr::Range(Box::new(first), Box::new(last)));
        }
        let mut items = vec![first];
        loop {
            self.c.skip_ws();
            if self.c.eat("]") {
                return Ok(Expr::List(items));
            }
            self.c.expect(",")?;
            items.push(self.expr()?);
        }
    }

    /// `{k: v, ...}`.
    fn map_literal(&mut self) -> PResult<Expr> {
        self.c.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.c.skip_ws();
            if self.c.eat("}") {
                return Ok(Expr::Map(entries));
            }
            if !entries.is_empty() {
                self.c.expect(",")?;
            }
            let k = self.expr()?;
            self.c.skip_ws();
            self.c.expect(":")?;
            let v = self.expr()?;
            entries.push((k, v));
        }
    }

    /// Parses `$a`, `$!a`, `${a}`, `$!{a}` with `.prop`, `.method(...)`
    /// and `[index]` chains. Returns `None` (cursor unchanged) when the
    /// `$` does not start a reference.
    pub(crate) fn reference(&mut self) -> PResult<Option<Reference>> {
        let start = self.c.pos;
        self.c.pos += 1;
        let quiet = self.c.eat("!");
        let formal = self.c.eat("{");
        let Some(root) = self.c.ident() else {
            self.c.pos = start;
            return Ok(None);
        };
        let root = root.to_string();
        let mut parts = Vec::new();
        self.c.enter()?;
        loop {
            match (self.c.peek(), self.c.peek_at(1)) {
                (Some(b'['), _) => {
                    self.c.pos += 1;
                    let e = self.expr()?;
                    self.c.skip_ws();
                    self.c.expect("]")?;
                    parts.push(Accessor::Index(e));
                }
                (Some(b'.'), Some(c)) if c.is_ascii_alphabetic() || c == b'_' => {
                    self.c.pos += 1;
                    let name = self.c.ident().unwrap_or_default().to_string();
                    if self.c.eat("(") {
                        parts.push(Accessor::Method(name, self.call_args()?));
                    } else {
                        parts.push(Accessor::Property(name));
                    }
                }
                _ => break,
            }
        }
        self.c.leave();
        if formal && !self.c.eat("}") {
            self.c.pos = start;
            return Ok(None);
        }
        Ok(Some(Reference {
            root,
            parts,
            quiet,
            literal: self.c.src[start..self.c.pos].to_string(),
            pos: self.c.base + start,
        }))
    }

    /// Method arguments after `(`: comma-separated, up to `)`.
    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        self.c.skip_ws();
        if self.c.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            self.c.skip_ws();
            if self.c.eat(")") {
                return Ok(args);
            }
            self.c.expect(",")?;
        }
    }
}
