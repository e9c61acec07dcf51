//! Byte cursor shared by the template-level and expression-level parsers.
//! Every syntax character of VTL is ASCII, so scanning bytes and slicing at
//! the positions found always lands on UTF-8 character boundaries.

use crate::error::{Fault, LimitKind};

/// A parse failure and the absolute byte offset it happened at.
#[derive(Debug)]
pub(crate) struct PErr {
    pub(crate) fault: Fault,
    pub(crate) pos: usize,
}

pub(crate) type PResult<T> = Result<T, PErr>;

pub(crate) struct Cursor<'s> {
    pub(crate) src: &'s str,
    pub(crate) pos: usize,
    /// Offset of `src` inside the whole template (non-zero for the body of
    /// an interpolated string literal), so errors point at the template.
    pub(crate) base: usize,
    depth: usize,
    max_depth: usize,
}

impl<'s> Cursor<'s> {
    pub(crate) fn new(src: &'s str, base: usize, depth: usize, max_depth: usize) -> Self {
        Cursor {
            src,
            pos: 0,
            base,
            depth,
            max_depth,
        }
    }

    /// Absolute offset of the cursor in the template.
    pub(crate) fn abs(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    pub(crate) fn max_depth(&self) -> usize {
        self.max_depth
    }

    pub(crate) fn bytes(&self) -> &'s [u8] {
        self.src.as_bytes()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, off: usize) -> Option<u8> {
        self.bytes().get(self.pos + off).copied()
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        self.bytes()[self.pos.min(self.src.len())..].starts_with(s.as_bytes())
    }

    pub(crate) fn eat(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Skips spaces, tabs and line breaks.
    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// After a directive's closing `)` (and after `#end` / `#else`),
    /// Velocity 1.7 swallows trailing spaces and tabs plus one line break,
    /// but only when the line break is really there.
    pub(crate) fn gobble_line_end(&mut self) {
        let mut p = self.pos;
        let b = self.bytes();
        while matches!(b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        match b.get(p) {
            Some(b'\n') => self.pos = p + 1,
            Some(b'\r') => {
                self.pos = if b.get(p + 1) == Some(&b'\n') {
                    p + 2
                } else {
                    p + 1
                }
            }
            _ => {}
        }
    }

    /// Reads `[A-Za-z_][A-Za-z0-9_-]*`, Velocity 1.7's reference
    /// identifier (1.7 allows `-` inside identifiers: `$foo-bar` is one
    /// name).
    pub(crate) fn ident(&mut self) -> Option<&'s str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.pos += 1,
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            self.pos += 1;
        }
        Some(&self.src[start..self.pos])
    }

    /// Reads a directive word: `[A-Za-z_@][A-Za-z0-9_@]*`.
    pub(crate) fn word(&mut self) -> Option<&'s str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'@' => self.pos += 1,
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'@')
        {
            self.pos += 1;
        }
        Some(&self.src[start..self.pos])
    }

    pub(crate) fn error(&self, msg: impl Into<String>) -> PErr {
        PErr {
            fault: Fault::Parse(msg.into()),
            pos: self.abs(),
        }
    }

    pub(crate) fn expect(&mut self, s: &str) -> PResult<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{s}`")))
        }
    }

    /// Enters one level of nesting; fails past the depth limit.
    pub(crate) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(PErr {
                fault: Fault::Limit(LimitKind::Depth),
                pos: self.abs(),
            });
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}
