//! `#if`, `#foreach`, `#set`, `#macro`, `#define`, `#break`, `#stop`,
//! macro calls, and `#word` that is just text.

use super::{Out, PResult, Parser, Term};
use crate::ast::{Expr, MacroDef, Node};

impl<'s> Parser<'s> {
    /// Handles `#word` (the cursor is after the word, `start` at the `#`).
    pub(super) fn directive(
        &mut self,
        out: &mut Out,
        word: &'s str,
        start: usize,
        in_block: bool,
    ) -> PResult<Option<Term>> {
        match word {
            "end" | "else" => {
                if !in_block {
                    return Err(self.error_at(start, &format!("#{word} without an open block")));
                }
                self.c.gobble_line_end();
                Ok(Some(if word == "end" { Term::End } else { Term::Else }))
            }
            "elseif" => {
                if !in_block {
                    return Err(self.error_at(start, "#elseif without #if"));
                }
                let cond = self.condition()?;
                Ok(Some(Term::ElseIf(cond)))
            }
            "if" => {
                let cond = self.condition()?;
                out.node(self.if_rest(cond, start)?);
                Ok(None)
            }
            "set" => {
                out.trim_trailing_blanks();
                out.node(self.set(start)?);
                Ok(None)
            }
            "foreach" => {
                out.node(self.foreach(start)?);
                Ok(None)
            }
            "macro" => {
                self.macro_def(start)?;
                Ok(None)
            }
            "define" => {
                out.node(self.define(start)?);
                Ok(None)
            }
            "break" => {
                out.node(Node::Break);
                Ok(None)
            }
            "stop" => {
                out.node(Node::Stop);
                Ok(None)
            }
            _ => {
                self.macro_call_or_text(out, word, start)?;
                Ok(None)
            }
        }
    }

    /// `( expr )` after `#if` / `#elseif`, then the rest of the line.
    fn condition(&mut self) -> PResult<Expr> {
        self.open_paren()?;
        let e = self.expr()?;
        self.close_paren().map(|()| e)
    }

    fn open_paren(&mut self) -> PResult<()> {
        self.c.skip_ws();
        self.c.expect("(")
    }

    /// The directive's `)`, swallowing the rest of its line (1.7 RPAREN).
    fn close_paren(&mut self) -> PResult<()> {
        self.c.skip_ws();
        self.c.expect(")")?;
        self.c.gobble_line_end();
        Ok(())
    }

    fn if_rest(&mut self, first: Expr, pos: usize) -> PResult<Node> {
        let mut branches = Vec::new();
        let mut cond = first;
        loop {
            let (body, term) = self.block(true)?;
            branches.push((cond, body));
            match term {
                Term::End => {
                    return Ok(Node::If {
                        branches,
                        otherwise: None,
                        pos,
                    });
                }
                Term::ElseIf(next) => cond = next,
                Term::Else => {
                    let (body, term) = self.block(true)?;
                    return match term {
                        Term::End => Ok(Node::If {
                            branches,
                            otherwise: Some(body),
                            pos,
                        }),
                        Term::Eof => Err(self.error_at(pos, "#if without #end")),
                        _ => Err(self.c.error("#else or #elseif after #else")),
                    };
                }
                Term::Eof => return Err(self.error_at(pos, "#if without #end")),
            }
        }
    }

    /// A body up to its `#end`; `#else` is not allowed there.
    fn body_to_end(&mut self, what: &str, pos: usize) -> PResult<Vec<Node>> {
        let (body, term) = self.block(true)?;
        match term {
            Term::End => Ok(body),
            Term::Eof => Err(self.error_at(pos, &format!("#{what} without #end"))),
            _ => Err(self.c.error(format!("#else inside #{what}"))),
        }
    }

    fn set(&mut self, pos: usize) -> PResult<Node> {
        self.open_paren()?;
        self.c.skip_ws();
        let Some(target) = self.reference()? else {
            return Err(self.c.error("#set needs a reference on the left"));
        };
        self.c.skip_ws();
        self.c.expect("=")?;
        let value = self.expr()?;
        self.close_paren()?;
        Ok(Node::Set { target, value, pos })
    }

    fn foreach(&mut self, pos: usize) -> PResult<Node> {
        self.open_paren()?;
        self.c.skip_ws();
        self.c.expect("$")?;
        self.c.eat("{");
        let var = self
            .c
            .ident()
            .ok_or_else(|| self.c.error("#foreach needs a loop variable"))?
            .to_string();
        self.c.eat("}");
        self.c.skip_ws();
        if self.c.word() != Some("in") {
            return Err(self.c.error("expected `in` in #foreach"));
        }
        let iterable = self.expr()?;
        self.close_paren()?;
        let body = self.body_to_end("foreach", pos)?;
        Ok(Node::Foreach {
            var,
            iterable,
            body,
            pos,
        })
    }

    fn macro_def(&mut self, pos: usize) -> PResult<()> {
        self.open_paren()?;
        self.c.skip_ws();
        let name = self
            .c
            .word()
            .ok_or_else(|| self.c.error("#macro needs a name"))?
            .to_string();
        let mut params = Vec::new();
        loop {
            self.c.skip_ws();
            self.c.eat(",");
            self.c.skip_ws();
            if self.c.peek() == Some(b')') {
                break;
            }
            self.c.expect("$")?;
            let braced = self.c.eat("{");
            let p = self
                .c
                .ident()
                .ok_or_else(|| self.c.error("bad #macro parameter"))?;
            params.push(p.to_string());
            if braced {
                self.c.expect("}")?;
            }
        }
        self.close_paren()?;
        let body = self.body_to_end("macro", pos)?;
        self.macros.insert(name, MacroDef { params, body });
        Ok(())
    }

    fn define(&mut self, pos: usize) -> PResult<Node> {
        self.open_paren()?;
        self.c.skip_ws();
        self.c.expect("$")?;
        let braced = self.c.eat("{");
        let var = self
            .c
            .ident()
            .ok_or_else(|| self.c.error("#define needs a reference"))?
            .to_string();
        if braced {
            self.c.expect("}")?;
        }
        self.close_paren()?;
        let body = self.body_to_end("define", pos)?;
        self.blocks.push(body);
        Ok(Node::Define {
            var,
            block: self.blocks.len() - 1,
        })
    }

    /// `#name(args)` is a macro call (arguments separated by spaces or
    /// commas); `#name` without parentheses, or with arguments that do
    /// not parse, is plain text (CSS colours, `#1`, ...).
    fn macro_call_or_text(&mut self, out: &mut Out, name: &str, start: usize) -> PResult<()> {
        let after_word = self.c.pos;
        self.c.skip_ws();
        if self.c.peek() == Some(b'(') {
            self.c.pos += 1;
            if let Ok(args) = self.macro_args() {
                self.c.gobble_line_end();
                out.node(Node::MacroCall {
                    name: name.to_string(),
                    args,
                    literal: self.c.src[start..self.c.pos].to_string(),
                    pos: self.c.base + start,
                });
                return Ok(());
            }
        }
        self.c.pos = after_word;
        out.text(&self.c.src[start..after_word]);
        Ok(())
    }

    fn macro_args(&mut self) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        loop {
            self.c.skip_ws();
            if self.c.eat(")") {
                return Ok(args);
            }
            if !args.is_empty() {
                self.c.eat(",");
            }
            args.push(self.expr()?);
        }
    }
}
