//! Hand-written VTL parser. The template level (text, references,
//! directives, comments) lives here; expressions, references and literals
//! are in [`expr`]. Whitespace handling follows Velocity 1.7's lexer:
//! `#set` eats the spaces before it, and a directive's closing `)`,
//! `#else` and `#end` eat the rest of their line when only spaces follow.

mod cursor;
mod directive;
mod expr;

use std::collections::HashMap;

use crate::ast::{MacroDef, Node};
use cursor::Cursor;
pub(crate) use cursor::{PErr, PResult};

/// Directives the parser knows, used to decide whether `\#word` is an
/// escaped directive or plain text.
const DIRECTIVES: &[&str] = &[
    "if", "elseif", "else", "end", "set", "foreach", "macro", "define", "break", "stop",
];

/// A parsed template: its nodes plus the macros and `#define` blocks it
/// declares (both hoisted so they can be used anywhere).
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) nodes: Vec<Node>,
    pub(crate) macros: HashMap<String, MacroDef>,
    pub(crate) blocks: Vec<Vec<Node>>,
}

pub(crate) fn parse(src: &str, max_depth: usize) -> PResult<Parsed> {
    let mut p = Parser {
        c: Cursor::new(src, 0, 0, max_depth),
        macros: HashMap::new(),
        blocks: Vec::new(),
    };
    let (nodes, term) = p.block(false)?;
    match term {
        Term::Eof => Ok(Parsed {
            nodes,
            macros: p.macros,
            blocks: p.blocks,
        }),
        _ => Err(p.c.error("unexpected directive")),
    }
}

/// What ended a block of nodes.
pub(crate) enum Term {
    Eof,
    End,
    Else,
    ElseIf(crate::ast::Expr),
}

pub(crate) struct Parser<'s> {
    pub(crate) c: Cursor<'s>,
    pub(crate) macros: HashMap<String, MacroDef>,
    pub(crate) blocks: Vec<Vec<Node>>,
}

/// Output of a block under construction: adjacent text is merged.
#[derive(Default)]
pub(crate) struct Out {
    nodes: Vec<Node>,
    text: String,
}

impl Out {
    pub(crate) fn text(&mut self, s: &str) {
        self.text.push_str(s);
    }

    pub(crate) fn node(&mut self, n: Node) {
        self.flush();
        self.nodes.push(n);
    }

    /// `#set` swallows the spaces and tabs right before it (1.7's
    /// SET_DIRECTIVE token starts with `(" "|"\t")*`).
    pub(crate) fn trim_trailing_blanks(&mut self) {
        let kept = self.text.trim_end_matches([' ', '\t']).len();
        self.text.truncate(kept);
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.nodes.push(Node::Text(std::mem::take(&mut self.text)));
        }
    }

    fn finish(mut self) -> Vec<Node> {
        self.flush();
        self.nodes
    }
}

impl<'s> Parser<'s> {
    /// Parses nodes until the end of input or, inside a block, until a
    /// `#end`, `#else` or `#elseif`.
    pub(crate) fn block(&mut self, in_block: bool) -> PResult<(Vec<Node>, Term)> {
        self.c.enter()?;
        let mut out = Out::default();
        let term = loop {
            let Some(ch) = self.c.peek() else {
                break Term::Eof;
            };
            match ch {
                b'\\' => self.backslashes(&mut out)?,
                b'$' => self.dollar(&mut out)?,
                b'#' => {
                    if let Some(t) = self.hash(&mut out, in_block)? {
                        break t;
                    }
                }
                _ => {
                    let start = self.c.pos;
                    while !matches!(self.c.peek(), None | Some(b'\\' | b'$' | b'#')) {
                        self.c.pos += 1;
                    }
                    out.text(&self.c.src[start..self.c.pos]);
                }
            }
        };
        self.c.leave();
        Ok((out.finish(), term))
    }

    /// `$ref`, or a lone `$` as text.
    fn dollar(&mut self, out: &mut Out) -> PResult<()> {
        match self.reference()? {
            Some(r) => out.node(Node::Ref(r)),
            None => {
                self.c.pos += 1;
                out.text("$");
            }
        }
        Ok(())
    }

    /// A run of backslashes before `$ref` or `#directive` escapes it
    /// (odd count) or renders half of them (even count); elsewhere
    /// backslashes are plain text.
    fn backslashes(&mut self, out: &mut Out) -> PResult<()> {
        let start = self.c.pos;
        while self.c.peek() == Some(b'\\') {
            self.c.pos += 1;
        }
        let n = self.c.pos - start;
        match self.c.peek() {
            Some(b'$') => {
                if let Some(reference) = self.reference()? {
                    out.node(Node::EscapedRef {
                        backslashes: n,
                        reference,
                    });
                } else {
                    out.text(&self.c.src[start..self.c.pos]);
                }
            }
            Some(b'#') => {
                let hash = self.c.pos;
                self.c.pos += 1;
                let braced = self.c.eat("{");
                let word = self.c.word().unwrap_or("");
                let known = DIRECTIVES.contains(&word) || self.macros.contains_key(word);
                let closed = !braced || self.c.eat("}");
                if known && closed {
                    out.text(&"\\".repeat(n / 2));
                    if n % 2 == 1 {
                        out.text(&self.c.src[hash..self.c.pos]);
                    } else {
                        self.c.pos = hash;
                    }
                } else {
                    out.text(&self.c.src[start..hash]);
                    self.c.pos = hash;
                }
            }
            _ => out.text(&self.c.src[start..self.c.pos]),
        }
        Ok(())
    }

    /// Everything starting with `#`: comments, raw blocks, directives, or
    /// plain text. Returns a terminator when a block ends here.
    fn hash(&mut self, out: &mut Out, in_block: bool) -> PResult<Option<Term>> {
        let start = self.c.pos;
        if self.c.eat("##") {
            while !matches!(self.c.peek(), None | Some(b'\n')) {
                self.c.pos += 1;
            }
            self.c.eat("\n");
            return Ok(None);
        }
        if self.c.eat("#*") {
            return match self.c.src[self.c.pos..].find("*#") {
                Some(i) => {
                    self.c.pos += i + 2;
                    Ok(None)
                }
                None => Err(self.error_at(start, "unterminated #* comment")),
            };
        }
        if self.c.eat("#[[") {
            return match self.c.src[self.c.pos..].find("]]#") {
                Some(i) => {
                    out.text(&self.c.src[self.c.pos..self.c.pos + i]);
                    self.c.pos += i + 3;
                    Ok(None)
                }
                None => Err(self.error_at(start, "unterminated #[[ raw block")),
            };
        }
        self.c.pos += 1;
        let braced = self.c.eat("{");
        let Some(word) = self.c.word() else {
            self.c.pos = start + 1;
            out.text("#");
            return Ok(None);
        };
        if braced && !self.c.eat("}") {
            self.c.pos = start + 1;
            out.text("#");
            return Ok(None);
        }
        self.directive(out, word, start, in_block)
    }

    pub(crate) fn error_at(&self, pos: usize, msg: &str) -> PErr {
        PErr {
            fault: crate::error::Fault::Parse(msg.to_string()),
            pos: self.c.base + pos,
        }
    }
}

#[cfg(test)]
mod tests;
